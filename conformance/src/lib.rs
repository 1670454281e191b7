//! # swspec-conformance
//!
//! Conformance checking of traces captured from real browsers against the swspec model. The trace
//! format, the checker and the capture harness land here (see the trace-format issue); for now the
//! crate only re-exports the model vocabulary the traces will use, so there is one definition of
//! every action and state.

pub use swspec_model::{Action, SwModel, SwState};
