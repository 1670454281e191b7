//! The divergence report names the constraint that failed (issue 17, "Explanations"), on small
//! edits of the synthetic `install-activate` trace: per-source order, the skew window of a
//! step, and a profile timer (`conformance/tests/timers.rs` pins each timer's wording); unbound
//! ids read as what they are; "would accept" lists neither no-op permission steps nor the
//! rejected observation itself.

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
/// because that observation of the same step has no event in the skew window.
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
             §Install]: its observations {\"type\":\"update_found\"} do not all appear, in \
             their sources' order, within 100 ms of this event"
        ),
        "{}",
        d.reason
    );
}
