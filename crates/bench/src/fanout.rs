//! The simulator's fan-out: many clients, each subscribed to every stream of
//! one telescope, with the simulator publishing every device at a forced
//! rate. The delay of a delivery is its arrival time less the snapshot's
//! `observed_at` (same machine, same clock; `observed_at` has millisecond
//! resolution).

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use skynet_protocol::{
    StreamClientMessage, StreamFilter, StreamName, SubscribeStream, SubscriptionId, TelescopeUid,
};
use tokio_tungstenite::tungstenite::Message;

/// What the clients saw.
#[derive(Debug, Clone)]
pub struct FanOut {
    /// Clients connected.
    pub clients: usize,
    /// Seconds measured.
    pub seconds: f64,
    /// Device snapshots delivered to all clients.
    pub delivered: usize,
    /// Delivery delays, milliseconds.
    pub delays_ms: Vec<f64>,
}

/// Connects `clients` viewers to the simulator at `addr`, subscribes each to
/// every stream of `telescope`, lets the retained snapshots and the
/// connection backlog drain for a second, then measures for `seconds`.
pub async fn measure(
    addr: SocketAddr,
    token: &str,
    telescope: &str,
    clients: usize,
    seconds: f64,
) -> FanOut {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut readers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut ws = crate::replay::connect(addr, "stream", token).await;
        for (i, stream) in StreamName::KNOWN.iter().enumerate() {
            let subscribe = StreamClientMessage::Subscribe(SubscribeStream {
                subscription_id: SubscriptionId::from(format!("s{i}")),
                stream: stream.clone(),
                filter: StreamFilter {
                    telescope_uid: Some(TelescopeUid(telescope.into())),
                    ..Default::default()
                },
                options: None,
            });
            ws.send(crate::replay::frame(&subscribe))
                .await
                .expect("subscribing");
        }
        // Read from the start, so that no client falls behind while the
        // others connect; every delivery is kept with its arrival.
        let mut stopped = stopped.clone();
        readers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    message = ws.next() => match message {
                        Some(Ok(Message::Text(text))) => {
                            if let Some(delay) = delay_ms(&text) {
                                seen.push((Instant::now(), delay));
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                }
            }
            let _ = ws.close(None).await;
            seen
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let from = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let to = Instant::now();
    let _ = stop.send(true);
    let mut delays_ms = Vec::new();
    for reader in readers {
        let seen = reader.await.expect("a reader");
        delays_ms.extend(
            seen.into_iter()
                .filter(|(at, _)| (from..to).contains(at))
                .map(|(_, delay)| delay),
        );
    }
    FanOut {
        clients,
        seconds,
        delivered: delays_ms.len(),
        delays_ms,
    }
}

/// How long ago a device snapshot delivery was observed, if it is one.
fn delay_ms(text: &str) -> Option<f64> {
    let received = SystemTime::now();
    // Cheap to skip what is not a device snapshot before parsing.
    if !text.contains("\"event_device_snapshot\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let observed = value.pointer("/snapshot/observed_at")?.as_str()?;
    let observed = humantime::parse_rfc3339(observed).ok()?;
    let delay = received.duration_since(UNIX_EPOCH).ok()?.as_secs_f64()
        - observed.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
    Some(delay * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_come_from_device_snapshots_only() {
        let now = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        let frame = format!(
            r#"{{"kind":"event_device_snapshot","subscription_id":"s0","seq":1,"snapshot":{{"observed_at":"{now}"}}}}"#
        );
        let delay = delay_ms(&frame).expect("a delay");
        assert!((0.0..1000.0).contains(&delay), "{delay}");
        assert_eq!(delay_ms(r#"{"kind":"ack","id":"s0"}"#), None);
        assert_eq!(delay_ms("not json \"event_device_snapshot\""), None);
    }
}
