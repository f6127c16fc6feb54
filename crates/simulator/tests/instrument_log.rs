//! The optical imager's instrument snapshot (its own uid, its devices,
//! `state.busy`) and typed telescope log entries.

mod common;

use common::*;
use skynet_protocol::{
    CameraExposureStart, Command, CommandStatus, DeviceState, DeviceType, InstrumentType,
    LogEntryBody, StreamName, StreamServerMessage,
};

#[tokio::test]
async fn an_exposure_makes_the_instrument_busy_and_logs_a_command_entry() {
    let sim = start_sim(10.0).await;
    let mut stream = StreamClient::connect(sim.addr, OWNER).await;
    stream
        .subscribe(
            "instrument",
            StreamName::InstrumentSnapshot,
            telescope_filter(lapalma()),
            Some(false),
        )
        .await;
    stream
        .subscribe(
            "log",
            StreamName::TelescopeLog,
            telescope_filter(lapalma()),
            Some(false),
        )
        .await;
    let mut commands = CommandsClient::connect(sim.addr, OWNER).await;
    commands.subscribe_results(lapalma()).await;
    let id = commands
        .publish(
            lapalma(),
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
    assert_eq!(busy.telescope_uid.as_str(), lapalma());
    assert_eq!(
        busy.device_uids,
        ["ota", "camera", "filter_wheel"].map(|d| device_uid(lapalma(), d)),
        "the imager combines the OTA, the camera and the filter wheel"
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
                if matches!(e.entry().expect("an entry").body, LogEntryBody::Command(c) if c.command_id == id))
        })
        .await;
    let StreamServerMessage::TelescopeLog(event) = entry else {
        unreachable!()
    };
    let entry = event.entry().expect("an entry");
    let LogEntryBody::Command(command) = &entry.body else {
        unreachable!()
    };
    assert_eq!(command.command_type, "camera.exposure.start");
    assert_eq!(command.status, CommandStatus::Ok);
    assert!(!entry.entry_uid.as_str().is_empty());
    assert!(entry.text().contains("camera.exposure.start"));
}

#[tokio::test]
async fn each_telescope_has_an_ota_with_its_optics() {
    let sim = start_sim(10.0).await;
    let mut stream = StreamClient::connect(sim.addr, VIEWER).await;
    for (telescope, focal_length_mm, aperture_mm) in
        [(lapalma(), 8000.0, 1000.0), (sidingspring(), 3900.0, 600.0)]
    {
        let ota = device_uid(telescope, "ota");
        stream
            .subscribe(
                ota.as_str(),
                StreamName::DeviceSnapshot,
                device_filter(&ota),
                Some(true),
            )
            .await;
        let (_, snapshot) = stream
            .next_device_snapshot("the OTA's retained snapshot", ota.as_str(), WAIT, |_| true)
            .await;
        assert_eq!(snapshot.device_type, DeviceType::Ota);
        let DeviceState::Ota(optics) = snapshot.state else {
            panic!("an OTA's state is typed: {snapshot:?}");
        };
        assert_eq!(optics.focal_length_mm, focal_length_mm);
        assert_eq!(optics.aperture_mm, aperture_mm);
        assert!((optics.focal_ratio - focal_length_mm / aperture_mm).abs() < 1e-9);
    }
}
