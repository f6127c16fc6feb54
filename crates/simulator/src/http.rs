//! The HTTP side: WebSocket upgrades with token checks, exposure previews,
//! a health check and the static site.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use skynet_protocol::{ControlAuthority, TelescopeUid};
use tower_http::services::{ServeDir, ServeFile};

use crate::sim::{Cut, Simulator};
use crate::ws::{serve_socket, Endpoint};

/// The simulator's HTTP routes.
pub fn app(sim: Simulator) -> Router {
    let router = Router::new()
        .route("/v1/ws/commands", get(commands))
        .route("/v1/ws/stream", get(stream))
        .route("/v1/previews/{file}", get(preview))
        .route("/healthz", get(|| async { "ok" }))
        .merge(crate::oauth_http::routes());
    let router = if sim.options().test_hooks {
        router
            .route("/v1/test/drop-sockets", post(drop_sockets))
            .route("/v1/test/freeze-sockets", post(freeze_sockets))
            .route("/v1/test/control-authority", post(control_authority))
            .route("/v1/test/weather", post(weather))
    } else {
        router
    };
    let router = match &sim.options().serve_dir {
        Some(dir) => router
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => router,
    };
    router.with_state(sim)
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Who the request's token (`?token=` or `Authorization: Bearer`) signs
/// in, or why it is refused.
fn authenticate(
    sim: &Simulator,
    query: &TokenQuery,
    headers: &HeaderMap,
) -> Result<crate::oauth::Authorized, &'static str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = query.token.as_deref().or(bearer);
    match token {
        None => Err("a token is required: ?token=<access token> or Authorization: Bearer"),
        Some(token) => sim
            .authorize(token)
            .ok_or("the token is not valid, expired or revoked; sign in again"),
    }
}

async fn commands(
    State(sim): State<Simulator>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    upgrade_for(sim, query, headers, upgrade, Endpoint::Commands)
}

async fn stream(
    State(sim): State<Simulator>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    upgrade_for(sim, query, headers, upgrade, Endpoint::Stream)
}

/// The token is checked before the upgrade, so a plain GET with a bad token
/// is answered 401 too: a browser, which cannot see why an upgrade failed,
/// asks that way (with CORS allowed, from any page).
fn upgrade_for(
    sim: Simulator,
    query: TokenQuery,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    endpoint: Endpoint,
) -> Response {
    let account = match authenticate(&sim, &query, &headers) {
        Ok(account) => account,
        Err(why) => {
            return (
                StatusCode::UNAUTHORIZED,
                [
                    (header::WWW_AUTHENTICATE, "Bearer"),
                    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                ],
                why,
            )
                .into_response()
        }
    };
    match upgrade {
        Ok(upgrade) => upgrade
            .max_message_size(1 << 20)
            .on_upgrade(move |socket| serve_socket(socket, sim, account, endpoint)),
        Err(rejection) => {
            let mut response = rejection.into_response();
            response.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                header::HeaderValue::from_static("*"),
            );
            response
        }
    }
}

#[derive(Deserialize)]
struct CutQuery {
    account: Option<String>,
}

/// `POST /v1/test/drop-sockets[?account=A]`, with `--test-hooks` only: drops
/// the account's sockets (every socket without `account`) as a failed network
/// would, so tests can watch a client reconnect.
async fn drop_sockets(State(sim): State<Simulator>, Query(query): Query<CutQuery>) -> Response {
    cut_sockets(&sim, Cut::Drop, query)
}

/// `POST /v1/test/freeze-sockets[?account=A]`, with `--test-hooks` only:
/// the account's sockets stay open but go silent both ways, as a link that
/// died without a word would, so tests can watch a client's heartbeat give
/// up on it.
async fn freeze_sockets(State(sim): State<Simulator>, Query(query): Query<CutQuery>) -> Response {
    cut_sockets(&sim, Cut::Freeze, query)
}

fn cut_sockets(sim: &Simulator, cut: Cut, query: CutQuery) -> Response {
    let listening = sim.cut_sockets(cut, query.account);
    (
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        format!("{cut:?} sockets ({listening} listeners)"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct AuthorityQuery {
    telescope_uid: TelescopeUid,
    mode: String,
}

/// `POST /v1/test/control-authority?telescope_uid=U&mode=manual|remote`, with
/// `--test-hooks` only: puts the telescope in its owner's sustained manual
/// mode, or back under remote control (400 for another mode or an unknown
/// telescope).
async fn control_authority(
    State(sim): State<Simulator>,
    Query(query): Query<AuthorityQuery>,
) -> Response {
    let mode = match query.mode.as_str() {
        "manual" => ControlAuthority::Manual,
        "remote" => ControlAuthority::Remote,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
                format!("mode must be `manual` or `remote`, not `{other}`"),
            )
                .into_response()
        }
    };
    match sim.set_control_authority(&query.telescope_uid, mode) {
        Ok(()) => (
            [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
            format!("{} is under {} control", query.telescope_uid, query.mode),
        )
            .into_response(),
        Err(why) => (
            StatusCode::BAD_REQUEST,
            [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
            why,
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct WeatherQuery {
    observatory_uid: Option<skynet_protocol::ObservatoryUid>,
}

/// `POST /v1/test/weather[?observatory_uid=U]` with a JSON body of weather
/// fields, with `--test-hooks` only: holds them at those values over the
/// scenario (`null` returns a field to it), at one observatory or every
/// one. 400 with the reason for a bad body or an unknown observatory.
async fn weather(
    State(sim): State<Simulator>,
    query: Result<Query<WeatherQuery>, axum::extract::rejection::QueryRejection>,
    body: axum::body::Bytes,
) -> Response {
    let bad = |why: String| {
        (
            StatusCode::BAD_REQUEST,
            [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
            why,
        )
            .into_response()
    };
    let Ok(Query(query)) = query else {
        return bad("the only query parameter is observatory_uid".into());
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(e) => return bad(format!("the body is not JSON: {e}")),
    };
    let changes = match crate::weather::Held::parse_changes(&value) {
        Ok(changes) => changes,
        Err(why) => return bad(why),
    };
    match sim.hold_weather(query.observatory_uid.as_ref(), &changes) {
        Ok(n) => (
            [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
            format!("weather held at {n} observatories: {value}"),
        )
            .into_response(),
        Err(why) => bad(why),
    }
}

async fn preview(State(sim): State<Simulator>, Path(file): Path<String>) -> Response {
    let id = file.strip_suffix(".png").unwrap_or(&file);
    match sim.preview(id) {
        Some(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "private, max-age=86400, immutable"),
                // The app may draw the preview on a canvas to stretch it.
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                // A page served from another origin with COEP may embed it.
                (
                    header::HeaderName::from_static("cross-origin-resource-policy"),
                    "cross-origin",
                ),
            ],
            png.as_ref().clone(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "no such preview (previews are kept for the latest 256 exposures)",
        )
            .into_response(),
    }
}
