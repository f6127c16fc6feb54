//! The reference's two patterns as guided workflows: Manual slew-and-expose
//! and Autofocus sweep. A [`Workflow`] is a step machine on plain data: it is
//! fed what the console sees (command entries, mount and focuser snapshots)
//! and answers with [`Action`]s for the console to carry out. It never
//! re-sends: a step whose command fails, is canceled or loses its outcome
//! stops the workflow, which then releases the lease it took.

use skynet_protocol::{
    CameraExposureStart, Command, CommandId, FocuserState, ImagerAutofocus, LeaseAcquire, LeaseId,
    LeaseRelease, MountState, MountTrack, TargetPosition, TelescopeUid,
};

use super::command_log::{advice_for, CommandEntry, CommandState, Outcome};
use super::time::Millis;

/// What the console should do next for a workflow.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Publish this command to the workflow's telescope, then call
    /// [`Workflow::published`] (or [`Workflow::publish_failed`]).
    Publish(Command),
    /// Ask the server to cancel this command.
    Cancel(CommandId),
}

/// Where a step is.
#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    /// Not reached yet.
    Pending,
    /// Running now.
    Active,
    /// Finished, with a detail for people.
    Done(String),
    /// Failed, with why.
    Failed(String),
    /// Not run because an earlier step failed.
    Skipped,
}

impl StepState {
    /// A word for the step list (and `data-state`).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Done(_) => "done",
            Self::Failed(_) => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// What a step waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// The result of the command it publishes.
    Result,
    /// Only that its command was accepted (the result is the next step's).
    Accepted,
    /// A mount snapshot, newer than the step, reporting tracking.
    MountTracking,
    /// A focuser snapshot, newer than the step, showing it moving.
    FocuserMoving,
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Take the manual control lease.
    Acquire,
    /// `mount.track` to the target.
    Track,
    /// Until the mount reports tracking.
    WaitTracking,
    /// `camera.exposure.start`.
    Expose,
    /// Until the exposure's result.
    WaitExposure,
    /// `imager.autofocus`.
    Autofocus,
    /// Until the focuser moves.
    WatchFocuser,
    /// Until the autofocus result.
    WaitAutofocus,
    /// Give the lease back (its id comes from the acquire result).
    Release,
}

impl StepKind {
    /// What the step does, for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::Acquire => "Acquire the lease",
            Self::Track => "Track the target",
            Self::WaitTracking => "Wait for the mount to report tracking",
            Self::Expose => "Start the exposure",
            Self::WaitExposure => "Wait for the exposure result",
            Self::Autofocus => "Start the autofocus",
            Self::WatchFocuser => "Watch the focuser move",
            Self::WaitAutofocus => "Wait for the autofocus result",
            Self::Release => "Release the lease",
        }
    }
}

/// One step of a workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What the step does.
    pub kind: StepKind,
    /// Where it is.
    pub state: StepState,
    command: Option<Command>,
    wait: Wait,
    command_id: Option<CommandId>,
}

impl Step {
    fn new(kind: StepKind, command: Option<Command>, wait: Wait) -> Self {
        Self {
            kind,
            state: StepState::Pending,
            command,
            wait,
            command_id: None,
        }
    }

    /// What the step does, for people.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }
}

/// Which workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowKind {
    /// Acquire, track, wait for tracking, expose, wait for the result, release.
    SlewAndExpose,
    /// Acquire, autofocus, watch the focuser move, result, release.
    AutofocusSweep,
}

impl WorkflowKind {
    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Self::SlewAndExpose => "Manual slew-and-expose",
            Self::AutofocusSweep => "Autofocus sweep",
        }
    }
}

/// How a workflow ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// Every step done.
    Succeeded,
    /// A step failed (its name, and why).
    Failed {
        /// The step that failed.
        step: &'static str,
        /// Why.
        reason: String,
    },
}

/// A running or finished workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    /// Which one.
    pub kind: WorkflowKind,
    /// The telescope it drives.
    pub telescope_uid: TelescopeUid,
    /// Every step, in order; the last releases the lease.
    pub steps: Vec<Step>,
    current: usize,
    step_started_at: Millis,
    lease_id: Option<LeaseId>,
    focuser_start: Option<f64>,
    failure: Option<(&'static str, String)>,
    /// The command ids this workflow published, in order.
    pub commands: Vec<CommandId>,
}

impl Workflow {
    /// Manual slew-and-expose: the reference's first pattern.
    pub fn slew_and_expose(
        telescope_uid: TelescopeUid,
        lease_s: f64,
        target: TargetPosition,
        exposure: CameraExposureStart,
    ) -> Self {
        Self::new(
            WorkflowKind::SlewAndExpose,
            telescope_uid,
            vec![
                acquire_step(lease_s),
                Step::new(
                    StepKind::Track,
                    Some(Command::MountTrack(MountTrack {
                        target,
                        offset_pattern: None,
                    })),
                    Wait::Result,
                ),
                Step::new(StepKind::WaitTracking, None, Wait::MountTracking),
                Step::new(
                    StepKind::Expose,
                    Some(Command::CameraExposureStart(exposure)),
                    Wait::Accepted,
                ),
                Step::new(StepKind::WaitExposure, None, Wait::Result),
                release_step(),
            ],
        )
    }

    /// Autofocus sweep: the reference's second pattern.
    pub fn autofocus_sweep(
        telescope_uid: TelescopeUid,
        lease_s: f64,
        autofocus: ImagerAutofocus,
    ) -> Self {
        Self::new(
            WorkflowKind::AutofocusSweep,
            telescope_uid,
            vec![
                acquire_step(lease_s),
                Step::new(
                    StepKind::Autofocus,
                    Some(Command::ImagerAutofocus(autofocus)),
                    Wait::Accepted,
                ),
                Step::new(StepKind::WatchFocuser, None, Wait::FocuserMoving),
                Step::new(StepKind::WaitAutofocus, None, Wait::Result),
                release_step(),
            ],
        )
    }

    fn new(kind: WorkflowKind, telescope_uid: TelescopeUid, steps: Vec<Step>) -> Self {
        Self {
            kind,
            telescope_uid,
            steps,
            current: 0,
            step_started_at: 0.0,
            lease_id: None,
            focuser_start: None,
            failure: None,
            commands: Vec::new(),
        }
    }

    /// Starts the first step.
    pub fn start(&mut self, now: Millis) -> Vec<Action> {
        self.enter(0, now)
    }

    /// How it ended, once it has.
    pub fn finish(&self) -> Option<Finish> {
        if self.current < self.steps.len() {
            return None;
        }
        Some(match &self.failure {
            None => Finish::Succeeded,
            Some((step, reason)) => Finish::Failed {
                step,
                reason: reason.clone(),
            },
        })
    }

    /// Still running.
    pub fn is_running(&self) -> bool {
        self.current < self.steps.len()
    }

    /// The command the current step watches: its own, or (for a step that
    /// only waits) the latest one published before it. Its entry goes to
    /// [`observe_command`](Self::observe_command) whenever it changes.
    pub fn watched_command(&self) -> Option<CommandId> {
        let step = self.steps.get(self.current)?;
        step.command_id.or_else(|| {
            (step.command.is_none())
                .then(|| {
                    self.steps[..self.current]
                        .iter()
                        .rev()
                        .find_map(|s| s.command_id)
                })
                .flatten()
        })
    }

    fn enter(&mut self, index: usize, now: Millis) -> Vec<Action> {
        self.current = index;
        self.step_started_at = now;
        let lease_id = self.lease_id.clone();
        let Some(step) = self.steps.get_mut(index) else {
            return Vec::new();
        };
        step.state = StepState::Active;
        if step.kind == StepKind::Release && step.command.is_none() {
            match lease_id {
                Some(lease_id) => {
                    step.command = Some(Command::LeaseRelease(LeaseRelease { lease_id }));
                }
                None => {
                    step.state = StepState::Skipped;
                    self.current = self.steps.len();
                    return Vec::new();
                }
            }
        }
        match &step.command {
            Some(command) => vec![Action::Publish(command.clone())],
            None => Vec::new(),
        }
    }

    /// The current step's command was published with `id`.
    pub fn published(&mut self, id: CommandId) {
        if let Some(step) = self.steps.get_mut(self.current) {
            step.command_id = Some(id);
            self.commands.push(id);
        }
    }

    /// The current step's command could not be published.
    pub fn publish_failed(&mut self, why: &str, now: Millis) -> Vec<Action> {
        self.fail(format!("not sent: {why}"), now)
    }

    fn complete(&mut self, detail: String, now: Millis) -> Vec<Action> {
        if let Some(step) = self.steps.get_mut(self.current) {
            step.state = StepState::Done(detail);
        }
        if self.failure.is_some() {
            // That was the release after a failure: the workflow is over.
            self.current = self.steps.len();
            return Vec::new();
        }
        self.enter(self.current + 1, now)
    }

    /// Fails the current step; releases the lease if this workflow holds one.
    fn fail(&mut self, reason: String, now: Millis) -> Vec<Action> {
        let Some(step) = self.steps.get_mut(self.current) else {
            return Vec::new();
        };
        let name = step.name();
        step.state = StepState::Failed(reason.clone());
        let releasing = step.kind == StepKind::Release;
        if self.failure.is_none() {
            self.failure = Some((name, reason));
        }
        let release = self.steps.len() - 1;
        if self.current + 1 < release {
            for step in &mut self.steps[self.current + 1..release] {
                step.state = StepState::Skipped;
            }
        }
        match (&self.lease_id, releasing) {
            (Some(lease_id), false) => {
                if let Some(step) = self.steps.get_mut(release) {
                    step.command = Some(Command::LeaseRelease(LeaseRelease {
                        lease_id: lease_id.clone(),
                    }));
                }
                self.enter(release, now)
            }
            _ => {
                if !releasing {
                    self.steps[release].state = StepState::Skipped;
                }
                self.current = self.steps.len();
                Vec::new()
            }
        }
    }

    /// A command entry changed: resolves the step waiting on it.
    pub fn observe_command(&mut self, entry: &CommandEntry, now: Millis) -> Vec<Action> {
        if !self.is_running() || self.watched_command() != Some(entry.command_id) {
            return Vec::new();
        }
        let wait = self.steps[self.current].wait;
        match (&entry.state, wait) {
            (CommandState::Sending, _) => Vec::new(),
            (CommandState::Sent, Wait::Accepted) => self.complete("sent".into(), now),
            (CommandState::Sent, _) => Vec::new(),
            (CommandState::Ok, Wait::Accepted) => {
                // The result came at once: complete this step, then the next.
                let mut actions = self.complete("sent".into(), now);
                actions.extend(self.observe_command(entry, now));
                actions
            }
            (CommandState::Ok, Wait::FocuserMoving) => {
                // The result came before a moving snapshot was seen: its
                // samples say where the focuser went.
                let detail = match entry.outcome() {
                    Outcome::Autofocus(a) => {
                        let mut positions: Vec<f64> =
                            a.samples.iter().map(|s| s.position_um).collect();
                        positions.sort_by(f64::total_cmp);
                        positions.dedup();
                        format!("the focuser moved through {} positions", positions.len())
                    }
                    _ => "the sweep finished".into(),
                };
                let mut actions = self.complete(detail, now);
                actions.extend(self.observe_command(entry, now));
                actions
            }
            (CommandState::Ok, Wait::MountTracking) => Vec::new(),
            (CommandState::Ok, Wait::Result) => {
                let detail = self.on_ok(entry);
                self.complete(detail, now)
            }
            (CommandState::Error(body), _) => self.fail(
                format!("{}: {} ({})", body.code, body.message, advice_for(body)),
                now,
            ),
            (CommandState::Canceled, _) => self.fail("canceled".into(), now),
            (CommandState::Unknown | CommandState::Unfollowed, _) => self.fail(
                "the connection dropped: its outcome is unknown, so the workflow stopped".into(),
                now,
            ),
        }
    }

    /// Reads what a successful result says; keeps the lease id.
    fn on_ok(&mut self, entry: &CommandEntry) -> String {
        match entry.outcome() {
            Outcome::Lease(lease) => {
                let detail = format!("lease {} for {} s", lease.lease_id, lease.duration_s);
                self.lease_id = Some(lease.lease_id);
                detail
            }
            Outcome::Mount(m) => format!("at alt {:.1}°, az {:.1}°", m.alt_deg, m.az_deg),
            Outcome::Exposure(e) => {
                format!("exposure {} ({}×{})", e.exposure_id, e.width, e.height)
            }
            Outcome::Autofocus(a) => format!(
                "best focus {:.0} µm, HFR {:.2} px",
                a.best_position_um, a.best_hfr_px
            ),
            _ => "ok".into(),
        }
    }

    /// A mount snapshot of the workflow's telescope arrived at `received_at`.
    pub fn observe_mount(
        &mut self,
        mount: &MountState,
        received_at: Millis,
        now: Millis,
    ) -> Vec<Action> {
        let waiting = self
            .steps
            .get(self.current)
            .is_some_and(|s| s.wait == Wait::MountTracking && s.command.is_none());
        if waiting && received_at >= self.step_started_at && mount.tracking && !mount.slewing {
            return self.complete("the mount reports tracking".into(), now);
        }
        Vec::new()
    }

    /// A focuser snapshot of the workflow's telescope arrived at `received_at`.
    pub fn observe_focuser(
        &mut self,
        focuser: &FocuserState,
        received_at: Millis,
        now: Millis,
    ) -> Vec<Action> {
        let waiting = self
            .steps
            .get(self.current)
            .is_some_and(|s| s.wait == Wait::FocuserMoving);
        if !waiting || received_at < self.step_started_at {
            return Vec::new();
        }
        let start = *self.focuser_start.get_or_insert(focuser.position_um);
        if focuser.moving || (focuser.position_um - start).abs() >= 1.0 {
            return self.complete(
                format!("focuser moving at {:.0} µm", focuser.position_um),
                now,
            );
        }
        Vec::new()
    }

    /// The user pressed Stop: cancel what runs, release the lease.
    pub fn stop(&mut self, now: Millis) -> Vec<Action> {
        if !self.is_running() {
            return Vec::new();
        }
        if self.steps[self.current].kind == StepKind::Release {
            // Already releasing: let it finish.
            return Vec::new();
        }
        let mut actions: Vec<Action> = self
            .watched_command()
            .map(Action::Cancel)
            .into_iter()
            .collect();
        actions.extend(self.fail("stopped by you".into(), now));
        actions
    }
}

fn acquire_step(lease_s: f64) -> Step {
    Step::new(
        StepKind::Acquire,
        Some(Command::LeaseAcquire(LeaseAcquire {
            duration_s: lease_s,
            purpose: Some("SkyDeck workflow".into()),
        })),
        Wait::Result,
    )
}

fn release_step() -> Step {
    // The lease id is filled in once the acquire result gives it.
    Step::new(StepKind::Release, None, Wait::Result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::command_log::CommandLog;
    use serde_json::json;
    use skynet_protocol::{AutofocusStrategy, CommandResult, CommandStatus, ErrorBody, ErrorCode};

    fn scope() -> TelescopeUid {
        TelescopeUid("tel-lapalma".into())
    }

    fn slew() -> Workflow {
        Workflow::slew_and_expose(
            scope(),
            600.0,
            TargetPosition::catalog("M42"),
            CameraExposureStart {
                duration_s: 5.0,
                binning: 1,
                filter_id: None,
            },
        )
    }

    /// Plays the console: publishes every action into a log, returning the ids.
    struct Harness {
        log: CommandLog,
        now: Millis,
    }

    impl Harness {
        fn new() -> Self {
            Self {
                log: CommandLog::new(),
                now: 0.0,
            }
        }

        fn apply(&mut self, wf: &mut Workflow, actions: Vec<Action>) -> Vec<CommandId> {
            let mut ids = Vec::new();
            for action in actions {
                if let Action::Publish(command) = action {
                    let id = CommandId::new_v4();
                    self.log.begin(id, scope(), command, self.now);
                    wf.published(id);
                    self.log.sent(id);
                    let entry = self.log.get(id).unwrap().clone();
                    let more = wf.observe_command(&entry, self.now);
                    ids.push(id);
                    ids.extend(self.apply(wf, more));
                }
            }
            ids
        }

        fn result(
            &mut self,
            wf: &mut Workflow,
            id: CommandId,
            status: CommandStatus,
            data: serde_json::Value,
            error: Option<ErrorBody>,
        ) -> Vec<CommandId> {
            self.now += 100.0;
            self.log.on_result(
                &CommandResult {
                    command_id: id,
                    status,
                    data: Some(data),
                    error,
                    telescope_uid: Some(scope()),
                    finished_at: None,
                },
                self.now,
            );
            let entry = self.log.get(id).unwrap().clone();
            let actions = wf.observe_command(&entry, self.now);
            self.apply(wf, actions)
        }

        fn ok(
            &mut self,
            wf: &mut Workflow,
            id: CommandId,
            data: serde_json::Value,
        ) -> Vec<CommandId> {
            self.result(wf, id, CommandStatus::Ok, data, None)
        }

        fn command_type(&self, id: CommandId) -> String {
            self.log.get(id).unwrap().command_type()
        }
    }

    fn lease_data() -> serde_json::Value {
        json!({"lease_id": "lease-7", "expires_at": "2026-11-24T22:00:00Z", "duration_s": 600.0})
    }

    fn mount(tracking: bool, slewing: bool) -> MountState {
        MountState {
            ra_deg: 83.8,
            dec_deg: -5.4,
            alt_deg: 40.0,
            az_deg: 120.0,
            slewing,
            tracking,
            parked: false,
            target: None,
            offset_pattern: None,
        }
    }

    fn states(wf: &Workflow) -> Vec<&'static str> {
        wf.steps.iter().map(|s| s.state.label()).collect()
    }

    #[test]
    fn slew_and_expose_runs_every_step_in_order() {
        let mut h = Harness::new();
        let mut wf = slew();
        let actions = wf.start(h.now);
        let ids = h.apply(&mut wf, actions);
        assert_eq!(h.command_type(ids[0]), "manual_control_lease.acquire");

        let ids = h.ok(&mut wf, ids[0], lease_data());
        assert_eq!(h.command_type(ids[0]), "mount.track");
        let track = ids[0];
        assert!(h
            .ok(
                &mut wf,
                track,
                json!({"ra_deg": 1.0, "dec_deg": 2.0, "alt_deg": 3.0, "az_deg": 4.0})
            )
            .is_empty());
        assert_eq!(states(&wf)[2], "active", "waits for the mount snapshot");

        // A snapshot older than the step does not count; a slewing one neither.
        assert!(wf
            .observe_mount(&mount(true, false), h.now - 1.0, h.now)
            .is_empty());
        assert!(wf
            .observe_mount(&mount(true, true), h.now + 1.0, h.now)
            .is_empty());
        let actions = wf.observe_mount(&mount(true, false), h.now + 5.0, h.now + 5.0);
        let ids = h.apply(&mut wf, actions);
        assert_eq!(h.command_type(ids[0]), "camera.exposure.start");
        assert_eq!(
            states(&wf)[3],
            "done",
            "the exposure step is done once sent"
        );
        assert_eq!(wf.watched_command(), Some(ids[0]));

        let ids = h.ok(
            &mut wf,
            ids[0],
            json!({"exposure_id": "e1", "started_at": "2026-11-24T21:00:00Z", "duration_s": 5.0,
                   "binning": 1, "width": 4096, "height": 4096, "preview_url": "/v1/previews/e1.png"}),
        );
        assert_eq!(h.command_type(ids[0]), "manual_control_lease.release");
        assert!(matches!(
            &h.log.get(ids[0]).unwrap().command,
            Some(Command::LeaseRelease(r)) if r.lease_id.as_str() == "lease-7"
        ));
        assert!(wf.is_running());
        h.ok(&mut wf, ids[0], json!({}));
        assert_eq!(wf.finish(), Some(Finish::Succeeded));
        assert_eq!(states(&wf), ["done"; 6]);
        assert_eq!(wf.commands.len(), 4);
    }

    #[test]
    fn a_failed_step_stops_says_why_and_releases_the_lease() {
        let mut h = Harness::new();
        let mut wf = slew();
        let actions = wf.start(h.now);
        let ids = h.apply(&mut wf, actions);
        let ids = h.ok(&mut wf, ids[0], lease_data());
        let ids = h.result(
            &mut wf,
            ids[0],
            CommandStatus::Error,
            json!(null),
            Some(ErrorBody::new(ErrorCode::BelowHorizon, "M42 is below 10°")),
        );
        assert_eq!(h.command_type(ids[0]), "manual_control_lease.release");
        assert_eq!(
            states(&wf),
            ["done", "failed", "skipped", "skipped", "skipped", "active"]
        );
        h.ok(&mut wf, ids[0], json!({}));
        match wf.finish() {
            Some(Finish::Failed { step, reason }) => {
                assert_eq!(step, "Track the target");
                assert!(reason.contains("below_horizon"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(states(&wf).last(), Some(&"done"), "the lease was released");
    }

    #[test]
    fn a_refused_acquire_ends_without_a_release() {
        let mut h = Harness::new();
        let mut wf = slew();
        let actions = wf.start(h.now);
        let ids = h.apply(&mut wf, actions);
        let more = h.result(
            &mut wf,
            ids[0],
            CommandStatus::Error,
            json!(null),
            Some(
                ErrorBody::new(ErrorCode::LeaseHeld, "held")
                    .with_details(json!({"holder": "dev-astronomer-2"})),
            ),
        );
        assert!(more.is_empty(), "nothing to release");
        assert!(
            matches!(wf.finish(), Some(Finish::Failed { step: "Acquire the lease", reason }) if reason.contains("dev-astronomer-2"))
        );
        assert_eq!(states(&wf).last(), Some(&"skipped"));
    }

    #[test]
    fn a_dropped_link_fails_the_step_as_unknown() {
        let mut h = Harness::new();
        let mut wf = slew();
        let actions = wf.start(h.now);
        let ids = h.apply(&mut wf, actions);
        h.log.on_disconnect();
        let entry = h.log.get(ids[0]).unwrap().clone();
        wf.observe_command(&entry, 1.0);
        assert!(
            matches!(wf.finish(), Some(Finish::Failed { reason, .. }) if reason.contains("unknown"))
        );
    }

    #[test]
    fn autofocus_sweep_watches_the_focuser_then_waits_for_the_result() {
        let mut h = Harness::new();
        let mut wf = Workflow::autofocus_sweep(
            scope(),
            600.0,
            ImagerAutofocus {
                filter_id: "L".into(),
                strategy: AutofocusStrategy::VCurve,
            },
        );
        let actions = wf.start(h.now);
        let ids = h.apply(&mut wf, actions);
        let ids = h.ok(&mut wf, ids[0], lease_data());
        let autofocus = ids[0];
        assert_eq!(h.command_type(autofocus), "imager.autofocus");
        assert_eq!(states(&wf)[2], "active");
        let still = FocuserState {
            position_um: 24_000.0,
            moving: false,
            temperature_c: 5.0,
        };
        assert!(wf.observe_focuser(&still, h.now + 1.0, h.now).is_empty());
        let moved = FocuserState {
            position_um: 23_200.0,
            ..still
        };
        assert!(wf.observe_focuser(&moved, h.now + 2.0, h.now).is_empty());
        assert_eq!(states(&wf)[2], "done");
        let ids = h.ok(
            &mut wf,
            autofocus,
            json!({"best_position_um": 25010.0, "best_hfr_px": 1.9, "samples": []}),
        );
        assert!(matches!(&wf.steps[3].state, StepState::Done(d) if d.contains("25010")));
        h.ok(&mut wf, ids[0], json!({}));
        assert_eq!(wf.finish(), Some(Finish::Succeeded));
    }

    #[test]
    fn stop_cancels_what_runs_and_releases() {
        let mut h = Harness::new();
        let mut wf = slew();
        let actions = wf.start(h.now);
        let ids = h.apply(&mut wf, actions);
        let ids = h.ok(&mut wf, ids[0], lease_data());
        let track = ids[0];
        let actions = wf.stop(h.now);
        assert_eq!(actions[0], Action::Cancel(track));
        assert!(matches!(
            &actions[1],
            Action::Publish(Command::LeaseRelease(_))
        ));
        assert!(wf.finish().is_none(), "still releasing");
        assert!(wf.stop(h.now).is_empty(), "a second stop changes nothing");
        assert_eq!(
            wf.steps[1].state,
            StepState::Failed("stopped by you".into())
        );
    }
}
