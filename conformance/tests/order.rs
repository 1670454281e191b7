//! Observations of one step on one source are ordered (issue 17 item 8): the model makes a
//! step's observations in spec order and the checker holds each channel to it, so a capture
//! that reports them the other way round diverges at the first of the two lines. Each case is a
//! committed Chromium 148 trace with two observations of one source swapped.

mod common;

use common::{committed, lines};
use swspec_conformance::check::Verdict;
use swspec_model::Profile;

/// The verdict and the divergent line of `text` (as file `file`) under the Chromium profile.
fn check_text(file: &str, text: &str) -> (Verdict, Option<usize>) {
    let c = common::check_text(file, text, Some(Profile::Chromium));
    (c.verdict, c.line)
}

/// Committed trace `file` with the observations of lines `a` and `b` (1-based) swapped, each line asserted to
/// hold `sa` and `sb`.
fn swap_obs(file: &str, (a, sa): (usize, &str), (b, sb): (usize, &str)) -> String {
    let mut lines = lines(file);
    assert!(lines[a - 1]["obs"].to_string().contains(sa), "line {a}");
    assert!(lines[b - 1]["obs"].to_string().contains(sb), "line {b}");
    let oa = lines[a - 1]["obs"].take();
    let ob = std::mem::replace(&mut lines[b - 1]["obs"], oa);
    lines[a - 1]["obs"] = ob;
    common::join(&lines)
}

const INSTALL: &str = "../traces/chromium-148/install-activate.jsonl";
const SKIP: &str = "../traces/chromium-148/skip-waiting-in-install.jsonl";

#[test]
fn the_committed_traces_conform() {
    for f in [INSTALL, SKIP] {
        assert_eq!(check_text(f, &committed(f)).0, Verdict::Conforms, "{f}");
    }
}

/// DevTools reports the Install step's `installing` (line 14) before its `running` (line 15):
/// `running` first diverges there.
#[test]
fn running_before_installing_diverges() {
    let t = swap_obs(INSTALL, (14, "installing"), (15, "\"running\""));
    assert_eq!(check_text(INSTALL, &t), (Verdict::Diverges, Some(14)));
}

/// The new worker's `skipWaiting()` (line 38) is what activates it during its install: logged
/// after its own `activate` event (line 50) it diverges.
#[test]
fn skip_waiting_after_the_activate_event_it_caused_diverges() {
    let t = swap_obs(SKIP, (38, "skip_waiting"), (50, "activate"));
    assert_eq!(check_text(SKIP, &t).0, Verdict::Diverges);
}
