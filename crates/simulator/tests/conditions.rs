//! The sky and the site: observatory devices, weather, constraints, the
//! shutdown interlock, the local horizon and the weather test hook.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use skynet_protocol::{
    CameraExposureStart, CanceledData, Command, CommandStatus, ConstraintSnapshot,
    ConstraintStatusSnapshot, ConstraintUid, DeviceSnapshot, DeviceState, ErrorCode, HorizonPoint,
    InterlockedDetails, LeaseAcquire, LogEntryBody, MountPoint, Reading, ShutdownInterlockSnapshot,
    ShutterState, StreamFilter, StreamName, StreamServerMessage, TargetPosition,
};
use skynode_sim::weather::Scenario;
use skynode_sim::{Options, World};
use tokio::time::Instant;

/// The built-in world with a quick interlock: it clears after
/// `clear_after_s` and the enclosure moves in `move_s` (simulated seconds).
fn quick_world(clear_after_s: f64, move_s: f64) -> World {
    let mut world = World::builtin();
    for o in &mut world.observatories {
        o.clear_after_s = clear_after_s;
        o.enclosure_move_s = move_s;
    }
    world
}

/// A `camera.exposure.start` without a filter.
fn expose(duration_s: f64, binning: u32) -> Command {
    Command::CameraExposureStart(CameraExposureStart {
        duration_s,
        binning,
        filter_id: None,
    })
}

/// A `mount.point` at fixed coordinates.
fn point_at(ra_deg: f64, dec_deg: f64) -> Command {
    Command::MountPoint(MountPoint {
        target: TargetPosition::equatorial(ra_deg, dec_deg),
    })
}

/// Options with the test hooks at `time_scale`.
fn hooks(time_scale: f64) -> Options {
    Options {
        time_scale,
        test_hooks: true,
        ..Default::default()
    }
}

async fn post_weather(addr: std::net::SocketAddr, query: &str, body: &str) -> HttpResponse {
    http_post_form(addr, &format!("/v1/test/weather{query}"), body).await
}

/// Sets La Palma's weather and expects the hook to take it.
async fn set_lapalma_weather(addr: std::net::SocketAddr, body: &str) {
    let query = format!("?observatory_uid={}", observatory_of(lapalma()));
    let response = post_weather(addr, &query, body).await;
    assert_eq!(
        response.status,
        200,
        "{body}: {}",
        String::from_utf8_lossy(&response.body)
    );
}

fn interlock_of(message: &StreamServerMessage, sub: &str) -> Option<ShutdownInterlockSnapshot> {
    match message {
        StreamServerMessage::ShutdownInterlockSnapshot(e) if e.subscription_id.as_str() == sub => {
            Some(whole(&e.snapshot))
        }
        _ => None,
    }
}

fn status_of(message: &StreamServerMessage, sub: &str) -> Option<ConstraintStatusSnapshot> {
    match message {
        StreamServerMessage::ConstraintStatusSnapshot(e) if e.subscription_id.as_str() == sub => {
            Some(whole(&e.snapshot))
        }
        _ => None,
    }
}

fn shutter_of(message: &StreamServerMessage, sub: &str) -> Option<ShutterState> {
    match device_snapshot(message, sub)?.1.state {
        DeviceState::Enclosure(e) => Some(e.shutter),
        _ => None,
    }
}

/// Every constraint the stream replays at once, by subscribing with
/// `include_existing`.
async fn constraints(
    stream: &mut StreamClient,
    sub: &str,
    filter: StreamFilter,
) -> Vec<ConstraintSnapshot> {
    stream
        .subscribe(sub, StreamName::ConstraintSnapshot, filter, Some(true))
        .await;
    let mut found = Vec::new();
    // Observatory level (six) and La Palma's own (one).
    while found.len() < 7 {
        let message = stream
            .next_matching("a retained constraint", WAIT, |m| {
                matches!(m, StreamServerMessage::ConstraintSnapshot(e) if e.subscription_id.as_str() == sub)
            })
            .await;
        if let StreamServerMessage::ConstraintSnapshot(e) = message {
            found.push(whole::<ConstraintSnapshot>(&e.snapshot));
        }
    }
    found
}

fn uid_of(constraints: &[ConstraintSnapshot], param: &str) -> ConstraintUid {
    constraints
        .iter()
        .find(|c| c.params.contains_key(param))
        .unwrap_or_else(|| panic!("no constraint on {param}: {constraints:?}"))
        .constraint_uid
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rain_trips_the_interlock_which_clears_with_hysteresis() {
    // 80 s to clear is 4 s of real time; the enclosure moves in 1 s.
    let sim = start_sim_on(quick_world(80.0, 20.0), hooks(20.0)).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    let lapalma_filter = telescope_filter(lapalma());
    let all = constraints(&mut stream, "constraints", lapalma_filter.clone()).await;
    let rain = uid_of(&all, "rain");
    assert!(all.iter().any(|c| c.telescope_uid.is_none() && c.interlock));
    assert!(all
        .iter()
        .all(|c| uuid::Uuid::parse_str(c.constraint_uid.as_str()).is_ok()));

    stream
        .subscribe(
            "interlock",
            StreamName::ShutdownInterlockSnapshot,
            lapalma_filter.clone(),
            Some(true),
        )
        .await;
    let first = stream
        .next_matching("the retained interlock", WAIT, |m| {
            interlock_of(m, "interlock").is_some()
        })
        .await;
    let first = interlock_of(&first, "interlock").expect("matched");
    assert!(!first.active && first.telescope_uid.is_none(), "{first:?}");
    let enclosure = device_uid(observatory_of(lapalma()), "enclosure");
    stream.watch_device("enclosure", &enclosure).await;
    stream
        .next_matching("the enclosure open", WAIT, |m| {
            shutter_of(m, "enclosure") == Some(ShutterState::Open)
        })
        .await;
    stream
        .watch_device("mount", &device_uid(lapalma(), "mount"))
        .await;
    stream
        .subscribe(
            "status",
            StreamName::ConstraintStatusSnapshot,
            lapalma_filter.clone(),
            Some(false),
        )
        .await;
    stream
        .subscribe(
            "log",
            StreamName::TelescopeLog,
            lapalma_filter.clone(),
            Some(false),
        )
        .await;

    let mut owner = CommandsClient::connect(sim.addr, OWNER).await;
    owner.subscribe_results(lapalma()).await;
    let mut astronomer = CommandsClient::connect(sim.addr, ASTRONOMER).await;
    astronomer.subscribe_results(lapalma()).await;
    let lease = astronomer.acquire_lease(lapalma(), 3600.0).await;
    owner.run_ok(lapalma(), point_at(40.0, 80.0)).await;
    let exposure = owner.publish(lapalma(), expose(600.0, 1)).await;

    set_lapalma_weather(sim.addr, r#"{"rain": true}"#).await;
    let tripped = stream
        .next_matching("the interlock tripping", WAIT, |m| {
            interlock_of(m, "interlock").is_some_and(|i| i.active)
        })
        .await;
    let tripped = interlock_of(&tripped, "interlock").expect("matched");
    assert!(tripped.constraint_uids.contains(&rain), "{tripped:?}");
    assert!(tripped.reason.contains("rain"), "{tripped:?}");

    // Cancel: the running exposure ends canceled with the reason.
    let result = owner.wait_for_result(exposure).await;
    assert_eq!(result.status, CommandStatus::Canceled, "{result:?}");
    let canceled: CanceledData = data_of(&result);
    assert!(canceled.reason.contains("rain"), "{canceled:?}");

    // Park and close, in time.
    stream
        .next_matching("the mount parked", WAIT, |m| {
            device_snapshot(m, "mount")
                .is_some_and(|(_, s)| mount_state(&s).is_some_and(|m| m.parked))
        })
        .await;
    stream
        .next_matching("the enclosure closing", WAIT, |m| {
            shutter_of(m, "enclosure") == Some(ShutterState::Closing)
        })
        .await;
    stream
        .next_matching("the enclosure closed", WAIT, |m| {
            shutter_of(m, "enclosure") == Some(ShutterState::Closed)
        })
        .await;

    // Refuse: every command but a release, an owner's abort and a cancel.
    let refused = owner.publish(lapalma(), expose(1.0, 1)).await;
    let error = owner.expect_error(&refused.to_string()).await;
    assert_eq!(error.code, ErrorCode::Interlocked, "{error:?}");
    let details: InterlockedDetails =
        serde_json::from_value(error.details.clone().expect("details"))
            .expect("InterlockedDetails");
    assert!(details.constraint_uids.contains(&rain), "{details:?}");
    let released = astronomer.release_lease(lapalma(), &lease.lease_id).await;
    assert_ok(&released, "a lease release under the interlock");
    owner.cancel(exposure).await;
    let error = owner.expect_error(&exposure.to_string()).await;
    assert_eq!(
        error.code,
        ErrorCode::NotCancelable,
        "a cancel is taken: {error:?}"
    );
    // An owner's abort is taken too (this lease is over: lease_not_found).
    let abort = owner
        .run(
            lapalma(),
            Command::AbortManualControl(skynet_protocol::AbortManualControl {
                lease_id: lease.lease_id.clone(),
            }),
        )
        .await;
    assert_result_error(
        &abort,
        ErrorCode::LeaseNotFound,
        "an abort under the interlock",
    );
    let acquire = astronomer
        .publish(
            lapalma(),
            Command::LeaseAcquire(LeaseAcquire {
                duration_s: 60.0,
                purpose: None,
            }),
        )
        .await;
    let error = astronomer.expect_error(&acquire.to_string()).await;
    assert_eq!(error.code, ErrorCode::Interlocked, "{error:?}");

    // The log tells the story.
    for (what, wanted) in [
        ("the trip", "shutdown interlock tripped"),
        ("the cancel", "canceled by the shutdown interlock"),
        ("the park", "mount is parked"),
        ("the enclosure", "is closed"),
        ("the refusal", "refused: shutdown interlock"),
    ] {
        stream
            .next_matching(what, WAIT, |m| match m {
                StreamServerMessage::TelescopeLog(e) => match e.entry().expect("an entry").body {
                    LogEntryBody::Message(msg) => msg.message.contains(wanted),
                    _ => false,
                },
                _ => false,
            })
            .await;
    }
    stream
        .next_matching("a safety entry for the rain", WAIT, |m| match m {
            StreamServerMessage::TelescopeLog(e) => {
                matches!(e.entry().expect("an entry").body, LogEntryBody::Safety(s) if s.constraint_uid == rain && !s.satisfied)
            }
            _ => false,
        })
        .await;

    // Hysteresis: rain stops, and comes back before clear_after_s.
    set_lapalma_weather(sim.addr, r#"{"rain": false}"#).await;
    stream
        .next_matching("the rain constraint holding", WAIT, |m| {
            status_of(m, "status").is_some_and(|s| s.constraint_uid == rain && s.satisfied)
        })
        .await;
    set_lapalma_weather(sim.addr, r#"{"rain": true}"#).await;
    let next = stream
        .next_matching("the rain failing again", WAIT, |m| {
            status_of(m, "status").is_some_and(|s| s.constraint_uid == rain && !s.satisfied)
                || interlock_of(m, "interlock").is_some_and(|i| !i.active)
        })
        .await;
    assert!(
        status_of(&next, "status").is_some(),
        "the interlock cleared before its constraints held for clear_after_s: {next:?}"
    );

    // Then it holds: the interlock clears clear_after_s later.
    set_lapalma_weather(sim.addr, r#"{"rain": null}"#).await;
    let stopped = Instant::now();
    let cleared = stream
        .next_matching("the interlock clearing", Duration::from_secs(20), |m| {
            interlock_of(m, "interlock").is_some_and(|i| !i.active)
        })
        .await;
    let waited = stopped.elapsed();
    assert!(
        waited >= Duration::from_millis(3500),
        "cleared after {waited:?}, not 80 s / 20"
    );
    let cleared = interlock_of(&cleared, "interlock").expect("matched");
    assert!(cleared.constraint_uids.is_empty(), "{cleared:?}");
    stream
        .next_matching("the enclosure opening", WAIT, |m| {
            shutter_of(m, "enclosure") == Some(ShutterState::Opening)
        })
        .await;
    stream
        .next_matching("the enclosure open", WAIT, |m| {
            shutter_of(m, "enclosure") == Some(ShutterState::Open)
        })
        .await;
    owner.run_ok(lapalma(), expose(1.0, 4)).await;
    // Siding Spring, another observatory, was never shut down.
    let mut viewer = StreamClient::connect(sim.addr, VIEWER).await;
    viewer
        .subscribe(
            "ss",
            StreamName::ShutdownInterlockSnapshot,
            telescope_filter(sidingspring()),
            Some(true),
        )
        .await;
    let ss = viewer
        .next_matching("Siding Spring's interlock", WAIT, |m| {
            interlock_of(m, "ss").is_some()
        })
        .await;
    let ss = interlock_of(&ss, "ss").expect("matched");
    assert_eq!(ss.observatory_uid.as_str(), observatory_of(sidingspring()));
    assert!(!ss.active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weather_comes_whole_then_as_deltas_and_changes() {
    let sim = start_sim_with(Options {
        time_scale: 200.0,
        weather: std::sync::Arc::new(Scenario::named_or_file("variable").expect("variable")),
        ..Default::default()
    })
    .await;
    let mut raw = StreamClient::connect(sim.addr, VIEWER)
        .await
        .raw_snapshots();
    let sensor = device_uid(observatory_of(lapalma()), "weather_sensor");
    raw.watch_device("weather", &sensor).await;
    let mut deliveries: Vec<Value> = Vec::new();
    while deliveries.len() < 8 {
        let message = raw
            .next_matching("a weather delivery", WAIT, |m| {
                matches!(m, StreamServerMessage::DeviceSnapshot(e) if e.subscription_id.as_str() == "weather")
            })
            .await;
        if let StreamServerMessage::DeviceSnapshot(e) = message {
            deliveries.push(e.snapshot);
        }
    }
    let first: DeviceSnapshot = whole(&deliveries[0]);
    assert_eq!(first.telescope_uid, None);
    assert_eq!(
        first.observatory_uid.as_ref().map(|o| o.as_str()),
        Some(observatory_of(lapalma()))
    );
    let DeviceState::Weather(w) = &first.state else {
        panic!("a weather state: {first:?}");
    };
    for (name, reading) in [
        ("temperature_c", w.temperature_c),
        ("humidity_pct", w.humidity_pct),
        ("dew_point_c", w.dew_point_c),
        ("wind_gust_m_s", w.wind_gust_m_s),
        ("sky_quality_mag_arcsec2", w.sky_quality_mag_arcsec2),
    ] {
        assert!(
            reading.is_some(),
            "{name} missing in the whole snapshot {first:?}"
        );
    }
    assert!(
        deliveries[0]["telescope_uid"].is_null() && deliveries[0].get("telescope_uid").is_some(),
        "telescope_uid is sent as null"
    );
    let mut merged = deliveries[0].clone();
    let mut partial = false;
    for delta in &deliveries[1..] {
        assert!(delta.get("device_uid").is_some() && delta.get("observed_at").is_some());
        let keys = delta["state"].as_object().map_or(10, |s| s.len());
        partial |= keys < 10;
        skynet_protocol::merge_snapshot(&mut merged, delta.clone());
    }
    assert!(partial, "later deliveries are deltas: {deliveries:#?}");
    let last: DeviceSnapshot = whole(&merged);
    let DeviceState::Weather(last) = last.state else {
        panic!("a weather state");
    };
    assert_ne!(&last, w, "the weather changes through the scenario");
    let dew = skynode_sim::weather::dew_point_c(
        last.temperature_c.expect("temperature"),
        last.humidity_pct.expect("humidity"),
    );
    assert!(
        (dew - last.dew_point_c.expect("dew point")).abs() < 0.2,
        "{last:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_below_the_local_horizon_is_refused() {
    let mut world = World::builtin();
    let horizon = vec![
        HorizonPoint {
            az_deg: 0.0,
            alt_deg: 60.0,
        },
        HorizonPoint {
            az_deg: 180.0,
            alt_deg: 60.0,
        },
    ];
    world.telescopes[0].local_horizon = horizon.clone();
    let sim = start_sim_on(world, hooks(20.0)).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    stream
        .watch("telescope", StreamName::TelescopeSnapshot, lapalma())
        .await;
    let snapshot = stream
        .next_telescope_snapshot("the telescope snapshot", "telescope", |_| true)
        .await;
    assert_eq!(snapshot.local_horizon, horizon);
    let mut owner = CommandsClient::connect(sim.addr, OWNER).await;
    owner.subscribe_results(lapalma()).await;
    // Dec +80 from La Palma stays between 19° and 39° up: above the mount's
    // 10° limit, below this 60° horizon.
    let result = owner.run(lapalma(), point_at(40.0, 80.0)).await;
    assert_result_error(
        &result,
        ErrorCode::BelowHorizon,
        "a target below the horizon",
    );
    let details: skynet_protocol::BelowHorizonDetails = serde_json::from_value(
        result
            .error
            .as_ref()
            .and_then(|e| e.details.clone())
            .expect("details"),
    )
    .expect("BelowHorizonDetails");
    assert!(
        (details.min_altitude_deg - 60.0).abs() < 1e-9,
        "{details:?}"
    );
    assert!(
        details.alt_deg > 10.0 && details.alt_deg < 60.0,
        "{details:?}"
    );
    // The built-in horizon of the other telescope lets it through.
    owner.subscribe_results(sidingspring()).await;
    stream
        .watch("ss", StreamName::TelescopeSnapshot, sidingspring())
        .await;
    let built_in = stream
        .next_telescope_snapshot("Siding Spring's snapshot", "ss", |_| true)
        .await;
    assert!(
        built_in.local_horizon.len() >= 8,
        "{:?}",
        built_in.local_horizon
    );
    assert!(built_in
        .local_horizon
        .windows(2)
        .all(|w| w[0].az_deg < w[1].az_deg));
}

/// Holds La Palma's wind at `value` and waits for the wind constraint's
/// status reading it.
async fn status_at(
    stream: &mut StreamClient,
    addr: std::net::SocketAddr,
    wind: &ConstraintUid,
    value: f64,
) -> ConstraintStatusSnapshot {
    set_lapalma_weather(addr, &format!(r#"{{"wind_speed_m_s": {value}}}"#)).await;
    let m = stream
        .next_matching(&format!("the wind at {value}"), WAIT, |m| {
            status_of(m, "status").is_some_and(|s| {
                &s.constraint_uid == wind && s.value == Some(Reading::Number(value))
            })
        })
        .await;
    status_of(&m, "status").expect("matched")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_changes_when_satisfied_flips_and_not_on_value_changes() {
    let sim = start_sim_with(hooks(20.0)).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    let filter = StreamFilter {
        observatory_uid: Some(observatory_of(lapalma()).into()),
        ..Default::default()
    };
    let all = constraints(&mut stream, "constraints", filter.clone()).await;
    let wind = uid_of(&all, "max_wind_speed_m_s");
    stream
        .subscribe(
            "status",
            StreamName::ConstraintStatusSnapshot,
            filter,
            Some(true),
        )
        .await;
    let addr = sim.addr;
    let calm = status_at(&mut stream, addr, &wind, 5.0).await;
    assert!(calm.satisfied, "{calm:?}");
    assert_eq!(calm.threshold, Some(Reading::Number(15.0)));
    let breezy = status_at(&mut stream, addr, &wind, 6.0).await;
    assert_eq!(breezy.since, calm.since, "a value change keeps since");
    let gale = status_at(&mut stream, addr, &wind, 25.0).await;
    assert!(!gale.satisfied);
    assert_ne!(gale.since, calm.since, "a flip moves since");
    assert!(
        gale.message.contains("25.0") && gale.message.contains("15"),
        "{gale:?}"
    );
    let stronger = status_at(&mut stream, addr, &wind, 26.0).await;
    assert_eq!(stronger.since, gale.since);
    let calm_again = status_at(&mut stream, addr, &wind, 5.0).await;
    assert!(calm_again.satisfied);
    assert_ne!(calm_again.since, gale.since);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weather_hook_refuses_bad_bodies() {
    let sim = start_sim_with(hooks(1.0)).await;
    for (query, body, reason) in [
        ("", "not json", "not JSON"),
        ("", "[1, 2]", "JSON object"),
        ("", "{}", "names no field"),
        ("", r#"{"snow": true}"#, "`snow` is not a weather field"),
        ("", r#"{"dew_point_c": 3}"#, "follows from"),
        ("", r#"{"rain": 1}"#, "`rain` must be true, false"),
        (
            "",
            r#"{"wind_speed_m_s": "fast"}"#,
            "must be a number from 0 to 80",
        ),
        (
            "?observatory_uid=5b0c7e52-93a4-4c1e-9f3d-2a6e8d4b7c10",
            r#"{"rain": true}"#,
            "no observatory",
        ),
    ] {
        let response = post_weather(sim.addr, query, body).await;
        let text = String::from_utf8_lossy(&response.body);
        assert_eq!(response.status, 400, "{body}: {text}");
        assert!(text.contains(reason), "{body}: {text}");
    }
    let response = post_weather(sim.addr, "", r#"{"rain": null, "wind_speed_m_s": 3}"#).await;
    assert_eq!(response.status, 200);
    // Without --test-hooks there is no hook.
    let plain = start_sim(1.0).await;
    let response = post_weather(plain.addr, "", r#"{"rain": true}"#).await;
    assert_ne!(response.status, 200);
}

#[test]
fn a_bad_weather_scenario_is_refused_at_start_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("skynode-sim-weather-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("bad.json");
    std::fs::write(&file, r#"{"name": "bad", "keyframes": [{"at_s": 5}]}"#).expect("writing");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_skynode-sim"))
        .args(["--listen", "127.0.0.1:0", "--weather"])
        .arg(&file)
        .output()
        .expect("running skynode-sim");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--weather") && stderr.contains("the first keyframe must be at at_s 0"),
        "{stderr}"
    );
}

#[test]
fn the_world_check_refuses_bad_horizons_and_constraints() {
    use serde_json::json;
    // Each case sets one value (by JSON pointer) of the built-in world.
    let with = |pointer: &str, new: Value| {
        let mut value: Value =
            serde_json::from_str(include_str!("../src/world.json")).expect("json");
        *value.pointer_mut(pointer).expect("the pointer exists") = new;
        World::from_json(&value.to_string())
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(with("/telescopes/0/local_horizon", json!([])), Ok(()));
    let horizon = "/telescopes/0/local_horizon";
    let wind = "/observatories/0/constraints/1";
    let cases = [
        (
            horizon,
            json!([{"az_deg": 90, "alt_deg": 5}, {"az_deg": 10, "alt_deg": 5}]),
            "not sorted",
        ),
        (
            horizon,
            json!([{"az_deg": 400, "alt_deg": 5}]),
            "outside az 0 to 360",
        ),
        (
            horizon,
            json!([{"az_deg": 10, "alt_deg": 95}]),
            "alt -10 to 90",
        ),
        (
            "/observatories/0/constraints/1/params",
            json!({"max_wind_speed": 3}),
            "has no parameter `max_wind_speed`",
        ),
        (
            "/observatories/0/constraints/1/params",
            json!({"max_wind_speed_m_s": 3, "max_humidity_pct": 4}),
            "exactly one parameter",
        ),
        (
            "/observatories/0/constraints/5/params",
            json!({"rain": true}),
            "rain must be false",
        ),
        (
            "/observatories/0/constraints/2/params",
            json!({"max_wind_speed_m_s": 3}),
            "set twice",
        ),
        ("/observatories/0/clear_after_s", json!(-1), "clear_after_s"),
        (
            "/observatories/0/observatory_uid",
            json!("5b0c7e52-93a4-4c1e-9f3d-2a6e8d4b7c10"),
            "has no telescope",
        ),
        (
            "/observatories/0/constraints/0/constraint_type",
            json!("BatteryConstraint"),
            "does not evaluate BatteryConstraint",
        ),
        (
            wind,
            json!({"constraint_type": "MountSunSeparationConstraint", "params": {"min_separation_deg": 20}}),
            "belongs to a telescope",
        ),
        (
            wind,
            json!({"constraint_uid": "wind", "constraint_type": "WeatherSensorConstraint", "params": {"max_wind_speed_m_s": 15}}),
            "not a UUID",
        ),
    ];
    for (pointer, value, reason) in cases {
        let error = with(pointer, value).expect_err(reason);
        assert!(error.contains(reason), "{reason}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telescope_interlock_shuts_down_that_telescope_alone() {
    // The mount, parked at the zenith, is never 180° from the Sun (it would
    // stand at the nadir, which La Palma never sees): this fails at once.
    let mut world = World::builtin();
    world.telescopes[0].constraints = vec![serde_json::from_value(serde_json::json!({
        "constraint_type": "MountSunSeparationConstraint",
        "params": {"min_separation_deg": 180.0},
        "interlock": true
    }))
    .expect("a constraint")];
    let sim = start_sim_on(world, hooks(20.0)).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    stream
        .subscribe(
            "interlocks",
            StreamName::ShutdownInterlockSnapshot,
            telescope_filter(lapalma()),
            Some(true),
        )
        .await;
    let own = stream
        .next_matching("La Palma's own interlock", WAIT, |m| {
            interlock_of(m, "interlocks").is_some_and(|i| i.telescope_uid.is_some())
        })
        .await;
    let own = interlock_of(&own, "interlocks").expect("matched");
    assert_eq!(
        own.telescope_uid.as_ref().map(|t| t.as_str()),
        Some(lapalma())
    );
    assert!(own.active && own.reason.contains("from the Sun"), "{own:?}");
    let enclosure = device_uid(observatory_of(lapalma()), "enclosure");
    stream.watch_device("enclosure", &enclosure).await;
    let mut owner = CommandsClient::connect(sim.addr, OWNER).await;
    owner.subscribe_results(lapalma()).await;
    let refused = owner.publish(lapalma(), expose(1.0, 4)).await;
    let error = owner.expect_error(&refused.to_string()).await;
    assert_eq!(error.code, ErrorCode::Interlocked, "{error:?}");
    // The observatory's enclosure stays open, and Siding Spring works.
    stream
        .next_matching("the enclosure open", WAIT, |m| {
            shutter_of(m, "enclosure") == Some(ShutterState::Open)
        })
        .await;
    owner.subscribe_results(sidingspring()).await;
    owner.run_ok(sidingspring(), expose(1.0, 4)).await;
}
