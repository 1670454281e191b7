//! The ITF writer on real model paths: the output has exactly the shape ADR-015 documents
//! (`#meta`, `vars`, `states` with every variable and a `#meta.index`, `loop` within the
//! states, every value one of the documented expression forms), and the reference consumer
//! (informalsystems/itf-rs) reads it back.

use serde_json::Value;
use swspec_model::properties::property;
use swspec_model::{ModelConfig, SwModel};
use swspec_report::itf;
use swspec_report::path::itf_path;

#[path = "common/itf_shape.rs"]
mod itf_shape;
use itf_shape::shape;

/// The shortest path to `name` (a sometimes property) under `cfg`, as ITF.
fn itf_of(cfg: ModelConfig, name: &str, loop_index: Option<usize>) -> (Value, usize) {
    let p = property(name).expect("property");
    let model = SwModel::new(cfg);
    let found =
        swspec_search::shortest::shortest_paths(&model, &[(p.name, p.condition)], None, 3_000_000);
    let actions = found[0].clone().expect("reachable");
    let path = itf_path(
        &model,
        &actions,
        &format!("example of `{name}`"),
        "test",
        loop_index,
    )
    .expect("replays");
    let t = itf::trace(&path).expect("encodes");
    (t, actions.len())
}

fn small() -> ModelConfig {
    ModelConfig {
        clients: 1,
        fetch_events: false,
        ..ModelConfig::default()
    }
}

#[test]
fn a_model_path_has_the_documented_shape() {
    let (t, steps) = itf_of(small(), "waiting_while_controlled", None);
    let errs = shape(&t);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    let states = t["states"].as_array().expect("states");
    assert_eq!(states.len(), steps + 1);
    assert_eq!(t["#meta"]["format"], "ITF");
    assert_eq!(states[0]["mbt::actionTaken"], "init");
    assert_eq!(states[0]["action"]["tag"], "None");
    assert_eq!(states[1]["action"]["tag"], "Some");
    assert_eq!(states[1]["action"]["value"]["tag"], "OpenClient");
    assert_eq!(states[1]["mbt::actionTaken"], "OpenClient");
    assert!(states[1]["#meta"]["spec"]
        .as_str()
        .is_some_and(|s| s.contains("§Handle Fetch")));
    // The state's own fields are the variables.
    let vars: Vec<&str> = t["vars"]
        .as_array()
        .expect("vars")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for v in [
        "map",
        "registrations",
        "workers",
        "jobs",
        "clients",
        "online",
    ] {
        assert!(vars.contains(&v), "no var {v}: {vars:?}");
    }
}

#[test]
fn the_reference_consumer_reads_it() {
    let (t, steps) = itf_of(small(), "waiting_while_controlled", Some(2));
    assert!(shape(&t).is_empty());
    let text = serde_json::to_string_pretty(&t).expect("json");
    let parsed: ::itf::Trace<::itf::Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("itf-rs rejects it: {e}"));
    assert_eq!(parsed.states.len(), steps + 1);
    assert_eq!(parsed.loop_index, Some(2));
    assert_eq!(parsed.meta.format.as_deref(), Some("ITF"));
    assert_eq!(parsed.states[3].meta.index, Some(3));
}

#[test]
fn the_shape_check_can_fail() {
    let bad = serde_json::json!({
        "vars": ["x", "y"],
        "states": [{"#meta": {"index": 0}, "x": null, "y": 1.5}, {"#meta": {"index": 0}, "x": 1}],
        "loop": 5,
        "extra": 1
    });
    let errs = shape(&bad);
    for want in [
        "unknown trace field",
        "loop 5",
        "null",
        "1.5",
        "state 1 defines",
        "#meta.index",
    ] {
        assert!(errs.iter().any(|e| e.contains(want)), "{want}: {errs:?}");
    }
}
