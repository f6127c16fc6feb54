//! The two patterns of the published command reference, end to end, as the
//! astronomer: manual slew-and-expose, and the autofocus sweep.

mod common;

use std::collections::BTreeSet;

use common::*;
use skynet_protocol::{
    Access, AutofocusData, AutofocusStrategy, CameraExposureStart, Command, ControlAuthority,
    DeviceSnapshot, DeviceState, ExposureData, FixedPosition, Frame, ImagerAutofocus,
    InstrumentSnapshot, LeaseState, MountResultData, MountTrack, StreamName, StreamServerMessage,
    TargetPosition,
};

/// A target that is always up at La Palma (latitude 28.76°): Dec +80°.
const UP_RA: f64 = 123.4;
const UP_DEC: f64 = 80.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_slew_and_expose() {
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    let mut stream = StreamClient::connect(sim.addr, ASTRONOMER).await;
    let mount = device_uid(lapalma(), "mount");

    // 1. Subscribe to command_result filtered to the telescope (acked).
    commands.subscribe_results(lapalma()).await;
    stream.watch_device("mount", &mount).await;
    stream
        .watch("telescope", StreamName::TelescopeSnapshot, lapalma())
        .await;
    let before = stream
        .next_telescope_snapshot("the retained telescope snapshot", "telescope", |_| true)
        .await;
    assert_eq!(before.telescope_uid.as_str(), lapalma());
    assert_eq!(before.control_authority, ControlAuthority::Remote);
    assert!(before.lease.is_none(), "no lease yet: {before:?}");
    assert_eq!(before.access, Access::Astronomer);
    assert_eq!(before.devices.len(), 6, "six devices: {before:?}");

    // 2. Acquire a lease.
    let lease = commands.acquire_lease(lapalma(), 3600.0).await;
    assert!(!lease.lease_id.as_str().is_empty(), "a lease id: {lease:?}");
    assert!(
        !lease.expires_at.as_str().is_empty(),
        "an expiry: {lease:?}"
    );
    assert!(lease.duration_s > 0.0, "a granted duration: {lease:?}");
    let manual = stream
        .next_telescope_snapshot(
            "a telescope snapshot under manual control",
            "telescope",
            |t| t.control_authority == ControlAuthority::Manual,
        )
        .await;
    let active = manual.lease.expect("the manual telescope shows its lease");
    assert_eq!(active.lease_id, lease.lease_id);
    assert_eq!(active.holder, "dev-astronomer");
    assert_eq!(active.state, LeaseState::Active);

    // 3. mount.track the target: the result is the final commanded position.
    let target = TargetPosition::equatorial(UP_RA, UP_DEC);
    let result = commands
        .run_ok(
            lapalma(),
            Command::MountTrack(MountTrack {
                target: target.clone(),
                offset_pattern: None,
            }),
        )
        .await;
    let position: MountResultData = data_of(&result);
    let off = separation_deg(position.ra_deg, position.dec_deg, UP_RA, UP_DEC);
    assert!(
        off < 0.5,
        "the commanded position is the target (off by {off}°): {position:?}"
    );
    assert!(
        (18.0..=40.0).contains(&position.alt_deg),
        "Dec +80 at La Palma stands between 18.8° and 38.8°: {position:?}"
    );
    match &position.target {
        Some(TargetPosition::Fixed(FixedPosition {
            frame: Frame::Equatorial,
            ra: Some(ra),
            dec: Some(dec),
            ..
        })) => assert!(separation_deg(*ra, *dec, UP_RA, UP_DEC) < 1e-6),
        other => panic!("the resolved target is the fixed one sent, got {other:?}"),
    }

    // 4. The mount stream confirms tracking.
    let tracking = stream
        .next_mount_state("a mount snapshot tracking", "mount", WAIT, |m| {
            m.tracking && !m.slewing
        })
        .await;
    assert!(!tracking.parked, "a tracking mount is not parked");
    let off = separation_deg(tracking.ra_deg, tracking.dec_deg, UP_RA, UP_DEC);
    assert!(
        off < 0.5,
        "tracking the target (off by {off}°): {tracking:?}"
    );

    // 5 and 6. Expose and wait for the result.
    let result = commands
        .run_ok(
            lapalma(),
            Command::CameraExposureStart(CameraExposureStart {
                duration_s: 2.0,
                binning: 2,
                filter_id: Some("R".to_owned()),
            }),
        )
        .await;
    let exposure: ExposureData = data_of(&result);
    assert!(!exposure.exposure_id.is_empty());
    assert_eq!(exposure.duration_s, 2.0);
    assert_eq!(exposure.binning, 2);
    assert_eq!(exposure.filter_id.as_deref(), Some("R"));
    assert!(exposure.width > 0 && exposure.height > 0, "{exposure:?}");
    assert_eq!(
        exposure.preview_url,
        format!("/v1/previews/{}.png", exposure.exposure_id),
        "the preview path of docs/simulator.md"
    );
    let preview = http_get(sim.addr, &exposure.preview_url).await;
    assert_eq!(preview.status, 200, "GET {}", exposure.preview_url);
    assert_eq!(
        preview
            .header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim()),
        Some("image/png"),
        "{:?}",
        preview.headers
    );
    assert!(
        preview.body.starts_with(&PNG_SIGNATURE),
        "the preview is a PNG ({} bytes)",
        preview.body.len()
    );

    // 7. Release: the telescope goes back to remote control.
    commands.release_lease(lapalma(), &lease.lease_id).await;
    let after = stream
        .next_telescope_snapshot(
            "a telescope snapshot under remote control",
            "telescope",
            |t| t.control_authority == ControlAuthority::Remote,
        )
        .await;
    assert!(after.lease.is_none(), "no lease after release: {after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autofocus_sweep() {
    let sim = start_sim(5.0).await;
    let mut commands = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    let mut stream = StreamClient::connect(sim.addr, ASTRONOMER).await;
    let focuser = device_uid(lapalma(), "focuser");
    let camera = device_uid(lapalma(), "camera");
    commands.subscribe_results(lapalma()).await;
    stream.watch_device("focuser", &focuser).await;
    stream
        .watch("instrument", StreamName::InstrumentSnapshot, lapalma())
        .await;

    // 1. Acquire a lease.
    let lease = commands.acquire_lease(lapalma(), 3600.0).await;

    for strategy in [AutofocusStrategy::VCurve, AutofocusStrategy::Hyperbolic] {
        // Where the focuser rests before the sweep: the sweep is centred on it.
        let (_, resting) = stream
            .next_device_snapshot(
                "a focuser snapshot at rest",
                "focuser",
                WAIT,
                |s| matches!(&s.state, DeviceState::Focuser(f) if !f.moving),
            )
            .await;
        let start_um = match resting.state {
            DeviceState::Focuser(f) => f.position_um,
            _ => unreachable!("matched a focuser state"),
        };
        stream.clear_backlog();

        // 2. Publish imager.autofocus.
        let id = commands
            .publish(
                lapalma(),
                Command::ImagerAutofocus(ImagerAutofocus {
                    filter_id: "L".to_owned(),
                    strategy: strategy.clone(),
                }),
            )
            .await;

        // 3. Watch the focuser move and the samples arrive until the result.
        let mut positions = BTreeSet::new();
        let mut sample_counts = Vec::new();
        let mut instrument_samples = Vec::new();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        let result = loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                !left.is_zero(),
                "the {strategy} autofocus did not finish in 60 s"
            );
            tokio::select! {
                message = commands.next_message(left) => {
                    match message {
                        Some(skynet_protocol::CommandsServerMessage::CommandResult(e))
                            if e.result.command_id == id => break e.result,
                        Some(skynet_protocol::CommandsServerMessage::Error(e))
                            if e.id.as_deref() == Some(id.to_string().as_str()) =>
                        {
                            panic!("the autofocus publish was refused: {e:?}")
                        }
                        _ => {}
                    }
                }
                message = stream.next_message(left) => {
                    match message {
                        Some(StreamServerMessage::DeviceSnapshot(e)) if e.subscription_id.as_str() == "focuser" => {
                            if let DeviceState::Focuser(f) = &whole::<DeviceSnapshot>(&e.snapshot).state {
                                positions.insert(f.position_um.round() as i64);
                            }
                        }
                        Some(StreamServerMessage::InstrumentSnapshot(e)) if e.subscription_id.as_str() == "instrument" => {
                            let snapshot: InstrumentSnapshot = whole(&e.snapshot);
                            assert!(snapshot.device_uids.contains(&camera), "the camera is part of the instrument");
                            if let Some(progress) = snapshot.state.autofocus.filter(|a| a.command_id == Some(id)) {
                                assert_eq!(progress.filter_id, "L");
                                assert_eq!(progress.strategy, strategy);
                                sample_counts.push(progress.samples.len());
                                instrument_samples = progress.samples;
                            }
                        }
                        _ => {}
                    }
                }
            }
        };

        // 4. The result: best position, best HFR and every sample.
        assert_ok(&result, &format!("{strategy} autofocus"));
        let data: AutofocusData = data_of(&result);
        assert!(
            data.samples.len() >= 9,
            "at least 9 samples: {:?}",
            data.samples
        );
        let max_hfr = data
            .samples
            .iter()
            .map(|s| s.hfr_px)
            .fold(f64::MIN, f64::max);
        let min_pos = data
            .samples
            .iter()
            .map(|s| s.position_um)
            .fold(f64::MAX, f64::min);
        let max_pos = data
            .samples
            .iter()
            .map(|s| s.position_um)
            .fold(f64::MIN, f64::max);
        assert!(data.best_hfr_px > 0.0, "{data:?}");
        assert!(
            data.best_hfr_px <= max_hfr,
            "best HFR {} is no larger than the largest sample {max_hfr}",
            data.best_hfr_px
        );
        assert!(
            (min_pos..=max_pos).contains(&data.best_position_um),
            "best position {} lies within the sampled range {min_pos}..{max_pos}",
            data.best_position_um
        );
        assert!(
            (data.best_position_um - 25_000.0).abs() < 2_000.0,
            "best focus sits near 25,000 µm: {}",
            data.best_position_um
        );
        // The first pass: 9 positions 400 µm apart centred on the start.
        let first: Vec<f64> = data.samples[..9].iter().map(|s| s.position_um).collect();
        for pair in first.windows(2) {
            assert!(
                ((pair[1] - pair[0]).abs() - 400.0).abs() < 1.0,
                "the sweep steps 400 µm: {first:?}"
            );
        }
        let ascending = first[1] > first[0];
        assert!(
            first.windows(2).all(|p| (p[1] > p[0]) == ascending),
            "the sweep walks one way: {first:?}"
        );
        let centre = first.iter().sum::<f64>() / 9.0;
        assert!(
            (centre - start_um).abs() < 1.0,
            "the sweep is centred on the start position {start_um}: {first:?}"
        );

        // The focuser was seen moving through the sweep.
        assert!(
            positions.len() >= 5,
            "focuser snapshots at 5 or more positions during the sweep, saw {positions:?}"
        );
        // Samples were published as they were measured, never fewer than before.
        assert!(
            sample_counts.windows(2).all(|w| w[1] >= w[0]),
            "instrument samples only grow: {sample_counts:?}"
        );
        assert!(
            sample_counts
                .iter()
                .any(|&n| n > 0 && n < data.samples.len()),
            "instrument snapshots arrived during the sweep, counts {sample_counts:?}"
        );

        // Every sample of the result appears on instrument_snapshot too.
        if instrument_samples.len() < data.samples.len() {
            let last = stream
                .next_matching("the instrument snapshot with every sample", WAIT, |m| {
                    instrument_snapshot(m, "instrument").is_some_and(|s| {
                        s.state.autofocus.as_ref().is_some_and(|a| {
                            a.command_id == Some(id) && a.samples.len() >= data.samples.len()
                        })
                    })
                })
                .await;
            instrument_samples = instrument_snapshot(&last, "instrument")
                .and_then(|s| s.state.autofocus.clone())
                .map(|a| a.samples)
                .unwrap_or_default();
        }
        assert_eq!(
            instrument_samples, data.samples,
            "instrument_snapshot carries the same samples as the result"
        );

        // The focuser is left at the fitted best position.
        stream
            .next_device_snapshot(
                "the focuser at rest at the best position",
                "focuser",
                WAIT,
                |s| {
                    matches!(&s.state, DeviceState::Focuser(f)
                    if !f.moving && (f.position_um - data.best_position_um).abs() < 5.0)
                },
            )
            .await;
    }

    // 5. Release.
    commands.release_lease(lapalma(), &lease.lease_id).await;
}
