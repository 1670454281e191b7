//! Each deliberately broken variant of the model makes a named property fail: the properties can
//! catch real bugs. Each bug is checked in the smallest configuration that can exhibit it. The
//! counterexample of one is replayed against the correct model to show the invariant holds there.

mod common;
use common::*;
use stateright::{Checker, Model};
use swspec_model::{Bug, ModelConfig, SwModel};

/// The default configuration without fetch events or extended events: lifecycle bugs only.
fn lifecycle(bug: Bug) -> ModelConfig {
    ModelConfig {
        fetch_events: false,
        max_pending_events: 0,
        bug: Some(bug),
        ..ModelConfig::default()
    }
}

fn violations(cfg: ModelConfig) -> Vec<&'static str> {
    let (_, found) = check(cfg, true);
    violated(&found)
}

#[test]
fn activation_that_ignores_clients_breaks_handover_requires_skip_waiting() {
    let v = violations(lifecycle(Bug::TryActivateIgnoresClients));
    assert!(v.contains(&"handover_requires_skip_waiting"), "{v:?}");
}

#[test]
fn activation_over_an_activating_worker_is_caught() {
    let v = violations(lifecycle(Bug::TryActivateIgnoresActivating));
    assert!(v.contains(&"no_activation_while_activating"), "{v:?}");
}

#[test]
fn keeping_a_failed_first_registration_is_caught() {
    let v = violations(lifecycle(Bug::KeepRegistrationAfterFailedFirstInstall));
    assert!(
        v.contains(&"failed_first_install_removes_registration"),
        "{v:?}"
    );
}

#[test]
fn keeping_the_old_waiting_worker_is_caught() {
    let v = violations(ModelConfig {
        versions: 3,
        max_workers: 3,
        max_registrations: 1,
        ..lifecycle(Bug::InstallKeepsOldWaiting)
    });
    assert!(v.contains(&"at_most_one_installed_worker"), "{v:?}");
    assert!(v.contains(&"live_worker_in_its_slot"), "{v:?}");
}

#[test]
fn idle_stop_of_a_busy_worker_is_caught() {
    let v = violations(ModelConfig {
        fetch_events: false,
        bug: Some(Bug::IdleStopIgnoresPendingEvents),
        ..ModelConfig::default()
    });
    assert!(
        v.contains(&"idle_stop_only_without_pending_events"),
        "{v:?}"
    );
}

#[test]
fn dispatch_while_activating_is_caught() {
    let v = violations(ModelConfig {
        max_registrations: 1,
        bug: Some(Bug::DispatchWhileActivating),
        ..ModelConfig::default()
    });
    assert!(
        v.contains(&"functional_events_dispatched_only_when_activated"),
        "{v:?}"
    );
}

/// The small Background Fetch configuration of `bgfetch.rs`.
fn bgfetch(bug: Bug) -> ModelConfig {
    ModelConfig {
        clients: 1,
        versions: 1,
        max_workers: 1,
        max_registrations: 1,
        max_queued_jobs: 1,
        fetch_events: false,
        background_fetch: true,
        bug: Some(bug),
        ..ModelConfig::default()
    }
}

#[test]
fn an_aborted_fetch_firing_backgroundfetchfail_is_caught() {
    let v = violations(bgfetch(Bug::BgFetchAbortFiresFail));
    assert!(v.contains(&"bg_event_matches_failure_reason"), "{v:?}");
}

#[test]
fn update_ui_succeeding_twice_is_caught() {
    let v = violations(bgfetch(Bug::BgUpdateUiTwice));
    assert_eq!(v, vec!["bg_update_ui_once_during_success_or_fail"]);
}

#[test]
fn the_correct_model_rejects_the_counterexample_of_a_broken_one() {
    let bad = SwModel::new(lifecycle(Bug::TryActivateIgnoresClients));
    let c = bad.clone().checker().spawn_bfs().join();
    let path = c
        .discovery("handover_requires_skip_waiting")
        .expect("counterexample")
        .into_actions();
    // Replayed in the correct model, the same actions never violate an invariant.
    let good = SwModel::new(ModelConfig {
        bug: None,
        ..lifecycle(Bug::TryActivateIgnoresClients)
    });
    let mut s = good.init_state();
    for a in path {
        assert!(failing_invariants(&good, &s).is_empty());
        let mut enabled = Vec::new();
        good.actions(&s, &mut enabled);
        if !enabled.contains(&a) {
            return; // the broken step is not even possible in the correct model
        }
        s = good.next_state(&s, a).expect("next state");
    }
    assert!(failing_invariants(&good, &s).is_empty());
}
