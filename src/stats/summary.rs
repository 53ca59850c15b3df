//! The figures of SPEC §3 for one scenario, derived from its merged [`Stats`]: the first-passage
//! distribution and its year quantiles, the value quantiles and means by year, and the shocks'
//! odds by year. What the CSV files (§5), the terminal and the charts show.

use super::Stats;
use crate::scenario::Scenario;

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

pub(crate) fn share(count: u64, runs: u64) -> f64 {
    count as f64 / runs as f64
}

pub(crate) fn standard_error(p: f64, runs: u64) -> f64 {
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
                let v = stats.sketches.quantile(i, q).expect("every path records every year");
                v.clamp(min, max)
            });
            trajectory.push(TrajectoryRow {
                year: year(i + 1),
                mean: stats.value_sum[i].mean(runs),
                quantiles,
                prob_at_or_above_target: share(stats.at_or_above[i], runs),
            });
        }

        let mut shocks = Vec::with_capacity(stats.years * stats.shocks);
        let mut active = vec![0u64; stats.shocks];
        for i in 0..stats.years {
            for (s, shock) in scenario.shocks().iter().enumerate() {
                let index = s * stats.years + i;
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
