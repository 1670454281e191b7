//! The engine against stateright's own checker on two-phase commit: the same unique counts
//! (the ones stateright pins for its example) and the same verdicts, whatever the search,
//! thread count or fingerprint width.

use stateright::{Checker, Model};
use swspec_search::engine::codec::Postcard;
use swspec_search::engine::reduce::NoReduction;
use swspec_search::engine::{bfs, dfs, Fingerprint, Options, Outcome, Report, Stop};
use swspec_search::twopc::TwoPc;

fn stateright_unique(rms: usize) -> usize {
    TwoPc { rms }
        .checker()
        .spawn_dfs()
        .join()
        .unique_state_count()
}

fn verdicts(r: &Report) -> Vec<(&'static str, bool)> {
    r.properties
        .iter()
        .map(|p| (p.name, matches!(p.outcome, Outcome::Discovered(_))))
        .collect()
}

#[test]
fn unique_counts_equal_staterights_pinned_ones() {
    for (rms, pinned) in [(3, 288), (5, 8_832)] {
        assert_eq!(stateright_unique(rms), pinned);
        let m = TwoPc { rms };
        let d = dfs(&m, &Postcard, &NoReduction, &Options::default());
        let b = bfs(&m, &Postcard, &NoReduction, &Options::default());
        assert_eq!(
            (d.unique, &d.stop),
            (pinned as u64, &Stop::Complete),
            "dfs at {rms}"
        );
        assert_eq!(
            (b.unique, &b.stop),
            (pinned as u64, &Stop::Complete),
            "bfs at {rms}"
        );
        let expected = vec![
            ("abort agreement", true),
            ("commit agreement", true),
            ("consistent", false),
        ];
        assert_eq!(verdicts(&d), expected);
        assert_eq!(verdicts(&b), expected);
        assert_eq!(
            b.property("consistent").map(|p| &p.outcome),
            Some(&Outcome::NoneExists)
        );
    }
}

#[test]
fn bfs_counts_and_shortest_examples_do_not_depend_on_threads_or_width() {
    let m = TwoPc { rms: 5 };
    let one = bfs(&m, &Postcard, &NoReduction, &Options::default());
    let lengths = |r: &Report| -> Vec<Option<usize>> {
        r.properties
            .iter()
            .map(|p| match &p.outcome {
                Outcome::Discovered(t) => t.as_ref().map(|t| t.actions.len()),
                _ => None,
            })
            .collect()
    };
    for fingerprint in [Fingerprint::Full, Fingerprint::Compact] {
        let opts = |threads| Options {
            threads,
            fingerprint,
            ..Options::default()
        };
        let base = bfs(&m, &Postcard, &NoReduction, &opts(1));
        assert_eq!((base.unique, lengths(&base)), (one.unique, lengths(&one)));
        for threads in [2, 3] {
            let r = bfs(&m, &Postcard, &NoReduction, &opts(threads));
            assert_eq!(r.unique, one.unique);
            // The same discoveries, path for path, whatever the thread count.
            assert_eq!(
                r.properties, base.properties,
                "threads {threads}, {fingerprint:?}"
            );
        }
    }
    // Abort agreement is shortest by TMAbort then every RM receiving it: 1 + 5 steps.
    let Some(Outcome::Discovered(Some(t))) =
        one.property("abort agreement").map(|p| p.outcome.clone())
    else {
        panic!("abort agreement found with a path")
    };
    assert_eq!(
        t.actions.len(),
        5,
        "5 RMs choosing to abort is the shortest"
    );
    let (states, _) = t.replay(&m).expect("the path replays");
    assert!(states
        .last()
        .is_some_and(|s| s.rm.iter().all(|r| *r == swspec_search::twopc::Rm::Aborted)));
}

#[test]
fn dfs_paths_replay_to_their_discoveries() {
    let m = TwoPc { rms: 3 };
    let r = dfs(&m, &Postcard, &NoReduction, &Options::default());
    for name in ["abort agreement", "commit agreement"] {
        let Some(Outcome::Discovered(Some(t))) = r.property(name).map(|p| p.outcome.clone()) else {
            panic!("{name} found")
        };
        let (states, _) = t.replay(&m).expect("replays");
        let cond = m
            .properties()
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.condition);
        assert!(
            cond.is_some_and(|c| c(&m, states.last().expect("a state"))),
            "{name}"
        );
    }
}

#[test]
fn compact_states_are_small() {
    let r = dfs(
        &TwoPc { rms: 8 },
        &Postcard,
        &NoReduction,
        &Options::default(),
    );
    assert_eq!(r.unique, 1_745_408);
    assert!(
        r.bytes_per_state <= 32.0,
        "{} bytes per state",
        r.bytes_per_state
    );
}
