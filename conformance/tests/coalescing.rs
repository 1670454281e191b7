//! Job coalescing is verified (issue 17 item 12): the promise of an `update()` coalesced into
//! an equivalent job settles in the step that settles the job's own (§Schedule Job, §Resolve
//! Job Promise), so its settlement is held to that step's window. Each case is a committed
//! `update-coalesced` capture (two `update()` calls in a row, changed bytes) with the second
//! settlement's line moved: to the end of the trace, after the new worker's activation, it
//! diverges, and the explanation names the moved line as the late event; 300 ms later, within
//! a settlement's window, it still conforms.

mod common;

use common::{check_text, join, lines};
use swspec_conformance::check::Verdict;

/// One capture of each engine version that has the scenario.
const TRACES: [&str; 5] = [
    "../traces/chromium-148/update-coalesced.jsonl",
    "../traces/chromium-156/update-coalesced.jsonl",
    "../traces/firefox-esr-140/update-coalesced.jsonl",
    "../traces/firefox-esr-153/update-coalesced.jsonl",
    "../traces/webkitgtk-2.50/update-coalesced.jsonl",
];

/// The index of the second `job_settled` of an `update()` (the coalesced job's promise).
fn coalesced_settlement(lines: &[serde_json::Value]) -> usize {
    let settled =
        |l: &serde_json::Value| l["obs"]["type"] == "job_settled" && l["obs"]["call"] == "update";
    let found: Vec<usize> = (0..lines.len()).filter(|&i| settled(&lines[i])).collect();
    assert_eq!(found.len(), 2, "two update() settlements");
    found[1]
}

/// `lines` with line `i` given time `t` and moved to just after the last line not later than
/// that (so every source's clock still runs forward).
fn moved(mut lines: Vec<serde_json::Value>, i: usize, t: f64) -> (Vec<serde_json::Value>, usize) {
    let mut l = lines.remove(i);
    l["t"] = t.into();
    let at = lines
        .iter()
        .rposition(|x| x["t"].as_f64().is_some_and(|u| u <= t))
        .map_or(0, |p| p + 1);
    lines.insert(at, l);
    (lines, at)
}

#[test]
fn the_committed_captures_conform() {
    for f in TRACES {
        let text = join(&lines(f));
        assert_eq!(check_text(f, &text, None).verdict, Verdict::Conforms, "{f}");
    }
}

/// Settled at the end of the capture (after the new worker's activation, over a second after
/// the job's own promise): diverges, and the late line is named.
#[test]
fn a_coalesced_promise_settled_long_after_its_job_diverges() {
    for f in TRACES {
        let l = lines(f);
        let i = coalesced_settlement(&l);
        let last = l.last().and_then(|x| x["t"].as_f64()).expect("a last line");
        let first = l[i]["t"].as_f64().expect("t");
        assert!(last - first > 1000.0, "{f}: the capture ends too soon");
        let (l, at) = moved(l, i, last - 0.5);
        let common::Checked {
            verdict, reason, ..
        } = check_text(f, &join(&l), None);
        assert_eq!(verdict, Verdict::Diverges, "{f}");
        assert!(
            reason.contains(&format!(
                "{{\"type\":\"job_settled\",\"client\":\"c1\",\"call\":\"update\",\"outcome\":\
                 \"registration\"}} (next of its kind: line {}, ",
                at + 1
            )),
            "{f}: {reason}"
        );
    }
}

/// Settled 300 ms after its place in the capture: within the 600 ms a promise's settlement
/// may lag its step, so still a legal order.
#[test]
fn a_coalesced_promise_settled_within_its_window_conforms() {
    for f in TRACES {
        let l = lines(f);
        let i = coalesced_settlement(&l);
        let t = l[i]["t"].as_f64().expect("t") + 300.0;
        let (l, _) = moved(l, i, t);
        assert_eq!(
            check_text(f, &join(&l), None).verdict,
            Verdict::Conforms,
            "{f}"
        );
    }
}
