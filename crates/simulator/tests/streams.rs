//! The stream endpoint: fan-out to many clients, include_existing, filters
//! and unsubscribe.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::*;
use futures_util::future::join_all;
use skynet_protocol::{
    Command, DeviceSnapshot, DeviceState, DeviceType, DeviceUid, MountPoint, MountResultData,
    MountState, RotatorMoveRelative, StreamClientMessage, StreamFilter, StreamName,
    StreamServerMessage, SubscriptionId, TargetPosition, TelescopeUid, Unsubscribe,
};
use tokio::time::Instant;

/// The type of a device of the built-in world, from its documented uid.
fn expected_type(telescope: &str, uid: &DeviceUid) -> DeviceType {
    [
        DeviceType::Ota,
        DeviceType::Mount,
        DeviceType::Camera,
        DeviceType::Focuser,
        DeviceType::FilterWheel,
        DeviceType::InstrumentRotator,
    ]
    .into_iter()
    .find(|device_type| &device_uid(telescope, device_type.as_str()) == uid)
    .unwrap_or_else(|| panic!("a device uid of the built-in world: {uid}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_see_the_same_slew() {
    // Time scale 5: a slew of 50° or more lasts about 2.5 s or more.
    let sim = start_sim(5.0).await;
    let addr = sim.addr;
    let mount = device_uid(lapalma(), "mount");

    let clients = join_all((0..50).map(|i| {
        let mount = mount.clone();
        async move {
            let mut client = StreamClient::connect(addr, VIEWER).await;
            client
                .subscribe(
                    &format!("mount-{i}"),
                    StreamName::DeviceSnapshot,
                    device_filter(&mount),
                    None,
                )
                .await;
            client
        }
    }))
    .await;

    // Each client reads on its own until it has seen the slew and its end.
    let watchers: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut client)| {
            tokio::spawn(async move {
                let sub = format!("mount-{i}");
                let mut seen: Vec<(u64, MountState)> = Vec::new();
                let mut slewed = false;
                loop {
                    let message = client
                        .next_matching("a mount snapshot", Duration::from_secs(30), |m| {
                            device_snapshot(m, &sub).is_some()
                        })
                        .await;
                    let (seq, snapshot) = device_snapshot(&message, &sub).expect("matched");
                    let state = mount_state(&snapshot).expect("a mount state").clone();
                    let done = slewed && !state.slewing;
                    slewed |= state.slewing;
                    seen.push((seq, state));
                    if done {
                        return seen;
                    }
                }
            })
        })
        .collect();

    let mut commands = CommandsClient::connect(addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    let result = commands
        .run_ok(
            lapalma(),
            Command::MountPoint(MountPoint {
                target: TargetPosition::equatorial(75.0, 80.0),
            }),
        )
        .await;
    let end: MountResultData = data_of(&result);

    let mut slewing_counts = Vec::new();
    for (i, watcher) in watchers.into_iter().enumerate() {
        let seen = tokio::time::timeout(Duration::from_secs(40), watcher)
            .await
            .unwrap_or_else(|_| panic!("client {i} saw the slew end within 40 s"))
            .unwrap_or_else(|e| panic!("client {i}'s watcher failed: {e}"));
        assert!(
            seen.windows(2).all(|w| w[1].0 > w[0].0),
            "client {i}: seq strictly increases: {:?}",
            seen.iter().map(|(seq, _)| seq).collect::<Vec<_>>()
        );
        let (_, last) = seen.last().expect("at least the final snapshot");
        let off = separation_deg(last.az_deg, last.alt_deg, end.az_deg, end.alt_deg);
        assert!(
            off < 0.1,
            "client {i}: the first snapshot after the slew is at the final position \
             (off by {off}°): {last:?} vs {end:?}"
        );
        slewing_counts.push(seen.iter().filter(|(_, s)| s.slewing).count());
    }
    assert!(
        slewing_counts.iter().all(|&n| n >= 2),
        "every client saw the slew in progress: {slewing_counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_existing_replays_the_retained_snapshots() {
    let sim = start_sim(20.0).await;
    let mut stream = StreamClient::connect(sim.addr, VIEWER).await;

    // With include_existing (the default): every device of the telescope at once.
    stream
        .watch("all", StreamName::DeviceSnapshot, lapalma())
        .await;
    let expected: BTreeSet<DeviceUid> = all_device_uids(lapalma()).into_iter().collect();
    let mut seen = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_millis(500);
    while seen.len() < expected.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(message) = stream
            .try_next_matching(left, |m| device_snapshot(m, "all").is_some())
            .await
        else {
            panic!("the retained snapshots of all five devices at once, saw only {seen:?}");
        };
        let (_, snapshot) = device_snapshot(&message, "all").expect("matched");
        assert_eq!(
            snapshot.telescope_uid.as_ref().map(|t| t.as_str()),
            Some(lapalma())
        );
        assert_eq!(
            snapshot.device_type,
            expected_type(
                snapshot.telescope_uid.as_ref().map_or("", |t| t.as_str()),
                &snapshot.device_uid
            ),
            "{snapshot:?}"
        );
        assert!(
            !matches!(snapshot.state, DeviceState::Other(_)),
            "a typed state: {snapshot:?}"
        );
        seen.insert(snapshot.device_uid.clone());
    }
    assert_eq!(seen, expected);

    // Without: nothing until the device changes.
    let rotator = device_uid(lapalma(), "instrument_rotator");
    stream
        .send(&subscribe_message(
            "rotator",
            StreamName::DeviceSnapshot,
            device_filter(&rotator),
            Some(false),
        ))
        .await;
    stream
        .send(&StreamClientMessage::Ping(Default::default()))
        .await;
    stream.expect_ack("rotator").await;
    stream.clear_backlog();
    let pong = stream
        .next_matching("the pong", WAIT, |m| {
            matches!(m, StreamServerMessage::Pong(_))
        })
        .await;
    assert!(matches!(pong, StreamServerMessage::Pong(_)));
    assert!(
        !stream
            .backlog()
            .iter()
            .any(|m| device_snapshot(m, "rotator").is_some()),
        "include_existing false replays nothing: {:?}",
        stream.backlog()
    );

    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    let move_id = commands
        .publish(
            lapalma(),
            Command::RotatorMoveRelative(RotatorMoveRelative { delta_deg: 90.0 }),
        )
        .await;
    let (_, moving) = stream
        .next_device_snapshot(
            "the rotator moving",
            "rotator",
            WAIT,
            |s| matches!(&s.state, DeviceState::Rotator(r) if r.moving),
        )
        .await;
    assert_eq!(moving.device_uid, rotator);
    assert_ok(
        &commands.wait_for_result(move_id).await,
        "rotator.move_relative",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_select_devices() {
    let sim = start_sim(20.0).await;
    let mut stream = StreamClient::connect(sim.addr, VIEWER).await;
    let subs: Vec<(&str, StreamFilter)> = vec![
        (
            "focusers",
            StreamFilter {
                device_type: Some(DeviceType::Focuser),
                ..Default::default()
            },
        ),
        (
            "lapalma-camera",
            StreamFilter {
                telescope_uid: Some(TelescopeUid::from(lapalma())),
                device_type: Some(DeviceType::Camera),
                ..Default::default()
            },
        ),
        (
            "one-rotator",
            device_filter(&device_uid(sidingspring(), "instrument_rotator")),
        ),
        ("sidingspring", telescope_filter(sidingspring())),
    ];
    for (id, filter) in &subs {
        stream
            .subscribe(id, StreamName::DeviceSnapshot, filter.clone(), None)
            .await;
    }

    let mut uids: BTreeMap<&str, BTreeSet<DeviceUid>> = BTreeMap::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let deadline = Instant::now() + WAIT;
    // Two deliveries or more on each, and every match seen.
    let enough = |counts: &BTreeMap<&str, usize>, uids: &BTreeMap<&str, BTreeSet<DeviceUid>>| {
        subs.iter()
            .all(|(id, _)| counts.get(id).copied().unwrap_or(0) >= 2)
            && uids.get("focusers").map_or(0, |u| u.len()) == 2
            && uids.get("sidingspring").map_or(0, |u| u.len()) == 8
    };
    while !enough(&counts, &uids) {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = stream
            .next_message(left)
            .await
            .unwrap_or_else(|| panic!("deliveries on every filter; so far {uids:?}"));
        let StreamServerMessage::DeviceSnapshot(event) = message else {
            continue;
        };
        let snapshot: &DeviceSnapshot = &whole(&event.snapshot);
        let (id, filter) = subs
            .iter()
            .find(|(id, _)| *id == event.subscription_id.as_str())
            .unwrap_or_else(|| panic!("a delivery on a subscription of ours: {event:?}"));
        if let Some(telescope) = &filter.telescope_uid {
            // The telescope's own devices, and its observatory's.
            match &snapshot.telescope_uid {
                Some(own) => assert_eq!(own, telescope, "{id}: {snapshot:?}"),
                None => assert_eq!(
                    snapshot.observatory_uid.as_ref().map(|o| o.as_str()),
                    Some(observatory_of(telescope.as_str())),
                    "{id}: {snapshot:?}"
                ),
            }
        }
        if let Some(device_type) = &filter.device_type {
            assert_eq!(&snapshot.device_type, device_type, "{id}: {snapshot:?}");
        }
        if let Some(device) = &filter.device_uid {
            assert_eq!(&snapshot.device_uid, device, "{id}: {snapshot:?}");
        }
        *counts.entry(*id).or_default() += 1;
        uids.entry(*id)
            .or_default()
            .insert(snapshot.device_uid.clone());
    }
    assert_eq!(
        uids["focusers"],
        [
            device_uid(lapalma(), "focuser"),
            device_uid(sidingspring(), "focuser")
        ]
        .into_iter()
        .collect::<BTreeSet<_>>()
    );
    assert_eq!(
        uids["sidingspring"],
        all_device_uids(sidingspring())
            .into_iter()
            .chain(observatory_device_uids(observatory_of(sidingspring())))
            .collect::<BTreeSet<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribe_stops_deliveries() {
    let sim = start_sim(20.0).await;
    let mut stream = StreamClient::connect(sim.addr, VIEWER).await;
    let mount = device_uid(lapalma(), "mount");
    for id in ["kept", "dropped"] {
        stream
            .subscribe(id, StreamName::DeviceSnapshot, device_filter(&mount), None)
            .await;
    }
    stream
        .next_device_snapshot(
            "a delivery on the subscription to drop",
            "dropped",
            WAIT,
            |_| true,
        )
        .await;

    stream
        .send(&StreamClientMessage::Unsubscribe(Unsubscribe {
            subscription_id: SubscriptionId::from("dropped"),
        }))
        .await;
    stream.expect_ack("dropped").await;
    // Everything before the ack may still carry it; nothing after.
    stream.clear_backlog();

    // Keep the mount busy so that deliveries flow.
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    let slew = commands
        .publish(
            lapalma(),
            Command::MountPoint(MountPoint {
                target: TargetPosition::equatorial(310.0, 80.0),
            }),
        )
        .await;

    let mut kept = 0;
    while kept < 5 {
        let message = stream
            .next_message(WAIT)
            .await
            .expect("deliveries on the kept subscription");
        assert!(
            device_snapshot(&message, "dropped").is_none(),
            "a delivery after unsubscribe_stream was acked: {message:?}"
        );
        if device_snapshot(&message, "kept").is_some() {
            kept += 1;
        }
    }
    assert_ok(&commands.wait_for_result(slew).await, "mount.point");

    // Unsubscribing an unknown subscription is an error naming it.
    stream
        .send(&StreamClientMessage::Unsubscribe(Unsubscribe {
            subscription_id: SubscriptionId::from("never-was"),
        }))
        .await;
    let error = stream.expect_error("never-was").await;
    assert_eq!(
        error.code,
        skynet_protocol::ErrorCode::NotFound,
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_snapshot_rate_publishes_resting_devices_too() {
    let sim = start_sim_with(skynode_sim::Options {
        snapshot_hz: Some(50.0),
        ..Default::default()
    })
    .await;
    let mut stream = StreamClient::connect(sim.addr, VIEWER).await;
    // The focuser rests: on its own it would publish once a second.
    let focuser = device_uid(lapalma(), "focuser");
    stream.watch_device("focuser", &focuser).await;
    let mut observed = Vec::new();
    while observed.len() < 21 {
        let (_, snapshot) = stream
            .next_device_snapshot("a focuser snapshot", "focuser", WAIT, |_| true)
            .await;
        observed.push(snapshot.observed_at.0);
    }
    let times: Vec<u128> = observed
        .iter()
        .map(|t| {
            humantime::parse_rfc3339(t)
                .unwrap_or_else(|e| panic!("{t}: {e}"))
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_millis()
        })
        .collect();
    let mut gaps: Vec<u128> = times[1..].windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_unstable();
    // 20 ms apart when forced; a busy machine may skip a tick, never 1 s.
    assert!(
        gaps[gaps.len() / 2] <= 100,
        "gaps between snapshots: {gaps:?}"
    );
}
