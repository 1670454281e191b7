//! API call results (issue 17, item 1): the step that performs a call which resolves shows its
//! `call_settled` / `worker_call_settled`, and each rejection the specs define is a guard step
//! (no state change) showing the rejection's name.

mod common;
use common::*;
use stateright::Model;
use swspec_model::observe::{
    CallOutcome, DownloadTotal, GuardStep, PageCall, WorkerCall, GUARD_KINDS,
};
use swspec_model::Action::{self, *};
use swspec_model::{ModelConfig, Observation as O, Permission, PermissionState, Profile, SwModel};

/// One page, one worker, every API on.
fn cfg(profile: Profile) -> ModelConfig {
    ModelConfig {
        clients: 1,
        max_workers: 1,
        max_registrations: 1,
        fetch_events: false,
        sync: true,
        periodic_sync: true,
        push: true,
        background_fetch: true,
        profile,
        ..ModelConfig::default()
    }
}

fn settled(call: PageCall, outcome: CallOutcome) -> O<u8> {
    O::CallSettled {
        client: 0,
        call,
        outcome,
    }
}

fn guards_after(m: &SwModel, path: &[Action]) -> Vec<GuardStep> {
    let s = replay(m, path).pop().expect("state");
    m.guard_steps(&s)
}

fn deny(permission: Permission) -> Action {
    SetPermission {
        permission,
        state: PermissionState::Denied,
    }
}

/// Each call that resolves shows its settlement right after the call, in the same step.
#[test]
fn resolving_calls_settle_in_their_step() {
    let m = SwModel::new(cfg(Profile::Spec));
    let s = replay(&m, &install_v1()).pop().expect("state");
    for (a, call) in [
        (SyncRegister { client: 0, tag: 0 }, PageCall::SyncRegister),
        (
            PeriodicSyncRegister { client: 0, tag: 0 },
            PageCall::PeriodicSyncRegister,
        ),
        (Subscribe(0), PageCall::Subscribe),
        (
            BackgroundFetch {
                client: 0,
                id: 0,
                requests: 1,
                download_total: 0,
                gesture: false,
            },
            PageCall::BackgroundFetch,
        ),
    ] {
        let post = m.next_state(&s, a.clone()).expect("enabled");
        let obs = m.observe(&s, &a, &post);
        assert_eq!(obs[1], settled(call, CallOutcome::Resolved), "{a}");
    }
    // v1 takes over the uncontrolled page.
    let post = m.next_state(&s, Claim(0)).expect("enabled");
    assert_eq!(
        m.observe(&s, &Claim(0), &post)[1],
        O::WorkerCallSettled {
            worker: 0,
            call: WorkerCall::Claim,
            outcome: CallOutcome::Resolved,
        }
    );
    let pre = replay(&m, &[install_v1(), vec![Reload(0)]].concat())
        .pop()
        .expect("state");
    // The page reloaded under v1's control: claim() changes nothing, so it is a guard that
    // resolves.
    assert!(m.guard_steps(&pre).contains(&vec![
        O::Claim { worker: 0 },
        O::WorkerCallSettled {
            worker: 0,
            call: WorkerCall::Claim,
            outcome: CallOutcome::Resolved,
        },
    ]));
}

/// §claim() by a worker that is not the active worker rejects with InvalidStateError.
#[test]
fn claim_before_activation_rejects() {
    let m = SwModel::new(cfg(Profile::Spec));
    // v1 installed and activating is already the active worker: only `installing` rejects.
    let installing = &install_v1()[..5];
    assert!(guards_after(&m, installing).contains(&vec![
        O::Claim { worker: 0 },
        O::WorkerCallSettled {
            worker: 0,
            call: WorkerCall::Claim,
            outcome: CallOutcome::InvalidStateError,
        },
    ]));
}

/// Background Sync and Periodic Background Sync §register(): no active worker →
/// InvalidStateError, permission denied → NotAllowedError; §unregister() of an absent tag
/// resolves.
#[test]
fn sync_rejections_are_guard_steps() {
    let m = SwModel::new(cfg(Profile::Spec));
    let installing = &install_v1()[..5];
    let g = guards_after(&m, installing);
    assert!(g.contains(&vec![
        O::SyncRegister { client: 0, tag: 0 },
        settled(PageCall::SyncRegister, CallOutcome::InvalidStateError),
    ]));
    assert!(g.contains(&vec![
        O::PeriodicSyncRegister { client: 0, tag: 0 },
        settled(
            PageCall::PeriodicSyncRegister,
            CallOutcome::InvalidStateError
        ),
    ]));
    assert!(g.contains(&vec![
        O::PeriodicSyncUnregister { client: 0, tag: 0 },
        settled(PageCall::PeriodicSyncUnregister, CallOutcome::Resolved),
    ]));
    let mut path = install_v1();
    path.push(deny(Permission::BackgroundSync));
    assert!(guards_after(&m, &path).contains(&vec![
        O::SyncRegister { client: 0, tag: 0 },
        settled(PageCall::SyncRegister, CallOutcome::NotAllowedError),
    ]));
    // Granted and active: no sync.register() guard.
    assert!(!guards_after(&m, &install_v1())
        .iter()
        .any(|g| matches!(g[0], O::SyncRegister { .. })));
}

/// Push API §subscribe() method: no active worker → InvalidStateError, denied →
/// NotAllowedError, subscribed already → resolves with the subscription.
#[test]
fn subscribe_results() {
    let m = SwModel::new(cfg(Profile::Spec));
    let call = O::Subscribe { client: 0 };
    assert!(guards_after(&m, &install_v1()[..5]).contains(&vec![
        call.clone(),
        settled(PageCall::Subscribe, CallOutcome::InvalidStateError),
    ]));
    let mut path = install_v1();
    path.push(deny(Permission::Push));
    assert!(guards_after(&m, &path).contains(&vec![
        call.clone(),
        settled(PageCall::Subscribe, CallOutcome::NotAllowedError),
    ]));
    let mut path = install_v1();
    path.push(Subscribe(0));
    assert!(guards_after(&m, &path).contains(&vec![
        call,
        settled(PageCall::Subscribe, CallOutcome::Resolved),
    ]));
}

/// Background Fetch §fetch(): no active worker → TypeError, an active id → TypeError,
/// permission denied → NotAllowedError (Chromium: TypeError).
#[test]
fn background_fetch_rejections_are_guard_steps() {
    let fetch_with = |requests, download_total| O::BackgroundFetch {
        client: 0,
        id: 0,
        requests,
        download_total,
    };
    let fetch = |requests| fetch_with(requests, DownloadTotal::None);
    let spec = SwModel::new(cfg(Profile::Spec));
    for requests in [1, 2] {
        for total in [DownloadTotal::None, DownloadTotal::Below] {
            assert!(guards_after(&spec, &install_v1()[..5]).contains(&vec![
                fetch_with(requests, total),
                settled(PageCall::BackgroundFetch, CallOutcome::TypeError),
            ]));
        }
    }
    let mut path = install_v1();
    path.push(BackgroundFetch {
        client: 0,
        id: 0,
        requests: 1,
        download_total: 0,
        gesture: false,
    });
    assert!(guards_after(&spec, &path).contains(&vec![
        fetch(1),
        settled(PageCall::BackgroundFetch, CallOutcome::TypeError),
    ]));
    let mut path = install_v1();
    path.push(deny(Permission::BackgroundFetch));
    assert!(guards_after(&spec, &path).contains(&vec![
        fetch(1),
        settled(PageCall::BackgroundFetch, CallOutcome::NotAllowedError),
    ]));
    let chromium = SwModel::new(cfg(Profile::Chromium));
    assert!(guards_after(&chromium, &path).contains(&vec![
        fetch(1),
        settled(PageCall::BackgroundFetch, CallOutcome::TypeError),
    ]));
}

/// Every guard step starts with a kind the checker looks guard steps up by, along a random
/// walk of every API.
#[test]
fn guard_steps_start_with_a_guard_kind() {
    let m = SwModel::new(cfg(Profile::Spec));
    let mut s = m.init_state();
    let mut rng: u64 = 7;
    for _ in 0..400 {
        for g in m.guard_steps(&s) {
            assert!(GUARD_KINDS.contains(&g[0].kind()), "{g:?}");
        }
        let mut acts = Vec::new();
        m.actions(&s, &mut acts);
        if acts.is_empty() {
            break;
        }
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = acts[(rng >> 33) as usize % acts.len()].clone();
        match m.next_state(&s, a) {
            Some(n) if m.within_boundary(&n) => s = n,
            _ => s = m.init_state(),
        }
    }
}
