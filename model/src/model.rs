//! The `stateright` model: state, actions (named after the spec algorithm each performs) and the
//! transition function. Each action is one atomic step at the granularity the spec's "in
//! parallel" steps and queued tasks allow us to observe; see SPEC_NOTES.md for what is merged.

use crate::{
    capacity, Client, ClientId, ControlledVia, EventKind, Ghost, Job, JobPhase, JobType, List,
    ModelConfig, Permission, PermissionState, Permissions, RegId, Registration, RunningStatus,
    StopCause, Worker, WorkerId, WorkerState,
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

/// How an install event ends (§Install: WaitForAsynchronousExtensions and Run Service Worker).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallOutcome {
    /// Every `waitUntil` promise fulfilled (or none was added).
    Fulfilled,
    /// A `waitUntil` promise rejected.
    Rejected,
    /// The user agent's timeout set the event's timed out flag.
    TimedOut,
    /// Run Service Worker failed: the event never ran.
    StartFailed,
}

impl InstallOutcome {
    /// Every outcome, in action order.
    pub const ALL: [InstallOutcome; 4] = [
        InstallOutcome::Fulfilled,
        InstallOutcome::Rejected,
        InstallOutcome::TimedOut,
        InstallOutcome::StartFailed,
    ];
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

    /// §update(): rejects with InvalidStateError when the registration has no newest worker. A
    /// rejected call changes nothing, so it is a guard rather than an action.
    pub fn update_rejects(s: &SwState) -> bool {
        s.map_entry().is_none_or(|r| s.reg(r).newest().is_none())
    }

    /// §claim(): rejects with InvalidStateError when `w` is not its registration's active worker
    /// (a guard, like [`SwModel::update_rejects`]).
    pub fn claim_rejects(s: &SwState, w: WorkerId) -> bool {
        s.reg(s.worker(w).registration).active != Some(w)
    }

    /// A successful `clients.claim()` by `w` would change some client's controller. Claims that
    /// change nothing are not explored as actions (they add no state).
    pub fn claim_takes_over(s: &SwState, w: WorkerId) -> bool {
        !Self::claim_rejects(s, w)
            && s.map_entry() == Some(s.worker(w).registration)
            && s.clients.iter().any(|c| c.open && c.controller != Some(w))
    }

    /// Chromium's lame duck: a waiting worker is held back only by the active worker's pending
    /// events, and either it called skipWaiting() or no client uses the registration.
    pub fn lame_duck_due(&self, s: &SwState, r: RegId) -> bool {
        let reg = s.reg(r);
        match (reg.waiting, reg.active) {
            (Some(w), Some(a)) => {
                s.worker(a).state == WorkerState::Activated
                    && !s.worker(a).has_no_pending_events()
                    && (s.worker(w).skip_waiting || s.clients_using(r) == 0)
            }
            _ => false,
        }
    }

    /// Can an event be sent to worker `w` now? It must be able to run (not redundant), not be
    /// on its way down (a stopping worker is restarted only once stopped), and be within the
    /// `max_pending_events` bound (its queued and pending events plus the tasks backed up in its
    /// registration).
    pub fn can_receive(&self, s: &SwState, w: WorkerId) -> bool {
        let worker = s.worker(w);
        // Tasks backed up in the registration are bound for its active worker: they count too.
        let backed_up = s.reg(worker.registration).backup.len();
        worker.state != WorkerState::Redundant
            && worker.running != RunningStatus::Stopping
            && s.events_on(w) + backed_up < self.cfg.max_pending_events as usize
    }

    /// §Handle Fetch for a navigation request: the new controller gets a fetch event (queued;
    /// dispatched once it is activated). When the worker's event bound is reached the event is
    /// treated as skipped, as §Create Fetch Event and Dispatch allows for a worker whose fetch
    /// listeners are empty (a documented bound effect).
    fn navigation_fetch(&self, s: &mut SwState, w: Option<WorkerId>) {
        if let Some(w) = w {
            if self.cfg.fetch_events && self.can_receive(s, w) {
                Self::queue_task(s, w, EventKind::Fetch);
            }
        }
    }

    /// §ExtendableEvent `waitUntil()`: called from an event's handler after the event stopped
    /// being active (no lifetime promise pending, or timed out), it throws InvalidStateError. The
    /// model knows an event of `kind` on worker `w` is still active only while it is in the set of
    /// extended events (a guard for the trace checker: a throwing call changes no state).
    pub fn wait_until_rejects(s: &SwState, w: WorkerId, kind: EventKind) -> bool {
        !s.worker(w).extended.contains(&kind)
    }

    /// One-off sync actions of pages, the browser and the network.
    fn sync_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if let Some(r) = s.map_entry() {
            let can_register = self.sync_register_rejects(s, false, false).is_none();
            for tag in 0..self.cfg.sync_tags {
                if can_register {
                    for (c, client) in s.clients.iter().enumerate() {
                        if client.open {
                            actions.push(Action::SyncRegister {
                                client: c as ClientId,
                                tag,
                            });
                        }
                    }
                }
                if self.sync_can_fire(s, tag) {
                    actions.push(Action::SyncFire { tag });
                }
                if s.reg(r)
                    .sync
                    .iter()
                    .any(|g| g.tag == tag && (g.state == crate::SyncState::Waiting || g.delayed))
                {
                    actions.push(Action::SyncRetryDue { tag });
                }
            }
        }
        self.network_actions(s, actions);
        Self::toggle_permission(s, Permission::BackgroundSync, actions);
    }

    /// Periodic sync actions of pages and the browser.
    fn periodic_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if let Some(r) = s.map_entry() {
            let can_register = self.sync_register_rejects(s, true, false).is_none();
            for tag in 0..self.cfg.sync_tags {
                let reg = s.reg(r).periodic.iter().find(|g| g.tag == tag);
                for (c, client) in s.clients.iter().enumerate() {
                    if !client.open {
                        continue;
                    }
                    let client = c as ClientId;
                    if can_register {
                        actions.push(Action::PeriodicSyncRegister { client, tag });
                    }
                    if reg.is_some() {
                        actions.push(Action::PeriodicSyncUnregister { client, tag });
                    }
                }
                if self.periodic_can_fire(s, tag) {
                    actions.push(Action::PeriodicSyncFire { tag });
                }
                match reg.map(|g| g.state) {
                    Some(crate::PeriodicState::Pending) => {
                        actions.push(Action::PeriodicSyncSuspend { tag, suspend: true })
                    }
                    Some(crate::PeriodicState::Suspended) => {
                        actions.push(Action::PeriodicSyncSuspend {
                            tag,
                            suspend: false,
                        })
                    }
                    _ => {}
                }
            }
        }
        if !(self.cfg.sync && self.cfg.profile.params().apis.sync) {
            self.network_actions(s, actions);
        }
        Self::toggle_permission(s, Permission::PeriodicBackgroundSync, actions);
    }

    /// The network goes offline or online (never offline again once stabilized).
    fn network_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if s.online {
            if !s.network_stable {
                actions.push(Action::GoOffline);
            }
        } else {
            actions.push(Action::GoOnline);
        }
    }

    /// The user flips `permission` (grant when denied, revoke when granted).
    pub(crate) fn toggle_permission(
        s: &SwState,
        permission: Permission,
        actions: &mut Vec<Action>,
    ) {
        let state = match s.permissions.get(permission) {
            PermissionState::Granted => PermissionState::Denied,
            PermissionState::Denied => PermissionState::Granted,
        };
        actions.push(Action::SetPermission { permission, state });
    }

    /// Push-related actions of the environment and the user.
    fn push_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if let Some(r) = s.map_entry() {
            let reg = s.reg(r);
            if let Some(a) = reg.active {
                let room = self.can_receive(s, a);
                if reg.push_subscribed && room {
                    actions.push(Action::PushMessage);
                }
                if reg.notification && room {
                    actions.push(Action::NotificationClick);
                    actions.push(Action::NotificationClose);
                }
            }
        }
        Self::toggle_permission(s, Permission::Push, actions);
    }

    fn job_queue_full(&self, s: &SwState) -> bool {
        s.queued_promises() >= self.cfg.max_queued_jobs as usize
    }
}

impl Model for SwModel {
    type State = SwState;
    type Action = Action;

    fn init_states(&self) -> Vec<SwState> {
        vec![self.init_state()]
    }

    fn actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        let env = &self.cfg.env;
        let queue_full = self.job_queue_full(s);
        for (i, c) in s.clients.iter().enumerate() {
            let c_id = i as ClientId;
            if !c.open {
                actions.push(Action::OpenClient(c_id));
                continue;
            }
            actions.push(Action::Navigate(c_id));
            actions.push(Action::CloseClient(c_id));
            if !queue_full {
                for script in 0..self.cfg.script_urls {
                    actions.push(Action::Register {
                        client: c_id,
                        script,
                    });
                }
                if let Some(r) = s.map_entry() {
                    if s.reg(r).newest().is_some() {
                        actions.push(Action::Update { client: c_id });
                    }
                    if env.unregister {
                        actions.push(Action::Unregister { client: c_id });
                    }
                }
            }
            if let Some(w) = c.controller {
                if self.can_receive(s, w) {
                    actions.push(Action::PostMessage(c_id));
                    if self.cfg.fetch_events {
                        actions.push(Action::Fetch(c_id));
                    }
                }
            }
            if self.cfg.push && self.subscribe_rejects(s, true).is_none() {
                if let Some(r) = s.map_entry() {
                    if !s.reg(r).push_subscribed {
                        actions.push(Action::Subscribe(c_id));
                    }
                }
            }
        }
        if env.soft_update && !queue_full {
            if let Some(r) = s.map_entry() {
                if s.reg(r).newest().is_some() {
                    actions.push(Action::SoftUpdate);
                }
            }
        }
        if let Some(job) = s.jobs.first() {
            match job.phase {
                JobPhase::Queued => actions.push(Action::RunJob),
                JobPhase::Fetching { registration } => {
                    if env.fetch_failure {
                        actions.push(Action::UpdateFetchFailed);
                    }
                    if Self::can_fetch_identical(s, registration) {
                        actions.push(Action::UpdateBytesIdentical);
                    }
                    if self.next_version(s, registration).is_some() {
                        if env.evaluation_failure {
                            actions.push(Action::UpdateEvaluationFailed);
                        }
                        actions.push(Action::Install);
                    }
                }
                JobPhase::Installing { worker, .. } => {
                    if s.worker(worker).running == RunningStatus::Running {
                        actions.push(Action::InstallEventSettled(InstallOutcome::Fulfilled));
                    }
                    if env.install_failure {
                        for o in &InstallOutcome::ALL[1..] {
                            actions.push(Action::InstallEventSettled(*o));
                        }
                    }
                }
            }
        }
        if self.cfg.push {
            self.push_actions(s, actions);
        }
        if self.background_fetch_enabled() {
            self.bg_actions(s, actions);
        }
        let params = self.cfg.profile.params();
        for (i, w) in s.workers.iter().enumerate() {
            let w_id = i as WorkerId;
            match w.running {
                RunningStatus::Starting => {
                    actions.push(Action::WorkerStarted(w_id));
                    actions.push(Action::WorkerStartFailed(w_id));
                }
                RunningStatus::Running => {
                    if self.can_dispatch(s, w_id) {
                        let push = w.tasks.first() == Some(&EventKind::Push);
                        for extend in [false, true] {
                            for notify in [false, true] {
                                if !notify || push {
                                    actions.push(Action::DispatchEvent {
                                        worker: w_id,
                                        extend,
                                        notify,
                                    });
                                }
                            }
                        }
                    }
                    if !w.extended.is_empty()
                        && (params.event_timeout_ms.is_some()
                            || self.cfg.profile == crate::Profile::Spec)
                    {
                        actions.push(Action::EventTimedOut(w_id));
                    }
                    for cause in [StopCause::Idle, StopCause::Forced, StopCause::Unresponsive] {
                        if self.can_stop(s, w_id, cause) {
                            actions.push(Action::Stop {
                                worker: w_id,
                                cause,
                            });
                        }
                    }
                }
                RunningStatus::Stopped | RunningStatus::Stopping => {}
            }
            match w.state {
                WorkerState::Activating if w.running != RunningStatus::Starting => {
                    actions.push(Action::ActivateEventSettled(w_id))
                }
                WorkerState::Redundant | WorkerState::Parsed => continue,
                _ => {}
            }
            if env.skip_waiting
                && !w.skip_waiting
                && matches!(w.state, WorkerState::Installing | WorkerState::Installed)
            {
                actions.push(Action::SkipWaiting(w_id));
            }
            if env.claim && Self::claim_takes_over(s, w_id) {
                actions.push(Action::Claim(w_id));
            }
            if !w.extended.is_empty() {
                actions.push(Action::SettleExtendedEvent(w_id));
                if matches!(
                    w.extended.first(),
                    Some(EventKind::Sync { .. } | EventKind::PeriodicSync { .. })
                ) {
                    actions.push(Action::RejectExtendedEvent(w_id));
                }
            }
        }
        if self.cfg.network_stabilizes && !s.network_stable {
            actions.push(Action::NetworkStabilizes);
        }
        if self.cfg.sync && params.apis.sync {
            self.sync_actions(s, actions);
        }
        if self.cfg.periodic_sync && params.apis.periodic_sync {
            self.periodic_actions(s, actions);
        }
        if params.lame_duck_ms.is_some() {
            for r in 0..s.registrations.len() as RegId {
                if self.lame_duck_due(s, r) {
                    actions.push(Action::LameDuckActivate(r));
                }
            }
        }
    }

    fn next_state(&self, last: &SwState, action: Action) -> Option<SwState> {
        let mut s = last.clone();
        match action {
            Action::OpenClient(c) => {
                let w = s.navigation_controller();
                let client = &mut s.clients[c as usize];
                client.open = true;
                client.set_controller(w, ControlledVia::Navigation);
                self.navigation_fetch(&mut s, w);
            }
            Action::Navigate(c) => {
                let old = s.client_registration(c);
                // A new document: Chromium's per-page fetch allowance starts afresh.
                s.clients[c as usize].bg_fetch_started = false;
                let w = s.navigation_controller();
                s.clients[c as usize].set_controller(w, ControlledVia::Navigation);
                self.navigation_fetch(&mut s, w);
                if let Some(old) = old {
                    self.handle_client_unload(&mut s, old);
                }
            }
            Action::CloseClient(c) => {
                let old = s.client_registration(c);
                s.clients[c as usize] = Client::default();
                if let Some(old) = old {
                    self.handle_client_unload(&mut s, old);
                }
            }
            Action::Register { client, script } => {
                Self::schedule_job(&mut s, Job::new(JobType::Register(script), Some(client)));
            }
            Action::Update { client } => {
                let r = s.map_entry()?;
                // §update(): InvalidStateError when there is no newest worker (no state change).
                let n = s.reg(r).newest()?;
                let script = s.worker(n).script;
                Self::schedule_job(&mut s, Job::new(JobType::Update(script), Some(client)));
            }
            Action::Unregister { client } => {
                Self::schedule_job(&mut s, Job::new(JobType::Unregister, Some(client)));
            }
            Action::SoftUpdate => {
                let r = s.map_entry()?;
                let n = s.reg(r).newest()?;
                let script = s.worker(n).script;
                Self::schedule_job(&mut s, Job::new(JobType::Update(script), None));
            }
            Action::RunJob => self.run_job(&mut s),
            Action::UpdateFetchFailed | Action::UpdateEvaluationFailed => {
                let JobPhase::Fetching { registration } = s.jobs.first()?.phase else {
                    return None;
                };
                self.update_failed(&mut s, registration);
            }
            Action::UpdateBytesIdentical => Self::update_identical(&mut s),
            Action::Install => {
                let JobPhase::Fetching { registration } = s.jobs.first()?.phase else {
                    return None;
                };
                let version = self.next_version(&s, registration)?;
                Self::install(&mut s, registration, version);
            }
            Action::InstallEventSettled(outcome) => {
                let JobPhase::Installing { worker, first } = s.jobs.first()?.phase else {
                    return None;
                };
                self.install_finished(&mut s, worker, first, outcome == InstallOutcome::Fulfilled);
            }
            Action::ActivateEventSettled(w) => {
                if s.worker(w).state != WorkerState::Activating {
                    return None;
                }
                s.update_worker_state(w, WorkerState::Activated);
                if self.cfg.fixes.activate_retries_try_activate {
                    let r = s.worker(w).registration;
                    self.try_activate(&mut s, r);
                }
            }
            Action::SkipWaiting(w) => {
                s.worker_mut(w).skip_waiting = true;
                let r = s.worker(w).registration;
                self.try_activate(&mut s, r);
            }
            Action::Claim(w) => {
                if Self::claim_rejects(&s, w) {
                    return None;
                }
                let r = s.worker(w).registration;
                self.claim(&mut s, w, r);
            }
            Action::PostMessage(c) => {
                let w = s.clients[c as usize].controller?;
                Self::queue_task(&mut s, w, EventKind::Message);
            }
            Action::Fetch(c) => {
                let w = s.clients[c as usize].controller?;
                Self::queue_task(&mut s, w, EventKind::Fetch);
            }
            Action::WorkerStarted(w) => Self::worker_started(&mut s, w),
            Action::WorkerStartFailed(w) => self.worker_start_failed(&mut s, w),
            Action::DispatchEvent {
                worker,
                extend,
                notify,
            } => {
                if notify {
                    let r = s.worker(worker).registration;
                    s.reg_mut(r).notification = true;
                }
                self.dispatch(&mut s, worker, extend);
            }
            Action::SettleExtendedEvent(w) => {
                if s.worker(w).extended.is_empty() {
                    return None;
                }
                let kind = s.worker_mut(w).extended.remove(0);
                self.event_completed(&mut s, w, kind, true);
                if s.worker(w).extended.is_empty() {
                    let r = s.worker(w).registration;
                    self.after_events_settled(&mut s, r);
                }
            }
            Action::EventTimedOut(w) => {
                self.time_out_events(&mut s, w);
                if self.cfg.profile.params().timeout_kills_worker
                    && s.worker(w).running == RunningStatus::Running
                {
                    self.stop(&mut s, w, StopCause::EventTimeout);
                }
            }
            Action::Stop { worker, cause } => self.stop(&mut s, worker, cause),
            Action::Subscribe(c) => Self::subscribe(&mut s, c),
            Action::PushMessage => {
                let r = s.map_entry()?;
                Self::push_message(&mut s, r);
            }
            Action::NotificationClick | Action::NotificationClose => {
                let r = s.map_entry()?;
                Self::notification_activated(&mut s, r, action == Action::NotificationClose);
            }
            Action::SetPermission { permission, state } => {
                Self::set_permission(&mut s, permission, state)
            }
            Action::LameDuckActivate(r) => self.activate(&mut s, r),
            Action::RejectExtendedEvent(w) => {
                if s.worker(w).extended.is_empty() {
                    return None;
                }
                let kind = s.worker_mut(w).extended.remove(0);
                self.event_completed(&mut s, w, kind, false);
                if s.worker(w).extended.is_empty() {
                    let r = s.worker(w).registration;
                    self.after_events_settled(&mut s, r);
                }
            }
            Action::SyncRegister { client, tag } => self.sync_register(&mut s, client, tag),
            Action::SyncFire { tag } => self.sync_fire(&mut s, tag),
            Action::SyncRetryDue { tag } => Self::sync_retry_due(&mut s, tag),
            Action::GoOffline => s.online = false,
            Action::NetworkStabilizes => {
                s.online = true;
                s.network_stable = true;
            }
            Action::GoOnline => s.online = true,
            Action::PeriodicSyncRegister { tag, .. } => Self::periodic_register(&mut s, tag),
            Action::PeriodicSyncUnregister { tag, .. } => Self::periodic_unregister(&mut s, tag),
            Action::PeriodicSyncFire { tag } => Self::periodic_fire(&mut s, tag),
            Action::PeriodicSyncSuspend { tag, suspend } => {
                Self::periodic_suspend(&mut s, tag, suspend)
            }
            Action::BackgroundFetch {
                client,
                id,
                requests,
                download_total,
                ..
            } => self.bg_fetch_start(&mut s, client, id, requests, download_total)?,
            Action::BgFetchAbort {
                registration,
                fetch,
            } => Self::bg_abort(&mut s, registration, fetch)?,
            Action::BgRecordProgress {
                registration,
                fetch,
                record,
                outcome,
            } => self.bg_record_step(&mut s, registration, fetch, record, outcome),
            Action::BgFetchOnline {
                registration,
                fetch,
                restart,
            } => Self::bg_online(&mut s, registration, fetch, restart),
            Action::BgFetchComplete {
                registration,
                fetch,
            } => self.bg_complete(&mut s, registration, fetch),
            Action::BgFetchClick {
                registration,
                fetch,
            } => Self::bg_click(&mut s, registration, fetch),
            Action::BgUpdateUi {
                registration,
                fetch,
            } => Self::bg_update_ui(&mut s, registration, fetch),
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
