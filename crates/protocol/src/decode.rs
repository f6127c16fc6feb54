//! Decoding that never gives up on a whole connection: JSON is parsed once
//! into a value, the tag picks the type (typed fields accept their camelCase
//! spelling through serde aliases; untyped content is kept as it arrived),
//! and a failure names the field it happened at. Structs are read from
//! JSON objects only ([`crate::strict`]).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::strict::Strict;

/// Why a frame could not be decoded. An unknown `kind`, command type or
/// stream is not an error: it decodes to an `Unknown` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The text is not JSON at all.
    #[error("the frame is not valid JSON: {0}")]
    NotJson(String),
    /// The JSON is well formed but a known message is malformed.
    #[error("{}", match field { Some(field) => format!("`{field}` {message}"), None => message.clone() })]
    Invalid {
        /// Dotted path of the offending field (`command.target.ra`), when known.
        field: Option<String>,
        /// What is wrong, in words.
        message: String,
    },
}

impl ProtocolError {
    /// The dotted path of the offending field, when known.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => field.as_deref(),
            Self::NotJson(_) => None,
        }
    }
}

impl From<DecodeError> for ProtocolError {
    fn from(error: DecodeError) -> Self {
        Self::Invalid {
            field: error.path,
            message: error.message,
        }
    }
}

/// A decoding failure inside the crate, with the path where it happened.
/// Rendered as `path: message` so that it survives a trip through
/// `serde::de::Error::custom` and can be read back one level up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    pub path: Option<String>,
    pub message: String,
}

impl DecodeError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.into()),
            message: message.into(),
        }
    }

    /// Reads back a message produced by `Display`, or any serde message.
    fn parse(message: &str) -> Self {
        if let Some(field) = missing_field(message) {
            return Self::at(field, "is required");
        }
        match message.split_once(": ") {
            Some((path, rest)) if is_path(path) => Self::at(path, rest),
            _ => Self {
                path: None,
                message: message.to_owned(),
            },
        }
    }

    fn within(self, parent: &str) -> Self {
        Self::at(
            match self.path {
                Some(path) => format!("{parent}.{path}"),
                None => parent.to_owned(),
            },
            self.message,
        )
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{path}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(field, _)| field)
}

/// Parses a frame's text into a JSON value, keys as sent.
pub(crate) fn parse_frame(text: &str) -> Result<Value, ProtocolError> {
    serde_json::from_str(text).map_err(|e| ProtocolError::NotJson(e.to_string()))
}

/// Reads the string discriminator `field` of an object.
pub(crate) fn tag_of<'v>(value: &'v Value, field: &str) -> Result<&'v str, DecodeError> {
    let Value::Object(map) = value else {
        return Err(DecodeError {
            path: None,
            message: format!("must be a JSON object, found {}", json_type(value)),
        });
    };
    match map.get(field).or_else(|| map.get(&camel_case(field))) {
        Some(Value::String(tag)) => Ok(tag),
        Some(other) => Err(DecodeError::at(
            field,
            format!("must be a string, found {}", json_type(other)),
        )),
        None => Err(DecodeError::at(field, "is required")),
    }
}

/// Decodes a struct from a value; on failure finds the field to blame.
/// Each field accepts its camelCase spelling (a serde alias); when both
/// spellings of one of `T`'s fields are present, the snake_case one wins.
/// Only the reading itself is `T`'s own code; the rest is shared by every
/// type ([`without_camel_twins`], [`blame`]).
pub(crate) fn decode_struct<T: DeserializeOwned>(value: &Value) -> Result<T, DecodeError> {
    let fields = struct_fields::<T>();
    let deduped = without_camel_twins(value, fields);
    let value = deduped.as_ref().unwrap_or(value);
    T::deserialize(Strict(value)).map_err(|error| {
        blame(value, fields, &error.to_string(), &|alone| {
            T::deserialize(Strict(alone)).err().map(|e| e.to_string())
        })
    })
}

/// `value` without the camelCase keys whose snake_case twin (one of
/// `fields`) is present too; `None` when there are none.
fn without_camel_twins(value: &Value, fields: &[&str]) -> Option<Value> {
    let Value::Object(map) = value else {
        return None;
    };
    // A camelCase twin has a capital letter; a frame in snake_case (nearly
    // every one) has none, and is passed by a scan of its keys' bytes.
    if !map
        .keys()
        .any(|key| key.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return None;
    }
    let twins: Vec<String> = fields
        .iter()
        .filter(|field| field.contains('_') && map.contains_key(**field))
        .map(|field| camel_case(field))
        .filter(|camel| map.contains_key(camel))
        .collect();
    if twins.is_empty() {
        return None;
    }
    let mut map = map.clone();
    for camel in twins {
        map.remove(&camel);
    }
    Some(Value::Object(map))
}

/// serde names a missing field but not a field of the wrong type, and a
/// nested struct's missing field looks like one of ours. So unless the error
/// is plainly one of the struct's own `fields` missing, decode each present
/// key alone (`decode_alone` gives its error, if any): the key that fails
/// other than by lacking another of the fields is the culprit, and its own
/// error is read for the rest of the path. Only runs on the error path.
fn blame(
    value: &Value,
    fields: &[&str],
    message: &str,
    decode_alone: &dyn Fn(&Value) -> Option<String>,
) -> DecodeError {
    let is_own_missing = |message: &str, present: &dyn Fn(&str) -> bool| {
        missing_field(message).is_some_and(|field| fields.contains(&field) && !present(field))
    };
    let Value::Object(map) = value else {
        return DecodeError::parse(message);
    };
    if is_own_missing(message, &|field| map.contains_key(field)) {
        return DecodeError::parse(message);
    }
    for (key, field) in map {
        let alone = Value::Object(Map::from_iter([(key.clone(), field.clone())]));
        if let Some(inner) = decode_alone(&alone) {
            if !is_own_missing(&inner, &|field| field == key) {
                return DecodeError::parse(&inner).within(key);
            }
        }
    }
    DecodeError::parse(message)
}

/// The field names of a derived struct, read from what it asks of a
/// deserializer; empty for anything that is not a struct.
fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{Error as _, Visitor};

    struct Probe<'a>(&'a mut &'static [&'static str]);

    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(Self::Error::custom("probe"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(Self::Error::custom("probe"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// A part of a message kept as the JSON it arrived as, decoded into `T`
/// only when read ([`Undecoded::decode`]). A client keeps the code that
/// decodes `T` out of the path every frame takes: the frame is accepted
/// (its `kind`, `subscription_id` and `seq` checked) without it, and the
/// part is decoded where it is used, naming its fields as a decoding of
/// the whole frame would. Encodes as the JSON it holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Undecoded<T> {
    value: Value,
    #[serde(skip)]
    typed: std::marker::PhantomData<fn() -> T>,
}

impl<T: serde::Serialize> Undecoded<T> {
    /// `typed` as JSON (a sender's side).
    pub fn new(typed: &T) -> Self {
        // Every type of this crate encodes to JSON infallibly: string keys only.
        Self {
            value: serde_json::to_value(typed).unwrap_or_default(),
            typed: std::marker::PhantomData,
        }
    }
}

impl<T: DeserializeOwned> Undecoded<T> {
    /// Decodes the part; `field` is its name in the frame, and an error is
    /// what decoding the whole frame would have given for it (its path
    /// starts with `field`: `entry.message`). camelCase spellings are
    /// accepted, as everywhere.
    pub fn decode(&self, field: &str) -> Result<T, ProtocolError> {
        T::deserialize(Strict(&self.value))
            .map_err(|e| ProtocolError::from(DecodeError::parse(&e.to_string()).within(field)))
    }
}

/// Decodes `value[field]` with `decode`, prefixing errors with the field.
pub(crate) fn decode_field<T>(
    field: &str,
    value: Value,
    decode: impl FnOnce(Value) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    decode(value).map_err(|e| e.within(field))
}

/// `device_uid` to `deviceUid`: the REST side's spelling of a field.
pub(crate) fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The JSON type of a value, for error messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The id a reply to this frame should echo: its `command_id`, else its
/// `subscription_id`, else its `id`. Works on frames that failed to decode.
pub fn correlation_id(frame: &Value) -> Option<String> {
    [
        "command_id",
        "commandId",
        "subscription_id",
        "subscriptionId",
        "id",
    ]
    .iter()
    .find_map(|key| frame.get(key).and_then(Value::as_str))
    .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_spells_the_rest_side() {
        assert_eq!(
            camel_case("filter_wheel_position_id"),
            "filterWheelPositionId"
        );
        assert_eq!(camel_case("seq"), "seq");
    }

    #[test]
    fn snake_case_wins_over_its_camel_twin() {
        #[derive(serde::Deserialize, Debug)]
        struct One {
            #[serde(alias = "commandId")]
            command_id: String,
        }
        let one = decode_struct::<One>(&serde_json::json!({"command_id": "a", "commandId": "b"}))
            .unwrap();
        assert_eq!(one.command_id, "a");
        let one = decode_struct::<One>(&serde_json::json!({"commandId": "b"})).unwrap();
        assert_eq!(one.command_id, "b");
    }

    #[test]
    fn blame_names_the_field_of_the_wrong_type() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Pair {
            a: f64,
            b: u32,
        }
        let error = decode_struct::<Pair>(&serde_json::json!({"a": 1.0, "b": "two"})).unwrap_err();
        assert_eq!(error.path.as_deref(), Some("b"));
        assert!(error.message.contains("invalid type"), "{}", error.message);
        let error = decode_struct::<Pair>(&serde_json::json!({"b": 2})).unwrap_err();
        assert_eq!(error, DecodeError::at("a", "is required"));
    }
}
