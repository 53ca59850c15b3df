//! `exp` for the hot loop of SPEC §2 step 4 (lognormal growth: `1 + r = exp(mu + s * z)`),
//! written once for any lanes ([`Floats`]): one value, four in arrays, or four in an AVX2 vector.
//!
//! One `exp` per path and year is the largest cost of a lognormal scenario after drawing the
//! normals. This version is branch-free, so a loop over a path's years compiles to vector
//! instructions, and it is plain IEEE arithmetic in a fixed order, so its results are the same
//! bits on every machine (libm's `exp` picks code by CPU at run time). Its multiply-adds are
//! fused (one rounding each): one instruction each where the CPU has FMA, and libm's correctly
//! rounded `fma` elsewhere, the same bits either way. Accuracy: within 2 ulp of the exact value
//! over the whole range the model uses (tested against `f64::exp`).

use crate::simd::lanes::{Floats, Words};

const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split in two (fdlibm's constants): `n * LN2_HI` is exact for the `n` used here.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// Adding 1.5 * 2^52 rounds to the nearest integer and leaves it in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// Beyond these the result would overflow or lose all precision; inputs are clamped to them.
pub const MAX_ARGUMENT: f64 = 709.0;
pub const MIN_ARGUMENT: f64 = -708.0;

/// `1 / k!` for `k = 0 ..= 13`: the Taylor series of `e^r`.
const TAYLOR: [f64; 14] = [
    1.0,
    1.0,
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `e^x` in each lane, for `x` clamped to `[MIN_ARGUMENT, MAX_ARGUMENT]`.
#[inline(always)]
pub(crate) fn exp_lanes<F: Floats>(x: F) -> F {
    let c = F::splat;
    let x = x.max(c(MIN_ARGUMENT)).min(c(MAX_ARGUMENT));
    let t = x.mul_add(c(LOG2_E), c(ROUNDER));
    let n = t.sub(c(ROUNDER));
    // x = n ln2 + r with |r| <= ln2 / 2.
    let r = n.neg_mul_add(c(LN2_LO), n.neg_mul_add(c(LN2_HI), x));
    // e^r by its Taylor series to r^13: the remainder is below 2e-17 relative for |r| <= 0.347.
    // Evaluated by Estrin's scheme (pairs, then pairs of pairs) rather than Horner's: a chain
    // of 4 multiply-adds instead of 13, so the processor can overlap them.
    let r2 = r.mul(r);
    let r4 = r2.mul(r2);
    let r8 = r4.mul(r4);
    // The terms k and k + 1: 1/k! + r / (k + 1)!.
    let pair = |k: usize| r.mul_add(c(TAYLOR[k + 1]), c(TAYLOR[k]));
    let p01 = c(1.0).add(r);
    let (p23, p45, p67, p89, p1011, p1213) = (pair(2), pair(4), pair(6), pair(8), pair(10), pair(12));
    let p03 = r2.mul_add(p23, p01);
    let p47 = r2.mul_add(p67, p45);
    let p811 = r2.mul_add(p1011, p89);
    let p07 = r4.mul_add(p47, p03);
    let p813 = r4.mul_add(p1213, p811);
    let p = r8.mul_add(p813, p07);
    // 2^n from the low bits of t: (n + 1023) in the exponent field.
    let scale = F::from_bits(t.to_bits().wrapping_add(F::Words::splat(1023)).shl52());
    p.mul(scale)
}

/// `e^x`, for `x` clamped to `[MIN_ARGUMENT, MAX_ARGUMENT]`.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    exp_lanes(x)
}

/// Replaces every element `x` by `e^x`. (Inlined into the AVX2 back end's code, its
/// multiply-adds become FMA instructions: the same bits.)
#[inline(always)]
pub fn exp_in_place(values: &mut [f64]) {
    for v in values.iter_mut() {
        *v = exp(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn within_two_ulp_of_std_exp() {
        let mut worst = 0;
        let mut x = -700.0;
        while x < 700.0 {
            worst = worst.max(ulps(exp(x), x.exp()));
            x += 0.000_731_3;
        }
        for i in -100_000..100_000 {
            let x = f64::from(i) * 1e-5;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 2, "worst error {worst} ulp");
    }

    #[test]
    fn four_lanes_in_arrays_agree_with_one_lane_bit_for_bit() {
        let inputs: Vec<f64> = (0..4004).map(|i| f64::from(i) * 0.37 - 740.0).collect();
        for four in inputs.chunks_exact(4) {
            let lanes: [f64; 4] = exp_lanes(<[f64; 4]>::try_from(four).unwrap());
            let scalar = [exp(four[0]), exp(four[1]), exp(four[2]), exp(four[3])];
            assert_eq!(lanes.map(f64::to_bits), scalar.map(f64::to_bits), "{four:?}");
        }
    }

    #[test]
    fn exact_where_it_must_be_and_clamped_at_the_ends() {
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(1000.0).is_finite() && exp(1000.0) > 1e307);
        assert!(exp(-1000.0) > 0.0 && exp(-1000.0) < 1e-307);
    }
}
