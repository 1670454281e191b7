//! The visited set: fingerprints of the states seen, in open-addressing tables.
//!
//! A state is represented by its fingerprint only (never its full value), 128 bits by default
//! ([`Fp`]) or 64 bits with hash compaction (`u64`). Two distinct states with one fingerprint
//! would make the second look visited: [`omission_probability`] bounds the chance of that, and
//! the report prints it, as SPIN does for hash compaction.
//!
//! A [`Table`] keeps each key next to its value in one slot, probed linearly from the slot its
//! low bits name, so a lookup usually touches one cache line (a miss costs more than anything
//! else a transition does). The depth-first search owns one table; the parallel searches share
//! a [`Visited`], the same tables in shards behind locks, so threads rarely meet.

use std::sync::Mutex;

use super::memory::MemoryBound;

/// Shards of [`Visited`]: a power of two, so a shard is chosen by a mask. 64 keeps lock
/// contention negligible at the thread counts of a workstation and each table's growth step
/// (a doubling) small next to the memory bound.
const SHARDS: usize = 64;

/// A fingerprint of a state as stored in the visited set.
pub trait Key:
    Copy + Default + Eq + std::hash::Hash + Send + Sync + std::fmt::Debug + 'static
{
    /// Width in bits (for the omission probability).
    const BITS: u32;
    /// The key no fingerprint maps to: marks an empty slot.
    const EMPTY: Self;
    /// Truncates a 128-bit fingerprint to this key (never [`Key::EMPTY`]: the one fingerprint
    /// that would be is moved next to it, a clash as unlikely as any other).
    fn from_fp(fp: u128) -> Self;
    /// The bits a table's slot index is taken from (not those [`Key::shard`] uses).
    fn slot_bits(self) -> u64;
    /// The shard this key lives in (bits the in-shard hash does not use).
    fn shard(self) -> usize;
    /// An order on keys, for choosing deterministically among equal candidates.
    fn rank(self) -> u128;
}

/// A full 128-bit fingerprint, stored as two words so that table entries align to 8 bytes.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub struct Fp(u64, u64);

impl Key for Fp {
    const BITS: u32 = 128;
    const EMPTY: Self = Fp(0, 0);
    #[inline]
    fn from_fp(fp: u128) -> Self {
        Fp((fp >> 64) as u64, fp.max(1) as u64)
    }
    #[inline]
    fn slot_bits(self) -> u64 {
        self.1
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
    const EMPTY: Self = 0;
    #[inline]
    fn from_fp(fp: u128) -> Self {
        ((fp >> 64) as u64 ^ fp as u64).max(1)
    }
    #[inline]
    fn slot_bits(self) -> u64 {
        self
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

/// An open-addressing map from fingerprints to a small value (`()` for a plain set): a
/// power-of-two array of slots, linear probing, grown (doubled) at 3/4 full.
pub struct Table<K, V> {
    slots: Vec<(K, V)>,
    len: usize,
}

impl<K: Key, V: Copy + Default> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            len: 0,
        }
    }
}

impl<K: Key, V: Copy + Default> Table<K, V> {
    /// Bytes one slot costs.
    const SLOT: u64 = std::mem::size_of::<(K, V)>() as u64;
    /// Slots of the first table.
    const FIRST: usize = 1 << 10;

    #[inline]
    fn find(&self, key: K) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut i = key.slot_bits() as usize & mask;
        loop {
            let k = self.slots[i].0;
            if k == key {
                return Ok(i);
            }
            if k == K::EMPTY {
                return Err(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table (or allocates the first) if one more key would pass 3/4 full, unless
    /// `bound` refuses the new array. False when refused.
    fn reserve_one(&mut self, bound: &MemoryBound) -> bool {
        let cap = self.slots.len();
        if (self.len + 1) * 4 <= cap * 3 {
            return true;
        }
        let grown = (cap * 2).max(Self::FIRST);
        if !bound.allows(grown as u64 * Self::SLOT) {
            return false;
        }
        let old = std::mem::replace(&mut self.slots, vec![(K::EMPTY, V::default()); grown]);
        for (k, v) in old {
            if k != K::EMPTY {
                if let Err(i) = self.find(k) {
                    self.slots[i] = (k, v);
                }
            }
        }
        true
    }

    /// Inserts `key` with `value` unless present. Before the table grows, asks `bound` whether
    /// the new array fits.
    #[inline]
    pub fn insert(&mut self, key: K, value: V, bound: &MemoryBound) -> Insert<V> {
        self.insert_or_replace(key, value, bound, |_, _| false)
    }

    /// Like [`Self::insert`], but when `key` is present and `better(new, old)`, its value is
    /// replaced (what was there is still returned as `Seen`).
    #[inline]
    pub fn insert_or_replace(
        &mut self,
        key: K,
        value: V,
        bound: &MemoryBound,
        better: impl Fn(&V, &V) -> bool,
    ) -> Insert<V> {
        if !self.slots.is_empty() {
            if let Ok(i) = self.find(key) {
                let old = self.slots[i].1;
                if better(&value, &old) {
                    self.slots[i].1 = value;
                }
                return Insert::Seen(old);
            }
        }
        if !self.reserve_one(bound) {
            return Insert::NoMemory;
        }
        match self.find(key) {
            Err(i) => {
                self.slots[i] = (key, value);
                self.len += 1;
                Insert::New
            }
            Ok(i) => Insert::Seen(self.slots[i].1),
        }
    }

    /// The value stored for `key`, if any.
    #[inline]
    pub fn get(&self, key: K) -> Option<V> {
        if self.slots.is_empty() {
            return None;
        }
        self.find(key).ok().map(|i| self.slots[i].1)
    }

    /// Whether `key` is stored.
    pub fn contains(&self, key: K) -> bool {
        self.get(key).is_some()
    }

    /// Number of keys stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no key is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the slot array holds (used or not).
    pub fn table_bytes(&self) -> u64 {
        self.slots.len() as u64 * Self::SLOT
    }
}

/// The tables of a visited set shared by threads: shards chosen by [`Key::shard`].
pub struct Visited<K, V> {
    shards: Vec<Mutex<Table<K, V>>>,
}

impl<K: Key, V: Copy + Default> Default for Visited<K, V> {
    fn default() -> Self {
        Visited {
            shards: (0..SHARDS).map(|_| Mutex::new(Table::default())).collect(),
        }
    }
}

impl<K: Key, V: Copy + Default> Visited<K, V> {
    fn lock(&self, key: K) -> std::sync::MutexGuard<'_, Table<K, V>> {
        // A panic while a shard is held leaves a consistent table (insertions are atomic).
        self.shards[key.shard()]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// [`Table::insert`] in `key`'s shard.
    pub fn insert(&self, key: K, value: V, bound: &MemoryBound) -> Insert<V> {
        self.lock(key).insert(key, value, bound)
    }

    /// [`Table::insert_or_replace`] in `key`'s shard.
    pub fn insert_or_replace(
        &self,
        key: K,
        value: V,
        bound: &MemoryBound,
        better: impl Fn(&V, &V) -> bool,
    ) -> Insert<V> {
        self.lock(key).insert_or_replace(key, value, bound, better)
    }

    /// The value stored for `key`, if any.
    pub fn get(&self, key: K) -> Option<V> {
        self.lock(key).get(key)
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
            .map(|s| s.lock().map_or(0, |t| t.table_bytes()))
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
    fn a_table_finds_every_key_across_growths_and_never_stores_the_empty_key() {
        let mut t: Table<u64, u32> = Table::default();
        let b = MemoryBound::new(u64::MAX / 2);
        for i in 0..10_000u64 {
            let k =
                u64::from_fp(u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835));
            assert_eq!(t.insert(k, i as u32, &b), Insert::New);
        }
        assert_eq!(t.len(), 10_000);
        for i in 0..10_000u64 {
            let k =
                u64::from_fp(u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835));
            assert_eq!(t.get(k), Some(i as u32));
        }
        assert_ne!(u64::from_fp(0), u64::EMPTY);
        assert_ne!(Fp::from_fp(0), Fp::EMPTY);
        assert!(t.table_bytes() >= 10_000 * 4 / 3 * 16);
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
