//! Each resource's merged state, as SkyNet sends it: the first delivery of a
//! resource on a subscription is whole, later ones are deltas (absent keys
//! keep their value, `null` clears a key, nested objects are replaced whole;
//! the rule itself is the protocol crate's [`merge_snapshot`]). A resource
//! whose merged state does not decode into its typed snapshot (a delta for a
//! resource never seen whole) is kept and shown as incomplete until the rest
//! arrives.

use rustc_hash::FxHashMap as HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;
use skynet_protocol::{decode_snapshot, merge_snapshot, ProtocolError, StreamName};

/// Resources kept per stream at most: a server naming ever new resources
/// cannot grow the tab's memory without bound; beyond it deliveries of new
/// resources are counted and dropped.
pub const MAX_RESOURCES: usize = 512;

/// One resource's merged state.
#[derive(Debug, Clone, PartialEq)]
struct Resource {
    /// The merged snapshot.
    value: Value,
    /// The subscription it was last delivered on (see [`Merged::resubscribed`]).
    subscription: u64,
}

/// What [`Merged::apply`] did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Merged (or, as the first of its subscription, taken whole) into the
    /// resource with this key.
    Resource(String),
    /// The delivery names no resource of its stream: nothing to merge into.
    Unkeyed,
    /// A new resource beyond [`MAX_RESOURCES`]: dropped.
    Full,
}

/// The merged snapshots of one stream, by resource key.
#[derive(Debug, Clone)]
pub struct Merged {
    stream: StreamName,
    resources: HashMap<String, Resource>,
    subscription: u64,
    /// Deliveries dropped: unkeyed, or beyond [`MAX_RESOURCES`].
    pub dropped: u64,
}

impl Merged {
    /// Nothing received yet on `stream`.
    pub fn new(stream: StreamName) -> Self {
        Self {
            stream,
            resources: HashMap::default(),
            subscription: 0,
            dropped: 0,
        }
    }

    /// The stream it merges.
    pub fn stream(&self) -> &StreamName {
        &self.stream
    }

    /// The stream subscribed again (a reconnect): the next delivery of each
    /// resource is whole and replaces what was kept, so a key cleared while
    /// the link was down does not linger.
    pub fn resubscribed(&mut self) {
        self.subscription += 1;
    }

    /// Merges one delivery's snapshot.
    pub fn apply(&mut self, snapshot: Value) -> Applied {
        let Some(key) = self.stream.resource_key(&snapshot) else {
            self.dropped += 1;
            return Applied::Unkeyed;
        };
        let full = self.resources.len() >= MAX_RESOURCES;
        match self.resources.get_mut(&key) {
            Some(resource) if resource.subscription == self.subscription => {
                merge_snapshot(&mut resource.value, snapshot);
            }
            Some(resource) => {
                resource.value = snapshot;
                resource.subscription = self.subscription;
            }
            None if full => {
                self.dropped += 1;
                return Applied::Full;
            }
            None => {
                self.resources.insert(
                    key.clone(),
                    Resource {
                        value: snapshot,
                        subscription: self.subscription,
                    },
                );
            }
        }
        Applied::Resource(key)
    }

    /// The merged snapshot of a resource, as JSON.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.resources.get(key).map(|r| &r.value)
    }

    /// The merged snapshot of a resource, typed; `Err` (naming the field)
    /// while it is incomplete.
    pub fn decode<T: DeserializeOwned>(&self, key: &str) -> Option<Result<T, ProtocolError>> {
        self.get(key).map(decode_snapshot)
    }

    /// How many resources are kept.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Nothing kept.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

/// The merged snapshots of every stream the console subscribes that carries
/// snapshots.
#[derive(Debug, Clone)]
pub struct Snapshots {
    /// `device_snapshot`.
    pub devices: Merged,
    /// `telescope_snapshot`.
    pub telescopes: Merged,
    /// `instrument_snapshot`.
    pub instruments: Merged,
    /// `constraint_snapshot`.
    pub constraints: Merged,
    /// `constraint_status_snapshot`.
    pub statuses: Merged,
    /// `shutdown_interlock_snapshot`.
    pub interlocks: Merged,
}

impl Default for Snapshots {
    fn default() -> Self {
        Self {
            devices: Merged::new(StreamName::DeviceSnapshot),
            telescopes: Merged::new(StreamName::TelescopeSnapshot),
            instruments: Merged::new(StreamName::InstrumentSnapshot),
            constraints: Merged::new(StreamName::ConstraintSnapshot),
            statuses: Merged::new(StreamName::ConstraintStatusSnapshot),
            interlocks: Merged::new(StreamName::ShutdownInterlockSnapshot),
        }
    }
}

impl Snapshots {
    /// The stream socket subscribed everything again.
    pub fn resubscribed(&mut self) {
        for merged in self.all_mut() {
            merged.resubscribed();
        }
    }

    fn all_mut(&mut self) -> [&mut Merged; 6] {
        [
            &mut self.devices,
            &mut self.telescopes,
            &mut self.instruments,
            &mut self.constraints,
            &mut self.statuses,
            &mut self.interlocks,
        ]
    }

    /// The merged resources of a snapshot stream; `None` for a stream that
    /// carries no snapshots.
    pub fn of(&mut self, stream: &StreamName) -> Option<&mut Merged> {
        self.all_mut().into_iter().find(|m| m.stream() == stream)
    }
}

/// A resource whose merged state is not yet whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Incomplete {
    /// Its stream.
    pub stream: StreamName,
    /// The resource's key (its uid).
    pub key: String,
    /// What is missing or wrong, naming the field.
    pub why: String,
}

/// The resources of every stream whose merged state is not yet whole, by
/// stream and key; bounded by what [`Merged`] keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncompleteSet {
    items: Vec<Incomplete>,
}

impl IncompleteSet {
    /// Records the outcome of decoding a resource: an error keeps (or
    /// updates) it as incomplete, a success removes it. Returns whether the
    /// set changed.
    pub fn record<T>(
        &mut self,
        stream: &StreamName,
        key: &str,
        decoded: &Result<T, ProtocolError>,
    ) -> bool {
        let at = self
            .items
            .iter()
            .position(|i| &i.stream == stream && i.key == key);
        match (decoded, at) {
            (Ok(_), None) => false,
            (Ok(_), Some(at)) => {
                self.items.remove(at);
                true
            }
            (Err(e), Some(at)) => {
                let why = e.to_string();
                let changed = self.items[at].why != why;
                self.items[at].why = why;
                changed
            }
            (Err(e), None) => {
                self.items.push(Incomplete {
                    stream: stream.clone(),
                    key: key.to_owned(),
                    why: e.to_string(),
                });
                true
            }
        }
    }

    /// Every incomplete resource, in the order first seen.
    pub fn items(&self) -> &[Incomplete] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use skynet_protocol::{DeviceSnapshot, DeviceState};

    fn mount(ra: f64, target: Value) -> Value {
        json!({
            "device_uid": "6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11",
            "device_type": "mount",
            "telescope_uid": "1f0c8d4e-7a51-4d8e-b0e3-5c2a9b7d6e10",
            "observed_at": "2026-12-02T21:04:05Z",
            "state": {"ra_deg": ra, "dec_deg": 20.0, "alt_deg": 50.0, "az_deg": 120.0,
                "slewing": false, "tracking": true, "parked": false,
                "target": target, "offset_pattern": null}
        })
    }

    fn delta(state: Value) -> Value {
        json!({
            "device_uid": "6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11",
            "device_type": "mount",
            "telescope_uid": "1f0c8d4e-7a51-4d8e-b0e3-5c2a9b7d6e10",
            "observed_at": "2026-12-02T21:04:06Z",
            "state": state
        })
    }

    fn typed(merged: &Merged) -> DeviceSnapshot {
        let key = "6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11";
        merged.decode::<DeviceSnapshot>(key).unwrap().unwrap()
    }

    fn ra_of(snapshot: &DeviceSnapshot) -> f64 {
        match &snapshot.state {
            DeviceState::Mount(m) => m.ra_deg,
            other => panic!("not a mount: {other:?}"),
        }
    }

    #[test]
    fn absent_keys_keep_their_value_and_present_ones_replace_it() {
        let mut merged = Merged::new(StreamName::DeviceSnapshot);
        merged.apply(mount(10.0, Value::Null));
        merged.apply(delta(json!({"ra_deg": 11.5, "slewing": true})));
        let snapshot = typed(&merged);
        assert_eq!(ra_of(&snapshot), 11.5);
        let DeviceState::Mount(m) = snapshot.state else {
            unreachable!()
        };
        assert!(m.slewing, "the delta's key replaced");
        assert!(m.tracking, "an absent key kept its value");
        assert_eq!(m.dec_deg, 20.0);
        assert_eq!(snapshot.observed_at.as_str(), "2026-12-02T21:04:06Z");
    }

    #[test]
    fn null_clears_a_key_and_nested_objects_are_replaced_whole() {
        let mut merged = Merged::new(StreamName::DeviceSnapshot);
        let target =
            json!({"position_type": "fixed", "frame": "equatorial", "ra": 10.0, "dec": 20.0});
        merged.apply(mount(10.0, target));
        merged.apply(delta(
            json!({"target": {"position_type": "catalog", "name": "M42"}}),
        ));
        let state = &merged.get("6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11").unwrap()["state"];
        assert_eq!(
            state["target"],
            json!({"position_type": "catalog", "name": "M42"}),
            "no `ra` or `frame` left over from the old target"
        );
        merged.apply(delta(json!({"target": null})));
        let state = &merged.get("6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11").unwrap()["state"];
        assert!(state.get("target").is_none(), "cleared: {state}");
        let DeviceState::Mount(m) = typed(&merged).state else {
            unreachable!()
        };
        assert_eq!(m.target, None);
    }

    #[test]
    fn a_delta_for_a_resource_never_seen_whole_is_incomplete_until_the_rest_arrives() {
        let mut merged = Merged::new(StreamName::DeviceSnapshot);
        let key = "6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11";
        assert_eq!(
            merged.apply(delta(json!({"ra_deg": 11.5}))),
            Applied::Resource(key.into())
        );
        let error = merged.decode::<DeviceSnapshot>(key).unwrap().unwrap_err();
        assert!(
            error.field().is_some_and(|f| f.starts_with("state.")),
            "names the missing field: {error}"
        );
        assert_eq!(merged.get(key).unwrap()["state"]["ra_deg"], 11.5, "kept");
        merged.apply(delta(mount(12.0, Value::Null)["state"].clone()));
        assert_eq!(ra_of(&typed(&merged)), 12.0, "whole now");
    }

    #[test]
    fn a_new_subscription_starts_whole_again() {
        let mut merged = Merged::new(StreamName::DeviceSnapshot);
        let mut first = mount(10.0, Value::Null);
        first["state"]["vendor_note"] = json!("cooling");
        merged.apply(first);
        merged.resubscribed();
        // The whole snapshot after a reconnect no longer has the note.
        merged.apply(mount(14.0, Value::Null));
        let state = &merged.get("6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11").unwrap()["state"];
        assert!(state.get("vendor_note").is_none(), "replaced, not merged");
        assert_eq!(state["ra_deg"], 14.0);
        // Later deliveries of that subscription merge again.
        merged.apply(delta(json!({"ra_deg": 15.0})));
        assert_eq!(ra_of(&typed(&merged)), 15.0);
        assert_eq!(merged.len(), 1);
    }

    #[test]
    fn unkeyed_deliveries_and_too_many_resources_are_dropped_and_counted() {
        let mut merged = Merged::new(StreamName::DeviceSnapshot);
        assert_eq!(merged.apply(json!({"state": {}})), Applied::Unkeyed);
        for i in 0..MAX_RESOURCES {
            let mut m = mount(1.0, Value::Null);
            m["device_uid"] = json!(format!("device-{i}"));
            assert!(matches!(merged.apply(m), Applied::Resource(_)));
        }
        let mut one_more = mount(1.0, Value::Null);
        one_more["device_uid"] = json!("device-new");
        assert_eq!(merged.apply(one_more), Applied::Full);
        let mut known = mount(2.0, Value::Null);
        known["device_uid"] = json!("device-3");
        assert!(
            matches!(merged.apply(known), Applied::Resource(_)),
            "a known resource still merges when full"
        );
        assert_eq!(merged.dropped, 2);
        assert_eq!(merged.len(), MAX_RESOURCES);
    }

    #[test]
    fn untyped_state_is_kept_exactly_as_it_arrived() {
        let mut merged = Merged::new(StreamName::DeviceSnapshot);
        let weather = json!({
            "device_uid": "weather-1", "device_type": "weather_sensor",
            "telescope_uid": null, "observed_at": "2026-12-02T21:04:05Z",
            "state": {"windSpeedMS": 3.5, "vendor": {"Model": "X"}}
        });
        merged.apply(weather.clone());
        assert_eq!(merged.get("weather-1"), Some(&weather));
    }

    #[test]
    fn incomplete_resources_are_listed_until_they_decode() {
        let mut merged = Merged::new(StreamName::DeviceSnapshot);
        let mut set = IncompleteSet::default();
        let key = "6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11";
        merged.apply(delta(json!({"ra_deg": 11.5})));
        let decoded = merged.decode::<DeviceSnapshot>(key).unwrap();
        assert!(set.record(&StreamName::DeviceSnapshot, key, &decoded));
        assert!(
            !set.record(&StreamName::DeviceSnapshot, key, &decoded),
            "same why"
        );
        assert_eq!(set.items().len(), 1);
        assert!(set.items()[0].why.contains("state."), "{:?}", set.items());
        merged.apply(delta(mount(12.0, Value::Null)["state"].clone()));
        let decoded = merged.decode::<DeviceSnapshot>(key).unwrap();
        assert!(set.record(&StreamName::DeviceSnapshot, key, &decoded));
        assert!(set.items().is_empty());
    }

    #[test]
    fn merging_the_servers_deltas_shows_what_whole_snapshots_show() {
        use skynet_protocol::snapshot_delta;
        // What a server with `--full-snapshots` would send, in order.
        let target = json!({"position_type": "catalog", "name": "M42"});
        let mut wholes = vec![mount(10.0, Value::Null), mount(10.0, target.clone())];
        let mut slewing = mount(11.0, target);
        slewing["state"]["slewing"] = json!(true);
        wholes.push(slewing);
        let mut parked = mount(11.0, Value::Null);
        parked["state"]["parked"] = json!(true);
        parked["state"]
            .as_object_mut()
            .unwrap()
            .remove("offset_pattern");
        wholes.push(parked);

        let keep = StreamName::DeviceSnapshot.identity_keys();
        let mut from_deltas = Merged::new(StreamName::DeviceSnapshot);
        let mut from_wholes = Merged::new(StreamName::DeviceSnapshot);
        let mut previous: Option<Value> = None;
        for whole in wholes {
            let delivery = match &previous {
                None => whole.clone(),
                Some(previous) => snapshot_delta(previous, &whole, keep).expect("a change"),
            };
            from_deltas.apply(delivery);
            from_wholes.resubscribed();
            from_wholes.apply(whole.clone());
            let key = "6b0e0f5c-2a6e-4b63-9c1f-0f6d2f1c7a11";
            // A key at `null` and a key absent say the same: compare without them.
            let without_nulls = |v: Option<&Value>| {
                let mut v = v.cloned().expect("kept");
                if let Some(state) = v["state"].as_object_mut() {
                    state.retain(|_, value| !value.is_null());
                }
                v
            };
            assert_eq!(
                without_nulls(from_deltas.get(key)),
                without_nulls(from_wholes.get(key))
            );
            assert_eq!(
                from_deltas.decode::<DeviceSnapshot>(key).unwrap(),
                from_wholes.decode::<DeviceSnapshot>(key).unwrap()
            );
            previous = Some(whole);
        }
    }
}
