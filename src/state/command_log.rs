//! Every command of the session: those published from this tab and those seen
//! on the `command` stream, each resolved by the result with its `command_id`
//! (async-lsp's map of outgoing requests by id). Nothing here ever re-sends.

use skynet_protocol::{
    Access, AutofocusData, Command, CommandEvent, CommandId, CommandResult, CommandStatus,
    ErrorBody, ErrorCode, ErrorMessage, ExposureData, FilterWheelResultData, FocuserResultData,
    LeaseData, MountResultData, RotatorResultData, TelescopeUid,
};

use rustc_hash::FxHashMap as HashMap;

use super::display;
use super::time::{parse_rfc3339, Millis};

/// Where a command is. `Sending` and `Sent` are running; the rest are final,
/// except `Unknown`, which a late result still resolves.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandState {
    /// Handed to the socket; not yet written.
    Sending,
    /// Written to the socket (or seen published by another client).
    Sent,
    /// Finished as asked.
    Ok,
    /// Refused or failed, with the server's (or the transport's) reason.
    Error(ErrorBody),
    /// Stopped by a cancel or an owner abort.
    Canceled,
    /// The socket dropped before a result came: it may or may not have run.
    Unknown,
    /// Another client's command that was running when the link dropped:
    /// this tab stopped following it (a late result still resolves it).
    Unfollowed,
}

impl CommandState {
    /// Still running as far as this tab knows.
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Sending | Self::Sent)
    }

    /// A word for the state column.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Sent => "running",
            Self::Ok => "ok",
            Self::Error(_) => "error",
            Self::Canceled => "canceled",
            Self::Unknown => "outcome unknown",
            Self::Unfollowed => "not followed while disconnected",
        }
    }

    /// Running, or not known to have stopped (after a dropped link).
    pub fn may_be_running(&self) -> bool {
        self.is_running() || matches!(self, Self::Unknown | Self::Unfollowed)
    }
}

/// Who published a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// This tab.
    ThisTab,
    /// Another client; the account when the server says it.
    Other {
        /// The sending account, if known.
        account: Option<String>,
        /// The sender's `Origin.client`, if any.
        client: Option<String>,
    },
}

impl Sender {
    /// For the sender column (bounded: the account and client come from the
    /// server).
    pub fn label(&self) -> String {
        match self {
            Self::ThisTab => "this tab".into(),
            Self::Other {
                account: Some(account),
                ..
            } => display::name(account),
            Self::Other {
                client: Some(client),
                ..
            } => display::name(client),
            Self::Other { .. } => "another client".into(),
        }
    }
}

/// One command of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandEntry {
    /// The correlation key.
    pub command_id: CommandId,
    /// The telescope commanded, when known.
    pub telescope_uid: Option<TelescopeUid>,
    /// The command, when known (a result for an unseen command has none).
    pub command: Option<Command>,
    /// Who sent it.
    pub sender: Sender,
    /// When this tab sent or first saw it.
    pub sent_at: Millis,
    /// When its result arrived.
    pub finished_at: Option<Millis>,
    /// Where it is.
    pub state: CommandState,
    /// The result, once it came.
    pub result: Option<CommandResult>,
    /// A cancel was asked for (and not refused).
    pub cancel_requested: bool,
    /// This tab's publish has had no answer yet: an `error` naming the
    /// command may be its refusal. Cleared by the command event, an `ack`
    /// (a cancel accepted), the result or the refusal.
    pub publish_pending: bool,
    /// Cancels sent and not yet answered (`ack` or `error`).
    pub cancels_pending: u32,
    /// The server's answer to the last refused cancel.
    pub cancel_refused: Option<ErrorBody>,
    /// This tab's publish frame was written to the socket (or the command
    /// came from elsewhere).
    pub written: bool,
}

impl CommandEntry {
    /// The command type string, `mount.track`, or `?` when unknown.
    pub fn command_type(&self) -> String {
        self.command
            .as_ref()
            .map(|c| display::id(c.tag()))
            .unwrap_or_else(|| "?".into())
    }

    /// The payload in one line, bounded.
    pub fn summary(&self) -> String {
        self.command
            .as_ref()
            .map(|c| display::message(&c.summary()))
            .unwrap_or_default()
    }

    /// Time from sending to the result (or to `now` while running).
    pub fn elapsed_ms(&self, now: Millis) -> Millis {
        (self.finished_at.unwrap_or(now) - self.sent_at).max(0.0)
    }

    /// The result data, typed by the command's type.
    pub fn outcome(&self) -> Outcome {
        let Some(result) = &self.result else {
            return Outcome::None;
        };
        if result.status != CommandStatus::Ok {
            return Outcome::None;
        }
        fn typed<T: serde::de::DeserializeOwned>(
            result: &CommandResult,
            wrap: fn(T) -> Outcome,
        ) -> Outcome {
            match result.data_as::<T>() {
                Some(Ok(data)) => wrap(data),
                Some(Err(e)) => Outcome::Unreadable(e.to_string()),
                None => Outcome::None,
            }
        }
        match &self.command {
            Some(
                Command::MountPoint(_) | Command::MountTrack(_) | Command::MountOffsetRelative(_),
            ) => typed(result, Outcome::Mount),
            Some(Command::CameraExposureStart(_)) => typed(result, Outcome::Exposure),
            Some(Command::ImagerAutofocus(_)) => typed(result, Outcome::Autofocus),
            Some(Command::LeaseAcquire(_) | Command::LeaseRenew(_)) => {
                typed(result, Outcome::Lease)
            }
            Some(
                Command::FocuserMoveAbsolute(_)
                | Command::FocuserMoveRelative(_)
                | Command::FocusMoveAbsolute(_)
                | Command::FocusMoveRelative(_),
            ) => typed(result, Outcome::Focuser),
            Some(Command::RotatorMoveAbsolute(_) | Command::RotatorMoveRelative(_)) => {
                typed(result, Outcome::Rotator)
            }
            Some(Command::FilterWheelSetOption(_)) => typed(result, Outcome::FilterWheel),
            _ => Outcome::None,
        }
    }

    /// Whether the server lets this user cancel it (the simulator's rule:
    /// its sender's account, or an owner or operator of the telescope), and
    /// it may still be running.
    pub fn cancelable_by(&self, me: Option<&str>, access: Option<Access>) -> bool {
        let may = match &self.sender {
            Sender::ThisTab => true,
            Sender::Other { account, .. } => {
                access.is_some_and(|a| a.has_standing_authority())
                    || (me.is_some() && account.as_deref() == me)
            }
        };
        may && self.state.may_be_running()
    }

    /// Why it was canceled, as the server says (bounded); `None` unless it
    /// was, or when the server gave no reason.
    pub fn canceled_reason(&self) -> Option<String> {
        if self.state != CommandState::Canceled {
            return None;
        }
        let data = self
            .result
            .as_ref()?
            .data_as::<skynet_protocol::CanceledData>()?;
        data.ok().map(|d| display::message(&d.reason))
    }

    /// What the user should do about an error, in words.
    pub fn advice(&self) -> Option<String> {
        let CommandState::Error(body) = &self.state else {
            return None;
        };
        Some(advice_for(body))
    }
}

/// What to do about an error body, bounded (its details and message come
/// from the server).
pub fn advice_for(body: &ErrorBody) -> String {
    let detail = |key: &str| {
        body.details
            .as_ref()
            .and_then(|d| d.get(key))
            .and_then(|v| v.as_str())
            .map(display::name)
    };
    match &body.code {
        ErrorCode::Forbidden => {
            "You have no authority on this telescope: acquire a manual control lease first.".into()
        }
        ErrorCode::LeaseHeld => match detail("holder") {
            Some(holder) => format!(
                "{holder} holds the lease{}. Wait for it to be released or to expire.",
                detail("expires_at")
                    .and_then(|at| parse_rfc3339(&at).map(super::time::format_clock))
                    .map(|at| format!(" until {at} UTC"))
                    .unwrap_or_default()
            ),
            None => "Another account holds the lease. Wait for it to be released.".into(),
        },
        ErrorCode::ManualMode => "The telescope is in sustained manual mode: only its owner and operators command it, and no lease can be taken until it returns to remote control.".into(),
        ErrorCode::Interlocked => format!(
            "The telescope is shut down by a safety interlock{}: only releasing the lease, an owner's abort and cancels are taken until it clears.",
            detail("reason").map(|r| format!(" ({r})")).unwrap_or_default()
        ),
        ErrorCode::Unauthorized => "The token was rejected: sign in again.".into(),
        ErrorCode::InvalidMessage => match body.field() {
            Some(field) => format!("The server refused the value of `{field}`: correct it."),
            None => "The server could not read the command.".into(),
        },
        ErrorCode::Busy => "The device is busy with another command: wait or cancel it.".into(),
        ErrorCode::BelowHorizon => "The target is too low: choose one that is up.".into(),
        ErrorCode::UnknownTarget => {
            "The catalog does not know that name: check the spelling or give coordinates.".into()
        }
        ErrorCode::LeaseNotFound => "That lease is no longer yours or no longer active.".into(),
        ErrorCode::RateLimited => "Too many messages: slow down.".into(),
        ErrorCode::DuplicateCommandId => "A command with this id was already sent.".into(),
        ErrorCode::UnknownTelescope => "This account cannot see that telescope.".into(),
        ErrorCode::Unsupported => "This telescope cannot do that.".into(),
        ErrorCode::NotCancelable => "It can no longer be canceled.".into(),
        ErrorCode::NotFound => "The server does not know that command.".into(),
        ErrorCode::Internal => "The server failed: try again later.".into(),
        ErrorCode::Other(_) => display::message(&body.message),
    }
}

/// A successful result's data, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// No data (not finished, not ok, or a type without data).
    None,
    /// The final commanded position.
    Mount(MountResultData),
    /// Exposure metadata with the preview path.
    Exposure(ExposureData),
    /// The autofocus best position and samples.
    Autofocus(AutofocusData),
    /// A lease granted or renewed.
    Lease(LeaseData),
    /// The focuser's final position.
    Focuser(FocuserResultData),
    /// The rotator's final angle.
    Rotator(RotatorResultData),
    /// The filter wheel's final slot.
    FilterWheel(FilterWheelResultData),
    /// Data was there but not in the expected shape.
    Unreadable(String),
}

/// The log: entries in the order first seen, found by `command_id` through
/// an index (a night can hold thousands).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandLog {
    entries: Vec<CommandEntry>,
    index: HashMap<CommandId, usize>,
}

impl CommandLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> &[CommandEntry] {
        &self.entries
    }

    /// The entry with that id.
    pub fn get(&self, id: CommandId) -> Option<&CommandEntry> {
        self.entries.get(*self.index.get(&id)?)
    }

    fn get_mut(&mut self, id: CommandId) -> Option<&mut CommandEntry> {
        self.entries.get_mut(*self.index.get(&id)?)
    }

    /// Appends an entry whose id is not in the log yet.
    fn push(&mut self, entry: CommandEntry) {
        self.index.insert(entry.command_id, self.entries.len());
        self.entries.push(entry);
    }

    /// Commands of this tab still running.
    pub fn running_mine(&self) -> impl Iterator<Item = &CommandEntry> {
        self.entries
            .iter()
            .filter(|e| e.sender == Sender::ThisTab && e.state.is_running())
    }

    /// Commands of this tab that may still be running: running, or with an
    /// unknown outcome after a dropped link. What Abort cancels.
    pub fn abortable_mine(&self) -> impl Iterator<Item = &CommandEntry> {
        self.entries.iter().filter(|e| {
            e.sender == Sender::ThisTab
                && (e.state.is_running() || e.state == CommandState::Unknown)
        })
    }

    /// Records a command this tab is about to send: inserted before the frame
    /// goes out, so its result can never arrive first.
    pub fn begin(
        &mut self,
        command_id: CommandId,
        telescope_uid: TelescopeUid,
        command: Command,
        now: Millis,
    ) {
        self.push(CommandEntry {
            command_id,
            telescope_uid: Some(telescope_uid),
            command: Some(command),
            sender: Sender::ThisTab,
            sent_at: now,
            finished_at: None,
            state: CommandState::Sending,
            result: None,
            cancel_requested: false,
            publish_pending: true,
            cancels_pending: 0,
            cancel_refused: None,
            written: false,
        });
    }

    /// The frame was written to the socket.
    pub fn sent(&mut self, id: CommandId) {
        if let Some(entry) = self.get_mut(id) {
            entry.written = true;
            if entry.state == CommandState::Sending {
                entry.state = CommandState::Sent;
            }
        }
    }

    /// The frame could not be sent (socket not open): the command did not leave.
    pub fn not_sent(&mut self, id: CommandId, reason: &str, now: Millis) {
        if let Some(entry) = self.get_mut(id) {
            entry.publish_pending = false;
            entry.state = CommandState::Error(ErrorBody::new(
                ErrorCode::Other("not_sent".into()),
                format!("not sent: {reason}"),
            ));
            entry.finished_at = Some(now);
        }
    }

    /// The transport reports that the link dropped before this command's
    /// frame was written: it never left, whatever the drop made of it.
    pub fn not_written(&mut self, id: CommandId, now: Millis) {
        let Some(entry) = self.get_mut(id) else {
            return;
        };
        let unsent = entry.state == CommandState::Sending
            || (entry.state == CommandState::Unknown && !entry.written);
        if entry.sender == Sender::ThisTab && unsent {
            entry.publish_pending = false;
            entry.state = CommandState::Error(ErrorBody::new(
                ErrorCode::Other("not_sent".into()),
                "not sent: the link dropped before it was written",
            ));
            entry.finished_at = Some(now);
        }
    }

    /// The link dropped before a cancel of `id` was written: it is no longer
    /// asked (nor answered).
    pub fn cancel_not_written(&mut self, id: CommandId) {
        if let Some(entry) = self.get_mut(id) {
            entry.cancels_pending = entry.cancels_pending.saturating_sub(1);
            entry.cancel_requested = entry.cancels_pending > 0;
        }
    }

    /// An `error` naming a command: the refusal of this tab's publish
    /// (`forbidden`, `invalid_message`, ...: the command did not run) or of
    /// one of its cancels (any code: the cancel is cleared, the command keeps
    /// running). The server answers one socket's frames in order, so errors
    /// are matched to the command's outstanding requests in the order they
    /// were sent: the publish first, then each cancel. A publish succeeds
    /// silently, so while it is unconfirmed and a cancel is out too, only
    /// `not_found` and `not_cancelable` (which a publish never answers) are
    /// the cancel's. Returns whether it matched an outstanding request.
    pub fn on_error(&mut self, error: &ErrorMessage, now: Millis) -> bool {
        let Some(id) = error
            .id
            .as_deref()
            .and_then(|id| id.parse::<CommandId>().ok())
        else {
            return false;
        };
        let Some(entry) = self.get_mut(id) else {
            return false;
        };
        let cancel_code = matches!(error.code, ErrorCode::NotCancelable | ErrorCode::NotFound);
        let publishes = match (entry.publish_pending, entry.cancels_pending > 0) {
            (false, false) => return false,
            (true, false) => true,
            (false, true) => false,
            (true, true) => !cancel_code,
        };
        if publishes {
            entry.publish_pending = false;
            // A duplicate id means the first publish stands: this one says
            // nothing of its outcome.
            if error.code == ErrorCode::DuplicateCommandId && !entry.state.is_running() {
                return true;
            }
            entry.state = CommandState::Error(error.body());
            entry.finished_at = Some(now);
        } else {
            // A cancel answered at all means the publish was accepted.
            entry.publish_pending = false;
            entry.cancels_pending -= 1;
            entry.cancel_requested = entry.cancels_pending > 0;
            entry.cancel_refused = Some(error.body());
        }
        true
    }

    /// An `ack` naming a command: a cancel of it was accepted (its `canceled`
    /// result follows), so its publish was too. Returns whether it matched.
    pub fn on_ack(&mut self, id: CommandId) -> bool {
        let Some(entry) = self.get_mut(id) else {
            return false;
        };
        if entry.cancels_pending == 0 {
            return false;
        }
        entry.cancels_pending -= 1;
        entry.publish_pending = false;
        entry.cancel_refused = None;
        true
    }

    /// A command seen on the `command` stream: this tab's own (now known to be
    /// accepted) or another client's (added). `is_mine` tells them apart by
    /// the Origin's session id.
    pub fn on_command_event(&mut self, event: &CommandEvent, is_mine: bool, now: Millis) {
        if let Some(entry) = self.get_mut(event.command_id) {
            entry.publish_pending = false;
            if entry.state == CommandState::Sending {
                entry.state = CommandState::Sent;
            }
            return;
        }
        self.push(CommandEntry {
            command_id: event.command_id,
            telescope_uid: Some(event.telescope_uid.clone()),
            command: Some(event.command.clone()),
            sender: if is_mine {
                Sender::ThisTab
            } else {
                Sender::Other {
                    account: event.account.clone(),
                    client: event.origin.as_ref().map(|o| o.client.clone()),
                }
            },
            sent_at: parse_rfc3339(event.published_at.as_str()).unwrap_or(now),
            finished_at: None,
            state: CommandState::Sent,
            result: None,
            cancel_requested: false,
            publish_pending: false,
            cancels_pending: 0,
            cancel_refused: None,
            written: true,
        });
    }

    /// A result: resolves the entry with its id, even one marked unknown. A
    /// result for an id never seen is kept as another client's.
    pub fn on_result(&mut self, result: &CommandResult, now: Millis) {
        let state = match result.status {
            CommandStatus::Ok => CommandState::Ok,
            CommandStatus::Canceled => CommandState::Canceled,
            CommandStatus::Error => {
                CommandState::Error(result.error.clone().unwrap_or_else(|| {
                    ErrorBody::new(ErrorCode::Other("error".into()), "failed without a reason")
                }))
            }
            CommandStatus::Other(ref other) => CommandState::Error(ErrorBody::new(
                ErrorCode::Other(other.clone()),
                format!("ended with status `{other}`"),
            )),
        };
        if self.get(result.command_id).is_none() {
            self.push(CommandEntry {
                command_id: result.command_id,
                telescope_uid: result.telescope_uid.clone(),
                command: None,
                sender: Sender::Other {
                    account: None,
                    client: None,
                },
                sent_at: now,
                finished_at: None,
                state: CommandState::Sent,
                result: None,
                cancel_requested: false,
                publish_pending: false,
                cancels_pending: 0,
                cancel_refused: None,
                written: true,
            });
        }
        if let Some(entry) = self.get_mut(result.command_id) {
            entry.state = state;
            entry.finished_at = Some(now);
            entry.result = Some(result.clone());
            entry.cancel_requested = false;
            entry.publish_pending = false;
        }
    }

    /// The commands socket dropped: every command of this tab that was running
    /// now has an unknown outcome; another client's running ones are no
    /// longer followed. Answers to outstanding requests will not come.
    /// Nothing is re-sent. Returns how many of this tab's were marked.
    pub fn on_disconnect(&mut self) -> usize {
        let mut marked = 0;
        for entry in &mut self.entries {
            entry.publish_pending = false;
            entry.cancels_pending = 0;
            entry.cancel_requested = false;
            if entry.state.is_running() {
                if entry.sender == Sender::ThisTab {
                    entry.state = CommandState::Unknown;
                    marked += 1;
                } else {
                    entry.state = CommandState::Unfollowed;
                }
            }
        }
        marked
    }

    /// The lease a result grants to this tab: the `ok` result of this tab's
    /// acquire or renew, with readable data.
    pub fn lease_granted(&self, result: &CommandResult) -> Option<skynet_protocol::LeaseId> {
        let entry = self.get(result.command_id)?;
        let acquire = matches!(
            entry.command,
            Some(Command::LeaseAcquire(_) | Command::LeaseRenew(_))
        );
        if entry.sender != Sender::ThisTab || !acquire {
            return None;
        }
        match result.data_as::<LeaseData>()? {
            Ok(data) => Some(data.lease_id),
            Err(_) => None,
        }
    }

    /// A cancel was sent for `id`.
    pub fn cancel_requested(&mut self, id: CommandId) {
        if let Some(entry) = self.get_mut(id) {
            entry.cancel_requested = true;
            entry.cancels_pending += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canceled_command_says_why() {
        let mut log = CommandLog::new();
        let id: CommandId = "6f1c1f3e-3a43-4f59-9a55-0b8f4f9d2f10"
            .parse()
            .expect("a uuid");
        let result: CommandResult = serde_json::from_value(serde_json::json!({
            "command_id": id.to_string(), "status": "canceled",
            "data": {"reason": "safety shutdown: rain"}
        }))
        .expect("a result");
        log.on_result(&result, 0.0);
        let entry = log.get(id).expect("the entry");
        assert_eq!(
            entry.canceled_reason().as_deref(),
            Some("safety shutdown: rain")
        );
        let ok: CommandResult = serde_json::from_value(serde_json::json!({
            "command_id": "7f1c1f3e-3a43-4f59-9a55-0b8f4f9d2f10", "status": "ok"
        }))
        .expect("a result");
        log.on_result(&ok, 0.0);
        assert_eq!(
            log.get(ok.command_id).and_then(|e| e.canceled_reason()),
            None
        );
    }
    use serde_json::json;
    use skynet_protocol::{
        Access, LeaseAcquire, MountTrack, Origin, SubscriptionId, TargetPosition, Timestamp,
    };

    fn telescope() -> TelescopeUid {
        TelescopeUid("tel-lapalma".into())
    }

    fn track() -> Command {
        Command::MountTrack(MountTrack {
            target: TargetPosition::catalog("M42"),
            offset_pattern: None,
        })
    }

    fn result(id: CommandId, status: CommandStatus, data: serde_json::Value) -> CommandResult {
        CommandResult {
            command_id: id,
            status,
            data: Some(data),
            error: None,
            telescope_uid: Some(telescope()),
            finished_at: None,
        }
    }

    #[test]
    fn a_published_command_goes_sending_sent_ok_with_typed_data() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(id, telescope(), track(), 1_000.0);
        assert_eq!(log.get(id).unwrap().state, CommandState::Sending);
        log.sent(id);
        assert_eq!(log.get(id).unwrap().state, CommandState::Sent);
        assert_eq!(log.running_mine().count(), 1);

        let data = json!({"ra_deg": 83.8, "dec_deg": -5.39, "alt_deg": 40.0, "az_deg": 120.0});
        log.on_result(&result(id, CommandStatus::Ok, data), 4_500.0);
        let entry = log.get(id).unwrap();
        assert_eq!(entry.state, CommandState::Ok);
        assert_eq!(entry.elapsed_ms(99_999.0), 3_500.0);
        assert_eq!(entry.command_type(), "mount.track");
        assert_eq!(entry.summary(), "M42");
        match entry.outcome() {
            Outcome::Mount(m) => assert_eq!((m.ra_deg, m.dec_deg), (83.8, -5.39)),
            other => panic!("expected mount data, got {other:?}"),
        }
        assert_eq!(log.running_mine().count(), 0);
    }

    #[test]
    fn results_match_by_command_id_only() {
        let mut log = CommandLog::new();
        let (a, b) = (CommandId::new_v4(), CommandId::new_v4());
        log.begin(a, telescope(), track(), 0.0);
        log.begin(b, telescope(), track(), 0.0);
        log.on_result(&result(b, CommandStatus::Canceled, json!({})), 10.0);
        assert_eq!(log.get(a).unwrap().state, CommandState::Sending);
        assert_eq!(log.get(b).unwrap().state, CommandState::Canceled);
    }

    #[test]
    fn a_result_for_an_unseen_id_is_kept_as_another_clients() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.on_result(&result(id, CommandStatus::Ok, json!({})), 10.0);
        let entry = log.get(id).unwrap();
        assert_eq!(entry.state, CommandState::Ok);
        assert!(matches!(entry.sender, Sender::Other { .. }));
        assert_eq!(entry.command_type(), "?");
        assert_eq!(log.running_mine().count(), 0);
    }

    #[test]
    fn an_error_result_keeps_its_code_and_says_what_to_do() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(
            id,
            telescope(),
            Command::LeaseAcquire(LeaseAcquire {
                duration_s: 600.0,
                purpose: None,
            }),
            0.0,
        );
        let mut r = result(id, CommandStatus::Error, json!(null));
        r.data = None;
        r.error = Some(
            ErrorBody::new(ErrorCode::LeaseHeld, "held").with_details(json!({
                "holder": "dev-astronomer-2",
                "expires_at": "2026-11-24T21:04:05.120Z"
            })),
        );
        log.on_result(&r, 5.0);
        let entry = log.get(id).unwrap();
        assert!(matches!(&entry.state, CommandState::Error(b) if b.code == ErrorCode::LeaseHeld));
        let advice = entry.advice().unwrap();
        assert!(
            advice.contains("dev-astronomer-2 holds the lease until 21:04:05 UTC"),
            "{advice}"
        );
    }

    #[test]
    fn forbidden_error_message_resolves_the_publish_and_advises_a_lease() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(id, telescope(), track(), 0.0);
        log.sent(id);
        let matched = log.on_error(
            &ErrorMessage {
                code: ErrorCode::Forbidden,
                message: "no authority".into(),
                details: None,
                id: Some(id.to_string()),
            },
            20.0,
        );
        assert!(matched);
        let entry = log.get(id).unwrap();
        assert_eq!(entry.state.label(), "error");
        assert!(entry
            .advice()
            .unwrap()
            .contains("acquire a manual control lease"));
        // An error naming no command of the log matches nothing.
        assert!(!log.on_error(
            &ErrorMessage {
                code: ErrorCode::InvalidMessage,
                message: "bad".into(),
                details: None,
                id: Some("sub-1".into()),
            },
            30.0
        ));
    }

    #[test]
    fn a_refused_cancel_leaves_the_command_running() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(id, telescope(), track(), 0.0);
        log.sent(id);
        log.cancel_requested(id);
        assert!(log.get(id).unwrap().cancel_requested);
        log.on_error(
            &ErrorMessage {
                code: ErrorCode::NotCancelable,
                message: "finished".into(),
                details: None,
                id: Some(id.to_string()),
            },
            1.0,
        );
        let entry = log.get(id).unwrap();
        assert_eq!(entry.state, CommandState::Sent);
        assert!(!entry.cancel_requested);
    }

    fn error(code: ErrorCode, id: CommandId) -> ErrorMessage {
        ErrorMessage {
            code,
            message: "refused".into(),
            details: None,
            id: Some(id.to_string()),
        }
    }

    fn other_clients(log: &mut CommandLog, id: CommandId) {
        log.on_command_event(
            &CommandEvent {
                subscription_id: SubscriptionId("commands".into()),
                command_id: id,
                telescope_uid: telescope(),
                command: track(),
                origin: None,
                published_at: Timestamp("1970-01-01T00:00:02Z".into()),
                account: Some("dev-astronomer-2".into()),
            },
            false,
            0.0,
        );
    }

    #[test]
    fn any_error_answering_a_cancel_clears_it_and_leaves_the_command_running() {
        // Another client's command, canceled from here: the cancel is the
        // only request of this tab for it, so `forbidden` is the cancel's.
        let mut log = CommandLog::new();
        let theirs = CommandId::new_v4();
        other_clients(&mut log, theirs);
        log.cancel_requested(theirs);
        assert!(log.on_error(&error(ErrorCode::Forbidden, theirs), 1.0));
        let entry = log.get(theirs).unwrap();
        assert_eq!(
            entry.state,
            CommandState::Sent,
            "the cancel failed, not the command"
        );
        assert!(!entry.cancel_requested);
        assert_eq!(entry.advice(), None);

        // This tab's command, accepted (seen on the command stream), then a
        // cancel answered by `internal`: still running.
        let mine = CommandId::new_v4();
        log.begin(mine, telescope(), track(), 0.0);
        log.sent(mine);
        log.on_command_event(
            &CommandEvent {
                subscription_id: SubscriptionId("commands".into()),
                command_id: mine,
                telescope_uid: telescope(),
                command: track(),
                origin: None,
                published_at: Timestamp("1970-01-01T00:00:02Z".into()),
                account: None,
            },
            true,
            1.0,
        );
        log.cancel_requested(mine);
        assert!(log.on_error(&error(ErrorCode::Internal, mine), 2.0));
        assert_eq!(log.get(mine).unwrap().state, CommandState::Sent);
        assert!(!log.get(mine).unwrap().cancel_requested);
    }

    #[test]
    fn errors_match_a_commands_requests_in_the_order_they_were_sent() {
        // Publish then cancel before the command stream confirmed the
        // publish: a `forbidden` is the publish's (it comes first), the
        // `not_found` that follows is the cancel's.
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(id, telescope(), track(), 0.0);
        log.sent(id);
        log.cancel_requested(id);
        assert!(log.on_error(&error(ErrorCode::Forbidden, id), 1.0));
        assert!(
            matches!(&log.get(id).unwrap().state, CommandState::Error(b) if b.code == ErrorCode::Forbidden)
        );
        assert!(log.on_error(&error(ErrorCode::NotFound, id), 2.0));
        let entry = log.get(id).unwrap();
        assert!(matches!(&entry.state, CommandState::Error(b) if b.code == ErrorCode::Forbidden));
        assert!(!entry.cancel_requested);

        // Publish accepted silently, cancel refused as finished before the
        // command event arrived: the command is not failed by it.
        let late = CommandId::new_v4();
        log.begin(late, telescope(), track(), 0.0);
        log.sent(late);
        log.cancel_requested(late);
        assert!(log.on_error(&error(ErrorCode::NotCancelable, late), 3.0));
        assert_eq!(log.get(late).unwrap().state, CommandState::Sent);

        // An ack answers a cancel and proves the publish stood: a later
        // error is the second cancel's.
        let acked = CommandId::new_v4();
        log.begin(acked, telescope(), track(), 0.0);
        log.sent(acked);
        log.cancel_requested(acked);
        log.cancel_requested(acked);
        assert!(log.on_ack(acked));
        assert!(log.get(acked).unwrap().cancel_requested);
        assert!(log.on_error(&error(ErrorCode::Internal, acked), 4.0));
        assert_eq!(log.get(acked).unwrap().state, CommandState::Sent);
        // Nothing outstanding: an error naming it is not this log's to place.
        assert!(!log.on_error(&error(ErrorCode::Internal, acked), 5.0));
    }

    #[test]
    fn cancel_is_offered_for_this_tab_and_otherwise_only_with_the_servers_rule() {
        let mut log = CommandLog::new();
        let (mine, theirs) = (CommandId::new_v4(), CommandId::new_v4());
        log.begin(mine, telescope(), track(), 0.0);
        log.sent(mine);
        other_clients(&mut log, theirs);
        let mine = log.get(mine).unwrap();
        let theirs = log.get(theirs).unwrap();
        assert!(mine.cancelable_by(None, Some(Access::Astronomer)));
        assert!(!theirs.cancelable_by(Some("dev-astronomer"), Some(Access::Astronomer)));
        assert!(!theirs.cancelable_by(None, None));
        assert!(theirs.cancelable_by(Some("dev-owner"), Some(Access::Owner)));
        assert!(theirs.cancelable_by(Some("dev-operator"), Some(Access::Operator)));
        // The same account in another tab sent it: the server lets it cancel.
        assert!(theirs.cancelable_by(Some("dev-astronomer-2"), Some(Access::Astronomer)));
    }

    #[test]
    fn a_disconnect_marks_only_this_tabs_commands_unknown() {
        let mut log = CommandLog::new();
        let (mine, theirs) = (CommandId::new_v4(), CommandId::new_v4());
        log.begin(mine, telescope(), track(), 0.0);
        log.sent(mine);
        other_clients(&mut log, theirs);
        assert_eq!(log.on_disconnect(), 1, "counts this tab's only");
        assert_eq!(log.get(mine).unwrap().state, CommandState::Unknown);
        let entry = log.get(theirs).unwrap();
        assert_ne!(entry.state, CommandState::Unknown);
        assert_eq!(entry.state.label(), "not followed while disconnected");
        log.on_result(&result(theirs, CommandStatus::Ok, json!({})), 9.0);
        assert_eq!(log.get(theirs).unwrap().state, CommandState::Ok);
    }

    #[test]
    fn a_disconnect_makes_running_commands_unknown_until_their_result() {
        let mut log = CommandLog::new();
        let (running, done) = (CommandId::new_v4(), CommandId::new_v4());
        log.begin(running, telescope(), track(), 0.0);
        log.sent(running);
        log.begin(done, telescope(), track(), 0.0);
        log.on_result(&result(done, CommandStatus::Ok, json!({})), 1.0);

        assert_eq!(log.on_disconnect(), 1);
        assert_eq!(log.get(running).unwrap().state, CommandState::Unknown);
        assert_eq!(log.get(running).unwrap().state.label(), "outcome unknown");
        assert_eq!(log.get(done).unwrap().state, CommandState::Ok);
        assert_eq!(
            log.running_mine().count(),
            0,
            "an unknown command is not re-sent"
        );

        log.on_result(&result(running, CommandStatus::Ok, json!({})), 9.0);
        assert_eq!(log.get(running).unwrap().state, CommandState::Ok);
    }

    #[test]
    fn commands_of_other_clients_are_added_from_the_command_stream() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        let event = CommandEvent {
            subscription_id: SubscriptionId("cmd".into()),
            command_id: id,
            telescope_uid: telescope(),
            command: track(),
            origin: Some(Origin {
                client: "skydeck/0.1.0".into(),
                session_id: "other-tab".into(),
                user_agent: None,
            }),
            published_at: Timestamp("1970-01-01T00:00:02Z".into()),
            account: Some("dev-astronomer-2".into()),
        };
        log.on_command_event(&event, false, 5_000.0);
        let entry = log.get(id).unwrap();
        assert_eq!(entry.sender.label(), "dev-astronomer-2");
        assert_eq!(entry.sent_at, 2_000.0);
        assert_eq!(entry.state, CommandState::Sent);

        // Our own command seen on the stream confirms it was accepted.
        let mine = CommandId::new_v4();
        log.begin(mine, telescope(), track(), 0.0);
        log.on_command_event(
            &CommandEvent {
                command_id: mine,
                ..event
            },
            true,
            1.0,
        );
        assert_eq!(log.get(mine).unwrap().state, CommandState::Sent);
        assert_eq!(log.get(mine).unwrap().sender, Sender::ThisTab);
        assert_eq!(log.entries().len(), 2);
    }

    #[test]
    fn a_command_that_could_not_be_sent_is_an_error_not_a_retry() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(id, telescope(), track(), 0.0);
        log.not_sent(id, "the commands socket is reconnecting", 3.0);
        let entry = log.get(id).unwrap();
        assert!(
            matches!(&entry.state, CommandState::Error(b) if b.message.contains("reconnecting"))
        );
        assert_eq!(log.on_disconnect(), 0);
    }

    #[test]
    fn a_frame_the_link_dropped_before_writing_is_not_sent_never_unknown_or_resent() {
        let mut log = CommandLog::new();
        let (queued, written) = (CommandId::new_v4(), CommandId::new_v4());
        log.begin(queued, telescope(), track(), 0.0);
        log.begin(written, telescope(), track(), 0.0);
        log.sent(written);
        // The link drops: the transport reports the queued frame unwritten,
        // before or after the log hears of the drop.
        log.on_disconnect();
        log.not_written(queued, 5.0);
        let entry = log.get(queued).unwrap();
        assert!(
            matches!(&entry.state, CommandState::Error(b) if b.message == "not sent: the link dropped before it was written"),
            "{:?}",
            entry.state
        );
        assert_eq!(entry.finished_at, Some(5.0));
        assert_eq!(log.get(written).unwrap().state, CommandState::Unknown);
        // A written frame's command is never turned into "not sent".
        log.not_written(written, 6.0);
        assert_eq!(log.get(written).unwrap().state, CommandState::Unknown);
        assert_eq!(log.running_mine().count(), 0);
    }

    #[test]
    fn a_cancel_the_link_dropped_before_writing_is_no_longer_asked() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(id, telescope(), track(), 0.0);
        log.sent(id);
        log.cancel_requested(id);
        log.cancel_not_written(id);
        let entry = log.get(id).unwrap();
        assert!(!entry.cancel_requested);
        assert_eq!(entry.cancels_pending, 0);
        assert_eq!(entry.state, CommandState::Sent);
    }

    #[test]
    fn absurd_server_text_in_an_entry_is_shown_bounded_and_flagged() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        let huge = "H".repeat(1_000_000);
        let mut r = result(id, CommandStatus::Error, json!(null));
        r.error = Some(
            ErrorBody::new(ErrorCode::LeaseHeld, huge.clone())
                .with_details(json!({ "holder": huge.clone() })),
        );
        log.on_result(&r, 1.0);
        let advice = log.get(id).unwrap().advice().unwrap();
        assert!(advice.len() < 400, "advice is {} bytes", advice.len());
        assert!(advice.contains("(out of range)"), "{}", &advice[..100]);

        let mut r = result(CommandId::new_v4(), CommandStatus::Error, json!(null));
        r.error = Some(ErrorBody::new(ErrorCode::Other(huge.clone()), huge.clone()));
        log.on_result(&r, 1.0);
        let advice = log.get(r.command_id).unwrap().advice().unwrap();
        assert!(advice.len() < 400, "advice is {} bytes", advice.len());

        let theirs = CommandId::new_v4();
        log.on_command_event(
            &CommandEvent {
                subscription_id: SubscriptionId("commands".into()),
                command_id: theirs,
                telescope_uid: telescope(),
                command: Command::MountTrack(MountTrack {
                    target: TargetPosition::catalog(&huge),
                    offset_pattern: None,
                }),
                origin: None,
                published_at: Timestamp("1970-01-01T00:00:02Z".into()),
                account: Some(huge.clone()),
            },
            false,
            0.0,
        );
        let entry = log.get(theirs).unwrap();
        assert!(entry.sender.label().len() < 200);
        assert!(entry.sender.label().ends_with("(out of range)"));
        assert!(entry.summary().len() < 400);
    }

    #[test]
    fn exposure_and_autofocus_data_are_typed() {
        let mut log = CommandLog::new();
        let id = CommandId::new_v4();
        log.begin(
            id,
            telescope(),
            Command::CameraExposureStart(skynet_protocol::CameraExposureStart {
                duration_s: 5.0,
                binning: 2,
                filter_id: None,
            }),
            0.0,
        );
        log.on_result(
            &result(
                id,
                CommandStatus::Ok,
                json!({"exposure_id": "e1", "started_at": "2026-11-24T21:04:05Z",
                       "duration_s": 5.0, "binning": 2, "width": 2048, "height": 2048,
                       "previewUrl": "/v1/previews/e1.png"}),
            ),
            1.0,
        );
        match log.get(id).unwrap().outcome() {
            Outcome::Exposure(e) => assert_eq!(e.preview_url, "/v1/previews/e1.png"),
            other => panic!("{other:?}"),
        }

        let af = CommandId::new_v4();
        log.begin(
            af,
            telescope(),
            Command::ImagerAutofocus(skynet_protocol::ImagerAutofocus {
                filter_id: "L".into(),
                strategy: skynet_protocol::AutofocusStrategy::VCurve,
            }),
            0.0,
        );
        log.on_result(
            &result(af, CommandStatus::Ok, json!({"best_position_um": "far"})),
            1.0,
        );
        assert!(matches!(
            log.get(af).unwrap().outcome(),
            Outcome::Unreadable(_)
        ));
    }

    #[test]
    fn ten_thousand_commands_are_each_found_by_id() {
        let mut log = CommandLog::new();
        let ids: Vec<CommandId> = (0..10_000).map(|_| CommandId::new_v4()).collect();
        for (i, id) in ids.iter().enumerate() {
            log.begin(*id, telescope(), track(), i as f64);
        }
        for (i, id) in ids.iter().enumerate().step_by(997) {
            let entry = log.get(*id).expect("in the log");
            assert_eq!(entry.command_id, *id);
            assert_eq!(entry.sent_at, i as f64);
            assert_eq!(log.entries()[i].command_id, *id);
        }
        assert!(log.get(CommandId::new_v4()).is_none());
    }
}
