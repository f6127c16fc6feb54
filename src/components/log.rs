//! The command log: every command of the session with its state, resolved by
//! the result with the same `command_id`, and a Cancel on each one running.

use leptos::prelude::*;
use skynet_protocol::CommandId;

use crate::components::export::ExportButtons;
use crate::components::pager::Pager;
use crate::console::use_console;
use crate::state::command_log::{CommandEntry, CommandState, Outcome};
use crate::state::connection::http_url;
use crate::state::display;
use crate::state::paging::Pages;
use crate::state::time::{format_clock, format_duration};

/// How many entries the log holds on screen.
pub const LOG_PAGE: usize = 50;

/// The log, newest first, a page at a time: a night's thousands of commands
/// stay in the log (and its export), [`LOG_PAGE`] of them on screen.
#[component]
pub fn CommandLogView() -> impl IntoView {
    let console = use_console();
    let pages = RwSignal::new(Pages::newest(LOG_PAGE));
    let len = Signal::derive(move || console.log.with(|log| log.entries().len()));
    let ids = move || {
        let pages = pages.get();
        console.log.with(|log| {
            let entries = log.entries();
            entries[pages.range(entries.len())]
                .iter()
                .rev()
                .map(|e| e.command_id)
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="panel command-log" aria-labelledby="log-heading">
            <h2 id="log-heading">"Command log"</h2>
            <ExportButtons />
            <p class="empty" hidden=move || len.get() != 0>"No commands yet."</p>
            <Pager pages len label="Command log pages" testid="log" />
            <ol class="log-entries" data-testid="command-log">
                <For each=ids key=|id| *id let:id>
                    <LogEntry id=id />
                </For>
            </ol>
        </section>
    }
}

/// One command of the log.
#[component]
fn LogEntry(
    /// The command.
    id: CommandId,
) -> impl IntoView {
    let console = use_console();
    // Its views re-run when this entry changes, not on every change of the log.
    let entry = Memo::new(move |_| console.log.with(|log| log.get(id).cloned()));
    let entry = move || entry.get();
    let field =
        move |f: fn(&CommandEntry) -> String| move || entry().map(|e| f(&e)).unwrap_or_default();
    let state_class = move || entry().map(|e| state_class(&e.state)).unwrap_or("unknown");
    // Offered only where the server lets this user cancel; an unknown
    // outcome may still be running, so it can be canceled too.
    let cancelable = move || {
        entry().is_some_and(|e| {
            let access = e.telescope_uid.as_ref().and_then(|uid| {
                console
                    .telescopes
                    .with(|t| t.get(uid).map(|t| t.access.clone()))
            });
            let me = console.identity.with(|i| i.account.clone());
            e.cancelable_by(me.as_deref(), access)
        })
    };
    let cancel_pending = move || entry().is_some_and(|e| e.cancel_requested);
    let cancel = move |_| {
        if let Err(e) = console.cancel(id) {
            console.notify(format!("cancel not sent: {e}"));
        }
    };
    view! {
        <li
            class=move || format!("log-entry {}", state_class())
            data-testid=format!("command-{id}")
            data-command-id=id.to_string()
            data-state=state_class
        >
            <div class="log-head">
                <span class="log-type">{field(|e| e.command_type())}</span>
                <span class="log-summary">{field(|e| e.summary())}</span>
                <span class="log-state" data-testid="command-state">
                    {field(|e| {
                        let mut label = e.state.label().to_owned();
                        if e.cancel_requested {
                            label.push_str(" (cancel asked)");
                        }
                        label
                    })}
                </span>
            </div>
            <div class="log-meta">
                <span class="log-sender">{field(|e| e.sender.label())}</span>
                <span class="log-time">{field(|e| format!("{} UTC", format_clock(e.sent_at)))}</span>
                <span class="log-elapsed">
                    {move || entry().map(|e| format_duration(e.elapsed_ms(console.now.get()))).unwrap_or_default()}
                </span>
                <code class="log-id" title="command_id">{id.to_string()}</code>
                <button
                    type="button"
                    class="cancel"
                    data-testid="command-cancel"
                    aria-label=format!("Cancel command {id}")
                    hidden=move || !cancelable()
                    disabled=cancel_pending
                    on:click=cancel
                >
                    "Cancel"
                </button>
            </div>
            <p class="log-error" data-testid="cancel-refused" hidden=move || entry().is_none_or(|e| e.cancel_refused.is_none())>
                {move || {
                    entry()
                        .and_then(|e| e.cancel_refused)
                        .map(|body| format!("cancel refused: {}: {} — the command keeps running", display::id(&body.code.to_string()), display::message(&body.message)))
                        .unwrap_or_default()
                }}
            </p>
            <p class="log-error" data-testid="command-error" hidden=move || entry().and_then(|e| e.advice()).is_none()>
                {move || {
                    entry()
                        .and_then(|e| match &e.state {
                            CommandState::Error(body) => Some(format!(
                                "{}: {} — {}{}",
                                display::id(&body.code.to_string()),
                                display::message(&body.message),
                                e.advice().unwrap_or_default(),
                                body.details
                                    .as_ref()
                                    .map(|d| format!(" (details: {})", display::details(d)))
                                    .unwrap_or_default()
                            )),
                            _ => None,
                        })
                        .unwrap_or_default()
                }}
            </p>
            <p class="log-note" data-testid="command-canceled" hidden=move || entry().and_then(|e| e.canceled_reason()).is_none()>
                {move || entry().and_then(|e| e.canceled_reason()).map(|why| format!("canceled: {why}")).unwrap_or_default()}
            </p>
            {move || entry().map(|e| view! { <OutcomeView outcome=e.outcome() /> })}
        </li>
    }
}

/// The CSS class and `data-state` of a command state.
fn state_class(state: &CommandState) -> &'static str {
    match state {
        CommandState::Sending => "sending",
        CommandState::Sent => "running",
        CommandState::Ok => "ok",
        CommandState::Error(_) => "error",
        CommandState::Canceled => "canceled",
        CommandState::Unknown => "unknown",
        CommandState::Unfollowed => "unfollowed",
    }
}

/// A successful result's data, per command type.
#[component]
fn OutcomeView(
    /// The typed result data.
    outcome: Outcome,
) -> impl IntoView {
    let console = use_console();
    match outcome {
        Outcome::None => ().into_any(),
        Outcome::Mount(m) => view! {
            <p class="outcome" data-testid="outcome-mount">
                {format!(
                    "At RA {} Dec {} (alt {}, az {})",
                    display::ra(m.ra_deg),
                    display::dec(m.dec_deg),
                    display::alt(m.alt_deg, 1),
                    display::az(m.az_deg, 1)
                )}
            </p>
        }
        .into_any(),
        Outcome::Exposure(e) => {
            let src = http_url(&console.settings.get_untracked().api_base, &e.preview_url);
            view! {
                <figure class="outcome exposure" data-testid="outcome-exposure">
                    <img
                        data-testid="exposure-preview"
                        src=src
                        alt=format!("Preview of the exposure of {}", display::started(e.started_at.as_str()))
                        width="256"
                        height="256"
                    />
                    <figcaption>
                        {format!(
                            "Exposure of {} · {} · bin {} · {} · {}×{}",
                            display::started(e.started_at.as_str()),
                            display::seconds(e.duration_s),
                            e.binning,
                            e.filter_id.as_deref().map(display::name).unwrap_or_else(|| "no filter".into()),
                            e.width,
                            e.height
                        )}
                    </figcaption>
                </figure>
            }
            .into_any()
        }
        Outcome::Autofocus(a) => view! {
            <p class="outcome" data-testid="outcome-autofocus">
                {format!(
                    "Best focus {} (HFR {}) from {} samples",
                    display::microns(a.best_position_um),
                    display::pixels(a.best_hfr_px),
                    a.samples.len()
                )}
            </p>
        }
        .into_any(),
        Outcome::Lease(l) => view! {
            <p class="outcome" data-testid="outcome-lease">
                {format!(
                    "Lease granted for {}, until {}",
                    display::seconds(l.duration_s),
                    display::started(l.expires_at.as_str())
                )}
            </p>
        }
        .into_any(),
        Outcome::Focuser(f) => view! {
            <p class="outcome" data-testid="outcome-focuser">{format!("Focuser at {}", display::microns(f.position_um))}</p>
        }
        .into_any(),
        Outcome::Rotator(r) => view! {
            <p class="outcome" data-testid="outcome-rotator">{format!("Rotator at {}", display::angle(r.angle_deg))}</p>
        }
        .into_any(),
        Outcome::FilterWheel(w) => view! {
            <p class="outcome" data-testid="outcome-filter">
                {format!("Slot {}: {}", w.filter_wheel_position_id, display::name(&w.filter_id))}
            </p>
        }
        .into_any(),
        Outcome::Unreadable(why) => view! {
            <p class="outcome unreadable">{format!("Result data not understood: {}", display::message(&why))}</p>
        }
        .into_any(),
    }
}
