//! The simulated world: accounts, telescopes, sites and device parameters,
//! read from JSON (`--world FILE`) or built in (`world.json`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use skynet_protocol::{
    Access, ConstraintType, ConstraintUid, FilterSlot, HorizonPoint, ObservatoryUid, Reading, Site,
    TelescopeUid,
};

/// Why a world file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The file could not be read.
    #[error("cannot read the world file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The JSON does not have the world's shape.
    #[error("the world file is not valid: {0}")]
    Parse(#[from] serde_json::Error),
    /// The JSON has the shape but contradicts itself.
    #[error("the world file is not valid: {0}")]
    Invalid(String),
}

/// The whole simulated world.
#[derive(Debug, Clone, Deserialize)]
pub struct World {
    /// Who may connect, and with which token.
    pub accounts: Vec<AccountConfig>,
    /// The telescopes.
    pub telescopes: Vec<TelescopeConfig>,
    /// OAuth clients registered besides the built-in `skydeck`.
    #[serde(default)]
    pub clients: Vec<crate::oauth::ClientConfig>,
    /// The observatories' own settings (constraints, `clear_after_s`); an
    /// observatory of a telescope not listed here gets the defaults.
    #[serde(default)]
    pub observatories: Vec<ObservatoryConfig>,
}

/// An observatory's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservatoryConfig {
    /// Its uid (the `observatory_uid` of its telescopes).
    pub observatory_uid: ObservatoryUid,
    /// Its name for people.
    #[serde(default)]
    pub name: Option<String>,
    /// How long (simulated seconds) every constraint of a tripped interlock
    /// must hold before it clears.
    #[serde(default = "default_clear_after_s")]
    pub clear_after_s: f64,
    /// How long (simulated seconds) the enclosure takes to open or close.
    #[serde(default = "default_enclosure_move_s")]
    pub enclosure_move_s: f64,
    /// Constraints of the whole observatory.
    #[serde(default)]
    pub constraints: Vec<ConstraintConfig>,
}

impl ObservatoryConfig {
    /// The defaults, for an observatory the world file does not list.
    pub fn defaults(observatory_uid: ObservatoryUid) -> Self {
        Self {
            observatory_uid,
            name: None,
            clear_after_s: default_clear_after_s(),
            enclosure_move_s: default_enclosure_move_s(),
            constraints: Vec::new(),
        }
    }
}

fn default_clear_after_s() -> f64 {
    600.0
}

fn default_enclosure_move_s() -> f64 {
    60.0
}

/// One observing constraint: one threshold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintConfig {
    /// Its uid; derived from its owner's uid and its threshold when absent.
    #[serde(default)]
    pub constraint_uid: Option<ConstraintUid>,
    /// What it watches.
    pub constraint_type: ConstraintType,
    /// Its one threshold, e.g. `{"max_wind_speed_m_s": 15}`.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// A failure trips the shutdown interlock.
    #[serde(default)]
    pub interlock: bool,
}

/// The thresholds each constraint type knows, and whether it is a flag.
pub const THRESHOLDS: [(ConstraintType, &str, bool); 7] = [
    (ConstraintType::SunAltitude, "max_sun_altitude_deg", false),
    (ConstraintType::WeatherSensor, "max_wind_speed_m_s", false),
    (ConstraintType::WeatherSensor, "max_wind_gust_m_s", false),
    (ConstraintType::WeatherSensor, "max_humidity_pct", false),
    (ConstraintType::WeatherSensor, "max_cloud_cover_pct", false),
    (ConstraintType::WeatherSensor, "rain", true),
    (
        ConstraintType::MountSunSeparation,
        "min_separation_deg",
        false,
    ),
];

impl ConstraintConfig {
    /// Its one parameter and threshold, checked.
    pub fn threshold(&self) -> Result<(&'static str, Reading), String> {
        let kind = &self.constraint_type;
        let mut keys = self.params.iter();
        let (Some((key, value)), None) = (keys.next(), keys.next()) else {
            return Err(format!("a {kind} needs exactly one parameter in params"));
        };
        let Some(&(_, name, flag)) = THRESHOLDS
            .iter()
            .find(|(t, name, _)| t == kind && name == key)
        else {
            let known: Vec<&str> = THRESHOLDS
                .iter()
                .filter(|(t, _, _)| t == kind)
                .map(|(_, name, _)| *name)
                .collect();
            return Err(if known.is_empty() {
                format!("the simulator does not evaluate {kind}")
            } else {
                format!(
                    "a {kind} has no parameter `{key}`; it has {}",
                    known.join(", ")
                )
            });
        };
        match (flag, value) {
            (true, serde_json::Value::Bool(false)) => Ok((name, Reading::Flag(false))),
            (true, _) => Err(format!("{name} must be false (no rain allowed)")),
            (false, v) => match v.as_f64().filter(|x| x.is_finite()) {
                Some(x) => Ok((name, Reading::Number(x))),
                None => Err(format!("{name} must be a number")),
            },
        }
    }
}

/// An account and its development token.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountConfig {
    /// The account name.
    pub account: String,
    /// The bearer token that signs in as it.
    pub token: String,
}

/// One telescope and its devices.
#[derive(Debug, Clone, Deserialize)]
pub struct TelescopeConfig {
    /// Its uid.
    pub telescope_uid: TelescopeUid,
    /// Its name for people.
    pub name: String,
    /// The observatory it stands in.
    #[serde(default)]
    pub observatory_uid: Option<ObservatoryUid>,
    /// Where it stands.
    pub site: Site,
    /// Access per account; accounts not listed cannot see it.
    pub access: BTreeMap<String, Access>,
    /// The optical tube.
    pub ota: OtaConfig,
    /// Mount parameters.
    pub mount: MountConfig,
    /// Camera parameters.
    pub camera: CameraConfig,
    /// Focuser parameters.
    pub focuser: FocuserConfig,
    /// Filter wheel slots.
    pub filters: Vec<FilterSlot>,
    /// Rotator parameters.
    pub rotator: RotatorConfig,
    /// Who controls it at start-up: `remote` (the default) or `manual`, an
    /// owner's sustained manual mode (set by the first owner listed).
    #[serde(default)]
    pub control_authority: Option<skynet_protocol::ControlAuthority>,
    /// The local horizon, sorted by azimuth (docs/protocol.md §10.2).
    #[serde(default)]
    pub local_horizon: Vec<HorizonPoint>,
    /// Constraints of this telescope alone.
    #[serde(default)]
    pub constraints: Vec<ConstraintConfig>,
}

impl TelescopeConfig {
    /// The account that owns it (the first listed), if any.
    pub fn owner(&self) -> Option<&str> {
        self.access
            .iter()
            .find(|(_, access)| **access == Access::Owner)
            .map(|(account, _)| account.as_str())
    }
}

/// The optical tube assembly.
#[derive(Debug, Clone, Deserialize)]
pub struct OtaConfig {
    /// Effective focal length, millimetres.
    pub focal_length_mm: f64,
    /// Clear aperture, millimetres.
    pub aperture_mm: f64,
}

/// Mount parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct MountConfig {
    /// Slew speed on each axis, degrees per second.
    pub slew_rate_deg_s: f64,
    /// Targets below this altitude are refused.
    pub min_altitude_deg: f64,
}

/// Camera parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct CameraConfig {
    /// Sensor width, pixels (unbinned).
    pub width: u32,
    /// Sensor height, pixels (unbinned).
    pub height: u32,
    /// Cooler set point, °C.
    pub temperature_c: f64,
}

/// Focuser parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct FocuserConfig {
    /// Travel, microns (from 0).
    pub max_um: f64,
    /// Speed, microns per second.
    pub speed_um_s: f64,
    /// Position at start.
    pub position_um: f64,
    /// Best focus at 10 °C; it drifts with temperature.
    pub best_focus_um: f64,
}

/// Rotator parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct RotatorConfig {
    /// Speed, degrees per second.
    pub speed_deg_s: f64,
}

impl World {
    /// The built-in world: two telescopes, four development accounts.
    pub fn builtin() -> Self {
        // The built-in file is checked by a unit test; it cannot fail here.
        Self::from_json(include_str!("world.json"))
            .unwrap_or_else(|e| panic!("built-in world: {e}"))
    }

    /// Reads a world file.
    pub fn load(path: &Path) -> Result<Self, WorldError> {
        let text = std::fs::read_to_string(path).map_err(|source| WorldError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// Parses and checks a world.
    pub fn from_json(text: &str) -> Result<Self, WorldError> {
        let world: World = serde_json::from_str(text)?;
        world.check()?;
        Ok(world)
    }

    fn check(&self) -> Result<(), WorldError> {
        let invalid = |m: String| Err(WorldError::Invalid(m));
        let mut tokens = std::collections::HashSet::new();
        for a in &self.accounts {
            if !tokens.insert(a.token.as_str()) {
                return invalid(format!("token of {} is used twice", a.account));
            }
        }
        let mut clients = std::collections::HashSet::new();
        for c in &self.clients {
            if c.client_id.trim().is_empty() {
                return invalid("a client has an empty client_id".into());
            }
            if !clients.insert(c.client_id.as_str()) {
                return invalid(format!("client {} is listed twice", c.client_id));
            }
            if c.redirect_uris.is_empty() {
                return invalid(format!("client {} has no redirect_uris", c.client_id));
            }
        }
        let mut uids = std::collections::HashSet::new();
        for t in &self.telescopes {
            let uid = &t.telescope_uid;
            if !uids.insert(uid.as_str()) {
                return invalid(format!("telescope {uid} is listed twice"));
            }
            // SkyNet identifies every resource by a UUID.
            if uuid::Uuid::parse_str(uid.as_str()).is_err() {
                return invalid(format!("telescope uid {uid} is not a UUID"));
            }
            if let Some(observatory) = &t.observatory_uid {
                if uuid::Uuid::parse_str(observatory.as_str()).is_err() {
                    return invalid(format!(
                        "{uid}: observatory uid {observatory} is not a UUID"
                    ));
                }
            }
            if !(t.ota.focal_length_mm > 0.0 && t.ota.aperture_mm > 0.0) {
                return invalid(format!(
                    "{uid}: the tube's focal length and aperture must be positive"
                ));
            }
            if !(-90.0..=90.0).contains(&t.site.latitude_deg) {
                return invalid(format!("{uid}: latitude out of range"));
            }
            if t.mount.slew_rate_deg_s <= 0.0
                || t.focuser.speed_um_s <= 0.0
                || t.rotator.speed_deg_s <= 0.0
            {
                return invalid(format!("{uid}: speeds must be positive"));
            }
            if t.filters.is_empty() {
                return invalid(format!("{uid}: the filter wheel needs at least one slot"));
            }
            if !(0.0..=t.focuser.max_um).contains(&t.focuser.position_um) {
                return invalid(format!("{uid}: focuser position outside its travel"));
            }
            for account in t.access.keys() {
                if !self.accounts.iter().any(|a| &a.account == account) {
                    return invalid(format!("{uid}: access names unknown account {account}"));
                }
            }
            check_horizon(&t.local_horizon)
                .map_err(|m| WorldError::Invalid(format!("{uid}: {m}")))?;
            if t.observatory_uid.is_none() && !t.constraints.is_empty() {
                return invalid(format!(
                    "{uid}: constraints need the telescope's observatory_uid"
                ));
            }
            check_constraints(&t.constraints, false)
                .map_err(|m| WorldError::Invalid(format!("{uid}: {m}")))?;
        }
        let mut observatories = std::collections::HashSet::new();
        for o in &self.observatories {
            let uid = &o.observatory_uid;
            if !observatories.insert(uid.as_str()) {
                return invalid(format!("observatory {uid} is listed twice"));
            }
            if !self
                .telescopes
                .iter()
                .any(|t| t.observatory_uid.as_ref() == Some(uid))
            {
                return invalid(format!("observatory {uid} has no telescope"));
            }
            if !(o.clear_after_s.is_finite() && o.clear_after_s >= 0.0) {
                return invalid(format!(
                    "observatory {uid}: clear_after_s must be 0 or more"
                ));
            }
            if !(o.enclosure_move_s.is_finite() && o.enclosure_move_s > 0.0) {
                return invalid(format!(
                    "observatory {uid}: enclosure_move_s must be positive"
                ));
            }
            check_constraints(&o.constraints, true)
                .map_err(|m| WorldError::Invalid(format!("observatory {uid}: {m}")))?;
        }
        Ok(())
    }

    /// Every observatory of the world, in the order its telescopes come,
    /// with its settings.
    pub fn observatories(&self) -> Vec<ObservatoryConfig> {
        let mut out: Vec<ObservatoryConfig> = Vec::new();
        for t in &self.telescopes {
            let Some(uid) = &t.observatory_uid else {
                continue;
            };
            if out.iter().any(|o| &o.observatory_uid == uid) {
                continue;
            }
            out.push(
                self.observatories
                    .iter()
                    .find(|o| &o.observatory_uid == uid)
                    .cloned()
                    .unwrap_or_else(|| ObservatoryConfig::defaults(uid.clone())),
            );
        }
        out
    }

    /// The account a token signs in as.
    pub fn account_for_token(&self, token: &str) -> Option<&str> {
        self.accounts
            .iter()
            .find(|a| a.token == token)
            .map(|a| a.account.as_str())
    }
}

/// A local horizon must be sorted by azimuth within 0 to 360, altitudes
/// within -10 to 90.
fn check_horizon(horizon: &[HorizonPoint]) -> Result<(), String> {
    for p in horizon {
        if !(0.0..=360.0).contains(&p.az_deg) || !(-10.0..=90.0).contains(&p.alt_deg) {
            return Err(format!(
                "local_horizon point (az {}, alt {}) lies outside az 0 to 360, alt -10 to 90",
                p.az_deg, p.alt_deg
            ));
        }
    }
    if let Some(pair) = horizon.windows(2).find(|w| w[1].az_deg < w[0].az_deg) {
        return Err(format!(
            "local_horizon is not sorted by azimuth: {} comes after {}",
            pair[1].az_deg, pair[0].az_deg
        ));
    }
    Ok(())
}

/// Each constraint has one known threshold, a UUID if it names one, and no
/// threshold is set twice at one level.
fn check_constraints(constraints: &[ConstraintConfig], observatory: bool) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for c in constraints {
        let (name, _) = c.threshold()?;
        if c.constraint_type == ConstraintType::MountSunSeparation && observatory {
            return Err("a MountSunSeparationConstraint belongs to a telescope".into());
        }
        if !seen.insert(name) {
            return Err(format!("{name} is set twice"));
        }
        if let Some(uid) = &c.constraint_uid {
            if uuid::Uuid::parse_str(uid.as_str()).is_err() {
                return Err(format!("constraint uid {uid} is not a UUID"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_world_is_valid_and_has_the_documented_accounts() {
        let world = World::builtin();
        assert_eq!(world.telescopes.len(), 2);
        for account in [
            "dev-owner",
            "dev-astronomer",
            "dev-astronomer-2",
            "dev-viewer",
        ] {
            assert_eq!(
                world.account_for_token(&format!("{account}-token")),
                Some(account)
            );
        }
        for t in &world.telescopes {
            let ids: Vec<&str> = t.filters.iter().map(|f| f.filter_id.as_str()).collect();
            for f in ["L", "R", "G", "B", "Ha"] {
                assert!(ids.contains(&f), "{} lacks {f}", t.telescope_uid);
            }
        }
    }

    #[test]
    fn a_world_that_contradicts_itself_is_refused() {
        let text = include_str!("world.json").replace("dev-viewer-token", "dev-owner-token");
        assert!(matches!(
            World::from_json(&text),
            Err(WorldError::Invalid(_))
        ));
        assert!(matches!(World::from_json("{}"), Err(WorldError::Parse(_))));
        let named = include_str!("world.json")
            .replace("8c99ee09-e286-45ed-8bea-e4aa4b4dbcbd", "tel-lapalma");
        assert!(
            matches!(World::from_json(&named), Err(WorldError::Invalid(m)) if m.contains("not a UUID"))
        );
    }

    const DOC: &str = include_str!("../../../docs/simulator.md");

    #[test]
    fn the_documented_world_file_is_valid() {
        let section = &DOC[DOC.find("## World file format").expect("the section")..];
        let start = section.find("```json\n").expect("an example") + "```json\n".len();
        let end = start + section[start..].find("```").expect("the example's end");
        if let Err(e) = World::from_json(&section[start..end]) {
            panic!("the example world of docs/simulator.md: {e}");
        }
    }

    #[test]
    fn the_documented_uids_are_the_ones_sent() {
        let world = World::builtin();
        for t in &world.telescopes {
            let row = format!("| {} | `{}` |", t.name, t.telescope_uid);
            assert!(DOC.contains(&row), "docs/simulator.md lacks {row}");
        }
        let lapalma = &world.telescopes[0].telescope_uid;
        for device in crate::sim::Device::ALL {
            let row = format!("| `{}` | `{}` |", device.device_type(), device.uid(lapalma));
            assert!(DOC.contains(&row), "docs/simulator.md lacks {row}");
        }
        for o in world.observatories() {
            let name = o.name.clone().unwrap_or_default();
            for device in crate::observatory::ObservatoryDevice::ALL {
                let t = device.device_type();
                let uid = crate::observatory::observatory_device_uid(&o.observatory_uid, &t);
                let row = format!("| {name} | `{t}` | `{uid}` |");
                assert!(DOC.contains(&row), "docs/simulator.md lacks {row}");
            }
        }
        let observatory = TelescopeUid(
            world.telescopes[0]
                .observatory_uid
                .as_ref()
                .map(|o| o.as_str().to_owned())
                .unwrap_or_default(),
        );
        for (param, what) in [("rain", "rain"), ("max_wind_speed_m_s", "wind")] {
            let uid = crate::telescope::derived_uid(
                &observatory,
                &format!("WeatherSensorConstraint/{param}"),
            );
            let line = format!("{what} constraint is `{uid}`");
            let one_line = DOC.replace('\n', " ");
            assert!(
                one_line.contains(&line) || one_line.contains(&format!("{what} one `{uid}`")),
                "docs/simulator.md lacks the {what} constraint's uid {uid}"
            );
        }
        let imager = crate::telescope::derived_uid(lapalma, "optical_imager");
        assert!(
            DOC.contains(&imager),
            "docs/simulator.md lacks the imager's {imager}"
        );
    }
}
