//! Latency under load: with the simulator publishing every device 100 times a
//! second (1,000 snapshots a second across both telescopes, all of which
//! SkyDeck subscribes to) and the La Palma mount moving, the time from a mount
//! frame's arrival on the page's stream socket to the mount card showing its
//! azimuth.
//!
//! A script installed before the page's own (DevTools
//! `Page.addScriptToEvaluateOnNewDocument`) listens on SkyDeck's stream
//! socket ahead of the app, wherever the socket lives: on the page, or in
//! the worker that relays it (`src/transport/relay.js`), where a prelude
//! run before the relay's script wraps the worker's `WebSocket`. It notes,
//! on the socket's own thread, when each azimuth (to 0.01°, as the card
//! shows it) first arrives; a MutationObserver notes when the card shows
//! one. Both clocks are absolute (`performance.timeOrigin` plus
//! `performance.now()`), and the worker reports its arrivals over a
//! `BroadcastChannel`. A frame superseded before a paint is never shown; it
//! is passed over when a newer azimuth is shown.

use std::time::Duration;

use skydeck_e2e::{tokens, Sim};

use crate::replay;

const WATCH: &str = r#"(() => {
  const arrivals = [];
  const shown = [];
  window.__collect = false;
  // Wraps `scope.WebSocket` so that each stream socket's mount azimuths of
  // the watched telescope reach `report` as [key, absolute time] when they
  // change. Runs on the page and, as source text, in a relay worker.
  const watch = (scope, report) => {
    const now = () => performance.timeOrigin + performance.now();
    const Native = scope.WebSocket;
    function Watched(url, protocols) {
      const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
      if (String(url).includes('/v1/ws/stream')) {
        let last = null;
        ws.addEventListener('message', ({ data }) => {
          if (typeof data !== 'string') return;
          if (!data.includes('"device_type":"mount"') || !data.includes('"telescope_uid":"__TELESCOPE_UID__"')) return;
          const az = /"az_deg":(-?[0-9.eE+-]+)/.exec(data);
          if (!az) return;
          const key = Number(az[1]).toFixed(2);
          if (key !== last) { last = key; report([key, now()]); }
        });
      }
      return ws;
    }
    Watched.prototype = Native.prototype;
    for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Watched[k] = Native[k];
    scope.WebSocket = Watched;
  };
  const CHANNEL = 'skydeck-bench-latency';
  const record = (arrival) => { if (window.__collect) arrivals.push(arrival); };
  new BroadcastChannel(CHANNEL).onmessage = ({ data }) => record(data);
  watch(window, record);
  const prelude = `(${watch})(self, ((c) => (a) => c.postMessage(a))(new BroadcastChannel(${JSON.stringify(CHANNEL)})));`;
  const NativeWorker = window.Worker;
  function WatchedWorker(url, options) {
    const script = `${prelude}\nimportScripts(${JSON.stringify(String(url))});`;
    const wrapped = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
    return new NativeWorker(wrapped, options);
  }
  WatchedWorker.prototype = NativeWorker.prototype;
  window.Worker = WatchedWorker;
  window.__setCollect = (on) => { window.__collect = on; };
  window.__latencies = () => {
    // Each shown azimuth against its first arrival; arrivals never shown
    // (superseded before a paint) are passed over.
    const latencies = [];
    let next = 0;
    for (const [key, at] of shown) {
      let i = next;
      while (i < arrivals.length && arrivals[i][1] <= at && arrivals[i][0] !== key) i++;
      if (i < arrivals.length && arrivals[i][1] <= at) {
        latencies.push(at - arrivals[i][1]);
        next = i + 1;
      }
    }
    return latencies;
  };
  let previous = null;
  const observe = () => new MutationObserver(() => {
    if (!window.__collect) return;
    const key = document.querySelector('[data-testid="live-mount-az"]')?.textContent?.replace('°', '');
    if (key && key !== previous) { previous = key; shown.push([key, performance.timeOrigin + performance.now()]); }
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
    page.js("window.__setCollect(true); return true;").await;
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let latencies = page
        .js("window.__setCollect(false); return window.__latencies();")
        .await;
    page.close().await;
    drop(commands);
    sim.kill().await;
    latencies
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default()
}
