//! What the stream endpoint delivers: device, telescope and instrument
//! snapshots, lease events and log entries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::decode::{decode_field, decode_struct, DecodeError};
use crate::{
    AutofocusSample, AutofocusStrategy, CommandId, CommandStatus, ConstraintUid, DeviceUid,
    EnclosureState, HorizonPoint, InstrumentUid, LeaseId, LogEntryUid, ObservatoryUid,
    OffsetPattern, TargetPosition, TelescopeUid, Timestamp, WeatherState,
};

string_enum! {
    /// Streams of `/v1/ws/stream` (`StreamName`) [published].
    pub enum StreamName {
        /// Device snapshots (mount, focuser, camera, ...).
        DeviceSnapshot = "device_snapshot",
        /// Telescope summaries: authority, lease, devices, access.
        TelescopeSnapshot = "telescope_snapshot",
        /// Instrument state (the imager's autofocus progress).
        InstrumentSnapshot = "instrument_snapshot",
        /// The telescope's log.
        TelescopeLog = "telescope_log",
        /// Observing constraints.
        ConstraintSnapshot = "constraint_snapshot",
        /// Whether the constraints are met.
        ConstraintStatusSnapshot = "constraint_status_snapshot",
        /// Manual control lease changes.
        ManualControlLease = "manual_control_lease",
        /// Shutdown interlocks (weather, safety).
        ShutdownInterlockSnapshot = "shutdown_interlock_snapshot",
    }
}

string_enum! {
    /// Streams of `/v1/ws/commands` (`CommandStreamName`) [published].
    pub enum CommandStreamName {
        /// Every published command.
        Command = "command",
        /// Every command result.
        CommandResult = "command_result",
    }
}

string_enum! {
    /// Device types (`DeviceType`) [published].
    pub enum DeviceType {
        /// Dome or roll-off roof.
        Enclosure = "enclosure",
        /// Optical tube assembly.
        Ota = "ota",
        /// Camera.
        Camera = "camera",
        /// Focuser.
        Focuser = "focuser",
        /// Instrument rotator.
        InstrumentRotator = "instrument_rotator",
        /// Filter wheel.
        FilterWheel = "filter_wheel",
        /// Mount.
        Mount = "mount",
        /// Weather sensor.
        WeatherSensor = "weather_sensor",
        /// Radio antenna.
        Antenna = "antenna",
        /// Radio receiver.
        Receiver = "receiver",
        /// Radio backend.
        RadioBackend = "radio_backend",
    }
}

/// The latest state of one device [ours], in `event_device_snapshot`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceSnapshot {
    /// The device.
    #[serde(alias = "deviceUid")]
    pub device_uid: DeviceUid,
    /// Its type, which decides the shape of `state`.
    #[serde(alias = "deviceType")]
    pub device_type: DeviceType,
    /// The telescope it belongs to; null for an observatory's own devices
    /// (its weather sensor and enclosure).
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: Option<TelescopeUid>,
    /// The observatory it stands in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "observatoryUid")]
    pub observatory_uid: Option<ObservatoryUid>,
    /// When the state was observed.
    #[serde(alias = "observedAt")]
    pub observed_at: Timestamp,
    /// The state, per device type.
    pub state: DeviceState,
}

/// The per-type state of a device snapshot. Encoded without a tag: the
/// snapshot's `device_type` says which it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DeviceState {
    /// A mount.
    Mount(MountState),
    /// A focuser.
    Focuser(FocuserState),
    /// A camera.
    Camera(CameraState),
    /// A filter wheel.
    FilterWheel(FilterWheelState),
    /// An instrument rotator.
    Rotator(RotatorState),
    /// An optical tube assembly.
    Ota(OtaState),
    /// An observatory's weather sensor.
    Weather(WeatherState),
    /// An observatory's dome or roof.
    Enclosure(EnclosureState),
    /// A device type without a typed state here, kept whole.
    Other(Value),
}

impl<'de> Deserialize<'de> for DeviceSnapshot {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(alias = "deviceUid")]
            device_uid: DeviceUid,
            #[serde(alias = "deviceType")]
            device_type: DeviceType,
            #[serde(default, alias = "telescopeUid")]
            telescope_uid: Option<TelescopeUid>,
            #[serde(default, alias = "observatoryUid")]
            observatory_uid: Option<ObservatoryUid>,
            #[serde(alias = "observedAt")]
            observed_at: Timestamp,
            state: Value,
        }
        let raw = Raw::deserialize(deserializer)?;
        let state = decode_field("state", raw.state, |state| {
            DeviceState::decode(&raw.device_type, state)
        })
        .map_err(serde::de::Error::custom)?;
        Ok(Self {
            device_uid: raw.device_uid,
            device_type: raw.device_type,
            telescope_uid: raw.telescope_uid,
            observatory_uid: raw.observatory_uid,
            observed_at: raw.observed_at,
            state,
        })
    }
}

impl DeviceState {
    fn decode(device_type: &DeviceType, state: Value) -> Result<Self, DecodeError> {
        Ok(match device_type {
            DeviceType::Mount => Self::Mount(decode_struct(&state)?),
            DeviceType::Focuser => Self::Focuser(decode_struct(&state)?),
            DeviceType::Camera => Self::Camera(decode_struct(&state)?),
            DeviceType::FilterWheel => Self::FilterWheel(decode_struct(&state)?),
            DeviceType::InstrumentRotator => Self::Rotator(decode_struct(&state)?),
            DeviceType::Ota => Self::Ota(decode_struct(&state)?),
            DeviceType::WeatherSensor => Self::Weather(decode_struct(&state)?),
            DeviceType::Enclosure => Self::Enclosure(decode_struct(&state)?),
            _ => Self::Other(state),
        })
    }
}

/// Mount state [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MountState {
    /// Right ascension of the pointing, degrees.
    #[serde(alias = "raDeg")]
    pub ra_deg: f64,
    /// Declination of the pointing, degrees.
    #[serde(alias = "decDeg")]
    pub dec_deg: f64,
    /// Altitude, degrees.
    #[serde(alias = "altDeg")]
    pub alt_deg: f64,
    /// Azimuth from north through east, degrees.
    #[serde(alias = "azDeg")]
    pub az_deg: f64,
    /// Moving to a target.
    pub slewing: bool,
    /// Following the sky.
    pub tracking: bool,
    /// At the park position.
    pub parked: bool,
    /// The current target, or null.
    #[serde(default)]
    pub target: Option<TargetPosition>,
    /// The offset pattern being played, or null.
    #[serde(default)]
    #[serde(alias = "offsetPattern")]
    pub offset_pattern: Option<OffsetPattern>,
}

/// Focuser state [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FocuserState {
    /// Position, microns.
    #[serde(alias = "positionUm")]
    pub position_um: f64,
    /// Moving.
    pub moving: bool,
    /// Temperature at the focuser, °C.
    #[serde(alias = "temperatureC")]
    pub temperature_c: f64,
}

string_enum! {
    /// What the camera is doing [ours].
    pub enum ExposureState {
        /// Ready.
        Idle = "idle",
        /// Shutter open.
        Exposing = "exposing",
        /// Reading the sensor out.
        ReadingOut = "reading_out",
    }
}

/// Camera state [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraState {
    /// What the camera is doing.
    #[serde(alias = "exposureState")]
    pub exposure_state: ExposureState,
    /// Progress of the current exposure, 0 to 1.
    #[serde(alias = "exposureProgress")]
    pub exposure_progress: f64,
    /// Sensor temperature, °C.
    #[serde(alias = "temperatureC")]
    pub temperature_c: f64,
    /// Cooler running.
    #[serde(alias = "coolerOn")]
    pub cooler_on: bool,
}

/// One slot of a filter wheel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterSlot {
    /// The slot's id (pass it to `filter_wheel.set_option`).
    #[serde(alias = "filterWheelPositionId")]
    pub filter_wheel_position_id: u32,
    /// The filter's id (pass it as `filter_id`).
    #[serde(alias = "filterId")]
    pub filter_id: String,
    /// The filter's name for people.
    pub name: String,
}

/// Filter wheel state [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterWheelState {
    /// The slot in the beam.
    #[serde(alias = "filterWheelPositionId")]
    pub filter_wheel_position_id: u32,
    /// Moving.
    pub moving: bool,
    /// Every slot of the wheel.
    #[serde(default)]
    pub slots: Vec<FilterSlot>,
}

impl FilterWheelState {
    /// The slot in the beam, if the wheel lists it.
    pub fn current(&self) -> Option<&FilterSlot> {
        self.slots
            .iter()
            .find(|slot| slot.filter_wheel_position_id == self.filter_wheel_position_id)
    }
}

/// Instrument rotator state [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotatorState {
    /// Angle, degrees.
    #[serde(alias = "angleDeg")]
    pub angle_deg: f64,
    /// Moving.
    pub moving: bool,
}

/// Optical tube assembly state [ours]: the optics the camera sees through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtaState {
    /// Effective focal length, millimetres.
    #[serde(alias = "focalLengthMm")]
    pub focal_length_mm: f64,
    /// Clear aperture, millimetres.
    #[serde(alias = "apertureMm")]
    pub aperture_mm: f64,
    /// Focal ratio (focal length over aperture).
    #[serde(alias = "focalRatio")]
    pub focal_ratio: f64,
}

impl OtaState {
    /// The optics of a tube: the focal ratio follows from the other two.
    pub fn new(focal_length_mm: f64, aperture_mm: f64) -> Self {
        Self {
            focal_length_mm,
            aperture_mm,
            focal_ratio: focal_length_mm / aperture_mm,
        }
    }
}

string_enum! {
    /// Who controls a telescope [published].
    pub enum ControlAuthority {
        /// The scheduler runs it.
        Remote = "remote",
        /// A lease holder drives it by hand.
        Manual = "manual",
    }
}

string_enum! {
    /// The caller's access to a telescope [ours].
    pub enum Access {
        /// Owns it: may command, take leases and abort others' leases.
        Owner = "owner",
        /// Operates it: may command without a lease.
        Operator = "operator",
        /// May take a lease and command while holding it.
        Astronomer = "astronomer",
        /// May watch only.
        Viewer = "viewer",
    }
}

impl Access {
    /// Commands without a lease (owner and operator).
    pub fn has_standing_authority(&self) -> bool {
        matches!(self, Self::Owner | Self::Operator)
    }

    /// May acquire a manual control lease.
    pub fn may_lease(&self) -> bool {
        matches!(self, Self::Owner | Self::Operator | Self::Astronomer)
    }
}

string_enum! {
    /// The state of a manual control lease [ours].
    pub enum LeaseState {
        /// Held.
        Active = "active",
        /// Given back by its holder.
        Released = "released",
        /// Lapsed at `expires_at`.
        Expired = "expired",
        /// Ended by the owner (`system.abort_manual_control`).
        Revoked = "revoked",
    }
}

/// A manual control lease [ours]: in telescope snapshots and lease events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseInfo {
    /// The lease's id.
    #[serde(alias = "leaseId")]
    pub lease_id: LeaseId,
    /// The telescope it covers.
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: TelescopeUid,
    /// The account holding it.
    pub holder: String,
    /// Its state.
    pub state: LeaseState,
    /// When it lapses unless renewed.
    #[serde(alias = "expiresAt")]
    pub expires_at: Timestamp,
    /// The holder's stated purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// The site of a telescope [ours].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Geodetic latitude, degrees, north positive.
    #[serde(alias = "latitudeDeg")]
    pub latitude_deg: f64,
    /// Longitude, degrees, east positive.
    #[serde(alias = "longitudeDeg")]
    pub longitude_deg: f64,
    /// Height above sea level, metres.
    #[serde(alias = "elevationM")]
    pub elevation_m: f64,
}

/// A device as listed in a telescope snapshot [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceSummary {
    /// The device.
    #[serde(alias = "deviceUid")]
    pub device_uid: DeviceUid,
    /// Its type.
    #[serde(alias = "deviceType")]
    pub device_type: DeviceType,
    /// Its name for people.
    pub name: String,
}

/// A telescope as the caller sees it [ours], in `event_telescope_snapshot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelescopeSnapshot {
    /// The telescope.
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: TelescopeUid,
    /// Its name for people.
    pub name: String,
    /// The observatory it stands in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "observatoryUid")]
    pub observatory_uid: Option<ObservatoryUid>,
    /// Where it stands.
    pub site: Site,
    /// Who controls it now.
    #[serde(alias = "controlAuthority")]
    pub control_authority: ControlAuthority,
    /// The active lease, or null.
    #[serde(default)]
    pub lease: Option<LeaseInfo>,
    /// Sustained manual mode [published], or null: who set it and since
    /// when [ours]. Written as `null` when not set.
    #[serde(default, alias = "manualMode")]
    pub manual_mode: Option<ManualMode>,
    /// Its devices.
    #[serde(default)]
    pub devices: Vec<DeviceSummary>,
    /// The caller's access.
    pub access: Access,
    /// Its local horizon [published; the shape is ours], sorted by azimuth,
    /// linear between points, wrapping at 360; empty when it has none.
    #[serde(default, alias = "localHorizon", skip_serializing_if = "Vec::is_empty")]
    pub local_horizon: Vec<HorizonPoint>,
}

/// Sustained manual mode of a telescope [ours]: set by its owner for
/// maintenance, engineering or manual observing; no lease involved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManualMode {
    /// The account that set it.
    #[serde(alias = "setBy")]
    pub set_by: String,
    /// Since when.
    pub since: Timestamp,
}

impl TelescopeSnapshot {
    /// The first device of a type.
    pub fn device(&self, device_type: &DeviceType) -> Option<&DeviceSummary> {
        self.devices.iter().find(|d| &d.device_type == device_type)
    }
}

string_enum! {
    /// Instrument types [ours; the optical imager is published].
    pub enum InstrumentType {
        /// An OTA, a camera and a filter wheel together.
        OpticalImager = "optical_imager",
    }
}

/// An instrument: devices that together carry out an observation type
/// [published], in `event_instrument_snapshot`; the fields are [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstrumentSnapshot {
    /// The instrument's own uid.
    #[serde(alias = "instrumentUid")]
    pub instrument_uid: InstrumentUid,
    /// What kind of instrument.
    #[serde(alias = "instrumentType")]
    pub instrument_type: InstrumentType,
    /// The telescope it belongs to.
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: TelescopeUid,
    /// The devices it combines (for an optical imager: OTA, camera, filter wheel).
    #[serde(default, alias = "deviceUids")]
    pub device_uids: Vec<DeviceUid>,
    /// When the state was observed.
    #[serde(alias = "observedAt")]
    pub observed_at: Timestamp,
    /// What it is doing.
    pub state: InstrumentState,
}

/// The state of an instrument [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstrumentState {
    /// An exposure or an autofocus is running.
    pub busy: bool,
    /// The running or last autofocus pass, or null.
    #[serde(default)]
    pub autofocus: Option<AutofocusProgress>,
}

/// An autofocus pass as it runs: a sample is appended as each is measured.
/// `filter_id`, `strategy`, `samples` are [published]; the rest [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutofocusProgress {
    /// The `imager.autofocus` command running the pass [ours].
    #[serde(default, alias = "commandId", skip_serializing_if = "Option::is_none")]
    pub command_id: Option<CommandId>,
    /// The filter focused through.
    #[serde(alias = "filterId")]
    pub filter_id: String,
    /// The strategy.
    pub strategy: AutofocusStrategy,
    /// Still sampling [ours].
    #[serde(default)]
    pub running: bool,
    /// The samples so far.
    #[serde(default)]
    pub samples: Vec<AutofocusSample>,
    /// The fitted best focus, once known [ours].
    #[serde(
        default,
        alias = "bestPositionUm",
        skip_serializing_if = "Option::is_none"
    )]
    pub best_position_um: Option<f64>,
}

string_enum! {
    /// Severity of a telescope log entry [ours].
    pub enum LogLevel {
        /// Detail.
        Debug = "debug",
        /// Normal operation.
        Info = "info",
        /// Worth a look.
        Warning = "warning",
        /// Something failed.
        Error = "error",
    }
}

/// One telescope log entry, in `event_telescope_log`: polymorphic on
/// `log_entry_type` [published]; the fields are [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelescopeLogEntry {
    /// The entry's uid.
    #[serde(alias = "entryUid")]
    pub entry_uid: LogEntryUid,
    /// The telescope.
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: TelescopeUid,
    /// When it happened.
    pub at: Timestamp,
    /// The per-type body, tagged by `log_entry_type` (flattened into the entry).
    #[serde(flatten)]
    pub body: LogEntryBody,
}

tagged_enum! {
    /// The per-type part of a telescope log entry [ours]; an unknown type
    /// is kept whole (the whole entry) and shown as text.
    pub enum LogEntryBody (tag = "log_entry_type") {
        /// A significant event or an error.
        "message" => Message(LogMessage),
        /// A command's outcome.
        "command" => Command(LogCommand),
        /// A safety constraint changed.
        "safety" => Safety(LogSafety),
        /// A note written by an operator.
        "operator_note" => OperatorNote(LogOperatorNote),
    }
}

/// `log_entry_type: message` [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogMessage {
    /// Severity.
    pub level: LogLevel,
    /// What happened.
    pub message: String,
}

/// `log_entry_type: command` [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogCommand {
    /// The command.
    #[serde(alias = "commandId")]
    pub command_id: CommandId,
    /// Its type.
    #[serde(alias = "commandType")]
    pub command_type: String,
    /// How it ended.
    pub status: CommandStatus,
}

/// `log_entry_type: safety` [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogSafety {
    /// The constraint.
    #[serde(alias = "constraintUid")]
    pub constraint_uid: ConstraintUid,
    /// Whether it holds now.
    pub satisfied: bool,
    /// What it says, for people.
    pub message: String,
}

/// `log_entry_type: operator_note` [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogOperatorNote {
    /// Who wrote it.
    pub author: String,
    /// The note.
    pub text: String,
}

impl TelescopeLogEntry {
    /// A `message` entry.
    pub fn message(
        entry_uid: LogEntryUid,
        telescope_uid: TelescopeUid,
        at: Timestamp,
        level: LogLevel,
        message: impl Into<String>,
    ) -> Self {
        Self {
            entry_uid,
            telescope_uid,
            at,
            body: LogEntryBody::Message(LogMessage {
                level,
                message: message.into(),
            }),
        }
    }

    /// The entry as one line of text for people (without the time).
    pub fn text(&self) -> String {
        match &self.body {
            LogEntryBody::Message(m) => format!("{}: {}", m.level, m.message),
            LogEntryBody::Command(c) => {
                format!("command {} {} ({})", c.command_type, c.status, c.command_id)
            }
            LogEntryBody::Safety(s) => format!(
                "safety {} {}: {}",
                s.constraint_uid,
                if s.satisfied { "satisfied" } else { "violated" },
                s.message
            ),
            LogEntryBody::OperatorNote(n) => format!("note by {}: {}", n.author, n.text),
            LogEntryBody::Unknown(unknown) => {
                let mut rest = unknown.raw.clone();
                if let Some(map) = rest.as_object_mut() {
                    for key in ["entry_uid", "telescope_uid", "at", "log_entry_type"] {
                        map.remove(key);
                    }
                }
                format!("{}: {rest}", unknown.tag)
            }
        }
    }
}
