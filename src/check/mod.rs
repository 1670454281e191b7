//! `swspec check`: search the model's state space and report every property with its verdict,
//! spec section and (for discoveries) a numbered, readable path.
//!
//! One file per step of [`run`]: [`args`] (the flags, and the [`args::RunConfig`] they
//! describe), [`explore`] (run a search; it yields an [`explore::Exploration`], the seam
//! between a search engine and the rest), [`shortest`] (each discovery's path made shortest),
//! [`classify`] (each property's verdict), [`liveness`] (the liveness properties on the full
//! graph), [`report`] (the report's JSON form), [`render`] (the report as text or JSON) and
//! [`replay`] (the command line that reproduces the run).

mod args;
mod classify;
mod explore;
mod liveness;
mod render;
mod replay;
mod report;
mod shortest;

pub use args::CheckArgs;

use args::RunConfig;
use report::{LivenessRunJson, PropertyJson, ReportJson};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;
use swspec_model::SwModel;

/// Runs `swspec check`; exit status 0 when every `always` holds and every `sometimes` is found
/// (and every liveness violation is an expected finding), 1 otherwise, 2 on bad usage.
pub fn run(args: &CheckArgs) -> ExitCode {
    if !(args.progress_secs.is_finite() && args.progress_secs > 0.0) {
        eprintln!("swspec check: --progress-secs must be a positive number of seconds");
        return ExitCode::from(2);
    }
    let run = args.run_config();
    if let Err(e) = run.model.validate() {
        eprintln!("swspec check: {e}");
        return ExitCode::from(2);
    }
    let model = SwModel::new(run.model.clone());
    let progress = Duration::from_secs_f64(args.progress_secs);
    let mut found = explore::stateright(model.clone(), &run.search, progress);
    shortest::shorten(&model, &run.search, &mut found);
    let (properties, liveness, ok) = verdicts(&run, &found);
    let report = ReportJson::new(
        &run,
        &found,
        properties,
        liveness,
        replay::command(&run).unwrap_or_else(|e| format!("(no replay command: {e})")),
    );
    // Render completely before writing, so a failure never leaves half a report.
    let written = render::render(&report, args.json)
        .and_then(|text| std::io::stdout().lock().write_all(text.as_bytes()));
    if let Err(e) = written {
        eprintln!("swspec check: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    match check_traces(args) {
        ExitCode::SUCCESS if ok => ExitCode::SUCCESS,
        ExitCode::SUCCESS => ExitCode::from(1),
        traces => traces,
    }
}

/// Every property's verdict: safety and reachability from the exploration, then with
/// `--liveness` the liveness properties (a liveness check that cannot run is said on stderr and
/// fails the run); the liveness run's figures; whether the run succeeds.
fn verdicts(
    run: &RunConfig,
    found: &explore::Exploration,
) -> (Vec<PropertyJson>, Option<LivenessRunJson>, bool) {
    let (mut properties, ok) = classify::safety_properties(&run.model, found);
    if !run.search.liveness {
        return (properties, None, ok);
    }
    match liveness::check(&run.model, run.search.max_states) {
        Ok((figures, live, live_ok)) => {
            properties.extend(live);
            (properties, Some(figures), ok && live_ok)
        }
        Err(e) => {
            eprintln!("swspec check: liveness: {e}");
            (properties, None, false)
        }
    }
}

/// With `--traces DIR`, `swspec conform DIR` after the report (not with `--json`: its report
/// would follow the JSON object on stdout).
fn check_traces(args: &CheckArgs) -> ExitCode {
    match &args.traces {
        Some(dir) if !args.json => {
            println!();
            println!("== traces under {} ==", dir.display());
            crate::conform::run_paths(vec![dir.clone()])
        }
        Some(_) => {
            eprintln!(
                "swspec check: --traces is not combined with --json (run `swspec conform --json`)"
            );
            ExitCode::from(2)
        }
        None => ExitCode::SUCCESS,
    }
}
