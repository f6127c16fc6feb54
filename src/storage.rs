//! What the browser keeps between page loads: the API base and the theme
//! (localStorage); the token, the sign-in session and a sign-in under way
//! (sessionStorage only: gone when the tab closes, never in the URL).

use crate::state::auth::{ConfigFile, PendingSignIn, Session};

const API_BASE_KEY: &str = "skydeck.api_base";
const TOKEN_KEY: &str = "skydeck.token";
const THEME_KEY: &str = "skydeck.theme";
const SESSION_KEY: &str = "skydeck.session";
const PENDING_KEY: &str = "skydeck.sign_in";
const ADVANCED_KEY: &str = "skydeck.advanced";
const ALERTS_KEY: &str = "skydeck.alerts";

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The API base remembered from the last connection.
pub fn api_base() -> Option<String> {
    local()?.get_item(API_BASE_KEY).ok()?
}

/// Remembers the API base.
pub fn remember_api_base(base: &str) {
    if let Some(s) = local() {
        let _ = s.set_item(API_BASE_KEY, base);
    }
}

/// The token of this tab's session.
pub fn token() -> Option<String> {
    session()?.get_item(TOKEN_KEY).ok()?
}

/// Keeps the token for this tab's session.
pub fn remember_token(token: &str) {
    if let Some(s) = session() {
        let _ = s.set_item(TOKEN_KEY, token);
    }
}

/// Forgets the token.
pub fn forget_token() {
    if let Some(s) = session() {
        let _ = s.remove_item(TOKEN_KEY);
    }
}

/// The theme chosen in this browser.
pub fn theme() -> Option<String> {
    local()?.get_item(THEME_KEY).ok()?
}

/// Remembers the theme.
pub fn remember_theme(theme: &str) {
    if let Some(s) = local() {
        let _ = s.set_item(THEME_KEY, theme);
    }
}

fn get_json<T: serde::de::DeserializeOwned>(
    storage: Option<web_sys::Storage>,
    key: &str,
) -> Option<T> {
    let text = storage?.get_item(key).ok()??;
    skynet_protocol::strict_from_str(&text).ok()
}

fn set_json(storage: Option<web_sys::Storage>, key: &str, value: &impl serde::Serialize) {
    if let (Some(s), Ok(text)) = (storage, serde_json::to_string(value)) {
        let _ = s.set_item(key, &text);
    }
}

/// The signed-in session of this tab.
pub fn sign_in_session() -> Option<Session> {
    get_json(session(), SESSION_KEY)
}

/// Keeps the signed-in session for this tab.
pub fn remember_sign_in_session(value: &Session) {
    set_json(session(), SESSION_KEY, value);
}

/// A sign-in started in this tab, taken (it is good for one callback).
pub fn take_pending_sign_in() -> Option<PendingSignIn> {
    let pending = get_json(session(), PENDING_KEY);
    if let Some(s) = session() {
        let _ = s.remove_item(PENDING_KEY);
    }
    pending
}

/// Keeps a sign-in under way across the trip to the authorize page.
pub fn remember_pending_sign_in(value: &PendingSignIn) {
    set_json(session(), PENDING_KEY, value);
}

/// The Advanced section's settings, as this browser last saved them.
pub fn advanced() -> Option<ConfigFile> {
    get_json(local(), ADVANCED_KEY)
}

/// Saves the Advanced section's settings.
pub fn remember_advanced(value: &ConfigFile) {
    set_json(local(), ADVANCED_KEY, value);
}

/// Forgets everything this tab stored about signing in: the session, a
/// sign-in under way and a pasted token.
pub fn forget_sign_in() {
    if let Some(s) = session() {
        for key in [SESSION_KEY, PENDING_KEY, TOKEN_KEY] {
            let _ = s.remove_item(key);
        }
    }
}

/// Which alerts go where, as chosen in this browser.
pub fn alert_settings() -> Option<crate::state::alerts::Settings> {
    get_json(local(), ALERTS_KEY)
}

/// Remembers the alert settings.
pub fn remember_alert_settings(value: &crate::state::alerts::Settings) {
    set_json(local(), ALERTS_KEY, value);
}
