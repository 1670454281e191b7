//! The search's results rendered for a person: the accepted path (or the path to the furthest
//! candidate), each step with its spec section and observations in trace ids; and the
//! [`Divergence`] at the furthest position reached: the event no candidate accepts, what the
//! model would have accepted there, and summaries of the candidates alive before it.

use super::candidate::Cand;
use super::outcome::{Divergence, Outcome, PathText, Verdict};
use super::search::Search;
use super::steps::{Node, Step};
use swspec_model::{IdSpace, Obs, Observation, WorkerId};

impl Search<'_> {
    /// The outcome of a finished search: `accepted` is the node that explains the trace and
    /// its candidate, if one does; `exhausted_budget` says the node budget ran out first.
    pub(super) fn outcome(&self, accepted: Option<(u32, Cand)>, exhausted_budget: bool) -> Outcome {
        let nodes = self.arena.len();
        let peak_frontier = self.per_pos.iter().copied().max().unwrap_or(0) as usize;
        let events = self.prep.events.len();
        match accepted {
            Some((ix, cand)) => {
                let (path, max_hidden_used) = self.render_path(ix, &cand);
                Outcome {
                    profile: self.model.cfg.profile,
                    verdict: Verdict::Conforms,
                    events,
                    nodes,
                    peak_frontier,
                    max_hidden_used,
                    divergence: None,
                    path,
                    config: self.model.cfg.clone(),
                }
            }
            None => {
                let mut divergence = self.divergence(events as u32);
                if exhausted_budget {
                    // A limit, not a verdict on the event there.
                    divergence.limit = None;
                    divergence.reason = format!(
                        "inconclusive: node budget {} reached at {}",
                        thousands(self.opts.max_nodes),
                        divergence
                            .line
                            .map_or("the trace's end".to_string(), |l| format!("line {l}"))
                    );
                }
                let path = self
                    .frontier
                    .first()
                    .map(|(ix, c)| self.render_path(*ix, c).0)
                    .unwrap_or_default();
                Outcome {
                    profile: self.model.cfg.profile,
                    verdict: if exhausted_budget || divergence.limit.is_some() {
                        Verdict::Inconclusive
                    } else {
                        Verdict::Diverges
                    },
                    events,
                    nodes,
                    peak_frontier,
                    max_hidden_used: 0,
                    divergence: Some(divergence),
                    path,
                    config: self.model.cfg.clone(),
                }
            }
        }
    }

    /// Model id `m` of `space` by its trace name where `c` binds it, otherwise by what it is
    /// ("a new worker"; the trace has not named it yet).
    fn name_of(&self, c: &Cand, space: IdSpace, m: u8) -> String {
        match c.aux.bound(space, m) {
            Some(t) => self.prep.interner.name(space, t).to_string(),
            None => match space {
                IdSpace::Client => "a new client",
                IdSpace::Worker => "a new worker",
                IdSpace::Script => "a new script URL",
                IdSpace::Tag => "a new tag",
                IdSpace::BgFetch => "a new fetch id",
            }
            .to_string(),
        }
    }

    /// Model observation `o` as JSON with `c`'s trace names (for the explanations).
    pub(super) fn render_obs_for(&self, c: &Cand, o: &Obs) -> String {
        self.render_obs(c, o)
    }

    /// Model observation `o` as JSON with `c`'s trace names.
    fn render_obs(&self, c: &Cand, o: &Obs) -> String {
        let named = o.map_ids(|space, m| self.name_of(c, space, *m));
        serde_json::to_string(&named).unwrap_or_default()
    }

    /// The steps to node `ix`, whose candidate is `c` (its bindings name the identifiers), and
    /// the most unobservable steps between two events on it.
    fn render_path(&self, ix: u32, c: &Cand) -> (PathText, usize) {
        let path = self.path_to(ix);
        // One candidate's bindings name every step, so a step renders the same wherever it
        // recurs: each distinct one is rendered once.
        let mut text_of: Vec<u32> = vec![u32::MAX; self.steps.steps.len()];
        let mut out = PathText {
            texts: Vec::new(),
            lines: Vec::with_capacity(path.len()),
            actions: Vec::new(),
            guards: Vec::new(),
        };
        let mut max_depth = 0usize;
        for node in path {
            max_depth = max_depth.max(node.depth as usize);
            let st = &self.steps.steps[node.step as usize];
            let text = &mut text_of[node.step as usize];
            if *text == u32::MAX {
                *text = out.texts.len() as u32;
                out.texts.push(self.step_text(c, st));
            }
            out.lines.push((*text, self.matched_line(node, st)));
            match st {
                Step::Model(a, _) => out.actions.push(a.clone()),
                Step::Guard(g) => out.guards.push(g.clone()),
                Step::Matched { .. } => {}
            }
        }
        (out, max_depth)
    }

    /// The nodes from the root to node `ix` that took a step (the root took none), in order.
    pub(super) fn path_to(&self, mut ix: u32) -> Vec<&Node> {
        let mut path: Vec<&Node> = Vec::new();
        while ix != u32::MAX {
            let node = &self.arena[ix as usize];
            if node.step != u32::MAX {
                path.push(node);
            }
            ix = node.parent;
        }
        path.reverse();
        path
    }

    /// One step as a path line shows it: a model action with its spec section and
    /// observations, a guard step, or the observation an event matched.
    fn step_text(&self, c: &Cand, st: &Step) -> String {
        match st {
            Step::Model(a, obs) => {
                let shown: Vec<String> = obs.iter().map(|o| self.render_obs(c, o)).collect();
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
        }
    }

    /// The trace line of the event `node` matched (`u32::MAX`: its step is not a match).
    fn matched_line(&self, node: &Node, st: &Step) -> u32 {
        match st {
            // A matched event's node is at the position after it.
            Step::Matched { .. } => node
                .pos
                .checked_sub(1)
                .and_then(|p| self.prep.events.get(p as usize))
                .map_or(0, |e| e.line as u32),
            _ => u32::MAX,
        }
    }

    /// A one-line summary of candidate `c`: its registration's workers, the open clients and
    /// their controllers, queued jobs and the obligations it awaits.
    fn summarise(&self, c: &Cand) -> String {
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

    /// The divergence at the furthest position reached (`n`: the number of events).
    pub(super) fn divergence(&self, n: u32) -> Divergence {
        let pos = self.furthest;
        let cands: Vec<&Cand> = self.frontier.iter().map(|(_, c)| c).collect();
        let (line, event, mut reason) = self.rejected(pos, n);
        let (whys, section) = if pos < n {
            self.explain(&cands, pos)
        } else {
            (Vec::new(), None)
        };
        if let Some(sec) = section {
            reason.push_str(&format!(" [{sec}]"));
        }
        if pos >= n {
            reason.push_str(&self.owed_at_end(&cands));
        }
        for w in &whys {
            reason.push_str(&format!("; {}", w.text));
        }
        let mut limit = None;
        let is_job_call = pos < n
            && matches!(
                self.prep.events[pos as usize].obs,
                Observation::Register { .. }
                    | Observation::Update { .. }
                    | Observation::Unregister { .. }
            );
        if is_job_call && cands.iter().any(|c| self.model.job_queue_full(&c.s.s)) {
            limit = Some(format!(
                "the model's job queue holds {} outstanding register/update/unregister \
                 promises, and it was full",
                self.model.cfg.max_queued_jobs
            ));
        } else if self.hidden_cut.get() == Some(pos) {
            limit = Some(format!(
                "runs of more than {} unobservable steps between two events were not tried \
                 here; raise --max-hidden to search further",
                self.opts.max_hidden
            ));
        }
        if let Some(l) = &limit {
            reason.push_str(&format!(" (limit: {l})"));
        }
        Divergence {
            line,
            event,
            reason,
            limit,
            expected: self.expected_at(&cands, pos, n),
            candidates: cands.len(),
            candidate_summaries: cands
                .iter()
                .take(self.opts.report_candidates)
                .map(|c| self.summarise(c))
                .collect(),
            last_matched_line: (pos > 0).then(|| self.prep.events[pos as usize - 1].line),
            last_steps: self.last_steps(),
        }
    }

    /// The observations the candidates `cands` would accept next: their matchable obligations,
    /// the first observed observation of each enabled action, and the calls of their guard steps
    /// (sorted, at most 24).
    fn expected_at(&self, cands: &[&Cand], pos: u32, n: u32) -> Vec<String> {
        let mut expected: Vec<String> = Vec::new();
        let t = (pos < n).then(|| self.prep.events[pos as usize].t);
        let rejected = (pos < n).then(|| self.prep.events[pos as usize].shape);
        for c in cands {
            for (k, p) in c.pending.iter().enumerate() {
                if c.matchable(k) {
                    expected.push(self.render_obs(c, &p.obs));
                }
            }
            for (a, _, obs) in self.successors(&c.s) {
                let Some(o) = obs.first() else { continue };
                // A step that fails on timing alone is marked so.
                let late = t.and_then(|t| self.timer_breach(c, &a, t));
                let mut text = self.render_obs(c, o);
                if let Some(b) = late {
                    let dir = if b.too_early { "early" } else { "late" };
                    text.push_str(&format!(" (fits but too {dir}: {})", b.name));
                } else if rejected == Some(super::prepare::shape_hash(o)) {
                    // The rejected observation itself: the explanation says why.
                    continue;
                }
                expected.push(text);
            }
            for g in self.model.guard_steps(&c.s) {
                // A permission set to its current state changes nothing: not worth listing.
                if matches!(g[0], Observation::SetPermission { .. }) {
                    continue;
                }
                if self.observed(&g[0]) {
                    expected.push(self.render_obs(c, &g[0]));
                }
            }
        }
        expected.sort();
        expected.dedup();
        expected.truncate(24);
        expected
    }

    /// At the trace's end: the obligations the candidates still owe (at most 3), each an
    /// observation an earlier step made that never appeared, with that step and its line.
    fn owed_at_end(&self, cands: &[&Cand]) -> String {
        let mut owed: Vec<String> = self
            .frontier
            .iter()
            .flat_map(|(ix, c)| {
                c.pending.iter().map(move |p| {
                    let obs = self.render_obs(c, &p.obs);
                    match self.made_by(*ix, c, p) {
                        Some((a, at)) => format!("{a}{} owed {obs}", at.text("")),
                        None => format!("an earlier step owed {obs}"),
                    }
                })
            })
            .collect();
        owed.sort();
        owed.dedup();
        if owed.is_empty() {
            return self.due_at_end(cands);
        }
        let more = owed.len().saturating_sub(3);
        owed.truncate(3);
        format!(
            ": {}{}, which never appeared",
            owed.join("; "),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        )
    }

    /// At the trace's end, when nothing is owed: the steps the browser takes promptly that are
    /// still due (at most 3), which a quiescent capture's end must not leave.
    fn due_at_end(&self, cands: &[&Cand]) -> String {
        let mut due: Vec<String> = cands
            .iter()
            .flat_map(|c| {
                let worker = |w| self.name_of(c, IdSpace::Worker, w);
                super::config::due_now(self.model, &c.s)
                    .into_iter()
                    .map(move |d| match d {
                        super::config::Due::FrontJob => "the front job's run".to_string(),
                        super::config::Due::Start(w) => {
                            format!("worker {}'s start", worker(w))
                        }
                        super::config::Due::Task(w, kind) => {
                            format!("worker {}'s queued {kind} event", worker(w))
                        }
                        super::config::Due::ActivateEvent(w) => {
                            format!("worker {}'s activate event", worker(w))
                        }
                    })
            })
            .collect();
        due.sort();
        due.dedup();
        if due.is_empty() {
            return String::new();
        }
        let more = due.len().saturating_sub(3);
        due.truncate(3);
        format!(
            ": nothing was owed, but the capture ended quiescent (its harness waits until no \
             prompt step is due) while the model still had due: {}{}",
            due.join(", "),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        )
    }

    /// The steps of the first furthest candidate since its last matched event (and up to eight
    /// lines before it).
    fn last_steps(&self) -> Vec<String> {
        self.frontier
            .first()
            .map(|(ix, c)| {
                let p: Vec<String> = self.render_path(*ix, c).0.lines().collect();
                let from = p
                    .iter()
                    .rposition(|l| l.starts_with("  line "))
                    .map_or(0, |i| i.saturating_sub(8));
                p[from..].to_vec()
            })
            .unwrap_or_default()
    }

    /// The rejected event at `pos` (its line, its text) and why, or the trace's end when
    /// `pos` is past its `n` events.
    fn rejected(&self, pos: u32, n: u32) -> (Option<usize>, Option<String>, String) {
        if pos < n {
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
                "the trace ended where no candidate's run can end".to_string(),
            )
        }
    }
}

/// `n` with a comma between each group of three digits (2,000,000).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits_by_three() {
        assert_eq!(super::thousands(2_000_000), "2,000,000");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(0), "0");
    }
}
