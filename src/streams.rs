//! Where every random number comes from (SPEC §4: the same scenario, runs and seed give the same
//! bytes at any thread count).
//!
//! Each path draws from streams of its own, keyed by the run's seed, a stream name and the
//! path's index, never by the batch or thread that simulates it:
//!
//! - **growth surprises**: a `Xoshiro256PlusPlus` (rand_xoshiro, a fixed published algorithm)
//!   seeded from `(seed, "growth", path)`; year `k` takes the `k`-th standard normal (or bounded
//!   draw) from it.
//! - **shocks**: a counter-based wyrand (Wang Yi's generator from wyhash: one 64×64→128-bit
//!   multiply per output) started at a state keyed by `(seed, shock name, path)`: the start draw
//!   of simulated year `k` is output `2k`, its duration draw output `2k + 1`. Skipping a year's
//!   draw (when a shock cannot start) shifts nothing. A shock may draw once a year for each
//!   path, so this is the engine's most frequent draw after the normals; wyrand takes about half
//!   the instructions of SplitMix64 and passes the same statistical test batteries.
//!
//! So two scenarios run with the same seed share every draw where they share structure (the
//! same growth distribution; shocks with the same name): comparisons use common random numbers.
//! And any contiguous range of paths (a shard on another machine) can be simulated alone.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// wyrand's state increment and output mask (wyhash, final version 4).
const WY_INCREMENT: u64 = 0xa076_1d64_78bd_642f;
const WY_MASK: u64 = 0xe703_7ed1_a0b4_28db;

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
#[inline(always)]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Combines a parent key with a child index or name hash into a new key.
#[inline(always)]
fn derive(parent: u64, child: u64) -> u64 {
    derive_mixed(parent, mix64(child.wrapping_add(GOLDEN)))
}

/// [`derive`] with the child already mixed (`mix64(child + GOLDEN)`).
#[inline(always)]
fn derive_mixed(parent: u64, mixed_child: u64) -> u64 {
    mix64(parent.wrapping_add(GOLDEN) ^ mixed_child)
}

/// A path's index as its streams' keys take it: mixed once, then shared by the growth stream
/// and every shock stream of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathKey(u64);

impl PathKey {
    #[inline(always)]
    pub fn new(path: u64) -> Self {
        PathKey(mix64(path.wrapping_add(GOLDEN)))
    }
}

/// The Xoshiro256++ generator whose state words are `seed` (`from_seed` of their
/// little-endian bytes, so an all-zero seed is remapped as rand_xoshiro does).
pub fn xoshiro(seed: [u64; 4]) -> Xoshiro256PlusPlus {
    let mut bytes = [0u8; 32];
    for (chunk, word) in bytes.chunks_exact_mut(8).zip(seed) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(bytes)
}

/// FNV-1a: a stable hash of a stream's name (std's hasher is not promised to stay the same).
pub fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The key of one named stream within a run; derive per-path streams from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamKey(u64);

impl StreamKey {
    pub fn new(seed: u64, stream_name: &str) -> Self {
        StreamKey(derive(seed, name_hash(stream_name)))
    }

    /// The seed of path `path`'s growth-surprise generator: four SplitMix64 outputs from the
    /// path's key, the state words of [`StreamKey::growth_rng`] (see [`xoshiro`]).
    #[inline(always)]
    pub fn growth_seed(self, path: PathKey) -> [u64; 4] {
        let mut state = derive_mixed(self.0, path.0);
        std::array::from_fn(|_| {
            state = state.wrapping_add(GOLDEN);
            mix64(state)
        })
    }

    /// The growth-surprise generator of path `path`.
    #[inline]
    pub fn growth_rng(self, path: PathKey) -> Xoshiro256PlusPlus {
        xoshiro(self.growth_seed(path))
    }

    /// The counter-based shock stream of path `path`.
    #[inline(always)]
    pub fn shock_stream(self, path: PathKey) -> ShockStream {
        ShockStream(derive_mixed(self.0, path.0))
    }
}

/// A path's draws for one shock, addressable by simulated year.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShockStream(u64);

impl ShockStream {
    /// wyrand's output number `counter` (from 0) for the initial state `self.0`: the state after
    /// `counter + 1` increments, mixed by a folded 128-bit product.
    #[inline(always)]
    fn output(self, counter: u64) -> u64 {
        let state = self.0.wrapping_add(counter.wrapping_add(1).wrapping_mul(WY_INCREMENT));
        let product = u128::from(state) * u128::from(state ^ WY_MASK);
        (product >> 64) as u64 ^ product as u64
    }

    /// A uniform draw in [0, 1) deciding whether an occurrence starts in simulated year `k`.
    #[inline(always)]
    pub fn start_draw(self, k: u32) -> f64 {
        unit_interval(self.output(2 * u64::from(k)))
    }

    /// Whether `start_draw(k) < probability`, given `threshold = start_threshold(probability)`:
    /// the same decision in integers, without converting the draw to a float.
    #[inline(always)]
    pub fn starts(self, k: u32, threshold: u64) -> bool {
        (self.output(2 * u64::from(k)) >> 11) < threshold
    }

    /// The first simulated year in `from ..= to` whose start draw is below `threshold`
    /// (`start_threshold(probability)`, below 2^53: a probability below 1), if any: exactly
    /// the first `k` with `starts(k, threshold)`, found by a tight loop that steps wyrand's
    /// state by two increments a year instead of recomputing it, and compares whole outputs
    /// (`x >> 11 < t` is `x < t << 11`).
    #[inline(always)]
    pub fn next_start(self, from: u32, to: u32, threshold: u64) -> Option<u32> {
        debug_assert!(threshold < 1 << 53, "a probability of 1 takes no draw");
        let bound = threshold << 11;
        let step = WY_INCREMENT.wrapping_mul(2);
        // The state of output 2k: `counter + 1 = 2k + 1` increments.
        let mut state = self.0.wrapping_add((2 * u64::from(from) + 1).wrapping_mul(WY_INCREMENT));
        let mut k = from;
        while k <= to {
            let product = u128::from(state) * u128::from(state ^ WY_MASK);
            if ((product >> 64) as u64 ^ product as u64) < bound {
                return Some(k);
            }
            state = state.wrapping_add(step);
            k += 1;
        }
        None
    }

    /// A whole number uniform in `min..=max` for an occurrence starting in simulated year `k`
    /// (multiply-shift; its bias is below 2^-32 for any span a scenario can give).
    #[inline(always)]
    pub fn duration_draw(self, k: u32, min: u32, max: u32) -> u32 {
        let span = u64::from(max - min) + 1;
        let x = self.output(2 * u64::from(k) + 1);
        min + ((u128::from(x) * u128::from(span)) >> 64) as u32
    }
}

/// The threshold for [`ShockStream::starts`]: `u < p` for `u = m / 2^53` exactly when
/// `m < ceil(p * 2^53)` (the product is exact: a power-of-two scaling).
pub fn start_threshold(probability: f64) -> u64 {
    (probability * (1u64 << 53) as f64).ceil() as u64
}

/// The top 53 bits of `x` as a float in [0, 1).
#[inline(always)]
pub fn unit_interval(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_fixed_functions_of_their_keys() {
        let a = StreamKey::new(7, "growth");
        let (three, four) = (PathKey::new(3), PathKey::new(4));
        assert_eq!(a.growth_rng(three).next_u64(), StreamKey::new(7, "growth").growth_rng(three).next_u64());
        assert_ne!(a.growth_rng(three).next_u64(), a.growth_rng(four).next_u64());
        assert_ne!(a.growth_rng(three).next_u64(), StreamKey::new(8, "growth").growth_rng(three).next_u64());
        // The path key is the mix `derive` applies to a child index.
        assert_eq!(a.shock_stream(three).0, derive(a.0, 3));
        assert_ne!(StreamKey::new(7, "a"), StreamKey::new(7, "b"));
    }

    #[test]
    fn known_values_pin_the_algorithm() {
        // SplitMix64 reference: the first output from state 0 is 0xe220a8397b1dcdaf.
        assert_eq!(mix64(GOLDEN), 0xe220_a839_7b1d_cdaf);
        assert_eq!(name_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(name_hash("a"), 0xaf63_dc4c_8601_ec8c);
        // wyrand from state 0: its first output, and the 4th from state 0x1234 (both worked
        // out with Python's integers from wyhash's definition).
        assert_eq!(ShockStream(0).output(0), 0x111c_b3a7_8f59_a58e);
        assert_eq!(ShockStream(0x1234).output(2), 0x999b_16a7_9b4d_ff88);
    }

    #[test]
    fn shock_draws_are_uniform() {
        let stream = StreamKey::new(1, "shock").shock_stream(PathKey::new(0));
        let n = 200_000u32;
        let mean = (0..n).map(|k| stream.start_draw(k)).sum::<f64>() / f64::from(n);
        // Standard error of the mean of U(0,1) is sqrt(1/12/n) = 0.00065; allow 5 of them.
        assert!((mean - 0.5).abs() < 5.0 * (1.0 / 12.0 / f64::from(n)).sqrt(), "{mean}");
        for p in [0.0, 0.1, 0.25, 0.999, 1.0] {
            let threshold = start_threshold(p);
            assert!((0..2000).all(|k| stream.starts(k, threshold) == (stream.start_draw(k) < p)));
        }
        for p in [0.0, 0.01, 0.3, 0.999] {
            let threshold = start_threshold(p);
            for from in 0..300 {
                let want = (from..=from + 40).find(|&k| stream.starts(k, threshold));
                assert_eq!(stream.next_start(from, from + 40, threshold), want, "p {p}, from {from}");
            }
        }
        let mut counts = [0u32; 3];
        for k in 0..30_000 {
            counts[(stream.duration_draw(k, 1, 3) - 1) as usize] += 1;
        }
        // Each count is Binomial(30000, 1/3): sd 81.6; allow 5 sd.
        assert!(counts.iter().all(|&c| (f64::from(c) - 10_000.0).abs() < 5.0 * 81.65), "{counts:?}");
    }
}
