//! # swspec-model
//!
//! An executable, model-checked reference model of the W3C Service Workers lifecycle: the
//! registration map, the scope's job queue (register, update, unregister, with coalescing), install
//! and activation, the waiting state, `skipWaiting()`, `clients.claim()`, controllers and
//! `controllerchange`, and clearing unregistered registrations.
//!
//! [`SwModel`] implements stateright's [`stateright::Model`]; [`properties::PROPERTIES`] lists the
//! named properties with their spec sections. Section names refer to the W3C Service Workers
//! specification (`index.bs` of w3c/ServiceWorker).

mod clients;
mod config;
pub mod explore;
mod jobs;
mod lifecycle;
mod model;
pub mod properties;
mod registration;
mod symmetry;

pub use clients::{Client, ClientId, ControlledVia};
pub use config::{Bug, EnvChoices, ModelConfig};
pub use jobs::{Job, JobPhase, JobResult, JobType};
pub use lifecycle::{Worker, WorkerId, WorkerState};
pub use model::{Action, Actor, InstallOutcome, SwModel, SwState};
pub use registration::{RegId, Registration};
