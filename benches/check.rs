//! Criterion benchmark of the default `swspec check`: exhaustive single-threaded DFS with
//! symmetry over the default model configuration (the README's figures). The unique-state
//! count is asserted so a timing is never reported for a different state space.

use criterion::{criterion_main, Criterion};
use stateright::{Checker, Model};
use swspec_model::{ModelConfig, SwModel};

fn default_check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.bench_function("default_dfs_symmetry", |b| {
        b.iter(|| {
            let checker = SwModel::new(ModelConfig::default())
                .checker()
                .symmetry()
                .spawn_dfs()
                .join();
            assert_eq!(checker.unique_state_count(), 1_948_119);
            checker.unique_state_count()
        })
    });
    group.bench_function("lifecycle_dfs_no_symmetry", |b| {
        b.iter(|| {
            let checker = SwModel::new(ModelConfig {
                fetch_events: false,
                max_pending_events: 0,
                ..ModelConfig::default()
            })
            .checker()
            .spawn_dfs()
            .join();
            assert_eq!(checker.unique_state_count(), 374_770);
            checker.unique_state_count()
        })
    });
    group.finish();
}

/// The group `criterion_main!` runs (in a private module: `criterion_group!` makes a public,
/// undocumented function).
mod group {
    criterion::criterion_group!(benches, super::default_check);
}
criterion_main!(group::benches);
