//! Engine profiles: what the spec leaves to the user agent (when to stop a worker, how long an
//! event may run, extra rules), as each engine decides it.
//!
//! Durations are real numbers in milliseconds: the trace checker compares timestamps with them.
//! The model checker uses them only as abstract timers: a timeout action is enabled when its
//! timer could have expired (its condition holds and the profile defines the timeout).
//! Sources: the W3C/WICG specs and the engines' sources as condensed in the project's spec
//! digest (§6 "Termination / timeouts"), and what was observed on this machine.

use serde::{Deserialize, Serialize};
use swspec_model_derive::state_type;

/// Which engine's choices the model follows.
#[state_type(Copy, Default, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Everything the specs allow (the default).
    #[default]
    Spec,
    /// Chromium 156 (content/browser/service_worker, components/background_sync).
    Chromium,
    /// Firefox ESR 153 (dom/serviceworkers, prefs `dom.serviceWorkers.*`).
    Firefox,
    /// WebKitGTK 2.50 (Source/WebCore/workers/service/server).
    Webkit,
}

impl Profile {
    /// Every profile, in report order.
    pub const ALL: [Profile; 4] = [
        Profile::Spec,
        Profile::Chromium,
        Profile::Firefox,
        Profile::Webkit,
    ];

    /// The profile's name as used on the command line and in traces.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Spec => "spec",
            Profile::Chromium => "chromium",
            Profile::Firefox => "firefox",
            Profile::Webkit => "webkit",
        }
    }

    /// The profile's parameters.
    pub fn params(self) -> ProfileParams {
        match self {
            Profile::Spec => ProfileParams {
                idle_timeout_ms: None,
                idle_extended_timeout_ms: None,
                event_timeout_ms: None,
                push_event_timeout_ms: None,
                sync_event_timeout_ms: None,
                sync_initial_retry_delay_ms: None,
                sync_retry_delay_factor: None,
                periodic_min_interval_ms: Some(43_200_000.0),
                unresponsive_timeout_ms: None,
                graceful_termination_ms: None,
                lame_duck_ms: None,
                activate_event_delay_ms: None,
                idle_stop: IdleStop::WhenNoEvents,
                timeout_kills_worker: false,
                forced_stop: ForcedStop::Anytime,
                skip_waiting_resolves_after_activation: false,
                push_requires_user_visible: false,
                default_notification_for_silent_push: false,
                joins_soft_update_jobs: true,
                apis: Apis::ALL,
            },
            Profile::Chromium => ProfileParams {
                idle_timeout_ms: Some(30_000.0),
                idle_extended_timeout_ms: None,
                event_timeout_ms: Some(300_000.0),
                push_event_timeout_ms: Some(90_000.0),
                sync_event_timeout_ms: Some(180_000.0),
                sync_initial_retry_delay_ms: Some(300_000.0),
                sync_retry_delay_factor: Some(3.0),
                periodic_min_interval_ms: Some(43_200_000.0),
                unresponsive_timeout_ms: Some(30_000.0),
                graceful_termination_ms: Some(5_000.0),
                lame_duck_ms: Some(300_000.0),
                activate_event_delay_ms: Some(1_500.0),
                idle_stop: IdleStop::WhenNoEvents,
                timeout_kills_worker: true,
                forced_stop: ForcedStop::Anytime,
                skip_waiting_resolves_after_activation: true,
                push_requires_user_visible: true,
                default_notification_for_silent_push: true,
                joins_soft_update_jobs: true,
                apis: Apis::ALL,
            },
            Profile::Firefox => ProfileParams {
                idle_timeout_ms: Some(30_000.0),
                idle_extended_timeout_ms: Some(30_000.0),
                // A hung waitUntil is killed after idle + extended idle timeouts.
                event_timeout_ms: Some(60_000.0),
                push_event_timeout_ms: Some(60_000.0),
                sync_event_timeout_ms: None,
                sync_initial_retry_delay_ms: None,
                sync_retry_delay_factor: None,
                periodic_min_interval_ms: None,
                unresponsive_timeout_ms: None,
                graceful_termination_ms: None,
                lame_duck_ms: None,
                activate_event_delay_ms: None,
                idle_stop: IdleStop::WhenNoEvents,
                timeout_kills_worker: true,
                forced_stop: ForcedStop::WhenIdle,
                skip_waiting_resolves_after_activation: false,
                push_requires_user_visible: false,
                default_notification_for_silent_push: false,
                joins_soft_update_jobs: false,
                apis: Apis {
                    sync: false,
                    periodic_sync: false,
                    background_fetch: false,
                    push: true,
                },
            },
            Profile::Webkit => ProfileParams {
                // No timer from the last event: WebKit stops a worker once no client of its
                // origin is left (`idle_stop` below), 751 ms after the only client navigated
                // out of scope (traces/webkitgtk-2.50/navigate-in-and-out-of-scope.jsonl) and
                // about 2 s after it closed its tab (idle-no-clients.jsonl).
                idle_timeout_ms: None,
                idle_extended_timeout_ms: None,
                event_timeout_ms: None,
                push_event_timeout_ms: None,
                sync_event_timeout_ms: None,
                sync_initial_retry_delay_ms: None,
                sync_retry_delay_factor: None,
                periodic_min_interval_ms: None,
                unresponsive_timeout_ms: Some(60_000.0),
                graceful_termination_ms: Some(10_000.0),
                lame_duck_ms: None,
                activate_event_delay_ms: None,
                idle_stop: IdleStop::WhenNoEventsAndNoClients,
                timeout_kills_worker: false,
                forced_stop: ForcedStop::WhenIdle,
                skip_waiting_resolves_after_activation: false,
                push_requires_user_visible: false,
                default_notification_for_silent_push: false,
                joins_soft_update_jobs: true,
                apis: Apis {
                    sync: false,
                    periodic_sync: false,
                    background_fetch: false,
                    push: false,
                },
            },
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a profile by its [`Profile::name`] (the command line's `--profile`).
impl std::str::FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(name: &str) -> Result<Profile, UnknownProfile> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| UnknownProfile(name.to_string()))
    }
}

/// A name that is no profile's; its message lists the valid names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProfile(pub String);

impl std::fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown profile `{}` (expected one of: ", self.0)?;
        for (i, p) in Profile::ALL.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{p}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownProfile {}

/// When a running worker with nothing to do may be stopped (§Lifetime leaves it to the UA).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdleStop {
    /// Whenever it has no pending event and no queued task.
    WhenNoEvents,
    /// Only when, in addition, no client of its origin is open (WebKit's `shouldBeTerminated`),
    /// unless the worker is redundant (stopped at once, as captured).
    WhenNoEventsAndNoClients,
}

/// When the user agent may stop a worker of its own accord (DevTools, memory pressure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForcedStop {
    /// At any time, even with pending events (the spec's "should not" is not "must not";
    /// Chromium's DevTools `ServiceWorker.stopWorker`).
    Anytime,
    /// Only when the worker has no pending event (no engine-exposed way to stop a busy worker).
    WhenIdle,
}

/// Which background APIs the engine exposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Apis {
    /// `SyncManager` (one-off Background Sync).
    pub sync: bool,
    /// `PeriodicSyncManager`.
    pub periodic_sync: bool,
    /// `BackgroundFetchManager`.
    pub background_fetch: bool,
    /// `PushManager`.
    pub push: bool,
}

impl Apis {
    /// Every API present.
    pub const ALL: Apis = Apis {
        sync: true,
        periodic_sync: true,
        background_fetch: true,
        push: true,
    };
}

/// The numbers and rules of one profile. `None` for a duration means the engine sets no such
/// limit (for the spec profile: the spec leaves it to the user agent, so any value is allowed).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileParams {
    /// A running worker with no pending event is stopped this long after its last event
    /// (Chromium `kServiceWorkerDefaultIdleDelayInSeconds` 30 s; Firefox
    /// `dom.serviceWorkers.idle_timeout` 30 s; WebKit: none, it stops a worker soon after the
    /// last client of its origin goes, 0.75 to 2 s in the captures).
    pub idle_timeout_ms: Option<f64>,
    /// Firefox `dom.serviceWorkers.idle_extended_timeout` (30 s): the grace period a worker with
    /// pending `waitUntil` work gets after the idle timeout before it is terminated.
    pub idle_extended_timeout_ms: Option<f64>,
    /// An extendable event still pending after this is timed out (Chromium `kRequestTimeout` and
    /// `ServiceWorkerEventQueue::kEventTimeout`, 5 min; Firefox idle + extended idle, 60 s).
    pub event_timeout_ms: Option<f64>,
    /// Push and pushsubscriptionchange events (Chromium `kPushEventTimeoutSeconds`, 90 s).
    pub push_event_timeout_ms: Option<f64>,
    /// Sync and periodicsync events (Chromium `kMaxSyncEventDuration`, 3 min).
    pub sync_event_timeout_ms: Option<f64>,
    /// Delay before the first retry of a failed sync attempt; the n-th retry waits
    /// `initial × factor^(n−1)` (Chromium `kInitialRetryDelay` 5 min, `kRetryDelayFactor` 3;
    /// both overridable by the `BackgroundSync` field trial). `None`: UA-defined.
    pub sync_initial_retry_delay_ms: Option<f64>,
    /// The retry delay's growth factor (Chromium 3).
    pub sync_retry_delay_factor: Option<f64>,
    /// Minimum time between periodicsync events of an origin (spec default 12 h, Chromium
    /// `kMinPeriodicSyncEventsInterval` 12 h times an engagement factor).
    pub periodic_min_interval_ms: Option<f64>,
    /// A worker whose script does not answer is stopped (Chromium `kPingTimeout` 30 s; WebKit
    /// `heartBeatTimeout` 60 s).
    pub unresponsive_timeout_ms: Option<f64>,
    /// Time between asking a worker to stop and forcing it (Chromium `kStopWorkerTimeout` 5 s;
    /// WebKit `defaultTerminationDelay` 10 s).
    pub graceful_termination_ms: Option<f64>,
    /// Chromium `kMaxLameDuckTime` (5 min): a waiting worker that called skipWaiting() (or whose
    /// outgoing active worker has no controllees) is activated after this even if the active
    /// worker still has pending events. Not in the spec.
    pub lame_duck_ms: Option<f64>,
    /// How long after its activate event became due (the worker `activating` and running, no
    /// task queued ahead of it) the user agent may take to dispatch it; the trace checker holds
    /// [`crate::Action::ActivateEvent`] to it (Chromium: about 1 s whenever a previous active
    /// worker existed, seen on every capture; 1.5 s allowed). `None`: at once (the spec queues
    /// the task and nothing delays it), so within the checker's skew.
    pub activate_event_delay_ms: Option<f64>,
    /// When an idle worker may be stopped.
    pub idle_stop: IdleStop,
    /// A timed-out event also kills its worker (Chromium KILL_ON_TIMEOUT, Firefox grace timer).
    pub timeout_kills_worker: bool,
    /// When the UA may stop a worker of its own accord.
    pub forced_stop: ForcedStop,
    /// The `skipWaiting()` promise resolves only once the worker is activated (Chromium,
    /// observed on this machine) instead of at once (spec, PR #1019).
    pub skip_waiting_resolves_after_activation: bool,
    /// `pushManager.subscribe()` without `userVisibleOnly: true` rejects with NotAllowedError.
    pub push_requires_user_visible: bool,
    /// A push event that showed no notification gets a generic one from the browser
    /// (Chromium's `user_visible_auto_notification`).
    pub default_notification_for_silent_push: bool,
    /// A page's `update()` scheduled behind a Soft Update job joins it (§Schedule Job: "lastJob's
    /// job promise has not settled", undefined for a Soft Update job's null promise, SPEC_NOTES
    /// finding 2). The spec profile's reading (and Chromium's and WebKit's, unobserved): it
    /// joins until Install. Firefox: it never does, and runs as its own job with a fetch of its
    /// own (`traces/firefox-esr-140/skip-waiting-from-message.jsonl`).
    pub joins_soft_update_jobs: bool,
    /// Background APIs the engine exposes.
    pub apis: Apis,
}

#[cfg(test)]
mod tests {
    use super::Profile;

    #[test]
    fn names_parse_back_and_unknown_names_list_the_valid_ones() {
        for p in Profile::ALL {
            assert_eq!(p.name().parse::<Profile>(), Ok(p));
        }
        let err = "blink".parse::<Profile>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown profile `blink` (expected one of: spec, chromium, firefox, webkit)"
        );
    }
}
