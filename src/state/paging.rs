//! Long lists a page at a time, newest first: a night's thousands of commands
//! and hundreds of frames stay in memory, a bounded number of them on screen.

use std::ops::Range;

/// Which page of a list is on screen, newest first. Indices are into the
/// list in the order items arrived (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pages {
    size: usize,
    /// `None`: the newest page, where new items come in at the top.
    /// `Some(end)`: older items, up to (not including) `end`; the page holds
    /// still as new items arrive.
    before: Option<usize>,
}

impl Pages {
    /// The newest page of `size` items.
    pub const fn newest(size: usize) -> Self {
        Self { size, before: None }
    }

    /// The newest page, the same size.
    pub fn to_newest(self) -> Self {
        Self::newest(self.size)
    }

    /// Whether this is the newest page.
    pub fn is_newest(self) -> bool {
        self.before.is_none()
    }

    /// The items shown, as indices oldest first.
    pub fn range(self, len: usize) -> Range<usize> {
        let end = self.before.map_or(len, |end| end.min(len));
        end.saturating_sub(self.size)..end
    }

    /// The items shown, as indices into the list newest first.
    pub fn range_newest_first(self, len: usize) -> Range<usize> {
        let range = self.range(len);
        len - range.end..len - range.start
    }

    /// The page before this one (itself when there is none).
    pub fn older(self, len: usize) -> Self {
        match self.range(len).start {
            0 => self,
            start => Self {
                before: Some(start),
                ..self
            },
        }
    }

    /// The page after this one, up to the newest.
    pub fn newer(self, len: usize) -> Self {
        let end = self.range(len).end + self.size;
        Self {
            before: (end < len).then_some(end),
            ..self
        }
    }

    /// Whether an older page exists.
    pub fn has_older(self, len: usize) -> bool {
        self.range(len).start > 0
    }

    /// Where the page is, counted from the newest: `51–100 of 10,000`.
    pub fn label(self, len: usize) -> String {
        let range = self.range_newest_first(len);
        if range.is_empty() {
            return "none".into();
        }
        format!("{}–{} of {}", range.start + 1, range.end, thousands(len))
    }
}

/// `10000` as `10,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_go_newest_first_and_hold_still_as_items_arrive() {
        let newest = Pages::newest(50);
        assert_eq!(newest.range(0), 0..0);
        assert_eq!(newest.label(0), "none");
        assert_eq!(newest.range(30), 0..30);
        assert!(!newest.has_older(30));
        assert_eq!(newest.older(30), newest, "nothing older than the only page");

        let len = 10_000;
        assert_eq!(newest.range(len), 9_950..10_000);
        assert_eq!(newest.range_newest_first(len), 0..50);
        assert_eq!(newest.label(len), "1–50 of 10,000");
        let older = newest.older(len);
        assert!(!older.is_newest());
        assert_eq!(older.range(len), 9_900..9_950);
        assert_eq!(older.range_newest_first(len), 50..100);
        assert_eq!(older.label(len), "51–100 of 10,000");
        // New items arrive: the older page shows the same ones.
        assert_eq!(older.range(len + 7), 9_900..9_950);
        assert_eq!(older.range_newest_first(len + 7), 57..107);
        assert_eq!(older.label(len + 7), "58–107 of 10,007");
        let newer = older.newer(len + 7);
        assert_eq!(newer.range(len + 7), 9_950..10_000);
        assert!(newer.newer(len + 7).is_newest());
        assert_eq!(older.to_newest(), newest);

        // The oldest page may be short; paging up returns to the newest.
        let last = Pages::newest(50).older(60);
        assert_eq!(last.range(60), 0..10);
        assert_eq!(last.label(60), "51–60 of 60");
        assert!(!last.has_older(60));
        assert!(last.newer(60).is_newest());
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
