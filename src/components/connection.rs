//! The API address, the access token and the state of both sockets.

use leptos::prelude::*;

use crate::console::use_console;
use crate::state::connection::SocketState;
use crate::storage;

/// The connection form: API base URL, token (kept in sessionStorage), connect
/// and disconnect, forget token, and each socket's state.
#[component]
pub fn ConnectionPanel() -> impl IntoView {
    let console = use_console();
    let error = RwSignal::new(None::<String>);

    let connect = move || {
        let settings = console.settings.get_untracked();
        storage::remember_api_base(&settings.api_base);
        storage::remember_token(&settings.token);
        error.set(console.connect().err());
    };
    let forget = move |_| {
        storage::forget_token();
        console.settings.update(|s| s.token.clear());
        console.disconnect();
    };
    let rejected = move || {
        [console.commands_state.get(), console.stream_state.get()]
            .iter()
            .any(|s| {
                matches!(
                    s,
                    SocketState::Closed {
                        token_rejected: true,
                        ..
                    }
                )
            })
    };

    view! {
        <section class="panel connection" aria-labelledby="connection-heading">
            <h2 id="connection-heading">"Connection"</h2>
            <form on:submit=move |ev| {
                ev.prevent_default();
                connect();
            }>
                <div class="field">
                    <label for="api-url">"API base URL"</label>
                    <input
                        id="api-url"
                        data-testid="api-url"
                        type="url"
                        name="api-url"
                        spellcheck="false"
                        autocomplete="url"
                        prop:value=move || console.settings.with(|s| s.api_base.clone())
                        on:input=move |ev| console.settings.update(|s| s.api_base = event_target_value(&ev))
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
                        prop:value=move || console.settings.with(|s| s.token.clone())
                        on:input=move |ev| console.settings.update(|s| s.token = event_target_value(&ev))
                    />
                </div>
                <div class="actions">
                    <button type="submit" data-testid="connect">"Connect"</button>
                    <button
                        type="button"
                        data-testid="disconnect"
                        on:click=move |_| console.disconnect()
                    >
                        "Disconnect"
                    </button>
                    <button type="button" data-testid="forget-token" on:click=forget>
                        "Forget token"
                    </button>
                </div>
            </form>
            <p class="form-error" data-testid="connect-error" role="alert">
                {move || error.get()}
            </p>
            <p class="token-rejected" data-testid="token-rejected" role="alert" hidden=move || !rejected()>
                "The server rejected this token. Sign in again for a new token, then connect."
            </p>
            <ul class="socket-states">
                <SocketBadge name="Commands" testid="socket-commands" state=console.commands_state />
                <SocketBadge name="Stream" testid="socket-stream" state=console.stream_state />
            </ul>
        </section>
    }
}

/// One socket's state, with the retry countdown.
#[component]
fn SocketBadge(
    /// The socket's name.
    name: &'static str,
    /// The `data-testid`.
    testid: &'static str,
    /// Its state.
    state: RwSignal<SocketState>,
) -> impl IntoView {
    let console = use_console();
    view! {
        <li
            class=move || format!("socket-state {}", state.with(SocketState::class))
            data-testid=testid
            data-state=move || state.with(SocketState::class)
        >
            <span class="socket-name">{name}</span>
            ": "
            <span class="socket-text">{move || state.with(|s| s.describe(console.now.get()))}</span>
        </li>
    }
}
