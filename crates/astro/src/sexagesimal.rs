//! Parsing and formatting of right ascension and declination in the
//! notations astronomers type: `05h34m31.9s`, `5:34:31.9`, `05 34 31.9`,
//! `5h34.5m`, `5.5758h`, `83.633` (degrees); `+22°00'52"`, `22°00′52″`,
//! `+22d00m52s`, `22:00:52`, `-05 23 28`, `-0:30:00`, `22.0144`.
//!
//! A bare decimal number is always **degrees**, for right ascension too;
//! hours need an `h` (`5.5758h`). Only the last field may carry a decimal
//! part. Right ascension must be in `[0h, 24h)`, declination in
//! `[-90°, +90°]`, minutes and seconds below 60. The sign of a declination
//! is kept even when the degrees are zero (`-0:30:00` is −0.5°).

use std::fmt;

/// Why a coordinate could not be read, in words an observer understands.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// Nothing but blanks was given.
    Empty,
    /// A character that belongs to no notation.
    UnexpectedCharacter {
        /// The offending character.
        character: char,
        /// Its position, counted in characters from 1.
        position: usize,
    },
    /// A sign, a unit or a separator with no number where one is needed.
    MissingNumber,
    /// More than three fields (e.g. `1 2 3 4`).
    TooManyFields,
    /// Fields out of order, like `34m05h`.
    FieldOutOfOrder {
        /// What was found: "hours", "degrees", "minutes" or "seconds".
        found: &'static str,
    },
    /// A decimal part on a field other than the last, like `5.5h30m`.
    FractionNotLast,
    /// A minus sign on a right ascension.
    NegativeRightAscension,
    /// Minutes of 60 or more.
    MinutesOutOfRange(f64),
    /// Seconds of 60 or more.
    SecondsOutOfRange(f64),
    /// Right ascension of 24 hours or more (value in hours).
    HoursOutOfRange(f64),
    /// Right ascension of 360° or more (value in degrees).
    RightAscensionDegreesOutOfRange(f64),
    /// Declination beyond ±90° (value in degrees).
    DeclinationOutOfRange(f64),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(
                f,
                "no coordinate given: enter e.g. 05h34m31.9s or +22°00'52\""
            ),
            Self::UnexpectedCharacter {
                character,
                position,
            } => {
                write!(
                    f,
                    "unexpected character '{character}' at position {position}"
                )
            }
            Self::MissingNumber => write!(f, "a number is missing"),
            Self::TooManyFields => write!(
                f,
                "too many fields: give at most hours (or degrees), minutes and seconds"
            ),
            Self::FieldOutOfOrder { found } => write!(
                f,
                "{found} out of order: write hours (or degrees) first, then minutes, then seconds"
            ),
            Self::FractionNotLast => write!(
                f,
                "only the last field may have a decimal part (write 5h34.5m, not 5.5h34m)"
            ),
            Self::NegativeRightAscension => write!(f, "right ascension cannot be negative"),
            Self::MinutesOutOfRange(v) => write!(f, "minutes must be less than 60 (got {v})"),
            Self::SecondsOutOfRange(v) => write!(f, "seconds must be less than 60 (got {v})"),
            Self::HoursOutOfRange(v) => {
                write!(f, "right ascension must be less than 24h (got {v}h)")
            }
            Self::RightAscensionDegreesOutOfRange(v) => write!(
                f,
                "right ascension must be less than 360° (got {v}°); for hours add an h, as in 5.5h"
            ),
            Self::DeclinationOutOfRange(v) => {
                write!(f, "declination must be between -90° and +90° (got {v}°)")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// The unit written after a number, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Hours,
    Degrees,
    Minutes,
    Seconds,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Self::Hours => "hours",
            Self::Degrees => "degrees",
            Self::Minutes => "minutes",
            Self::Seconds => "seconds",
        }
    }
}

/// One number and the unit that followed it.
#[derive(Debug, Clone, Copy)]
struct Field {
    value: f64,
    has_fraction: bool,
    unit: Option<Unit>,
}

/// A tokenised coordinate: its sign and its fields.
#[derive(Debug)]
struct Tokens {
    negative: bool,
    fields: Vec<Field>,
    separated: bool,
}

fn tokenize(input: &str) -> Result<Tokens, ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let skip_blanks = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    skip_blanks(&mut i);
    if i == chars.len() {
        return Err(ParseError::Empty);
    }
    let (negative, signed) = match chars[i] {
        '-' | '\u{2212}' | '\u{2013}' => (true, true),
        '+' => (false, true),
        _ => (false, false),
    };
    if signed {
        i += 1;
        skip_blanks(&mut i);
    }
    let mut fields = Vec::new();
    let mut separated = false;
    let mut expect_number = true;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == ':' {
            if expect_number {
                return Err(ParseError::MissingNumber);
            }
            separated = true;
            expect_number = true;
            i += 1;
            continue;
        }
        if !(c.is_ascii_digit() || c == '.') {
            return Err(if is_unit_char(c) {
                ParseError::MissingNumber
            } else {
                ParseError::UnexpectedCharacter {
                    character: c,
                    position: i + 1,
                }
            });
        }
        // A number: digits, optionally a point and more digits.
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let mut has_fraction = false;
        if i < chars.len() && chars[i] == '.' {
            has_fraction = true;
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        let text: String = chars[start..i].iter().collect();
        if !text.chars().any(|c| c.is_ascii_digit()) {
            return Err(ParseError::MissingNumber);
        }
        let value: f64 = text.parse().map_err(|_| ParseError::MissingNumber)?;
        skip_blanks(&mut i);
        let unit = if i < chars.len() {
            read_unit(&chars, &mut i)
        } else {
            None
        };
        fields.push(Field {
            value,
            has_fraction,
            unit,
        });
        expect_number = false;
    }
    if fields.is_empty() || expect_number {
        return Err(ParseError::MissingNumber);
    }
    Ok(Tokens {
        negative,
        fields,
        separated,
    })
}

fn is_unit_char(c: char) -> bool {
    matches!(
        c,
        'h' | 'H'
            | 'd'
            | 'D'
            | '°'
            | 'º'
            | 'm'
            | 'M'
            | '\''
            | '′'
            | '’'
            | 's'
            | 'S'
            | '"'
            | '″'
            | '”'
    )
}

/// Reads a unit at `chars[*i]`, advancing past it; `None` if there is none.
fn read_unit(chars: &[char], i: &mut usize) -> Option<Unit> {
    let c = chars[*i];
    let next = chars.get(*i + 1).copied();
    let unit = match c {
        'h' | 'H' => Unit::Hours,
        'd' | 'D' | '°' | 'º' => Unit::Degrees,
        'm' | 'M' | '′' | '’' => Unit::Minutes,
        '\'' if next == Some('\'') => {
            *i += 1;
            Unit::Seconds
        }
        '\'' => Unit::Minutes,
        's' | 'S' | '"' | '″' | '”' => Unit::Seconds,
        _ => return None,
    };
    *i += 1;
    // Accept the spelled-out "deg".
    if unit == Unit::Degrees
        && (c == 'd' || c == 'D')
        && chars
            .get(*i..*i + 2)
            .is_some_and(|s| s[0].eq_ignore_ascii_case(&'e') && s[1].eq_ignore_ascii_case(&'g'))
    {
        *i += 2;
    }
    Some(unit)
}

/// Combines up to three fields (`first_unit`, minutes, seconds) into one
/// value in units of the first field; `first_unit` is hours or degrees.
fn combine(fields: &[Field], first_unit: Unit) -> Result<f64, ParseError> {
    if fields.len() > 3 {
        return Err(ParseError::TooManyFields);
    }
    let mut total = 0.0;
    let mut previous: Option<usize> = None;
    for (k, field) in fields.iter().enumerate() {
        let slot = match field.unit {
            None => previous.map_or(0, |p| p + 1),
            Some(u) if u == first_unit => 0,
            Some(Unit::Minutes) => 1,
            Some(Unit::Seconds) => 2,
            Some(u) => return Err(ParseError::FieldOutOfOrder { found: u.name() }),
        };
        if slot > 2 {
            return Err(ParseError::TooManyFields);
        }
        if previous.is_some_and(|p| slot <= p) || (previous.is_none() && slot != 0) {
            let found = field.unit.map_or("a number", Unit::name);
            return Err(ParseError::FieldOutOfOrder { found });
        }
        if field.has_fraction && k + 1 != fields.len() {
            return Err(ParseError::FractionNotLast);
        }
        match slot {
            0 => total += field.value,
            1 if field.value >= 60.0 => return Err(ParseError::MinutesOutOfRange(field.value)),
            1 => total += field.value / 60.0,
            _ if field.value >= 60.0 => return Err(ParseError::SecondsOutOfRange(field.value)),
            _ => total += field.value / 3600.0,
        }
        previous = Some(slot);
    }
    Ok(total)
}

/// Parses a right ascension and returns it in degrees, `[0, 360)`.
///
/// Sexagesimal forms (`05h34m31.9s`, `5:34:31.9`, `05 34 31.9`, `5h34.5m`)
/// and `5.5758h` are hours; a bare decimal (`83.633`, or `83.633°`) is
/// degrees.
pub fn parse_ra(input: &str) -> Result<f64, ParseError> {
    let t = tokenize(input)?;
    if t.negative {
        return Err(ParseError::NegativeRightAscension);
    }
    let first = t.fields[0];
    let in_degrees = match first.unit {
        Some(Unit::Degrees) => true,
        None => t.fields.len() == 1 && !t.separated,
        _ => false,
    };
    if in_degrees {
        let deg = combine(&t.fields, Unit::Degrees)?;
        if deg >= 360.0 {
            return Err(ParseError::RightAscensionDegreesOutOfRange(deg));
        }
        return Ok(deg);
    }
    let hours = combine(&t.fields, Unit::Hours)?;
    if hours >= 24.0 {
        return Err(ParseError::HoursOutOfRange(hours));
    }
    Ok(hours * 15.0)
}

/// Parses a declination and returns it in degrees, `[-90, 90]`.
///
/// Accepts `+22°00'52"`, `22°00′52″`, `+22d00m52s`, `22:00:52`, `-05 23 28`,
/// `-0:30:00` and decimals (`22.0144`, `-5.39`).
pub fn parse_dec(input: &str) -> Result<f64, ParseError> {
    let t = tokenize(input)?;
    if let Some(u @ Unit::Hours) = t.fields[0].unit {
        return Err(ParseError::FieldOutOfOrder { found: u.name() });
    }
    let magnitude = combine(&t.fields, Unit::Degrees)?;
    let value = if t.negative { -magnitude } else { magnitude };
    if magnitude > 90.0 {
        return Err(ParseError::DeclinationOutOfRange(value));
    }
    Ok(value)
}

/// Splits a non-negative quantity into whole units, minutes, and seconds
/// counted in `10^-decimals` steps, rounding once so carries are exact.
fn split_sexagesimal(value: f64, decimals: usize) -> (u64, u64, u64, u64) {
    let decimals = decimals.min(9);
    let scale = 10u64.pow(decimals as u32);
    // Round once, in integer steps of the last printed digit.
    let steps = (value * 3600.0 * scale as f64).round().max(0.0) as u64;
    let per_minute = 60 * scale;
    let per_unit = 3600 * scale;
    let whole = steps / per_unit;
    let minutes = (steps % per_unit) / per_minute;
    let rest = steps % per_minute;
    (whole, minutes, rest / scale, rest % scale)
}

fn seconds_text(secs: u64, frac: u64, decimals: usize) -> String {
    let decimals = decimals.min(9);
    if decimals == 0 {
        format!("{secs:02}")
    } else {
        format!("{secs:02}.{frac:0decimals$}")
    }
}

/// Formats a right ascension given in degrees as `05h34m31.9s`, with
/// `decimals` digits on the seconds (at most 9); the value is normalised to
/// `[0, 360)` and rounding carries into minutes and hours (`23h59m59.96s`
/// with one decimal is `00h00m00.0s`).
pub fn format_ra_hms(ra_deg: f64, decimals: usize) -> String {
    let hours = crate::coords::normalize_deg(ra_deg) / 15.0;
    let (mut h, m, s, frac) = split_sexagesimal(hours, decimals);
    h %= 24;
    format!("{h:02}h{m:02}m{}s", seconds_text(s, frac, decimals))
}

/// Formats a declination in degrees as `+22°00'52"` with `decimals` digits
/// on the arcseconds (at most 9), always signed, with exact carries
/// (`+22°59'59.96"` with one decimal is `+23°00'00.0"`). Values are clamped
/// to `[-90, 90]`; a value that rounds to zero is printed `+`.
pub fn format_dec_dms(dec_deg: f64, decimals: usize) -> String {
    let clamped = dec_deg.clamp(-90.0, 90.0);
    let (d, m, s, frac) = split_sexagesimal(clamped.abs(), decimals);
    let is_zero = d == 0 && m == 0 && s == 0 && frac == 0;
    let sign = if clamped < 0.0 && !is_zero { '-' } else { '+' };
    format!("{sign}{d:02}°{m:02}'{}\"", seconds_text(s, frac, decimals))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hms(h: f64, m: f64, s: f64) -> f64 {
        (h + m / 60.0 + s / 3600.0) * 15.0
    }

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        d + m / 60.0 + s / 3600.0
    }

    fn assert_ra(input: &str, expected_deg: f64) {
        match parse_ra(input) {
            Ok(v) => assert!(
                (v - expected_deg).abs() < 1e-9,
                "{input}: {v} vs {expected_deg}"
            ),
            Err(e) => panic!("{input}: {e}"),
        }
    }

    fn assert_dec(input: &str, expected_deg: f64) {
        match parse_dec(input) {
            Ok(v) => assert!(
                (v - expected_deg).abs() < 1e-9,
                "{input}: {v} vs {expected_deg}"
            ),
            Err(e) => panic!("{input}: {e}"),
        }
    }

    #[test]
    fn ra_notations() {
        let m1 = hms(5.0, 34.0, 31.9);
        assert_ra("05h34m31.9s", m1);
        assert_ra("5h34m31.9s", m1);
        assert_ra("5:34:31.9", m1);
        assert_ra("05 34 31.9", m1);
        assert_ra("  05h 34m 31.9s  ", m1);
        assert_ra("05H34M31.9S", m1);
        assert_ra("5h34.5m", hms(5.0, 34.5, 0.0));
        assert_ra("5:34.5", hms(5.0, 34.5, 0.0));
        assert_ra("5.5758h", 5.5758 * 15.0);
        assert_ra("5h", 75.0);
        assert_ra("0h0m0s", 0.0);
        assert_ra("23:59:59.99", hms(23.0, 59.0, 59.99));
    }

    #[test]
    fn bare_decimal_ra_is_degrees() {
        assert_ra("83.633", 83.633);
        assert_ra("83.633°", 83.633);
        assert_ra("83.633d", 83.633);
        assert_ra("83.633 deg", 83.633);
        assert_ra("5", 5.0);
        assert_ra("359.9999", 359.9999);
        assert_ra("+10", 10.0);
    }

    #[test]
    fn dec_notations() {
        let m1 = dms(22.0, 0.0, 52.0);
        assert_dec("+22°00'52\"", m1);
        assert_dec("22°00′52″", m1);
        assert_dec("+22d00m52s", m1);
        assert_dec("22:00:52", m1);
        assert_dec("+22 00 52", m1);
        assert_dec("22°00'52''", m1);
        assert_dec("22° 00′ 52.0″", m1);
        assert_dec("-05 23 28", -dms(5.0, 23.0, 28.0));
        assert_dec("−05°23′28″", -dms(5.0, 23.0, 28.0));
        assert_dec("22.0144", 22.0144);
        assert_dec("-5.39", -5.39);
        assert_dec("+90", 90.0);
        assert_dec("-90:00:00", -90.0);
        assert_dec("-12°30'", -12.5);
        assert_dec("-12d30.5m", -dms(12.0, 30.5, 0.0));
    }

    #[test]
    fn negative_zero_degrees_stays_negative() {
        assert_dec("-0:30:00", -0.5);
        assert_dec("-00 30 00", -0.5);
        assert_dec("-0°30'", -0.5);
        assert_dec("-00d00m36s", -0.01);
        let v = parse_dec("-0:00:00").unwrap();
        assert!(v == 0.0 && v.is_sign_negative());
    }

    #[test]
    fn errors_are_specific_and_readable() {
        assert_eq!(parse_ra(""), Err(ParseError::Empty));
        assert_eq!(parse_ra("   "), Err(ParseError::Empty));
        assert_eq!(parse_ra("-5h"), Err(ParseError::NegativeRightAscension));
        assert_eq!(
            parse_ra("24h00m00s"),
            Err(ParseError::HoursOutOfRange(24.0))
        );
        assert_eq!(parse_ra("25:00:00"), Err(ParseError::HoursOutOfRange(25.0)));
        assert_eq!(
            parse_ra("360"),
            Err(ParseError::RightAscensionDegreesOutOfRange(360.0))
        );
        assert_eq!(parse_ra("5h60m"), Err(ParseError::MinutesOutOfRange(60.0)));
        assert_eq!(
            parse_ra("5h30m60s"),
            Err(ParseError::SecondsOutOfRange(60.0))
        );
        assert_eq!(parse_ra("5.5h30m"), Err(ParseError::FractionNotLast));
        assert_eq!(parse_ra("1 2 3 4"), Err(ParseError::TooManyFields));
        assert_eq!(
            parse_ra("34m05h"),
            Err(ParseError::FieldOutOfOrder { found: "minutes" })
        );
        assert_eq!(
            parse_ra("5h34m31.9sx").unwrap_err(),
            ParseError::UnexpectedCharacter {
                character: 'x',
                position: 11
            }
        );
        assert_eq!(
            parse_ra("5h 34m ,"),
            Err(ParseError::UnexpectedCharacter {
                character: ',',
                position: 8
            })
        );
        assert_eq!(parse_ra("h"), Err(ParseError::MissingNumber));
        assert_eq!(parse_ra("5::34"), Err(ParseError::MissingNumber));
        assert_eq!(parse_ra("5:34:"), Err(ParseError::MissingNumber));
        assert_eq!(
            parse_ra("1e5"),
            Err(ParseError::UnexpectedCharacter {
                character: 'e',
                position: 2
            })
        );
        assert_eq!(parse_dec("+"), Err(ParseError::MissingNumber));
        assert_eq!(
            parse_dec("91"),
            Err(ParseError::DeclinationOutOfRange(91.0))
        );
        assert_eq!(
            parse_dec("-90:00:01"),
            Err(ParseError::DeclinationOutOfRange(-dms(90.0, 0.0, 1.0)))
        );
        assert_eq!(
            parse_dec("22:61:00"),
            Err(ParseError::MinutesOutOfRange(61.0))
        );
        assert_eq!(
            parse_dec("22:00:75"),
            Err(ParseError::SecondsOutOfRange(75.0))
        );
        assert_eq!(
            parse_dec("5h"),
            Err(ParseError::FieldOutOfOrder { found: "hours" })
        );
        assert_eq!(parse_dec("22°59.5'30\""), Err(ParseError::FractionNotLast));

        // The messages say what is wrong in the observer's words.
        let msg = parse_ra("24h00m00s").unwrap_err().to_string();
        assert!(msg.contains("less than 24h"), "{msg}");
        let msg = parse_dec("22:61:00").unwrap_err().to_string();
        assert!(msg.contains("minutes must be less than 60"), "{msg}");
        let msg = parse_dec("95").unwrap_err().to_string();
        assert!(msg.contains("between -90° and +90°"), "{msg}");
        let msg = parse_ra("400").unwrap_err().to_string();
        assert!(msg.contains("360°") && msg.contains("5.5h"), "{msg}");
        let err: Box<dyn std::error::Error> = Box::new(ParseError::Empty);
        assert!(err.to_string().starts_with("no coordinate given"));
    }

    #[test]
    fn format_ra_with_carry() {
        assert_eq!(format_ra_hms(hms(5.0, 34.0, 31.94), 1), "05h34m31.9s");
        assert_eq!(format_ra_hms(hms(5.0, 34.0, 31.94), 0), "05h34m32s");
        assert_eq!(format_ra_hms(hms(5.0, 34.0, 31.94), 2), "05h34m31.94s");
        // 59.95 s rounds up into the next minute.
        assert_eq!(format_ra_hms(hms(5.0, 34.0, 59.95), 1), "05h35m00.0s");
        assert_eq!(format_ra_hms(hms(5.0, 59.0, 59.97), 1), "06h00m00.0s");
        // ... and past 24h back to 0.
        assert_eq!(format_ra_hms(hms(23.0, 59.0, 59.97), 1), "00h00m00.0s");
        assert_eq!(format_ra_hms(-15.0, 0), "23h00m00s");
        assert_eq!(format_ra_hms(0.0, 3), "00h00m00.000s");
    }

    #[test]
    fn format_dec_with_carry_and_sign() {
        assert_eq!(format_dec_dms(dms(22.0, 0.0, 52.0), 0), "+22°00'52\"");
        assert_eq!(format_dec_dms(-dms(5.0, 23.0, 28.04), 1), "-05°23'28.0\"");
        assert_eq!(format_dec_dms(dms(22.0, 59.0, 59.96), 1), "+23°00'00.0\"");
        assert_eq!(format_dec_dms(dms(22.0, 0.0, 59.5), 0), "+22°01'00\"");
        assert_eq!(format_dec_dms(-0.5, 0), "-00°30'00\"");
        assert_eq!(format_dec_dms(-0.000_001, 0), "+00°00'00\"");
        assert_eq!(format_dec_dms(95.0, 0), "+90°00'00\"");
    }

    #[test]
    fn format_then_parse_round_trips() {
        for k in 0..500 {
            let ra = (k as f64 * 0.7231) % 360.0;
            let dec = ((k as f64 * 0.3617) % 180.0) - 90.0;
            let ra2 = parse_ra(&format_ra_hms(ra, 3)).unwrap();
            let dec2 = parse_dec(&format_dec_dms(dec, 2)).unwrap();
            assert!(crate::coords::wrap_180(ra2 - ra).abs() < 0.0005 * 15.0 / 3600.0 + 1e-12);
            assert!((dec2 - dec).abs() < 0.005 / 3600.0 + 1e-12);
        }
    }
}
