//! Ingest: a recorded stream replayed into a page as fast as it takes it,
//! through SkyDeck's real path (socket, decode, state, DOM) and, in the same
//! browser, through the plain-JavaScript reference client
//! (`crates/bench/reference/index.html`).
//!
//! Wall time runs from the harness's "go" to the end marker on screen (a
//! MutationObserver on the mount's target field notes it); main-thread time is
//! Chromium's `TaskDuration` metric (DevTools protocol, through
//! chromedriver's `goog/cdp/execute`) over the same span.
//!
//! Both clients' rates vary from run to run on a shared machine, and which
//! goes first matters; so the replay runs in rounds, each client once per
//! round, the first client alternating, and the figure is the round of the
//! median ratio.

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

/// One round: each client replayed the recording once.
#[derive(Debug, Clone)]
pub struct Round {
    /// SkyDeck's replay.
    pub app: Ingest,
    /// The plain-JavaScript reference's replay.
    pub reference: Ingest,
    /// Whether SkyDeck went first.
    pub app_first: bool,
}

impl Round {
    /// SkyDeck's rate over the reference's.
    pub fn ratio(&self) -> f64 {
        self.app.rate() / self.reference.rate()
    }
}

/// The round whose ratio is the median (of an even count, the lower of the
/// middle two); `None` without rounds.
pub fn median(rounds: &[Round]) -> Option<&Round> {
    let mut sorted: Vec<&Round> = rounds.iter().collect();
    sorted.sort_by(|a, b| a.ratio().total_cmp(&b.ratio()));
    sorted.get(sorted.len().saturating_sub(1) / 2).copied()
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

/// The page shows the retained mount snapshot and has loaded all it loads:
/// no deferred panel or part of SkyDeck still waiting for its code
/// (src/components/later.rs; the reference has none).
const SETTLED: &str =
    "return !!document.querySelector('[data-testid=\"live-mount-ra\"]')?.textContent
    && !document.querySelector('.panel.deferred, [aria-busy=true]');";

/// Replays `recording` into the page that `open` opens (pointed at the
/// replay server's address) once it has settled ([`SETTLED`]): ingest is
/// measured on a page that is done loading, not while it loads.
async fn run(
    recording: &Arc<Recording>,
    page: &Browser,
    profile: Option<PathBuf>,
    navigate: impl AsyncFnOnce(std::net::SocketAddr),
) -> Ingest {
    let (addr, go) = replay::serve(recording.clone()).await;
    navigate(addr).await;
    page.wait_js(
        "the retained mount snapshot, every part of the page loaded",
        SETTLED,
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
/// into SkyDeck (served by `sim`) and into the reference, in one browser,
/// `rounds` times (at least once), the first client alternating.
///
/// With `profile`, a DevTools CPU profile of each client's first replay is
/// written beside it: `<profile>-skydeck.cpuprofile` and
/// `<profile>-reference.cpuprofile` (DevTools' Performance panel loads them).
pub async fn measure(
    sim: &Sim,
    frames: usize,
    rounds: usize,
    target: &str,
    profile: Option<&Path>,
) -> (Vec<(String, usize)>, Vec<Round>) {
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
    let reference = std::env::temp_dir().join(format!(
        "skydeck-bench-reference-{}.html",
        std::process::id()
    ));
    std::fs::write(&reference, include_str!("../reference/index.html"))
        .expect("writing the reference page");
    let app = async |profile: Option<PathBuf>| {
        run(&recording, &page, profile, async |addr| {
            // The connection is remembered in the site's storage: from a
            // page of the site's origin (the reference may have gone first).
            let blank = format!("{}healthz", sim.url());
            page.client.goto(&blank).await.expect("opening the site");
            page.remember_connection(&format!("ws://{addr}")).await;
            page.client.goto(&sim.url()).await.expect("opening SkyDeck");
        })
        .await
    };
    let js = async |profile: Option<PathBuf>| {
        run(&recording, &page, profile, async |addr| {
            let url = format!(
                "file://{}#ws://{addr}/v1/ws/stream?token={}",
                reference.display(),
                tokens::VIEWER
            );
            // A new document: after a previous round the page is the same
            // file with another fragment, which would not load again.
            page.client
                .goto("about:blank")
                .await
                .expect("leaving the page");
            page.client.goto(&url).await.expect("opening the reference");
        })
        .await
    };
    let mut done = Vec::new();
    for round in 0..rounds.max(1) {
        let first = round == 0;
        let app_first = round % 2 == 0;
        let profile = |client: &str| if first { profile_of(client) } else { None };
        let (app, reference) = if app_first {
            let app = app(profile("skydeck")).await;
            (app, js(profile("reference")).await)
        } else {
            let reference = js(profile("reference")).await;
            (app(profile("skydeck")).await, reference)
        };
        eprintln!(
            "bench: ingest round {}: SkyDeck {:.0}, reference {:.0} frames a second",
            round + 1,
            app.rate(),
            reference.rate()
        );
        done.push(Round {
            app,
            reference,
            app_first,
        });
    }
    let _ = std::fs::remove_file(&reference);
    page.close().await;
    (recording.mix(), done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(app_fps: f64, reference_fps: f64) -> Round {
        let ingest = |fps: f64| Ingest {
            frames: 1000,
            wall_ms: 1000.0 * 1000.0 / fps,
            main_thread_ms: 0.0,
            script_ms: 0.0,
            style_ms: 0.0,
            layout_ms: 0.0,
        };
        Round {
            app: ingest(app_fps),
            reference: ingest(reference_fps),
            app_first: true,
        }
    }

    #[test]
    fn the_figure_is_the_round_of_the_median_ratio() {
        assert!(median(&[]).is_none());
        let rounds = [round(9.0, 10.0), round(12.0, 10.0), round(10.0, 10.0)];
        assert!((median(&rounds).unwrap().ratio() - 1.0).abs() < 1e-9);
        // Of an even count, the lower of the middle two.
        let rounds = [
            round(12.0, 10.0),
            round(8.0, 10.0),
            round(9.0, 10.0),
            round(11.0, 10.0),
        ];
        assert!((median(&rounds).unwrap().ratio() - 0.9).abs() < 1e-9);
        assert!((median(&rounds[..1]).unwrap().ratio() - 1.2).abs() < 1e-9);
    }
}
