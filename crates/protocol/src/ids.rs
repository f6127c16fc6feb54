//! Identifiers. Each is its own type so that a telescope uid can never be
//! passed where a lease id is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The client-chosen correlation key of a published command (a UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommandId(pub Uuid);

impl CommandId {
    /// A fresh random (version 4) id.
    pub fn new_v4() -> Self {
        Self(Uuid::new_v4())
    }
}

impl std::fmt::Display for CommandId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for CommandId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

string_id!(
    /// A client-chosen id naming one subscription on one socket.
    SubscriptionId
);
string_id!(
    /// The uid of a telescope.
    TelescopeUid
);
string_id!(
    /// The uid of an observatory (a site holding telescopes).
    ObservatoryUid
);
string_id!(
    /// The uid of one device of a telescope (mount, camera, ...).
    DeviceUid
);
string_id!(
    /// The uid of an instrument (a combination of devices, e.g. an optical imager).
    InstrumentUid
);
string_id!(
    /// The uid of a telescope log entry.
    LogEntryUid
);
string_id!(
    /// The uid of an observing constraint.
    ConstraintUid
);
string_id!(
    /// The id of a manual control lease, chosen by the server.
    LeaseId
);
string_id!(
    /// An RFC 3339 instant as sent on the wire (`2026-11-24T21:04:05.120Z`).
    Timestamp
);
