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
    CommandsClientMessage, CommandsServerMessage, Liveness, Message, StreamClientMessage,
    StreamServerMessage,
};

/// The messages of one endpoint, and how liveness is spoken on it.
pub trait Protocol: 'static {
    /// What the server sends.
    type Incoming: Message + 'static;
    /// What the client sends.
    type Outgoing: Message + 'static;

    /// A `ping` to send.
    fn ping(id: String) -> Self::Outgoing;
    /// The `pong` answering a server's ping.
    fn pong(id: Option<String>) -> Self::Outgoing;
    /// `Some(id)` when the message is a server's `ping`.
    fn as_ping(message: &Self::Incoming) -> Option<Option<String>>;
    /// True when the message says the token is no longer accepted.
    fn is_unauthorized(message: &Self::Incoming) -> bool;
}

/// The two sockets speak the same liveness and error messages, each in its
/// own message enums.
macro_rules! protocol {
    ($(#[$doc:meta])* $name:ident: $incoming:ident, $outgoing:ident) => {
        $(#[$doc])*
        pub struct $name;

        impl Protocol for $name {
            type Incoming = $incoming;
            type Outgoing = $outgoing;

            fn ping(id: String) -> Self::Outgoing {
                $outgoing::Ping(Liveness { id: Some(id) })
            }
            fn pong(id: Option<String>) -> Self::Outgoing {
                $outgoing::Pong(Liveness { id })
            }
            fn as_ping(message: &Self::Incoming) -> Option<Option<String>> {
                match message {
                    $incoming::Ping(l) => Some(l.id.clone()),
                    _ => None,
                }
            }
            fn is_unauthorized(message: &Self::Incoming) -> bool {
                matches!(message, $incoming::Error(e)
                    if e.code == skynet_protocol::ErrorCode::Unauthorized)
            }
        }
    };
}

protocol!(
    /// `/v1/ws/commands`.
    CommandsProtocol: CommandsServerMessage, CommandsClientMessage
);
protocol!(
    /// `/v1/ws/stream`.
    StreamProtocol: StreamServerMessage, StreamClientMessage
);

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
