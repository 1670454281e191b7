//! The engine's packed form of the state (`#[derive(Pack)]`, from `#[state_type]`) on every
//! reachable state of small configurations: it unpacks to the state it was packed from, and two
//! states pack to equal bytes exactly when they are equal (so the engine may fingerprint packed
//! bytes). Also the size the issue targets: at most 128 bytes per state on the default
//! configuration.

use stateright::Model;
use std::collections::HashSet;
use swspec_model::{ModelConfig, Profile, SwModel, SwState};
use swspec_search::engine::pack::{from_bytes, to_bytes};

/// Walks every state reachable within the boundary, telling states apart by their packed bytes
/// only, and checks on each that it unpacks to itself and packs alike when copied. Returns the
/// number of states and their mean packed size.
///
/// If two distinct states packed alike, the walk would count fewer states than stateright's
/// checker (which compares full states): the golden counts below pin that it does not.
fn walk(cfg: &ModelConfig) -> (usize, f64) {
    let model = SwModel::new(cfg.clone());
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut stack: Vec<SwState> = Vec::new();
    let mut total = 0;
    for s in model.init_states() {
        let b = to_bytes(&s);
        if seen.insert(b) {
            stack.push(s);
        }
    }
    let mut actions = Vec::new();
    while let Some(s) = stack.pop() {
        let bytes = to_bytes(&s);
        total += bytes.len();
        assert_eq!(from_bytes::<SwState>(&bytes), s, "round trip in {cfg:?}");
        assert_eq!(to_bytes(&s.clone()), bytes, "a copy packs alike in {cfg:?}");
        actions.clear();
        model.actions(&s, &mut actions);
        for a in actions.drain(..) {
            let Some(n) = model.next_state(&s, a) else {
                continue;
            };
            if model.within_boundary(&n) && seen.insert(to_bytes(&n)) {
                stack.push(n);
            }
        }
    }
    (seen.len(), total as f64 / seen.len().max(1) as f64)
}

/// Background Sync, periodic sync and Background Fetch each at the bounds of their golden tests
/// (one client, so symmetry reduction, which those counts use, changes nothing), and the
/// lifecycle without symmetry: unique counts pinned in `golden.rs`, `sync.rs`, `bgfetch.rs`.
#[test]
fn every_state_of_the_small_golden_configurations_round_trips_and_packs_uniquely() {
    let one = |f: fn(&mut ModelConfig)| {
        let mut c = ModelConfig {
            clients: 1,
            max_workers: 1,
            max_registrations: 1,
            fetch_events: false,
            ..ModelConfig::default()
        };
        f(&mut c);
        c
    };
    let cases = [
        (
            ModelConfig {
                fetch_events: false,
                max_pending_events: 0,
                ..ModelConfig::default()
            },
            508_373,
        ),
        (one(|c| c.sync = true), 184_832),
        (one(|c| c.periodic_sync = true), 153_072),
        (
            one(|c| {
                c.versions = 1;
                c.max_queued_jobs = 1;
                c.max_pending_events = 1;
                c.background_fetch = true;
            }),
            1_127_556,
        ),
    ];
    for (cfg, golden) in cases {
        let (n, mean) = walk(&cfg);
        assert_eq!(n, golden, "{cfg:?}");
        assert!(mean <= 128.0, "{mean:.1} bytes per state in {cfg:?}");
    }
}

/// Every feature at once (push, both syncs, Background Fetch, Chromium's profile), a bounded
/// part of the space: the full one is far beyond a test.
#[test]
fn states_with_every_feature_on_round_trip() {
    let cfg = ModelConfig {
        clients: 2,
        max_workers: 2,
        max_registrations: 1,
        push: true,
        sync: true,
        periodic_sync: true,
        background_fetch: true,
        profile: Profile::Chromium,
        ..ModelConfig::default()
    };
    let model = SwModel::new(cfg.clone());
    let mut s = model.init_state();
    let mut actions = Vec::new();
    // A deterministic walk: the action taken cycles through the enabled ones.
    for step in 0..20_000usize {
        let bytes = to_bytes(&s);
        assert_eq!(from_bytes::<SwState>(&bytes), s, "step {step}");
        actions.clear();
        model.actions(&s, &mut actions);
        if actions.is_empty() {
            s = model.init_state();
            continue;
        }
        let a = actions[(step * 7 + step / 13) % actions.len()].clone();
        s = model
            .next_state(&s, a)
            .filter(|n| model.within_boundary(n))
            .unwrap_or_else(|| model.init_state());
    }
}

#[test]
fn the_default_configuration_packs_within_128_bytes_per_state() {
    let model = SwModel::new(ModelConfig::default());
    let opts = swspec_search::engine::Options {
        symmetry: Some(SwState::canonicalize),
        stop_when_all_discovered: false,
        ..Default::default()
    };
    let r = swspec_search::engine::dfs(
        &model,
        &swspec_search::engine::codec::BitPack,
        &swspec_search::engine::reduce::NoReduction,
        &opts,
    );
    assert_eq!(r.unique, 1_948_119);
    assert!(r.bytes_per_state <= 128.0, "{}", r.bytes_per_state);
}
