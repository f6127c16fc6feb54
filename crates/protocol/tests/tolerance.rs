//! Tolerant reading: unknown kinds, fields and values are values, not
//! errors; camelCase is accepted and snake_case written; a malformed known
//! message is an error that names the field.

mod common;

use common::{cid, decode, fixture, invalid_field, roundtrip, Dir};
use serde_json::{json, Value};
use skynet_protocol::*;

const CMD: &str = "6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60";

// ---- unknown kinds ----

#[test]
fn unknown_kinds_are_kept_exactly() {
    let text = r#"{"kind":"event_weather_forecast","subscription_id":"w","seq":3,"forecast":{"cloudCover":0.2,"wind_m_s":[4,5.5]},"camelCaseKey":null}"#;
    let raw: Value = serde_json::from_str(text).unwrap();
    for dir in Dir::ALL {
        let message = decode(dir, text).unwrap_or_else(|e| panic!("{dir:?}: {e}"));
        assert!(message.is_unknown(), "{dir:?}");
        assert_eq!(message.tag(), "event_weather_forecast");
        let encoded: Value = serde_json::from_str(&message.to_json()).unwrap();
        assert_eq!(encoded, raw, "{dir:?} re-encodes the frame unchanged");
    }
    let message = StreamServerMessage::from_json(text).unwrap();
    let StreamServerMessage::Unknown(unknown) = &message else {
        panic!()
    };
    assert_eq!(unknown.tag, "event_weather_forecast");
    assert_eq!(unknown.raw, raw);
    assert_eq!(message.seq(), None);
}

#[test]
fn kinds_of_the_other_endpoint_or_direction_are_unknown() {
    // A stream delivery read on the commands socket, a command read by a
    // server: not errors, just unknown there.
    let snapshot = fixture("stream_server/event_device_snapshot_focuser");
    let message = CommandsServerMessage::from_json(&snapshot).unwrap();
    assert!(matches!(message, CommandsServerMessage::Unknown(_)));
    let publish = fixture("commands_client/publish_command");
    let message = StreamClientMessage::from_json(&publish).unwrap();
    assert!(matches!(message, StreamClientMessage::Unknown(_)));
    let result = fixture("commands_server/event_command_result");
    assert!(matches!(
        CommandsClientMessage::from_json(&result).unwrap(),
        CommandsClientMessage::Unknown(_)
    ));
}

#[test]
fn direct_request_kinds_decode_without_error() {
    let frames = [
        (
            Dir::CommandsClient,
            r#"{"kind":"direct_request","request_id":"r-1","telescope_uid":"tel-lapalma","path":"/images/exp-9c41d2e07b","method":"GET"}"#,
        ),
        (
            Dir::CommandsServer,
            r#"{"kind":"direct_response_start","request_id":"r-1","status":200,"headers":{"content-type":"image/fits"}}"#,
        ),
        (
            Dir::CommandsServer,
            r#"{"kind":"direct_response_chunk","request_id":"r-1","seq":0,"data":"U0lNUExFICA9ICAgICAgICAgICAgICAgICAgICBU"}"#,
        ),
        (
            Dir::CommandsServer,
            r#"{"kind":"direct_response_end","request_id":"r-1"}"#,
        ),
        (
            Dir::CommandsServer,
            r#"{"kind":"direct_error","request_id":"r-1","code":"not_found","message":"no such image"}"#,
        ),
    ];
    for (dir, text) in frames {
        // Whichever enum reads them, they are unknown and kept.
        for any in Dir::ALL {
            let message = decode(any, text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(message.is_unknown(), "{text}");
        }
        let message = decode(dir, text).unwrap();
        assert!(message.tag().starts_with("direct_"));
        let encoded: Value = serde_json::from_str(&message.to_json()).unwrap();
        assert_eq!(encoded, serde_json::from_str::<Value>(text).unwrap());
    }
}

// ---- unknown fields ----

#[test]
fn unknown_fields_are_ignored() {
    let text = format!(
        r#"{{"kind":"publish_command","telescope_uid":"tel-lapalma","command_id":"{CMD}","priority":5,
            "command":{{"command_type":"camera.exposure.start","duration_s":30.0,"binning":2,"gain":100,"readout":{{"mode":"fast"}}}},
            "origin":{{"client":"SkyDeck/0.1.0","session_id":"s","tab":3}},"trace":[1,2,3]}}"#
    );
    let message = CommandsClientMessage::from_json(&text).unwrap();
    let CommandsClientMessage::PublishCommand(publish) = &message else {
        panic!()
    };
    assert_eq!(
        publish.command,
        Command::CameraExposureStart(CameraExposureStart {
            duration_s: 30.0,
            binning: 2,
            filter_id: None
        })
    );
    // The unknown fields are not written back.
    let encoded: Value = serde_json::from_str(&message.to_json()).unwrap();
    assert_eq!(
        encoded,
        json!({"kind":"publish_command","telescope_uid":"tel-lapalma","command_id":CMD,
               "command":{"command_type":"camera.exposure.start","duration_s":30.0,"binning":2},
               "origin":{"client":"SkyDeck/0.1.0","session_id":"s"}})
    );

    // In snapshots, nested records, results and lifecycle messages too.
    let text = r#"{"kind":"event_device_snapshot","subscription_id":"s","seq":1,"region":"eu",
        "snapshot":{"device_uid":"tel-lapalma-focuser","device_type":"focuser","telescope_uid":"tel-lapalma",
                    "observed_at":"2026-11-24T21:04:05.120Z","firmware":"2.1",
                    "state":{"position_um":24600.0,"moving":false,"temperature_c":7.4,"backlash_um":12}}}"#;
    let message = StreamServerMessage::from_json(text).unwrap();
    let StreamServerMessage::DeviceSnapshot(event) = message else {
        panic!()
    };
    assert_eq!(
        decode_snapshot::<DeviceSnapshot>(&event.snapshot)
            .unwrap()
            .state,
        DeviceState::Focuser(FocuserState {
            position_um: 24600.0,
            moving: false,
            temperature_c: 7.4
        })
    );
    let text = format!(
        r#"{{"kind":"event_command_result","subscription_id":"s","shard":2,
            "result":{{"command_id":"{CMD}","status":"ok","duration_ms":15,"error":{{"code":"busy","message":"m","retry_after_s":3}}}}}}"#
    );
    assert!(CommandsServerMessage::from_json(&text).is_ok());
    assert!(CommandsServerMessage::from_json(r#"{"kind":"pong","id":"1","rtt_ms":12}"#).is_ok());
    assert!(CommandsServerMessage::from_json(r#"{"kind":"ack","id":"1","at":"now"}"#).is_ok());
}

// ---- unknown values ----

#[test]
fn unknown_command_type_is_kept() {
    let text = format!(
        r#"{{"kind":"publish_command","telescope_uid":"tel-lapalma","command_id":"{CMD}",
            "command":{{"command_type":"spectrograph.set_slit","slit_um":50.0,"mode":{{"x":1}}}}}}"#
    );
    let message: CommandsClientMessage = roundtrip(&text);
    let CommandsClientMessage::PublishCommand(publish) = message else {
        panic!()
    };
    let Command::Unknown(unknown) = &publish.command else {
        panic!("{:?}", publish.command)
    };
    assert_eq!(unknown.tag, "spectrograph.set_slit");
    assert_eq!(
        unknown.raw,
        json!({"command_type":"spectrograph.set_slit","slit_um":50.0,"mode":{"x":1}})
    );
    assert_eq!(publish.command.tag(), "spectrograph.set_slit");
    assert_eq!(publish.command.summary(), "");
    assert!(!publish.command.is_authority_command());
}

#[test]
fn unknown_position_type_frame_and_pattern_are_kept() {
    let command: Command = serde_json::from_value(json!({"command_type":"mount.point",
        "target":{"position_type":"horizontal","alt":45.0,"az":180.0}}))
    .unwrap();
    let Command::MountPoint(point) = &command else {
        panic!()
    };
    let TargetPosition::Unknown(unknown) = &point.target else {
        panic!()
    };
    assert_eq!(unknown.tag, "horizontal");
    assert_eq!(point.target.describe(), "horizontal target");
    assert_eq!(
        serde_json::to_value(&command).unwrap()["target"],
        json!({"position_type":"horizontal","alt":45.0,"az":180.0})
    );

    let target: TargetPosition = serde_json::from_value(
        json!({"position_type":"fixed","frame":"ecliptic","lon":10.0,"lat":1.0}),
    )
    .unwrap();
    let TargetPosition::Fixed(fixed) = &target else {
        panic!()
    };
    assert_eq!(fixed.frame, Frame::Other("ecliptic".into()));
    assert!(!fixed.frame.is_known());

    let command: Command = serde_json::from_value(json!({"command_type":"mount.track",
        "target":{"position_type":"catalog","name":"M42"},
        "offset_pattern":{"pattern_type":"spiral","turns":3}}))
    .unwrap();
    let Command::MountTrack(track) = &command else {
        panic!()
    };
    let Some(OffsetPattern::Unknown(pattern)) = &track.offset_pattern else {
        panic!()
    };
    assert_eq!(pattern.tag, "spiral");
    assert_eq!(command.summary(), "M42 + spiral");
}

#[test]
fn unknown_string_values_decode_to_other() {
    // Stream names.
    let message: StreamClientMessage = roundtrip(
        r#"{"kind":"subscribe_stream","subscription_id":"s","stream":"weather_forecast","filter":{}}"#,
    );
    let StreamClientMessage::Subscribe(subscribe) = message else {
        panic!()
    };
    assert_eq!(
        subscribe.stream,
        StreamName::Other("weather_forecast".into())
    );
    // Command stream names.
    let message: CommandsClientMessage = roundtrip(
        r#"{"kind":"subscribe_commands","subscription_id":"s","filter":{},"streams":["command","command_audit"]}"#,
    );
    let CommandsClientMessage::SubscribeCommands(subscribe) = message else {
        panic!()
    };
    assert_eq!(
        subscribe.streams,
        Some(vec![
            CommandStreamName::Command,
            CommandStreamName::Other("command_audit".into())
        ])
    );
    // Status values and error codes.
    let message: CommandsServerMessage = roundtrip(&format!(
        r#"{{"kind":"event_command_result","subscription_id":"s","result":{{"command_id":"{CMD}","status":"partially_ok","error":{{"code":"dome_closed","message":"the dome is closed"}}}}}}"#
    ));
    let CommandsServerMessage::CommandResult(event) = message else {
        panic!()
    };
    assert_eq!(
        event.result.status,
        CommandStatus::Other("partially_ok".into())
    );
    assert_eq!(
        event.result.error.unwrap().code,
        ErrorCode::Other("dome_closed".into())
    );
    let message: StreamServerMessage =
        roundtrip(r#"{"kind":"error","code":"maintenance","message":"back at 22:00"}"#);
    let StreamServerMessage::Error(error) = message else {
        panic!()
    };
    assert_eq!(error.code, ErrorCode::Other("maintenance".into()));
    // Axis and strategy.
    let command: Command = serde_json::from_value(
        json!({"command_type":"mount.offset_relative","delta_arcsec":5.0,"axis":"pa"}),
    )
    .unwrap();
    let Command::MountOffsetRelative(offset) = command else {
        panic!()
    };
    assert_eq!(offset.axis, OffsetAxis::Other("pa".into()));
    let command: Command = serde_json::from_value(
        json!({"command_type":"imager.autofocus","filter_id":"L","strategy":"bahtinov"}),
    )
    .unwrap();
    let Command::ImagerAutofocus(autofocus) = command else {
        panic!()
    };
    assert_eq!(
        autofocus.strategy,
        AutofocusStrategy::Other("bahtinov".into())
    );
}

#[test]
fn unknown_values_in_snapshots_decode_to_other() {
    let text = r#"{"kind":"event_telescope_snapshot","subscription_id":"t","seq":1,
        "snapshot":{"telescope_uid":"tel-x","name":"X","site":{"latitude_deg":0.0,"longitude_deg":0.0,"elevation_m":0.0},
                    "control_authority":"maintenance","lease":{"lease_id":"l","telescope_uid":"tel-x","holder":"h",
                    "state":"suspended","expires_at":"2026-11-24T21:34:05.000Z"},
                    "devices":[{"device_uid":"d","device_type":"spectrograph","name":"Spectrograph"}],
                    "access":"guest"}}"#;
    let message: StreamServerMessage = roundtrip(text);
    let StreamServerMessage::TelescopeSnapshot(event) = message else {
        panic!()
    };
    let snapshot: TelescopeSnapshot = decode_snapshot(&event.snapshot).unwrap();
    assert_eq!(
        snapshot.control_authority,
        ControlAuthority::Other("maintenance".into())
    );
    assert_eq!(
        snapshot.lease.unwrap().state,
        LeaseState::Other("suspended".into())
    );
    assert_eq!(
        snapshot.devices[0].device_type,
        DeviceType::Other("spectrograph".into())
    );
    assert_eq!(snapshot.access, Access::Other("guest".into()));
    assert!(!snapshot.access.may_lease());
    let text = r#"{"kind":"event_device_snapshot","subscription_id":"s","seq":2,
        "snapshot":{"device_uid":"c","device_type":"camera","telescope_uid":"t","observed_at":"2026-11-24T21:04:05.120Z",
                    "state":{"exposure_state":"flushing","exposure_progress":0.0,"temperature_c":-10.0,"cooler_on":true}}}"#;
    let message: StreamServerMessage = roundtrip(text);
    let StreamServerMessage::DeviceSnapshot(event) = message else {
        panic!()
    };
    let DeviceState::Camera(camera) = decode_snapshot::<DeviceSnapshot>(&event.snapshot)
        .unwrap()
        .state
    else {
        panic!()
    };
    assert_eq!(
        camera.exposure_state,
        ExposureState::Other("flushing".into())
    );
    let text = r#"{"kind":"event_telescope_log","subscription_id":"l","seq":3,
        "entry":{"entry_uid":"e","telescope_uid":"t","at":"2026-11-24T21:04:05.120Z","log_entry_type":"message","level":"critical","message":"m"}}"#;
    let message: StreamServerMessage = roundtrip(text);
    let StreamServerMessage::TelescopeLog(event) = message else {
        panic!()
    };
    let LogEntryBody::Message(body) = event.entry().unwrap().body else {
        panic!()
    };
    assert_eq!(body.level, LogLevel::Other("critical".into()));
}

// ---- camelCase ----

#[test]
fn camel_case_fields_are_accepted_and_written_in_snake_case() {
    let message = CommandsClientMessage::from_json(&format!(
        r#"{{"kind":"publish_command","telescopeUid":"tel-lapalma","commandId":"{CMD}",
            "command":{{"commandType":"camera.exposure.start","durationS":30.0,"binning":2,"filterId":"R"}},
            "origin":{{"client":"SkyDeck/0.1.0","sessionId":"s","userAgent":"UA"}}}}"#
    ))
    .unwrap();
    let CommandsClientMessage::PublishCommand(publish) = &message else {
        panic!()
    };
    assert_eq!(publish.telescope_uid.as_str(), "tel-lapalma");
    assert_eq!(publish.command_id, cid(CMD));
    assert_eq!(
        publish.command,
        Command::CameraExposureStart(CameraExposureStart {
            duration_s: 30.0,
            binning: 2,
            filter_id: Some("R".into())
        })
    );
    assert_eq!(
        serde_json::from_str::<Value>(&message.to_json()).unwrap(),
        json!({"kind":"publish_command","telescope_uid":"tel-lapalma","command_id":CMD,
               "command":{"command_type":"camera.exposure.start","duration_s":30.0,"binning":2,"filter_id":"R"},
               "origin":{"client":"SkyDeck/0.1.0","session_id":"s","user_agent":"UA"}})
    );

    let message = StreamClientMessage::from_json(
        r#"{"kind":"subscribe_stream","subscriptionId":"s","stream":"device_snapshot",
            "filter":{"telescopeUid":"tel-lapalma","deviceType":"mount","deviceUid":"tel-lapalma-mount","observatoryUid":"obs-roque"},
            "options":{"includeExisting":false}}"#,
    )
    .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&message.to_json()).unwrap(),
        json!({"kind":"subscribe_stream","subscription_id":"s","stream":"device_snapshot",
               "filter":{"telescope_uid":"tel-lapalma","device_type":"mount","device_uid":"tel-lapalma-mount","observatory_uid":"obs-roque"},
               "options":{"include_existing":false}})
    );
    let StreamClientMessage::Subscribe(subscribe) = message else {
        panic!()
    };
    assert!(!subscribe.include_existing());

    let message = CommandsClientMessage::from_json(&format!(
        r#"{{"kind":"cancel_command","commandId":"{CMD}"}}"#
    ))
    .unwrap();
    assert_eq!(
        message,
        CommandsClientMessage::CancelCommand(CancelCommand {
            command_id: cid(CMD)
        })
    );

    // Deep inside snapshots and results, too.
    let message = StreamServerMessage::from_json(
        r#"{"kind":"event_device_snapshot","subscriptionId":"s","seq":1,
            "snapshot":{"deviceUid":"w","deviceType":"filter_wheel","telescopeUid":"t","observedAt":"2026-11-24T21:04:05.120Z",
                        "state":{"filterWheelPositionId":1,"moving":false,
                                 "slots":[{"filterWheelPositionId":1,"filterId":"R","name":"Red"}]}}}"#,
    )
    .unwrap();
    let StreamServerMessage::DeviceSnapshot(event) = &message else {
        panic!()
    };
    let DeviceState::FilterWheel(wheel) = &decode_snapshot::<DeviceSnapshot>(&event.snapshot)
        .unwrap()
        .state
    else {
        panic!()
    };
    assert_eq!(wheel.current().map(|s| s.filter_id.as_str()), Some("R"));
    // The delivery keeps the snapshot as received; the typed reading writes
    // snake_case.
    assert!(message.to_json().contains("filterWheelPositionId"));
    let typed = serde_json::to_string(&decode_snapshot::<DeviceSnapshot>(&event.snapshot).unwrap())
        .unwrap();
    assert!(typed.contains(r#""filter_wheel_position_id":1"#));
    assert!(!typed.contains("filterWheelPositionId"));
}

#[test]
fn snake_case_wins_over_its_camel_case_twin() {
    for text in [
        format!(r#"{{"kind":"cancel_command","command_id":"{CMD}","commandId":"not-a-uuid"}}"#),
        format!(r#"{{"kind":"cancel_command","commandId":"not-a-uuid","command_id":"{CMD}"}}"#),
    ] {
        assert_eq!(
            CommandsClientMessage::from_json(&text).unwrap(),
            CommandsClientMessage::CancelCommand(CancelCommand {
                command_id: cid(CMD)
            })
        );
    }
}

#[test]
fn snapshot_deliveries_read_from_text_as_from_their_value() {
    // Snapshot deliveries are read straight from the text; these are the
    // frames that way refuses, which must still answer as the value does.
    let snapshot = r#"{"device_uid":"d","observed_at":"t","state":{}}"#;
    let frames = [
        // The kind last, a camelCase field.
        format!(
            r#"{{"subscriptionId":"devices","seq":4,"snapshot":{snapshot},"kind":"event_device_snapshot"}}"#
        ),
        // A field with its camelCase twin: the snake_case one wins.
        format!(
            r#"{{"kind":"event_device_snapshot","subscriptionId":"b","subscription_id":"devices","seq":4,"snapshot":{snapshot}}}"#
        ),
        // The kind twice: as JSON is read, the last one counts.
        format!(
            r#"{{"kind":"event_device_snapshot","subscription_id":"devices","seq":4,"snapshot":{snapshot},"kind":"event_telescope_snapshot"}}"#
        ),
        // An escaped kind.
        format!(
            r#"{{"kind":"event_device\u005fsnapshot","subscription_id":"devices","seq":4,"snapshot":{snapshot}}}"#
        ),
        // Malformed: the field is named.
        format!(
            r#"{{"kind":"event_device_snapshot","subscription_id":"devices","seq":-4,"snapshot":{snapshot}}}"#
        ),
        // Not an object: serde would read the items as the fields in order
        // (the fuzz test found it).
        r#" ["event_constraint_snapshot","devices",0,null]"#.to_owned(),
    ];
    let mut answers = Vec::new();
    for text in &frames {
        let from_text = StreamServerMessage::from_json(text);
        let from_value = StreamServerMessage::from_value(serde_json::from_str(text).unwrap());
        assert_eq!(from_text, from_value, "{text}");
        answers.push(from_text.map(|m| (m.tag().to_owned(), m.seq())));
    }
    let device = Ok(("event_device_snapshot".to_owned(), Some(4)));
    assert_eq!(answers[0], device);
    assert_eq!(answers[1], device);
    assert_eq!(
        answers[2],
        Ok(("event_telescope_snapshot".to_owned(), Some(4)))
    );
    assert_eq!(answers[3], device);
    assert!(
        matches!(&answers[4], Err(e) if e.field() == Some("seq")),
        "{:?}",
        answers[4]
    );
    assert!(
        matches!(&answers[5], Err(e) if e.to_string().contains("must be a JSON object")),
        "{:?}",
        answers[5]
    );
    let StreamServerMessage::DeviceSnapshot(event) =
        StreamServerMessage::from_json(&frames[1]).unwrap()
    else {
        panic!()
    };
    assert_eq!(event.subscription_id.as_str(), "devices");
}

// ---- errors name the field ----

fn field_of(dir: Dir, text: &str) -> String {
    invalid_field(decode(dir, text)).unwrap_or_else(|| panic!("no field named for {text}"))
}

#[test]
fn malformed_commands_name_the_field() {
    let publish = |command: &str| {
        format!(
            r#"{{"kind":"publish_command","telescope_uid":"tel-lapalma","command_id":"{CMD}","command":{command}}}"#
        )
    };
    let cases = [
        (
            r#"{"command_type":"camera.exposure.start","duration_s":30.0,"binning":"2x2"}"#,
            "command.binning",
        ),
        (
            r#"{"command_type":"camera.exposure.start","duration_s":30.0,"binning":-1}"#,
            "command.binning",
        ),
        (
            r#"{"command_type":"camera.exposure.start","duration_s":30.0,"binning":1.5}"#,
            "command.binning",
        ),
        (
            r#"{"command_type":"camera.exposure.start","duration_s":30.0}"#,
            "command.binning",
        ),
        (
            r#"{"command_type":"camera.exposure.start","duration_s":"30s","binning":1}"#,
            "command.duration_s",
        ),
        (
            r#"{"command_type":"mount.point","target":{"position_type":"fixed","frame":"equatorial","ra":"13h29m","dec":47.2}}"#,
            "command.target.ra",
        ),
        (
            r#"{"command_type":"mount.point","target":{"position_type":"fixed","ra":202.0,"dec":47.2}}"#,
            "command.target.frame",
        ),
        (
            r#"{"command_type":"mount.point","target":{"frame":"equatorial","ra":202.0,"dec":47.2}}"#,
            "command.target.position_type",
        ),
        (
            r#"{"command_type":"mount.point","target":{"position_type":7}}"#,
            "command.target.position_type",
        ),
        (r#"{"command_type":"mount.point"}"#, "command.target"),
        (
            r#"{"command_type":"mount.point","target":"M51"}"#,
            "command.target",
        ),
        (
            r#"{"command_type":"mount.point","target":{"position_type":"catalog"}}"#,
            "command.target.name",
        ),
        (
            r#"{"command_type":"mount.track","target":{"position_type":"catalog","name":"M42"},"offset_pattern":{"pattern_type":"raster","step_arcsec":30.0,"rows":"three","columns":4,"dwell_s":10.0}}"#,
            "command.offset_pattern.rows",
        ),
        (
            r#"{"command_type":"mount.track","target":{"position_type":"catalog","name":"M42"},"offset_pattern":{"pattern_type":"daisy","radius_arcsec":120.0,"petals":6}}"#,
            "command.offset_pattern.period_s",
        ),
        (
            r#"{"command_type":"mount.offset_relative","delta_arcsec":5.0,"axis":3}"#,
            "command.axis",
        ),
        (
            r#"{"command_type":"filter_wheel.set_option","filter_wheel_position_id":"Ha"}"#,
            "command.filter_wheel_position_id",
        ),
        (
            r#"{"command_type":"manual_control_lease.renew","duration_s":60.0}"#,
            "command.lease_id",
        ),
        (
            r#"{"command_type":"focus.move_relative","delta_um":null}"#,
            "command.delta_um",
        ),
        (r#"{"duration_s":30.0}"#, "command.command_type"),
        (r#"{"command_type":null}"#, "command.command_type"),
        (r#""mount.point""#, "command"),
    ];
    for (command, field) in cases {
        assert_eq!(
            field_of(Dir::CommandsClient, &publish(command)),
            field,
            "{command}"
        );
    }
}

#[test]
fn malformed_envelopes_name_the_field() {
    let cases = [
        (
            Dir::CommandsClient,
            r#"{"kind":"cancel_command","command_id":"not-a-uuid"}"#,
            "command_id",
        ),
        (
            Dir::CommandsClient,
            r#"{"kind":"cancel_command","command_id":42}"#,
            "command_id",
        ),
        (
            Dir::CommandsClient,
            r#"{"kind":"cancel_command"}"#,
            "command_id",
        ),
        (
            Dir::CommandsClient,
            r#"{"kind":"publish_command","command_id":"6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60","command":{"command_type":"mount.point","target":{"position_type":"catalog","name":"M1"}}}"#,
            "telescope_uid",
        ),
        (
            Dir::CommandsClient,
            r#"{"kind":"publish_command","telescope_uid":"t","command_id":"6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60","command":{"command_type":"mount.point","target":{"position_type":"catalog","name":"M1"}},"origin":{"session_id":"s"}}"#,
            "origin.client",
        ),
        (
            Dir::CommandsClient,
            r#"{"kind":"subscribe_commands","filter":{"telescope_uid":"t"}}"#,
            "subscription_id",
        ),
        (
            Dir::CommandsClient,
            r#"{"kind":"subscribe_commands","subscription_id":"s","streams":"command"}"#,
            "streams",
        ),
        (
            Dir::StreamClient,
            r#"{"kind":"subscribe_stream","subscription_id":"s"}"#,
            "stream",
        ),
        (
            Dir::StreamClient,
            r#"{"kind":"subscribe_stream","subscription_id":"s","stream":"device_snapshot","options":{"include_existing":"yes"}}"#,
            "options",
        ),
        (Dir::StreamClient, r#"{"kind":5}"#, "kind"),
        (Dir::StreamClient, r#"{"subscription_id":"s"}"#, "kind"),
        (
            Dir::CommandsServer,
            r#"{"kind":"error","message":"m"}"#,
            "code",
        ),
        (
            Dir::CommandsServer,
            r#"{"kind":"event_command_result","subscription_id":"s","result":{"command_id":"6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60"}}"#,
            "result.status",
        ),
        // A value of the wrong type inside a nested record (not a command,
        // target, pattern or device state) is blamed on the record's field.
        (
            Dir::CommandsServer,
            r#"{"kind":"event_command_result","subscription_id":"s","result":{"command_id":"x","status":"ok"}}"#,
            "result",
        ),
        // A missing field inside one is named in full.
        (
            Dir::CommandsServer,
            r#"{"kind":"event_command_result","subscription_id":"s","result":{"status":"ok"}}"#,
            "result.command_id",
        ),
        (
            Dir::CommandsServer,
            r#"{"kind":"event_command","subscription_id":"s","command_id":"6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60","telescope_uid":"t","command":{"command_type":"camera.exposure.start","duration_s":1.0,"binning":9999999999},"published_at":"2026-11-24T21:04:05.012Z"}"#,
            "command.binning",
        ),
        (
            Dir::StreamServer,
            r#"{"kind":"event_device_snapshot","subscription_id":"s","snapshot":{"device_uid":"f","device_type":"focuser","telescope_uid":"t","observed_at":"2026-11-24T21:04:05.120Z","state":{"position_um":1.0,"moving":false,"temperature_c":5.0}}}"#,
            "seq",
        ),
    ];
    for (dir, text, field) in cases {
        assert_eq!(field_of(dir, text), field, "{text}");
    }
}

/// The field `decode_snapshot` blames for a snapshot value.
fn snapshot_field<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap();
    let error = decode_snapshot::<T>(&value).unwrap_err();
    error
        .field()
        .unwrap_or_else(|| panic!("no field named for {text}: {error}"))
        .to_owned()
}

#[test]
fn malformed_snapshots_name_the_field() {
    // A delivery carries its snapshot as received (it may be a delta); the
    // typed reading of the merged snapshot names the field.
    let mount = |state: &str| {
        format!(
            r#"{{"device_uid":"m","device_type":"mount","telescope_uid":"t","observed_at":"2026-11-24T21:04:05.120Z","state":{state}}}"#
        )
    };
    let device = |text: &str| snapshot_field::<DeviceSnapshot>(text);
    let full = r#"{"ra_deg":1.0,"dec_deg":2.0,"alt_deg":3.0,"az_deg":4.0,"slewing":false,"tracking":"yes","parked":false}"#;
    assert_eq!(device(&mount(full)), "state.tracking");
    let missing =
        r#"{"ra_deg":1.0,"dec_deg":2.0,"alt_deg":3.0,"az_deg":4.0,"slewing":false,"parked":false}"#;
    assert_eq!(device(&mount(missing)), "state.tracking");
    let target = r#"{"ra_deg":1.0,"dec_deg":2.0,"alt_deg":3.0,"az_deg":4.0,"slewing":false,"tracking":true,"parked":false,"target":{"position_type":"fixed","frame":"equatorial","ra":"x"}}"#;
    assert_eq!(device(&mount(target)), "state.target.ra");
    assert_eq!(device(&mount("[]")), "state");
    let text = r#"{"device_uid":"m","device_type":"focuser","telescope_uid":"t","observed_at":"2026-11-24T21:04:05.120Z"}"#;
    assert_eq!(device(text), "state");
    let text = r#"{"device_uid":"m","device_type":"focuser","telescope_uid":"t","observed_at":"2026-11-24T21:04:05.120Z","state":{"position_um":1.0,"moving":false}}"#;
    assert_eq!(device(text), "state.temperature_c");
    // The frame itself is still checked: `seq` and the other records.
    let text = r#"{"kind":"event_device_snapshot","subscription_id":"s","seq":-1,"snapshot":{"device_uid":"f"}}"#;
    assert_eq!(field_of(Dir::StreamServer, text), "seq");
    // A lease, too, is read when it is used.
    let text = r#"{"kind":"event_manual_control_lease","subscription_id":"s","seq":1,"lease":{"lease_id":"l","telescope_uid":"t","holder":"h","state":"active"}}"#;
    let StreamServerMessage::ManualControlLease(event) =
        StreamServerMessage::from_json(text).unwrap()
    else {
        panic!("a lease event")
    };
    assert_eq!(event.lease().unwrap_err().field(), Some("lease.expires_at"));
    let text =
        r#"{"kind":"event_manual_control_lease","subscription_id":"s","seq":"1","lease":{}}"#;
    assert_eq!(field_of(Dir::StreamServer, text), "seq");
    // A log entry is read when it is used: the frame is accepted, and the
    // entry's reading names the field.
    let text = r#"{"kind":"event_telescope_log","subscription_id":"s","seq":1,"entry":{"entry_uid":"e","telescope_uid":"t","at":"2026-11-24T21:04:05.120Z","log_entry_type":"message","level":"info"}}"#;
    let StreamServerMessage::TelescopeLog(event) = StreamServerMessage::from_json(text).unwrap()
    else {
        panic!("a log event")
    };
    assert_eq!(event.seq, 1);
    assert_eq!(event.entry().unwrap_err().field(), Some("entry.message"));
    let text = r#"{"kind":"event_telescope_log","subscription_id":"s","seq":1,"entry":[]}"#;
    let StreamServerMessage::TelescopeLog(event) = StreamServerMessage::from_json(text).unwrap()
    else {
        panic!("a log event")
    };
    assert_eq!(event.entry().unwrap_err().field(), Some("entry"));
    let text = r#"{"kind":"event_telescope_log","subscription_id":"s","seq":"one","entry":{}}"#;
    assert_eq!(field_of(Dir::StreamServer, text), "seq");
    let text = r#"{"instrument_uid":"c","instrument_type":"optical_imager","telescope_uid":"t","observed_at":"2026-11-24T21:04:05.120Z","state":{"busy":true,"autofocus":{"command_id":"nope","filter_id":"L","strategy":"v_curve","running":true,"samples":[]}}}"#;
    let field = snapshot_field::<InstrumentSnapshot>(text);
    assert!(field.starts_with("state"), "{field}");
}

#[test]
fn snapshots_are_kept_as_received() {
    let text = r#"{"kind":"event_device_snapshot","subscription_id":"s","seq":7,
        "snapshot":{"deviceUid":"f","observed_at":"2026-11-24T21:04:05.120Z","state":{"positionUm":2.0,"vendorFlags":{"aB":1}}}}"#;
    let StreamServerMessage::DeviceSnapshot(event) = StreamServerMessage::from_json(text).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        event.snapshot,
        json!({"deviceUid":"f","observed_at":"2026-11-24T21:04:05.120Z","state":{"positionUm":2.0,"vendorFlags":{"aB":1}}})
    );
    assert_eq!(event.seq, 7);
}

#[test]
fn text_that_is_not_json_is_not_json() {
    for text in [
        "",
        "hello",
        "{",
        r#"{"kind":"ping""#,
        "{'kind':'ping'}",
        r#"{"kind":"ping"} trailing"#,
        "\u{0}",
    ] {
        for dir in Dir::ALL {
            match decode(dir, text) {
                Err(ProtocolError::NotJson(_)) => {}
                other => panic!("{dir:?} {text:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn json_that_is_not_an_object_is_invalid() {
    for text in [
        "null",
        "true",
        "42",
        r#""ping""#,
        "[]",
        r#"[{"kind":"ping"}]"#,
    ] {
        for dir in Dir::ALL {
            match decode(dir, text) {
                Err(ProtocolError::Invalid { .. }) => {}
                other => panic!("{dir:?} {text:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn errors_display_the_field() {
    let error = CommandsClientMessage::from_json(r#"{"kind":"cancel_command","command_id":"x"}"#)
        .unwrap_err();
    assert!(error.to_string().starts_with("`command_id` "), "{error}");
}

#[test]
fn correlation_id_of_frames() {
    assert_eq!(
        correlation_id(&json!({"kind":"cancel_command","command_id":"c"})),
        Some("c".into())
    );
    assert_eq!(
        correlation_id(&json!({"kind":"subscribe_stream","subscriptionId":"s","stream":7})),
        Some("s".into())
    );
    assert_eq!(
        correlation_id(&json!({"kind":"ping","id":"p"})),
        Some("p".into())
    );
    assert_eq!(correlation_id(&json!({"kind":"ping"})), None);
}

#[test]
fn untyped_content_keeps_its_keys() {
    // An unknown command inside a known message.
    let text = format!(
        r#"{{"kind":"publish_command","telescope_uid":"t","command_id":"{CMD}","command":{{"commandType":"spectrograph.configure","slitWidthUm":50,"nested":{{"gratingId":"g"}}}}}}"#
    );
    let CommandsClientMessage::PublishCommand(publish) =
        CommandsClientMessage::from_json(&text).unwrap()
    else {
        panic!()
    };
    let Command::Unknown(unknown) = &publish.command else {
        panic!("an unknown command")
    };
    assert_eq!(unknown.tag, "spectrograph.configure");
    assert_eq!(
        unknown.raw,
        json!({"commandType":"spectrograph.configure","slitWidthUm":50,"nested":{"gratingId":"g"}})
    );
    // Error details and result data.
    let text = format!(
        r#"{{"kind":"event_command_result","subscription_id":"s","result":{{"command_id":"{CMD}","status":"error","data":{{"positionUm":1.0}},"error":{{"code":"lease_held","message":"m","details":{{"expiresAt":"x","holderName":"h"}}}}}}}}"#
    );
    let CommandsServerMessage::CommandResult(event) =
        CommandsServerMessage::from_json(&text).unwrap()
    else {
        panic!()
    };
    assert_eq!(event.result.data, Some(json!({"positionUm": 1.0})));
    assert_eq!(
        event.result.error.as_ref().and_then(|e| e.details.clone()),
        Some(json!({"expiresAt": "x", "holderName": "h"}))
    );
    // data_as reads the data through the aliases.
    let data: FocuserResultData = event.result.data_as().unwrap().unwrap();
    assert_eq!(data.position_um, 1.0);
    // An untyped device state.
    let snapshot = json!({"device_uid":"s","device_type":"spectrograph","telescope_uid":"t",
        "observed_at":"2026-11-24T21:04:05.120Z","state":{"slitUm":50.0}});
    let typed: DeviceSnapshot = decode_snapshot(&snapshot).unwrap();
    assert_eq!(typed.state, DeviceState::Other(json!({"slitUm": 50.0})));
}

#[test]
fn clients_may_send_ack_on_both_endpoints() {
    let text = r#"{"kind":"ack","id":"x"}"#;
    assert!(matches!(
        CommandsClientMessage::from_json(text).unwrap(),
        CommandsClientMessage::Ack(Ack { id: Some(_) })
    ));
    assert!(matches!(
        StreamClientMessage::from_json(text).unwrap(),
        StreamClientMessage::Ack(Ack { id: Some(_) })
    ));
}

#[test]
fn a_commands_frame_read_first_answers_at_once_and_decodes_later() {
    let read = |text: &str| CommandsFrame::from_json(text).unwrap();
    assert_eq!(
        read(r#"{"kind":"ping","id":"p1"}"#).ping(),
        Some(Some("p1".into()))
    );
    assert_eq!(read(r#"{"kind":"ping"}"#).ping(), Some(None));
    assert_eq!(
        read(r#"{"kind":"pong","id":"p2"}"#).pong(),
        Some("p2".into())
    );
    assert_eq!(read(r#"{"kind":"pong","id":"p2"}"#).ping(), None);
    let refused = read(r#"{"kind":"error","code":"unauthorized","message":"token expired"}"#);
    assert!(refused.is_unauthorized());
    assert!(!read(r#"{"kind":"error","code":"forbidden","message":"no"}"#).is_unauthorized());
    // A malformed ping is not answered at once; decoding it names the field.
    let bad = read(r#"{"kind":"ping","id":5}"#);
    assert_eq!(bad.ping(), None);
    assert_eq!(bad.decode().unwrap_err().field(), Some("id"));
    // What is not an object with a kind is refused when read, as it is
    // when decoded at once.
    for text in ["[1]", r#"{"id":"x"}"#, "not json"] {
        assert_eq!(
            CommandsFrame::from_json(text).map(|_| ()),
            CommandsServerMessage::from_json(text).map(|_| ()),
            "{text}"
        );
    }
    let result = format!(
        r#"{{"kind":"event_command_result","subscription_id":"commands","seq":1,"result":{{"command_id":"{CMD}","status":"succeeded"}}}}"#
    );
    assert_eq!(
        read(&result).decode(),
        CommandsServerMessage::from_json(&result)
    );
}
