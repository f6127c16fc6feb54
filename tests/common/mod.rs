//! Helpers of the browser tests: mount the real console against the running
//! simulator, find elements by `data-testid`, type, click and wait for a
//! condition (polling the DOM, never sleeping in place of a check).
#![allow(dead_code)]

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{self, Element, HtmlElement, HtmlInputElement, HtmlSelectElement};
use skydeck::console::{Console, Settings};
use skydeck::transport::sleep_ms;
use skydeck::ConsoleView;

/// The simulator every browser test talks to, passed at compile time by
/// `scripts/test.sh`, which starts it first.
// A clear failure at run time, rather than a build error for anyone who only
// compiles the tests.
#[allow(clippy::option_env_unwrap)]
pub fn sim_url() -> &'static str {
    option_env!("SKYNODE_SIM_URL").expect(
        "SKYNODE_SIM_URL is not set: run the browser tests through scripts/test.sh, which starts skynode-sim",
    )
}

/// Fixed development tokens of the simulator's built-in world.
pub const ASTRONOMER: &str = "dev-astronomer-token";
/// An astronomer who never takes a lease in these tests.
pub const ASTRONOMER_2: &str = "dev-astronomer-2-token";
/// May watch, may not command.
pub const VIEWER: &str = "dev-viewer-token";
/// The owner of both telescopes.
pub const OWNER: &str = "dev-owner-token";
/// The La Palma telescope, by name (tests never assume a uid).
pub const LAPALMA: &str = "La Palma 1.0 m";
/// The Siding Spring telescope, by name.
pub const SIDINGSPRING: &str = "Siding Spring 0.6 m";

/// A mounted console; unmounts (closing its sockets) when dropped.
pub struct Mounted {
    /// The element the console is mounted in.
    pub root: HtmlElement,
    /// The console's state.
    pub console: Console,
    owner: Owner,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
        self.owner.cleanup();
    }
}

/// A new, empty element appended to the body, to mount the app into.
pub fn fresh_root() -> HtmlElement {
    let document = document();
    let root: HtmlElement = document
        .create_element("div")
        .expect("create a div")
        .unchecked_into();
    document
        .body()
        .expect("the test page has a body")
        .append_child(&root)
        .expect("append the root");
    root
}

/// Polls `check` every 50 ms until it gives a value; after `timeout_ms`,
/// panics naming `what` and what `context` says then.
pub async fn wait_until<T>(
    what: &str,
    timeout_ms: f64,
    mut check: impl FnMut() -> Option<T>,
    context: impl Fn() -> String,
) -> T {
    let start = js_sys::Date::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        if js_sys::Date::now() - start > timeout_ms {
            panic!(
                "timed out after {timeout_ms} ms waiting for {what}; notices: {}",
                context()
            );
        }
        sleep_ms(50.0).await;
    }
}

/// Mounts a console for `token` against the simulator in a fresh element.
pub fn mount_console(token: &str) -> Mounted {
    let root = fresh_root();
    let console = Console::new(Settings {
        api_base: sim_url().to_owned(),
        token: token.to_owned(),
    });
    // An owner of our own: dropping the mount handle alone does not run the
    // view's cleanups while anything (a task, a handler) still holds its
    // owner, and a console left listening would answer the next test's keys.
    let owner = Owner::new();
    let handle = owner.with(|| {
        mount_to(root.clone(), move || {
            view! { <ConsoleView console=console /> }.into_any()
        })
    });
    Mounted {
        root,
        console,
        owner,
        _handle: handle,
    }
}

impl Mounted {
    /// The element with `data-testid="{id}"`, if there is one.
    pub fn find(&self, id: &str) -> Option<Element> {
        self.root
            .query_selector(&format!("[data-testid=\"{id}\"]"))
            .expect("a valid selector")
    }

    /// The element with that test id; panics naming it when missing.
    pub fn get(&self, id: &str) -> Element {
        self.find(id)
            .unwrap_or_else(|| panic!("no element with data-testid={id}"))
    }

    /// The text of an element.
    pub fn text(&self, id: &str) -> String {
        self.get(id).text_content().unwrap_or_default()
    }

    /// Clicks a button (or anything) by test id.
    pub fn click(&self, id: &str) {
        self.get(id).unchecked_into::<HtmlElement>().click();
    }

    /// Types `value` into an input, as the user would (an `input` event).
    pub fn type_into(&self, id: &str, value: &str) {
        let input: HtmlInputElement = self
            .get(id)
            .dyn_into()
            .unwrap_or_else(|_| panic!("data-testid={id} is not an input"));
        input.set_value(value);
        let event = web_sys::Event::new("input").expect("an input event");
        input.dispatch_event(&event).expect("dispatch input");
    }

    /// Chooses `value` in a select (a `change` event).
    pub fn choose(&self, id: &str, value: &str) {
        let select: HtmlSelectElement = self
            .get(id)
            .dyn_into()
            .unwrap_or_else(|_| panic!("data-testid={id} is not a select"));
        select.set_value(value);
        let event = web_sys::Event::new("change").expect("a change event");
        select.dispatch_event(&event).expect("dispatch change");
    }

    /// The `data-state` attribute of an element.
    pub fn state_of(&self, id: &str) -> Option<String> {
        self.find(id)?.get_attribute("data-state")
    }

    /// Connects, waits for both sockets to open and picks La Palma.
    pub async fn connect(&self) {
        self.connect_to(LAPALMA).await;
    }

    /// The element with that test id, once it is there (what comes with
    /// the deferred code, the Advanced settings among it).
    pub async fn element(&self, id: &str) -> Element {
        self.wait_for(&format!("data-testid={id}"), 5_000.0, || self.find(id))
            .await
    }

    /// Connects, waits for both sockets to open and picks `telescope`.
    pub async fn connect_to(&self, telescope: &str) {
        self.element("connect").await;
        self.click("connect");
        self.wait_for("both sockets open", 10_000.0, || {
            (self.state_of("socket-commands").as_deref() == Some("open")
                && self.state_of("socket-stream").as_deref() == Some("open"))
            .then_some(())
        })
        .await;
        let uid = self
            .wait_for(&format!("{telescope} listed"), 10_000.0, || {
                self.telescope_uid(telescope)
            })
            .await;
        self.click(&format!("telescope-{uid}"));
    }

    /// The uid of the telescope named `name`, once its snapshot came.
    pub fn telescope_uid(&self, name: &str) -> Option<skynet_protocol::TelescopeUid> {
        self.console.telescopes.with_untracked(|t| {
            t.list()
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.telescope_uid.clone())
        })
    }

    /// Waits until `check` gives a value, polling every 50 ms; panics naming
    /// `what` after `timeout_ms`.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout_ms: f64,
        check: impl FnMut() -> Option<T>,
    ) -> T {
        wait_until(what, timeout_ms, check, || {
            self.find("notices")
                .and_then(|n| n.text_content())
                .unwrap_or_default()
        })
        .await
    }

    /// The log entries (newest first) as `(command_type, state, element)`.
    pub fn log_entries(&self) -> Vec<(String, String, Element)> {
        let list = self
            .root
            .query_selector_all(".log-entry")
            .expect("a valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
            .map(|e| {
                let kind = e
                    .query_selector(".log-type")
                    .ok()
                    .flatten()
                    .and_then(|t| t.text_content())
                    .unwrap_or_default();
                let state = e.get_attribute("data-state").unwrap_or_default();
                (kind, state, e)
            })
            .collect()
    }

    /// The `command_id`s in the log.
    pub fn command_ids(&self) -> Vec<String> {
        self.log_entries()
            .iter()
            .filter_map(|(_, _, e)| e.get_attribute("data-command-id"))
            .collect()
    }

    /// Clicks `button` and waits for the new log entry of `command_type` it
    /// publishes; returns its `command_id`.
    pub async fn publish_by_click(&self, button: &str, command_type: &str) -> String {
        self.publish_by(|| self.click(button), command_type).await
    }

    /// Presses `key` (a shortcut) and waits for the new log entry of
    /// `command_type` it publishes; returns its `command_id`.
    pub async fn publish_by_key(&self, key: &str, command_type: &str) -> String {
        self.publish_by(|| press_key(key), command_type).await
    }

    /// Does `act` and waits for the new log entry of `command_type` it
    /// publishes; returns its `command_id`.
    async fn publish_by(&self, act: impl FnOnce(), command_type: &str) -> String {
        let before = self.command_ids();
        act();
        self.wait_for(&format!("a new {command_type} in the log"), 5_000.0, || {
            self.log_entries().into_iter().find_map(|(kind, _, e)| {
                let id = e.get_attribute("data-command-id")?;
                (kind == command_type && !before.contains(&id)).then_some(id)
            })
        })
        .await
    }

    /// Waits for a fresh (not stale) mount snapshot on the mount card.
    pub async fn wait_for_fresh_mount(&self) {
        self.wait_for("a fresh mount snapshot", 5_000.0, || {
            (self
                .get("snapshot-mount")
                .get_attribute("data-stale")
                .as_deref()
                == Some("false"))
            .then_some(())
        })
        .await;
    }

    /// Waits for the command `id` to reach `state` and returns its entry;
    /// fails at once if it reaches another final state.
    pub async fn wait_for_state(&self, id: &str, state: &str, timeout_ms: f64) -> Element {
        let what = format!("command {id} to be {state}");
        self.wait_for(&what, timeout_ms, || {
            let entry = self.find(&format!("command-{id}"))?;
            let now = entry.get_attribute("data-state")?;
            if now == state {
                return Some(entry);
            }
            let running = matches!(now.as_str(), "sending" | "running" | "unknown");
            if !running {
                panic!(
                    "command {id} ended `{now}` instead of `{state}`: {}",
                    entry.text_content().unwrap_or_default()
                );
            }
            None
        })
        .await
    }

    /// Clicks `button`, then waits for the command it publishes to reach `state`.
    pub async fn run_by_click(
        &self,
        button: &str,
        command_type: &str,
        state: &str,
        timeout_ms: f64,
    ) -> Element {
        let id = self.publish_by_click(button, command_type).await;
        self.wait_for_state(&id, state, timeout_ms).await
    }

    /// Acquires a lease through the UI and waits for it to be granted.
    pub async fn acquire_lease(&self) {
        self.run_by_click(
            "lease-acquire",
            "manual_control_lease.acquire",
            "ok",
            10_000.0,
        )
        .await;
        self.wait_for("the controls to be enabled", 5_000.0, || {
            self.find("controls-denied")?
                .has_attribute("hidden")
                .then_some(())
        })
        .await;
    }

    /// Releases this tab's lease through the UI and waits for the result.
    pub async fn release_lease(&self) {
        self.click("lease-release");
        self.wait_for("the release confirmation", 5_000.0, || {
            (!self.find("lease-confirm")?.has_attribute("hidden")).then_some(())
        })
        .await;
        self.run_by_click(
            "lease-confirm-yes",
            "manual_control_lease.release",
            "ok",
            10_000.0,
        )
        .await;
    }
}

/// A bright catalog object high above La Palma now (30° to 75° altitude) and
/// far from the Sun, so neither SkyDeck's safety limits nor the server refuse
/// the test's slew, whenever it runs.
pub fn high_target() -> &'static str {
    catalog_target(|alt, sun| (30.0..75.0).contains(&alt) && sun > 45.0)
        .expect("some catalog object is between 30° and 75° altitude, far from the Sun")
}

/// A catalog object well below La Palma's horizon now.
pub fn low_target() -> &'static str {
    catalog_target(|alt, _| alt < -20.0).expect("some catalog object is below the horizon")
}

/// The first catalog object whose altitude and distance from the Sun (degrees,
/// at La Palma now) pass `accept`.
fn catalog_target(accept: impl Fn(f64, f64) -> bool) -> Option<&'static str> {
    let site = skydeck_astro::coords::Site::new(28.7606, -17.8816, 2396.0);
    let jd = skydeck_astro::time::julian_date(js_sys::Date::now() / 1000.0);
    skydeck_astro::catalog::first_placed(site, jd, accept).map(|o| o.name)
}

/// Presses a key on the page (a `keydown` on the window, as a keyboard does).
pub fn press_key(key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
        .expect("a keyboard event");
    web_sys::window()
        .expect("a window")
        .dispatch_event(&event)
        .expect("dispatch keydown");
}

impl Mounted {
    /// Publishes `mount.point` to La Palma directly, as a stale page whose
    /// form was not yet disabled would; returns its `command_id`.
    pub fn publish_point_to_vega(&self) -> String {
        use skynet_protocol::{Command, MountPoint, TargetPosition};
        self.console
            .publish_to(
                self.telescope_uid(LAPALMA).expect("La Palma is listed"),
                Command::MountPoint(MountPoint {
                    target: TargetPosition::catalog("Vega"),
                }),
            )
            .expect("the commands socket is open")
            .to_string()
    }
}

/// Asks the simulator to drop every socket of `account` (test hook).
pub async fn drop_sockets(account: &str) {
    cut_sockets("drop-sockets", account).await;
}

/// Asks the simulator to freeze every socket of `account`: open, silent
/// both ways (test hook).
pub async fn freeze_sockets(account: &str) {
    cut_sockets("freeze-sockets", account).await;
}

/// Puts a telescope in sustained manual mode or back under remote control
/// (test hook: SkyNet publishes no command for the switch).
pub async fn set_control_authority(telescope: &skynet_protocol::TelescopeUid, mode: &str) {
    post_hook(&format!(
        "control-authority?telescope_uid={telescope}&mode={mode}"
    ))
    .await;
}

/// Sets weather readings at one observatory at once (test hook), e.g.
/// `{"rain": true}`; `null` gives a reading back to the scenario.
pub async fn set_weather(observatory: &str, readings: serde_json::Value) {
    post_hook_with(
        &format!("weather?observatory_uid={observatory}"),
        Some(readings.to_string()),
    )
    .await;
}

async fn cut_sockets(hook: &str, account: &str) {
    post_hook(&format!("{hook}?account={account}")).await;
}

/// POSTs to a simulator test hook and checks it answered 200.
async fn post_hook(path_and_query: &str) {
    post_hook_with(path_and_query, None).await;
}

/// POSTs `body` (JSON) to a simulator test hook and checks it answered 200.
async fn post_hook_with(path_and_query: &str, body: Option<String>) {
    let http = sim_url().replacen("ws://", "http://", 1);
    let url = format!("{http}/v1/test/{path_and_query}");
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    if let Some(body) = body {
        // Sent as text (a simple request, no CORS preflight); the hook
        // reads the body as JSON whatever its type.
        init.set_body(&wasm_bindgen::JsValue::from_str(&body));
    }
    let window = web_sys::window().expect("a window");
    let response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&url, &init))
            .await
            .expect("the test hook answers (is skynode-sim running with --test-hooks?)");
    let response: web_sys::Response = response.unchecked_into();
    assert_eq!(
        response.status(),
        200,
        "the hook {path_and_query} is served"
    );
}
