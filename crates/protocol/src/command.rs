//! The command catalog of the published reference, one payload type each.

use serde::{Deserialize, Serialize};

use crate::{LeaseId, OffsetPattern, TargetPosition};

tagged_enum! {
    /// A command, discriminated by `command_type` [published]. Every type of
    /// the reference's catalog is here; an unknown type decodes to `Unknown`.
    pub enum Command (tag = "command_type") {
        /// Slew to the target's current position and stop tracking.
        "mount.point" => MountPoint(MountPoint),
        /// Slew to the target and track it, optionally playing an offset pattern.
        "mount.track" => MountTrack(MountTrack),
        /// Apply a relative offset in arcseconds.
        "mount.offset_relative" => MountOffsetRelative(MountOffsetRelative),
        /// Start an exposure.
        "camera.exposure.start" => CameraExposureStart(CameraExposureStart),
        /// Run an autofocus pass through a filter.
        "imager.autofocus" => ImagerAutofocus(ImagerAutofocus),
        /// Move the filter wheel to a slot.
        "filter_wheel.set_option" => FilterWheelSetOption(FilterWheelSetOption),
        /// Move the focuser to an absolute position (microns).
        "focuser.move_absolute" => FocuserMoveAbsolute(MoveAbsoluteUm),
        /// Move the focuser by a relative offset (microns).
        "focuser.move_relative" => FocuserMoveRelative(MoveRelativeUm),
        /// Alias of `focuser.move_absolute` for higher-level focus operations.
        "focus.move_absolute" => FocusMoveAbsolute(MoveAbsoluteUm),
        /// Alias of `focuser.move_relative` for higher-level focus operations.
        "focus.move_relative" => FocusMoveRelative(MoveRelativeUm),
        /// Move the instrument rotator to an absolute angle.
        "rotator.move_absolute" => RotatorMoveAbsolute(RotatorMoveAbsolute),
        /// Move the instrument rotator by a relative angle.
        "rotator.move_relative" => RotatorMoveRelative(RotatorMoveRelative),
        /// Request a manual control lease.
        "manual_control_lease.acquire" => LeaseAcquire(LeaseAcquire),
        /// Extend an existing lease.
        "manual_control_lease.renew" => LeaseRenew(LeaseRenew),
        /// Release a lease, returning the telescope to automated operation.
        "manual_control_lease.release" => LeaseRelease(LeaseRelease),
        /// Owner-side force-revoke of an active lease.
        "system.abort_manual_control" => AbortManualControl(AbortManualControl),
    }
}

impl Command {
    /// True for the lease and system commands, which manage authority
    /// rather than move hardware.
    pub fn is_authority_command(&self) -> bool {
        matches!(
            self,
            Self::LeaseAcquire(_)
                | Self::LeaseRenew(_)
                | Self::LeaseRelease(_)
                | Self::AbortManualControl(_)
        )
    }

    /// A one-line summary of the payload for logs and tables.
    pub fn summary(&self) -> String {
        match self {
            Self::MountPoint(c) => c.target.describe(),
            Self::MountTrack(c) => match &c.offset_pattern {
                Some(OffsetPattern::Raster(r)) => format!(
                    "{} + raster {}x{} @ {}\"",
                    c.target.describe(),
                    r.rows,
                    r.columns,
                    r.step_arcsec
                ),
                Some(OffsetPattern::Daisy(d)) => format!(
                    "{} + daisy {} petals r={}\"",
                    c.target.describe(),
                    d.petals,
                    d.radius_arcsec
                ),
                Some(OffsetPattern::Unknown(u)) => format!("{} + {}", c.target.describe(), u.tag),
                None => c.target.describe(),
            },
            Self::MountOffsetRelative(c) => format!("{:+}\" in {}", c.delta_arcsec, c.axis),
            Self::CameraExposureStart(c) => format!(
                "{} s, bin {}{}",
                c.duration_s,
                c.binning,
                c.filter_id
                    .as_deref()
                    .map(|f| format!(", filter {f}"))
                    .unwrap_or_default()
            ),
            Self::ImagerAutofocus(c) => format!("filter {}, {}", c.filter_id, c.strategy),
            Self::FilterWheelSetOption(c) => format!("slot {}", c.filter_wheel_position_id),
            Self::FocuserMoveAbsolute(c) | Self::FocusMoveAbsolute(c) => {
                format!("to {} µm", c.position_um)
            }
            Self::FocuserMoveRelative(c) | Self::FocusMoveRelative(c) => {
                format!("by {:+} µm", c.delta_um)
            }
            Self::RotatorMoveAbsolute(c) => format!("to {}°", c.angle_deg),
            Self::RotatorMoveRelative(c) => format!("by {:+}°", c.delta_deg),
            Self::LeaseAcquire(c) => match &c.purpose {
                Some(purpose) => format!("{} s: {purpose}", c.duration_s),
                None => format!("{} s", c.duration_s),
            },
            Self::LeaseRenew(c) => format!("{} by {} s", c.lease_id, c.duration_s),
            Self::LeaseRelease(c) => c.lease_id.to_string(),
            Self::AbortManualControl(c) => c.lease_id.to_string(),
            Self::Unknown(_) => String::new(),
        }
    }
}

/// `mount.point`: `target`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MountPoint {
    /// Where to point.
    pub target: TargetPosition,
}

/// `mount.track`: `target`, optional `offset_pattern`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MountTrack {
    /// What to track.
    pub target: TargetPosition,
    /// A pattern to play around the target while tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "offsetPattern")]
    pub offset_pattern: Option<OffsetPattern>,
}

string_enum! {
    /// The axis of `mount.offset_relative` [ours].
    pub enum OffsetAxis {
        /// Right ascension (on the sky: east-west).
        Ra = "ra",
        /// Declination (north-south).
        Dec = "dec",
        /// Altitude.
        Alt = "alt",
        /// Azimuth.
        Az = "az",
    }
}

/// `mount.offset_relative`: `delta_arcsec`, `axis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MountOffsetRelative {
    /// The offset, arcseconds (on the sky for `ra`).
    #[serde(alias = "deltaArcsec")]
    pub delta_arcsec: f64,
    /// The axis to offset along.
    pub axis: OffsetAxis,
}

/// `camera.exposure.start`: `duration_s`, `binning`, optional `filter_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraExposureStart {
    /// Exposure time, seconds.
    #[serde(alias = "durationS")]
    pub duration_s: f64,
    /// Binning factor, 1 to 4 [ours].
    pub binning: u32,
    /// The filter to expose through; the current one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "filterId")]
    pub filter_id: Option<String>,
}

string_enum! {
    /// The strategy of `imager.autofocus` [ours].
    pub enum AutofocusStrategy {
        /// Sample a V-curve of HFR against position and fit its two lines.
        VCurve = "v_curve",
        /// Fit a hyperbola to HFR against position.
        Hyperbolic = "hyperbolic",
    }
}

/// `imager.autofocus`: `filter_id`, `strategy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagerAutofocus {
    /// The filter to focus through.
    #[serde(alias = "filterId")]
    pub filter_id: String,
    /// How to search for best focus.
    pub strategy: AutofocusStrategy,
}

/// `filter_wheel.set_option`: `filter_wheel_position_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterWheelSetOption {
    /// The slot to move to.
    #[serde(alias = "filterWheelPositionId")]
    pub filter_wheel_position_id: u32,
}

/// `focuser.move_absolute` and `focus.move_absolute`: `position_um`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveAbsoluteUm {
    /// Target position, microns.
    #[serde(alias = "positionUm")]
    pub position_um: f64,
}

/// `focuser.move_relative` and `focus.move_relative`: `delta_um`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveRelativeUm {
    /// Offset, microns (positive moves outward).
    #[serde(alias = "deltaUm")]
    pub delta_um: f64,
}

/// `rotator.move_absolute`: `angle_deg`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotatorMoveAbsolute {
    /// Target angle, degrees, 0 to 360.
    #[serde(alias = "angleDeg")]
    pub angle_deg: f64,
}

/// `rotator.move_relative`: `delta_deg`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotatorMoveRelative {
    /// Offset, degrees.
    #[serde(alias = "deltaDeg")]
    pub delta_deg: f64,
}

/// `manual_control_lease.acquire`: `duration_s`, optional `purpose`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseAcquire {
    /// How long the lease should last, seconds.
    #[serde(alias = "durationS")]
    pub duration_s: f64,
    /// Why, shown to other users of the telescope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// `manual_control_lease.renew`: `lease_id`, `duration_s`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseRenew {
    /// The lease to extend.
    #[serde(alias = "leaseId")]
    pub lease_id: LeaseId,
    /// The new remaining duration from now, seconds.
    #[serde(alias = "durationS")]
    pub duration_s: f64,
}

/// `manual_control_lease.release`: `lease_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseRelease {
    /// The lease to release.
    #[serde(alias = "leaseId")]
    pub lease_id: LeaseId,
}

/// `system.abort_manual_control`: `lease_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbortManualControl {
    /// The lease to revoke.
    #[serde(alias = "leaseId")]
    pub lease_id: LeaseId,
}
