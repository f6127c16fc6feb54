//! Commanding a telescope: the part of the console the first screen does
//! not need.
//!
//! Decoding and applying the commands socket's frames (the command log,
//! this tab's account and leases, alerts on results), publishing,
//! cancelling and Abort, the guided workflows, the keyboard's command keys,
//! and every alert (their settings, routing and channels, and the watch on
//! the workflow, the lease and the link: [`crate::alerts`]); and decoding
//! what only deferred panels show: the telescope log's entries, and the
//! merged state of telescopes (the first screen shows the devices of the
//! first telescope's uid, its key, until one is picked), instruments,
//! observing constraints, their statuses and shutdown interlocks (which
//! feed the conditions, the interlock banner and their alerts). The first screen never runs any of
//! it, and no command of this tab can exist before it is here: publishing
//! is part of it. In the shipped build (cargo feature `split`) it is in the
//! `later` chunk with the deferred panels, fetched once the first screen is
//! complete ([`crate::components::later`]); the main module reaches it only
//! through [`Commanding`], a table of entry points, once
//! [`Console::commanding`] has it. Until then the commands socket's frames
//! wait in the console's inbox, read but not decoded ([`CommandsFrame`]:
//! pings and pongs are answered and a refused token is seen as they
//! arrive), in order and bounded ([`crate::state::inbox`]); they are
//! decoded and applied, in order, the moment it arrives. So are the
//! stream's log entries, kept as they arrived ([`LogEvent`]) in their own
//! inbox, and the resources of those streams, merged as they arrive and
//! noted once each ([`crate::state::inbox::Changed`]): the code decodes
//! the latest state of each. A chunk that cannot be fetched is retried
//! with the panels' Retry. Without the feature the table is here at once.

use leptos::prelude::*;
use skynet_protocol::{
    CancelCommand, Command, CommandId, CommandsClientMessage, CommandsFrame, LeaseEvent, LogEvent,
    Origin, PublishCommand, StreamName, TelescopeUid,
};

use crate::console::{Console, CLIENT};
use crate::state::command_log::CommandLog;
use crate::state::inbox::{Inbox, Pushed, Waited};
use crate::state::routing::{CommandUpdate, Resource, ResourceKey};
use crate::state::shortcuts::KeyAction;
use crate::state::time::{now_ms, Millis};
use crate::state::workflow::{Action, Workflow};
use crate::transport::{CommandsOut, Delivery};

/// What the main module calls of the commanding code.
pub(crate) struct Commanding {
    /// The code is here (called once, before anything is handed over, in
    /// the console view's reactive owner): alerts start.
    pub started: fn(Console),
    /// Decodes and applies frames of the commands socket, in order.
    pub frames: fn(Console, Vec<CommandsFrame>),
    /// Decodes telescope log entries into the log, in order.
    pub log: fn(Console, Vec<LogEvent>),
    /// Decodes lease events (with when each arrived) into the telescopes,
    /// the session's lease history and alerts, in order.
    pub leases: fn(Console, Vec<(LeaseEvent, Millis)>),
    /// Decodes resources that changed (by stream, key and when) into the
    /// instruments and the conditions, in order.
    pub resources: fn(Console, Vec<(ResourceKey, Millis)>),
    /// The commands socket dropped while open.
    pub dropped: fn(Console),
    /// Device snapshots were applied.
    pub devices: fn(Console),
    /// Abort.
    pub abort: fn(Console),
    /// A command key was pressed; true when it was taken (so the browser
    /// does not act on it too).
    pub key: fn(Console, KeyAction) -> bool,
}

pub(crate) static COMMANDING: Commanding = Commanding {
    started,
    frames: |console, frames| console.decode_commands(frames),
    log: |console, entries| console.decode_log_entries(entries),
    leases: |console, events| console.decode_lease_events(events),
    resources: |console, changed| console.decode_resources(changed),
    dropped: |console| console.commands_dropped(),
    devices: |console| console.workflow_saw_devices(),
    abort,
    key: command_key,
};

// ---- the main module's side ----

impl Console {
    /// The commanding code, once it is here.
    pub(crate) fn commanding(&self) -> Option<&'static Commanding> {
        self.commanding.try_get_value().flatten()
    }

    /// The commanding code is here: it takes what waited, in order, and
    /// everything after.
    pub(crate) fn commanding_arrived(&self, commanding: &'static Commanding) {
        if !self.alive() || self.commanding().is_some() {
            return;
        }
        let Some(commands) = self.commands_inbox.try_update_value(|i| i.take()) else {
            return;
        };
        let log = self.log_inbox.try_update_value(|i| i.take());
        let leases = self.lease_inbox.try_update_value(|i| i.take());
        let resources = self.resources_inbox.try_update_value(|c| c.take());
        self.commanding.set_value(Some(commanding));
        (commanding.started)(*self);
        self.hand_over(
            Some(commands),
            "earlier frame(s) of the commands socket were dropped while the console's code loaded: the command log may miss commands of other clients.",
            |frames| (commanding.frames)(*self, frames),
        );
        self.hand_over(
            log,
            "earlier telescope log entr(ies) were dropped while the console's code loaded.",
            |entries| (commanding.log)(*self, entries),
        );
        self.hand_over(
            leases,
            "earlier lease event(s) were dropped while the console's code loaded: the lease history may miss them.",
            |events| (commanding.leases)(*self, events),
        );
        if let Some(changed) = resources.filter(|c| !c.is_empty()) {
            (commanding.resources)(*self, changed);
        }
    }

    /// Hands what waited in an inbox to `apply`; says how many of the
    /// oldest were dropped first (`dropped_note` follows the number).
    fn hand_over<T>(
        &self,
        waited: Option<Waited<T>>,
        dropped_note: &str,
        apply: impl FnOnce(Vec<T>),
    ) {
        let Some(Waited { frames, dropped }) = waited else {
            return;
        };
        if dropped > 0 {
            self.notify(format!("{dropped} {dropped_note}"));
        }
        if !frames.is_empty() {
            apply(frames);
        }
    }

    /// A lease event from the stream: to the commanding code, or kept
    /// until it is here.
    pub(crate) fn on_lease_event(&self, event: LeaseEvent, at: Millis) {
        if let Some(commanding) = self.commanding() {
            (commanding.leases)(*self, vec![(event, at)]);
            return;
        }
        self.keep_waiting(
            self.lease_inbox,
            (event, at),
            "The console's code for leases has not loaded: the oldest waiting lease events are being dropped.",
        );
    }

    /// A resource the commanding code decodes changed: to it, or noted
    /// (its latest state is decoded when the code is here).
    pub(crate) fn on_resource(&self, stream: StreamName, key: String, at: Millis) {
        match self.commanding() {
            Some(commanding) => (commanding.resources)(*self, vec![((stream, key), at)]),
            None => {
                self.resources_inbox
                    .try_update_value(|c| c.note((stream, key), at));
            }
        }
    }

    /// A telescope log entry from the stream: to the log, or kept until
    /// the code that decodes it is here.
    pub(crate) fn on_log_entry(&self, entry: LogEvent) {
        if let Some(commanding) = self.commanding() {
            (commanding.log)(*self, vec![entry]);
            return;
        }
        self.keep_waiting(
            self.log_inbox,
            entry,
            "The console's code for the telescope log has not loaded: the oldest waiting log entries are being dropped.",
        );
    }

    /// Keeps a frame of the commands socket until the commanding code is
    /// here.
    pub(crate) fn keep_commands_frame(&self, frame: CommandsFrame) {
        self.keep_waiting(
            self.commands_inbox,
            frame,
            "The console's code for commands has not loaded: the oldest waiting frames of the commands socket are being dropped.",
        );
    }

    /// Keeps `frame` in `inbox` until the commanding code is here; says
    /// `dropping` the first time the inbox, full, drops its oldest.
    fn keep_waiting<T: Send + Sync + 'static>(
        &self,
        inbox: StoredValue<Inbox<T>>,
        frame: T,
        dropping: &str,
    ) {
        if inbox.try_update_value(|inbox| inbox.push(frame)) == Some(Pushed::FirstDrop) {
            self.notify(dropping);
        }
    }

    /// Abort: cancels every command of this tab that may still run. Before
    /// the commanding code is here there is none.
    pub fn abort(&self) {
        if let Some(commanding) = self.commanding() {
            (commanding.abort)(*self);
        }
    }

    /// A command key (Esc, a nudge, expose); true when it was taken.
    pub(crate) fn command_key(&self, action: KeyAction) -> bool {
        match self.commanding() {
            Some(commanding) => (commanding.key)(*self, action),
            // Nothing of this tab runs yet, so Esc has nothing to abort.
            None if action == KeyAction::Abort => false,
            None => {
                self.notify("The controls are still loading: that key does nothing yet.");
                false
            }
        }
    }
}

// ---- the commanding code ----

/// Alerts start with the code that raises them: the astronomer's alert
/// settings are read from this browser, and the watch on what has no single
/// message to hook begins ([`Console::watch_for_alerts`]; the link's state
/// as it is now is its starting point).
fn started(console: Console) {
    console
        .alert_settings
        .set(crate::storage::alert_settings().unwrap_or_default());
    console.watch_for_alerts();
}

/// Cancels every command of this tab that may still run, and says so.
fn abort(console: Console) {
    let sent = console.cancel_all_mine();
    if sent > 0 {
        console.notify(format!("Abort: cancel sent for {sent} command(s)."));
    } else {
        console.notify("Abort: nothing could be canceled (the commands socket is not open).");
    }
}

/// Esc aborts while a command of this tab may still run; the nudge keys
/// and the expose key work as their buttons do.
fn command_key(console: Console, action: KeyAction) -> bool {
    match action {
        KeyAction::Abort => {
            let abortable = console
                .log
                .with_untracked(|log| log.abortable_mine().next().is_some());
            if abortable {
                abort(console);
            }
            abortable
        }
        KeyAction::Nudge(direction) => {
            crate::components::controls::nudge(console, direction);
            true
        }
        KeyAction::Expose => {
            crate::components::controls::expose(console);
            false
        }
        KeyAction::NightVision | KeyAction::Help => false,
    }
}

impl Console {
    /// Decodes lease events and applies them, in order: the telescope's
    /// lease, the session's lease history (as of when each arrived) and
    /// the owner's revoking of this tab's lease; an event whose lease does
    /// not decode is told and skipped.
    fn decode_lease_events(&self, events: Vec<(LeaseEvent, Millis)>) {
        for (event, at) in events {
            match event.lease() {
                Ok(lease) => {
                    self.alert_on_lease(&lease);
                    self.telescopes.update(|t| t.on_lease(&lease));
                    self.lease_events.update(|events| {
                        events.push(crate::state::export::LeaseRecord { at, lease })
                    });
                }
                Err(e) => self.notify(format!("ignored a lease event: {e}")),
            }
        }
    }

    /// Decodes resources that changed, each in its latest merged state, and
    /// applies them: telescopes to the telescopes, instruments to the
    /// telemetry (as of when they last changed), constraints, their statuses
    /// and interlocks to the conditions (alerting on news).
    fn decode_resources(&self, changed: Vec<(ResourceKey, Millis)>) {
        let mut incomplete = None;
        for ((stream, key), at) in changed {
            let Some(decoded) = self.router.try_update_value(|r| r.resource(&stream, &key)) else {
                return;
            };
            for resource in decoded {
                match resource {
                    Resource::Telescope(snapshot) => {
                        self.telescopes.update(|t| t.on_snapshot(snapshot));
                    }
                    Resource::Instrument(snapshot) => {
                        self.telemetry.update(|t| t.on_instrument(snapshot, at));
                    }
                    Resource::Constraint(constraint) => {
                        self.conditions.update(|c| c.on_constraint(constraint));
                    }
                    Resource::ConstraintStatus(status) => {
                        self.update_conditions(|c| c.on_status(status))
                    }
                    Resource::Interlock(interlock) => {
                        self.update_conditions(|c| c.on_interlock(interlock))
                    }
                    Resource::Incomplete(items) => incomplete = Some(items),
                }
            }
        }
        if let Some(items) = incomplete {
            self.incomplete.set(items);
        }
    }

    /// Changes the conditions, and tells the astronomer what the change
    /// was news of.
    fn update_conditions(
        &self,
        change: impl FnOnce(
            &mut crate::state::conditions::Conditions,
        ) -> Option<crate::state::conditions::Change>,
    ) {
        if let Some(news) = self.conditions.try_update(change).flatten() {
            self.on_condition_change(news);
        }
    }

    /// Decodes telescope log entries into the log, in order; an entry that
    /// does not decode is told and skipped.
    fn decode_log_entries(&self, entries: Vec<LogEvent>) {
        let mut decoded = Vec::with_capacity(entries.len());
        for entry in entries {
            match entry.entry() {
                Ok(entry) => decoded.push(entry),
                Err(e) => self.notify(format!("ignored a telescope log entry: {e}")),
            }
        }
        if !decoded.is_empty() {
            self.telescope_log.update(|log| {
                for entry in &decoded {
                    log.push(entry);
                }
            });
        }
    }

    /// Decodes frames of the commands socket and applies them, in order.
    fn decode_commands(&self, frames: Vec<CommandsFrame>) {
        for frame in frames {
            match frame.decode() {
                Ok(message) => {
                    let updates = self
                        .router
                        .try_update_value(|r| r.commands(message))
                        .unwrap_or_default();
                    self.apply_commands(updates);
                }
                Err(e) => self.notify(format!("ignored a frame: commands: {e}")),
            }
        }
        self.refresh_ignored();
    }

    /// Applies what the router decided for the commands socket, in order.
    fn apply_commands(&self, updates: Vec<CommandUpdate>) {
        let now = now_ms();
        for update in updates {
            match update {
                CommandUpdate::Account(account) => {
                    self.identity.update(|me| me.account = Some(account));
                }
                CommandUpdate::Command { event, mine } => {
                    self.log
                        .update(|log| log.on_command_event(&event, mine, now));
                    self.workflow_saw(event.command_id);
                }
                CommandUpdate::Result(result) => {
                    if let Some(lease_id) =
                        self.log.with_untracked(|log| log.lease_granted(&result))
                    {
                        self.identity.update(|me| {
                            me.leases.insert(lease_id);
                        });
                    }
                    self.log.update(|log| log.on_result(&result, now));
                    self.workflow_saw(result.command_id);
                    self.alert_on_result(result.command_id);
                }
                CommandUpdate::Ack(id) => {
                    self.log.update(|log| {
                        log.on_ack(id);
                    });
                }
                CommandUpdate::Error(error) => {
                    let matched = self
                        .log
                        .try_update(|log| log.on_error(&error, now))
                        .unwrap_or(false);
                    if matched {
                        if let Some(id) = error.id.as_deref().and_then(|id| id.parse().ok()) {
                            self.workflow_saw(id);
                        }
                    } else {
                        self.notify(format!("server error `{}`: {}", error.code, error.message));
                    }
                }
                CommandUpdate::Notice(text) => self.notify(text),
            }
        }
    }

    /// The commands socket dropped while open: this tab's running commands
    /// now have an unknown outcome (never re-sent), and the workflow hears
    /// of it.
    fn commands_dropped(&self) {
        let marked = self.log.try_update(CommandLog::on_disconnect).unwrap_or(0);
        self.workflow_settle();
        if marked > 0 {
            self.notify(format!(
                "The commands socket dropped: {marked} running command(s) of this tab now have an unknown outcome. Nothing was re-sent."
            ));
        }
    }

    /// Starts a workflow (replacing a finished one) and publishes its first
    /// command.
    pub fn start_workflow(&self, mut workflow: Workflow) {
        let actions = workflow.start(now_ms());
        self.workflow.set(Some(workflow));
        self.run_workflow(actions);
    }

    /// Stops the running workflow: cancels what runs, releases its lease.
    pub fn stop_workflow(&self) {
        let actions = self
            .workflow
            .try_update(|w| w.as_mut().map(|w| w.stop(now_ms())))
            .flatten()
            .unwrap_or_default();
        self.run_workflow(actions);
    }

    /// A command's entry changed: the workflow hears of it if it watches it.
    fn workflow_saw(&self, id: CommandId) {
        // A delivery report may outlive the console (a test unmounting it).
        let watching = self
            .workflow
            .try_with_untracked(|w| {
                w.as_ref()
                    .is_some_and(|w| w.is_running() && w.watched_command() == Some(id))
            })
            .unwrap_or(false);
        if watching {
            self.workflow_settle();
        }
    }

    /// Hands the running workflow its watched command's entry until it stops
    /// moving on (a step may end on an entry the next step watches too).
    fn workflow_settle(&self) {
        for _ in 0..16 {
            let now = now_ms();
            let id = self
                .workflow
                .try_with_untracked(|w| w.as_ref().filter(|w| w.is_running())?.watched_command())
                .flatten();
            let entry = id.and_then(|id| {
                self.log
                    .try_with_untracked(|log| log.get(id).cloned())
                    .flatten()
            });
            let Some(entry) = entry else {
                return;
            };
            let mut changed = false;
            let mut actions = Vec::new();
            self.workflow.try_update(|w| {
                if let Some(w) = w {
                    let before = w.clone();
                    actions = w.observe_command(&entry, now);
                    changed = *w != before;
                }
            });
            self.run_workflow(actions);
            if !changed {
                return;
            }
        }
    }

    /// New device snapshots: the workflow hears its telescope's mount and
    /// focuser.
    fn workflow_saw_devices(&self) {
        let Some(uid) = self
            .workflow
            .try_with_untracked(|w| {
                w.as_ref()
                    .filter(|w| w.is_running())
                    .map(|w| w.telescope_uid.clone())
            })
            .flatten()
        else {
            return;
        };
        let Some((mount, focuser)) = self
            .telemetry
            .try_with_untracked(|t| t.with_devices(&uid, |d| (d.mount.clone(), d.focuser.clone())))
        else {
            return;
        };
        let now = now_ms();
        let mut actions = Vec::new();
        let mut changed = false;
        self.workflow.try_update(|w| {
            let Some(w) = w else { return };
            let before = w.clone();
            if let Some(m) = &mount {
                actions.extend(w.observe_mount(&m.value, m.received_at, now));
            }
            if let Some(f) = &focuser {
                actions.extend(w.observe_focuser(&f.value, f.received_at, now));
            }
            changed = *w != before;
        });
        self.run_workflow(actions);
        if changed {
            self.workflow_settle();
        }
    }

    /// Carries out a workflow's actions: publish (recording the command id)
    /// or cancel (only a command still running). A publish that fails is fed
    /// back. Nothing is ever re-sent.
    fn run_workflow(&self, actions: Vec<Action>) {
        let mut queue: std::collections::VecDeque<Action> = actions.into();
        while let Some(action) = queue.pop_front() {
            match action {
                Action::Publish(command) => {
                    let Some(uid) = self
                        .workflow
                        .with_untracked(|w| w.as_ref().map(|w| w.telescope_uid.clone()))
                    else {
                        return;
                    };
                    match self.publish_to(uid, command) {
                        Ok(id) => {
                            self.workflow.update(|w| {
                                if let Some(w) = w {
                                    w.published(id);
                                }
                            });
                        }
                        Err(e) => {
                            let more = self
                                .workflow
                                .try_update(|w| w.as_mut().map(|w| w.publish_failed(&e, now_ms())))
                                .flatten()
                                .unwrap_or_default();
                            queue.extend(more);
                        }
                    }
                }
                Action::Cancel(id) => {
                    let running = self
                        .log
                        .with_untracked(|log| log.get(id).is_some_and(|e| e.state.is_running()));
                    if running {
                        if let Err(e) = self.cancel(id) {
                            self.notify(format!("cancel not sent: {e}"));
                        }
                    }
                }
            }
        }
    }

    /// Publishes `command` to the selected telescope with a fresh command id.
    /// The log entry exists before the frame leaves; a socket that is not
    /// open, or a browser offline, makes it an error at once, never a later
    /// retry.
    pub fn publish(&self, command: Command) -> Result<CommandId, String> {
        let telescope_uid = self
            .selected
            .get_untracked()
            .ok_or("pick a telescope first")?;
        self.publish_to(telescope_uid, command)
    }

    /// Publishes `command` to `telescope_uid`.
    pub fn publish_to(
        &self,
        telescope_uid: TelescopeUid,
        command: Command,
    ) -> Result<CommandId, String> {
        let command_id = CommandId::new_v4();
        let now = now_ms();
        let message = CommandsClientMessage::PublishCommand(PublishCommand {
            telescope_uid: telescope_uid.clone(),
            command_id,
            command: command.clone(),
            origin: Some(self.origin()),
        });
        self.log
            .update(|log| log.begin(command_id, telescope_uid, command, now));
        // "Sent" means written to the socket: the transport says when, or
        // that the link dropped first.
        let this = *self;
        let delivered = move |delivery| {
            this.log.try_update(|log| match delivery {
                Delivery::Written => log.sent(command_id),
                Delivery::NotWritten => log.not_written(command_id, now_ms()),
            });
            this.workflow_saw(command_id);
        };
        // Offline, a frame could wait in the browser's socket and reach the
        // telescope long after: refuse it now instead.
        let sent = if self.online.get_untracked() {
            self.send_commands_reporting(CommandsOut::message(&message), delivered)
        } else {
            Err("the browser is offline".to_owned())
        };
        match sent {
            Ok(()) => Ok(command_id),
            Err(e) => {
                self.log.update(|log| log.not_sent(command_id, &e, now));
                Err(e)
            }
        }
    }

    /// Asks the server to cancel a running command.
    pub fn cancel(&self, command_id: CommandId) -> Result<(), String> {
        let log = self.log;
        let delivered = move |delivery| {
            if delivery == Delivery::NotWritten {
                log.try_update(|log| log.cancel_not_written(command_id));
            }
        };
        self.log.update(|log| log.cancel_requested(command_id));
        let sent = self.send_commands_reporting(
            CommandsOut::message(&CommandsClientMessage::CancelCommand(CancelCommand {
                command_id,
            })),
            delivered,
        );
        if sent.is_err() {
            self.log.update(|log| log.cancel_not_written(command_id));
        }
        sent
    }

    /// Abort: cancels every command of this tab that may still be running
    /// (running, or unknown after a dropped link); returns how many cancels
    /// were sent.
    pub fn cancel_all_mine(&self) -> usize {
        let running: Vec<CommandId> = self
            .log
            .with_untracked(|log| log.abortable_mine().map(|e| e.command_id).collect());
        running
            .into_iter()
            .filter(|id| self.cancel(*id).is_ok())
            .count()
    }

    fn origin(&self) -> Origin {
        Origin {
            client: CLIENT.into(),
            session_id: self.session_id.get_value(),
            user_agent: web_sys::window().and_then(|w| w.navigator().user_agent().ok()),
        }
    }
}
