//! What a misbehaving client meets: duplicate ids, bad tokens, malformed
//! frames, floods and a client that never reads.

mod common;

use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use skynet_protocol::{
    CameraExposureStart, Command, CommandId, CommandsClientMessage, CommandsServerMessage,
    DaisyPattern, ErrorCode, Liveness, Message, MountPoint, MountTrack, MoveRelativeUm,
    OffsetPattern, RotatorMoveAbsolute, StreamName, StreamServerMessage, TargetPosition,
};
use skynode_sim::Cut;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_command_id_is_refused() {
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    let id = CommandId::new_v4();
    let command = Command::RotatorMoveAbsolute(RotatorMoveAbsolute { angle_deg: 30.0 });
    commands
        .send(&publish_message(lapalma(), id, command.clone()))
        .await;
    commands
        .send(&publish_message(lapalma(), id, command))
        .await;

    let error = commands.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::DuplicateCommandId, "{error:?}");
    assert_eq!(error.id, Some(id.to_string()));

    // The first one runs, once.
    let result = commands.wait_for_result(id).await;
    assert_ok(&result, "the first publish of the id");
    let again = commands.try_result(id, Duration::from_secs(2)).await;
    assert!(again.is_none(), "one result per command id, got {again:?}");

    // An id already used (and finished) is still a duplicate.
    commands
        .send(&publish_message(
            lapalma(),
            id,
            Command::RotatorMoveAbsolute(RotatorMoveAbsolute { angle_deg: 60.0 }),
        ))
        .await;
    let error = commands.expect_error(&id.to_string()).await;
    assert_eq!(error.code, ErrorCode::DuplicateCommandId, "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_unknown_token_is_refused_with_401() {
    let sim = start_sim(20.0).await;
    let addr = sim.addr;
    for path in [COMMANDS_PATH, STREAM_PATH] {
        let missing = upgrade_status(addr, ws_request(addr, path, None, None)).await;
        assert_eq!(missing, Some(401), "{path} without a token");
        let unknown =
            upgrade_status(addr, ws_request(addr, path, Some("nobody-token"), None)).await;
        assert_eq!(unknown, Some(401), "{path} with an unknown token");
        let bad_bearer =
            upgrade_status(addr, ws_request(addr, path, None, Some("nobody-token"))).await;
        assert_eq!(bad_bearer, Some(401), "{path} with an unknown bearer token");
    }

    // The Authorization header works without the query string.
    let ws = open_ws(addr, ws_request(addr, COMMANDS_PATH, None, Some(OWNER)))
        .await
        .expect("the commands upgrade with an Authorization header");
    let mut commands = CommandsClient::from_ws(ws, "commands by bearer".to_owned());
    commands.ping("bearer-commands").await;
    let ws = open_ws(addr, ws_request(addr, STREAM_PATH, None, Some(OWNER)))
        .await
        .expect("the stream upgrade with an Authorization header");
    let mut stream = StreamClient::from_ws(ws, "stream by bearer".to_owned());
    stream.ping("bearer-stream").await;

    // A plain GET (what a browser can send to learn why an upgrade failed)
    // is refused the same way, readable from any page.
    let probe = http_get(addr, &format!("{COMMANDS_PATH}?token=nobody-token")).await;
    assert_eq!(probe.status, 401);
    assert_eq!(probe.header("access-control-allow-origin"), Some("*"));
    let good = http_get(addr, &format!("{STREAM_PATH}?token={OWNER}")).await;
    assert_ne!(
        good.status, 401,
        "a good token on a plain GET is not a token problem"
    );

    // And the server is still well after the refusals.
    assert_eq!(http_get(addr, "/healthz").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drop_hook_cuts_one_accounts_sockets_without_a_close_frame() {
    let sim = start_sim(20.0).await;
    let mut dropped = open_ws(
        sim.addr,
        ws_request(sim.addr, COMMANDS_PATH, Some(ASTRONOMER), None),
    )
    .await
    .expect("the astronomer's socket opens");
    let mut owner = CommandsClient::connect(sim.addr, OWNER).await;
    owner.ping("before").await;

    assert!(
        sim.sim
            .cut_sockets(Cut::Drop, Some("dev-astronomer".into()))
            >= 2
    );
    let ended = tokio::time::timeout(WAIT, async {
        loop {
            match dropped.next().await {
                None | Some(Err(_)) => return None,
                Some(Ok(WsMessage::Close(frame))) => return Some(frame),
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .expect("the dropped socket ends");
    assert_eq!(ended, None, "no close frame: the link just fails");

    // Everyone else goes on.
    owner.ping("after").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_freeze_hook_leaves_a_socket_open_and_silent_both_ways() {
    let sim = start_sim(20.0).await;
    let mut frozen = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    frozen.ping("before").await;
    let mut owner = CommandsClient::connect(sim.addr, OWNER).await;
    // Answered: the owner's connection is listening for the hook too (the
    // count below is of the sockets listening; a handshake alone does not
    // mean its task has started).
    owner.ping("before").await;

    assert!(
        sim.sim
            .cut_sockets(Cut::Freeze, Some("dev-astronomer".into()))
            >= 2
    );
    // Pings are answered until the hook reaches the socket; then one goes
    // unanswered, and the socket neither closes (`next_message` would panic)
    // nor says anything more: a link dead without a word.
    let mut unanswered = false;
    for n in 0..20 {
        frozen
            .send(&CommandsClientMessage::Ping(Liveness {
                id: Some(format!("probe-{n}")),
            }))
            .await;
        if frozen
            .next_message(Duration::from_millis(500))
            .await
            .is_none()
        {
            unanswered = true;
            break;
        }
    }
    assert!(unanswered, "the frozen socket stops answering pings");
    assert!(frozen.next_message(Duration::from_secs(1)).await.is_none());

    // A new socket of the same account is not frozen; everyone else goes on.
    let mut fresh = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    fresh.ping("after").await;
    owner.ping("after").await;
}

/// A publish of `camera.exposure.start` whose `command` fields are `fields`.
fn raw_exposure(id: CommandId, fields: &str) -> String {
    format!(
        r#"{{"kind":"publish_command","telescope_uid":"{}","command_id":"{id}","command":{{"command_type":"camera.exposure.start",{fields}}}}}"#,
        lapalma()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_are_answered_and_the_socket_stays_up() {
    let sim = start_sim(20.0).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;

    for (what, text) in [
        ("text that is not JSON", "this is { not json".to_owned()),
        ("a JSON array", "[1, 2, 3]".to_owned()),
        ("a JSON string", "\"publish_command\"".to_owned()),
        ("an object without kind", r#"{"command_id":"x"}"#.to_owned()),
        (
            "an unknown kind",
            r#"{"kind":"teleport_telescope"}"#.to_owned(),
        ),
        (
            "an unknown command type",
            format!(
                r#"{{"kind":"publish_command","telescope_uid":"{}","command_id":"{}","command":{{"command_type":"mount.teleport"}}}}"#,
                lapalma(),
                CommandId::new_v4()
            ),
        ),
    ] {
        commands.send_text(&text).await;
        let error = commands.next_error(&format!("an error for {what}")).await;
        assert_eq!(error.code, ErrorCode::InvalidMessage, "{what}: {error:?}");
    }

    let mut refused = Vec::new();
    for (fields, field) in [
        (r#""duration_s":1.0,"binning":7"#, "command.binning"),
        (r#""duration_s":"abc","binning":1"#, "command.duration_s"),
    ] {
        let id = CommandId::new_v4();
        commands.send_text(&raw_exposure(id, fields)).await;
        let error = commands.next_error(&format!("an error for {fields}")).await;
        assert_eq!(error.code, ErrorCode::InvalidMessage, "{fields}: {error:?}");
        assert_eq!(
            error.body().field(),
            Some(field),
            "details.field names the bad field: {error:?}"
        );
        assert_eq!(
            error.id,
            Some(id.to_string()),
            "the error echoes the command_id: {error:?}"
        );
        refused.push(id);
    }

    commands
        .send_raw(WsMessage::binary(vec![0xde, 0xad, 0xbe, 0xef]))
        .await;
    let error = commands.next_error("an error for a binary frame").await;
    assert_eq!(error.code, ErrorCode::InvalidMessage, "binary: {error:?}");

    // Still up: a ping gets its pong, and a valid command still runs.
    commands.ping("after-garbage").await;
    for id in refused {
        let result = commands.try_result(id, Duration::from_millis(500)).await;
        assert!(
            result.is_none(),
            "a malformed command never runs: {result:?}"
        );
    }
    commands
        .run_ok(
            lapalma(),
            Command::FocuserMoveRelative(MoveRelativeUm { delta_um: 50.0 }),
        )
        .await;

    // The stream endpoint is as tolerant.
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    for (what, frame) in [
        ("text that is not JSON", WsMessage::text("}{")),
        (
            "an unknown kind",
            WsMessage::text(r#"{"kind":"subscribe_everything"}"#),
        ),
        (
            "a subscribe without a stream",
            WsMessage::text(r#"{"kind":"subscribe_stream","subscription_id":"s1"}"#),
        ),
        ("a binary frame", WsMessage::binary(vec![1u8, 2, 3])),
    ] {
        stream.send_raw(frame).await;
        let error = stream.next_error(&format!("an error for {what}")).await;
        assert_eq!(error.code, ErrorCode::InvalidMessage, "{what}: {error:?}");
    }
    stream.ping("stream-after-garbage").await;
}

/// What the flooding client saw.
#[derive(Debug, Clone, Copy, Default)]
struct FloodCounts {
    invalid: usize,
    rate_limited: usize,
    other_errors: usize,
    pong: bool,
    closed: bool,
}

/// The `i`th garbage frame of the flood.
fn garbage(i: usize) -> WsMessage {
    // A few large frames among the small ones.
    if [0, 250, 500, 750].contains(&i) {
        return WsMessage::text("x".repeat(64 * 1024));
    }
    match i % 6 {
        0 => WsMessage::text(format!("garbage {i} }}{{")),
        1 => WsMessage::binary(vec![i as u8; 17]),
        2 => WsMessage::text(format!("[{i}, {i}]")),
        3 => WsMessage::text(format!(r#"{{"kind":"no_such_kind_{i}"}}"#)),
        4 => WsMessage::text(
            r#"{"kind":"publish_command","telescope_uid":"tel-lapalma","command_id":"nope","command":{"command_type":"camera.exposure.start","binning":"x"}}"#,
        ),
        _ => WsMessage::text(format!(r#"{{"kind":"cancel_command","command_id":{i}}}"#)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_garbage_disturbs_no_one_else() {
    let sim = start_sim(20.0).await;
    let addr = sim.addr;

    // The well-behaved client: watching the telescope and about to work.
    let mut commands = CommandsClient::connect(addr, ASTRONOMER).await;
    let mut stream = StreamClient::connect(addr, ASTRONOMER).await;
    commands.subscribe_results(lapalma()).await;
    stream
        .watch("devices", StreamName::DeviceSnapshot, lapalma())
        .await;

    // The flooder: one socket, read by a task that counts the answers.
    let flood_ws = open_ws(
        addr,
        ws_request(addr, COMMANDS_PATH, Some(ASTRONOMER_2), None),
    )
    .await
    .expect("the flooder connects");
    let (mut flood_tx, mut flood_rx) = flood_ws.split();
    let (counts_tx, mut counts) = watch::channel(FloodCounts::default());
    let reader = tokio::spawn(async move {
        while let Some(frame) = flood_rx.next().await {
            let Ok(WsMessage::Text(text)) = frame else {
                if frame.is_err() {
                    break;
                }
                continue;
            };
            match CommandsServerMessage::from_json(text.as_str()) {
                Ok(CommandsServerMessage::Error(e)) => counts_tx.send_modify(|c| match e.code {
                    ErrorCode::InvalidMessage => c.invalid += 1,
                    ErrorCode::RateLimited => c.rate_limited += 1,
                    _ => c.other_errors += 1,
                }),
                Ok(CommandsServerMessage::Pong(p)) if p.id.as_deref() == Some("after-flood") => {
                    counts_tx.send_modify(|c| c.pong = true)
                }
                _ => {}
            }
        }
        counts_tx.send_modify(|c| c.closed = true);
    });
    let flood_started = Instant::now();
    let flood = tokio::spawn(async move {
        for i in 0..1000 {
            if flood_tx.send(garbage(i)).await.is_err() {
                return (i, flood_tx);
            }
            // Spread the flood over about 1.5 s so that it overlaps the work below.
            if i % 10 == 9 {
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        }
        (1000, flood_tx)
    });

    // Meanwhile the other client works: a lease and an exposure, on time.
    let work_started = Instant::now();
    let lease = commands.acquire_lease(lapalma(), 3600.0).await;
    let exposure = commands
        .publish(
            lapalma(),
            Command::CameraExposureStart(CameraExposureStart {
                duration_s: 20.0,
                binning: 2,
                filter_id: None,
            }),
        )
        .await;
    // Its snapshots keep coming, in order, throughout the flood.
    let mut last_seq = 0;
    let mut last_arrival = Instant::now();
    let mut deliveries = 0;
    while !flood.is_finished() || deliveries < 5 {
        let message = stream
            .next_matching("a device snapshot during the flood", WAIT, |m| {
                device_snapshot(m, "devices").is_some()
            })
            .await;
        let seq = message.seq().expect("a delivery has a seq");
        assert!(seq > last_seq, "seq increases: {seq} after {last_seq}");
        let gap = last_arrival.elapsed();
        assert!(
            gap < Duration::from_millis(2500),
            "a device publishes at least every second; waited {gap:?} during the flood"
        );
        last_seq = seq;
        last_arrival = Instant::now();
        deliveries += 1;
    }
    let result = commands.wait_for_result(exposure).await;
    assert_ok(&result, "the exposure during the flood");
    // 20 s at time scale 20 plus the read-out: about a second.
    let took = work_started.elapsed();
    assert!(
        took < Duration::from_secs(6),
        "the lease and exposure took {took:?} during the flood"
    );
    commands.release_lease(lapalma(), &lease.lease_id).await;

    let (sent, mut flood_tx) = flood.await.expect("the flood task");
    let flood_took = flood_started.elapsed();

    // The flooder was answered, and rate-limited.
    let seen = *tokio::time::timeout(WAIT, counts.wait_for(|c| c.rate_limited > 0 || c.closed))
        .await
        .expect("a rate_limited error within 10 s")
        .expect("the counts channel");
    assert!(
        seen.rate_limited > 0,
        "rate_limited after {sent} frames: {seen:?}"
    );
    assert!(
        seen.invalid > 0,
        "garbage is answered with invalid_message: {seen:?}"
    );
    let allowed = 200 + (50.0 * (flood_took.as_secs_f64() + 1.0)) as usize;
    assert!(
        seen.invalid + seen.other_errors <= allowed,
        "beyond 50 frames/s with bursts of 200, frames are dropped: {seen:?} in {flood_took:?}"
    );
    // Once the burst has refilled, the flooder is heard again.
    if !seen.closed {
        let deadline = Instant::now() + WAIT;
        while !counts.borrow().pong {
            assert!(
                Instant::now() < deadline,
                "the flooder's ping is answered again"
            );
            let ping = CommandsClientMessage::Ping(Liveness {
                id: Some("after-flood".to_owned()),
            });
            flood_tx
                .send(WsMessage::text(ping.to_json()))
                .await
                .expect("the flooder's socket is still open");
            let _ = tokio::time::timeout(
                Duration::from_millis(500),
                counts.wait_for(|c| c.pong || c.closed),
            )
            .await;
            assert!(!counts.borrow().closed, "the flooder was not disconnected");
        }
    }
    drop(flood_tx);
    reader.abort();

    // The server still accepts new connections and serves them.
    let mut fresh = CommandsClient::connect(addr, OWNER).await;
    fresh.ping("after-the-flood").await;
    fresh.subscribe_results(lapalma()).await;
    fresh
        .run_ok(
            lapalma(),
            Command::MountPoint(MountPoint {
                target: TargetPosition::equatorial(10.0, 80.0),
            }),
        )
        .await;
    assert_eq!(http_get(addr, "/healthz").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_delays_no_one() {
    let sim = start_sim(20.0).await;
    let addr = sim.addr;

    // The slow client: a tiny receive buffer, every stream, the device
    // snapshots of both telescopes many times over, and it never reads.
    let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("a small receive buffer");
    let tcp = socket
        .connect(addr)
        .await
        .expect("the slow client connects");
    let mut slow = open_ws_on(tcp, ws_request(addr, STREAM_PATH, Some(VIEWER), None))
        .await
        .expect("the slow client's upgrade");
    let mut subscribes: Vec<_> = StreamName::KNOWN
        .iter()
        .map(|stream| {
            subscribe_message(
                &format!("slow-{stream}"),
                stream.clone(),
                Default::default(),
                None,
            )
        })
        .collect();
    // Within the burst of 200 frames a socket may send at once.
    for copy in 0..(190 - StreamName::KNOWN.len()) {
        subscribes.push(subscribe_message(
            &format!("slow-devices-{copy}"),
            StreamName::DeviceSnapshot,
            Default::default(),
            Some(false),
        ));
    }
    for subscribe in subscribes {
        slow.send(WsMessage::text(subscribe.to_json()))
            .await
            .expect("the slow client subscribes");
    }

    // The other client works on both telescopes while the slow one is stalled.
    let mut commands = CommandsClient::connect(addr, OWNER).await;
    let mut stream = StreamClient::connect(addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    commands.subscribe_results(sidingspring()).await;
    stream
        .subscribe(
            "mount",
            StreamName::DeviceSnapshot,
            device_filter(&device_uid(lapalma(), "mount")),
            None,
        )
        .await;

    // Mounts tracking a daisy keep moving: plenty of traffic for the slow client.
    let daisy = || {
        Some(OffsetPattern::Daisy(DaisyPattern {
            radius_arcsec: 900.0,
            petals: 5,
            period_s: 120.0,
        }))
    };
    let south = commands
        .publish(
            sidingspring(),
            Command::MountTrack(MountTrack {
                target: TargetPosition::equatorial(300.0, -80.0),
                offset_pattern: daisy(),
            }),
        )
        .await;
    // Each step: the command, and a generous bound on its normal time.
    let steps: Vec<(Command, Duration)> = vec![
        (
            // At most 80° at 4°/s: 20 s, one second at time scale 20.
            Command::MountTrack(MountTrack {
                target: TargetPosition::equatorial(250.0, 80.0),
                offset_pattern: daisy(),
            }),
            Duration::from_secs(5),
        ),
        (
            // 20 s plus the read-out at time scale 20.
            Command::CameraExposureStart(CameraExposureStart {
                duration_s: 20.0,
                binning: 1,
                filter_id: None,
            }),
            Duration::from_secs(5),
        ),
        (
            // 4,000 µm at 2,000 µm/s: 2 s, a tenth of a second here.
            Command::FocuserMoveRelative(MoveRelativeUm { delta_um: 4000.0 }),
            Duration::from_secs(4),
        ),
        (
            // 180° at 5°/s: 36 s, 1.8 s here.
            Command::RotatorMoveAbsolute(RotatorMoveAbsolute { angle_deg: 180.0 }),
            Duration::from_secs(6),
        ),
        (
            // 40 s of exposure: 2 s here.
            Command::CameraExposureStart(CameraExposureStart {
                duration_s: 40.0,
                binning: 2,
                filter_id: None,
            }),
            Duration::from_secs(6),
        ),
    ];
    for (command, bound) in steps {
        let what = command.tag().to_owned();
        let started = Instant::now();
        commands.run_ok(lapalma(), command).await;
        let took = started.elapsed();
        assert!(
            took < bound,
            "{what} took {took:?} while a client was stalled (bound {bound:?})"
        );
        // The other client's snapshots keep flowing too.
        stream
            .next_matching(
                "a mount snapshot while a client is stalled",
                Duration::from_secs(3),
                |m| device_snapshot(m, "mount").is_some(),
            )
            .await;
        stream.clear_backlog();
    }
    let result = commands.wait_for_result(south).await;
    assert_ok(&result, "the Siding Spring track");

    // The slow client is disconnected rather than served forever at
    // everyone's expense. Reading it now drains what was queued before the
    // disconnect. A close frame, if one gets through, carries 4008; a client
    // that never reads may well not get it (only the end of the stream).
    let drained = tokio::time::timeout(Duration::from_secs(20), async {
        let mut frames = 0usize;
        loop {
            match slow.next().await {
                Some(Ok(WsMessage::Close(frame))) => return (frames, Ok(frame)),
                Some(Ok(_)) => frames += 1,
                Some(Err(e)) => return (frames, Err(e.to_string())),
                None => return (frames, Err("end of stream".to_owned())),
            }
        }
    })
    .await;
    match drained {
        Ok((_, Ok(Some(frame)))) => assert_eq!(
            frame.code,
            CloseCode::from(4008),
            "the slow client's close: {frame:?}"
        ),
        Ok((frames, end)) => {
            eprintln!("the slow client was disconnected after {frames} frames: {end:?}")
        }
        Err(_) => panic!("the slow client was never disconnected"),
    }

    // Everyone else is still served.
    commands.ping("after-the-slow-client").await;
    let message = stream
        .next_matching("a mount snapshot at the end", WAIT, |m| {
            matches!(m, StreamServerMessage::DeviceSnapshot(_))
        })
        .await;
    assert!(message.seq().is_some());
}
