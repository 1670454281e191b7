//! `swspec conform` end to end: the stored traces pass, the JSON report's shape, divergence
//! reports and the replay command, and every kind of bad input (a clear error with file, line
//! and field, exit 2, the other traces still checked, never a panic).

use std::path::Path;

mod common;
use common::{scratch, swspec};

const HEADER: &str = r#"{"format":"swspec-trace","version":1,"engine":"synthetic","engine_version":"0","scenario":"bad","profile":"spec","captured_at":"2026-11-21T00:00:00Z","harness":"test","observes":["open_client","register","job_settled"]}"#;
const OPEN: &str = r#"{"t":1,"src":{"kind":"driver"},"obs":{"type":"open_client","client":"c0"}}"#;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write trace");
    p.display().to_string()
}

#[test]
fn stored_traces_are_as_expected() {
    let (code, out, err) = swspec(&["conform", "traces"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("0 not as expected, 0 unusable"), "{out}");
}

#[test]
fn json_report_has_the_documented_shape() {
    let (code, out, _) = swspec(&["conform", "traces/synthetic", "--json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    let traces = v["traces"].as_array().expect("traces");
    assert!(traces.len() >= 15);
    for t in traces {
        for key in [
            "file",
            "engine",
            "scenario",
            "events",
            "profile",
            "verdict",
            "expected",
            "as_expected",
            "first_divergence",
        ] {
            assert!(t.get(key).is_some(), "missing {key} in {t}");
        }
        assert_eq!(t["as_expected"], true);
        if t["verdict"] == "diverges" {
            let d = &t["first_divergence"];
            assert!(d["line"].as_u64().is_some());
            assert!(d["expected"].as_array().is_some_and(|a| !a.is_empty()));
            assert!(d["candidates"].as_u64().is_some_and(|n| n > 0));
        } else {
            assert!(t["first_divergence"].is_null());
        }
    }
}

#[test]
fn divergence_report_names_line_alternatives_and_replay() {
    let file = "traces/synthetic/diverge-update-found-twice.jsonl";
    let (code, out, _) = swspec(&["conform", file]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("first divergence: {file}:7:")),
        "{out}"
    );
    assert!(out.contains("candidate states before it:"), "{out}");
    assert!(out.contains("the model would accept there:"), "{out}");
    assert!(
        out.contains(&format!(
            "replay: swspec conform {file} --profile spec --explain"
        )),
        "{out}"
    );
    let (code, out, _) = swspec(&["conform", file, "--profile", "spec", "--explain"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("§Update; §Install"),
        "the path names spec sections: {out}"
    );
}

#[test]
fn explain_prints_the_matched_path() {
    let (code, out, _) = swspec(&[
        "conform",
        "traces/synthetic/install-activate.jsonl",
        "--explain",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("line 2: {\"type\":\"open_client\""), "{out}");
    assert!(out.contains("browser runs the front job"), "{out}");
    assert!(out.contains("(unobservable)"), "{out}");
}

#[test]
fn unexpected_verdict_exits_1() {
    let dir = scratch("unexpected");
    let t = write(&dir, "t.jsonl", format!("{HEADER}\n{OPEN}\n").as_bytes());
    write(
        &dir,
        "expected.toml",
        b"[[trace]]\nfile = \"t.jsonl\"\nspec = \"diverges\"\nengine = \"diverges\"\nnote = \"x\"\n",
    );
    let (code, out, _) = swspec(&["conform", &t]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("FAIL"), "{out}");
}

/// Each bad input: (file name, bytes, what the message must say).
fn bad_inputs() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let ev = |s: &str| format!("{HEADER}\n{s}\n").into_bytes();
    vec![
        ("empty.jsonl", Vec::new(), "empty trace"),
        (
            "truncated.jsonl",
            ev(r#"{"t":1,"src":{"kind":"driver"},"obs":{"type":"open_cl"#),
            ":2",
        ),
        ("invalid.jsonl", ev("{not json}"), ":2"),
        (
            "unknown-obs.jsonl",
            ev(r#"{"t":1,"src":{"kind":"driver"},"obs":{"type":"teleport","client":"c0"}}"#),
            "field `obs",
        ),
        (
            "wrong-type.jsonl",
            ev(r#"{"t":"soon","src":{"kind":"driver"}}"#),
            "field `t`",
        ),
        ("missing-header.jsonl", format!("{OPEN}\n").into_bytes(), ":1: field `format`"),
        (
            "header-not-first.jsonl",
            format!("{OPEN}\n{HEADER}\n").into_bytes(),
            ":1: field `format`",
        ),
        (
            "second-header.jsonl",
            format!("{HEADER}\n{OPEN}\n{HEADER}\n").into_bytes(),
            ":3: field `format`",
        ),
        ("huge-number.jsonl", ev(r#"{"t":1e999,"src":{"kind":"driver"}}"#), ":2"),
        (
            "huge-timestamp.jsonl",
            ev(r#"{"t":1e300,"src":{"kind":"driver"}}"#),
            "field `t`",
        ),
        (
            "huge-int.jsonl",
            ev(r#"{"t":1,"src":{"kind":"driver"},"obs":{"type":"background_fetch","client":"c0","id":"x","requests":300}}"#),
            "field `obs`: invalid value: integer `300`",
        ),
        (
            "not-utf8.jsonl",
            [HEADER.as_bytes(), b"\n{\"t\":1,\xff\xfe}\n"].concat(),
            ":2: not UTF-8",
        ),
        (
            "backwards.jsonl",
            format!(
                "{HEADER}\n{}\n{}\n",
                r#"{"t":5,"src":{"kind":"driver"},"obs":{"type":"open_client","client":"c0"}}"#,
                r#"{"t":4,"src":{"kind":"driver"},"obs":{"type":"register","client":"c0","script":"s"}}"#
            )
            .into_bytes(),
            ":3: field `t`: timestamp 4 goes backwards",
        ),
        (
            "unlisted-kind.jsonl",
            ev(r#"{"t":1,"src":{"kind":"driver"},"obs":{"type":"fetch","client":"c0"}}"#),
            ":2: observation kind \"fetch\" is not listed",
        ),
        (
            "bad-observes.jsonl",
            HEADER.replace("\"job_settled\"", "\"telepathy\"").into_bytes(),
            "field `observes[2]`",
        ),
    ]
}

#[test]
fn bad_input_is_located_and_the_rest_still_checked() {
    let dir = scratch("bad");
    for (name, bytes, _) in bad_inputs() {
        write(&dir, name, &bytes);
    }
    let good = write(&dir, "good.jsonl", format!("{HEADER}\n{OPEN}\n").as_bytes());
    write(
        &dir,
        "expected.toml",
        b"[[trace]]\nfile = \"good.jsonl\"\nspec = \"conforms\"\nengine = \"conforms\"\n",
    );
    let (code, out, err) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    for (name, _, needle) in bad_inputs() {
        let line = err
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no error for {name}:\n{err}"));
        assert!(line.contains(needle), "{name}: {line:?} lacks {needle:?}");
    }
    assert!(
        out.contains(&format!("ok   {good}")),
        "good trace still checked: {out}"
    );
    // The JSON report lists the errors with their fields.
    let (code, out, _) = swspec(&["conform", &dir.display().to_string(), "--json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        v["errors"].as_array().map(Vec::len),
        Some(bad_inputs().len())
    );
}

#[test]
fn bad_flags_and_missing_paths_exit_2() {
    let (code, _, err) = swspec(&["conform", "traces", "--profile", "netscape"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown profile"), "{err}");
    let (code, _, err) = swspec(&["conform", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/dir"), "{err}");
    let (code, _, err) = swspec(&["conform", "traces", "--skew-ms", "-5"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn malformed_expected_file_is_named() {
    let dir = scratch("expected");
    let t = write(&dir, "t.jsonl", format!("{HEADER}\n{OPEN}\n").as_bytes());
    write(
        &dir,
        "expected.toml",
        b"[[trace]]\nfile = \"t.jsonl\"\nspec = \"maybe\"\nengine = \"conforms\"\n",
    );
    let (code, _, err) = swspec(&["conform", &t]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected.toml") && err.contains("`spec`"),
        "{err}"
    );
}

#[path = "../report/tests/common/itf_shape.rs"]
mod itf_shape;

/// `--itf DIR`: each check's matched model path as an ITF file of ADR-015's shape, named after
/// the trace and the profile, its states the model's from the initial one.
#[test]
fn itf_writes_each_matched_path() {
    let dir = scratch("conform-itf");
    let d = dir.display().to_string();
    let (code, out, err) = swspec(&[
        "conform",
        "traces/chromium-148/install-activate.jsonl",
        "--itf",
        &d,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    for profile in ["chromium", "spec"] {
        let f = dir.join(format!("chromium-148_install-activate.{profile}.itf.json"));
        let t: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("itf")).expect("json");
        let errs = itf_shape::shape(&t);
        assert!(errs.is_empty(), "{}", errs.join("\n"));
        let states = t["states"].as_array().expect("states");
        assert!(states.len() > 3, "{profile}: {} states", states.len());
        assert_eq!(states[0]["mbt::actionTaken"], "init");
        assert!(t["#meta"]["description"]
            .as_str()
            .is_some_and(|s| s.contains(&format!("the matched path of traces/chromium-148/install-activate.jsonl against the {profile} profile"))));
        assert!(
            states.iter().any(|s| s["mbt::actionTaken"] == "RunJob"),
            "{profile}"
        );
    }
}
