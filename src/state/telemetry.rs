//! Live device snapshots per telescope, each stamped with when it arrived so
//! a view can show its age and grey it out when stale.

use rustc_hash::FxHashMap as HashMap;

use skynet_protocol::{
    AutofocusProgress, CameraState, DeviceSnapshot, DeviceState, EnclosureState, FilterWheelState,
    FocuserState, InstrumentSnapshot, MountState, ObservatoryUid, OtaState, RotatorState,
    TelescopeUid, WeatherState,
};

use super::inbox::Changed;
use super::time::{push_stepped, Millis};

/// A snapshot is stale when nothing newer came for this long.
pub const STALE_AFTER_MS: Millis = 10_000.0;

/// A value and when this tab received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamped<T> {
    /// The latest value.
    pub value: T,
    /// When it arrived.
    pub received_at: Millis,
}

impl<T> Stamped<T> {
    /// How old the value is at `now`.
    pub fn age_ms(&self, now: Millis) -> Millis {
        (now - self.received_at).max(0.0)
    }

    /// Stale: too old, or its socket is down (so no update could come).
    pub fn is_stale(&self, now: Millis, socket_open: bool) -> bool {
        !socket_open || self.age_ms(now) > STALE_AFTER_MS
    }
}

/// Everything live about one telescope's devices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceSet {
    /// The mount.
    pub mount: Option<Stamped<MountState>>,
    /// The focuser.
    pub focuser: Option<Stamped<FocuserState>>,
    /// The camera.
    pub camera: Option<Stamped<CameraState>>,
    /// The filter wheel.
    pub filter_wheel: Option<Stamped<FilterWheelState>>,
    /// The instrument rotator.
    pub rotator: Option<Stamped<RotatorState>>,
    /// The optical tube: its optics.
    pub ota: Option<Stamped<OtaState>>,
    /// The imaging instrument's autofocus, running or last.
    pub autofocus: Option<Stamped<AutofocusProgress>>,
    /// The session's autofocus runs, oldest first (at most [`AUTOFOCUS_RUNS`]).
    pub autofocus_runs: Vec<AutofocusProgress>,
    /// Recent focuser positions, µm, oldest first.
    pub focuser_history: History,
    /// Recent rotator angles, degrees, oldest first.
    pub rotator_history: History,
    /// Where the mount has pointed, for the sky view's slew path.
    pub trail: super::sky::Trail,
}

/// Everything live about an observatory's own devices, which its
/// telescopes share: the weather sensor and the enclosure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteDevices {
    /// Their latest snapshots.
    pub readings: SiteReadings,
    /// Recent weather readings, for the trends.
    pub trends: WeatherTrends,
}

/// An observatory's own devices as they are now (what a view of them follows
/// at every snapshot; the trends it follows slower).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteReadings {
    /// The weather sensor.
    pub weather: Option<Stamped<WeatherState>>,
    /// The dome or roof.
    pub enclosure: Option<Stamped<EnclosureState>>,
}

/// Every observatory's own devices seen, by observatory: they change
/// slowly, so they live apart from the telescopes' fast telemetry and a view
/// of the weather does not follow every mount snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sites {
    sites: HashMap<ObservatoryUid, SiteDevices>,
    /// Observatory devices whose snapshot named no observatory.
    pub unplaced: u64,
}

impl Sites {
    /// Whether a snapshot is of an observatory's own device.
    pub fn is_site_device(snapshot: &DeviceSnapshot) -> bool {
        matches!(
            snapshot.state,
            DeviceState::Weather(_) | DeviceState::Enclosure(_)
        )
    }

    /// Takes a weather sensor's or an enclosure's snapshot (others are
    /// ignored).
    pub fn on_device(&mut self, snapshot: DeviceSnapshot, now: Millis) {
        if !Self::is_site_device(&snapshot) {
            return;
        }
        let Some(observatory) = snapshot.observatory_uid else {
            self.unplaced += 1;
            return;
        };
        let site = self.sites.entry(observatory).or_default();
        match snapshot.state {
            DeviceState::Weather(w) => {
                site.trends.push(now, &w);
                site.readings.weather = Some(Stamped {
                    value: w,
                    received_at: now,
                });
            }
            DeviceState::Enclosure(e) => {
                site.readings.enclosure = Some(Stamped {
                    value: e,
                    received_at: now,
                });
            }
            _ => {}
        }
    }

    /// Runs `f` on an observatory's own devices (empty when none seen).
    pub fn with_site<R>(
        &self,
        observatory: &ObservatoryUid,
        f: impl FnOnce(&SiteDevices) -> R,
    ) -> R {
        match self.sites.get(observatory) {
            Some(site) => f(site),
            None => f(&SiteDevices::default()),
        }
    }
}

/// Recent weather readings, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeatherTrends {
    /// Air temperature, °C.
    pub temperature_c: History,
    /// Relative humidity, percent.
    pub humidity_pct: History,
    /// Mean wind, m/s.
    pub wind_speed_m_s: History,
    /// Gusts, m/s.
    pub wind_gust_m_s: History,
    /// Cloud cover, percent.
    pub cloud_cover_pct: History,
}

impl WeatherTrends {
    fn push(&mut self, at: Millis, w: &WeatherState) {
        let add = |history: &mut History, value: Option<f64>| {
            if let Some(value) = value {
                history.push(at, value);
            }
        };
        add(&mut self.temperature_c, w.temperature_c);
        add(&mut self.humidity_pct, w.humidity_pct);
        add(&mut self.wind_speed_m_s, w.wind_speed_m_s);
        add(&mut self.wind_gust_m_s, w.wind_gust_m_s);
        add(&mut self.cloud_cover_pct, w.cloud_cover_pct);
    }
}

/// How far back a history reaches.
pub const HISTORY_SPAN_MS: Millis = 5.0 * 60_000.0;
/// At most this many points in a history.
pub const HISTORY_POINTS: usize = 300;
/// A history's step: a new point starts once this long has passed since the
/// point before the newest, so its points span [`HISTORY_SPAN_MS`] however
/// fast snapshots come.
pub const HISTORY_STEP_MS: Millis = HISTORY_SPAN_MS / HISTORY_POINTS as Millis;

/// A bounded history of `(received_at, value)`: the last [`HISTORY_SPAN_MS`],
/// at most [`HISTORY_POINTS`] points, about [`HISTORY_STEP_MS`] apart; until
/// a step has passed the newest point moves to each new value, so it is
/// always the latest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    points: std::collections::VecDeque<(Millis, f64)>,
}

impl History {
    /// Adds a point (or moves the newest one, within a step of the one
    /// before it) and drops what is too old or too many.
    pub fn push(&mut self, at: Millis, value: f64) {
        if !value.is_finite() {
            return;
        }
        if !push_stepped(&mut self.points, (at, value), |p| p.0, HISTORY_STEP_MS) {
            return;
        }
        while self.points.len() > HISTORY_POINTS
            || self
                .points
                .front()
                .is_some_and(|(t, _)| at - t > HISTORY_SPAN_MS)
        {
            self.points.pop_front();
        }
    }

    /// The points, oldest first.
    pub fn points(&self) -> Vec<(Millis, f64)> {
        self.points.iter().copied().collect()
    }
}

/// Autofocus runs kept for comparison.
pub const AUTOFOCUS_RUNS: usize = 5;

/// Device snapshots of every telescope seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Telemetry {
    telescopes: HashMap<TelescopeUid, DeviceSet>,
    /// Snapshots whose state this version could not type (other device types).
    pub untyped: u64,
}

impl Telemetry {
    /// No snapshots yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The devices of one telescope (empty when none seen), as a copy: for
    /// tests; views borrow through [`Telemetry::with_devices`].
    #[cfg(test)]
    pub fn devices(&self, telescope: &TelescopeUid) -> DeviceSet {
        self.telescopes.get(telescope).cloned().unwrap_or_default()
    }

    /// Runs `f` on the devices of one telescope (empty when none seen)
    /// without copying them: views read a field or two on every snapshot,
    /// and a set carries histories of hundreds of points.
    pub fn with_devices<R>(&self, telescope: &TelescopeUid, f: impl FnOnce(&DeviceSet) -> R) -> R {
        match self.telescopes.get(telescope) {
            Some(set) => f(set),
            None => f(&DeviceSet::default()),
        }
    }

    /// Takes a device snapshot of a telescope's device. An observatory's
    /// own devices go to [`Sites`]; one that names no telescope is counted
    /// with the untyped.
    pub fn on_device(&mut self, snapshot: DeviceSnapshot, now: Millis) {
        let Some(telescope) = snapshot.telescope_uid else {
            self.untyped += 1;
            return;
        };
        let set = self.telescopes.entry(telescope).or_default();
        fn stamp<T>(value: T, now: Millis) -> Option<Stamped<T>> {
            Some(Stamped {
                value,
                received_at: now,
            })
        }
        match snapshot.state {
            DeviceState::Mount(s) => {
                set.trail.push(now, &s);
                set.mount = stamp(s, now);
            }
            DeviceState::Focuser(s) => {
                set.focuser_history.push(now, s.position_um);
                set.focuser = stamp(s, now);
            }
            DeviceState::Camera(s) => set.camera = stamp(s, now),
            DeviceState::FilterWheel(s) => set.filter_wheel = stamp(s, now),
            DeviceState::Rotator(s) => {
                set.rotator_history.push(now, s.angle_deg);
                set.rotator = stamp(s, now);
            }
            DeviceState::Ota(s) => set.ota = stamp(s, now),
            // An observatory's, sent with a telescope's uid: kept by Sites.
            DeviceState::Weather(_) | DeviceState::Enclosure(_) => {}
            DeviceState::Other(_) => self.untyped += 1,
        }
    }

    /// Takes an instrument snapshot: the imager's autofocus progress lives
    /// in its `state.autofocus`. A run is told from the last by its command
    /// id when the server names one, else by starting over (fewer samples,
    /// another filter or strategy).
    pub fn on_instrument(&mut self, snapshot: InstrumentSnapshot, now: Millis) {
        let set = self.telescopes.entry(snapshot.telescope_uid).or_default();
        let Some(autofocus) = snapshot.state.autofocus else {
            return;
        };
        let same_run = |run: &AutofocusProgress| match (run.command_id, autofocus.command_id) {
            (Some(a), Some(b)) => a == b,
            (None, None) => {
                run.filter_id == autofocus.filter_id
                    && run.strategy == autofocus.strategy
                    && run.samples.len() <= autofocus.samples.len()
            }
            _ => false,
        };
        // Only the latest run can be the same one continuing when no id
        // says otherwise.
        let at = match autofocus.command_id {
            Some(_) => set.autofocus_runs.iter().position(same_run),
            None => set
                .autofocus_runs
                .last()
                .filter(|run| same_run(run))
                .map(|_| set.autofocus_runs.len() - 1),
        };
        match at {
            Some(at) => set.autofocus_runs[at] = autofocus.clone(),
            None => {
                set.autofocus_runs.push(autofocus.clone());
                if set.autofocus_runs.len() > AUTOFOCUS_RUNS {
                    set.autofocus_runs.remove(0);
                }
            }
        }
        set.autofocus = Some(Stamped {
            value: autofocus,
            received_at: now,
        });
    }
}

/// The devices whose merged state changed since the views last updated, by
/// key, with when the latest delivery arrived. Frames can come far faster
/// than a screen shows them; the console decodes and applies these once per
/// animation frame.
#[derive(Debug, Default)]
pub struct PendingDevices {
    latest: Changed<String>,
    frame_requested: bool,
    timer_armed: bool,
}

/// What the caller should schedule after [`PendingDevices::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schedule {
    /// Request an animation frame that applies the pending snapshots.
    pub frame: bool,
    /// Arm the backstop timer (animation frames do not run in a hidden tab).
    pub timer: bool,
}

impl PendingDevices {
    /// Notes that device `key` changed at `at` (once per device: a later
    /// change moves its time on); says what to schedule so that it is
    /// applied (nothing when already asked).
    pub fn push(&mut self, key: String, at: Millis) -> Schedule {
        self.latest.note(key, at);
        let schedule = Schedule {
            frame: !self.frame_requested,
            timer: !self.timer_armed,
        };
        self.frame_requested = true;
        self.timer_armed = true;
        schedule
    }

    /// The changed devices, first changed first; the animation frame that
    /// was requested has run.
    pub fn take_for_frame(&mut self) -> Vec<(String, Millis)> {
        self.frame_requested = false;
        self.latest.take()
    }

    /// The changed devices; the backstop timer has fired.
    pub fn take_for_timer(&mut self) -> Vec<(String, Millis)> {
        self.timer_armed = false;
        self.latest.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observatorys_weather_and_enclosure_go_with_the_observatory() {
        let weather = |obs: Option<&str>, wind: f64| -> DeviceSnapshot {
            serde_json::from_value(serde_json::json!({
                "device_uid": "w", "device_type": "weather_sensor", "telescope_uid": null,
                "observatory_uid": obs, "observed_at": "2026-12-03T01:00:00Z",
                "state": {"wind_speed_m_s": wind, "rain": false}
            }))
            .expect("a weather snapshot")
        };
        let mut sites = Sites::default();
        let obs = ObservatoryUid::from("obs");
        sites.on_device(weather(Some("obs"), 4.0), 1.0);
        sites.on_device(weather(Some("obs"), 6.0), 2.0);
        sites.on_device(weather(None, 9.0), 3.0);
        sites.with_site(&obs, |s| {
            let w = &s.readings.weather.as_ref().expect("the weather").value;
            assert_eq!(
                (w.wind_speed_m_s, w.rain, w.humidity_pct),
                (Some(6.0), Some(false), None)
            );
            assert_eq!(s.trends.wind_speed_m_s.points(), [(1.0, 4.0), (2.0, 6.0)]);
            assert!(s.trends.humidity_pct.points().is_empty());
        });
        assert_eq!(sites.unplaced, 1);
        // The telescopes' telemetry does not keep them.
        let mut telemetry = Telemetry::new();
        telemetry.on_device(weather(Some("obs"), 4.0), 1.0);
        assert_eq!(telemetry.untyped, 1, "no telescope named");
    }
    use skynet_protocol::{DeviceType, DeviceUid, Timestamp};

    #[test]
    fn pending_devices_are_kept_once_each_and_asked_for_once() {
        let mut pending = PendingDevices::default();
        let focuser = || "tel-a-focuser".to_owned();
        assert_eq!(
            pending.push(focuser(), 10.0),
            Schedule {
                frame: true,
                timer: true
            }
        );
        assert_eq!(pending.push(focuser(), 11.0), Schedule::default());
        pending.push("tel-b-focuser".into(), 12.0);
        let taken = pending.take_for_frame();
        assert_eq!(
            taken,
            [(focuser(), 11.0), ("tel-b-focuser".into(), 12.0)],
            "one per device, stamped with its latest arrival"
        );
        // The frame ran; the timer is still armed.
        assert_eq!(
            pending.push(focuser(), 20.0),
            Schedule {
                frame: true,
                timer: false
            }
        );
        assert_eq!(pending.take_for_timer().len(), 1);
        assert!(pending.take_for_frame().is_empty());
        assert!(pending.push(focuser(), 30.0).timer, "re-armed after firing");
    }

    fn focuser(position_um: f64) -> DeviceSnapshot {
        DeviceSnapshot {
            device_uid: DeviceUid("tel-a-focuser".into()),
            device_type: DeviceType::Focuser,
            telescope_uid: Some(TelescopeUid("tel-a".into())),
            observatory_uid: None,
            observed_at: Timestamp("2026-11-24T21:04:05Z".into()),
            state: DeviceState::Focuser(FocuserState {
                position_um,
                moving: false,
                temperature_c: 4.0,
            }),
        }
    }

    #[test]
    fn a_snapshot_goes_stale_after_ten_seconds_or_when_its_socket_drops() {
        let mut t = Telemetry::new();
        t.on_device(focuser(24_000.0), 1_000.0);
        let f = t.devices(&TelescopeUid("tel-a".into())).focuser.unwrap();
        assert_eq!(f.value.position_um, 24_000.0);
        assert!(!f.is_stale(11_000.0, true));
        assert!(f.is_stale(11_001.0, true));
        assert!(f.is_stale(1_500.0, false));
        assert_eq!(f.age_ms(500.0), 0.0);
    }

    #[test]
    fn histories_are_bounded_in_time_and_length() {
        let mut h = History::default();
        for i in 0..1000 {
            h.push(f64::from(i) * HISTORY_STEP_MS, f64::from(i));
        }
        let points = h.points();
        assert_eq!(points.len(), HISTORY_POINTS);
        let last = 999.0 * HISTORY_STEP_MS;
        assert_eq!(points.last(), Some(&(last, 999.0)));
        h.push(last + HISTORY_SPAN_MS + 1.0, 5.0);
        assert_eq!(
            h.points().len(),
            1,
            "everything older than the span is gone"
        );
        h.push(1e9, f64::NAN);
        assert_eq!(h.points().len(), 1, "not a number is not a point");

        let mut t = Telemetry::new();
        t.on_device(focuser(1.0), 0.0);
        t.on_device(focuser(2.0), 1.0);
        assert_eq!(
            t.devices(&TelescopeUid("tel-a".into()))
                .focuser_history
                .points(),
            [(0.0, 1.0), (1.0, 2.0)]
        );
    }

    #[test]
    fn histories_keep_a_step_between_points_and_the_latest_value_last() {
        let mut h = History::default();
        // Snapshots ten times a step: one point a step, the newest moving.
        for i in 0..=30 {
            h.push(f64::from(i) * HISTORY_STEP_MS / 10.0, f64::from(i));
        }
        let points = h.points();
        assert_eq!(points.first(), Some(&(0.0, 0.0)));
        assert_eq!(
            points.last(),
            Some(&(3.0 * HISTORY_STEP_MS, 30.0)),
            "the latest"
        );
        assert!(points.len() <= 5, "{points:?}");
        // About a step apart: at least a step less the time between
        // snapshots.
        for pair in points.windows(3) {
            assert!(pair[1].0 - pair[0].0 >= 0.9 * HISTORY_STEP_MS, "{points:?}");
        }
        // So a fast stream spans the whole history, not its last seconds.
        let mut fast = History::default();
        for i in 0..100_000 {
            fast.push(f64::from(i) * 10.0, 1.0);
        }
        let points = fast.points();
        let span = points.last().unwrap().0 - points.first().unwrap().0;
        assert!(span >= 0.95 * HISTORY_SPAN_MS, "{span}");
    }

    #[test]
    fn autofocus_runs_are_kept_by_command_for_comparison() {
        use skynet_protocol::{
            AutofocusSample, AutofocusStrategy, CommandId, InstrumentSnapshot, InstrumentState,
            InstrumentType, InstrumentUid,
        };
        let mut t = Telemetry::new();
        let uid = TelescopeUid("tel-a".into());
        let ids: Vec<CommandId> = (0..7).map(|_| CommandId::new_v4()).collect();
        let snapshot = |id: Option<CommandId>, samples: usize| InstrumentSnapshot {
            instrument_uid: InstrumentUid("5d7c1e8a-3b2f-4c6d-9e0a-1b2c3d4e5f60".into()),
            instrument_type: InstrumentType::OpticalImager,
            telescope_uid: uid.clone(),
            device_uids: vec![],
            observed_at: Timestamp("2026-11-24T21:04:05Z".into()),
            state: InstrumentState {
                busy: true,
                autofocus: Some(AutofocusProgress {
                    command_id: id,
                    filter_id: "L".into(),
                    strategy: AutofocusStrategy::VCurve,
                    running: true,
                    samples: (0..samples)
                        .map(|i| AutofocusSample {
                            position_um: i as f64,
                            hfr_px: 2.0,
                        })
                        .collect(),
                    best_position_um: None,
                }),
            },
        };
        t.on_instrument(snapshot(Some(ids[0]), 1), 0.0);
        t.on_instrument(snapshot(Some(ids[0]), 3), 1.0);
        assert_eq!(t.devices(&uid).autofocus_runs.len(), 1, "one run, updated");
        assert_eq!(t.devices(&uid).autofocus_runs[0].samples.len(), 3);
        for id in &ids[1..] {
            t.on_instrument(snapshot(Some(*id), 2), 2.0);
        }
        let runs = t.devices(&uid).autofocus_runs;
        assert_eq!(runs.len(), AUTOFOCUS_RUNS);
        assert_eq!(runs.last().unwrap().command_id, Some(ids[6]));
        assert_eq!(runs[0].command_id, Some(ids[2]), "the oldest are dropped");

        // Without command ids (SkyNet publishes none), a run continues while
        // its samples grow and a new one starts over.
        let mut t = Telemetry::new();
        t.on_instrument(snapshot(None, 1), 0.0);
        t.on_instrument(snapshot(None, 4), 1.0);
        assert_eq!(t.devices(&uid).autofocus_runs.len(), 1);
        t.on_instrument(snapshot(None, 1), 2.0);
        let runs = t.devices(&uid).autofocus_runs;
        assert_eq!(runs.len(), 2, "fewer samples: a new run");
        assert_eq!(runs[0].samples.len(), 4, "the earlier run is kept");
    }

    #[test]
    fn newer_snapshots_replace_older_and_telescopes_are_kept_apart() {
        let mut t = Telemetry::new();
        t.on_device(focuser(1.0), 0.0);
        t.on_device(focuser(2.0), 5.0);
        let a = t.devices(&TelescopeUid("tel-a".into()));
        assert_eq!(a.focuser.unwrap().value.position_um, 2.0);
        assert!(t.devices(&TelescopeUid("tel-b".into())).focuser.is_none());
        let mut other = focuser(0.0);
        other.device_type = DeviceType::WeatherSensor;
        other.state = DeviceState::Other(serde_json::json!({"wind": 3}));
        t.on_device(other, 6.0);
        assert_eq!(t.untyped, 1);
    }
}
