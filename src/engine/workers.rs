//! Batches on threads: each worker takes the next batch of paths, simulates it block by block
//! and group by group ([`Plan::run_batch`]) into statistics of its own, and the workers'
//! statistics are merged once at the end, so that the thread count cannot change a byte.
//!
//! Within a batch, paths are simulated four at a time in lockstep: their rates
//! (`crate::engine::rates`), their shocks (`crate::engine::occurrences`) and their levels
//! (`crate::engine::walk`), their values buffered year-major in blocks of
//! [`BLOCK_PATHS`] paths so that each year's figures and sketch are then taken in passes over a
//! contiguous slice. Memory is a few blocks per thread, whatever the number of runs.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::engine::occurrences::Effects;
use crate::engine::plan::Plan;
use crate::engine::rates::Rates;
use crate::engine::walk::{BLOCK_PATHS, LANES, VALUES_STRIDE};
use crate::engine::{BATCH_PATHS, Interrupted};
use crate::random::streams::PathKey;
use crate::simd::{Backend, Isa, Kernel};
use crate::stats::Stats;
use crate::stats::exact_sum::Binned;
use crate::stats::sketch::Sketch;

/// What else a batch's paths are shown to, besides the statistics: a test's oracle, or a
/// comparison of two scenarios path by path.
pub(crate) trait PathSink {
    /// Called once per block, after its paths are simulated: paths `first .. first +
    /// passages.len()`, their first-passage year indices (0 = the base year), and their levels:
    /// path `first + i`'s level in simulated year `k` is `values[(k - 1) * VALUES_STRIDE + i]`.
    fn block(&mut self, first: u64, passages: &[Option<u32>], values: &[f64]);
}

/// No sink: the statistics are all.
impl PathSink for () {
    #[inline(always)]
    fn block(&mut self, _: u64, _: &[Option<u32>], _: &[f64]) {}
}

/// Where a worker records its batches: statistics, and each year's sketch of values with
/// `u32` counts (half the cache footprint of the totals' `u64`), merged into the statistics
/// before any count could overflow and when the worker is done.
pub(crate) struct Recorded<'a> {
    pub(crate) stats: &'a mut Stats,
    pub(crate) sketches: &'a mut [Sketch<u32>],
}

/// Per-thread working memory: one block's values and first passages, one group's rates and
/// shock effects.
pub(crate) struct Scratch {
    /// Year-major: the values of one year are contiguous (row `k - 1` at `(k - 1) *
    /// VALUES_STRIDE`), so recording them touches one year's sketch at a time.
    values: Vec<f64>,
    passages: Vec<Option<u32>>,
    gross: Vec<f64>,
    effects: Effects,
    /// Scratch for the exact sums of each year's values.
    binned: Binned,
}

impl Scratch {
    pub(crate) fn new(years: usize) -> Self {
        Scratch {
            // And room for a group's rows to start anywhere in the block (the AVX2 walk writes
            // whole rows).
            values: vec![0.0; years * VALUES_STRIDE + BLOCK_PATHS],
            passages: vec![None; BLOCK_PATHS],
            gross: vec![0.0; years * LANES],
            effects: Effects::new(years * LANES),
            binned: Binned::new(),
        }
    }
}

/// One batch, compiled for a back end ([`Backend::run`]).
struct Batch<'a, R, S> {
    plan: &'a Plan,
    rates: &'a R,
    batch: u64,
    stop: &'a AtomicBool,
    recorded: Recorded<'a>,
    scratch: &'a mut Scratch,
    sink: &'a mut S,
}

impl<R: Rates, S: PathSink> Kernel for Batch<'_, R, S> {
    type Output = Option<()>;

    #[inline(always)]
    fn run<I: Isa>(self, isa: I) -> Self::Output {
        self.plan.run_batch(isa, self.rates, self.batch, self.stop, self.recorded, self.scratch, self.sink)
    }
}

impl Plan {
    /// Runs `batches` on every thread of the current rayon pool. Each worker takes the next
    /// batch and records it into statistics of its own; every figure there is exact whatever
    /// the order (counts, extremes, sketches, exact sums), so the workers' statistics are merged
    /// once at the end, in whatever order they finish.
    pub(crate) fn run<R: Rates>(
        &self,
        rates: &R,
        backend: Backend,
        batches: Range<u64>,
        stop: &AtomicBool,
    ) -> Result<Stats, Interrupted> {
        let years = self.years as usize;
        let claimed = AtomicU64::new(batches.start);
        let total = Mutex::new(Stats::new(years, self.shocks.len()));
        let worker = || {
            let mut stats = Stats::new(years, self.shocks.len());
            let mut sketches = vec![Sketch::<u32>::new(); years];
            let mut scratch = Scratch::new(years);
            loop {
                let batch = claimed.fetch_add(1, Ordering::Relaxed);
                if batch >= batches.end {
                    break;
                }
                let recorded = Self::recorded(&mut stats, &mut sketches);
                let job = Batch { plan: self, rates, batch, stop, recorded, scratch: &mut scratch, sink: &mut () };
                if backend.run(job).is_none() {
                    return;
                }
            }
            // Straight into the totals: the first worker's sketches become the totals' (no
            // copy into fresh memory, whose page faults would cost as much as the merging),
            // the others' are added to them.
            let mut total = total.lock().expect("no worker panics");
            total.merge(&stats);
            total.adopt_sketches(sketches);
        };
        rayon::scope(|scope| {
            for _ in 0..rayon::current_num_threads() {
                scope.spawn(|_| worker());
            }
        });
        if stop.load(Ordering::Relaxed) {
            return Err(Interrupted);
        }
        Ok(total.into_inner().expect("no worker panics"))
    }

    /// Simulates one batch on this thread into statistics of its own, showing its blocks to
    /// `sink`.
    pub(crate) fn run_one<R: Rates, S: PathSink>(
        &self,
        rates: &R,
        backend: Backend,
        batch: u64,
        sink: &mut S,
    ) -> Stats {
        let years = self.years as usize;
        let mut stats = Stats::new(years, self.shocks.len());
        let mut sketches = vec![Sketch::<u32>::new(); years];
        let mut scratch = Scratch::new(years);
        let recorded = Self::recorded(&mut stats, &mut sketches);
        let stop = AtomicBool::new(false);
        let job = Batch { plan: self, rates, batch, stop: &stop, recorded, scratch: &mut scratch, sink };
        backend.run(job).expect("nothing stops this batch");
        stats.merge_sketches(&sketches);
        stats
    }

    /// Where a worker records its next batch: `u32` sketches are emptied into the statistics
    /// first when the batch could overflow them.
    fn recorded<'a>(stats: &'a mut Stats, sketches: &'a mut [Sketch<u32>]) -> Recorded<'a> {
        if sketches[0].count() + BATCH_PATHS > u64::from(u32::MAX) {
            stats.merge_sketches(sketches);
            sketches.fill(Sketch::new());
        }
        Recorded { stats, sketches }
    }

    /// Simulates one batch into `stats`. Returns `None` once `stop` is set (checked every block of [`BLOCK_PATHS`]
    /// paths, so a signal is answered within milliseconds); `stats` are then partial.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn run_batch<R: Rates, I: Isa, S: PathSink>(
        &self,
        isa: I,
        rates: &R,
        batch: u64,
        stop: &AtomicBool,
        recorded: Recorded,
        scratch: &mut Scratch,
        sink: &mut S,
    ) -> Option<()> {
        let Recorded { stats, sketches } = recorded;
        let paths = batch * BATCH_PATHS..self.runs.min((batch + 1) * BATCH_PATHS);
        let mut block = paths.start;
        while block < paths.end {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let n = paths.end.min(block + BLOCK_PATHS as u64) - block;
            let mut values = std::mem::take(&mut scratch.values);
            let mut passages = std::mem::take(&mut scratch.passages);
            let mut i = 0;
            while i < n {
                let (path, at) = (block + i, i as usize);
                let (row, reached) = (&mut values[at..], &mut passages[at..]);
                if i + LANES as u64 <= n {
                    self.group::<R, LANES, I>(isa, rates, path, row, reached, scratch, stats);
                    i += LANES as u64;
                } else {
                    // The last paths of a batch, one at a time.
                    self.group::<R, 1, I>(isa, rates, path, row, reached, scratch, stats);
                    i += 1;
                }
            }
            sink.block(block, &passages[..n as usize], &values);
            for (k, (year_values, sketch)) in values.chunks_exact(VALUES_STRIDE).zip(sketches.iter_mut()).enumerate() {
                let year_values = &year_values[..n as usize];
                let figures = self.year_figures(isa, year_values);
                sketch.add_all(year_values, figures.0, figures.1);
                stats.record_values(k + 1, year_values, figures, &mut scratch.binned);
            }
            scratch.values = values;
            scratch.passages = passages;
            block += n;
        }
        Some(())
    }

    /// Simulates paths `first .. first + L` in lockstep; path `first + lane`'s level in year `k`
    /// goes to `values[(k - 1) * VALUES_STRIDE + lane]`, its first-passage year index to
    /// `passages[lane]`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn group<R: Rates, const L: usize, I: Isa>(
        &self,
        isa: I,
        rates: &R,
        first: u64,
        values: &mut [f64],
        passages: &mut [Option<u32>],
        scratch: &mut Scratch,
        stats: &mut Stats,
    ) {
        let years = self.years as usize;
        let gross = &mut scratch.gross[..years * L];
        let paths: [PathKey; L] = std::array::from_fn(|lane| PathKey::new(first + lane as u64));
        rates.fill::<L, I>(isa, &paths.map(|path| self.growth_key.growth_seed(path)), gross);
        let effects = if self.shocks.is_empty() {
            None
        } else {
            scratch.effects.clear();
            self.shock_effects::<L>(&paths, &mut scratch.effects, stats);
            Some(&scratch.effects)
        };
        let reached = self.walk::<L, I>(isa, gross, effects, values);
        for (lane, reached) in reached.into_iter().enumerate() {
            stats.record_path(reached);
            passages[lane] = reached;
        }
    }
}
