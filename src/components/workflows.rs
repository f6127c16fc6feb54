//! The reference's two patterns as one-click guided workflows, with
//! step-by-step progress and a Stop button. The step machine is
//! [`crate::state::workflow::Workflow`]; the console hands it the events it
//! waits for (its commands' entries, its telescope's mount and focuser) and
//! carries out what it asks.

use leptos::prelude::*;
use skynet_protocol::{AutofocusStrategy, Command};

use crate::components::fields::{safety_errors, TargetFields, TextField};
use crate::console::use_console;
use crate::state::forms::{self, FormErrors, TargetInput, TargetMode};
use crate::state::telescopes::may_lease;
use crate::state::workflow::{Finish, Workflow};

/// Lease taken by a workflow, seconds: long enough for a slew, a long
/// exposure or a sweep, given back at the end.
const WORKFLOW_LEASE_S: f64 = 1800.0;

/// Both workflows: their settings, Start buttons, progress and Stop.
#[component]
pub fn Workflows() -> impl IntoView {
    let console = use_console();
    let workflow = console.workflow;
    let mode = RwSignal::new(TargetMode::Catalog);
    let name = RwSignal::new("M42".to_owned());
    let ra = RwSignal::new(String::new());
    let dec = RwSignal::new(String::new());
    let duration = RwSignal::new("10".to_owned());
    let filter = RwSignal::new("L".to_owned());
    let errors = RwSignal::new(FormErrors::new());
    let override_safety = RwSignal::new(false);

    let running = move || workflow.with(|w| w.as_ref().is_some_and(Workflow::is_running));
    let blocked = move || match console.telescope() {
        None => Some("Pick a telescope.".to_owned()),
        Some(t) if !may_lease(&t) => Some(format!(
            "Your access to {} is `{}`: workflows need a lease.",
            crate::state::display::name(&t.name),
            t.access
        )),
        Some(_) => None,
    };
    let begin = move |build: &dyn Fn(
        &skynet_protocol::validate::ValidationContext,
    ) -> Result<Workflow, FormErrors>| {
        let ctx = console.validation_context();
        match build(&ctx) {
            Ok(w) => {
                errors.set(FormErrors::new());
                console.start_workflow(w);
            }
            Err(e) => errors.set(e),
        }
    };
    let start_slew = move |_| {
        let Some(uid) = console.selected.get_untracked() else {
            return;
        };
        begin(&|ctx| {
            let target = TargetInput {
                mode: mode.get_untracked(),
                ra: ra.get_untracked(),
                dec: dec.get_untracked(),
                name: name.get_untracked(),
            };
            let mut errs = FormErrors::new();
            let track = forms::mount_track(&target, &Default::default(), ctx);
            let exposure =
                forms::exposure(&duration.get_untracked(), "1", &filter.get_untracked(), ctx);
            match (track, exposure) {
                (Ok(Command::MountTrack(t)), Ok(Command::CameraExposureStart(e))) => {
                    if !override_safety.get_untracked() {
                        if let Some(refused) =
                            safety_errors(console, &Command::MountTrack(t.clone()))
                        {
                            return Err(refused);
                        }
                    }
                    override_safety.set(false);
                    Ok(Workflow::slew_and_expose(
                        uid.clone(),
                        WORKFLOW_LEASE_S,
                        t.target,
                        e,
                    ))
                }
                (t, e) => {
                    errs.extend(t.err().unwrap_or_default());
                    errs.extend(e.err().unwrap_or_default());
                    Err(errs)
                }
            }
        })
    };
    let start_autofocus = move |_| {
        let Some(uid) = console.selected.get_untracked() else {
            return;
        };
        begin(
            &|ctx| match forms::autofocus(&filter.get_untracked(), AutofocusStrategy::VCurve, ctx) {
                Ok(Command::ImagerAutofocus(a)) => {
                    Ok(Workflow::autofocus_sweep(uid.clone(), WORKFLOW_LEASE_S, a))
                }
                Ok(_) => Err(FormErrors::new()),
                Err(e) => Err(e),
            },
        )
    };
    let stop = move |_| console.stop_workflow();

    let status = move || {
        workflow.with(|w| {
            let w = w.as_ref()?;
            Some(match w.finish() {
                None => format!("{}: running", w.kind.title()),
                Some(Finish::Succeeded) => format!("{}: finished", w.kind.title()),
                Some(Finish::Failed { step, reason }) => {
                    format!("{} stopped at “{step}”: {reason}", w.kind.title())
                }
            })
        })
    };
    let status_class = move || {
        workflow.with(|w| match w.as_ref().map(Workflow::finish) {
            None => "none",
            Some(None) => "running",
            Some(Some(Finish::Succeeded)) => "succeeded",
            Some(Some(Finish::Failed { .. })) => "failed",
        })
    };
    let steps = move || {
        workflow.with(|w| {
            w.as_ref()
                .map(|w| {
                    w.steps
                        .iter()
                        .map(|s| (s.name(), s.state.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    view! {
        <section class="panel workflows" aria-labelledby="workflows-heading">
            <h2 id="workflows-heading">"Workflows"</h2>
            <p class="denied" role="status" data-testid="workflows-blocked" hidden=move || blocked().is_none()>
                {move || blocked().unwrap_or_default()}
            </p>
            <TargetFields prefix="workflow-target" mode=mode ra=ra dec=dec name=name errors=errors override_safety=override_safety />
            <div class="row">
                <TextField id="workflow-exposure" label="Exposure (s)" value=duration errors=errors field="duration_s" inputmode="decimal" />
                <TextField id="workflow-filter" label="Filter" value=filter errors=errors field="filter_id" />
            </div>
            <div class="actions">
                <button type="button" data-testid="workflow-slew-start"
                    disabled=move || running() || blocked().is_some()
                    on:click=start_slew>
                    "Run slew-and-expose"
                </button>
                <button type="button" data-testid="workflow-autofocus-start"
                    disabled=move || running() || blocked().is_some()
                    on:click=start_autofocus>
                    "Run autofocus sweep"
                </button>
                <button type="button" class="danger" data-testid="workflow-stop"
                    hidden=move || !running()
                    on:click=stop>
                    "Stop"
                </button>
            </div>
            <p class=move || format!("workflow-status {}", status_class())
                data-testid="workflow-status" data-state=status_class role="status">
                {status}
            </p>
            <ol class="workflow-steps" data-testid="workflow-steps">
                {move || {
                    steps()
                        .into_iter()
                        .enumerate()
                        .map(|(i, (name, state))| {
                            let detail = match &state {
                                crate::state::workflow::StepState::Done(d)
                                | crate::state::workflow::StepState::Failed(d) => format!(" — {d}"),
                                _ => String::new(),
                            };
                            view! {
                                <li class=format!("step {}", state.label())
                                    data-testid=format!("workflow-step-{i}")
                                    data-state=state.label()>
                                    <span class="step-name">{name}</span>
                                    <span class="step-detail">{detail}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </section>
    }
}
