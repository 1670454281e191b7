//! `Observation::KINDS` and `kind_index` (derived from the enum) agree with the serde tag each
//! variant is written with, which is what traces hold.

use serde_json::{json, Value};
use swspec_model::Observation;

type Obs = Observation<String>;

/// A value of the schema `s`: the first choice of every enum, the smallest of every number.
fn instance(s: &Value, defs: &Value) -> Value {
    if let Some(r) = s["$ref"].as_str() {
        let name = r.trim_start_matches("#/$defs/");
        return instance(&defs[name], defs);
    }
    if let Some(c) = s.get("const") {
        return c.clone();
    }
    if let Some(first) = s["oneOf"].get(0).or(s["anyOf"].get(0)) {
        return instance(first, defs);
    }
    if let Some(first) = s["enum"].get(0) {
        return first.clone();
    }
    let ty = match &s["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned(),
        t => Some(t.clone()),
    };
    match ty.as_ref().and_then(Value::as_str) {
        Some("string") => json!("x"),
        Some("integer") => json!(0),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        Some("object") => {
            let mut out = serde_json::Map::new();
            for name in s["required"].as_array().into_iter().flatten() {
                let name = name.as_str().expect("a property name");
                out.insert(name.into(), instance(&s["properties"][name], defs));
            }
            Value::Object(out)
        }
        other => panic!("no instance for schema type {other:?}: {s}"),
    }
}

#[test]
fn kinds_are_the_serde_tags_in_declaration_order() {
    let schema = serde_json::to_value(schemars::schema_for!(Obs)).expect("a schema");
    let variants = schema["oneOf"].as_array().expect("one schema per variant");
    let tags: Vec<&str> = variants
        .iter()
        .map(|v| v["properties"]["type"]["const"].as_str().expect("a tag"))
        .collect();
    assert_eq!(tags, Obs::KINDS);
    for (i, v) in variants.iter().enumerate() {
        let value = instance(v, &schema["$defs"]);
        let obs: Obs = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{value} does not parse: {e}"));
        assert_eq!(obs.kind_index(), i, "{value}");
        assert_eq!(obs.kind(), tags[i]);
        let back = serde_json::to_value(&obs).expect("serialises");
        assert_eq!(back["type"], tags[i]);
    }
}

/// The list the enum derived is the one traces were written with (a renamed variant would
/// invalidate every committed trace that uses it).
#[test]
fn kinds_are_the_committed_vocabulary() {
    assert_eq!(
        Obs::KINDS,
        [
            "open_client",
            "reload",
            "close_client",
            "register",
            "update",
            "unregister",
            "post_message",
            "fetch",
            "stop_worker",
            "go_offline",
            "go_online",
            "subscribe",
            "push_message",
            "notification_click",
            "notification_close",
            "set_permission",
            "sync_register",
            "periodic_sync_register",
            "periodic_sync_unregister",
            "background_fetch",
            "bg_fetch_abort",
            "job_settled",
            "call_settled",
            "update_found",
            "controller_change",
            "sync_tags",
            "state_change",
            "running_status",
            "lifecycle_event",
            "functional_event",
            "wait_until_settled",
            "skip_waiting",
            "claim",
            "worker_update",
            "worker_call_settled",
            "bg_fetch_settled",
            "script_fetched",
        ]
    );
}
