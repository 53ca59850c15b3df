//! Fuzz target `parse`: arbitrary text as a scenario file, and as `--vary` options of a sweep.
//!
//! The input is a scenario file, optionally followed by lines `--vary KEY=VALUES` (everything
//! from the first such line on is the options, one a line).
//!
//! Properties (SPEC §1, §3, §4, §6.1):
//! - `Scenario::from_toml` never panics;
//! - every error displays as one line naming the file;
//! - a valid scenario simulates (64 paths, seed 1) without a panic, and every figure of its
//!   `Summary` is finite: probabilities and standard errors in [0, 1], value quantiles
//!   non-negative and ordered p05 <= p25 <= p50 <= p75 <= p95, year quantiles ordered;
//! - `Vary::parse` never panics, and its error is one line naming the option;
//! - a valid scenario set to its own target value by `scenario_with` is the same scenario (the
//!   file's TOML survives the round trip);
//! - every point of a small grid over a valid scenario is a valid scenario or one line naming the
//!   point (`sweep KEY=VALUE...: ...`), never a panic; the first points simulate like a file.

#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use tradesim::analysis::vary::{Key, Vary, grid, scenario_with};
use tradesim::engine;
use tradesim::scenario::Scenario;
use tradesim::stats::Summary;

const ORIGIN: &str = "fuzz.toml";
const RUNS: u64 = 64;
const SEED: u64 = 1;
/// Simulate only scenarios whose work per path (years x (1 + shocks)) stays below this, so one
/// input takes milliseconds. Every valid scenario has at most 200 years, so this only skips
/// files with many shocks.
const MAX_WORK: usize = 200 * 33;

/// Grids of more points than this are not built (each point is a parse of the file).
const MAX_POINTS: usize = 64;
/// Points of a grid that are simulated.
const SIMULATED_POINTS: usize = 4;

static POOL: Once = Once::new();

fn probability(what: &str, p: f64) {
    assert!((0.0..=1.0).contains(&p), "{what} = {p} is not a probability");
}

fn check(scenario: &Scenario) {
    let stats = engine::simulate(scenario, RUNS, SEED);
    assert_eq!(stats.runs(), RUNS);
    let s = Summary::new(scenario, &stats);
    probability("prob_reached", s.prob_reached);
    probability("prob_reached_se", s.prob_reached_se);
    let years: Vec<i32> = [s.p10_year, s.median_year, s.p90_year].into_iter().flatten().collect();
    assert!(years.windows(2).all(|w| w[0] <= w[1]), "year quantiles out of order: {years:?}");
    let (base, horizon) = (scenario.base_year(), scenario.horizon_year());
    assert!(years.iter().all(|y| (base..=horizon).contains(y)), "year quantile outside the rows: {years:?}");
    assert_eq!(s.first_passage.len(), scenario.years() as usize + 1);
    for row in &s.first_passage {
        probability("prob_first", row.prob_first);
        probability("prob_reached_by", row.prob_reached_by);
        probability("prob_reached_by_se", row.prob_reached_by_se);
    }
    assert_eq!(s.trajectory.len(), scenario.years() as usize + 1);
    for row in &s.trajectory {
        assert!(row.mean.is_finite() && row.mean >= 0.0, "year {}: mean {}", row.year, row.mean);
        let q = row.quantiles;
        assert!(q.iter().all(|v| v.is_finite() && *v >= 0.0), "year {}: quantiles {q:?}", row.year);
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "year {}: quantiles out of order {q:?}", row.year);
        probability("prob_at_or_above_target", row.prob_at_or_above_target);
    }
    assert_eq!(s.shocks.len(), scenario.years() as usize * scenario.shocks().len());
    for row in &s.shocks {
        probability("prob_started", row.prob_started);
        probability("prob_active", row.prob_active);
    }
}

/// The `--vary` options: each `--vary ` line from the first one on.
fn split(text: &str) -> (&str, Vec<&str>) {
    let start = if text.starts_with("--vary ") { Some(0) } else { text.find("\n--vary ").map(|i| i + 1) };
    match start {
        None => (text, Vec::new()),
        Some(i) => (&text[..i], text[i..].lines().filter_map(|l| l.strip_prefix("--vary ")).collect()),
    }
}

fn sweep(text: &str, options: &[&str]) {
    let mut varies = Vec::new();
    for option in options {
        match Vary::parse(option) {
            Ok(vary) => varies.push(vary),
            Err(e) => {
                let message = e.to_string();
                assert!(!message.contains(['\n', '\r']), "error is not one line: {message:?}");
                assert!(message.starts_with("--vary "), "error does not name the option: {message:?}");
            }
        }
    }
    let points = varies.iter().try_fold(1usize, |n, v| n.checked_mul(v.values.len()));
    if varies.is_empty() || points.is_none_or(|n| n > MAX_POINTS) {
        return;
    }
    let keys: Vec<&Key> = varies.iter().map(|v| &v.key).collect();
    for (i, values) in grid(&varies).into_iter().enumerate() {
        let settings: Vec<(&Key, f64)> = keys.iter().copied().zip(values).collect();
        match scenario_with(text, ORIGIN, "fuzz", &settings) {
            Err(e) => {
                let message = e.to_string();
                assert!(!message.contains(['\n', '\r']), "error is not one line: {message:?}");
                assert!(message.starts_with("sweep "), "error does not name the point: {message:?}");
            }
            Ok(point) => {
                if i < SIMULATED_POINTS && point.years() as usize * (1 + point.shocks().len()) <= MAX_WORK {
                    check(&point);
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // One worker thread: runs are deterministic and the fuzzer stays on one core.
    POOL.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
    });
    let input = String::from_utf8_lossy(data);
    let (text, options) = split(&input);
    match Scenario::from_toml(text, ORIGIN, "fuzz") {
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains(['\n', '\r']), "error is not one line: {message:?}");
            assert!(message.starts_with(ORIGIN), "error does not name the file: {message:?}");
            // The options alone must not panic either.
            options.iter().for_each(|o| drop(Vary::parse(o)));
        }
        Ok(scenario) => {
            if scenario.years() as usize * (1 + scenario.shocks().len()) <= MAX_WORK {
                check(&scenario);
            }
            // The file's own target value, set as a sweep sets it: the same scenario.
            let same = scenario_with(text, ORIGIN, "fuzz", &[(&Key::Trade("target_value"), scenario.target_value())]);
            assert_eq!(same.as_ref().ok(), Some(&scenario), "a round trip changed the scenario: {same:?}");
            sweep(text, &options);
        }
    }
});
