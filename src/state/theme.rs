//! The console's two themes: dark, and night vision (everything red on
//! black, to keep an observer's eyes dark-adapted). The palettes themselves
//! live in `style/main.css` as CSS variables; the tests here hold both to
//! WCAG AA contrast.

/// A colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Dark blue-grey.
    #[default]
    Dark,
    /// All red on black.
    Night,
}

impl Theme {
    /// The value of `data-theme` on `<html>` (and in storage).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dark => "dark",
            Self::Night => "night",
        }
    }

    /// Reads a stored value; anything unknown is the default.
    pub fn parse(value: &str) -> Self {
        match value {
            "night" => Self::Night,
            _ => Self::Dark,
        }
    }

    /// The other theme.
    pub fn toggled(self) -> Self {
        match self {
            Self::Dark => Self::Night,
            Self::Night => Self::Dark,
        }
    }
}

/// WCAG 2 relative luminance of an sRGB colour `#rrggbb`.
pub fn luminance(hex: &str) -> Option<f64> {
    let hex = hex.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let channel = |i: usize| -> Option<f64> {
        let c = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

/// WCAG 2 contrast ratio of two colours, 1 to 21.
pub fn contrast(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const CSS: &str = include_str!("../../style/main.css");

    /// The `--name: #hex;` variables of the block that starts with `selector {`.
    fn palette(selector: &str) -> HashMap<String, String> {
        let start = CSS
            .find(&format!("{selector} {{"))
            .unwrap_or_else(|| panic!("no `{selector}` block in style/main.css"));
        let block = &CSS[start..];
        let block = &block[..block.find('}').expect("the block ends")];
        block
            .lines()
            .filter_map(|line| {
                let (name, value) = line.trim().strip_prefix("--")?.split_once(':')?;
                let value = value.trim().trim_end_matches(';');
                value
                    .starts_with('#')
                    .then(|| (name.to_owned(), value.to_owned()))
            })
            .collect()
    }

    #[test]
    fn luminance_and_contrast_follow_wcag() {
        assert_eq!(
            contrast("#000000", "#ffffff").map(|c| (c * 100.0).round()),
            Some(2100.0)
        );
        assert_eq!(contrast("#777777", "#777777"), Some(1.0));
        // A published pair: #767676 on white is 4.54:1.
        let c = contrast("#767676", "#ffffff").unwrap();
        assert!((c - 4.54).abs() < 0.01, "{c}");
        assert_eq!(luminance("red"), None);
    }

    #[test]
    fn both_palettes_meet_wcag_aa_for_text() {
        // Every text colour on every background it is drawn on.
        let texts = [
            "text",
            "text-muted",
            "accent",
            "ok",
            "warn",
            "error",
            "focus",
        ];
        let backgrounds = ["bg", "surface", "surface-2"];
        for selector in [":root", ":root[data-theme=\"night\"]"] {
            let p = palette(selector);
            for text in texts {
                for background in backgrounds {
                    let (fg, bg) = (&p[text], &p[background]);
                    let ratio = contrast(fg, bg).unwrap();
                    assert!(
                        ratio >= 4.5,
                        "{selector}: --{text} {fg} on --{background} {bg} is {ratio:.2}:1, under AA's 4.5:1"
                    );
                }
            }
        }
    }

    #[test]
    fn night_vision_is_red_only() {
        for (name, hex) in palette(":root[data-theme=\"night\"]") {
            let g = u8::from_str_radix(&hex[3..5], 16).unwrap();
            let b = u8::from_str_radix(&hex[5..7], 16).unwrap();
            let r = u8::from_str_radix(&hex[1..3], 16).unwrap();
            assert!(
                u16::from(g) + u16::from(b) <= u16::from(r) / 2 || (r, g, b) == (0, 0, 0),
                "--{name} {hex} is not red enough for night vision"
            );
        }
    }

    #[test]
    fn themes_toggle_and_parse() {
        assert_eq!(Theme::Dark.toggled(), Theme::Night);
        assert_eq!(Theme::parse(Theme::Night.as_str()), Theme::Night);
        assert_eq!(Theme::parse("sepia"), Theme::Dark);
    }
}
