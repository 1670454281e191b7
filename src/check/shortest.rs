//! Shortest paths: each discovery's path replaced by a shortest one. Depth-first paths wander
//! (hundreds of steps through worker restarts), and stateright's BFS keeps the last matching
//! state it visits, not the first; the printed paths are always shortest.

use super::args::SearchOptions;
use super::explore::Exploration;
use stateright::Representative;
use swspec_model::properties::applicable;
use swspec_model::{SwModel, SwState};

/// Replaces the path of every discovery in `found` by a shortest one, searched breadth-first
/// with `search`'s symmetry and state limit (a discovery keeps its path when the limit cuts the
/// search before reaching it again).
pub fn shorten(model: &SwModel, search: &SearchOptions, found: &mut Exploration) {
    if found.discoveries.is_empty() {
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
    let limit = search.max_states.unwrap_or(usize::MAX);
    let shortest = swspec_search::shortest::shortest_paths(model, &wanted, symmetry, limit);
    for ((name, _), path) in wanted.iter().zip(shortest) {
        if let Some(path) = path {
            found.discoveries.insert(name, path);
        }
    }
}
