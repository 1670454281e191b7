//! The checker's knobs ([`Options`]), each with its default: how far apart observations of
//! different sources may be, how many unobservable steps may fall between two events, the slack
//! on the profile's timers, and the search budget.

#[cfg(doc)]
use super::quiescent;
use swspec_model::Profile;

/// Checker knobs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Check against this profile instead of the header's. Default: none (the header's).
    pub profile: Option<Profile>,
    /// How far apart (ms) two observations of different channels may be and still be matched
    /// in either order; also how long an observation may lag the step that made it. Default 100.
    pub skew_ms: f64,
    /// How late (ms) a promise's settlement (`job_settled`, `call_settled`,
    /// `worker_call_settled`) may reach the page or worker after the step that settled it: the
    /// settlement is a task on that event loop, which runs it when it gets to it (seen 100–210 ms
    /// late on a loaded machine). It still keeps its place in its source's order. Default 500;
    /// range 0 (held to `skew_ms` like every other observation) and up, finite.
    pub settle_lag_ms: f64,
    /// Unobservable model steps allowed between two events. Default 12.
    pub max_hidden: usize,
    /// Slack (ms) on the profile's timer bounds (idle stop, unresponsive stop, event timeout,
    /// sync retry delay, lame-duck activation).
    /// Default 500.
    pub timer_tolerance_ms: f64,
    /// Search nodes per pass before giving up with an inconclusive verdict: the quick pass and,
    /// when it finds no explanation, the exact one each get this many (a check visits at most
    /// twice it). Default 2,000,000.
    pub max_nodes: usize,
    /// Candidates summarised in a divergence report. Default 5.
    pub report_candidates: usize,
    /// The capture ended quiescent (the harness waits before it stops): at the end no step the
    /// browser takes promptly may still be due (see [`quiescent`]). Default true.
    pub quiescent_end: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: None,
            skew_ms: 100.0,
            settle_lag_ms: 500.0,
            max_hidden: 12,
            timer_tolerance_ms: 500.0,
            max_nodes: 2_000_000,
            report_candidates: 5,
            quiescent_end: true,
        }
    }
}
