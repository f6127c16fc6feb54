//! Time from navigation to the first mount snapshot on screen: the app sets
//! the User Timing mark `skydeck:first-mount` once the mount card shows a
//! snapshot; its `startTime` counts from the navigation.
//!
//! Cold: a new browser profile (empty HTTP cache, no compiled code cached)
//! per run. Warm: the same tab navigating to the page again. In both, the tab
//! already holds a session token, as after a first connection, so the page
//! connects by itself.

use std::time::Duration;

use skydeck_e2e::{tokens, Browser, Sim};

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

/// Leaves in the page's tab what a first connection to `api_base` as the
/// viewer leaves (the API base and the session token), so that SkyDeck,
/// loaded next in this tab, connects by itself. The page must be of the
/// origin SkyDeck is served from.
pub async fn remember_connection(page: &Browser, api_base: &str) {
    page.js(&format!(
        "localStorage.setItem('skydeck.api_base', '{api_base}'); sessionStorage.setItem('skydeck.token', '{}'); return true;",
        tokens::VIEWER
    ))
    .await;
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
    remember_connection(&page, &sim.ws()).await;
    page.client.goto(&sim.url()).await.expect("opening SkyDeck");
    page.wait_js(
        "the mount card",
        "return !!document.querySelector('[data-testid=\"live-mount-az\"]')?.textContent;",
        Duration::from_secs(30),
    )
    .await;
    page
}

const FIRST_MOUNT: &str = "const m = performance.getEntriesByName('skydeck:first-mount')[0]; return m ? m.startTime : null;";

/// Loads the page `cold` times in fresh browsers and `warm` times again in
/// one tab.
pub async fn measure(sim: &Sim, cold: usize, warm: usize) -> (Runs, Runs) {
    let mut cold_runs = Vec::new();
    let mut warm_runs = Vec::new();
    for run in 0..cold.max(1) {
        // A same-origin page that loads nothing, to leave the tab's token.
        let page = Browser::open("load", &format!("{}healthz", sim.url())).await;
        remember_connection(&page, &sim.ws()).await;
        cold_runs.push(load_once(&page, &sim.url()).await);
        if run == 0 {
            for _ in 0..warm {
                warm_runs.push(load_once(&page, &sim.url()).await);
            }
        }
        page.close().await;
    }
    (Runs(cold_runs), Runs(warm_runs))
}

async fn load_once(page: &Browser, url: &str) -> f64 {
    page.client.goto(url).await.expect("navigating to the site");
    page.wait_js(
        "the first mount snapshot",
        FIRST_MOUNT,
        Duration::from_secs(30),
    )
    .await
    .as_f64()
    .expect("a mark time")
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
}
