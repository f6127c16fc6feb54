//! The console's shared state and its one door to the network.
//!
//! [`Console`] holds the state types of [`crate::state`] in signals, owns the
//! two sockets and routes every stream message to the state that wants it.
//! The commands socket's frames go to [`crate::commanding`], which decodes
//! them and publishes commands (and which the shipped build loads after the
//! first screen). Components read it from context and never see a socket or
//! a frame.

use std::rc::Rc;

use leptos::prelude::*;
use skynet_protocol::validate::ValidationContext;
use skynet_protocol::{
    Command, CommandFilter, CommandsFrame, DeviceSnapshot, LeaseEvent, StreamFilter, StreamName,
    StreamServerMessage, SubscribeCommands, SubscribeOptions, SubscribeStream, SubscriptionId,
    TelescopeSnapshot, TelescopeUid,
};

use crate::state::command_log::CommandLog;
use crate::state::connection::{socket_url, Endpoint, SocketState};
use crate::state::routing::{Ignored, Router, Update as Routed, COMMANDS_SUBSCRIPTION, STREAMS};
use crate::state::telemetry::{PendingDevices, Telemetry};
use crate::state::telescopes::{Identity, Telescopes};
use crate::state::time::{now_ms, Millis};
use crate::state::workflow::Workflow;
use crate::transport::{
    spawn_socket, CommandsOut, CommandsProtocol, Delivery, SocketCallbacks, SocketHandle,
    SocketOptions, StreamOut, StreamProtocol,
};

/// The app's name and version, as sent in every Origin record.
pub const CLIENT: &str = concat!("skydeck/", env!("CARGO_PKG_VERSION"));

/// A message for the user that is not tied to one command.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// When it happened.
    pub at: Millis,
    /// What happened.
    pub text: String,
}

/// Where to connect and with what.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    /// The API base, `ws://127.0.0.1:5001` or `wss://api.skynetgo.org`.
    pub api_base: String,
    /// The access token.
    pub token: String,
}

/// The commands socket's one subscription: every command and result the
/// account may see.
pub(crate) fn commands_subscription() -> CommandsOut {
    CommandsOut::subscribe(&SubscribeCommands {
        subscription_id: SubscriptionId(COMMANDS_SUBSCRIPTION.into()),
        filter: CommandFilter::default(),
        streams: None,
    })
}

/// The two sockets of one generation.
pub(crate) struct Sockets {
    pub(crate) commands: SocketHandle<CommandsProtocol>,
    pub(crate) stream: SocketHandle<StreamProtocol>,
}

/// The nudge pad's inputs, in the console so the keyboard nudges with them.
#[derive(Clone, Copy)]
pub struct NudgeForm {
    /// The step, arcseconds, as typed.
    pub step: RwSignal<String>,
    /// What is wrong with it.
    pub errors: RwSignal<crate::state::forms::FormErrors>,
}

/// The camera's inputs, in the console so the keyboard exposes with them.
#[derive(Clone, Copy)]
pub struct ExposureForm {
    /// Seconds, as typed.
    pub duration: RwSignal<String>,
    /// `1` to `4`.
    pub binning: RwSignal<String>,
    /// A filter id, or empty for the current one.
    pub filter: RwSignal<String>,
    /// What is wrong with them.
    pub errors: RwSignal<crate::state::forms::FormErrors>,
}

/// The console's state, shared through context. Every field is a signal
/// (`Copy`), so the struct is too.
#[derive(Clone, Copy)]
pub struct Console {
    /// Where to connect.
    pub settings: RwSignal<Settings>,
    /// The commands socket.
    pub commands_state: RwSignal<SocketState>,
    /// The stream socket.
    pub stream_state: RwSignal<SocketState>,
    /// Every command of the session.
    pub log: RwSignal<CommandLog>,
    /// Live device snapshots.
    pub telemetry: RwSignal<Telemetry>,
    /// The telescopes this account can see.
    pub telescopes: RwSignal<Telescopes>,
    /// Who this tab is.
    pub identity: RwSignal<Identity>,
    /// The telescope being driven.
    pub selected: RwSignal<Option<TelescopeUid>>,
    /// The clock, ticking twice a second, for ages and countdowns.
    pub now: RwSignal<Millis>,
    /// Messages for the user (malformed frames, refused sends), newest last.
    pub notices: RwSignal<Vec<Notice>>,
    /// A target picked on the sky view, J2000 `(ra_deg, dec_deg)`, for the
    /// mount controls to take.
    pub target_request: RwSignal<Option<(f64, f64)>>,
    /// Every lease event of the session, for the session export.
    pub lease_events: RwSignal<Vec<crate::state::export::LeaseRecord>>,
    /// The observer's safety limits for slews.
    pub limits: RwSignal<crate::state::safety::Limits>,
    /// The guided workflow of this tab, if one was started.
    pub workflow: RwSignal<Option<Workflow>>,
    /// Night vision or day.
    pub theme: RwSignal<crate::state::theme::Theme>,
    /// The nudge pad's inputs.
    pub nudge_form: NudgeForm,
    /// The camera's inputs.
    pub exposure_form: ExposureForm,
    /// This tab's session id (the Origin's `session_id`).
    pub session_id: StoredValue<String>,
    /// Device snapshots not yet applied to `telemetry`.
    pending_devices: StoredValue<PendingDevices>,
    /// Decides where each message goes; counts what it ignored.
    pub(crate) router: StoredValue<Router>,
    /// This tab's sign-in with SkyNet, when signed in that way.
    pub session: RwSignal<Option<crate::state::auth::Session>>,
    /// Why signing in or renewing failed: shown with "Sign in again".
    pub auth_error: RwSignal<Option<String>>,
    /// The deploy-time settings (`skydeck.config.json`), once loaded.
    pub config_file: RwSignal<crate::state::auth::ConfigFile>,
    /// Bumped on every sign-in and sign-out: a renewal loop of an older
    /// sign-in stops.
    pub(crate) auth_generation: StoredValue<u64>,
    /// What the router ignored so far (shown with the notices).
    pub ignored: RwSignal<Ignored>,
    /// Resources whose merged state is not yet whole (a delta for a
    /// resource never seen whole), shown as incomplete until the rest comes.
    pub incomplete: RwSignal<Vec<crate::state::merged::Incomplete>>,
    pub(crate) sockets: StoredValue<Option<Sockets>, LocalStorage>,
    /// Which pair of sockets is current: each `connect` and each handover
    /// to a renewed token makes a new one.
    pub(crate) socket_generation: StoredValue<u64>,
    /// The last generation handed out.
    generations: StoredValue<u64>,
    /// Sockets moving to a renewed token (make before break).
    pub(crate) handover: StoredValue<Option<crate::handover::Handover>, LocalStorage>,
    /// The observatories' weather sensors and enclosures.
    pub sites: RwSignal<crate::state::telemetry::Sites>,
    /// Observing constraints, their status and the shutdown interlocks.
    pub conditions: RwSignal<crate::state::conditions::Conditions>,
    /// The telescopes' logs.
    pub telescope_log: RwSignal<crate::state::telescope_log::TelescopeLog>,
    /// Which alerts go where (remembered in this browser).
    pub alert_settings: RwSignal<crate::state::alerts::Settings>,
    /// What was told lately, so the same news does not ring twice.
    pub(crate) alerter: StoredValue<crate::state::alerts::Alerter>,
    /// Whether the browser says it has a network (`navigator.onLine`, then
    /// its `online` and `offline` events, which [`crate::ConsoleView`]
    /// follows): no command is sent without one.
    pub online: RwSignal<bool>,
    /// Whether this page loaded through the service worker (the app shell
    /// from this browser's cache, or from the network through it).
    pub from_shell: bool,
    /// Whether the first screen is complete, so the deferred panels
    /// ([`crate::components::later`]) may load: the first mount snapshot is
    /// on screen, or start-up left nothing to wait for, or a socket was lost
    /// or refused before it, or 3 s passed. Always
    /// true in a build without the `split` feature (nothing to load).
    pub first_screen: RwSignal<bool>,
    /// Bumped by a deferred panel's Retry: the deferred code (the panels'
    /// and the commanding code, one chunk) and the catalog are fetched
    /// again.
    pub deferred_attempt: RwSignal<u32>,
    /// Where the deferred panels and the commanding code are
    /// ([`crate::components::later`]).
    pub(crate) deferred: RwSignal<crate::components::later::Deferred>,
    /// The commanding code, once it is here ([`crate::commanding`]).
    pub(crate) commanding: StoredValue<Option<&'static crate::commanding::Commanding>>,
    /// Frames of the commands socket waiting for it, in order.
    pub(crate) commands_inbox: StoredValue<crate::state::inbox::Inbox<CommandsFrame>>,
    /// Telescope log entries waiting for it (it decodes them), in order.
    pub(crate) log_inbox: StoredValue<crate::state::inbox::Inbox<skynet_protocol::LogEvent>>,
    /// Lease events waiting for it (it decodes them), in order, with when
    /// each arrived.
    pub(crate) lease_inbox: StoredValue<crate::state::inbox::Inbox<(LeaseEvent, Millis)>>,
    /// Resources it decodes (telescopes, instruments, constraints, their
    /// statuses, interlocks) that changed before it was here.
    pub(crate) resources_inbox:
        StoredValue<crate::state::inbox::Changed<crate::state::routing::ResourceKey>>,
}

/// Device snapshots reach the views once per animation frame; this timer
/// applies them when no frame comes (a hidden tab), so state never freezes.
const DEVICE_BACKSTOP: std::time::Duration = std::time::Duration::from_millis(250);

/// Notices kept at most.
const MAX_NOTICES: usize = 20;

impl Console {
    /// A console with nothing connected, starting from `settings`.
    pub fn new(settings: Settings) -> Self {
        let session_id = uuid::Uuid::new_v4().to_string();
        Self {
            settings: RwSignal::new(settings),
            commands_state: RwSignal::new(SocketState::Idle),
            stream_state: RwSignal::new(SocketState::Idle),
            log: RwSignal::new(CommandLog::new()),
            telemetry: RwSignal::new(Telemetry::new()),
            telescopes: RwSignal::new(Telescopes::new()),
            identity: RwSignal::new(Identity::default()),
            selected: RwSignal::new(None),
            now: RwSignal::new(now_ms()),
            notices: RwSignal::new(Vec::new()),
            limits: RwSignal::new(crate::state::safety::Limits::default()),
            lease_events: RwSignal::new(Vec::new()),
            target_request: RwSignal::new(None),
            workflow: RwSignal::new(None),
            theme: RwSignal::new(
                crate::storage::theme()
                    .map(|t| crate::state::theme::Theme::parse(&t))
                    .unwrap_or_default(),
            ),
            nudge_form: NudgeForm {
                step: RwSignal::new("30".to_owned()),
                errors: RwSignal::new(Vec::new()),
            },
            exposure_form: ExposureForm {
                duration: RwSignal::new("10".to_owned()),
                binning: RwSignal::new("1".to_owned()),
                filter: RwSignal::new(String::new()),
                errors: RwSignal::new(Vec::new()),
            },
            session_id: StoredValue::new(session_id.clone()),
            pending_devices: StoredValue::new(PendingDevices::default()),
            router: StoredValue::new(Router::new(session_id)),
            ignored: RwSignal::new(Ignored::default()),
            session: RwSignal::new(None),
            auth_error: RwSignal::new(None),
            config_file: RwSignal::new(crate::state::auth::ConfigFile::default()),
            auth_generation: StoredValue::new(0),
            incomplete: RwSignal::new(Vec::new()),
            sockets: StoredValue::new_local(None),
            socket_generation: StoredValue::new(0),
            generations: StoredValue::new(0),
            handover: StoredValue::new_local(None),
            sites: RwSignal::new(Default::default()),
            conditions: RwSignal::new(Default::default()),
            telescope_log: RwSignal::new(Default::default()),
            // Read from storage with the code that uses them (the
            // commanding code, crate::commanding).
            alert_settings: RwSignal::new(Default::default()),
            alerter: StoredValue::new(Default::default()),
            online: RwSignal::new(web_sys::window().is_none_or(|w| w.navigator().on_line())),
            from_shell: loaded_through_service_worker(),
            first_screen: RwSignal::new(!cfg!(feature = "split")),
            deferred_attempt: RwSignal::new(0),
            deferred: RwSignal::new(Default::default()),
            commanding: StoredValue::new(None),
            commands_inbox: StoredValue::new(Default::default()),
            log_inbox: StoredValue::new(Default::default()),
            lease_inbox: StoredValue::new(Default::default()),
            resources_inbox: StoredValue::new(Default::default()),
        }
    }

    /// Tells the user something.
    /// Bounded: a notice may quote the server.
    pub fn notify(&self, text: impl Into<String>) {
        let notice = Notice {
            at: now_ms(),
            text: crate::state::display::message(&text.into()),
        };
        self.notices.update(|n| {
            n.push(notice);
            if n.len() > MAX_NOTICES {
                n.remove(0);
            }
        });
    }

    /// Opens both sockets with the current settings (closing any open ones).
    pub fn connect(&self) -> Result<(), String> {
        let urls = self.socket_urls()?;
        self.disconnect();
        let generation = self.new_generation();
        self.socket_generation.set_value(generation);
        let sockets = self.open_sockets(urls, generation);
        self.sockets.set_value(Some(sockets));
        Ok(())
    }

    /// False once the console's view was unmounted: a task that outlives it
    /// (a fetch, a timer) must stop touching it.
    pub fn alive(&self) -> bool {
        self.settings.try_with_untracked(|_| ()).is_some()
    }

    /// A socket generation never used before.
    pub(crate) fn new_generation(&self) -> u64 {
        self.generations.update_value(|g| *g += 1);
        self.generations.get_value()
    }

    /// The two socket URLs for the current settings.
    pub(crate) fn socket_urls(&self) -> Result<(String, String), String> {
        let Settings { api_base, token } = self.settings.get_untracked();
        Ok((
            socket_url(&api_base, Endpoint::Commands, &token)?,
            socket_url(&api_base, Endpoint::Stream, &token)?,
        ))
    }

    /// Opens a pair of sockets of `generation`: their states drive the
    /// console while that generation is the current one (or is taking over,
    /// see [`crate::handover`]); their messages are always heard (the router
    /// passes each result on once).
    pub(crate) fn open_sockets(
        &self,
        (commands_url, stream_url): (String, String),
        generation: u64,
    ) -> Sockets {
        let this = *self;
        let commands = spawn_socket::<CommandsProtocol>(
            commands_url,
            SocketOptions::named("commands"),
            SocketCallbacks {
                on_state: Rc::new(move |state| match this.socket_generation.try_get_value() {
                    Some(current) if current == generation => this.on_commands_state(state),
                    Some(_) => this.on_incoming_state(generation, Endpoint::Commands, state),
                    // The console is gone (its view was unmounted).
                    None => {}
                }),
                on_message: Rc::new(move |frame| this.on_commands_frame(frame)),
                on_malformed: Rc::new(move |why| this.notify(format!("ignored a frame: {why}"))),
            },
        );
        let stream = spawn_socket::<StreamProtocol>(
            stream_url,
            // The busy socket: its frames reach the page in batches.
            SocketOptions {
                relayed: true,
                ..SocketOptions::named("stream")
            },
            SocketCallbacks {
                on_state: Rc::new(move |state| match this.socket_generation.try_get_value() {
                    Some(current) if current == generation => this.on_stream_state(state),
                    Some(_) => this.on_incoming_state(generation, Endpoint::Stream, state),
                    // The console is gone (its view was unmounted).
                    None => {}
                }),
                on_message: Rc::new(move |message| this.on_stream_message(message)),
                on_malformed: Rc::new(move |why| this.notify(format!("ignored a frame: {why}"))),
            },
        );
        Sockets { commands, stream }
    }

    /// Closes both sockets; they do not reconnect.
    pub fn disconnect(&self) {
        self.cancel_handover();
        if let Some(sockets) = self.sockets.try_update_value(Option::take).flatten() {
            sockets.commands.close();
            sockets.stream.close();
        }
    }

    fn on_commands_state(&self, state: SocketState) {
        if state.token_rejected() {
            self.sign_in_refused();
        }
        if state.is_open() {
            // The socket is open (the state is set before this call), so this
            // can fail only if it closed again in between; the next open retries.
            if let Err(e) = self.send_commands(commands_subscription()) {
                self.notify(format!("could not subscribe to commands: {e}"));
            }
        } else if self.commands_state.get_untracked().is_open() {
            // Before the commanding code is here this tab has no commands.
            if let Some(commanding) = self.commanding() {
                (commanding.dropped)(*self);
            }
        }
        self.no_snapshot_coming(&state);
        self.commands_state.set(state);
    }

    /// A socket lost or refused before the first mount snapshot: none is
    /// coming soon, so the first screen is as complete as it gets and the
    /// deferred code (the Advanced settings, to change the address or the
    /// token, among it) loads now rather than after
    /// [`crate::FIRST_SCREEN_AT_MOST`].
    fn no_snapshot_coming(&self, state: &SocketState) {
        let lost = matches!(
            state,
            SocketState::Reconnecting { .. } | SocketState::Closed { .. }
        );
        if lost && !self.first_screen.get_untracked() {
            self.first_screen.set(true);
        }
    }

    fn on_stream_state(&self, state: SocketState) {
        if state.token_rejected() {
            self.sign_in_refused();
        }
        if state.is_open() {
            self.router.update_value(Router::resubscribed);
            if let Some(stream) = self
                .sockets
                .with_value(|s| s.as_ref().map(|s| s.stream.clone()))
            {
                self.subscribe_streams_on(&stream);
            }
        }
        self.no_snapshot_coming(&state);
        self.stream_state.set(state);
    }

    /// Subscribes every stream the console shows on `stream`, with the
    /// retained state first.
    pub(crate) fn subscribe_streams_on(&self, stream: &SocketHandle<StreamProtocol>) {
        for (id, name) in STREAMS {
            let subscribe = StreamOut::subscribe(&SubscribeStream {
                subscription_id: SubscriptionId(id.into()),
                stream: name,
                filter: StreamFilter::default(),
                options: Some(SubscribeOptions {
                    include_existing: Some(true),
                }),
            });
            if let Err(e) = stream.send(subscribe) {
                self.notify(format!("could not subscribe to {id}: {e}"));
            }
        }
    }

    fn send_commands(&self, message: CommandsOut) -> Result<(), String> {
        self.sockets
            .with_value(|s| s.as_ref().map(|s| s.commands.send(message)))
            .unwrap_or(Err(crate::transport::TransportError::NotOpen("commands")))
            .map_err(|e| e.to_string())
    }

    /// Sends on the commands socket; `on_delivery` hears whether the frame
    /// was written (only when this returns `Ok`).
    pub(crate) fn send_commands_reporting(
        &self,
        message: CommandsOut,
        on_delivery: impl FnOnce(Delivery) + 'static,
    ) -> Result<(), String> {
        self.sockets
            .with_value(|s| {
                s.as_ref()
                    .map(|s| s.commands.send_reporting(message, on_delivery))
            })
            .unwrap_or(Err(crate::transport::TransportError::NotOpen("commands")))
            .map_err(|e| e.to_string())
    }

    /// A frame of the commands socket (its pings already answered): a pong
    /// is heard at once, the rest goes to the commanding code, or waits for
    /// it in order ([`crate::commanding`]).
    fn on_commands_frame(&self, frame: CommandsFrame) {
        if let Some(id) = frame.pong() {
            self.on_pong(id.as_str());
            return;
        }
        match self.commanding() {
            Some(commanding) => (commanding.frames)(*self, vec![frame]),
            None => self.keep_commands_frame(frame),
        }
    }

    fn on_stream_message(&self, message: StreamServerMessage) {
        let Some((updates, ignored)) = self.router.try_update_value(|r| {
            let before = r.ignored().total();
            let updates = r.stream(message);
            (updates, r.ignored().total() != before)
        }) else {
            return;
        };
        self.apply(updates);
        // Nearly every frame ignores nothing: the screen's count is read
        // only when the router's moved.
        if ignored {
            self.refresh_ignored();
        }
    }

    /// Shows what the router ignored, when that changed.
    pub(crate) fn refresh_ignored(&self) {
        let shown = self.ignored.with_untracked(Ignored::total);
        let changed = self.router.with_value(|r| {
            let ignored = r.ignored();
            (ignored.total() != shown).then(|| ignored.clone())
        });
        if let Some(ignored) = changed {
            self.ignored.set(ignored);
        }
    }

    /// Applies what the router decided for the stream, in order.
    fn apply(&self, updates: Vec<Routed>) {
        let now = now_ms();
        for update in updates {
            match update {
                Routed::DeviceChanged(key) => self.on_device(key, now),
                Routed::Device(snapshot) => self.show_devices(vec![(snapshot, now)]),
                Routed::ResourceChanged(stream, key) => {
                    // The first telescope seen is the one shown until one
                    // is picked.
                    if stream == StreamName::TelescopeSnapshot
                        && self.selected.get_untracked().is_none()
                    {
                        self.selected.set(Some(TelescopeUid::from(key.clone())));
                    }
                    self.on_resource(stream, key, now)
                }
                Routed::Lease(event) => self.on_lease_event(event, now),
                Routed::LogEntry(entry) => self.on_log_entry(entry),
                Routed::Incomplete(items) => self.incomplete.set(items),
                Routed::Notice(text) => self.notify(text),
                Routed::Pong(id) => self.on_pong(&id),
            }
        }
    }

    /// Decodes the devices `take` hands over (the animation frame's or the
    /// backstop timer's) and applies them to the telemetry, in one update.
    fn apply_devices(&self, take: fn(&mut PendingDevices) -> Vec<(String, Millis)>) {
        let changed = self.pending_devices.try_update_value(take);
        let Some(changed) = changed.filter(|c| !c.is_empty()) else {
            return;
        };
        let mut snapshots = Vec::with_capacity(changed.len());
        let mut incomplete = None;
        self.router.try_update_value(|router| {
            for (key, at) in changed {
                for update in router.device(&key) {
                    match update {
                        Routed::Device(snapshot) => snapshots.push((snapshot, at)),
                        Routed::Incomplete(items) => incomplete = Some(items),
                        _ => {}
                    }
                }
            }
        });
        if let Some(items) = incomplete {
            self.incomplete.set(items);
        }
        self.show_devices(snapshots);
    }

    /// Applies device snapshots to the telemetry, in one update.
    fn show_devices(&self, snapshots: Vec<(DeviceSnapshot, Millis)>) {
        // An observatory's own devices go to their own signal, the rest to
        // the telescopes' telemetry: each is written once per frame.
        let (site, telescope): (Vec<_>, Vec<_>) = snapshots
            .into_iter()
            .partition(|(s, _)| crate::state::telemetry::Sites::is_site_device(s));
        if !site.is_empty() {
            self.sites.try_update(|sites| {
                for (snapshot, at) in site {
                    sites.on_device(snapshot, at);
                }
            });
        }
        if telescope.is_empty() {
            return;
        }
        // A frame or timer may outlive the console (a test unmounting it).
        self.telemetry.try_update(|t| {
            for (snapshot, at) in telescope {
                t.on_device(snapshot, at);
            }
        });
        // A running workflow watches its telescope's mount and focuser.
        if let Some(commanding) = self.commanding() {
            (commanding.devices)(*self);
        }
    }

    /// Queues a device snapshot for the next animation frame (or the
    /// backstop timer when no frame comes).
    fn on_device(&self, key: String, now: Millis) {
        let schedule = self
            .pending_devices
            .try_update_value(|p| p.push(key, now))
            .unwrap_or_default();
        let this = *self;
        if schedule.frame {
            request_animation_frame(move || {
                this.apply_devices(PendingDevices::take_for_frame);
            });
        }
        if schedule.timer {
            set_timeout(
                move || this.apply_devices(PendingDevices::take_for_timer),
                DEVICE_BACKSTOP,
            );
        }
    }

    /// Why hardware commands cannot be sent now, in words (tracked); `None`
    /// when they can. The controls are disabled, and their keys inert, while
    /// it is `Some`.
    pub fn command_denied(&self) -> Option<String> {
        // A socket may still say open for a while after the network went:
        // a command written then would wait in the browser and could reach
        // the telescope long after it was pressed.
        if !self.online.get() {
            return Some(crate::state::connection::OFFLINE.to_owned());
        }
        if !self.commands_state.with(SocketState::is_open) {
            return Some(
                "Not connected: commands cannot be sent until the commands socket is open."
                    .to_owned(),
            );
        }
        match self.telescope() {
            None => Some("Pick a telescope.".to_owned()),
            Some(t) => {
                crate::state::telescopes::authority(&t, &self.identity.get(), self.now.get())
                    .err()
                    .or_else(|| self.interlock_denial())
            }
        }
    }

    /// The active shutdown interlock covering the selected telescope
    /// (tracked).
    pub fn interlock(&self) -> Option<skynet_protocol::ShutdownInterlockSnapshot> {
        let t = self.telescope()?;
        self.conditions.with(|c| {
            c.interlock(&t.telescope_uid, t.observatory_uid.as_ref())
                .cloned()
        })
    }

    /// Why hardware commands wait while an interlock is active (tracked).
    fn interlock_denial(&self) -> Option<String> {
        let interlock = self.interlock()?;
        let since = crate::state::display::since(crate::state::time::parse_rfc3339(
            interlock.since.as_str(),
        ));
        Some(format!(
            "Safety shutdown{since}: {}. Hardware commands wait until it clears; releasing your lease and canceling still work.",
            crate::state::display::message(&interlock.reason)
        ))
    }

    /// Whether hardware commands cannot be sent now (untracked).
    pub fn command_denied_untracked(&self) -> bool {
        untrack(|| self.command_denied().is_some())
    }

    /// Night vision on or off.
    pub fn toggle_night_vision(&self) {
        self.theme.update(|t| *t = t.toggled());
    }

    /// The selected telescope's snapshot (tracked).
    pub fn telescope(&self) -> Option<TelescopeSnapshot> {
        let uid = self.selected.get()?;
        self.telescopes.with(|t| t.get(&uid).cloned())
    }

    /// Runs `f` on the selected telescope's devices (empty with none picked),
    /// without copying them (tracked).
    pub fn with_devices<R>(&self, f: impl FnOnce(&crate::state::telemetry::DeviceSet) -> R) -> R {
        match self.selected.get() {
            Some(uid) => self.telemetry.with(|t| t.with_devices(&uid, f)),
            None => f(&Default::default()),
        }
    }

    /// The selected telescope's site, for the astronomy (tracked).
    pub fn site(&self) -> Option<skydeck_astro::coords::Site> {
        let site = self.telescope()?.site;
        Some(skydeck_astro::coords::Site::new(
            site.latitude_deg,
            site.longitude_deg,
            site.elevation_m,
        ))
    }

    /// What the forms validate against: the selected telescope's filters.
    pub fn validation_context(&self) -> ValidationContext {
        let Some(uid) = self.selected.get() else {
            return ValidationContext::default();
        };
        let filters = self.telemetry.with(|t| {
            t.with_devices(&uid, |d| {
                d.filter_wheel
                    .as_ref()
                    .map(|w| w.value.slots.clone())
                    .filter(|slots| !slots.is_empty())
            })
        });
        ValidationContext {
            filters,
            focuser_range_um: None,
        }
    }

    /// The safety concerns about `command` on the selected telescope now
    /// (empty for anything but a slew, or with no telescope picked).
    pub fn safety_concerns(&self, command: &Command) -> Vec<crate::state::safety::Concern> {
        let Some(site) = self.site() else {
            return Vec::new();
        };
        let jd = skydeck_astro::time::julian_date(now_ms() / 1000.0);
        let horizon = untrack(|| {
            self.telescope()
                .map(|t| t.local_horizon)
                .unwrap_or_default()
        });
        crate::state::safety::check_command(
            command,
            site,
            jd,
            self.limits.get_untracked(),
            &horizon,
        )
    }
}

/// The console from context.
pub fn use_console() -> Console {
    expect_context::<Console>()
}

/// Whether a service worker controls this page
/// (`navigator.serviceWorker.controller`), read through `Reflect` so that
/// web-sys's service worker bindings stay out of the module.
fn loaded_through_service_worker() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    js_sys::Reflect::get(&window.navigator(), &"serviceWorker".into())
        .ok()
        .filter(|c| c.is_object())
        .and_then(|c| js_sys::Reflect::get(&c, &"controller".into()).ok())
        .is_some_and(|controller| controller.is_object())
}
