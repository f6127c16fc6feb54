//! Equatorial, horizontal and galactic coordinates, precession, and angle helpers.
//!
//! The equatorial/horizontal conversions are the rotations of Meeus ch. 13,
//! written with `atan2` on both outputs so that they are well conditioned
//! everywhere except exactly at the poles, and exact inverses of each other.
//! Azimuth is measured from North through East (Meeus measures it from the
//! South; add 180° to compare with the book).

/// Degrees to radians.
const D2R: f64 = std::f64::consts::PI / 180.0;
/// Radians to degrees.
const R2D: f64 = 180.0 / std::f64::consts::PI;

/// Right ascension and declination, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Equatorial {
    /// Right ascension in degrees, `[0, 360)` (divide by 15 for hours).
    pub ra_deg: f64,
    /// Declination in degrees, `[-90, 90]`.
    pub dec_deg: f64,
}

impl Equatorial {
    /// A position from right ascension and declination in degrees; the right
    /// ascension is normalised to `[0, 360)`.
    pub fn new(ra_deg: f64, dec_deg: f64) -> Self {
        Self {
            ra_deg: normalize_deg(ra_deg),
            dec_deg,
        }
    }
}

/// Altitude above the horizon and azimuth, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Horizontal {
    /// Altitude in degrees, `[-90, 90]` (no refraction applied).
    pub alt_deg: f64,
    /// Azimuth in degrees from North through East, `[0, 360)`.
    pub az_deg: f64,
}

/// An observing site on the Earth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    /// Geodetic latitude in degrees, North positive.
    pub latitude_deg: f64,
    /// Longitude in degrees, East positive (Meeus uses West positive).
    pub longitude_deg: f64,
    /// Height above sea level in metres (informational: the low-precision
    /// formulae here ignore it).
    pub elevation_m: f64,
}

impl Site {
    /// A site from latitude, east longitude (degrees) and elevation (metres).
    pub fn new(latitude_deg: f64, longitude_deg: f64, elevation_m: f64) -> Self {
        Self {
            latitude_deg,
            longitude_deg,
            elevation_m,
        }
    }
}

/// An angle in degrees reduced to `[0, 360)`.
pub fn normalize_deg(x: f64) -> f64 {
    let r = x.rem_euclid(360.0);
    // rem_euclid of a tiny negative number rounds up to exactly 360.0.
    if r >= 360.0 {
        0.0
    } else {
        r
    }
}

/// An angle in degrees reduced to `(-180, 180]`.
pub fn wrap_180(x: f64) -> f64 {
    let r = normalize_deg(x);
    if r > 180.0 {
        r - 360.0
    } else {
        r
    }
}

/// Local hour angle of a position in degrees, `(-180, 180]`: negative east of
/// the meridian (rising), positive west of it (setting). Meeus 13: `H = θ − α`
/// with θ the local sidereal time.
pub fn hour_angle_deg(eq: Equatorial, site: Site, jd: f64) -> f64 {
    wrap_180(crate::time::lst_deg(jd, site.longitude_deg) - eq.ra_deg)
}

/// Horizontal coordinates (altitude, azimuth from North) of an equatorial
/// position seen from `site` at Julian date `jd` (UT). No refraction.
pub fn equatorial_to_horizontal(eq: Equatorial, site: Site, jd: f64) -> Horizontal {
    let h = hour_angle_deg(eq, site, jd) * D2R;
    let dec = eq.dec_deg * D2R;
    let lat = site.latitude_deg * D2R;
    // Unit vector in the horizon frame: x to the North, y to the East, z up.
    let x = dec.sin() * lat.cos() - dec.cos() * h.cos() * lat.sin();
    let y = -dec.cos() * h.sin();
    let z = dec.sin() * lat.sin() + dec.cos() * h.cos() * lat.cos();
    Horizontal {
        alt_deg: z.atan2(x.hypot(y)) * R2D,
        az_deg: normalize_deg(y.atan2(x) * R2D),
    }
}

/// Equatorial position of a horizontal direction seen from `site` at Julian
/// date `jd` (UT): the exact inverse of [`equatorial_to_horizontal`].
pub fn horizontal_to_equatorial(hz: Horizontal, site: Site, jd: f64) -> Equatorial {
    let alt = hz.alt_deg * D2R;
    let az = hz.az_deg * D2R;
    let lat = site.latitude_deg * D2R;
    let x = alt.cos() * az.cos();
    let y = alt.cos() * az.sin();
    let z = alt.sin();
    let sin_dec = x * lat.cos() + z * lat.sin();
    let cos_dec_cos_h = z * lat.cos() - x * lat.sin();
    let cos_dec_sin_h = -y;
    let dec = sin_dec.atan2(cos_dec_cos_h.hypot(cos_dec_sin_h));
    let h = cos_dec_sin_h.atan2(cos_dec_cos_h) * R2D;
    Equatorial::new(crate::time::lst_deg(jd, site.longitude_deg) - h, dec * R2D)
}

/// Right ascension of the North Galactic Pole, J2000 (degrees).
pub const NGP_RA_DEG: f64 = 192.859_48;
/// Declination of the North Galactic Pole, J2000 (degrees).
pub const NGP_DEC_DEG: f64 = 27.128_25;
/// Galactic longitude of the North Celestial Pole, J2000 (degrees).
pub const NCP_GALACTIC_L_DEG: f64 = 122.931_92;

/// J2000 equatorial position of galactic coordinates `l`, `b` (degrees).
pub fn galactic_to_equatorial(l_deg: f64, b_deg: f64) -> Equatorial {
    let b = b_deg * D2R;
    let d = NGP_DEC_DEG * D2R;
    let dl = (NCP_GALACTIC_L_DEG - l_deg) * D2R;
    let sin_dec = d.sin() * b.sin() + d.cos() * b.cos() * dl.cos();
    let y = b.cos() * dl.sin();
    let x = d.cos() * b.sin() - d.sin() * b.cos() * dl.cos();
    let dec = sin_dec.atan2(x.hypot(y));
    Equatorial::new(NGP_RA_DEG + y.atan2(x) * R2D, dec * R2D)
}

/// Galactic coordinates `(l, b)` in degrees of a J2000 equatorial position:
/// the inverse of [`galactic_to_equatorial`]; `l` in `[0, 360)`.
pub fn equatorial_to_galactic(eq: Equatorial) -> (f64, f64) {
    let a = (eq.ra_deg - NGP_RA_DEG) * D2R;
    let dec = eq.dec_deg * D2R;
    let d = NGP_DEC_DEG * D2R;
    let sin_b = d.sin() * dec.sin() + d.cos() * dec.cos() * a.cos();
    let y = dec.cos() * a.sin();
    let x = d.cos() * dec.sin() - d.sin() * dec.cos() * a.cos();
    let b = sin_b.atan2(x.hypot(y));
    (
        normalize_deg(NCP_GALACTIC_L_DEG - y.atan2(x) * R2D),
        b * R2D,
    )
}

/// Great-circle angle between two positions, in degrees, by Vincenty's
/// formula: accurate for tiny and for near-antipodal separations alike.
pub fn angular_separation_deg(a: Equatorial, b: Equatorial) -> f64 {
    let d1 = a.dec_deg * D2R;
    let d2 = b.dec_deg * D2R;
    let dra = (b.ra_deg - a.ra_deg) * D2R;
    let num1 = d2.cos() * dra.sin();
    let num2 = d1.cos() * d2.sin() - d1.sin() * d2.cos() * dra.cos();
    let den = d1.sin() * d2.sin() + d1.cos() * d2.cos() * dra.cos();
    num1.hypot(num2).atan2(den) * R2D
}

/// Precesses a mean equatorial position from the equinox of Julian date
/// `jd_from` to that of `jd_to` (rigorous IAU 1976 method, Meeus 21.2 and
/// 21.4). Catalog (J2000) positions need this before pointing a mount that
/// works in the equinox of date ("JNow"): precession moves stars by about
/// 50″ a year. Proper motion and nutation are not applied.
pub fn precess(eq: Equatorial, jd_from: f64, jd_to: f64) -> Equatorial {
    let big_t = (jd_from - crate::time::J2000_JD) / 36_525.0;
    let t = (jd_to - jd_from) / 36_525.0;
    let (t2, t3) = (t * t, t * t * t);
    let base = 2_306.218_1 + 1.396_56 * big_t - 0.000_139 * big_t * big_t;
    let zeta = base * t + (0.301_88 - 0.000_344 * big_t) * t2 + 0.017_998 * t3;
    let z = base * t + (1.094_68 + 0.000_066 * big_t) * t2 + 0.018_203 * t3;
    let theta = (2_004.310_9 - 0.853_30 * big_t - 0.000_217 * big_t * big_t) * t
        - (0.426_65 + 0.000_217 * big_t) * t2
        - 0.041_833 * t3;
    let (zeta, z, theta) = (zeta / 3600.0 * D2R, z / 3600.0 * D2R, theta / 3600.0 * D2R);
    let ra0 = eq.ra_deg * D2R + zeta;
    let dec0 = eq.dec_deg * D2R;
    let a = dec0.cos() * ra0.sin();
    let b = theta.cos() * dec0.cos() * ra0.cos() - theta.sin() * dec0.sin();
    let c = theta.sin() * dec0.cos() * ra0.cos() + theta.cos() * dec0.sin();
    Equatorial::new((a.atan2(b) + z) * R2D, c.atan2(a.hypot(b)) * R2D)
}

/// Atmospheric refraction in degrees for an *apparent* altitude, by
/// Bennett's formula (Meeus 16.4): about 0.57° at the horizon, 0 at the
/// zenith; accurate to 0.07′ above 5° for standard pressure and temperature.
///
/// Below −1° (where the formula is meaningless) the value at −1° is returned.
pub fn refraction_deg(apparent_alt_deg: f64) -> f64 {
    let h = apparent_alt_deg.clamp(-1.0, 90.0);
    let arcmin = 1.0 / ((h + 7.31 / (h + 4.4)) * D2R).tan();
    // At the zenith the formula gives a tiny negative value.
    (arcmin / 60.0).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::julian_date_from_calendar;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn normalize_and_wrap_ranges() {
        assert_eq!(normalize_deg(360.0), 0.0);
        assert_eq!(normalize_deg(-90.0), 270.0);
        assert_eq!(normalize_deg(725.0), 5.0);
        assert_eq!(normalize_deg(-1e-18), 0.0);
        assert_eq!(wrap_180(180.0), 180.0);
        assert_eq!(wrap_180(-180.0), 180.0);
        assert_eq!(wrap_180(190.0), -170.0);
        assert_eq!(wrap_180(-190.0), 170.0);
        assert_eq!(wrap_180(0.0), 0.0);
    }

    #[test]
    fn venus_at_washington_matches_meeus_example_13b() {
        // Meeus ex. 13.b: 1987 April 10, 19h21m00s UT, US Naval Observatory
        // (φ = +38°55′17″, L = 77°03′56″ W); Venus apparent α = 23h09m16.641s,
        // δ = −6°43′11.61″. Meeus finds H = 64.352133°, A = 68.0337° (from the
        // South) and h = 15.1249°. Meeus uses apparent sidereal time (nutation
        // adds −0.9 s here); we use mean sidereal time, so allow 0.01°.
        let site = Site::new(
            38.0 + 55.0 / 60.0 + 17.0 / 3600.0,
            -(77.0 + 3.0 / 60.0 + 56.0 / 3600.0),
            0.0,
        );
        let venus = Equatorial::new(
            (23.0 + 9.0 / 60.0 + 16.641 / 3600.0) * 15.0,
            -(6.0 + 43.0 / 60.0 + 11.61 / 3600.0),
        );
        let jd = julian_date_from_calendar(1987, 4, 10.0) + (19.0 + 21.0 / 60.0) / 24.0;
        let h = hour_angle_deg(venus, site, jd);
        assert!(close(h, 64.352_133, 0.01), "hour angle {h}");
        let hz = equatorial_to_horizontal(venus, site, jd);
        assert!(close(hz.alt_deg, 15.1249, 0.01), "alt {}", hz.alt_deg);
        // Azimuth from the South 68.0337° is 248.0337° from the North.
        assert!(close(hz.az_deg, 68.0337 + 180.0, 0.01), "az {}", hz.az_deg);
    }

    #[test]
    fn meridian_and_zenith_cases() {
        let site = Site::new(50.0, 10.0, 0.0);
        let jd = 2_460_000.25;
        let lst = crate::time::lst_deg(jd, site.longitude_deg);
        // An object on the meridian south of the zenith: azimuth 180.
        let south = equatorial_to_horizontal(Equatorial::new(lst, 20.0), site, jd);
        assert!(close(south.az_deg, 180.0, 1e-9) && close(south.alt_deg, 60.0, 1e-9));
        // Polaris-like object north of the zenith on the meridian: azimuth 0.
        let north = equatorial_to_horizontal(Equatorial::new(lst, 80.0), site, jd);
        assert!(close(normalize_deg(north.az_deg + 1.0), 1.0, 1e-9));
        assert!(close(north.alt_deg, 60.0, 1e-9));
        // Hour angle +90 on the equator: setting due West at altitude 0.
        let west = equatorial_to_horizontal(Equatorial::new(lst - 90.0, 0.0), site, jd);
        assert!(close(west.az_deg, 270.0, 1e-9) && close(west.alt_deg, 0.0, 1e-9));
    }

    #[test]
    fn horizontal_round_trip_over_a_grid() {
        // A deterministic sweep: 7 sites x 9 times x ~50 directions.
        let mut count = 0;
        for (i, lat) in [-75.0, -45.0, -10.0, 0.0, 20.0, 52.5, 80.0]
            .iter()
            .enumerate()
        {
            let site = Site::new(*lat, -120.0 + 47.0 * i as f64, 100.0);
            for k in 0..9 {
                let jd = 2_451_545.0 + 123.456 * k as f64;
                for alt_step in 0..7 {
                    let alt = -85.0 + 28.0 * alt_step as f64; // -85 .. 83
                    for az_step in 0..8 {
                        let az = 5.0 + 45.0 * az_step as f64;
                        let hz = Horizontal {
                            alt_deg: alt,
                            az_deg: az,
                        };
                        let eq = horizontal_to_equatorial(hz, site, jd);
                        assert!((0.0..360.0).contains(&eq.ra_deg));
                        let back = equatorial_to_horizontal(eq, site, jd);
                        assert!(close(back.alt_deg, alt, 1e-6), "alt {alt} -> {back:?}");
                        assert!(
                            wrap_180(back.az_deg - az).abs() < 1e-6,
                            "az {az} -> {back:?}"
                        );
                        // And the other way round from that equatorial point.
                        let again = horizontal_to_equatorial(back, site, jd);
                        assert!(angular_separation_deg(eq, again) < 1e-6);
                        count += 1;
                    }
                }
            }
        }
        assert_eq!(count, 7 * 9 * 7 * 8);
    }

    #[test]
    fn galactic_centre_and_pole() {
        // The Galactic Centre (l = 0, b = 0) is at RA 266.405, Dec -28.936 (J2000).
        let gc = galactic_to_equatorial(0.0, 0.0);
        assert!(close(gc.ra_deg, 266.405, 0.01), "{gc:?}");
        assert!(close(gc.dec_deg, -28.936, 0.01), "{gc:?}");
        // b = +90 is the North Galactic Pole by definition.
        let ngp = galactic_to_equatorial(123.0, 90.0);
        assert!(close(ngp.dec_deg, NGP_DEC_DEG, 1e-9));
        assert!(close(ngp.ra_deg, NGP_RA_DEG, 1e-6));
        // Round trip.
        for l in (0..360).step_by(30) {
            for b in [-60.0, -5.0, 0.0, 33.0, 75.0] {
                let eq = galactic_to_equatorial(l as f64, b);
                let (l2, b2) = equatorial_to_galactic(eq);
                assert!(wrap_180(l2 - l as f64).abs() < 1e-8 && close(b2, b, 1e-8));
            }
        }
    }

    #[test]
    fn separation_small_large_and_known() {
        let a = Equatorial::new(10.0, 20.0);
        assert_eq!(angular_separation_deg(a, a), 0.0);
        let b = Equatorial::new(10.0, 20.0 + 1.0 / 3600.0);
        assert!(close(angular_separation_deg(a, b), 1.0 / 3600.0, 1e-12));
        let pole = Equatorial::new(0.0, 90.0);
        let eqtr = Equatorial::new(123.0, 0.0);
        assert!(close(angular_separation_deg(pole, eqtr), 90.0, 1e-12));
        let anti = Equatorial::new(190.0, -20.0);
        assert!(close(angular_separation_deg(a, anti), 180.0, 1e-9));
        // Meeus ex. 17.a: Arcturus (213.9154, +19.1825) and Spica
        // (201.2983, -11.1614) are 32.7930° apart.
        let arcturus = Equatorial::new(213.9154, 19.1825);
        let spica = Equatorial::new(201.2983, -11.1614);
        assert!(close(
            angular_separation_deg(arcturus, spica),
            32.7930,
            1e-4
        ));
    }

    #[test]
    fn precession_matches_meeus_example_21b() {
        // Meeus ex. 21.b: θ Persei, J2000 position with proper motion applied
        // to the target date: α0 = 41.054063°, δ0 = +49.227750°; precessed to
        // 2028 November 13.19 TD (JD 2462088.69): α = 41.547214°,
        // δ = +49.348483°.
        let eq = Equatorial::new(41.054_063, 49.227_750);
        let p = precess(eq, crate::time::J2000_JD, 2_462_088.69);
        assert!(close(p.ra_deg, 41.547_214, 2e-6), "{p:?}");
        assert!(close(p.dec_deg, 49.348_483, 2e-6), "{p:?}");
        // And back again, from a non-J2000 starting epoch.
        let back = precess(p, 2_462_088.69, crate::time::J2000_JD);
        assert!(angular_separation_deg(back, eq) < 1e-8, "{back:?}");
        // Zero interval is the identity; 25 years move Vega about 0.2°.
        assert_eq!(precess(eq, 2_451_545.0, 2_451_545.0), eq);
        let vega = Equatorial::new(279.2347, 38.7837);
        let moved = angular_separation_deg(vega, precess(vega, 2_451_545.0, 2_460_676.5));
        assert!(moved > 0.1 && moved < 0.3, "{moved}");
    }

    #[test]
    fn bennett_refraction() {
        // Meeus ex. 16.a uses Saemundsson; Bennett at the horizon gives ~34.5′.
        let r0 = refraction_deg(0.0) * 60.0;
        assert!(close(r0, 34.5, 0.3), "horizon refraction {r0}′");
        let r45 = refraction_deg(45.0) * 60.0;
        assert!(close(r45, 0.99, 0.05), "45° refraction {r45}′");
        assert_eq!(refraction_deg(90.0), 0.0);
        assert_eq!(refraction_deg(-10.0), refraction_deg(-1.0));
    }
}
