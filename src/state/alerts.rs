//! Alerts for an astronomer who looks away: which events are told, on which
//! channels, with which sound, and how often. The browser plays them
//! (`crate::alerts`); the rules are here, tested on the host.

use serde::{Deserialize, Serialize};

use super::time::Millis;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// An exposure of this tab finished.
    ExposureFinished,
    /// A command of this tab failed or was refused.
    CommandError,
    /// A workflow finished.
    WorkflowFinished,
    /// A workflow failed.
    WorkflowFailed,
    /// This tab's lease ends within a minute.
    LeaseExpiring,
    /// The owner ended this tab's lease.
    LeaseEndedByOwner,
    /// A shutdown interlock became active.
    InterlockActive,
    /// A shutdown interlock cleared.
    InterlockCleared,
    /// An observing constraint stopped holding.
    ConstraintFailing,
    /// The link to SkyNet dropped.
    LinkLost,
    /// The link came back.
    LinkRestored,
}

impl Event {
    /// Every event, in the settings' order.
    pub const ALL: [Event; 11] = [
        Event::ExposureFinished,
        Event::CommandError,
        Event::WorkflowFinished,
        Event::WorkflowFailed,
        Event::LeaseExpiring,
        Event::LeaseEndedByOwner,
        Event::InterlockActive,
        Event::InterlockCleared,
        Event::ConstraintFailing,
        Event::LinkLost,
        Event::LinkRestored,
    ];

    /// How much it matters.
    pub fn severity(self) -> Severity {
        match self {
            Self::ExposureFinished
            | Self::WorkflowFinished
            | Self::InterlockCleared
            | Self::LinkRestored => Severity::Info,
            Self::LeaseExpiring | Self::ConstraintFailing | Self::LinkLost => Severity::Warning,
            Self::CommandError
            | Self::WorkflowFailed
            | Self::LeaseEndedByOwner
            | Self::InterlockActive => Severity::Critical,
        }
    }

    /// Its name in the settings.
    pub fn label(self) -> &'static str {
        match self {
            Self::ExposureFinished => "Exposure finished",
            Self::CommandError => "Command error",
            Self::WorkflowFinished => "Workflow finished",
            Self::WorkflowFailed => "Workflow failed",
            Self::LeaseExpiring => "Lease ends in a minute",
            Self::LeaseEndedByOwner => "Lease ended by the owner",
            Self::InterlockActive => "Safety shutdown",
            Self::InterlockCleared => "Safety shutdown cleared",
            Self::ConstraintFailing => "Observing condition failing",
            Self::LinkLost => "Link lost",
            Self::LinkRestored => "Link restored",
        }
    }

    /// Its key in the stored settings and `data-testid`s.
    pub fn key(self) -> &'static str {
        match self {
            Self::ExposureFinished => "exposure_finished",
            Self::CommandError => "command_error",
            Self::WorkflowFinished => "workflow_finished",
            Self::WorkflowFailed => "workflow_failed",
            Self::LeaseExpiring => "lease_expiring",
            Self::LeaseEndedByOwner => "lease_ended_by_owner",
            Self::InterlockActive => "interlock_active",
            Self::InterlockCleared => "interlock_cleared",
            Self::ConstraintFailing => "constraint_failing",
            Self::LinkLost => "link_lost",
            Self::LinkRestored => "link_restored",
        }
    }
}

/// How much an alert matters: decides its tone and vibration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Good to know.
    Info,
    /// Needs a look.
    Warning,
    /// Needs the astronomer now.
    Critical,
}

impl Severity {
    /// `info`, `warning`, `critical`.
    pub fn class(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }

    /// Its tone: notes of (frequency Hz, duration ms), a short gap between.
    /// Rising for good news, a repeated middle note for a warning, falling
    /// and longer for critical: told apart without looking.
    pub fn tone(self) -> &'static [(f32, u32)] {
        match self {
            Self::Info => &[(660.0, 120), (880.0, 160)],
            Self::Warning => &[(740.0, 180), (740.0, 180)],
            Self::Critical => &[(988.0, 220), (740.0, 220), (523.0, 360)],
        }
    }

    /// Its vibration pattern (ms on, off, on, ...).
    pub fn vibration(self) -> &'static [u32] {
        match self {
            Self::Info => &[120],
            Self::Warning => &[200, 100, 200],
            Self::Critical => &[400, 120, 400, 120, 400],
        }
    }
}

/// Where alerts can go besides the page, which always shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A browser notification (works while the tab is hidden).
    Notification,
    /// A tone through WebAudio.
    Sound,
    /// Vibration, on phones.
    Vibration,
}

/// The astronomer's choices, remembered in the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Events switched off (all are on unless listed).
    pub muted: Vec<Event>,
    /// Browser notifications (permission is asked when switched on).
    pub notification: bool,
    /// Tones.
    pub sound: bool,
    /// Their volume, 0 to 1.
    pub volume: f32,
    /// Vibration on phones.
    pub vibration: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            muted: Vec::new(),
            notification: false,
            sound: true,
            volume: 0.5,
            vibration: true,
        }
    }
}

impl Settings {
    /// Whether `event` is told at all (beyond the page's notice).
    pub fn is_on(&self, event: Event) -> bool {
        !self.muted.contains(&event)
    }

    /// Switches an event on or off.
    pub fn set(&mut self, event: Event, on: bool) {
        self.muted.retain(|e| *e != event);
        if !on {
            self.muted.push(event);
        }
    }

    /// The volume, within 0 to 1 whatever was stored.
    pub fn volume(&self) -> f32 {
        if self.volume.is_finite() {
            self.volume.clamp(0.0, 1.0)
        } else {
            0.5
        }
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// What happened.
    pub event: Event,
    /// A short title: `Exposure finished`.
    pub title: String,
    /// What, in a line: `M42, 120 s, R`.
    pub body: String,
    /// What it is about (a command id, a constraint uid, a telescope):
    /// the same event about the same thing is told once a while.
    pub subject: String,
}

impl Alert {
    /// An alert titled after its event.
    pub fn new(event: Event, body: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            event,
            title: event.label().to_owned(),
            body: body.into(),
            subject: subject.into(),
        }
    }
}

/// The same event about the same subject is not told again on the noisy
/// channels for this long: a flapping constraint rings once, not every
/// second.
pub const QUIET_MS: Millis = 120_000.0;

/// Where one alert goes now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Channels beyond the page's notice.
    pub channels: Vec<Channel>,
}

/// Decides where alerts go, remembering what was told lately.
#[derive(Debug, Clone, Default)]
pub struct Alerter {
    recent: Vec<(Event, String, Millis)>,
}

/// Alerts remembered for [`QUIET_MS`] at most.
const RECENT: usize = 256;

impl Alerter {
    /// Where `alert` goes at `now`. The page always shows it; the other
    /// channels follow the settings, the browser's permission, and quiet
    /// time. A notification is for a hidden tab (a visible one shows the
    /// notice), vibration for a device that has it.
    pub fn route(
        &mut self,
        alert: &Alert,
        settings: &Settings,
        env: Environment,
        now: Millis,
    ) -> Delivery {
        if !settings.is_on(alert.event) {
            return Delivery::default();
        }
        self.recent.retain(|(_, _, at)| now - at < QUIET_MS);
        let repeated = self
            .recent
            .iter()
            .any(|(e, s, _)| *e == alert.event && *s == alert.subject);
        if repeated {
            return Delivery::default();
        }
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent.push((alert.event, alert.subject.clone(), now));
        let mut channels = Vec::new();
        if settings.notification && env.notifications_granted && env.hidden {
            channels.push(Channel::Notification);
        }
        if settings.sound && settings.volume() > 0.0 {
            channels.push(Channel::Sound);
        }
        if settings.vibration && env.can_vibrate {
            channels.push(Channel::Vibration);
        }
        Delivery { channels }
    }
}

/// What the browser allows and how the tab is seen, when an alert comes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Environment {
    /// The tab is hidden (another tab, the screen off, minimised).
    pub hidden: bool,
    /// Notification permission is granted.
    pub notifications_granted: bool,
    /// The device can vibrate.
    pub can_vibrate: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const HIDDEN: Environment = Environment {
        hidden: true,
        notifications_granted: true,
        can_vibrate: false,
    };

    fn all_on() -> Settings {
        Settings {
            notification: true,
            ..Settings::default()
        }
    }

    #[test]
    fn a_hidden_tab_gets_a_notification_and_a_tone() {
        let mut alerter = Alerter::default();
        let alert = Alert::new(Event::ExposureFinished, "M42, 120 s", "cmd-1");
        let d = alerter.route(&alert, &all_on(), HIDDEN, 0.0);
        assert_eq!(d.channels, [Channel::Notification, Channel::Sound]);
        // Visible: the page's notice says it; the tone still sounds.
        let alert = Alert::new(Event::ExposureFinished, "M51", "cmd-2");
        let visible = Environment {
            hidden: false,
            ..HIDDEN
        };
        assert_eq!(
            alerter.route(&alert, &all_on(), visible, 0.0).channels,
            [Channel::Sound]
        );
    }

    #[test]
    fn no_permission_no_notification_and_phones_vibrate() {
        let mut alerter = Alerter::default();
        let env = Environment {
            hidden: true,
            notifications_granted: false,
            can_vibrate: true,
        };
        let alert = Alert::new(Event::InterlockActive, "rain", "obs");
        assert_eq!(
            alerter.route(&alert, &all_on(), env, 0.0).channels,
            [Channel::Sound, Channel::Vibration]
        );
    }

    #[test]
    fn switched_off_events_and_channels_stay_quiet() {
        let mut alerter = Alerter::default();
        let mut settings = all_on();
        settings.set(Event::LinkLost, false);
        assert!(!settings.is_on(Event::LinkLost));
        let lost = Alert::new(Event::LinkLost, "commands", "link");
        assert_eq!(
            alerter.route(&lost, &settings, HIDDEN, 0.0),
            Delivery::default()
        );
        settings.set(Event::LinkLost, true);
        settings.sound = false;
        settings.notification = false;
        assert_eq!(alerter.route(&lost, &settings, HIDDEN, 0.0).channels, []);
        // A volume of zero is no sound either.
        let mut settings = all_on();
        settings.volume = 0.0;
        let alert = Alert::new(Event::CommandError, "busy", "cmd-9");
        assert_eq!(
            alerter.route(&alert, &settings, HIDDEN, 0.0).channels,
            [Channel::Notification]
        );
    }

    #[test]
    fn the_same_news_rings_once_a_while() {
        let mut alerter = Alerter::default();
        let failing = Alert::new(Event::ConstraintFailing, "wind", "c-wind");
        assert!(!alerter
            .route(&failing, &all_on(), HIDDEN, 0.0)
            .channels
            .is_empty());
        assert!(alerter
            .route(&failing, &all_on(), HIDDEN, 60_000.0)
            .channels
            .is_empty());
        // Another constraint is other news.
        let rain = Alert::new(Event::ConstraintFailing, "rain", "c-rain");
        assert!(!alerter
            .route(&rain, &all_on(), HIDDEN, 60_000.0)
            .channels
            .is_empty());
        // After the quiet time, the wind rings again.
        assert!(!alerter
            .route(&failing, &all_on(), HIDDEN, QUIET_MS + 1.0)
            .channels
            .is_empty());
    }

    #[test]
    fn severities_sound_and_feel_different() {
        let tones: Vec<_> = [Severity::Info, Severity::Warning, Severity::Critical]
            .iter()
            .map(|s| s.tone())
            .collect();
        assert!(tones[0] != tones[1] && tones[1] != tones[2] && tones[0] != tones[2]);
        assert!(Severity::Critical.vibration().len() > Severity::Info.vibration().len());
        assert_eq!(Event::InterlockActive.severity(), Severity::Critical);
        assert_eq!(Event::ExposureFinished.severity(), Severity::Info);
        assert_eq!(Event::ConstraintFailing.severity(), Severity::Warning);
    }

    #[test]
    fn stored_settings_read_back_and_bad_ones_are_tamed() {
        let mut settings = Settings::default();
        settings.set(Event::ExposureFinished, false);
        settings.volume = 0.8;
        let text = serde_json::to_string(&settings).expect("encodes");
        assert_eq!(
            serde_json::from_str::<Settings>(&text).expect("decodes"),
            settings
        );
        // An older or hand-edited value: what is missing takes its default.
        let partial: Settings = serde_json::from_str(r#"{"volume": 7}"#).expect("decodes");
        assert!(partial.sound && partial.volume() == 1.0);
        assert_eq!(Event::ALL.len(), 11);
    }
}
