//! Helpers shared by the integration tests: the `check` helpers (exact JSON
//! and round trip in one call, after lsp-types' `test_serialization`), the
//! fixtures under `tests/fixtures/`, and decoding with any of the four
//! message enums.

#![allow(dead_code)]

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use skynet_protocol::{
    CommandId, CommandsClientMessage, CommandsServerMessage, Message, ProtocolError,
    StreamClientMessage, StreamServerMessage,
};

/// Asserts that `value` encodes to exactly `json`, that `json` decodes to
/// `value`, and that the encoding decodes back to `value`.
pub fn check<T>(value: &T, json: Value)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let encoded = serde_json::to_value(value).expect("encodes");
    assert_eq!(encoded, json, "encoding of {value:?}");
    let decoded: T =
        serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("decoding {json}: {e}"));
    assert_eq!(&decoded, value, "decoding of {json}");
    let again: T = serde_json::from_value(encoded).expect("decodes its own encoding");
    assert_eq!(&again, value, "round trip");
}

/// The same for a message enum, through `Message::from_json` / `to_json`:
/// `value` encodes to the JSON of `text` (compared as values), `text`
/// decodes to `value`, and `to_json` decodes back to `value`.
pub fn check_message<M>(value: &M, text: &str)
where
    M: Message + PartialEq + Debug,
{
    let expected: Value = serde_json::from_str(text).expect("the expected text is JSON");
    let encoded: Value = serde_json::from_str(&value.to_json()).expect("to_json gives JSON");
    assert_eq!(encoded, expected, "encoding of {value:?}");
    let decoded = M::from_json(text).unwrap_or_else(|e| panic!("decoding {text}: {e}"));
    assert_eq!(&decoded, value, "decoding of {text}");
    let again = M::from_json(&value.to_json()).expect("decodes its own encoding");
    assert_eq!(&again, value, "round trip");
}

/// Decodes `text` with `M`, asserts that it re-encodes to equal JSON (as
/// values) and that the re-encoding decodes to the same value, and returns
/// the value so the caller can assert its fields.
pub fn roundtrip<M>(text: &str) -> M
where
    M: Message + PartialEq + Debug,
{
    let decoded = M::from_json(text).unwrap_or_else(|e| panic!("decoding {text}: {e}"));
    let expected: Value = serde_json::from_str(text).expect("JSON");
    let encoded: Value = serde_json::from_str(&decoded.to_json()).expect("JSON");
    assert_eq!(encoded, expected, "re-encoding of {text}");
    assert_eq!(M::from_json(&decoded.to_json()).expect("decodes"), decoded);
    decoded
}

/// The same for a plain serde type.
pub fn roundtrip_value<T>(json: &Value) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let decoded: T =
        serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("decoding {json}: {e}"));
    check(&decoded, json.clone());
    decoded
}

/// A command id from its text.
pub fn cid(text: &str) -> CommandId {
    text.parse().expect("a UUID")
}

/// The four message enums: one per endpoint and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client to server on `/v1/ws/commands`.
    CommandsClient,
    /// Server to client on `/v1/ws/commands`.
    CommandsServer,
    /// Client to server on `/v1/ws/stream`.
    StreamClient,
    /// Server to client on `/v1/ws/stream`.
    StreamServer,
}

impl Dir {
    /// All four.
    pub const ALL: [Dir; 4] = [
        Dir::CommandsClient,
        Dir::CommandsServer,
        Dir::StreamClient,
        Dir::StreamServer,
    ];

    /// The fixture folder of this direction.
    pub fn folder(self) -> &'static str {
        match self {
            Dir::CommandsClient => "commands_client",
            Dir::CommandsServer => "commands_server",
            Dir::StreamClient => "stream_client",
            Dir::StreamServer => "stream_server",
        }
    }
}

/// A message decoded with one of the four enums.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyMessage {
    CommandsClient(CommandsClientMessage),
    CommandsServer(CommandsServerMessage),
    StreamClient(StreamClientMessage),
    StreamServer(StreamServerMessage),
}

impl AnyMessage {
    /// The `kind`.
    pub fn tag(&self) -> &str {
        match self {
            Self::CommandsClient(m) => m.tag(),
            Self::CommandsServer(m) => m.tag(),
            Self::StreamClient(m) => m.tag(),
            Self::StreamServer(m) => m.tag(),
        }
    }

    /// True for a kind the enum does not know.
    pub fn is_unknown(&self) -> bool {
        matches!(
            self,
            Self::CommandsClient(CommandsClientMessage::Unknown(_))
                | Self::CommandsServer(CommandsServerMessage::Unknown(_))
                | Self::StreamClient(StreamClientMessage::Unknown(_))
                | Self::StreamServer(StreamServerMessage::Unknown(_))
        )
    }

    /// The frame's text.
    pub fn to_json(&self) -> String {
        match self {
            Self::CommandsClient(m) => m.to_json(),
            Self::CommandsServer(m) => m.to_json(),
            Self::StreamClient(m) => m.to_json(),
            Self::StreamServer(m) => m.to_json(),
        }
    }
}

/// Decodes `text` with the enum of `dir`.
pub fn decode(dir: Dir, text: &str) -> Result<AnyMessage, ProtocolError> {
    Ok(match dir {
        Dir::CommandsClient => AnyMessage::CommandsClient(CommandsClientMessage::from_json(text)?),
        Dir::CommandsServer => AnyMessage::CommandsServer(CommandsServerMessage::from_json(text)?),
        Dir::StreamClient => AnyMessage::StreamClient(StreamClientMessage::from_json(text)?),
        Dir::StreamServer => AnyMessage::StreamServer(StreamServerMessage::from_json(text)?),
    })
}

/// Decodes the parsed frame `value` with the enum of `dir`: the general
/// way, which a frame's text must decode the same as.
pub fn decode_value(dir: Dir, value: serde_json::Value) -> Result<AnyMessage, ProtocolError> {
    Ok(match dir {
        Dir::CommandsClient => {
            AnyMessage::CommandsClient(CommandsClientMessage::from_value(value)?)
        }
        Dir::CommandsServer => {
            AnyMessage::CommandsServer(CommandsServerMessage::from_value(value)?)
        }
        Dir::StreamClient => AnyMessage::StreamClient(StreamClientMessage::from_value(value)?),
        Dir::StreamServer => AnyMessage::StreamServer(StreamServerMessage::from_value(value)?),
    })
}

/// The fixtures folder.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The text of `tests/fixtures/<name>.json` (`name` like `commands/mount_track`).
pub fn fixture(name: &str) -> String {
    let path = fixtures_dir().join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fixture parsed as a JSON value.
pub fn fixture_value(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every fixture of a folder, as `(file stem, text)`, sorted by name.
pub fn fixtures_in(folder: &str) -> Vec<(String, String)> {
    let dir = fixtures_dir().join(folder);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("a UTF-8 file name")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("readable");
            (stem, text)
        })
        .collect();
    out.sort();
    out
}

/// Wraps a command object (as JSON text) in a `publish_command` frame.
pub fn publish_frame(command: &str) -> String {
    format!(
        r#"{{"kind":"publish_command","telescope_uid":"tel-lapalma","command_id":"6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60","command":{command}}}"#
    )
}

/// Every valid frame of the fixtures with the enum that decodes it: the
/// four message folders, the reference's message examples, and every
/// command fixture wrapped in a `publish_command`.
pub fn valid_frames() -> Vec<(Dir, String)> {
    let mut frames = Vec::new();
    for dir in Dir::ALL {
        for (_, text) in fixtures_in(dir.folder()) {
            frames.push((dir, text));
        }
    }
    for (name, text) in fixtures_in("reference") {
        let dir = match name.as_str() {
            "subscribe_commands" | "publish_command" | "cancel_command" => Dir::CommandsClient,
            "event_command_result" => Dir::CommandsServer,
            "subscribe_stream" => Dir::StreamClient,
            _ => continue,
        };
        frames.push((dir, text));
    }
    for (_, text) in fixtures_in("commands") {
        frames.push((Dir::CommandsClient, publish_frame(&text)));
    }
    frames
}

/// The message of a decoding error, for failures.
pub fn invalid_field(result: Result<AnyMessage, ProtocolError>) -> Option<String> {
    match result {
        Err(error @ ProtocolError::Invalid { .. }) => error.field().map(str::to_owned),
        other => panic!("expected ProtocolError::Invalid, got {other:?}"),
    }
}

/// Structural equality of two JSON values in which numbers may differ in
/// their last bits: serde_json (without its `float_roundtrip` feature)
/// parses some full-precision floats one unit in the last place off.
pub fn json_close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x == y {
                return true;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()),
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_close(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| json_close(x, y)))
        }
        _ => a == b,
    }
}
