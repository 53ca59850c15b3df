//! An exact sum of non-negative doubles, for the per-year mean of `V(y)` (SPEC.md §3: "the mean
//! is exact") and for merging shards' partial statistics exactly and in any order (§8).
//!
//! Every finite double is an integer multiple of 2^-1074 (the smallest subnormal), and none
//! reaches 2^1024, so [`ExactSum`] keeps the sum as one fixed-point integer in units of 2^-1074:
//! 2098 bits for a double, 64 more so that 2^64 additions of the largest double cannot overflow,
//! rounded up to [`LIMBS`] 64-bit limbs (a superaccumulator). Integer addition is associative,
//! so the sum does not depend on the order of the values or on how they were split among
//! threads, batches or machines; it is rounded to a double once, at the end ([`ExactSum::mean`],
//! [`ExactSum::to_f64`]), to nearest with ties to even.
//!
//! The hot path ([`ExactSum::add_all`]) does not touch the limbs for every value. Where a slice's
//! values span at most [`MAX_SPREAD`] binary exponents (a year's values in a block of the bench
//! scenario's paths span at most 10), it splits each value `p` exactly into a high part, `p` rounded to a grid
//! chosen from the slice's largest value, and the rest (the error-free extraction of Rump, Ogita
//! and Oishi, "Accurate floating-point summation part I", SIAM J. Sci. Comput. 31(1), 2008, §3),
//! reads each part as an integer from the bits of a float it was added to, and sums the integers:
//! six vectorisable operations a value, and two additions into the limbs per 4096 values.
//! Otherwise it adds each value's 53-bit integer significand into a 64-bit bin for its binary
//! exponent (per-thread scratch, [`Binned`]), and moves the bins that the slice can have touched
//! into the limbs once per slice: the same exact sum, slower.

use std::fmt;

/// 64-bit limbs of the sum: 2098 bits for the largest double in units of 2^-1074, 64 bits of
/// headroom (2^64 additions), rounded up to whole limbs (2176 bits, 14 to spare).
pub const LIMBS: usize = 34;

/// The length of [`ExactSum::to_bytes`]: the limbs, least significant first, little-endian.
pub const BYTES: usize = LIMBS * 8;

/// A sum of at most 2^64 finite doubles is below 2^(2098 + 64) units; [`ExactSum::from_bytes`]
/// rejects anything larger, which no shard could have written.
const CAPACITY_BITS: u32 = 2098 + 64;

/// Values split and summed at a time: few enough that the integer sums of their parts cannot
/// overflow (see [`split_sums`]).
const SPLIT_CHUNK: usize = 4096;

/// The widest spread of binary exponents, largest value's less smallest's, that the split sums
/// take: the low parts must stay within 2^50 of the smallest value's last bit.
pub const MAX_SPREAD: i32 = 48;

const FRACTION: u64 = (1 << 52) - 1;
const IMPLICIT: u64 = 1 << 52;
const EXPONENTS: usize = 2048;
const INFINITY_BITS: u64 = 0x7FF0_0000_0000_0000;

/// The exact sum of finite non-negative doubles, as an integer count of 2^-1074.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ExactSum {
    /// Least significant limb first.
    limbs: [u64; LIMBS],
}

impl Default for ExactSum {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ExactSum {
    /// The sum as a double, and its exact value in hexadecimal units of 2^-1074.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let top = self.limbs.iter().rposition(|&l| l != 0).unwrap_or(0);
        write!(f, "ExactSum({} = 0x{:x}", self.to_f64(), self.limbs[top])?;
        for limb in self.limbs[..top].iter().rev() {
            write!(f, "_{limb:016x}")?;
        }
        write!(f, " x 2^-1074)")
    }
}

/// A double's exact value as `significand * 2^(shift - 1074)`: the integer significand (with
/// its implicit bit when normal) and the position of its last bit in the sum.
#[inline(always)]
fn split(value: f64) -> (u64, u32) {
    let bits = value.to_bits();
    let exponent = ((bits >> 52) & 0x7FF) as u32;
    if exponent == 0 {
        // Subnormal (or 0): no implicit bit, and the same scale as the smallest normals.
        (bits & FRACTION, 0)
    } else {
        ((bits & FRACTION) | IMPLICIT, exponent - 1)
    }
}

impl ExactSum {
    /// The empty sum, 0.
    pub fn new() -> Self {
        Self { limbs: [0; LIMBS] }
    }

    /// Adds `value << shift` (in units of 2^-1074) to the limbs. `shift` is at most 2046 (a
    /// double's), so the at most 129 bits land within the limbs; a carry past the last limb
    /// would need more than 2^64 additions of the largest double.
    #[inline]
    fn add_shifted(&mut self, value: u128, shift: u32) {
        let (index, offset) = ((shift / 64) as usize, shift % 64);
        let (low, high) = (value as u64, (value >> 64) as u64);
        let words = if offset == 0 {
            [low, high, 0]
        } else {
            [low << offset, (low >> (64 - offset)) | (high << offset), high >> (64 - offset)]
        };
        let mut carry = false;
        for (limb, word) in self.limbs[index..].iter_mut().zip(words) {
            let (sum, c1) = limb.overflowing_add(word);
            let (sum, c2) = sum.overflowing_add(carry as u64);
            *limb = sum;
            carry = c1 | c2;
        }
        for limb in self.limbs.iter_mut().skip(index + 3) {
            if !carry {
                break;
            }
            (*limb, carry) = limb.overflowing_add(1);
        }
        debug_assert!(!carry, "exact sum overflowed its {} bits", LIMBS * 64);
    }

    /// Adds one value. Values must be finite and non-negative (trade levels always are): debug
    /// builds check; release builds add the magnitude of a negative value and something
    /// meaningless for an infinity or NaN, without panicking.
    pub fn add(&mut self, value: f64) {
        debug_assert!(value.is_finite() && value >= 0.0, "exact sum takes finite non-negative values, got {value}");
        let (significand, shift) = split(value);
        self.add_shifted(significand as u128, shift);
    }

    /// Subtracts `value << shift` (in units of 2^-1074, `shift` a double's as in
    /// [`add_shifted`](Self::add_shifted)) from the limbs, which must hold at least that much.
    #[inline]
    fn subtract_shifted(&mut self, value: u64, shift: u32) {
        let (index, offset) = ((shift / 64) as usize, shift % 64);
        let words = if offset == 0 { [value, 0] } else { [value << offset, value >> (64 - offset)] };
        let mut borrow = false;
        for (limb, word) in self.limbs[index..].iter_mut().zip(words) {
            let (difference, b1) = limb.overflowing_sub(word);
            let (difference, b2) = difference.overflowing_sub(borrow as u64);
            *limb = difference;
            borrow = b1 | b2;
        }
        for limb in self.limbs.iter_mut().skip(index + 2) {
            if !borrow {
                break;
            }
            (*limb, borrow) = limb.overflowing_sub(1);
        }
        debug_assert!(!borrow, "exact sum went below 0");
    }

    /// Adds every value of a slice whose smallest and largest are `min` and `max`: the hot path,
    /// with the same result as [`add`](Self::add) one by one. Values, `min` and `max` must be
    /// finite and non-negative, and every value within `[min, max]` (debug builds check).
    ///
    /// Normal values whose exponents span at most [`MAX_SPREAD`] are split and summed as integers
    /// (see [`split_sums`]), 4096 at a time. Other normal values go through `scratch`'s bins,
    /// and only the bins between `min`'s and `max`'s exponents are moved into the limbs, once per
    /// 8192 values (before a bin could overflow). Zeros and subnormals go one by one.
    ///
    /// Inlined, so that a caller compiled for wider vectors (the engine's AVX2 path) gets them.
    #[inline(always)]
    pub fn add_all(&mut self, values: &[f64], min: f64, max: f64, scratch: &mut Binned) {
        debug_assert!(values.iter().all(|v| (min..=max).contains(v)), "a value outside [{min}, {max}]");
        if values.is_empty() {
            return;
        }
        if !(min >= f64::MIN_POSITIVE && max <= f64::MAX) {
            // Zeros, subnormals (no implicit bit) or values that break the contract: one by one.
            self.add_each(values);
            return;
        }
        match split_point(min, max) {
            Some(split) => {
                for chunk in values.chunks(SPLIT_CHUNK) {
                    let (high, low) = split_sums(chunk, split);
                    self.add_parts(high, low, split);
                }
            }
            None => self.add_binned(values, (min.to_bits() >> 52) as usize, (max.to_bits() >> 52) as usize, scratch),
        }
    }

    #[inline(never)]
    fn add_each(&mut self, values: &[f64]) {
        values.iter().for_each(|&v| self.add(v));
    }

    /// Adds the sums of [`split_sums`], the high parts' (non-negative) first, so that the sum never
    /// goes below 0 on the way when the low parts' is negative.
    fn add_parts(&mut self, high: u64, low: i64, split: Split) {
        self.add_shifted(high as u128, split.high_unit);
        if low >= 0 {
            self.add_shifted(low as u128, split.low_unit);
        } else {
            self.subtract_shifted(low.unsigned_abs(), split.low_unit);
        }
    }

    /// The general path of [`add_all`](Self::add_all): normal values of biased exponents
    /// `low..=high`, through the bins.
    #[inline(never)]
    fn add_binned(&mut self, values: &[f64], low: usize, high: usize, scratch: &mut Binned) {
        for chunk in values.chunks(Binned::CHUNK) {
            scratch.add(chunk);
            scratch.flush(low, high, self);
        }
    }

    /// Adds another sum to this one: merging shards, batches or threads, in any order.
    pub fn merge(&mut self, other: &ExactSum) {
        let mut carry = false;
        for (limb, &word) in self.limbs.iter_mut().zip(&other.limbs) {
            let (sum, c1) = limb.overflowing_add(word);
            let (sum, c2) = sum.overflowing_add(carry as u64);
            *limb = sum;
            carry = c1 | c2;
        }
        debug_assert!(!carry, "exact sum overflowed its {} bits", LIMBS * 64);
    }

    /// Whether nothing but zeros was added.
    pub fn is_zero(&self) -> bool {
        self.limbs.iter().all(|&l| l == 0)
    }

    /// The sum, rounded once to the nearest double (ties to even); infinity past the largest.
    pub fn to_f64(&self) -> f64 {
        round(&self.limbs, Tail::Zero)
    }

    /// The sum divided by `n`, rounded once to the nearest double (ties to even): the mean of
    /// `n` values. The mean of `n` copies of a value is that value. NaN for `n = 0`.
    pub fn mean(&self, n: u64) -> f64 {
        match n {
            0 => f64::NAN,
            1 => self.to_f64(),
            _ => {
                let (quotient, remainder) = divide(&self.limbs, n);
                let tail = match (2 * remainder as u128).cmp(&(n as u128)) {
                    _ if remainder == 0 => Tail::Zero,
                    std::cmp::Ordering::Less => Tail::BelowHalf,
                    std::cmp::Ordering::Equal => Tail::Half,
                    std::cmp::Ordering::Greater => Tail::AboveHalf,
                };
                round(&quotient, tail)
            }
        }
    }

    /// The length of the sum in bits, as an integer count of 2^-1074 (0 for 0): a sum of `n`
    /// finite doubles has at most `2098 + bits of n`, which a reader of shards' sums can check.
    pub fn bit_length(&self) -> u32 {
        self.limbs.iter().rposition(|&l| l != 0).map_or(0, |top| top as u32 * 64 + 64 - self.limbs[top].leading_zeros())
    }

    /// The sum as [`BYTES`] bytes: the limbs, least significant first, each little-endian.
    pub fn to_bytes(&self) -> [u8; BYTES] {
        let mut bytes = [0; BYTES];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(&self.limbs) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        bytes
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote; `None` for any other length, or for a sum
    /// larger than 2^64 additions of the largest double can make.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != BYTES {
            return None;
        }
        let mut limbs = [0; LIMBS];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
            *limb = u64::from_le_bytes(chunk.try_into().ok()?);
        }
        let top = CAPACITY_BITS as usize / 64;
        let fits = limbs[top] >> (CAPACITY_BITS % 64) == 0 && limbs[top + 1..].iter().all(|&l| l == 0);
        fits.then_some(Self { limbs })
    }
}

/// What lies below the last bit of an integer quotient: the remainder's share of the divisor.
#[derive(Clone, Copy, PartialEq)]
enum Tail {
    Zero,
    BelowHalf,
    Half,
    AboveHalf,
}

/// `limbs / n` and its remainder, one limb at a time from the top.
fn divide(limbs: &[u64; LIMBS], n: u64) -> ([u64; LIMBS], u64) {
    let mut quotient = [0; LIMBS];
    let mut remainder = 0u64;
    let top = limbs.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1);
    for i in (0..top).rev() {
        let x = ((remainder as u128) << 64) | limbs[i] as u128;
        quotient[i] = (x / n as u128) as u64;
        remainder = (x % n as u128) as u64;
    }
    (quotient, remainder)
}

/// The 64 bits of `limbs` from bit `position` up (zeros past the top).
fn bits_from(limbs: &[u64; LIMBS], position: u32) -> u64 {
    let (index, offset) = ((position / 64) as usize, position % 64);
    let low = limbs[index] >> offset;
    match limbs.get(index + 1) {
        Some(&next) if offset != 0 => low | (next << (64 - offset)),
        _ => low,
    }
}

/// `limbs + tail` (in units of 2^-1074, `tail` a fraction of one unit) rounded to the nearest
/// double, ties to even. With `p` the number of bits below the 53 kept (0 when there are at most
/// 53, where the grid is that of the subnormals and smallest normals), the double is
/// `m * 2^(p - 1074)` for the rounded 53-bit `m`, whose bits are `(p << 52) + m`: `m`'s top bit
/// adds the one to the exponent field that the biased exponent `p + 1` needs, and a rounding
/// up to `m = 2^53` carries into the exponent by itself.
fn round(limbs: &[u64; LIMBS], tail: Tail) -> f64 {
    let length = match limbs.iter().rposition(|&l| l != 0) {
        Some(i) => 64 * i as u32 + 64 - limbs[i].leading_zeros(),
        None => 0,
    };
    let (p, significand, up) = if length <= 53 {
        let m = limbs[0];
        (0, m, tail == Tail::AboveHalf || (tail == Tail::Half && m & 1 == 1))
    } else {
        let p = length - 53;
        let kept = bits_from(limbs, p - 1) & ((1 << 54) - 1);
        let (m, round_bit) = (kept >> 1, kept & 1 == 1);
        let (index, offset) = (((p - 1) / 64) as usize, (p - 1) % 64);
        let sticky =
            tail != Tail::Zero || limbs[index] & ((1u64 << offset) - 1) != 0 || limbs[..index].iter().any(|&l| l != 0);
        (p, m, round_bit && (sticky || m & 1 == 1))
    };
    let bits = ((p as u64) << 52) + significand + up as u64;
    if bits >= INFINITY_BITS { f64::INFINITY } else { f64::from_bits(bits) }
}

/// How [`split_sums`] splits normal values within `[min, max]`, with `E` and `F` the binary
/// exponents of `max` and `min` (`2^E <= max < 2^(E+1)`). `None` when they spread more than
/// [`MAX_SPREAD`], or when `max >= 2^1021` (where `sigma` would overflow).
#[inline(always)]
fn split_point(min: f64, max: f64) -> Option<Split> {
    // Biased exponents: E + 1023 and F + 1023.
    let (low, high) = ((min.to_bits() >> 52) as i32, (max.to_bits() >> 52) as i32);
    let half = 1 << 51;
    (high - low <= MAX_SPREAD && high <= 1020 + 1023).then(|| Split {
        // 1.5 * 2^(E + 3): biased exponent E + 3 + 1023.
        sigma: f64::from_bits((((high + 3) as u64) << 52) | half),
        // 1.5 * 2^F.
        tau: f64::from_bits(((low as u64) << 52) | half),
        // 2^j = 2^(E - 49) is at j + 1074 = E + 1025 in the sum's units of 2^-1074.
        high_unit: (high + 2) as u32,
        // 2^g = 2^(F - 52), likewise.
        low_unit: (low - 1) as u32,
    })
}

/// Where [`split_sums`] splits, and the units of its two parts' sums.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Split {
    /// `1.5 * 2^(j + 52)`, whose last bit is 2^j: the grid of the high parts.
    sigma: f64,
    /// `1.5 * 2^(g + 52)`, whose last bit is 2^g, the smallest value's last bit.
    tau: f64,
    /// 2^j as a position in the sum (`j + 1074`).
    high_unit: u32,
    /// 2^g likewise.
    low_unit: u32,
}

/// The sums of the high and low parts of at most [`SPLIT_CHUNK`] normal values within the
/// `[min, max]` of [`split_point`], as integers of 2^j and 2^g: `sum(p) = 2^j high + 2^g low`
/// exactly. With `E` and `F` the exponents of the largest and smallest value, `D = E - F <=
/// MAX_SPREAD = 48`, `j = E - 49` and `g = F - 52`, for each value `p`:
/// - `t = sigma + p` lies in `[2^(j+52), 2^(j+53))`, whose last bit is 2^j, since `p < 2^(E+1) =
///   2^(j+50)`; so it is `sigma + q` with `q = k 2^j` the nearest multiple of 2^j to `p`,
///   `0 <= k <= 2^50`, and its bits are `sigma`'s plus `k`.
/// - `t - sigma = q` and `r = p - q` are exact: `p` and `q` are multiples of 2^g (`p >= min`, and
///   `j > g`), so `r` is one too, of magnitude at most `2^(j-1) = 2^(g + D + 2) <= 2^(g+50)`.
/// - `tau + r` lies in `(2^(g+52), 2^(g+53))`, whose last bit is 2^g, so it is exact, and its
///   bits are `tau`'s plus `r / 2^g` (a signed integer of magnitude at most 2^50).
///
/// So summing the bits of `t` and of `tau + r` (wrapping) and taking off `n` times those of
/// `sigma` and `tau` leaves `sum(k) <= 2^12 2^50` and `sum(r / 2^g)`, of magnitude at most
/// `2^12 2^50`: both exact in 64 bits. Integer sums, unlike float ones, may be reordered, so the
/// compiler vectorises the loop at the width the caller is compiled for.
#[inline(always)]
fn split_sums(values: &[f64], split: Split) -> (u64, i64) {
    debug_assert!(values.len() <= SPLIT_CHUNK);
    let Split { sigma, tau, .. } = split;
    let (mut high, mut low) = (0u64, 0u64);
    for &p in values {
        let t = sigma + p;
        high = high.wrapping_add(t.to_bits());
        let r = p - (t - sigma);
        low = low.wrapping_add((tau + r).to_bits());
    }
    let n = values.len() as u64;
    (high.wrapping_sub(n.wrapping_mul(sigma.to_bits())), low.wrapping_sub(n.wrapping_mul(tau.to_bits())) as i64)
}

/// Per-thread scratch for [`ExactSum::add_all`]: for each of four lanes, one 64-bit bin per
/// binary exponent, all 0 between calls. Value `i` of a slice goes to lane `i % 4`, so that four
/// values in a row add into four different bins and do not wait for each other's stores.
pub struct Binned {
    bins: Box<[[u64; EXPONENTS]; Binned::LANES]>,
}

impl Default for Binned {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Binned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Binned").finish_non_exhaustive()
    }
}

impl Binned {
    const LANES: usize = 4;
    /// Values between flushes: each lane's bins take at most 2048 significands below 2^53,
    /// whose sum stays below 2^64.
    const CHUNK: usize = Self::LANES * 2048;

    /// Empty bins (64 KiB, on the heap).
    pub fn new() -> Self {
        let bins = vec![[0; EXPONENTS]; Self::LANES].into_boxed_slice();
        Self { bins: bins.try_into().expect("LANES rows") }
    }

    /// Adds the significands of at most [`Self::CHUNK`] normal values into their bins.
    #[inline(always)]
    fn add(&mut self, values: &[f64]) {
        debug_assert!(values.len() <= Self::CHUNK);
        let [b0, b1, b2, b3] = &mut *self.bins;
        #[inline(always)]
        fn bin(bins: &mut [u64; EXPONENTS], value: f64) {
            let bits = value.to_bits();
            bins[(bits >> 52) as usize & (EXPONENTS - 1)] += (bits & FRACTION) | IMPLICIT;
        }
        let mut fours = values.chunks_exact(Self::LANES);
        for four in &mut fours {
            bin(b0, four[0]);
            bin(b1, four[1]);
            bin(b2, four[2]);
            bin(b3, four[3]);
        }
        for (bins, &value) in [b0, b1, b2].into_iter().zip(fours.remainder()) {
            bin(bins, value);
        }
    }

    /// Moves the bins of exponents `low..=high` (biased, at least 1) into `sum` and clears them.
    fn flush(&mut self, low: usize, high: usize, sum: &mut ExactSum) {
        for exponent in low..=high {
            let mut total = 0u128;
            for lane in self.bins.iter_mut() {
                total += std::mem::take(&mut lane[exponent]) as u128;
            }
            if total != 0 {
                sum.add_shifted(total, exponent as u32 - 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::{BigInt, BigUint};
    use proptest::prelude::*;

    // The oracle: big integers from num-bigint, and a double's exact value found by float
    // arithmetic alone (no look at its bits), so that it shares nothing with `split`.

    /// `value` exactly, in units of 2^-1074: doubled until it is an integer, then halved (exactly,
    /// being even) while above 2^53, so that the rest fits a `u64`.
    fn units(value: f64) -> BigUint {
        assert!(value.is_finite() && value >= 0.0);
        let (mut x, mut scale) = (value, 1074i32);
        while x.fract() != 0.0 {
            x *= 2.0;
            scale -= 1;
        }
        while x >= 2f64.powi(53) {
            x /= 2.0;
            scale += 1;
        }
        BigUint::from(x as u64) << scale as u32
    }

    fn oracle_sum(values: &[f64]) -> BigUint {
        values.iter().map(|&v| units(v)).sum()
    }

    fn as_big(sum: &ExactSum) -> BigUint {
        BigUint::from_bytes_le(&sum.to_bytes())
    }

    fn sum_of(values: &[f64]) -> ExactSum {
        let mut sum = ExactSum::new();
        values.iter().for_each(|&v| sum.add(v));
        sum
    }

    /// A double `got` is `sum / n` (in units of 2^-1074) correctly rounded, ties to even: no
    /// neighbouring double is nearer, and at a tie `got`'s significand is even. Infinity stands
    /// for 2^1024 (where rounding past the largest double goes).
    fn assert_correctly_rounded(sum: &BigUint, n: u64, got: f64) {
        let exact =
            |v: f64| -> BigInt { if v.is_infinite() { BigInt::from(1u8) << (1024 + 1074) } else { units(v).into() } };
        // n times the distance from sum / n.
        let distance = |v: f64| (BigInt::from(sum.clone()) - BigInt::from(n) * exact(v)).magnitude().clone();
        assert!(got >= 0.0, "got {got}");
        let d = distance(got);
        let neighbours = [got.next_down(), got.next_up()];
        for other in neighbours.into_iter().filter(|&o| o >= 0.0 && got.is_finite()) {
            let e = distance(other);
            assert!(d <= e, "{got} is not the nearest to {sum} / {n} ({other} is)");
            if d == e {
                assert_eq!(got.to_bits() & 1, 0, "{got} and {other} tie for {sum} / {n}: the even one");
            }
        }
        if got.is_infinite() {
            // Past the midpoint between the largest double and 2^1024 (which rounds to even: up).
            let midpoint = (BigInt::from(1u8) << (1024 + 1074)) - (BigInt::from(1u8) << (970 + 1074));
            assert!(BigInt::from(sum.clone()) >= midpoint * BigInt::from(n), "{sum} / {n} rounded to infinity");
        }
    }

    const SPECIAL: [f64; 9] = [
        0.0,
        f64::from_bits(1), // the smallest subnormal
        f64::from_bits(2),
        f64::from_bits(IMPLICIT - 1), // the largest subnormal
        f64::MIN_POSITIVE,
        1.0,
        901.5999999999999,
        2.0 - f64::EPSILON, // the largest significand
        f64::MAX,
    ];

    #[test]
    fn the_oracle_agrees_with_the_bits() {
        for v in SPECIAL {
            let bits = v.to_bits();
            let (exponent, fraction) = (bits >> 52, bits & FRACTION);
            let want = if exponent == 0 {
                BigUint::from(fraction)
            } else {
                BigUint::from(fraction | IMPLICIT) << (exponent - 1)
            };
            assert_eq!(units(v), want, "{v}");
        }
    }

    #[test]
    fn special_values_sum_exactly_and_round_back() {
        for v in SPECIAL {
            let sum = sum_of(&[v]);
            assert_eq!(as_big(&sum), units(v), "{v}");
            assert_eq!(sum.to_f64().to_bits(), v.to_bits(), "{v}");
            assert_eq!(sum.mean(1).to_bits(), v.to_bits(), "{v}");
        }
        let sum = sum_of(&SPECIAL);
        assert_eq!(as_big(&sum), oracle_sum(&SPECIAL));
        assert_correctly_rounded(&oracle_sum(&SPECIAL), 1, sum.to_f64());
        assert_eq!(ExactSum::new().to_f64(), 0.0);
        assert!(ExactSum::new().is_zero() && !sum.is_zero());
        assert!(ExactSum::new().mean(0).is_nan());
    }

    #[test]
    fn float_summation_loses_what_the_exact_sum_keeps() {
        // 2^53 then a thousand ones: each 2^53 + 1 rounds back to 2^53 (ties to even).
        let mut values = vec![2f64.powi(53)];
        values.extend([1.0; 1000]);
        assert_eq!(values.iter().sum::<f64>(), 2f64.powi(53));
        assert_eq!(sum_of(&values).to_f64(), 2f64.powi(53) + 1000.0);
        // Mixed magnitudes, cancelling nowhere but spanning 500 orders of magnitude.
        let values = [1e250, 1e-250, 3.0, 1e-250, 0.1, 1e100, 2e-300, 7e250];
        let sum = sum_of(&values);
        assert_eq!(as_big(&sum), oracle_sum(&values));
        assert_correctly_rounded(&oracle_sum(&values), 1, sum.to_f64());
        assert_correctly_rounded(&oracle_sum(&values), values.len() as u64, sum.mean(values.len() as u64));
    }

    /// `2^k` copies of `value`'s sum, by doubling, and `2^bits - 1` copies, by also keeping the
    /// running total of the powers.
    fn copies(value: f64, bits: u32) -> (ExactSum, ExactSum) {
        let (mut power, mut all_ones) = (sum_of(&[value]), ExactSum::new());
        for _ in 0..bits {
            all_ones.merge(&power);
            let twice = power.clone();
            power.merge(&twice);
        }
        (power, all_ones)
    }

    #[test]
    fn the_largest_double_2_to_the_64_times_fits() {
        let (power, all_ones) = copies(f64::MAX, 64);
        assert_eq!(as_big(&power), units(f64::MAX) << 64u32);
        assert_eq!(as_big(&all_ones), units(f64::MAX) * BigUint::from(u64::MAX));
        assert_eq!(power.to_f64(), f64::INFINITY);
        assert_eq!(all_ones.mean(u64::MAX), f64::MAX);
        // And a shard file may hold it.
        assert_eq!(ExactSum::from_bytes(&power.to_bytes()), Some(power));
    }

    #[test]
    fn the_mean_of_identical_values_is_that_value() {
        for v in SPECIAL {
            for n in [1u64, 2, 3, 7, 10, 4096, 100_000] {
                let mut sum = ExactSum::new();
                (0..n).for_each(|_| sum.add(v));
                assert_eq!(sum.mean(n).to_bits(), v.to_bits(), "{n} x {v}");
            }
            let (power, all_ones) = copies(v, 40);
            assert_eq!(power.mean(1 << 40).to_bits(), v.to_bits(), "2^40 x {v}");
            assert_eq!(all_ones.mean((1 << 40) - 1).to_bits(), v.to_bits(), "2^40 - 1 x {v}");
        }
    }

    #[test]
    fn the_trajectory_example_means_what_every_path_has() {
        // results/naive_constant_40/trajectory.csv: every path at 901.5999999999999 in 2024,
        // whose float-summed mean was 901.6000000000305.
        let (v, n) = (901.5999999999999, 100_000);
        let mut sum = ExactSum::new();
        sum.add_all(&vec![v; n], v, v, &mut Binned::new());
        assert_eq!(sum.mean(n as u64), v);
    }

    #[test]
    fn ties_round_to_even() {
        let up = |v: f64, k: u64| f64::from_bits(v.to_bits() + k);
        let cases = [
            // 1 + 2^-53: between 1 (even) and 1 + 2^-52 (odd).
            (vec![1.0, up(1.0, 1)], 2, 1.0),
            // 1 + 1.5 * 2^-52: between 1 + 2^-52 (odd) and 1 + 2^-51 (even).
            (vec![up(1.0, 1), up(1.0, 2)], 2, up(1.0, 2)),
            // Subnormal grid: half the smallest subnormal goes to 0, 1.5 of it to 2.
            (vec![0.0, f64::from_bits(1)], 2, 0.0),
            (vec![f64::from_bits(1), f64::from_bits(2)], 2, f64::from_bits(2)),
            // Where subnormals meet normals: (2^-1022 - 2^-1074 + 2^-1022) / 2 ties to 2^-1022.
            (vec![f64::from_bits(IMPLICIT - 1), f64::MIN_POSITIVE], 2, f64::MIN_POSITIVE),
            // Not ties: a third and two thirds of the smallest subnormal.
            (vec![f64::from_bits(1)], 3, 0.0),
            (vec![f64::from_bits(2)], 3, f64::from_bits(1)),
            // A sum past 53 bits whose dropped bits are exactly half: 2^53 + 1 is a tie, 2^53 + 3 too.
            (vec![2f64.powi(53), 1.0], 1, 2f64.powi(53)),
            (vec![2f64.powi(53), 2.0, 1.0], 1, 2f64.powi(53) + 4.0),
            // Just past half: 2^53 + 1 + 2^-60 rounds up.
            (vec![2f64.powi(53), 1.0, 2f64.powi(-60)], 1, 2f64.powi(53) + 2.0),
            // Not a tie because of the remainder alone: (3 * 2^54 + 7) / 3 units = 2^54 + 2 + 1/3, whose
            // bits past the 53 kept (in units of 4: 1/2 + 1/12) are all zero but the round bit.
            (vec![3.0 * 2f64.powi(-1020), f64::from_bits(7)], 3, (1.0 + f64::EPSILON) * 2f64.powi(-1020)),
            // Rounding up to 2^53 units carries into the exponent: (2 + 2 - 2^-52) / 2 = 2 - 2^-53 is
            // a tie between 2 - 2^-52 (odd) and 2 (even).
            (vec![2.0, 2.0 - f64::EPSILON], 2, 2.0),
        ];
        for (values, n, want) in cases {
            let sum = sum_of(&values);
            let got = if n == 1 { sum.to_f64() } else { sum.mean(n) };
            assert_eq!(got.to_bits(), want.to_bits(), "{values:?} / {n}: {got:e} vs {want:e}");
            assert_correctly_rounded(&oracle_sum(&values), n, got);
        }
        // Past the largest double: its midpoint with 2^1024 is a tie that goes up, to infinity;
        // anything below it stays at the largest double.
        let half_ulp = 2f64.powi(970);
        assert_eq!(sum_of(&[f64::MAX, half_ulp]).to_f64(), f64::INFINITY);
        assert_eq!(sum_of(&[f64::MAX, half_ulp.next_down()]).to_f64(), f64::MAX);
    }

    #[test]
    fn bytes_round_trip_and_reject_wrong_lengths_and_impossible_sums() {
        let sum = sum_of(&SPECIAL);
        let bytes = sum.to_bytes();
        assert_eq!(bytes.len(), BYTES);
        assert_eq!(ExactSum::from_bytes(&bytes), Some(sum.clone()));
        assert_eq!(ExactSum::from_bytes(&ExactSum::new().to_bytes()), Some(ExactSum::new()));
        for length in [0, 1, BYTES - 8, BYTES - 1, BYTES + 1, BYTES + 8] {
            let mut other = bytes.to_vec();
            other.resize(length, 0);
            assert_eq!(ExactSum::from_bytes(&other), None, "{length} bytes");
        }
        // The least significant limb comes first, little-endian.
        assert_eq!(&sum_of(&[f64::from_bits(1)]).to_bytes()[..2], &[1, 0]);
        // A bit past what 2^64 additions of the largest double can reach.
        let mut beyond = [0; BYTES];
        beyond[CAPACITY_BITS as usize / 8] = 1 << (CAPACITY_BITS % 8);
        assert_eq!(ExactSum::from_bytes(&beyond), None);
        beyond[BYTES - 1] = 0x80;
        assert_eq!(ExactSum::from_bytes(&beyond), None);
    }

    /// `add_all` of `values` (with their own extremes) into a fresh sum equals `add` one by one
    /// and the oracle; returns the sum.
    fn check_add_all(values: &[f64], scratch: &mut Binned) -> ExactSum {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(0.0, f64::max);
        let mut sum = ExactSum::new();
        sum.add_all(values, min, max, scratch);
        assert_eq!(sum, sum_of(values), "{} values in [{min:e}, {max:e}]", values.len());
        assert_eq!(as_big(&sum), oracle_sum(values));
        assert!(scratch.bins.iter().all(|lane| lane.iter().all(|&b| b == 0)), "bins left dirty");
        sum
    }

    /// A normal double from its binary exponent `e` (`2^e <= v < 2^(e+1)`) and its 52 fraction bits.
    fn double(e: i32, fraction: u64) -> f64 {
        f64::from_bits((((e + 1023) as u64) << 52) | (fraction & FRACTION))
    }

    #[test]
    fn the_split_takes_spreads_up_to_its_bound_and_sigma_short_of_overflow() {
        let split = split_point(1.0, double(MAX_SPREAD, FRACTION)).expect("a split");
        let (j, g) = (MAX_SPREAD - 49, -52);
        assert_eq!((split.sigma, split.tau), (1.5 * 2f64.powi(j + 52), 1.5 * 2f64.powi(g + 52)));
        assert_eq!((split.high_unit, split.low_unit), ((j + 1074) as u32, (g + 1074) as u32));
        assert_eq!(split_point(1.0, 2f64.powi(MAX_SPREAD + 1)), None);
        assert!(split_point(2f64.powi(1020), double(1020, FRACTION)).is_some_and(|s| s.sigma.is_finite()));
        assert_eq!(split_point(2f64.powi(1021), 2f64.powi(1021)), None);
        assert_eq!(split_point(f64::MAX, f64::MAX), None);
        assert!(split_point(f64::MIN_POSITIVE, f64::MIN_POSITIVE).is_some());
    }

    #[test]
    fn add_all_equals_add_one_by_one_at_the_split_bounds() {
        let mut scratch = Binned::new();
        // The low parts as large as they come, all of one sign, then of the other, and in the
        // smallest value's last bit: values `spread` exponents below one largest value, with their
        // bits below the grid 2^j (j = E - 49, so `spread + 3` of them) just under half (+) or just
        // over (-). Spreads up to MAX_SPREAD go through the split, and past it through the bins.
        // Lengths around the 4096 values the integer sums' bounds are counted for.
        let e = 300;
        for spread in [0, 1, 20, MAX_SPREAD, MAX_SPREAD + 1, MAX_SPREAD + 3, 60] {
            let below_grid = (spread + 3).min(52);
            let half = 1u64 << (below_grid - 1);
            for fraction in [half - 1, half + 1, FRACTION, 0] {
                for n in [1, SPLIT_CHUNK - 1, SPLIT_CHUNK, SPLIT_CHUNK + 1, 3 * SPLIT_CHUNK + 5] {
                    let mut values = vec![double(e - spread, fraction); n];
                    values[n / 2] = double(e, 1);
                    check_add_all(&values, &mut scratch);
                }
            }
        }
        // The largest significand, more often than one bin could hold without a flush (2048 per
        // lane), over a spread that the split does not take.
        let mut values = vec![2.0 - f64::EPSILON; 3 * Binned::CHUNK + 5];
        values[7] = 1e-20;
        check_add_all(&values, &mut scratch);
        // Near the top of the doubles, and at the bottom of the normals.
        check_add_all(&[double(1013, FRACTION), double(1013, 0), double(990, 12345)], &mut scratch);
        check_add_all(&[f64::MAX, f64::MAX / 3.0, 1e300], &mut scratch);
        check_add_all(&[f64::MIN_POSITIVE, double(-1000, FRACTION), double(-1010, 1)], &mut scratch);
        // One value, and none.
        check_add_all(&[3.0], &mut scratch);
        check_add_all(&[], &mut scratch);
        // Zeros and subnormals go one by one.
        check_add_all(&[0.0, f64::from_bits(5), f64::MIN_POSITIVE, 1.0], &mut scratch);
    }

    #[test]
    fn add_all_into_one_sum_with_one_scratch_equals_the_concatenation() {
        let mut scratch = Binned::new();
        // Slices of spreads from none to 2^88 (split, then bins), one after the other.
        let slices: Vec<Vec<f64>> = (0..6)
            .map(|k| (0..1000 * k + 3).map(|i| 1.5f64.powi((i * 7 + k) % (30 * k + 1)) * 1e-20).collect())
            .collect();
        let mut all = ExactSum::new();
        for values in &slices {
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(0.0, f64::max);
            all.add_all(values, min, max, &mut scratch);
        }
        assert_eq!(all, sum_of(&slices.concat()));
    }

    /// Finite non-negative doubles of every magnitude (uniform over the bit patterns), with
    /// zeros and the extremes now and then.
    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            8 => (0..INFINITY_BITS).prop_map(f64::from_bits),
            1 => Just(0.0),
            1 => Just(f64::MAX),
            1 => (0..IMPLICIT).prop_map(f64::from_bits),
        ]
    }

    /// Normal values whose binary exponents spread over up to 60 (the split takes up to
    /// MAX_SPREAD, the bins the rest), with random fractions or ones that make the largest low
    /// parts (bits below the split's grid just under or over half) or all ones.
    fn block() -> impl Strategy<Value = Vec<f64>> {
        (-1020..1020i32, 0..=60i32, 0usize..10_000).prop_flat_map(|(low, spread, n)| {
            let high = (low + spread).min(1023);
            let value = (low..=high, any::<u64>(), 0..8u8).prop_map(move |(e, random, kind)| {
                // The bits of a value of exponent e below the grid 2^(high - 49).
                let half = 1u64 << ((high - e + 3).min(52) - 1);
                double(e, [half - 1, half + 1, FRACTION, random][kind.min(3) as usize])
            });
            proptest::collection::vec(value, n)
        })
    }

    proptest! {
        #[test]
        fn sum_and_mean_equal_the_oracle(values in proptest::collection::vec(value(), 0..200), n in 1u64..) {
            let sum = sum_of(&values);
            let want = oracle_sum(&values);
            prop_assert_eq!(as_big(&sum), want.clone());
            assert_correctly_rounded(&want, 1, sum.to_f64());
            assert_correctly_rounded(&want, n, sum.mean(n));
            let count = values.len().max(1) as u64;
            assert_correctly_rounded(&want, count, sum.mean(count));
        }

        #[test]
        fn merge_in_any_split_and_order_equals_one_sum(
            values in proptest::collection::vec(value(), 0..300),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
            order in any::<u64>(),
        ) {
            let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(values.len() + 1)).collect();
            cuts.extend([0, values.len()]);
            cuts.sort();
            let mut parts: Vec<ExactSum> = cuts.windows(2).map(|w| sum_of(&values[w[0]..w[1]])).collect();
            // A permutation from `order`, and the parts merged in that order into one of them.
            let mut state = order;
            for i in (1..parts.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                parts.swap(i, (state >> 33) as usize % (i + 1));
            }
            let mut merged = parts.pop().unwrap_or_default();
            parts.iter().for_each(|p| merged.merge(p));
            prop_assert_eq!(&merged, &sum_of(&values));
            let mut reversed = values.clone();
            reversed.reverse();
            prop_assert_eq!(merged, sum_of(&reversed));
        }

        #[test]
        fn add_all_equals_add_one_by_one(values in block()) {
            check_add_all(&values, &mut Binned::new());
        }
    }
}
