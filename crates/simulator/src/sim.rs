//! The simulator's state: telescopes and their devices, leases, running
//! commands, and the event bus every socket listens to. One mutex guards it;
//! it is never held across an await.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use skydeck_astro::coords::Site as AstroSite;
use skynet_protocol::validate::ValidationContext;
use skynet_protocol::{
    Access, AutofocusProgress, CanceledData, Command, CommandId, CommandResult, CommandStatus,
    ControlAuthority, DeviceSnapshot, DeviceState, DeviceSummary, DeviceType, DeviceUid, ErrorBody,
    ErrorCode, ErrorMessage, InstrumentSnapshot, InstrumentState, InstrumentType, InstrumentUid,
    LeaseData, LeaseId, LeaseInfo, LeaseState, LogCommand, LogEntryBody, LogEntryUid, LogLevel,
    ManualMode, Origin, OtaState, PublishCommand, TelescopeLogEntry, TelescopeSnapshot,
    TelescopeUid, Timestamp,
};
use tokio::sync::broadcast;

use crate::clock::{Clock, Now};
use crate::devices::{Camera, FilterWheel, Focuser, Rotator};
use crate::mount::Mount;
use crate::world::{TelescopeConfig, World};

/// How the simulator runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Every duration runs this many times faster.
    pub time_scale: f64,
    /// Static files served at `/` (the SkyDeck site).
    pub serve_dir: Option<PathBuf>,
    /// Serve the test hooks (`POST /v1/test/drop-sockets`): for test runs only.
    pub test_hooks: bool,
    /// Publish every device this many times a second, changed or not (load
    /// generation for benchmarks); `None`: on change, as SkyNode does.
    pub snapshot_hz: Option<f64>,
    /// Send every snapshot whole instead of as a delta after the first
    /// delivery of each resource on a subscription.
    pub full_snapshots: bool,
    /// How long an OAuth access token lives (real time, not scaled).
    pub token_ttl: Duration,
    /// Accept the world file's development tokens.
    pub dev_tokens: bool,
    /// How long an authorization code may wait to be exchanged.
    pub code_ttl: Duration,
}

impl Options {
    /// The forced interval between snapshots of a device, if any.
    fn snapshot_period(&self) -> Option<Duration> {
        self.snapshot_hz
            .filter(|hz| hz.is_finite() && *hz > 0.0)
            .map(|hz| Duration::from_secs_f64(1.0 / hz))
    }

    /// How often the world is advanced and published.
    fn tick(&self) -> Duration {
        self.snapshot_period().map_or(TICK, |p| p.min(TICK))
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            time_scale: 1.0,
            serve_dir: None,
            test_hooks: false,
            snapshot_hz: None,
            full_snapshots: false,
            token_ttl: Duration::from_secs(3600),
            dev_tokens: true,
            code_ttl: crate::oauth::CODE_TTL,
        }
    }
}

/// A command accepted for a telescope, as `command` subscribers see it.
#[derive(Debug, Clone)]
pub struct PublishedCommand {
    /// Its id.
    pub command_id: CommandId,
    /// Its telescope.
    pub telescope_uid: TelescopeUid,
    /// The command.
    pub command: Command,
    /// The sender's Origin record.
    pub origin: Option<Origin>,
    /// When it was accepted.
    pub published_at: Timestamp,
    /// The sending account.
    pub account: String,
}

/// Something that happened, for every socket to filter and deliver.
#[derive(Debug, Clone)]
pub enum Event {
    /// A device snapshot was published.
    Device(Arc<DeviceSnapshot>),
    /// A telescope's summary changed (each viewer renders its own).
    Telescope(TelescopeUid),
    /// The imaging instrument's state changed.
    Instrument(Arc<InstrumentSnapshot>),
    /// A lease changed.
    Lease(Arc<LeaseInfo>),
    /// A log entry.
    Log(Arc<TelescopeLogEntry>),
    /// A command was accepted.
    Command(Arc<PublishedCommand>),
    /// A command finished.
    Result(Arc<CommandResult>),
    /// Test hook: cut the sockets of an account (all when `None`).
    CutSockets(Cut, Option<String>),
    /// These OAuth grants were revoked: their sockets close.
    Revoked(Vec<u64>),
}

/// How a test hook cuts a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Closed without a close frame, as a failed network would.
    Drop,
    /// Left open with nothing going out and what comes in ignored, as a link
    /// that died silently would (a sleeping NAT, a pulled cable), until the
    /// client gives up on it.
    Freeze,
}

impl Event {
    /// The telescope it concerns.
    pub fn telescope_uid(&self) -> Option<&TelescopeUid> {
        match self {
            Self::Device(s) => s.telescope_uid.as_ref(),
            Self::Telescope(uid) => Some(uid),
            Self::Instrument(s) => Some(&s.telescope_uid),
            Self::Lease(l) => Some(&l.telescope_uid),
            Self::Log(l) => Some(&l.telescope_uid),
            Self::Command(c) => Some(&c.telescope_uid),
            Self::Result(r) => r.telescope_uid.as_ref(),
            Self::CutSockets(..) | Self::Revoked(_) => None,
        }
    }
}

/// A device of a telescope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Device {
    /// The mount.
    Mount,
    /// The camera (also the imaging instrument).
    Camera,
    /// The focuser.
    Focuser,
    /// The filter wheel.
    FilterWheel,
    /// The instrument rotator.
    Rotator,
    /// The optical tube assembly.
    Ota,
}

/// The uid of a part of a telescope that the world file does not name (a
/// device, the imager): a version 5 UUID with the telescope's uid as the
/// namespace and `role` (the device or instrument type, as sent) as the name,
/// so it is a UUID, the same on every run, and different on every telescope.
pub fn derived_uid(telescope: &TelescopeUid, role: &str) -> String {
    // The world check makes every telescope uid a UUID; a uid that is not one
    // still gets a stable UUID of its own.
    let namespace = uuid::Uuid::parse_str(telescope.as_str()).unwrap_or_else(|_| {
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, telescope.as_str().as_bytes())
    });
    uuid::Uuid::new_v5(&namespace, role.as_bytes()).to_string()
}

impl Device {
    /// Every device, in snapshot order.
    pub const ALL: [Device; 6] = [
        Device::Ota,
        Device::Mount,
        Device::Camera,
        Device::Focuser,
        Device::FilterWheel,
        Device::Rotator,
    ];

    /// Its protocol type.
    pub fn device_type(self) -> DeviceType {
        match self {
            Self::Mount => DeviceType::Mount,
            Self::Camera => DeviceType::Camera,
            Self::Focuser => DeviceType::Focuser,
            Self::FilterWheel => DeviceType::FilterWheel,
            Self::Rotator => DeviceType::InstrumentRotator,
            Self::Ota => DeviceType::Ota,
        }
    }

    /// Its uid on a telescope: derived from the telescope's and its type.
    pub fn uid(self, telescope: &TelescopeUid) -> DeviceUid {
        DeviceUid(derived_uid(telescope, self.device_type().as_str()))
    }

    fn name(self) -> &'static str {
        match self {
            Self::Mount => "Mount",
            Self::Camera => "Camera",
            Self::Focuser => "Focuser",
            Self::FilterWheel => "Filter wheel",
            Self::Rotator => "Instrument rotator",
            Self::Ota => "Optical tube",
        }
    }
}

/// An active lease.
#[derive(Debug, Clone)]
pub struct Lease {
    /// As published.
    pub info: LeaseInfo,
    /// When it lapses.
    pub expires: Instant,
}

/// One telescope's live state.
pub struct Telescope {
    /// Its configuration.
    pub config: TelescopeConfig,
    /// Its site, for the astronomy.
    pub site: AstroSite,
    /// The mount.
    pub mount: Mount,
    /// The camera.
    pub camera: Camera,
    /// The focuser.
    pub focuser: Focuser,
    /// The filter wheel.
    pub wheel: FilterWheel,
    /// The rotator.
    pub rotator: Rotator,
    /// The active lease.
    pub lease: Option<Lease>,
    /// Sustained manual mode, when an owner holds the telescope so.
    pub manual_mode: Option<ManualMode>,
    /// The running or last autofocus.
    pub autofocus: Option<AutofocusProgress>,
    /// Which command holds which device.
    pub busy: HashMap<Device, CommandId>,
    /// The latest log entries (replayed to new subscribers).
    pub logs: VecDeque<Arc<TelescopeLogEntry>>,
    started: Instant,
}

impl Telescope {
    fn new(config: TelescopeConfig, now: Instant) -> Self {
        let s = config.site;
        let site = AstroSite::new(s.latitude_deg, s.longitude_deg, s.elevation_m);
        Self {
            mount: Mount::new(config.mount.clone(), site),
            camera: Camera::new(config.camera.clone()),
            focuser: Focuser::new(config.focuser.clone(), now),
            wheel: FilterWheel::new(config.filters.clone()),
            rotator: Rotator::new(config.rotator.clone(), now),
            site,
            // A world file may start it in an owner's sustained manual mode.
            manual_mode: (config.control_authority == Some(ControlAuthority::Manual)).then(|| {
                ManualMode {
                    set_by: config.owner().unwrap_or("owner").to_owned(),
                    since: crate::clock::timestamp(std::time::SystemTime::now()),
                }
            }),
            config,
            lease: None,
            autofocus: None,
            busy: HashMap::new(),
            logs: VecDeque::new(),
            started: now,
        }
    }

    /// Its uid.
    pub fn uid(&self) -> &TelescopeUid {
        &self.config.telescope_uid
    }

    /// The tube temperature: it drifts slowly through the (simulated) night.
    pub fn temperature_c(&self, now: Instant, clock: &Clock) -> f64 {
        let hours = clock.sim_since(self.started, now) / 3600.0;
        9.0 + 1.5 * (std::f64::consts::TAU * hours / 6.0).cos()
    }

    /// What the protocol validators should know of this telescope.
    pub fn validation_context(&self) -> ValidationContext {
        ValidationContext {
            filters: Some(self.config.filters.clone()),
            focuser_range_um: Some((0.0, self.config.focuser.max_um)),
        }
    }

    /// A device's state now.
    pub fn device_state(&self, device: Device, now: &Now, clock: &Clock) -> DeviceState {
        match device {
            Device::Mount => DeviceState::Mount(self.mount.state(now, clock)),
            Device::Camera => DeviceState::Camera(self.camera.state(now.at)),
            Device::Focuser => DeviceState::Focuser(
                self.focuser
                    .state(now.at, self.temperature_c(now.at, clock)),
            ),
            Device::FilterWheel => DeviceState::FilterWheel(self.wheel.state(now.at)),
            Device::Rotator => DeviceState::Rotator(self.rotator.state(now.at)),
            Device::Ota => {
                let ota = &self.config.ota;
                DeviceState::Ota(OtaState::new(ota.focal_length_mm, ota.aperture_mm))
            }
        }
    }

    fn holder(&self) -> Option<&str> {
        self.lease.as_ref().map(|l| l.info.holder.as_str())
    }
}

/// A command under way.
struct Running {
    telescope: usize,
    /// The command's `command_type`, for the log.
    command_type: String,
    account: String,
    lease_id: Option<LeaseId>,
    devices: Vec<Device>,
    abort: Option<tokio::task::AbortHandle>,
}

#[derive(Clone)]
struct Retained {
    snapshot: Arc<DeviceSnapshot>,
    at: Instant,
}

/// Everything the mutex guards.
pub struct State {
    /// The telescopes, in world order.
    pub telescopes: Vec<Telescope>,
    running: HashMap<CommandId, Running>,
    accepted: HashSet<CommandId>,
    accepted_order: VecDeque<CommandId>,
    previews: HashMap<String, Arc<Vec<u8>>>,
    preview_order: VecDeque<String>,
    retained: HashMap<DeviceUid, Retained>,
    instruments: HashMap<TelescopeUid, Arc<InstrumentSnapshot>>,
    events: broadcast::Sender<Event>,
}

/// Command ids remembered for `duplicate_command_id` and `not_cancelable`.
const REMEMBERED_COMMANDS: usize = 100_000;
/// Exposure previews kept for download.
const KEPT_PREVIEWS: usize = 256;
/// Log entries kept per telescope for new subscribers.
const KEPT_LOGS: usize = 50;
/// Events buffered per socket before it counts as too slow.
const EVENT_BUFFER: usize = 4096;

/// The outcome of a command: result data, or an error body.
pub type Outcome = Result<Option<Value>, ErrorBody>;

impl State {
    fn emit(&self, event: Event) {
        // No receiver is fine: nobody is listening.
        let _ = self.events.send(event);
    }

    /// Appends to a telescope's log and publishes the entry.
    pub fn log(&mut self, telescope: usize, level: LogLevel, message: String, now: &Now) {
        let entry = TelescopeLogEntry::message(
            LogEntryUid(uuid::Uuid::new_v4().to_string()),
            self.telescopes[telescope].uid().clone(),
            now.timestamp(),
            level,
            message,
        );
        self.push_log(telescope, entry);
    }

    /// Keeps a log entry for replay and publishes it.
    fn push_log(&mut self, telescope: usize, entry: TelescopeLogEntry) {
        let entry = Arc::new(entry);
        let logs = &mut self.telescopes[telescope].logs;
        if logs.len() == KEPT_LOGS {
            logs.pop_front();
        }
        logs.push_back(entry.clone());
        self.emit(Event::Log(entry));
    }

    /// Appends a `command` entry (a command's outcome) to a telescope's log.
    fn log_command(
        &mut self,
        telescope: usize,
        command_id: CommandId,
        command_type: &str,
        status: CommandStatus,
        now: &Now,
    ) {
        let entry = TelescopeLogEntry {
            entry_uid: LogEntryUid(uuid::Uuid::new_v4().to_string()),
            telescope_uid: self.telescopes[telescope].uid().clone(),
            at: now.timestamp(),
            body: LogEntryBody::Command(LogCommand {
                command_id,
                command_type: command_type.to_owned(),
                status,
            }),
        };
        self.push_log(telescope, entry);
    }

    /// Publishes the instrument's autofocus progress.
    pub fn publish_instrument(&mut self, telescope: usize, now: &Now) {
        let t = &self.telescopes[telescope];
        let snapshot = Arc::new(InstrumentSnapshot {
            instrument_uid: InstrumentUid(derived_uid(
                t.uid(),
                InstrumentType::OpticalImager.as_str(),
            )),
            instrument_type: InstrumentType::OpticalImager,
            telescope_uid: t.uid().clone(),
            device_uids: vec![
                Device::Ota.uid(t.uid()),
                Device::Camera.uid(t.uid()),
                Device::FilterWheel.uid(t.uid()),
            ],
            observed_at: now.timestamp(),
            state: InstrumentState {
                busy: t.busy.contains_key(&Device::Camera)
                    || t.autofocus.as_ref().is_some_and(|af| af.running),
                autofocus: t.autofocus.clone(),
            },
        });
        self.instruments.insert(t.uid().clone(), snapshot.clone());
        self.emit(Event::Instrument(snapshot));
    }

    /// Keeps a rendered preview for download.
    pub fn store_preview(&mut self, exposure_id: String, png: Vec<u8>) {
        if self.preview_order.len() == KEPT_PREVIEWS {
            if let Some(old) = self.preview_order.pop_front() {
                self.previews.remove(&old);
            }
        }
        self.preview_order.push_back(exposure_id.clone());
        self.previews.insert(exposure_id, Arc::new(png));
    }

    fn remember(&mut self, id: CommandId) {
        if self.accepted_order.len() == REMEMBERED_COMMANDS {
            if let Some(old) = self.accepted_order.pop_front() {
                self.accepted.remove(&old);
            }
        }
        self.accepted.insert(id);
        self.accepted_order.push_back(id);
    }

    /// Publishes a command's result and its `command` log entry.
    fn emit_result(
        &mut self,
        telescope: usize,
        command_id: CommandId,
        command_type: &str,
        outcome: Outcome,
        now: &Now,
    ) {
        let (status, data, error) = match outcome {
            Ok(data) => (CommandStatus::Ok, data, None),
            Err(error) => (CommandStatus::Error, None, Some(error)),
        };
        self.log_command(telescope, command_id, command_type, status.clone(), now);
        self.emit(Event::Result(Arc::new(CommandResult {
            command_id,
            status,
            data,
            error,
            telescope_uid: Some(self.telescopes[telescope].uid().clone()),
            finished_at: Some(now.timestamp()),
        })));
    }

    /// Stops a running command: its devices stop where they are and its
    /// result comes as `canceled`. False if it was not running.
    fn cancel_running(&mut self, id: CommandId, why: &str, now: &Now, clock: &Clock) -> bool {
        let Some(running) = self.running.remove(&id) else {
            return false;
        };
        if let Some(abort) = &running.abort {
            abort.abort();
        }
        let tel = running.telescope;
        let t = &mut self.telescopes[tel];
        for device in &running.devices {
            if t.busy.get(device) == Some(&id) {
                t.busy.remove(device);
            }
            match device {
                Device::Mount => t.mount.stop(now, clock),
                Device::Camera => t.camera.idle(),
                Device::Focuser => t.focuser.motion.stop(now.at),
                Device::FilterWheel => t.wheel.stop(),
                Device::Rotator => t.rotator.motion.stop(now.at),
                // Nothing in a tube moves.
                Device::Ota => {}
            }
        }
        let autofocus_stopped = match &mut t.autofocus {
            Some(af) if af.command_id == Some(id) && af.running => {
                af.running = false;
                true
            }
            _ => false,
        };
        // The instrument is no longer busy.
        if autofocus_stopped || running.devices.contains(&Device::Camera) {
            self.publish_instrument(tel, now);
        }
        self.emit(Event::Result(Arc::new(CommandResult {
            command_id: id,
            status: CommandStatus::Canceled,
            data: serde_json::to_value(CanceledData {
                reason: why.to_owned(),
            })
            .ok(),
            error: None,
            telescope_uid: Some(self.telescopes[tel].uid().clone()),
            finished_at: Some(now.timestamp()),
        })));
        let command_type = running.command_type.clone();
        self.log_command(tel, id, &command_type, CommandStatus::Canceled, now);
        true
    }

    /// Ends a telescope's lease and cancels the commands run under it.
    fn end_lease(&mut self, tel: usize, state: LeaseState, now: &Now, clock: &Clock) {
        let Some(mut lease) = self.telescopes[tel].lease.take() else {
            return;
        };
        lease.info.state = state.clone();
        let lease_id = lease.info.lease_id.clone();
        let doomed: Vec<CommandId> = self
            .running
            .iter()
            .filter(|(_, r)| r.lease_id.as_ref() == Some(&lease_id))
            .map(|(id, _)| *id)
            .collect();
        let why = format!("the lease {lease_id} was {state}");
        for id in doomed {
            self.cancel_running(id, &why, now, clock);
        }
        let message = format!(
            "the manual control lease of {} {state}; the telescope is back under remote control",
            lease.info.holder
        );
        self.emit(Event::Lease(Arc::new(lease.info)));
        self.emit(Event::Telescope(self.telescopes[tel].uid().clone()));
        self.log(tel, LogLevel::Info, message, now);
    }
}

struct Inner {
    world: World,
    authority: crate::oauth::Authority,
    clock: Clock,
    options: Options,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
}

/// The simulator: cheap to clone, shared by every socket and task.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

/// The minimum interval between snapshots of a device in motion.
const ACTIVE_INTERVAL: Duration = Duration::from_millis(90);
/// The interval of snapshots of a device at rest (also the freshness beat).
const IDLE_INTERVAL: Duration = Duration::from_secs(1);
/// How often the world is advanced and published.
const TICK: Duration = Duration::from_millis(100);

impl Simulator {
    /// Builds the world and starts its clock (needs a tokio runtime).
    pub fn start(world: World, options: Options) -> Self {
        let now = Instant::now();
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let telescopes = world
            .telescopes
            .iter()
            .map(|config| Telescope::new(config.clone(), now))
            .collect();
        let sim = Self {
            inner: Arc::new(Inner {
                clock: Clock::new(options.time_scale),
                state: Mutex::new(State {
                    telescopes,
                    running: HashMap::new(),
                    accepted: HashSet::new(),
                    accepted_order: VecDeque::new(),
                    previews: HashMap::new(),
                    preview_order: VecDeque::new(),
                    retained: HashMap::new(),
                    instruments: HashMap::new(),
                    events: events.clone(),
                }),
                events,
                authority: crate::oauth::Authority::new(
                    world.clients.clone(),
                    options.token_ttl,
                    options.code_ttl,
                ),
                world,
                options,
            }),
        };
        sim.tick();
        let period = sim.inner.options.tick();
        let weak = Arc::downgrade(&sim.inner);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                // The loop ends with the last handle to the simulator.
                let Some(inner) = weak.upgrade() else { break };
                Simulator { inner }.tick();
            }
        });
        sim
    }

    /// The world it simulates.
    pub fn world(&self) -> &World {
        &self.inner.world
    }

    /// The authorization server.
    pub fn authority(&self) -> &crate::oauth::Authority {
        &self.inner.authority
    }

    /// Closes the sockets of revoked grants (with `unauthorized`, 4401).
    pub fn revoked(&self, grants: Vec<u64>) {
        if !grants.is_empty() {
            let _ = self.inner.events.send(Event::Revoked(grants));
        }
    }

    /// Who a bearer token signs in: a live OAuth access token, or (unless
    /// `--no-dev-tokens`) a development token of the world file.
    pub fn authorize(&self, token: &str) -> Option<crate::oauth::Authorized> {
        if let Some(authorized) = self.inner.authority.authorize_access(token) {
            return Some(authorized);
        }
        if !self.inner.options.dev_tokens {
            return None;
        }
        self.inner
            .world
            .account_for_token(token)
            .map(|account| crate::oauth::Authorized {
                account: account.to_owned(),
                grant: None,
                expires: None,
            })
    }

    /// Its clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Its options.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// Puts a telescope in an owner's sustained manual mode, or back under
    /// remote control (SkyNet publishes no command for this; the simulator's
    /// test hook and world file set it). Going manual revokes a lease someone
    /// holds, canceling its commands. Errs for an unknown telescope.
    pub fn set_control_authority(
        &self,
        telescope: &TelescopeUid,
        mode: ControlAuthority,
    ) -> Result<(), String> {
        self.with(|st, now, clock| {
            let tel = st
                .telescopes
                .iter()
                .position(|t| t.uid() == telescope)
                .ok_or_else(|| format!("no telescope {telescope}"))?;
            let message = match mode {
                ControlAuthority::Manual => {
                    if st.telescopes[tel].lease.is_some() {
                        st.end_lease(tel, LeaseState::Revoked, now, clock);
                    }
                    let set_by = st.telescopes[tel]
                        .config
                        .owner()
                        .unwrap_or("owner")
                        .to_owned();
                    let message = format!("{set_by} holds the telescope in sustained manual mode");
                    st.telescopes[tel].manual_mode = Some(ManualMode {
                        set_by,
                        since: now.timestamp(),
                    });
                    message
                }
                ControlAuthority::Remote => {
                    st.telescopes[tel].manual_mode = None;
                    "sustained manual mode ended: the telescope is back under remote control".into()
                }
                ControlAuthority::Other(other) => return Err(format!("no mode `{other}`")),
            };
            st.emit(Event::Telescope(telescope.clone()));
            st.log(tel, LogLevel::Info, message, now);
            Ok(())
        })
    }

    /// Cuts the sockets of `account` (every socket when `None`); returns how
    /// many sockets were listening. A test hook.
    pub fn cut_sockets(&self, cut: Cut, account: Option<String>) -> usize {
        self.inner
            .events
            .send(Event::CutSockets(cut, account))
            .unwrap_or(0)
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Locks the state. A panic elsewhere never poisons it for good.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the state at one instant.
    pub fn with<T>(&self, f: impl FnOnce(&mut State, &Now, &Clock) -> T) -> T {
        let mut state = self.lock();
        let now = Now::read();
        f(&mut state, &now, &self.inner.clock)
    }

    /// The caller's access to a telescope, if it may see it.
    pub fn access(&self, account: &str, telescope: &TelescopeUid) -> Option<Access> {
        self.telescope_config(telescope)?
            .access
            .get(account)
            .cloned()
    }

    /// A telescope's configuration.
    pub fn telescope_config(&self, telescope: &TelescopeUid) -> Option<&TelescopeConfig> {
        self.inner
            .world
            .telescopes
            .iter()
            .find(|t| &t.telescope_uid == telescope)
    }

    /// A stored preview.
    pub fn preview(&self, exposure_id: &str) -> Option<Arc<Vec<u8>>> {
        self.lock().previews.get(exposure_id).cloned()
    }

    /// Advances the world: settles motions, lapses leases, enforces the
    /// altitude limit and publishes the device snapshots that are due.
    pub fn tick(&self) {
        let forced = self
            .inner
            .options
            .snapshot_period()
            .map(|period| period.saturating_sub(self.inner.options.tick() / 2));
        self.with(|st, now, clock| {
            for tel in 0..st.telescopes.len() {
                let t = &mut st.telescopes[tel];
                t.mount.settle(now.at);
                t.wheel.settle(now.at);
                if t.lease.as_ref().is_some_and(|l| now.at >= l.expires) {
                    st.end_lease(tel, LeaseState::Expired, now, clock);
                }
                let t = &mut st.telescopes[tel];
                if t.mount.is_tracking() {
                    let alt = t.mount.state(now, clock).alt_deg;
                    if alt < t.config.mount.min_altitude_deg {
                        t.mount.stop(now, clock);
                        let limit = t.config.mount.min_altitude_deg;
                        st.log(
                            tel,
                            LogLevel::Warning,
                            format!(
                                "tracking stopped: the target reached the {limit}° altitude limit"
                            ),
                            now,
                        );
                    }
                }
                for device in Device::ALL {
                    publish_if_due(st, tel, device, forced, now, clock);
                }
            }
        });
    }

    /// Handles `publish_command`: checks, records and starts the command.
    /// An `Err` is answered as an `error` message; the command does not run.
    pub fn publish(&self, account: &str, publish: PublishCommand) -> Result<(), ErrorMessage> {
        let id = publish.command_id;
        let error = |code: ErrorCode, message: String, details: Option<Value>| ErrorMessage {
            code,
            message,
            details,
            id: Some(id.to_string()),
        };
        let telescope = &publish.telescope_uid.clone();
        let Some(access) = self.access(account, telescope) else {
            return Err(error(
                ErrorCode::UnknownTelescope,
                format!("no telescope `{telescope}` is visible to {account}"),
                None,
            ));
        };
        let sim = self.clone();
        self.with(|st, now, clock| {
            let Some(tel) = st.telescopes.iter().position(|t| t.uid() == telescope) else {
                return Err(error(ErrorCode::UnknownTelescope, format!("no telescope `{telescope}`"), None));
            };
            if st.accepted.contains(&id) {
                return Err(error(
                    ErrorCode::DuplicateCommandId,
                    format!("a command with id {id} was already published; every command needs a fresh id"),
                    None,
                ));
            }
            let t = &st.telescopes[tel];
            if let Err(errors) = publish.validate(&t.validation_context()) {
                let first = &errors[0];
                let details = skynet_protocol::InvalidDetails {
                    field: Some(first.field.to_string()),
                    errors: errors
                        .iter()
                        .map(|e| skynet_protocol::FieldError {
                            field: e.field.to_string(),
                            message: e.message.to_string(),
                        })
                        .collect(),
                };
                return Err(error(
                    ErrorCode::InvalidMessage,
                    first.to_string(),
                    serde_json::to_value(details).ok(),
                ));
            }
            authorize(t, account, &access, &publish.command).map_err(|m| error(ErrorCode::Forbidden, m, None))?;
            st.remember(id);
            st.emit(Event::Command(Arc::new(PublishedCommand {
                command_id: id,
                telescope_uid: telescope.clone(),
                command: publish.command.clone(),
                origin: publish.origin.clone(),
                published_at: now.timestamp(),
                account: account.to_owned(),
            })));
            start(&sim, st, tel, id, account, publish.command, now, clock);
            Ok(())
        })
    }

    /// Handles `cancel_command`. `Ok` is answered by `ack`; the `canceled`
    /// result follows on the bus.
    pub fn cancel(&self, account: &str, id: CommandId) -> Result<(), ErrorMessage> {
        let error = |code: ErrorCode, message: String| ErrorMessage {
            code,
            message,
            details: None,
            id: Some(id.to_string()),
        };
        self.with(|st, now, clock| {
            let Some(running) = st.running.get(&id) else {
                return Err(if st.accepted.contains(&id) {
                    error(ErrorCode::NotCancelable, format!("command {id} has already finished"))
                } else {
                    error(ErrorCode::NotFound, format!("no command {id} is known"))
                });
            };
            let t = &st.telescopes[running.telescope];
            let may = running.account == account
                || t.config
                    .access
                    .get(account)
                    .is_some_and(Access::has_standing_authority);
            if !may {
                return Err(error(
                    ErrorCode::Forbidden,
                    format!("command {id} is {}'s; only its sender or the telescope's owner may cancel it", running.account),
                ));
            }
            st.cancel_running(id, &format!("canceled by {account}"), now, clock);
            Ok(())
        })
    }

    /// Completes a running command with its outcome, unless it was canceled
    /// first: exactly one result is ever published per command.
    pub fn finish(&self, id: CommandId, outcome: Outcome) {
        self.with(|st, now, _| {
            let Some(running) = st.running.remove(&id) else {
                return;
            };
            let t = &mut st.telescopes[running.telescope];
            for device in &running.devices {
                if t.busy.get(device) == Some(&id) {
                    t.busy.remove(device);
                }
            }
            if running.devices.contains(&Device::Camera) {
                st.publish_instrument(running.telescope, now);
            }
            st.emit_result(running.telescope, id, &running.command_type, outcome, now);
        });
    }

    /// The telescope summary as `account` sees it.
    pub fn telescope_snapshot(
        &self,
        telescope: &TelescopeUid,
        account: &str,
    ) -> Option<TelescopeSnapshot> {
        let access = self.access(account, telescope)?;
        let st = self.lock();
        let t = st.telescopes.iter().find(|t| t.uid() == telescope)?;
        Some(TelescopeSnapshot {
            telescope_uid: telescope.clone(),
            name: t.config.name.clone(),
            observatory_uid: t.config.observatory_uid.clone(),
            local_horizon: Vec::new(),
            site: t.config.site,
            control_authority: if t.lease.is_some() || t.manual_mode.is_some() {
                ControlAuthority::Manual
            } else {
                ControlAuthority::Remote
            },
            lease: t.lease.as_ref().map(|l| l.info.clone()),
            manual_mode: t.manual_mode.clone(),
            devices: Device::ALL
                .iter()
                .map(|d| DeviceSummary {
                    device_uid: d.uid(telescope),
                    device_type: d.device_type(),
                    name: d.name().to_owned(),
                })
                .collect(),
            access,
        })
    }

    /// The retained state of a telescope, for `include_existing`.
    pub fn retained(&self, telescope: &TelescopeUid) -> Retention {
        let st = self.lock();
        let Some(t) = st.telescopes.iter().find(|t| t.uid() == telescope) else {
            return Retention::default();
        };
        Retention {
            devices: Device::ALL
                .iter()
                .filter_map(|d| st.retained.get(&d.uid(telescope)))
                .map(|r| r.snapshot.clone())
                .collect(),
            instrument: st.instruments.get(telescope).cloned(),
            lease: t.lease.as_ref().map(|l| Arc::new(l.info.clone())),
            logs: t.logs.iter().cloned().collect(),
        }
    }
}

/// What a new subscription is sent at once.
#[derive(Default)]
pub struct Retention {
    /// The latest snapshot of each device.
    pub devices: Vec<Arc<DeviceSnapshot>>,
    /// The instrument's latest state.
    pub instrument: Option<Arc<InstrumentSnapshot>>,
    /// The active lease.
    pub lease: Option<Arc<LeaseInfo>>,
    /// The latest log entries.
    pub logs: Vec<Arc<TelescopeLogEntry>>,
}

/// Standing authority: the lease holder, or the owner or an operator. Lease
/// commands need only lease access; the owner's abort needs ownership.
fn authorize(
    t: &Telescope,
    account: &str,
    access: &Access,
    command: &Command,
) -> Result<(), String> {
    let uid = t.uid();
    match command {
        Command::LeaseAcquire(_) | Command::LeaseRenew(_) | Command::LeaseRelease(_) => {
            if access.may_lease() {
                Ok(())
            } else {
                Err(format!("{account} may watch {uid} but not take a manual control lease on it"))
            }
        }
        Command::AbortManualControl(_) => {
            if *access == Access::Owner {
                Ok(())
            } else {
                Err(format!("only the owner of {uid} may abort a manual control lease"))
            }
        }
        _ if access.has_standing_authority() || t.holder() == Some(account) => Ok(()),
        _ if t.manual_mode.is_some() => Err(format!(
            "{uid} is in sustained manual mode: only its owner and operators command it"
        )),
        _ => Err(match (t.holder(), access.may_lease()) {
            (Some(holder), _) => format!(
                "{account} has no standing authority on {uid}: its manual control lease is held by {holder}"
            ),
            (None, true) => {
                format!("{account} has no standing authority on {uid}: acquire a manual control lease first")
            }
            (None, false) => format!("{account} may watch {uid} but not command it"),
        }),
    }
}

/// Which devices a command needs.
fn devices_of(command: &Command) -> Vec<Device> {
    match command {
        Command::MountPoint(_) | Command::MountTrack(_) | Command::MountOffsetRelative(_) => {
            vec![Device::Mount]
        }
        Command::CameraExposureStart(c) if c.filter_id.is_some() => {
            vec![Device::Camera, Device::FilterWheel]
        }
        Command::CameraExposureStart(_) => vec![Device::Camera],
        Command::ImagerAutofocus(_) => vec![Device::Camera, Device::Focuser, Device::FilterWheel],
        Command::FilterWheelSetOption(_) => vec![Device::FilterWheel],
        Command::FocuserMoveAbsolute(_)
        | Command::FocuserMoveRelative(_)
        | Command::FocusMoveAbsolute(_)
        | Command::FocusMoveRelative(_) => vec![Device::Focuser],
        Command::RotatorMoveAbsolute(_) | Command::RotatorMoveRelative(_) => vec![Device::Rotator],
        _ => Vec::new(),
    }
}

/// Starts an accepted command: lease commands complete at once; the others
/// claim their devices and run as a task.
#[allow(clippy::too_many_arguments)]
fn start(
    sim: &Simulator,
    st: &mut State,
    tel: usize,
    id: CommandId,
    account: &str,
    command: Command,
    now: &Now,
    clock: &Clock,
) {
    if command.is_authority_command() {
        let outcome = lease_command(st, tel, account, &command, now, clock);
        st.emit_result(tel, id, command.tag(), outcome, now);
        return;
    }
    let devices = devices_of(&command);
    // A new mount command supersedes the running one; other devices refuse.
    for device in &devices {
        let Some(&holder) = st.telescopes[tel].busy.get(device) else {
            continue;
        };
        if *device == Device::Mount
            && st
                .running
                .get(&holder)
                .is_some_and(|r| r.devices == [Device::Mount])
        {
            st.cancel_running(holder, &format!("superseded by command {id}"), now, clock);
        } else {
            let name = device.name().to_lowercase();
            let outcome = Err(ErrorBody::new(
                ErrorCode::Busy,
                format!("the {name} is busy with command {holder}; wait for it or cancel it"),
            ));
            st.emit_result(tel, id, command.tag(), outcome, now);
            return;
        }
    }
    let t = &mut st.telescopes[tel];
    for device in &devices {
        t.busy.insert(*device, id);
    }
    if devices.contains(&Device::Camera) {
        // The instrument is busy from now on.
        st.publish_instrument(tel, now);
    }
    let t = &mut st.telescopes[tel];
    let lease_id = t
        .lease
        .as_ref()
        .filter(|l| l.info.holder == account)
        .map(|l| l.info.lease_id.clone());
    st.running.insert(
        id,
        Running {
            telescope: tel,
            command_type: command.tag().to_owned(),
            account: account.to_owned(),
            lease_id,
            devices,
            abort: None,
        },
    );
    let task_sim = sim.clone();
    let handle = tokio::spawn(async move {
        let outcome = crate::exec::run(&task_sim, tel, id, command).await;
        task_sim.finish(id, outcome);
    });
    if let Some(running) = st.running.get_mut(&id) {
        running.abort = Some(handle.abort_handle());
    }
}

/// The lease and system commands, which complete at once.
fn lease_command(
    st: &mut State,
    tel: usize,
    account: &str,
    command: &Command,
    now: &Now,
    clock: &Clock,
) -> Outcome {
    let lease_data = |lease: &Lease, duration_s: f64| {
        serde_json::to_value(LeaseData {
            lease_id: lease.info.lease_id.clone(),
            expires_at: lease.info.expires_at.clone(),
            duration_s,
        })
        .ok()
    };
    let not_found = |lease_id: &LeaseId| {
        Err(ErrorBody::new(
            ErrorCode::LeaseNotFound,
            format!("no active lease {lease_id} of yours on this telescope"),
        ))
    };
    let uid = st.telescopes[tel].uid().clone();
    match command {
        Command::LeaseAcquire(c) => {
            let t = &mut st.telescopes[tel];
            let standing = t
                .config
                .access
                .get(account)
                .is_some_and(Access::has_standing_authority);
            if let (Some(mode), false) = (&t.manual_mode, standing) {
                return Err(ErrorBody::new(
                    ErrorCode::ManualMode,
                    format!(
                        "{uid} is in sustained manual mode (set by {} at {}): no lease can be taken",
                        mode.set_by, mode.since
                    ),
                ));
            }
            if let Some(lease) = &t.lease {
                if lease.info.holder != account {
                    return Err(ErrorBody::new(
                        ErrorCode::LeaseHeld,
                        format!(
                            "{uid} is leased to {} until {}",
                            lease.info.holder, lease.info.expires_at
                        ),
                    )
                    .with_typed_details(&skynet_protocol::LeaseHeldDetails {
                        holder: lease.info.holder.clone(),
                        expires_at: lease.info.expires_at.clone(),
                        lease_id: lease.info.lease_id.clone(),
                    }));
                }
            }
            let expires = now.at + clock.real(c.duration_s);
            let renewed = t.lease.is_some();
            let lease = t.lease.get_or_insert_with(|| Lease {
                info: LeaseInfo {
                    lease_id: LeaseId(uuid::Uuid::new_v4().to_string()),
                    telescope_uid: uid.clone(),
                    holder: account.to_owned(),
                    state: LeaseState::Active,
                    expires_at: now.timestamp_at(expires),
                    purpose: c.purpose.clone(),
                },
                expires,
            });
            lease.expires = expires;
            lease.info.expires_at = now.timestamp_at(expires);
            if c.purpose.is_some() {
                lease.info.purpose = c.purpose.clone();
            }
            let lease = lease.clone();
            st.emit(Event::Lease(Arc::new(lease.info.clone())));
            st.emit(Event::Telescope(uid.clone()));
            let verb = if renewed { "extended" } else { "acquired" };
            st.log(
                tel,
                LogLevel::Info,
                format!(
                    "{account} {verb} a manual control lease until {}",
                    lease.info.expires_at
                ),
                now,
            );
            Ok(lease_data(&lease, c.duration_s))
        }
        Command::LeaseRenew(c) => {
            let t = &mut st.telescopes[tel];
            let Some(lease) = t
                .lease
                .as_mut()
                .filter(|l| l.info.lease_id == c.lease_id && l.info.holder == account)
            else {
                return not_found(&c.lease_id);
            };
            lease.expires = now.at + clock.real(c.duration_s);
            lease.info.expires_at = now.timestamp_at(lease.expires);
            let lease = lease.clone();
            st.emit(Event::Lease(Arc::new(lease.info.clone())));
            st.emit(Event::Telescope(uid));
            Ok(lease_data(&lease, c.duration_s))
        }
        Command::LeaseRelease(c) => {
            let t = &st.telescopes[tel];
            if !t
                .lease
                .as_ref()
                .is_some_and(|l| l.info.lease_id == c.lease_id && l.info.holder == account)
            {
                return not_found(&c.lease_id);
            }
            st.end_lease(tel, LeaseState::Released, now, clock);
            Ok(serde_json::to_value(skynet_protocol::LeaseEndedData {
                lease_id: c.lease_id.clone(),
            })
            .ok())
        }
        Command::AbortManualControl(c) => {
            let t = &st.telescopes[tel];
            if t.lease
                .as_ref()
                .is_none_or(|l| l.info.lease_id != c.lease_id)
            {
                return Err(ErrorBody::new(
                    ErrorCode::LeaseNotFound,
                    format!("no active lease {} on this telescope", c.lease_id),
                ));
            }
            st.end_lease(tel, LeaseState::Revoked, now, clock);
            Ok(serde_json::to_value(skynet_protocol::LeaseEndedData {
                lease_id: c.lease_id.clone(),
            })
            .ok())
        }
        _ => Err(ErrorBody::new(ErrorCode::Internal, "not a lease command")),
    }
}

/// Publishes a device's snapshot when it changed (at most every 90 ms while
/// it moves, every second at rest) and at least every second.
/// Publishes a device's snapshot when it is due: on change (at most every
/// [`ACTIVE_INTERVAL`] while in motion), at least every [`IDLE_INTERVAL`], and
/// whenever `forced` has passed since the last one.
fn publish_if_due(
    st: &mut State,
    tel: usize,
    device: Device,
    forced: Option<Duration>,
    now: &Now,
    clock: &Clock,
) {
    let t = &st.telescopes[tel];
    let uid = device.uid(t.uid());
    let state = t.device_state(device, now, clock);
    let previous = st.retained.get(&uid);
    let due = match previous {
        None => true,
        Some(prev) => {
            let since = now.at.saturating_duration_since(prev.at);
            let active = is_active(&state) || is_active(&prev.snapshot.state);
            since >= IDLE_INTERVAL
                || forced.is_some_and(|f| since >= f)
                || (active && since >= ACTIVE_INTERVAL && prev.snapshot.state != state)
        }
    };
    if !due {
        return;
    }
    let snapshot = Arc::new(DeviceSnapshot {
        device_uid: uid.clone(),
        device_type: device.device_type(),
        telescope_uid: Some(t.uid().clone()),
        observatory_uid: t.config.observatory_uid.clone(),
        observed_at: now.timestamp(),
        state,
    });
    st.retained.insert(
        uid,
        Retained {
            snapshot: snapshot.clone(),
            at: now.at,
        },
    );
    st.emit(Event::Device(snapshot));
}

/// A device in motion, whose snapshots go out at the fast rate.
fn is_active(state: &DeviceState) -> bool {
    match state {
        DeviceState::Mount(m) => m.slewing || m.offset_pattern.is_some(),
        DeviceState::Focuser(f) => f.moving,
        DeviceState::Camera(c) => c.exposure_state != skynet_protocol::ExposureState::Idle,
        DeviceState::FilterWheel(w) => w.moving,
        DeviceState::Rotator(r) => r.moving,
        DeviceState::Enclosure(e) => e.moving,
        DeviceState::Ota(_) | DeviceState::Weather(_) | DeviceState::Other(_) => false,
    }
}
