//! Liveness of the Service Worker model: golden verdicts under the spec as written (the
//! violations are exactly the ones explained by spec findings), every property holding with the
//! proposed fixes, and a broken model whose only symptom is a liveness violation.

use swspec_model::progress::progress_properties;
use swspec_model::{Action, Bug, Fixes, ModelConfig, SwModel, WorkerState};
use swspec_search::liveness::{check_liveness, LivenessReport, Verdict};

/// A configuration small enough for a test: one client, messages but no fetch events.
fn small() -> ModelConfig {
    let mut cfg = ModelConfig {
        clients: 1,
        fetch_events: false,
        track_finished_jobs: true,
        ..ModelConfig::default()
    };
    cfg.env.forced_stops = false;
    cfg
}

fn run(cfg: &ModelConfig) -> (Vec<(&'static str, bool)>, LivenessReport<SwModel>) {
    let model = SwModel::new(cfg.clone());
    let props: Vec<_> = progress_properties(cfg)
        .into_iter()
        .map(|p| p.property)
        .collect();
    let report = check_liveness(&model, &props, 20_000_000).expect("complete graph");
    let verdicts = report
        .verdicts
        .iter()
        .map(|(n, v)| (*n, v.holds()))
        .collect();
    (verdicts, report)
}

fn violated(verdicts: &[(&'static str, bool)]) -> Vec<&'static str> {
    verdicts
        .iter()
        .filter(|(_, holds)| !holds)
        .map(|(n, _)| *n)
        .collect()
}

#[test]
fn spec_as_written_violates_exactly_the_finding_properties() {
    let cfg = small();
    let (verdicts, report) = run(&cfg);
    assert_eq!(
        violated(&verdicts),
        vec![
            "waiting_worker_activated_when_unused[1]",
            "skip_waiting_worker_activated[1]"
        ]
    );
    // Every violation is explained by a finding under this configuration.
    for p in progress_properties(&cfg) {
        if violated(&verdicts).contains(&p.property.name) {
            let f = p.finding.expect("a finding explains it");
            assert!(f.expected(&cfg));
        }
    }
    // The lasso is the stranded waiting worker: v2 finishes installing while v1 is activating,
    // v1's activate event ends, and nothing ever runs Try Activate again.
    let Some((_, Verdict::Violated(lasso))) = report
        .verdicts
        .iter()
        .find(|(n, _)| *n == "waiting_worker_activated_when_unused[1]")
    else {
        panic!("violated");
    };
    let at_trigger = &lasso.states[lasso.trigger_index];
    assert_eq!(at_trigger.worker(1).state, WorkerState::Installed);
    assert!(
        lasso.prefix.contains(&Action::ActivateEventSettled(0))
            || lasso.cycle.contains(&Action::ActivateEventSettled(0))
    );
    for s in &lasso.states[lasso.trigger_index..] {
        assert_eq!(s.worker(1).state, WorkerState::Installed, "never activated");
    }
}

#[test]
fn with_the_proposed_fix_every_property_holds() {
    let mut cfg = small();
    cfg.fixes = Fixes {
        activate_retries_try_activate: true,
        requeue_backed_up_tasks: true,
    };
    let (verdicts, report) = run(&cfg);
    assert_eq!(violated(&verdicts), Vec::<&str>::new());
    assert!(report.states > 10_000);
}

#[test]
fn backed_up_tasks_wait_forever_as_written_and_not_with_the_fix() {
    let mut cfg = small();
    cfg.fetch_events = true;
    cfg.max_registrations = 1;
    let (verdicts, _) = run(&cfg);
    assert!(violated(&verdicts).contains(&"backed_up_tasks_requeued"));
    cfg.fixes.requeue_backed_up_tasks = true;
    let (verdicts, _) = run(&cfg);
    assert!(!violated(&verdicts).contains(&"backed_up_tasks_requeued"));
}

#[test]
fn a_bug_no_invariant_sees_is_caught_by_liveness() {
    let mut cfg = small();
    cfg.fixes.activate_retries_try_activate = true;
    cfg.bug = Some(Bug::UnloadSkipsTryActivate);
    // No safety property notices anything...
    let plain = ModelConfig {
        track_finished_jobs: false,
        ..cfg.clone()
    };
    let c = stateright::Model::checker(SwModel::new(plain)).spawn_dfs();
    let c = stateright::Checker::join(c);
    let always: Vec<&str> = swspec_model::properties::applicable(&cfg)
        .filter(|p| p.kind == swspec_model::properties::Kind::Always)
        .map(|p| p.name)
        .filter(|n| stateright::Checker::discovery(&c, n).is_some())
        .collect();
    assert_eq!(always, Vec::<&str>::new());
    // ...but the waiting worker is no longer activated when the last client leaves.
    let (verdicts, _) = run(&cfg);
    assert!(
        violated(&verdicts).contains(&"waiting_worker_activated_when_unused[1]"),
        "{verdicts:?}"
    );
}

#[test]
fn without_fairness_every_non_vacuous_property_fails() {
    let cfg = small();
    let model = SwModel::new(cfg.clone());
    let props: Vec<_> = progress_properties(&cfg)
        .into_iter()
        .map(|mut p| {
            p.property.fairness.clear();
            p.property
        })
        .collect();
    let report = check_liveness(&model, &props, 20_000_000).expect("complete graph");
    let holding: Vec<&str> = report
        .verdicts
        .iter()
        .filter(|(_, v)| v.holds())
        .map(|(n, _)| *n)
        .collect();
    // Only the vacuous ones hold: worker 0 is always a registration's first worker, which
    // Try Activate activates at once (no active worker), so it never waits.
    assert_eq!(
        holding,
        vec![
            "waiting_worker_activated_when_unused[0]",
            "skip_waiting_worker_activated[0]"
        ]
    );
    // E.g. an install whose event never ends, while the rest of the system loops.
    let Some(Verdict::Violated(l)) = report.verdict("installing_worker_settles[0]") else {
        panic!("violated without fairness");
    };
    assert!(!l
        .cycle
        .iter()
        .any(|a| matches!(a, Action::InstallEventSettled(_))));
}

#[test]
fn every_sync_registration_is_eventually_removed_when_the_network_stays_online() {
    use swspec_model::Profile;
    let base = |profile| {
        let mut cfg = ModelConfig {
            clients: 1,
            max_workers: 1,
            max_registrations: 1,
            fetch_events: false,
            sync: true,
            profile,
            track_finished_jobs: true,
            network_stabilizes: true,
            ..ModelConfig::default()
        };
        cfg.env.forced_stops = false;
        cfg
    };
    let (verdicts, _) = run(&base(Profile::Spec));
    assert_eq!(violated(&verdicts), Vec::<&str>::new());
    // Chromium's timeout kills the worker; a sync event queued on it is backed up and waits
    // for a restart (finding 4)...
    let (verdicts, _) = run(&base(Profile::Chromium));
    assert_eq!(violated(&verdicts), vec!["sync_registration_removed[0]"]);
    // ...which the proposed fix provides.
    let mut fixed = base(Profile::Chromium);
    fixed.fixes.requeue_backed_up_tasks = true;
    let (verdicts, _) = run(&fixed);
    assert_eq!(violated(&verdicts), Vec::<&str>::new());
}

#[test]
fn every_background_fetch_eventually_has_a_result_when_the_network_stays_online() {
    use swspec_model::Profile;
    let mut cfg = ModelConfig {
        clients: 1,
        versions: 1,
        max_workers: 1,
        max_registrations: 1,
        max_queued_jobs: 1,
        fetch_events: false,
        background_fetch: true,
        profile: Profile::Chromium,
        track_finished_jobs: true,
        network_stabilizes: true,
        ..ModelConfig::default()
    };
    cfg.env.forced_stops = false;
    let (verdicts, _) = run(&cfg);
    assert_eq!(violated(&verdicts), Vec::<&str>::new());
    assert!(verdicts
        .iter()
        .any(|(n, _)| *n == "bg_fetch_gets_a_result[0]"));
    // Without "online for good", a flaky network restarts the body for ever (the spec bounds
    // no retry of a temporarily unavailable record).
    cfg.network_stabilizes = false;
    let (verdicts, _) = run(&cfg);
    assert_eq!(violated(&verdicts), vec!["bg_fetch_gets_a_result[0]"]);
}
