//! The capture harness: runs a scenario file in a real browser and writes the trace.
//!
//! The split follows proptest-state-machine's: the model (`swspec-model`) is the reference, and
//! this module is only the adapter for the system under test. It drives the browser, records
//! raw records from every source on one clock ([`server::Recorder`]), and maps them to the shared
//! observation types ([`map`]). Traces are written atomically; a capture that fails (browser
//! crash, a step's timeout, a wait that never came) is kept as `<scenario>.partial.jsonl`, which
//! `swspec conform` skips.

pub mod cdp;
pub mod chromium;
pub mod drive;
pub mod firefox;
pub mod map;
pub mod process;
pub mod scenario;
pub mod server;
pub mod webkit;

use crate::trace::{self, Event, Header};
use scenario::{Scenario, Step};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use swspec_model::{Observation, Profile};

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
        }
    }
}

impl std::error::Error for CaptureError {}

/// The engines the harness drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Debian's Chromium over DevTools.
    Chromium,
    /// Debian's Firefox ESR over WebDriver BiDi.
    Firefox,
    /// Debian's WebKitGTK (WebKitWebDriver + MiniBrowser) over WebDriver classic, under Xvfb.
    Webkit,
}

impl Engine {
    /// Every engine.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::Webkit];

    /// Parses `--engine`.
    pub fn from_name(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == s)
    }
    /// The engine's name in trace headers.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::Webkit => "webkit",
        }
    }
    /// The profile its traces are checked against.
    pub fn profile(self) -> Profile {
        match self {
            Engine::Chromium => Profile::Chromium,
            Engine::Firefox => Profile::Firefox,
            Engine::Webkit => Profile::Webkit,
        }
    }
    /// The browser (or driver) binary used unless `--browser` says otherwise.
    pub fn default_binary(self) -> &'static str {
        match self {
            Engine::Chromium => chromium::DEFAULT_BINARY,
            Engine::Firefox => firefox::DEFAULT_BINARY,
            Engine::Webkit => webkit::DEFAULT_BINARY,
        }
    }
    /// How often the worker reports a heartbeat: only where the engine exposes no running
    /// status (see [`map`]). Firefox and WebKit: [`firefox::HEARTBEAT_MS`].
    pub fn heartbeat_ms(self) -> Option<u32> {
        match self {
            Engine::Chromium => None,
            Engine::Firefox | Engine::Webkit => Some(firefox::HEARTBEAT_MS),
        }
    }
    /// Why the engine's automation cannot take `step`, if it cannot: Firefox and WebKit have
    /// no command to stop a worker, emulate its network, grant permissions or inject events.
    pub fn lacks(self, step: &Step) -> Option<String> {
        if self == Engine::Chromium {
            return None;
        }
        let what = match step {
            Step::StopWorker => "stop a service worker",
            Step::GoOffline | Step::GoOnline => "take a service worker offline",
            Step::Grant { .. } => "grant a permission",
            Step::DispatchPeriodicSync { .. } => "dispatch a periodicsync event",
            Step::Push { .. } => "deliver a push message",
            _ => return None,
        };
        Some(format!(
            "step `{}`: {}'s automation cannot {what}",
            step_name(step),
            self.name()
        ))
    }
}

/// A step's `do` name.
fn step_name(step: &Step) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.get("do").and_then(Value::as_str).map(String::from))
        .unwrap_or_default()
}

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
    /// Where the browser's stderr was kept (failed captures only).
    pub log: Option<PathBuf>,
}

/// The observation kinds a capture of `engine` reports completely. `update_found` is left out:
/// only pages holding the registration object see it, so its count depends on the pages. So is
/// `state_change` where no DevTools reports version status (Firefox, WebKit): pages see state
/// changes only while one is open and holds the worker object. Their `running_status` comes
/// from the worker's heartbeat and instance ids ([`map`]).
pub fn observes(engine: Engine) -> Vec<String> {
    let partial: &[&str] = match engine {
        Engine::Chromium => &["update_found"],
        Engine::Firefox | Engine::Webkit => &["update_found", "state_change"],
    };
    Observation::<u8>::KINDS
        .iter()
        .filter(|k| !partial.contains(k))
        .map(|k| k.to_string())
        .collect()
}

/// Captures `scenario` with `engine` into `out_dir/<scenario>.jsonl`.
pub fn capture(
    engine: Engine,
    binary: &Path,
    scenario: &Scenario,
    out_dir: &Path,
) -> Result<Captured, CaptureError> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| CaptureError::Io(format!("{}: {e}", out_dir.display())))?;
    let started = Instant::now();
    let rec = server::Recorder::new();
    let server = server::Server::start(rec.clone(), scenario.behaviours(), engine.heartbeat_ms())
        .map_err(|e| CaptureError::Setup(format!("cannot start the HTTP server: {e}")))?;
    let mut session = Session {
        rec,
        server: std::sync::Arc::new(server),
        engine_version: String::new(),
        settings: BTreeMap::new(),
    };
    let log_dir = std::env::temp_dir().join(format!(
        "swspec-capture-{}-{}",
        std::process::id(),
        scenario.name
    ));
    let _ = std::fs::create_dir_all(&log_dir);
    let result = match engine {
        Engine::Chromium => chromium::run(scenario, binary, &mut session, &log_dir),
        Engine::Firefox => firefox::run(scenario, binary, &mut session, &log_dir),
        Engine::Webkit => webkit::run(scenario, binary, &mut session, &log_dir),
    };
    if let Err(CaptureError::Setup(m)) = &result {
        // Nothing ran: no trace, partial or not. The browser's log is kept if it wrote one.
        let _ = std::fs::remove_dir(&log_dir);
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
        let _ = std::fs::remove_dir_all(&log_dir);
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
    let mapped = map::map(&session.rec.snapshot());
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
    }
    // A failed capture keeps the browser's log beside nothing else: its path is reported.
    let log = if error.is_some() {
        Some(log_dir)
    } else {
        let _ = std::fs::remove_dir_all(&log_dir);
        None
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

/// Writes `text` to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), CaptureError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CaptureError::Io(format!("{}: {e}", path.display()))
        })
}

/// Whether a `wait` step is satisfied by the events recorded at or after `since`.
pub fn wait_satisfied(step: &Step, mapped: &map::Mapped, since: f64) -> bool {
    let Step::Wait {
        obs,
        version,
        state,
        status,
        event,
        tag,
        client,
        count,
        ..
    } = step
    else {
        return true;
    };
    let wanted = [
        ("state", state),
        ("status", status),
        ("event", event),
        ("tag", tag),
        ("client", client),
    ];
    let recent = || mapped.events.iter().filter(|e: &&Event| e.t >= since - 1.0);
    // Where no DevTools reports version status, a worker's own `state` records and the pages'
    // `statechange` records stand in (informational lines: they are not observations).
    let seen_state = |e: &Event| {
        let raw = e.raw.as_ref()?;
        let st = raw.get("state").and_then(Value::as_str)?;
        let ok = match (&e.src, raw.get("ev").and_then(Value::as_str)) {
            (trace::Source::Worker { .. }, Some("state")) => {
                version.is_none_or(|v| raw.get("v").and_then(Value::as_u64) == Some(v as u64))
            }
            (trace::Source::Page { .. }, Some("statechange")) => version.is_none(),
            _ => false,
        };
        (ok && e.obs.is_none() && state.as_deref().is_none_or(|w| w == st)).then_some(())
    };
    let stand_ins = if obs == "state_change" {
        recent().filter(|e| seen_state(e).is_some()).count()
    } else {
        0
    };
    let n = stand_ins
        + recent()
            .filter_map(|e| e.obs.as_ref())
            .filter(|o| o.kind() == obs)
            .filter_map(|o| serde_json::to_value(o).ok())
            .filter(|v| {
                let field = |k: &str| v.get(k).and_then(Value::as_str);
                wanted
                    .iter()
                    .all(|(k, want)| want.as_deref().is_none_or(|w| field(k) == Some(w)))
                    && version.is_none_or(|ver| {
                        field("worker").is_some_and(|w| mapped.versions.get(w) == Some(&ver))
                    })
            })
            .count();
    n >= *count as usize
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
    fn observes_everything_but_update_found() {
        let o = observes(Engine::Chromium);
        assert!(!o.iter().any(|k| k == "update_found"));
        assert_eq!(o.len(), Observation::<u8>::KINDS.len() - 1);
    }

    #[test]
    fn rfc3339_has_the_right_shape() {
        let s = rfc3339_now();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.starts_with("20") && s.ends_with('Z'), "{s}");
    }
}
