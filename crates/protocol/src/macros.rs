//! The two shapes that repeat across the protocol: string enums that keep
//! unknown values, and objects tagged by a discriminator field that keep
//! unknown tags whole.

/// A newtype over `String` for an identifier chosen by one side of the wire.
macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

/// A string enum whose unknown values decode to `Other(String)` instead of
/// failing (ruma's approach): a newer server never breaks an older client.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// Every value this version knows, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(other) => other,
                }
            }

            /// False for a value this version does not know.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $text => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::from(text.as_str()))
            }
        }
    };
}

/// An object discriminated by a tag field (`kind`, `command_type`, ...).
/// Known tags decode to their typed payload; an unknown tag decodes to
/// `Unknown` holding the whole object, and encodes back unchanged.
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (tag = $tag:literal) {
            $( $(#[$vmeta:meta])* $text:literal => $variant:ident($ty:ty), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(tag = $tag)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant($ty), )+
            /// A tag this version does not know, kept whole.
            #[serde(untagged)]
            Unknown($crate::Unknown),
        }

        impl $name {
            /// The name of the discriminator field.
            pub const TAG_FIELD: &'static str = $tag;
            /// Every tag this version knows.
            pub const KNOWN_TAGS: &'static [&'static str] = &[$($text),+];

            /// The wire value of the discriminator.
            pub fn tag(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $text, )+
                    Self::Unknown(unknown) => &unknown.tag,
                }
            }

            /// Decodes from an already parsed JSON value (known fields in either spelling).
            pub(crate) fn decode_value(value: serde_json::Value) -> Result<Self, $crate::decode::DecodeError> {
                let tag = $crate::decode::tag_of(&value, $tag)?.to_owned();
                match tag.as_str() {
                    $( $text => $crate::decode::decode_struct(&value).map(Self::$variant), )+
                    _ => Ok(Self::Unknown($crate::Unknown { tag, raw: value })),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                Self::decode_value(value).map_err(serde::de::Error::custom)
            }
        }
    };
}
