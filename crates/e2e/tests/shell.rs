//! The installable shell, end to end: the service worker installs on the
//! first visit and caches every file `dist/` ships, the manifest is linked
//! and its icons load, the next load comes through the worker, and with the
//! network gone (the browser offline, or the simulator killed) the page still
//! starts, says the telescope needs a connection, and sends nothing. One
//! simulator and one browser for all of it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{json, Value};
use skydeck_e2e::tokens::OWNER;
use skydeck_e2e::{cdp, root, Browser, Sim, WAIT};

/// The telescope the test drives, by its name.
const LAPALMA: &str = "La Palma 1.0 m";

/// Runs `body` (the body of an async function) in the page and returns what
/// it returns; a rejection fails the test with its message.
async fn run(page: &Browser, body: &str) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         (async () => {{ {body} }})().then(
           (value) => done({{ value }}),
           (e) => done({{ error: String((e && e.stack) || e) }}));"
    );
    let answer = page
        .client
        .execute_async(&script, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"));
    if let Some(error) = answer.get("error") {
        panic!("the page's script threw: {error}\n{body}");
    }
    answer["value"].clone()
}

/// The files of the built site.
fn dist_files() -> BTreeSet<String> {
    let dist = std::env::var_os("SKYDECK_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("dist"));
    std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dist.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            path.is_file()
                .then(|| path.file_name()?.to_str().map(str::to_owned))
                .flatten()
        })
        .collect()
}

/// Whether the offline line shows, and what it says.
const OFFLINE_LINE: &str = "const e = document.querySelector('[data-testid=offline]');
     return e && !e.hidden && e.offsetParent !== null ? e.textContent : null;";

/// Presses E (expose) as a user would, lets the page update, and returns how
/// many commands the log holds then and before.
const PRESS_EXPOSE: &str = "const count = () => document.querySelectorAll('.log-entry').length;
     const before = count();
     for (const type of ['keydown', 'keyup']) {
       document.body.dispatchEvent(new KeyboardEvent(type, { key: 'e', code: 'KeyE', bubbles: true }));
     }
     await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)));
     return [before, count()];";

/// Asserts that the hardware controls are disabled with `reason` and that E
/// sends nothing.
async fn nothing_can_be_sent(page: &Browser, reason: &str) {
    page.wait_js(
        "the hardware controls to be disabled",
        "return document.querySelector('[data-testid=controls-body]')?.disabled === true;",
        WAIT,
    )
    .await;
    page.wait_text("controls-denied", reason, WAIT).await;
    let counts = run(page, PRESS_EXPOSE).await;
    assert_eq!(counts[0], counts[1], "E sent a command: {counts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_installs_loads_through_its_worker_and_starts_offline() {
    // Clear skies (Sim::start): no safety shutdown disables the controls.
    let mut sim = Sim::start().await;
    let url = sim.url();
    let page = Browser::open("shell", &url).await;

    // The first visit registers the worker over the page's folder, and it
    // takes the page over once it has cached the shell.
    let registration = run(
        &page,
        "const r = await navigator.serviceWorker.ready;
         return { scope: r.scope, script: r.active.scriptURL, secure: isSecureContext };",
    )
    .await;
    assert_eq!(registration["scope"], Value::from(url.clone()));
    assert_eq!(registration["script"], Value::from(format!("{url}sw.js")));
    assert_eq!(registration["secure"], Value::Bool(true));
    page.wait_js(
        "the worker to control the page",
        "return !!navigator.serviceWorker.controller;",
        WAIT,
    )
    .await;

    // The manifest: linked, parses, installable fields, its icons load.
    let manifest = run(
        &page,
        "const link = document.querySelector('link[rel=manifest]');
         const answer = await fetch(link.href);
         const manifest = await answer.json();
         const icons = [];
         for (const icon of manifest.icons) {
           const r = await fetch(new URL(icon.src, link.href));
           const blob = await r.blob();
           let pixels = null;
           if (icon.type === 'image/png') {
             const bitmap = await createImageBitmap(blob);
             pixels = `${bitmap.width}x${bitmap.height}`;
           }
           icons.push({ type: icon.type, sizes: icon.sizes, status: r.status,
             contentType: r.headers.get('content-type'), bytes: blob.size, pixels });
         }
         return { href: link.href, manifest, icons,
           theme: document.querySelector('meta[name=theme-color]')?.content,
           background: getComputedStyle(document.body).backgroundColor };",
    )
    .await;
    let m = &manifest["manifest"];
    assert_eq!(
        manifest["href"],
        Value::from(format!("{url}manifest.webmanifest"))
    );
    assert_eq!(m["name"], "SkyDeck");
    assert_eq!(m["short_name"], "SkyDeck");
    assert_eq!(m["start_url"], "./");
    assert_eq!(m["scope"], "./");
    assert_eq!(m["display"], "standalone");
    assert_eq!(m["theme_color"], "#0b1020");
    assert_eq!(m["background_color"], "#0b1020");
    assert_eq!(manifest["theme"], "#0b1020");
    // The stylesheet's --bg, which the manifest's colours match.
    assert_eq!(manifest["background"], "rgb(11, 16, 32)");
    let icons = manifest["icons"].as_array().expect("icons");
    for icon in icons {
        assert_eq!(icon["status"], 200, "an icon did not load: {icon}");
        assert!(icon["bytes"].as_u64() > Some(0), "an empty icon: {icon}");
        assert_eq!(icon["contentType"], icon["type"], "{icon}");
        if icon["type"] == "image/png" {
            assert_eq!(icon["pixels"], icon["sizes"], "{icon}");
        }
    }
    let kinds: BTreeSet<String> = icons
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i["type"].as_str().unwrap_or(""),
                i["sizes"].as_str().unwrap_or("")
            )
        })
        .collect();
    for kind in [
        "image/svg+xml any",
        "image/png 192x192",
        "image/png 512x512",
    ] {
        assert!(kinds.contains(kind), "no {kind} icon in {kinds:?}");
    }

    // The worker's cache holds the page and every other file dist/ ships,
    // and nothing else.
    let cached = run(
        &page,
        "const names = (await caches.keys()).filter((n) => n.startsWith('skydeck-shell '));
         const keys = names.length ? (await (await caches.open(names[0])).keys()).map((r) => r.url) : [];
         return { names, keys };",
    )
    .await;
    assert_eq!(
        cached["names"].as_array().map(Vec::len),
        Some(1),
        "one cache for this build: {cached}"
    );
    let keys: BTreeSet<String> = cached["keys"]
        .as_array()
        .expect("cache keys")
        .iter()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    let expected: BTreeSet<String> = dist_files()
        .into_iter()
        .filter(|f| f != "sw.js")
        .map(|f| {
            if f == "index.html" {
                url.clone()
            } else {
                format!("{url}{f}")
            }
        })
        .collect();
    assert_eq!(keys, expected, "the worker's cache against dist/");
    assert!(
        keys.iter().any(|k| k.ends_with("_bg.wasm")) && keys.iter().any(|k| k.ends_with(".css")),
        "{keys:?}"
    );

    // Connected, the owner may command, and the offline line is hidden.
    page.connect(OWNER, LAPALMA).await;
    page.wait_js(
        "the hardware controls to be enabled",
        "return document.querySelector('[data-testid=controls-body]')?.disabled === false;",
        WAIT,
    )
    .await;
    assert_eq!(page.js(OFFLINE_LINE).await, Value::Null);
    // E exposes now (so that E sending nothing below means something).
    let counts = run(&page, PRESS_EXPOSE).await;
    assert_eq!(
        counts[1].as_u64(),
        counts[0].as_u64().map(|n| n + 1),
        "E did not expose: {counts}"
    );

    // The browser goes offline: the line says so, nothing can be sent; back
    // online, the line goes and the controls come back.
    cdp(&page, "Network.enable", json!({})).await;
    let conditions = |offline: bool| json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 });
    cdp(&page, "Network.emulateNetworkConditions", conditions(true)).await;
    let line = page.wait_js("the offline line", OFFLINE_LINE, WAIT).await;
    assert!(
        line.as_str().is_some_and(|l| l.starts_with("Offline:")),
        "{line}"
    );
    assert_eq!(
        page.js("return navigator.onLine;").await,
        Value::Bool(false)
    );
    nothing_can_be_sent(&page, "Offline").await;
    page.screenshot("shell-offline").await;
    cdp(&page, "Network.emulateNetworkConditions", conditions(false)).await;
    page.wait_js(
        "the offline line to go",
        &format!("return ((() => {{ {OFFLINE_LINE} }})()) === null;"),
        WAIT,
    )
    .await;
    page.wait_state("socket-commands", "open", WAIT).await;
    page.wait_js(
        "the hardware controls to be enabled again",
        "return document.querySelector('[data-testid=controls-body]')?.disabled === false;",
        WAIT,
    )
    .await;

    // The next load comes through the worker: the page from the network
    // through it, the script, module and stylesheet from its cache.
    page.client.refresh().await.expect("reloading");
    let served = |what: &str| {
        format!(
            "const nav = performance.getEntriesByType('navigation')[0];
             const files = performance.getEntriesByType('resource')
               .filter((e) => /\\.(js|wasm|css)$/.test(new URL(e.name).pathname))
               .map((e) => ({{ name: new URL(e.name).pathname, workerStart: e.workerStart, transferSize: e.transferSize }}));
             if (!document.querySelector('[data-testid={what}]')) return null;
             return {{ navWorkerStart: nav.workerStart, files }};"
        )
    };
    let second = page
        .wait_js("the app after a reload", &served("socket-commands"), WAIT)
        .await;
    assert!(
        second["navWorkerStart"].as_f64() > Some(0.0),
        "the page did not come through the worker: {second}"
    );
    let files = second["files"].as_array().expect("resource entries");
    let shipped = dist_files();
    for kind in [".js", "_bg.wasm", ".css"] {
        let file = shipped
            .iter()
            .find(|f| f.ends_with(kind) && f.as_str() != "sw.js")
            .unwrap_or_else(|| panic!("no {kind} in dist/"));
        let entry = files
            .iter()
            .find(|e| e["name"].as_str() == Some(&format!("/{file}")))
            .unwrap_or_else(|| panic!("{file} was not loaded: {second}"));
        assert!(
            entry["workerStart"].as_f64() > Some(0.0) && entry["transferSize"] == 0,
            "{file} did not come from the worker's cache: {entry}"
        );
    }
    page.wait_state("socket-commands", "open", WAIT).await;

    // The simulator dies: the page still starts, from the cache; the line
    // says the telescope needs a connection, and nothing can be sent.
    sim.kill().await;
    page.client
        .refresh()
        .await
        .expect("reloading without a server");
    let third = page
        .wait_js("the app from the cache", &served("controls-body"), WAIT)
        .await;
    assert!(third["navWorkerStart"].as_f64() > Some(0.0), "{third}");
    let line = page.wait_js("the no-server line", OFFLINE_LINE, WAIT).await;
    assert!(
        line.as_str()
            .is_some_and(|l| l.starts_with("No connection to the telescope")),
        "{line}"
    );
    let state = page
        .js("return document.querySelector('[data-testid=socket-commands]').dataset.state;")
        .await;
    assert!(
        state == "reconnecting" || state == "connecting",
        "the commands socket is {state}"
    );
    nothing_can_be_sent(&page, "Not connected").await;
    // The config file and the API are never answered by the worker (nor,
    // with no-store, by the HTTP cache): without a server, they fail.
    let uncached = run(
        &page,
        "const tries = {};
         for (const path of ['skydeck.config.json', 'v1/ws/stream']) {
           try { await fetch(path, { cache: 'no-store' }); tries[path] = 'answered'; } catch { tries[path] = 'network error'; }
         }
         return tries;",
    )
    .await;
    assert_eq!(
        uncached,
        json!({ "skydeck.config.json": "network error", "v1/ws/stream": "network error" })
    );
    page.screenshot("shell-no-server").await;
    page.close().await;
}
