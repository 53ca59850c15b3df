//! The Monte Carlo engine: SPEC §2 for every path, in parallel batches, merged so that the
//! thread count cannot change a byte (SPEC §4).
//!
//! Paths are cut into fixed-size batches of [`BATCH_PATHS`]; each batch yields a [`Stats`] and
//! batches are merged in batch order. Randomness is per path (see [`crate::streams`]), so a
//! path's draws do not depend on its batch either. Within a batch, paths are simulated one at a
//! time (state in registers) and their values buffered per year, so each year's statistics are
//! then recorded in one pass over a contiguous slice. Memory is one batch per thread, whatever
//! the number of runs.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::RngExt;
use rand_distr::{Distribution, Pert, StandardNormal, Triangular, Uniform};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::growth::Shape;
use crate::scenario::Scenario;
use crate::shock::Duration;
use crate::stats::Stats;
use crate::streams::{ShockStream, StreamKey};

/// Paths per batch: the unit of merging. Fixed, so results never depend on the thread count.
pub const BATCH_PATHS: u64 = 16_384;

/// Paths whose yearly values are buffered together before being recorded.
const CHUNK: usize = 256;

/// The lowest effective growth rate (SPEC §2 step 5).
const GROWTH_FLOOR: f64 = -0.99;

/// The run was stopped by a signal before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// The number of batches a run of `runs` paths is cut into.
pub fn batch_count(runs: u64) -> u64 {
    runs.div_ceil(BATCH_PATHS)
}

/// Simulates `runs` paths of `scenario` on the current rayon pool.
pub fn simulate(scenario: &Scenario, runs: u64, seed: u64) -> Stats {
    simulate_batches(
        scenario,
        runs,
        seed,
        0..batch_count(runs),
        &AtomicBool::new(false),
    )
    .expect("nothing can interrupt this run")
}

/// Simulates the given batches of a run of `runs` paths (a shard: any contiguous range of
/// batches gives the same statistics as in the whole run). Checks `stop` between rounds of
/// batches and returns [`Interrupted`] once it is set.
pub fn simulate_batches(
    scenario: &Scenario,
    runs: u64,
    seed: u64,
    batches: Range<u64>,
    stop: &AtomicBool,
) -> Result<Stats, Interrupted> {
    let plan = Plan::new(scenario, runs, seed);
    let g = scenario.growth();
    let years = plan.years as usize;
    let offsets = |f: &dyn Fn(u32) -> f64| (1..=plan.years).map(f).collect::<Vec<f64>>();
    match g.shape() {
        Shape::Constant => plan.run(
            &Constant {
                rate: offsets(&|k| g.expected_rate(k)),
            },
            batches,
            stop,
        ),
        Shape::Normal { sd } => {
            let ar = Ar1::new(g.persistence(), years);
            let mean = offsets(&|k| g.expected_rate(k));
            plan.run(&Normal { ar, mean, sd }, batches, stop)
        }
        Shape::Lognormal { sd } => {
            let ar = Ar1::new(g.persistence(), years);
            let (mu, s) = (1..=plan.years)
                .map(|k| g.lognormal_parameters(k, sd))
                .unzip();
            plan.run(&Lognormal { ar, mu, s }, batches, stop)
        }
        Shape::Triangular { min, mode, max } => {
            let distribution = Triangular::new(min, max, mode).expect("validated by Growth::new");
            plan.run(
                &Bounded {
                    distribution,
                    shift: offsets(&|k| g.expected_rate(k) - g.first_year_mean()),
                },
                batches,
                stop,
            )
        }
        Shape::Pert { min, mode, max } => {
            let distribution = Pert::new(min, max)
                .with_mode(mode)
                .expect("validated by Growth::new");
            plan.run(
                &Bounded {
                    distribution,
                    shift: offsets(&|k| g.expected_rate(k) - g.first_year_mean()),
                },
                batches,
                stop,
            )
        }
        Shape::Uniform { min, max } => {
            let distribution = Uniform::new(min, max).expect("validated by Growth::new");
            plan.run(
                &Bounded {
                    distribution,
                    shift: offsets(&|k| g.expected_rate(k) - g.first_year_mean()),
                },
                batches,
                stop,
            )
        }
    }
}

/// The base growth rate `r(k)` of SPEC §2 step 4, one implementation per distribution so the
/// hot loop is compiled for each. `k` is the simulated year from 1; `z` the path's surprise.
trait Rates: Sync {
    fn rate(&self, k: usize, z: &mut f64, rng: &mut Xoshiro256PlusPlus) -> f64;
}

/// The AR(1) surprise of SPEC §2 step 3, `z(k) = a(k) z(k-1) + b(k) e(k)`, with `a(1) = 0`,
/// `b(1) = 1` so that `z(1) = e(1)`.
struct Ar1 {
    carry: Vec<f64>,
    innovation: Vec<f64>,
}

impl Ar1 {
    fn new(persistence: f64, years: usize) -> Self {
        let fresh = (1.0 - persistence * persistence).sqrt();
        let carry = (0..years)
            .map(|i| if i == 0 { 0.0 } else { persistence })
            .collect();
        let innovation = (0..years)
            .map(|i| if i == 0 { 1.0 } else { fresh })
            .collect();
        Ar1 { carry, innovation }
    }

    #[inline(always)]
    fn next(&self, k: usize, z: &mut f64, rng: &mut Xoshiro256PlusPlus) -> f64 {
        let e: f64 = rng.sample(StandardNormal);
        *z = self.carry[k - 1] * *z + self.innovation[k - 1] * e;
        *z
    }
}

struct Constant {
    rate: Vec<f64>,
}

impl Rates for Constant {
    #[inline(always)]
    fn rate(&self, k: usize, _: &mut f64, _: &mut Xoshiro256PlusPlus) -> f64 {
        self.rate[k - 1]
    }
}

struct Normal {
    ar: Ar1,
    mean: Vec<f64>,
    sd: f64,
}

impl Rates for Normal {
    #[inline(always)]
    fn rate(&self, k: usize, z: &mut f64, rng: &mut Xoshiro256PlusPlus) -> f64 {
        self.mean[k - 1] + self.sd * self.ar.next(k, z, rng)
    }
}

struct Lognormal {
    ar: Ar1,
    mu: Vec<f64>,
    s: Vec<f64>,
}

impl Rates for Lognormal {
    #[inline(always)]
    fn rate(&self, k: usize, z: &mut f64, rng: &mut Xoshiro256PlusPlus) -> f64 {
        let z = self.ar.next(k, z, rng);
        (self.mu[k - 1] + self.s[k - 1] * z).exp_m1()
    }
}

/// Triangular, PERT and uniform: `r = X - m1 + m(k)`.
struct Bounded<D> {
    distribution: D,
    shift: Vec<f64>,
}

impl<D: Distribution<f64> + Sync> Rates for Bounded<D> {
    #[inline(always)]
    fn rate(&self, k: usize, _: &mut f64, rng: &mut Xoshiro256PlusPlus) -> f64 {
        self.distribution.sample(rng) + self.shift[k - 1]
    }
}

/// A shock as the hot loop wants it: years as simulated-year indices, factors precomputed.
struct ShockPlan {
    key: StreamKey,
    probability: f64,
    /// Some draws come from the shock's stream (a probability strictly between 0 and 1, or a
    /// duration range).
    draws: bool,
    first_k: u32,
    last_k: u32,
    max_occurrences: u32,
    duration: Duration,
    start_factor: f64,
    recovery_factor: f64,
    growth_change: f64,
    cap: f64,
}

/// A path's state for one shock: occurrences so far and the last active year of the latest.
#[derive(Clone, Copy, Default)]
struct ShockState {
    count: u32,
    last_k: u32,
}

/// Everything fixed for a run: the scenario in the hot loop's terms.
struct Plan {
    runs: u64,
    years: u32,
    base_value: f64,
    target: f64,
    growth_key: StreamKey,
    shocks: Vec<ShockPlan>,
}

impl Plan {
    fn new(scenario: &Scenario, runs: u64, seed: u64) -> Self {
        let base_year = scenario.base_year();
        let shocks = scenario
            .shocks()
            .iter()
            .map(|s| ShockPlan {
                key: StreamKey::new(seed, &format!("shock:{}", s.name())),
                probability: s.probability(),
                draws: (s.probability() > 0.0 && s.probability() < 1.0)
                    || matches!(s.duration(), Duration::Between { .. }),
                first_k: (s.first_year() - base_year) as u32,
                last_k: (s.last_year() - base_year) as u32,
                max_occurrences: s.max_occurrences(),
                duration: s.duration(),
                start_factor: 1.0 + s.level_change(),
                recovery_factor: s.recovery_factor(),
                growth_change: s.growth_change(),
                cap: s.cap_value().unwrap_or(f64::INFINITY),
            })
            .collect();
        Plan {
            runs,
            years: scenario.years(),
            base_value: scenario.base_value(),
            target: scenario.target_value(),
            growth_key: StreamKey::new(seed, "growth"),
            shocks,
        }
    }

    /// Runs `batches` in rounds of parallel batches, merging each round in batch order.
    fn run<R: Rates>(
        &self,
        rates: &R,
        batches: Range<u64>,
        stop: &AtomicBool,
    ) -> Result<Stats, Interrupted> {
        let mut total = Stats::new(self.years as usize, self.shocks.len());
        let round = 4 * rayon::current_num_threads() as u64;
        let mut next = batches.start;
        while next < batches.end {
            if stop.load(Ordering::Relaxed) {
                return Err(Interrupted);
            }
            let end = batches.end.min(next + round);
            let results: Vec<Stats> = (next..end)
                .into_par_iter()
                .map(|b| self.run_batch(rates, b))
                .collect();
            results.iter().for_each(|r| total.merge(r));
            next = end;
        }
        Ok(total)
    }

    fn run_batch<R: Rates>(&self, rates: &R, batch: u64) -> Stats {
        let years = self.years as usize;
        let mut stats = Stats::new(years, self.shocks.len());
        let mut values = vec![0.0; years * CHUNK];
        let mut states = vec![ShockState::default(); self.shocks.len()];
        let mut streams = vec![StreamKey::new(0, "").shock_stream(0); self.shocks.len()];
        let first = batch * BATCH_PATHS;
        let end = self.runs.min(first + BATCH_PATHS);
        let mut start = first;
        while start < end {
            let stop = end.min(start + CHUNK as u64);
            let n = (stop - start) as usize;
            for (i, path) in (start..stop).enumerate() {
                let reached = self.simulate_path(
                    rates,
                    path,
                    &mut values,
                    i,
                    &mut states,
                    &mut streams,
                    &mut stats,
                );
                stats.record_path(reached);
            }
            for k in 1..=years {
                stats.record_values(k, &values[(k - 1) * CHUNK..][..n], self.target);
            }
            start = stop;
        }
        stats
    }

    /// One path through SPEC §2; writes `V(base_year + k)` to `values[(k - 1) * CHUNK + i]` and
    /// returns the first-passage year index (0 = the base year).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn simulate_path<R: Rates>(
        &self,
        rates: &R,
        path: u64,
        values: &mut [f64],
        i: usize,
        states: &mut [ShockState],
        streams: &mut [ShockStream],
        stats: &mut Stats,
    ) -> Option<usize> {
        let shock_count = self.shocks.len();
        let mut rng = self.growth_key.growth_rng(path);
        for ((state, stream), shock) in states.iter_mut().zip(streams.iter_mut()).zip(&self.shocks)
        {
            *state = ShockState::default();
            if shock.draws {
                *stream = shock.key.shock_stream(path);
            }
        }
        let mut value = self.base_value;
        let mut z = 0.0;
        let mut reached = (value >= self.target).then_some(0);
        for k in 1..=self.years {
            // Step 1 and the level factors of step 6, shocks in file order.
            let mut factor = 1.0;
            let mut growth_change = 0.0;
            let mut cap = f64::INFINITY;
            let row = (k as usize - 1) * shock_count;
            for (s, shock) in self.shocks.iter().enumerate() {
                let state = &mut states[s];
                if state.count > 0 && state.last_k + 1 == k {
                    factor *= shock.recovery_factor;
                }
                if state.last_k < k
                    && state.count < shock.max_occurrences
                    && (shock.first_k..=shock.last_k).contains(&k)
                    && (shock.probability >= 1.0
                        || (shock.draws && streams[s].start_draw(k) < shock.probability))
                {
                    let duration = match shock.duration {
                        Duration::Years(d) => d,
                        Duration::Between { min, max } => streams[s].duration_draw(k, min, max),
                        Duration::Permanent => self.years - k + 1,
                    };
                    state.count += 1;
                    state.last_k = k.saturating_add(duration - 1);
                    factor *= shock.start_factor;
                    stats.started[row + s] += 1;
                }
                if state.last_k >= k {
                    growth_change += shock.growth_change;
                    cap = cap.min(shock.cap);
                    stats.active[row + s] += 1;
                }
            }
            // Steps 2–5.
            let rate = rates.rate(k as usize, &mut z, &mut rng);
            let growth = (rate + growth_change).max(GROWTH_FLOOR);
            // Steps 6–7.
            value = (value * (1.0 + growth) * factor).min(cap);
            // Step 8.
            if reached.is_none() && value >= self.target {
                reached = Some(k as usize);
            }
            values[(k as usize - 1) * CHUNK + i] = value;
        }
        reached
    }
}
