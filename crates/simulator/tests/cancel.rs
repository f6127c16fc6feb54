//! cancel_command: each long command stops with status canceled; a finished
//! command is not_cancelable; an unknown id is not_found.
//!
//! These run at time scale 1 so that the long commands are still running
//! when the cancel arrives (a slew of 50° or more takes over 12 s).

mod common;

use common::*;
use skynet_protocol::{
    AutofocusStrategy, CameraExposureStart, Command, CommandId, CommandStatus, DeviceState,
    ErrorCode, ExposureState, ImagerAutofocus, MountPoint, MoveRelativeUm, StreamName,
    TargetPosition,
};

/// Cancels `id`, expects the ack echoing it and then the `canceled` result.
async fn cancel_and_expect_canceled(commands: &mut CommandsClient, id: CommandId) {
    commands.cancel(id).await;
    let ack = commands.expect_ack(&id.to_string()).await;
    assert_eq!(ack.id, Some(id.to_string()));
    let result = commands.wait_for_result(id).await;
    assert_eq!(
        result.status,
        CommandStatus::Canceled,
        "the canceled command's result: {result:?}"
    );

    // Once finished, it can no longer be canceled.
    commands.cancel(id).await;
    let error = commands.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::NotCancelable, "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_long_slew() {
    let sim = start_sim(1.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    let mount = device_uid(lapalma(), "mount");
    commands.subscribe_results(lapalma()).await;
    stream.watch_device("mount", &mount).await;

    // From the zenith to Dec +80 (altitude 19° to 39°): 51° or more.
    let (ra, dec) = (200.0, 80.0);
    let id = commands
        .publish(
            lapalma(),
            Command::MountPoint(MountPoint {
                target: TargetPosition::equatorial(ra, dec),
            }),
        )
        .await;
    stream
        .next_mount_state("the mount slewing", "mount", WAIT, |m| m.slewing)
        .await;
    cancel_and_expect_canceled(&mut commands, id).await;

    let stopped = stream
        .next_mount_state("the mount stopped", "mount", WAIT, |m| !m.slewing)
        .await;
    let off = separation_deg(stopped.ra_deg, stopped.dec_deg, ra, dec);
    assert!(
        off > 5.0,
        "the canceled slew stopped short of the target (off by {off}°): {stopped:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_long_exposure() {
    let sim = start_sim(1.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    let camera = device_uid(lapalma(), "camera");
    commands.subscribe_results(lapalma()).await;
    stream.watch_device("camera", &camera).await;

    let id = commands
        .publish(
            lapalma(),
            Command::CameraExposureStart(CameraExposureStart {
                duration_s: 600.0,
                binning: 1,
                filter_id: None,
            }),
        )
        .await;
    stream
        .next_device_snapshot("the camera exposing", "camera", WAIT, |s| {
            matches!(&s.state, DeviceState::Camera(c) if c.exposure_state == ExposureState::Exposing)
        })
        .await;
    cancel_and_expect_canceled(&mut commands, id).await;

    stream
        .next_device_snapshot("the camera idle", "camera", WAIT, |s| {
            matches!(&s.state, DeviceState::Camera(c) if c.exposure_state == ExposureState::Idle)
        })
        .await;
    // The camera is free again: a short exposure runs.
    commands
        .run_ok(
            lapalma(),
            Command::CameraExposureStart(CameraExposureStart {
                duration_s: 0.5,
                binning: 4,
                filter_id: None,
            }),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_an_autofocus() {
    let sim = start_sim(1.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    let focuser = device_uid(lapalma(), "focuser");
    commands.subscribe_results(lapalma()).await;
    stream.watch_device("focuser", &focuser).await;
    stream
        .watch("instrument", StreamName::InstrumentSnapshot, lapalma())
        .await;

    let id = commands
        .publish(
            lapalma(),
            Command::ImagerAutofocus(ImagerAutofocus {
                filter_id: "L".to_owned(),
                strategy: AutofocusStrategy::VCurve,
            }),
        )
        .await;
    // The sweep has begun once its first sample is published.
    let first = stream
        .next_matching("the first autofocus sample", WAIT, |m| {
            instrument_snapshot(m, "instrument").is_some_and(|s| {
                s.state
                    .autofocus
                    .as_ref()
                    .is_some_and(|a| a.command_id == Some(id) && !a.samples.is_empty())
            })
        })
        .await;
    let samples_before = instrument_snapshot(&first, "instrument")
        .and_then(|s| s.state.autofocus)
        .map(|a| a.samples.len())
        .unwrap_or_default();
    assert!(samples_before < 9, "canceled early in the sweep");
    cancel_and_expect_canceled(&mut commands, id).await;

    stream
        .next_device_snapshot(
            "the focuser at rest",
            "focuser",
            WAIT,
            |s| matches!(&s.state, DeviceState::Focuser(f) if !f.moving),
        )
        .await;
    // The focuser, wheel and camera are free again.
    commands
        .run_ok(
            lapalma(),
            Command::FocuserMoveRelative(MoveRelativeUm { delta_um: 100.0 }),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_of_a_finished_command_is_not_cancelable() {
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    let id = commands
        .publish(
            lapalma(),
            Command::FocuserMoveRelative(MoveRelativeUm { delta_um: 200.0 }),
        )
        .await;
    let result = commands.wait_for_result(id).await;
    assert_ok(&result, "focuser.move_relative");

    commands.cancel(id).await;
    let error = commands.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::NotCancelable, "{error:?}");
    assert_eq!(error.id, Some(id.to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_of_an_unknown_command_is_not_found() {
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    let id = CommandId::new_v4();
    commands.cancel(id).await;
    let error = commands.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::NotFound, "{error:?}");
    assert_eq!(error.id, Some(id.to_string()));
}
