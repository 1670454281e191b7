//! The output folder of a capture run ([`OutDir`]): created and locked before any browser
//! starts, so that a folder that cannot be written fails at once (not after the scenario ran,
//! losing its trace) and two captures into one folder cannot overwrite each other's traces.
//! Every file is written atomically ([`write_atomically`]).

use super::error::CaptureError;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// The lock file's name in the output folder (present only while a capture writes there).
pub const LOCK: &str = ".swspec-capture.lock";

/// A locked output folder. The lock is `flock(2)` on [`LOCK`]: the kernel releases it when the
/// process dies, however it dies, so a stale lock file never blocks the next run.
pub struct OutDir {
    dir: PathBuf,
    lock: PathBuf,
    /// Held open: the lock lives as long as the descriptor.
    _file: File,
}

impl OutDir {
    /// Creates `dir` if needed and takes its lock; an error if it cannot be written or another
    /// capture holds it.
    pub fn lock(dir: &Path) -> Result<OutDir, CaptureError> {
        let fail = |m: String| CaptureError::Io(format!("{}: {m}", dir.display()));
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let lock = dir.join(LOCK);
        // The file may be unlinked by the holder between our open and our flock: retry on a
        // fresh file until the one locked is the one at the path.
        for _ in 0..10 {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&lock)
                .map_err(|e| fail(format!("cannot create files here: {e}")))?;
            // SAFETY: flock(2) on a descriptor this function owns.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                let holder = std::fs::read_to_string(&lock).unwrap_or_default();
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    "another capture".to_string()
                } else {
                    format!("another capture (pid {holder})")
                };
                return Err(fail(format!(
                    "{who} is writing into this folder; wait for it, or use another --out"
                )));
            }
            let same = match (file.metadata(), std::fs::metadata(&lock)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if !same {
                continue;
            }
            let _ = file.set_len(0);
            let _ = write!(file, "{}", std::process::id());
            return Ok(OutDir {
                dir: dir.to_path_buf(),
                lock,
                _file: file,
            });
        }
        Err(fail("cannot take the lock (it keeps changing)".into()))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        // Unlinked while still held: a capture waiting for it retries on a fresh file.
        let _ = std::fs::remove_file(&self.lock);
    }
}

/// Writes `text` to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), CaptureError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CaptureError::Io(format!("{}: {e}", path.display()))
        })
}

/// The browser's logs joined into `path` (each under a line naming it), or `None` when there
/// were none or the file cannot be written.
pub fn keep_logs(logs: &[PathBuf], path: &Path) -> Option<PathBuf> {
    let mut text = String::new();
    for log in logs {
        let body = std::fs::read_to_string(log).unwrap_or_default();
        let name = log
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        text.push_str(&format!("==> {name} <==\n{body}"));
        if !body.ends_with('\n') {
            text.push('\n');
        }
    }
    if logs.is_empty() {
        return None;
    }
    write_atomically(path, &text)
        .ok()
        .map(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_folder_is_refused_and_released_with_the_first() {
        let dir = std::env::temp_dir().join(format!("swspec-outdir-{}", std::process::id()));
        let first = OutDir::lock(&dir).expect("first lock");
        let second = OutDir::lock(&dir).err().expect("second lock refused");
        assert!(
            second.to_string().contains("is writing into this folder"),
            "{second}"
        );
        assert!(
            second.to_string().contains(&std::process::id().to_string()),
            "{second}"
        );
        drop(first);
        assert!(!dir.join(LOCK).exists(), "the lock file goes with the lock");
        let third = OutDir::lock(&dir).expect("free again");
        drop(third);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
