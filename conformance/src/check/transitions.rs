//! The model's steps from one state ([`Expansion`]): its actions, each one's successor and
//! observations computed when first needed, and its guard steps; kept in a cache by state
//! fingerprint (the same states recur along a trace), emptied when it holds
//! [`TRANSITION_CACHE`] states.

use super::candidate::{Cand, State};
use super::prepare::shape_hash;
use super::search::Search;
use std::cell::OnceCell;
use std::rc::Rc;
#[cfg(doc)]
use swspec_model::Observation;
use swspec_model::{observe::GuardStep, Action, Channel, Obs, SwModel, SwState};

/// The kinds a guard step (`SwModel::guard_steps`) starts with (the model lists them).
pub(super) use swspec_model::observe::GUARD_KINDS;

/// The model's steps from one state: its actions, and each one's successor once computed.
pub(super) struct Expansion {
    /// The state.
    pub(super) state: Rc<State>,
    /// The state's enabled actions, in the model's order.
    pub(super) actions: Vec<Action>,
    /// Per action: the kind of its call when that is an observed driver step.
    pub(super) driver_calls: Vec<Option<usize>>,
    /// Per action: its successor (`None`: disabled or out of bounds), computed when first needed.
    pub(super) succ: Vec<OnceCell<Option<Successor>>>,
    /// The state's guard steps, computed when an event of a guard kind first needs them.
    pub(super) guards: OnceCell<Vec<Guard>>,
}

/// A guard step ([`SwModel::guard_steps`]) ready for matching.
pub(super) struct Guard {
    /// The guard step: its call first, then its other observations.
    pub(super) step: GuardStep,
    /// The call's kind ([`Observation::kind_index`]) and shape hash.
    pub(super) kind: usize,
    pub(super) shape: u64,
    /// The step's other observations of observed kinds, and their shape hashes.
    pub(super) rest: Vec<Obs>,
    pub(super) rest_shapes: Vec<u64>,
}

/// A model step's outcome.
pub(super) struct Successor {
    /// The next state.
    pub(super) next: Rc<State>,
    /// Its observations of observed kinds, and their shape hashes.
    pub(super) obs: Vec<Obs>,
    pub(super) shapes: Vec<u64>,
}

/// States whose expansions the cache holds at most (it is emptied when full).
const TRANSITION_CACHE: usize = 4096;

impl Search<'_> {
    /// The model's steps from `cand`'s state, from the cache of transitions when it holds the
    /// state (the same states recur along a trace).
    pub(super) fn expansion(&self, cand: &Cand) -> Rc<Expansion> {
        let mut cache = self.transitions.borrow_mut();
        if let Some(x) = cache.get(&cand.s.fp) {
            if Rc::ptr_eq(&x.state, &cand.s) || x.state.s == cand.s.s {
                return Rc::clone(x);
            }
        }
        let mut actions = Vec::new();
        stateright::Model::actions(self.model, &cand.s, &mut actions);
        let driver_calls = actions
            .iter()
            .map(|a| {
                SwModel::call_observation(&cand.s, a)
                    .filter(|call| call.channel() == Channel::Driver && self.observed(call))
                    .map(|call| call.kind_index())
            })
            .collect();
        let succ = actions.iter().map(|_| OnceCell::new()).collect();
        let x = Rc::new(Expansion {
            state: Rc::clone(&cand.s),
            actions,
            driver_calls,
            succ,
            guards: OnceCell::new(),
        });
        if cache.len() >= TRANSITION_CACHE {
            cache.clear();
        }
        cache.insert(cand.s.fp, Rc::clone(&x));
        x
    }

    /// The guard steps from `s`, ready for matching.
    pub(super) fn guards(&self, s: &SwState) -> Vec<Guard> {
        self.model
            .guard_steps(s)
            .into_iter()
            .map(|step| {
                let rest: Vec<Obs> = step[1..]
                    .iter()
                    .filter(|o| self.observed(o))
                    .cloned()
                    .collect();
                Guard {
                    kind: step[0].kind_index(),
                    shape: shape_hash(&step[0]),
                    rest_shapes: rest.iter().map(shape_hash).collect(),
                    rest,
                    step,
                }
            })
            .collect()
    }

    /// The step `a` from `s`, unless it is disabled or leaves the model's bounds.
    pub(super) fn successor(&self, s: &SwState, a: &Action) -> Option<Successor> {
        let next = stateright::Model::next_state(self.model, s, a.clone())?;
        if !stateright::Model::within_boundary(self.model, &next) {
            return None;
        }
        let obs: Vec<Obs> = self
            .model
            .observe(s, a, &next)
            .into_iter()
            .filter_map(|o| self.seen(o))
            .collect();
        Some(Successor {
            shapes: obs.iter().map(shape_hash).collect(),
            obs,
            next: State::new(next),
        })
    }
}
