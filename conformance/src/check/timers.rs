//! The profile's timer bounds: a step a timer triggers (an idle stop, an event timeout, a sync
//! retry) is taken only once its timer can have run out, less [`Options::timer_tolerance_ms`];
//! a step the user agent takes after a delay the profile bounds from above (the activate
//! event's dispatch) is taken no later than that; and the stamps in a candidate's bindings those
//! bounds are measured from, updated after every step. Stamps are kept only for the timers the
//! profile bounds.

use super::bindings::{ACT_DUE, BUSY, EXT, SYNC_FAIL};
use super::candidate::Cand;
use super::obligations::note_restart;
use super::search::Search;
#[cfg(doc)]
use super::Options;
use swspec_model::{Action, RunningStatus, StopCause, SwState, Worker, WorkerId, WorkerState};

impl Search<'_> {
    /// The slack on every timer bound (ms).
    fn tol(&self) -> f64 {
        self.opts.timer_tolerance_ms
    }

    /// The profile's lower bounds on timers, for a step taken at time `t` (ms).
    pub(super) fn timers_ok(&self, c: &Cand, a: &Action, t: f64) -> bool {
        match *a {
            // A redundant worker's stop is not an idle stop: engines stop a worker as soon as
            // it is doomed (Chromium `ServiceWorkerVersion::Doom`), the spec leaves it to idle.
            Action::StopWorker {
                worker,
                cause: StopCause::Idle,
            } if c.s.worker(worker).state == WorkerState::Redundant => true,
            Action::StopWorker {
                worker,
                cause: StopCause::Idle,
            } => self.idle_stop_ok(c, worker, t),
            Action::EventTimedOut(worker) => self.event_timeout_ok(c, worker, t),
            Action::SyncRetryDue { tag } => self.sync_retry_ok(c, tag, t),
            Action::ActivateEvent(worker) => self.activate_delay_ok(c, worker, t),
            _ => true,
        }
    }

    /// Is worker `w`'s activate event dispatched at time `t` within the profile's
    /// `activate_event_delay_ms` of becoming due (none: at once; the step's observation is then
    /// matched within the skew)?
    fn activate_delay_ok(&self, c: &Cand, w: WorkerId, t: f64) -> bool {
        let delay = self.params.activate_event_delay_ms.unwrap_or(0.0);
        c.aux
            .get(ACT_DUE, w)
            .is_none_or(|due| t - due as f64 <= delay)
    }

    /// Has worker `w` been idle for the profile's idle timeout at time `t`?
    fn idle_stop_ok(&self, c: &Cand, w: WorkerId, t: f64) -> bool {
        match (self.params.idle_timeout_ms, c.aux.get(BUSY, w)) {
            (Some(idle), Some(since)) => t - since as f64 >= idle - self.tol(),
            _ => true,
        }
    }

    /// Has the oldest extended event of worker `w` run for its timeout at time `t`?
    fn event_timeout_ok(&self, c: &Cand, w: WorkerId, t: f64) -> bool {
        match (self.params.event_timeout_ms, c.aux.get(EXT, w)) {
            (Some(limit), Some(since)) => {
                let limit = self.event_limit(&c.s, w).unwrap_or(limit);
                t - since as f64 >= limit - self.tol()
            }
            _ => true,
        }
    }

    /// Has sync tag `tag`'s retry delay (growing with its attempts) passed at time `t`?
    fn sync_retry_ok(&self, c: &Cand, tag: u8, t: f64) -> bool {
        match (
            self.params.sync_initial_retry_delay_ms,
            c.aux.get(SYNC_FAIL, tag),
        ) {
            (Some(initial), Some(since)) => {
                let attempts =
                    c.s.map_entry()
                        .and_then(|r| c.s.reg(r).sync.iter().find(|g| g.tag == tag))
                        .map_or(1, |g| g.attempts.max(1));
                let factor = self.params.sync_retry_delay_factor.unwrap_or(1.0);
                let delay = initial * factor.powi(attempts as i32 - 1);
                t - since as f64 >= delay - self.tol()
            }
            _ => true,
        }
    }

    /// The timeout of the oldest extended event of `w` when its kind has its own (push, sync).
    fn event_limit(&self, s: &SwState, w: WorkerId) -> Option<f64> {
        match s.worker(w).extended.first()? {
            swspec_model::EventKind::Push => self.params.push_event_timeout_ms,
            swspec_model::EventKind::Sync { .. } => self.params.sync_event_timeout_ms,
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
            stamp_activate_due(c, id, before, w, now.max(0.0).ceil() as u64);
            note_restart(c, id, before, w, owed_before);
        }
        self.stamp_sync_failures(c, pre, post, t);
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
