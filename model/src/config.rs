//! The knobs that bound the model's state space, and the test-only switches that break it on purpose.
//!
//! Every field is documented with its default (and a number with its range);
//! `ModelConfig::default()` is the configuration that `swspec check` explores when given no flags,
//! and that the README's figures describe. The numeric knobs are one table, [`knob::ALL`]:
//! `ModelConfig::default`, `ModelConfig::validate` and the CLI's flags all read it, and a test
//! checks that each field's doc states the table's default and range.

use serde::{Deserialize, Serialize};

/// Bounds and environment choices for one exhaustive check.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Window clients (documents) that can open in the scope, navigate and unload. Interchangeable,
    /// so symmetry reduction applies to them. Default 2; range 1..=4 (`capacity::CLIENTS`).
    pub clients: u8,
    /// Distinct script versions the server can serve over the run. Each script fetch may return the
    /// newest worker's bytes or, while versions remain, the next version; two versions give one
    /// update with changed bytes. Default 2; range 1..=250 (a version number is a `u8` that
    /// Install increments).
    pub versions: u8,
    /// Script URLs a page may register. With 1 every `register()` names the newest worker's URL; with 2
    /// a registration can change its script URL. Default 1; range 1..=8.
    pub script_urls: u8,
    /// Service workers that may be created in the whole run, redundant ones included. States that
    /// would create more are outside the checked boundary. Default 2 (a third worker is needed
    /// for an install that replaces a waiting worker: `--max-workers 3 --versions 3`); range
    /// 1..=8 (`capacity::WORKERS` less the one the boundary cuts).
    pub max_workers: u8,
    /// Registrations that may be created in the whole run (register after unregister makes a new
    /// one). Default 2; range 1..=4 (`capacity::REGISTRATIONS` less the one the boundary cuts).
    pub max_registrations: u8,
    /// Job promises that may be outstanding in the scope's job queue at once, coalesced ones
    /// included. A page's `register`/`update`/`unregister` call and the UA's Soft Update are
    /// disabled while the queue is full. Default 2; range 1..=4 (`capacity::JOBS`).
    pub max_queued_jobs: u8,
    /// Events that may be queued or pending (kept alive by `waitUntil`) on one worker at once,
    /// counting the tasks backed up in its registration; pages, push and notifications cannot
    /// send more. 0 disables message and fetch events. Sync, periodicsync and background fetch
    /// completion events are not held back by it (at most one per tag or fetch is in flight), so
    /// with those features on it is at most `capacity::EVENTS` less their events
    /// ([`ModelConfig::pending_events_room`]). Default 1; range 0..=10 (`capacity::EVENTS`).
    pub max_pending_events: u8,
    /// The engine profile: idle and event timeouts, stop rules, engine-specific rules.
    /// Default: `Profile::Spec`.
    pub profile: crate::Profile,
    /// Controlled clients make subresource requests that reach the worker as fetch events.
    /// Default: true.
    pub fetch_events: bool,
    /// Fetch events carry the client they are for and whether they are navigations, as a trace
    /// shows them. No property reads either, so model checking leaves them out (each queued
    /// fetch is one event, a smaller state space); the trace checker turns this on.
    /// Default: false.
    pub fetch_details: bool,
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
    /// Distinct sync tags pages use (for each of one-off and periodic). Default 1; range 1..=2
    /// (`capacity::SYNC_TAGS`).
    pub sync_tags: u8,
    /// Attempts a one-off sync registration gets under the spec profile (the spec leaves the
    /// retry bound to the UA; Chromium's is 3 whatever this says). Default 3; range 1..=5.
    pub max_sync_attempts: u8,
    /// Periodic Background Sync's maximum number of retries (spec default 0). Default 0; range
    /// 0..=3.
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
    /// Background fetches one registration may hold at once, counting finished ones whose
    /// completion event has not ended; with `background_fetch` off it has no effect. Default 1;
    /// range 1..=2 (`bgfetch::BG_FETCHES`).
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
    /// The user agent runs Soft Update after a navigation: §Handle Fetch soft-updates the
    /// registration that handled every non-subresource request once its fetch is handled. With
    /// `soft_update` off this is the only time it runs (the trace checker's setting: every
    /// engine soft-updates about 1–2 s after each navigation of a controlled page). Default:
    /// false (`soft_update` already lets it run at any time).
    pub navigation_soft_update: bool,
    /// Workers may call `skipWaiting()` (§skipWaiting()). Default: true.
    pub skip_waiting: bool,
    /// Workers may call `clients.claim()` (§claim()). Default: true.
    pub claim: bool,
    /// Pages may call `unregister()` (§unregister()). Default: true.
    pub unregister: bool,
    /// Workers may call `self.registration.update()` from their own global (§update(); see
    /// worker_update.rs): a running installed, activating or activated worker schedules an
    /// update job, the installing worker's call rejects (a guard step). Default: false (the
    /// default check leaves it out; `swspec check --worker-update` and the trace checker turn
    /// it on).
    pub worker_update: bool,
    /// The user agent may stop workers of its own accord and stop unresponsive ones (the
    /// profile says when). Default: true; liveness checks turn it off, since weak fairness
    /// cannot say "the UA eventually stops killing the worker".
    pub forced_stops: bool,
    /// Pages may post messages to the scope registration's installing, waiting and active
    /// workers, not only to their controller (§postMessage(message, options) works
    /// on any `ServiceWorker` object). Default: false (the default check configuration keeps
    /// its count); on in the trace checker's configuration. Range: true or false.
    #[serde(default)]
    pub post_to_slots: bool,
}

impl Default for EnvChoices {
    fn default() -> Self {
        Self {
            fetch_failure: true,
            evaluation_failure: true,
            install_failure: true,
            soft_update: true,
            navigation_soft_update: false,
            skip_waiting: true,
            claim: true,
            unregister: true,
            worker_update: false,
            forced_stops: true,
            post_to_slots: false,
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
    /// Checks every knob against its range ([`knob::ALL`]) and the worker's event lists against
    /// their capacity ([`ModelConfig::pending_events_room`]); the error names the field, its
    /// value and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        for k in knob::ALL {
            let v = (k.get)(self);
            if v < k.min || v > k.max {
                return Err(format!(
                    "{} = {v} is outside {}..={}",
                    k.field, k.min, k.max
                ));
            }
        }
        let room = self.pending_events_room();
        if usize::from(self.max_pending_events) > room {
            return Err(format!(
                "max_pending_events = {} does not fit: a worker's event lists hold {} events \
                 (capacity::EVENTS) and {} of them are kept for {}, so at most {room} remain",
                self.max_pending_events,
                crate::capacity::EVENTS,
                crate::capacity::EVENTS - room,
                self.unheld_events().join(", "),
            ));
        }
        Ok(())
    }

    /// How large `max_pending_events` may be under this configuration: `capacity::EVENTS` less
    /// one sync and one periodicsync event per tag and one completion event per background fetch,
    /// for the features that are on (those events are not held back by `max_pending_events`; a
    /// tag or fetch has at most one in flight).
    pub fn pending_events_room(&self) -> usize {
        let params = self.profile.params();
        let tags = usize::from(self.sync_tags);
        let sync = if self.sync && params.apis.sync {
            tags
        } else {
            0
        };
        let periodic = if self.periodic_sync && params.apis.periodic_sync {
            tags
        } else {
            0
        };
        let bg = if self.background_fetch && params.apis.background_fetch {
            usize::from(self.max_bg_fetches)
        } else {
            0
        };
        crate::capacity::EVENTS.saturating_sub(sync + periodic + bg)
    }

    /// The events `pending_events_room` keeps room for (not held back by `max_pending_events`),
    /// for the error message.
    fn unheld_events(&self) -> Vec<String> {
        let params = self.profile.params();
        let mut out = Vec::new();
        if self.sync && params.apis.sync {
            out.push(format!("{} sync event(s)", self.sync_tags));
        }
        if self.periodic_sync && params.apis.periodic_sync {
            out.push(format!("{} periodicsync event(s)", self.sync_tags));
        }
        if self.background_fetch && params.apis.background_fetch {
            out.push(format!("{} background fetch event(s)", self.max_bg_fetches));
        }
        out
    }
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            clients: knob::CLIENTS.default,
            versions: knob::VERSIONS.default,
            script_urls: knob::SCRIPT_URLS.default,
            max_workers: knob::MAX_WORKERS.default,
            max_registrations: knob::MAX_REGISTRATIONS.default,
            max_queued_jobs: knob::MAX_QUEUED_JOBS.default,
            max_pending_events: knob::MAX_PENDING_EVENTS.default,
            profile: crate::Profile::Spec,
            fetch_events: true,
            fetch_details: false,
            push: false,
            sync: false,
            periodic_sync: false,
            sync_tags: knob::SYNC_TAGS.default,
            max_sync_attempts: knob::MAX_SYNC_ATTEMPTS.default,
            periodic_max_retries: knob::PERIODIC_MAX_RETRIES.default,
            env: EnvChoices::default(),
            fixes: Fixes::default(),
            track_finished_jobs: false,
            network_stabilizes: false,
            bug: None,
            background_fetch: false,
            max_bg_fetches: knob::MAX_BG_FETCHES.default,
        }
    }
}

/// A numeric knob of [`ModelConfig`]: its flag, field, default and valid range. The constants
/// of [`knob`] are the one table of them.
#[derive(Clone, Copy, Debug)]
pub struct Knob {
    /// The `swspec check` flag that sets it, if there is one.
    pub flag: Option<&'static str>,
    /// The `ModelConfig` field.
    pub field: &'static str,
    /// Its value in `ModelConfig::default()`.
    pub default: u8,
    /// The smallest valid value.
    pub min: u8,
    /// The largest valid value (a state capacity, or what keeps a number in range).
    pub max: u8,
    /// What it bounds, in a line (the flag's help).
    pub doc: &'static str,
    /// Reads it from a configuration.
    pub get: fn(&ModelConfig) -> u8,
}

/// The numeric knobs of [`ModelConfig`], one constant each, and [`knob::ALL`].
pub mod knob {
    use super::{Knob, ModelConfig};
    use crate::capacity as cap;

    /// One row a knob: `NAME: field, flag, default D, MIN..=MAX, "help line";`.
    macro_rules! knobs {
        ($($name:ident: $field:ident, $flag:expr, default $default:literal,
           $min:literal..=$max:expr, $doc:literal;)*) => {
            $(
                #[doc = concat!("`", stringify!($field), "`: ", $doc, ".")]
                pub const $name: Knob = Knob {
                    flag: $flag,
                    field: stringify!($field),
                    default: $default,
                    min: $min,
                    max: $max,
                    doc: $doc,
                    get: |c: &ModelConfig| c.$field,
                };
            )*

            /// Every numeric knob, in field order.
            pub const ALL: [Knob; [$(stringify!($name)),*].len()] = [$($name),*];
        };
    }

    knobs! {
        CLIENTS: clients, Some("--clients"), default 2, 1..=cap::CLIENTS as u8,
            "Window clients that open, navigate and unload in the scope";
        VERSIONS: versions, Some("--versions"), default 2, 1..=250,
            "Script versions the server can serve";
        SCRIPT_URLS: script_urls, Some("--script-urls"), default 1, 1..=8,
            "Script URLs pages may register";
        MAX_WORKERS: max_workers, Some("--max-workers"), default 2, 1..=(cap::WORKERS - 1) as u8,
            "Service workers that may be created in one run (redundant ones included)";
        MAX_REGISTRATIONS: max_registrations, Some("--max-registrations"), default 2,
            1..=(cap::REGISTRATIONS - 1) as u8,
            "Registrations that may be created in one run (register after unregister makes a \
             new one)";
        MAX_QUEUED_JOBS: max_queued_jobs, Some("--max-queued-jobs"), default 2,
            1..=cap::JOBS as u8,
            "Job promises that may be outstanding in the job queue at once (coalesced ones \
             included)";
        MAX_PENDING_EVENTS: max_pending_events, Some("--max-pending-events"), default 1,
            0..=cap::EVENTS as u8,
            "Events that may be queued or pending on one worker at once; 0 disables message \
             and fetch events (less with --sync, --periodic-sync, --background-fetch, whose \
             events need room too)";
        SYNC_TAGS: sync_tags, None, default 1, 1..=cap::SYNC_TAGS as u8,
            "Distinct sync tags pages use (for each of one-off and periodic)";
        MAX_SYNC_ATTEMPTS: max_sync_attempts, Some("--max-sync-attempts"), default 3, 1..=5,
            "Attempts a one-off sync registration gets under the spec profile (Chromium: \
             always 3)";
        PERIODIC_MAX_RETRIES: periodic_max_retries, None, default 0, 0..=3,
            "Periodic Background Sync's maximum number of retries";
        MAX_BG_FETCHES: max_bg_fetches, Some("--max-bg-fetches"), default 1,
            1..=crate::bgfetch::BG_FETCHES as u8,
            "Background fetches one registration may hold at once, finished ones whose event is \
             pending included (with --background-fetch)";
    }
}
