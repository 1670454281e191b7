//! The knobs that bound the model's state space, and the test-only switches that break it on purpose.
//!
//! Every field is documented with its default; `ModelConfig::default()` is the configuration that
//! `swspec check` explores when given no flags, and that the README's figures describe.

use serde::{Deserialize, Serialize};

/// Bounds and environment choices for one exhaustive check.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Window clients (documents) that can open in the scope, navigate and unload. Interchangeable,
    /// so symmetry reduction applies to them. Default: 2.
    pub clients: u8,
    /// Distinct script versions the server can serve over the run. Each script fetch may return the
    /// newest worker's bytes or, while versions remain, the next version; two versions give one
    /// update with changed bytes. Default: 2.
    pub versions: u8,
    /// Script URLs a page may register. With 1 every `register()` names the newest worker's URL; with 2
    /// a registration can change its script URL. Default: 1.
    pub script_urls: u8,
    /// Service workers that may be created in the whole run, redundant ones included. States that
    /// would create more are outside the checked boundary. Default: 2 (a third worker is needed
    /// for an install that replaces a waiting worker: `--max-workers 3 --versions 3`).
    pub max_workers: u8,
    /// Registrations that may be created in the whole run (register after unregister makes a new
    /// one). Default: 2.
    pub max_registrations: u8,
    /// Job promises that may be outstanding in the scope's job queue at once, coalesced ones
    /// included. A page's `register`/`update`/`unregister` call and the UA's Soft Update are
    /// disabled while the queue is full. Default: 2.
    pub max_queued_jobs: u8,
    /// Events that may be queued or pending (kept alive by `waitUntil`) on one worker at once;
    /// pages and the environment cannot send more. 0 disables message and fetch events.
    /// Default: 1.
    pub max_pending_events: u8,
    /// The engine profile: idle and event timeouts, stop rules, engine-specific rules.
    /// Default: `Profile::Spec`.
    pub profile: crate::Profile,
    /// Controlled clients make subresource requests that reach the worker as fetch events.
    /// Default: true.
    pub fetch_events: bool,
    /// Push subscriptions, push messages, notifications and their click/close events, and the
    /// user granting/revoking the push permission. Default: false (a larger state space; the
    /// push scenarios enable it).
    pub push: bool,
    /// One-off Background Sync: `sync.register()`, sync events with retry and `lastChance`, the
    /// network going offline and online, the background-sync permission. Default: false.
    pub sync: bool,
    /// Periodic Background Sync: register/unregister, periodicsync events, suspension, the
    /// periodic-background-sync permission. Default: false.
    pub periodic_sync: bool,
    /// Distinct sync tags pages use (for each of one-off and periodic). Default: 1.
    pub sync_tags: u8,
    /// Attempts a one-off sync registration gets under the spec profile (the spec leaves the
    /// retry bound to the UA; Chromium's is 3 whatever this says). Default: 3.
    pub max_sync_attempts: u8,
    /// Periodic Background Sync's maximum number of retries (spec default 0). Default: 0.
    pub periodic_max_retries: u8,
    /// Enabled environment choices. Default: all on.
    pub env: EnvChoices,
    /// Proposed fixes for spec findings (SPEC_NOTES.md). Default: none (the spec as written).
    pub fixes: Fixes,
    /// The network may stabilize for good (an action after which it never goes offline): how
    /// the liveness checker states "the network is eventually online for good" with weak
    /// fairness. Default: false; the liveness checker turns it on.
    pub network_stabilizes: bool,
    /// Keep the parity of finished jobs in the state (a history bit that lets the liveness
    /// property `job_promise_settles` tell one front job from the next). Default: false; the
    /// liveness checker turns it on.
    pub track_finished_jobs: bool,
    /// Test-only: a deliberately broken variant of one spec step, so tests can show that a named
    /// property catches the bug. Default: `None` (the spec as written).
    pub bug: Option<Bug>,
    /// Background Fetch: `backgroundFetch.fetch()`, `abort()`, the network's choices for each
    /// record, the completion and click events, `updateUI()` and the background-fetch permission
    /// (SPEC_NOTES.md, "Background Fetch"). Only where the profile's engine has the API (not
    /// Firefox or WebKit). Default: false.
    pub background_fetch: bool,
    /// Background fetches one registration may hold at once (1..=2), counting finished ones
    /// whose completion event has not ended; with `background_fetch` off it has no effect.
    /// Default: 1.
    pub max_bg_fetches: u8,
}

/// Which nondeterministic choices of the environment (network, script, user agent) are explored.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EnvChoices {
    /// The script fetch may fail with a network error (§Update). Default: true.
    pub fetch_failure: bool,
    /// A fetched, changed script may fail to evaluate (§Update, Run Service Worker). Default: true.
    pub evaluation_failure: bool,
    /// The install event may be rejected, time out, or the worker fail to start (§Install).
    /// Default: true.
    pub install_failure: bool,
    /// The user agent may run Soft Update at any time a registration has a newest worker
    /// (§Soft Update: "as often as it likes"). Default: true.
    pub soft_update: bool,
    /// Workers may call `skipWaiting()` (§skipWaiting()). Default: true.
    pub skip_waiting: bool,
    /// Workers may call `clients.claim()` (§claim()). Default: true.
    pub claim: bool,
    /// Pages may call `unregister()` (§unregister()). Default: true.
    pub unregister: bool,
    /// The user agent may stop workers of its own accord and stop unresponsive ones (the
    /// profile says when). Default: true; liveness checks turn it off, since weak fairness
    /// cannot say "the UA eventually stops killing the worker".
    pub forced_stops: bool,
}

impl Default for EnvChoices {
    fn default() -> Self {
        Self {
            fetch_failure: true,
            evaluation_failure: true,
            install_failure: true,
            soft_update: true,
            skip_waiting: true,
            claim: true,
            unregister: true,
            forced_stops: true,
        }
    }
}

/// Proposed fixes for the spec findings in SPEC_NOTES.md, so the model can show that a fix
/// restores the property it is meant to restore.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fixes {
    /// Finding 1: Activate runs Try Activate again once the worker is activated, so a worker
    /// that installed meanwhile is not stranded. Default: false.
    pub activate_retries_try_activate: bool,
    /// Finding 4: backed-up tasks do not wait for the next start of the active worker: when a
    /// worker becomes the active worker while running they are queued to it at once, and when
    /// tasks are backed up for a stopped active worker, the UA starts it. Default: false.
    pub requeue_backed_up_tasks: bool,
}

/// Deliberate departures from the spec, used only by tests that prove a property can fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bug {
    /// Try Activate ignores clients using the registration (as if every worker had called
    /// `skipWaiting()`). Caught by `handover_requires_skip_waiting`.
    TryActivateIgnoresClients,
    /// Try Activate does not wait while the active worker is `activating`. Caught by
    /// `no_activation_while_activating`.
    TryActivateIgnoresActivating,
    /// A failed first install keeps its registration in the map. Caught by
    /// `failed_first_install_removes_registration`.
    KeepRegistrationAfterFailedFirstInstall,
    /// Install does not make the previous waiting worker redundant. Caught by
    /// `at_most_one_installed_worker`.
    InstallKeepsOldWaiting,
    /// Idle termination ignores pending events and queued tasks. Caught by
    /// `idle_stop_only_without_pending_events`.
    IdleStopIgnoresPendingEvents,
    /// Functional events are dispatched while the active worker is still `activating`. Caught by
    /// `functional_events_dispatched_only_when_activated`.
    DispatchWhileActivating,
    /// Handle Service Worker Client Unload forgets Try Activate (no invariant notices: the
    /// waiting worker just waits). Caught by the liveness property
    /// `waiting_worker_activated_when_unused`.
    UnloadSkipsTryActivate,
    /// A failed final sync attempt schedules another retry instead of removing the
    /// registration. Caught by `sync_attempts_within_bound`.
    SyncNeverGivesUp,
    /// An aborted background fetch fires `backgroundfetchfail` instead of `backgroundfetchabort`.
    /// Caught by `bg_event_matches_failure_reason`.
    BgFetchAbortFiresFail,
    /// `updateUI()` forgets its UI updated flag and succeeds twice. Caught by
    /// `bg_update_ui_once_during_success_or_fail`.
    BgUpdateUiTwice,
}

impl ModelConfig {
    /// Checks the bounds against the state's fixed capacities (`crate::capacity`).
    pub fn validate(&self) -> Result<(), String> {
        use crate::capacity as cap;
        let checks = [
            ("clients", self.clients as usize, 1, cap::CLIENTS),
            ("versions", self.versions as usize, 1, 250),
            ("script_urls", self.script_urls as usize, 1, 8),
            (
                "max_workers",
                self.max_workers as usize,
                1,
                cap::WORKERS - 1,
            ),
            (
                "max_registrations",
                self.max_registrations as usize,
                1,
                cap::REGISTRATIONS - 1,
            ),
            (
                "max_queued_jobs",
                self.max_queued_jobs as usize,
                1,
                cap::JOBS,
            ),
            ("sync_tags", self.sync_tags as usize, 1, cap::SYNC_TAGS),
            ("max_sync_attempts", self.max_sync_attempts as usize, 1, 5),
            (
                "periodic_max_retries",
                self.periodic_max_retries as usize,
                0,
                3,
            ),
            (
                "max_pending_events",
                self.max_pending_events as usize,
                0,
                cap::EVENTS - 1,
            ),
            (
                "max_bg_fetches",
                self.max_bg_fetches as usize,
                1,
                crate::bgfetch::BG_FETCHES,
            ),
        ];
        for (name, v, lo, hi) in checks {
            if v < lo || v > hi {
                return Err(format!("{name} = {v} is outside {lo}..={hi}"));
            }
        }
        Ok(())
    }
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            clients: 2,
            versions: 2,
            script_urls: 1,
            max_workers: 2,
            max_registrations: 2,
            max_queued_jobs: 2,
            max_pending_events: 1,
            profile: crate::Profile::Spec,
            fetch_events: true,
            push: false,
            sync: false,
            periodic_sync: false,
            sync_tags: 1,
            max_sync_attempts: 3,
            periodic_max_retries: 0,
            env: EnvChoices::default(),
            fixes: Fixes::default(),
            track_finished_jobs: false,
            network_stabilizes: false,
            bug: None,
            background_fetch: false,
            max_bg_fetches: 1,
        }
    }
}
