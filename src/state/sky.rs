//! The sky view's geometry: an alt/az dome seen from below, zenith at the
//! centre, the horizon as the rim, north up and east on the left (as the
//! sky looks overhead), altitude linear in radius; and the inset that
//! shows an offset pattern around its centre, arcseconds across.

use skydeck_astro::coords::{wrap_180, Equatorial};
use skynet_protocol::{horizon_altitude, HorizonPoint, MountState, OffsetPattern};

use super::time::push_stepped;

/// The dome's centre and radius in SVG units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dome {
    /// Centre x.
    pub cx: f64,
    /// Centre y.
    pub cy: f64,
    /// Radius of the horizon.
    pub r: f64,
}

impl Dome {
    /// Where altitude `alt_deg` and azimuth `az_deg` (north through east)
    /// fall; `None` below the horizon.
    pub fn project(&self, alt_deg: f64, az_deg: f64) -> Option<(f64, f64)> {
        if !(alt_deg.is_finite() && az_deg.is_finite()) || alt_deg < 0.0 {
            return None;
        }
        let radius = self.r * (90.0 - alt_deg.min(90.0)) / 90.0;
        let az = az_deg.to_radians();
        Some((self.cx - radius * az.sin(), self.cy - radius * az.cos()))
    }

    /// The altitude and azimuth under a point; `None` outside the horizon.
    pub fn unproject(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let (dx, dy) = (self.cx - x, self.cy - y);
        let radius = dx.hypot(dy);
        if radius > self.r {
            return None;
        }
        let alt = 90.0 - radius / self.r * 90.0;
        let az = dx.atan2(dy).to_degrees().rem_euclid(360.0);
        Some((alt, az))
    }

    /// The radius of the altitude circle `alt_deg`.
    pub fn ring(&self, alt_deg: f64) -> f64 {
        self.r * (90.0 - alt_deg.clamp(0.0, 90.0)) / 90.0
    }

    /// The sky a local horizon hides, as an SVG path: the rim all round,
    /// then the horizon's profile back (every 2° of azimuth), filled with
    /// the even-odd rule. `None` without a horizon.
    pub fn horizon_path(&self, horizon: &[HorizonPoint]) -> Option<String> {
        horizon_altitude(horizon, 0.0)?;
        let point = |alt: f64, az: f64| {
            let radius = self.ring(alt);
            let a = az.to_radians();
            format!(
                "{:.1} {:.1}",
                self.cx - radius * a.sin(),
                self.cy - radius * a.cos()
            )
        };
        let azimuths: Vec<f64> = (0..=180).map(|i| f64::from(i) * 2.0).collect();
        let rim: Vec<String> = azimuths.iter().map(|&az| point(0.0, az)).collect();
        let profile: Vec<String> = azimuths
            .iter()
            .rev()
            .map(|&az| point(horizon_altitude(horizon, az).unwrap_or(0.0), az))
            .collect();
        Some(format!("M{} Z M{} Z", rim.join(" L"), profile.join(" L")))
    }
}

/// Where the mount pointed when a snapshot arrived.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pointed {
    /// When the snapshot arrived, ms since the epoch.
    pub at: f64,
    /// Altitude, degrees.
    pub alt_deg: f64,
    /// Azimuth, degrees.
    pub az_deg: f64,
    /// Right ascension (J2000), degrees.
    pub ra_deg: f64,
    /// Declination (J2000), degrees.
    pub dec_deg: f64,
}

/// A bounded trail of where the mount pointed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trail {
    points: std::collections::VecDeque<Pointed>,
}

/// Points kept in a trail.
pub const TRAIL_POINTS: usize = 600;
/// A trail's step, ms: a new point starts once this long has passed since
/// the point before the newest (until then the newest moves with the
/// mount), so the trail reaches back `TRAIL_POINTS` steps however fast
/// snapshots come.
pub const TRAIL_STEP_MS: f64 = 1_000.0;

impl Trail {
    /// Adds the pointing of a mount snapshot (or moves the newest point to
    /// it, within a step); an unchanged one is not repeated.
    pub fn push(&mut self, at: f64, mount: &MountState) {
        let same = |a: f64, b: f64| (a - b).abs() < 1e-9;
        if self.points.back().is_some_and(|p| {
            same(p.alt_deg, mount.alt_deg)
                && same(p.az_deg, mount.az_deg)
                && same(p.ra_deg, mount.ra_deg)
                && same(p.dec_deg, mount.dec_deg)
        }) {
            return;
        }
        let pointed = Pointed {
            at,
            alt_deg: mount.alt_deg,
            az_deg: mount.az_deg,
            ra_deg: mount.ra_deg,
            dec_deg: mount.dec_deg,
        };
        let added = push_stepped(&mut self.points, pointed, |p| p.at, TRAIL_STEP_MS);
        if added && self.points.len() > TRAIL_POINTS {
            self.points.pop_front();
        }
    }

    /// The points since `since`, oldest first.
    pub fn since(&self, since: f64) -> impl Iterator<Item = &Pointed> {
        self.points.iter().filter(move |p| p.at >= since)
    }
}

/// The offset of `(ra_deg, dec_deg)` from `centre`, arcseconds east (along
/// RA, on the sky) and north, as an offset pattern counts it.
pub fn offset_arcsec(centre: Equatorial, ra_deg: f64, dec_deg: f64) -> (f64, f64) {
    let east = wrap_180(ra_deg - centre.ra_deg) * centre.dec_deg.to_radians().cos();
    (east * 3600.0, (dec_deg - centre.dec_deg) * 3600.0)
}

/// The path a pattern plays over one cycle, as offsets in arcseconds: a
/// raster's points in the order it visits them, a daisy's curve sampled.
pub fn pattern_plan(pattern: &OffsetPattern) -> Vec<(f64, f64)> {
    let Some(cycle) = pattern.cycle_s() else {
        return Vec::new();
    };
    match pattern {
        OffsetPattern::Raster(r) => {
            let points = r.rows * r.columns;
            (0..points)
                .map(|i| pattern.offset_arcsec((f64::from(i) + 0.5) * r.dwell_s))
                .collect()
        }
        _ => {
            const SAMPLES: u32 = 360;
            (0..=SAMPLES)
                .map(|i| pattern.offset_arcsec(cycle * f64::from(i) / f64::from(SAMPLES)))
                .collect()
        }
    }
}

/// A square close-up around a pattern's centre, `size` SVG units wide,
/// oriented like the dome (north up, east left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inset {
    /// Width and height in SVG units.
    pub size: f64,
    /// The offset, arcseconds, that reaches the edge.
    pub half_width_arcsec: f64,
}

impl Inset {
    /// An inset that shows all of `pattern` with a margin.
    pub fn around(pattern: &OffsetPattern, size: f64) -> Self {
        Self {
            size,
            half_width_arcsec: (pattern.reach_arcsec() * 1.25).max(1.0),
        }
    }

    /// Where an offset falls; `None` outside the square.
    pub fn project(&self, east_arcsec: f64, north_arcsec: f64) -> Option<(f64, f64)> {
        let h = self.half_width_arcsec;
        if !(east_arcsec.abs() <= h && north_arcsec.abs() <= h) {
            return None;
        }
        let scale = self.size / 2.0 / h;
        Some((
            self.size / 2.0 - east_arcsec * scale,
            self.size / 2.0 - north_arcsec * scale,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_horizon_is_drawn_between_the_rim_and_its_profile() {
        let dome = Dome {
            cx: 100.0,
            cy: 100.0,
            r: 90.0,
        };
        assert_eq!(dome.horizon_path(&[]), None);
        let horizon = [
            HorizonPoint {
                az_deg: 0.0,
                alt_deg: 45.0,
            },
            HorizonPoint {
                az_deg: 180.0,
                alt_deg: 0.0,
            },
        ];
        let path = dome.horizon_path(&horizon).expect("a path");
        // The rim starts due north on the horizon circle (y = 10), the
        // profile ends there half way up (45°: y = 55).
        assert!(path.starts_with("M100.0 10.0 L"), "{path}");
        assert!(path.ends_with("L100.0 55.0 Z"), "{path}");
        assert_eq!(path.matches('M').count(), 2);
    }

    const DOME: Dome = Dome {
        cx: 100.0,
        cy: 100.0,
        r: 90.0,
    };

    #[test]
    fn zenith_centre_horizon_rim_north_up_east_left() {
        assert_eq!(DOME.project(90.0, 123.0), Some((100.0, 100.0)));
        let (x, y) = DOME.project(0.0, 0.0).unwrap();
        assert!(
            (x - 100.0).abs() < 1e-9 && (y - 10.0).abs() < 1e-9,
            "north at the top"
        );
        let (x, y) = DOME.project(0.0, 90.0).unwrap();
        assert!(
            (x - 10.0).abs() < 1e-9 && (y - 100.0).abs() < 1e-9,
            "east on the left"
        );
        let (x, _) = DOME.project(45.0, 270.0).unwrap();
        assert!(
            (x - 145.0).abs() < 1e-9,
            "west on the right, half way out at 45°"
        );
        assert_eq!(
            DOME.project(-1.0, 0.0),
            None,
            "below the horizon is not drawn"
        );
    }

    #[test]
    fn clicks_map_back_to_alt_az() {
        for (alt, az) in [(10.0, 20.0), (45.0, 135.0), (80.0, 300.0), (0.5, 359.0)] {
            let (x, y) = DOME.project(alt, az).unwrap();
            let (a, z) = DOME.unproject(x, y).unwrap();
            assert!(
                (a - alt).abs() < 1e-9 && (z - az).abs() < 1e-9,
                "{alt},{az} -> {a},{z}"
            );
        }
        assert_eq!(DOME.unproject(0.0, 0.0), None, "outside the horizon");
        assert!((DOME.ring(30.0) - 60.0).abs() < 1e-9);
    }

    fn mount(alt_deg: f64, ra_deg: f64) -> MountState {
        MountState {
            ra_deg,
            dec_deg: 10.0,
            alt_deg,
            az_deg: 20.0,
            slewing: false,
            tracking: true,
            parked: false,
            target: None,
            offset_pattern: None,
        }
    }

    #[test]
    fn trails_skip_repeats_and_stay_bounded() {
        let step = TRAIL_STEP_MS;
        let mut t = Trail::default();
        t.push(0.0, &mount(10.0, 5.0));
        t.push(step, &mount(10.0, 5.0));
        t.push(2.0 * step, &mount(11.0, 5.0));
        t.push(3.0 * step, &mount(11.0, 5.001));
        let alts: Vec<f64> = t.since(0.0).map(|p| p.alt_deg).collect();
        assert_eq!(
            alts,
            [10.0, 11.0, 11.0],
            "a tracked RA change is a new point"
        );
        assert_eq!(t.since(1.5 * step).count(), 2);
        for i in 0..2000 {
            t.push(f64::from(i) * step, &mount(f64::from(i % 90), 0.0));
        }
        assert_eq!(t.since(f64::NEG_INFINITY).count(), TRAIL_POINTS);
        // Within a step the newest point follows the mount; then a new one
        // starts.
        let mut t = Trail::default();
        for i in 0..=20 {
            t.push(f64::from(i) * step / 10.0, &mount(f64::from(i), 0.0));
        }
        let alts: Vec<f64> = t.since(0.0).map(|p| p.alt_deg).collect();
        assert_eq!(alts.first(), Some(&0.0));
        assert_eq!(alts.last(), Some(&20.0), "the newest is where the mount is");
        assert!(alts.len() <= 4, "{alts:?}");
    }

    #[test]
    fn offsets_count_east_on_the_sky_and_wrap_at_zero_ra() {
        let centre = Equatorial::new(359.99, 60.0);
        let (east, north) = offset_arcsec(centre, 0.01, 60.0 + 30.0 / 3600.0);
        assert!(
            (east - 0.02 * 3600.0 * 0.5).abs() < 1e-6,
            "{east}: cos 60° halves RA"
        );
        assert!((north - 30.0).abs() < 1e-6, "{north}");
        // The protocol's pattern, played from a centre, is read back.
        let pattern = OffsetPattern::Raster(skynet_protocol::RasterPattern {
            step_arcsec: 20.0,
            rows: 2,
            columns: 3,
            dwell_s: 1.0,
        });
        let (dx, dy) = pattern.offset_arcsec(4.0);
        let centre = Equatorial::new(83.8, -5.4);
        let dec = centre.dec_deg + dy / 3600.0;
        let ra = centre.ra_deg + dx / 3600.0 / centre.dec_deg.to_radians().cos();
        let (east, north) = offset_arcsec(centre, ra, dec);
        assert!((east - dx).abs() < 1e-6 && (north - dy).abs() < 1e-6);
    }

    #[test]
    fn a_plan_visits_every_raster_point_once_and_closes_a_daisy() {
        let raster = OffsetPattern::Raster(skynet_protocol::RasterPattern {
            step_arcsec: 30.0,
            rows: 3,
            columns: 4,
            dwell_s: 10.0,
        });
        let plan = pattern_plan(&raster);
        assert_eq!(plan.len(), 12);
        assert_eq!(plan[0], (-45.0, -30.0));
        assert_eq!(
            plan[4],
            (45.0, 0.0),
            "the second row starts at the east end"
        );
        let daisy = OffsetPattern::Daisy(skynet_protocol::DaisyPattern {
            radius_arcsec: 120.0,
            petals: 6,
            period_s: 60.0,
        });
        let plan = pattern_plan(&daisy);
        let (first, last) = (plan[0], plan[plan.len() - 1]);
        assert!((first.0 - last.0).abs() < 1e-6 && (first.1 - last.1).abs() < 1e-6);
    }

    #[test]
    fn the_inset_fits_the_pattern_with_north_up_and_east_left() {
        let daisy = OffsetPattern::Daisy(skynet_protocol::DaisyPattern {
            radius_arcsec: 100.0,
            petals: 4,
            period_s: 60.0,
        });
        let inset = Inset::around(&daisy, 100.0);
        assert_eq!(inset.project(0.0, 0.0), Some((50.0, 50.0)));
        let (x, y) = inset.project(100.0, 0.0).unwrap();
        assert!(
            x < 50.0 && x > 0.0 && (y - 50.0).abs() < 1e-9,
            "east is left, inside"
        );
        let (_, y) = inset.project(0.0, 100.0).unwrap();
        assert!(y < 50.0, "north is up");
        assert_eq!(
            inset.project(0.0, 1000.0),
            None,
            "a slew far away is off the inset"
        );
        assert!(pattern_plan(&daisy)
            .into_iter()
            .all(|(e, n)| inset.project(e, n).is_some()));
    }
}
