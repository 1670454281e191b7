//! Liveness ("progress") properties of the model, checked by [`swspec_search::liveness`] under named
//! weak-fairness assumptions (stateright's `eventually` is unsound on cycles and has no
//! fairness).
//!
//! Each property is `always (trigger ⇒ eventually goal)` with the fairness it needs stated.
//! Properties about one worker are instantiated per worker id with const generics (the
//! checker's predicates are plain functions). Some properties fail under the spec as written
//! because of a spec finding: [`ProgressProperty::finding`] names it and the [`crate::Fixes`]
//! switch under which the property holds; such a violation is expected, not a model bug.

use crate::{Action, ModelConfig, SwModel, SwState, WorkerState};
use swspec_search::liveness::{Fairness, LivenessProperty};

/// A liveness property with the spec finding that makes it fail under the spec as written.
pub struct ProgressProperty {
    /// The property and its fairness.
    pub property: LivenessProperty<SwModel>,
    /// When it fails under the spec as written: the SPEC_NOTES.md finding and the fix that
    /// restores it.
    pub finding: Option<Finding>,
}

/// A spec finding that a liveness property exposes.
#[derive(Clone, Copy, Debug)]
pub struct Finding {
    /// The finding in SPEC_NOTES.md ("Spec findings").
    pub note: &'static str,
    /// Whether the configuration applies the fix that restores the property.
    pub fixed: fn(&ModelConfig) -> bool,
}

impl Finding {
    /// Is a violation of the property expected under `cfg` (the fix is off)?
    pub fn expected(&self, cfg: &ModelConfig) -> bool {
        !(self.fixed)(cfg)
    }
}

// ---- fairness classes -------------------------------------------------------------------

/// The running job makes progress: Run Job, and the network answers the script fetch.
fn job_progress(_: &SwModel, _: &SwState, a: &Action) -> bool {
    matches!(
        a,
        Action::RunJob
            | Action::UpdateFetchFailed
            | Action::UpdateBytesIdentical
            | Action::UpdateEvaluationFailed
            | Action::Install
    )
}

/// Install events end (with any outcome).
fn install_event_ends(_: &SwModel, _: &SwState, a: &Action) -> bool {
    matches!(a, Action::InstallEventSettled(_))
}

/// Which kind of worker progress an action is, and for which worker.
fn progress_of(a: &Action) -> Option<(u8, u8)> {
    match a {
        Action::ActivateEvent(w) | Action::ActivateEventSettled(w) => Some((*w, 0)),
        Action::RunServiceWorker(w) | Action::WorkerStarted(w) | Action::WorkerStartFailed(w) => {
            Some((*w, 1))
        }
        Action::FunctionalEvent { worker, .. } => Some((*worker, 2)),
        Action::WaitUntilSettled {
            worker,
            fulfilled: true,
            ..
        }
        | Action::EventTimedOut(worker) => Some((*worker, 3)),
        _ => None,
    }
}

/// Worker `W` makes progress of kind `K`: 0 its activate event is dispatched or ends, 1 it begins or finishes
/// starting (or fails to), 2 its next queued event is dispatched, 3 its pending events settle or time
/// out. One weak-fairness class per worker and kind, so that one kind of progress (or one
/// worker's) never excuses the starvation of another.
fn worker_progress<const W: u8, const K: u8>(_: &SwModel, _: &SwState, a: &Action) -> bool {
    progress_of(a) == Some((W, K))
}

type Class = fn(&SwModel, &SwState, &Action) -> bool;

macro_rules! kinds {
    ($w:literal) => {
        [
            (
                concat!("worker ", $w, ": activate event dispatched or ends"),
                worker_progress::<$w, 0> as Class,
            ),
            (
                concat!("worker ", $w, ": start ends"),
                worker_progress::<$w, 1> as Class,
            ),
            (
                concat!("worker ", $w, ": events dispatched"),
                worker_progress::<$w, 2> as Class,
            ),
            (
                concat!("worker ", $w, ": pending events settle or time out"),
                worker_progress::<$w, 3> as Class,
            ),
        ]
    };
}

/// The browser keeps making internal progress: jobs run, the network answers, install events
/// end, and every worker progresses in every way (a class per worker and kind).
fn browser_progress(workers: usize) -> Vec<Fairness<SwModel>> {
    let per_worker: [[(&'static str, Class); 4]; 8] = [
        kinds!(0),
        kinds!(1),
        kinds!(2),
        kinds!(3),
        kinds!(4),
        kinds!(5),
        kinds!(6),
        kinds!(7),
    ];
    let mut fair = vec![
        Fairness {
            name: "job progress",
            class: job_progress,
        },
        Fairness {
            name: "install events end",
            class: install_event_ends,
        },
    ];
    for classes in per_worker.iter().take(workers.min(8)) {
        for (name, class) in classes {
            fair.push(Fairness {
                name,
                class: *class,
            });
        }
    }
    fair
}

/// The network comes online for good (weakly fair: it stays enabled until taken).
fn network_stabilizes(_: &SwModel, _: &SwState, a: &Action) -> bool {
    matches!(a, Action::NetworkStabilizes)
}

/// Sync tag `T` progresses: it fires when it can, and its retry delay passes.
fn sync_progress<const T: u8, const K: u8>(_: &SwModel, _: &SwState, a: &Action) -> bool {
    match (a, K) {
        (Action::SyncFire { tag }, 0) | (Action::SyncRetryDue { tag }, 1) => *tag == T,
        _ => false,
    }
}

const SYNC_CLASSES: [(&str, Class); 8] = [
    ("sync tag 0 fires", sync_progress::<0, 0>),
    ("sync tag 0 retry delay passes", sync_progress::<0, 1>),
    ("sync tag 1 fires", sync_progress::<1, 0>),
    ("sync tag 1 retry delay passes", sync_progress::<1, 1>),
    ("sync tag 2 fires", sync_progress::<2, 0>),
    ("sync tag 2 retry delay passes", sync_progress::<2, 1>),
    ("sync tag 3 fires", sync_progress::<3, 0>),
    ("sync tag 3 retry delay passes", sync_progress::<3, 1>),
];

/// Fairness for sync liveness: the browser's progress, the network eventually online for good,
/// and every tag firing and retrying when it can.
fn sync_fairness(workers: usize, tags: usize) -> Vec<Fairness<SwModel>> {
    let mut fair = browser_progress(workers);
    fair.push(Fairness {
        name: "the network eventually comes online for good",
        class: network_stabilizes,
    });
    for (name, class) in SYNC_CLASSES.iter().take(2 * tags.min(4)) {
        fair.push(Fairness {
            name,
            class: *class,
        });
    }
    fair
}

/// The map entry has a one-off sync registration of tag `T` that is not re-registered (a
/// re-registration renews the obligation).
fn sync_registered<const T: u8>(_: &SwModel, s: &SwState) -> bool {
    s.map_entry().is_some_and(|r| {
        s.reg(r)
            .sync
            .iter()
            .any(|g| g.tag == T && g.state != crate::SyncState::ReregisteredWhileFiring)
    })
}

fn sync_removed_or_renewed<const T: u8>(m: &SwModel, s: &SwState) -> bool {
    !sync_registered::<T>(m, s)
}

/// Background fetch slot `F` progresses: a record of it makes progress, its network comes back,
/// it completes.
fn bg_progress<const F: u8, const K: u8>(_: &SwModel, _: &SwState, a: &Action) -> bool {
    match (a, K) {
        (Action::BgRecordProgress { fetch, .. }, 0)
        | (Action::BgFetchOnline { fetch, .. }, 1)
        | (Action::BgFetchComplete { fetch, .. }, 2) => *fetch == F,
        _ => false,
    }
}

const BG_CLASSES: [(&str, Class); 6] = [
    ("background fetch 0: records progress", bg_progress::<0, 0>),
    (
        "background fetch 0: its network comes back",
        bg_progress::<0, 1>,
    ),
    ("background fetch 0: it completes", bg_progress::<0, 2>),
    ("background fetch 1: records progress", bg_progress::<1, 0>),
    (
        "background fetch 1: its network comes back",
        bg_progress::<1, 1>,
    ),
    ("background fetch 1: it completes", bg_progress::<1, 2>),
];

/// The map entry has a background fetch in slot `F` with no result yet.
fn bg_unfinished<const F: u8>(_: &SwModel, s: &SwState) -> bool {
    s.map_entry().is_some_and(|r| {
        s.reg(r)
            .bg
            .fetches
            .get(F as usize)
            .is_some_and(|f| f.result == crate::bgfetch::BgResult::Unset)
    })
}

fn bg_finished<const F: u8>(m: &SwModel, s: &SwState) -> bool {
    !bg_unfinished::<F>(m, s)
}

const SYNC_NAMES: [&str; 4] = [
    "sync_registration_removed[0]",
    "sync_registration_removed[1]",
    "sync_registration_removed[2]",
    "sync_registration_removed[3]",
];

// ---- predicates ---------------------------------------------------------------------------

fn worker_in(s: &SwState, w: u8, state: WorkerState) -> bool {
    (w as usize) < s.workers.len() && s.worker(w).state == state
}

fn installing<const W: u8>(_: &SwModel, s: &SwState) -> bool {
    worker_in(s, W, WorkerState::Installing)
}

fn not_installing<const W: u8>(m: &SwModel, s: &SwState) -> bool {
    !installing::<W>(m, s)
}

/// Worker `W` waits, no client uses its registration and the active worker (if any) has no
/// pending events: nothing the spec waits for is left.
fn waiting_unused<const W: u8>(_: &SwModel, s: &SwState) -> bool {
    worker_in(s, W, WorkerState::Installed) && {
        let r = s.worker(W).registration;
        s.clients_using(r) == 0
            && s.reg(r)
                .active
                .is_none_or(|a| s.worker(a).has_no_pending_events())
    }
}

/// Worker `W` waits, called skipWaiting(), and the active worker has no pending events.
fn waiting_skipped<const W: u8>(_: &SwModel, s: &SwState) -> bool {
    worker_in(s, W, WorkerState::Installed) && s.worker(W).skip_waiting && {
        let r = s.worker(W).registration;
        s.reg(r)
            .active
            .is_none_or(|a| s.worker(a).has_no_pending_events())
    }
}

/// Worker `W` is no longer waiting, or something the spec waits for is back (a client uses
/// the registration, or the active worker has pending events).
fn activated_or_held<const W: u8>(m: &SwModel, s: &SwState) -> bool {
    !worker_in(s, W, WorkerState::Installed) || !waiting_unused::<W>(m, s)
}

/// Worker `W` is no longer waiting, or the active worker has pending events again.
fn activated_or_busy<const W: u8>(m: &SwModel, s: &SwState) -> bool {
    !worker_in(s, W, WorkerState::Installed) || !waiting_skipped::<W>(m, s)
}

fn front_unsettled<const ODD: bool>(_: &SwModel, s: &SwState) -> bool {
    s.finished_jobs_odd == Some(ODD) && s.jobs.first().is_some_and(|j| !j.settled)
}

fn front_settled_or_finished<const ODD: bool>(_: &SwModel, s: &SwState) -> bool {
    s.finished_jobs_odd != Some(ODD) || s.jobs.first().is_none_or(|j| j.settled)
}

/// An unregistered registration that no client uses still has a worker.
fn unregistered_unused(_: &SwModel, s: &SwState) -> bool {
    (0..s.registrations.len() as u8).any(|r| {
        s.is_unregistered(r)
            && !s.reg(r).cleared
            && s.reg(r).newest().is_some()
            && s.clients_using(r) == 0
    })
}

fn no_unregistered_unused(m: &SwModel, s: &SwState) -> bool {
    !unregistered_unused(m, s)
}

fn has_tasks<const W: u8>(_: &SwModel, s: &SwState) -> bool {
    (W as usize) < s.workers.len() && !s.worker(W).tasks.is_empty()
}

fn no_tasks<const W: u8>(m: &SwModel, s: &SwState) -> bool {
    !has_tasks::<W>(m, s)
}

fn backed_up(_: &SwModel, s: &SwState) -> bool {
    s.registrations.iter().any(|r| !r.backup.is_empty())
}

fn nothing_backed_up(m: &SwModel, s: &SwState) -> bool {
    !backed_up(m, s)
}

// ---- the properties -----------------------------------------------------------------------

type Pred = fn(&SwModel, &SwState) -> bool;

/// Per-worker predicate pairs, indexed by worker id.
macro_rules! per_worker {
    ($f:ident) => {
        [
            $f::<0>, $f::<1>, $f::<2>, $f::<3>, $f::<4>, $f::<5>, $f::<6>, $f::<7>,
        ]
    };
}

const NAMES_INSTALL: [&str; 8] = [
    "installing_worker_settles[0]",
    "installing_worker_settles[1]",
    "installing_worker_settles[2]",
    "installing_worker_settles[3]",
    "installing_worker_settles[4]",
    "installing_worker_settles[5]",
    "installing_worker_settles[6]",
    "installing_worker_settles[7]",
];
const NAMES_UNUSED: [&str; 8] = [
    "waiting_worker_activated_when_unused[0]",
    "waiting_worker_activated_when_unused[1]",
    "waiting_worker_activated_when_unused[2]",
    "waiting_worker_activated_when_unused[3]",
    "waiting_worker_activated_when_unused[4]",
    "waiting_worker_activated_when_unused[5]",
    "waiting_worker_activated_when_unused[6]",
    "waiting_worker_activated_when_unused[7]",
];
const NAMES_SKIP: [&str; 8] = [
    "skip_waiting_worker_activated[0]",
    "skip_waiting_worker_activated[1]",
    "skip_waiting_worker_activated[2]",
    "skip_waiting_worker_activated[3]",
    "skip_waiting_worker_activated[4]",
    "skip_waiting_worker_activated[5]",
    "skip_waiting_worker_activated[6]",
    "skip_waiting_worker_activated[7]",
];
const NAMES_TASKS: [&str; 8] = [
    "queued_events_dispatched[0]",
    "queued_events_dispatched[1]",
    "queued_events_dispatched[2]",
    "queued_events_dispatched[3]",
    "queued_events_dispatched[4]",
    "queued_events_dispatched[5]",
    "queued_events_dispatched[6]",
    "queued_events_dispatched[7]",
];

fn finding_1(c: &ModelConfig) -> bool {
    c.fixes.activate_retries_try_activate
}

fn finding_4(c: &ModelConfig) -> bool {
    c.fixes.requeue_backed_up_tasks
}

/// The liveness properties for a configuration (per-worker ones for every worker id it allows).
pub fn progress_properties(cfg: &ModelConfig) -> Vec<ProgressProperty> {
    let workers = (cfg.max_workers as usize).min(8);
    let fair = || browser_progress(workers);
    let mut props = Vec::new();
    let installing_p: [Pred; 8] = per_worker!(installing);
    let not_installing_p: [Pred; 8] = per_worker!(not_installing);
    let waiting_unused_p: [Pred; 8] = per_worker!(waiting_unused);
    let waiting_skipped_p: [Pred; 8] = per_worker!(waiting_skipped);
    let activated_or_held_p: [Pred; 8] = per_worker!(activated_or_held);
    let activated_or_busy_p: [Pred; 8] = per_worker!(activated_or_busy);
    let has_tasks_p: [Pred; 8] = per_worker!(has_tasks);
    let no_tasks_p: [Pred; 8] = per_worker!(no_tasks);
    for w in 0..workers {
        props.push(ProgressProperty {
            property: LivenessProperty {
                name: NAMES_INSTALL[w],
                spec: "§Install",
                summary: "an installing worker eventually becomes installed or redundant",
                trigger: installing_p[w],
                goal: not_installing_p[w],
                fairness: fair(),
            },
            finding: None,
        });
    }
    for (odd, name) in [
        (false, "job_promise_settles[even]"),
        (true, "job_promise_settles[odd]"),
    ] {
        props.push(ProgressProperty {
            property: LivenessProperty {
                name,
                spec: "§Run Job; §Finish Job; §Resolve Job Promise",
                summary: "the front job's promise eventually settles (or the job finishes)",
                trigger: if odd {
                    front_unsettled::<true>
                } else {
                    front_unsettled::<false>
                },
                goal: if odd {
                    front_settled_or_finished::<true>
                } else {
                    front_settled_or_finished::<false>
                },
                fairness: fair(),
            },
            finding: None,
        });
    }
    for w in 0..workers {
        props.push(ProgressProperty {
            property: LivenessProperty {
                name: NAMES_UNUSED[w],
                spec: "§Try Activate; §Handle Service Worker Client Unload; §Activate",
                summary: "a waiting worker is eventually activated once no client uses the registration and the active worker's events settled (unless a client or an event comes back)",
                trigger: waiting_unused_p[w],
                goal: activated_or_held_p[w],
                fairness: fair(),
            },
            finding: Some(Finding {
                note: "finding 1 (stranded waiting worker)",
                fixed: finding_1,
            }),
        });
        props.push(ProgressProperty {
            property: LivenessProperty {
                name: NAMES_SKIP[w],
                spec: "§skipWaiting(); §Try Activate",
                summary: "a waiting worker that called skipWaiting() is eventually activated, even with clients (unless the active worker gets pending events again)",
                trigger: waiting_skipped_p[w],
                goal: activated_or_busy_p[w],
                fairness: fair(),
            },
            finding: Some(Finding {
                note: "finding 1 (stranded waiting worker)",
                fixed: finding_1,
            }),
        });
    }
    props.push(ProgressProperty {
        property: LivenessProperty {
            name: "unregistered_registration_cleared",
            spec: "§Try Clear Registration; §Clear Registration",
            summary: "an unregistered registration no client uses is eventually cleared",
            trigger: unregistered_unused,
            goal: no_unregistered_unused,
            fairness: fair(),
        },
        finding: None,
    });
    if cfg.max_pending_events > 0 {
        for w in 0..workers {
            props.push(ProgressProperty {
                property: LivenessProperty {
                    name: NAMES_TASKS[w],
                    spec: "§Fire Functional Event; §Create Fetch Event and Dispatch",
                    summary: "events queued on a worker are eventually dispatched or dropped by termination",
                    trigger: has_tasks_p[w],
                    goal: no_tasks_p[w],
                    fairness: fair(),
                },
                finding: None,
            });
        }
    }
    if cfg.fetch_events && cfg.max_pending_events > 0 {
        props.push(ProgressProperty {
            property: LivenessProperty {
                name: "backed_up_tasks_requeued",
                spec: "§Terminate Service Worker; §Run Service Worker",
                summary: "tasks backed up by termination are eventually queued to a worker again",
                trigger: backed_up,
                goal: nothing_backed_up,
                fairness: fair(),
            },
            finding: Some(Finding {
                note: "finding 4 (backed-up tasks wait for a restart)",
                fixed: finding_4,
            }),
        });
    }
    if cfg.sync && cfg.profile.params().apis.sync && cfg.max_pending_events > 0 {
        let trig: [Pred; 4] = [
            sync_registered::<0>,
            sync_registered::<1>,
            sync_registered::<2>,
            sync_registered::<3>,
        ];
        let goal: [Pred; 4] = [
            sync_removed_or_renewed::<0>,
            sync_removed_or_renewed::<1>,
            sync_removed_or_renewed::<2>,
            sync_removed_or_renewed::<3>,
        ];
        let tags = (cfg.sync_tags as usize).min(4);
        for t in 0..tags {
            props.push(ProgressProperty {
                property: LivenessProperty {
                    name: SYNC_NAMES[t],
                    spec: "Background Sync §fire a sync event",
                    summary: "every one-off sync registration is eventually removed (success or final attempt) if the network is eventually online for good, unless registered again while firing",
                    trigger: trig[t],
                    goal: goal[t],
                                        fairness: sync_fairness(workers, tags),
                },
                // A sync event queued when its worker is killed is backed up and waits for a
                // restart that nothing triggers.
                finding: Some(Finding {
                    note: "finding 4 (backed-up tasks wait for a restart)",
                    fixed: finding_4,
                }),
            });
        }
    }
    if cfg.background_fetch && cfg.profile.params().apis.background_fetch {
        let fetches = (cfg.max_bg_fetches as usize).min(2);
        let trig: [Pred; 2] = [bg_unfinished::<0>, bg_unfinished::<1>];
        let goal: [Pred; 2] = [bg_finished::<0>, bg_finished::<1>];
        let names = ["bg_fetch_gets_a_result[0]", "bg_fetch_gets_a_result[1]"];
        for f in 0..fetches {
            let mut fairness = browser_progress(workers);
            fairness.push(Fairness {
                name: "the network eventually comes online for good",
                class: network_stabilizes,
            });
            for (name, class) in BG_CLASSES.iter().take(3 * fetches) {
                fairness.push(Fairness {
                    name,
                    class: *class,
                });
            }
            props.push(ProgressProperty {
                property: LivenessProperty {
                    name: names[f],
                    spec: "Background Fetch §Perform a background fetch",
                                        summary: "every background fetch eventually has a result (success or failure), if the network is eventually online for good and its records keep progressing",
                    trigger: trig[f],
                    goal: goal[f],
                    fairness,
                },
                finding: None,
            });
        }
    }
    props
}
