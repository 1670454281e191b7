//! The divergence report names the constraint that failed (issue 17, "Explanations"), on small
//! edits of the synthetic `install-activate` trace: per-source order, the skew window of a
//! step, and a profile timer (`conformance/tests/timers.rs` pins each timer's wording); unbound
//! ids read as what they are; "would accept" lists neither no-op permission steps nor the
//! rejected observation itself. Where no step makes the event, the step before it that the
//! trace lacks is named; a step whose observation never came is named with its line.

use std::path::Path;
use swspec_conformance::check::{self, Divergence, Options};
use swspec_conformance::trace::Trace;

const TRACE: &str = "../traces/synthetic/install-activate.jsonl";

fn divergence(text: &str) -> Divergence {
    let t = Trace::parse(Path::new(TRACE), text.as_bytes()).expect("parses");
    let o = check::check(&t, &Options::default()).expect("checks");
    o.divergence.expect("diverges")
}

fn lines() -> Vec<String> {
    std::fs::read_to_string(TRACE)
        .expect("committed")
        .lines()
        .map(String::from)
        .collect()
}

fn join(l: &[String]) -> String {
    l.join("\n") + "\n"
}

/// The new worker's `installing` (line 6) moved before its `starting` (line 4): the report
/// says which observation of the source must come first, naming the unbound worker by what it
/// is, and the step's spec section.
#[test]
fn per_source_order_is_named() {
    let mut l = lines();
    let obs = |s: &str| s[s.find("\"obs\"").expect("obs")..].to_string();
    let (a, b) = (obs(&l[3]), obs(&l[6]));
    l[3] = l[3].replace(&a, &b);
    l[6] = l[6].replace(&b, &a);
    let d = divergence(&join(&l));
    assert_eq!(d.line, Some(4));
    assert_eq!(
        d.reason,
        "no candidate state accepts this state_change observation at t=42 ms [§Update; \
         §Install]; per-source order: {\"type\":\"state_change\",\"worker\":\"a new worker\",\
         \"state\":\"installing\"} was made after {\"type\":\"running_status\",\"worker\":\
         \"a new worker\",\"status\":\"starting\"}, which has not appeared yet, and one source \
         reports them in that order"
    );
    assert!(
        !d.expected.iter().any(|e| e.contains('#')),
        "{:?}",
        d.expected
    );
    assert!(
        !d.expected.iter().any(|e| e.contains("set_permission")),
        "{:?}",
        d.expected
    );
    assert!(
        !d.expected
            .iter()
            .any(|e| e.contains("\"state\":\"installing\"")),
        "the rejected observation itself: {:?}",
        d.expected
    );
}

/// The `update_found` (line 6) left out: the Install step's settlement on line 5 is rejected
/// because that observation of the same step has no event in the skew window, nor later.
#[test]
fn the_skew_window_of_a_step_is_named() {
    let mut l = lines();
    assert!(l[5].contains("update_found"));
    l.remove(5);
    let d = divergence(&join(&l));
    assert_eq!(d.line, Some(5));
    assert!(
        d.reason.contains(
            "skew window of step `changed script evaluates; install starts` [§Update; \
             §Install]: its observations {\"type\":\"update_found\"} (none later) do not all \
             appear, in their sources' order, within 100 ms of this event (600 ms for a \
             promise's settlement)"
        ),
        "{}",
        d.reason
    );
}

/// The worker's `activate` event (line 12) left out: no step of any candidate makes the
/// `activated` state change, so the report names the step before it that the trace lacks
/// (the activate event's dispatch, with its observation) and the step that would make it.
#[test]
fn a_step_the_trace_lacks_is_named() {
    let mut l = lines();
    assert!(l[11].contains("\"event\":\"activate\""));
    l.remove(11);
    let d = divergence(&join(&l));
    assert_eq!(d.line, Some(12));
    assert!(
        d.reason.contains(
            "the model makes it only a step later: `worker 0 handles its activate event` \
             [§Activate (fire the activate event)] first (the trace lacks its \
             {\"type\":\"lifecycle_event\",\"worker\":\"version-40\",\"event\":\"activate\"} \
             here), then `worker 0's activate event ends` [§Activate (activate event)]"
        ),
        "{}",
        d.reason
    );
}

/// The `register` call (line 3) left out: the new worker's start is three model steps away
/// (the call, the job's run, the start), and the report says that nothing within two steps
/// makes it rather than nothing at all.
#[test]
fn nothing_within_two_steps_is_said() {
    let mut l = lines();
    assert!(l[2].contains("\"type\":\"register\""));
    l.remove(2);
    let d = divergence(&join(&l));
    assert_eq!(d.line, Some(3));
    assert!(
        d.reason.ends_with(
            "no model step makes an observation like it, from any candidate, within two steps"
        ),
        "{}",
        d.reason
    );
}

/// `periodicSync.unregister()`'s settlement (line 38 of a Chromium 156 capture) delayed by
/// 600 ms, past the 500 ms a settlement may lag its step: the candidates that took the call
/// die owing it, and the report names the step that owed it, its line and the window.
#[test]
fn an_obligation_never_met_names_its_step() {
    const FILE: &str = "../traces/chromium-156/periodic-sync-unregister.jsonl";
    let text = std::fs::read_to_string(FILE).expect("committed");
    let mut events: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let moved = &mut events[36];
    assert_eq!(moved["obs"]["call"], "periodic_sync_unregister");
    let t = moved["t"].as_f64().expect("t");
    moved["t"] = serde_json::json!(t + 600.0);
    events.sort_by(|a, b| {
        a["t"]
            .as_f64()
            .partial_cmp(&b["t"].as_f64())
            .expect("finite")
    });
    let lines: Vec<String> = std::iter::once(text.lines().next().expect("header").to_string())
        .chain(events.iter().map(|e| e.to_string()))
        .collect();
    let d = divergence(&join(&lines));
    assert!(
        d.reason.contains("obligation never met: ")
            && d.reason.contains(
                "owed {\"type\":\"call_settled\",\"client\":\"c1\",\"call\":\
                 \"periodic_sync_unregister\",\"outcome\":\"resolved\"}, and no event matched \
                 it within its window (a promise's settlement may lag its step by 500 ms)"
            )
            && d.reason.contains("(at line 37, "),
        "{}",
        d.reason
    );
}
