//! [`Stats`] as bytes and back, exactly, for the partial statistics a shard writes and `merge`
//! reads (SPEC §8); and the little-endian [`Encoder`] and [`Decoder`] that the partial file
//! (`crate::export::partial`) is written with.
//!
//! The layout, every integer little-endian (`u32`, `u64`), every `f64` as its IEEE-754 bits in a
//! `u64`, `Y` the simulated years and `S` the shocks:
//!
//! | field | bytes |
//! | --- | --- |
//! | `Y`, `S` | `u32`, `u32` |
//! | runs (paths recorded) | `u64` |
//! | paths by first-passage year index `0..=Y` | `(Y + 1) × u64` |
//! | exact sums of `V(y)` by year ([`ExactSum::to_bytes`]) | `Y × 272` |
//! | smallest, then largest `V(y)` by year | `Y × f64`, `Y × f64` |
//! | paths at or above the target by year | `Y × u64` |
//! | the sketches' count width: 4 (`u32` counts) or 8 (`u64`) | `u8` |
//! | per year, its sketch: coarseness, first page, pages `P`, then its `P × 1024` counts, each an unsigned LEB128 varint (mostly zeros: one byte each) | `u32`, `u64`, `u32`, varints |
//! | occurrences started, then ended, by shock and year (index `shock × Y + k - 1`) | `Y·S × u64`, `Y·S × u64` |
//!
//! Nothing is rounded or dropped: [`Stats::from_bytes`] of [`Stats::to_bytes`] is equal to the
//! original, so merging statistics read back gives what merging them in memory gives. A reader
//! also checks that the figures could have come from a run ([`Stats::from_bytes`]), so that a file
//! that passes its checksum but was not written by tradesim cannot make a later step panic.

use super::exact_sum::{self, ExactSum};
use super::sketch::{Count, Sketch};
use super::{Sketches, Stats};

/// What is wrong with bytes that should hold statistics or a partial file's fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

fn malformed<T>(what: impl Into<String>) -> Result<T, Malformed> {
    Err(Malformed(what.into()))
}

/// Appends fixed-width little-endian fields.
#[derive(Debug, Default)]
pub struct Encoder {
    bytes: Vec<u8>,
}

impl Encoder {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }
    pub fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }
    pub fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }
    pub fn f64(&mut self, value: f64) {
        self.u64(value.to_bits());
    }
    /// Unsigned LEB128: seven bits a byte, low first, the top bit set on all but the last.
    pub fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }
    pub fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }
    /// A length (`u64`) and the bytes.
    pub fn block(&mut self, bytes: &[u8]) {
        self.u64(bytes.len() as u64);
        self.raw(bytes);
    }
    /// A string as a [`Encoder::block`] of its UTF-8 bytes.
    pub fn str(&mut self, text: &str) {
        self.block(text.as_bytes());
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reads what an [`Encoder`] wrote, checking every length against the bytes there are.
#[derive(Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
}

impl<'a> Decoder<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Decoder { bytes }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], Malformed> {
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() => {
                let (taken, rest) = self.bytes.split_at(n);
                self.bytes = rest;
                Ok(taken)
            }
            _ => malformed(format!("{what} runs past the end ({n} bytes wanted, {} left)", self.bytes.len())),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Malformed> {
        Ok(self.take(N as u64, what)?.try_into().expect("took N bytes"))
    }
    pub fn u8(&mut self, what: &str) -> Result<u8, Malformed> {
        Ok(self.array::<1>(what)?[0])
    }
    pub fn u32(&mut self, what: &str) -> Result<u32, Malformed> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    pub fn u64(&mut self, what: &str) -> Result<u64, Malformed> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    pub fn f64(&mut self, what: &str) -> Result<f64, Malformed> {
        Ok(f64::from_bits(self.u64(what)?))
    }
    pub fn varint(&mut self, what: &str) -> Result<u64, Malformed> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8(what)?;
            let bits = u64::from(byte & 0x7F);
            if shift == 63 && bits > 1 {
                return malformed(format!("{what} does not fit 64 bits"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        malformed(format!("{what} does not fit 64 bits"))
    }
    /// A [`Encoder::block`].
    pub fn block(&mut self, what: &str) -> Result<&'a [u8], Malformed> {
        let n = self.u64(what)?;
        self.take(n, what)
    }
    /// A [`Encoder::str`].
    pub fn str(&mut self, what: &str) -> Result<String, Malformed> {
        let bytes = self.block(what)?;
        String::from_utf8(bytes.to_vec()).or_else(|_| malformed(format!("{what} is not UTF-8 text")))
    }
    /// `count` fields read by `read`, after checking that at least `min_bytes` each are there (so
    /// that a huge count cannot reserve memory the bytes do not back).
    fn many<T>(
        &mut self,
        count: u64,
        min_bytes: u64,
        what: &str,
        mut read: impl FnMut(&mut Self) -> Result<T, Malformed>,
    ) -> Result<Vec<T>, Malformed> {
        match count.checked_mul(min_bytes) {
            Some(n) if n <= self.bytes.len() as u64 => (0..count).map(|_| read(self)).collect(),
            _ => malformed(format!("{what}: {count} of them run past the end ({} bytes left)", self.bytes.len())),
        }
    }
    /// Nothing may be left over.
    pub fn finish(self, what: &str) -> Result<(), Malformed> {
        match self.bytes.len() {
            0 => Ok(()),
            n => malformed(format!("{n} bytes after the end of {what}")),
        }
    }
}

const NARROW: u8 = 4;
const WIDE: u8 = 8;
const SLOTS: u64 = 1024;

fn write_sketch<C: Count>(encoder: &mut Encoder, sketch: &Sketch<C>) {
    let (coarseness, first_page, counts) = sketch.parts();
    encoder.u32(coarseness);
    encoder.u64(first_page);
    encoder.u32((counts.len() as u64 / SLOTS) as u32);
    for &count in counts {
        encoder.varint(count.into());
    }
}

fn read_sketch<C: Count>(decoder: &mut Decoder, fits: impl Fn(u64) -> bool) -> Result<Sketch<C>, Malformed> {
    let coarseness = decoder.u32("a sketch's coarseness")?;
    let first_page = decoder.u64("a sketch's first page")?;
    let pages = decoder.u32("a sketch's page count")?;
    if pages as usize > super::sketch::MAX_PAGES {
        return malformed(format!("a sketch of {pages} pages (at most {})", super::sketch::MAX_PAGES));
    }
    let counts = decoder.many(u64::from(pages) * SLOTS, 1, "sketch counts", |d| {
        let count = d.varint("a sketch count")?;
        if fits(count) { Ok(C::from_u64(count)) } else { malformed("a sketch count too large for its width") }
    })?;
    Sketch::from_parts(coarseness, first_page, counts).ok_or_else(|| Malformed("an impossible sketch".into()))
}

impl Stats {
    /// The statistics as bytes, in the layout of this module's documentation.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        e.u32(self.years as u32);
        e.u32(self.shocks as u32);
        e.u64(self.runs);
        self.first_passage.iter().for_each(|&n| e.u64(n));
        self.value_sum.iter().for_each(|sum| e.raw(&sum.to_bytes()));
        self.value_min.iter().for_each(|&v| e.f64(v));
        self.value_max.iter().for_each(|&v| e.f64(v));
        self.at_or_above.iter().for_each(|&n| e.u64(n));
        match &self.sketches {
            Sketches::Narrow(sketches) => {
                e.u8(NARROW);
                sketches.iter().for_each(|s| write_sketch(&mut e, s));
            }
            Sketches::Wide(sketches) => {
                e.u8(WIDE);
                sketches.iter().for_each(|s| write_sketch(&mut e, s));
            }
        }
        self.started.iter().for_each(|&n| e.u64(n));
        self.ended.iter().for_each(|&n| e.u64(n));
        e.into_bytes()
    }

    /// Reads what [`Stats::to_bytes`] wrote. Refuses bytes of any other length or layout, and
    /// figures no run can give: more first passages, paths at or above the target or shock
    /// occurrences than paths, a year's sketch not holding every path, an exact sum larger than
    /// the paths' values can make, an extreme that is NaN or a smallest above the largest, an
    /// occurrence ending before it started. What it accepts can be merged (up to 2^64 paths in
    /// all) and summarised without overflow or panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Stats, Malformed> {
        let mut d = Decoder::new(bytes);
        let years = u64::from(d.u32("the number of years")?);
        let shocks = u64::from(d.u32("the number of shocks")?);
        let runs = d.u64("the number of paths")?;
        let first_passage = d.many(years + 1, 8, "first-passage counts", |d| d.u64("a first-passage count"))?;
        let value_sum = d.many(years, exact_sum::BYTES as u64, "exact sums", |d| {
            let bytes = d.take(exact_sum::BYTES as u64, "an exact sum")?;
            ExactSum::from_bytes(bytes).ok_or_else(|| Malformed("an impossible exact sum".into()))
        })?;
        let value_min = d.many(years, 8, "smallest values", |d| d.f64("a smallest value"))?;
        let value_max = d.many(years, 8, "largest values", |d| d.f64("a largest value"))?;
        let at_or_above = d.many(years, 8, "counts at or above the target", |d| d.u64("a count"))?;
        // A sketch is at least its coarseness, first page and page count: 16 bytes.
        let sketches = match d.u8("the sketches' count width")? {
            NARROW => Sketches::Narrow(d.many(years, 16, "sketches", |d| read_sketch(d, |c| c <= u32::MAX.into()))?),
            WIDE => Sketches::Wide(d.many(years, 16, "sketches", |d| read_sketch(d, |_| true))?),
            width => return malformed(format!("a sketch count width of {width} bytes (4 or 8)")),
        };
        let cells = years.checked_mul(shocks).ok_or_else(|| Malformed("too many shock cells".into()))?;
        let started = d.many(cells, 8, "occurrences started", |d| d.u64("a count"))?;
        let ended = d.many(cells, 8, "occurrences ended", |d| d.u64("a count"))?;
        d.finish("the statistics")?;
        let stats = Stats {
            years: years as usize,
            shocks: shocks as usize,
            runs,
            first_passage,
            value_sum,
            value_min,
            value_max,
            at_or_above,
            sketches,
            started,
            ended,
        };
        stats.check_possible()?;
        Ok(stats)
    }

    /// Whether these are statistics of `scenario`'s years and shocks (so that merging them with
    /// its other statistics is possible).
    pub fn is_of(&self, scenario: &crate::scenario::Scenario) -> bool {
        (self.years, self.shocks) == (scenario.years() as usize, scenario.shocks().len())
    }

    /// Whether a run of `self.runs` paths could have recorded these figures (see
    /// [`Stats::from_bytes`]).
    fn check_possible(&self) -> Result<(), Malformed> {
        let runs = self.runs;
        let reached = self.first_passage.iter().try_fold(0u64, |total, &n| total.checked_add(n));
        if reached.is_none_or(|reached| reached > runs) {
            return malformed(format!("more first passages than the {runs} paths"));
        }
        if self.at_or_above.iter().chain(&self.started).chain(&self.ended).any(|&n| n > runs) {
            return malformed(format!("a count larger than the {runs} paths"));
        }
        // A sum of `runs` doubles, each below 2^2098 units of 2^-1074, has at most this many bits.
        let most_bits = 2098 + (64 - runs.leading_zeros());
        for i in 0..self.years {
            let (min, max) = (self.value_min[i], self.value_max[i]);
            if min.is_nan() || max.is_nan() || (runs > 0 && min > max) {
                return malformed(format!("year {}'s smallest and largest values are impossible", i + 1));
            }
            if self.value_sum[i].bit_length() > most_bits {
                return malformed(format!("year {}'s sum is larger than {runs} values can make", i + 1));
            }
            let count = match &self.sketches {
                Sketches::Narrow(s) => s[i].count(),
                Sketches::Wide(s) => s[i].count(),
            };
            if count != runs {
                return malformed(format!("year {}'s sketch holds {count} values, not the {runs} paths", i + 1));
            }
        }
        for shock in 0..self.shocks {
            let cells = shock * self.years..(shock + 1) * self.years;
            let (mut started, mut ended) = (0u128, 0u128);
            for (&s, &e) in self.started[cells.clone()].iter().zip(&self.ended[cells]) {
                // Each below 2^64, and at most 2^32 years of them: the sums fit u128.
                started += u128::from(s);
                ended += u128::from(e);
                if ended > started {
                    return malformed(format!("shock {} has occurrences ending before they start", shock + 1));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::scenario::testing::scenario;

    /// A scenario with shocks, wide values and every kind of figure, simulated in a few batches.
    fn stats_of(runs: u64) -> (Scenario, Stats) {
        let s = scenario(concat!(
            "[growth]\ndistribution = \"lognormal\"\nmean = 0.1\nsd = 0.3\n",
            "[[shocks]]\nname = \"a\"\nprobability = 0.3\nfirst_year = 2024\nlast_year = 2040\n",
            "max_occurrences = 2\nduration = { min = 1, max = 3 }\nlevel_change = -0.2\n",
        ));
        let stats = crate::engine::simulate(&s, runs, 11);
        (s, stats)
    }

    #[test]
    fn statistics_read_back_equal_and_merge_the_same() {
        let (s, whole) = stats_of(3 * 8192 + 100);
        let bytes = whole.to_bytes();
        let back = Stats::from_bytes(&bytes).unwrap();
        assert_eq!(back, whole);
        assert_eq!(back.to_bytes(), bytes, "the same bytes again");
        // Batches read back and merged give the whole run's statistics.
        let options = crate::engine::Options::default();
        let stop = std::sync::atomic::AtomicBool::new(false);
        let mut merged = Stats::new(s.years() as usize, s.shocks().len());
        for batches in [2..4, 0..1, 1..2, 4..4] {
            let part = crate::engine::simulate_batches(&s, whole.runs(), 11, batches, &stop, &options).unwrap();
            merged.merge(&Stats::from_bytes(&part.to_bytes()).unwrap());
        }
        assert_eq!(merged, whole);
        // Wide sketches read back as wide ones.
        let mut wide = whole.clone();
        wide.sketches = Sketches::Wide(whole.sketches.wide());
        let back = Stats::from_bytes(&wide.to_bytes()).unwrap();
        assert!(matches!(back.sketches, Sketches::Wide(_)));
        assert_eq!(back, whole);
        // Empty statistics (a shard with no batches) too.
        let empty = Stats::new(s.years() as usize, 1);
        assert_eq!(Stats::from_bytes(&empty.to_bytes()).unwrap(), empty);
    }

    #[test]
    fn every_truncation_and_any_extra_byte_is_refused() {
        let (_, stats) = stats_of(500);
        let bytes = stats.to_bytes();
        // Every cut within the fixed-size fields and the first sketches, then a stride through
        // the rest (each read is linear in the bytes: all of them would take minutes).
        for n in (0..8192.min(bytes.len())).chain((8192..bytes.len()).step_by(331)).chain([bytes.len() - 1]) {
            assert!(Stats::from_bytes(&bytes[..n]).is_err(), "{n} of {} bytes accepted", bytes.len());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Stats::from_bytes(&longer).unwrap_err().0, "1 bytes after the end of the statistics");
    }

    #[test]
    fn impossible_figures_are_refused() {
        let (_, stats) = stats_of(500);
        let refused = |edit: &dyn Fn(&mut Stats), why: &str| {
            let mut bad = stats.clone();
            edit(&mut bad);
            let e = Stats::from_bytes(&bad.to_bytes()).unwrap_err();
            assert!(e.0.contains(why), "{why}: {e}");
        };
        refused(&|s| s.first_passage[3] += 501, "more first passages");
        refused(&|s| s.at_or_above[0] = 501, "larger than the 500 paths");
        refused(&|s| s.value_min[2] = f64::NAN, "impossible");
        refused(&|s| s.value_min[2] = s.value_max[2] * 2.0, "impossible");
        refused(&|s| s.runs = 501, "not the 501 paths");
        refused(&|s| s.ended[0] = 1, "ending before they start");
        refused(
            &|s| {
                let mut huge = ExactSum::new();
                (0..1024).for_each(|_| huge.add(f64::MAX));
                s.value_sum[0] = huge;
            },
            "larger than 500 values",
        );
        // Huge counts that the bytes do not back are refused before anything is reserved.
        let mut bytes = stats.to_bytes();
        bytes[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Stats::from_bytes(&bytes).unwrap_err().0.contains("run past the end"));
    }

    #[test]
    fn varints_round_trip_and_overlong_ones_are_refused() {
        let mut e = Encoder::new();
        let values = [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX];
        values.iter().for_each(|&v| e.varint(v));
        let bytes = e.into_bytes();
        let mut d = Decoder::new(&bytes);
        for &v in &values {
            assert_eq!(d.varint("v").unwrap(), v);
        }
        d.finish("the values").unwrap();
        assert!(Decoder::new(&[0xFF; 10]).varint("v").is_err());
        assert!(Decoder::new(&[0xFF; 11]).varint("v").is_err());
        assert!(Decoder::new(&[0x80]).varint("v").is_err());
    }
}
