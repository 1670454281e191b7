//! Limits end a search cleanly: a memory bound, the stop flag and a state limit each stop a
//! search of a space far too large, within seconds, with `unknown` where nothing was decided
//! and the reason named.

use serde::{Deserialize, Serialize};
use stateright::{Model, Property};
use std::time::Duration;
use swspec_search::engine::codec::Postcard;
use swspec_search::engine::memory::{resident_bytes, MemoryBound, StopFlag};
use swspec_search::engine::reduce::NoReduction;
use swspec_search::engine::{bfs, dfs, Options, Outcome, Report, Stop};

/// Eight free-running 8-bit counters: 2^64 states, no machine explores them all.
#[derive(Clone, Debug)]
struct Counters;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct Count([u8; 8]);

impl Model for Counters {
    type State = Count;
    type Action = usize;
    fn init_states(&self) -> Vec<Count> {
        vec![Count([0; 8])]
    }
    fn actions(&self, _: &Count, out: &mut Vec<usize>) {
        out.extend(0..8);
    }
    fn next_state(&self, s: &Count, i: usize) -> Option<Count> {
        let mut n = s.clone();
        n.0[i] = n.0[i].wrapping_add(1);
        Some(n)
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always("never all 255", |_, s: &Count| s.0 != [255; 8]),
            Property::sometimes("first counter at 3", |_, s: &Count| s.0[0] == 3),
        ]
    }
}

fn check_partial(r: &Report) {
    assert_eq!(
        r.property("never all 255").map(|p| &p.outcome),
        Some(&Outcome::Unknown)
    );
    assert!(matches!(
        r.property("first counter at 3").map(|p| &p.outcome),
        Some(Outcome::Discovered(Some(_)))
    ));
    assert!(r.unique > 0);
}

fn bound_of(extra: u64) -> MemoryBound {
    MemoryBound::new(resident_bytes().expect("Linux /proc") + extra)
}

#[test]
fn a_memory_bound_stops_both_searches_with_partial_results() {
    for search in [
        dfs::<Counters, Postcard, NoReduction>,
        bfs::<Counters, Postcard, NoReduction>,
    ] {
        let opts = Options {
            memory: bound_of(200 << 20),
            ..Options::default()
        };
        let r = search(&Counters, &Postcard, &NoReduction, &opts);
        let Stop::MemoryLimit { resident, limit } = r.stop else {
            panic!("stopped by {}", r.stop)
        };
        assert!(
            resident <= limit + (16 << 20),
            "resident {resident} over limit {limit}"
        );
        check_partial(&r);
    }
}

#[test]
fn the_stop_flag_interrupts_a_search() {
    let stop = StopFlag::new();
    let setter = stop.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        setter.set();
    });
    let opts = Options {
        stop,
        memory: bound_of(2 << 30),
        ..Options::default()
    };
    let r = bfs(&Counters, &Postcard, &NoReduction, &opts);
    t.join().expect("setter");
    assert!(
        matches!(r.stop, Stop::Interrupted | Stop::MemoryLimit { .. }),
        "{}",
        r.stop
    );
    check_partial(&r);
}

#[test]
fn state_and_time_limits_are_reported_as_limits() {
    let opts = Options {
        max_states: Some(10_000),
        ..Options::default()
    };
    let r = dfs(&Counters, &Postcard, &NoReduction, &opts);
    assert_eq!(
        (r.stop.clone(), r.unique),
        (Stop::StateLimit(10_000), 10_000)
    );
    check_partial(&r);
    let opts = Options {
        time_limit: Some(Duration::from_millis(200)),
        memory: bound_of(2 << 30),
        ..Options::default()
    };
    let r = dfs(&Counters, &Postcard, &NoReduction, &opts);
    assert!(
        matches!(r.stop, Stop::TimeLimit(_) | Stop::MemoryLimit { .. }),
        "{}",
        r.stop
    );
}
