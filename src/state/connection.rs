//! The state of one WebSocket as the user sees it, and the reconnect schedule.

use super::time::Millis;

/// Which of the two SkyNet sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/v1/ws/commands`: publish, cancel, results.
    Commands,
    /// `/v1/ws/stream`: snapshots and events.
    Stream,
}

impl Endpoint {
    /// The endpoint's path on the API.
    pub fn path(self) -> &'static str {
        match self {
            Self::Commands => "/v1/ws/commands",
            Self::Stream => "/v1/ws/stream",
        }
    }

    /// A short name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Commands => "Commands",
            Self::Stream => "Stream",
        }
    }
}

/// Where a socket is in its life.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketState {
    /// Not asked to connect.
    Idle,
    /// Opening (attempt 1 is the first).
    Connecting {
        /// Which attempt this is since the last open socket.
        attempt: u32,
    },
    /// Open and answering.
    Open,
    /// Lost; the next attempt starts at `retry_at`.
    Reconnecting {
        /// When the next attempt starts.
        retry_at: Millis,
        /// Why the last connection ended.
        reason: String,
    },
    /// Closed for good: by the user, or because the token was rejected.
    Closed {
        /// Why, for people.
        reason: String,
        /// The server refused the token: sign in again, do not retry.
        token_rejected: bool,
    },
}

impl SocketState {
    /// True while frames can be sent.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open)
    }

    /// True once the server refused the token: nothing retries.
    pub fn token_rejected(&self) -> bool {
        matches!(
            self,
            Self::Closed {
                token_rejected: true,
                ..
            }
        )
    }

    /// True while the socket tries again after failing to connect, or after
    /// losing its link (not a first attempt, not closed for good).
    pub fn cannot_connect(&self) -> bool {
        matches!(
            self,
            Self::Reconnecting { .. } | Self::Connecting { attempt: 2.. }
        )
    }

    /// What to show next to the socket's name; `now` counts the retry down.
    pub fn describe(&self, now: Millis) -> String {
        match self {
            Self::Idle => "not connected".into(),
            Self::Connecting { attempt: 1 } => "connecting".into(),
            Self::Connecting { attempt } => format!("connecting (attempt {attempt})"),
            Self::Open => "open".into(),
            Self::Reconnecting { retry_at, reason } => {
                let seconds = ((retry_at - now) / 1000.0).ceil().max(0.0);
                format!("reconnecting in {seconds} s ({reason})")
            }
            Self::Closed { reason, .. } => format!("closed: {reason}"),
        }
    }

    /// A one-word class for styling: `idle`, `connecting`, `open`, `reconnecting`, `closed`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Connecting { .. } => "connecting",
            Self::Open => "open",
            Self::Reconnecting { .. } => "reconnecting",
            Self::Closed { .. } => "closed",
        }
    }
}

/// The browser says it has no network (`navigator.onLine` false).
pub const OFFLINE: &str = "Offline: the telescope needs a network connection. Nothing is sent, and no command waits to be sent later; SkyDeck reconnects when the network is back.";

/// The page came from this browser's copy of SkyDeck but cannot reach the
/// telescope's server.
pub const NO_SERVER: &str = "No connection to the telescope: SkyDeck started from this browser's copy, but the telescope needs a connection to its server. Nothing is sent, and no command waits to be sent later; SkyDeck keeps trying.";

/// The line that says the telescope needs a connection, if one is due:
/// while the browser is offline, or while a page that loaded through the
/// service worker (`from_shell`) cannot connect either socket.
pub fn offline_notice(
    online: bool,
    from_shell: bool,
    commands: &SocketState,
    stream: &SocketState,
) -> Option<&'static str> {
    if !online {
        Some(OFFLINE)
    } else if from_shell && (commands.cannot_connect() || stream.cannot_connect()) {
        Some(NO_SERVER)
    } else {
        None
    }
}

/// Capped exponential backoff with equal jitter: attempt n waits between half
/// and all of `min(cap, base * 2^n)`, so a fleet of tabs that lost the same
/// server does not come back in lock-step, and none waits less than half.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// The first delay before jitter, milliseconds.
    pub base_ms: f64,
    /// The largest delay, milliseconds.
    pub cap_ms: f64,
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(500.0, 30_000.0)
    }
}

impl Backoff {
    /// A schedule starting at `base_ms` and never above `cap_ms`.
    pub fn new(base_ms: f64, cap_ms: f64) -> Self {
        Self {
            base_ms,
            cap_ms,
            failures: 0,
        }
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The ceiling of the next delay, before jitter.
    pub fn ceiling_ms(&self) -> f64 {
        let exponent = self.failures.min(30) as i32;
        (self.base_ms * 2f64.powi(exponent)).min(self.cap_ms)
    }

    /// Records a failure and returns how long to wait before the next attempt.
    /// `random` is uniform in `[0, 1)` (`Math.random()` in the browser).
    pub fn next_delay_ms(&mut self, random: f64) -> f64 {
        let ceiling = self.ceiling_ms();
        self.failures = self.failures.saturating_add(1);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        ceiling / 2.0 + random * ceiling / 2.0
    }

    /// A connection opened: start again from the base delay.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// The WebSocket URL of `endpoint` under the API base `base`, with the token
/// as `?token=` (the only way a browser can pass it). `http(s)` bases become
/// `ws(s)`; a trailing slash or sub-path is kept.
pub fn socket_url(base: &str, endpoint: Endpoint, token: &str) -> Result<String, String> {
    let base = base.trim().trim_end_matches('/');
    let rest = if let Some(rest) = base.strip_prefix("ws://") {
        ("ws://", rest)
    } else if let Some(rest) = base.strip_prefix("wss://") {
        ("wss://", rest)
    } else if let Some(rest) = base.strip_prefix("http://") {
        ("ws://", rest)
    } else if let Some(rest) = base.strip_prefix("https://") {
        ("wss://", rest)
    } else {
        return Err(format!(
            "`{base}` is not an API address: start it with ws://, wss://, http:// or https://"
        ));
    };
    let (scheme, host_and_path) = rest;
    if host_and_path.is_empty() || host_and_path.contains(['?', '#', ' ']) {
        return Err(format!(
            "`{base}` is not an API address: give e.g. wss://api.skynetgo.org"
        ));
    }
    if token.trim().is_empty() {
        return Err("enter an access token".into());
    }
    Ok(format!(
        "{scheme}{host_and_path}{}?token={}",
        endpoint.path(),
        percent_encode(token.trim())
    ))
}

/// The same endpoint over HTTP(S), to ask the server why a socket was refused.
pub fn probe_url(socket_url: &str) -> String {
    if let Some(rest) = socket_url.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = socket_url.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        socket_url.to_owned()
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
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

/// The HTTP address of `path` (a server-relative path such as an exposure's
/// `preview_url`) on the API's origin; an absolute URL is kept as it is.
pub fn http_url(api_base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_owned();
    }
    let base = probe_url(api_base.trim());
    let origin_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    format!("{}/{}", &base[..origin_end], path.trim_start_matches('/'))
}

/// The API base for a page served from `origin` (`https://host:port`), for
/// when that origin also serves the API: `wss://host:port`. `None` for an
/// origin that is not HTTP(S) (a `file://` page).
pub fn api_base_of_origin(origin: &str) -> Option<String> {
    let origin = origin.trim().trim_end_matches('/');
    if let Some(rest) = origin.strip_prefix("https://") {
        Some(format!("wss://{rest}"))
    } else {
        origin
            .strip_prefix("http://")
            .map(|rest| format!("ws://{rest}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offline_line_shows_offline_or_from_the_shell_without_a_server() {
        let open = SocketState::Open;
        let first = SocketState::Connecting { attempt: 1 };
        let again = SocketState::Connecting { attempt: 2 };
        let waiting = SocketState::Reconnecting {
            retry_at: 0.0,
            reason: "refused".into(),
        };
        let rejected = SocketState::Closed {
            reason: "token".into(),
            token_rejected: true,
        };
        assert_eq!(offline_notice(false, false, &open, &open), Some(OFFLINE));
        assert_eq!(offline_notice(false, true, &open, &open), Some(OFFLINE));
        assert_eq!(offline_notice(true, false, &open, &open), None);
        assert_eq!(offline_notice(true, true, &open, &open), None);
        // A page loaded from the network that lost its server shows the
        // sockets' own states, not this line.
        assert_eq!(offline_notice(true, false, &waiting, &waiting), None);
        assert_eq!(offline_notice(true, true, &waiting, &open), Some(NO_SERVER));
        assert_eq!(offline_notice(true, true, &open, &again), Some(NO_SERVER));
        // A first attempt is not a failure yet; a refused token says so
        // elsewhere; not connecting at all is the user's choice.
        assert_eq!(offline_notice(true, true, &first, &first), None);
        assert_eq!(offline_notice(true, true, &rejected, &rejected), None);
        assert_eq!(
            offline_notice(true, true, &SocketState::Idle, &SocketState::Idle),
            None
        );
    }

    #[test]
    fn the_pages_origin_becomes_a_websocket_base() {
        assert_eq!(
            api_base_of_origin("http://127.0.0.1:5001"),
            Some("ws://127.0.0.1:5001".into())
        );
        assert_eq!(
            api_base_of_origin("https://deck.example.org/"),
            Some("wss://deck.example.org".into())
        );
        assert_eq!(api_base_of_origin("null"), None);
        assert_eq!(api_base_of_origin("file://"), None);
    }

    #[test]
    fn preview_paths_resolve_against_the_api_origin() {
        assert_eq!(
            http_url("ws://127.0.0.1:5001", "/v1/previews/e1.png"),
            "http://127.0.0.1:5001/v1/previews/e1.png"
        );
        assert_eq!(
            http_url("wss://api.skynetgo.org/skynet/", "/v1/previews/e1.png"),
            "https://api.skynetgo.org/v1/previews/e1.png"
        );
        assert_eq!(
            http_url("ws://h", "https://cdn.example/e1.png"),
            "https://cdn.example/e1.png"
        );
    }

    #[test]
    fn socket_urls_carry_the_path_and_the_encoded_token() {
        assert_eq!(
            socket_url("ws://127.0.0.1:5001", Endpoint::Commands, "dev-owner-token"),
            Ok("ws://127.0.0.1:5001/v1/ws/commands?token=dev-owner-token".into())
        );
        assert_eq!(
            socket_url(" https://api.skynetgo.org/ ", Endpoint::Stream, "a b&c=d/é"),
            Ok("wss://api.skynetgo.org/v1/ws/stream?token=a%20b%26c%3Dd%2F%C3%A9".into())
        );
        assert_eq!(
            socket_url("http://host:8080/skynet", Endpoint::Stream, "t"),
            Ok("ws://host:8080/skynet/v1/ws/stream?token=t".into())
        );
        assert!(socket_url("127.0.0.1:5001", Endpoint::Stream, "t")
            .unwrap_err()
            .contains("ws://"));
        assert!(socket_url("ws://", Endpoint::Stream, "t").is_err());
        assert!(socket_url("ws://h", Endpoint::Stream, "  ")
            .unwrap_err()
            .contains("token"));
        assert_eq!(
            probe_url("wss://api.skynetgo.org/v1/ws/stream?token=t"),
            "https://api.skynetgo.org/v1/ws/stream?token=t"
        );
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let mut backoff = Backoff::new(500.0, 30_000.0);
        let ceilings: Vec<f64> = (0..9)
            .map(|_| {
                let ceiling = backoff.ceiling_ms();
                backoff.next_delay_ms(0.999_999);
                ceiling
            })
            .collect();
        assert_eq!(
            ceilings,
            [500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 30000.0, 30000.0, 30000.0]
        );
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_ceiling() {
        let mut low = Backoff::new(1000.0, 8000.0);
        let mut high = low.clone();
        for _ in 0..6 {
            let ceiling = low.ceiling_ms();
            assert_eq!(low.next_delay_ms(0.0), ceiling / 2.0);
            let d = high.next_delay_ms(0.999);
            assert!(d > ceiling * 0.99 && d <= ceiling, "{d} vs {ceiling}");
        }
    }

    #[test]
    fn bad_randomness_never_gives_a_bad_delay() {
        let mut backoff = Backoff::default();
        for random in [f64::NAN, -3.0, 7.0, f64::INFINITY] {
            let d = backoff.next_delay_ms(random);
            assert!(
                d.is_finite() && (250.0..=30_000.0).contains(&d),
                "{random}: {d}"
            );
        }
    }

    #[test]
    fn reset_starts_over() {
        let mut backoff = Backoff::new(500.0, 30_000.0);
        for _ in 0..5 {
            backoff.next_delay_ms(0.5);
        }
        assert_eq!(backoff.failures(), 5);
        backoff.reset();
        assert_eq!(backoff.ceiling_ms(), 500.0);
    }

    #[test]
    fn describes_a_retry_countdown() {
        let state = SocketState::Reconnecting {
            retry_at: 10_000.0,
            reason: "connection lost".into(),
        };
        assert_eq!(
            state.describe(7_200.0),
            "reconnecting in 3 s (connection lost)"
        );
        assert_eq!(
            state.describe(20_000.0),
            "reconnecting in 0 s (connection lost)"
        );
        assert!(!state.is_open());
        assert_eq!(
            SocketState::Connecting { attempt: 3 }.describe(0.0),
            "connecting (attempt 3)"
        );
    }
}
