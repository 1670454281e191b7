//! Browser processes: started in their own process group with stderr kept in a log file, and
//! torn down by signalling that group only, so a capture kills exactly what it started.
//!
//! Every process a capture starts carries a marker in its environment ([`MARKER`]), which its
//! descendants inherit: Chromium's crash handler leaves the group (it daemonizes), and the
//! marker finds it. The leader is watched by a thread of its own, so a browser that dies is
//! known at once ([`Watch`]), not when the current wait runs out. A capture's files live in
//! one [`Scratch`] folder (profile, the browser's TMPDIR, logs), removed on every path.

use super::error::CaptureError;
use super::signal;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The environment variable that marks a capture's processes (its value is unique per group).
pub const MARKER: &str = "SWSPEC_CAPTURE";

/// How long a group gets to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// How the leader of a group ended, once it has (set by its waiter thread).
#[derive(Default)]
struct Exit {
    status: Mutex<Option<ExitStatus>>,
    changed: Condvar,
}

impl Exit {
    fn get(&self) -> Option<ExitStatus> {
        *self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits up to `d` for the leader to exit; whether it has.
    fn wait(&self, d: Duration) -> bool {
        let guard = self.status.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, d, |s| s.is_none())
            .unwrap_or_else(|p| p.into_inner());
        guard.is_some()
    }
}

/// An exit status in words: `signal 9` or `status 1`.
pub fn describe(status: ExitStatus) -> String {
    match (status.signal(), status.code()) {
        (Some(sig), _) => format!("signal {sig}"),
        (None, Some(code)) => format!("status {code}"),
        (None, None) => "an unknown status".into(),
    }
}

/// A cheap handle on whether a group's leader is still running (for an engine's `alive`).
#[derive(Clone)]
pub struct Watch {
    exit: Arc<Exit>,
    what: String,
    pgid: i32,
    marker: String,
}

impl Watch {
    /// Whether a process of the capture whose command name is `comm` still runs (for a
    /// browser that is not the group's leader: WebKit's MiniBrowser).
    pub fn runs(&self, comm: &str) -> bool {
        members(self.pgid, &self.marker)
            .iter()
            .any(|p| p.comm == comm)
    }

    /// [`Watch::check`] after waiting up to `d` for the leader to exit (for an error that a
    /// dying browser may explain, such as its connection closing).
    pub fn check_within(&self, d: Duration) -> Result<(), CaptureError> {
        self.exit.wait(d);
        self.check()
    }

    /// `"… exited (signal 9)"` once the leader has exited.
    pub fn exited(&self) -> Option<String> {
        let status = self.exit.get()?;
        Some(format!("{} exited ({})", self.what, describe(status)))
    }

    /// A browser error saying how the leader exited, once it has.
    pub fn check(&self) -> Result<(), CaptureError> {
        match self.exited() {
            Some(m) => Err(CaptureError::Browser(m)),
            None => Ok(()),
        }
    }
}

/// A started browser (or driver) process group.
pub struct Group {
    pgid: i32,
    exit: Arc<Exit>,
    /// The [`MARKER`] value of its processes.
    marker: String,
    what: String,
    /// A profile directory removed once the group is gone.
    profile: Option<PathBuf>,
    /// Set once torn down: the group's id may be reused once every member is gone, so it is
    /// never signalled again.
    down: bool,
}

/// A line-reading callback that picks the address out of the browser's output.
pub type Ready = fn(&str) -> Option<String>;

impl Group {
    /// Starts `cmd` in a new process group, copying its stderr (and stdout) to `log`. When
    /// `ready` is given, waits up to `wait` for a line of output it accepts and returns what it
    /// returned (a DevTools or BiDi address); a browser that exits first, or a stop signal,
    /// ends the wait at once.
    pub fn spawn(
        mut cmd: Command,
        what: &str,
        log: &Path,
        ready: Option<Ready>,
        wait: Duration,
    ) -> Result<(Group, Option<String>), CaptureError> {
        static N: AtomicU64 = AtomicU64::new(0);
        let marker = format!(
            "{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut child = cmd
            .env(MARKER, &marker)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| CaptureError::Setup(format!("cannot start {what}: {e}")))?;
        let (tx, rx) = channel();
        let file = std::fs::File::create(log).ok().map(Arc::new);
        let streams: Vec<Box<dyn std::io::Read + Send>> = [
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        .collect();
        for stream in streams {
            let (tx, file) = (tx.clone(), file.clone());
            thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(mut f) = file.as_deref() {
                        let _ = writeln!(f, "{line}");
                    }
                    if let Some(found) = ready.and_then(|r| r(&line)) {
                        let _ = tx.send(found);
                    }
                }
            });
        }
        drop(tx); // the output closing (the browser gone) now ends the wait below
        let exit = Arc::new(Exit::default());
        let pgid = child.id() as i32;
        let waiter = exit.clone();
        thread::spawn(move || {
            let status = child.wait().unwrap_or_else(|_| ExitStatus::from_raw(0));
            *waiter.status.lock().unwrap_or_else(|p| p.into_inner()) = Some(status);
            waiter.changed.notify_all();
        });
        let mut group = Group {
            pgid,
            exit,
            marker,
            what: what.to_string(),
            profile: None,
            down: false,
        };
        if ready.is_none() {
            return Ok((group, None));
        }
        let until = Instant::now() + wait;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(found) => return Ok((group, Some(found))),
                Err(RecvTimeoutError::Timeout) if Instant::now() < until => {
                    if signal::received().is_some() || group.exit.get().is_some() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        // Give the waiter a moment to record an exit that closed the output.
        let exited = group.exit.wait(Duration::from_millis(500));
        group.kill();
        let tail = log_tail(log, 8);
        let why = match group.exit.get() {
            _ if signal::received().is_some() => "was stopped by a signal".to_string(),
            Some(s) if exited => format!("exited ({}) before it printed its address", describe(s)),
            _ => format!("printed no address within {} s", wait.as_secs()),
        };
        Err(CaptureError::Setup(format!("{what} {why}{tail}")))
    }

    /// Removes `dir` (the browser's fresh profile) once the group is killed.
    pub fn remove_on_kill(&mut self, dir: PathBuf) {
        self.profile = Some(dir);
    }

    /// Whether the leader has exited.
    pub fn exited(&mut self) -> bool {
        self.exit.get().is_some()
    }

    /// A handle that tells whether the leader still runs.
    pub fn watch(&self) -> Watch {
        Watch {
            exit: self.exit.clone(),
            what: self.what.clone(),
            pgid: self.pgid,
            marker: self.marker.clone(),
        }
    }

    /// The processes of this capture still running (not zombies): the group's, and those
    /// that left it but carry its marker.
    pub fn members(&self) -> Vec<i32> {
        members(self.pgid, &self.marker)
            .into_iter()
            .map(|p| p.pid)
            .collect()
    }

    /// SIGTERM to the group and the processes that left it, SIGKILL to what is left after
    /// the grace period (5 s), then the profile removed; idempotent.
    pub fn kill(&mut self) {
        if std::mem::replace(&mut self.down, true) {
            return;
        }
        let until = Instant::now() + GRACE;
        let mut left = self.members();
        if !left.is_empty() {
            self.signal_all(&left, libc::SIGTERM);
            while Instant::now() < until {
                self.exit.wait(Duration::from_millis(50));
                left = self.members();
                if left.is_empty() {
                    break;
                }
            }
        }
        if !left.is_empty() {
            self.signal_all(&left, libc::SIGKILL);
        }
        // The leader is this process's child: its waiter reaps it once it is gone.
        self.exit.wait(GRACE);
        if let Some(dir) = self.profile.take() {
            remove_dir(&dir);
        }
    }

    fn signal_all(&self, pids: &[i32], sig: i32) {
        // SAFETY: kill(2) on the process group this harness created and on processes that
        // carry its marker; no memory is touched (ESRCH for one already gone is fine).
        unsafe {
            libc::kill(-self.pgid, sig);
            for pid in pids {
                libc::kill(*pid, sig);
            }
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One line of `/proc/PID/stat`, as far as the teardown needs it.
struct Proc {
    pid: i32,
    comm: String,
    pgid: i32,
    zombie: bool,
}

/// The running processes (not zombies) of group `pgid` or carrying `marker`.
fn members(pgid: i32, marker: &str) -> Vec<Proc> {
    processes()
        .into_iter()
        .filter(|p| !p.zombie && (p.pgid == pgid || has_marker(p.pid, marker)))
        .collect()
}

/// Every process visible in `/proc`.
fn processes() -> Vec<Proc> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.filter_map(|e| {
        let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // After the command name in parentheses (which may hold anything): state, ppid, pgrp.
        let close = stat.rfind(')')?;
        let comm = stat[stat.find('(')? + 1..close].to_string();
        let rest = &stat[close + 1..];
        let mut f = rest.split_whitespace();
        let state = f.next()?;
        let pgid = f.nth(1)?.parse().ok()?;
        Some(Proc {
            pid,
            comm,
            pgid,
            zombie: state == "Z" || state == "X",
        })
    })
    .collect()
}

/// Whether process `pid` carries `MARKER=marker` in its environment.
fn has_marker(pid: i32, marker: &str) -> bool {
    let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let want = format!("{MARKER}={marker}");
    env.split(|b| *b == 0).any(|v| v == want.as_bytes())
}

/// The last `n` lines of a log, as text to append to an error (empty when there are none).
fn log_tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(n)..];
    format!("; its last output:\n    {}", tail.join("\n    "))
}

/// The error for a browser (or tool) that is not installed, naming the Debian package.
pub fn missing(what: &str, path: &Path, package: &str) -> CaptureError {
    CaptureError::Setup(format!(
        "{what} not found at {}: install it with `apt-get install {package}` (or pass --browser PATH)",
        path.display()
    ))
}

/// Refuses a browser (or tool) path that is missing, a folder, or not executable, naming the
/// Debian package that provides it.
pub fn check_binary(what: &str, path: &Path, package: &str) -> Result<(), CaptureError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|_| missing(what, path, package))?;
    let problem = if meta.is_dir() {
        "is a folder, not a program"
    } else if meta.permissions().mode() & 0o111 == 0 {
        "is not executable"
    } else {
        return Ok(());
    };
    Err(CaptureError::Setup(format!(
        "{what} at {} {problem} (pass --browser PATH, or `apt-get install {package}`)",
        path.display()
    )))
}

/// Removes a folder, retrying while a browser lets go of it.
fn remove_dir(dir: &Path) {
    for _ in 0..5 {
        if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
            break;
        }
        thread::sleep(Duration::from_millis(300));
    }
}

/// A fresh folder under the temporary directory, `<prefix>-<pid>-<n>`, made by this
/// call (never an older one left by a process of the same id). The name is short on purpose:
/// Chromium puts a Unix socket under its TMPDIR, and a socket path holds at most 107 bytes.
fn fresh_dir(prefix: &str) -> Result<PathBuf, CaptureError> {
    static N: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    loop {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("{prefix}-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(CaptureError::Setup(format!(
                    "cannot create {}: {e}",
                    dir.display()
                )))
            }
        }
    }
}

/// A fresh profile directory under the temporary directory (removed by whoever made it; a
/// capture uses its [`Scratch`] instead).
pub fn fresh_profile(engine: &str) -> Result<PathBuf, CaptureError> {
    fresh_dir(&format!("swspec-{engine}"))
}

/// One capture's temporary folder: the browser's profile, the TMPDIR its processes get (so
/// `org.chromium.Chromium.*` and `xvfb-run.*` land inside), and the browser's logs. Dropping it
/// removes it with everything in it, on every path (a failed launch, an error, a signal).
pub struct Scratch {
    root: PathBuf,
}

impl Scratch {
    /// Creates `$TMPDIR/swspec-<pid>-<n>/` with `profile/` and `tmp/`.
    pub fn new() -> Result<Scratch, CaptureError> {
        let scratch = Scratch {
            root: fresh_dir("swspec")?,
        };
        for sub in [scratch.profile(), scratch.tmp()] {
            std::fs::create_dir_all(&sub).map_err(|e| {
                CaptureError::Setup(format!("cannot create {}: {e}", sub.display()))
            })?;
        }
        Ok(scratch)
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The browser's profile (user data) folder.
    pub fn profile(&self) -> PathBuf {
        self.root.join("profile")
    }

    /// The TMPDIR of the browser's processes.
    pub fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Where the log called `name` goes.
    pub fn log(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The logs written so far (`*.log`, `*.stderr`), by name.
    pub fn logs(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        v.sort();
        v
    }

    /// A command for `program` whose TMPDIR is [`Scratch::tmp`].
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("TMPDIR", self.tmp());
        cmd
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        remove_dir(&self.root);
    }
}
