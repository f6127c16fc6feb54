//! `docs/protocol.md` cannot drift from the code: every ```json block in it
//! decodes. A block is a whole message that one of the four message enums
//! decodes to a known kind, unless the line just before it is a marker:
//!
//! - `<!-- unknown -->`: a kind no enum knows; it must decode to `Unknown`.
//! - `<!-- fragment: NAME -->`: a part of a message, decoded as the type NAME
//!   stands for (see `check_fragment`).
//!
//! Every kind, command type, result data type and device state is shown.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{decode, Dir};
use serde::de::DeserializeOwned;
use skynet_protocol::validate::ValidationContext;
use skynet_protocol::*;

struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    marker: Option<String>,
    text: String,
}

/// Every ```json block with the marker on the line before it, if any.
fn json_blocks(markdown: &str) -> Vec<Block> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "```json" {
            let marker = i
                .checked_sub(1)
                .map(|j| lines[j].trim())
                .and_then(|previous| previous.strip_prefix("<!--"))
                .and_then(|rest| rest.strip_suffix("-->"))
                .map(|inner| inner.trim().to_owned());
            let start = i;
            let mut text = String::new();
            i += 1;
            while i < lines.len() && lines[i].trim() != "```" {
                text.push_str(lines[i]);
                text.push('\n');
                i += 1;
            }
            assert!(i < lines.len(), "block at line {} is not closed", start + 1);
            blocks.push(Block {
                line: start + 1,
                marker,
                text,
            });
        }
        i += 1;
    }
    blocks
}

fn simulator_context() -> ValidationContext {
    let slots = ["L", "R", "G", "B", "Ha", "OIII", "SII"]
        .iter()
        .enumerate()
        .map(|(i, f)| FilterSlot {
            filter_wheel_position_id: i as u32,
            filter_id: (*f).to_owned(),
            name: (*f).to_owned(),
        })
        .collect();
    ValidationContext {
        filters: Some(slots),
        focuser_range_um: Some((0.0, 50_000.0)),
    }
}

fn strict<T: DeserializeOwned>(block: &Block) -> T {
    serde_json::from_str(&block.text)
        .unwrap_or_else(|e| panic!("line {}: {e}\n{}", block.line, block.text))
}

/// Decodes a snapshot as `T` and checks that nothing was left out: encoded
/// again, it is the same JSON (so every field of the example is one `T` has).
fn strict_value<T: DeserializeOwned + serde::Serialize>(
    value: &serde_json::Value,
    line: usize,
) -> T {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("line {line}: {e}\n{value}"));
    let again = serde_json::to_value(&typed).expect("encodes");
    assert_eq!(&again, value, "line {line}: a field the type does not have");
    typed
}

/// Decodes a fragment as the type its marker names; returns what it covers.
fn check_fragment(name: &str, block: &Block) -> String {
    let line = block.line;
    match name {
        "command" => {
            let command: Command = strict(block);
            assert!(
                !matches!(command, Command::Unknown(_)),
                "line {line}: unknown command type"
            );
            assert_eq!(
                command.validate(&simulator_context()),
                Ok(()),
                "line {line}"
            );
            format!("command {}", command.tag())
        }
        "target" => {
            let target: TargetPosition = strict(block);
            assert!(!matches!(target, TargetPosition::Unknown(_)), "line {line}");
            format!("target {}", target.tag())
        }
        "offset_pattern" => {
            let pattern: OffsetPattern = strict(block);
            assert!(!matches!(pattern, OffsetPattern::Unknown(_)), "line {line}");
            format!("offset_pattern {}", pattern.tag())
        }
        "result" => {
            let result: CommandResult = strict(block);
            assert!(result.status.is_known(), "line {line}");
            if let Some(error) = &result.error {
                assert!(error.code.is_known(), "line {line}");
            }
            format!("result {}", result.status)
        }
        "data:mount" => {
            strict::<MountResultData>(block);
            name.to_owned()
        }
        "data:exposure" => {
            strict::<ExposureData>(block);
            name.to_owned()
        }
        "data:autofocus" => {
            strict::<AutofocusData>(block);
            name.to_owned()
        }
        "data:lease" => {
            strict::<LeaseData>(block);
            name.to_owned()
        }
        "data:focuser" => {
            strict::<FocuserResultData>(block);
            name.to_owned()
        }
        "data:rotator" => {
            strict::<RotatorResultData>(block);
            name.to_owned()
        }
        "data:filter_wheel" => {
            strict::<FilterWheelResultData>(block);
            name.to_owned()
        }
        "state:mount" => {
            strict::<MountState>(block);
            name.to_owned()
        }
        "state:focuser" => {
            strict::<FocuserState>(block);
            name.to_owned()
        }
        "state:camera" => {
            let state: CameraState = strict(block);
            assert!(state.exposure_state.is_known(), "line {line}");
            name.to_owned()
        }
        "state:filter_wheel" => {
            strict::<FilterWheelState>(block);
            name.to_owned()
        }
        "state:instrument_rotator" => {
            strict::<RotatorState>(block);
            name.to_owned()
        }
        "state:ota" => {
            let optics: OtaState = strict(block);
            assert!(
                (optics.focal_ratio - optics.focal_length_mm / optics.aperture_mm).abs() < 1e-9,
                "line {line}: the focal ratio is focal length over aperture"
            );
            name.to_owned()
        }
        "state:enclosure" => {
            let state: EnclosureState = strict(block);
            assert!(state.shutter.is_known(), "line {line}");
            name.to_owned()
        }
        "log:command" => {
            let entry: TelescopeLogEntry = strict(block);
            assert!(
                matches!(entry.body, LogEntryBody::Command(_)),
                "line {line}: a command entry"
            );
            name.to_owned()
        }
        "delta" => {
            // A snapshot delivery carrying a delta: a known kind whose
            // snapshot names its resource but is not whole.
            let message = StreamServerMessage::from_json(&block.text)
                .unwrap_or_else(|e| panic!("line {line}: {e}"));
            let StreamServerMessage::DeviceSnapshot(event) = message else {
                panic!("line {line}: not a device snapshot delivery")
            };
            assert!(
                StreamName::DeviceSnapshot
                    .resource_key(&event.snapshot)
                    .is_some(),
                "line {line}: a delta names its resource"
            );
            assert!(
                decode_snapshot::<DeviceSnapshot>(&event.snapshot).is_err(),
                "line {line}: a delta is not whole"
            );
            "delta".to_owned()
        }
        "snapshot:device" => {
            let snapshot: DeviceSnapshot = strict(block);
            match snapshot.state {
                DeviceState::Other(_) => "state:other".to_owned(),
                _ => format!("state:{}", snapshot.device_type),
            }
        }
        other => panic!("line {line}: unknown fragment marker `{other}`"),
    }
}

#[test]
fn every_json_block_of_the_protocol_doc_decodes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
    let markdown =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let blocks = json_blocks(&markdown);
    assert!(blocks.len() > 40, "only {} blocks found", blocks.len());

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut covered: BTreeMap<String, usize> = BTreeMap::new();
    for block in &blocks {
        let line = block.line;
        match block.marker.as_deref() {
            None => {
                let decoded: Vec<_> = Dir::ALL
                    .iter()
                    .filter_map(|dir| decode(*dir, &block.text).ok())
                    .filter(|message| !message.is_unknown())
                    .collect();
                let message = decoded.first().unwrap_or_else(|| {
                    panic!(
                        "line {line}: no message enum decodes this to a known kind: {:?}\n{}",
                        Dir::ALL.map(|dir| decode(dir, &block.text).err()),
                        block.text
                    )
                });
                *kinds.entry(message.tag().to_owned()).or_default() += 1;
                if let Ok(CommandsClientMessage::PublishCommand(publish)) =
                    CommandsClientMessage::from_json(&block.text)
                {
                    assert_eq!(
                        publish.validate(&simulator_context()),
                        Ok(()),
                        "line {line}"
                    );
                    *covered
                        .entry(format!("command {}", publish.command.tag()))
                        .or_default() += 1;
                }
                // The typed snapshots decode whole, with every field known.
                match StreamServerMessage::from_json(&block.text) {
                    Ok(StreamServerMessage::ConstraintSnapshot(event)) => {
                        let c: ConstraintSnapshot = strict_value(&event.snapshot, line);
                        assert!(c.constraint_type.is_known(), "line {line}");
                    }
                    Ok(StreamServerMessage::ConstraintStatusSnapshot(event)) => {
                        let c: ConstraintStatusSnapshot = strict_value(&event.snapshot, line);
                        assert!(c.constraint_type.is_known(), "line {line}");
                    }
                    Ok(StreamServerMessage::ShutdownInterlockSnapshot(event)) => {
                        strict_value::<ShutdownInterlockSnapshot>(&event.snapshot, line);
                    }
                    Ok(StreamServerMessage::TelescopeSnapshot(event)) => {
                        strict_value::<TelescopeSnapshot>(&event.snapshot, line);
                    }
                    _ => {}
                }
                if let Ok(StreamServerMessage::DeviceSnapshot(event)) =
                    StreamServerMessage::from_json(&block.text)
                {
                    // A delta example does not decode alone; whole ones count.
                    if let Ok(snapshot) = decode_snapshot::<DeviceSnapshot>(&event.snapshot) {
                        *covered
                            .entry(format!("state:{}", snapshot.device_type))
                            .or_default() += 1;
                    }
                }
            }
            Some("unknown") => {
                for dir in Dir::ALL {
                    let message = decode(dir, &block.text)
                        .unwrap_or_else(|e| panic!("line {line}: {dir:?}: {e}"));
                    assert!(message.is_unknown(), "line {line}: {dir:?} knows it");
                }
            }
            Some(marker) => {
                let name = marker.strip_prefix("fragment:").map(str::trim);
                let name = name.unwrap_or_else(|| panic!("line {line}: unknown marker `{marker}`"));
                *covered.entry(check_fragment(name, block)).or_default() += 1;
            }
        }
    }

    // Every message kind, exactly once.
    let mut known: Vec<&str> = [
        CommandsClientMessage::KNOWN_TAGS,
        CommandsServerMessage::KNOWN_TAGS,
        StreamClientMessage::KNOWN_TAGS,
        StreamServerMessage::KNOWN_TAGS,
    ]
    .concat();
    known.sort_unstable();
    known.dedup();
    for kind in &known {
        assert_eq!(
            kinds.get(*kind).copied().unwrap_or(0),
            1,
            "`{kind}` should have exactly one example; examples: {kinds:?}"
        );
    }
    // Every command type, result data type, target form, pattern and state.
    let mut wanted: Vec<String> = Command::KNOWN_TAGS
        .iter()
        .map(|tag| format!("command {tag}"))
        .collect();
    wanted.extend(
        TargetPosition::KNOWN_TAGS
            .iter()
            .map(|tag| format!("target {tag}")),
    );
    wanted.extend(
        OffsetPattern::KNOWN_TAGS
            .iter()
            .map(|tag| format!("offset_pattern {tag}")),
    );
    for name in [
        "data:mount",
        "data:exposure",
        "data:autofocus",
        "data:lease",
        "data:focuser",
        "data:rotator",
        "data:filter_wheel",
        "state:mount",
        "state:focuser",
        "state:camera",
        "state:filter_wheel",
        "state:instrument_rotator",
        "state:ota",
        "state:weather_sensor",
        "state:enclosure",
        "state:other",
        "result error",
        "result canceled",
    ] {
        wanted.push(name.to_owned());
    }
    for name in wanted {
        assert!(
            covered.contains_key(&name),
            "docs/protocol.md shows no `{name}`; shown: {covered:?}"
        );
    }
}

#[test]
fn markers_are_read() {
    let blocks = json_blocks(
        "text\n<!-- fragment: command -->\n```json\n{}\n```\n\n  <!-- unknown -->\n  ```json\n  {\"kind\":\"x\"}\n  ```\n```json\n[]\n```\n",
    );
    let markers: Vec<Option<&str>> = blocks.iter().map(|b| b.marker.as_deref()).collect();
    assert_eq!(markers, [Some("fragment: command"), Some("unknown"), None]);
    assert_eq!(blocks[1].text.trim(), "{\"kind\":\"x\"}");
}
