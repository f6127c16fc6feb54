//! Sustained manual mode: an owner holds a telescope without a lease; only
//! owners and operators command it, anyone else's acquire is `manual_mode`,
//! and the telescope snapshot says who set it and since when.

mod common;

use common::*;
use skynet_protocol::{
    Command, ControlAuthority, ErrorCode, LeaseAcquire, MountPoint, StreamName, TargetPosition,
};
use skynode_sim::Options;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// POSTs to the simulator's HTTP side; returns the status code.
async fn post(addr: std::net::SocketAddr, path_and_query: &str) -> u16 {
    let mut tcp = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connecting to the simulator");
    let request = format!(
        "POST {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("sending");
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.expect("reading");
    response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"))
}

fn acquire() -> Command {
    Command::LeaseAcquire(LeaseAcquire {
        duration_s: 600.0,
        purpose: None,
    })
}

fn point_up() -> Command {
    Command::MountPoint(MountPoint {
        target: TargetPosition::equatorial(40.0, 80.0),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_mode_leaves_commands_to_the_owner_and_refuses_others_a_lease() {
    let sim = start_sim_with(Options {
        time_scale: 20.0,
        test_hooks: true,
        ..Default::default()
    })
    .await;
    let telescope = lapalma();
    let mut astronomer = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    let mut owner = CommandsClient::connect(sim.addr, OWNER).await;
    let mut stream = StreamClient::connect(sim.addr, ASTRONOMER).await;
    astronomer.subscribe_results(telescope).await;
    owner.subscribe_results(telescope).await;
    stream
        .watch("telescopes", StreamName::TelescopeSnapshot, telescope)
        .await;
    stream
        .next_telescope_snapshot("remote at first", "telescopes", |t| {
            t.control_authority == ControlAuthority::Remote && t.manual_mode.is_none()
        })
        .await;
    // An astronomer's lease is revoked when the owner goes manual.
    astronomer.acquire_lease(telescope, 600.0).await;

    let hook = format!("/v1/test/control-authority?telescope_uid={telescope}&mode=manual");
    assert_eq!(post(sim.addr, &hook).await, 200);
    let manual = stream
        .next_telescope_snapshot("manual mode", "telescopes", |t| t.manual_mode.is_some())
        .await;
    assert_eq!(manual.control_authority, ControlAuthority::Manual);
    assert_eq!(manual.lease, None, "the astronomer's lease was revoked");
    let mode = manual.manual_mode.expect("manual_mode");
    assert_eq!(mode.set_by, "dev-owner");
    assert!(
        mode.since.as_str().ends_with('Z'),
        "since is RFC 3339: {mode:?}"
    );

    let refused = astronomer.run(telescope, acquire()).await;
    assert_result_error(&refused, ErrorCode::ManualMode, "an astronomer's acquire");
    let id = astronomer.publish(telescope, point_up()).await;
    let error = astronomer.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");
    assert!(error.message.contains("sustained manual mode"), "{error:?}");
    // The owner commands without a lease.
    owner.run_ok(telescope, point_up()).await;

    // Bad requests are refused and change nothing.
    for bad in [
        format!("/v1/test/control-authority?telescope_uid={telescope}&mode=maintenance"),
        "/v1/test/control-authority?telescope_uid=no-such-telescope&mode=remote".to_owned(),
    ] {
        assert_eq!(post(sim.addr, &bad).await, 400, "{bad}");
    }

    let hook = format!("/v1/test/control-authority?telescope_uid={telescope}&mode=remote");
    assert_eq!(post(sim.addr, &hook).await, 200);
    stream
        .next_telescope_snapshot("remote again", "telescopes", |t| {
            t.control_authority == ControlAuthority::Remote && t.manual_mode.is_none()
        })
        .await;
    astronomer.acquire_lease(telescope, 600.0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hook_needs_test_hooks_and_the_world_file_can_start_manual() {
    let plain = start_sim(20.0).await;
    let hook = format!(
        "/v1/test/control-authority?telescope_uid={}&mode=manual",
        lapalma()
    );
    assert_eq!(
        post(plain.addr, &hook).await,
        404,
        "no hooks without --test-hooks"
    );

    let mut world = skynode_sim::World::builtin();
    world.telescopes[0].control_authority = Some(ControlAuthority::Manual);
    let telescope = world.telescopes[0].telescope_uid.clone();
    let sim = skynode_sim::Simulator::start(world, Options::default());
    let snapshot = sim
        .telescope_snapshot(&telescope, "dev-astronomer")
        .expect("visible");
    assert_eq!(snapshot.control_authority, ControlAuthority::Manual);
    assert_eq!(
        snapshot.manual_mode.map(|m| m.set_by).as_deref(),
        Some("dev-owner")
    );
}
