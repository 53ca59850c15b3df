//! The statistics of SPEC §3, in two layers:
//!
//! - [`Stats`]: what a set of paths accumulates (counts, sums, sketches). A plain value with
//!   [`Stats::merge`], so threads, shards and separate machines combine the same way. Counts,
//!   extremes and sketches merge exactly in any order; the sums of `V(y)` are floats, so the
//!   engine adds them batch by batch in batch order.
//! - [`Summary`]: the figures the CSV files and the terminal show, derived from merged `Stats`.

use crate::scenario::Scenario;
use crate::sketch::{Count, Sketch};

/// What a set of paths accumulates. Year index `k` counts simulated years from 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    years: usize,
    shocks: usize,
    runs: u64,
    /// Paths by first-passage year, index `year - base_year` (0 = the base year).
    first_passage: Vec<u64>,
    value_sum: Vec<f64>,
    value_min: Vec<f64>,
    value_max: Vec<f64>,
    at_or_above: Vec<u64>,
    sketches: Vec<Sketch>,
    /// Occurrences started in / whose last active year is year `k`, index `(k - 1) * shocks +
    /// shock`; the number active in year `k` is those started by `k` less those ended before it.
    started: Vec<u64>,
    ended: Vec<u64>,
}

impl Stats {
    /// Empty statistics for `years` simulated years and `shocks` shocks.
    pub fn new(years: usize, shocks: usize) -> Self {
        Stats {
            years,
            shocks,
            runs: 0,
            first_passage: vec![0; years + 1],
            value_sum: vec![0.0; years],
            value_min: vec![f64::INFINITY; years],
            value_max: vec![f64::NEG_INFINITY; years],
            at_or_above: vec![0; years],
            sketches: vec![Sketch::new(); years],
            started: vec![0; years * shocks],
            ended: vec![0; years * shocks],
        }
    }

    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Records one finished path and its first-passage year index (`None`: never reached).
    #[inline]
    pub(crate) fn record_path(&mut self, first_passage: Option<usize>) {
        self.runs += 1;
        if let Some(j) = first_passage {
            self.first_passage[j] += 1;
        }
    }

    /// Records an occurrence of shock `shock` active from simulated year `first` to `last`.
    #[inline]
    pub(crate) fn record_occurrence(&mut self, shock: usize, first: usize, last: usize) {
        self.record_occurrence_if(true, shock, first, last);
    }

    /// [`Stats::record_occurrence`] when `happened`; otherwise nothing (branch-free).
    #[inline]
    pub(crate) fn record_occurrence_if(&mut self, happened: bool, shock: usize, first: usize, last: usize) {
        self.started[(first - 1) * self.shocks + shock] += u64::from(happened);
        self.ended[(last - 1) * self.shocks + shock] += u64::from(happened);
    }

    /// Records the smallest and largest of several paths' values `V(y)` in simulated year `k`,
    /// and how many are at or above the target. Their sum and their sketch the engine keeps
    /// apart (a float sum depends on its order; the hot loop's sketches have narrower counts),
    /// and adds with [`Stats::add_value_sums`] and [`Stats::merge_sketches`].
    pub(crate) fn record_extremes(&mut self, k: usize, min: f64, max: f64, above: u64) {
        let i = k - 1;
        self.value_min[i] = self.value_min[i].min(min);
        self.value_max[i] = self.value_max[i].max(max);
        self.at_or_above[i] += above;
    }

    /// Adds one sketch of values per simulated year, in year order.
    pub(crate) fn merge_sketches<C: Count>(&mut self, sketches: &[Sketch<C>]) {
        assert_eq!(sketches.len(), self.years, "one sketch per simulated year");
        self.sketches.iter_mut().zip(sketches).for_each(|(total, s)| total.merge(s));
    }

    /// Adds the sums of `V(y)`, one per simulated year, to those recorded.
    pub(crate) fn add_value_sums(&mut self, sums: &[f64]) {
        assert_eq!(sums.len(), self.years, "one sum per simulated year");
        self.value_sum.iter_mut().zip(sums).for_each(|(total, s)| *total += s);
    }

    /// Adds `other` into `self`. Every figure but the float sums is exact and order-free; merge
    /// in a fixed order (batch order) for bit-identical sums.
    pub fn merge(&mut self, other: &Stats) {
        assert_eq!((self.years, self.shocks), (other.years, other.shocks), "merging stats of different scenarios");
        self.runs += other.runs;
        add_counts(&mut self.first_passage, &other.first_passage);
        add_counts(&mut self.at_or_above, &other.at_or_above);
        add_counts(&mut self.started, &other.started);
        add_counts(&mut self.ended, &other.ended);
        for i in 0..self.years {
            self.value_sum[i] += other.value_sum[i];
            self.value_min[i] = self.value_min[i].min(other.value_min[i]);
            self.value_max[i] = self.value_max[i].max(other.value_max[i]);
            self.sketches[i].merge(&other.sketches[i]);
        }
    }
}

fn add_counts(into: &mut [u64], from: &[u64]) {
    into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
}

/// One row of `first_passage.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstPassageRow {
    pub year: i32,
    pub prob_first: f64,
    pub prob_reached_by: f64,
    pub prob_reached_by_se: f64,
}

/// The value quantiles reported per year, in `trajectory.csv` order.
pub const VALUE_QUANTILES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// One row of `trajectory.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryRow {
    pub year: i32,
    pub mean: f64,
    /// p05, p25, p50, p75, p95.
    pub quantiles: [f64; 5],
    pub prob_at_or_above_target: f64,
}

/// One row of `shocks.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShockRow {
    pub year: i32,
    pub shock: String,
    pub kind: &'static str,
    pub prob_started: f64,
    pub prob_active: f64,
}

/// Every figure of SPEC §3 for one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub runs: u64,
    pub prob_reached: f64,
    pub prob_reached_se: f64,
    pub p10_year: Option<i32>,
    pub median_year: Option<i32>,
    pub p90_year: Option<i32>,
    pub expected_path_year: Option<i32>,
    pub first_passage: Vec<FirstPassageRow>,
    pub trajectory: Vec<TrajectoryRow>,
    pub shocks: Vec<ShockRow>,
}

fn share(count: u64, runs: u64) -> f64 {
    count as f64 / runs as f64
}

fn standard_error(p: f64, runs: u64) -> f64 {
    (p * (1.0 - p) / runs as f64).sqrt()
}

impl Summary {
    /// Derives the figures from the merged statistics of `scenario`'s run.
    pub fn new(scenario: &Scenario, stats: &Stats) -> Self {
        let runs = stats.runs;
        assert!(runs > 0, "a summary needs at least one path");
        let base_year = scenario.base_year();
        let year = |j: usize| base_year + j as i32;

        let mut reached = 0u64;
        let mut first_passage = Vec::with_capacity(stats.years + 1);
        // Year quantiles compare counts as integers: the smallest year with reached / runs >= q.
        let mut year_quantiles: [(u64, u64, Option<i32>); 3] = [(1, 10, None), (1, 2, None), (9, 10, None)];
        for (j, &count) in stats.first_passage.iter().enumerate() {
            reached += count;
            let p = share(reached, runs);
            for (num, den, found) in year_quantiles.iter_mut() {
                if found.is_none() && u128::from(reached) * u128::from(*den) >= u128::from(runs) * u128::from(*num) {
                    *found = Some(year(j));
                }
            }
            first_passage.push(FirstPassageRow {
                year: year(j),
                prob_first: share(count, runs),
                prob_reached_by: p,
                prob_reached_by_se: standard_error(p, runs),
            });
        }
        let prob_reached = share(reached, runs);

        let base = scenario.base_value();
        let mut trajectory = vec![TrajectoryRow {
            year: base_year,
            mean: base,
            quantiles: [base; 5],
            prob_at_or_above_target: if base >= scenario.target_value() { 1.0 } else { 0.0 },
        }];
        for i in 0..stats.years {
            let (min, max) = (stats.value_min[i], stats.value_max[i]);
            let quantiles = VALUE_QUANTILES.map(|q| {
                let v = stats.sketches[i].quantile(q).expect("every path records every year");
                v.clamp(min, max)
            });
            trajectory.push(TrajectoryRow {
                year: year(i + 1),
                mean: stats.value_sum[i] / runs as f64,
                quantiles,
                prob_at_or_above_target: share(stats.at_or_above[i], runs),
            });
        }

        let mut shocks = Vec::with_capacity(stats.years * stats.shocks);
        let mut active = vec![0u64; stats.shocks];
        for i in 0..stats.years {
            for (s, shock) in scenario.shocks().iter().enumerate() {
                let index = i * stats.shocks + s;
                active[s] += stats.started[index];
                shocks.push(ShockRow {
                    year: year(i + 1),
                    shock: shock.name().to_string(),
                    kind: shock.kind().as_str(),
                    prob_started: share(stats.started[index], runs),
                    prob_active: share(active[s], runs),
                });
                active[s] -= stats.ended[index];
            }
        }

        Summary {
            runs,
            prob_reached,
            prob_reached_se: standard_error(prob_reached, runs),
            p10_year: year_quantiles[0].2,
            median_year: year_quantiles[1].2,
            p90_year: year_quantiles[2].2,
            expected_path_year: scenario.expected_path_year(),
            first_passage,
            trajectory,
            shocks,
        }
    }
}
