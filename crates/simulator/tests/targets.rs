//! Targets: catalog names, unknown names, targets below the horizon and
//! unsupported target types.

mod common;

use common::*;
use skynet_protocol::{
    Command, CommandStatus, CommandsServerMessage, ErrorCode, FixedPosition, Frame, MountPoint,
    MountResultData, MountTrack, OrbitalTarget, TargetPosition,
};

/// Polaris, J2000.
const POLARIS_RA: f64 = 37.954_56;
const POLARIS_DEC: f64 = 89.264_11;

fn point(target: TargetPosition) -> Command {
    Command::MountPoint(MountPoint { target })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_targets_resolve_or_are_refused() {
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    commands.subscribe_results(sidingspring()).await;

    let unknown = commands
        .run(
            lapalma(),
            point(TargetPosition::catalog("Definitely Not An Object 12345")),
        )
        .await;
    assert_result_error(
        &unknown,
        ErrorCode::UnknownTarget,
        "an unknown catalog name",
    );

    // Polaris is always up at La Palma, at about the site's latitude.
    let polaris = commands
        .run_ok(lapalma(), point(TargetPosition::catalog("Polaris")))
        .await;
    let data: MountResultData = data_of(&polaris);
    match &data.target {
        Some(TargetPosition::Fixed(FixedPosition {
            frame: Frame::Equatorial,
            ra: Some(ra),
            dec: Some(dec),
            ..
        })) => {
            let off = separation_deg(*ra, *dec, POLARIS_RA, POLARIS_DEC);
            assert!(
                off < 0.1,
                "the catalog resolves Polaris (off by {off}°): {ra} {dec}"
            );
        }
        other => panic!("a catalog target resolves to fixed coordinates, got {other:?}"),
    }
    let off = separation_deg(data.ra_deg, data.dec_deg, POLARIS_RA, POLARIS_DEC);
    assert!(off < 0.6, "pointed at Polaris (off by {off}°): {data:?}");
    assert!(
        (27.0..=31.0).contains(&data.alt_deg),
        "Polaris stands near 28.8° at La Palma: {data:?}"
    );

    // Names are matched loosely: a track of the same star by another spelling.
    let tracked = commands
        .run_ok(
            lapalma(),
            Command::MountTrack(MountTrack {
                target: TargetPosition::catalog("alpha UMi"),
                offset_pattern: None,
            }),
        )
        .await;
    let tracked: MountResultData = data_of(&tracked);
    let off = separation_deg(tracked.ra_deg, tracked.dec_deg, data.ra_deg, data.dec_deg);
    assert!(off < 0.05, "alpha UMi is Polaris (off by {off}°)");

    // Polaris never rises at Siding Spring.
    let south = commands
        .run(sidingspring(), point(TargetPosition::catalog("Polaris")))
        .await;
    assert_result_error(
        &south,
        ErrorCode::BelowHorizon,
        "Polaris from Siding Spring",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_below_the_limit_are_refused() {
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    commands.subscribe_results(sidingspring()).await;

    // Dec -80 never rises at La Palma (latitude +28.76).
    let never = commands
        .run(lapalma(), point(TargetPosition::equatorial(100.0, -80.0)))
        .await;
    assert_result_error(&never, ErrorCode::BelowHorizon, "Dec -80 from La Palma");

    // ... and is always up at Siding Spring (latitude -31.27).
    let south = commands
        .run_ok(
            sidingspring(),
            point(TargetPosition::equatorial(100.0, -80.0)),
        )
        .await;
    let south: MountResultData = data_of(&south);
    assert!(
        // Circumpolar there: between 31.27 - 10 and 31.27 + 10 degrees
        // (plus a little refraction), whatever the hour.
        (21.0..=42.0).contains(&south.alt_deg),
        "Dec -80 stands between 21.3° and 41.3° at Siding Spring: {south:?}"
    );

    // An orbital target is refused as unsupported.
    let id = commands
        .publish(
            lapalma(),
            point(TargetPosition::Orbital(OrbitalTarget {
                name: Some("ISS".to_owned()),
                tle_line1: Some(
                    "1 25544U 98067A   24001.50000000  .00016717  00000-0  10270-3 0  9005"
                        .to_owned(),
                ),
                tle_line2: Some(
                    "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"
                        .to_owned(),
                ),
            })),
        )
        .await;
    let key = id.to_string();
    let answer = commands
        .next_matching("the orbital target's refusal", WAIT, |m| match m {
            CommandsServerMessage::CommandResult(e) => e.result.command_id == id,
            CommandsServerMessage::Error(e) => e.id.as_deref() == Some(key.as_str()),
            _ => false,
        })
        .await;
    let code = match answer {
        CommandsServerMessage::CommandResult(e) => {
            assert_eq!(e.result.status, CommandStatus::Error, "{:?}", e.result);
            e.result.error.map(|b| b.code)
        }
        CommandsServerMessage::Error(e) => Some(e.code),
        _ => None,
    };
    assert_eq!(code, Some(ErrorCode::Unsupported), "an orbital target");
}
