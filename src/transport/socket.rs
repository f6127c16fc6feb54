//! One WebSocket with reconnection and a heartbeat, inside a `spawn_local` task.

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::{future, pin_mut, select, FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message as Frame, State, WebSocketError};
use skynet_protocol::Message;

use super::{probe_status, sleep_ms, Protocol};
use crate::state::connection::{probe_url, Backoff, SocketState};
use crate::state::time::now_ms;

/// Close code the API uses when a token expires on an open socket [ours].
const CLOSE_UNAUTHORIZED: u16 = 4401;

/// Why a frame could not be handed to the socket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The socket is not open (connecting, reconnecting or closed).
    #[error("the {0} socket is not open")]
    NotOpen(&'static str),
}

/// How a socket connects and watches its link.
#[derive(Debug, Clone)]
pub struct SocketOptions {
    /// Delays between attempts.
    pub backoff: Backoff,
    /// With no frame for this long a `ping` is sent; with none for twice as
    /// long the link is declared dead and reconnected.
    pub heartbeat_ms: f64,
    /// An attempt that has not opened after this long is abandoned.
    pub connect_timeout_ms: f64,
    /// A name for messages (`commands`, `stream`).
    pub name: &'static str,
}

impl SocketOptions {
    /// Defaults: backoff 0.5 s doubling to 30 s, heartbeat 10 s, 10 s to open.
    pub fn named(name: &'static str) -> Self {
        Self {
            backoff: Backoff::default(),
            heartbeat_ms: 10_000.0,
            connect_timeout_ms: 10_000.0,
            name,
        }
    }
}

/// What the socket tells the app.
pub struct SocketCallbacks<P: Protocol> {
    /// Every state change (called with `Open` once frames can be sent).
    pub on_state: Rc<dyn Fn(SocketState)>,
    /// Every decoded message but the server's pings, which are answered here.
    pub on_message: Rc<dyn Fn(P::Incoming)>,
    /// A frame that could not be decoded, with why; the socket stays up.
    pub on_malformed: Rc<dyn Fn(String)>,
}

/// What became of a frame handed to the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Written to the WebSocket.
    Written,
    /// The link dropped (or the socket was closed) before it was written: it
    /// never left, and it is not re-sent.
    NotWritten,
}

/// Told once what became of one frame.
type OnDelivery = Box<dyn FnOnce(Delivery)>;

/// What the app asks of the socket task: frames go as text, so that the
/// task's code exists once for both endpoints.
enum Control {
    Send(String, Option<OnDelivery>),
    Close,
}

/// Tells a frame's sender, if it asked, that it was not written.
fn not_written(done: Option<OnDelivery>) {
    if let Some(done) = done {
        done(Delivery::NotWritten);
    }
}

/// Reports every frame still queued as not written; says whether a close
/// was asked among them.
fn drain_unwritten(rx: &mut UnboundedReceiver<Control>) -> bool {
    let mut close = false;
    while let Ok(control) = rx.try_recv() {
        match control {
            Control::Send(_, done) => not_written(done),
            Control::Close => close = true,
        }
    }
    close
}

/// The app's end of a socket task. Dropping every clone ends the task.
pub struct SocketHandle<P: Protocol> {
    tx: UnboundedSender<Control>,
    open: Rc<Cell<bool>>,
    name: &'static str,
    _protocol: PhantomData<P>,
}

impl<P: Protocol> Clone for SocketHandle<P> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            open: self.open.clone(),
            name: self.name,
            _protocol: PhantomData,
        }
    }
}

impl<P: Protocol> SocketHandle<P> {
    /// Hands a message to the open socket. Unlike a silent drop, a socket that
    /// is not open is an error the caller shows: nothing is queued for later.
    pub fn send(&self, message: P::Outgoing) -> Result<(), TransportError> {
        self.queue(message, None)
    }

    /// Like [`send`](Self::send), and once the frame is written, or the link
    /// drops before it is, `on_delivery` is told which (never when this
    /// returns an error).
    pub fn send_reporting(
        &self,
        message: P::Outgoing,
        on_delivery: impl FnOnce(Delivery) + 'static,
    ) -> Result<(), TransportError> {
        self.queue(message, Some(Box::new(on_delivery)))
    }

    fn queue(&self, message: P::Outgoing, done: Option<OnDelivery>) -> Result<(), TransportError> {
        if !self.open.get() {
            return Err(TransportError::NotOpen(self.name));
        }
        self.tx
            .unbounded_send(Control::Send(message.to_json(), done))
            .map_err(|_| TransportError::NotOpen(self.name))
    }

    /// True while frames can be sent.
    pub fn is_open(&self) -> bool {
        self.open.get()
    }

    /// Closes the socket (code 1000) and stops reconnecting.
    pub fn close(&self) {
        let _ = self.tx.unbounded_send(Control::Close);
    }
}

/// Opens `url` in a new task and keeps it open until closed.
pub fn spawn_socket<P: Protocol>(
    url: String,
    options: SocketOptions,
    callbacks: SocketCallbacks<P>,
) -> SocketHandle<P> {
    let (tx, rx) = unbounded();
    let open = Rc::new(Cell::new(false));
    let handle = SocketHandle {
        tx,
        open: open.clone(),
        name: options.name,
        _protocol: PhantomData,
    };
    leptos::task::spawn_local(run(
        url,
        Wire::of(callbacks, options.name),
        options,
        rx,
        open,
    ));
    handle
}

/// The socket task's view of the app, the same type for both endpoints: the
/// only code that knows an endpoint's messages is in [`Wire::of`].
struct Wire {
    on_state: Rc<dyn Fn(SocketState)>,
    /// Decodes a text frame and hands it to the app; says what the socket
    /// must do about it.
    on_text: Box<dyn Fn(&str) -> Heard>,
    /// A frame that is not a message (a binary one), with why.
    on_malformed: Rc<dyn Fn(String)>,
    /// The heartbeat's `ping` with this id, as text.
    ping: fn(String) -> String,
}

/// What a text frame asks of the socket.
enum Heard {
    /// Nothing: it went to the app (or was reported as malformed).
    Handled,
    /// Answer this (the `pong` to a server's `ping`).
    Reply(String),
    /// The token is no longer accepted: close and stop.
    Unauthorized,
}

impl Wire {
    fn of<P: Protocol>(callbacks: SocketCallbacks<P>, name: &'static str) -> Self {
        let SocketCallbacks {
            on_state,
            on_message,
            on_malformed,
        } = callbacks;
        let report = on_malformed.clone();
        Self {
            on_state,
            on_malformed,
            on_text: Box::new(move |text| match P::Incoming::from_json(text) {
                Ok(message) => {
                    if let Some(id) = P::as_ping(&message) {
                        return Heard::Reply(P::pong(id).to_json());
                    }
                    let unauthorized = P::is_unauthorized(&message);
                    on_message(message);
                    if unauthorized {
                        Heard::Unauthorized
                    } else {
                        Heard::Handled
                    }
                }
                Err(e) => {
                    report(format!("{name}: {e}"));
                    Heard::Handled
                }
            }),
            ping: |id| P::ping(id).to_json(),
        }
    }
}

/// How one connection ended.
enum Ended {
    /// The app closed it.
    ByClient,
    /// The token was refused: do not retry.
    Unauthorized(String),
    /// The link failed; `was_open` tells whether it ever opened.
    Lost { reason: String, was_open: bool },
}

async fn run(
    url: String,
    callbacks: Wire,
    options: SocketOptions,
    mut rx: UnboundedReceiver<Control>,
    open: Rc<Cell<bool>>,
) {
    let mut backoff = options.backoff.clone();
    let mut attempt = 1;
    loop {
        (callbacks.on_state)(SocketState::Connecting { attempt });
        let ended = connect_once(&url, &options, &callbacks, &mut rx, &open, &mut backoff).await;
        open.set(false);
        // Frames still queued when the link ended never left: say so before
        // the app hears of the drop, so none is taken for written.
        let close_asked = drain_unwritten(&mut rx);
        let ended = match ended {
            Ended::Lost { .. } if close_asked => Ended::ByClient,
            ended => ended,
        };
        let (reason, was_open) = match ended {
            Ended::ByClient => {
                (callbacks.on_state)(SocketState::Closed {
                    reason: "disconnected".into(),
                    token_rejected: false,
                });
                return;
            }
            Ended::Unauthorized(reason) => {
                (callbacks.on_state)(SocketState::Closed {
                    reason,
                    token_rejected: true,
                });
                return;
            }
            Ended::Lost { reason, was_open } => (reason, was_open),
        };
        if !was_open {
            // A browser hides why an upgrade failed: ask the endpoint over HTTP.
            if let Some(status @ (401 | 403)) = probe_status(&probe_url(&url)).await {
                (callbacks.on_state)(SocketState::Closed {
                    reason: format!("the server rejected the token (HTTP {status}): sign in again"),
                    token_rejected: true,
                });
                return;
            }
        }
        let delay = backoff.next_delay_ms(js_sys::Math::random());
        (callbacks.on_state)(SocketState::Reconnecting {
            retry_at: now_ms() + delay,
            reason,
        });
        attempt = if was_open { 1 } else { attempt + 1 };
        // Wait out the delay; a close request ends the task at once. A frame
        // that still slips in is reported not written, never re-sent.
        let wait = sleep_ms(delay).fuse();
        pin_mut!(wait);
        loop {
            select! {
                () = wait => break,
                control = rx.next() => match control {
                    Some(Control::Send(_, done)) => not_written(done),
                    Some(Control::Close) | None => {
                        (callbacks.on_state)(SocketState::Closed {
                            reason: "disconnected".into(),
                            token_rejected: false,
                        });
                        return;
                    }
                },
            }
        }
    }
}

/// What happened while waiting for the socket to open.
enum Opening {
    Ready,
    TimedOut,
    Closed,
}

/// What woke the open socket's loop.
enum Event {
    Frame(Option<Result<Frame, WebSocketError>>),
    Control(Option<Control>),
    Tick,
}

async fn connect_once(
    url: &str,
    options: &SocketOptions,
    callbacks: &Wire,
    rx: &mut UnboundedReceiver<Control>,
    open: &Rc<Cell<bool>>,
    backoff: &mut Backoff,
) -> Ended {
    let mut ws = match WebSocket::open(url) {
        Ok(ws) => ws,
        Err(e) => {
            return Ended::Lost {
                reason: e.to_string(),
                was_open: false,
            }
        }
    };
    let opening = {
        let ready =
            future::poll_fn(|cx| futures::Sink::poll_ready(std::pin::Pin::new(&mut ws), cx)).fuse();
        let timeout = sleep_ms(options.connect_timeout_ms).fuse();
        pin_mut!(ready, timeout);
        loop {
            select! {
                _ = ready => break Opening::Ready,
                () = timeout => break Opening::TimedOut,
                control = rx.next() => match control {
                    Some(Control::Send(_, done)) => not_written(done),
                    Some(Control::Close) | None => break Opening::Closed,
                },
            }
        }
    };
    match opening {
        Opening::Closed => {
            let _ = ws.close(Some(1000), Some("client closed"));
            return Ended::ByClient;
        }
        Opening::TimedOut => {
            let _ = ws.close(Some(1000), Some("took too long to open"));
            return Ended::Lost {
                reason: format!("no answer within {} s", options.connect_timeout_ms / 1000.0),
                was_open: false,
            };
        }
        Opening::Ready if !matches!(ws.state(), State::Open) => {
            return Ended::Lost {
                reason: "could not connect".into(),
                was_open: false,
            };
        }
        Opening::Ready => {}
    }

    open.set(true);
    backoff.reset();
    (callbacks.on_state)(SocketState::Open);

    let mut ping_seq = 0u64;
    let mut heard_since_tick = true;
    let mut awaiting_pong = false;
    let tick = sleep_ms(options.heartbeat_ms).fuse();
    let mut tick = Box::pin(tick);
    loop {
        let event = {
            let mut frame = ws.next().fuse();
            let mut control = rx.next();
            select! {
                frame = frame => Event::Frame(frame),
                control = control => Event::Control(control),
                () = tick.as_mut() => Event::Tick,
            }
        };
        match event {
            Event::Tick => {
                tick = Box::pin(sleep_ms(options.heartbeat_ms).fuse());
                if heard_since_tick {
                    heard_since_tick = false;
                    awaiting_pong = false;
                } else if awaiting_pong {
                    let _ = ws.close(Some(4000), Some("no answer to ping"));
                    return Ended::Lost {
                        reason: "no answer to ping".into(),
                        was_open: true,
                    };
                } else {
                    ping_seq += 1;
                    let ping = (callbacks.ping)(format!("heartbeat-{ping_seq}"));
                    if ws.send(Frame::Text(ping)).await.is_err() {
                        return Ended::Lost {
                            reason: "the link failed".into(),
                            was_open: true,
                        };
                    }
                    awaiting_pong = true;
                }
            }
            Event::Control(Some(Control::Send(text, done))) => {
                let written = ws.send(Frame::Text(text)).await.is_ok();
                if let Some(done) = done {
                    done(if written {
                        Delivery::Written
                    } else {
                        Delivery::NotWritten
                    });
                }
                if !written {
                    return Ended::Lost {
                        reason: "the link failed while sending".into(),
                        was_open: true,
                    };
                }
            }
            Event::Control(Some(Control::Close) | None) => {
                let _ = ws.close(Some(1000), Some("client closed"));
                return Ended::ByClient;
            }
            Event::Frame(Some(Ok(Frame::Text(text)))) => {
                heard_since_tick = true;
                awaiting_pong = false;
                match (callbacks.on_text)(&text) {
                    Heard::Handled => {}
                    Heard::Reply(reply) => {
                        let _ = ws.send(Frame::Text(reply)).await;
                    }
                    Heard::Unauthorized => {
                        let _ = ws.close(Some(1000), Some("token rejected"));
                        return Ended::Unauthorized(
                            "the server no longer accepts the token: sign in again".into(),
                        );
                    }
                }
            }
            Event::Frame(Some(Ok(Frame::Bytes(bytes)))) => {
                heard_since_tick = true;
                (callbacks.on_malformed)(format!(
                    "{}: a binary frame of {} bytes was ignored",
                    options.name,
                    bytes.len()
                ));
            }
            // An error event is followed by the close event: wait for it.
            Event::Frame(Some(Err(WebSocketError::ConnectionError))) => {}
            Event::Frame(Some(Err(WebSocketError::ConnectionClose(close)))) => {
                if close.code == CLOSE_UNAUTHORIZED {
                    return Ended::Unauthorized(
                        "the server no longer accepts the token: sign in again".into(),
                    );
                }
                return Ended::Lost {
                    reason: close_reason(close.code, &close.reason),
                    was_open: true,
                };
            }
            Event::Frame(Some(Err(e))) => {
                return Ended::Lost {
                    reason: e.to_string(),
                    was_open: true,
                }
            }
            Event::Frame(None) => {
                return Ended::Lost {
                    reason: "connection closed".into(),
                    was_open: true,
                }
            }
        }
    }
}

/// A close event in words.
fn close_reason(code: u16, reason: &str) -> String {
    match (code, reason) {
        (1006, _) => "connection lost".into(),
        (_, "") => format!("closed by the server (code {code})"),
        (_, reason) => format!("closed by the server: {reason} (code {code})"),
    }
}
