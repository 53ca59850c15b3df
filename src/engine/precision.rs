//! Runs that stop when the answer is precise enough (SPEC §7, `--precision P`): whole batches,
//! in order, until every year's 95% half-width of `prob_reached_by`, `1.96 * se`, is at most
//! `P`, or the run reaches its most paths (`--max-runs`). The statistics are those of exactly
//! the batches up to the first one that meets the target, so a plain run of that many paths
//! gives the same bytes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::engine::{Interrupted, Simulation};
use crate::stats::Stats;

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.96;

/// A precision target: the widest 95% half-width allowed, and the most paths to spend on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Precision {
    pub half_width: f64,
    pub max_runs: u64,
}

/// What a run to a precision target gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Precise {
    pub stats: Stats,
    /// The paths used: a whole number of batches, or the most allowed.
    pub runs: u64,
    /// Whether the target was not met within the most paths allowed.
    pub capped: bool,
}

impl Simulation {
    /// Simulates whole batches in order until the first at which every year's 95% half-width
    /// is at most `half_width`, or until the simulation's runs (the most allowed) are done.
    /// Batches are simulated in parallel rounds (a quarter of what is done so far, at least two
    /// per thread, so that little work is wasted past the batch that meets the target), then
    /// taken in order.
    pub fn run_until_precise(
        &self,
        half_width: f64,
        stop: &AtomicBool,
        done: &AtomicU64,
    ) -> Result<Precise, Interrupted> {
        let batches = self.batches();
        let threads = rayon::current_num_threads() as u64;
        let mut total: Option<Stats> = None;
        let mut next = 0;
        while next < batches {
            let round = (2 * threads).max(next / 4).min(batches - next);
            let parts = (next..next + round)
                .into_par_iter()
                .map_init(
                    || self.worker(),
                    |worker, batch| {
                        worker.batch(batch, stop)?;
                        done.fetch_add(1, Ordering::Relaxed);
                        Ok(worker.take())
                    },
                )
                .collect::<Result<Vec<Stats>, Interrupted>>()?;
            for part in parts {
                let total = match &mut total {
                    Some(total) => {
                        total.merge(&part);
                        total
                    }
                    None => total.insert(part),
                };
                if total.widest_half_width(Z95) <= half_width {
                    return Ok(Precise { runs: total.runs(), stats: total.clone(), capped: false });
                }
            }
            next += round;
        }
        let stats = total.expect("a run has at least one batch");
        Ok(Precise { runs: stats.runs(), stats, capped: true })
    }
}
