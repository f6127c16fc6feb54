//! Property tests: decoding never panics, whatever arrives; malformed known
//! messages are `Invalid`, never anything worse; valid commands round-trip.
//! Case counts stay modest so the suite is quick in debug builds; raise them
//! with `PROPTEST_CASES=10000 cargo test -p skynet-protocol --test fuzz`.

mod common;

use std::collections::BTreeSet;

use common::{decode, decode_value, fixtures_dir, json_close, valid_frames, AnyMessage, Dir};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{Map, Number, Value};
use skynet_protocol::validate::ValidationContext;
use skynet_protocol::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // A failure prints its minimal input; no regression files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// What any decoder may answer to text that is JSON: a value, or `Invalid`
/// (an object of a known kind that is malformed, or not an object at all);
/// the same as it answers to the parsed value (a decoder may read some
/// frames straight from their text).
fn assert_decodes_or_invalid(dir: Dir, text: &str) -> Result<Option<AnyMessage>, TestCaseError> {
    let decoded = decode(dir, text);
    let value = serde_json::from_str(text).expect("JSON text");
    prop_assert_eq!(&decoded, &decode_value(dir, value), "{:?}: {}", dir, text);
    if dir == Dir::CommandsServer {
        assert_read_then_decoded_alike(text, &decoded)?;
    }
    // A log entry and a lease are read when they are used: each decodes
    // or is `Invalid`, naming a field of its own.
    let part = match &decoded {
        Ok(AnyMessage::StreamServer(StreamServerMessage::TelescopeLog(event))) => {
            Some(("entry", event.entry().map(drop)))
        }
        Ok(AnyMessage::StreamServer(StreamServerMessage::ManualControlLease(event))) => {
            Some(("lease", event.lease().map(drop)))
        }
        _ => None,
    };
    if let Some((name, read)) = part {
        match read {
            Ok(()) => {}
            Err(ProtocolError::Invalid { field, .. }) => prop_assert!(
                field.as_deref().is_some_and(|f| f.starts_with(name)),
                "{:?}: {}",
                field,
                text
            ),
            Err(error) => return Err(TestCaseError::fail(format!("{error:?}: {text}"))),
        }
    }
    match decoded {
        Ok(message) => {
            // What was decoded encodes and decodes back to itself (floats
            // to within their last bits: see `floats_round_trip_exactly`).
            let encoded = message.to_json();
            let again = decode(dir, &encoded)
                .map_err(|e| TestCaseError::fail(format!("{dir:?}: {e}: {encoded}")))?;
            prop_assert_eq!(again.is_unknown(), message.is_unknown());
            prop_assert_eq!(again.tag(), message.tag());
            let (first, second): (Value, Value) = (
                serde_json::from_str(&encoded).unwrap(),
                serde_json::from_str(&again.to_json()).unwrap(),
            );
            prop_assert!(
                json_close(&first, &second),
                "{:?}: {} then {}",
                dir,
                first,
                second
            );
            Ok(Some(message))
        }
        Err(ProtocolError::Invalid { .. }) => Ok(None),
        Err(error) => Err(TestCaseError::fail(format!(
            "{dir:?}: JSON text gave {error:?}: {text}"
        ))),
    }
}

/// A commands frame read first ([`CommandsFrame`]) and decoded later gives
/// what decoding it at once gives, and what it answers at once (a ping, a
/// pong, a refused token) agrees with the message.
fn assert_read_then_decoded_alike(
    text: &str,
    decoded: &Result<AnyMessage, ProtocolError>,
) -> Result<(), TestCaseError> {
    let read = CommandsFrame::from_json(text);
    if let Ok(frame) = &read {
        let message = match decoded {
            Ok(AnyMessage::CommandsServer(message)) => Some(message),
            _ => None,
        };
        let ping = match message {
            Some(CommandsServerMessage::Ping(l)) => Some(l.id.clone()),
            _ => None,
        };
        let pong = match message {
            Some(CommandsServerMessage::Pong(l)) => l.id.clone(),
            _ => None,
        };
        let unauthorized = matches!(message,
            Some(CommandsServerMessage::Error(e)) if e.code == ErrorCode::Unauthorized);
        prop_assert_eq!(frame.ping(), ping, "{}", text);
        prop_assert_eq!(frame.pong(), pong, "{}", text);
        prop_assert_eq!(frame.is_unauthorized(), unauthorized, "{}", text);
    }
    let later = read
        .and_then(CommandsFrame::decode)
        .map(AnyMessage::CommandsServer);
    prop_assert_eq!(&later, decoded, "{}", text);
    Ok(())
}

// ---- (a) arbitrary text ----

/// Text made of JSON's punctuation, digits, letters and escapes.
fn jsonish_text() -> impl Strategy<Value = String> {
    "[{}\\[\\]\":,0-9a-zA-Z_ .eE+\\-\\\\/u]{0,80}"
}

/// Bytes read as text, as a socket layer that is lenient with UTF-8 would.
fn bytes_as_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..200)
        .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// A valid frame cut short or with a slice cut out of it.
fn damaged_frame() -> impl Strategy<Value = String> {
    let frames: Vec<String> = valid_frames().into_iter().map(|(_, text)| text).collect();
    (select(frames), any::<Index>(), any::<Index>()).prop_map(|(text, a, b)| {
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let (mut from, mut to) = (a.get(&bounds).to_owned(), b.get(&bounds).to_owned());
        if from > to {
            std::mem::swap(&mut from, &mut to);
        }
        format!("{}{}", &text[..from], &text[to..])
    })
}

/// Whether a path goes into content the crate keeps as it arrived.
fn in_untyped(path: &[Step]) -> bool {
    path.iter()
        .any(|step| matches!(step, Step::Key(key) if key == "data" || key == "details"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        for dir in Dir::ALL {
            let _ = decode(dir, &text);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(text in bytes_as_text()) {
        for dir in Dir::ALL {
            let _ = decode(dir, &text);
        }
    }

    #[test]
    fn jsonish_text_never_panics(text in jsonish_text()) {
        for dir in Dir::ALL {
            if serde_json::from_str::<Value>(&text).is_ok() {
                assert_decodes_or_invalid(dir, &text)?;
            } else {
                prop_assert!(matches!(decode(dir, &text), Err(ProtocolError::NotJson(_))));
            }
        }
    }

    #[test]
    fn damaged_frames_never_panic(text in damaged_frame()) {
        for dir in Dir::ALL {
            if serde_json::from_str::<Value>(&text).is_ok() {
                assert_decodes_or_invalid(dir, &text)?;
            } else {
                prop_assert!(matches!(decode(dir, &text), Err(ProtocolError::NotJson(_))));
            }
        }
    }
}

// ---- (b) arbitrary JSON over the protocol's vocabulary ----

/// Every key and every string value of the fixtures, plus every tag and
/// enum value the crate knows.
struct Vocabulary {
    keys: Vec<String>,
    strings: Vec<String>,
    /// `(tag field, tag value)`: `kind`/`command_type`/... with known values.
    tags: Vec<(String, String)>,
}

fn collect(value: &Value, keys: &mut BTreeSet<String>, strings: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                keys.insert(key.clone());
                collect(inner, keys, strings);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, keys, strings)),
        Value::String(s) => {
            strings.insert(s.clone());
        }
        _ => {}
    }
}

fn vocabulary() -> Vocabulary {
    let mut keys = BTreeSet::new();
    let mut strings = BTreeSet::new();
    for folder in [
        "commands_client",
        "commands_server",
        "stream_client",
        "stream_server",
        "reference",
        "commands",
        "data",
    ] {
        for (_, text) in common::fixtures_in(folder) {
            let value: Value = serde_json::from_str(&text).expect("fixtures are JSON");
            collect(&value, &mut keys, &mut strings);
        }
    }
    let mut tags = Vec::new();
    let kinds = [
        CommandsClientMessage::KNOWN_TAGS,
        CommandsServerMessage::KNOWN_TAGS,
        StreamClientMessage::KNOWN_TAGS,
        StreamServerMessage::KNOWN_TAGS,
    ];
    for kind in kinds.concat() {
        tags.push(("kind".to_owned(), kind.to_owned()));
    }
    for tag in Command::KNOWN_TAGS {
        tags.push(("command_type".to_owned(), tag.to_string()));
    }
    for tag in TargetPosition::KNOWN_TAGS {
        tags.push(("position_type".to_owned(), tag.to_string()));
    }
    for tag in OffsetPattern::KNOWN_TAGS {
        tags.push(("pattern_type".to_owned(), tag.to_string()));
    }
    for device_type in DeviceType::KNOWN {
        tags.push(("device_type".to_owned(), device_type.to_string()));
    }
    for (key, value) in &tags {
        keys.insert(key.clone());
        strings.insert(value.clone());
    }
    // camelCase spellings, which decoding folds.
    for key in keys.clone() {
        keys.insert(camel_case(&key));
    }
    Vocabulary {
        keys: keys.into_iter().collect(),
        strings: strings.into_iter().collect(),
        tags,
    }
}

fn camel_case(key: &str) -> String {
    let mut out = String::new();
    for (i, part) in key.split('_').enumerate() {
        let mut chars = part.chars();
        match chars.next() {
            Some(first) if i > 0 => {
                out.push(first.to_ascii_uppercase());
                out.extend(chars);
            }
            Some(first) => {
                out.push(first);
                out.extend(chars);
            }
            None => {}
        }
    }
    out
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u32..10).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (-400.0..400.0f64).prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
}

fn json_value(vocabulary: &Vocabulary) -> impl Strategy<Value = Value> {
    let strings = vocabulary.strings.clone();
    let keys = vocabulary.keys.clone();
    let tags = vocabulary.tags.clone();
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        select(strings).prop_map(Value::String),
        Just(Value::String("6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60".into())),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        let pair = prop_oneof![
            3 => (select(keys.clone()), inner.clone()),
            1 => select(tags.clone()).prop_map(|(k, v)| (k, Value::String(v))),
        ];
        prop_oneof![
            prop::collection::vec(inner, 0..5).prop_map(Value::Array),
            prop::collection::vec(pair, 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An object with a known `kind` and fields from the vocabulary.
fn json_message(vocabulary: &Vocabulary) -> impl Strategy<Value = Value> {
    let kinds: Vec<String> = vocabulary
        .tags
        .iter()
        .filter(|(k, _)| k == "kind")
        .map(|(_, v)| v.clone())
        .collect();
    (
        select(kinds),
        prop::collection::vec(
            (select(vocabulary.keys.clone()), json_value(vocabulary)),
            0..8,
        ),
    )
        .prop_map(|(kind, fields)| {
            let mut map: Map<String, Value> = fields.into_iter().collect();
            map.insert("kind".into(), Value::String(kind));
            Value::Object(map)
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_json_never_panics(value in json_value(&vocabulary())) {
        let text = value.to_string();
        for dir in Dir::ALL {
            assert_decodes_or_invalid(dir, &text)?;
        }
    }

    #[test]
    fn arbitrary_messages_of_known_kinds_never_panic(value in json_message(&vocabulary())) {
        let text = value.to_string();
        for dir in Dir::ALL {
            assert_decodes_or_invalid(dir, &text)?;
        }
    }
}

// ---- (c) valid messages, mutated ----

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Item(usize),
}

/// The path of every value inside `value` (the root excluded).
fn paths(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    prefix.push(Step::Key(key.clone()));
                    out.push(prefix.clone());
                    walk(inner, prefix, out);
                    prefix.pop();
                }
            }
            Value::Array(items) => {
                for (i, inner) in items.iter().enumerate() {
                    prefix.push(Step::Item(i));
                    out.push(prefix.clone());
                    walk(inner, prefix, out);
                    prefix.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// The container holding the last step of `path`.
fn parent_mut<'v>(value: &'v mut Value, path: &[Step]) -> &'v mut Value {
    let mut current = value;
    for step in &path[..path.len() - 1] {
        current = match step {
            Step::Key(key) => &mut current[key.as_str()],
            Step::Item(i) => &mut current[*i],
        };
    }
    current
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Delete the field (or array item).
    Delete,
    /// Replace the value by one of another JSON type.
    Retype(Value),
    /// Change a string value (other values are left alone).
    EditString(String),
    /// Rename the key to its camelCase spelling.
    CamelCase,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Delete),
        prop_oneof![
            Just(Value::Null),
            Just(Value::Bool(true)),
            Just(Value::from(0)),
            Just(Value::from(-1)),
            Just(Value::from(1.5)),
            Just(Value::from(1e300)),
            Just(Value::from("x")),
            Just(Value::Array(vec![])),
            Just(Value::Object(Map::new())),
        ]
        .prop_map(Mutation::Retype),
        prop_oneof![
            Just(String::new()),
            Just("M51".to_owned()),
            Just("Other".to_owned()),
            ".{0,8}",
        ]
        .prop_map(Mutation::EditString),
        Just(Mutation::CamelCase),
    ]
}

fn json_type(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// Applies the mutation at `path`; false if it does not apply there.
fn mutate(value: &mut Value, path: &[Step], mutation: &Mutation) -> bool {
    let parent = parent_mut(value, path);
    let last = path.last().expect("a non-empty path");
    match (mutation, parent, last) {
        (Mutation::Delete, Value::Object(map), Step::Key(key)) => map.remove(key).is_some(),
        (Mutation::Delete, Value::Array(items), Step::Item(i)) => {
            items.remove(*i);
            true
        }
        (Mutation::Retype(new), parent, step) => {
            let slot = match step {
                Step::Key(key) => &mut parent[key.as_str()],
                Step::Item(i) => &mut parent[*i],
            };
            if json_type(slot) == json_type(new) {
                return false;
            }
            *slot = new.clone();
            true
        }
        (Mutation::EditString(text), parent, step) => {
            let slot = match step {
                Step::Key(key) => &mut parent[key.as_str()],
                Step::Item(i) => &mut parent[*i],
            };
            match slot {
                Value::String(s) if s != text => {
                    *s = text.clone();
                    true
                }
                _ => false,
            }
        }
        (Mutation::CamelCase, Value::Object(map), Step::Key(key)) => {
            let camel = camel_case(key);
            if camel == *key || map.contains_key(&camel) {
                return false;
            }
            let inner = map.remove(key).expect("the key is there");
            map.insert(camel, inner);
            true
        }
        _ => false,
    }
}

fn frame_and_mutation() -> impl Strategy<Value = ((Dir, String), Index, Mutation)> {
    (select(valid_frames()), any::<Index>(), mutation())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_valid_messages_decode_or_are_invalid(
        ((dir, text), at, mutation) in frame_and_mutation()
    ) {
        let original = decode(dir, &text).expect("fixtures are valid");
        let mut value: Value = serde_json::from_str(&text).unwrap();
        let all = paths(&value);
        let path = at.get(&all).clone();
        // Where the mutation does not apply (a camelCase key that has no
        // underscore, a string edit of a number), delete the field instead.
        let applied = if mutate(&mut value, &path, &mutation) {
            mutation
        } else {
            prop_assert!(mutate(&mut value, &path, &Mutation::Delete));
            Mutation::Delete
        };
        let mutated = value.to_string();
        let decoded = assert_decodes_or_invalid(dir, &mutated)?;
        let in_snapshot = matches!(path.first(), Some(Step::Key(key)) if key == "snapshot");
        // A log entry and a lease are kept as received, as a snapshot is.
        let kind = serde_json::from_str::<Value>(&text).unwrap()["kind"].clone();
        let kept_part = match (kind.as_str(), path.first()) {
            (Some("event_telescope_log"), Some(Step::Key(key))) => key == "entry",
            (Some("event_manual_control_lease"), Some(Step::Key(key))) => key == "lease",
            _ => false,
        };
        if matches!(applied, Mutation::CamelCase) && in_snapshot {
            // A snapshot is kept as received; its typed reading accepts
            // the camelCase spelling.
            let snapshot = |text: &str| -> Value {
                serde_json::from_str::<Value>(text).unwrap()["snapshot"].clone()
            };
            let (before, after) = (snapshot(&text), snapshot(&mutated));
            let kind = value["kind"].as_str().unwrap_or_default();
            match kind {
                // An untyped device state is kept as it arrived.
                "event_device_snapshot" => {
                    let typed = decode_snapshot::<DeviceSnapshot>(&before).ok();
                    if !typed.as_ref().is_some_and(|s| matches!(s.state, DeviceState::Other(_))) {
                        prop_assert_eq!(typed, decode_snapshot::<DeviceSnapshot>(&after).ok(), "{}", mutated);
                    }
                }
                "event_telescope_snapshot" => prop_assert_eq!(
                    decode_snapshot::<TelescopeSnapshot>(&before).ok(),
                    decode_snapshot::<TelescopeSnapshot>(&after).ok(), "{}", mutated),
                "event_instrument_snapshot" => prop_assert_eq!(
                    decode_snapshot::<InstrumentSnapshot>(&before).ok(),
                    decode_snapshot::<InstrumentSnapshot>(&after).ok(), "{}", mutated),
                _ => {}
            }
        } else if matches!(applied, Mutation::CamelCase) && kept_part {
            // Its typed reading accepts the camelCase spelling.
            let typed = |message: Option<&AnyMessage>| match message {
                Some(AnyMessage::StreamServer(StreamServerMessage::TelescopeLog(e))) => {
                    e.entry().ok().map(|entry| format!("{entry:?}"))
                }
                Some(AnyMessage::StreamServer(StreamServerMessage::ManualControlLease(e))) => {
                    e.lease().ok().map(|lease| format!("{lease:?}"))
                }
                _ => None,
            };
            prop_assert!(typed(Some(&original)).is_some(), "{}", text);
            prop_assert_eq!(typed(decoded.as_ref()), typed(Some(&original)), "{}", mutated);
        } else if matches!(applied, Mutation::CamelCase) && !in_untyped(&path) {
            // A camelCase key means the same as its snake_case spelling
            // (untyped content, a result's `data` or an error's `details`,
            // is kept as it arrived).
            prop_assert_eq!(decoded.as_ref(), Some(&original), "{}", mutated);
        }
        // Whatever the mutation, the other enums do not panic either.
        for other in Dir::ALL {
            let _ = decode(other, &mutated);
        }
    }

    /// Several mutations in a row.
    #[test]
    fn repeatedly_mutated_messages_decode_or_are_invalid(
        (dir, text) in select(valid_frames()),
        steps in prop::collection::vec((any::<Index>(), mutation()), 1..6),
    ) {
        let mut value: Value = serde_json::from_str(&text).unwrap();
        for (at, mutation) in &steps {
            let all = paths(&value);
            if all.is_empty() {
                break;
            }
            let path = at.get(&all).clone();
            mutate(&mut value, &path, mutation);
        }
        assert_decodes_or_invalid(dir, &value.to_string())?;
    }
}

// ---- (d) valid commands round-trip ----

/// A number with at most `decimals` decimals in `[min, max]`, as typed in a form.
fn decimal(min: f64, max: f64, decimals: i32) -> impl Strategy<Value = f64> {
    let scale = 10f64.powi(decimals);
    let (lo, hi) = ((min * scale).ceil() as i64, (max * scale).floor() as i64);
    (lo..=hi).prop_map(move |n| n as f64 / scale)
}

fn target() -> impl Strategy<Value = TargetPosition> {
    prop_oneof![
        (decimal(0.0, 359.9999, 4), decimal(-90.0, 90.0, 4))
            .prop_map(|(ra, dec)| TargetPosition::equatorial(ra, dec)),
        (decimal(0.0, 359.9999, 4), decimal(-90.0, 90.0, 4))
            .prop_map(|(l, b)| TargetPosition::galactic(l, b)),
        "[A-Za-z0-9 ]{0,10}[A-Za-z0-9]".prop_map(TargetPosition::catalog),
        select(vec!["sun", "moon", "mars", "jupiter"])
            .prop_map(|body| TargetPosition::Ephemeral(EphemeralTarget { body: body.into() })),
        (
            proptest::option::of("[A-Z ]{1,12}"),
            "1 [0-9A-Z .-]{10,60}",
            "2 [0-9 .]{10,60}"
        )
            .prop_map(|(name, l1, l2)| TargetPosition::Orbital(OrbitalTarget {
                name,
                tle_line1: Some(l1),
                tle_line2: Some(l2),
            })),
    ]
}

fn offset_pattern() -> impl Strategy<Value = Option<OffsetPattern>> {
    proptest::option::of(prop_oneof![
        (
            decimal(0.1, 3600.0, 1),
            1u32..=50,
            1u32..=50,
            decimal(0.1, 3600.0, 1)
        )
            .prop_map(
                |(step_arcsec, rows, columns, dwell_s)| OffsetPattern::Raster(RasterPattern {
                    step_arcsec,
                    rows,
                    columns,
                    dwell_s,
                })
            ),
        (
            decimal(0.1, 36_000.0, 1),
            1u32..=24,
            decimal(0.1, 3600.0, 1)
        )
            .prop_map(|(radius_arcsec, petals, period_s)| OffsetPattern::Daisy(
                DaisyPattern {
                    radius_arcsec,
                    petals,
                    period_s,
                }
            )),
    ])
}

fn filter_id() -> impl Strategy<Value = String> {
    select(vec!["L", "R", "G", "B", "Ha", "OIII", "SII"]).prop_map(str::to_owned)
}

fn lease_id() -> impl Strategy<Value = LeaseId> {
    "lease-[0-9a-f]{6}".prop_map(LeaseId)
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        target().prop_map(|target| Command::MountPoint(MountPoint { target })),
        (target(), offset_pattern()).prop_map(|(target, offset_pattern)| {
            Command::MountTrack(MountTrack {
                target,
                offset_pattern,
            })
        }),
        (
            decimal(-36_000.0, 36_000.0, 2),
            select(vec!["ra", "dec", "alt", "az"])
        )
            .prop_map(|(delta_arcsec, axis)| Command::MountOffsetRelative(
                MountOffsetRelative {
                    delta_arcsec,
                    axis: axis.into(),
                }
            )),
        (
            decimal(0.001, 3600.0, 3),
            1u32..=4,
            proptest::option::of(filter_id())
        )
            .prop_map(
                |(duration_s, binning, filter_id)| Command::CameraExposureStart(
                    CameraExposureStart {
                        duration_s,
                        binning,
                        filter_id,
                    }
                )
            ),
        (
            filter_id(),
            select(vec![
                AutofocusStrategy::VCurve,
                AutofocusStrategy::Hyperbolic
            ])
        )
            .prop_map(
                |(filter_id, strategy)| Command::ImagerAutofocus(ImagerAutofocus {
                    filter_id,
                    strategy,
                })
            ),
        (0u32..=6).prop_map(|filter_wheel_position_id| {
            Command::FilterWheelSetOption(FilterWheelSetOption {
                filter_wheel_position_id,
            })
        }),
        decimal(0.0, 50_000.0, 1)
            .prop_map(|position_um| Command::FocuserMoveAbsolute(MoveAbsoluteUm { position_um })),
        decimal(-50_000.0, 50_000.0, 1)
            .prop_map(|delta_um| Command::FocuserMoveRelative(MoveRelativeUm { delta_um })),
        decimal(0.0, 50_000.0, 1)
            .prop_map(|position_um| Command::FocusMoveAbsolute(MoveAbsoluteUm { position_um })),
        decimal(-50_000.0, 50_000.0, 1)
            .prop_map(|delta_um| Command::FocusMoveRelative(MoveRelativeUm { delta_um })),
        decimal(0.0, 359.99, 2)
            .prop_map(|angle_deg| Command::RotatorMoveAbsolute(RotatorMoveAbsolute { angle_deg })),
        decimal(-360.0, 360.0, 2)
            .prop_map(|delta_deg| Command::RotatorMoveRelative(RotatorMoveRelative { delta_deg })),
        (decimal(1.0, 43_200.0, 0), proptest::option::of(".{0,30}")).prop_map(
            |(duration_s, purpose)| Command::LeaseAcquire(LeaseAcquire {
                duration_s,
                purpose,
            })
        ),
        (lease_id(), decimal(1.0, 43_200.0, 0)).prop_map(|(lease_id, duration_s)| {
            Command::LeaseRenew(LeaseRenew {
                lease_id,
                duration_s,
            })
        }),
        lease_id().prop_map(|lease_id| Command::LeaseRelease(LeaseRelease { lease_id })),
        lease_id()
            .prop_map(|lease_id| Command::AbortManualControl(AbortManualControl { lease_id })),
    ]
}

fn simulator_context() -> ValidationContext {
    let slots = ["L", "R", "G", "B", "Ha", "OIII", "SII"]
        .iter()
        .enumerate()
        .map(|(i, f)| FilterSlot {
            filter_wheel_position_id: i as u32,
            filter_id: (*f).to_owned(),
            name: (*f).to_owned(),
        })
        .collect();
    ValidationContext {
        filters: Some(slots),
        focuser_range_um: Some((0.0, 50_000.0)),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_commands_round_trip(command in command(), uuid in any::<u128>()) {
        // As a value.
        let value = serde_json::to_value(&command).unwrap();
        prop_assert_eq!(value["command_type"].as_str(), Some(command.tag()));
        let decoded: Command = serde_json::from_value(value.clone()).unwrap();
        prop_assert_eq!(&decoded, &command);
        // As a frame's text, through publish_command.
        let message = CommandsClientMessage::PublishCommand(PublishCommand {
            telescope_uid: "tel-lapalma".into(),
            command_id: CommandId(uuid::Uuid::from_u128(uuid)),
            command: command.clone(),
            origin: None,
        });
        let text = message.to_json();
        prop_assert_eq!(CommandsClientMessage::from_json(&text), Ok(message.clone()));
        let reencoded: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&reencoded["command"], &value);
        // And as event_command, on the way back.
        let event = CommandsServerMessage::Command(CommandEvent {
            subscription_id: "all".into(),
            command_id: CommandId(uuid::Uuid::from_u128(uuid)),
            telescope_uid: "tel-lapalma".into(),
            command: command.clone(),
            origin: None,
            published_at: "2026-11-24T21:04:05.012Z".into(),
            account: None,
        });
        prop_assert_eq!(CommandsServerMessage::from_json(&event.to_json()), Ok(event));
        // Generated within the limits, so valid.
        prop_assert_eq!(command.validate(&simulator_context()), Ok(()));
        prop_assert!(!command.summary().is_empty());
    }
}

proptest! {
    #![proptest_config(config())]

    /// Full-precision coordinates (as computed from sexagesimal input)
    /// survive a trip through the text to within one unit in the last place.
    #[test]
    fn full_precision_coordinates_round_trip_closely(ra in 0.0..360.0f64, dec in -90.0..=90.0f64) {
        let message = CommandsClientMessage::PublishCommand(PublishCommand {
            telescope_uid: "tel-lapalma".into(),
            command_id: CommandId(uuid::Uuid::nil()),
            command: Command::MountPoint(MountPoint { target: TargetPosition::equatorial(ra, dec) }),
            origin: None,
        });
        let decoded = CommandsClientMessage::from_json(&message.to_json()).unwrap();
        let CommandsClientMessage::PublishCommand(publish) = decoded else { panic!() };
        let Command::MountPoint(point) = publish.command else { panic!() };
        let TargetPosition::Fixed(fixed) = point.target else { panic!() };
        let (ra2, dec2) = (fixed.ra.unwrap(), fixed.dec.unwrap());
        prop_assert!((ra2 - ra).abs() <= ra.abs() * f64::EPSILON, "{} became {}", ra, ra2);
        prop_assert!((dec2 - dec).abs() <= dec.abs() * f64::EPSILON, "{} became {}", dec, dec2);
    }
}

/// Exact round trip of every finite float needs serde_json's
/// `float_roundtrip` feature, which the crate does not enable: without it
/// `118.44260178237971` comes back as `118.44260178237973`. Run with
/// `--ignored` once the feature is on.
#[test]
#[ignore = "needs serde_json's float_roundtrip feature (crates/protocol/Cargo.toml)"]
fn floats_round_trip_exactly() {
    let ra = 118.442_601_782_379_71;
    let target = TargetPosition::equatorial(ra, 0.0);
    let text = serde_json::to_string(&target).unwrap();
    let decoded: TargetPosition = serde_json::from_str(&text).unwrap();
    assert_eq!(decoded, target, "{text}");
}

#[test]
fn fixtures_folder_exists() {
    assert!(fixtures_dir().is_dir());
    assert!(valid_frames().len() > 50);
}
