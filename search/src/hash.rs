//! The workspace's two hashers: [`Fp128`], a 128-bit fingerprint of a value's `Hash` stream,
//! and [`KeyHasher`], for maps whose keys are already fingerprints (or small integers). Maps
//! built on them are used for lookups only: no result depends on their iteration order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The fingerprint hasher: the byte stream in little-endian 8-byte words, each mixed into lane
/// `a` by a multiply–rotate (a bijection, so streams of one length differing in one word never
/// collide there) and into lane `b` by a folded 64×64→128-bit product; each lane gets the
/// stream's length and a murmur3 finaliser at the end.
#[derive(Default)]
pub struct Fp128 {
    a: u64,
    b: u64,
    buf: u64,
    nbuf: u32,
    len: u64,
}

impl Fp128 {
    const K1: u64 = 0x9e37_79b9_7f4a_7c15;
    const K2: u64 = 0xd6e8_feb8_6659_fd93;
    const K3: u64 = 0xa076_1d64_78bd_642f;

    /// Mixes one whole word into both lanes (for callers that hash words directly).
    #[inline]
    pub fn mix(&mut self, w: u64) {
        self.a = (self.a ^ w).wrapping_mul(Self::K1).rotate_left(29);
        let p = u128::from(self.b ^ w ^ Self::K3) * u128::from(Self::K2);
        self.b = (p as u64) ^ ((p >> 64) as u64);
    }

    /// Appends the `n` (1..=8) low bytes of `x` to the stream.
    #[inline]
    fn push(&mut self, x: u64, n: u32) {
        self.len += u64::from(n);
        let used = self.nbuf;
        self.buf |= x << (8 * used);
        let total = used + n;
        if total >= 8 {
            let w = self.buf;
            self.mix(w);
            self.buf = if used == 0 { 0 } else { x >> (64 - 8 * used) };
            self.nbuf = total - 8;
        } else {
            self.nbuf = total;
        }
    }

    /// The 128-bit fingerprint of the stream so far.
    pub fn finish128(mut self) -> u128 {
        if self.nbuf > 0 {
            let w = self.buf;
            self.mix(w);
        }
        let fmix = |mut x: u64| {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
            x ^= x >> 33;
            x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
            x ^ (x >> 33)
        };
        let a = fmix(self.a ^ self.len);
        let b = fmix(self.b ^ self.len.rotate_left(32) ^ Self::K1);
        (u128::from(a) << 64) | u128::from(b)
    }
}

impl Hasher for Fp128 {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.push(u64::from_le_bytes(w), chunk.len() as u32);
        }
    }
    fn write_u8(&mut self, x: u8) {
        self.push(u64::from(x), 1);
    }
    fn write_u16(&mut self, x: u16) {
        self.push(u64::from(x), 2);
    }
    fn write_u32(&mut self, x: u32) {
        self.push(u64::from(x), 4);
    }
    fn write_u64(&mut self, x: u64) {
        self.push(x, 8);
    }
    fn write_u128(&mut self, x: u128) {
        self.push(x as u64, 8);
        self.push((x >> 64) as u64, 8);
    }
    fn write_usize(&mut self, x: usize) {
        self.push(x as u64, 8);
    }
    fn finish(&self) -> u64 {
        self.a ^ self.b
    }
}

/// The hasher of the search's own maps: fingerprints are their own hash; other small keys are
/// mixed a word at a time. (Lookups only: no result depends on a map's iteration order.)
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u8(&mut self, x: u8) {
        self.write_u64(u64::from(x));
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(Fp128::K1);
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
    fn write_u128(&mut self, x: u128) {
        self.0 = x as u64;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by fingerprints or small integers, hashed by [`KeyHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// The 128-bit fingerprint of a byte string (a packed state): its 8-byte words mixed as
/// [`Fp128`] mixes a stream, without going through `Hash` (no length prefix, no per-write
/// buffering), so a few dozen bytes cost a few dozen instructions.
#[inline]
pub fn fingerprint_bytes(bytes: &[u8]) -> u128 {
    let mut h = Fp128::default();
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h.mix(u64::from_le_bytes(b));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h.mix(u64::from_le_bytes(b));
    }
    h.len = bytes.len() as u64;
    h.finish128()
}

/// The 128-bit fingerprint of `value`.
pub fn fingerprint128<T: Hash + ?Sized>(value: &T) -> u128 {
    let mut h = Fp128::default();
    value.hash(&mut h);
    h.finish128()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_have_equal_fingerprints_and_one_word_changes_the_fingerprint() {
        assert_eq!(fingerprint128(&(1u64, 2u8)), fingerprint128(&(1u64, 2u8)));
        assert_ne!(fingerprint128(&[1u64, 2, 3]), fingerprint128(&[1u64, 2, 4]));
        assert_ne!(fingerprint128(&[0u8; 7][..]), fingerprint128(&[0u8; 8][..]));
        assert_ne!(fingerprint_bytes(&[0u8; 7]), fingerprint_bytes(&[0u8; 8]));
        assert_ne!(fingerprint_bytes(&[1, 2, 3]), fingerprint_bytes(&[1, 2, 4]));
        assert_eq!(fingerprint_bytes(b"state"), fingerprint_bytes(b"state"));
    }

    #[test]
    fn key_hasher_maps_find_what_they_hold() {
        let mut m: FastMap<u64, u32> = FastMap::default();
        for i in 0..1000u64 {
            m.insert(i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i as u32);
        }
        assert_eq!(m.get(&7u64.wrapping_mul(0x9e37_79b9_7f4a_7c15)), Some(&7));
    }
}
