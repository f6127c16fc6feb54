//! Panels the first screen does not need, loaded once it is up.
//!
//! The first screen is what an astronomer needs at once: signing in, the
//! connection, Abort (the bar and the Esc key), the interlock banner, the
//! offline line, the notices and the live snapshots. Everything else (the
//! telescope picker, the lease, the controls, conditions, workflows, alert
//! settings, the sky view, the frames, the V-curve, the command log with
//! the export and the telescope log) is a deferred panel: the state behind
//! them lives in the console from the start, so nothing is missed while
//! their code loads (the commands socket's frames wait for the commanding
//! code, which loads with them: [`crate::commanding`]). In the shipped build (cargo feature `split`, which
//! `index.html` turns on) their code is a separate wasm chunk (`wasm_split`,
//! the tooling behind Leptos's `#[lazy]`; `crates/split` splits the module
//! after trunk's build), fetched
//! when [`Console::first_screen`] says the first screen is complete. Until
//! then the panel shows its title and "Loading"; if the chunk (or the
//! catalog fetched beside it, [`crate::assets`]) cannot be fetched (a bad
//! network), it says so with a Retry button, and nothing else on the page
//! is touched. Without the feature (development and the
//! browser tests) the same panels render from the main module, at once.
//!
//! [`Console::first_screen`]: crate::console::Console::first_screen

use std::future::Future;

use leptos::prelude::*;

use crate::components::alert_settings::AlertSettings;
use crate::components::conditions::ConditionsPanel;
use crate::components::controls::Controls;
use crate::components::gallery::Gallery;
use crate::components::lease::LeasePanel;
use crate::components::log::CommandLogView;
use crate::components::sky::SkyView;
use crate::components::telescope_log::TelescopeLogPanel;
use crate::components::telescopes::TelescopePicker;
use crate::components::vcurve::VCurve;
use crate::components::workflows::Workflows;
use crate::console::use_console;

/// A deferred panel's code or data could not be fetched, and why (shown
/// on the panel).
#[derive(Debug, Clone)]
pub struct LoadError(String);

impl LoadError {
    /// The catalog did not load.
    fn catalog(why: crate::assets::CatalogError) -> Self {
        Self(format!("the bright-object catalog did not load ({why})"))
    }
}

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for LoadError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self("its code did not arrive: the network may be down".into())
    }
}

/// Defines each deferred panel: the component `$component`, which shows
/// `$title` until the panel's code is there, then the panel `$view`.
///
/// Each panel gets a module `$load` with `preload` (fetch the code) and
/// `build` (build the panel, `None` while its code is not here). With the
/// `split` feature `$load` is a `wasm_split` function whose code goes to
/// the `later` chunk, and `preload` fetches that chunk and the catalog
/// ([`crate::assets`]; a failed fetch is an `Err`, never a panic, and the
/// next call tries again); once it has succeeded, `$load` is ready at its
/// first poll, so the panel is built synchronously where Leptos renders it,
/// under the panel's own owner. Without the feature `preload` only makes
/// sure of the catalog (compiled in, unless the `embedded-catalog` feature
/// is off). Both are plain function pointers, so [`deferred`] is compiled
/// once for all the panels.
macro_rules! deferred {
    ($($(#[$doc:meta])* $component:ident($title:literal, $load:ident) => $view:expr;)*) => {$(
        mod $load {
            use super::*;

            #[cfg(feature = "split")]
            #[leptos::wasm_split::wasm_split(
                later,
                wasm_split_path = ::leptos::wasm_split,
                fallible,
                preload(preload_chunk)
            )]
            fn $load() -> Result<AnyView, LoadError> {
                Ok($view.into_any())
            }

            #[cfg(feature = "split")]
            pub fn preload() -> Preload {
                Box::pin(async {
                    let (chunk, catalog) =
                        futures::join!(preload_chunk(), crate::assets::load_catalog());
                    chunk?;
                    catalog.map_err(LoadError::catalog)
                })
            }

            #[cfg(feature = "split")]
            pub fn build() -> Option<Result<AnyView, LoadError>> {
                futures::FutureExt::now_or_never($load())
            }

            #[cfg(not(feature = "split"))]
            pub fn preload() -> Preload {
                Box::pin(async { crate::assets::load_catalog().await.map_err(LoadError::catalog) })
            }

            #[cfg(not(feature = "split"))]
            pub fn build() -> Option<Result<AnyView, LoadError>> {
                Some(Ok($view.into_any()))
            }
        }

        $(#[$doc])*
        #[component]
        pub fn $component() -> impl IntoView {
            deferred($title, $load::preload, $load::build)
        }
    )*};
}

/// Fetching a deferred panel's code.
type Preload = std::pin::Pin<Box<dyn Future<Output = Result<(), LoadError>>>>;

deferred! {
    /// The telescope picker.
    LaterTelescopes("Telescopes", telescopes) => view! { <TelescopePicker /> };
    /// The manual control lease.
    LaterLease("Manual control lease", lease) => view! { <LeasePanel /> };
    /// The command log and the session export.
    LaterCommandLog("Command log", command_log) => view! { <CommandLogView /> };
    /// The controls (the wide column).
    LaterControls("Controls", controls) => view! { <Controls /> };
    /// The observing conditions.
    LaterConditions("Conditions", conditions) => view! { <ConditionsPanel /> };
    /// The guided workflows.
    LaterWorkflows("Workflows", workflows) => view! { <Workflows /> };
    /// Which alerts go where.
    LaterAlertSettings("Alerts", alert_settings) => view! { <AlertSettings /> };
    /// The sky view.
    LaterSky("Sky", sky) => view! { <SkyView /> };
    /// The gallery and its stretch.
    LaterGallery("Frames", gallery) => view! { <Gallery /> };
    /// The focus V-curve.
    LaterVCurve("Autofocus V-curve", vcurve) => view! { <VCurve /> };
    /// The telescope's log.
    LaterTelescopeLog("Telescope log", telescope_log) => view! { <TelescopeLogPanel /> };
}

/// Where a deferred panel's code is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Code {
    /// Not fetched yet, or being fetched.
    Waiting,
    /// Fetching it failed, for this reason.
    Failed(String),
    /// Here: the panel can be built.
    Ready,
}

/// A deferred panel: `title` (and a "Loading" line) until `preload` has
/// fetched the code, once the first screen is complete; then the panel
/// `build` makes. A failed fetch shows a Retry button, which retries every
/// panel that failed.
fn deferred(
    title: &'static str,
    preload: fn() -> Preload,
    build: fn() -> Option<Result<AnyView, LoadError>>,
) -> impl IntoView {
    let console = use_console();
    let code = RwSignal::new(Code::Waiting);
    // Fetches when the first screen is complete, and again on a Retry
    // anywhere while this panel's fetch has failed.
    Effect::new(move |_| {
        console.deferred_attempt.track();
        if !console.first_screen.get() || code.with_untracked(|c| *c == Code::Ready) {
            return;
        }
        code.set(Code::Waiting);
        leptos::task::spawn_local(async move {
            let fetched = preload().await;
            code.try_set(match fetched {
                Ok(()) => Code::Ready,
                Err(LoadError(why)) => Code::Failed(why),
            });
        });
    });
    let failed = move |why: String| {
        view! {
            <section class="panel deferred" role="alert" data-testid="deferred-failed">
                <h2>{title}</h2>
                <p>{format!("This panel could not be loaded: {why}.")}</p>
                <button
                    data-testid="deferred-retry"
                    on:click=move |_| console.deferred_attempt.update(|a| *a += 1)
                >
                    "Retry"
                </button>
            </section>
        }
        .into_any()
    };
    move || match code.get() {
        Code::Waiting => view! {
            <section class="panel deferred" aria-busy="true">
                <h2>{title}</h2>
                <p class="empty">"Loading…"</p>
            </section>
        }
        .into_any(),
        Code::Failed(why) => failed(why),
        // The code is here, so the build is ready at once.
        Code::Ready => match build() {
            Some(Ok(panel)) => panel,
            Some(Err(LoadError(why))) => failed(why),
            None => failed("its code is not ready".into()),
        },
    }
}
