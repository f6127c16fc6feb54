//! Typed messages of the SkyNet WebSocket protocol: `/v1/ws/commands` and
//! `/v1/ws/stream`, as published in the command reference plus the
//! decisions recorded in `docs/protocol.md` (marked [ours] there and here).
//!
//! Decoding goes through [`Message::from_json`] on one of the four message
//! enums. Unknown is a value, not an error: an unknown `kind`, command type,
//! stream name or enum value decodes to an `Unknown`/`Other` variant that
//! keeps what was sent, and unknown fields are ignored. camelCase spellings
//! of known fields are accepted; snake_case is always written.
//!
//! ```
//! use skynet_protocol::{CommandsClientMessage, Message};
//! let frame = r#"{"kind":"cancel_command","command_id":"6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60"}"#;
//! let message = CommandsClientMessage::from_json(frame).unwrap();
//! assert_eq!(message.tag(), "cancel_command");
//! ```

#[macro_use]
mod macros;

mod command;
mod conditions;
mod decode;
mod ids;
mod merge;
mod message;
mod result;
mod snapshot;
mod strict;
mod target;
pub mod validate;

pub use command::*;
pub use conditions::*;
pub use decode::{correlation_id, ProtocolError, Undecoded};
pub use ids::*;
pub use merge::{decode_snapshot, merge_snapshot, snapshot_delta};
pub use message::*;
pub use result::*;
pub use snapshot::*;
pub use strict::strict_from_str;
pub use target::*;
