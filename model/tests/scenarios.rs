//! Discovery paths as executable scenarios: the shortest path to each key behaviour is pinned
//! action by action, and hand-written scenarios replay the spec's canonical stories with the
//! state asserted along the way.

mod common;
use common::*;
use stateright::Representative;
use swspec_model::properties::property;
use swspec_model::Action::*;
use swspec_model::InstallOutcome::*;
use swspec_model::MessageTarget;
use swspec_model::StopCause::Forced;
use swspec_model::{Action, ControlledVia, ModelConfig, SwModel, SwState, WorkerState};
use swspec_search::shortest::shortest_paths;

fn shortest(model: &SwModel, name: &'static str) -> Vec<Action> {
    let p = property(name).expect("property exists");
    let sym: fn(&SwState) -> SwState = Representative::representative;
    shortest_paths(model, &[(p.name, p.condition)], Some(sym), 5_000_000)
        .pop()
        .flatten()
        .unwrap_or_else(|| panic!("{name} is reachable"))
}

#[test]
fn first_registration_installs_and_activates_but_does_not_control_the_page() {
    let m = SwModel::default();
    let states = replay(&m, &install_v1());
    let s = states.last().expect("states");
    assert_eq!(s.worker(0).state, WorkerState::Activated);
    assert_eq!(s.reg(0).active, Some(0));
    // The registering page loaded before the registration existed: uncontrolled until it
    // reloads or the worker claims it.
    assert_eq!(s.clients[0].controller, None);
    // The promise resolved when Install started, before the install event ran.
    let during_install = &states[5];
    assert!(during_install.jobs[0].settled);
}

/// The path by which a waiting worker activates when the last client using the registration
/// unloads (§Handle Service Worker Client Unload → Try Activate), and not on reload.
#[test]
fn waiting_worker_activates_when_last_client_unloads_not_on_reload() {
    let m = SwModel::default();
    let mut path = install_v1();
    path.extend([
        Reload(0), // reload: now controlled by v1
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Fulfilled), // v2 waits: a client uses the registration
        Reload(0),                      // a reload does not activate it
    ]);
    let states = replay(&m, &path);
    let s = states.last().expect("states");
    assert_eq!(s.reg(0).waiting, Some(1));
    assert_eq!(s.worker(1).state, WorkerState::Installed);
    assert_eq!(s.clients[0].controller, Some(0));
    assert_eq!(s.clients[0].via, ControlledVia::Navigation);

    path.push(CloseClient(0));
    let states = replay(&m, &path);
    let s = states.last().expect("states");
    assert_eq!(s.reg(0).active, Some(1));
    assert_eq!(s.worker(1).state, WorkerState::Activating);
    assert_eq!(s.worker(0).state, WorkerState::Redundant);
}

#[test]
fn shortest_path_to_a_waiting_worker_held_back_by_one_client() {
    let m = SwModel::default();
    let path = shortest(&m, "waiting_blocked_by_last_client");
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
            Update { client: 0 }, // queued behind the running register job
            InstallEventSettled(Fulfilled), // v1 activating
            Reload(0),            // reload: controlled by v1
            RunJob,
            UpdateBytesChanged,
            Install,
            InstallEventSettled(Fulfilled), // v2 waits (v1 still activating, and a client)
            // v1 is stopped before its activate event ran: termination discards the event's
            // task, and Activate, which waits for it "to have executed or been discarded", ends.
            StopWorker {
                worker: 0,
                cause: Forced
            },
            ActivateEventSettled(0),
        ]
    );
    // Its continuation: the last client unloads and the waiting worker activates.
    let mut path = path;
    path.push(CloseClient(0));
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(1).state, WorkerState::Activating);
}

/// Spec finding: a worker installed while the active worker is `activating` is stranded once
/// activation ends, with no client and nothing pending (nothing re-runs Try Activate).
#[test]
fn shortest_path_to_a_stranded_waiting_worker() {
    let m = SwModel::default();
    let path = shortest(&m, "waiting_worker_stranded");
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
            Update { client: 0 },
            InstallEventSettled(Fulfilled), // v1 activating
            RunJob,
            UpdateBytesChanged,
            Install,
            InstallEventSettled(Fulfilled), // v2 waits: Try Activate returns (v1 activating)
            StopWorker {
                worker: 0,
                cause: Forced
            }, // discards v1's activate event task
            ActivateEventSettled(0),        // v1 activated; nothing calls Try Activate
        ]
    );
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).waiting, Some(1));
    assert_eq!(s.clients_using(0), 0);
    // Any of the spec's triggers releases it, e.g. skipWaiting().
    let mut next = path.clone();
    next.push(SkipWaiting(1));
    let s = replay(&m, &next).pop().expect("state");
    assert_eq!(s.reg(0).active, Some(1));
}

/// WPT activation.https.html: an in-flight extended event on the active worker delays the
/// activation of a waiting worker that called skipWaiting(); its settling activates it.
#[test]
fn pending_event_on_the_old_worker_delays_skip_waiting_activation() {
    let m = SwModel::default();
    let mut path = install_v1();
    path.extend([
        Reload(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false, // the reload's navigation fetch
            notify: false,
        },
        PostMessage {
            client: 0,
            to: MessageTarget::Controller,
        }, // a message task queued on v1 ...
        FunctionalEvent {
            worker: 0,
            wait_until: true, // ... whose handler leaves a waitUntil promise pending
            notify: false,
        },
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
        Install,
        SkipWaiting(1),
        InstallEventSettled(Fulfilled),
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).waiting, Some(1), "held back by v1's pending event");
    path.push(WaitUntilSettled {
        worker: 0,
        event: 0,
        fulfilled: true,
    });
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).active, Some(1));
    assert_eq!(s.clients[0].controller, Some(1));
    assert_eq!(
        s.clients[0].via,
        ControlledVia::Activate,
        "controllerchange"
    );
    assert_eq!(s.worker(1).state, WorkerState::Activating);
}

#[test]
fn claim_during_activating_takes_over_the_registering_page() {
    let m = SwModel::default();
    let path = vec![
        OpenClient(0),
        Register {
            client: 0,
            script: 0,
        },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Fulfilled),
        Claim(0),
    ];
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).state, WorkerState::Activating);
    assert_eq!(s.clients[0].controller, Some(0));
    assert_eq!(s.clients[0].via, ControlledVia::Claim);
    // Before activation a claim is rejected (InvalidStateError) and is not an action.
    let before = replay(&m, &path[..4]).pop().expect("state");
    assert!(SwModel::claim_rejects(&before, 0));
}

#[test]
fn identical_bytes_update_resolves_and_installs_nothing() {
    let m = SwModel::default();
    let mut path = install_v1();
    path.extend([Update { client: 0 }, RunJob, UpdateBytesIdentical]);
    let states = replay(&m, &path);
    let (before, after) = (&states[states.len() - 4], &states[states.len() - 1]);
    assert_eq!(before.workers, after.workers);
    assert_eq!(before.registrations, after.registrations);
    assert!(after.jobs.is_empty());
}

#[test]
fn equivalent_update_is_coalesced_until_the_promise_settles() {
    let m = SwModel::default();
    let mut path = install_v1();
    path.extend([OpenClient(1), Update { client: 0 }, Update { client: 1 }]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.jobs.len(), 1);
    assert_eq!(
        s.jobs[0].equivalent.as_slice(),
        &[Some(swspec_model::JobClient::Page(1))]
    );
    // Once Install has resolved the promise, a new update is queued, not coalesced.
    let mut path = install_v1();
    path.extend([
        OpenClient(1),
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
        Install,
        Update { client: 1 },
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.jobs.len(), 2);
    assert!(s.jobs[0].equivalent.is_empty());
}

#[test]
fn failed_first_install_removes_the_registration() {
    let m = SwModel::default();
    for outcome in [Rejected, TimedOut, StartFailed] {
        let mut path = vec![
            OpenClient(0),
            Register {
                client: 0,
                script: 0,
            },
            RunJob,
            UpdateBytesChanged,
            Install,
        ];
        // The install event rejects or times out in a running worker; it never runs in a
        // worker that stopped with it in flight.
        if outcome == StartFailed {
            path.push(StopWorker {
                worker: 0,
                cause: Forced,
            });
        }
        path.push(InstallEventSettled(outcome));
        let s = replay(&m, &path).pop().expect("state");
        assert_eq!(s.map, None, "{outcome:?}");
        assert_eq!(s.worker(0).state, WorkerState::Redundant);
    }
    for failure in [
        vec![UpdateFetchFailed],
        vec![UpdateBytesChanged, UpdateEvaluationFailed],
    ] {
        let mut path = vec![
            OpenClient(0),
            Register {
                client: 0,
                script: 0,
            },
            RunJob,
        ];
        path.extend(failure.iter().cloned());
        let s = replay(&m, &path).pop().expect("state");
        assert_eq!(s.map, None, "{failure:?}");
        // A script that failed to evaluate leaves its discarded worker behind; a failed fetch
        // creates none.
        assert!(s.workers.iter().all(|w| w.state == WorkerState::Redundant
            && w.running == swspec_model::RunningStatus::Stopped));
        assert_eq!(s.workers.len(), failure.len() - 1);
    }
}

#[test]
fn unregister_keeps_controlled_clients_until_they_unload_and_register_makes_a_new_registration() {
    let m = SwModel::default();
    let mut path = install_v1();
    path.extend([
        Reload(0),
        Unregister { client: 0 },
        RunJob,
        Register {
            client: 0,
            script: 0,
        },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Fulfilled),
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.map, Some(1), "a new registration, not a resurrected one");
    assert_eq!(
        s.clients[0].controller,
        Some(0),
        "still controlled by the old one"
    );
    assert!(!s.reg(0).cleared);
    assert_eq!(s.worker(1).state, WorkerState::Activating);
    // Reload: the new document gets the new registration; the old one is cleared.
    path.push(Reload(0));
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.clients[0].controller, Some(1));
    assert!(s.reg(0).cleared);
    assert_eq!(s.worker(0).state, WorkerState::Redundant);
}

#[test]
fn a_new_install_replaces_the_waiting_worker() {
    let m = SwModel::new(ModelConfig {
        versions: 3,
        ..ModelConfig::default()
    });
    let mut path = install_v1();
    path.extend([
        Reload(0),
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Fulfilled),
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Fulfilled),
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).waiting, Some(2));
    assert_eq!(s.worker(2).version, 3);
    assert_eq!(s.worker(1).state, WorkerState::Redundant);
}
