//! Every message of both endpoints and both directions, every command of the
//! catalog, every result data type and every snapshot: built as typed values
//! and checked against the exact JSON of a fixture, both ways.

mod common;

use common::{check, check_message, cid, fixture, fixture_value, fixtures_in, roundtrip, Dir};
use serde_json::{json, Value};
use skynet_protocol::*;

const CMD: &str = "0b8e8f7a-4c1d-4e8b-9f4e-2d6a1c3b5e70";
const SESSION: &str = "3d7c9a10-52e4-4b8f-a1d6-7e0c2b9f4a83";
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";

fn exposure_ha() -> Command {
    Command::CameraExposureStart(CameraExposureStart {
        duration_s: 120.0,
        binning: 1,
        filter_id: Some("Ha".into()),
    })
}

fn ping(id: &str) -> Liveness {
    Liveness {
        id: Some(id.into()),
    }
}

// ---- /v1/ws/commands, client to server ----

#[test]
fn commands_client_messages() {
    check_message(
        &CommandsClientMessage::SubscribeCommands(SubscribeCommands {
            subscription_id: "results-lapalma".into(),
            filter: CommandFilter {
                telescope_uid: Some("tel-lapalma".into()),
            },
            streams: Some(vec![CommandStreamName::CommandResult]),
        }),
        &fixture("commands_client/subscribe_commands"),
    );
    check_message(
        &CommandsClientMessage::UnsubscribeCommands(Unsubscribe {
            subscription_id: "results-lapalma".into(),
        }),
        &fixture("commands_client/unsubscribe_commands"),
    );
    check_message(
        &CommandsClientMessage::PublishCommand(PublishCommand {
            telescope_uid: "tel-lapalma".into(),
            command_id: cid(CMD),
            command: exposure_ha(),
            origin: Some(Origin {
                client: "SkyDeck/0.1.0".into(),
                session_id: SESSION.into(),
                user_agent: Some(UA.into()),
            }),
        }),
        &fixture("commands_client/publish_command"),
    );
    check_message(
        &CommandsClientMessage::CancelCommand(CancelCommand {
            command_id: cid(CMD),
        }),
        &fixture("commands_client/cancel_command"),
    );
    check_message(
        &CommandsClientMessage::Ping(ping("hb-42")),
        &fixture("commands_client/ping"),
    );
    check_message(
        &CommandsClientMessage::Pong(ping("srv-17")),
        &fixture("commands_client/pong"),
    );
}

#[test]
fn commands_client_minimal_forms() {
    // Filter and streams omitted; no origin; ping without id.
    check_message(
        &CommandsClientMessage::SubscribeCommands(SubscribeCommands {
            subscription_id: "everything".into(),
            filter: CommandFilter::default(),
            streams: None,
        }),
        r#"{"kind":"subscribe_commands","subscription_id":"everything","filter":{}}"#,
    );
    let decoded = CommandsClientMessage::from_json(
        r#"{"kind":"subscribe_commands","subscription_id":"everything"}"#,
    )
    .unwrap();
    let CommandsClientMessage::SubscribeCommands(s) = decoded else {
        panic!()
    };
    assert_eq!(s.filter, CommandFilter::default());
    check_message(
        &CommandsClientMessage::SubscribeCommands(SubscribeCommands {
            subscription_id: "both".into(),
            filter: CommandFilter::default(),
            streams: Some(vec![
                CommandStreamName::Command,
                CommandStreamName::CommandResult,
            ]),
        }),
        r#"{"kind":"subscribe_commands","subscription_id":"both","filter":{},"streams":["command","command_result"]}"#,
    );
    check_message(
        &CommandsClientMessage::PublishCommand(PublishCommand {
            telescope_uid: "tel-lapalma".into(),
            command_id: cid(CMD),
            command: Command::LeaseAcquire(LeaseAcquire {
                duration_s: 1800.0,
                purpose: None,
            }),
            origin: None,
        }),
        &format!(
            r#"{{"kind":"publish_command","telescope_uid":"tel-lapalma","command_id":"{CMD}","command":{{"command_type":"manual_control_lease.acquire","duration_s":1800.0}}}}"#
        ),
    );
    check_message(
        &CommandsClientMessage::Ping(Liveness::default()),
        r#"{"kind":"ping"}"#,
    );
}

#[test]
fn commands_client_narrow_encoders_write_what_the_enum_writes() {
    let subscriptions = [
        SubscribeCommands {
            subscription_id: "results-lapalma".into(),
            filter: CommandFilter {
                telescope_uid: Some("tel-lapalma".into()),
            },
            streams: Some(vec![CommandStreamName::CommandResult]),
        },
        SubscribeCommands {
            subscription_id: "everything".into(),
            filter: CommandFilter::default(),
            streams: None,
        },
    ];
    for s in subscriptions {
        let text = CommandsClientMessage::encode_subscribe(&s);
        assert_eq!(
            text,
            CommandsClientMessage::SubscribeCommands(s.clone()).to_json()
        );
        let decoded: CommandsClientMessage = roundtrip(&text);
        assert_eq!(decoded, CommandsClientMessage::SubscribeCommands(s));
    }
    assert_eq!(
        CommandsClientMessage::encode_subscribe(&SubscribeCommands {
            subscription_id: "everything".into(),
            filter: CommandFilter::default(),
            streams: None,
        }),
        r#"{"kind":"subscribe_commands","subscription_id":"everything","filter":{}}"#
    );
    for liveness in [ping("hb-42"), Liveness::default()] {
        assert_eq!(
            CommandsClientMessage::encode_ping(&liveness),
            CommandsClientMessage::Ping(liveness.clone()).to_json()
        );
        assert_eq!(
            CommandsClientMessage::encode_pong(&liveness),
            CommandsClientMessage::Pong(liveness.clone()).to_json()
        );
    }
    assert_eq!(
        CommandsClientMessage::encode_ping(&Liveness::default()),
        r#"{"kind":"ping"}"#
    );
    assert_eq!(
        CommandsClientMessage::encode_pong(&ping("srv-17")),
        r#"{"kind":"pong","id":"srv-17"}"#
    );
}

#[test]
fn stream_client_narrow_encoders_write_what_the_enum_writes() {
    let subscriptions = [
        SubscribeStream {
            subscription_id: "devices".into(),
            stream: StreamName::DeviceSnapshot,
            filter: StreamFilter {
                telescope_uid: Some("tel-lapalma".into()),
                ..StreamFilter::default()
            },
            options: Some(SubscribeOptions {
                include_existing: Some(true),
            }),
        },
        SubscribeStream {
            subscription_id: "log".into(),
            stream: StreamName::TelescopeLog,
            filter: StreamFilter::default(),
            options: None,
        },
    ];
    for s in subscriptions {
        let text = StreamClientMessage::encode_subscribe(&s);
        assert_eq!(text, StreamClientMessage::Subscribe(s.clone()).to_json());
        let decoded: StreamClientMessage = roundtrip(&text);
        assert_eq!(decoded, StreamClientMessage::Subscribe(s));
    }
    for liveness in [ping("hb-42"), Liveness::default()] {
        assert_eq!(
            StreamClientMessage::encode_ping(&liveness),
            StreamClientMessage::Ping(liveness.clone()).to_json()
        );
        assert_eq!(
            StreamClientMessage::encode_pong(&liveness),
            StreamClientMessage::Pong(liveness.clone()).to_json()
        );
    }
    assert_eq!(
        StreamClientMessage::encode_pong(&ping("srv-17")),
        r#"{"kind":"pong","id":"srv-17"}"#
    );
}

// ---- /v1/ws/commands, server to client ----

#[test]
fn commands_server_messages() {
    check_message(
        &CommandsServerMessage::Ack(Ack {
            id: Some("results-lapalma".into()),
        }),
        &fixture("commands_server/ack"),
    );
    check_message(
        &CommandsServerMessage::Error(ErrorMessage {
            code: ErrorCode::Forbidden,
            message: "you hold no lease on tel-lapalma; acquire one first".into(),
            details: None,
            id: Some(CMD.into()),
        }),
        &fixture("commands_server/error"),
    );
    check_message(
        &CommandsServerMessage::Command(CommandEvent {
            subscription_id: "all-lapalma".into(),
            command_id: cid(CMD),
            telescope_uid: "tel-lapalma".into(),
            command: exposure_ha(),
            origin: Some(Origin {
                client: "SkyDeck/0.1.0".into(),
                session_id: SESSION.into(),
                user_agent: None,
            }),
            published_at: "2026-11-24T21:04:05.012Z".into(),
            account: Some("dev-astronomer".into()),
        }),
        &fixture("commands_server/event_command"),
    );
    check_message(
        &CommandsServerMessage::CommandResult(CommandResultEvent {
            subscription_id: "results-lapalma".into(),
            result: CommandResult {
                command_id: cid(CMD),
                status: CommandStatus::Ok,
                data: Some(fixture_value("data/exposure")),
                error: None,
                telescope_uid: Some("tel-lapalma".into()),
                finished_at: Some("2026-11-24T21:06:05.640Z".into()),
            },
        }),
        &fixture("commands_server/event_command_result"),
    );
    check_message(
        &CommandsServerMessage::Ping(ping("srv-17")),
        &fixture("commands_server/ping"),
    );
    check_message(
        &CommandsServerMessage::Pong(ping("hb-42")),
        &fixture("commands_server/pong"),
    );
}

#[test]
fn command_results_of_each_status() {
    let canceled = CommandResult {
        command_id: cid(CMD),
        status: CommandStatus::Canceled,
        data: None,
        error: None,
        telescope_uid: None,
        finished_at: None,
    };
    check(&canceled, json!({"command_id": CMD, "status": "canceled"}));
    assert!(canceled.data_as::<MountResultData>().is_none());
    let lease_held = CommandResult {
        command_id: cid(CMD),
        status: CommandStatus::Error,
        data: None,
        error: Some(
            ErrorBody::new(ErrorCode::LeaseHeld, "dev-astronomer-2 holds the lease").with_details(
                json!({"holder": "dev-astronomer-2", "expires_at": "2026-11-24T21:34:05.000Z"}),
            ),
        ),
        telescope_uid: Some("tel-lapalma".into()),
        finished_at: Some("2026-11-24T21:04:05.020Z".into()),
    };
    check(
        &lease_held,
        json!({"command_id": CMD, "status": "error",
               "error": {"code": "lease_held", "message": "dev-astronomer-2 holds the lease",
                         "details": {"holder": "dev-astronomer-2", "expires_at": "2026-11-24T21:34:05.000Z"}},
               "telescope_uid": "tel-lapalma", "finished_at": "2026-11-24T21:04:05.020Z"}),
    );
}

#[test]
fn error_message_with_details() {
    let error = ErrorMessage {
        code: ErrorCode::InvalidMessage,
        message: "`command.binning` must be a whole number from 1 to 4, got 5".into(),
        details: Some(json!({"field": "command.binning"})),
        id: Some(CMD.into()),
    };
    check(
        &error,
        json!({"code": "invalid_message",
               "message": "`command.binning` must be a whole number from 1 to 4, got 5",
               "details": {"field": "command.binning"}, "id": CMD}),
    );
    assert_eq!(error.body().field(), Some("command.binning"));
    assert_eq!(error.body().code, ErrorCode::InvalidMessage);
    check(
        &ErrorBody::new(ErrorCode::Busy, "the camera is exposing"),
        json!({"code": "busy", "message": "the camera is exposing"}),
    );
}

#[test]
fn every_error_code_round_trips() {
    let codes = [
        "unauthorized",
        "forbidden",
        "invalid_message",
        "unknown_telescope",
        "duplicate_command_id",
        "not_found",
        "not_cancelable",
        "rate_limited",
        "internal",
        "lease_held",
        "lease_not_found",
        "unknown_target",
        "below_horizon",
        "unsupported",
        "busy",
        "manual_mode",
        "interlocked",
    ];
    assert_eq!(ErrorCode::KNOWN.len(), codes.len());
    for code in codes {
        let text = format!(r#"{{"kind":"error","code":"{code}","message":"m","id":"x"}}"#);
        for dir in [Dir::CommandsServer, Dir::StreamServer] {
            let message = common::decode(dir, &text).unwrap();
            assert_eq!(message.tag(), "error");
        }
        let message: CommandsServerMessage = roundtrip(&text);
        let CommandsServerMessage::Error(error) = message else {
            panic!()
        };
        assert!(error.code.is_known(), "{code}");
        assert_eq!(error.code.as_str(), code);
    }
}

// ---- /v1/ws/stream, client to server ----

#[test]
fn stream_client_messages() {
    check_message(
        &StreamClientMessage::Subscribe(SubscribeStream {
            subscription_id: "focusers".into(),
            stream: StreamName::DeviceSnapshot,
            filter: StreamFilter {
                telescope_uid: None,
                observatory_uid: Some("obs-roque".into()),
                device_type: Some(DeviceType::Focuser),
                device_uid: None,
            },
            options: Some(SubscribeOptions {
                include_existing: Some(false),
            }),
        }),
        &fixture("stream_client/subscribe_stream"),
    );
    check_message(
        &StreamClientMessage::Unsubscribe(Unsubscribe {
            subscription_id: "focusers".into(),
        }),
        &fixture("stream_client/unsubscribe_stream"),
    );
    check_message(
        &StreamClientMessage::Ping(ping("hb-43")),
        &fixture("stream_client/ping"),
    );
    check_message(
        &StreamClientMessage::Pong(ping("srv-18")),
        &fixture("stream_client/pong"),
    );
}

#[test]
fn subscribe_stream_every_stream_and_filter_key() {
    for stream in StreamName::KNOWN {
        let subscribe = SubscribeStream {
            subscription_id: "s".into(),
            stream: stream.clone(),
            filter: StreamFilter {
                telescope_uid: Some("tel-lapalma".into()),
                observatory_uid: Some("obs-roque".into()),
                device_type: Some(DeviceType::Mount),
                device_uid: Some("tel-lapalma-mount".into()),
            },
            options: None,
        };
        assert!(subscribe.include_existing(), "defaults to true");
        check_message(
            &StreamClientMessage::Subscribe(subscribe),
            &format!(
                r#"{{"kind":"subscribe_stream","subscription_id":"s","stream":"{stream}","filter":{{"telescope_uid":"tel-lapalma","observatory_uid":"obs-roque","device_type":"mount","device_uid":"tel-lapalma-mount"}}}}"#
            ),
        );
    }
    // Filter omitted: every telescope the caller may see.
    let message = StreamClientMessage::from_json(
        r#"{"kind":"subscribe_stream","subscription_id":"t","stream":"telescope_snapshot"}"#,
    )
    .unwrap();
    let StreamClientMessage::Subscribe(subscribe) = message else {
        panic!()
    };
    assert_eq!(subscribe.filter, StreamFilter::default());
    assert!(subscribe.include_existing());
}

#[test]
fn every_device_type_round_trips() {
    let types = [
        "enclosure",
        "ota",
        "camera",
        "focuser",
        "instrument_rotator",
        "filter_wheel",
        "mount",
        "weather_sensor",
        "antenna",
        "receiver",
        "radio_backend",
    ];
    assert_eq!(DeviceType::KNOWN.len(), types.len());
    for name in types {
        let device_type = DeviceType::from(name);
        assert!(device_type.is_known(), "{name}");
        check(&device_type, json!(name));
    }
}

// ---- /v1/ws/stream, server to client ----

#[test]
fn stream_server_lifecycle_messages() {
    check_message(
        &StreamServerMessage::Ack(Ack {
            id: Some("mount-lapalma".into()),
        }),
        &fixture("stream_server/ack"),
    );
    check_message(
        &StreamServerMessage::Error(ErrorMessage {
            code: ErrorCode::InvalidMessage,
            message: "`stream` is required".into(),
            details: Some(json!({"field": "stream"})),
            id: Some("mount-lapalma".into()),
        }),
        &fixture("stream_server/error"),
    );
    check_message(
        &StreamServerMessage::Ping(ping("srv-18")),
        &fixture("stream_server/ping"),
    );
    check_message(
        &StreamServerMessage::Pong(ping("hb-43")),
        &fixture("stream_server/pong"),
    );
    check_message(
        &StreamServerMessage::Ack(Ack::default()),
        r#"{"kind":"ack"}"#,
    );
}

fn device_event(
    subscription: &str,
    seq: u64,
    device: &str,
    device_type: DeviceType,
    observed_at: &str,
    state: DeviceState,
) -> StreamServerMessage {
    StreamServerMessage::DeviceSnapshot(SnapshotEvent {
        subscription_id: subscription.into(),
        seq,
        snapshot: serde_json::to_value(DeviceSnapshot {
            device_uid: device.into(),
            device_type,
            telescope_uid: Some("tel-lapalma".into()),
            observatory_uid: None,
            observed_at: observed_at.into(),
            state,
        })
        .unwrap(),
    })
}

#[test]
fn device_snapshot_mount() {
    let message = device_event(
        "mount-lapalma",
        42,
        "tel-lapalma-mount",
        DeviceType::Mount,
        "2026-11-24T21:04:05.120Z",
        DeviceState::Mount(MountState {
            ra_deg: 83.8221,
            dec_deg: -5.3911,
            alt_deg: 48.02,
            az_deg: 161.5,
            slewing: false,
            tracking: true,
            parked: false,
            target: Some(TargetPosition::catalog("M42")),
            offset_pattern: Some(OffsetPattern::Raster(RasterPattern {
                step_arcsec: 30.0,
                rows: 3,
                columns: 4,
                dwell_s: 10.0,
            })),
        }),
    );
    check_message(
        &message,
        &fixture("stream_server/event_device_snapshot_mount"),
    );
    assert_eq!(message.seq(), Some(42));
    check_message(
        &device_event(
            "mount-lapalma",
            1,
            "tel-lapalma-mount",
            DeviceType::Mount,
            "2026-11-24T20:00:00.000Z",
            DeviceState::Mount(MountState {
                ra_deg: 41.25,
                dec_deg: 28.7606,
                alt_deg: 90.0,
                az_deg: 0.0,
                slewing: false,
                tracking: false,
                parked: true,
                target: None,
                offset_pattern: None,
            }),
        ),
        &fixture("stream_server/event_device_snapshot_mount_parked"),
    );
}

#[test]
fn device_snapshot_focuser_camera_wheel_rotator() {
    check_message(
        &device_event(
            "focusers",
            43,
            "tel-lapalma-focuser",
            DeviceType::Focuser,
            "2026-11-24T21:04:05.220Z",
            DeviceState::Focuser(FocuserState {
                position_um: 24600.0,
                moving: true,
                temperature_c: 7.4,
            }),
        ),
        &fixture("stream_server/event_device_snapshot_focuser"),
    );
    check_message(
        &device_event(
            "devices-lapalma",
            44,
            "tel-lapalma-camera",
            DeviceType::Camera,
            "2026-11-24T21:05:05.120Z",
            DeviceState::Camera(CameraState {
                exposure_state: ExposureState::Exposing,
                exposure_progress: 0.5,
                temperature_c: -10.0,
                cooler_on: true,
            }),
        ),
        &fixture("stream_server/event_device_snapshot_camera"),
    );
    let slots: Vec<FilterSlot> = [
        (0, "L", "Luminance"),
        (1, "R", "Red"),
        (2, "G", "Green"),
        (3, "B", "Blue"),
        (4, "Ha", "H-alpha"),
        (5, "OIII", "O III"),
        (6, "SII", "S II"),
    ]
    .into_iter()
    .map(|(id, filter, name)| FilterSlot {
        filter_wheel_position_id: id,
        filter_id: filter.into(),
        name: name.into(),
    })
    .collect();
    let wheel = FilterWheelState {
        filter_wheel_position_id: 4,
        moving: false,
        slots,
    };
    assert_eq!(wheel.current().map(|s| s.filter_id.as_str()), Some("Ha"));
    check_message(
        &device_event(
            "devices-lapalma",
            45,
            "tel-lapalma-filter-wheel",
            DeviceType::FilterWheel,
            "2026-11-24T21:03:59.000Z",
            DeviceState::FilterWheel(wheel),
        ),
        &fixture("stream_server/event_device_snapshot_filter_wheel"),
    );
    check_message(
        &device_event(
            "devices-lapalma",
            46,
            "tel-lapalma-rotator",
            DeviceType::InstrumentRotator,
            "2026-11-24T21:04:05.320Z",
            DeviceState::Rotator(RotatorState {
                angle_deg: 87.5,
                moving: true,
            }),
        ),
        &fixture("stream_server/event_device_snapshot_rotator"),
    );
}

#[test]
fn camera_exposure_states() {
    for (text, state) in [
        ("idle", ExposureState::Idle),
        ("exposing", ExposureState::Exposing),
        ("reading_out", ExposureState::ReadingOut),
    ] {
        check(
            &CameraState {
                exposure_state: state,
                exposure_progress: 1.0,
                temperature_c: -10.0,
                cooler_on: false,
            },
            json!({"exposure_state": text, "exposure_progress": 1.0, "temperature_c": -10.0, "cooler_on": false}),
        );
    }
}

#[test]
fn device_snapshot_other_types_keep_their_state() {
    // A published type without a typed state here.
    check_message(
        &device_event(
            "devices-lapalma",
            47,
            "tel-lapalma-dome",
            DeviceType::Enclosure,
            "2026-11-24T21:04:05.420Z",
            DeviceState::Other(json!({"shutter": "open", "azimuth_deg": 161.0})),
        ),
        &fixture("stream_server/event_device_snapshot_enclosure"),
    );
    // A type this version does not know at all.
    check_message(
        &device_event(
            "devices-lapalma",
            48,
            "tel-lapalma-spectrograph",
            DeviceType::Other("spectrograph".into()),
            "2026-11-24T21:04:05.520Z",
            DeviceState::Other(json!({"grating": "600/mm", "slit_um": 50.0})),
        ),
        &fixture("stream_server/event_device_snapshot_unknown_type"),
    );
}

fn lease_7f3a2c(state: LeaseState, purpose: Option<&str>) -> LeaseInfo {
    LeaseInfo {
        lease_id: "lease-7f3a2c".into(),
        telescope_uid: "tel-lapalma".into(),
        holder: "dev-astronomer".into(),
        state,
        expires_at: "2026-11-24T21:34:05.000Z".into(),
        purpose: purpose.map(str::to_owned),
    }
}

#[test]
fn telescope_snapshot() {
    let devices = [
        ("tel-lapalma-mount", DeviceType::Mount, "Mount"),
        ("tel-lapalma-camera", DeviceType::Camera, "Camera"),
        ("tel-lapalma-focuser", DeviceType::Focuser, "Focuser"),
        (
            "tel-lapalma-filter-wheel",
            DeviceType::FilterWheel,
            "Filter wheel",
        ),
        (
            "tel-lapalma-rotator",
            DeviceType::InstrumentRotator,
            "Rotator",
        ),
    ]
    .into_iter()
    .map(|(uid, device_type, name)| DeviceSummary {
        device_uid: uid.into(),
        device_type,
        name: name.into(),
    })
    .collect();
    let snapshot = TelescopeSnapshot {
        telescope_uid: "tel-lapalma".into(),
        name: "La Palma 1.0 m".into(),
        observatory_uid: Some("obs-roque".into()),
        site: Site {
            latitude_deg: 28.7606,
            longitude_deg: -17.8816,
            elevation_m: 2396.0,
        },
        control_authority: ControlAuthority::Manual,
        lease: Some(lease_7f3a2c(
            LeaseState::Active,
            Some("M51 supernova follow-up"),
        )),
        manual_mode: None,
        devices,
        access: Access::Astronomer,
        local_horizon: vec![],
    };
    assert_eq!(
        snapshot
            .device(&DeviceType::Focuser)
            .map(|d| d.device_uid.as_str()),
        Some("tel-lapalma-focuser")
    );
    check_message(
        &StreamServerMessage::TelescopeSnapshot(SnapshotEvent {
            subscription_id: "telescopes".into(),
            seq: 3,
            snapshot: serde_json::to_value(snapshot).unwrap(),
        }),
        &fixture("stream_server/event_telescope_snapshot"),
    );
    check_message(
        &StreamServerMessage::TelescopeSnapshot(SnapshotEvent {
            subscription_id: "telescopes".into(),
            seq: 4,
            snapshot: serde_json::to_value(TelescopeSnapshot {
                telescope_uid: "tel-sidingspring".into(),
                name: "Siding Spring 0.6 m".into(),
                observatory_uid: None,
                site: Site {
                    latitude_deg: -31.2733,
                    longitude_deg: 149.0617,
                    elevation_m: 1165.0,
                },
                control_authority: ControlAuthority::Remote,
                lease: None,
                manual_mode: None,
                devices: vec![],
                access: Access::Viewer,
                local_horizon: vec![],
            })
            .unwrap(),
        }),
        &fixture("stream_server/event_telescope_snapshot_remote"),
    );
}

#[test]
fn access_levels() {
    for (text, access, standing, lease) in [
        ("owner", Access::Owner, true, true),
        ("operator", Access::Operator, true, true),
        ("astronomer", Access::Astronomer, false, true),
        ("viewer", Access::Viewer, false, false),
    ] {
        check(&access, json!(text));
        assert_eq!(access.has_standing_authority(), standing, "{text}");
        assert_eq!(access.may_lease(), lease, "{text}");
    }
    check(&ControlAuthority::Remote, json!("remote"));
    check(&ControlAuthority::Manual, json!("manual"));
}

#[test]
fn instrument_snapshot() {
    let samples = [(23400.0, 4.9), (23800.0, 3.7), (24200.0, 2.6)]
        .into_iter()
        .map(|(position_um, hfr_px)| AutofocusSample {
            position_um,
            hfr_px,
        })
        .collect();
    check_message(
        &StreamServerMessage::InstrumentSnapshot(SnapshotEvent {
            subscription_id: "imager-lapalma".into(),
            seq: 51,
            snapshot: serde_json::to_value(InstrumentSnapshot {
                instrument_uid: "5b0c3f7e-2d41-5a8e-9c6b-1f2e3d4c5b6a".into(),
                instrument_type: InstrumentType::OpticalImager,
                telescope_uid: "tel-lapalma".into(),
                device_uids: [
                    "tel-lapalma-ota",
                    "tel-lapalma-camera",
                    "tel-lapalma-filter-wheel",
                ]
                .map(DeviceUid::from)
                .to_vec(),
                observed_at: "2026-11-24T21:10:12.500Z".into(),
                state: InstrumentState {
                    busy: true,
                    autofocus: Some(AutofocusProgress {
                        command_id: Some(cid("9a2b7c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d")),
                        filter_id: "L".into(),
                        strategy: AutofocusStrategy::VCurve,
                        running: true,
                        samples,
                        best_position_um: None,
                    }),
                },
            })
            .unwrap(),
        }),
        &fixture("stream_server/event_instrument_snapshot"),
    );
    check_message(
        &StreamServerMessage::InstrumentSnapshot(SnapshotEvent {
            subscription_id: "imager-lapalma".into(),
            seq: 2,
            snapshot: serde_json::to_value(InstrumentSnapshot {
                instrument_uid: "5b0c3f7e-2d41-5a8e-9c6b-1f2e3d4c5b6a".into(),
                instrument_type: InstrumentType::OpticalImager,
                telescope_uid: "tel-lapalma".into(),
                device_uids: [
                    "tel-lapalma-ota",
                    "tel-lapalma-camera",
                    "tel-lapalma-filter-wheel",
                ]
                .map(DeviceUid::from)
                .to_vec(),
                observed_at: "2026-11-24T20:00:00.000Z".into(),
                state: InstrumentState {
                    busy: false,
                    autofocus: None,
                },
            })
            .unwrap(),
        }),
        &fixture("stream_server/event_instrument_snapshot_idle"),
    );
    // A finished pass carries the fitted best position.
    check(
        &AutofocusProgress {
            command_id: Some(cid("9a2b7c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d")),
            filter_id: "L".into(),
            strategy: AutofocusStrategy::Hyperbolic,
            running: false,
            samples: vec![],
            best_position_um: Some(25012.0),
        },
        json!({"command_id": "9a2b7c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d", "filter_id": "L",
               "strategy": "hyperbolic", "running": false, "samples": [], "best_position_um": 25012.0}),
    );
}

#[test]
fn lease_event_and_states() {
    let lease = lease_7f3a2c(LeaseState::Released, None);
    let message =
        StreamServerMessage::ManualControlLease(LeaseEvent::new("leases".into(), 7, &lease));
    check_message(
        &message,
        &fixture("stream_server/event_manual_control_lease"),
    );
    assert_eq!(message.seq(), Some(7));
    let StreamServerMessage::ManualControlLease(event) = &message else {
        unreachable!("a lease event")
    };
    assert_eq!(event.lease().expect("the lease decodes"), lease);
    for (text, state) in [
        ("active", LeaseState::Active),
        ("released", LeaseState::Released),
        ("expired", LeaseState::Expired),
        ("revoked", LeaseState::Revoked),
    ] {
        check(&state, json!(text));
    }
}

#[test]
fn log_event_and_levels() {
    let message = StreamServerMessage::TelescopeLog(LogEvent::new(
        "log-lapalma".into(),
        52,
        &TelescopeLogEntry::message(
            "0e6f1d2c-3b4a-4c5d-8e7f-6a5b4c3d2e1f".into(),
            "tel-lapalma".into(),
            "2026-11-24T21:10:12.500Z".into(),
            LogLevel::Info,
            "autofocus sample 3/9: 24200 µm, HFR 2.60 px",
        ),
    ));
    check_message(&message, &fixture("stream_server/event_telescope_log"));
    assert_eq!(message.seq(), Some(52));
    for (text, level) in [
        ("debug", LogLevel::Debug),
        ("info", LogLevel::Info),
        ("warning", LogLevel::Warning),
        ("error", LogLevel::Error),
    ] {
        check(&level, json!(text));
    }
    let TelescopeLogEntry { body, .. } = &entry_of(&message);
    assert!(matches!(body, LogEntryBody::Message(m) if m.level == LogLevel::Info));
}

fn entry_of(message: &StreamServerMessage) -> TelescopeLogEntry {
    match message {
        StreamServerMessage::TelescopeLog(e) => e.entry().expect("the entry decodes"),
        other => panic!("not a log event: {other:?}"),
    }
}

#[test]
fn log_entry_types() {
    let uid = "0e6f1d2c-3b4a-4c5d-8e7f-6a5b4c3d2e1f";
    let entry = |body: Value| -> TelescopeLogEntry {
        let mut value =
            json!({"entry_uid": uid, "telescope_uid": "t", "at": "2026-11-24T21:10:12.500Z"});
        value
            .as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        let entry: TelescopeLogEntry = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(serde_json::to_value(&entry).unwrap(), value, "round trip");
        entry
    };
    let command = entry(json!({"log_entry_type": "command",
        "command_id": "9a2b7c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d", "command_type": "mount.park", "status": "ok"}));
    assert!(matches!(&command.body, LogEntryBody::Command(c) if c.status == CommandStatus::Ok));
    assert_eq!(
        command.text(),
        "command mount.park ok (9a2b7c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d)"
    );
    let safety = entry(json!({"log_entry_type": "safety", "constraint_uid": "c1",
        "satisfied": false, "message": "wind 18 m/s above 15"}));
    assert_eq!(safety.text(), "safety c1 violated: wind 18 m/s above 15");
    let note =
        entry(json!({"log_entry_type": "operator_note", "author": "ops", "text": "dome serviced"}));
    assert_eq!(note.text(), "note by ops: dome serviced");
    let other = entry(json!({"log_entry_type": "maintenance_window", "windowHours": 2}));
    let LogEntryBody::Unknown(unknown) = &other.body else {
        panic!("an unknown type is kept whole")
    };
    assert_eq!(unknown.tag, "maintenance_window");
    assert_eq!(other.text(), r#"maintenance_window: {"windowHours":2}"#);
    // camelCase keys of known fields, the tag included.
    let camel: TelescopeLogEntry = serde_json::from_value(json!({"entryUid": uid, "telescopeUid": "t",
        "at": "2026-11-24T21:10:12.500Z", "logEntryType": "operator_note", "author": "a", "text": "b"}))
    .unwrap();
    assert_eq!(camel.text(), "note by a: b");
}

#[test]
fn untyped_snapshot_streams_keep_their_payload() {
    for (name, seq) in [
        ("event_constraint_snapshot", 8),
        ("event_constraint_status_snapshot", 9),
        ("event_shutdown_interlock_snapshot", 10),
    ] {
        let message: StreamServerMessage = roundtrip(&fixture(&format!("stream_server/{name}")));
        assert_eq!(message.tag(), name);
        assert_eq!(message.seq(), Some(seq));
        let event = match &message {
            StreamServerMessage::ConstraintSnapshot(e)
            | StreamServerMessage::ConstraintStatusSnapshot(e)
            | StreamServerMessage::ShutdownInterlockSnapshot(e) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(event.snapshot["telescope_uid"], "tel-lapalma");
    }
}

/// Every fixture of the four message folders decodes with its enum to a
/// known kind and re-encodes to equal JSON.
#[test]
fn every_message_fixture_round_trips() {
    for dir in Dir::ALL {
        let fixtures = fixtures_in(dir.folder());
        assert!(!fixtures.is_empty());
        for (name, text) in fixtures {
            let message = common::decode(dir, &text)
                .unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.folder()));
            assert!(!message.is_unknown(), "{}/{name}", dir.folder());
            let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
            let encoded: serde_json::Value = serde_json::from_str(&message.to_json()).unwrap();
            assert_eq!(encoded, expected, "{}/{name}", dir.folder());
        }
    }
}

/// Every kind each enum knows has a fixture.
#[test]
fn every_kind_has_a_fixture() {
    let known: [(Dir, &[&str]); 4] = [
        (Dir::CommandsClient, CommandsClientMessage::KNOWN_TAGS),
        (Dir::CommandsServer, CommandsServerMessage::KNOWN_TAGS),
        (Dir::StreamClient, StreamClientMessage::KNOWN_TAGS),
        (Dir::StreamServer, StreamServerMessage::KNOWN_TAGS),
    ];
    for (dir, tags) in known {
        let seen: Vec<String> = fixtures_in(dir.folder())
            .iter()
            .map(|(_, text)| common::decode(dir, text).unwrap().tag().to_owned())
            .collect();
        for tag in tags {
            assert!(
                seen.iter().any(|s| s == tag),
                "no fixture of {tag} in {}",
                dir.folder()
            );
        }
    }
}

// ---- commands ----

fn command_fixture(name: &str, command: Command) {
    check(&command, fixture_value(&format!("commands/{name}")));
    assert!(command.tag().contains('.'));
    assert!(!command.summary().is_empty(), "{name}");
    assert_eq!(command.validate(&Default::default()), Ok(()), "{name}");
}

#[test]
fn mount_commands() {
    command_fixture(
        "mount_point_fixed",
        Command::MountPoint(MountPoint {
            target: TargetPosition::equatorial(202.4696, 47.1952),
        }),
    );
    command_fixture(
        "mount_point_galactic",
        Command::MountPoint(MountPoint {
            target: TargetPosition::galactic(184.5575, -5.7843),
        }),
    );
    command_fixture(
        "mount_point_catalog",
        Command::MountPoint(MountPoint {
            target: TargetPosition::catalog("M51"),
        }),
    );
    command_fixture(
        "mount_point_ephemeral",
        Command::MountPoint(MountPoint {
            target: TargetPosition::Ephemeral(EphemeralTarget {
                body: "moon".into(),
            }),
        }),
    );
    command_fixture(
        "mount_point_orbital",
        Command::MountPoint(MountPoint {
            target: TargetPosition::Orbital(OrbitalTarget {
                name: Some("ISS (ZARYA)".into()),
                tle_line1: Some(
                    "1 25544U 98067A   24001.50000000  .00016717  00000-0  10270-3 0  9005".into(),
                ),
                tle_line2: Some(
                    "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.49815308 30000".into(),
                ),
            }),
        }),
    );
    command_fixture(
        "mount_track",
        Command::MountTrack(MountTrack {
            target: TargetPosition::catalog("M42"),
            offset_pattern: None,
        }),
    );
    command_fixture(
        "mount_track_raster",
        Command::MountTrack(MountTrack {
            target: TargetPosition::equatorial(83.8221, -5.3911),
            offset_pattern: Some(OffsetPattern::Raster(RasterPattern {
                step_arcsec: 30.0,
                rows: 3,
                columns: 4,
                dwell_s: 10.0,
            })),
        }),
    );
    command_fixture(
        "mount_track_daisy",
        Command::MountTrack(MountTrack {
            target: TargetPosition::catalog("M31"),
            offset_pattern: Some(OffsetPattern::Daisy(DaisyPattern {
                radius_arcsec: 120.0,
                petals: 6,
                period_s: 60.0,
            })),
        }),
    );
    command_fixture(
        "mount_offset_relative",
        Command::MountOffsetRelative(MountOffsetRelative {
            delta_arcsec: -15.5,
            axis: OffsetAxis::Dec,
        }),
    );
    for axis in ["ra", "dec", "alt", "az"] {
        check(
            &Command::MountOffsetRelative(MountOffsetRelative {
                delta_arcsec: 10.0,
                axis: OffsetAxis::from(axis),
            }),
            json!({"command_type": "mount.offset_relative", "delta_arcsec": 10.0, "axis": axis}),
        );
        assert!(OffsetAxis::from(axis).is_known());
    }
}

#[test]
fn camera_imager_wheel_focuser_rotator_commands() {
    command_fixture(
        "camera_exposure_start",
        Command::CameraExposureStart(CameraExposureStart {
            duration_s: 30.0,
            binning: 2,
            filter_id: None,
        }),
    );
    command_fixture("camera_exposure_start_filter", exposure_ha());
    command_fixture(
        "imager_autofocus",
        Command::ImagerAutofocus(ImagerAutofocus {
            filter_id: "L".into(),
            strategy: AutofocusStrategy::VCurve,
        }),
    );
    check(
        &Command::ImagerAutofocus(ImagerAutofocus {
            filter_id: "R".into(),
            strategy: AutofocusStrategy::Hyperbolic,
        }),
        json!({"command_type": "imager.autofocus", "filter_id": "R", "strategy": "hyperbolic"}),
    );
    command_fixture(
        "filter_wheel_set_option",
        Command::FilterWheelSetOption(FilterWheelSetOption {
            filter_wheel_position_id: 4,
        }),
    );
    command_fixture(
        "focuser_move_absolute",
        Command::FocuserMoveAbsolute(MoveAbsoluteUm {
            position_um: 25000.0,
        }),
    );
    command_fixture(
        "focuser_move_relative",
        Command::FocuserMoveRelative(MoveRelativeUm { delta_um: -400.0 }),
    );
    command_fixture(
        "focus_move_absolute",
        Command::FocusMoveAbsolute(MoveAbsoluteUm {
            position_um: 24600.0,
        }),
    );
    command_fixture(
        "focus_move_relative",
        Command::FocusMoveRelative(MoveRelativeUm { delta_um: 150.0 }),
    );
    command_fixture(
        "rotator_move_absolute",
        Command::RotatorMoveAbsolute(RotatorMoveAbsolute { angle_deg: 90.0 }),
    );
    command_fixture(
        "rotator_move_relative",
        Command::RotatorMoveRelative(RotatorMoveRelative { delta_deg: -45.0 }),
    );
}

#[test]
fn focus_aliases_are_distinct_tags_with_the_focuser_payloads() {
    let alias = Command::FocusMoveAbsolute(MoveAbsoluteUm {
        position_um: 25000.0,
    });
    let focuser = Command::FocuserMoveAbsolute(MoveAbsoluteUm {
        position_um: 25000.0,
    });
    assert_ne!(alias, focuser);
    assert_eq!(alias.tag(), "focus.move_absolute");
    assert_eq!(focuser.tag(), "focuser.move_absolute");
    assert_eq!(alias.summary(), focuser.summary());
}

#[test]
fn lease_and_system_commands() {
    let lease_commands = [
        (
            "lease_acquire",
            Command::LeaseAcquire(LeaseAcquire {
                duration_s: 1800.0,
                purpose: None,
            }),
        ),
        (
            "lease_acquire_purpose",
            Command::LeaseAcquire(LeaseAcquire {
                duration_s: 3600.0,
                purpose: Some("M51 supernova follow-up".into()),
            }),
        ),
        (
            "lease_renew",
            Command::LeaseRenew(LeaseRenew {
                lease_id: "lease-7f3a2c".into(),
                duration_s: 1800.0,
            }),
        ),
        (
            "lease_release",
            Command::LeaseRelease(LeaseRelease {
                lease_id: "lease-7f3a2c".into(),
            }),
        ),
        (
            "abort_manual_control",
            Command::AbortManualControl(AbortManualControl {
                lease_id: "lease-7f3a2c".into(),
            }),
        ),
    ];
    for (name, command) in lease_commands {
        assert!(command.is_authority_command(), "{name}");
        command_fixture(name, command);
    }
    assert!(!exposure_ha().is_authority_command());
}

/// Every command type of the catalog has a fixture, and every fixture
/// decodes to a known command type inside a `publish_command`.
#[test]
fn every_command_type_has_a_fixture() {
    let fixtures = fixtures_in("commands");
    let tags: Vec<String> = fixtures
        .iter()
        .map(|(name, text)| {
            let command: Command = serde_json::from_str(text).unwrap();
            assert!(!matches!(command, Command::Unknown(_)), "{name}");
            let message: CommandsClientMessage = roundtrip(&common::publish_frame(text));
            assert_eq!(message.tag(), "publish_command");
            command.tag().to_owned()
        })
        .collect();
    assert_eq!(Command::KNOWN_TAGS.len(), 16);
    for tag in Command::KNOWN_TAGS {
        assert!(tags.iter().any(|t| t == tag), "no fixture of {tag}");
    }
}

#[test]
fn targets_and_patterns() {
    check(
        &TargetPosition::galactic(184.5575, -5.7843),
        json!({"position_type": "fixed", "frame": "galactic", "l": 184.5575, "b": -5.7843}),
    );
    check(
        &TargetPosition::Ephemeral(EphemeralTarget { body: "sun".into() }),
        json!({"position_type": "ephemeral", "body": "sun"}),
    );
    check(
        &TargetPosition::Orbital(OrbitalTarget {
            name: None,
            tle_line1: None,
            tle_line2: None,
        }),
        json!({"position_type": "orbital"}),
    );
    check(
        &OffsetPattern::Daisy(DaisyPattern {
            radius_arcsec: 120.0,
            petals: 6,
            period_s: 60.0,
        }),
        json!({"pattern_type": "daisy", "radius_arcsec": 120.0, "petals": 6, "period_s": 60.0}),
    );
    assert_eq!(
        TargetPosition::equatorial(202.4696, 47.1952).describe(),
        "RA 202.4696° Dec +47.1952°"
    );
    assert_eq!(TargetPosition::catalog("M51").describe(), "M51");
}

// ---- result data ----

fn data_fixture<T>(name: &str, expected: T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = fixture_value(&format!("data/{name}"));
    check(&expected, json.clone());
    let result = CommandResult {
        command_id: cid(CMD),
        status: CommandStatus::Ok,
        data: Some(json),
        error: None,
        telescope_uid: None,
        finished_at: None,
    };
    let decoded: T = result
        .data_as()
        .expect("data is present")
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(decoded, expected);
}

#[test]
fn result_data_types() {
    data_fixture(
        "mount",
        MountResultData {
            ra_deg: 202.4696,
            dec_deg: 47.1952,
            alt_deg: 52.31,
            az_deg: 12.87,
            target: Some(TargetPosition::equatorial(202.4696, 47.1952)),
        },
    );
    data_fixture(
        "exposure",
        ExposureData {
            exposure_id: "exp-9c41d2e07b".into(),
            started_at: "2026-11-24T21:04:05.120Z".into(),
            duration_s: 120.0,
            binning: 1,
            filter_id: Some("Ha".into()),
            width: 4096,
            height: 4096,
            preview_url: "/v1/previews/exp-9c41d2e07b.png".into(),
        },
    );
    let samples = [
        (23400.0, 4.9),
        (23800.0, 3.7),
        (24200.0, 2.6),
        (24600.0, 2.0),
        (25000.0, 1.85),
        (25400.0, 2.1),
        (25800.0, 2.9),
        (26200.0, 3.9),
        (26600.0, 5.0),
    ]
    .into_iter()
    .map(|(position_um, hfr_px)| AutofocusSample {
        position_um,
        hfr_px,
    })
    .collect();
    data_fixture(
        "autofocus",
        AutofocusData {
            best_position_um: 25012.0,
            best_hfr_px: 1.84,
            samples,
        },
    );
    data_fixture(
        "lease",
        LeaseData {
            lease_id: "lease-7f3a2c".into(),
            expires_at: "2026-11-24T21:34:05.000Z".into(),
            duration_s: 1800.0,
        },
    );
    data_fixture(
        "focuser",
        FocuserResultData {
            position_um: 25000.0,
        },
    );
    data_fixture("rotator", RotatorResultData { angle_deg: 90.0 });
    data_fixture(
        "filter_wheel",
        FilterWheelResultData {
            filter_wheel_position_id: 4,
            filter_id: "Ha".into(),
        },
    );
}

#[test]
fn data_as_names_the_bad_field_and_accepts_camel_case() {
    let mut result = CommandResult {
        command_id: cid(CMD),
        status: CommandStatus::Ok,
        data: Some(json!({"positionUm": 25000.0})),
        error: None,
        telescope_uid: None,
        finished_at: None,
    };
    assert_eq!(
        result.data_as::<FocuserResultData>().unwrap(),
        Ok(FocuserResultData {
            position_um: 25000.0
        })
    );
    result.data = Some(json!({"position_um": "far"}));
    let error = result.data_as::<FocuserResultData>().unwrap().unwrap_err();
    assert_eq!(error.field(), Some("position_um"));
    result.data = Some(json!({"best_position_um": 1.0, "best_hfr_px": 2.0,
                              "samples": [{"position_um": 1.0}]}));
    let error = result.data_as::<AutofocusData>().unwrap().unwrap_err();
    assert!(
        error.field().is_some_and(|f| f.starts_with("samples")),
        "{error:?}"
    );
}
