//! `skynet_protocol::validate`: each rule accepted at its limits and refused
//! just past them, with the field it names.

mod common;

use common::cid;
use skynet_protocol::validate::{
    ValidationContext, ValidationError, BINNING, DAISY_PETALS, MAX_EXPOSURE_S, MAX_LEASE_S,
    MAX_OFFSET_ARCSEC, RASTER_POINTS,
};
use skynet_protocol::*;

/// The next representable number above `x`.
fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

/// The next representable number below `x`.
fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

const NON_FINITE: [f64; 3] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];

fn no_context() -> ValidationContext {
    ValidationContext::default()
}

/// The simulator's telescopes: seven filters, a 0 to 50,000 µm focuser.
fn lapalma() -> ValidationContext {
    let slots = [
        (0, "L", "Luminance"),
        (1, "R", "Red"),
        (2, "G", "Green"),
        (3, "B", "Blue"),
        (4, "Ha", "H-alpha"),
        (5, "OIII", "O III"),
        (6, "SII", "S II"),
    ]
    .into_iter()
    .map(|(id, filter, name)| FilterSlot {
        filter_wheel_position_id: id,
        filter_id: filter.into(),
        name: name.into(),
    })
    .collect();
    ValidationContext {
        filters: Some(slots),
        focuser_range_um: Some((0.0, 50_000.0)),
    }
}

#[track_caller]
fn accepted(command: Command, ctx: &ValidationContext) {
    assert_eq!(command.validate(ctx), Ok(()), "{command:?}");
}

/// Asserts that the command is refused with exactly one error, at `field`,
/// and returns that error.
#[track_caller]
fn refused(command: Command, ctx: &ValidationContext, field: &str) -> ValidationError {
    let errors = command
        .validate(ctx)
        .expect_err(&format!("{command:?} is refused"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = errors.into_iter().next().unwrap();
    assert_eq!(error.field, field, "{error}");
    assert!(!error.message.is_empty());
    error
}

fn exposure(duration_s: f64, binning: u32, filter_id: Option<&str>) -> Command {
    Command::CameraExposureStart(CameraExposureStart {
        duration_s,
        binning,
        filter_id: filter_id.map(str::to_owned),
    })
}

#[test]
fn exposure_duration() {
    let ctx = no_context();
    accepted(exposure(next_up(0.0), 1, None), &ctx);
    accepted(exposure(0.001, 1, None), &ctx);
    accepted(exposure(MAX_EXPOSURE_S, 1, None), &ctx);
    assert_eq!(MAX_EXPOSURE_S, 3600.0);
    let error = refused(exposure(0.0, 1, None), &ctx, "duration_s");
    assert!(error.message.contains("greater than 0"), "{error}");
    refused(exposure(-1.0, 1, None), &ctx, "duration_s");
    let error = refused(
        exposure(next_up(MAX_EXPOSURE_S), 1, None),
        &ctx,
        "duration_s",
    );
    assert!(error.message.contains("at most 3600"), "{error}");
    for value in NON_FINITE {
        let error = refused(exposure(value, 1, None), &ctx, "duration_s");
        assert!(error.message.contains("finite"), "{error}");
    }
}

#[test]
fn exposure_binning() {
    let ctx = no_context();
    for binning in BINNING {
        accepted(exposure(1.0, binning, None), &ctx);
    }
    assert_eq!((*BINNING.start(), *BINNING.end()), (1, 4));
    for binning in [0, 5, u32::MAX] {
        let error = refused(exposure(1.0, binning, None), &ctx, "binning");
        assert!(error.message.contains("from 1 to 4"), "{error}");
    }
}

#[test]
fn exposure_filter() {
    // Without a listing, any non-empty filter id passes (the server checks).
    accepted(exposure(1.0, 1, Some("Ha")), &no_context());
    accepted(exposure(1.0, 1, Some("Y")), &no_context());
    accepted(exposure(1.0, 1, None), &lapalma());
    for filter in ["L", "R", "G", "B", "Ha", "OIII", "SII"] {
        accepted(exposure(1.0, 1, Some(filter)), &lapalma());
    }
    let error = refused(exposure(1.0, 1, Some("Y")), &lapalma(), "filter_id");
    assert!(error.message.contains("unknown filter `Y`"), "{error}");
    assert!(
        error.message.contains("L, R, G, B, Ha, OIII, SII"),
        "lists the known filters: {error}"
    );
    // Case matters: filter ids are ids.
    refused(exposure(1.0, 1, Some("ha")), &lapalma(), "filter_id");
    let error = refused(exposure(1.0, 1, Some(" ")), &no_context(), "filter_id");
    assert!(error.message.contains("empty"), "{error}");
    // Empty with a listing: empty, and not one of the filters.
    let errors = exposure(1.0, 1, Some("")).validate(&lapalma()).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e.field == "filter_id"));
}

#[test]
fn all_problems_at_once() {
    let errors = exposure(0.0, 9, Some("Y"))
        .validate(&lapalma())
        .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["duration_s", "binning", "filter_id"]);
    assert!(errors[1].to_string().starts_with("binning: "));
}

fn point(target: TargetPosition) -> Command {
    Command::MountPoint(MountPoint { target })
}

fn fixed(frame: Frame, ra: Option<f64>, dec: Option<f64>) -> TargetPosition {
    TargetPosition::Fixed(FixedPosition {
        frame,
        ra,
        dec,
        l: None,
        b: None,
    })
}

#[test]
fn equatorial_ra_and_dec() {
    let ctx = no_context();
    for (ra, dec) in [
        (0.0, 0.0),
        (next_down(360.0), 0.0),
        (202.4696, 47.1952),
        (0.0, -90.0),
        (0.0, 90.0),
    ] {
        accepted(point(TargetPosition::equatorial(ra, dec)), &ctx);
    }
    let error = refused(
        point(TargetPosition::equatorial(360.0, 0.0)),
        &ctx,
        "target.ra",
    );
    assert!(error.message.contains("[0, 360)"), "{error}");
    refused(
        point(TargetPosition::equatorial(next_down(0.0), 0.0)),
        &ctx,
        "target.ra",
    );
    refused(
        point(TargetPosition::equatorial(-10.0, 0.0)),
        &ctx,
        "target.ra",
    );
    let error = refused(
        point(TargetPosition::equatorial(0.0, next_up(90.0))),
        &ctx,
        "target.dec",
    );
    assert!(error.message.contains("[-90, 90]"), "{error}");
    refused(
        point(TargetPosition::equatorial(0.0, next_down(-90.0))),
        &ctx,
        "target.dec",
    );
    for value in NON_FINITE {
        let error = refused(
            point(TargetPosition::equatorial(value, 0.0)),
            &ctx,
            "target.ra",
        );
        assert!(error.message.contains("finite"));
        refused(
            point(TargetPosition::equatorial(0.0, value)),
            &ctx,
            "target.dec",
        );
    }
    let error = refused(
        point(fixed(Frame::Equatorial, None, Some(1.0))),
        &ctx,
        "target.ra",
    );
    assert_eq!(error.message, "is required");
    refused(
        point(fixed(Frame::Equatorial, Some(1.0), None)),
        &ctx,
        "target.dec",
    );
    // l/b do not stand in for ra/dec.
    let errors = point(TargetPosition::Fixed(FixedPosition {
        frame: Frame::Equatorial,
        ra: None,
        dec: None,
        l: Some(10.0),
        b: Some(10.0),
    }))
    .validate(&ctx)
    .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["target.ra", "target.dec"]);
}

#[test]
fn galactic_l_and_b() {
    let ctx = no_context();
    accepted(point(TargetPosition::galactic(0.0, -90.0)), &ctx);
    accepted(
        point(TargetPosition::galactic(next_down(360.0), 90.0)),
        &ctx,
    );
    refused(
        point(TargetPosition::galactic(360.0, 0.0)),
        &ctx,
        "target.l",
    );
    refused(
        point(TargetPosition::galactic(0.0, next_up(90.0))),
        &ctx,
        "target.b",
    );
    refused(
        point(TargetPosition::galactic(0.0, f64::NAN)),
        &ctx,
        "target.b",
    );
    // Galactic needs l and b, not ra and dec.
    let errors = point(fixed(Frame::Galactic, Some(1.0), Some(1.0)))
        .validate(&ctx)
        .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["target.l", "target.b"]);
}

#[test]
fn unknown_frame_and_position_type() {
    let ctx = no_context();
    let error = refused(
        point(fixed(Frame::Other("ecliptic".into()), Some(1.0), Some(1.0))),
        &ctx,
        "target.frame",
    );
    assert!(error.message.contains("ecliptic"));
    let target: TargetPosition =
        serde_json::from_value(serde_json::json!({"position_type":"horizontal","alt":45.0}))
            .unwrap();
    let error = refused(point(target), &ctx, "target.position_type");
    assert!(error.message.contains("horizontal"));
}

#[test]
fn catalog_ephemeral_orbital_targets() {
    let ctx = no_context();
    accepted(point(TargetPosition::catalog("M51")), &ctx);
    refused(point(TargetPosition::catalog("")), &ctx, "target.name");
    refused(point(TargetPosition::catalog("  ")), &ctx, "target.name");
    accepted(
        point(TargetPosition::Ephemeral(EphemeralTarget {
            body: "moon".into(),
        })),
        &ctx,
    );
    refused(
        point(TargetPosition::Ephemeral(EphemeralTarget {
            body: "".into(),
        })),
        &ctx,
        "target.body",
    );
    let orbital = |line1: Option<&str>, line2: Option<&str>| {
        point(TargetPosition::Orbital(OrbitalTarget {
            name: None,
            tle_line1: line1.map(str::to_owned),
            tle_line2: line2.map(str::to_owned),
        }))
    };
    accepted(orbital(Some("1 25544U"), Some("2 25544")), &ctx);
    refused(orbital(Some("1 25544U"), None), &ctx, "target");
    refused(orbital(None, Some("2 25544")), &ctx, "target");
}

fn track(pattern: OffsetPattern) -> Command {
    Command::MountTrack(MountTrack {
        target: TargetPosition::catalog("M42"),
        offset_pattern: Some(pattern),
    })
}

fn raster(step_arcsec: f64, rows: u32, columns: u32, dwell_s: f64) -> Command {
    track(OffsetPattern::Raster(RasterPattern {
        step_arcsec,
        rows,
        columns,
        dwell_s,
    }))
}

fn daisy(radius_arcsec: f64, petals: u32, period_s: f64) -> Command {
    track(OffsetPattern::Daisy(DaisyPattern {
        radius_arcsec,
        petals,
        period_s,
    }))
}

#[test]
fn track_without_pattern_checks_the_target() {
    let ctx = no_context();
    accepted(
        Command::MountTrack(MountTrack {
            target: TargetPosition::equatorial(83.8221, -5.3911),
            offset_pattern: None,
        }),
        &ctx,
    );
    refused(
        Command::MountTrack(MountTrack {
            target: TargetPosition::equatorial(83.8221, -95.0),
            offset_pattern: None,
        }),
        &ctx,
        "target.dec",
    );
}

#[test]
fn raster_limits() {
    let ctx = no_context();
    let (min, max) = (*RASTER_POINTS.start(), *RASTER_POINTS.end());
    assert_eq!((min, max), (1, 50));
    accepted(raster(next_up(0.0), min, min, next_up(0.0)), &ctx);
    accepted(raster(3600.0, max, max, 3600.0), &ctx);
    refused(raster(0.0, 3, 3, 1.0), &ctx, "offset_pattern.step_arcsec");
    refused(
        raster(next_up(3600.0), 3, 3, 1.0),
        &ctx,
        "offset_pattern.step_arcsec",
    );
    refused(raster(30.0, 0, 3, 1.0), &ctx, "offset_pattern.rows");
    refused(raster(30.0, max + 1, 3, 1.0), &ctx, "offset_pattern.rows");
    refused(raster(30.0, 3, 0, 1.0), &ctx, "offset_pattern.columns");
    refused(
        raster(30.0, 3, max + 1, 1.0),
        &ctx,
        "offset_pattern.columns",
    );
    refused(raster(30.0, 3, 3, 0.0), &ctx, "offset_pattern.dwell_s");
    refused(
        raster(30.0, 3, 3, next_up(3600.0)),
        &ctx,
        "offset_pattern.dwell_s",
    );
    refused(
        raster(f64::NAN, 3, 3, 1.0),
        &ctx,
        "offset_pattern.step_arcsec",
    );
}

#[test]
fn daisy_limits() {
    let ctx = no_context();
    let (min, max) = (*DAISY_PETALS.start(), *DAISY_PETALS.end());
    assert_eq!((min, max), (1, 24));
    accepted(daisy(next_up(0.0), min, next_up(0.0)), &ctx);
    accepted(daisy(MAX_OFFSET_ARCSEC, max, 3600.0), &ctx);
    refused(daisy(0.0, 6, 60.0), &ctx, "offset_pattern.radius_arcsec");
    refused(
        daisy(next_up(MAX_OFFSET_ARCSEC), 6, 60.0),
        &ctx,
        "offset_pattern.radius_arcsec",
    );
    refused(daisy(120.0, 0, 60.0), &ctx, "offset_pattern.petals");
    refused(daisy(120.0, max + 1, 60.0), &ctx, "offset_pattern.petals");
    refused(daisy(120.0, 6, 0.0), &ctx, "offset_pattern.period_s");
    refused(
        daisy(120.0, 6, next_up(3600.0)),
        &ctx,
        "offset_pattern.period_s",
    );
    refused(
        daisy(120.0, 6, f64::INFINITY),
        &ctx,
        "offset_pattern.period_s",
    );
}

#[test]
fn unknown_pattern_type() {
    let pattern: OffsetPattern =
        serde_json::from_value(serde_json::json!({"pattern_type":"spiral","turns":3})).unwrap();
    let error = refused(track(pattern), &no_context(), "offset_pattern.pattern_type");
    assert!(error.message.contains("spiral"));
}

fn offset(delta_arcsec: f64, axis: &str) -> Command {
    Command::MountOffsetRelative(MountOffsetRelative {
        delta_arcsec,
        axis: OffsetAxis::from(axis),
    })
}

#[test]
fn offset_limits_and_axis() {
    let ctx = no_context();
    assert_eq!(MAX_OFFSET_ARCSEC, 36_000.0);
    for axis in ["ra", "dec", "alt", "az"] {
        accepted(offset(MAX_OFFSET_ARCSEC, axis), &ctx);
        accepted(offset(-MAX_OFFSET_ARCSEC, axis), &ctx);
        accepted(offset(0.0, axis), &ctx);
    }
    refused(
        offset(next_up(MAX_OFFSET_ARCSEC), "ra"),
        &ctx,
        "delta_arcsec",
    );
    refused(
        offset(next_down(-MAX_OFFSET_ARCSEC), "dec"),
        &ctx,
        "delta_arcsec",
    );
    refused(offset(f64::NAN, "dec"), &ctx, "delta_arcsec");
    let error = refused(offset(1.0, "pa"), &ctx, "axis");
    assert!(error.message.contains("`pa`"), "{error}");
    assert!(error.message.contains("ra, dec, alt or az"), "{error}");
}

#[test]
fn rotator_angles() {
    let ctx = no_context();
    let absolute = |angle_deg| Command::RotatorMoveAbsolute(RotatorMoveAbsolute { angle_deg });
    let relative = |delta_deg| Command::RotatorMoveRelative(RotatorMoveRelative { delta_deg });
    accepted(absolute(0.0), &ctx);
    accepted(absolute(next_down(360.0)), &ctx);
    refused(absolute(360.0), &ctx, "angle_deg");
    refused(absolute(next_down(0.0)), &ctx, "angle_deg");
    refused(absolute(f64::NAN), &ctx, "angle_deg");
    accepted(relative(360.0), &ctx);
    accepted(relative(-360.0), &ctx);
    refused(relative(next_up(360.0)), &ctx, "delta_deg");
    refused(relative(next_down(-360.0)), &ctx, "delta_deg");
    refused(relative(f64::NEG_INFINITY), &ctx, "delta_deg");
}

#[test]
fn focuser_range_from_the_context() {
    let absolutes: [fn(f64) -> Command; 2] = [
        |position_um| Command::FocuserMoveAbsolute(MoveAbsoluteUm { position_um }),
        |position_um| Command::FocusMoveAbsolute(MoveAbsoluteUm { position_um }),
    ];
    let relatives: [fn(f64) -> Command; 2] = [
        |delta_um| Command::FocuserMoveRelative(MoveRelativeUm { delta_um }),
        |delta_um| Command::FocusMoveRelative(MoveRelativeUm { delta_um }),
    ];
    for absolute in absolutes {
        // Without a range: not negative.
        accepted(absolute(0.0), &no_context());
        accepted(absolute(1e9), &no_context());
        refused(absolute(next_down(0.0)), &no_context(), "position_um");
        refused(absolute(f64::NAN), &no_context(), "position_um");
        // With the simulator's range.
        accepted(absolute(0.0), &lapalma());
        accepted(absolute(50_000.0), &lapalma());
        let error = refused(absolute(next_up(50_000.0)), &lapalma(), "position_um");
        assert!(error.message.contains("50000"), "{error}");
        refused(absolute(next_down(0.0)), &lapalma(), "position_um");
        let narrow = ValidationContext {
            filters: None,
            focuser_range_um: Some((1_000.0, 2_000.0)),
        };
        refused(absolute(next_down(1_000.0)), &narrow, "position_um");
        accepted(absolute(1_000.0), &narrow);
    }
    for relative in relatives {
        // Without a range: any finite offset.
        accepted(relative(-1e12), &no_context());
        refused(relative(f64::INFINITY), &no_context(), "delta_um");
        // With a range: at most its span either way.
        accepted(relative(50_000.0), &lapalma());
        accepted(relative(-50_000.0), &lapalma());
        refused(relative(next_up(50_000.0)), &lapalma(), "delta_um");
        refused(relative(next_down(-50_000.0)), &lapalma(), "delta_um");
    }
}

#[test]
fn filter_wheel_slot_from_the_context() {
    let set = |id| {
        Command::FilterWheelSetOption(FilterWheelSetOption {
            filter_wheel_position_id: id,
        })
    };
    accepted(set(99), &no_context());
    accepted(set(0), &lapalma());
    accepted(set(6), &lapalma());
    let error = refused(set(7), &lapalma(), "filter_wheel_position_id");
    assert!(error.message.contains("unknown slot 7"), "{error}");
    assert!(
        error.message.contains("0 (Luminance)") && error.message.contains("6 (S II)"),
        "lists the known slots: {error}"
    );
}

#[test]
fn autofocus_filter_and_strategy() {
    let autofocus = |filter: &str, strategy: &str| {
        Command::ImagerAutofocus(ImagerAutofocus {
            filter_id: filter.into(),
            strategy: AutofocusStrategy::from(strategy),
        })
    };
    accepted(autofocus("L", "v_curve"), &lapalma());
    accepted(autofocus("Ha", "hyperbolic"), &lapalma());
    accepted(autofocus("Y", "v_curve"), &no_context());
    let error = refused(autofocus("Y", "v_curve"), &lapalma(), "filter_id");
    assert!(error.message.contains("L, R, G"), "{error}");
    refused(autofocus("", "v_curve"), &no_context(), "filter_id");
    let error = refused(autofocus("L", "bahtinov"), &lapalma(), "strategy");
    assert!(error.message.contains("v_curve or hyperbolic"), "{error}");
}

#[test]
fn lease_commands() {
    let ctx = no_context();
    let acquire = |duration_s| {
        Command::LeaseAcquire(LeaseAcquire {
            duration_s,
            purpose: None,
        })
    };
    let renew = |lease_id: &str, duration_s| {
        Command::LeaseRenew(LeaseRenew {
            lease_id: lease_id.into(),
            duration_s,
        })
    };
    assert_eq!(MAX_LEASE_S, 43_200.0);
    accepted(acquire(next_up(0.0)), &ctx);
    accepted(acquire(MAX_LEASE_S), &ctx);
    refused(acquire(0.0), &ctx, "duration_s");
    refused(acquire(next_up(MAX_LEASE_S)), &ctx, "duration_s");
    refused(acquire(f64::NAN), &ctx, "duration_s");
    accepted(renew("lease-7f3a2c", MAX_LEASE_S), &ctx);
    refused(
        renew("lease-7f3a2c", next_up(MAX_LEASE_S)),
        &ctx,
        "duration_s",
    );
    refused(renew("lease-7f3a2c", 0.0), &ctx, "duration_s");
    let error = refused(renew("", 60.0), &ctx, "lease_id");
    assert!(error.message.contains("empty"));
    refused(renew(" \t", 60.0), &ctx, "lease_id");
    accepted(
        Command::LeaseRelease(LeaseRelease {
            lease_id: "lease-7f3a2c".into(),
        }),
        &ctx,
    );
    refused(
        Command::LeaseRelease(LeaseRelease {
            lease_id: "".into(),
        }),
        &ctx,
        "lease_id",
    );
    accepted(
        Command::AbortManualControl(AbortManualControl {
            lease_id: "lease-7f3a2c".into(),
        }),
        &ctx,
    );
    refused(
        Command::AbortManualControl(AbortManualControl {
            lease_id: "".into(),
        }),
        &ctx,
        "lease_id",
    );
}

#[test]
fn unknown_command_type() {
    let command: Command =
        serde_json::from_value(serde_json::json!({"command_type":"dome.open"})).unwrap();
    let error = refused(command, &no_context(), "command_type");
    assert!(error.message.contains("dome.open"));
}

#[test]
fn publish_command_prefixes_the_fields() {
    let publish = |command| PublishCommand {
        telescope_uid: "tel-lapalma".into(),
        command_id: cid("6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60"),
        command,
        origin: None,
    };
    assert_eq!(
        publish(exposure(30.0, 2, Some("Ha"))).validate(&lapalma()),
        Ok(())
    );
    let errors = publish(exposure(30.0, 5, Some("Y")))
        .validate(&lapalma())
        .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["command.binning", "command.filter_id"]);
    let errors = publish(point(TargetPosition::equatorial(400.0, 0.0)))
        .validate(&no_context())
        .unwrap_err();
    assert_eq!(errors[0].field, "command.target.ra");
    assert!(errors[0].to_string().starts_with("command.target.ra: "));
    let errors = publish(raster(30.0, 0, 3, 1.0))
        .validate(&no_context())
        .unwrap_err();
    assert_eq!(errors[0].field, "command.offset_pattern.rows");
    let unknown: Command =
        serde_json::from_value(serde_json::json!({"command_type":"dome.open"})).unwrap();
    let errors = publish(unknown).validate(&no_context()).unwrap_err();
    assert_eq!(errors[0].field, "command.command_type");
}

/// Every command fixture is valid against the simulator's telescope.
#[test]
fn every_command_fixture_is_valid() {
    for (name, text) in common::fixtures_in("commands") {
        let command: Command = serde_json::from_str(&text).unwrap();
        assert_eq!(command.validate(&lapalma()), Ok(()), "{name}");
    }
}
