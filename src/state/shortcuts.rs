//! Keyboard shortcuts: one table, used by the key handler and the help
//! overlay, so the two can never disagree.

use super::forms::Nudge;

/// What a key does: one of the console's actions, which stays inert from
/// the keyboard whenever its button is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    /// Nudge the mount by the nudge step.
    Nudge(Nudge),
    /// Expose with the camera settings.
    Expose,
    /// Cancel every running command of this tab.
    Abort,
    /// Toggle night vision.
    NightVision,
    /// Show or hide the list of shortcuts.
    Help,
}

/// One shortcut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortcut {
    /// `KeyboardEvent.key` values that trigger it.
    pub keys: &'static [&'static str],
    /// How the key is shown.
    pub label: &'static str,
    /// What it does.
    pub action: KeyAction,
    /// What it does, for people.
    pub description: &'static str,
}

/// Every shortcut. Arrows nudge as the sky looks with north up: east is
/// left, west is right.
pub const SHORTCUTS: &[Shortcut] = &[
    Shortcut {
        keys: &["Escape"],
        label: "Esc",
        action: KeyAction::Abort,
        description: "Abort: cancel every running command of this tab",
    },
    Shortcut {
        keys: &["ArrowUp"],
        label: "↑",
        action: KeyAction::Nudge(Nudge::North),
        description: "Nudge the mount north by the nudge step",
    },
    Shortcut {
        keys: &["ArrowDown"],
        label: "↓",
        action: KeyAction::Nudge(Nudge::South),
        description: "Nudge the mount south",
    },
    Shortcut {
        keys: &["ArrowLeft"],
        label: "←",
        action: KeyAction::Nudge(Nudge::East),
        description: "Nudge the mount east",
    },
    Shortcut {
        keys: &["ArrowRight"],
        label: "→",
        action: KeyAction::Nudge(Nudge::West),
        description: "Nudge the mount west",
    },
    Shortcut {
        keys: &["e", "E"],
        label: "E",
        action: KeyAction::Expose,
        description: "Expose with the camera settings",
    },
    Shortcut {
        keys: &["n", "N"],
        label: "N",
        action: KeyAction::NightVision,
        description: "Night vision on or off",
    },
    Shortcut {
        keys: &["?"],
        label: "?",
        action: KeyAction::Help,
        description: "Show or hide this list",
    },
];

/// The shortcut of a key, if any.
pub fn shortcut_for(key: &str) -> Option<&'static Shortcut> {
    SHORTCUTS.iter().find(|s| s.keys.contains(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_means_one_thing() {
        let mut seen = std::collections::HashSet::new();
        for s in SHORTCUTS {
            for key in s.keys {
                assert!(seen.insert(*key), "{key} is bound twice");
            }
        }
    }

    #[test]
    fn keys_find_their_action() {
        assert_eq!(
            shortcut_for("Escape").map(|s| s.action),
            Some(KeyAction::Abort)
        );
        assert_eq!(
            shortcut_for("ArrowLeft").map(|s| s.action),
            Some(KeyAction::Nudge(Nudge::East))
        );
        assert_eq!(shortcut_for("E").map(|s| s.action), Some(KeyAction::Expose));
        assert_eq!(shortcut_for("x"), None);
    }
}
