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

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::ops::Range;
use std::time::Instant;

use crate::engine::codec::Codec;
use crate::engine::memory::{MemoryBound, StopFlag};
use stateright::Model;

/// Sentinel for "no index" in the `u32` index arrays.
const NONE: u32 = u32::MAX;

/// A weak-fairness assumption on a named class of actions: if some action of the class is
/// enabled continuously from some point on, an action of the class is eventually taken.
pub struct Fairness<M: Model> {
    /// Short name of the class, for reports.
    pub name: &'static str,
    /// Whether `action`, taken in `state`, belongs to the class.
    pub class: fn(&M, &M::State, &M::Action) -> bool,
}

impl<M: Model> Clone for Fairness<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: Model> Copy for Fairness<M> {}

impl<M: Model> fmt::Debug for Fairness<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fairness")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The property `always (trigger ⇒ eventually goal)`, checked only over behaviours that
/// satisfy every listed fairness assumption.
pub struct LivenessProperty<M: Model> {
    /// Unique name of the property, used as the key in [`LivenessReport::verdicts`].
    pub name: &'static str,
    /// Where the property comes from (e.g. a spec section); informational only.
    pub spec: &'static str,
    /// One-line human description; informational only.
    pub summary: &'static str,
    /// States from which the goal must eventually be reached.
    pub trigger: fn(&M, &M::State) -> bool,
    /// States that discharge the obligation.
    pub goal: fn(&M, &M::State) -> bool,
    /// Weak-fairness assumptions; violations are only reported on fair behaviours.
    pub fairness: Vec<Fairness<M>>,
}

impl<M: Model> Clone for LivenessProperty<M> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            spec: self.spec,
            summary: self.summary,
            trigger: self.trigger,
            goal: self.goal,
            fairness: self.fairness.clone(),
        }
    }
}

impl<M: Model> fmt::Debug for LivenessProperty<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LivenessProperty")
            .field("name", &self.name)
            .field("spec", &self.spec)
            .field("summary", &self.summary)
            .field("fairness", &self.fairness)
            .finish_non_exhaustive()
    }
}

/// A counterexample: `prefix` leads from an initial state to the loop start, then `cycle`
/// repeats forever (or, if `deadlock`, the last state stutters forever).
pub struct Lasso<M: Model> {
    /// Actions from `states[0]` (an initial state) to `states[prefix.len()]` (the loop start).
    pub prefix: Vec<M::Action>,
    /// Actions of the repeated closed walk, from the loop start back to it; empty on deadlock.
    pub cycle: Vec<M::Action>,
    /// Every visited state: `prefix.len() + cycle.len() + 1` of them. The last one equals
    /// the loop start.
    pub states: Vec<M::State>,
    /// Index in `states` of the trigger state. From there on, `goal` is false everywhere.
    pub trigger_index: usize,
    /// The behaviour ends in a dead end (no successor within the boundary).
    pub deadlock: bool,
    /// With `deadlock`: the dead end does have successors, but they all lie outside the
    /// boundary. So this may be an artefact of the boundary.
    pub deadlock_at_boundary: bool,
}

impl<M: Model> Lasso<M> {
    /// The state where the cycle starts and ends (the dead end if `deadlock`).
    pub fn loop_start(&self) -> &M::State {
        &self.states[self.prefix.len()]
    }

    /// The states of the cycle: loop start first, without repeating it at the end.
    pub fn cycle_states(&self) -> &[M::State] {
        let start = self.prefix.len();
        &self.states[start..start + self.cycle.len().max(1)]
    }
}

impl<M: Model> Clone for Lasso<M>
where
    M::State: Clone,
    M::Action: Clone,
{
    fn clone(&self) -> Self {
        Self {
            prefix: self.prefix.clone(),
            cycle: self.cycle.clone(),
            states: self.states.clone(),
            trigger_index: self.trigger_index,
            deadlock: self.deadlock,
            deadlock_at_boundary: self.deadlock_at_boundary,
        }
    }
}

impl<M: Model> PartialEq for Lasso<M>
where
    M::State: PartialEq,
    M::Action: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix
            && self.cycle == other.cycle
            && self.states == other.states
            && self.trigger_index == other.trigger_index
            && self.deadlock == other.deadlock
            && self.deadlock_at_boundary == other.deadlock_at_boundary
    }
}

impl<M: Model> fmt::Debug for Lasso<M>
where
    M::State: fmt::Debug,
    M::Action: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lasso")
            .field("prefix", &self.prefix)
            .field("cycle", &self.cycle)
            .field("states", &self.states)
            .field("trigger_index", &self.trigger_index)
            .field("deadlock", &self.deadlock)
            .field("deadlock_at_boundary", &self.deadlock_at_boundary)
            .finish()
    }
}

/// The outcome for one property on a completely explored graph.
pub enum Verdict<M: Model> {
    /// Every fair behaviour from every trigger state reaches the goal.
    Holds,
    /// A fair behaviour that never reaches the goal after a trigger state.
    Violated(Lasso<M>),
}

impl<M: Model> Verdict<M> {
    /// `true` for [`Verdict::Holds`].
    pub fn holds(&self) -> bool {
        matches!(self, Verdict::Holds)
    }

    /// The counterexample, if violated.
    pub fn lasso(&self) -> Option<&Lasso<M>> {
        match self {
            Verdict::Holds => None,
            Verdict::Violated(lasso) => Some(lasso),
        }
    }
}

impl<M: Model> Clone for Verdict<M>
where
    M::State: Clone,
    M::Action: Clone,
{
    fn clone(&self) -> Self {
        match self {
            Verdict::Holds => Verdict::Holds,
            Verdict::Violated(lasso) => Verdict::Violated(lasso.clone()),
        }
    }
}

impl<M: Model> PartialEq for Verdict<M>
where
    M::State: PartialEq,
    M::Action: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Verdict::Holds, Verdict::Holds) => true,
            (Verdict::Violated(a), Verdict::Violated(b)) => a == b,
            _ => false,
        }
    }
}

impl<M: Model> fmt::Debug for Verdict<M>
where
    M::State: fmt::Debug,
    M::Action: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Holds => f.write_str("Holds"),
            Verdict::Violated(lasso) => f.debug_tuple("Violated").field(lasso).finish(),
        }
    }
}

/// The result of [`check_liveness`]: graph statistics and one verdict per property.
pub struct LivenessReport<M: Model> {
    /// Number of distinct reachable states within the boundary.
    pub states: usize,
    /// Number of edges (successful, in-boundary transitions, counted per action).
    pub edges: usize,
    /// Wall-clock seconds for the whole check.
    pub seconds: f64,
    /// Estimated peak bytes of the graph and per-property arrays. It excludes heap data
    /// owned by the states themselves.
    pub peak_graph_bytes: usize,
    /// Bytes of the stored states per state (their full size, or their packed size).
    pub bytes_per_state: f64,
    /// The process's peak resident set so far (`VmHWM`, what `/usr/bin/time -v` reports as
    /// maximum resident set size), in bytes; 0 where it cannot be read.
    pub peak_resident: u64,
    /// `(property name, verdict)`, in the order the properties were given.
    pub verdicts: Vec<(&'static str, Verdict<M>)>,
}

impl<M: Model> LivenessReport<M> {
    /// The verdict of the property with this name, if it was checked.
    pub fn verdict(&self, name: &str) -> Option<&Verdict<M>> {
        self.verdicts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, verdict)| verdict)
    }
}

impl<M: Model> fmt::Debug for LivenessReport<M>
where
    M::State: fmt::Debug,
    M::Action: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LivenessReport")
            .field("states", &self.states)
            .field("edges", &self.edges)
            .field("seconds", &self.seconds)
            .field("peak_graph_bytes", &self.peak_graph_bytes)
            .field("bytes_per_state", &self.bytes_per_state)
            .field("peak_resident", &self.peak_resident)
            .field("verdicts", &self.verdicts)
            .finish()
    }
}

/// Why no verdict could be given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LivenessError {
    /// More than `max_states` reachable states (or more than `u32::MAX - 1`). The graph
    /// is incomplete, so nothing can be claimed.
    TooManyStates {
        /// The limit that was exceeded.
        max_states: usize,
    },
    /// A state has more than `u32::MAX` actions.
    TooManyActions {
        /// BFS index of the state.
        state: usize,
    },
    /// `Model::actions` returned fewer actions for a state than when the graph was built.
    NondeterministicActions {
        /// BFS index of the state.
        state: usize,
    },
    /// The memory bound was reached while the graph was built or a property checked: the
    /// graph or the analysis is incomplete, so nothing can be claimed.
    MemoryLimit {
        /// Resident bytes then.
        resident: u64,
        /// The bound.
        limit: u64,
    },
    /// The stop flag was set (Ctrl-C, SIGTERM).
    Interrupted,
    /// An internal invariant failed (a bug in this module).
    Internal(&'static str),
}

impl fmt::Display for LivenessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LivenessError::TooManyStates { max_states } => write!(
                f,
                "more than {max_states} reachable states: graph incomplete, no verdict"
            ),
            LivenessError::MemoryLimit { resident, limit } => write!(
                f,
                "memory bound reached ({} MiB resident, limit {} MiB): graph incomplete, no verdict",
                resident >> 20,
                limit >> 20
            ),
            LivenessError::Interrupted => write!(f, "interrupted: graph incomplete, no verdict"),
            LivenessError::TooManyActions { state } => {
                write!(f, "state #{state} has more than u32::MAX actions")
            }
            LivenessError::NondeterministicActions { state } => write!(
                f,
                "Model::actions is not deterministic: state #{state} lost actions on recomputation"
            ),
            LivenessError::Internal(what) => write!(f, "internal liveness-checker error: {what}"),
        }
    }
}

impl std::error::Error for LivenessError {}

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
    fn poll(&self, extra: u64) -> Result<(), LivenessError> {
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
const POLL_EVERY: usize = 4096;

/// Where the graph keeps its states: in full ([`Vec`]) or packed ([`Packed`]).
trait StateStore<S: Clone> {
    fn push(&mut self, state: S);
    fn get(&self, i: u32) -> Cow<'_, S>;
    /// Whether state `i` is `state`.
    fn equals(&self, i: u32, state: &S) -> bool;
    fn len(&self) -> usize;
    /// Bytes held.
    fn bytes(&self) -> usize;
    /// Bytes the next push may allocate in one piece.
    fn growth_bytes(&self) -> u64;
}

impl<S: Clone + Eq> StateStore<S> for Vec<S> {
    fn push(&mut self, state: S) {
        Vec::push(self, state);
    }
    fn get(&self, i: u32) -> Cow<'_, S> {
        Cow::Borrowed(&self[i as usize])
    }
    fn equals(&self, i: u32, state: &S) -> bool {
        self[i as usize] == *state
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn bytes(&self) -> usize {
        self.capacity() * std::mem::size_of::<S>()
    }
    fn growth_bytes(&self) -> u64 {
        if self.len() * 8 >= self.capacity() * 7 {
            2 * self.bytes() as u64
        } else {
            0
        }
    }
}

/// States packed back to back by a codec (which must be canonical: equal states, equal bytes,
/// as [`crate::engine::codec::BitPack`] is).
struct Packed<'a, S, C> {
    codec: &'a C,
    bytes: Vec<u8>,
    /// State `i` is `bytes[at[i]..at[i + 1]]`.
    at: Vec<u64>,
    scratch: RefCell<Vec<u8>>,
    _state: PhantomData<fn() -> S>,
}

impl<'a, S, C> Packed<'a, S, C> {
    fn new(codec: &'a C) -> Self {
        Packed {
            codec,
            bytes: Vec::new(),
            at: vec![0],
            scratch: RefCell::new(Vec::new()),
            _state: PhantomData,
        }
    }
    fn slice(&self, i: u32) -> &[u8] {
        let i = i as usize;
        &self.bytes[self.at[i] as usize..self.at[i + 1] as usize]
    }
}

impl<S: Clone, C: Codec<S>> StateStore<S> for Packed<'_, S, C> {
    fn push(&mut self, state: S) {
        self.codec.encode(&state, &mut self.bytes);
        self.at.push(self.bytes.len() as u64);
    }
    fn get(&self, i: u32) -> Cow<'_, S> {
        Cow::Owned(self.codec.decode(self.slice(i)))
    }
    fn equals(&self, i: u32, state: &S) -> bool {
        let mut scratch = self.scratch.borrow_mut();
        scratch.clear();
        self.codec.encode(state, &mut scratch);
        *scratch == self.slice(i)
    }
    fn len(&self) -> usize {
        self.at.len() - 1
    }
    fn bytes(&self) -> usize {
        self.bytes.capacity() + self.at.capacity() * 8
    }
    fn growth_bytes(&self) -> u64 {
        let grow = |len: usize, cap: usize, size: usize| {
            if len * 8 >= cap * 7 {
                2 * (cap * size) as u64
            } else {
                0
            }
        };
        grow(self.bytes.len(), self.bytes.capacity(), 1)
            + grow(self.at.len(), self.at.capacity(), 8)
    }
}

/// Converts an index known to be below `u32::MAX` (states, SCCs) to `u32`.
fn to_u32(i: usize) -> u32 {
    debug_assert!(i < NONE as usize);
    i as u32
}

/// Deterministic 64-bit hash of a state (SipHash with fixed keys); used only for lookups.
fn fingerprint<T: Hash>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

type FpMap<V> = crate::hash::FastMap<u64, V>;

/// Exact state → index lookup: fingerprint first, then `Eq` on the stored state. The rare
/// second and later states with an equal fingerprint go to `overflow`.
#[derive(Default)]
struct StateIndex {
    primary: FpMap<u32>,
    overflow: FpMap<Vec<u32>>,
}

impl StateIndex {
    /// The index with fingerprint `fp` whose stored state `is` the one looked up.
    fn find(&self, fp: u64, is: impl Fn(u32) -> bool) -> Option<u32> {
        let &first = self.primary.get(&fp)?;
        if is(first) {
            return Some(first);
        }
        self.overflow.get(&fp)?.iter().copied().find(|&i| is(i))
    }

    fn insert(&mut self, fp: u64, index: u32) {
        match self.primary.entry(fp) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.overflow.entry(fp).or_default().push(index);
            }
        }
    }

    fn bytes(&self) -> usize {
        self.primary.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
            + self.overflow.capacity() * (std::mem::size_of::<(u64, Vec<u32>)>() + 1)
            + self
                .overflow
                .values()
                .map(|v| v.capacity() * 4)
                .sum::<usize>()
    }
}

/// The reachable state graph in compressed sparse rows, in BFS order.
struct Graph<'a, S> {
    /// The states, in full or packed ([`StateStore`]).
    states: Box<dyn StateStore<S> + 'a>,
    /// Edges of state `v` are `offsets[v]..offsets[v + 1]`.
    offsets: Vec<usize>,
    /// Target state of each edge.
    targets: Vec<u32>,
    /// Index of each edge's action in `Model::actions` of its source state.
    action_idx: Vec<u32>,
    /// BFS-tree parent of each state (`NONE` for initial states).
    parent: Vec<u32>,
    /// Action index from the parent to the state.
    parent_action: Vec<u32>,
}

impl<'a, S: Clone> Graph<'a, S> {
    fn build<M>(
        model: &M,
        states: Box<dyn StateStore<S> + 'a>,
        limits: &Limits,
    ) -> Result<(Self, usize), LivenessError>
    where
        M: Model<State = S>,
        S: Hash + Eq,
    {
        let cap = limits.max_states.min(NONE as usize - 1);
        let mut index = StateIndex::default();
        let mut g = Graph {
            states,
            offsets: vec![0],
            targets: Vec::new(),
            action_idx: Vec::new(),
            parent: Vec::new(),
            parent_action: Vec::new(),
        };
        for state in model.init_states() {
            if !model.within_boundary(&state) {
                continue;
            }
            g.intern(&mut index, state, cap, NONE, NONE)?;
        }
        let mut actions = Vec::new();
        let mut v = 0;
        while v < g.len() {
            let vu = to_u32(v);
            if v % POLL_EVERY == 0 {
                limits.poll(g.growth_bytes() + index.bytes() as u64 / 2)?;
            }
            let state = g.state(vu).into_owned();
            model.actions(&state, &mut actions);
            for (ai, action) in actions.drain(..).enumerate() {
                let ai =
                    u32::try_from(ai).map_err(|_| LivenessError::TooManyActions { state: v })?;
                let Some(next) = model.next_state(&state, action) else {
                    continue;
                };
                if !model.within_boundary(&next) {
                    continue;
                }
                let w = g.intern(&mut index, next, cap, vu, ai)?;
                g.targets.push(w);
                g.action_idx.push(ai);
            }
            g.offsets.push(g.targets.len());
            v += 1;
        }
        Ok((g, index.bytes()))
    }

    /// Index of `state`, adding it (with its BFS parent) if new.
    fn intern(
        &mut self,
        index: &mut StateIndex,
        state: S,
        cap: usize,
        parent: u32,
        parent_action: u32,
    ) -> Result<u32, LivenessError>
    where
        S: Hash + Eq,
    {
        let fp = fingerprint(&state);
        if let Some(i) = index.find(fp, |i| self.states.equals(i, &state)) {
            return Ok(i);
        }
        if self.states.len() >= cap {
            return Err(LivenessError::TooManyStates { max_states: cap });
        }
        let i = to_u32(self.states.len());
        index.insert(fp, i);
        self.states.push(state);
        self.parent.push(parent);
        self.parent_action.push(parent_action);
        Ok(i)
    }

    fn len(&self) -> usize {
        self.states.len()
    }

    fn edges(&self, v: u32) -> Range<usize> {
        self.offsets[v as usize]..self.offsets[v as usize + 1]
    }

    /// The state with index `v` (borrowed when stored in full, unpacked otherwise).
    fn state(&self, v: u32) -> Cow<'_, S> {
        self.states.get(v)
    }

    /// Bytes the next growth of the graph's arrays may allocate in one piece (a vector that is
    /// nearly full doubles), so that the memory bound is asked before, not after.
    fn growth_bytes(&self) -> u64 {
        fn next<T>(v: &Vec<T>) -> u64 {
            let cap = v.capacity() as u64 * std::mem::size_of::<T>() as u64;
            if v.len() * 8 >= v.capacity() * 7 {
                2 * cap
            } else {
                0
            }
        }
        next(&self.offsets)
            + next(&self.targets)
            + next(&self.action_idx)
            + next(&self.parent)
            + next(&self.parent_action)
            + self.states.growth_bytes()
    }

    fn bytes(&self) -> usize {
        self.states.bytes()
            + self.offsets.capacity() * std::mem::size_of::<usize>()
            + (self.targets.capacity()
                + self.action_idx.capacity()
                + self.parent.capacity()
                + self.parent_action.capacity())
                * 4
    }

    /// Recomputes the actions of state `v` and checks that every stored edge's index exists.
    fn actions_of<M: Model<State = S>>(
        &self,
        model: &M,
        v: u32,
    ) -> Result<Vec<M::Action>, LivenessError> {
        let mut actions = Vec::new();
        model.actions(&self.state(v), &mut actions);
        if self
            .edges(v)
            .any(|e| self.action_idx[e] as usize >= actions.len())
        {
            return Err(LivenessError::NondeterministicActions { state: v as usize });
        }
        Ok(actions)
    }

    /// Shortest path from `from` along edges whose target is `allowed`, to the first state
    /// for which `is_target` holds. It returns the end state and the edges taken. With
    /// `min_one_edge`, `from` itself only counts as a target when reached by at least one
    /// edge, so the result is a cycle.
    fn bfs_path(
        &self,
        from: u32,
        allowed: impl Fn(u32) -> bool,
        mut is_target: impl FnMut(u32) -> Result<bool, LivenessError>,
        min_one_edge: bool,
    ) -> Result<Option<(u32, Vec<usize>)>, LivenessError> {
        if !min_one_edge && is_target(from)? {
            return Ok(Some((from, Vec::new())));
        }
        let mut pred: HashMap<u32, (u32, usize)> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(v) = queue.pop_front() {
            for e in self.edges(v) {
                let w = self.targets[e];
                if !allowed(w) {
                    continue;
                }
                if w == from {
                    if min_one_edge && is_target(w)? {
                        return Ok(Some((w, Self::unwind(&pred, from, v, e)?)));
                    }
                    continue;
                }
                if pred.contains_key(&w) {
                    continue;
                }
                pred.insert(w, (v, e));
                if is_target(w)? {
                    return Ok(Some((w, Self::unwind(&pred, from, v, e)?)));
                }
                queue.push_back(w);
            }
        }
        Ok(None)
    }

    /// Edges from `from` to `v` (through the `pred` tree), followed by `last`.
    fn unwind(
        pred: &HashMap<u32, (u32, usize)>,
        from: u32,
        mut v: u32,
        last: usize,
    ) -> Result<Vec<usize>, LivenessError> {
        let mut edges = vec![last];
        while v != from {
            let &(p, e) = pred
                .get(&v)
                .ok_or(LivenessError::Internal("broken BFS predecessor chain"))?;
            edges.push(e);
            v = p;
        }
        edges.reverse();
        Ok(edges)
    }
}

/// Per-property SCC data over the bad subgraph.
struct Sccs {
    /// SCC id of each state visited by Tarjan (`NONE` otherwise).
    scc_of: Vec<u32>,
    /// Per SCC: it is a fair witness (fair cycle or dead end).
    fair: Vec<bool>,
    /// Per SCC: some fair witness is reachable from it inside B (itself included).
    reaches: Vec<bool>,
}

/// Checks one property; returns the verdict and the bytes of the per-property arrays.
fn check_property<M>(
    model: &M,
    g: &Graph<'_, M::State>,
    prop: &LivenessProperty<M>,
) -> Result<(Verdict<M>, usize), LivenessError>
where
    M: Model,
    M::State: Clone,
{
    let n = g.len();
    let bad: Vec<bool> = (0..n)
        .map(|v| !(prop.goal)(model, &g.state(to_u32(v))))
        .collect();
    let roots: Vec<u32> = (0..n)
        .filter(|&v| bad[v] && (prop.trigger)(model, &g.state(to_u32(v))))
        .map(to_u32)
        .collect();
    let mut bytes = bad.capacity() + roots.capacity() * 4;
    if roots.is_empty() {
        return Ok((Verdict::Holds, bytes));
    }
    let sccs = tarjan(model, g, &prop.fairness, &bad, &roots)?;
    // Tarjan's order/low arrays (8 bytes per state) were freed inside `tarjan`.
    bytes += n * 8 + sccs.scc_of.capacity() * 4 + sccs.fair.capacity() + sccs.reaches.capacity();
    let reaches = |v: u32| {
        let c = sccs.scc_of[v as usize];
        c != NONE && sccs.reaches[c as usize]
    };
    match roots.iter().copied().find(|&t| reaches(t)) {
        None => Ok((Verdict::Holds, bytes)),
        Some(t) => Ok((
            Verdict::Violated(build_lasso(model, g, prop, &bad, &sccs, t)?),
            bytes,
        )),
    }
}

/// Iterative Tarjan over the subgraph induced by `bad`, from `roots`. Each SCC is classified
/// (fair witness, reaches one) when it is completed.
fn tarjan<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fairness: &[Fairness<M>],
    bad: &[bool],
    roots: &[u32],
) -> Result<Sccs, LivenessError>
where
    M::State: Clone,
{
    let n = g.len();
    let mut order = vec![NONE; n];
    let mut low = vec![NONE; n];
    let mut on_stack = vec![false; n];
    let mut sccs = Sccs {
        scc_of: vec![NONE; n],
        fair: Vec::new(),
        reaches: Vec::new(),
    };
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, usize)> = Vec::new();
    let mut members: Vec<u32> = Vec::new();
    let mut counter: u32 = 0;
    for &root in roots {
        if order[root as usize] != NONE {
            continue;
        }
        order[root as usize] = counter;
        low[root as usize] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        call.push((root, g.offsets[root as usize]));
        while let Some(top) = call.last_mut() {
            let v = top.0 as usize;
            if top.1 < g.offsets[v + 1] {
                let w = g.targets[top.1];
                top.1 += 1;
                let wu = w as usize;
                if !bad[wu] {
                    continue;
                }
                if order[wu] == NONE {
                    order[wu] = counter;
                    low[wu] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[wu] = true;
                    call.push((w, g.offsets[wu]));
                } else if on_stack[wu] {
                    low[v] = low[v].min(order[wu]);
                }
                continue;
            }
            call.pop();
            if let Some(&(u, _)) = call.last() {
                low[u as usize] = low[u as usize].min(low[v]);
            }
            if low[v] != order[v] {
                continue;
            }
            let id = to_u32(sccs.fair.len());
            members.clear();
            while let Some(m) = stack.pop() {
                on_stack[m as usize] = false;
                sccs.scc_of[m as usize] = id;
                members.push(m);
                if m as usize == v {
                    break;
                }
            }
            let (fair, reaches) = classify(model, g, fairness, bad, &sccs, &members, id)?;
            sccs.fair.push(fair);
            sccs.reaches.push(reaches);
        }
    }
    Ok(sccs)
}

/// Classifies a just-completed SCC `id`: (fair witness, reaches a fair witness inside B).
fn classify<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fairness: &[Fairness<M>],
    bad: &[bool],
    sccs: &Sccs,
    members: &[u32],
    id: u32,
) -> Result<(bool, bool), LivenessError>
where
    M::State: Clone,
{
    let mut internal = false;
    let mut reach = false;
    let mut out_degree = 0;
    for &m in members {
        for e in g.edges(m) {
            out_degree += 1;
            let w = g.targets[e] as usize;
            if !bad[w] {
                continue;
            }
            let c = sccs.scc_of[w];
            if c == id {
                internal = true;
            } else if c != NONE && sccs.reaches[c as usize] {
                reach = true;
            }
        }
    }
    // A state whose only successors lie outside the boundary is no real dead end: the system
    // would move on. Only a state with no step at all stutters for ever.
    let dead_end = members.len() == 1 && out_degree == 0 && !has_step(model, &g.state(members[0]));
    let fair = dead_end
        || (internal
            && fair_cycle_exists(model, g, fairness, members, |w| {
                sccs.scc_of[w as usize] == id
            })?);
    Ok((fair, fair || reach))
}

/// Whether `state` has any step at all, inside the boundary or not.
fn has_step<M: Model>(model: &M, state: &M::State) -> bool {
    let mut actions = Vec::new();
    model.actions(state, &mut actions);
    actions
        .into_iter()
        .any(|a| model.next_state(state, a).is_some())
}

/// Whether some action of class `fc` is enabled in `state`, counting steps that leave the
/// boundary: fairness is judged against the unbounded system, so a lasso is never excused by
/// a step the bound merely cut off (bounded verdicts err towards "holds within the bound").
fn enabled_beyond_boundary<M: Model>(model: &M, state: &M::State, fc: &Fairness<M>) -> bool {
    let mut actions = Vec::new();
    model.actions(state, &mut actions);
    actions.into_iter().any(|a| {
        (fc.class)(model, state, &a) && {
            model
                .next_state(state, a)
                .is_some_and(|n| !model.within_boundary(&n))
        }
    })
}

/// Whether every fairness class is disabled in some member or taken by some internal edge.
fn fair_cycle_exists<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fairness: &[Fairness<M>],
    members: &[u32],
    in_scc: impl Fn(u32) -> bool,
) -> Result<bool, LivenessError>
where
    M::State: Clone,
{
    let mut covered = vec![false; fairness.len()];
    let mut remaining = fairness.len();
    let mut enabled = vec![false; fairness.len()];
    for &m in members {
        if remaining == 0 {
            break;
        }
        let actions = g.actions_of(model, m)?;
        let state = &*g.state(m);
        enabled.fill(false);
        for e in g.edges(m) {
            let action = &actions[g.action_idx[e] as usize];
            let internal = in_scc(g.targets[e]);
            for ((fc, cov), en) in fairness.iter().zip(&mut covered).zip(&mut enabled) {
                if *cov || (*en && !internal) {
                    continue;
                }
                if (fc.class)(model, state, action) {
                    *en = true;
                    if internal {
                        *cov = true;
                        remaining -= 1;
                    }
                }
            }
        }
        for ((cov, en), fc) in covered.iter_mut().zip(&enabled).zip(fairness) {
            if !*cov && !*en && !enabled_beyond_boundary(model, state, fc) {
                *cov = true;
                remaining -= 1;
            }
        }
    }
    Ok(remaining == 0)
}

/// How state `u` relates to fairness class `fc` inside the SCC: `None` if the class is
/// enabled but no internal edge takes it, `Some(None)` if it is disabled, `Some(Some(e))`
/// if internal edge `e` (the first in action order) takes it.
fn class_witness<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fc: &Fairness<M>,
    u: u32,
    in_scc: &impl Fn(u32) -> bool,
) -> Result<Option<Option<usize>>, LivenessError>
where
    M::State: Clone,
{
    let actions = g.actions_of(model, u)?;
    let state = &*g.state(u);
    let mut enabled = false;
    for e in g.edges(u) {
        if (fc.class)(model, state, &actions[g.action_idx[e] as usize]) {
            if in_scc(g.targets[e]) {
                return Ok(Some(Some(e)));
            }
            enabled = true;
        }
    }
    let enabled = enabled || enabled_beyond_boundary(model, state, fc);
    Ok(if enabled { None } else { Some(None) })
}

/// A path through the graph under construction: `steps[i]` is the action index leading from
/// `states[i]` to `states[i + 1]`.
struct Walk {
    states: Vec<u32>,
    steps: Vec<u32>,
}

impl Walk {
    fn last(&self) -> u32 {
        self.states[self.states.len() - 1]
    }

    fn push_edge<S: Clone>(&mut self, g: &Graph<'_, S>, e: usize) {
        self.steps.push(g.action_idx[e]);
        self.states.push(g.targets[e]);
    }
}

/// Builds the counterexample for trigger state `t` (which reaches a fair witness in B).
fn build_lasso<M>(
    model: &M,
    g: &Graph<'_, M::State>,
    prop: &LivenessProperty<M>,
    bad: &[bool],
    sccs: &Sccs,
    t: u32,
) -> Result<Lasso<M>, LivenessError>
where
    M: Model,
    M::State: Clone,
{
    // Prefix: BFS-tree path from an initial state to `t`.
    let mut chain = vec![t];
    let mut steps = Vec::new();
    let mut v = t;
    while g.parent[v as usize] != NONE {
        steps.push(g.parent_action[v as usize]);
        v = g.parent[v as usize];
        chain.push(v);
    }
    chain.reverse();
    steps.reverse();
    let mut walk = Walk {
        states: chain,
        steps,
    };
    let trigger_index = walk.steps.len();

    // Shortest path inside B to the nearest fair SCC.
    let scc = |w: u32| sccs.scc_of[w as usize];
    let (entry, edges) = g
        .bfs_path(
            t,
            |w| bad[w as usize] && scc(w) != NONE && sccs.reaches[scc(w) as usize],
            |w| Ok(sccs.fair[scc(w) as usize]),
            false,
        )?
        .ok_or(LivenessError::Internal("no path to a fair SCC"))?;
    for e in edges {
        walk.push_edge(g, e);
    }
    let loop_start = walk.steps.len();
    let c = scc(entry);
    let in_c = |w: u32| scc(w) == c;

    let deadlock = g.edges(entry).is_empty();
    let mut deadlock_at_boundary = false;
    if deadlock {
        let mut actions = Vec::new();
        let state = &*g.state(entry);
        model.actions(state, &mut actions);
        deadlock_at_boundary = actions
            .into_iter()
            .any(|a| model.next_state(state, a).is_some());
    } else {
        // Visit a witness of every fairness class not yet satisfied by the walk so far.
        let k = prop.fairness.len();
        let mut covered = vec![false; k];
        mark_covered(model, g, &prop.fairness, entry, None, &in_c, &mut covered)?;
        for (f, fc) in prop.fairness.iter().enumerate() {
            if covered[f] {
                continue;
            }
            let cur = walk.last();
            let (end, edges) = g
                .bfs_path(
                    cur,
                    in_c,
                    |u| Ok(class_witness(model, g, fc, u, &in_c)?.is_some()),
                    false,
                )?
                .ok_or(LivenessError::Internal("fairness witness not reachable"))?;
            for e in edges {
                let prev = walk.last();
                mark_covered(model, g, &prop.fairness, prev, Some(e), &in_c, &mut covered)?;
                walk.push_edge(g, e);
                let last = walk.last();
                mark_covered(model, g, &prop.fairness, last, None, &in_c, &mut covered)?;
            }
            if let Some(Some(e)) = class_witness(model, g, fc, end, &in_c)? {
                mark_covered(model, g, &prop.fairness, end, Some(e), &in_c, &mut covered)?;
                walk.push_edge(g, e);
                let last = walk.last();
                mark_covered(model, g, &prop.fairness, last, None, &in_c, &mut covered)?;
            }
            if !covered[f] {
                return Err(LivenessError::Internal("fairness witness not covered"));
            }
        }
        // Close the loop (with at least one edge).
        let cur = walk.last();
        if cur != entry || walk.steps.len() == loop_start {
            let (_, edges) = g
                .bfs_path(cur, in_c, |u| Ok(u == entry), cur == entry)?
                .ok_or(LivenessError::Internal("SCC not strongly connected"))?;
            for e in edges {
                walk.push_edge(g, e);
            }
        }
    }

    // Materialise states and actions.
    let states: Vec<M::State> = walk
        .states
        .iter()
        .map(|&v| g.state(v).into_owned())
        .collect();
    let mut actions = Vec::with_capacity(walk.steps.len());
    for (&src, &ai) in walk.states.iter().zip(&walk.steps) {
        let mut all = Vec::new();
        model.actions(&g.state(src), &mut all);
        let action =
            all.into_iter()
                .nth(ai as usize)
                .ok_or(LivenessError::NondeterministicActions {
                    state: src as usize,
                })?;
        actions.push(action);
    }
    let cycle = actions.split_off(loop_start);
    Ok(Lasso {
        prefix: actions,
        cycle,
        states,
        trigger_index,
        deadlock,
        deadlock_at_boundary,
    })
}

/// Marks in `covered` the classes disabled in state `u` (when `edge` is `None`) or taken by
/// internal edge `edge` out of `u`.
fn mark_covered<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fairness: &[Fairness<M>],
    u: u32,
    edge: Option<usize>,
    in_scc: &impl Fn(u32) -> bool,
    covered: &mut [bool],
) -> Result<(), LivenessError>
where
    M::State: Clone,
{
    if covered.iter().all(|&c| c) {
        return Ok(());
    }
    let actions = g.actions_of(model, u)?;
    let state = &*g.state(u);
    for (fc, cov) in fairness.iter().zip(covered.iter_mut()) {
        if *cov {
            continue;
        }
        *cov = match edge {
            Some(e) => {
                in_scc(g.targets[e]) && (fc.class)(model, state, &actions[g.action_idx[e] as usize])
            }
            None => !g
                .edges(u)
                .any(|e| (fc.class)(model, state, &actions[g.action_idx[e] as usize])),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
