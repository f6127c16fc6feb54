//! Wall-clock time as the app uses it: milliseconds since the Unix epoch, as
//! `Date.now()` gives them, and the server's RFC 3339 timestamps read into
//! the same scale.

/// Milliseconds since the Unix epoch.
pub type Millis = f64;

/// Now, from the browser's clock (`Date.now()`), or the system clock on the host.
pub fn now_ms() -> Millis {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    }
}

/// Adds `point` to a series kept about `step` apart, oldest first (`at`
/// reads a point's time): a new point starts once `step` has passed since
/// the point before the newest; until then `point` replaces the newest, so
/// the newest is always the latest. True when a point was added (the caller
/// then bounds the series).
pub fn push_stepped<T>(
    points: &mut std::collections::VecDeque<T>,
    point: T,
    at: fn(&T) -> Millis,
    step: Millis,
) -> bool {
    let len = points.len();
    if len >= 2 && at(&point) - at(&points[len - 2]) < step {
        points[len - 1] = point;
        return false;
    }
    points.push_back(point);
    true
}

/// Reads an RFC 3339 timestamp (`2026-11-24T21:04:05.120Z`, `...+01:00`) into
/// milliseconds since the epoch. `None` for anything else: a timestamp the app
/// cannot read is shown as text and never breaks a view.
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    let b = text.trim().as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let sep = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut fraction_ms = 0.0;
    if sep(i, b".") {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        fraction_ms = fraction_to_ms(b.get(start..i)?)?;
    }
    let offset_minutes = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && sep(i + 3, b":") => {
            let minutes = digits(i + 1..i + 3)? * 60 + digits(i + 4..i + 6)?;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds as f64 * 1000.0 + fraction_ms)
}

/// The digits after a timestamp's decimal point (ASCII digits only, at least
/// one) in milliseconds: `"250"` is 250, `"1234567"` is 123.4567. Integer
/// arithmetic and one correctly rounded division, so the app's first screen
/// needs no decimal-to-float parser (core's carries a 10 KB table). Digits
/// past the fifteenth (below a femtosecond) are read but do not count.
fn fraction_to_ms(digits: &[u8]) -> Option<Millis> {
    if digits.is_empty() {
        return None;
    }
    let kept = &digits[..digits.len().min(15)];
    let value = kept.iter().fold(0_u64, |n, d| n * 10 + u64::from(d - b'0'));
    // 10^(digits - 3): exact in f64 up to 10^22, and value < 2^53.
    let scale = 10_u64.pow(kept.len().abs_diff(3) as u32) as f64;
    Some(if kept.len() <= 3 {
        value as f64 * scale
    } else {
        value as f64 / scale
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An instant as RFC 3339 UTC with milliseconds, `2026-11-24T21:04:05.120Z`.
pub fn format_rfc3339(ms: Millis) -> String {
    let total_ms = ms.round() as i64;
    let (days, day_ms) = (
        total_ms.div_euclid(86_400_000),
        total_ms.rem_euclid(86_400_000),
    );
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1000 % 60,
        day_ms % 1000
    )
}

/// The proleptic Gregorian date of a day number since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A duration for people: `4 s`, `2 min 05 s`, `1 h 02 min`.
pub fn format_duration(ms: Millis) -> String {
    let total = (ms.max(0.0) / 1000.0).floor() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    }
}

/// The UTC time of day of an instant, `21:04:05`.
pub fn format_clock(ms: Millis) -> String {
    let seconds = (ms / 1000.0).floor() as i64;
    let day_seconds = seconds.rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}",
        day_seconds / 3600,
        day_seconds / 60 % 60,
        day_seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utc_timestamps_with_and_without_fraction() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01.250Z"), Some(1250.0));
        // 2026-11-24T21:04:05.120Z, checked with `date -d ... +%s%3N`.
        assert_eq!(
            parse_rfc3339("2026-11-24T21:04:05.120Z"),
            Some(1_795_554_245_120.0)
        );
    }

    #[test]
    fn reads_fractions_of_any_length_as_milliseconds() {
        let at = |frac: &str| parse_rfc3339(&format!("1970-01-01T00:00:00.{frac}Z"));
        assert_eq!(at("5"), Some(500.0));
        assert_eq!(at("05"), Some(50.0));
        assert_eq!(at("123"), Some(123.0));
        assert_eq!(at("1234"), Some(123.4));
        assert_eq!(at("000001"), Some(0.001));
        assert_eq!(at("999999999"), Some(999.999999));
        // Past fifteen digits the rest is read but not counted.
        assert_eq!(at("12345678901234567890"), Some(123.456789012345));
        // Each matches reading the decimal text as a float.
        for frac in [
            "1",
            "25",
            "120",
            "3333",
            "987654",
            "000000001",
            "123456789012345",
        ] {
            let text: f64 = format!("0.{frac}").parse().unwrap();
            let ms = at(frac).unwrap();
            assert!((ms - text * 1000.0).abs() <= 1e-9, "{frac}: {ms}");
        }
    }

    #[test]
    fn applies_offsets() {
        assert_eq!(
            parse_rfc3339("1970-01-01T01:00:00+01:00"),
            parse_rfc3339("1970-01-01T00:00:00Z")
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:30:00-00:30"), Some(0.0));
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for bad in [
            "",
            "yesterday",
            "2026-11-24",
            "2026-13-01T00:00:00Z",
            "2026-11-24T21:04:05",
            "2026-11-24T21:04:05.Z",
            "2026-11-24T21:04:05Zjunk",
            "2026-11-24T2a:04:05Z",
            "２０２６-11-24T21:04:05Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_rfc3339_and_reads_it_back() {
        assert_eq!(format_rfc3339(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_rfc3339(1_795_554_245_120.0),
            "2026-11-24T21:04:05.120Z"
        );
        for ms in [-86_400_001.0, 951_782_400_000.0, 4_102_444_799_999.0] {
            assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Some(ms), "{ms}");
        }
    }

    #[test]
    fn formats_durations_and_clock_times() {
        assert_eq!(format_duration(4_900.0), "4 s");
        assert_eq!(format_duration(125_000.0), "2 min 05 s");
        assert_eq!(format_duration(3_720_000.0), "1 h 02 min");
        assert_eq!(format_duration(-5.0), "0 s");
        assert_eq!(format_clock(1_795_554_245_120.0), "21:04:05");
    }
}
