//! A recorded stream, replayed into a client as fast as it takes it.
//!
//! Recording: a viewer subscribed to the simulator's device and telescope
//! snapshots while the simulator publishes every device at a forced rate and
//! the La Palma mount tracks a target playing a daisy (so mount frames
//! change), keeping the frames as sent. Replay: a small server that speaks
//! just enough of both endpoints (acks subscriptions, answers pings), sends
//! the retained snapshots at once, and on `go` every recorded frame, then a
//! last mount frame whose target is named [`END_MARKER`]: a client is done
//! when that name is on its screen.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use skynet_protocol::{
    Command, CommandId, CommandsClientMessage, DaisyPattern, MountTrack, OffsetPattern,
    PublishCommand, StreamClientMessage, StreamFilter, StreamName, SubscribeStream, SubscriptionId,
    TargetPosition, TelescopeUid,
};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

/// The target name of the last replayed frame.
pub const END_MARKER: &str = "BENCH-END";
/// The telescope the recording moves (and clients show first), by name.
pub const TELESCOPE: &str = "La Palma 1.0 m";
/// The built-in world's other telescope, by name.
pub const OTHER_TELESCOPE: &str = "Siding Spring 0.6 m";

/// Recorded frames, as text.
pub struct Recording {
    /// Sent on subscription: the first telescope and device snapshots.
    pub retained: Vec<String>,
    /// The device snapshot frames, in order.
    pub frames: Vec<String>,
    /// The end marker frame.
    pub last: String,
}

impl Recording {
    /// How many frames of each device type, for the report.
    pub fn mix(&self) -> Vec<(String, usize)> {
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for frame in &self.frames {
            let kind = serde_json::from_str::<Value>(frame)
                .ok()
                .and_then(|v| {
                    v.pointer("/snapshot/device_type")?
                        .as_str()
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "?".into());
            *counts.entry(kind).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}

/// A client socket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the simulator's `endpoint` (`commands` or `stream`) with `token`.
pub async fn connect(addr: SocketAddr, endpoint: &str, token: &str) -> Socket {
    let url = format!("ws://{addr}/v1/ws/{endpoint}?token={token}");
    tokio_tungstenite::connect_async(&url)
        .await
        .unwrap_or_else(|e| panic!("connecting {url}: {e}"))
        .0
}

/// The uid of the telescope named `name`, as `token` sees it: read from the
/// simulator's telescope snapshots, never assumed.
pub async fn telescope_uid(addr: SocketAddr, token: &str, name: &str) -> TelescopeUid {
    let mut stream = connect(addr, "stream", token).await;
    let subscribe = StreamClientMessage::Subscribe(SubscribeStream {
        subscription_id: SubscriptionId::from("telescopes".to_owned()),
        stream: StreamName::TelescopeSnapshot,
        filter: StreamFilter::default(),
        options: None,
    });
    stream.send(frame(&subscribe)).await.expect("subscribing");
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .ok()
            .flatten()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("no telescope named {name}"));
        let Message::Text(text) = message else {
            continue;
        };
        let value: Value = serde_json::from_str(&text).expect("a JSON frame");
        // The first delivery of each telescope is whole: it has the name.
        if value["kind"] == "event_telescope_snapshot" && value["snapshot"]["name"] == name {
            if let Some(uid) = value["snapshot"]["telescope_uid"].as_str() {
                let _ = stream.close(None).await;
                return TelescopeUid(uid.to_owned());
            }
        }
    }
}

/// A protocol message as a text frame.
pub fn frame(message: &impl skynet_protocol::Message) -> Message {
    Message::text(message.to_json())
}

/// Publishes `command` to `telescope_uid` on a commands socket; returns its id.
pub async fn publish(
    commands: &mut Socket,
    telescope_uid: TelescopeUid,
    command: Command,
) -> CommandId {
    let command_id = CommandId::new_v4();
    let publish = CommandsClientMessage::PublishCommand(PublishCommand {
        telescope_uid,
        command_id,
        command,
        origin: None,
    });
    commands
        .send(frame(&publish))
        .await
        .expect("publishing a command");
    command_id
}

/// Has the La Palma mount track `target` (which must be up) playing a wide,
/// quick daisy, so that its snapshots change; returns the commands socket,
/// to close when done.
pub async fn keep_mount_moving(addr: SocketAddr, owner: &str, target: &str) -> Socket {
    let telescope_uid = telescope_uid(addr, owner, TELESCOPE).await;
    let mut commands = connect(addr, "commands", owner).await;
    let track = Command::MountTrack(MountTrack {
        target: TargetPosition::catalog(target),
        offset_pattern: Some(OffsetPattern::Daisy(DaisyPattern {
            radius_arcsec: 600.0,
            petals: 5,
            period_s: 30.0,
        })),
    });
    publish(&mut commands, telescope_uid, track).await;
    commands
}

/// Records `count` device snapshot frames from the simulator at `addr`.
pub async fn record(
    addr: SocketAddr,
    viewer: &str,
    owner: &str,
    target: &str,
    count: usize,
) -> Recording {
    let telescope = telescope_uid(addr, viewer, TELESCOPE).await;
    let mut commands = keep_mount_moving(addr, owner, target).await;
    let mut stream = connect(addr, "stream", viewer).await;
    for (id, name) in [
        ("telescopes", StreamName::TelescopeSnapshot),
        ("devices", StreamName::DeviceSnapshot),
    ] {
        let subscribe = StreamClientMessage::Subscribe(SubscribeStream {
            subscription_id: SubscriptionId::from(id.to_owned()),
            stream: name,
            filter: StreamFilter::default(),
            options: None,
        });
        stream.send(frame(&subscribe)).await.expect("subscribing");
    }
    let mut retained = Vec::new();
    let mut seen_devices = std::collections::HashSet::new();
    let mut frames = Vec::with_capacity(count);
    let mut last_mount = None;
    while frames.len() < count {
        let message = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .ok()
            .flatten()
            .and_then(Result::ok)
            .expect("the simulator keeps streaming");
        let Message::Text(text) = message else {
            continue;
        };
        let value: Value = serde_json::from_str(&text).expect("a JSON frame");
        match value["kind"].as_str() {
            Some("event_telescope_snapshot") => retained.push(text.to_string()),
            Some("event_device_snapshot") => {
                let uid = value
                    .pointer("/snapshot/device_uid")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if seen_devices.insert(uid.to_owned()) {
                    retained.push(text.to_string());
                    continue;
                }
                if value.pointer("/snapshot/device_type") == Some(&json!("mount"))
                    && value.pointer("/snapshot/telescope_uid") == Some(&json!(telescope.as_str()))
                {
                    last_mount = Some(value);
                }
                frames.push(text.to_string());
            }
            _ => {}
        }
    }
    let _ = stream.close(None).await;
    let _ = commands.close(None).await;
    let mut last = last_mount.expect("a mount frame among the recording");
    last["snapshot"]["state"]["target"] = json!({"position_type": "catalog", "name": END_MARKER});
    Recording {
        retained,
        frames,
        last: last.to_string(),
    }
}

/// Serves `recording` on a free port; the frames go out when `go` is sent.
pub async fn serve(recording: Arc<Recording>) -> (SocketAddr, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("its address");
    let (go, ready) = watch::channel(false);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let recording = recording.clone();
            let ready = ready.clone();
            tokio::spawn(async move {
                let mut path = String::new();
                // The signature is tungstenite's handshake callback.
                #[allow(clippy::result_large_err)]
                let callback = |request: &Request, response: Response| {
                    path = request.uri().path().to_owned();
                    Ok(response)
                };
                let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
                    return;
                };
                connection(ws, path.ends_with("/stream"), &recording, ready).await;
            });
        }
    });
    (addr, go)
}

async fn connection(
    mut ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    stream: bool,
    recording: &Recording,
    mut ready: watch::Receiver<bool>,
) {
    let mut sent_retained = false;
    let mut replayed = false;
    loop {
        let go = async {
            if replayed || !stream {
                std::future::pending::<()>().await;
            }
            let _ = ready.wait_for(|go| *go).await;
        };
        tokio::select! {
            message = ws.next() => {
                let Some(Ok(Message::Text(text))) = message else {
                    if matches!(message, Some(Ok(_))) { continue; }
                    return;
                };
                let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
                let answer = match value["kind"].as_str() {
                    Some("subscribe_stream" | "subscribe_commands") => {
                        json!({"kind": "ack", "id": value["subscription_id"]})
                    }
                    Some("ping") => json!({"kind": "pong", "id": value["id"]}),
                    _ => continue,
                };
                if ws.send(Message::text(answer.to_string())).await.is_err() {
                    return;
                }
                if stream && !sent_retained && value["stream"] == "device_snapshot" {
                    sent_retained = true;
                    for frame in &recording.retained {
                        if ws.send(Message::text(frame.clone())).await.is_err() {
                            return;
                        }
                    }
                }
            }
            () = go => {
                replayed = true;
                for frame in recording.frames.iter().chain([&recording.last]) {
                    // Waits for the socket: as fast as the client takes it.
                    if ws.feed(Message::text(frame.clone())).await.is_err() {
                        return;
                    }
                }
                if ws.flush().await.is_err() {
                    return;
                }
            }
        }
    }
}
