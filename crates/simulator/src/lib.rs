//! skynode-sim: a SkyNode simulator speaking the SkyNet WebSocket protocol.

pub mod preview;
