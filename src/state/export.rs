//! The session log for download: every command of the log (this tab's and
//! others'), its result, and every lease event, as JSON and as CSV.

use serde::Serialize;
use skynet_protocol::{Command, CommandId, CommandResult, LeaseInfo, TelescopeUid};

use super::command_log::{CommandEntry, CommandLog, CommandState};
use super::time::{format_rfc3339, Millis};

/// A lease event as this tab received it.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseRecord {
    /// When it arrived.
    pub at: Millis,
    /// The lease as it was then.
    pub lease: LeaseInfo,
}

fn state_and_error(entry: &CommandEntry) -> (&'static str, Option<(String, String)>) {
    let error = match &entry.state {
        CommandState::Error(body) => Some((body.code.to_string(), body.message.clone())),
        _ => None,
    };
    (entry.state.label(), error)
}

/// The export document. Serialized straight to text: built as a
/// `serde_json::Value` first, every command, result and lease type would have
/// its serializer compiled a second time (for the value) into the bundle.
#[derive(Serialize)]
struct Document<'a> {
    exported_at: String,
    client: &'a str,
    commands: Vec<CommandRecord<'a>>,
    lease_events: Vec<LeaseEvent<'a>>,
}

#[derive(Serialize)]
struct CommandRecord<'a> {
    command_id: CommandId,
    telescope_uid: &'a Option<TelescopeUid>,
    command_type: String,
    command: &'a Option<Command>,
    summary: String,
    sender: String,
    sent_at: String,
    finished_at: Option<String>,
    state: &'static str,
    error: Option<ErrorRecord>,
    result: &'a Option<CommandResult>,
}

#[derive(Serialize)]
struct ErrorRecord {
    code: String,
    message: String,
}

#[derive(Serialize)]
struct LeaseEvent<'a> {
    received_at: String,
    lease: &'a LeaseInfo,
}

/// The session as one JSON document.
pub fn to_json(log: &CommandLog, leases: &[LeaseRecord], client: &str, now: Millis) -> String {
    let commands = log
        .entries()
        .iter()
        .map(|e| {
            let (state, error) = state_and_error(e);
            CommandRecord {
                command_id: e.command_id,
                telescope_uid: &e.telescope_uid,
                command_type: e.command_type(),
                command: &e.command,
                summary: e.summary(),
                sender: e.sender.label(),
                sent_at: format_rfc3339(e.sent_at),
                finished_at: e.finished_at.map(format_rfc3339),
                state,
                error: error.map(|(code, message)| ErrorRecord { code, message }),
                result: &e.result,
            }
        })
        .collect();
    let lease_events = leases
        .iter()
        .map(|r| LeaseEvent {
            received_at: format_rfc3339(r.at),
            lease: &r.lease,
        })
        .collect();
    let document = Document {
        exported_at: format_rfc3339(now),
        client,
        commands,
        lease_events,
    };
    // Compact, not pretty: the pretty printer would compile every type's
    // serializer a second time into the bundle.
    serde_json::to_string(&document).unwrap_or_default()
}

/// One CSV field, quoted when it must be (RFC 4180).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The CSV header.
pub const CSV_HEADER: &str =
    "time_utc,event,command_id,telescope_uid,command_type,summary,sender,state,error_code,detail";

/// The session as CSV: a row per command sent or seen, a row per result, a
/// row per lease event, in time order.
pub fn to_csv(log: &CommandLog, leases: &[LeaseRecord]) -> String {
    let mut rows: Vec<(Millis, [String; 10])> = Vec::new();
    for e in log.entries() {
        let telescope = e
            .telescope_uid
            .as_ref()
            .map(|t| t.to_string())
            .unwrap_or_default();
        rows.push((
            e.sent_at,
            [
                format_rfc3339(e.sent_at),
                "command".into(),
                e.command_id.to_string(),
                telescope.clone(),
                e.command_type(),
                e.summary(),
                e.sender.label(),
                String::new(),
                String::new(),
                String::new(),
            ],
        ));
        if let Some(at) = e.finished_at {
            let (state, error) = state_and_error(e);
            let (code, message) = error.unwrap_or_default();
            rows.push((
                at,
                [
                    format_rfc3339(at),
                    "result".into(),
                    e.command_id.to_string(),
                    telescope,
                    e.command_type(),
                    String::new(),
                    String::new(),
                    state.into(),
                    code,
                    message,
                ],
            ));
        }
    }
    for r in leases {
        rows.push((
            r.at,
            [
                format_rfc3339(r.at),
                "lease".into(),
                String::new(),
                r.lease.telescope_uid.to_string(),
                String::new(),
                r.lease.lease_id.to_string(),
                r.lease.holder.clone(),
                r.lease.state.to_string(),
                String::new(),
                format!("expires {}", r.lease.expires_at),
            ],
        ));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for (_, row) in rows {
        let line: Vec<String> = row.iter().map(|f| field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use skynet_protocol::{
        CommandStatus, ErrorBody, ErrorCode, LeaseAcquire, LeaseId, LeaseState, Timestamp,
    };

    fn session() -> (CommandLog, Vec<LeaseRecord>, CommandId) {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(
            id,
            TelescopeUid("tel-lapalma".into()),
            Command::LeaseAcquire(LeaseAcquire {
                duration_s: 600.0,
                purpose: Some("M42, \"first light\", then M43".into()),
            }),
            1_000.0,
        );
        log.on_result(
            &CommandResult {
                command_id: id,
                status: CommandStatus::Error,
                data: None,
                error: Some(ErrorBody::new(
                    ErrorCode::LeaseHeld,
                    "held by dev-astronomer-2,\nsorry",
                )),
                telescope_uid: None,
                finished_at: None,
            },
            3_000.0,
        );
        let leases = vec![LeaseRecord {
            at: 2_000.0,
            lease: LeaseInfo {
                lease_id: LeaseId("lease-1".into()),
                telescope_uid: TelescopeUid("tel-lapalma".into()),
                holder: "dev-astronomer-2".into(),
                state: LeaseState::Active,
                expires_at: Timestamp("1970-01-01T00:10:00Z".into()),
                purpose: None,
            },
        }];
        (log, leases, id)
    }

    #[test]
    fn csv_rows_are_in_time_order_and_quoted_as_rfc_4180_says() {
        let (log, leases, id) = session();
        let csv = to_csv(&log, &leases);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert!(
            lines[1].starts_with("1970-01-01T00:00:01.000Z,command,"),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains(&id.to_string()));
        assert!(
            lines[1].contains("\"600 s: M42, \"\"first light\"\", then M43\""),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].starts_with(
                "1970-01-01T00:00:02.000Z,lease,,tel-lapalma,,lease-1,dev-astronomer-2,active"
            ),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].starts_with("1970-01-01T00:00:03.000Z,result,"),
            "{}",
            lines[3]
        );
        assert!(
            csv.contains("error,lease_held,\"held by dev-astronomer-2,\nsorry\""),
            "{csv}"
        );
    }

    #[test]
    fn json_keeps_every_command_result_and_lease_event() {
        let (log, leases, id) = session();
        let text = to_json(&log, &leases, "skydeck/0.1.0", 5_000.0);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["exported_at"], "1970-01-01T00:00:05.000Z");
        assert_eq!(doc["commands"][0]["command_id"], id.to_string());
        assert_eq!(
            doc["commands"][0]["command"]["command_type"],
            "manual_control_lease.acquire"
        );
        assert_eq!(doc["commands"][0]["state"], "error");
        assert_eq!(doc["commands"][0]["error"]["code"], "lease_held");
        assert_eq!(doc["commands"][0]["result"]["status"], "error");
        assert_eq!(
            doc["lease_events"][0]["lease"]["holder"],
            "dev-astronomer-2"
        );
    }
}
