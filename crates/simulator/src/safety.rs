//! Safety: observing constraints evaluated every tick, their status
//! snapshots, and the shutdown interlock that a failing interlock
//! constraint trips (cancel, park, close, refuse) and that clears once
//! every one of its constraints has held for `clear_after_s`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use skydeck_astro::coords::{angular_separation_deg, equatorial_to_horizontal, precess};
use skydeck_astro::time::J2000_JD;
use skynet_protocol::{
    CommandId, ConstraintSnapshot, ConstraintStatusSnapshot, ConstraintType, ConstraintUid,
    ErrorCode, ErrorMessage, InterlockedDetails, LogEntryBody, LogEntryUid, LogLevel, LogSafety,
    ObservatoryUid, Reading, ShutdownInterlockSnapshot, TelescopeLogEntry, TelescopeUid, Timestamp,
    WeatherState,
};

use crate::bus::Event;
use crate::clock::{Clock, Now};
use crate::sim::State;
use crate::telescope::derived_uid;
use crate::world::ConstraintConfig;

/// A constraint's status is published at most this often.
const STATUS_INTERVAL: Duration = Duration::from_secs(1);

/// One constraint and its latest evaluation.
pub struct Constraint {
    /// As published on `constraint_snapshot`.
    pub snapshot: Arc<ConstraintSnapshot>,
    /// Its observatory (index).
    pub observatory: usize,
    /// Its telescope (index), or the whole observatory.
    pub telescope: Option<usize>,
    param: &'static str,
    threshold: Reading,
    /// Whether it held at the last evaluation (`None` before the first).
    pub satisfied: Option<bool>,
    since: Timestamp,
    /// Its latest status, and when it was last published.
    published: Option<(Instant, Arc<ConstraintStatusSnapshot>)>,
    /// Its latest status, published or not yet.
    pub status: Option<Arc<ConstraintStatusSnapshot>>,
}

impl Constraint {
    /// From the world file; `owner` is the uid its own uid derives from.
    pub fn new(
        config: &ConstraintConfig,
        observatory: (usize, &ObservatoryUid),
        telescope: Option<(usize, &TelescopeUid)>,
        now: &Now,
    ) -> Result<Self, String> {
        let (param, threshold) = config.threshold()?;
        let owner = match telescope {
            Some((_, uid)) => uid.clone(),
            None => TelescopeUid(observatory.1.as_str().to_owned()),
        };
        let uid = config.constraint_uid.clone().unwrap_or_else(|| {
            ConstraintUid(derived_uid(
                &owner,
                &format!("{}/{param}", config.constraint_type),
            ))
        });
        Ok(Self {
            snapshot: Arc::new(ConstraintSnapshot {
                constraint_uid: uid,
                constraint_type: config.constraint_type.clone(),
                observatory_uid: observatory.1.clone(),
                telescope_uid: telescope.map(|(_, uid)| uid.clone()),
                params: config.params.clone(),
                interlock: config.interlock,
            }),
            observatory: observatory.0,
            telescope: telescope.map(|(i, _)| i),
            param,
            threshold,
            satisfied: None,
            since: now.timestamp(),
            published: None,
            status: None,
        })
    }

    /// Its uid.
    pub fn uid(&self) -> &ConstraintUid {
        &self.snapshot.constraint_uid
    }

    /// The event announcing its status.
    pub fn status_event(&self, status: Arc<ConstraintStatusSnapshot>) -> Event {
        Event::ConstraintStatus {
            status,
            observatory: self.snapshot.observatory_uid.clone(),
            telescope: self.snapshot.telescope_uid.clone(),
        }
    }
}

/// What a constraint reads now: the value, whether it holds, and a sentence.
struct Evaluation {
    value: Option<Reading>,
    satisfied: bool,
    message: String,
}

fn weather_reading(
    weather: &WeatherState,
    param: &str,
) -> Option<(f64, &'static str, &'static str)> {
    match param {
        "max_wind_speed_m_s" => weather.wind_speed_m_s.map(|v| (v, "wind", " m/s")),
        "max_wind_gust_m_s" => weather.wind_gust_m_s.map(|v| (v, "wind gusts", " m/s")),
        "max_humidity_pct" => weather.humidity_pct.map(|v| (v, "humidity", "%")),
        "max_cloud_cover_pct" => weather.cloud_cover_pct.map(|v| (v, "cloud cover", "%")),
        _ => None,
    }
}

fn evaluate_max(value: Option<(f64, &str, &str)>, threshold: f64, what: &str) -> Evaluation {
    match value {
        Some((v, label, unit)) => {
            let satisfied = v <= threshold;
            let relation = if satisfied { "within" } else { "above" };
            Evaluation {
                value: Some(Reading::Number(v)),
                satisfied,
                message: format!("{label} {v:.1}{unit} is {relation} {threshold}{unit}"),
            }
        }
        None => Evaluation {
            value: None,
            satisfied: false,
            message: format!("{what} is not known"),
        },
    }
}

impl State {
    /// Builds the constraints of the world (already checked) and their
    /// interlocks: one per observatory, one per telescope with interlock
    /// constraints of its own.
    pub(crate) fn build_safety(&mut self, now: &Now) {
        let mut constraints = Vec::new();
        for (o, obs) in self.observatories.iter().enumerate() {
            for c in &obs.config.constraints {
                constraints.extend(Constraint::new(c, (o, obs.uid()), None, now));
            }
            for &tel in &obs.telescopes {
                let t = &self.telescopes[tel];
                for c in &t.config.constraints {
                    constraints.extend(Constraint::new(
                        c,
                        (o, obs.uid()),
                        Some((tel, t.uid())),
                        now,
                    ));
                }
            }
        }
        let mut interlocks = Vec::new();
        for (o, obs) in self.observatories.iter().enumerate() {
            interlocks.push(Interlock::new((o, obs.uid()), None, now));
            for &tel in &obs.telescopes {
                let own = constraints
                    .iter()
                    .any(|c: &Constraint| c.telescope == Some(tel) && c.snapshot.interlock);
                if own {
                    interlocks.push(Interlock::new(
                        (o, obs.uid()),
                        Some((tel, self.telescopes[tel].uid())),
                        now,
                    ));
                }
            }
        }
        self.constraints = constraints;
        self.interlocks = interlocks;
    }

    fn evaluate(&self, c: &Constraint, now: &Now, clock: &Clock) -> Evaluation {
        let obs = &self.observatories[c.observatory];
        let jd = now.jd();
        let threshold = match c.threshold {
            Reading::Number(x) => x,
            Reading::Flag(_) => 0.0,
        };
        match (&c.snapshot.constraint_type, c.param) {
            (ConstraintType::WeatherSensor, "rain") => {
                let weather = obs.weather(now, clock);
                match weather.rain {
                    Some(rain) => Evaluation {
                        value: Some(Reading::Flag(rain)),
                        satisfied: !rain,
                        message: if rain {
                            "rain detected; no rain is allowed".into()
                        } else {
                            "no rain".into()
                        },
                    },
                    None => evaluate_max(None, 0.0, "rain"),
                }
            }
            (ConstraintType::WeatherSensor, param) => {
                let weather = obs.weather(now, clock);
                evaluate_max(weather_reading(&weather, param), threshold, param)
            }
            (ConstraintType::SunAltitude, _) => {
                let site = c
                    .telescope
                    .map_or(obs.site, |tel| self.telescopes[tel].site);
                let sun = skydeck_astro::sun::sun_position(jd);
                let alt =
                    crate::devices::round_to(equatorial_to_horizontal(sun, site, jd).alt_deg, 0.1);
                let satisfied = alt <= threshold;
                let relation = if satisfied { "at or below" } else { "above" };
                Evaluation {
                    value: Some(Reading::Number(alt)),
                    satisfied,
                    message: format!("the Sun is at {alt:.1}°, {relation} {threshold}°"),
                }
            }
            (ConstraintType::MountSunSeparation, _) => {
                let Some(tel) = c.telescope else {
                    return evaluate_max(None, 0.0, "the mount's distance from the Sun");
                };
                let (pointing, _) = self.telescopes[tel].mount.pointing(now, clock);
                let sun = precess(skydeck_astro::sun::sun_position(jd), jd, J2000_JD);
                let sep = crate::devices::round_to(angular_separation_deg(pointing, sun), 0.1);
                let satisfied = sep >= threshold;
                let relation = if satisfied { "at least" } else { "closer than" };
                Evaluation {
                    value: Some(Reading::Number(sep)),
                    satisfied,
                    message: format!(
                        "the mount points {sep:.1}° from the Sun, {relation} {threshold}°"
                    ),
                }
            }
            (other, _) => Evaluation {
                value: None,
                satisfied: true,
                message: format!("{other} is not evaluated by the simulator"),
            },
        }
    }

    /// Evaluates every constraint: a change of `satisfied` restarts its
    /// `since` and goes into the log; its status is published on change, at
    /// most once a second.
    pub(crate) fn evaluate_constraints(&mut self, now: &Now, clock: &Clock) {
        for i in 0..self.constraints.len() {
            let e = self.evaluate(&self.constraints[i], now, clock);
            let c = &mut self.constraints[i];
            let flipped = c.satisfied.is_some_and(|s| s != e.satisfied);
            if flipped {
                c.since = now.timestamp();
            }
            c.satisfied = Some(e.satisfied);
            let status = ConstraintStatusSnapshot {
                constraint_uid: c.uid().clone(),
                constraint_type: c.snapshot.constraint_type.clone(),
                satisfied: e.satisfied,
                value: e.value,
                threshold: Some(c.threshold),
                since: c.since.clone(),
                message: e.message.clone(),
            };
            if c.status.as_deref() != Some(&status) {
                c.status = Some(Arc::new(status));
            }
            let due = match &c.published {
                None => true,
                Some((at, published)) => {
                    now.at.saturating_duration_since(*at) >= STATUS_INTERVAL
                        && c.status.as_ref() != Some(published)
                }
            };
            if due {
                if let Some(status) = c.status.clone() {
                    c.published = Some((now.at, status.clone()));
                    let event = c.status_event(status);
                    self.emit(event);
                }
            }
            if flipped {
                let entry = LogSafety {
                    constraint_uid: self.constraints[i].uid().clone(),
                    satisfied: e.satisfied,
                    message: e.message,
                };
                for tel in self.telescopes_of(
                    self.constraints[i].observatory,
                    self.constraints[i].telescope,
                ) {
                    self.push_log(
                        tel,
                        TelescopeLogEntry {
                            entry_uid: LogEntryUid(uuid::Uuid::new_v4().to_string()),
                            telescope_uid: self.telescopes[tel].uid().clone(),
                            at: now.timestamp(),
                            body: LogEntryBody::Safety(entry.clone()),
                        },
                    );
                }
            }
        }
    }

    /// The telescopes a scope covers: one, or every one of the observatory.
    fn telescopes_of(&self, observatory: usize, telescope: Option<usize>) -> Vec<usize> {
        match telescope {
            Some(tel) => vec![tel],
            None => self.observatories[observatory].telescopes.clone(),
        }
    }

    /// The active interlock a telescope is under, if any.
    pub fn interlock_on(&self, tel: usize) -> Option<&Interlock> {
        self.interlocks.iter().find(|i| {
            i.active
                && match i.telescope {
                    Some(t) => t == tel,
                    None => self.observatories[i.observatory].telescopes.contains(&tel),
                }
        })
    }

    /// The `interlocked` refusal of a command on a telescope under an
    /// interlock, if it is.
    pub(crate) fn refuse_if_interlocked(
        &mut self,
        tel: usize,
        id: CommandId,
        command_type: &str,
        now: &Now,
    ) -> Result<(), ErrorMessage> {
        let Some(interlock) = self.interlock_on(tel) else {
            return Ok(());
        };
        let details = InterlockedDetails {
            reason: interlock.reason.clone(),
            constraint_uids: interlock.constraint_uids.clone(),
        };
        let message = format!(
            "the telescope is shut down by a safety interlock ({}); only lease releases, an owner's abort and cancels are taken until it clears",
            details.reason
        );
        self.log(
            tel,
            LogLevel::Warning,
            format!(
                "{command_type} {id} refused: shutdown interlock ({})",
                details.reason
            ),
            now,
        );
        Err(ErrorMessage {
            code: ErrorCode::Interlocked,
            message,
            details: serde_json::to_value(&details).ok(),
            id: Some(id.to_string()),
        })
    }

    /// Trips and clears the interlocks from the constraints' latest state.
    pub(crate) fn update_interlocks(&mut self, now: &Now, clock: &Clock) {
        for i in 0..self.interlocks.len() {
            let (observatory, telescope) =
                (self.interlocks[i].observatory, self.interlocks[i].telescope);
            let failing: Vec<(ConstraintUid, String)> = self
                .constraints
                .iter()
                .filter(|c| {
                    c.snapshot.interlock && c.observatory == observatory && c.telescope == telescope
                })
                .filter(|c| c.satisfied == Some(false))
                .map(|c| {
                    let message = c
                        .status
                        .as_ref()
                        .map_or_else(String::new, |s| s.message.clone());
                    (c.uid().clone(), message)
                })
                .collect();
            let clear_after = clock.real(self.observatories[observatory].config.clear_after_s);
            let lock = &mut self.interlocks[i];
            if !failing.is_empty() {
                lock.holding_since = None;
                let reason = failing
                    .iter()
                    .map(|(_, m)| m.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut uids = if lock.active {
                    lock.constraint_uids.clone()
                } else {
                    Vec::new()
                };
                for (uid, _) in &failing {
                    if !uids.contains(uid) {
                        uids.push(uid.clone());
                    }
                }
                let tripped = !lock.active;
                if tripped {
                    lock.active = true;
                    lock.since = now.timestamp();
                }
                let changed = tripped || lock.reason != reason || lock.constraint_uids != uids;
                lock.reason = reason;
                lock.constraint_uids = uids;
                if changed {
                    self.publish_interlock(i);
                }
                if tripped {
                    self.trip(i, now, clock);
                }
            } else if lock.active {
                let since = *lock.holding_since.get_or_insert(now.at);
                if now.at.saturating_duration_since(since) >= clear_after {
                    lock.active = false;
                    lock.since = now.timestamp();
                    lock.holding_since = None;
                    let reason = std::mem::take(&mut lock.reason);
                    lock.constraint_uids.clear();
                    self.publish_interlock(i);
                    self.clear(i, &reason, now, clock);
                }
            }
        }
    }

    fn publish_interlock(&mut self, i: usize) {
        let lock = &mut self.interlocks[i];
        lock.snapshot = Arc::new(ShutdownInterlockSnapshot {
            observatory_uid: lock.snapshot.observatory_uid.clone(),
            telescope_uid: lock.snapshot.telescope_uid.clone(),
            active: lock.active,
            reason: lock.reason.clone(),
            constraint_uids: lock.constraint_uids.clone(),
            since: lock.since.clone(),
        });
        let snapshot = lock.snapshot.clone();
        self.emit(Event::Interlock(snapshot));
    }

    /// The safe shutdown: cancel, park, close.
    fn trip(&mut self, i: usize, now: &Now, clock: &Clock) {
        let (observatory, telescope) =
            (self.interlocks[i].observatory, self.interlocks[i].telescope);
        let reason = self.interlocks[i].reason.clone();
        let telescopes = self.telescopes_of(observatory, telescope);
        for &tel in &telescopes {
            self.log(
                tel,
                LogLevel::Error,
                format!(
                    "shutdown interlock tripped: {reason}; parking the mount{}",
                    if telescope.is_none() {
                        " and closing the enclosure"
                    } else {
                        ""
                    }
                ),
                now,
            );
            let doomed: Vec<CommandId> = self
                .running
                .iter()
                .filter(|(_, r)| r.telescope == tel)
                .map(|(id, _)| *id)
                .collect();
            for id in doomed {
                let command_type = self
                    .running
                    .get(&id)
                    .map(|r| r.command_type.clone())
                    .unwrap_or_default();
                self.cancel_running(id, &format!("shutdown interlock: {reason}"), now, clock);
                self.log(
                    tel,
                    LogLevel::Warning,
                    format!("{command_type} {id} canceled by the shutdown interlock"),
                    now,
                );
            }
            let t = &mut self.telescopes[tel];
            if !t.mount.state(now, clock).parked {
                t.mount.park(now, clock);
                t.parking_for_interlock = true;
            }
        }
        if telescope.is_none() {
            let obs = &mut self.observatories[observatory];
            let move_s = obs.config.enclosure_move_s;
            obs.enclosure.move_to(false, move_s, now.at, clock);
        }
    }

    /// The interlock cleared: open again.
    fn clear(&mut self, i: usize, reason: &str, now: &Now, clock: &Clock) {
        let (observatory, telescope) =
            (self.interlocks[i].observatory, self.interlocks[i].telescope);
        let held = self.observatories[observatory].config.clear_after_s;
        for tel in self.telescopes_of(observatory, telescope) {
            self.log(
                tel,
                LogLevel::Info,
                format!("shutdown interlock cleared: every constraint has held for {held} s (it tripped on: {reason}); commands are taken again"),
                now,
            );
        }
        if telescope.is_none() {
            let obs = &mut self.observatories[observatory];
            let move_s = obs.config.enclosure_move_s;
            obs.enclosure.move_to(true, move_s, now.at, clock);
        }
    }

    /// Logs the enclosure's moves and the mounts the interlock parked.
    pub(crate) fn log_safe_state(&mut self, now: &Now, clock: &Clock) {
        for o in 0..self.observatories.len() {
            let obs = &mut self.observatories[o];
            let shutter = obs.enclosure.state(now.at).shutter;
            if shutter != obs.logged_shutter {
                obs.logged_shutter = shutter.clone();
                let name = obs.name();
                for tel in obs.telescopes.clone() {
                    self.log(
                        tel,
                        LogLevel::Info,
                        format!("the enclosure of {name} is {shutter}"),
                        now,
                    );
                }
            }
        }
        for tel in 0..self.telescopes.len() {
            let t = &mut self.telescopes[tel];
            if t.parking_for_interlock && t.mount.state(now, clock).parked {
                t.parking_for_interlock = false;
                self.log(
                    tel,
                    LogLevel::Warning,
                    "the mount is parked (shutdown interlock)".into(),
                    now,
                );
            }
        }
    }
}

/// A shutdown interlock, active or not.
pub struct Interlock {
    /// Its observatory (index).
    pub observatory: usize,
    /// Its telescope (index), or the whole observatory.
    pub telescope: Option<usize>,
    /// Shut down now.
    pub active: bool,
    /// Why, for people.
    pub reason: String,
    /// The interlock constraints that failed while it was active.
    pub constraint_uids: Vec<ConstraintUid>,
    since: Timestamp,
    /// Since when every one of its constraints has held (while active).
    holding_since: Option<Instant>,
    /// As last published.
    pub snapshot: Arc<ShutdownInterlockSnapshot>,
}

impl Interlock {
    /// Inactive.
    pub fn new(
        observatory: (usize, &ObservatoryUid),
        telescope: Option<(usize, &TelescopeUid)>,
        now: &Now,
    ) -> Self {
        Self {
            observatory: observatory.0,
            telescope: telescope.map(|(i, _)| i),
            active: false,
            reason: String::new(),
            constraint_uids: Vec::new(),
            since: now.timestamp(),
            holding_since: None,
            snapshot: Arc::new(ShutdownInterlockSnapshot {
                observatory_uid: observatory.1.clone(),
                telescope_uid: telescope.map(|(_, uid)| uid.clone()),
                active: false,
                reason: String::new(),
                constraint_uids: Vec::new(),
                since: now.timestamp(),
            }),
        }
    }
}
