//! Julian dates and sidereal time.
//!
//! All Julian dates are on the UT scale unless a function says otherwise.
//! The difference between UT and dynamical time (ΔT, about a minute today)
//! is below the accuracy of the low-precision Sun and Moon theories used in
//! this crate, and callers that care can add it themselves.

use crate::coords::normalize_deg;

/// Julian date of the Unix epoch, 1970-01-01 00:00:00 UTC.
pub const UNIX_EPOCH_JD: f64 = 2_440_587.5;

/// Julian date of the standard epoch J2000.0 (2000-01-01 12:00 TT).
pub const J2000_JD: f64 = 2_451_545.0;

/// Seconds in a day.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// Julian date of a Unix time in seconds (leap seconds are ignored, as
/// Unix time does).
pub fn julian_date(unix_seconds: f64) -> f64 {
    unix_seconds / SECONDS_PER_DAY + UNIX_EPOCH_JD
}

/// Unix time in seconds of a Julian date: the inverse of [`julian_date`].
pub fn unix_seconds(jd: f64) -> f64 {
    (jd - UNIX_EPOCH_JD) * SECONDS_PER_DAY
}

/// Julian date of a Gregorian calendar date (Meeus 7.1); `day` may carry a
/// fraction of a day (`12.5` is noon on the 12th).
///
/// Valid for dates after the Gregorian reform (1582 October 15).
pub fn julian_date_from_calendar(year: i32, month: u32, day: f64) -> f64 {
    let (y, m) = if month <= 2 {
        (f64::from(year) - 1.0, f64::from(month) + 12.0)
    } else {
        (f64::from(year), f64::from(month))
    };
    let a = (y / 100.0).floor();
    let b = 2.0 - a + (a / 4.0).floor();
    (365.25 * (y + 4716.0)).floor() + (30.6001 * (m + 1.0)).floor() + day + b - 1524.5
}

/// Julian centuries of 36525 days since J2000.0.
pub fn julian_centuries(jd: f64) -> f64 {
    (jd - J2000_JD) / 36_525.0
}

/// Greenwich mean sidereal time in degrees, `[0, 360)`, for a Julian date
/// (UT), by the IAU 1982 expression (Meeus 12.4).
pub fn gmst_deg(jd: f64) -> f64 {
    let t = julian_centuries(jd);
    let theta = 280.460_618_37 + 360.985_647_366_29 * (jd - J2000_JD) + 0.000_387_933 * t * t
        - t * t * t / 38_710_000.0;
    normalize_deg(theta)
}

/// Local mean sidereal time in degrees, `[0, 360)`, at a longitude (east
/// positive).
pub fn lst_deg(jd: f64, east_longitude_deg: f64) -> f64 {
    normalize_deg(gmst_deg(jd) + east_longitude_deg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_is_jd_2440587_5() {
        assert_eq!(julian_date(0.0), 2_440_587.5);
        // 2000-01-01 12:00:00 UTC is 946 728 000 Unix seconds.
        assert!((julian_date(946_728_000.0) - J2000_JD).abs() < 1e-9);
        assert!((unix_seconds(julian_date(1.7e9)) - 1.7e9).abs() < 1e-3);
    }

    #[test]
    fn calendar_dates_match_meeus_chapter_7() {
        // Meeus ex. 7.a: 1957 October 4.81 = JD 2436116.31.
        assert!((julian_date_from_calendar(1957, 10, 4.81) - 2_436_116.31).abs() < 1e-6);
        // Meeus table 7.a: 2000 Jan 1.5 = 2451545.0, 1987 June 19.5 = 2446966.0,
        // 1988 Jan 27.0 = 2447187.5.
        assert_eq!(julian_date_from_calendar(2000, 1, 1.5), 2_451_545.0);
        assert_eq!(julian_date_from_calendar(1987, 6, 19.5), 2_446_966.0);
        assert_eq!(julian_date_from_calendar(1988, 1, 27.0), 2_447_187.5);
    }

    #[test]
    fn gmst_matches_meeus_example_12a() {
        // Meeus ex. 12.a: 1987 April 10, 0h UT: GMST = 13h10m46.3668s.
        let jd = julian_date_from_calendar(1987, 4, 10.0);
        assert_eq!(jd, 2_446_895.5);
        let expected = (13.0 + 10.0 / 60.0 + 46.3668 / 3600.0) * 15.0;
        let got = gmst_deg(jd);
        // 1e-5 deg is 2.4 ms of time.
        assert!((got - expected).abs() < 1e-5, "gmst {got} vs {expected}");
    }

    #[test]
    fn gmst_matches_meeus_example_12b() {
        // Meeus ex. 12.b: 1987 April 10, 19h21m00s UT: GMST = 128.7378734 deg.
        let jd = julian_date_from_calendar(1987, 4, 10.0) + (19.0 + 21.0 / 60.0) / 24.0;
        let got = gmst_deg(jd);
        assert!((got - 128.737_873_4).abs() < 1e-5, "gmst {got}");
    }

    #[test]
    fn lst_adds_east_longitude_and_wraps() {
        let jd = julian_date_from_calendar(1987, 4, 10.0);
        let g = gmst_deg(jd);
        let l = lst_deg(jd, -77.065_556);
        assert!(crate::coords::wrap_180(l - g + 77.065_556).abs() < 1e-9);
        let far_east = lst_deg(jd, 359.0);
        assert!((0.0..360.0).contains(&far_east));
    }
}
