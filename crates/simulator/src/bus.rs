//! The event bus every socket listens to, and what is kept for new
//! subscribers: the telescope log and the retained snapshots.

use std::sync::Arc;

use skynet_protocol::{
    Command, CommandId, CommandResult, CommandStatus, ConstraintSnapshot, ConstraintStatusSnapshot,
    DeviceSnapshot, InstrumentSnapshot, LeaseInfo, LogCommand, LogEntryBody, LogEntryUid, LogLevel,
    ObservatoryUid, Origin, ShutdownInterlockSnapshot, TelescopeLogEntry, TelescopeUid, Timestamp,
};

use crate::clock::Now;
use crate::observatory::{observatory_device_uid, ObservatoryDevice};
use crate::sim::State;

/// Log entries kept per telescope for new subscribers.
pub const KEPT_LOGS: usize = 50;

/// A command accepted for a telescope, as `command` subscribers see it.
#[derive(Debug, Clone)]
pub struct PublishedCommand {
    /// Its id.
    pub command_id: CommandId,
    /// Its telescope.
    pub telescope_uid: TelescopeUid,
    /// The command.
    pub command: Command,
    /// The sender's Origin record.
    pub origin: Option<Origin>,
    /// When it was accepted.
    pub published_at: Timestamp,
    /// The sending account.
    pub account: String,
}

/// Something that happened, for every socket to filter and deliver.
#[derive(Debug, Clone)]
pub enum Event {
    /// A device snapshot was published.
    Device(Arc<DeviceSnapshot>),
    /// A telescope's summary changed (each viewer renders its own).
    Telescope(TelescopeUid),
    /// The imaging instrument's state changed.
    Instrument(Arc<InstrumentSnapshot>),
    /// A lease changed.
    Lease(Arc<LeaseInfo>),
    /// A log entry.
    Log(Arc<TelescopeLogEntry>),
    /// A constraint (published once, retained).
    Constraint(Arc<ConstraintSnapshot>),
    /// A constraint's status changed.
    ConstraintStatus {
        /// The status.
        status: Arc<ConstraintStatusSnapshot>,
        /// Its constraint's observatory.
        observatory: ObservatoryUid,
        /// Its constraint's telescope, or none for the whole observatory.
        telescope: Option<TelescopeUid>,
    },
    /// A shutdown interlock changed.
    Interlock(Arc<ShutdownInterlockSnapshot>),
    /// A command was accepted.
    Command(Arc<PublishedCommand>),
    /// A command finished.
    Result(Arc<CommandResult>),
    /// Test hook: cut the sockets of an account (all when `None`).
    CutSockets(Cut, Option<String>),
    /// These OAuth grants were revoked: their sockets close.
    Revoked(Vec<u64>),
}

/// How a test hook cuts a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Closed without a close frame, as a failed network would.
    Drop,
    /// Left open with nothing going out and what comes in ignored, as a link
    /// that died silently would (a sleeping NAT, a pulled cable), until the
    /// client gives up on it.
    Freeze,
}

impl Event {
    /// The observatory it concerns, when it says so itself (an observatory's
    /// own device, a constraint, an interlock).
    pub fn observatory_uid(&self) -> Option<&ObservatoryUid> {
        match self {
            Self::Device(s) => s.observatory_uid.as_ref(),
            Self::Constraint(c) => Some(&c.observatory_uid),
            Self::ConstraintStatus { observatory, .. } => Some(observatory),
            Self::Interlock(i) => Some(&i.observatory_uid),
            _ => None,
        }
    }

    /// The telescope it concerns (none for an observatory's own).
    pub fn telescope_uid(&self) -> Option<&TelescopeUid> {
        match self {
            Self::Device(s) => s.telescope_uid.as_ref(),
            Self::Telescope(uid) => Some(uid),
            Self::Instrument(s) => Some(&s.telescope_uid),
            Self::Lease(l) => Some(&l.telescope_uid),
            Self::Log(l) => Some(&l.telescope_uid),
            Self::Command(c) => Some(&c.telescope_uid),
            Self::Result(r) => r.telescope_uid.as_ref(),
            Self::Constraint(c) => c.telescope_uid.as_ref(),
            Self::ConstraintStatus { telescope, .. } => telescope.as_ref(),
            Self::Interlock(i) => i.telescope_uid.as_ref(),
            Self::CutSockets(..) | Self::Revoked(_) => None,
        }
    }
}

/// What a new subscription is sent at once.
#[derive(Default)]
pub struct Retention {
    /// The latest snapshot of each device.
    pub devices: Vec<Arc<DeviceSnapshot>>,
    /// The instrument's latest state.
    pub instrument: Option<Arc<InstrumentSnapshot>>,
    /// The active lease.
    pub lease: Option<Arc<LeaseInfo>>,
    /// The latest log entries.
    pub logs: Vec<Arc<TelescopeLogEntry>>,
}

impl State {
    pub(crate) fn emit(&self, event: Event) {
        // No receiver is fine: nobody is listening.
        let _ = self.events.send(event);
    }

    /// Appends to a telescope's log and publishes the entry.
    pub fn log(&mut self, telescope: usize, level: LogLevel, message: String, now: &Now) {
        let entry = TelescopeLogEntry::message(
            LogEntryUid(uuid::Uuid::new_v4().to_string()),
            self.telescopes[telescope].uid().clone(),
            now.timestamp(),
            level,
            message,
        );
        self.push_log(telescope, entry);
    }

    /// Keeps a log entry for replay and publishes it.
    pub(crate) fn push_log(&mut self, telescope: usize, entry: TelescopeLogEntry) {
        let entry = Arc::new(entry);
        let logs = &mut self.telescopes[telescope].logs;
        if logs.len() == KEPT_LOGS {
            logs.pop_front();
        }
        logs.push_back(entry.clone());
        self.emit(Event::Log(entry));
    }

    /// Appends a `command` entry (a command's outcome) to a telescope's log.
    pub(crate) fn log_command(
        &mut self,
        telescope: usize,
        command_id: CommandId,
        command_type: &str,
        status: CommandStatus,
        now: &Now,
    ) {
        let entry = TelescopeLogEntry {
            entry_uid: LogEntryUid(uuid::Uuid::new_v4().to_string()),
            telescope_uid: self.telescopes[telescope].uid().clone(),
            at: now.timestamp(),
            body: LogEntryBody::Command(LogCommand {
                command_id,
                command_type: command_type.to_owned(),
                status,
            }),
        };
        self.push_log(telescope, entry);
    }
}

impl crate::sim::Simulator {
    /// The retained state of the observatories, for `include_existing`:
    /// their devices' latest snapshots, the constraints and their latest
    /// status, and every interlock, active or not.
    pub fn retained_safety(&self) -> Vec<Event> {
        let st = self.lock();
        let mut events = Vec::new();
        for o in &st.observatories {
            for device in ObservatoryDevice::ALL {
                let uid = observatory_device_uid(o.uid(), &device.device_type());
                events.extend(
                    st.retained
                        .get(&uid)
                        .map(|r| Event::Device(r.snapshot.clone())),
                );
            }
        }
        for c in &st.constraints {
            events.push(Event::Constraint(c.snapshot.clone()));
            events.extend(c.status.clone().map(|status| c.status_event(status)));
        }
        events.extend(
            st.interlocks
                .iter()
                .map(|i| Event::Interlock(i.snapshot.clone())),
        );
        events
    }
}
