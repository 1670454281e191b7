//! A breadth-first explorer that finds the *shortest* path to a state satisfying each of a set of
//! predicates.
//!
//! stateright's checkers report *a* path per discovery (its BFS keeps the last matching state it
//! visits, not the first), so `swspec check --bfs` and the scenario tests use this to obtain
//! shortest examples and counterexamples. Parent links are kept per visited state (by
//! fingerprint), so memory is one entry per unique state.

use crate::engine::codec::Codec;
use crate::engine::memory::{MemoryBound, StopFlag};
use crate::engine::{key_canonical, memory_stop, Stop};
use crate::hash::{fingerprint128, FastMap};
use stateright::Model;
use std::collections::VecDeque;
use std::hash::Hash;

/// Maps a state to the representative of its symmetry class.
pub type Symmetry<M> = fn(&<M as Model>::State) -> <M as Model>::State;

/// A predicate over states, with a name to report it by.
pub type Predicate<M> = (&'static str, fn(&M, &<M as Model>::State) -> bool);

/// The 64-bit key of a state (already its representative): its packed bytes' fingerprint when
/// the codec packs cheaply (as the engine's searches key states), else its `Hash` stream's.
fn fingerprint<S: Hash>(codec: Option<&dyn Codec<S>>, s: &S, scratch: &mut Vec<u8>) -> u64 {
    match codec {
        Some(c) => key_canonical::<S, dyn Codec<S>, u64>(c, s, scratch),
        None => {
            let fp = fingerprint128(s);
            ((fp >> 64) as u64) ^ fp as u64
        }
    }
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
    let limits = Limits {
        max_states,
        memory: MemoryBound::new(u64::MAX),
        stop: StopFlag::new(),
    };
    search(model, predicates, symmetry, None, &limits).0
}

/// [`shortest_paths`] within `limits`, the queued states packed by `codec` (so the queue costs
/// tens of bytes per state, not the state's size): also says which limit, if any, ended the
/// search before every predicate was found (the memory bound, the stop flag or the state limit).
pub fn shortest_paths_packed<M, C>(
    model: &M,
    predicates: &[Predicate<M>],
    symmetry: Option<Symmetry<M>>,
    codec: &C,
    limits: &Limits,
) -> (Paths<M>, Option<Stop>)
where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
    C: Codec<M::State>,
{
    search(model, predicates, symmetry, Some(codec), limits)
}

/// One shortest path per predicate (`None`: not reached).
pub type Paths<M> = Vec<Option<Vec<<M as Model>::Action>>>;

/// The limits of a shortest-path search.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Unique states at most.
    pub max_states: usize,
    /// Resident-memory bound (asked every 4096 states and before the visited map grows).
    pub memory: MemoryBound,
    /// Stop request (a signal handler sets it).
    pub stop: StopFlag,
}

/// A queued state: in full, or packed.
enum Queued<S> {
    Full(S),
    Packed(Box<[u8]>),
}

fn search<M>(
    model: &M,
    predicates: &[Predicate<M>],
    symmetry: Option<Symmetry<M>>,
    codec: Option<&dyn Codec<M::State>>,
    limits: &Limits,
) -> (Paths<M>, Option<Stop>)
where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
{
    let mut found: Vec<Option<Vec<M::Action>>> = vec![None; predicates.len()];
    let mut missing = predicates.len();
    // fingerprint -> (parent fingerprint, action taken from the parent)
    let mut parents: FastMap<u64, Option<(u64, M::Action)>> = FastMap::default();
    let mut queue = VecDeque::new();
    let mut key_scratch = Vec::new();
    let mut key = |s: &M::State| match symmetry {
        Some(f) => fingerprint(codec, &f(s), &mut key_scratch),
        None => fingerprint(codec, s, &mut key_scratch),
    };
    let mut scratch = Vec::new();
    let mut enqueue = |s: M::State| match codec {
        Some(c) => {
            scratch.clear();
            c.encode(&s, &mut scratch);
            Queued::Packed(scratch.as_slice().into())
        }
        None => Queued::Full(s),
    };
    for s in model.init_states() {
        let fp = key(&s);
        if parents.insert(fp, None).is_none() {
            queue.push_back((enqueue(s), fp));
        }
    }
    let path_to = |parents: &FastMap<u64, Option<(u64, M::Action)>>, mut fp: u64| {
        let mut actions = Vec::new();
        while let Some(Some((parent, action))) = parents.get(&fp) {
            actions.push(action.clone());
            fp = *parent;
        }
        actions.reverse();
        actions
    };
    let mut actions = Vec::new();
    let mut popped: u64 = 0;
    while let Some((queued, fp)) = queue.pop_front() {
        let state = match (queued, codec) {
            (Queued::Full(s), _) => s,
            (Queued::Packed(b), Some(c)) => c.decode(&b),
            (Queued::Packed(_), None) => unreachable!("packed only with a codec"),
        };
        for (i, (_, pred)) in predicates.iter().enumerate() {
            if found[i].is_none() && pred(model, &state) {
                found[i] = Some(path_to(&parents, fp));
                missing -= 1;
            }
        }
        if missing == 0 {
            break;
        }
        if parents.len() >= limits.max_states {
            return (found, Some(Stop::StateLimit(limits.max_states as u64)));
        }
        popped += 1;
        if popped % 4096 == 0 {
            if limits.stop.is_set() {
                return (found, Some(Stop::Interrupted));
            }
            // A map about to double asks for its new table first.
            let entry = std::mem::size_of::<(u64, Option<(u64, M::Action)>)>() as u64 + 1;
            let growth = if parents.len() * 8 >= parents.capacity() * 7 {
                2 * parents.capacity() as u64 * entry
            } else {
                0
            };
            if !limits.memory.allows(growth) {
                return (found, Some(memory_stop(&limits.memory)));
            }
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
                queue.push_back((enqueue(next), next_fp));
            }
        }
    }
    (found, None)
}
