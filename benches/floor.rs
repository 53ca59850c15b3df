//! The random-number floor of the engine (`cargo bench --bench floor`): drawing the random numbers
//! that benches/bench_scenario.toml needs, with the engine's generators, distributions and
//! per-path seeding (src/random/streams.rs) and its parallel layout (batches of
//! `engine::BATCH_PATHS` paths, `par_iter` over batch indices on a rayon pool of 1 or 2 threads),
//! but no model: no growth rates, shock states, levels or statistics. Same runs (100,000), same
//! seed and same throughput unit (path-years) as benches/engine.rs, so
//! `engine/simulate/T ÷ floor/every_year/T` in time is what the model and the statistics cost on
//! top of the draws.
//!
//! Per path: the growth generator's seed `streams::growth_key(seed).growth_seed(path)` and
//! one standard normal per simulated year, drawn four paths at a time by
//! `normals::NormalLanes` (the engine's draws exactly, for a lognormal growth), and for each
//! shock with a probability strictly between 0 and 1, its counter-based stream
//! `streams::shock_key(seed, NAME).shock_stream(path)` and a start decision in each year of
//! a range, decided 64 years at a time and four paths at once as the engine decides them
//! (`ShockStream::start_masks`):
//!
//! - `every_year`: every simulated year. The engine draws only while a shock is eligible
//!   (inside its `first_year..=last_year` window, not active, fewer than `max_occurrences`
//!   starts), so this is an UPPER BOUND on the floor: 3 × 28 = 84 start draws per path for the
//!   bench scenario, against at most 22 + 17 + 7 = 46 in the engine.
//! - `in_window`: only inside each shock's window: still an upper bound (no state, so active
//!   years and exhausted shocks still draw), but a tighter one.
//! - `growth_only`: the growth normals alone, no shock stream: the floor's split between growth
//!   and shock draws.
//!
//! Neither draws durations: the engine draws one (`duration_draw`) per occurrence started, a
//! handful per path at most, negligible beside the start draws.
//!
//! The normals are summed (four interleaved chains, so that the adder is not what is timed) and
//! the starts counted; the totals end in a `black_box`.
//! On a busy machine, `TRADESIM_BENCH_CLOCK=cpu` times CPU time instead of wall time (see
//! benches/common/mod.rs).

// The block helpers are for the benches of what records values (sketch, exact_sum).
#[allow(dead_code)]
mod common;

use std::hint::black_box;
use std::ops::RangeInclusive;

use common::{RUNS, SEED, THREADS, bench_scenario, pool};
use criterion::measurement::Measurement;
use criterion::{BenchmarkId, Criterion};
use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use tradesim::engine::{BATCH_PATHS, Backend, batch_count};
use tradesim::random::normals::{LANES, NormalLanes};
use tradesim::random::streams::{self, PathKey, ShockStream, StreamKey};
use tradesim::scenario::Scenario;

/// The shocks that draw a start every year they may start.
struct FloorShock {
    key: StreamKey,
    /// The engine's form of the probability (`streams::start_digits`).
    digits: u64,
    /// Simulated years `k` with a start draw.
    years: RangeInclusive<u32>,
}

/// Which start draws a floor takes (see the module's doc).
#[derive(Clone, Copy)]
enum Starts {
    EveryYear,
    InWindow,
    None,
}

struct Floor {
    years: u32,
    growth: StreamKey,
    shocks: Vec<FloorShock>,
    /// The engine's instruction set for the normals.
    backend: Backend,
}

impl Floor {
    fn new(scenario: &Scenario, seed: u64, starts: Starts) -> Self {
        let years = scenario.years();
        let base_year = scenario.base_year();
        let shocks = scenario
            .shocks()
            .iter()
            .filter(|s| s.probability() > 0.0 && s.probability() < 1.0 && !matches!(starts, Starts::None))
            .map(|s| FloorShock {
                key: streams::shock_key(seed, s.name()),
                digits: streams::start_digits(s.probability()),
                years: match starts {
                    Starts::InWindow => (s.first_year() - base_year) as u32..=(s.last_year() - base_year) as u32,
                    _ => 1..=years,
                },
            })
            .collect();
        Floor { years, growth: streams::growth_key(seed), shocks, backend: Backend::detect() }
    }

    /// Draws every path of `batch` (paths `batch * BATCH_PATHS ..`, as in the engine): four
    /// paths at a time, their normals together as the engine draws them, and each shock's
    /// start decisions for every year of the range, 64 years and four paths at a time
    /// (`start_masks`) as the engine draws them.
    fn batch(&self, runs: u64, batch: u64) -> f64 {
        let first = batch * BATCH_PATHS;
        let end = runs.min(first + BATCH_PATHS);
        let years = self.years as usize;
        let mut normals = vec![0.0; years * LANES];
        let mut starts = 0u64;
        let mut growth_sum = 0.0f64;
        let mut group = first;
        while group < end {
            let lanes = (end - group).min(LANES as u64) as usize;
            let keys: [PathKey; LANES] = std::array::from_fn(|lane| PathKey::new(group + lane as u64));
            if lanes == LANES {
                NormalLanes::from_seeds(&keys.map(|key| self.growth.growth_seed(key))).fill(self.backend, &mut normals);
            } else {
                // The last paths of a run, one at a time (the engine's scalar draws).
                for (lane, &key) in keys.iter().enumerate().take(lanes) {
                    let mut rng = self.growth.growth_rng(key);
                    for k in 0..years {
                        normals[k * LANES + lane] = rng.sample(StandardNormal);
                    }
                }
            }
            // Four accumulators, so the additions are four short chains, not one long one.
            let mut sums = [0.0; LANES];
            for year in normals.chunks_exact(LANES) {
                for (sum, e) in sums.iter_mut().zip(year) {
                    *sum += e;
                }
            }
            growth_sum += sums.iter().sum::<f64>();
            // Four paths' start decisions at once, as the engine draws them (for the last paths
            // of a run too, whose extra lanes are not counted).
            for shock in &self.shocks {
                let streams = keys.map(|key| shock.key.shock_stream(key));
                let (mut k, last) = (*shock.years.start(), *shock.years.end());
                while k <= last {
                    let to = last.min(k | 63);
                    let masks = ShockStream::start_masks(streams, k, to, shock.digits);
                    starts += masks.iter().take(lanes).map(|mask| u64::from(mask.count_ones())).sum::<u64>();
                    k = to + 1;
                }
            }
            group += lanes as u64;
        }
        growth_sum + starts as f64
    }

    /// All `runs` paths on the current rayon pool, batches merged in batch order.
    fn run(&self, runs: u64) -> f64 {
        let sums: Vec<f64> = (0..batch_count(runs)).into_par_iter().map(|b| self.batch(runs, b)).collect();
        sums.iter().sum()
    }
}

fn floor<M: Measurement>(c: &mut Criterion<M>) {
    let scenario = bench_scenario();
    let mut group = common::group(c, "floor", 10, 3, RUNS * u64::from(scenario.years()));
    for (name, starts) in
        [("every_year", Starts::EveryYear), ("in_window", Starts::InWindow), ("growth_only", Starts::None)]
    {
        let floor = Floor::new(&scenario, SEED, starts);
        for threads in THREADS {
            let pool = pool(threads);
            group.bench_with_input(BenchmarkId::new(name, threads), &threads, |b, _| {
                b.iter(|| black_box(pool.install(|| floor.run(black_box(RUNS)))))
            });
        }
    }
    group.finish();
}

fn main() {
    common::main(floor, floor);
}
