//! Where each decoded message goes: a pure function from a message to the
//! list of state updates it asks for. The console applies the updates; this
//! module decides them and is tested on the host.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use skynet_protocol::{
    CommandEvent, CommandId, CommandResult, CommandsServerMessage, ConstraintSnapshot,
    ConstraintStatusSnapshot, DeviceSnapshot, ErrorMessage, InstrumentSnapshot, LeaseEvent,
    LogEvent, ShutdownInterlockSnapshot, StreamName, StreamServerMessage, SubscriptionId,
    TelescopeSnapshot,
};

use super::merged::{Applied, Incomplete, IncompleteSet, Snapshots};

/// The streams this tab subscribes on every (re)connection of the stream
/// socket, by subscription id.
pub const STREAMS: [(&str, StreamName); 8] = [
    ("telescopes", StreamName::TelescopeSnapshot),
    ("devices", StreamName::DeviceSnapshot),
    ("instruments", StreamName::InstrumentSnapshot),
    ("leases", StreamName::ManualControlLease),
    ("constraints", StreamName::ConstraintSnapshot),
    ("constraint-status", StreamName::ConstraintStatusSnapshot),
    ("interlocks", StreamName::ShutdownInterlockSnapshot),
    ("telescope-log", StreamName::TelescopeLog),
];

/// The one command subscription (every visible telescope).
pub const COMMANDS_SUBSCRIPTION: &str = "commands";

/// Which socket a message came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Socket {
    /// `/v1/ws/commands`.
    Commands,
    /// `/v1/ws/stream`.
    Stream,
}

impl Socket {
    /// Its name in notices.
    pub fn name(self) -> &'static str {
        match self {
            Self::Commands => "commands",
            Self::Stream => "stream",
        }
    }
}

/// One change a message asks of the console's state.
// A device snapshot, the update there are most of, stays unboxed: no
// allocation of its own for each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A device's merged state changed, by its key. Devices report many
    /// times a second: the console decodes the latest of each once per
    /// animation frame ([`Router::device`]) rather than every delivery.
    DeviceChanged(String),
    /// A device snapshot, as [`Router::device`] decodes it.
    Device(DeviceSnapshot),
    /// The merged state of a resource that the deferred code decodes
    /// changed (a telescope, an instrument, a constraint, its status, an
    /// interlock), by stream and key (a telescope's key is its uid, which
    /// is all the first screen needs of it): that code decodes it
    /// ([`Router::resource`]).
    ResourceChanged(StreamName, String),
    /// A lease changed, as received: only the deferred code reads it, and
    /// decodes it ([`crate::commanding`]).
    Lease(LeaseEvent),
    /// A telescope log entry, as received: only the telescope log reads
    /// it, and decodes it ([`crate::commanding`]).
    LogEntry(LogEvent),
    /// The resources whose merged state is not yet whole changed: the
    /// whole list as it is now.
    Incomplete(Vec<Incomplete>),
    /// Something to tell the user.
    Notice(String),
    /// The server answered a `ping` of ours with this id.
    Pong(String),
}

/// A resource by its stream and key (its uid), as
/// [`Update::ResourceChanged`] names it.
pub type ResourceKey = (StreamName, String);

/// A resource of a stream the deferred code decodes ([`Router::resource`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    /// A telescope snapshot.
    Telescope(TelescopeSnapshot),
    /// An instrument snapshot.
    Instrument(InstrumentSnapshot),
    /// An observing constraint.
    Constraint(ConstraintSnapshot),
    /// Whether a constraint holds.
    ConstraintStatus(ConstraintStatusSnapshot),
    /// A shutdown interlock.
    Interlock(ShutdownInterlockSnapshot),
    /// The resources whose merged state is not yet whole changed: the
    /// whole list as it is now.
    Incomplete(Vec<Incomplete>),
}

/// One change a message of the commands socket asks of the console's state
/// (applied by [`crate::commanding`]). Its pings and pongs are not among
/// them: they are answered as the frame arrives
/// ([`skynet_protocol::CommandsFrame`]).
#[derive(Debug, Clone, PartialEq)]
pub enum CommandUpdate {
    /// A command seen on the `command` stream; `mine` when this tab sent it.
    Command {
        /// The event.
        event: CommandEvent,
        /// Sent by this tab (the Origin's session id).
        mine: bool,
    },
    /// This tab's account, learnt from one of its commands coming back.
    Account(String),
    /// A command's result.
    Result(CommandResult),
    /// An `ack` naming a command (a cancel accepted).
    Ack(CommandId),
    /// An `error` on the commands socket, for the log to place (or the
    /// console to show when it matches nothing).
    Error(ErrorMessage),
    /// Something to tell the user.
    Notice(String),
}

/// What the router has ignored, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignored {
    /// Deliveries for a subscription this tab never made, per socket.
    pub foreign: BTreeMap<Socket, u64>,
    /// Messages of a kind this app does not know, per socket and kind.
    pub unknown_kinds: BTreeMap<(Socket, String), u64>,
    /// How many in all: what the two maps sum to, kept as they count (the
    /// console asks after every frame whether it moved).
    total: u64,
}

impl Ignored {
    /// How many messages were ignored in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Counts a delivery for a subscription this tab never made.
    fn count_foreign(&mut self, socket: Socket) {
        *self.foreign.entry(socket).or_default() += 1;
        self.total += 1;
    }

    /// Counts a message of a kind this app does not know (already bounded
    /// by the caller); how many of that kind there were, this one included.
    fn count_unknown(&mut self, socket: Socket, kind: String) -> u64 {
        let count = self.unknown_kinds.entry((socket, kind)).or_default();
        *count += 1;
        self.total += 1;
        *count
    }

    /// What was ignored, in one line for the screen; `None` when nothing was.
    pub fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        let foreign: u64 = self.foreign.values().sum();
        if foreign > 0 {
            let per_socket: Vec<String> = self
                .foreign
                .iter()
                .map(|(socket, n)| format!("{} {n}", socket.name()))
                .collect();
            parts.push(format!(
                "{foreign} deliveries for subscriptions this tab never made ({})",
                per_socket.join(", ")
            ));
        }
        let unknown: u64 = self.unknown_kinds.values().sum();
        if unknown > 0 {
            let per_kind: Vec<String> = self
                .unknown_kinds
                .iter()
                .map(|((socket, kind), n)| format!("{kind} ×{n} on {}", socket.name()))
                .collect();
            parts.push(format!(
                "{unknown} messages of kinds SkyDeck does not know ({})",
                per_kind.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| format!("Ignored so far: {}.", parts.join("; ")))
    }
}

/// The command ids of the latest results, to pass each result on once.
#[derive(Debug, Clone, Default)]
struct RecentIds {
    order: std::collections::VecDeque<CommandId>,
    seen: std::collections::HashSet<CommandId>,
}

/// Results remembered for de-duplication; a renewal's overlap is seconds.
const RECENT_RESULTS: usize = 4096;

impl RecentIds {
    /// False when `id` was seen already.
    fn insert(&mut self, id: CommandId) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > RECENT_RESULTS {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }
}

/// Routes decoded messages; remembers what it ignored, and merges each
/// snapshot delivery into its resource's state (whole, then deltas) so that
/// what goes on is the resource's whole merged state.
#[derive(Debug, Clone, Default)]
pub struct Router {
    session_id: String,
    ignored: Ignored,
    /// Results already passed on: while sockets move to a renewed token,
    /// both the old and the new socket deliver them.
    results: RecentIds,
    snapshots: Snapshots,
    incomplete: IncompleteSet,
}

impl Router {
    /// A router for the tab with this Origin session id.
    pub fn new(session_id: impl Into<String>) -> Self {
        Self {
            session_id: session_id.into(),
            ..Self::default()
        }
    }

    /// The stream socket subscribed again (it reconnected): each
    /// subscription's first delivery of a resource is whole again.
    pub fn resubscribed(&mut self) {
        self.snapshots.resubscribed();
    }

    /// Merges a snapshot of a stream the deferred code decodes: the
    /// resource's key, for it to decode ([`Router::resource`]).
    fn merged_for_later(&mut self, stream: StreamName, snapshot: Value) -> Vec<Update> {
        match self.merge(&stream, snapshot) {
            Some(key) => vec![Update::ResourceChanged(stream, key)],
            None => Vec::new(),
        }
    }

    /// Merges a snapshot into its stream's resources; the resource's key.
    fn merge(&mut self, stream: &StreamName, snapshot: Value) -> Option<String> {
        match self.snapshots.of(stream)?.apply(snapshot) {
            Applied::Resource(key) => Some(key),
            Applied::Unkeyed | Applied::Full => None,
        }
    }

    /// Decodes a resource's merged state: the typed update on success, and
    /// the incomplete list whenever it changes.
    fn decoded<T: DeserializeOwned, U>(
        &mut self,
        stream: StreamName,
        key: &str,
        update: fn(T) -> U,
        incomplete: fn(Vec<Incomplete>) -> U,
    ) -> Vec<U> {
        let Some(decoded) = self.snapshots.of(&stream).and_then(|m| m.decode::<T>(key)) else {
            return Vec::new();
        };
        let mut updates = Vec::new();
        if self.incomplete.record(&stream, key, &decoded) {
            updates.push(incomplete(self.incomplete.items().to_vec()));
        }
        if let Ok(typed) = decoded {
            updates.push(update(typed));
        }
        updates
    }

    /// What [`Update::DeviceChanged`] leaves for later: the device's merged
    /// state decoded, as [`Update::Device`], and the incomplete list when it
    /// changed. Nothing for a device no longer kept.
    pub fn device(&mut self, key: &str) -> Vec<Update> {
        self.decoded(
            StreamName::DeviceSnapshot,
            key,
            Update::Device,
            Update::Incomplete,
        )
    }

    /// What [`Update::ResourceChanged`] leaves to the deferred code: the
    /// resource's merged state decoded, and the incomplete list when it
    /// changed. Nothing for a resource no longer kept, or of another stream.
    pub fn resource(&mut self, stream: &StreamName, key: &str) -> Vec<Resource> {
        use Resource as R;
        let stream = stream.clone();
        match stream {
            StreamName::TelescopeSnapshot => self.decoded(stream, key, R::Telescope, R::Incomplete),
            StreamName::InstrumentSnapshot => {
                self.decoded(stream, key, R::Instrument, R::Incomplete)
            }
            StreamName::ConstraintSnapshot => {
                self.decoded(stream, key, R::Constraint, R::Incomplete)
            }
            StreamName::ConstraintStatusSnapshot => {
                self.decoded(stream, key, R::ConstraintStatus, R::Incomplete)
            }
            StreamName::ShutdownInterlockSnapshot => {
                self.decoded(stream, key, R::Interlock, R::Incomplete)
            }
            _ => Vec::new(),
        }
    }

    /// What was ignored so far.
    pub fn ignored(&self) -> &Ignored {
        &self.ignored
    }

    /// The updates a message of the commands socket asks for.
    pub fn commands(&mut self, message: CommandsServerMessage) -> Vec<CommandUpdate> {
        let subscription = match &message {
            CommandsServerMessage::Command(event) => Some(&event.subscription_id),
            CommandsServerMessage::CommandResult(event) => Some(&event.subscription_id),
            _ => None,
        };
        if subscription.is_some_and(|id| !is_ours(Socket::Commands, id)) {
            self.foreign(Socket::Commands);
            return Vec::new();
        }
        match message {
            CommandsServerMessage::Command(event) => {
                let mine = event
                    .origin
                    .as_ref()
                    .is_some_and(|o| o.session_id == self.session_id);
                let mut updates = Vec::new();
                if let (true, Some(account)) = (mine, event.account.clone()) {
                    updates.push(CommandUpdate::Account(account));
                }
                updates.push(CommandUpdate::Command { event, mine });
                updates
            }
            CommandsServerMessage::CommandResult(event) => {
                if self.results.insert(event.result.command_id) {
                    vec![CommandUpdate::Result(event.result)]
                } else {
                    Vec::new()
                }
            }
            CommandsServerMessage::Error(error) => vec![CommandUpdate::Error(error)],
            CommandsServerMessage::Ack(ack) => ack
                .id
                .as_deref()
                .and_then(|id| id.parse::<CommandId>().ok())
                .map(CommandUpdate::Ack)
                .into_iter()
                .collect(),
            // Answered as the frame arrived.
            CommandsServerMessage::Ping(_) | CommandsServerMessage::Pong(_) => Vec::new(),
            CommandsServerMessage::Unknown(unknown) => self
                .unknown(Socket::Commands, &unknown.tag)
                .map(CommandUpdate::Notice)
                .into_iter()
                .collect(),
        }
    }

    /// The updates a message of the stream socket asks for.
    pub fn stream(&mut self, message: StreamServerMessage) -> Vec<Update> {
        use StreamServerMessage as M;
        let subscription = match &message {
            M::DeviceSnapshot(e) => Some(&e.subscription_id),
            M::TelescopeSnapshot(e) => Some(&e.subscription_id),
            M::InstrumentSnapshot(e) => Some(&e.subscription_id),
            M::ManualControlLease(e) => Some(&e.subscription_id),
            M::TelescopeLog(e) => Some(&e.subscription_id),
            M::ConstraintSnapshot(e)
            | M::ConstraintStatusSnapshot(e)
            | M::ShutdownInterlockSnapshot(e) => Some(&e.subscription_id),
            _ => None,
        };
        if subscription.is_some_and(|id| !is_ours(Socket::Stream, id)) {
            self.foreign(Socket::Stream);
            return Vec::new();
        }
        match message {
            // Typed by the deferred code: the first screen needs only the
            // telescope's uid (its key), to show its devices.
            StreamServerMessage::TelescopeSnapshot(event) => {
                self.merged_for_later(StreamName::TelescopeSnapshot, event.snapshot)
            }
            // The one stream that comes faster than a screen shows it:
            // decoded when the console shows it ([`Router::device`]).
            StreamServerMessage::DeviceSnapshot(event) => self
                .merge(&StreamName::DeviceSnapshot, event.snapshot)
                .map(Update::DeviceChanged)
                .into_iter()
                .collect(),
            // Shown only by deferred panels: decoded by their code.
            StreamServerMessage::InstrumentSnapshot(event) => {
                self.merged_for_later(StreamName::InstrumentSnapshot, event.snapshot)
            }
            StreamServerMessage::ManualControlLease(event) => vec![Update::Lease(event)],
            StreamServerMessage::ConstraintSnapshot(event) => {
                self.merged_for_later(StreamName::ConstraintSnapshot, event.snapshot)
            }
            StreamServerMessage::ConstraintStatusSnapshot(event) => {
                self.merged_for_later(StreamName::ConstraintStatusSnapshot, event.snapshot)
            }
            StreamServerMessage::ShutdownInterlockSnapshot(event) => {
                self.merged_for_later(StreamName::ShutdownInterlockSnapshot, event.snapshot)
            }
            StreamServerMessage::TelescopeLog(event) => vec![Update::LogEntry(event)],
            StreamServerMessage::Pong(pong) => pong.id.map(Update::Pong).into_iter().collect(),
            StreamServerMessage::Error(error) => vec![Update::Notice(format!(
                "stream error `{}`: {}",
                error.code, error.message
            ))],
            M::Unknown(unknown) => self
                .unknown(Socket::Stream, &unknown.tag)
                .map(Update::Notice)
                .into_iter()
                .collect(),
            M::Ack(_) | M::Ping(_) => Vec::new(),
        }
    }

    /// A delivery for a subscription this tab never made: counted, not shown.
    fn foreign(&mut self, socket: Socket) {
        self.ignored.count_foreign(socket);
    }

    /// A message of a kind this app does not know: counted per kind, with
    /// one notice the first time each kind is seen on a socket. At most
    /// [`MAX_KINDS`] kinds are told apart; the rest count together.
    fn unknown(&mut self, socket: Socket, kind: &str) -> Option<String> {
        let mut kind: String = kind.chars().take(MAX_KIND_CHARS).collect();
        let known = self
            .ignored
            .unknown_kinds
            .contains_key(&(socket, kind.clone()));
        if !known && self.ignored.unknown_kinds.len() >= MAX_KINDS {
            kind = OTHER_KINDS.into();
        }
        let count = self.ignored.count_unknown(socket, kind.clone());
        (count == 1).then(|| {
            format!(
                "The {} socket ignores messages of unknown kind `{kind}` (this notice is shown once per kind).",
                socket.name()
            )
        })
    }
}

/// Unknown kinds told apart at most; beyond, they count together as "(other kinds)".
pub const MAX_KINDS: usize = 32;
/// An unknown kind is named by at most this many characters.
const MAX_KIND_CHARS: usize = 64;
/// Where unknown kinds beyond [`MAX_KINDS`] are counted.
const OTHER_KINDS: &str = "(other kinds)";

/// Whether `id` is one of this tab's subscriptions on `socket`.
pub fn is_ours(socket: Socket, id: &SubscriptionId) -> bool {
    match socket {
        Socket::Commands => id.0 == COMMANDS_SUBSCRIPTION,
        Socket::Stream => STREAMS.iter().any(|(ours, _)| id.0 == *ours),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use skynet_protocol::Message;

    fn commands(router: &mut Router, frame: serde_json::Value) -> Vec<CommandUpdate> {
        router.commands(CommandsServerMessage::from_json(&frame.to_string()).expect("decodes"))
    }

    /// A stream frame's updates, each changed device decoded at once (as
    /// the console does at its next animation frame).
    fn stream(router: &mut Router, frame: serde_json::Value) -> Vec<Update> {
        let updates =
            router.stream(StreamServerMessage::from_json(&frame.to_string()).expect("decodes"));
        updates
            .into_iter()
            .flat_map(|update| match update {
                Update::DeviceChanged(key) => router.device(&key),
                other => vec![other],
            })
            .collect()
    }

    fn command_event(subscription: &str, session: &str) -> serde_json::Value {
        json!({
            "kind": "event_command", "subscription_id": subscription,
            "command_id": "6f1c1f3e-3a43-4f59-9a55-0b8f4f9d2f10", "telescope_uid": "tel-lapalma",
            "command": {"command_type": "mount.park"},
            "origin": {"client": "skydeck/0.1.0", "session_id": session},
            "published_at": "2026-11-24T21:04:05Z", "account": "dev-astronomer"
        })
    }

    fn lease_event(subscription: &str) -> serde_json::Value {
        json!({
            "kind": "event_manual_control_lease", "subscription_id": subscription, "seq": 1,
            "lease": {"lease_id": "5a0c1f3e-3a43-4f59-9a55-0b8f4f9d2f10", "telescope_uid": "tel-lapalma",
                      "holder": "dev-astronomer", "state": "active",
                      "expires_at": "2026-11-24T21:14:05Z"}
        })
    }

    #[test]
    fn this_tabs_command_comes_back_with_the_account_and_as_mine() {
        let mut router = Router::new("tab-1");
        let updates = commands(&mut router, command_event("commands", "tab-1"));
        assert_eq!(updates[0], CommandUpdate::Account("dev-astronomer".into()));
        assert!(matches!(
            &updates[1],
            CommandUpdate::Command { mine: true, .. }
        ));
        let updates = commands(&mut router, command_event("commands", "tab-2"));
        assert_eq!(updates.len(), 1);
        assert!(matches!(
            &updates[0],
            CommandUpdate::Command { mine: false, .. }
        ));
    }

    #[test]
    fn results_acks_and_errors_go_to_the_log() {
        let mut router = Router::new("tab-1");
        let id = "6f1c1f3e-3a43-4f59-9a55-0b8f4f9d2f10";
        let updates = commands(
            &mut router,
            json!({"kind": "event_command_result", "subscription_id": "commands",
                   "result": {"command_id": id, "status": "ok"}}),
        );
        assert!(
            matches!(&updates[..], [CommandUpdate::Result(r)] if r.command_id.to_string() == id)
        );
        let updates = commands(&mut router, json!({"kind": "ack", "id": id}));
        assert!(matches!(&updates[..], [CommandUpdate::Ack(a)] if a.to_string() == id));
        // An ack of a subscription names no command.
        assert!(commands(&mut router, json!({"kind": "ack", "id": "commands"})).is_empty());
        let updates = commands(
            &mut router,
            json!({"kind": "error", "code": "forbidden", "message": "no", "id": id}),
        );
        assert!(matches!(&updates[..], [CommandUpdate::Error(_)]));
        assert!(commands(&mut router, json!({"kind": "ping", "id": "x"})).is_empty());
    }

    #[test]
    fn stream_deliveries_of_our_subscriptions_become_updates() {
        let mut router = Router::new("tab-1");
        let updates = stream(&mut router, lease_event("leases"));
        assert!(
            matches!(&updates[..], [Update::Lease(l)] if l.lease().unwrap().holder == "dev-astronomer")
        );
        let updates = stream(
            &mut router,
            json!({"kind": "error", "code": "internal", "message": "oops"}),
        );
        assert_eq!(
            updates,
            vec![Update::Notice("stream error `internal`: oops".into())]
        );
    }

    #[test]
    fn a_result_delivered_twice_while_sockets_move_is_passed_on_once() {
        let mut router = Router::new("tab-1");
        let result = json!({"kind": "event_command_result", "subscription_id": COMMANDS_SUBSCRIPTION,
               "result": {"command_id": "6f1c1f3e-3a43-4f59-9a55-0b8f4f9d2f10", "status": "ok"}});
        assert!(matches!(
            &commands(&mut router, result.clone())[..],
            [CommandUpdate::Result(_)]
        ));
        assert!(
            commands(&mut router, result).is_empty(),
            "the second copy is dropped"
        );
        // The commands socket's pongs are answered as the frame arrives
        // (`CommandsFrame::pong`), the stream's through the router.
        let pong = json!({"kind": "pong", "id": "handover-7"});
        assert!(commands(&mut router, pong.clone()).is_empty());
        assert_eq!(
            stream(&mut router, pong),
            vec![Update::Pong("handover-7".into())]
        );
    }

    #[test]
    fn deliveries_for_a_subscription_this_tab_never_made_are_ignored_and_counted() {
        let mut router = Router::new("tab-1");
        assert!(stream(&mut router, lease_event("someone-elses")).is_empty());
        assert!(stream(&mut router, lease_event("someone-elses")).is_empty());
        assert!(commands(&mut router, command_event("not-ours", "tab-2")).is_empty());
        assert!(commands(
            &mut router,
            json!({"kind": "event_command_result", "subscription_id": "not-ours",
                   "result": {"command_id": "6f1c1f3e-3a43-4f59-9a55-0b8f4f9d2f10", "status": "ok"}})
        )
        .is_empty());
        assert_eq!(router.ignored().foreign.get(&Socket::Stream), Some(&2));
        assert_eq!(router.ignored().foreign.get(&Socket::Commands), Some(&2));
        assert_eq!(router.ignored().total(), 4);
        assert_eq!(
            router.ignored().summary().as_deref(),
            Some("Ignored so far: 4 deliveries for subscriptions this tab never made (commands 2, stream 2).")
        );
        assert_eq!(Ignored::default().summary(), None);
        // Ours still pass.
        assert_eq!(stream(&mut router, lease_event("leases")).len(), 1);
    }

    #[test]
    fn unknown_kinds_are_counted_per_kind_with_one_notice_per_kind_on_both_sockets() {
        let mut router = Router::new("tab-1");
        let first = commands(
            &mut router,
            json!({"kind": "direct_response_start", "id": "1"}),
        );
        let again = commands(
            &mut router,
            json!({"kind": "direct_response_start", "id": "2"}),
        );
        let other = commands(&mut router, json!({"kind": "direct_error", "id": "3"}));
        assert!(
            matches!(&first[..], [CommandUpdate::Notice(n)] if n.contains("`direct_response_start`") && n.contains("commands"))
        );
        assert!(again.is_empty(), "one notice per kind");
        assert_eq!(other.len(), 1);

        let first = stream(
            &mut router,
            json!({"kind": "event_weather_forecast", "seq": 1}),
        );
        let again = stream(
            &mut router,
            json!({"kind": "event_weather_forecast", "seq": 2}),
        );
        assert!(
            matches!(&first[..], [Update::Notice(n)] if n.contains("`event_weather_forecast`") && n.contains("stream"))
        );
        assert!(again.is_empty());
        let counts = &router.ignored().unknown_kinds;
        assert_eq!(
            counts.get(&(Socket::Commands, "direct_response_start".into())),
            Some(&2)
        );
        assert_eq!(
            counts.get(&(Socket::Stream, "event_weather_forecast".into())),
            Some(&2)
        );
        let summary = router.ignored().summary().expect("something was ignored");
        assert!(
            summary.contains("5 messages of kinds SkyDeck does not know")
                && summary.contains("event_weather_forecast ×2 on stream"),
            "{summary}"
        );
        // What the maps count in all.
        let ignored = router.ignored();
        assert_eq!(
            ignored.total(),
            ignored.foreign.values().sum::<u64>() + ignored.unknown_kinds.values().sum::<u64>()
        );
        assert_eq!(ignored.total(), 5);
    }

    #[test]
    fn a_huge_unknown_kind_is_named_bounded() {
        let mut router = Router::new("tab-1");
        let kind = "x".repeat(1_000_000);
        let updates = stream(&mut router, json!({ "kind": kind }));
        assert!(
            matches!(&updates[..], [Update::Notice(n)] if n.len() < 300),
            "{:?}",
            updates.first().map(|u| format!("{u:?}").len())
        );
    }

    fn status_delivery(seq: u64, snapshot: serde_json::Value) -> serde_json::Value {
        json!({
            "kind": "event_constraint_status_snapshot", "subscription_id": "constraint-status",
            "seq": seq, "snapshot": snapshot
        })
    }

    #[test]
    fn the_deferred_streams_are_merged_as_they_arrive_and_typed_when_asked() {
        let mut router = Router::new("s");
        let changed = stream(
            &mut router,
            status_delivery(
                1,
                json!({"constraint_uid": "c1", "constraint_type": "SunAltitudeConstraint",
                    "satisfied": true, "since": "2026-12-06T20:00:00Z", "message": "dark"}),
            ),
        );
        let key = (StreamName::ConstraintStatusSnapshot, "c1".to_owned());
        assert_eq!(
            changed,
            [Update::ResourceChanged(key.0.clone(), key.1.clone())],
            "not typed on the way in"
        );
        // A delta merges into what was kept; the typed reading is the latest.
        stream(
            &mut router,
            status_delivery(2, json!({"constraint_uid": "c1", "satisfied": false})),
        );
        match &router.resource(&key.0, &key.1)[..] {
            [Resource::ConstraintStatus(status)] => {
                assert!(!status.satisfied);
                assert_eq!(status.message, "dark");
            }
            other => panic!("{other:?}"),
        }
        // A delta for a resource never seen whole is incomplete, by field.
        stream(
            &mut router,
            status_delivery(3, json!({"constraint_uid": "c2", "satisfied": false})),
        );
        match &router.resource(&key.0, "c2")[..] {
            [Resource::Incomplete(items)] => {
                assert_eq!(items.len(), 1);
                assert_eq!(items[0].key, "c2");
                assert!(items[0].why.contains("constraint_type"), "{}", items[0].why);
            }
            other => panic!("{other:?}"),
        }
        // Nothing for a stream it does not type, or a resource not kept.
        assert!(router
            .resource(&StreamName::DeviceSnapshot, "c1")
            .is_empty());
        assert!(router.resource(&key.0, "c9").is_empty());

        // Telescopes too: the first screen gets the uid (the key), the
        // deferred code the typed snapshot.
        let changed = stream(
            &mut router,
            json!({"kind": "event_telescope_snapshot", "subscription_id": "telescopes", "seq": 1,
                "snapshot": {"telescope_uid": "tel-sidingspring", "name": "Siding Spring 0.6 m",
                    "site": {"latitude_deg": -31.2733, "longitude_deg": 149.0617, "elevation_m": 1165.0},
                    "control_authority": "remote", "lease": null, "manual_mode": null,
                    "devices": [], "access": "viewer"}}),
        );
        let telescope = (StreamName::TelescopeSnapshot, "tel-sidingspring".to_owned());
        assert_eq!(
            changed,
            [Update::ResourceChanged(
                telescope.0.clone(),
                telescope.1.clone()
            )]
        );
        match &router.resource(&telescope.0, &telescope.1)[..] {
            [Resource::Telescope(t)] => assert_eq!(t.name, "Siding Spring 0.6 m"),
            other => panic!("{other:?}"),
        }
    }

    fn focuser_delivery(seq: u64, state: serde_json::Value) -> serde_json::Value {
        json!({
            "kind": "event_device_snapshot", "subscription_id": "devices", "seq": seq,
            "snapshot": {"device_uid": "0d7c1e8a-3b2f-4c6d-9e0a-1b2c3d4e5f61",
                "device_type": "focuser", "telescope_uid": "1f0c8d4e-7a51-4d8e-b0e3-5c2a9b7d6e10",
                "observed_at": "2026-12-02T21:04:05Z", "state": state}
        })
    }

    fn focuser_position(updates: &[Update]) -> Option<f64> {
        updates.iter().find_map(|u| match u {
            Update::Device(d) => match &d.state {
                skynet_protocol::DeviceState::Focuser(f) => Some(f.position_um),
                _ => None,
            },
            _ => None,
        })
    }

    #[test]
    fn snapshots_go_on_whole_merged_and_an_early_delta_is_incomplete_until_the_rest() {
        let mut router = Router::new("tab");
        // A delta before any whole snapshot: listed incomplete, nothing shown.
        let updates = stream(
            &mut router,
            focuser_delivery(1, json!({"position_um": 100.0})),
        );
        assert!(focuser_position(&updates).is_none(), "{updates:?}");
        assert!(
            matches!(&updates[..], [Update::Incomplete(items)] if items.len() == 1),
            "{updates:?}"
        );
        // The rest arrives: whole now, and no longer incomplete.
        let updates = stream(
            &mut router,
            focuser_delivery(2, json!({"moving": false, "temperature_c": 4.0})),
        );
        assert_eq!(
            focuser_position(&updates),
            Some(100.0),
            "merged with the first"
        );
        assert!(
            updates.contains(&Update::Incomplete(Vec::new())),
            "{updates:?}"
        );
        // A delta: absent keys keep their value.
        let updates = stream(
            &mut router,
            focuser_delivery(3, json!({"position_um": 120.0})),
        );
        assert_eq!(focuser_position(&updates), Some(120.0));
        assert_eq!(updates.len(), 1, "the incomplete list did not change");
        // A new subscription starts whole: a partial first delivery then is
        // incomplete again rather than merged into what was.
        router.resubscribed();
        let updates = stream(
            &mut router,
            focuser_delivery(1, json!({"position_um": 130.0})),
        );
        assert!(focuser_position(&updates).is_none(), "{updates:?}");
    }

    #[test]
    fn device_deliveries_merge_at_once_and_decode_when_asked() {
        let mut router = Router::new("tab");
        let deliver = |router: &mut Router, seq, state| {
            router.stream(
                StreamServerMessage::from_json(&focuser_delivery(seq, state).to_string())
                    .expect("decodes"),
            )
        };
        let first = deliver(
            &mut router,
            1,
            json!({"position_um": 100.0, "moving": false, "temperature_c": 4.0}),
        );
        let [Update::DeviceChanged(key)] = &first[..] else {
            panic!("{first:?}");
        };
        // Three more deliveries before the console asks: each merged.
        for (seq, position) in [(2, 110.0), (3, 120.0), (4, 130.0)] {
            let updates = deliver(&mut router, seq, json!({ "position_um": position }));
            assert_eq!(updates, vec![Update::DeviceChanged(key.clone())]);
        }
        // Asked once, the decode holds the latest merged state.
        assert_eq!(focuser_position(&router.device(key)), Some(130.0));
        assert!(router.device("a device never delivered").is_empty());
    }
}
