//! Structurally valid traces built with `arbitrary`: a `swspec-trace` v1 header (engine
//! `synthetic`, any profile, an `observes` subset of the known kinds) and 0–40 events whose
//! observations (the model's own `Observation`, through its `arbitrary` feature) use ids from a
//! tiny alphabet, so that traces get past the parser and reach deep
//! states of the checker's search. The trace is serialised to JSON Lines with serde_json, as a
//! capture harness would write it, and fed to `Trace::parse` and `check`.
//!
//! Harness invariants (besides "no panic"): a generated trace always parses, and the outcome
//! has a divergence report exactly when it does not conform.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use std::path::Path;
use swspec_conformance::check::{check, Options, Verdict};
use swspec_conformance::trace::{
    Event, Header, Source, Trace, FORMAT, FORMAT_VERSION, MAX_LISTED_TAGS,
};
use swspec_model::{Channel, Observation, Profile};

const MAX_EVENTS: usize = 40;

/// Search nodes per pass of each check (the checker's default is 2,000,000), unless the
/// environment variable `SWSPEC_FUZZ_MAX_NODES` sets another (read once). A trace that spends
/// the budget is `inconclusive`, which the harness accepts like any verdict. The budget sets
/// the rate: at 20,000 most inputs spent it and the target ran at 2-17 execs/s; see the README's
/// last run for the rate and the share of inconclusive inputs at this value. Range: 1 and up.
const MAX_NODES: usize = 100;

/// Unobservable model steps between two events (the checker's default is 12): fewer hidden
/// steps keep a trace with few observed kinds from spending the budget on one gap. Range: 0
/// and up.
const MAX_HIDDEN: usize = 6;

/// [`MAX_NODES`], or `SWSPEC_FUZZ_MAX_NODES` when it is set to a number.
fn max_nodes() -> usize {
    static NODES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *NODES.get_or_init(|| {
        std::env::var("SWSPEC_FUZZ_MAX_NODES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(MAX_NODES)
    })
}

/// An identifier from the tiny alphabet (shared by every id space).
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Id {
    A,
    B,
    C,
}

impl Id {
    fn s(self) -> String {
        match self {
            Id::A => "a",
            Id::B => "b",
            Id::C => "c",
        }
        .to_string()
    }
}

/// A worker's script instance.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Inst {
    I0,
    I1,
    I2,
}

impl Inst {
    fn s(self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

/// Time since the previous event: around the skew (100 ms) and the profiles' timer bounds.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Dt {
    Zero,
    Ms1,
    Ms10,
    Ms99,
    Ms101,
    Ms500,
    S1,
    S10,
    S31,
    M5,
    H1,
    Half,
}

impl Dt {
    fn ms(self) -> f64 {
        match self {
            Dt::Zero => 0.0,
            Dt::Ms1 => 1.0,
            Dt::Ms10 => 10.0,
            Dt::Ms99 => 99.0,
            Dt::Ms101 => 101.0,
            Dt::Ms500 => 500.0,
            Dt::S1 => 1_000.0,
            Dt::S10 => 10_000.0,
            Dt::S31 => 31_000.0,
            Dt::M5 => 300_000.0,
            Dt::H1 => 3_600_000.0,
            Dt::Half => 0.5,
        }
    }
}

/// Who saw the event. `Natural` is the source a capture would give it (see generate.rs).
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Src {
    Natural(Inst),
    Driver,
    Page(Id),
    Worker(Id, Inst),
    Devtools,
    Server,
}

/// Picks one of `xs` by an arbitrary byte.
fn pick<T: Copy>(xs: &[T], b: u8) -> T {
    xs[b as usize % xs.len()]
}

#[derive(Arbitrary, Debug)]
struct Ev {
    dt: Dt,
    src: Src,
    /// `None`: an informational line without `obs`.
    obs: Option<Observation<Id>>,
}

/// How the header's `observes` is chosen. Complete captures come first and twice (the first
/// variant is what exhausted input decodes to): with most kinds observed few model steps are
/// hidden, so the search stays small and traces get deep. With only a few kinds observed nearly
/// every step is hidden and a diverging trace usually spends the whole node budget (~1.5 s).
#[derive(Arbitrary, Debug)]
enum Observes {
    All,
    AllButRunningStatus,
    All2,
    AllButRunningStatus2,
    /// Every kind except those whose bit is set in the mask.
    AllBut(u64),
    /// Only the kinds the events use.
    Used,
    /// The kinds the events use plus the mask's.
    UsedPlus(u64),
    /// The mask's kinds, used or not (events of other kinds make `check` return an error).
    Mask(u64),
}

#[derive(Arbitrary, Debug)]
struct Input {
    profile: u8,
    observes: Observes,
    events: Vec<Ev>,
}

fn natural_source(o: &Observation<String>, inst: Inst) -> Source {
    match o.channel() {
        Channel::Page(c) => Source::Page { client: c.clone() },
        Channel::Lifecycle(_) | Channel::Background => Source::Devtools,
        Channel::Worker(w) => Source::Worker {
            worker: w.clone(),
            instance: inst.s(),
        },
        Channel::Driver | Channel::Registration => Source::Driver,
        Channel::Server => Source::Server,
    }
}

fn trace_text(input: &Input) -> String {
    let kinds = Observation::<String>::KINDS;
    let mut t = 0.0;
    let mut events = Vec::new();
    for ev in input.events.iter().take(MAX_EVENTS) {
        t += ev.dt.ms();
        let mut obs = ev.obs.as_ref().map(|o| o.map_ids(|_, id| id.s()));
        // A longer list is refused by the parser (a format limit, not what this target tests).
        if let Some(Observation::SyncTags { tags, .. }) = &mut obs {
            tags.truncate(MAX_LISTED_TAGS);
        }
        let src = match (ev.src, &obs) {
            (Src::Natural(i), Some(o)) => natural_source(o, i),
            (Src::Natural(_), None) | (Src::Driver, _) => Source::Driver,
            (Src::Page(c), _) => Source::Page { client: c.s() },
            (Src::Worker(w, i), _) => Source::Worker {
                worker: w.s(),
                instance: i.s(),
            },
            (Src::Devtools, _) => Source::Devtools,
            (Src::Server, _) => Source::Server,
        };
        events.push(Event {
            t,
            earliest: None,
            src,
            raw: obs
                .is_none()
                .then(|| serde_json::json!({"note": "informational"})),
            obs,
        });
    }
    let used: BTreeSet<&str> = events
        .iter()
        .filter_map(|e| e.obs.as_ref().map(|o| o.kind()))
        .collect();
    let mask = |m: u64| {
        kinds
            .iter()
            .enumerate()
            .filter(move |(i, _)| m & (1 << i) != 0)
            .map(|(_, k)| *k)
    };
    let all = || kinds.iter().copied();
    let observes: BTreeSet<&str> = match input.observes {
        Observes::All | Observes::All2 => all().collect(),
        Observes::AllButRunningStatus | Observes::AllButRunningStatus2 => {
            all().filter(|k| *k != "running_status").collect()
        }
        Observes::AllBut(m) => {
            let drop: BTreeSet<&str> = mask(m).collect();
            all().filter(|k| !drop.contains(k)).collect()
        }
        Observes::Used => used,
        Observes::UsedPlus(m) => used.into_iter().chain(mask(m)).collect(),
        Observes::Mask(m) => mask(m).collect(),
    };
    let header = Header {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        engine: "synthetic".into(),
        engine_version: "0".into(),
        scenario: "fuzz".into(),
        profile: pick(&Profile::ALL, input.profile),
        captured_at: "2026-11-21T00:00:00Z".into(),
        harness: "swspec-fuzz".into(),
        observes: observes.into_iter().map(String::from).collect(),
        settings: Default::default(),
    };
    Trace::to_text(&header, &events)
}

fuzz_target!(|input: Input| {
    let text = trace_text(&input);
    let trace = match Trace::parse(Path::new("structured.jsonl"), text.as_bytes()) {
        Ok(t) => t,
        Err(e) => panic!("a generated trace does not parse: {e}\n{text}"),
    };
    let opts = Options {
        max_nodes: max_nodes(),
        max_hidden: MAX_HIDDEN,
        ..Options::default()
    };
    let result = check(&trace, &opts);
    if std::env::var_os("SWSPEC_FUZZ_PRINT").is_some() {
        // Debugging aid: `SWSPEC_FUZZ_PRINT=1 target/.../structured <input>` shows the trace an
        // input decodes to and what the checker made of it.
        eprintln!("{text}");
        match &result {
            Ok(o) => eprintln!(
                "verdict {} nodes {} events {} diverges at line {:?}",
                o.verdict.name(),
                o.nodes,
                o.events,
                o.divergence.as_ref().and_then(|d| d.line)
            ),
            Err(e) => eprintln!("check error: {e:?}"),
        }
    }
    if let Ok(out) = result {
        assert_eq!(
            out.verdict == Verdict::Conforms,
            out.divergence.is_none(),
            "a divergence report exactly when the verdict is not `conforms`"
        );
        let _ = serde_json::to_string(&out.divergence);
    }
});
