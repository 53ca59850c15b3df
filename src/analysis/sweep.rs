//! `tradesim sweep` (SPEC §6.1): the points of the grid that the `--vary` options span, each a
//! scenario validated as a file would be, and their simulation on common random numbers (the
//! same seed for every point, so path `i` draws the same surprises at every point and two
//! points differ path by path only where their parameters do, SPEC §6).
//!
//! Every point is built and validated before anything is simulated, so that a bad point costs
//! nothing and writes nothing. The points are then simulated in one pool of work: each point's
//! batches run on the current rayon pool nested inside a parallel loop over the points, so a
//! thread that finishes its share of one point steals the next point's batches instead of
//! waiting (a sweep of small points keeps every core busy, which one point after another on
//! the pool would not).

use std::sync::atomic::{AtomicBool, AtomicU64};

use rayon::prelude::*;

use super::vary::{Key, Vary, grid, scenario_with};
use crate::engine::{Interrupted, Options, Simulation};
use crate::error::InputError;
use crate::scenario::Scenario;
use crate::stats::Summary;

/// The most points a sweep may have: each point's figures are kept until the files are written,
/// and every point is at least one batch of paths.
pub const MAX_POINTS: usize = 10_000;

/// One point of the grid: the value of each `--vary` key, in the options' order, and the
/// scenario with those values set.
#[derive(Debug, Clone)]
pub struct Point {
    pub values: Vec<f64>,
    pub scenario: Scenario,
}

/// How a point was simulated.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub summary: Summary,
    /// With a precision target: whether it was not met within the most paths allowed.
    pub capped: bool,
}

/// A point as the user reads it: `growth.mean=0.2 growth.sd=0.1` (as in the error of a bad
/// point; `+ 0.0` shows `-0` as `0`, as the CSV files do).
pub fn label(varies: &[Vary], values: &[f64]) -> String {
    varies.iter().zip(values).map(|(v, value)| format!("{}={}", v.key, value + 0.0)).collect::<Vec<_>>().join(" ")
}

/// The points of the grid of `varies` over `base` (the first option varying slowest), each
/// validated as a file would be, and keeping `base`'s file as its source (SPEC §7 provenance).
/// Fails with the first bad point (and how many others are bad), before any is simulated; also
/// when there is no option, a key is given twice, or the grid has more than [`MAX_POINTS`].
pub fn points(base: &Scenario, varies: &[Vary]) -> Result<Vec<Point>, InputError> {
    if varies.is_empty() {
        return Err(InputError::usage("a sweep needs at least one --vary KEY=VALUES, e.g. --vary growth.mean=0.2,0.3"));
    }
    for (i, vary) in varies.iter().enumerate() {
        if varies[..i].iter().any(|earlier| earlier.key == vary.key) {
            return Err(InputError::usage(format!(
                "--vary {} is given twice; list all its values in one option",
                vary.key
            )));
        }
    }
    let count = varies.iter().try_fold(1usize, |n, v| n.checked_mul(v.values.len()));
    match count {
        Some(n) if n <= MAX_POINTS => {}
        _ => {
            let sizes: Vec<String> = varies.iter().map(|v| v.values.len().to_string()).collect();
            return Err(InputError::usage(format!(
                "the sweep has {} points, more than {MAX_POINTS}; use fewer values",
                sizes.join(" x ")
            )));
        }
    }
    let source = base.source();
    let keys: Vec<&Key> = varies.iter().map(|v| &v.key).collect();
    let mut points = Vec::new();
    let mut first_error = None;
    let mut bad = 0usize;
    for values in grid(varies) {
        let settings: Vec<(&Key, f64)> = keys.iter().copied().zip(values.iter().copied()).collect();
        match scenario_with(source.text(), source.origin(), base.name(), &settings) {
            Ok(scenario) => points.push(Point { values, scenario: scenario.with_source(source.clone()) }),
            Err(e) => {
                bad += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        None => Ok(points),
        Some(e) if bad == 1 => Err(e),
        Some(e) => {
            let others =
                if bad == 2 { "1 other point breaks".to_string() } else { format!("{} other points break", bad - 1) };
            Err(InputError::usage(format!("{e} ({others} a rule too)")))
        }
    }
}

/// Simulates every point with `runs` paths from `seed` (or, with `half_width`, whole batches of
/// at most `runs` paths until every year's 95% half-width is at most it), all points in one
/// pool of work on the current rayon pool. The outcomes are in the points' order, and each is
/// what a run of that point alone would give, whatever the threads. `done` counts the batches
/// simulated.
pub fn simulate(
    points: &[Point],
    runs: u64,
    half_width: Option<f64>,
    seed: u64,
    options: &Options,
    stop: &AtomicBool,
    done: &AtomicU64,
) -> Result<Vec<Outcome>, Interrupted> {
    points
        .par_iter()
        // One point per task: a point is already many batches, and the batches are shared out
        // by the nested run.
        .with_max_len(1)
        .map(|point| {
            let simulation = Simulation::new(&point.scenario, runs, seed, options);
            let (stats, capped) = match half_width {
                None => (simulation.run(0..simulation.batches(), stop, done)?, false),
                Some(half_width) => {
                    let precise = simulation.run_until_precise(half_width, stop, done)?;
                    (precise.stats, precise.capped)
                }
            };
            // The statistics (with their sketches) are dropped here: only the figures are kept.
            Ok(Outcome { summary: Summary::new(&point.scenario, &stats), capped })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::MINIMAL;

    fn base(text: &str) -> Scenario {
        Scenario::from_toml(text, "scenarios/x.toml", "x").unwrap()
    }

    fn vary(text: &str) -> Vary {
        Vary::parse(text).unwrap()
    }

    #[test]
    fn points_span_the_grid_and_keep_the_file() {
        let s = base(MINIMAL);
        let points = points(&s, &[vary("growth.mean=0.2,0.3"), vary("trade.horizon_year=2030,2040")]).unwrap();
        let values: Vec<&[f64]> = points.iter().map(|p| p.values.as_slice()).collect();
        assert_eq!(values, [[0.2, 2030.0], [0.2, 2040.0], [0.3, 2030.0], [0.3, 2040.0]]);
        assert_eq!(points[3].scenario.growth().first_year_mean(), 0.3);
        assert_eq!(points[3].scenario.horizon_year(), 2040);
        for p in &points {
            assert_eq!(p.scenario.name(), "x");
            assert_eq!(p.scenario.source(), s.source());
        }
    }

    #[test]
    fn every_point_is_checked_before_any_runs() {
        let s = base(MINIMAL);
        let e = points(&s, &[vary("growth.mean=0.2,-1.5")]).unwrap_err().to_string();
        assert!(e.starts_with("sweep growth.mean=-1.5: growth.mean must be greater than -1"), "{e}");
        assert!(!e.contains("other point"), "{e}");
        let e = points(&s, &[vary("growth.mean=-2,0.2,-1.5,-3")]).unwrap_err().to_string();
        assert!(e.starts_with("sweep growth.mean=-2: ") && e.ends_with("(2 other points break a rule too)"), "{e}");
        let e = points(&s, &[vary("growth.mean=-2,-1.5")]).unwrap_err().to_string();
        assert!(e.ends_with("(1 other point breaks a rule too)"), "{e}");
    }

    #[test]
    fn sweeps_need_distinct_keys_and_a_bounded_grid() {
        let s = base(MINIMAL);
        assert!(points(&s, &[]).unwrap_err().to_string().contains("at least one --vary"));
        let e = points(&s, &[vary("growth.mean=0.2"), vary("growth.mean=0.3")]).unwrap_err().to_string();
        assert!(e.contains("--vary growth.mean is given twice"), "{e}");
        let e = points(&s, &[vary("growth.mean=0:1:0.001"), vary("trade.base_value=1:100:1")]).unwrap_err();
        assert!(e.to_string().contains("the sweep has 1001 x 100 points, more than 10000"), "{e}");
    }

    #[test]
    fn each_point_gives_what_its_own_run_gives() {
        let s = base(MINIMAL);
        let points = points(&s, &[vary("growth.mean=0.2,0.3,0.4,0.5")]).unwrap();
        let stop = AtomicBool::new(false);
        let done = AtomicU64::new(0);
        let outcomes = simulate(&points, 1000, None, 3, &Options::default(), &stop, &done).unwrap();
        let medians: Vec<Option<i32>> = outcomes.iter().map(|o| o.summary.median_year).collect();
        assert_eq!(medians, [Some(2027), Some(2025), Some(2025), Some(2024)]);
        assert_eq!(done.into_inner(), 4);
        for (p, o) in points.iter().zip(&outcomes) {
            assert_eq!(o.summary, Summary::new(&p.scenario, &crate::engine::simulate(&p.scenario, 1000, 3)));
            assert!(!o.capped);
        }
    }
}
