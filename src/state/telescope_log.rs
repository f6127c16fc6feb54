//! The telescope log as the log panel shows it: typed entries, each once
//! (a resubscription may deliver recent ones again), bounded, filtered by
//! type and level, newest first.

use std::collections::{HashSet, VecDeque};

use skynet_protocol::{CommandStatus, LogEntryBody, LogLevel, TelescopeLogEntry, TelescopeUid};

use super::display;
use super::time::{parse_rfc3339, Millis};

/// Entries kept at most: a night's worth; the oldest go first.
pub const MAX_ENTRIES: usize = 5000;

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A significant event or an error.
    Message,
    /// A command's outcome.
    Command,
    /// A safety constraint changed.
    Safety,
    /// An operator's note.
    Note,
    /// A type this version does not know.
    Other,
}

impl Kind {
    /// Every kind, in the filter's order.
    pub const ALL: [Kind; 5] = [
        Kind::Message,
        Kind::Command,
        Kind::Safety,
        Kind::Note,
        Kind::Other,
    ];

    /// Its name in the filter.
    pub fn label(self) -> &'static str {
        match self {
            Self::Message => "Events",
            Self::Command => "Commands",
            Self::Safety => "Safety",
            Self::Note => "Notes",
            Self::Other => "Other",
        }
    }

    /// A one-word class (and `data-kind`).
    pub fn class(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Command => "command",
            Self::Safety => "safety",
            Self::Note => "note",
            Self::Other => "other",
        }
    }
}

/// How much an entry matters, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Normal operation.
    Info,
    /// Worth a look.
    Warning,
    /// Something failed.
    Error,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 3] = [Level::Info, Level::Warning, Level::Error];

    /// `info`, `warning`, `error`.
    pub fn class(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// One entry, ready for the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The entry's uid (a key, never shown).
    pub uid: String,
    /// Its telescope.
    pub telescope: TelescopeUid,
    /// When it happened, when the server's time reads.
    pub at: Option<Millis>,
    /// What it is about.
    pub kind: Kind,
    /// How much it matters.
    pub level: Level,
    /// What it says, bounded; never a uid where a name exists.
    pub text: String,
}

impl Entry {
    /// An entry as the server sent it.
    pub fn from_entry(entry: &TelescopeLogEntry) -> Self {
        let (kind, level, text) = match &entry.body {
            LogEntryBody::Message(m) => (
                Kind::Message,
                match m.level {
                    LogLevel::Warning => Level::Warning,
                    LogLevel::Error => Level::Error,
                    _ => Level::Info,
                },
                display::message(&m.message),
            ),
            LogEntryBody::Command(c) => (
                Kind::Command,
                match c.status {
                    CommandStatus::Ok => Level::Info,
                    CommandStatus::Canceled => Level::Warning,
                    _ => Level::Error,
                },
                format!("{} {}", display::id(&c.command_type), c.status),
            ),
            LogEntryBody::Safety(s) => (
                Kind::Safety,
                if s.satisfied {
                    Level::Info
                } else {
                    Level::Warning
                },
                format!(
                    "{}: {}",
                    if s.satisfied { "holds" } else { "fails" },
                    display::message(&s.message)
                ),
            ),
            LogEntryBody::OperatorNote(n) => (
                Kind::Note,
                Level::Info,
                format!(
                    "{}: {}",
                    display::name(&n.author),
                    display::message(&n.text)
                ),
            ),
            LogEntryBody::Unknown(_) => (Kind::Other, Level::Info, display::message(&entry.text())),
        };
        Self {
            uid: entry.entry_uid.to_string(),
            telescope: entry.telescope_uid.clone(),
            at: parse_rfc3339(entry.at.as_str()),
            kind,
            level,
            text,
        }
    }
}

/// Which entries to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The kinds shown.
    pub kinds: HashSet<Kind>,
    /// The lowest level shown.
    pub min_level: Level,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            kinds: Kind::ALL.into_iter().collect(),
            min_level: Level::Info,
        }
    }
}

impl Filter {
    /// Whether `entry` passes.
    pub fn admits(&self, entry: &Entry) -> bool {
        self.kinds.contains(&entry.kind) && entry.level >= self.min_level
    }

    /// Shows or hides a kind.
    pub fn toggle(&mut self, kind: Kind) {
        if !self.kinds.remove(&kind) {
            self.kinds.insert(kind);
        }
    }
}

/// Every telescope's log entries, oldest first, each once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TelescopeLog {
    entries: VecDeque<Entry>,
    uids: HashSet<String>,
}

impl TelescopeLog {
    /// Takes an entry; false when it was here already.
    pub fn push(&mut self, entry: &TelescopeLogEntry) -> bool {
        let entry = Entry::from_entry(entry);
        if !self.uids.insert(entry.uid.clone()) {
            return false;
        }
        self.entries.push_back(entry);
        while self.entries.len() > MAX_ENTRIES {
            if let Some(old) = self.entries.pop_front() {
                self.uids.remove(&old.uid);
            }
        }
        true
    }

    /// The telescope's entries that pass `filter`, oldest first.
    pub fn matching(&self, telescope: &TelescopeUid, filter: &Filter) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| &e.telescope == telescope && filter.admits(e))
            .collect()
    }

    /// Entries kept, every telescope.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Nothing kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEL: &str = "8c99ee09-e286-45ed-8bea-e4aa4b4dbcbd";

    fn entry(uid: &str, body: serde_json::Value) -> TelescopeLogEntry {
        let mut value =
            json!({"entry_uid": uid, "telescope_uid": TEL, "at": "2026-12-03T01:00:00Z"});
        if let (Some(map), Some(body)) = (value.as_object_mut(), body.as_object()) {
            map.extend(body.clone());
        }
        serde_json::from_value(value).expect("an entry")
    }

    fn log() -> TelescopeLog {
        let mut log = TelescopeLog::default();
        log.push(&entry(
            "1",
            json!({"log_entry_type": "message", "level": "info", "message": "enclosure open"}),
        ));
        log.push(&entry("2", json!({"log_entry_type": "safety", "constraint_uid": "c", "satisfied": false, "message": "rain"})));
        log.push(&entry("3", json!({"log_entry_type": "command", "command_id": "6f1c1f3e-3a43-4f59-9a55-0b8f4f9d2f10", "command_type": "camera.exposure.start", "status": "canceled"})));
        log.push(&entry(
            "4",
            json!({"log_entry_type": "message", "level": "error", "message": "interlock: rain"}),
        ));
        log.push(&entry("5", json!({"log_entry_type": "operator_note", "author": "dev-owner", "text": "dome checked"})));
        log.push(&entry(
            "6",
            json!({"log_entry_type": "maintenance", "part": "fan"}),
        ));
        log
    }

    fn texts(entries: &[&Entry]) -> Vec<String> {
        entries.iter().map(|e| e.text.clone()).collect()
    }

    #[test]
    fn entries_read_for_people_without_uids() {
        let log = log();
        let all = log.matching(&TelescopeUid::from(TEL), &Filter::default());
        assert_eq!(
            texts(&all),
            [
                "enclosure open",
                "fails: rain",
                "camera.exposure.start canceled",
                "interlock: rain",
                "dev-owner: dome checked",
                "maintenance: {\"part\":\"fan\"}",
            ]
        );
        assert_eq!(all[1].level, Level::Warning);
        assert_eq!(all[2].level, Level::Warning);
        assert_eq!(all[3].level, Level::Error);
        assert_eq!(all[5].kind, Kind::Other);
        assert!(all.iter().all(|e| !e.text.contains("6f1c1f3e")));
    }

    #[test]
    fn filters_by_kind_and_level() {
        let log = log();
        let tel = TelescopeUid::from(TEL);
        let mut filter = Filter {
            min_level: Level::Warning,
            ..Filter::default()
        };
        assert_eq!(
            texts(&log.matching(&tel, &filter)),
            [
                "fails: rain",
                "camera.exposure.start canceled",
                "interlock: rain"
            ]
        );
        filter.toggle(Kind::Command);
        assert_eq!(
            texts(&log.matching(&tel, &filter)),
            ["fails: rain", "interlock: rain"]
        );
        filter.toggle(Kind::Command);
        filter.min_level = Level::Error;
        assert_eq!(texts(&log.matching(&tel, &filter)), ["interlock: rain"]);
        assert!(log
            .matching(&TelescopeUid::from("other"), &Filter::default())
            .is_empty());
    }

    #[test]
    fn each_entry_once_and_bounded() {
        let mut log = log();
        assert!(!log.push(&entry(
            "1",
            json!({"log_entry_type": "message", "level": "info", "message": "again"})
        )));
        assert_eq!(log.len(), 6);
        for i in 0..MAX_ENTRIES + 10 {
            log.push(&entry(&format!("n{i}"), json!({"log_entry_type": "message", "level": "info", "message": "x".repeat(10_000)})));
        }
        assert_eq!(log.len(), MAX_ENTRIES);
        let all = log.matching(&TelescopeUid::from(TEL), &Filter::default());
        assert!(all[0].text.chars().count() < 400, "bounded text");
        // The oldest went first, and can come again as new.
        assert!(log.push(&entry(
            "1",
            json!({"log_entry_type": "message", "level": "info", "message": "back"})
        )));
    }
}
