//! What a candidate has pinned down besides its state and obligations ([`Aux`]): the bijection
//! between trace and model identifiers in each space, each worker's last script instance seen,
//! and the timer stamps the profile's bounds are checked against (when a worker was last busy,
//! when its oldest extended event started, when a sync attempt failed). Kept as one short
//! sorted list of (table, model id) → value, inline in the common case.

use std::cell::OnceCell;
use swspec_model::IdSpace;
use swspec_search::hash::Fp128;

/// The part of a candidate that changes less often than its obligations: per table, model id
/// → value, as a short sorted list (a handful of entries: bindings, each worker's instance and
/// timer stamps).
#[derive(Clone, Debug, Default)]
pub(super) struct Aux {
    /// ((table << 8) | model id, value), sorted by key.
    entries: AuxEntries,
    /// The fingerprint of `entries`, once computed.
    pub(super) fp: OnceCell<u128>,
}

/// A short list kept inline (one allocation per [`Aux`]), on the heap when it outgrows that.
#[derive(Clone, Debug)]
enum AuxEntries {
    Inline(u8, [(u16, u64); 8]),
    Heap(Vec<(u16, u64)>),
}

impl Default for AuxEntries {
    fn default() -> Self {
        AuxEntries::Inline(0, [(0, 0); 8])
    }
}

impl AuxEntries {
    /// The entries, in key order.
    pub(super) fn get(&self) -> &[(u16, u64)] {
        match self {
            AuxEntries::Inline(n, a) => &a[..*n as usize],
            AuxEntries::Heap(v) => v,
        }
    }

    /// The entries, to change values in place.
    pub(super) fn get_mut(&mut self) -> &mut [(u16, u64)] {
        match self {
            AuxEntries::Inline(n, a) => &mut a[..*n as usize],
            AuxEntries::Heap(v) => v,
        }
    }

    /// Inserts `e` at index `i`, moving to the heap when the inline array is full.
    pub(super) fn insert(&mut self, i: usize, e: (u16, u64)) {
        match self {
            AuxEntries::Inline(n, a) if (*n as usize) < a.len() => {
                a.copy_within(i..*n as usize, i + 1);
                a[i] = e;
                *n += 1;
            }
            AuxEntries::Inline(n, a) => {
                let mut v = a[..*n as usize].to_vec();
                v.insert(i, e);
                *self = AuxEntries::Heap(v);
            }
            AuxEntries::Heap(v) => v.insert(i, e),
        }
    }

    /// Removes the entry at index `i`.
    pub(super) fn remove(&mut self, i: usize) {
        match self {
            AuxEntries::Inline(n, a) => {
                a.copy_within(i + 1..*n as usize, i);
                *n -= 1;
            }
            AuxEntries::Heap(v) => {
                v.remove(i);
            }
        }
    }
}

/// Aux tables: the id bijection of each [`IdSpace`] (tables 0–4, trace id), then per worker
/// its (last script instance seen, restarted since), when it was last busy (ms, floor; for the
/// idle-stop bound) and when its oldest pending extended event started (ms; for the event
/// timeout), per sync tag when its last attempt failed (ms; for the retry delay), per worker
/// when its activate event became due (ms; for the activate-event delay), per registration when
/// its waiting worker became due for the lame-duck activation (ms), and per worker when its
/// task queue last became non-empty (ms; for the unresponsive stop), and per worker when its
/// install event was dispatched (ms; for the install event's timeout).
const INST: u16 = 5;
pub(super) const BUSY: u16 = 6;
pub(super) const EXT: u16 = 7;
pub(super) const SYNC_FAIL: u16 = 8;
pub(super) const ACT_DUE: u16 = 9;
pub(super) const LAME: u16 = 10;
pub(super) const TASK: u16 = 11;
pub(super) const INSTALL: u16 = 12;

/// The table of `space`'s bijection, and how many model ids the space has.
fn bind_table(space: IdSpace) -> (u16, usize) {
    match space {
        IdSpace::Client => (0, swspec_model::capacity::CLIENTS),
        IdSpace::Worker => (1, WORKERS),
        IdSpace::Script => (2, 8),
        IdSpace::Tag => (3, swspec_model::capacity::SYNC_TAGS),
        IdSpace::BgFetch => (4, swspec_model::bgfetch::BG_FETCHES),
    }
}

impl Aux {
    /// Table `table`'s value for model id `id`.
    pub(super) fn get(&self, table: u16, id: u8) -> Option<u64> {
        let k = table << 8 | u16::from(id);
        self.entries.get().iter().find(|e| e.0 == k).map(|e| e.1)
    }

    /// Sets table `table`'s value for model id `id`.
    pub(super) fn set(&mut self, table: u16, id: u8, v: u64) {
        let k = table << 8 | u16::from(id);
        match self.entries.get().binary_search_by_key(&k, |e| e.0) {
            Ok(i) => self.entries.get_mut()[i].1 = v,
            Err(i) => self.entries.insert(i, (k, v)),
        }
    }

    /// Removes table `table`'s value for model id `id`.
    pub(super) fn unset(&mut self, table: u16, id: u8) {
        let k = table << 8 | u16::from(id);
        if let Ok(i) = self.entries.get().binary_search_by_key(&k, |e| e.0) {
            self.entries.remove(i);
        }
    }

    /// The trace id bound to model id `m`.
    pub(super) fn bound(&self, space: IdSpace, m: u8) -> Option<u32> {
        self.get(bind_table(space).0, m).map(|t| t as u32)
    }

    /// The model id bound to trace id `t` in `space`.
    pub(super) fn model_of(&self, space: IdSpace, t: u32) -> Option<u8> {
        let table = bind_table(space).0;
        self.entries
            .get()
            .iter()
            .find(|e| e.0 >> 8 == table && e.1 == u64::from(t))
            .map(|e| (e.0 & 0xff) as u8)
    }

    /// Binds `m` to `t`, or checks they are bound to each other already. Fails when either is
    /// bound to another id (the bijection would break) or `m` is beyond the space's capacity.
    pub(super) fn bind(&mut self, space: IdSpace, m: u8, t: u32) -> bool {
        let (table, cap) = bind_table(space);
        match self.get(table, m) {
            Some(x) => x == u64::from(t),
            None if (m as usize) < cap
                && !self
                    .entries
                    .get()
                    .iter()
                    .any(|e| e.0 >> 8 == table && e.1 == u64::from(t)) =>
            {
                self.set(table, m, u64::from(t));
                true
            }
            None => false,
        }
    }

    /// Worker `w`'s (last script instance seen, restarted since).
    pub(super) fn inst(&self, w: u8) -> Option<(u32, bool)> {
        self.get(INST, w).map(|v| ((v >> 1) as u32, v & 1 == 1))
    }

    /// Sets worker `w`'s (last script instance seen, restarted since).
    pub(super) fn set_inst(&mut self, w: u8, (i, restarted): (u32, bool)) {
        self.set(INST, w, u64::from(i) << 1 | u64::from(restarted));
    }

    /// The fingerprint of the entries, computed once.
    pub(super) fn fingerprint(&self) -> u128 {
        *self.fp.get_or_init(|| {
            let mut h = Fp128::default();
            h.mix(self.entries.get().len() as u64);
            for &(k, v) in self.entries.get() {
                h.mix(u64::from(k));
                h.mix(v);
            }
            h.finish128()
        })
    }
}

pub(super) const WORKERS: usize = swspec_model::capacity::WORKERS;
