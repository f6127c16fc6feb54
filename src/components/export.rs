//! Session log export: every command, result and lease event of the session,
//! downloaded from the browser as JSON or CSV.

use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};

use crate::console::{use_console, Console, CLIENT};
use crate::state::export::{to_csv, to_json};
use crate::state::time::{format_rfc3339, now_ms};

/// Offers `text` as a file download named `name`.
fn download(name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let anchor: web_sys::HtmlAnchorElement = document().create_element("a")?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url)
}

fn export(console: Console, json: bool) {
    let now = now_ms();
    let stamp = format_rfc3339(now).replace(':', "-");
    let (name, mime, text) = console.log.with_untracked(|log| {
        console.lease_events.with_untracked(|leases| {
            if json {
                (
                    format!("skydeck-session-{stamp}.json"),
                    "application/json",
                    to_json(log, leases, CLIENT, now),
                )
            } else {
                (
                    format!("skydeck-session-{stamp}.csv"),
                    "text/csv",
                    to_csv(log, leases),
                )
            }
        })
    });
    match download(&name, mime, &text) {
        Ok(()) => console.notify(format!("Exported the session as {name}.")),
        Err(e) => console.notify(format!("Export failed: {}", crate::browser::error_text(&e))),
    }
}

/// The two export buttons.
#[component]
pub fn ExportButtons() -> impl IntoView {
    let console = use_console();
    view! {
        <div class="actions export">
            <button type="button" data-testid="export-json" on:click=move |_| export(console, true)>
                "Export JSON"
            </button>
            <button type="button" data-testid="export-csv" on:click=move |_| export(console, false)>
                "Export CSV"
            </button>
        </div>
    }
}
