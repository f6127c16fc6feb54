//! Messages that belong to no command: refused sends, ignored frames.

use leptos::prelude::*;

use crate::console::use_console;
use crate::state::time::format_clock;

/// The latest notices, newest first.
#[component]
pub fn Notices() -> impl IntoView {
    let console = use_console();
    view! {
        <section class="notices" aria-live="polite" data-testid="notices">
            {move || console.ignored.with(|i| i.summary()).map(|summary| view! {
                <p class="ignored" data-testid="ignored">{summary}</p>
            })}
            <ul>
                {move || {
                    console
                        .notices
                        .get()
                        .into_iter()
                        .rev()
                        .take(5)
                        .map(|n| view! { <li>{format!("{} UTC · {}", format_clock(n.at), n.text)}</li> })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}
