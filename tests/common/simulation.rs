//! Parsing and simulating a scenario in-process, through the library's public API (SPEC §1–3),
//! for the suites that check the model and its statistics without the binary.

use tradesim::engine::simulate;
use tradesim::scenario::Scenario;
use tradesim::stats::Summary;

/// The file name in-process scenarios are read as (its stem, `test`, is the default name).
pub const TEST_FILE: &str = "test.toml";

/// The scenario of `text`, read as if from the file `origin` (whose stem is the default name);
/// panics with the text when it is refused.
pub fn scenario(text: &str, origin: &str) -> Scenario {
    let stem = origin.strip_suffix(".toml").unwrap_or(origin);
    Scenario::from_toml(text, origin, stem)
        .unwrap_or_else(|e| panic!("the scenario was refused: {e}\n--- scenario ---\n{text}"))
}

/// The summary of `runs` paths of `scenario` simulated from `seed`.
pub fn summarize(scenario: &Scenario, runs: u64, seed: u64) -> Summary {
    Summary::new(scenario, &simulate(scenario, runs, seed))
}

/// Parses `text` (as [`TEST_FILE`]) and summarises `runs` paths from `seed`.
pub fn simulate_text(text: &str, runs: u64, seed: u64) -> (Scenario, Summary) {
    let scenario = scenario(text, TEST_FILE);
    let summary = summarize(&scenario, runs, seed);
    assert_eq!(summary.runs, runs);
    (scenario, summary)
}
