//! The sky and the site: the observatory's weather sensor and enclosure,
//! observing constraints and their status, shutdown interlocks, and a
//! telescope's local horizon (Revision 2 of the decisions).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{ConstraintUid, ObservatoryUid, TelescopeUid, Timestamp};

/// Weather sensor state [ours]. Every reading may be missing: not every
/// station measures everything, and what it lacks is shown as unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeatherState {
    /// Air temperature, °C.
    #[serde(default, alias = "temperatureC")]
    pub temperature_c: Option<f64>,
    /// Relative humidity, percent.
    #[serde(default, alias = "humidityPct")]
    pub humidity_pct: Option<f64>,
    /// Dew point, °C.
    #[serde(default, alias = "dewPointC")]
    pub dew_point_c: Option<f64>,
    /// Air pressure, hPa.
    #[serde(default, alias = "pressureHpa")]
    pub pressure_hpa: Option<f64>,
    /// Mean wind speed, m/s.
    #[serde(default, alias = "windSpeedMS")]
    pub wind_speed_m_s: Option<f64>,
    /// Strongest gust, m/s.
    #[serde(default, alias = "windGustMS")]
    pub wind_gust_m_s: Option<f64>,
    /// Cloud cover, percent of the sky.
    #[serde(default, alias = "cloudCoverPct")]
    pub cloud_cover_pct: Option<f64>,
    /// Sky temperature (an infrared cloud sensor), °C.
    #[serde(default, alias = "skyTemperatureC")]
    pub sky_temperature_c: Option<f64>,
    /// Sky brightness, magnitudes per square arcsecond.
    #[serde(default, alias = "skyQualityMagArcsec2")]
    pub sky_quality_mag_arcsec2: Option<f64>,
    /// Rain detected.
    #[serde(default)]
    pub rain: Option<bool>,
}

string_enum! {
    /// An enclosure's shutter or roof [ours].
    pub enum ShutterState {
        /// Open to the sky.
        Open = "open",
        /// Opening.
        Opening = "opening",
        /// Closed.
        Closed = "closed",
        /// Closing.
        Closing = "closing",
        /// Stuck or failed.
        Error = "error",
    }
}

/// Enclosure state [ours]: a dome or a roll-off roof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnclosureState {
    /// Where the shutter is.
    pub shutter: ShutterState,
    /// Moving.
    pub moving: bool,
}

/// One point of a local horizon [ours]: at this azimuth the sky starts at
/// this altitude (trees, a hill, the dome's neighbour).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HorizonPoint {
    /// Azimuth from north through east, degrees, 0 to 360.
    #[serde(alias = "azDeg")]
    pub az_deg: f64,
    /// Altitude of the horizon there, degrees.
    #[serde(alias = "altDeg")]
    pub alt_deg: f64,
}

/// The local horizon's altitude at `az_deg`: linear between the points
/// (sorted by azimuth), wrapping at 360. `None` with no points.
pub fn horizon_altitude(horizon: &[HorizonPoint], az_deg: f64) -> Option<f64> {
    let az = az_deg.rem_euclid(360.0);
    let first = horizon.first()?;
    let last = horizon.last()?;
    if horizon.len() == 1 {
        return Some(first.alt_deg);
    }
    let between = |a: &HorizonPoint, b: &HorizonPoint, az: f64, span: f64| {
        if span <= 0.0 {
            return a.alt_deg.max(b.alt_deg);
        }
        a.alt_deg + (b.alt_deg - a.alt_deg) * ((az - a.az_deg) / span)
    };
    if let Some(pair) = horizon
        .windows(2)
        .find(|pair| pair[0].az_deg <= az && az <= pair[1].az_deg)
    {
        return Some(between(
            &pair[0],
            &pair[1],
            az,
            pair[1].az_deg - pair[0].az_deg,
        ));
    }
    // Past the last point or before the first: across north.
    let span = first.az_deg + 360.0 - last.az_deg;
    let az = if az < first.az_deg { az + 360.0 } else { az };
    Some(between(last, first, az, span))
}

string_enum! {
    /// What a constraint watches [published].
    pub enum ConstraintType {
        /// The power supply's battery.
        Battery = "BatteryConstraint",
        /// Free disk space.
        Storage = "StorageConstraint",
        /// The Sun's altitude (night only).
        SunAltitude = "SunAltitudeConstraint",
        /// A weather sensor reading.
        WeatherSensor = "WeatherSensorConstraint",
        /// The mount's distance from the Sun.
        MountSunSeparation = "MountSunSeparationConstraint",
    }
}

/// An observing constraint [ours], in `event_constraint_snapshot`: set at
/// the observatory (`telescope_uid` null) or at one telescope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstraintSnapshot {
    /// The constraint.
    #[serde(alias = "constraintUid")]
    pub constraint_uid: ConstraintUid,
    /// What it watches.
    #[serde(alias = "constraintType")]
    pub constraint_type: ConstraintType,
    /// Its observatory.
    #[serde(alias = "observatoryUid")]
    pub observatory_uid: ObservatoryUid,
    /// Its telescope, or null for the whole observatory.
    #[serde(default, alias = "telescopeUid")]
    pub telescope_uid: Option<TelescopeUid>,
    /// Its thresholds, per type: `{"max_wind_speed_m_s": 15}`,
    /// `{"max_sun_altitude_deg": -12}`, `{"rain": false}`.
    #[serde(default)]
    pub params: Map<String, Value>,
    /// A failure trips the shutdown interlock.
    #[serde(default)]
    pub interlock: bool,
}

/// A reading or a threshold: a number, or a flag (rain).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reading {
    /// Yes or no.
    Flag(bool),
    /// A number, in the unit its parameter names.
    Number(f64),
}

/// Whether a constraint holds [ours], in `event_constraint_status_snapshot`:
/// which threshold, the value, and since when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstraintStatusSnapshot {
    /// The constraint.
    #[serde(alias = "constraintUid")]
    pub constraint_uid: ConstraintUid,
    /// What it watches.
    #[serde(alias = "constraintType")]
    pub constraint_type: ConstraintType,
    /// It holds now.
    pub satisfied: bool,
    /// The value it compares, when known.
    #[serde(default)]
    pub value: Option<Reading>,
    /// The threshold it compares against.
    #[serde(default)]
    pub threshold: Option<Reading>,
    /// When `satisfied` last changed.
    pub since: Timestamp,
    /// What it says, for people.
    #[serde(default)]
    pub message: String,
}

/// A shutdown interlock [ours], in `event_shutdown_interlock_snapshot`: for
/// one telescope, or (`telescope_uid` null) the whole observatory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShutdownInterlockSnapshot {
    /// The observatory.
    #[serde(alias = "observatoryUid")]
    pub observatory_uid: ObservatoryUid,
    /// The telescope, or null for the whole observatory.
    #[serde(default, alias = "telescopeUid")]
    pub telescope_uid: Option<TelescopeUid>,
    /// Shut down now.
    pub active: bool,
    /// Why, for people (the failing constraints).
    #[serde(default)]
    pub reason: String,
    /// The failing interlock constraints.
    #[serde(default, alias = "constraintUids")]
    pub constraint_uids: Vec<ConstraintUid>,
    /// When `active` last changed.
    pub since: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn horizon() -> Vec<HorizonPoint> {
        [(10.0, 5.0), (90.0, 15.0), (270.0, 5.0), (350.0, 25.0)]
            .iter()
            .map(|&(az_deg, alt_deg)| HorizonPoint { az_deg, alt_deg })
            .collect()
    }

    #[test]
    fn the_horizon_is_linear_between_points() {
        let h = horizon();
        assert_eq!(horizon_altitude(&h, 10.0), Some(5.0));
        assert_eq!(horizon_altitude(&h, 50.0), Some(10.0));
        assert_eq!(horizon_altitude(&h, 180.0), Some(10.0));
        assert_eq!(horizon_altitude(&h, 350.0), Some(25.0));
    }

    #[test]
    fn the_horizon_wraps_across_north() {
        let h = horizon();
        // 350° (25°) to 10° (5°) across north: 0° is half way.
        assert_eq!(horizon_altitude(&h, 0.0), Some(15.0));
        assert_eq!(horizon_altitude(&h, 360.0), Some(15.0));
        assert_eq!(horizon_altitude(&h, -5.0), Some(20.0));
        assert_eq!(horizon_altitude(&h, 5.0), Some(10.0));
    }

    #[test]
    fn no_horizon_is_none_and_one_point_is_flat() {
        assert_eq!(horizon_altitude(&[], 100.0), None);
        let one = [HorizonPoint {
            az_deg: 0.0,
            alt_deg: 8.0,
        }];
        assert_eq!(horizon_altitude(&one, 200.0), Some(8.0));
    }

    #[test]
    fn readings_are_numbers_or_flags() {
        let status: ConstraintStatusSnapshot = serde_json::from_value(serde_json::json!({
            "constraint_uid": "c", "constraint_type": "WeatherSensorConstraint",
            "satisfied": false, "value": true, "threshold": false,
            "since": "2026-12-03T01:00:00Z", "message": "rain"
        }))
        .expect("a status");
        assert_eq!(status.value, Some(Reading::Flag(true)));
        let status: ConstraintStatusSnapshot = serde_json::from_value(serde_json::json!({
            "constraintUid": "c", "constraintType": "SunAltitudeConstraint",
            "satisfied": true, "value": -20.5, "threshold": -12,
            "since": "2026-12-03T01:00:00Z"
        }))
        .expect("a camelCase status");
        assert_eq!(status.threshold, Some(Reading::Number(-12.0)));
    }
}
