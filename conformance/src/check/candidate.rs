//! One candidate explanation of a trace prefix ([`Cand`]): a model state with its fingerprint
//! ([`State`]), the observations the model made that the trace has yet to show ([`Pending`]
//! obligations, each with its step's order and deadline), and the bindings and stamps of
//! `bindings`. Candidates share what they have in common (the state, the bindings) until a step
//! changes it.

use super::bindings::Aux;
use super::memo::state_fingerprint;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;
use swspec_model::{Channel, IdSpace, Obs, Observation, RunningStatus, SwState};

/// An observation the model made that the trace has yet to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Pending {
    /// The observation, in model ids.
    pub(super) obs: Obs,
    /// `shape_hash(&obs)`, compared with every event it could match.
    pub(super) shape: u64,
    /// The step that made it: its rank among the steps with obligations on this channel
    /// (dense from 0 once canonicalised; new steps rank above every channel's).
    pub(super) group: u16,
    /// [`channel_key`] of `obs`.
    pub(super) chan: u16,
    /// The first event position at which it is overdue.
    pub(super) deadline: u32,
    /// Owed by a worker's script instance that has since been stopped and started again: the
    /// event comes from that earlier instance, delivered late (see `note_restart`).
    pub(super) earlier_instance: bool,
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

    /// Puts the obligations in canonical order: grouped by channel (each channel's own order
    /// kept), with each channel's step ranks renumbered densely from 0. Only the order within a
    /// channel constrains matching ([`Cand::matchable`]), so candidates whose obligations differ
    /// only in how steps on different channels interleave, or in the ranks' gaps, fingerprint
    /// alike and are searched once.
    pub(super) fn canonicalise(&mut self) {
        let p = &mut self.pending;
        // Already canonical (the common case: a handful of obligations)?
        let canonical = p.windows(2).all(|w| {
            w[0].chan < w[1].chan
                || (w[0].chan == w[1].chan
                    && (w[1].group == w[0].group || w[1].group == w[0].group + 1))
        }) && p
            .iter()
            .enumerate()
            .all(|(i, x)| x.group == 0 || (i > 0 && p[i - 1].chan == x.chan));
        if canonical {
            return;
        }
        // A stable insertion sort by channel (the lists are short).
        for i in 1..p.len() {
            let mut j = i;
            while j > 0 && p[j - 1].chan > p[j].chan {
                p.swap(j - 1, j);
                j -= 1;
            }
        }
        let mut i = 0;
        while i < p.len() {
            let (chan, mut last, mut rank) = (p[i].chan, p[i].group, 0u16);
            while i < p.len() && p[i].chan == chan {
                if p[i].group != last {
                    last = p[i].group;
                    rank += 1;
                }
                p[i].group = rank;
                i += 1;
            }
        }
    }

    /// Adds one step's observations as obligations, observation `i` due before `deadline(i)`.
    /// `shapes[i]` is `shape_hash(&obs[i])`.
    pub(super) fn owe(&mut self, obs: &[Obs], shapes: &[u64], deadline: impl Fn(usize) -> u32) {
        let group = self.pending.iter().map(|p| p.group + 1).max().unwrap_or(0);
        self.pending.extend(
            obs.iter()
                .zip(shapes)
                .enumerate()
                .map(|(i, (obs, &shape))| Pending {
                    shape,
                    deadline: deadline(i),
                    chan: channel_key(obs),
                    obs: obs.clone(),
                    group,
                    earlier_instance: false,
                }),
        );
    }

    /// How many obligations wait on `o`'s channel.
    pub(super) fn owed_on(&self, o: &Obs) -> usize {
        let ch = channel_key(o);
        self.pending.iter().filter(|p| p.chan == ch).count()
    }

    /// May pending obligation `k` be matched now (no older obligation on its channel)?
    pub(super) fn matchable(&self, k: usize) -> bool {
        let p = &self.pending[k];
        // Older steps' observations on the channel come first; within one step, so do its
        // earlier ones: [`SwModel::observe`](swspec_model::SwModel::observe) makes a step's
        // observations in spec order, and one source reports a channel in order (DevTools a
        // worker's `installing` before its `running`, a worker its `skipWaiting()` call before
        // the event it causes). A termination is the exception ([`in_parallel`]).
        !self.pending[..k].iter().any(|q| {
            q.chan == p.chan && (q.group < p.group || !(in_parallel(&q.obs) || in_parallel(&p.obs)))
        })
    }
}

/// Is `o` the end of a termination the step started? §Terminate Service Worker runs in parallel
/// with the step that calls it (§Activate, §Clear Registration), so a worker's `stopped` may be
/// reported before or after the `redundant` of the same step (Chromium: before on activation,
/// after on unregister); it is still ordered after the channel's earlier steps.
fn in_parallel(o: &Obs) -> bool {
    matches!(
        o,
        Observation::RunningStatus {
            status: RunningStatus::Stopped,
            ..
        }
    )
}

/// A channel as a small integer, ordered like [`Channel`]: (variant, id).
pub(super) fn channel_key(o: &Obs) -> u16 {
    match o.channel() {
        Channel::Driver => 0,
        Channel::Page(&c) => 1 << 8 | u16::from(c),
        Channel::Registration => 2 << 8,
        Channel::Lifecycle(&w) => 3 << 8 | u16::from(w),
        Channel::Worker(&w) => 4 << 8 | u16::from(w),
        Channel::Background => 5 << 8,
        Channel::Server => 6 << 8,
    }
}
