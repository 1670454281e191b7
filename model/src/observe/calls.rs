//! The results of API calls other than the job calls: the step that performs a call which
//! resolves also settles its promise ([`SwModel::call_settlement`]), and a call that the spec
//! rejects is a guard step that changes no state and shows the rejection
//! ([`SwModel::call_guard_steps`]). Each rejection is the one its spec section names; the
//! predicates that decide them live with their spec concept (`sync.rs`, `push.rs`,
//! `bgfetch/perform.rs`, `clients.rs`).

use super::{CallOutcome, DownloadTotal, GuardStep, Obs, Observation, PageCall, WorkerCall};
use crate::{Action, ClientId, SwModel, SwState, WorkerId};

/// Request counts and `downloadTotal`s a guard step of `backgroundFetch.fetch()` is offered
/// with: the ones the model's actions use (the rejection depends on neither).
const BG_GUARD_CALLS: [(u8, DownloadTotal); 4] = [
    (1, DownloadTotal::None),
    (1, DownloadTotal::Below),
    (2, DownloadTotal::None),
    (2, DownloadTotal::Below),
];

impl SwModel {
    /// The settlement of `action`'s own promise, when the action is a call that resolves in
    /// the step that performs it: sync and periodic sync (un)registration, push subscription,
    /// background fetch, and the worker's `skipWaiting()` and `clients.claim()`.
    pub fn call_settlement(action: &Action) -> Option<Obs> {
        use Observation as O;
        let page = |client, call| O::CallSettled {
            client,
            call,
            outcome: CallOutcome::Resolved,
        };
        let worker = |worker, call| O::WorkerCallSettled {
            worker,
            call,
            outcome: CallOutcome::Resolved,
        };
        match *action {
            Action::SyncRegister { client, .. } => Some(page(client, PageCall::SyncRegister)),
            Action::PeriodicSyncRegister { client, .. } => {
                Some(page(client, PageCall::PeriodicSyncRegister))
            }
            Action::PeriodicSyncUnregister { client, .. } => {
                Some(page(client, PageCall::PeriodicSyncUnregister))
            }
            Action::Subscribe(client) => Some(page(client, PageCall::Subscribe)),
            Action::BackgroundFetch { client, .. } => Some(page(client, PageCall::BackgroundFetch)),
            Action::SkipWaiting(w) => Some(worker(w, WorkerCall::SkipWaiting)),
            Action::Claim(w) => Some(worker(w, WorkerCall::Claim)),
            _ => None,
        }
    }

    /// The guard steps of open client `client`'s API calls that reject or resolve without a
    /// state change, each citing the step of its spec section that decides it.
    pub(super) fn call_guard_steps(&self, s: &SwState, client: ClientId, out: &mut Vec<GuardStep>) {
        use Observation as O;
        let settled = |call, outcome| O::CallSettled {
            client,
            call,
            outcome,
        };
        // A page outside any registration cannot reach these APIs (they hang off the
        // registration object).
        let Some(r) = s.map_entry() else { return };
        if self.one_off_sync_enabled() {
            // Background Sync §register(tag): no active worker → InvalidStateError; permission
            // denied → NotAllowedError (a page is never "in the background").
            if let Some(e) = self.sync_register_rejects(s, false, false) {
                for tag in 0..self.cfg.sync_tags {
                    out.push(vec![
                        O::SyncRegister { client, tag },
                        settled(PageCall::SyncRegister, e.into()),
                    ]);
                }
            }
        }
        if self.periodic_sync_enabled() {
            // Periodic Background Sync §register(tag, options): the same three rejections.
            if let Some(e) = self.sync_register_rejects(s, true, false) {
                for tag in 0..self.cfg.sync_tags {
                    out.push(vec![
                        O::PeriodicSyncRegister { client, tag },
                        settled(PageCall::PeriodicSyncRegister, e.into()),
                    ]);
                }
            }
            // Periodic Background Sync §unregister(tag): a tag with no registration resolves,
            // removing nothing.
            for tag in 0..self.cfg.sync_tags {
                if !s.reg(r).periodic.iter().any(|g| g.tag == tag) {
                    out.push(vec![
                        O::PeriodicSyncUnregister { client, tag },
                        settled(PageCall::PeriodicSyncUnregister, CallOutcome::Resolved),
                    ]);
                }
            }
        }
        if self.cfg.push {
            // Push API §subscribe() method: no active worker → InvalidStateError, permission
            // denied → NotAllowedError; with a subscription already, it resolves with it.
            let outcome = match self.subscribe_rejects(s, true) {
                Some(e) => Some(e.into()),
                None => s.reg(r).push_subscribed.then_some(CallOutcome::Resolved),
            };
            if let Some(outcome) = outcome {
                out.push(vec![
                    O::Subscribe { client },
                    settled(PageCall::Subscribe, outcome),
                ]);
            }
        }
        if self.background_fetch_enabled() {
            self.bg_fetch_guard_steps(s, client, out);
        }
    }

    /// Background Fetch §fetch() rejections: permission denied → NotAllowedError (Chromium:
    /// TypeError), no active worker → TypeError, an id of an active fetch → TypeError.
    fn bg_fetch_guard_steps(&self, s: &SwState, client: ClientId, out: &mut Vec<GuardStep>) {
        for id in 0..self.cfg.max_bg_fetches {
            let call = self.probe_fetch_call(s, client, id);
            let Some(e) = self.bg_fetch_rejects(s, call) else {
                continue;
            };
            for (requests, download_total) in BG_GUARD_CALLS {
                out.push(vec![
                    Observation::BackgroundFetch {
                        client,
                        id,
                        requests,
                        download_total,
                    },
                    Observation::CallSettled {
                        client,
                        call: PageCall::BackgroundFetch,
                        outcome: e.into(),
                    },
                ]);
            }
        }
    }

    /// §claim() that changes no controller: InvalidStateError when `worker` is not its
    /// registration's active worker, else it resolves having taken over nobody new.
    pub(super) fn claim_guard_step(s: &SwState, worker: WorkerId) -> GuardStep {
        let outcome = if Self::claim_rejects(s, worker) {
            CallOutcome::InvalidStateError
        } else {
            CallOutcome::Resolved
        };
        vec![
            Observation::Claim { worker },
            Observation::WorkerCallSettled {
                worker,
                call: WorkerCall::Claim,
                outcome,
            },
        ]
    }

    /// §skipWaiting() that Try Activate cannot act on: it still resolves (it never rejects).
    pub(super) fn skip_waiting_guard_step(worker: WorkerId) -> GuardStep {
        vec![
            Observation::SkipWaiting { worker },
            Observation::WorkerCallSettled {
                worker,
                call: WorkerCall::SkipWaiting,
                outcome: CallOutcome::Resolved,
            },
        ]
    }
}
