//! Validation of payload values, shared by the app's forms (to explain a bad
//! value before sending) and the simulator (to answer `invalid_message`), so
//! both give the same answer. Decoding checks shapes; this checks values.

use crate::{
    Command, FilterSlot, FixedPosition, Frame, OffsetPattern, PublishCommand, TargetPosition,
};

/// Longest exposure accepted, seconds [ours].
pub const MAX_EXPOSURE_S: f64 = 3600.0;
/// Longest lease that can be asked for at once, seconds [ours].
pub const MAX_LEASE_S: f64 = 12.0 * 3600.0;
/// Largest single mount offset, arcseconds (10°) [ours].
pub const MAX_OFFSET_ARCSEC: f64 = 36_000.0;
/// Binning factors accepted [ours].
pub const BINNING: std::ops::RangeInclusive<u32> = 1..=4;
/// Rows and columns of a raster pattern [ours].
pub const RASTER_POINTS: std::ops::RangeInclusive<u32> = 1..=50;
/// Petals of a daisy pattern [ours].
pub const DAISY_PETALS: std::ops::RangeInclusive<u32> = 1..=24;

/// One bad value: the field (dotted path inside the command) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Dotted path inside the command (`target.dec`, `binning`).
    pub field: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

/// What is known of the telescope's devices; checks that need a fact that
/// is absent are skipped (the server makes them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationContext {
    /// The filter wheel's slots.
    pub filters: Option<Vec<FilterSlot>>,
    /// The focuser's travel, microns.
    pub focuser_range_um: Option<(f64, f64)>,
}

/// Collects errors as checks run.
#[derive(Default)]
struct Checker {
    errors: Vec<ValidationError>,
}

impl Checker {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(ValidationError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// A finite number in `[min, max]` (`max_open`: `[min, max)`).
    fn range(&mut self, field: &str, value: f64, min: f64, max: f64, max_open: bool, unit: &str) {
        let above = if max_open { value >= max } else { value > max };
        if !value.is_finite() {
            self.fail(field, "must be a finite number");
        } else if value < min || above {
            let close = if max_open { ")" } else { "]" };
            self.fail(
                field,
                format!("must be in [{min}, {max}{close} {unit}, got {value}"),
            );
        }
    }

    /// A finite number above zero and at most `max`.
    fn positive(&mut self, field: &str, value: f64, max: f64, unit: &str) {
        if !value.is_finite() {
            self.fail(field, "must be a finite number");
        } else if value <= 0.0 {
            self.fail(field, format!("must be greater than 0 {unit}, got {value}"));
        } else if value > max {
            self.fail(field, format!("must be at most {max} {unit}, got {value}"));
        }
    }

    fn count(&mut self, field: &str, value: u32, allowed: &std::ops::RangeInclusive<u32>) {
        if !allowed.contains(&value) {
            self.fail(
                field,
                format!(
                    "must be a whole number from {} to {}, got {value}",
                    allowed.start(),
                    allowed.end()
                ),
            );
        }
    }

    fn text(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.fail(field, "must not be empty");
        }
    }

    fn filter_id(&mut self, field: &str, filter_id: &str, ctx: &ValidationContext) {
        self.text(field, filter_id);
        if let Some(slots) = &ctx.filters {
            if !slots.iter().any(|s| s.filter_id == filter_id) {
                let known: Vec<&str> = slots.iter().map(|s| s.filter_id.as_str()).collect();
                self.fail(
                    field,
                    format!(
                        "unknown filter `{filter_id}`; this telescope has {}",
                        known.join(", ")
                    ),
                );
            }
        }
    }

    fn target(&mut self, field: &str, target: &TargetPosition) {
        match target {
            TargetPosition::Fixed(fixed) => self.fixed(field, fixed),
            TargetPosition::Catalog(catalog) => self.text(&format!("{field}.name"), &catalog.name),
            TargetPosition::Ephemeral(body) => self.text(&format!("{field}.body"), &body.body),
            TargetPosition::Orbital(orbital) => {
                if orbital.tle_line1.is_none() || orbital.tle_line2.is_none() {
                    self.fail(field, "an orbital target needs tle_line1 and tle_line2");
                }
            }
            TargetPosition::Unknown(unknown) => self.fail(
                &format!("{field}.position_type"),
                format!("unknown position type `{}`", unknown.tag),
            ),
        }
    }

    fn fixed(&mut self, field: &str, fixed: &FixedPosition) {
        let (lon, lat, lon_name, lat_name) = match &fixed.frame {
            Frame::Equatorial => (fixed.ra, fixed.dec, "ra", "dec"),
            Frame::Galactic => (fixed.l, fixed.b, "l", "b"),
            Frame::Other(frame) => {
                return self.fail(
                    &format!("{field}.frame"),
                    format!("unknown frame `{frame}`"),
                );
            }
        };
        match lon {
            Some(lon) => self.range(
                &format!("{field}.{lon_name}"),
                lon,
                0.0,
                360.0,
                true,
                "degrees",
            ),
            None => self.fail(&format!("{field}.{lon_name}"), "is required"),
        }
        match lat {
            Some(lat) => self.range(
                &format!("{field}.{lat_name}"),
                lat,
                -90.0,
                90.0,
                false,
                "degrees",
            ),
            None => self.fail(&format!("{field}.{lat_name}"), "is required"),
        }
    }

    fn pattern(&mut self, pattern: &OffsetPattern) {
        match pattern {
            OffsetPattern::Raster(r) => {
                self.positive(
                    "offset_pattern.step_arcsec",
                    r.step_arcsec,
                    3600.0,
                    "arcsec",
                );
                self.count("offset_pattern.rows", r.rows, &RASTER_POINTS);
                self.count("offset_pattern.columns", r.columns, &RASTER_POINTS);
                self.positive("offset_pattern.dwell_s", r.dwell_s, 3600.0, "s");
            }
            OffsetPattern::Daisy(d) => {
                self.positive(
                    "offset_pattern.radius_arcsec",
                    d.radius_arcsec,
                    MAX_OFFSET_ARCSEC,
                    "arcsec",
                );
                self.count("offset_pattern.petals", d.petals, &DAISY_PETALS);
                self.positive("offset_pattern.period_s", d.period_s, 3600.0, "s");
            }
            OffsetPattern::Unknown(unknown) => self.fail(
                "offset_pattern.pattern_type",
                format!("unknown pattern type `{}`", unknown.tag),
            ),
        }
    }

    fn focuser_position(&mut self, field: &str, position: f64, ctx: &ValidationContext) {
        let (min, max) = ctx.focuser_range_um.unwrap_or((0.0, f64::MAX));
        self.range(field, position, min, max, false, "µm");
    }
}

impl Command {
    /// Checks every value of the payload; all problems at once.
    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), Vec<ValidationError>> {
        let mut c = Checker::default();
        match self {
            Self::MountPoint(cmd) => c.target("target", &cmd.target),
            Self::MountTrack(cmd) => {
                c.target("target", &cmd.target);
                if let Some(pattern) = &cmd.offset_pattern {
                    c.pattern(pattern);
                }
            }
            Self::MountOffsetRelative(cmd) => {
                c.range(
                    "delta_arcsec",
                    cmd.delta_arcsec,
                    -MAX_OFFSET_ARCSEC,
                    MAX_OFFSET_ARCSEC,
                    false,
                    "arcsec",
                );
                if !cmd.axis.is_known() {
                    c.fail(
                        "axis",
                        format!("unknown axis `{}`; use ra, dec, alt or az", cmd.axis),
                    );
                }
            }
            Self::CameraExposureStart(cmd) => {
                c.positive("duration_s", cmd.duration_s, MAX_EXPOSURE_S, "s");
                c.count("binning", cmd.binning, &BINNING);
                if let Some(filter_id) = &cmd.filter_id {
                    c.filter_id("filter_id", filter_id, ctx);
                }
            }
            Self::ImagerAutofocus(cmd) => {
                c.filter_id("filter_id", &cmd.filter_id, ctx);
                if !cmd.strategy.is_known() {
                    c.fail(
                        "strategy",
                        format!(
                            "unknown strategy `{}`; use v_curve or hyperbolic",
                            cmd.strategy
                        ),
                    );
                }
            }
            Self::FilterWheelSetOption(cmd) => {
                if let Some(slots) = &ctx.filters {
                    let id = cmd.filter_wheel_position_id;
                    if !slots.iter().any(|s| s.filter_wheel_position_id == id) {
                        let known: Vec<String> = slots
                            .iter()
                            .map(|s| format!("{} ({})", s.filter_wheel_position_id, s.name))
                            .collect();
                        c.fail(
                            "filter_wheel_position_id",
                            format!("unknown slot {id}; this wheel has {}", known.join(", ")),
                        );
                    }
                }
            }
            Self::FocuserMoveAbsolute(cmd) | Self::FocusMoveAbsolute(cmd) => {
                c.focuser_position("position_um", cmd.position_um, ctx)
            }
            Self::FocuserMoveRelative(cmd) | Self::FocusMoveRelative(cmd) => {
                let span = ctx
                    .focuser_range_um
                    .map_or(f64::MAX, |(min, max)| max - min);
                c.range("delta_um", cmd.delta_um, -span, span, false, "µm");
            }
            Self::RotatorMoveAbsolute(cmd) => {
                c.range("angle_deg", cmd.angle_deg, 0.0, 360.0, true, "degrees")
            }
            Self::RotatorMoveRelative(cmd) => {
                c.range("delta_deg", cmd.delta_deg, -360.0, 360.0, false, "degrees")
            }
            Self::LeaseAcquire(cmd) => c.positive("duration_s", cmd.duration_s, MAX_LEASE_S, "s"),
            Self::LeaseRenew(cmd) => {
                c.text("lease_id", cmd.lease_id.as_str());
                c.positive("duration_s", cmd.duration_s, MAX_LEASE_S, "s");
            }
            Self::LeaseRelease(cmd) => c.text("lease_id", cmd.lease_id.as_str()),
            Self::AbortManualControl(cmd) => c.text("lease_id", cmd.lease_id.as_str()),
            Self::Unknown(unknown) => c.fail(
                "command_type",
                format!("unknown command type `{}`", unknown.tag),
            ),
        }
        if c.errors.is_empty() {
            Ok(())
        } else {
            Err(c.errors)
        }
    }
}

impl PublishCommand {
    /// Validates the command; error fields are prefixed with `command.`.
    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), Vec<ValidationError>> {
        self.command.validate(ctx).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| ValidationError {
                    field: format!("command.{}", e.field),
                    message: e.message,
                })
                .collect()
        })
    }
}
