//! The service worker lifecycle: worker states, Update Worker State, Try Activate, Activate,
//! Try Clear Registration and Clear Registration (§Service Worker, §Try Activate, §Activate,
//! §Try Clear Registration, §Clear Registration).
//!
//! Activation is not part of a job: it is started by Try Activate from the end of Install, from
//! `skipWaiting()`, from Handle Service Worker Client Unload and from the settling of an
//! extended event. Activate makes the worker `activating` and queues the activate event's task;
//! the event's dispatch is a step of its own (the task runs once the worker runs and the tasks
//! queued before it have run), and activation ends when the event settles (whatever its outcome).

use crate::{capacity, Action, Bug, EventKind, List, RegId, RunningStatus, SwModel, SwState};
use swspec_model_derive::{observed_type, state_type};

/// Index of a worker in [`SwState::workers`]; stable for the whole run.
pub type WorkerId = u8;

/// §Service Worker: a worker's state (`ServiceWorkerState`).
#[observed_type(Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum WorkerState {
    /// Fetched, its script being evaluated by Run Service Worker (§Update), not yet installing.
    /// No page can see a worker in this state (no `ServiceWorker` object exists yet).
    #[default]
    Parsed,
    /// In the installing slot; the install event is being dispatched.
    Installing,
    /// In the waiting slot.
    Installed,
    /// In the active slot; the activate event is queued or being dispatched.
    Activating,
    /// In the active slot, activation done.
    Activated,
    /// Discarded. Absorbing.
    Redundant,
}

/// One service worker (§Service Worker).
#[state_type(Copy)]
pub struct Worker {
    /// Its containing registration.
    pub registration: RegId,
    /// Index of its script URL (see `ModelConfig::script_urls`).
    pub script: u8,
    /// Version of the script bytes it was created from.
    pub version: u8,
    /// Its state.
    pub state: WorkerState,
    /// The skip waiting flag (§skipWaiting()).
    pub skip_waiting: bool,
    /// Whether its event loop runs (orthogonal to `state`).
    pub running: RunningStatus,
    /// Event tasks queued on its event loop, not yet dispatched.
    pub tasks: List<EventKind, { capacity::EVENTS }>,
    /// Its set of extended events that are still active: dispatched events whose lifetime
    /// promises are pending (§Service Worker Has No Pending Events is `extended.is_empty()`).
    pub extended: List<EventKind, { capacity::EVENTS }>,
    /// The activate event's task (§Activate queues it on the worker's event loop): `Some(n)`
    /// while it waits with `n` earlier tasks (messages) queued ahead of it; `None` when none is
    /// queued (not activating, or the event ran, or termination discarded the task).
    pub activate_task: Option<u8>,
    /// History variable: the furthest state it ever reached. Equals `state` unless a step moved
    /// it backwards, which `worker_state_monotone` forbids.
    pub furthest: WorkerState,
}

impl Worker {
    /// Whether this worker, which was `before` one step earlier, has just begun a new script
    /// evaluation (§Run Service Worker: from stopped to starting or running): a new script
    /// instance, whose records are another instance's than those before. A worker that did
    /// not exist before (`None`) is on its first instance, not a restart.
    pub fn restarted_since(&self, before: Option<&Worker>) -> bool {
        let up = |r: RunningStatus| matches!(r, RunningStatus::Starting | RunningStatus::Running);
        before.is_some_and(|p| !up(p.running)) && up(self.running)
    }

    /// A worker whose script was just fetched (§Update): Run Service Worker is evaluating it.
    pub(crate) fn new(registration: RegId, script: u8, version: u8) -> Self {
        Worker {
            registration,
            script,
            version,
            state: WorkerState::Parsed,
            skip_waiting: false,
            running: RunningStatus::Starting,
            tasks: List::new(),
            extended: List::new(),
            activate_task: None,
            furthest: WorkerState::Parsed,
        }
    }

    /// §Service Worker Has No Pending Events.
    pub fn has_no_pending_events(&self) -> bool {
        self.extended.is_empty()
    }

    /// Its script can call `skipWaiting()` to effect (§skipWaiting()): while it is evaluated
    /// (`parsed` and starting: at the top level of the script, before the install event),
    /// installing or waiting.
    pub fn may_skip_waiting(&self) -> bool {
        match self.state {
            WorkerState::Parsed => self.running == RunningStatus::Starting,
            WorkerState::Installing | WorkerState::Installed => true,
            _ => false,
        }
    }

    /// Run Service Worker is due: the worker is stopped (not redundant) with an event task or
    /// its activate event queued, so [`crate::Action::RunServiceWorker`] is enabled.
    pub fn start_due(&self) -> bool {
        self.running == RunningStatus::Stopped
            && self.state != WorkerState::Redundant
            && (!self.tasks.is_empty() || self.activate_task.is_some())
    }

    /// Its activate event can be dispatched now: activating, running, and its task is the next
    /// on the event loop.
    pub fn activate_event_due(&self) -> bool {
        self.state == WorkerState::Activating
            && self.running == RunningStatus::Running
            && self.activate_task == Some(0)
    }
}

impl SwState {
    /// The worker with index `w`.
    pub fn worker(&self, w: WorkerId) -> &Worker {
        &self.workers[w as usize]
    }

    pub(crate) fn worker_mut(&mut self, w: WorkerId) -> &mut Worker {
        &mut self.workers[w as usize]
    }

    /// §Update Worker State (the statechange it queues is derived from the state change).
    pub(crate) fn update_worker_state(&mut self, w: WorkerId, state: WorkerState) {
        let worker = self.worker_mut(w);
        worker.state = state;
        worker.furthest = worker.furthest.max(state);
        if state != WorkerState::Activating {
            worker.activate_task = None;
        }
        if state == WorkerState::Redundant {
            // Nothing reads a redundant worker's flag again; forgetting it merges states that
            // differ only in history.
            worker.skip_waiting = false;
        }
    }

    /// Open clients whose controller belongs to registration `r` ("using" it, §Control and Use).
    pub fn clients_using(&self, r: RegId) -> usize {
        self.clients
            .iter()
            .filter(|c| {
                c.controller
                    .is_some_and(|w| self.worker(w).registration == r)
            })
            .count()
    }
}

/// When the lifecycle actions are enabled.
impl SwModel {
    /// Worker `w`'s lifecycle steps: its activate event is dispatched (once it is due,
    /// [`Worker::activate_event_due`]) and ends (once it ran or its task was discarded, and the
    /// worker is not starting), and an evaluated, installing or waiting worker calls
    /// `skipWaiting()` (once: the flag stays set).
    pub(crate) fn lifecycle_actions(&self, s: &SwState, w: WorkerId, actions: &mut Vec<Action>) {
        let worker = s.worker(w);
        if worker.activate_event_due() {
            actions.push(Action::ActivateEvent(w));
        }
        if worker.state == WorkerState::Activating
            && worker.activate_task.is_none()
            && worker.running != RunningStatus::Starting
        {
            actions.push(Action::ActivateEventSettled(w));
        }
        if self.cfg.env.skip_waiting && !worker.skip_waiting && worker.may_skip_waiting() {
            actions.push(Action::SkipWaiting(w));
        }
    }

    /// Chromium's lame-duck timeout, for each registration whose waiting worker it would
    /// activate ([`SwModel::lame_duck_due`]); other profiles have none.
    pub(crate) fn lame_duck_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if self.cfg.profile.params().lame_duck_ms.is_none() {
            return;
        }
        for r in 0..s.registrations.len() as RegId {
            if self.lame_duck_due(s, r) {
                actions.push(Action::LameDuckActivate(r));
            }
        }
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
}

/// The lifecycle actions' steps.
impl SwModel {
    /// The activate event's task runs on worker `w`: its activate handler is dispatched.
    pub(crate) fn activate_event(s: &mut SwState, w: WorkerId) -> Option<()> {
        if !s.worker(w).activate_event_due() {
            return None;
        }
        s.worker_mut(w).activate_task = None;
        Some(())
    }

    /// Worker `w`'s activate event ends, whatever its outcome: it is activated (with the fix for
    /// finding 1, Try Activate runs again).
    pub(crate) fn activate_event_settled(&self, s: &mut SwState, w: WorkerId) -> Option<()> {
        if s.worker(w).state != WorkerState::Activating {
            return None;
        }
        s.update_worker_state(w, WorkerState::Activated);
        if self.cfg.fixes.activate_retries_try_activate {
            let r = s.worker(w).registration;
            self.try_activate(s, r);
        }
        Some(())
    }

    /// `self.skipWaiting()` in worker `w`: set the skip waiting flag, Try Activate.
    pub(crate) fn skip_waiting(&self, s: &mut SwState, w: WorkerId) {
        s.worker_mut(w).skip_waiting = true;
        let r = s.worker(w).registration;
        self.try_activate(s, r);
    }
}

/// The lifecycle algorithms.
impl SwModel {
    /// §Try Activate.
    pub(crate) fn try_activate(&self, s: &mut SwState, r: RegId) {
        let reg = s.reg(r);
        let Some(waiting) = reg.waiting else { return };
        if let Some(active) = reg.active {
            if s.worker(active).state == WorkerState::Activating
                && self.cfg.bug != Some(Bug::TryActivateIgnoresActivating)
            {
                return;
            }
            let no_pending = s.worker(active).has_no_pending_events();
            let unused = s.clients_using(r) == 0;
            let skip = s.worker(waiting).skip_waiting
                || self.cfg.bug == Some(Bug::TryActivateIgnoresClients);
            if !(no_pending && (unused || skip)) {
                return;
            }
        }
        self.activate(s, r);
    }

    /// §Activate, up to queueing the activate event's task. Its dispatch is
    /// [`crate::Action::ActivateEvent`] and its end [`crate::Action::ActivateEventSettled`].
    pub(crate) fn activate(&self, s: &mut SwState, r: RegId) {
        let Some(waiting) = s.reg(r).waiting else {
            return;
        };
        if let Some(old) = s.reg(r).active {
            if s.worker(old).state == WorkerState::Activating {
                s.reg_mut(r).activated_over_activating = true;
            }
            if !s.worker(old).has_no_pending_events() {
                s.reg_mut(r).activated_over_pending_events = true;
            }
            self.terminate(s, old);
            s.update_worker_state(old, WorkerState::Redundant);
        }
        let reg = s.reg_mut(r);
        reg.active = Some(waiting);
        reg.waiting = None;
        s.update_worker_state(waiting, WorkerState::Activating);
        // The activate event needs the worker running (it may have been stopped while waiting);
        // its task goes behind the tasks already queued.
        Self::run_service_worker(s, waiting);
        let ahead = s.worker(waiting).tasks.len() as u8;
        s.worker_mut(waiting).activate_task = Some(ahead);
        if self.cfg.fixes.requeue_backed_up_tasks
            && s.worker(waiting).running == RunningStatus::Running
        {
            let backup = std::mem::take(&mut s.reg_mut(r).backup);
            s.worker_mut(waiting).tasks.extend(backup);
        }
        // Every client using the registration gets the new worker as controller and a
        // controllerchange event (Notify Controller Change), while it is still `activating`.
        for i in 0..s.clients.len() {
            let uses = s.clients[i]
                .controller
                .is_some_and(|w| s.worker(w).registration == r);
            if uses {
                s.clients[i].set_controller(Some(waiting), crate::ControlledVia::Activate);
            }
        }
    }

    /// §Try Clear Registration.
    pub(crate) fn try_clear_registration(&self, s: &mut SwState, r: RegId) {
        if s.clients_using(r) > 0 {
            return;
        }
        let busy = s
            .reg(r)
            .slots()
            .into_iter()
            .flatten()
            .any(|w| !s.worker(w).has_no_pending_events());
        if !busy {
            self.clear_registration(s, r);
        }
    }

    /// §Clear Registration: installing, waiting and active are terminated and made redundant.
    pub(crate) fn clear_registration(&self, s: &mut SwState, r: RegId) {
        s.reg_mut(r).cleared = true;
        for w in s.reg(r).slots().into_iter().flatten() {
            self.terminate(s, w);
            s.update_worker_state(w, WorkerState::Redundant);
        }
        let reg = s.reg_mut(r);
        reg.installing = None;
        reg.waiting = None;
        reg.active = None;
        reg.backup.clear();
        // The registration is gone, and with it its sync registrations.
        reg.sync.clear();
        reg.periodic.clear();
        Self::bg_clear(s, r);
    }
}
