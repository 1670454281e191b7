//! Bit packing: a compact, canonical binary form of a state, written field by field.
//!
//! [`Pack`] writes a value into a [`BitWriter`] with as few bits as its type allows and reads
//! it back from a [`BitReader`]: a `bool` is one bit, an enum's tag takes just enough bits for
//! its variant count, a fixed-capacity list's length just enough for its capacity (nothing is
//! written for unused slots), and integers are written Elias-gamma style (0 in 1 bit, 1–2 in 3,
//! 3–6 in 5, …), since a model's ids, versions and counters are small. The form is canonical:
//! equal values give equal bytes and unpacking gives the value back, so the engine may
//! fingerprint packed bytes instead of a value's `Hash` stream.
//!
//! A type's impl is usually derived (`#[derive(Pack)]` in a model's derive crate): structs
//! field by field in declaration order, enums as the variant's index then its fields.

/// A growable buffer that values are packed into, least significant bit first.
pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    used: u32,
}

impl<'a> BitWriter<'a> {
    /// A writer appending to `out` (whatever `out` holds stays in front).
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter {
            out,
            acc: 0,
            used: 0,
        }
    }

    /// Writes the low `n` bits of `value` (`n` ≤ 32; the other bits of `value` must be 0).
    #[inline]
    pub fn bits(&mut self, value: u64, n: u32) {
        debug_assert!(
            n <= 32 && (n == 32 || value >> n == 0),
            "{value} in {n} bits"
        );
        self.acc |= value << self.used;
        self.used += n;
        if self.used >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.used -= 32;
        }
    }

    /// Writes one bit.
    #[inline]
    pub fn bit(&mut self, b: bool) {
        self.bits(u64::from(b), 1);
    }

    /// Writes `v` in Elias-gamma form of `v + 1`: `k` one bits, a zero bit, then the `k` bits
    /// of `v + 1` below its leading one, where `k + 1` is the bit length of `v + 1`.
    #[inline]
    pub fn gamma(&mut self, v: u64) {
        if v < 0xffff {
            // The common case: unary length and value in one write of at most 31 bits.
            let x = v + 1;
            let k = 63 - x.leading_zeros();
            self.bits(
                ((x & ((1 << k) - 1)) << (k + 1)) | ((1 << k) - 1),
                2 * k + 1,
            );
            return;
        }
        let x = u128::from(v) + 1;
        let k = 127 - x.leading_zeros();
        let mut ones = k;
        while ones >= 32 {
            self.bits(u64::from(u32::MAX), 32);
            ones -= 32;
        }
        self.bits((1 << ones) - 1, ones + 1);
        let mut rest = x;
        let mut left = k;
        while left > 0 {
            let n = left.min(32);
            self.bits((rest & ((1 << n) - 1)) as u64, n);
            rest >>= n;
            left -= n;
        }
    }

    /// Flushes the last partial byte (zero bits pad it).
    pub fn finish(self) {
        let bytes = self.used.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..bytes]);
    }
}

/// Reads back what a [`BitWriter`] wrote. Reading past the end yields zero bits (a caller that
/// reads exactly what was written never does).
pub struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    acc: u64,
    avail: u32,
}

impl<'a> BitReader<'a> {
    /// A reader of `bytes` from their first bit.
    pub fn new(bytes: &'a [u8]) -> Self {
        BitReader {
            bytes,
            pos: 0,
            acc: 0,
            avail: 0,
        }
    }

    #[inline]
    fn refill(&mut self) {
        if let Some(chunk) = self.bytes.get(self.pos..self.pos + 4) {
            let mut w = [0u8; 4];
            w.copy_from_slice(chunk);
            self.acc |= u64::from(u32::from_le_bytes(w)) << self.avail;
            self.pos += 4;
            self.avail += 32;
        } else {
            while self.avail <= 56 {
                let b = self.bytes.get(self.pos).copied().unwrap_or(0);
                self.acc |= u64::from(b) << self.avail;
                self.pos += 1;
                self.avail += 8;
            }
        }
    }

    /// Reads `n` bits (`n` ≤ 32).
    #[inline]
    pub fn bits(&mut self, n: u32) -> u64 {
        debug_assert!(n <= 32);
        if self.avail < n {
            self.refill();
        }
        let v = self.acc & ((1u64 << n) - 1);
        self.acc >>= n;
        self.avail -= n;
        v
    }

    /// Reads one bit.
    #[inline]
    pub fn bit(&mut self) -> bool {
        self.bits(1) != 0
    }

    /// Reads a value written by [`BitWriter::gamma`].
    #[inline]
    pub fn gamma(&mut self) -> u64 {
        if self.avail < 32 {
            self.refill();
        }
        // Bits of `acc` above `avail` are 0, so `!acc` has a one there: `t <= avail`.
        let t = (!self.acc).trailing_zeros();
        if t < 16 {
            self.acc >>= t + 1;
            self.avail -= t + 1;
            let low = self.bits(t);
            return (low | 1 << t) - 1;
        }
        let mut k = 0;
        loop {
            if self.avail < 32 {
                self.refill();
            }
            let t = (!self.acc).trailing_zeros();
            if t < self.avail {
                k += t;
                self.acc = self.acc.checked_shr(t + 1).unwrap_or(0);
                self.avail -= t + 1;
                break;
            }
            k += self.avail;
            self.acc = 0;
            self.avail = 0;
        }
        let mut x: u128 = 0;
        let mut got = 0;
        while got < k {
            let n = (k - got).min(32);
            x |= u128::from(self.bits(n)) << got;
            got += n;
        }
        ((x | 1 << k) - 1) as u64
    }
}

/// A value with a compact canonical binary form. `unpack(pack(v)) == v`, and `pack` is a
/// function of the value alone (so equal values give equal bytes).
pub trait Pack: Sized {
    /// Writes `self`.
    fn pack(&self, w: &mut BitWriter<'_>);
    /// Reads a value written by [`Pack::pack`].
    fn unpack(r: &mut BitReader<'_>) -> Self;
}

/// Bits needed for the numbers `0..=max`.
pub const fn bits_for(max: usize) -> u32 {
    usize::BITS - max.leading_zeros()
}

impl Pack for bool {
    #[inline]
    fn pack(&self, w: &mut BitWriter<'_>) {
        w.bit(*self);
    }
    #[inline]
    fn unpack(r: &mut BitReader<'_>) -> Self {
        r.bit()
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Pack for $t {
            #[inline]
            fn pack(&self, w: &mut BitWriter<'_>) {
                w.gamma(*self as u64);
            }
            #[inline]
            fn unpack(r: &mut BitReader<'_>) -> Self {
                r.gamma() as $t
            }
        }
    )*};
}
unsigned!(u8, u16, u32, u64, usize);

macro_rules! signed {
    ($($t:ty => $u:ty),*) => {$(
        impl Pack for $t {
            /// Zigzag (0, −1, 1, −2, …), then gamma.
            #[inline]
            fn pack(&self, w: &mut BitWriter<'_>) {
                let z = ((*self as i64) << 1) ^ ((*self as i64) >> 63);
                w.gamma(z as u64);
            }
            #[inline]
            fn unpack(r: &mut BitReader<'_>) -> Self {
                let z = r.gamma();
                ((z >> 1) as i64 ^ -((z & 1) as i64)) as $t
            }
        }
    )*};
}
signed!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, isize => usize);

impl Pack for () {
    fn pack(&self, _: &mut BitWriter<'_>) {}
    fn unpack(_: &mut BitReader<'_>) -> Self {}
}

impl<T: Pack> Pack for Option<T> {
    #[inline]
    fn pack(&self, w: &mut BitWriter<'_>) {
        w.bit(self.is_some());
        if let Some(v) = self {
            v.pack(w);
        }
    }
    #[inline]
    fn unpack(r: &mut BitReader<'_>) -> Self {
        r.bit().then(|| T::unpack(r))
    }
}

impl<T: Pack> Pack for Box<T> {
    fn pack(&self, w: &mut BitWriter<'_>) {
        (**self).pack(w);
    }
    fn unpack(r: &mut BitReader<'_>) -> Self {
        Box::new(T::unpack(r))
    }
}

impl<T: Pack, const N: usize> Pack for [T; N] {
    fn pack(&self, w: &mut BitWriter<'_>) {
        for v in self {
            v.pack(w);
        }
    }
    fn unpack(r: &mut BitReader<'_>) -> Self {
        std::array::from_fn(|_| T::unpack(r))
    }
}

impl<T: Pack> Pack for Vec<T> {
    fn pack(&self, w: &mut BitWriter<'_>) {
        w.gamma(self.len() as u64);
        for v in self {
            v.pack(w);
        }
    }
    fn unpack(r: &mut BitReader<'_>) -> Self {
        let n = r.gamma() as usize;
        (0..n).map(|_| T::unpack(r)).collect()
    }
}

impl Pack for String {
    fn pack(&self, w: &mut BitWriter<'_>) {
        w.gamma(self.len() as u64);
        for &b in self.as_bytes() {
            w.bits(u64::from(b), 8);
        }
    }
    fn unpack(r: &mut BitReader<'_>) -> Self {
        let n = r.gamma() as usize;
        let bytes: Vec<u8> = (0..n).map(|_| r.bits(8) as u8).collect();
        // Only what `pack` wrote is ever read back, and that was a `String`.
        String::from_utf8(bytes).expect("packed strings are UTF-8 (engine decodes what it encoded)")
    }
}

macro_rules! tuple {
    ($($n:tt $t:ident),*) => {
        impl<$($t: Pack),*> Pack for ($($t,)*) {
            fn pack(&self, w: &mut BitWriter<'_>) {
                $(self.$n.pack(w);)*
            }
            fn unpack(r: &mut BitReader<'_>) -> Self {
                ($($t::unpack(r),)*)
            }
        }
    };
}
tuple!(0 A);
tuple!(0 A, 1 B);
tuple!(0 A, 1 B, 2 C);
tuple!(0 A, 1 B, 2 C, 3 D);

/// Packs `value` into a fresh buffer (for tests and one-off uses; the engine reuses buffers).
pub fn to_bytes<T: Pack>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = BitWriter::new(&mut out);
    value.pack(&mut w);
    w.finish();
    out
}

/// Unpacks a value from `bytes` written by [`to_bytes`].
pub fn from_bytes<T: Pack>(bytes: &[u8]) -> T {
    T::unpack(&mut BitReader::new(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_numbers_take_few_bits_and_booleans_one() {
        assert_eq!(to_bytes(&0u8).len(), 1);
        assert_eq!(to_bytes(&[true; 8]).len(), 1);
        assert_eq!(to_bytes(&[false; 9]).len(), 2);
        // 16 values of 0..=2 in 3 bits each.
        assert_eq!(to_bytes(&[2u8; 16]).len(), 6);
        assert_eq!(to_bytes(&Vec::<u8>::new()), vec![0]);
        // Length 1 (`1`, `0`, `0`), then the element 0 (`0`), least significant bit first.
        assert_eq!(to_bytes(&vec![0u8]), vec![0b0001]);
        assert_eq!(bits_for(0), 0);
        assert_eq!(bits_for(9), 4);
    }

    proptest! {
        #[test]
        fn every_value_round_trips(
            a in any::<u64>(), b in any::<i32>(), c in any::<Option<u16>>(),
            v in proptest::collection::vec(any::<(bool, u8, i64)>(), 0..20),
            s in ".*",
        ) {
            let value = (a, b, c, (v, s));
            let bytes = to_bytes(&value);
            prop_assert_eq!(from_bytes::<(u64, i32, Option<u16>, (Vec<(bool, u8, i64)>, String))>(&bytes), value);
        }

        #[test]
        fn unequal_values_pack_to_unequal_bytes(x in any::<(u64, bool, u32)>(), y in any::<(u64, bool, u32)>()) {
            prop_assert_eq!(x == y, to_bytes(&x) == to_bytes(&y));
        }
    }
}
