//! Signing in with SkyNet, the Advanced settings (API and auth bases, client
//! id, scope, a pasted access token for scripts and development), and the
//! state of both sockets.
//!
//! The Advanced settings are folded away on the first screen and their code
//! loads with the deferred panels ([`crate::components::later`]).

use leptos::prelude::*;

use crate::components::later::LaterAdvancedSettings;
use crate::console::use_console;
use crate::state::auth::ConfigFile;
use crate::state::connection::SocketState;
use crate::state::time::format_clock;
use crate::storage;

/// "Sign in with SkyNet", or who is signed in, with sign-out.
#[component]
fn SignIn() -> impl IntoView {
    let console = use_console();
    let signed_in = move || console.session.with(|s| s.is_some());
    let who = move || {
        console.session.with(|s| {
            s.as_ref().map(|s| {
                let account = s
                    .account
                    .as_deref()
                    .map(crate::state::display::name)
                    .unwrap_or_else(|| "your SkyNet account".to_owned());
                format!(
                    "Signed in as {account} · renews itself (this token until {} UTC)",
                    format_clock(s.expires_at)
                )
            })
        })
    };
    view! {
        <div class="sign-in">
            <p class="signed-in" data-testid="signed-in" hidden=move || !signed_in()>{who}</p>
            <div class="actions">
                <button
                    type="button"
                    class="primary"
                    data-testid="sign-in"
                    hidden=signed_in
                    on:click=move |_| console.sign_in()
                >
                    "Sign in with SkyNet"
                </button>
                <button
                    type="button"
                    data-testid="sign-out"
                    hidden=move || !signed_in()
                    on:click=move |_| console.sign_out()
                >
                    "Sign out"
                </button>
            </div>
            <p class="form-error" data-testid="sign-in-error" role="alert">
                {move || console.auth_error.get()}
            </p>
        </div>
    }
}

/// The sign-in settings a deployment or a developer may change.
#[component]
fn AuthSettings() -> impl IntoView {
    let console = use_console();
    let saved = storage::advanced().unwrap_or_default();
    let field = |v: Option<String>| RwSignal::new(v.unwrap_or_default());
    let auth_base = field(saved.auth_base);
    let client_id = field(saved.client_id);
    let scope = field(saved.scope);
    let save = move || {
        let some = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        storage::remember_advanced(&ConfigFile {
            api_base: None,
            auth_base: some(auth_base.get_untracked()),
            client_id: some(client_id.get_untracked()),
            scope: some(scope.get_untracked()),
        });
    };
    // What applies now, defaults included.
    let placeholder = move |pick: fn(&crate::state::auth::AuthConfig) -> String| {
        console.settings.track();
        console.config_file.track();
        pick(&console.auth_config())
    };
    let default = move |pick: fn(&crate::state::auth::AuthConfig) -> String| {
        Signal::derive(move || placeholder(pick))
    };
    view! {
        <SettingInput id="auth-base" label="Sign-in (auth) base URL" value=auth_base
            default=default(|c| c.auth_base.clone()) on_change=save />
        <SettingInput id="client-id" label="Client id" value=client_id
            default=default(|c| c.client_id.clone()) on_change=save />
        <SettingInput id="scope" label="Scope" value=scope
            default=default(|c| c.scope.clone()) on_change=save />
    }
}

/// One sign-in setting: what applies when it is empty shows as its
/// placeholder; every edit is saved.
#[component]
fn SettingInput(
    /// Its id and `data-testid`.
    id: &'static str,
    /// Its label.
    label: &'static str,
    /// What is typed.
    value: RwSignal<String>,
    /// What applies when nothing is typed.
    default: Signal<String>,
    /// Saves the settings.
    on_change: impl Fn() + Copy + 'static,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id data-testid=id type="text" spellcheck="false"
                placeholder=move || default.get()
                prop:value=move || value.get()
                on:input=move |ev| { value.set(event_target_value(&ev)); on_change(); } />
        </div>
    }
}

/// The Advanced settings: API base URL, token (kept in sessionStorage),
/// connect and disconnect, forget token, and the sign-in settings.
#[component]
pub(crate) fn AdvancedSettings() -> impl IntoView {
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
    view! {
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
                <label for="api-token">"Access token (pasted, for scripts and development)"</label>
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
        <AuthSettings />
    }
}

/// The connection panel: signing in, the Advanced settings (folded; their
/// code is deferred) and each socket's state.
#[component]
pub fn ConnectionPanel() -> impl IntoView {
    let console = use_console();
    let rejected = move || {
        console.commands_state.with(SocketState::token_rejected)
            || console.stream_state.with(SocketState::token_rejected)
    };
    view! {
        <section class="panel connection" aria-labelledby="connection-heading">
            <h2 id="connection-heading">"Connection"</h2>
            <SignIn />
            <details class="advanced" data-testid="advanced">
                <summary>"Advanced"</summary>
                <LaterAdvancedSettings />
            </details>
            <p class="token-rejected" data-testid="token-rejected" role="alert" hidden=move || !rejected() || console.auth_error.with(Option::is_some)>
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

/// Says plainly that the telescope needs a connection: while the browser is
/// offline (the console follows its `online` and `offline` events), or while
/// a page the service worker served cannot reach the server.
#[component]
pub fn OfflineStatus() -> impl IntoView {
    let console = use_console();
    let notice = move || {
        console.commands_state.with(|commands| {
            console.stream_state.with(|stream| {
                crate::state::connection::offline_notice(
                    console.online.get(),
                    console.from_shell,
                    commands,
                    stream,
                )
            })
        })
    };
    view! {
        <p class="offline-status" data-testid="offline" role="status" hidden=move || notice().is_none()>
            {move || notice().unwrap_or_default()}
        </p>
    }
}
