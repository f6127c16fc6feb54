//! One WebSocket with reconnection and a heartbeat, inside a `spawn_local` task.

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::{pin_mut, select, FutureExt, StreamExt};
use skynet_protocol::Message;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

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
    /// Runs the WebSocket in a worker that hands the page its text frames in
    /// batches (`relay.js`): for a busy stream, one main-thread event per
    /// batch instead of per frame. Off for the commands socket, whose
    /// writes must be known written.
    pub relayed: bool,
}

impl SocketOptions {
    /// Defaults: backoff 0.5 s doubling to 30 s, heartbeat 10 s, 10 s to
    /// open, on the page (not relayed).
    pub fn named(name: &'static str) -> Self {
        Self {
            backoff: Backoff::default(),
            heartbeat_ms: 10_000.0,
            connect_timeout_ms: 10_000.0,
            name,
            relayed: false,
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
            .unbounded_send(Control::Send(P::encode(message), done))
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
    on_text: Rc<dyn Fn(&str) -> Heard>,
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
            on_text: Rc::new(move |text| match P::Incoming::from_json(text) {
                Ok(message) => {
                    if let Some(id) = P::as_ping(&message) {
                        return Heard::Reply(P::pong(id));
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
            ping: P::ping,
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

/// What the browser's socket tells the task. Text frames are not among
/// them: each is decoded and handed to the app in the event that brings it
/// (no channel, no task wake-up per frame), and only what the socket must
/// act on comes here.
enum LinkEvent {
    /// The socket opened.
    Open,
    /// A binary frame of this many bytes arrived (not a message).
    Binary(u32),
    /// A frame said the token is no longer accepted.
    Unauthorized,
    /// The socket closed (after an error too), with the close frame's code
    /// and reason.
    Closed { code: u16, reason: String },
}

/// Where a link's WebSocket lives.
#[derive(Clone)]
enum Carrier {
    /// On the page: each frame is its own message event on the main thread.
    Page(web_sys::WebSocket),
    /// In a dedicated worker running `relay.js`, which hands the page its
    /// text frames in batches (one main-thread event per batch; the
    /// browser's own work per WebSocket message is done on the worker's
    /// thread). `open` is the page's view of the socket: set by the relay's
    /// `open`, cleared by its `closed`.
    ///
    /// From the page: `{open: url}`, `{send: text}`, `{close: code,
    /// reason}`. To the page, in the socket's order:
    /// - a `Uint8Array`: the text frames that arrived before the worker's
    ///   next turn, in order, each as its UTF-8 length (4 bytes, little
    ///   endian) then its UTF-8 (encoded in the worker, its buffer
    ///   transferred: the page copies the bytes into wasm memory as they
    ///   are and never searches them for a frame's end; [`relayed_frames`]);
    /// - `{open: true}`, `{binary: bytes}`, `{closed: code, reason}`.
    ///
    /// After the close the worker ends itself. A relay that cannot run at
    /// all (a Content-Security-Policy without `worker-src blob:`) shows as
    /// the worker's error event; the page then opens its sockets itself.
    Relayed {
        worker: web_sys::Worker,
        open: Rc<Cell<bool>>,
    },
}

/// The text frames of a relayed batch (see [`Carrier::Relayed`]), in order:
/// each is its 4-byte little-endian length, then that many bytes of UTF-8.
/// A frame that is not UTF-8 is read lossily, as the browser would; a batch
/// cut short (which `relay.js` never sends) ends at its last whole frame.
fn relayed_frames(mut batch: &[u8]) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    std::iter::from_fn(move || {
        let (length, rest) = batch.split_first_chunk::<4>()?;
        let (frame, rest) = rest.split_at_checked(u32::from_le_bytes(*length) as usize)?;
        batch = rest;
        // The validator's fast path first: the lossy reading checks a byte
        // at a time, and the relay's frames are valid UTF-8.
        Some(match std::str::from_utf8(frame) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(frame),
        })
    })
}

thread_local! {
    /// The relay's script as a blob URL, made once per page: no file to
    /// fetch before the stream can open.
    static RELAY_URL: std::cell::OnceCell<Result<String, String>> =
        const { std::cell::OnceCell::new() };
    /// Set when a relay could not run (a Content-Security-Policy without
    /// `worker-src blob:`, a browser without workers): from then on this
    /// page's sockets open on the page.
    static RELAY_FAILED: Cell<bool> = const { Cell::new(false) };
}

fn relay_url() -> Result<String, String> {
    RELAY_URL.with(|url| {
        url.get_or_init(|| {
            let source = js_sys::Array::of1(&include_str!("relay.js").into());
            let options = web_sys::BlobPropertyBag::new();
            options.set_type("text/javascript");
            web_sys::Blob::new_with_str_sequence_and_options(&source, &options)
                .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob))
                .map_err(|e| crate::browser::error_text(&e))
        })
        .clone()
    })
}

impl Carrier {
    /// Writes a text frame; false when the socket is not open (the browser
    /// would drop it silently) or refuses it. Through the relay, "written"
    /// means handed to the worker while the page knew the socket open (if
    /// it closed meanwhile the relay drops the frame and its close follows).
    fn send(&self, text: &str) -> bool {
        match self {
            Self::Page(ws) => {
                ws.ready_state() == web_sys::WebSocket::OPEN && ws.send_with_str(text).is_ok()
            }
            Self::Relayed { worker, open } => {
                open.get()
                    && worker
                        .post_message(&relay_request("send", text.into()))
                        .is_ok()
            }
        }
    }

    /// Starts the closing handshake.
    fn close(&self, code: u16, reason: &str) {
        match self {
            Self::Page(ws) => {
                let _ = ws.close_with_code_and_reason(code, reason);
            }
            Self::Relayed { worker, .. } => {
                let request = relay_request("close", code.into());
                let _ = js_sys::Reflect::set(&request, &"reason".into(), &reason.into());
                let _ = worker.post_message(&request);
            }
        }
    }
}

/// `{name: value}`, a request to the relay.
fn relay_request(name: &str, value: wasm_bindgen::JsValue) -> js_sys::Object {
    let request = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&request, &name.into(), &value);
    request
}

/// One browser WebSocket (on the page or relayed by a worker) and its event
/// handlers. Dropping it detaches the handlers and closes the socket if it
/// is still open.
struct Link {
    carrier: Carrier,
    events: UnboundedReceiver<LinkEvent>,
    /// Set by every frame; the heartbeat reads and clears it.
    heard: Rc<Cell<bool>>,
    _on_open: Option<Closure<dyn FnMut(web_sys::Event)>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Option<Closure<dyn FnMut(web_sys::CloseEvent)>>,
    _on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

/// Hands text frames to the app in order, answers pings, and after a
/// refused token hands over nothing more.
struct Frames {
    on_text: Rc<dyn Fn(&str) -> Heard>,
    tx: UnboundedSender<LinkEvent>,
    heard: Rc<Cell<bool>>,
    refused: Cell<bool>,
}

impl Frames {
    fn text(&self, carrier: &Carrier, text: &str) {
        if self.refused.get() {
            return;
        }
        self.heard.set(true);
        match (self.on_text)(text) {
            Heard::Handled => {}
            Heard::Reply(reply) => {
                let _ = carrier.send(&reply);
            }
            Heard::Unauthorized => {
                self.refused.set(true);
                let _ = self.tx.unbounded_send(LinkEvent::Unauthorized);
            }
        }
    }

    fn event(&self, event: LinkEvent) {
        if !self.refused.get() {
            if matches!(event, LinkEvent::Binary(_)) {
                self.heard.set(true);
            }
            let _ = self.tx.unbounded_send(event);
        }
    }
}

impl Link {
    /// Opens `url`, relayed by a worker when `relayed`; each text frame goes
    /// to `on_text` as it reaches the page.
    fn open(url: &str, relayed: bool, on_text: Rc<dyn Fn(&str) -> Heard>) -> Result<Self, String> {
        let (tx, events) = unbounded();
        let heard = Rc::new(Cell::new(false));
        let frames = Frames {
            on_text,
            tx: tx.clone(),
            heard: heard.clone(),
            refused: Cell::new(false),
        };
        if relayed && !RELAY_FAILED.get() {
            Self::open_relayed(url, frames, events, heard)
        } else {
            Self::open_on_page(url, frames, events, heard)
        }
    }

    fn open_on_page(
        url: &str,
        frames: Frames,
        events: UnboundedReceiver<LinkEvent>,
        heard: Rc<Cell<bool>>,
    ) -> Result<Self, String> {
        let ws = web_sys::WebSocket::new(url)
            .map_err(|e| format!("cannot open {url}: {}", crate::browser::error_text(&e)))?;
        ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
        let carrier = Carrier::Page(ws.clone());
        let tx = frames.tx.clone();
        let on_open = {
            let tx = tx.clone();
            Closure::<dyn FnMut(_)>::new(move |_: web_sys::Event| {
                let _ = tx.unbounded_send(LinkEvent::Open);
            })
        };
        let on_message = {
            let carrier = carrier.clone();
            Closure::<dyn FnMut(_)>::new(move |event: web_sys::MessageEvent| {
                let data = event.data();
                match data.as_string() {
                    Some(text) => frames.text(&carrier, &text),
                    None => frames.event(LinkEvent::Binary(
                        data.dyn_ref::<js_sys::ArrayBuffer>()
                            .map_or(0, js_sys::ArrayBuffer::byte_length),
                    )),
                }
            })
        };
        let on_close = Closure::<dyn FnMut(_)>::new(move |event: web_sys::CloseEvent| {
            let _ = tx.unbounded_send(LinkEvent::Closed {
                code: event.code(),
                reason: event.reason(),
            });
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Self {
            carrier,
            events,
            heard,
            _on_open: Some(on_open),
            _on_message: on_message,
            _on_close: Some(on_close),
            _on_error: None,
        })
    }

    fn open_relayed(
        url: &str,
        frames: Frames,
        events: UnboundedReceiver<LinkEvent>,
        heard: Rc<Cell<bool>>,
    ) -> Result<Self, String> {
        let worker = relay_url()
            .and_then(|script| {
                web_sys::Worker::new(&script).map_err(|e| crate::browser::error_text(&e))
            })
            .map_err(|e| {
                RELAY_FAILED.set(true);
                format!("cannot start the {url} relay: {e}")
            })?;
        let open = Rc::new(Cell::new(false));
        let failed = frames.tx.clone();
        let carrier = Carrier::Relayed {
            worker: worker.clone(),
            open: open.clone(),
        };
        let on_message = {
            let carrier = carrier.clone();
            Closure::<dyn FnMut(_)>::new(move |event: web_sys::MessageEvent| {
                let data = event.data();
                if let Some(batch) = data.dyn_ref::<js_sys::Uint8Array>() {
                    // UTF-8 from the relay's TextEncoder: one copy into
                    // wasm memory, no re-encoding on this thread, and
                    // each frame's length given, not searched for.
                    for text in relayed_frames(&batch.to_vec()) {
                        frames.text(&carrier, &text);
                    }
                    return;
                }
                let field =
                    |name: &str| js_sys::Reflect::get(&data, &name.into()).unwrap_or_default();
                if field("open").is_truthy() {
                    open.set(true);
                    frames.event(LinkEvent::Open);
                } else if let Some(bytes) = field("binary").as_f64() {
                    frames.event(LinkEvent::Binary(bytes as u32));
                } else if let Some(code) = field("closed").as_f64() {
                    open.set(false);
                    // Sent even after a refused token: the task waits for it.
                    let _ = frames.tx.unbounded_send(LinkEvent::Closed {
                        code: code as u16,
                        reason: field("reason").as_string().unwrap_or_default(),
                    });
                }
            })
        };
        // A relay that cannot run (its script refused) reports an error
        // event and nothing else: the link ends, and the reconnect opens
        // the socket on the page.
        let on_error = Closure::<dyn FnMut(_)>::new(move |_: web_sys::Event| {
            RELAY_FAILED.set(true);
            let _ = failed.unbounded_send(LinkEvent::Closed {
                code: 1006,
                reason: "the relay worker failed; the next connection opens on the page".into(),
            });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker
            .post_message(&relay_request("open", url.into()))
            .map_err(|e| format!("cannot open {url}: {}", crate::browser::error_text(&e)))?;
        Ok(Self {
            carrier,
            events,
            heard,
            _on_open: None,
            _on_message: on_message,
            _on_close: None,
            _on_error: Some(on_error),
        })
    }

    /// Writes a text frame; false when the socket is not open or refuses it.
    fn send(&self, text: &str) -> bool {
        self.carrier.send(text)
    }

    /// Starts the closing handshake.
    fn close(&self, code: u16, reason: &str) {
        self.carrier.close(code, reason);
    }

    /// Whether a frame arrived since the last call.
    fn heard(&self) -> bool {
        self.heard.replace(false)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // The handlers go with this value: the browser must not call them.
        match &self.carrier {
            Carrier::Page(ws) => {
                ws.set_onopen(None);
                ws.set_onmessage(None);
                ws.set_onclose(None);
                if ws.ready_state() <= web_sys::WebSocket::OPEN {
                    let _ = ws.close();
                }
            }
            Carrier::Relayed { worker, .. } => {
                worker.set_onmessage(None);
                worker.set_onerror(None);
                // The relay closes its socket and then ends itself.
                self.carrier.close(1000, "");
            }
        }
    }
}

/// What woke the open socket's loop.
enum Event {
    Link(Option<LinkEvent>),
    Control(Option<Control>),
    Tick,
}

/// What happened while waiting for the socket to open.
enum Opening {
    Ready,
    TimedOut,
    Closed,
    Failed,
}

async fn connect_once(
    url: &str,
    options: &SocketOptions,
    callbacks: &Wire,
    rx: &mut UnboundedReceiver<Control>,
    open: &Rc<Cell<bool>>,
    backoff: &mut Backoff,
) -> Ended {
    let mut link = match Link::open(url, options.relayed, callbacks.on_text.clone()) {
        Ok(link) => link,
        Err(reason) => {
            return Ended::Lost {
                reason,
                was_open: false,
            }
        }
    };
    let opening = {
        let timeout = sleep_ms(options.connect_timeout_ms).fuse();
        pin_mut!(timeout);
        loop {
            select! {
                event = link.events.next() => match event {
                    Some(LinkEvent::Open) => break Opening::Ready,
                    Some(LinkEvent::Closed { .. }) | None => break Opening::Failed,
                    Some(_) => {}
                },
                () = timeout => break Opening::TimedOut,
                control = rx.next() => match control {
                    Some(Control::Send(_, done)) => not_written(done),
                    Some(Control::Close) | None => break Opening::Closed,
                },
            }
        }
    };
    match opening {
        Opening::Ready => {}
        Opening::Closed => {
            link.close(1000, "client closed");
            return Ended::ByClient;
        }
        Opening::TimedOut => {
            link.close(1000, "took too long to open");
            return Ended::Lost {
                reason: format!("no answer within {} s", options.connect_timeout_ms / 1000.0),
                was_open: false,
            };
        }
        Opening::Failed => {
            return Ended::Lost {
                reason: "could not connect".into(),
                was_open: false,
            };
        }
    }

    open.set(true);
    backoff.reset();
    (callbacks.on_state)(SocketState::Open);

    let mut ping_seq = 0u64;
    let mut awaiting_pong = false;
    let tick = sleep_ms(options.heartbeat_ms).fuse();
    let mut tick = Box::pin(tick);
    loop {
        let event = {
            let mut link_event = link.events.next();
            let mut control = rx.next();
            select! {
                event = link_event => Event::Link(event),
                control = control => Event::Control(control),
                () = tick.as_mut() => Event::Tick,
            }
        };
        match event {
            Event::Tick => {
                tick = Box::pin(sleep_ms(options.heartbeat_ms).fuse());
                if link.heard() {
                    awaiting_pong = false;
                } else if awaiting_pong {
                    link.close(4000, "no answer to ping");
                    return Ended::Lost {
                        reason: "no answer to ping".into(),
                        was_open: true,
                    };
                } else {
                    ping_seq += 1;
                    if !link.send(&(callbacks.ping)(format!("heartbeat-{ping_seq}"))) {
                        return Ended::Lost {
                            reason: "the link failed".into(),
                            was_open: true,
                        };
                    }
                    awaiting_pong = true;
                }
            }
            Event::Control(Some(Control::Send(text, done))) => {
                let written = link.send(&text);
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
                link.close(1000, "client closed");
                return Ended::ByClient;
            }
            Event::Link(Some(LinkEvent::Unauthorized)) => {
                link.close(1000, "token rejected");
                return Ended::Unauthorized(
                    "the server no longer accepts the token: sign in again".into(),
                );
            }
            Event::Link(Some(LinkEvent::Binary(bytes))) => {
                (callbacks.on_malformed)(format!(
                    "{}: a binary frame of {bytes} bytes was ignored",
                    options.name,
                ));
            }
            Event::Link(Some(LinkEvent::Closed { code, reason })) => {
                if code == CLOSE_UNAUTHORIZED {
                    return Ended::Unauthorized(
                        "the server no longer accepts the token: sign in again".into(),
                    );
                }
                return Ended::Lost {
                    reason: close_reason(code, &reason),
                    was_open: true,
                };
            }
            Event::Link(Some(LinkEvent::Open)) => {}
            Event::Link(None) => {
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

#[cfg(test)]
mod tests {
    use super::relayed_frames;

    /// A batch as `relay.js` writes it.
    fn batch(frames: &[&[u8]]) -> Vec<u8> {
        frames
            .iter()
            .flat_map(|f| {
                (f.len() as u32)
                    .to_le_bytes()
                    .into_iter()
                    .chain(f.iter().copied())
            })
            .collect()
    }

    #[test]
    fn a_relayed_batch_gives_its_frames_in_order_by_their_byte_lengths() {
        let sun = "{\"message\":\"the Sun is at -14.2°, at or below -12°\"}";
        let sent = batch(&[sun.as_bytes(), b"", b"{}\x1e{}"]);
        let frames: Vec<_> = relayed_frames(&sent).collect();
        assert_eq!(frames, [sun, "", "{}\u{1e}{}"]);
    }

    #[test]
    fn a_frame_that_is_not_utf8_is_read_lossily_and_a_cut_batch_ends_at_its_last_whole_frame() {
        let mut cut = batch(&[b"ok\xff", b"{\"lost\":1}"]);
        cut.truncate(cut.len() - 1);
        let frames: Vec<_> = relayed_frames(&cut).collect();
        assert_eq!(frames, ["ok\u{fffd}"]);
        assert_eq!(relayed_frames(&[1, 0]).count(), 0, "not even a length");
    }
}
