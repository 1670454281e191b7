//! The `stateright` model: state, actions (named after the spec algorithm each performs) and the
//! transition function. Each action is one atomic step at the granularity the spec's "in
//! parallel" steps and queued tasks allow us to observe; see SPEC_NOTES.md for what is merged.

use crate::{
    capacity, Client, ClientId, Ghost, InstallOutcome, Job, List, ModelConfig, Permission,
    PermissionState, Permissions, RegId, Registration, StopCause, Worker, WorkerId, WorkerState,
};
use serde::{Deserialize, Serialize};
use stateright::Model;

/// The whole system: one origin, one scope, its registrations, workers, job queue and clients.
/// What the server serves is not state: each script fetch's outcome is an environment choice.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// Where a step comes from: the page, the worker, the user agent, or the environment
/// (network, server, timing). Used in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    /// A page (window client) calls an API or navigates.
    Page,
    /// Script running in a service worker.
    Worker,
    /// The user agent's own algorithm steps.
    Browser,
    /// The network, the server or a timer chooses an outcome.
    Environment,
}

/// A model step. Each variant names the spec algorithm it performs; [`Action::spec`] gives the
/// section.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", content = "with", rename_all = "PascalCase")]
pub enum Action {
    /// A closed client navigates into the scope: Handle Fetch for a navigation request.
    OpenClient(ClientId),
    /// An open client reloads (or navigates within the scope): Handle Fetch for the new document,
    /// then Handle Service Worker Client Unload for the old one.
    Navigate(ClientId),
    /// A client's document unloads: Handle Service Worker Client Unload.
    CloseClient(ClientId),
    /// `navigator.serviceWorker.register(script)`: Start Register, Create Job, Schedule Job.
    Register {
        /// The calling client.
        client: ClientId,
        /// The script URL index.
        script: u8,
    },
    /// `registration.update()`: an update job is scheduled (the InvalidStateError case, no newest
    /// worker, is [`SwModel::update_rejects`]).
    Update {
        /// The calling client.
        client: ClientId,
    },
    /// `registration.unregister()`: an unregister job is scheduled.
    Unregister {
        /// The calling client.
        client: ClientId,
    },
    /// The user agent runs Soft Update on the scope's registration (a job with no client).
    SoftUpdate,
    /// Run Job: the front job starts (Register, Update or Unregister).
    RunJob,
    /// Update: the script fetch fails (network error, bad MIME type, ...).
    UpdateFetchFailed,
    /// Update: the script is byte-for-byte identical to the newest worker's; the promise resolves,
    /// nothing installs.
    UpdateBytesIdentical,
    /// Update: the changed script fails to evaluate (Run Service Worker fails).
    UpdateEvaluationFailed,
    /// Update: the script differs from the newest worker's (the next version) and evaluates;
    /// Install starts (installing slot, the job promise resolves, updatefound, the install event
    /// is dispatched).
    Install,
    /// Install: the install event ends with `outcome`.
    InstallEventSettled(InstallOutcome),
    /// Activate: the activate event of worker `0` ends (any outcome); the worker is activated.
    ActivateEventSettled(WorkerId),
    /// `self.skipWaiting()` in worker `0`: set the skip waiting flag, Try Activate.
    SkipWaiting(WorkerId),
    /// `clients.claim()` in worker `0`, its registration's active worker: it takes over the
    /// matching clients (the InvalidStateError case is [`SwModel::claim_rejects`]).
    Claim(WorkerId),
    /// A client posts a message to its controller: Run Service Worker, then a message task is
    /// queued on it.
    PostMessage(ClientId),
    /// A controlled client requests a subresource: Handle Fetch queues a fetch task on its
    /// controller (dispatched only once the controller is activated).
    Fetch(ClientId),
    /// Run Service Worker finishes: worker `0` runs; an active worker gets the registration's
    /// backed-up tasks.
    WorkerStarted(WorkerId),
    /// Run Service Worker fails for worker `0`: the events that needed it fail.
    WorkerStartFailed(WorkerId),
    /// The front task of `worker` is dispatched (Fire Functional Event / Create Fetch Event and
    /// Dispatch / message). With `extend`, the handler leaves a lifetime promise pending
    /// (`waitUntil`/`respondWith`) and the event joins the set of extended events; with
    /// `notify`, a push handler shows a notification.
    DispatchEvent {
        /// The worker.
        worker: WorkerId,
        /// A lifetime promise stays pending.
        extend: bool,
        /// The push handler shows a notification.
        notify: bool,
    },
    /// The last lifetime promise of worker `0`'s oldest extended event settles: Try Clear
    /// Registration if unregistered, then Try Activate.
    SettleExtendedEvent(WorkerId),
    /// Worker `0`'s pending events time out (their timed out flag is set: they fail); under
    /// profiles that kill on timeout the worker is terminated too.
    EventTimedOut(WorkerId),
    /// Terminate Service Worker on `worker` for `cause` (idle, forced or unresponsive).
    Stop {
        /// The worker.
        worker: WorkerId,
        /// Why.
        cause: StopCause,
    },
    /// `pushManager.subscribe({userVisibleOnly: true})` succeeds (rejections are the guard
    /// `SwModel::subscribe_rejects`).
    Subscribe(ClientId),
    /// The push service delivers a message: Fire Functional Event `push` on the subscribed
    /// registration's active worker.
    PushMessage,
    /// The user clicks the registration's notification: `notificationclick`.
    NotificationClick,
    /// The user closes the registration's notification: `notificationclose`.
    NotificationClose,
    /// The user grants or revokes a permission.
    SetPermission {
        /// Which permission.
        permission: Permission,
        /// Its new state.
        state: PermissionState,
    },
    /// Chromium's lame-duck timeout: the waiting worker of registration `0` is activated although
    /// the active worker still has pending events (not in the spec).
    LameDuckActivate(RegId),
    /// A lifetime promise of worker `0`'s oldest extended event rejects (the event fails; for a
    /// sync event: retry or give up).
    RejectExtendedEvent(WorkerId),
    /// `registration.sync.register(tag)` from a page (rejections are the guard
    /// `SwModel::sync_register_rejects`).
    SyncRegister {
        /// The calling client.
        client: ClientId,
        /// The tag.
        tag: u8,
    },
    /// Fire a sync event for the pending registration `tag` (the UA is online).
    SyncFire {
        /// The tag.
        tag: u8,
    },
    /// The UA's retry delay for `tag` has passed.
    SyncRetryDue {
        /// The tag.
        tag: u8,
    },
    /// The network goes away.
    GoOffline,
    /// The network comes back.
    GoOnline,
    /// `registration.periodicSync.register(tag)` from a page.
    PeriodicSyncRegister {
        /// The calling client.
        client: ClientId,
        /// The tag.
        tag: u8,
    },
    /// `registration.periodicSync.unregister(tag)` from a page.
    PeriodicSyncUnregister {
        /// The calling client.
        client: ClientId,
        /// The tag.
        tag: u8,
    },
    /// The interval of periodic registration `tag` has elapsed while online: fire a periodicsync
    /// event.
    PeriodicSyncFire {
        /// The tag.
        tag: u8,
    },
    /// The UA suspends (`suspend`) or resumes periodic registration `tag`.
    PeriodicSyncSuspend {
        /// The tag.
        tag: u8,
        /// Suspend (true) or resume (false).
        suspend: bool,
    },
    /// The network comes online for good (liveness runs only: "eventually online for good").
    NetworkStabilizes,
    /// `backgroundFetch.fetch(id, requests, {downloadTotal})` on the map entry's registration
    /// succeeds (rejections are the guard `SwModel::bg_fetch_rejects`): the fetch becomes
    /// active and Perform a background fetch starts.
    BackgroundFetch {
        /// The calling page.
        client: ClientId,
        /// The id (`0..max_bg_fetches`).
        id: u8,
        /// Number of requests (1 or 2).
        requests: u8,
        /// `downloadTotal` in chunks (0: none).
        download_total: u8,
        /// Chromium: the call follows a user gesture (needed after the page's first fetch).
        gesture: bool,
    },
    /// `abort()` on an active background fetch (from a page, the worker, or the user through
    /// the UI) resolves true: the fetch leaves the active fetches and its records are aborted.
    BgFetchAbort {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
    },
    /// The network (or storage) takes one step of a record's fetch (Complete a record).
    BgRecordProgress {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
        /// The record's index.
        record: u8,
        /// What happens.
        outcome: crate::RecordOutcome,
    },
    /// The network is available again: a paused fetch resumes (its records re-request with a
    /// `Range` header).
    BgFetchOnline {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
        /// The server ignores the range: partial bodies restart from zero.
        restart: bool,
    },
    /// Perform a background fetch finishes: result and failure reason are set and one completion
    /// event is fired through Fire Functional Event.
    BgFetchComplete {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
    },
    /// The user activates the fetch's UI: `backgroundfetchclick`.
    BgFetchClick {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
    },
    /// `event.updateUI()` in a pending `backgroundfetchsuccess`/`backgroundfetchfail` handler
    /// succeeds (rejections are `SwState::bg_update_ui_rejects`).
    BgUpdateUi {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
    },
}

impl Action {
    /// The spec section (W3C Service Workers, index.bs) the action performs.
    pub fn spec(&self) -> &'static str {
        match self {
            Action::OpenClient(_) => "§Handle Fetch",
            Action::Navigate(_) => "§Handle Fetch; §Handle Service Worker Client Unload",
            Action::CloseClient(_) => "§Handle Service Worker Client Unload",
            Action::Register { .. } => "§register(); §Start Register; §Schedule Job",
            Action::Update { .. } => "§update(); §Schedule Job",
            Action::Unregister { .. } => "§unregister(); §Schedule Job",
            Action::SoftUpdate => "§Soft Update",
            Action::RunJob => "§Run Job; §Register / §Update / §Unregister",
            Action::UpdateFetchFailed => "§Update (fetch failure)",
            Action::UpdateBytesIdentical => "§Update (byte-for-byte identical)",
            Action::UpdateEvaluationFailed => "§Update; §Run Service Worker (failure)",
            Action::Install => "§Update; §Install",
            Action::InstallEventSettled(_) => "§Install (install event)",
            Action::ActivateEventSettled(_) => "§Activate (activate event)",
            Action::SkipWaiting(_) => "§skipWaiting(); §Try Activate",
            Action::Claim(_) => "§claim()",
            Action::PostMessage(_) => "§postMessage(message, options); §Run Service Worker",
            Action::Fetch(_) => "§Handle Fetch (subresource request)",
            Action::WorkerStarted(_) => "§Run Service Worker",
            Action::WorkerStartFailed(_) => "§Run Service Worker (failure)",
            Action::DispatchEvent { .. } => {
                "§Fire Functional Event; §Create Fetch Event and Dispatch; §Update Service Worker Extended Events Set"
            }
            Action::SettleExtendedEvent(_) => "§ExtendableEvent (add lifetime promise)",
            Action::EventTimedOut(_) => "§ExtendableEvent (timed out flag); §Lifetime",
            Action::Stop { .. } => "§Terminate Service Worker; §Lifetime",
            Action::Subscribe(_) => "Push API §subscribe() method",
            Action::PushMessage => "Push API §Receiving a push message; §Fire Functional Event",
            Action::NotificationClick => "Notifications §Activating a notification",
            Action::NotificationClose => "Notifications §Closing a notification",
            Action::SetPermission { .. } => "Permissions (user choice)",
                        Action::LameDuckActivate(_) => "Chromium kMaxLameDuckTime (not in the spec)",
            Action::RejectExtendedEvent(_) => "§ExtendableEvent (add lifetime promise: rejected)",
            Action::SyncRegister { .. } => "Background Sync §register(tag)",
            Action::SyncFire { .. } => "Background Sync §fire a sync event",
            Action::SyncRetryDue { .. } => "Background Sync §fire a sync event (retry after a UA-defined delay)",
            Action::GoOffline | Action::GoOnline => "Background Sync §Concepts (online)",
            Action::PeriodicSyncRegister { .. } => "Periodic Background Sync §register(tag, options)",
            Action::PeriodicSyncUnregister { .. } => "Periodic Background Sync §unregister(tag)",
            Action::PeriodicSyncFire { .. } => "Periodic Background Sync §Process periodic sync registrations; §Fire a periodicsync event",
                        Action::PeriodicSyncSuspend { .. } => "Periodic Background Sync §Periodic sync registration (suspended)",
            Action::NetworkStabilizes => "liveness assumption: the network is eventually online for good",
            Action::BackgroundFetch { .. } => "Background Fetch §fetch()",
            Action::BgFetchAbort { .. } => "Background Fetch §abort(); §Display (user abort)",
            Action::BgRecordProgress { .. } => "Background Fetch §Complete a record",
            Action::BgFetchOnline { .. } => {
                "Background Fetch §Complete a record (temporarily unavailable: wait, retry)"
            }
            Action::BgFetchComplete { .. } => {
                "Background Fetch §Perform a background fetch; §Fire Functional Event"
            }
            Action::BgFetchClick { .. } => "Background Fetch §Fire a background fetch click event",
            Action::BgUpdateUi { .. } => "Background Fetch §updateUI()",
        }
    }

    /// Who takes the step.
    pub fn actor(&self) -> Actor {
        match self {
            Action::OpenClient(_)
            | Action::Navigate(_)
            | Action::CloseClient(_)
            | Action::Register { .. }
            | Action::Update { .. }
            | Action::Unregister { .. }
            | Action::PostMessage(_)
            | Action::Fetch(_)
            | Action::Subscribe(_)
            | Action::SyncRegister { .. }
            | Action::PeriodicSyncRegister { .. }
            | Action::PeriodicSyncUnregister { .. }
            | Action::BackgroundFetch { .. }
            | Action::BgFetchAbort { .. } => Actor::Page,
            Action::SkipWaiting(_)
            | Action::Claim(_)
            | Action::SettleExtendedEvent(_)
            | Action::RejectExtendedEvent(_)
            | Action::DispatchEvent { .. }
            | Action::BgUpdateUi { .. } => Actor::Worker,
            Action::SoftUpdate
            | Action::RunJob
            | Action::Install
            | Action::WorkerStarted(_)
            | Action::WorkerStartFailed(_)
            | Action::Stop { .. }
            | Action::EventTimedOut(_)
            | Action::LameDuckActivate(_)
            | Action::SyncFire { .. }
            | Action::SyncRetryDue { .. }
            | Action::PeriodicSyncFire { .. }
            | Action::PeriodicSyncSuspend { .. }
            | Action::BgFetchComplete { .. } => Actor::Browser,
            Action::PushMessage
            | Action::NotificationClick
            | Action::NotificationClose
            | Action::SetPermission { .. }
            | Action::NetworkStabilizes
            | Action::GoOffline
            | Action::GoOnline
            | Action::UpdateFetchFailed
            | Action::UpdateBytesIdentical
            | Action::UpdateEvaluationFailed
            | Action::InstallEventSettled(_)
            | Action::ActivateEventSettled(_)
            | Action::BgRecordProgress { .. }
            | Action::BgFetchOnline { .. }
            | Action::BgFetchClick { .. } => Actor::Environment,
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::OpenClient(c) => write!(f, "client {c} navigates into the scope"),
            Action::Navigate(c) => write!(f, "client {c} reloads"),
            Action::CloseClient(c) => write!(f, "client {c} unloads"),
            Action::Register { client, script } => {
                write!(f, "client {client} calls register(script {script})")
            }
            Action::Update { client } => write!(f, "client {client} calls update()"),
            Action::Unregister { client } => write!(f, "client {client} calls unregister()"),
            Action::SoftUpdate => write!(f, "browser runs Soft Update"),
            Action::RunJob => write!(f, "browser runs the front job"),
            Action::UpdateFetchFailed => write!(f, "script fetch fails"),
            Action::UpdateBytesIdentical => write!(f, "script bytes are identical"),
            Action::UpdateEvaluationFailed => write!(f, "changed script fails to evaluate"),
            Action::Install => write!(f, "changed script evaluates; install starts"),
            Action::InstallEventSettled(o) => write!(f, "install event ends: {o:?}"),
            Action::ActivateEventSettled(w) => write!(f, "worker {w}'s activate event ends"),
            Action::SkipWaiting(w) => write!(f, "worker {w} calls skipWaiting()"),
            Action::Claim(w) => write!(f, "worker {w} calls clients.claim()"),
            Action::PostMessage(c) => write!(f, "client {c} posts a message to its controller"),
            Action::Fetch(c) => write!(f, "client {c} fetches a subresource"),
            Action::WorkerStarted(w) => write!(f, "worker {w} starts running"),
            Action::WorkerStartFailed(w) => write!(f, "worker {w} fails to start"),
            Action::DispatchEvent {
                worker,
                extend,
                notify,
            } => {
                write!(f, "worker {worker} handles its next event")?;
                if *notify {
                    write!(f, ", shows a notification")?;
                }
                if *extend {
                    write!(f, " and keeps it alive with waitUntil")?;
                }
                Ok(())
            }
            Action::SettleExtendedEvent(w) => {
                write!(f, "worker {w}'s pending waitUntil promise settles")
            }
            Action::EventTimedOut(w) => write!(f, "worker {w}'s pending events time out"),
            Action::Stop { worker, cause } => {
                write!(f, "browser stops worker {worker} ({cause:?})")
            }
            Action::Subscribe(c) => write!(f, "client {c} subscribes to push"),
            Action::PushMessage => write!(f, "a push message arrives"),
            Action::NotificationClick => write!(f, "the user clicks the notification"),
            Action::NotificationClose => write!(f, "the user closes the notification"),
            Action::SetPermission { permission, state } => {
                write!(f, "the user sets {permission:?} to {state:?}")
            }
            Action::LameDuckActivate(r) => {
                write!(
                    f,
                    "registration {r}'s waiting worker is force-activated (lame duck)"
                )
            }
            Action::RejectExtendedEvent(w) => {
                write!(f, "worker {w}'s pending waitUntil promise rejects")
            }
            Action::SyncRegister { client, tag } => {
                write!(f, "client {client} calls sync.register(tag {tag})")
            }
            Action::SyncFire { tag } => write!(f, "browser fires sync for tag {tag}"),
            Action::SyncRetryDue { tag } => write!(f, "the retry delay of sync tag {tag} passes"),
            Action::GoOffline => write!(f, "the network goes offline"),
            Action::GoOnline => write!(f, "the network comes back online"),
            Action::PeriodicSyncRegister { client, tag } => {
                write!(f, "client {client} calls periodicSync.register(tag {tag})")
            }
            Action::PeriodicSyncUnregister { client, tag } => {
                write!(
                    f,
                    "client {client} calls periodicSync.unregister(tag {tag})"
                )
            }
            Action::PeriodicSyncFire { tag } => {
                write!(
                    f,
                    "the interval of periodic tag {tag} elapses: browser fires periodicsync"
                )
            }
            Action::NetworkStabilizes => write!(f, "the network comes online for good"),
            Action::PeriodicSyncSuspend { tag, suspend } => write!(
                f,
                "browser {} periodic tag {tag}",
                if *suspend { "suspends" } else { "resumes" }
            ),
            Action::BackgroundFetch {
                client,
                id,
                requests,
                download_total,
                gesture,
            } => {
                write!(
                    f,
                    "client {client} calls backgroundFetch.fetch(id {id}, {requests} request(s), downloadTotal {download_total})"
                )?;
                if *gesture {
                    write!(f, " after a user gesture")?;
                }
                Ok(())
            }
            Action::BgFetchAbort {
                registration,
                fetch,
            } => write!(
                f,
                "abort() on registration {registration}'s background fetch {fetch}"
            ),
            Action::BgRecordProgress {
                registration,
                fetch,
                record,
                outcome,
            } => write!(
                f,
                "registration {registration}'s background fetch {fetch}, record {record}: {outcome:?}"
            ),
            Action::BgFetchOnline {
                registration,
                fetch,
                restart,
            } => {
                write!(
                    f,
                    "the network is back for registration {registration}'s background fetch {fetch}"
                )?;
                if *restart {
                    write!(f, "; the server restarts the partial bodies")?;
                }
                Ok(())
            }
            Action::BgFetchComplete {
                registration,
                fetch,
            } => write!(
                f,
                "registration {registration}'s background fetch {fetch} finishes"
            ),
            Action::BgFetchClick {
                registration,
                fetch,
            } => write!(
                f,
                "the user clicks registration {registration}'s background fetch {fetch}"
            ),
            Action::BgUpdateUi {
                registration,
                fetch,
            } => write!(
                f,
                "the completion handler of registration {registration}'s background fetch {fetch} calls updateUI()"
            ),
        }
    }
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
            // Parsed and redundant workers take no lifecycle or script steps.
            if !matches!(worker.state, WorkerState::Parsed | WorkerState::Redundant) {
                self.lifecycle_actions(s, w, actions);
                self.claim_actions(s, w, actions);
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
            A::Navigate(c) => self.reload(s_, c),
            A::CloseClient(c) => self.close_client(s_, c),
            A::Claim(w) => self.claim_call(s_, w)?,
            // jobs.rs
            A::Register { client, script } => Self::register_call(s_, client, script),
            A::Update { client } => Self::update_call(s_, client)?,
            A::Unregister { client } => Self::unregister_call(s_, client),
            A::SoftUpdate => Self::soft_update(s_)?,
            A::RunJob => self.run_job(s_),
            A::UpdateFetchFailed | A::UpdateEvaluationFailed => self.fetch_failed(s_)?,
            A::UpdateBytesIdentical => Self::update_identical(s_),
            A::Install => self.install_step(s_)?,
            A::InstallEventSettled(outcome) => self.install_event_settled(s_, outcome)?,
            // lifecycle.rs
            A::ActivateEventSettled(w) => self.activate_event_settled(s_, w)?,
            A::SkipWaiting(w) => self.skip_waiting(s_, w),
            A::LameDuckActivate(r) => self.activate(s_, r),
            // runtime.rs
            A::PostMessage(c) => Self::post_message(s_, c)?,
            A::Fetch(c) => Self::subresource_fetch(s_, c)?,
            A::WorkerStarted(w) => Self::worker_started(s_, w),
            A::WorkerStartFailed(w) => self.worker_start_failed(s_, w),
            A::DispatchEvent {
                worker,
                extend,
                notify,
            } => self.dispatch_event(s_, worker, extend, notify),
            A::SettleExtendedEvent(w) => self.extended_event_ends(s_, w, true)?,
            A::RejectExtendedEvent(w) => self.extended_event_ends(s_, w, false)?,
            A::EventTimedOut(w) => self.event_timed_out(s_, w),
            A::Stop { worker, cause } => self.stop(s_, worker, cause),
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
