//! A model path (an example, a counterexample, a liveness lasso) as a sequence diagram: one
//! lifeline per page client, per worker, and for the browser and the environment; one row per
//! action on its actor's lifeline, an arrow when the browser or the environment acts on a
//! worker; a lasso's loop marked where it starts and where it goes back. Each row's tooltip is
//! the action's spec sections, and it links to `#step-N` of the page's step list.
//!
//! A prototype for `swspec check --report` (phase 2 of the report work).

use crate::svg::{Diagram, Item, Lifeline, Row};
use serde_json::Value;
use swspec_model::{Action, Actor};

/// A lane of a model path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Lane {
    Client(u64),
    Worker(u64),
    Browser,
    Environment,
}

/// The number a field (or a tuple variant's only payload) of the action's serde form holds.
fn number(with: &Value, field: &str) -> Option<u64> {
    with.get(field)
        .and_then(Value::as_u64)
        .or_else(|| with.as_u64())
}

/// (the lane the action is taken on, the worker lane it acts on, if another).
fn lanes(a: &Action) -> (Lane, Option<Lane>) {
    let with = serde_json::to_value(a)
        .ok()
        .and_then(|v| v.get("with").cloned())
        .unwrap_or(Value::Null);
    let worker = with.get("worker").and_then(Value::as_u64);
    match a.actor() {
        Actor::Page => (
            number(&with, "client").map_or(Lane::Browser, Lane::Client),
            None,
        ),
        Actor::Worker => (
            number(&with, "worker").map_or(Lane::Browser, Lane::Worker),
            None,
        ),
        Actor::Browser => (Lane::Browser, worker.map(Lane::Worker)),
        Actor::Environment => (Lane::Environment, worker.map(Lane::Worker)),
    }
}

fn lifeline(l: &Lane) -> Lifeline {
    let (label, sub, class) = match l {
        Lane::Client(c) => (format!("client {c}"), "page".to_string(), "page"),
        Lane::Worker(w) => (format!("worker {w}"), "script".to_string(), "worker"),
        Lane::Browser => ("browser".into(), "user agent".into(), "devtools"),
        Lane::Environment => ("environment".into(), "network, timers".into(), "server"),
    };
    Lifeline {
        label,
        sub,
        class: class.into(),
    }
}

/// The diagram of `actions` from the initial state; `loop_start`: the index of the first
/// action of a lasso's loop.
pub fn diagram(actions: &[Action], loop_start: Option<usize>) -> Diagram {
    let per: Vec<(Lane, Option<Lane>)> = actions.iter().map(lanes).collect();
    let mut all: Vec<Lane> = per
        .iter()
        .flat_map(|(a, b)| std::iter::once(a.clone()).chain(b.clone()))
        .collect();
    all.sort();
    all.dedup();
    let at = |l: &Lane| all.iter().position(|x| x == l).unwrap_or(0);
    let mut rows = Vec::with_capacity(actions.len() + 2);
    for (i, (a, (on, to))) in actions.iter().zip(&per).enumerate() {
        if Some(i) == loop_start {
            let mut r = Row::new(Item::Callout {
                text: "⟲ the loop starts here: from here the steps below repeat forever".into(),
            });
            r.class = "loop".into();
            r.id = Some("loop".into());
            rows.push(r);
        }
        let text = format!("{}. {a}", i + 1);
        let item = match to {
            Some(t) if t != on => Item::Arrow {
                from: at(on),
                to: at(t),
                text,
            },
            _ => Item::Note { on: at(on), text },
        };
        let mut r = Row::new(item);
        r.id = Some(format!("s{}", i + 1));
        r.title = format!("{a}  [{}]", a.spec());
        r.href = Some(format!("#step-{}", i + 1));
        rows.push(r);
    }
    if let Some(k) = loop_start {
        let mut r = Row::new(Item::Callout {
            text: format!("↺ back to step {} (the loop)", k + 1),
        });
        r.class = "loop".into();
        r.href = Some("#loop".into());
        rows.push(r);
    }
    Diagram {
        lifelines: all.iter().map(lifeline).collect(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swspec_model::properties::property;
    use swspec_model::{ModelConfig, SwModel};

    fn path(name: &str) -> Vec<Action> {
        let p = property(name).expect("property");
        let model = SwModel::new(ModelConfig {
            clients: 1,
            fetch_events: false,
            ..ModelConfig::default()
        });
        swspec_search::shortest::shortest_paths(&model, &[(p.name, p.condition)], None, 3_000_000)
            .remove(0)
            .expect("reachable")
    }

    #[test]
    fn a_path_draws_one_row_per_action_on_its_actors_lifeline() {
        let actions = path("waiting_while_controlled");
        let d = diagram(&actions, None);
        assert_eq!(d.rows.len(), actions.len());
        let labels: Vec<&str> = d.lifelines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels.first(), Some(&"client 0"));
        assert!(labels.contains(&"browser"), "{labels:?}");
        // The first step is the page's: a box on client 0.
        assert!(matches!(d.rows[0].item, Item::Note { on: 0, .. }));
        assert!(d.rows[0].title.contains("§Handle Fetch"));
        assert_eq!(d.rows[0].href.as_deref(), Some("#step-1"));
    }

    #[test]
    fn a_lasso_marks_its_loop() {
        let actions = path("waiting_while_controlled");
        let d = diagram(&actions, Some(2));
        assert_eq!(d.rows.len(), actions.len() + 2);
        assert_eq!(d.rows[2].id.as_deref(), Some("loop"));
        assert!(
            matches!(&d.rows.last().expect("row").item, Item::Callout { text } if text.contains("back to step 3"))
        );
    }
}
