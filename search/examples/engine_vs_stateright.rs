//! Prints the engine's rate as a ratio to stateright's DFS on two-phase commit, alternating the
//! runs so both see the same machine load: `cargo run --release -p swspec-search --example
//! engine_vs_stateright [RMS] [ROUNDS]` (defaults 8 and 5). Medians of the rounds.

use stateright::{Checker, Model};
use std::time::Instant;
use swspec_search::engine::codec::Postcard;
use swspec_search::engine::reduce::NoReduction;
use swspec_search::engine::{bfs, dfs, Options};
use swspec_search::twopc::TwoPc;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rms: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let m = TwoPc { rms };
    let (mut sr, mut ed, mut eb1, mut eb2) = (vec![], vec![], vec![], vec![]);
    let mut bytes = 0.0;
    for _ in 0..rounds {
        let t = Instant::now();
        let n = m.clone().checker().spawn_dfs().join().unique_state_count();
        sr.push(n as f64 / t.elapsed().as_secs_f64());
        let r = dfs(&m, &Postcard, &NoReduction, &Options::default());
        ed.push(r.rate());
        bytes = r.bytes_per_state;
        eb1.push(bfs(&m, &Postcard, &NoReduction, &Options::default()).rate());
        eb2.push(
            bfs(
                &m,
                &Postcard,
                &NoReduction,
                &Options {
                    threads: 2,
                    ..Options::default()
                },
            )
            .rate(),
        );
    }
    let base = median(sr);
    println!("2pc at {rms} RMs, medians of {rounds} alternated rounds:");
    println!("  stateright dfs, 1 thread: {:>9.0} states/s (1.00x)", base);
    for (name, v) in [
        ("engine dfs", ed),
        ("engine bfs, 1 thread", eb1),
        ("engine bfs, 2 threads", eb2),
    ] {
        let r = median(v);
        println!("  {name:<25} {:>9.0} states/s ({:.2}x)", r, r / base);
    }
    println!("  packed state: {bytes:.1} bytes");
}
