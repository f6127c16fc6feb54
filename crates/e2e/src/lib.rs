//! The end-to-end harness: a `skynode-sim` process serving the release
//! `dist/`, and headless Chromium sessions driven through `chromedriver`
//! (WebDriver, with fantoccini), so the suite tests exactly what users load.
//!
//! Every wait polls a condition in the page; nothing sleeps in place of one.
//! The binaries come from `scripts/test.sh`, which builds them first:
//! `SKYNODE_SIM_BIN` (default `target/debug/skynode-sim`) and `SKYDECK_DIST`
//! (default `dist/`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The development tokens of the simulator's built-in world.
pub mod tokens {
    /// Owner of both telescopes.
    pub const OWNER: &str = "dev-owner-token";
    /// Astronomer.
    pub const ASTRONOMER: &str = "dev-astronomer-token";
    /// A second astronomer.
    pub const ASTRONOMER_2: &str = "dev-astronomer-2-token";
    /// Watches only.
    pub const VIEWER: &str = "dev-viewer-token";
}

/// Default wait for a condition in the page.
pub const WAIT: Duration = Duration::from_secs(20);

/// A script returning the time of SkyDeck's first-mount mark (set when the
/// mount card first shows a snapshot), `null` until it is set.
pub const FIRST_MOUNT: &str =
    "const m = performance.getEntriesByName('skydeck:first-mount')[0]; return m ? m.startTime : null;";

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn path_from_env(var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(default));
    assert!(
        path.exists(),
        "{} does not exist: run the suite through scripts/test.sh, which builds it (or set {var})",
        path.display()
    );
    path
}

/// A `skynode-sim` process serving the release site.
pub struct Sim {
    child: Option<Child>,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Sim {
    /// Starts a simulator on a free port (time 20× faster).
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().expect("an address")).await
    }

    /// Starts a simulator on `addr` (to restart one where it was).
    pub async fn start_on(addr: SocketAddr) -> Self {
        Self::start_with(addr, &["--time-scale", "20", "--weather", "clear"]).await
    }

    /// Starts a simulator on `addr` serving the site, with these flags
    /// (give `--weather clear` unless the test wants the sky to change).
    pub async fn start_with(addr: SocketAddr, flags: &[&str]) -> Self {
        let bin = path_from_env("SKYNODE_SIM_BIN", "target/debug/skynode-sim");
        let dist = path_from_env("SKYDECK_DIST", "dist");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut child = Command::new(&bin)
                .arg("--listen")
                .arg(addr.to_string())
                .arg("--serve")
                .arg(&dist)
                .args(flags)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
            let stdout = child.stdout.take().expect("piped stdout");
            let mut lines = BufReader::new(stdout).lines();
            let listening = tokio::time::timeout(Duration::from_secs(10), async {
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(rest) = line.strip_prefix("skynode-sim listening on http://") {
                        return rest.trim().parse::<SocketAddr>().ok();
                    }
                }
                None
            })
            .await
            .ok()
            .flatten();
            // Keep draining its output so it never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            match listening {
                Some(addr) => {
                    return Self {
                        child: Some(child),
                        addr,
                    }
                }
                // A port just freed by a killed process can take a moment.
                None if Instant::now() < deadline => {
                    let _ = child.kill().await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                None => panic!("skynode-sim did not start on {addr}"),
            }
        }
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The API base the page should default to.
    pub fn ws(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("killing skynode-sim");
        }
    }
}

/// One headless Chromium session with its own chromedriver.
pub struct Browser {
    driver: Child,
    /// The WebDriver session.
    pub client: Client,
    label: &'static str,
    /// Chromium's profile, removed with the session.
    _profile: Profile,
}

/// A Chromium profile folder of this process's own, removed when dropped.
/// (chromedriver's own temporary profiles stay behind in the system's
/// temporary folder when the driver is stopped at once: a few MB for a
/// test, over 100 MB for a bench run, every run.)
struct Profile(PathBuf);

impl Profile {
    fn new(port: u16) -> Self {
        let dir =
            std::env::temp_dir().join(format!("skydeck-chromium-{}-{port}", std::process::id()));
        // A folder left by an earlier process with the same id and port.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("creating the profile folder {}: {e}", dir.display()));
        Self(dir)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium at `url`.
    pub async fn open(label: &'static str, url: &str) -> Self {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("its address").port()
        };
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect(
                "starting /usr/bin/chromedriver (scripts/install-tools.sh --browser installs it)",
            );
        let webdriver = format!("http://127.0.0.1:{port}");
        let profile = Profile::new(port);
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1500,1100",
                    format!("--user-data-dir={}", profile.0.display())
                ],
                // Notifications allowed, as an astronomer who said yes.
                "prefs": {"profile.default_content_setting_values.notifications": 1}
            }
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(capabilities.clone())
                    .connect(&webdriver)
                    .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if Instant::now() > deadline => panic!("{label}: no WebDriver session: {e}"),
                // chromedriver is still starting: its port does not answer yet.
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        client.goto(url).await.expect("opening the page");
        Self {
            driver,
            client,
            label,
            _profile: profile,
        }
    }

    fn selector(testid: &str) -> String {
        format!("[data-testid=\"{testid}\"]")
    }

    /// The element with that `data-testid`, waiting for it to appear.
    pub async fn el(&self, testid: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&Self::selector(testid)))
            .await
            .unwrap_or_else(|e| panic!("{}: no element {testid}: {e}", self.label))
    }

    /// Clicks an element.
    pub async fn click(&self, testid: &str) {
        self.el(testid)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("{}: clicking {testid}: {e}", self.label));
    }

    /// Replaces an input's text, typing as a user does.
    pub async fn type_into(&self, testid: &str, text: &str) {
        let input = self.el(testid).await;
        input.clear().await.expect("clearing an input");
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("{}: typing into {testid}: {e}", self.label));
    }

    /// Picks the option with `value` in a select, as a user does.
    pub async fn choose(&self, testid: &str, value: &str) {
        self.el(testid)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{}: choosing {value} in {testid}: {e}", self.label));
    }

    /// Presses `key` on the page, as the keyboard shortcuts hear it.
    pub async fn press(&self, key: &str) {
        self.js(&format!(
            "document.body.dispatchEvent(new KeyboardEvent('keydown', {{key: {}, bubbles: true}}));",
            Value::String(key.to_owned())
        ))
        .await;
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{}: script failed: {e}\n{script}", self.label))
    }

    /// The text of an element.
    pub async fn text(&self, testid: &str) -> String {
        let script = format!(
            "const e = document.querySelector('{}'); return e ? e.textContent : null;",
            Self::selector(testid).replace('\'', "\\'")
        );
        self.js(&script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Leaves in this tab what a first connection to `api_base` as the
    /// viewer leaves (the API base and the session token), so that SkyDeck,
    /// loaded next in this tab, connects by itself. The page must be of the
    /// origin SkyDeck is served from.
    pub async fn remember_connection(&self, api_base: &str) {
        self.js(&format!(
            "localStorage.setItem('skydeck.api_base', '{api_base}'); sessionStorage.setItem('skydeck.token', '{}'); return true;",
            tokens::VIEWER
        ))
        .await;
    }

    /// Waits until `script` returns something truthy, and returns it.
    pub async fn wait_js(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.js(script).await;
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                let notices = self.text("notices").await;
                panic!(
                    "{}: timed out waiting for {what}; notices: {notices}",
                    self.label
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element's `data-state` is `state`.
    pub async fn wait_state(&self, testid: &str, state: &str, timeout: Duration) {
        let script = format!(
            "const e = document.querySelector('{}'); return !!e && e.dataset.state === '{state}';",
            Self::selector(testid)
        );
        self.wait_js(&format!("{testid} to be {state}"), &script, timeout)
            .await;
    }

    /// Waits until the element's text contains `needle`.
    pub async fn wait_text(&self, testid: &str, needle: &str, timeout: Duration) {
        let script = format!(
            "const e = document.querySelector('{}'); return !!e && e.textContent.includes({});",
            Self::selector(testid),
            Value::String(needle.to_owned())
        );
        self.wait_js(&format!("{testid} to say “{needle}”"), &script, timeout)
            .await;
    }

    /// Signs in as a new user does: "Sign in with SkyNet", then `account` on
    /// the simulator's sign-in page, and back. Waits until the page says who
    /// is signed in and both sockets are open, and checks that the address
    /// bar kept neither the code nor the state.
    pub async fn sign_in(&self, account: &str) {
        self.click("sign-in").await;
        self.authorize(account).await;
    }

    /// On the simulator's sign-in page: picks `account`, and waits as
    /// [`Browser::sign_in`] does.
    pub async fn authorize(&self, account: &str) {
        self.click(&format!("authorize-{account}")).await;
        self.authorize_finished(account).await;
    }

    /// Waits, back from the sign-in page, as [`Browser::sign_in`] does.
    pub async fn authorize_finished(&self, account: &str) {
        self.wait_text("signed-in", &format!("Signed in as {account}"), WAIT)
            .await;
        let address = self.js("return location.href;").await;
        let address = address.as_str().unwrap_or_default();
        assert!(
            !address.contains("code=") && !address.contains("state="),
            "{}: the callback stayed in the address bar: {address}",
            self.label
        );
        self.wait_state("socket-commands", "open", WAIT).await;
        self.wait_state("socket-stream", "open", WAIT).await;
    }

    /// This tab's stored sign-in (`sessionStorage`), or null.
    pub async fn stored_session(&self) -> Value {
        self.js("return JSON.parse(sessionStorage.getItem('skydeck.session'));")
            .await
    }

    /// Connects with `token` (the API base is the page's own origin) and
    /// picks the telescope named `telescope`.
    pub async fn connect(&self, token: &str, telescope: &str) {
        // A pasted token lives under Advanced, as a developer finds it.
        self.js("const d = document.querySelector('[data-testid=advanced]'); if (!d.open) { d.querySelector('summary').click(); }")
            .await;
        self.type_into("api-token", token).await;
        self.click("connect").await;
        self.wait_state("socket-commands", "open", WAIT).await;
        self.wait_state("socket-stream", "open", WAIT).await;
        self.pick_telescope(telescope).await;
    }

    /// Picks the telescope named `telescope`, as a person would: by its
    /// name, never by its uid.
    pub async fn pick_telescope(&self, telescope: &str) {
        let by_name = format!(
            "//ul[@data-testid='telescope-list']//button[.//span[@class='telescope-name' and normalize-space()={}]]",
            Value::String(telescope.to_owned())
        );
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(&by_name))
            .await
            .unwrap_or_else(|e| panic!("{}: no telescope named {telescope}: {e}", self.label))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{}: picking {telescope}: {e}", self.label));
    }

    /// The newest log entry of `command_type` (its `command_id`), waiting for
    /// one that is not in `except`.
    pub async fn new_command(&self, command_type: &str, except: &[String]) -> String {
        let except = Value::from(except.to_vec());
        let script = format!(
            "const except = {except};
             for (const e of document.querySelectorAll('.log-entry')) {{
               const kind = e.querySelector('.log-type')?.textContent;
               const id = e.dataset.commandId;
               if (kind === '{command_type}' && !except.includes(id)) return id;
             }}
             return null;"
        );
        self.wait_js(&format!("a new {command_type} in the log"), &script, WAIT)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Every `command_id` in the log.
    pub async fn command_ids(&self) -> Vec<String> {
        let ids = self
            .js("return [...document.querySelectorAll('.log-entry')].map(e => e.dataset.commandId);")
            .await;
        serde_json::from_value(ids).unwrap_or_default()
    }

    /// Clicks `button` and returns the `command_id` of the `command_type` it published.
    pub async fn publish_by_click(&self, button: &str, command_type: &str) -> String {
        let before = self.command_ids().await;
        self.click(button).await;
        self.new_command(command_type, &before).await
    }

    /// Acquires the selected telescope's lease by its button and waits for
    /// the grant.
    pub async fn acquire_lease(&self) {
        let lease = self
            .publish_by_click("lease-acquire", "manual_control_lease.acquire")
            .await;
        self.wait_command(&lease, "ok", WAIT).await;
    }

    /// Starts an exposure of `seconds` (as typed) by its button; returns its
    /// `command_id`.
    pub async fn start_exposure(&self, seconds: &str) -> String {
        self.type_into("exposure-duration", seconds).await;
        self.publish_by_click("exposure-start", "camera.exposure.start")
            .await
    }

    /// Waits for command `id` to reach `state`; fails if it ends otherwise.
    pub async fn wait_command(&self, id: &str, state: &str, timeout: Duration) {
        let script = format!(
            "const e = document.querySelector('[data-testid=\"command-{id}\"]');
             if (!e) return null;
             const s = e.dataset.state;
             if (s === '{state}') return 'reached';
             if (['sending', 'running', 'unknown'].includes(s)) return null;
             return 'ended ' + s + ': ' + e.textContent;"
        );
        let outcome = self
            .wait_js(&format!("command {id} to be {state}"), &script, timeout)
            .await;
        assert_eq!(
            outcome,
            Value::from("reached"),
            "{}: command {id}",
            self.label
        );
    }

    /// Saves a screenshot as `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = root().join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("creating target/screenshots");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("writing a screenshot");
    }

    /// Saves a screenshot of one element as `target/screenshots/{name}.png`.
    pub async fn screenshot_of(&self, testid: &str, name: &str) {
        let png = self
            .el(testid)
            .await
            .screenshot()
            .await
            .expect("an element screenshot");
        let dir = root().join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("creating target/screenshots");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("writing a screenshot");
    }

    /// Ends the session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// What another client does while a page watches: connects to the
/// simulator at `ws` as `token`, publishes `command` to the first telescope
/// that token sees, and waits for its result. Returns the command id and
/// the result's status.
pub async fn publish_as(
    ws: &str,
    token: &str,
    command: skynet_protocol::Command,
) -> (String, String) {
    use skynet_protocol::*;

    let mut stream = Socket::connect(ws, "stream", token).await;
    stream
        .send(&StreamClientMessage::Subscribe(SubscribeStream {
            subscription_id: SubscriptionId::from("telescopes".to_owned()),
            stream: StreamName::TelescopeSnapshot,
            filter: StreamFilter::default(),
            options: None,
        }))
        .await;
    let telescope_uid = loop {
        let frame = stream.next_text("a telescope snapshot").await;
        if let Ok(StreamServerMessage::TelescopeSnapshot(event)) =
            StreamServerMessage::from_json(&frame)
        {
            if let Ok(snapshot) = decode_snapshot::<TelescopeSnapshot>(&event.snapshot) {
                break snapshot.telescope_uid;
            }
        }
    };
    stream.close().await;
    let mut commands = Socket::connect(ws, "commands", token).await;
    commands
        .send(&CommandsClientMessage::SubscribeCommands(
            SubscribeCommands {
                subscription_id: SubscriptionId::from("mine".to_owned()),
                filter: CommandFilter::default(),
                streams: Some(vec![CommandStreamName::CommandResult]),
            },
        ))
        .await;
    let command_id = CommandId::new_v4();
    commands
        .send(&CommandsClientMessage::PublishCommand(PublishCommand {
            telescope_uid,
            command_id,
            command,
            origin: None,
        }))
        .await;
    let status = loop {
        let frame = commands.next_text("the command's result").await;
        match CommandsServerMessage::from_json(&frame) {
            Ok(CommandsServerMessage::CommandResult(event))
                if event.result.command_id == command_id =>
            {
                break event.result.status.to_string();
            }
            Ok(CommandsServerMessage::Error(error)) => {
                panic!("publishing {command_id}: {} {}", error.code, error.message)
            }
            _ => {}
        }
    };
    commands.close().await;
    (command_id.to_string(), status)
}

/// A WebSocket of the test's own to the simulator.
struct Socket(
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
);

impl Socket {
    async fn connect(ws: &str, endpoint: &str, token: &str) -> Self {
        let url = format!("{ws}/v1/ws/{endpoint}?token={token}");
        let (socket, _) = tokio_tungstenite::connect_async(&url)
            .await
            .unwrap_or_else(|e| panic!("connecting {url}: {e}"));
        Self(socket)
    }

    async fn send(&mut self, message: &impl skynet_protocol::Message) {
        use futures_util::SinkExt;
        let frame = tokio_tungstenite::tungstenite::Message::text(message.to_json());
        self.0.send(frame).await.expect("sending a frame");
    }

    /// The next text frame, waiting at most [`WAIT`] for `what`.
    async fn next_text(&mut self, what: &str) -> String {
        use futures_util::StreamExt;
        loop {
            let frame = tokio::time::timeout(WAIT, self.0.next())
                .await
                .ok()
                .flatten()
                .and_then(Result::ok)
                .unwrap_or_else(|| panic!("no frame came: waiting for {what}"));
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                return text.to_string();
            }
        }
    }

    async fn close(mut self) {
        let _ = self.0.close(None).await;
    }
}

/// POSTs a form to the simulator, as a script or a thief with a copied
/// token would; returns the status and the body.
pub async fn post_form(addr: SocketAddr, path: &str, form: &str) -> (u16, String) {
    http(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    )
    .await
}

/// POSTs JSON to the simulator (its test hooks); returns the status and
/// the body.
pub async fn post_json(addr: SocketAddr, path: &str, body: &Value) -> (u16, String) {
    let body = body.to_string();
    http(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await
}

/// Sets weather readings at every observatory at once through the
/// simulator's test hook (`{"rain": true}`), and checks it took them.
pub async fn set_weather(addr: SocketAddr, readings: Value) {
    let (status, body) = post_json(addr, "/v1/test/weather", &readings).await;
    assert_eq!(status, 200, "the weather hook: {body}");
}

/// GETs a path of the simulator; returns the status and the body.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .await
}

async fn http(addr: SocketAddr, request: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connecting to {addr}: {e}"));
    stream
        .write_all(request.as_bytes())
        .await
        .expect("writing a request");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .await
        .expect("reading an answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A bright catalog object between 30° and 75° altitude at La Palma now and
/// far from the Sun, so neither SkyDeck's safety limits nor the server refuse
/// a slew to it, whenever the suite runs.
pub fn high_target() -> &'static str {
    let site = skydeck_astro::coords::Site::new(28.7606, -17.8816, 2396.0);
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let jd = skydeck_astro::time::julian_date(unix);
    skydeck_astro::catalog::first_placed(site, jd, |alt, sun| {
        (30.0..75.0).contains(&alt) && sun > 45.0
    })
    .map(|o| o.name)
    .expect("some catalog object is between 30° and 75° altitude, far from the Sun")
}

/// A DevTools protocol command through chromedriver (`goog/cdp/execute`),
/// for [`cdp`] and fantoccini's `issue_cmd`.
#[derive(Debug)]
pub struct Cdp(pub &'static str, pub Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.0, "params": self.1});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Runs the DevTools protocol `command` with `params` in the page's browser
/// and returns its result.
pub async fn cdp(page: &Browser, command: &'static str, params: Value) -> Value {
    page.client
        .issue_cmd(Cdp(command, params))
        .await
        .unwrap_or_else(|e| panic!("{}: {command}: {e}", page.label))
}
