//! One candidate explanation of a trace prefix ([`Cand`]): a model state with its fingerprint
//! ([`State`]), the observations the model made that the trace has yet to show ([`Pending`]
//! obligations, each with its step's order and deadline), and the bindings and stamps of
//! `bindings`. Candidates share what they have in common (the state, the bindings) until a step
//! changes it.

use super::bindings::Aux;
use super::memo::state_fingerprint;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;
use swspec_model::{IdSpace, Obs, Observation, SwState};

/// An observation the model made that the trace has yet to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Pending {
    /// The observation, in model ids.
    pub(super) obs: Obs,
    /// `shape_hash(&obs)`, compared with every event it could match.
    pub(super) shape: u64,
    /// The step that made it (dense rank among pending steps).
    pub(super) group: u16,
    /// The first event position at which it is overdue.
    pub(super) deadline: u32,
}

/// A model state and its fingerprint (see [`state_fingerprint`]).
#[derive(Debug)]
pub(super) struct State {
    /// The state.
    pub(super) s: SwState,
    /// Its fingerprint.
    pub(super) fp: u128,
}

impl State {
    /// The state with its fingerprint.
    pub(super) fn new(s: SwState) -> Rc<State> {
        let fp = state_fingerprint(&s);
        Rc::new(State { s, fp })
    }
}

impl std::ops::Deref for State {
    type Target = SwState;
    fn deref(&self) -> &SwState {
        &self.s
    }
}

/// One candidate explanation of the trace prefix.
#[derive(Clone, Debug)]
pub(super) struct Cand {
    /// The model state with its fingerprint, shared by the candidates that reached it by
    /// matching events (and through the transition cache).
    pub(super) s: Rc<State>,
    /// Its obligations, oldest step first.
    pub(super) pending: Vec<Pending>,
    /// Bindings, instances and timer stamps: shared until a step changes them.
    pub(super) aux: Rc<Aux>,
}

impl Cand {
    /// A copy with room for `more` obligations, its list taken from `pool`.
    pub(super) fn clone_with_room(&self, more: usize, pool: &RefCell<Vec<Vec<Pending>>>) -> Cand {
        let mut pending = pool.borrow_mut().pop().unwrap_or_default();
        // (Room for a few more, so that a reused list rarely grows.)
        pending.reserve((self.pending.len() + more).max(4));
        pending.extend_from_slice(&self.pending);
        Cand {
            s: Rc::clone(&self.s),
            pending,
            aux: Rc::clone(&self.aux),
        }
    }

    /// The bindings, instances and timer stamps, to change (copied first when shared).
    pub(super) fn aux_mut(&mut self) -> &mut Aux {
        let a = Rc::make_mut(&mut self.aux);
        a.fp = OnceCell::new();
        a
    }

    /// Binds the identifiers of model observation `m` to those of trace observation `t` (same
    /// shape). Fails when that breaks the bijection.
    pub(super) fn bind_obs(&mut self, m: &Obs, t: &Observation<u32>) -> bool {
        // Observations carry at most a few ids: no allocation unless one carries more.
        const N: usize = 4;
        let (mut mids, mut tids) = ([0u8; N], [0u32; N]);
        let (mut nm, mut nt) = (0, 0);
        let mut spaces = [IdSpace::Client; N];
        m.map_ids(|space, &id| {
            if let Some(e) = mids.get_mut(nm) {
                *e = id;
                spaces[nm] = space;
            }
            nm += 1;
        });
        t.map_ids(|_, &id| {
            if let Some(e) = tids.get_mut(nt) {
                *e = id;
            }
            nt += 1;
        });
        if nm != nt {
            return false;
        }
        let bind = |c: &mut Cand, space, mi, ti| {
            c.aux.bound(space, mi) == Some(ti) || c.aux_mut().bind(space, mi, ti)
        };
        if nm > N {
            return m
                .ids()
                .into_iter()
                .zip(t.ids())
                .all(|((space, mi), (_, ti))| bind(self, space, *mi, *ti));
        }
        (0..nm).all(|i| bind(self, spaces[i], mids[i], tids[i]))
    }

    /// Renumbers the obligations' step ranks densely from 0, so that candidates that differ only
    /// in the ranks' gaps fingerprint alike.
    pub(super) fn normalise_groups(&mut self) {
        // Groups are dense already unless a match took a step's last obligation, and small.
        let mask = self.pending.iter().fold(0u64, |m, p| {
            m | 1u64.checked_shl(u32::from(p.group)).unwrap_or(0)
        });
        if self.pending.iter().all(|p| p.group < 64) {
            if mask & mask.wrapping_add(1) == 0 {
                return;
            }
            for p in &mut self.pending {
                p.group = (mask & ((1u64 << p.group) - 1)).count_ones() as u16;
            }
            return;
        }
        let mut groups: Vec<u16> = self.pending.iter().map(|p| p.group).collect();
        groups.sort_unstable();
        groups.dedup();
        for p in &mut self.pending {
            p.group = groups.binary_search(&p.group).unwrap_or(0) as u16;
        }
    }

    /// Adds one step's observations as obligations, each due before `deadline` of it.
    /// `shapes[i]` is `shape_hash(&obs[i])`.
    pub(super) fn owe(&mut self, obs: &[Obs], shapes: &[u64], deadline: impl Fn(&Obs, u64) -> u32) {
        let group = self.pending.iter().map(|p| p.group + 1).max().unwrap_or(0);
        self.pending
            .extend(obs.iter().zip(shapes).map(|(obs, &shape)| Pending {
                shape,
                deadline: deadline(obs, shape),
                obs: obs.clone(),
                group,
            }));
    }

    /// May pending obligation `k` be matched now (no older obligation on its channel)?
    pub(super) fn matchable(&self, k: usize) -> bool {
        let p = &self.pending[k];
        let ch = p.obs.channel();
        // Older steps' observations on the channel come first; within one step, so do earlier
        // observations of the same kind (a worker's `starting` before its `running`).
        !self.pending.iter().enumerate().any(|(j, q)| {
            q.obs.channel() == ch
                && (q.group < p.group
                    || (q.group == p.group && j < k && q.obs.kind() == p.obs.kind()))
        })
    }
}
