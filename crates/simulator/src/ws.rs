//! The two WebSocket endpoints. Each socket has a reader loop that handles
//! frames and bus events, and a writer task draining a bounded queue: a
//! client that does not read is disconnected, never waited for.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use skynet_protocol::{
    correlation_id, snapshot_delta, Ack, CommandEvent, CommandResultEvent, CommandStreamName,
    CommandsClientMessage, CommandsServerMessage, DeviceSnapshot, ErrorCode, ErrorMessage,
    LeaseEvent, Liveness, LogEvent, Message, ProtocolError, SnapshotEvent, StreamClientMessage,
    StreamFilter, StreamName, StreamServerMessage, SubscribeCommands, SubscribeStream,
    SubscriptionId, TelescopeUid,
};
use tokio::sync::{broadcast, mpsc};

use crate::sim::{Cut, Event, Simulator};

/// Which endpoint a socket is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/v1/ws/commands`.
    Commands,
    /// `/v1/ws/stream`.
    Stream,
}

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Self::Commands => "/v1/ws/commands",
            Self::Stream => "/v1/ws/stream",
        }
    }
}

/// Frames queued per socket before the client counts as too slow.
const OUT_QUEUE: usize = 1024;
/// Close code for a client that does not keep up [ours].
const CLOSE_TOO_SLOW: u16 = 4008;
/// Frames a client may send per second, and in one burst.
const RATE_PER_S: f64 = 50.0;
const RATE_BURST: f64 = 200.0;
/// How long a frozen socket is held open at most.
const FREEZE_HOLD: Duration = Duration::from_secs(60);
/// How often the server pings.
const PING_EVERY: Duration = Duration::from_secs(30);

/// Why a socket's loop ended.
enum End {
    /// The client closed or the connection dropped.
    Gone,
    /// The client did not read fast enough.
    TooSlow,
    /// A test hook dropped the connection.
    Dropped,
    /// A test hook froze the connection.
    Frozen,
    /// The token lapsed or was revoked: `unauthorized`, then close 4401.
    Unauthorized(&'static str),
}

/// Close code for a token that is no longer accepted [ours].
const CLOSE_UNAUTHORIZED: u16 = 4401;

/// A token bucket: frames past the rate are dropped and answered with one
/// `rate_limited` error per second.
struct RateLimit {
    tokens: f64,
    last: Instant,
    warned: Option<Instant>,
}

impl RateLimit {
    fn new() -> Self {
        Self {
            tokens: RATE_BURST,
            last: Instant::now(),
            warned: None,
        }
    }

    /// `Ok(())` to handle the frame; `Err(warn)` to drop it, warning if due.
    fn take(&mut self) -> Result<(), bool> {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * RATE_PER_S;
        self.tokens = (self.tokens + refill).min(RATE_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let warn = self
            .warned
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        if warn {
            self.warned = Some(now);
        }
        Err(warn)
    }
}

/// One command subscription.
struct CommandSub {
    telescope: Option<TelescopeUid>,
    commands: bool,
    results: bool,
}

/// One socket's state.
struct Conn {
    sim: Simulator,
    account: String,
    endpoint: Endpoint,
    out: mpsc::Sender<WsMessage>,
    seq: u64,
    command_subs: HashMap<SubscriptionId, CommandSub>,
    stream_subs: HashMap<SubscriptionId, SubscribeStream>,
    /// Per stream subscription, the last snapshot delivered of each
    /// resource (by `StreamName::resource_key`): later ones go as deltas.
    delivered: HashMap<SubscriptionId, HashMap<String, Value>>,
    limit: RateLimit,
}

/// Serves one upgraded socket until it closes.
pub async fn serve_socket(
    socket: WebSocket,
    sim: Simulator,
    authorized: crate::oauth::Authorized,
    endpoint: Endpoint,
) {
    let crate::oauth::Authorized {
        account,
        grant,
        expires,
    } = authorized;
    let (mut sink, mut frames) = socket.split();
    let (out, mut queue) = mpsc::channel::<WsMessage>(OUT_QUEUE);
    let writer = tokio::spawn(async move {
        while let Some(message) = queue.recv().await {
            let closing = matches!(message, WsMessage::Close(_));
            if sink.send(message).await.is_err() || closing {
                break;
            }
        }
    });
    let mut events = sim.subscribe();
    let mut conn = Conn {
        sim,
        account,
        endpoint,
        out,
        seq: 0,
        command_subs: HashMap::new(),
        stream_subs: HashMap::new(),
        delivered: HashMap::new(),
        limit: RateLimit::new(),
    };
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let mut pings = 0u64;
    // A development token never lapses.
    let lapse =
        tokio::time::sleep_until(expires.map(tokio::time::Instant::from_std).unwrap_or_else(
            || tokio::time::Instant::now() + Duration::from_secs(100 * 365 * 86_400),
        ));
    tokio::pin!(lapse);
    let end = loop {
        let step = tokio::select! {
            () = &mut lapse => Err(End::Unauthorized("the access token expired; sign in again")),
            frame = frames.next() => match frame {
                Some(Ok(frame)) => conn.on_frame(frame),
                _ => Err(End::Gone),
            },
            event = events.recv() => match event {
                Ok(Event::Revoked(grants)) if grant.is_some_and(|g| grants.contains(&g)) => {
                    Err(End::Unauthorized("the access token was revoked; sign in again"))
                }
                Ok(event) => conn.on_event(&event),
                Err(broadcast::error::RecvError::Lagged(_)) => Err(End::TooSlow),
                Err(broadcast::error::RecvError::Closed) => Err(End::Gone),
            },
            _ = ping.tick() => {
                pings += 1;
                let id = Some(format!("server-{pings}"));
                match endpoint {
                    Endpoint::Commands => conn.send(&CommandsServerMessage::Ping(Liveness { id })),
                    Endpoint::Stream => conn.send(&StreamServerMessage::Ping(Liveness { id })),
                }
            }
        };
        if let Err(end) = step {
            break end;
        }
    };
    if let End::TooSlow = end {
        tracing::info!(account = %conn.account, "closing a socket that does not keep up");
        let close = WsMessage::Close(Some(CloseFrame {
            code: CLOSE_TOO_SLOW,
            reason: Utf8Bytes::from_static("client too slow"),
        }));
        // The queue is full: the close frame may not fit, and the writer may
        // be stuck on a client that does not read. Do not wait for either.
        if conn.out.try_send(close).is_err() {
            writer.abort();
        }
    }
    if let End::Unauthorized(why) = end {
        tracing::info!(account = %conn.account, "closing a socket whose token lapsed");
        let error = ErrorMessage {
            code: ErrorCode::Unauthorized,
            message: why.to_owned(),
            details: None,
            id: None,
        };
        let _ = match endpoint {
            Endpoint::Commands => conn.send(&CommandsServerMessage::Error(error)),
            Endpoint::Stream => conn.send(&StreamServerMessage::Error(error)),
        };
        let _ = conn.out.try_send(WsMessage::Close(Some(CloseFrame {
            code: CLOSE_UNAUTHORIZED,
            reason: Utf8Bytes::from_static("unauthorized"),
        })));
    }
    if let End::Dropped = end {
        tracing::info!(account = %conn.account, "dropping a socket (test hook)");
        writer.abort();
    }
    if let End::Frozen = end {
        tracing::info!(account = %conn.account, "freezing a socket (test hook)");
        writer.abort();
        drop(events);
        // Nothing goes out; what comes in is read and ignored until the
        // client gives up on the link (or for FREEZE_HOLD at most).
        let _ = tokio::time::timeout(FREEZE_HOLD, async {
            while let Some(Ok(_)) = frames.next().await {}
        })
        .await;
    }
    drop(conn);
    if tokio::time::timeout(Duration::from_secs(2), &mut { writer })
        .await
        .is_err()
    {
        tracing::debug!("writer did not finish in time");
    }
}

impl Conn {
    fn send(&mut self, message: &impl Message) -> Result<(), End> {
        let text = message.to_json();
        match self.out.try_send(WsMessage::Text(text.into())) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => Err(End::TooSlow),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(End::Gone),
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn send_error(&mut self, error: ErrorMessage) -> Result<(), End> {
        match self.endpoint {
            Endpoint::Commands => self.send(&CommandsServerMessage::Error(error)),
            Endpoint::Stream => self.send(&StreamServerMessage::Error(error)),
        }
    }

    fn send_ack(&mut self, id: String) -> Result<(), End> {
        let ack = Ack { id: Some(id) };
        match self.endpoint {
            Endpoint::Commands => self.send(&CommandsServerMessage::Ack(ack)),
            Endpoint::Stream => self.send(&StreamServerMessage::Ack(ack)),
        }
    }

    fn on_frame(&mut self, frame: WsMessage) -> Result<(), End> {
        let text = match frame {
            WsMessage::Text(text) => text,
            WsMessage::Binary(_) => {
                if !self.admit()? {
                    return Ok(());
                }
                return self.send_error(invalid(
                    None,
                    None,
                    "binary frames are not accepted; send JSON text frames",
                ));
            }
            WsMessage::Close(_) => return Err(End::Gone),
            // Protocol-level pings are answered by the WebSocket layer.
            WsMessage::Ping(_) | WsMessage::Pong(_) => return Ok(()),
        };
        if !self.admit()? {
            return Ok(());
        }
        match self.endpoint {
            Endpoint::Commands => match decode::<CommandsClientMessage>(&text) {
                Ok(message) => self.on_command_message(message),
                Err(error) => self.send_error(error),
            },
            Endpoint::Stream => match decode::<StreamClientMessage>(&text) {
                Ok(message) => self.on_stream_message(message),
                Err(error) => self.send_error(error),
            },
        }
    }

    /// Applies the rate limit: `Ok(false)` drops the frame.
    fn admit(&mut self) -> Result<bool, End> {
        match self.limit.take() {
            Ok(()) => Ok(true),
            Err(warn) => {
                if warn {
                    self.send_error(ErrorMessage {
                        code: ErrorCode::RateLimited,
                        message: format!(
                            "more than {RATE_PER_S} frames per second: frames are being dropped; slow down"
                        ),
                        details: None,
                        id: None,
                    })?;
                }
                Ok(false)
            }
        }
    }

    fn on_command_message(&mut self, message: CommandsClientMessage) -> Result<(), End> {
        match message {
            // A client's ack answers nothing of ours: accepted silently.
            CommandsClientMessage::Ack(_) => Ok(()),
            CommandsClientMessage::SubscribeCommands(sub) => self.subscribe_commands(sub),
            CommandsClientMessage::UnsubscribeCommands(u) => {
                let id = u.subscription_id;
                if self.command_subs.remove(&id).is_some() {
                    self.send_ack(id.0)
                } else {
                    self.send_error(not_found_subscription(&id))
                }
            }
            CommandsClientMessage::PublishCommand(publish) => {
                match self.sim.publish(&self.account, publish) {
                    Ok(()) => Ok(()),
                    Err(error) => self.send_error(error),
                }
            }
            CommandsClientMessage::CancelCommand(cancel) => {
                let id = cancel.command_id;
                match self.sim.cancel(&self.account, id) {
                    Ok(()) => self.send_ack(id.to_string()),
                    Err(error) => self.send_error(error),
                }
            }
            CommandsClientMessage::Ping(ping) => self.send(&CommandsServerMessage::Pong(ping)),
            CommandsClientMessage::Pong(_) => Ok(()),
            CommandsClientMessage::Unknown(unknown) => {
                let error = unknown_kind(&unknown.tag, &unknown.raw, self.endpoint);
                self.send_error(error)
            }
        }
    }

    fn subscribe_commands(&mut self, sub: SubscribeCommands) -> Result<(), End> {
        let id = sub.subscription_id;
        if let Some(telescope) = &sub.filter.telescope_uid {
            if self.sim.access(&self.account, telescope).is_none() {
                return self.send_error(unknown_telescope(telescope, &self.account, &id));
            }
        }
        if self.command_subs.contains_key(&id) || id.0.is_empty() {
            return self.send_error(invalid(
                Some("subscription_id"),
                Some(id.0.clone()),
                "subscription_id must be non-empty and not already in use on this socket",
            ));
        }
        let streams = sub
            .streams
            .unwrap_or_else(|| vec![CommandStreamName::Command, CommandStreamName::CommandResult]);
        if let Some(other) = streams.iter().find(|s| !s.is_known()) {
            return self.send_error(invalid(
                Some("streams"),
                Some(id.0.clone()),
                &format!("unknown command stream `{other}`; use command or command_result"),
            ));
        }
        self.command_subs.insert(
            id.clone(),
            CommandSub {
                telescope: sub.filter.telescope_uid,
                commands: streams.contains(&CommandStreamName::Command),
                results: streams.contains(&CommandStreamName::CommandResult),
            },
        );
        self.send_ack(id.0)
    }

    fn on_stream_message(&mut self, message: StreamClientMessage) -> Result<(), End> {
        match message {
            // A client's ack answers nothing of ours: accepted silently.
            StreamClientMessage::Ack(_) => Ok(()),
            StreamClientMessage::Subscribe(sub) => self.subscribe_stream(sub),
            StreamClientMessage::Unsubscribe(u) => {
                let id = u.subscription_id;
                self.delivered.remove(&id);
                if self.stream_subs.remove(&id).is_some() {
                    self.send_ack(id.0)
                } else {
                    self.send_error(not_found_subscription(&id))
                }
            }
            StreamClientMessage::Ping(ping) => self.send(&StreamServerMessage::Pong(ping)),
            StreamClientMessage::Pong(_) => Ok(()),
            StreamClientMessage::Unknown(unknown) => {
                let error = unknown_kind(&unknown.tag, &unknown.raw, self.endpoint);
                self.send_error(error)
            }
        }
    }

    fn subscribe_stream(&mut self, sub: SubscribeStream) -> Result<(), End> {
        let id = sub.subscription_id.clone();
        if !sub.stream.is_known() {
            let known: Vec<&str> = StreamName::KNOWN.iter().map(StreamName::as_str).collect();
            return self.send_error(invalid(
                Some("stream"),
                Some(id.0.clone()),
                &format!(
                    "unknown stream `{}`; streams are {}",
                    sub.stream,
                    known.join(", ")
                ),
            ));
        }
        if let Some(telescope) = &sub.filter.telescope_uid {
            if self.sim.access(&self.account, telescope).is_none() {
                return self.send_error(unknown_telescope(telescope, &self.account, &id));
            }
        }
        if self.stream_subs.contains_key(&id) || id.0.is_empty() {
            return self.send_error(invalid(
                Some("subscription_id"),
                Some(id.0.clone()),
                "subscription_id must be non-empty and not already in use on this socket",
            ));
        }
        self.send_ack(id.0.clone())?;
        let replay = sub.include_existing();
        self.stream_subs.insert(id.clone(), sub);
        if replay {
            self.replay(&id)?;
        }
        Ok(())
    }

    /// Sends a new subscription the retained state of what it matches.
    fn replay(&mut self, id: &SubscriptionId) -> Result<(), End> {
        let telescopes: Vec<TelescopeUid> = self
            .sim
            .world()
            .telescopes
            .iter()
            .map(|t| t.telescope_uid.clone())
            .filter(|uid| self.sim.access(&self.account, uid).is_some())
            .collect();
        for uid in telescopes {
            let retained = self.sim.retained(&uid);
            let mut events = vec![Event::Telescope(uid.clone())];
            events.extend(retained.devices.into_iter().map(Event::Device));
            events.extend(retained.instrument.map(Event::Instrument));
            events.extend(retained.lease.map(Event::Lease));
            events.extend(retained.logs.into_iter().map(Event::Log));
            for event in events {
                self.deliver_stream(&event, Some(id))?;
            }
        }
        for event in self.sim.retained_safety() {
            if self.visible(&event) {
                self.deliver_stream(&event, Some(id))?;
            }
        }
        Ok(())
    }

    /// Whether the account may see what an event concerns: its telescope,
    /// or for an observatory's own, some telescope of the observatory.
    fn visible(&self, event: &Event) -> bool {
        match (event.telescope_uid(), event.observatory_uid()) {
            (Some(uid), _) => self.sim.access(&self.account, uid).is_some(),
            (None, Some(observatory)) => self.sim.sees_observatory(&self.account, observatory),
            (None, None) => false,
        }
    }

    fn on_event(&mut self, event: &Event) -> Result<(), End> {
        if let Event::CutSockets(cut, account) = event {
            return match account {
                Some(account) if *account != self.account => Ok(()),
                _ => Err(match cut {
                    Cut::Drop => End::Dropped,
                    Cut::Freeze => End::Frozen,
                }),
            };
        }
        // Nothing of a telescope the account may not see.
        if !self.visible(event) {
            return Ok(());
        }
        match self.endpoint {
            Endpoint::Commands => self.deliver_command(event),
            Endpoint::Stream => self.deliver_stream(event, None),
        }
    }

    fn deliver_command(&mut self, event: &Event) -> Result<(), End> {
        let Some(telescope) = event.telescope_uid() else {
            return Ok(());
        };
        let targets: Vec<SubscriptionId> = self
            .command_subs
            .iter()
            .filter(|(_, s)| s.telescope.as_ref().is_none_or(|t| t == telescope))
            .filter(|(_, s)| match event {
                Event::Command(_) => s.commands,
                Event::Result(_) => s.results,
                _ => false,
            })
            .map(|(id, _)| id.clone())
            .collect();
        for subscription_id in targets {
            let message = match event {
                Event::Command(c) => CommandsServerMessage::Command(CommandEvent {
                    subscription_id,
                    command_id: c.command_id,
                    telescope_uid: c.telescope_uid.clone(),
                    command: c.command.clone(),
                    origin: c.origin.clone(),
                    published_at: c.published_at.clone(),
                    account: Some(c.account.clone()),
                }),
                Event::Result(r) => CommandsServerMessage::CommandResult(CommandResultEvent {
                    subscription_id,
                    result: (**r).clone(),
                }),
                _ => continue,
            };
            self.send(&message)?;
        }
        Ok(())
    }

    /// Delivers a stream event to the matching subscriptions (or only to
    /// `only`, for a replay).
    fn deliver_stream(&mut self, event: &Event, only: Option<&SubscriptionId>) -> Result<(), End> {
        let telescope = event.telescope_uid().cloned();
        let stream = match event {
            Event::Device(_) => StreamName::DeviceSnapshot,
            Event::Telescope(_) => StreamName::TelescopeSnapshot,
            Event::Instrument(_) => StreamName::InstrumentSnapshot,
            Event::Lease(_) => StreamName::ManualControlLease,
            Event::Log(_) => StreamName::TelescopeLog,
            Event::Constraint(_) => StreamName::ConstraintSnapshot,
            Event::ConstraintStatus { .. } => StreamName::ConstraintStatusSnapshot,
            Event::Interlock(_) => StreamName::ShutdownInterlockSnapshot,
            Event::Command(_) | Event::Result(_) | Event::CutSockets(..) | Event::Revoked(_) => {
                return Ok(())
            }
        };
        let device = match event {
            Event::Device(s) => Some(&**s),
            _ => None,
        };
        let observatory = event.observatory_uid().cloned().or_else(|| {
            telescope
                .as_ref()
                .and_then(|t| self.sim.telescope_config(t))
                .and_then(|t| t.observatory_uid.clone())
        });
        let scope = Scope {
            telescope: telescope.as_ref(),
            observatory: observatory.as_ref(),
        };
        let targets: Vec<SubscriptionId> = self
            .stream_subs
            .iter()
            .filter(|(id, s)| only.is_none_or(|o| o == *id) && s.stream == stream)
            .filter(|(_, s)| self.matches(&s.filter, &scope, device))
            .map(|(id, _)| id.clone())
            .collect();
        if targets.is_empty() {
            return Ok(());
        }
        // A telescope snapshot is rendered for this account (its `access`).
        let telescope_snapshot = match event {
            Event::Telescope(uid) => match self.sim.telescope_snapshot(uid, &self.account) {
                Some(s) => Some(s),
                None => return Ok(()),
            },
            _ => None,
        };
        // A snapshot event's whole snapshot, and the message that delivers it.
        type Deliver = fn(SnapshotEvent) -> StreamServerMessage;
        let whole: Option<(Value, Deliver)> = match event {
            Event::Device(s) => Some((to_value(&**s), StreamServerMessage::DeviceSnapshot)),
            Event::Telescope(_) => telescope_snapshot.as_ref().map(|s| {
                (
                    to_value(s),
                    StreamServerMessage::TelescopeSnapshot as Deliver,
                )
            }),
            Event::Instrument(s) => Some((to_value(&**s), StreamServerMessage::InstrumentSnapshot)),
            Event::Constraint(s) => Some((to_value(&**s), StreamServerMessage::ConstraintSnapshot)),
            Event::ConstraintStatus { status, .. } => Some((
                to_value(&**status),
                StreamServerMessage::ConstraintStatusSnapshot,
            )),
            Event::Interlock(s) => Some((
                to_value(&**s),
                StreamServerMessage::ShutdownInterlockSnapshot,
            )),
            _ => None,
        };
        for subscription_id in targets {
            let snapshot = match &whole {
                Some((whole, deliver)) => match self.snapshot_for(&subscription_id, &stream, whole)
                {
                    Some(snapshot) => Some((snapshot, *deliver)),
                    // Nothing changed since the last delivery.
                    None => continue,
                },
                None => None,
            };
            let seq = self.next_seq();
            let message = match (event, snapshot) {
                (_, Some((snapshot, deliver))) => deliver(SnapshotEvent {
                    subscription_id,
                    seq,
                    snapshot,
                }),
                (Event::Lease(l), None) => StreamServerMessage::ManualControlLease(
                    LeaseEvent::new(subscription_id, seq, l),
                ),
                (Event::Log(e), None) => {
                    StreamServerMessage::TelescopeLog(LogEvent::new(subscription_id, seq, e))
                }
                (
                    Event::Device(_)
                    | Event::Telescope(_)
                    | Event::Instrument(_)
                    | Event::Constraint(_)
                    | Event::ConstraintStatus { .. }
                    | Event::Interlock(_)
                    | Event::Command(_)
                    | Event::Result(_)
                    | Event::CutSockets(..)
                    | Event::Revoked(_),
                    None,
                ) => continue,
            };
            self.send(&message)?;
        }
        Ok(())
    }

    /// Whether a resource matches a stream filter: `telescope_uid` takes the
    /// telescope's own and its observatory's, `observatory_uid` the
    /// observatory's and its telescopes'; the device keys apply to device
    /// snapshots only.
    fn matches(
        &self,
        filter: &StreamFilter,
        scope: &Scope<'_>,
        device: Option<&DeviceSnapshot>,
    ) -> bool {
        let telescope_ok = filter
            .telescope_uid
            .as_ref()
            .is_none_or(|t| match scope.telescope {
                Some(own) => own == t,
                None => {
                    scope.observatory.is_some()
                        && self
                            .sim
                            .telescope_config(t)
                            .and_then(|c| c.observatory_uid.as_ref())
                            == scope.observatory
                }
            });
        telescope_ok
            && filter
                .observatory_uid
                .as_ref()
                .is_none_or(|o| Some(o) == scope.observatory)
            && device.is_none_or(|d| {
                filter
                    .device_type
                    .as_ref()
                    .is_none_or(|t| *t == d.device_type)
                    && filter
                        .device_uid
                        .as_ref()
                        .is_none_or(|u| *u == d.device_uid)
            })
    }

    /// What to deliver of `whole` on a subscription: the whole snapshot the
    /// first time the subscription sees the resource (or always, with
    /// `--full-snapshots`), else the delta since the last delivery; `None`
    /// when nothing changed at all.
    fn snapshot_for(
        &mut self,
        subscription: &SubscriptionId,
        stream: &StreamName,
        whole: &Value,
    ) -> Option<Value> {
        if self.sim.options().full_snapshots {
            return Some(whole.clone());
        }
        let Some(resource) = stream.resource_key(whole) else {
            return Some(whole.clone());
        };
        let held = self.delivered.entry(subscription.clone()).or_default();
        let snapshot = match held.get(&resource) {
            Some(previous) => snapshot_delta(previous, whole, stream.identity_keys())?,
            None => whole.clone(),
        };
        held.insert(resource, whole.clone());
        Some(snapshot)
    }
}

/// A typed snapshot as the JSON value a delivery carries. Our own types
/// always encode (string keys only).
fn to_value<T: serde::Serialize>(snapshot: &T) -> Value {
    serde_json::to_value(snapshot).unwrap_or_default()
}

/// What a resource belongs to: a telescope (and its observatory), or an
/// observatory alone.
struct Scope<'a> {
    telescope: Option<&'a TelescopeUid>,
    observatory: Option<&'a skynet_protocol::ObservatoryUid>,
}

/// Parses a frame, turning a failure into the `error` that answers it.
fn decode<M: Message>(text: &str) -> Result<M, ErrorMessage> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        invalid(
            None,
            None,
            &ProtocolError::NotJson(e.to_string()).to_string(),
        )
    })?;
    let id = correlation_id(&value);
    M::from_value(value).map_err(|e| invalid(e.field(), id, &e.to_string()))
}

fn invalid(field: Option<&str>, id: Option<String>, message: &str) -> ErrorMessage {
    ErrorMessage {
        code: ErrorCode::InvalidMessage,
        message: message.to_owned(),
        details: field.and_then(|f| {
            serde_json::to_value(skynet_protocol::InvalidDetails {
                field: Some(f.to_owned()),
                errors: Vec::new(),
            })
            .ok()
        }),
        id,
    }
}

fn unknown_kind(kind: &str, raw: &Value, endpoint: Endpoint) -> ErrorMessage {
    let hint = match (endpoint, kind) {
        (Endpoint::Stream, "subscribe_commands" | "publish_command" | "cancel_command") => {
            "; it belongs on /v1/ws/commands"
        }
        (Endpoint::Commands, "subscribe_stream" | "unsubscribe_stream") => {
            "; it belongs on /v1/ws/stream"
        }
        _ => "",
    };
    invalid(
        Some("kind"),
        correlation_id(raw),
        &format!(
            "`{kind}` is not a message {} accepts{hint}",
            endpoint.path()
        ),
    )
}

fn unknown_telescope(telescope: &TelescopeUid, account: &str, id: &SubscriptionId) -> ErrorMessage {
    ErrorMessage {
        code: ErrorCode::UnknownTelescope,
        message: format!("no telescope `{telescope}` is visible to {account}"),
        details: None,
        id: Some(id.0.clone()),
    }
}

fn not_found_subscription(id: &SubscriptionId) -> ErrorMessage {
    ErrorMessage {
        code: ErrorCode::NotFound,
        message: format!("no subscription `{id}` on this socket"),
        details: None,
        id: Some(id.0.clone()),
    }
}
