//! Standing authority and manual control leases: forbidden publishes,
//! lease_held, lease_not_found, expiry and the owner's abort.

mod common;

use std::time::Duration;

use common::*;
use skynet_protocol::{
    AbortManualControl, CameraExposureStart, Command, CommandStatus, ControlAuthority, DeviceState,
    ErrorCode, ExposureState, LeaseAcquire, LeaseData, LeaseRelease, LeaseRenew, LeaseState,
    MountPoint, StreamName, TargetPosition,
};

/// A mount.point to Dec +80°, always up at La Palma.
fn point_up() -> Command {
    Command::MountPoint(MountPoint {
        target: TargetPosition::equatorial(40.0, 80.0),
    })
}

fn acquire(duration_s: f64) -> Command {
    Command::LeaseAcquire(LeaseAcquire {
        duration_s,
        purpose: None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_without_a_lease_is_forbidden_and_does_not_run() {
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    let mut stream = StreamClient::connect(sim.addr, ASTRONOMER).await;
    let mount = device_uid(lapalma(), "mount");
    commands.subscribe_results(lapalma()).await;
    stream.watch_device("mount", &mount).await;
    let parked = stream
        .next_mount_state("the retained mount snapshot", "mount", WAIT, |_| true)
        .await;
    assert!(parked.parked, "the mount starts parked: {parked:?}");

    let id = commands.publish(lapalma(), point_up()).await;
    let error = commands.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");
    assert_eq!(error.id, Some(id.to_string()));

    // No result ever comes, and the mount never moves (a slew of this size
    // takes under a second at time scale 20).
    let result = commands.try_result(id, Duration::from_secs(2)).await;
    assert!(
        result.is_none(),
        "a forbidden command has no result: {result:?}"
    );
    stream.ping("after-forbidden").await;
    for message in stream.backlog() {
        if let Some((_, snapshot)) = device_snapshot(message, "mount") {
            let state = mount_state(&snapshot).expect("a mount state");
            assert!(
                state.parked && !state.slewing,
                "the forbidden command moved the mount: {state:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_may_neither_lease_nor_command() {
    let sim = start_sim(20.0).await;
    let mut viewer = CommandsClient::connect(sim.addr, VIEWER).await;
    viewer.subscribe_results(lapalma()).await;

    let id = viewer.publish(lapalma(), acquire(600.0)).await;
    let error = viewer.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");
    assert_eq!(error.id, Some(id.to_string()));

    let id = viewer.publish(lapalma(), point_up()).await;
    let error = viewer.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");

    // The viewer may still watch: its telescope snapshot says so.
    let mut stream = StreamClient::connect(sim.addr, VIEWER).await;
    stream
        .watch("telescope", StreamName::TelescopeSnapshot, lapalma())
        .await;
    let telescope = stream
        .next_telescope_snapshot("the viewer's telescope snapshot", "telescope", |_| true)
        .await;
    assert_eq!(telescope.access, skynet_protocol::Access::Viewer);
    assert_eq!(telescope.control_authority, ControlAuthority::Remote);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_lease_per_telescope() {
    let sim = start_sim(20.0).await;
    let mut first = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    let mut second = CommandsClient::connect(sim.addr, ASTRONOMER_2).await;
    first.subscribe_results(lapalma()).await;
    second.subscribe_results(lapalma()).await;

    let lease = first.acquire_lease(lapalma(), 3600.0).await;

    // The second astronomer is refused with a result naming the holder.
    let held = second.run(lapalma(), acquire(600.0)).await;
    assert_result_error(
        &held,
        ErrorCode::LeaseHeld,
        "acquire while another holds it",
    );
    let details = held
        .error
        .as_ref()
        .and_then(|e| e.details.clone())
        .expect("lease_held carries details");
    assert_eq!(
        details.get("holder").and_then(|h| h.as_str()),
        Some("dev-astronomer"),
        "details name the holder: {details}"
    );
    assert!(
        details.get("expires_at").is_some_and(|e| e.is_string()),
        "details carry expires_at: {details}"
    );

    // Nor may they renew or release the first astronomer's lease.
    let renew = second
        .run(
            lapalma(),
            Command::LeaseRenew(LeaseRenew {
                lease_id: lease.lease_id.clone(),
                duration_s: 600.0,
            }),
        )
        .await;
    assert_result_error(&renew, ErrorCode::LeaseNotFound, "renewing another's lease");
    let release = second
        .run(
            lapalma(),
            Command::LeaseRelease(LeaseRelease {
                lease_id: lease.lease_id.clone(),
            }),
        )
        .await;
    assert_result_error(
        &release,
        ErrorCode::LeaseNotFound,
        "releasing another's lease",
    );

    // The holder renews, and acquiring again extends the same lease.
    let renewed = first
        .run_ok(
            lapalma(),
            Command::LeaseRenew(LeaseRenew {
                lease_id: lease.lease_id.clone(),
                duration_s: 1800.0,
            }),
        )
        .await;
    let renewed: LeaseData = data_of(&renewed);
    assert_eq!(renewed.lease_id, lease.lease_id);
    let again = first.acquire_lease(lapalma(), 3600.0).await;
    assert_eq!(
        again.lease_id, lease.lease_id,
        "the holder acquiring again extends its own lease"
    );

    // After the release, the second astronomer gets the telescope.
    first.release_lease(lapalma(), &lease.lease_id).await;
    let second_lease = second.acquire_lease(lapalma(), 600.0).await;
    assert_ne!(second_lease.lease_id, lease.lease_id, "a new lease");

    // The released lease is gone: releasing it again is lease_not_found.
    let stale = first
        .run(
            lapalma(),
            Command::LeaseRelease(LeaseRelease {
                lease_id: lease.lease_id.clone(),
            }),
        )
        .await;
    assert_result_error(
        &stale,
        ErrorCode::LeaseNotFound,
        "releasing a released lease",
    );

    // A lease on one telescope gives nothing on the other.
    let elsewhere = second.publish(sidingspring(), point_up()).await;
    let error = second.expect_error(&elsewhere.to_string()).await;
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_expires() {
    // duration_s 40 at time scale 20: two seconds of real time.
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    let mut stream = StreamClient::connect(sim.addr, ASTRONOMER).await;
    commands.subscribe_results(lapalma()).await;
    stream
        .watch("leases", StreamName::ManualControlLease, lapalma())
        .await;
    stream
        .watch("telescope", StreamName::TelescopeSnapshot, lapalma())
        .await;

    let lease = commands.acquire_lease(lapalma(), 40.0).await;
    stream
        .next_telescope_snapshot("the telescope under manual control", "telescope", |t| {
            t.control_authority == ControlAuthority::Manual
        })
        .await;

    let expired = stream
        .next_lease_event("the lease expiring", "leases", |e| {
            e.lease_id == lease.lease_id && e.state != LeaseState::Active
        })
        .await;
    assert_eq!(expired.state, LeaseState::Expired, "{expired:?}");
    assert_eq!(expired.holder, "dev-astronomer");
    assert_eq!(expired.telescope_uid.as_str(), lapalma());

    let remote = stream
        .next_telescope_snapshot(
            "the telescope back under remote control",
            "telescope",
            |t| t.control_authority == ControlAuthority::Remote,
        )
        .await;
    assert!(remote.lease.is_none(), "{remote:?}");

    let id = commands.publish(lapalma(), point_up()).await;
    let error = commands.expect_error(&id.to_string()).await;
    assert_eq!(
        error.code,
        ErrorCode::Forbidden,
        "a command after the lease expired: {error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_aborts_a_lease() {
    let sim = start_sim(20.0).await;
    let mut astronomer = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    let mut owner = CommandsClient::connect(sim.addr, OWNER).await;
    let mut stream = StreamClient::connect(sim.addr, ASTRONOMER).await;
    let camera = device_uid(lapalma(), "camera");
    astronomer.subscribe_results(lapalma()).await;
    owner.subscribe_results(lapalma()).await;
    stream
        .watch("leases", StreamName::ManualControlLease, lapalma())
        .await;
    stream.watch_device("camera", &camera).await;

    let lease = astronomer.acquire_lease(lapalma(), 3600.0).await;
    // 600 s at time scale 20: half a minute, far longer than the test.
    let exposure = astronomer
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

    // Only the owner may abort.
    let abort = Command::AbortManualControl(AbortManualControl {
        lease_id: lease.lease_id.clone(),
    });
    let id = astronomer.publish(lapalma(), abort.clone()).await;
    let error = astronomer.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");
    assert_eq!(error.id, Some(id.to_string()));

    owner.run_ok(lapalma(), abort).await;

    let canceled = astronomer.wait_for_result(exposure).await;
    assert_eq!(
        canceled.status,
        CommandStatus::Canceled,
        "the holder's exposure is canceled by the abort: {canceled:?}"
    );
    let revoked = stream
        .next_lease_event("the lease revoked", "leases", |e| {
            e.lease_id == lease.lease_id && e.state != LeaseState::Active
        })
        .await;
    assert_eq!(revoked.state, LeaseState::Revoked, "{revoked:?}");
    stream
        .next_device_snapshot("the camera idle again", "camera", WAIT, |s| {
            matches!(&s.state, DeviceState::Camera(c) if c.exposure_state == ExposureState::Idle)
        })
        .await;

    // The astronomer has lost its authority.
    let id = astronomer.publish(lapalma(), point_up()).await;
    let error = astronomer.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");

    // The owner commands without a lease.
    let ok = owner.run(lapalma(), point_up()).await;
    assert_ok(&ok, "the owner's mount.point");
}
