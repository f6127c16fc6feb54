//! A small typed client for the simulator's integration tests.
//!
//! It knows only the published protocol, our recorded decisions and
//! `docs/simulator.md` (accounts, tokens, device uids): never the simulator's
//! code. Every wait is for a condition, bounded by a timeout.

// Each test file uses a different part of these helpers.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use skynet_protocol::{
    decode_snapshot, merge_snapshot, Ack, Command, CommandFilter, CommandId, CommandResult,
    CommandStatus, CommandStreamName, CommandsClientMessage, CommandsServerMessage, DeviceSnapshot,
    DeviceState, DeviceUid, ErrorCode, ErrorMessage, InstrumentSnapshot, LeaseData, LeaseEvent,
    LeaseId, LeaseInfo, LeaseRelease, Liveness, Message, MountState, Origin, PublishCommand,
    StreamClientMessage, StreamFilter, StreamName, StreamServerMessage, SubscribeCommands,
    SubscribeOptions, SubscribeStream, SubscriptionId, TelescopeSnapshot, TelescopeUid,
};
use skynode_sim::{serve, Options, Simulator, World};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tokio_tungstenite::WebSocketStream;

/// The default bound on every wait.
pub const WAIT: Duration = Duration::from_secs(10);

/// The uid of the built-in world's telescope called `name`.
pub fn telescope_named(name: &str) -> &'static str {
    static WORLD: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    WORLD
        .get_or_init(World::builtin)
        .telescopes
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("the built-in world has no telescope called {name}"))
        .telescope_uid
        .as_str()
}

/// The built-in world's telescopes, found by name (docs/simulator.md).
pub fn lapalma() -> &'static str {
    telescope_named("La Palma 1.0 m")
}

/// See [`lapalma`].
pub fn sidingspring() -> &'static str {
    telescope_named("Siding Spring 0.6 m")
}

/// The development tokens of the built-in accounts.
pub const OWNER: &str = "dev-owner-token";
pub const ASTRONOMER: &str = "dev-astronomer-token";
pub const ASTRONOMER_2: &str = "dev-astronomer-2-token";
pub const VIEWER: &str = "dev-viewer-token";

/// The commands endpoint.
pub const COMMANDS_PATH: &str = "/v1/ws/commands";
/// The stream endpoint.
pub const STREAM_PATH: &str = "/v1/ws/stream";

/// A device uid of the built-in world (docs/simulator.md): the version 5
/// UUID named by the device type in the telescope uid's namespace.
pub fn device_uid(telescope: &str, device_type: &str) -> DeviceUid {
    let namespace = uuid::Uuid::parse_str(telescope).expect("a telescope uid is a UUID");
    DeviceUid::from(uuid::Uuid::new_v5(&namespace, device_type.as_bytes()).to_string())
}

/// The six device uids of a built-in telescope.
pub fn all_device_uids(telescope: &str) -> Vec<DeviceUid> {
    [
        "ota",
        "mount",
        "camera",
        "focuser",
        "filter_wheel",
        "instrument_rotator",
    ]
    .iter()
    .map(|device_type| device_uid(telescope, device_type))
    .collect()
}

/// The observatory of a built-in telescope (docs/simulator.md).
pub fn observatory_of(telescope: &str) -> &'static str {
    static WORLD: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    WORLD
        .get_or_init(World::builtin)
        .telescopes
        .iter()
        .find(|t| t.telescope_uid.as_str() == telescope)
        .and_then(|t| t.observatory_uid.as_ref())
        .unwrap_or_else(|| panic!("telescope {telescope} has no observatory"))
        .as_str()
}

/// An observatory's device uids (docs/simulator.md): named by the device
/// type in the observatory uid's namespace, the weather sensor first.
pub fn observatory_device_uids(observatory: &str) -> Vec<DeviceUid> {
    ["weather_sensor", "enclosure"]
        .iter()
        .map(|device_type| device_uid(observatory, device_type))
        .collect()
}

// ---------------------------------------------------------------------------
// The simulator under test
// ---------------------------------------------------------------------------

/// One simulator serving on a free port of 127.0.0.1.
pub struct TestSim {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Kept alive for the whole test.
    pub sim: Simulator,
}

/// Starts a simulator with the built-in world at `time_scale` and serves it
/// on port 0.
pub async fn start_sim(time_scale: f64) -> TestSim {
    start_sim_with(Options {
        time_scale,
        ..Default::default()
    })
    .await
}

/// Starts a simulator with the built-in world and `options`, on port 0.
pub async fn start_sim_with(options: Options) -> TestSim {
    start_sim_on(World::builtin(), options).await
}

/// Starts a simulator with `world` and `options`, on port 0.
pub async fn start_sim_on(world: World, options: Options) -> TestSim {
    let sim = Simulator::start(world, options);
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding a free port on 127.0.0.1");
    let addr = listener
        .local_addr()
        .expect("the bound address of the listener");
    tokio::spawn(serve(listener, sim.clone()));
    TestSim { addr, sim }
}

// ---------------------------------------------------------------------------
// Raw WebSocket connections
// ---------------------------------------------------------------------------

/// A WebSocket over plain TCP.
pub type Ws = WebSocketStream<TcpStream>;

/// The URL of an endpoint, with `?token=` when a token is given.
pub fn ws_url(addr: SocketAddr, path: &str, token: Option<&str>) -> String {
    match token {
        Some(token) => format!("ws://{addr}{path}?token={token}"),
        None => format!("ws://{addr}{path}"),
    }
}

/// A handshake request for an endpoint; `bearer` goes into an
/// `Authorization: Bearer` header.
pub fn ws_request(
    addr: SocketAddr,
    path: &str,
    query_token: Option<&str>,
    bearer: Option<&str>,
) -> Request {
    let mut request = ws_url(addr, path, query_token)
        .into_client_request()
        .expect("a valid ws:// URL");
    if let Some(token) = bearer {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).expect("an ASCII header value"),
        );
    }
    request
}

/// Opens a WebSocket; the handshake's error (for example `Http` with a 401)
/// is returned as is.
pub async fn open_ws(addr: SocketAddr, request: Request) -> Result<Ws, tungstenite::Error> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(tungstenite::Error::Io)?;
    tcp.set_nodelay(true).map_err(tungstenite::Error::Io)?;
    open_ws_on(tcp, request).await
}

/// Runs the WebSocket handshake on an already connected socket.
pub async fn open_ws_on(tcp: TcpStream, request: Request) -> Result<Ws, tungstenite::Error> {
    let (ws, _response) = tokio_tungstenite::client_async(request, tcp).await?;
    Ok(ws)
}

/// The HTTP status of a refused upgrade, or `None` if the upgrade succeeded.
pub async fn upgrade_status(addr: SocketAddr, request: Request) -> Option<u16> {
    match open_ws(addr, request).await {
        Ok(_) => None,
        Err(tungstenite::Error::Http(response)) => Some(response.status().as_u16()),
        Err(other) => panic!("the upgrade failed other than with an HTTP status: {other}"),
    }
}

// ---------------------------------------------------------------------------
// The typed client
// ---------------------------------------------------------------------------

/// One endpoint: the message types of each direction and how to answer the
/// server's liveness probe.
pub trait Endpoint {
    /// Server to client.
    type In: Message + Debug + Clone;
    /// Client to server.
    type Out: Message + Debug;
    /// The path of the endpoint.
    const PATH: &'static str;
    /// `Some(id)` when the message is the server's `ping`.
    fn ping_id(message: &Self::In) -> Option<Option<String>>;
    /// The `pong` answering a server `ping`.
    fn pong(id: Option<String>) -> Self::Out;
    /// `ping` from the client.
    fn ping(id: &str) -> Self::Out;
    /// `Some(id)` when the message is a `pong`.
    fn pong_id(message: &Self::In) -> Option<Option<&str>>;
    /// `Some` when the message is an `ack`.
    fn ack(message: &Self::In) -> Option<&Ack>;
    /// `Some` when the message is an `error`.
    fn error(message: &Self::In) -> Option<&ErrorMessage>;
    /// Folds a snapshot delivery into what the client holds and puts the
    /// merged, whole snapshot in its place. Nothing for other messages.
    fn merge(_held: &mut HashMap<(String, String), Value>, _message: &mut Self::In) {}
}

/// `/v1/ws/commands`.
pub struct Commands;

impl Endpoint for Commands {
    type In = CommandsServerMessage;
    type Out = CommandsClientMessage;
    const PATH: &'static str = COMMANDS_PATH;

    fn ping_id(message: &Self::In) -> Option<Option<String>> {
        match message {
            CommandsServerMessage::Ping(ping) => Some(ping.id.clone()),
            _ => None,
        }
    }

    fn pong(id: Option<String>) -> Self::Out {
        CommandsClientMessage::Pong(Liveness { id })
    }

    fn ping(id: &str) -> Self::Out {
        CommandsClientMessage::Ping(Liveness {
            id: Some(id.to_owned()),
        })
    }

    fn pong_id(message: &Self::In) -> Option<Option<&str>> {
        match message {
            CommandsServerMessage::Pong(pong) => Some(pong.id.as_deref()),
            _ => None,
        }
    }

    fn ack(message: &Self::In) -> Option<&Ack> {
        match message {
            CommandsServerMessage::Ack(ack) => Some(ack),
            _ => None,
        }
    }

    fn error(message: &Self::In) -> Option<&ErrorMessage> {
        match message {
            CommandsServerMessage::Error(error) => Some(error),
            _ => None,
        }
    }
}

/// `/v1/ws/stream`.
pub struct Stream;

impl Endpoint for Stream {
    type In = StreamServerMessage;
    type Out = StreamClientMessage;
    const PATH: &'static str = STREAM_PATH;

    fn ping_id(message: &Self::In) -> Option<Option<String>> {
        match message {
            StreamServerMessage::Ping(ping) => Some(ping.id.clone()),
            _ => None,
        }
    }

    fn pong(id: Option<String>) -> Self::Out {
        StreamClientMessage::Pong(Liveness { id })
    }

    fn ping(id: &str) -> Self::Out {
        StreamClientMessage::Ping(Liveness {
            id: Some(id.to_owned()),
        })
    }

    fn pong_id(message: &Self::In) -> Option<Option<&str>> {
        match message {
            StreamServerMessage::Pong(pong) => Some(pong.id.as_deref()),
            _ => None,
        }
    }

    fn ack(message: &Self::In) -> Option<&Ack> {
        match message {
            StreamServerMessage::Ack(ack) => Some(ack),
            _ => None,
        }
    }

    fn error(message: &Self::In) -> Option<&ErrorMessage> {
        match message {
            StreamServerMessage::Error(error) => Some(error),
            _ => None,
        }
    }

    fn merge(held: &mut HashMap<(String, String), Value>, message: &mut Self::In) {
        let (stream, event) = match message {
            StreamServerMessage::DeviceSnapshot(e) => (StreamName::DeviceSnapshot, e),
            StreamServerMessage::TelescopeSnapshot(e) => (StreamName::TelescopeSnapshot, e),
            StreamServerMessage::InstrumentSnapshot(e) => (StreamName::InstrumentSnapshot, e),
            StreamServerMessage::ConstraintSnapshot(e) => (StreamName::ConstraintSnapshot, e),
            StreamServerMessage::ConstraintStatusSnapshot(e) => {
                (StreamName::ConstraintStatusSnapshot, e)
            }
            StreamServerMessage::ShutdownInterlockSnapshot(e) => {
                (StreamName::ShutdownInterlockSnapshot, e)
            }
            _ => return,
        };
        let resource = stream.resource_key(&event.snapshot).unwrap_or_else(|| {
            panic!(
                "a {stream} delivery names no resource: {:?}",
                event.snapshot
            )
        });
        let whole = held
            .entry((event.subscription_id.to_string(), resource))
            .or_insert(Value::Null);
        merge_snapshot(whole, std::mem::take(&mut event.snapshot));
        event.snapshot = whole.clone();
    }
}

/// How many recent frames a client remembers for failure messages.
const RECENT: usize = 12;

/// A typed client of one endpoint. Frames read while waiting for something
/// else are kept in a backlog, so a later wait still sees them.
pub struct Client<E: Endpoint> {
    ws: Ws,
    /// The merged snapshot of each (subscription, resource), when merging.
    held: HashMap<(String, String), Value>,
    /// Whether snapshot deliveries are merged before they are returned.
    merging: bool,
    backlog: VecDeque<E::In>,
    recent: VecDeque<String>,
    label: String,
    _endpoint: PhantomData<E>,
}

/// A client of `/v1/ws/commands`.
pub type CommandsClient = Client<Commands>;
/// A client of `/v1/ws/stream`.
pub type StreamClient = Client<Stream>;

impl<E: Endpoint> Client<E> {
    /// Connects with `?token=`, panicking if the upgrade is refused.
    pub async fn connect(addr: SocketAddr, token: &str) -> Self {
        let ws = open_ws(addr, ws_request(addr, E::PATH, Some(token), None))
            .await
            .unwrap_or_else(|e| panic!("connecting to {} with {token}: {e}", E::PATH));
        Self::from_ws(ws, format!("{} as {token}", E::PATH))
    }

    /// Wraps an open WebSocket.
    pub fn from_ws(ws: Ws, label: String) -> Self {
        Self {
            ws,
            held: HashMap::new(),
            merging: true,
            backlog: VecDeque::new(),
            recent: VecDeque::new(),
            label,
            _endpoint: PhantomData,
        }
    }

    /// Returns snapshot deliveries as sent (deltas included) instead of
    /// merged into whole snapshots.
    pub fn raw_snapshots(mut self) -> Self {
        self.merging = false;
        self
    }

    /// Sends a typed message.
    pub async fn send(&mut self, message: &E::Out) {
        self.send_raw(WsMessage::text(message.to_json())).await;
    }

    /// Sends a text frame as is (for malformed frames).
    pub async fn send_text(&mut self, text: &str) {
        self.send_raw(WsMessage::text(text.to_owned())).await;
    }

    /// Sends any frame.
    pub async fn send_raw(&mut self, frame: WsMessage) {
        let label = &self.label;
        tokio::time::timeout(WAIT, self.ws.send(frame))
            .await
            .unwrap_or_else(|_| panic!("{label}: sending a frame took longer than {WAIT:?}"))
            .unwrap_or_else(|e| panic!("{label}: sending a frame failed: {e}"));
    }

    /// The next message, backlog first; `None` when `timeout` passes first.
    /// Cancel-safe: usable in `tokio::select!`.
    pub async fn next_message(&mut self, timeout: Duration) -> Option<E::In> {
        if let Some(message) = self.backlog.pop_front() {
            return Some(message);
        }
        self.read(Instant::now() + timeout).await
    }

    /// Reads one message from the socket (not the backlog) before `deadline`.
    /// The server's `ping` is answered and skipped. Panics when the socket
    /// closes or the server sends a frame that does not decode.
    async fn read(&mut self, deadline: Instant) -> Option<E::In> {
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return None,
                Ok(None) => panic!(
                    "{}: the server closed the connection; recent frames: {:#?}",
                    self.label, self.recent
                ),
                Ok(Some(Err(e))) => panic!(
                    "{}: reading failed: {e}; recent frames: {:#?}",
                    self.label, self.recent
                ),
                Ok(Some(Ok(frame))) => frame,
            };
            let text = match frame {
                WsMessage::Text(text) => text,
                WsMessage::Close(close) => panic!(
                    "{}: the server closed the connection ({close:?}); recent frames: {:#?}",
                    self.label, self.recent
                ),
                WsMessage::Binary(bytes) => panic!(
                    "{}: the server sent a binary frame of {} bytes",
                    self.label,
                    bytes.len()
                ),
                // Control frames are answered by tungstenite itself.
                _ => continue,
            };
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent
                .push_back(text.as_str().chars().take(600).collect());
            let mut message = E::In::from_json(text.as_str()).unwrap_or_else(|e| {
                panic!(
                    "{}: the server sent a frame that does not decode ({e}): {}",
                    self.label,
                    text.as_str()
                )
            });
            if let Some(id) = E::ping_id(&message) {
                self.send(&E::pong(id)).await;
                continue;
            }
            if self.merging {
                E::merge(&mut self.held, &mut message);
            }
            return Some(message);
        }
    }

    /// The first message (backlog first) that matches, or `None` when
    /// `timeout` passes first. Messages that do not match stay in the
    /// backlog, in order.
    pub async fn try_next_matching(
        &mut self,
        timeout: Duration,
        mut predicate: impl FnMut(&E::In) -> bool,
    ) -> Option<E::In> {
        if let Some(index) = self.backlog.iter().position(&mut predicate) {
            return self.backlog.remove(index);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let message = self.read(deadline).await?;
            if predicate(&message) {
                return Some(message);
            }
            self.backlog.push_back(message);
        }
    }

    /// Like [`try_next_matching`](Self::try_next_matching), but a timeout is
    /// a test failure naming `what` was expected.
    pub async fn next_matching(
        &mut self,
        what: &str,
        timeout: Duration,
        predicate: impl FnMut(&E::In) -> bool,
    ) -> E::In {
        match self.try_next_matching(timeout, predicate).await {
            Some(message) => message,
            None => panic!(
                "{}: no {what} within {timeout:?}; recent frames: {:#?}",
                self.label, self.recent
            ),
        }
    }

    /// Forgets every message read so far and not yet matched.
    pub fn clear_backlog(&mut self) {
        self.backlog.clear();
    }

    /// The messages read so far and not yet matched.
    pub fn backlog(&self) -> &VecDeque<E::In> {
        &self.backlog
    }

    /// Sends `ping` with `id` and waits for the `pong` echoing it.
    pub async fn ping(&mut self, id: &str) {
        self.send(&E::ping(id)).await;
        self.next_matching(&format!("pong with id {id}"), WAIT, |m| {
            E::pong_id(m) == Some(Some(id))
        })
        .await;
    }

    /// Waits for the `ack` whose id is `id`; an `error` with that id fails.
    pub async fn expect_ack(&mut self, id: &str) -> Ack {
        let message = self
            .next_matching(&format!("ack or error with id {id}"), WAIT, |m| {
                E::ack(m).is_some_and(|a| a.id.as_deref() == Some(id))
                    || E::error(m).is_some_and(|e| e.id.as_deref() == Some(id))
            })
            .await;
        if let Some(error) = E::error(&message) {
            panic!("{}: expected an ack for {id}, got {error:?}", self.label);
        }
        E::ack(&message).cloned().expect("the matched ack")
    }

    /// Waits for the `error` whose id is `id`; an `ack` with that id fails.
    pub async fn expect_error(&mut self, id: &str) -> ErrorMessage {
        let message = self
            .next_matching(&format!("error with id {id}"), WAIT, |m| {
                E::ack(m).is_some_and(|a| a.id.as_deref() == Some(id))
                    || E::error(m).is_some_and(|e| e.id.as_deref() == Some(id))
            })
            .await;
        match E::error(&message) {
            Some(error) => error.clone(),
            None => panic!(
                "{}: expected an error for {id}, got {message:?}",
                self.label
            ),
        }
    }

    /// The next `error` message whatever its id.
    pub async fn next_error(&mut self, what: &str) -> ErrorMessage {
        let message = self
            .next_matching(what, WAIT, |m| E::error(m).is_some())
            .await;
        E::error(&message).cloned().expect("the matched error")
    }

    /// Closes the socket politely (close code 1000).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(WAIT, self.ws.close(None)).await;
    }

    /// The raw socket, for tests that misbehave on purpose.
    pub fn into_ws(self) -> Ws {
        self.ws
    }
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/// The Origin record the tests send.
pub fn origin() -> Origin {
    Origin {
        client: "skynode-sim-tests/0.1".to_owned(),
        session_id: uuid::Uuid::new_v4().to_string(),
        user_agent: None,
    }
}

/// A `publish_command` message.
pub fn publish_message(telescope: &str, id: CommandId, command: Command) -> CommandsClientMessage {
    CommandsClientMessage::PublishCommand(PublishCommand {
        telescope_uid: TelescopeUid::from(telescope),
        command_id: id,
        command,
        origin: Some(origin()),
    })
}

/// A `cancel_command` message.
pub fn cancel_message(id: CommandId) -> CommandsClientMessage {
    CommandsClientMessage::CancelCommand(skynet_protocol::CancelCommand { command_id: id })
}

impl Client<Commands> {
    /// Subscribes to the `command_result` stream of one telescope and waits
    /// for the ack.
    pub async fn subscribe_results(&mut self, telescope: &str) -> SubscriptionId {
        let id = SubscriptionId::from(format!("results-{telescope}-{}", uuid::Uuid::new_v4()));
        self.send(&CommandsClientMessage::SubscribeCommands(
            SubscribeCommands {
                subscription_id: id.clone(),
                filter: CommandFilter {
                    telescope_uid: Some(TelescopeUid::from(telescope)),
                },
                streams: Some(vec![CommandStreamName::CommandResult]),
            },
        ))
        .await;
        self.expect_ack(id.as_str()).await;
        id
    }

    /// Publishes a command under a fresh id and returns the id.
    pub async fn publish(&mut self, telescope: &str, command: Command) -> CommandId {
        let id = CommandId::new_v4();
        self.send(&publish_message(telescope, id, command)).await;
        id
    }

    /// Asks for a command to be canceled.
    pub async fn cancel(&mut self, id: CommandId) {
        self.send(&cancel_message(id)).await;
    }

    /// Waits up to `timeout` for the result of `id`; an `error` message
    /// answering the publish fails the test.
    pub async fn wait_for_result_within(
        &mut self,
        id: CommandId,
        timeout: Duration,
    ) -> CommandResult {
        let key = id.to_string();
        let message = self
            .next_matching(&format!("result of {id}"), timeout, |m| match m {
                CommandsServerMessage::CommandResult(event) => event.result.command_id == id,
                CommandsServerMessage::Error(error) => error.id.as_deref() == Some(&key),
                _ => false,
            })
            .await;
        match message {
            CommandsServerMessage::CommandResult(event) => event.result,
            other => panic!("expected the result of {id}, the publish was answered {other:?}"),
        }
    }

    /// Waits for the result of `id` (up to [`WAIT`]).
    pub async fn wait_for_result(&mut self, id: CommandId) -> CommandResult {
        self.wait_for_result_within(id, WAIT).await
    }

    /// The result of `id` if one arrives within `timeout`.
    pub async fn try_result(&mut self, id: CommandId, timeout: Duration) -> Option<CommandResult> {
        match self
            .try_next_matching(timeout, |m| {
                matches!(m, CommandsServerMessage::CommandResult(e) if e.result.command_id == id)
            })
            .await
        {
            Some(CommandsServerMessage::CommandResult(event)) => Some(event.result),
            _ => None,
        }
    }

    /// Publishes and waits for the result.
    pub async fn run(&mut self, telescope: &str, command: Command) -> CommandResult {
        let id = self.publish(telescope, command).await;
        self.wait_for_result(id).await
    }

    /// Publishes and expects an `ok` result, returning it.
    pub async fn run_ok(&mut self, telescope: &str, command: Command) -> CommandResult {
        let what = command.tag().to_owned();
        let result = self.run(telescope, command).await;
        assert_ok(&result, &what);
        result
    }

    /// Acquires a lease (expects `ok`) and returns its data.
    pub async fn acquire_lease(&mut self, telescope: &str, duration_s: f64) -> LeaseData {
        let result = self
            .run_ok(
                telescope,
                Command::LeaseAcquire(skynet_protocol::LeaseAcquire {
                    duration_s,
                    purpose: Some("integration test".to_owned()),
                }),
            )
            .await;
        data_of::<LeaseData>(&result)
    }

    /// Releases a lease (expects `ok`).
    pub async fn release_lease(&mut self, telescope: &str, lease_id: &LeaseId) -> CommandResult {
        self.run_ok(
            telescope,
            Command::LeaseRelease(LeaseRelease {
                lease_id: lease_id.clone(),
            }),
        )
        .await
    }
}

/// Fails unless the result is `ok`.
pub fn assert_ok(result: &CommandResult, what: &str) {
    assert_eq!(
        result.status,
        CommandStatus::Ok,
        "{what} should succeed, got {result:?}"
    );
}

/// Fails unless the result is an error with `code`.
pub fn assert_result_error(result: &CommandResult, code: ErrorCode, what: &str) {
    assert_eq!(
        result.status,
        CommandStatus::Error,
        "{what}: expected status error ({code}), got {result:?}"
    );
    let error = result
        .error
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: a result with status error carries `error`"));
    assert_eq!(error.code, code, "{what}: error code, in {result:?}");
}

/// The result's `data` decoded as `T`.
pub fn data_of<T: serde::de::DeserializeOwned>(result: &CommandResult) -> T {
    result
        .data_as::<T>()
        .unwrap_or_else(|| panic!("the result carries data: {result:?}"))
        .unwrap_or_else(|e| panic!("the result's data decodes ({e}): {result:?}"))
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

/// A filter on one telescope.
pub fn telescope_filter(telescope: &str) -> StreamFilter {
    StreamFilter {
        telescope_uid: Some(TelescopeUid::from(telescope)),
        ..Default::default()
    }
}

/// A filter on one device.
pub fn device_filter(device: &DeviceUid) -> StreamFilter {
    StreamFilter {
        device_uid: Some(device.clone()),
        ..Default::default()
    }
}

/// A `subscribe_stream` message.
pub fn subscribe_message(
    id: &str,
    stream: StreamName,
    filter: StreamFilter,
    include_existing: Option<bool>,
) -> StreamClientMessage {
    StreamClientMessage::Subscribe(SubscribeStream {
        subscription_id: SubscriptionId::from(id),
        stream,
        filter,
        options: include_existing.map(|include| SubscribeOptions {
            include_existing: Some(include),
        }),
    })
}

impl Client<Stream> {
    /// Subscribes `id` to one device's snapshots (retained first) and waits
    /// for the ack.
    pub async fn watch_device(&mut self, id: &str, device: &DeviceUid) {
        self.subscribe(id, StreamName::DeviceSnapshot, device_filter(device), None)
            .await;
    }

    /// Subscribes `id` to `stream` for one telescope (retained first) and
    /// waits for the ack.
    pub async fn watch(&mut self, id: &str, stream: StreamName, telescope: &str) {
        self.subscribe(id, stream, telescope_filter(telescope), None)
            .await;
    }

    /// Subscribes and waits for the ack.
    pub async fn subscribe(
        &mut self,
        id: &str,
        stream: StreamName,
        filter: StreamFilter,
        include_existing: Option<bool>,
    ) {
        self.send(&subscribe_message(id, stream, filter, include_existing))
            .await;
        self.expect_ack(id).await;
    }

    /// The next device snapshot on subscription `sub` that satisfies `predicate`.
    pub async fn next_device_snapshot(
        &mut self,
        what: &str,
        sub: &str,
        timeout: Duration,
        mut predicate: impl FnMut(&DeviceSnapshot) -> bool,
    ) -> (u64, DeviceSnapshot) {
        let message = self
            .next_matching(what, timeout, |m| {
                device_snapshot(m, sub).is_some_and(|(_, s)| predicate(&s))
            })
            .await;
        device_snapshot(&message, sub).expect("matched a device snapshot")
    }

    /// The next mount snapshot on `sub` whose state satisfies `predicate`.
    pub async fn next_mount_state(
        &mut self,
        what: &str,
        sub: &str,
        timeout: Duration,
        mut predicate: impl FnMut(&MountState) -> bool,
    ) -> MountState {
        let (_, snapshot) = self
            .next_device_snapshot(what, sub, timeout, |s| {
                mount_state(s).is_some_and(&mut predicate)
            })
            .await;
        mount_state(&snapshot).cloned().expect("a mount state")
    }

    /// The next telescope snapshot on `sub` that satisfies `predicate`.
    pub async fn next_telescope_snapshot(
        &mut self,
        what: &str,
        sub: &str,
        mut predicate: impl FnMut(&TelescopeSnapshot) -> bool,
    ) -> TelescopeSnapshot {
        match self
            .next_matching(what, WAIT, |m| match m {
                StreamServerMessage::TelescopeSnapshot(e) => {
                    e.subscription_id.as_str() == sub && predicate(&whole(&e.snapshot))
                }
                _ => false,
            })
            .await
        {
            StreamServerMessage::TelescopeSnapshot(event) => whole(&event.snapshot),
            other => unreachable!("matched a telescope snapshot, got {other:?}"),
        }
    }

    /// The lease of the next lease event on `sub` that satisfies
    /// `predicate`; a test failure when a lease does not decode.
    pub async fn next_lease_event(
        &mut self,
        what: &str,
        sub: &str,
        mut predicate: impl FnMut(&LeaseInfo) -> bool,
    ) -> LeaseInfo {
        let lease = |e: &LeaseEvent| {
            e.lease()
                .unwrap_or_else(|why| panic!("a lease event that does not decode ({why}): {e:?}"))
        };
        match self
            .next_matching(what, WAIT, |m| match m {
                StreamServerMessage::ManualControlLease(e) => {
                    e.subscription_id.as_str() == sub && predicate(&lease(e))
                }
                _ => false,
            })
            .await
        {
            StreamServerMessage::ManualControlLease(event) => lease(&event),
            other => unreachable!("matched a lease event, got {other:?}"),
        }
    }
}

/// The typed reading of a merged (whole) snapshot; a test failure when it
/// does not decode.
pub fn whole<T: serde::de::DeserializeOwned>(snapshot: &Value) -> T {
    decode_snapshot(snapshot)
        .unwrap_or_else(|e| panic!("the merged snapshot does not decode ({e}): {snapshot}"))
}

/// The device snapshot (with its seq) if the message is one delivered on `sub`.
pub fn device_snapshot(message: &StreamServerMessage, sub: &str) -> Option<(u64, DeviceSnapshot)> {
    match message {
        StreamServerMessage::DeviceSnapshot(e) if e.subscription_id.as_str() == sub => {
            Some((e.seq, whole(&e.snapshot)))
        }
        _ => None,
    }
}

/// The instrument snapshot if the message is one delivered on `sub`.
pub fn instrument_snapshot(message: &StreamServerMessage, sub: &str) -> Option<InstrumentSnapshot> {
    match message {
        StreamServerMessage::InstrumentSnapshot(e) if e.subscription_id.as_str() == sub => {
            Some(whole(&e.snapshot))
        }
        _ => None,
    }
}

/// The mount state of a snapshot, if it is a mount's.
pub fn mount_state(snapshot: &DeviceSnapshot) -> Option<&MountState> {
    match &snapshot.state {
        DeviceState::Mount(state) => Some(state),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------

/// Angular distance between two points of a sphere, degrees (haversine).
pub fn separation_deg(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (lat1, lat2) = (lat1.to_radians(), lat2.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (lon2 - lon1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * h.sqrt().min(1.0).asin().to_degrees()
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

/// A plain HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header of that (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` over HTTP/1.1 with `Connection: close`.
pub async fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    http_request(addr, "GET", path, None).await
}

/// `POST path` with a form body (`application/x-www-form-urlencoded`).
pub async fn http_post_form(addr: SocketAddr, path: &str, form: &str) -> HttpResponse {
    http_request(addr, "POST", path, Some(form)).await
}

/// One HTTP/1.1 request with `Connection: close`; a body goes as a form.
pub async fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    form: Option<&str>,
) -> HttpResponse {
    let exchange = async {
        let mut tcp = TcpStream::connect(addr)
            .await
            .expect("connecting for an HTTP request");
        let body = form.unwrap_or("");
        let content = if form.is_some() {
            format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            )
        } else {
            String::new()
        };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n{content}\r\n{body}"
        );
        tcp.write_all(request.as_bytes())
            .await
            .expect("writing the HTTP request");
        let mut raw = Vec::new();
        tcp.read_to_end(&mut raw)
            .await
            .expect("reading the HTTP response");
        raw
    };
    let raw = tokio::time::timeout(WAIT, exchange)
        .await
        .unwrap_or_else(|_| panic!("{method} {path} took longer than {WAIT:?}"));
    parse_http_response(&raw)
}

fn parse_http_response(raw: &[u8]) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response with a blank line after the headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status code in {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .unwrap_or_else(|_| panic!("a hexadecimal chunk size, got {size_text:?}"));
        raw = &raw[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// The eight bytes every PNG file starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
