//! Browser smoke test: the app mounts and shows the connection settings.
//!
//! Runs in headless Chromium: `wasm-pack test --headless --chrome --mode no-install
//! --chromedriver /usr/bin/chromedriver` (tools: `scripts/install-tools.sh --browser`).
//! On the host this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use leptos::mount::mount_to;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{HtmlElement, HtmlInputElement};
use skydeck::{App, DEFAULT_API_URL};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

mod common;
use common::fresh_root;

wasm_bindgen_test_configure!(run_in_browser);

/// The input with `data-testid="{id}"` inside `root`, once it is there
/// (the Advanced settings come with the deferred code).
async fn input(root: &HtmlElement, id: &str) -> HtmlInputElement {
    let found = common::wait_until(
        &format!("an element with data-testid={id}"),
        5_000.0,
        || {
            root.query_selector(&format!("[data-testid=\"{id}\"]"))
                .expect("a valid selector")
        },
        String::new,
    )
    .await;
    found
        .dyn_into()
        .unwrap_or_else(|_| panic!("data-testid={id} is not an input"))
}

/// The text of the `<label for=...>` that names `input`.
fn label_text(root: &HtmlElement, input: &HtmlInputElement) -> String {
    root.query_selector(&format!("label[for=\"{}\"]", input.id()))
        .expect("a valid selector")
        .and_then(|label| label.text_content())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn api_url_input_defaults_to_the_local_simulator() {
    // Nothing remembered from an earlier connection.
    if let Some(storage) = leptos::prelude::window().local_storage().ok().flatten() {
        storage.clear().expect("clear localStorage");
    }
    let root = fresh_root();
    let _app = mount_to(root.clone(), App);

    let url = input(&root, "api-url").await;
    assert_eq!(url.value(), DEFAULT_API_URL);
    assert_eq!(url.value(), "ws://127.0.0.1:5001");
    assert_eq!(label_text(&root, &url), "API base URL");
}

#[wasm_bindgen_test]
async fn token_input_starts_empty_and_is_masked() {
    forget_session();
    let root = fresh_root();
    let _app = mount_to(root.clone(), App);

    let token = input(&root, "api-token").await;
    assert_eq!(token.value(), "");
    assert_eq!(token.type_(), "password");
    assert_eq!(
        label_text(&root, &token),
        "Access token (pasted, for scripts and development)"
    );
    // Signing in with SkyNet is what a new user sees first; the pasted
    // token waits under Advanced.
    let sign_in = root
        .query_selector("[data-testid=sign-in]")
        .expect("a selector")
        .expect("the sign-in button");
    assert!(!sign_in.has_attribute("hidden"));
    assert_eq!(
        sign_in.text_content().as_deref(),
        Some("Sign in with SkyNet")
    );
    let advanced: leptos::web_sys::HtmlDetailsElement = root
        .query_selector("[data-testid=advanced]")
        .expect("a selector")
        .expect("the Advanced section")
        .unchecked_into();
    assert!(!advanced.open(), "Advanced starts closed");
    assert!(
        root.text_content().unwrap_or_default().contains("SkyDeck"),
        "the title is shown"
    );
}

/// Forgets this tab's token.
fn forget_session() {
    if let Some(storage) = leptos::prelude::window().session_storage().ok().flatten() {
        storage.clear().expect("clear sessionStorage");
    }
}

#[wasm_bindgen_test]
async fn a_reload_reconnects_and_marks_the_first_mount_snapshot() {
    // What a connection in this tab leaves behind.
    let window = leptos::prelude::window();
    let local = window.local_storage().ok().flatten().expect("localStorage");
    let session = window
        .session_storage()
        .ok()
        .flatten()
        .expect("sessionStorage");
    local
        .set_item("skydeck.api_base", common::sim_url())
        .expect("remember the API base");
    session
        .set_item("skydeck.token", common::VIEWER)
        .expect("remember the token");
    let performance = window.performance().expect("performance");
    performance.clear_marks();

    let root = fresh_root();
    let app = mount_to(root.clone(), App);
    let page = || root.text_content().unwrap_or_default();
    common::wait_until(
        "the mount snapshot without a click",
        10_000.0,
        || {
            root.query_selector("[data-testid=live-mount-ra]")
                .ok()
                .flatten()
        },
        page,
    )
    .await;
    common::wait_until(
        "the first-mount mark",
        5_000.0,
        || {
            (performance
                .get_entries_by_name(skydeck::components::snapshots::FIRST_MOUNT_MARK)
                .length()
                == 1)
                .then_some(())
        },
        page,
    )
    .await;
    drop(app);
    forget_session();
    local.clear().expect("clear localStorage");
}
