//! The trace format: JSON Lines, a header line then one event per line (see traces/README.md).
//!
//! Every parse error names the file, the line and the field (`serde_path_to_error`), and a bad
//! trace never stops the others from being checked.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use swspec_model::{Observation, Profile};

/// The `format` value of every trace header.
pub const FORMAT: &str = "swspec-trace";
/// The format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The largest timestamp accepted (2^53 ms: exact in an f64, ~285,000 years).
pub const MAX_TIMESTAMP_MS: f64 = 9_007_199_254_740_992.0;

/// The first line of a trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always `"swspec-trace"`.
    pub format: String,
    /// The format version (1).
    pub version: u32,
    /// `chromium`, `firefox`, `webkit`, or `synthetic` for traces written by hand or generated.
    pub engine: String,
    /// The engine's version string.
    pub engine_version: String,
    /// The scenario that produced it.
    pub scenario: String,
    /// The profile to check it against unless `--profile` overrides it.
    pub profile: Profile,
    /// Capture time (RFC 3339), informational.
    pub captured_at: String,
    /// The harness and its version (`swspec 0.1.0`).
    pub harness: String,
    /// The observation kinds (`type` tags) this capture reports completely. Model steps whose
    /// observations are all of other kinds are unobservable and are closed over.
    pub observes: Vec<String>,
    /// Engine settings: command-line flags, prefs, field trials.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, serde_json::Value>,
}

/// Who saw an event. Events of one source are in timestamp order.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    /// The harness's own steps.
    Driver,
    /// A page (window client).
    Page {
        /// The client id.
        client: String,
    },
    /// A service worker's script.
    Worker {
        /// The worker id.
        worker: String,
        /// The script evaluation (a new one after every start).
        instance: String,
    },
    /// DevTools / the browser side (version status, running status, background services).
    Devtools,
    /// The harness's reading of a worker's heartbeat and script instances, where the engine
    /// reports no running status (Firefox, WebKit): a new instance is a start, a heartbeat
    /// that stops coming is a stop.
    Heartbeat {
        /// The worker id.
        worker: String,
    },
    /// The harness's HTTP server.
    Server,
}

/// One line after the header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Milliseconds on the trace's one monotonic clock.
    pub t: f64,
    /// When only an interval is known (a stop inferred from a missing heartbeat): the earliest
    /// time it can have happened; `t` is then the latest. The checker may order the event
    /// anywhere in that interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<f64>,
    /// Who saw it.
    pub src: Source,
    /// What was seen; absent for informational lines the checker skips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obs: Option<Observation<String>>,
    /// The raw payload it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<serde_json::Value>,
}

/// A parsed trace, with each event's line number.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Where it came from.
    pub path: PathBuf,
    /// The header.
    pub header: Header,
    /// The events with their 1-based line numbers.
    pub events: Vec<(usize, Event)>,
}

/// Unusable input, located.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// The file.
    #[serde(rename = "file")]
    pub path: PathBuf,
    /// The 1-based line, when the problem is on one.
    pub line: Option<usize>,
    /// The field path within the line (`obs.worker`), when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

fn err(path: &Path, line: Option<usize>, field: Option<String>, message: String) -> InputError {
    InputError {
        path: path.to_path_buf(),
        line,
        field,
        message,
    }
}

fn parse_line<T: serde::de::DeserializeOwned>(
    path: &Path,
    line_no: usize,
    text: &str,
) -> Result<T, InputError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let field = (field != ".").then_some(field);
        let inner = e.into_inner();
        let message = if inner.is_eof() {
            format!("truncated line: {inner}")
        } else {
            inner.to_string()
        };
        err(path, Some(line_no), field, message)
    })?;
    de.end().map_err(|e| {
        err(
            path,
            Some(line_no),
            None,
            format!("trailing characters: {e}"),
        )
    })?;
    Ok(value)
}

fn is_header_line(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("format").cloned())
        .is_some()
}

impl Trace {
    /// Reads and parses a trace file.
    pub fn read(path: &Path) -> Result<Trace, InputError> {
        let bytes = std::fs::read(path).map_err(|e| err(path, None, None, e.to_string()))?;
        Self::parse(path, &bytes)
    }

    /// Parses trace bytes (`path` is for messages).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Trace, InputError> {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                return Err(err(
                    path,
                    Some(line),
                    None,
                    format!("not UTF-8 (byte offset {})", e.valid_up_to()),
                ));
            }
        };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((first_no, first)) = lines.next() else {
            return Err(err(path, None, None, "empty trace: no header line".into()));
        };
        if !is_header_line(first) {
            return Err(err(
                path,
                Some(first_no),
                Some("format".into()),
                "the first line must be the header (`{\"format\":\"swspec-trace\",...}`)".into(),
            ));
        }
        let header: Header = parse_line(path, first_no, first)?;
        if header.format != FORMAT {
            return Err(err(
                path,
                Some(first_no),
                Some("format".into()),
                format!("expected \"{FORMAT}\", found {:?}", header.format),
            ));
        }
        if header.version != FORMAT_VERSION {
            return Err(err(
                path,
                Some(first_no),
                Some("version".into()),
                format!(
                    "format version {} is not supported (this build reads {FORMAT_VERSION})",
                    header.version
                ),
            ));
        }
        for (i, k) in header.observes.iter().enumerate() {
            if !Observation::<String>::KINDS.contains(&k.as_str()) {
                return Err(err(
                    path,
                    Some(first_no),
                    Some(format!("observes[{i}]")),
                    format!("unknown observation kind {k:?}"),
                ));
            }
        }
        let mut events = Vec::new();
        let mut last_t: BTreeMap<Source, f64> = BTreeMap::new();
        for (no, l) in lines {
            if is_header_line(l) {
                return Err(err(
                    path,
                    Some(no),
                    Some("format".into()),
                    "a header line after the first line".into(),
                ));
            }
            let e: Event = parse_line(path, no, l)?;
            if !e.t.is_finite() || e.t < 0.0 || e.t > MAX_TIMESTAMP_MS {
                return Err(err(
                    path,
                    Some(no),
                    Some("t".into()),
                    format!("timestamp {} is outside 0..=2^53 ms", e.t),
                ));
            }
            if let Some(lo) = e.earliest {
                if !lo.is_finite() || lo < 0.0 || lo > e.t {
                    return Err(err(
                        path,
                        Some(no),
                        Some("earliest".into()),
                        format!("earliest {lo} is not within 0..=t ({})", e.t),
                    ));
                }
            }
            if let Some(prev) = last_t.get(&e.src) {
                if e.t < *prev {
                    return Err(err(
                        path,
                        Some(no),
                        Some("t".into()),
                        format!(
                            "timestamp {} goes backwards within source {:?} (previous {prev})",
                            e.t, e.src
                        ),
                    ));
                }
            }
            last_t.insert(e.src.clone(), e.t);
            if let Some(obs) = &e.obs {
                if let Some(field) = obs_too_big(obs) {
                    return Err(err(path, Some(no), Some(field), "too many tags".into()));
                }
            }
            events.push((no, e));
        }
        Ok(Trace {
            path: path.to_path_buf(),
            header,
            events,
        })
    }

    /// Serialises a header and events as trace text.
    pub fn to_text(header: &Header, events: &[Event]) -> String {
        // Serialising these plain types cannot fail.
        let line = |v: serde_json::Result<String>| v.unwrap_or_default() + "\n";
        let mut out = line(serde_json::to_string(header));
        for e in events {
            out.push_str(&line(serde_json::to_string(e)));
        }
        out
    }
}

fn obs_too_big(obs: &Observation<String>) -> Option<String> {
    match obs {
        Observation::SyncTags { tags, .. } if tags.len() > 64 => Some("obs.tags".into()),
        _ => None,
    }
}

/// Collects the trace files under `paths` (files as given, folders recursively: `*.jsonl`,
/// skipping `*.partial.jsonl`), sorted.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| err(p, None, None, e.to_string()))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let rd = std::fs::read_dir(dir).map_err(|e| err(dir, None, None, e.to_string()))?;
    for entry in rd {
        let entry = entry.map_err(|e| err(dir, None, None, e.to_string()))?;
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".jsonl") && !name.ends_with(".partial.jsonl") {
                out.push(p);
            }
        }
    }
    Ok(())
}

/// The JSON Schema of a trace line: either a [`Header`] or an [`Event`].
pub fn schema() -> serde_json::Value {
    let header = schemars::schema_for!(Header);
    let event = schemars::schema_for!(Event);
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "swspec trace line (format version 1)",
        "description": "A trace is JSON Lines: the first line is a Header, every other line an Event. Generated from the Rust types by `swspec schema`; tests/schema.rs keeps traces/schema.json in sync.",
        "oneOf": [ {"$ref": "#/$defs/Header"}, {"$ref": "#/$defs/Event"} ],
        "$defs": merge_defs(&[("Header", header), ("Event", event)]),
    })
}

fn merge_defs(roots: &[(&str, schemars::Schema)]) -> serde_json::Value {
    let mut defs = serde_json::Map::new();
    for (name, schema) in roots {
        let mut v = schema.clone().to_value();
        if let Some(obj) = v.as_object_mut() {
            if let Some(serde_json::Value::Object(d)) = obj.remove("$defs") {
                defs.extend(d);
            }
            obj.remove("$schema");
        }
        defs.insert((*name).to_string(), v);
    }
    serde_json::Value::Object(defs)
}
