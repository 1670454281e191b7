//! Helpers the trace-edit tests share: read a committed trace as JSON lines, write lines back
//! as a trace's text, and check a text under a profile.

#![allow(dead_code)] // each test file uses some of them

use std::path::Path;
use swspec_conformance::check::{self, Options, Verdict};
use swspec_conformance::trace::Trace;
use swspec_model::Profile;

/// What a check of an edited trace gave.
#[derive(Debug)]
pub struct Checked {
    /// The verdict.
    pub verdict: Verdict,
    /// The line of the first divergence, when there is one.
    pub line: Option<usize>,
    /// The divergence's reason, empty when there is none.
    pub reason: String,
}

/// Checks `text` (as file `file`) under `profile`, or the header's when `None`.
pub fn check_text(file: &str, text: &str, profile: Option<Profile>) -> Checked {
    let t = Trace::parse(Path::new(file), text.as_bytes()).expect("parses");
    let opts = Options {
        profile,
        ..Options::default()
    };
    let o = check::check(&t, &opts).expect("checks");
    let (line, reason) = match o.divergence {
        Some(d) => (d.line, d.reason),
        None => (None, String::new()),
    };
    Checked {
        verdict: o.verdict,
        line,
        reason,
    }
}

/// A committed trace's text.
pub fn committed(file: &str) -> String {
    std::fs::read_to_string(file).expect("committed")
}

/// A committed trace's lines, header first, each parsed as JSON.
pub fn lines(file: &str) -> Vec<serde_json::Value> {
    committed(file)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

/// Lines back to a trace's text.
pub fn join(lines: &[serde_json::Value]) -> String {
    lines.iter().map(|l| l.to_string() + "\n").collect()
}
