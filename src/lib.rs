//! SkyDeck: a browser console for SkyNet robotic telescopes.
//!
//! - [`state`]: the app's logic on plain types, tested on the host.
//! - [`transport`]: the two WebSockets; the only code that touches the network.
//! - [`console`]: state in signals, wired to the sockets.
//! - [`components`]: one per area of the screen.

pub mod alerts;
pub mod assets;
pub mod auth;
pub mod browser;
pub mod commanding;
pub mod components;
pub mod console;
pub mod handover;
pub mod session;
pub mod state;
pub mod storage;
pub mod transport;

use leptos::prelude::*;

use components::abort::AbortBar;
use components::conditions::InterlockBanner;
use components::connection::{ConnectionPanel, OfflineStatus};
use components::later::{
    LaterAlertSettings, LaterCommandLog, LaterConditions, LaterControls, LaterGallery, LaterLease,
    LaterSky, LaterTelescopeLog, LaterTelescopes, LaterVCurve, LaterWorkflows,
};
use components::notices::Notices;
use components::shortcuts::Shortcuts;
use components::snapshots::Snapshots;
use components::theme::ThemeToggle;
use console::{Console, Settings};

/// The API base URL used when the page's own origin does not serve the API.
pub const DEFAULT_API_URL: &str = "ws://127.0.0.1:5001";

/// The whole console, starting from the remembered settings. On load it
/// reads the deploy-time `skydeck.config.json` (if served), then finishes a
/// sign-in the authorize page sent the browser back from, or takes up this
/// tab's sign-in after a reload (nothing is sent but the subscriptions). A
/// tab that connected with a pasted token connects again the same way.
/// With no API base remembered or configured, it is the page's own origin
/// when that origin serves the API (its stream endpoint answers 401 to a
/// request without a token), else [`DEFAULT_API_URL`].
#[component]
pub fn App() -> impl IntoView {
    let remembered = storage::api_base();
    let settings = Settings {
        api_base: remembered
            .clone()
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
        token: storage::token().unwrap_or_default(),
    };
    let console = Console::new(settings);
    leptos::task::spawn_local(async move {
        start_up(console, remembered).await;
        // With no sockets opened there is no snapshot to wait for: the
        // deferred panels may load now. (A socket's state says Connecting
        // only once its task runs, so ask whether there are sockets.)
        if console.alive() && console.sockets.with_value(Option::is_none) {
            console.first_screen.set(true);
        }
    });
    view! { <ConsoleView console=console /> }
}

/// Reads the deploy-time settings, then signs in again or reconnects as
/// this tab did before.
async fn start_up(console: Console, remembered: Option<String>) {
    let loaded = auth::load_config_file().await;
    if !console.alive() {
        return;
    }
    let configured = match loaded {
        Ok(Some(file)) => {
            let api_base = file.api_base.clone();
            console.config_file.set(file);
            api_base
        }
        Ok(None) => None,
        Err(why) => {
            console.notify(why);
            None
        }
    };
    if remembered.is_none() {
        match configured {
            Some(base) => console.settings.update(|s| s.api_base = base),
            None => use_own_origin_if_it_serves_the_api(console).await,
        }
    }
    if !console.alive() || console.resume_sign_in().await || !console.alive() {
        return;
    }
    let pasted = console.settings.with_untracked(|s| !s.token.is_empty());
    if remembered.is_some() && pasted {
        if let Err(why) = console.connect() {
            console.notify(format!("Could not reconnect: {why}"));
        }
    }
}

/// Points the console at the page's own origin when that origin serves the
/// API, unless the user has typed another address meanwhile.
async fn use_own_origin_if_it_serves_the_api(console: Console) {
    let Some(origin) = window().location().origin().ok() else {
        return;
    };
    let Some(base) = state::connection::api_base_of_origin(&origin) else {
        return;
    };
    let probe = format!("{origin}{}", state::connection::Endpoint::Stream.path());
    if transport::probe_status(&probe).await == Some(401) {
        console.settings.try_update(|s| {
            if s.api_base == DEFAULT_API_URL {
                s.api_base = base;
            }
        });
    }
}

/// How long the deferred panels wait for the first screen at most.
const FIRST_SCREEN_AT_MOST: std::time::Duration = std::time::Duration::from_secs(3);

/// The console around a given [`Console`] (tests build their own).
#[component]
pub fn ConsoleView(
    /// The state to show and drive.
    console: Console,
) -> impl IntoView {
    provide_context(console);
    // The clock for ages and countdowns.
    let tick = set_interval_with_handle(
        move || console.now.set(state::time::now_ms()),
        std::time::Duration::from_millis(500),
    )
    .ok();
    // The browser's word on the network: no command is sent while offline.
    let online = window_event_listener(leptos::ev::online, move |_| console.online.set(true));
    let offline = window_event_listener(leptos::ev::offline, move |_| console.online.set(false));
    on_cleanup(move || {
        if let Some(tick) = tick {
            tick.clear();
        }
        online.remove();
        offline.remove();
        console.disconnect();
    });
    console.load_deferred();
    // A telescope without a mount never shows a mount snapshot: the
    // deferred panels load after 3 s whatever happens.
    if !console.first_screen.get_untracked() {
        set_timeout(
            move || {
                if console.alive() {
                    console.first_screen.set(true);
                }
            },
            FIRST_SCREEN_AT_MOST,
        );
    }
    view! {
        <header class="app-header">
            <h1>"SkyDeck"</h1>
            <p class="tagline">"Drive a SkyNet robotic telescope from your browser."</p>
            <ThemeToggle />
            <Shortcuts />
        </header>
        <AbortBar />
        <OfflineStatus />
        <InterlockBanner />
        <Notices />
        // Four groups, which style/main.css places in three columns, two or
        // one as the screen allows: the session, the controls, the live
        // state and the site.
        <main class="layout">
            <div class="column session">
                <ConnectionPanel />
                <LaterTelescopes />
                <LaterLease />
            </div>
            <div class="column controls">
                <LaterControls />
            </div>
            <div class="column live">
                <LaterSky />
                <Snapshots />
                <LaterGallery />
                <LaterVCurve />
                <LaterCommandLog />
                <LaterTelescopeLog />
            </div>
            <div class="column site">
                <LaterConditions />
                <LaterWorkflows />
                <LaterAlertSettings />
            </div>
        </main>
    }
}
