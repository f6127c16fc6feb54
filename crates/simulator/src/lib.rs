//! skynode-sim: a SkyNode simulator that speaks the SkyNet WebSocket
//! protocol as SkyNet does, over real sockets, in real (or scaled) time,
//! with real authority rules. See `docs/simulator.md`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use skynode_sim::{serve, Options, Simulator, World};
//! let sim = Simulator::start(World::builtin(), Options { time_scale: 20.0, ..Default::default() });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! serve(listener, sim).await
//! # }
//! ```

mod authority;
mod bus;
mod clock;
mod devices;
mod exec;
mod fit;
mod http;
mod interlock;
mod mount;
pub mod oauth;
mod oauth_http;
mod observatory;
pub mod preview;
mod publish;
mod safety;
mod sim;
mod sky;
mod telescope;
pub mod weather;
pub mod world;
mod ws;

pub use bus::Cut;
pub use http::app;
pub use sim::{Options, Simulator};
pub use telescope::derived_uid;
pub use world::World;

/// Serves the simulator on a bound listener until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, sim: Simulator) -> std::io::Result<()> {
    axum::serve(listener, app(sim)).await
}
