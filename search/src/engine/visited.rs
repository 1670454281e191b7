//! The visited set: fingerprints of the states seen, sharded so threads rarely meet.
//!
//! A state is represented by its fingerprint only (never its full value), 128 bits by default
//! ([`Fp`]) or 64 bits with hash compaction (`u64`). Two distinct states with one fingerprint
//! would make the second look visited: [`omission_probability`] bounds the chance of that, and
//! the report prints it, as SPIN does for hash compaction.

use crate::hash::KeyHasher;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};
use std::sync::Mutex;

use super::memory::MemoryBound;

/// Shards of the visited set: a power of two, so a shard is chosen by a mask. 64 keeps lock
/// contention negligible at the thread counts of a workstation and each table's growth step
/// (a doubling) small next to the memory bound.
const SHARDS: usize = 64;

/// A fingerprint of a state as stored in the visited set.
pub trait Key: Copy + Eq + Hash + Send + Sync + std::fmt::Debug + 'static {
    /// Width in bits (for the omission probability).
    const BITS: u32;
    /// Truncates a 128-bit fingerprint to this key.
    fn from_fp(fp: u128) -> Self;
    /// The shard this key lives in (bits the in-shard hash does not use).
    fn shard(self) -> usize;
    /// An order on keys, for choosing deterministically among equal candidates.
    fn rank(self) -> u128;
}

/// A full 128-bit fingerprint, stored as two words so that table entries align to 8 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Fp(u64, u64);

impl Key for Fp {
    const BITS: u32 = 128;
    fn from_fp(fp: u128) -> Self {
        Fp((fp >> 64) as u64, fp as u64)
    }
    fn shard(self) -> usize {
        (self.0 >> 58) as usize & (SHARDS - 1)
    }
    fn rank(self) -> u128 {
        (u128::from(self.0) << 64) | u128::from(self.1)
    }
}

impl Key for u64 {
    const BITS: u32 = 64;
    fn from_fp(fp: u128) -> Self {
        (fp >> 64) as u64 ^ fp as u64
    }
    fn shard(self) -> usize {
        (self >> 58) as usize & (SHARDS - 1)
    }
    fn rank(self) -> u128 {
        u128::from(self)
    }
}

/// The probability that some reachable state was never explored because its fingerprint equals
/// an earlier state's, for `states` states and `bits`-bit fingerprints: the birthday bound
/// n(n−1)/2^(bits+1), capped at 1.
pub fn omission_probability(states: u64, bits: u32) -> f64 {
    let n = states as f64;
    (n * (n - 1.0).max(0.0) / 2f64.powi(bits as i32 + 1)).min(1.0)
}

/// What an insertion found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert<V> {
    /// The key was new and is now stored.
    New,
    /// The key was already there, with this value.
    Seen(V),
    /// Storing it would need a table growth the memory bound does not allow.
    NoMemory,
}

type Table<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// A sharded map from state fingerprints to a small value (`()` for a plain set).
pub struct Visited<K, V> {
    shards: Vec<Mutex<Table<K, V>>>,
}

impl<K: Key, V: Copy> Default for Visited<K, V> {
    fn default() -> Self {
        Visited {
            shards: (0..SHARDS).map(|_| Mutex::new(Table::default())).collect(),
        }
    }
}

impl<K: Key, V: Copy> Visited<K, V> {
    /// Bytes one table slot costs (entry plus control byte).
    const SLOT: u64 = (std::mem::size_of::<(K, V)>() + 1) as u64;

    fn lock(&self, key: K) -> std::sync::MutexGuard<'_, Table<K, V>> {
        // A panic while a shard is held leaves a consistent table (insertions are atomic).
        self.shards[key.shard()]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Inserts `key` with `value` unless present. Before a table grows, asks `bound` whether
    /// the new table (twice the slots) fits.
    pub fn insert(&self, key: K, value: V, bound: &MemoryBound) -> Insert<V> {
        self.insert_or_replace(key, value, bound, |_, _| false)
    }

    /// Like [`Self::insert`], but when `key` is present and `better(new, old)`, its value is
    /// replaced (what was there is still returned as `Seen`).
    pub fn insert_or_replace(
        &self,
        key: K,
        value: V,
        bound: &MemoryBound,
        better: impl Fn(&V, &V) -> bool,
    ) -> Insert<V> {
        let mut t = self.lock(key);
        let cap = t.capacity();
        let full = t.len() == cap;
        match t.entry(key) {
            Entry::Occupied(mut o) => {
                let old = *o.get();
                if better(&value, &old) {
                    o.insert(value);
                }
                Insert::Seen(old)
            }
            Entry::Vacant(v) => {
                if full {
                    let grown = (cap as u64).max(16) * 2 * Self::SLOT * 8 / 7;
                    if !bound.allows(grown) {
                        return Insert::NoMemory;
                    }
                }
                v.insert(value);
                Insert::New
            }
        }
    }

    /// The value stored for `key`, if any.
    pub fn get(&self, key: K) -> Option<V> {
        self.lock(key).get(&key).copied()
    }

    /// Number of keys stored.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |t| t.len()))
            .sum()
    }

    /// Whether no key is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the tables hold (slots allocated, whether used or not).
    pub fn table_bytes(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |t| t.capacity() as u64) * Self::SLOT * 8 / 7)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_once_and_reports_what_was_stored() {
        let v: Visited<Fp, u32> = Visited::default();
        let b = MemoryBound::new(u64::MAX / 2);
        assert_eq!(v.insert(Fp::from_fp(7), 1, &b), Insert::New);
        assert_eq!(v.insert(Fp::from_fp(7), 2, &b), Insert::Seen(1));
        assert_eq!(v.len(), 1);
        assert_eq!(v.get(Fp::from_fp(8)), None);
    }

    #[test]
    fn a_bound_that_allows_nothing_stops_the_first_growth() {
        let v: Visited<u64, ()> = Visited::default();
        assert_eq!(v.insert(1, (), &MemoryBound::new(1)), Insert::NoMemory);
    }

    #[test]
    fn omission_probability_follows_the_birthday_bound() {
        assert_eq!(omission_probability(1, 64), 0.0);
        let p = omission_probability(1 << 20, 64);
        assert!((p - 2f64.powi(-25)).abs() / p < 1e-5, "{p}");
        assert!(omission_probability(1 << 40, 64) == 1.0);
    }
}
