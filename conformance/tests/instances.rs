//! The worker-instance rule with records delivered late: a record the worker's earlier script
//! instance sent before it stopped may arrive after DevTools reports the new instance's start
//! (within the skew). It is accepted as the earlier instance's, and only for what that
//! instance's steps owed; a new step's event still has to come from the new instance.
//!
//! The trace is one the soundness property generated (webkit profile): the `claim` of line 45
//! comes from instance `i0`, which stopped at line 35 and started again at line 40. (Generated
//! before a new worker's start became a step of its own; its `starting` was moved before
//! `installing` by hand, as the model now orders them; the lines from 35 on moved 61 s later
//! by hand once the unresponsive stop on line 35 was held to WebKit's 60 s, as the generator
//! now waits; the fetch events of lines 63 and 65, those of the navigations on lines 52 and
//! 53, were marked `"navigate":true` by hand once fetch events carried their mode.)

use std::path::Path;
use swspec_conformance::check::{self, Options, Verdict};
use swspec_conformance::trace::Trace;
use swspec_model::Profile;

const FILE: &str = "tests/data/late-record-of-earlier-instance.jsonl";

fn verdict(text: &str) -> Verdict {
    let t = Trace::parse(Path::new(FILE), text.as_bytes()).expect("parses");
    let opts = Options {
        profile: Some(Profile::Webkit),
        ..Options::default()
    };
    check::check(&t, &opts).expect("checks").verdict
}

fn trace() -> String {
    std::fs::read_to_string(FILE).expect("committed")
}

/// Line `n` (1-based) of `text` with `from` replaced by `to`.
fn edit_line(text: &str, n: usize, from: &str, to: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    assert!(lines[n - 1].contains(from), "line {n}: {}", lines[n - 1]);
    lines[n - 1] = lines[n - 1].replace(from, to);
    lines.join("\n") + "\n"
}

#[test]
fn a_late_record_of_the_earlier_instance_conforms() {
    assert_eq!(verdict(&trace()), Verdict::Conforms);
}

/// The late `claim` from an instance that never ran is still rejected.
#[test]
fn a_late_record_of_an_unknown_instance_diverges() {
    let t = edit_line(&trace(), 45, "\"instance\":\"i0\"", "\"instance\":\"i9\"");
    assert_eq!(verdict(&t), Verdict::Diverges);
}

/// An event of a step taken after the restart (a message event on line 56) from the earlier
/// instance is rejected: only what the earlier instance owed may come from it.
#[test]
fn a_new_steps_event_from_the_earlier_instance_diverges() {
    let t = edit_line(&trace(), 56, "\"instance\":\"i1\"", "\"instance\":\"i0\"");
    assert_eq!(verdict(&t), Verdict::Diverges);
}

/// The rule covers every event a worker reports, not only those of the worker's channel (issue
/// 17 item 13): a Chromium background fetch's settlement (line 36, read off the worker's
/// `backgroundfetchsuccess` event on line 37) from another script instance than the event's,
/// with no restart in between, diverges there; the committed trace conforms.
#[test]
fn a_background_fetch_settlement_from_another_instance_diverges() {
    const BG: &str = "../traces/chromium-148/bgfetch-success.jsonl";
    let text = std::fs::read_to_string(BG).expect("committed");
    let check = |text: &str| {
        let t = Trace::parse(Path::new(BG), text.as_bytes()).expect("parses");
        let opts = Options {
            profile: Some(Profile::Chromium),
            ..Options::default()
        };
        let o = check::check(&t, &opts).expect("checks");
        (o.verdict, o.divergence.and_then(|d| d.line))
    };
    assert_eq!(check(&text), (Verdict::Conforms, None));
    let t = edit_line(
        &text,
        36,
        "\"instance\":\"xsrum14i\"",
        "\"instance\":\"other\"",
    );
    assert!(t
        .lines()
        .nth(35)
        .is_some_and(|l| l.contains("bg_fetch_settled")));
    assert_eq!(check(&t), (Verdict::Diverges, Some(36)));
}
