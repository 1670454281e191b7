//! A model path: a list of actions replayed from the model's initial state, each step with
//! its name, its description and its spec sections. What the ITF writer and the model-path
//! diagrams draw from.

use crate::itf;
use serde_json::{json, Value};
use stateright::Model;
use swspec_model::{Action, SwModel, SwState};

/// The action's name as the model's serde form tags it (`RunJob`, `OpenClient`).
pub fn action_name(a: &Action) -> String {
    serde_json::to_value(a)
        .ok()
        .and_then(|v| v.get("action").and_then(|n| n.as_str()).map(str::to_string))
        .unwrap_or_else(|| format!("{a:?}"))
}

/// The action as an ITF sum type: `{"tag": "Register", "value": {"client": 0, "script": 0}}`
/// (the model's serde form is adjacently tagged, `{"action": …, "with": …}`).
pub fn action_itf(a: &Action) -> Result<Value, String> {
    let v = itf::to_itf(a).map_err(|e| e.to_string())?;
    let value = v.get("with").cloned().unwrap_or_else(|| json!({}));
    Ok(itf::tagged(&action_name(a), value))
}

/// Replays `actions` from the initial state. The error names the first step that is not
/// enabled.
pub fn replay(model: &SwModel, actions: &[Action]) -> Result<Vec<SwState>, String> {
    let mut s = model.init_state();
    let mut states = vec![s.clone()];
    for (i, a) in actions.iter().enumerate() {
        let mut enabled = Vec::new();
        model.actions(&s, &mut enabled);
        if !enabled.contains(a) {
            return Err(format!("step {} `{a}` is not enabled there", i + 1));
        }
        s = model
            .next_state(&s, a.clone())
            .ok_or_else(|| format!("step {} `{a}` has no next state", i + 1))?;
        states.push(s.clone());
    }
    Ok(states)
}

/// The ITF path of `actions` from the initial state (`loop_index`: where a lasso's loop
/// starts).
pub fn itf_path(
    model: &SwModel,
    actions: &[Action],
    description: &str,
    source: &str,
    loop_index: Option<usize>,
) -> Result<itf::Path<SwState>, String> {
    let states = replay(model, actions)?;
    Ok(itf::Path {
        description: description.to_string(),
        source: source.to_string(),
        states,
        steps: actions
            .iter()
            .map(|a| {
                Ok(itf::Step {
                    name: action_name(a),
                    action: action_itf(a)?,
                    description: a.to_string(),
                    spec: a.spec().to_string(),
                })
            })
            .collect::<Result<_, String>>()?,
        loop_index,
    })
}
