//! When a model step's observations can still be matched, and when a match is allowed: each
//! observation must have an event of its shape before its deadline (the skew window, or an
//! interval event's reach); on a channel
//! whose trace id is known they must be that channel's next events; the driver's calls are
//! taken only as the event at hand; and a worker's events come from one script instance until
//! it is started again.

use super::candidate::Cand;
use super::prepare::PEvent;
use super::search::Search;
use swspec_model::{Channel, IdSpace, Obs, Observation, Worker};

/// Do two equally long sequences hold the same values, counted with multiplicity?
fn same_multiset(a: impl Iterator<Item = u64>, b: impl Iterator<Item = u64>) -> bool {
    pub(super) const N: usize = 8;
    let (mut x, mut y) = ([0u64; N], [0u64; N]);
    let (mut nx, mut ny) = (0, 0);
    let (mut vx, mut vy) = (Vec::new(), Vec::new());
    for v in a {
        match x.get_mut(nx) {
            Some(e) => *e = v,
            None => vx.push(v),
        }
        nx += 1;
    }
    for v in b {
        match y.get_mut(ny) {
            Some(e) => *e = v,
            None => vy.push(v),
        }
        ny += 1;
    }
    if nx != ny {
        return false;
    }
    if nx > N {
        vx.extend_from_slice(&x);
        vy.extend_from_slice(&y);
        vx.sort_unstable();
        vy.sort_unstable();
        return vx == vy;
    }
    x[..nx].sort_unstable();
    y[..ny].sort_unstable();
    x[..nx] == y[..ny]
}

/// The deadline of an obligation that can never be overdue.
pub(super) const NEVER: u32 = u32::MAX;

/// Channel `ch` of candidate `c` in trace ids, when its id is bound already (channels without an
/// id always are).
fn trace_channel(c: &Cand, ch: Channel<&u8>) -> Option<Channel<u32>> {
    match ch.id() {
        None => Some(ch.map(|_| 0)),
        Some((space, m)) => c.aux.bound(space, **m).map(|t| ch.map(|_| t)),
    }
}

/// A promise's settlement, which reaches its page or worker as a task of that event loop and
/// may lag the step that settled it by up to [`super::Options::settle_lag_ms`].
pub(super) fn is_settlement(o: &Obs) -> bool {
    matches!(
        o,
        Observation::JobSettled { .. }
            | Observation::CallSettled { .. }
            | Observation::WorkerCallSettled { .. }
    )
}

impl Search<'_> {
    /// Can new obligations `new` (one step's) still be matched? On a channel whose trace id is
    /// known, they must be, as a multiset of shapes, the next events of that channel not yet
    /// owed to older obligations, all before the deadline; otherwise some event of the same shape
    /// must lie in the window.
    /// `shapes[i]` is `shape_hash(&new[i])`.
    pub(super) fn obligations_fit(&self, c: &Cand, pos: u32, new: &[Obs], shapes: &[u64]) -> bool {
        // Every observation is due within the skew window, unless it is of an interval event's
        // shape (heartbeat traces: see `deadline_for`).
        let skew_deadline = self.prep.window.get(pos as usize).copied().unwrap_or(pos);
        let any_late = new.iter().any(is_settlement)
            || self.prep.interval.as_ref().is_some_and(|(interval, _)| {
                shapes.iter().any(|h| interval.binary_search(h).is_ok())
            });
        for (i, o) in new.iter().enumerate() {
            let ch = o.channel();
            if new[..i].iter().any(|x| x.channel() == ch) {
                continue;
            }
            let key = trace_channel(c, ch);
            // This step's observations on the channel (none comes before `i`), with shapes.
            let mine = || {
                new[i..]
                    .iter()
                    .zip(&shapes[i..])
                    .filter(move |(x, _)| x.channel() == ch)
            };
            let Some(key) = key else {
                if mine().any(|(x, &h)| {
                    pos as usize >= self.prep.events.len() || !self.in_window(pos, x, h)
                }) {
                    return false;
                }
                continue;
            };
            let Some(events) = self.prep.channels.get(&key) else {
                return false;
            };
            let list = &events.positions[..];
            let prev = c.owed_on(o);
            let start = events.before(pos) + prev;
            let Some(slice) = list.get(start..start + mine().count()) else {
                return false;
            };
            let deadline = if any_late {
                mine()
                    .map(|(x, &h)| self.deadline_for(x, h, pos))
                    .max()
                    .unwrap_or(pos)
            } else {
                skew_deadline
            };
            if slice.iter().any(|&p| p >= deadline) {
                return false;
            }
            // The driver logs a step before its effects: a driver step is taken only for the
            // event at hand, never ahead of it.
            if ch == Channel::Driver && (prev > 0 || slice.first() != Some(&pos)) {
                return false;
            }
            let have = slice.iter().map(|&p| self.prep.events[p as usize].shape);
            if !same_multiset(mine().map(|(_, &h)| h), have) {
                return false;
            }
        }
        true
    }

    /// Adds the observations `new` of one step taken at `pos` (which [`Search::obligations_fit`]
    /// accepted) to `c`'s obligations, each with its deadline ([`Search::obligation_deadline`]).
    /// `shapes[i]` is `shape_hash(&new[i])`.
    pub(super) fn owe(&self, c: &mut Cand, pos: u32, new: &[Obs], shapes: &[u64]) {
        const N: usize = 16;
        let mut inline = [0u32; N];
        let mut heap = Vec::new();
        let deadlines: &mut [u32] = if new.len() <= N {
            &mut inline[..new.len()]
        } else {
            heap.resize(new.len(), 0);
            &mut heap
        };
        for (i, d) in deadlines.iter_mut().enumerate() {
            *d = self.obligation_deadline(c, pos, new, shapes, i);
        }
        c.owe(new, shapes, |i| deadlines[i]);
    }

    /// The deadline of observation `new[i]` of a step taken at `pos`, in canonical form, so that
    /// candidates whose obligations admit the same matches fingerprint alike. On a channel whose
    /// trace id is known the events the step's observations will match are fixed already (the
    /// channel's next ones, which `obligations_fit` checked): when all of them lie before the
    /// observation's own deadline it can never be overdue ([`NEVER`]). Otherwise the deadline is
    /// cut to just past the last event of the observation's shape before it (after that
    /// event it can never be matched).
    fn obligation_deadline(
        &self,
        c: &Cand,
        pos: u32,
        new: &[Obs],
        shapes: &[u64],
        i: usize,
    ) -> u32 {
        let (o, h) = (&new[i], shapes[i]);
        let d = self.deadline_for(o, h, pos);
        let ch = o.channel();
        match trace_channel(c, ch).and_then(|key| self.prep.channels.get(&key)) {
            Some(events) => {
                let mine = new.iter().filter(|x| x.channel() == ch).count();
                let last = events.before(pos) + c.owed_on(o) + mine - 1;
                match events.positions.get(last) {
                    Some(&p) if p < d => NEVER,
                    _ => d,
                }
            }
            None => {
                let end = (d as usize).min(self.prep.events.len());
                self.prep.events[(pos as usize).min(end)..end]
                    .iter()
                    .rposition(|e| e.shape == h)
                    .map_or(d, |q| pos + q as u32 + 1)
            }
        }
    }

    /// The first position at which observation `o`, made by a step at `pos`, is overdue: the
    /// skew window, or up to an interval event whose earliest time is within the skew.
    /// `h` is `shape_hash(o)`.
    pub(super) fn deadline_for(&self, o: &Obs, h: u64, pos: u32) -> u32 {
        if let Some((shapes, reach)) = &self.prep.interval {
            if shapes.binary_search(&h).is_ok() {
                return reach.get(pos as usize).copied().unwrap_or(pos);
            }
        }
        let window = if is_settlement(o) {
            &self.prep.settle_window
        } else {
            &self.prep.window
        };
        window.get(pos as usize).copied().unwrap_or(pos)
    }

    /// Is there an event of this shape in the window starting at `pos`?
    /// `h` is `shape_hash(o)`.
    pub(super) fn in_window(&self, pos: u32, o: &Obs, h: u64) -> bool {
        let end = self.deadline_for(o, h, pos) as usize;
        self.prep.events[pos as usize..end]
            .iter()
            .any(|e| e.shape == h)
    }

    /// The worker-instance rule: a worker's events come from one script evaluation until it is
    /// started again, and every start gives a new one. An obligation the earlier instance owed
    /// (`earlier`: its step came before the restart) comes from that instance, and says nothing
    /// of the new one. It covers every event a worker reports: those on the worker's channel,
    /// and those of other channels it logs (a background fetch's settlement), by the worker
    /// bound to its reporter.
    pub(super) fn instance_ok(&self, c: &mut Cand, m: &Obs, ev: &PEvent, earlier: bool) -> bool {
        let Some(inst) = ev.instance else { return true };
        let w = match m.channel() {
            Channel::Worker(&w) => w,
            _ => match ev.reporter.and_then(|t| c.aux.model_of(IdSpace::Worker, t)) {
                Some(w) => w,
                None => return true,
            },
        };
        if earlier {
            return match c.aux.inst(w) {
                None => true,
                // Restarted, the new instance not yet seen: the last one seen is the earlier.
                Some((last, true)) => last == inst,
                // The new instance seen: the event is from another one.
                Some((last, false)) => last != inst,
            };
        }
        let ok = match c.aux.inst(w) {
            None => true,
            Some(e) => (e.0 == inst) != e.1,
        };
        if c.aux.inst(w) != Some((inst, false)) {
            c.aux_mut().set_inst(w, (inst, false));
        }
        ok
    }
}

/// Worker `id` began a new script evaluation (from `before` to `w`;
/// [`Worker::restarted_since`]): its next events may come from a new script instance (see
/// [`Search::instance_ok`]), and what its earlier instance still owed on the worker's channel
/// (the first `owed_before` obligations, from steps before this one) is marked as that
/// instance's: a record it sent before it stopped may arrive after the new instance started.
pub(super) fn note_restart(
    c: &mut Cand,
    id: u8,
    before: Option<&Worker>,
    w: &Worker,
    owed_before: usize,
) {
    if !w.restarted_since(before) {
        return;
    }
    if let Some((i, false)) = c.aux.inst(id) {
        c.aux_mut().set_inst(id, (i, true));
    }
    for p in &mut c.pending[..owed_before] {
        if matches!(p.obs.channel(), Channel::Worker(&w) if w == id) {
            p.earlier_instance = true;
        }
    }
}
