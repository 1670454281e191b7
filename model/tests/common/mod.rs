//! Helpers shared by the model's integration tests.
#![allow(dead_code)]

use stateright::{Checker, Model};
use swspec_model::properties::{Kind, PROPERTIES};
use swspec_model::{Action, ModelConfig, SwModel, SwState};

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

/// Names of sometimes-properties that were not found.
pub fn not_found(found: &[&'static str]) -> Vec<&'static str> {
    PROPERTIES
        .iter()
        .filter(|p| p.kind == Kind::Sometimes && !found.contains(&p.name))
        .map(|p| p.name)
        .collect()
}

/// Replays `actions` from the initial state, failing with the step that was not enabled.
pub fn replay(model: &SwModel, actions: &[Action]) -> Vec<SwState> {
    let mut s = model.init_state();
    let mut states = vec![s.clone()];
    for (i, a) in actions.iter().enumerate() {
        let mut enabled = Vec::new();
        model.actions(&s, &mut enabled);
        assert!(
            enabled.contains(a),
            "step {} `{a}` is not enabled; enabled: {enabled:?}",
            i + 1
        );
        s = model
            .next_state(&s, a.clone())
            .unwrap_or_else(|| panic!("step {} `{a}` has no next state", i + 1));
        states.push(s.clone());
    }
    states
}

/// Checks every always-property in `s`, returning the names that fail.
pub fn failing_invariants(model: &SwModel, s: &SwState) -> Vec<&'static str> {
    PROPERTIES
        .iter()
        .filter(|p| p.kind == Kind::Always && !(p.condition)(model, s))
        .map(|p| p.name)
        .collect()
}
