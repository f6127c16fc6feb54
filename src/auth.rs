//! Signing in with SkyNet, the browser's part: randomness and SHA-256 from
//! WebCrypto, the trip to the authorize page and back, and the token
//! endpoints over `fetch`. What can be decided without a browser is in
//! [`crate::state::auth`].
//!
//! Starting a sign-in, finishing one, renewing and revoking are reached
//! through one table, [`SignIn`]. In the shipped build (cargo feature
//! `split`) the table and everything only it reaches is a wasm chunk of its
//! own (`sign_in`, split like the deferred panels in
//! [`crate::components::later`]), fetched the first time one of them is
//! needed: the Sign in button, a page the authorize page sent back (the
//! address has its callback), a renewal ahead of expiry, Sign out. A page
//! that is signed in already, or never signs in, starts without it. If it
//! cannot be fetched, that step fails as a network failure would: a
//! renewal is retried until the token lapses, a sign-in can be tried again
//! (the callback stays in the address bar until the code is here, so a
//! reload finishes it). Without the feature the table is compiled in.

use futures::future::{FutureExt, LocalBoxFuture};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::state::auth::{
    check_callback, code_challenge, code_verifier, parse_callback, query_without_callback,
    redirect_uri, AuthConfig, AuthorizeRequest, ConfigFile, OAuthError, PendingSignIn, Session,
    TokenResponse,
};
use crate::state::time::now_ms;
use crate::storage;

/// Why a sign-in step failed, for people.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthError {
    /// The grant is gone: only signing in again helps.
    SignInAgain(String),
    /// Something that may pass (the network, the server); worth a retry.
    Failed(String),
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignInAgain(why) | Self::Failed(why) => f.write_str(why),
        }
    }
}

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for AuthError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self::Failed("the sign-in code did not arrive: the network may be down".into())
    }
}

fn js_error(what: &str, e: JsValue) -> AuthError {
    AuthError::Failed(format!("{what}: {}", crate::browser::error_text(&e)))
}

// ---- the main module's side ----

/// Starts signing in: keeps the verifier and `state` for this tab, then
/// sends the browser to the authorize page (the page unloads).
pub async fn begin_sign_in(config: AuthConfig) -> Result<(), AuthError> {
    (code().await?.begin)(config).await
}

/// Finishes a sign-in when the page was opened by the authorize page's
/// redirect: takes the code and `state` out of the address bar at once,
/// checks `state`, and exchanges the code. `None` when the page was not
/// opened by a callback (and the sign-in code is not fetched).
pub async fn complete_sign_in() -> Option<Result<Session, AuthError>> {
    let query = web_sys::window()?.location().search().ok()?;
    parse_callback(&query)?;
    match code().await {
        Ok(code) => (code.complete)().await,
        Err(e) => Some(Err(AuthError::Failed(format!(
            "{e}; reload the page to finish signing in"
        )))),
    }
}

/// Renews `session` with its refresh token (rotated: the answer's refresh
/// token replaces it).
pub async fn refresh(session: Session) -> Result<Session, AuthError> {
    (code().await?.refresh)(session).await
}

/// Revokes the session's refresh and access tokens. The server answers 200
/// whatever the token; a failure here is the network's.
pub async fn revoke(session: Session) -> Result<(), AuthError> {
    (code().await?.revoke)(session).await
}

/// The deploy-time configuration: `skydeck.config.json` beside the page,
/// if it is served. `Ok(None)` when there is none (404); an unreadable or
/// invalid file is an error to show, never silently ignored.
pub async fn load_config_file() -> Result<Option<ConfigFile>, String> {
    let window = web_sys::window().ok_or("no window")?;
    // Always the deployment's current file: revalidated with the host, never
    // a copy the HTTP cache kept (the service worker leaves it alone too).
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoCache);
    let response = JsFuture::from(window.fetch_with_str_and_init("skydeck.config.json", &init))
        .await
        .map_err(|_| "could not fetch skydeck.config.json".to_owned())?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "skydeck.config.json: not a response".to_owned())?;
    // A host that answers every path with the page itself (as the
    // simulator and many static hosts do) has no config file either.
    let html = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .is_some_and(|t| t.contains("text/html"));
    if response.status() == 404 || html {
        return Ok(None);
    }
    if !response.ok() {
        return Err(format!("skydeck.config.json: HTTP {}", response.status()));
    }
    let text = JsFuture::from(
        response
            .text()
            .map_err(|_| "skydeck.config.json: unreadable")?,
    )
    .await
    .map_err(|_| "skydeck.config.json: unreadable".to_owned())?
    .as_string()
    .unwrap_or_default();
    ConfigFile::parse(&text).map(Some)
}

/// The sign-in code's entry points.
pub(crate) struct SignIn {
    begin: fn(AuthConfig) -> LocalBoxFuture<'static, Result<(), AuthError>>,
    complete: fn() -> LocalBoxFuture<'static, Option<Result<Session, AuthError>>>,
    refresh: fn(Session) -> LocalBoxFuture<'static, Result<Session, AuthError>>,
    revoke: fn(Session) -> LocalBoxFuture<'static, Result<(), AuthError>>,
}

static SIGN_IN: SignIn = SignIn {
    begin: |config| begin(config).boxed_local(),
    complete: || complete().boxed_local(),
    refresh: |session| renew(session).boxed_local(),
    revoke: |session| revoke_tokens(session).boxed_local(),
};

/// The sign-in code: in the split build, the `sign_in` chunk, fetched at
/// the first call (a failed fetch is an `Err`, and the next call tries
/// again).
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(sign_in, wasm_split_path = ::leptos::wasm_split, fallible)]
fn code() -> Result<&'static SignIn, AuthError> {
    Ok(&SIGN_IN)
}

/// The sign-in code: compiled in.
#[cfg(not(feature = "split"))]
async fn code() -> Result<&'static SignIn, AuthError> {
    Ok(&SIGN_IN)
}

// ---- the sign-in code ----

/// `n` bytes from the browser's cryptographic randomness.
fn random_bytes<const N: usize>() -> Result<[u8; N], AuthError> {
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| AuthError::Failed("this browser has no WebCrypto".into()))?;
    let mut bytes = [0u8; N];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|e| js_error("no randomness", e))?;
    Ok(bytes)
}

/// SHA-256 of `data`, from WebCrypto.
async fn sha256(data: &[u8]) -> Result<Vec<u8>, AuthError> {
    let subtle = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.subtle())
        .ok_or_else(|| AuthError::Failed("this browser has no WebCrypto".into()))?;
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", data)
        .map_err(|e| {
            js_error(
                "SHA-256 is not available (is the page served over HTTPS or from localhost?)",
                e,
            )
        })?;
    let digest = JsFuture::from(promise)
        .await
        .map_err(|e| js_error("SHA-256 failed", e))?;
    Ok(js_sys::Uint8Array::new(&digest).to_vec())
}

/// Keeps the verifier and `state` for this tab, then sends the browser to
/// the authorize page.
async fn begin(config: AuthConfig) -> Result<(), AuthError> {
    let window = web_sys::window().ok_or_else(|| AuthError::Failed("no window".into()))?;
    let href = window
        .location()
        .href()
        .map_err(|e| js_error("no page address", e))?;
    let verifier = code_verifier(&random_bytes::<32>()?);
    let challenge = code_challenge(&sha256(verifier.as_bytes()).await?);
    let pending = PendingSignIn {
        state: crate::state::auth::base64url(&random_bytes::<16>()?),
        verifier,
        redirect_uri: redirect_uri(&href),
        config,
    };
    let url = pending.config.authorize_url(&AuthorizeRequest {
        redirect_uri: pending.redirect_uri.clone(),
        state: pending.state.clone(),
        code_challenge: challenge,
    });
    storage::remember_pending_sign_in(&pending);
    window
        .location()
        .assign(&url)
        .map_err(|e| js_error("could not open the sign-in page", e))
}

/// Takes the code and `state` out of the address bar, checks `state`, and
/// exchanges the code.
async fn complete() -> Option<Result<Session, AuthError>> {
    let window = web_sys::window()?;
    let location = window.location();
    let query = location.search().ok()?;
    let callback = parse_callback(&query)?;
    // The code and state leave the address bar (and the history) first.
    let clean = format!(
        "{}{}{}",
        location.pathname().unwrap_or_default(),
        query_without_callback(&query),
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&clean));
    }
    let pending = storage::take_pending_sign_in();
    let code = match check_callback(callback, pending.as_ref()) {
        Ok(code) => code,
        Err(why) => return Some(Err(AuthError::SignInAgain(why))),
    };
    // Checked above: a code comes only with the sign-in this tab started.
    let pending = pending?;
    let config = pending.config.clone();
    let body = config.token_form(&code, &pending);
    Some(
        post_form(&config.token_url(), &body)
            .await
            .map(|response| Session::from_response(config, response, now_ms(), None)),
    )
}

/// Exchanges the refresh token for new tokens.
async fn renew(session: Session) -> Result<Session, AuthError> {
    let refresh_token = session.refresh_token.as_deref().ok_or_else(|| {
        AuthError::SignInAgain("this sign-in cannot be renewed; sign in again".into())
    })?;
    let config = &session.config;
    let response = post_form(&config.refresh_url(), &config.refresh_form(refresh_token)).await?;
    Ok(Session::from_response(
        config.clone(),
        response,
        now_ms(),
        Some(&session),
    ))
}

/// Revokes both tokens, the refresh token first.
async fn revoke_tokens(session: Session) -> Result<(), AuthError> {
    let config = &session.config;
    let tokens = session
        .refresh_token
        .iter()
        .chain(std::iter::once(&session.access_token));
    for token in tokens {
        let response = fetch_form(&config.revoke_url(), &config.revoke_form(token)).await?;
        if !response.ok() {
            return Err(AuthError::Failed(format!(
                "revoking failed: HTTP {}",
                response.status()
            )));
        }
    }
    Ok(())
}

/// `POST`s a form and reads a token answer, or the OAuth error.
async fn post_form(url: &str, body: &str) -> Result<TokenResponse, AuthError> {
    let response = fetch_form(url, body).await?;
    let status = response.status();
    let text = JsFuture::from(
        response
            .text()
            .map_err(|e| js_error("could not read the answer", e))?,
    )
    .await
    .map_err(|e| js_error("could not read the answer", e))?
    .as_string()
    .unwrap_or_default();
    if response.ok() {
        return serde_json::from_str(&text).map_err(|e| {
            AuthError::Failed(format!("the token endpoint answered something else: {e}"))
        });
    }
    match serde_json::from_str::<OAuthError>(&text) {
        Ok(error) if error.needs_sign_in() => Err(AuthError::SignInAgain(format!(
            "SkyNet no longer accepts this sign-in: {error}. Sign in again."
        ))),
        Ok(error) => Err(AuthError::Failed(format!("sign-in failed: {error}"))),
        Err(_) => Err(AuthError::Failed(format!(
            "the token endpoint answered HTTP {status}"
        ))),
    }
}

/// `POST`s `body` as `application/x-www-form-urlencoded` (a CORS simple
/// request: no preflight), without cookies.
async fn fetch_form(url: &str, body: &str) -> Result<web_sys::Response, AuthError> {
    let window = web_sys::window().ok_or_else(|| AuthError::Failed("no window".into()))?;
    let params =
        web_sys::UrlSearchParams::new_with_str(body).map_err(|e| js_error("a bad form", e))?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&params);
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| js_error(&format!("could not reach {url}"), e))?;
    response
        .dyn_into()
        .map_err(|e| js_error("not a response", e))
}
