//! `swspec scenario --cover CLASS`: a scenario file from the model's shortest path to a coverage
//! class, which reads back as a scenario; classes no step can drive, and names that are no
//! class, say so.

mod common;
use common::{scratch, swspec};
use std::path::Path;
use swspec_conformance::capture::scenario::{Outcome, Scenario, Step, Where};

fn generated(class: &str) -> Scenario {
    let (code, out, err) = swspec(&["scenario", "--cover", class]);
    assert_eq!(code, 0, "{class}: {err}");
    Scenario::parse(Path::new("generated.toml"), &out).unwrap_or_else(|e| panic!("{e}\n{out}"))
}

/// A rejected install: open, register, then the install's states; version 1 rejects.
#[test]
fn a_rejected_install_is_a_behaviour_and_waits() {
    let s = generated("InstallEventSettled(rejected)");
    assert_eq!(s.behaviour(1).install, Outcome::Reject);
    let steps: Vec<&Step> = s.step.iter().collect();
    assert!(matches!(steps[0], Step::Open { client } if client == "c1"));
    assert!(matches!(steps[1], Step::Register { .. }));
    assert!(
        s.step.iter().any(
            |st| matches!(st, Step::Wait { obs, state: Some(st), .. } if obs == "state_change" && st == "redundant")
        ),
        "{:?}",
        s.step
    );
}

/// A property and a guard step: claim() while activating is a claim in the activate handler;
/// the claim guard that rejects (claim() from a worker that is not active) is a claim in the
/// install handler.
#[test]
fn properties_and_guards_become_worker_calls() {
    let s = generated("claim_during_activating");
    assert!(
        s.behaviour(1).claim.at(Where::Activate),
        "{:?}",
        s.behaviour(1)
    );
    let s = generated("claim → worker_call_settled { call: claim, outcome: invalid_state_error }");
    assert!(
        s.behaviour(1).claim.at(Where::Install),
        "{:?}",
        s.behaviour(1)
    );
    let s = generated("update → job_settled { call: update, outcome: invalid_state_error }");
    assert!(s.step.iter().any(|st| matches!(st, Step::Update { .. })));
}

/// Subscribe has no scenario step: exit 1, saying so; a name that is no class is exit 2; a
/// timer is its action class.
#[test]
fn undrivable_and_unknown_classes_say_so() {
    let (code, out, err) = swspec(&["scenario", "--cover", "Subscribe"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("has no drivable step") && err.contains("subscribes"),
        "{err}"
    );
    assert!(out.is_empty());
    let (code, _, err) = swspec(&["scenario", "--cover", "Teleport"]);
    assert_eq!(code, 2);
    assert!(err.contains("no coverage class"), "{err}");
    let (code, _, err) = swspec(&["scenario", "--cover", "SyncFire", "--profile", "firefox"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("firefox profile's model has no such step"),
        "{err}"
    );
    // A path through an undrivable step (push needs a subscription) is written with a warning.
    let (code, out, err) = swspec(&["scenario", "--cover", "PushMessage"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning") && out.contains("NOT DRIVABLE"),
        "{err}"
    );
}

/// `--out` writes a file that reads back, and never overwrites one.
#[test]
fn out_writes_a_new_file_only() {
    let dir = scratch("scenario-out");
    let path = dir.join("cover-rejected.toml");
    let p = path.to_str().expect("utf-8 path");
    let (code, _, err) = swspec(&[
        "scenario",
        "--cover",
        "InstallEventSettled(rejected)",
        "--out",
        p,
    ]);
    assert_eq!(code, 0, "{err}");
    let s = Scenario::read(&path).expect("reads back");
    assert_eq!(s.behaviour(1).install, Outcome::Reject);
    let (code, _, err) = swspec(&[
        "scenario",
        "--cover",
        "InstallEventSettled(rejected)",
        "--out",
        p,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("exists"), "{err}");
}
