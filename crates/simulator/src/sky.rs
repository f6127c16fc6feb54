//! Resolving targets to sky positions, through skydeck-astro.

use skydeck_astro::catalog;
use skydeck_astro::coords::{galactic_to_equatorial, precess, Equatorial};
use skydeck_astro::time::J2000_JD;
use skynet_protocol::{ErrorBody, ErrorCode, Frame, TargetPosition};

/// Where a target is (J2000 RA/Dec, degrees), or why it cannot be pointed at.
pub fn resolve(target: &TargetPosition, jd: f64) -> Result<Equatorial, ErrorBody> {
    match target {
        TargetPosition::Fixed(fixed) => match (&fixed.frame, fixed.ra, fixed.dec, fixed.l, fixed.b) {
            (Frame::Equatorial, Some(ra), Some(dec), _, _) => Ok(Equatorial::new(ra, dec)),
            (Frame::Galactic, _, _, Some(l), Some(b)) => Ok(galactic_to_equatorial(l, b)),
            _ => Err(ErrorBody::new(
                ErrorCode::Unsupported,
                "this fixed position lacks its coordinates or has an unknown frame",
            )),
        },
        TargetPosition::Catalog(named) => catalog::lookup(&named.name)
            .map(|object| object.position)
            .ok_or_else(|| {
                ErrorBody::new(
                    ErrorCode::UnknownTarget,
                    format!(
                        "`{}` is not in the catalog; try a Messier or NGC number, a bright star's name, or coordinates",
                        named.name
                    ),
                )
            }),
        TargetPosition::Ephemeral(body) => match body.body.to_ascii_lowercase().as_str() {
            // Apparent positions of date, brought to J2000 like everything else.
            "sun" => Ok(precess(skydeck_astro::sun::sun_position(jd), jd, J2000_JD)),
            "moon" => Ok(precess(skydeck_astro::moon::moon_position(jd), jd, J2000_JD)),
            other => Err(ErrorBody::new(
                ErrorCode::Unsupported,
                format!("the simulator computes the sun and the moon only, not `{other}`"),
            )),
        },
        TargetPosition::Orbital(_) => Err(ErrorBody::new(
            ErrorCode::Unsupported,
            "orbital targets are not supported by this telescope",
        )),
        TargetPosition::Unknown(unknown) => Err(ErrorBody::new(
            ErrorCode::Unsupported,
            format!("unknown position type `{}`", unknown.tag),
        )),
    }
}

/// The fixed equatorial target a resolved position stands for.
pub fn as_fixed(eq: Equatorial) -> TargetPosition {
    TargetPosition::equatorial(eq.ra_deg, eq.dec_deg)
}
