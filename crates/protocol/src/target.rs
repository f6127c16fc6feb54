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
    pub tle_line1: Option<String>,
    /// The TLE's second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    pub step_arcsec: f64,
    /// Number of rows (Dec direction).
    pub rows: u32,
    /// Number of columns (RA direction).
    pub columns: u32,
    /// Time spent at each point, seconds.
    pub dwell_s: f64,
}

/// A daisy: a rose curve of `petals` petals of `radius_arcsec`, one turn per `period_s`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaisyPattern {
    /// Radius of the petals, arcseconds.
    pub radius_arcsec: f64,
    /// Number of petals.
    pub petals: u32,
    /// Time for one full turn, seconds.
    pub period_s: f64,
}
