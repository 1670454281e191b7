//! Swarm search finds what is reachable, with replayable paths, and never claims a proof.

use std::time::Duration;
use swspec_search::engine::{swarm, Options, Outcome, Stop, SwarmOptions};
use swspec_search::twopc::TwoPc;

#[test]
fn a_swarm_finds_both_agreements_and_proves_nothing() {
    let m = TwoPc { rms: 5 };
    let opts = Options {
        threads: 2,
        stop_when_all_discovered: false,
        ..Options::default()
    };
    let sw = SwarmOptions {
        depth: 40,
        budget: Duration::from_secs(30),
        max_runs: Some(200),
        ..SwarmOptions::default()
    };
    let r = swarm(&m, &opts, &sw);
    assert_eq!(r.runs, 200, "{}", r.stop);
    assert!(
        r.distinct > 1000 && r.distinct <= 8_832,
        "{} distinct",
        r.distinct
    );
    for name in ["abort agreement", "commit agreement"] {
        let Some(Outcome::Discovered(Some(t))) = r.property(name) else {
            panic!("{name} found")
        };
        assert!(t.replay(&m).is_some());
    }
    assert_eq!(r.property("consistent"), Some(&Outcome::Unknown));
}

#[test]
fn a_swarm_ends_at_its_budget() {
    let m = TwoPc { rms: 8 };
    let opts = Options {
        stop_when_all_discovered: false,
        ..Options::default()
    };
    let sw = SwarmOptions {
        budget: Duration::from_millis(300),
        ..SwarmOptions::default()
    };
    let r = swarm(&m, &opts, &sw);
    assert_eq!(r.stop, Stop::TimeLimit(Duration::from_millis(300)));
    assert!(r.elapsed < Duration::from_secs(5));
}
