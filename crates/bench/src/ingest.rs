//! Ingest: a recorded stream replayed into a page as fast as it takes it,
//! through SkyDeck's real path (socket, decode, state, DOM) and, in the same
//! browser, through the plain-JavaScript reference client
//! (`crates/bench/reference/index.html`).
//!
//! Wall time runs from the harness's "go" to the end marker on screen (a
//! MutationObserver on the mount's target field notes it); main-thread time is
//! Chromium's `TaskDuration` metric (DevTools protocol, through
//! chromedriver's `goog/cdp/execute`) over the same span.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use skydeck_e2e::{tokens, Browser, Sim};

use crate::replay::{self, Recording, END_MARKER};

/// What one client did with the recording.
#[derive(Debug, Clone)]
pub struct Ingest {
    /// Frames replayed (the end marker included).
    pub frames: usize,
    /// From go to the end marker on screen, ms.
    pub wall_ms: f64,
    /// Main-thread task time over the same span, ms.
    pub main_thread_ms: f64,
    /// Of that, script, style recalculation and layout, ms (the rest is the
    /// browser's own: receiving and dispatching messages, paint, GC).
    pub script_ms: f64,
    pub style_ms: f64,
    pub layout_ms: f64,
}

impl Ingest {
    /// Frames per second.
    pub fn rate(&self) -> f64 {
        self.frames as f64 / (self.wall_ms / 1000.0)
    }
    /// Main-thread ms per 1,000 frames.
    pub fn cost(&self) -> f64 {
        self.main_thread_ms / (self.frames as f64 / 1000.0)
    }
}

pub use skydeck_e2e::Cdp;

/// Chromium's main-thread durations so far, ms: task, script, style, layout.
async fn durations_ms(page: &Browser) -> [f64; 4] {
    let metrics = page
        .client
        .issue_cmd(Cdp("Performance.getMetrics", json!({})))
        .await
        .expect("Performance.getMetrics");
    let metrics = metrics["metrics"].as_array().expect("a list of metrics");
    [
        "TaskDuration",
        "ScriptDuration",
        "RecalcStyleDuration",
        "LayoutDuration",
    ]
    .map(|name| {
        metrics
            .iter()
            .find(|m| m["name"] == name)
            .and_then(|m| m["value"].as_f64())
            .unwrap_or_else(|| panic!("a {name} metric"))
            * 1000.0
    })
}

/// Notes when the end marker shows in the mount's target field.
const WATCH_END: &str = r#"
window.__benchEnd = null;
const watched = () => document.querySelector('[data-testid="live-mount-target"]');
new MutationObserver(() => {
  if (window.__benchEnd === null && (watched()?.textContent || '').includes(arguments[0])) {
    window.__benchEnd = performance.now();
  }
}).observe(document.body, {subtree: true, childList: true, characterData: true});
window.__benchStart = performance.now();
return true;"#;

/// Replays `recording` into the page that `open` opens (pointed at the
/// replay server's address) once it shows a mount snapshot.
async fn run(
    recording: &Arc<Recording>,
    page: &Browser,
    profile: Option<PathBuf>,
    navigate: impl AsyncFnOnce(std::net::SocketAddr),
) -> Ingest {
    let (addr, go) = replay::serve(recording.clone()).await;
    navigate(addr).await;
    page.wait_js(
        "the retained mount snapshot",
        "return !!document.querySelector('[data-testid=\"live-mount-ra\"]')?.textContent;",
        Duration::from_secs(30),
    )
    .await;
    page.client
        .issue_cmd(Cdp("Performance.enable", json!({})))
        .await
        .expect("Performance.enable");
    let before = durations_ms(page).await;
    page.client
        .execute(WATCH_END, vec![json!(END_MARKER)])
        .await
        .expect("watching for the end");
    if profile.is_some() {
        for (method, params) in [
            ("Profiler.enable", json!({})),
            ("Profiler.setSamplingInterval", json!({"interval": 200})),
            ("Profiler.start", json!({})),
        ] {
            page.client
                .issue_cmd(Cdp(method, params))
                .await
                .expect("starting the CPU profile");
        }
    }
    let _ = go.send(true);
    let wall = page
        .wait_js(
            "the end of the replay on screen",
            "return window.__benchEnd === null ? null : window.__benchEnd - window.__benchStart;",
            Duration::from_secs(600),
        )
        .await
        .as_f64()
        .expect("a duration");
    let after = durations_ms(page).await;
    if let Some(path) = profile {
        let stopped = page
            .client
            .issue_cmd(Cdp("Profiler.stop", json!({})))
            .await
            .expect("stopping the CPU profile");
        std::fs::write(&path, stopped["profile"].to_string())
            .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        eprintln!("bench: CPU profile of the ingest in {}", path.display());
    }
    Ingest {
        frames: recording.frames.len() + 1,
        wall_ms: wall,
        main_thread_ms: after[0] - before[0],
        script_ms: after[1] - before[1],
        style_ms: after[2] - before[2],
        layout_ms: after[3] - before[3],
    }
}

/// Records `frames` frames from a simulator of its own, then replays them
/// into SkyDeck (served by `sim`) and into the reference, in one browser.
///
/// With `profile`, a DevTools CPU profile of each client's replay is written
/// beside it: `<profile>-skydeck.cpuprofile` and
/// `<profile>-reference.cpuprofile` (DevTools' Performance panel loads them).
pub async fn measure(
    sim: &Sim,
    frames: usize,
    target: &str,
    profile: Option<&Path>,
) -> (Vec<(String, usize)>, Ingest, Ingest) {
    let profile_of = |client: &str| {
        profile.map(|p| PathBuf::from(format!("{}-{client}.cpuprofile", p.display())))
    };
    let any = "127.0.0.1:0".parse().expect("an address");
    let mut source = Sim::start_with(
        any,
        &[
            "--weather",
            "clear",
            "--snapshot-hz",
            "200",
            "--time-scale",
            "20",
        ],
    )
    .await;
    let recording =
        Arc::new(replay::record(source.addr, tokens::VIEWER, tokens::OWNER, target, frames).await);
    source.kill().await;

    let page = Browser::open("ingest", &format!("{}healthz", sim.url())).await;
    let app = run(&recording, &page, profile_of("skydeck"), async |addr| {
        page.remember_connection(&format!("ws://{addr}")).await;
        page.client.goto(&sim.url()).await.expect("opening SkyDeck");
    })
    .await;

    let reference = std::env::temp_dir().join(format!(
        "skydeck-bench-reference-{}.html",
        std::process::id()
    ));
    std::fs::write(&reference, include_str!("../reference/index.html"))
        .expect("writing the reference page");
    let js = run(&recording, &page, profile_of("reference"), async |addr| {
        let url = format!(
            "file://{}#ws://{addr}/v1/ws/stream?token={}",
            reference.display(),
            tokens::VIEWER
        );
        page.client.goto(&url).await.expect("opening the reference");
    })
    .await;
    let _ = std::fs::remove_file(&reference);
    page.close().await;
    (recording.mix(), app, js)
}
