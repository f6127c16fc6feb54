//! What the first screen does not need, loaded once it is up.
//!
//! The first screen is what an astronomer needs at once: signing in, the
//! connection's state, Abort (the bar and the Esc key), the interlock
//! banner, the offline line, the notices and the live snapshots. Everything
//! else (the telescope picker, the lease, the controls, conditions,
//! workflows, alert settings, the sky view, the frames, the V-curve, the
//! command log with the export and the telescope log) is a deferred panel,
//! the connection's Advanced settings (the API base, a pasted token and the
//! sign-in settings, folded away on the first screen) a deferred part of
//! its panel, and the code for
//! commanding is deferred with them ([`crate::commanding`]), with the
//! typed reading of what only they show: the commands socket's frames, the
//! telescope log's entries, lease events, telescopes, instruments,
//! constraints, their statuses and interlocks (so the interlock banner, on the first screen,
//! shows an interlock once that code is here). The state behind the panels
//! lives in the console from the start, and what arrives for that code
//! waits for it, so nothing is missed while it loads.
//!
//! All of it is reached through one table, [`Later`]. In the shipped build
//! (cargo feature `split`, which `index.html` turns on) the table and
//! everything only it reaches is a separate wasm chunk (`wasm_split`, the
//! tooling behind Leptos's `#[lazy]`; `crates/split` splits the module
//! after trunk's build), fetched once, with the catalog beside it
//! ([`crate::assets`]), when [`Console::first_screen`] says the first
//! screen is complete. Until then each panel shows its title and
//! "Loading"; if the chunk or the catalog cannot be fetched (a bad
//! network), every panel says which, with a Retry button, and nothing else
//! on the page is touched. Without the feature (development and the browser
//! tests) the table is in the main module and is there at once.
//!
//! [`Console::first_screen`]: crate::console::Console::first_screen

use leptos::prelude::*;

use crate::commanding::Commanding;
use crate::components::alert_settings::AlertSettings;
use crate::components::conditions::ConditionsPanel;
use crate::components::connection::AdvancedSettings;
use crate::components::controls::Controls;
use crate::components::gallery::Gallery;
use crate::components::lease::LeasePanel;
use crate::components::log::CommandLogView;
use crate::components::sky::SkyView;
use crate::components::telescope_log::TelescopeLogPanel;
use crate::components::telescopes::TelescopePicker;
use crate::components::vcurve::VCurve;
use crate::components::workflows::Workflows;
use crate::console::{use_console, Console};

/// The deferred code's entry points.
pub(crate) struct Later {
    /// The commanding code.
    pub commanding: &'static Commanding,
    telescopes: fn() -> AnyView,
    lease: fn() -> AnyView,
    command_log: fn() -> AnyView,
    controls: fn() -> AnyView,
    conditions: fn() -> AnyView,
    workflows: fn() -> AnyView,
    alert_settings: fn() -> AnyView,
    sky: fn() -> AnyView,
    gallery: fn() -> AnyView,
    vcurve: fn() -> AnyView,
    telescope_log: fn() -> AnyView,
    advanced: fn() -> AnyView,
}

static LATER: Later = Later {
    commanding: &crate::commanding::COMMANDING,
    telescopes: || view! { <TelescopePicker /> }.into_any(),
    lease: || view! { <LeasePanel /> }.into_any(),
    command_log: || view! { <CommandLogView /> }.into_any(),
    controls: || view! { <Controls /> }.into_any(),
    conditions: || view! { <ConditionsPanel /> }.into_any(),
    workflows: || view! { <Workflows /> }.into_any(),
    alert_settings: || view! { <AlertSettings /> }.into_any(),
    sky: || view! { <SkyView /> }.into_any(),
    gallery: || view! { <Gallery /> }.into_any(),
    vcurve: || view! { <VCurve /> }.into_any(),
    telescope_log: || view! { <TelescopeLogPanel /> }.into_any(),
    advanced: || view! { <AdvancedSettings /> }.into_any(),
};

/// The deferred code could not be fetched, and why (shown on the panels).
#[derive(Debug, Clone)]
pub struct LoadError(String);

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for LoadError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self("its code did not arrive: the network may be down".into())
    }
}

/// The deferred code: in the split build, the `later` chunk, fetched at the
/// first call (a failed fetch is an `Err`, and the next call tries again).
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn code() -> Result<&'static Later, LoadError> {
    Ok(&LATER)
}

/// The deferred code: compiled in.
#[cfg(not(feature = "split"))]
async fn code() -> Result<&'static Later, LoadError> {
    Ok(&LATER)
}

/// Where the deferred panels are.
#[derive(Clone, Default)]
pub(crate) enum Deferred {
    /// Not fetched yet, or being fetched.
    #[default]
    Waiting,
    /// Fetching the code or the catalog failed, for this reason; the code,
    /// if it came (the catalog failed).
    Failed(String, Option<&'static Later>),
    /// The code and the catalog are here: the panels can be built.
    Ready(&'static Later),
}

impl Console {
    /// Fetches the deferred code and the catalog once the first screen is
    /// complete, and again on a Retry while they are not both here. The
    /// commanding code takes over as soon as the code is here, whatever
    /// the catalog does.
    pub(crate) fn load_deferred(&self) {
        let console = *self;
        // What the commanding code starts (alerts' effects) belongs to the
        // view that called this, not to the effect below, which reruns.
        let owner = Owner::current();
        Effect::new(move |_| {
            console.deferred_attempt.track();
            let ready = console
                .deferred
                .with_untracked(|d| matches!(d, Deferred::Ready(_)));
            if !console.first_screen.get() || ready {
                return;
            }
            console.deferred.set(Deferred::Waiting);
            let owner = owner.clone();
            leptos::task::spawn_local(async move {
                let (code, catalog) = futures::join!(code(), crate::assets::load_catalog());
                let state = match code {
                    Ok(later) => {
                        let arrived = || console.commanding_arrived(later.commanding);
                        match &owner {
                            Some(owner) => owner.with(arrived),
                            None => arrived(),
                        }
                        match catalog {
                            Ok(()) => Deferred::Ready(later),
                            Err(why) => Deferred::Failed(
                                format!("the bright-object catalog did not load ({why})"),
                                Some(later),
                            ),
                        }
                    }
                    Err(LoadError(why)) => Deferred::Failed(why, None),
                };
                console.deferred.try_set(state);
            });
        });
    }
}

/// A deferred panel: `title` (and a "Loading" line) until the deferred code
/// and the catalog are here; then the panel `build` makes of them. A failed
/// fetch shows a Retry button, which retries for every panel.
fn deferred(title: &'static str, build: fn(&'static Later) -> AnyView) -> impl IntoView {
    let console = use_console();
    move || match console.deferred.get() {
        Deferred::Waiting => view! {
            <section class="panel deferred" aria-busy="true">
                <h2>{title}</h2>
                <p class="empty">"Loading…"</p>
            </section>
        }
        .into_any(),
        Deferred::Failed(why, _) => view! {
            <section class="panel deferred" role="alert" data-testid="deferred-failed">
                <h2>{title}</h2>
                <p>{format!("This panel could not be loaded: {why}.")}</p>
                {retry(console)}
            </section>
        }
        .into_any(),
        Deferred::Ready(later) => build(later),
    }
}

/// The Retry button of what could not be loaded: it retries everything.
fn retry(console: Console) -> impl IntoView {
    view! {
        <button
            data-testid="deferred-retry"
            on:click=move |_| console.deferred_attempt.update(|a| *a += 1)
        >
            "Retry"
        </button>
    }
}

/// A deferred part of a first-screen panel: a "Loading" line until the
/// deferred code is here (the catalog is not needed), then what `build`
/// makes of it. A failed fetch says so, with the Retry.
fn deferred_part(build: fn(&'static Later) -> AnyView) -> impl IntoView {
    let console = use_console();
    move || match console.deferred.get() {
        Deferred::Ready(later) | Deferred::Failed(_, Some(later)) => build(later),
        Deferred::Waiting => view! { <p class="empty" aria-busy="true">"Loading…"</p> }.into_any(),
        Deferred::Failed(why, None) => view! {
            <div class="deferred" role="alert" data-testid="deferred-failed">
                <p>{format!("These settings could not be loaded: {why}.")}</p>
                {retry(console)}
            </div>
        }
        .into_any(),
    }
}

/// The telescope picker.
#[component]
pub fn LaterTelescopes() -> impl IntoView {
    deferred("Telescopes", |l| (l.telescopes)())
}

/// The manual control lease.
#[component]
pub fn LaterLease() -> impl IntoView {
    deferred("Manual control lease", |l| (l.lease)())
}

/// The command log and the session export.
#[component]
pub fn LaterCommandLog() -> impl IntoView {
    deferred("Command log", |l| (l.command_log)())
}

/// The controls (the wide column).
#[component]
pub fn LaterControls() -> impl IntoView {
    deferred("Controls", |l| (l.controls)())
}

/// The observing conditions.
#[component]
pub fn LaterConditions() -> impl IntoView {
    deferred("Conditions", |l| (l.conditions)())
}

/// The guided workflows.
#[component]
pub fn LaterWorkflows() -> impl IntoView {
    deferred("Workflows", |l| (l.workflows)())
}

/// Which alerts go where.
#[component]
pub fn LaterAlertSettings() -> impl IntoView {
    deferred("Alerts", |l| (l.alert_settings)())
}

/// The sky view.
#[component]
pub fn LaterSky() -> impl IntoView {
    deferred("Sky", |l| (l.sky)())
}

/// The gallery and its stretch.
#[component]
pub fn LaterGallery() -> impl IntoView {
    deferred("Frames", |l| (l.gallery)())
}

/// The focus V-curve.
#[component]
pub fn LaterVCurve() -> impl IntoView {
    deferred("Autofocus V-curve", |l| (l.vcurve)())
}

/// The telescope's log.
#[component]
pub fn LaterTelescopeLog() -> impl IntoView {
    deferred("Telescope log", |l| (l.telescope_log)())
}

/// The connection's Advanced settings (in the connection panel).
#[component]
pub fn LaterAdvancedSettings() -> impl IntoView {
    deferred_part(|l| (l.advanced)())
}
