//! The sky view's geometry: an alt/az dome seen from below, zenith at the
//! centre, the horizon as the rim, north up and east on the left (as the
//! sky looks overhead), altitude linear in radius.

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
}

/// A bounded trail of where the mount pointed: `(received_at, alt, az)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trail {
    points: std::collections::VecDeque<(f64, f64, f64)>,
}

/// Points kept in a trail.
pub const TRAIL_POINTS: usize = 600;

impl Trail {
    /// Adds a pointing; an unchanged one is not repeated.
    pub fn push(&mut self, at: f64, alt_deg: f64, az_deg: f64) {
        if self
            .points
            .back()
            .is_some_and(|&(_, a, z)| (a - alt_deg).abs() < 1e-6 && (z - az_deg).abs() < 1e-6)
        {
            return;
        }
        self.points.push_back((at, alt_deg, az_deg));
        if self.points.len() > TRAIL_POINTS {
            self.points.pop_front();
        }
    }

    /// The points since `since`, oldest first, as `(alt, az)`.
    pub fn since(&self, since: f64) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .filter(|(t, _, _)| *t >= since)
            .map(|&(_, alt, az)| (alt, az))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn trails_skip_repeats_and_stay_bounded() {
        let mut t = Trail::default();
        t.push(0.0, 10.0, 20.0);
        t.push(1.0, 10.0, 20.0);
        t.push(2.0, 11.0, 20.0);
        assert_eq!(t.since(0.0), [(10.0, 20.0), (11.0, 20.0)]);
        assert_eq!(t.since(1.5), [(11.0, 20.0)]);
        for i in 0..2000 {
            t.push(f64::from(i), f64::from(i % 90), 0.0);
        }
        assert_eq!(t.since(f64::NEG_INFINITY).len(), TRAIL_POINTS);
    }
}
