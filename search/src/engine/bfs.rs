//! Breadth-first search, level by level, over compact frontiers, in parallel.
//!
//! Level `d + 1` is built from level `d` by `threads` workers taking chunks of the frontier.
//! Each frontier state is packed ([`super::codec`]) in one byte arena per worker; the visited
//! set maps each fingerprint to its parent's and its level, from which discovery paths are
//! rebuilt at the end. Every choice that could depend on thread timing is made deterministic:
//! a level is always finished before the search stops for its discoveries, the discovery kept
//! for a property is the lowest-fingerprint one at the lowest level, and the reduction's cycle
//! proviso looks only at levels already complete. So unique counts and verdicts do not depend
//! on the thread count (the state and memory limits stop mid-level and are reported as limits).

use super::codec::Codec;
use super::memory::MemoryBound;
use super::props::{Found, Props};
use super::reduce::{candidates, Reduction};
use super::visited::{omission_probability, Fp, Insert, Key, Visited};
use super::{
    ensure_packed, key_owned, memory_stop, poll, refind, results, Fingerprint, Options, Report,
    Stop, Trail, POLL_EVERY,
};
use stateright::Model;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Frontier states a worker takes at a time: large enough that the shared cursor is rarely
/// contended, small enough that workers finish a level together.
const CHUNK: usize = 256;

/// Levels smaller than this are expanded on the calling thread (spawning costs more).
const PARALLEL_FROM: usize = 4 * CHUNK;

/// One level's states, packed back to back.
struct Level<K> {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    keys: Vec<K>,
    ebits: Vec<u64>,
}

impl<K: Key> Level<K> {
    fn new() -> Self {
        Level {
            bytes: Vec::new(),
            ends: Vec::new(),
            keys: Vec::new(),
            ebits: Vec::new(),
        }
    }
    fn len(&self) -> usize {
        self.keys.len()
    }
    fn get(&self, i: usize) -> (&[u8], K, u64) {
        let from = if i == 0 { 0 } else { self.ends[i - 1] };
        (&self.bytes[from..self.ends[i]], self.keys[i], self.ebits[i])
    }
    /// Bytes the level's vectors would allocate if `more` packed bytes pushed them to grow.
    fn growth(&self, more: usize) -> u64 {
        let mut g = 0;
        if self.bytes.len() + more > self.bytes.capacity() {
            g += (self.bytes.capacity().max(more) * 2) as u64;
        }
        if self.keys.len() == self.keys.capacity() {
            let per = std::mem::size_of::<usize>() + std::mem::size_of::<K>() + 8;
            g += (self.keys.capacity().max(8) * 2 * per) as u64;
        }
        g
    }
    /// Appends a state unless growing the vectors would break `bound`.
    fn push(&mut self, packed: &[u8], key: K, ebits: u64, bound: &MemoryBound) -> bool {
        let g = self.growth(packed.len());
        if g > 0 && !bound.allows(g) {
            return false;
        }
        self.bytes.extend_from_slice(packed);
        self.ends.push(self.bytes.len());
        self.keys.push(key);
        self.ebits.push(ebits);
        true
    }
    fn append(&mut self, other: Level<K>) {
        let base = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.keys.extend(other.keys);
        self.ebits.extend(other.ebits);
    }
}

/// Exhaustive breadth-first search of `model` on `opts.threads` threads. See the module docs.
pub fn bfs<M, C, R>(model: &M, codec: &C, reduction: &R, opts: &Options<M>) -> Report
where
    M: Model + Sync,
    M::State: Hash + Clone + Send,
    M::Action: Clone,
    C: Codec<M::State>,
    R: Reduction<M>,
{
    match opts.fingerprint {
        Fingerprint::Full => run::<M, C, R, Fp>(model, codec, reduction, opts),
        Fingerprint::Compact => run::<M, C, R, u64>(model, codec, reduction, opts),
    }
}

/// What the workers share.
struct Shared<'a, M: Model, C, R, K> {
    model: &'a M,
    codec: &'a C,
    reduction: &'a R,
    opts: &'a Options<M>,
    props: Props<M>,
    found: Found<K>,
    /// fingerprint → (parent fingerprint, level)
    visited: Visited<K, (K, u32)>,
    unique: AtomicU64,
    transitions: AtomicU64,
    reduced: AtomicU64,
    packed_bytes: AtomicU64,
    halt: AtomicBool,
    stop: Mutex<Option<Stop>>,
    start: Instant,
}

impl<M: Model, C, R, K> Shared<'_, M, C, R, K> {
    fn halt_with(&self, stop: Stop) {
        if let Ok(mut s) = self.stop.lock() {
            s.get_or_insert(stop);
        }
        self.halt.store(true, Ordering::Relaxed);
    }
}

fn run<M, C, R, K>(model: &M, codec: &C, reduction: &R, opts: &Options<M>) -> Report
where
    M: Model + Sync,
    M::State: Hash + Clone + Send,
    M::Action: Clone,
    C: Codec<M::State>,
    R: Reduction<M>,
    K: Key,
{
    let props = Props::new(model);
    let sh = Shared {
        model,
        codec,
        reduction,
        opts,
        found: Found::<K>::new(props.list.len()),
        props,
        visited: Visited::default(),
        unique: AtomicU64::new(0),
        transitions: AtomicU64::new(0),
        reduced: AtomicU64::new(0),
        packed_bytes: AtomicU64::new(0),
        halt: AtomicBool::new(false),
        stop: Mutex::new(None),
        start: Instant::now(),
    };
    let mut level = seed(&sh);
    let mut depth = 0u32;
    let mut depth_cut = false;
    while level.len() > 0 && !sh.halt.load(Ordering::Relaxed) {
        if sh.found.all() && opts.stop_when_all_discovered {
            sh.halt_with(Stop::AllDiscovered);
            break;
        }
        if opts.max_depth.is_some_and(|d| depth >= d) {
            depth_cut = true;
            break;
        }
        level = expand_level(&sh, &level, depth);
        if level.len() > 0 {
            depth += 1;
        }
    }
    let stop = sh.stop.lock().ok().and_then(|mut s| s.take());
    let stop = stop.unwrap_or(if sh.found.all() && opts.stop_when_all_discovered {
        Stop::AllDiscovered
    } else {
        Stop::Complete
    });
    let decided = stop.exhaustive() && !depth_cut;
    let unique = sh.unique.load(Ordering::Relaxed);
    let found: Vec<Option<Option<Trail>>> = {
        let keys = sh.found.into_vec();
        keys.into_iter()
            .map(|k| k.map(|k| refind(model, codec, opts.symmetry, &chain(&sh.visited, k), &[])))
            .collect()
    };
    Report {
        properties: results(&sh.props, found, decided),
        unique,
        transitions: sh.transitions.load(Ordering::Relaxed),
        max_depth: u64::from(depth),
        depth_cut,
        reduced: sh.reduced.load(Ordering::Relaxed),
        stop,
        elapsed: sh.start.elapsed(),
        peak_resident: opts.memory.peak(),
        visited_bytes: sh.visited.table_bytes(),
        bytes_per_state: sh.packed_bytes.load(Ordering::Relaxed) as f64 / unique.max(1) as f64,
        fingerprint_bits: K::BITS,
        omission_probability: omission_probability(unique, K::BITS),
    }
}

/// Level 0: the initial states inside the boundary.
fn seed<M, C, R, K>(sh: &Shared<'_, M, C, R, K>) -> Level<K>
where
    M: Model,
    M::State: Hash + Clone,
    C: Codec<M::State>,
    K: Key,
{
    let mut level = Level::new();
    let mut scratch = Vec::new();
    for s in sh.model.init_states() {
        if !sh.model.within_boundary(&s) {
            continue;
        }
        let mut stored = s;
        let key: K = key_owned::<M, C, K>(sh.codec, &mut stored, sh.opts.symmetry, &mut scratch);
        match sh.visited.insert(key, (key, 0), &sh.opts.memory) {
            Insert::Seen(_) => continue,
            Insert::NoMemory => {
                sh.halt_with(memory_stop(&sh.opts.memory));
                break;
            }
            Insert::New => {}
        }
        sh.unique.fetch_add(1, Ordering::Relaxed);
        let mut ebits = sh.props.initial_ebits();
        let mut hits = Vec::new();
        sh.props
            .visit(sh.model, &stored, &mut ebits, |_| true, |i| hits.push(i));
        for i in hits {
            sh.found.offer(i, 0, key.rank(), key);
        }
        ensure_packed(sh.codec, &stored, &mut scratch);
        sh.packed_bytes
            .fetch_add(scratch.len() as u64, Ordering::Relaxed);
        if !level.push(&scratch, key, ebits, &sh.opts.memory) {
            sh.halt_with(memory_stop(&sh.opts.memory));
            break;
        }
    }
    level
}

/// Level `depth + 1` from level `depth`, on the configured threads.
fn expand_level<M, C, R, K>(sh: &Shared<'_, M, C, R, K>, level: &Level<K>, depth: u32) -> Level<K>
where
    M: Model + Sync,
    M::State: Hash + Clone + Send,
    M::Action: Clone,
    C: Codec<M::State>,
    R: Reduction<M>,
    K: Key,
{
    let cursor = AtomicUsize::new(0);
    let threads = sh.opts.threads.max(1);
    if threads == 1 || level.len() < PARALLEL_FROM {
        return worker(sh, level, depth, &cursor);
    }
    let parts: Vec<Level<K>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| worker(sh, level, depth, &cursor)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut next = Level::new();
    for p in parts {
        next.append(p);
    }
    next
}

/// One worker: takes chunks of `level` until none is left, returns the new states it found.
fn worker<M, C, R, K>(
    sh: &Shared<'_, M, C, R, K>,
    level: &Level<K>,
    depth: u32,
    cursor: &AtomicUsize,
) -> Level<K>
where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
    C: Codec<M::State>,
    R: Reduction<M>,
    K: Key,
{
    let mut out = Level::new();
    let mut w = Work {
        actions: Vec::new(),
        scratch: Vec::new(),
        hits: Vec::new(),
        since_poll: 0,
    };
    loop {
        let from = cursor.fetch_add(CHUNK, Ordering::Relaxed);
        if from >= level.len() {
            break;
        }
        for i in from..(from + CHUNK).min(level.len()) {
            if sh.halt.load(Ordering::Relaxed) {
                return out;
            }
            let (bytes, key, ebits) = level.get(i);
            let state = sh.codec.decode(bytes);
            expand_one(sh, &state, key, ebits, depth, &mut out, &mut w);
        }
    }
    out
}

/// A worker's reusable buffers.
struct Work<A> {
    actions: Vec<A>,
    scratch: Vec<u8>,
    hits: Vec<usize>,
    since_poll: u64,
}

/// Expands one state of level `depth` into `out`.
fn expand_one<M, C, R, K>(
    sh: &Shared<'_, M, C, R, K>,
    state: &M::State,
    key: K,
    ebits: u64,
    depth: u32,
    out: &mut Level<K>,
    w: &mut Work<M::Action>,
) where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
    C: Codec<M::State>,
    R: Reduction<M>,
    K: Key,
{
    w.actions.clear();
    sh.model.actions(state, &mut w.actions);
    let class = if sh.opts.reduction {
        choose_class(sh, state, &w.actions, depth, &mut w.scratch)
    } else {
        None
    };
    let mut has_succ = false;
    let next_level = u64::from(depth) + 1;
    for action in &w.actions {
        if let Some(c) = class {
            if sh.reduction.class(sh.model, state, action) != Some(c) {
                continue;
            }
        }
        let mut succ = sh.model.next_state(state, action.clone());
        let Some(next) = succ.as_mut() else {
            continue;
        };
        if !sh.model.within_boundary(next) {
            continue;
        }
        has_succ = true;
        sh.transitions.fetch_add(1, Ordering::Relaxed);
        // The representative is what the level stores.
        let nkey: K = key_owned::<M, C, K>(sh.codec, next, sh.opts.symmetry, &mut w.scratch);
        let next = &*next;
        // Of several parents on this level, the lowest-ranked is kept, so paths do not depend on
        // which thread got there first.
        let lower = |new: &(K, u32), old: &(K, u32)| new.1 == old.1 && new.0.rank() < old.0.rank();
        match sh
            .visited
            .insert_or_replace(nkey, (key, depth + 1), &sh.opts.memory, lower)
        {
            Insert::Seen(_) => continue,
            Insert::NoMemory => return sh.halt_with(memory_stop(&sh.opts.memory)),
            Insert::New => {}
        }
        let n = sh.unique.fetch_add(1, Ordering::Relaxed) + 1;
        let mut e = ebits;
        w.hits.clear();
        sh.props.visit(
            sh.model,
            next,
            &mut e,
            |i| sh.found.level(i) >= next_level,
            |i| w.hits.push(i),
        );
        for &i in &w.hits {
            sh.found.offer(i, next_level, nkey.rank(), nkey);
        }
        ensure_packed(sh.codec, next, &mut w.scratch);
        sh.packed_bytes
            .fetch_add(w.scratch.len() as u64, Ordering::Relaxed);
        if !out.push(&w.scratch, nkey, e, &sh.opts.memory) {
            return sh.halt_with(memory_stop(&sh.opts.memory));
        }
        if sh.opts.max_states.is_some_and(|m| n >= m) {
            return sh.halt_with(Stop::StateLimit(n));
        }
        w.since_poll += 1;
        if w.since_poll >= POLL_EVERY {
            w.since_poll = 0;
            sh.opts.progress.publish(n, next_level);
            if let Some(stop) = poll(sh.opts, sh.start, 0) {
                return sh.halt_with(stop);
            }
        }
    }
    if !has_succ {
        w.hits.clear();
        sh.props.terminal(
            ebits,
            |i| sh.found.level(i) >= u64::from(depth),
            |i| w.hits.push(i),
        );
        for &i in &w.hits {
            sh.found.offer(i, u64::from(depth), key.rank(), key);
        }
    }
}

/// The reduced class for `state` at level `depth`, if one passes C0, C2 and C3 (see
/// [`super::reduce`]); the proviso rejects a class with a successor from this level or earlier.
fn choose_class<M, C, R, K>(
    sh: &Shared<'_, M, C, R, K>,
    state: &M::State,
    actions: &[M::Action],
    depth: u32,
    scratch: &mut Vec<u8>,
) -> Option<u32>
where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
    C: Codec<M::State>,
    R: Reduction<M>,
    K: Key,
{
    'class: for (class, members) in candidates(sh.reduction, sh.model, state, actions) {
        let mut any = false;
        for &i in &members {
            let Some(mut next) = sh.model.next_state(state, actions[i as usize].clone()) else {
                continue;
            };
            if !sh.model.within_boundary(&next) || !sh.props.same_labels(sh.model, state, &next) {
                continue 'class;
            }
            let k: K = key_owned::<M, C, K>(sh.codec, &mut next, sh.opts.symmetry, scratch);
            if sh.visited.get(k).is_some_and(|(_, l)| l <= depth) {
                continue 'class;
            }
            any = true;
        }
        if any {
            sh.reduced.fetch_add(1, Ordering::Relaxed);
            return Some(class);
        }
    }
    None
}

/// The fingerprints from an initial state to `key`, by parent links.
fn chain<K: Key>(visited: &Visited<K, (K, u32)>, mut key: K) -> Vec<K> {
    let mut keys = vec![key];
    while let Some((parent, level)) = visited.get(key) {
        if level == 0 {
            break;
        }
        keys.push(parent);
        key = parent;
    }
    keys.reverse();
    keys
}
