//! How the search reached each node: the arena's [`Node`] (parent, position, depth) and its
//! [`Step`] (a model action, a guard step, or a matched event), interned in a [`StepTable`] so
//! that a step recurring along a trace is stored, and later rendered, once.

use super::transitions::Expansion;
use std::rc::Rc;
use swspec_model::{observe::GuardStep, Action, Obs};
use swspec_search::hash::{FastMap, KeyHasher};

/// How one search step got from a node to the next.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// A model action, with its observations (observed kinds only).
    Model(Action, Vec<Obs>),
    /// A guard step (no state change).
    Guard(GuardStep),
    /// The event on this line matched an obligation.
    Matched {
        /// Trace line.
        line: usize,
        /// The model observation it matched.
        obs: Obs,
    },
}

/// A search node. Its candidate lives in the agenda until it is expanded (and in the
/// frontier while it is among the furthest); its step is interned in a [`StepTable`].
pub(super) struct Node {
    /// The parent's arena index (`u32::MAX` for the root).
    pub(super) parent: u32,
    /// Trace position: the next event to match.
    pub(super) pos: u32,
    /// `u32::MAX` for the root.
    pub(super) step: u32,
    /// Unobservable steps since the last matched event.
    pub(super) depth: u8,
}

/// A child's step before it is interned: model steps point into their expansion.
pub(super) enum StepRef {
    Model(Rc<Expansion>, usize),
    Guard(GuardStep),
    Matched(Obs),
}

/// The distinct steps of the search (a node's [`Step::Matched`] line is its event's: the table
/// holds line 0).
#[derive(Default)]
pub(super) struct StepTable {
    /// The steps, by id.
    pub(super) steps: Vec<Step>,
    /// Content hash → the last step interned with it; `chain[i]`: the one before `i`.
    pub(super) index: FastMap<u64, u32>,
    /// Per step: the previous step with the same content hash (`u32::MAX`: none).
    pub(super) chain: Vec<u32>,
}

impl StepTable {
    /// The id of `step`, added when new.
    pub(super) fn intern(&mut self, step: StepRef) -> u32 {
        use std::hash::BuildHasher;
        let hasher = std::hash::BuildHasherDefault::<KeyHasher>::default();
        let h = match &step {
            StepRef::Model(x, i) => {
                let obs = x.succ[*i]
                    .get()
                    .and_then(Option::as_ref)
                    .map(|s| &s.obs[..]);
                hasher.hash_one((0u8, &x.actions[*i], obs))
            }
            StepRef::Guard(g) => hasher.hash_one((1u8, g)),
            StepRef::Matched(o) => hasher.hash_one((2u8, o)),
        };
        let head = self.index.get(&h).copied().unwrap_or(u32::MAX);
        let mut id = head;
        while id != u32::MAX {
            let same = match (&self.steps[id as usize], &step) {
                (Step::Model(a, obs), StepRef::Model(x, i)) => {
                    *a == x.actions[*i]
                        && x.succ[*i]
                            .get()
                            .and_then(Option::as_ref)
                            .is_some_and(|s| s.obs == *obs)
                }
                (Step::Guard(g), StepRef::Guard(h)) => g == h,
                (Step::Matched { obs, .. }, StepRef::Matched(o)) => obs == o,
                _ => false,
            };
            if same {
                return id;
            }
            id = self.chain[id as usize];
        }
        let new = self.steps.len() as u32;
        self.steps.push(match step {
            StepRef::Model(x, i) => Step::Model(
                x.actions[i].clone(),
                x.succ[i]
                    .get()
                    .and_then(Option::as_ref)
                    .map_or_else(Vec::new, |s| s.obs.clone()),
            ),
            StepRef::Guard(g) => Step::Guard(g),
            StepRef::Matched(obs) => Step::Matched { line: 0, obs },
        });
        self.chain.push(head);
        self.index.insert(h, new);
        new
    }
}
