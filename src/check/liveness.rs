//! The liveness properties (always P ⇒ eventually Q, under stated weak fairness), checked on
//! the full state graph by swspec-search's fair-cycle checker, and classified: a violation is
//! expected when a spec finding explains it under the spec as written.

use super::classify::Status;
use super::report::{steps, LassoJson, LivenessRunJson, PropertyJson};
use swspec_model::progress::{progress_properties, ProgressProperty};
use swspec_model::{ModelConfig, SwModel};
use swspec_search::liveness::{check_liveness, Verdict};

/// The configuration liveness is checked in: `cfg` with the finished-jobs parity bit (for
/// `job_promise_settles`), without forced or unresponsive stops (weak fairness cannot
/// express "the UA eventually stops killing the worker"), and with sync, a network that may
/// come online for good (how "eventually online for good" is stated with weak fairness).
pub fn liveness_config(cfg: &ModelConfig) -> ModelConfig {
    let mut cfg = cfg.clone();
    cfg.track_finished_jobs = true;
    cfg.env.forced_stops = false;
    cfg.network_stabilizes = cfg.sync || cfg.background_fetch;
    cfg
}

/// Checks the liveness properties on the full state graph of [`liveness_config`]`(cfg)`,
/// stopping after `max_states`. Returns the run's figures, the report entries and whether every
/// violation is an expected spec finding.
pub fn check(
    cfg: &ModelConfig,
    max_states: Option<usize>,
) -> Result<(LivenessRunJson, Vec<PropertyJson>, bool), String> {
    let cfg = liveness_config(cfg);
    let model = SwModel::new(cfg.clone());
    let progress = progress_properties(&cfg);
    let liveness: Vec<_> = progress.iter().map(|p| p.property.clone()).collect();
    let report = check_liveness(&model, &liveness, max_states.unwrap_or(usize::MAX))
        .map_err(|e| e.to_string())?;
    let out: Vec<PropertyJson> = progress
        .iter()
        .zip(&report.verdicts)
        .map(|(p, (_, verdict))| entry(&cfg, p, verdict))
        .collect();
    let ok = !out
        .iter()
        .any(|p| p.status == Status::Violated && p.expected_by.is_none());
    let run = LivenessRunJson {
        states: report.states,
        edges: report.edges,
        seconds: report.seconds,
        peak_graph_bytes: report.peak_graph_bytes,
    };
    Ok((run, out, ok))
}

/// The report entry of one liveness property: its verdict, its lasso when violated, and the
/// spec finding that explains the violation under `cfg`, if one does.
fn entry(cfg: &ModelConfig, p: &ProgressProperty, verdict: &Verdict<SwModel>) -> PropertyJson {
    let (status, lasso) = match verdict {
        Verdict::Holds => (Status::Holds, None),
        Verdict::Violated(l) => (
            Status::Violated,
            Some(LassoJson {
                prefix: steps(&l.prefix),
                cycle: steps(&l.cycle),
                deadlock: l.deadlock,
                deadlock_at_boundary: l.deadlock_at_boundary,
            }),
        ),
    };
    let expected_by = match status {
        Status::Violated => p.finding.filter(|f| f.expected(cfg)).map(|f| f.note),
        _ => None,
    };
    PropertyJson {
        name: p.property.name,
        kind: "liveness",
        status,
        spec: p.property.spec,
        summary: p.property.summary,
        path: None,
        fairness: Some(p.property.fairness.iter().map(|f| f.name).collect()),
        lasso,
        expected_by,
    }
}
