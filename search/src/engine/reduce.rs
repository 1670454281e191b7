//! Partial-order reduction: persistent (ample) sets, with every property kept.
//!
//! In a state, the engine may explore only the enabled actions of one *class* instead of all
//! of them. The model says which actions may form such a set ([`Reduction`]); the engine
//! accepts a class only when all of these hold, and otherwise expands the state fully:
//!
//! - **C0 (non-empty)**: the class has an enabled action, and every one of its actions leads
//!   to a state inside the boundary (a cut-off successor must not hide the deferred ones).
//! - **C1 (persistence)**: the model's promise behind [`Reduction::class`]: from this state,
//!   no action outside the class that depends on (does not commute with) an action of the
//!   class can happen before some action of the class does.
//! - **C2 (visibility)**: no action of the class can change the truth of any checked property:
//!   the model's [`Reduction::visible`] says it cannot, *and* the engine checks on each of the
//!   class's transitions here that every property's condition has the same truth before and
//!   after. The deferred actions, visible or not, stay enabled and are taken after the class's
//!   invisible ones, so every property's verdict (always, sometimes, eventually) is unchanged.
//! - **C3 (cycle proviso)**: no successor closes a cycle: in depth-first search none is on the
//!   stack; in breadth-first search none was discovered at this state's level or earlier. So
//!   no action is deferred forever around a cycle.
//!
//! Among acceptable classes the one with the fewest enabled actions wins (lowest class id on a
//! tie), so the choice depends only on the state. The sound liveness checker
//! ([`crate::liveness`]) does not use reduction: fairness needs every action's enabledness.

use stateright::Model;

/// What a model tells partial-order reduction. The engine checks C0, C2 (dynamically) and C3;
/// the model is responsible for C1 and for the static half of C2.
pub trait Reduction<M: Model>: Sync {
    /// The class of `action`, enabled in `state`, or `None` if it never joins a reduced set.
    /// Promise (C1): for every class `c`, the enabled actions of class `c` in `state` form a
    /// persistent set there.
    fn class(&self, model: &M, state: &M::State, action: &M::Action) -> Option<u32>;
    /// Whether `action` can change the truth of some checked property in some state where it
    /// is enabled (C2). It is judged on the action value alone, so an action whose visibility
    /// depends on the state should carry what decides it (a counter's value, a phase).
    fn visible(&self, model: &M, action: &M::Action) -> bool;
}

/// No reduction: every state is expanded fully.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoReduction;

impl<M: Model> Reduction<M> for NoReduction {
    fn class(&self, _: &M, _: &M::State, _: &M::Action) -> Option<u32> {
        None
    }
    fn visible(&self, _: &M, _: &M::Action) -> bool {
        true
    }
}

/// The candidate classes of a state, smallest first: `(class, action indices)`. Empty when
/// no action has a class or when one class holds every action (nothing to defer).
pub(crate) fn candidates<M: Model, R: Reduction<M> + ?Sized>(
    red: &R,
    model: &M,
    state: &M::State,
    actions: &[M::Action],
) -> Vec<(u32, Vec<u32>)> {
    let mut by_class: Vec<(u32, Vec<u32>)> = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        let Some(c) = red.class(model, state, a) else {
            continue;
        };
        if red.visible(model, a) {
            continue;
        }
        match by_class.iter_mut().find(|(k, _)| *k == c) {
            Some((_, v)) => v.push(i as u32),
            None => by_class.push((c, vec![i as u32])),
        }
    }
    // A class only counts when *all* its enabled actions are invisible: drop classes that lost
    // a member to visibility.
    by_class.retain(|(c, v)| {
        let total = actions
            .iter()
            .filter(|a| red.class(model, state, a) == Some(*c))
            .count();
        total == v.len() && v.len() < actions.len()
    });
    by_class.sort_by_key(|(c, v)| (v.len(), *c));
    by_class
}
