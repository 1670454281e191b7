//! # The exploration engine
//!
//! Exhaustive (and randomized) state-space search over any stateright [`Model`], built so that
//! memory stays within a bound the caller sets and grows with the number of states at a few
//! tens of bytes each, not with their full size:
//!
//! - [`dfs()`]: depth-first search over a stack of frames (the state's compact form, the next
//!   action index, the `eventually` bits). A discovery's path is read off the stack; nothing is
//!   copied per successor, so memory is linear in depth.
//! - [`bfs()`]: level-by-level breadth-first search, parallel over `threads`; each frontier
//!   state is kept compact, the visited set keeps a parent fingerprint per state, and paths
//!   are rebuilt from them. Unique counts do not depend on the thread count.
//! - [`swarm()`]: many randomized depth-bounded searches for a time budget, for spaces no
//!   machine can exhaust.
//!
//! States are packed by a [`codec::Codec`] ([`pack::Pack`] bits, or serde) for stacks and
//! frontiers; the visited set holds only fingerprints ([`visited`]). Partial-order reduction
//! ([`reduce`]) and symmetry (a representative function) shrink the space; a
//! [`memory::MemoryBound`] and a [`memory::StopFlag`] end a search cleanly with partial
//! results ([`Report`]): which properties were decided, the counts, and why it stopped.

pub mod bfs;
pub mod codec;
pub mod dfs;
pub mod memory;
pub mod pack;
pub(crate) mod props;
pub mod reduce;
pub mod swarm;
pub mod visited;

pub use bfs::bfs;
pub use dfs::dfs;
pub use swarm::{swarm, SwarmOptions, SwarmReport};

use crate::hash::{fingerprint128, fingerprint_bytes};
use memory::{MemoryBound, StopFlag};
use stateright::{Expectation, Model};
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use visited::Key;

/// Puts a state into the representative of its symmetry class, in place (so a state that is
/// already its own representative costs no copy). [`representative`] adapts stateright's
/// `Representative`.
pub type Symmetry<M> = fn(&mut <M as Model>::State);

/// Symmetry through stateright's [`stateright::Representative`] (a copy per state; a model
/// with an in-place canonical form passes that instead).
pub fn representative<S: stateright::Representative>(state: &mut S) {
    *state = state.representative();
}

/// Width of the fingerprints kept in the visited set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fingerprint {
    /// 128 bits (default): an omission is astronomically unlikely (reported anyway).
    #[default]
    Full,
    /// 64 bits, hash compaction: 16 bytes less per state, at a reported omission probability.
    Compact,
}

impl Fingerprint {
    /// Bits per stored fingerprint.
    pub fn bits(self) -> u32 {
        match self {
            Fingerprint::Full => visited::Fp::BITS,
            Fingerprint::Compact => u64::BITS,
        }
    }
}

/// How a search runs. Every knob has a default ([`Options::default`]).
pub struct Options<M: Model> {
    /// Representative function for symmetry reduction. Default: none.
    pub symmetry: Option<Symmetry<M>>,
    /// Worker threads of [`bfs()`] and [`swarm()`] (range 1..; [`dfs()`] uses one). Default: 1.
    pub threads: usize,
    /// Stop after this many unique states (a limit, reported as such). Default: none.
    pub max_states: Option<u64>,
    /// States this many steps from an initial state are checked but not expanded (verdicts
    /// that need the whole space are then `unknown`). Default: none.
    pub max_depth: Option<u32>,
    /// Resident-memory bound. Default: 80 % of physical memory.
    pub memory: MemoryBound,
    /// Set it (e.g. from a SIGINT handler) to stop the search cleanly. Default: a fresh flag.
    pub stop: StopFlag,
    /// Visited-set fingerprint width. Default: [`Fingerprint::Full`].
    pub fingerprint: Fingerprint,
    /// Partial-order reduction through the model's [`reduce::Reduction`]. Default: off.
    pub reduction: bool,
    /// Stop once every property has a discovery (as stateright does). Default: true.
    pub stop_when_all_discovered: bool,
    /// Wall-clock budget (a limit, reported as such). Default: none.
    pub time_limit: Option<Duration>,
    /// Counters the search publishes for a progress line. Default: fresh counters.
    pub progress: Progress,
}

/// Counters a search publishes every few thousand states (unique states, depth), so another
/// thread can print progress without slowing the search.
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<[AtomicU64; 2]>);

impl Progress {
    /// Publishes the unique-state count and the depth reached.
    pub fn publish(&self, unique: u64, depth: u64) {
        self.0[0].store(unique, Ordering::Relaxed);
        self.0[1].fetch_max(depth, Ordering::Relaxed);
    }
    /// The last published unique-state count and greatest depth.
    pub fn read(&self) -> (u64, u64) {
        (
            self.0[0].load(Ordering::Relaxed),
            self.0[1].load(Ordering::Relaxed),
        )
    }
}

impl<M: Model> Default for Options<M> {
    fn default() -> Self {
        Options {
            symmetry: None,
            threads: 1,
            max_states: None,
            max_depth: None,
            memory: MemoryBound::default(),
            stop: StopFlag::new(),
            fingerprint: Fingerprint::Full,
            reduction: false,
            stop_when_all_discovered: true,
            time_limit: None,
            progress: Progress::default(),
        }
    }
}

/// Why a search ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Every reachable state (within the boundary and depth) was explored.
    Complete,
    /// Every property had a discovery, so nothing was left to decide.
    AllDiscovered,
    /// The unique-state limit was reached.
    StateLimit(u64),
    /// The memory bound was reached: resident bytes then, and the limit.
    MemoryLimit {
        /// Resident bytes then.
        resident: u64,
        /// The bound in bytes.
        limit: u64,
    },
    /// The stop flag was set (Ctrl-C).
    Interrupted,
    /// The time budget ran out.
    TimeLimit(Duration),
}

impl Stop {
    /// Whether the search saw every state it was asked to (so absence of a discovery proves).
    pub fn exhaustive(&self) -> bool {
        matches!(self, Stop::Complete | Stop::AllDiscovered)
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = |b: &u64| *b as f64 / (1u64 << 20) as f64;
        match self {
            Stop::Complete => write!(f, "complete"),
            Stop::AllDiscovered => write!(f, "every property has a discovery"),
            Stop::StateLimit(n) => write!(f, "state limit of {n} unique states reached"),
            Stop::MemoryLimit { resident, limit } => {
                write!(
                    f,
                    "memory bound reached: {:.0} MiB resident, limit {:.0} MiB",
                    mib(resident),
                    mib(limit)
                )
            }
            Stop::Interrupted => write!(f, "interrupted"),
            Stop::TimeLimit(d) => write!(f, "time budget of {:.1} s used up", d.as_secs_f64()),
        }
    }
}

/// A replayed path: its states (one more than its actions) and its actions.
pub type Replayed<M> = (Vec<<M as Model>::State>, Vec<<M as Model>::Action>);

/// A replayable path: an initial state's index in `Model::init_states`, then the index of each
/// action taken in its state's `Model::actions` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trail {
    /// Index of the initial state in `Model::init_states`.
    pub init: usize,
    /// Index of each action taken in its state's `Model::actions` list.
    pub actions: Vec<usize>,
}

impl Trail {
    /// The states and actions of the path, or `None` if an index no longer applies.
    pub fn replay<M: Model>(&self, model: &M) -> Option<Replayed<M>>
    where
        M::Action: Clone,
    {
        let mut state = model.init_states().into_iter().nth(self.init)?;
        let (mut states, mut taken, mut actions) = (Vec::new(), Vec::new(), Vec::new());
        for &i in &self.actions {
            actions.clear();
            model.actions(&state, &mut actions);
            let action = actions.get(i)?.clone();
            let next = model.next_state(&state, action.clone())?;
            states.push(std::mem::replace(&mut state, next));
            taken.push(action);
        }
        states.push(state);
        Some((states, taken))
    }
}

/// What the search established about one property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A discovery: a counterexample for `always`/`eventually`, an example for `sometimes`.
    /// `None` only when a breadth-first path could not be rebuilt (a representative function
    /// that is not a symmetry of the model).
    Discovered(Option<Trail>),
    /// The search was exhaustive and found none: `always`/`eventually` hold, a `sometimes`
    /// never happens.
    NoneExists,
    /// The search stopped before deciding.
    Unknown,
}

/// One property's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyResult {
    /// The property's name.
    pub name: &'static str,
    /// Always, sometimes or eventually.
    pub expectation: Expectation,
    /// What the search established.
    pub outcome: Outcome,
}

/// The result of a search: verdicts, counts, memory and why it stopped.
#[derive(Clone, Debug)]
pub struct Report {
    /// Per property, in `Model::properties` order.
    pub properties: Vec<PropertyResult>,
    /// Unique states (symmetry classes when a representative is used).
    pub unique: u64,
    /// Transitions taken (successors generated inside the boundary).
    pub transitions: u64,
    /// Greatest depth reached (steps from an initial state).
    pub max_depth: u64,
    /// Whether some state was left unexpanded by `max_depth`.
    pub depth_cut: bool,
    /// States expanded with a reduced (persistent) set.
    pub reduced: u64,
    /// Why the search ended.
    pub stop: Stop,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Highest resident set seen (bytes; `/proc/self/statm`, as `/usr/bin/time -v` reports).
    pub peak_resident: u64,
    /// Bytes held by the visited set's tables at the end.
    pub visited_bytes: u64,
    /// Mean packed size of a stored state, in bytes.
    pub bytes_per_state: f64,
    /// Fingerprint bits of the visited set.
    pub fingerprint_bits: u32,
    /// Probability that a state was missed by a fingerprint clash.
    pub omission_probability: f64,
}

impl Report {
    /// The result for the property named `name`.
    pub fn property(&self, name: &str) -> Option<&PropertyResult> {
        self.properties.iter().find(|p| p.name == name)
    }
    /// Unique states per second.
    pub fn rate(&self) -> f64 {
        self.unique as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The fingerprint key of `state`, which the caller has already put into its representative.
/// With a codec that [fingerprints packed bytes](codec::Codec::fingerprint_packed), the packed
/// form is left in `scratch` (so a new state is packed once; hashing a few dozen packed bytes
/// is cheaper than walking a large state's `Hash` stream); otherwise the `Hash` stream is
/// fingerprinted and `scratch` is left empty.
#[inline]
pub(crate) fn key_canonical<S: Hash, C: codec::Codec<S> + ?Sized, K: Key>(
    codec: &C,
    canonical: &S,
    scratch: &mut Vec<u8>,
) -> K {
    scratch.clear();
    if codec.fingerprint_packed() {
        codec.encode(canonical, scratch);
        K::from_fp(fingerprint_bytes(scratch))
    } else {
        K::from_fp(fingerprint128(canonical))
    }
}

/// Puts an owned `state` into its representative under `symmetry`, then [`key_canonical`].
#[inline]
pub(crate) fn key_owned<M: Model, C: codec::Codec<M::State> + ?Sized, K: Key>(
    codec: &C,
    state: &mut M::State,
    symmetry: Option<Symmetry<M>>,
    scratch: &mut Vec<u8>,
) -> K
where
    M::State: Hash,
{
    if let Some(f) = symmetry {
        f(state);
    }
    key_canonical(codec, state, scratch)
}

/// Makes sure `scratch` holds `state` packed (after a key function left it empty).
pub(crate) fn ensure_packed<S, C: codec::Codec<S> + ?Sized>(
    codec: &C,
    state: &S,
    scratch: &mut Vec<u8>,
) {
    if scratch.is_empty() {
        codec.encode(state, scratch);
    }
}

/// A replayable trail through real (not canonicalised) states whose fingerprints follow
/// `keys`, from the initial state whose key is `keys[0]`: at each step the action at `hint[i]`
/// if its successor has the next key (the searches hint the index they took in the
/// representative, right whenever no client was renamed), else the first that has. `None` if
/// some step has none (a representative function that is not a symmetry of the model).
pub(crate) fn refind<M, C, K>(
    model: &M,
    codec: &C,
    symmetry: Option<Symmetry<M>>,
    keys: &[K],
    hint: &[usize],
) -> Option<Trail>
where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
    C: codec::Codec<M::State> + ?Sized,
    K: Key,
{
    let mut scratch = Vec::new();
    let mut key = |s: M::State| -> K {
        let mut s = s;
        key_owned::<M, C, K>(codec, &mut s, symmetry, &mut scratch)
    };
    let inits = model.init_states();
    let first = *keys.first()?;
    let init = inits
        .iter()
        .position(|s| model.within_boundary(s) && key(s.clone()) == first)?;
    let mut state = inits.into_iter().nth(init)?;
    let mut trail = Trail {
        init,
        actions: Vec::new(),
    };
    let mut actions = Vec::new();
    for (i, &k) in keys.iter().enumerate().skip(1) {
        actions.clear();
        model.actions(&state, &mut actions);
        let mut leads = |j: usize| -> Option<M::State> {
            let n = model.next_state(&state, actions.get(j)?.clone())?;
            (model.within_boundary(&n) && key(n.clone()) == k).then_some(n)
        };
        let hinted = hint.get(i - 1).and_then(|&j| Some((j, leads(j)?)));
        let (j, next) = hinted.or_else(|| (0..actions.len()).find_map(|j| Some((j, leads(j)?))))?;
        trail.actions.push(j);
        state = next;
    }
    Some(trail)
}

/// The per-property results from the discoveries and whether the search was exhaustive.
pub(crate) fn results<M: Model>(
    props: &props::Props<M>,
    found: Vec<Option<Option<Trail>>>,
    decided: bool,
) -> Vec<PropertyResult> {
    props
        .list
        .iter()
        .zip(found)
        .map(|(p, f)| PropertyResult {
            name: p.name,
            expectation: p.expectation.clone(),
            outcome: match f {
                Some(t) => Outcome::Discovered(t),
                None if decided => Outcome::NoneExists,
                None => Outcome::Unknown,
            },
        })
        .collect()
}

/// How often (in new states) a search polls the memory bound, the stop flag and the clock:
/// a `/proc` read costs a few microseconds, so every 4096 states costs well under 1 %.
pub(crate) const POLL_EVERY: u64 = 4096;

/// The limit, if any, that ends a search now.
pub(crate) fn poll<M: Model>(
    opts: &Options<M>,
    start: std::time::Instant,
    extra: u64,
) -> Option<Stop> {
    if opts.stop.is_set() {
        return Some(Stop::Interrupted);
    }
    if let Some(t) = opts.time_limit {
        if start.elapsed() >= t {
            return Some(Stop::TimeLimit(t));
        }
    }
    if !opts.memory.allows(extra) {
        return Some(memory_stop(&opts.memory));
    }
    None
}

/// The memory-limit stop, with the resident figure now.
pub fn memory_stop(bound: &MemoryBound) -> Stop {
    Stop::MemoryLimit {
        resident: bound.resident(),
        limit: bound.limit(),
    }
}
