//! `self.registration.update()` from a worker's own global (§update(); model/src/worker_update.rs,
//! behind `EnvChoices::worker_update`): exact state counts of a small configuration with the
//! switch off and on, the shortest path to a worker's update() installing a new version, and
//! the installing worker's rejection as a guard step.

mod common;
use common::*;
use stateright::{Model, Representative};
use swspec_model::observe::{CallOutcome, WorkerCall};
use swspec_model::properties::property;
use swspec_model::Action::*;
use swspec_model::InstallOutcome::*;
use swspec_model::{Action, JobClient, ModelConfig, Observation, SwModel, SwState, WorkerState};
use swspec_search::shortest::shortest_paths;

/// One client, two versions, no events: the job queue and the lifecycle.
fn small(worker_update: bool) -> ModelConfig {
    let mut cfg = ModelConfig {
        clients: 1,
        max_pending_events: 0,
        fetch_events: false,
        ..ModelConfig::default()
    };
    cfg.env.worker_update = worker_update;
    cfg
}

fn enabled(m: &SwModel, s: &SwState) -> Vec<Action> {
    let mut acts = Vec::new();
    m.actions(s, &mut acts);
    acts
}

#[test]
fn small_configuration_counts_with_the_switch_off_and_on() {
    let (off, found_off) = check(small(false), true);
    let (on, found_on) = check(small(true), true);
    assert_eq!(violated(&found_off), Vec::<&str>::new());
    assert_eq!(violated(&found_on), Vec::<&str>::new());
    assert_eq!(not_found(&small(false), &found_off), Vec::<&str>::new());
    assert_eq!(not_found(&small(true), &found_on), Vec::<&str>::new());
    assert!(
        !found_off.contains(&"worker_update_installs"),
        "off: no such path"
    );
    assert!(found_on.contains(&"worker_update_installs"));
    assert_eq!((off, on), (43_068, 87_568));
}

#[test]
fn the_default_configuration_leaves_it_off() {
    assert!(!ModelConfig::default().env.worker_update);
    let m = SwModel::default();
    let s = replay(&m, &install_v1()).pop().expect("state");
    assert!(!enabled(&m, &s).contains(&WorkerUpdate(0)));
    assert!(m
        .guard_steps(&s)
        .iter()
        .all(|g| !matches!(g[0], Observation::WorkerUpdate { .. })));
}

/// The shortest path by which a worker's own update() installs the next version: v1 installs
/// and activates, calls update() (the page's own update() is not needed), the job finds
/// changed bytes and Install starts for v2, resolving the worker's promise.
#[test]
fn shortest_path_to_a_worker_update_that_installs_a_new_version() {
    let m = SwModel::new(small(true));
    let p = property("worker_update_installs").expect("property exists");
    let sym: fn(&SwState) -> SwState = Representative::representative;
    let path = shortest_paths(&m, &[(p.name, p.condition)], Some(sym), 5_000_000)
        .pop()
        .flatten()
        .expect("worker_update_installs is reachable");
    assert_eq!(
        path,
        vec![
            OpenClient(0),
            Register {
                client: 0,
                script: 0
            },
            RunJob,
            UpdateBytesChanged,
            Install,
            InstallEventSettled(Fulfilled), // v1 installed, then activating
            WorkerUpdate(0),                // from v1's own global
            RunJob,
            UpdateBytesChanged,
            Install, // v2 installing; v1's promise resolves
        ]
    );
    let states = replay(&m, &path);
    let (pre, post) = (&states[states.len() - 2], &states[states.len() - 1]);
    assert_eq!(post.worker(1).state, WorkerState::Installing);
    assert_eq!(post.jobs[0].client, Some(JobClient::Worker(0)));
    let obs = m.observe(pre, &Install, post);
    assert!(
        obs.contains(&Observation::WorkerCallSettled {
            worker: 0,
            call: WorkerCall::Update,
            outcome: CallOutcome::Resolved,
        }),
        "{obs:?}"
    );
    // The call itself is the worker's observation.
    let at = path
        .iter()
        .position(|a| *a == WorkerUpdate(0))
        .expect("call");
    assert_eq!(
        m.observe(&states[at], &WorkerUpdate(0), &states[at + 1]),
        vec![Observation::WorkerUpdate { worker: 0 }]
    );
}

/// §update() from the installing worker rejects with InvalidStateError: a guard step (no
/// action, no state change), and the installed worker's call is an action again.
#[test]
fn the_installing_worker_update_is_a_guard_step() {
    let m = SwModel::new(small(true));
    let path = &install_v1()[..5]; // v1's install event runs
    let s = replay(&m, path).pop().expect("state");
    assert_eq!(s.worker(0).state, WorkerState::Installing);
    assert!(!enabled(&m, &s).contains(&WorkerUpdate(0)));
    let guard = vec![
        Observation::WorkerUpdate { worker: 0 },
        Observation::WorkerCallSettled {
            worker: 0,
            call: WorkerCall::Update,
            outcome: CallOutcome::InvalidStateError,
        },
    ];
    assert!(m.guard_steps(&s).contains(&guard));
    let mut next = path.to_vec();
    next.push(InstallEventSettled(Fulfilled));
    let s = replay(&m, &next).pop().expect("state");
    assert!(enabled(&m, &s).contains(&WorkerUpdate(0)));
    assert!(!m.guard_steps(&s).contains(&guard));
}

/// A worker's update() behind a page's unsettled update() coalesces into it (§Schedule Job)
/// and both promises settle together; a worker stopped before the settlement sees none.
#[test]
fn a_worker_update_coalesces_and_a_stopped_worker_sees_no_settlement() {
    let m = SwModel::new(small(true));
    let mut path = install_v1();
    path.extend([Update { client: 0 }, WorkerUpdate(0)]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.jobs.len(), 1);
    assert_eq!(
        s.jobs[0].equivalent.as_slice(),
        &[Some(JobClient::Worker(0))]
    );
    path.push(RunJob);
    let pre = replay(&m, &path).pop().expect("state");
    let post = m.next_state(&pre, UpdateBytesIdentical).expect("identical");
    let obs = m.observe(&pre, &UpdateBytesIdentical, &post);
    assert!(obs.contains(&Observation::WorkerCallSettled {
        worker: 0,
        call: WorkerCall::Update,
        outcome: CallOutcome::Resolved,
    }));
    let mut stopped = install_v1();
    stopped.extend([
        WorkerUpdate(0),
        StopWorker {
            worker: 0,
            cause: swspec_model::StopCause::Forced,
        },
        RunJob,
    ]);
    let pre = replay(&m, &stopped).pop().expect("state");
    let post = m.next_state(&pre, UpdateBytesIdentical).expect("identical");
    assert_eq!(
        m.observe(&pre, &UpdateBytesIdentical, &post),
        vec![Observation::ScriptFetched { version: 1 }]
    );
}
