//! The counterexample of a violated property: a prefix to a trigger state, then a path inside
//! the bad states to a fair SCC and a cycle through it that satisfies every fairness class.

use super::graph::Graph;
use super::scc::{class_witness, Sccs};
use super::{Fairness, Lasso, LivenessError, LivenessProperty, NONE};
use stateright::Model;

/// A path through the graph under construction: `steps[i]` is the action index leading from
/// `states[i]` to `states[i + 1]`.
pub(super) struct Walk {
    pub(super) states: Vec<u32>,
    pub(super) steps: Vec<u32>,
}

impl Walk {
    pub(super) fn last(&self) -> u32 {
        self.states[self.states.len() - 1]
    }

    pub(super) fn push_edge<S: Clone>(&mut self, g: &Graph<'_, S>, e: usize) {
        self.steps.push(g.action_idx[e]);
        self.states.push(g.targets[e]);
    }
}

/// Builds the counterexample for trigger state `t` (which reaches a fair witness in B).
pub(super) fn build_lasso<M>(
    model: &M,
    g: &Graph<'_, M::State>,
    prop: &LivenessProperty<M>,
    bad: &[bool],
    sccs: &Sccs,
    t: u32,
) -> Result<Lasso<M>, LivenessError>
where
    M: Model,
    M::State: Clone,
{
    // Prefix: BFS-tree path from an initial state to `t`.
    let mut chain = vec![t];
    let mut steps = Vec::new();
    let mut v = t;
    while g.parent[v as usize] != NONE {
        steps.push(g.parent_action[v as usize]);
        v = g.parent[v as usize];
        chain.push(v);
    }
    chain.reverse();
    steps.reverse();
    let mut walk = Walk {
        states: chain,
        steps,
    };
    let trigger_index = walk.steps.len();

    // Shortest path inside B to the nearest fair SCC.
    let scc = |w: u32| sccs.scc_of[w as usize];
    let (entry, edges) = g
        .bfs_path(
            t,
            |w| bad[w as usize] && scc(w) != NONE && sccs.reaches[scc(w) as usize],
            |w| Ok(sccs.fair[scc(w) as usize]),
            false,
        )?
        .ok_or(LivenessError::Internal("no path to a fair SCC"))?;
    for e in edges {
        walk.push_edge(g, e);
    }
    let loop_start = walk.steps.len();
    let c = scc(entry);
    let in_c = |w: u32| scc(w) == c;

    let deadlock = g.edges(entry).is_empty();
    let mut deadlock_at_boundary = false;
    if deadlock {
        let mut actions = Vec::new();
        let state = &*g.state(entry);
        model.actions(state, &mut actions);
        deadlock_at_boundary = actions
            .into_iter()
            .any(|a| model.next_state(state, a).is_some());
    } else {
        // Visit a witness of every fairness class not yet satisfied by the walk so far.
        let k = prop.fairness.len();
        let mut covered = vec![false; k];
        mark_covered(model, g, &prop.fairness, entry, None, &in_c, &mut covered)?;
        for (f, fc) in prop.fairness.iter().enumerate() {
            if covered[f] {
                continue;
            }
            let cur = walk.last();
            let (end, edges) = g
                .bfs_path(
                    cur,
                    in_c,
                    |u| Ok(class_witness(model, g, fc, u, &in_c)?.is_some()),
                    false,
                )?
                .ok_or(LivenessError::Internal("fairness witness not reachable"))?;
            for e in edges {
                let prev = walk.last();
                mark_covered(model, g, &prop.fairness, prev, Some(e), &in_c, &mut covered)?;
                walk.push_edge(g, e);
                let last = walk.last();
                mark_covered(model, g, &prop.fairness, last, None, &in_c, &mut covered)?;
            }
            if let Some(Some(e)) = class_witness(model, g, fc, end, &in_c)? {
                mark_covered(model, g, &prop.fairness, end, Some(e), &in_c, &mut covered)?;
                walk.push_edge(g, e);
                let last = walk.last();
                mark_covered(model, g, &prop.fairness, last, None, &in_c, &mut covered)?;
            }
            if !covered[f] {
                return Err(LivenessError::Internal("fairness witness not covered"));
            }
        }
        // Close the loop (with at least one edge).
        let cur = walk.last();
        if cur != entry || walk.steps.len() == loop_start {
            let (_, edges) = g
                .bfs_path(cur, in_c, |u| Ok(u == entry), cur == entry)?
                .ok_or(LivenessError::Internal("SCC not strongly connected"))?;
            for e in edges {
                walk.push_edge(g, e);
            }
        }
    }

    // Materialise states and actions.
    let states: Vec<M::State> = walk
        .states
        .iter()
        .map(|&v| g.state(v).into_owned())
        .collect();
    let mut actions = Vec::with_capacity(walk.steps.len());
    for (&src, &ai) in walk.states.iter().zip(&walk.steps) {
        let mut all = Vec::new();
        model.actions(&g.state(src), &mut all);
        let action =
            all.into_iter()
                .nth(ai as usize)
                .ok_or(LivenessError::NondeterministicActions {
                    state: src as usize,
                })?;
        actions.push(action);
    }
    let cycle = actions.split_off(loop_start);
    Ok(Lasso {
        prefix: actions,
        cycle,
        states,
        trigger_index,
        deadlock,
        deadlock_at_boundary,
    })
}

/// Marks in `covered` the classes disabled in state `u` (when `edge` is `None`) or taken by
/// internal edge `edge` out of `u`.
pub(super) fn mark_covered<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fairness: &[Fairness<M>],
    u: u32,
    edge: Option<usize>,
    in_scc: &impl Fn(u32) -> bool,
    covered: &mut [bool],
) -> Result<(), LivenessError>
where
    M::State: Clone,
{
    if covered.iter().all(|&c| c) {
        return Ok(());
    }
    let actions = g.actions_of(model, u)?;
    let state = &*g.state(u);
    for (fc, cov) in fairness.iter().zip(covered.iter_mut()) {
        if *cov {
            continue;
        }
        *cov = match edge {
            Some(e) => {
                in_scc(g.targets[e]) && (fc.class)(model, state, &actions[g.action_idx[e] as usize])
            }
            None => !g
                .edges(u)
                .any(|e| (fc.class)(model, state, &actions[g.action_idx[e] as usize])),
        };
    }
    Ok(())
}
