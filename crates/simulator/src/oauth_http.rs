//! The authorization server's HTTP side: the authorize page (pick an
//! account, consent for a third-party client) and the token endpoints,
//! which answer CORS. The rules live in [`crate::oauth`].

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use crate::oauth::{escape_html, with_query, AuthorizeParams, OAuthError};
use crate::sim::Simulator;

/// The OAuth routes.
pub fn routes() -> Router<Simulator> {
    Router::new()
        .route(
            "/oauth/authorize",
            get(authorize_page).post(authorize_decision),
        )
        .route("/oauth/token", post(token).options(preflight))
        .route("/oauth/token/refresh", post(refresh).options(preflight))
        .route("/oauth/token/revoke", post(revoke).options(preflight))
        .route(
            "/oauth/token/introspect",
            post(introspect).options(preflight),
        )
}

/// The simulator's own origin, from the request's `Host`.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// CORS for the token endpoints: any origin, no credentials.
fn cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn preflight() -> Response {
    cors(StatusCode::NO_CONTENT.into_response())
}

fn oauth_error(error: OAuthError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    cors((status, Json(error)).into_response())
}

/// A page of the authorize step.
fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title><style>
body{{font-family:system-ui,sans-serif;background:#0b1020;color:#d8deeb;max-width:32rem;margin:3rem auto;padding:0 1rem}}
h1{{font-size:1.4rem;color:#7aa2f7}}form{{margin:.5rem 0}}button{{font:inherit;min-height:2.75rem;width:100%;border:1px solid #7aa2f7;border-radius:.4rem;background:#141a2e;color:#d8deeb;cursor:pointer}}
button:hover{{background:#1d2540}}.deny{{border-color:#e06c75}}p.note{{color:#9aa5bd}}</style></head><body>{body}</body></html>"#,
        title = escape_html(title),
    )
}

fn hidden_fields(params: &AuthorizeParams) -> String {
    let fields = [
        ("response_type", Some(params.response_type.as_str())),
        ("client_id", Some(params.client_id.as_str())),
        ("redirect_uri", Some(params.redirect_uri.as_str())),
        ("scope", params.scope.as_deref()),
        ("state", params.state.as_deref()),
        ("code_challenge", params.code_challenge.as_deref()),
        (
            "code_challenge_method",
            params.code_challenge_method.as_deref(),
        ),
    ];
    fields
        .iter()
        .filter_map(|(name, value)| {
            value.map(|v| {
                format!(
                    r#"<input type="hidden" name="{name}" value="{}">"#,
                    escape_html(v)
                )
            })
        })
        .collect()
}

/// Sends an error to the redirect URI, with the `state`.
fn redirect_error(params: &AuthorizeParams, error: &OAuthError) -> Response {
    let mut pairs = vec![
        ("error", error.error),
        ("error_description", error.error_description.as_str()),
    ];
    if let Some(state) = params.state.as_deref() {
        pairs.push(("state", state));
    }
    Redirect::to(&with_query(&params.redirect_uri, &pairs)).into_response()
}

/// `GET /oauth/authorize`: the world's accounts to sign in as.
async fn authorize_page(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    let client = match sim.authority().check_redirect(&params, &origin(&headers)) {
        Ok(client) => client,
        // Never redirected: the redirect URI is not trusted (RFC 6749 §4.1.2.1).
        Err(why) => {
            let body = format!("<h1>Sign-in refused</h1><p>{}</p>", escape_html(&why));
            return (
                StatusCode::BAD_REQUEST,
                Html(page("Sign-in refused", &body)),
            )
                .into_response();
        }
    };
    if let Err(error) = sim.authority().check_request(&params, &client) {
        return redirect_error(&params, &error);
    }
    let hidden = hidden_fields(&params);
    let consent = if client.is_first_party {
        String::new()
    } else {
        format!(
            r#"<p class="note"><strong>{}</strong> wants to act as you on SkyNet with scope <code>{}</code>.</p>"#,
            escape_html(&client.client_id),
            escape_html(params.scope.as_deref().unwrap_or(crate::oauth::SCOPE))
        )
    };
    let accounts: String = sim
        .world()
        .accounts
        .iter()
        .map(|a| {
            let account = escape_html(&a.account);
            format!(
                r#"<form method="post" action="/oauth/authorize">{hidden}<input type="hidden" name="account" value="{account}"><input type="hidden" name="decision" value="allow"><button type="submit" data-account="{account}" data-testid="authorize-{account}">{}</button></form>"#,
                if client.is_first_party {
                    format!("Sign in as {account}")
                } else {
                    format!("Allow, as {account}")
                }
            )
        })
        .collect();
    let deny = if client.is_first_party {
        String::new()
    } else {
        format!(
            r#"<form method="post" action="/oauth/authorize">{hidden}<input type="hidden" name="decision" value="deny"><button type="submit" class="deny" data-testid="consent-deny">Deny</button></form>"#
        )
    };
    let body = format!(
        r#"<h1>Sign in to SkyNet (simulator)</h1>{consent}<p class="note">Pick an account of this simulator's world.</p>{accounts}{deny}"#
    );
    let mut response = Html(page("Sign in to SkyNet", &body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'"),
    );
    response
}

#[derive(Deserialize)]
struct Decision {
    #[serde(flatten)]
    params: AuthorizeParams,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    decision: Option<String>,
}

/// `POST /oauth/authorize`: the account picked (or consent denied); the
/// browser goes back to the client with a code.
async fn authorize_decision(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Form(decision): Form<Decision>,
) -> Response {
    let params = decision.params;
    let client = match sim.authority().check_redirect(&params, &origin(&headers)) {
        Ok(client) => client,
        Err(why) => {
            let body = format!("<h1>Sign-in refused</h1><p>{}</p>", escape_html(&why));
            return (
                StatusCode::BAD_REQUEST,
                Html(page("Sign-in refused", &body)),
            )
                .into_response();
        }
    };
    let scope = match sim.authority().check_request(&params, &client) {
        Ok(scope) => scope,
        Err(error) => return redirect_error(&params, &error),
    };
    if decision.decision.as_deref() == Some("deny") {
        return redirect_error(&params, &OAuthError::access_denied());
    }
    let known = decision
        .account
        .as_deref()
        .filter(|a| sim.world().accounts.iter().any(|w| w.account == *a));
    let Some(account) = known else {
        return redirect_error(
            &params,
            &OAuthError::invalid_request("pick one of the accounts"),
        );
    };
    let code = sim.authority().issue_code(&params, scope, account);
    let mut pairs = vec![("code", code.as_str())];
    if let Some(state) = params.state.as_deref() {
        pairs.push(("state", state));
    }
    Redirect::to(&with_query(&params.redirect_uri, &pairs)).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    refresh_token: String,
}

/// A form body, or the OAuth error that says why it is not one.
fn form<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, OAuthError> {
    serde_urlencoded::from_str(body)
        .map_err(|e| OAuthError::invalid_request(format!("a bad form: {e}")))
}

/// `POST /oauth/token`: exchanges a code (or, as RFC 6749 allows, a refresh
/// token with `grant_type=refresh_token`).
async fn token(State(sim): State<Simulator>, body: String) -> Response {
    let form: TokenForm = match form(&body) {
        Ok(form) => form,
        Err(error) => return oauth_error(error),
    };
    let (answer, revoked) = match form.grant_type.as_str() {
        "authorization_code" => sim.authority().exchange(
            &form.code,
            &form.redirect_uri,
            &form.client_id,
            &form.code_verifier,
        ),
        "refresh_token" => sim
            .authority()
            .refresh(&form.refresh_token, &form.client_id),
        other => (Err(OAuthError::unsupported_grant_type(other)), Vec::new()),
    };
    sim.revoked(revoked);
    match answer {
        Ok(answer) => cors(Json(answer).into_response()),
        Err(error) => oauth_error(error),
    }
}

/// `POST /oauth/token/refresh`: renews, rotating the refresh token.
async fn refresh(State(sim): State<Simulator>, body: String) -> Response {
    let form: TokenForm = match form(&body) {
        Ok(form) => form,
        Err(error) => return oauth_error(error),
    };
    let (answer, revoked) = sim
        .authority()
        .refresh(&form.refresh_token, &form.client_id);
    sim.revoked(revoked);
    match answer {
        Ok(answer) => cors(Json(answer).into_response()),
        Err(error) => oauth_error(error),
    }
}

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(default)]
    token: String,
    #[serde(default)]
    client_id: String,
}

/// `POST /oauth/token/revoke`: 200 whatever the token (RFC 7009).
async fn revoke(State(sim): State<Simulator>, body: String) -> Response {
    let form: TokenOnly = match form(&body) {
        Ok(form) => form,
        Err(error) => return oauth_error(error),
    };
    sim.revoked(sim.authority().revoke(&form.token));
    cors(StatusCode::OK.into_response())
}

/// `POST /oauth/token/introspect`: first-party clients only (RFC 7662).
async fn introspect(State(sim): State<Simulator>, body: String) -> Response {
    let form: TokenOnly = match form(&body) {
        Ok(form) => form,
        Err(error) => return oauth_error(error),
    };
    match sim.authority().introspect(&form.token, &form.client_id) {
        Ok(answer) => cors(Json(answer).into_response()),
        Err(error) => oauth_error(error),
    }
}
