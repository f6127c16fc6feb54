//! The manual control lease of the selected telescope: who holds it, and for
//! your own a countdown, renew, release, auto-renew and an expiry warning.

use leptos::prelude::*;
use skynet_protocol::{AbortManualControl, Command, LeaseRelease};

use crate::components::fields::{submit, TextField};
use crate::console::use_console;
use crate::state::forms::{self, FormErrors};
use crate::state::telescopes::{holder_line, may_abort, may_lease, LeaseView};
use crate::state::time::format_duration;

/// Lease duration asked for by default, seconds.
const DEFAULT_LEASE_S: &str = "1800";

/// Auto-renew at most this often.
const AUTO_RENEW_EVERY_MS: f64 = 30_000.0;

/// What the confirmation asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    /// Releasing this tab's lease.
    Release,
    /// The owner aborting a lease.
    Abort,
}

/// The lease panel.
#[component]
pub fn LeasePanel() -> impl IntoView {
    let console = use_console();
    let duration = RwSignal::new(DEFAULT_LEASE_S.to_owned());
    let purpose = RwSignal::new(String::new());
    let errors = RwSignal::new(FormErrors::new());
    let auto_renew = RwSignal::new(false);

    let view_of = move || {
        let telescope = console.telescope()?;
        let me = console.identity.get();
        Some(LeaseView::of(&telescope, &me, console.now.get()))
    };
    let can_lease = move || console.telescope().is_some_and(|t| may_lease(&t));
    let is_owner = move || console.telescope().is_some_and(|t| may_abort(&t));

    let acquire = move |_| {
        submit(console, errors, |ctx| {
            forms::lease_acquire(&duration.get_untracked(), &purpose.get_untracked(), ctx)
        })
    };
    let renew = move || {
        let Some(LeaseView::Mine { lease, .. }) = view_of() else {
            return;
        };
        submit(console, errors, |ctx| {
            forms::lease_renew(lease.lease_id, &duration.get_untracked(), ctx)
        })
    };
    // Release and abort end a lease and cancel its holder's running
    // commands: each asks for confirmation first.
    let confirming = RwSignal::new(None::<Confirm>);
    let release = move || {
        if let Some(LeaseView::Mine { lease, .. }) = view_of() {
            if let Err(e) = console.publish(Command::LeaseRelease(LeaseRelease {
                lease_id: lease.lease_id,
            })) {
                console.notify(format!("not sent: {e}"));
            }
        }
    };
    let abort = move || {
        if let Some(LeaseView::Theirs { lease, .. } | LeaseView::Mine { lease, .. }) = view_of() {
            if let Err(e) = console.publish(Command::AbortManualControl(AbortManualControl {
                lease_id: lease.lease_id,
            })) {
                console.notify(format!("not sent: {e}"));
            }
        }
    };

    // Auto-renew: with under a minute left and the tab visible, renew; at
    // most once per 30 s, so a lease shorter than a minute is not renewed in
    // a loop.
    let last_auto_renew = StoredValue::new(f64::NEG_INFINITY);
    Effect::new(move |_| {
        if !auto_renew.get() {
            return;
        }
        let Some(LeaseView::Mine {
            remaining_ms: Some(ms),
            ..
        }) = view_of()
        else {
            return;
        };
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
        let now = console.now.get_untracked();
        if ms < crate::state::telescopes::LEASE_WARNING_MS
            && visible
            && now - last_auto_renew.get_value() > AUTO_RENEW_EVERY_MS
        {
            last_auto_renew.set_value(now);
            renew();
        }
    });

    let live = move || console.stream_state.with(|s| s.is_open());
    let status = move || match view_of() {
        None => "Pick a telescope.".to_owned(),
        Some(LeaseView::Free) => match console.telescope() {
            Some(t) if t.manual_mode.is_some() => format!(
                "No lease: the telescope is in {}. {}",
                holder_line(&t),
                if t.access.has_standing_authority() {
                    "As its owner or operator you command it without one."
                } else {
                    "Only its owner and operators command it until it returns to remote control."
                }
            ),
            _ => "Nobody holds a lease: the telescope runs under remote control.".into(),
        },
        Some(LeaseView::Mine { remaining_ms, .. }) => format!(
            "You hold the lease{}.",
            remaining_ms
                .map(|ms| format!(": {} left", format_duration(ms)))
                .unwrap_or_default()
        ),
        Some(LeaseView::Theirs {
            lease,
            remaining_ms,
        }) => format!(
            "{} holds the lease{}{}.",
            crate::state::display::name(&lease.holder),
            lease.purpose.map(|p| format!(" ({p})")).unwrap_or_default(),
            remaining_ms
                .map(|ms| format!(" for {} more", format_duration(ms)))
                .unwrap_or_default()
        ),
    };
    let mine = move || matches!(view_of(), Some(LeaseView::Mine { .. }));
    let held = move || {
        matches!(
            view_of(),
            Some(LeaseView::Mine { .. } | LeaseView::Theirs { .. })
        )
    };

    view! {
        <section class="panel lease" aria-labelledby="lease-heading">
            <h2 id="lease-heading">"Manual control lease"</h2>
            <p data-testid="lease-status" class="lease-status">{status}</p>
            <p class="warning" data-testid="lease-not-live" hidden=live>
                "Not live: the stream socket is down, so this may have changed."
            </p>
            <p
                class="warning"
                role="alert"
                data-testid="lease-warning"
                hidden=move || !view_of().is_some_and(|v| v.expiring_soon())
            >
                "Your lease expires in under a minute: renew it or your commands will be canceled."
            </p>
            <div class="row">
                <TextField id="lease-duration" label="Duration (s)" value=duration errors=errors field="duration_s" inputmode="decimal" />
                <TextField id="lease-purpose" label="Purpose (optional)" value=purpose errors=errors field="purpose" />
            </div>
            <div class="actions">
                <button
                    type="button"
                    data-testid="lease-acquire"
                    disabled=move || !can_lease()
                    title=move || {
                        (!can_lease()).then(|| match console.telescope() {
                            Some(t) if t.manual_mode.is_some() => "No lease while the telescope is in sustained manual mode",
                            _ => "Your access does not allow a lease",
                        })
                    }
                    on:click=acquire
                >
                    "Acquire"
                </button>
                <button type="button" data-testid="lease-renew" disabled=move || !mine() on:click=move |_| renew()>
                    "Renew"
                </button>
                <button type="button" data-testid="lease-release" disabled=move || !mine()
                    on:click=move |_| confirming.set(Some(Confirm::Release))>
                    "Release"
                </button>
                <label class="checkbox">
                    <input
                        type="checkbox"
                        data-testid="lease-auto-renew"
                        prop:checked=move || auto_renew.get()
                        on:change=move |ev| auto_renew.set(event_target_checked(&ev))
                    />
                    "Auto-renew while this tab is visible"
                </label>
                <button
                    type="button"
                    class="danger"
                    data-testid="lease-abort"
                    hidden=move || !is_owner()
                    disabled=move || !held()
                    on:click=move |_| confirming.set(Some(Confirm::Abort))
                >
                    "Abort lease (owner)"
                </button>
            </div>
            <div
                class="confirm"
                role="alertdialog"
                aria-labelledby="lease-confirm-text"
                data-testid="lease-confirm"
                hidden=move || confirming.get().is_none()
            >
                <p id="lease-confirm-text">
                    {move || {
                        let holder = match view_of() {
                            Some(LeaseView::Theirs { lease, .. }) => format!("{}'s", crate::state::display::name(&lease.holder)),
                            _ => "your".to_owned(),
                        };
                        let telescope = console.telescope().map(|t| crate::state::display::name(&t.name)).unwrap_or_default();
                        match confirming.get() {
                            Some(Confirm::Release) => format!(
                                "Release your lease on {telescope}? Your running commands will be canceled."
                            ),
                            Some(Confirm::Abort) => format!(
                                "Abort {holder} lease on {telescope}? The holder's running commands will be canceled."
                            ),
                            None => String::new(),
                        }
                    }}
                </p>
                <div class="actions">
                    <button
                        type="button"
                        class="danger"
                        data-testid="lease-confirm-yes"
                        on:click=move |_| {
                            match confirming.get_untracked() {
                                Some(Confirm::Release) => release(),
                                Some(Confirm::Abort) => abort(),
                                None => {}
                            }
                            confirming.set(None);
                        }
                    >
                        {move || match confirming.get() {
                            Some(Confirm::Abort) => "Abort the lease",
                            _ => "Release",
                        }}
                    </button>
                    <button type="button" data-testid="lease-confirm-no" on:click=move |_| confirming.set(None)>
                        "Keep it"
                    </button>
                </div>
            </div>
        </section>
    }
}
