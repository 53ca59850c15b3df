//! [`crate::random::normals::NormalLanes::fill`] with AVX2: the four generators' state in four
//! 256-bit vectors (one per state word, lanes across) held in registers for the whole loop, the
//! generator step and the ziggurat's fast path as written once in `crate::random::normals`, and
//! the rare lanes that miss the fast path finished in vectors too ([`finish`]). Plain Rust over
//! arrays does not vectorise here (LLVM's SLP vectoriser gives up over the table lookups), hence
//! this back end. The same operations in the same IEEE double arithmetic: the same bits (tested).

use std::arch::x86_64::*;

use super::lanes::{F64x4, U64x4};
use crate::model::exp::exp_lanes;
use crate::random::normals::{ALL_LANES, LANES, LaneRng, State, fast_path, finish as finish_scalar, xoshiro_step};
use crate::random::ziggurat::ZIG_NORM_F;
use crate::simd::lanes::Floats;

/// Fills `out` (a multiple of four long) with the next standard normals of the generators in
/// `state`, lanes interleaved.
#[target_feature(enable = "avx2,fma")]
pub(super) fn fill(state: &mut State, out: &mut [f64]) {
    // SAFETY (both): `words` is a `[u64; 4]`, 32 bytes; the loads and stores are unaligned.
    let load = |words: &[u64; LANES]| U64x4(unsafe { _mm256_loadu_si256(words.as_ptr().cast()) });
    let store = |v: U64x4| {
        let mut words = [0u64; LANES];
        unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), v.0) };
        words
    };
    let mut s = [load(&state[0]), load(&state[1]), load(&state[2]), load(&state[3])];
    for slot in out.chunks_exact_mut(LANES) {
        let bits = xoshiro_step(&mut s);
        let (x, accept) = fast_path::<F64x4>(bits);
        // SAFETY: `slot` is 4 writable f64s; the store is unaligned.
        unsafe { _mm256_storeu_pd(slot.as_mut_ptr(), x.0) };
        if accept != ALL_LANES {
            let x = finish(&mut s, bits, x, accept);
            // SAFETY: as above.
            unsafe { _mm256_storeu_pd(slot.as_mut_ptr(), x.0) };
        }
    }
    *state = s.map(store);
}

/// The rare slot of [`fill`] where a lane missed the fast path: finishes the lanes that missed
/// (not in `accept`), from their words `bits` and first tries `x`, in vectors too, until each has
/// its draw. For each: the wedge test (one more word from the lane's generator, a uniform, and
/// the density by `exp`); for a wedge rejected, a fresh draw (rand_distr's loop going round
/// again), and so on. Returns the four draws; the other lanes' draws stand, and their generators
/// do not move (their next states are blended away). Only the tail of the base strip, about one
/// draw in 4,000, goes to the scalar [`finish_scalar`].
///
/// The density must decide the wedge test as rand_distr's `exp` (std's) would: where ours is
/// too close to the uniform point to tell (within 2^-40 of it relative, against an error of
/// 2 ulp), std's decides.
#[target_feature(enable = "avx2,fma")]
#[cold]
#[inline(never)]
fn finish(s: &mut [U64x4; 4], bits: U64x4, x: F64x4, accept: u32) -> F64x4 {
    // SAFETY (all three): each moves four lanes between a vector and a 32-byte array; the
    // loads and stores are unaligned.
    let words = |v: __m256i| {
        let mut words = [0u64; LANES];
        unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), v) };
        words
    };
    let floats = |v: __m256d| {
        let mut floats = [0.0; LANES];
        unsafe { _mm256_storeu_pd(floats.as_mut_ptr(), v) };
        floats
    };
    let vector = |floats: [f64; LANES]| unsafe { _mm256_loadu_pd(floats.as_ptr()) };
    // The lanes of a 4-bit mask as a vector mask (all ones in a lane whose bit is set).
    let lanes = |mask: u32| {
        let bit = _mm256_setr_epi64x(1, 2, 4, 8);
        _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(i64::from(mask)), bit), bit)
    };
    // One step of every lane's generator: its output, and the state after it.
    let advance = |mut state: [U64x4; 4]| {
        let word = xoshiro_step(&mut state);
        (word.0, state)
    };
    // `new` in the lanes of `mask`, `old` in the others: only those lanes' generators move.
    let blend = |old: [U64x4; 4], new: [U64x4; 4], mask: __m256i| {
        [0, 1, 2, 3].map(|w| U64x4(_mm256_blendv_epi8(old[w].0, new[w].0, mask)))
    };
    let (mut bits, mut x) = (bits.0, x.0);
    let mut state = *s;
    // The lanes still without their draw; their `x` came from their word in `bits`.
    let mut missed = !accept & ALL_LANES;
    loop {
        // The base strip's tail (`i == 0`): the scalar code, from the lane's state now (just
        // past its word), then its new state blended in.
        let strip_zero = _mm256_cmpeq_epi64(_mm256_and_si256(bits, _mm256_set1_epi64x(0xff)), _mm256_setzero_si256());
        let tails = missed & _mm256_movemask_pd(_mm256_castsi256_pd(strip_zero)) as u32;
        if tails != 0 {
            let (first, mut xs) = (words(bits), floats(x));
            let now = state.map(|w| words(w.0));
            for lane in (0..LANES).filter(|&lane| tails & (1 << lane) != 0) {
                let mut rng = LaneRng(now.map(|w| w[lane]));
                xs[lane] = finish_scalar(&mut rng, first[lane]);
                state = blend(state, rng.0.map(|word| U64x4(_mm256_set1_epi64x(word as i64))), lanes(1 << lane));
            }
            x = vector(xs);
            missed &= !tails;
        }
        if missed == 0 {
            break;
        }
        // The wedge: one more word of each missed lane as a uniform `r` in [0, 1) (rand's
        // `random::<f64>()`: the top 53 bits times 2^-53, converted exactly in two halves), and
        // the test `F[i + 1] + (F[i] - F[i + 1]) r < exp(-x * x / 2)`.
        let take = lanes(missed);
        let (word, next) = advance(state);
        state = blend(state, next, take);
        let top = _mm256_srli_epi64::<11>(word);
        let exponent_bits = |e: i64| _mm256_set1_epi64x(e << 52);
        let high = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64::<32>(top), exponent_bits(1023 + 84))),
            _mm256_set1_pd(2f64.powi(84)),
        );
        let low = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_blend_epi32::<0b1010_1010>(top, exponent_bits(1023 + 52))),
            _mm256_set1_pd(2f64.powi(52)),
        );
        let r = _mm256_mul_pd(_mm256_set1_pd(2f64.powi(-53)), _mm256_add_pd(high, low));
        let (f_i, f_next) = F64x4::table_pair(&ZIG_NORM_F, U64x4(bits));
        let point = _mm256_add_pd(f_next.0, _mm256_mul_pd(_mm256_sub_pd(f_i.0, f_next.0), r));
        // `-x * x / 2`: halving is exact, so `* 0.5` is the same bits as rand_distr's `/ 2.0`.
        let minus_x = _mm256_xor_pd(x, _mm256_set1_pd(-0.0));
        let exponent = _mm256_mul_pd(_mm256_mul_pd(minus_x, x), _mm256_set1_pd(0.5));
        // Meanwhile, the draw a rejected wedge goes on to (rand_distr starts afresh with a new
        // word, a new fast path), taken for every missed lane and kept for the rejected ones,
        // so that it need not wait for the test.
        let (next_word, after) = advance(state);
        let (fresh, fresh_accept) = fast_path::<F64x4>(U64x4(next_word));
        let under = under_density(point, exponent);
        let rejected = _mm256_andnot_si256(_mm256_castpd_si256(under), take);
        state = blend(state, after, rejected);
        x = _mm256_blendv_pd(x, fresh.0, _mm256_castsi256_pd(rejected));
        bits = _mm256_blendv_epi8(bits, next_word, rejected);
        missed = _mm256_movemask_pd(_mm256_castsi256_pd(rejected)) as u32 & !fresh_accept;
        if missed == 0 {
            break;
        }
    }
    *s = state;
    F64x4(x)
}

/// The wedge test of [`finish`]: in each lane, whether `point < exp(exponent)` with std's
/// `exp`, as rand_distr decides it (a vector mask, all ones where it holds). Our `exp` (within
/// 2 ulp) decides where it is further than 2^-40 (relative) from the point; std's decides the
/// rest, which practically never occur.
#[target_feature(enable = "avx2,fma")]
fn under_density(point: __m256d, exponent: __m256d) -> __m256d {
    let density = exp_lanes(F64x4(exponent)).0;
    let under = _mm256_cmp_pd::<_CMP_LT_OQ>(point, density);
    let gap = _mm256_and_pd(_mm256_sub_pd(point, density), _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX)));
    let tolerance = _mm256_mul_pd(density, _mm256_set1_pd(2f64.powi(-40)));
    let close = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LE_OQ>(gap, tolerance));
    if close == 0 {
        return under;
    }
    let (mut points, mut exponents, mut decided) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
    // SAFETY: each array is 32 bytes; the loads and stores are unaligned.
    unsafe {
        _mm256_storeu_pd(points.as_mut_ptr(), point);
        _mm256_storeu_pd(exponents.as_mut_ptr(), exponent);
        _mm256_storeu_pd(decided.as_mut_ptr(), under);
    }
    for lane in (0..LANES).filter(|&lane| close & (1 << lane) != 0) {
        let below = points[lane] < exponents[lane].exp();
        decided[lane] = f64::from_bits(if below { u64::MAX } else { 0 });
    }
    // SAFETY: as above.
    unsafe { _mm256_loadu_pd(decided.as_ptr()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::exp::exp;
    use crate::simd::avx2::Avx2;

    /// The wedge test follows std's `exp` where ours differs from it and the point lies between
    /// the two, and ours elsewhere.
    #[test]
    fn wedge_test_decides_as_std_exp() {
        if Avx2::detect().is_none() {
            eprintln!("wedge_test_decides_as_std_exp: SKIPPED, this CPU has no AVX2 and FMA");
            return;
        }
        let mut straddled = 0;
        for j in 0..200_000 {
            // The exponents the wedge test takes: -x * x / 2 for x up to X[1] (3.65).
            let exponent = -6.7 * f64::from(j) / 200_000.0;
            let (ours, std) = (exp(exponent), exponent.exp());
            // Points just below, at and just above each of the two, and far from both.
            let step = |v: f64, by: i64| f64::from_bits((v.to_bits() as i64 + by) as u64);
            let points = [step(ours, -1), ours, step(std, -1), std, step(std, 1), 0.5 * std, 2.0 * std];
            straddled += usize::from(ours != std);
            for point in points {
                let expected = i32::from(point < std);
                // SAFETY: AVX2 and FMA were detected above.
                let under =
                    unsafe { _mm256_movemask_pd(under_density(_mm256_set1_pd(point), _mm256_set1_pd(exponent))) };
                assert_eq!(under, expected * 0b1111, "exponent {exponent}, point {point}");
            }
        }
        // The cases that need std's `exp` did occur.
        assert!(straddled > 1_000, "{straddled}");
    }
}
