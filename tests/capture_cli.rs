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
    // Every scenario has, in every engine's newest folder, a committed trace with an expected
    // verdict, or a record of why the engine cannot run it (with its feature detection). The
    // older folders are history: they hold the scenarios of their day.
    for folder in ["chromium-156", "firefox-esr-153", "webkitgtk-2.50"] {
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

/// Runs `swspec capture --engine ENGINE --scenario install-activate` with `--browser` and
/// `--out` as given and its own TMPDIR: (exit code, stderr).
fn capture_with(engine: &str, browser: &Path, out: &Path, tmp: &Path) -> (i32, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_swspec"))
        .args([
            "capture",
            "--engine",
            engine,
            "--scenario",
            "install-activate",
        ])
        .arg("--browser")
        .arg(browser)
        .arg("--out")
        .arg(out)
        .env("TMPDIR", tmp)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run swspec capture");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A browser that cannot start (a folder, a file that is not executable, a program that exits
/// at once) is an error with exit 2 that leaves nothing in the temporary folder: no
/// `swspec-*` profile, no scratch folder, no trace.
#[test]
fn a_browser_that_cannot_start_leaves_no_temporary_folder() {
    use std::os::unix::fs::PermissionsExt;
    let root = scratch("bad-browser");
    let (tmp, out) = (root.join("tmp"), root.join("out"));
    std::fs::create_dir_all(&tmp).expect("tmp");
    let folder = root.join("folder");
    std::fs::create_dir(&folder).expect("folder");
    let plain = root.join("plain");
    std::fs::write(&plain, "not a program\n").expect("plain");
    let exits = root.join("exits");
    std::fs::write(&exits, "#!/bin/sh\necho 'fake browser: no' >&2\nexit 3\n").expect("exits");
    std::fs::set_permissions(&exits, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for engine in ["chromium", "firefox", "webkit"] {
        for browser in [&folder, &plain, &exits] {
            let (code, err) = capture_with(engine, browser, &out, &tmp);
            let what = format!("{engine} {}", browser.display());
            assert_ne!(code, 0, "{what}: {err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            let left: Vec<_> = std::fs::read_dir(&tmp)
                .expect("tmp")
                .flatten()
                .map(|e| e.path())
                .collect();
            assert!(left.is_empty(), "{what}: left in TMPDIR: {left:?}\n{err}");
            let traces: Vec<_> = std::fs::read_dir(&out)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect();
            assert!(traces.is_empty(), "{what}: {traces:?}");
        }
    }
}

/// An output folder that cannot be made, or that another capture holds, fails with exit 2
/// before any browser starts (the fake browser would leave a mark if it ran).
#[test]
fn an_unwritable_or_locked_output_folder_fails_before_the_browser_starts() {
    use std::os::unix::fs::PermissionsExt;
    use swspec_conformance::capture::OutDir;
    let root = scratch("out-checked-first");
    let tmp = root.join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let mark = root.join("browser-ran");
    let browser = root.join("browser");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", mark.display()),
    )
    .expect("browser");
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // A file where a folder should be: no permission bits matter (the tests may run as root).
    let file = root.join("a-file");
    std::fs::write(&file, "").expect("file");
    let (code, err) = capture_with("chromium", &browser, &file.join("out"), &tmp);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a-file"), "{err}");
    assert!(
        !mark.exists(),
        "the browser ran before the folder was checked"
    );

    let out = root.join("out");
    let held = OutDir::lock(&out).expect("the first capture's lock");
    let (code, err) = capture_with("chromium", &browser, &out, &tmp);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is writing into this folder"), "{err}");
    assert!(!mark.exists(), "the browser ran in a locked folder");
    drop(held);
    let (code, err) = capture_with("chromium", &browser, &out, &tmp);
    assert_ne!(code, 0, "{err}");
    assert!(
        mark.exists(),
        "with the lock released the capture starts: {err}"
    );
}
