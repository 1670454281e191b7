//! Why no candidate accepts the rejected event: the constraint that failed, named the way a
//! person debugging a browser needs it. For each candidate alive before the event, a model
//! step that would make an observation of the event's shape is tried, and the first check it
//! fails is reported: a profile timer (its name, bound and the measured gap; the step "fits but
//! too early/late"), the skew window of the step's other observations (for each one it lacks,
//! the first later event of its kind: the late one), or, for an obligation of that shape
//! already owed, the per-channel order it must keep. The event is blamed, not the earlier line
//! whose window it missed. A candidate that died before the event because an earlier step's
//! observation never appeared is named first: that step, its line and the observation it owed.

use super::candidate::{Cand, Pending, State};
use super::obligations::is_settlement;
use super::prepare::shape_hash;
use super::search::Search;
use super::steps::Step;
use swspec_model::{Action, Obs, SwState};

/// When no step makes the rejected event's shape, candidates' next two steps are tried until
/// this many pairs that would make it are found.
const LOOKAHEAD_ENOUGH: usize = 4;

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
            for (a, _, obs) in self.successors(&c.s) {
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
        if out.is_empty() {
            out = self.two_steps_ahead(cands, pos);
        }
        // Timer breaches first: they name the most specific cause; an obligation never met
        // comes before them, as what ended those candidates before the event was tried.
        out.sort_by_key(|w| !w.timing_only);
        let mut unmet = self.unmet(pos);
        unmet.append(&mut out);
        let mut out = unmet;
        let mut seen = std::collections::HashSet::new();
        out.retain(|w| seen.insert(w.text.clone()));
        out.truncate(4);
        (out, section)
    }

    /// The enabled actions of `s`, each with its next state and its observations of observed
    /// kinds (the explanations' and "would accept"'s view of a candidate's next steps).
    pub(super) fn successors(&self, s: &SwState) -> Vec<(Action, SwState, Vec<Obs>)> {
        let mut actions = Vec::new();
        stateright::Model::actions(self.model, s, &mut actions);
        actions
            .into_iter()
            .filter_map(|a| {
                let next = stateright::Model::next_state(self.model, s, a.clone())?;
                let obs: Vec<Obs> = self
                    .model
                    .observe(s, &a, &next)
                    .into_iter()
                    .filter_map(|o| self.seen(o))
                    .collect();
                Some((a, next, obs))
            })
            .collect()
    }

    /// When no step of any candidate makes an observation of the event's shape: the pairs of
    /// steps that would, the first of them being what the trace lacks here (its observations
    /// are missing, or, when it has none, why the second was not taken after it). Says so when
    /// no pair does either.
    fn two_steps_ahead(&self, cands: &[&Cand], pos: u32) -> Vec<Why> {
        let ev = &self.prep.events[pos as usize];
        let mut out = Vec::new();
        for c in cands {
            // A few pairs say enough: the report lists at most 4 explanations.
            if out.len() >= LOOKAHEAD_ENOUGH {
                break;
            }
            for (a, next, obs) in self.successors(&c.s) {
                for (b, _, obs_b) in self.successors(&next) {
                    if !obs_b.iter().any(|o| shape_hash(o) == ev.shape) {
                        continue;
                    }
                    let first = if obs.is_empty() {
                        let after = Cand {
                            s: State::new(next.clone()),
                            pending: c.pending.clone(),
                            aux: c.aux.clone(),
                        };
                        match self.why_not(&after, &b, &obs_b, pos) {
                            Some(w) => format!("unobservable; then {}", w.text),
                            None => "unobservable".to_string(),
                        }
                    } else {
                        let shown: Vec<String> =
                            obs.iter().map(|o| self.render_obs_for(c, o)).collect();
                        format!("the trace lacks its {} here", shown.join(", "))
                    };
                    out.push(Why {
                        text: format!(
                            "the model makes it only a step later: `{a}` [{}] first ({first}), \
                             then `{b}` [{}]",
                            a.spec(),
                            b.spec()
                        ),
                        timing_only: false,
                    });
                }
            }
        }
        if out.is_empty() {
            out.push(Why {
                text: "no model step makes an observation like it, from any candidate, within \
                       two steps"
                    .to_string(),
                timing_only: false,
            });
        }
        out
    }

    /// The obligations of the frontier's candidates overdue at the event at `pos`: each names
    /// the step on the candidate's path that made it, the line that step followed, and the
    /// observation that no event matched within the skew window.
    fn unmet(&self, pos: u32) -> Vec<Why> {
        let mut out = Vec::new();
        for (ix, c) in &self.frontier {
            for p in c.pending.iter().filter(|p| p.deadline <= pos) {
                out.push(Why {
                    text: self.unmet_text(*ix, c, p, pos),
                    timing_only: false,
                });
            }
        }
        out
    }

    /// The words for overdue obligation `p` of candidate `c` (arena node `ix`).
    fn unmet_text(&self, ix: u32, c: &Cand, p: &Pending, pos: u32) -> String {
        let made = self.made_by(ix, c, p);
        let obs = self.render_obs_for(c, &p.obs);
        let window = if super::obligations::is_settlement(&p.obs) {
            format!(
                "a promise's settlement may lag its step by {} ms",
                ms(self.opts.settle_lag_ms)
            )
        } else {
            format!("the skew window, {} ms", ms(self.opts.skew_ms))
        };
        let Some((a, at)) = made else {
            return format!(
                "obligation never met: {obs} was owed, and no event matched it within its \
                 window ({window})"
            );
        };
        let gap = self
            .prep
            .events
            .get(pos as usize)
            .zip(at.line)
            .map_or(String::new(), |(now, (_, t))| {
                format!(", {} ms before this event", ms(now.t - t))
            });
        let when = at.text(&gap);
        format!(
            "obligation never met: {a}{when} owed {obs}, and no event matched it within its \
             window ({window})"
        )
    }

    /// The latest step on the path to arena node `ix` with an observation of obligation `p`'s
    /// shape (the step that made it: a model step, or a guard step that rejected a call), in
    /// words, and where: the line it was taken after (a guard step: the call's own line) and
    /// that line's time.
    pub(super) fn made_by(&self, ix: u32, c: &Cand, p: &Pending) -> Option<(String, Where)> {
        let makes = |obs: &[Obs]| obs.iter().any(|o| shape_hash(o) == p.shape);
        let line = |pos: u32| {
            pos.checked_sub(1)
                .and_then(|f| self.prep.events.get(f as usize))
                .map(|e| (e.line, e.t))
        };
        self.path_to(ix)
            .iter()
            .rev()
            .find_map(|n| match &self.steps.steps[n.step as usize] {
                Step::Model(a, obs) if makes(obs) => Some((
                    format!("step `{a}` [{}]", a.spec()),
                    Where {
                        line: line(n.pos),
                        guard: false,
                    },
                )),
                Step::Guard(g) if makes(g) => Some((
                    format!(
                        "guard step {} (no state change)",
                        g.first()
                            .map_or(String::new(), |o| self.render_obs_for(c, o))
                    ),
                    Where {
                        line: line(n.pos),
                        guard: true,
                    },
                )),
                _ => None,
            })
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
            // The observations the window lacks, each with the later event that would be it;
            // when none is lacking, the order or the channel is what fails, and all are
            // listed.
            let mut missing = self.missing_in_window(c, obs, &shapes, pos);
            if missing.is_empty() {
                missing = obs
                    .iter()
                    .zip(&shapes)
                    .filter(|(_, &h)| h != ev.shape)
                    .map(|(o, _)| self.render_obs_for(c, o))
                    .collect();
            }
            let end = if obs.iter().any(is_settlement) {
                format!(
                    " ({} ms for a promise's settlement)",
                    ms(self.opts.skew_ms + self.opts.settle_lag_ms)
                )
            } else {
                String::new()
            };
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

    /// The observations of a step tried for the event at `pos` (`shapes`: their
    /// `shape_hash`es) that its window lacks, counting repeats (a step that settles two
    /// coalesced job promises needs two such events; the event at `pos` is one of its own
    /// kind). Each is rendered with the event that would be it, the first of its kind past the
    /// window, since that is the late one: "(next of its kind: line L, G ms after this
    /// event)", or "(none later)".
    fn missing_in_window(&self, c: &Cand, obs: &[Obs], shapes: &[u64], pos: u32) -> Vec<String> {
        let ev = &self.prep.events[pos as usize];
        let from = &self.prep.events[pos as usize..];
        let mut out = Vec::new();
        for (i, (o, &h)) in obs.iter().zip(shapes).enumerate() {
            // `o` is the k-th of the step's observations of its shape; the event itself is the
            // first of its own.
            let k = shapes[..=i].iter().filter(|&&s| s == h).count();
            if h == ev.shape && k == 1 {
                continue;
            }
            let end = self.deadline_for(o, h, pos) as usize - pos as usize;
            let kth = from
                .iter()
                .enumerate()
                .filter(|(_, e)| e.shape == h)
                .nth(k - 1);
            let late = match kth {
                Some((i, _)) if i < end => continue,
                Some((_, e)) => format!(
                    "next of its kind: line {}, {} ms after this event",
                    e.line,
                    ms(e.t - ev.t)
                ),
                None => "none later".to_string(),
            };
            out.push(format!("{} ({late})", self.render_obs_for(c, o)));
        }
        out
    }
}

/// Where a step was taken, for the explanations.
pub(super) struct Where {
    /// The trace line it was taken after (a guard step: the call's line) and its time; `None`
    /// before the first event.
    pub(super) line: Option<(usize, f64)>,
    /// A guard step, which takes its call's line.
    pub(super) guard: bool,
}

impl Where {
    /// " (taken after line L`extra`)", " (at line L`extra`)" for a guard step.
    pub(super) fn text(&self, extra: &str) -> String {
        match self.line {
            Some((l, _)) if self.guard => format!(" (at line {l}{extra})"),
            Some((l, _)) => format!(" (taken after line {l}{extra})"),
            None => " (taken before the first event)".to_string(),
        }
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
