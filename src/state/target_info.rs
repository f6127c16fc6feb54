//! What the observer wants to know about a target before slewing: which
//! object it is, where it is now (altitude, azimuth, distance from the Sun),
//! and when it rises, transits and sets at the telescope's site today (UT).

use skydeck_astro::coords::Site;
use skydeck_astro::rise_set::{rise_transit_set, Visibility, STAR_STANDARD_ALTITUDE_DEG};
use skydeck_astro::time::julian_date;
use skynet_protocol::{horizon_altitude, HorizonPoint, TargetPosition};

use super::safety::{place, resolve, Placement};
use super::time::{format_clock, Millis};

/// A target placed at a site and a time.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetInfo {
    /// The catalog object's names, when it is one (`M42 (Orion Nebula, NGC 1976)`).
    pub name: Option<String>,
    /// Where it is now.
    pub placement: Placement,
    /// Whether it rises and sets today.
    pub visibility: Visibility,
    /// The current or next passage: its rise, transit and set, as instants;
    /// `None` for an event it does not have (a circumpolar object's rise).
    pub rise: Option<Millis>,
    /// Transit.
    pub transit: Option<Millis>,
    /// Set.
    pub set: Option<Millis>,
    /// The rise and set are over and behind the telescope's local horizon
    /// (it has one), not the flat horizon.
    pub local_horizon: bool,
    /// The local horizon hides it even at transit: it never clears it on
    /// this passage.
    pub hidden_at_transit: bool,
}

fn jd_to_ms(jd: f64) -> Millis {
    skydeck_astro::time::unix_seconds(jd) * 1000.0
}

impl TargetInfo {
    /// Places `target` at `site` at `now`, with the rise and set over the
    /// telescope's local `horizon` when it has one; `Err` says why it cannot
    /// be.
    pub fn of(
        target: &TargetPosition,
        site: Site,
        now: Millis,
        horizon: &[HorizonPoint],
    ) -> Result<Self, String> {
        let j2000 = resolve(target)?;
        let jd = julian_date(now / 1000.0);
        let placement = place(j2000, site, jd);
        // The passage that has not ended yet: the first transit whose set
        // is still to come (circumpolar: whose half-day has not passed),
        // with the rise before it and the set after it, from the UT days
        // around now.
        let of_date = skydeck_astro::coords::precess(j2000, skydeck_astro::time::J2000_JD, jd);
        let today = (jd - 0.5).floor() + 0.5;
        let days: Vec<_> = [-1.0, 0.0, 1.0]
            .iter()
            .map(|d| rise_transit_set(of_date, site, today + d, STAR_STANDARD_ALTITUDE_DEG))
            .collect();
        let visibility = days[1].kind;
        let collect = |pick: fn(&skydeck_astro::RiseTransitSet) -> Option<f64>| {
            let mut times: Vec<Millis> = days.iter().filter_map(pick).map(jd_to_ms).collect();
            times.sort_by(f64::total_cmp);
            times
        };
        let (rises, transits, sets) = (
            collect(|e| e.rise),
            collect(|e| e.transit),
            collect(|e| e.set),
        );
        let passage = transits.iter().copied().find(|&t| match visibility {
            Visibility::Normal => sets.iter().find(|&&s| s > t).is_none_or(|&s| s > now),
            _ => t + 12.0 * 3_600_000.0 > now,
        });
        let (rise, set) = match (visibility, passage) {
            (Visibility::Normal, Some(t)) => (
                rises.iter().copied().rev().find(|&r| r < t),
                sets.iter().copied().find(|&s| s > t),
            ),
            _ => (None, None),
        };
        // Over the local horizon: where altitude minus the horizon at the
        // azimuth changes sign between the flat-horizon rise (or set) and the
        // transit.
        let clearance = |ms: Millis| {
            let p = place(j2000, site, julian_date(ms / 1000.0));
            p.alt_deg - horizon_altitude(horizon, p.az_deg).unwrap_or(STAR_STANDARD_ALTITUDE_DEG)
        };
        let local_horizon = !horizon.is_empty() && visibility == Visibility::Normal;
        let mut hidden_at_transit = false;
        let (rise, set) = match (local_horizon, rise, passage, set) {
            (true, Some(r), Some(t), Some(s)) => {
                if clearance(t) <= 0.0 {
                    hidden_at_transit = true;
                    (None, None)
                } else {
                    (
                        Some(crossing(&clearance, r, t)),
                        Some(crossing(&clearance, s, t)),
                    )
                }
            }
            _ => (rise, set),
        };
        let name = match target {
            TargetPosition::Catalog(c) => skydeck_astro::catalog::lookup(&c.name).map(|o| {
                let aliases: Vec<&str> = o.aliases.iter().copied().take(2).collect();
                if aliases.is_empty() {
                    o.name.to_owned()
                } else {
                    format!("{} ({})", o.name, aliases.join(", "))
                }
            }),
            _ => None,
        };
        Ok(Self {
            name,
            placement,
            visibility,
            rise,
            transit: passage,
            set,
            local_horizon,
            hidden_at_transit,
        })
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        let p = &self.placement;
        let where_now = format!(
            "{} now at altitude {:.1}°, azimuth {:.1}°, {:.0}° from the Sun",
            if p.alt_deg > 0.0 {
                "up:"
            } else {
                "below the horizon:"
            },
            p.alt_deg,
            p.az_deg,
            p.sun_distance_deg
        );
        let at = |t: Option<Millis>| t.map(format_clock).unwrap_or_else(|| "—".into());
        let events = match self.visibility {
            Visibility::Circumpolar => format!("never sets; transits {} UT", at(self.transit)),
            Visibility::NeverRises => "does not rise today".to_owned(),
            Visibility::Normal if self.hidden_at_transit => format!(
                "stays behind the local horizon; transits {} UT",
                at(self.transit)
            ),
            Visibility::Normal if self.local_horizon => format!(
                "clears the local horizon {}, transits {}, goes behind it {} UT",
                at(self.rise),
                at(self.transit),
                at(self.set)
            ),
            Visibility::Normal => format!(
                "rises {}, transits {}, sets {} UT",
                at(self.rise),
                at(self.transit),
                at(self.set)
            ),
        };
        match &self.name {
            Some(name) => format!("{name} — {where_now}; {events}"),
            None => format!("{where_now}; {events}"),
        }
    }
}

/// Where `clearance` crosses zero between `outside` (at or below it, the
/// flat-horizon rise or set) and `inside` (above it, the transit), to a
/// second: bisection, as the target climbs monotonically towards transit.
fn crossing(clearance: &dyn Fn(Millis) -> f64, outside: Millis, inside: Millis) -> Millis {
    let (mut out, mut inn) = (outside, inside);
    if clearance(out) > 0.0 {
        // Up already at the flat horizon (a horizon below it there).
        return out;
    }
    while (inn - out).abs() > 1000.0 {
        let mid = (out + inn) / 2.0;
        if clearance(mid) > 0.0 {
            inn = mid;
        } else {
            out = mid;
        }
    }
    inn
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::time::parse_rfc3339;

    fn la_palma() -> Site {
        Site::new(28.7606, -17.8816, 2396.0)
    }

    #[test]
    fn m42_on_a_winter_night_at_la_palma() {
        let now = parse_rfc3339("2026-01-15T00:00:00Z").unwrap();
        let info = TargetInfo::of(
            &TargetPosition::catalog("orion nebula"),
            la_palma(),
            now,
            &[],
        )
        .unwrap();
        assert!(info.name.as_deref().unwrap().starts_with("M42"), "{info:?}");
        assert_eq!(info.visibility, Visibility::Normal);
        // GMST at 0h UT on 2026-01-15 is 114.6°, so the local sidereal time
        // at 17.88° W is 96.7°: M42 (right ascension of date 84.1°) crossed
        // the meridian 12.6° of sidereal rotation earlier, at 23:10 UT on the
        // 14th, and is still up at 0h: that passage is the current one.
        let transit = info.transit.unwrap();
        let expected = parse_rfc3339("2026-01-14T23:10:00Z").unwrap();
        assert!(
            (transit - expected).abs() < 5.0 * 60_000.0,
            "{}",
            format_clock(transit)
        );
        assert!(info.rise.unwrap() < transit && transit < info.set.unwrap());
        let line = info.summary();
        assert!(line.contains("up: now at altitude"), "{line}");
        assert!(line.contains("transits 23:1"), "{line}");
        assert!(info.set.unwrap() > now, "it sets after now");
    }

    #[test]
    fn circumpolar_and_never_rising_objects() {
        let now = parse_rfc3339("2026-01-15T00:00:00Z").unwrap();
        let polaris =
            TargetInfo::of(&TargetPosition::catalog("Polaris"), la_palma(), now, &[]).unwrap();
        assert_eq!(polaris.visibility, Visibility::Circumpolar);
        assert!(polaris.summary().contains("never sets"));
        let south = TargetInfo::of(
            &TargetPosition::equatorial(0.0, -80.0),
            la_palma(),
            now,
            &[],
        )
        .unwrap();
        assert_eq!(south.visibility, Visibility::NeverRises);
        assert!(
            south.summary().contains("below the horizon")
                && south.summary().contains("does not rise")
        );
    }

    #[test]
    fn an_unknown_name_says_so() {
        let err =
            TargetInfo::of(&TargetPosition::catalog("Planet X"), la_palma(), 0.0, &[]).unwrap_err();
        assert!(err.contains("not in SkyDeck's catalog"));
    }

    #[test]
    fn over_a_local_horizon_m42_clears_it_later_and_goes_behind_it_sooner() {
        let now = parse_rfc3339("2026-01-15T00:00:00Z").unwrap();
        let m42 = TargetPosition::catalog("M42");
        let flat = TargetInfo::of(&m42, la_palma(), now, &[]).unwrap();
        let trees: Vec<HorizonPoint> = [(0.0, 12.0), (120.0, 12.0), (240.0, 12.0)]
            .iter()
            .map(|&(az_deg, alt_deg)| HorizonPoint { az_deg, alt_deg })
            .collect();
        let info = TargetInfo::of(&m42, la_palma(), now, &trees).unwrap();
        assert!(info.local_horizon && !info.hidden_at_transit);
        let (rise, set) = (info.rise.unwrap(), info.set.unwrap());
        assert!(
            rise > flat.rise.unwrap() && set < flat.set.unwrap(),
            "{info:?}"
        );
        // At those instants it stands on the 12° horizon.
        for t in [rise, set] {
            let p = place(resolve(&m42).unwrap(), la_palma(), julian_date(t / 1000.0));
            assert!((p.alt_deg - 12.0).abs() < 0.05, "{}", p.alt_deg);
        }
        assert!(
            info.summary().contains("clears the local horizon"),
            "{}",
            info.summary()
        );
        // A wall higher than its culmination hides it all passage long.
        let wall: Vec<HorizonPoint> = vec![HorizonPoint {
            az_deg: 0.0,
            alt_deg: 70.0,
        }];
        let hidden = TargetInfo::of(&m42, la_palma(), now, &wall).unwrap();
        assert!(hidden.hidden_at_transit && hidden.rise.is_none());
        assert!(hidden.summary().contains("behind the local horizon"));
    }
}
