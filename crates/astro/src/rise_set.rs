//! Times of rising, transit and setting (Meeus ch. 15).
//!
//! The events returned are those that fall within the UT day that starts at
//! `jd_midnight_utc_of_date` (Meeus' convention): at western longitudes the
//! "set" of a UT day can be the previous local evening's. Each time is found
//! from the hour-angle solution and refined by iteration until it moves by
//! less than 0.01 s; for a moving body (the Sun) the position is recomputed
//! at every iteration.
//!
//! A fixed star's events recur every sidereal day (23h56m), so one of them
//! can occur twice in a UT day (just after 0h and just before 24h); only one
//! is returned. An event that falls outside the UT day is `None`.

use crate::coords::{equatorial_to_horizontal, hour_angle_deg, Equatorial, Site};
use crate::sun::sun_position;

const D2R: f64 = std::f64::consts::PI / 180.0;
const R2D: f64 = 180.0 / std::f64::consts::PI;

/// Standard altitude of a star or planet at rising/setting: −34′ of
/// refraction (Meeus ch. 15).
pub const STAR_STANDARD_ALTITUDE_DEG: f64 = -0.5667;
/// Standard altitude of the Sun's centre at sunrise/sunset: refraction plus
/// the semi-diameter, −50′.
pub const SUN_STANDARD_ALTITUDE_DEG: f64 = -0.8333;
/// Sun altitude at the start/end of civil twilight.
pub const CIVIL_TWILIGHT_DEG: f64 = -6.0;
/// Sun altitude at the start/end of nautical twilight.
pub const NAUTICAL_TWILIGHT_DEG: f64 = -12.0;
/// Sun altitude at the start/end of astronomical twilight.
pub const ASTRONOMICAL_TWILIGHT_DEG: f64 = -18.0;

/// A sidereal day in solar days: how often a fixed object's events repeat.
const SIDEREAL_DAY: f64 = 0.997_269_566;
/// Convergence threshold in days (about 0.01 s).
const TOLERANCE_DAYS: f64 = 1e-7;
const MAX_ITERATIONS: usize = 30;

/// Whether an object crosses the given altitude on the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The object rises and sets.
    Normal,
    /// The object stays above the altitude all day (never sets).
    Circumpolar,
    /// The object stays below the altitude all day (never rises).
    NeverRises,
}

/// Rise, transit and set times of an object on one UT day, as Julian dates
/// (UT).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiseTransitSet {
    /// Whether the object crosses the altitude at all.
    pub kind: Visibility,
    /// Time the object climbs through the altitude; `None` if it does not
    /// (see `kind`) or if that event falls outside the UT day.
    pub rise: Option<f64>,
    /// Time of upper culmination (crossing the meridian); present for
    /// circumpolar and never-rising objects too, `None` only if it falls
    /// outside the UT day.
    pub transit: Option<f64>,
    /// Time the object sinks through the altitude; `None` as for `rise`.
    pub set: Option<f64>,
}

/// Rise, transit and set of a fixed object (a star, a deep-sky object) on
/// the UT day starting at `jd_midnight_utc_of_date`, for the altitude
/// `altitude_deg` (use [`STAR_STANDARD_ALTITUDE_DEG`], −0.5667°, for the
/// visible horizon; a telescope's horizon limit for observability).
pub fn rise_transit_set(
    eq: Equatorial,
    site: Site,
    jd_midnight_utc_of_date: f64,
    altitude_deg: f64,
) -> RiseTransitSet {
    rise_transit_set_with(site, jd_midnight_utc_of_date, altitude_deg, |_| eq)
}

/// Sunrise, solar transit and sunset on the UT day starting at
/// `jd_midnight`, for the altitude of the Sun's centre `altitude_deg`
/// ([`SUN_STANDARD_ALTITUDE_DEG`] for sunrise/sunset, or a twilight limit).
pub fn sun_rise_transit_set(site: Site, jd_midnight: f64, altitude_deg: f64) -> RiseTransitSet {
    rise_transit_set_with(site, jd_midnight, altitude_deg, sun_position)
}

/// Rise, transit and set of a body whose position at a Julian date (UT) is
/// given by `position`; the position is re-evaluated at each iteration, so
/// moving bodies are handled.
pub fn rise_transit_set_with<F>(
    site: Site,
    jd_midnight: f64,
    altitude_deg: f64,
    position: F,
) -> RiseTransitSet
where
    F: Fn(f64) -> Equatorial,
{
    let transit_of = |m: f64| {
        let jd = jd_midnight + m;
        -hour_angle_deg(position(jd), site, jd) / 360.0
    };
    let transit = refine(first_estimate(transit_of(0.5) + 0.5), &transit_of);

    // Decide the visibility from the declination at transit (or noon).
    let at = jd_midnight + transit.unwrap_or(0.5);
    let cos_h0 = cos_semi_diurnal_arc(position(at), site, altitude_deg);
    let kind = if cos_h0 < -1.0 {
        Visibility::Circumpolar
    } else if cos_h0 > 1.0 {
        Visibility::NeverRises
    } else {
        Visibility::Normal
    };
    let (rise, set) = if kind == Visibility::Normal {
        let h0 = cos_h0.acos() * R2D;
        let m_transit = transit.unwrap_or(0.5);
        let correction = |m: f64| {
            let jd = jd_midnight + m;
            let eq = position(jd);
            let h = hour_angle_deg(eq, site, jd);
            let alt = equatorial_to_horizontal(eq, site, jd).alt_deg;
            let denom = 360.0
                * (eq.dec_deg * D2R).cos()
                * (site.latitude_deg * D2R).cos()
                * (h * D2R).sin();
            if denom.abs() < 1e-12 {
                0.0
            } else {
                ((alt - altitude_deg) / denom).clamp(-0.1, 0.1)
            }
        };
        (
            refine(first_estimate(m_transit - h0 / 360.0), &correction),
            refine(first_estimate(m_transit + h0 / 360.0), &correction),
        )
    } else {
        (None, None)
    };
    RiseTransitSet {
        kind,
        rise: rise.map(|m| jd_midnight + m),
        transit: transit.map(|m| jd_midnight + m),
        set: set.map(|m| jd_midnight + m),
    }
}

/// Cosine of the hour angle at which a position crosses `altitude_deg`
/// (Meeus 15.1); outside `[-1, 1]` when it never does.
fn cos_semi_diurnal_arc(eq: Equatorial, site: Site, altitude_deg: f64) -> f64 {
    let lat = site.latitude_deg * D2R;
    let dec = eq.dec_deg * D2R;
    let denom = lat.cos() * dec.cos();
    let num = (altitude_deg * D2R).sin() - lat.sin() * dec.sin();
    if denom.abs() < 1e-12 {
        // At a pole (of the sky or the Earth) nothing rises or sets.
        if num < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }
    } else {
        num / denom
    }
}

/// A day fraction reduced to `[0, 1)`.
fn first_estimate(m: f64) -> f64 {
    let r = m.rem_euclid(1.0);
    if r >= 1.0 {
        0.0
    } else {
        r
    }
}

/// Newton-like refinement of a day fraction `m` with `correction(m)` until
/// it converges, bringing an event that wandered out of the day back in by
/// one (sidereal) day once.
fn refine(m: f64, correction: &dyn Fn(f64) -> f64) -> Option<f64> {
    let mut m = iterate(m, correction)?;
    if !(0.0..1.0).contains(&m) {
        let shifted = if m < 0.0 {
            m + SIDEREAL_DAY
        } else {
            m - SIDEREAL_DAY
        };
        m = iterate(shifted, correction)?;
    }
    (0.0..1.0).contains(&m).then_some(m)
}

fn iterate(mut m: f64, correction: &dyn Fn(f64) -> f64) -> Option<f64> {
    for _ in 0..MAX_ITERATIONS {
        let dm = correction(m);
        if !dm.is_finite() {
            return None;
        }
        m += dm;
        if dm.abs() < TOLERANCE_DAYS {
            return Some(m);
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::time::julian_date_from_calendar;

    /// Minutes between two Julian dates (from `b` to `a`).
    pub(crate) fn minutes(a: f64, b: f64) -> f64 {
        (a - b) * 1440.0
    }

    /// A UT time of day on the date `jd0` as a Julian date.
    pub(crate) fn at(jd0: f64, h: f64, m: f64) -> f64 {
        jd0 + (h + m / 60.0) / 24.0
    }

    #[test]
    fn venus_at_boston_meeus_example_15a() {
        // Meeus ex. 15.a: Venus at Boston (φ = +42°20′, L = 71°05′ W),
        // 1988 March 20, h0 = −0.5667°, ΔT = 56 s. Apparent positions at
        // 0h TD on March 19, 20, 21, interpolated as in the book (Meeus 3.3):
        // rising 12h25m, transit 19h41m, setting 2h55m UT.
        let site = Site::new(42.3333, -71.0833, 0.0);
        let jd0 = julian_date_from_calendar(1988, 3, 20.0);
        let ra = [40.680_21, 41.731_29, 42.782_04];
        let dec = [18.047_61, 18.440_92, 18.827_42];
        let interp = |y: [f64; 3], n: f64| {
            let a = y[1] - y[0];
            let b = y[2] - y[1];
            y[1] + n / 2.0 * (a + b + n * (b - a))
        };
        let venus = |jd: f64| {
            let n = jd - jd0 + 56.0 / 86_400.0;
            Equatorial::new(interp(ra, n), interp(dec, n))
        };
        let r = rise_transit_set_with(site, jd0, STAR_STANDARD_ALTITUDE_DEG, venus);
        assert_eq!(r.kind, Visibility::Normal);
        let (rise, transit, set) = (r.rise.unwrap(), r.transit.unwrap(), r.set.unwrap());
        assert!(
            minutes(rise, at(jd0, 12.0, 25.0)).abs() < 2.0,
            "rise {}",
            minutes(rise, jd0)
        );
        assert!(
            minutes(transit, at(jd0, 19.0, 41.0)).abs() < 2.0,
            "transit {}",
            minutes(transit, jd0)
        );
        assert!(
            minutes(set, at(jd0, 2.0, 55.0)).abs() < 2.0,
            "set {}",
            minutes(set, jd0)
        );
        // Meeus' own refined values: m1 = 0.51766, m0 = 0.81980, m2 = 0.12130.
        assert!(minutes(rise, jd0 + 0.517_66).abs() < 0.5);
        assert!(minutes(transit, jd0 + 0.819_80).abs() < 0.5);
        assert!(minutes(set, jd0 + 0.121_30).abs() < 0.5);
    }

    #[test]
    fn fixed_star_events_are_self_consistent() {
        // Vega from Boston on 2024 June 1: at the returned times the star is
        // at the requested altitude / on the meridian.
        let site = Site::new(42.3601, -71.0589, 20.0);
        let vega = Equatorial::new(279.2347, 38.7837);
        let jd0 = julian_date_from_calendar(2024, 6, 1.0);
        let h0 = STAR_STANDARD_ALTITUDE_DEG;
        let r = rise_transit_set(vega, site, jd0, h0);
        assert_eq!(r.kind, Visibility::Normal);
        for t in [r.rise.unwrap(), r.set.unwrap()] {
            assert!((jd0..jd0 + 1.0).contains(&t));
            let alt = equatorial_to_horizontal(vega, site, t).alt_deg;
            assert!((alt - h0).abs() < 1e-4, "alt {alt} at {t}");
        }
        let transit = r.transit.unwrap();
        assert!(hour_angle_deg(vega, site, transit).abs() < 1e-4);
        // Rising is east of the meridian, setting west.
        let az_rise = equatorial_to_horizontal(vega, site, r.rise.unwrap()).az_deg;
        let az_set = equatorial_to_horizontal(vega, site, r.set.unwrap()).az_deg;
        assert!(az_rise < 90.0 && az_set > 270.0, "{az_rise} {az_set}");
    }

    #[test]
    fn circumpolar_and_never_rising() {
        let jd0 = julian_date_from_calendar(2024, 1, 15.0);
        let polaris = Equatorial::new(37.9546, 89.2641);
        let berlin = Site::new(52.52, 13.40, 34.0);
        let r = rise_transit_set(polaris, berlin, jd0, STAR_STANDARD_ALTITUDE_DEG);
        assert_eq!(r.kind, Visibility::Circumpolar);
        assert_eq!((r.rise, r.set), (None, None));
        assert!(r.transit.is_some());
        // Canopus (δ = −52.7°) never rises at latitude 52.5° N.
        let canopus = Equatorial::new(95.9880, -52.6957);
        let r = rise_transit_set(canopus, berlin, jd0, STAR_STANDARD_ALTITUDE_DEG);
        assert_eq!(r.kind, Visibility::NeverRises);
        assert_eq!((r.rise, r.set), (None, None));
        // Seen from Sydney (33.9° S) Canopus rises and sets, while Acrux
        // (δ = −63.1°) never sets.
        let sydney = Site::new(-33.87, 151.21, 0.0);
        let r = rise_transit_set(canopus, sydney, jd0, STAR_STANDARD_ALTITUDE_DEG);
        assert_eq!(r.kind, Visibility::Normal);
        let acrux = Equatorial::new(186.6496, -63.0991);
        let r = rise_transit_set(acrux, sydney, jd0, STAR_STANDARD_ALTITUDE_DEG);
        assert_eq!(r.kind, Visibility::Circumpolar);
    }

    #[test]
    fn sunrise_at_wayne_new_jersey_almanac_for_computers() {
        // USNO Nautical Almanac Office, "Almanac for Computers" (1990),
        // worked sunrise example: 1990 June 25 at Wayne, New Jersey
        // (40.9° N, 74.3° W), zenith 90°50′: sunrise 5:26 a.m. EDT = 9h26m UT.
        let site = Site::new(40.9, -74.3, 0.0);
        let jd0 = julian_date_from_calendar(1990, 6, 25.0);
        let r = sun_rise_transit_set(site, jd0, SUN_STANDARD_ALTITUDE_DEG);
        assert_eq!(r.kind, Visibility::Normal);
        let rise = r.rise.unwrap();
        assert!(
            minutes(rise, at(jd0, 9.0, 26.0)).abs() < 2.0,
            "sunrise {}",
            minutes(rise, jd0)
        );
        // Solar noon near 74.3° W in late June: 12h + 4m57s (longitude) + 2.5 min
        // (equation of time) ≈ 16h59.5m UT.
        let noon = r.transit.unwrap();
        assert!(
            minutes(noon, at(jd0, 16.0, 59.5)).abs() < 2.0,
            "noon {}",
            minutes(noon, jd0)
        );
        // That evening's sunset is on the next UT day; day length ~15h05m.
        let next = sun_rise_transit_set(site, jd0 + 1.0, SUN_STANDARD_ALTITUDE_DEG);
        let day_length = minutes(next.set.unwrap(), rise);
        assert!(
            (day_length - (15.0 * 60.0 + 5.0)).abs() < 5.0,
            "day length {day_length}"
        );
        // The Sun's altitude at sunrise is the requested one.
        let alt = equatorial_to_horizontal(sun_position(rise), site, rise).alt_deg;
        assert!((alt - SUN_STANDARD_ALTITUDE_DEG).abs() < 1e-4);
    }

    #[test]
    fn midnight_sun_and_polar_night() {
        let tromso = Site::new(69.65, 18.96, 0.0);
        let summer = julian_date_from_calendar(2024, 6, 21.0);
        assert_eq!(
            sun_rise_transit_set(tromso, summer, SUN_STANDARD_ALTITUDE_DEG).kind,
            Visibility::Circumpolar
        );
        let winter = julian_date_from_calendar(2024, 12, 21.0);
        assert_eq!(
            sun_rise_transit_set(tromso, winter, SUN_STANDARD_ALTITUDE_DEG).kind,
            Visibility::NeverRises
        );
    }
}
