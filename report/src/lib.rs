//! # swspec-report
//!
//! What people look at and link to: the static HTML report of `swspec report` (the conformance
//! matrix, one page per trace with its sequence diagram and matched model path, every spec
//! section a link to the spec's own anchor), and model paths in the Informal Trace Format.
//!
//! - [`anchors`]: "§Name" citations → spec URLs with fragment ids (`spec-anchors.toml`).
//! - [`svg`]: sequence diagrams as SVG (lifelines, boxes, arrows, folds), pure functions.
//! - [`sequence`]: a trace as a diagram; [`model_diagram`]: a model path as one.
//! - [`matrix`]: the conformance matrix data (also `swspec matrix`'s Markdown).
//! - [`page`], [`site`]: the trace pages and the site; [`notes`]: SPEC_NOTES.md sections;
//!   [`pathtext`]: the checker's rendered path read back; [`html`]: escaping and spec links.
//! - [`itf`]: the ITF writer; [`path`]: model paths replayed from actions.

pub mod anchors;
pub mod html;
pub mod itf;
pub mod matrix;
pub mod model_diagram;
pub mod notes;
pub mod page;
pub mod path;
pub mod pathtext;
pub mod sequence;
pub mod site;
pub mod svg;
