//! Sound checking of liveness properties, with weak fairness, for stateright models.
//!
//! # What it checks
//!
//! A [`LivenessProperty`] states `always (trigger ⇒ eventually goal)`: from every
//! reachable state where `trigger` holds, every *behaviour* reaches a state where `goal`
//! holds (the trigger state itself counts). A behaviour is an infinite path through the
//! reachable state graph, or a finite path that ends in a *dead end* (a state with no
//! successor inside the boundary), read as stuttering there forever. Behaviours may be
//! restricted by [`Fairness`] assumptions: weak fairness of a named class of actions.
//!
//! # Why
//!
//! `stateright::Property::eventually` only looks at paths that end in a terminal state. A
//! path that ends in a cycle is not treated as a violation (see the FIXMEs in stateright's
//! `checker/bfs.rs` and `checker/dfs.rs`), so a system that can loop forever without
//! reaching the goal passes. It also has no notion of fairness, so it cannot express "this
//! holds provided messages are eventually delivered". This module is a separate,
//! single-threaded checker that is sound on cycles and supports weak fairness.
//!
//! # Algorithm
//!
//! 1. Build the whole reachable graph once by breadth-first search from the initial states
//!    that lie within `Model::within_boundary`. Each state is stored once in a `Vec`
//!    (looked up through a 64-bit hash, then compared with `Eq`, so hash collisions cannot
//!    merge states). Edges are kept in compressed sparse rows: target index plus the index
//!    of the action in the state's `Model::actions` list, so actions can be recomputed
//!    instead of stored. Actions whose `next_state` is `None` are no step at all, and
//!    successors outside the boundary are dropped. BFS parents give shortest prefixes.
//! 2. For each property, let B be the set of states where `goal` is false. A violation is
//!    a weakly fair behaviour that, from some reachable `trigger ∧ ¬goal` state, stays in
//!    B forever. An iterative Tarjan search, started from the `trigger ∧ ¬goal` states,
//!    computes the strongly connected components (SCCs) of the subgraph of B (edges with
//!    both ends in B). An SCC C is a *fair witness* when either it is a single dead-end
//!    state, or it has an internal edge and, for every fairness class F, some state of C
//!    has no F-action enabled or some internal edge of C is an F-action. A behaviour that
//!    stays in B eventually stays in one SCC, visiting only its states and internal edges
//!    infinitely often, so this condition is necessary. It is also sufficient: a closed
//!    walk through C that passes every witness can be repeated forever. Because Tarjan
//!    finishes an SCC after every SCC it can reach, "reaches a fair witness inside B" is
//!    computed as each SCC finishes, with no reverse graph.
//! 3. The counterexample ([`Lasso`]) starts at the `trigger ∧ ¬goal` state with the
//!    smallest BFS index (so its prefix is as short as possible), reached by the BFS-tree
//!    path from an initial state. Next comes the shortest path inside B to the nearest fair
//!    SCC. There the cycle is built greedily: breadth-first search inside the SCC to the
//!    nearest witness of each fairness class the walk has not yet satisfied, then back to
//!    the loop's start. A dead end gives an empty cycle and `deadlock = true`.
//!
//! # Fairness semantics
//!
//! [`Fairness`] is *weak* fairness on a class of actions, given as a predicate on
//! `(model, state, action)`. An infinite behaviour is fair for F when F is not enabled
//! continuously from some point on, or an F-action is taken infinitely often. That is,
//! `□◇¬enabled(F) ∨ □◇taken(F)`. F is *enabled* in a state when one of the state's
//! actions satisfies the predicate and leads (`next_state` is `Some`) to a state within the
//! boundary. An action that yields `Some` of the same state is a real step (a self-loop)
//! and can satisfy fairness. An action that yields `None` is never a step and never
//! enables anything. A dead end enables nothing, so stuttering there is fair. Fairness
//! never rules out a dead end, and a behaviour never stutters in a state that has a
//! successor. Strong fairness is not supported.
//!
//! # Boundaries and limits
//!
//! Verdicts are about the graph inside `within_boundary`, but fairness is judged against the
//! unbounded system: an action whose successor lies outside the boundary still counts as
//! *enabled* for fairness (it is enabled in the real system), and a state whose successors all
//! lie outside the boundary is not a dead end. So a reported lasso is a fair behaviour of the
//! unbounded system too, and a bound can only hide violations (verdicts "hold within the
//! bound"), never invent one. [`Lasso::deadlock_at_boundary`] is therefore never set by
//! [`check_liveness`]; it is kept for callers that build lassos by hand. If the number of
//! reachable states exceeds `max_states`, [`check_liveness`] returns
//! [`LivenessError::TooManyStates`] and never a verdict, because an incomplete graph cannot
//! prove anything.
//!
//! # Cost
//!
//! Time: one `actions` call per reachable state, and one `next_state` plus one hash per
//! action. Per property: one `goal` and one `trigger` call per state, and a linear-time
//! Tarjan over B. For each state of a cyclic SCC inside B, `actions` is called once more
//! and the fairness predicates are evaluated on its edges. Counterexample construction
//! adds a few breadth-first searches. Memory: every reachable state is kept in full,
//! which normally dominates. On top of that each state costs about 16 bytes for offsets and
//! BFS parents plus 17 to 40 bytes of hash index (during the build only), and each edge
//! costs 8 bytes. While a property is checked, each state needs about 15 more bytes.
//! [`LivenessReport::peak_graph_bytes`] estimates this. It cannot see heap memory
//! owned by the states themselves. Indices are `u32`, so at most `u32::MAX - 1` states.
//!
//! Results are deterministic: hash maps are only used for lookups, and every traversal
//! follows `Vec` order (BFS order of states, `actions` order of edges). This assumes, as
//! stateright does, that `init_states` and `actions` are deterministic.
//!
//! # Files
//!
//! This file holds the entry points ([`check_liveness`], [`check_liveness_packed`]) and their
//! [`Limits`]; `property.rs` what a check is given and reports (fairness, properties, lassos,
//! verdicts, errors); `graph.rs` step 1 (the state store, the exact state index, the graph);
//! `scc.rs` step 2 (Tarjan over the bad states, fair witnesses); `lasso.rs` step 3 (the
//! counterexample).

mod graph;
mod lasso;
mod property;
mod scc;

pub use property::{Fairness, Lasso, LivenessError, LivenessProperty, LivenessReport, Verdict};

use std::hash::Hash;
use std::time::Instant;

use crate::engine::codec::Codec;
use crate::engine::memory::{MemoryBound, StopFlag};
use graph::{Graph, Packed, StateStore};
use scc::check_property;
use stateright::Model;

/// Sentinel for "no index" in the `u32` index arrays.
pub(super) const NONE: u32 = u32::MAX;

/// Checks every property on the reachable graph of `model`, every state kept in full. Returns
/// an error, and never a verdict, if more than `max_states` states are reachable.
pub fn check_liveness<M>(
    model: &M,
    props: &[LivenessProperty<M>],
    max_states: usize,
) -> Result<LivenessReport<M>, LivenessError>
where
    M: Model,
    M::State: Hash + Eq + Clone,
{
    let limits = Limits {
        max_states,
        memory: MemoryBound::new(u64::MAX),
        stop: StopFlag::new(),
    };
    check_liveness_in(model, props, Box::new(Vec::new()), &limits)
}

/// Checks every property on the reachable graph of `model`, each state stored packed by
/// `codec` (a few tens of bytes instead of the state's size), within `limits`: a state limit,
/// the memory bound or the stop flag that is reached is an error naming it, never a verdict.
pub fn check_liveness_packed<M, C>(
    model: &M,
    props: &[LivenessProperty<M>],
    codec: &C,
    limits: &Limits,
) -> Result<LivenessReport<M>, LivenessError>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    C: Codec<M::State>,
{
    check_liveness_in(model, props, Box::new(Packed::new(codec)), limits)
}

fn check_liveness_in<'a, M>(
    model: &M,
    props: &[LivenessProperty<M>],
    store: Box<dyn StateStore<M::State> + 'a>,
    limits: &Limits,
) -> Result<LivenessReport<M>, LivenessError>
where
    M: Model,
    M::State: Hash + Eq + Clone,
{
    let start = Instant::now();
    let (graph, index_bytes) = Graph::build(model, store, limits)?;
    let n = graph.len();
    let mut analysis_bytes = 0;
    let mut verdicts = Vec::with_capacity(props.len());
    for prop in props {
        // Per property: a few arrays of one entry per state (about 15 bytes each).
        limits.poll(16 * n as u64)?;
        let (verdict, bytes) = check_property(model, &graph, prop)?;
        analysis_bytes = analysis_bytes.max(bytes);
        verdicts.push((prop.name, verdict));
    }
    Ok(LivenessReport {
        states: n,
        edges: graph.targets.len(),
        seconds: start.elapsed().as_secs_f64(),
        peak_graph_bytes: graph.bytes() + index_bytes.max(analysis_bytes),
        bytes_per_state: graph.states.bytes() as f64 / n.max(1) as f64,
        peak_resident: crate::engine::memory::peak_resident_bytes().unwrap_or(0),
        verdicts,
    })
}

/// The limits a liveness check respects: each one reached ends it with an error naming it.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Reachable states at most (range 1..`u32::MAX - 1`).
    pub max_states: usize,
    /// Resident-memory bound, asked before every large allocation and every 4096 states.
    pub memory: MemoryBound,
    /// Stop request (a signal handler sets it).
    pub stop: StopFlag,
}

impl Limits {
    /// `Err` if the stop flag is set or `extra` more bytes would cross the memory bound.
    pub(super) fn poll(&self, extra: u64) -> Result<(), LivenessError> {
        if self.stop.is_set() {
            return Err(LivenessError::Interrupted);
        }
        if !self.memory.allows(extra) {
            return Err(LivenessError::MemoryLimit {
                resident: self.memory.resident(),
                limit: self.memory.limit(),
            });
        }
        Ok(())
    }
}

/// States polled between two memory and stop checks while the graph is built.
pub(super) const POLL_EVERY: usize = 4096;

#[cfg(test)]
mod tests {
    use super::graph::{to_u32, StateIndex};

    #[test]
    fn state_index_handles_fingerprint_collisions() {
        let states = ["a", "b", "c"];
        let mut index = StateIndex::default();
        for (i, _) in states.iter().enumerate() {
            index.insert(42, to_u32(i)); // all collide
        }
        assert_eq!(index.find(42, |i| states[i as usize] == "a"), Some(0));
        assert_eq!(index.find(42, |i| states[i as usize] == "b"), Some(1));
        assert_eq!(index.find(42, |i| states[i as usize] == "c"), Some(2));
        assert_eq!(index.find(42, |i| states[i as usize] == "d"), None);
        assert_eq!(index.find(7, |i| states[i as usize] == "a"), None);
    }
}
