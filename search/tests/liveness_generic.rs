//! Tests for the liveness checker: hand-built models with pinned counterexamples, a
//! comparison with stateright's (unsound) `eventually`, and a property test against a
//! brute-force reference on random small graphs.

use std::fmt::Debug;

use proptest::prelude::*;
use stateright::{Checker, Model, Property};
use swspec_search::liveness::{
    check_liveness, Fairness, Lasso, LivenessError, LivenessProperty, Verdict,
};

// ---------------------------------------------------------------------------------------
// Helpers

/// Replays a lasso through the model: checks that it is a real path from an initial state,
/// that the trigger holds at `trigger_index` and the goal is false from there on, that the
/// cycle returns to its start (or the end is a dead end), and that the cycle is weakly fair.
fn assert_real_lasso<M>(model: &M, prop: &LivenessProperty<M>, lasso: &Lasso<M>)
where
    M: Model,
    M::State: Clone + Debug + PartialEq,
    M::Action: Clone + Debug + PartialEq,
{
    let steps = lasso.prefix.len() + lasso.cycle.len();
    assert_eq!(lasso.states.len(), steps + 1, "state count of {lasso:?}");
    assert!(model.init_states().contains(&lasso.states[0]));
    assert!(model.within_boundary(&lasso.states[0]));
    let all: Vec<&M::Action> = lasso.prefix.iter().chain(&lasso.cycle).collect();
    for (i, action) in all.iter().enumerate() {
        let mut enabled = Vec::new();
        model.actions(&lasso.states[i], &mut enabled);
        assert!(enabled.contains(action), "step {i} of {lasso:?}");
        let next = model.next_state(&lasso.states[i], (*action).clone());
        assert_eq!(next.as_ref(), Some(&lasso.states[i + 1]), "step {i}");
        assert!(model.within_boundary(&lasso.states[i + 1]));
    }
    assert!(lasso.trigger_index <= lasso.prefix.len());
    assert!((prop.trigger)(model, &lasso.states[lasso.trigger_index]));
    for s in &lasso.states[lasso.trigger_index..] {
        assert!(!(prop.goal)(model, s), "goal true at {s:?} in {lasso:?}");
    }
    let successors = |s: &M::State| -> Vec<(M::Action, M::State)> {
        model
            .next_steps(s)
            .into_iter()
            .filter(|(_, t)| model.within_boundary(t))
            .collect()
    };
    if lasso.deadlock {
        assert!(lasso.cycle.is_empty());
        assert!(successors(lasso.loop_start()).is_empty());
        assert_eq!(lasso.cycle_states().len(), 1);
        return;
    }
    assert!(!lasso.cycle.is_empty());
    assert!(!lasso.deadlock_at_boundary);
    assert_eq!(lasso.loop_start(), &lasso.states[steps], "cycle must close");
    let start = lasso.prefix.len();
    for f in &prop.fairness {
        let taken = (start..steps).any(|i| (f.class)(model, &lasso.states[i], all[i]));
        let disabled_somewhere = (start..steps).any(|i| {
            let s = &lasso.states[i];
            !successors(s).iter().any(|(a, _)| (f.class)(model, s, a))
        });
        assert!(
            taken || disabled_somewhere,
            "cycle unfair for {} in {lasso:?}",
            f.name
        );
    }
}

/// Checks one property and returns its verdict, validating any lasso.
fn verdict_of<M>(model: &M, prop: LivenessProperty<M>) -> Verdict<M>
where
    M: Model,
    M::State: Clone + Debug + PartialEq + Eq + std::hash::Hash,
    M::Action: Clone + Debug + PartialEq,
{
    let mut report =
        check_liveness(model, std::slice::from_ref(&prop), 1_000_000).expect("graph within limits");
    let (name, verdict) = report.verdicts.remove(0);
    assert_eq!(name, prop.name);
    if let Verdict::Violated(lasso) = &verdict {
        assert_real_lasso(model, &prop, lasso);
    }
    verdict
}

fn lasso<M: Model>(verdict: &Verdict<M>) -> &Lasso<M>
where
    M::State: Debug,
    M::Action: Debug,
{
    verdict
        .lasso()
        .unwrap_or_else(|| panic!("expected a violation, got {verdict:?}"))
}

// ---------------------------------------------------------------------------------------
// A loop that stateright's `eventually` misses.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Act {
    Start,
    Work,
    Back,
    Finish,
}

/// `0 -Start-> 1 -Work-> 2 -Back-> 1`, `2 -Finish-> 3`; with `escape_from_1` also
/// `1 -Finish-> 3`. State 3 is terminal.
#[derive(Clone)]
struct Loop {
    escape_from_1: bool,
}

impl Model for Loop {
    type State = u8;
    type Action = Act;

    fn init_states(&self) -> Vec<u8> {
        vec![0]
    }

    fn actions(&self, s: &u8, actions: &mut Vec<Act>) {
        match s {
            0 => actions.push(Act::Start),
            1 => {
                actions.push(Act::Work);
                if self.escape_from_1 {
                    actions.push(Act::Finish);
                }
            }
            2 => actions.extend([Act::Back, Act::Finish]),
            _ => {}
        }
    }

    fn next_state(&self, s: &u8, a: Act) -> Option<u8> {
        match (s, a) {
            (0, Act::Start) => Some(1),
            (1, Act::Work) => Some(2),
            (2, Act::Back) => Some(1),
            (_, Act::Finish) => Some(3),
            _ => None,
        }
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::eventually("reaches 3", |_, s| *s == 3)]
    }
}

fn finish_fairness() -> Fairness<Loop> {
    Fairness {
        name: "finish",
        class: |_, _, a| *a == Act::Finish,
    }
}

fn reaches_3(
    trigger: fn(&Loop, &u8) -> bool,
    fairness: Vec<Fairness<Loop>>,
) -> LivenessProperty<Loop> {
    LivenessProperty {
        name: "reaches 3",
        spec: "test",
        summary: "the loop is eventually left",
        trigger,
        goal: |_, s| *s == 3,
        fairness,
    }
}

#[test]
fn stateright_eventually_misses_the_cycle_but_we_find_it() {
    for escape_from_1 in [false, true] {
        let model = Loop { escape_from_1 };
        let checker = model.clone().checker().spawn_bfs().join();
        assert!(checker.is_done());
        assert!(
            checker.discovery("reaches 3").is_none(),
            "stateright's eventually is expected to miss the cycle"
        );
        let dfs = model.clone().checker().spawn_dfs().join();
        assert!(dfs.discovery("reaches 3").is_none());

        let verdict = verdict_of(&model, reaches_3(|_, _| true, vec![]));
        let l = lasso(&verdict);
        assert_eq!(l.prefix, vec![Act::Start]);
        assert_eq!(l.cycle, vec![Act::Work, Act::Back]);
        assert_eq!(l.states, vec![0, 1, 2, 1]);
        assert_eq!(l.trigger_index, 0);
        assert!(!l.deadlock);
    }
}

#[test]
fn fairness_continuously_enabled_on_the_cycle_rescues() {
    let model = Loop {
        escape_from_1: true,
    };
    assert!(verdict_of(&model, reaches_3(|_, _| true, vec![finish_fairness()])).holds());
    // Two classes, one of which is taken on the cycle: Finish still forces the exit.
    let work = Fairness {
        name: "work",
        class: |_, _, a| *a == Act::Work,
    };
    assert!(verdict_of(
        &model,
        reaches_3(|_, _| true, vec![work, finish_fairness()])
    )
    .holds());
    // Work alone is taken on the cycle, so it does not rescue.
    let v = verdict_of(&model, reaches_3(|_, _| true, vec![work]));
    assert_eq!(lasso(&v).cycle, vec![Act::Work, Act::Back]);
}

#[test]
fn fairness_disabled_somewhere_on_the_cycle_does_not_rescue() {
    let model = Loop {
        escape_from_1: false,
    };
    // Trigger at 2, where Finish is enabled: the cycle must go through 1 (Finish disabled).
    let v = verdict_of(&model, reaches_3(|_, s| *s == 2, vec![finish_fairness()]));
    let l = lasso(&v);
    assert_eq!(l.prefix, vec![Act::Start, Act::Work]);
    assert_eq!(l.cycle, vec![Act::Back, Act::Work]);
    assert_eq!(l.states, vec![0, 1, 2, 1, 2]);
    assert_eq!(l.trigger_index, 2);
    assert_eq!(l.cycle_states(), &[2, 1]);
    assert!(
        l.cycle_states().contains(&1),
        "cycle visits the disabling state"
    );

    let v = verdict_of(&model, reaches_3(|_, _| true, vec![finish_fairness()]));
    let l = lasso(&v);
    assert_eq!(
        (l.prefix.clone(), l.cycle.clone()),
        (vec![Act::Start], vec![Act::Work, Act::Back])
    );
}

#[test]
fn report_statistics_and_lookup() {
    let model = Loop {
        escape_from_1: false,
    };
    let props = vec![
        reaches_3(|_, _| true, vec![]),
        LivenessProperty {
            name: "trivial",
            spec: "",
            summary: "",
            trigger: |_, s| *s == 3,
            goal: |_, s| *s == 3,
            fairness: vec![],
        },
    ];
    let report = check_liveness(&model, &props, 4).expect("4 states fit");
    assert_eq!(report.states, 4);
    assert_eq!(report.edges, 4);
    assert!(report.peak_graph_bytes > 0);
    assert!(report.seconds >= 0.0);
    assert_eq!(report.verdicts.len(), 2);
    assert_eq!(report.verdicts[0].0, "reaches 3");
    assert!(!report.verdict("reaches 3").expect("present").holds());
    assert!(report.verdict("trivial").expect("present").holds());
    assert!(report.verdict("missing").is_none());
    // Deterministic: a second run gives identical verdicts.
    let again = check_liveness(&model, &props, 4).expect("4 states fit");
    assert_eq!(report.verdicts, again.verdicts);
}

// ---------------------------------------------------------------------------------------
// Routing through a required internal edge.

/// `0 -A-> 1 -A-> 0`, `1 -X-> 2 -A-> 0`, and `0 -Y-> 9`, `2 -Y-> 9` (goal, terminal).
/// Class {X, Y} is enabled in 0, 1 and 2; its only internal edge is `1 -X-> 2`.
#[derive(Clone)]
struct Ring;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum R {
    A,
    X,
    Y,
}

impl Model for Ring {
    type State = u8;
    type Action = R;

    fn init_states(&self) -> Vec<u8> {
        vec![0]
    }

    fn actions(&self, s: &u8, actions: &mut Vec<R>) {
        match s {
            0 => actions.extend([R::A, R::Y]),
            1 => actions.extend([R::A, R::X]),
            2 => actions.extend([R::A, R::Y]),
            _ => {}
        }
    }

    fn next_state(&self, s: &u8, a: R) -> Option<u8> {
        match (s, a) {
            (0, R::A) => Some(1),
            (1, R::A) | (2, R::A) => Some(0),
            (1, R::X) => Some(2),
            (_, R::Y) => Some(9),
            _ => None,
        }
    }
}

fn ring_prop(fairness: Vec<Fairness<Ring>>) -> LivenessProperty<Ring> {
    LivenessProperty {
        name: "exits",
        spec: "test",
        summary: "",
        trigger: |_, s| *s == 0,
        goal: |_, s| *s == 9,
        fairness,
    }
}

#[test]
fn cycle_takes_the_internal_edge_that_fairness_requires() {
    let v = verdict_of(&Ring, ring_prop(vec![]));
    assert_eq!(lasso(&v).cycle, vec![R::A, R::A]);

    let xy = Fairness {
        name: "xy",
        class: |_, _, a| matches!(a, R::X | R::Y),
    };
    let y = Fairness {
        name: "y",
        class: |_, _, a| *a == R::Y,
    };
    let v = verdict_of(&Ring, ring_prop(vec![xy, y]));
    let l = lasso(&v);
    assert!(l.prefix.is_empty());
    assert_eq!(l.cycle, vec![R::A, R::X, R::A]);
    assert_eq!(l.states, vec![0, 1, 2, 0]);

    // Y alone is disabled in 1, so it does not rescue.
    assert!(!verdict_of(&Ring, ring_prop(vec![y])).holds());
}

// ---------------------------------------------------------------------------------------
// Dead ends.

/// `0 -Left-> 1` (dead end, goal false), `0 -Right-> 2` (goal, terminal). Counts up from
/// 10 to the boundary at 13 via `Up` when started at 10.
#[derive(Clone)]
struct Fork;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum F {
    Left,
    Right,
    Up,
}

impl Model for Fork {
    type State = u8;
    type Action = F;

    fn init_states(&self) -> Vec<u8> {
        vec![0, 10]
    }

    fn actions(&self, s: &u8, actions: &mut Vec<F>) {
        match s {
            0 => actions.extend([F::Left, F::Right]),
            10.. => actions.push(F::Up),
            _ => {}
        }
    }

    fn next_state(&self, s: &u8, a: F) -> Option<u8> {
        match (s, a) {
            (0, F::Left) => Some(1),
            (0, F::Right) => Some(2),
            (10.., F::Up) => s.checked_add(1),
            _ => None,
        }
    }

    fn within_boundary(&self, s: &u8) -> bool {
        *s <= 13
    }
}

#[test]
fn deadlock_is_a_violation_even_under_fairness() {
    let right = Fairness {
        name: "right",
        class: |_, _, a: &F| *a == F::Right,
    };
    let prop = LivenessProperty {
        name: "goes right",
        spec: "test",
        summary: "",
        trigger: |_, s| *s == 0,
        goal: |_, s| *s == 2,
        fairness: vec![right],
    };
    let v = verdict_of(&Fork, prop);
    let l = lasso(&v);
    assert!(l.deadlock);
    assert!(!l.deadlock_at_boundary);
    assert_eq!(l.prefix, vec![F::Left]);
    assert!(l.cycle.is_empty());
    assert_eq!(l.states, vec![0, 1]);
}

#[test]
fn dead_end_at_the_boundary_is_not_a_violation() {
    // State 13's only successor lies outside the boundary: the unbounded system moves on, so
    // stopping there is no behaviour and no lasso may be built from it (bounded verdicts hold
    // within the bound; they never invent a violation).
    let prop = LivenessProperty {
        name: "reaches 20",
        spec: "test",
        summary: "",
        trigger: |_, s| *s == 10,
        goal: |_, s| *s == 20,
        fairness: vec![],
    };
    let v = verdict_of(&Fork, prop);
    assert!(v.holds(), "{v:?}");
}

// ---------------------------------------------------------------------------------------
// Properties that hold.

/// `0 -> 1 -> 3`, `0 -> 2 -> 3`, `3 -> 0`: every path from 0 or 1 passes through 3.
#[derive(Clone)]
struct Diamond;

impl Model for Diamond {
    type State = u8;
    type Action = u8;

    fn init_states(&self) -> Vec<u8> {
        vec![0]
    }

    fn actions(&self, s: &u8, actions: &mut Vec<u8>) {
        match s {
            0 => actions.extend([1, 2]),
            1 | 2 => actions.push(3),
            _ => actions.push(0),
        }
    }

    fn next_state(&self, _: &u8, a: u8) -> Option<u8> {
        Some(a)
    }
}

#[test]
fn holds_without_fairness_when_every_path_reaches_the_goal() {
    let prop = |trigger: fn(&Diamond, &u8) -> bool| LivenessProperty {
        name: "reaches 3",
        spec: "test",
        summary: "",
        trigger,
        goal: |_, s: &u8| *s == 3,
        fairness: vec![],
    };
    assert!(verdict_of(&Diamond, prop(|_, s| *s == 0)).holds());
    assert!(verdict_of(&Diamond, prop(|_, s| *s == 1)).holds());
    assert!(verdict_of(&Diamond, prop(|_, _| true)).holds());
    // Goal at the trigger state itself discharges it.
    let same = LivenessProperty {
        name: "self",
        spec: "",
        summary: "",
        trigger: |_, s: &u8| *s == 3,
        goal: |_, s: &u8| *s == 3,
        fairness: vec![],
    };
    assert!(verdict_of(&Diamond, same).holds());
    // But "reaches 1" fails on the cycle 0 -> 2 -> 3 -> 0.
    let v = verdict_of(
        &Diamond,
        LivenessProperty {
            name: "reaches 1",
            spec: "",
            summary: "",
            trigger: |_, _| true,
            goal: |_, s: &u8| *s == 1,
            fairness: vec![],
        },
    );
    assert_eq!(lasso(&v).cycle, vec![2, 3, 0]);
}

// ---------------------------------------------------------------------------------------
// Limits and scale.

/// An unbounded counter, or a ring of `n` states when `n > 0`.
#[derive(Clone)]
struct Counter {
    n: u32,
}

impl Model for Counter {
    type State = u32;
    type Action = ();

    fn init_states(&self) -> Vec<u32> {
        vec![0]
    }

    fn actions(&self, _: &u32, actions: &mut Vec<()>) {
        actions.push(());
    }

    fn next_state(&self, s: &u32, _: ()) -> Option<u32> {
        if self.n == 0 {
            s.checked_add(1)
        } else {
            Some((s + 1) % self.n)
        }
    }
}

fn never(trigger: fn(&Counter, &u32) -> bool) -> LivenessProperty<Counter> {
    LivenessProperty {
        name: "never",
        spec: "",
        summary: "",
        trigger,
        goal: |_, _| false,
        fairness: vec![],
    }
}

#[test]
fn exceeding_max_states_is_an_error_never_holds() {
    let props = [never(|_, _| false)];
    let err = check_liveness(&Counter { n: 0 }, &props, 100).err();
    assert_eq!(err, Some(LivenessError::TooManyStates { max_states: 100 }));
    let loop_props = [reaches_3(|_, _| true, vec![])];
    let model = Loop {
        escape_from_1: false,
    };
    assert!(check_liveness(&model, &loop_props, 3).is_err());
    assert!(check_liveness(&model, &loop_props, 4).is_ok());
    assert!(check_liveness(&Counter { n: 50 }, &props, 50).is_ok());
    assert!(check_liveness(&Counter { n: 51 }, &props, 50).is_err());
}

#[test]
fn long_cycle_does_not_overflow_the_stack() {
    let n = 1_000_000;
    let model = Counter { n };
    let props = [never(|_, s| *s == 0)];
    let report = check_liveness(&model, &props, n as usize).expect("fits");
    assert_eq!(report.states, n as usize);
    let l = lasso(&report.verdicts[0].1);
    assert!(l.prefix.is_empty());
    assert_eq!(l.cycle.len(), n as usize);
    assert_eq!(l.states.first(), l.states.last());
}

// ---------------------------------------------------------------------------------------
// Property test against a brute-force reference.

/// A random graph over states `0..n`: action `i` is edge `i` = (from, to, class bits).
#[derive(Clone, Debug)]
struct RandomGraph {
    n: u8,
    edges: Vec<(u8, u8, u8)>,
    init: u8,
    goal: u8,
    trigger: u8,
}

impl Model for RandomGraph {
    type State = u8;
    type Action = usize;

    fn init_states(&self) -> Vec<u8> {
        (0..self.n).filter(|s| self.init >> s & 1 == 1).collect()
    }

    fn actions(&self, s: &u8, actions: &mut Vec<usize>) {
        actions.extend((0..self.edges.len()).filter(|&i| self.edges[i].0 == *s));
    }

    fn next_state(&self, _: &u8, a: usize) -> Option<u8> {
        Some(self.edges[a].1)
    }
}

fn random_prop(classes: usize) -> LivenessProperty<RandomGraph> {
    let all = [
        Fairness {
            name: "c0",
            class: |m: &RandomGraph, _: &u8, a: &usize| m.edges[*a].2 & 1 != 0,
        },
        Fairness {
            name: "c1",
            class: |m: &RandomGraph, _: &u8, a: &usize| m.edges[*a].2 & 2 != 0,
        },
    ];
    LivenessProperty {
        name: "random",
        spec: "",
        summary: "",
        trigger: |m, s| m.trigger >> s & 1 == 1,
        goal: |m, s| m.goal >> s & 1 == 1,
        fairness: all[..classes].to_vec(),
    }
}

/// Brute force: enumerate every set S of goal-free states; S is a fair recurrence set if it
/// is strongly connected by edges inside S (at least one edge) and, for every class, some
/// state of S has no edge of the class or some edge inside S is of the class. A violation
/// exists iff a reachable trigger state without goal reaches, through goal-free states, a
/// fair recurrence set or a goal-free state without successors.
fn reference_violated(m: &RandomGraph, classes: usize) -> bool {
    let n = m.n as usize;
    let bad = |s: usize| m.goal >> s & 1 == 0;
    let edge = |u: usize, v: usize, set: u32| {
        m.edges.iter().any(|&(a, b, _)| {
            a as usize == u && b as usize == v && set >> u & 1 == 1 && set >> v & 1 == 1
        })
    };
    // Reachable from the initial states.
    let mut reach = vec![false; n];
    for s in m.init_states() {
        reach[s as usize] = true;
    }
    for _ in 0..n {
        for &(a, b, _) in &m.edges {
            if reach[a as usize] {
                reach[b as usize] = true;
            }
        }
    }
    let bad_set: u32 = (0..n).filter(|&s| bad(s)).map(|s| 1 << s).sum();
    // Paths of length >= 0 inside B.
    let mut within_b = vec![vec![false; n]; n];
    for (u, row) in within_b.iter_mut().enumerate() {
        row[u] = bad(u);
        for (v, cell) in row.iter_mut().enumerate() {
            *cell |= edge(u, v, bad_set);
        }
    }
    for k in 0..n {
        for u in 0..n {
            for v in 0..n {
                if within_b[u][k] && within_b[k][v] {
                    within_b[u][v] = true;
                }
            }
        }
    }
    let mut targets = vec![false; n]; // states belonging to some fair set or dead end
    for (s, target) in targets.iter_mut().enumerate() {
        if bad(s) && !m.edges.iter().any(|e| e.0 as usize == s) {
            *target = true;
        }
    }
    for set in 1u32..(1 << n) {
        if set & !bad_set != 0 {
            continue;
        }
        let members: Vec<usize> = (0..n).filter(|&s| set >> s & 1 == 1).collect();
        // Paths of length >= 1 inside `set`.
        let mut r = vec![vec![false; n]; n];
        for &u in &members {
            for &v in &members {
                r[u][v] = edge(u, v, set);
            }
        }
        for &k in &members {
            for &u in &members {
                for &v in &members {
                    if r[u][k] && r[k][v] {
                        r[u][v] = true;
                    }
                }
            }
        }
        if !members.iter().all(|&u| members.iter().all(|&v| r[u][v])) {
            continue;
        }
        let fair = (0..classes).all(|c| {
            let bit = 1 << c;
            members
                .iter()
                .any(|&u| !m.edges.iter().any(|e| e.0 as usize == u && e.2 & bit != 0))
                || m.edges
                    .iter()
                    .any(|e| e.2 & bit != 0 && set >> e.0 & 1 == 1 && set >> e.1 & 1 == 1)
        });
        if fair {
            for &u in &members {
                targets[u] = true;
            }
        }
    }
    (0..n).any(|t| {
        reach[t]
            && bad(t)
            && m.trigger >> t & 1 == 1
            && (0..n).any(|u| targets[u] && within_b[t][u])
    })
}

fn random_graph() -> impl Strategy<Value = (RandomGraph, usize)> {
    (1u8..=8).prop_flat_map(|n| {
        (
            prop::collection::vec((0..n, 0..n, 0u8..4), 0..20),
            1u8..=255,
            any::<u8>(),
            any::<u8>(),
            0usize..=2,
        )
            .prop_map(move |(edges, init, goal, trigger, classes)| {
                let mask = if n == 8 { 255 } else { (1u8 << n) - 1 };
                let init = if init & mask == 0 { 1 } else { init & mask };
                (
                    RandomGraph {
                        n,
                        edges,
                        init,
                        goal,
                        trigger,
                    },
                    classes,
                )
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn agrees_with_brute_force((model, classes) in random_graph()) {
        let prop = random_prop(classes);
        let expected = reference_violated(&model, classes);
        let report = check_liveness(&model, std::slice::from_ref(&prop), 1000).expect("small");
        let verdict = &report.verdicts[0].1;
        prop_assert_eq!(!verdict.holds(), expected, "model {:?} classes {}", model, classes);
        if let Verdict::Violated(l) = verdict {
            assert_real_lasso(&model, &prop, l);
        }
        let again = check_liveness(&model, std::slice::from_ref(&prop), 1000).expect("small");
        prop_assert_eq!(&report.verdicts, &again.verdicts);
    }
}
