//! The capture harness: runs a scenario file in a real browser and writes the trace.
//!
//! The split follows proptest-state-machine's: the model (`swspec-model`) is the reference, and
//! this module is only the adapter for the system under test. It drives the browser, records
//! raw records from every source on one clock ([`server::Recorder`]), and maps them to the shared
//! observation types ([`map`]). Traces are written atomically into a locked output folder
//! ([`OutDir`]); a capture that fails (browser crash, a step's timeout, a wait that never came,
//! a stop signal) is kept as `<scenario>.partial.jsonl`, which `swspec conform` skips, with the
//! browser's log beside it as `<scenario>.partial.log`. Nothing else outlives a capture: the
//! browser's profile, its TMPDIR and its logs live in one scratch folder ([`process::Scratch`])
//! that is removed on every path, and its processes are killed by group and by marker.
//!
//! Dependencies go one way. The shared harness knows nothing of any engine: what an engine is
//! and what the harness must know of it ([`Engine`], [`observes`]), why a capture fails
//! ([`CaptureError`], [`Unsupported`]), what a run shares with its adapter ([`Session`]), the
//! scenario format ([`scenario`]), the HTTP server and recorder ([`server`]), the step driver
//! ([`drive`]), the mapping of raw records to observations ([`map`]) and its re-run on stored
//! traces ([`remap`]), browser processes ([`process`]), stop signals ([`signal`]), the output
//! folder ([`output`]) and the DevTools/BiDi client ([`cdp`]). The engine adapters
//! ([`chromium`], [`firefox`], [`webkit`]) build on those and never on each other; this
//! module's [`capture`] alone picks an adapter and writes the trace.

pub mod cdp;
pub mod chromium;
pub mod drive;
mod engine;
mod error;
pub mod firefox;
pub mod map;
pub mod output;
pub mod process;
pub mod remap;
pub mod scenario;
pub mod server;
mod session;
pub mod signal;
pub mod webkit;

pub use drive::wait_satisfied;
pub use engine::{observes, Engine, HEARTBEAT_MS};
pub use error::{CaptureError, Unsupported};
pub use output::{write_atomically, OutDir};
pub use session::Session;

use crate::trace::{self, Header};
use scenario::Scenario;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The result of capturing one scenario.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The trace written (or the partial one).
    pub path: PathBuf,
    /// Lines after the header.
    pub events: usize,
    /// Wall time.
    pub seconds: f64,
    /// Why it failed, if it did (the trace is then `*.partial.jsonl`).
    pub error: Option<CaptureError>,
    /// The engine cannot run the scenario (`path` is then `*.unsupported.json`).
    pub unsupported: Option<Unsupported>,
    /// Records the mapping could not turn into the observation they seem to show.
    pub unmapped: Vec<String>,
    /// Where the browser's log was kept (`<scenario>.partial.log`, failed captures only).
    pub log: Option<PathBuf>,
}

/// Captures `scenario` with `engine` into `out/<scenario>.jsonl`.
pub fn capture(
    engine: Engine,
    binary: &Path,
    scenario: &Scenario,
    out: &OutDir,
) -> Result<Captured, CaptureError> {
    let out_dir = out.path();
    let started = Instant::now();
    let rec = server::Recorder::with_stamp_resolution(engine.stamp_resolution_ms());
    let server = server::Server::start(rec.clone(), scenario.behaviours(), engine.heartbeat_ms())
        .map_err(|e| CaptureError::Setup(format!("cannot start the HTTP server: {e}")))?;
    let mut session = Session {
        rec,
        server: std::sync::Arc::new(server),
        engine_version: String::new(),
        settings: BTreeMap::new(),
    };
    // Removed when this function returns, whichever way.
    let scratch = process::Scratch::new()?;
    let result = match engine {
        Engine::Chromium => chromium::run(scenario, binary, &mut session, &scratch),
        Engine::Firefox => firefox::run(scenario, binary, &mut session, &scratch),
        Engine::Webkit => webkit::run(scenario, binary, &mut session, &scratch),
    }
    .map_err(CaptureError::or_interrupted);
    let partial_log = out_dir.join(format!("{}.partial.log", scenario.name));
    if let Err(CaptureError::Setup(m)) = &result {
        // Nothing ran: no trace, partial or not (the message quotes the browser's output).
        return Err(CaptureError::Setup(m.clone()));
    }
    if let Err(CaptureError::Unsupported(u)) = &result {
        // Recorded with what was detected, instead of a trace (the runner knew neither the
        // browser's version nor the time).
        let mut u = (**u).clone();
        u.engine_version = session.engine_version.clone();
        u.captured_at = rfc3339_now();
        let path = out_dir.join(format!("{}.unsupported.json", scenario.name));
        let text = serde_json::to_string_pretty(&u).unwrap_or_default() + "\n";
        write_atomically(&path, &text)?;
        let _ = std::fs::remove_file(out_dir.join(format!("{}.partial.jsonl", scenario.name)));
        let _ = std::fs::remove_file(&partial_log);
        return Ok(Captured {
            path,
            events: 0,
            seconds: started.elapsed().as_secs_f64(),
            error: None,
            unsupported: Some(u),
            unmapped: Vec::new(),
            log: None,
        });
    }
    if let Some(hb) = engine.heartbeat_ms() {
        session.settings.insert("heartbeat_ms".into(), json!(hb));
    }
    if engine == Engine::Chromium && !scenario.profile_params.is_empty() {
        session.settings.insert(
            "profile_params".into(),
            serde_json::to_value(&scenario.profile_params).unwrap_or(Value::Null),
        );
    }
    let mut records = session.rec.snapshot();
    if result.is_err() {
        // What is stamped after the failure is the browser being torn down, not the scenario.
        let stop = records
            .iter()
            .find(|r| r.src == server::RecSrc::Driver && r.data["note"] == drive::STOP_NOTE)
            .map(|r| r.t);
        if let Some(stop) = stop {
            records.retain(|r| r.t <= stop);
        }
    }
    let mapped = map::map(&records);
    let header = Header {
        format: trace::FORMAT.into(),
        version: trace::FORMAT_VERSION,
        engine: engine.name().into(),
        engine_version: session.engine_version.clone(),
        scenario: scenario.name.clone(),
        profile: engine.profile(),
        captured_at: rfc3339_now(),
        harness: format!("swspec {}", env!("CARGO_PKG_VERSION")),
        observes: observes(engine),
        settings: session.settings.clone(),
    };
    let error = result.err();
    let name = if error.is_some() {
        format!("{}.partial.jsonl", scenario.name)
    } else {
        format!("{}.jsonl", scenario.name)
    };
    let path = out_dir.join(name);
    write_atomically(&path, &trace::Trace::to_text(&header, &mapped.events))?;
    if error.is_none() {
        // A good capture replaces any earlier partial one.
        let _ = std::fs::remove_file(out_dir.join(format!("{}.partial.jsonl", scenario.name)));
        let _ = std::fs::remove_file(&partial_log);
    }
    // A failed capture keeps the browser's log beside its partial trace.
    let log = match &error {
        Some(_) => output::keep_logs(&scratch.logs(), &partial_log),
        None => None,
    };
    Ok(Captured {
        path,
        events: mapped.events.len(),
        seconds: started.elapsed().as_secs_f64(),
        error,
        unsupported: None,
        unmapped: mapped.unmapped,
        log,
    })
}

/// Now as RFC 3339 UTC (seconds).
pub fn rfc3339_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_the_right_shape() {
        let s = rfc3339_now();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.starts_with("20") && s.ends_with('Z'), "{s}");
    }
}
