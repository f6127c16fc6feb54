//! The weather of an observatory through the night: a scenario of keyframes
//! interpolated linearly, with seeded (deterministic) noise and gusts on top,
//! the dew point from the Magnus formula, and the test hook's held values.
//! The format is documented in `docs/simulator.md` ("The sky and the
//! site", "Weather").

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use skynet_protocol::WeatherState;

/// Why a weather scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read the weather scenario {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The JSON does not have the scenario's shape.
    #[error("the weather scenario is not valid: {0}")]
    Parse(#[from] serde_json::Error),
    /// The JSON has the shape but its values do not make sense.
    #[error("the weather scenario is not valid: {0}")]
    Invalid(String),
}

/// The numeric fields a keyframe may set, with their allowed range.
const FIELDS: [(&str, f64, f64); 6] = [
    ("temperature_c", -60.0, 60.0),
    ("humidity_pct", 0.0, 100.0),
    ("pressure_hpa", 300.0, 1100.0),
    ("wind_speed_m_s", 0.0, 80.0),
    ("cloud_cover_pct", 0.0, 100.0),
    ("sky_quality_mag_arcsec2", 10.0, 23.0),
];

/// One moment of a scenario: the fields it gives hold exactly at `at_s`;
/// between keyframes each field runs linearly from one keyframe giving it
/// to the next; after the last it holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyframe {
    /// Simulated seconds since the simulator started.
    pub at_s: f64,
    /// Air temperature, °C.
    #[serde(default)]
    pub temperature_c: Option<f64>,
    /// Relative humidity, percent.
    #[serde(default)]
    pub humidity_pct: Option<f64>,
    /// Air pressure, hPa.
    #[serde(default)]
    pub pressure_hpa: Option<f64>,
    /// Mean wind, m/s.
    #[serde(default)]
    pub wind_speed_m_s: Option<f64>,
    /// Cloud cover, percent.
    #[serde(default)]
    pub cloud_cover_pct: Option<f64>,
    /// Sky brightness of a clear sky, mag/arcsec².
    #[serde(default)]
    pub sky_quality_mag_arcsec2: Option<f64>,
    /// Rain from this keyframe on (a step, not interpolated).
    #[serde(default)]
    pub rain: Option<bool>,
}

impl Keyframe {
    fn field(&self, name: &str) -> Option<f64> {
        match name {
            "temperature_c" => self.temperature_c,
            "humidity_pct" => self.humidity_pct,
            "pressure_hpa" => self.pressure_hpa,
            "wind_speed_m_s" => self.wind_speed_m_s,
            "cloud_cover_pct" => self.cloud_cover_pct,
            "sky_quality_mag_arcsec2" => self.sky_quality_mag_arcsec2,
            _ => None,
        }
    }
}

/// Gusts: the gust reading is the mean wind plus up to `extra_m_s`, varying
/// over `period_s`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gusts {
    /// The most a gust adds to the mean wind, m/s.
    pub extra_m_s: f64,
    /// How fast gusts come and go, simulated seconds.
    #[serde(default = "default_gust_period")]
    pub period_s: f64,
}

fn default_gust_period() -> f64 {
    20.0
}

/// A weather scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Its name, for people.
    pub name: String,
    /// Seeds the noise; the same seed gives the same weather.
    #[serde(default)]
    pub seed: u64,
    /// The keyframes, in increasing `at_s`; the first gives every field.
    pub keyframes: Vec<Keyframe>,
    /// Gusts on top of the mean wind.
    #[serde(default)]
    pub gusts: Option<Gusts>,
    /// Noise amplitude per numeric field (same units), added smoothly.
    #[serde(default)]
    pub noise: BTreeMap<String, f64>,
    /// How fast the noise varies, simulated seconds.
    #[serde(default = "default_noise_period")]
    pub noise_period_s: f64,
}

fn default_noise_period() -> f64 {
    120.0
}

/// The built-in scenarios, written in the file format.
const BUILTIN: [(&str, &str); 3] = [
    ("clear", include_str!("weather/clear.json")),
    ("variable", include_str!("weather/variable.json")),
    ("storm", include_str!("weather/storm.json")),
];

impl Scenario {
    /// A built-in scenario (`clear`, `variable`, `storm`) or a file.
    pub fn named_or_file(name: &str) -> Result<Self, ScenarioError> {
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Self::from_json(text),
            None => {
                let path = Path::new(name);
                let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
                    path: format!("{name} (not a built-in scenario: clear, variable or storm)"),
                    source,
                })?;
                Self::from_json(&text)
            }
        }
    }

    /// The `clear` scenario: good all night.
    pub fn clear() -> Self {
        // The built-in files are checked by a unit test; this cannot fail.
        Self::from_json(BUILTIN[0].1).unwrap_or_else(|e| panic!("built-in scenario clear: {e}"))
    }

    /// Parses and checks a scenario.
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario = serde_json::from_str(text)?;
        scenario.check()?;
        Ok(scenario)
    }

    fn check(&self) -> Result<(), ScenarioError> {
        let invalid = |m: String| Err(ScenarioError::Invalid(m));
        let Some(first) = self.keyframes.first() else {
            return invalid("it needs at least one keyframe".into());
        };
        if first.at_s != 0.0 {
            return invalid("the first keyframe must be at at_s 0".into());
        }
        for (name, _, _) in FIELDS {
            if first.field(name).is_none() {
                return invalid(format!("the first keyframe must give {name}"));
            }
        }
        if first.rain.is_none() {
            return invalid("the first keyframe must give rain".into());
        }
        for (i, pair) in self.keyframes.windows(2).enumerate() {
            if pair[1].at_s <= pair[0].at_s || pair[1].at_s.is_nan() {
                return invalid(format!(
                    "keyframe {} (at_s {}) does not come after the one before (at_s {})",
                    i + 1,
                    pair[1].at_s,
                    pair[0].at_s
                ));
            }
        }
        for (i, k) in self.keyframes.iter().enumerate() {
            if !k.at_s.is_finite() {
                return invalid(format!("keyframe {i}: at_s must be a number"));
            }
            for (name, low, high) in FIELDS {
                if let Some(v) = k.field(name) {
                    if !(low..=high).contains(&v) {
                        return invalid(format!(
                            "keyframe {i}: {name} {v} is outside {low} to {high}"
                        ));
                    }
                }
            }
        }
        for (name, amplitude) in &self.noise {
            if !FIELDS.iter().any(|(f, _, _)| f == name) {
                let known: Vec<&str> = FIELDS.iter().map(|(f, _, _)| *f).collect();
                return invalid(format!(
                    "noise names `{name}`; the fields are {}",
                    known.join(", ")
                ));
            }
            if !(amplitude.is_finite() && *amplitude >= 0.0) {
                return invalid(format!("noise of {name} must be 0 or more"));
            }
        }
        if !(self.noise_period_s.is_finite() && self.noise_period_s > 0.0) {
            return invalid("noise_period_s must be positive".into());
        }
        if let Some(g) = &self.gusts {
            if !(g.extra_m_s.is_finite() && g.extra_m_s >= 0.0 && g.period_s > 0.0) {
                return invalid("gusts need extra_m_s 0 or more and a positive period_s".into());
            }
        }
        Ok(())
    }

    /// A numeric field at `t` simulated seconds: linear between the
    /// keyframes that give it, held after the last.
    fn base(&self, name: &str, t: f64) -> f64 {
        let points = self
            .keyframes
            .iter()
            .filter_map(|k| k.field(name).map(|v| (k.at_s, v)));
        let mut before: Option<(f64, f64)> = None;
        for (at, v) in points {
            if at >= t {
                return match before {
                    Some((a0, v0)) if at > a0 => v0 + (v - v0) * (t - a0) / (at - a0),
                    _ => v,
                };
            }
            before = Some((at, v));
        }
        before.map_or(0.0, |(_, v)| v)
    }

    fn rain(&self, t: f64) -> bool {
        self.keyframes
            .iter()
            .rev()
            .filter(|k| k.at_s <= t)
            .find_map(|k| k.rain)
            .unwrap_or(false)
    }

    /// The weather at `t` simulated seconds since the start; `salt` makes
    /// each observatory's noise its own.
    pub fn sample(&self, t: f64, salt: u64, held: &Held) -> WeatherState {
        let seed = self.seed ^ salt;
        let value = |name: &str, index: u64| {
            let (_, low, high) = FIELDS
                .iter()
                .find(|(f, _, _)| *f == name)
                .copied()
                .unwrap_or((name, f64::MIN, f64::MAX));
            let amplitude = self.noise.get(name).copied().unwrap_or(0.0);
            let noisy = self.base(name, t)
                + amplitude * smooth_noise(seed.wrapping_add(index), t / self.noise_period_s);
            held.number(name).unwrap_or(noisy.clamp(low, high))
        };
        let temperature_c = value("temperature_c", 1);
        let humidity_pct = value("humidity_pct", 2);
        let pressure_hpa = value("pressure_hpa", 3);
        let wind = value("wind_speed_m_s", 4);
        let cloud = value("cloud_cover_pct", 5);
        let sqm_clear = value("sky_quality_mag_arcsec2", 6);
        let rain = held.flag("rain").unwrap_or_else(|| self.rain(t));
        let gust = held.number("wind_gust_m_s").unwrap_or_else(|| {
            let extra = self.gusts.as_ref().map_or(0.0, |g| {
                let n = smooth_noise(seed.wrapping_add(7), t / g.period_s);
                g.extra_m_s * (0.5 + 0.5 * n)
            });
            wind + extra
        });
        // An infrared sensor sees a clear sky about 40 °C colder than the
        // air; clouds bring it close to the air's temperature.
        let sky_temperature_c = held
            .number("sky_temperature_c")
            .unwrap_or(temperature_c - 40.0 + 0.35 * cloud);
        let sky_quality = held
            .number("sky_quality_mag_arcsec2")
            .unwrap_or(sqm_clear - 0.03 * cloud);
        WeatherState {
            temperature_c: Some(round1(temperature_c)),
            humidity_pct: Some(round1(humidity_pct)),
            dew_point_c: Some(round1(dew_point_c(temperature_c, humidity_pct))),
            pressure_hpa: Some(round1(pressure_hpa)),
            wind_speed_m_s: Some(round1(wind)),
            wind_gust_m_s: Some(round1(gust.max(wind))),
            cloud_cover_pct: Some(round1(cloud)),
            sky_temperature_c: Some(round1(sky_temperature_c)),
            sky_quality_mag_arcsec2: Some(round1(sky_quality)),
            rain: Some(rain),
        }
    }
}

fn round1(x: f64) -> f64 {
    crate::devices::round_to(x, 0.1)
}

/// The dew point (°C) from the air temperature and relative humidity, by
/// the Magnus formula (Alduchov and Eskridge's constants).
pub fn dew_point_c(temperature_c: f64, humidity_pct: f64) -> f64 {
    const A: f64 = 17.625;
    const B: f64 = 243.04;
    let rh = humidity_pct.clamp(0.1, 100.0) / 100.0;
    let gamma = rh.ln() + A * temperature_c / (B + temperature_c);
    B * gamma / (A - gamma)
}

/// Smooth deterministic noise in [-1, 1]: seeded values at whole `x`,
/// eased between.
fn smooth_noise(seed: u64, x: f64) -> f64 {
    let i = x.floor();
    let f = x - i;
    let at = |n: f64| crate::exec::pseudo_random(seed ^ (n as i64 as u64).wrapping_mul(0x9E37));
    let ease = f * f * (3.0 - 2.0 * f);
    at(i) + (at(i + 1.0) - at(i)) * ease
}

/// The fields the test hook may hold, with the range of the numeric ones.
const HELD: [(&str, f64, f64); 9] = [
    FIELDS[0],
    FIELDS[1],
    FIELDS[2],
    FIELDS[3],
    ("wind_gust_m_s", 0.0, 100.0),
    FIELDS[4],
    ("sky_temperature_c", -100.0, 60.0),
    FIELDS[5],
    ("rain", 0.0, 0.0),
];

/// The fields the test hook may hold.
pub const HELD_FIELDS: [&str; 9] = [
    HELD[0].0, HELD[1].0, HELD[2].0, HELD[3].0, HELD[4].0, HELD[5].0, HELD[6].0, HELD[7].0,
    HELD[8].0,
];

/// Weather fields held at a value over the scenario (the test hook).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Held(BTreeMap<&'static str, Value>);

impl Held {
    fn number(&self, name: &str) -> Option<f64> {
        self.0.get(name).and_then(Value::as_f64)
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(Value::as_bool)
    }

    /// Reads a hook body: an object of [`HELD_FIELDS`], each a value (a
    /// flag for `rain`, a finite number otherwise) to hold or `null` to
    /// return it to the scenario. The whole body is checked first.
    pub fn parse_changes(body: &Value) -> Result<Vec<(&'static str, Option<Value>)>, String> {
        let Some(object) = body.as_object() else {
            return Err("the body must be a JSON object of weather fields".into());
        };
        if object.is_empty() {
            return Err(format!(
                "the body names no field; give some of {}",
                HELD_FIELDS.join(", ")
            ));
        }
        let mut changes = Vec::new();
        for (key, value) in object {
            let Some(&(name, low, high)) = HELD.iter().find(|(f, _, _)| *f == key) else {
                let hint = if key == "dew_point_c" {
                    " (the dew point follows from temperature_c and humidity_pct)"
                } else {
                    ""
                };
                return Err(format!(
                    "`{key}` is not a weather field the hook sets{hint}; the fields are {}",
                    HELD_FIELDS.join(", ")
                ));
            };
            let ok = match (name, value) {
                (_, Value::Null) => true,
                ("rain", v) => v.is_boolean(),
                (_, v) => v.as_f64().is_some_and(|x| (low..=high).contains(&x)),
            };
            if !ok {
                let what = if name == "rain" {
                    "true, false".to_owned()
                } else {
                    format!("a number from {low} to {high}")
                };
                return Err(format!("`{name}` must be {what} or null, not {value}"));
            }
            changes.push((name, (!value.is_null()).then(|| value.clone())));
        }
        Ok(changes)
    }

    /// Applies checked changes.
    pub fn apply(&mut self, changes: &[(&'static str, Option<Value>)]) {
        for (name, value) in changes {
            match value {
                Some(v) => {
                    self.0.insert(name, v.clone());
                }
                None => {
                    self.0.remove(name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_scenario_is_valid() {
        let doc = include_str!("../../../docs/simulator.md");
        let section = &doc[doc.find("### Weather").expect("the section")..];
        let start = section.find("```json\n").expect("an example") + "```json\n".len();
        let end = start + section[start..].find("```").expect("the example's end");
        let s = Scenario::from_json(&section[start..end])
            .unwrap_or_else(|e| panic!("the scenario of docs/simulator.md: {e}"));
        let held = Held::default();
        assert_eq!(s.sample(4000.0, 0, &held).rain, Some(true));
    }

    #[test]
    fn the_builtin_scenarios_are_valid() {
        for (name, text) in BUILTIN {
            let s = Scenario::from_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(s.name, name);
        }
    }

    #[test]
    fn the_weather_is_deterministic_and_follows_the_keyframes() {
        let s = Scenario::named_or_file("variable").expect("variable");
        let held = Held::default();
        assert_eq!(s.sample(1234.5, 9, &held), s.sample(1234.5, 9, &held));
        assert_ne!(s.sample(1234.5, 9, &held), s.sample(1234.5, 10, &held));
        // variable brings a shower some time in the night; clear never does.
        let rains = |s: &Scenario| {
            (0..24 * 60).any(|m| s.sample(f64::from(m) * 60.0, 0, &held).rain == Some(true))
        };
        assert!(rains(&s));
        assert!(!rains(&Scenario::clear()));
        let storm = Scenario::named_or_file("storm").expect("storm");
        let early = storm.sample(1800.0, 0, &held);
        assert!(early.wind_speed_m_s.unwrap_or(0.0) > 15.0 && early.rain == Some(true));
    }

    #[test]
    fn fields_interpolate_linearly_and_hold_after_the_last_keyframe() {
        let s = Scenario::from_json(
            r#"{"name": "t", "keyframes": [
                {"at_s": 0, "temperature_c": 10, "humidity_pct": 50, "pressure_hpa": 1000,
                 "wind_speed_m_s": 2, "cloud_cover_pct": 0, "sky_quality_mag_arcsec2": 21, "rain": false},
                {"at_s": 100, "temperature_c": 20},
                {"at_s": 200, "wind_speed_m_s": 12, "rain": true}
            ]}"#,
        )
        .expect("a scenario");
        let held = Held::default();
        let w = s.sample(50.0, 0, &held);
        assert_eq!(w.temperature_c, Some(15.0));
        assert_eq!(w.wind_speed_m_s, Some(4.5));
        assert_eq!(w.rain, Some(false));
        let late = s.sample(1000.0, 0, &held);
        assert_eq!((late.temperature_c, late.rain), (Some(20.0), Some(true)));
        assert_eq!(late.wind_gust_m_s, Some(12.0), "no gusts configured");
    }

    #[test]
    fn the_dew_point_follows_magnus() {
        assert!((dew_point_c(20.0, 100.0) - 20.0).abs() < 1e-9);
        assert!((dew_point_c(20.0, 50.0) - 9.26).abs() < 0.05);
        assert!((dew_point_c(8.4, 41.0) - (-4.2)).abs() < 0.2);
    }

    #[test]
    fn bad_scenarios_are_refused_with_the_reason() {
        let cases = [
            ("{", "not valid"),
            (r#"{"name": "x", "keyframes": []}"#, "at least one keyframe"),
            (
                r#"{"name": "x", "keyframes": [{"at_s": 0, "temperature_c": 1}]}"#,
                "must give humidity_pct",
            ),
            (
                r#"{"name": "x", "keyframes": [{"at_s": 0, "temperature_c": 1, "wind": 3}]}"#,
                "unknown field `wind`",
            ),
        ];
        for (text, reason) in cases {
            let e = Scenario::from_json(text).expect_err(text).to_string();
            assert!(e.contains(reason), "{text}: {e}");
        }
        let base = r#"{"at_s": 0, "temperature_c": 1, "humidity_pct": 50, "pressure_hpa": 1000,
            "wind_speed_m_s": 2, "cloud_cover_pct": 0, "sky_quality_mag_arcsec2": 21, "rain": false}"#;
        let unordered =
            format!(r#"{{"name": "x", "keyframes": [{base}, {{"at_s": 50}}, {{"at_s": 20}}]}}"#);
        let e = Scenario::from_json(&unordered)
            .expect_err("unordered")
            .to_string();
        assert!(e.contains("does not come after"), "{e}");
        let humid = format!(
            r#"{{"name": "x", "keyframes": [{base}, {{"at_s": 5, "humidity_pct": 130}}]}}"#
        );
        let e = Scenario::from_json(&humid).expect_err("humid").to_string();
        assert!(e.contains("humidity_pct 130 is outside"), "{e}");
        let noise = format!(r#"{{"name": "x", "keyframes": [{base}], "noise": {{"rain": 1}}}}"#);
        let e = Scenario::from_json(&noise).expect_err("noise").to_string();
        assert!(e.contains("noise names `rain`"), "{e}");
        let e = Scenario::named_or_file("/no/such/file.json")
            .expect_err("missing")
            .to_string();
        assert!(e.contains("not a built-in scenario"), "{e}");
    }

    #[test]
    fn held_fields_override_and_null_returns_to_the_scenario() {
        let s = Scenario::clear();
        let mut held = Held::default();
        let changes = Held::parse_changes(&json!({"rain": true, "wind_speed_m_s": 25}))
            .expect("good changes");
        held.apply(&changes);
        let w = s.sample(10.0, 0, &held);
        assert_eq!((w.rain, w.wind_speed_m_s), (Some(true), Some(25.0)));
        assert!(w.wind_gust_m_s.unwrap_or(0.0) >= 25.0);
        held.apply(&Held::parse_changes(&json!({"rain": null})).expect("null"));
        assert_eq!(s.sample(10.0, 0, &held).rain, Some(false));
        for bad in [
            json!([1]),
            json!({}),
            json!({"rain": 1}),
            json!({"wind_speed_m_s": "fast"}),
            json!({"humidity_pct": 130}),
            json!({"dew_point_c": 3}),
            json!({"snow": true}),
        ] {
            assert!(Held::parse_changes(&bad).is_err(), "{bad}");
        }
    }
}
