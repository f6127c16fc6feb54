//! Obliquity of the ecliptic, nutation, and ecliptic-to-equatorial
//! conversion (Meeus ch. 13 and 22, low-precision forms).

use crate::coords::{normalize_deg, Equatorial};
use crate::time::julian_centuries;

const D2R: f64 = std::f64::consts::PI / 180.0;
const R2D: f64 = 180.0 / std::f64::consts::PI;

/// Mean obliquity of the ecliptic in degrees (Meeus 22.2, IAU).
pub fn mean_obliquity_deg(jd: f64) -> f64 {
    let t = julian_centuries(jd);
    let arcsec = 21.448 - 46.8150 * t - 0.000_59 * t * t + 0.001_813 * t * t * t;
    23.0 + 26.0 / 60.0 + arcsec / 3600.0
}

/// Nutation in longitude and in obliquity `(Δψ, Δε)` in degrees, by the
/// four-term approximation of Meeus ch. 22 (good to 0.5″ and 0.1″).
pub fn nutation_deg(jd: f64) -> (f64, f64) {
    let t = julian_centuries(jd);
    let omega = (125.044_52 - 1_934.136_261 * t) * D2R;
    let l_sun = (280.4665 + 36_000.769_8 * t) * D2R;
    let l_moon = (218.3165 + 481_267.881_3 * t) * D2R;
    let dpsi = -17.20 * omega.sin() - 1.32 * (2.0 * l_sun).sin() - 0.23 * (2.0 * l_moon).sin()
        + 0.21 * (2.0 * omega).sin();
    let deps = 9.20 * omega.cos() + 0.57 * (2.0 * l_sun).cos() + 0.10 * (2.0 * l_moon).cos()
        - 0.09 * (2.0 * omega).cos();
    (dpsi / 3600.0, deps / 3600.0)
}

/// True obliquity of the ecliptic (mean obliquity plus nutation), degrees.
pub fn true_obliquity_deg(jd: f64) -> f64 {
    mean_obliquity_deg(jd) + nutation_deg(jd).1
}

/// Equatorial coordinates of ecliptic longitude `lambda` and latitude `beta`
/// for an obliquity `epsilon`, all in degrees (Meeus 13.3 and 13.4).
pub fn ecliptic_to_equatorial(lambda_deg: f64, beta_deg: f64, epsilon_deg: f64) -> Equatorial {
    let l = lambda_deg * D2R;
    let b = beta_deg * D2R;
    let e = epsilon_deg * D2R;
    let y = l.sin() * e.cos() - b.tan() * e.sin();
    let x = l.cos();
    let sin_dec = (b.sin() * e.cos() + b.cos() * e.sin() * l.sin()).clamp(-1.0, 1.0);
    Equatorial {
        ra_deg: normalize_deg(y.atan2(x) * R2D),
        dec_deg: sin_dec.asin() * R2D,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::julian_date_from_calendar;

    #[test]
    fn nutation_and_obliquity_match_meeus_example_22a() {
        // Meeus ex. 22.a: 1987 April 10, 0h TD: Δψ = −3.788″, Δε = +9.443″,
        // ε0 = 23°26′27.407″. The short series is good to 0.5″ / 0.1″.
        let jd = julian_date_from_calendar(1987, 4, 10.0);
        let (dpsi, deps) = nutation_deg(jd);
        assert!(
            (dpsi * 3600.0 + 3.788).abs() < 0.5,
            "dpsi {}",
            dpsi * 3600.0
        );
        assert!(
            (deps * 3600.0 - 9.443).abs() < 0.1,
            "deps {}",
            deps * 3600.0
        );
        let eps0 = mean_obliquity_deg(jd);
        let expected = 23.0 + 26.0 / 60.0 + 27.407 / 3600.0;
        assert!((eps0 - expected).abs() < 0.01 / 3600.0, "eps0 {eps0}");
    }

    #[test]
    fn pollux_ecliptic_to_equatorial_meeus_example_13a() {
        // Meeus ex. 13.a (inverse direction): Pollux α = 116.328942,
        // δ = +28.026183 has λ = 113.215630, β = 6.684170 for ε = 23.4392911.
        let eq = ecliptic_to_equatorial(113.215_630, 6.684_170, 23.439_291_1);
        assert!((eq.ra_deg - 116.328_942).abs() < 1e-5, "{eq:?}");
        assert!((eq.dec_deg - 28.026_183).abs() < 1e-5, "{eq:?}");
    }
}
