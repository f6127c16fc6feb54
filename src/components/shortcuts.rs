//! The keyboard: one listener for every shortcut of
//! [`crate::state::shortcuts::SHORTCUTS`], and the help overlay that lists
//! them. Keys typed into a form field are typing, not shortcuts, except Esc,
//! which always aborts.

use leptos::ev;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

use crate::console::use_console;
use crate::state::shortcuts::{shortcut_for, KeyAction, SHORTCUTS};

/// True when a key press is typing into a form field.
fn typing(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

/// The key handler, the "Keys" button and the help overlay.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let console = use_console();
    let open = RwSignal::new(false);
    let handle = window_event_listener(ev::keydown, move |event| {
        let key = event.key();
        if event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        let Some(shortcut) = shortcut_for(&key) else {
            return;
        };
        if key == "Escape" {
            open.set(false);
        } else if typing(&event) {
            return;
        }
        match shortcut.action {
            action @ (KeyAction::Abort | KeyAction::Nudge(_) | KeyAction::Expose) => {
                if console.command_key(action) {
                    event.prevent_default();
                }
            }
            KeyAction::NightVision => console.toggle_night_vision(),
            KeyAction::Help => open.update(|o| *o = !*o),
        }
    });
    on_cleanup(move || handle.remove());
    let rows = SHORTCUTS
        .iter()
        .map(|s| view! { <tr><th scope="row"><kbd>{s.label}</kbd></th><td>{s.description}</td></tr> })
        .collect_view();
    view! {
        <button
            type="button"
            class="shortcuts-button"
            data-testid="shortcuts-button"
            aria-keyshortcuts="?"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            "Keys (?)"
        </button>
        <div
            class="shortcuts-help"
            role="dialog"
            aria-label="Keyboard shortcuts"
            data-testid="shortcuts-help"
            hidden=move || !open.get()
        >
            <h2>"Keyboard shortcuts"</h2>
            <table>
                <tbody>{rows}</tbody>
            </table>
            <p>"Keys typed into a field are text; Esc always aborts."</p>
            <button type="button" data-testid="shortcuts-close" on:click=move |_| open.set(false)>
                "Close"
            </button>
        </div>
    }
}
