//! A trace as a sequence diagram: one lifeline per source (the driver, each page client, each
//! worker script instance, a worker's heartbeat reading, DevTools, the server), one row per
//! line in time order. The driver's steps aimed at a page or a worker are arrows; everything
//! else is a box on its source's lifeline. Informational lines (no `obs`) are grey, and their
//! long runs (a worker's heartbeats) fold. The lines the checker matched, and its first
//! divergences, are marked.

use crate::html::truncate;
use crate::svg::{Diagram, Item, Lifeline, Row};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use swspec_conformance::trace::{Event, Source, Trace};

/// What to mark on the diagram.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    /// Lines the checker matched (drawn green), each linking to `link_prefix` + line.
    pub matched: BTreeSet<usize>,
    /// Fragment prefix of the path entry a matched row links to (`#spec-m`).
    pub link_prefix: String,
    /// First divergences: (profile name, line or `None` at the end, reason).
    pub divergences: Vec<(String, Option<usize>, String)>,
}

/// The lifeline key of a source: (group, worker rank, first appearance).
fn order(
    src: &Source,
    worker_rank: &BTreeMap<String, usize>,
    first: usize,
) -> (u8, usize, u8, usize) {
    match src {
        Source::Driver => (0, 0, 0, first),
        Source::Page { .. } => (1, 0, 0, first),
        Source::Worker { worker, .. } => {
            (2, worker_rank.get(worker).copied().unwrap_or(0), 0, first)
        }
        Source::Heartbeat { worker } => {
            (2, worker_rank.get(worker).copied().unwrap_or(0), 1, first)
        }
        Source::Devtools => (3, 0, 0, first),
        Source::Server => (4, 0, 0, first),
    }
}

/// The lifeline of a source.
pub fn lifeline(src: &Source) -> Lifeline {
    let (label, sub, class) = match src {
        Source::Driver => (
            "driver".to_string(),
            "the harness's steps".to_string(),
            "driver",
        ),
        Source::Page { client } => (format!("page {client}"), "window client".into(), "page"),
        Source::Worker { worker, instance } => (
            format!("worker {worker}"),
            format!("instance {instance}"),
            "worker",
        ),
        Source::Heartbeat { worker } => (
            format!("heartbeat {worker}"),
            "harness reading".into(),
            "heartbeat",
        ),
        Source::Devtools => ("DevTools".to_string(), "browser".into(), "devtools"),
        Source::Server => ("server".to_string(), "harness HTTP".into(), "server"),
    };
    Lifeline {
        label,
        sub,
        class: class.into(),
    }
}

/// The sources of a trace, in lifeline order.
pub fn sources(trace: &Trace) -> Vec<Source> {
    let mut first: Vec<(Source, usize)> = Vec::new();
    let mut rank: BTreeMap<String, usize> = BTreeMap::new();
    for (i, (_, e)) in trace.events.iter().enumerate() {
        if let Source::Worker { worker, .. } | Source::Heartbeat { worker } = &e.src {
            let n = rank.len();
            rank.entry(worker.clone()).or_insert(n);
        }
        if !first.iter().any(|(s, _)| *s == e.src) {
            first.push((e.src.clone(), i));
        }
    }
    first.sort_by_key(|(s, i)| order(s, &rank, *i));
    first.into_iter().map(|(s, _)| s).collect()
}

/// An observation in a few words: its type, then its fields' values.
pub fn obs_text(obs: &Value) -> String {
    let Some(o) = obs.as_object() else {
        return obs.to_string();
    };
    let mut parts: Vec<String> = o
        .get("type")
        .and_then(Value::as_str)
        .map(|t| vec![t.to_string()])
        .unwrap_or_default();
    // Who first (the client, worker or fetch it is about), then the rest.
    let who = ["client", "worker", "id"];
    let fields = who.iter().filter_map(|k| o.get_key_value(*k)).chain(
        o.iter()
            .filter(|(k, _)| *k != "type" && !who.contains(&k.as_str())),
    );
    for (k, v) in fields {
        parts.push(match v {
            Value::String(s) => s.clone(),
            Value::Bool(true) => k.clone(),
            Value::Bool(false) => format!("!{k}"),
            other => format!("{k}={other}"),
        });
    }
    parts.join(" ")
}

/// An informational line's label, from its raw payload (`· heartbeat`, `· statechange
/// installed`).
fn raw_text(raw: Option<&Value>) -> (String, Option<String>) {
    let Some(r) = raw.and_then(Value::as_object) else {
        return ("· (no payload)".into(), None);
    };
    if let Some(ev) = r.get("ev").and_then(Value::as_str) {
        let detail = ["state", "status", "name", "version", "role"]
            .iter()
            .filter_map(|k| r.get(*k))
            .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(" ");
        return (
            format!("· {ev} {detail}").trim_end().to_string(),
            Some(ev.to_string()),
        );
    }
    if let Some(step) = r.get("step").and_then(Value::as_object) {
        let what = step.get("do").and_then(Value::as_str).unwrap_or("step");
        let rest = step
            .iter()
            .filter(|(k, v)| *k != "do" && !v.is_null())
            .map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_string)))
            .collect::<Vec<_>>()
            .join(" ");
        let note = r
            .get("note")
            .and_then(Value::as_str)
            .map(|n| format!(" ({n})"));
        return (
            format!("· {what} {rest}{}", note.unwrap_or_default()).replace("  ", " "),
            Some(format!("step {what}")),
        );
    }
    for k in ["note", "method", "event"] {
        if let Some(v) = r.get(k).and_then(Value::as_str) {
            return (format!("· {}", truncate(v, 60)), Some(k.to_string()));
        }
    }
    let key = r.keys().next().cloned().unwrap_or_default();
    (format!("· {key}"), Some(key))
}

/// The lifeline a driver step is aimed at, if any: the page it names, or the worker's latest
/// script instance (else DevTools) for a DevTools stop.
fn target(e: &Event, lanes: &[Source], seen: &BTreeSet<usize>) -> Option<usize> {
    let obs = serde_json::to_value(e.obs.as_ref()?).ok()?;
    if let Some(c) = obs.get("client").and_then(Value::as_str) {
        return lanes
            .iter()
            .position(|s| matches!(s, Source::Page { client } if client == c));
    }
    let w = obs.get("worker").and_then(Value::as_str)?;
    lanes
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            seen.contains(i) && matches!(s, Source::Worker { worker, .. } if worker == w)
        })
        .map(|(i, _)| i)
        .next_back()
        .or_else(|| lanes.iter().position(|s| *s == Source::Devtools))
}

/// The diagram of `trace` with `marks`.
pub fn diagram(trace: &Trace, marks: &Marks) -> Diagram {
    let lanes = sources(trace);
    let mut order: Vec<usize> = (0..trace.events.len()).collect();
    order.sort_by(|&a, &b| {
        let (la, ea) = &trace.events[a];
        let (lb, eb) = &trace.events[b];
        ea.t.total_cmp(&eb.t).then(la.cmp(lb))
    });
    let mut rows = Vec::with_capacity(order.len() + marks.divergences.len());
    // Lanes that have drawn a row so far (a DevTools stop goes to an instance already seen).
    let mut seen = BTreeSet::new();
    for i in order {
        let (line, e) = &trace.events[i];
        let lane = lanes.iter().position(|s| *s == e.src).unwrap_or(0);
        seen.insert(lane);
        let json = serde_json::to_string(e).unwrap_or_default();
        let interval = e
            .earliest
            .map(|a| format!(" (between {a:.1} and {:.1} ms)", e.t))
            .unwrap_or_default();
        let mut row = Row::new(Item::Note {
            on: lane,
            text: String::new(),
        });
        row.t = Some(e.t);
        row.id = Some(format!("l{line}"));
        row.title = format!("line {line}, t = {:.3} ms{interval}\n{json}", e.t);
        let mut class = Vec::new();
        match &e.obs {
            Some(obs) => {
                let text = obs_text(&serde_json::to_value(obs).unwrap_or_default());
                let text = if e.earliest.is_some() {
                    format!("{text} ⇡")
                } else {
                    text
                };
                row.item = match (&e.src, target(e, &lanes, &seen)) {
                    (Source::Driver, Some(to)) => Item::Arrow {
                        from: lane,
                        to,
                        text,
                    },
                    _ => Item::Note { on: lane, text },
                };
                if marks.matched.contains(line) {
                    class.push("matched");
                    row.href = Some(format!("{}{line}", marks.link_prefix));
                }
            }
            None => {
                let (text, fold) = raw_text(e.raw.as_ref());
                row.item = Item::Note { on: lane, text };
                row.fold = fold;
                class.push("info");
            }
        }
        let diverging: Vec<&(String, Option<usize>, String)> = marks
            .divergences
            .iter()
            .filter(|(_, l, _)| *l == Some(*line))
            .collect();
        if !diverging.is_empty() {
            class.push("divergent");
            row.fold = None;
        }
        row.class = class.join(" ");
        rows.push(row);
        for (profile, _, reason) in diverging {
            rows.push(callout(profile, reason, &format!("l{line}")));
        }
    }
    for (profile, _, reason) in marks.divergences.iter().filter(|(_, l, _)| l.is_none()) {
        rows.push(callout(profile, reason, "end"));
    }
    Diagram {
        lifelines: lanes.iter().map(lifeline).collect(),
        rows,
    }
}

fn callout(profile: &str, reason: &str, at: &str) -> Row {
    let mut r = Row::new(Item::Callout {
        text: format!("first divergence against {profile}: {reason}"),
    });
    r.id = Some(format!("divergence-{profile}"));
    r.class = "divergent".into();
    r.title = format!("first divergence against the {profile} profile ({at}): {reason}");
    r.href = Some(format!("#{profile}"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn trace(lines: &[&str]) -> Trace {
        let header = r#"{"format":"swspec-trace","version":1,"engine":"chromium","engine_version":"1","scenario":"s","profile":"chromium","captured_at":"x","harness":"h","observes":["open_client","register","state_change","running_status"]}"#;
        let text = std::iter::once(header)
            .chain(lines.iter().copied())
            .collect::<Vec<_>>()
            .join("\n");
        Trace::parse(Path::new("t.jsonl"), text.as_bytes()).expect("parses")
    }

    #[test]
    fn one_lifeline_per_source_in_a_fixed_order() {
        let t = trace(&[
            r#"{"t":5,"src":{"kind":"server"},"raw":{"ev":"script","version":1}}"#,
            r#"{"t":1,"src":{"kind":"driver"},"obs":{"type":"open_client","client":"c1"}}"#,
            r#"{"t":2,"src":{"kind":"devtools"},"obs":{"type":"running_status","worker":"w","status":"starting"}}"#,
            r#"{"t":3,"src":{"kind":"worker","worker":"w","instance":"i1"},"raw":{"ev":"heartbeat"}}"#,
            r#"{"t":4,"src":{"kind":"page","client":"c1"},"raw":{"ev":"load"}}"#,
            r#"{"t":6,"src":{"kind":"worker","worker":"w","instance":"i2"},"raw":{"ev":"heartbeat"}}"#,
        ]);
        let labels: Vec<String> = sources(&t).iter().map(|s| lifeline(s).label).collect();
        assert_eq!(
            labels,
            ["driver", "page c1", "worker w", "worker w", "DevTools", "server"]
        );
        let d = diagram(&t, &Marks::default());
        assert_eq!(d.lifelines.len(), 6);
        // Time order, not line order.
        assert_eq!(d.rows[0].id.as_deref(), Some("l3"));
        // The driver's step is an arrow to the page it names.
        assert_eq!(
            d.rows[0].item,
            Item::Arrow {
                from: 0,
                to: 1,
                text: "open_client c1".into()
            }
        );
        assert_eq!(d.rows[2].class, "info");
        assert_eq!(d.rows[2].fold.as_deref(), Some("heartbeat"));
    }

    #[test]
    fn divergences_are_marked_with_a_callout() {
        let t = trace(&[
            r#"{"t":1,"src":{"kind":"driver"},"obs":{"type":"open_client","client":"c1"}}"#,
            r#"{"t":2,"src":{"kind":"devtools"},"obs":{"type":"state_change","worker":"w","state":"installed"}}"#,
        ]);
        let marks = Marks {
            matched: [2].into(),
            link_prefix: "#spec-m".into(),
            divergences: vec![("spec".into(), Some(3), "no candidate accepts it".into())],
        };
        let d = diagram(&t, &marks);
        assert_eq!(d.rows.len(), 3);
        assert_eq!(d.rows[0].class, "matched");
        assert_eq!(d.rows[0].href.as_deref(), Some("#spec-m2"));
        assert_eq!(d.rows[1].class, "divergent");
        assert!(
            matches!(&d.rows[2].item, Item::Callout { text } if text.contains("against spec: no candidate"))
        );
    }
}
