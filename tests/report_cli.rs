//! `swspec report`: writes the site for the given traces and says where; unusable input is an
//! error naming its file and line (exit 2) while the rest is still written and lists it; a
//! missing path writes nothing.

mod common;
use common::{scratch, swspec};

#[test]
fn writes_the_site_and_says_where() {
    let out = scratch("report");
    let o = out.display().to_string();
    let (code, stdout, err) = swspec(&["report", "--out", &o, "traces/chromium-148"]);
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.contains("index.html"), "{stdout}");
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert!(index.contains("chromium-148/skip-waiting-in-install.html"));
    assert!(out
        .join("chromium-148/skip-waiting-in-install.svg")
        .exists());
    assert!(out.join("spec-notes.html").exists());
    assert!(out.join("style.css").exists());
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(out.join("chromium-148"))
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn bad_input_is_named_and_the_rest_is_written() {
    let dir = scratch("report-bad");
    let traces = dir.join("eng");
    std::fs::create_dir_all(&traces).expect("dir");
    std::fs::copy(
        "traces/chromium-148/install-activate.jsonl",
        traces.join("install-activate.jsonl"),
    )
    .expect("copy");
    let mut bad =
        std::fs::read_to_string("traces/chromium-148/claim-on-activate.jsonl").expect("read");
    bad.push_str("{\"t\":1,\"src\":{\"kind\":\"driver\"},\"obs\":{\"type\":\"nope\"}}\n");
    std::fs::write(traces.join("claim-on-activate.jsonl"), bad).expect("write");
    let out = dir.join("site");
    let (code, _, err) = swspec(&[
        "report",
        "--out",
        &out.display().to_string(),
        &traces.display().to_string(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("claim-on-activate.jsonl:"), "{err}");
    assert!(err.contains("obs.type"), "{err}");
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert!(index.contains("Unusable input"));
    assert!(out.join("eng/install-activate.html").exists());
}

#[test]
fn a_missing_path_writes_nothing() {
    let dir = scratch("report-missing");
    let out = dir.join("site");
    let (code, _, err) = swspec(&[
        "report",
        "--out",
        &out.display().to_string(),
        "no/such/traces",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/traces"), "{err}");
    assert!(!out.exists());
}
