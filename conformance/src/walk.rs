//! Finding the trace files under the paths `swspec conform` is given ([`collect`]).
//!
//! The walk survives any folder: it never follows a symbolic link to a folder (so a link to
//! `..` cannot loop), visits each folder once (by device and inode, for bind mounts), never
//! opens what is not a regular file (a FIFO named `*.jsonl` would block the run), and goes on
//! past a folder it cannot list or a name that is not UTF-8, reporting each as an error.
//! Paths named on the command line are taken as given: a symlink to a folder is followed there,
//! and a named FIFO is read (`swspec conform <(zcat t.jsonl.gz)`).

use crate::trace::InputError;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fs::FileType;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// A file the walk saw but does not check, with why (a warning, not an error).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The file.
    #[serde(rename = "file")]
    pub path: PathBuf,
    /// Why it is not checked.
    pub reason: String,
}

/// What [`collect`] found.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// The trace files, sorted, each once.
    pub files: Vec<PathBuf>,
    /// Entries not checked (symlinks to folders, FIFOs, sockets, devices named like traces).
    pub skipped: Vec<Skipped>,
    /// What could not be listed or named (an unreadable folder, a non-UTF-8 name, a folder
    /// holding no trace, a path that does not exist). The rest is still collected.
    pub errors: Vec<InputError>,
}

/// Whether a file name is a trace's: `*.jsonl`, except the partial traces a failed capture
/// keeps (`*.partial.jsonl`).
pub fn is_trace_name(name: &[u8]) -> bool {
    name.ends_with(b".jsonl") && !name.ends_with(b".partial.jsonl")
}

fn error(path: &Path, message: String) -> InputError {
    InputError {
        path: path.to_path_buf(),
        line: None,
        field: None,
        message,
    }
}

/// Collects the trace files under `paths`: files as given, folders recursively (`*.jsonl`,
/// skipping `*.partial.jsonl`). A folder that holds no trace is an error.
pub fn collect(paths: &[PathBuf]) -> Collected {
    let mut walk = Walk::default();
    for p in paths {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                walk.out.errors.push(error(p, e.to_string()));
                continue;
            }
        };
        if !meta.is_dir() {
            walk.out.files.push(p.clone());
            continue;
        }
        if !walk.visited.insert((meta.dev(), meta.ino())) {
            continue; // named twice, or inside a folder named before: already collected
        }
        let (files, revisits) = (walk.out.files.len(), walk.revisits);
        walk.dir(p);
        if walk.out.files.len() == files && walk.revisits == revisits {
            walk.out.errors.push(error(
                p,
                "no trace files (`*.jsonl`, partial ones excluded) in this folder".into(),
            ));
        }
    }
    walk.out.files.sort();
    walk.out.files.dedup();
    walk.out
}

#[derive(Default)]
struct Walk {
    out: Collected,
    /// Folders entered, by (device, inode).
    visited: BTreeSet<(u64, u64)>,
    /// Folders met again (named before, or a bind mount of an ancestor): their traces are
    /// already collected, so they are passed over without a word.
    revisits: usize,
}

impl Walk {
    fn dir(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.out
                    .errors
                    .push(error(dir, format!("cannot list this folder: {e}")));
                return;
            }
        };
        let mut entries: Vec<_> = entries
            .filter_map(|e| match e {
                Ok(e) => Some(e),
                Err(e) => {
                    self.out
                        .errors
                        .push(error(dir, format!("cannot list this folder: {e}")));
                    None
                }
            })
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            match entry.file_type() {
                Ok(ft) => self.entry(&path, ft),
                Err(e) => self.out.errors.push(error(&path, e.to_string())),
            }
        }
    }

    /// One folder entry, by its own type (a symlink is not followed to find it).
    fn entry(&mut self, path: &Path, ft: FileType) {
        let name = path.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
        let utf8 = std::str::from_utf8(name).is_ok();
        if !utf8 && (ft.is_dir() || is_trace_name(name)) {
            self.out.errors.push(error(
                path,
                "the name is not UTF-8 (rename it to have it checked)".into(),
            ));
            return;
        }
        if ft.is_dir() {
            match std::fs::symlink_metadata(path) {
                Ok(m) if !self.visited.insert((m.dev(), m.ino())) => self.revisits += 1,
                Ok(_) => self.dir(path),
                Err(e) => self.out.errors.push(error(path, e.to_string())),
            }
            return;
        }
        if ft.is_symlink() {
            // Followed to a regular file only: a link to a folder could loop (`up -> ..`).
            match std::fs::metadata(path) {
                Ok(m) if m.is_dir() => {
                    self.skip(path, "a symbolic link to a folder (not followed)")
                }
                _ if !is_trace_name(name) => {}
                Ok(m) if m.is_file() => self.out.files.push(path.to_path_buf()),
                Ok(m) => {
                    let what = kind(m.file_type());
                    self.skip(
                        path,
                        &format!("a symbolic link to {what}, not a regular file"),
                    );
                }
                Err(e) => self.skip(path, &format!("a broken symbolic link ({e})")),
            }
            return;
        }
        if !is_trace_name(name) {
            return;
        }
        if ft.is_file() {
            self.out.files.push(path.to_path_buf());
        } else {
            let what = kind(ft);
            self.skip(path, &format!("{what}, not a regular file"));
        }
    }

    fn skip(&mut self, path: &Path, reason: &str) {
        self.out.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        });
    }
}

/// What a non-regular file is, in words.
fn kind(ft: FileType) -> &'static str {
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_dir() {
        "a folder"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}
