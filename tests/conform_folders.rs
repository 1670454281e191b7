//! `swspec conform` survives any folder and any output: symlink loops, FIFOs, unreadable
//! folders, non-UTF-8 names, folders with no expected.toml or no trace at all, a closed stdout,
//! and header text that would otherwise drive the terminal.

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;
use common::{scratch, swspec};

const HEADER: &str = r#"{"format":"swspec-trace","version":1,"engine":"synthetic","engine_version":"0","scenario":"s","profile":"spec","captured_at":"2026-11-21T00:00:00Z","harness":"test","observes":["open_client","register","job_settled"]}"#;
const OPEN: &str = r#"{"t":1,"src":{"kind":"driver"},"obs":{"type":"open_client","client":"c0"}}"#;

fn trace(dir: &Path, name: &str) {
    std::fs::write(dir.join(name), format!("{HEADER}\n{OPEN}\n")).expect("write trace");
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path");
    // SAFETY: mkfifo(3) on a NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[test]
fn symlink_loops_are_not_followed() {
    let dir = scratch("symlink-loop");
    trace(&dir, "t.jsonl");
    std::os::unix::fs::symlink("..", dir.join("up")).expect("symlink");
    std::os::unix::fs::symlink(".", dir.join("here")).expect("symlink");
    let (code, out, err) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("1 trace file(s), 1 check(s)"), "{out}");
    assert!(
        err.contains("up: a symbolic link to a folder (not followed)"),
        "{err}"
    );
}

#[test]
fn a_fifo_named_like_a_trace_is_skipped_and_the_rest_checked() {
    let dir = scratch("fifo");
    trace(&dir, "t.jsonl");
    mkfifo(&dir.join("pipe.jsonl"));
    let (code, out, err) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("pipe.jsonl: a FIFO, not a regular file"),
        "{err}"
    );
    assert!(
        out.contains("1 trace file(s), 1 check(s)") && out.contains("1 skipped"),
        "{out}"
    );
}

#[test]
fn unreadable_folders_and_non_utf8_names_are_errors_and_the_rest_is_checked() {
    let dir = scratch("unreadable");
    for sub in ["ok", "locked"] {
        std::fs::create_dir(dir.join(sub)).expect("mkdir");
        trace(&dir.join(sub), "t.jsonl");
    }
    let bad = std::ffi::OsStr::from_bytes(b"bad\xff.jsonl");
    trace(&dir.join("ok"), &bad.to_string_lossy());
    std::fs::rename(
        dir.join("ok").join(bad.to_string_lossy().as_ref()),
        dir.join("ok").join(bad),
    )
    .expect("rename to a non-UTF-8 name");
    let chmod = |path: &Path, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    chmod(&dir.join("locked"), 0o000);
    // Root reads any folder: run as `nobody` then (the folders are world-readable but one).
    let as_root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if as_root {
        for p in [dir.as_path(), &dir.join("ok")] {
            chmod(p, 0o755);
        }
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_swspec"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_swspec"))
    };
    let out = cmd.arg("conform").arg(&dir).output().expect("run swspec");
    chmod(&dir.join("locked"), 0o755);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("locked: cannot list this folder"),
        "{stderr}"
    );
    assert!(stderr.contains("the name is not UTF-8"), "{stderr}");
    assert!(
        stdout.contains("ok/t.jsonl") && stdout.contains("1 trace file(s), 1 check(s)"),
        "the readable trace is still checked: {stdout}"
    );
}

#[test]
fn no_expected_file_judges_by_the_verdict_and_an_empty_folder_is_an_error() {
    let dir = scratch("no-expected");
    trace(&dir, "t.jsonl");
    let (code, out, err) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("ok   "), "{out}");
    assert!(out.contains("no expected.toml in"), "{out}");
    let (_, json, _) = swspec(&["conform", &dir.display().to_string(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["traces"][0]["expectation"], "no_file");
    assert!(v["traces"][0]["expected"].is_null());
    // A diverging trace with no expectation is not as expected.
    let diverging = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces/synthetic/diverge-update-found-twice.jsonl");
    std::fs::copy(diverging, dir.join("t.jsonl")).expect("copy");
    let (code, out, _) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 1, "{out}");
    // A folder listed in expected.toml but not naming the trace: never as expected.
    std::fs::write(dir.join("t.jsonl"), format!("{HEADER}\n{OPEN}\n")).expect("write");
    std::fs::write(dir.join("expected.toml"), "").expect("write");
    let (code, out, _) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not listed in"), "{out}");

    let empty = scratch("empty");
    std::fs::write(empty.join("x.partial.jsonl"), "").expect("write");
    let (code, out, err) = swspec(&["conform", &empty.display().to_string()]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("no trace files"), "{err}");
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    for args in [
        &["conform", "traces"][..],
        &["check", "--max-states", "20000", "--progress-secs", "100"],
        &["matrix"],
        &["schema"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_swspec"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Read one byte (the command is printing), then close the pipe.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).expect("some output");
        drop(stdout);
        let mut err = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err)
            .expect("stderr");
        let status = child.wait().expect("wait");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        use std::os::unix::process::ExitStatusExt;
        // Ended by SIGPIPE, or finished with its own verdict (check stopped by --max-states
        // exits 1); never Rust's panic status 101.
        assert!(
            status.signal() == Some(libc::SIGPIPE) || matches!(status.code(), Some(0 | 1)),
            "{args:?}: {status:?}\n{err}"
        );
    }
}

#[test]
fn header_text_is_escaped_and_odd_first_lines_are_named() {
    let dir = scratch("escape");
    let h = HEADER.replace(
        r#""engine":"synthetic""#,
        r#""engine":"x\u001b[32mok\rok   fake""#,
    );
    std::fs::write(dir.join("t.jsonl"), format!("{h}\n{OPEN}\n")).expect("write");
    let (_, out, _) = swspec(&["conform", &dir.display().to_string()]);
    assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out:?}");
    assert!(out.contains("x\\u{1b}[32mok\\u{d}ok"), "{out}");

    let bom = [b"\xEF\xBB\xBF".as_slice(), HEADER.as_bytes(), b"\n"].concat();
    std::fs::write(dir.join("t.jsonl"), bom).expect("write");
    let (code, _, err) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("t.jsonl:1: the file starts with a UTF-8 byte order mark"),
        "{err}"
    );

    let deep = format!(
        "{},\"settings\":{{\"x\":{}{}}}}}\n",
        &HEADER[..HEADER.len() - 1],
        "[".repeat(200),
        "]".repeat(200)
    );
    std::fs::write(dir.join("t.jsonl"), deep).expect("write");
    let (code, _, err) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("t.jsonl:1: field `settings.x[0]") && err.contains("nested deeper than 128"),
        "{err}"
    );

    let long = format!(
        "{HEADER}\n{{\"t\":1,\"src\":{{\"kind\":\"driver\"}},\"raw\":[{}1]}}\n",
        "1,".repeat(1000)
    );
    std::fs::write(dir.join("t.jsonl"), long).expect("write");
    let (code, _, err) = swspec(&[
        "conform",
        &dir.display().to_string(),
        "--max-line-bytes",
        "1000",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("t.jsonl:2: the line is ") && err.contains("bytes, over the limit of 1000"),
        "{err}"
    );
    let (code, out, err) = swspec(&["conform", &dir.display().to_string()]);
    assert_eq!(code, 0, "the default limit reads it: {out}\n{err}");
}

#[test]
fn report_and_matrix_pass_over_symlink_loops_and_fifos() {
    let root = scratch("report-walk");
    let dir = root.join("engine-1");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/chromium-148/install-activate.jsonl"),
        dir.join("install-activate.jsonl"),
    )
    .expect("copy");
    std::os::unix::fs::symlink("..", dir.join("up")).expect("symlink");
    mkfifo(&dir.join("pipe.jsonl"));
    let site = root.join("site");
    for args in [
        vec![
            "report",
            "--out",
            site.to_str().expect("utf-8"),
            dir.to_str().expect("utf-8"),
        ],
        vec!["matrix", "--traces", root.to_str().expect("utf-8")],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_swspec"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // A hang guard, not a timing assertion: the walk used to block on the FIFO forever.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let status = loop {
            if let Some(s) = child.try_wait().expect("try_wait") {
                break s;
            }
            if std::time::Instant::now() > until {
                let _ = child.kill();
                panic!("{args:?} did not end");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert_eq!(status.code(), Some(0), "{args:?}");
    }
}
