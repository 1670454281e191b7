//! The engine against its baseline, side by side in one run: two-phase commit at 8 resource
//! managers (1,745,408 states) by stateright's own DFS on 1 thread, and by this engine's DFS
//! and BFS (1 and 2 threads). Compare the medians as ratios; absolute times drift on a shared
//! machine.

use criterion::{criterion_main, Criterion};
use stateright::{Checker, Model};
use std::time::Duration;
use swspec_search::engine::codec::Postcard;
use swspec_search::engine::reduce::NoReduction;
use swspec_search::engine::{bfs, dfs, Options};
use swspec_search::twopc::TwoPc;

const RMS: usize = 8;
const STATES: u64 = 1_745_408;

fn twopc(c: &mut Criterion) {
    let mut g = c.benchmark_group("2pc-8");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .warm_up_time(Duration::from_secs(1));
    let m = TwoPc { rms: RMS };
    g.bench_function("stateright-dfs-1", |b| {
        b.iter(|| {
            assert_eq!(
                m.clone().checker().spawn_dfs().join().unique_state_count() as u64,
                STATES
            )
        })
    });
    g.bench_function("engine-dfs", |b| {
        b.iter(|| {
            assert_eq!(
                dfs(&m, &Postcard, &NoReduction, &Options::default()).unique,
                STATES
            )
        })
    });
    for threads in [1, 2] {
        g.bench_function(format!("engine-bfs-{threads}"), |b| {
            let opts = Options {
                threads,
                ..Options::default()
            };
            b.iter(|| assert_eq!(bfs(&m, &Postcard, &NoReduction, &opts).unique, STATES))
        });
    }
    g.finish();
}

/// The group `criterion_main!` runs (in a private module: `criterion_group!` makes a public,
/// undocumented function).
mod group {
    criterion::criterion_group!(benches, super::twopc);
}
criterion_main!(group::benches);
