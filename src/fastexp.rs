//! `exp` for the hot loop of SPEC §2 step 4 (lognormal growth: `1 + r = exp(mu + s * z)`).
//!
//! One `exp` per path and year is the largest cost of a lognormal scenario after drawing the
//! normals. This version is branch-free, so a loop over a path's years compiles to vector
//! instructions, and it is plain IEEE arithmetic in a fixed order, so its results are the same
//! bits on every machine (libm's `exp` picks code by CPU at run time). Its multiply-adds are
//! fused (`f64::mul_add`, one rounding each): one instruction each where the CPU has FMA (the
//! AVX2 code requires it), and libm's correctly rounded `fma` elsewhere, the same bits either
//! way. Accuracy: within 2 ulp of the exact value over the whole range the model uses (tested
//! against `f64::exp`).

const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split in two (fdlibm's constants): `n * LN2_HI` is exact for the `n` used here.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// Adding 1.5 * 2^52 rounds to the nearest integer and leaves it in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// Beyond these the result would overflow or lose all precision; inputs are clamped to them.
pub const MAX_ARGUMENT: f64 = 709.0;
pub const MIN_ARGUMENT: f64 = -708.0;

/// `e^x`, for `x` clamped to `[MIN_ARGUMENT, MAX_ARGUMENT]`.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(MIN_ARGUMENT, MAX_ARGUMENT);
    let t = x.mul_add(LOG2_E, ROUNDER);
    let n = t - ROUNDER;
    // x = n ln2 + r with |r| <= ln2 / 2.
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, x));
    // e^r by its Taylor series to r^13: the remainder is below 2e-17 relative for |r| <= 0.347.
    // Evaluated by Estrin's scheme (pairs, then pairs of pairs) rather than Horner's: a chain
    // of 4 multiply-adds instead of 13, so the processor can overlap them.
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = 1.0 + r;
    let p23 = r.mul_add(1.0 / 6.0, 1.0 / 2.0);
    let p45 = r.mul_add(1.0 / 120.0, 1.0 / 24.0);
    let p67 = r.mul_add(1.0 / 5_040.0, 1.0 / 720.0);
    let p89 = r.mul_add(1.0 / 362_880.0, 1.0 / 40_320.0);
    let p1011 = r.mul_add(1.0 / 39_916_800.0, 1.0 / 3_628_800.0);
    let p1213 = r.mul_add(1.0 / 6_227_020_800.0, 1.0 / 479_001_600.0);
    let p03 = r2.mul_add(p23, p01);
    let p47 = r2.mul_add(p67, p45);
    let p811 = r2.mul_add(p1011, p89);
    let p07 = r4.mul_add(p47, p03);
    let p813 = r4.mul_add(p1213, p811);
    let p = r8.mul_add(p813, p07);
    // 2^n from the low bits of t: (n + 1023) in the exponent field.
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// Replaces every element `x` by `e^x`. Uses 256-bit vectors and FMA instructions where the
/// CPU has AVX2 and FMA; the arithmetic is the same, so the results are the same bits either way.
#[inline]
pub fn exp_in_place(values: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
        unsafe { exp_in_place_avx2(values) };
        return;
    }
    exp_in_place_portable(values);
}

#[inline(always)]
fn exp_in_place_portable(values: &mut [f64]) {
    for v in values.iter_mut() {
        *v = exp(*v);
    }
}

/// Whether the CPU has AVX2 and FMA, which the vector code of this crate requires together
/// (every x86-64 processor with AVX2 that tradesim may meet has FMA too).
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exp_in_place_avx2(values: &mut [f64]) {
    exp_in_place_portable(values);
}

/// [`exp`] of four values in one 256-bit vector: the same operations in the same order, so
/// the same bits lane by lane (`vmaxpd`/`vminpd` are the clamp, `vfmadd` and `vfnmadd` the
/// `mul_add`s). For callers that already work in AVX2 vectors, such as the engine's lognormal
/// growth.
///
/// # Safety
/// The CPU must support AVX2 and FMA (a caller compiled with both enabled may call it safely).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
pub fn exp4_avx2(x: std::arch::x86_64::__m256d) -> std::arch::x86_64::__m256d {
    use std::arch::x86_64::*;
    let c = _mm256_set1_pd;
    // `fma(a, b, c)` is `a.mul_add(b, c)`; `fnma(a, b, c)` is `(-a).mul_add(b, c)`.
    let (fma, fnma, mul, sub) = (_mm256_fmadd_pd, _mm256_fnmadd_pd, _mm256_mul_pd, _mm256_sub_pd);
    let x = _mm256_min_pd(_mm256_max_pd(x, c(MIN_ARGUMENT)), c(MAX_ARGUMENT));
    let t = fma(x, c(LOG2_E), c(ROUNDER));
    let n = sub(t, c(ROUNDER));
    let r = fnma(n, c(LN2_LO), fnma(n, c(LN2_HI), x));
    let r2 = mul(r, r);
    let r4 = mul(r2, r2);
    let r8 = mul(r4, r4);
    let p01 = _mm256_add_pd(c(1.0), r);
    let p23 = fma(r, c(1.0 / 6.0), c(1.0 / 2.0));
    let p45 = fma(r, c(1.0 / 120.0), c(1.0 / 24.0));
    let p67 = fma(r, c(1.0 / 5_040.0), c(1.0 / 720.0));
    let p89 = fma(r, c(1.0 / 362_880.0), c(1.0 / 40_320.0));
    let p1011 = fma(r, c(1.0 / 39_916_800.0), c(1.0 / 3_628_800.0));
    let p1213 = fma(r, c(1.0 / 6_227_020_800.0), c(1.0 / 479_001_600.0));
    let p03 = fma(r2, p23, p01);
    let p47 = fma(r2, p67, p45);
    let p811 = fma(r2, p1011, p89);
    let p07 = fma(r4, p47, p03);
    let p813 = fma(r4, p1213, p811);
    let p = fma(r8, p813, p07);
    let scale = _mm256_slli_epi64::<52>(_mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1023)));
    mul(p, _mm256_castsi256_pd(scale))
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
    fn vector_and_scalar_paths_agree_bit_for_bit() {
        let inputs: Vec<f64> = (0..1001).map(|i| f64::from(i) * 0.0137 - 6.0).collect();
        let mut dispatched = inputs.clone();
        exp_in_place(&mut dispatched);
        let mut portable = inputs.clone();
        exp_in_place_portable(&mut portable);
        let scalar: Vec<f64> = inputs.iter().map(|&x| exp(x)).collect();
        assert_eq!(dispatched, scalar);
        assert_eq!(portable, scalar);
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn four_lane_vector_agrees_bit_for_bit() {
        if !avx2_fma() {
            return;
        }
        let inputs: Vec<f64> = (0..4004).map(|i| f64::from(i) * 0.37 - 740.0).collect();
        for four in inputs.chunks_exact(4) {
            let mut out = [0.0; 4];
            // SAFETY: AVX2 and FMA were detected above; the load and store touch four elements
            // each.
            unsafe {
                use std::arch::x86_64::*;
                _mm256_storeu_pd(out.as_mut_ptr(), exp4_avx2(_mm256_loadu_pd(four.as_ptr())));
            }
            let scalar = [exp(four[0]), exp(four[1]), exp(four[2]), exp(four[3])];
            assert_eq!(out.map(f64::to_bits), scalar.map(f64::to_bits), "{four:?}");
        }
    }

    #[test]
    fn exact_where_it_must_be_and_clamped_at_the_ends() {
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(1000.0).is_finite() && exp(1000.0) > 1e307);
        assert!(exp(-1000.0) > 0.0 && exp(-1000.0) < 1e-307);
    }
}
