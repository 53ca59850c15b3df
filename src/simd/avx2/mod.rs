//! The AVX2 and FMA back end: a token that exists only where the processor has both, the entry
//! that compiles a [`Kernel`] for them, and the vector versions of the [`Isa`] operations
//! (standard normals in [`normals`], the level walk, lognormal growth and each year's figures in
//! [`walk`]), with the lanes of the formulas written once in [`lanes`].

mod lanes;
mod normals;
mod walk;

use std::arch::x86_64::{__m256d, _mm256_loadu_pd, _mm256_storeu_pd};
use std::slice::ChunksExact;

use crate::engine::walk::SpanWalk;
use crate::model::growth::Ar1;
use crate::random::normals::State;
use crate::simd::{Isa, Kernel};

/// Proof that the processor has AVX2 and FMA: made only by [`Avx2::detect`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// The token, where the processor has AVX2 and FMA (every x86-64 processor with AVX2 that
    /// tradesim may meet has FMA too; the vector code needs both).
    pub(crate) fn detect() -> Option<Self> {
        (std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")).then_some(Avx2(()))
    }
}

/// Runs `kernel` compiled with AVX2 and FMA.
#[inline]
pub(crate) fn run<K: Kernel>(token: Avx2, kernel: K) -> K::Output {
    // SAFETY: the token exists, so the processor has AVX2 and FMA.
    unsafe { enter(token, kernel) }
}

#[target_feature(enable = "avx2,fma")]
fn enter<K: Kernel>(token: Avx2, kernel: K) -> K::Output {
    kernel.run(token)
}

// SAFETY (every `unsafe` block of this impl): each calls a function compiled for AVX2 and FMA,
// and `self` is the token that proves the processor has them.
impl Isa for Avx2 {
    #[inline(always)]
    fn fill_normals(self, state: &mut State, out: &mut [f64]) {
        unsafe { normals::fill(state, out) }
    }

    #[inline(always)]
    fn lognormal4(self, ar: Ar1, mu: &[f64], s: &[f64], gross: &mut [f64]) {
        unsafe { walk::lognormal4(ar, mu, s, gross) }
    }

    #[inline(always)]
    fn year_figures4(
        self,
        fours: &mut ChunksExact<f64>,
        target: f64,
        min: &mut [f64; 4],
        max: &mut [f64; 4],
        above: &mut [f64; 4],
    ) {
        unsafe { walk::year_figures4(fours, target, min, max, above) }
    }

    #[inline(always)]
    fn walk4<const R: usize>(
        self,
        spans: &SpanWalk,
        effects: Option<(&[f64], &[u64])>,
        gross: &[f64],
        values: &mut [f64],
    ) -> Option<([f64; 4], [f64; 4])> {
        Some(unsafe { walk::walk4::<R>(spans, effects, gross, values) })
    }
}

/// The four elements of `v` (which must have four) as a vector.
#[inline(always)]
fn load(v: &[f64]) -> __m256d {
    let v: &[f64; 4] = v.try_into().expect("four lanes");
    // SAFETY: reads the four elements of `v`; only called from AVX2 code.
    unsafe { _mm256_loadu_pd(v.as_ptr()) }
}

/// Writes `v` to the four elements of `to` (which must have four).
#[inline(always)]
fn store(to: &mut [f64], v: __m256d) {
    let to: &mut [f64; 4] = to.try_into().expect("four lanes");
    // SAFETY: writes the four elements of `to`; only called from AVX2 code.
    unsafe { _mm256_storeu_pd(to.as_mut_ptr(), v) }
}

#[cfg(test)]
mod tests {
    use super::lanes::F64x4;
    use super::*;
    use crate::model::exp::{exp, exp_lanes};

    #[test]
    fn exp_of_four_lanes_agrees_with_one_lane_bit_for_bit() {
        let Some(token) = Avx2::detect() else {
            eprintln!("exp_of_four_lanes_agrees_with_one_lane_bit_for_bit: SKIPPED, this CPU has no AVX2 and FMA");
            return;
        };
        struct Exp4<'a>(&'a [f64]);
        impl Kernel for Exp4<'_> {
            type Output = Vec<f64>;
            #[inline(always)]
            fn run<I: Isa>(self, _: I) -> Vec<f64> {
                let mut out = vec![0.0; self.0.len()];
                for (four, to) in self.0.chunks_exact(4).zip(out.chunks_exact_mut(4)) {
                    store(to, exp_lanes(F64x4(load(four))).0);
                }
                out
            }
        }
        let inputs: Vec<f64> = (0..4004).map(|i| f64::from(i) * 0.37 - 740.0).collect();
        let vector = run(token, Exp4(&inputs));
        let scalar: Vec<f64> = inputs.iter().map(|&x| exp(x)).collect();
        assert_eq!(
            vector.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            scalar.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}
