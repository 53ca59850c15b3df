//! [`Floats`] and [`Words`] for four lanes in AVX2 vectors, so that the formulas written once
//! (`exp`, the generator step, the ziggurat's fast path) compile to vector instructions.
//!
//! SAFETY (every `unsafe` block of this file): the intrinsics need AVX2 and FMA. Values of these
//! types are made only by the code of `crate::simd::avx2`, which runs only under its token
//! ([`super::Avx2`]): the processor has both. The methods are `#[inline(always)]`, so that
//! they are compiled into their callers, which have the features enabled, as single
//! instructions.

use std::arch::x86_64::*;

use crate::simd::lanes::{Floats, Words};

/// Four `f64` lanes.
#[derive(Clone, Copy)]
pub(crate) struct F64x4(pub(super) __m256d);

/// Four `u64` lanes.
#[derive(Clone, Copy)]
pub(crate) struct U64x4(pub(super) __m256i);

impl Floats for F64x4 {
    type Words = U64x4;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        F64x4(unsafe { _mm256_set1_pd(x) })
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        F64x4(unsafe { _mm256_add_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        F64x4(unsafe { _mm256_sub_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn mul(self, other: Self) -> Self {
        F64x4(unsafe { _mm256_mul_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        F64x4(unsafe { _mm256_fmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn neg_mul_add(self, b: Self, c: Self) -> Self {
        F64x4(unsafe { _mm256_fnmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        F64x4(unsafe { _mm256_max_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        F64x4(unsafe { _mm256_min_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn abs(self) -> Self {
        F64x4(unsafe { _mm256_and_pd(self.0, _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX))) })
    }
    #[inline(always)]
    fn lt_mask(self, other: Self) -> u32 {
        // `<` on doubles, false for NaN: `_CMP_LT_OQ`.
        (unsafe { _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(self.0, other.0)) }) as u32
    }
    #[inline(always)]
    fn to_bits(self) -> U64x4 {
        U64x4(unsafe { _mm256_castpd_si256(self.0) })
    }
    #[inline(always)]
    fn from_bits(bits: U64x4) -> Self {
        F64x4(unsafe { _mm256_castsi256_pd(bits.0) })
    }
    /// One 16-byte load per lane, regrouped into a vector of the four `table[i]` and one of the
    /// four `table[i + 1]`. (AVX2's gathers are slower here.)
    #[inline(always)]
    fn table_pair(table: &[f64; 257], index: U64x4) -> (Self, Self) {
        let bits = index.0;
        let i = |lane| {
            (unsafe {
                match lane {
                    0 => _mm256_extract_epi64::<0>(bits),
                    1 => _mm256_extract_epi64::<1>(bits),
                    2 => _mm256_extract_epi64::<2>(bits),
                    _ => _mm256_extract_epi64::<3>(bits),
                }
            } & 0xff) as usize
        };
        // Each i is at most 255 and the table has 257 entries, so table[i] and table[i + 1] are
        // in bounds.
        let pair = |lane| unsafe { _mm_loadu_pd(table.as_ptr().add(i(lane))) };
        let (p0, p1, p2, p3) = (pair(0), pair(1), pair(2), pair(3));
        unsafe {
            (
                F64x4(_mm256_set_m128d(_mm_unpacklo_pd(p2, p3), _mm_unpacklo_pd(p0, p1))),
                F64x4(_mm256_set_m128d(_mm_unpackhi_pd(p2, p3), _mm_unpackhi_pd(p0, p1))),
            )
        }
    }
}

impl Words for U64x4 {
    #[inline(always)]
    fn splat(x: u64) -> Self {
        U64x4(unsafe { _mm256_set1_epi64x(x as i64) })
    }
    #[inline(always)]
    fn wrapping_add(self, other: Self) -> Self {
        U64x4(unsafe { _mm256_add_epi64(self.0, other.0) })
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        U64x4(unsafe { _mm256_xor_si256(self.0, other.0) })
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        U64x4(unsafe { _mm256_or_si256(self.0, other.0) })
    }
    #[inline(always)]
    fn shl17(self) -> Self {
        U64x4(unsafe { _mm256_slli_epi64::<17>(self.0) })
    }
    #[inline(always)]
    fn shl52(self) -> Self {
        U64x4(unsafe { _mm256_slli_epi64::<52>(self.0) })
    }
    #[inline(always)]
    fn shr12(self) -> Self {
        U64x4(unsafe { _mm256_srli_epi64::<12>(self.0) })
    }
    /// AVX2 has no 64-bit rotate: two shifts and an or.
    #[inline(always)]
    fn rotl23(self) -> Self {
        U64x4(unsafe { _mm256_or_si256(_mm256_slli_epi64::<23>(self.0), _mm256_srli_epi64::<41>(self.0)) })
    }
    #[inline(always)]
    fn rotl45(self) -> Self {
        U64x4(unsafe { _mm256_or_si256(_mm256_slli_epi64::<45>(self.0), _mm256_srli_epi64::<19>(self.0)) })
    }
}
