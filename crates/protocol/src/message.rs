//! The four message enums: one per endpoint and direction, tagged by `kind`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::decode::parse_frame;
use crate::{
    Command, CommandId, CommandResult, CommandStreamName, DeviceType, DeviceUid, ErrorBody,
    ErrorCode, LeaseInfo, ObservatoryUid, ProtocolError, StreamName, SubscriptionId,
    TelescopeLogEntry, TelescopeUid, Timestamp, Undecoded,
};

/// A message whose tag this version does not know, kept whole so it can be
/// logged, counted and passed on unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// The unknown tag's value.
    pub tag: String,
    /// The whole object as received.
    pub raw: Value,
}

impl Serialize for Unknown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

/// `ping` and `pong`, both directions: liveness [published]; `id` is echoed [ours].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Liveness {
    /// Echoed by the `pong`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `ack`: acknowledges a request that has no other response [published].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ack {
    /// The `subscription_id` or `command_id` of the request acknowledged [ours].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `error`, server to client [published]: `code`, `message`, `details`, `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorMessage {
    /// What kind of error.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Machine-readable context; for `invalid_message`, `{"field": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// The `command_id` or `subscription_id` of the message answered [ours].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl ErrorMessage {
    /// The error as a result-style body (without the id).
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.clone(),
            message: self.message.clone(),
            details: self.details.clone(),
        }
    }
}

/// The filter of `subscribe_commands` [published].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CommandFilter {
    /// Only this telescope's commands; every visible telescope when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: Option<TelescopeUid>,
}

/// `subscribe_commands` [published].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribeCommands {
    /// Client-chosen; every delivery carries it.
    #[serde(alias = "subscriptionId")]
    pub subscription_id: SubscriptionId,
    /// Which telescope.
    #[serde(default)]
    pub filter: CommandFilter,
    /// Which command streams; both `command` and `command_result` when absent [ours].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Vec<CommandStreamName>>,
}

/// `unsubscribe_commands` [ours]: ends one command subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unsubscribe {
    /// The subscription to end.
    #[serde(alias = "subscriptionId")]
    pub subscription_id: SubscriptionId,
}

/// The Origin record of a published command [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// `<app name>/<version>`.
    pub client: String,
    /// A uuid naming the browser tab (one per page load).
    #[serde(alias = "sessionId")]
    pub session_id: String,
    /// The browser's user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "userAgent")]
    pub user_agent: Option<String>,
}

/// `publish_command` [published].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishCommand {
    /// The telescope to command.
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: TelescopeUid,
    /// Client-chosen uuid: the correlation key of the result.
    #[serde(alias = "commandId")]
    pub command_id: CommandId,
    /// What to do.
    pub command: Command,
    /// Who sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// `cancel_command` [published].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelCommand {
    /// The command to cancel.
    #[serde(alias = "commandId")]
    pub command_id: CommandId,
}

/// `event_command`: a command published by anyone, to `command` subscribers [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandEvent {
    /// The subscription it is delivered on.
    #[serde(alias = "subscriptionId")]
    pub subscription_id: SubscriptionId,
    /// The command's id.
    #[serde(alias = "commandId")]
    pub command_id: CommandId,
    /// The telescope commanded.
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: TelescopeUid,
    /// The command.
    pub command: Command,
    /// The sender's Origin record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// When the server accepted it.
    #[serde(alias = "publishedAt")]
    pub published_at: Timestamp,
    /// The sending account [ours].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// `event_command_result` [published].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandResultEvent {
    /// The subscription it is delivered on.
    #[serde(alias = "subscriptionId")]
    pub subscription_id: SubscriptionId,
    /// The result.
    pub result: CommandResult,
}

/// The filter of `subscribe_stream` [published]; every key optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreamFilter {
    /// One telescope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: Option<TelescopeUid>,
    /// One observatory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "observatoryUid")]
    pub observatory_uid: Option<ObservatoryUid>,
    /// One type of device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "deviceType")]
    pub device_type: Option<DeviceType>,
    /// One device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "deviceUid")]
    pub device_uid: Option<DeviceUid>,
}

/// The options of `subscribe_stream` [published].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubscribeOptions {
    /// Send the latest retained snapshot of each match at once; default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "includeExisting")]
    pub include_existing: Option<bool>,
}

/// `subscribe_stream` [published].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribeStream {
    /// Client-chosen; every delivery carries it.
    #[serde(alias = "subscriptionId")]
    pub subscription_id: SubscriptionId,
    /// The one stream of this subscription.
    pub stream: StreamName,
    /// What to match.
    #[serde(default)]
    pub filter: StreamFilter,
    /// Options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<SubscribeOptions>,
}

impl SubscribeStream {
    /// Whether retained snapshots are replayed first (default true).
    pub fn include_existing(&self) -> bool {
        self.options
            .as_ref()
            .and_then(|o| o.include_existing)
            .unwrap_or(true)
    }
}

/// A snapshot delivery: `event_<stream>` with `subscription_id`, `seq`,
/// `snapshot` [ours]. The snapshot is whole or a delta [published]; it is
/// kept exactly as received (keys as sent): fold it into what is held with
/// [`crate::merge_snapshot`], then read it with [`crate::decode_snapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotEvent {
    /// The subscription it is delivered on.
    #[serde(alias = "subscriptionId")]
    pub subscription_id: SubscriptionId,
    /// Increasing per socket.
    pub seq: u64,
    /// The snapshot, whole or a delta, as received.
    pub snapshot: Value,
}

/// `event_manual_control_lease` [ours]: a lease changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseEvent {
    /// The subscription it is delivered on.
    #[serde(alias = "subscriptionId")]
    pub subscription_id: SubscriptionId,
    /// Increasing per socket.
    pub seq: u64,
    /// The lease as it is now, as received: [`LeaseEvent::lease`] decodes
    /// it. A frame is accepted with a lease that does not decode (its
    /// delivery counts); reading the lease names the field at fault.
    pub lease: Undecoded<LeaseInfo>,
}

impl LeaseEvent {
    /// A delivery of `lease` (a sender's side).
    pub fn new(subscription_id: SubscriptionId, seq: u64, lease: &LeaseInfo) -> Self {
        Self {
            subscription_id,
            seq,
            lease: Undecoded::new(lease),
        }
    }

    /// The lease, typed; `Err` naming the field (`lease.holder`) when it
    /// is malformed.
    pub fn lease(&self) -> Result<LeaseInfo, ProtocolError> {
        self.lease.decode("lease")
    }
}

/// `event_telescope_log` [ours]: one log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEvent {
    /// The subscription it is delivered on.
    #[serde(alias = "subscriptionId")]
    pub subscription_id: SubscriptionId,
    /// Increasing per socket.
    pub seq: u64,
    /// The entry, as received: [`LogEvent::entry`] decodes it. A frame is
    /// accepted with an entry that does not decode (its delivery counts);
    /// reading the entry names the field at fault.
    pub entry: Undecoded<TelescopeLogEntry>,
}

impl LogEvent {
    /// A delivery of `entry` (a sender's side).
    pub fn new(subscription_id: SubscriptionId, seq: u64, entry: &TelescopeLogEntry) -> Self {
        Self {
            subscription_id,
            seq,
            entry: Undecoded::new(entry),
        }
    }

    /// The entry, typed; `Err` naming the field (`entry.message`) when it
    /// is malformed.
    pub fn entry(&self) -> Result<TelescopeLogEntry, ProtocolError> {
        self.entry.decode("entry")
    }
}

tagged_enum! {
    /// Client to server on `/v1/ws/commands`.
    pub enum CommandsClientMessage (tag = "kind") {
        /// Subscribe to commands and results.
        "subscribe_commands" => SubscribeCommands(SubscribeCommands),
        /// End a command subscription [ours].
        "unsubscribe_commands" => UnsubscribeCommands(Unsubscribe),
        /// Publish a command.
        "publish_command" => PublishCommand(PublishCommand),
        /// Ask for a command to be canceled.
        "cancel_command" => CancelCommand(CancelCommand),
        /// Acknowledges a request that has no other response [published]
        /// (clients send none today; the server accepts it silently).
        "ack" => Ack(Ack),
        /// Liveness probe.
        "ping" => Ping(Liveness),
        /// Answer to the server's ping.
        "pong" => Pong(Liveness),
    }
}

impl CommandsClientMessage {
    /// `SubscribeCommands(subscription).to_json()`, the same text, without
    /// the encoders of the other kinds (an enum's encoder carries every
    /// variant's, commands included): for a client that subscribes and
    /// answers pings long before it publishes.
    pub fn encode_subscribe(subscription: &SubscribeCommands) -> String {
        encode_tagged(Self::TAG_FIELD, "subscribe_commands", subscription)
    }

    /// `Ping(liveness).to_json()`, without the other kinds' encoders.
    pub fn encode_ping(liveness: &Liveness) -> String {
        encode_tagged(Self::TAG_FIELD, "ping", liveness)
    }

    /// `Pong(liveness).to_json()`, without the other kinds' encoders.
    pub fn encode_pong(liveness: &Liveness) -> String {
        encode_tagged(Self::TAG_FIELD, "pong", liveness)
    }
}

impl StreamClientMessage {
    /// `Subscribe(subscription).to_json()`, the same text, without the
    /// encoders of the other kinds: for a client that subscribes and
    /// answers pings, which is all a console sends on the stream.
    pub fn encode_subscribe(subscription: &SubscribeStream) -> String {
        encode_tagged(Self::TAG_FIELD, "subscribe_stream", subscription)
    }

    /// `Ping(liveness).to_json()`, without the other kinds' encoders.
    pub fn encode_ping(liveness: &Liveness) -> String {
        encode_tagged(Self::TAG_FIELD, "ping", liveness)
    }

    /// `Pong(liveness).to_json()`, without the other kinds' encoders.
    pub fn encode_pong(liveness: &Liveness) -> String {
        encode_tagged(Self::TAG_FIELD, "pong", liveness)
    }
}

/// A tagged enum's encoding of one variant: `{"<field>":"<tag>", ...the
/// payload's own fields}`, the tag first, as serde writes an internally
/// tagged enum. `tag` is one of the enum's literal tags (no character to
/// escape); the payload is a struct (a JSON object).
fn encode_tagged<T: Serialize>(field: &str, tag: &str, payload: &T) -> String {
    let body = serde_json::to_string(payload).unwrap_or_default();
    let fields = body
        .strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .unwrap_or_default();
    let comma = if fields.is_empty() { "" } else { "," };
    format!("{{\"{field}\":\"{tag}\"{comma}{fields}}}")
}

tagged_enum! {
    /// Server to client on `/v1/ws/commands`.
    pub enum CommandsServerMessage (tag = "kind") {
        /// A request was accepted.
        "ack" => Ack(Ack),
        /// A request failed.
        "error" => Error(ErrorMessage),
        /// A command was published (to `command` subscribers).
        "event_command" => Command(CommandEvent),
        /// A command finished.
        "event_command_result" => CommandResult(CommandResultEvent),
        /// Liveness probe.
        "ping" => Ping(Liveness),
        /// Answer to the client's ping.
        "pong" => Pong(Liveness),
    }
}

tagged_enum! {
    /// Client to server on `/v1/ws/stream`.
    pub enum StreamClientMessage (tag = "kind") {
        /// Subscribe to one stream.
        "subscribe_stream" => Subscribe(SubscribeStream),
        /// End a subscription [ours].
        "unsubscribe_stream" => Unsubscribe(Unsubscribe),
        /// Acknowledges a request that has no other response [published]
        /// (clients send none today; the server accepts it silently).
        "ack" => Ack(Ack),
        /// Liveness probe.
        "ping" => Ping(Liveness),
        /// Answer to the server's ping.
        "pong" => Pong(Liveness),
    }
}

tagged_enum! {
    /// Server to client on `/v1/ws/stream`.
    pub enum StreamServerMessage (tag = "kind") {
        /// A request was accepted.
        "ack" => Ack(Ack),
        /// A request failed.
        "error" => Error(ErrorMessage),
        /// A device snapshot.
        "event_device_snapshot" => DeviceSnapshot(SnapshotEvent),
        /// A telescope snapshot.
        "event_telescope_snapshot" => TelescopeSnapshot(SnapshotEvent),
        /// An instrument snapshot.
        "event_instrument_snapshot" => InstrumentSnapshot(SnapshotEvent),
        /// A lease changed.
        "event_manual_control_lease" => ManualControlLease(LeaseEvent),
        /// A telescope log entry.
        "event_telescope_log" => TelescopeLog(LogEvent),
        /// A constraint snapshot .
        "event_constraint_snapshot" => ConstraintSnapshot(SnapshotEvent),
        /// A constraint status snapshot .
        "event_constraint_status_snapshot" => ConstraintStatusSnapshot(SnapshotEvent),
        /// A shutdown interlock snapshot .
        "event_shutdown_interlock_snapshot" => ShutdownInterlockSnapshot(SnapshotEvent),
        /// Liveness probe.
        "ping" => Ping(Liveness),
        /// Answer to the client's ping.
        "pong" => Pong(Liveness),
    }
}

/// Decoding from and encoding to a frame's text, shared by the four enums.
pub trait Message: Sized + Serialize {
    /// Decodes a frame. Unknown kinds give `Unknown`; camelCase keys are
    /// accepted; `Err` only for text that is not JSON or a known kind that
    /// is malformed (naming the field).
    fn from_json(text: &str) -> Result<Self, ProtocolError> {
        Self::from_value(parse_frame(text)?)
    }

    /// Decodes an already parsed frame (keys in any case).
    fn from_value(value: Value) -> Result<Self, ProtocolError>;

    /// Encodes to a frame's text (snake_case keys).
    fn to_json(&self) -> String {
        // Every type here encodes to JSON infallibly: string keys only.
        serde_json::to_string(self).unwrap_or_default()
    }
}

macro_rules! impl_message {
    ($($name:ident),+) => {$(
        impl Message for $name {
            fn from_value(value: Value) -> Result<Self, ProtocolError> {
                Self::decode_value(value).map_err(ProtocolError::from)
            }
        }
    )+};
}

impl_message!(
    CommandsClientMessage,
    CommandsServerMessage,
    StreamClientMessage
);

impl Message for StreamServerMessage {
    /// Snapshot deliveries, nearly every frame of the stream, decode
    /// straight from the text ([`TaggedSnapshotEvent`]); any other frame,
    /// and any that one does not decode cleanly, goes the general way
    /// (text, value, typed), which gives the same message or names the
    /// field at fault.
    fn from_json(text: &str) -> Result<Self, ProtocolError> {
        if let Some(message) = TaggedSnapshotEvent::decode(text) {
            return Ok(message);
        }
        Self::from_value(parse_frame(text)?)
    }

    fn from_value(value: Value) -> Result<Self, ProtocolError> {
        Self::decode_value(value).map_err(ProtocolError::from)
    }
}

/// A frame of `/v1/ws/commands` read as JSON but not yet decoded. What a
/// client must answer at once is read from it alone, decoding nothing else:
/// a `ping` ([`CommandsFrame::ping`]), a `pong` ([`CommandsFrame::pong`]),
/// a refused token ([`CommandsFrame::is_unauthorized`]). The rest of the
/// message is decoded when the client is ready ([`CommandsFrame::decode`]):
/// a client whose code for commands loads after its first screen keeps
/// frames this way meanwhile. Reading and then decoding a frame gives what
/// [`CommandsServerMessage::from_json`] gives, errors included: a frame
/// that is not an object with a string `kind` is refused when read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct CommandsFrame(Value);

impl CommandsFrame {
    /// The frame's `kind`.
    pub fn kind(&self) -> &str {
        crate::decode::tag_of(&self.0, CommandsServerMessage::TAG_FIELD).unwrap_or_default()
    }

    /// The `Liveness` of a frame of `kind`, if it is one and decodes.
    fn liveness(&self, kind: &str) -> Option<Liveness> {
        (self.kind() == kind)
            .then(|| crate::decode::decode_struct(&self.0).ok())
            .flatten()
    }

    /// `Some(id)` for a server's `ping`, whose `pong` echoes `id`.
    pub fn ping(&self) -> Option<Option<String>> {
        self.liveness("ping").map(|l| l.id)
    }

    /// The `id` of a `pong` that has one.
    pub fn pong(&self) -> Option<String> {
        self.liveness("pong").and_then(|l| l.id)
    }

    /// True for an `error` saying the token is no longer accepted.
    pub fn is_unauthorized(&self) -> bool {
        self.kind() == "error"
            && crate::decode::decode_struct::<ErrorMessage>(&self.0)
                .is_ok_and(|e| e.code == ErrorCode::Unauthorized)
    }

    /// The message.
    pub fn decode(self) -> Result<CommandsServerMessage, ProtocolError> {
        CommandsServerMessage::from_value(self.0)
    }
}

impl Message for CommandsFrame {
    fn from_value(value: Value) -> Result<Self, ProtocolError> {
        crate::decode::tag_of(&value, CommandsServerMessage::TAG_FIELD)?;
        Ok(Self(value))
    }
}

/// A snapshot delivery with its `kind`, read in one pass from the text: no
/// value of the whole frame, the snapshot parsed once. serde refuses a field
/// given twice (a second `kind`, or a field with its camelCase twin), and
/// such a frame goes the general way, which settles it. So does a frame
/// that is not an object: serde would read an array's items as the fields
/// in order, where a frame must be an object.
#[derive(Deserialize)]
struct TaggedSnapshotEvent<'a> {
    #[serde(borrow)]
    kind: &'a str,
    #[serde(alias = "subscriptionId")]
    subscription_id: SubscriptionId,
    seq: u64,
    snapshot: Value,
}

impl TaggedSnapshotEvent<'_> {
    fn decode(text: &str) -> Option<StreamServerMessage> {
        use StreamServerMessage as M;
        if !text.trim_start().starts_with('{') {
            return None;
        }
        let tagged: TaggedSnapshotEvent = serde_json::from_str(text).ok()?;
        let variant = match tagged.kind {
            "event_device_snapshot" => M::DeviceSnapshot,
            "event_telescope_snapshot" => M::TelescopeSnapshot,
            "event_instrument_snapshot" => M::InstrumentSnapshot,
            "event_constraint_snapshot" => M::ConstraintSnapshot,
            "event_constraint_status_snapshot" => M::ConstraintStatusSnapshot,
            "event_shutdown_interlock_snapshot" => M::ShutdownInterlockSnapshot,
            _ => return None,
        };
        Some(variant(SnapshotEvent {
            subscription_id: tagged.subscription_id,
            seq: tagged.seq,
            snapshot: tagged.snapshot,
        }))
    }
}

impl StreamServerMessage {
    /// The `seq` of a delivery, if this is one.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Self::DeviceSnapshot(e)
            | Self::TelescopeSnapshot(e)
            | Self::InstrumentSnapshot(e)
            | Self::ConstraintSnapshot(e)
            | Self::ConstraintStatusSnapshot(e)
            | Self::ShutdownInterlockSnapshot(e) => Some(e.seq),
            Self::ManualControlLease(e) => Some(e.seq),
            Self::TelescopeLog(e) => Some(e.seq),
            _ => None,
        }
    }
}
