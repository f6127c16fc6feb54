//! SkyDeck: a browser console for SkyNet robotic telescopes.
//!
//! For now the app is a placeholder: the title, what the console is for, and the
//! connection settings it will use. Nothing here talks to a server yet.

pub mod state;
pub mod transport;

use leptos::prelude::*;

/// The API base URL the connection form starts with: a local SkyNode simulator.
pub const DEFAULT_API_URL: &str = "ws://127.0.0.1:5001";

/// The whole page: a header and the connection settings.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="app-header">
            <h1>"SkyDeck"</h1>
            <p class="tagline">"Drive a SkyNet robotic telescope from your browser."</p>
        </header>
        <main>
            <ConnectionSettings />
        </main>
    }
}

/// The API base URL and access token the console will connect with.
///
/// Only the fields for now: there is no connect action until the transport exists.
#[component]
pub fn ConnectionSettings() -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="connection-heading">
            <h2 id="connection-heading">"Connection"</h2>
            <div class="field">
                <label for="api-url">"API base URL"</label>
                <input
                    id="api-url"
                    data-testid="api-url"
                    type="url"
                    name="api-url"
                    value=DEFAULT_API_URL
                    spellcheck="false"
                    autocomplete="url"
                />
            </div>
            <div class="field">
                <label for="api-token">"Access token"</label>
                <input
                    id="api-token"
                    data-testid="api-token"
                    type="password"
                    name="api-token"
                    autocomplete="off"
                    spellcheck="false"
                />
            </div>
        </section>
    }
}
