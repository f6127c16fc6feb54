//! The console in headless Chromium against a running `skynode-sim` (started
//! by `scripts/test.sh`, its URL passed at compile time): connect, pick a
//! telescope, `forbidden` without a lease, acquire, track, expose with a
//! preview, cancel, a dropped link, a rejected token.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::HtmlImageElement;
use skydeck::state::command_log::CommandState;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn connects_lists_telescopes_and_shows_live_snapshots() {
    let app = mount_console(VIEWER);
    app.connect().await;
    let list = app
        .wait_for("both telescopes listed", 5_000.0, || {
            let list = app.text("telescope-list");
            list.contains("Siding Spring").then_some(list)
        })
        .await;
    assert!(list.contains("La Palma"), "{list}");
    assert!(list.contains("your access: viewer"), "{list}");
    // Live mount and focuser snapshots of the picked telescope, fresh.
    app.wait_for_fresh_mount().await;
    assert!(
        app.text("live-mount-ra").contains('h'),
        "RA in sexagesimal: {}",
        app.text("live-mount-ra")
    );
    app.wait_for("the focuser position", 5_000.0, || {
        let text = app.find("live-focuser-position")?.text_content()?;
        text.ends_with("µm").then_some(())
    })
    .await;
    // The focuser and rotator histories draw as sparklines.
    for sparkline in ["focuser-sparkline", "rotator-sparkline"] {
        app.wait_for(sparkline, 5_000.0, || {
            let line = app.get(sparkline).query_selector("polyline").ok()??;
            let points = line.get_attribute("points")?;
            (points.split(' ').count() >= 2).then_some(())
        })
        .await;
    }
    // The optics of the picked telescope, as astronomers write them.
    app.wait_for("the optics", 5_000.0, || {
        let ratio = app.find("live-ota-focal-ratio")?.text_content()?;
        (ratio == "f/8.0" || ratio == "f/6.5").then_some(())
    })
    .await;
    // The world's uids are UUIDs; none is on screen where a name exists.
    let shown = app.root.text_content().unwrap_or_default();
    let uuid = shown
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .find(|word| uuid::Uuid::try_parse(word).is_ok());
    assert_eq!(uuid, None, "a uid on screen");
    // A viewer's controls are disabled with the reason, and no lease is offered.
    let denied = app.text("controls-denied");
    assert!(denied.contains("you may watch but not command"), "{denied}");
    assert!(app
        .get("lease-acquire")
        .unchecked_into::<leptos::web_sys::HtmlButtonElement>()
        .disabled());
}

#[wasm_bindgen_test]
async fn forbidden_without_a_lease_is_explained() {
    // This account never holds a lease in these tests.
    let app = mount_console(ASTRONOMER_2);
    app.connect().await;
    // The form is disabled, so publish as a stale page would.
    let id = app.publish_point_to_vega();
    let entry = app.wait_for_state(&id, "error", 10_000.0).await;
    let text = entry.text_content().unwrap_or_default();
    assert!(text.contains("forbidden"), "{text}");
    assert!(
        text.contains("acquire a manual control lease first"),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn acquire_track_expose_with_preview_cancel_and_release() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.acquire_lease().await;
    assert!(
        app.text("lease-status").contains("You hold the lease"),
        "{}",
        app.text("lease-status")
    );

    // Track a catalog object that is up now, until the mount reports tracking.
    app.click("target-mode-catalog");
    app.type_into("target-name", high_target());
    app.run_by_click("mount-track", "mount.track", "ok", 30_000.0)
        .await;
    app.wait_for("the mount snapshot to report tracking", 5_000.0, || {
        (app.text("live-mount-tracking") == "yes").then_some(())
    })
    .await;

    // A bad value is explained before sending.
    let before = app.log_entries().len();
    app.type_into("exposure-duration", "0");
    app.click("exposure-start");
    let explained = app
        .wait_for("the bad duration to be explained", 5_000.0, || {
            let text = app.text("exposure-errors");
            (!text.is_empty()).then_some(text)
        })
        .await;
    assert!(
        explained.contains("duration_s: must be greater than 0"),
        "{explained}"
    );
    assert_eq!(app.log_entries().len(), before, "nothing was sent");

    // Expose; the result matched by command_id carries the preview.
    app.type_into("exposure-duration", "2");
    let id = app
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    let entry = app.wait_for_state(&id, "ok", 20_000.0).await;
    let result = app
        .console
        .log
        .with_untracked(|log| {
            log.get(id.parse().expect("a uuid"))
                .and_then(|e| e.result.clone())
        })
        .expect("the entry holds its result");
    assert_eq!(result.command_id.to_string(), id);
    let image: HtmlImageElement = entry
        .query_selector("[data-testid=exposure-preview]")
        .expect("a valid selector")
        .expect("the exposure shows its preview")
        .unchecked_into();
    app.wait_for("the preview image to load", 10_000.0, || {
        (image.complete() && image.natural_width() > 0).then_some(())
    })
    .await;

    // A long exposure is canceled from its log entry.
    app.type_into("exposure-duration", "600");
    let long = app
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    let running = app.wait_for_state(&long, "running", 5_000.0).await;
    running
        .query_selector("[data-testid=command-cancel]")
        .expect("a valid selector")
        .expect("a running command has a Cancel button")
        .unchecked_into::<leptos::web_sys::HtmlElement>()
        .click();
    app.wait_for_state(&long, "canceled", 10_000.0).await;

    app.release_lease().await;
    app.wait_for("the controls to be disabled again", 5_000.0, || {
        (!app.get("controls-denied").has_attribute("hidden")).then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_dropped_link_reconnects_resubscribes_and_leaves_the_outcome_unknown_until_the_result() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.acquire_lease().await;
    // 100 s at the tests' time scale of 20 is 5 s of real time.
    app.type_into("exposure-duration", "100");
    let id = app
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    app.wait_for_state(&id, "running", 5_000.0).await;

    drop_sockets("dev-astronomer").await;
    let entry = app.wait_for_state(&id, "unknown", 5_000.0).await;
    assert!(entry
        .text_content()
        .unwrap_or_default()
        .contains("outcome unknown"));
    app.wait_for("the sockets to reconnect", 15_000.0, || {
        (app.state_of("socket-commands").as_deref() == Some("open")
            && app.state_of("socket-stream").as_deref() == Some("open"))
        .then_some(())
    })
    .await;
    assert_eq!(
        app.log_entries()
            .iter()
            .filter(|(k, _, _)| k == "camera.exposure.start")
            .count(),
        1,
        "nothing was re-sent"
    );
    // The result arrives on the new subscription and resolves the entry.
    app.wait_for_state(&id, "ok", 20_000.0).await;
    // Snapshots flow again on the re-subscribed stream.
    app.wait_for_fresh_mount().await;
    app.release_lease().await;
}

#[wasm_bindgen_test]
async fn a_link_that_dies_silently_is_pinged_given_up_and_reconnected() {
    let app = mount_console(ASTRONOMER_2);
    app.connect().await;
    freeze_sockets("dev-astronomer-2").await;
    // No close, no error: only the heartbeat can tell. After a silent beat
    // (10 s) it pings; after another without an answer it gives up.
    let reason = app
        .wait_for("the stream to be given up", 35_000.0, || {
            let stream = app.get("socket-stream");
            (stream.get_attribute("data-state").as_deref() == Some("reconnecting"))
                .then(|| stream.text_content().unwrap_or_default())
        })
        .await;
    assert!(reason.contains("no answer to ping"), "{reason}");
    app.wait_for("both sockets open again", 15_000.0, || {
        (app.state_of("socket-commands").as_deref() == Some("open")
            && app.state_of("socket-stream").as_deref() == Some("open"))
        .then_some(())
    })
    .await;
    app.wait_for_fresh_mount().await;
}

#[wasm_bindgen_test]
async fn a_rejected_token_stops_reconnecting_and_says_so() {
    let app = mount_console("not-a-valid-token");
    app.element("connect").await;
    app.click("connect");
    app.wait_for("the token to be rejected", 15_000.0, || {
        (!app.get("token-rejected").has_attribute("hidden")).then_some(())
    })
    .await;
    assert_eq!(app.state_of("socket-commands").as_deref(), Some("closed"));
    assert!(
        app.text("socket-commands").contains("rejected the token"),
        "{}",
        app.text("socket-commands")
    );
}

#[wasm_bindgen_test]
async fn a_short_lease_counts_down_warns_and_auto_renews() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    // 200 s at the tests' time scale of 20 is 10 s of real time: under a minute.
    app.type_into("lease-duration", "200");
    app.acquire_lease().await;
    app.wait_for("the expiry warning", 5_000.0, || {
        (!app.get("lease-warning").has_attribute("hidden")).then_some(())
    })
    .await;
    let status = app.text("lease-status");
    assert!(
        status.contains("You hold the lease") && status.contains(" s left"),
        "{status}"
    );
    let renews = || {
        app.log_entries()
            .iter()
            .filter(|(kind, state, _)| kind == "manual_control_lease.renew" && state == "ok")
            .count()
    };
    assert_eq!(renews(), 0);
    app.click("lease-auto-renew");
    app.wait_for("an automatic renew", 5_000.0, || {
        (renews() == 1).then_some(())
    })
    .await;
    // A manual renew works too.
    app.run_by_click("lease-renew", "manual_control_lease.renew", "ok", 5_000.0)
        .await;
    app.click("lease-auto-renew");
    app.release_lease().await;
    assert!(
        app.get("lease-warning").has_attribute("hidden")
            || !app.text("lease-status").contains("You hold")
    );
}

#[wasm_bindgen_test]
async fn the_owner_aborts_a_lease_and_the_holders_commands_are_canceled() {
    // On the other telescope, so a failure here leaves La Palma alone.
    let owner = mount_console(OWNER);
    owner.connect_to(SIDINGSPRING).await;
    let astronomer = mount_console(ASTRONOMER);
    astronomer.connect_to(SIDINGSPRING).await;
    astronomer.acquire_lease().await;
    assert!(
        astronomer.get("lease-abort").has_attribute("hidden"),
        "abort is the owner's alone"
    );
    astronomer.type_into("exposure-duration", "600");
    let exposure = astronomer
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    astronomer
        .wait_for_state(&exposure, "running", 5_000.0)
        .await;

    owner
        .wait_for("the astronomer's lease", 5_000.0, || {
            owner
                .text("lease-status")
                .contains("dev-astronomer holds the lease")
                .then_some(())
        })
        .await;
    // The owner sees the astronomer's exposure live on the command stream.
    let seen = owner
        .wait_for(
            "the astronomer's exposure in the owner's log",
            5_000.0,
            || owner.find(&format!("command-{exposure}")),
        )
        .await;
    assert!(seen
        .text_content()
        .unwrap_or_default()
        .contains("dev-astronomer"));
    assert!(!owner.get("lease-abort").has_attribute("hidden"));
    // Abort asks first; "Keep it" sends nothing.
    let before = owner.command_ids().len();
    owner.click("lease-abort");
    owner
        .wait_for("the abort confirmation", 5_000.0, || {
            let text = owner.text("lease-confirm");
            text.contains("Abort dev-astronomer's lease").then_some(())
        })
        .await;
    owner.click("lease-confirm-no");
    owner
        .wait_for("the confirmation to close", 5_000.0, || {
            owner
                .get("lease-confirm")
                .has_attribute("hidden")
                .then_some(())
        })
        .await;
    assert_eq!(owner.command_ids().len(), before, "nothing was sent");
    owner.click("lease-abort");
    owner
        .wait_for("the abort confirmation again", 5_000.0, || {
            (!owner.get("lease-confirm").has_attribute("hidden")).then_some(())
        })
        .await;
    owner
        .run_by_click(
            "lease-confirm-yes",
            "system.abort_manual_control",
            "ok",
            5_000.0,
        )
        .await;

    astronomer
        .wait_for_state(&exposure, "canceled", 10_000.0)
        .await;
    astronomer
        .wait_for("the lease to be gone", 5_000.0, || {
            astronomer
                .text("lease-status")
                .contains("Nobody holds a lease")
                .then_some(())
        })
        .await;
    let abort_seen = astronomer
        .log_entries()
        .into_iter()
        .any(|(kind, _, entry)| {
            kind == "system.abort_manual_control"
                && entry
                    .text_content()
                    .unwrap_or_default()
                    .contains("dev-owner")
        });
    assert!(abort_seen, "the astronomer sees who aborted");
}

#[wasm_bindgen_test]
async fn abort_is_in_view_while_commands_run_and_esc_cancels_them_all() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.acquire_lease().await;
    assert!(app
        .get("abort-all")
        .parent_element()
        .expect("the bar")
        .has_attribute("hidden"));
    app.type_into("exposure-duration", "600");
    let exposure = app
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    app.wait_for_state(&exposure, "running", 5_000.0).await;
    app.type_into("rotator-delta", "180");
    let rotation = app
        .publish_by_click("rotator-move-relative", "rotator.move_relative")
        .await;
    app.wait_for_state(&rotation, "running", 5_000.0).await;
    app.wait_for("the Abort bar", 5_000.0, || {
        let bar = app.get("abort-all").parent_element()?;
        (!bar.has_attribute("hidden")).then_some(())
    })
    .await;
    assert!(
        app.text("abort-all").contains("cancel 2 running"),
        "{}",
        app.text("abort-all")
    );

    press_key("Escape");
    app.wait_for_state(&exposure, "canceled", 10_000.0).await;
    app.wait_for_state(&rotation, "canceled", 10_000.0).await;
    app.wait_for("the Abort bar to go", 5_000.0, || {
        app.get("abort-all")
            .parent_element()?
            .has_attribute("hidden")
            .then_some(())
    })
    .await;
    app.release_lease().await;
}

#[wasm_bindgen_test]
async fn night_vision_toggles_with_n_and_is_remembered() {
    let app = mount_console(ASTRONOMER);
    let theme = || {
        leptos::prelude::document()
            .document_element()
            .and_then(|e| e.get_attribute("data-theme"))
    };
    let start = theme().expect("a theme is applied");
    let other = if start == "night" { "dark" } else { "night" };
    press_key("n");
    app.wait_for("the theme to toggle", 2_000.0, || {
        (theme().as_deref() == Some(other)).then_some(())
    })
    .await;
    let stored = leptos::prelude::window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item("skydeck.theme").ok().flatten());
    assert_eq!(stored.as_deref(), Some(other), "remembered");
    // Typing an "n" into a field is typing, not a shortcut (the field is
    // in the Advanced settings, which come with the deferred code).
    let input = app.element("api-token").await;
    let init = leptos::web_sys::KeyboardEventInit::new();
    init.set_key("n");
    init.set_bubbles(true);
    let event = leptos::web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
        .expect("a keyboard event");
    input.dispatch_event(&event).expect("dispatch");
    leptos::task::tick().await;
    assert_eq!(theme().as_deref(), Some(other));
    // The button does the same, and says so.
    app.click("theme-toggle");
    app.wait_for("the theme to toggle back", 2_000.0, || {
        (theme().as_deref() == Some(start.as_str())).then_some(())
    })
    .await;
    assert_eq!(
        app.get("theme-toggle")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some((start == "night").to_string().as_str())
    );
}

#[wasm_bindgen_test]
async fn a_slew_below_the_horizon_is_refused_before_sending_unless_overridden() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.acquire_lease().await;
    let before = app.command_ids().len();
    app.type_into("target-name", low_target());
    app.click("mount-point");
    let refusal = app
        .wait_for("the safety refusal", 5_000.0, || {
            let text = app.text("target-safety");
            (!text.is_empty()).then_some(text)
        })
        .await;
    assert!(refusal.contains("below the horizon"), "{refusal}");
    assert_eq!(app.command_ids().len(), before, "nothing was sent");

    // An explicit override sends it; the server then has its own limit.
    app.click("target-override");
    let id = app.publish_by_click("mount-point", "mount.point").await;
    let entry = app.wait_for_state(&id, "error", 10_000.0).await;
    assert!(entry
        .text_content()
        .unwrap_or_default()
        .contains("below_horizon"));
    assert!(
        !app.get("target-override")
            .unchecked_into::<leptos::web_sys::HtmlInputElement>()
            .checked(),
        "an override covers one command"
    );
    app.release_lease().await;
}

#[wasm_bindgen_test]
async fn the_session_exports_as_json_and_csv() {
    let app = mount_console(ASTRONOMER_2);
    app.connect().await;
    // Something to export: a refused publish (this account holds no lease).
    let id = app.publish_point_to_vega();
    app.wait_for_state(&id, "error", 10_000.0).await;
    let csv = app.console.log.with_untracked(|log| {
        app.console
            .lease_events
            .with_untracked(|leases| skydeck::state::export::to_csv(log, leases))
    });
    let uid = app.telescope_uid(LAPALMA).expect("La Palma is listed");
    assert!(
        csv.contains(&format!("command,{id},{uid},mount.point,Vega")),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("result,{id},{uid},mount.point,,,error,forbidden")),
        "{csv}"
    );
    app.click("export-csv");
    app.wait_for("the CSV export", 5_000.0, || {
        app.text("notices").contains(".csv").then_some(())
    })
    .await;
    app.click("export-json");
    app.wait_for("the JSON export", 5_000.0, || {
        app.text("notices").contains(".json").then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_target_is_found_by_name_and_placed_before_the_slew() {
    let app = mount_console(VIEWER);
    app.connect().await;
    app.type_into("target-name", "orion neb");
    let offered = app
        .wait_for("catalog suggestions", 5_000.0, || {
            let list = app.find("target-suggestions")?;
            let first = list.query_selector("option").ok()??;
            first.get_attribute("value")
        })
        .await;
    assert_eq!(offered, "M42");
    assert_eq!(
        app.get("target-name").get_attribute("list").as_deref(),
        Some("target-catalog")
    );
    app.type_into("target-name", "M42");
    let info = app
        .wait_for("the target's place", 5_000.0, || {
            let text = app.text("target-info");
            text.contains("M42").then_some(text)
        })
        .await;
    assert!(info.contains("Orion Nebula"), "{info}");
    assert!(
        info.contains("altitude") && info.contains("from the Sun"),
        "{info}"
    );
    assert!(info.contains("transits"), "{info}");
    app.type_into("target-name", "Planet X");
    app.wait_for("an unknown name explained", 5_000.0, || {
        app.text("target-info")
            .contains("not in SkyDeck's catalog")
            .then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn keyboard_shortcuts_nudge_expose_and_are_listed() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    // The list of shortcuts, from the same table the keys use.
    press_key("?");
    app.wait_for("the shortcuts list", 2_000.0, || {
        (!app.get("shortcuts-help").has_attribute("hidden")).then_some(())
    })
    .await;
    assert!(app.text("shortcuts-help").contains("Nudge the mount north"));
    press_key("Escape");
    app.wait_for("the list to close", 2_000.0, || {
        app.get("shortcuts-help")
            .has_attribute("hidden")
            .then_some(())
    })
    .await;
    // Without a lease the keys press disabled buttons: nothing is sent.
    let before = app.command_ids().len();
    press_key("ArrowUp");
    leptos::task::tick().await;
    assert_eq!(app.command_ids().len(), before);

    app.acquire_lease().await;
    let before = app.command_ids();
    press_key("ArrowUp");
    let nudge = app
        .wait_for("a nudge north", 5_000.0, || {
            app.log_entries().into_iter().find_map(|(kind, _, e)| {
                let id = e.get_attribute("data-command-id")?;
                (kind == "mount.offset_relative" && !before.contains(&id)).then_some((id, e))
            })
        })
        .await;
    assert!(nudge
        .1
        .text_content()
        .unwrap_or_default()
        .contains("+30\" in dec"));
    app.wait_for_state(&nudge.0, "ok", 10_000.0).await;
    app.type_into("exposure-duration", "1");
    let exposure = app.publish_by_key("e", "camera.exposure.start").await;
    app.wait_for_state(&exposure, "ok", 10_000.0).await;
    app.release_lease().await;
}

#[wasm_bindgen_test]
async fn frames_gather_in_a_gallery_and_stretch_on_a_canvas() {
    let app = mount_console(ASTRONOMER);
    app.connect_to(SIDINGSPRING).await;
    app.acquire_lease().await;
    for duration in ["1", "3"] {
        app.type_into("exposure-duration", duration);
        let id = app
            .publish_by_click("exposure-start", "camera.exposure.start")
            .await;
        app.wait_for_state(&id, "ok", 15_000.0).await;
    }
    app.wait_for("two thumbnails", 5_000.0, || {
        let n = app
            .get("gallery")
            .query_selector_all("[data-testid=gallery-thumb]")
            .ok()?
            .length();
        (n == 2).then_some(())
    })
    .await;
    let canvas = || app.get("stretch-canvas");
    app.wait_for("the newest frame drawn with asinh", 10_000.0, || {
        if let Some(error) = canvas().get_attribute("data-error") {
            panic!("drawing failed: {error}");
        }
        (canvas().get_attribute("data-drawn").as_deref() == Some("asinh")).then_some(())
    })
    .await;
    assert!(
        app.text("frame-meta").contains("· 3.0 s ·"),
        "{}",
        app.text("frame-meta")
    );
    let width = canvas()
        .unchecked_into::<leptos::web_sys::HtmlCanvasElement>()
        .width();
    assert!(width > 0);
    app.choose("stretch", "linear");
    app.wait_for("the frame redrawn linear", 10_000.0, || {
        (canvas().get_attribute("data-drawn").as_deref() == Some("linear")).then_some(())
    })
    .await;
    // The older frame, chosen from the gallery.
    let older = app
        .get("gallery")
        .query_selector_all("[data-testid=gallery-thumb]")
        .expect("a valid selector")
        .item(1)
        .expect("a second thumbnail")
        .unchecked_into::<leptos::web_sys::HtmlElement>();
    older.click();
    app.wait_for("the older frame's metadata", 5_000.0, || {
        app.text("frame-meta").contains("· 1.0 s ·").then_some(())
    })
    .await;
    app.release_lease().await;
}

#[wasm_bindgen_test]
async fn the_gallery_holds_a_page_of_frames_and_pages_to_older_ones() {
    use skydeck::state::command_log::Outcome;
    let app = mount_console(ASTRONOMER);
    app.connect_to(SIDINGSPRING).await;
    app.acquire_lease().await;
    app.type_into("exposure-duration", "1");
    let mut ids = Vec::new();
    for _ in 0..25 {
        let id = app
            .publish_by_click("exposure-start", "camera.exposure.start")
            .await;
        app.wait_for_state(&id, "ok", 15_000.0).await;
        ids.push(id);
    }
    let thumbs = || {
        let list = app
            .get("gallery")
            .query_selector_all("[data-testid=gallery-thumb]")
            .expect("a valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<leptos::web_sys::Element>().ok())
            .filter_map(|e| e.get_attribute("data-exposure-id"))
            .collect::<Vec<_>>()
    };
    app.wait_for("a page of thumbnails", 5_000.0, || {
        (thumbs().len() == 24).then_some(())
    })
    .await;
    assert_eq!(app.text("frames-page"), "1–24 of 25");

    let first: skynet_protocol::CommandId = ids[0].parse().expect("a command_id");
    let first_exposure =
        app.console
            .log
            .with_untracked(|log| match log.get(first).map(|e| e.outcome()) {
                Some(Outcome::Exposure(e)) => e.exposure_id,
                other => panic!("the first exposure's outcome: {other:?}"),
            });
    assert!(
        !thumbs().iter().any(|t| t.contains(&first_exposure)),
        "the oldest frame is a page away"
    );
    app.click("frames-older");
    let older = app
        .wait_for("the older page", 5_000.0, || {
            let shown = thumbs();
            (shown.len() == 1).then_some(shown)
        })
        .await;
    assert!(older[0].contains(&first_exposure), "{older:?}");
    app.release_lease().await;
}

#[wasm_bindgen_test]
async fn the_sky_view_shows_the_pointing_and_a_click_fills_the_target() {
    let app = mount_console(VIEWER);
    app.connect().await;
    app.wait_for("the mount on the sky view", 5_000.0, || {
        app.find("sky-pointing")
    })
    .await;
    assert!(app.find("sky-limit").is_some());
    let caption = app.text("sky-caption");
    assert!(
        caption.contains("Mount at alt") && caption.contains("Sun "),
        "{caption}"
    );

    // Click half way between the zenith and the southern horizon: alt 45°, az 180°.
    let svg = app.get("sky-view");
    let rect = svg.get_bounding_client_rect();
    let (cx, cy) = (
        rect.left() + rect.width() / 2.0,
        rect.top() + rect.height() / 2.0,
    );
    let radius = (rect.height() / 2.0) * (104.0 / 120.0);
    let init = leptos::web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_client_x(cx.round() as i32);
    init.set_client_y((cy + radius / 2.0).round() as i32);
    let click = leptos::web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init)
        .expect("a mouse event");
    svg.dispatch_event(&click).expect("dispatch click");
    let info = app
        .wait_for("the clicked point as the target", 5_000.0, || {
            let ra = app
                .get("target-ra")
                .unchecked_into::<leptos::web_sys::HtmlInputElement>()
                .value();
            let info = app.text("target-info");
            (!ra.is_empty() && info.contains("altitude")).then_some(info)
        })
        .await;
    // Rounding to the pixel and to the second of arc: within a degree.
    let alt: f64 = info
        .split("altitude ")
        .nth(1)
        .and_then(|rest| rest.split('°').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no altitude in {info}"));
    assert!((alt - 45.0).abs() < 1.5, "{info}");
    assert!(
        info.contains("azimuth 18") || info.contains("azimuth 17"),
        "{info}"
    );
}

#[wasm_bindgen_test]
async fn a_raster_plays_in_the_sky_views_inset() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.acquire_lease().await;
    app.click("target-mode-catalog");
    app.type_into("target-name", high_target());
    app.choose("pattern-kind", "raster");
    app.type_into("raster-step", "30");
    app.type_into("raster-rows", "3");
    app.type_into("raster-columns", "4");
    app.type_into("raster-dwell", "10");
    app.run_by_click("mount-track", "mount.track", "ok", 30_000.0)
        .await;

    app.wait_for("the pattern inset", 5_000.0, || app.find("sky-pattern"))
        .await;
    let plan: Vec<(f64, f64)> = app
        .get("pattern-plan")
        .get_attribute("points")
        .unwrap_or_default()
        .split(' ')
        .filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect();
    assert_eq!(plan.len(), 12, "every raster point is planned: {plan:?}");

    // The mount walks the grid: the dot visits several planned points in turn.
    let mut visited: Vec<usize> = Vec::new();
    app.wait_for("the mount to visit three raster points", 20_000.0, || {
        let dot = app.find("pattern-pointing")?;
        let at = |name: &str| -> Option<f64> { dot.get_attribute(name)?.parse().ok() };
        let (x, y) = (at("cx")?, at("cy")?);
        if let Some(i) = plan
            .iter()
            .position(|&(px, py)| (px - x).abs() < 1.5 && (py - y).abs() < 1.5)
        {
            if visited.last() != Some(&i) {
                visited.push(i);
            }
        }
        (visited.len() >= 3).then_some(())
    })
    .await;
    let caption = app.text("pattern-caption");
    assert!(
        caption.starts_with("Raster 4×3, 30″ steps: now") && caption.contains("of the centre"),
        "{caption}"
    );
    app.release_lease().await;
}

#[wasm_bindgen_test]
async fn a_long_log_shows_a_page_at_a_time_and_the_page_holds_still() {
    let app = mount_console(ASTRONOMER_2);
    app.connect().await;
    // Refused publishes (no lease) are quick to resolve: 60 of them.
    let ids: Vec<String> = (0..60).map(|_| app.publish_point_to_vega()).collect();
    let refused = |id: &str| {
        let id: skynet_protocol::CommandId = id.parse().expect("a command_id");
        app.console.log.with_untracked(|log| {
            log.get(id)
                .is_some_and(|e| matches!(e.state, CommandState::Error(_)))
        })
    };
    app.wait_for("all 60 to be refused", 10_000.0, || {
        ids.iter().all(|id| refused(id)).then_some(())
    })
    .await;
    let len = || app.console.log.with_untracked(|log| log.entries().len());
    let shown = || app.command_ids();
    let disabled = |id: &str| app.get(id).has_attribute("disabled");

    assert_eq!(shown().len(), 50, "one page of the log is on screen");
    assert_eq!(shown()[0], ids[59], "newest first");
    assert_eq!(app.text("log-page"), format!("1–50 of {}", len()));
    assert!(disabled("log-newer") && disabled("log-newest"));

    app.click("log-older");
    app.wait_for("the older page", 5_000.0, || {
        shown().contains(&ids[0]).then_some(())
    })
    .await;
    let older = shown();
    assert_eq!(older.len(), len() - 50);
    assert!(!older.contains(&ids[59]));
    assert!(disabled("log-older"), "nothing older than the oldest page");

    // A new command does not move the page under the reader's eyes.
    let late = app.publish_point_to_vega();
    app.wait_for("the new command to be refused", 10_000.0, || {
        refused(&late).then_some(())
    })
    .await;
    assert_eq!(
        app.text("log-page"),
        format!("{}–{n} of {n}", len() + 1 - older.len(), n = len()),
        "the count includes the new command"
    );
    assert_eq!(shown(), older, "the older page holds still");

    app.click("log-newest");
    app.wait_for("the newest page", 5_000.0, || {
        (shown().first() == Some(&late)).then_some(())
    })
    .await;
    assert_eq!(shown().len(), 50);
}

#[wasm_bindgen_test]
async fn a_cancel_the_server_refuses_leaves_another_clients_command_running() {
    // On Siding Spring, like the owner's abort, so La Palma is left alone.
    let astronomer = mount_console(ASTRONOMER);
    astronomer.connect_to(SIDINGSPRING).await;
    let watcher = mount_console(ASTRONOMER_2);
    watcher.connect_to(SIDINGSPRING).await;
    astronomer.acquire_lease().await;
    astronomer.type_into("exposure-duration", "600");
    let exposure = astronomer
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    astronomer
        .wait_for_state(&exposure, "running", 5_000.0)
        .await;
    let entry = watcher
        .wait_for("the exposure in the watcher's log", 5_000.0, || {
            watcher.find(&format!("command-{exposure}"))
        })
        .await;
    let cancel = entry
        .query_selector("[data-testid=\"command-cancel\"]")
        .expect("a valid selector")
        .expect("the entry has a cancel button");
    assert!(
        cancel.has_attribute("hidden"),
        "another account's command offers no Cancel to a mere astronomer"
    );
    // Asked anyway (as a stale view might): the server says `forbidden`, and
    // that refuses the cancel, not the command.
    let id = exposure.parse().expect("a command id");
    watcher.console.cancel(id).expect("the cancel is sent");
    watcher
        .wait_for("the refused cancel to be shown", 5_000.0, || {
            let text = watcher
                .find(&format!("command-{exposure}"))?
                .query_selector("[data-testid=\"cancel-refused\"]")
                .ok()??
                .text_content()?;
            text.contains("forbidden").then_some(())
        })
        .await;
    assert_eq!(
        entry.get_attribute("data-state").as_deref(),
        Some("running"),
        "{}",
        entry.text_content().unwrap_or_default()
    );
    assert!(watcher.console.log.with_untracked(|log| {
        log.get(id)
            .is_some_and(|e| e.state == CommandState::Sent && !e.cancel_requested)
    }));
    // The sender may cancel it.
    astronomer
        .get(&format!("command-{exposure}"))
        .query_selector("[data-testid=command-cancel]")
        .expect("a valid selector")
        .expect("a running command has a Cancel button")
        .unchecked_into::<leptos::web_sys::HtmlElement>()
        .click();
    astronomer
        .wait_for_state(&exposure, "canceled", 10_000.0)
        .await;
    astronomer.release_lease().await;
}

#[wasm_bindgen_test]
async fn keys_drive_their_own_console_not_the_first_button_on_the_page() {
    // A watcher's console comes first on the page: its controls are
    // disabled. The keys must drive each console's own actions, not the
    // first matching button in the document.
    let watcher = mount_console(VIEWER);
    watcher.connect_to(SIDINGSPRING).await;
    let app = mount_console(ASTRONOMER);
    app.connect_to(SIDINGSPRING).await;
    app.acquire_lease().await;
    app.type_into("exposure-duration", "1");
    let exposure = app.publish_by_key("e", "camera.exposure.start").await;
    app.wait_for_state(&exposure, "ok", 10_000.0).await;
    assert_eq!(
        watcher
            .console
            .log
            .with_untracked(|log| log.running_mine().count()
                + log
                    .entries()
                    .iter()
                    .filter(|e| e.sender == skydeck::state::command_log::Sender::ThisTab)
                    .count()),
        0,
        "the viewer's console sent nothing"
    );
    app.release_lease().await;
}

#[wasm_bindgen_test]
async fn an_absurd_name_from_the_server_is_shown_bounded_and_flagged() {
    // The owner publishes a track to a 400,000-character catalog name: the
    // server accepts it, echoes it on the `command` stream to every watcher
    // and refuses it in the result. A watcher's log must stay a line long.
    let watcher = mount_console(ASTRONOMER_2);
    watcher.connect().await;
    let owner = mount_console(OWNER);
    owner.connect().await;
    let huge = "M".repeat(400_000);
    let id = owner
        .console
        .publish_to(
            owner.telescope_uid(LAPALMA).expect("La Palma is listed"),
            skynet_protocol::Command::MountTrack(skynet_protocol::MountTrack {
                target: skynet_protocol::TargetPosition::catalog(huge),
                offset_pattern: None,
            }),
        )
        .expect("published");
    let id = id.to_string();
    for app in [&watcher, &owner] {
        let entry = app
            .wait_for("the track's result in the log", 10_000.0, || {
                let entry = app.find(&format!("command-{id}"))?;
                (entry.get_attribute("data-state").as_deref() == Some("error")).then_some(entry)
            })
            .await;
        let text = entry.text_content().unwrap_or_default();
        assert!(text.len() < 3_000, "the entry holds {} bytes", text.len());
        assert!(
            text.contains("(out of range)"),
            "{}",
            &text[..200.min(text.len())]
        );
        let height = entry
            .unchecked_ref::<leptos::web_sys::HtmlElement>()
            .offset_height();
        assert!(height < 1_000, "the entry is {height} px tall");
    }
}

#[wasm_bindgen_test]
async fn sustained_manual_mode_says_who_holds_the_telescope_and_leaves_commands_to_the_owner() {
    use skynet_protocol::{Command, MoveRelativeUm};
    // This account never takes a lease in these tests.
    let astronomer = mount_console(ASTRONOMER_2);
    astronomer.connect_to(SIDINGSPRING).await;
    let uid = astronomer
        .telescope_uid(SIDINGSPRING)
        .expect("Siding Spring is listed");
    let item = format!("telescope-{uid}");
    set_control_authority(&uid, "manual").await;
    astronomer
        .wait_for("the picker to say who holds it", 5_000.0, || {
            astronomer
                .text(&item)
                .contains("sustained manual mode, set by dev-owner")
                .then_some(())
        })
        .await;
    let denied = astronomer.text("controls-denied");
    assert!(
        denied.contains("sustained manual mode by dev-owner")
            && denied.contains("only its owner and operators command it"),
        "{denied}"
    );
    let acquire = || {
        astronomer
            .get("lease-acquire")
            .unchecked_into::<leptos::web_sys::HtmlButtonElement>()
            .disabled()
    };
    assert!(acquire(), "no lease is offered in manual mode");
    assert!(
        astronomer
            .text("lease-status")
            .contains("Only its owner and operators command it"),
        "{}",
        astronomer.text("lease-status")
    );

    // The owner commands it without a lease.
    let owner = mount_console(OWNER);
    owner.connect_to(SIDINGSPRING).await;
    assert!(owner.get("controls-denied").has_attribute("hidden"));
    let id = owner
        .console
        .publish(Command::FocuserMoveRelative(MoveRelativeUm {
            delta_um: 5.0,
        }))
        .expect("the commands socket is open")
        .to_string();
    owner.wait_for_state(&id, "ok", 15_000.0).await;

    set_control_authority(&uid, "remote").await;
    astronomer
        .wait_for("remote control again", 5_000.0, || {
            (astronomer.text(&item).contains("remote control") && !acquire()).then_some(())
        })
        .await;
}

#[wasm_bindgen_test]
async fn sockets_move_to_a_renewed_token_without_losing_a_result_or_re_sending() {
    let app = mount_console(ASTRONOMER);
    app.connect_to(SIDINGSPRING).await;
    app.acquire_lease().await;
    // 40 s of sky time: two seconds here, long enough to move under it.
    app.type_into("exposure-duration", "40");
    let exposure = app
        .publish_by_click("exposure-start", "camera.exposure.start")
        .await;
    app.wait_for_state(&exposure, "running", 5_000.0).await;
    let before = app.console.sockets_generation();
    // As a renewal does: the same account's token, a new pair of sockets.
    app.console.move_sockets_to_current_token();
    app.wait_for("the sockets to move", 5_000.0, || {
        (!app.console.moving_sockets() && app.console.sockets_generation() != before).then_some(())
    })
    .await;
    let state = app.state_of(&format!("command-{exposure}"));
    assert_eq!(
        state.as_deref(),
        Some("running"),
        "the move finished while the exposure ran"
    );
    // The result comes on the new pair: ok, not unknown, and sent once.
    app.wait_for_state(&exposure, "ok", 15_000.0).await;
    let entries = app
        .log_entries()
        .into_iter()
        .filter(|(kind, _, _)| kind == "camera.exposure.start")
        .count();
    assert_eq!(entries, 1, "the exposure was published once");
    let notices = app.text("notices");
    assert!(
        !notices.contains("dropped") && !notices.contains("Could not move"),
        "{notices}"
    );
    assert_eq!(app.state_of("socket-commands").as_deref(), Some("open"));
    assert_eq!(app.state_of("socket-stream").as_deref(), Some("open"));
    app.release_lease().await;
}
