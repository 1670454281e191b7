//! The checked properties and what has been discovered about them: shared by every search.
//!
//! Semantics are stateright's, so verdicts can be compared with its checker: `always` is
//! discovered by a reachable state where it fails, `sometimes` by one where it holds, and
//! `eventually` by a path to a terminal state (no successor inside the boundary) on which it
//! never held. (`eventually` is unsound on cycles, as in stateright; `liveness` is the sound
//! check.)

use stateright::{Expectation, Model, Property};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// At most this many `eventually` properties (one bit each in a frame).
pub const MAX_EVENTUALLY: usize = 64;

/// The model's properties, in `Model::properties` order.
pub(crate) struct Props<M: Model> {
    pub list: Vec<Property<M>>,
}

impl<M: Model> Props<M> {
    pub fn new(model: &M) -> Self {
        let list = model.properties();
        let ev = list
            .iter()
            .filter(|p| p.expectation == Expectation::Eventually)
            .count();
        assert!(
            ev <= MAX_EVENTUALLY,
            "at most {MAX_EVENTUALLY} eventually properties (the model has {ev})"
        );
        Props { list }
    }

    /// The `eventually` bits a path starts with: every `eventually` property still owed.
    pub fn initial_ebits(&self) -> u64 {
        self.list
            .iter()
            .enumerate()
            .filter(|(_, p)| p.expectation == Expectation::Eventually)
            .fold(0, |b, (i, _)| b | 1 << i)
    }

    /// Evaluates the properties at `state` reached with `ebits` owed: clears the `eventually`
    /// bits satisfied here and calls `discover` with each property index `state` discovers
    /// (`want(i)`: whether a discovery for property `i` is still of use).
    pub fn visit(
        &self,
        model: &M,
        state: &M::State,
        ebits: &mut u64,
        want: impl Fn(usize) -> bool,
        mut discover: impl FnMut(usize),
    ) {
        for (i, p) in self.list.iter().enumerate() {
            match p.expectation {
                Expectation::Always => {
                    if want(i) && !(p.condition)(model, state) {
                        discover(i);
                    }
                }
                Expectation::Sometimes => {
                    if want(i) && (p.condition)(model, state) {
                        discover(i);
                    }
                }
                Expectation::Eventually => {
                    if *ebits & (1 << i) != 0 && (p.condition)(model, state) {
                        *ebits &= !(1 << i);
                    }
                }
            }
        }
    }

    /// At a terminal state: each `eventually` property still owed is discovered.
    pub fn terminal(
        &self,
        ebits: u64,
        want: impl Fn(usize) -> bool,
        mut discover: impl FnMut(usize),
    ) {
        for i in 0..self.list.len() {
            if ebits & (1 << i) != 0 && want(i) {
                discover(i);
            }
        }
    }

    /// Whether every property's condition has one truth value at `a` and at `b` (the dynamic
    /// half of the visibility condition of partial-order reduction).
    pub fn same_labels(&self, model: &M, a: &M::State, b: &M::State) -> bool {
        self.list
            .iter()
            .all(|p| (p.condition)(model, a) == (p.condition)(model, b))
    }
}

/// The first discovery per property, chosen deterministically: the lowest `(level, rank)`
/// offered wins, so parallel searches report the same discovery whatever the thread timing.
pub(crate) struct Found<T> {
    slots: Mutex<Vec<Option<(u64, u128, T)>>>,
    levels: Vec<AtomicU64>,
    missing: AtomicUsize,
}

impl<T> Found<T> {
    pub fn new(n: usize) -> Self {
        Found {
            slots: Mutex::new((0..n).map(|_| None).collect()),
            levels: (0..n).map(|_| AtomicU64::new(u64::MAX)).collect(),
            missing: AtomicUsize::new(n),
        }
    }
    /// Whether property `i` has a discovery.
    pub fn has(&self, i: usize) -> bool {
        self.level(i) != u64::MAX
    }
    /// The level (depth) of property `i`'s discovery so far (`u64::MAX`: none).
    pub fn level(&self, i: usize) -> u64 {
        self.levels[i].load(Ordering::Relaxed)
    }
    /// Whether every property has a discovery.
    pub fn all(&self) -> bool {
        self.missing.load(Ordering::Relaxed) == 0
    }
    /// Offers a discovery for property `i`; kept if it is the first or ranks lower.
    pub fn offer(&self, i: usize, level: u64, rank: u128, t: T) {
        let Ok(mut s) = self.slots.lock() else { return };
        match &s[i] {
            None => {
                s[i] = Some((level, rank, t));
                self.levels[i].store(level, Ordering::Relaxed);
                self.missing.fetch_sub(1, Ordering::Relaxed);
            }
            Some((l, r, _)) if (level, rank) < (*l, *r) => {
                self.levels[i].store(level, Ordering::Relaxed);
                s[i] = Some((level, rank, t));
            }
            Some(_) => {}
        }
    }
    /// The discoveries, by property index.
    pub fn into_vec(self) -> Vec<Option<T>> {
        self.slots
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .map(|o| o.map(|(_, _, t)| t))
            .collect()
    }
}
