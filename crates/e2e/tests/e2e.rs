//! The shipped site, end to end: `dist/` served by `skynode-sim`, driven in
//! headless Chromium as users drive it. Each test has a simulator of its own,
//! so no lease or running command leaks from one into another. Screenshots of
//! the main screens land in `target/screenshots/` on every run.

use std::time::Duration;

use skydeck_e2e::tokens::{ASTRONOMER, ASTRONOMER_2, OWNER};
use skydeck_e2e::{high_target, Browser, Sim, WAIT};

/// The telescope every test drives, by its name.
const LAPALMA: &str = "La Palma 1.0 m";

/// Waits for the workflow to end and asserts it succeeded.
async fn workflow_succeeds(page: &Browser, timeout: Duration) {
    page.wait_js(
        "the workflow to end",
        "const s = document.querySelector('[data-testid=workflow-status]')?.dataset.state;
         return s === 'succeeded' || s === 'failed';",
        timeout,
    )
    .await;
    let status = page.text("workflow-status").await;
    assert!(
        status.ends_with("finished"),
        "the workflow failed: {status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_signs_in_and_runs_both_patterns_from_the_ui() {
    // Only a sign-in lets anyone in, and the tokens renew every 10 s: the
    // whole test is a night longer than a token's life.
    let sim = Sim::start_with(
        "127.0.0.1:0".parse().expect("an address"),
        &[
            "--time-scale",
            "20",
            "--token-ttl",
            "20",
            "--no-dev-tokens",
            "--weather",
            "clear",
        ],
    )
    .await;
    let page = Browser::open("new user", &sim.url()).await;

    // The page fills in its own origin as the API base.
    page.wait_js(
        "the API base to be the page's origin",
        &format!(
            "return document.querySelector('[data-testid=api-url]')?.value === '{}';",
            sim.ws()
        ),
        WAIT,
    )
    .await;
    page.screenshot("01-sign-in").await;
    // "Sign in with SkyNet", the simulator's sign-in page, and back.
    page.click("sign-in").await;
    page.el("authorize-dev-astronomer").await;
    page.screenshot("01b-authorize-page").await;
    page.authorize("dev-astronomer").await;
    // The tokens live in sessionStorage only: nowhere else the page keeps.
    let leaked = page
        .js(
            "const s = JSON.parse(sessionStorage.getItem('skydeck.session'));
             const tokens = [s.access_token, s.refresh_token];
             const kept = [...Object.keys(localStorage).map(k => localStorage.getItem(k) || ''),
                           document.cookie, location.href];
             return kept.filter(v => tokens.some(t => v.includes(t)));",
        )
        .await;
    assert_eq!(
        leaked,
        serde_json::json!([]),
        "a token kept outside sessionStorage"
    );
    page.pick_telescope(LAPALMA).await;
    page.wait_text("telescope-list", "Siding Spring", WAIT)
        .await;

    // Manual slew-and-expose, by one click.
    page.type_into("workflow-target-name", high_target()).await;
    page.type_into("workflow-exposure", "3").await;
    let before = page.command_ids().await;
    page.click("workflow-slew-start").await;
    workflow_succeeds(&page, Duration::from_secs(60)).await;
    let exposure = page.new_command("camera.exposure.start", &before).await;
    page.wait_command(&exposure, "ok", WAIT).await;
    page.wait_js(
        "the exposure preview to load",
        &format!(
            "const img = document.querySelector('[data-testid=\"command-{exposure}\"] [data-testid=exposure-preview]');
             return !!img && img.complete && img.naturalWidth > 0;"
        ),
        WAIT,
    )
    .await;
    for kind in [
        "manual_control_lease.acquire",
        "mount.track",
        "manual_control_lease.release",
    ] {
        let id = page.new_command(kind, &before).await;
        page.wait_command(&id, "ok", WAIT).await;
    }
    page.wait_text("live-mount-tracking", "yes", WAIT).await;
    page.screenshot("02-slew-and-expose").await;
    // The sky view shows the pointing on the target and the path it took.
    page.wait_js(
        "the sky view's target, pointing and slew path",
        "return !!document.querySelector('[data-testid=sky-target]')
             && !!document.querySelector('[data-testid=sky-pointing]')
             && (document.querySelector('[data-testid=sky-trail]')?.getAttribute('points') || '').split(' ').length > 2;",
        WAIT,
    )
    .await;
    page.screenshot_of("sky-view", "02b-sky-view").await;

    // Autofocus sweep, by one click.
    let before = page.command_ids().await;
    page.type_into("workflow-filter", "R").await;
    page.click("workflow-autofocus-start").await;
    workflow_succeeds(&page, Duration::from_secs(90)).await;
    let autofocus = page.new_command("imager.autofocus", &before).await;
    page.wait_command(&autofocus, "ok", WAIT).await;
    let entry = page.text(&format!("command-{autofocus}")).await;
    assert!(entry.contains("Best focus"), "{entry}");
    // Seen on the stream, or (when the result came first) from its samples.
    let watched = page.text("workflow-step-2").await;
    assert!(
        watched.contains("focuser moving") || watched.contains("focuser moved through"),
        "{watched}"
    );
    page.screenshot("03-autofocus-sweep").await;
    page.wait_js(
        "the V-curve to mark the result",
        "return !!document.querySelector('[data-testid=vcurve-result]');",
        WAIT,
    )
    .await;
    page.screenshot_of("vcurve", "03b-v-curve").await;
    // Night vision: everything red, remembered.
    page.press("n").await;
    page.wait_js(
        "night vision",
        "return document.documentElement.dataset.theme === 'night';",
        WAIT,
    )
    .await;
    page.screenshot("03c-night-vision").await;

    // On a tablet: the controls right under the lease, the live state beside
    // them, the site's conditions after them.
    page.client
        .set_window_size(1024, 768)
        .await
        .expect("a tablet-sized window");
    page.wait_js(
        "the controls beside the live state on a tablet",
        "const at = (s) => document.querySelector(s).getBoundingClientRect();
         const session = at('.column.session'), controls = at('.column.controls'),
               live = at('.column.live'), site = at('.column.site');
         return controls.left === session.left && controls.top >= session.bottom
             && controls.top < site.top && live.left >= controls.right
             && live.top === session.top;",
        WAIT,
    )
    .await;

    // On a phone: one column, nothing wider than the screen, every button,
    // select and text field at least 44 px tall.
    page.client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    page.wait_js(
        "the page to fit a phone's width",
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;",
        WAIT,
    )
    .await;
    let small = page
        .js(
            "return [...document.querySelectorAll('button, select, input[type=text], input[type=url], input[type=password]')]
                 .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
                 .map(e => e.dataset.testid || e.id || e.tagName);",
        )
        .await;
    assert_eq!(small, serde_json::json!([]), "touch targets under 44 px");
    page.screenshot("03d-phone").await;

    // Through every renewal: no command lost to unknown, none shown twice.
    let log = page
        .js("const e = [...document.querySelectorAll('.log-entry')];
             const ids = e.map(x => x.dataset.commandId);
             return {count: ids.length, distinct: new Set(ids).size,
                     unknown: e.filter(x => x.dataset.state === 'unknown').length};")
        .await;
    assert_eq!(
        log["count"], log["distinct"],
        "a command shown twice: {log}"
    );
    assert_eq!(log["unknown"], 0, "a command lost to a renewal: {log}");
    assert!(
        log["count"].as_u64().unwrap_or(0) >= 6,
        "the log holds the workflows' commands: {log}"
    );
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_astronomers_share_a_telescope_one_lease_at_a_time() {
    let sim = Sim::start().await;
    let first = Browser::open("first astronomer", &sim.url()).await;
    let second = Browser::open("second astronomer", &sim.url()).await;
    first.connect(ASTRONOMER, LAPALMA).await;
    second.connect(ASTRONOMER_2, LAPALMA).await;

    first.acquire_lease().await;
    // The second sees the lease, and the first's commands, live.
    second
        .wait_text("lease-status", "dev-astronomer holds the lease", WAIT)
        .await;
    second
        .wait_text(
            "controls-denied",
            "dev-astronomer holds the manual control lease",
            WAIT,
        )
        .await;
    first.type_into("target-name", high_target()).await;
    let track = first.publish_by_click("mount-track", "mount.track").await;
    second
        .wait_text(&format!("command-{track}"), "dev-astronomer", WAIT)
        .await;
    first
        .wait_command(&track, "ok", Duration::from_secs(40))
        .await;
    second.wait_command(&track, "ok", WAIT).await;

    // The second asks for the lease and is told who holds it.
    let refused = second
        .publish_by_click("lease-acquire", "manual_control_lease.acquire")
        .await;
    second.wait_command(&refused, "error", WAIT).await;
    let entry = second.text(&format!("command-{refused}")).await;
    assert!(
        entry.contains("lease_held") && entry.contains("dev-astronomer holds the lease"),
        "{entry}"
    );
    second.screenshot("04-second-astronomer-lease-held").await;

    // Once the first releases, the second gets the telescope.
    first.click("lease-release").await;
    first
        .wait_text("lease-confirm", "Release your lease", WAIT)
        .await;
    let release = first
        .publish_by_click("lease-confirm-yes", "manual_control_lease.release")
        .await;
    first.wait_command(&release, "ok", WAIT).await;
    second
        .wait_text("lease-status", "Nobody holds a lease", WAIT)
        .await;
    second.acquire_lease().await;
    second
        .wait_text("lease-status", "You hold the lease", WAIT)
        .await;
    first
        .wait_text("lease-status", "dev-astronomer-2 holds the lease", WAIT)
        .await;
    second.screenshot("05-second-astronomer-holds").await;
    first.close().await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_aborts_an_astronomers_lease() {
    let sim = Sim::start().await;
    let astronomer = Browser::open("astronomer", &sim.url()).await;
    let owner = Browser::open("owner", &sim.url()).await;
    astronomer.connect(ASTRONOMER, LAPALMA).await;
    owner.connect(OWNER, LAPALMA).await;

    astronomer.acquire_lease().await;
    let exposure = astronomer.start_exposure("600").await;
    astronomer.wait_command(&exposure, "running", WAIT).await;

    owner
        .wait_text("lease-status", "dev-astronomer holds the lease", WAIT)
        .await;
    owner.click("lease-abort").await;
    owner
        .wait_text("lease-confirm", "Abort dev-astronomer's lease", WAIT)
        .await;
    owner.screenshot("06a-owner-confirms-abort").await;
    let abort = owner
        .publish_by_click("lease-confirm-yes", "system.abort_manual_control")
        .await;
    owner.wait_command(&abort, "ok", WAIT).await;

    // The astronomer's page shows the abort and its canceled exposure.
    astronomer.wait_command(&exposure, "canceled", WAIT).await;
    astronomer
        .wait_text(&format!("command-{abort}"), "dev-owner", WAIT)
        .await;
    astronomer
        .wait_text("lease-status", "Nobody holds a lease", WAIT)
        .await;
    astronomer
        .wait_text("controls-denied", "Acquire a manual control lease", WAIT)
        .await;
    astronomer.screenshot("06b-lease-aborted-by-owner").await;
    astronomer.close().await;
    owner.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulator_crash_mid_exposure_is_survived_without_a_reload() {
    let mut sim = Sim::start().await;
    let addr = sim.addr;
    let page = Browser::open("astronomer", &sim.url()).await;
    page.connect(ASTRONOMER, LAPALMA).await;
    page.acquire_lease().await;
    let exposure = page.start_exposure("600").await;
    page.wait_command(&exposure, "running", WAIT).await;

    sim.kill().await;
    // The page shows the outage and the exposure's unknown outcome.
    page.wait_state("socket-commands", "reconnecting", WAIT)
        .await;
    page.wait_text("socket-commands", "reconnecting in", WAIT)
        .await;
    page.wait_state(&format!("command-{exposure}"), "unknown", WAIT)
        .await;
    page.wait_js(
        "the live view to go stale",
        "return document.querySelector('[data-testid=snapshot-mount]')?.dataset.stale === 'true';",
        WAIT,
    )
    .await;
    page.screenshot("07-simulator-down").await;

    // Back where it was: the page reconnects on its own and is usable.
    let _sim = Sim::start_on(addr).await;
    page.wait_state("socket-commands", "open", Duration::from_secs(45))
        .await;
    page.wait_state("socket-stream", "open", WAIT).await;
    page.wait_js(
        "a fresh mount snapshot",
        "return document.querySelector('[data-testid=snapshot-mount]')?.dataset.stale === 'false';",
        WAIT,
    )
    .await;
    assert_eq!(
        page.js(&format!(
            "return document.querySelector('[data-testid=\"command-{exposure}\"]').dataset.state;"
        ))
        .await,
        serde_json::Value::from("unknown"),
        "the lost exposure stays unknown: no result will come, and nothing was re-sent"
    );
    page.acquire_lease().await;
    let again = page.start_exposure("2").await;
    page.wait_command(&again, "ok", WAIT).await;
    page.screenshot("08-reconnected").await;
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_astronomer_finds_m42_slews_focuses_exposes_and_looks() {
    let sim = Sim::start().await;
    let page = Browser::open("observer", &sim.url()).await;
    page.connect(ASTRONOMER, LAPALMA).await;
    page.click("lease-acquire").await;
    page.wait_text("lease-status", "You hold the lease", WAIT)
        .await;

    // Find M42 by name and see whether it is up.
    page.type_into("target-name", "orion neb").await;
    page.wait_js(
        "M42 among the suggestions",
        "return [...document.querySelectorAll('[data-testid=target-suggestions] option')].some(o => o.value === 'M42');",
        WAIT,
    )
    .await;
    page.type_into("target-name", "M42").await;
    page.wait_text("target-info", "M42 (", WAIT).await;
    let info = page.text("target-info").await;
    let altitude: f64 = info
        .split("altitude ")
        .nth(1)
        .and_then(|rest| rest.split('°').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no altitude in {info}"));
    let sun_distance: f64 = info
        .split("° from the Sun")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no distance from the Sun in {info}"));
    // The default limits: 15° of altitude, 30° from the Sun.
    let target = if altitude >= 15.0 && sun_distance >= 30.0 {
        "M42"
    } else {
        // Not observable now: the safety rules stop the slew before it is
        // sent, and the observer picks something that is up.
        let before = page.command_ids().await;
        page.click("mount-track").await;
        page.wait_js(
            "the safety refusal",
            "return (document.querySelector('[data-testid=target-safety]')?.textContent || '').includes('Not sent');",
            WAIT,
        )
        .await;
        assert_eq!(page.command_ids().await, before, "nothing was sent");
        page.type_into("target-name", high_target()).await;
        high_target()
    };
    assert!(page.text("target-info").await.contains(target));

    // Slew, watching it on the sky view.
    let track = page.publish_by_click("mount-track", "mount.track").await;
    page.wait_js(
        "the slew on the sky view",
        "return !!document.querySelector('[data-testid=sky-target]') && !!document.querySelector('[data-testid=sky-pointing]');",
        WAIT,
    )
    .await;
    page.wait_command(&track, "ok", Duration::from_secs(60))
        .await;
    page.wait_text("live-mount-tracking", "yes", WAIT).await;

    // Focus with the V-curve.
    let focus = page
        .publish_by_click("autofocus-start", "imager.autofocus")
        .await;
    page.wait_command(&focus, "ok", Duration::from_secs(90))
        .await;
    page.wait_js(
        "the result on the V-curve",
        "return !!document.querySelector('[data-testid=vcurve-result]');",
        WAIT,
    )
    .await;

    // Expose and look at the frame, stretched.
    let frame = page.start_exposure("5").await;
    page.wait_command(&frame, "ok", WAIT).await;
    page.wait_js(
        "the frame drawn stretched",
        "return document.querySelector('[data-testid=stretch-canvas]')?.dataset.drawn === 'asinh';",
        WAIT,
    )
    .await;
    page.screenshot("09-observing-walkthrough").await;
    page.screenshot_of("stretch-canvas", "09b-frame-stretched")
        .await;

    // Map the field with a daisy around the target: the sky view's close-up
    // draws the pattern and the mount walking it.
    page.choose("pattern-kind", "daisy").await;
    page.type_into("daisy-radius", "300").await;
    let daisy = page.publish_by_click("mount-track", "mount.track").await;
    page.wait_command(&daisy, "ok", Duration::from_secs(60))
        .await;
    page.wait_js(
        "the daisy in the sky view's close-up",
        "return (document.querySelector('[data-testid=pattern-caption]')?.textContent || '').startsWith('Daisy') && !!document.querySelector('[data-testid=pattern-pointing]');",
        WAIT,
    )
    .await;
    page.screenshot_of("sky-panel", "09c-daisy-pattern").await;
    page.close().await;
}

/// The refresh token this tab holds now, if it is signed in.
async fn refresh_token(page: &Browser) -> Option<String> {
    page.stored_session().await["refresh_token"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_renews_through_an_exposure_signs_out_and_outlives_a_forgetful_server() {
    // Access tokens live 20 s, so they renew every 10 s.
    let flags = [
        "--time-scale",
        "20",
        "--token-ttl",
        "20",
        "--weather",
        "clear",
    ];
    let mut sim = Sim::start_with("127.0.0.1:0".parse().expect("an address"), &flags).await;
    let addr = sim.addr;
    let page = Browser::open("signed in", &sim.url()).await;
    page.sign_in("dev-astronomer").await;
    page.pick_telescope(LAPALMA).await;
    page.acquire_lease().await;

    // 600 s at 20× is 30 s: longer than a token lives, two renewals or more.
    page.type_into("exposure-duration", "600").await;
    let before = page.command_ids().await;
    let exposure = page
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    let mut refresh_tokens = std::collections::HashSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let state = page
            .js(&format!(
                "return document.querySelector('[data-testid=\"command-{exposure}\"]')?.dataset.state;"
            ))
            .await;
        match state.as_str() {
            Some("ok") => break,
            Some("sending" | "running") => {
                refresh_tokens.extend(refresh_token(&page).await);
            }
            other => panic!("the exposure ended {other:?}, not ok"),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the exposure never ended"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        refresh_tokens.len() >= 3,
        "the sign-in renewed at least twice while the exposure ran (refresh tokens seen: {})",
        refresh_tokens.len()
    );
    let exposures: Vec<String> = page
        .js(&format!(
            "const before = {};
             return [...document.querySelectorAll('.log-entry')]
                 .filter(e => e.querySelector('.log-type')?.textContent === 'camera.exposure.start'
                              && !before.includes(e.dataset.commandId))
                 .map(e => e.dataset.commandId);",
            serde_json::Value::from(before)
        ))
        .await
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        exposures,
        std::slice::from_ref(&exposure),
        "the exposure was sent once"
    );
    page.wait_state("socket-commands", "open", WAIT).await;
    page.screenshot("09-signed-in-through-renewals").await;

    // Sign out: both tokens revoked, the sockets closed, nothing stored.
    let session = page.stored_session().await;
    let access = session["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    let refresh = session["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    page.click("sign-out").await;
    page.wait_js(
        "the page to be signed out",
        "return !document.querySelector('[data-testid=sign-in]').hidden
             && sessionStorage.getItem('skydeck.session') === null;",
        WAIT,
    )
    .await;
    page.wait_state("socket-commands", "closed", WAIT).await;
    page.wait_state("socket-stream", "closed", WAIT).await;
    page.wait_text("notices", "revoked", WAIT).await;
    let (status, body) = skydeck_e2e::post_form(
        addr,
        "/oauth/token/refresh",
        &format!("refresh_token={refresh}&client_id=skydeck"),
    )
    .await;
    assert_eq!(
        (status, body.contains("invalid_grant")),
        (400, true),
        "{body}"
    );
    let (status, _) = skydeck_e2e::get(addr, &format!("/v1/ws/commands?token={access}")).await;
    assert_eq!(status, 401, "the revoked access token still opens a socket");

    // Signed in again, mid-exposure, the simulator restarts and has forgotten
    // every grant: "sign in again", and nothing reconnects on its own.
    page.sign_in("dev-astronomer").await;
    page.acquire_lease().await;
    let exposure = page
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    page.wait_command(&exposure, "running", WAIT).await;
    // Count the sockets the page opens from now on: the commands socket is
    // the page's own, the stream's is opened by a relay worker of its own
    // (src/transport/relay.js), one per connection.
    page.js("window.socketsOpened = 0;
             const counted = (native) => new Proxy(native, {
               construct(target, args) { window.socketsOpened++; return Reflect.construct(target, args); }
             });
             window.WebSocket = counted(window.WebSocket);
             window.Worker = counted(window.Worker);")
        .await;
    sim.kill().await;
    let _sim = Sim::start_with(addr, &flags).await;
    page.wait_text("sign-in-error", "Sign in again", Duration::from_secs(60))
        .await;
    page.wait_state("socket-commands", "closed", WAIT).await;
    page.wait_state("socket-stream", "closed", WAIT).await;
    page.wait_state(&format!("command-{exposure}"), "unknown", WAIT)
        .await;
    assert_eq!(
        page.js("return !document.querySelector('[data-testid=sign-in]').hidden && sessionStorage.getItem('skydeck.session') === null;")
            .await,
        serde_json::Value::Bool(true),
        "signed out, with Sign in offered"
    );
    page.screenshot("10-sign-in-again").await;
    // No loop: a reconnect would come within its backoff (0.5 to 1 s, then
    // 1 to 2 s); over 4 s none comes. An absence needs a window to watch.
    let opened = page.js("return window.socketsOpened;").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        page.js("return window.socketsOpened;").await,
        opened,
        "the page kept reconnecting with a refused token"
    );
    page.wait_state("socket-commands", "closed", WAIT).await;

    // And signing in again carries on, without a reload.
    page.sign_in("dev-astronomer").await;
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rain_mid_exposure_shuts_the_telescope_down_and_the_astronomer_carries_on() {
    let sim = Sim::start_with(
        "127.0.0.1:0".parse().expect("an address"),
        &["--time-scale", "20", "--test-hooks", "--weather", "clear"],
    )
    .await;
    let page = Browser::open("astronomer in the rain", &sim.url()).await;
    page.connect(ASTRONOMER, LAPALMA).await;
    page.wait_text("weather-rain", "dry", WAIT).await;
    page.wait_state("enclosure", "open", WAIT).await;
    page.wait_js(
        "the constraints",
        "return document.querySelectorAll('[data-testid=constraint-row]').length >= 3;",
        WAIT,
    )
    .await;
    page.screenshot_of("conditions", "11-conditions").await;

    // Notifications on, as an astronomer does before looking away; the
    // browser was told to allow them. Then the tab is hidden.
    page.js("document.querySelector('[data-testid=alert-settings]').open = true;")
        .await;
    page.click("alert-channel-notification").await;
    page.wait_text("notification-permission", "allowed", WAIT)
        .await;
    page.js("window.shownNotifications = [];
             window.Notification = new Proxy(window.Notification, {
               construct(target, args) {
                 window.shownNotifications.push(args[0] + ': ' + ((args[1] || {}).body || ''));
                 return Reflect.construct(target, args);
               }
             });
             Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});")
        .await;

    page.acquire_lease().await;
    let exposure = page.start_exposure("600").await;
    page.wait_command(&exposure, "running", WAIT).await;

    // The rain starts.
    skydeck_e2e::set_weather(sim.addr, serde_json::json!({"rain": true})).await;
    page.wait_js(
        "the interlock banner",
        "const b = document.querySelector('[data-testid=interlock-banner]'); return !!b && !b.hidden;",
        WAIT,
    )
    .await;
    page.wait_state(&format!("command-{exposure}"), "canceled", WAIT)
        .await;
    let entry = page.text(&format!("command-{exposure}")).await;
    assert!(
        entry.to_lowercase().contains("rain") || entry.contains("interlock"),
        "the reason: {entry}"
    );
    page.wait_text("controls-denied", "Safety shutdown", WAIT)
        .await;
    page.wait_text("weather-rain", "raining", WAIT).await;
    // The dome closes, taking time: closing first, then closed.
    page.wait_js(
        "the enclosure to close",
        "const s = document.querySelector('[data-testid=enclosure]')?.dataset.state; return s === 'closing' || s === 'closed';",
        WAIT,
    )
    .await;
    page.wait_js(
        "a notification of the shutdown",
        "return window.shownNotifications.some(n => n.startsWith('Safety shutdown'));",
        WAIT,
    )
    .await;
    page.wait_text("conditions-verdict", "Safety shutdown", WAIT)
        .await;
    page.screenshot("12-safety-shutdown").await;
    page.screenshot_of("conditions", "12b-conditions-shutdown")
        .await;
    page.press("n").await;
    page.wait_js(
        "night vision",
        "return document.documentElement.dataset.theme === 'night';",
        WAIT,
    )
    .await;
    page.screenshot("12c-safety-shutdown-night").await;
    page.screenshot_of("conditions", "12d-conditions-night")
        .await;
    page.press("n").await;
    page.wait_state("enclosure", "closed", Duration::from_secs(60))
        .await;
    page.wait_js(
        "the log to tell it",
        "return [...document.querySelectorAll('[data-testid=telescope-log-entry]')].some(e => e.dataset.kind === 'safety');",
        WAIT,
    )
    .await;

    // The rain stops; after the site's wait the telescope comes back, and
    // the astronomer carries on without a reload.
    skydeck_e2e::set_weather(sim.addr, serde_json::json!({"rain": false})).await;
    page.wait_js(
        "the interlock to clear",
        "return document.querySelector('[data-testid=interlock-banner]').hidden;",
        Duration::from_secs(120),
    )
    .await;
    page.wait_js(
        "a notification that it cleared",
        "return window.shownNotifications.some(n => n.startsWith('Safety shutdown cleared'));",
        WAIT,
    )
    .await;
    page.wait_state("enclosure", "open", Duration::from_secs(60))
        .await;
    page.acquire_lease().await;
    let again = page.start_exposure("2").await;
    page.wait_command(&again, "ok", WAIT).await;
    page.screenshot("13-after-the-rain").await;
    page.close().await;
}
