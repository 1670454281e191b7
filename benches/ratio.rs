//! The default `swspec check` search as a ratio against the engine's baseline, side by side:
//! each round runs stateright's own DFS on two-phase commit at 8 resource managers (1 thread),
//! then the engine's DFS on the default configuration (symmetry, bit-packed states, as
//! `swspec check` runs it), then the engine's BFS on 1 and on 2 threads. Absolute rates drift
//! on a shared machine, so it prints each round's ratio and the medians.
//!
//! Each rate is given per wall-clock second and per CPU second of the process (user + system,
//! `getrusage`): at idle priority on a loaded machine a run gets only the CPU share others leave
//! it, which the wall-clock rate measures as much as the search, so the CPU-second ratio is the
//! steadier figure (one thread searches in both, so both count the same work).
//!
//! `cargo bench --bench ratio -- [ROUNDS] [--no-bfs]` (ROUNDS default 3, range 1..). The BFS
//! rounds check that 1 and 2 threads find the same unique count.

use stateright::{Checker, Model};
use std::time::Instant;
use swspec_model::{ModelConfig, SwModel, SwState};
use swspec_search::engine::codec::BitPack;
use swspec_search::engine::reduce::NoReduction;
use swspec_search::engine::{bfs, dfs, Options, Report};
use swspec_search::twopc::TwoPc;

/// Unique states of 2pc at 8 RMs (stateright pins it for its example).
const TWOPC_STATES: usize = 1_745_408;

/// CPU seconds (user + system) this process has used so far.
fn cpu_seconds() -> f64 {
    // SAFETY: `getrusage` only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return f64::NAN;
    }
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    s(u.ru_utime) + s(u.ru_stime)
}

/// Runs `f`, returning its result with the wall-clock and CPU seconds it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (t, c) = (Instant::now(), cpu_seconds());
    let r = f();
    (r, t.elapsed().as_secs_f64(), cpu_seconds() - c)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The engine's options as `swspec check` sets them by default, on `threads` threads.
fn options(threads: usize) -> Options<SwModel> {
    Options {
        symmetry: Some(SwState::canonicalize),
        threads,
        ..Options::default()
    }
}

/// stateright's DFS on 2pc at 8 RMs: unique states per wall-clock and per CPU second.
fn baseline() -> (f64, f64) {
    let (n, wall, cpu) = timed(|| {
        TwoPc { rms: 8 }
            .checker()
            .spawn_dfs()
            .join()
            .unique_state_count()
    });
    assert_eq!(n, TWOPC_STATES);
    (n as f64 / wall, n as f64 / cpu)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(3).max(1);
    let with_bfs = !args.iter().any(|a| a == "--no-bfs");
    let model = SwModel::new(ModelConfig::default());
    let (mut base, mut engine, mut ratios) = (vec![], vec![], vec![]);
    let mut cpu_ratios = vec![];
    let (mut b1, mut b2) = (vec![], vec![]);
    let mut unique = 0;
    for round in 0..rounds {
        let (sr, sr_cpu) = baseline();
        let (r, _, cpu): (Report, f64, f64) =
            timed(|| dfs(&model, &BitPack, &NoReduction, &options(1)));
        unique = r.unique;
        let r_cpu = r.unique as f64 / cpu;
        println!(
            "round {}: stateright 2pc {:.0}/s ({:.0}/CPU s), engine default dfs {:.0}/s ({:.0}/CPU s; {} unique, {:.1} s): {:.2}x wall, {:.2}x CPU",
            round + 1,
            sr,
            sr_cpu,
            r.rate(),
            r_cpu,
            r.unique,
            r.elapsed.as_secs_f64(),
            r.rate() / sr,
            r_cpu / sr_cpu
        );
        base.push(sr);
        engine.push(r.rate());
        ratios.push(r.rate() / sr);
        cpu_ratios.push(r_cpu / sr_cpu);
        if with_bfs {
            let (one, _, one_cpu) = timed(|| bfs(&model, &BitPack, &NoReduction, &options(1)));
            let (two, _, two_cpu) = timed(|| bfs(&model, &BitPack, &NoReduction, &options(2)));
            assert_eq!(one.unique, two.unique, "unique counts differ by threads");
            println!(
                "         engine default bfs: 1 thread {:.1} s ({one_cpu:.1} CPU s), 2 threads {:.1} s ({two_cpu:.1} CPU s; {} unique): {:.2}x",
                one.elapsed.as_secs_f64(),
                two.elapsed.as_secs_f64(),
                one.unique,
                one.elapsed.as_secs_f64() / two.elapsed.as_secs_f64()
            );
            b1.push(one.elapsed.as_secs_f64());
            b2.push(two.elapsed.as_secs_f64());
        }
    }
    println!("medians of {rounds} rounds ({unique} unique states on the default configuration):");
    println!(
        "  stateright 2pc at 8 RMs, dfs, 1 thread: {:.0} unique states/s",
        median(base)
    );
    println!(
        "  engine, default configuration, dfs: {:.0} unique states/s; ratio {:.2}x wall, {:.2}x CPU",
        median(engine),
        median(ratios),
        median(cpu_ratios)
    );
    if with_bfs {
        let (one, two) = (median(b1), median(b2));
        println!(
            "  engine bfs: 1 thread {one:.1} s, 2 threads {two:.1} s: speed-up {:.2}x",
            one / two
        );
    }
}
