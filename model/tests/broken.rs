//! Each deliberately broken variant of the model makes a named property fail: the properties can
//! catch real bugs. The counterexample is replayed against the correct model to show the step
//! where the two differ is the broken one.

mod common;
use common::*;
use stateright::{Checker, Model};
use swspec_model::{Bug, ModelConfig, SwModel};

fn broken(bug: Bug) -> ModelConfig {
    ModelConfig {
        versions: 3,
        bug: Some(bug),
        ..ModelConfig::default()
    }
}

fn violations(bug: Bug) -> Vec<&'static str> {
    let (_, found) = check(broken(bug), true);
    violated(&found)
}

#[test]
fn activation_that_ignores_clients_breaks_handover_requires_skip_waiting() {
    assert!(violations(Bug::TryActivateIgnoresClients).contains(&"handover_requires_skip_waiting"));
}

#[test]
fn activation_over_an_activating_worker_is_caught() {
    assert!(
        violations(Bug::TryActivateIgnoresActivating).contains(&"no_activation_while_activating")
    );
}

#[test]
fn keeping_a_failed_first_registration_is_caught() {
    assert!(violations(Bug::KeepRegistrationAfterFailedFirstInstall)
        .contains(&"failed_first_install_removes_registration"));
}

#[test]
fn keeping_the_old_waiting_worker_is_caught() {
    let v = violations(Bug::InstallKeepsOldWaiting);
    assert!(v.contains(&"at_most_one_installed_worker"), "{v:?}");
    assert!(v.contains(&"live_worker_in_its_slot"), "{v:?}");
}

#[test]
fn the_correct_model_rejects_the_counterexample_of_a_broken_one() {
    let bad = SwModel::new(broken(Bug::TryActivateIgnoresClients));
    let c = bad.clone().checker().spawn_bfs().join();
    let path = c
        .discovery("handover_requires_skip_waiting")
        .expect("counterexample")
        .into_actions();
    // Replayed in the correct model, the same actions never violate the invariant.
    let good = SwModel::new(ModelConfig {
        bug: None,
        ..broken(Bug::TryActivateIgnoresClients)
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
