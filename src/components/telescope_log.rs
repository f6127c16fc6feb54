//! The selected telescope's log: typed entries, newest first, a page at a
//! time, filtered by type and level.

use leptos::prelude::*;

use crate::components::pager::Pager;
use crate::console::use_console;
use crate::state::paging::Pages;
use crate::state::telescope_log::{Filter, Kind, Level};
use crate::state::time::format_clock;

/// Entries on one page.
const PAGE: usize = 25;

/// The telescope log panel.
#[component]
pub fn TelescopeLogPanel() -> impl IntoView {
    let console = use_console();
    let filter = RwSignal::new(Filter::default());
    let pages = RwSignal::new(Pages::newest(PAGE));
    // A new filter starts at the newest page.
    let refilter = move |change: &dyn Fn(&mut Filter)| {
        filter.update(|f| change(f));
        pages.update(|p| *p = p.to_newest());
    };
    let matching = Memo::new(move |_| {
        let Some(uid) = console.selected.get() else {
            return Vec::new();
        };
        filter.with(|f| {
            console.telescope_log.with(|log| {
                log.matching(&uid, f)
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let len = Signal::derive(move || matching.with(Vec::len));
    let shown = move || {
        matching.with(|entries| {
            let range = pages.with(|p| p.range(entries.len()));
            entries[range].iter().rev().cloned().collect::<Vec<_>>()
        })
    };
    view! {
        <section class="panel telescope-log" aria-labelledby="telescope-log-heading" data-testid="telescope-log">
            <h2 id="telescope-log-heading">"Telescope log"</h2>
            <div class="log-filter" role="group" aria-label="Show">
                {Kind::ALL.into_iter().map(|kind| view! {
                    <label class="chip">
                        <input type="checkbox" data-testid=format!("telescope-log-kind-{}", kind.class())
                            prop:checked=move || filter.with(|f| f.kinds.contains(&kind))
                            on:change=move |_| refilter(&|f| f.toggle(kind)) />
                        {kind.label()}
                    </label>
                }).collect_view()}
                <label class="level">"Level "
                    <select data-testid="telescope-log-level"
                        on:change=move |ev| {
                            let level = match event_target_value(&ev).as_str() {
                                "warning" => Level::Warning,
                                "error" => Level::Error,
                                _ => Level::Info,
                            };
                            refilter(&|f| f.min_level = level);
                        }>
                        <option value="info">"all"</option>
                        <option value="warning">"warnings and errors"</option>
                        <option value="error">"errors"</option>
                    </select>
                </label>
            </div>
            <p class="empty" hidden=move || len.get() > 0>"Nothing logged for this telescope yet."</p>
            <ol class="entries" data-testid="telescope-log-entries">
                <For each=shown key=|e| e.uid.clone() let:entry>
                    <li class=format!("entry {} {}", entry.kind.class(), entry.level.class())
                        data-testid="telescope-log-entry" data-kind=entry.kind.class() data-level=entry.level.class()>
                        <time>{entry.at.map(|at| format!("{} UTC", format_clock(at))).unwrap_or_else(|| "—".into())}</time>
                        <span class="kind">{entry.kind.label()}</span>
                        <span class="text">{entry.text.clone()}</span>
                    </li>
                </For>
            </ol>
            <Pager pages len label="Telescope log pages" testid="telescope-log" />
        </section>
    }
}
