//! What a capture run shares with its engine adapter ([`Session`]): the recorder every source
//! writes to, the capture's HTTP server, and what the header will say of the engine.

use super::server;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a capture run records besides the raw records.
pub struct Session {
    /// Every source's records.
    pub rec: server::Recorder,
    /// The capture's HTTP server (pages, versioned worker scripts, `/log`).
    pub server: std::sync::Arc<server::Server>,
    /// The browser's version.
    pub engine_version: String,
    /// Engine settings for the header.
    pub settings: BTreeMap<String, Value>,
}
