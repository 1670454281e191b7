//! The ITF writer on real model paths: the output has exactly the shape ADR-015 documents
//! (`#meta`, `vars`, `states` with every variable and a `#meta.index`, `loop` within the
//! states, every value one of the documented expression forms), and the reference consumer
//! (informalsystems/itf-rs) reads it back.

use serde_json::Value;
use swspec_model::properties::property;
use swspec_model::{ModelConfig, SwModel};
use swspec_report::itf;
use swspec_report::path::itf_path;

/// The keys ADR-015 allows at the top of a trace.
const TRACE_KEYS: &[&str] = &["#meta", "params", "vars", "states", "loop"];
/// The single-key objects ADR-015 defines.
const FORMS: &[&str] = &["#tup", "#set", "#map", "#bigint", "#unserializable"];

/// Every violation of the ADR-015 expression grammar in `v`, at `at`.
fn expr(v: &Value, at: &str, errs: &mut Vec<String>) {
    match v {
        Value::String(_) | Value::Bool(_) => {}
        Value::Number(n) => {
            let safe = (1i64 << 53) - 1;
            if !n.as_i64().is_some_and(|i| (-safe..=safe).contains(&i)) {
                errs.push(format!("{at}: {n} is not an integer in ±(2^53−1)"));
            }
        }
        Value::Null => errs.push(format!("{at}: null is not an ITF expression")),
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                expr(x, &format!("{at}[{i}]"), errs);
            }
        }
        Value::Object(o) => {
            let special: Vec<&String> = o.keys().filter(|k| k.starts_with('#')).collect();
            if special.is_empty() {
                for (k, x) in o {
                    expr(x, &format!("{at}.{k}"), errs);
                }
                return;
            }
            if o.len() != 1 || !FORMS.contains(&special[0].as_str()) {
                errs.push(format!(
                    "{at}: unknown form {:?}",
                    o.keys().collect::<Vec<_>>()
                ));
                return;
            }
            let (k, x) = o.iter().next().expect("one key");
            match (k.as_str(), x) {
                ("#tup" | "#set", Value::Array(items)) => {
                    for (i, y) in items.iter().enumerate() {
                        expr(y, &format!("{at}{k}[{i}]"), errs);
                    }
                }
                ("#map", Value::Array(pairs)) => {
                    for (i, p) in pairs.iter().enumerate() {
                        match p.as_array().map(Vec::as_slice) {
                            Some([key, val]) => {
                                expr(key, &format!("{at}#map[{i}].key"), errs);
                                expr(val, &format!("{at}#map[{i}].value"), errs);
                            }
                            _ => errs.push(format!("{at}#map[{i}]: not a [key, value] pair")),
                        }
                    }
                }
                ("#bigint", Value::String(s)) => {
                    let digits = s.strip_prefix('-').unwrap_or(s);
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                        errs.push(format!("{at}: #bigint {s:?} is not [-][0-9]+"));
                    }
                }
                ("#unserializable", Value::String(_)) => {}
                _ => errs.push(format!("{at}: {k} has the wrong payload")),
            }
        }
    }
}

/// Every violation of ADR-015's trace and state objects in `t`.
fn shape(t: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let Some(o) = t.as_object() else {
        return vec!["the trace is not an object".into()];
    };
    for k in o.keys().filter(|k| !TRACE_KEYS.contains(&k.as_str())) {
        errs.push(format!("unknown trace field {k:?}"));
    }
    if !o.get("#meta").is_none_or(Value::is_object) {
        errs.push("#meta is not an object".into());
    }
    let vars: Vec<&str> = match o.get("vars").and_then(Value::as_array) {
        Some(v) => v.iter().filter_map(Value::as_str).collect(),
        None => return vec!["no vars array".into()],
    };
    let mut sorted = vars.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != vars.len() {
        errs.push("vars has duplicates or non-strings".into());
    }
    let Some(states) = o.get("states").and_then(Value::as_array) else {
        return vec!["no states array".into()];
    };
    if let Some(l) = o.get("loop") {
        if l.as_u64().is_none_or(|l| (l as usize) >= states.len()) {
            errs.push(format!("loop {l} is not the index of a state"));
        }
    }
    for (i, s) in states.iter().enumerate() {
        let Some(s) = s.as_object() else {
            errs.push(format!("state {i} is not an object"));
            continue;
        };
        let mut keys: Vec<&str> = s
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "#meta")
            .collect();
        keys.sort();
        if keys != sorted {
            errs.push(format!(
                "state {i} defines {keys:?}, not every var of {sorted:?}"
            ));
        }
        match s.get("#meta").and_then(|m| m.get("index")) {
            Some(x) if x.as_u64() == Some(i as u64) => {}
            other => errs.push(format!("state {i}: #meta.index is {other:?}")),
        }
        for (k, v) in s.iter().filter(|(k, _)| *k != "#meta") {
            expr(v, &format!("states[{i}].{k}"), &mut errs);
        }
    }
    errs
}

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
