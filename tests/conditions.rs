//! The sky and the site in headless Chromium against the running
//! `skynode-sim`: the conditions panel, a safety interlock's banner with the
//! controls disabled, and the telescope log panel. The rain falls on Siding
//! Spring only, so the other suites' La Palma stays dry.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Siding Spring's observatory in the simulator's built-in world.
const SIDING_SPRING_OBSERVATORY: &str = "2cdb3b82-2a9b-4d0d-ab16-3c9fe1e084f6";

#[wasm_bindgen_test]
async fn the_conditions_panel_shows_weather_constraints_enclosure_and_tonight() {
    let app = mount_console(VIEWER);
    app.connect_to(SIDINGSPRING).await;
    // The weather with its units, as the sensor reports it.
    app.wait_for("the weather", 10_000.0, || {
        let wind = app.text("weather-wind");
        (wind.contains("m/s") && app.text("weather-humidity").contains('%')).then_some(())
    })
    .await;
    assert!(app.text("weather-temperature").contains("°C"));
    assert_eq!(app.text("weather-rain"), "dry");
    // Each constraint with its limit, its value and since when.
    let rows = app
        .wait_for("the constraints", 10_000.0, || {
            let rows = app
                .get("constraints")
                .query_selector_all("[data-testid=constraint-row]")
                .ok()?;
            (rows.length() >= 3).then_some(rows)
        })
        .await;
    let mut labels = Vec::new();
    for i in 0..rows.length() {
        let row: web_sys::Element = rows.item(i).expect("a row").unchecked_into();
        let text = row.text_content().unwrap_or_default();
        assert!(
            text.contains('≤') || text.contains('≥') || text.contains("none"),
            "a limit: {text}"
        );
        assert!(row.get_attribute("data-holds").is_some());
        labels.push(text);
    }
    assert!(
        labels.iter().any(|l| l.starts_with("Rain"))
            && labels.iter().any(|l| l.starts_with("Wind")),
        "{labels:?}"
    );
    // Statuses come: each row says whether it holds.
    app.wait_for("every constraint's status", 10_000.0, || {
        (!app
            .get("constraints")
            .inner_html()
            .contains("data-holds=\"unknown\""))
        .then_some(())
    })
    .await;
    // Each row's title is the status's own message, as sent: the stream's
    // relay hands over non-ASCII text whole ("the Sun is at -14.2°, ...").
    let rows = app
        .get("constraints")
        .query_selector_all("[data-testid=constraint-row]")
        .expect("the rows");
    let titles: Vec<String> = (0..rows.length())
        .filter_map(|i| {
            rows.item(i)?
                .unchecked_into::<web_sys::Element>()
                .get_attribute("title")
        })
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("the Sun is at ") && t.ends_with('°')),
        "{titles:?}"
    );
    // The verdict names a threshold or says observing is allowed.
    let verdict = app.get("conditions-verdict");
    let state = verdict.get_attribute("data-state").unwrap_or_default();
    assert!(
        state == "allowed" || state == "not-allowed",
        "{state}: {}",
        app.text("conditions-verdict")
    );
    if state == "not-allowed" {
        assert!(
            app.text("conditions-verdict").contains("limit"),
            "{}",
            app.text("conditions-verdict")
        );
    }
    wait_for_enclosure(&app, "open").await;
    // The Sun now and tonight's twilights at the site.
    assert!(
        app.text("sun-altitude").ends_with('°'),
        "{}",
        app.text("sun-altitude")
    );
    let twilight = app.text("twilight-astronomical");
    assert_eq!(
        twilight.matches("UTC").count(),
        2,
        "dusk and dawn: {twilight}"
    );
}

#[wasm_bindgen_test]
async fn rain_shuts_the_telescope_down_with_a_banner_disabled_controls_and_a_log() {
    let app = mount_console(ASTRONOMER_2);
    app.connect_to(SIDINGSPRING).await;
    wait_for_enclosure(&app, "open").await;
    assert!(app.get("interlock-banner").has_attribute("hidden"));
    app.acquire_lease().await;
    let controls = app.get("controls-body");
    assert!(!controls
        .unchecked_ref::<web_sys::HtmlFieldSetElement>()
        .disabled());

    set_weather(SIDING_SPRING_OBSERVATORY, serde_json::json!({"rain": true})).await;
    app.wait_for("the banner", 10_000.0, || {
        (!app.get("interlock-banner").has_attribute("hidden")).then_some(())
    })
    .await;
    let reason = app.text("interlock-reason");
    assert!(reason.contains("shut down for safety"), "{reason}");
    let denied = app.text("controls-denied");
    assert!(denied.contains("Safety shutdown"), "{denied}");
    assert!(controls
        .unchecked_ref::<web_sys::HtmlFieldSetElement>()
        .disabled());
    assert!(app.text("conditions-verdict").contains("Safety shutdown"));
    app.wait_for("the rain on the panel", 10_000.0, || {
        (app.text("weather-rain") == "raining").then_some(())
    })
    .await;
    // The failing constraint is first, and says since when.
    let first = app
        .get("constraints")
        .query_selector("[data-testid=constraint-row]")
        .ok()
        .flatten()
        .expect("a row");
    assert_eq!(first.get_attribute("data-holds").as_deref(), Some("fails"));
    assert!(first.text_content().unwrap_or_default().contains("UTC"));

    // The log tells it, and filters by type and level.
    app.wait_for("a safety entry", 10_000.0, || {
        app.get("telescope-log-entries")
            .query_selector("[data-kind=safety]")
            .ok()
            .flatten()
    })
    .await;
    app.click("telescope-log-kind-message");
    app.click("telescope-log-kind-command");
    app.click("telescope-log-kind-note");
    app.click("telescope-log-kind-other");
    app.wait_for("only safety entries", 5_000.0, || {
        only(&app, "data-kind", "safety")
    })
    .await;
    app.choose("telescope-log-level", "error");
    app.wait_for("only errors", 5_000.0, || only(&app, "data-level", "error"))
        .await;

    // The rain stops; after the site's wait the telescope comes back.
    set_weather(SIDING_SPRING_OBSERVATORY, serde_json::json!({"rain": null})).await;
    app.wait_for("the interlock to clear", 120_000.0, || {
        app.get("interlock-banner")
            .has_attribute("hidden")
            .then_some(())
    })
    .await;
    app.wait_for("the controls back", 10_000.0, || {
        (!controls
            .unchecked_ref::<web_sys::HtmlFieldSetElement>()
            .disabled())
        .then_some(())
    })
    .await;
    app.release_lease().await;
}

/// Waits for the enclosure to be in `state` (`open`, `closing`, ...).
async fn wait_for_enclosure(app: &Mounted, state: &str) {
    app.wait_for(&format!("the enclosure to be {state}"), 10_000.0, || {
        (app.state_of("enclosure").as_deref() == Some(state)).then_some(())
    })
    .await;
}

/// `Some` when every telescope log entry on screen has `attribute` =
/// `value` (and, but for levels, there is one).
fn only(app: &Mounted, attribute: &str, value: &str) -> Option<()> {
    let entries = app
        .get("telescope-log-entries")
        .query_selector_all("li")
        .ok()?;
    let all = (0..entries.length()).all(|i| {
        entries
            .item(i)
            .and_then(|e| {
                e.unchecked_into::<web_sys::Element>()
                    .get_attribute(attribute)
            })
            .as_deref()
            == Some(value)
    });
    (all && (attribute == "data-level" || entries.length() > 0)).then_some(())
}
