//! The search's results rendered for a person: the accepted path (or the path to the furthest
//! candidate), each step with its spec section and observations in trace ids; and the
//! [`Divergence`] at the furthest position reached: the event no candidate accepts, what the
//! model would have accepted there, and summaries of the candidates alive before it.

use super::candidate::Cand;
use super::outcome::{Divergence, PathText};
use super::search::Search;
use super::steps::{Node, Step};
use swspec_model::{IdSpace, Obs, WorkerId};

impl Search<'_> {
    pub(super) fn name_of(&self, c: &Cand, space: IdSpace, m: u8) -> String {
        match c.aux.bound(space, m) {
            Some(t) => self.prep.interner.name(space, t).to_string(),
            None => format!("#{m}"),
        }
    }

    pub(super) fn render_obs(&self, c: &Cand, o: &Obs) -> String {
        let named = o.map_ids(|space, m| self.name_of(c, space, *m));
        serde_json::to_string(&named).unwrap_or_default()
    }

    /// The steps to node `ix`, whose candidate is `c` (its bindings name the identifiers).
    pub(super) fn render_path(&self, mut ix: u32, c: &Cand) -> (PathText, usize) {
        let mut path: Vec<&Node> = Vec::new();
        while ix != u32::MAX {
            let node = &self.arena[ix as usize];
            if node.step != u32::MAX {
                path.push(node);
            }
            ix = node.parent;
        }
        path.reverse();
        // One candidate's bindings name every step, so a step renders the same wherever it
        // recurs: each distinct one is rendered once.
        let mut text_of: Vec<u32> = vec![u32::MAX; self.steps.steps.len()];
        let mut out = PathText {
            texts: Vec::new(),
            lines: Vec::with_capacity(path.len()),
        };
        let mut max_depth = 0usize;
        for node in path {
            max_depth = max_depth.max(node.depth as usize);
            let st = &self.steps.steps[node.step as usize];
            let text = &mut text_of[node.step as usize];
            if *text == u32::MAX {
                *text = out.texts.len() as u32;
                out.texts.push(match st {
                    Step::Model(a, obs) => {
                        let shown: Vec<String> =
                            obs.iter().map(|o| self.render_obs(c, o)).collect();
                        format!(
                            "  step   {a}  [{}]{}",
                            a.spec(),
                            if shown.is_empty() {
                                "  (unobservable)".to_string()
                            } else {
                                format!("  => {}", shown.join(", "))
                            }
                        )
                    }
                    Step::Guard(g) => {
                        let shown: Vec<String> = g.iter().map(|o| self.render_obs(c, o)).collect();
                        format!("  guard  {} (no state change)", shown.join(", "))
                    }
                    Step::Matched { obs, .. } => self.render_obs(c, obs),
                });
            }
            let line = match st {
                // A matched event's node is at the position after it.
                Step::Matched { .. } => node
                    .pos
                    .checked_sub(1)
                    .and_then(|p| self.prep.events.get(p as usize))
                    .map_or(0, |e| e.line as u32),
                _ => u32::MAX,
            };
            out.lines.push((*text, line));
        }
        (out, max_depth)
    }

    pub(super) fn summarise(&self, c: &Cand) -> String {
        let s = &c.s;
        let w = |id: Option<WorkerId>| match id {
            Some(x) => format!(
                "{}({:?},{:?})",
                self.name_of(c, IdSpace::Worker, x),
                s.worker(x).state,
                s.worker(x).running
            )
            .to_lowercase(),
            None => "-".into(),
        };
        let mut parts = Vec::new();
        match s.map_entry() {
            Some(r) => {
                let reg = s.reg(r);
                parts.push(format!(
                    "registration: installing {}, waiting {}, active {}",
                    w(reg.installing),
                    w(reg.waiting),
                    w(reg.active)
                ));
            }
            None => parts.push("no registration".into()),
        }
        let clients: Vec<String> = s
            .clients
            .iter()
            .enumerate()
            .filter(|(_, cl)| cl.open)
            .map(|(i, cl)| {
                format!(
                    "{}→{}",
                    self.name_of(c, IdSpace::Client, i as u8),
                    cl.controller
                        .map_or("none".into(), |x| self.name_of(c, IdSpace::Worker, x))
                )
            })
            .collect();
        parts.push(format!("clients [{}]", clients.join(", ")));
        if !s.jobs.is_empty() {
            parts.push(format!("{} job(s) queued", s.jobs.len()));
        }
        if !c.pending.is_empty() {
            let p: Vec<String> = c
                .pending
                .iter()
                .map(|p| self.render_obs(c, &p.obs))
                .collect();
            parts.push(format!("awaiting {}", p.join(", ")));
        }
        parts.join("; ")
    }

    pub(super) fn divergence(&self, n: u32) -> Divergence {
        let pos = self.furthest;
        let cands: Vec<&Cand> = self.frontier.iter().map(|(_, c)| c).collect();
        let mut expected: Vec<String> = Vec::new();
        for c in &cands {
            for (k, p) in c.pending.iter().enumerate() {
                if c.matchable(k) {
                    expected.push(self.render_obs(c, &p.obs));
                }
            }
            let mut actions = Vec::new();
            stateright::Model::actions(self.model, &c.s, &mut actions);
            for a in actions {
                if let Some(next) = stateright::Model::next_state(self.model, &c.s, a.clone()) {
                    if let Some(o) = self
                        .model
                        .observe(&c.s, &a, &next)
                        .into_iter()
                        .find(|o| self.observed(o))
                    {
                        expected.push(self.render_obs(c, &o));
                    }
                }
            }
            for g in self.model.guard_steps(&c.s) {
                if self.observed(&g[0]) {
                    expected.push(self.render_obs(c, &g[0]));
                }
            }
        }
        expected.sort();
        expected.dedup();
        expected.truncate(24);
        let last_matched_line = (pos > 0).then(|| self.prep.events[pos as usize - 1].line);
        let last_steps = self
            .frontier
            .first()
            .map(|(ix, c)| {
                let p: Vec<String> = self.render_path(*ix, c).0.lines().collect();
                let from = p
                    .iter()
                    .rposition(|l| l.starts_with("  line "))
                    .map_or(0, |i| i.saturating_sub(8));
                p[from..].to_vec()
            })
            .unwrap_or_default();
        let (line, event, reason) = if pos < n {
            let ev = &self.prep.events[pos as usize];
            let named = ev
                .obs
                .map_ids(|space, i| self.prep.interner.name(space, *i).to_string());
            (
                Some(ev.line),
                Some(serde_json::to_string(&named).unwrap_or_default()),
                format!(
                    "no candidate state accepts this {} observation at t={} ms",
                    ev.obs.kind(),
                    ev.t
                ),
            )
        } else {
            (
                None,
                None,
                "the trace ended while the model still owed observations that never appeared"
                    .to_string(),
            )
        };
        Divergence {
            line,
            event,
            reason,
            expected,
            candidates: cands.len(),
            candidate_summaries: cands
                .iter()
                .take(self.opts.report_candidates)
                .map(|c| self.summarise(c))
                .collect(),
            last_matched_line,
            last_steps,
        }
    }
}
