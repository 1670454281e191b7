//! The activate event's dispatch as a step of its own (§Activate queues the event's task and
//! waits for it "to have executed or been discarded"), extended events that settle in any order
//! with any outcome (§ExtendableEvent), and `skipWaiting()` at the top level of a script being
//! evaluated (§skipWaiting()), each as an exact action path.

mod common;
use common::*;
use swspec_model::observe::{CallOutcome, EventName, LifecycleEvent, WorkerCall};
use swspec_model::Action::*;
use swspec_model::InstallOutcome::*;
use swspec_model::MessageTarget;
use swspec_model::{
    Action, EventKind, ModelConfig, Observation, RunningStatus, StopCause, SwModel, SwState,
    WorkerState,
};

fn model() -> SwModel {
    SwModel::new(ModelConfig {
        max_pending_events: 3,
        fetch_details: true,
        ..ModelConfig::default()
    })
}

fn enabled(m: &SwModel, s: &SwState) -> Vec<Action> {
    use stateright::Model;
    let mut out = Vec::new();
    m.actions(s, &mut out);
    out
}

/// The observations of `a` taken in the state `path` leads to.
fn observed(m: &SwModel, path: &[Action], a: Action) -> Vec<Observation<u8>> {
    use stateright::Model;
    let pre = replay(m, path).pop().expect("state");
    let post = m.next_state(&pre, a.clone()).expect("enabled");
    m.observe(&pre, &a, &post)
}

/// v1 registered and installed: it is `activating`, its activate event queued.
fn v1_activating() -> Vec<Action> {
    let mut path = install_v1();
    path.truncate(path.len() - 2);
    path
}

#[test]
fn the_activate_event_is_dispatched_by_its_own_step() {
    let m = model();
    let path = v1_activating();
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).state, WorkerState::Activating);
    assert_eq!(s.worker(0).activate_task, Some(0));
    let acts = enabled(&m, &s);
    assert!(acts.contains(&ActivateEvent(0)));
    assert!(
        !acts.contains(&ActivateEventSettled(0)),
        "activation cannot end before the event ran"
    );
    // The step that made v1 `activating` does not report the event; the dispatch does.
    let install_end = observed(&m, &path[..path.len() - 1], InstallEventSettled(Fulfilled));
    assert!(!install_end
        .iter()
        .any(|o| matches!(o, Observation::LifecycleEvent { .. })));
    assert_eq!(
        observed(&m, &path, ActivateEvent(0)),
        vec![Observation::LifecycleEvent {
            worker: 0,
            event: LifecycleEvent::Activate,
        }]
    );
    let mut path = path;
    path.push(ActivateEvent(0));
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).activate_task, None);
    assert!(enabled(&m, &s).contains(&ActivateEventSettled(0)));
}

/// Termination discards the queued activate event's task; Activate, which waits for it to have
/// executed or been discarded, then ends with the worker activated, and no activate event runs.
#[test]
fn termination_discards_the_activate_event_and_activation_ends() {
    let m = model();
    let mut path = v1_activating();
    path.push(StopWorker {
        worker: 0,
        cause: StopCause::Forced,
    });
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).running, RunningStatus::Stopped);
    assert_eq!(s.worker(0).activate_task, None);
    let acts = enabled(&m, &s);
    assert!(!acts.contains(&ActivateEvent(0)));
    assert!(acts.contains(&ActivateEventSettled(0)));
    path.push(ActivateEventSettled(0));
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).state, WorkerState::Activated);
}

/// A fetch queued to an `activating` controller waits behind the activate event (§Handle Fetch
/// waits for `activated`): before the event runs, only the event can be dispatched.
#[test]
fn a_fetch_to_an_activating_worker_waits_behind_the_activate_event() {
    let m = model();
    let mut path = v1_activating();
    path.extend([Claim(0), Fetch(0)]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        s.worker(0).tasks.as_slice(),
        &[EventKind::Fetch {
            client: Some(0),
            navigate: false
        }]
    );
    assert!(!m.can_dispatch(&s, 0));
    assert!(enabled(&m, &s).contains(&ActivateEvent(0)));
}

/// v1 controls client 0, and has the fetch event of its reload (a navigation) and then a
/// message event whose waitUntil promises are pending.
fn two_pending_events() -> Vec<Action> {
    let mut path = install_v1();
    path.extend([
        Reload(0),
        FunctionalEvent {
            worker: 0,
            wait_until: true,
            notify: false,
        },
        PostMessage {
            client: 0,
            to: MessageTarget::Controller,
        },
        FunctionalEvent {
            worker: 0,
            wait_until: true,
            notify: false,
        },
    ]);
    path
}

/// The later event's promise may settle first, and any event's may reject.
#[test]
fn extended_events_settle_in_any_order_with_any_outcome() {
    let m = model();
    let path = two_pending_events();
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        s.worker(0).extended.as_slice(),
        &[
            EventKind::Fetch {
                client: Some(0),
                navigate: true
            },
            EventKind::Message
        ]
    );
    let acts = enabled(&m, &s);
    for event in [0, 1] {
        for fulfilled in [true, false] {
            let a = WaitUntilSettled {
                worker: 0,
                event,
                fulfilled,
            };
            assert!(acts.contains(&a), "{a:?} not offered");
        }
    }
    let later = WaitUntilSettled {
        worker: 0,
        event: 1,
        fulfilled: false,
    };
    assert_eq!(
        observed(&m, &path, later.clone()),
        vec![Observation::WaitUntilSettled {
            worker: 0,
            event: EventName::Message,
            fulfilled: false,
        }]
    );
    let mut path = path;
    path.push(later);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        s.worker(0).extended.as_slice(),
        &[EventKind::Fetch {
            client: Some(0),
            navigate: true
        }]
    );
    // A message event's outcome changes no state: rejecting and fulfilling lead to one state.
    let mut fulfilled = two_pending_events();
    fulfilled.push(WaitUntilSettled {
        worker: 0,
        event: 1,
        fulfilled: true,
    });
    assert_eq!(replay(&m, &fulfilled).pop().expect("state"), s);
}

/// Of two equal pending events only the oldest is offered: settling either leaves one state.
#[test]
fn equal_pending_events_offer_one_settlement() {
    let m = model();
    let mut path = two_pending_events();
    path.extend([
        PostMessage {
            client: 0,
            to: MessageTarget::Controller,
        },
        FunctionalEvent {
            worker: 0,
            wait_until: true,
            notify: false,
        },
    ]);
    let s = replay(&m, &path).pop().expect("state");
    let events: Vec<u8> = enabled(&m, &s)
        .into_iter()
        .filter_map(|a| match a {
            WaitUntilSettled {
                event,
                fulfilled: true,
                ..
            } => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(events, vec![0, 1], "the second message (2) is not offered");
}

/// §skipWaiting() at the top level of v2's script, before its install event: the flag is set
/// while v2 is `parsed`; when its install ends, Try Activate activates it although a client
/// is controlled by v1.
#[test]
fn skip_waiting_during_script_evaluation_activates_at_install_end() {
    let m = model();
    let mut path = install_v1();
    path.extend([
        Reload(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        },
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(1).state, WorkerState::Parsed);
    assert_eq!(s.worker(1).running, RunningStatus::Starting);
    assert_eq!(
        observed(&m, &path, SkipWaiting(1)),
        skip_waiting_resolves(1)
    );
    path.extend([SkipWaiting(1), Install, InstallEventSettled(Fulfilled)]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).active, Some(1));
    assert_eq!(s.worker(1).state, WorkerState::Activating);
    assert_eq!(s.worker(0).state, WorkerState::Redundant);
    // A second call at the top level is a guard step (it changes nothing).
    let s = replay(&m, &path[..path.len() - 2]).pop().expect("state");
    assert!(m.guard_steps(&s).contains(&skip_waiting_resolves(1)));
}

/// `skipWaiting()` by `worker` and its promise resolving (§skipWaiting() never rejects).
fn skip_waiting_resolves(worker: u8) -> Vec<Observation<u8>> {
    vec![
        Observation::SkipWaiting { worker },
        Observation::WorkerCallSettled {
            worker,
            call: WorkerCall::SkipWaiting,
            outcome: CallOutcome::Resolved,
        },
    ]
}

/// Without `skip_waiting` in the environment no worker calls it, at evaluation either.
#[test]
fn skip_waiting_at_evaluation_follows_the_environment_switch() {
    let mut cfg = ModelConfig::default();
    cfg.env.skip_waiting = false;
    let m = SwModel::new(cfg);
    let mut path = install_v1();
    path.extend([Update { client: 0 }, RunJob, UpdateBytesChanged]);
    let s = replay(&m, &path).pop().expect("state");
    assert!(!enabled(&m, &s).contains(&SkipWaiting(1)));
}
