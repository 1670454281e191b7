//! Structurally valid traces built with `arbitrary`: a `swspec-trace` v1 header (engine
//! `synthetic`, any profile, an `observes` subset of the known kinds) and 0–40 events whose
//! observations use ids from a tiny alphabet, so that traces get past the parser and reach deep
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
use swspec_conformance::trace::{Event, Header, Source, Trace, FORMAT, FORMAT_VERSION};
use swspec_model::observe::{EventName, JobCall, JobOutcome, LifecycleEvent};
use swspec_model::{
    BgResult, FailureReason, Observation, Permission, PermissionState, Profile, RunningStatus,
    WorkerState,
};

const MAX_EVENTS: usize = 40;

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

const WORKER_STATES: [WorkerState; 6] = [
    WorkerState::Parsed,
    WorkerState::Installing,
    WorkerState::Installed,
    WorkerState::Activating,
    WorkerState::Activated,
    WorkerState::Redundant,
];
const RUNNING: [RunningStatus; 4] = [
    RunningStatus::Stopped,
    RunningStatus::Starting,
    RunningStatus::Running,
    RunningStatus::Stopping,
];
const PERMISSIONS: [Permission; 4] = [
    Permission::Push,
    Permission::BackgroundSync,
    Permission::PeriodicBackgroundSync,
    Permission::BackgroundFetch,
];
const PERMISSION_STATES: [PermissionState; 2] = [PermissionState::Granted, PermissionState::Denied];
const JOB_CALLS: [JobCall; 3] = [JobCall::Register, JobCall::Update, JobCall::Unregister];
const JOB_OUTCOMES: [JobOutcome; 5] = [
    JobOutcome::Registration,
    JobOutcome::UnregisteredTrue,
    JobOutcome::UnregisteredFalse,
    JobOutcome::TypeError,
    JobOutcome::InvalidStateError,
];
const LIFECYCLE: [LifecycleEvent; 2] = [LifecycleEvent::Install, LifecycleEvent::Activate];
const EVENT_NAMES: [EventName; 11] = [
    EventName::Fetch,
    EventName::Message,
    EventName::Push,
    EventName::Notificationclick,
    EventName::Notificationclose,
    EventName::Sync,
    EventName::Periodicsync,
    EventName::Backgroundfetchsuccess,
    EventName::Backgroundfetchfail,
    EventName::Backgroundfetchabort,
    EventName::Backgroundfetchclick,
];
const BG_RESULTS: [BgResult; 3] = [BgResult::Unset, BgResult::Success, BgResult::Failure];
const FAILURE_REASONS: [FailureReason; 6] = [
    FailureReason::None,
    FailureReason::Aborted,
    FailureReason::BadStatus,
    FailureReason::FetchError,
    FailureReason::QuotaExceeded,
    FailureReason::DownloadTotalExceeded,
];

/// One observation, mirroring [`Observation`] with ids from the alphabet and the other fields'
/// enums picked by a byte. `None` is an informational line without `obs`.
#[derive(Arbitrary, Debug, Clone)]
enum O {
    OpenClient(Id),
    Reload(Id),
    CloseClient(Id),
    Register(Id, Id),
    Update(Id),
    Unregister(Id),
    PostMessage(Id),
    Fetch(Id),
    StopWorker(Id),
    GoOffline,
    GoOnline,
    Subscribe(Id),
    PushMessage,
    NotificationClick,
    NotificationClose,
    SetPermission(u8, u8),
    SyncRegister(Id, Id),
    PeriodicSyncRegister(Id, Id),
    PeriodicSyncUnregister(Id, Id),
    BackgroundFetch(Id, Id, u8),
    BgFetchAbort(Id),
    JobSettled(Id, u8, u8),
    UpdateFound,
    ControllerChange(Id),
    SyncTags(Id, Vec<Id>),
    StateChange(Id, u8),
    RunningStatus(Id, u8),
    LifecycleEvent(Id, u8),
    FunctionalEvent {
        worker: Id,
        event: u8,
        tag: Option<Id>,
        last_chance: Option<bool>,
        wait_until: bool,
        notify: bool,
    },
    WaitUntilSettled(Id, u8, bool),
    SkipWaiting(Id),
    Claim(Id),
    BgFetchSettled(Id, u8, u8),
    None,
}

impl O {
    fn build(&self) -> Option<Observation<String>> {
        use Observation as X;
        Some(match self.clone() {
            O::OpenClient(c) => X::OpenClient { client: c.s() },
            O::Reload(c) => X::Reload { client: c.s() },
            O::CloseClient(c) => X::CloseClient { client: c.s() },
            O::Register(c, s) => X::Register {
                client: c.s(),
                script: format!("{}.js", s.s()),
            },
            O::Update(c) => X::Update { client: c.s() },
            O::Unregister(c) => X::Unregister { client: c.s() },
            O::PostMessage(c) => X::PostMessage { client: c.s() },
            O::Fetch(c) => X::Fetch { client: c.s() },
            O::StopWorker(w) => X::StopWorker { worker: w.s() },
            O::GoOffline => X::GoOffline,
            O::GoOnline => X::GoOnline,
            O::Subscribe(c) => X::Subscribe { client: c.s() },
            O::PushMessage => X::PushMessage,
            O::NotificationClick => X::NotificationClick,
            O::NotificationClose => X::NotificationClose,
            O::SetPermission(p, s) => X::SetPermission {
                permission: pick(&PERMISSIONS, p),
                state: pick(&PERMISSION_STATES, s),
            },
            O::SyncRegister(c, t) => X::SyncRegister {
                client: c.s(),
                tag: t.s(),
            },
            O::PeriodicSyncRegister(c, t) => X::PeriodicSyncRegister {
                client: c.s(),
                tag: t.s(),
            },
            O::PeriodicSyncUnregister(c, t) => X::PeriodicSyncUnregister {
                client: c.s(),
                tag: t.s(),
            },
            O::BackgroundFetch(c, id, n) => X::BackgroundFetch {
                client: c.s(),
                id: id.s(),
                requests: n % 4,
            },
            O::BgFetchAbort(id) => X::BgFetchAbort { id: id.s() },
            O::JobSettled(c, call, outcome) => X::JobSettled {
                client: c.s(),
                call: pick(&JOB_CALLS, call),
                outcome: pick(&JOB_OUTCOMES, outcome),
            },
            O::UpdateFound => X::UpdateFound,
            O::ControllerChange(c) => X::ControllerChange { client: c.s() },
            O::SyncTags(c, mut tags) => {
                tags.truncate(4);
                let mut tags: Vec<String> = tags.into_iter().map(Id::s).collect();
                tags.sort();
                X::SyncTags {
                    client: c.s(),
                    tags,
                }
            }
            O::StateChange(w, s) => X::StateChange {
                worker: w.s(),
                state: pick(&WORKER_STATES, s),
            },
            O::RunningStatus(w, s) => X::RunningStatus {
                worker: w.s(),
                status: pick(&RUNNING, s),
            },
            O::LifecycleEvent(w, e) => X::LifecycleEvent {
                worker: w.s(),
                event: pick(&LIFECYCLE, e),
            },
            O::FunctionalEvent {
                worker,
                event,
                tag,
                last_chance,
                wait_until,
                notify,
            } => X::FunctionalEvent {
                worker: worker.s(),
                event: pick(&EVENT_NAMES, event),
                tag: tag.map(Id::s),
                last_chance,
                wait_until,
                notify,
            },
            O::WaitUntilSettled(w, e, fulfilled) => X::WaitUntilSettled {
                worker: w.s(),
                event: pick(&EVENT_NAMES, e),
                fulfilled,
            },
            O::SkipWaiting(w) => X::SkipWaiting { worker: w.s() },
            O::Claim(w) => X::Claim { worker: w.s() },
            O::BgFetchSettled(id, r, f) => X::BgFetchSettled {
                id: id.s(),
                result: pick(&BG_RESULTS, r),
                failure_reason: pick(&FAILURE_REASONS, f),
            },
            O::None => return None,
        })
    }
}

#[derive(Arbitrary, Debug)]
struct Ev {
    dt: Dt,
    src: Src,
    obs: O,
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
    match o.channel_parts() {
        (1, Some(c)) => Source::Page { client: c.clone() },
        (3, _) | (5, _) => Source::Devtools,
        (4, Some(w)) => Source::Worker {
            worker: w.clone(),
            instance: inst.s(),
        },
        _ => Source::Driver,
    }
}

fn trace_text(input: &Input) -> String {
    let kinds = Observation::<String>::KINDS;
    let mut t = 0.0;
    let mut events = Vec::new();
    for ev in input.events.iter().take(MAX_EVENTS) {
        t += ev.dt.ms();
        let obs = ev.obs.build();
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
    let mut out = serde_json::to_string(&header).expect("header serialises");
    out.push('\n');
    for e in &events {
        out.push_str(&serde_json::to_string(e).expect("event serialises"));
        out.push('\n');
    }
    out
}

fuzz_target!(|input: Input| {
    let text = trace_text(&input);
    let trace = match Trace::parse(Path::new("structured.jsonl"), text.as_bytes()) {
        Ok(t) => t,
        Err(e) => panic!("a generated trace does not parse: {e}\n{text}"),
    };
    let opts = Options {
        max_nodes: 20_000,
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
