//! The profile's timer bounds: a step a timer triggers (an idle stop, an event timeout, a sync
//! retry) is taken only once its timer can have run out, less [`Options::timer_tolerance_ms`];
//! and the stamps in a candidate's bindings those bounds are measured from, updated after every
//! step. Stamps are kept only for the timers the profile bounds.

use super::bindings::{BUSY, EXT, SYNC_FAIL};
use super::candidate::Cand;
use super::search::Search;
#[cfg(doc)]
use super::Options;
use swspec_model::{Action, RunningStatus, StopCause, SwState, WorkerId, WorkerState};

impl Search<'_> {
    pub(super) fn tol(&self) -> f64 {
        self.opts.timer_tolerance_ms
    }

    /// The profile's lower bounds on timers, for a step taken at time `t` (ms).
    pub(super) fn timers_ok(&self, c: &Cand, a: &Action, t: f64) -> bool {
        match *a {
            // A redundant worker's stop is not an idle stop: engines stop a worker as soon as
            // it is doomed (Chromium `ServiceWorkerVersion::Doom`), the spec leaves it to idle.
            Action::Stop {
                worker,
                cause: StopCause::Idle,
            } if c.s.worker(worker).state == WorkerState::Redundant => true,
            Action::Stop {
                worker,
                cause: StopCause::Idle,
            } => match (self.params.idle_timeout_ms, c.aux.get(BUSY, worker)) {
                (Some(idle), Some(since)) => t - since as f64 >= idle - self.tol(),
                _ => true,
            },
            Action::EventTimedOut(worker) => {
                match (self.params.event_timeout_ms, c.aux.get(EXT, worker)) {
                    (Some(limit), Some(since)) => {
                        let limit = self.event_limit(&c.s, worker).unwrap_or(limit);
                        t - since as f64 >= limit - self.tol()
                    }
                    _ => true,
                }
            }
            Action::SyncRetryDue { tag } => {
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
            _ => true,
        }
    }

    /// The timeout of the oldest extended event of `w` when its kind has its own (push, sync).
    pub(super) fn event_limit(&self, s: &SwState, w: WorkerId) -> Option<f64> {
        match s.worker(w).extended.first()? {
            swspec_model::EventKind::Push => self.params.push_event_timeout_ms,
            swspec_model::EventKind::Sync { .. } => self.params.sync_event_timeout_ms,
            _ => None,
        }
    }

    pub(super) fn update_timers(&self, c: &mut Cand, pre: &SwState, post: &SwState, t: f64) {
        let t = t.max(0.0) as u64;
        for (i, w) in post.workers.iter().enumerate() {
            let id = i as u8;
            let busy = |w: &swspec_model::Worker| {
                !w.tasks.is_empty()
                    || !w.extended.is_empty()
                    || matches!(w.state, WorkerState::Installing | WorkerState::Activating)
                    || w.running == RunningStatus::Starting
            };
            let was_busy = pre.workers.get(i).is_some_and(busy);
            // Timer stamps are kept only when the profile bounds that timer: they split
            // otherwise-equal candidates.
            if self.params.idle_timeout_ms.is_some()
                && (busy(w) || was_busy || pre.workers.get(i).is_none())
                && c.aux.get(BUSY, id) != Some(t)
            {
                c.aux_mut().set(BUSY, id, t);
            }
            let had_ext = pre.workers.get(i).is_some_and(|p| !p.extended.is_empty());
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
            if pre
                .workers
                .get(i)
                .is_some_and(|p| p.running != RunningStatus::Running)
                && w.running == RunningStatus::Running
            {
                if let Some((i, false)) = c.aux.inst(id) {
                    c.aux_mut().set_inst(id, (i, true));
                }
            }
        }
        // Sync attempts that failed start the retry clock.
        if let Some(r) = post.map_entry() {
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
}
