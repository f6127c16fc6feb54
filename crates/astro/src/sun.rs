//! Low-precision position of the Sun (Meeus ch. 25, "low accuracy"):
//! about 0.01° in right ascension and declination between 1900 and 2100.

use crate::coords::{normalize_deg, Equatorial};
use crate::ecliptic::{ecliptic_to_equatorial, mean_obliquity_deg};
use crate::time::julian_centuries;

const D2R: f64 = std::f64::consts::PI / 180.0;

/// Apparent geometric longitude of the Sun in degrees (true equinox of date,
/// corrected for nutation and aberration), Meeus 25.2 to 25.8.
pub fn sun_apparent_longitude_deg(jd: f64) -> f64 {
    let t = julian_centuries(jd);
    let l0 = 280.466_46 + 36_000.769_83 * t + 0.000_303_2 * t * t;
    let m = (357.529_11 + 35_999.050_29 * t - 0.000_153_7 * t * t) * D2R;
    let c = (1.914_602 - 0.004_817 * t - 0.000_014 * t * t) * m.sin()
        + (0.019_993 - 0.000_101 * t) * (2.0 * m).sin()
        + 0.000_289 * (3.0 * m).sin();
    let true_longitude = l0 + c;
    let omega = (125.04 - 1934.136 * t) * D2R;
    normalize_deg(true_longitude - 0.005_69 - 0.004_78 * omega.sin())
}

/// Apparent right ascension and declination of the Sun (equinox of date) at
/// a Julian date (Meeus ch. 25 low accuracy; TD ≈ UT at this precision).
pub fn sun_position(jd: f64) -> Equatorial {
    let t = julian_centuries(jd);
    let omega = (125.04 - 1934.136 * t) * D2R;
    let epsilon = mean_obliquity_deg(jd) + 0.002_56 * omega.cos();
    ecliptic_to_equatorial(sun_apparent_longitude_deg(jd), 0.0, epsilon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::julian_date_from_calendar;

    #[test]
    fn sun_matches_meeus_example_25a() {
        // Meeus ex. 25.a: 1992 October 13.0 TD (JD 2448908.5):
        // λ = 199.90895 (apparent), α = 198.38083, δ = −7.78507.
        let jd = julian_date_from_calendar(1992, 10, 13.0);
        assert_eq!(jd, 2_448_908.5);
        assert!((sun_apparent_longitude_deg(jd) - 199.908_95).abs() < 1e-4);
        let p = sun_position(jd);
        assert!((p.ra_deg - 198.380_83).abs() < 0.01, "{p:?}");
        assert!((p.dec_deg + 7.785_07).abs() < 0.01, "{p:?}");
    }

    #[test]
    fn sun_at_the_equinox_and_solstice() {
        // 2000 March 20 07:35 UT (vernal equinox): RA ≈ 0, Dec ≈ 0.
        let jd = julian_date_from_calendar(2000, 3, 20.0) + (7.0 + 35.0 / 60.0) / 24.0;
        let p = sun_position(jd);
        assert!(crate::coords::wrap_180(p.ra_deg).abs() < 0.02, "{p:?}");
        assert!(p.dec_deg.abs() < 0.01, "{p:?}");
        // 2000 June 21 01:48 UT (June solstice): Dec = +ε ≈ 23.4377.
        let jd = julian_date_from_calendar(2000, 6, 21.0) + (1.0 + 48.0 / 60.0) / 24.0;
        let p = sun_position(jd);
        assert!((p.dec_deg - 23.4377).abs() < 0.01, "{p:?}");
        assert!((p.ra_deg - 90.0).abs() < 0.05, "{p:?}");
    }
}
