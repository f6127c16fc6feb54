//! How values from the server are shown: bounded, and flagged when out of
//! range. A server may send anything (a megabyte of name, `1e308` µm, a
//! progress of 7): the screen shows a short text that says it is out of
//! range, never a 309-digit number or a page 800,000 px tall.

use std::fmt;

use skydeck_astro::sexagesimal::{format_dec_dms, format_ra_hms};

/// Characters of a name shown at most (telescope, filter, account, ...).
pub const NAME_CHARS: usize = 80;
/// Characters of a message or a payload summary shown at most.
pub const MESSAGE_CHARS: usize = 300;
/// Characters of an identifier or code shown at most.
pub const ID_CHARS: usize = 64;

/// What is appended to a value out of range.
pub const OUT_OF_RANGE: &str = " (out of range)";

/// A server value ready for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The bounded text, without the flag.
    pub text: String,
    /// Cut short or outside what the field can mean.
    pub out_of_range: bool,
}

impl Shown {
    fn ok(text: String) -> Self {
        Self {
            text,
            out_of_range: false,
        }
    }

    fn flagged(text: String) -> Self {
        Self {
            text,
            out_of_range: true,
        }
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        if self.out_of_range {
            f.write_str(OUT_OF_RANGE)?;
        }
        Ok(())
    }
}

/// When something started, for people: `21:04:05 UTC` when the server's
/// RFC 3339 text reads, else that text bounded. Exposures and leases are
/// named by their time, never by their uid.
pub fn started(at: &str) -> String {
    match super::time::parse_rfc3339(at) {
        Some(ms) => format!("{} UTC", super::time::format_clock(ms)),
        None => id(at),
    }
}

/// ` since 21:04:05 UTC` for an instant, nothing when it is not known: the
/// tail of "failing since", "shut down since".
pub fn since(at: Option<super::time::Millis>) -> String {
    at.map(|at| format!(" since {} UTC", super::time::format_clock(at)))
        .unwrap_or_default()
}

/// At most `max` characters of `s`; longer text is cut with `…` and flagged.
/// Control characters (a newline flood) become spaces.
pub fn text(s: &str, max: usize) -> Shown {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
        Shown::flagged(out)
    } else {
        Shown::ok(out)
    }
}

/// A name (telescope, filter, account), bounded.
pub fn name(s: &str) -> String {
    text(s, NAME_CHARS).to_string()
}

/// A message (an error's, a notice's), bounded.
pub fn message(s: &str) -> String {
    text(s, MESSAGE_CHARS).to_string()
}

/// An identifier or code, bounded.
pub fn id(s: &str) -> String {
    text(s, ID_CHARS).to_string()
}

/// JSON details, compact and bounded.
pub fn details(value: &serde_json::Value) -> String {
    message(&value.to_string())
}

/// `v` with `decimals` and `unit` when within `lo..=hi`; otherwise in
/// scientific notation (a few characters whatever its size) and flagged.
pub fn number(v: f64, decimals: usize, lo: f64, hi: f64, unit: &str) -> Shown {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Shown::ok(format!("{v:.decimals$}{unit}"))
    } else if v.is_finite() {
        Shown::flagged(format!("{v:.2e}{unit}"))
    } else {
        Shown::flagged(format!("{v}{unit}"))
    }
}

/// A progress fraction clamped to `0..=1`, and its text in percent
/// (flagged when it was outside).
pub fn progress(v: f64) -> (f64, Shown) {
    let clamped = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let text = format!("{}%", (clamped * 100.0).round());
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        (clamped, Shown::ok(text))
    } else {
        (clamped, Shown::flagged(text))
    }
}

/// Right ascension in degrees as `hh:mm:ss.s`, flagged outside `0..=360`.
pub fn ra(deg: f64) -> String {
    if deg.is_finite() && (0.0..=360.0).contains(&deg) {
        format_ra_hms(deg, 1)
    } else {
        number(deg, 1, 0.0, 360.0, "°").to_string()
    }
}

/// Declination in degrees as `±dd:mm:ss`, flagged outside `-90..=90`.
pub fn dec(deg: f64) -> String {
    if deg.is_finite() && (-90.0..=90.0).contains(&deg) {
        format_dec_dms(deg, 0)
    } else {
        number(deg, 1, -90.0, 90.0, "°").to_string()
    }
}

/// An altitude in degrees. A zenith computed a hair past 90° (floating
/// point) is the zenith, not out of range.
pub fn alt(deg: f64, decimals: usize) -> String {
    let deg = if deg.is_finite() && deg.abs() <= 90.0 + 1e-6 {
        deg.clamp(-90.0, 90.0)
    } else {
        deg
    };
    number(deg, decimals, -90.0, 90.0, "°").to_string()
}

/// An azimuth in degrees.
pub fn az(deg: f64, decimals: usize) -> String {
    number(deg, decimals, 0.0, 360.0, "°").to_string()
}

/// A rotator angle in degrees (a few turns either way).
pub fn angle(deg: f64) -> String {
    number(deg, 1, -720.0, 720.0, "°").to_string()
}

/// A focuser position in µm.
pub fn microns(um: f64) -> String {
    number(um, 0, -1e6, 1e6, " µm").to_string()
}

/// A temperature in °C.
pub fn celsius(c: f64) -> String {
    number(c, 1, -150.0, 150.0, " °C").to_string()
}

/// A duration in seconds.
pub fn seconds(s: f64) -> String {
    number(s, 1, 0.0, 1e6, " s").to_string()
}

/// A length of optics in millimetres (an aperture, a focal length).
pub fn millimetres(mm: f64) -> String {
    number(mm, 0, 0.0, 1e6, " mm").to_string()
}

/// A focal ratio, as astronomers write it: `f/8.0`.
pub fn focal_ratio(ratio: f64) -> String {
    let shown = number(ratio, 1, 0.1, 1000.0, "");
    format!("f/{shown}")
}

/// An angle on the sky in arcseconds (an offset, a step).
pub fn arcsec(v: f64) -> String {
    number(v, 0, -1e7, 1e7, "″").to_string()
}

/// A half-flux radius in pixels.
pub fn pixels(px: f64) -> String {
    number(px, 2, 0.0, 1e4, " px").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_says_when_or_nothing() {
        let at = super::super::time::parse_rfc3339("2026-12-03T01:02:03Z");
        assert_eq!(since(at), " since 01:02:03 UTC");
        assert_eq!(since(None), "");
    }

    #[test]
    fn optics_read_as_astronomers_write_them() {
        assert_eq!(millimetres(8000.0), "8000 mm");
        assert_eq!(focal_ratio(6.5), "f/6.5");
        assert!(focal_ratio(1e308).contains("out of range"));
        assert!(millimetres(-3.0).contains("out of range"));
    }

    #[test]
    fn a_megabyte_name_is_cut_and_flagged() {
        let huge = "A".repeat(1_000_000);
        let shown = name(&huge);
        assert!(shown.chars().count() <= NAME_CHARS + 1 + OUT_OF_RANGE.len());
        assert!(shown.ends_with("… (out of range)"), "{shown}");
        assert_eq!(name("Skynet 0.4 m"), "Skynet 0.4 m");
        // Exactly the limit is not cut.
        assert_eq!(name(&"b".repeat(NAME_CHARS)), "b".repeat(NAME_CHARS));
        // Multi-byte text is cut on characters, not bytes.
        assert_eq!(text("µµµ", 2).text, "µµ…");
        assert_eq!(message("line\nbreak"), "line break");
    }

    #[test]
    fn an_absurd_number_is_a_few_characters_and_flagged() {
        let shown = microns(1e308);
        assert_eq!(shown, "1.00e308 µm (out of range)");
        assert_eq!(microns(12_345.4), "12345 µm");
        assert_eq!(microns(-1e300), "-1.00e300 µm (out of range)");
        assert_eq!(seconds(f64::INFINITY), "inf s (out of range)");
        assert_eq!(celsius(-12.25), "-12.2 °C");
    }

    #[test]
    fn progress_is_clamped_and_flagged_outside_zero_to_one() {
        assert_eq!(progress(0.5), (0.5, Shown::ok("50%".into())));
        let (v, shown) = progress(-3.0);
        assert_eq!((v, shown.to_string()), (0.0, "0% (out of range)".into()));
        let (v, shown) = progress(7.0);
        assert_eq!((v, shown.to_string()), (1.0, "100% (out of range)".into()));
        assert_eq!(progress(f64::NAN).0, 0.0);
    }

    #[test]
    fn huge_angles_are_flagged_not_wrapped_into_a_plausible_value() {
        assert_eq!(ra(1e300), "1.00e300° (out of range)");
        assert_eq!(dec(-1e200), "-1.00e200° (out of range)");
        assert_eq!(alt(91.0, 1), "9.10e1° (out of range)");
        // The zenith a rounding error past 90° is the zenith.
        assert_eq!(alt(90.000_000_000_01, 2), "90.00°");
        assert_eq!(az(123.456, 2), "123.46°");
        assert_eq!(angle(1e15), "1.00e15° (out of range)");
        assert_eq!(ra(83.8), format_ra_hms(83.8, 1));
    }

    #[test]
    fn details_are_compact_and_bounded() {
        let value = serde_json::json!({"field": "x".repeat(10_000)});
        let shown = details(&value);
        assert!(
            shown.chars().count() < MESSAGE_CHARS + 20,
            "{}",
            shown.len()
        );
        assert!(shown.ends_with(OUT_OF_RANGE));
    }

    #[test]
    fn times_stand_for_uids() {
        assert_eq!(started("2026-12-02T21:04:05.250Z"), "21:04:05 UTC");
        assert!(started(&"x".repeat(10_000)).chars().count() < 100);
    }
}
