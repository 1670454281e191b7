//! Running a search: stateright's checker, depth- or breadth-first, over the model, with a
//! progress line on stderr. What a search yields is an [`Exploration`], all that the steps after
//! it (shortest paths, classification, rendering) read; another engine is another function that
//! returns one.

use super::args::SearchOptions;
use stateright::{Checker, Model};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use swspec_model::{Action, SwModel};

/// What a search found, and what it cost.
pub struct Exploration {
    /// Each property with a discovery (an example or a counterexample) and the path to it.
    pub discoveries: BTreeMap<&'static str, Vec<Action>>,
    /// States generated.
    pub states: usize,
    /// Distinct states visited.
    pub unique_states: usize,
    /// The deepest path explored.
    pub max_depth: usize,
    /// Seconds the search took.
    pub seconds: f64,
    /// The whole bounded state space was explored (the search was not stopped at
    /// `max_states`), so a property without a discovery has none.
    pub complete: bool,
}

/// Checks `model`'s properties with stateright's checker as `search` says (order, threads,
/// symmetry, state limit), printing progress every `progress`.
pub fn stateright(model: SwModel, search: &SearchOptions, progress: Duration) -> Exploration {
    let mut builder = model.checker().threads(usize::from(search.threads));
    if search.symmetry {
        builder = builder.symmetry();
    }
    if let Some(n) = search.max_states {
        builder = builder.target_state_count(n.max(1));
    }
    let start = Instant::now();
    let mut found = if search.bfs {
        summary(wait_with_progress(builder.spawn_bfs(), progress, start))
    } else {
        summary(wait_with_progress(builder.spawn_dfs(), progress, start))
    };
    found.seconds = start.elapsed().as_secs_f64();
    found.complete = search.max_states.is_none_or(|n| found.states < n.max(1));
    found
}

/// A finished checker's discoveries and counts (its time and completeness are the caller's).
fn summary<C: Checker<SwModel>>(c: C) -> Exploration {
    Exploration {
        discoveries: c
            .discoveries()
            .into_iter()
            .map(|(name, path)| (name, path.into_actions()))
            .collect(),
        states: c.state_count(),
        unique_states: c.unique_state_count(),
        max_depth: c.max_depth(),
        seconds: 0.0,
        complete: false,
    }
}

/// Waits for the checker, printing a progress line to stderr every `every` (the run itself is
/// never slowed: the loop only polls counters).
fn wait_with_progress<C: Checker<SwModel>>(checker: C, every: Duration, start: Instant) -> C {
    let mut next = every;
    while !checker.is_done() {
        std::thread::sleep(Duration::from_millis(20));
        if start.elapsed() >= next {
            eprintln!(
                "... {} states, {} unique, depth {}, {:.1}s",
                checker.state_count(),
                checker.unique_state_count(),
                checker.max_depth(),
                start.elapsed().as_secs_f64()
            );
            next += every;
        }
    }
    checker.join()
}
