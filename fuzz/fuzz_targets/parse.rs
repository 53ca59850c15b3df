//! Fuzz target `parse`: arbitrary text as a scenario file.
//!
//! Properties (SPEC §1, §3, §4):
//! - `Scenario::from_toml` never panics;
//! - every error displays as one line naming the file;
//! - a valid scenario simulates (64 paths, seed 1) without a panic, and every figure of its
//!   `Summary` is finite: probabilities and standard errors in [0, 1], value quantiles
//!   non-negative and ordered p05 <= p25 <= p50 <= p75 <= p95, year quantiles ordered.

#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
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

fuzz_target!(|data: &[u8]| {
    // One worker thread: runs are deterministic and the fuzzer stays on one core.
    POOL.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
    });
    let text = String::from_utf8_lossy(data);
    match Scenario::from_toml(&text, ORIGIN, "fuzz") {
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains(['\n', '\r']), "error is not one line: {message:?}");
            assert!(message.starts_with(ORIGIN), "error does not name the file: {message:?}");
        }
        Ok(scenario) => {
            if scenario.years() as usize * (1 + scenario.shocks().len()) <= MAX_WORK {
                check(&scenario);
            }
        }
    }
});
