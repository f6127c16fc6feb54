//! End-to-end use of the public API, as the app and the simulator use it:
//! find a target, format it, point at it, and check its visibility.

use skydeck_astro::catalog::{lookup, search};
use skydeck_astro::coords::{
    angular_separation_deg, equatorial_to_horizontal, horizontal_to_equatorial, Site,
};
use skydeck_astro::rise_set::{rise_transit_set, Visibility, STAR_STANDARD_ALTITUDE_DEG};
use skydeck_astro::sexagesimal::{format_dec_dms, format_ra_hms, parse_dec, parse_ra};
use skydeck_astro::time::{julian_date, julian_date_from_calendar};

#[test]
fn crab_nebula_formats_as_published() {
    // SIMBAD: M1 at 05h34m31.94s +22°00′52.2″ (J2000).
    let m1 = lookup("messier 1").expect("M1 is in the catalog");
    assert_eq!(format_ra_hms(m1.position.ra_deg, 1), "05h34m31.9s");
    assert_eq!(format_dec_dms(m1.position.dec_deg, 0), "+22°00'52\"");
    // And what the user typed parses back to the catalog position.
    let ra = parse_ra("05h34m31.94s").expect("valid RA");
    let dec = parse_dec("+22°00′52.2″").expect("valid Dec");
    assert!((ra - m1.position.ra_deg).abs() < 1e-4);
    assert!((dec - m1.position.dec_deg).abs() < 1e-4);
}

#[test]
fn pointing_round_trip_for_every_catalog_object_above_the_horizon() {
    // La Palma, 2024 March 1 22:00 UT (Unix 1709330400).
    let site = Site::new(28.7606, -17.8816, 2396.0);
    let jd = julian_date(1_709_330_400.0);
    assert!((jd - (julian_date_from_calendar(2024, 3, 1.0) + 22.0 / 24.0)).abs() < 1e-9);
    let mut above = 0;
    for obj in skydeck_astro::catalog::all() {
        let hz = equatorial_to_horizontal(obj.position, site, jd);
        let back = horizontal_to_equatorial(hz, site, jd);
        assert!(
            angular_separation_deg(obj.position, back) < 1e-6,
            "{}",
            obj.name
        );
        if hz.alt_deg > 0.0 {
            above += 1;
        }
    }
    // Roughly half the sky is up at any time.
    let total = skydeck_astro::catalog::all().len();
    assert!(
        above > total / 4 && above < total * 3 / 4,
        "{above} of {total} up"
    );
}

#[test]
fn visibility_of_catalog_targets_from_a_northern_site() {
    let site = Site::new(52.0, 5.0, 0.0);
    let jd0 = julian_date_from_calendar(2024, 10, 1.0);
    let kind = |name: &str| {
        let obj = lookup(name).expect("in catalog");
        rise_transit_set(obj.position, site, jd0, STAR_STANDARD_ALTITUDE_DEG).kind
    };
    assert_eq!(kind("Polaris"), Visibility::Circumpolar);
    assert_eq!(kind("M81"), Visibility::Circumpolar);
    assert_eq!(kind("Omega Centauri"), Visibility::NeverRises);
    assert_eq!(kind("M42"), Visibility::Normal);
}

#[test]
fn search_as_you_type_finds_targets_by_any_name() {
    let first = |q: &str| search(q, 1).first().map(|o| o.name);
    assert_eq!(first("whirl"), Some("M51"));
    assert_eq!(first("ngc 869"), Some("NGC 869"));
    assert_eq!(first("omega cen"), Some("NGC 5139"));
    assert_eq!(first("betel"), Some("Betelgeuse"));
    assert_eq!(first("alpha cma"), Some("Sirius"));
}
