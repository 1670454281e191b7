//! A trace that names more distinct clients, workers, script URLs or sync tags than the
//! checker's model holds is unusable and says which limit it hit, before any search: never a
//! divergence at the line that names one too many; a limit hit during the search makes the
//! verdict `inconclusive`, naming it (issue 20 item 9).

use std::path::Path;
use swspec_conformance::check::{self, Options};
use swspec_conformance::trace::Trace;

/// The header of a committed synthetic trace (it observes every kind used below).
fn header() -> String {
    let text = std::fs::read_to_string("../traces/synthetic/install-activate.jsonl")
        .expect("committed trace");
    text.lines().next().expect("header").to_string()
}

/// The check's error on a trace of `lines` after the header.
fn error_of(lines: &[String]) -> String {
    let text = format!("{}\n{}\n", header(), lines.join("\n"));
    let t = Trace::parse(Path::new("limits.jsonl"), text.as_bytes()).expect("parses");
    match check::check(&t, &Options::default()) {
        Ok(o) => panic!("checked ({:?}) instead of refusing", o.verdict),
        Err((_, e)) => e,
    }
}

fn lines(n: usize, line: impl Fn(usize) -> String) -> Vec<String> {
    (0..n).map(line).collect()
}

#[test]
fn too_many_clients_is_a_named_limit() {
    let e = error_of(&lines(5, |i| {
        format!(
            r#"{{"t":{i}.0,"src":{{"kind":"driver"}},"obs":{{"type":"open_client","client":"c{i}"}}}}"#
        )
    }));
    assert_eq!(
        e,
        "limit: the trace names 5 distinct clients; the model holds at most 4"
    );
}

#[test]
fn too_many_workers_is_a_named_limit() {
    let e = error_of(&lines(9, |i| {
        format!(
            r#"{{"t":{i}.0,"src":{{"kind":"devtools"}},"obs":{{"type":"state_change","worker":"w{i}","state":"installing"}}}}"#
        )
    }));
    assert_eq!(
        e,
        "limit: the trace names 9 distinct workers; the model holds at most 8"
    );
}

#[test]
fn too_many_script_urls_is_a_named_limit() {
    let e = error_of(&lines(9, |i| {
        format!(
            r#"{{"t":{i}.0,"src":{{"kind":"driver"}},"obs":{{"type":"register","client":"c1","script":"/sw{i}.js"}}}}"#
        )
    }));
    assert_eq!(
        e,
        "limit: the trace names 9 distinct script URLs; the model holds at most 8"
    );
}

#[test]
fn too_many_sync_tags_is_a_named_limit() {
    let e = error_of(&lines(3, |i| {
        format!(
            r#"{{"t":{i}.0,"src":{{"kind":"driver"}},"obs":{{"type":"sync_register","client":"c1","tag":"t{i}"}}}}"#
        )
    }));
    assert_eq!(
        e,
        "limit: the trace names 3 distinct sync tags; the model holds at most 2"
    );
}

/// Where the search cut hidden steps at `--max-hidden` and found nothing, the verdict is
/// `inconclusive` naming the limit: with a bound of one, install-activate (whose install needs
/// more hidden steps than that); at the default bound it conforms.
#[test]
fn a_divergence_at_the_hidden_step_bound_names_it() {
    let file = "../traces/synthetic/install-activate.jsonl";
    let text = std::fs::read_to_string(file).expect("committed trace");
    let t = Trace::parse(Path::new(file), text.as_bytes()).expect("parses");
    let tight = Options {
        max_hidden: 1,
        ..Options::default()
    };
    let o = check::check(&t, &tight).expect("checks");
    assert_eq!(
        o.verdict,
        check::Verdict::Inconclusive,
        "a limit, not a divergence"
    );
    let reason = o.divergence.map(|d| d.reason).unwrap_or_default();
    assert!(
        reason.contains("limit: runs of more than 1 unobservable steps"),
        "{reason}"
    );
    let o = check::check(&t, &Options::default()).expect("checks");
    assert_eq!(o.verdict, check::Verdict::Conforms);
}

/// A fifth outstanding `register()` finds the model's job queue full (it holds four promises):
/// `inconclusive`, naming that limit, not `diverges`.
#[test]
fn a_call_the_full_job_queue_refuses_names_the_limit() {
    let mut lines = vec![
        r#"{"t":1.0,"src":{"kind":"driver"},"obs":{"type":"open_client","client":"c1"}}"#
            .to_string(),
    ];
    for i in 0..5 {
        lines.push(format!(
            r#"{{"t":{}.0,"src":{{"kind":"driver"}},"obs":{{"type":"register","client":"c1","script":"/sw.js"}}}}"#,
            2 + i
        ));
    }
    let text = format!("{}\n{}\n", header(), lines.join("\n"));
    let t = Trace::parse(Path::new("queue.jsonl"), text.as_bytes()).expect("parses");
    let o = check::check(&t, &Options::default()).expect("checks");
    assert_eq!(
        o.verdict,
        check::Verdict::Inconclusive,
        "a limit, not a divergence"
    );
    let d = o
        .divergence
        .expect("the fifth register is where the search stopped");
    assert_eq!(d.line, Some(7), "{d:?}");
    assert!(
        d.reason.contains("limit: the model's job queue holds 4"),
        "{}",
        d.reason
    );
}
