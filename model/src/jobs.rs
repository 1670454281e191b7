//! The scope's job queue and the three job algorithms (§Appendix A: Create Job, Schedule Job,
//! Run Job, Finish Job, Resolve/Reject Job Promise; §Register; §Update; §Install; §Unregister).
//!
//! One job runs at a time: the front of the queue. A job's promise settles once (register and
//! update settle when Install starts, before the install event runs); an equivalent job scheduled
//! while the last job's promise is unsettled is coalesced into it and shares its result.

use crate::{
    capacity, Action, Bug, ClientId, List, RegId, RunningStatus, SwModel, SwState, Worker,
    WorkerId, WorkerState,
};
use serde::{Deserialize, Serialize};
use swspec_model_derive::state_type;

/// §Appendix A: job type. Register and update name a script URL (an index, see
/// `ModelConfig::script_urls`).
#[state_type(Copy)]
#[serde(rename_all = "lowercase", tag = "type", content = "script")]
pub enum JobType {
    /// `register(scriptURL)`.
    Register(u8),
    /// `update()` or Soft Update, for the newest worker's script URL.
    Update(u8),
    /// `unregister()`.
    Unregister,
}

/// Where the running job is in its algorithm.
#[state_type(Copy)]
#[serde(rename_all = "snake_case", tag = "phase")]
pub enum JobPhase {
    /// Queued; Run Job has not started it yet.
    Queued,
    /// §Update: the script fetch for registration `registration` is under way.
    Fetching {
        /// The registration being updated.
        registration: RegId,
    },
    /// §Update: the script changed; Run Service Worker is evaluating the new `worker` (its
    /// running status is `starting`). Install follows when the evaluation succeeds.
    Evaluating {
        /// The registration being updated.
        registration: RegId,
        /// The new worker (state `parsed`).
        worker: WorkerId,
    },
    /// §Install: the install event of `worker` is being dispatched.
    Installing {
        /// The installing worker.
        worker: WorkerId,
        /// Get Newest Worker was null when Install started (a first install).
        first: bool,
    },
}

/// Who holds a job's promise (§Create Job's client): a page, or a worker that called
/// `self.registration.update()` from its own global (worker_update.rs).
#[state_type(Copy)]
#[serde(rename_all = "lowercase", tag = "by", content = "id")]
pub enum JobClient {
    /// A window client.
    Page(ClientId),
    /// A service worker's global scope.
    Worker(WorkerId),
}

/// A job in the scope's job queue.
#[state_type(Copy)]
pub struct Job {
    /// Register, update or unregister.
    pub job_type: JobType,
    /// Who holds the job promise; `None` for Soft Update (no promise).
    pub client: Option<JobClient>,
    /// The promise holders of the equivalent jobs coalesced into this one (§Schedule Job).
    pub equivalent: List<Option<JobClient>, { capacity::JOBS }>,
    /// The job promise has settled (§Resolve Job Promise / §Reject Job Promise).
    pub settled: bool,
    /// Progress of the job's algorithm.
    pub phase: JobPhase,
}

impl Job {
    pub(crate) fn new(job_type: JobType, client: Option<JobClient>) -> Self {
        Job {
            job_type,
            client,
            equivalent: List::new(),
            settled: false,
            phase: JobPhase::Queued,
        }
    }

    /// Promises this job holds: its own and the coalesced ones.
    pub fn promises(&self) -> usize {
        1 + self.equivalent.len()
    }

    /// Who holds its promises: its own client and the coalesced jobs' (none for Soft Update).
    pub fn holders(&self) -> impl Iterator<Item = JobClient> + '_ {
        std::iter::once(self.client)
            .chain(self.equivalent.iter().copied())
            .flatten()
    }
}

/// How a job promise settled: the observable outcome of `register()`, `update()` or
/// `unregister()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobResult {
    /// Resolved with the registration (register, update).
    Registration,
    /// `unregister()` resolved with this value.
    Unregistered(bool),
    /// Rejected with a TypeError (§Update: fetch failure, evaluation failure, script URL mismatch).
    TypeError,
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
    /// The worker is not running (Run Service Worker failed, or it stopped with the event in
    /// flight): the event never ran, or its task was discarded.
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

impl SwState {
    /// Job promises outstanding in the queue.
    pub fn queued_promises(&self) -> usize {
        self.jobs.iter().map(Job::promises).sum()
    }

    /// The worker whose install event the front job waits on, while it installs one.
    pub fn installing_job_worker(&self) -> Option<WorkerId> {
        match self.jobs.first()?.phase {
            JobPhase::Installing { worker, .. } => Some(worker),
            _ => None,
        }
    }
}

/// When the job actions are enabled.
impl SwModel {
    /// The page calls `register()`, `update()` and `unregister()` of open client `c`: each
    /// schedules a job while the queue has room (`max_queued_jobs`); `update()` needs a newest
    /// worker (otherwise the guard [`SwModel::update_rejects`]).
    pub(crate) fn page_job_actions(&self, s: &SwState, c: ClientId, actions: &mut Vec<Action>) {
        if self.job_queue_full(s) {
            return;
        }
        for script in 0..self.cfg.script_urls {
            actions.push(Action::Register { client: c, script });
        }
        if let Some(r) = s.map_entry() {
            if s.reg(r).newest().is_some() {
                actions.push(Action::Update { client: c });
            }
            if self.cfg.env.unregister {
                actions.push(Action::Unregister { client: c });
            }
        }
    }

    /// The user agent's Soft Update (while the queue has room: at any time with
    /// `EnvChoices::soft_update`, after a navigation with `navigation_soft_update`), then the
    /// steps of the front job: Run Job when it is queued; the script fetch's outcomes while it
    /// fetches (the server's choice); the new worker's evaluation outcomes while Run Service
    /// Worker runs it; the install event's outcomes while it installs.
    pub(crate) fn job_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        let env = &self.cfg.env;
        if !self.job_queue_full(s) && Self::soft_update_registration(s, env).is_some() {
            actions.push(Action::SoftUpdate);
        }
        let Some(job) = s.jobs.first() else { return };
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
                    actions.push(Action::UpdateBytesChanged);
                }
            }
            JobPhase::Evaluating { .. } => {
                if env.evaluation_failure {
                    actions.push(Action::UpdateEvaluationFailed);
                }
                actions.push(Action::Install);
            }
            JobPhase::Installing { worker, .. } => {
                // The handler ran (the worker is running) for the event to fulfil, reject or
                // time out; it failed to start for the event never to run. The failures reach
                // one state: which one it was shows only in what the worker ran.
                let running = s.worker(worker).running == RunningStatus::Running;
                if running {
                    actions.push(Action::InstallEventSettled(InstallOutcome::Fulfilled));
                }
                if env.install_failure {
                    for o in &InstallOutcome::ALL[1..] {
                        if (*o == InstallOutcome::StartFailed) != running {
                            actions.push(Action::InstallEventSettled(*o));
                        }
                    }
                }
            }
        }
    }

    /// The registration Soft Update would run on: one a navigation made due (§Handle Fetch,
    /// with `navigation_soft_update`; it may have been unregistered since, and its job then
    /// updates the scope's current registration, as §Update finds it), else the map entry (at
    /// any time, with `soft_update`). It needs a newest worker (§Soft Update: else abort).
    fn soft_update_registration(s: &SwState, env: &crate::EnvChoices) -> Option<RegId> {
        let has_newest = |r: &RegId| s.reg(*r).newest().is_some();
        let due = (0..s.registrations.len() as RegId)
            .filter(|r| env.navigation_soft_update && s.reg(*r).soft_update_due)
            .find(has_newest);
        due.or_else(|| s.map_entry().filter(|_| env.soft_update).filter(has_newest))
    }

    /// The queue holds `max_queued_jobs` promises: pages and Soft Update cannot schedule more.
    pub fn job_queue_full(&self, s: &SwState) -> bool {
        s.queued_promises() >= self.cfg.max_queued_jobs as usize
    }

    /// §update(): rejects with InvalidStateError when the registration has no newest worker. A
    /// rejected call changes nothing, so it is a guard rather than an action. The registration
    /// is the one [`SwModel::held_registration`] names.
    pub fn update_rejects(s: &SwState) -> bool {
        Self::held_registration(s).is_some_and(|r| s.reg(r).newest().is_none())
    }

    /// The registration whose object a page calls `update()` on: the map entry, or with none
    /// the latest registration, whose object the page still holds after the map stopped
    /// pointing at it (a first install that failed removes it from the map, §Install; so does
    /// unregistration once its workers are gone). None before any registration.
    pub fn held_registration(s: &SwState) -> Option<RegId> {
        s.map_entry()
            .or_else(|| (s.registrations.len() as RegId).checked_sub(1))
    }
}

/// The job actions' steps.
impl SwModel {
    /// `register(script)` by `client`: §Start Register, Create Job, Schedule Job.
    pub(crate) fn register_call(s: &mut SwState, client: ClientId, script: u8) {
        let client = Some(JobClient::Page(client));
        Self::schedule_job(s, Job::new(JobType::Register(script), client));
    }

    /// `update()` by `client`: an update job for the newest worker's script URL (none without a
    /// newest worker: that is the guard [`SwModel::update_rejects`]).
    /// Whether it may join a Soft Update job queued last is the profile's reading of §Schedule
    /// Job (`ProfileParams::joins_soft_update_jobs`).
    pub(crate) fn update_call(&self, s: &mut SwState, client: ClientId) -> Option<()> {
        let r = s.map_entry()?;
        let n = s.reg(r).newest()?;
        let script = s.worker(n).script;
        self.schedule_update(s, script, JobClient::Page(client));
        Some(())
    }

    /// Create Job (update, `script`, the promise of `client`) and Schedule Job, for a page's
    /// or a worker's `update()`.
    pub(crate) fn schedule_update(&self, s: &mut SwState, script: u8, client: JobClient) {
        let job = Job::new(JobType::Update(script), Some(client));
        let behind_soft_update = s.jobs.last().is_some_and(|j| j.client.is_none());
        if behind_soft_update && !self.cfg.profile.params().joins_soft_update_jobs {
            s.jobs.push(job);
        } else {
            Self::schedule_job(s, job);
        }
    }

    /// `unregister()` by `client`: an unregister job.
    pub(crate) fn unregister_call(s: &mut SwState, client: ClientId) {
        let client = Some(JobClient::Page(client));
        Self::schedule_job(s, Job::new(JobType::Unregister, client));
    }

    /// §Soft Update: an update job with no client (and so no promise), for the newest worker's
    /// script URL of the registration it runs on. It answers every navigation that made one due
    /// (§Handle Fetch; the job is the scope's either way).
    pub(crate) fn soft_update(&self, s: &mut SwState) -> Option<()> {
        let r = Self::soft_update_registration(s, &self.cfg.env)?;
        let n = s.reg(r).newest()?;
        for reg in s.registrations.iter_mut() {
            reg.soft_update_due = false;
        }
        let script = s.worker(n).script;
        Self::schedule_job(s, Job::new(JobType::Update(script), None));
        Some(())
    }

    /// The front job's script fetch fails.
    pub(crate) fn fetch_failed(&self, s: &mut SwState) -> Option<()> {
        let JobPhase::Fetching { registration } = s.jobs.first()?.phase else {
            return None;
        };
        self.update_failed(s, registration);
        Some(())
    }

    /// The front job's script changed: §Update creates the new worker (the next version) and
    /// Run Service Worker starts evaluating it.
    pub(crate) fn bytes_changed(&self, s: &mut SwState) -> Option<()> {
        let JobPhase::Fetching { registration } = s.jobs.first()?.phase else {
            return None;
        };
        let version = self.next_version(s, registration)?;
        let worker = s.workers.len() as WorkerId;
        s.workers
            .push(Worker::new(registration, Self::job_script(s), version));
        s.jobs[0].phase = JobPhase::Evaluating {
            registration,
            worker,
        };
        Some(())
    }

    /// The new worker's script fails to evaluate (Run Service Worker returns failure): it is
    /// discarded (stopped, redundant) and §Update rejects the job.
    pub(crate) fn evaluation_failed(&self, s: &mut SwState) -> Option<()> {
        let JobPhase::Evaluating {
            registration,
            worker,
        } = s.jobs.first()?.phase
        else {
            return None;
        };
        s.set_running(worker, RunningStatus::Stopped);
        s.update_worker_state(worker, WorkerState::Redundant);
        self.update_failed(s, registration);
        Some(())
    }

    /// The new worker's script evaluated (Run Service Worker succeeded): Install starts.
    pub(crate) fn install_step(&self, s: &mut SwState) -> Option<()> {
        let JobPhase::Evaluating {
            registration,
            worker,
        } = s.jobs.first()?.phase
        else {
            return None;
        };
        s.set_running(worker, RunningStatus::Running);
        Self::install(s, registration, worker);
        Some(())
    }

    /// The install event of the front job's worker ends with `outcome`.
    pub(crate) fn install_event_settled(
        &self,
        s: &mut SwState,
        outcome: InstallOutcome,
    ) -> Option<()> {
        let JobPhase::Installing { worker, first } = s.jobs.first()?.phase else {
            return None;
        };
        self.install_finished(s, worker, first, outcome == InstallOutcome::Fulfilled);
        Some(())
    }
}

/// The job algorithms.
impl SwModel {
    /// §Schedule Job (the queue is the one scope's).
    pub(crate) fn schedule_job(s: &mut SwState, job: Job) {
        if let Some(last) = s.jobs.last_mut() {
            // §Appendix A, equivalent jobs: same type, scope and (register/update) script URL.
            if last.job_type == job.job_type && !last.settled {
                last.equivalent.push(job.client);
                return;
            }
        }
        s.jobs.push(job);
    }

    /// §Resolve Job Promise / §Reject Job Promise for the front job (and its equivalents).
    fn settle_front(s: &mut SwState, _result: JobResult) {
        if let Some(job) = s.jobs.first_mut() {
            job.settled = true;
        }
    }

    /// Settles the front job's promise (if still unsettled) and runs §Finish Job.
    pub(crate) fn finish_job(s: &mut SwState, result: JobResult) {
        if s.jobs.first().is_some_and(|j| !j.settled) {
            Self::settle_front(s, result);
        }
        if !s.jobs.is_empty() {
            s.jobs.remove(0);
            if let Some(odd) = &mut s.finished_jobs_odd {
                *odd = !*odd;
            }
        }
    }

    /// §Run Job for the front job: §Register, §Update or §Unregister, up to the script fetch.
    pub(crate) fn run_job(&self, s: &mut SwState) {
        let Some(job) = s.jobs.first() else { return };
        match job.job_type {
            JobType::Register(script) => {
                if let Some(r) = s.map_entry() {
                    // Same script URL as the newest worker: resolve without fetching.
                    if let Some(n) = s.reg(r).newest() {
                        if s.worker(n).script == script {
                            return Self::finish_job(s, JobResult::Registration);
                        }
                    }
                } else {
                    s.set_registration();
                }
                self.update(s);
            }
            JobType::Update(_) => self.update(s),
            JobType::Unregister => match s.map_entry() {
                None => Self::finish_job(s, JobResult::Unregistered(false)),
                Some(r) => {
                    s.map = None;
                    // Push API: a subscription is deactivated when its registration is
                    // unregistered.
                    s.reg_mut(r).push_subscribed = false;
                    Self::settle_front(s, JobResult::Unregistered(true));
                    self.try_clear_registration(s, r);
                    Self::finish_job(s, JobResult::Unregistered(true));
                }
            },
        }
    }

    /// §Update, up to the script fetch.
    fn update(&self, s: &mut SwState) {
        let Some(r) = s.map_entry() else {
            return Self::finish_job(s, JobResult::TypeError);
        };
        if let (Some(JobType::Update(script)), Some(n)) =
            (s.jobs.first().map(|j| j.job_type), s.reg(r).newest())
        {
            if s.worker(n).script != script {
                return Self::finish_job(s, JobResult::TypeError);
            }
        }
        s.jobs[0].phase = JobPhase::Fetching { registration: r };
    }

    /// The script URL the running job fetches.
    fn job_script(s: &SwState) -> u8 {
        match s.jobs.first().map(|j| j.job_type) {
            Some(JobType::Register(u)) | Some(JobType::Update(u)) => u,
            _ => 0,
        }
    }

    /// §Update: can the fetched script be byte-for-byte identical to the newest worker's? (Same
    /// URL and a newest worker exist; whether the bytes match is the server's choice.)
    pub(crate) fn can_fetch_identical(s: &SwState, r: RegId) -> bool {
        s.reg(r)
            .newest()
            .is_some_and(|n| s.worker(n).script == Self::job_script(s))
    }

    /// The version a changed script would have: one past the newest worker's (1 for a first
    /// install), if `ModelConfig::versions` allows it. A different script URL always counts as
    /// changed and keeps the version number.
    pub(crate) fn next_version(&self, s: &SwState, r: RegId) -> Option<u8> {
        let v = match s.reg(r).newest().map(|n| s.worker(n)) {
            None => 1,
            Some(n) if n.script != Self::job_script(s) => n.version,
            Some(n) => n.version + 1,
        };
        (v <= self.cfg.versions).then_some(v)
    }

    /// §Update: the script fetch failed or the new worker failed to evaluate. A registration with
    /// no newest worker (a first install) is removed from the map.
    pub(crate) fn update_failed(&self, s: &mut SwState, r: RegId) {
        if s.reg(r).newest().is_none()
            && self.cfg.bug != Some(Bug::KeepRegistrationAfterFailedFirstInstall)
        {
            s.map = None;
        }
        Self::finish_job(s, JobResult::TypeError);
    }

    /// §Update with identical bytes: resolve, no install.
    pub(crate) fn update_identical(s: &mut SwState) {
        Self::finish_job(s, JobResult::Registration);
    }

    /// §Install up to the install event, for the evaluated worker `w`: the installing slot, the
    /// job promise resolves, updatefound.
    pub(crate) fn install(s: &mut SwState, r: RegId, w: WorkerId) {
        let first = s.reg(r).newest().is_none();
        s.reg_mut(r).installing = Some(w);
        s.update_worker_state(w, WorkerState::Installing);
        Self::settle_front(s, JobResult::Registration);
        s.jobs[0].phase = JobPhase::Installing { worker: w, first };
    }

    /// §Install after the install event: on failure the worker is redundant (and a first install's
    /// registration leaves the map); on success it replaces any waiting worker, the job finishes
    /// and Try Activate runs.
    pub(crate) fn install_finished(&self, s: &mut SwState, w: WorkerId, first: bool, ok: bool) {
        let r = s.worker(w).registration;
        if !ok {
            // §Install does not terminate a worker whose install failed (finding 5): a running
            // one keeps the messages queued or pending on it. A stopped one's queued messages
            // wait for Run Service Worker to begin, which now fails for a redundant worker
            // (§Run Service Worker; §postMessage(message, options) then returns): they are lost.
            if s.worker(w).running == RunningStatus::Stopped {
                s.worker_mut(w).tasks.clear();
            }
            s.update_worker_state(w, WorkerState::Redundant);
            s.reg_mut(r).installing = None;
            if first
                && s.map_entry() == Some(r)
                && self.cfg.bug != Some(Bug::KeepRegistrationAfterFailedFirstInstall)
            {
                s.map = None;
            }
            return Self::finish_job(s, JobResult::Registration);
        }
        if let Some(old) = s.reg(r).waiting {
            if self.cfg.bug != Some(Bug::InstallKeepsOldWaiting) {
                self.terminate(s, old);
                s.update_worker_state(old, WorkerState::Redundant);
            }
        }
        let reg = s.reg_mut(r);
        reg.waiting = Some(w);
        reg.installing = None;
        s.update_worker_state(w, WorkerState::Installed);
        Self::finish_job(s, JobResult::Registration);
        self.try_activate(s, r);
    }
}
