//! Shortest paths: each discovery's path replaced by a shortest one. Depth-first paths wander
//! (hundreds of steps through worker restarts), and stateright's BFS keeps the last matching
//! state it visits, not the first; the printed paths are always shortest.

use super::args::SearchOptions;
use super::engine::Limits;
use super::explore::Exploration;
use stateright::Representative;
use swspec_model::properties::applicable;
use swspec_model::{SwModel, SwState};
use swspec_search::engine::codec::BitPack;
use swspec_search::engine::Stop;

/// Replaces the path of every discovery in `found` by a shortest one, searched breadth-first
/// with `search`'s symmetry and state limit within `limits` (the queue holds packed states; a
/// discovery keeps its path when a limit cuts the search before reaching it again). After a
/// swarm, or a search the memory bound or a signal stopped, the paths are kept as they are: a
/// second search would only run into the same limit.
pub fn shorten(model: &SwModel, search: &SearchOptions, found: &mut Exploration, limits: &Limits) {
    if found.discoveries.is_empty()
        || (search.swarm.is_some() && !search.stateright)
        || found.engine.as_ref().is_some_and(|e| e.bound_hit)
        || limits.stop.is_set()
    {
        return;
    }
    let wanted: Vec<_> = applicable(&model.cfg)
        .filter(|p| found.discoveries.contains_key(p.name))
        .map(|p| (p.name, p.condition))
        .collect();
    let symmetry: Option<fn(&SwState) -> SwState> = if search.symmetry {
        Some(Representative::representative)
    } else {
        None
    };
    let bounds = swspec_search::shortest::Limits {
        max_states: search.max_states.unwrap_or(usize::MAX),
        memory: limits.memory.clone(),
        stop: limits.stop.clone(),
    };
    let (shortest, stop) =
        swspec_search::shortest::shortest_paths_packed(model, &wanted, symmetry, &BitPack, &bounds);
    if let Some(stop) = stop.filter(|s| !matches!(s, Stop::StateLimit(_))) {
        eprintln!("swspec check: shortest paths: {stop}; the other discoveries keep their path");
    }
    for ((name, _), path) in wanted.iter().zip(shortest) {
        if let Some(path) = path {
            found.discoveries.insert(name, path);
        }
    }
}
