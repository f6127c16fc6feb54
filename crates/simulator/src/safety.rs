//! Safety, part one: the observing constraints, evaluated every tick, and
//! their status snapshots (the interlock they trip is `interlock.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use skydeck_astro::coords::{angular_separation_deg, equatorial_to_horizontal, precess};
use skydeck_astro::time::J2000_JD;
use skynet_protocol::{
    ConstraintSnapshot, ConstraintStatusSnapshot, ConstraintType, ConstraintUid, LogEntryBody,
    LogEntryUid, LogSafety, ObservatoryUid, Reading, TelescopeLogEntry, TelescopeUid, Timestamp,
    WeatherState,
};

use crate::bus::Event;
use crate::clock::{Clock, Now};
use crate::interlock::Interlock;
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
    /// From the world file; its uid, unless given, derives from its
    /// telescope's uid or else its observatory's.
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
    pub(crate) fn telescopes_of(&self, observatory: usize, telescope: Option<usize>) -> Vec<usize> {
        match telescope {
            Some(tel) => vec![tel],
            None => self.observatories[observatory].telescopes.clone(),
        }
    }
}
