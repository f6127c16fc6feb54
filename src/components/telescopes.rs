//! The telescopes this account can see, with who controls each.

use leptos::prelude::*;
use skynet_protocol::TelescopeUid;

use crate::console::use_console;
use crate::state::display;
use crate::state::telescopes::holder_line;

/// Picks the telescope to drive.
#[component]
pub fn TelescopePicker() -> impl IntoView {
    let console = use_console();
    let uids = move || {
        console.telescopes.with(|t| {
            t.list()
                .iter()
                .map(|t| t.telescope_uid.clone())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="panel telescopes" aria-labelledby="telescopes-heading">
            <h2 id="telescopes-heading">"Telescopes"</h2>
            <p class="empty" hidden=move || !uids().is_empty()>
                "Connect to see the telescopes your account can use."
            </p>
            <ul class="telescope-list" role="listbox" aria-label="Telescopes" data-testid="telescope-list">
                <For each=uids key=|uid| uid.clone() let:uid>
                    <TelescopeItem uid=uid />
                </For>
            </ul>
        </section>
    }
}

/// One telescope of the picker.
#[component]
fn TelescopeItem(
    /// The telescope.
    uid: TelescopeUid,
) -> impl IntoView {
    let console = use_console();
    let snapshot = {
        let uid = uid.clone();
        Memo::new(move |_| console.telescopes.with(|t| t.get(&uid).cloned()))
    };
    let selected = {
        let uid = uid.clone();
        Memo::new(move |_| console.selected.get().as_ref() == Some(&uid))
    };
    let testid = format!("telescope-{}", uid.as_str());
    let pick = {
        let uid = uid.clone();
        move |_| console.selected.set(Some(uid.clone()))
    };
    view! {
        <li role="option" aria-selected=move || selected.get().to_string()>
            <button
                type="button"
                class="telescope"
                class:selected=selected
                data-testid=testid
                aria-pressed=move || selected.get().to_string()
                on:click=pick
            >
                <span class="telescope-name">
                    {move || snapshot.get().map(|t| display::name(&t.name)).unwrap_or_default()}
                </span>
                <span class="telescope-access">
                    {move || snapshot.get().map(|t| format!("your access: {}", t.access)).unwrap_or_default()}
                </span>
                <span class="telescope-authority">
                    {move || snapshot.get().map(|t| holder_line(&t)).unwrap_or_default()}
                </span>
            </button>
        </li>
    }
}
