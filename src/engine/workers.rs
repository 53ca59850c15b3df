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
use crate::engine::{BATCH_PATHS, Interrupted, Simulation};
use crate::random::streams::PathKey;
use crate::simd::{Isa, Kernel};
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

/// One thread's share of a simulation: its statistics, its `u32` sketches and its working
/// memory, taking batch after batch.
pub struct Worker<'a> {
    simulation: &'a Simulation,
    stats: Stats,
    sketches: Vec<Sketch<u32>>,
    scratch: Scratch,
}

impl<'a> Worker<'a> {
    pub(crate) fn new(simulation: &'a Simulation) -> Self {
        let plan = &simulation.plan;
        let years = plan.years as usize;
        Worker {
            simulation,
            stats: Stats::new(years, plan.shocks.len()),
            sketches: vec![Sketch::new(); years],
            scratch: Scratch::new(years),
        }
    }

    /// Simulates batch `batch` into this worker's statistics. Checks `stop` every block of
    /// [`BLOCK_PATHS`] paths, so a signal is answered within milliseconds; the statistics are
    /// then partial.
    pub fn batch(&mut self, batch: u64, stop: &AtomicBool) -> Result<(), Interrupted> {
        self.batch_with(batch, stop, &mut ())
    }

    /// [`Worker::batch`], also writing each path's first-passage year index (0 = the base year)
    /// into `passages`, in path order: for comparing scenarios path by path.
    pub fn batch_passages(
        &mut self,
        batch: u64,
        stop: &AtomicBool,
        passages: &mut Vec<Option<u32>>,
    ) -> Result<(), Interrupted> {
        struct Passages<'a>(&'a mut Vec<Option<u32>>);
        impl PathSink for Passages<'_> {
            fn block(&mut self, _: u64, passages: &[Option<u32>], _: &[f64]) {
                self.0.extend_from_slice(passages);
            }
        }
        passages.clear();
        self.batch_with(batch, stop, &mut Passages(passages))
    }

    /// [`Worker::batch`], showing each block to `sink`.
    pub(crate) fn batch_with<S: PathSink>(
        &mut self,
        batch: u64,
        stop: &AtomicBool,
        sink: &mut S,
    ) -> Result<(), Interrupted> {
        // A u32 bucket cannot overflow while the sketches hold fewer than 2^32 values.
        if self.sketches[0].count() + BATCH_PATHS > u64::from(u32::MAX) {
            self.stats.merge_sketches(&self.sketches);
            self.sketches.fill(Sketch::new());
        }
        let simulation = self.simulation;
        let recorded = Recorded { stats: &mut self.stats, sketches: &mut self.sketches };
        let job = Batch {
            plan: &simulation.plan,
            rates: &simulation.rates,
            batch,
            stop,
            recorded,
            scratch: &mut self.scratch,
            sink,
        };
        simulation.backend.run(job).ok_or(Interrupted)
    }

    /// The statistics of the batches so far, and a fresh start for the next ones (the working
    /// memory is kept).
    pub fn take(&mut self) -> Stats {
        let plan = &self.simulation.plan;
        let mut stats = std::mem::replace(&mut self.stats, Stats::new(plan.years as usize, plan.shocks.len()));
        stats.merge_sketches(&self.sketches);
        self.sketches.fill(Sketch::new());
        stats
    }

    /// Adds this worker's statistics to `total`: its sketches become the total's where the
    /// total has none yet (no copy into fresh memory, whose page faults would cost as much as
    /// the merging).
    fn finish_into(self, total: &mut Stats) {
        total.merge(&self.stats);
        total.adopt_sketches(self.sketches);
    }
}

impl Simulation {
    /// Runs `batches` on every thread of the current rayon pool, counting each batch done in
    /// `done`. Each worker takes the next batch and records it into statistics of its own;
    /// every figure there is exact whatever the order (counts, extremes, sketches, exact sums),
    /// so the workers' statistics are merged once at the end, in whatever order they finish.
    pub fn run(&self, batches: Range<u64>, stop: &AtomicBool, done: &AtomicU64) -> Result<Stats, Interrupted> {
        let plan = &self.plan;
        let claimed = AtomicU64::new(batches.start);
        let total = Mutex::new(Stats::new(plan.years as usize, plan.shocks.len()));
        let work = || {
            let mut worker = self.worker();
            loop {
                let batch = claimed.fetch_add(1, Ordering::Relaxed);
                if batch >= batches.end {
                    break;
                }
                if worker.batch(batch, stop).is_err() {
                    return;
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            worker.finish_into(&mut total.lock().expect("no worker panics"));
        };
        rayon::scope(|scope| {
            for _ in 0..rayon::current_num_threads() {
                scope.spawn(|_| work());
            }
        });
        if stop.load(Ordering::Relaxed) {
            return Err(Interrupted);
        }
        Ok(total.into_inner().expect("no worker panics"))
    }
}

impl Plan {
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
