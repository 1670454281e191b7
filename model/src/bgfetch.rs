//! Background Fetch (WICG Background Fetch, `index.bs`): `backgroundFetch.fetch()`, the records a
//! fetch downloads, `abort()`, the completion events `backgroundfetchsuccess`,
//! `backgroundfetchfail` and `backgroundfetchabort`, `backgroundfetchclick`, `updateUI()` and the
//! records-available flag.
//!
//! A registration keeps its background fetches in [`BgFetches`]. A fetch is *active* while it is
//! in the registration's active background fetches (the map keyed by id that `getIds()` lists);
//! §Perform a background fetch removes it when it finishes (or `abort()` removed it earlier), sets
//! `result` and `failureReason`, and fires one completion event through Fire Functional Event on
//! the active worker. Once that event is no longer active the records-available flag is unset.
//!
//! Abstractions (SPEC_NOTES.md, "Background Fetch"):
//! * fetches sit in `max_bg_fetches` fixed slots; a slot is taken from `fetch()` until the
//!   fetch's completion event ended, then it is free for a new fetch. So the bound counts
//!   finished fetches whose event is pending too. Completion events name their fetch by slot;
//! * ids come from `0..max_bg_fetches` (enough for every active fetch to have its own), so a
//!   page both reuses the id of a completed fetch and meets the duplicate-id rejection;
//! * a fetch has one or two GET requests without bodies (`uploadTotal` = `uploaded` = 0), every
//!   response body is [`CHUNKS`] chunks long, and byte counts are counted in chunks; the page
//!   passes `downloadTotal` 0 (none) or, with two requests, [`CHUNKS`] (room for one body);
//! * a record that fails keeps no bytes (only a successful record's body stays stored), so
//!   `downloaded` counts the bodies that are still of use;
//! * once its completion event ended, a fetch is reduced to a free slot (records unavailable,
//!   result, failure reason and abort all flag kept, nothing else);
//! * the network's choices for a record are [`RecordOutcome`]s; a record does not distinguish
//!   "request sent" from "body streaming" (its stored chunks tell how far it got); going offline
//!   pauses the whole fetch (its paused flag) until the network is back, when the server either
//!   honours the records' range requests or restarts every partial body (bytes dropped);
//! * `abort()` (from a page, or the user through the UI) terminates the unsettled records at once.

use crate::{ClientId, EventKind, List, RegId, SwModel, SwState, WorkerId};
use serde::{Deserialize, Serialize};
use swspec_model_derive::{observed_type, state_type};

/// Records per fetch (the page passes one or two requests).
pub const RECORDS: usize = 2;
/// Fetch slots per registration (the largest `max_bg_fetches`).
pub const BG_FETCHES: usize = 2;
/// Chunks in every response body.
pub const CHUNKS: u8 = 2;

/// `BackgroundFetchResult`.
#[observed_type(Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum BgResult {
    /// `""`: not finished.
    #[default]
    Unset,
    /// `"success"`.
    Success,
    /// `"failure"`.
    Failure,
}

/// `BackgroundFetchFailureReason`.
#[observed_type(Copy, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FailureReason {
    /// `""`.
    #[default]
    None,
    /// `"aborted"`: `abort()` or the user.
    Aborted,
    /// `"bad-status"`: a response had a not-ok status.
    BadStatus,
    /// `"fetch-error"`: a network error that cannot be retried.
    FetchError,
    /// `"quota-exceeded"`: storing a response hit the storage quota.
    QuotaExceeded,
    /// `"download-total-exceeded"`: more bytes than `downloadTotal` arrived.
    DownloadTotalExceeded,
}

/// How a record settled (§Complete a record: the background fetch response's result).
#[state_type(Copy)]
#[serde(rename_all = "kebab-case")]
pub enum RecordResult {
    /// `"success"`.
    Success,
    /// `"bad-status"`.
    BadStatus,
    /// `"fetch-error"`.
    FetchError,
    /// `"quota-exceeded"`.
    QuotaExceeded,
    /// `"download-total-exceeded"`.
    DownloadTotalExceeded,
    /// `"aborted"`: terminated by the abort all flag.
    Aborted,
}

impl RecordResult {
    /// The fetch's failure reason this record result stands for.
    pub fn failure_reason(self) -> FailureReason {
        match self {
            RecordResult::Success => FailureReason::None,
            RecordResult::BadStatus => FailureReason::BadStatus,
            RecordResult::FetchError => FailureReason::FetchError,
            RecordResult::QuotaExceeded => FailureReason::QuotaExceeded,
            RecordResult::DownloadTotalExceeded => FailureReason::DownloadTotalExceeded,
            RecordResult::Aborted => FailureReason::Aborted,
        }
    }
}

/// Where a record's fetch is.
#[state_type(Copy, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RecordPhase {
    /// Being fetched: the request is out or its ok response's body is streaming (the model does
    /// not tell the two apart; the bytes stored say how far it got).
    #[default]
    Fetching,
    /// Settled.
    Done(RecordResult),
}

/// One record: its phase and the chunks of its response body stored so far.
#[state_type(Copy, Default)]
pub struct BgRecord {
    /// Where its fetch is.
    pub phase: RecordPhase,
    /// Chunks stored (`0..=CHUNKS`).
    pub bytes: u8,
}

impl BgRecord {
    /// Settled with `r`.
    pub fn settled(&self) -> Option<RecordResult> {
        match self.phase {
            RecordPhase::Done(r) => Some(r),
            _ => None,
        }
    }
}

/// What the network (or the storage) does next for one unsettled record (§Complete a record).
#[state_type(Copy)]
#[serde(rename_all = "kebab-case")]
pub enum RecordOutcome {
    /// One chunk of an ok response's body is stored (the first chunk stands for the response's
    /// arrival); the last one settles the record with `"success"`, one past `downloadTotal`
    /// settles it with `"download-total-exceeded"`.
    Chunk,
    /// A response with a not-ok status: `"bad-status"` (it replaces the stored response; its
    /// body is not counted).
    BadStatus,
    /// A network error that cannot be retried: `"fetch-error"` (Chromium: retried, then
    /// `"bad-status"`).
    NetworkError,
    /// The network is temporarily unavailable: the fetch is paused and retried later
    /// ([`crate::Action::BgFetchOnline`]).
    Offline,
    /// Storing a chunk fails on the storage quota: `"quota-exceeded"`.
    Quota,
}

impl RecordOutcome {
    /// Every outcome, in action order.
    pub const ALL: [RecordOutcome; 5] = [
        RecordOutcome::Chunk,
        RecordOutcome::BadStatus,
        RecordOutcome::NetworkError,
        RecordOutcome::Offline,
        RecordOutcome::Quota,
    ];
}

/// Where a fetch's completion event is.
#[state_type(Copy, Default)]
#[serde(rename_all = "kebab-case")]
pub enum BgEventPhase {
    /// Not fired (the fetch has no result yet).
    #[default]
    NotFired,
    /// Fired: queued, dispatched or extended on a worker, or backed up in the registration.
    Fired,
    /// No longer active (or lost with its worker): the records-available flag is unset.
    Ended,
}

/// One background fetch (§Background fetch).
#[state_type(Default)]
pub struct BgFetch {
    /// Its id (`0..max_bg_fetches`).
    pub id: u8,
    /// Its records.
    pub records: List<BgRecord, RECORDS>,
    /// `downloadTotal` in chunks; 0 when the page gave none.
    pub download_total: u8,
    /// `result`.
    pub result: BgResult,
    /// `failureReason`.
    pub failure_reason: FailureReason,
    /// The records available flag.
    pub records_available: bool,
    /// The paused flag (set while the network is unavailable).
    pub paused: bool,
    /// The abort all flag (`abort()`, or a record exceeded `downloadTotal`).
    pub abort_all: bool,
    /// In the registration's active background fetches (`getIds()` lists it).
    pub active: bool,
    /// Chromium only: waiting for the origin's running fetch to finish.
    pub queued: bool,
    /// Its completion event.
    pub event: BgEventPhase,
    /// The completion event's UI updated flag (`updateUI()` ran).
    pub ui_updated: bool,
}

impl BgFetch {
    /// `downloaded`: chunks stored over all records.
    pub fn downloaded(&self) -> u8 {
        self.records.iter().map(|r| r.bytes).sum()
    }

    /// `uploadTotal`: the model's requests have no bodies.
    pub fn upload_total(&self) -> u8 {
        0
    }

    /// `uploaded`: always 0 (no request bodies).
    pub fn uploaded(&self) -> u8 {
        0
    }

    /// Every record settled.
    pub fn all_settled(&self) -> bool {
        self.records.iter().all(|r| r.settled().is_some())
    }

    /// The slot is free: its fetch finished and its completion event ended.
    pub fn is_free(&self) -> bool {
        self.event == BgEventPhase::Ended
    }

    /// The completion event §Perform a background fetch fires for the failure reason.
    pub fn completion_event(&self, slot: u8) -> EventKind {
        match self.failure_reason {
            FailureReason::None => EventKind::BgFetchSuccess(slot),
            FailureReason::Aborted => EventKind::BgFetchAbort(slot),
            _ => EventKind::BgFetchFail(slot),
        }
    }

    /// The failure reason the records give: download-total-exceeded when a record exceeded
    /// `downloadTotal` (the others were aborted because of it), else the first failing record's.
    fn records_failure_reason(&self) -> FailureReason {
        let results = self.records.iter().filter_map(|r| r.settled());
        if results
            .clone()
            .any(|r| r == RecordResult::DownloadTotalExceeded)
        {
            return FailureReason::DownloadTotalExceeded;
        }
        results
            .map(RecordResult::failure_reason)
            .find(|f| *f != FailureReason::None)
            .unwrap_or_default()
    }
}

/// History flags for Background Fetch transition properties; each stays false in a correct
/// model, so they add no states.
#[state_type(Copy, Default)]
pub struct BgGhost {
    /// A fetch that already had a result was finalised again.
    pub result_changed: bool,
    /// A completion event was dispatched to a worker that was not the registration's activated
    /// active worker.
    pub completion_event_to_inactive_worker: bool,
    /// `updateUI()` succeeded where the spec throws (second call, inactive event, abort event).
    pub bad_update_ui: bool,
    /// The records-available flag was set again on a fetch whose flag was unset.
    pub records_available_restored: bool,
}

/// A registration's background fetches.
#[state_type(Default)]
pub struct BgFetches {
    /// Fetch slots (see the module documentation).
    pub fetches: List<BgFetch, BG_FETCHES>,
    /// History flags.
    pub ghost: BgGhost,
}

/// Why a Background Fetch call rejects (or throws).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BgFetchError {
    /// `TypeError`.
    TypeError,
    /// `NotAllowedError`.
    NotAllowedError,
    /// `QuotaExceededError`.
    QuotaExceededError,
    /// `InvalidStateError`.
    InvalidStateError,
    /// `AbortError`.
    AbortError,
}

/// A `backgroundFetch.fetch()` call as the guard sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BgFetchCall {
    /// The calling page.
    pub client: ClientId,
    /// The id.
    pub id: u8,
    /// Number of requests (0 is an empty sequence).
    pub requests: u8,
    /// One request has mode `no-cors`.
    pub no_cors: bool,
    /// Storing the requests would exceed the storage quota.
    pub over_quota: bool,
    /// The call follows a user gesture (only Chromium cares).
    pub gesture: bool,
}

/// Where an engine departs from the Background Fetch spec (SPEC_NOTES.md, "Background Fetch").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BgFetchRules {
    /// An origin's fetches run one at a time; later ones wait.
    pub one_at_a_time: bool,
    /// A network error is retried and ends as `"bad-status"`, never `"fetch-error"`.
    pub network_error_is_bad_status: bool,
    /// Only the first fetch of a page may start without a user gesture (TypeError otherwise).
    pub first_fetch_per_page_without_gesture: bool,
    /// Permission denied rejects with TypeError instead of NotAllowedError.
    pub permission_denied_is_type_error: bool,
    /// The UI can be clicked (`backgroundfetchclick`); headless Chromium shows none.
    pub click: bool,
}

impl BgFetchRules {
    /// The rules of a profile.
    pub fn of(profile: crate::Profile) -> BgFetchRules {
        let chromium = profile == crate::Profile::Chromium;
        BgFetchRules {
            one_at_a_time: chromium,
            network_error_is_bad_status: chromium,
            first_fetch_per_page_without_gesture: chromium,
            permission_denied_is_type_error: chromium,
            click: !chromium,
        }
    }
}

impl EventKind {
    /// The Background Fetch slot an event is about (completion and click events).
    pub fn bg_fetch_slot(self) -> Option<u8> {
        match self {
            EventKind::BgFetchSuccess(f)
            | EventKind::BgFetchFail(f)
            | EventKind::BgFetchAbort(f)
            | EventKind::BgFetchClick(f) => Some(f),
            _ => None,
        }
    }

    /// A completion event (success, fail or abort) of slot `slot`.
    pub fn is_bg_completion_of(self, slot: u8) -> bool {
        matches!(self, EventKind::BgFetchSuccess(f) | EventKind::BgFetchFail(f) | EventKind::BgFetchAbort(f) if f == slot)
    }
}

impl SwState {
    /// Registration `r`'s fetch in slot `f`.
    pub fn bg_fetch(&self, r: RegId, f: u8) -> &BgFetch {
        &self.reg(r).bg.fetches[f as usize]
    }

    fn bg_fetch_mut(&mut self, r: RegId, f: u8) -> &mut BgFetch {
        &mut self.reg_mut(r).bg.fetches[f as usize]
    }

    /// The workers of registration `r`.
    fn workers_of(&self, r: RegId) -> impl Iterator<Item = WorkerId> + '_ {
        (0..self.workers.len() as WorkerId).filter(move |w| self.worker(*w).registration == r)
    }

    /// Completion events of slot `f` of registration `r` that exist anywhere: queued or extended
    /// on one of its workers, or backed up in the registration.
    pub fn bg_completion_events(&self, r: RegId, f: u8) -> impl Iterator<Item = EventKind> + '_ {
        self.events_in_flight_of(r)
            .filter(move |k| k.is_bg_completion_of(f))
    }

    /// §getIds(): the ids of the map entry's active background fetches.
    pub fn bg_get_ids(&self) -> List<u8, BG_FETCHES> {
        let Some(r) = self.map_entry() else {
            return List::new();
        };
        self.reg(r)
            .bg
            .fetches
            .iter()
            .filter(|f| f.active)
            .map(|f| f.id)
            .collect()
    }

    /// §get(id): the slot of the map entry's active fetch with `id` (undefined once it completed).
    pub fn bg_get(&self, id: u8) -> Option<u8> {
        let r = self.map_entry()?;
        self.reg(r)
            .bg
            .fetches
            .iter()
            .position(|f| f.active && f.id == id)
            .map(|i| i as u8)
    }

    /// §match() / §matchAll(): InvalidStateError once the records-available flag is unset.
    pub fn bg_match_rejects(&self, r: RegId, f: u8) -> Option<BgFetchError> {
        (!self.bg_fetch(r, f).records_available).then_some(BgFetchError::InvalidStateError)
    }

    /// §BackgroundFetchRecord `responseReady`: AbortError for an aborted record, TypeError when
    /// the response is not exposed (fetch-error, quota-exceeded, download-total-exceeded).
    pub fn bg_response_ready_rejects(&self, r: RegId, f: u8, record: u8) -> Option<BgFetchError> {
        match self.bg_fetch(r, f).records[record as usize].settled()? {
            RecordResult::Aborted => Some(BgFetchError::AbortError),
            RecordResult::Success | RecordResult::BadStatus => None,
            _ => Some(BgFetchError::TypeError),
        }
    }

    /// §updateUI() on the completion event of slot `f`: InvalidStateError when the UI updated
    /// flag is set or the event is no longer active (the model lets the handler call it while
    /// the event is extended); TypeError on a `backgroundfetchabort` event, which has no
    /// `updateUI()`.
    pub fn bg_update_ui_rejects(&self, r: RegId, f: u8) -> Option<BgFetchError> {
        let fetch = self.bg_fetch(r, f);
        if fetch.failure_reason == FailureReason::Aborted {
            return Some(BgFetchError::TypeError);
        }
        let active = self.workers_of(r).any(|w| {
            self.worker(w)
                .extended
                .iter()
                .any(|k| k.is_bg_completion_of(f))
        });
        if fetch.ui_updated || !active {
            return Some(BgFetchError::InvalidStateError);
        }
        None
    }
}

impl SwModel {
    /// The feature is on: the switch is set and the profile's engine has the API.
    pub fn background_fetch_enabled(&self) -> bool {
        self.cfg.background_fetch && self.cfg.profile.params().apis.background_fetch
    }

    /// The profile's departures from the spec.
    pub fn bg_rules(&self) -> BgFetchRules {
        BgFetchRules::of(self.cfg.profile)
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
                    // The stored total would pass downloadTotal: this record fails and the abort
                    // all flag terminates the others.
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
                    let gesture = rules.first_fetch_per_page_without_gesture && c.bg_fetch_started;
                    for id in 0..self.cfg.max_bg_fetches {
                        let call = BgFetchCall {
                            client,
                            id,
                            requests: 1,
                            no_cors: false,
                            over_quota: false,
                            gesture,
                        };
                        if self.bg_fetch_rejects(s, call).is_some() {
                            continue;
                        }
                        // downloadTotal matters only when it can be exceeded: with two bodies.
                        for (requests, download_total) in [(1, 0), (2, 0), (2, CHUNKS)] {
                            actions.push(Action::BackgroundFetch {
                                client,
                                id,
                                requests,
                                download_total,
                                gesture,
                            });
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
