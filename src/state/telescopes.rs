//! The telescopes this account can see, their control authority and leases,
//! and what that means for this tab: may it command, and why not.

use std::collections::HashSet;

use skynet_protocol::{
    Access, ControlAuthority, LeaseId, LeaseInfo, LeaseState, TelescopeSnapshot, TelescopeUid,
};

use super::time::{parse_rfc3339, Millis};

/// A lease is about to lapse when less than this remains.
pub const LEASE_WARNING_MS: Millis = 60_000.0;

/// Who this tab is: learnt from the server, never typed in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    /// The account, once a command of this tab came back on the `command`
    /// stream with it.
    pub account: Option<String>,
    /// Leases granted to this tab (from acquire results).
    pub leases: HashSet<LeaseId>,
}

impl Identity {
    /// Whether a lease is this tab's (or this account's, seen from another tab).
    pub fn holds(&self, lease: &LeaseInfo) -> bool {
        self.leases.contains(&lease.lease_id) || self.account.as_deref() == Some(&lease.holder)
    }
}

/// The telescopes seen on `telescope_snapshot`, sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Telescopes {
    list: Vec<TelescopeSnapshot>,
}

impl Telescopes {
    /// None seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every telescope, sorted by name.
    pub fn list(&self) -> &[TelescopeSnapshot] {
        &self.list
    }

    /// One telescope.
    pub fn get(&self, uid: &TelescopeUid) -> Option<&TelescopeSnapshot> {
        self.list.iter().find(|t| &t.telescope_uid == uid)
    }

    /// Takes a telescope snapshot (replacing the previous one).
    pub fn on_snapshot(&mut self, snapshot: TelescopeSnapshot) {
        match self
            .list
            .iter_mut()
            .find(|t| t.telescope_uid == snapshot.telescope_uid)
        {
            Some(existing) => *existing = snapshot,
            None => {
                self.list.push(snapshot);
                self.list.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
    }

    /// Takes a lease event: an active lease is the telescope's lease; an
    /// ended one clears it (if it is the one shown).
    pub fn on_lease(&mut self, lease: &LeaseInfo) {
        let Some(telescope) = self
            .list
            .iter_mut()
            .find(|t| t.telescope_uid == lease.telescope_uid)
        else {
            return;
        };
        if lease.state == LeaseState::Active {
            telescope.lease = Some(lease.clone());
            telescope.control_authority = ControlAuthority::Manual;
        } else if telescope
            .lease
            .as_ref()
            .is_some_and(|l| l.lease_id == lease.lease_id)
        {
            telescope.lease = None;
            // The end of a lease does not end sustained manual mode.
            if telescope.manual_mode.is_none() {
                telescope.control_authority = ControlAuthority::Remote;
            }
        }
    }
}

/// The lease of a telescope as this tab sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum LeaseView {
    /// Nobody holds it: the telescope runs under `remote` control.
    Free,
    /// This tab (or this account) holds it.
    Mine {
        /// The lease.
        lease: LeaseInfo,
        /// Time left, when `expires_at` could be read.
        remaining_ms: Option<Millis>,
    },
    /// Someone else holds it.
    Theirs {
        /// The lease.
        lease: LeaseInfo,
        /// Time left, when `expires_at` could be read.
        remaining_ms: Option<Millis>,
    },
}

impl LeaseView {
    /// The lease of `telescope` for `me` at `now`.
    pub fn of(telescope: &TelescopeSnapshot, me: &Identity, now: Millis) -> Self {
        match &telescope.lease {
            Some(lease) if lease.state == LeaseState::Active => {
                let remaining_ms = parse_rfc3339(lease.expires_at.as_str()).map(|at| at - now);
                if me.holds(lease) {
                    Self::Mine {
                        lease: lease.clone(),
                        remaining_ms,
                    }
                } else {
                    Self::Theirs {
                        lease: lease.clone(),
                        remaining_ms,
                    }
                }
            }
            _ => Self::Free,
        }
    }

    /// Mine, with less than a minute left.
    pub fn expiring_soon(&self) -> bool {
        matches!(self, Self::Mine { remaining_ms: Some(ms), .. } if *ms < LEASE_WARNING_MS)
    }
}

/// Who holds `telescope` and why, in a line for people: sustained manual
/// mode (who set it, since when), a lease (its holder), or nobody (remote
/// control by the scheduler).
pub fn holder_line(telescope: &TelescopeSnapshot) -> String {
    if let Some(mode) = &telescope.manual_mode {
        return format!(
            "sustained manual mode, set by {} at {}",
            super::display::name(&mode.set_by),
            since_text(mode.since.as_str())
        );
    }
    match &telescope.lease {
        Some(lease) if lease.state == LeaseState::Active => {
            format!(
                "manual · lease held by {}",
                super::display::name(&lease.holder)
            )
        }
        _ => "remote control · no lease".into(),
    }
}

/// `since` as `HH:MM:SS UTC` when it reads as RFC 3339, else as sent (bounded).
fn since_text(since: &str) -> String {
    match parse_rfc3339(since) {
        Some(ms) => format!("{} UTC", super::time::format_clock(ms)),
        None => super::display::name(since),
    }
}

/// Whether this tab may publish hardware commands on `telescope` now, and if
/// not, why, in words that say what to do.
pub fn authority(telescope: &TelescopeSnapshot, me: &Identity, now: Millis) -> Result<(), String> {
    if telescope.access.has_standing_authority() {
        return Ok(());
    }
    if !telescope.access.may_lease() {
        return Err(format!(
            "Your access to {} is `{}`: you may watch but not command.",
            super::display::name(&telescope.name),
            telescope.access
        ));
    }
    if let Some(mode) = &telescope.manual_mode {
        return Err(format!(
            "{} is held in sustained manual mode by {} (since {}): only its owner and operators command it until it returns to remote control.",
            telescope.name,
            super::display::name(&mode.set_by),
            since_text(mode.since.as_str())
        ));
    }
    match LeaseView::of(telescope, me, now) {
        LeaseView::Mine { .. } => Ok(()),
        LeaseView::Theirs { lease, .. } => Err(format!(
            "{} holds the manual control lease on {}.",
            super::display::name(&lease.holder),
            super::display::name(&telescope.name)
        )),
        LeaseView::Free => Err(format!(
            "Acquire a manual control lease on {} first.",
            super::display::name(&telescope.name)
        )),
    }
}

/// Whether this tab may take a lease on `telescope`: not while it is held
/// in sustained manual mode (an acquire would fail with `manual_mode`), and
/// owners and operators need none then.
pub fn may_lease(telescope: &TelescopeSnapshot) -> bool {
    telescope.access.may_lease() && telescope.manual_mode.is_none()
}

/// Whether this tab may abort others' leases (owners only).
pub fn may_abort(telescope: &TelescopeSnapshot) -> bool {
    telescope.access == Access::Owner
}

#[cfg(test)]
mod tests {
    use super::*;
    use skynet_protocol::{Site, Timestamp};

    fn telescope(uid: &str, name: &str, access: Access) -> TelescopeSnapshot {
        TelescopeSnapshot {
            telescope_uid: TelescopeUid(uid.into()),
            name: name.into(),
            observatory_uid: None,
            site: Site {
                latitude_deg: 28.76,
                longitude_deg: -17.88,
                elevation_m: 2396.0,
            },
            control_authority: ControlAuthority::Remote,
            lease: None,
            manual_mode: None,
            devices: vec![],
            access,
            local_horizon: vec![],
        }
    }

    fn lease(id: &str, holder: &str, state: LeaseState) -> LeaseInfo {
        LeaseInfo {
            lease_id: LeaseId(id.into()),
            telescope_uid: TelescopeUid("tel-a".into()),
            holder: holder.into(),
            state,
            expires_at: Timestamp("1970-01-01T00:10:00Z".into()),
            purpose: None,
        }
    }

    #[test]
    fn telescopes_are_sorted_and_replaced_by_uid() {
        let mut t = Telescopes::new();
        t.on_snapshot(telescope("tel-b", "Siding Spring", Access::Astronomer));
        t.on_snapshot(telescope("tel-a", "La Palma", Access::Astronomer));
        t.on_snapshot(telescope("tel-b", "Siding Spring", Access::Viewer));
        let names: Vec<_> = t.list().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["La Palma", "Siding Spring"]);
        assert_eq!(
            t.get(&TelescopeUid("tel-b".into())).unwrap().access,
            Access::Viewer
        );
    }

    #[test]
    fn lease_events_set_and_clear_the_lease() {
        let mut t = Telescopes::new();
        t.on_snapshot(telescope("tel-a", "La Palma", Access::Astronomer));
        let uid = TelescopeUid("tel-a".into());
        t.on_lease(&lease("l1", "dev-astronomer", LeaseState::Active));
        assert_eq!(
            t.get(&uid).unwrap().control_authority,
            ControlAuthority::Manual
        );
        // The end of some other lease changes nothing.
        t.on_lease(&lease("l0", "dev-astronomer", LeaseState::Expired));
        assert!(t.get(&uid).unwrap().lease.is_some());
        t.on_lease(&lease("l1", "dev-astronomer", LeaseState::Revoked));
        assert_eq!(t.get(&uid).unwrap().lease, None);
        assert_eq!(
            t.get(&uid).unwrap().control_authority,
            ControlAuthority::Remote
        );
    }

    #[test]
    fn authority_says_what_to_do() {
        let me = Identity::default();
        let mut scope = telescope("tel-a", "La Palma", Access::Astronomer);
        assert!(authority(&scope, &me, 0.0)
            .unwrap_err()
            .contains("Acquire a manual control lease"));

        scope.lease = Some(lease("l1", "dev-astronomer-2", LeaseState::Active));
        assert!(authority(&scope, &me, 0.0)
            .unwrap_err()
            .contains("dev-astronomer-2 holds"));
        assert!(matches!(
            LeaseView::of(&scope, &me, 0.0),
            LeaseView::Theirs { remaining_ms: Some(ms), .. } if ms == 600_000.0
        ));

        let mut mine = Identity::default();
        mine.leases.insert(LeaseId("l1".into()));
        assert_eq!(authority(&scope, &mine, 0.0), Ok(()));
        assert!(!LeaseView::of(&scope, &mine, 0.0).expiring_soon());
        assert!(LeaseView::of(&scope, &mine, 560_000.0).expiring_soon());

        let viewer = telescope("tel-a", "La Palma", Access::Viewer);
        assert!(authority(&viewer, &me, 0.0)
            .unwrap_err()
            .contains("watch but not command"));
        assert!(!may_lease(&viewer));
        let owner = telescope("tel-a", "La Palma", Access::Owner);
        assert_eq!(authority(&owner, &me, 0.0), Ok(()));
        assert!(may_abort(&owner));
    }

    #[test]
    fn sustained_manual_mode_leaves_commands_to_owners_and_operators_and_says_so() {
        use skynet_protocol::ManualMode;
        let me = Identity::default();
        let manual = |access| {
            let mut t = telescope("tel-a", "La Palma", access);
            t.control_authority = ControlAuthority::Manual;
            t.manual_mode = Some(ManualMode {
                set_by: "dev-owner".into(),
                since: Timestamp("2026-12-02T21:04:05Z".into()),
            });
            t
        };
        let astronomer = manual(Access::Astronomer);
        let why = authority(&astronomer, &me, 0.0).unwrap_err();
        assert!(
            why.contains("sustained manual mode by dev-owner (since 21:04:05 UTC)"),
            "{why}"
        );
        assert!(why.contains("only its owner and operators"), "{why}");
        assert!(
            !may_lease(&astronomer),
            "an acquire would fail: not offered"
        );
        assert_eq!(authority(&manual(Access::Owner), &me, 0.0), Ok(()));
        assert_eq!(authority(&manual(Access::Operator), &me, 0.0), Ok(()));
        assert_eq!(
            holder_line(&astronomer),
            "sustained manual mode, set by dev-owner at 21:04:05 UTC"
        );

        // A lease that ends while manual mode holds leaves it manual.
        let mut t = Telescopes::new();
        t.on_snapshot(manual(Access::Owner));
        t.on_lease(&lease("l1", "dev-astronomer", LeaseState::Active));
        t.on_lease(&lease("l1", "dev-astronomer", LeaseState::Revoked));
        let uid = TelescopeUid("tel-a".into());
        assert_eq!(
            t.get(&uid).unwrap().control_authority,
            ControlAuthority::Manual
        );
        let mut plain = telescope("tel-a", "La Palma", Access::Astronomer);
        assert_eq!(holder_line(&plain), "remote control · no lease");
        plain.lease = Some(lease("l2", &"x".repeat(1_000_000), LeaseState::Active));
        assert!(holder_line(&plain).chars().count() < 200, "bounded");
    }
}
