//! The predicates the property table (properties.rs) is written in: when a property applies
//! to a configuration, and the state queries its conditions share.

use crate::observe::EventName;
use crate::{
    BgFetch, BgResult, EventKind, FailureReason, ForcedStop, JobPhase, ModelConfig, Profile,
    SwModel, SwState, WorkerState,
};

pub(super) fn always_applies(_: &ModelConfig) -> bool {
    true
}

pub(super) fn with_fetch(c: &ModelConfig) -> bool {
    c.fetch_events && c.max_pending_events > 0
}

pub(super) fn with_messages(c: &ModelConfig) -> bool {
    c.max_pending_events > 0
}

pub(super) fn with_push(c: &ModelConfig) -> bool {
    c.push && c.max_pending_events > 0
}

/// Some stop cause can hit a worker with queued tasks: a forced stop at any time, or an
/// unresponsive-script stop (the spec allows both; Firefox exposes neither).
pub(super) fn can_stop_busy_worker(c: &ModelConfig) -> bool {
    let p = c.profile.params();
    p.forced_stop == ForcedStop::Anytime
        || p.unresponsive_timeout_ms.is_some()
        || c.profile == Profile::Spec
}

pub(super) fn with_sync(c: &ModelConfig) -> bool {
    c.sync && c.profile.params().apis.sync && c.max_pending_events > 0
}

pub(super) fn with_periodic(c: &ModelConfig) -> bool {
    c.periodic_sync && c.profile.params().apis.periodic_sync && c.max_pending_events > 0
}

/// Sync (or periodic, with `periodic`) events for `tag` in flight for registration `r`:
/// queued or pending on its workers, or backed up in the registration.
pub(super) fn sync_events_in_flight(s: &SwState, r: u8, tag: u8, periodic: bool) -> usize {
    let gen = s
        .reg(r)
        .periodic
        .iter()
        .find(|g| g.tag == tag)
        .map(|g| g.gen);
    let matches = |k: &EventKind| match k {
        EventKind::Sync { tag: t, .. } => !periodic && *t == tag,
        EventKind::PeriodicSync { tag: t, gen: g } => periodic && *t == tag && Some(*g) == gen,
        _ => false,
    };
    s.events_in_flight_of(r).filter(|k| matches(k)).count()
}

/// Every (periodic, with `periodic`) sync registration that is firing has exactly one event
/// in flight, and one that is not firing has none.
pub(super) fn one_event_per_firing_registration(s: &SwState, periodic: bool) -> bool {
    s.registrations.iter().enumerate().all(|(i, r)| {
        let tags: Vec<(u8, bool)> = if periodic {
            r.periodic
                .iter()
                .map(|g| {
                    let firing = matches!(
                        g.state,
                        crate::PeriodicState::Firing
                            | crate::PeriodicState::ReregisteredWhileFiring
                    );
                    (g.tag, firing)
                })
                .collect()
        } else {
            r.sync
                .iter()
                .map(|g| {
                    let firing = matches!(
                        g.state,
                        crate::SyncState::Firing | crate::SyncState::ReregisteredWhileFiring
                    );
                    (g.tag, firing)
                })
                .collect()
        };
        tags.into_iter().all(|(tag, firing)| {
            sync_events_in_flight(s, i as u8, tag, periodic) == usize::from(firing)
        })
    })
}

pub(super) fn any_sync(s: &SwState, pred: impl Fn(&crate::SyncRegistration) -> bool) -> bool {
    s.registrations.iter().any(|r| r.sync.iter().any(&pred))
}

pub(super) fn any_periodic(
    s: &SwState,
    pred: impl Fn(&crate::PeriodicRegistration) -> bool,
) -> bool {
    s.registrations.iter().any(|r| r.periodic.iter().any(&pred))
}

pub(super) fn with_bgfetch(c: &ModelConfig) -> bool {
    c.background_fetch && c.profile.params().apis.background_fetch
}

pub(super) fn with_bgfetch_events(c: &ModelConfig) -> bool {
    with_bgfetch(c) && c.max_pending_events > 0
}

/// Every background fetch slot in use (free slots hold finished fetches too) satisfies `p`.
pub(super) fn bg_all(s: &SwState, p: impl Fn(u8, u8, &BgFetch) -> bool) -> bool {
    !bg_any(s, |r, i, f| !p(r, i, f))
}

/// Some background fetch (registration, slot, fetch) satisfies `p`.
pub(super) fn bg_any(s: &SwState, p: impl Fn(u8, u8, &BgFetch) -> bool) -> bool {
    s.registrations.iter().enumerate().any(|(r, reg)| {
        reg.bg
            .fetches
            .iter()
            .enumerate()
            .any(|(i, f)| p(r as u8, i as u8, f))
    })
}

pub(super) fn bg_failed_with(s: &SwState, reason: FailureReason) -> bool {
    bg_any(s, |_, _, f| {
        f.result == BgResult::Failure && f.failure_reason == reason
    })
}

/// Every completion event queued, pending or backed up names a fetch with a result and is the
/// event that fetch's failure reason calls for.
pub(super) fn bg_completion_events_ok(s: &SwState) -> bool {
    let ok = |r: u8, k: &EventKind| match k {
        EventKind::BgFetchSuccess(i) | EventKind::BgFetchFail(i) | EventKind::BgFetchAbort(i) => {
            let fetches = &s.reg(r).bg.fetches;
            (*i as usize) < fetches.len() && {
                let f = &fetches[*i as usize];
                f.result != BgResult::Unset && f.completion_event(*i) == *k
            }
        }
        _ => true,
    };
    s.events_in_flight().all(|(r, k)| ok(r, &k))
}

pub(super) fn worker_has(s: &SwState, pred: impl Fn(u8) -> bool) -> bool {
    (0..s.workers.len() as u8).any(pred)
}

/// A worker whose front task, an event named `name`, can be dispatched now.
pub(super) fn dispatchable(m: &SwModel, s: &SwState, name: EventName) -> bool {
    worker_has(s, |w| {
        m.can_dispatch(s, w)
            && s.worker(w)
                .tasks
                .first()
                .is_some_and(|k| k.event_name() == name)
    })
}

/// A waiting worker that called skipWaiting() is held back only by the active worker's
/// pending events.
pub(super) fn held_back_by_pending_events(s: &SwState) -> bool {
    s.registrations.iter().any(|r| {
        r.waiting.is_some_and(|w| s.worker(w).skip_waiting)
            && r.active.is_some_and(|a| {
                s.worker(a).state == WorkerState::Activated && !s.worker(a).extended.is_empty()
            })
    })
}

pub(super) fn live_workers(s: &SwState) -> impl Iterator<Item = (u8, &crate::Worker)> {
    s.workers
        .iter()
        .enumerate()
        .map(|(i, w)| (i as u8, w))
        .filter(|(_, w)| w.state != WorkerState::Redundant)
}

pub(super) fn slot_count(s: &SwState, w: u8) -> usize {
    s.registrations
        .iter()
        .flat_map(|r| r.slots())
        .filter(|x| *x == Some(w))
        .count()
}

/// The new worker the front job's Update is evaluating, if any (its state is `parsed`).
pub(super) fn evaluating(s: &SwState) -> Option<u8> {
    match s.jobs.first()?.phase {
        JobPhase::Evaluating { worker, .. } => Some(worker),
        _ => None,
    }
}

pub(super) fn active_state(s: &SwState, r: u8) -> Option<WorkerState> {
    s.reg(r).active.map(|a| s.worker(a).state)
}
