//! Partial-order reduction keeps every verdict: a hand-built model of processes with local
//! steps (independent, invisible) around a lock (shared, so never reduced), checked with and
//! without reduction, correct and broken, against stateright's checker.

use serde::{Deserialize, Serialize};
use stateright::{Checker, Model, Property};
use swspec_search::engine::codec::Postcard;
use swspec_search::engine::reduce::{NoReduction, Reduction};
use swspec_search::engine::{bfs, dfs, Options, Outcome, Report, Stop};

/// `procs` processes, each running `LOCAL` local steps, taking the lock, leaving it, and
/// `LOCAL` more local steps. `broken`: taking the lock ignores whether it is held.
#[derive(Clone, Debug)]
struct Procs {
    procs: usize,
    broken: bool,
}

/// Local steps before and after the critical section.
const LOCAL: u8 = 3;
/// Program counter in the critical section.
const CRITICAL: u8 = LOCAL + 1;
/// Program counter when finished.
const DONE: u8 = 2 * LOCAL + 2;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct ProcsState {
    pc: Vec<u8>,
    lock: Option<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Step {
    /// A step of process `p`, from counter `pc`, that touches only its own counter.
    Local(u8, u8),
    /// Process `p` takes the lock.
    Acquire(u8),
    /// Process `p` leaves the lock.
    Release(u8),
}

impl Model for Procs {
    type State = ProcsState;
    type Action = Step;
    fn init_states(&self) -> Vec<ProcsState> {
        vec![ProcsState {
            pc: vec![0; self.procs],
            lock: None,
        }]
    }
    fn actions(&self, s: &ProcsState, out: &mut Vec<Step>) {
        for (p, &pc) in s.pc.iter().enumerate() {
            let p = p as u8;
            match pc {
                LOCAL => out.push(Step::Acquire(p)),
                CRITICAL => out.push(Step::Release(p)),
                DONE => {}
                _ => out.push(Step::Local(p, pc)),
            }
        }
    }
    fn next_state(&self, s: &ProcsState, a: Step) -> Option<ProcsState> {
        let mut n = s.clone();
        match a {
            Step::Local(p, _) => n.pc[p as usize] += 1,
            Step::Acquire(p) => {
                if s.lock.is_some() && !self.broken {
                    return None;
                }
                n.lock = Some(p);
                n.pc[p as usize] += 1;
            }
            Step::Release(p) => {
                n.lock = None;
                n.pc[p as usize] += 1;
            }
        }
        Some(n)
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always("mutual exclusion", |_, s: &ProcsState| {
                s.pc.iter().filter(|pc| **pc == CRITICAL).count() <= 1
            }),
            Property::sometimes("all done", |_, s: &ProcsState| {
                s.pc.iter().all(|pc| *pc == DONE)
            }),
            Property::sometimes("two past the lock", |_, s: &ProcsState| {
                s.pc.iter().filter(|pc| **pc > CRITICAL).count() >= 2
            }),
            Property::eventually("someone finishes", |_, s: &ProcsState| s.pc.contains(&DONE)),
        ]
    }
}

/// The model's reduction: a local step is in its process's class (it is the process's only
/// enabled step, and no other process reads or writes that counter). A local step is visible
/// when it finishes its process (`all done`, `someone finishes`); no local step moves a
/// process into or past the critical section (the lock steps do, and they have no class).
struct ProcsReduction;

impl Reduction<Procs> for ProcsReduction {
    fn class(&self, _: &Procs, _: &ProcsState, a: &Step) -> Option<u32> {
        match a {
            Step::Local(p, _) => Some(u32::from(*p)),
            _ => None,
        }
    }
    fn visible(&self, _: &Procs, a: &Step) -> bool {
        !matches!(a, Step::Local(_, pc) if pc + 1 != DONE)
    }
}

fn verdicts(r: &Report) -> Vec<(&'static str, bool)> {
    r.properties
        .iter()
        .map(|p| (p.name, matches!(p.outcome, Outcome::Discovered(_))))
        .collect()
}

fn stateright_verdicts(m: &Procs) -> (usize, Vec<(&'static str, bool)>) {
    let c = m.clone().checker().spawn_bfs().join();
    let v = m
        .properties()
        .iter()
        .map(|p| (p.name, c.discovery(p.name).is_some()))
        .collect();
    (c.unique_state_count(), v)
}

#[test]
fn reduction_keeps_every_verdict_and_shrinks_the_space() {
    for broken in [false, true] {
        let m = Procs { procs: 3, broken };
        let (sr_unique, sr_verdicts) = stateright_verdicts(&m);
        let no_stop = || Options {
            stop_when_all_discovered: false,
            ..Options::default()
        };
        let full_d = dfs(&m, &Postcard, &NoReduction, &no_stop());
        let full_b = bfs(&m, &Postcard, &NoReduction, &no_stop());
        assert_eq!(full_d.unique, sr_unique as u64, "broken {broken}");
        assert_eq!(full_b.unique, sr_unique as u64, "broken {broken}");
        assert_eq!(verdicts(&full_d), sr_verdicts, "broken {broken}");
        let por = || Options {
            reduction: true,
            ..no_stop()
        };
        for r in [
            dfs(&m, &Postcard, &ProcsReduction, &por()),
            bfs(&m, &Postcard, &ProcsReduction, &por()),
        ] {
            assert_eq!(verdicts(&r), sr_verdicts, "broken {broken}");
            assert_eq!(r.stop, Stop::Complete);
            assert!(
                r.reduced > 0 && r.unique < full_d.unique,
                "{} of {}",
                r.unique,
                full_d.unique
            );
            for p in &r.properties {
                if let Outcome::Discovered(Some(t)) = &p.outcome {
                    assert!(t.replay(&m).is_some(), "{} replays", p.name);
                }
            }
        }
    }
}

#[test]
fn reduced_bfs_counts_do_not_depend_on_threads() {
    let m = Procs {
        procs: 4,
        broken: false,
    };
    let por = |threads| Options {
        reduction: true,
        threads,
        stop_when_all_discovered: false,
        ..Options::default()
    };
    let one = bfs(&m, &Postcard, &ProcsReduction, &por(1));
    let two = bfs(&m, &Postcard, &ProcsReduction, &por(2));
    assert_eq!((one.unique, one.reduced), (two.unique, two.reduced));
    assert_eq!(one.properties, two.properties);
}
