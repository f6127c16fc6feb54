//! Where each decoded message goes: a pure function from a message to the
//! list of state updates it asks for. The console applies the updates; this
//! module decides them and is tested on the host.

use std::collections::BTreeMap;

use skynet_protocol::{
    CommandEvent, CommandId, CommandResult, CommandsServerMessage, DeviceSnapshot, ErrorMessage,
    InstrumentSnapshot, LeaseInfo, StreamName, StreamServerMessage, SubscriptionId,
    TelescopeSnapshot,
};

/// The streams this tab subscribes on every (re)connection of the stream
/// socket, by subscription id.
pub const STREAMS: [(&str, StreamName); 4] = [
    ("telescopes", StreamName::TelescopeSnapshot),
    ("devices", StreamName::DeviceSnapshot),
    ("instruments", StreamName::InstrumentSnapshot),
    ("leases", StreamName::ManualControlLease),
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
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A telescope snapshot.
    Telescope(TelescopeSnapshot),
    /// A device snapshot (coalesced per animation frame by the console).
    Device(DeviceSnapshot),
    /// An instrument snapshot.
    Instrument(InstrumentSnapshot),
    /// A lease changed.
    Lease(LeaseInfo),
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
    CommandAck(CommandId),
    /// An `error` on the commands socket, for the log to place (or the
    /// console to show when it matches nothing).
    CommandError(ErrorMessage),
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
}

/// Routes decoded messages; remembers what it ignored.
#[derive(Debug, Clone, Default)]
pub struct Router {
    session_id: String,
    ignored: Ignored,
}

impl Router {
    /// A router for the tab with this Origin session id.
    pub fn new(session_id: impl Into<String>) -> Self {
        Self {
            session_id: session_id.into(),
            ignored: Ignored::default(),
        }
    }

    /// What was ignored so far.
    pub fn ignored(&self) -> &Ignored {
        &self.ignored
    }

    /// The updates a message of the commands socket asks for.
    pub fn commands(&mut self, message: CommandsServerMessage) -> Vec<Update> {
        match message {
            CommandsServerMessage::Command(event) => {
                let mine = event
                    .origin
                    .as_ref()
                    .is_some_and(|o| o.session_id == self.session_id);
                let mut updates = Vec::new();
                if let (true, Some(account)) = (mine, event.account.clone()) {
                    updates.push(Update::Account(account));
                }
                updates.push(Update::Command { event, mine });
                updates
            }
            CommandsServerMessage::CommandResult(event) => vec![Update::Result(event.result)],
            CommandsServerMessage::Error(error) => vec![Update::CommandError(error)],
            CommandsServerMessage::Ack(ack) => ack
                .id
                .as_deref()
                .and_then(|id| id.parse::<CommandId>().ok())
                .map(Update::CommandAck)
                .into_iter()
                .collect(),
            CommandsServerMessage::Ping(_) | CommandsServerMessage::Pong(_) => Vec::new(),
            CommandsServerMessage::Unknown(unknown) => vec![Update::Notice(format!(
                "ignored a message of unknown kind `{}`",
                unknown.tag
            ))],
        }
    }

    /// The updates a message of the stream socket asks for.
    pub fn stream(&mut self, message: StreamServerMessage) -> Vec<Update> {
        match message {
            StreamServerMessage::TelescopeSnapshot(event) => {
                vec![Update::Telescope(event.snapshot)]
            }
            StreamServerMessage::DeviceSnapshot(event) => vec![Update::Device(event.snapshot)],
            StreamServerMessage::InstrumentSnapshot(event) => {
                vec![Update::Instrument(event.snapshot)]
            }
            StreamServerMessage::ManualControlLease(event) => vec![Update::Lease(event.lease)],
            StreamServerMessage::Error(error) => vec![Update::Notice(format!(
                "stream error `{}`: {}",
                error.code, error.message
            ))],
            _ => Vec::new(),
        }
    }
}

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

    fn commands(router: &mut Router, frame: serde_json::Value) -> Vec<Update> {
        router.commands(CommandsServerMessage::from_json(&frame.to_string()).expect("decodes"))
    }

    fn stream(router: &mut Router, frame: serde_json::Value) -> Vec<Update> {
        router.stream(StreamServerMessage::from_json(&frame.to_string()).expect("decodes"))
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
        assert_eq!(updates[0], Update::Account("dev-astronomer".into()));
        assert!(matches!(&updates[1], Update::Command { mine: true, .. }));
        let updates = commands(&mut router, command_event("commands", "tab-2"));
        assert_eq!(updates.len(), 1);
        assert!(matches!(&updates[0], Update::Command { mine: false, .. }));
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
        assert!(matches!(&updates[..], [Update::Result(r)] if r.command_id.to_string() == id));
        let updates = commands(&mut router, json!({"kind": "ack", "id": id}));
        assert!(matches!(&updates[..], [Update::CommandAck(a)] if a.to_string() == id));
        // An ack of a subscription names no command.
        assert!(commands(&mut router, json!({"kind": "ack", "id": "commands"})).is_empty());
        let updates = commands(
            &mut router,
            json!({"kind": "error", "code": "forbidden", "message": "no", "id": id}),
        );
        assert!(matches!(&updates[..], [Update::CommandError(_)]));
        assert!(commands(&mut router, json!({"kind": "ping", "id": "x"})).is_empty());
    }

    #[test]
    fn stream_deliveries_of_our_subscriptions_become_updates() {
        let mut router = Router::new("tab-1");
        let updates = stream(&mut router, lease_event("leases"));
        assert!(matches!(&updates[..], [Update::Lease(l)] if l.holder == "dev-astronomer"));
        let updates = stream(
            &mut router,
            json!({"kind": "error", "code": "internal", "message": "oops"}),
        );
        assert_eq!(
            updates,
            vec![Update::Notice("stream error `internal`: oops".into())]
        );
    }
}
