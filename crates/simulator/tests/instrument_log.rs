//! The optical imager's instrument snapshot (its own uid, its devices,
//! `state.busy`) and typed telescope log entries.

mod common;

use common::*;
use skynet_protocol::{
    CameraExposureStart, Command, CommandStatus, InstrumentType, LogEntryBody, StreamName,
    StreamServerMessage,
};

#[tokio::test]
async fn an_exposure_makes_the_instrument_busy_and_logs_a_command_entry() {
    let sim = start_sim(10.0).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    stream
        .subscribe(
            "instrument",
            StreamName::InstrumentSnapshot,
            telescope_filter(LAPALMA),
            Some(false),
        )
        .await;
    stream
        .subscribe(
            "log",
            StreamName::TelescopeLog,
            telescope_filter(LAPALMA),
            Some(false),
        )
        .await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(LAPALMA).await;
    let id = commands
        .publish(
            LAPALMA,
            Command::CameraExposureStart(CameraExposureStart {
                duration_s: 1.0,
                binning: 2,
                filter_id: None,
            }),
        )
        .await;
    let busy = stream
        .next_matching("the instrument busy", WAIT, |m| {
            instrument_snapshot(m, "instrument").is_some_and(|s| s.state.busy)
        })
        .await;
    let busy = instrument_snapshot(&busy, "instrument").expect("matched");
    assert_eq!(busy.instrument_type, InstrumentType::OpticalImager);
    assert_eq!(busy.telescope_uid.as_str(), LAPALMA);
    assert!(
        busy.device_uids.contains(&device_uid(LAPALMA, "camera")),
        "the camera is one of the imager's devices: {:?}",
        busy.device_uids
    );
    assert!(
        !busy
            .device_uids
            .iter()
            .any(|d| d.as_str() == busy.instrument_uid.as_str()),
        "the instrument has a uid of its own: {busy:?}"
    );
    assert_ok(&commands.wait_for_result(id).await, "the exposure");
    stream
        .next_matching("the instrument idle again", WAIT, |m| {
            instrument_snapshot(m, "instrument").is_some_and(|s| !s.state.busy)
        })
        .await;
    let entry = stream
        .next_matching("the exposure's command log entry", WAIT, |m| {
            matches!(m, StreamServerMessage::TelescopeLog(e)
                if matches!(&e.entry.body, LogEntryBody::Command(c) if c.command_id == id))
        })
        .await;
    let StreamServerMessage::TelescopeLog(event) = entry else {
        unreachable!()
    };
    let LogEntryBody::Command(command) = &event.entry.body else {
        unreachable!()
    };
    assert_eq!(command.command_type, "camera.exposure.start");
    assert_eq!(command.status, CommandStatus::Ok);
    assert!(!event.entry.entry_uid.as_str().is_empty());
    assert!(event.entry.text().contains("camera.exposure.start"));
}
