//! Latency under load: with the simulator publishing every device 100 times a
//! second (1,000 snapshots a second across both telescopes, all of which
//! SkyDeck subscribes to) and the La Palma mount moving, the time from a mount
//! frame's arrival on the page's stream socket to the mount card showing its
//! azimuth.
//!
//! A script installed before the page's own (DevTools
//! `Page.addScriptToEvaluateOnNewDocument`) listens on the stream socket ahead
//! of the app and notes when each azimuth (to 0.01°, as the card shows it)
//! first arrives; a MutationObserver notes when the card shows one. A frame
//! superseded before a paint is never shown; it is dropped along with every
//! older one when a newer azimuth appears.

use std::time::Duration;

use skydeck_e2e::{tokens, Sim};

use crate::replay;

const WATCH: &str = r#"(() => {
  const arrivals = new Map();
  window.__latencies = [];
  window.__collect = false;
  const Native = window.WebSocket;
  function Watched(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    if (String(url).includes('/v1/ws/stream')) {
      ws.addEventListener('message', (event) => {
        if (!window.__collect || typeof event.data !== 'string') return;
        const text = event.data;
        if (!text.includes('"device_type":"mount"') || !text.includes('"telescope_uid":"__TELESCOPE_UID__"')) return;
        const az = /"az_deg":(-?[0-9.eE+-]+)/.exec(text);
        if (!az) return;
        const key = Number(az[1]).toFixed(2);
        if (!arrivals.has(key)) arrivals.set(key, performance.now());
      });
    }
    return ws;
  }
  Watched.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Watched[k] = Native[k];
  window.WebSocket = Watched;
  const observe = () => new MutationObserver(() => {
    if (!window.__collect) return;
    const shown = document.querySelector('[data-testid="live-mount-az"]')?.textContent?.replace('°', '');
    if (!shown || !arrivals.has(shown)) return;
    const now = performance.now();
    for (const [key, at] of arrivals) {
      arrivals.delete(key);
      if (key === shown) { window.__latencies.push(now - at); break; }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
  if (document.body) observe(); else document.addEventListener('DOMContentLoaded', observe);
})();"#;

/// Frame-to-DOM latencies, ms, over `seconds` of load.
pub async fn measure(seconds: f64, target: &str) -> Vec<f64> {
    let any = "127.0.0.1:0".parse().expect("an address");
    let mut sim = Sim::start_with(
        any,
        &[
            "--weather",
            "clear",
            "--snapshot-hz",
            "100",
            "--time-scale",
            "20",
        ],
    )
    .await;
    let telescope = replay::telescope_uid(sim.addr, tokens::VIEWER, replay::TELESCOPE).await;
    let commands = replay::keep_mount_moving(sim.addr, tokens::OWNER, target).await;
    let watch = WATCH.replace("__TELESCOPE_UID__", telescope.as_str());
    let page = crate::load::open_watched(&sim, "latency", &watch).await;
    // Let the slew end and the page settle before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    page.js("window.__collect = true; return true;").await;
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let latencies = page
        .js("window.__collect = false; return window.__latencies;")
        .await;
    page.close().await;
    drop(commands);
    sim.kill().await;
    latencies
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default()
}
