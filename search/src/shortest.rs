//! A breadth-first explorer that finds the *shortest* path to a state satisfying each of a set of
//! predicates.
//!
//! stateright's checkers report *a* path per discovery (its BFS keeps the last matching state it
//! visits, not the first), so `swspec check --bfs` and the scenario tests use this to obtain
//! shortest examples and counterexamples. Parent links are kept per visited state (by
//! fingerprint), so memory is one entry per unique state.

use stateright::Model;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

/// Maps a state to the representative of its symmetry class.
pub type Symmetry<M> = fn(&<M as Model>::State) -> <M as Model>::State;

/// A predicate over states, with a name to report it by.
pub type Predicate<M> = (&'static str, fn(&M, &<M as Model>::State) -> bool);

fn fingerprint<T: Hash>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

/// Breadth-first search from the initial states; for each predicate, the shortest action path to
/// a state satisfying it (in predicate order; `None` when unreachable within the boundary).
/// `symmetry`, when given, maps a state to its representative for the visited set. Stops after
/// `max_states` unique states, returning what was found so far.
pub fn shortest_paths<M>(
    model: &M,
    predicates: &[Predicate<M>],
    symmetry: Option<Symmetry<M>>,
    max_states: usize,
) -> Vec<Option<Vec<M::Action>>>
where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
{
    let mut found: Vec<Option<Vec<M::Action>>> = vec![None; predicates.len()];
    let mut missing = predicates.len();
    // fingerprint -> (parent fingerprint, action taken from the parent)
    let mut parents: HashMap<u64, Option<(u64, M::Action)>> = HashMap::new();
    let mut queue = VecDeque::new();
    let key = |s: &M::State| match symmetry {
        Some(f) => fingerprint(&f(s)),
        None => fingerprint(s),
    };
    for s in model.init_states() {
        let fp = key(&s);
        if parents.insert(fp, None).is_none() {
            queue.push_back((s, fp));
        }
    }
    let path_to = |parents: &HashMap<u64, Option<(u64, M::Action)>>, mut fp: u64| {
        let mut actions = Vec::new();
        while let Some(Some((parent, action))) = parents.get(&fp) {
            actions.push(action.clone());
            fp = *parent;
        }
        actions.reverse();
        actions
    };
    let mut actions = Vec::new();
    while let Some((state, fp)) = queue.pop_front() {
        for (i, (_, pred)) in predicates.iter().enumerate() {
            if found[i].is_none() && pred(model, &state) {
                found[i] = Some(path_to(&parents, fp));
                missing -= 1;
            }
        }
        if missing == 0 || parents.len() >= max_states {
            break;
        }
        model.actions(&state, &mut actions);
        for action in actions.drain(..) {
            let Some(next) = model.next_state(&state, action.clone()) else {
                continue;
            };
            if !model.within_boundary(&next) {
                continue;
            }
            let next_fp = key(&next);
            if let std::collections::hash_map::Entry::Vacant(e) = parents.entry(next_fp) {
                e.insert(Some((fp, action)));
                queue.push_back((next, next_fp));
            }
        }
    }
    found
}
