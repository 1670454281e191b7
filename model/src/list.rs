//! [`List`], the fixed-capacity list every list in the model's state is.
//!
//! The state is flat (no heap allocation) and every element type is `Copy`, so a list, and a
//! state, is copied with one `memcpy`: the search clones a state for every transition it tries,
//! and an element-by-element clone (what `arrayvec::ArrayVec` does) cost more than the rest of
//! a transition together. Comparison, hashing, ordering, serde (a sequence, as a `Vec`) and
//! packing (`swspec_search::engine::pack`) see only the elements in use.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::hash::{Hash, Hasher};
use std::mem::MaybeUninit;
use std::ops::{Deref, DerefMut};
use swspec_search::engine::pack::{bits_for, BitReader, BitWriter, Pack};

/// A list of at most `N` (≤ 255) `Copy` elements, stored inline.
pub struct List<T: Copy, const N: usize> {
    len: u8,
    items: [MaybeUninit<T>; N],
}

impl<T: Copy, const N: usize> List<T, N> {
    const FITS: () = assert!(N <= u8::MAX as usize, "a List holds at most 255 elements");

    /// An empty list.
    pub const fn new() -> Self {
        let () = Self::FITS;
        List {
            len: 0,
            items: [MaybeUninit::uninit(); N],
        }
    }

    /// The capacity, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Whether the list holds `N` elements.
    pub fn is_full(&self) -> bool {
        self.len as usize == N
    }

    /// Room left: `N - len`.
    pub fn remaining_capacity(&self) -> usize {
        N - self.len as usize
    }

    /// Appends `v`, or gives it back when the list is full.
    pub fn try_push(&mut self, v: T) -> Result<(), T> {
        if self.is_full() {
            return Err(v);
        }
        self.items[self.len as usize] = MaybeUninit::new(v);
        self.len += 1;
        Ok(())
    }

    /// Appends `v`.
    ///
    /// # Panics
    /// When the list is full (the model's configuration validation keeps lists within their
    /// capacities).
    #[track_caller]
    pub fn push(&mut self, v: T) {
        if self.try_push(v).is_err() {
            panic!("List capacity {N} exceeded");
        }
    }

    /// Removes and returns the last element.
    pub fn pop(&mut self) -> Option<T> {
        let last = self.last().copied()?;
        self.len -= 1;
        Some(last)
    }

    /// Inserts `v` at `index`, shifting the later elements up.
    ///
    /// # Panics
    /// When `index > len` or the list is full.
    #[track_caller]
    pub fn insert(&mut self, index: usize, v: T) {
        let len = self.len as usize;
        assert!(index <= len, "List::insert index {index} > len {len}");
        self.push(v);
        self.as_mut_slice()[index..].rotate_right(1);
    }

    /// Removes the element at `index`, shifting the later elements down.
    ///
    /// # Panics
    /// When `index >= len`.
    #[track_caller]
    pub fn remove(&mut self, index: usize) -> T {
        let v = self[index];
        self.as_mut_slice()[index..].rotate_left(1);
        self.len -= 1;
        v
    }

    /// Removes the element at `index`, moving the last element into its place.
    ///
    /// # Panics
    /// When `index >= len`.
    #[track_caller]
    pub fn swap_remove(&mut self, index: usize) -> T {
        let v = self[index];
        let last = self.len as usize - 1;
        self.as_mut_slice().swap(index, last);
        self.len -= 1;
        v
    }

    /// Keeps the elements for which `keep` is true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&mut T) -> bool) {
        let mut kept = 0;
        for i in 0..self.len as usize {
            let mut v = self[i];
            if keep(&mut v) {
                self.items[kept] = MaybeUninit::new(v);
                kept += 1;
            }
        }
        self.len = kept as u8;
    }

    /// Shortens the list to `len` elements (no effect if it is not longer).
    pub fn truncate(&mut self, len: usize) {
        if len < self.len as usize {
            self.len = len as u8;
        }
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The elements in use.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the first `len` items are initialised (every write to them is a
        // `MaybeUninit::new`, and `len` only counts written items), and `MaybeUninit<T>` has
        // `T`'s layout.
        unsafe { std::slice::from_raw_parts(self.items.as_ptr().cast::<T>(), self.len as usize) }
    }

    /// The elements in use, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as in `as_slice`.
        unsafe {
            std::slice::from_raw_parts_mut(self.items.as_mut_ptr().cast::<T>(), self.len as usize)
        }
    }
}

impl<T: Copy, const N: usize> Clone for List<T, N> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Copy, const N: usize> Copy for List<T, N> {}

impl<T: Copy, const N: usize> Default for List<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy, const N: usize> Deref for List<T, N> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Copy, const N: usize> DerefMut for List<T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq for List<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Copy + Eq, const N: usize> Eq for List<T, N> {}

impl<T: Copy + PartialOrd, const N: usize> PartialOrd for List<T, N> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.as_slice().partial_cmp(other.as_slice())
    }
}

impl<T: Copy + Ord, const N: usize> Ord for List<T, N> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl<T: Copy + Hash, const N: usize> Hash for List<T, N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl<T: Copy + std::fmt::Debug, const N: usize> std::fmt::Debug for List<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Copy, const N: usize> FromIterator<T> for List<T, N> {
    /// # Panics
    /// When the iterator yields more than `N` elements.
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut l = Self::new();
        l.extend(iter);
        l
    }
}

impl<T: Copy, const N: usize> Extend<T> for List<T, N> {
    /// # Panics
    /// When the list would exceed `N` elements.
    #[track_caller]
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.push(v);
        }
    }
}

impl<'a, T: Copy, const N: usize> IntoIterator for &'a List<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<'a, T: Copy, const N: usize> IntoIterator for &'a mut List<T, N> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_mut_slice().iter_mut()
    }
}

/// The elements of a list, by value.
pub struct IntoIter<T: Copy, const N: usize> {
    list: List<T, N>,
    next: usize,
}

impl<T: Copy, const N: usize> Iterator for IntoIter<T, N> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        let v = self.list.get(self.next).copied()?;
        self.next += 1;
        Some(v)
    }
}

impl<T: Copy, const N: usize> IntoIterator for List<T, N> {
    type Item = T;
    type IntoIter = IntoIter<T, N>;
    fn into_iter(self) -> Self::IntoIter {
        IntoIter {
            list: self,
            next: 0,
        }
    }
}

impl<T: Copy + Serialize, const N: usize> Serialize for List<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de, T: Copy + Deserialize<'de>, const N: usize> Deserialize<'de> for List<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<T>::deserialize(d)?;
        if v.len() > N {
            return Err(serde::de::Error::invalid_length(
                v.len(),
                &format!("at most {N} elements").as_str(),
            ));
        }
        Ok(v.into_iter().collect())
    }
}

/// Its length in just enough bits for `0..=N`, then its elements (unused capacity costs
/// nothing).
impl<T: Copy + Pack, const N: usize> Pack for List<T, N> {
    #[inline]
    fn pack(&self, w: &mut BitWriter<'_>) {
        w.bits(u64::from(self.len), bits_for(N));
        for v in self {
            v.pack(w);
        }
    }
    #[inline]
    fn unpack(r: &mut BitReader<'_>) -> Self {
        let n = (r.bits(bits_for(N)) as usize).min(N);
        let mut l = Self::new();
        for _ in 0..n {
            l.push(T::unpack(r));
        }
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_order_and_comparisons_see_only_the_elements_in_use() {
        let mut l: List<u8, 4> = [3, 1, 2].into_iter().collect();
        l.insert(1, 9);
        assert_eq!(l.as_slice(), &[3, 9, 1, 2]);
        assert!(l.is_full() && l.try_push(5) == Err(5));
        assert_eq!(l.remove(0), 3);
        l.retain(|v| *v != 1);
        assert_eq!(l.as_slice(), &[9, 2]);
        assert_eq!(l.swap_remove(0), 9);
        let mut m: List<u8, 4> = List::new();
        m.push(7);
        m.pop();
        m.push(2);
        assert_eq!(l, m);
        assert_eq!(format!("{m:?}"), "[2]");
        let j = serde_json::to_string(&m).expect("serialises");
        assert_eq!(j, "[2]");
        assert!(serde_json::from_str::<List<u8, 1>>("[1,2]").is_err());
        let back: List<u8, 4> =
            swspec_search::engine::pack::from_bytes(&swspec_search::engine::pack::to_bytes(&m));
        assert_eq!(back, m);
    }
}
