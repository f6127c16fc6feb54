//! Which alerts reach an astronomer who looks away, and how: each event
//! and channel switched on or off, the volume, a test tone, and browser
//! notifications asked for on a click (browsers ask only on a gesture).
//! The choices are remembered in this browser.

use leptos::prelude::*;

use crate::alerts;
use crate::console::use_console;
use crate::state::alerts::{Event, Settings, Severity};
use crate::storage;

/// The alerts settings, folded away under their summary.
#[component]
pub fn AlertSettings() -> impl IntoView {
    let console = use_console();
    let settings = console.alert_settings;
    let change = move |f: &dyn Fn(&mut Settings)| {
        settings.update(|s| f(s));
        storage::remember_alert_settings(&settings.get_untracked());
    };
    let permission = RwSignal::new(alerts::notification_permission());
    let notifications = move |on: bool| {
        change(&|s| s.notification = on);
        if on && permission.get_untracked() != "granted" {
            alerts::ask_notification_permission(move |answer| {
                permission.try_set(answer);
            });
        }
    };
    let permission_text = move || match permission.get().as_str() {
        "granted" => "allowed by the browser",
        "denied" => "blocked by the browser: allow them in its site settings",
        "unsupported" => "this browser has none",
        _ => "the browser will ask when you switch them on",
    };
    view! {
        <details class="panel alert-settings" data-testid="alert-settings">
            <summary>"Alerts"</summary>
            <p class="note">"Every alert shows on the page. Choose what else tells you while you look away."</p>
            <fieldset>
                <legend>"How"</legend>
                <label class="switch">
                    <input type="checkbox" data-testid="alert-channel-notification"
                        prop:checked=move || settings.with(|s| s.notification)
                        on:change=move |ev| notifications(event_target_checked(&ev)) />
                    "Browser notifications "
                    <span class="note" data-testid="notification-permission">{permission_text}</span>
                </label>
                <label class="switch">
                    <input type="checkbox" data-testid="alert-channel-sound"
                        prop:checked=move || settings.with(|s| s.sound)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            if on {
                                alerts::unlock_audio();
                            }
                            change(&|s| s.sound = on);
                        } />
                    "Sound"
                </label>
                <label class="volume">"Volume "
                    <input type="range" min="0" max="100" step="5" data-testid="alert-volume"
                        prop:value=move || settings.with(|s| (s.volume() * 100.0).round().to_string())
                        on:input=move |ev| {
                            let volume = event_target_value(&ev).parse::<f32>().unwrap_or(50.0) / 100.0;
                            change(&|s| s.volume = volume);
                        } />
                </label>
                <button type="button" data-testid="alert-test-sound" on:click=move |_| {
                    alerts::unlock_audio();
                    alerts::play_tone(Severity::Warning, settings.get_untracked().volume());
                }>"Play a test tone"</button>
                <label class="switch">
                    <input type="checkbox" data-testid="alert-channel-vibration"
                        prop:checked=move || settings.with(|s| s.vibration)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            change(&|s| s.vibration = on);
                        } />
                    "Vibrate (phones)"
                </label>
            </fieldset>
            <fieldset>
                <legend>"What"</legend>
                {Event::ALL.into_iter().map(|event| view! {
                    <label class="switch">
                        <input type="checkbox" data-testid=format!("alert-{}", event.key())
                            prop:checked=move || settings.with(|s| s.is_on(event))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                change(&|s| s.set(event, on));
                            } />
                        {event.label()}
                        <span class=format!("severity {}", event.severity().class())>{event.severity().class()}</span>
                    </label>
                }).collect_view()}
            </fieldset>
        </details>
    }
}
