//! The simulator's state and its clockwork: the telescopes, running
//! commands, publishing, canceling and finishing them, and the tick that
//! advances the world. One mutex guards the state; it is never held across
//! an await.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use skynet_protocol::{
    Access, CanceledData, Command, CommandId, CommandResult, CommandStatus, ControlAuthority,
    DeviceSummary, DeviceUid, ErrorBody, ErrorCode, ErrorMessage, InstrumentSnapshot, LeaseId,
    LeaseState, LogLevel, ObservatoryUid, PublishCommand, TelescopeSnapshot, TelescopeUid,
};
use tokio::sync::broadcast;

use crate::authority::{authorize, lease_command};
pub use crate::bus::{Cut, Event, PublishedCommand, Retention};
use crate::clock::{Clock, Now};
use crate::interlock::Interlock;
use crate::observatory::{Observatory, ObservatoryDevice};
use crate::publish::{publish_if_due, publish_observatory_if_due, Retained};
use crate::safety::Constraint;
pub use crate::telescope::{Device, Telescope};
use crate::weather::Scenario;
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
    /// The weather every observatory lives in (`--weather`).
    pub weather: Arc<Scenario>,
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
            // Tests meet no shower unless they ask for one.
            weather: Arc::new(Scenario::clear()),
        }
    }
}

/// A command under way.
pub(crate) struct Running {
    pub(crate) telescope: usize,
    /// The command's `command_type`, for the log.
    pub(crate) command_type: String,
    pub(crate) account: String,
    pub(crate) lease_id: Option<LeaseId>,
    pub(crate) devices: Vec<Device>,
    pub(crate) abort: Option<tokio::task::AbortHandle>,
}

/// Everything the mutex guards.
pub struct State {
    /// The telescopes, in world order.
    pub telescopes: Vec<Telescope>,
    pub(crate) running: HashMap<CommandId, Running>,
    accepted: HashSet<CommandId>,
    accepted_order: VecDeque<CommandId>,
    previews: HashMap<String, Arc<Vec<u8>>>,
    preview_order: VecDeque<String>,
    pub(crate) retained: HashMap<DeviceUid, Retained>,
    pub(crate) instruments: HashMap<TelescopeUid, Arc<InstrumentSnapshot>>,
    pub(crate) events: broadcast::Sender<Event>,
    /// The observatories, in world order.
    pub observatories: Vec<Observatory>,
    /// Every constraint, observatory level and telescope level.
    pub constraints: Vec<Constraint>,
    /// The interlocks: one per observatory, one per telescope with
    /// interlock constraints of its own.
    pub interlocks: Vec<Interlock>,
}

/// Command ids remembered for `duplicate_command_id` and `not_cancelable`.
const REMEMBERED_COMMANDS: usize = 100_000;
/// Exposure previews kept for download.
const KEPT_PREVIEWS: usize = 256;
/// Events buffered per socket before it counts as too slow.
const EVENT_BUFFER: usize = 4096;

/// The outcome of a command: result data, or an error body.
pub type Outcome = Result<Option<Value>, ErrorBody>;

impl State {
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
    pub(crate) fn emit_result(
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
    pub(crate) fn cancel_running(
        &mut self,
        id: CommandId,
        why: &str,
        now: &Now,
        clock: &Clock,
    ) -> bool {
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

/// How often the world is advanced and published.
const TICK: Duration = Duration::from_millis(100);

impl Simulator {
    /// Builds the world and starts its clock (needs a tokio runtime).
    pub fn start(world: World, options: Options) -> Self {
        let now = Instant::now();
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let telescopes: Vec<Telescope> = world
            .telescopes
            .iter()
            .map(|config| Telescope::new(config.clone(), now))
            .collect();
        let observatories = world
            .observatories()
            .into_iter()
            .map(|config| {
                let members: Vec<usize> = (0..telescopes.len())
                    .filter(|&i| {
                        telescopes[i].config.observatory_uid.as_ref()
                            == Some(&config.observatory_uid)
                    })
                    .collect();
                let site = members
                    .first()
                    .map_or(skydeck_astro::coords::Site::new(0.0, 0.0, 0.0), |&i| {
                        telescopes[i].site
                    });
                Observatory::new(config, members, site, options.weather.clone(), now)
            })
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
                    observatories,
                    constraints: Vec::new(),
                    interlocks: Vec::new(),
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
        sim.with(|st, now, _| st.build_safety(now));
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

    /// Whether the account may see some telescope of an observatory.
    pub fn sees_observatory(&self, account: &str, observatory: &ObservatoryUid) -> bool {
        self.inner.world.telescopes.iter().any(|t| {
            t.observatory_uid.as_ref() == Some(observatory) && t.access.contains_key(account)
        })
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
                    let state = t.mount.state(now, clock);
                    let limit = t.mount.limit_at(&t.config.local_horizon, state.az_deg);
                    if state.alt_deg < limit {
                        t.mount.stop(now, clock);
                        st.log(
                            tel,
                            LogLevel::Warning,
                            format!(
                                "tracking stopped: the target reached the {limit:.1}° limit at azimuth {:.1}°",
                                state.az_deg
                            ),
                            now,
                        );
                    }
                }
                for device in Device::ALL {
                    publish_if_due(st, tel, device, forced, now, clock);
                }
            }
            st.evaluate_constraints(now, clock);
            st.update_interlocks(now, clock);
            st.log_safe_state(now, clock);
            for o in 0..st.observatories.len() {
                for device in ObservatoryDevice::ALL {
                    publish_observatory_if_due(st, o, device, forced, now, clock);
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
            // Under a shutdown interlock only a lease's release and an
            // owner's abort (authorized above) are taken; cancels come
            // through `cancel`.
            if !matches!(publish.command, Command::LeaseRelease(_) | Command::AbortManualControl(_)) {
                st.refuse_if_interlocked(tel, id, publish.command.tag(), now)?;
            }
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
            local_horizon: t.config.local_horizon.clone(),
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
