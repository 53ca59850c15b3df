//! Numbers in lanes, whatever holds them: the operations that the formulas written once need
//! (the `exp` of [`crate::model::exp`], the Xoshiro256++ step and the ziggurat's fast path of
//! [`crate::random::normals`]), for one lane (`f64`, `u64`) and for four lanes in arrays (the
//! portable back end). The AVX2 back end implements them for its vectors
//! ([`crate::simd::avx2`]). Each operation is one IEEE-754 operation per lane, so a formula
//! gives the same bits in every implementation.

/// Floating-point lanes.
pub(crate) trait Floats: Copy {
    /// The matching integer lanes (a float's bits).
    type Words: Words;
    fn splat(x: f64) -> Self;
    fn add(self, other: Self) -> Self;
    fn sub(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    /// `self * b + c` with one rounding.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// `c - self * b` with one rounding.
    fn neg_mul_add(self, b: Self, c: Self) -> Self;
    /// `self > other ? self : other` (as `vmaxpd`).
    fn max(self, other: Self) -> Self;
    /// `self < other ? self : other` (as `vminpd`).
    fn min(self, other: Self) -> Self;
    fn abs(self) -> Self;
    /// Bit `lane` set where `self < other` in that lane.
    fn lt_mask(self, other: Self) -> u32;
    fn to_bits(self) -> Self::Words;
    fn from_bits(bits: Self::Words) -> Self;
    /// `(table[i], table[i + 1])` in each lane, `i` the low 8 bits of its word of `index`.
    fn table_pair(table: &[f64; 257], index: Self::Words) -> (Self, Self);
}

/// 64-bit integer lanes, with the shifts and rotations the formulas use (named for what they
/// do: the vector instructions take their counts as constants).
pub(crate) trait Words: Copy {
    fn splat(x: u64) -> Self;
    fn wrapping_add(self, other: Self) -> Self;
    fn xor(self, other: Self) -> Self;
    fn or(self, other: Self) -> Self;
    fn shl17(self) -> Self;
    fn shl52(self) -> Self;
    fn shr12(self) -> Self;
    fn rotl23(self) -> Self;
    fn rotl45(self) -> Self;
}

impl Floats for f64 {
    type Words = u64;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self + other
    }
    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        self - other
    }
    #[inline(always)]
    fn mul(self, other: Self) -> Self {
        self * other
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        f64::mul_add(self, b, c)
    }
    #[inline(always)]
    fn neg_mul_add(self, b: Self, c: Self) -> Self {
        f64::mul_add(-self, b, c)
    }
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        if self > other { self } else { other }
    }
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        if self < other { self } else { other }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f64::abs(self)
    }
    #[inline(always)]
    fn lt_mask(self, other: Self) -> u32 {
        u32::from(self < other)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        f64::from_bits(bits)
    }
    #[inline(always)]
    fn table_pair(table: &[f64; 257], index: u64) -> (Self, Self) {
        let i = (index & 0xff) as usize;
        (table[i], table[i + 1])
    }
}

impl Words for u64 {
    #[inline(always)]
    fn splat(x: u64) -> Self {
        x
    }
    #[inline(always)]
    fn wrapping_add(self, other: Self) -> Self {
        u64::wrapping_add(self, other)
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        self ^ other
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        self | other
    }
    #[inline(always)]
    fn shl17(self) -> Self {
        self << 17
    }
    #[inline(always)]
    fn shl52(self) -> Self {
        self << 52
    }
    #[inline(always)]
    fn shr12(self) -> Self {
        self >> 12
    }
    #[inline(always)]
    fn rotl23(self) -> Self {
        self.rotate_left(23)
    }
    #[inline(always)]
    fn rotl45(self) -> Self {
        self.rotate_left(45)
    }
}

/// Four lanes in arrays: each operation is the one-lane operation, lane by lane.
impl Floats for [f64; 4] {
    type Words = [u64; 4];
    #[inline(always)]
    fn splat(x: f64) -> Self {
        [x; 4]
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        std::array::from_fn(|l| self[l] + other[l])
    }
    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        std::array::from_fn(|l| self[l] - other[l])
    }
    #[inline(always)]
    fn mul(self, other: Self) -> Self {
        std::array::from_fn(|l| self[l] * other[l])
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        std::array::from_fn(|l| Floats::mul_add(self[l], b[l], c[l]))
    }
    #[inline(always)]
    fn neg_mul_add(self, b: Self, c: Self) -> Self {
        std::array::from_fn(|l| self[l].neg_mul_add(b[l], c[l]))
    }
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        std::array::from_fn(|l| Floats::max(self[l], other[l]))
    }
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        std::array::from_fn(|l| Floats::min(self[l], other[l]))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        self.map(f64::abs)
    }
    #[inline(always)]
    fn lt_mask(self, other: Self) -> u32 {
        (0..4).fold(0, |mask, l| mask | self[l].lt_mask(other[l]) << l)
    }
    #[inline(always)]
    fn to_bits(self) -> [u64; 4] {
        self.map(f64::to_bits)
    }
    #[inline(always)]
    fn from_bits(bits: [u64; 4]) -> Self {
        bits.map(f64::from_bits)
    }
    #[inline(always)]
    fn table_pair(table: &[f64; 257], index: [u64; 4]) -> (Self, Self) {
        let pairs = index.map(|i| f64::table_pair(table, i));
        (pairs.map(|p| p.0), pairs.map(|p| p.1))
    }
}

impl Words for [u64; 4] {
    #[inline(always)]
    fn splat(x: u64) -> Self {
        [x; 4]
    }
    #[inline(always)]
    fn wrapping_add(self, other: Self) -> Self {
        std::array::from_fn(|l| self[l].wrapping_add(other[l]))
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        std::array::from_fn(|l| self[l] ^ other[l])
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        std::array::from_fn(|l| self[l] | other[l])
    }
    #[inline(always)]
    fn shl17(self) -> Self {
        self.map(Words::shl17)
    }
    #[inline(always)]
    fn shl52(self) -> Self {
        self.map(Words::shl52)
    }
    #[inline(always)]
    fn shr12(self) -> Self {
        self.map(Words::shr12)
    }
    #[inline(always)]
    fn rotl23(self) -> Self {
        self.map(Words::rotl23)
    }
    #[inline(always)]
    fn rotl45(self) -> Self {
        self.map(Words::rotl45)
    }
}
