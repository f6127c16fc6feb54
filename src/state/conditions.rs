//! The sky and the site as SkyNet reports them: observing constraints and
//! whether they hold, shutdown interlocks, and what they mean for one
//! telescope: may it observe now, and if not, which threshold stopped it
//! and since when.

use std::collections::BTreeMap;

use serde_json::Value;
use skynet_protocol::{
    ConstraintSnapshot, ConstraintStatusSnapshot, ConstraintType, ObservatoryUid, Reading,
    ShutdownInterlockSnapshot, TelescopeUid,
};

use super::display;
use super::time::{parse_rfc3339, Millis};

/// Constraints, statuses and interlocks kept at most (each): a server that
/// sends more is not followed beyond it.
pub const MAX_KEPT: usize = 512;

/// Every constraint, status and interlock seen, by uid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    constraints: BTreeMap<String, ConstraintSnapshot>,
    statuses: BTreeMap<String, ConstraintStatusSnapshot>,
    interlocks: BTreeMap<String, ShutdownInterlockSnapshot>,
}

/// What changed that an astronomer may want to hear about.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A constraint stopped holding.
    Failing {
        /// The constraint.
        uid: String,
        /// What it says, for people.
        text: String,
    },
    /// A constraint holds again.
    Holding {
        /// The constraint.
        uid: String,
    },
    /// A shutdown interlock became active.
    InterlockActive {
        /// Why, for people.
        reason: String,
        /// The telescope it covers; `None` for the whole observatory.
        telescope: Option<TelescopeUid>,
        /// Its observatory.
        observatory: ObservatoryUid,
    },
    /// A shutdown interlock cleared.
    InterlockCleared {
        /// The telescope it covered; `None` for the whole observatory.
        telescope: Option<TelescopeUid>,
        /// Its observatory.
        observatory: ObservatoryUid,
    },
}

/// Where a constraint is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// For every telescope of the observatory.
    Observatory,
    /// For this telescope.
    Telescope,
}

/// Whether a constraint holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// It holds.
    Yes,
    /// It fails.
    No,
    /// No status yet.
    Unknown,
}

impl Holds {
    /// `holds`, `fails` or `unknown`, for styling and tests.
    pub fn class(self) -> &'static str {
        match self {
            Self::Yes => "holds",
            Self::No => "fails",
            Self::Unknown => "unknown",
        }
    }
}

/// One constraint as the conditions panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintRow {
    /// The constraint's uid (for keys, never shown).
    pub uid: String,
    /// What it watches: `Wind`, `Sun altitude`.
    pub label: String,
    /// Its threshold: `≤ 15 m/s`, `≤ −12°`, `none`.
    pub limit: String,
    /// The value now: `17.2 m/s`, `—` when unknown.
    pub value: String,
    /// Whether it holds.
    pub holds: Holds,
    /// Since when (`since` of its status).
    pub since: Option<Millis>,
    /// A failure trips the shutdown interlock.
    pub interlock: bool,
    /// Where it is set.
    pub scope: Scope,
    /// What the server says about it, bounded.
    pub message: String,
}

/// May the telescope observe now?
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Nothing is known yet (no constraints, no interlock).
    Unknown,
    /// Every constraint holds and no interlock is active.
    Allowed,
    /// A constraint fails (the earliest failing one named).
    NotAllowed {
        /// Which threshold and the value: `Wind 17.2 m/s (limit ≤ 15 m/s)`.
        why: String,
        /// Since when it fails.
        since: Option<Millis>,
        /// How many constraints fail.
        failing: usize,
    },
    /// A shutdown interlock is active.
    Interlocked {
        /// The server's reason, bounded.
        reason: String,
        /// Since when.
        since: Option<Millis>,
    },
}

impl Verdict {
    /// `unknown`, `allowed`, `not-allowed` or `interlocked`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Allowed => "allowed",
            Self::NotAllowed { .. } => "not-allowed",
            Self::Interlocked { .. } => "interlocked",
        }
    }
}

/// Whether something set at `scope_telescope` (or, `None`, at the whole
/// observatory `scope_observatory`) covers `telescope`, which stands in
/// `observatory` (when known): a constraint, an interlock.
pub fn covers(
    scope_telescope: Option<&TelescopeUid>,
    scope_observatory: &ObservatoryUid,
    telescope: &TelescopeUid,
    observatory: Option<&ObservatoryUid>,
) -> bool {
    match scope_telescope {
        Some(t) => t == telescope,
        None => observatory == Some(scope_observatory),
    }
}

/// An interlock's key: `observatory/telescope` (the telescope part empty at
/// the observatory level), as the merge keys it.
fn interlock_key(i: &ShutdownInterlockSnapshot) -> String {
    format!(
        "{}/{}",
        i.observatory_uid,
        i.telescope_uid.as_ref().map(|t| t.as_str()).unwrap_or("")
    )
}

/// Inserts unless the map is full of other keys.
fn keep<T>(map: &mut BTreeMap<String, T>, key: String, value: T) -> Option<T> {
    if map.len() >= MAX_KEPT && !map.contains_key(&key) {
        return None;
    }
    map.insert(key, value)
}

impl Conditions {
    /// Takes a constraint.
    pub fn on_constraint(&mut self, c: ConstraintSnapshot) {
        keep(&mut self.constraints, c.constraint_uid.to_string(), c);
    }

    /// Takes a constraint's status; says when it started or stopped holding
    /// (not on its first status, which is how things are, not a change).
    pub fn on_status(&mut self, s: ConstraintStatusSnapshot) -> Option<Change> {
        let uid = s.constraint_uid.to_string();
        let satisfied = s.satisfied;
        let before = keep(&mut self.statuses, uid.clone(), s)?;
        match (before.satisfied, satisfied) {
            (true, false) => Some(Change::Failing {
                text: self.failing_text_of(&uid).unwrap_or_default(),
                uid,
            }),
            (false, true) => Some(Change::Holding { uid }),
            _ => None,
        }
    }

    /// Takes an interlock; says when it became active or cleared (not on
    /// its first snapshot unless it is active).
    pub fn on_interlock(&mut self, i: ShutdownInterlockSnapshot) -> Option<Change> {
        let (active, reason) = (i.active, display::message(&i.reason));
        let (telescope, observatory) = (i.telescope_uid.clone(), i.observatory_uid.clone());
        let key = interlock_key(&i);
        let known = self.interlocks.contains_key(&key);
        if !known && self.interlocks.len() >= MAX_KEPT {
            return None;
        }
        let was_active = self.interlocks.insert(key, i).is_some_and(|b| b.active);
        match (was_active, active) {
            (false, true) => Some(Change::InterlockActive {
                reason,
                telescope,
                observatory,
            }),
            (true, false) if known => Some(Change::InterlockCleared {
                telescope,
                observatory,
            }),
            _ => None,
        }
    }

    /// Whether the constraint `uid` (a known one) covers the telescope.
    pub fn constraint_covers(
        &self,
        uid: &str,
        telescope: &TelescopeUid,
        observatory: Option<&ObservatoryUid>,
    ) -> bool {
        self.constraints.get(uid).is_some_and(|c| {
            covers(
                c.telescope_uid.as_ref(),
                &c.observatory_uid,
                telescope,
                observatory,
            )
        })
    }

    /// The telescope's constraints and its observatory's: observatory ones
    /// first, failing before holding, then by label.
    pub fn rows(
        &self,
        telescope: &TelescopeUid,
        observatory: Option<&ObservatoryUid>,
    ) -> Vec<ConstraintRow> {
        let mut rows: Vec<ConstraintRow> = self
            .constraints
            .values()
            .filter(|c| {
                covers(
                    c.telescope_uid.as_ref(),
                    &c.observatory_uid,
                    telescope,
                    observatory,
                )
            })
            .map(|c| row(c, self.statuses.get(c.constraint_uid.as_str())))
            .collect();
        let order = |h: Holds| match h {
            Holds::No => 0,
            Holds::Unknown => 1,
            Holds::Yes => 2,
        };
        rows.sort_by(|a, b| {
            (a.scope, order(a.holds), &a.label).cmp(&(b.scope, order(b.holds), &b.label))
        });
        rows
    }

    /// The active interlock covering the telescope: its own, else its
    /// observatory's.
    pub fn interlock(
        &self,
        telescope: &TelescopeUid,
        observatory: Option<&ObservatoryUid>,
    ) -> Option<&ShutdownInterlockSnapshot> {
        self.interlocks
            .values()
            .filter(|i| i.active)
            .filter(|i| {
                covers(
                    i.telescope_uid.as_ref(),
                    &i.observatory_uid,
                    telescope,
                    observatory,
                )
            })
            .min_by_key(|i| i.telescope_uid.is_none())
    }

    /// May the telescope observe now, and if not why, since when.
    pub fn verdict(
        &self,
        telescope: &TelescopeUid,
        observatory: Option<&ObservatoryUid>,
    ) -> Verdict {
        if let Some(i) = self.interlock(telescope, observatory) {
            return Verdict::Interlocked {
                reason: display::message(&i.reason),
                since: parse_rfc3339(i.since.as_str()),
            };
        }
        let rows = self.rows(telescope, observatory);
        let failing: Vec<&ConstraintRow> = rows.iter().filter(|r| r.holds == Holds::No).collect();
        if let Some(first) = failing.iter().min_by(|a, b| {
            a.since
                .unwrap_or(f64::MAX)
                .total_cmp(&b.since.unwrap_or(f64::MAX))
        }) {
            return Verdict::NotAllowed {
                why: failing_text(first),
                since: first.since,
                failing: failing.len(),
            };
        }
        if rows.is_empty() || rows.iter().all(|r| r.holds == Holds::Unknown) {
            Verdict::Unknown
        } else {
            Verdict::Allowed
        }
    }

    /// What a failing constraint says, as its row shows it now.
    fn failing_text_of(&self, uid: &str) -> Option<String> {
        let c = self.constraints.get(uid)?;
        Some(failing_text(&row(c, self.statuses.get(uid))))
    }
}

/// `Wind 17.2 m/s (limit ≤ 15 m/s)`.
fn failing_text(row: &ConstraintRow) -> String {
    if row.value == "—" {
        format!("{} (limit {})", row.label, row.limit)
    } else {
        format!("{} {} (limit {})", row.label, row.value, row.limit)
    }
}

/// What a parameter measures, its unit and how it compares.
struct Parameter {
    label: String,
    unit: &'static str,
    decimals: usize,
    comparison: &'static str,
}

/// Reads a parameter name: `max_wind_speed_m_s` is `Wind speed`, m/s, `≤`.
fn parameter(key: &str) -> Parameter {
    let (comparison, rest) = if let Some(rest) = key.strip_prefix("max_") {
        ("≤", rest)
    } else if let Some(rest) = key.strip_prefix("min_") {
        ("≥", rest)
    } else {
        ("", key)
    };
    let units: [(&str, &str, usize); 8] = [
        ("_m_s", " m/s", 1),
        ("_deg", "°", 1),
        ("_pct", " %", 0),
        ("_hpa", " hPa", 0),
        ("_c", " °C", 1),
        ("_gb", " GB", 1),
        ("_mag_arcsec2", " mag/arcsec²", 2),
        ("_v", " V", 1),
    ];
    let (name, unit, decimals) = units
        .iter()
        .find_map(|(suffix, unit, decimals)| {
            rest.strip_suffix(suffix)
                .map(|name| (name, *unit, *decimals))
        })
        .unwrap_or((rest, "", 2));
    let mut label: String = name.replace('_', " ");
    if let Some(first) = label.get(..1) {
        label = first.to_uppercase() + &label[1..];
    }
    Parameter {
        label: display::name(&label),
        unit,
        decimals,
        comparison,
    }
}

/// A reading in a parameter's unit, bounded.
fn reading(r: &Reading, p: &Parameter) -> String {
    match r {
        Reading::Flag(true) => "yes".into(),
        Reading::Flag(false) => "no".into(),
        Reading::Number(v) => display::number(*v, p.decimals, -1e6, 1e6, p.unit).to_string(),
    }
}

/// The panel's row for a constraint and its status.
fn row(c: &ConstraintSnapshot, status: Option<&ConstraintStatusSnapshot>) -> ConstraintRow {
    // The first threshold the constraint names; a type's own label wins.
    let (key, threshold) = c
        .params
        .iter()
        .next()
        .map(|(k, v)| (k.as_str(), Some(v)))
        .unwrap_or(("", None));
    let p = parameter(key);
    let label = match &c.constraint_type {
        ConstraintType::SunAltitude => "Sun altitude".to_owned(),
        ConstraintType::MountSunSeparation => "Distance from the Sun".to_owned(),
        ConstraintType::WeatherSensor if key == "rain" => "Rain".to_owned(),
        ConstraintType::Battery if p.label.is_empty() => "Battery".to_owned(),
        ConstraintType::Storage if p.label.is_empty() => "Storage".to_owned(),
        other if p.label.is_empty() => display::name(other.as_str()),
        _ => p.label.clone(),
    };
    let limit = match threshold {
        Some(Value::Bool(false)) if key == "rain" => "none".to_owned(),
        Some(Value::Bool(b)) => format!("{}{}", p.comparison, if *b { "yes" } else { "no" }),
        Some(Value::Number(n)) => {
            let v = n.as_f64().unwrap_or(f64::NAN);
            let shown = display::number(v, p.decimals, -1e6, 1e6, p.unit).to_string();
            if p.comparison.is_empty() {
                shown
            } else {
                format!("{} {shown}", p.comparison)
            }
        }
        Some(other) => display::details(other),
        None => status
            .and_then(|s| s.threshold.as_ref())
            .map(|t| reading(t, &p))
            .unwrap_or_else(|| "—".into()),
    };
    let value = status
        .and_then(|s| s.value.as_ref())
        .map(|v| match (v, key) {
            (Reading::Flag(true), "rain") => "raining".to_owned(),
            (Reading::Flag(false), "rain") => "dry".to_owned(),
            _ => reading(v, &p),
        })
        .unwrap_or_else(|| "—".into());
    ConstraintRow {
        uid: c.constraint_uid.to_string(),
        label,
        limit,
        value,
        holds: match status {
            Some(s) if s.satisfied => Holds::Yes,
            Some(_) => Holds::No,
            None => Holds::Unknown,
        },
        since: status.and_then(|s| parse_rfc3339(s.since.as_str())),
        interlock: c.interlock,
        scope: if c.telescope_uid.is_some() {
            Scope::Telescope
        } else {
            Scope::Observatory
        },
        message: status
            .map(|s| display::message(&s.message))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OBS: &str = "bf860664-75af-4dd9-a13d-487a73aacb0a";
    const TEL: &str = "8c99ee09-e286-45ed-8bea-e4aa4b4dbcbd";
    const OTHER_TEL: &str = "2204305f-72de-47da-a351-7ac777d4dd9f";

    fn constraint(
        uid: &str,
        kind: &str,
        telescope: Option<&str>,
        params: Value,
    ) -> ConstraintSnapshot {
        serde_json::from_value(json!({
            "constraint_uid": uid, "constraint_type": kind, "observatory_uid": OBS,
            "telescope_uid": telescope, "params": params, "interlock": kind == "WeatherSensorConstraint"
        }))
        .expect("a constraint")
    }

    fn status(
        uid: &str,
        kind: &str,
        satisfied: bool,
        value: Value,
        since: &str,
    ) -> ConstraintStatusSnapshot {
        serde_json::from_value(json!({
            "constraint_uid": uid, "constraint_type": kind, "satisfied": satisfied,
            "value": value, "threshold": null, "since": since, "message": "m"
        }))
        .expect("a status")
    }

    fn interlock(active: bool, telescope: Option<&str>) -> ShutdownInterlockSnapshot {
        serde_json::from_value(json!({
            "observatory_uid": OBS, "telescope_uid": telescope, "active": active,
            "reason": "rain", "constraint_uids": ["rain"], "since": "2026-12-03T01:00:00Z"
        }))
        .expect("an interlock")
    }

    fn site() -> Conditions {
        let mut c = Conditions::default();
        c.on_constraint(constraint(
            "wind",
            "WeatherSensorConstraint",
            None,
            json!({"max_wind_speed_m_s": 15}),
        ));
        c.on_constraint(constraint(
            "rain",
            "WeatherSensorConstraint",
            None,
            json!({"rain": false}),
        ));
        c.on_constraint(constraint(
            "sun",
            "SunAltitudeConstraint",
            None,
            json!({"max_sun_altitude_deg": -12}),
        ));
        c.on_constraint(constraint(
            "sep",
            "MountSunSeparationConstraint",
            Some(TEL),
            json!({"min_separation_deg": 30}),
        ));
        c.on_constraint(constraint(
            "other",
            "MountSunSeparationConstraint",
            Some(OTHER_TEL),
            json!({"min_separation_deg": 30}),
        ));
        c
    }

    fn obs() -> ObservatoryUid {
        ObservatoryUid::from(OBS)
    }

    fn tel() -> TelescopeUid {
        TelescopeUid::from(TEL)
    }

    #[test]
    fn a_telescope_sees_its_own_constraints_and_its_observatorys() {
        let c = site();
        let rows = c.rows(&tel(), Some(&obs()));
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Rain",
                "Sun altitude",
                "Wind speed",
                "Distance from the Sun"
            ]
        );
        assert_eq!(rows[3].scope, Scope::Telescope);
        assert!(rows
            .iter()
            .all(|r| r.holds == Holds::Unknown && r.value == "—"));
        assert_eq!(rows[1].limit, "≤ -12.0°");
        assert_eq!(rows[2].limit, "≤ 15.0 m/s");
        assert_eq!(rows[0].limit, "none");
        assert_eq!(rows[3].limit, "≥ 30.0°");
        // Without its observatory known, only its own.
        assert_eq!(c.rows(&tel(), None).len(), 1);
        assert_eq!(c.verdict(&tel(), Some(&obs())), Verdict::Unknown);
    }

    #[test]
    fn the_verdict_names_the_threshold_the_value_and_since_when() {
        let mut c = site();
        for (uid, kind, value) in [
            ("wind", "WeatherSensorConstraint", json!(6.0)),
            ("rain", "WeatherSensorConstraint", json!(false)),
            ("sun", "SunAltitudeConstraint", json!(-30.0)),
            ("sep", "MountSunSeparationConstraint", json!(120.0)),
        ] {
            assert_eq!(
                c.on_status(status(uid, kind, true, value, "2026-12-03T00:00:00Z")),
                None
            );
        }
        assert_eq!(c.verdict(&tel(), Some(&obs())), Verdict::Allowed);
        let change = c.on_status(status(
            "wind",
            "WeatherSensorConstraint",
            false,
            json!(17.24),
            "2026-12-03T01:02:03Z",
        ));
        assert_eq!(
            change,
            Some(Change::Failing {
                uid: "wind".into(),
                text: "Wind speed 17.2 m/s (limit ≤ 15.0 m/s)".into()
            })
        );
        let Verdict::NotAllowed {
            why,
            since,
            failing,
        } = c.verdict(&tel(), Some(&obs()))
        else {
            panic!("not allowed")
        };
        assert_eq!(why, "Wind speed 17.2 m/s (limit ≤ 15.0 m/s)");
        assert_eq!(since, parse_rfc3339("2026-12-03T01:02:03Z"));
        assert_eq!(failing, 1);
        // The wind's row is first among the observatory's: it fails.
        let rows = c.rows(&tel(), Some(&obs()));
        assert_eq!(
            (rows[0].label.as_str(), rows[0].holds),
            ("Wind speed", Holds::No)
        );
        // The other telescope's constraint never counts here.
        c.on_status(status(
            "other",
            "MountSunSeparationConstraint",
            false,
            json!(3.0),
            "2026-12-03T00:00:00Z",
        ));
        c.on_status(status(
            "wind",
            "WeatherSensorConstraint",
            true,
            json!(4.0),
            "2026-12-03T01:10:00Z",
        ));
        assert_eq!(c.verdict(&tel(), Some(&obs())), Verdict::Allowed);
    }

    #[test]
    fn rain_reads_as_raining_or_dry() {
        let mut c = site();
        c.on_status(status(
            "rain",
            "WeatherSensorConstraint",
            false,
            json!(true),
            "2026-12-03T01:00:00Z",
        ));
        let rows = c.rows(&tel(), Some(&obs()));
        assert_eq!(
            (rows[0].label.as_str(), rows[0].value.as_str()),
            ("Rain", "raining")
        );
    }

    #[test]
    fn an_interlock_wins_and_its_changes_are_told_once() {
        let mut c = site();
        // An inactive interlock at first sight is how things are.
        assert_eq!(c.on_interlock(interlock(false, None)), None);
        assert_eq!(
            c.on_interlock(interlock(true, None)),
            Some(Change::InterlockActive {
                reason: "rain".into(),
                telescope: None,
                observatory: obs()
            })
        );
        assert_eq!(
            c.on_interlock(interlock(true, None)),
            None,
            "no change, no news"
        );
        assert!(matches!(
            c.verdict(&tel(), Some(&obs())),
            Verdict::Interlocked { reason, .. } if reason == "rain"
        ));
        // An observatory's interlock covers every telescope in it.
        assert!(c
            .interlock(&TelescopeUid::from(OTHER_TEL), Some(&obs()))
            .is_some());
        assert_eq!(
            c.on_interlock(interlock(false, None)),
            Some(Change::InterlockCleared {
                telescope: None,
                observatory: obs()
            })
        );
        assert!(c.interlock(&tel(), Some(&obs())).is_none());
        // A telescope's own interlock covers only it.
        c.on_interlock(interlock(true, Some(TEL)));
        assert!(c.interlock(&tel(), Some(&obs())).is_some());
        assert!(c
            .interlock(&TelescopeUid::from(OTHER_TEL), Some(&obs()))
            .is_none());
    }

    #[test]
    fn absurd_values_are_bounded_and_a_flood_is_capped() {
        let mut c = Conditions::default();
        let long = "x".repeat(100_000);
        c.on_constraint(constraint(
            "w",
            "WeatherSensorConstraint",
            None,
            json!({"max_wind_speed_m_s": 1e308}),
        ));
        let mut s = status(
            "w",
            "WeatherSensorConstraint",
            false,
            json!(-1e300),
            "2026-12-03T01:00:00Z",
        );
        s.message = long;
        c.on_status(s);
        let row = &c.rows(&tel(), Some(&obs()))[0];
        assert!(
            row.value.len() < 40 && row.value.ends_with(display::OUT_OF_RANGE),
            "{}",
            row.value
        );
        assert!(row.limit.len() < 40, "{}", row.limit);
        assert!(
            row.message.chars().count() <= display::MESSAGE_CHARS + 1 + display::OUT_OF_RANGE.len()
        );
        for i in 0..MAX_KEPT + 100 {
            c.on_constraint(constraint(
                &format!("c{i}"),
                "StorageConstraint",
                None,
                json!({"min_free_gb": 5}),
            ));
        }
        assert_eq!(c.constraints.len(), MAX_KEPT);
    }

    #[test]
    fn unknown_parameters_and_types_still_read() {
        let c = {
            let mut c = Conditions::default();
            c.on_constraint(constraint(
                "b",
                "BatteryConstraint",
                None,
                json!({"min_charge_pct": 30}),
            ));
            c.on_constraint(constraint(
                "q",
                "FutureConstraint",
                None,
                json!({"mode": "strict"}),
            ));
            c
        };
        let rows = c.rows(&tel(), Some(&obs()));
        let shown: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.label.as_str(), r.limit.as_str()))
            .collect();
        assert_eq!(shown, [("Charge", "≥ 30 %"), ("Mode", "\"strict\"")]);
    }
}
