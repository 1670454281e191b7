//! Depth-first search over a stack of compact frames.
//!
//! Each frame holds its state packed, its fingerprint, the index of the next action to try,
//! the reduced class chosen for it (if any) and its `eventually` bits. The top `CACHE`
//! frames also keep their state unpacked, with its action list, so that returning to a frame
//! (once per state) costs neither an unpacking nor a new action list unless the search went
//! deeper than that meanwhile. A discovery's path is the frames' current action indices, so
//! nothing is copied per successor and memory is the visited set plus a stack linear in depth.
//!
//! Under symmetry the stack holds representatives (a successor is put into its representative
//! in place, packed once, and stored as it is); a discovery's path through them is turned into
//! one through the model's real states by `refind` (engine/mod.rs).

use super::codec::Codec;
use super::props::{Found, Props};
use super::reduce::{candidates, Reduction};
use super::visited::{omission_probability, Fp, Insert, Key, Table};
use super::{
    ensure_packed, key_owned, memory_stop, poll, refind, results, Fingerprint, Options, Report,
    Stop, Trail, POLL_EVERY,
};
use crate::hash::FastMap;
use stateright::Model;
use std::hash::Hash;
use std::time::Instant;

/// Marks a frame expanded fully (no reduced class).
const FULL: u32 = u32::MAX;

/// Frames whose state is also kept unpacked: a ring indexed by depth. 64 states of a model's
/// size are a few hundred kilobytes at most, and a depth-first search returns to a frame it
/// left fewer than 64 levels below nearly always.
const CACHE: usize = 64;

/// A cached frame's unpacked state and action list; `id` names the frame it belongs to.
struct Slot<S, A> {
    id: u64,
    state: Option<S>,
    actions: Vec<A>,
}

/// The slots of frames `parent` and `parent + 1` (distinct, since [`CACHE`] > 1).
fn two<T>(ring: &mut [T], parent: usize) -> (&mut T, &mut T) {
    let (p, c) = (parent % CACHE, (parent + 1) % CACHE);
    if p < c {
        let (a, b) = ring.split_at_mut(c);
        (&mut a[p], &mut b[0])
    } else {
        let (a, b) = ring.split_at_mut(p);
        (&mut b[0], &mut a[c])
    }
}

struct Frame<K> {
    /// Which push made this frame (matches its cache slot's `id` while the slot is its own).
    id: u64,
    /// Where the frame's packed state starts in the stack's byte arena.
    at: usize,
    key: K,
    /// Index of the next action to try in the state's action list.
    next: u32,
    /// The reduced class explored here, or [`FULL`].
    class: u32,
    ebits: u64,
    /// Whether an action led to a successor inside the boundary.
    has_succ: bool,
    /// Whether this frame was not expanded because of the depth bound.
    cut: bool,
}

/// Exhaustive depth-first search of `model` (one thread). See the module docs.
pub fn dfs<M, C, R>(model: &M, codec: &C, reduction: &R, opts: &Options<M>) -> Report
where
    M: Model + Sync,
    M::State: Hash + Clone,
    M::Action: Clone,
    C: Codec<M::State>,
    R: Reduction<M>,
{
    match opts.fingerprint {
        Fingerprint::Full => Dfs::<M, C, R, Fp>::new(model, codec, reduction, opts).run(),
        Fingerprint::Compact => Dfs::<M, C, R, u64>::new(model, codec, reduction, opts).run(),
    }
}

struct Dfs<'a, M: Model, C, R, K> {
    model: &'a M,
    codec: &'a C,
    reduction: &'a R,
    opts: &'a Options<M>,
    props: Props<M>,
    found: Found<Option<Trail>>,
    visited: Table<K, ()>,
    on_stack: FastMap<K, ()>,
    stack: Vec<Frame<K>>,
    /// The frames' packed states, back to back (a frame's bytes end where the next begins).
    arena: Vec<u8>,
    scratch: Vec<u8>,
    unique: u64,
    transitions: u64,
    max_depth: u64,
    depth_cut: bool,
    reduced: u64,
    packed_bytes: u64,
    packed_states: u64,
    pushes: u64,
}

impl<'a, M, C, R, K> Dfs<'a, M, C, R, K>
where
    M: Model + Sync,
    M::State: Hash + Clone,
    M::Action: Clone,
    C: Codec<M::State>,
    R: Reduction<M>,
    K: Key,
{
    fn new(model: &'a M, codec: &'a C, reduction: &'a R, opts: &'a Options<M>) -> Self {
        let props = Props::new(model);
        let found = Found::new(props.list.len());
        Dfs {
            model,
            codec,
            reduction,
            opts,
            props,
            found,
            visited: Table::default(),
            on_stack: FastMap::default(),
            stack: Vec::new(),
            arena: Vec::new(),
            scratch: Vec::new(),
            unique: 0,
            transitions: 0,
            max_depth: 0,
            depth_cut: false,
            reduced: 0,
            packed_bytes: 0,
            packed_states: 0,
            pushes: 0,
        }
    }

    fn run(mut self) -> Report {
        let start = Instant::now();
        let stop = self.explore(start);
        let stop = match stop {
            Some(s) => s,
            None if self.found.all() && self.opts.stop_when_all_discovered => Stop::AllDiscovered,
            None => Stop::Complete,
        };
        let decided = stop.exhaustive() && !self.depth_cut;
        let bits = K::BITS;
        let visited_bytes = self.visited.table_bytes();
        Report {
            properties: results(&self.props, self.found.into_vec(), decided),
            unique: self.unique,
            transitions: self.transitions,
            max_depth: self.max_depth,
            depth_cut: self.depth_cut,
            reduced: self.reduced,
            stop,
            elapsed: start.elapsed(),
            peak_resident: self.opts.memory.peak(),
            visited_bytes,
            bytes_per_state: self.packed_bytes as f64 / self.packed_states.max(1) as f64,
            fingerprint_bits: bits,
            omission_probability: omission_probability(self.unique, bits),
        }
    }

    /// The path to the top frame's state, plus `last` (an action index and the key of the
    /// state it leads to) if given.
    fn trail(&self, init: usize, last: Option<(usize, K)>) -> Trail {
        let n = self.stack.len().saturating_sub(1);
        let mut actions: Vec<usize> = self.stack[..n]
            .iter()
            .map(|f| f.next as usize - 1)
            .collect();
        actions.extend(last.map(|(j, _)| j));
        if self.opts.symmetry.is_none() {
            return Trail { init, actions };
        }
        // A path through representatives: rebuilt through the real states.
        let mut keys: Vec<K> = self.stack.iter().map(|f| f.key).collect();
        keys.extend(last.map(|(_, k)| k));
        refind(self.model, self.codec, self.opts.symmetry, &keys, &actions)
            .unwrap_or(Trail { init, actions })
    }

    /// Records a new state: counts and properties. Returns the state's `eventually` bits.
    fn discover(
        &mut self,
        state: &M::State,
        ebits: u64,
        init: usize,
        last: Option<(usize, K)>,
    ) -> u64 {
        let mut ebits = ebits;
        let mut hits = Vec::new();
        self.props.visit(
            self.model,
            state,
            &mut ebits,
            |i| !self.found.has(i),
            |i| hits.push(i),
        );
        if !hits.is_empty() {
            let t = self.trail(init, last);
            for i in hits {
                self.found.offer(i, 0, 0, Some(t.clone()));
            }
        }
        ebits
    }

    /// Pushes a frame for `state` (a representative under symmetry); `self.scratch` holds its
    /// packed form if the key function left it there.
    fn push(&mut self, state: &M::State, key: K, ebits: u64, depth: u64) {
        ensure_packed(self.codec, state, &mut self.scratch);
        let at = self.arena.len();
        self.arena.extend_from_slice(&self.scratch);
        self.packed_bytes += self.scratch.len() as u64;
        self.packed_states += 1;
        let cut = self.opts.max_depth.is_some_and(|d| depth >= u64::from(d));
        self.depth_cut |= cut;
        self.max_depth = self.max_depth.max(depth);
        if self.opts.reduction {
            self.on_stack.insert(key, ());
        }
        self.pushes += 1;
        self.stack.push(Frame {
            id: self.pushes,
            at,
            key,
            next: 0,
            class: FULL,
            ebits,
            has_succ: false,
            cut,
        });
    }

    /// Runs the search; `Some(stop)` when a limit ended it.
    fn explore(&mut self, start: Instant) -> Option<Stop> {
        let inits: Vec<M::State> = self.model.init_states();
        let mut cache: Vec<Slot<M::State, M::Action>> = (0..CACHE)
            .map(|_| Slot {
                id: 0,
                state: None,
                actions: Vec::new(),
            })
            .collect();
        for (init, s) in inits.into_iter().enumerate() {
            if !self.model.within_boundary(&s) {
                continue;
            }
            let mut s = s;
            let key: K =
                key_owned::<M, C, K>(self.codec, &mut s, self.opts.symmetry, &mut self.scratch);
            match self.visited.insert(key, (), &self.opts.memory) {
                Insert::Seen(()) => continue,
                Insert::NoMemory => return Some(memory_stop(&self.opts.memory)),
                Insert::New => {}
            }
            self.unique += 1;
            let e = self.discover(&s, self.props.initial_ebits(), init, None);
            self.push(&s, key, e, 0);
            let slot = &mut cache[0];
            slot.actions.clear();
            self.model.actions(&s, &mut slot.actions);
            self.choose_class(&s, &slot.actions);
            slot.id = self.pushes;
            slot.state = Some(s);
            while let Some(stop) = self.step(init, &mut cache, start) {
                if let Some(stop) = stop {
                    return Some(stop);
                }
            }
            if self.found.all() && self.opts.stop_when_all_discovered {
                return None;
            }
        }
        None
    }

    /// Decides the top frame's reduced class (C0, C2 dynamic, C3 on the stack).
    fn choose_class(&mut self, state: &M::State, actions: &[M::Action]) {
        if !self.opts.reduction || self.stack.last().is_some_and(|f| f.cut) {
            return;
        }
        'class: for (class, members) in candidates(self.reduction, self.model, state, actions) {
            for &i in &members {
                let Some(mut next) = self.model.next_state(state, actions[i as usize].clone())
                else {
                    continue;
                };
                if !self.model.within_boundary(&next)
                    || !self.props.same_labels(self.model, state, &next)
                    || self.on_stack.contains_key(&key_owned::<M, C, K>(
                        self.codec,
                        &mut next,
                        self.opts.symmetry,
                        &mut self.scratch,
                    ))
                {
                    continue 'class;
                }
            }
            let any = members.iter().any(|&i| {
                self.model
                    .next_state(state, actions[i as usize].clone())
                    .is_some()
            });
            if any {
                if let Some(f) = self.stack.last_mut() {
                    f.class = class;
                }
                self.reduced += 1;
                return;
            }
        }
    }

    /// One move of the search: try the top frame's next action, descending into a new
    /// successor or popping the frame when it has none left. `None` when the stack is empty;
    /// `Some(Some(stop))` when a limit or the discoveries end the search.
    fn step(
        &mut self,
        init: usize,
        cache: &mut [Slot<M::State, M::Action>],
        start: Instant,
    ) -> Option<Option<Stop>> {
        let depth = self.stack.len() as u64;
        let frame = self.stack.last_mut()?;
        let (slot, child) = two(cache, depth as usize - 1);
        if slot.id != frame.id || slot.state.is_none() {
            // The search went deeper than the cache since this frame was left.
            let s = self.codec.decode(&self.arena[frame.at..]);
            slot.actions.clear();
            self.model.actions(&s, &mut slot.actions);
            slot.state = Some(s);
            slot.id = frame.id;
        }
        let state = slot.state.as_ref()?;
        let actions = &slot.actions;
        while !frame.cut && (frame.next as usize) < actions.len() {
            let j = frame.next as usize;
            frame.next += 1;
            let action = &actions[j];
            if frame.class != FULL
                && self.reduction.class(self.model, state, action) != Some(frame.class)
            {
                continue;
            }
            // Kept in its `Option` (moving a large state out would copy it).
            let mut succ = self.model.next_state(state, action.clone());
            let Some(next) = succ.as_mut() else {
                continue;
            };
            if !self.model.within_boundary(next) {
                continue;
            }
            frame.has_succ = true;
            self.transitions += 1;
            let key: K =
                key_owned::<M, C, K>(self.codec, next, self.opts.symmetry, &mut self.scratch);
            match self.visited.insert(key, (), &self.opts.memory) {
                Insert::Seen(()) => continue,
                Insert::NoMemory => return Some(Some(memory_stop(&self.opts.memory))),
                Insert::New => {}
            }
            let ebits = frame.ebits;
            self.unique += 1;
            let Some(next) = succ.as_ref() else {
                continue;
            };
            let e = self.discover(next, ebits, init, Some((j, key)));
            if self.found.all() && self.opts.stop_when_all_discovered {
                return Some(Some(Stop::AllDiscovered));
            }
            if let Some(limit) = self.opts.max_states {
                if self.unique >= limit {
                    return Some(Some(Stop::StateLimit(limit)));
                }
            }
            if self.unique % POLL_EVERY == 0 {
                self.opts.progress.publish(self.unique, self.max_depth);
                if let Some(stop) = poll(self.opts, start, 0) {
                    return Some(Some(stop));
                }
            }
            self.push(next, key, e, depth);
            child.actions.clear();
            self.model.actions(next, &mut child.actions);
            self.choose_class(next, &child.actions);
            child.id = self.pushes;
            child.state = succ;
            return Some(None);
        }
        // Every action tried: a state with no successor ends its paths here.
        if !frame.has_succ && !frame.cut {
            let ebits = frame.ebits;
            let mut hits = Vec::new();
            self.props
                .terminal(ebits, |i| !self.found.has(i), |i| hits.push(i));
            for i in hits {
                let t = self.trail(init, None);
                self.found.offer(i, 0, 0, Some(t));
            }
        }
        if let Some(f) = self.stack.pop() {
            self.arena.truncate(f.at);
            if self.opts.reduction {
                self.on_stack.remove(&f.key);
            }
        }
        Some(None)
    }
}
