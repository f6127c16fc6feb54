//! Authority: who may command a telescope, and the manual control lease
//! and system commands, which complete at once.

use std::sync::Arc;
use std::time::Instant;

use skynet_protocol::{
    Access, Command, CommandId, ControlAuthority, ErrorBody, ErrorCode, LeaseData, LeaseId,
    LeaseInfo, LeaseState, LogLevel, ManualMode, TelescopeUid,
};

use crate::bus::Event;
use crate::clock::{Clock, Now};
use crate::sim::{Outcome, Simulator, State};
use crate::telescope::Telescope;

/// An active lease.
#[derive(Debug, Clone)]
pub struct Lease {
    /// As published.
    pub info: LeaseInfo,
    /// When it lapses.
    pub expires: Instant,
}

/// Standing authority: the lease holder, or the owner or an operator. Lease
/// commands need only lease access; the owner's abort needs ownership.
pub(crate) fn authorize(
    t: &Telescope,
    account: &str,
    access: &Access,
    command: &Command,
) -> Result<(), String> {
    let uid = t.uid();
    match command {
        Command::LeaseAcquire(_) | Command::LeaseRenew(_) | Command::LeaseRelease(_) => {
            if access.may_lease() {
                Ok(())
            } else {
                Err(format!("{account} may watch {uid} but not take a manual control lease on it"))
            }
        }
        Command::AbortManualControl(_) => {
            if *access == Access::Owner {
                Ok(())
            } else {
                Err(format!("only the owner of {uid} may abort a manual control lease"))
            }
        }
        _ if access.has_standing_authority() || t.holder() == Some(account) => Ok(()),
        _ if t.manual_mode.is_some() => Err(format!(
            "{uid} is in sustained manual mode: only its owner and operators command it"
        )),
        _ => Err(match (t.holder(), access.may_lease()) {
            (Some(holder), _) => format!(
                "{account} has no standing authority on {uid}: its manual control lease is held by {holder}"
            ),
            (None, true) => {
                format!("{account} has no standing authority on {uid}: acquire a manual control lease first")
            }
            (None, false) => format!("{account} may watch {uid} but not command it"),
        }),
    }
}

/// The lease and system commands, which complete at once.
pub(crate) fn lease_command(
    st: &mut State,
    tel: usize,
    account: &str,
    command: &Command,
    now: &Now,
    clock: &Clock,
) -> Outcome {
    let lease_data = |lease: &Lease, duration_s: f64| {
        serde_json::to_value(LeaseData {
            lease_id: lease.info.lease_id.clone(),
            expires_at: lease.info.expires_at.clone(),
            duration_s,
        })
        .ok()
    };
    let not_found = |lease_id: &LeaseId| {
        Err(ErrorBody::new(
            ErrorCode::LeaseNotFound,
            format!("no active lease of yours with id {lease_id} on this telescope"),
        ))
    };
    let uid = st.telescopes[tel].uid().clone();
    match command {
        Command::LeaseAcquire(c) => {
            let t = &mut st.telescopes[tel];
            let standing = t
                .config
                .access
                .get(account)
                .is_some_and(Access::has_standing_authority);
            if let (Some(mode), false) = (&t.manual_mode, standing) {
                return Err(ErrorBody::new(
                    ErrorCode::ManualMode,
                    format!(
                        "{uid} is in sustained manual mode (set by {} at {}): no lease can be taken",
                        mode.set_by, mode.since
                    ),
                ));
            }
            if let Some(lease) = &t.lease {
                if lease.info.holder != account {
                    return Err(ErrorBody::new(
                        ErrorCode::LeaseHeld,
                        format!(
                            "{uid} is leased to {} until {}",
                            lease.info.holder, lease.info.expires_at
                        ),
                    )
                    .with_typed_details(&skynet_protocol::LeaseHeldDetails {
                        holder: lease.info.holder.clone(),
                        expires_at: lease.info.expires_at.clone(),
                        lease_id: lease.info.lease_id.clone(),
                    }));
                }
            }
            let expires = now.at + clock.real(c.duration_s);
            let renewed = t.lease.is_some();
            let lease = t.lease.get_or_insert_with(|| Lease {
                info: LeaseInfo {
                    lease_id: LeaseId(uuid::Uuid::new_v4().to_string()),
                    telescope_uid: uid.clone(),
                    holder: account.to_owned(),
                    state: LeaseState::Active,
                    expires_at: now.timestamp_at(expires),
                    purpose: c.purpose.clone(),
                },
                expires,
            });
            lease.expires = expires;
            lease.info.expires_at = now.timestamp_at(expires);
            if c.purpose.is_some() {
                lease.info.purpose = c.purpose.clone();
            }
            let lease = lease.clone();
            st.emit(Event::Lease(Arc::new(lease.info.clone())));
            st.emit(Event::Telescope(uid.clone()));
            let verb = if renewed { "extended" } else { "acquired" };
            st.log(
                tel,
                LogLevel::Info,
                format!(
                    "{account} {verb} a manual control lease until {}",
                    lease.info.expires_at
                ),
                now,
            );
            Ok(lease_data(&lease, c.duration_s))
        }
        Command::LeaseRenew(c) => {
            let t = &mut st.telescopes[tel];
            let Some(lease) = t
                .lease
                .as_mut()
                .filter(|l| l.info.lease_id == c.lease_id && l.info.holder == account)
            else {
                return not_found(&c.lease_id);
            };
            lease.expires = now.at + clock.real(c.duration_s);
            lease.info.expires_at = now.timestamp_at(lease.expires);
            let lease = lease.clone();
            st.emit(Event::Lease(Arc::new(lease.info.clone())));
            st.emit(Event::Telescope(uid));
            Ok(lease_data(&lease, c.duration_s))
        }
        Command::LeaseRelease(c) => {
            let t = &st.telescopes[tel];
            if !t
                .lease
                .as_ref()
                .is_some_and(|l| l.info.lease_id == c.lease_id && l.info.holder == account)
            {
                return not_found(&c.lease_id);
            }
            st.end_lease(tel, LeaseState::Released, now, clock);
            Ok(serde_json::to_value(skynet_protocol::LeaseEndedData {
                lease_id: c.lease_id.clone(),
            })
            .ok())
        }
        Command::AbortManualControl(c) => {
            let t = &st.telescopes[tel];
            if t.lease
                .as_ref()
                .is_none_or(|l| l.info.lease_id != c.lease_id)
            {
                return Err(ErrorBody::new(
                    ErrorCode::LeaseNotFound,
                    format!("no active lease {} on this telescope", c.lease_id),
                ));
            }
            st.end_lease(tel, LeaseState::Revoked, now, clock);
            Ok(serde_json::to_value(skynet_protocol::LeaseEndedData {
                lease_id: c.lease_id.clone(),
            })
            .ok())
        }
        _ => Err(ErrorBody::new(ErrorCode::Internal, "not a lease command")),
    }
}

impl State {
    /// Ends a telescope's lease and cancels the commands run under it.
    pub(crate) fn end_lease(&mut self, tel: usize, state: LeaseState, now: &Now, clock: &Clock) {
        let Some(mut lease) = self.telescopes[tel].lease.take() else {
            return;
        };
        lease.info.state = state.clone();
        let lease_id = lease.info.lease_id.clone();
        let doomed: Vec<CommandId> = self
            .running
            .iter()
            .filter(|(_, r)| r.lease_id.as_ref() == Some(&lease_id))
            .map(|(id, _)| *id)
            .collect();
        let why = format!("the manual control lease was {state}");
        for id in doomed {
            self.cancel_running(id, &why, now, clock);
        }
        let message = format!(
            "the manual control lease of {} {state}; the telescope is back under remote control",
            lease.info.holder
        );
        self.emit(Event::Lease(Arc::new(lease.info)));
        self.emit(Event::Telescope(self.telescopes[tel].uid().clone()));
        self.log(tel, LogLevel::Info, message, now);
    }
}

impl Simulator {
    /// Puts a telescope in an owner's sustained manual mode, or back under
    /// remote control (SkyNet publishes no command for this; the simulator's
    /// test hook and world file set it). Going manual revokes a lease someone
    /// holds, canceling its commands. Errs for an unknown telescope.
    pub fn set_control_authority(
        &self,
        telescope: &TelescopeUid,
        mode: ControlAuthority,
    ) -> Result<(), String> {
        self.with(|st, now, clock| {
            let tel = st
                .telescopes
                .iter()
                .position(|t| t.uid() == telescope)
                .ok_or_else(|| format!("no telescope {telescope}"))?;
            let message = match mode {
                ControlAuthority::Manual => {
                    if st.telescopes[tel].lease.is_some() {
                        st.end_lease(tel, LeaseState::Revoked, now, clock);
                    }
                    let set_by = st.telescopes[tel]
                        .config
                        .owner()
                        .unwrap_or("owner")
                        .to_owned();
                    let message = format!("{set_by} holds the telescope in sustained manual mode");
                    st.telescopes[tel].manual_mode = Some(ManualMode {
                        set_by,
                        since: now.timestamp(),
                    });
                    message
                }
                ControlAuthority::Remote => {
                    st.telescopes[tel].manual_mode = None;
                    "sustained manual mode ended: the telescope is back under remote control".into()
                }
                ControlAuthority::Other(other) => return Err(format!("no mode `{other}`")),
            };
            st.emit(Event::Telescope(telescope.clone()));
            st.log(tel, LogLevel::Info, message, now);
            Ok(())
        })
    }
}
