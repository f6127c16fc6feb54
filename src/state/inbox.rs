//! What waits to be handled. Frames waiting for the code that handles them
//! (see [`crate::commanding`]): kept in the order they came, at most
//! [`MAX_WAITING`]. Beyond that the oldest go, counted, so a page whose code
//! never arrives cannot grow without bound. And things that changed, where
//! only their latest state matters ([`Changed`]).

use std::collections::VecDeque;

use super::time::Millis;

/// Frames kept at most while they wait.
pub const MAX_WAITING: usize = 2_000;

/// What [`Inbox::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Kept.
    Kept,
    /// Kept, and the oldest was dropped to make room: the first time since
    /// the inbox was last taken, so worth telling.
    FirstDrop,
    /// Kept, and the oldest was dropped, as before.
    Dropped,
}

/// Frames in arrival order, bounded.
#[derive(Debug, Clone)]
pub struct Inbox<T> {
    frames: VecDeque<T>,
    dropped: u64,
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Self {
            frames: VecDeque::new(),
            dropped: 0,
        }
    }
}

/// What waited, as [`Inbox::take`] hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waited<T> {
    /// The frames kept, oldest first.
    pub frames: Vec<T>,
    /// How many older ones were dropped to keep the rest.
    pub dropped: u64,
}

impl<T> Inbox<T> {
    /// Keeps `frame` after the others, dropping the oldest when full.
    pub fn push(&mut self, frame: T) -> Pushed {
        let pushed = if self.frames.len() >= MAX_WAITING {
            self.frames.pop_front();
            self.dropped += 1;
            if self.dropped == 1 {
                Pushed::FirstDrop
            } else {
                Pushed::Dropped
            }
        } else {
            Pushed::Kept
        };
        self.frames.push_back(frame);
        pushed
    }

    /// Everything that waited, in order, and how much was dropped; the
    /// inbox is empty afterwards.
    pub fn take(&mut self) -> Waited<T> {
        let waited = Waited {
            // The deque's own buffer, made contiguous: no per-type drain.
            frames: std::mem::take(&mut self.frames).into(),
            dropped: self.dropped,
        };
        self.dropped = 0;
        waited
    }

    /// How many frames wait.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Nothing waits.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

/// Things that changed and wait to be read in their latest state (devices
/// until the next animation frame, resources of the deferred streams until
/// their code is here): each once, in the order it first changed, with when
/// it last did. Bounded by the keys there can be.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed<K> {
    items: Vec<(K, Millis)>,
}

impl<K> Default for Changed<K> {
    fn default() -> Self {
        Self { items: Vec::new() }
    }
}

impl<K: PartialEq> Changed<K> {
    /// Notes that `key` changed at `at`.
    pub fn note(&mut self, key: K, at: Millis) {
        match self.items.iter_mut().find(|(k, _)| *k == key) {
            Some(item) => item.1 = at,
            None => self.items.push((key, at)),
        }
    }

    /// Everything noted, first changed first; none is kept.
    pub fn take(&mut self) -> Vec<(K, Millis)> {
        std::mem::take(&mut self.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_noted_once_each_in_first_changed_order_at_their_latest_time() {
        let mut changed = Changed::default();
        changed.note(("constraints", "c1"), 1.0);
        changed.note(("instruments", "c1"), 2.0);
        changed.note(("constraints", "c1"), 3.0);
        assert_eq!(
            changed.take(),
            [(("constraints", "c1"), 3.0), (("instruments", "c1"), 2.0)]
        );
        assert!(changed.take().is_empty());
    }

    #[test]
    fn frames_come_out_in_the_order_they_went_in() {
        let mut inbox = Inbox::default();
        for n in 0..5 {
            assert_eq!(inbox.push(n), Pushed::Kept);
        }
        assert_eq!(
            inbox.take(),
            Waited {
                frames: vec![0, 1, 2, 3, 4],
                dropped: 0
            }
        );
        assert!(inbox.is_empty());
    }

    #[test]
    fn a_full_inbox_drops_the_oldest_and_says_so_once() {
        let mut inbox = Inbox::default();
        for n in 0..MAX_WAITING {
            inbox.push(n);
        }
        assert_eq!(inbox.push(MAX_WAITING), Pushed::FirstDrop);
        assert_eq!(inbox.push(MAX_WAITING + 1), Pushed::Dropped);
        assert_eq!(inbox.len(), MAX_WAITING);
        let waited = inbox.take();
        assert_eq!(waited.dropped, 2);
        assert_eq!(waited.frames.first(), Some(&2));
        assert_eq!(waited.frames.last(), Some(&(MAX_WAITING + 1)));
        // Taken: the count starts again.
        for n in 0..=MAX_WAITING {
            inbox.push(n);
        }
        assert_eq!(inbox.take().dropped, 1);
    }
}
