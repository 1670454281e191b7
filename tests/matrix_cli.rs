//! `swspec matrix`: the README's conformance matrix is the one the stored traces give, and a
//! file without the markers is a clear error that changes nothing.

mod common;
use common::{scratch, swspec};

#[test]
fn the_readme_matrix_is_up_to_date() {
    let (code, out, err) = swspec(&["matrix", "--write", "README.md", "--check"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn the_matrix_has_every_engine_and_unsupported_cells() {
    let (code, out, err) = swspec(&["matrix"]);
    assert_eq!(code, 0, "{err}");
    for col in ["chromium-148", "firefox-esr-140", "webkitgtk-2.50"] {
        assert!(out.contains(col), "no column {col}:\n{out}");
    }
    assert!(out.contains("unsupported: no SyncManager"), "{out}");
    assert!(!out.contains("synthetic"), "{out}");
}

#[test]
fn a_file_without_markers_is_an_error_and_is_left_alone() {
    let dir = scratch("matrix");
    let file = dir.join("NOTES.md");
    std::fs::write(&file, "no markers here\n").expect("write");
    let (code, _, err) = swspec(&["matrix", "--write", &file.display().to_string()]);
    assert_eq!(code, 2);
    assert!(err.contains("markers"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "no markers here\n"
    );
}
