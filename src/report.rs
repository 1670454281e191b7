//! `swspec report --out DIR [PATH...]`: the static HTML report of the stored traces (the
//! conformance matrix, one page per trace with its sequence diagram and matched model path,
//! spec links), written into DIR so that it opens from `file://` with no server.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use swspec_report::matrix::{sources, Matrix};
use swspec_report::notes::Notes;

/// Knobs of `swspec report`.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// The folder to write the site into (created if missing; the report's files in it are
    /// replaced, nothing else is touched).
    #[arg(long)]
    out: PathBuf,
    /// Trace folders (searched recursively; each folder holding traces is a column) or trace
    /// files. Default: `traces`.
    paths: Vec<PathBuf>,
    /// SPEC_NOTES.md, whose sections the expected-verdict notes name (quoted on the trace pages
    /// and written as spec-notes.html). When missing, the notes are shown without them.
    #[arg(long, default_value = "SPEC_NOTES.md")]
    notes: PathBuf,
}

/// Runs `swspec report`.
pub fn run(args: &ReportArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("traces")]
    } else {
        args.paths.clone()
    };
    let srcs = match sources(&paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("swspec report: {e}");
            return ExitCode::from(2);
        }
    };
    let notes = match std::fs::read_to_string(&args.notes) {
        Ok(t) => Some(Notes::parse(&t)),
        Err(e) => {
            eprintln!(
                "swspec report: {}: {e} (the notes are shown without their SPEC_NOTES.md sections)",
                args.notes.display()
            );
            None
        }
    };
    let m = Matrix::collect(&srcs, true);
    for e in &m.errors {
        eprintln!("error: {e}");
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let command = format!(
        "swspec report --out {} {}",
        args.out.display(),
        shown.join(" ")
    );
    match swspec_report::site::write(&m, &args.out, notes.as_ref(), &command) {
        Ok(w) => {
            println!(
                "report: {} trace page(s), {} file(s) written; open {}",
                w.pages,
                w.files,
                w.index.display()
            );
            if m.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "swspec report: {} unusable input(s), listed on the index page",
                    m.errors.len()
                );
                ExitCode::from(2)
            }
        }
        Err(e) => {
            eprintln!("swspec report: cannot write the report: {e}");
            ExitCode::from(2)
        }
    }
}
