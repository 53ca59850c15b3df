//! Standard normal draws for four paths at once: the surprises `e(k)` of SPEC §2 step 3, one per
//! path and simulated year, drawn in the engine's hot loop.
//!
//! Each path has its own [`Xoshiro256PlusPlus`], and its surprises are by definition what
//! `rng.sample(rand_distr::StandardNormal)` returns from it. Drawn one path at a time, that is a
//! scalar generator step and rand_distr's ziggurat with its branches. [`NormalLanes`] holds four
//! such generators, steps them together and takes the ziggurat's fast path (one `u64`, one table
//! lookup, one comparison: it settles about 98.5% of draws) for the four lanes at once. It
//! reproduces rand_distr 0.6's `StandardNormal` BIT FOR BIT: lane `l`'s `j`-th output, and its
//! generator's state afterwards, are exactly those of the scalar code on lane `l`'s generator.
//!
//! The generator step ([`xoshiro_step`]) and the fast path ([`fast_path`]) are written once, for
//! any lanes; the portable back end runs them on arrays ([`fill_portable`]), the AVX2 one on
//! vectors (`crate::simd::avx2::normals`). A lane whose `u64` misses the fast path (about 1.5% of
//! draws: a wedge, tested against the density, or rarely the base strip `i == 0`, whose tail
//! takes logarithms) is finished by [`finish`], which does what rand_distr does from that point
//! on, with that lane's generator only; the other lanes' draws in the slot stand. (The AVX2 back
//! end finishes the wedges in vectors too, and only the tails by [`finish`].)

use rand::distr::Open01;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::random::ziggurat::{ZIG_NORM_F, ZIG_NORM_R, ZIG_NORM_X};
use crate::simd::lanes::{Floats, Words};
use crate::simd::{Backend, Isa, Kernel};

/// Generators stepped together (the engine's paths in lockstep).
pub const LANES: usize = 4;

/// The four words of each lane's Xoshiro256++ state, word-major: `s[w][lane]` is word `w` of lane
/// `lane`'s state, so word `w` of the four lanes is one 256-bit vector.
pub(crate) type State = [[u64; LANES]; 4];

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

    /// Four generators from their seeds' state words, as [`crate::random::streams::xoshiro`]
    /// builds them (lane `lane` from `seeds[lane]`), without building them: the engine's way in.
    #[inline(always)]
    pub fn from_seeds(seeds: &[[u64; 4]; LANES]) -> Self {
        if seeds.contains(&[0; 4]) {
            // rand_xoshiro remaps an all-zero seed; let it.
            return Self::new(&seeds.map(crate::random::streams::xoshiro));
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
    /// empty `out` draws nothing. Every back end gives rand_distr's draws: the same bits.
    pub fn fill(&mut self, backend: Backend, out: &mut [f64]) {
        struct Fill<'a>(&'a mut NormalLanes, &'a mut [f64]);
        impl Kernel for Fill<'_> {
            type Output = ();
            #[inline(always)]
            fn run<I: Isa>(self, isa: I) {
                self.0.fill_with(isa, self.1);
            }
        }
        backend.run(Fill(self, out));
    }

    /// [`NormalLanes::fill`] with a back end's instructions, for code already running under it.
    #[inline(always)]
    pub(crate) fn fill_with<I: Isa>(&mut self, isa: I, out: &mut [f64]) {
        debug_assert!(out.len().is_multiple_of(LANES), "fill: length {} is not a multiple of {LANES}", out.len());
        isa.fill_normals(&mut self.s, out);
    }
}

/// The exponent field of 2.0: `(bits >> 12) | TWO` is a double in `[2, 4)` (rand's
/// `into_float_with_exponent(1)`, as rand_distr's ziggurat uses it).
pub(crate) const TWO: u64 = 1024 << 52;

/// One Xoshiro256++ step (rand_xoshiro's `next_u64`) of the generators whose state words are
/// `s` (one lane or several); returns their outputs.
#[inline(always)]
pub(crate) fn xoshiro_step<W: Words>(s: &mut [W; 4]) -> W {
    let [s0, s1, s2, s3] = s;
    let out = s0.wrapping_add(*s3).rotl23().wrapping_add(*s0);
    let t = s1.shl17();
    *s2 = s2.xor(*s0);
    *s3 = s3.xor(*s1);
    *s1 = s1.xor(*s2);
    *s0 = s0.xor(*s3);
    *s2 = s2.xor(t);
    *s3 = s3.rotl45();
    out
}

/// The first pass of rand_distr's ziggurat loop on each lane's `u64`: the strip `i` (the low 8
/// bits), `u` in `[-1, 1)` from the top 52 bits, and `x = u * X[i]`. Bit `lane` of the mask says
/// that lane's `x` is rand_distr's result: `|x| < X[i + 1]`, inside the strip's rectangle.
#[inline(always)]
pub(crate) fn fast_path<F: Floats>(bits: F::Words) -> (F, u32) {
    let u = F::from_bits(bits.shr12().or(F::Words::splat(TWO))).sub(F::splat(3.0));
    let (x_i, x_next) = F::table_pair(&ZIG_NORM_X, bits);
    let x = u.mul(x_i);
    (x, x.abs().lt_mask(x_next))
}

/// All four lanes settled by the fast path.
pub(crate) const ALL_LANES: u32 = 0b1111;

/// [`NormalLanes::fill`] on arrays, for CPUs without AVX2 (and the reference the AVX2 version is
/// tested against). Per slot: one step of the four generators, the fast path for all four, an
/// unconditional store, and in the rare slot where a lane missed, [`finish`] for that lane.
#[inline(always)]
pub(crate) fn fill_portable(state: &mut State, out: &mut [f64]) {
    let mut s = *state;
    for slot in out.chunks_exact_mut(LANES) {
        let bits = xoshiro_step(&mut s);
        let (x, accept) = fast_path::<[f64; LANES]>(bits);
        slot.copy_from_slice(&x);
        if accept != ALL_LANES {
            for lane in (0..LANES).filter(|&lane| accept & (1 << lane) == 0) {
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

/// One lane's Xoshiro256++ as a scalar `rand` generator for [`finish`]: the same step as
/// [`Xoshiro256PlusPlus`] ([`xoshiro_step`]), on the state words directly so that the fallback
/// needs no conversion to and from bytes.
pub(crate) struct LaneRng(pub(crate) [u64; 4]);

impl rand::TryRng for LaneRng {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        // The upper bits, as rand_xoshiro (StandardNormal draws only u64s anyway).
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(xoshiro_step(&mut self.0))
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
pub(crate) fn finish<R: rand::Rng>(rng: &mut R, bits: u64) -> f64 {
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
                lanes.fill(Backend::detect(), &mut out);
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

    /// The AVX2 and portable back ends agree bit for bit, values and states.
    #[test]
    fn avx2_and_portable_agree() {
        let Some(avx2) = Backend::avx2_fma() else {
            eprintln!("avx2_and_portable_agree: SKIPPED, this CPU has no AVX2 and FMA");
            return;
        };
        for seed in 0..300 {
            let rngs = seeded(seed);
            let mut vector = NormalLanes::new(&rngs);
            let mut portable = NormalLanes::new(&rngs);
            let mut a = vec![0.0; 1_000 * LANES];
            let mut b = vec![0.0; 1_000 * LANES];
            vector.fill(avx2, &mut a);
            portable.fill(Backend::portable(), &mut b);
            assert!(a.iter().zip(&b).all(|(a, b)| a.to_bits() == b.to_bits()), "seed {seed}");
            assert_eq!(vector.s, portable.s, "seed {seed}");
        }
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

            let accepts = |m: u64| fast_path::<[f64; LANES]>([word(i, m); LANES]).1 & 1 == 1;
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
                let (ours, mask) = fast_path::<[f64; LANES]>([word(i, m); LANES]);
                let accepted = [mask & 1 == 1];
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
                assert!(fast_path::<[f64; LANES]>([first; LANES]).1 & 1 == 0, "strip {i}: the point is in the wedge");
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
            assert!(fast_path::<[f64; LANES]>([first; LANES]).1 & 1 == 0, "in the tail");
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
        assert_eq!(lanes.s, NormalLanes::new(&seeds.map(crate::random::streams::xoshiro)).s);
        let words: [[u64; 4]; 4] = [[1, 2, 3, 4], [9, 9, 9, 9], [u64::MAX, 0, 7, 9], [5, 0, 0, 0]];
        assert_eq!(NormalLanes::from_seeds(&words).s, NormalLanes::new(&words.map(crate::random::streams::xoshiro)).s);
    }

    #[test]
    fn empty_and_one_slot() {
        let rngs = seeded(7);
        let mut lanes = NormalLanes::new(&rngs);
        lanes.fill(Backend::detect(), &mut []);
        let same = lanes.clone().into_rngs();
        assert_eq!(same, rngs, "new + into_rngs is the identity, and an empty fill draws nothing");
        let mut out = [0.0; LANES];
        lanes.fill(Backend::detect(), &mut out);
        let mut scalar = rngs.clone();
        for lane in 0..LANES {
            let expected: f64 = scalar[lane].sample(StandardNormal);
            assert_eq!(out[lane].to_bits(), expected.to_bits());
        }
        assert_eq!(lanes.into_rngs(), scalar);
    }
}
