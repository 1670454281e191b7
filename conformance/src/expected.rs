//! Expected verdicts: each trace folder has an `expected.toml` listing, per trace, the verdict
//! against the spec profile and against the engine's own profile, the SPEC_NOTES.md entry that
//! explains each expected divergence, and optionally where the first divergence is.
//!
//! ```toml
//! [[trace]]
//! file = "skip-waiting-message.jsonl"
//! spec = "diverges"
//! engine = "conforms"
//! spec_at = { observation = 9, type = "state_change" }   # first divergence against spec (optional)
//! note = "SPEC_NOTES.md#engine-divergences: skipWaiting() resolves after activation"
//! ```
//!
//! A first divergence is pinned by its observation ([`Pin`]): its ordinal among the trace's
//! observations and its type, not its line, so informational lines a newer browser logs (raw
//! records the checker skips) do not move it.

use crate::check::Divergence;
use crate::trace::Trace;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The file name looked for in each trace folder.
pub const FILE: &str = "expected.toml";

/// One trace's expectations.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The trace file, relative to the folder.
    pub file: String,
    /// `conforms` or `diverges` against the spec profile.
    pub spec: String,
    /// `conforms` or `diverges` against the profile in the trace header.
    pub engine: String,
    /// The first divergence against the spec profile, when asserted.
    #[serde(default)]
    pub spec_at: Option<Pin>,
    /// The first divergence against the engine profile, when asserted.
    #[serde(default)]
    pub engine_at: Option<Pin>,
    /// What explains an expected divergence (a SPEC_NOTES.md entry); required when either
    /// verdict is `diverges`.
    #[serde(default)]
    pub note: Option<String>,
}

/// Where a first divergence is: the `observation`-th of the trace's observations (1-based,
/// informational lines not counted) and that observation's `type`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The observation's ordinal among the trace's observations, from 1.
    pub observation: usize,
    /// Its type (the `type` of its `obs`), so a pin that no longer fits the trace says so.
    #[serde(rename = "type")]
    pub kind: String,
}

impl Pin {
    /// The pin of the observation on `line` of `trace`; `None` when that line holds none.
    pub fn of(trace: &Trace, line: usize) -> Option<Pin> {
        let mut ordinal = 0;
        for (l, e) in &trace.events {
            let Some(obs) = &e.obs else { continue };
            ordinal += 1;
            if *l == line {
                return Some(Pin {
                    observation: ordinal,
                    kind: obs.kind().to_string(),
                });
            }
        }
        None
    }

    /// Whether `divergence` (of a check of `trace`) is at this pin.
    pub fn holds(&self, trace: &Trace, divergence: Option<&Divergence>) -> bool {
        let line = divergence.and_then(|d| d.line);
        line.and_then(|l| Pin::of(trace, l)).as_ref() == Some(self)
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "observation {} ({})", self.observation, self.kind)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    trace: Vec<Expectation>,
}

/// Loaded expectation files, keyed by trace path.
#[derive(Debug, Default)]
pub struct Expectations {
    by_path: BTreeMap<PathBuf, Expectation>,
    loaded: BTreeMap<PathBuf, Result<(), String>>,
}

impl Expectations {
    /// The expectation for `trace`, loading its folder's file on first use. An unreadable or
    /// malformed file is an error naming it.
    pub fn for_trace(&mut self, trace: &Path) -> Result<Option<&Expectation>, String> {
        let dir = trace.parent().unwrap_or(Path::new(".")).to_path_buf();
        if !self.loaded.contains_key(&dir) {
            let r = self.load(&dir);
            self.loaded.insert(dir.clone(), r);
        }
        if let Some(Err(e)) = self.loaded.get(&dir) {
            return Err(e.clone());
        }
        Ok(self.by_path.get(trace))
    }

    fn load(&mut self, dir: &Path) -> Result<(), String> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let file: File = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            match line {
                Some(l) => format!("{}:{l}: {}", path.display(), e.message()),
                None => format!("{}: {}", path.display(), e.message()),
            }
        })?;
        for x in file.trace {
            for (field, v) in [("spec", &x.spec), ("engine", &x.engine)] {
                if v != "conforms" && v != "diverges" {
                    return Err(format!(
                        "{}: trace {:?}: field `{field}` must be \"conforms\" or \"diverges\", not {v:?}",
                        path.display(),
                        x.file
                    ));
                }
            }
            if (x.spec == "diverges" || x.engine == "diverges") && x.note.is_none() {
                return Err(format!(
                    "{}: trace {:?}: an expected divergence needs a `note` naming its SPEC_NOTES.md entry",
                    path.display(),
                    x.file
                ));
            }
            self.by_path.insert(dir.join(&x.file), x);
        }
        Ok(())
    }
}
