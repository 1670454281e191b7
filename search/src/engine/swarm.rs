//! Swarm search: many randomized, depth-bounded depth-first searches for a time budget, for
//! spaces no machine can exhaust (after Holzmann, Joshi and Groce's swarm verification in SPIN).
//!
//! Run `r` draws its own seed from the base seed, its own depth bound (between half the
//! configured depth and all of it) and shuffles each state's actions with that seed, so the
//! runs dive into different corners of the space. Each run keeps a small visited set of its
//! own (at most `states_per_run` states; then it ends), and all runs count the distinct states
//! they saw in one shared fingerprint set under the memory bound.
//!
//! What a swarm can say: a discovery is real, with a replayable path (an `always` violated, a
//! `sometimes` reached, an `eventually` failed on a path to a dead end). What it cannot say:
//! that an `always` holds or a `sometimes` never happens; those stay [`Outcome::Unknown`].

use super::props::{Found, Props};
use super::visited::{Insert, Visited};
use super::{poll, Options, Outcome, PropertyResult, Stop, Trail};
use crate::hash::{fingerprint128, FastMap};
use stateright::Model;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The swarm's own knobs (threads, memory, stop flag and symmetry come from [`Options`]).
#[derive(Clone, Debug)]
pub struct SwarmOptions {
    /// Base seed; run `r` uses a seed derived from it and `r`. Default: 0 (any u64).
    pub seed: u64,
    /// Deepest a run goes (steps from an initial state; range 1..). Default: 10,000.
    pub depth: u32,
    /// States a run may visit before it ends (range 1..). Default: 100,000.
    pub states_per_run: u64,
    /// Wall-clock budget for all runs together. Default: 60 s.
    pub budget: Duration,
    /// Stop after this many runs, if the budget lasts (range 1..). Default: unbounded.
    pub max_runs: Option<u64>,
}

impl Default for SwarmOptions {
    fn default() -> Self {
        SwarmOptions {
            seed: 0,
            depth: 10_000,
            states_per_run: 100_000,
            budget: Duration::from_secs(60),
            max_runs: None,
        }
    }
}

/// What a swarm found.
#[derive(Clone, Debug)]
pub struct SwarmReport {
    /// Per property: [`Outcome::Discovered`] or [`Outcome::Unknown`], never `NoneExists`.
    pub properties: Vec<PropertyResult>,
    /// Runs finished or started.
    pub runs: u64,
    /// Distinct states seen by all runs together.
    pub distinct: u64,
    /// Deepest state reached by any run.
    pub max_depth: u64,
    /// Why the swarm ended ([`Stop::TimeLimit`] normally).
    pub stop: Stop,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Highest resident set seen (bytes).
    pub peak_resident: u64,
}

/// splitmix64: the per-run seeds and the shuffles' generator.
fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Shared<'a, M: Model> {
    model: &'a M,
    opts: &'a Options<M>,
    swarm: &'a SwarmOptions,
    props: Props<M>,
    found: Found<Trail>,
    distinct: Visited<u64, ()>,
    runs: AtomicU64,
    max_depth: AtomicU64,
    halt: AtomicBool,
    stop: Mutex<Option<Stop>>,
    start: Instant,
}

/// Runs randomized depth-bounded searches on `opts.threads` threads until the budget, the
/// run limit, the memory bound or the stop flag ends them.
pub fn swarm<M>(model: &M, opts: &Options<M>, swarm: &SwarmOptions) -> SwarmReport
where
    M: Model + Sync,
    M::State: Hash + Clone,
    M::Action: Clone,
{
    let props = Props::new(model);
    let sh = Shared {
        model,
        opts,
        swarm,
        found: Found::new(props.list.len()),
        props,
        distinct: Visited::default(),
        runs: AtomicU64::new(0),
        max_depth: AtomicU64::new(0),
        halt: AtomicBool::new(false),
        stop: Mutex::new(None),
        start: Instant::now(),
    };
    std::thread::scope(|scope| {
        for _ in 0..opts.threads.max(1) {
            scope.spawn(|| worker(&sh));
        }
    });
    let stop = sh
        .stop
        .lock()
        .ok()
        .and_then(|mut s| s.take())
        .unwrap_or(Stop::TimeLimit(swarm.budget));
    let properties = sh
        .props
        .list
        .iter()
        .zip(sh.found.into_vec())
        .map(|(p, f)| PropertyResult {
            name: p.name,
            expectation: p.expectation.clone(),
            outcome: f.map_or(Outcome::Unknown, |t| Outcome::Discovered(Some(t))),
        })
        .collect();
    SwarmReport {
        properties,
        runs: sh.runs.load(Ordering::Relaxed),
        distinct: sh.distinct.len() as u64,
        max_depth: sh.max_depth.load(Ordering::Relaxed),
        stop,
        elapsed: sh.start.elapsed(),
        peak_resident: opts.memory.peak(),
    }
}

impl SwarmReport {
    /// The outcome for the property named `name`.
    pub fn property(&self, name: &str) -> Option<&Outcome> {
        self.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.outcome)
    }
}

impl<M: Model> Shared<'_, M> {
    fn halt_with(&self, stop: Stop) {
        if let Ok(mut s) = self.stop.lock() {
            s.get_or_insert(stop);
        }
        self.halt.store(true, Ordering::Relaxed);
    }
    /// Whether the swarm should end now (and records why).
    fn should_stop(&self) -> bool {
        if self.halt.load(Ordering::Relaxed) {
            return true;
        }
        if self.start.elapsed() >= self.swarm.budget {
            self.halt_with(Stop::TimeLimit(self.swarm.budget));
        } else if self.found.all() && self.opts.stop_when_all_discovered {
            self.halt_with(Stop::AllDiscovered);
        } else if let Some(stop) = poll(self.opts, self.start, 0) {
            self.halt_with(stop);
        }
        self.halt.load(Ordering::Relaxed)
    }
}

fn worker<M>(sh: &Shared<'_, M>)
where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
{
    while !sh.should_stop() {
        let run = sh.runs.fetch_add(1, Ordering::Relaxed);
        if sh.swarm.max_runs.is_some_and(|m| run >= m) {
            sh.runs.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        let mut rng = sh.swarm.seed ^ run.wrapping_mul(0xd6e8_feb8_6659_fd93);
        let depth =
            sh.swarm.depth / 2 + (splitmix(&mut rng) % u64::from(sh.swarm.depth / 2 + 1)) as u32;
        one_run(sh, rng, depth.max(1));
    }
}

/// One frame of a run: the state, its actions in this run's order, the next to try.
struct Frame<S> {
    state: S,
    order: Vec<u32>,
    next: usize,
    ebits: u64,
    has_succ: bool,
}

/// One randomized depth-first search, bounded by `depth` and `states_per_run`.
fn one_run<M>(sh: &Shared<'_, M>, mut rng: u64, depth: u32)
where
    M: Model,
    M::State: Hash + Clone,
    M::Action: Clone,
{
    let key = |s: &M::State| {
        let fp = match sh.opts.symmetry {
            Some(rep) => {
                let mut c = s.clone();
                rep(&mut c);
                fingerprint128(&c)
            }
            None => fingerprint128(s),
        };
        (fp >> 64) as u64 ^ fp as u64
    };
    let inits = sh.model.init_states();
    let init = (splitmix(&mut rng) % inits.len().max(1) as u64) as usize;
    let Some(s0) = inits
        .into_iter()
        .nth(init)
        .filter(|s| sh.model.within_boundary(s))
    else {
        return;
    };
    let mut seen: FastMap<u64, ()> = FastMap::default();
    let mut actions = Vec::new();
    let mut stack: Vec<Frame<M::State>> = Vec::new();
    let trail = |stack: &[Frame<M::State>]| -> Vec<usize> {
        stack.iter().map(|f| f.order[f.next - 1] as usize).collect()
    };
    let enter = |state: M::State,
                 ebits: u64,
                 stack: &mut Vec<Frame<M::State>>,
                 seen: &mut FastMap<u64, ()>,
                 rng: &mut u64|
     -> bool {
        let k = key(&state);
        if seen.insert(k, ()).is_some() {
            return false;
        }
        match sh.distinct.insert(k, (), &sh.opts.memory) {
            Insert::NoMemory => {
                sh.halt_with(super::memory_stop(&sh.opts.memory));
                return false;
            }
            Insert::New | Insert::Seen(()) => {}
        }
        let mut e = ebits;
        let mut hits = Vec::new();
        sh.props.visit(
            sh.model,
            &state,
            &mut e,
            |i| !sh.found.has(i),
            |i| hits.push(i),
        );
        for i in hits {
            let t = Trail {
                init,
                actions: trail(stack),
            };
            sh.found.offer(i, t.actions.len() as u64, 0, t);
        }
        let mut acts = Vec::new();
        sh.model.actions(&state, &mut acts);
        let mut order: Vec<u32> = (0..acts.len() as u32).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, (splitmix(rng) % (i as u64 + 1)) as usize);
        }
        stack.push(Frame {
            state,
            order,
            next: 0,
            ebits: e,
            has_succ: false,
        });
        sh.max_depth
            .fetch_max(stack.len() as u64 - 1, Ordering::Relaxed);
        true
    };
    enter(
        s0,
        sh.props.initial_ebits(),
        &mut stack,
        &mut seen,
        &mut rng,
    );
    let mut steps = 0u64;
    while !stack.is_empty() {
        steps += 1;
        if (steps % 4096 == 0 && sh.should_stop()) || seen.len() as u64 >= sh.swarm.states_per_run {
            return;
        }
        let at_bound = stack.len() as u64 > u64::from(depth);
        let top = stack.last_mut().filter(|_| !at_bound);
        let Some(top) = top else {
            stack.pop();
            continue;
        };
        if top.next >= top.order.len() {
            if !top.has_succ {
                let mut hits = Vec::new();
                sh.props
                    .terminal(top.ebits, |i| !sh.found.has(i), |i| hits.push(i));
                let n = stack.len() - 1;
                for i in hits {
                    let t = Trail {
                        init,
                        actions: trail(&stack[..n]),
                    };
                    sh.found.offer(i, n as u64, 0, t);
                }
            }
            stack.pop();
            continue;
        }
        let j = top.order[top.next] as usize;
        top.next += 1;
        actions.clear();
        sh.model.actions(&top.state, &mut actions);
        let Some(next) = actions
            .get(j)
            .cloned()
            .and_then(|a| sh.model.next_state(&top.state, a))
        else {
            continue;
        };
        if !sh.model.within_boundary(&next) {
            continue;
        }
        top.has_succ = true;
        let ebits = top.ebits;
        enter(next, ebits, &mut stack, &mut seen, &mut rng);
    }
}
