//! Runtime scenarios: running status, queued tasks and extended events, termination and its
//! causes, functional events, and the engine profiles' departures, each as an exact action path.

mod common;
use common::*;
use stateright::Representative;
use swspec_model::properties::property;
use swspec_model::Action::*;
use swspec_model::InstallOutcome::*;
use swspec_model::MessageTarget;
use swspec_model::{
    Action, ControlledVia, EventKind, ModelConfig, Profile, RunningStatus, StopCause, SwModel,
    SwState, WorkerState,
};
use swspec_search::shortest::shortest_paths;

fn model(profile: Profile) -> SwModel {
    SwModel::new(ModelConfig {
        profile,
        push: true,
        ..ModelConfig::default()
    })
}

/// v1 installed and activated, client 0 reloaded so that v1 controls it (and handled the
/// reload's navigation fetch).
fn controlled_by_v1() -> Vec<Action> {
    let mut path = install_v1();
    path.extend([
        Reload(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        },
    ]);
    path
}

fn dispatch(worker: u8, extend: bool) -> Action {
    FunctionalEvent {
        worker,
        wait_until: extend,
        notify: false,
    }
}

/// v2 installed and waiting behind v1, which has a message event with a pending waitUntil.
fn v2_waiting_behind_pending_message() -> Vec<Action> {
    let mut path = controlled_by_v1();
    path.extend([
        PostMessage {
            client: 0,
            to: MessageTarget::Controller,
        },
        dispatch(0, true),
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Fulfilled),
        CloseClient(0), // no client uses the registration any more
    ]);
    path
}

/// WPT activation.https.html: the old worker's in-flight message event delays activation even
/// with no client left; settling it activates the waiting worker.
#[test]
fn pending_message_on_the_old_worker_delays_activation_until_it_settles() {
    let m = model(Profile::Spec);
    let mut path = v2_waiting_behind_pending_message();
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).waiting, Some(1), "held back by v1's pending event");
    assert_eq!(s.worker(0).extended.as_slice(), &[EventKind::Message]);
    path.push(WaitUntilSettled {
        worker: 0,
        event: 0,
        fulfilled: true,
    });
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).active, Some(1));
    assert_eq!(s.worker(0).state, WorkerState::Redundant);
}

/// The same event timing out releases the activation: under the spec the event stops being
/// active; under Chromium and Firefox the old worker is killed as well.
#[test]
fn the_pending_events_timeout_releases_activation() {
    for profile in [Profile::Spec, Profile::Chromium, Profile::Firefox] {
        let m = model(profile);
        let mut path = v2_waiting_behind_pending_message();
        path.push(EventTimedOut(0));
        let s = replay(&m, &path).pop().expect("state");
        assert_eq!(s.reg(0).active, Some(1), "{profile}");
        assert_eq!(s.worker(1).state, WorkerState::Activating, "{profile}");
        assert_eq!(s.worker(0).state, WorkerState::Redundant, "{profile}");
    }
    // WebKit sets no event timeout: the action does not exist there.
    let m = model(Profile::Webkit);
    let mut path = v2_waiting_behind_pending_message();
    path.push(EventTimedOut(0));
    let err = try_replay(&m, &path).expect_err("WebKit has no event timeout");
    assert!(err.contains("EventTimedOut"), "{err}");
}

#[test]
fn fetch_during_activating_waits_for_activated() {
    let m = model(Profile::Spec);
    let path = vec![
        OpenClient(0),
        Register {
            client: 0,
            script: 0,
        },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Fulfilled), // v1 activating
        Claim(0),                       // controls client 0 while activating
        Fetch(0),
    ];
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.clients[0].via, ControlledVia::Claim);
    // Model checking's default leaves the fetch's client and mode out (`fetch_details`).
    assert_eq!(
        s.worker(0).tasks.as_slice(),
        &[EventKind::Fetch {
            client: None,
            navigate: false
        }]
    );
    assert!(
        !m.can_dispatch(&s, 0),
        "the fetch waits while v1 is activating"
    );
    let mut path = path;
    path.extend([
        ActivateEvent(0),
        ActivateEventSettled(0),
        dispatch(0, false),
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert!(s.worker(0).tasks.is_empty());
}

/// Terminate Service Worker backs up queued fetch tasks to the registration (re-queued when the
/// worker starts again) and discards queued messages.
#[test]
fn termination_backs_up_fetches_discards_messages_and_restart_requeues() {
    let m = SwModel::new(ModelConfig {
        max_pending_events: 2,
        fetch_details: true,
        ..ModelConfig::default()
    });
    let mut path = controlled_by_v1();
    path.extend([
        Fetch(0),
        PostMessage {
            client: 0,
            to: MessageTarget::Controller,
        },
        StopWorker {
            worker: 0,
            cause: StopCause::Forced,
        },
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).running, RunningStatus::Stopped);
    assert_eq!(
        s.reg(0).backup.as_slice(),
        &[EventKind::Fetch {
            client: Some(0),
            navigate: false
        }]
    );
    assert!(s.worker(0).tasks.is_empty(), "the message is gone");
    path.extend([
        PostMessage {
            client: 0,
            to: MessageTarget::Controller,
        },
        RunServiceWorker(0),
        WorkerStarted(0),
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).running, RunningStatus::Running);
    assert!(s.reg(0).backup.is_empty());
    assert_eq!(
        s.worker(0).tasks.as_slice(),
        &[
            EventKind::Message,
            EventKind::Fetch {
                client: Some(0),
                navigate: false
            }
        ]
    );
}

/// Spec finding: tasks backed up from a terminated active worker are re-queued only when the
/// (new) active worker *starts*; Run Service Worker returns early for a running worker.
#[test]
fn shortest_path_to_backed_up_tasks_waiting_on_a_running_worker() {
    let m = SwModel::default();
    let p = property("backed_up_tasks_wait_on_running_active_worker").expect("property");
    let sym: fn(&SwState) -> SwState = Representative::representative;
    let path = shortest_paths(&m, &[(p.name, p.condition)], Some(sym), 10_000_000)
        .pop()
        .flatten()
        .expect("reachable");
    let s = replay(&m, &path).pop().expect("state");
    let r = s.map.expect("registration");
    let a = s.reg(r).active.expect("active");
    assert_eq!(s.worker(a).running, RunningStatus::Running);
    assert!(!s.reg(r).backup.is_empty());
    assert!(path.contains(&Install), "{path:?}");
}

#[test]
fn idle_stop_needs_no_pending_events_and_webkit_also_no_open_client() {
    let stop = StopWorker {
        worker: 0,
        cause: StopCause::Idle,
    };
    for profile in Profile::ALL {
        let m = model(profile);
        let s = replay(&m, &controlled_by_v1()).pop().expect("state");
        let allowed = m.can_stop(&s, 0, StopCause::Idle);
        assert_eq!(allowed, profile != Profile::Webkit, "{profile}");
        let mut busy = controlled_by_v1();
        busy.extend([
            PostMessage {
                client: 0,
                to: MessageTarget::Controller,
            },
            dispatch(0, true),
        ]);
        let s = replay(&m, &busy).pop().expect("state");
        assert!(!m.can_stop(&s, 0, StopCause::Idle), "{profile}");
    }
    let m = model(Profile::Webkit);
    let mut path = controlled_by_v1();
    path.extend([CloseClient(0), stop]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).running, RunningStatus::Stopped);
}

#[test]
fn chromium_lame_duck_activates_despite_the_old_workers_pending_event() {
    let mut path = v2_waiting_behind_pending_message();
    let m = model(Profile::Chromium);
    path.push(LameDuckActivate(0));
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).active, Some(1));
    assert!(s.reg(0).activated_over_pending_events);
    // Not in the spec profile.
    let spec = model(Profile::Spec);
    let err = try_replay(&spec, &path).expect_err("no lame duck in the spec");
    assert!(err.contains("LameDuckActivate"), "{err}");
}

#[test]
fn silent_push_gets_a_default_notification_in_chromium_only() {
    for (profile, shown) in [(Profile::Chromium, true), (Profile::Spec, false)] {
        let m = model(profile);
        let mut path = controlled_by_v1();
        path.extend([Subscribe(0), PushMessage, dispatch(0, false)]);
        let s = replay(&m, &path).pop().expect("state");
        assert_eq!(s.reg(0).notification, shown, "{profile}");
    }
    // A shown notification can be clicked and closed: both are functional events.
    let m = model(Profile::Spec);
    let mut path = controlled_by_v1();
    path.extend([
        Subscribe(0),
        PushMessage,
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: true,
        },
        NotificationClose,
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert!(!s.reg(0).notification);
    assert_eq!(
        s.worker(0).tasks.as_slice(),
        &[EventKind::NotificationClose]
    );
}

#[test]
fn subscribe_rejections() {
    use swspec_model::SubscribeError::*;
    let m = model(Profile::Chromium);
    let before = replay(&m, &[OpenClient(0)]).pop().expect("state");
    assert_eq!(
        m.subscribe_rejects(&before, true),
        None,
        "no registration yet"
    );
    let path = vec![
        OpenClient(0),
        Register {
            client: 0,
            script: 0,
        },
        RunJob,
        UpdateBytesChanged,
        Install,
    ];
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(m.subscribe_rejects(&s, true), Some(InvalidStateError));
    let s = replay(&m, &controlled_by_v1()).pop().expect("state");
    assert_eq!(m.subscribe_rejects(&s, false), Some(NotAllowedError));
    assert_eq!(model(Profile::Spec).subscribe_rejects(&s, false), None);
    let mut revoked = controlled_by_v1();
    revoked.extend([
        Subscribe(0),
        SetPermission {
            permission: swspec_model::Permission::Push,
            state: swspec_model::PermissionState::Denied,
        },
    ]);
    let s = replay(&m, &revoked).pop().expect("state");
    assert!(
        !s.reg(0).push_subscribed,
        "revoking push deactivates the subscription"
    );
    assert_eq!(m.subscribe_rejects(&s, true), Some(NotAllowedError));
}

#[test]
fn a_failed_install_leaves_a_redundant_worker_running_until_the_ua_stops_it() {
    let m = model(Profile::Spec);
    let path = vec![
        OpenClient(0),
        Register {
            client: 0,
            script: 0,
        },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(Rejected),
    ];
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.worker(0).state, WorkerState::Redundant);
    assert_eq!(s.worker(0).running, RunningStatus::Running);
    assert!(m.can_stop(&s, 0, StopCause::Idle));
    // WebKit keeps workers alive while a client is open, but not a redundant one
    // (traces/webkitgtk-2.50/first-install-rejects.jsonl: stopped with its client open).
    let webkit = model(Profile::Webkit);
    let s = replay(&webkit, &path).pop().expect("state");
    assert!(s.clients[0].open);
    assert!(webkit.can_stop(&s, 0, StopCause::Idle));
}
