//! Messages to a worker that is not the page's controller (`EnvChoices::post_to_slots`,
//! §postMessage(message, options)): the registration's installing, waiting and
//! active workers, and what happens to such messages when an install fails (finding 5).

mod common;
use common::*;
use swspec_model::observe::EventName;
use swspec_model::Action::*;
use swspec_model::InstallOutcome::*;
use swspec_model::{
    Action, EventKind, MessageTarget, ModelConfig, Observation, RunningStatus, StopCause, SwModel,
    WorkerState,
};

fn cfg(post_to_slots: bool) -> ModelConfig {
    let mut cfg = ModelConfig {
        clients: 1,
        fetch_events: false,
        ..ModelConfig::default()
    };
    cfg.env.post_to_slots = post_to_slots;
    cfg
}

fn model() -> SwModel {
    SwModel::new(cfg(true))
}

fn post(to: MessageTarget) -> Action {
    PostMessage { client: 0, to }
}

fn dispatch(worker: u8, wait_until: bool) -> Action {
    FunctionalEvent {
        worker,
        wait_until,
        notify: false,
    }
}

/// Client 0 registers and v1's install event is under way.
fn installing_v1() -> Vec<Action> {
    vec![
        OpenClient(0),
        Register {
            client: 0,
            script: 0,
        },
        RunJob,
        UpdateBytesChanged,
        Install,
    ]
}

/// Every always-property holds with the knob on (one client, no fetch events), and every
/// sometimes-property is found; the knob is off by default, where the count is 120,454.
#[test]
fn with_post_to_slots_every_property_holds() {
    let on = cfg(true);
    let (unique, found) = check(on.clone(), true);
    assert_eq!(violated(&found), Vec::<&str>::new());
    assert_eq!(not_found(&on, &found), Vec::<&str>::new());
    assert_eq!(unique, 376_620);
    let (off, _) = check(cfg(false), true);
    assert_eq!(off, 120_454);
}

/// Without the knob a page messages only its controller.
#[test]
fn without_the_knob_no_slot_is_messaged() {
    let m = SwModel::new(cfg(false));
    let path = [installing_v1(), vec![post(MessageTarget::Installing)]].concat();
    assert!(try_replay(&m, &path).is_err());
}

/// The installing worker gets a message while its install event is pending
/// (`post-message-to-installing.jsonl`), observed with its target.
#[test]
fn a_message_to_the_installing_worker_runs_during_install() {
    let m = model();
    let path = [installing_v1(), vec![post(MessageTarget::Installing)]].concat();
    let states = replay(&m, &path);
    let (pre, post_state) = (&states[states.len() - 2], &states[states.len() - 1]);
    assert_eq!(
        post_state.worker(0).tasks.first(),
        Some(&EventKind::Message)
    );
    assert_eq!(
        m.observe(pre, &post(MessageTarget::Installing), post_state)[0],
        Observation::PostMessage {
            client: 0,
            to: MessageTarget::Installing
        }
    );
    let s = replay(&m, &[path, vec![dispatch(0, false)]].concat())
        .pop()
        .expect("state");
    assert_eq!(s.worker(0).state, WorkerState::Installing);
    assert!(s.worker(0).tasks.is_empty());
}

/// The page messages `registration.waiting` (v2, installed behind the v1 that controls it,
/// as in `post-message-to-waiting-and-active.jsonl`), then `registration.active` (v1): each
/// message event runs on the worker it was posted to.
#[test]
fn messages_to_the_waiting_and_the_active_worker_run_on_each() {
    let m = model();
    let mut path = install_v1();
    path.extend([
        Reload(0),
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Fulfilled),
    ]);
    let waiting = replay(&m, &path).pop().expect("state");
    assert_eq!(waiting.reg(0).waiting, Some(1), "{waiting:?}");
    assert_eq!(waiting.clients[0].controller, Some(0));
    path.extend([post(MessageTarget::Waiting), dispatch(1, false)]);
    path.extend([post(MessageTarget::Active), dispatch(0, false)]);
    let states = replay(&m, &path);
    let n = path.len();
    for (at, worker) in [(n - 3, 1), (n - 1, 0)] {
        let obs = m.observe(&states[at], &path[at], &states[at + 1]);
        assert!(
            obs.iter().any(|o| matches!(o, Observation::FunctionalEvent { worker: w, event: EventName::Message, .. } if *w == worker)),
            "{obs:?}"
        );
    }
    let last = states.last().expect("state");
    assert_eq!(last.worker(1).state, WorkerState::Installed);
    assert!(last.worker(0).tasks.is_empty() && last.worker(1).tasks.is_empty());
}

/// §Install does not terminate a worker whose install failed (finding 5): the message event it
/// extended stays pending, and its promise still settles; every invariant holds on the way.
#[test]
fn a_failed_install_keeps_a_pending_message_until_it_settles() {
    let m = model();
    let path = [
        installing_v1(),
        vec![
            post(MessageTarget::Installing),
            dispatch(0, true),
            InstallEventSettled(Rejected),
            WaitUntilSettled {
                worker: 0,
                event: 0,
                fulfilled: true,
            },
        ],
    ]
    .concat();
    let states = replay(&m, &path);
    for s in &states {
        assert_eq!(failing_invariants(&m, s), Vec::<&str>::new(), "{s:?}");
    }
    let failed = &states[states.len() - 2];
    assert_eq!(failed.worker(0).state, WorkerState::Redundant);
    assert_eq!(failed.worker(0).running, RunningStatus::Running);
    assert_eq!(failed.worker(0).extended.as_slice(), [EventKind::Message]);
    assert!(states.last().expect("state").worker(0).extended.is_empty());
}

/// A stopped installing worker's queued message waits for Run Service Worker, which fails
/// once the install failed: the message is lost. A start already begun may end, and the
/// message then runs on the redundant worker.
#[test]
fn a_failed_install_loses_the_messages_a_stopped_worker_waits_with() {
    let m = model();
    let stopped = [
        installing_v1(),
        vec![
            StopWorker {
                worker: 0,
                cause: StopCause::Forced,
            },
            post(MessageTarget::Installing),
        ],
    ]
    .concat();
    let s = replay(
        &m,
        &[stopped.clone(), vec![InstallEventSettled(StartFailed)]].concat(),
    )
    .pop()
    .expect("state");
    assert_eq!(s.worker(0).state, WorkerState::Redundant);
    assert_eq!(s.worker(0).running, RunningStatus::Stopped);
    assert!(s.worker(0).tasks.is_empty());
    assert_eq!(failing_invariants(&m, &s), Vec::<&str>::new());

    let starting = [
        stopped,
        vec![
            RunServiceWorker(0),
            // The worker is not running yet, so its install event ends as StartFailed.
            InstallEventSettled(StartFailed),
            WorkerStarted(0),
            dispatch(0, false),
        ],
    ]
    .concat();
    let states = replay(&m, &starting);
    for s in &states {
        assert_eq!(failing_invariants(&m, s), Vec::<&str>::new(), "{s:?}");
    }
    let last = states.last().expect("state");
    assert_eq!(last.worker(0).state, WorkerState::Redundant);
    assert!(last.worker(0).tasks.is_empty());
}
