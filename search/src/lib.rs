//! # swspec-search
//!
//! How swspec searches a model, apart from what the model says: nothing here knows about
//! Service Workers. Every algorithm is generic over stateright's [`stateright::Model`] trait.
//!
//! - [`shortest`]: breadth-first shortest paths to states satisfying named predicates.
//! - [`liveness`]: sound `always (trigger ⇒ eventually goal)` checking under weak fairness
//!   (stateright's own `eventually` is unsound on cycles).
//! - [`engine`]: the exploration engine: compact-state DFS and parallel BFS, partial-order
//!   reduction, a memory bound that always holds, swarm search.
//! - [`twopc`]: two-phase commit, the baseline model of the engine's tests and benches.
//! - [`hash`]: the workspace's fingerprint hasher and key hasher.

pub mod engine;
pub mod hash;
pub mod liveness;
pub mod shortest;
pub mod twopc;
