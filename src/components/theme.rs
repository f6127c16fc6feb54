//! Night vision: the whole console red on black, toggled by the header
//! button or N (see [`super::shortcuts`]), remembered in this browser.

use leptos::prelude::*;

use crate::console::use_console;
use crate::state::theme::Theme;
use crate::storage;

/// Sets `data-theme` on `<html>`, which switches the CSS palette.
fn apply(theme: Theme) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
}

/// The night-vision switch, and the red-only image filter it uses.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let console = use_console();
    let theme = console.theme;
    Effect::new(move |_| {
        let theme = theme.get();
        apply(theme);
        storage::remember_theme(theme.as_str());
    });
    let night = move || theme.get() == Theme::Night;
    view! {
        <button
            type="button"
            class="theme-toggle"
            data-testid="theme-toggle"
            aria-pressed=move || night().to_string()
            aria-keyshortcuts="N"
            title="Night vision: everything red on black (N)"
            on:click=move |_| console.toggle_night_vision()
        >
            {move || if night() { "Night vision: on (N)" } else { "Night vision: off (N)" }}
        </button>
        // Exposure previews pass through this in night vision: luminance into
        // the red channel only.
        <svg class="filters" width="0" height="0" aria-hidden="true" focusable="false">
            <filter id="night-vision" color-interpolation-filters="sRGB">
                <feColorMatrix type="matrix" values="0.30 0.59 0.11 0 0  0 0 0 0 0  0 0 0 0 0  0 0 0 1 0" />
            </filter>
        </svg>
    }
}
