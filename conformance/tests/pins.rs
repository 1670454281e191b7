//! A pinned first divergence (`spec_at` / `engine_at` in `expected.toml`) names an observation
//! by its ordinal among the trace's observations and its type, so informational lines a newer
//! browser logs do not move it, while a divergence at another observation breaks it.

use std::path::Path;
use swspec_conformance::check::{self, Options};
use swspec_conformance::expected::{Expectations, Pin};
use swspec_conformance::trace::Trace;
use swspec_model::Profile;

const TRACE: &str = "../traces/chromium-148/push-devtools.jsonl";

fn parse(text: &str) -> Trace {
    Trace::parse(Path::new(TRACE), text.as_bytes()).expect("trace parses")
}

fn spec_divergence_pin(t: &Trace) -> Option<Pin> {
    let opts = Options {
        profile: Some(Profile::Spec),
        ..Options::default()
    };
    let o = check::check(t, &opts).expect("checks");
    let line = o.divergence.as_ref().and_then(|d| d.line)?;
    Pin::of(t, line)
}

/// The committed trace's pin holds; with an informational line added before the divergence,
/// the divergence's line moves but its pin does not.
#[test]
fn informational_lines_do_not_move_a_pin() {
    let text = std::fs::read_to_string(TRACE).expect("trace is committed");
    let mut expectations = Expectations::default();
    let pinned = expectations
        .for_trace(Path::new(TRACE))
        .expect("expected.toml loads")
        .and_then(|x| x.spec_at.clone())
        .expect("push-devtools pins its spec divergence");
    let t = parse(&text);
    assert_eq!(spec_divergence_pin(&t), Some(pinned.clone()));

    let mut lines: Vec<&str> = text.lines().collect();
    let info = lines
        .iter()
        .position(|l| !l.contains("\"obs\"") && l.contains("\"raw\""))
        .expect("an informational line");
    let copy = lines[info];
    lines.insert(info, copy);
    let more = parse(&(lines.join("\n") + "\n"));
    let moved = more.events.iter().map(|(l, _)| *l).max() != t.events.iter().map(|(l, _)| *l).max();
    assert!(moved, "the added line shifts the lines after it");
    assert_eq!(spec_divergence_pin(&more), Some(pinned));
}

/// A pin names the observation's type: the same ordinal with another type does not hold, and a
/// line without an observation has no pin.
#[test]
fn a_pin_checks_the_type_and_skips_informational_lines() {
    let text = std::fs::read_to_string(TRACE).expect("trace is committed");
    let t = parse(&text);
    let (first_obs_line, first) = t
        .events
        .iter()
        .find(|(_, e)| e.obs.is_some())
        .map(|(l, e)| (*l, e.obs.as_ref().map(|o| o.kind().to_string())))
        .expect("an observation");
    let pin = Pin::of(&t, first_obs_line).expect("a pin");
    assert_eq!(pin.observation, 1);
    assert_eq!(Some(pin.kind.clone()), first);
    let wrong = Pin {
        kind: "not_a_type".into(),
        ..pin
    };
    assert_ne!(Pin::of(&t, first_obs_line), Some(wrong));
    let info_line = t
        .events
        .iter()
        .find(|(_, e)| e.obs.is_none())
        .map(|(l, _)| *l)
        .expect("an informational line");
    assert_eq!(Pin::of(&t, info_line), None);
    assert_eq!(pin_text(), "observation 12 (push_message)");
}

fn pin_text() -> String {
    Pin {
        observation: 12,
        kind: "push_message".into(),
    }
    .to_string()
}
