//! The only code that touches the network: the two SkyNet WebSockets (the
//! browser's WebSocket through web-sys: each text frame is decoded in the
//! message event that brings it, without a channel or a task wake-up per
//! frame; the busy stream socket lives in a worker, `relay.js`, that hands
//! the page its frames in batches, one main-thread event per batch) and the
//! HTTP probe that tells a refused token from a dead server.
//!
//! A socket lives inside a `spawn_local` task; the rest of the app talks to it
//! through a [`SocketHandle`] and hears from it through callbacks with typed
//! messages. It reconnects on its own (capped exponential backoff with
//! jitter) but never re-sends a frame: a sender that asks is told of each
//! frame whether it was written or whether the link dropped before it was.

mod socket;
mod timer;

pub use socket::{
    spawn_socket, Delivery, SocketCallbacks, SocketHandle, SocketOptions, TransportError,
};
pub use timer::sleep_ms;

use skynet_protocol::{
    CommandsClientMessage, CommandsFrame, Liveness, Message, StreamClientMessage,
    StreamServerMessage, SubscribeCommands, SubscribeStream,
};

/// The messages of one endpoint, and how liveness is spoken on it.
pub trait Protocol: 'static {
    /// What the server sends.
    type Incoming: Message + 'static;
    /// What the client sends.
    type Outgoing: 'static;

    /// A message's text.
    fn encode(message: Self::Outgoing) -> String;
    /// A `ping` to send, as text.
    fn ping(id: String) -> String;
    /// The `pong` answering a server's ping, as text.
    fn pong(id: Option<String>) -> String;
    /// `Some(id)` when the message is a server's `ping`.
    fn as_ping(message: &Self::Incoming) -> Option<Option<String>>;
    /// True when the message says the token is no longer accepted.
    fn is_unauthorized(message: &Self::Incoming) -> bool;
}

/// `/v1/ws/commands`. Its frames reach the console read but not decoded
/// ([`CommandsFrame`]): pings are answered and a refused token is seen at
/// once, and the rest is decoded by the console's commanding code, which
/// the shipped build loads after the first screen ([`crate::commanding`]).
pub struct CommandsProtocol;

/// A message for the commands socket, encoded where it is made: the
/// subscription and liveness by the main module, commands and cancels by
/// the commanding code. So only the code that publishes carries the
/// encoder of commands (an enum's encoder carries every variant's).
pub struct CommandsOut(String);

impl CommandsOut {
    /// Any message (the commanding code's, which encodes commands).
    pub fn message(message: &CommandsClientMessage) -> Self {
        Self(message.to_json())
    }

    /// A subscription.
    pub fn subscribe(subscription: &SubscribeCommands) -> Self {
        Self(CommandsClientMessage::encode_subscribe(subscription))
    }

    /// A ping.
    pub fn ping(liveness: &Liveness) -> Self {
        Self(CommandsClientMessage::encode_ping(liveness))
    }
}

impl Protocol for CommandsProtocol {
    type Incoming = CommandsFrame;
    type Outgoing = CommandsOut;

    fn encode(message: CommandsOut) -> String {
        message.0
    }
    fn ping(id: String) -> String {
        CommandsClientMessage::encode_ping(&Liveness { id: Some(id) })
    }
    fn pong(id: Option<String>) -> String {
        CommandsClientMessage::encode_pong(&Liveness { id })
    }
    fn as_ping(frame: &Self::Incoming) -> Option<Option<String>> {
        frame.ping()
    }
    fn is_unauthorized(frame: &Self::Incoming) -> bool {
        frame.is_unauthorized()
    }
}

/// `/v1/ws/stream`: every frame decoded as it arrives.
pub struct StreamProtocol;

/// A message for the stream socket: a subscription or a ping, all a
/// console sends there, each through its own encoder (the enum's carries
/// every kind's).
pub struct StreamOut(String);

impl StreamOut {
    /// A subscription.
    pub fn subscribe(subscription: &SubscribeStream) -> Self {
        Self(StreamClientMessage::encode_subscribe(subscription))
    }

    /// A ping.
    pub fn ping(liveness: &Liveness) -> Self {
        Self(StreamClientMessage::encode_ping(liveness))
    }
}

impl Protocol for StreamProtocol {
    type Incoming = StreamServerMessage;
    type Outgoing = StreamOut;

    fn encode(message: StreamOut) -> String {
        message.0
    }
    fn ping(id: String) -> String {
        StreamClientMessage::encode_ping(&Liveness { id: Some(id) })
    }
    fn pong(id: Option<String>) -> String {
        StreamClientMessage::encode_pong(&Liveness { id })
    }
    fn as_ping(message: &Self::Incoming) -> Option<Option<String>> {
        match message {
            StreamServerMessage::Ping(l) => Some(l.id.clone()),
            _ => None,
        }
    }
    fn is_unauthorized(message: &Self::Incoming) -> bool {
        matches!(message, StreamServerMessage::Error(e)
            if e.code == skynet_protocol::ErrorCode::Unauthorized)
    }
}

/// The HTTP status of a GET to `url` (no body read), or `None` when the server
/// cannot be reached or does not let this page read the answer.
pub async fn probe_status(url: &str) -> Option<u16> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window()?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
        .await
        .ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    Some(response.status())
}
