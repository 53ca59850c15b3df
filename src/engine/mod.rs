//! The Monte Carlo engine: SPEC §2 for every path, fast, into mergeable statistics (§3), so
//! that the thread count cannot change a byte (§4).
//!
//! Paths are cut into fixed-size batches of [`BATCH_PATHS`]; randomness is per path
//! ([`crate::random::streams`]), so a path's draws do not depend on its batch or thread. The
//! work is split by role:
//!
//! - [`plan`]: the scenario in the hot loop's terms, fixed for a run;
//! - [`rates`]: the gross growth rates of a group of paths, per distribution;
//! - [`occurrences`]: when each shock's occurrences start and end, and their effects;
//! - [`walk`]: the levels year by year, first passages, and each year's figures;
//! - [`workers`]: batches on threads, blocks and groups of paths, the merge;
//! - [`precision`]: whole batches until the first-passage curve is precise enough (SPEC §7).
//!
//! Everything the processor's vector instructions do is in [`crate::simd`], chosen by the
//! [`Backend`] in [`Options`]. The plain one-path version of the same model,
//! [`crate::model::reference`], is the oracle the tests hold this engine to, path by path.

mod occurrences;
mod plan;
mod precision;
mod rates;
pub(crate) mod walk;
mod workers;

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64};

pub use crate::model::reference::PathTrace;
use crate::scenario::Scenario;
pub use crate::simd::Backend;
use crate::stats::Stats;

use self::plan::Plan;
pub use self::precision::{Precise, Precision, Z95};
use self::rates::GrowthRates;
use self::workers::PathSink;
pub use self::workers::Worker;

/// Paths per batch: the unit of merging. Fixed, so results never depend on the thread count.
/// Small enough that the threads finish close together (the last batch of a run is on average
/// half a batch of one thread's time, about 1 ms, when the other has none left).
pub const BATCH_PATHS: u64 = 8_192;

/// The run was stopped by a signal before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// How the engine runs. Every choice gives the same results (the tests hold it to that).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// The instruction set of the hot loops (default: the fastest this processor has).
    pub backend: Backend,
    /// Draw every shock's occurrences the general way, one by one, each writing every year it
    /// is active. By default, a shock that can occur only a few times has its window's start
    /// decisions drawn at once and its occurrences found in rounds, and up to four shocks that
    /// change growth or cap the level are tracked as toggles of a table.
    pub general_shocks: bool,
}

/// The number of batches a run of `runs` paths is cut into.
pub fn batch_count(runs: u64) -> u64 {
    runs.div_ceil(BATCH_PATHS)
}

/// A scenario ready to simulate: `runs` paths with `seed`, in the engine's terms (the plan and
/// the rates, worked out once), on the options' back end. Any batches of it can be simulated,
/// on any threads, in any order: each gives the same statistics as in the whole run.
pub struct Simulation {
    plan: Plan,
    rates: GrowthRates,
    backend: Backend,
}

impl Simulation {
    pub fn new(scenario: &Scenario, runs: u64, seed: u64, options: &Options) -> Self {
        Simulation {
            plan: Plan::new(scenario, runs, seed, options.general_shocks),
            rates: GrowthRates::new(scenario.growth(), scenario.years()),
            backend: options.backend,
        }
    }

    /// The paths of the whole run.
    pub fn runs(&self) -> u64 {
        self.plan.runs
    }

    /// The batches of the whole run.
    pub fn batches(&self) -> u64 {
        batch_count(self.plan.runs)
    }

    /// Working memory and statistics for one thread ([`Worker::batch`]).
    pub fn worker(&self) -> Worker<'_> {
        Worker::new(self)
    }
}

/// Simulates `runs` paths of `scenario` on the current rayon pool, with the default options.
pub fn simulate(scenario: &Scenario, runs: u64, seed: u64) -> Stats {
    simulate_batches(scenario, runs, seed, 0..batch_count(runs), &AtomicBool::new(false), &Options::default())
        .expect("nothing can interrupt this run")
}

/// Simulates the given batches of a run of `runs` paths on the current rayon pool (a shard:
/// any contiguous range of batches gives the same statistics as in the whole run). Checks
/// `stop` between blocks of paths and returns [`Interrupted`] once it is set.
pub fn simulate_batches(
    scenario: &Scenario,
    runs: u64,
    seed: u64,
    batches: Range<u64>,
    stop: &AtomicBool,
    options: &Options,
) -> Result<Stats, Interrupted> {
    Simulation::new(scenario, runs, seed, options).run(batches, stop, &AtomicU64::new(0))
}

/// Simulates batch `batch` of a run of `runs` paths on this thread, and returns its statistics
/// and every path of it as the engine simulated it: for testing the engine path by path.
pub fn trace_batch(
    scenario: &Scenario,
    runs: u64,
    seed: u64,
    batch: u64,
    options: &Options,
) -> (Stats, Vec<PathTrace>) {
    /// Copies each path's levels out of the blocks.
    struct Traces {
        years: usize,
        base_year: i32,
        paths: Vec<PathTrace>,
    }
    impl PathSink for Traces {
        fn block(&mut self, first: u64, passages: &[Option<u32>], values: &[f64]) {
            for (i, passage) in passages.iter().enumerate() {
                let levels = (0..self.years).map(|k| values[k * walk::VALUES_STRIDE + i]).collect();
                let first_passage_year = passage.map(|j| self.base_year + j as i32);
                self.paths.push(PathTrace { path: first + i as u64, first_passage_year, levels });
            }
        }
    }
    let simulation = Simulation::new(scenario, runs, seed, options);
    let mut traces = Traces { years: scenario.years() as usize, base_year: scenario.base_year(), paths: Vec::new() };
    let mut worker = simulation.worker();
    worker.batch_with(batch, &AtomicBool::new(false), &mut traces).expect("nothing stops this batch");
    (worker.take(), traces.paths)
}

#[cfg(test)]
mod tests;
