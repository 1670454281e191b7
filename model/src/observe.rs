//! Observations: what JavaScript, DevTools and the test driver can see of a model step. This is
//! the one vocabulary shared by the model and by traces captured from browsers: the trace checker
//! (`swspec-conformance`) reads [`Observation`]s from trace files and compares them with
//! [`SwModel::observe`](crate::SwModel::observe) of the model's steps.
//!
//! An observation names workers, clients, sync tags, script URLs and background fetch ids by an
//! identifier of type `I`: the model uses its own indices (`u8`), a trace uses whatever strings
//! the capture harness saw (DevTools version ids, `c0`, the tag). The checker binds the two with
//! one consistent bijection per candidate ([`IdSpace`] says which space an identifier lives in).
//!
//! Observations are derived from the pre-state, the action and the post-state, so the transition
//! function needs no changes to be observable: worker state changes are `statechange`, a client
//! whose controller was set by Activate or claim() gets `controllerchange`, and so on. Calls
//! that reject without changing state are *guard* steps
//! ([`SwModel::guard_steps`](crate::SwModel::guard_steps)). Both are in `observe/steps.rs`;
//! identifier spaces, channels and shapes are in `observe/ids.rs`.

mod calls;
mod ids;
mod steps;

pub use ids::{Channel, IdSpace};

use crate::{
    BgFetchError, BgResult, EventKind, FailureReason, MessageTarget, Permission, PermissionState,
    RunningStatus, SubscribeError, SyncRegisterError, WorkerState,
};
use swspec_model_derive::{observed_type, Kinds};

/// Which promise of the page a job settles.
#[observed_type(Copy)]
#[serde(rename_all = "snake_case")]
pub enum JobCall {
    /// `navigator.serviceWorker.register()`.
    Register,
    /// `registration.update()`.
    Update,
    /// `registration.unregister()`.
    Unregister,
}

/// How the page saw a job promise settle (§Resolve Job Promise, §Reject Job Promise).
#[observed_type(Copy)]
#[serde(rename_all = "snake_case")]
pub enum JobOutcome {
    /// Resolved with the registration.
    Registration,
    /// `unregister()` resolved `true`.
    UnregisteredTrue,
    /// `unregister()` resolved `false`.
    UnregisteredFalse,
    /// Rejected with a `TypeError`.
    TypeError,
    /// Rejected with an `InvalidStateError` (`update()` with no newest worker).
    InvalidStateError,
}

/// A page's promise-returning API call other than the job calls ([`JobCall`]): its promise
/// settles as [`Observation::CallSettled`].
#[observed_type(Copy)]
#[serde(rename_all = "snake_case")]
pub enum PageCall {
    /// `registration.sync.register(tag)` (Background Sync §register(tag)).
    SyncRegister,
    /// `registration.periodicSync.register(tag)` (Periodic Background Sync §register(tag, options)).
    PeriodicSyncRegister,
    /// `registration.periodicSync.unregister(tag)` (Periodic Background Sync §unregister(tag)).
    PeriodicSyncUnregister,
    /// `registration.pushManager.subscribe()` (Push API §subscribe() method).
    Subscribe,
    /// `registration.backgroundFetch.fetch(id, requests)` (Background Fetch §fetch()).
    BackgroundFetch,
}

/// What the page's `backgroundFetch.fetch()` passed as `downloadTotal`, against the bytes the
/// responses to its requests serve (which the capture's own server knows).
#[observed_type(Copy, Default)]
#[serde(rename_all = "snake_case")]
pub enum DownloadTotal {
    /// No `downloadTotal`, 0, or one at least the bytes served: Background Fetch §Complete a
    /// record cannot pass it.
    #[default]
    None,
    /// A non-zero `downloadTotal` below the bytes served: §Complete a record may fail a record
    /// with `"download-total-exceeded"` once the stored total passes it.
    Below,
}

impl DownloadTotal {
    /// Omitted from a serialised observation.
    pub fn is_none(&self) -> bool {
        *self == DownloadTotal::None
    }
}

/// A worker script's promise-returning call: its promise settles as
/// [`Observation::WorkerCallSettled`].
#[observed_type(Copy)]
#[serde(rename_all = "snake_case")]
pub enum WorkerCall {
    /// `self.skipWaiting()` (§skipWaiting(); it never rejects).
    SkipWaiting,
    /// `self.clients.claim()` (§claim()).
    Claim,
    /// `self.registration.update()` (§update(): InvalidStateError from the installing worker;
    /// otherwise its job's result, resolved or TypeError).
    Update,
}

/// How an API call's promise settled: resolved, or rejected with this `DOMException` name (or
/// `TypeError`).
#[observed_type(Copy)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Fulfilled.
    Resolved,
    /// Rejected with a `TypeError`.
    TypeError,
    /// Rejected with an `InvalidStateError`.
    InvalidStateError,
    /// Rejected with a `NotAllowedError`.
    NotAllowedError,
    /// Rejected with an `InvalidAccessError`.
    InvalidAccessError,
    /// Rejected with a `QuotaExceededError`.
    QuotaExceededError,
    /// Rejected with an `AbortError`.
    AbortError,
}

/// The lifecycle events a worker's own script sees.
#[observed_type(Copy)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleEvent {
    /// `install`.
    Install,
    /// `activate`.
    Activate,
}

/// Functional events by their DOM name (the payload of [`EventKind`] goes into the observation's
/// own fields).
#[observed_type(Copy)]
#[serde(rename_all = "lowercase")]
pub enum EventName {
    /// `fetch`.
    Fetch,
    /// `message`.
    Message,
    /// `push`.
    Push,
    /// `notificationclick`.
    Notificationclick,
    /// `notificationclose`.
    Notificationclose,
    /// `sync`.
    Sync,
    /// `periodicsync`.
    Periodicsync,
    /// `backgroundfetchsuccess`.
    Backgroundfetchsuccess,
    /// `backgroundfetchfail`.
    Backgroundfetchfail,
    /// `backgroundfetchabort`.
    Backgroundfetchabort,
    /// `backgroundfetchclick`.
    Backgroundfetchclick,
}

/// One observable fact. Serialised with a `type` tag (`{"type":"state_change","worker":"3",
/// "state":"installed"}`); optional fields are omitted when absent.
// `KINDS` (every `type` tag, for validating a header's `observes` and the schema) and
// `kind_index` are derived from the variants (`Kinds`); a doc line here would go into the schema.
#[observed_type]
#[derive(Kinds)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Observation<I> {
    // ---- the driver's steps (what the harness made a page, the user or the network do) ----
    /// A client navigates into the scope (a new tab, or a closed client's slot reused).
    OpenClient {
        /// The client.
        client: I,
    },
    /// An open client reloads.
    Reload {
        /// The client.
        client: I,
    },
    /// A client is closed.
    CloseClient {
        /// The client.
        client: I,
    },
    /// The page calls `register(script)`.
    Register {
        /// The calling client.
        client: I,
        /// The script URL.
        script: I,
    },
    /// The page calls `registration.update()`.
    Update {
        /// The calling client.
        client: I,
    },
    /// The page calls `registration.unregister()`.
    Unregister {
        /// The calling client.
        client: I,
    },
    /// The page posts a message to its controller, or to its registration's installing,
    /// waiting or active worker (§postMessage(message, options)).
    PostMessage {
        /// The calling client.
        client: I,
        /// The worker it goes to: `controller` (the default, when absent), `installing`,
        /// `waiting` or `active` (`registration.installing` and so on).
        #[serde(default, skip_serializing_if = "MessageTarget::is_controller")]
        to: MessageTarget,
    },
    /// The page fetches a subresource.
    Fetch {
        /// The calling client.
        client: I,
    },
    /// DevTools (or the user agent) stops a running worker.
    StopWorker {
        /// The worker.
        worker: I,
    },
    /// The worker's network goes offline.
    GoOffline,
    /// The worker's network comes back.
    GoOnline,
    /// The page calls `pushManager.subscribe()` (its result is a `call_settled`).
    Subscribe {
        /// The calling client.
        client: I,
    },
    /// A push message is delivered (push service or DevTools).
    PushMessage,
    /// The user clicks the notification.
    NotificationClick,
    /// The user closes the notification.
    NotificationClose,
    /// A permission is granted or revoked.
    SetPermission {
        /// Which.
        permission: Permission,
        /// Its new state.
        state: PermissionState,
    },
    /// The page calls `sync.register(tag)` (its result is a `call_settled`).
    SyncRegister {
        /// The calling client.
        client: I,
        /// The tag.
        tag: I,
    },
    /// The page calls `periodicSync.register(tag)` (its result is a `call_settled`).
    PeriodicSyncRegister {
        /// The calling client.
        client: I,
        /// The tag.
        tag: I,
    },
    /// The page calls `periodicSync.unregister(tag)` (its result is a `call_settled`).
    PeriodicSyncUnregister {
        /// The calling client.
        client: I,
        /// The tag.
        tag: I,
    },
    /// The page calls `backgroundFetch.fetch(id, …)` (its result is a `call_settled`).
    BackgroundFetch {
        /// The calling client.
        client: I,
        /// The fetch id.
        id: I,
        /// Number of requests.
        requests: u8,
        /// Its `downloadTotal` against the bytes served (omitted: none).
        #[serde(default, skip_serializing_if = "DownloadTotal::is_none")]
        download_total: DownloadTotal,
    },
    /// `abort()` on an active background fetch resolves true.
    BgFetchAbort {
        /// The fetch id.
        id: I,
    },

    // ---- what pages see ----
    /// A `register()`, `update()` or `unregister()` promise settles.
    JobSettled {
        /// The client whose promise it is.
        client: I,
        /// Which call.
        call: JobCall,
        /// How it settled.
        outcome: JobOutcome,
    },
    /// The promise of another API call of a page settles (sync and periodic sync registration,
    /// push subscription, background fetch).
    CallSettled {
        /// The client whose promise it is.
        client: I,
        /// Which call.
        call: PageCall,
        /// How it settled.
        outcome: CallOutcome,
    },
    /// `updatefound` on the registration.
    UpdateFound,
    /// `controllerchange` on a client's `navigator.serviceWorker`.
    ControllerChange {
        /// The client.
        client: I,
    },
    /// `sync.getTags()` resolves with these tags (sorted).
    SyncTags {
        /// The calling client.
        client: I,
        /// The tags.
        tags: Vec<I>,
    },

    // ---- the lifecycle (DevTools' version status, or `statechange`) ----
    /// A worker's state changes.
    StateChange {
        /// The worker.
        worker: I,
        /// Its new state.
        state: WorkerState,
    },
    /// A worker's running status changes (DevTools).
    RunningStatus {
        /// The worker.
        worker: I,
        /// Its new status.
        status: RunningStatus,
    },

    // ---- what a worker's script sees ----
    /// The worker's `install` or `activate` handler runs.
    LifecycleEvent {
        /// The worker.
        worker: I,
        /// Which event.
        event: LifecycleEvent,
    },
    /// A functional event's handler runs.
    FunctionalEvent {
        /// The worker.
        worker: I,
        /// The event's name.
        event: EventName,
        /// The sync / periodicsync tag or the background fetch id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<I>,
        /// `lastChance` of a sync event.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_chance: Option<bool>,
        /// The client a fetch event's request is for: `resultingClientId`'s client for a
        /// navigation, `clientId`'s for a subresource (the capture knows it by the label in the
        /// client's URL). None in a trace captured before fetch events carried it: the checker
        /// then leaves it unchecked (SPEC_NOTES "Fetch events carry their client and mode").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<I>,
        /// A fetch event's request is a navigation (`request.mode` is `"navigate"`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        navigate: bool,
        /// The handler called `waitUntil()`/`respondWith()` with a promise it leaves pending.
        #[serde(default)]
        wait_until: bool,
        /// A push handler showed a notification.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        notify: bool,
    },
    /// The pending `waitUntil()` promise of a functional event settles.
    WaitUntilSettled {
        /// The worker.
        worker: I,
        /// The event's name.
        event: EventName,
        /// Fulfilled (true) or rejected (false).
        fulfilled: bool,
    },
    /// The worker calls `skipWaiting()` (its result is a `worker_call_settled`).
    SkipWaiting {
        /// The worker.
        worker: I,
    },
    /// The worker calls `clients.claim()` (its result is a `worker_call_settled`).
    Claim {
        /// The worker.
        worker: I,
    },
    /// The worker calls `self.registration.update()` (its result is a `worker_call_settled`).
    WorkerUpdate {
        /// The worker.
        worker: I,
    },
    /// The promise of the worker's `skipWaiting()`, `clients.claim()` or
    /// `registration.update()` settles.
    WorkerCallSettled {
        /// The worker.
        worker: I,
        /// Which call.
        call: WorkerCall,
        /// How it settled.
        outcome: CallOutcome,
    },

    // ---- background services (DevTools' BackgroundService domain, or the event's fields) ----
    /// A background fetch finished with `result` and `failureReason`.
    BgFetchSettled {
        /// The fetch id.
        id: I,
        /// `result`.
        result: BgResult,
        /// `failureReason`.
        failure_reason: FailureReason,
    },

    // ---- what the capture's own server sees ----
    /// The worker script is requested and served (§Update's fetch, for a register, update or
    /// Soft Update job). A failed fetch shows none: the network failed before the server.
    ScriptFetched {
        /// The script version served: the newest worker's for identical bytes, the new
        /// worker's for changed ones (1 for a first install, one more per change).
        version: u8,
    },
}

/// The kind of an observation: its `type` tag. A trace header lists the kinds its capture
/// observes; model steps whose observations are all of other kinds are hidden.
pub type ObsKind = &'static str;

/// A model observation.
pub type Obs = Observation<u8>;

impl EventKind {
    /// The event's observable name.
    pub fn event_name(self) -> EventName {
        match self {
            EventKind::Fetch { .. } => EventName::Fetch,
            EventKind::Message => EventName::Message,
            EventKind::Push => EventName::Push,
            EventKind::NotificationClick => EventName::Notificationclick,
            EventKind::NotificationClose => EventName::Notificationclose,
            EventKind::Sync { .. } => EventName::Sync,
            EventKind::PeriodicSync { .. } => EventName::Periodicsync,
            EventKind::BgFetchSuccess(_) => EventName::Backgroundfetchsuccess,
            EventKind::BgFetchFail(_) => EventName::Backgroundfetchfail,
            EventKind::BgFetchAbort(_) => EventName::Backgroundfetchabort,
            EventKind::BgFetchClick(_) => EventName::Backgroundfetchclick,
        }
    }
}

/// The kinds a guard step ([`SwModel::guard_steps`](crate::SwModel::guard_steps)) starts with:
/// the calls that can reject or change nothing.
pub const GUARD_KINDS: &[ObsKind] = &[
    "update",
    "fetch",
    "sync_tags",
    "skip_waiting",
    "claim",
    "worker_update",
    "set_permission",
    "sync_register",
    "periodic_sync_register",
    "periodic_sync_unregister",
    "subscribe",
    "background_fetch",
];

/// A step with no state change that a page or worker can still observe: a rejected or no-op
/// call. The checker takes it only when its first observation is the event at hand.
pub type GuardStep = Vec<Obs>;

impl CallOutcome {
    /// Each rejection by the name JavaScript gives its error (`error.name`).
    pub const REJECTIONS: [(&'static str, CallOutcome); 6] = [
        ("TypeError", CallOutcome::TypeError),
        ("InvalidStateError", CallOutcome::InvalidStateError),
        ("NotAllowedError", CallOutcome::NotAllowedError),
        ("InvalidAccessError", CallOutcome::InvalidAccessError),
        ("QuotaExceededError", CallOutcome::QuotaExceededError),
        ("AbortError", CallOutcome::AbortError),
    ];
}

impl From<SyncRegisterError> for CallOutcome {
    fn from(e: SyncRegisterError) -> Self {
        match e {
            SyncRegisterError::InvalidStateError => CallOutcome::InvalidStateError,
            SyncRegisterError::NotAllowedError => CallOutcome::NotAllowedError,
            SyncRegisterError::InvalidAccessError => CallOutcome::InvalidAccessError,
        }
    }
}

impl From<SubscribeError> for CallOutcome {
    fn from(e: SubscribeError) -> Self {
        match e {
            SubscribeError::InvalidStateError => CallOutcome::InvalidStateError,
            SubscribeError::NotAllowedError => CallOutcome::NotAllowedError,
        }
    }
}

impl From<BgFetchError> for CallOutcome {
    fn from(e: BgFetchError) -> Self {
        match e {
            BgFetchError::TypeError => CallOutcome::TypeError,
            BgFetchError::NotAllowedError => CallOutcome::NotAllowedError,
            BgFetchError::QuotaExceededError => CallOutcome::QuotaExceededError,
            BgFetchError::InvalidStateError => CallOutcome::InvalidStateError,
            BgFetchError::AbortError => CallOutcome::AbortError,
        }
    }
}
