//! Trace-checking throughput: events per second on generated lifecycle traces of 1 k, 10 k and
//! 100 k events (every kind observed, Chromium profile), and the peak frontier. Run with
//! `cargo bench --bench conform`; the README's table comes from it.

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use swspec_conformance::check::{self, wide_config, Options};
use swspec_conformance::generate;
use swspec_conformance::trace::Trace;
use swspec_model::{Profile, SwModel};

fn trace_of(events: usize) -> Trace {
    let model = SwModel::new(wide_config(Profile::Chromium, 1));
    let walk = generate::lifecycle_loop(events);
    let exec = generate::execute(&model, &walk).expect("the loop replays");
    let kinds = generate::all_kinds();
    let mut evs = generate::events(&model, &exec, &kinds, 10.0, 1.0);
    evs.truncate(events.max(20));
    // Cut at a quiescent point: drop a trailing partial round.
    let text = Trace::to_text(&generate::header("bench", Profile::Chromium, kinds), &evs);
    Trace::parse(Path::new("bench.jsonl"), text.as_bytes()).expect("parses")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("conform");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let t = trace_of(n);
        let opts = Options {
            quiescent_end: false,
            max_nodes: 50_000_000,
            ..Options::default()
        };
        let o = check::check(&t, &opts).expect("checks");
        assert_eq!(o.verdict, check::Verdict::Conforms, "{:?}", o.divergence);
        println!(
            "conform/{n}: {} events, {} nodes, peak frontier {}",
            o.events, o.nodes, o.peak_frontier
        );
        group.throughput(Throughput::Elements(o.events as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &t, |b, t| {
            b.iter(|| check::check(t, &opts).expect("checks"))
        });
    }
    group.finish();
}

/// The group `criterion_main!` runs (in a private module: `criterion_group!` makes a public,
/// undocumented function).
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
