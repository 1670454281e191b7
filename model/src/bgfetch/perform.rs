//! Perform a background fetch (WICG Background Fetch): what enables each Background Fetch
//! action (`SwModel::bg_actions`), the guards of the calls that reject, and the algorithms the
//! actions run: `fetch()`, Complete a record, `abort()`, the completion and click events,
//! `updateUI()`, and the records-available flag once the completion event is gone. The types are
//! in the parent module.

use super::{
    download_total_below, BgEventPhase, BgFetch, BgFetchCall, BgFetchError, BgFetchRules, BgRecord,
    BgResult, FailureReason, RecordOutcome, RecordPhase, RecordResult, CHUNKS, RECORDS,
};
use crate::{ClientId, EventKind, RegId, SwModel, SwState, WorkerId};

impl SwModel {
    /// The feature is on: the switch is set and the profile's engine has the API.
    pub fn background_fetch_enabled(&self) -> bool {
        self.cfg.background_fetch && self.cfg.profile.params().apis.background_fetch
    }

    /// The profile's departures from the spec.
    pub fn bg_rules(&self) -> BgFetchRules {
        BgFetchRules::of(self.cfg.profile)
    }

    /// The plain call page `client` makes for `id` (one request, CORS, within quota, its
    /// gesture as the page stands): what tells whether `fetch()` with that id rejects now, for
    /// the enabling rule and for the guard steps alike.
    pub(crate) fn probe_fetch_call(&self, s: &SwState, client: ClientId, id: u8) -> BgFetchCall {
        BgFetchCall {
            client,
            id,
            requests: 1,
            no_cors: false,
            over_quota: false,
            gesture: self.bg_rules().first_fetch_per_page_without_gesture
                && s.clients[client as usize].bg_fetch_started,
        }
    }

    /// §fetch(): the rejection, if any, for a call by page `call.client` on the map entry's
    /// registration. A rejected call changes no state (a guard, not an action).
    pub fn bg_fetch_rejects(&self, s: &SwState, call: BgFetchCall) -> Option<BgFetchError> {
        let rules = self.bg_rules();
        if call.requests == 0 || call.no_cors {
            return Some(BgFetchError::TypeError);
        }
        if rules.first_fetch_per_page_without_gesture
            && !call.gesture
            && s.clients[call.client as usize].bg_fetch_started
        {
            return Some(BgFetchError::TypeError);
        }
        if s.permissions.background_fetch == crate::PermissionState::Denied {
            return Some(if rules.permission_denied_is_type_error {
                BgFetchError::TypeError
            } else {
                BgFetchError::NotAllowedError
            });
        }
        let Some(r) = s.map_entry() else {
            return Some(BgFetchError::TypeError);
        };
        if s.reg(r).active.is_none() {
            return Some(BgFetchError::TypeError);
        }
        if s.reg(r)
            .bg
            .fetches
            .iter()
            .any(|f| f.active && f.id == call.id)
        {
            return Some(BgFetchError::TypeError);
        }
        if call.over_quota {
            return Some(BgFetchError::QuotaExceededError);
        }
        None
    }

    /// The slot a new fetch of registration `r` takes, when the model's bounds leave one: fewer
    /// than `max_bg_fetches` active fetches, and a free slot (or room for one more).
    fn bg_free_slot(&self, s: &SwState, r: RegId) -> Option<u8> {
        let fetches = &s.reg(r).bg.fetches;
        let active = fetches.iter().filter(|f| f.active).count();
        if active >= self.cfg.max_bg_fetches as usize {
            return None;
        }
        if let Some(i) = fetches.iter().position(|f| f.is_free()) {
            return Some(i as u8);
        }
        (fetches.len() < self.cfg.max_bg_fetches as usize).then_some(fetches.len() as u8)
    }

    /// Chromium: some fetch of the origin is unfinished and not waiting its turn.
    fn bg_origin_busy(s: &SwState) -> bool {
        s.registrations
            .iter()
            .flat_map(|r| r.bg.fetches.iter())
            .any(|f| f.result == BgResult::Unset && !f.queued)
    }

    /// §fetch() succeeds: the fetch enters the active background fetches (taking a slot) and
    /// §Perform a background fetch starts.
    pub(crate) fn bg_fetch_start(
        &self,
        s: &mut SwState,
        client: ClientId,
        id: u8,
        requests: u8,
        download_total: u8,
    ) -> Option<()> {
        let r = s.map_entry()?;
        let slot = self.bg_free_slot(s, r)?;
        let queued = self.bg_rules().one_at_a_time && Self::bg_origin_busy(s);
        let fetch = BgFetch {
            id,
            records: (0..requests).map(|_| BgRecord::default()).collect(),
            download_total,
            records_available: true,
            active: true,
            queued,
            ..BgFetch::default()
        };
        let fetches = &mut s.reg_mut(r).bg.fetches;
        if (slot as usize) < fetches.len() {
            fetches[slot as usize] = fetch;
        } else {
            fetches.push(fetch);
        }
        if self.bg_rules().first_fetch_per_page_without_gesture {
            s.clients[client as usize].bg_fetch_started = true;
        }
        Some(())
    }

    /// Can record `record` of slot `f` make progress now? Not once settled or the fetch has a
    /// result, not while paused, not while Chromium keeps the fetch waiting.
    pub fn bg_record_can_progress(&self, s: &SwState, r: RegId, f: u8, record: u8) -> bool {
        let fetch = s.bg_fetch(r, f);
        fetch.result == BgResult::Unset
            && !fetch.paused
            && !fetch.queued
            && fetch.records[record as usize].settled().is_none()
    }

    /// Is `outcome` possible for the record now?
    pub fn bg_outcome_possible(
        &self,
        s: &SwState,
        r: RegId,
        f: u8,
        record: u8,
        outcome: RecordOutcome,
    ) -> bool {
        if !self.bg_record_can_progress(s, r, f, record) {
            return false;
        }
        // Once the network is up for good (liveness runs), it is no longer temporarily
        // unavailable.
        !(s.network_stable && outcome == RecordOutcome::Offline)
    }

    /// §Complete a record: one step of record `record` of slot `f`.
    pub(crate) fn bg_record_step(
        &self,
        s: &mut SwState,
        r: RegId,
        f: u8,
        record: u8,
        outcome: RecordOutcome,
    ) {
        let network_error = if self.bg_rules().network_error_is_bad_status {
            RecordResult::BadStatus
        } else {
            RecordResult::FetchError
        };
        let fetch = s.bg_fetch_mut(r, f);
        let downloaded = fetch.downloaded();
        let total = fetch.download_total;
        let rec = &mut fetch.records[record as usize];
        match outcome {
            RecordOutcome::BadStatus => {
                rec.bytes = 0;
                rec.phase = RecordPhase::Done(RecordResult::BadStatus);
            }
            RecordOutcome::NetworkError => {
                rec.bytes = 0;
                rec.phase = RecordPhase::Done(network_error);
            }
            RecordOutcome::Quota => {
                rec.bytes = 0;
                rec.phase = RecordPhase::Done(RecordResult::QuotaExceeded);
            }
            RecordOutcome::Chunk => {
                if total > 0 && downloaded + 1 > total {
                    // §Complete a record: the fetch's stored body bytes total (every record's,
                    // so with one request too) would pass downloadTotal: this record fails and
                    // the abort all flag terminates the others (§Perform a background fetch).
                    rec.bytes = 0;
                    rec.phase = RecordPhase::Done(RecordResult::DownloadTotalExceeded);
                    Self::bg_abort_all(fetch);
                } else {
                    rec.bytes += 1;
                    if rec.bytes == CHUNKS {
                        rec.phase = RecordPhase::Done(RecordResult::Success);
                    }
                }
            }
            // Temporarily unavailable: every unsettled record waits, then retries.
            RecordOutcome::Offline => fetch.paused = true,
        }
    }

    /// The network is back: the paused fetch's records re-request with a `Range` header for the
    /// bytes they hold. With `restart`, the server ignores the range and answers 200: the stored
    /// responses are replaced and their bytes dropped (`downloaded` goes down).
    pub(crate) fn bg_online(s: &mut SwState, r: RegId, f: u8, restart: bool) {
        let fetch = s.bg_fetch_mut(r, f);
        fetch.paused = false;
        if restart {
            for rec in &mut fetch.records {
                if rec.settled().is_none() {
                    rec.bytes = 0;
                }
            }
        }
    }

    /// Can the network restart a record of slot `f` when the fetch resumes (some unsettled
    /// record holds bytes)?
    pub fn bg_restart_possible(s: &SwState, r: RegId, f: u8) -> bool {
        let fetch = s.bg_fetch(r, f);
        fetch.paused
            && fetch
                .records
                .iter()
                .any(|rec| rec.settled().is_none() && rec.bytes > 0)
    }

    /// Sets the abort all flag: every unsettled record ends `"aborted"`.
    fn bg_abort_all(fetch: &mut BgFetch) {
        fetch.abort_all = true;
        fetch.paused = false;
        fetch.queued = false;
        for rec in &mut fetch.records {
            if rec.settled().is_none() {
                rec.bytes = 0;
                rec.phase = RecordPhase::Done(RecordResult::Aborted);
            }
        }
    }

    /// §abort(): the fetch leaves the active background fetches and its records are aborted
    /// (`abort()` resolves true). On a fetch that is no longer active it resolves false and
    /// changes nothing, so that case is not an action.
    pub(crate) fn bg_abort(s: &mut SwState, r: RegId, f: u8) -> Option<()> {
        let fetch = s.bg_fetch_mut(r, f);
        if !fetch.active {
            return None;
        }
        fetch.active = false;
        Self::bg_abort_all(fetch);
        Some(())
    }

    /// What `abort()` on slot `f` would resolve with.
    pub fn bg_abort_result(s: &SwState, r: RegId, f: u8) -> bool {
        s.bg_fetch(r, f).active
    }

    /// Can §Perform a background fetch finish slot `f` now? Every record settled. Not limited by
    /// `max_pending_events`: a fetch fires one completion event, so they are bounded by
    /// `max_bg_fetches`, and a bound here would let other events (a user clicking the UI)
    /// starve completion in the liveness check, which the real system does not.
    pub fn bg_can_complete(&self, s: &SwState, r: RegId, f: u8) -> bool {
        let fetch = s.bg_fetch(r, f);
        fetch.result == BgResult::Unset && fetch.all_settled()
    }

    /// §Perform a background fetch, the end: leave the active background fetches (or, when
    /// `abort()` already removed it, failure reason `"aborted"`), set `result` and
    /// `failureReason`, and Fire Functional Event with the matching completion event.
    pub(crate) fn bg_complete(&self, s: &mut SwState, r: RegId, f: u8) {
        let fetch = s.bg_fetch_mut(r, f);
        if fetch.result != BgResult::Unset {
            s.reg_mut(r).bg.ghost.result_changed = true;
            return;
        }
        let reason = if fetch.active {
            fetch.active = false;
            fetch.records_failure_reason()
        } else {
            FailureReason::Aborted
        };
        fetch.failure_reason = reason;
        fetch.result = if reason == FailureReason::None {
            BgResult::Success
        } else {
            BgResult::Failure
        };
        let kind = if self.cfg.bug == Some(crate::Bug::BgFetchAbortFiresFail)
            && reason == FailureReason::Aborted
        {
            EventKind::BgFetchFail(f)
        } else {
            fetch.completion_event(f)
        };
        fetch.event = BgEventPhase::Fired;
        if self.bg_rules().one_at_a_time {
            // The origin's next waiting fetch starts.
            'next: for reg in &mut s.registrations {
                for other in &mut reg.bg.fetches {
                    if other.queued {
                        other.queued = false;
                        break 'next;
                    }
                }
            }
        }
        let fire = self.cfg.max_pending_events > 0;
        if let (Some(a), true) = (s.reg(r).active, fire) {
            Self::queue_task(s, a, kind);
        }
    }

    /// §Fire a background fetch click event: the user activates the fetch's UI.
    pub(crate) fn bg_click(s: &mut SwState, r: RegId, f: u8) {
        if let Some(a) = s.reg(r).active {
            Self::queue_task(s, a, EventKind::BgFetchClick(f));
        }
    }

    /// §updateUI() succeeds: the UI updated flag is set.
    pub(crate) fn bg_update_ui(s: &mut SwState, r: RegId, f: u8) {
        if s.bg_update_ui_rejects(r, f).is_some() {
            s.reg_mut(r).bg.ghost.bad_update_ui = true;
        }
        s.bg_fetch_mut(r, f).ui_updated = true;
    }

    /// A Background Fetch event is dispatched to worker `w` (called from `dispatch`): it must be
    /// the registration's activated active worker.
    pub(crate) fn bg_event_dispatched(s: &mut SwState, w: WorkerId, kind: EventKind) {
        if kind.bg_fetch_slot().is_none() {
            return;
        }
        let r = s.worker(w).registration;
        let ok = s.reg(r).active == Some(w) && s.worker(w).state == crate::WorkerState::Activated;
        if !ok {
            s.reg_mut(r).bg.ghost.completion_event_to_inactive_worker = true;
        }
    }

    /// After every step: unset the records-available flag of fetches whose completion event
    /// ended (`bg_sweep`), and record in the history flags a fetch whose flag came back. A slot
    /// that a new fetch took (free before, a fresh fetch now) is a different fetch.
    pub(crate) fn bg_after_step(last: &SwState, s: &mut SwState) {
        Self::bg_sweep(s);
        for r in 0..s.registrations.len().min(last.registrations.len()) as RegId {
            let before = &last.reg(r).bg.fetches;
            let restored = s
                .reg(r)
                .bg
                .fetches
                .iter()
                .zip(before.iter())
                .any(|(now, was)| {
                    let new_fetch =
                        was.is_free() && !now.is_free() && now.event == BgEventPhase::NotFired;
                    !new_fetch && !was.records_available && now.records_available
                });
            if restored {
                s.reg_mut(r).bg.ghost.records_available_restored = true;
            }
        }
    }

    /// A fired completion event that is nowhere any more (it ended, timed out, or was lost with
    /// its worker) is no longer active, so the records-available flag is unset (§Perform a
    /// background fetch, the steps after Fire Functional Event).
    pub(crate) fn bg_sweep(s: &mut SwState) {
        for r in 0..s.registrations.len() as RegId {
            for f in 0..s.reg(r).bg.fetches.len() as u8 {
                if s.bg_fetch(r, f).event == BgEventPhase::Fired
                    && s.bg_completion_events(r, f).next().is_none()
                {
                    // Nothing can observe the fetch any more but a page's stale
                    // BackgroundFetchRegistration, whose match()/matchAll() now reject: the slot
                    // keeps only that and its outcome (a free slot).
                    let old = s.bg_fetch(r, f);
                    *s.bg_fetch_mut(r, f) = BgFetch {
                        event: BgEventPhase::Ended,
                        records_available: false,
                        result: old.result,
                        failure_reason: old.failure_reason,
                        abort_all: old.abort_all,
                        ..BgFetch::default()
                    };
                }
            }
        }
    }

    /// Clear Registration drops the registration's background fetches (Background Fetch,
    /// §Privacy: "clearing a service worker registration will clear all associated background
    /// fetches").
    pub(crate) fn bg_clear(s: &mut SwState, r: RegId) {
        s.reg_mut(r).bg.fetches.clear();
    }

    /// Background Fetch actions: pages' `fetch()` and `abort()`, the network's record steps,
    /// coming back online, finishing, the UI click, `updateUI()`, and the permission.
    pub(crate) fn bg_actions(&self, s: &SwState, actions: &mut Vec<crate::Action>) {
        use crate::Action;
        let rules = self.bg_rules();
        if let Some(r) = s.map_entry() {
            if self.bg_free_slot(s, r).is_some() {
                for (i, c) in s.clients.iter().enumerate() {
                    if !c.open {
                        continue;
                    }
                    let client = i as ClientId;
                    for id in 0..self.cfg.max_bg_fetches {
                        let call = self.probe_fetch_call(s, client, id);
                        if self.bg_fetch_rejects(s, call).is_some() {
                            continue;
                        }
                        // Background Fetch §fetch(): one or two requests, with no
                        // downloadTotal or one below the bytes served, which §Complete a record
                        // fails once the stored total passes it, with one request or two.
                        for requests in 1..=RECORDS as u8 {
                            for download_total in [0, download_total_below(requests)] {
                                actions.push(Action::BackgroundFetch {
                                    client,
                                    id,
                                    requests,
                                    download_total,
                                    gesture: call.gesture,
                                });
                            }
                        }
                    }
                }
            }
        }
        for r in 0..s.registrations.len() as RegId {
            let reg = s.reg(r);
            for (fi, fetch) in reg.bg.fetches.iter().enumerate() {
                let f = fi as u8;
                if fetch.is_free() {
                    continue;
                }
                if fetch.active {
                    actions.push(Action::BgFetchAbort {
                        registration: r,
                        fetch: f,
                    });
                }
                if fetch.paused && fetch.result == BgResult::Unset {
                    actions.push(Action::BgFetchOnline {
                        registration: r,
                        fetch: f,
                        restart: false,
                    });
                    if Self::bg_restart_possible(s, r, f) {
                        actions.push(Action::BgFetchOnline {
                            registration: r,
                            fetch: f,
                            restart: true,
                        });
                    }
                }
                for record in 0..fetch.records.len() as u8 {
                    for outcome in RecordOutcome::ALL {
                        if self.bg_outcome_possible(s, r, f, record, outcome) {
                            actions.push(Action::BgRecordProgress {
                                registration: r,
                                fetch: f,
                                record,
                                outcome,
                            });
                        }
                    }
                }
                if self.bg_can_complete(s, r, f) {
                    actions.push(Action::BgFetchComplete {
                        registration: r,
                        fetch: f,
                    });
                }
                if rules.click {
                    if let Some(a) = reg.active {
                        if self.can_receive(s, a) {
                            actions.push(Action::BgFetchClick {
                                registration: r,
                                fetch: f,
                            });
                        }
                    }
                }
                // Bug::BgUpdateUiTwice forgets the UI updated flag.
                let twice = self.cfg.bug == Some(crate::Bug::BgUpdateUiTwice)
                    && fetch.ui_updated
                    && fetch.failure_reason != FailureReason::Aborted
                    && s.workers_of(r).any(|w| {
                        s.worker(w)
                            .extended
                            .iter()
                            .any(|k| k.is_bg_completion_of(f))
                    });
                let may_update = s.bg_update_ui_rejects(r, f).is_none() || twice;
                if may_update {
                    actions.push(Action::BgUpdateUi {
                        registration: r,
                        fetch: f,
                    });
                }
            }
        }
        Self::toggle_permission(s, crate::Permission::BackgroundFetch, actions);
    }
}
