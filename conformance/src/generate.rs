//! Traces generated from model executions: the soundness tests, the mutation tests and the
//! benchmarks start from them. An execution becomes a trace the way a capture would record it:
//! observations of unobserved kinds are dropped, model ids are renamed, each observation gets its
//! source and a timestamp, and the timer bounds of the profile are respected.

use crate::trace::{Event, Header, Source, FORMAT, FORMAT_VERSION};
use swspec_model::{
    Action, Channel, IdSpace, InstallOutcome, Obs, Observation, Profile, StopCause, SwModel,
    SwState,
};

/// Every observation kind: a complete capture.
pub fn all_kinds() -> Vec<String> {
    Observation::<String>::KINDS
        .iter()
        .map(|k| k.to_string())
        .collect()
}

/// The kinds a capture without DevTools sees (Firefox, WebKit): no running status.
pub fn js_kinds() -> Vec<String> {
    all_kinds()
        .into_iter()
        .filter(|k| k != "running_status")
        .collect()
}

/// A header for a generated trace.
pub fn header(scenario: &str, profile: Profile, observes: Vec<String>) -> Header {
    Header {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        engine: "synthetic".into(),
        engine_version: env!("CARGO_PKG_VERSION").into(),
        scenario: scenario.into(),
        profile,
        captured_at: "1970-01-01T00:00:00Z".into(),
        harness: format!("swspec {}", env!("CARGO_PKG_VERSION")),
        observes,
        settings: Default::default(),
    }
}

/// The trace name of a model id (deliberately unlike the model's indices).
pub fn rename(space: IdSpace, id: u8) -> String {
    match space {
        IdSpace::Client => format!("page-{}", 7 - id),
        IdSpace::Worker => format!("version-{}", 40 + 3 * id as u32),
        IdSpace::Script => format!("sw{id}.js"),
        IdSpace::Tag => format!("tag-{}", (b'z' - id) as char),
        IdSpace::BgFetch => format!("bgf-{id}"),
    }
}

fn source_of(o: &Obs, instances: &[u32]) -> Source {
    match o.channel() {
        Channel::Driver | Channel::Registration => Source::Driver,
        Channel::Page(&c) => Source::Page {
            client: rename(IdSpace::Client, c),
        },
        Channel::Lifecycle(_) | Channel::Background => Source::Devtools,
        Channel::Server => Source::Server,
        Channel::Worker(&w) => Source::Worker {
            worker: rename(IdSpace::Worker, w),
            instance: format!("i{}", instances.get(w as usize).copied().unwrap_or(0)),
        },
    }
}

/// Milliseconds to let pass before `a` so that the profile's timer bounds hold.
fn delay_before(a: &Action, profile: Profile) -> f64 {
    let p = profile.params();
    let big = |x: Option<f64>| x.map_or(0.0, |v| v + 1_000.0);
    match a {
        Action::StopWorker {
            cause: StopCause::Idle,
            ..
        } => big(p.idle_timeout_ms),
        Action::EventTimedOut(_) => big([
            p.event_timeout_ms,
            p.push_event_timeout_ms,
            p.sync_event_timeout_ms,
        ]
        .into_iter()
        .flatten()
        .reduce(f64::max)),
        Action::InstallEventSettled(InstallOutcome::TimedOut) => big(p.event_timeout_ms),
        Action::StopWorker {
            cause: StopCause::Unresponsive,
            ..
        } => big(p.unresponsive_timeout_ms),
        Action::LameDuckActivate(_) => big(p.lame_duck_ms),
        Action::SyncRetryDue { .. } => big(p
            .sync_initial_retry_delay_ms
            .map(|d| d * p.sync_retry_delay_factor.unwrap_or(1.0).powi(4))),
        _ => 0.0,
    }
}

/// A model execution from the initial state: the actions and the states they lead to.
pub fn execute(model: &SwModel, actions: &[Action]) -> Option<Vec<(Action, SwState, SwState)>> {
    use stateright::Model;
    let mut s = model.init_state();
    let mut out = Vec::new();
    for a in actions {
        let next = model.next_state(&s, a.clone())?;
        out.push((a.clone(), s, next.clone()));
        s = next;
    }
    Some(out)
}

/// Turns an execution into trace events: `step_ms` between steps, observations of one step
/// `obs_ms` apart.
pub fn events(
    model: &SwModel,
    exec: &[(Action, SwState, SwState)],
    observes: &[String],
    step_ms: f64,
    obs_ms: f64,
) -> Vec<Event> {
    let mut t = 0.0;
    let mut out = Vec::new();
    let mut instances: Vec<u32> = Vec::new();
    for (a, pre, post) in exec {
        t += step_ms + delay_before(a, model.cfg.profile);
        // A worker whose script is evaluated again gets a new script instance (its first
        // evaluation, as it is created, is instance 0).
        for (i, w) in post.workers.iter().enumerate() {
            if instances.len() <= i {
                instances.resize(i + 1, 0);
            }
            if w.restarted_since(pre.workers.get(i)) {
                instances[i] += 1;
            }
        }
        for o in model.observe(pre, a, post) {
            if !observes.iter().any(|k| k == o.kind()) {
                continue;
            }
            let src = source_of(&o, &instances);
            out.push(Event {
                t,
                earliest: None,
                src,
                obs: Some(o.map_ids(|space, id| rename(space, *id))),
                raw: None,
            });
            t += obs_ms;
        }
    }
    out
}

/// A random execution of `len` steps (a simple LCG picks among enabled actions). A due activate
/// event is dispatched at once, as the profiles' activate-event delay bound asks (the generated
/// trace puts `step_ms` between steps).
pub fn random_walk(model: &SwModel, seed: u64, len: usize) -> Vec<Action> {
    use stateright::Model;
    let mut rng = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut s = model.init_state();
    let mut out = Vec::new();
    for _ in 0..len {
        let mut acts = Vec::new();
        model.actions(&s, &mut acts);
        if let Some(a) = acts.iter().find(|a| matches!(a, Action::ActivateEvent(_))) {
            acts = vec![a.clone()];
        }
        let mut next = None;
        while !acts.is_empty() {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = ((rng >> 33) as usize) % acts.len();
            let a = acts.swap_remove(i);
            if let Some(n) = model.next_state(&s, a.clone()) {
                if model.within_boundary(&n) {
                    next = Some((a, n));
                    break;
                }
            }
        }
        let Some((a, n)) = next else { break };
        out.push(a);
        s = n;
    }
    out
}

/// Extends a walk with the steps the browser takes promptly until the state is quiescent
/// (`check::quiescent`): a capture waits for that before it stops.
pub fn settle(model: &SwModel, mut walk: Vec<Action>) -> Vec<Action> {
    use stateright::Model;
    let Some(exec) = execute(model, &walk) else {
        return walk;
    };
    let mut s = exec
        .last()
        .map_or_else(|| model.init_state(), |e| e.2.clone());
    for _ in 0..64 {
        if crate::check::quiescent(model, &s) {
            break;
        }
        let mut acts = Vec::new();
        model.actions(&s, &mut acts);
        // A due activate event first (its delay is bounded), then the first prompt step that
        // stays within the bounds.
        if let Some(i) = acts
            .iter()
            .position(|a| matches!(a, Action::ActivateEvent(_)))
        {
            acts.swap(0, i);
        }
        let prompt = acts
            .into_iter()
            .filter(|a| {
                model
                    .next_state(&s, a.clone())
                    .is_some_and(|n| model.within_boundary(&n))
            })
            .find(|a| {
                matches!(
                    a,
                    Action::RunJob
                        | Action::UpdateBytesChanged
                        | Action::Install
                        | Action::ActivateEvent(_)
                        | Action::UpdateFetchFailed
                        | Action::UpdateBytesIdentical
                        | Action::RunServiceWorker(_)
                        | Action::WorkerStarted(_)
                        | Action::FunctionalEvent {
                            wait_until: false,
                            notify: false,
                            ..
                        }
                )
            });
        let Some(a) = prompt else { break };
        let Some(n) = model.next_state(&s, a.clone()) else {
            break;
        };
        if !model.within_boundary(&n) {
            break;
        }
        walk.push(a);
        s = n;
    }
    walk
}

/// A long lifecycle execution for benchmarks: one install, then rounds of subresource fetches,
/// messages with `waitUntil`, DevTools stops and restarts, and reloads, until the trace holds at
/// least `min_events` events. It stays within the model's bounds however long it gets.
pub fn lifecycle_loop(min_events: usize) -> Vec<Action> {
    use swspec_model::InstallOutcome;
    let dispatch = |extend| Action::FunctionalEvent {
        worker: 0,
        wait_until: extend,
        notify: false,
    };
    let mut walk = vec![
        Action::OpenClient(0),
        Action::Register {
            client: 0,
            script: 0,
        },
        Action::RunJob,
        Action::UpdateBytesChanged,
        Action::Install,
        Action::InstallEventSettled(InstallOutcome::Fulfilled),
        Action::ActivateEvent(0),
        Action::ActivateEventSettled(0),
        Action::Reload(0),
        dispatch(false),
    ];
    let round = [
        Action::Fetch(0),
        dispatch(false),
        Action::PostMessage {
            client: 0,
            to: swspec_model::MessageTarget::Controller,
        },
        dispatch(true),
        Action::WaitUntilSettled {
            worker: 0,
            event: 0,
            fulfilled: true,
        },
        Action::StopWorker {
            worker: 0,
            cause: StopCause::Forced,
        },
        Action::Fetch(0),
        Action::RunServiceWorker(0),
        Action::WorkerStarted(0),
        dispatch(false),
        Action::Reload(0),
        dispatch(false),
    ];
    // Each round yields 16 observations.
    let rounds = min_events / 16 + 1;
    for _ in 0..rounds {
        walk.extend(round.iter().cloned());
    }
    walk
}
