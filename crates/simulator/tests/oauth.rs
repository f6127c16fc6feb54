//! The simulator as SkyNet's authorization server (Revision 2, "Sign-in:
//! OAuth 2.0"): the authorize page, the code exchange with PKCE, rotating
//! refresh tokens, revocation, introspection, CORS, and what a lapsed or
//! revoked token does to an open socket. Every error case has a test.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use serde_json::Value;
use skynode_sim::{Options, World};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Percent-encodes a form value.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A value of a URL's query.
fn query_value(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.replace("%20", " ").replace("%2F", "/"))
    })
}

fn redirect(sim: &TestSim) -> String {
    format!("http://{}/deck/", sim.addr)
}

/// The authorize query for `skydeck` coming back to `redirect_uri`.
fn authorize_query(redirect_uri: &str, challenge: Option<&str>) -> String {
    let mut query = format!(
        "response_type=code&client_id=skydeck&redirect_uri={}&scope=skynet&state=st-1",
        enc(redirect_uri)
    );
    if let Some(challenge) = challenge {
        query.push_str(&format!(
            "&code_challenge={challenge}&code_challenge_method=S256"
        ));
    }
    query
}

/// Picks `account` on the authorize page; returns the redirect's `Location`.
async fn pick(sim: &TestSim, query: &str, account: &str) -> String {
    let page = http_get(sim.addr, &format!("/oauth/authorize?{query}")).await;
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains(&format!("data-testid=\"authorize-{account}\"")),
        "{html}"
    );
    let answer = http_post_form(
        sim.addr,
        "/oauth/authorize",
        &format!("{query}&account={account}&decision=allow"),
    )
    .await;
    assert_eq!(
        answer.status,
        303,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.header("location").expect("a Location").to_owned()
}

/// Signs `account` in; returns the token answer.
async fn sign_in(sim: &TestSim, account: &str) -> Value {
    let location = pick(
        sim,
        &authorize_query(&redirect(sim), Some(CHALLENGE)),
        account,
    )
    .await;
    assert_eq!(query_value(&location, "state").as_deref(), Some("st-1"));
    let code = query_value(&location, "code").expect("a code");
    let (status, answer) = exchange(sim, &code, &redirect(sim), VERIFIER).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn post_json(sim: &TestSim, path: &str, form: &str) -> (u16, Value) {
    let response = http_post_form(sim.addr, path, form).await;
    let body = if response.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&response.body).unwrap_or_else(|e| {
            panic!(
                "{path}: not JSON ({e}): {}",
                String::from_utf8_lossy(&response.body)
            )
        })
    };
    (response.status, body)
}

async fn exchange(sim: &TestSim, code: &str, redirect_uri: &str, verifier: &str) -> (u16, Value) {
    post_json(
        sim,
        "/oauth/token",
        &format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}&client_id=skydeck&code_verifier={verifier}",
            enc(redirect_uri)
        ),
    )
    .await
}

async fn refresh(sim: &TestSim, refresh_token: &str) -> (u16, Value) {
    post_json(
        sim,
        "/oauth/token/refresh",
        &format!("refresh_token={refresh_token}&client_id=skydeck"),
    )
    .await
}

fn token(answer: &Value, key: &str) -> String {
    answer[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key}: {answer}"))
        .to_owned()
}

/// Waits for the server to end the socket as a lapsed token does: an
/// `unauthorized` error, then close code 4401.
async fn expect_unauthorized_close(ws: &mut Ws, within: Duration) {
    let ended = tokio::time::timeout(within, async {
        let mut told = false;
        loop {
            match ws.next().await {
                Some(Ok(WsMessage::Text(text))) => {
                    if text.contains("\"unauthorized\"") {
                        told = true;
                    }
                }
                Some(Ok(WsMessage::Close(frame))) => return (told, frame.map(|f| f.code)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return (told, None),
            }
        }
    })
    .await
    .expect("the socket was closed in time");
    assert_eq!(
        ended,
        (true, Some(CloseCode::from(4401))),
        "unauthorized, then 4401"
    );
}

async fn open_commands(sim: &TestSim, access: &str) -> Ws {
    open_ws(
        sim.addr,
        ws_request(sim.addr, COMMANDS_PATH, Some(access), None),
    )
    .await
    .expect("the access token opens a socket")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_refresh_introspect_and_revoke() {
    let sim = start_sim(20.0).await;
    let answer = sign_in(&sim, "dev-astronomer").await;
    assert_eq!(answer["token_type"], "Bearer");
    assert_eq!(answer["account"], "dev-astronomer");
    assert_eq!(answer["scope"], "skynet");
    assert_eq!(answer["expires_in"], 3600);
    let access = token(&answer, "access_token");

    // The access token is the account on the sockets.
    let mut stream = StreamClient::from_ws(
        open_ws(
            sim.addr,
            ws_request(sim.addr, STREAM_PATH, Some(&access), None),
        )
        .await
        .expect("the access token opens the stream"),
        "oauth stream".into(),
    );
    stream
        .watch(
            "telescope",
            skynet_protocol::StreamName::TelescopeSnapshot,
            lapalma(),
        )
        .await;
    let snapshot = stream
        .next_telescope_snapshot("the telescope as the account sees it", "telescope", |_| {
            true
        })
        .await;
    assert_eq!(snapshot.access, skynet_protocol::Access::Astronomer);

    // Introspection, for the first-party client.
    let (status, info) = post_json(
        &sim,
        "/oauth/token/introspect",
        &format!("token={access}&client_id=skydeck"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (info["active"].as_bool(), info["account"].as_str()),
        (Some(true), Some("dev-astronomer"))
    );

    // Refresh rotates: a new pair, and the old refresh token is spent.
    let old_refresh = token(&answer, "refresh_token");
    let (status, renewed) = refresh(&sim, &old_refresh).await;
    assert_eq!(status, 200, "{renewed}");
    assert_ne!(token(&renewed, "refresh_token"), old_refresh);
    assert_ne!(token(&renewed, "access_token"), access);

    // Revoking the new refresh token revokes the grant: the open socket
    // closes, and the grant's tokens are refused at upgrade.
    let mut commands = open_commands(&sim, &token(&renewed, "access_token")).await;
    let response = http_post_form(
        sim.addr,
        "/oauth/token/revoke",
        &format!(
            "token={}&client_id=skydeck",
            token(&renewed, "refresh_token")
        ),
    )
    .await;
    assert_eq!(response.status, 200);
    expect_unauthorized_close(&mut commands, WAIT).await;
    let refused = upgrade_status(
        sim.addr,
        ws_request(sim.addr, COMMANDS_PATH, Some(&access), None),
    )
    .await;
    assert_eq!(
        refused,
        Some(401),
        "a revoked grant's token is refused at upgrade"
    );
    let (_, info) = post_json(
        &sim,
        "/oauth/token/introspect",
        &format!("token={access}&client_id=skydeck"),
    )
    .await;
    assert_eq!(info["active"], false);
    // Revoke answers 200 whatever the token.
    let again = http_post_form(
        sim.addr,
        "/oauth/token/revoke",
        "token=nonsense&client_id=skydeck",
    )
    .await;
    assert_eq!(again.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_single_use_and_needs_its_verifier_and_redirect() {
    let sim = start_sim(20.0).await;
    let query = authorize_query(&redirect(&sim), Some(CHALLENGE));
    // A wrong verifier.
    let code = query_value(&pick(&sim, &query, "dev-owner").await, "code").expect("a code");
    let (status, error) = exchange(&sim, &code, &redirect(&sim), &"x".repeat(43)).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant")),
        "{error}"
    );
    // A wrong redirect at the token endpoint.
    let code = query_value(&pick(&sim, &query, "dev-owner").await, "code").expect("a code");
    let (status, error) = exchange(&sim, &code, "http://127.0.0.1:1/elsewhere", VERIFIER).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant")),
        "{error}"
    );
    // A reused code: refused, and what it gave is revoked.
    let code = query_value(&pick(&sim, &query, "dev-owner").await, "code").expect("a code");
    let (status, first) = exchange(&sim, &code, &redirect(&sim), VERIFIER).await;
    assert_eq!(status, 200, "{first}");
    let mut socket = open_commands(&sim, &token(&first, "access_token")).await;
    let (status, error) = exchange(&sim, &code, &redirect(&sim), VERIFIER).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant")),
        "{error}"
    );
    expect_unauthorized_close(&mut socket, WAIT).await;
    // An unknown grant type, and a body that is no form.
    let (status, error) = post_json(
        &sim,
        "/oauth/token",
        "grant_type=password&client_id=skydeck",
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, error) = post_json(&sim, "/oauth/token", "%%%=&&==%zz").await;
    assert_eq!(status, 400, "{error}");
    assert!(error["error"].is_string(), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_code_is_refused() {
    let sim = start_sim_with(Options {
        time_scale: 20.0,
        code_ttl: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let query = authorize_query(&redirect(&sim), Some(CHALLENGE));
    let code = query_value(&pick(&sim, &query, "dev-owner").await, "code").expect("a code");
    // The code's life passes (a condition of time: nothing to poll for).
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, error) = exchange(&sim, &code, &redirect(&sim), VERIFIER).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        error["error_description"]
            .as_str()
            .unwrap_or("")
            .contains("expired"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorize_step_refuses_what_it_cannot_trust() {
    let sim = start_sim(20.0).await;
    // No PKCE: the browser goes back with invalid_request (and its state).
    let no_challenge = authorize_query(&redirect(&sim), None);
    let page = http_get(sim.addr, &format!("/oauth/authorize?{no_challenge}")).await;
    assert_eq!(page.status, 303);
    let location = page.header("location").expect("a Location");
    assert_eq!(
        query_value(location, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_value(location, "state").as_deref(), Some("st-1"));
    // A redirect URI that is not allowed: an error page, never a redirect.
    let evil = authorize_query("https://evil.example/steal", Some(CHALLENGE));
    let page = http_get(sim.addr, &format!("/oauth/authorize?{evil}")).await;
    assert_eq!(page.status, 400);
    assert!(page.header("location").is_none());
    // What the page echoes is escaped.
    let hostile = format!(
        "response_type=code&client_id={}&redirect_uri=x",
        enc("<script>alert(1)</script>")
    );
    let page = http_get(sim.addr, &format!("/oauth/authorize?{hostile}")).await;
    let html = String::from_utf8_lossy(&page.body);
    assert_eq!(page.status, 400);
    assert!(
        !html.contains("<script>") && html.contains("&lt;script&gt;"),
        "{html}"
    );
    let state = authorize_query(&redirect(&sim), Some(CHALLENGE))
        .replace("st-1", &enc("\"><script>x</script>"));
    let page = http_get(sim.addr, &format!("/oauth/authorize?{state}")).await;
    let html = String::from_utf8_lossy(&page.body);
    assert!(!html.contains("<script>x"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_used_again_revokes_the_grant() {
    let sim = start_sim(20.0).await;
    let answer = sign_in(&sim, "dev-astronomer").await;
    let first_refresh = token(&answer, "refresh_token");
    let (_, renewed) = refresh(&sim, &first_refresh).await;
    let mut socket = open_commands(&sim, &token(&renewed, "access_token")).await;
    // The stolen (rotated) token comes back: the whole grant goes.
    let (status, error) = refresh(&sim, &first_refresh).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    expect_unauthorized_close(&mut socket, WAIT).await;
    let (status, _) = refresh(&sim, &token(&renewed, "refresh_token")).await;
    assert_eq!(status, 400, "the new refresh token went with the grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_lapses_on_an_open_socket() {
    let sim = start_sim_with(Options {
        time_scale: 20.0,
        token_ttl: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let answer = sign_in(&sim, "dev-astronomer").await;
    assert_eq!(answer["expires_in"], 1);
    let access = token(&answer, "access_token");
    let mut socket = open_commands(&sim, &access).await;
    expect_unauthorized_close(&mut socket, Duration::from_secs(5)).await;
    let refused = upgrade_status(
        sim.addr,
        ws_request(sim.addr, COMMANDS_PATH, Some(&access), None),
    )
    .await;
    assert_eq!(refused, Some(401));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn third_party_clients_ask_consent_and_a_denial_goes_back() {
    let world = World::from_json(
        &include_str!("../src/world.json").replacen(
            "\"accounts\"",
            r#""clients": [{"client_id": "obs-planner", "redirect_uris": ["https://planner.example/cb"], "is_first_party": false}], "accounts""#,
            1,
        ),
    )
    .expect("a world with a client");
    let sim = start_sim_on(world, Options::default()).await;
    let query = format!(
        "response_type=code&client_id=obs-planner&redirect_uri={}&state=s9&code_challenge={CHALLENGE}&code_challenge_method=S256",
        enc("https://planner.example/cb")
    );
    let page = http_get(sim.addr, &format!("/oauth/authorize?{query}")).await;
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains("obs-planner") && html.contains("wants to act as you"),
        "{html}"
    );
    assert!(html.contains("data-testid=\"consent-deny\""), "{html}");
    let denied = http_post_form(
        sim.addr,
        "/oauth/authorize",
        &format!("{query}&decision=deny"),
    )
    .await;
    let location = denied.header("location").expect("a Location");
    assert!(
        location.starts_with("https://planner.example/cb?"),
        "{location}"
    );
    assert_eq!(
        query_value(location, "error").as_deref(),
        Some("access_denied")
    );
    // Introspection is for first-party clients only.
    let (status, error) = post_json(
        &sim,
        "/oauth/token/introspect",
        "token=x&client_id=obs-planner",
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoints_answer_cors_and_dev_tokens_can_be_turned_off() {
    let sim = start_sim_with(Options {
        dev_tokens: false,
        ..Default::default()
    })
    .await;
    for path in [
        "/oauth/token",
        "/oauth/token/refresh",
        "/oauth/token/revoke",
        "/oauth/token/introspect",
    ] {
        let preflight = http_request(sim.addr, "OPTIONS", path, None).await;
        assert!(preflight.status < 300, "{path}: {}", preflight.status);
        assert_eq!(
            preflight.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        assert!(preflight
            .header("access-control-allow-methods")
            .unwrap_or("")
            .contains("POST"));
        let answer = http_post_form(sim.addr, path, "client_id=skydeck").await;
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
    let refused = upgrade_status(
        sim.addr,
        ws_request(sim.addr, COMMANDS_PATH, Some(OWNER), None),
    )
    .await;
    assert_eq!(
        refused,
        Some(401),
        "--no-dev-tokens refuses development tokens"
    );
    // OAuth still signs in.
    let answer = sign_in(&sim, "dev-owner").await;
    open_commands(&sim, &token(&answer, "access_token")).await;
}
