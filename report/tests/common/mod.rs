//! Helpers shared by the report's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use swspec_report::matrix::{sources, Matrix};
use swspec_report::notes::Notes;

/// The repository root.
pub fn repo() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Writes the report of the stored `traces/` into a fresh folder under the temporary
/// directory named after `name`.
pub fn build(name: &str) -> (PathBuf, Matrix) {
    let out = std::env::temp_dir().join(format!("swspec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let srcs = sources(&[repo().join("traces")]).expect("traces");
    let m = Matrix::collect(&srcs, true);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let notes =
        Notes::parse(&std::fs::read_to_string(repo().join("SPEC_NOTES.md")).expect("notes"));
    swspec_report::site::write(&m, &out, Some(&notes), "test").expect("writes");
    (out, m)
}
