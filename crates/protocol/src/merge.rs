//! Snapshots as deltas [published: "the latest known snapshot ... then
//! deltas"; the merge rules are ours, see docs/protocol.md].
//!
//! The first delivery of a resource on a subscription is whole; later ones
//! may carry only what changed. [`merge_snapshot`] folds a delivery into
//! what a client holds, [`snapshot_delta`] computes what a server sends.
//!
//! ```
//! use serde_json::json;
//! use skynet_protocol::{merge_snapshot, snapshot_delta};
//! let previous = json!({"device_uid": "d", "observed_at": "t1", "state": {"moving": false, "position_um": 1.0}});
//! let current = json!({"device_uid": "d", "observed_at": "t2", "state": {"moving": true, "position_um": 1.0}});
//! let delta = snapshot_delta(&previous, &current, &["device_uid"]).unwrap();
//! assert_eq!(delta, json!({"device_uid": "d", "observed_at": "t2", "state": {"moving": true}}));
//! let mut held = previous.clone();
//! merge_snapshot(&mut held, delta);
//! assert_eq!(held, current);
//! ```

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{ProtocolError, StreamName};

/// The top-level key whose object merges one level deep.
const STATE: &str = "state";
/// The top-level key every delta carries.
const OBSERVED_AT: &str = "observed_at";

/// Folds a delivery (`delta`, whole or partial) into `base`. For each
/// top-level key of the delta: `null` removes the key; `state`, when both
/// sides are objects, merges one level (each state key: `null` removes,
/// anything else replaces the value whole); every other key replaces the
/// value whole (a `target`, `site` or `lease` object is not merged into).
/// A `base` that is not an object is replaced by the delta. The delta's
/// values move into `base`: nothing is copied.
pub fn merge_snapshot(base: &mut Value, delta: Value) {
    let Value::Object(delta) = delta else {
        *base = delta;
        return;
    };
    let Value::Object(base) = base else {
        *base = Value::Object(delta.into_iter().filter(|(_, v)| !v.is_null()).collect());
        return;
    };
    for (key, value) in delta {
        match (key.as_str(), value) {
            (_, Value::Null) => {
                base.remove(&key);
            }
            (STATE, Value::Object(changes)) if base.get(STATE).is_some_and(Value::is_object) => {
                let Some(Value::Object(state)) = base.get_mut(STATE) else {
                    continue;
                };
                for (state_key, state_value) in changes {
                    if state_value.is_null() {
                        state.remove(&state_key);
                    } else {
                        state.insert(state_key, state_value);
                    }
                }
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The delivery a server sends when a resource went from `previous` to
/// `current`: the `keep` keys (the identity fields) and `observed_at`
/// always, every top-level key that changed, for `state` (when both sides
/// are objects) only the changed state keys, and keys that disappeared as
/// `null`. A key holding `null` counts as absent, as [`merge_snapshot`]
/// reads it. `None` only when nothing at all changed, `observed_at`
/// included: a snapshot re-published with a new `observed_at` is still a
/// delivery. When either side is not an object, the delta is `current` whole.
pub fn snapshot_delta(previous: &Value, current: &Value, keep: &[&str]) -> Option<Value> {
    let (Value::Object(previous), Value::Object(current)) = (previous, current) else {
        return (previous != current).then(|| current.clone());
    };
    let mut delta = Map::new();
    for (key, value) in current.iter().filter(|(_, v)| !v.is_null()) {
        let before = present(previous, key);
        if before == Some(value) {
            continue;
        }
        match (key.as_str(), before, value) {
            (STATE, Some(Value::Object(before)), Value::Object(after)) => {
                delta.insert(key.clone(), Value::Object(changed_keys(before, after)));
            }
            _ => {
                delta.insert(key.clone(), value.clone());
            }
        }
    }
    delta.extend(gone_keys(previous, current));
    if delta.is_empty() {
        return None;
    }
    for key in keep.iter().copied().chain([OBSERVED_AT]) {
        if let Some(value) = current.get(key) {
            delta.entry(key.to_owned()).or_insert_with(|| value.clone());
        }
    }
    Some(Value::Object(delta))
}

/// `map[key]` unless it is absent or `null`.
fn present<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    map.get(key).filter(|value| !value.is_null())
}

/// The keys of `after` that differ from `before`, and those gone as `null`.
fn changed_keys(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    let mut changes: Map<String, Value> = after
        .iter()
        .filter(|(key, value)| !value.is_null() && present(before, key) != Some(*value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    changes.extend(gone_keys(before, after));
    changes
}

/// The keys present in `before` and absent (or `null`) in `after`, as `null`.
fn gone_keys(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> impl Iterator<Item = (String, Value)> {
    before
        .iter()
        .filter(|(key, value)| !value.is_null() && present(after, key).is_none())
        .map(|(key, _)| (key.clone(), Value::Null))
        .collect::<Vec<_>>()
        .into_iter()
}

impl StreamName {
    /// The identifying fields of this stream's snapshots, which every delta
    /// carries. Empty for streams that do not carry snapshots.
    pub fn identity_keys(&self) -> &'static [&'static str] {
        match self {
            Self::DeviceSnapshot => &[
                "device_uid",
                "device_type",
                "telescope_uid",
                "observatory_uid",
            ],
            Self::TelescopeSnapshot => &["telescope_uid"],
            Self::InstrumentSnapshot => &["instrument_uid", "instrument_type", "telescope_uid"],
            Self::ConstraintSnapshot | Self::ConstraintStatusSnapshot => {
                &["constraint_uid", "constraint_type"]
            }
            Self::ShutdownInterlockSnapshot => &["observatory_uid", "telescope_uid"],
            _ => &[],
        }
    }

    /// The key of the resource a snapshot of this stream describes: its
    /// `device_uid`, `telescope_uid`, `instrument_uid` or `constraint_uid`;
    /// for an interlock `observatory_uid/telescope_uid` (the telescope part
    /// empty at observatory level). camelCase spellings are read too.
    /// `None` when the snapshot lacks it or the stream carries no snapshots.
    pub fn resource_key(&self, snapshot: &Value) -> Option<String> {
        let uid = |key: &str| -> Option<&str> {
            snapshot
                .get(key)
                .or_else(|| snapshot.get(crate::decode::camel_case(key).as_str()))
                .and_then(Value::as_str)
        };
        match self {
            Self::DeviceSnapshot => uid("device_uid").map(str::to_owned),
            Self::TelescopeSnapshot => uid("telescope_uid").map(str::to_owned),
            Self::InstrumentSnapshot => uid("instrument_uid").map(str::to_owned),
            Self::ConstraintSnapshot | Self::ConstraintStatusSnapshot => {
                uid("constraint_uid").map(str::to_owned)
            }
            Self::ShutdownInterlockSnapshot => uid("observatory_uid")
                .map(|observatory| format!("{observatory}/{}", uid("telescope_uid").unwrap_or(""))),
            _ => None,
        }
    }
}

/// Decodes a merged snapshot (or any snapshot value) as one of the typed
/// snapshots (`DeviceSnapshot`, `TelescopeSnapshot`, `InstrumentSnapshot`);
/// a failure names the field. camelCase spellings of known fields are
/// accepted.
pub fn decode_snapshot<T: DeserializeOwned>(value: &Value) -> Result<T, ProtocolError> {
    crate::decode::decode_struct(value).map_err(ProtocolError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(base: Value, delta: Value) -> Value {
        let mut base = base;
        merge_snapshot(&mut base, delta);
        base
    }

    #[test]
    fn an_absent_key_keeps_its_value() {
        assert_eq!(
            merged(json!({"a": 1, "b": 2}), json!({"b": 3})),
            json!({"a": 1, "b": 3})
        );
    }

    #[test]
    fn a_null_key_is_removed() {
        assert_eq!(
            merged(
                json!({"a": 1, "lease": {"lease_id": "l"}}),
                json!({"lease": null})
            ),
            json!({"a": 1})
        );
    }

    #[test]
    fn state_merges_one_level() {
        let base = json!({"state": {"moving": false, "position_um": 5.0, "temperature_c": 3.0}});
        let delta = json!({"state": {"moving": true, "temperature_c": null}});
        assert_eq!(
            merged(base, delta),
            json!({"state": {"moving": true, "position_um": 5.0}})
        );
    }

    #[test]
    fn nested_objects_in_state_are_replaced_whole() {
        let base = json!({"state": {"target": {"position_type": "fixed", "ra": 1.0, "dec": 2.0}}});
        let delta = json!({"state": {"target": {"position_type": "catalog", "name": "M51"}}});
        assert_eq!(
            merged(base, delta),
            json!({"state": {"target": {"position_type": "catalog", "name": "M51"}}})
        );
    }

    #[test]
    fn other_top_level_objects_are_replaced_whole() {
        let base = json!({"site": {"latitude_deg": 1.0, "longitude_deg": 2.0}});
        let delta = json!({"site": {"latitude_deg": 5.0}});
        assert_eq!(merged(base, delta), json!({"site": {"latitude_deg": 5.0}}));
    }

    #[test]
    fn a_state_that_is_not_an_object_is_replaced() {
        assert_eq!(
            merged(json!({"state": 1}), json!({"state": {"a": 1}})),
            json!({"state": {"a": 1}})
        );
        assert_eq!(
            merged(json!({"state": {"a": 1}}), json!({"state": "x"})),
            json!({"state": "x"})
        );
    }

    #[test]
    fn resource_keys_name_the_resource() {
        let device = json!({"deviceUid": "d1", "device_type": "mount"});
        assert_eq!(
            StreamName::DeviceSnapshot.resource_key(&device).as_deref(),
            Some("d1")
        );
        let interlock = json!({"observatory_uid": "o", "telescope_uid": null});
        assert_eq!(
            StreamName::ShutdownInterlockSnapshot
                .resource_key(&interlock)
                .as_deref(),
            Some("o/")
        );
        let telescope_level = json!({"observatory_uid": "o", "telescope_uid": "t"});
        assert_eq!(
            StreamName::ShutdownInterlockSnapshot
                .resource_key(&telescope_level)
                .as_deref(),
            Some("o/t")
        );
        assert_eq!(StreamName::TelescopeLog.resource_key(&device), None);
        assert_eq!(StreamName::InstrumentSnapshot.resource_key(&device), None);
    }

    #[test]
    fn a_whole_delivery_merges_to_itself() {
        let whole = json!({"device_uid": "d", "state": {"a": 1}});
        assert_eq!(merged(json!({}), whole.clone()), whole);
    }

    #[test]
    fn the_delta_keeps_identity_and_observed_at_and_only_changes() {
        let previous = json!({"device_uid": "d", "device_type": "mount", "observed_at": "1",
            "state": {"ra_deg": 1.0, "dec_deg": 2.0, "target": {"name": "M51"}}, "gone": 1});
        let current = json!({"device_uid": "d", "device_type": "mount", "observed_at": "2",
            "state": {"ra_deg": 1.5, "dec_deg": 2.0}});
        let delta = snapshot_delta(&previous, &current, &["device_uid", "device_type"]).unwrap();
        assert_eq!(
            delta,
            json!({"device_uid": "d", "device_type": "mount", "observed_at": "2",
                "state": {"ra_deg": 1.5, "target": null}, "gone": null})
        );
    }

    #[test]
    fn no_delta_when_nothing_changed_but_one_for_a_new_observed_at() {
        let snapshot = json!({"device_uid": "d", "observed_at": "1", "state": {"a": 1}});
        assert_eq!(snapshot_delta(&snapshot, &snapshot, &["device_uid"]), None);
        let later = json!({"device_uid": "d", "observed_at": "2", "state": {"a": 1}});
        assert_eq!(
            snapshot_delta(&snapshot, &later, &["device_uid"]),
            Some(json!({"device_uid": "d", "observed_at": "2"}))
        );
    }
}
