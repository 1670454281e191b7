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
/// The longest line read by default (1 MiB; the longest captured line is about 1.3 KB). A line
/// is parsed into values about 17 times its size, so the cap bounds the memory one line costs.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// What a trace may hold before it is refused, for memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest line, in bytes (default [`MAX_LINE_BYTES`]; `swspec conform
    /// --max-line-bytes`).
    pub max_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: MAX_LINE_BYTES,
        }
    }
}

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
        let inner = e.into_inner();
        let deep = inner.to_string().contains("recursion limit");
        let field = (field != ".").then(|| if deep { shorten(&field) } else { field });
        let message = if inner.is_eof() {
            format!("truncated line: {inner}")
        } else if deep {
            format!("{inner} (values nested deeper than 128 levels)")
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

/// A field path cut to its first 60 characters (a deeply nested one is thousands long).
fn shorten(field: &str) -> String {
    match field.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &field[..i]),
        None => field.to_string(),
    }
}

/// Just enough of a line to tell a header: whether it is an object with a `format` key. Every
/// value is skipped without being built, and a line that is not an object is refused at its
/// first byte.
struct Probe(bool);

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = Probe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Probe, A::Error> {
                let mut format = false;
                while let Some(k) = m.next_key::<String>()? {
                    format |= k == "format";
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(Probe(format))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// Whether a line is a header: `Ok(true)` for a JSON object with a `format` key, the JSON error
/// when it is not JSON at all.
fn probe_header(text: &str) -> Result<bool, serde_json::Error> {
    match serde_json::from_str::<Probe>(text) {
        Ok(Probe(format)) => Ok(format),
        // An array or a scalar is JSON, only not an object.
        Err(e) if e.is_data() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The message for a line that is not JSON: the parser's, with what a recursion limit means.
fn not_json(e: &serde_json::Error) -> String {
    let m = e.to_string();
    if m.contains("recursion limit") {
        format!("not JSON this parser reads: {m} (values nested deeper than 128 levels)")
    } else {
        format!("not JSON: {m}")
    }
}

impl Trace {
    /// Reads and parses a trace file.
    pub fn read(path: &Path) -> Result<Trace, InputError> {
        Self::read_with(path, &Limits::default())
    }

    /// Reads and parses a trace file within `limits`.
    pub fn read_with(path: &Path, limits: &Limits) -> Result<Trace, InputError> {
        let bytes = std::fs::read(path).map_err(|e| err(path, None, None, e.to_string()))?;
        Self::parse_with(path, &bytes, limits)
    }

    /// Parses trace bytes (`path` is for messages).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Trace, InputError> {
        Self::parse_with(path, bytes, &Limits::default())
    }

    /// Parses trace bytes within `limits` (`path` is for messages).
    pub fn parse_with(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Trace, InputError> {
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            return Err(err(
                path,
                Some(1),
                None,
                "the file starts with a UTF-8 byte order mark (BOM), which JSON Lines does not \
                 allow: remove its first 3 bytes"
                    .into(),
            ));
        }
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
        let too_long = |no: usize, l: &str| {
            (l.len() > limits.max_line_bytes).then(|| {
                err(
                    path,
                    Some(no),
                    None,
                    format!(
                        "the line is {} bytes, over the limit of {} (--max-line-bytes)",
                        l.len(),
                        limits.max_line_bytes
                    ),
                )
            })
        };
        if let Some(e) = too_long(first_no, first) {
            return Err(e);
        }
        let is_header =
            probe_header(first).map_err(|e| err(path, Some(first_no), None, not_json(&e)))?;
        if !is_header {
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
            if let Some(e) = too_long(no, l) {
                return Err(e);
            }
            let e: Event = parse_line(path, no, l).map_err(|e| match probe_header(l) {
                Ok(true) => err(
                    path,
                    Some(no),
                    Some("format".into()),
                    "a header line after the first line".into(),
                ),
                _ => e,
            })?;
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

/// The most tags a `sync_tags` observation may list: a longer list is refused at parse time
/// (every tag would be a model id; the checker's capacity is far smaller).
pub const MAX_LISTED_TAGS: usize = 64;

/// The field of `obs` that is too long to parse, if one is.
fn obs_too_big(obs: &Observation<String>) -> Option<String> {
    match obs {
        Observation::SyncTags { tags, .. } if tags.len() > MAX_LISTED_TAGS => {
            Some("obs.tags".into())
        }
        _ => None,
    }
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
