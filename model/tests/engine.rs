//! swspec's exploration engine (`swspec_search::engine`) against stateright's own checker on the
//! Service Worker model: the same unique counts and the same set of discovered properties on the
//! golden configurations, and every discovery path replays in the model to a state that shows
//! it. (Both with symmetry: the engine puts states into their representative in place.)

mod common;
use common::*;
use stateright::Model;
use swspec_model::properties::{property, Kind};
use swspec_model::{ModelConfig, Profile, SwModel, SwState};
use swspec_search::engine::codec::BitPack;
use swspec_search::engine::memory::{MemoryBound, StopFlag};
use swspec_search::engine::reduce::NoReduction;
use swspec_search::engine::{bfs, dfs, Options, Outcome, Report, Stop};

/// Exhaustive engine options with symmetry (and `threads` for breadth-first search).
fn opts(threads: usize) -> Options<SwModel> {
    Options {
        symmetry: Some(SwState::canonicalize),
        threads,
        stop_when_all_discovered: false,
        ..Options::default()
    }
}

/// The names of the discovered properties, sorted.
fn discovered(r: &Report) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = r
        .properties
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Discovered(_)))
        .map(|p| p.name)
        .collect();
    v.sort();
    v
}

/// Every discovery's path replays, and its last state shows the discovery: an `always`
/// property fails there, a `sometimes` property holds.
fn assert_paths_replay(model: &SwModel, r: &Report) {
    for p in &r.properties {
        let Outcome::Discovered(t) = &p.outcome else {
            continue;
        };
        let t = t.as_ref().unwrap_or_else(|| panic!("{}: no path", p.name));
        let (states, _) = t
            .replay(model)
            .unwrap_or_else(|| panic!("{}: the path does not replay", p.name));
        let last = states.last().expect("a path has a state");
        let info = property(p.name).expect("a model property");
        let holds = (info.condition)(model, last);
        match info.kind {
            Kind::Always => assert!(!holds, "{}: path ends where it holds", p.name),
            Kind::Sometimes => assert!(holds, "{}: path ends where it fails", p.name),
        }
    }
}

/// The engine's DFS and BFS (1 and 2 threads) agree with stateright's DFS on `cfg`.
fn agree(cfg: ModelConfig) {
    let (unique, found) = check(cfg.clone(), true);
    let model = SwModel::new(cfg.clone());
    let d = dfs(&model, &BitPack, &NoReduction, &opts(1));
    assert_eq!(d.stop, Stop::Complete, "{cfg:?}");
    assert_eq!(d.unique, unique as u64, "dfs count in {cfg:?}");
    assert_eq!(discovered(&d), found, "dfs discoveries in {cfg:?}");
    assert_paths_replay(&model, &d);
    for threads in [1, 2] {
        let b = bfs(&model, &BitPack, &NoReduction, &opts(threads));
        assert_eq!(b.unique, unique as u64, "bfs-{threads} count in {cfg:?}");
        assert_eq!(
            discovered(&b),
            found,
            "bfs-{threads} discoveries in {cfg:?}"
        );
        assert_paths_replay(&model, &b);
    }
}

#[test]
fn the_default_configuration_agrees_with_stateright() {
    agree(ModelConfig::default());
}

#[test]
fn the_lifecycle_per_profile_agrees_with_stateright() {
    for profile in [Profile::Chromium, Profile::Firefox] {
        agree(ModelConfig {
            fetch_events: false,
            profile,
            ..ModelConfig::default()
        });
    }
}

#[test]
fn sync_periodic_sync_push_and_background_fetch_agree_with_stateright() {
    let one = ModelConfig {
        clients: 1,
        max_workers: 1,
        max_registrations: 1,
        fetch_events: false,
        ..ModelConfig::default()
    };
    agree(ModelConfig {
        sync: true,
        ..one.clone()
    });
    agree(ModelConfig {
        periodic_sync: true,
        profile: Profile::Chromium,
        ..one.clone()
    });
    agree(ModelConfig {
        push: true,
        max_workers: 2,
        ..one.clone()
    });
    agree(ModelConfig {
        versions: 1,
        max_queued_jobs: 1,
        max_pending_events: 1,
        background_fetch: true,
        ..one
    });
}

/// A broken model's violation is found by the engine too, on a path the model replays.
#[test]
fn a_broken_model_is_caught_by_the_engine() {
    let cfg = ModelConfig {
        fetch_events: false,
        max_pending_events: 0,
        bug: Some(swspec_model::Bug::TryActivateIgnoresClients),
        ..ModelConfig::default()
    };
    agree(cfg.clone());
    let model = SwModel::new(cfg);
    let r = dfs(&model, &BitPack, &NoReduction, &opts(1));
    assert!(discovered(&r).contains(&"handover_requires_skip_waiting"));
    assert!(model.init_states().len() == 1);
}

/// The liveness configuration of `model/tests/liveness_model.rs`: one client, messages only.
fn liveness_small() -> ModelConfig {
    let mut cfg = ModelConfig {
        clients: 1,
        fetch_events: false,
        track_finished_jobs: true,
        ..ModelConfig::default()
    };
    cfg.env.forced_stops = false;
    cfg
}

/// Liveness on the packed graph: the same graph and the same verdicts and lassos as with every
/// state kept in full, at a small fraction of the bytes per state.
#[test]
fn liveness_on_the_packed_graph_agrees_with_the_full_graph() {
    use swspec_model::progress::progress_properties;
    use swspec_search::liveness::{check_liveness, check_liveness_packed, Limits};
    let cfg = liveness_small();
    let model = SwModel::new(cfg.clone());
    let props: Vec<_> = progress_properties(&cfg)
        .into_iter()
        .map(|p| p.property)
        .collect();
    let full = check_liveness(&model, &props, 20_000_000).expect("complete graph");
    let limits = Limits {
        max_states: 20_000_000,
        memory: MemoryBound::new(u64::MAX),
        stop: StopFlag::new(),
    };
    let packed = check_liveness_packed(&model, &props, &BitPack, &limits).expect("complete");
    assert_eq!((packed.states, packed.edges), (full.states, full.edges));
    assert_eq!(packed.verdicts, full.verdicts);
    assert!(
        packed.bytes_per_state * 20.0 < full.bytes_per_state,
        "{} vs {} bytes per state",
        packed.bytes_per_state,
        full.bytes_per_state
    );
}

/// The liveness graph of a configuration far too large stops at the memory bound (or the stop
/// flag) with an error naming it, never a verdict, and soon.
#[test]
fn liveness_stops_at_the_memory_bound_and_the_stop_flag() {
    use swspec_search::engine::memory::resident_bytes;
    use swspec_search::liveness::{check_liveness_packed, Limits, LivenessError};
    let cfg = ModelConfig {
        sync: true,
        periodic_sync: true,
        push: true,
        background_fetch: true,
        track_finished_jobs: true,
        ..ModelConfig::default()
    };
    let model = SwModel::new(cfg.clone());
    let props: Vec<_> = swspec_model::progress::progress_properties(&cfg)
        .into_iter()
        .map(|p| p.property)
        .collect();
    let limits = Limits {
        max_states: usize::MAX,
        memory: MemoryBound::new(resident_bytes().expect("Linux /proc") + (48 << 20)),
        stop: StopFlag::new(),
    };
    let start = std::time::Instant::now();
    let err = check_liveness_packed(&model, &props, &BitPack, &limits).map(|r| r.states);
    assert!(
        matches!(err, Err(LivenessError::MemoryLimit { .. })),
        "{err:?}"
    );
    assert!(start.elapsed().as_secs() < 120);
    let stop = StopFlag::new();
    stop.set();
    let limits = Limits { stop, ..limits };
    let err = check_liveness_packed(&model, &props, &BitPack, &limits).map(|r| r.states);
    assert_eq!(err, Err(LivenessError::Interrupted));
}
