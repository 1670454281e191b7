//! Classification: each property's verdict from what a search found (a discovery or none) and
//! whether the search was complete, and whether the run as a whole succeeds.

use super::explore::Exploration;
use super::report::{steps, PropertyJson};
use serde::Serialize;
use swspec_model::properties::{applicable, Kind, PropertyInfo};
use swspec_model::ModelConfig;

/// Verdict of one property.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// An `always` property held in every explored state of a complete run.
    Holds,
    /// An `always` property has a counterexample.
    Violated,
    /// A `sometimes` property has an example.
    Found,
    /// A `sometimes` property has no example in a complete run.
    NotFound,
    /// The run stopped early (`--max-states`) before deciding.
    Unknown,
}

impl Status {
    /// The verdict of a safety or reachability property of `kind`, given whether the search
    /// `discovered` an example or counterexample and whether it was `complete`.
    pub fn of(kind: Kind, discovered: bool, complete: bool) -> Status {
        match (kind, discovered, complete) {
            (Kind::Always, true, _) => Status::Violated,
            (Kind::Always, false, true) => Status::Holds,
            (Kind::Sometimes, true, _) => Status::Found,
            (Kind::Sometimes, false, true) => Status::NotFound,
            (_, false, false) => Status::Unknown,
        }
    }

    /// A verdict that fails the run.
    pub fn fails(self) -> bool {
        matches!(self, Status::Violated | Status::NotFound)
    }
}

/// Every property applicable to `cfg`, classified by `found` (paths already shortest), and
/// whether the run succeeds: complete, no `always` violated, every `sometimes` found.
pub fn safety_properties(cfg: &ModelConfig, found: &Exploration) -> (Vec<PropertyJson>, bool) {
    let props: Vec<PropertyJson> = applicable(cfg).map(|p| entry(p, found)).collect();
    let ok = found.complete && !props.iter().any(|p| p.status.fails());
    (props, ok)
}

/// The report entry of one safety or reachability property.
fn entry(p: &PropertyInfo, found: &Exploration) -> PropertyJson {
    let path = found.discoveries.get(p.name);
    PropertyJson {
        name: p.name,
        kind: match p.kind {
            Kind::Always => "always",
            Kind::Sometimes => "sometimes",
        },
        status: Status::of(p.kind, path.is_some(), found.complete),
        spec: p.spec,
        summary: p.summary,
        path: path.map(|path| steps(path)),
        fairness: None,
        lasso: None,
        expected_by: None,
    }
}
