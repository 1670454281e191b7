//! The worker runtime: running status (orthogonal to the lifecycle state), the worker's queued
//! tasks and its set of extended events, Run Service Worker, Terminate Service Worker and the
//! causes of termination (§Run Service Worker, §Terminate Service Worker, §Lifetime,
//! §ExtendableEvent, §Update Service Worker Extended Events Set).
//!
//! An event goes through three places: a *task* queued on the worker's event loop (waiting for the
//! worker to run, and for functional events for it to be activated), then — if its handler called
//! `waitUntil()`/`respondWith()` with a promise still pending — an *extended event* in the set of
//! extended events, until that promise settles, the event times out or the worker is terminated.
//! Termination backs up queued fetch and functional-event tasks to the registration (re-queued
//! when the active worker runs again) and discards the others (messages).

use crate::{
    Action, ClientId, ForcedStop, IdleStop, RegId, SwModel, SwState, WorkerId, WorkerState,
};
use swspec_model_derive::{observed_type, state_type};

mod event_kind;
mod target;
pub use event_kind::EventKind;
pub use target::MessageTarget;

/// Whether the worker's event loop runs (DevTools' `runningStatus`).
#[observed_type(Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum RunningStatus {
    /// Not running.
    #[default]
    Stopped,
    /// Run Service Worker is starting it (script evaluation).
    Starting,
    /// Its event loop runs.
    Running,
    /// Terminate Service Worker ran; the thread is going away. DevTools reports it; the model
    /// folds it into the terminating step, so no model state has it.
    Stopping,
}

/// Why a worker stopped: each cause is a distinct action.
#[state_type(Copy)]
#[serde(rename_all = "snake_case")]
pub enum StopCause {
    /// No pending event for the profile's idle timeout.
    Idle,
    /// A pending event outlived the profile's event timeout and the profile kills the worker.
    EventTimeout,
    /// The user agent stopped it of its own accord (DevTools, memory pressure).
    Forced,
    /// The script stopped answering (an endless synchronous task).
    Unresponsive,
}

impl StopCause {
    /// Every cause, in action order.
    pub const ALL: [StopCause; 4] = [
        StopCause::Idle,
        StopCause::EventTimeout,
        StopCause::Forced,
        StopCause::Unresponsive,
    ];
}

/// History flags for properties about transitions. The spec (or profile) never sets them; a
/// property checks that each stays false, so they add no states to a correct model.
#[state_type(Copy, Default)]
pub struct Ghost {
    /// A running status changed other than stopped→starting→running→stopped (starting→stopped
    /// on a failed or interrupted start); `stopping` is folded into the step that terminates.
    pub bad_running_transition: bool,
    /// A worker was stopped for idleness while it had pending events or queued tasks.
    pub idle_stop_while_busy: bool,
    /// A functional event was dispatched to a worker that was not an activated active worker.
    pub functional_event_to_inactive_worker: bool,
    /// A sync or periodicsync event was fired while offline.
    pub sync_fired_offline: bool,
    /// Run Service Worker began for a redundant worker (it must fail at once).
    pub started_redundant_worker: bool,
}

impl SwState {
    /// Moves worker `w`'s running status, recording illegal transitions.
    pub(crate) fn set_running(&mut self, w: WorkerId, to: RunningStatus) {
        use RunningStatus::*;
        let from = self.worker(w).running;
        let legal = matches!(
            (from, to),
            (Stopped, Starting) | (Starting, Running) | (Starting, Stopped) | (Running, Stopped)
        );
        if !legal && from != to {
            self.ghost.bad_running_transition = true;
        }
        self.worker_mut(w).running = to;
    }

    /// Every event in flight, with the registration it belongs to: queued or extended on a
    /// worker (its registration), or backed up in a registration's task queues.
    pub fn events_in_flight(&self) -> impl Iterator<Item = (RegId, EventKind)> + '_ {
        let on_workers = self.workers.iter().flat_map(|w| {
            w.tasks
                .iter()
                .chain(&w.extended)
                .map(move |k| (w.registration, *k))
        });
        let backed_up = self
            .registrations
            .iter()
            .enumerate()
            .flat_map(|(r, reg)| reg.backup.iter().map(move |k| (r as RegId, *k)));
        on_workers.chain(backed_up)
    }

    /// The events in flight of registration `r` (see [`SwState::events_in_flight`]).
    pub fn events_in_flight_of(&self, r: RegId) -> impl Iterator<Item = EventKind> + '_ {
        self.events_in_flight()
            .filter(move |(reg, _)| *reg == r)
            .map(|(_, k)| k)
    }

    /// Events queued or pending on worker `w`.
    pub fn events_on(&self, w: WorkerId) -> usize {
        let worker = self.worker(w);
        worker.tasks.len() + worker.extended.len()
    }
}

/// When the runtime actions are enabled.
impl SwModel {
    /// Open client `c` posts a message to its controller or requests a subresource, while the
    /// controller can take another event ([`SwModel::can_receive`]); with
    /// `EnvChoices::post_to_slots` it also posts to the map entry's installing, waiting and
    /// active workers, each while it can take another event.
    pub(crate) fn page_event_actions(&self, s: &SwState, c: ClientId, actions: &mut Vec<Action>) {
        if let Some(w) = s.clients[c as usize].controller {
            if self.can_receive(s, w) {
                let to = MessageTarget::Controller;
                actions.push(Action::PostMessage { client: c, to });
                if self.cfg.fetch_events {
                    actions.push(Action::Fetch(c));
                }
            }
        }
        if self.cfg.env.post_to_slots {
            for to in MessageTarget::SLOTS {
                if to.worker(s, c).is_some_and(|w| self.can_receive(s, w)) {
                    actions.push(Action::PostMessage { client: c, to });
                }
            }
        }
    }

    /// Worker `w`'s running-status steps: a starting worker starts or fails to; a running one
    /// dispatches its front task (its handler extending the event or not, a push handler
    /// showing a notification or not), has its extended events time out (when the profile has
    /// an event timeout), and is stopped for each cause the profile allows now.
    pub(crate) fn running_actions(&self, s: &SwState, w: WorkerId, actions: &mut Vec<Action>) {
        let worker = s.worker(w);
        // A worker Update is evaluating ends its start by the job's steps (Install, or
        // UpdateEvaluationFailed), and nothing else reaches it meanwhile.
        if worker.state == WorkerState::Parsed {
            return;
        }
        match worker.running {
            RunningStatus::Starting => {
                actions.push(Action::WorkerStarted(w));
                actions.push(Action::WorkerStartFailed(w));
            }
            RunningStatus::Running => {
                if self.can_dispatch(s, w) {
                    let push = worker.tasks.first() == Some(&EventKind::Push);
                    for wait_until in [false, true] {
                        for notify in [false, true] {
                            if !notify || push {
                                actions.push(Action::FunctionalEvent {
                                    worker: w,
                                    wait_until,
                                    notify,
                                });
                            }
                        }
                    }
                }
                if !worker.extended.is_empty()
                    && (self.cfg.profile.params().event_timeout_ms.is_some()
                        || self.cfg.profile == crate::Profile::Spec)
                {
                    actions.push(Action::EventTimedOut(w));
                }
                for cause in [StopCause::Idle, StopCause::Forced, StopCause::Unresponsive] {
                    if self.can_stop(s, w, cause) {
                        actions.push(Action::StopWorker { worker: w, cause });
                    }
                }
            }
            RunningStatus::Stopped if worker.start_due() => {
                actions.push(Action::RunServiceWorker(w));
            }
            RunningStatus::Stopped | RunningStatus::Stopping => {}
        }
    }

    /// Any extended event of worker `w` settles, its promises fulfilled or one rejected (the
    /// promises of different events settle in any order). Of equal events only the oldest is
    /// offered: settling another leaves the same state.
    pub(crate) fn extended_event_actions(
        &self,
        s: &SwState,
        w: WorkerId,
        actions: &mut Vec<Action>,
    ) {
        let extended = &s.worker(w).extended;
        for (i, kind) in extended.iter().enumerate() {
            if extended[..i].contains(kind) {
                continue;
            }
            for fulfilled in [true, false] {
                actions.push(Action::WaitUntilSettled {
                    worker: w,
                    event: i as u8,
                    fulfilled,
                });
            }
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

    /// §ExtendableEvent `waitUntil()`: called from an event's handler after the event stopped
    /// being active (no lifetime promise pending, or timed out), it throws InvalidStateError. The
    /// model knows an event of `kind` on worker `w` is still active only while it is in the set of
    /// extended events (a guard for the trace checker: a throwing call changes no state).
    pub fn wait_until_rejects(s: &SwState, w: WorkerId, kind: EventKind) -> bool {
        !s.worker(w).extended.contains(&kind)
    }
}

/// The runtime actions' steps.
impl SwModel {
    /// Client `c` posts a message to the worker `to` names: a message task on it (Run Service
    /// Worker starts it if needed).
    pub(crate) fn post_message(s: &mut SwState, c: ClientId, to: MessageTarget) -> Option<()> {
        let w = to.worker(s, c)?;
        Self::queue_task(s, w, EventKind::Message);
        Some(())
    }

    /// Client `c` requests a subresource: §Handle Fetch queues a fetch task on its controller.
    pub(crate) fn subresource_fetch(&self, s: &mut SwState, c: ClientId) -> Option<()> {
        let w = s.clients[c as usize].controller?;
        Self::queue_task(s, w, self.fetch_event(c, false));
        Some(())
    }

    /// The fetch event for client `c`'s request (`navigate`: a navigation request), with its
    /// client and mode only when `ModelConfig::fetch_details` keeps them.
    pub(crate) fn fetch_event(&self, c: ClientId, navigate: bool) -> EventKind {
        let detail = self.cfg.fetch_details;
        EventKind::Fetch {
            client: detail.then_some(c),
            navigate: detail && navigate,
        }
    }

    /// Worker `w` dispatches its front task; with `notify` its push handler shows a
    /// notification.
    pub(crate) fn functional_event(
        &self,
        s: &mut SwState,
        w: WorkerId,
        wait_until: bool,
        notify: bool,
    ) {
        if notify {
            let r = s.worker(w).registration;
            s.reg_mut(r).notification = true;
        }
        self.dispatch(s, w, wait_until);
    }

    /// The last lifetime promise of worker `w`'s extended event `i` fulfils (`ok`) or one
    /// rejects: the event ends; when it was the last, Try Clear Registration and Try Activate.
    pub(crate) fn extended_event_ends(
        &self,
        s: &mut SwState,
        w: WorkerId,
        i: u8,
        ok: bool,
    ) -> Option<()> {
        if usize::from(i) >= s.worker(w).extended.len() {
            return None;
        }
        let kind = s.worker_mut(w).extended.remove(usize::from(i));
        self.event_completed(s, w, kind, ok);
        if s.worker(w).extended.is_empty() {
            let r = s.worker(w).registration;
            self.after_events_settled(s, r);
        }
        Some(())
    }

    /// Worker `w`'s extended events time out; under profiles that kill on timeout the worker is
    /// terminated too.
    pub(crate) fn event_timed_out(&self, s: &mut SwState, w: WorkerId) {
        self.time_out_events(s, w);
        if self.cfg.profile.params().timeout_kills_worker
            && s.worker(w).running == RunningStatus::Running
        {
            self.stop(s, w, StopCause::EventTimeout);
        }
    }
}

/// The runtime algorithms.
impl SwModel {
    /// §Run Service Worker as a step that needs the worker: a redundant worker never starts (Run
    /// Service Worker returns failure); a stopped one is started by its own later step,
    /// [`Action::RunServiceWorker`], once the caller has queued what needs it
    /// ([`crate::Worker::start_due`]).
    pub(crate) fn run_service_worker(s: &mut SwState, w: WorkerId) -> bool {
        s.worker(w).state != WorkerState::Redundant
    }

    /// [`Action::RunServiceWorker`]: the stopped worker `w` begins to start.
    pub(crate) fn start_worker(s: &mut SwState, w: WorkerId) {
        if s.worker(w).state == WorkerState::Redundant {
            s.ghost.started_redundant_worker = true;
        }
        s.set_running(w, RunningStatus::Starting);
    }

    /// Queues an event task on worker `w` (starting it if needed). Returns false when the worker
    /// cannot run (redundant): the event is lost.
    pub(crate) fn queue_task(s: &mut SwState, w: WorkerId, kind: EventKind) -> bool {
        if !Self::run_service_worker(s, w) {
            return false;
        }
        s.worker_mut(w).tasks.push(kind);
        true
    }

    /// §Run Service Worker completes: the script evaluated and the worker runs; if it is the
    /// active worker, the registration's backed-up tasks are queued to it.
    pub(crate) fn worker_started(s: &mut SwState, w: WorkerId) {
        s.set_running(w, RunningStatus::Running);
        let r = s.worker(w).registration;
        if s.reg(r).active == Some(w) {
            let backup = std::mem::take(&mut s.reg_mut(r).backup);
            s.worker_mut(w).tasks.extend(backup);
        }
    }

    /// §Run Service Worker fails (script evaluation failed or aborted): the events that needed
    /// the worker fail.
    pub(crate) fn worker_start_failed(&self, s: &mut SwState, w: WorkerId) {
        let r = s.worker(w).registration;
        let failed = std::mem::take(&mut s.worker_mut(w).tasks);
        s.worker_mut(w).activate_task = None;
        s.set_running(w, RunningStatus::Stopped);
        // Proposed fix for finding 4: like the events that needed the start, the backed-up
        // tasks waiting for it fail.
        let mut failed: Vec<EventKind> = failed.into_iter().collect();
        if self.cfg.fixes.requeue_backed_up_tasks && s.reg(r).active == Some(w) {
            failed.extend(std::mem::take(&mut s.reg_mut(r).backup));
        }
        for kind in failed {
            self.sync_event_ended(s, r, kind, false);
        }
    }

    /// §Terminate Service Worker: the set of extended events is cleared (those events fail),
    /// queued fetch/functional tasks move to the registration's task queues, other tasks are
    /// discarded. A worker that is not running only loses its (empty) sets.
    pub(crate) fn terminate(&self, s: &mut SwState, w: WorkerId) {
        let r = s.worker(w).registration;
        let killed = std::mem::take(&mut s.worker_mut(w).extended);
        for kind in killed {
            self.sync_event_ended(s, r, kind, false);
        }
        let worker = s.worker_mut(w);
        let tasks = std::mem::take(&mut worker.tasks);
        // The activate event's task, if still queued, is discarded with the others.
        worker.activate_task = None;
        let running = worker.running;
        if !s.reg(r).cleared {
            let backup = &mut s.reg_mut(r).backup;
            backup.extend(tasks.into_iter().filter(|t| t.is_functional()));
        }
        // Terminate is one step: DevTools' transient `stopping` is part of it (nothing can reach
        // a worker that is on its way down), so the model goes straight to `stopped`.
        if matches!(running, RunningStatus::Running | RunningStatus::Starting) {
            s.set_running(w, RunningStatus::Stopped);
        }
    }

    /// Proposed fix for finding 4: a registration holding backed-up tasks gets its stopped
    /// active worker started (Run Service Worker then queues the tasks to it).
    pub(crate) fn restart_for_backed_up_tasks(&self, s: &mut SwState, r: RegId) {
        if !self.cfg.fixes.requeue_backed_up_tasks || s.reg(r).backup.is_empty() {
            return;
        }
        if let Some(a) = s.reg(r).active {
            if s.worker(a).running == RunningStatus::Stopped {
                Self::start_worker(s, a);
            }
        }
    }

    /// May the user agent stop worker `w` for cause `cause` now, under the profile?
    pub fn can_stop(&self, s: &SwState, w: WorkerId, cause: StopCause) -> bool {
        let worker = s.worker(w);
        if worker.running != RunningStatus::Running {
            return false;
        }
        let p = self.cfg.profile.params();
        // An install or activate event in progress also keeps it busy.
        let busy = !worker.extended.is_empty()
            || !worker.tasks.is_empty()
            || matches!(
                worker.state,
                WorkerState::Installing | WorkerState::Activating
            );
        match cause {
            StopCause::Idle => {
                // The spec profile leaves the idle timeout to the UA: any idle moment.
                let clients_ok = match p.idle_stop {
                    IdleStop::WhenNoEvents => true,
                    // Open clients keep a worker alive, but not a redundant one: WebKit stopped
                    // a worker whose install failed at once, with its client still open
                    // (traces/webkitgtk-2.50/first-install-rejects.jsonl).
                    IdleStop::WhenNoEventsAndNoClients => {
                        worker.state == WorkerState::Redundant || !s.clients.iter().any(|c| c.open)
                    }
                };
                (!busy || self.cfg.bug == Some(crate::Bug::IdleStopIgnoresPendingEvents))
                    && clients_ok
            }
            StopCause::EventTimeout => !worker.extended.is_empty() && p.timeout_kills_worker,
            StopCause::Forced => {
                self.cfg.env.forced_stops
                    && match p.forced_stop {
                        ForcedStop::Anytime => true,
                        ForcedStop::WhenIdle => !busy,
                    }
            }
            StopCause::Unresponsive => {
                self.cfg.env.forced_stops
                    && (p.unresponsive_timeout_ms.is_some()
                        || self.cfg.profile == crate::Profile::Spec)
                    && !worker.tasks.is_empty()
            }
        }
    }

    /// Stops worker `w` for `cause` (Terminate Service Worker), then re-runs Try Activate and Try
    /// Clear Registration, since its events no longer count as pending.
    pub(crate) fn stop(&self, s: &mut SwState, w: WorkerId, cause: StopCause) {
        if cause == StopCause::Idle && s.events_on(w) > 0 {
            s.ghost.idle_stop_while_busy = true;
        }
        let had_pending = !s.worker(w).extended.is_empty();
        self.terminate(s, w);
        self.restart_for_backed_up_tasks(s, s.worker(w).registration);
        if had_pending {
            let r = s.worker(w).registration;
            self.after_events_settled(s, r);
        }
    }

    /// The extended events of worker `w` time out (§ExtendableEvent timed out flag): they stop
    /// being active and fail. Profiles that kill the worker on timeout do so in `stop`.
    pub(crate) fn time_out_events(&self, s: &mut SwState, w: WorkerId) {
        let r = s.worker(w).registration;
        let timed_out = std::mem::take(&mut s.worker_mut(w).extended);
        for kind in timed_out {
            self.sync_event_ended(s, r, kind, false);
        }
        self.after_events_settled(s, r);
    }

    /// What the spec runs when a worker's last pending event stops being active: Try Clear
    /// Registration if unregistered, then Try Activate (§add lifetime promise).
    pub(crate) fn after_events_settled(&self, s: &mut SwState, r: RegId) {
        if s.is_unregistered(r) {
            self.try_clear_registration(s, r);
        }
        self.try_activate(s, r);
    }

    /// Can the front task of worker `w` be dispatched now? Functional events wait while the
    /// worker is `activating` (§Fire Functional Event, §Create Fetch Event and Dispatch).
    pub fn can_dispatch(&self, s: &SwState, w: WorkerId) -> bool {
        let worker = s.worker(w);
        let activated = worker.state == WorkerState::Activated
            || (worker.state == WorkerState::Activating
                && self.cfg.bug == Some(crate::Bug::DispatchWhileActivating));
        // The activate event's task goes first once the tasks queued before it have run.
        worker.running == RunningStatus::Running
            && worker.activate_task != Some(0)
            && worker
                .tasks
                .first()
                .is_some_and(|t| !t.is_functional() || activated)
    }

    /// Dispatches worker `w`'s front task. With `wait_until`, its handler leaves a lifetime promise
    /// pending and the event joins the set of extended events.
    pub(crate) fn dispatch(&self, s: &mut SwState, w: WorkerId, wait_until: bool) {
        let worker = s.worker_mut(w);
        let kind = worker.tasks.remove(0);
        if let Some(ahead) = &mut worker.activate_task {
            *ahead = ahead.saturating_sub(1);
        }
        if kind.is_functional() {
            let r = s.worker(w).registration;
            let ok = s.reg(r).active == Some(w) && s.worker(w).state == WorkerState::Activated;
            if !ok {
                s.ghost.functional_event_to_inactive_worker = true;
            }
            Self::bg_event_dispatched(s, w, kind);
        }
        if wait_until {
            s.worker_mut(w).extended.push(kind);
        } else {
            self.event_completed(s, w, kind, true);
        }
    }

    /// An event finished (its handler returned with nothing pending, or its last lifetime
    /// promise settled). A push event that showed no notification gets the browser's default
    /// notification under profiles that require user-visible pushes.
    pub(crate) fn event_completed(&self, s: &mut SwState, w: WorkerId, kind: EventKind, ok: bool) {
        let r = s.worker(w).registration;
        if kind == EventKind::Push
            && self
                .cfg
                .profile
                .params()
                .default_notification_for_silent_push
        {
            s.reg_mut(r).notification = true;
        }
        self.sync_event_ended(s, r, kind, ok);
    }
}
