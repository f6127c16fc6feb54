//! What the browser keeps between page loads: the API base and the theme
//! (localStorage) and the token (sessionStorage: gone when the tab closes).

const API_BASE_KEY: &str = "skydeck.api_base";
const TOKEN_KEY: &str = "skydeck.token";
const THEME_KEY: &str = "skydeck.theme";

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
