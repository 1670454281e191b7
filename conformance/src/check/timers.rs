//! The profile's timer bounds: a step a timer triggers (an idle stop, an unresponsive stop, an
//! event timeout, an install event's timeout, a sync retry, Chromium's lame-duck activation) is
//! taken only once its timer can have run out, less [`Options::timer_tolerance_ms`];
//! a step the user agent takes after a delay the profile bounds from above (the activate
//! event's dispatch) is taken no later than that; and the stamps in a candidate's bindings those
//! bounds are measured from, updated after every step. Stamps are kept only for the timers the
//! profile bounds.

use super::bindings::{ACT_DUE, BUSY, EXT, INSTALL, LAME, SYNC_FAIL, TASK};
use super::candidate::Cand;
use super::obligations::note_restart;
use super::search::Search;
#[cfg(doc)]
use super::Options;
use swspec_model::{
    Action, InstallOutcome, RunningStatus, StopCause, SwState, Worker, WorkerId, WorkerState,
};

/// A profile timer bound a step would break: which parameter, its bound and the gap measured.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct TimerBreach {
    /// The profile parameter (`idle_timeout_ms`, `lame_duck_ms`, ...).
    pub(super) name: &'static str,
    /// Its bound (ms), with the checker's tolerance already applied.
    pub(super) bound_ms: f64,
    /// The gap measured (ms) from the stamp to the step.
    pub(super) gap_ms: f64,
    /// The step comes too early (a lower bound) or too late (an upper bound).
    pub(super) too_early: bool,
}

impl Search<'_> {
    /// The slack on every timer bound (ms).
    fn tol(&self) -> f64 {
        self.opts.timer_tolerance_ms
    }

    /// The profile's timer bounds, for a step taken at time `t` (ms).
    pub(super) fn timers_ok(&self, c: &Cand, a: &Action, t: f64) -> bool {
        self.timer_breach(c, a, t).is_none()
    }

    /// The profile timer bound step `a` taken at time `t` (ms) would break, if any.
    pub(super) fn timer_breach(&self, c: &Cand, a: &Action, t: f64) -> Option<TimerBreach> {
        match *a {
            // A redundant worker's stop is not an idle stop: engines stop a worker as soon as
            // it is doomed (Chromium `ServiceWorkerVersion::Doom`), the spec leaves it to idle.
            Action::StopWorker {
                worker,
                cause: StopCause::Idle,
            } if c.s.worker(worker).state == WorkerState::Redundant => None,
            Action::StopWorker {
                worker,
                cause: StopCause::Idle,
            } => self.at_least(
                "idle_timeout_ms",
                self.params.idle_timeout_ms,
                c.aux.get(BUSY, worker),
                t,
            ),
            Action::StopWorker {
                worker,
                cause: StopCause::Unresponsive,
            } => self.at_least(
                "unresponsive_timeout_ms",
                self.params.unresponsive_timeout_ms,
                c.aux.get(TASK, worker),
                t,
            ),
            Action::EventTimedOut(worker) => self.event_timeout_breach(c, worker, t),
            // The user agent's timeout of the install event (§Install: its timed out flag).
            Action::InstallEventSettled(InstallOutcome::TimedOut) => self.at_least(
                "event_timeout_ms",
                self.params.event_timeout_ms,
                c.s.installing_job_worker()
                    .and_then(|w| c.aux.get(INSTALL, w)),
                t,
            ),
            Action::SyncRetryDue { tag } => self.sync_retry_breach(c, tag, t),
            Action::LameDuckActivate(r) => self.at_least(
                "lame_duck_ms",
                self.params.lame_duck_ms,
                c.aux.get(LAME, r),
                t,
            ),
            Action::ActivateEvent(worker) => self.activate_delay_breach(c, worker, t),
            _ => None,
        }
    }

    /// A lower bound: the timer `name` of `bound` ms (none: the profile sets no such limit)
    /// started at `since` and must have run out, less the tolerance, at `t`.
    fn at_least(
        &self,
        name: &'static str,
        bound: Option<f64>,
        since: Option<u64>,
        t: f64,
    ) -> Option<TimerBreach> {
        let (bound, since) = (bound?, since?);
        let (bound_ms, gap_ms) = (bound - self.tol(), t - since as f64);
        (gap_ms < bound_ms).then_some(TimerBreach {
            name,
            bound_ms,
            gap_ms,
            too_early: true,
        })
    }

    /// Is worker `w`'s activate event dispatched at time `t` within the profile's
    /// `activate_event_delay_ms` of becoming due (none: at once; the step's observation is then
    /// matched within the skew)?
    fn activate_delay_breach(&self, c: &Cand, w: WorkerId, t: f64) -> Option<TimerBreach> {
        let delay = self.params.activate_event_delay_ms.unwrap_or(0.0);
        let gap_ms = t - c.aux.get(ACT_DUE, w)? as f64;
        (gap_ms > delay).then_some(TimerBreach {
            name: "activate_event_delay_ms",
            bound_ms: delay,
            gap_ms,
            too_early: false,
        })
    }

    /// Has the oldest extended event of worker `w` run for its timeout at time `t`?
    fn event_timeout_breach(&self, c: &Cand, w: WorkerId, t: f64) -> Option<TimerBreach> {
        let limit = self.params.event_timeout_ms?;
        let (name, limit) = match self.event_limit(&c.s, w) {
            Some(l) => (l.0, l.1),
            None => ("event_timeout_ms", limit),
        };
        self.at_least(name, Some(limit), c.aux.get(EXT, w), t)
    }

    /// Has sync tag `tag`'s retry delay (growing with its attempts) passed at time `t`?
    fn sync_retry_breach(&self, c: &Cand, tag: u8, t: f64) -> Option<TimerBreach> {
        let initial = self.params.sync_initial_retry_delay_ms?;
        let attempts =
            c.s.map_entry()
                .and_then(|r| c.s.reg(r).sync.iter().find(|g| g.tag == tag))
                .map_or(1, |g| g.attempts.max(1));
        let factor = self.params.sync_retry_delay_factor.unwrap_or(1.0);
        let delay = initial * factor.powi(attempts as i32 - 1);
        self.at_least(
            "sync_initial_retry_delay_ms",
            Some(delay),
            c.aux.get(SYNC_FAIL, tag),
            t,
        )
    }

    /// The timeout of the oldest extended event of `w` when its kind has its own (push, sync),
    /// with the parameter's name.
    fn event_limit(&self, s: &SwState, w: WorkerId) -> Option<(&'static str, f64)> {
        match s.worker(w).extended.first()? {
            swspec_model::EventKind::Push => self
                .params
                .push_event_timeout_ms
                .map(|l| ("push_event_timeout_ms", l)),
            swspec_model::EventKind::Sync { .. } => self
                .params
                .sync_event_timeout_ms
                .map(|l| ("sync_event_timeout_ms", l)),
            _ => None,
        }
    }

    /// Updates `c`'s timer stamps and worker restarts after a step from `pre` to `post`, stamped
    /// at time `t` (ms; the previous event's time for an unobservable step) while the event at
    /// `now` is at hand. Upper bounds start at `now`, the latest the step can have been taken.
    /// `owed_before`: how many of `c`'s obligations were owed before the step (the rest are
    /// the step's own).
    pub(super) fn update_timers(
        &self,
        c: &mut Cand,
        pre: &SwState,
        post: &SwState,
        t: f64,
        now: f64,
        owed_before: usize,
    ) {
        let t = t.max(0.0) as u64;
        for (i, w) in post.workers.iter().enumerate() {
            let (id, before) = (i as u8, pre.workers.get(i));
            self.stamp_busy(c, id, before, w, t);
            self.stamp_extended(c, id, before, w, t);
            self.stamp_install(c, id, before, w, t);
            stamp_activate_due(c, id, before, w, now.max(0.0).ceil() as u64);
            self.stamp_tasks(c, id, before, w, t);
            note_restart(c, id, before, w, owed_before);
        }
        self.stamp_sync_failures(c, pre, post, t);
        self.stamp_lame_duck(c, pre, post, t);
    }

    /// Worker `id`'s queue of tasks became non-empty at `t`: the clock of the unresponsive stop
    /// (a script that runs no queued task) starts; once the queue is empty, the stamp goes.
    fn stamp_tasks(&self, c: &mut Cand, id: u8, before: Option<&Worker>, w: &Worker, t: u64) {
        if self.params.unresponsive_timeout_ms.is_none() {
            return;
        }
        let had = before.is_some_and(|p| !p.tasks.is_empty());
        if w.tasks.is_empty() {
            if c.aux.get(TASK, id).is_some() {
                c.aux_mut().unset(TASK, id);
            }
        } else if !had && c.aux.get(TASK, id) != Some(t) {
            c.aux_mut().set(TASK, id, t);
        }
    }

    /// A registration's waiting worker became due for Chromium's lame-duck activation
    /// ([`swspec_model::SwModel::lame_duck_due`]) at `t`: its clock starts; once it is not due,
    /// the stamp goes.
    fn stamp_lame_duck(&self, c: &mut Cand, pre: &SwState, post: &SwState, t: u64) {
        if self.params.lame_duck_ms.is_none() {
            return;
        }
        for r in 0..post.registrations.len() {
            let r = r as u8;
            let due = self.model.lame_duck_due(post, r);
            let was = (r as usize) < pre.registrations.len() && self.model.lame_duck_due(pre, r);
            if due && !was {
                if c.aux.get(LAME, r) != Some(t) {
                    c.aux_mut().set(LAME, r, t);
                }
            } else if !due && c.aux.get(LAME, r).is_some() {
                c.aux_mut().unset(LAME, r);
            }
        }
    }

    /// Worker `id` is busy (or was, before the step; or is new): its idle clock starts at `t`.
    fn stamp_busy(&self, c: &mut Cand, id: u8, before: Option<&Worker>, w: &Worker, t: u64) {
        let busy = |w: &Worker| {
            !w.tasks.is_empty()
                || !w.extended.is_empty()
                || matches!(w.state, WorkerState::Installing | WorkerState::Activating)
                || w.running == RunningStatus::Starting
        };
        let was_busy = before.is_some_and(busy);
        // Timer stamps are kept only when the profile bounds that timer: they split
        // otherwise-equal candidates.
        if self.params.idle_timeout_ms.is_some()
            && (busy(w) || was_busy || before.is_none())
            && c.aux.get(BUSY, id) != Some(t)
        {
            c.aux_mut().set(BUSY, id, t);
        }
    }

    /// Worker `id`'s first pending extended event started at `t`; none pending: no stamp.
    fn stamp_extended(&self, c: &mut Cand, id: u8, before: Option<&Worker>, w: &Worker, t: u64) {
        let had_ext = before.is_some_and(|p| !p.extended.is_empty());
        if w.extended.is_empty() {
            if c.aux.get(EXT, id).is_some() {
                c.aux_mut().unset(EXT, id);
            }
        } else if !had_ext
            && self.params.event_timeout_ms.is_some()
            && c.aux.get(EXT, id) != Some(t)
        {
            c.aux_mut().set(EXT, id, t);
        }
    }

    /// Worker `id` became installing at `t` (its install event was dispatched): the clock of the
    /// install event's timeout starts; once it is no longer installing, the stamp goes.
    fn stamp_install(&self, c: &mut Cand, id: u8, before: Option<&Worker>, w: &Worker, t: u64) {
        if self.params.event_timeout_ms.is_none() {
            return;
        }
        let installing = |w: &Worker| w.state == WorkerState::Installing;
        if !installing(w) {
            if c.aux.get(INSTALL, id).is_some() {
                c.aux_mut().unset(INSTALL, id);
            }
        } else if !before.is_some_and(installing) {
            c.aux_mut().set(INSTALL, id, t);
        }
    }

    /// Sync attempts that failed start the retry clock.
    fn stamp_sync_failures(&self, c: &mut Cand, pre: &SwState, post: &SwState, t: u64) {
        let Some(r) = post.map_entry() else { return };
        for g in post.reg(r).sync.iter() {
            let waiting = g.state == swspec_model::SyncState::Waiting || g.delayed;
            let was = pre.map_entry().and_then(|pr| {
                pre.reg(pr)
                    .sync
                    .iter()
                    .find(|p| p.tag == g.tag)
                    .map(|p| p.state == swspec_model::SyncState::Waiting || p.delayed)
            });
            if waiting
                && was != Some(true)
                && self.params.sync_initial_retry_delay_ms.is_some()
                && c.aux.get(SYNC_FAIL, g.tag) != Some(t)
            {
                c.aux_mut().set(SYNC_FAIL, g.tag, t);
            }
        }
    }
}

/// Worker `id`'s activate event became due at `now` (ms, rounded up: the bound errs towards
/// accepting): the clock of its dispatch delay starts; once it is no longer due (dispatched,
/// discarded), the stamp goes.
fn stamp_activate_due(c: &mut Cand, id: u8, before: Option<&Worker>, w: &Worker, now: u64) {
    let due = w.activate_event_due();
    if due && !before.is_some_and(Worker::activate_event_due) {
        c.aux_mut().set(ACT_DUE, id, now);
    } else if !due && c.aux.get(ACT_DUE, id).is_some() {
        c.aux_mut().unset(ACT_DUE, id);
    }
}
