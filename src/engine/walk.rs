//! SPEC §2 steps 5–8 for a group of paths in lockstep: the level year by year from the gross
//! growth rates and the shocks' effects, each path's first-passage year, and (for each year of
//! a block of paths) the figures the statistics record. Branch-free, so that the lanes compile
//! to vector instructions; the AVX2 back end has its own four-lane walk
//! (`crate::simd::avx2::walk`), the same operations in the same order.

use crate::engine::occurrences::Effects;
use crate::engine::plan::Plan;
use crate::model::{LEVEL_CEILING, floored_gross, held_level};
use crate::simd::Isa;

/// Paths simulated before their values are recorded, year by year: a block's values (years ×
/// paths) wait in the processor's caches between being written and being read. A multiple of
/// [`LANES`], so that blocks do not change how a batch's sums are added up. (Larger blocks visit
/// each year's sketch less often; docs/PERFORMANCE.md has the measurements.)
pub(crate) const BLOCK_PATHS: usize = 4096;

/// The distance between two years' rows of values: a block and one cache line, so that the
/// rows of one path do not all fall in the same cache set.
pub(crate) const VALUES_STRIDE: usize = BLOCK_PATHS + 8;

/// Paths simulated in lockstep. Each path is a chain of dependent steps (its generator, its
/// AR(1) surprise, its level); interleaving a few independent paths lets the processor overlap
/// their latencies. Every path still takes exactly its own operations, so the results are the
/// same bits as one at a time.
pub(crate) const LANES: usize = 4;

/// The set of toggled shocks active in a year, as the walk keeps it: `c` (bit `s` set when
/// span `s` is active) as the two 32-bit indices `2c` (low half) and `2c + 1` (high half) of
/// the table entry `c`'s halves, so that `vpermd` looks up four lanes' entries at once with no
/// arithmetic on the set. No span active: `c = 0`.
pub(crate) const NO_SPAN_ACTIVE: u64 = 1 << 32;

/// What an occurrence of span `s` XORs into the effects' toggles where it starts and after it
/// ends: bit `s` of `c`, in both halves of [`NO_SPAN_ACTIVE`]'s form.
pub(crate) fn span_toggle(s: usize) -> u64 {
    (2 << s) * (1 + (1 << 32))
}

/// The set of spans `c` of an active set in [`NO_SPAN_ACTIVE`]'s form.
#[inline(always)]
pub(crate) fn active_set(active: u64) -> usize {
    (active as u32 >> 1) as usize
}

/// The growth change (SPEC §2 step 5) and cap (step 7; [`LEVEL_CEILING`] when none) that each set
/// of active spans `c` applies: the active spans' growth changes added up in file order from
/// `0.0`, and the smallest of their caps. At least four entries (the sets repeat), so that the
/// AVX2 walk loads whole vectors.
pub(crate) struct SpanTable {
    pub(crate) spans: usize,
    pub(crate) change: Vec<f64>,
    pub(crate) cap: Vec<f64>,
}

impl SpanTable {
    /// The table of `spans`, (growth change, cap) in file order.
    pub(crate) fn new(spans: &[(f64, f64)]) -> Self {
        let sets = 1usize << spans.len();
        let entry = |c: usize| {
            let active = || spans.iter().enumerate().filter(|&(s, _)| (c % sets) >> s & 1 == 1).map(|(_, span)| span);
            (active().fold(0.0, |sum, &(g, _)| sum + g), active().fold(LEVEL_CEILING, |low, &(_, cap)| low.min(cap)))
        };
        let (change, cap) = (0..sets.max(LANES)).map(entry).unzip();
        SpanTable { spans: spans.len(), change, cap }
    }
}

/// What the walk needs besides a group's rates and effects: the levels it starts from and
/// aims at, and the span table.
pub(crate) struct SpanWalk {
    pub(crate) base_value: f64,
    pub(crate) target: f64,
    pub(crate) spans: SpanTable,
}

impl Plan {
    /// The levels of `L` paths year by year, written to `values[(k - 1) * VALUES_STRIDE +
    /// lane]`; returns each path's first-passage year index (0 = base year). Comparisons are
    /// selects (no NaN can occur here), and the first passage is counted rather than branched
    /// on: a path's first passage comes right after the years in which its running peak is
    /// still below the target.
    #[inline(always)]
    pub(crate) fn walk<const L: usize, I: Isa>(
        &self,
        isa: I,
        gross: &[f64],
        effects: Option<&Effects>,
        values: &mut [f64],
    ) -> [Option<u32>; L] {
        let walk = &self.walk;
        if L == LANES && !self.written {
            // The span table in as many vectors as it has entries: 0 when no shock has a span
            // (or no shock at all), so that nothing is looked up.
            let effects = effects.map(|e| (&e.factor[..], &e.toggles[..]));
            let four = match if effects.is_some() { walk.spans.spans } else { 0 } {
                0 => isa.walk4::<0>(walk, effects, gross, values),
                1 | 2 => isa.walk4::<1>(walk, effects, gross, values),
                3 => isa.walk4::<2>(walk, effects, gross, values),
                _ => isa.walk4::<4>(walk, effects, gross, values),
            };
            if let Some((peak, below)) = four {
                return std::array::from_fn(|lane| self.first_passage(peak[lane], below[lane]));
            }
        }
        let mut value = [walk.base_value; L];
        let mut peak = [walk.base_value; L];
        // Counted in floats (exact for any number of years) so the lanes stay in one vector.
        let mut below = [0.0f64; L];
        let years = gross.len() / L;
        fn lanes<const L: usize>(v: &[f64]) -> &[f64; L] {
            v.try_into().expect("chunks of L")
        }
        // One year of L lanes; arrays of exactly L, so the lane loop has no bounds checks and
        // becomes vector code.
        let (none, one, ceiling) = ([0.0; L], [1.0; L], [LEVEL_CEILING; L]);
        // The shocks of the span table active in the year ([`NO_SPAN_ACTIVE`]'s form).
        let mut active = [NO_SPAN_ACTIVE; L];
        for index in 0..years {
            let at = index * L..(index + 1) * L;
            let (g, change, factor, cap): (&[f64; L], &[f64; L], &[f64; L], &[f64; L]) = match effects {
                None => (lanes(&gross[at]), &none, &one, &ceiling),
                Some(e) => (
                    lanes(&gross[at.clone()]),
                    lanes(&e.growth_change[at.clone()]),
                    lanes(&e.factor[at.clone()]),
                    lanes(&e.cap[at]),
                ),
            };
            let row: &mut [f64; L] = (&mut values[index * VALUES_STRIDE..][..L]).try_into().expect("L lanes");
            // The growth change and cap of the active spans, in file order.
            let (mut span_change, mut span_cap) = ([0.0; L], [LEVEL_CEILING; L]);
            if let Some(e) = effects {
                for (active, toggles) in active.iter_mut().zip(&e.toggles[index * L..][..L]) {
                    *active ^= toggles;
                }
                for lane in 0..L {
                    let set = active_set(active[lane]);
                    (span_change[lane], span_cap[lane]) = (walk.spans.change[set], walk.spans.cap[set]);
                }
            }
            for lane in 0..L {
                let g = g[lane] + (span_change[lane] + change[lane]);
                let next = value[lane] * floored_gross(g) * factor[lane];
                let cap = if span_cap[lane] < cap[lane] { span_cap[lane] } else { cap[lane] };
                let v = held_level(next, cap);
                value[lane] = v;
                peak[lane] = if v > peak[lane] { v } else { peak[lane] };
                below[lane] += if peak[lane] < walk.target { 1.0 } else { 0.0 };
                row[lane] = v;
            }
        }
        std::array::from_fn(|lane| self.first_passage(peak[lane], below[lane]))
    }

    /// A path's first-passage year index from its peak level and the number of years its
    /// running peak stayed below the target.
    #[inline(always)]
    fn first_passage(&self, peak: f64, below: f64) -> Option<u32> {
        if self.walk.base_value >= self.walk.target {
            Some(0)
        } else if peak >= self.walk.target {
            Some(below as u32 + 1)
        } else {
            None
        }
    }

    /// One year's values of a block: their smallest and largest value and the number at or
    /// above the target. Four lanes at a time, so that it compiles to vector code.
    #[inline(always)]
    pub(crate) fn year_figures<I: Isa>(&self, isa: I, values: &[f64]) -> (f64, f64, u64) {
        let target = self.walk.target;
        let (mut min, mut max, mut above) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES], [0.0; LANES]);
        let mut fours = values.chunks_exact(LANES);
        isa.year_figures4(&mut fours, target, &mut min, &mut max, &mut above);
        // Whatever the back end left (all of it for the portable one), then the last values:
        // lane by lane. `above` counts in floats (exact for any block), in the same vectors as
        // the values.
        let last = fours.remainder();
        let rest = fours.flat_map(|four| four.iter().enumerate()).chain(last.iter().enumerate());
        for (lane, &v) in rest {
            min[lane] = if v < min[lane] { v } else { min[lane] };
            max[lane] = if v > max[lane] { v } else { max[lane] };
            above[lane] += if v >= target { 1.0 } else { 0.0 };
        }
        let min = min.iter().fold(f64::INFINITY, |a, &b| a.min(b));
        let max = max.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        (min, max, above.iter().sum::<f64>() as u64)
    }
}
