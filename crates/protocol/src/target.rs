//! Where to point: TargetPosition and the offset patterns a track can play.

use serde::{Deserialize, Serialize};

tagged_enum! {
    /// A position on the sky, discriminated by `position_type` [published].
    pub enum TargetPosition (tag = "position_type") {
        /// Fixed coordinates in a frame.
        "fixed" => Fixed(FixedPosition),
        /// A named object resolved by the server's catalog.
        "catalog" => Catalog(CatalogTarget),
        /// A solar-system body whose position the server computes.
        "ephemeral" => Ephemeral(EphemeralTarget),
        /// An object on an orbit given by elements.
        "orbital" => Orbital(OrbitalTarget),
    }
}

impl TargetPosition {
    /// A fixed equatorial (J2000) target, in degrees.
    pub fn equatorial(ra_deg: f64, dec_deg: f64) -> Self {
        Self::Fixed(FixedPosition {
            frame: Frame::Equatorial,
            ra: Some(ra_deg),
            dec: Some(dec_deg),
            l: None,
            b: None,
        })
    }

    /// A fixed galactic target, in degrees.
    pub fn galactic(l_deg: f64, b_deg: f64) -> Self {
        Self::Fixed(FixedPosition {
            frame: Frame::Galactic,
            ra: None,
            dec: None,
            l: Some(l_deg),
            b: Some(b_deg),
        })
    }

    /// A catalog object by name (`M51`, `Vega`).
    pub fn catalog(name: impl Into<String>) -> Self {
        Self::Catalog(CatalogTarget { name: name.into() })
    }

    /// A short human description: `RA 202.4696° Dec +47.1952°`, `M51`.
    pub fn describe(&self) -> String {
        match self {
            Self::Fixed(fixed) => match fixed.frame {
                Frame::Galactic => format!(
                    "l {:.4}° b {:+.4}°",
                    fixed.l.unwrap_or(f64::NAN),
                    fixed.b.unwrap_or(f64::NAN)
                ),
                _ => format!(
                    "RA {:.4}° Dec {:+.4}°",
                    fixed.ra.unwrap_or(f64::NAN),
                    fixed.dec.unwrap_or(f64::NAN)
                ),
            },
            Self::Catalog(catalog) => catalog.name.clone(),
            Self::Ephemeral(body) => body.body.clone(),
            Self::Orbital(orbital) => orbital.name.clone().unwrap_or_else(|| "orbital".into()),
            Self::Unknown(unknown) => format!("{} target", unknown.tag),
        }
    }
}

string_enum! {
    /// The frame of a fixed position [published].
    pub enum Frame {
        /// J2000 right ascension and declination: `ra`, `dec`.
        Equatorial = "equatorial",
        /// Galactic longitude and latitude: `l`, `b` [ours].
        Galactic = "galactic",
    }
}

/// Fixed coordinates, in degrees. Equatorial uses `ra`/`dec` [published];
/// galactic uses `l`/`b` [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedPosition {
    /// The coordinate frame.
    pub frame: Frame,
    /// Right ascension, degrees, 0 to 360 (equatorial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ra: Option<f64>,
    /// Declination, degrees, -90 to 90 (equatorial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dec: Option<f64>,
    /// Galactic longitude, degrees (galactic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l: Option<f64>,
    /// Galactic latitude, degrees (galactic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<f64>,
}

/// A catalog object by name [ours]: `{"position_type":"catalog","name":"M51"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogTarget {
    /// The object's name or designation.
    pub name: String,
}

/// A solar-system body [ours]: `{"position_type":"ephemeral","body":"moon"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EphemeralTarget {
    /// `sun`, `moon`, or a planet's name.
    pub body: String,
}

/// An orbiting object given by a two-line element set [ours].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrbitalTarget {
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The TLE's first line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "tleLine1")]
    pub tle_line1: Option<String>,
    /// The TLE's second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "tleLine2")]
    pub tle_line2: Option<String>,
}

tagged_enum! {
    /// A pattern of offsets played while tracking, tagged by `pattern_type` [ours].
    pub enum OffsetPattern (tag = "pattern_type") {
        /// A grid walked row by row.
        "raster" => Raster(RasterPattern),
        /// A rose curve around the target.
        "daisy" => Daisy(DaisyPattern),
    }
}

/// A raster: `rows` x `columns` points `step_arcsec` apart, `dwell_s` at each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RasterPattern {
    /// Distance between neighbouring points, arcseconds.
    #[serde(alias = "stepArcsec")]
    pub step_arcsec: f64,
    /// Number of rows (Dec direction).
    pub rows: u32,
    /// Number of columns (RA direction).
    pub columns: u32,
    /// Time spent at each point, seconds.
    #[serde(alias = "dwellS")]
    pub dwell_s: f64,
}

/// A daisy: `petals` petals of `radius_arcsec` around the centre, one turn per `period_s`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaisyPattern {
    /// Radius of the petals, arcseconds.
    #[serde(alias = "radiusArcsec")]
    pub radius_arcsec: f64,
    /// Number of petals.
    pub petals: u32,
    /// Time for one full turn, seconds.
    #[serde(alias = "periodS")]
    pub period_s: f64,
}

impl OffsetPattern {
    /// Where the pattern stands `t` seconds after it started, as an offset
    /// from its centre in arcseconds: (east along RA on the sky, north).
    ///
    /// A raster walks its grid row by row from the south-west corner, every
    /// other row back again (boustrophedon), `dwell_s` at each point; a daisy
    /// follows r = R·|cos(n·θ/2)|, θ one turn per `period_s`: `n` petals for
    /// any `n`, the first pointing east. Both repeat.
    /// An unknown or degenerate pattern stays on the centre.
    pub fn offset_arcsec(&self, t: f64) -> (f64, f64) {
        match self {
            Self::Raster(r) if r.rows > 0 && r.columns > 0 && r.dwell_s > 0.0 => {
                let points = u64::from(r.rows) * u64::from(r.columns);
                let index = (t / r.dwell_s).floor().max(0.0) as u64 % points;
                let columns = u64::from(r.columns);
                let row = index / columns;
                let column = if row % 2 == 0 {
                    index % columns
                } else {
                    columns - 1 - index % columns
                };
                let centre = |n: u32| (f64::from(n) - 1.0) / 2.0;
                (
                    (column as f64 - centre(r.columns)) * r.step_arcsec,
                    (row as f64 - centre(r.rows)) * r.step_arcsec,
                )
            }
            Self::Daisy(d) if d.period_s > 0.0 => {
                let theta = std::f64::consts::TAU * t / d.period_s;
                let r = d.radius_arcsec * (f64::from(d.petals) * theta / 2.0).cos().abs();
                (r * theta.cos(), r * theta.sin())
            }
            _ => (0.0, 0.0),
        }
    }

    /// Seconds the pattern takes before it repeats, when it moves at all.
    pub fn cycle_s(&self) -> Option<f64> {
        let cycle = match self {
            Self::Raster(r) => f64::from(r.rows) * f64::from(r.columns) * r.dwell_s,
            Self::Daisy(d) => d.period_s,
            Self::Unknown(_) => return None,
        };
        (cycle.is_finite() && cycle > 0.0).then_some(cycle)
    }

    /// How far from the centre the pattern reaches, arcseconds.
    pub fn reach_arcsec(&self) -> f64 {
        match self {
            Self::Raster(r) => {
                let half = |n: u32| (f64::from(n.max(1)) - 1.0) / 2.0 * r.step_arcsec.abs();
                half(r.columns).hypot(half(r.rows))
            }
            Self::Daisy(d) => d.radius_arcsec.abs(),
            Self::Unknown(_) => 0.0,
        }
    }
}

#[cfg(test)]
mod pattern_tests {
    use super::*;

    fn raster() -> OffsetPattern {
        OffsetPattern::Raster(RasterPattern {
            step_arcsec: 10.0,
            rows: 3,
            columns: 3,
            dwell_s: 2.0,
        })
    }

    #[test]
    fn a_raster_walks_its_grid_row_by_row_and_repeats() {
        let p = raster();
        assert_eq!(p.offset_arcsec(0.0), (-10.0, -10.0));
        assert_eq!(p.offset_arcsec(2.0), (0.0, -10.0));
        assert_eq!(p.offset_arcsec(6.0), (10.0, 0.0), "second row runs back");
        assert_eq!(p.offset_arcsec(18.0), (-10.0, -10.0), "and repeats");
        assert_eq!(p.cycle_s(), Some(18.0));
        assert!((p.reach_arcsec() - 200f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn a_daisy_stays_within_its_radius_and_starts_on_a_petal_tip() {
        let p = OffsetPattern::Daisy(DaisyPattern {
            radius_arcsec: 60.0,
            petals: 3,
            period_s: 60.0,
        });
        let (x, y) = p.offset_arcsec(0.0);
        assert!((x - 60.0).abs() < 1e-9 && y.abs() < 1e-9);
        for t in 0..600 {
            let (x, y) = p.offset_arcsec(f64::from(t) / 10.0);
            assert!(x.hypot(y) <= p.reach_arcsec() + 1e-9);
        }
        assert_eq!(p.cycle_s(), Some(60.0));
        // Three petals: the curve comes back to the centre three times a turn.
        let centre_passes = (0..600)
            .map(|t| p.offset_arcsec(f64::from(t) / 10.0 + 0.05))
            .map(|(x, y)| x.hypot(y) < 1.0)
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| !w[0] && w[1])
            .count();
        assert_eq!(centre_passes, 3);
    }

    #[test]
    fn degenerate_patterns_stay_on_the_centre() {
        let p = OffsetPattern::Raster(RasterPattern {
            step_arcsec: 10.0,
            rows: 0,
            columns: 3,
            dwell_s: 2.0,
        });
        assert_eq!(p.offset_arcsec(5.0), (0.0, 0.0));
        assert_eq!(p.cycle_s(), None);
    }
}
