//! The reference's two patterns as guided workflows, run by one click each
//! against the running simulator, and a failed step that releases its lease.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Waits for the workflow to end and returns its `data-state`.
async fn workflow_end(app: &Mounted, timeout_ms: f64) -> String {
    app.wait_for("the workflow to end", timeout_ms, || {
        let state = app.state_of("workflow-status")?;
        (state == "succeeded" || state == "failed").then_some(state)
    })
    .await
}

fn step_states(app: &Mounted) -> Vec<String> {
    (0..)
        .map_while(|i| app.state_of(&format!("workflow-step-{i}")))
        .collect()
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn manual_slew_and_expose_runs_to_the_end_by_one_click() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.type_into("workflow-target-name", high_target());
    app.type_into("workflow-exposure", "2");
    app.click("workflow-slew-start");
    let end = workflow_end(&app, 60_000.0).await;
    assert_eq!(end, "succeeded", "{}", app.text("workflow-status"));
    assert_eq!(step_states(&app), vec!["done"; 6]);
    // Each step's command is in the log, resolved by its result.
    let kinds: Vec<(String, String)> = app
        .log_entries()
        .into_iter()
        .rev()
        .map(|(kind, state, _)| (kind, state))
        .collect();
    let ok = |k: &str| kinds.iter().any(|(kind, state)| kind == k && state == "ok");
    for kind in [
        "manual_control_lease.acquire",
        "mount.track",
        "camera.exposure.start",
        "manual_control_lease.release",
    ] {
        assert!(ok(kind), "{kind} ok in {kinds:?}");
    }
    assert!(
        app.text("workflow-step-4").contains("exposure"),
        "{}",
        app.text("workflow-step-4")
    );
    assert!(
        app.text("lease-status").contains("Nobody holds a lease")
            || !app.text("lease-status").contains("You hold")
    );
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn autofocus_sweep_runs_to_the_end_by_one_click() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.type_into("workflow-filter", "R");
    app.click("workflow-autofocus-start");
    let end = workflow_end(&app, 90_000.0).await;
    assert_eq!(end, "succeeded", "{}", app.text("workflow-status"));
    assert_eq!(step_states(&app), vec!["done"; 5]);
    // Seen on the stream, or (when the result came first) from its samples.
    let watched = app.text("workflow-step-2");
    assert!(
        watched.contains("focuser moving") || watched.contains("focuser moved through"),
        "{watched}"
    );
    // The V-curve drew the sweep's samples and marks the result.
    let samples = app
        .get("vcurve")
        .query_selector_all("[data-testid=vcurve-sample]")
        .expect("a valid selector")
        .length();
    assert!(samples >= 9, "{samples} samples drawn");
    app.wait_for("the result on the V-curve", 5_000.0, || {
        app.find("vcurve-result")
    })
    .await;
    assert!(
        app.text("vcurve-caption").contains("result: best focus"),
        "{}",
        app.text("vcurve-caption")
    );
    assert!(
        app.text("workflow-step-3").contains("best focus"),
        "{}",
        app.text("workflow-step-3")
    );
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn a_failed_step_stops_the_workflow_says_why_and_releases_the_lease() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.type_into("workflow-target-name", "No Such Object 12345");
    // SkyDeck cannot check a name its catalog lacks: it refuses first...
    app.click("workflow-slew-start");
    app.wait_for("the safety refusal", 5_000.0, || {
        let text = app.text("workflow-target-safety");
        text.contains("not in SkyDeck's catalog").then_some(())
    })
    .await;
    assert!(app.state_of("workflow-status").as_deref() == Some("none"));
    // ...until the user overrides, and the server has its say.
    app.click("workflow-target-override");
    app.click("workflow-slew-start");
    let end = workflow_end(&app, 60_000.0).await;
    assert_eq!(end, "failed");
    let status = app.text("workflow-status");
    assert!(
        status.contains("Track the target") && status.contains("unknown_target"),
        "{status}"
    );
    assert_eq!(
        step_states(&app),
        ["done", "failed", "skipped", "skipped", "skipped", "done"],
        "the lease it took was released"
    );
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn stop_cancels_the_running_step_and_releases_the_lease() {
    let app = mount_console(ASTRONOMER);
    app.connect().await;
    app.type_into("workflow-target-name", high_target());
    app.type_into("workflow-exposure", "900");
    app.click("workflow-slew-start");
    app.wait_for("the exposure to be running", 60_000.0, || {
        (app.state_of("workflow-step-4").as_deref() == Some("active")).then_some(())
    })
    .await;
    app.click("workflow-stop");
    let end = workflow_end(&app, 20_000.0).await;
    assert_eq!(end, "failed");
    assert!(app.text("workflow-status").contains("stopped by you"));
    assert_eq!(step_states(&app).last().map(String::as_str), Some("done"));
    app.wait_for("the exposure to be canceled", 10_000.0, || {
        app.log_entries()
            .into_iter()
            .find(|(kind, _, _)| kind == "camera.exposure.start")
            .filter(|(_, state, _)| state == "canceled")
    })
    .await;
}
