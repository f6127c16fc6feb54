//! Every uid the simulator sends is a UUID, as SkyNet's are (Revision 2):
//! observatories, telescopes, devices, instruments, leases, exposures and
//! log entries. Only what the client chose itself (subscription and command
//! ids, filter ids) is exempt.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;
use skynet_protocol::{CameraExposureStart, Command, Message, StreamName};

/// Keys that hold a server-chosen identifier, and the values under them.
fn collect_uids(value: &Value, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let is_uid = key.ends_with("_uid") || key.ends_with("_uids");
                let is_server_id = key == "lease_id" || key == "exposure_id";
                match value {
                    Value::String(s) if is_uid || is_server_id => {
                        found.push((key.clone(), s.clone()));
                    }
                    Value::Array(items) if is_uid => {
                        for item in items.iter().filter_map(Value::as_str) {
                            found.push((key.clone(), item.to_owned()));
                        }
                    }
                    _ => collect_uids(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_uids(item, found)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_uid_on_both_sockets_is_a_uuid() {
    let sim = start_sim(20.0).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    for (id, name) in [
        ("devices", StreamName::DeviceSnapshot),
        ("telescope", StreamName::TelescopeSnapshot),
        ("instrument", StreamName::InstrumentSnapshot),
        ("log", StreamName::TelescopeLog),
        ("lease", StreamName::ManualControlLease),
    ] {
        stream
            .subscribe(id, name, telescope_filter(lapalma()), Some(true))
            .await;
    }
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    let lease = commands.acquire_lease(lapalma(), 600.0).await;
    let exposure = commands
        .run_ok(
            lapalma(),
            Command::CameraExposureStart(CameraExposureStart {
                duration_s: 1.0,
                binning: 4,
                filter_id: None,
            }),
        )
        .await;
    commands.release_lease(lapalma(), &lease.lease_id).await;

    let mut found = Vec::new();
    collect_uids(
        &serde_json::to_value(&exposure).expect("a result encodes"),
        &mut found,
    );
    // Read the stream until every kind of record has been seen: the six
    // devices, the telescope, the imager, the lease and a log entry.
    let wanted = [
        "devices:ota",
        "devices:mount",
        "devices:camera",
        "devices:focuser",
        "devices:filter_wheel",
        "devices:instrument_rotator",
        "telescope",
        "instrument",
        "log",
        "lease",
    ];
    let mut seen = BTreeSet::new();
    while !wanted.iter().all(|w| seen.contains(*w)) {
        let message = stream
            .next_message(WAIT)
            .await
            .unwrap_or_else(|| panic!("the stream went quiet; seen only {seen:?}"));
        let value: Value = serde_json::from_str(&message.to_json()).expect("a message encodes");
        let sub = value["subscription_id"].as_str().unwrap_or_default();
        match value["snapshot"]["device_type"].as_str() {
            Some(device_type) if sub == "devices" => seen.insert(format!("devices:{device_type}")),
            _ => seen.insert(sub.to_owned()),
        };
        collect_uids(&value, &mut found);
    }

    let keys: BTreeSet<&str> = found.iter().map(|(key, _)| key.as_str()).collect();
    for key in [
        "telescope_uid",
        "observatory_uid",
        "device_uid",
        "device_uids",
        "instrument_uid",
        "entry_uid",
        "lease_id",
        "exposure_id",
    ] {
        assert!(keys.contains(key), "no {key} was sent; keys seen: {keys:?}");
    }
    for (key, value) in &found {
        assert!(
            uuid::Uuid::parse_str(value).is_ok(),
            "{key} {value:?} is not a UUID"
        );
    }
    // The devices' uids are the documented ones, the OTA's among them.
    let devices: BTreeSet<&str> = found
        .iter()
        .filter(|(key, _)| key == "device_uid")
        .map(|(_, value)| value.as_str())
        .collect();
    for device in all_device_uids(lapalma()) {
        assert!(
            devices.contains(device.as_str()),
            "device {device} was not sent; sent: {devices:?}"
        );
    }
}
