//! Tonight at a site: sunset, the ends of civil, nautical and astronomical
//! twilight in the evening, their starts in the morning, and sunrise.
//!
//! "Tonight" is the night between the local solar noon at or before the
//! given time and the next one: at 15h local it is the coming night, at 3h
//! the night in progress. Every time is a Julian date (UT); a twilight the
//! Sun never reaches that night (a summer night at high latitude) is `None`.

use crate::coords::Site;
use crate::rise_set::{
    sun_rise_transit_set, ASTRONOMICAL_TWILIGHT_DEG, CIVIL_TWILIGHT_DEG, NAUTICAL_TWILIGHT_DEG,
    SUN_STANDARD_ALTITUDE_DEG,
};

/// Where the Sun crosses one altitude tonight: going down in the evening,
/// coming up in the morning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossing {
    /// In the evening (sunset, or the end of a twilight).
    pub evening: Option<f64>,
    /// In the morning (the start of a twilight, or sunrise).
    pub morning: Option<f64>,
}

/// One night's Sun events at a site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Night {
    /// Local solar noon that starts the night's window (a Julian date).
    pub noon: f64,
    /// Sunset and sunrise (the upper limb, with refraction: −50′).
    pub sun: Crossing,
    /// The Sun's centre at −6°.
    pub civil: Crossing,
    /// At −12°.
    pub nautical: Crossing,
    /// At −18°: between these, the sky is fully dark.
    pub astronomical: Crossing,
}

/// The night at `site` that is in progress or next at `jd` (see the module).
pub fn night(site: Site, jd: f64) -> Night {
    // Local mean noon as a Julian date: 12h UT less the longitude's hours;
    // a Julian date's day starts at 12h UT, so noon is `k + 0.0` shifted.
    let offset = -site.longitude_deg / 360.0;
    let noon = (jd - offset).floor() + offset;
    let crossing = |altitude: f64| crossing(site, noon, altitude);
    Night {
        noon,
        sun: crossing(SUN_STANDARD_ALTITUDE_DEG),
        civil: crossing(CIVIL_TWILIGHT_DEG),
        nautical: crossing(NAUTICAL_TWILIGHT_DEG),
        astronomical: crossing(ASTRONOMICAL_TWILIGHT_DEG),
    }
}

/// The first setting through `altitude` after `noon` and the first rising
/// after that, both within a day of `noon`.
fn crossing(site: Site, noon: f64, altitude: f64) -> Crossing {
    let end = noon + 1.0;
    let mut sets = Vec::new();
    let mut rises = Vec::new();
    // The UT days that overlap the window (each starts at 0h UT, JD k + 0.5).
    let first_day = (noon - 0.5).floor() + 0.5;
    for day in 0..3 {
        let r = sun_rise_transit_set(site, first_day + f64::from(day), altitude);
        sets.extend(r.set.filter(|t| (noon..end).contains(t)));
        rises.extend(r.rise.filter(|t| (noon..end).contains(t)));
    }
    let evening = sets.into_iter().reduce(f64::min);
    let morning = rises
        .into_iter()
        .filter(|t| evening.is_none_or(|e| *t > e))
        .reduce(f64::min);
    Crossing { evening, morning }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rise_set::tests::{at, minutes};
    use crate::time::julian_date_from_calendar;

    /// Checks each of the night's eight events against `want` (Julian
    /// dates, in the order of the night: sunset, civil, nautical and
    /// astronomical dusk, then astronomical, nautical and civil dawn,
    /// sunrise), each within a minute.
    fn within_a_minute(n: &Night, want: [f64; 8]) {
        let got = [
            ("sunset", n.sun.evening),
            ("civil dusk", n.civil.evening),
            ("nautical dusk", n.nautical.evening),
            ("astronomical dusk", n.astronomical.evening),
            ("astronomical dawn", n.astronomical.morning),
            ("nautical dawn", n.nautical.morning),
            ("civil dawn", n.civil.morning),
            ("sunrise", n.sun.morning),
        ];
        for ((what, got), want) in got.into_iter().zip(want) {
            let got = got.unwrap_or_else(|| panic!("{what}: none"));
            assert!(
                minutes(got, want).abs() <= 1.0,
                "{what}: {:.1} min off",
                minutes(got, want)
            );
        }
    }

    #[test]
    fn atlanta_on_6_september_2009_against_the_usno_and_pyephem() {
        // Published by the USNO for Atlanta (33.8° N, 84.4° W) on Sunday
        // 6 September 2009, EDT (UT − 4 h), as quoted in PyEphem's "Rising,
        // Transit, Setting" guide: sunset 7:56 p.m., end of civil twilight
        // 8:21 p.m. (UT 23:56 and 00:21 on the 7th); the next morning's civil
        // twilight and sunrise, and the nautical and astronomical twilights,
        // from PyEphem 4.2.1 with the USNO's conventions (pressure 0, the
        // Sun's centre for twilights): 00:51, 01:21, 09:50, 10:20, 10:50 and
        // 11:15 UT.
        let site = Site::new(33.8, -84.4, 0.0);
        let sep6 = julian_date_from_calendar(2009, 9, 6.0);
        let sep7 = sep6 + 1.0;
        // Asked at 3 p.m. EDT on the 6th: the coming night.
        let n = night(site, at(sep6, 19.0, 0.0));
        within_a_minute(
            &n,
            [
                at(sep6, 23.0, 56.0),
                at(sep7, 0.0, 21.0),
                at(sep7, 0.0, 51.0),
                at(sep7, 1.0, 21.5),
                at(sep7, 9.0, 50.3),
                at(sep7, 10.0, 20.7),
                at(sep7, 10.0, 50.4),
                at(sep7, 11.0, 15.6),
            ],
        );
        // Asked at 4 a.m. EDT on the 7th: still the same night.
        assert_eq!(night(site, at(sep7, 8.0, 0.0)), n);
    }

    #[test]
    fn la_palma_on_3_december_2026_against_pyephem() {
        // PyEphem 4.2.1, USNO conventions, 28.7606° N 17.8816° W.
        let site = Site::new(28.7606, -17.8816, 2396.0);
        let dec3 = julian_date_from_calendar(2026, 12, 3.0);
        let dec4 = dec3 + 1.0;
        let n = night(site, at(dec3, 22.0, 0.0));
        within_a_minute(
            &n,
            [
                at(dec3, 18.0, 13.9),
                at(dec3, 18.0, 39.6),
                at(dec3, 19.0, 8.8),
                at(dec3, 19.0, 37.5),
                at(dec4, 6.0, 25.6),
                at(dec4, 6.0, 54.4),
                at(dec4, 7.0, 23.6),
                at(dec4, 7.0, 49.3),
            ],
        );
    }

    #[test]
    fn a_white_night_has_no_astronomical_darkness() {
        // Helsinki (60.2° N) at midsummer: the Sun never gets to −18°, nor −12°.
        let site = Site::new(60.17, 24.94, 0.0);
        let jun21 = julian_date_from_calendar(2026, 6, 21.0);
        let n = night(site, at(jun21, 12.0, 0.0));
        assert_eq!(n.astronomical.evening, None);
        assert_eq!(n.nautical.evening, None);
        assert!(n.sun.evening.is_some() && n.sun.morning.is_some());
        assert!(n.sun.evening < n.sun.morning);
    }
}
