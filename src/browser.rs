//! What the browser hands back, in words.

use wasm_bindgen::{JsCast, JsValue};

/// A thrown JavaScript value as text: a string as it is, an `Error` (a
/// `DOMException` too) as its name and message, anything else as its JSON.
/// Never the Rust `Debug` form, which the shipped build compiles out
/// (`-Zfmt-debug=none`, scripts/build-site.sh).
pub fn error_text(e: &JsValue) -> String {
    if let Some(text) = e.as_string() {
        return text;
    }
    if let Some(error) = e.dyn_ref::<js_sys::Error>() {
        let (name, message) = (String::from(error.name()), String::from(error.message()));
        return match (name.is_empty(), message.is_empty()) {
            (_, true) => name,
            (true, false) => message,
            (false, false) => format!("{name}: {message}"),
        };
    }
    js_sys::JSON::stringify(e)
        .ok()
        .and_then(|json| json.as_string())
        .unwrap_or_else(|| "an unknown error".to_owned())
}
