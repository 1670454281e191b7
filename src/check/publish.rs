//! What a run writes besides its report on stdout: with `--report DIR`, the HTML site of every
//! property and each discovery's path as a sequence diagram (swspec_report::check_site); with
//! `--itf DIR`, each discovery's path in the Informal Trace Format, one file per property
//! (`DIR/<property>.itf.json`; a lasso's `loop` is the state its loop goes back to).

use super::args::{RunConfig, SearchOptions};
use super::classify::Status;
use super::liveness::liveness_config;
use super::render;
use super::replay;
use super::report::{PropertyJson, ReportJson, StepJson};
use std::path::{Path, PathBuf};
use swspec_model::{Action, SwModel};
use swspec_report::check_site::{self, CheckRun, Entry, ModelPath};
use swspec_report::html::slug;
use swspec_report::site::write_file;

/// `swspec explore` with the flags of `run`'s model (and `--liveness`, whose model a lasso is
/// in): what explores a path of this run.
fn explore_command(run: &RunConfig) -> String {
    let model_only = RunConfig {
        model: run.model.clone(),
        search: SearchOptions {
            liveness: run.search.liveness,
            ..SearchOptions::default()
        },
    };
    match replay::command(&model_only) {
        Ok(c) => c.replacen("swspec check", "swspec explore", 1),
        Err(_) => "swspec explore".to_string(),
    }
}

fn actions(steps: &[StepJson]) -> Vec<Action> {
    steps.iter().map(|s| s.action.clone()).collect()
}

/// A property's path: its example or counterexample, or its lasso (prefix, then loop).
fn model_path(p: &PropertyJson) -> Option<ModelPath> {
    if let Some(l) = &p.lasso {
        let mut a = actions(&l.prefix);
        let loop_start = (!l.deadlock && !l.cycle.is_empty()).then_some(a.len());
        a.extend(actions(&l.cycle));
        return Some(ModelPath {
            actions: a,
            loop_start,
            deadlock: l.deadlock,
            at_boundary: l.deadlock_at_boundary,
        });
    }
    p.path.as_ref().map(|steps| ModelPath {
        actions: actions(steps),
        ..ModelPath::default()
    })
}

/// The CSS class of a verdict.
fn class(p: &PropertyJson) -> &'static str {
    match p.status {
        Status::Violated if p.expected_by.is_some() => "expected",
        Status::Holds | Status::Found => "good",
        Status::Violated | Status::NotFound => "bad",
        Status::Unknown => "unknown",
    }
}

/// The report as the check site's input.
fn check_run(run: &RunConfig, r: &ReportJson, dir: &Path) -> CheckRun {
    let lines = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        let _ = f(&mut buf);
        String::from_utf8_lossy(&buf)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    CheckRun {
        header: lines(&|b| render::header(b, r)),
        figures: lines(&|b| render::figures(b, r)),
        replay: r.replay.clone(),
        explore: explore_command(run),
        dir: dir.display().to_string(),
        properties: r
            .properties
            .iter()
            .map(|p| Entry {
                name: p.name.to_string(),
                kind: p.kind.to_string(),
                verdict: render::status_text(p).to_string(),
                class: class(p),
                spec: p.spec.to_string(),
                summary: p.summary.to_string(),
                fairness: p.fairness.iter().flatten().map(|f| f.to_string()).collect(),
                expected_by: p.expected_by.map(str::to_string),
                path: model_path(p),
            })
            .collect(),
    }
}

/// Writes the HTML report of `r` into `out`, whole; returns its index page.
pub fn report(run: &RunConfig, r: &ReportJson, out: &Path) -> Result<PathBuf, String> {
    check_site::publish(out, &check_site::files(&check_run(run, r, out)))
}

/// Writes every discovery's path of `r` as an ITF file into `dir`; returns how many. Each
/// path is replayed in the model it was found in (a lasso in the liveness model), so a path
/// that does not replay is an error, not a file.
pub fn itf(run: &RunConfig, r: &ReportJson, dir: &Path) -> Result<usize, String> {
    let model = SwModel::new(run.model.clone());
    let live = run
        .search
        .liveness
        .then(|| SwModel::new(liveness_config(&run.model)));
    // Render every file before writing any.
    let mut files = Vec::new();
    for p in &r.properties {
        let Some(path) = model_path(p) else { continue };
        let (m, what) = match (&p.lasso, &live) {
            (Some(_), Some(live)) => (live, "lasso for"),
            (Some(_), None) => continue,
            _ if p.status == Status::Violated => (&model, "counterexample to"),
            _ => (&model, "example of"),
        };
        let description = format!("{what} {}: {}", p.name, p.summary);
        let text = swspec_report::path::itf_text(
            m,
            &path.actions,
            &description,
            &r.replay,
            path.loop_start,
        )
        .map_err(|e| format!("{}: {e}", p.name))?;
        files.push((dir.join(format!("{}.itf.json", slug(p.name))), text));
    }
    for (f, text) in &files {
        write_file(f, text.as_bytes())?;
    }
    Ok(files.len())
}
