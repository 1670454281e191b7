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
//!   passes `downloadTotal` 0 (none, or one at least the bytes served: it cannot be exceeded) or
//!   [`download_total_below`] of its request count, half the bytes its responses serve. §Complete
//!   a record checks the running total of stored bytes over all records of the fetch against
//!   `downloadTotal`, so one request exceeds it as well as two;
//! * a record that fails keeps no bytes (only a successful record's body stays stored), so
//!   `downloaded` counts the bodies that are still of use;
//! * once its completion event ended, a fetch is reduced to a free slot (records unavailable,
//!   result, failure reason and abort all flag kept, nothing else);
//! * the network's choices for a record are [`RecordOutcome`]s; a record does not distinguish
//!   "request sent" from "body streaming" (its stored chunks tell how far it got); going offline
//!   pauses the whole fetch (its paused flag) until the network is back, when the server either
//!   honours the records' range requests or restarts every partial body (bytes dropped);
//! * `abort()` (from a page, or the user through the UI) terminates the unsettled records at once.

mod perform;

use crate::{ClientId, EventKind, List, RegId, SwState, WorkerId};
use serde::{Deserialize, Serialize};
use swspec_model_derive::{observed_type, state_type};

/// Records per fetch (the page passes one or two requests).
pub const RECORDS: usize = 2;
/// Fetch slots per registration (the largest `max_bg_fetches`).
pub const BG_FETCHES: usize = 2;
/// Chunks in every response body.
pub const CHUNKS: u8 = 2;

/// The `downloadTotal` (in chunks) a page passes with `requests` requests when it gives one
/// below the bytes their responses serve: half of them (one chunk for one request, one body for
/// two). Background Fetch §Complete a record fails a record with `"download-total-exceeded"`
/// once the fetch's stored body bytes total would pass a non-zero `downloadTotal`, whatever the
/// number of records; any total below the bytes served can be passed, and half of them stands
/// for all (the observation tells only that it is below, [`crate::observe::DownloadTotal`]).
pub const fn download_total_below(requests: u8) -> u8 {
    let half = requests * CHUNKS / 2;
    if half == 0 {
        1
    } else {
        half
    }
}

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
#[state_type(Copy, Default)]
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
#[state_type(Copy, Default)]
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

    pub(crate) fn bg_fetch_mut(&mut self, r: RegId, f: u8) -> &mut BgFetch {
        &mut self.reg_mut(r).bg.fetches[f as usize]
    }

    /// The workers of registration `r`.
    pub(crate) fn workers_of(&self, r: RegId) -> impl Iterator<Item = WorkerId> + '_ {
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
