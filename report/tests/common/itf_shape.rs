//! The ITF shape check, shared by the report's and the CLI's tests: every violation of the
//! trace, state and expression objects ADR-015 documents
//! (https://apalache-mc.org/docs/adr/015adr-trace.html).
#![allow(dead_code)]

use serde_json::Value;

/// The keys ADR-015 allows at the top of a trace.
const TRACE_KEYS: &[&str] = &["#meta", "params", "vars", "states", "loop"];
/// The single-key objects ADR-015 defines.
const FORMS: &[&str] = &["#tup", "#set", "#map", "#bigint", "#unserializable"];

/// Every violation of the ADR-015 expression grammar in `v`, at `at`.
pub fn expr(v: &Value, at: &str, errs: &mut Vec<String>) {
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
pub fn shape(t: &Value) -> Vec<String> {
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
