//! Per property: Tarjan's SCCs of the subgraph where the goal is false, and which of them are
//! fair witnesses (a fair cycle or a dead end).

use super::graph::{to_u32, Graph};
use super::lasso::build_lasso;
use super::{Fairness, LivenessError, LivenessProperty, Verdict, NONE};
use stateright::Model;

/// Per-property SCC data over the bad subgraph.
pub(super) struct Sccs {
    /// SCC id of each state visited by Tarjan (`NONE` otherwise).
    pub(super) scc_of: Vec<u32>,
    /// Per SCC: it is a fair witness (fair cycle or dead end).
    pub(super) fair: Vec<bool>,
    /// Per SCC: some fair witness is reachable from it inside B (itself included).
    pub(super) reaches: Vec<bool>,
}

/// Checks one property; returns the verdict and the bytes of the per-property arrays.
pub(super) fn check_property<M>(
    model: &M,
    g: &Graph<'_, M::State>,
    prop: &LivenessProperty<M>,
) -> Result<(Verdict<M>, usize), LivenessError>
where
    M: Model,
    M::State: Clone,
{
    let n = g.len();
    let bad: Vec<bool> = (0..n)
        .map(|v| !(prop.goal)(model, &g.state(to_u32(v))))
        .collect();
    let roots: Vec<u32> = (0..n)
        .filter(|&v| bad[v] && (prop.trigger)(model, &g.state(to_u32(v))))
        .map(to_u32)
        .collect();
    let mut bytes = bad.capacity() + roots.capacity() * 4;
    if roots.is_empty() {
        return Ok((Verdict::Holds, bytes));
    }
    let sccs = tarjan(model, g, &prop.fairness, &bad, &roots)?;
    // Tarjan's order/low arrays (8 bytes per state) were freed inside `tarjan`.
    bytes += n * 8 + sccs.scc_of.capacity() * 4 + sccs.fair.capacity() + sccs.reaches.capacity();
    let reaches = |v: u32| {
        let c = sccs.scc_of[v as usize];
        c != NONE && sccs.reaches[c as usize]
    };
    match roots.iter().copied().find(|&t| reaches(t)) {
        None => Ok((Verdict::Holds, bytes)),
        Some(t) => Ok((
            Verdict::Violated(build_lasso(model, g, prop, &bad, &sccs, t)?),
            bytes,
        )),
    }
}

/// Iterative Tarjan over the subgraph induced by `bad`, from `roots`. Each SCC is classified
/// (fair witness, reaches one) when it is completed.
pub(super) fn tarjan<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fairness: &[Fairness<M>],
    bad: &[bool],
    roots: &[u32],
) -> Result<Sccs, LivenessError>
where
    M::State: Clone,
{
    let n = g.len();
    let mut order = vec![NONE; n];
    let mut low = vec![NONE; n];
    let mut on_stack = vec![false; n];
    let mut sccs = Sccs {
        scc_of: vec![NONE; n],
        fair: Vec::new(),
        reaches: Vec::new(),
    };
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, usize)> = Vec::new();
    let mut members: Vec<u32> = Vec::new();
    let mut counter: u32 = 0;
    for &root in roots {
        if order[root as usize] != NONE {
            continue;
        }
        order[root as usize] = counter;
        low[root as usize] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        call.push((root, g.offsets[root as usize]));
        while let Some(top) = call.last_mut() {
            let v = top.0 as usize;
            if top.1 < g.offsets[v + 1] {
                let w = g.targets[top.1];
                top.1 += 1;
                let wu = w as usize;
                if !bad[wu] {
                    continue;
                }
                if order[wu] == NONE {
                    order[wu] = counter;
                    low[wu] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[wu] = true;
                    call.push((w, g.offsets[wu]));
                } else if on_stack[wu] {
                    low[v] = low[v].min(order[wu]);
                }
                continue;
            }
            call.pop();
            if let Some(&(u, _)) = call.last() {
                low[u as usize] = low[u as usize].min(low[v]);
            }
            if low[v] != order[v] {
                continue;
            }
            let id = to_u32(sccs.fair.len());
            members.clear();
            while let Some(m) = stack.pop() {
                on_stack[m as usize] = false;
                sccs.scc_of[m as usize] = id;
                members.push(m);
                if m as usize == v {
                    break;
                }
            }
            let (fair, reaches) = classify(model, g, fairness, bad, &sccs, &members, id)?;
            sccs.fair.push(fair);
            sccs.reaches.push(reaches);
        }
    }
    Ok(sccs)
}

/// Classifies a just-completed SCC `id`: (fair witness, reaches a fair witness inside B).
pub(super) fn classify<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fairness: &[Fairness<M>],
    bad: &[bool],
    sccs: &Sccs,
    members: &[u32],
    id: u32,
) -> Result<(bool, bool), LivenessError>
where
    M::State: Clone,
{
    let mut internal = false;
    let mut reach = false;
    let mut out_degree = 0;
    for &m in members {
        for e in g.edges(m) {
            out_degree += 1;
            let w = g.targets[e] as usize;
            if !bad[w] {
                continue;
            }
            let c = sccs.scc_of[w];
            if c == id {
                internal = true;
            } else if c != NONE && sccs.reaches[c as usize] {
                reach = true;
            }
        }
    }
    // A state whose only successors lie outside the boundary is no real dead end: the system
    // would move on. Only a state with no step at all stutters for ever.
    let dead_end = members.len() == 1 && out_degree == 0 && !has_step(model, &g.state(members[0]));
    let fair = dead_end
        || (internal
            && fair_cycle_exists(model, g, fairness, members, |w| {
                sccs.scc_of[w as usize] == id
            })?);
    Ok((fair, fair || reach))
}

/// Whether `state` has any step at all, inside the boundary or not.
pub(super) fn has_step<M: Model>(model: &M, state: &M::State) -> bool {
    let mut actions = Vec::new();
    model.actions(state, &mut actions);
    actions
        .into_iter()
        .any(|a| model.next_state(state, a).is_some())
}

/// Whether some action of class `fc` is enabled in `state`, counting steps that leave the
/// boundary: fairness is judged against the unbounded system, so a lasso is never excused by
/// a step the bound merely cut off (bounded verdicts err towards "holds within the bound").
pub(super) fn enabled_beyond_boundary<M: Model>(
    model: &M,
    state: &M::State,
    fc: &Fairness<M>,
) -> bool {
    let mut actions = Vec::new();
    model.actions(state, &mut actions);
    actions.into_iter().any(|a| {
        (fc.class)(model, state, &a) && {
            model
                .next_state(state, a)
                .is_some_and(|n| !model.within_boundary(&n))
        }
    })
}

/// Whether every fairness class is disabled in some member or taken by some internal edge.
pub(super) fn fair_cycle_exists<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fairness: &[Fairness<M>],
    members: &[u32],
    in_scc: impl Fn(u32) -> bool,
) -> Result<bool, LivenessError>
where
    M::State: Clone,
{
    let mut covered = vec![false; fairness.len()];
    let mut remaining = fairness.len();
    let mut enabled = vec![false; fairness.len()];
    for &m in members {
        if remaining == 0 {
            break;
        }
        let actions = g.actions_of(model, m)?;
        let state = &*g.state(m);
        enabled.fill(false);
        for e in g.edges(m) {
            let action = &actions[g.action_idx[e] as usize];
            let internal = in_scc(g.targets[e]);
            for ((fc, cov), en) in fairness.iter().zip(&mut covered).zip(&mut enabled) {
                if *cov || (*en && !internal) {
                    continue;
                }
                if (fc.class)(model, state, action) {
                    *en = true;
                    if internal {
                        *cov = true;
                        remaining -= 1;
                    }
                }
            }
        }
        for ((cov, en), fc) in covered.iter_mut().zip(&enabled).zip(fairness) {
            if !*cov && !*en && !enabled_beyond_boundary(model, state, fc) {
                *cov = true;
                remaining -= 1;
            }
        }
    }
    Ok(remaining == 0)
}

/// How state `u` relates to fairness class `fc` inside the SCC: `None` if the class is
/// enabled but no internal edge takes it, `Some(None)` if it is disabled, `Some(Some(e))`
/// if internal edge `e` (the first in action order) takes it.
pub(super) fn class_witness<M: Model>(
    model: &M,
    g: &Graph<'_, M::State>,
    fc: &Fairness<M>,
    u: u32,
    in_scc: &impl Fn(u32) -> bool,
) -> Result<Option<Option<usize>>, LivenessError>
where
    M::State: Clone,
{
    let actions = g.actions_of(model, u)?;
    let state = &*g.state(u);
    let mut enabled = false;
    for e in g.edges(u) {
        if (fc.class)(model, state, &actions[g.action_idx[e] as usize]) {
            if in_scc(g.targets[e]) {
                return Ok(Some(Some(e)));
            }
            enabled = true;
        }
    }
    let enabled = enabled || enabled_beyond_boundary(model, state, fc);
    Ok(if enabled { None } else { Some(None) })
}
