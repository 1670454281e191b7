//! # swspec-report
//!
//! What people look at and link to: the static HTML report of `swspec report` (the conformance
//! matrix, one page per trace with its sequence diagram and matched model path, every spec
//! section a link to the spec's own anchor), and model paths in the Informal Trace Format.
//!
//! - [`anchors`]: "§Name" citations → spec URLs with fragment ids (`spec-anchors.toml`).

pub mod anchors;
pub mod html;
pub mod itf;
pub mod matrix;
pub mod notes;
pub mod page;
pub mod path;
pub mod pathtext;
pub mod sequence;
pub mod site;
pub mod svg;
