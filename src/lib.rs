//! SkyDeck: a browser console for SkyNet robotic telescopes.
//!
//! - [`state`]: the app's logic on plain types, tested on the host.
//! - [`transport`]: the two WebSockets; the only code that touches the network.
//! - [`console`]: state in signals, wired to the sockets.
//! - [`components`]: one per area of the screen.

pub mod components;
pub mod console;
pub mod state;
pub mod storage;
pub mod transport;

use leptos::prelude::*;

use components::connection::ConnectionPanel;
use components::controls::Controls;
use components::lease::LeasePanel;
use components::log::CommandLogView;
use components::notices::Notices;
use components::snapshots::Snapshots;
use components::telescopes::TelescopePicker;
use components::workflows::Workflows;
use console::{Console, Settings};

/// The API base URL used when the page's own origin does not serve the API.
pub const DEFAULT_API_URL: &str = "ws://127.0.0.1:5001";

/// The whole console, connecting with the remembered settings.
#[component]
pub fn App() -> impl IntoView {
    let settings = Settings {
        api_base: storage::api_base().unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
        token: storage::token().unwrap_or_default(),
    };
    view! { <ConsoleView console=Console::new(settings) /> }
}

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
    on_cleanup(move || {
        if let Some(tick) = tick {
            tick.clear();
        }
        console.disconnect();
    });
    view! {
        <header class="app-header">
            <h1>"SkyDeck"</h1>
            <p class="tagline">"Drive a SkyNet robotic telescope from your browser."</p>
        </header>
        <Notices />
        <main class="layout">
            <div class="column">
                <ConnectionPanel />
                <TelescopePicker />
                <LeasePanel />
                <Workflows />
            </div>
            <div class="column wide">
                <Controls />
                <CommandLogView />
            </div>
            <div class="column">
                <Snapshots />
            </div>
        </main>
    }
}
