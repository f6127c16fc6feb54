//! Snapshots as deltas: the first delivery of a resource on a subscription
//! is whole, later ones carry what changed; `--full-snapshots` sends them
//! whole always. A client's `ack` is accepted silently.

mod common;

use common::*;
use serde_json::Value;
use skynet_protocol::{
    decode_snapshot, merge_snapshot, Command, DeviceSnapshot, DeviceState, MoveAbsoluteUm,
    StreamServerMessage,
};
use skynode_sim::Options;

/// The raw `snapshot` of the next device delivery on `sub`.
async fn next_raw(stream: &mut StreamClient, what: &str, sub: &str) -> Value {
    match stream
        .next_matching(what, WAIT, |m| {
            matches!(m, StreamServerMessage::DeviceSnapshot(e) if e.subscription_id.as_str() == sub)
        })
        .await
    {
        StreamServerMessage::DeviceSnapshot(event) => event.snapshot,
        other => unreachable!("matched a device snapshot, got {other:?}"),
    }
}

fn focuser_position(snapshot: &Value) -> f64 {
    match decode_snapshot::<DeviceSnapshot>(snapshot).map(|s| s.state) {
        Ok(DeviceState::Focuser(f)) => f.position_um,
        other => panic!("not a whole focuser snapshot: {other:?}: {snapshot}"),
    }
}

/// Moves the focuser 400 µm and returns every raw delivery on `sub`, the
/// first (retained, whole) included, until the merged snapshot shows it
/// stopped there.
async fn watch_a_focuser_move(sim: &TestSim, stream: &mut StreamClient, sub: &str) -> Vec<Value> {
    let focuser = device_uid(lapalma(), "focuser");
    stream.watch_device(sub, &focuser).await;
    let first = next_raw(stream, "the retained focuser snapshot", sub).await;
    let target = focuser_position(&first) + 400.0;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    let id = commands
        .publish(
            lapalma(),
            Command::FocuserMoveAbsolute(MoveAbsoluteUm {
                position_um: target,
            }),
        )
        .await;
    let mut merged = first.clone();
    let mut deliveries = vec![first];
    loop {
        let raw = next_raw(stream, "the focuser moving to its target", sub).await;
        merge_snapshot(&mut merged, raw.clone());
        deliveries.push(raw);
        let Ok(DeviceState::Focuser(state)) =
            decode_snapshot::<DeviceSnapshot>(&merged).map(|s| s.state)
        else {
            panic!("the merged snapshot is whole: {merged}");
        };
        if !state.moving && (state.position_um - target).abs() < 1.0 {
            break;
        }
    }
    assert_ok(&commands.wait_for_result(id).await, "the focuser move");
    deliveries
}

#[tokio::test]
async fn the_first_delivery_is_whole_and_later_ones_are_deltas() {
    let sim = start_sim(10.0).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await.raw_snapshots();
    let deliveries = watch_a_focuser_move(&sim, &mut stream, "focuser").await;
    assert!(deliveries.len() >= 2, "{deliveries:?}");
    decode_snapshot::<DeviceSnapshot>(&deliveries[0]).expect("the first delivery is whole");
    for delta in &deliveries[1..] {
        for key in ["device_uid", "device_type", "telescope_uid", "observed_at"] {
            assert!(delta.get(key).is_some(), "a delta carries `{key}`: {delta}");
        }
    }
    // The focuser's temperature does not change while it moves: no delta
    // repeats it.
    let partial = deliveries[1..]
        .iter()
        .filter(|d| d["state"].get("temperature_c").is_none())
        .count();
    assert!(
        partial > 0,
        "some delta leaves unchanged state keys out: {deliveries:#?}"
    );
    let mut merged = Value::Null;
    for delivery in &deliveries {
        merge_snapshot(&mut merged, delivery.clone());
    }

    // A fresh subscription (as after a reconnect) starts whole again, and
    // shows what the merged deltas show.
    let focuser = device_uid(lapalma(), "focuser");
    stream.watch_device("again", &focuser).await;
    let again = next_raw(&mut stream, "the retained snapshot again", "again").await;
    let whole: DeviceSnapshot = decode_snapshot(&again).expect("a fresh subscription starts whole");
    let held: DeviceSnapshot = decode_snapshot(&merged).expect("merged is whole");
    assert_eq!(whole.device_uid, held.device_uid);
    assert_eq!(
        focuser_position(&again),
        focuser_position(&merged),
        "merging the deltas gives what a whole snapshot shows"
    );
}

#[tokio::test]
async fn full_snapshots_sends_every_delivery_whole() {
    let sim = start_sim_with(Options {
        time_scale: 10.0,
        full_snapshots: true,
        ..Default::default()
    })
    .await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await.raw_snapshots();
    let deliveries = watch_a_focuser_move(&sim, &mut stream, "focuser").await;
    assert!(deliveries.len() >= 2, "{deliveries:?}");
    for delivery in &deliveries {
        let snapshot: DeviceSnapshot =
            decode_snapshot(delivery).unwrap_or_else(|e| panic!("whole ({e}): {delivery}"));
        assert!(matches!(snapshot.state, DeviceState::Focuser(_)));
    }
}

#[tokio::test]
async fn a_client_ack_is_accepted_silently() {
    let sim = start_sim(1.0).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    stream.send_text(r#"{"kind":"ack","id":"x"}"#).await;
    commands.send_text(r#"{"kind":"ack"}"#).await;
    // Frames are handled in order: the pong comes after whatever the ack
    // caused, which must be nothing.
    stream.ping("after-ack").await;
    commands.ping("after-ack").await;
    assert!(
        stream.backlog().is_empty(),
        "no reply to an ack: {:?}",
        stream.backlog()
    );
    assert!(
        commands.backlog().is_empty(),
        "no reply to an ack: {:?}",
        commands.backlog()
    );
}
