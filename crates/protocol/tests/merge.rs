//! Snapshots as deltas: what a server sends with `snapshot_delta`, merged
//! with `merge_snapshot`, gives back the snapshot it was computed from.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use skynet_protocol::{merge_snapshot, snapshot_delta, StreamName};

/// A JSON value inside a snapshot: scalars, arrays and nested objects
/// (nested `null`s included: they are values there, not removals).
fn leaf() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        "[a-z]{0,4}".prop_map(Value::from),
    ];
    scalar.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-c]", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A non-null value: at the top level and in `state`, `null` means "clear".
fn present() -> impl Strategy<Value = Value> {
    leaf().prop_filter("null clears", |v| !v.is_null())
}

/// A snapshot-shaped object: identity fields, `observed_at`, a `state`
/// object (sometimes not an object) and a few other top-level keys.
fn snapshot() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["d1", "d2"]),
        prop::sample::select(vec!["t1", "t2", "t3"]),
        prop_oneof![
            4 => prop::collection::btree_map("[a-e]", present(), 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            1 => present().prop_filter("a state that is not an object", |v| !v.is_object()),
        ],
        prop::collection::btree_map("[p-s]", present(), 0..3),
    )
        .prop_map(|(uid, at, state, rest)| {
            let mut map: Map<String, Value> = rest.into_iter().collect();
            map.insert("device_uid".into(), json!(uid));
            map.insert("observed_at".into(), json!(at));
            map.insert("state".into(), state);
            Value::Object(map)
        })
}

proptest! {
    #[test]
    fn merging_the_delta_gives_the_current_snapshot(previous in snapshot(), current in snapshot()) {
        let keep = StreamName::DeviceSnapshot.identity_keys();
        let mut held = previous.clone();
        match snapshot_delta(&previous, &current, keep) {
            Some(delta) => {
                prop_assert_eq!(delta.get("device_uid"), current.get("device_uid"));
                prop_assert_eq!(delta.get("observed_at"), current.get("observed_at"));
                merge_snapshot(&mut held, delta);
            }
            None => prop_assert_eq!(&previous, &current),
        }
        prop_assert_eq!(held, current);
    }

    #[test]
    fn a_delta_carries_no_unchanged_state_key(previous in snapshot(), current in snapshot()) {
        let delta = snapshot_delta(&previous, &current, &["device_uid"]);
        if let (Some(Value::Object(before)), Some(Value::Object(changes))) =
            (previous.get("state"), delta.as_ref().and_then(|d| d.get("state")))
        {
            if current.get("state").is_some_and(Value::is_object) {
                for (key, value) in changes {
                    prop_assert_ne!(before.get(key), Some(value), "{} unchanged", key);
                }
            }
        }
    }
}

#[test]
fn a_whole_first_delivery_then_a_delta() {
    let first = json!({"device_uid": "f", "device_type": "focuser", "telescope_uid": "t",
        "observed_at": "1", "state": {"position_um": 1.0, "moving": true, "temperature_c": 4.0}});
    let second = json!({"device_uid": "f", "device_type": "focuser", "telescope_uid": "t",
        "observed_at": "2", "state": {"position_um": 2.0, "moving": false, "temperature_c": 4.0}});
    let delta =
        snapshot_delta(&first, &second, StreamName::DeviceSnapshot.identity_keys()).unwrap();
    assert_eq!(
        delta,
        json!({"device_uid": "f", "device_type": "focuser", "telescope_uid": "t",
            "observed_at": "2", "state": {"position_um": 2.0, "moving": false}})
    );
    let mut held = Value::Null;
    merge_snapshot(&mut held, first.clone());
    merge_snapshot(&mut held, delta);
    assert_eq!(held, second);
}
