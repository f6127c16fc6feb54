//! The deferred panels, end to end on the split release build: the first
//! screen (snapshots, Abort, connection) comes from the main module alone,
//! the panels' chunk is fetched only once the first mount snapshot is on
//! screen, and a chunk (or the catalog) the network refuses leaves the page
//! working with a Retry that brings every panel once the network is back
//! (the panels say which was refused); the commands socket's frames that
//! came meanwhile wait for the commanding code in the chunk and are applied
//! when it arrives (src/commanding.rs), and so do the stream's telescope log
//! entries. A page whose
//! Content-Security-Policy refuses the stream socket's relay worker
//! (`blob:` workers) still gets its snapshots: the stream opens on the page.
//! The sign-in code, a chunk of its own, is fetched only to sign in, and a
//! sign-in whose chunk the network refuses says so and can be finished.
//! One simulator and one browser.

use fantoccini::Locator;
use serde_json::{json, Value};
use skydeck_e2e::tokens::OWNER;
use skydeck_e2e::{cdp, publish_as, Browser, Sim, FIRST_MOUNT, WAIT};
use skynet_protocol::{Command, MoveRelativeUm};

/// How many deferred panels said they could not load.
const FAILED: &str = "return document.querySelectorAll('[data-testid=deferred-failed]').length;";

/// The deferred panels of the console (src/components/later.rs).
const PANELS: usize = 11;

/// Each deferred panel's own element, once its code has loaded.
const LOADED: &str = "return ['controls-body', 'conditions', 'telescope-list']
       .filter((id) => document.querySelector(`[data-testid=${id}]`)).length === 3
     && !document.querySelector('.panel.deferred');";

/// When the page started fetching the panels' chunk and the catalog
/// (src/assets.rs), and the mark's time.
const CHUNK_AFTER_MARK: &str = "const mark = performance.getEntriesByName('skydeck:first-mount')[0].startTime;
     const starts = (re) => performance.getEntriesByType('resource').filter((e) => re.test(e.name)).map((e) => e.startTime);
     return { mark, chunk: starts(/split_later-[0-9a-f]+\\.wasm$/), catalog: starts(/catalog-[0-9a-f]{16}\\.csv$/),
              sign_in: starts(/split_sign_in-[0-9a-f]+\\.wasm$/) };";

/// Installed ahead of the page's scripts: a `<meta>` policy that allows
/// workers from the site only (no `blob:`), a record of what it refused,
/// and a count of the stream sockets the page itself opens.
const REFUSE_BLOB_WORKERS: &str = r#"
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.effectiveDirective));
    new MutationObserver((_, observer) => {
      if (!document.head) return;
      const meta = document.createElement('meta');
      meta.httpEquiv = 'Content-Security-Policy';
      meta.content = "worker-src 'self'";
      document.head.prepend(meta);
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
    window.pageStreams = 0;
    window.WebSocket = new Proxy(window.WebSocket, {
      construct(target, args) {
        if (String(args[0]).includes('/v1/ws/stream')) window.pageStreams++;
        return Reflect.construct(target, args);
      }
    });
"#;

/// Loads SkyDeck with the network refusing `blocked` until `failing` deferred
/// parts say they could not load (after the first mount snapshot); returns
/// the first one's text. The URLs stay refused.
async fn load_refusing(page: &Browser, url: &str, blocked: &str, failing: usize) -> String {
    cdp(page, "Network.setBlockedURLs", json!({ "urls": [blocked] })).await;
    page.client.goto(url).await.expect("opening SkyDeck");
    page.wait_js("the first mount snapshot", FIRST_MOUNT, WAIT)
        .await;
    page.wait_js(
        "the deferred parts to say they could not load",
        &format!("return document.querySelectorAll('[data-testid=deferred-failed]').length === {failing};"),
        WAIT,
    )
    .await;
    page.text("deferred-failed").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_screen_loads_first_a_refused_chunk_can_be_retried_and_a_refused_relay_is_survived(
) {
    let sim = Sim::start().await;
    let url = sim.url();
    // A same-origin page that loads nothing, to leave the tab's connection
    // (the viewer's token) so that SkyDeck connects by itself.
    let page = Browser::open("deferred", &format!("{url}healthz")).await;
    page.remember_connection(&sim.ws()).await;
    cdp(&page, "Network.enable", json!({})).await;
    // The page's own requests, not the service worker's cache, so that the
    // network decides.
    cdp(
        &page,
        "Network.setBypassServiceWorker",
        json!({ "bypass": true }),
    )
    .await;

    // The network refuses the chunk: the first screen still comes, the
    // panels say they could not load, nothing else breaks.
    // Every panel and the connection's Advanced settings say so.
    let failed = load_refusing(&page, &url, "*split_later-*", PANELS + 1).await;
    assert!(
        failed.contains("could not be loaded: its code did not arrive"),
        "{failed}"
    );
    page.wait_text("live-mount-tracking", "", WAIT).await;
    page.wait_state("socket-stream", "open", WAIT).await;
    // Abort stays reachable: its bar is in the main module.
    assert_eq!(
        page.js("return !!document.querySelector('[data-testid=abort-all]');")
            .await,
        Value::Bool(true),
        "no Abort bar without the chunk"
    );
    page.screenshot("deferred-failed").await;

    // Meanwhile another client runs a command: its frames reach the page's
    // commands socket and wait there for the commanding code, in the chunk.
    let (command_id, status) = publish_as(
        &sim.ws(),
        OWNER,
        Command::FocuserMoveRelative(MoveRelativeUm { delta_um: 5.0 }),
    )
    .await;
    assert_eq!(status, "ok", "the owner's focuser move");

    // The network is back: one Retry brings every panel, and the command
    // log shows the command that ran while its code was away, finished.
    cdp(&page, "Network.setBlockedURLs", json!({ "urls": [] })).await;
    // (The panels' Retry: the Advanced settings' own is folded away.)
    page.client
        .find(Locator::Css(
            "section.panel.deferred [data-testid=deferred-retry]",
        ))
        .await
        .expect("a panel's Retry")
        .click()
        .await
        .expect("clicking Retry");
    page.wait_js("every deferred panel to load", LOADED, WAIT)
        .await;
    assert_eq!(page.js(FAILED).await, Value::from(0));
    page.wait_command(&command_id, "ok", WAIT).await;
    // The stream's telescope log entries waited too (their decoding is in
    // the chunk): the log shows the command's outcome, logged while the
    // chunk was refused and delivered once.
    page.wait_js(
        "the focuser move's telescope log entry",
        "return [...document.querySelectorAll('[data-testid=telescope-log-entry][data-kind=command]')]
           .some((e) => e.textContent.includes('focuser'));",
        WAIT,
    )
    .await;

    // So did the constraints and their statuses, which came once, when the
    // stream subscribed, while the chunk (which decodes them) was refused:
    // every constraint shows, each saying whether it holds.
    page.wait_js(
        "the constraints with their statuses",
        "const rows = [...document.querySelectorAll('[data-testid=constraint-row]')];
         return rows.length >= 3 && rows.every((r) => r.dataset.holds !== 'unknown');",
        WAIT,
    )
    .await;

    // The catalog refused: the panels, which need it, say so, with why;
    // the Advanced settings, which do not, are there.
    let failed = load_refusing(&page, &url, "*catalog-*", PANELS).await;
    assert!(
        failed.contains(
            "could not be loaded: the bright-object catalog did not load (fetching catalog-"
        ),
        "{failed}"
    );
    page.el("api-token").await;
    cdp(&page, "Network.setBlockedURLs", json!({ "urls": [] })).await;

    // A plain load: the chunk and the catalog are fetched after the first
    // mount snapshot is on screen, never before, each once for the eleven
    // panels, and the panels come.
    page.client.goto(&url).await.expect("reloading SkyDeck");
    page.wait_js("the first mount snapshot", FIRST_MOUNT, WAIT)
        .await;
    page.wait_js("every deferred panel to load", LOADED, WAIT)
        .await;
    let timing = page.js(CHUNK_AFTER_MARK).await;
    let mark = timing["mark"].as_f64().expect("the mark");
    for file in ["chunk", "catalog"] {
        let starts: Vec<f64> = timing[file]
            .as_array()
            .unwrap_or_else(|| panic!("{file} requests: {timing}"))
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert_eq!(starts.len(), 1, "the {file} fetched once: {timing}");
        assert!(
            starts[0] >= mark,
            "the {file} was fetched before the first mount snapshot: {timing}"
        );
    }

    // The alert settings are this browser's: read by the code that raises
    // alerts, in the chunk, they outlive a reload.
    const VIBRATION: &str =
        "return document.querySelector('[data-testid=alert-channel-vibration]').checked;";
    page.js("document.querySelector('[data-testid=alert-settings]').open = true;")
        .await;
    let vibration = page.js(VIBRATION).await;
    page.click("alert-channel-vibration").await;
    assert_ne!(
        page.js(VIBRATION).await,
        vibration,
        "the setting did not change"
    );
    page.client.refresh().await.expect("reloading SkyDeck");
    page.wait_js("every deferred panel to load", LOADED, WAIT)
        .await;
    assert_ne!(
        page.js(VIBRATION).await,
        vibration,
        "the alert settings did not outlive a reload"
    );

    // The sign-in code is a chunk of its own (src/auth.rs), fetched only to
    // sign in: this page connected without it.
    assert_eq!(
        timing["sign_in"],
        json!([]),
        "the sign-in chunk was fetched without a sign-in: {timing}"
    );
    // Refused, the Sign in button says why and the page carries on.
    let refuse_sign_in = json!({ "urls": ["*split_sign_in-*"] });
    cdp(&page, "Network.setBlockedURLs", refuse_sign_in.clone()).await;
    page.click("sign-in").await;
    page.wait_text(
        "sign-in-error",
        "Could not start signing in: the sign-in code did not arrive",
        WAIT,
    )
    .await;
    page.wait_state("socket-stream", "open", WAIT).await;
    // Allowed, the button goes to the sign-in page; back from it with the
    // chunk refused again, the page says to reload and keeps the callback
    // in the address bar for that, and the reload signs in.
    cdp(&page, "Network.setBlockedURLs", json!({ "urls": [] })).await;
    page.click("sign-in").await;
    page.el("authorize-dev-astronomer").await;
    cdp(&page, "Network.setBlockedURLs", refuse_sign_in).await;
    page.click("authorize-dev-astronomer").await;
    page.wait_text(
        "sign-in-error",
        "the sign-in code did not arrive: the network may be down; reload the page to finish signing in",
        WAIT,
    )
    .await;
    let address = page.js("return location.href;").await;
    assert!(
        address.as_str().is_some_and(|a| a.contains("code=")),
        "the callback left the address bar before it was used: {address}"
    );
    cdp(&page, "Network.setBlockedURLs", json!({ "urls": [] })).await;
    page.client.refresh().await.expect("reloading SkyDeck");
    page.authorize_finished("dev-astronomer").await;

    // A policy without `worker-src blob:` (docs/deploy.md): the relay is
    // refused, the stream opens on the page, and the snapshots come.
    cdp(
        &page,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": REFUSE_BLOB_WORKERS }),
    )
    .await;
    page.client.goto(&url).await.expect("reloading SkyDeck");
    page.wait_js("the first mount snapshot", FIRST_MOUNT, WAIT)
        .await;
    page.wait_state("socket-stream", "open", WAIT).await;
    let seen = page
        .js("return { violations: window.violations, pageStreams: window.pageStreams };")
        .await;
    assert!(
        seen["violations"]
            .as_array()
            .is_some_and(|v| v.iter().any(|d| d == "worker-src")),
        "the policy did not refuse the relay: {seen}"
    );
    assert!(
        seen["pageStreams"].as_u64() >= Some(1),
        "the stream did not open on the page: {seen}"
    );
    page.close().await;
}
