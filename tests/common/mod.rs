//! Helpers shared by every suite in tests/ (each declares `mod common;`), so that a helper, a
//! scenario text or a constant the tests rely on is written once:
//!
//! - [`scenarios`]: the scenario texts ([`MINIMAL_SCENARIO`] and what is derived from it) and
//!   the builders and editors that derive the variants;
//! - [`process`]: running the `tradesim` binary (one [`tradesim`] builder, [`run_in`],
//!   [`run_ok`]), checking its error lines, and controlling a child process (timeouts, signals,
//!   a pseudo-terminal);
//! - [`output`]: the output files of SPEC §5 (headers, file lists, reading CSV lines);
//! - [`simulation`]: parsing and simulating a scenario in-process, through the library;
//! - here: run sizes, seeds, repository paths and temporary folders.

#![allow(dead_code)]

pub mod output;
pub mod process;
pub mod scenarios;
pub mod simulation;

use std::fs;
use std::path::{Path, PathBuf};

// Each suite uses a part of these (`use common::*` or named items); a suite that uses nothing of
// one part would otherwise warn about its re-export.
#[allow(unused_imports)]
pub use output::*;
#[allow(unused_imports)]
pub use process::*;
#[allow(unused_imports)]
pub use scenarios::*;
#[allow(unused_imports)]
pub use simulation::*;

/// Paths per scenario for ordinary test runs: enough for every statistic, quick on 2 cores.
pub const RUNS: u64 = 20_000;
/// Paths per scenario in determinism tests: not a multiple of the engine's batch size, so the
/// last batch is a partial one.
pub const RUNS_DETERMINISM: u64 = 40_000;
/// The engine's batch size (paths per batch), SPEC-independent but relevant to determinism.
pub const BATCH_PATHS: u64 = tradesim::engine::BATCH_PATHS;
/// A seed other than the default, for tests that do not care which.
pub const SEED: u64 = 7;
/// The defaults of SPEC §4.
pub const DEFAULT_RUNS: u64 = 100_000;
pub const DEFAULT_SEED: u64 = 2022;
/// The scenario library, relative to the repository root.
pub const LIBRARY: &str = "scenarios";
/// The committed results of the default run, relative to the repository root.
pub const COMMITTED_RESULTS: &str = "results";

/// The seed of proptest's case generator: fixed, so that `cargo test` and CI check the same
/// cases every time, unless `PROPTEST_RNG_SEED=<number>` asks for other cases.
pub fn proptest_rng_seed() -> proptest::test_runner::RngSeed {
    let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(2022);
    proptest::test_runner::RngSeed::Fixed(seed)
}

/// The path of the repository (where `scenarios/` and `results/` live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder can be created")
}

/// Writes `text` (a scenario, or any other file a test needs) to `dir/file_name`, creating
/// folders, and returns the path.
pub fn write_scenario(dir: &Path, file_name: &str, text: &str) -> PathBuf {
    let path = dir.join(file_name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("the scenario folder can be created");
    }
    fs::write(&path, text).expect("the scenario file can be written");
    path
}

/// Every regular file under `dir`, as paths relative to `dir`, sorted. Empty when `dir` does
/// not exist.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("a folder entry can be read").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
