//! Background Sync and Periodic Background Sync: golden counts, exact paths (a lastChance
//! failure under Chromium, re-registration while firing, offline deferral, retry), rejections,
//! and a broken model caught by a property.

mod common;
use common::*;
use stateright::Representative;
use swspec_model::properties::property;
use swspec_model::Action::*;
use swspec_model::InstallOutcome::*;
use swspec_model::{
    Action, Bug, EventKind, ModelConfig, PeriodicState, Permission, PermissionState, Profile,
    SwModel, SwState, SyncRegisterError, SyncState,
};
use swspec_search::shortest::shortest_paths;

/// One client, one worker, one registration: the lifecycle is reduced to what sync needs.
fn sync_cfg(profile: Profile) -> ModelConfig {
    ModelConfig {
        clients: 1,
        max_workers: 1,
        max_registrations: 1,
        fetch_events: false,
        sync: true,
        profile,
        ..ModelConfig::default()
    }
}

fn periodic_cfg(profile: Profile) -> ModelConfig {
    ModelConfig {
        sync: false,
        periodic_sync: true,
        ..sync_cfg(profile)
    }
}

/// Lifecycle sometimes-properties a one-worker, one-registration configuration cannot reach.
const NEEDS_MORE_WORKERS: &[&str] = &[
    "waiting_while_controlled",
    "waiting_blocked_by_last_client",
    "skip_waiting_activation_with_controlled_client",
    "activation_delayed_by_extended_event",
    "register_after_unregister",
    "waiting_worker_stranded",
    "timeout_releases_activation",
    "lame_duck_activation",
];

#[test]
fn golden_counts_and_verdicts() {
    let mut counts = Vec::new();
    for cfg in [
        sync_cfg(Profile::Spec),
        sync_cfg(Profile::Chromium),
        periodic_cfg(Profile::Spec),
        periodic_cfg(Profile::Chromium),
    ] {
        let (unique, found) = check(cfg.clone(), true);
        assert_eq!(violated(&found), Vec::<&str>::new(), "{cfg:?}");
        let missing: Vec<&str> = not_found(&cfg, &found)
            .into_iter()
            .filter(|n| !NEEDS_MORE_WORKERS.contains(n))
            .collect();
        assert_eq!(missing, Vec::<&str>::new(), "{cfg:?}");
        counts.push(unique);
    }
    assert_eq!(counts, vec![184_832, 184_832, 153_072, 153_072]);
}

fn sync_state(s: &SwState) -> Option<(SyncState, u8, bool)> {
    let r = s.map?;
    s.reg(r)
        .sync
        .first()
        .map(|g| (g.state, g.attempts, g.delayed))
}

/// Fire tag 0 and let its handler reject (dispatch with a waitUntil that rejects).
fn failed_attempt() -> Vec<Action> {
    vec![
        SyncFire { tag: 0 },
        FunctionalEvent {
            worker: 0,
            wait_until: true,
            notify: false,
        },
        WaitUntilSettled {
            worker: 0,
            event: 0,
            fulfilled: false,
        },
    ]
}

#[test]
fn chromium_last_chance_failure_removes_the_registration() {
    let m = SwModel::new(sync_cfg(Profile::Chromium));
    let mut path = install_v1();
    path.push(SyncRegister { client: 0, tag: 0 });
    path.extend(failed_attempt());
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        sync_state(&s),
        Some((SyncState::Pending, 1, true)),
        "backing off"
    );
    path.push(SyncRetryDue { tag: 0 });
    path.extend(failed_attempt());
    path.push(SyncRetryDue { tag: 0 });
    path.push(SyncFire { tag: 0 });
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        s.worker(0).tasks.as_slice(),
        &[EventKind::Sync {
            tag: 0,
            last_chance: true
        }],
        "the third attempt is the last chance"
    );
    path.extend([
        FunctionalEvent {
            worker: 0,
            wait_until: true,
            notify: false,
        },
        WaitUntilSettled {
            worker: 0,
            event: 0,
            fulfilled: false,
        },
    ]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        sync_state(&s),
        None,
        "removed after the final failed attempt"
    );
}

#[test]
fn shortest_path_to_a_last_chance_event_under_chromium() {
    let m = SwModel::new(sync_cfg(Profile::Chromium));
    let p = property("sync_last_chance").expect("property");
    let sym: fn(&SwState) -> SwState = Representative::representative;
    let path = shortest_paths(&m, &[(p.name, p.condition)], Some(sym), 5_000_000)
        .pop()
        .flatten()
        .expect("reachable");
    // Three attempts, the first two lost to a worker that fails to start (each a failure that
    // Chromium backs off from), the third with lastChance.
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
            InstallEventSettled(Fulfilled),
            StopWorker {
                worker: 0,
                cause: swspec_model::StopCause::Forced
            },
            SyncRegister { client: 0, tag: 0 },
            SyncFire { tag: 0 },
            RunServiceWorker(0),
            WorkerStartFailed(0),
            SyncRetryDue { tag: 0 },
            SyncFire { tag: 0 },
            RunServiceWorker(0),
            WorkerStartFailed(0),
            SyncRetryDue { tag: 0 },
            SyncFire { tag: 0 },
        ]
    );
}

#[test]
fn reregistering_while_firing_fires_exactly_once_more_with_fresh_attempts() {
    for profile in [Profile::Spec, Profile::Chromium] {
        let m = SwModel::new(sync_cfg(profile));
        let mut path = install_v1();
        path.extend([
            SyncRegister { client: 0, tag: 0 },
            SyncFire { tag: 0 },
            SyncRegister { client: 0, tag: 0 },
        ]);
        let s = replay(&m, &path).pop().expect("state");
        assert_eq!(
            sync_state(&s),
            Some((SyncState::ReregisteredWhileFiring, 1, false))
        );
        path.extend([FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        }]);
        let s = replay(&m, &path).pop().expect("state");
        assert_eq!(
            sync_state(&s),
            Some((SyncState::Pending, 0, false)),
            "{profile}"
        );
        path.push(SyncFire { tag: 0 });
        path.push(FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        });
        let s = replay(&m, &path).pop().expect("state");
        assert_eq!(sync_state(&s), None, "{profile}");
    }
}

#[test]
fn offline_defers_firing_until_online() {
    let m = SwModel::new(sync_cfg(Profile::Spec));
    let mut path = install_v1();
    path.extend([GoOffline, SyncRegister { client: 0, tag: 0 }]);
    let s = replay(&m, &path).pop().expect("state");
    assert!(!m.sync_can_fire(&s, 0));
    path.extend([GoOnline, SyncFire { tag: 0 }]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(sync_state(&s), Some((SyncState::Firing, 1, false)));
}

#[test]
fn retry_waits_under_the_spec_and_backs_off_under_chromium() {
    // Spec: waiting; registering again while waiting makes it pending at once.
    let m = SwModel::new(sync_cfg(Profile::Spec));
    let mut path = install_v1();
    path.push(SyncRegister { client: 0, tag: 0 });
    path.extend(failed_attempt());
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(sync_state(&s), Some((SyncState::Waiting, 1, false)));
    path.push(SyncRegister { client: 0, tag: 0 });
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(sync_state(&s), Some((SyncState::Pending, 1, false)));
    // Chromium: registering again during back-off neither fires nor resets the attempts.
    let m = SwModel::new(sync_cfg(Profile::Chromium));
    let mut path = install_v1();
    path.push(SyncRegister { client: 0, tag: 0 });
    path.extend(failed_attempt());
    path.push(SyncRegister { client: 0, tag: 0 });
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(sync_state(&s), Some((SyncState::Pending, 1, true)));
    assert!(!m.sync_can_fire(&s, 0));
}

#[test]
fn register_rejections_and_engines_without_sync_manager() {
    let m = SwModel::new(sync_cfg(Profile::Spec));
    let installing = replay(&m, &install_v1()[..4]).pop().expect("state");
    assert_eq!(
        m.sync_register_rejects(&installing, false, false),
        Some(SyncRegisterError::InvalidStateError)
    );
    let mut path = install_v1();
    path.push(SetPermission {
        permission: Permission::BackgroundSync,
        state: PermissionState::Denied,
    });
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        m.sync_register_rejects(&s, false, false),
        Some(SyncRegisterError::NotAllowedError)
    );
    let mut path = install_v1();
    path.push(CloseClient(0));
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        m.sync_register_rejects(&s, false, true),
        Some(SyncRegisterError::InvalidAccessError),
        "from the worker with no window open"
    );
    for profile in [Profile::Firefox, Profile::Webkit] {
        let m = SwModel::new(sync_cfg(profile));
        let mut path = install_v1();
        path.push(SyncRegister { client: 0, tag: 0 });
        assert!(
            try_replay(&m, &path).is_err(),
            "{profile} has no SyncManager"
        );
    }
}

#[test]
fn periodic_unregister_while_firing_and_revocation() {
    let m = SwModel::new(periodic_cfg(Profile::Spec));
    let mut path = install_v1();
    path.extend([
        PeriodicSyncRegister { client: 0, tag: 0 },
        PeriodicSyncFire { tag: 0 },
        PeriodicSyncUnregister { client: 0, tag: 0 },
        PeriodicSyncRegister { client: 0, tag: 0 },
    ]);
    let s = replay(&m, &path).pop().expect("state");
    let g = s.reg(0).periodic[0];
    assert_eq!(g.state, PeriodicState::Pending);
    assert!(g.gen, "a new object beside the old event still in flight");
    // The old event's end does not touch the new registration.
    path.push(FunctionalEvent {
        worker: 0,
        wait_until: false,
        notify: false,
    });
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(s.reg(0).periodic[0].state, PeriodicState::Pending);
    path.push(SetPermission {
        permission: Permission::PeriodicBackgroundSync,
        state: PermissionState::Denied,
    });
    let s = replay(&m, &path).pop().expect("state");
    assert!(
        s.reg(0).periodic.is_empty(),
        "revocation removes registrations"
    );
}

#[test]
fn never_giving_up_is_caught() {
    let cfg = ModelConfig {
        bug: Some(Bug::SyncNeverGivesUp),
        max_sync_attempts: 2,
        ..sync_cfg(Profile::Spec)
    };
    let (_, found) = check(cfg, true);
    let v = violated(&found);
    assert!(v.contains(&"sync_attempts_within_bound"), "{v:?}");
}

#[test]
fn get_tags_lists_registrations_in_any_state_and_profiles_carry_the_delays() {
    let m = SwModel::new(sync_cfg(Profile::Chromium));
    let mut path = install_v1();
    path.extend([SyncRegister { client: 0, tag: 0 }, SyncFire { tag: 0 }]);
    let s = replay(&m, &path).pop().expect("state");
    assert_eq!(
        SwModel::sync_get_tags(&s),
        vec![0],
        "firing registrations are listed"
    );
    let p = Profile::Chromium.params();
    assert_eq!(p.sync_initial_retry_delay_ms, Some(300_000.0));
    assert_eq!(p.sync_retry_delay_factor, Some(3.0));
    assert_eq!(p.sync_event_timeout_ms, Some(180_000.0));
    assert_eq!(
        Profile::Spec.params().periodic_min_interval_ms,
        Some(43_200_000.0)
    );
}
