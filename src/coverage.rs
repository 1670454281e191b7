//! `swspec coverage`: which of the model's action classes, `sometimes` properties, guard steps
//! and profile timers the stored real traces exercise, per engine folder (the other half of
//! conformance: can the browser do everything the model allows?).

use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use swspec_report::coverage;
use swspec_report::matrix::{sources, Matrix};

/// Knobs of `swspec coverage`.
#[derive(Args, Debug, Clone)]
pub struct CoverageArgs {
    /// Trace folders (one per engine version) or files; folders are walked. Synthetic traces
    /// are not real and are left out. Default `traces`.
    #[arg(default_value = "traces")]
    paths: Vec<PathBuf>,
    /// Print the coverage as JSON (every item with the scenarios covering it, or why the
    /// engine cannot drive it).
    #[arg(long)]
    json: bool,
    /// Print only the per-folder table of counts, as Markdown (the README's coverage table).
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
}

/// Runs `swspec coverage`: exit 0 with the coverage, 2 on unusable input (named).
pub fn run(args: &CoverageArgs) -> ExitCode {
    let m = match sources(&args.paths) {
        Ok(s) => Matrix::collect(&s, false),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(e) = m.errors.first() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if m.columns.is_empty() {
        eprintln!("error: no engine traces under the given paths");
        return ExitCode::from(2);
    }
    let cov = coverage::coverage(&m);
    let text = if args.json {
        match serde_json::to_string_pretty(&cov) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else if args.markdown {
        coverage::markdown(&cov)
    } else {
        coverage::text(&cov)
    };
    // A closed stdout (`| head`) ends quietly.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}
