//! Typed reading of a parsed message: serde_json's own reading of a `&Value`,
//! except that a struct is read from a JSON object only.
//!
//! serde's derived `Deserialize` for a struct also reads it from a sequence,
//! its fields by position, and serde_json's `&Value` gives it one when the
//! value is an array. The protocol has no struct written as an array, so
//! that is never right, and its code (a second reading of every field) was
//! part of the decoder of every struct, in every build of a client:
//! [`Strict`] hands a struct's visitor a map or an error, never a
//! sequence, so that code is never instantiated. Everything else (numbers,
//! strings, options, sequences, maps, enums, `Value` itself) reads exactly
//! as serde_json reads a `&Value`, with serde_json's errors and messages,
//! which [`crate::decode`] reads to name the failing field.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::{Error, Map, Value};

/// A `&Value` read as serde_json reads it, structs from objects only.
#[derive(Clone, Copy)]
pub(crate) struct Strict<'de>(pub(crate) &'de Value);

/// Reads `T` from JSON text as the decoder reads a message: parsed into a
/// [`Value`], then read strictly. For a client's own small documents (its
/// settings, a stored sign-in), so that they compile no reader of their
/// own beside the one every frame goes through. Errors are serde_json's,
/// without a line and column.
pub fn strict_from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    let value: Value = serde_json::from_str(text)?;
    T::deserialize(Strict(&value))
}

/// Forwards a primitive to serde_json's reading of the value (a primitive
/// has nothing nested to read strictly).
macro_rules! leaf {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.0.$method(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(map) => visit_object(map, visitor),
            leaf => leaf.deserialize_any(visitor),
        }
    }

    leaf! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_unit deserialize_identifier
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            other => other.deserialize_bytes(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    /// The one difference from serde_json: an array is not a struct.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    /// An enum is a variant's name (a string) in this protocol, or an
    /// object with one key, which serde_json reads as it always does.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(BorrowedStrDeserializer::new(variant)),
            other => other.deserialize_enum(name, variants, visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// A JSON array for a visitor that reads a sequence: every item read
/// strictly, and an error if the visitor leaves some unread.
fn visit_array<'de, V: Visitor<'de>>(items: &'de [Value], visitor: V) -> Result<V::Value, Error> {
    let mut seq = Items(items.iter());
    let read = visitor.visit_seq(&mut seq)?;
    if seq.0.len() == 0 {
        Ok(read)
    } else {
        Err(Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        ))
    }
}

/// A JSON object for a visitor that reads a map: every value read
/// strictly, and an error if the visitor leaves some unread.
fn visit_object<'de, V: Visitor<'de>>(
    map: &'de Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut entries = Entries {
        iter: map.iter(),
        value: None,
    };
    let read = visitor.visit_map(&mut entries)?;
    if entries.iter.len() == 0 {
        Ok(read)
    } else {
        Err(Error::invalid_length(map.len(), &"fewer elements in map"))
    }
}

struct Items<'de>(std::slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Strict(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'de> {
    iter: serde_json::map::Iter<'de>,
    value: Option<&'de Value>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// What a value is, for an error, as serde_json names it.
fn unexpected(value: &Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (_, Some(i), _) => Unexpected::Signed(i),
            (_, _, Some(f)) => Unexpected::Float(f),
            _ => Unexpected::Other("number"),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Inner {
        a: u8,
        #[serde(default)]
        b: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        One,
        Two,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Outer {
        inner: Inner,
        list: Vec<Inner>,
        kind: Kind,
        maybe: Option<Inner>,
        rest: Value,
    }

    fn strict<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, String> {
        T::deserialize(Strict(value)).map_err(|e| e.to_string())
    }

    fn serde_json<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, String> {
        T::deserialize(value).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_text_through_a_value() {
        let text = r#"{"inner": {"a": 1}, "list": [], "kind": "one", "maybe": null, "rest": [1]}"#;
        assert_eq!(
            strict_from_str::<Outer>(text).expect("valid"),
            serde_json::from_str::<Outer>(text).expect("valid")
        );
        // Not JSON, and JSON of the wrong shape: serde_json's words.
        let not_json = strict_from_str::<Inner>("{").unwrap_err().to_string();
        assert!(not_json.contains("EOF while parsing"), "{not_json}");
        let array = strict_from_str::<Inner>("[1]").unwrap_err().to_string();
        assert_eq!(array, "invalid type: sequence, expected struct Inner");
        let missing = strict_from_str::<Inner>(r#"{"b": "x"}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(missing, "missing field `a`");
    }

    #[test]
    fn reads_what_serde_json_reads_with_its_errors() {
        let cases = [
            json!({"inner": {"a": 1}, "list": [{"a": 2, "b": "x"}], "kind": "two",
                   "maybe": null, "rest": {"k": [1, "2", null]}}),
            json!({"inner": {"a": 1}, "list": [], "kind": "one", "maybe": {"a": 3}, "rest": 4.5}),
            json!({"inner": {"a": 300}, "list": [], "kind": "one", "maybe": null, "rest": 1}),
            json!({"inner": {"a": "1"}, "list": [], "kind": "one", "maybe": null, "rest": 1}),
            json!({"inner": {"a": 1}, "list": [{"b": "x"}], "kind": "one", "maybe": null, "rest": 1}),
            json!({"inner": {"a": 1}, "list": {}, "kind": "one", "maybe": null, "rest": 1}),
            json!({"inner": {"a": 1}, "list": [], "kind": "three", "maybe": null, "rest": 1}),
            json!({"inner": {"a": 1}, "list": [], "kind": 2, "maybe": null, "rest": 1}),
            json!({"inner": {"a": -1}, "list": [], "kind": "one", "maybe": null, "rest": 1}),
            json!({"inner": {"a": 1.5}, "list": [], "kind": "one", "maybe": true, "rest": 1}),
            json!({"list": [], "kind": "one", "maybe": null, "rest": 1}),
            json!("outer"),
            json!(null),
        ];
        for case in cases {
            assert_eq!(strict::<Outer>(&case), serde_json::<Outer>(&case), "{case}");
        }
    }

    #[test]
    fn a_struct_is_an_object_never_an_array() {
        let positional =
            json!({"inner": [1, "x"], "list": [], "kind": "one", "maybe": null, "rest": 1});
        assert!(
            serde_json::<Outer>(&positional).is_ok(),
            "serde_json reads it by position"
        );
        assert_eq!(
            strict::<Outer>(&positional).unwrap_err(),
            "invalid type: sequence, expected struct Inner"
        );
        assert_eq!(
            strict::<Inner>(&json!([1])).unwrap_err(),
            "invalid type: sequence, expected struct Inner"
        );
    }
}
