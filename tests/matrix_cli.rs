//! `swspec matrix`: the README's conformance matrix is the one the stored traces give, and a
//! file without the markers is a clear error that changes nothing.

mod common;
use common::{scratch, swspec};

#[test]
fn the_readme_matrix_is_up_to_date() {
    let (code, out, err) = swspec(&["matrix", "--write", "README.md", "--check"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn the_matrix_has_every_engine_and_unsupported_cells() {
    let (code, out, err) = swspec(&["matrix"]);
    assert_eq!(code, 0, "{err}");
    for col in ["chromium-148", "firefox-esr-140", "webkitgtk-2.50"] {
        assert!(out.contains(col), "no column {col}:\n{out}");
    }
    assert!(out.contains("unsupported: no SyncManager"), "{out}");
    assert!(!out.contains("synthetic"), "{out}");
}

#[test]
fn a_file_without_markers_is_an_error_and_is_left_alone() {
    let dir = scratch("matrix");
    let file = dir.join("NOTES.md");
    std::fs::write(&file, "no markers here\n").expect("write");
    let (code, _, err) = swspec(&["matrix", "--write", &file.display().to_string()]);
    assert_eq!(code, 2);
    assert!(err.contains("markers"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "no markers here\n"
    );
}

/// An engine folder `name` under `root` holding copies of committed traces (`(scenario,
/// text)`).
fn folder(root: &std::path::Path, name: &str, traces: &[(&str, String)]) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (scenario, text) in traces {
        std::fs::write(dir.join(format!("{scenario}.jsonl")), text).expect("write");
    }
}

fn committed(path: &str) -> String {
    std::fs::read_to_string(path).expect("read")
}

#[test]
fn versions_are_columns_grouped_by_engine_and_a_changed_verdict_is_marked() {
    let root = scratch("matrix-versions");
    let ok = committed("traces/chromium-148/install-activate.jsonl");
    // The same capture without its install event: a version whose verdict differs.
    let broken: String = ok
        .lines()
        .filter(|l| !l.contains(r#""event":"install""#))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(broken, ok);
    let ping = committed("traces/chromium-148/message-ping.jsonl");
    // Path order would put chromium-148 before chromium-99; version order does not.
    folder(
        &root,
        "chromium-148",
        &[("install-activate", broken), ("message-ping", ping.clone())],
    );
    folder(
        &root,
        "chromium-99",
        &[("install-activate", ok), ("message-ping", ping)],
    );
    folder(
        &root,
        "firefox-esr-140",
        &[(
            "install-activate",
            committed("traces/firefox-esr-140/install-activate.jsonl"),
        )],
    );
    let (code, out, err) = swspec(&["matrix", "--traces", &root.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("| scenario | chromium-99 | chromium-148 | firefox-esr-140 |"),
        "{out}"
    );
    assert!(out.contains("`≠148`: the verdicts differ"), "{out}");
    let row = |s: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("| {s} |")))
            .unwrap_or_else(|| panic!("no row {s}:\n{out}"))
            .to_string()
    };
    let install: Vec<String> = row("install-activate")
        .split('|')
        .map(|c| c.trim().to_string())
        .collect();
    assert!(
        install[3].starts_with("diverges") && install[3].ends_with(" ≠99"),
        "{install:?}"
    );
    assert!(
        !install[2].contains('≠'),
        "the oldest version has nothing to differ from"
    );
    // Firefox is another engine: its cell is never compared with Chromium's versions.
    assert!(!install[4].contains("≠"), "{install:?}");
    assert!(
        !row("message-ping").contains("≠99"),
        "same verdicts, no mark"
    );
}
