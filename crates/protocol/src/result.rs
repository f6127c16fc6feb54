//! Command results, error bodies and the typed `data` of each command type.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{CommandId, LeaseId, ProtocolError, TargetPosition, TelescopeUid, Timestamp};

string_enum! {
    /// The outcome of a command [published: `ok | error | canceled`].
    pub enum CommandStatus {
        /// It finished as asked.
        Ok = "ok",
        /// It failed; `error` says why.
        Error = "error",
        /// It was stopped by a cancel (or an owner abort).
        Canceled = "canceled",
    }
}

string_enum! {
    /// Error codes, in `error` messages and in results with status `error`.
    pub enum ErrorCode {
        /// The token is missing, bad or expired: sign in again.
        Unauthorized = "unauthorized",
        /// No standing authority on the telescope [published].
        Forbidden = "forbidden",
        /// A frame or payload is malformed; `details.field` names the field.
        InvalidMessage = "invalid_message",
        /// No telescope with that uid is visible to the caller.
        UnknownTelescope = "unknown_telescope",
        /// A command with that `command_id` was already published.
        DuplicateCommandId = "duplicate_command_id",
        /// No such command or subscription.
        NotFound = "not_found",
        /// The command has finished or cannot be stopped.
        NotCancelable = "not_cancelable",
        /// Too many messages; slow down.
        RateLimited = "rate_limited",
        /// The server failed.
        Internal = "internal",
        /// Another account holds the telescope's lease (a result error).
        LeaseHeld = "lease_held",
        /// The lease named does not exist or is not the caller's to change.
        LeaseNotFound = "lease_not_found",
        /// The catalog does not know the target's name (a result error).
        UnknownTarget = "unknown_target",
        /// The target is below the mount's altitude limit (a result error).
        BelowHorizon = "below_horizon",
        /// The telescope cannot do this (no such device, target type, filter).
        Unsupported = "unsupported",
        /// The device is already running another command (a result error).
        Busy = "busy",
        /// The telescope is in sustained manual mode: only its owner and
        /// operators command it (a result error of a lease acquire) [ours].
        ManualMode = "manual_mode",
        /// A shutdown interlock is active (weather, safety): only a lease
        /// release, an owner's abort and cancels are taken [ours].
        Interlocked = "interlocked",
    }
}

/// The body of an error: in results with status `error` and, with an `id`,
/// as the `error` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What kind of error.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Machine-readable context (`{"field": "command.binning"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl ErrorBody {
    /// An error body without details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
        }
    }

    /// Adds `details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Adds typed `details` (one of the `*Details` types).
    pub fn with_typed_details<T: Serialize>(mut self, details: &T) -> Self {
        self.details = serde_json::to_value(details).ok();
        self
    }

    /// The field named by `details.field`, for `invalid_message`.
    pub fn field(&self) -> Option<&str> {
        self.details.as_ref()?.get("field")?.as_str()
    }
}

/// The result of one command, carried by `event_command_result` [published].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandResult {
    /// The published command's id.
    #[serde(alias = "commandId")]
    pub command_id: CommandId,
    /// How it ended.
    pub status: CommandStatus,
    /// Per-command-type result data (see the `*Data` types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Present when `status` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    /// The telescope the command ran on [ours].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "telescopeUid")]
    pub telescope_uid: Option<TelescopeUid>,
    /// When it ended [ours].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "finishedAt")]
    pub finished_at: Option<Timestamp>,
}

impl CommandResult {
    /// Decodes `data` as one of the `*Data` types. `None` when there is no data.
    pub fn data_as<T: DeserializeOwned>(&self) -> Option<Result<T, ProtocolError>> {
        let data = self.data.as_ref()?;
        Some(crate::decode::decode_struct(data).map_err(ProtocolError::from))
    }
}

/// `data` of lease release and `system.abort_manual_control`: the lease ended [ours].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseEndedData {
    /// The lease that ended.
    #[serde(alias = "leaseId")]
    pub lease_id: LeaseId,
}

/// `details` of a `lease_held` result error [ours].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseHeldDetails {
    /// The account holding the lease.
    pub holder: String,
    /// When it lapses unless renewed.
    #[serde(alias = "expiresAt")]
    pub expires_at: Timestamp,
    /// The lease.
    #[serde(alias = "leaseId")]
    pub lease_id: LeaseId,
}

/// `details` of a `below_horizon` result error [ours].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BelowHorizonDetails {
    /// The target's altitude, degrees.
    #[serde(alias = "altDeg")]
    pub alt_deg: f64,
    /// The mount's limit, degrees.
    #[serde(alias = "minAltitudeDeg")]
    pub min_altitude_deg: f64,
}

/// `details` of an `interlocked` error [ours].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterlockedDetails {
    /// Why the telescope is shut down, for people.
    pub reason: String,
    /// The failing interlock constraints.
    #[serde(default, alias = "constraintUids")]
    pub constraint_uids: Vec<crate::ConstraintUid>,
}

/// One failing field of an `invalid_message` error [ours].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path of the field.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// `details` of an `invalid_message` error [ours]: the (first) field and,
/// when a command fails validation, every failing field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidDetails {
    /// The (first) offending field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every failing field, when validation found several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// `data` of a `canceled` result: why it was stopped, for people [ours].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanceledData {
    /// `canceled by <account>`, `superseded by command <id>`, ...
    pub reason: String,
}

/// `data` of mount commands: the final commanded position [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MountResultData {
    /// Right ascension, degrees.
    #[serde(alias = "raDeg")]
    pub ra_deg: f64,
    /// Declination, degrees.
    #[serde(alias = "decDeg")]
    pub dec_deg: f64,
    /// Altitude, degrees, when the command finished.
    #[serde(alias = "altDeg")]
    pub alt_deg: f64,
    /// Azimuth, degrees, when the command finished.
    #[serde(alias = "azDeg")]
    pub az_deg: f64,
    /// The target as resolved (a catalog name becomes fixed coordinates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetPosition>,
}

/// `data` of `camera.exposure.start`: the exposure metadata [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureData {
    /// The exposure's id.
    #[serde(alias = "exposureId")]
    pub exposure_id: String,
    /// When the shutter opened.
    #[serde(alias = "startedAt")]
    pub started_at: Timestamp,
    /// Exposure time, seconds.
    #[serde(alias = "durationS")]
    pub duration_s: f64,
    /// Binning factor.
    pub binning: u32,
    /// The filter used, if the telescope has a wheel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "filterId")]
    pub filter_id: Option<String>,
    /// Frame width, pixels (binned).
    pub width: u32,
    /// Frame height, pixels (binned).
    pub height: u32,
    /// HTTP path of a PNG preview, relative to the API's origin.
    #[serde(alias = "previewUrl")]
    pub preview_url: String,
}

/// One autofocus measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AutofocusSample {
    /// Focuser position, microns.
    #[serde(alias = "positionUm")]
    pub position_um: f64,
    /// Half-flux radius measured there, pixels.
    #[serde(alias = "hfrPx")]
    pub hfr_px: f64,
}

/// `data` of `imager.autofocus` [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutofocusData {
    /// Where the focuser was left: the fitted best focus, microns.
    #[serde(alias = "bestPositionUm")]
    pub best_position_um: f64,
    /// The HFR measured at the best position, pixels.
    #[serde(alias = "bestHfrPx")]
    pub best_hfr_px: f64,
    /// Every sample of the sweep, in the order taken.
    pub samples: Vec<AutofocusSample>,
}

/// `data` of lease acquire and renew [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseData {
    /// The lease's id: pass it to renew and release.
    #[serde(alias = "leaseId")]
    pub lease_id: LeaseId,
    /// When the lease lapses unless renewed.
    #[serde(alias = "expiresAt")]
    pub expires_at: Timestamp,
    /// The granted duration, seconds.
    #[serde(alias = "durationS")]
    pub duration_s: f64,
}

/// `data` of focuser and focus moves: the final position [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FocuserResultData {
    /// Final position, microns.
    #[serde(alias = "positionUm")]
    pub position_um: f64,
}

/// `data` of rotator moves: the final angle [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotatorResultData {
    /// Final angle, degrees.
    #[serde(alias = "angleDeg")]
    pub angle_deg: f64,
}

/// `data` of `filter_wheel.set_option`: the final slot [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterWheelResultData {
    /// The slot now in the beam.
    #[serde(alias = "filterWheelPositionId")]
    pub filter_wheel_position_id: u32,
    /// The filter in that slot.
    #[serde(alias = "filterId")]
    pub filter_id: String,
}
