//! Position and phase of the Moon: Meeus ch. 47 (ELP-2000/82 after
//! Chapront), truncated to the main periodic terms, and ch. 48 for the
//! illuminated fraction.
//!
//! With the terms kept here the geocentric longitude and latitude are good
//! to about 0.01°; the topocentric position differs from the geocentric one
//! by up to a degree (the Moon's parallax), which this module does not
//! apply.

use crate::coords::{normalize_deg, Equatorial};
use crate::ecliptic::{ecliptic_to_equatorial, mean_obliquity_deg, nutation_deg};
use crate::time::julian_centuries;

const D2R: f64 = std::f64::consts::PI / 180.0;

/// Periodic terms for longitude (Meeus table 47.A): multiples of D, M, M′, F
/// and the coefficient of the sine in 1e-6 degrees.
const LONGITUDE_TERMS: [(i8, i8, i8, i8, f64); 40] = [
    (0, 0, 1, 0, 6_288_774.0),
    (2, 0, -1, 0, 1_274_027.0),
    (2, 0, 0, 0, 658_314.0),
    (0, 0, 2, 0, 213_618.0),
    (0, 1, 0, 0, -185_116.0),
    (0, 0, 0, 2, -114_332.0),
    (2, 0, -2, 0, 58_793.0),
    (2, -1, -1, 0, 57_066.0),
    (2, 0, 1, 0, 53_322.0),
    (2, -1, 0, 0, 45_758.0),
    (0, 1, -1, 0, -40_923.0),
    (1, 0, 0, 0, -34_720.0),
    (0, 1, 1, 0, -30_383.0),
    (2, 0, 0, -2, 15_327.0),
    (0, 0, 1, 2, -12_528.0),
    (0, 0, 1, -2, 10_980.0),
    (4, 0, -1, 0, 10_675.0),
    (0, 0, 3, 0, 10_034.0),
    (4, 0, -2, 0, 8_548.0),
    (2, 1, -1, 0, -7_888.0),
    (2, 1, 0, 0, -6_766.0),
    (1, 0, -1, 0, -5_163.0),
    (1, 1, 0, 0, 4_987.0),
    (2, -1, 1, 0, 4_036.0),
    (2, 0, 2, 0, 3_994.0),
    (4, 0, 0, 0, 3_861.0),
    (2, 0, -3, 0, 3_665.0),
    (0, 1, -2, 0, -2_689.0),
    (2, 0, -1, 2, -2_602.0),
    (2, -1, -2, 0, 2_390.0),
    (1, 0, 1, 0, -2_348.0),
    (2, -2, 0, 0, 2_236.0),
    (0, 1, 2, 0, -2_120.0),
    (0, 2, 0, 0, -2_069.0),
    (2, -2, -1, 0, 2_048.0),
    (2, 0, 1, -2, -1_773.0),
    (2, 0, 0, 2, -1_595.0),
    (4, -1, -1, 0, 1_215.0),
    (0, 0, 2, 2, -1_110.0),
    (3, 0, -1, 0, -892.0),
];

/// Periodic terms for latitude (Meeus table 47.B), as for longitude.
const LATITUDE_TERMS: [(i8, i8, i8, i8, f64); 30] = [
    (0, 0, 0, 1, 5_128_122.0),
    (0, 0, 1, 1, 280_602.0),
    (0, 0, 1, -1, 277_693.0),
    (2, 0, 0, -1, 173_237.0),
    (2, 0, -1, 1, 55_413.0),
    (2, 0, -1, -1, 46_271.0),
    (2, 0, 0, 1, 32_573.0),
    (0, 0, 2, 1, 17_198.0),
    (2, 0, 1, -1, 9_266.0),
    (0, 0, 2, -1, 8_822.0),
    (2, -1, 0, -1, 8_216.0),
    (2, 0, -2, -1, 4_324.0),
    (2, 0, 1, 1, 4_200.0),
    (2, 1, 0, -1, -3_359.0),
    (2, -1, -1, 1, 2_463.0),
    (2, -1, 0, 1, 2_211.0),
    (2, -1, -1, -1, 2_065.0),
    (0, 1, -1, -1, -1_870.0),
    (4, 0, -1, -1, 1_828.0),
    (0, 1, 0, 1, -1_794.0),
    (0, 0, 0, 3, -1_749.0),
    (0, 1, -1, 1, -1_565.0),
    (1, 0, 0, 1, -1_491.0),
    (0, 1, 1, 1, -1_475.0),
    (0, 1, 1, -1, -1_410.0),
    (0, 1, 0, -1, -1_344.0),
    (1, 0, 0, -1, -1_335.0),
    (0, 0, 3, 1, 1_107.0),
    (4, 0, 0, -1, 1_021.0),
    (4, 0, -1, 1, 833.0),
];

/// The fundamental arguments of Meeus 47.1 to 47.5, in degrees.
struct Arguments {
    /// Mean longitude L′.
    l: f64,
    /// Mean elongation D.
    d: f64,
    /// Sun's mean anomaly M.
    m: f64,
    /// Moon's mean anomaly M′.
    mp: f64,
    /// Argument of latitude F.
    f: f64,
    /// Eccentricity factor E (47.6).
    e: f64,
    /// Julian centuries since J2000.
    t: f64,
}

fn arguments(jd: f64) -> Arguments {
    let t = julian_centuries(jd);
    let t2 = t * t;
    let t3 = t2 * t;
    let t4 = t3 * t;
    Arguments {
        l: 218.316_447_7 + 481_267.881_234_21 * t - 0.001_578_6 * t2 + t3 / 538_841.0
            - t4 / 65_194_000.0,
        d: 297.850_192_1 + 445_267.111_403_4 * t - 0.001_881_9 * t2 + t3 / 545_868.0
            - t4 / 113_065_000.0,
        m: 357.529_109_2 + 35_999.050_290_9 * t - 0.000_153_6 * t2 + t3 / 24_490_000.0,
        mp: 134.963_396_4 + 477_198.867_505_5 * t + 0.008_741_4 * t2 + t3 / 69_699.0
            - t4 / 14_712_000.0,
        f: 93.272_095_0 + 483_202.017_523_3 * t - 0.003_653_9 * t2 - t3 / 3_526_000.0
            + t4 / 863_310_000.0,
        e: 1.0 - 0.002_516 * t - 0.000_007_4 * t2,
        t,
    }
}

/// Sum of a table of sine terms, with the E correction for terms in M.
fn sum_terms(a: &Arguments, terms: &[(i8, i8, i8, i8, f64)]) -> f64 {
    terms
        .iter()
        .map(|&(d, m, mp, f, coeff)| {
            let arg =
                f64::from(d) * a.d + f64::from(m) * a.m + f64::from(mp) * a.mp + f64::from(f) * a.f;
            let e_factor = match m.abs() {
                1 => a.e,
                2 => a.e * a.e,
                _ => 1.0,
            };
            coeff * e_factor * (arg * D2R).sin()
        })
        .sum()
}

/// Geocentric ecliptic longitude and latitude of the Moon `(λ, β)` in
/// degrees, referred to the mean equinox of date (no nutation).
pub fn moon_ecliptic_deg(jd: f64) -> (f64, f64) {
    let a = arguments(jd);
    let a1 = (119.75 + 131.849 * a.t) * D2R;
    let a2 = (53.09 + 479_264.290 * a.t) * D2R;
    let a3 = (313.45 + 481_266.484 * a.t) * D2R;
    let l = a.l * D2R;
    let mp = a.mp * D2R;
    let f = a.f * D2R;
    let sum_l = sum_terms(&a, &LONGITUDE_TERMS)
        + 3958.0 * a1.sin()
        + 1962.0 * (l - f).sin()
        + 318.0 * a2.sin();
    let sum_b = sum_terms(&a, &LATITUDE_TERMS) - 2235.0 * l.sin()
        + 382.0 * a3.sin()
        + 175.0 * (a1 - f).sin()
        + 175.0 * (a1 + f).sin()
        + 127.0 * (l - mp).sin()
        - 115.0 * (l + mp).sin();
    (normalize_deg(a.l + sum_l / 1e6), sum_b / 1e6)
}

/// Apparent geocentric right ascension and declination of the Moon
/// (equinox of date) at a Julian date (Meeus ch. 47, truncated).
pub fn moon_position(jd: f64) -> Equatorial {
    let (lambda, beta) = moon_ecliptic_deg(jd);
    let (dpsi, deps) = nutation_deg(jd);
    ecliptic_to_equatorial(lambda + dpsi, beta, mean_obliquity_deg(jd) + deps)
}

/// Fraction of the Moon's disk that is illuminated, `0` (new) to `1` (full),
/// from the phase angle of Meeus 48.4 (good to about 0.01).
pub fn moon_illuminated_fraction(jd: f64) -> f64 {
    let a = arguments(jd);
    let d = a.d * D2R;
    let m = a.m * D2R;
    let mp = a.mp * D2R;
    let i = 180.0 - a.d - 6.289 * mp.sin() + 2.100 * m.sin()
        - 1.274 * (2.0 * d - mp).sin()
        - 0.658 * (2.0 * d).sin()
        - 0.214 * (2.0 * mp).sin()
        - 0.110 * d.sin();
    (1.0 + (i * D2R).cos()) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::julian_date_from_calendar;

    #[test]
    fn moon_matches_meeus_example_47a() {
        // Meeus ex. 47.a: 1992 April 12, 0h TD (JD 2448724.5):
        // λ = 133.162655, β = −3.229126, α = 134.688470, δ = +13.768368.
        let jd = julian_date_from_calendar(1992, 4, 12.0);
        assert_eq!(jd, 2_448_724.5);
        let (lambda, beta) = moon_ecliptic_deg(jd);
        // Mean-equinox longitude: Meeus' λ minus his Δψ = +0.004610°.
        assert!(
            (lambda - (133.162_655 - 0.004_610)).abs() < 0.02,
            "λ {lambda}"
        );
        assert!((beta + 3.229_126).abs() < 0.02, "β {beta}");
        let p = moon_position(jd);
        // Spec tolerance 0.3°; the truncated series does much better.
        assert!((p.ra_deg - 134.688_470).abs() < 0.3, "{p:?}");
        assert!((p.dec_deg - 13.768_368).abs() < 0.3, "{p:?}");
        assert!((p.ra_deg - 134.688_470).abs() < 0.02, "{p:?}");
        assert!((p.dec_deg - 13.768_368).abs() < 0.02, "{p:?}");
    }

    #[test]
    fn illuminated_fraction_matches_meeus_example_48a() {
        // Meeus ex. 48.a: 1992 April 12, 0h TD: k = 0.6786.
        let jd = julian_date_from_calendar(1992, 4, 12.0);
        let k = moon_illuminated_fraction(jd);
        assert!((k - 0.6786).abs() < 0.01, "k {k}");
    }

    #[test]
    fn new_and_full_moon() {
        // New Moon 2000 January 6, 18:14 UT; full Moon 2000 January 21, 04:40 UT
        // (total lunar eclipse).
        let new = julian_date_from_calendar(2000, 1, 6.0) + (18.0 + 14.0 / 60.0) / 24.0;
        assert!(moon_illuminated_fraction(new) < 0.01);
        let full = julian_date_from_calendar(2000, 1, 21.0) + (4.0 + 40.0 / 60.0) / 24.0;
        assert!(moon_illuminated_fraction(full) > 0.99);
        // During the eclipse the Moon is opposite the Sun.
        let moon = moon_position(full);
        let sun = crate::sun::sun_position(full);
        let sep = crate::coords::angular_separation_deg(moon, sun);
        assert!((sep - 180.0).abs() < 1.0, "separation {sep}");
    }
}
