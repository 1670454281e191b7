//! The trace checker: a search, memoised on (candidate, position), over the model states
//! consistent with a trace prefix (trace validation in the style of Cirstea et al. and CCF's
//! smart casual verification). A quick depth-first pass follows a trace the model explains
//! readily straight through; when it finds no explanation, an exact pass goes through the trace
//! position by position, expanding each candidate once, and gives the verdict.
//!
//! A *candidate* is a model state plus what the trace has pinned down so far: the bijection
//! between trace and model identifiers, the observations the model has produced that the trace
//! has not shown yet (*obligations*), the worker script instances seen, and the timer stamps the
//! profile's bounds are checked against. To consume the next event a candidate either matches one
//! of its obligations, takes a guard step (a call that changes no state), or first takes model
//! steps. A model step's observations of kinds the trace header lists as observed become
//! obligations; steps with none are unobservable and are closed over, at most
//! [`Options::max_hidden`] between two events.
//!
//! Obligations carry the order of the step that made them: two on one [`Channel`] are matched
//! in model order, while observations of different channels (a page and DevTools, say) may
//! appear in either order as long as each is matched before the trace's clock passes the
//! creation time plus [`Options::skew_ms`]. A step is only taken when each of its obligations has
//! an event of the same shape within that window: this prunes the search without losing
//! traces, since an obligation with no such event can never be matched.
//!
//! Where each part lives:
//! - `options`: the checker's knobs; `outcome`: what a check returns (verdict, divergence, the
//!   rendered path).
//! - `config`: the model a trace is checked under (its configuration, the profile's timer
//!   bounds with the trace's overrides, the quiescent end).
//! - `prepare`: the trace made ready for matching (interned ids, shapes, look-ahead windows).
//! - `candidate` and `bindings`: one candidate explanation, and the identifier bijection,
//!   worker instances and timer stamps it carries.
//! - `search`: the search itself, and `agenda` the order of its two passes; `transitions`:
//!   the model's steps from a state, cached; `obligations`: when a step's observations can still be matched (skew windows,
//!   per-channel order, deadlines, the instance rule); `timers`: the profile's timer bounds.
//! - `memo`: the memo of visited (position, candidate) fingerprints; `steps`: how the search
//!   reached each node; `report`: the accepted path and the divergence, rendered; `explain`:
//!   the constraint the rejected event failed.

mod agenda;
mod bindings;
mod candidate;
mod config;
mod explain;
mod memo;
mod obligations;
mod options;
mod outcome;
mod prepare;
mod report;
mod search;
mod steps;
mod timers;
mod transitions;

pub use config::{param_override, quiescent, wide_config};
pub use options::Options;
pub use outcome::{Divergence, Outcome, PathText, Verdict};
pub use prepare::Interner;
pub use steps::Step;

use crate::trace::Trace;
use config::config_for;
use prepare::prepare;
use search::{Pass, Search};
#[cfg(doc)]
use swspec_model::Channel;
use swspec_model::SwModel;

/// Checks one parsed trace.
pub fn check(trace: &Trace, opts: &Options) -> Result<Outcome, (Option<usize>, String)> {
    let profile = opts.profile.unwrap_or(trace.header.profile);
    let prep = prepare(trace, opts.skew_ms, opts.settle_lag_ms).map_err(|(l, e)| (Some(l), e))?;
    let cfg = config_for(&prep, profile).map_err(|e| (None, e))?;
    let model = SwModel::new(cfg);
    let quick = Search::new(&model, &prep, opts, Pass::Quick).run();
    if quick.verdict == Verdict::Conforms {
        return Ok(quick);
    }
    let mut exact = Search::new(&model, &prep, opts, Pass::Exact).run();
    exact.nodes += quick.nodes;
    exact.peak_frontier = exact.peak_frontier.max(quick.peak_frontier);
    Ok(exact)
}
