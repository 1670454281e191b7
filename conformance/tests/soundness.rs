//! Soundness and completeness of the trace checker on traces generated from the model.
//!
//! Soundness (proptest): a model execution turned into a trace the way a capture would record
//! it — unobservable kinds hidden, ids renamed, non-driver timestamps jittered, events of
//! different sources reordered within the skew — is always accepted.
//!
//! Completeness (mutation): dropping, duplicating, swapping or altering one event of such a
//! trace is rejected, at the rates pinned below (README "Conformance checker" lists them).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::path::Path;
use swspec_conformance::check::{self, wide_config, Options, Verdict};
use swspec_conformance::generate;
use swspec_conformance::trace::{Event, Source, Trace};
use swspec_model::{Observation, Profile, SwModel, WorkerState};

#[derive(Clone, Copy, Debug)]
enum Features {
    Lifecycle,
    Push,
    Sync,
    Periodic,
    BgFetch,
}

fn model(profile: Profile, f: Features) -> SwModel {
    let mut cfg = wide_config(profile, 2);
    match f {
        Features::Lifecycle => {}
        Features::Push => cfg.push = true,
        Features::Sync => cfg.sync = true,
        Features::Periodic => cfg.periodic_sync = true,
        Features::BgFetch => cfg.background_fetch = true,
    }
    SwModel::new(cfg)
}

/// Kinds observed: everything, no DevTools (Firefox/WebKit), or no worker-side events.
fn kinds(which: u8) -> Vec<String> {
    match which {
        0 => generate::all_kinds(),
        1 => generate::js_kinds(),
        _ => generate::all_kinds()
            .into_iter()
            .filter(|k| {
                !matches!(
                    k.as_str(),
                    "functional_event" | "wait_until_settled" | "lifecycle_event"
                )
            })
            .collect(),
    }
}

fn text(profile: Profile, observes: Vec<String>, events: &[Event]) -> String {
    Trace::to_text(&generate::header("generated", profile, observes), events)
}

/// The mutation test's node budget: a mutated trace that exhausts it counts as rejected.
const MUTATION_NODES: usize = 300_000;

/// The soundness property's node budget: the checker's own default, since a conforming trace
/// must not be failed for the search cost alone.
fn soundness_nodes() -> usize {
    Options::default().max_nodes
}

fn verdict(text: &str) -> (Verdict, check::Outcome) {
    verdict_with(text, true, MUTATION_NODES)
}

fn verdict_with(text: &str, quiescent_end: bool, max_nodes: usize) -> (Verdict, check::Outcome) {
    let t = match Trace::parse(Path::new("generated.jsonl"), text.as_bytes()) {
        Ok(t) => t,
        Err(e) => panic!("generated trace does not parse: {e}\n{text}"),
    };
    let opts = Options {
        max_nodes,
        quiescent_end,
        ..Options::default()
    };
    let o = match check::check(&t, &opts) {
        Ok(o) => o,
        Err(e) => panic!("check failed: {e:?}\n{text}"),
    };
    (o.verdict.clone(), o)
}

fn is_driver(e: &Event) -> bool {
    e.src == Source::Driver
}

/// Moves non-driver events later by `jitter[i]` ms (< skew / 2), then re-sorts by time: events
/// of one source keep their order, events of different sources may swap.
fn perturb(mut events: Vec<Event>, jitter: &[u8]) -> Vec<Event> {
    let mut last: std::collections::BTreeMap<Source, f64> = Default::default();
    for (i, e) in events.iter_mut().enumerate() {
        if !is_driver(e) {
            e.t += f64::from(jitter.get(i).copied().unwrap_or(0) % 40);
        }
        let floor = last.get(&e.src).copied().unwrap_or(0.0);
        e.t = e.t.max(floor);
        last.insert(e.src.clone(), e.t);
    }
    events.sort_by(|a, b| a.t.total_cmp(&b.t));
    events
}

fn profile_of(i: u8) -> Profile {
    Profile::ALL[(i % 4) as usize]
}

fn features_of(i: u8) -> Features {
    [
        Features::Lifecycle,
        Features::Lifecycle,
        Features::Push,
        Features::Sync,
        Features::Periodic,
        Features::BgFetch,
    ][(i % 6) as usize]
}

#[test]
fn generated_traces_are_accepted() {
    let mut runner = TestRunner::new(Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        any::<u64>(),
        10usize..60,
        any::<u8>(),
        any::<u8>(),
        0u8..3,
        proptest::collection::vec(any::<u8>(), 0..400),
    );
    runner
        .run(&strategy, |(seed, len, p, f, k, jitter)| {
            let profile = profile_of(p);
            let m = model(profile, features_of(f));
            let walk = generate::settle(&m, generate::random_walk(&m, seed, len));
            let exec = generate::execute(&m, &walk).expect("walk replays");
            // A walk that cannot settle within the bounds (registrations are never freed) ends
            // mid-flight, like a capture cut short: checked without the quiescent end.
            let settled = exec.last().is_none_or(|e| check::quiescent(&m, &e.2));
            let observes = kinds(k);
            let events = perturb(generate::events(&m, &exec, &observes, 10.0, 1.0), &jitter);
            let text = text(profile, observes, &events);
            let (v, o) = verdict_with(&text, settled, soundness_nodes());
            if v != Verdict::Conforms {
                let walk: Vec<String> = walk.iter().map(|a| a.to_string()).collect();
                return Err(TestCaseError::fail(format!(
                    "{v:?} after {} nodes: {:#?}\nwalk:\n  {}\ntrace:\n{text}",
                    o.nodes,
                    o.divergence,
                    walk.join("\n  ")
                )));
            }
            Ok(())
        })
        .unwrap();
}

/// The mutations of the completeness test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    Drop,
    Duplicate,
    Swap,
    Alter,
}

/// Applies mutation `m` at event `i` (of events with an observation); `None` when it does not
/// apply there.
fn mutate(events: &[Event], m: Mutation, i: usize) -> Option<Vec<Event>> {
    let mut v = events.to_vec();
    match m {
        Mutation::Drop => {
            v.remove(i);
        }
        Mutation::Duplicate => {
            let e = v[i].clone();
            v.insert(i + 1, e);
        }
        Mutation::Swap => {
            // Swap with the next event of the same source (a reordering the capture can't make).
            let j = (i + 1..v.len()).find(|&j| v[j].src == v[i].src && !is_driver(&v[j]))?;
            if v[j].obs == v[i].obs {
                return None;
            }
            let (a, b) = (v[i].obs.clone(), v[j].obs.clone());
            v[i].obs = b;
            v[j].obs = a;
        }
        Mutation::Alter => {
            let o = v[i].obs.clone()?;
            v[i].obs = Some(alter(&o)?);
        }
    }
    Some(v)
}

/// One field changed: a state, a status, an outcome, a flag or an id.
fn alter(o: &Observation<String>) -> Option<Observation<String>> {
    use Observation as O;
    let other_client = |c: &String| format!("{c}-other");
    Some(match o.clone() {
        O::StateChange { worker, state } => O::StateChange {
            worker,
            state: match state {
                WorkerState::Installing => WorkerState::Installed,
                WorkerState::Installed => WorkerState::Activating,
                WorkerState::Activating => WorkerState::Activated,
                WorkerState::Activated => WorkerState::Redundant,
                _ => WorkerState::Installing,
            },
        },
        O::RunningStatus { worker, status } => O::RunningStatus {
            worker,
            status: match status {
                swspec_model::RunningStatus::Stopped => swspec_model::RunningStatus::Running,
                _ => swspec_model::RunningStatus::Stopped,
            },
        },
        O::JobSettled {
            client,
            call,
            outcome,
        } => O::JobSettled {
            client,
            call,
            outcome: match outcome {
                swspec_model::observe::JobOutcome::Registration => {
                    swspec_model::observe::JobOutcome::TypeError
                }
                _ => swspec_model::observe::JobOutcome::Registration,
            },
        },
        O::FunctionalEvent {
            worker,
            event,
            tag,
            last_chance,
            wait_until,
            notify,
        } => O::FunctionalEvent {
            worker,
            event,
            tag,
            last_chance,
            wait_until: !wait_until,
            notify,
        },
        O::WaitUntilSettled {
            worker,
            event,
            fulfilled,
        } => O::WaitUntilSettled {
            worker,
            event,
            fulfilled: !fulfilled,
        },
        O::OpenClient { client } => O::Reload { client },
        O::Reload { client } => O::CloseClient { client },
        O::CloseClient { client } => O::Reload { client },
        O::ControllerChange { client } => O::ControllerChange {
            client: other_client(&client),
        },
        O::Register { client, script } => O::Update {
            client: script.clone() + &client,
        },
        O::LifecycleEvent { worker, event } => O::LifecycleEvent {
            worker: format!("{worker}-other"),
            event,
        },
        _ => return None,
    })
}

/// Rejection rate per mutation kind over generated lifecycle traces.
pub fn rejection_rates(seeds: u64, len: usize) -> Vec<(Mutation, usize, usize)> {
    let mut out = Vec::new();
    for m in [
        Mutation::Drop,
        Mutation::Duplicate,
        Mutation::Swap,
        Mutation::Alter,
    ] {
        let (mut tried, mut rejected) = (0, 0);
        for seed in 0..seeds {
            let profile = Profile::Chromium;
            let sw = model(profile, Features::Lifecycle);
            let walk = generate::settle(&sw, generate::random_walk(&sw, seed, len));
            let exec = generate::execute(&sw, &walk).expect("walk replays");
            let observes = kinds(0);
            let events = generate::events(&sw, &exec, &observes, 10.0, 1.0);
            // Mutations hit *relevant* events: what the browser reports (the model's outputs),
            // not the driver's steps, which are inputs any order of which the model accepts.
            let relevant: Vec<usize> = (0..events.len())
                .filter(|&i| !is_driver(&events[i]))
                .collect();
            let n = events.len();
            if relevant.is_empty() {
                continue;
            }
            for k in 0..3 {
                let i = relevant[((seed as usize) * 7 + k * 13) % relevant.len()];
                let Some(v) = mutate(&events, m, i) else {
                    continue;
                };
                tried += 1;
                let (verdict, _) = verdict(&text(profile, observes.clone(), &v));
                if verdict != Verdict::Conforms {
                    rejected += 1;
                } else if std::env::var_os("SWSPEC_ESCAPES").is_some() {
                    let k = events[i].obs.as_ref().map(|o| o.kind()).unwrap_or("-");
                    let next = events
                        .get(i + 1)
                        .and_then(|e| e.obs.as_ref())
                        .map(|o| o.kind())
                        .unwrap_or("END");
                    println!("escaped {m:?} at {i}/{n}: {k} (next {next})");
                }
            }
        }
        out.push((m, tried, rejected));
    }
    out
}

#[test]
fn mutations_are_rejected() {
    let rates = rejection_rates(40, 30);
    for (m, tried, rejected) in &rates {
        println!(
            "{m:?}: {rejected}/{tried} rejected ({:.1}%)",
            100.0 * *rejected as f64 / *tried as f64
        );
    }
    for (m, tried, rejected) in rates {
        assert!(tried >= 30, "{m:?}: only {tried} mutations applied");
        let rate = rejected as f64 / tried as f64;
        // Pinned floors (README lists the measured rates; see there for what escapes).
        let floor = match m {
            Mutation::Drop => 0.85,
            Mutation::Duplicate => 0.95,
            // 0.80 measured before extended events settled in any order and skipWaiting()
            // could come from the script's evaluation (issue 17 item 5); 0.72 after.
            Mutation::Swap => 0.70,
            Mutation::Alter => 0.95,
        };
        assert!(rate >= floor, "{m:?}: rejection rate {rate:.3} < {floor}");
    }
}

/// A generated trace with almost every step hidden (only the driver's kinds observed) whose
/// search needs about 856 k nodes: inconclusive under the 300 k budget the property once used,
/// it conforms under the checker's default budget.
#[test]
fn a_costly_generated_trace_conforms_within_the_default_budget() {
    let (seed, len, p, f, k) = (5_711_420_364_422_608_932, 41, 32, 219, 1);
    let profile = profile_of(p);
    let m = model(profile, features_of(f));
    let walk = generate::settle(&m, generate::random_walk(&m, seed, len));
    let exec = generate::execute(&m, &walk).expect("walk replays");
    assert!(exec.last().is_none_or(|e| check::quiescent(&m, &e.2)));
    let observes = kinds(k);
    let events = generate::events(&m, &exec, &observes, 10.0, 1.0);
    let (v, o) = verdict_with(&text(profile, observes, &events), true, soundness_nodes());
    assert_eq!(v, Verdict::Conforms, "after {} nodes", o.nodes);
}
