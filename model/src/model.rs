//! The `stateright` model: state, actions (named after the spec algorithm each performs) and the
//! transition function. Each action is one atomic step at the granularity the spec's "in
//! parallel" steps and queued tasks allow us to observe; see SPEC_NOTES.md for what is merged.

use crate::{
    Client, ClientId, ControlledVia, Job, JobPhase, JobType, ModelConfig, RegId, Registration,
    Worker, WorkerId, WorkerState,
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
    pub registrations: Vec<Registration>,
    /// Every worker created so far, redundant ones included.
    pub workers: Vec<Worker>,
    /// The scope's job queue; the front job is the one that runs.
    pub jobs: Vec<Job>,
    /// The window clients.
    pub clients: Vec<Client>,
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
    /// A client posts a message to its controller; the message event extends its lifetime
    /// (Update Service Worker Extended Events Set).
    PostMessage(ClientId),
    /// The last lifetime promise of one extended event of worker `0` settles: Try Clear
    /// Registration if unregistered, then Try Activate.
    SettleExtendedEvent(WorkerId),
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
            Action::PostMessage(_) => "§postMessage(); §Update Service Worker Extended Events Set",
            Action::SettleExtendedEvent(_) => "§ExtendableEvent (add lifetime promise)",
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
            | Action::PostMessage(_) => Actor::Page,
            Action::SkipWaiting(_) | Action::Claim(_) | Action::SettleExtendedEvent(_) => {
                Actor::Worker
            }
            Action::SoftUpdate | Action::RunJob | Action::Install => Actor::Browser,
            Action::UpdateFetchFailed
            | Action::UpdateBytesIdentical
            | Action::UpdateEvaluationFailed
            | Action::InstallEventSettled(_)
            | Action::ActivateEventSettled(_) => Actor::Environment,
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
            Action::PostMessage(c) => {
                write!(
                    f,
                    "client {c} posts a message; the event waits on waitUntil"
                )
            }
            Action::SettleExtendedEvent(w) => {
                write!(f, "worker {w}'s pending waitUntil promise settles")
            }
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
    pub fn new(cfg: ModelConfig) -> Self {
        SwModel { cfg }
    }

    /// The initial state: no registration, every client closed.
    pub fn init_state(&self) -> SwState {
        SwState {
            map: None,
            registrations: Vec::new(),
            workers: Vec::new(),
            jobs: Vec::new(),
            clients: vec![Client::default(); self.cfg.clients as usize],
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
                if s.worker(w).pending_events < self.cfg.max_pending_events {
                    actions.push(Action::PostMessage(c_id));
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
                JobPhase::Installing { .. } => {
                    actions.push(Action::InstallEventSettled(InstallOutcome::Fulfilled));
                    if env.install_failure {
                        for o in &InstallOutcome::ALL[1..] {
                            actions.push(Action::InstallEventSettled(*o));
                        }
                    }
                }
            }
        }
        for (i, w) in s.workers.iter().enumerate() {
            let w_id = i as WorkerId;
            match w.state {
                WorkerState::Activating => actions.push(Action::ActivateEventSettled(w_id)),
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
            if w.pending_events > 0 {
                actions.push(Action::SettleExtendedEvent(w_id));
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
            }
            Action::Navigate(c) => {
                let old = s.client_registration(c);
                let w = s.navigation_controller();
                s.clients[c as usize].set_controller(w, ControlledVia::Navigation);
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
                s.worker_mut(w).pending_events += 1;
            }
            Action::SettleExtendedEvent(w) => {
                let worker = s.worker_mut(w);
                worker.pending_events = worker.pending_events.checked_sub(1)?;
                if worker.pending_events == 0 {
                    let r = worker.registration;
                    if s.is_unregistered(r) {
                        self.try_clear_registration(&mut s, r);
                    }
                    self.try_activate(&mut s, r);
                }
            }
        }
        Some(s)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        crate::properties::PROPERTIES
            .iter()
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
