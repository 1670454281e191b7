//! Helpers shared by the model's integration tests.
#![allow(dead_code)]

use stateright::{Checker, Model};
use swspec_model::properties::{applicable, Kind, PROPERTIES};
use swspec_model::{Action, InstallOutcome, ModelConfig, SwModel, SwState};

/// Exhaustive single-threaded DFS; returns (unique states, names of discovered properties).
pub fn check(cfg: ModelConfig, symmetry: bool) -> (usize, Vec<&'static str>) {
    let b = SwModel::new(cfg).checker();
    let b = if symmetry { b.symmetry() } else { b };
    let c = b.spawn_dfs().join();
    let mut found: Vec<&'static str> = c.discoveries().keys().copied().collect();
    found.sort();
    (c.unique_state_count(), found)
}

/// Names of always-properties that were violated.
pub fn violated(found: &[&'static str]) -> Vec<&'static str> {
    PROPERTIES
        .iter()
        .filter(|p| p.kind == Kind::Always && found.contains(&p.name))
        .map(|p| p.name)
        .collect()
}

/// Names of sometimes-properties that apply to `cfg` and were not found.
pub fn not_found(cfg: &ModelConfig, found: &[&'static str]) -> Vec<&'static str> {
    applicable(cfg)
        .filter(|p| p.kind == Kind::Sometimes && !found.contains(&p.name))
        .map(|p| p.name)
        .collect()
}

/// Replays `actions` from the initial state; the error names the first step not enabled.
pub fn try_replay(model: &SwModel, actions: &[Action]) -> Result<Vec<SwState>, String> {
    let mut s = model.init_state();
    let mut states = vec![s.clone()];
    for (i, a) in actions.iter().enumerate() {
        let mut enabled = Vec::new();
        model.actions(&s, &mut enabled);
        if !enabled.contains(a) {
            return Err(format!(
                "step {} `{a}` ({a:?}) is not enabled; enabled: {enabled:?}",
                i + 1
            ));
        }
        s = model
            .next_state(&s, a.clone())
            .ok_or_else(|| format!("step {} `{a}` has no next state", i + 1))?;
        states.push(s.clone());
    }
    Ok(states)
}

/// Replays `actions` from the initial state, failing with the step that was not enabled.
pub fn replay(model: &SwModel, actions: &[Action]) -> Vec<SwState> {
    try_replay(model, actions).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks every always-property that applies to the model's configuration in `s`, returning
/// the names that fail.
pub fn failing_invariants(model: &SwModel, s: &SwState) -> Vec<&'static str> {
    applicable(&model.cfg)
        .filter(|p| p.kind == Kind::Always && !(p.condition)(model, s))
        .map(|p| p.name)
        .collect()
}

/// Client 0 opens, registers, and v1 installs and activates (the page stays uncontrolled: it
/// loaded before the registration existed). The common start of most scenarios.
pub fn install_v1() -> Vec<Action> {
    vec![
        Action::OpenClient(0),
        Action::Register {
            client: 0,
            script: 0,
        },
        Action::RunJob,
        Action::UpdateBytesChanged,
        Action::Install,
        Action::InstallEventSettled(InstallOutcome::Fulfilled),
        Action::ActivateEvent(0),
        Action::ActivateEventSettled(0),
    ]
}
