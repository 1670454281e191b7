//! `swspec remap`: a no-op on every committed capture (today's mapping is what wrote them), a
//! fix of a trace whose observations no longer follow from its records, and a located error,
//! exit 2 and an untouched file on bad input.

mod common;
use common::{scratch, swspec};
use std::path::Path;
use swspec_conformance::capture::remap;
use swspec_conformance::trace::Trace;
use swspec_conformance::walk;

#[test]
fn every_committed_capture_is_a_fixed_point_of_remap() {
    let files = walk::collect(&["traces".into()]).files;
    let mut captures = 0;
    for f in &files {
        let t = Trace::read(f).expect("committed traces parse");
        if remap::engine_of(&t.header).is_none() {
            continue;
        }
        captures += 1;
        let r = remap::remap(&t).expect("remaps");
        assert!(r.changes.is_empty(), "{}: {:?}", f.display(), r.changes);
        // Byte for byte: remapping writes what the capture wrote.
        let text = Trace::to_text(&r.header, &r.events);
        assert_eq!(
            text,
            std::fs::read_to_string(f).expect("read"),
            "{}",
            f.display()
        );
    }
    assert!(captures >= 90, "only {captures} captures under traces/");
    let (code, out, err) = swspec(&["remap", "--check", "traces"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(" 0 would change, "), "{out}");
}

/// A committed capture with one observation edited and one kind dropped from its header.
fn edited(dir: &Path) -> (std::path::PathBuf, String) {
    let src = "traces/chromium-148/install-activate.jsonl";
    let original = std::fs::read_to_string(src).expect("read");
    let from = r#""outcome":"registration""#;
    assert!(original.contains(from), "the trace has a resolved register");
    let text = original
        .replacen(from, r#""outcome":"type_error""#, 1)
        .replacen(r#""controller_change","#, "", 1);
    assert_ne!(text, original);
    let file = dir.join("install-activate.jsonl");
    std::fs::write(&file, &text).expect("write");
    (file, original)
}

#[test]
fn an_edited_capture_is_reported_by_check_and_restored_by_remap() {
    let dir = scratch("remap-edited");
    let (file, original) = edited(&dir);
    let f = file.display().to_string();
    let before = std::fs::read_to_string(&file).expect("read");
    let (code, out, err) = swspec(&["remap", "--check", &f]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("1 observation changed (0 added, 0 removed, 1 altered); observes + controller_change (would be rewritten)"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), before);
    let (code, out, err) = swspec(&["remap", &f]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(rewritten)"), "{out}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
    let (code, out, _) = swspec(&["remap", "--check", &f]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_input_is_a_located_error_and_the_other_traces_are_still_remapped() {
    let dir = scratch("remap-bad");
    let (good, original) = edited(&dir);
    let lines: Vec<&str> = original.lines().collect();
    // A line that lost its raw record, and a line that is not JSON.
    let mut no_raw: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut e: serde_json::Value = serde_json::from_str(lines[1]).expect("json");
    e.as_object_mut().expect("object").remove("raw");
    no_raw[1] = e.to_string();
    let no_raw_file = dir.join("a-no-raw.jsonl");
    std::fs::write(&no_raw_file, no_raw.join("\n") + "\n").expect("write");
    let broken_file = dir.join("b-broken.jsonl");
    let broken = format!("{}\n{}\n{{\"t\": 1,\n", lines[0], lines[1]);
    std::fs::write(&broken_file, &broken).expect("write");
    let (code, out, err) = swspec(&["remap", &dir.display().to_string()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!(
            "{}:2: field `raw`: no raw record",
            no_raw_file.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}:3: ", broken_file.display())) && err.contains("truncated line"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&broken_file).expect("read"), broken);
    assert_eq!(std::fs::read_to_string(&good).expect("read"), original);
    assert!(
        out.contains("3 traces: 1 changed, 0 unchanged, 0 skipped (not captures), 2 unusable"),
        "{out}"
    );
}

#[test]
fn synthetic_traces_are_skipped() {
    let (code, out, err) = swspec(&["remap", "--check", "traces/synthetic"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("skipped (engine \"synthetic\" is not a capture)"),
        "{out}"
    );
}
