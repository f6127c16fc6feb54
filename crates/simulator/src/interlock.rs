//! Safety, part two: the shutdown interlock that a failing interlock
//! constraint trips (cancel, park, close, refuse) and that clears once
//! every one of its constraints has held for `clear_after_s`.

use std::sync::Arc;
use std::time::Instant;

use skynet_protocol::{
    CommandId, ConstraintUid, ErrorCode, ErrorMessage, InterlockedDetails, LogLevel,
    ObservatoryUid, ShutdownInterlockSnapshot, TelescopeUid, Timestamp,
};

use crate::bus::Event;
use crate::clock::{Clock, Now};
use crate::sim::State;

impl State {
    /// The active interlock a telescope is under, if any.
    pub fn interlock_on(&self, tel: usize) -> Option<&Interlock> {
        self.interlocks.iter().find(|i| {
            i.active
                && match i.telescope {
                    Some(t) => t == tel,
                    None => self.observatories[i.observatory].telescopes.contains(&tel),
                }
        })
    }

    /// The `interlocked` refusal of a command on a telescope under an
    /// interlock, if it is.
    pub(crate) fn refuse_if_interlocked(
        &mut self,
        tel: usize,
        id: CommandId,
        command_type: &str,
        now: &Now,
    ) -> Result<(), ErrorMessage> {
        let Some(interlock) = self.interlock_on(tel) else {
            return Ok(());
        };
        let details = InterlockedDetails {
            reason: interlock.reason.clone(),
            constraint_uids: interlock.constraint_uids.clone(),
        };
        let message = format!(
            "the telescope is shut down by a safety interlock ({}); only lease releases, an owner's abort and cancels are taken until it clears",
            details.reason
        );
        self.log(
            tel,
            LogLevel::Warning,
            format!(
                "{command_type} {id} refused: shutdown interlock ({})",
                details.reason
            ),
            now,
        );
        Err(ErrorMessage {
            code: ErrorCode::Interlocked,
            message,
            details: serde_json::to_value(&details).ok(),
            id: Some(id.to_string()),
        })
    }

    /// Trips and clears the interlocks from the constraints' latest state.
    pub(crate) fn update_interlocks(&mut self, now: &Now, clock: &Clock) {
        for i in 0..self.interlocks.len() {
            let (observatory, telescope) =
                (self.interlocks[i].observatory, self.interlocks[i].telescope);
            let failing: Vec<(ConstraintUid, String)> = self
                .constraints
                .iter()
                .filter(|c| {
                    c.snapshot.interlock && c.observatory == observatory && c.telescope == telescope
                })
                .filter(|c| c.satisfied == Some(false))
                .map(|c| {
                    let message = c
                        .status
                        .as_ref()
                        .map_or_else(String::new, |s| s.message.clone());
                    (c.uid().clone(), message)
                })
                .collect();
            let clear_after = clock.real(self.observatories[observatory].config.clear_after_s);
            let lock = &mut self.interlocks[i];
            if !failing.is_empty() {
                lock.holding_since = None;
                let reason = failing
                    .iter()
                    .map(|(_, m)| m.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut uids = if lock.active {
                    lock.constraint_uids.clone()
                } else {
                    Vec::new()
                };
                for (uid, _) in &failing {
                    if !uids.contains(uid) {
                        uids.push(uid.clone());
                    }
                }
                let tripped = !lock.active;
                if tripped {
                    lock.active = true;
                    lock.since = now.timestamp();
                }
                let changed = tripped || lock.reason != reason || lock.constraint_uids != uids;
                lock.reason = reason;
                lock.constraint_uids = uids;
                if changed {
                    self.publish_interlock(i);
                }
                if tripped {
                    self.trip(i, now, clock);
                }
            } else if lock.active {
                let since = *lock.holding_since.get_or_insert(now.at);
                if now.at.saturating_duration_since(since) >= clear_after {
                    lock.active = false;
                    lock.since = now.timestamp();
                    lock.holding_since = None;
                    let reason = std::mem::take(&mut lock.reason);
                    lock.constraint_uids.clear();
                    self.publish_interlock(i);
                    self.clear(i, &reason, now, clock);
                }
            }
        }
    }

    fn publish_interlock(&mut self, i: usize) {
        let lock = &mut self.interlocks[i];
        lock.snapshot = Arc::new(ShutdownInterlockSnapshot {
            observatory_uid: lock.snapshot.observatory_uid.clone(),
            telescope_uid: lock.snapshot.telescope_uid.clone(),
            active: lock.active,
            reason: lock.reason.clone(),
            constraint_uids: lock.constraint_uids.clone(),
            since: lock.since.clone(),
        });
        let snapshot = lock.snapshot.clone();
        self.emit(Event::Interlock(snapshot));
    }

    /// The safe shutdown: cancel, park, close.
    fn trip(&mut self, i: usize, now: &Now, clock: &Clock) {
        let (observatory, telescope) =
            (self.interlocks[i].observatory, self.interlocks[i].telescope);
        let reason = self.interlocks[i].reason.clone();
        let telescopes = self.telescopes_of(observatory, telescope);
        for &tel in &telescopes {
            self.log(
                tel,
                LogLevel::Error,
                format!(
                    "shutdown interlock tripped: {reason}; parking the mount{}",
                    if telescope.is_none() {
                        " and closing the enclosure"
                    } else {
                        ""
                    }
                ),
                now,
            );
            let doomed: Vec<CommandId> = self
                .running
                .iter()
                .filter(|(_, r)| r.telescope == tel)
                .map(|(id, _)| *id)
                .collect();
            for id in doomed {
                let command_type = self
                    .running
                    .get(&id)
                    .map(|r| r.command_type.clone())
                    .unwrap_or_default();
                self.cancel_running(id, &format!("shutdown interlock: {reason}"), now, clock);
                self.log(
                    tel,
                    LogLevel::Warning,
                    format!("{command_type} {id} canceled by the shutdown interlock"),
                    now,
                );
            }
            let t = &mut self.telescopes[tel];
            if !t.mount.state(now, clock).parked {
                t.mount.park(now, clock);
                t.parking_for_interlock = true;
            }
        }
        if telescope.is_none() {
            let obs = &mut self.observatories[observatory];
            let move_s = obs.config.enclosure_move_s;
            obs.enclosure.move_to(false, move_s, now.at, clock);
        }
    }

    /// The interlock cleared: open again.
    fn clear(&mut self, i: usize, reason: &str, now: &Now, clock: &Clock) {
        let (observatory, telescope) =
            (self.interlocks[i].observatory, self.interlocks[i].telescope);
        let held = self.observatories[observatory].config.clear_after_s;
        for tel in self.telescopes_of(observatory, telescope) {
            self.log(
                tel,
                LogLevel::Info,
                format!("shutdown interlock cleared: every constraint has held for {held} s (it tripped on: {reason}); commands are taken again"),
                now,
            );
        }
        if telescope.is_none() {
            let obs = &mut self.observatories[observatory];
            let move_s = obs.config.enclosure_move_s;
            obs.enclosure.move_to(true, move_s, now.at, clock);
        }
    }

    /// Logs the enclosure's moves and the mounts the interlock parked.
    pub(crate) fn log_safe_state(&mut self, now: &Now, clock: &Clock) {
        for o in 0..self.observatories.len() {
            let obs = &mut self.observatories[o];
            let shutter = obs.enclosure.state(now.at).shutter;
            if shutter != obs.logged_shutter {
                obs.logged_shutter = shutter.clone();
                let name = obs.name();
                for tel in obs.telescopes.clone() {
                    self.log(
                        tel,
                        LogLevel::Info,
                        format!("the enclosure of {name} is {shutter}"),
                        now,
                    );
                }
            }
        }
        for tel in 0..self.telescopes.len() {
            let t = &mut self.telescopes[tel];
            if t.parking_for_interlock && t.mount.state(now, clock).parked {
                t.parking_for_interlock = false;
                self.log(
                    tel,
                    LogLevel::Warning,
                    "the mount is parked (shutdown interlock)".into(),
                    now,
                );
            }
        }
    }
}

/// A shutdown interlock, active or not.
pub struct Interlock {
    /// Its observatory (index).
    pub observatory: usize,
    /// Its telescope (index), or the whole observatory.
    pub telescope: Option<usize>,
    /// Shut down now.
    pub active: bool,
    /// Why, for people.
    pub reason: String,
    /// The interlock constraints that failed while it was active.
    pub constraint_uids: Vec<ConstraintUid>,
    since: Timestamp,
    /// Since when every one of its constraints has held (while active).
    holding_since: Option<Instant>,
    /// As last published.
    pub snapshot: Arc<ShutdownInterlockSnapshot>,
}

impl Interlock {
    /// Inactive.
    pub fn new(
        observatory: (usize, &ObservatoryUid),
        telescope: Option<(usize, &TelescopeUid)>,
        now: &Now,
    ) -> Self {
        Self {
            observatory: observatory.0,
            telescope: telescope.map(|(i, _)| i),
            active: false,
            reason: String::new(),
            constraint_uids: Vec::new(),
            since: now.timestamp(),
            holding_since: None,
            snapshot: Arc::new(ShutdownInterlockSnapshot {
                observatory_uid: observatory.1.clone(),
                telescope_uid: telescope.map(|(_, uid)| uid.clone()),
                active: false,
                reason: String::new(),
                constraint_uids: Vec::new(),
                since: now.timestamp(),
            }),
        }
    }
}
