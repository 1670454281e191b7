//! Running a search with swspec's own engine ([`swspec_search::engine`], the default): depth- or
//! breadth-first over packed states within the memory bound, or a swarm of randomized
//! depth-bounded searches for a time budget (`--swarm`). A limit that ends the search early
//! (the memory bound, Ctrl-C or SIGTERM, `--max-states`) is reported as such: the properties it
//! left undecided are `unknown`.

use super::args::SearchOptions;
use super::explore::{EngineFigures, Exploration};
use stateright::Model;
use std::time::{Duration, Instant};
use swspec_model::{SwModel, SwState};
use swspec_search::engine::codec::BitPack;
use swspec_search::engine::memory::{MemoryBound, StopFlag};
use swspec_search::engine::reduce::NoReduction;
use swspec_search::engine::{
    bfs, dfs, swarm, Fingerprint, Options, Outcome, PropertyResult, Report, Stop, SwarmOptions,
    Symmetry,
};

/// The limits every phase of a run respects: the memory bound and the stop flag.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Resident-memory bound (`--max-memory`, default 80 % of physical memory).
    pub memory: MemoryBound,
    /// Set by SIGINT and SIGTERM.
    pub stop: StopFlag,
}

/// The engine's options for `search` within `limits`.
fn options(search: &SearchOptions, limits: &Limits) -> Options<SwModel> {
    let symmetry: Option<Symmetry<SwModel>> = search.symmetry.then_some(SwState::canonicalize);
    Options {
        symmetry,
        threads: usize::from(search.threads),
        max_states: search.max_states.map(|n| n.max(1) as u64),
        memory: limits.memory.clone(),
        stop: limits.stop.clone(),
        fingerprint: if search.compact_fingerprints {
            Fingerprint::Compact
        } else {
            Fingerprint::Full
        },
        ..Options::default()
    }
}

/// Checks `model`'s properties with the engine as `search` says, printing progress every
/// `progress` on stderr.
pub fn engine(
    model: &SwModel,
    search: &SearchOptions,
    progress: Duration,
    limits: &Limits,
) -> Exploration {
    let opts = options(search, limits);
    let start = Instant::now();
    if let Some(budget) = search.swarm {
        let swarm_opts = SwarmOptions {
            budget: Duration::from_secs(budget),
            ..SwarmOptions::default()
        };
        let r = with_progress(&opts, progress, start, || swarm(model, &opts, &swarm_opts));
        let figures = EngineFigures {
            stop: Some(r.stop.to_string()),
            bound_hit: matches!(r.stop, Stop::MemoryLimit { .. } | Stop::Interrupted),
            swarm_runs: Some(r.runs),
            bytes_per_state: None,
            peak_resident: r.peak_resident,
            fingerprint_bits: None,
            omission_probability: None,
        };
        return exploration(
            model,
            &r.properties,
            r.distinct,
            r.distinct,
            r.max_depth,
            false,
            start,
            figures,
        );
    }
    let r: Report = with_progress(&opts, progress, start, || {
        if search.bfs {
            bfs(model, &BitPack, &NoReduction, &opts)
        } else {
            dfs(model, &BitPack, &NoReduction, &opts)
        }
    });
    let complete = r.stop.exhaustive() && !r.depth_cut;
    let figures = EngineFigures {
        stop: (!r.stop.exhaustive()).then(|| r.stop.to_string()),
        bound_hit: matches!(r.stop, Stop::MemoryLimit { .. } | Stop::Interrupted),
        swarm_runs: None,
        bytes_per_state: Some(r.bytes_per_state),
        peak_resident: r.peak_resident,
        fingerprint_bits: Some(r.fingerprint_bits),
        omission_probability: Some(r.omission_probability),
    };
    let generated = r.transitions + model.init_states().len() as u64;
    exploration(
        model,
        &r.properties,
        generated,
        r.unique,
        r.max_depth,
        complete,
        start,
        figures,
    )
}

/// Runs `search` on a scoped thread while this one prints a progress line every `every`.
fn with_progress<T: Send>(
    opts: &Options<SwModel>,
    every: Duration,
    start: Instant,
    search: impl FnOnce() -> T + Send,
) -> T {
    std::thread::scope(|scope| {
        let handle = scope.spawn(search);
        let mut next = every;
        while !handle.is_finished() {
            std::thread::sleep(Duration::from_millis(20));
            if start.elapsed() >= next {
                let (unique, depth) = opts.progress.read();
                eprintln!(
                    "... {unique} unique, depth {depth}, {:.1}s, {} MiB resident",
                    start.elapsed().as_secs_f64(),
                    opts.memory.resident() >> 20
                );
                next += every;
            }
        }
        match handle.join() {
            Ok(t) => t,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The exploration the rest of the run reads: each discovery's path replayed into actions.
#[allow(clippy::too_many_arguments)]
fn exploration(
    model: &SwModel,
    properties: &[PropertyResult],
    states: u64,
    unique: u64,
    max_depth: u64,
    complete: bool,
    start: Instant,
    figures: EngineFigures,
) -> Exploration {
    let mut discoveries = std::collections::BTreeMap::new();
    let mut complete = complete;
    for p in properties {
        if let Outcome::Discovered(trail) = &p.outcome {
            match trail.as_ref().and_then(|t| t.replay(model)) {
                Some((_, actions)) => {
                    discoveries.insert(p.name, actions);
                }
                // Found, but no path to print (never with the model's own symmetry): the run
                // does not claim the property's absence either.
                None => complete = false,
            }
        }
    }
    Exploration {
        discoveries,
        states: states as usize,
        unique_states: unique as usize,
        max_depth: max_depth as usize,
        seconds: start.elapsed().as_secs_f64(),
        complete,
        engine: Some(figures),
    }
}
