//! The JSON examples of the published command reference
//! (`seed/commands-reference.txt`) and of the decisions file, kept as their
//! text is written (the reference's line breaks included) with only the
//! placeholders replaced by realistic values. They live in
//! `tests/fixtures/reference/`; each test names what was replaced.

mod common;

use common::{check, cid, fixture, fixture_value, roundtrip};
use serde_json::json;
use skynet_protocol::{
    CancelCommand, Command, CommandStatus, CommandsClientMessage, CommandsServerMessage, ErrorCode,
    FixedPosition, Frame, MountResultData, Origin, StreamClientMessage, StreamName, TargetPosition,
};

const COMMAND_ID: &str = "6f1c1f52-8f0e-4f7c-9a3e-1b2c3d4e5f60";

/// Replaced: `"<client-chosen id>"` by `"cmd-results-lapalma"`,
/// `"<telescope uid>"` by `"tel-lapalma"`.
#[test]
fn subscribe_commands() {
    let message: CommandsClientMessage = roundtrip(&fixture("reference/subscribe_commands"));
    let CommandsClientMessage::SubscribeCommands(subscribe) = message else {
        panic!("not subscribe_commands: {message:?}");
    };
    assert_eq!(subscribe.subscription_id.as_str(), "cmd-results-lapalma");
    assert_eq!(
        subscribe.filter.telescope_uid.as_ref().map(|t| t.as_str()),
        Some("tel-lapalma")
    );
    assert_eq!(subscribe.streams, None);
}

/// Replaced: `"<telescope uid>"` by `"tel-lapalma"`, `"<client-chosen uuid>"`
/// by a UUID, `{ /* TargetPosition */ }` by the published TargetPosition
/// example, `{ /* Origin record */ }` by an Origin record of ours.
#[test]
fn publish_command_mount_point() {
    let message: CommandsClientMessage = roundtrip(&fixture("reference/publish_command"));
    let CommandsClientMessage::PublishCommand(publish) = message else {
        panic!("not publish_command: {message:?}");
    };
    assert_eq!(publish.telescope_uid.as_str(), "tel-lapalma");
    assert_eq!(publish.command_id, cid(COMMAND_ID));
    assert_eq!(
        publish.command,
        Command::MountPoint(skynet_protocol::MountPoint {
            target: TargetPosition::equatorial(202.4696, 47.1952),
        })
    );
    assert_eq!(publish.command.tag(), "mount.point");
    assert_eq!(
        publish.origin,
        Some(Origin {
            client: "SkyDeck/0.1.0".into(),
            session_id: "3d7c9a10-52e4-4b8f-a1d6-7e0c2b9f4a83".into(),
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0".into()),
        })
    );
    assert_eq!(publish.validate(&Default::default()), Ok(()));
}

/// The published TargetPosition example, verbatim (no placeholder).
#[test]
fn target_position() {
    let target = TargetPosition::Fixed(FixedPosition {
        frame: Frame::Equatorial,
        ra: Some(202.4696),
        dec: Some(47.1952),
        l: None,
        b: None,
    });
    check(&target, fixture_value("reference/target_position"));
    assert_eq!(target, TargetPosition::equatorial(202.4696, 47.1952));
    assert_eq!(
        fixture_value("reference/target_position"),
        json!({"position_type":"fixed","frame":"equatorial","ra":202.4696,"dec":47.1952})
    );
}

/// Replaced: `"<your-subscription-id>"` by `"cmd-results-lapalma"`, `"<the
/// published command's id>"` by a UUID, `"ok | error | canceled"` by
/// `"error"` (the reference's text carries both `data` and `error`, and
/// `error` is present when status=error), `{ /* per-command-type result data
/// */ }` by mount result data, `{ /* present when status=error */ }` by an
/// error body.
#[test]
fn event_command_result() {
    let message: CommandsServerMessage = roundtrip(&fixture("reference/event_command_result"));
    let CommandsServerMessage::CommandResult(event) = message else {
        panic!("not event_command_result: {message:?}");
    };
    assert_eq!(event.subscription_id.as_str(), "cmd-results-lapalma");
    let result = event.result;
    assert_eq!(result.command_id, cid(COMMAND_ID));
    assert_eq!(result.status, CommandStatus::Error);
    let error = result.error.as_ref().expect("an error body");
    assert_eq!(error.code, ErrorCode::BelowHorizon);
    assert!(error.message.contains("10°"));
    let data: MountResultData = result.data_as().expect("data").expect("mount data");
    assert_eq!(
        data,
        MountResultData {
            ra_deg: 202.4696,
            dec_deg: 47.1952,
            alt_deg: 4.1,
            az_deg: 351.2,
            target: None,
        }
    );
}

/// The same example with each of the three published status values.
#[test]
fn event_command_result_each_status() {
    let text = fixture("reference/event_command_result");
    for (status, expected) in [
        ("ok", CommandStatus::Ok),
        ("error", CommandStatus::Error),
        ("canceled", CommandStatus::Canceled),
    ] {
        let text = text.replace(r#""status": "error""#, &format!(r#""status": "{status}""#));
        let message: CommandsServerMessage = roundtrip(&text);
        let CommandsServerMessage::CommandResult(event) = message else {
            panic!("not event_command_result");
        };
        assert_eq!(event.result.status, expected);
        assert!(event.result.status.is_known());
    }
}

/// Replaced: `"<the original command id>"` by a UUID.
#[test]
fn cancel_command() {
    let message: CommandsClientMessage = roundtrip(&fixture("reference/cancel_command"));
    assert_eq!(
        message,
        CommandsClientMessage::CancelCommand(CancelCommand {
            command_id: cid(COMMAND_ID)
        })
    );
}

/// The published subscribe_stream example of the decisions file; replaced:
/// the `"..."` of `subscription_id` by `"mount-lapalma"` and of
/// `telescope_uid` by `"tel-lapalma"`.
#[test]
fn subscribe_stream() {
    let message: StreamClientMessage = roundtrip(&fixture("reference/subscribe_stream"));
    let StreamClientMessage::Subscribe(subscribe) = message else {
        panic!("not subscribe_stream: {message:?}");
    };
    assert_eq!(subscribe.subscription_id.as_str(), "mount-lapalma");
    assert_eq!(subscribe.stream, StreamName::DeviceSnapshot);
    assert_eq!(
        subscribe.filter.telescope_uid.as_ref().map(|t| t.as_str()),
        Some("tel-lapalma")
    );
    assert_eq!(subscribe.filter.observatory_uid, None);
    assert_eq!(subscribe.filter.device_type, None);
    assert_eq!(subscribe.filter.device_uid, None);
    assert_eq!(
        subscribe.options.as_ref().and_then(|o| o.include_existing),
        Some(true)
    );
    assert!(subscribe.include_existing());
}

/// The decisions file's [ours] one-line examples: the catalog target, the
/// event_command and unsubscribe_stream shapes.
#[test]
fn decisions_examples() {
    check(
        &TargetPosition::catalog("M51"),
        json!({"position_type":"catalog","name":"M51"}),
    );
    let message: StreamClientMessage =
        roundtrip(r#"{"kind":"unsubscribe_stream","subscription_id":"mount-lapalma"}"#);
    assert_eq!(message.tag(), "unsubscribe_stream");
    let message: CommandsServerMessage = roundtrip(&format!(
        r#"{{"kind":"event_command","subscription_id":"all-lapalma","command_id":"{COMMAND_ID}","telescope_uid":"tel-lapalma","command":{{"command_type":"mount.point","target":{{"position_type":"catalog","name":"M51"}}}},"origin":{{"client":"SkyDeck/0.1.0","session_id":"3d7c9a10-52e4-4b8f-a1d6-7e0c2b9f4a83","user_agent":"Mozilla/5.0"}},"published_at":"2026-11-24T21:04:05.012Z"}}"#
    ));
    let CommandsServerMessage::Command(event) = message else {
        panic!("not event_command");
    };
    assert_eq!(
        event.command,
        Command::MountPoint(skynet_protocol::MountPoint {
            target: TargetPosition::catalog("M51"),
        })
    );
    assert_eq!(event.account, None);
}
