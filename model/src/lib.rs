//! # swspec-model
//!
//! An executable, model-checked reference model of the W3C Service Workers lifecycle: the
//! registration map, the scope's job queue (register, update, unregister, with coalescing), install
//! and activation, the waiting state, `skipWaiting()`, `clients.claim()`, controllers and
//! `controllerchange`, and clearing unregistered registrations; the worker runtime (running
//! status, queued tasks, extended events, termination with its causes) with engine profiles;
//! functional events (fetch, message, push, notificationclick/close) and push permissions;
//! Background Sync (one-off, with retry and `lastChance`), Periodic Background Sync and
//! Background Fetch. Push and the three background APIs are each behind a switch of
//! [`ModelConfig`].
//!
//! [`SwModel`] implements stateright's [`stateright::Model`]; [`action::ACTIONS`] lists the
//! actions and [`properties::PROPERTIES`] the named properties, each with its spec section;
//! [`knob::ALL`] lists the numeric bounds with their defaults and ranges. Section names refer to
//! the W3C Service Workers specification (`index.bs` of w3c/ServiceWorker).

pub mod action;
pub mod bgfetch;
mod clients;
mod config;
mod jobs;
mod lifecycle;
mod list;
mod model;
pub mod observe;
mod profile;
pub mod progress;
pub mod properties;
mod push;
mod registration;
mod runtime;
mod symmetry;
mod sync;
mod worker_update;

/// Capacity limits of the state's lists; `ModelConfig::validate` keeps configurations within them.
pub mod capacity {
    /// Clients.
    pub const CLIENTS: usize = 4;
    /// Workers (one more than the largest `max_workers`, for the state the boundary cuts).
    pub const WORKERS: usize = 9;
    /// Registrations (one more than the largest `max_registrations`).
    pub const REGISTRATIONS: usize = 5;
    /// Jobs in the queue, and coalesced jobs per job.
    pub const JOBS: usize = 4;
    /// Tasks, extended events or backed-up tasks of one worker or registration: the events
    /// `max_pending_events` holds back (messages, fetches, push and notification events), plus
    /// the ones it does not, of which at most one is in flight per sync tag, per periodic sync
    /// tag and per background fetch. `ModelConfig::validate` keeps the sum within this
    /// (`ModelConfig::pending_events_room`): 10 pending events without those features, 4 with
    /// all of them at their widest.
    pub const EVENTS: usize = 10;
    /// Sync tags, and so one-off or periodic sync registrations per service worker
    /// registration.
    pub const SYNC_TAGS: usize = 2;
}

pub use action::{Action, Actor};
pub use bgfetch::{
    download_total_below, BgEventPhase, BgFetch, BgFetchCall, BgFetchError, BgFetchRules,
    BgFetches, BgRecord, BgResult, FailureReason, RecordOutcome, RecordPhase, RecordResult,
};
pub use clients::{Client, ClientId, ControlledVia};
pub use config::{knob, Bug, EnvChoices, Fixes, Knob, ModelConfig};
pub use jobs::{InstallOutcome, Job, JobClient, JobPhase, JobResult, JobType};
pub use lifecycle::{Worker, WorkerId, WorkerState};
pub use list::List;
pub use model::{SwModel, SwState};
pub use observe::{Channel, IdSpace, Obs, ObsKind, Observation};
pub use profile::{Apis, ForcedStop, IdleStop, Profile, ProfileParams, UnknownProfile};
pub use push::{Permission, PermissionState, Permissions, SubscribeError};
pub use registration::{RegId, Registration};
pub use runtime::{EventKind, Ghost, MessageTarget, RunningStatus, StopCause};
pub use sync::{
    PeriodicList, PeriodicRegistration, PeriodicState, SyncList, SyncRegisterError,
    SyncRegistration, SyncState,
};
