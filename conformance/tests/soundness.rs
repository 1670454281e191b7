//! Soundness and completeness of the trace checker on traces generated from the model.
//!
//! Soundness (proptest): a model execution turned into a trace the way a capture would record
//! it — unobservable kinds hidden, ids renamed, non-driver timestamps jittered, events of
//! different sources reordered within the skew — is always accepted.
//!
//! Completeness (mutation): dropping, duplicating, swapping or altering one event of such a
//! trace is rejected, at the rates pinned below (README "Conformance checker" lists them).

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestError, TestRunner};
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

/// One generated case: a seed and length for the random walk, the profile, feature and kinds
/// selectors, and the jitter of each event's time.
type Case = (u64, usize, u8, u8, u8, Vec<u8>);

/// A case's trace, as a capture would record the walk.
struct Generated {
    profile: Profile,
    /// The walk ended quiescent. A walk that cannot settle within the bounds (registrations are
    /// never freed) ends mid-flight, like a capture cut short: checked without the quiescent end.
    settled: bool,
    /// The walk's actions, for the failure message.
    walk: Vec<String>,
    /// The trace file's text.
    text: String,
}

fn generated(case: &Case) -> Generated {
    let (seed, len, p, f, k, jitter) = case;
    let profile = profile_of(*p);
    let m = model(profile, features_of(*f));
    let walk = generate::settle(&m, generate::random_walk(&m, *seed, *len));
    let exec = generate::execute(&m, &walk).expect("walk replays");
    let settled = exec.last().is_none_or(|e| check::quiescent(&m, &e.2));
    let observes = kinds(*k);
    let events = perturb(generate::events(&m, &exec, &observes, 10.0, 1.0), jitter);
    Generated {
        profile,
        settled,
        walk: walk.iter().map(|a| a.to_string()).collect(),
        text: text(profile, observes, &events),
    }
}

/// Writes a failing case's trace under the target folder and returns the command that checks
/// it the way the property does (the case's profile, its end quiescent or not, the default
/// budget), as shuttle prints its replay string.
fn replay_failure(case: &Case, g: &Generated) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("soundness");
    let file = dir.join(format!("generated-{}-{}.jsonl", case.0, case.1));
    let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, &g.text));
    if let Err(e) = written {
        return format!("(cannot write {}: {e})\ntrace:\n{}", file.display(), g.text);
    }
    let cut = if g.settled { "" } else { " --no-quiescent-end" };
    format!(
        "trace written to {file}\nreplay: swspec conform {file} --profile {profile} --explain{cut}\n\
         (from the repository: cargo run --release -- conform {file} --profile {profile} --explain{cut})",
        file = file.display(),
        profile = g.profile,
    )
}

/// The property on one case: its trace conforms within the default budget.
fn accepted(g: &Generated) -> Result<(), TestCaseError> {
    let (v, o) = verdict_with(&g.text, g.settled, soundness_nodes());
    if v != Verdict::Conforms {
        return Err(TestCaseError::fail(format!(
            "{v:?} after {} nodes: {:#?}\nwalk:\n  {}",
            o.nodes,
            o.divergence,
            g.walk.join("\n  ")
        )));
    }
    Ok(())
}

#[test]
fn generated_traces_are_accepted() {
    let mut runner = TestRunner::new(Config {
        // PROPTEST_CASES overrides, to run it longer.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(128),
        // A failing case's seed is kept in soundness.proptest-regressions beside this file
        // (proptest's place for tests/) and run first from then on.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        source_file: Some(file!()),
        // A case is a whole check, up to the default node budget: shrinking stops after two
        // minutes (it once ran for twenty), with the smallest failing case found by then.
        max_shrink_time: 120_000,
        // (and after 64 steps: a diverging case checks both passes of the search.)
        max_shrink_iters: 64,
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
    let result = runner.run(&strategy, |case| accepted(&generated(&case)));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, case)) => {
            let replay = replay_failure(&case, &generated(&case));
            panic!("generated trace not accepted: {reason}\n{replay}")
        }
        Err(e) => panic!("{e}"),
    }
}

/// The mutations of the completeness test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// One event left out.
    Drop,
    /// One event recorded twice.
    Duplicate,
    /// One event swapped with the next of its source.
    Swap,
    /// One field of one event changed ([`alter`]).
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
            client,
            navigate,
            tag,
            last_chance,
            wait_until,
            notify,
        } => O::FunctionalEvent {
            worker,
            event,
            client,
            navigate,
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
    let rates = rejection_rates(50, 30);
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
            // could come from the script's evaluation (issue 17 item 5); 0.72 after; 0.82 once
            // one step's observations on a channel kept their order (item 8).
            Mutation::Swap => 0.80,
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

/// The case the property's runner would draw as its `n`th (a xorshift stream; how the costly
/// cases below were found, 25,000 of them at a time).
fn nth_case(n: u64) -> Case {
    let mut r = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xdead_beef;
    let mut next = || {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        r
    };
    let seed = next();
    let len = 10 + (next() % 50) as usize;
    let (p, f, k) = (next() as u8, next() as u8, (next() % 3) as u8);
    let jitter_len = (next() % 400) as usize;
    let jitter = (0..jitter_len).map(|_| next() as u8).collect();
    (seed, len, p, f, k, jitter)
}

/// Generated Background Fetch traces under the spec profile with DevTools unobserved, where
/// hidden steps (download progress, queued clicks, the worker's starts and stops) leave up to
/// 170 k candidates at one position. Before the search had two passes, 6217 and 17927 were
/// inconclusive after 2 M nodes (the depth-first search expanded candidates again each time it
/// met them after fewer hidden steps) and 15946 was with the search in trace order alone; now
/// the quick pass accepts 15946 in 29 k nodes and the exact pass the other two in 1.27 M and
/// 1.53 M (both passes counted).
#[test]
fn costly_background_fetch_traces_conform_within_the_default_budget() {
    for n in [6217, 15946, 17927] {
        let case = nth_case(n);
        let g = generated(&case);
        assert!(
            accepted(&g).is_ok(),
            "case {n}: {}",
            replay_failure(&case, &g)
        );
    }
}

/// The property can fail: a generated trace with one event the model never made is not
/// accepted, and the failure names the file it wrote and the command that replays it.
#[test]
fn the_property_fails_a_trace_that_diverges() {
    let case = nth_case(89);
    let mut g = generated(&case);
    // A second `open_client` of a client already open, after the first event.
    let first_open = g
        .text
        .lines()
        .find(|l| l.contains(r#""type":"open_client""#))
        .expect("the walk opens a client")
        .to_string();
    let mut lines: Vec<&str> = g.text.lines().collect();
    let at = lines.iter().position(|l| *l == first_open).expect("found") + 1;
    lines.insert(at, &first_open);
    g.text = lines.join("\n") + "\n";
    let Err(e) = accepted(&g) else {
        panic!("a trace with an event the model never made was accepted")
    };
    assert!(e.to_string().contains("Diverges"), "{e}");
    let replay = replay_failure(&case, &g);
    assert!(replay.contains("--explain"), "{replay}");
    let file = replay
        .lines()
        .find_map(|l| l.strip_prefix("trace written to "))
        .expect("the file is named");
    assert_eq!(std::fs::read_to_string(file).ok(), Some(g.text));
}
