//! Newest / Newer / where / Older, over a list shown a page at a time.

use leptos::prelude::*;

use crate::state::paging::Pages;

/// The page controls of a list of `len` items; hidden while one page holds
/// them all. Test ids: `{testid}-newest`, `-newer`, `-page`, `-older`.
#[component]
pub fn Pager(
    /// The page on screen.
    pages: RwSignal<Pages>,
    /// How many items the list holds.
    #[prop(into)]
    len: Signal<usize>,
    /// What the list is, for assistive technology (`Command log pages`).
    label: &'static str,
    /// The prefix of the test ids.
    testid: &'static str,
) -> impl IntoView {
    let at_newest = move || pages.with(|p| p.is_newest());
    let one_page = move || pages.with(|p| p.is_newest() && !p.has_older(len.get()));
    view! {
        <nav class="pager" aria-label=label hidden=one_page>
            <button
                type="button"
                data-testid=format!("{testid}-newest")
                disabled=at_newest
                on:click=move |_| pages.update(|p| *p = p.to_newest())
            >
                "Newest"
            </button>
            <button
                type="button"
                data-testid=format!("{testid}-newer")
                disabled=at_newest
                on:click=move |_| pages.update(|p| *p = p.newer(len.get_untracked()))
            >
                "Newer"
            </button>
            <span class="pager-where" data-testid=format!("{testid}-page") aria-live="polite">
                {move || pages.with(|p| p.label(len.get()))}
            </span>
            <button
                type="button"
                data-testid=format!("{testid}-older")
                disabled=move || !pages.with(|p| p.has_older(len.get()))
                on:click=move |_| pages.update(|p| *p = p.older(len.get_untracked()))
            >
                "Older"
            </button>
        </nav>
    }
}
