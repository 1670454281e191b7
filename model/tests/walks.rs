//! proptest: random action walks from the initial state never panic and never violate an
//! invariant, over random configurations; symmetry's representative is idempotent and keeps
//! every property's verdict. A companion test runs the same walks on a broken model and
//! requires them to fail, so the walks are known to be able to catch a bug. A failure's seed is
//! kept in walks.proptest-regressions and its steps are written to a file whose path it prints.

mod common;
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{
    Config, FailurePersistence, FileFailurePersistence, TestCaseError, TestError, TestRunner,
};
use stateright::{Model, Representative};
use std::path::Path;
use swspec_model::properties::PROPERTIES;
use swspec_model::{Action, Bug, ModelConfig, Profile, SwModel};

fn config(bug: Option<Bug>) -> impl Strategy<Value = ModelConfig> {
    let bounds = (
        1u8..=3,
        1u8..=3,
        1u8..=2,
        1u8..=4,
        1u8..=3,
        1u8..=3,
        0u8..=3,
    );
    let features = (
        0usize..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        1u8..=2,
    );
    (bounds, features).prop_map(move |(b, f)| ModelConfig {
        clients: b.0,
        versions: b.1,
        script_urls: b.2,
        max_workers: b.3,
        max_registrations: b.4,
        max_queued_jobs: b.5,
        max_pending_events: b.6,
        profile: Profile::ALL[f.0],
        fetch_events: f.1,
        push: f.2,
        sync: f.3,
        periodic_sync: f.4,
        background_fetch: f.5,
        max_bg_fetches: f.6,
        bug,
        ..ModelConfig::default()
    })
}

fn walks() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::vec(any::<u16>(), 200..400)
}

/// One walk: each choice picks one enabled action; every invariant is checked after each step.
fn walk(cfg: ModelConfig, choices: Vec<u16>) -> Result<(), TestCaseError> {
    walk_taking(cfg, choices, &mut Vec::new())
}

/// [`walk`], recording in `taken` each action it takes.
fn walk_taking(
    cfg: ModelConfig,
    choices: Vec<u16>,
    taken: &mut Vec<Action>,
) -> Result<(), TestCaseError> {
    let model = SwModel::new(cfg);
    let mut s = model.init_state();
    for c in choices {
        let mut actions = Vec::new();
        model.actions(&s, &mut actions);
        if actions.is_empty() {
            break;
        }
        let a = actions[c as usize % actions.len()].clone();
        let Some(next) = model.next_state(&s, a.clone()) else {
            continue;
        };
        if !model.within_boundary(&next) {
            continue;
        }
        s = next;
        taken.push(a.clone());
        let failing = failing_invariants(&model, &s);
        prop_assert!(failing.is_empty(), "after {a}: {failing:?}\n{s:#?}");
        let rep = s.representative();
        prop_assert_eq!(rep.representative(), rep.clone(), "not idempotent");
        for p in PROPERTIES {
            prop_assert_eq!(
                (p.condition)(&model, &s),
                (p.condition)(&model, &rep),
                "{} differs on the representative",
                p.name
            );
        }
    }
    Ok(())
}

const CASES: u32 = 2048;

/// The runner of both properties: [`CASES`] walks, a failure shrunk for at most a minute, and
/// failing cases kept in `persistence`.
fn runner(persistence: Option<Box<dyn FailurePersistence>>) -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        failure_persistence: persistence,
        source_file: Some(file!()),
        max_shrink_time: 60_000,
        ..Config::default()
    })
}

/// A failing walk written out (its configuration, then the actions it took to the failure,
/// numbered with their spec sections); returns where, or why not.
fn write_failure(cfg: &ModelConfig, choices: &[u16]) -> String {
    let mut taken = Vec::new();
    let _ = walk_taking(cfg.clone(), choices.to_vec(), &mut taken);
    let mut text = format!("{cfg:#?}\n\n");
    for (i, a) in taken.iter().enumerate() {
        text += &format!("{:>4}. {a}  [{}]\n", i + 1, a.spec());
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("walks");
    let file = dir.join("failing-walk.txt");
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, text)) {
        Ok(()) => format!("the walk's steps are in {}", file.display()),
        Err(e) => format!("cannot write {}: {e}", file.display()),
    }
}

#[test]
fn random_walks_keep_every_invariant() {
    // A failing case's seed is kept in walks.proptest-regressions beside this file (proptest's
    // place for tests/) and run first from then on.
    let persistence = FileFailurePersistence::WithSource("proptest-regressions");
    let result = runner(Some(Box::new(persistence)))
        .run(&(config(None), walks()), |(cfg, choices)| {
            walk(cfg, choices)
        });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (cfg, choices))) => panic!(
            "a random walk breaks an invariant: {reason}\n{}\n\
             replay: cargo test --release -p swspec-model --test walks (the seed is kept)",
            write_failure(&cfg, &choices)
        ),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn the_same_walks_catch_a_broken_model() {
    // Expected to fail: nothing is kept.
    let result = runner(None).run(
        &(config(Some(Bug::TryActivateIgnoresClients)), walks()),
        |(cfg, choices)| walk(cfg, choices),
    );
    let err = result.expect_err("random walks must find the broken activation");
    assert!(
        err.to_string().contains("handover_requires_skip_waiting"),
        "{err}"
    );
}
