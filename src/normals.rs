//! Standard normal draws for four paths at once: the surprises `e(k)` of SPEC §2 step 3, one per
//! path and simulated year, drawn in the engine's hot loop.
//!
//! Each path has its own [`Xoshiro256PlusPlus`], and its surprises are by definition what
//! `rng.sample(rand_distr::StandardNormal)` returns from it. Drawn one path at a time, that is a
//! scalar generator step and rand_distr's ziggurat with its branches, about 4.4 ns a normal.
//! [`NormalLanes`] holds four such generators, steps them together as vectors of four `u64`s and
//! takes the ziggurat's fast path (one `u64`, one table lookup, one comparison: it settles about
//! 98.5% of draws) for the four lanes at once. It reproduces rand_distr 0.6's `StandardNormal`
//! BIT FOR BIT: lane `l`'s `j`-th output, and its generator's state afterwards, are exactly those
//! of the scalar code on lane `l`'s generator.
//!
//! A lane whose `u64` misses the fast path (about 1.5% of draws: a wedge, tested against the
//! density, or rarely the base strip `i == 0`, whose tail takes logarithms) is finished by code
//! that does what rand_distr does from that point on, with that lane's generator only; the other
//! lanes' draws in the slot stand. With AVX2 the wedges are finished in vectors too, for all the
//! lanes that missed at once, and only the tails by scalar code. On the machine this was written
//! on (AMD EPYC, AVX2) that is about 2.0 ns a normal instead of 4.4 (`cargo bench --bench
//! normals`).

use rand::distr::Open01;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::fastexp;

/// Generators stepped together (the engine's paths in lockstep).
pub const LANES: usize = 4;

/// The four words of each lane's Xoshiro256++ state, word-major: `s[w][lane]` is word `w` of lane
/// `lane`'s state, so word `w` of the four lanes is one 256-bit vector.
type State = [[u64; LANES]; 4];

/// Four Xoshiro256++ generators stepped together; lane `i` is bit for bit the generator it was
/// built from, and draws exactly what `rng.sample(StandardNormal)` would draw from it.
#[derive(Clone, Debug)]
pub struct NormalLanes {
    s: State,
}

impl NormalLanes {
    /// Takes over the state of four generators: `rngs[lane]` becomes lane `lane`.
    pub fn new(rngs: &[Xoshiro256PlusPlus; LANES]) -> Self {
        let mut s = [[0; LANES]; 4];
        for (lane, rng) in rngs.iter().enumerate() {
            let bytes = rng.state();
            for (w, word) in bytes.chunks_exact(8).enumerate() {
                s[w][lane] = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            }
        }
        NormalLanes { s }
    }

    /// Four generators from their seeds' state words, as [`crate::streams::xoshiro`] builds
    /// them (lane `lane` from `seeds[lane]`), without building them: the engine's way in.
    #[inline(always)]
    pub fn from_seeds(seeds: &[[u64; 4]; LANES]) -> Self {
        if seeds.contains(&[0; 4]) {
            // rand_xoshiro remaps an all-zero seed; let it.
            return Self::new(&seeds.map(crate::streams::xoshiro));
        }
        NormalLanes { s: std::array::from_fn(|w| std::array::from_fn(|lane| seeds[lane][w])) }
    }

    /// The four generators, each in the state its scalar twin would be in after the same draws.
    pub fn into_rngs(self) -> [Xoshiro256PlusPlus; LANES] {
        std::array::from_fn(|lane| {
            let mut bytes = [0; 32];
            for (w, word) in bytes.chunks_exact_mut(8).enumerate() {
                word.copy_from_slice(&self.s[w][lane].to_le_bytes());
            }
            // `from_seed` gives back the identical generator for any state but all zeros, which
            // Xoshiro256++ never reaches.
            Xoshiro256PlusPlus::from_seed(bytes)
        })
    }

    /// Fills `out` with the next `out.len() / 4` standard normals of each lane, lanes interleaved:
    /// `out[4 * j + lane]` is lane `lane`'s `j`-th next draw, the value `rng.sample(StandardNormal)`
    /// would return. `out.len()` must be a multiple of 4 (checked in debug builds; in release a
    /// remainder is left untouched and draws nothing). Any length and alignment otherwise; an
    /// empty `out` draws nothing.
    ///
    /// Uses 256-bit vectors where the CPU has AVX2 (and FMA, which its wedge test's `exp`
    /// uses). Both versions give rand_distr's draws, so the same bits either way.
    #[inline]
    pub fn fill(&mut self, out: &mut [f64]) {
        debug_assert!(out.len().is_multiple_of(LANES), "fill: length {} is not a multiple of {LANES}", out.len());
        #[cfg(target_arch = "x86_64")]
        if fastexp::avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            unsafe { fill_avx2(&mut self.s, out) };
            return;
        }
        fill_portable(&mut self.s, out);
    }
}

/// The exponent field of 2.0: `(bits >> 12) | TWO` is a double in `[2, 4)` (rand's
/// `into_float_with_exponent(1)`, as rand_distr's ziggurat uses it).
const TWO: u64 = 1024 << 52;

/// One Xoshiro256++ step (rand_xoshiro's `next_u64`) of each lane; returns the four outputs.
#[inline(always)]
fn step(s: &mut State) -> [u64; LANES] {
    let [s0, s1, s2, s3] = s;
    let mut out = [0; LANES];
    for l in 0..LANES {
        out[l] = s0[l].wrapping_add(s3[l]).rotate_left(23).wrapping_add(s0[l]);
        let t = s1[l] << 17;
        s2[l] ^= s0[l];
        s3[l] ^= s1[l];
        s1[l] ^= s2[l];
        s0[l] ^= s3[l];
        s2[l] ^= t;
        s3[l] = s3[l].rotate_left(45);
    }
    out
}

/// The first pass of rand_distr's ziggurat loop on each lane's `u64`: the strip `i` (the low 8
/// bits), `u` in `[-1, 1)` from the top 52 bits, and `x = u * X[i]`. `accept[lane]` says that
/// `x` is rand_distr's result: `|x| < X[i + 1]`, inside the strip's rectangle.
#[inline(always)]
fn fast_path(bits: [u64; LANES]) -> ([f64; LANES], [bool; LANES]) {
    let mut x = [0.0; LANES];
    let mut accept = [false; LANES];
    for l in 0..LANES {
        let i = (bits[l] & 0xff) as usize;
        let u = f64::from_bits((bits[l] >> 12) | TWO) - 3.0;
        x[l] = u * ZIG_NORM_X[i];
        accept[l] = x[l].abs() < ZIG_NORM_X[i + 1];
    }
    (x, accept)
}

/// [`NormalLanes::fill`] without SIMD intrinsics, for CPUs without AVX2 (and the reference the
/// AVX2 version is tested against). Per slot: one step of the four generators, the fast path for
/// all four, an unconditional store, and in the rare slot where a lane missed, [`finish`] for
/// that lane. (Written lane-wise over arrays, LLVM does not turn this into vector code worth
/// having, hence the separate AVX2 version.)
#[inline(always)]
fn fill_portable(state: &mut State, out: &mut [f64]) {
    let mut s = *state;
    for slot in out.chunks_exact_mut(LANES) {
        let bits = step(&mut s);
        let (x, accept) = fast_path(bits);
        slot.copy_from_slice(&x);
        if !(accept[0] & accept[1] & accept[2] & accept[3]) {
            for lane in (0..LANES).filter(|&lane| !accept[lane]) {
                let mut rng = LaneRng(s.map(|words| words[lane]));
                slot[lane] = finish(&mut rng, bits[lane]);
                for (words, word) in s.iter_mut().zip(rng.0) {
                    words[lane] = word;
                }
            }
        }
    }
    *state = s;
}

// The AVX2 code's building blocks, shared by `fill_avx2` and `finish_avx2`. Macros rather
// than helper functions: a helper would not inherit its caller's `target_feature`, and its
// intrinsics would become calls.

/// A 64-bit rotate of four lanes (AVX2 has none: two shifts and an or).
#[cfg(target_arch = "x86_64")]
macro_rules! rotl {
    ($v:expr, $k:literal) => {
        _mm256_or_si256(_mm256_slli_epi64::<$k>($v), _mm256_srli_epi64::<{ 64 - $k }>($v))
    };
}

/// The generators' step, as in `step`: the four outputs; the state words become the next ones.
#[cfg(target_arch = "x86_64")]
macro_rules! step {
    ($s0:ident, $s1:ident, $s2:ident, $s3:ident) => {{
        let bits = _mm256_add_epi64(rotl!(_mm256_add_epi64($s0, $s3), 23), $s0);
        let t = _mm256_slli_epi64::<17>($s1);
        $s2 = _mm256_xor_si256($s2, $s0);
        $s3 = _mm256_xor_si256($s3, $s1);
        $s1 = _mm256_xor_si256($s1, $s2);
        $s0 = _mm256_xor_si256($s0, $s3);
        $s2 = _mm256_xor_si256($s2, t);
        $s3 = rotl!($s3, 45);
        bits
    }};
}

/// `(table[i], table[i + 1])` for each lane's strip `i` (the low 8 bits of `bits`): one 16-byte
/// load per lane, regrouped into a vector of the four `table[i]` and one of the four
/// `table[i + 1]`. (AVX2's gathers are slower here.)
#[cfg(target_arch = "x86_64")]
macro_rules! pairs {
    ($table:expr, $bits:expr) => {{
        let bits = $bits;
        let i = |lane| {
            (match lane {
                0 => _mm256_extract_epi64::<0>(bits),
                1 => _mm256_extract_epi64::<1>(bits),
                2 => _mm256_extract_epi64::<2>(bits),
                _ => _mm256_extract_epi64::<3>(bits),
            } & 0xff) as usize
        };
        // SAFETY: each i is at most 255 and the tables have 257 entries, so table[i] and
        // table[i + 1] are in bounds.
        let pair = |lane| unsafe { _mm_loadu_pd($table.as_ptr().add(i(lane))) };
        let (p0, p1, p2, p3) = (pair(0), pair(1), pair(2), pair(3));
        (
            _mm256_set_m128d(_mm_unpacklo_pd(p2, p3), _mm_unpacklo_pd(p0, p1)),
            _mm256_set_m128d(_mm_unpackhi_pd(p2, p3), _mm_unpackhi_pd(p0, p1)),
        )
    }};
}

/// The fast path, as in `fast_path`: `x` for each lane's word and the 4-bit mask of the lanes
/// it accepts.
#[cfg(target_arch = "x86_64")]
macro_rules! fast_path {
    ($bits:expr) => {{
        let bits = $bits;
        let u = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64::<12>(bits), _mm256_set1_epi64x(TWO as i64))),
            _mm256_set1_pd(3.0),
        );
        let (x_i, x_next) = pairs!(ZIG_NORM_X, bits);
        let x = _mm256_mul_pd(u, x_i);
        // `<` on doubles, false for NaN (there are none): `_CMP_LT_OQ`.
        let abs = _mm256_and_pd(x, _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX)));
        (x, _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(abs, x_next)))
    }};
}

/// [`fill_portable`] with AVX2 intrinsics: the state is four 256-bit vectors (one per state word,
/// lanes across) held in registers for the whole loop. Plain Rust over `[u64; 4]` arrays does
/// not vectorise (LLVM's SLP vectoriser gives up over the table lookups and emits scalar code),
/// hence intrinsics. The operations are the same, in the same IEEE double arithmetic, so the
/// results are the same bits (tested). A slot where a lane missed is finished by
/// [`finish_avx2`], out of line.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fill_avx2(state: &mut State, out: &mut [f64]) {
    use std::arch::x86_64::*;
    // SAFETY (both): `words` is a `[u64; 4]`, 32 bytes; the loads and stores are unaligned.
    let load = |words: &[u64; LANES]| unsafe { _mm256_loadu_si256(words.as_ptr().cast()) };
    let store = |v| {
        let mut words = [0u64; LANES];
        unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), v) };
        words
    };
    let (mut s0, mut s1, mut s2, mut s3) = (load(&state[0]), load(&state[1]), load(&state[2]), load(&state[3]));
    for slot in out.chunks_exact_mut(LANES) {
        let bits = step!(s0, s1, s2, s3);
        let (x, accept) = fast_path!(bits);
        // SAFETY: `slot` is 4 writable f64s; the store is unaligned.
        unsafe { _mm256_storeu_pd(slot.as_mut_ptr(), x) };
        if accept != 0b1111 {
            let mut s = [s0, s1, s2, s3];
            let x = finish_avx2(&mut s, bits, x, accept);
            [s0, s1, s2, s3] = s;
            // SAFETY: as above.
            unsafe { _mm256_storeu_pd(slot.as_mut_ptr(), x) };
        }
    }
    *state = [store(s0), store(s1), store(s2), store(s3)];
}

/// The rare slot of [`fill_avx2`] where a lane missed the fast path: finishes the lanes that
/// missed (not in `accept`), from their words `bits` and first tries `x`, in vectors too, until
/// each has its draw. For each: the wedge test (one more word from the lane's generator, a
/// uniform, and the density by [`fastexp::exp4_avx2`]); for a wedge rejected, a fresh draw
/// (rand_distr's loop going round again), and so on. Returns the four draws; the other lanes'
/// draws stand, and their generators do not move (their next states are blended away). Only
/// the tail of the base strip, about one draw in 4,000, goes to the scalar [`finish`].
///
/// The density must decide the wedge test as rand_distr's `exp` (std's) would: where ours is
/// too close to the uniform point to tell (within 2^-40 of it relative, against an error of
/// 2 ulp), std's decides.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[cold]
#[inline(never)]
fn finish_avx2(
    s: &mut [std::arch::x86_64::__m256i; 4],
    mut bits: std::arch::x86_64::__m256i,
    mut x: std::arch::x86_64::__m256d,
    accept: i32,
) -> std::arch::x86_64::__m256d {
    use std::arch::x86_64::*;
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
    let lanes = |mask: i32| {
        let bit = _mm256_setr_epi64x(1, 2, 4, 8);
        _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(i64::from(mask)), bit), bit)
    };
    // One step of every lane's generator: its output, and the state after it.
    let advance = |state: [__m256i; 4]| {
        let [mut s0, mut s1, mut s2, mut s3] = state;
        let word = step!(s0, s1, s2, s3);
        (word, [s0, s1, s2, s3])
    };
    // `new` in the lanes of `mask`, `old` in the others: only those lanes' generators move.
    let blend = |old: [__m256i; 4], new: [__m256i; 4], mask: __m256i| {
        [0, 1, 2, 3].map(|w| _mm256_blendv_epi8(old[w], new[w], mask))
    };
    let mut state = *s;
    // The lanes still without their draw; their `x` came from their word in `bits`.
    let mut missed = !accept & 0b1111;
    loop {
        // The base strip's tail (`i == 0`): the scalar code, from the lane's state now (just
        // past its word), then its new state blended in.
        let strip_zero = _mm256_cmpeq_epi64(_mm256_and_si256(bits, _mm256_set1_epi64x(0xff)), _mm256_setzero_si256());
        let tails = missed & _mm256_movemask_pd(_mm256_castsi256_pd(strip_zero));
        if tails != 0 {
            let (first, mut xs) = (words(bits), floats(x));
            let now = state.map(words);
            for lane in (0..LANES).filter(|&lane| tails & (1 << lane) != 0) {
                let mut rng = LaneRng(now.map(|w| w[lane]));
                xs[lane] = finish(&mut rng, first[lane]);
                state = blend(state, rng.0.map(|word| _mm256_set1_epi64x(word as i64)), lanes(1 << lane));
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
        let (f_i, f_next) = pairs!(ZIG_NORM_F, bits);
        let point = _mm256_add_pd(f_next, _mm256_mul_pd(_mm256_sub_pd(f_i, f_next), r));
        // `-x * x / 2`: halving is exact, so `* 0.5` is the same bits as rand_distr's `/ 2.0`.
        let minus_x = _mm256_xor_pd(x, _mm256_set1_pd(-0.0));
        let exponent = _mm256_mul_pd(_mm256_mul_pd(minus_x, x), _mm256_set1_pd(0.5));
        // Meanwhile, the draw a rejected wedge goes on to (rand_distr starts afresh with a new
        // word, a new fast path), taken for every missed lane and kept for the rejected ones,
        // so that it need not wait for the test.
        let (next_word, after) = advance(state);
        let (fresh, fresh_accept) = fast_path!(next_word);
        let under = under_density(point, exponent);
        let rejected = _mm256_andnot_si256(_mm256_castpd_si256(under), take);
        state = blend(state, after, rejected);
        x = _mm256_blendv_pd(x, fresh, _mm256_castsi256_pd(rejected));
        bits = _mm256_blendv_epi8(bits, next_word, rejected);
        missed = _mm256_movemask_pd(_mm256_castsi256_pd(rejected)) & !fresh_accept;
        if missed == 0 {
            break;
        }
    }
    *s = state;
    x
}

/// The wedge test of [`finish_avx2`]: in each lane, whether `point < exp(exponent)` with std's
/// `exp`, as rand_distr decides it (a vector mask, all ones where it holds). Our `exp` (within
/// 2 ulp) decides where it is further than 2^-40 (relative) from the point; std's decides the
/// rest, which practically never occur.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn under_density(
    point: std::arch::x86_64::__m256d,
    exponent: std::arch::x86_64::__m256d,
) -> std::arch::x86_64::__m256d {
    use std::arch::x86_64::*;
    let density = fastexp::exp4_avx2(exponent);
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

/// One lane's Xoshiro256++ as a scalar `rand` generator for [`finish`]: the same algorithm as
/// [`Xoshiro256PlusPlus`] (rand_xoshiro's `next_u64`), on the state words directly so that the
/// fallback needs no conversion to and from bytes.
struct LaneRng([u64; 4]);

impl rand::TryRng for LaneRng {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        // The upper bits, as rand_xoshiro (StandardNormal draws only u64s anyway).
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let [s0, s1, s2, s3] = &mut self.0;
        let out = s0.wrapping_add(*s3).rotate_left(23).wrapping_add(*s0);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        Ok(out)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        rand::rand_core::utils::fill_bytes_via_next_word(dst, || self.try_next_u64())
    }
}

/// The rest of rand_distr's `StandardNormal` draw after its first `u64`, `bits`, missed the fast
/// path, from `rng` just past that `u64`: rand_distr 0.6's `ziggurat` loop body from its
/// `i == 0` test on, with its `zero_case` and `pdf` (src/utils.rs, src/normal.rs), copied
/// operation for operation. If the wedge test rejects, rand_distr's loop starts afresh with a new
/// `u64`, carrying nothing over: that is exactly a new `sample(StandardNormal)`, so rand_distr's
/// own code finishes the draw. Without AVX2 about 1.5% of draws come here, with AVX2 only the
/// tails (one in 4,000), hence out of line.
#[cold]
#[inline(never)]
fn finish<R: rand::Rng>(rng: &mut R, bits: u64) -> f64 {
    let i = (bits & 0xff) as usize;
    let u = f64::from_bits((bits >> 12) | TWO) - 3.0;
    let x = u * ZIG_NORM_X[i];
    if i == 0 {
        // zero_case: a draw from the tail beyond R (Marsaglia's method).
        let mut x = 1.0f64;
        let mut y = 0.0f64;
        while -2.0 * y < x * x {
            let x_: f64 = rng.sample(Open01);
            let y_: f64 = rng.sample(Open01);
            x = x_.ln() / ZIG_NORM_R;
            y = y_.ln();
        }
        return if u < 0.0 { x - ZIG_NORM_R } else { ZIG_NORM_R - x };
    }
    // The wedge: accept when a uniform point under the strip lies under the density.
    // `exp` and `ln` are std's, the functions rand_distr calls (its `num_traits::Float` import
    // is shadowed by the inherent methods).
    let pdf = (-x * x / 2.0).exp();
    if ZIG_NORM_F[i + 1] + (ZIG_NORM_F[i] - ZIG_NORM_F[i + 1]) * rng.random::<f64>() < pdf {
        return x;
    }
    rng.sample(StandardNormal)
}

// The ziggurat's tables, copied verbatim from rand_distr 0.6's src/ziggurat_tables.rs (rand_distr
// is MIT/Apache-2.0, Copyright 2018 Developers of the Rand project; generated by its
// `ziggurat_tables.py`). They are private there, and they must match rand_distr's exactly, since
// the results are meant to be its bits: the tests `tables_match_rand_distr_*` check every entry
// that rand_distr's sampler uses against that sampler. The literals keep rand_distr's 18 digits
// (more than an f64 holds, hence the `allow`) so that the copy can be compared with the original
// by eye or by `diff`.

/// Where the base strip's tail starts (`X[1]`).
#[allow(clippy::excessive_precision)]
const ZIG_NORM_R: f64 = 3.654152885361008796;

/// The abscissae `x_i` of the strips, decreasing, `X[256] = 0`.
#[rustfmt::skip]
#[allow(clippy::excessive_precision)]
static ZIG_NORM_X: [f64; 257] =
    [3.910757959537090045, 3.654152885361008796, 3.449278298560964462, 3.320244733839166074,
     3.224575052047029100, 3.147889289517149969, 3.083526132001233044, 3.027837791768635434,
     2.978603279880844834, 2.934366867207854224, 2.894121053612348060, 2.857138730872132548,
     2.822877396825325125, 2.790921174000785765, 2.760944005278822555, 2.732685359042827056,
     2.705933656121858100, 2.680514643284522158, 2.656283037575502437, 2.633116393630324570,
     2.610910518487548515, 2.589575986706995181, 2.569035452680536569, 2.549221550323460761,
     2.530075232158516929, 2.511544441625342294, 2.493583041269680667, 2.476149939669143318,
     2.459208374333311298, 2.442725318198956774, 2.426670984935725972, 2.411018413899685520,
     2.395743119780480601, 2.380822795170626005, 2.366237056715818632, 2.351967227377659952,
     2.337996148795031370, 2.324308018869623016, 2.310888250599850036, 2.297723348901329565,
     2.284800802722946056, 2.272108990226823888, 2.259637095172217780, 2.247375032945807760,
     2.235313384928327984, 2.223443340090905718, 2.211756642882544366, 2.200245546609647995,
     2.188902771624720689, 2.177721467738641614, 2.166695180352645966, 2.155817819875063268,
     2.145083634046203613, 2.134487182844320152, 2.124023315687815661, 2.113687150684933957,
     2.103474055713146829, 2.093379631137050279, 2.083399693996551783, 2.073530263516978778,
     2.063767547809956415, 2.054107931648864849, 2.044547965215732788, 2.035084353727808715,
     2.025713947862032960, 2.016433734904371722, 2.007240830558684852, 1.998132471356564244,
     1.989106007615571325, 1.980158896898598364, 1.971288697931769640, 1.962493064942461896,
     1.953769742382734043, 1.945116560006753925, 1.936531428273758904, 1.928012334050718257,
     1.919557336591228847, 1.911164563769282232, 1.902832208548446369, 1.894558525668710081,
     1.886341828534776388, 1.878180486290977669, 1.870072921069236838, 1.862017605397632281,
     1.854013059758148119, 1.846057850283119750, 1.838150586580728607, 1.830289919680666566,
     1.822474540091783224, 1.814703175964167636, 1.806974591348693426, 1.799287584547580199,
     1.791640986550010028, 1.784033659547276329, 1.776464495522344977, 1.768932414909077933,
     1.761436365316706665, 1.753975320315455111, 1.746548278279492994, 1.739154261283669012,
     1.731792314050707216, 1.724461502945775715, 1.717160915015540690, 1.709889657069006086,
     1.702646854797613907, 1.695431651932238548, 1.688243209434858727, 1.681080704722823338,
     1.673943330923760353, 1.666830296159286684, 1.659740822855789499, 1.652674147080648526,
     1.645629517902360339, 1.638606196773111146, 1.631603456932422036, 1.624620582830568427,
     1.617656869570534228, 1.610711622367333673, 1.603784156023583041, 1.596873794420261339,
     1.589979870021648534, 1.583101723393471438, 1.576238702733332886, 1.569390163412534456,
     1.562555467528439657, 1.555733983466554893, 1.548925085471535512, 1.542128153226347553,
     1.535342571438843118, 1.528567729435024614, 1.521803020758293101, 1.515047842773992404,
     1.508301596278571965, 1.501563685112706548, 1.494833515777718391, 1.488110497054654369,
     1.481394039625375747, 1.474683555695025516, 1.467978458615230908, 1.461278162507407830,
     1.454582081885523293, 1.447889631277669675, 1.441200224845798017, 1.434513276002946425,
     1.427828197027290358, 1.421144398672323117, 1.414461289772464658, 1.407778276843371534,
     1.401094763676202559, 1.394410150925071257, 1.387723835686884621, 1.381035211072741964,
     1.374343665770030531, 1.367648583594317957, 1.360949343030101844, 1.354245316759430606,
     1.347535871177359290, 1.340820365893152122, 1.334098153216083604, 1.327368577624624679,
     1.320630975217730096, 1.313884673146868964, 1.307128989027353860, 1.300363230327433728,
     1.293586693733517645, 1.286798664489786415, 1.279998415710333237, 1.273185207661843732,
     1.266358287014688333, 1.259516886060144225, 1.252660221891297887, 1.245787495544997903,
     1.238897891102027415, 1.231990574742445110, 1.225064693752808020, 1.218119375481726552,
     1.211153726239911244, 1.204166830140560140, 1.197157747875585931, 1.190125515422801650,
     1.183069142678760732, 1.175987612011489825, 1.168879876726833800, 1.161744859441574240,
     1.154581450355851802, 1.147388505416733873, 1.140164844363995789, 1.132909248648336975,
     1.125620459211294389, 1.118297174115062909, 1.110938046009249502, 1.103541679420268151,
     1.096106627847603487, 1.088631390649514197, 1.081114409698889389, 1.073554065787871714,
     1.065948674757506653, 1.058296483326006454, 1.050595664586207123, 1.042844313139370538,
     1.035040439828605274, 1.027181966030751292, 1.019266717460529215, 1.011292417434978441,
     1.003256679539591412, 0.995156999629943084, 0.986990747093846266, 0.978755155288937750,
     0.970447311058864615, 0.962064143217605250, 0.953602409875572654, 0.945058684462571130,
     0.936429340280896860, 0.927710533396234771, 0.918898183643734989, 0.909987953490768997,
     0.900975224455174528, 0.891855070726792376, 0.882622229578910122, 0.873271068082494550,
     0.863795545546826915, 0.854189171001560554, 0.844444954902423661, 0.834555354079518752,
     0.824512208745288633, 0.814306670128064347, 0.803929116982664893, 0.793369058833152785,
     0.782615023299588763, 0.771654424216739354, 0.760473406422083165, 0.749056662009581653,
     0.737387211425838629, 0.725446140901303549, 0.713212285182022732, 0.700661841097584448,
     0.687767892786257717, 0.674499822827436479, 0.660822574234205984, 0.646695714884388928,
     0.632072236375024632, 0.616896989996235545, 0.601104617743940417, 0.584616766093722262,
     0.567338257040473026, 0.549151702313026790, 0.529909720646495108, 0.509423329585933393,
     0.487443966121754335, 0.463634336771763245, 0.437518402186662658, 0.408389134588000746,
     0.375121332850465727, 0.335737519180459465, 0.286174591747260509, 0.215241895913273806,
     0.000000000000000000];

/// The density `exp(-x_i^2 / 2)` at the abscissae, increasing.
#[rustfmt::skip]
#[allow(clippy::excessive_precision)]
static ZIG_NORM_F: [f64; 257] =
    [0.000477467764586655, 0.001260285930498598, 0.002609072746106363, 0.004037972593371872,
     0.005522403299264754, 0.007050875471392110, 0.008616582769422917, 0.010214971439731100,
     0.011842757857943104, 0.013497450601780807, 0.015177088307982072, 0.016880083152595839,
     0.018605121275783350, 0.020351096230109354, 0.022117062707379922, 0.023902203305873237,
     0.025705804008632656, 0.027527235669693315, 0.029365939758230111, 0.031221417192023690,
     0.033093219458688698, 0.034980941461833073, 0.036884215688691151, 0.038802707404656918,
     0.040736110656078753, 0.042684144916619378, 0.044646552251446536, 0.046623094902089664,
     0.048613553216035145, 0.050617723861121788, 0.052635418276973649, 0.054666461325077916,
     0.056710690106399467, 0.058767952921137984, 0.060838108349751806, 0.062921024437977854,
     0.065016577971470438, 0.067124653828023989, 0.069245144397250269, 0.071377949059141965,
     0.073522973714240991, 0.075680130359194964, 0.077849336702372207, 0.080030515814947509,
     0.082223595813495684, 0.084428509570654661, 0.086645194450867782, 0.088873592068594229,
     0.091113648066700734, 0.093365311913026619, 0.095628536713353335, 0.097903279039215627,
     0.100189498769172020, 0.102487158942306270, 0.104796225622867056, 0.107116667775072880,
     0.109448457147210021, 0.111791568164245583, 0.114145977828255210, 0.116511665626037014,
     0.118888613443345698, 0.121276805485235437, 0.123676228202051403, 0.126086870220650349,
     0.128508722280473636, 0.130941777174128166, 0.133386029692162844, 0.135841476571757352,
     0.138308116449064322, 0.140785949814968309, 0.143274978974047118, 0.145775208006537926,
     0.148286642733128721, 0.150809290682410169, 0.153343161060837674, 0.155888264725064563,
     0.158444614156520225, 0.161012223438117663, 0.163591108232982951, 0.166181285765110071,
     0.168782774801850333, 0.171395595638155623, 0.174019770082499359, 0.176655321444406654,
     0.179302274523530397, 0.181960655600216487, 0.184630492427504539, 0.187311814224516926,
     0.190004651671193070, 0.192709036904328807, 0.195425003514885592, 0.198152586546538112,
     0.200891822495431333, 0.203642749311121501, 0.206405406398679298, 0.209179834621935651,
     0.211966076307852941, 0.214764175252008499, 0.217574176725178370, 0.220396127481011589,
     0.223230075764789593, 0.226076071323264877, 0.228934165415577484, 0.231804410825248525,
     0.234686861873252689, 0.237581574432173676, 0.240488605941449107, 0.243408015423711988,
     0.246339863502238771, 0.249284212419516704, 0.252241126056943765, 0.255210669955677150,
     0.258192911338648023, 0.261187919133763713, 0.264195763998317568, 0.267216518344631837,
     0.270250256366959984, 0.273297054069675804, 0.276356989296781264, 0.279430141762765316,
     0.282516593084849388, 0.285616426816658109, 0.288729728483353931, 0.291856585618280984,
     0.294997087801162572, 0.298151326697901342, 0.301319396102034120, 0.304501391977896274,
     0.307697412505553769, 0.310907558127563710, 0.314131931597630143, 0.317370638031222396,
     0.320623784958230129, 0.323891482377732021, 0.327173842814958593, 0.330470981380537099,
     0.333783015832108509, 0.337110066638412809, 0.340452257045945450, 0.343809713148291340,
     0.347182563958251478, 0.350570941482881204, 0.353974980801569250, 0.357394820147290515,
     0.360830600991175754, 0.364282468130549597, 0.367750569780596226, 0.371235057669821344,
     0.374736087139491414, 0.378253817247238111, 0.381788410875031348, 0.385340034841733958,
     0.388908860020464597, 0.392495061461010764, 0.396098818517547080, 0.399720314981931668,
     0.403359739222868885, 0.407017284331247953, 0.410693148271983222, 0.414387534042706784,
     0.418100649839684591, 0.421832709231353298, 0.425583931339900579, 0.429354541031341519,
     0.433144769114574058, 0.436954852549929273, 0.440785034667769915, 0.444635565397727750,
     0.448506701509214067, 0.452398706863882505, 0.456311852680773566, 0.460246417814923481,
     0.464202689050278838, 0.468180961407822172, 0.472181538469883255, 0.476204732721683788,
     0.480250865911249714, 0.484320269428911598, 0.488413284707712059, 0.492530263646148658,
     0.496671569054796314, 0.500837575128482149, 0.505028667945828791, 0.509245245998136142,
     0.513487720749743026, 0.517756517232200619, 0.522052074674794864, 0.526374847174186700,
     0.530725304406193921, 0.535103932383019565, 0.539511234259544614, 0.543947731192649941,
     0.548413963257921133, 0.552910490428519918, 0.557437893621486324, 0.561996775817277916,
     0.566587763258951771, 0.571211506738074970, 0.575868682975210544, 0.580559996103683473,
     0.585286179266300333, 0.590047996335791969, 0.594846243770991268, 0.599681752622167719,
     0.604555390700549533, 0.609468064928895381, 0.614420723892076803, 0.619414360609039205,
     0.624450015550274240, 0.629528779928128279, 0.634651799290960050, 0.639820277456438991,
     0.645035480824251883, 0.650298743114294586, 0.655611470583224665, 0.660975147780241357,
     0.666391343912380640, 0.671861719900766374, 0.677388036222513090, 0.682972161648791376,
     0.688616083008527058, 0.694321916130032579, 0.700091918140490099, 0.705928501336797409,
     0.711834248882358467, 0.717811932634901395, 0.723864533472881599, 0.729995264565802437,
     0.736207598131266683, 0.742505296344636245, 0.748892447223726720, 0.755373506511754500,
     0.761953346841546475, 0.768637315803334831, 0.775431304986138326, 0.782341832659861902,
     0.789376143571198563, 0.796542330428254619, 0.803849483176389490, 0.811307874318219935,
     0.818929191609414797, 0.826726833952094231, 0.834716292992930375, 0.842915653118441077,
     0.851346258465123684, 0.860033621203008636, 0.869008688043793165, 0.878309655816146839,
     0.887984660763399880, 0.898095921906304051, 0.908726440060562912, 0.919991505048360247,
     0.932060075968990209, 0.945198953453078028, 0.959879091812415930, 0.977101701282731328,
     1.000000000000000000];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, TryRng};
    use std::convert::Infallible;

    fn seeded(seed: u64) -> [Xoshiro256PlusPlus; LANES] {
        std::array::from_fn(|lane| Xoshiro256PlusPlus::seed_from_u64(seed * LANES as u64 + lane as u64))
    }

    /// A generator that returns the words of `script` first, then those of a real generator
    /// (always the same one, so that two scripted draws that run past their scripts at the same
    /// point go on alike, and a draw that wants more words always ends), counting the words it
    /// gives.
    struct Scripted {
        script: Vec<u64>,
        given: usize,
        rest: Xoshiro256PlusPlus,
    }

    impl Scripted {
        fn new(script: &[u64]) -> Self {
            Scripted { script: script.to_vec(), given: 0, rest: Xoshiro256PlusPlus::seed_from_u64(99) }
        }
    }

    impl TryRng for Scripted {
        type Error = Infallible;

        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            Ok((self.try_next_u64()? >> 32) as u32)
        }

        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            self.given += 1;
            Ok(self.script.get(self.given - 1).copied().unwrap_or_else(|| self.rest.next_u64()))
        }

        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Infallible> {
            unimplemented!("StandardNormal draws u64s only")
        }
    }

    /// rand_distr's draw from the words of `script` (then more from a generator), and how many
    /// words it took.
    fn rand_distr_draw(script: &[u64]) -> (f64, usize) {
        let mut rng = Scripted::new(script);
        let x: f64 = rng.sample(StandardNormal);
        (x, rng.given)
    }

    /// A first `u64` for strip `i` whose `u` is `mantissa / 2^51 - 1`.
    fn word(i: u64, mantissa: u64) -> u64 {
        (mantissa << 12) | i
    }

    /// The mantissa of a `u` in `[0, 1)`, rounded down to the grid of `u`s a `u64` can give.
    fn mantissa(u: f64) -> u64 {
        ((u + 1.0) * 2f64.powi(51)) as u64
    }

    /// A generator that counts its words and keeps the first, to see which way a draw went.
    struct Counting<'a> {
        rng: &'a mut Xoshiro256PlusPlus,
        words: usize,
        first: u64,
    }

    impl TryRng for Counting<'_> {
        type Error = Infallible;

        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            Ok((self.try_next_u64()? >> 32) as u32)
        }

        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            let w = self.rng.next_u64();
            if self.words == 0 {
                self.first = w;
            }
            self.words += 1;
            Ok(w)
        }

        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Infallible> {
            unimplemented!("StandardNormal draws u64s only")
        }
    }

    /// The main proof: 2.7 million normals from 4,000 seeds (four lanes each, drawn by several
    /// `fill` calls of varied lengths, so that states carry over between calls), every value
    /// compared bit for bit with rand_distr's `StandardNormal` drawn from a scalar twin of its
    /// lane, and every final state compared. On this machine `fill` runs the AVX2 version; the
    /// portable one is held to it by `avx2_and_portable_agree`. The scalar draws are classified
    /// by the words they took, to show that every path of the fallback was exercised: tails,
    /// wedges accepted, wedges rejected (rand_distr's loop going round again), and slots where
    /// two or more lanes missed at once.
    #[test]
    fn bit_for_bit_with_rand_distr() {
        let lengths = [0, 4, 28 * 4, 37 * 4, 100 * 4];
        let (mut total, mut tails, mut wedges_accepted, mut wedges_rejected, mut multi_misses) = (0, 0, 0, 0, 0);
        for seed in 0..4_000 {
            let mut scalar = seeded(seed);
            let mut lanes = NormalLanes::new(&scalar);
            for &len in &lengths {
                let mut out = vec![f64::NAN; len];
                lanes.fill(&mut out);
                for (j, slot) in out.chunks_exact(LANES).enumerate() {
                    let mut misses = 0;
                    for (lane, rng) in scalar.iter_mut().enumerate() {
                        let mut counting = Counting { rng, words: 0, first: 0 };
                        let expected: f64 = counting.sample(StandardNormal);
                        assert_eq!(
                            slot[lane].to_bits(),
                            expected.to_bits(),
                            "seed {seed}, fill of {len}, slot {j}, lane {lane}: {} vs {expected}",
                            slot[lane]
                        );
                        match (counting.words, counting.first & 0xff) {
                            (1, _) => continue,
                            (_, 0) => tails += 1,
                            (2, _) => wedges_accepted += 1,
                            _ => wedges_rejected += 1,
                        }
                        misses += 1;
                    }
                    multi_misses += usize::from(misses >= 2);
                    total += LANES;
                }
            }
            let rngs = lanes.into_rngs();
            for lane in 0..LANES {
                assert_eq!(rngs[lane].state(), scalar[lane].state(), "seed {seed}, lane {lane}: final state");
            }
        }
        eprintln!(
            "{total} normals: {tails} tails, {wedges_accepted} wedges accepted, {wedges_rejected} rejected, \
             {multi_misses} slots with 2+ lanes missing"
        );
        assert!(total >= 2_000_000, "{total} normals");
        assert!(tails > 0 && wedges_accepted > 0 && wedges_rejected > 0 && multi_misses > 0);
    }

    /// The AVX2 and portable versions agree bit for bit, values and states. (On a CPU without
    /// AVX2 both calls run the portable version and this proves nothing.)
    #[test]
    fn avx2_and_portable_agree() {
        for seed in 0..300 {
            let rngs = seeded(seed);
            let mut dispatched = NormalLanes::new(&rngs);
            let mut portable = NormalLanes::new(&rngs);
            let mut a = vec![0.0; 1_000 * LANES];
            let mut b = vec![0.0; 1_000 * LANES];
            dispatched.fill(&mut a);
            fill_portable(&mut portable.s, &mut b);
            assert!(a.iter().zip(&b).all(|(a, b)| a.to_bits() == b.to_bits()), "seed {seed}");
            assert_eq!(dispatched.s, portable.s, "seed {seed}");
        }
    }

    /// The wedge test follows std's `exp` where ours differs from it and the point lies between
    /// the two, and ours elsewhere.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn wedge_test_decides_as_std_exp() {
        use std::arch::x86_64::*;
        if !fastexp::avx2_fma() {
            return;
        }
        let mut straddled = 0;
        for j in 0..200_000 {
            // The exponents the wedge test takes: -x * x / 2 for x up to X[1] (3.65).
            let exponent = -6.7 * f64::from(j) / 200_000.0;
            let (ours, std) = (fastexp::exp(exponent), exponent.exp());
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

    /// `ZIG_NORM_X` against rand_distr's, entry by entry, through its sampler:
    /// - `X[i]` for every strip: with `u = 2^-51` exactly, the draw is `2^-51 X[i]`, a scaling by
    ///   a power of two, so rand_distr's result gives its `X[i]` to the last bit (for `i = 255`
    ///   it comes out of the wedge test, which such a small `x` passes).
    /// - `X[i + 1]` as the fast path uses it: for each strip and each sign of `u`, the last `u`
    ///   our fast path accepts and the first it rejects are found by bisection, and rand_distr
    ///   must take its fast path (one word) on the first and not on the second.
    #[test]
    fn tables_match_rand_distr_x() {
        const HALF: u64 = 1 << 51; // the mantissa of u = 0
        for i in 0..256u64 {
            let (x, _) = rand_distr_draw(&[word(i, HALF + 1)]);
            assert_eq!((x * 2f64.powi(51)).to_bits(), ZIG_NORM_X[i as usize].to_bits(), "X[{i}]");

            let accepts = |m: u64| fast_path([word(i, m); LANES]).1[0];
            // Positive u (mantissas HALF..2^52) is accepted below a threshold, negative u
            // (0..HALF) above one: find the first mantissa past each.
            let mut boundaries = Vec::new();
            for (mut lo, mut hi, accepted_low) in [(HALF, 1 << 52, true), (0, HALF, false)] {
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if accepts(mid) == accepted_low {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                boundaries.extend([lo.saturating_sub(1), lo]);
            }
            for m in boundaries.into_iter().filter(|&m| m < 1 << 52) {
                let (ours, accepted) = fast_path([word(i, m); LANES]);
                let (theirs, words) = rand_distr_draw(&[word(i, m)]);
                assert_eq!(accepted[0], words == 1, "strip {i}, mantissa {m:#x}: fast path taken?");
                if accepted[0] {
                    assert_eq!(ours[0].to_bits(), theirs.to_bits(), "strip {i}, mantissa {m:#x}");
                }
            }
        }
        assert_eq!(ZIG_NORM_X[256], 0.0, "the top strip has no rectangle, as in rand_distr");
    }

    /// `ZIG_NORM_F` against rand_distr's through the wedge test, `F[i+1] + (F[i] - F[i+1]) r <
    /// pdf(x)`, for every strip `i` in 1..=255 (strip 0 has a tail instead, so `F[0]` is not used
    /// by rand_distr and not checked). For two points `x` in the strip's wedge, the uniform `r`
    /// (the next word) at which our test flips from reject to accept is found by bisection, and
    /// rand_distr must reject just below it and accept at it. A wrong `F[i]` or `F[i + 1]`, even
    /// by one ulp, moves that flip by many steps of `r` (2^-53, against an ulp of `F` over
    /// `F[i] - F[i+1]` of about 2^-53 / 0.004), so the two points catch either entry.
    #[test]
    fn tables_match_rand_distr_f() {
        for i in 1..256u64 {
            let ratio = ZIG_NORM_X[i as usize + 1] / ZIG_NORM_X[i as usize];
            for fraction in [0.25, 0.75] {
                let first = word(i, mantissa(ratio + fraction * (1.0 - ratio)));
                assert!(!fast_path([first; LANES]).1[0], "strip {i}: the point is in the wedge");
                // Our wedge test, with the uniform r = k / 2^53 (from the word k << 11): it rejects
                // for small r and accepts for large.
                let accepts = |k: u64| {
                    let mut rng = Scripted::new(&[k << 11]);
                    finish(&mut rng, first);
                    rng.given == 1
                };
                assert!(!accepts(0) && accepts((1 << 53) - 1), "strip {i}, point {fraction}: a flip inside [0, 1)");
                let (mut lo, mut hi) = (0u64, (1 << 53) - 1);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if accepts(mid) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                let (_, below) = rand_distr_draw(&[first, (lo - 1) << 11]);
                let (x, at) = rand_distr_draw(&[first, lo << 11]);
                assert!(below > 2 && at == 2, "strip {i}, point {fraction}: flip at r = {lo} / 2^53");
                assert_eq!(x.to_bits(), finish(&mut Scripted::new(&[lo << 11]), first).to_bits());
            }
        }
    }

    /// `ZIG_NORM_R` (and the tail code) against rand_distr's: draws from the base strip's tail
    /// with chosen uniforms, both signs, ending at once or going round again.
    #[test]
    fn tables_match_rand_distr_r() {
        for first in [word(0, mantissa(0.99)), word(0, 1)] {
            assert!(!fast_path([first; LANES]).1[0], "in the tail");
            for script in [[1 << 63, 0], [1 << 63, u64::MAX], [u64::MAX, 1 << 40], [12_345 << 20, 678 << 12]] {
                let (theirs, words) = rand_distr_draw(&[first, script[0], script[1]]);
                let mut rng = Scripted::new(&script);
                let ours = finish(&mut rng, first);
                assert_eq!(ours.to_bits(), theirs.to_bits(), "tail draw {script:?}");
                assert_eq!(rng.given + 1, words, "words taken");
            }
        }
    }

    #[test]
    fn from_seeds_is_new_of_the_generators_the_seeds_make() {
        let seeds = [[1, 2, 3, 4], [0, 0, 0, 0], [u64::MAX, 0, 7, 9], [5, 0, 0, 0]];
        let lanes = NormalLanes::from_seeds(&seeds);
        assert_eq!(lanes.s, NormalLanes::new(&seeds.map(crate::streams::xoshiro)).s);
        let words: [[u64; 4]; 4] = [[1, 2, 3, 4], [9, 9, 9, 9], [u64::MAX, 0, 7, 9], [5, 0, 0, 0]];
        assert_eq!(NormalLanes::from_seeds(&words).s, NormalLanes::new(&words.map(crate::streams::xoshiro)).s);
    }

    #[test]
    fn empty_and_one_slot() {
        let rngs = seeded(7);
        let mut lanes = NormalLanes::new(&rngs);
        lanes.fill(&mut []);
        let same = lanes.clone().into_rngs();
        assert_eq!(same, rngs, "new + into_rngs is the identity, and an empty fill draws nothing");
        let mut out = [0.0; LANES];
        lanes.fill(&mut out);
        let mut scalar = rngs.clone();
        for lane in 0..LANES {
            let expected: f64 = scalar[lane].sample(StandardNormal);
            assert_eq!(out[lane].to_bits(), expected.to_bits());
        }
        assert_eq!(lanes.into_rngs(), scalar);
    }
}
