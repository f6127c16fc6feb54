//! Telling an astronomer who looks away: every alert is a notice on the
//! page; where the settings and the browser allow, also a Notification (for
//! a hidden tab), a tone (WebAudio, one per severity) and a vibration. The
//! rules are [`crate::state::alerts`]; this is where they meet the browser,
//! and where the console's events become alerts.

use leptos::prelude::*;

use crate::console::Console;
use crate::state::alerts::{Alert, Channel, Environment, Event, Severity};
use crate::state::conditions::{covers, Change};
use crate::state::time::now_ms;

impl Console {
    /// Tells the astronomer: a notice always, then the channels the rules
    /// pick.
    pub fn alert(&self, alert: Alert) {
        self.notify(format!("{}: {}", alert.title, alert.body));
        let settings = self.alert_settings.get_untracked();
        let delivery = self
            .alerter
            .try_update_value(|a| a.route(&alert, &settings, environment(), now_ms()));
        let Some(delivery) = delivery else {
            return;
        };
        let severity = alert.event.severity();
        for channel in delivery.channels {
            match channel {
                Channel::Notification => show_notification(&alert),
                Channel::Sound => play_tone(severity, settings.volume()),
                Channel::Vibration => vibrate(severity),
            }
        }
    }

    /// A constraint or interlock changed: the alert it makes, if any. Only
    /// what covers the telescope being driven rings: another site's dusk is
    /// not this astronomer's news.
    pub(crate) fn on_condition_change(&self, change: Change) {
        let Some(selected) = untrack(|| self.telescope()) else {
            return;
        };
        let (telescope, observatory) = (&selected.telescope_uid, selected.observatory_uid.as_ref());
        let relevant = match &change {
            Change::Failing { uid, .. } => self
                .conditions
                .with_untracked(|c| c.constraint_covers(uid, telescope, observatory)),
            Change::Holding { .. } => return,
            Change::InterlockActive {
                telescope: scope,
                observatory: site,
                ..
            }
            | Change::InterlockCleared {
                telescope: scope,
                observatory: site,
            } => covers(scope.as_ref(), site, telescope, observatory),
        };
        if !relevant {
            return;
        }
        let telescope_name = |uid: &Option<skynet_protocol::TelescopeUid>| {
            uid.as_ref().and_then(|uid| {
                self.telescopes
                    .with_untracked(|t| t.get(uid).map(|t| crate::state::display::name(&t.name)))
            })
        };
        // The same news about the same interlock rings once: the key names
        // its site and telescope (Display only: the shipped build prints
        // no Debug, scripts/build-site.sh).
        let interlock =
            |observatory: &skynet_protocol::ObservatoryUid,
             telescope: &Option<skynet_protocol::TelescopeUid>| match telescope {
                Some(telescope) => format!("{observatory}/{telescope}"),
                None => observatory.to_string(),
            };
        let alert = match change {
            Change::Failing { uid, text } => Alert::new(Event::ConstraintFailing, text, uid),
            Change::Holding { .. } => return,
            Change::InterlockActive {
                reason,
                telescope,
                observatory,
            } => Alert::new(
                Event::InterlockActive,
                match telescope_name(&telescope) {
                    Some(name) => format!("{name} shut down: {reason}"),
                    None => format!("the observatory shut down: {reason}"),
                },
                interlock(&observatory, &telescope),
            ),
            Change::InterlockCleared {
                telescope,
                observatory,
            } => Alert::new(
                Event::InterlockCleared,
                match telescope_name(&telescope) {
                    Some(name) => format!("{name} may observe again"),
                    None => "the observatory may observe again".to_owned(),
                },
                interlock(&observatory, &telescope),
            ),
        };
        self.alert(alert);
    }

    /// A result of this tab's command came: a finished exposure or an
    /// error is news.
    pub(crate) fn alert_on_result(&self, id: skynet_protocol::CommandId) {
        let Some(entry) = self.log.with_untracked(|log| log.get(id).cloned()) else {
            return;
        };
        if entry.sender != crate::state::command_log::Sender::ThisTab {
            return;
        }
        use crate::state::command_log::CommandState;
        match &entry.state {
            CommandState::Ok if entry.command_type() == "camera.exposure.start" => self.alert(
                Alert::new(Event::ExposureFinished, entry.summary(), id.to_string()),
            ),
            CommandState::Error(body) => self.alert(Alert::new(
                Event::CommandError,
                format!(
                    "{}: {}",
                    entry.command_type(),
                    crate::state::display::message(&body.message)
                ),
                id.to_string(),
            )),
            _ => {}
        }
    }

    /// Watches what has no single message to hook: the workflow ending,
    /// this tab's lease nearing its end or ended by the owner, the link
    /// dropping and coming back. Each fires on the change, once. Started by
    /// the commanding code when it arrives ([`crate::commanding`]): every
    /// alert is raised from that code, so the alerts' routing, tones and
    /// notifications are not in the first screen's module (a link that
    /// drops before it is here is seen by the connection panel, not
    /// alerted).
    pub(crate) fn watch_for_alerts(&self) {
        let this = *self;
        let workflow_end = Memo::new(move |_| {
            this.workflow.with(|w| {
                w.as_ref()
                    .and_then(|w| w.finish().map(|f| (w.kind.title(), f)))
            })
        });
        Effect::new(move |before: Option<bool>| {
            let ended = workflow_end.get();
            if before == Some(false) {
                match &ended {
                    Some((title, crate::state::workflow::Finish::Succeeded)) => this.alert(
                        Alert::new(Event::WorkflowFinished, format!("{title} finished"), *title),
                    ),
                    Some((title, crate::state::workflow::Finish::Failed { step, reason })) => this
                        .alert(Alert::new(
                            Event::WorkflowFailed,
                            format!("{title}: {step} failed: {reason}"),
                            *title,
                        )),
                    None => {}
                }
            }
            ended.is_some()
        });
        let expiring = Memo::new(move |_| {
            let now = this.now.get();
            this.selected.get().and_then(|uid| {
                this.telescopes.with(|t| {
                    let me = this.identity.with(|i| i.account.clone());
                    let lease = t.get(&uid)?.lease.clone()?;
                    let mine = me.as_deref() == Some(lease.holder.as_str());
                    let ends = crate::state::time::parse_rfc3339(lease.expires_at.as_str())?;
                    (mine && ends - now < 60_000.0 && ends > now)
                        .then(|| lease.lease_id.to_string())
                })
            })
        });
        Effect::new(move |before: Option<Option<String>>| {
            let now = expiring.get();
            if let Some(lease) = &now {
                if before.as_ref().is_some_and(|b| b.as_ref() != Some(lease)) {
                    this.alert(Alert::new(
                        Event::LeaseExpiring,
                        "your lease ends within a minute: renew it or your commands are canceled",
                        lease.clone(),
                    ));
                }
            }
            now
        });
        let link = Memo::new(move |_| this.commands_state.with(|s| s.class()));
        Effect::new(move |before: Option<(&'static str, bool)>| {
            let state = link.get();
            let (previous, opened_before) = before.unwrap_or(("idle", false));
            match (previous, state) {
                ("open", "reconnecting") => this.alert(Alert::new(
                    Event::LinkLost,
                    "the link to SkyNet dropped; reconnecting",
                    "link",
                )),
                (previous, "open") if previous != "open" && opened_before => {
                    this.alert(Alert::new(Event::LinkRestored, "connected again", "link"))
                }
                _ => {}
            }
            (state, opened_before || state == "open")
        });
    }

    /// The owner ended a lease: news when it was this tab's.
    pub(crate) fn alert_on_lease(&self, lease: &skynet_protocol::LeaseInfo) {
        let me = self.identity.with_untracked(|i| i.account.clone());
        if lease.state == skynet_protocol::LeaseState::Revoked
            && me.as_deref() == Some(lease.holder.as_str())
        {
            self.alert(Alert::new(
                Event::LeaseEndedByOwner,
                "the owner ended your lease; your commands were canceled",
                lease.lease_id.to_string(),
            ));
        }
    }
}

/// How the tab is seen and what the browser allows, now.
fn environment() -> Environment {
    let window = web_sys::window();
    let hidden = window
        .as_ref()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden());
    Environment {
        hidden,
        notifications_granted: notification_permission() == "granted",
        can_vibrate: window.is_some_and(|w| {
            js_sys::Reflect::has(&w.navigator(), &"vibrate".into()).unwrap_or(false)
        }),
    }
}

/// `granted`, `denied`, `default`, or `unsupported` where the browser has
/// no Notification.
pub fn notification_permission() -> String {
    if !notifications_supported() {
        return "unsupported".into();
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => "granted",
        web_sys::NotificationPermission::Denied => "denied",
        _ => "default",
    }
    .into()
}

fn notifications_supported() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
}

/// Asks for Notification permission (call it from a click: browsers ask
/// only on a user gesture); `then` hears the answer.
pub fn ask_notification_permission(then: impl FnOnce(String) + 'static) {
    if !notifications_supported() {
        return then("unsupported".into());
    }
    match web_sys::Notification::request_permission() {
        Ok(promise) => leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            then(notification_permission());
        }),
        Err(_) => then(notification_permission()),
    }
}

fn show_notification(alert: &Alert) {
    let options = web_sys::NotificationOptions::new();
    options.set_body(&alert.body);
    // One notification per subject: a newer one replaces it.
    options.set_tag(&format!("skydeck-{}-{}", alert.event.key(), alert.subject));
    let _ = web_sys::Notification::new_with_options(&alert.title, &options);
}

fn vibrate(severity: Severity) {
    if let Some(window) = web_sys::window() {
        let pattern: js_sys::Array = severity
            .vibration()
            .iter()
            .map(|ms| wasm_bindgen::JsValue::from(*ms))
            .collect();
        let _ = window.navigator().vibrate_with_pattern(&pattern);
    }
}

thread_local! {
    /// One audio context for the page (browsers limit how many).
    static AUDIO: std::cell::RefCell<Option<web_sys::AudioContext>> = const { std::cell::RefCell::new(None) };
}

/// Makes the audio context on a user gesture, so that later tones may play
/// (browsers keep audio silent until the page was interacted with).
pub fn unlock_audio() {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = web_sys::AudioContext::new().ok();
        }
        if let Some(context) = audio.as_ref() {
            let _ = context.resume();
        }
    });
}

/// Plays the severity's tone at `volume` (0 to 1).
pub fn play_tone(severity: Severity, volume: f32) {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = web_sys::AudioContext::new().ok();
        }
        let Some(context) = audio.as_ref() else {
            return;
        };
        let mut at = context.current_time();
        for &(frequency, ms) in severity.tone() {
            let seconds = f64::from(ms) / 1000.0;
            let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain())
            else {
                return;
            };
            oscillator.frequency().set_value(frequency);
            // A soft attack and release: no click.
            let level = gain.gain();
            let _ = level.set_value_at_time(0.0, at);
            let _ = level.linear_ramp_to_value_at_time(volume * 0.4, at + 0.02);
            let _ = level.linear_ramp_to_value_at_time(0.0, at + seconds);
            let connected = oscillator
                .connect_with_audio_node(&gain)
                .and_then(|_| gain.connect_with_audio_node(&context.destination()));
            if connected.is_err() {
                return;
            }
            let _ = oscillator.start_with_when(at);
            let _ = oscillator.stop_with_when(at + seconds);
            at += seconds + 0.06;
        }
    });
}
