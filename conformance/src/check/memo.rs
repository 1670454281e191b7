//! The memo of the search: which (position, candidate) pairs were visited and at what depth
//! ([`Memo`], by 128-bit fingerprint), and the fingerprints themselves ([`fingerprint`] of a
//! candidate at a position, [`state_fingerprint`] of a model state, computed once per state).

use super::candidate::Cand;
use std::hash::{Hash, Hasher};
use swspec_model::SwState;
use swspec_search::hash::{fingerprint_bytes, FastMap, Fp128};

/// The memo: per position, its first [`Memo::CHAIN`] entries in a list through `entries` (a
/// position holds a handful of candidates on most traces, and the lists stay near the search's
/// front in memory); any further ones in a map by fingerprint.
pub(super) struct Memo {
    /// Per position: its latest listed entry (`u32::MAX`: none).
    heads: Vec<u32>,
    /// Every entry, in insertion order.
    entries: Vec<MemoEntry>,
    /// Entries of positions with more than `CHAIN`, by fingerprint.
    crowded: FastMap<u128, u32>,
}

/// One memoised (position, candidate): its fingerprint and the smallest depth it was seen at.
pub(super) struct MemoEntry {
    /// The fingerprint, as two words.
    key: [u64; 2],
    /// The position's previous listed entry.
    next: u32,
    /// The smallest depth (unobservable steps since the last event) it was reached at.
    pub(super) depth: u8,
}

impl Memo {
    /// Entries listed per position before the rest go to the map.
    const CHAIN: u32 = 16;

    /// An empty memo for positions `0..positions`, with room for `reserve` entries.
    pub(super) fn new(positions: usize, reserve: usize) -> Memo {
        Memo {
            heads: vec![u32::MAX; positions],
            entries: Vec::with_capacity(reserve),
            crowded: FastMap::default(),
        }
    }

    /// The entry for `key` at `pos`, which holds `known` entries.
    pub(super) fn find(&mut self, pos: u32, key: u128, known: u32) -> Option<&mut MemoEntry> {
        let k = [key as u64, (key >> 64) as u64];
        let mut i = self.heads[pos as usize];
        while i != u32::MAX {
            if self.entries[i as usize].key == k {
                return Some(&mut self.entries[i as usize]);
            }
            i = self.entries[i as usize].next;
        }
        if known > Self::CHAIN {
            let i = *self.crowded.get(&key)?;
            return Some(&mut self.entries[i as usize]);
        }
        None
    }

    /// Adds `key` at `pos`, which holds `known` entries.
    pub(super) fn insert(&mut self, pos: u32, key: u128, depth: u8, known: u32) {
        let i = self.entries.len() as u32;
        let listed = known < Self::CHAIN;
        self.entries.push(MemoEntry {
            key: [key as u64, (key >> 64) as u64],
            next: if listed {
                self.heads[pos as usize]
            } else {
                u32::MAX
            },
            depth,
        });
        if listed {
            self.heads[pos as usize] = i;
        } else {
            self.crowded.insert(key, i);
        }
    }
}

/// A 128-bit fingerprint of (position, candidate): two 64-bit lanes mixed by different
/// functions over the byte stream `Hash` writes, so a collision (which would prune a live branch)
/// needs both to collide, about 2^-128 per pair. The model state's own fingerprint is computed
/// once per state and kept in the candidate: steps that only match events reuse it.
pub(super) fn fingerprint(pos: u32, c: &Cand) -> u128 {
    let mut h = Fp128::default();
    h.write_u32(pos);
    h.write_u128(c.s.fp);
    h.write_usize(c.pending.len());
    for p in &c.pending {
        // (`shape` is a function of `obs`.)
        p.obs.hash(&mut h);
        h.write_u16(p.group);
        h.write_u32(p.deadline);
        h.write_u8(u8::from(p.earlier_instance));
    }
    h.write_u128(c.aux.fingerprint());
    h.finish128()
}

/// The fingerprint of a model state, kept with it in its candidates: of its bit-packed bytes
/// (canonical, so equal states have equal bytes), which is cheaper than feeding its `Hash`
/// stream word by word, as the model checker found too.
pub(super) fn state_fingerprint(s: &SwState) -> u128 {
    use swspec_search::engine::codec::{BitPack, Codec};
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|b| {
        let mut b = b.borrow_mut();
        b.clear();
        BitPack.encode(s, &mut b);
        fingerprint_bytes(&b)
    })
}
