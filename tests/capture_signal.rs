//! A stopped capture cleans up after itself, in real Chromium: after SIGINT or SIGTERM, or with
//! the browser killed under it, no process of the capture is left, its temporary folder is
//! empty (no profile, no `org.chromium.Chromium.*`), the partial trace is written and parses,
//! and the exit status says what happened (130, 143; 1 with "exited (signal 9) during step").
//! Assertions are about cleanup, never about how fast it was. Skipped where Chromium is not
//! installed, except under CI (which installs it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};
use swspec_conformance::capture::process::MARKER;
use swspec_conformance::trace::Trace;

mod common;
use common::scratch;

/// Processes still running (not zombies) that the capture `pid` started: they carry its
/// marker, `SWSPEC_CAPTURE=<pid>-<n>`. With the command name and whether it leads its group.
fn started_by(pid: u32) -> Vec<(i32, String, bool)> {
    let prefix = format!("{MARKER}={pid}-");
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(env) = std::fs::read(format!("/proc/{p}/environ")) else {
            continue;
        };
        if !env
            .split(|b| *b == 0)
            .any(|v| v.starts_with(prefix.as_bytes()))
        {
            continue;
        }
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let comm = stat[stat.find('(').map_or(0, |i| i + 1)..close].to_string();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        if fields.first().is_some_and(|s| *s == "Z" || *s == "X") {
            continue;
        }
        let leader = fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(p);
        out.push((p, comm, leader));
    }
    out
}

/// Starts `swspec capture` of idle-stop (a scenario that waits about 30 s) in Chromium, with
/// its own TMPDIR (short: Chromium's socket path under it holds at most 107 bytes), and waits
/// until the browser runs.
fn start(name: &str) -> (Child, PathBuf, PathBuf, common::Scratch) {
    let root = scratch(name);
    let (tmp, out) = (root.join("tmp"), root.join("out"));
    std::fs::create_dir_all(&tmp).expect("tmp");
    let child = Command::new(env!("CARGO_BIN_EXE_swspec"))
        .args([
            "capture",
            "--engine",
            "chromium",
            "--scenario",
            "idle-stop",
            "--out",
        ])
        .arg(&out)
        .env("TMPDIR", &tmp)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn swspec capture");
    let until = Instant::now() + Duration::from_secs(120);
    while !started_by(child.id())
        .iter()
        .any(|(_, comm, _)| comm == "chromium")
    {
        assert!(Instant::now() < until, "Chromium never started");
        thread::sleep(Duration::from_millis(100));
    }
    // Let it get into the scenario's steps.
    thread::sleep(Duration::from_secs(3));
    (child, tmp, out, root)
}

/// Waits for the capture to end (a hang guard, not a timing assertion): exit code, stdout.
fn finish(mut child: Child) -> (Option<i32>, String, String) {
    let until = Instant::now() + Duration::from_secs(180);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the capture did not end");
        }
        thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Nothing of the capture is left: no process, nothing in its TMPDIR, a partial trace that
/// parses, and no lock file.
fn assert_clean(pid: u32, tmp: &Path, out: &Path) {
    let left = started_by(pid);
    assert!(left.is_empty(), "processes left: {left:?}");
    let files: Vec<_> = std::fs::read_dir(tmp)
        .expect("tmp")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(files.is_empty(), "left in TMPDIR: {files:?}");
    let partial = out.join("idle-stop.partial.jsonl");
    let t = Trace::read(&partial).unwrap_or_else(|e| panic!("the partial trace: {e}"));
    assert_eq!(t.header.scenario, "idle-stop");
    assert!(!out.join("idle-stop.jsonl").exists());
    assert!(!out.join(".swspec-capture.lock").exists());
}

#[test]
fn a_stopped_or_crashed_capture_leaves_nothing_behind() {
    if !Path::new("/usr/bin/chromium").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "/usr/bin/chromium is missing under CI (apt-get install chromium)"
        );
        eprintln!("skipped: /usr/bin/chromium is not installed (apt-get install chromium)");
        return;
    }
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let (child, tmp, out, _root) = start(&format!("s{sig}"));
        let pid = child.id();
        // SAFETY: kill(2) on the child this test started.
        assert_eq!(unsafe { libc::kill(pid as i32, sig) }, 0);
        let (status, stdout, stderr) = finish(child);
        assert_eq!(status, Some(code), "{stdout}\n{stderr}");
        assert!(stdout.contains("STOPPED (interrupted by SIG"), "{stdout}");
        assert_clean(pid, &tmp, &out);
    }
    // The browser killed under the capture: reported as its exit, the partial kept.
    let (child, tmp, out, _root) = start("s9");
    let pid = child.id();
    let leader = started_by(pid)
        .into_iter()
        .find(|(_, comm, leader)| comm == "chromium" && *leader)
        .expect("Chromium's group leader");
    // SAFETY: kill(2) on the browser the capture under test started.
    assert_eq!(unsafe { libc::kill(leader.0, libc::SIGKILL) }, 0);
    let (status, stdout, stderr) = finish(child);
    assert_eq!(status, Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Chromium exited (signal 9) during step"),
        "{stdout}"
    );
    assert_clean(pid, &tmp, &out);
    assert!(
        out.join("idle-stop.partial.log").exists(),
        "the browser's log is kept"
    );
}
