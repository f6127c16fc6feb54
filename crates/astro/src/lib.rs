//! Positional astronomy and a bright-object catalog, shared by the SkyDeck app
//! and the `skynode-sim` simulator.
//!
//! Everything here is pure Rust `std` with no dependencies, so it builds for
//! `wasm32-unknown-unknown` as well as the host. No function reads the clock:
//! every time-dependent function takes the time as an argument (a Julian date,
//! UT, unless said otherwise), which keeps results reproducible and testable.
//!
//! Conventions at the API: angles are `f64` degrees; right ascension in
//! `[0, 360)`; azimuth from North through East in `[0, 360)`; longitude east
//! positive. The formulae follow Jean Meeus, *Astronomical Algorithms*
//! (2nd ed., 1998), cited per function as "Meeus".
//!
//! Modules:
//! - [`time`]: Julian dates and sidereal time.
//! - [`coords`]: equatorial, horizontal and galactic coordinates, precession.
//! - [`ecliptic`]: obliquity, nutation and ecliptic-to-equatorial conversion.
//! - [`sun`] and [`moon`]: low-precision positions of the Sun and the Moon.
//! - [`rise_set`]: rise, transit and set times.
//! - [`twilight`]: tonight's sunset, twilights and sunrise at a site.
//! - [`sexagesimal`]: parsing and formatting of `05h34m31.9s` / `+22°00'52"`.
//! - [`catalog`]: the built-in catalog of Messier, bright NGC/IC objects and
//!   named stars, with lookup and search-as-you-type.

pub mod catalog;
pub mod coords;
pub mod ecliptic;
pub mod moon;
pub mod rise_set;
pub mod sexagesimal;
pub mod sun;
pub mod time;
pub mod twilight;

pub use catalog::{CatalogObject, ObjectKind};
pub use coords::{Equatorial, Horizontal, Site};
pub use rise_set::{RiseTransitSet, Visibility};
pub use sexagesimal::ParseError;
