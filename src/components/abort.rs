//! Abort: always in view while any command of this tab runs; cancels every
//! one of them ([`crate::console::Console::abort`]). Esc does the same (see
//! [`super::shortcuts`]).

use leptos::prelude::*;

use crate::console::use_console;

/// A bar pinned to the top of the page while commands of this tab run.
#[component]
pub fn AbortBar() -> impl IntoView {
    let console = use_console();
    let running = move || console.log.with(|log| log.running_mine().count());
    view! {
        <div class="abort-bar" role="region" aria-label="Abort" hidden=move || running() == 0>
            <button
                type="button"
                class="danger abort"
                data-testid="abort-all"
                aria-keyshortcuts="Escape"
                on:click=move |_| console.abort()
            >
                {move || format!("Abort: cancel {} running command(s) (Esc)", running())}
            </button>
        </div>
    }
}
