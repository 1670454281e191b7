//! Why a capture produced no trace ([`CaptureError`]), and the record kept instead of a trace
//! when the engine cannot run a scenario at all ([`Unsupported`]).

use serde_json::Value;
use std::fmt;

/// Why a capture did not produce a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureError {
    /// The browser or server could not be started (missing package, no DevTools address).
    Setup(String),
    /// The browser failed during the run (crash, closed connection, a command that failed).
    Browser(String),
    /// A step or wait took longer than allowed.
    Timeout(String),
    /// The scenario asked for something impossible at that point.
    Scenario(String),
    /// The trace could not be written.
    Io(String),
    /// The engine lacks an API or an automation command the scenario needs (recorded as
    /// `<scenario>.unsupported.json`, not as a trace).
    Unsupported(Box<Unsupported>),
    /// A stop signal (SIGINT, SIGTERM, SIGHUP) ended the capture: its name and where.
    Interrupted(String),
}

impl CaptureError {
    /// The error with where it happened appended: ` during step N (`do`)`.
    pub fn during(self, n: usize, step: &str) -> CaptureError {
        let at = |m: String| format!("{m} during step {n} (`{step}`)");
        match self {
            CaptureError::Browser(m) => CaptureError::Browser(at(m)),
            CaptureError::Timeout(m) => CaptureError::Timeout(at(m)),
            CaptureError::Scenario(m) => CaptureError::Scenario(at(m)),
            CaptureError::Interrupted(m) => CaptureError::Interrupted(at(m)),
            other => other,
        }
    }

    /// The error, or [`CaptureError::Interrupted`] when a stop signal came (whatever failed
    /// then failed because the capture was stopping).
    pub fn or_interrupted(self) -> CaptureError {
        match (super::signal::received(), self) {
            (_, e @ CaptureError::Interrupted(_)) => e,
            (Some(sig), _) => CaptureError::Interrupted(super::signal::name(sig).into()),
            (None, e) => e,
        }
    }
}

/// Why a scenario cannot run on an engine, with what was detected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unsupported {
    /// The scenario.
    pub scenario: String,
    /// The engine and its version.
    pub engine: String,
    /// The engine's version.
    pub engine_version: String,
    /// When it was found (RFC 3339).
    pub captured_at: String,
    /// What is missing: interface names (`SyncManager`) and automation commands
    /// (`step push: …`).
    pub missing: Vec<String>,
    /// The client page's feature detection (`'SyncManager' in self`, …, the user agent).
    pub detected: Value,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Setup(m) => write!(f, "setup failed: {m}"),
            CaptureError::Browser(m) => write!(f, "browser failed: {m}"),
            CaptureError::Timeout(m) => write!(f, "timed out: {m}"),
            CaptureError::Scenario(m) => write!(f, "scenario error: {m}"),
            CaptureError::Io(m) => write!(f, "cannot write the trace: {m}"),
            CaptureError::Unsupported(u) => {
                write!(f, "unsupported here: {}", u.missing.join("; "))
            }
            CaptureError::Interrupted(m) => write!(f, "interrupted by {m}"),
        }
    }
}

impl std::error::Error for CaptureError {}
