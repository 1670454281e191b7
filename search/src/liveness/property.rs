//! What a liveness check is given and what it reports: fairness assumptions, properties,
//! lassos, verdicts, the report and the errors.

use std::fmt;

use stateright::Model;

/// A weak-fairness assumption on a named class of actions: if some action of the class is
/// enabled continuously from some point on, an action of the class is eventually taken.
pub struct Fairness<M: Model> {
    /// Short name of the class, for reports.
    pub name: &'static str,
    /// Whether `action`, taken in `state`, belongs to the class.
    pub class: fn(&M, &M::State, &M::Action) -> bool,
}

impl<M: Model> Clone for Fairness<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: Model> Copy for Fairness<M> {}

impl<M: Model> fmt::Debug for Fairness<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fairness")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The property `always (trigger ⇒ eventually goal)`, checked only over behaviours that
/// satisfy every listed fairness assumption.
pub struct LivenessProperty<M: Model> {
    /// Unique name of the property, used as the key in [`LivenessReport::verdicts`].
    pub name: &'static str,
    /// Where the property comes from (e.g. a spec section); informational only.
    pub spec: &'static str,
    /// One-line human description; informational only.
    pub summary: &'static str,
    /// States from which the goal must eventually be reached.
    pub trigger: fn(&M, &M::State) -> bool,
    /// States that discharge the obligation.
    pub goal: fn(&M, &M::State) -> bool,
    /// Weak-fairness assumptions; violations are only reported on fair behaviours.
    pub fairness: Vec<Fairness<M>>,
}

impl<M: Model> Clone for LivenessProperty<M> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            spec: self.spec,
            summary: self.summary,
            trigger: self.trigger,
            goal: self.goal,
            fairness: self.fairness.clone(),
        }
    }
}

impl<M: Model> fmt::Debug for LivenessProperty<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LivenessProperty")
            .field("name", &self.name)
            .field("spec", &self.spec)
            .field("summary", &self.summary)
            .field("fairness", &self.fairness)
            .finish_non_exhaustive()
    }
}

/// A counterexample: `prefix` leads from an initial state to the loop start, then `cycle`
/// repeats forever (or, if `deadlock`, the last state stutters forever).
pub struct Lasso<M: Model> {
    /// Actions from `states[0]` (an initial state) to `states[prefix.len()]` (the loop start).
    pub prefix: Vec<M::Action>,
    /// Actions of the repeated closed walk, from the loop start back to it; empty on deadlock.
    pub cycle: Vec<M::Action>,
    /// Every visited state: `prefix.len() + cycle.len() + 1` of them. The last one equals
    /// the loop start.
    pub states: Vec<M::State>,
    /// Index in `states` of the trigger state. From there on, `goal` is false everywhere.
    pub trigger_index: usize,
    /// The behaviour ends in a dead end (no successor within the boundary).
    pub deadlock: bool,
    /// With `deadlock`: the dead end does have successors, but they all lie outside the
    /// boundary. So this may be an artefact of the boundary.
    pub deadlock_at_boundary: bool,
}

impl<M: Model> Lasso<M> {
    /// The state where the cycle starts and ends (the dead end if `deadlock`).
    pub fn loop_start(&self) -> &M::State {
        &self.states[self.prefix.len()]
    }

    /// The states of the cycle: loop start first, without repeating it at the end.
    pub fn cycle_states(&self) -> &[M::State] {
        let start = self.prefix.len();
        &self.states[start..start + self.cycle.len().max(1)]
    }
}

impl<M: Model> Clone for Lasso<M>
where
    M::State: Clone,
    M::Action: Clone,
{
    fn clone(&self) -> Self {
        Self {
            prefix: self.prefix.clone(),
            cycle: self.cycle.clone(),
            states: self.states.clone(),
            trigger_index: self.trigger_index,
            deadlock: self.deadlock,
            deadlock_at_boundary: self.deadlock_at_boundary,
        }
    }
}

impl<M: Model> PartialEq for Lasso<M>
where
    M::State: PartialEq,
    M::Action: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix
            && self.cycle == other.cycle
            && self.states == other.states
            && self.trigger_index == other.trigger_index
            && self.deadlock == other.deadlock
            && self.deadlock_at_boundary == other.deadlock_at_boundary
    }
}

impl<M: Model> fmt::Debug for Lasso<M>
where
    M::State: fmt::Debug,
    M::Action: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lasso")
            .field("prefix", &self.prefix)
            .field("cycle", &self.cycle)
            .field("states", &self.states)
            .field("trigger_index", &self.trigger_index)
            .field("deadlock", &self.deadlock)
            .field("deadlock_at_boundary", &self.deadlock_at_boundary)
            .finish()
    }
}

/// The outcome for one property on a completely explored graph.
pub enum Verdict<M: Model> {
    /// Every fair behaviour from every trigger state reaches the goal.
    Holds,
    /// A fair behaviour that never reaches the goal after a trigger state.
    Violated(Lasso<M>),
}

impl<M: Model> Verdict<M> {
    /// `true` for [`Verdict::Holds`].
    pub fn holds(&self) -> bool {
        matches!(self, Verdict::Holds)
    }

    /// The counterexample, if violated.
    pub fn lasso(&self) -> Option<&Lasso<M>> {
        match self {
            Verdict::Holds => None,
            Verdict::Violated(lasso) => Some(lasso),
        }
    }
}

impl<M: Model> Clone for Verdict<M>
where
    M::State: Clone,
    M::Action: Clone,
{
    fn clone(&self) -> Self {
        match self {
            Verdict::Holds => Verdict::Holds,
            Verdict::Violated(lasso) => Verdict::Violated(lasso.clone()),
        }
    }
}

impl<M: Model> PartialEq for Verdict<M>
where
    M::State: PartialEq,
    M::Action: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Verdict::Holds, Verdict::Holds) => true,
            (Verdict::Violated(a), Verdict::Violated(b)) => a == b,
            _ => false,
        }
    }
}

impl<M: Model> fmt::Debug for Verdict<M>
where
    M::State: fmt::Debug,
    M::Action: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Holds => f.write_str("Holds"),
            Verdict::Violated(lasso) => f.debug_tuple("Violated").field(lasso).finish(),
        }
    }
}

/// The result of [`check_liveness`](super::check_liveness): graph statistics and one verdict per property.
pub struct LivenessReport<M: Model> {
    /// Number of distinct reachable states within the boundary.
    pub states: usize,
    /// Number of edges (successful, in-boundary transitions, counted per action).
    pub edges: usize,
    /// Wall-clock seconds for the whole check.
    pub seconds: f64,
    /// Estimated peak bytes of the graph and per-property arrays. It excludes heap data
    /// owned by the states themselves.
    pub peak_graph_bytes: usize,
    /// Bytes of the stored states per state (their full size, or their packed size).
    pub bytes_per_state: f64,
    /// The process's peak resident set so far (`VmHWM`, what `/usr/bin/time -v` reports as
    /// maximum resident set size), in bytes; 0 where it cannot be read.
    pub peak_resident: u64,
    /// `(property name, verdict)`, in the order the properties were given.
    pub verdicts: Vec<(&'static str, Verdict<M>)>,
}

impl<M: Model> LivenessReport<M> {
    /// The verdict of the property with this name, if it was checked.
    pub fn verdict(&self, name: &str) -> Option<&Verdict<M>> {
        self.verdicts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, verdict)| verdict)
    }
}

impl<M: Model> fmt::Debug for LivenessReport<M>
where
    M::State: fmt::Debug,
    M::Action: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LivenessReport")
            .field("states", &self.states)
            .field("edges", &self.edges)
            .field("seconds", &self.seconds)
            .field("peak_graph_bytes", &self.peak_graph_bytes)
            .field("bytes_per_state", &self.bytes_per_state)
            .field("peak_resident", &self.peak_resident)
            .field("verdicts", &self.verdicts)
            .finish()
    }
}

/// Why no verdict could be given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LivenessError {
    /// More than `max_states` reachable states (or more than `u32::MAX - 1`). The graph
    /// is incomplete, so nothing can be claimed.
    TooManyStates {
        /// The limit that was exceeded.
        max_states: usize,
    },
    /// A state has more than `u32::MAX` actions.
    TooManyActions {
        /// BFS index of the state.
        state: usize,
    },
    /// `Model::actions` returned fewer actions for a state than when the graph was built.
    NondeterministicActions {
        /// BFS index of the state.
        state: usize,
    },
    /// The memory bound was reached while the graph was built or a property checked: the
    /// graph or the analysis is incomplete, so nothing can be claimed.
    MemoryLimit {
        /// Resident bytes then.
        resident: u64,
        /// The bound.
        limit: u64,
    },
    /// The stop flag was set (Ctrl-C, SIGTERM).
    Interrupted,
    /// An internal invariant failed (a bug in this module).
    Internal(&'static str),
}

impl fmt::Display for LivenessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LivenessError::TooManyStates { max_states } => write!(
                f,
                "more than {max_states} reachable states: graph incomplete, no verdict"
            ),
            LivenessError::MemoryLimit { resident, limit } => write!(
                f,
                "memory bound reached ({} MiB resident, limit {} MiB): graph incomplete, no verdict",
                resident >> 20,
                limit >> 20
            ),
            LivenessError::Interrupted => write!(f, "interrupted: graph incomplete, no verdict"),
            LivenessError::TooManyActions { state } => {
                write!(f, "state #{state} has more than u32::MAX actions")
            }
            LivenessError::NondeterministicActions { state } => write!(
                f,
                "Model::actions is not deterministic: state #{state} lost actions on recomputation"
            ),
            LivenessError::Internal(what) => write!(f, "internal liveness-checker error: {what}"),
        }
    }
}

impl std::error::Error for LivenessError {}
