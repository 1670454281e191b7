//! The observations of model steps: [`SwModel::observe`] derives a step's observations from its
//! pre-state, action and post-state, [`SwModel::call_observation`] is the driver's or the
//! script's own call, and [`SwModel::guard_steps`] lists the calls that change no state. The
//! vocabulary itself is the parent module.

use super::{
    CallOutcome, DownloadTotal, GuardStep, JobCall, JobOutcome, LifecycleEvent, Obs, Observation,
    WorkerCall,
};
use crate::{
    Action, BgResult, ClientId, ControlledVia, EventKind, JobClient, JobType, Permission,
    RunningStatus, StopCause, SwModel, SwState, WorkerId, WorkerState,
};

impl SwModel {
    /// The observations of `action` taken from `pre` to `post`, in the order the spec makes
    /// them (driver step first, then job promise, worker states, clients, events).
    pub fn observe(&self, pre: &SwState, action: &Action, post: &SwState) -> Vec<Obs> {
        use Observation as O;
        let mut out = Vec::new();
        // The driver's step, or the worker script's call.
        out.extend(Self::call_observation(pre, action));
        // The script fetch, as the capture's server sees it (before what the job does with it).
        out.extend(Self::script_fetched(pre, action, post));
        // The call's own promise, when it resolves in this step (observe/calls.rs).
        out.extend(Self::call_settlement(action));
        // Job promises: the front job's, and its coalesced equivalents'.
        if let Some(job) = pre.jobs.first().filter(|j| !j.settled) {
            let removed = post.jobs.len() < pre.jobs.len();
            let settled = post.jobs.first().is_some_and(|j| j.settled);
            if removed || settled {
                let call = match job.job_type {
                    JobType::Register(_) => JobCall::Register,
                    JobType::Update(_) => JobCall::Update,
                    JobType::Unregister => JobCall::Unregister,
                };
                let outcome = match (action, call) {
                    (Action::RunJob, JobCall::Unregister) => {
                        if pre.map.is_some() {
                            JobOutcome::UnregisteredTrue
                        } else {
                            JobOutcome::UnregisteredFalse
                        }
                    }
                    (Action::RunJob, JobCall::Update) => JobOutcome::TypeError,
                    (Action::UpdateFetchFailed | Action::UpdateEvaluationFailed, _) => {
                        JobOutcome::TypeError
                    }
                    _ => JobOutcome::Registration,
                };
                for holder in job.holders() {
                    out.extend(Self::job_settled_seen(post, holder, call, outcome));
                }
            }
        }
        if matches!(action, Action::Install) {
            out.push(O::UpdateFound);
        }
        // Worker states (new workers start in `parsed`, which is never observable) and running
        // status.
        for (i, w) in post.workers.iter().enumerate() {
            let worker = i as WorkerId;
            let before = pre.workers.get(i);
            let old_state = before.map_or(WorkerState::Parsed, |b| b.state);
            if w.state != old_state {
                // One step may pass through states (install ends, Try Activate activates): each
                // is a `statechange` of its own.
                const PATH: [WorkerState; 4] = [
                    WorkerState::Installing,
                    WorkerState::Installed,
                    WorkerState::Activating,
                    WorkerState::Activated,
                ];
                let from = PATH.iter().position(|x| *x == old_state);
                let to = PATH.iter().position(|x| *x == w.state);
                let states: &[WorkerState] = match (from, to) {
                    (Some(f), Some(t)) if f < t => &PATH[f + 1..=t],
                    (None, Some(t)) if old_state == WorkerState::Parsed => &PATH[..=t],
                    _ => std::slice::from_ref(&w.state),
                };
                out.extend(states.iter().map(|&state| O::StateChange { worker, state }));
            }
            let old_running = before.map_or(RunningStatus::Stopped, |b| b.running);
            if w.running != old_running {
                out.push(O::RunningStatus {
                    worker,
                    status: w.running,
                });
            }
        }
        // controllerchange for clients handed over by Activate or claim().
        for (i, c) in post.clients.iter().enumerate() {
            let before = pre.clients[i];
            if c.controller != before.controller
                && matches!(c.via, ControlledVia::Activate | ControlledVia::Claim)
            {
                out.push(O::ControllerChange { client: i as u8 });
            }
        }
        // Events the worker's script sees.
        match *action {
            Action::Install => {
                if let Some(w) = post.installing_job_worker() {
                    out.push(O::LifecycleEvent {
                        worker: w,
                        event: LifecycleEvent::Install,
                    });
                }
            }
            Action::ActivateEvent(worker) => out.push(O::LifecycleEvent {
                worker,
                event: LifecycleEvent::Activate,
            }),
            Action::FunctionalEvent {
                worker,
                wait_until,
                notify,
            } => {
                if let Some(&kind) = pre.worker(worker).tasks.first() {
                    out.push(Self::functional_event_seen(
                        pre, worker, kind, wait_until, notify,
                    ));
                }
            }
            Action::WaitUntilSettled {
                worker,
                event,
                fulfilled,
            } => {
                if let Some(&kind) = pre.worker(worker).extended.get(usize::from(event)) {
                    out.push(O::WaitUntilSettled {
                        worker,
                        event: kind.event_name(),
                        fulfilled,
                    });
                }
            }
            Action::BgFetchComplete {
                registration,
                fetch,
            } => {
                let f = &post.reg(registration).bg.fetches[fetch as usize];
                if f.result != BgResult::Unset {
                    out.push(O::BgFetchSettled {
                        id: f.id,
                        result: f.result,
                        failure_reason: f.failure_reason,
                    });
                }
            }
            _ => {}
        }
        out
    }

    /// How the holder of a job promise sees it settle: a page's `job_settled`; a worker's
    /// `update()` settles as its `worker_call_settled`, on its own event loop, so only while
    /// it still runs (§Resolve Job Promise queues the task on the client's event loop).
    fn job_settled_seen(
        post: &SwState,
        holder: JobClient,
        call: JobCall,
        outcome: JobOutcome,
    ) -> Option<Obs> {
        match holder {
            JobClient::Page(client) => Some(Observation::JobSettled {
                client,
                call,
                outcome,
            }),
            JobClient::Worker(worker) => {
                let runs = post.worker(worker).running == RunningStatus::Running;
                let outcome = match outcome {
                    JobOutcome::TypeError => CallOutcome::TypeError,
                    JobOutcome::InvalidStateError => CallOutcome::InvalidStateError,
                    _ => CallOutcome::Resolved,
                };
                runs.then_some(Observation::WorkerCallSettled {
                    worker,
                    call: WorkerCall::Update,
                    outcome,
                })
            }
        }
    }

    /// `script_fetched` of a step that received the worker script (§Update): the newest
    /// worker's version for identical bytes, the new worker's for changed ones.
    fn script_fetched(pre: &SwState, action: &Action, post: &SwState) -> Option<Obs> {
        let version = match action {
            Action::UpdateBytesIdentical => {
                let crate::JobPhase::Fetching { registration } = pre.jobs.first()?.phase else {
                    return None;
                };
                pre.worker(pre.reg(registration).newest()?).version
            }
            Action::UpdateBytesChanged => post.workers.last()?.version,
            _ => return None,
        };
        Some(Observation::ScriptFetched { version })
    }

    /// The observation of `action`'s own call, when it is one: the driver's step (a page's call,
    /// the user's or DevTools' action, the network) or the worker script's `skipWaiting()` /
    /// `clients.claim()`. It depends on the action and `pre` only, and [`SwModel::observe`]
    /// always reports it first.
    pub fn call_observation(pre: &SwState, action: &Action) -> Option<Obs> {
        use Observation as O;
        match *action {
            Action::OpenClient(client) => Some(O::OpenClient { client }),
            Action::Reload(client) => Some(O::Reload { client }),
            Action::CloseClient(client) => Some(O::CloseClient { client }),
            Action::Register { client, script } => Some(O::Register { client, script }),
            Action::Update { client } => Some(O::Update { client }),
            Action::Unregister { client } => Some(O::Unregister { client }),
            Action::PostMessage { client, to } => Some(O::PostMessage { client, to }),
            Action::Fetch(client) => Some(O::Fetch { client }),
            Action::StopWorker {
                worker,
                cause: StopCause::Forced,
            } => Some(O::StopWorker { worker }),
            Action::GoOffline => Some(O::GoOffline),
            Action::GoOnline => Some(O::GoOnline),
            Action::Subscribe(client) => Some(O::Subscribe { client }),
            Action::PushMessage => Some(O::PushMessage),
            Action::NotificationClick => Some(O::NotificationClick),
            Action::NotificationClose => Some(O::NotificationClose),
            Action::SetPermission { permission, state } => {
                Some(O::SetPermission { permission, state })
            }
            Action::SyncRegister { client, tag } => Some(O::SyncRegister { client, tag }),
            Action::PeriodicSyncRegister { client, tag } => {
                Some(O::PeriodicSyncRegister { client, tag })
            }
            Action::PeriodicSyncUnregister { client, tag } => {
                Some(O::PeriodicSyncUnregister { client, tag })
            }
            Action::BackgroundFetch {
                client,
                id,
                requests,
                download_total,
                ..
            } => Some(O::BackgroundFetch {
                client,
                id,
                requests,
                download_total: if download_total > 0 {
                    DownloadTotal::Below
                } else {
                    DownloadTotal::None
                },
            }),
            Action::BgFetchAbort {
                registration,
                fetch,
            } => Some(O::BgFetchAbort {
                id: pre.reg(registration).bg.fetches[fetch as usize].id,
            }),
            Action::SkipWaiting(worker) => Some(O::SkipWaiting { worker }),
            Action::Claim(worker) => Some(O::Claim { worker }),
            Action::WorkerUpdate(worker) => Some(O::WorkerUpdate { worker }),
            _ => None,
        }
    }

    fn functional_event_seen(
        s: &SwState,
        worker: WorkerId,
        kind: EventKind,
        wait_until: bool,
        notify: bool,
    ) -> Obs {
        let (tag, last_chance) = match kind {
            EventKind::Sync { tag, last_chance } => (Some(tag), Some(last_chance)),
            EventKind::PeriodicSync { tag, .. } => (Some(tag), None),
            EventKind::BgFetchSuccess(slot)
            | EventKind::BgFetchFail(slot)
            | EventKind::BgFetchAbort(slot)
            | EventKind::BgFetchClick(slot) => {
                let r = s.worker(worker).registration;
                (s.reg(r).bg.fetches.get(slot as usize).map(|f| f.id), None)
            }
            _ => (None, None),
        };
        let (client, navigate) = match kind {
            EventKind::Fetch { client, navigate } => (client, navigate),
            _ => (None, false),
        };
        Observation::FunctionalEvent {
            worker,
            event: kind.event_name(),
            tag,
            last_chance,
            client,
            navigate,
            wait_until,
            notify,
        }
    }

    /// Observable steps that change no state: calls that reject or do nothing. Each is a list of
    /// observations, the first being the call itself.
    pub fn guard_steps(&self, s: &SwState) -> Vec<GuardStep> {
        use Observation as O;
        let mut out = Vec::new();
        for (i, c) in s.clients.iter().enumerate() {
            if !c.open {
                continue;
            }
            let client = i as ClientId;
            // §update() with no newest worker: InvalidStateError (also on the object of a
            // registration no longer in the map).
            if Self::update_rejects(s) {
                out.push(vec![
                    O::Update { client },
                    O::JobSettled {
                        client,
                        call: JobCall::Update,
                        outcome: JobOutcome::InvalidStateError,
                    },
                ]);
            }
            // postMessage / fetch with no controller: nothing reaches a worker.
            if c.controller.is_none() {
                out.push(vec![O::Fetch { client }]);
            }
            // Sync, periodic sync, push and background fetch calls that reject or change
            // nothing (observe/calls.rs).
            self.call_guard_steps(s, client, &mut out);
            // sync.getTags(): the pending, waiting or firing registrations' tags.
            if let Some(r) = s.map_entry().filter(|_| self.cfg.sync) {
                let mut tags: Vec<u8> = s.reg(r).sync.iter().map(|g| g.tag).collect();
                tags.sort_unstable();
                out.push(vec![O::SyncTags { client, tags }]);
            }
        }
        // A permission set to the state it has already (a harness granting what the model's
        // origin starts with): nothing changes.
        for permission in [
            Permission::Push,
            Permission::BackgroundSync,
            Permission::PeriodicBackgroundSync,
            Permission::BackgroundFetch,
        ] {
            out.push(vec![O::SetPermission {
                permission,
                state: s.permissions.get(permission),
            }]);
        }
        for (i, w) in s.workers.iter().enumerate() {
            let worker = i as WorkerId;
            // A worker being evaluated may call skipWaiting() again at the top level of its
            // script; it runs no other guarded call.
            let evaluating = w.state == WorkerState::Parsed && w.running == RunningStatus::Starting;
            if evaluating && w.skip_waiting {
                out.push(Self::skip_waiting_guard_step(worker));
            }
            if w.state == WorkerState::Redundant || w.running != RunningStatus::Running {
                continue;
            }
            // skipWaiting() that Try Activate cannot act on (already flagged, or active).
            if w.skip_waiting || matches!(w.state, WorkerState::Activating | WorkerState::Activated)
            {
                out.push(Self::skip_waiting_guard_step(worker));
            }
            // clients.claim() that rejects or takes over nobody.
            if !Self::claim_takes_over(s, worker) {
                out.push(Self::claim_guard_step(s, worker));
            }
            // registration.update() from the installing worker: InvalidStateError.
            if self.cfg.env.worker_update && Self::worker_update_rejects(s, worker) {
                out.push(Self::worker_update_guard_step(worker));
            }
        }
        out
    }
}
