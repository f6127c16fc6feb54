//! Data the first screen does not need, fetched with the deferred panels:
//! the bright-object catalog (target names, suggestions as you type, the
//! safety checks of a slew to a named target).
//!
//! The shipped build does not compile the catalog in (cargo feature
//! `embedded-catalog` off, `index.html`): the split step names
//! `catalog.csv` by its hash and gives that name in
//! `<meta name="skydeck-catalog">`, and [`load_catalog`] fetches it once,
//! beside the deferred panels' code. With the feature (development, the
//! browser tests) the catalog is there from the start.

use std::cell::RefCell;

use futures::future::{LocalBoxFuture, Shared};
use futures::FutureExt;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why the catalog could not be had, in words.
pub type CatalogError = String;

type Loading = Shared<LocalBoxFuture<'static, Result<(), CatalogError>>>;

thread_local! {
    /// The fetch under way, shared by every caller meanwhile.
    static LOADING: RefCell<Option<Loading>> = const { RefCell::new(None) };
}

/// Makes sure the catalog is there: at once when it is compiled in or was
/// fetched before; otherwise fetches and installs it (one fetch for every
/// caller meanwhile; after a failure the next call tries again).
pub async fn load_catalog() -> Result<(), CatalogError> {
    if skydeck_astro::catalog::is_loaded() {
        return Ok(());
    }
    let loading = LOADING.with(|l| {
        l.borrow_mut()
            .get_or_insert_with(|| fetch_catalog().boxed_local().shared())
            .clone()
    });
    let loaded = loading.await;
    if loaded.is_err() {
        LOADING.with(|l| l.borrow_mut().take());
    }
    loaded
}

async fn fetch_catalog() -> Result<(), CatalogError> {
    let window = web_sys::window().ok_or("no window")?;
    let name = window
        .document()
        .and_then(|d| {
            d.query_selector("meta[name=skydeck-catalog]")
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .ok_or("the page does not name the catalog (<meta name=\"skydeck-catalog\">)")?;
    let failed = |e| format!("fetching {name}: {}", crate::browser::error_text(&e));
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&name))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    if !response.ok() {
        return Err(format!("fetching {name}: HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .ok_or_else(|| format!("{name} is not text"))?;
    // Once per page: the catalog's names borrow from its text for good.
    skydeck_astro::catalog::install(Box::leak(text.into_boxed_str()));
    Ok(())
}
