//! Property tests of the folder walk (`walk::collect`) on random trees in a temporary folder:
//! folders, traces, partial traces, other files, FIFOs named like traces, symlinks to `..`, to
//! `.`, to the root, to a trace and to nothing, non-UTF-8 names and folders that cannot be
//! listed. Whatever the tree, the walk ends, finds exactly the regular trace files it can reach
//! without following a link to a folder, each once, skips the rest with a reason, and reports
//! every folder it cannot list and every name it cannot print as an error.

use proptest::prelude::*;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use swspec_conformance::walk;

/// What one entry of the tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Dir,
    /// A folder with mode 000 (still listable by root).
    LockedDir,
    /// A folder whose name is not UTF-8.
    NonUtf8Dir,
    Trace,
    Partial,
    Other,
    /// A FIFO named `*.jsonl`.
    Fifo,
    /// A trace whose name is not UTF-8.
    NonUtf8Trace,
    /// Symlinks: to `..`, to `.`, to the tree's root (absolute), to the first trace, to nothing.
    LinkUp,
    LinkSelf,
    LinkRoot,
    LinkTrace,
    LinkNowhere,
}

const KINDS: [Kind; 13] = [
    Kind::Dir,
    Kind::LockedDir,
    Kind::NonUtf8Dir,
    Kind::Trace,
    Kind::Partial,
    Kind::Other,
    Kind::Fifo,
    Kind::NonUtf8Trace,
    Kind::LinkUp,
    Kind::LinkSelf,
    Kind::LinkRoot,
    Kind::LinkTrace,
    Kind::LinkNowhere,
];

impl Kind {
    fn is_dir(self) -> bool {
        matches!(self, Kind::Dir | Kind::LockedDir | Kind::NonUtf8Dir)
    }
    fn links_to_dir(self) -> bool {
        matches!(self, Kind::LinkUp | Kind::LinkSelf | Kind::LinkRoot)
    }
}

/// One entry: its kind, the entry it is in (`None`: the root), whether a link is named like a
/// trace.
#[derive(Clone, Debug)]
struct Entry {
    kind: Kind,
    parent: Option<usize>,
    trace_name: bool,
}

/// Up to 30 entries, each in the root or in an earlier entry that is a folder.
fn tree() -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::vec(
        (0..KINDS.len(), any::<prop::sample::Index>(), any::<bool>()),
        0..30,
    )
    .prop_map(|raw| {
        let mut out: Vec<Entry> = Vec::new();
        for (k, at, trace_name) in raw {
            let dirs: Vec<usize> = (0..out.len()).filter(|i| out[*i].kind.is_dir()).collect();
            let parent = match at.index(dirs.len() + 1) {
                0 => None,
                i => Some(dirs[i - 1]),
            };
            out.push(Entry {
                kind: KINDS[k],
                parent,
                trace_name,
            });
        }
        out
    })
}

fn name(i: usize, e: &Entry) -> OsString {
    let text = match e.kind {
        Kind::Dir | Kind::LockedDir => format!("e{i}"),
        Kind::Trace | Kind::Fifo => format!("e{i}.jsonl"),
        Kind::Partial => format!("e{i}.partial.jsonl"),
        Kind::Other => format!("e{i}.txt"),
        Kind::NonUtf8Dir => {
            return OsString::from_vec([format!("e{i}").as_bytes(), b"\xff"].concat())
        }
        Kind::NonUtf8Trace => {
            return OsString::from_vec([format!("e{i}").as_bytes(), b"\xff.jsonl"].concat())
        }
        _ if e.trace_name => format!("e{i}.jsonl"),
        _ => format!("e{i}"),
    };
    OsString::from(text)
}

fn chmod(p: &Path, mode: u32) {
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}

/// The tree built under a fresh folder, removed (modes restored) when dropped.
struct Built {
    root: PathBuf,
    paths: Vec<PathBuf>,
}

impl Drop for Built {
    fn drop(&mut self) {
        for p in &self.paths {
            if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
                chmod(p, 0o755);
            }
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn build(entries: &[Entry]) -> Built {
    static N: AtomicUsize = AtomicUsize::new(0);
    let root = std::env::temp_dir().join(format!(
        "swspec-walk-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("root");
    let mut built = Built {
        root: root.clone(),
        paths: Vec::new(),
    };
    let first_trace = entries.iter().position(|e| e.kind == Kind::Trace);
    for (i, e) in entries.iter().enumerate() {
        let dir = e.parent.map_or(root.clone(), |p| built.paths[p].clone());
        let path = dir.join(name(i, e));
        match e.kind {
            Kind::Dir | Kind::LockedDir | Kind::NonUtf8Dir => {
                std::fs::create_dir(&path).expect("mkdir")
            }
            Kind::Trace | Kind::Partial | Kind::Other | Kind::NonUtf8Trace => {
                std::fs::write(&path, "x\n").expect("write")
            }
            Kind::Fifo => {
                let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path");
                // SAFETY: mkfifo(3) on a NUL-terminated path we own.
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
            }
            Kind::LinkUp => std::os::unix::fs::symlink("..", &path).expect("link"),
            Kind::LinkSelf => std::os::unix::fs::symlink(".", &path).expect("link"),
            Kind::LinkRoot => std::os::unix::fs::symlink(&root, &path).expect("link"),
            Kind::LinkTrace => {
                let target = first_trace
                    .filter(|t| *t < i)
                    .map_or(root.join("nowhere"), |t| built.paths[t].clone());
                std::os::unix::fs::symlink(target, &path).expect("link")
            }
            Kind::LinkNowhere => {
                std::os::unix::fs::symlink(root.join("nowhere"), &path).expect("link")
            }
        }
        built.paths.push(path);
    }
    // Locked last: their contents are in place.
    for (i, e) in entries.iter().enumerate() {
        if e.kind == Kind::LockedDir {
            chmod(&built.paths[i], 0o000);
        }
    }
    built
}

/// What the walk must find, from the tree alone.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    files: BTreeSet<PathBuf>,
    skipped: BTreeSet<PathBuf>,
    errors: BTreeSet<PathBuf>,
}

fn expected(entries: &[Entry], built: &Built) -> Expected {
    let mut x = Expected::default();
    // Whether the walk enters entry i's folder (and every folder above it).
    let mut entered = vec![false; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        let reached = e.parent.is_none_or(|p| entered[p]);
        if !reached {
            continue;
        }
        let path = built.paths[i].clone();
        let is_trace = walk::is_trace_name(path.file_name().expect("name").as_bytes());
        match e.kind {
            Kind::Dir => entered[i] = true,
            Kind::LockedDir => {
                // Root lists it anyway; anyone else cannot.
                entered[i] = std::fs::read_dir(&path).is_ok();
                if !entered[i] {
                    x.errors.insert(path);
                }
            }
            Kind::NonUtf8Dir | Kind::NonUtf8Trace => {
                x.errors.insert(path);
            }
            Kind::Trace => {
                x.files.insert(path);
            }
            Kind::Partial | Kind::Other => {}
            Kind::Fifo => {
                x.skipped.insert(path);
            }
            k if k.links_to_dir() => {
                x.skipped.insert(path);
            }
            Kind::LinkTrace if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) => {
                if is_trace {
                    x.files.insert(path);
                }
            }
            _ => {
                if is_trace {
                    x.skipped.insert(path);
                }
            }
        }
    }
    if x.files.is_empty() {
        x.errors.insert(built.root.clone());
    }
    x
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_walk_finds_exactly_the_reachable_regular_traces(entries in tree()) {
        let built = build(&entries);
        let got = walk::collect(std::slice::from_ref(&built.root));
        let want = expected(&entries, &built);
        let files: BTreeSet<PathBuf> = got.files.iter().cloned().collect();
        prop_assert_eq!(files.len(), got.files.len(), "a file listed twice");
        prop_assert_eq!(&files, &want.files);
        let skipped: BTreeSet<PathBuf> = got.skipped.iter().map(|s| s.path.clone()).collect();
        prop_assert_eq!(&skipped, &want.skipped);
        prop_assert!(got.skipped.iter().all(|s| !s.reason.is_empty()));
        let errors: BTreeSet<PathBuf> = got.errors.iter().map(|e| e.path.clone()).collect();
        prop_assert_eq!(&errors, &want.errors, "{:?}", got.errors);
    }
}

#[test]
fn named_paths_are_taken_as_given_and_repeats_are_no_error() {
    let entries = vec![
        Entry {
            kind: Kind::Dir,
            parent: None,
            trace_name: false,
        },
        Entry {
            kind: Kind::Trace,
            parent: Some(0),
            trace_name: false,
        },
    ];
    let built = build(&entries);
    let sub = built.paths[0].clone();
    // The root, then its subfolder (already walked), then the subfolder again.
    let got = walk::collect(&[built.root.clone(), sub.clone(), sub]);
    assert_eq!(got.files, vec![built.paths[1].clone()]);
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    let link = built.root.join("link");
    std::os::unix::fs::symlink(&built.paths[0], &link).expect("link");
    let got = walk::collect(std::slice::from_ref(&link));
    assert_eq!(
        got.files,
        vec![link.join("e1.jsonl")],
        "a named link is followed"
    );
    let got = walk::collect(&[built.root.join("missing")]);
    assert_eq!(got.errors.len(), 1);
}
