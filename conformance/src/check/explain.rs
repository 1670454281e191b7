//! Why no candidate accepts the rejected event: the constraint that failed, named the way a
//! person debugging a browser needs it. For each candidate alive before the event, a model
//! step that would make an observation of the event's shape is tried, and the first check it
//! fails is reported: a profile timer (its name, bound and the measured gap; the step "fits but
//! too early/late"), the skew window of the step's other observations, or, for an obligation
//! of that shape already owed, the per-channel order it must keep. The event is blamed, not the
//! earlier line whose window it missed.

use super::candidate::Cand;
use super::prepare::shape_hash;
use super::search::Search;
use swspec_model::{Action, Obs};

/// One explanation of why a step that could have made the rejected event was not taken.
pub(super) struct Why {
    /// What failed, in words.
    pub(super) text: String,
    /// The step fits the event but breaks a timer only (it is left out of "would accept").
    pub(super) timing_only: bool,
}

impl Search<'_> {
    /// Why the candidates `cands` reject the event at `pos`, most specific first (at most 4),
    /// and the spec section of the first model step that would make an observation like it.
    pub(super) fn explain(&self, cands: &[&Cand], pos: u32) -> (Vec<Why>, Option<&'static str>) {
        let ev = &self.prep.events[pos as usize];
        let (mut out, mut hidden): (Vec<Why>, Vec<Why>) = (Vec::new(), Vec::new());
        let mut section = None;
        for c in cands {
            // An obligation of the event's shape the channel's order holds back.
            for (k, p) in c.pending.iter().enumerate() {
                if p.shape == ev.shape && !c.matchable(k) {
                    if let Some(q) = c.pending[..k].iter().find(|q| q.chan == p.chan) {
                        out.push(Why {
                            text: format!(
                                "per-source order: {} was made after {}, which has not appeared \
                                 yet, and one source reports them in that order",
                                self.render_obs_for(c, &p.obs),
                                self.render_obs_for(c, &q.obs)
                            ),
                            timing_only: false,
                        });
                    }
                }
            }
            let mut actions = Vec::new();
            stateright::Model::actions(self.model, &c.s, &mut actions);
            for a in actions {
                let Some(next) = stateright::Model::next_state(self.model, &c.s, a.clone()) else {
                    continue;
                };
                let obs: Vec<Obs> = self
                    .model
                    .observe(&c.s, &a, &next)
                    .into_iter()
                    .filter(|o| self.observed(o))
                    .collect();
                if obs.is_empty() {
                    // An unobservable step a timer holds back may be what the event needs
                    // first (a sync retry before the sync event): listed when nothing else is.
                    if let Some(w) = self.why_not(c, &a, &obs, pos).filter(|w| w.timing_only) {
                        hidden.push(w);
                    }
                    continue;
                }
                if !obs.iter().any(|o| shape_hash(o) == ev.shape) {
                    continue;
                }
                section.get_or_insert(a.spec());
                out.extend(self.why_not(c, &a, &obs, pos));
            }
        }
        if out.is_empty() {
            out = hidden;
        }
        // Timer breaches first: they name the most specific cause.
        out.sort_by_key(|w| !w.timing_only);
        let mut seen = std::collections::HashSet::new();
        out.retain(|w| seen.insert(w.text.clone()));
        out.truncate(4);
        (out, section)
    }

    /// Why step `a` (observations `obs`, those of observed kinds) was not taken from `c` for
    /// the event at `pos`.
    fn why_not(&self, c: &Cand, a: &Action, obs: &[Obs], pos: u32) -> Option<Why> {
        let ev = &self.prep.events[pos as usize];
        if let Some(b) = self.timer_breach(c, a, ev.t) {
            let dir = if b.too_early { "early" } else { "late" };
            let rel = if b.too_early { "at least" } else { "at most" };
            let kind = if obs.is_empty() {
                "unobservable step"
            } else {
                "step"
            };
            return Some(Why {
                text: format!(
                    "{kind} `{a}` [{}] fits but too {dir}: profile timer {} must be {rel} {} ms, \
                     measured gap {} ms",
                    a.spec(),
                    b.name,
                    ms(b.bound_ms),
                    ms(b.gap_ms)
                ),
                timing_only: true,
            });
        }
        let shapes: Vec<u64> = obs.iter().map(shape_hash).collect();
        if !self.obligations_fit(c, pos, obs, &shapes) {
            // The observations with no event of their shape in the window; when each has
            // one, the order or the channel is what fails, and all are listed.
            let others = || obs.iter().filter(|o| shape_hash(o) != ev.shape);
            let mut missing: Vec<String> = others()
                .filter(|o| !self.in_window(pos, o, shape_hash(o)))
                .map(|o| self.render_obs_for(c, o))
                .collect();
            if missing.is_empty() {
                missing = others().map(|o| self.render_obs_for(c, o)).collect();
            }
            let end = self
                .prep
                .window
                .get(pos as usize)
                .and_then(|&w| self.prep.events.get(w as usize))
                .map_or(String::new(), |e| {
                    format!(" (the window closes {} ms after it)", ms(e.t - ev.t))
                });
            return Some(Why {
                text: format!(
                    "skew window of step `{a}` [{}]: its observations {} do not all appear, in \
                     their sources' order, within {} ms of this event{end}",
                    a.spec(),
                    if missing.is_empty() {
                        "(this one)".to_string()
                    } else {
                        missing.join(", ")
                    },
                    ms(self.opts.skew_ms)
                ),
                timing_only: false,
            });
        }
        None
    }
}

/// Milliseconds, to one decimal at most.
fn ms(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}
