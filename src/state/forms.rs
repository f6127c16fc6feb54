//! From what the user typed to a command, or every reason it is not one yet.
//!
//! Each builder reads its text fields in the payload's units, builds the
//! command and runs the protocol crate's validators, so the form says
//! exactly what the server would say, before anything is sent. Error fields
//! are the payload's own paths (`duration_s`, `target.dec`): a view shows
//! each message beside the input of that name.

use skydeck_astro::sexagesimal::{parse_dec, parse_ra};
use skynet_protocol::validate::{ValidationContext, ValidationError};
use skynet_protocol::{
    AutofocusStrategy, CameraExposureStart, Command, DaisyPattern, FilterWheelSetOption,
    ImagerAutofocus, LeaseAcquire, LeaseId, LeaseRenew, MountOffsetRelative, MountPoint,
    MountTrack, MoveAbsoluteUm, MoveRelativeUm, OffsetAxis, OffsetPattern, RasterPattern,
    RotatorMoveAbsolute, RotatorMoveRelative, TargetPosition,
};

/// Every problem of a form, by field.
pub type FormErrors = Vec<ValidationError>;

/// The message for `field` among `errors`, if any.
pub fn error_for<'a>(errors: &'a [ValidationError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

fn fail(errors: &mut FormErrors, field: &str, message: impl Into<String>) {
    errors.push(ValidationError {
        field: field.to_owned(),
        message: message.into(),
    });
}

/// A number typed in a field; `example` shows a valid entry.
fn number(errors: &mut FormErrors, field: &str, text: &str, example: &str) -> f64 {
    let text = text.trim();
    if text.is_empty() {
        fail(
            errors,
            field,
            format!("required: enter a number, e.g. {example}"),
        );
        return f64::NAN;
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => value,
        _ => {
            fail(
                errors,
                field,
                format!("`{text}` is not a number; e.g. {example}"),
            );
            f64::NAN
        }
    }
}

/// A whole number typed in a field.
fn whole(errors: &mut FormErrors, field: &str, text: &str, example: &str) -> u32 {
    let text = text.trim();
    match text.parse::<u32>() {
        Ok(value) => value,
        Err(_) => {
            fail(
                errors,
                field,
                format!("`{text}` is not a whole number; e.g. {example}"),
            );
            0
        }
    }
}

/// Runs the protocol's validators on a built command, prefixing fields.
fn checked(
    mut errors: FormErrors,
    command: Command,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    if let Err(found) = command.validate(ctx) {
        for e in found {
            // A field already explained by the parser is not explained twice.
            if error_for(&errors, &e.field).is_none() {
                errors.push(e);
            }
        }
    }
    if errors.is_empty() {
        Ok(command)
    } else {
        Err(errors)
    }
}

/// How a target is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetMode {
    /// RA and Dec (J2000), sexagesimal or decimal.
    #[default]
    Coordinates,
    /// A catalog name resolved by the server.
    Catalog,
}

/// What the target inputs hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetInput {
    /// Coordinates or name.
    pub mode: TargetMode,
    /// Right ascension: `05h34m31.9s`, `5:34:31.9`, `5.5758h`, `83.633` (degrees).
    pub ra: String,
    /// Declination: `+22°00'52"`, `22 00 52`, `22.0144`.
    pub dec: String,
    /// A catalog name: `M42`, `Vega`, `NGC 869`.
    pub name: String,
}

impl TargetInput {
    /// The TargetPosition, or why not (fields `target.ra`, `target.dec`, `target.name`).
    pub fn parse(&self, errors: &mut FormErrors) -> Option<TargetPosition> {
        match self.mode {
            TargetMode::Catalog => {
                let name = self.name.trim();
                if name.is_empty() {
                    fail(
                        errors,
                        "target.name",
                        "required: a catalog name, e.g. M42 or Vega",
                    );
                    return None;
                }
                Some(TargetPosition::catalog(name))
            }
            TargetMode::Coordinates => {
                let ra = parse_ra(&self.ra).map_err(|e| fail(errors, "target.ra", e.to_string()));
                let dec =
                    parse_dec(&self.dec).map_err(|e| fail(errors, "target.dec", e.to_string()));
                Some(TargetPosition::equatorial(ra.ok()?, dec.ok()?))
            }
        }
    }
}

/// `mount.point`.
pub fn mount_point(target: &TargetInput, ctx: &ValidationContext) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    match target.parse(&mut errors) {
        Some(target) => checked(errors, Command::MountPoint(MountPoint { target }), ctx),
        None => Err(errors),
    }
}

/// Which offset pattern a track plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PatternKind {
    /// None: plain tracking.
    #[default]
    None,
    /// A raster grid.
    Raster,
    /// A daisy (rose curve).
    Daisy,
}

/// What the pattern inputs hold.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternInput {
    /// Which pattern.
    pub kind: PatternKind,
    /// Raster step, arcseconds.
    pub step_arcsec: String,
    /// Raster rows.
    pub rows: String,
    /// Raster columns.
    pub columns: String,
    /// Raster dwell per point, seconds.
    pub dwell_s: String,
    /// Daisy radius, arcseconds.
    pub radius_arcsec: String,
    /// Daisy petals.
    pub petals: String,
    /// Daisy period, seconds.
    pub period_s: String,
}

impl Default for PatternInput {
    fn default() -> Self {
        Self {
            kind: PatternKind::None,
            step_arcsec: "60".into(),
            rows: "3".into(),
            columns: "3".into(),
            dwell_s: "10".into(),
            radius_arcsec: "120".into(),
            petals: "6".into(),
            period_s: "60".into(),
        }
    }
}

impl PatternInput {
    fn parse(&self, errors: &mut FormErrors) -> Option<OffsetPattern> {
        let f = |name: &str| format!("offset_pattern.{name}");
        match self.kind {
            PatternKind::None => None,
            PatternKind::Raster => Some(OffsetPattern::Raster(RasterPattern {
                step_arcsec: number(errors, &f("step_arcsec"), &self.step_arcsec, "60"),
                rows: whole(errors, &f("rows"), &self.rows, "3"),
                columns: whole(errors, &f("columns"), &self.columns, "3"),
                dwell_s: number(errors, &f("dwell_s"), &self.dwell_s, "10"),
            })),
            PatternKind::Daisy => Some(OffsetPattern::Daisy(DaisyPattern {
                radius_arcsec: number(errors, &f("radius_arcsec"), &self.radius_arcsec, "120"),
                petals: whole(errors, &f("petals"), &self.petals, "6"),
                period_s: number(errors, &f("period_s"), &self.period_s, "60"),
            })),
        }
    }
}

/// `mount.track`, with an optional pattern.
pub fn mount_track(
    target: &TargetInput,
    pattern: &PatternInput,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let offset_pattern = pattern.parse(&mut errors);
    match target.parse(&mut errors) {
        Some(target) => checked(
            errors,
            Command::MountTrack(MountTrack {
                target,
                offset_pattern,
            }),
            ctx,
        ),
        None => Err(errors),
    }
}

/// `mount.offset_relative`.
pub fn mount_offset(
    axis: OffsetAxis,
    delta_arcsec: &str,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let delta_arcsec = number(&mut errors, "delta_arcsec", delta_arcsec, "30");
    checked(
        errors,
        Command::MountOffsetRelative(MountOffsetRelative { delta_arcsec, axis }),
        ctx,
    )
}

/// A direction of the nudge pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nudge {
    /// North: +Dec.
    North,
    /// South: −Dec.
    South,
    /// East: +RA.
    East,
    /// West: −RA.
    West,
}

impl Nudge {
    /// The pad's four directions.
    pub const ALL: [Nudge; 4] = [Nudge::North, Nudge::West, Nudge::East, Nudge::South];

    /// One letter: N, S, E, W.
    pub fn letter(self) -> &'static str {
        match self {
            Self::North => "N",
            Self::South => "S",
            Self::East => "E",
            Self::West => "W",
        }
    }

    /// The word, for accessible names.
    pub fn word(self) -> &'static str {
        match self {
            Self::North => "north",
            Self::South => "south",
            Self::East => "east",
            Self::West => "west",
        }
    }

    /// The offset of one step of `step` (arcseconds) in this direction.
    pub fn command(self, step: &str, ctx: &ValidationContext) -> Result<Command, FormErrors> {
        let mut errors = FormErrors::new();
        let step_arcsec = number(&mut errors, "delta_arcsec", step, "30");
        if step_arcsec <= 0.0 {
            fail(
                &mut errors,
                "delta_arcsec",
                "the step must be greater than 0 arcsec",
            );
        }
        let (axis, sign) = match self {
            Self::North => (OffsetAxis::Dec, 1.0),
            Self::South => (OffsetAxis::Dec, -1.0),
            Self::East => (OffsetAxis::Ra, 1.0),
            Self::West => (OffsetAxis::Ra, -1.0),
        };
        checked(
            errors,
            Command::MountOffsetRelative(MountOffsetRelative {
                delta_arcsec: sign * step_arcsec,
                axis,
            }),
            ctx,
        )
    }
}

/// `camera.exposure.start`; an empty filter means the one in the beam.
pub fn exposure(
    duration_s: &str,
    binning: &str,
    filter_id: &str,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let duration_s = number(&mut errors, "duration_s", duration_s, "30");
    let binning = whole(&mut errors, "binning", binning, "1");
    let filter_id = Some(filter_id.trim())
        .filter(|f| !f.is_empty())
        .map(str::to_owned);
    checked(
        errors,
        Command::CameraExposureStart(CameraExposureStart {
            duration_s,
            binning,
            filter_id,
        }),
        ctx,
    )
}

/// `imager.autofocus`.
pub fn autofocus(
    filter_id: &str,
    strategy: AutofocusStrategy,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    checked(
        FormErrors::new(),
        Command::ImagerAutofocus(ImagerAutofocus {
            filter_id: filter_id.trim().to_owned(),
            strategy,
        }),
        ctx,
    )
}

/// `filter_wheel.set_option`.
pub fn filter_wheel(position: &str, ctx: &ValidationContext) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let filter_wheel_position_id = whole(&mut errors, "filter_wheel_position_id", position, "0");
    checked(
        errors,
        Command::FilterWheelSetOption(FilterWheelSetOption {
            filter_wheel_position_id,
        }),
        ctx,
    )
}

/// Which focuser command: the device's own or the `focus.*` alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FocusFamily {
    /// `focuser.move_*`.
    #[default]
    Focuser,
    /// `focus.move_*`.
    Focus,
}

/// `focuser.move_absolute` or `focus.move_absolute`.
pub fn focuser_absolute(
    family: FocusFamily,
    position_um: &str,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let payload = MoveAbsoluteUm {
        position_um: number(&mut errors, "position_um", position_um, "25000"),
    };
    let command = match family {
        FocusFamily::Focuser => Command::FocuserMoveAbsolute(payload),
        FocusFamily::Focus => Command::FocusMoveAbsolute(payload),
    };
    checked(errors, command, ctx)
}

/// `focuser.move_relative` or `focus.move_relative`.
pub fn focuser_relative(
    family: FocusFamily,
    delta_um: &str,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let payload = MoveRelativeUm {
        delta_um: number(&mut errors, "delta_um", delta_um, "-200"),
    };
    let command = match family {
        FocusFamily::Focuser => Command::FocuserMoveRelative(payload),
        FocusFamily::Focus => Command::FocusMoveRelative(payload),
    };
    checked(errors, command, ctx)
}

/// `rotator.move_absolute`.
pub fn rotator_absolute(angle_deg: &str, ctx: &ValidationContext) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let angle_deg = number(&mut errors, "angle_deg", angle_deg, "90");
    checked(
        errors,
        Command::RotatorMoveAbsolute(RotatorMoveAbsolute { angle_deg }),
        ctx,
    )
}

/// `rotator.move_relative`.
pub fn rotator_relative(delta_deg: &str, ctx: &ValidationContext) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let delta_deg = number(&mut errors, "delta_deg", delta_deg, "-15");
    checked(
        errors,
        Command::RotatorMoveRelative(RotatorMoveRelative { delta_deg }),
        ctx,
    )
}

/// `manual_control_lease.renew` of `lease_id` for `duration_s` from now.
pub fn lease_renew(
    lease_id: LeaseId,
    duration_s: &str,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let duration_s = number(&mut errors, "duration_s", duration_s, "1800");
    checked(
        errors,
        Command::LeaseRenew(LeaseRenew {
            lease_id,
            duration_s,
        }),
        ctx,
    )
}

/// `manual_control_lease.acquire`; an empty purpose is left out.
pub fn lease_acquire(
    duration_s: &str,
    purpose: &str,
    ctx: &ValidationContext,
) -> Result<Command, FormErrors> {
    let mut errors = FormErrors::new();
    let duration_s = number(&mut errors, "duration_s", duration_s, "1800");
    let purpose = Some(purpose.trim())
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    checked(
        errors,
        Command::LeaseAcquire(LeaseAcquire {
            duration_s,
            purpose,
        }),
        ctx,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use skynet_protocol::FilterSlot;

    fn ctx() -> ValidationContext {
        ValidationContext {
            filters: Some(
                ["L", "R", "Ha"]
                    .iter()
                    .enumerate()
                    .map(|(i, f)| FilterSlot {
                        filter_wheel_position_id: i as u32,
                        filter_id: (*f).into(),
                        name: (*f).into(),
                    })
                    .collect(),
            ),
            focuser_range_um: Some((0.0, 50_000.0)),
        }
    }

    fn coords(ra: &str, dec: &str) -> TargetInput {
        TargetInput {
            mode: TargetMode::Coordinates,
            ra: ra.into(),
            dec: dec.into(),
            name: String::new(),
        }
    }

    fn fixed(command: &Command) -> (f64, f64) {
        let target = match command {
            Command::MountPoint(c) => &c.target,
            Command::MountTrack(c) => &c.target,
            other => panic!("{other:?}"),
        };
        match target {
            TargetPosition::Fixed(f) => (f.ra.unwrap(), f.dec.unwrap()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn coordinates_in_every_common_notation_give_the_same_target() {
        let expected = (83.633, 22.0144);
        for (ra, dec) in [
            ("05h34m31.92s", "+22°00'52\""),
            ("5:34:31.92", "22:00:52"),
            ("05 34 31.92", "22 00 52"),
            ("83.633", "22.01444"),
        ] {
            let (r, d) = fixed(&mount_point(&coords(ra, dec), &ctx()).unwrap());
            assert!((r - expected.0).abs() < 1e-3, "{ra}: {r}");
            assert!((d - expected.1).abs() < 1e-3, "{dec}: {d}");
        }
    }

    #[test]
    fn bad_coordinates_are_explained_per_field() {
        let errors = mount_point(&coords("25h00m", "+95"), &ctx()).unwrap_err();
        assert!(error_for(&errors, "target.ra").is_some(), "{errors:?}");
        assert!(error_for(&errors, "target.dec").is_some(), "{errors:?}");
        let errors = mount_point(&coords("", "10"), &ctx()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "target.ra");
    }

    #[test]
    fn a_catalog_target_needs_a_name() {
        let mut input = TargetInput {
            mode: TargetMode::Catalog,
            name: "  M42 ".into(),
            ..Default::default()
        };
        match mount_point(&input, &ctx()).unwrap() {
            Command::MountPoint(p) => assert_eq!(p.target, TargetPosition::catalog("M42")),
            other => panic!("{other:?}"),
        }
        input.name = " ".into();
        let errors = mount_point(&input, &ctx()).unwrap_err();
        assert_eq!(errors[0].field, "target.name");
    }

    #[test]
    fn track_with_patterns() {
        let mut pattern = PatternInput {
            kind: PatternKind::Raster,
            ..Default::default()
        };
        let target = coords("10h", "+20");
        match mount_track(&target, &pattern, &ctx()).unwrap() {
            Command::MountTrack(t) => assert!(matches!(
                t.offset_pattern,
                Some(OffsetPattern::Raster(RasterPattern {
                    rows: 3,
                    columns: 3,
                    ..
                }))
            )),
            other => panic!("{other:?}"),
        }
        pattern.rows = "0".into();
        pattern.dwell_s = "soon".into();
        let errors = mount_track(&target, &pattern, &ctx()).unwrap_err();
        assert!(
            error_for(&errors, "offset_pattern.rows").is_some(),
            "{errors:?}"
        );
        assert!(error_for(&errors, "offset_pattern.dwell_s")
            .unwrap()
            .contains("not a number"));

        pattern.kind = PatternKind::Daisy;
        pattern.petals = "100".into();
        let errors = mount_track(&target, &pattern, &ctx()).unwrap_err();
        assert!(
            error_for(&errors, "offset_pattern.petals").is_some(),
            "{errors:?}"
        );
    }

    #[test]
    fn exposure_values_are_checked_before_sending() {
        assert!(exposure("30", "2", "Ha", &ctx()).is_ok());
        assert!(matches!(
            exposure("30", "1", "", &ctx()).unwrap(),
            Command::CameraExposureStart(CameraExposureStart {
                filter_id: None,
                ..
            })
        ));
        let errors = exposure("0", "5", "OIII", &ctx()).unwrap_err();
        for field in ["duration_s", "binning", "filter_id"] {
            assert!(error_for(&errors, field).is_some(), "{field}: {errors:?}");
        }
        let errors = exposure("ten", "1.5", "L", &ctx()).unwrap_err();
        assert!(error_for(&errors, "duration_s")
            .unwrap()
            .contains("`ten` is not a number"));
        assert!(error_for(&errors, "binning")
            .unwrap()
            .contains("whole number"));
        assert_eq!(errors.len(), 2, "one message per field: {errors:?}");
    }

    #[test]
    fn nudges_offset_the_right_axis_and_sign() {
        let cases = [
            (Nudge::North, OffsetAxis::Dec, 30.0),
            (Nudge::South, OffsetAxis::Dec, -30.0),
            (Nudge::East, OffsetAxis::Ra, 30.0),
            (Nudge::West, OffsetAxis::Ra, -30.0),
        ];
        for (nudge, axis, delta) in cases {
            match nudge.command("30", &ctx()).unwrap() {
                Command::MountOffsetRelative(o) => {
                    assert_eq!((o.axis, o.delta_arcsec), (axis, delta))
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(Nudge::North.command("-5", &ctx()).is_err());
        assert!(Nudge::North.command("99999", &ctx()).is_err());
    }

    #[test]
    fn device_moves_and_leases() {
        assert!(focuser_absolute(FocusFamily::Focuser, "60000", &ctx()).is_err());
        assert_eq!(
            focuser_absolute(FocusFamily::Focus, "25000", &ctx())
                .unwrap()
                .tag(),
            "focus.move_absolute"
        );
        assert_eq!(
            focuser_relative(FocusFamily::Focuser, "-200", &ctx())
                .unwrap()
                .tag(),
            "focuser.move_relative"
        );
        assert!(rotator_absolute("400", &ctx()).is_err());
        assert!(rotator_relative("-15", &ctx()).is_ok());
        assert!(filter_wheel("2", &ctx()).is_ok());
        assert!(filter_wheel("9", &ctx()).is_err());
        assert!(autofocus("Ha", AutofocusStrategy::Hyperbolic, &ctx()).is_ok());
        assert!(autofocus("Z", AutofocusStrategy::VCurve, &ctx()).is_err());
        assert!(lease_acquire("1800", "", &ctx()).is_ok());
        assert!(lease_acquire("-1", "x", &ctx()).is_err());
        assert_eq!(
            lease_renew(LeaseId("l1".into()), "600", &ctx())
                .unwrap()
                .tag(),
            "manual_control_lease.renew"
        );
        assert!(lease_renew(LeaseId("l1".into()), "0", &ctx()).is_err());
        assert!(mount_offset(OffsetAxis::Alt, "nan", &ctx()).is_err());
    }
}
