//! The report of one run, as `--json` prints it: the run's figures, each property with its
//! verdict, and the paths and lassos behind the discoveries. The text report is rendered from
//! the same value ([`super::render`]).

use super::args::RunConfig;
use super::classify::Status;
use super::explore::Exploration;
use serde::Serialize;
use swspec_model::{Action, ModelConfig, Profile};

/// One step of a path: the action, its text and its spec section.
#[derive(Serialize)]
pub struct StepJson {
    /// The action (its variant and fields).
    #[serde(flatten)]
    pub action: Action,
    /// What it does, in words (its `Display`).
    pub description: String,
    /// The spec sections it performs.
    pub spec: &'static str,
}

/// One property's entry: its verdict and, for a discovery, the path or lasso to it.
#[derive(Serialize)]
pub struct PropertyJson {
    /// The property's name.
    pub name: &'static str,
    /// `always`, `sometimes` or `liveness`.
    pub kind: &'static str,
    /// Its verdict in this run.
    pub status: Status,
    /// The spec sections it states.
    pub spec: &'static str,
    /// What it says, in a sentence.
    pub summary: &'static str,
    /// The path to its example or counterexample (safety and reachability).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<StepJson>>,
    /// Liveness: the weak-fairness assumptions it was checked under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fairness: Option<Vec<&'static str>>,
    /// Liveness: the counterexample, when violated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lasso: Option<LassoJson>,
    /// A violation explained by a spec finding (SPEC_NOTES.md) under the spec as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_by: Option<&'static str>,
}

/// A liveness counterexample: the steps to a loop, and the loop (empty at a deadlock).
#[derive(Serialize)]
pub struct LassoJson {
    /// The steps from the initial state to the loop.
    pub prefix: Vec<StepJson>,
    /// The loop, repeated forever without reaching the goal.
    pub cycle: Vec<StepJson>,
    /// The prefix ends where nothing more can happen.
    pub deadlock: bool,
    /// That end is the checked boundary, not a real deadlock.
    pub deadlock_at_boundary: bool,
}

/// The figures of the liveness check's full-graph run.
#[derive(Serialize)]
pub struct LivenessRunJson {
    /// States in the full graph.
    pub states: usize,
    /// Edges in the full graph.
    pub edges: usize,
    /// Seconds it took.
    pub seconds: f64,
    /// The graph's peak size in memory.
    pub peak_graph_bytes: usize,
}

/// The whole report.
#[derive(Serialize)]
pub struct ReportJson {
    /// The model configuration checked.
    pub config: ModelConfig,
    /// Its engine profile.
    pub profile: Profile,
    /// `dfs` or `bfs`.
    pub search: &'static str,
    /// Symmetry reduction was on.
    pub symmetry: bool,
    /// Checker threads.
    pub threads: usize,
    /// The search covered the whole bounded state space.
    pub complete: bool,
    /// States generated.
    pub states: usize,
    /// Distinct states visited.
    pub unique_states: usize,
    /// The deepest path explored.
    pub max_depth: usize,
    /// Seconds the search took.
    pub seconds: f64,
    /// Distinct states per second.
    pub unique_states_per_second: f64,
    /// Every applicable property with its verdict, liveness ones last.
    pub properties: Vec<PropertyJson>,
    /// The liveness run's figures, with `--liveness`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness: Option<LivenessRunJson>,
    /// The command line that reproduces this run.
    pub replay: String,
}

impl ReportJson {
    /// The report of `run`, whose search `found` what it did, with the `properties`' verdicts,
    /// the liveness run's figures and the command that replays it.
    pub fn new(
        run: &RunConfig,
        found: &Exploration,
        properties: Vec<PropertyJson>,
        liveness: Option<LivenessRunJson>,
        replay: String,
    ) -> ReportJson {
        ReportJson {
            config: run.model.clone(),
            profile: run.model.profile,
            search: if run.search.bfs { "bfs" } else { "dfs" },
            symmetry: run.search.symmetry,
            threads: usize::from(run.search.threads),
            complete: found.complete,
            states: found.states,
            unique_states: found.unique_states,
            max_depth: found.max_depth,
            seconds: found.seconds,
            unique_states_per_second: found.unique_states as f64 / found.seconds.max(1e-9),
            properties,
            liveness,
            replay,
        }
    }
}

/// A path as report steps.
pub fn steps(actions: &[Action]) -> Vec<StepJson> {
    actions
        .iter()
        .cloned()
        .map(|a| StepJson {
            description: a.to_string(),
            spec: a.spec(),
            action: a,
        })
        .collect()
}
