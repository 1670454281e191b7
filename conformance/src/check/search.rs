//! The search itself ([`Search`]): one pass from the initial state, one node per candidate at
//! a position, each expanded by matching an obligation, taking a guard step whose call is the
//! event at hand, or taking a model step first; the candidates at the furthest position are
//! kept for the report. A check runs up to two passes ([`Pass`]): a quick depth-first one, and
//! when it finds no explanation, an exact one in trace order ([`Levels`]).

use super::agenda::{Agenda, Levels, Open, Stack};
use super::candidate::{Cand, Pending, State};
use super::config::{quiescent, with_overrides};
use super::memo::{fingerprint, Memo};
use super::options::Options;
use super::outcome::Outcome;
use super::prepare::Prepared;
use super::steps::{Node, StepRef, StepTable};
use super::transitions::{Expansion, GUARD_KINDS};
use std::cell::RefCell;
use std::rc::Rc;
use swspec_model::{Obs, Observation, SwModel};
use swspec_search::hash::FastMap;

/// The two passes of a check. The quick one searches depth first and prunes a candidate met
/// again at a position whatever the depth: it follows a trace the model explains readily
/// straight through, but may miss an explanation (a candidate first met after many hidden
/// steps has fewer left), so only its acceptance is final. The exact one goes through the
/// trace in order ([`Levels`]), each candidate of a position expanded once at its smallest
/// depth: its verdict is the check's when the quick pass finds no explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pass {
    Quick,
    Exact,
}

/// A child of an expanded node: position, candidate, depth, step.
type Child = (u32, Cand, u8, StepRef);

/// One check of one trace: the search's state (arena, memo, frontier, caches) and
/// what it reads (the model, the prepared trace, the knobs).
pub(super) struct Search<'a> {
    /// The model the trace is checked against.
    pub(super) model: &'a SwModel,
    /// The trace, prepared.
    pub(super) prep: &'a Prepared,
    /// The checker's knobs.
    pub(super) opts: &'a Options,
    /// The exact pass (see [`Pass`]).
    exact: bool,
    /// The profile's timer bounds, with the trace's overrides.
    pub(super) params: swspec_model::ProfileParams,
    /// [`GUARD_KINDS`] as a bit set over [`Observation::kind_index`].
    pub(super) guard_mask: u64,
    /// Every node visited, by index; a node points at its parent.
    pub(super) arena: Vec<Node>,
    /// Memo: 128-bit fingerprint of (position, candidate) → smallest depth seen.
    pub(super) seen: Memo,
    /// Distinct candidates memoised per position.
    pub(super) per_pos: Vec<u32>,
    /// The furthest position reached by a depth-0 node.
    pub(super) furthest: u32,
    /// The depth-0 nodes at the furthest position (arena index, candidate).
    pub(super) frontier: Vec<(u32, Cand)>,
    /// Obligation lists of expanded candidates, for reuse.
    pub(super) pending_pool: RefCell<Vec<Vec<Pending>>>,
    /// The nodes' steps.
    pub(super) steps: StepTable,
    /// Expansions of recently seen model states, by state fingerprint.
    pub(super) transitions: RefCell<FastMap<u128, Rc<Expansion>>>,
    /// The furthest position at which a candidate's hidden steps were cut by
    /// [`Options::max_hidden`] (`None`: never), so a divergence there names that limit.
    pub(super) hidden_cut: std::cell::Cell<Option<u32>>,
}

impl<'a> Search<'a> {
    /// A search of the prepared trace `prep` against `model`.
    pub(super) fn new(
        model: &'a SwModel,
        prep: &'a Prepared,
        opts: &'a Options,
        pass: Pass,
    ) -> Self {
        let reserve = (prep.events.len() * 3 + 16).min(opts.max_nodes);
        let params = with_overrides(model.cfg.profile.params(), &prep.params_override);
        Search {
            model,
            prep,
            opts,
            exact: pass == Pass::Exact,
            params,
            guard_mask: Observation::<u8>::KINDS
                .iter()
                .enumerate()
                .filter(|(_, k)| GUARD_KINDS.contains(k))
                .fold(0, |m, (i, _)| m | 1 << i),
            // About three nodes per event on traces the model explains readily.
            arena: Vec::with_capacity(reserve),
            seen: Memo::new(prep.events.len() + 1, reserve),
            per_pos: vec![0; prep.events.len() + 1],
            furthest: 0,
            frontier: Vec::new(),
            pending_pool: RefCell::default(),
            transitions: RefCell::default(),
            steps: StepTable::default(),
            hidden_cut: std::cell::Cell::new(None),
        }
    }

    /// Drops an expanded candidate, keeping its obligation list for reuse.
    fn recycle(&self, c: Cand) {
        self.recycle_list(c.pending);
    }

    /// Keeps an obligation list for reuse.
    fn recycle_list(&self, mut v: Vec<Pending>) {
        let mut pool = self.pending_pool.borrow_mut();
        if v.capacity() > 0 && pool.len() < 256 {
            v.clear();
            pool.push(v);
        }
    }

    /// Is `o` of a kind the trace's header lists as observed?
    pub(super) fn observed(&self, o: &Obs) -> bool {
        self.prep.observed_mask >> o.kind_index() & 1 == 1
    }

    /// A model step's observation `o` as the trace can show it: none when its kind is not
    /// observed; a fetch event without its client when the trace's fetch events carry none
    /// (captured before they did).
    pub(super) fn seen(&self, mut o: Obs) -> Option<Obs> {
        if !self.observed(&o) {
            return None;
        }
        if !self.prep.fetch_clients {
            if let Obs::FunctionalEvent { client, .. } = &mut o {
                *client = None;
            }
        }
        Some(o)
    }

    /// Searches for an explanation of the whole trace and reports what it found.
    pub(super) fn run(mut self) -> Outcome {
        // The agenda and the children buffer live until the outcome is rendered, as the arena
        // and the memo do: freeing them first lets the allocator hand the heap back to the
        // system, and a bench that checks again pays to fault it in (3.5x the page faults).
        let mut agenda = if self.exact {
            Agenda::Levels(Levels::default())
        } else {
            Agenda::Stack(Stack::default())
        };
        let mut children: Vec<Child> = Vec::new();
        let (accepted, exhausted_budget) = self.explore(&mut agenda, &mut children);
        self.outcome(accepted, exhausted_budget)
    }

    /// The search from the initial state, in the agenda's order (furthest position first,
    /// fewest hidden steps first), with `agenda` and `children` as its buffers (empty): the
    /// accepted node and its candidate, if one explains the trace, and whether the node budget
    /// ran out first.
    fn explore(
        &mut self,
        agenda: &mut Agenda,
        children: &mut Vec<Child>,
    ) -> (Option<(u32, Cand)>, bool) {
        let init = Cand {
            s: State::new(self.model.init_state()),
            pending: Vec::new(),
            aux: Rc::default(),
        };
        let n = self.prep.events.len() as u32;
        self.push(agenda, 0, init, 0, u32::MAX, None);
        loop {
            let mut pending = self.pending_pool.borrow_mut().pop().unwrap_or_default();
            let Some(open) = agenda.take(&mut pending) else {
                self.recycle_list(pending);
                break;
            };
            let (ix, pos, depth) = (open.ix, open.pos, open.depth);
            let cand = Cand {
                s: open.s,
                pending,
                aux: open.aux,
            };
            if self.arena.len() >= self.opts.max_nodes {
                return (None, true);
            }
            if pos == n {
                if cand.pending.is_empty()
                    && (!self.opts.quiescent_end || quiescent(self.model, &cand.s))
                {
                    return (Some((ix, cand)), false);
                }
                // Unobservable steps may still close the gap to quiescence.
                if cand.pending.is_empty() && (depth as usize) < self.opts.max_hidden {
                    self.model_steps(&cand, pos, depth, true, children);
                }
            } else if cand.pending.iter().all(|p| p.deadline > pos) {
                // (A candidate with an overdue obligation is dead.)
                self.expand(&cand, pos, depth, children);
            }
            self.recycle(cand);
            if agenda.last_in_first_out() {
                // Depth first: the first alternative goes in last, to be tried first.
                children.reverse();
            }
            for (p, c, d, st) in children.drain(..) {
                self.push(agenda, p, c, d, ix, Some(st));
            }
        }
        (None, false)
    }

    /// Adds a child to the agenda and the arena, unless the memo holds its candidate at its
    /// position (in the exact pass: at no greater depth); tracks the furthest position's depth-0
    /// candidates.
    fn push(
        &mut self,
        agenda: &mut Agenda,
        pos: u32,
        mut cand: Cand,
        depth: u8,
        parent: u32,
        step: Option<StepRef>,
    ) {
        cand.canonicalise();
        let key = fingerprint(pos, &cand);
        let known = self.per_pos[pos as usize];
        match self.seen.find(pos, key, known) {
            Some(e) if e.depth <= depth => return,
            Some(_) if !self.exact => return,
            Some(e) => e.depth = depth,
            None => {
                self.seen.insert(pos, key, depth, known);
                self.per_pos[pos as usize] += 1;
            }
        }
        let ix = self.arena.len() as u32;
        if depth == 0 {
            if pos > self.furthest {
                self.furthest = pos;
                while let Some((_, c)) = self.frontier.pop() {
                    self.recycle(c);
                }
            }
            if pos == self.furthest {
                self.frontier
                    .push((ix, cand.clone_with_room(0, &self.pending_pool)));
            }
        }
        let step = step.map_or(u32::MAX, |st| self.steps.intern(st));
        self.arena.push(Node {
            parent,
            pos,
            step,
            depth,
        });
        let open = Open {
            ix,
            pos,
            depth,
            pending: cand.pending.len() as u16,
            s: cand.s,
            aux: cand.aux,
        };
        agenda.add(open, &mut cand.pending);
        self.recycle_list(cand.pending);
    }

    /// Every way to make progress on event `pos` from `cand`.
    fn expand(&self, cand: &Cand, pos: u32, depth: u8, out: &mut Vec<Child>) {
        let ev = &self.prep.events[pos as usize];
        // 1. Match a pending obligation.
        for k in 0..cand.pending.len() {
            if cand.pending[k].shape != ev.shape || !cand.matchable(k) {
                continue;
            }
            let mut c = cand.clone_with_room(0, &self.pending_pool);
            let p = c.pending.remove(k);
            let earlier = p.earlier_instance;
            if c.bind_obs(&p.obs, &ev.obs) && self.instance_ok(&mut c, &p.obs, ev, earlier) {
                out.push((pos + 1, c, 0, StepRef::Matched(p.obs)));
            }
        }
        // 2. A guard step whose call is this event (the state's guard steps are cached with
        // its transitions).
        let kind = ev.obs.kind_index();
        if self.guard_mask >> kind & 1 == 1 {
            let x = self.expansion(cand);
            let guards = x.guards.get_or_init(|| self.guards(&x.state));
            for g in guards {
                if g.kind != kind || g.shape != ev.shape {
                    continue;
                }
                let call = &g.step[0];
                // The call comes after what earlier steps owe on its channel.
                if cand.owed_on(call) > 0 {
                    continue;
                }
                let mut c = cand.clone_with_room(g.rest.len(), &self.pending_pool);
                if !c.bind_obs(call, &ev.obs) || !self.instance_ok(&mut c, call, ev, false) {
                    continue;
                }
                if !self.obligations_fit(&c, pos + 1, &g.rest, &g.rest_shapes) {
                    continue;
                }
                self.owe(&mut c, pos, &g.rest, &g.rest_shapes);
                out.push((pos + 1, c, 0, StepRef::Guard(g.step.clone())));
            }
        }
        // 3. A model step first.
        if (depth as usize >= self.opts.max_hidden && cand.pending.is_empty())
            || depth as usize >= self.opts.max_hidden + 8
        {
            self.note_hidden_cut(pos);
            return;
        }
        self.model_steps(cand, pos, depth, false, out);
    }

    /// Records that hidden steps were cut by `--max-hidden` at position `pos`.
    fn note_hidden_cut(&self, pos: u32) {
        if self.hidden_cut.get().is_none_or(|p| p < pos) {
            self.hidden_cut.set(Some(pos));
        }
    }

    /// Model steps from `cand` while event `pos` is at hand; `at_end` (after the last event):
    /// unobservable steps only, with no timer bounds.
    fn model_steps(&self, cand: &Cand, pos: u32, depth: u8, at_end: bool, out: &mut Vec<Child>) {
        let (t, t_prev) = if at_end {
            (0.0, 0.0)
        } else {
            let t = self.prep.events[pos as usize].t;
            let prev = pos
                .checked_sub(1)
                .map_or(t, |p| self.prep.events[p as usize].t);
            (t, prev)
        };
        let x = self.expansion(cand);
        let ev_kind = (!at_end).then(|| self.prep.events[pos as usize].obs.kind_index());
        for (i, a) in x.actions.iter().enumerate() {
            // A step's call on the driver's channel is taken only as the event at hand (see
            // `obligations_fit`) and never at the end: rule the others out before computing them.
            if x.driver_calls[i].is_some() && x.driver_calls[i] != ev_kind {
                continue;
            }
            let Some(succ) = x.succ[i].get_or_init(|| self.successor(&x.state, a)) else {
                continue;
            };
            let obs = &succ.obs;
            let allowed = if at_end {
                obs.is_empty()
            } else {
                self.obligations_fit(cand, pos, obs, &succ.shapes)
                    && !(obs.is_empty() && depth as usize >= self.opts.max_hidden)
                    && cand.pending.len() + obs.len() <= 16
                    && self.timers_ok(cand, a, t)
            };
            if !allowed {
                continue;
            }
            let mut c = cand.clone_with_room(obs.len(), &self.pending_pool);
            if !at_end {
                let owed_before = c.pending.len();
                self.owe(&mut c, pos, obs, &succ.shapes);
                let stamp = if obs.is_empty() { t_prev } else { t };
                self.update_timers(&mut c, &cand.s, &succ.next, stamp, t, owed_before);
            }
            c.s = Rc::clone(&succ.next);
            out.push((pos, c, depth + 1, StepRef::Model(Rc::clone(&x), i)));
        }
    }
}
