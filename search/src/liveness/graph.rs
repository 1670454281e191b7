//! The reachable state graph: its states (in full or packed), the exact state index, and the
//! compressed-sparse-row edges built by breadth-first search.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::ops::Range;

use super::{Limits, LivenessError, NONE, POLL_EVERY};
use crate::engine::codec::Codec;
use stateright::Model;

/// Where the graph keeps its states: in full ([`Vec`]) or packed ([`Packed`]).
pub(super) trait StateStore<S: Clone> {
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
pub(super) struct Packed<'a, S, C> {
    pub(super) codec: &'a C,
    pub(super) bytes: Vec<u8>,
    /// State `i` is `bytes[at[i]..at[i + 1]]`.
    pub(super) at: Vec<u64>,
    pub(super) scratch: RefCell<Vec<u8>>,
    pub(super) _state: PhantomData<fn() -> S>,
}

impl<'a, S, C> Packed<'a, S, C> {
    pub(super) fn new(codec: &'a C) -> Self {
        Packed {
            codec,
            bytes: Vec::new(),
            at: vec![0],
            scratch: RefCell::new(Vec::new()),
            _state: PhantomData,
        }
    }
    pub(super) fn slice(&self, i: u32) -> &[u8] {
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
pub(super) fn to_u32(i: usize) -> u32 {
    debug_assert!(i < NONE as usize);
    i as u32
}

/// Deterministic 64-bit hash of a state (SipHash with fixed keys); used only for lookups.
pub(super) fn fingerprint<T: Hash>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

pub(super) type FpMap<V> = crate::hash::FastMap<u64, V>;

/// Exact state → index lookup: fingerprint first, then `Eq` on the stored state. The rare
/// second and later states with an equal fingerprint go to `overflow`.
#[derive(Default)]
pub(super) struct StateIndex {
    pub(super) primary: FpMap<u32>,
    pub(super) overflow: FpMap<Vec<u32>>,
}

impl StateIndex {
    /// The index with fingerprint `fp` whose stored state `is` the one looked up.
    pub(super) fn find(&self, fp: u64, is: impl Fn(u32) -> bool) -> Option<u32> {
        let &first = self.primary.get(&fp)?;
        if is(first) {
            return Some(first);
        }
        self.overflow.get(&fp)?.iter().copied().find(|&i| is(i))
    }

    pub(super) fn insert(&mut self, fp: u64, index: u32) {
        match self.primary.entry(fp) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.overflow.entry(fp).or_default().push(index);
            }
        }
    }

    pub(super) fn bytes(&self) -> usize {
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
pub(super) struct Graph<'a, S> {
    /// The states, in full or packed ([`StateStore`]).
    pub(super) states: Box<dyn StateStore<S> + 'a>,
    /// Edges of state `v` are `offsets[v]..offsets[v + 1]`.
    pub(super) offsets: Vec<usize>,
    /// Target state of each edge.
    pub(super) targets: Vec<u32>,
    /// Index of each edge's action in `Model::actions` of its source state.
    pub(super) action_idx: Vec<u32>,
    /// BFS-tree parent of each state (`NONE` for initial states).
    pub(super) parent: Vec<u32>,
    /// Action index from the parent to the state.
    pub(super) parent_action: Vec<u32>,
}

impl<'a, S: Clone> Graph<'a, S> {
    pub(super) fn build<M>(
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
    pub(super) fn intern(
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

    pub(super) fn len(&self) -> usize {
        self.states.len()
    }

    pub(super) fn edges(&self, v: u32) -> Range<usize> {
        self.offsets[v as usize]..self.offsets[v as usize + 1]
    }

    /// The state with index `v` (borrowed when stored in full, unpacked otherwise).
    pub(super) fn state(&self, v: u32) -> Cow<'_, S> {
        self.states.get(v)
    }

    /// Bytes the next growth of the graph's arrays may allocate in one piece (a vector that is
    /// nearly full doubles), so that the memory bound is asked before, not after.
    pub(super) fn growth_bytes(&self) -> u64 {
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

    pub(super) fn bytes(&self) -> usize {
        self.states.bytes()
            + self.offsets.capacity() * std::mem::size_of::<usize>()
            + (self.targets.capacity()
                + self.action_idx.capacity()
                + self.parent.capacity()
                + self.parent_action.capacity())
                * 4
    }

    /// Recomputes the actions of state `v` and checks that every stored edge's index exists.
    pub(super) fn actions_of<M: Model<State = S>>(
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
    pub(super) fn bfs_path(
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
    pub(super) fn unwind(
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
