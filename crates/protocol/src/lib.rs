//! Typed messages of the SkyNet WebSocket protocol.
