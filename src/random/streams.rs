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
//!   multiply per output) started at a state keyed by `(seed, shock name, path)`. Start
//!   decisions come 64 years at a time: year `k` of chunk `c = k / 64` is bit column `k % 64`
//!   of outputs `2 (64 c + j)`, read as the binary digits of a uniform compared with the
//!   probability's (see [`ShockStream::start_mask`]); the duration of the path's `j`-th
//!   occurrence of the shock (`j = 0, 1, ..`) is drawn from output `2j + 1`. A year's decision
//!   depends on its column alone, so what the engine does not need (years when a shock cannot
//!   start) shifts nothing. (Durations go by the occurrence's number rather than its start year
//!   so that the engine can draw one before it knows when the occurrence starts: see
//!   the rounds of `crate::engine::occurrences`.)
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

/// The key of the growth surprises' stream of a run with `seed`.
pub fn growth_key(seed: u64) -> StreamKey {
    StreamKey::new(seed, "growth")
}

/// The key of the stream of the shock named `name` in a run with `seed`: a shock's draws depend
/// on its name, not its place in the file (common random numbers across scenarios).
pub fn shock_key(seed: u64, name: &str) -> StreamKey {
    StreamKey::new(seed, &format!("shock:{name}"))
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

    /// The start decisions of simulated years `from ..= to`, which lie in one chunk of 64
    /// years (`from / 64 == to / 64`): bit `k % 64` of the result is set when an occurrence
    /// starts in year `k` (if the shock may start then), given `digits =
    /// start_digits(probability)`.
    ///
    /// Each year of a chunk is one bit column of the chunk's words (outputs `2 (64 c + j)`,
    /// `j = 0, 1, ..`): the column's bits are the binary digits of a uniform `U`, and the year
    /// starts an occurrence when `U < P = digits / 2^64`, decided at the first digit where they
    /// differ. So 64 years are decided at once, with bitwise operations and no branch per year,
    /// in as many words as the last of them needs (about 7 for a full chunk; fewer for fewer
    /// years, or when `P`'s remaining digits are zeros). A year's decision depends on its
    /// column alone, so it is the same whatever range it is drawn in.
    #[inline(always)]
    pub fn start_mask(self, from: u32, to: u32, digits: u64) -> u64 {
        let [starts] = Self::start_masks([self], from, to, digits);
        starts
    }

    /// [`ShockStream::start_mask`] of several streams at once: the same masks, drawn in one
    /// loop so that the processor overlaps the streams' chains of dependent operations.
    #[inline(always)]
    pub fn start_masks<const L: usize>(streams: [ShockStream; L], from: u32, to: u32, digits: u64) -> [u64; L] {
        debug_assert!(from <= to && from / 64 == to / 64, "{from}..={to}");
        let mut undecided = [year_bits(from, to); L];
        let mut starts = [0; L];
        // Word j is output 2 (64 c + j): its state is `counter + 1` increments from the key.
        let first = (128 * u64::from(from / 64) + 1).wrapping_mul(WY_INCREMENT);
        let mut state = streams.map(|stream| stream.0.wrapping_add(first));
        let step = WY_INCREMENT.wrapping_mul(2);
        let mut digits = digits;
        // Once P's remaining digits are all 0, no undecided U can fall below P. (A stream
        // decided before the others takes more words, which change nothing.)
        while undecided.iter().any(|&u| u != 0) && digits != 0 {
            // When this digit of P is 1, a 0 digit of U decides `U < P`; when it is 0, a 1 digit
            // of U decides `U > P`; equal digits leave the column undecided. (P's digits are
            // the same for every path, so the processor learns which way this branch goes.)
            let one = digits >> 63 == 1;
            for lane in 0..L {
                let product = u128::from(state[lane]) * u128::from(state[lane] ^ WY_MASK);
                let word = (product >> 64) as u64 ^ product as u64;
                if one {
                    starts[lane] |= undecided[lane] & !word;
                    undecided[lane] &= word;
                } else {
                    undecided[lane] &= !word;
                }
                state[lane] = state[lane].wrapping_add(step);
            }
            digits <<= 1;
        }
        starts
    }

    /// Whether an occurrence starts in year `k` ([`ShockStream::start_mask`] of that year alone).
    pub fn starts(self, k: u32, digits: u64) -> bool {
        self.start_mask(k, k, digits) >> (k % 64) & 1 == 1
    }

    /// A whole number uniform in `min..=max`, the duration of the path's occurrence number
    /// `occurrence` (from 0) of the shock (multiply-shift; its bias is below 2^-32 for any span
    /// a scenario can give).
    #[inline(always)]
    pub fn duration_draw(self, occurrence: u32, min: u32, max: u32) -> u32 {
        let span = u64::from(max - min) + 1;
        let x = self.output(2 * u64::from(occurrence) + 1);
        min + ((u128::from(x) * u128::from(span)) >> 64) as u32
    }
}

/// The bits `from % 64 ..= to % 64` of a chunk's mask: years `from ..= to`, which lie in one
/// chunk of 64 years.
#[inline(always)]
pub fn year_bits(from: u32, to: u32) -> u64 {
    (u64::MAX << (from % 64)) & (u64::MAX >> (63 - to % 64))
}

/// The first 64 binary digits of a start probability below 1, for [`ShockStream::start_mask`]:
/// `floor(p * 2^64)`, so a year starts with probability `p` rounded down to a multiple of 2^-64
/// (exact for every `p` that is a multiple of 2^-64, such as 0.1 as a double).
pub fn start_digits(probability: f64) -> u64 {
    debug_assert!((0.0..1.0).contains(&probability), "{probability}");
    // Scaling by a power of two is exact; the conversion truncates.
    (probability * 18_446_744_073_709_551_616.0) as u64
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
    fn start_digits_are_the_binary_expansion() {
        assert_eq!(start_digits(0.0), 0);
        assert_eq!(start_digits(0.5), 1 << 63);
        assert_eq!(start_digits(0.25 + 0.125), 0b011 << 61);
        // 0.1 as a double is m * 2^-56 for a 53-bit m: exactly 256 m in 64-bit fixed point.
        assert_eq!(u128::from(start_digits(0.1)), (0.1f64 * 2f64.powi(56)) as u128 * 256);
        assert_eq!(start_digits(1e-300), 0);
    }

    #[test]
    fn start_decisions_have_the_probability_and_do_not_depend_on_the_range() {
        let key = StreamKey::new(1, "shock");
        for p in [0.001, 0.1, 0.25, 0.5, 0.9, 0.999] {
            let digits = start_digits(p);
            let (mut starts, mut both, mut n) = (0u64, 0u64, 0u64);
            for path in 0..3_000 {
                let stream = key.shock_stream(PathKey::new(path));
                // Whole chunks at once, then the same years one at a time and in ranges.
                let chunks = [stream.start_mask(0, 63, digits), stream.start_mask(64, 127, digits)];
                for k in 0..128u32 {
                    let bit = chunks[k as usize / 64] >> (k % 64) & 1 == 1;
                    if path < 20 {
                        assert_eq!(stream.starts(k, digits), bit, "p {p}, path {path}, year {k}");
                        let to = (k | 63).min(k + 9);
                        assert_eq!(stream.start_mask(k, to, digits) >> (k % 64) & 1 == 1, bit);
                    }
                    starts += u64::from(bit);
                    n += 1;
                    if k % 64 != 63 {
                        both += u64::from(bit && chunks[k as usize / 64] >> (k % 64 + 1) & 1 == 1);
                    }
                }
            }
            // Binomial(n, p): allow 5 standard errors; neighbouring years are independent:
            // P(both start) = p^2, over the 126 neighbouring pairs of each path.
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((starts as f64 / n as f64 - p).abs() < 5.0 * se, "p {p}: {starts} of {n}");
            let pairs = n as f64 * 126.0 / 128.0;
            let se2 = (p * p * (1.0 - p * p) / pairs).sqrt();
            assert!((both as f64 / pairs - p * p).abs() < 5.0 * se2, "p {p}: {both} pairs");
        }
    }

    #[test]
    fn duration_draws_are_uniform() {
        let stream = StreamKey::new(1, "shock").shock_stream(PathKey::new(0));
        let mut counts = [0u32; 3];
        for occurrence in 0..30_000 {
            counts[(stream.duration_draw(occurrence, 1, 3) - 1) as usize] += 1;
        }
        // Each count is Binomial(30000, 1/3): sd 81.6; allow 5 sd.
        assert!(counts.iter().all(|&c| (f64::from(c) - 10_000.0).abs() < 5.0 * 81.65), "{counts:?}");
    }
}
