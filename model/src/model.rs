//! The `stateright` model: the state, and the two functions that dispatch to the features.
//!
//! The actions are described in `action.rs` (named after the spec algorithm each performs).
//! Each feature's file holds the rules that enable its actions and the steps they take:
//! `SwModel::actions` here only calls them in a fixed order, and `SwModel::next_state` maps each
//! action to its step. Each action is one atomic step at the granularity the spec's "in
//! parallel" steps and queued tasks allow us to observe; see SPEC_NOTES.md for what is merged.

use crate::{
    capacity, Action, Client, ClientId, Ghost, Job, List, ModelConfig, Permissions, RegId,
    Registration, Worker, WorkerId, WorkerState,
};
use serde::{Deserialize, Serialize};
use stateright::Model;

/// The whole system: one origin, one scope, its registrations, workers, job queue and clients.
/// What the server serves is not state: each script fetch's outcome is an environment choice.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, swspec_model_derive::Pack)]
pub struct SwState {
    /// The registration map entry for the scope, if any.
    pub map: Option<RegId>,
    /// Every registration created so far, unregistered and cleared ones included.
    pub registrations: List<Registration, { capacity::REGISTRATIONS }>,
    /// Every worker created so far, redundant ones included.
    pub workers: List<Worker, { capacity::WORKERS }>,
    /// The scope's job queue; the front job is the one that runs.
    pub jobs: List<Job, { capacity::JOBS }>,
    /// The window clients.
    pub clients: List<Client, { capacity::CLIENTS }>,
    /// The origin's permissions (environment state the user changes).
    pub permissions: Permissions,
    /// History flags for transition properties (always false in a correct model).
    pub ghost: Ghost,
    /// Parity of the number of finished jobs, when `ModelConfig::track_finished_jobs` is on.
    pub finished_jobs_odd: Option<bool>,
    /// The user agent is online (Background Sync §Concepts); the driver flips it.
    pub online: bool,
    /// The network has stabilized for good (only with `ModelConfig::network_stabilizes`).
    pub network_stable: bool,
}

/// The Service Worker model, parameterised by its bounds.
#[derive(Clone, Debug, Default)]
pub struct SwModel {
    /// Bounds, environment choices and test-only bugs.
    pub cfg: ModelConfig,
}

impl SwModel {
    /// A model with the given configuration.
    ///
    /// # Panics
    /// When the configuration exceeds the state's capacities (see `ModelConfig::validate`);
    /// callers taking configurations from input validate first.
    pub fn new(cfg: ModelConfig) -> Self {
        if let Err(e) = cfg.validate() {
            panic!("invalid model configuration: {e}");
        }
        SwModel { cfg }
    }

    /// The initial state: no registration, every client closed.
    pub fn init_state(&self) -> SwState {
        SwState {
            map: None,
            registrations: List::new(),
            workers: List::new(),
            jobs: List::new(),
            clients: (0..self.cfg.clients).map(|_| Client::default()).collect(),
            permissions: Permissions::default(),
            ghost: Ghost::default(),
            finished_jobs_odd: self.cfg.track_finished_jobs.then_some(false),
            online: true,
            network_stable: false,
        }
    }
}

impl Model for SwModel {
    type State = SwState;
    type Action = Action;

    fn init_states(&self) -> Vec<SwState> {
        vec![self.init_state()]
    }

    /// The enabled actions, each feature's from the file of its algorithms. The order is part
    /// of the model's identity: it fixes the depth-first search's discovery paths (golden
    /// tests pin them), so a new action goes where its feature's function pushes it.
    fn actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        for c in 0..s.clients.len() as ClientId {
            if self.client_actions(s, c, actions) {
                self.page_job_actions(s, c, actions);
                self.page_event_actions(s, c, actions);
                if self.cfg.push {
                    self.subscribe_actions(s, c, actions);
                }
            }
        }
        self.job_actions(s, actions);
        if self.cfg.push {
            self.push_actions(s, actions);
        }
        if self.background_fetch_enabled() {
            self.bg_actions(s, actions);
        }
        for (i, worker) in s.workers.iter().enumerate() {
            let w = i as WorkerId;
            self.running_actions(s, w, actions);
            // A parsed worker's script is being evaluated: its only step is skipWaiting() at
            // the top level (in `lifecycle_actions`). Redundant workers take no
            // lifecycle steps.
            if worker.state == WorkerState::Parsed {
                self.lifecycle_actions(s, w, actions);
            } else {
                if worker.state != WorkerState::Redundant {
                    self.lifecycle_actions(s, w, actions);
                    self.claim_actions(s, w, actions);
                    self.worker_update_actions(s, w, actions);
                }
                // A failed install leaves a running redundant worker (finding 5), whose
                // pending messages' promises still settle.
                self.extended_event_actions(s, w, actions);
            }
        }
        self.network_stabilizes_actions(s, actions);
        if self.one_off_sync_enabled() {
            self.sync_actions(s, actions);
        }
        if self.periodic_sync_enabled() {
            self.periodic_actions(s, actions);
        }
        self.lame_duck_actions(s, actions);
    }

    /// The step of `action`, by the function of its algorithm's file; `None` when the action
    /// does not apply to `last`.
    fn next_state(&self, last: &SwState, action: Action) -> Option<SwState> {
        use Action as A;
        let mut s = last.clone();
        let s_ = &mut s;
        match action {
            // clients.rs
            A::OpenClient(c) => self.open_client(s_, c),
            A::Reload(c) => self.reload(s_, c),
            A::CloseClient(c) => self.close_client(s_, c),
            A::Claim(w) => self.claim_call(s_, w)?,
            // jobs.rs
            A::Register { client, script } => Self::register_call(s_, client, script),
            A::Update { client } => self.update_call(s_, client)?,
            A::Unregister { client } => Self::unregister_call(s_, client),
            // worker_update.rs
            A::WorkerUpdate(w) => self.worker_update_call(s_, w)?,
            A::SoftUpdate => self.soft_update(s_)?,
            A::RunJob => self.run_job(s_),
            A::UpdateFetchFailed => self.fetch_failed(s_)?,
            A::UpdateBytesIdentical => Self::update_identical(s_),
            A::UpdateBytesChanged => self.bytes_changed(s_)?,
            A::UpdateEvaluationFailed => self.evaluation_failed(s_)?,
            A::Install => self.install_step(s_)?,
            A::InstallEventSettled(outcome) => self.install_event_settled(s_, outcome)?,
            // lifecycle.rs
            A::ActivateEvent(w) => Self::activate_event(s_, w)?,
            A::ActivateEventSettled(w) => self.activate_event_settled(s_, w)?,
            A::SkipWaiting(w) => self.skip_waiting(s_, w),
            A::LameDuckActivate(r) => self.activate(s_, r),
            // runtime.rs
            A::PostMessage { client, to } => Self::post_message(s_, client, to)?,
            A::Fetch(c) => self.subresource_fetch(s_, c)?,
            A::RunServiceWorker(w) => Self::start_worker(s_, w),
            A::WorkerStarted(w) => Self::worker_started(s_, w),
            A::WorkerStartFailed(w) => self.worker_start_failed(s_, w),
            A::FunctionalEvent {
                worker,
                wait_until,
                notify,
            } => self.functional_event(s_, worker, wait_until, notify),
            A::WaitUntilSettled {
                worker,
                event,
                fulfilled,
            } => self.extended_event_ends(s_, worker, event, fulfilled)?,
            A::EventTimedOut(w) => self.event_timed_out(s_, w),
            A::StopWorker { worker, cause } => self.stop(s_, worker, cause),
            // push.rs
            A::Subscribe(c) => Self::subscribe(s_, c),
            A::PushMessage => Self::push_message(s_)?,
            A::NotificationClick => Self::notification_activated(s_, false)?,
            A::NotificationClose => Self::notification_activated(s_, true)?,
            A::SetPermission { permission, state } => Self::set_permission(s_, permission, state),
            // sync.rs
            A::SyncRegister { client, tag } => self.sync_register(s_, client, tag),
            A::SyncFire { tag } => self.sync_fire(s_, tag),
            A::SyncRetryDue { tag } => Self::sync_retry_due(s_, tag),
            A::GoOffline => s_.set_online(false),
            A::GoOnline => s_.set_online(true),
            A::NetworkStabilizes => s_.network_stabilizes(),
            A::PeriodicSyncRegister { tag, .. } => Self::periodic_register(s_, tag),
            A::PeriodicSyncUnregister { tag, .. } => Self::periodic_unregister(s_, tag),
            A::PeriodicSyncFire { tag } => Self::periodic_fire(s_, tag),
            A::PeriodicSyncSuspend { tag, suspend } => Self::periodic_suspend(s_, tag, suspend),
            // bgfetch.rs
            A::BackgroundFetch {
                client,
                id,
                requests,
                download_total,
                ..
            } => self.bg_fetch_start(s_, client, id, requests, download_total)?,
            A::BgFetchAbort {
                registration,
                fetch,
            } => Self::bg_abort(s_, registration, fetch)?,
            A::BgRecordProgress {
                registration,
                fetch,
                record,
                outcome,
            } => self.bg_record_step(s_, registration, fetch, record, outcome),
            A::BgFetchOnline {
                registration,
                fetch,
                restart,
            } => Self::bg_online(s_, registration, fetch, restart),
            A::BgFetchComplete {
                registration,
                fetch,
            } => self.bg_complete(s_, registration, fetch),
            A::BgFetchClick {
                registration,
                fetch,
            } => Self::bg_click(s_, registration, fetch),
            A::BgUpdateUi {
                registration,
                fetch,
            } => Self::bg_update_ui(s_, registration, fetch),
        }
        if self.background_fetch_enabled() {
            Self::bg_after_step(last, &mut s);
        }
        Some(s)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        crate::properties::applicable(&self.cfg)
            .map(|p| p.to_stateright())
            .collect()
    }

    fn within_boundary(&self, s: &SwState) -> bool {
        s.workers.len() <= self.cfg.max_workers as usize
            && s.registrations.len() <= self.cfg.max_registrations as usize
    }

    fn format_action(&self, action: &Action) -> String {
        format!("{action}  [{}]", action.spec())
    }
}
