//! `swspec check`: search the model's state space and report every property with its verdict,
//! spec section and (for discoveries) a numbered, readable path.
//!
//! One file per step of [`run`]: [`args`] (the flags, and the [`args::RunConfig`] they
//! describe), [`engine`] (run a search with swspec's engine, the default) or [`explore`]
//! (stateright's checker, `--stateright`); both yield an [`explore::Exploration`], the seam
//! between a search engine and the rest, [`shortest`] (each discovery's path made shortest),
//! [`classify`] (each property's verdict), [`liveness`] (the liveness properties on the full
//! graph), [`report`] (the report's JSON form), [`render`] (the report as text or JSON) and
//! [`replay`] (the command line that reproduces the run); [`publish`] (with `--report` and
//! `--itf`, the HTML report and the ITF paths).

mod args;
mod classify;
mod engine;
mod explore;
mod liveness;
mod publish;
mod render;
mod replay;
mod report;
mod shortest;

pub use args::CheckArgs;
pub(crate) use liveness::liveness_config;

use args::RunConfig;
use report::{LivenessRunJson, PropertyJson, ReportJson};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;
use swspec_model::SwModel;
use swspec_search::engine::memory::{MemoryBound, StopFlag};

/// The feature flags given that `cfg`'s profile leaves out (its engine lacks the API), with
/// the API: refused, since the run would report on a model without them. (`--all-features`
/// only turns on what the profile has.)
fn ignored_features(cfg: &swspec_model::ModelConfig) -> Vec<(&'static str, &'static str)> {
    let apis = cfg.profile.params().apis;
    [
        ("--sync", cfg.sync && !apis.sync, "SyncManager"),
        (
            "--periodic-sync",
            cfg.periodic_sync && !apis.periodic_sync,
            "PeriodicSyncManager",
        ),
        (
            "--background-fetch",
            cfg.background_fetch && !apis.background_fetch,
            "BackgroundFetchManager",
        ),
    ]
    .into_iter()
    .filter(|(_, ignored, _)| *ignored)
    .map(|(flag, _, api)| (flag, api))
    .collect()
}

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
    let ignored = ignored_features(&run.model);
    for (flag, api) in &ignored {
        eprintln!(
            "swspec check: {flag} would change nothing under --profile {}: the engine exposes no {api}, so the model leaves it out (use --profile spec or chromium)",
            run.model.profile.name()
        );
    }
    if !ignored.is_empty() {
        return ExitCode::from(2);
    }
    let model = SwModel::new(run.model.clone());
    let progress = Duration::from_secs_f64(args.progress_secs);
    // Every phase respects one memory bound, and Ctrl-C or SIGTERM stops each cleanly: the
    // report then says what was decided so far, and the run fails.
    let limits = engine::Limits {
        memory: run
            .search
            .max_memory
            .map_or_else(MemoryBound::default, MemoryBound::new),
        stop: StopFlag::on_signals(),
    };
    let mut found = if run.search.stateright {
        explore::stateright(model.clone(), &run.search, progress)
    } else {
        engine::engine(&model, &run.search, progress, &limits)
    };
    shortest::shorten(&model, &run.search, &mut found, &limits);
    let (properties, liveness, ok) = verdicts(&run, &found, &limits);
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
    if let Err(e) = publish_files(args, &run, &report) {
        eprintln!("swspec check: {e}");
        return ExitCode::from(2);
    }
    match check_traces(args) {
        ExitCode::SUCCESS if ok => ExitCode::SUCCESS,
        ExitCode::SUCCESS => ExitCode::from(1),
        traces => traces,
    }
}

/// With `--report` and `--itf`, the HTML report and the ITF paths, and where they were
/// written (after a text report on stdout, its last line; with `--json` on stderr, since stdout
/// holds only the JSON); without `--report`, a text report ends with a one-line hint to get one.
fn publish_files(args: &CheckArgs, run: &RunConfig, report: &ReportJson) -> Result<(), String> {
    let say = |line: String| {
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    if let Some(dir) = &args.itf {
        let n = publish::itf(run, report, dir)
            .map_err(|e| format!("cannot write the ITF paths: {e}"))?;
        say(format!("ITF: {n} path(s) written into {}", dir.display()));
    }
    match &args.report {
        Some(dir) => {
            let index = publish::report(run, report, dir)
                .map_err(|e| format!("cannot write the HTML report: {e}"))?;
            say(format!("HTML report written: open {}", index.display()));
        }
        None if !args.json => {
            println!();
            println!("(add --report DIR for an HTML report: each path as a sequence diagram with spec links)");
        }
        None => {}
    }
    Ok(())
}

/// Every property's verdict: safety and reachability from the exploration, then with
/// `--liveness` the liveness properties (a liveness check that cannot run is said on stderr and
/// fails the run); the liveness run's figures; whether the run succeeds.
fn verdicts(
    run: &RunConfig,
    found: &explore::Exploration,
    limits: &engine::Limits,
) -> (Vec<PropertyJson>, Option<LivenessRunJson>, bool) {
    let (mut properties, ok) = classify::safety_properties(&run.model, found);
    if !run.search.liveness {
        return (properties, None, ok);
    }
    if found.engine.as_ref().is_some_and(|e| e.bound_hit) || limits.stop.is_set() {
        // The search already stopped at the bound or a signal: no graph would be finished.
        properties.extend(liveness::unknown(&run.model));
        return (properties, None, false);
    }
    match liveness::check(&run.model, run.search.max_states, limits) {
        Ok((figures, live, live_ok)) => {
            properties.extend(live);
            (properties, Some(figures), ok && live_ok)
        }
        Err(e) => {
            eprintln!("swspec check: liveness: {e}");
            properties.extend(liveness::unknown(&run.model));
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
