//! Signing in with SkyNet on plain types: OAuth 2.0, authorization code with
//! PKCE (RFC 6749, RFC 7636), as Revision 2 of the decisions describes it.
//! The browser side (randomness, SHA-256, fetch, the address bar) is in
//! [`crate::auth`]; everything that can be decided without it is here.

use serde::{Deserialize, Serialize};

use super::connection::{http_url, percent_encode};
use super::time::Millis;

/// SkyNet's public API.
pub const SKYNET_API: &str = "wss://api.skynetgo.org";
/// SkyNet's sign-in origin, for the public API.
pub const SKYNET_AUTH: &str = "https://auth.skynetgo.org";
/// The client id SkyDeck is registered under unless configured otherwise.
pub const DEFAULT_CLIENT_ID: &str = "skydeck";
/// The scope asked for unless configured otherwise: all the account may do.
pub const DEFAULT_SCOPE: &str = "skynet";

/// Where and as whom to sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthConfig {
    /// The API base (`wss://api.skynetgo.org`): the sockets and the token
    /// endpoints live on its origin.
    pub api_base: String,
    /// The origin of the authorize page.
    pub auth_base: String,
    /// The registered client id.
    pub client_id: String,
    /// The scope asked for.
    pub scope: String,
}

/// What `skydeck.config.json` (served beside `index.html`) or the Advanced
/// section may set; what it leaves out takes the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The API base.
    #[serde(default)]
    pub api_base: Option<String>,
    /// The authorize page's origin.
    #[serde(default)]
    pub auth_base: Option<String>,
    /// The client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The scope.
    #[serde(default)]
    pub scope: Option<String>,
}

impl ConfigFile {
    /// Reads the config file's text, explaining what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        skynet_protocol::strict_from_str(text)
            .map_err(|e| format!("skydeck.config.json is not valid: {e}"))
    }

    /// The settings with the defaults of Revision 2 for what is not set:
    /// `api_base` falls back to `default_api`; the auth base is SkyNet's
    /// sign-in origin for the public API and the API's own origin otherwise.
    pub fn resolve(&self, default_api: &str) -> AuthConfig {
        let set = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let api_base = set(&self.api_base).unwrap_or_else(|| default_api.to_owned());
        AuthConfig {
            auth_base: set(&self.auth_base).unwrap_or_else(|| auth_base_for(&api_base)),
            client_id: set(&self.client_id).unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned()),
            scope: set(&self.scope).unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
            api_base,
        }
    }
}

/// The authorize page's origin for an API base: SkyNet's sign-in origin for
/// the public API, else the API's own origin (the simulator serves the
/// authorize page itself).
pub fn auth_base_for(api_base: &str) -> String {
    let origin = http_url(api_base, "");
    let origin = origin.trim_end_matches('/');
    if origin == http_url(SKYNET_API, "").trim_end_matches('/') {
        SKYNET_AUTH.to_owned()
    } else {
        origin.to_owned()
    }
}

impl AuthConfig {
    /// `POST` here to exchange a code.
    pub fn token_url(&self) -> String {
        http_url(&self.api_base, "/oauth/token")
    }

    /// `POST` here to renew.
    pub fn refresh_url(&self) -> String {
        http_url(&self.api_base, "/oauth/token/refresh")
    }

    /// `POST` here to revoke.
    pub fn revoke_url(&self) -> String {
        http_url(&self.api_base, "/oauth/token/revoke")
    }

    /// The authorize page for `request`.
    pub fn authorize_url(&self, request: &AuthorizeRequest) -> String {
        let base = self.auth_base.trim().trim_end_matches('/');
        let query = form(&[
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", &request.redirect_uri),
            ("scope", &self.scope),
            ("state", &request.state),
            ("code_challenge", &request.code_challenge),
            ("code_challenge_method", "S256"),
        ]);
        format!("{base}/oauth/authorize?{query}")
    }

    /// The body exchanging `code` for tokens.
    pub fn token_form(&self, code: &str, pending: &PendingSignIn) -> String {
        form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &pending.redirect_uri),
            ("client_id", &self.client_id),
            ("code_verifier", &pending.verifier),
        ])
    }

    /// The body renewing with `refresh_token`.
    pub fn refresh_form(&self, refresh_token: &str) -> String {
        form(&[
            ("refresh_token", refresh_token),
            ("client_id", &self.client_id),
        ])
    }

    /// The body revoking `token`.
    pub fn revoke_form(&self, token: &str) -> String {
        form(&[("token", token), ("client_id", &self.client_id)])
    }
}

/// `application/x-www-form-urlencoded` pairs.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Base64url without padding (RFC 4648 §5), as PKCE wants it.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A PKCE code verifier from 32 random bytes: 43 characters of the
/// unreserved set (RFC 7636 §4.1).
pub fn code_verifier(random: &[u8; 32]) -> String {
    base64url(random)
}

/// The S256 code challenge from the SHA-256 digest of the verifier.
pub fn code_challenge(verifier_digest: &[u8]) -> String {
    base64url(verifier_digest)
}

/// What the authorize step sends besides the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// Where SkyNet sends the browser back.
    pub redirect_uri: String,
    /// The anti-forgery value the callback must carry back.
    pub state: String,
    /// The S256 challenge of the verifier.
    pub code_challenge: String,
}

/// What survives the trip to the authorize page (in sessionStorage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// The `state` sent.
    pub state: String,
    /// The PKCE verifier, sent only to the token endpoint.
    pub verifier: String,
    /// The `redirect_uri` sent (the exchange must repeat it).
    pub redirect_uri: String,
    /// The configuration signed in with.
    pub config: AuthConfig,
}

/// The page's address as a redirect URI: without query or fragment, so the
/// app returns to itself under whatever sub-path it is served.
pub fn redirect_uri(href: &str) -> String {
    let end = href.find(['?', '#']).unwrap_or(href.len());
    href[..end].to_owned()
}

/// What the authorize page sent back in the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// A code to exchange.
    Code {
        /// The authorization code.
        code: String,
        /// The `state` it came with.
        state: String,
    },
    /// The sign-in was refused or failed.
    Error {
        /// The OAuth error code.
        error: String,
        /// What the server said, if anything.
        description: Option<String>,
    },
}

/// Reads a callback from the page's query (`?code=…&state=…` or
/// `?error=…`); `None` when the page was not opened by one.
pub fn parse_callback(query: &str) -> Option<Callback> {
    let pairs: Vec<(String, String)> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    if let Some(error) = get("error") {
        return Some(Callback::Error {
            error,
            description: get("error_description"),
        });
    }
    Some(Callback::Code {
        code: get("code")?,
        state: get("state").unwrap_or_default(),
    })
}

/// The query without the callback's keys, to put back in the address bar.
pub fn query_without_callback(query: &str) -> String {
    const KEYS: [&str; 5] = ["code", "state", "error", "error_description", "error_uri"];
    let kept: Vec<&str> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !KEYS.contains(&p.split('=').next().unwrap_or("")))
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    }
}

/// Decodes `%XX` and `+` of a form value; bad escapes are kept as they are.
fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        char::from(b).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks a callback against the sign-in that was started: the `state` must
/// be the one sent. Returns the code to exchange.
pub fn check_callback(
    callback: Callback,
    pending: Option<&PendingSignIn>,
) -> Result<String, String> {
    match callback {
        Callback::Error { error, description } => Err(match error.as_str() {
            "access_denied" => "Sign-in was declined.".to_owned(),
            _ => format!(
                "Sign-in failed: {error}{}",
                description.map(|d| format!(" ({d})")).unwrap_or_default()
            ),
        }),
        Callback::Code { code, state } => {
            let pending = pending.ok_or(
                "This page was opened with a sign-in code but no sign-in was started in this tab; sign in again.",
            )?;
            if state != pending.state {
                return Err("The sign-in answer does not match the sign-in this tab started (state differs); it was ignored. Sign in again.".to_owned());
            }
            Ok(code)
        }
    }
}

/// The token endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// The bearer token for the sockets.
    pub access_token: String,
    /// `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// The token that renews it (rotated on every renewal).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// What was granted.
    #[serde(default)]
    pub scope: Option<String>,
    /// Who signed in, by account name: a field OAuth does not define, our
    /// decision (shared/protocol-decisions.md).
    #[serde(default)]
    pub account: Option<String>,
}

/// An OAuth error answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthError {
    /// `invalid_grant`, ...
    pub error: String,
    /// For people.
    #[serde(default)]
    pub error_description: Option<String>,
}

impl OAuthError {
    /// The grant is gone (expired, revoked, rotated away): only signing in
    /// again helps, retrying does not.
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self.error.as_str(),
            "invalid_grant" | "invalid_client" | "unauthorized_client"
        )
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)?;
        if let Some(d) = &self.error_description {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// The tokens of a signed-in tab (kept in sessionStorage only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The configuration signed in with.
    pub config: AuthConfig,
    /// The bearer token for the sockets.
    pub access_token: String,
    /// The token that renews it, when the server gave one.
    pub refresh_token: Option<String>,
    /// When the access token was issued (ms since the epoch).
    pub issued_at: Millis,
    /// When it lapses.
    pub expires_at: Millis,
    /// Who signed in.
    pub account: Option<String>,
}

impl Session {
    /// A session from a token answer received at `now`. A renewal that
    /// carries no new refresh token keeps `previous_refresh`.
    pub fn from_response(
        config: AuthConfig,
        response: TokenResponse,
        now: Millis,
        previous: Option<&Session>,
    ) -> Self {
        Self {
            config,
            access_token: response.access_token,
            refresh_token: response
                .refresh_token
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            issued_at: now,
            expires_at: now + response.expires_in as f64 * 1000.0,
            account: response
                .account
                .or_else(|| previous.and_then(|p| p.account.clone())),
        }
    }

    /// When to renew: three quarters into the token's life, but at least a
    /// minute before it lapses when it lives long enough, and never before
    /// half its life (a 20 s token renews at 10 s).
    pub fn renew_at(&self) -> Millis {
        let life = (self.expires_at - self.issued_at).max(0.0);
        let lead = (life * 0.75).min(life - 60_000.0).max(life * 0.5);
        self.issued_at + lead
    }

    /// The access token has lapsed at `now`.
    pub fn expired(&self, now: Millis) -> bool {
        now >= self.expires_at
    }
}

/// When to try a failed renewal again: soon, doubling, but always before the
/// token lapses (a second before it at the latest); `None` when no time is left.
pub fn retry_renewal_at(session: &Session, failures: u32, now: Millis) -> Option<Millis> {
    let delay = 2_000.0 * 2f64.powi(failures.min(8) as i32);
    let latest = session.expires_at - 1_000.0;
    (now < latest).then(|| (now + delay).min(latest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        // The octets of Appendix B, and the verifier and challenge it derives.
        let random: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = code_verifier(&random);
        assert_eq!(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let digest = sha2::Sha256::digest(verifier.as_bytes());
        assert_eq!(
            code_challenge(&digest),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn base64url_pads_nothing_and_uses_the_url_alphabet() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    fn config() -> AuthConfig {
        ConfigFile::default().resolve("ws://127.0.0.1:5001")
    }

    #[test]
    fn defaults_follow_revision_2() {
        let public = ConfigFile::default().resolve(SKYNET_API);
        assert_eq!(public.auth_base, SKYNET_AUTH);
        assert_eq!(public.client_id, "skydeck");
        assert_eq!(public.scope, "skynet");
        assert_eq!(public.token_url(), "https://api.skynetgo.org/oauth/token");
        let sim = config();
        assert_eq!(sim.auth_base, "http://127.0.0.1:5001");
        assert_eq!(
            sim.refresh_url(),
            "http://127.0.0.1:5001/oauth/token/refresh"
        );
        let file = ConfigFile::parse(
            r#"{"client_id": "skydeck-obs", "api_base": "wss://api.example.org/skynet"}"#,
        )
        .expect("a valid file");
        let set = file.resolve(SKYNET_API);
        assert_eq!(set.client_id, "skydeck-obs");
        assert_eq!(set.auth_base, "https://api.example.org");
        assert!(ConfigFile::parse(r#"{"clientId": "x"}"#)
            .unwrap_err()
            .contains("unknown field"));
    }

    #[test]
    fn the_authorize_url_carries_every_parameter_encoded() {
        let url = config().authorize_url(&AuthorizeRequest {
            redirect_uri: "http://127.0.0.1:5001/deck/".into(),
            state: "s t&".into(),
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        });
        assert_eq!(
            url,
            "http://127.0.0.1:5001/oauth/authorize?response_type=code&client_id=skydeck\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A5001%2Fdeck%2F&scope=skynet&state=s%20t%26\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        );
    }

    #[test]
    fn the_redirect_uri_is_the_page_under_its_sub_path() {
        assert_eq!(
            redirect_uri("https://deck.example.org/obs/skydeck/?code=1&state=2#x"),
            "https://deck.example.org/obs/skydeck/"
        );
        assert_eq!(
            redirect_uri("http://127.0.0.1:5001/"),
            "http://127.0.0.1:5001/"
        );
    }

    fn pending() -> PendingSignIn {
        PendingSignIn {
            state: "abc".into(),
            verifier: "v".repeat(43),
            redirect_uri: "http://127.0.0.1:5001/".into(),
            config: config(),
        }
    }

    #[test]
    fn a_callback_is_accepted_only_with_the_state_sent() {
        let ok = parse_callback("?code=c%2F1&state=abc").expect("a callback");
        assert_eq!(check_callback(ok, Some(&pending())), Ok("c/1".to_owned()));
        let forged = parse_callback("?code=c1&state=zzz").expect("a callback");
        assert!(check_callback(forged, Some(&pending()))
            .unwrap_err()
            .contains("state differs"));
        let unasked = parse_callback("?code=c1&state=abc").expect("a callback");
        assert!(check_callback(unasked, None)
            .unwrap_err()
            .contains("no sign-in was started"));
        let denied = parse_callback("?error=access_denied&state=abc").expect("a callback");
        assert_eq!(
            check_callback(denied, Some(&pending())),
            Err("Sign-in was declined.".to_owned())
        );
        let failed = parse_callback("?error=invalid_request&error_description=no+challenge")
            .expect("a callback");
        assert_eq!(
            check_callback(failed, Some(&pending())),
            Err("Sign-in failed: invalid_request (no challenge)".to_owned())
        );
        assert_eq!(parse_callback(""), None);
        assert_eq!(parse_callback("?view=log"), None);
        // Bad escapes are kept, never a panic.
        assert_eq!(
            parse_callback("?code=%zz%4&state=%"),
            Some(Callback::Code {
                code: "%zz%4".into(),
                state: "%".into()
            })
        );
        assert_eq!(
            parse_callback("?code=%\u{e9}\u{e9}&state=a"),
            Some(Callback::Code {
                code: "%\u{e9}\u{e9}".into(),
                state: "a".into()
            })
        );
    }

    #[test]
    fn the_callback_leaves_the_address_bar() {
        assert_eq!(query_without_callback("?code=1&state=2"), "");
        assert_eq!(
            query_without_callback("?view=log&code=1&state=2"),
            "?view=log"
        );
        assert_eq!(
            query_without_callback("?error=access_denied&error_description=x"),
            ""
        );
    }

    #[test]
    fn forms_are_encoded_as_the_token_endpoints_expect() {
        let c = config();
        assert_eq!(
            c.token_form("a b", &pending()),
            format!(
                "grant_type=authorization_code&code=a%20b&redirect_uri=http%3A%2F%2F127.0.0.1%3A5001%2F&client_id=skydeck&code_verifier={}",
                "v".repeat(43)
            )
        );
        assert_eq!(
            c.refresh_form("r+1"),
            "refresh_token=r%2B1&client_id=skydeck"
        );
        assert_eq!(c.revoke_form("t"), "token=t&client_id=skydeck");
    }

    fn session(life_s: u64) -> Session {
        Session::from_response(
            config(),
            TokenResponse {
                access_token: "a".into(),
                token_type: Some("Bearer".into()),
                expires_in: life_s,
                refresh_token: Some("r1".into()),
                scope: None,
                account: Some("dev-astronomer".into()),
            },
            1_000_000.0,
            None,
        )
    }

    #[test]
    fn tokens_renew_ahead_of_expiry() {
        // An hour: three quarters in.
        assert_eq!(session(3600).renew_at(), 1_000_000.0 + 2_700_000.0);
        // Twenty seconds: half-way (the minute's lead does not fit).
        assert_eq!(session(20).renew_at(), 1_000_000.0 + 10_000.0);
        // Three minutes: a minute ahead.
        assert_eq!(session(180).renew_at(), 1_000_000.0 + 120_000.0);
        let s = session(20);
        assert!(!s.expired(1_019_999.0) && s.expired(1_020_000.0));
    }

    #[test]
    fn a_renewal_keeps_what_it_does_not_replace() {
        let first = session(20);
        let renewed = Session::from_response(
            config(),
            TokenResponse {
                access_token: "b".into(),
                token_type: None,
                expires_in: 20,
                refresh_token: None,
                scope: None,
                account: None,
            },
            1_010_000.0,
            Some(&first),
        );
        assert_eq!(renewed.refresh_token.as_deref(), Some("r1"));
        assert_eq!(renewed.account.as_deref(), Some("dev-astronomer"));
        assert_eq!(renewed.renew_at(), 1_020_000.0);
    }

    #[test]
    fn a_failed_renewal_retries_before_the_token_lapses_and_then_stops() {
        let s = session(20);
        assert_eq!(retry_renewal_at(&s, 0, 1_010_000.0), Some(1_012_000.0));
        assert_eq!(retry_renewal_at(&s, 5, 1_010_000.0), Some(1_019_000.0));
        assert_eq!(retry_renewal_at(&s, 0, 1_019_500.0), None);
        let gone = OAuthError {
            error: "invalid_grant".into(),
            error_description: None,
        };
        assert!(gone.needs_sign_in());
        let busy = OAuthError {
            error: "temporarily_unavailable".into(),
            error_description: None,
        };
        assert!(!busy.needs_sign_in());
    }
}
