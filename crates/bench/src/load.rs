//! Time from navigation to the first mount snapshot on screen: the app sets
//! the User Timing mark `skydeck:first-mount` once the mount card shows a
//! snapshot; its `startTime` counts from the navigation.
//!
//! Cold: a new browser profile (empty HTTP cache, no compiled code cached,
//! no service worker) per run. Warm: the same tab navigating to the page
//! again, its requests kept from the service worker (DevTools
//! `Network.setBypassServiceWorker`), so the HTTP cache and the compiled
//! code answer, as before there was a worker. Worker: the same tab again with
//! the worker the first visit installed active, so the page comes through it
//! and the shell from its cache. In all three the tab already holds a session
//! token, as after a first connection, so the page connects by itself.
//!
//! The first cold load also notes every response the page fetched from the
//! navigation until the mark (Resource Timing): the initial bytes.

use std::time::Duration;

use serde_json::json;
use skydeck_e2e::{cdp, Browser, Sim, FIRST_MOUNT};

/// The figures of one kind of load, milliseconds.
#[derive(Debug, Clone)]
pub struct Runs(pub Vec<f64>);

impl Runs {
    /// The median.
    pub fn median(&self) -> f64 {
        percentile(&self.0, 50.0)
    }
    /// The slowest.
    pub fn max(&self) -> f64 {
        self.0.iter().copied().fold(f64::NAN, f64::max)
    }
}

/// The `p`th percentile (nearest rank) of `values`; NaN when empty.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let rank = (p / 100.0 * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// Opens SkyDeck from `sim` in a new browser labelled `label`, with `script`
/// run ahead of the page's own in every document (DevTools
/// `Page.addScriptToEvaluateOnNewDocument`), connected as the viewer; returns
/// once the mount card shows a snapshot.
pub async fn open_watched(sim: &Sim, label: &'static str, script: &str) -> Browser {
    let page = Browser::open(label, &format!("{}healthz", sim.url())).await;
    page.client
        .issue_cmd(crate::ingest::Cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": script }),
        ))
        .await
        .expect("installing a script ahead of the page's");
    page.remember_connection(&sim.ws()).await;
    page.client.goto(&sim.url()).await.expect("opening SkyDeck");
    page.wait_js(
        "the mount card",
        "return !!document.querySelector('[data-testid=\"live-mount-az\"]')?.textContent;",
        Duration::from_secs(30),
    )
    .await;
    page
}

/// What the page fetched from the navigation until the first mount
/// snapshot: each response's path and its bytes on the wire
/// (`encodedBodySize`: the body as served, before decompression).
#[derive(Debug, Clone, Default)]
pub struct Fetched(pub Vec<(String, u64)>);

/// The load figures.
#[derive(Debug, Clone)]
pub struct Loads {
    /// New browser profiles, ms.
    pub cold: Runs,
    /// The same tab again, bypassing the service worker, ms.
    pub warm: Runs,
    /// The same tab again through the active service worker, ms.
    pub worker: Runs,
    /// What the first cold load fetched before its first mount snapshot.
    pub initial: Fetched,
}

/// How many loads of each kind.
pub struct Counts {
    /// Fresh browsers.
    pub cold: usize,
    /// The same tab, HTTP cache.
    pub warm: usize,
    /// The same tab, through the service worker.
    pub worker: usize,
}

/// Whether the navigation came through a service worker.
const THROUGH_WORKER: &str =
    "return performance.getEntriesByType('navigation')[0].workerStart > 0;";

/// Every response since the navigation that started before the mark.
const FETCHED: &str = "const mark = performance.getEntriesByName('skydeck:first-mount')[0].startTime;
     return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
       .filter((e) => e.startTime <= mark)
       .map((e) => [new URL(e.name).pathname, e.encodedBodySize]);";

/// Loads the page `counts.cold` times in fresh browsers; in the first one,
/// `counts.warm` times again bypassing the service worker, then
/// `counts.worker` times through it.
pub async fn measure(sim: &Sim, counts: &Counts) -> Loads {
    let mut cold_runs = Vec::new();
    let mut warm_runs = Vec::new();
    let mut worker_runs = Vec::new();
    let mut initial = Fetched::default();
    for run in 0..counts.cold.max(1) {
        // A same-origin page that loads nothing, to leave the tab's token.
        let page = Browser::open("load", &format!("{}healthz", sim.url())).await;
        page.remember_connection(&sim.ws()).await;
        cold_runs.push(load_once(&page, &sim.url(), false).await);
        if run == 0 {
            initial = fetched(&page).await;
            cdp(&page, "Network.enable", json!({})).await;
            cdp(
                &page,
                "Network.setBypassServiceWorker",
                json!({ "bypass": true }),
            )
            .await;
            for _ in 0..counts.warm {
                warm_runs.push(load_once(&page, &sim.url(), false).await);
            }
            cdp(
                &page,
                "Network.setBypassServiceWorker",
                json!({ "bypass": false }),
            )
            .await;
            page.wait_js(
                "the service worker to be active",
                // This page (loaded bypassing it) is not the worker's; its
                // registration says when it is active.
                "navigator.serviceWorker.ready.then((r) => { window.__benchWorker = r; });
                 return window.__benchWorker?.active?.state === 'activated';",
                Duration::from_secs(30),
            )
            .await;
            for _ in 0..counts.worker {
                worker_runs.push(load_once(&page, &sim.url(), true).await);
            }
        }
        page.close().await;
    }
    Loads {
        cold: Runs(cold_runs),
        warm: Runs(warm_runs),
        worker: Runs(worker_runs),
        initial,
    }
}

/// Navigates to `url` and returns the first mount's time; panics unless the
/// page came through the service worker exactly when `through_worker`.
async fn load_once(page: &Browser, url: &str, through_worker: bool) -> f64 {
    page.client.goto(url).await.expect("navigating to the site");
    let at = page
        .wait_js(
            "the first mount snapshot",
            FIRST_MOUNT,
            Duration::from_secs(30),
        )
        .await
        .as_f64()
        .expect("a mark time");
    let worker = page.js(THROUGH_WORKER).await;
    assert_eq!(
        worker,
        serde_json::Value::Bool(through_worker),
        "a load meant {} the service worker went otherwise",
        if through_worker { "through" } else { "without" }
    );
    at
}

async fn fetched(page: &Browser) -> Fetched {
    let entries = page.js(FETCHED).await;
    Fetched(
        entries
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| Some((e[0].as_str()?.to_owned(), e[1].as_u64()?)))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

impl Fetched {
    /// The `dist/` file names among the fetched paths (`/` is `index.html`),
    /// once each.
    pub fn dist_files(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .0
            .iter()
            .map(|(path, _)| match path.trim_start_matches('/') {
                "" => "index.html".to_owned(),
                file => file.to_owned(),
            })
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// Bytes of every response, as served.
    pub fn wire_bytes(&self) -> u64 {
        self.0.iter().map(|(_, bytes)| bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn fetched_paths_name_dist_files_once() {
        let fetched = Fetched(vec![
            ("/".into(), 1_000),
            ("/skydeck-0123.js".into(), 60_000),
            ("/skydeck-0123_bg.wasm".into(), 1_300_000),
            ("/skydeck.config.json".into(), 1_000),
            ("/skydeck-0123.js".into(), 0),
        ]);
        assert_eq!(
            fetched.dist_files(),
            [
                "index.html",
                "skydeck-0123.js",
                "skydeck-0123_bg.wasm",
                "skydeck.config.json"
            ]
        );
        assert_eq!(fetched.wire_bytes(), 1_362_000);
    }
}
