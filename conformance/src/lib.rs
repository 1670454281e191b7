//! # swspec-conformance
//!
//! The trace format ([`trace`]) and the trace checker ([`check`]) that compares traces captured
//! from real browsers with the swspec model, plus the expected-verdict files ([`expected`]).
//! The capture harness ([`capture`]) drives real browsers through scenario files and writes
//! traces. [`generate`] makes traces from model executions, for the soundness and mutation tests
//! and the benchmarks. Observations are the model crate's own types
//! ([`swspec_model::Observation`]): one vocabulary.

pub mod capture;
pub mod check;
pub mod expected;
pub mod generate;
pub mod trace;

pub use swspec_model::{Obs, Observation, Profile};
