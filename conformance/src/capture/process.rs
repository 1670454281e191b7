//! Browser processes: started in their own process group with stderr kept in a log file, and
//! torn down by signalling that group only, so a capture kills exactly what it started.

use super::error::CaptureError;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::thread;
use std::time::{Duration, Instant};

/// A started browser (or driver) process group.
pub struct Group {
    child: Child,
    /// A profile directory removed once the group is gone.
    profile: Option<PathBuf>,
    /// Set once torn down: the group's pid may be reused after it is reaped, so it is never
    /// signalled twice.
    down: bool,
}

impl Group {
    /// Starts `cmd` in a new process group, copying its stderr (and stdout) to `log`. When
    /// `ready` is given, waits up to `wait` for a line of output it accepts and returns what it
    /// returned (a DevTools or BiDi address).
    pub fn spawn(
        mut cmd: Command,
        what: &str,
        log: &Path,
        ready: Option<fn(&str) -> Option<String>>,
        wait: Duration,
    ) -> Result<(Group, Option<String>), CaptureError> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| CaptureError::Setup(format!("cannot start {what}: {e}")))?;
        let (tx, rx) = channel();
        let file = std::fs::File::create(log).ok().map(std::sync::Arc::new);
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
        let mut group = Group {
            child,
            profile: None,
            down: false,
        };
        let Some(_) = ready else {
            return Ok((group, None));
        };
        match rx.recv_timeout(wait) {
            Ok(found) => Ok((group, Some(found))),
            Err(_) => {
                group.kill();
                Err(CaptureError::Setup(format!(
                    "{what} printed no address within {} s (its output: {})",
                    wait.as_secs(),
                    log.display()
                )))
            }
        }
    }

    /// Removes `dir` (the browser's fresh profile) once the group is killed.
    pub fn remove_on_kill(&mut self, dir: PathBuf) {
        self.profile = Some(dir);
    }

    /// Whether the process has exited.
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM to the group, SIGKILL after 5 s; idempotent.
    pub fn kill(&mut self) {
        if std::mem::replace(&mut self.down, true) {
            return;
        }
        let pid = self.child.id() as i32;
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: kill(2) on the process group this harness created; no memory is touched.
            unsafe { libc::kill(-pid, libc::SIGTERM) };
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
        }
        // SAFETY: as above; the group may already be gone (ESRCH is fine).
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        let _ = self.child.wait();
        if let Some(dir) = self.profile.take() {
            remove_profile(&dir);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The error for a browser (or tool) that is not installed, naming the Debian package.
pub fn missing(what: &str, path: &Path, package: &str) -> CaptureError {
    CaptureError::Setup(format!(
        "{what} not found at {}: install it with `apt-get install {package}` (or pass --browser PATH)",
        path.display()
    ))
}

/// Removes a browser profile directory, retrying while the browser lets go of it.
fn remove_profile(dir: &Path) {
    for _ in 0..5 {
        if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
            break;
        }
        thread::sleep(Duration::from_millis(300));
    }
}

/// A fresh profile directory under the temporary directory.
pub fn fresh_profile(engine: &str) -> Result<std::path::PathBuf, CaptureError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("swspec-{engine}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| CaptureError::Setup(format!("cannot create a profile dir: {e}")))?;
    Ok(dir)
}
