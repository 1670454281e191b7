//! `self.registration.update()` called from a worker's own global.
//!
//! ```text
//! ┌───────────────────────────────────────────────────────────────────────────────────────┐
//! │ §update() (w3c/ServiceWorker index.bs, ServiceWorkerRegistration update()):          │
//! │   newestWorker ← Get Newest Worker(registration); null → reject InvalidStateError.    │
//! │   "If this's relevant global object globalObject is a ServiceWorkerGlobalScope        │
//! │    object, and globalObject's associated service worker's state is "installing",    │
//! │    return a promise rejected with an "InvalidStateError" DOMException."               │
//! │   Otherwise Create Job(update, registration's scope, newestWorker's script url,       │
//! │   promise, this's relevant settings object) and Schedule Job: the job's client, who   │
//! │   holds its promise, is the worker (`JobClient::Worker`), not a page.                 │
//! └───────────────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The registration is the worker's own (`self.registration`), which may have left the map
//! since; §Update then finds the scope's current registration (or none: TypeError), as for a
//! page's call. The call is offered to a running worker that is installed, activating or
//! activated (its script runs in some event or timer; the model does not say which), behind the
//! switch `EnvChoices::worker_update`. A call at the top level of a script being evaluated is
//! not offered. The installing worker's call changes nothing and rejects: that is the guard
//! step [`SwModel::worker_update_guard_step`], not an action. The job's promise settles on the
//! worker's own event loop, so a worker stopped by then sees no settlement (observe/steps.rs).

use crate::observe::{CallOutcome, GuardStep, Observation, WorkerCall};
use crate::{Action, JobClient, RunningStatus, SwModel, SwState, WorkerId, WorkerState};

/// When the action is enabled.
impl SwModel {
    /// `update()` from worker `w`'s global, with `EnvChoices::worker_update`, while the queue
    /// has room (`max_queued_jobs`), when it schedules a job
    /// ([`SwModel::worker_update_schedules`]).
    pub(crate) fn worker_update_actions(
        &self,
        s: &SwState,
        w: WorkerId,
        actions: &mut Vec<Action>,
    ) {
        if self.cfg.env.worker_update
            && !self.job_queue_full(s)
            && Self::worker_update_schedules(s, w)
        {
            actions.push(Action::WorkerUpdate(w));
        }
    }

    /// Worker `w`'s script runs (running) and is past its install (installed, activating,
    /// activated), and its registration has a newest worker: §update() schedules a job.
    pub fn worker_update_schedules(s: &SwState, w: WorkerId) -> bool {
        let worker = s.worker(w);
        worker.running == RunningStatus::Running
            && matches!(
                worker.state,
                WorkerState::Installed | WorkerState::Activating | WorkerState::Activated
            )
            && s.reg(worker.registration).newest().is_some()
    }

    /// §update() from worker `w`'s global rejects with InvalidStateError: `w` is installing
    /// (its registration's newest worker is then `w` itself, never null).
    pub fn worker_update_rejects(s: &SwState, w: WorkerId) -> bool {
        s.worker(w).state == WorkerState::Installing
    }
}

/// The step and the guard step.
impl SwModel {
    /// `update()` from worker `w`'s global: an update job for its registration's newest
    /// worker's script URL, whose promise the worker holds.
    pub(crate) fn worker_update_call(&self, s: &mut SwState, w: WorkerId) -> Option<()> {
        let n = s.reg(s.worker(w).registration).newest()?;
        let script = s.worker(n).script;
        self.schedule_update(s, script, JobClient::Worker(w));
        Some(())
    }

    /// The installing worker's `update()`: rejected with InvalidStateError, nothing changes.
    pub(crate) fn worker_update_guard_step(worker: WorkerId) -> GuardStep {
        vec![
            Observation::WorkerUpdate { worker },
            Observation::WorkerCallSettled {
                worker,
                call: WorkerCall::Update,
                outcome: CallOutcome::InvalidStateError,
            },
        ]
    }
}
