//! One component per area of the screen. Components read the [`Console`]
//! from context, render state and call its methods; none parses JSON.
//!
//! [`Console`]: crate::console::Console

pub mod abort;
pub mod alert_settings;
pub mod conditions;
pub mod connection;
pub mod controls;
pub mod export;
pub mod fields;
pub mod gallery;
pub mod later;
pub mod lease;
pub mod log;
pub mod notices;
pub mod pager;
pub mod shortcuts;
pub mod sky;
pub mod snapshots;
pub mod telescope_log;
pub mod telescopes;
pub mod theme;
pub mod vcurve;
pub mod workflows;
