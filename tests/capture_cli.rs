//! `swspec capture` without a browser run: every scenario file parses, `--list` shows them, and
//! bad input (a missing browser, an unknown scenario, a malformed scenario file) is a clear error
//! with exit 2 that writes no trace. Live capture runs in `.ci/run` (it needs Chromium).

use std::path::Path;
use swspec_conformance::capture::scenario::Scenario;

mod common;
use common::{scratch, swspec};

fn scenarios() -> Vec<Scenario> {
    Scenario::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/scenarios"))
        .expect("every scenario file parses")
}

#[test]
fn every_scenario_file_parses_and_covers_the_model() {
    let all = scenarios();
    assert!(all.len() >= 30, "{} scenarios", all.len());
    for area in [
        "lifecycle",
        "update",
        "registration",
        "events",
        "termination",
        "sync",
        "periodic-sync",
        "push",
        "bgfetch",
    ] {
        assert!(
            all.iter().any(|s| s.areas.iter().any(|a| a == area)),
            "no scenario for {area}"
        );
    }
    // Every scenario has, for every engine, a committed trace with an expected verdict, or a
    // record of why the engine cannot run it (with its feature detection).
    for folder in ["chromium-148", "firefox-esr-140", "webkitgtk-2.50"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("traces")
            .join(folder);
        let expected = std::fs::read_to_string(dir.join("expected.toml"))
            .unwrap_or_else(|e| panic!("{folder}/expected.toml: {e}"));
        for s in &all {
            let file = format!("{}.jsonl", s.name);
            let unsupported = dir.join(format!("{}.unsupported.json", s.name));
            if let Ok(text) = std::fs::read_to_string(&unsupported) {
                let u: swspec_conformance::capture::Unsupported =
                    serde_json::from_str(&text).expect("an unsupported record parses");
                assert!(!u.missing.is_empty(), "{}: says nothing is missing", s.name);
                assert!(u.detected.is_object(), "{}: no feature detection", s.name);
                assert!(!dir.join(&file).exists(), "{folder}: {} both ways", s.name);
                continue;
            }
            assert!(
                dir.join(&file).exists(),
                "{folder}: no committed trace for {}",
                s.name
            );
            assert!(
                expected.contains(&format!("\"{file}\"")),
                "{folder}: no expected verdict for {file}"
            );
        }
    }
}

#[test]
fn list_shows_every_scenario_and_marks_slow_ones() {
    let (code, out, err) = swspec(&["capture", "--list"]);
    assert_eq!(code, 0, "{err}");
    for s in scenarios() {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(s.name.as_str()))
            .unwrap_or_else(|| panic!("{} not listed:\n{out}", s.name));
        assert_eq!(line.ends_with("[slow]"), s.slow, "{line}");
    }
}

#[test]
fn a_missing_browser_names_the_package_and_writes_nothing() {
    for (engine, package) in [
        ("chromium", "apt-get install chromium"),
        ("firefox", "apt-get install firefox-esr"),
        ("webkit", "apt-get install webkit2gtk-driver"),
    ] {
        let out = scratch(&format!("missing-{engine}"));
        let (code, _, err) = swspec(&[
            "capture",
            "--engine",
            engine,
            "--scenario",
            "install-activate",
            "--browser",
            "/nonexistent/browser",
            "--out",
            &out.display().to_string(),
        ]);
        assert_eq!(code, 2, "{engine}: {err}");
        assert!(err.contains(package), "{engine}: {err}");
        assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 0, "{engine}");
    }
}

#[test]
fn bad_arguments_and_scenario_files_are_clear_errors() {
    let (code, _, err) = swspec(&["capture", "--scenario", "no-such-scenario"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no-such-scenario") && err.contains("--list"),
        "{err}"
    );
    let (code, _, err) = swspec(&["capture", "--engine", "netscape", "--list"]);
    assert_eq!(code, 2);
    assert!(err.contains("netscape"), "{err}");
    let (code, _, err) = swspec(&["capture"]);
    assert_eq!(code, 2);
    assert!(err.contains("--scenario"), "{err}");

    let dir = scratch("bad-scenarios");
    std::fs::write(
        dir.join("typo.toml"),
        "description = \"d\"\nstep = [\n  { do = \"open\", client = \"c1\" },\n  { do = \"regster\", client = \"c1\" },\n]\n",
    )
    .expect("write");
    let (code, _, err) = swspec(&[
        "capture",
        "--list",
        "--scenarios",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("typo.toml") && err.contains("regster"),
        "{err}"
    );
    assert!(err.contains("line 4"), "{err}");
    std::fs::write(
        dir.join("typo.toml"),
        "description = \"d\"\n[version.1]\ninstal = \"hang\"\n[[step]]\ndo = \"open\"\nclient = \"c1\"\n",
    )
    .expect("write");
    let (code, _, err) = swspec(&[
        "capture",
        "--list",
        "--scenarios",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("version.1") && err.contains("instal"), "{err}");
    let (code, _, err) = swspec(&["capture", "--list", "--scenarios", "/nonexistent"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent"), "{err}");
}

/// GitHub's anchor of a Markdown heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_expected_divergence_names_an_existing_spec_notes_entry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let notes = std::fs::read_to_string(root.join("SPEC_NOTES.md")).expect("SPEC_NOTES.md");
    let anchors: Vec<String> = notes
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect();
    for dir in std::fs::read_dir(root.join("traces")).expect("traces") {
        let path = dir.expect("entry").path().join("expected.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for line in text.lines().filter(|l| l.starts_with("note")) {
            let anchor = line
                .split("SPEC_NOTES.md#")
                .nth(1)
                .and_then(|a| a.split([':', '"']).next())
                .unwrap_or_else(|| panic!("{}: note without an anchor: {line}", path.display()));
            assert!(
                anchors.iter().any(|a| a == anchor),
                "{}: SPEC_NOTES.md has no heading #{anchor}",
                path.display()
            );
        }
    }
}
