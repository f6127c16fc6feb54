//! The simulator as SkyNet's authorization server: OAuth 2.0 authorization
//! code with PKCE (S256), rotating refresh tokens, revocation and
//! introspection, as Revision 2 of the decisions describes them. The token
//! store is here; the HTTP handlers are in `oauth_http.rs`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// A registered client.
#[derive(Debug, Clone, Deserialize)]
pub struct ClientConfig {
    /// Its id.
    pub client_id: String,
    /// Where it may be sent back to, compared exactly.
    pub redirect_uris: Vec<String>,
    /// The scopes it may ask for.
    #[serde(default = "default_scopes")]
    pub allowed_scopes: Vec<String>,
    /// First-party clients skip the consent screen and may introspect.
    #[serde(default)]
    pub is_first_party: bool,
}

fn default_scopes() -> Vec<String> {
    vec![SCOPE.to_owned()]
}

/// The one scope: everything the account may do.
pub const SCOPE: &str = "skynet";
/// The built-in first-party client.
pub const SKYDECK: &str = "skydeck";
/// How long a code may wait to be exchanged.
pub const CODE_TTL: Duration = Duration::from_secs(60);

/// An OAuth error answer (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthError {
    /// `invalid_grant`, ...
    pub error: &'static str,
    /// For people.
    pub error_description: String,
}

impl OAuthError {
    /// The person declined.
    pub fn access_denied() -> Self {
        Self::new("access_denied", "the sign-in was declined")
    }

    /// A request missing or misusing a parameter.
    pub fn invalid_request(why: impl Into<String>) -> Self {
        Self::new("invalid_request", why)
    }

    /// A grant type other than the two supported.
    pub fn unsupported_grant_type(grant_type: &str) -> Self {
        Self::new(
            "unsupported_grant_type",
            format!("grant_type `{grant_type}` is not supported: use authorization_code or refresh_token"),
        )
    }

    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: description.into(),
        }
    }

    /// The HTTP status it goes with.
    pub fn status(&self) -> u16 {
        if self.error == "invalid_client" {
            401
        } else {
            400
        }
    }
}

/// A token answer (RFC 6749 §5.1, with the account [ours]).
#[derive(Debug, Clone, Serialize)]
pub struct TokenAnswer {
    /// The bearer token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds it lives.
    pub expires_in: u64,
    /// The token that renews it (rotated on each renewal).
    pub refresh_token: String,
    /// What was granted.
    pub scope: String,
    /// Who signed in.
    pub account: String,
}

/// An introspection answer (RFC 7662).
#[derive(Debug, Clone, Serialize)]
pub struct Introspection {
    /// The token is live.
    pub active: bool,
    /// Its scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client it was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Its account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `access_token` or `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Seconds left, for an access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
}

/// What the authorize step asks.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeParams {
    /// Must be `code`.
    #[serde(default)]
    pub response_type: String,
    /// The client.
    #[serde(default)]
    pub client_id: String,
    /// Where to send the browser back.
    #[serde(default)]
    pub redirect_uri: String,
    /// The scope asked for.
    #[serde(default)]
    pub scope: Option<String>,
    /// Echoed back.
    #[serde(default)]
    pub state: Option<String>,
    /// The PKCE challenge.
    #[serde(default)]
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    #[serde(default)]
    pub code_challenge_method: Option<String>,
}

struct Code {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    account: String,
    scope: String,
    issued: Instant,
    used: bool,
    /// The grant the code became, once exchanged.
    grant: Option<u64>,
}

struct Grant {
    account: String,
    client_id: String,
    scope: String,
}

struct AccessToken {
    grant: u64,
    expires: Instant,
}

struct RefreshToken {
    grant: u64,
    /// Rotated away: using it again revokes the grant.
    rotated: bool,
}

#[derive(Default)]
struct Store {
    codes: HashMap<String, Code>,
    grants: HashMap<u64, Grant>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    next_grant: u64,
}

/// A token that lets an account in, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorized {
    /// The account.
    pub account: String,
    /// The grant behind an OAuth token; `None` for a development token.
    pub grant: Option<u64>,
    /// When an OAuth access token lapses.
    pub expires: Option<Instant>,
}

/// The authorization server's state.
pub struct Authority {
    clients: Vec<ClientConfig>,
    token_ttl: Duration,
    code_ttl: Duration,
    store: Mutex<Store>,
}

/// Random, unguessable, URL-safe.
fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// `BASE64URL(SHA256(verifier))` without padding (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// A verifier of 43 to 128 unreserved characters (RFC 7636 §4.1).
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// A loopback redirect (any port, any path), as RFC 8252 §7.3 allows.
fn is_loopback(uri: &str) -> bool {
    ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
        .iter()
        .any(|prefix| uri.starts_with(prefix))
        || ["http://127.0.0.1/", "http://localhost/", "http://[::1]/"]
            .iter()
            .any(|prefix| uri.starts_with(prefix))
}

impl Authority {
    /// The world's clients, plus the built-in first-party `skydeck`; access
    /// tokens live `token_ttl`, codes `code_ttl`.
    pub fn new(clients: Vec<ClientConfig>, token_ttl: Duration, code_ttl: Duration) -> Self {
        Self {
            clients,
            token_ttl,
            code_ttl,
            store: Mutex::new(Store::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The client, if registered; `skydeck` always is.
    fn client(&self, client_id: &str) -> Option<ClientConfig> {
        self.clients
            .iter()
            .find(|c| c.client_id == client_id)
            .cloned()
            .or_else(|| {
                (client_id == SKYDECK).then(|| ClientConfig {
                    client_id: SKYDECK.to_owned(),
                    redirect_uris: Vec::new(),
                    allowed_scopes: default_scopes(),
                    is_first_party: true,
                })
            })
    }

    /// Checks the client and its redirect URI: an error here is shown on
    /// the authorize page itself, never sent to the redirect URI. `origin`
    /// is the simulator's own (`http://host:port`), where `skydeck` may
    /// return to any page.
    pub fn check_redirect(
        &self,
        params: &AuthorizeParams,
        origin: &str,
    ) -> Result<ClientConfig, String> {
        let client = self
            .client(&params.client_id)
            .ok_or_else(|| format!("No client `{}` is registered.", params.client_id))?;
        let uri = params.redirect_uri.as_str();
        let allowed = client.redirect_uris.iter().any(|r| r == uri)
            || (client.client_id == SKYDECK
                && client.redirect_uris.is_empty()
                && (is_loopback(uri) || uri == origin || uri.starts_with(&format!("{origin}/"))));
        if allowed {
            Ok(client)
        } else {
            Err(format!(
                "`{uri}` is not a redirect URI registered for `{}`.",
                client.client_id
            ))
        }
    }

    /// Checks the rest of an authorize request (answered at the redirect
    /// URI): the response type, PKCE S256 and the scope. Returns the scope.
    pub fn check_request(
        &self,
        params: &AuthorizeParams,
        client: &ClientConfig,
    ) -> Result<String, OAuthError> {
        if params.response_type != "code" {
            return Err(OAuthError::new(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
        match params.code_challenge.as_deref() {
            None | Some("") => {
                return Err(OAuthError::new(
                    "invalid_request",
                    "PKCE is required: send code_challenge and code_challenge_method=S256",
                ))
            }
            Some(_) if params.code_challenge_method.as_deref() != Some("S256") => {
                return Err(OAuthError::new(
                    "invalid_request",
                    "code_challenge_method must be S256",
                ))
            }
            Some(_) => {}
        }
        let scope = params.scope.clone().unwrap_or_else(|| SCOPE.to_owned());
        if !scope
            .split(' ')
            .all(|s| client.allowed_scopes.iter().any(|a| a == s))
        {
            return Err(OAuthError::new(
                "invalid_scope",
                format!("scope `{scope}` is not allowed for this client"),
            ));
        }
        Ok(scope)
    }

    /// Issues a single-use code for `account`.
    pub fn issue_code(&self, params: &AuthorizeParams, scope: String, account: &str) -> String {
        let code = random_token();
        self.lock().codes.insert(
            code.clone(),
            Code {
                client_id: params.client_id.clone(),
                redirect_uri: params.redirect_uri.clone(),
                challenge: params.code_challenge.clone().unwrap_or_default(),
                account: account.to_owned(),
                scope,
                issued: Instant::now(),
                used: false,
                grant: None,
            },
        );
        code
    }

    /// Exchanges a code (`grant_type=authorization_code`). A code used
    /// twice revokes what it gave (RFC 6749 §10.5); the returned grants are
    /// the ones revoked, whose sockets must close.
    pub fn exchange(
        &self,
        code: &str,
        redirect_uri: &str,
        client_id: &str,
        verifier: &str,
    ) -> (Result<TokenAnswer, OAuthError>, Vec<u64>) {
        let mut store = self.lock();
        let Some(entry) = store.codes.get_mut(code) else {
            return (
                Err(OAuthError::new("invalid_grant", "unknown code")),
                Vec::new(),
            );
        };
        if entry.used {
            let revoked: Vec<u64> = entry.grant.into_iter().collect();
            for grant in &revoked {
                store.revoke_grant(*grant);
            }
            return (
                Err(OAuthError::new(
                    "invalid_grant",
                    "the code was already used",
                )),
                revoked,
            );
        }
        entry.used = true;
        let failure = if entry.issued.elapsed() > self.code_ttl {
            Some("the code expired")
        } else if entry.client_id != client_id {
            Some("the code was issued to another client")
        } else if entry.redirect_uri != redirect_uri {
            Some("redirect_uri differs from the authorize request's")
        } else if !valid_verifier(verifier) {
            Some("code_verifier must be 43 to 128 unreserved characters")
        } else if s256(verifier) != entry.challenge {
            Some("code_verifier does not match the code_challenge")
        } else {
            None
        };
        if let Some(why) = failure {
            return (Err(OAuthError::new("invalid_grant", why)), Vec::new());
        }
        let (account, scope) = (entry.account.clone(), entry.scope.clone());
        let grant = store.next_grant;
        store.next_grant += 1;
        if let Some(entry) = store.codes.get_mut(code) {
            entry.grant = Some(grant);
        }
        store.grants.insert(
            grant,
            Grant {
                account,
                client_id: client_id.to_owned(),
                scope,
            },
        );
        (Ok(store.tokens(grant, self.token_ttl)), Vec::new())
    }

    /// Renews with a refresh token, rotating it. A rotated token used again
    /// revokes its whole grant; the returned grants are the ones revoked.
    pub fn refresh(
        &self,
        refresh_token: &str,
        client_id: &str,
    ) -> (Result<TokenAnswer, OAuthError>, Vec<u64>) {
        let mut store = self.lock();
        let Some(entry) = store.refresh.get(refresh_token) else {
            return (
                Err(OAuthError::new(
                    "invalid_grant",
                    "unknown or revoked refresh token",
                )),
                Vec::new(),
            );
        };
        let grant = entry.grant;
        if entry.rotated {
            store.revoke_grant(grant);
            return (
                Err(OAuthError::new(
                    "invalid_grant",
                    "the refresh token was already rotated: the grant is revoked",
                )),
                vec![grant],
            );
        }
        if store.grants.get(&grant).map(|g| g.client_id.as_str()) != Some(client_id) {
            return (
                Err(OAuthError::new(
                    "invalid_grant",
                    "the token was issued to another client",
                )),
                Vec::new(),
            );
        }
        if let Some(entry) = store.refresh.get_mut(refresh_token) {
            entry.rotated = true;
        }
        (Ok(store.tokens(grant, self.token_ttl)), Vec::new())
    }

    /// Revokes an access or refresh token (a refresh token with its grant).
    /// Returns the grants whose sockets must close.
    pub fn revoke(&self, token: &str) -> Vec<u64> {
        let mut store = self.lock();
        if let Some(refresh) = store.refresh.get(token) {
            let grant = refresh.grant;
            store.revoke_grant(grant);
            return vec![grant];
        }
        match store.access.remove(token) {
            Some(access) => vec![access.grant],
            None => Vec::new(),
        }
    }

    /// What a token is, for a first-party client.
    pub fn introspect(&self, token: &str, client_id: &str) -> Result<Introspection, OAuthError> {
        if !self.client(client_id).is_some_and(|c| c.is_first_party) {
            return Err(OAuthError::new(
                "invalid_client",
                "introspection is for first-party clients",
            ));
        }
        let store = self.lock();
        let inactive = Introspection {
            active: false,
            scope: None,
            client_id: None,
            account: None,
            token_type: None,
            expires_in: None,
        };
        let (grant, token_type, left) = if let Some(a) = store.access.get(token) {
            let left = a.expires.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(inactive);
            }
            (a.grant, "access_token", Some(left.as_secs()))
        } else if let Some(r) = store.refresh.get(token).filter(|r| !r.rotated) {
            (r.grant, "refresh_token", None)
        } else {
            return Ok(inactive);
        };
        let Some(g) = store.grants.get(&grant) else {
            return Ok(inactive);
        };
        Ok(Introspection {
            active: true,
            scope: Some(g.scope.clone()),
            client_id: Some(g.client_id.clone()),
            account: Some(g.account.clone()),
            token_type: Some(token_type),
            expires_in: left,
        })
    }

    /// The account of a live access token.
    pub fn authorize_access(&self, token: &str) -> Option<Authorized> {
        let store = self.lock();
        let access = store.access.get(token)?;
        if access.expires <= Instant::now() {
            return None;
        }
        let grant = store.grants.get(&access.grant)?;
        Some(Authorized {
            account: grant.account.clone(),
            grant: Some(access.grant),
            expires: Some(access.expires),
        })
    }
}

impl Store {
    /// A fresh access and refresh token for `grant`.
    fn tokens(&mut self, grant: u64, ttl: Duration) -> TokenAnswer {
        let access_token = random_token();
        let refresh_token = random_token();
        self.access.insert(
            access_token.clone(),
            AccessToken {
                grant,
                expires: Instant::now() + ttl,
            },
        );
        self.refresh.insert(
            refresh_token.clone(),
            RefreshToken {
                grant,
                rotated: false,
            },
        );
        let g = &self.grants[&grant];
        TokenAnswer {
            access_token,
            token_type: "Bearer",
            expires_in: ttl.as_secs(),
            refresh_token,
            scope: g.scope.clone(),
            account: g.account.clone(),
        }
    }

    /// Every token of `grant` stops working.
    fn revoke_grant(&mut self, grant: u64) {
        self.grants.remove(&grant);
        self.access.retain(|_, a| a.grant != grant);
        self.refresh.retain(|_, r| r.grant != grant);
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `uri` with `pairs` added to its query (form-encoded).
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", encoded.join("&"))
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn redirect_rules() {
        let authority = Authority::new(
            vec![ClientConfig {
                client_id: "obs".into(),
                redirect_uris: vec!["https://obs.example.org/deck/".into()],
                allowed_scopes: default_scopes(),
                is_first_party: false,
            }],
            Duration::from_secs(60),
            CODE_TTL,
        );
        let params = |client: &str, uri: &str| AuthorizeParams {
            client_id: client.into(),
            redirect_uri: uri.into(),
            ..Default::default()
        };
        let origin = "http://10.0.0.5:5001";
        assert!(authority
            .check_redirect(&params("skydeck", "http://10.0.0.5:5001/deck/"), origin)
            .is_ok());
        assert!(authority
            .check_redirect(&params("skydeck", "http://127.0.0.1:8080/"), origin)
            .is_ok());
        assert!(authority
            .check_redirect(&params("skydeck", "http://10.0.0.5:50011/"), origin)
            .is_err());
        assert!(authority
            .check_redirect(&params("skydeck", "https://evil.example/"), origin)
            .is_err());
        assert!(authority
            .check_redirect(&params("obs", "https://obs.example.org/deck/"), origin)
            .is_ok());
        assert!(authority
            .check_redirect(&params("obs", "https://obs.example.org/deck/x"), origin)
            .is_err());
        assert!(authority
            .check_redirect(&params("nobody", "http://127.0.0.1:1/"), origin)
            .is_err());
        assert_eq!(
            with_query("https://a.example/cb?x=1", &[("code", "a b")]),
            "https://a.example/cb?x=1&code=a%20b"
        );
    }
}
