//! Every duration a profile states is enforced (issue 17 item 10): for each, a trace generated
//! from a model walk that takes the step the timer bounds conforms when the step waits for its
//! timer, and diverges at that step's first observation when the trace's clock is moved so that
//! the step comes 1 s after the timer started (a lower bound), or late (the activate event's
//! upper bound). The walks are the first of a fixed seed sequence that take the step.

use std::path::Path;
use swspec_conformance::check::{self, wide_config, Options, Outcome, Verdict};
use swspec_conformance::generate;
use swspec_conformance::trace::{Event, Trace};
use swspec_model::{Action, Profile, StopCause, SwModel, SwState, WorkerState};

/// A generated trace that takes a step `target` accepts, with the index of that step's first
/// event.
struct Case {
    profile: Profile,
    events: Vec<Event>,
    /// The index of the target step's first event.
    at: usize,
    observes: Vec<String>,
}

fn model(profile: Profile, features: &str) -> SwModel {
    let mut cfg = wide_config(profile, 2);
    cfg.push = features.contains("push");
    cfg.sync = features.contains("sync");
    SwModel::new(cfg)
}

/// The first walk (seeds 0..20,000) with an observable step `target` accepts after an earlier
/// observation.
fn find(profile: Profile, features: &str, target: impl Fn(&Action, &SwState) -> bool) -> Case {
    let m = model(profile, features);
    let observes = generate::all_kinds();
    for seed in 0..20_000 {
        let walk = generate::settle(
            &m,
            generate::random_walk(&m, seed, 20 + (seed % 4) as usize * 15),
        );
        let Some(exec) = generate::execute(&m, &walk) else {
            continue;
        };
        let mut n = 0;
        for (i, (a, pre, post)) in exec.iter().enumerate() {
            let seen = m
                .observe(pre, a, post)
                .iter()
                .filter(|o| observes.iter().any(|k| k == o.kind()))
                .count();
            if target(a, pre) && seen > 0 && n > 0 {
                let events = generate::events(&m, &exec[..=i], &observes, 10.0, 1.0);
                return Case {
                    profile,
                    events,
                    at: n,
                    observes,
                };
            }
            n += seen;
        }
    }
    panic!("no walk takes the step");
}

/// A scripted walk: for each goal in turn, the first enabled action it accepts (panics naming
/// the enabled actions when none is). The case's target is the last goal's step.
fn drive(profile: Profile, features: &str, goals: &[&dyn Fn(&Action) -> bool]) -> Case {
    use stateright::Model;
    let m = model(profile, features);
    let mut s = m.init_state();
    let mut walk = Vec::new();
    for (i, g) in goals.iter().enumerate() {
        let mut acts = Vec::new();
        m.actions(&s, &mut acts);
        let Some(a) = acts.iter().find(|a| g(a)) else {
            panic!("goal {i}: none of {acts:?}")
        };
        s = m.next_state(&s, a.clone()).expect("enabled");
        walk.push(a.clone());
    }
    let exec = generate::execute(&m, &walk).expect("replays");
    let observes = generate::all_kinds();
    let events = generate::events(&m, &exec, &observes, 10.0, 1.0);
    let (a, pre, post) = exec.last().expect("a walk");
    let last = m
        .observe(pre, a, post)
        .iter()
        .filter(|o| observes.iter().any(|k| k == o.kind()))
        .count();
    Case {
        profile,
        at: events.len() - last,
        events,
        observes,
    }
}

/// The steps that install and activate a first worker for client 0 and reload it, so that the
/// worker controls it.
fn installed() -> Vec<&'static dyn Fn(&Action) -> bool> {
    vec![
        &|a| matches!(a, Action::OpenClient(0)),
        &|a| matches!(a, Action::Register { client: 0, .. }),
        &|a| matches!(a, Action::RunJob),
        &|a| matches!(a, Action::UpdateBytesChanged),
        &|a| matches!(a, Action::Install),
        &|a| {
            matches!(
                a,
                Action::InstallEventSettled(swspec_model::InstallOutcome::Fulfilled)
            )
        },
        &|a| matches!(a, Action::ActivateEvent(_)),
        &|a| matches!(a, Action::ActivateEventSettled(_)),
        &|a| matches!(a, Action::Reload(0)),
    ]
}

/// The check of `events` under the case's profile (the trace may end mid-flight).
fn outcome(c: &Case, events: &[Event]) -> Outcome {
    let header = generate::header("timers", c.profile, c.observes.clone());
    let text = Trace::to_text(&header, events);
    if let Some(dir) = std::env::var_os("SWSPEC_TIMERS_DUMP") {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let _ = std::fs::write(Path::new(&dir).join(format!("{n}.jsonl")), &text);
    }
    let t = Trace::parse(Path::new("timers.jsonl"), text.as_bytes()).expect("parses");
    let opts = Options {
        quiescent_end: false,
        ..Options::default()
    };
    check::check(&t, &opts).expect("checks")
}

/// The verdict and divergent line of `events` under the case's profile.
fn check_events(c: &Case, events: &[Event]) -> (Verdict, Option<usize>, String) {
    let o = outcome(c, events);
    let reason = o
        .divergence
        .as_ref()
        .map(|d| d.reason.clone())
        .unwrap_or_default();
    (o.verdict, o.divergence.and_then(|d| d.line), reason)
}

/// The case's events with every time from the target step on moved by `shift_ms`.
fn shifted(c: &Case, shift_ms: f64) -> Vec<Event> {
    let mut v = c.events.clone();
    for e in &mut v[c.at..] {
        e.t += shift_ms;
    }
    v
}

/// The case conforms as generated; with its target step moved `shift_ms` it diverges at the
/// step's first observation (line `at + 2`: the header is line 1), naming `param`.
fn assert_enforced(c: &Case, shift_ms: f64, param: &str) {
    let (v, _, reason) = check_events(c, &c.events);
    assert_eq!(v, Verdict::Conforms, "as generated: {reason}");
    let (v, line, reason) = check_events(c, &shifted(c, shift_ms));
    assert_eq!((v, line), (Verdict::Diverges, Some(c.at + 2)), "{reason}");
    assert!(
        reason.contains(&format!("profile timer {param} must be")),
        "{reason}"
    );
}

/// The time from the previous event to the target step's first one (ms).
fn gap(c: &Case) -> f64 {
    c.events[c.at].t - c.events[c.at - 1].t
}

#[test]
fn chromium_idle_timeout_is_enforced() {
    // (A redundant worker's stop is exempt: engines stop a doomed worker at once.)
    let c = find(Profile::Chromium, "", |a, s| {
        matches!(
            a,
            Action::StopWorker {
                worker,
                cause: StopCause::Idle,
            } if s.worker(*worker).state != WorkerState::Redundant
        )
    });
    assert_enforced(&c, 1_000.0 - gap(&c), "idle_timeout_ms");
}

#[test]
fn chromium_unresponsive_stop_is_enforced() {
    let c = find(Profile::Chromium, "", |a, _| {
        matches!(
            a,
            Action::StopWorker {
                cause: StopCause::Unresponsive,
                ..
            }
        )
    });
    assert_enforced(&c, 1_000.0 - gap(&c), "unresponsive_timeout_ms");
}

#[test]
fn webkit_unresponsive_stop_is_enforced() {
    let c = find(Profile::Webkit, "", |a, _| {
        matches!(
            a,
            Action::StopWorker {
                cause: StopCause::Unresponsive,
                ..
            }
        )
    });
    assert_enforced(&c, 1_000.0 - gap(&c), "unresponsive_timeout_ms");
}

#[test]
fn chromium_lame_duck_activation_is_enforced() {
    // The active worker keeps a message event pending; a new version installs, calls
    // skipWaiting() and waits for it; 5 min later Chromium activates it anyway.
    let mut goals = installed();
    goals.extend::<[&dyn Fn(&Action) -> bool; 10]>([
        &|a| matches!(a, Action::PostMessage { client: 0, .. }),
        &|a| {
            matches!(
                a,
                Action::FunctionalEvent {
                    wait_until: true,
                    ..
                }
            )
        },
        &|a| matches!(a, Action::Update { client: 0 }),
        &|a| matches!(a, Action::RunJob),
        &|a| matches!(a, Action::UpdateBytesChanged),
        &|a| matches!(a, Action::Install),
        &|a| {
            matches!(
                a,
                Action::InstallEventSettled(swspec_model::InstallOutcome::Fulfilled)
            )
        },
        &|a| matches!(a, Action::SkipWaiting(1)),
        &|a| matches!(a, Action::LameDuckActivate(_)),
        &|a| matches!(a, Action::ActivateEvent(_)),
    ]);
    let mut c = drive(Profile::Chromium, "", &goals);
    // The target is the lame-duck step, before the activate event's.
    c.at = lame_duck_first_event(&c);
    assert_enforced(&c, 1_000.0 - gap(&c), "lame_duck_ms");
}

#[test]
fn chromium_event_timeout_is_enforced() {
    let c = find(Profile::Chromium, "", |a, _| {
        matches!(a, Action::EventTimedOut(_))
    });
    assert_enforced(&c, 1_000.0 - gap(&c), "event_timeout_ms");
}

#[test]
fn chromium_sync_retry_delay_is_enforced() {
    // A sync event's waitUntil rejects: the retry (and its event) comes 5 min later.
    let mut goals = installed();
    goals.extend::<[&dyn Fn(&Action) -> bool; 8]>([
        // (The reload's navigation fetch first.)
        &|a| {
            matches!(
                a,
                Action::FunctionalEvent {
                    wait_until: false,
                    ..
                }
            )
        },
        &|a| matches!(a, Action::SyncRegister { client: 0, .. }),
        &|a| matches!(a, Action::SyncFire { .. }),
        &|a| {
            matches!(
                a,
                Action::FunctionalEvent {
                    wait_until: true,
                    ..
                }
            )
        },
        &|a| {
            matches!(
                a,
                Action::WaitUntilSettled {
                    fulfilled: false,
                    ..
                }
            )
        },
        // The retry (unobservable) and its sync event, the first line after the failure.
        &|a| matches!(a, Action::SyncRetryDue { .. }),
        &|a| matches!(a, Action::SyncFire { .. }),
        &|a| matches!(a, Action::FunctionalEvent { .. }),
    ]);
    let c = drive(Profile::Chromium, "sync", &goals);
    assert_enforced(&c, 1_000.0 - gap(&c), "sync_initial_retry_delay_ms");
}

#[test]
fn chromium_activate_event_delay_is_enforced() {
    let c = find(Profile::Chromium, "", |a, _| {
        matches!(a, Action::ActivateEvent(_))
    });
    assert_enforced(&c, 5_000.0, "activate_event_delay_ms");
}

/// The first event of the lame-duck case's activation: the old worker's `redundant` or the new
/// one's `activating`, whichever the trace shows first after the `skip_waiting` call and its
/// settlement.
fn lame_duck_first_event(c: &Case) -> usize {
    let sw = c
        .events
        .iter()
        .rposition(|e| {
            e.obs
                .as_ref()
                .is_some_and(|o| matches!(o.kind(), "skip_waiting" | "worker_call_settled"))
        })
        .expect("skip_waiting");
    sw + 1
}

/// The path `events` matched under the case's profile (it must conform).
fn matched(c: &Case, events: &[Event]) -> Vec<Action> {
    let o = outcome(c, events);
    assert_eq!(o.verdict, Verdict::Conforms, "{:?}", o.divergence);
    o.path.actions().to_vec()
}

#[test]
fn chromium_install_timeout_is_enforced() {
    // An install event that times out (5 min) ends as one that rejects does: the worker becomes
    // redundant. Taken 1 s after the event, the redundant worker is a rejection, never a timeout.
    use swspec_model::InstallOutcome::{Rejected, TimedOut};
    let c = find(Profile::Chromium, "", |a, _| {
        matches!(a, Action::InstallEventSettled(TimedOut))
    });
    let settled = |p: &[Action]| {
        p.iter().rev().find_map(|a| match a {
            Action::InstallEventSettled(o) => Some(*o),
            _ => None,
        })
    };
    assert!(gap(&c) >= 300_000.0, "as generated, the timeout waits");
    assert_eq!(settled(&matched(&c, &c.events)), Some(TimedOut));
    let early = matched(&c, &shifted(&c, 1_000.0 - gap(&c)));
    assert_eq!(settled(&early), Some(Rejected), "{early:?}");
}

/// The committed Chromium 156 capture of a first install whose waitUntil rejects 9 ms after
/// the event: matched as a rejection (coverage credits `InstallEventSettled(rejected)`).
#[test]
fn chromium_first_install_rejects_is_a_rejection() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../traces/chromium-156/first-install-rejects.jsonl");
    let bytes = std::fs::read(&path).expect("the committed trace");
    let t = Trace::parse(&path, &bytes).expect("parses");
    let opts = Options {
        profile: Some(Profile::Chromium),
        ..Options::default()
    };
    let o = check::check(&t, &opts).expect("checks");
    assert_eq!(o.verdict, Verdict::Conforms);
    let outcomes: Vec<_> = o
        .path
        .actions()
        .iter()
        .filter(|a| matches!(a, Action::InstallEventSettled(_)))
        .collect();
    assert_eq!(
        outcomes,
        [&Action::InstallEventSettled(
            swspec_model::InstallOutcome::Rejected
        )]
    );
}
