//! The end-of-trace divergence names what failed (issue 17, explanations): when nothing is
//! owed, the prompt steps still due at a quiescent capture's end; a cut inside a step's skew
//! window is blamed on that step. Both are cuts of a committed Chromium 156 capture.

use std::path::Path;
use swspec_conformance::check::{self, Options, Verdict};
use swspec_conformance::trace::Trace;

const TRACE: &str = "../traces/chromium-156/install-activate.jsonl";

/// The verdict, divergence line and reason of the committed trace with only the lines `keep`
/// accepts (1-based line numbers; the header is line 1).
fn check_cut(keep: impl Fn(usize, &str) -> bool) -> (Verdict, Option<usize>, String) {
    let text = std::fs::read_to_string(TRACE).expect("committed trace");
    let cut: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || keep(i + 1, l))
        .map(|(_, l)| l)
        .collect();
    let cut = cut.join("\n") + "\n";
    let t = Trace::parse(Path::new("cut.jsonl"), cut.as_bytes()).expect("parses");
    let o = check::check(&t, &Options::default()).expect("checks");
    let reason = o.divergence.as_ref().map(|d| d.reason.clone());
    (
        o.verdict,
        o.divergence.and_then(|d| d.line),
        reason.unwrap_or_default(),
    )
}

#[test]
fn the_uncut_trace_conforms() {
    assert_eq!(check_cut(|_, _| true).0, Verdict::Conforms);
}

/// Cut after the new worker's `running`: the step that began the install owes the register
/// promise's settlement and the install event, and the cut falls inside that step's skew
/// window, so the divergence is blamed on the step's first event (line 11), naming what did
/// not appear, not on the trace's end.
#[test]
fn a_cut_inside_a_steps_window_is_blamed_on_the_step() {
    let (v, line, reason) = check_cut(|n, _| n <= 12);
    assert_eq!((v, line), (Verdict::Diverges, Some(11)), "{reason}");
    assert!(
        reason.contains("skew window of step `changed script evaluates; install starts`"),
        "{reason}"
    );
    assert!(reason.contains(r#""type":"job_settled""#), "{reason}");
}

/// Without the worker's fetch event, nothing is owed (the page's fetch step observes only
/// itself), but the worker still has the fetch task queued: a capture that ended quiescent
/// cannot end there.
#[test]
fn a_prompt_step_still_due_is_named() {
    let (v, line, reason) = check_cut(|_, l| !l.contains(r#""event":"fetch""#));
    assert_eq!((v, line), (Verdict::Diverges, None), "{reason}");
    assert!(reason.contains("nothing was owed"), "{reason}");
    assert!(
        reason.contains("the model still had due: ")
            && reason.contains("worker sw-0's queued fetch event"),
        "{reason}"
    );
}
