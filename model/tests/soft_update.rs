//! Soft Update after navigations (§Handle Fetch, §Soft Update), as the trace checker runs it:
//! enabled once a navigation was handled by a registration with an active worker, answered by
//! one Soft Update job, seen only through its script fetch (`script_fetched`); and the
//! profiles' readings of whether a page's `update()` joins a Soft Update job (finding 2).

mod common;
use common::*;
use stateright::Model;
use swspec_model::{Action, JobClient, ModelConfig, Observation, Profile, SwModel, SwState};

/// The checker's setting: Soft Update only after navigations.
fn model(profile: Profile) -> SwModel {
    let mut cfg = ModelConfig {
        profile,
        ..ModelConfig::default()
    };
    cfg.env.soft_update = false;
    cfg.env.navigation_soft_update = true;
    SwModel::new(cfg)
}

fn enabled(m: &SwModel, s: &SwState, a: &Action) -> bool {
    let mut acts = Vec::new();
    m.actions(s, &mut acts);
    acts.contains(a)
}

#[test]
fn a_navigation_makes_one_soft_update_due_and_its_fetch_is_observed() {
    let m = model(Profile::Spec);
    let installed = replay(&m, &install_v1());
    let s = installed.last().expect("states");
    // The page loaded before the registration existed: no navigation was handled by it.
    assert!(!enabled(&m, s, &Action::SoftUpdate));
    let mut path = install_v1();
    path.push(Action::Reload(0));
    let states = replay(&m, &path);
    let s = states.last().expect("states");
    assert!(enabled(&m, s, &Action::SoftUpdate));
    path.extend([Action::SoftUpdate, Action::RunJob]);
    let states = replay(&m, &path);
    let pre = states.last().expect("states");
    assert!(!enabled(&m, pre, &Action::SoftUpdate), "answered");
    assert_eq!(pre.jobs.first().map(|j| j.client), Some(None), "no promise");
    let next = m
        .next_state(pre, Action::UpdateBytesIdentical)
        .expect("identical bytes");
    let obs = m.observe(pre, &Action::UpdateBytesIdentical, &next);
    assert_eq!(obs, vec![Observation::ScriptFetched { version: 1 }]);
}

#[test]
fn without_navigation_soft_update_nothing_soft_updates() {
    let mut cfg = ModelConfig::default();
    cfg.env.soft_update = false;
    let m = SwModel::new(cfg);
    let mut path = install_v1();
    path.push(Action::Reload(0));
    let states = replay(&m, &path);
    assert!(!enabled(
        &m,
        states.last().expect("states"),
        &Action::SoftUpdate
    ));
}

/// After a reload, Soft Update's job fetches; then the page calls `update()`.
fn update_behind_soft_update(profile: Profile) -> SwState {
    let m = model(profile);
    let mut path = install_v1();
    path.extend([
        Action::Reload(0),
        Action::SoftUpdate,
        Action::RunJob,
        Action::Update { client: 0 },
    ]);
    replay(&m, &path).pop().expect("states")
}

#[test]
fn firefox_runs_an_update_behind_a_soft_update_as_its_own_job_the_spec_profile_joins_it() {
    let spec = update_behind_soft_update(Profile::Spec);
    assert_eq!(spec.jobs.len(), 1);
    assert_eq!(
        spec.jobs[0].equivalent.as_slice(),
        &[Some(JobClient::Page(0))]
    );
    let firefox = update_behind_soft_update(Profile::Firefox);
    assert_eq!(firefox.jobs.len(), 2);
    assert_eq!(firefox.jobs[1].client, Some(JobClient::Page(0)));
    assert!(firefox.jobs[0].equivalent.is_empty());
}
