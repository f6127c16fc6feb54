//! App state as plain Rust types with methods, tested on the host. Views
//! wrap them in signals; nothing here touches the DOM or a socket.

pub mod alerts;
pub mod auth;
pub mod command_log;
pub mod conditions;
pub mod connection;
pub mod display;
pub mod export;
pub mod forms;
pub mod inbox;
pub mod merged;
pub mod paging;
pub mod plot;
pub mod routing;
pub mod safety;
pub mod shortcuts;
pub mod sky;
pub mod stretch;
pub mod target_info;
pub mod telemetry;
pub mod telescope_log;
pub mod telescopes;
pub mod theme;
pub mod time;
pub mod workflow;
