//! Safety before sending: a slew to a target below the horizon, below the
//! user's altitude limit, or too close to the Sun is stopped in the browser
//! with the reason, unless the user overrides it for that one command.
//! (The server has its own limits; these are the observer's.)

use skydeck_astro::coords::{
    angular_separation_deg, equatorial_to_horizontal, galactic_to_equatorial, precess, Equatorial,
    Site,
};
use skydeck_astro::time::J2000_JD;
use skynet_protocol::{horizon_altitude, Command, Frame, HorizonPoint, TargetPosition};

/// The observer's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Lowest altitude to point at, degrees.
    pub min_altitude_deg: f64,
    /// Smallest distance from the Sun, degrees.
    pub min_sun_distance_deg: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            min_altitude_deg: 15.0,
            min_sun_distance_deg: 30.0,
        }
    }
}

/// Where a target is now, seen from the site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// J2000 position.
    pub j2000: Equatorial,
    /// Altitude, degrees.
    pub alt_deg: f64,
    /// Azimuth, degrees from north through east.
    pub az_deg: f64,
    /// Distance from the Sun, degrees.
    pub sun_distance_deg: f64,
}

/// Why a slew is stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Concern {
    /// Below the horizon.
    BelowHorizon {
        /// Its altitude.
        alt_deg: f64,
    },
    /// Above the horizon but behind the telescope's local horizon (trees,
    /// a hill, a neighbouring dome) at its azimuth.
    BelowLocalHorizon {
        /// Its altitude.
        alt_deg: f64,
        /// Its azimuth.
        az_deg: f64,
        /// The local horizon's altitude there.
        horizon_deg: f64,
    },
    /// Above the horizon but below the altitude limit.
    BelowLimit {
        /// Its altitude.
        alt_deg: f64,
        /// The limit.
        limit_deg: f64,
    },
    /// Too close to the Sun.
    NearSun {
        /// Its distance from the Sun.
        distance_deg: f64,
        /// The limit.
        limit_deg: f64,
    },
    /// SkyDeck cannot tell where it is (a name its catalog lacks, a
    /// solar-system body, an orbit), so it cannot check it.
    Unchecked(String),
}

impl std::fmt::Display for Concern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BelowHorizon { alt_deg } => {
                write!(f, "the target is below the horizon (altitude {alt_deg:.1}°)")
            }
            Self::BelowLocalHorizon {
                alt_deg,
                az_deg,
                horizon_deg,
            } => write!(
                f,
                "the target is behind the telescope's local horizon (altitude {alt_deg:.1}° at azimuth {az_deg:.0}°, where the horizon is at {horizon_deg:.1}°)"
            ),
            Self::BelowLimit { alt_deg, limit_deg } => write!(
                f,
                "the target is at altitude {alt_deg:.1}°, below your limit of {limit_deg}°"
            ),
            Self::NearSun {
                distance_deg,
                limit_deg,
            } => write!(
                f,
                "the target is {distance_deg:.1}° from the Sun, closer than your limit of {limit_deg}°"
            ),
            Self::Unchecked(why) => write!(f, "cannot check this target: {why}"),
        }
    }
}

/// The J2000 position of a target, when SkyDeck can know it.
pub fn resolve(target: &TargetPosition) -> Result<Equatorial, String> {
    match target {
        TargetPosition::Fixed(fixed) => match (&fixed.frame, fixed.ra, fixed.dec, fixed.l, fixed.b)
        {
            (Frame::Equatorial, Some(ra), Some(dec), _, _) => Ok(Equatorial::new(ra, dec)),
            (Frame::Galactic, _, _, Some(l), Some(b)) => Ok(galactic_to_equatorial(l, b)),
            _ => Err("its coordinates are incomplete".into()),
        },
        TargetPosition::Catalog(c) => skydeck_astro::catalog::lookup(&c.name)
            .map(|o| o.position)
            .ok_or_else(|| format!("`{}` is not in SkyDeck's catalog", c.name)),
        TargetPosition::Ephemeral(body) => {
            Err(format!("{} moves; the server computes it", body.body))
        }
        TargetPosition::Orbital(_) => Err("an orbit; the server computes it".into()),
        TargetPosition::Unknown(u) => Err(format!("`{}` targets are unknown to SkyDeck", u.tag)),
    }
}

/// Where a J2000 position is at Julian date `jd` from `site`.
pub fn place(j2000: Equatorial, site: Site, jd: f64) -> Placement {
    let of_date = precess(j2000, J2000_JD, jd);
    let horizontal = equatorial_to_horizontal(of_date, site, jd);
    let sun = skydeck_astro::sun::sun_position(jd);
    Placement {
        j2000,
        alt_deg: horizontal.alt_deg,
        az_deg: horizontal.az_deg,
        sun_distance_deg: angular_separation_deg(of_date, sun),
    }
}

/// Checks a target against the telescope's local horizon (may be empty)
/// and, on top of it, the observer's limits.
pub fn check_target(
    target: &TargetPosition,
    site: Site,
    jd: f64,
    limits: Limits,
    horizon: &[HorizonPoint],
) -> Result<Placement, Vec<Concern>> {
    let j2000 = resolve(target).map_err(|why| vec![Concern::Unchecked(why)])?;
    let p = place(j2000, site, jd);
    let mut concerns = Vec::new();
    let local = horizon_altitude(horizon, p.az_deg).filter(|h| p.alt_deg < *h);
    if p.alt_deg < 0.0 {
        concerns.push(Concern::BelowHorizon { alt_deg: p.alt_deg });
    } else if let Some(horizon_deg) = local {
        concerns.push(Concern::BelowLocalHorizon {
            alt_deg: p.alt_deg,
            az_deg: p.az_deg,
            horizon_deg,
        });
    }
    if p.alt_deg >= 0.0 && p.alt_deg < limits.min_altitude_deg {
        concerns.push(Concern::BelowLimit {
            alt_deg: p.alt_deg,
            limit_deg: limits.min_altitude_deg,
        });
    }
    if p.sun_distance_deg < limits.min_sun_distance_deg {
        concerns.push(Concern::NearSun {
            distance_deg: p.sun_distance_deg,
            limit_deg: limits.min_sun_distance_deg,
        });
    }
    if concerns.is_empty() {
        Ok(p)
    } else {
        Err(concerns)
    }
}

/// The concerns about a command: only slews (`mount.point`, `mount.track`)
/// are checked.
pub fn check_command(
    command: &Command,
    site: Site,
    jd: f64,
    limits: Limits,
    horizon: &[HorizonPoint],
) -> Vec<Concern> {
    let target = match command {
        Command::MountPoint(c) => &c.target,
        Command::MountTrack(c) => &c.target,
        _ => return Vec::new(),
    };
    check_target(target, site, jd, limits, horizon)
        .err()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use skydeck_astro::time::julian_date_from_calendar;

    fn la_palma() -> Site {
        Site::new(28.7606, -17.8816, 2396.0)
    }

    /// 2026-01-15 00:00 UT: a winter midnight at La Palma, M42 well up, the
    /// Sun far below.
    fn winter_midnight() -> f64 {
        julian_date_from_calendar(2026, 1, 15.0)
    }

    #[test]
    fn m42_on_a_winter_midnight_is_up_and_far_from_the_sun() {
        let p = check_target(
            &TargetPosition::catalog("M42"),
            la_palma(),
            winter_midnight(),
            Limits::default(),
            &[],
        )
        .unwrap();
        assert!(p.alt_deg > 30.0, "{p:?}");
        assert!(p.sun_distance_deg > 90.0, "{p:?}");
    }

    #[test]
    fn a_target_below_the_horizon_or_the_limit_is_stopped() {
        // The south celestial pole stands at minus the latitude: never up.
        let pole = TargetPosition::equatorial(0.0, -89.0);
        let concerns =
            check_target(&pole, la_palma(), winter_midnight(), Limits::default(), &[]).unwrap_err();
        assert!(
            matches!(concerns[0], Concern::BelowHorizon { alt_deg } if alt_deg < -25.0),
            "{concerns:?}"
        );
        assert!(concerns[0].to_string().contains("below the horizon"));

        // Polaris stands at about the site's latitude: above 15°, below 40°.
        let polaris = TargetPosition::catalog("Polaris");
        assert!(check_target(
            &polaris,
            la_palma(),
            winter_midnight(),
            Limits::default(),
            &[]
        )
        .is_ok());
        let strict = Limits {
            min_altitude_deg: 40.0,
            ..Limits::default()
        };
        let concerns =
            check_target(&polaris, la_palma(), winter_midnight(), strict, &[]).unwrap_err();
        assert!(matches!(concerns[0], Concern::BelowLimit { limit_deg, .. } if limit_deg == 40.0));
    }

    #[test]
    fn a_target_near_the_sun_is_stopped() {
        let jd = winter_midnight();
        let sun = precess(skydeck_astro::sun::sun_position(jd), jd, J2000_JD);
        let near = TargetPosition::equatorial(sun.ra_deg + 5.0, sun.dec_deg);
        let limits = Limits {
            min_altitude_deg: -90.0,
            min_sun_distance_deg: 30.0,
        };
        let concerns = check_target(&near, la_palma(), jd, limits, &[]).unwrap_err();
        // At midnight the Sun, and a target beside it, are also below the horizon.
        let near_sun = concerns.iter().find_map(|c| match c {
            Concern::NearSun { distance_deg, .. } => Some(*distance_deg),
            _ => None,
        });
        let distance = near_sun.unwrap_or_else(|| panic!("{concerns:?}"));
        assert!((distance - 4.5).abs() < 0.6, "{distance}");
    }

    #[test]
    fn what_cannot_be_located_cannot_be_checked() {
        let unknown = TargetPosition::catalog("Planet X");
        let concerns = check_target(
            &unknown,
            la_palma(),
            winter_midnight(),
            Limits::default(),
            &[],
        )
        .unwrap_err();
        assert!(concerns[0].to_string().contains("not in SkyDeck's catalog"));
        let moon = TargetPosition::Ephemeral(skynet_protocol::EphemeralTarget {
            body: "moon".into(),
        });
        assert!(matches!(
            check_target(&moon, la_palma(), winter_midnight(), Limits::default(), &[]).unwrap_err()
                [0],
            Concern::Unchecked(_)
        ));
    }

    #[test]
    fn only_slews_are_checked() {
        let expose = Command::CameraExposureStart(skynet_protocol::CameraExposureStart {
            duration_s: 1.0,
            binning: 1,
            filter_id: None,
        });
        assert!(check_command(
            &expose,
            la_palma(),
            winter_midnight(),
            Limits::default(),
            &[]
        )
        .is_empty());
        let point = Command::MountPoint(skynet_protocol::MountPoint {
            target: TargetPosition::equatorial(0.0, -89.0),
        });
        assert_eq!(
            check_command(
                &point,
                la_palma(),
                winter_midnight(),
                Limits::default(),
                &[]
            )
            .len(),
            1
        );
    }

    #[test]
    fn the_local_horizon_stops_a_target_behind_it_and_the_limit_still_applies() {
        // Polaris from La Palma: about 29° up, due north.
        let polaris = TargetPosition::catalog("Polaris");
        let jd = winter_midnight();
        let low_limit = Limits {
            min_altitude_deg: 5.0,
            ..Limits::default()
        };
        let flat = [HorizonPoint {
            az_deg: 0.0,
            alt_deg: 8.0,
        }];
        assert!(check_target(&polaris, la_palma(), jd, low_limit, &flat).is_ok());
        // A hill in the north, 35° high, hides it; the south stays low.
        let hill = [
            HorizonPoint {
                az_deg: 0.0,
                alt_deg: 35.0,
            },
            HorizonPoint {
                az_deg: 90.0,
                alt_deg: 5.0,
            },
            HorizonPoint {
                az_deg: 270.0,
                alt_deg: 5.0,
            },
        ];
        let concerns = check_target(&polaris, la_palma(), jd, low_limit, &hill).unwrap_err();
        assert!(
            matches!(concerns[..], [Concern::BelowLocalHorizon { horizon_deg, .. }] if horizon_deg > 30.0),
            "{concerns:?}"
        );
        assert!(
            concerns[0].to_string().contains("local horizon"),
            "{}",
            concerns[0]
        );
        // The user's own limit applies on top of a low horizon.
        let concerns = check_target(
            &polaris,
            la_palma(),
            jd,
            Limits {
                min_altitude_deg: 40.0,
                ..low_limit
            },
            &flat,
        )
        .unwrap_err();
        assert!(
            matches!(concerns[..], [Concern::BelowLimit { .. }]),
            "{concerns:?}"
        );
    }
}
