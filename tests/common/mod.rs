//! Helpers shared by the command-line tests: building and running the `tradesim` binary, writing
//! scenario files into temporary folders, listing output files, and the constants (run sizes,
//! seeds, CSV headers, scenario texts) that the tests rely on, kept in one place.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// Paths per scenario for ordinary test runs: enough for every statistic, quick on 2 cores.
pub const RUNS: u64 = 20_000;
/// Paths per scenario in determinism tests: not a multiple of the engine's batch size, so the
/// last batch is a partial one.
pub const RUNS_DETERMINISM: u64 = 40_000;
/// The engine's batch size (paths per batch), SPEC-independent but relevant to determinism.
pub use tradesim::engine::BATCH_PATHS;
/// A seed other than the default, for tests that do not care which.
pub const SEED: u64 = 7;
/// The defaults of SPEC §4.
pub const DEFAULT_RUNS: u64 = 100_000;
pub const DEFAULT_SEED: u64 = 2022;
/// The scenario library, relative to the repository root.
pub const LIBRARY: &str = "scenarios";
/// The committed results of the default run, relative to the repository root.
pub const COMMITTED_RESULTS: &str = "results";

/// The exact headers of SPEC §5.
pub const SUMMARY_HEADER: &str = "scenario,runs,seed,base_year,base_value,target_value,horizon_year,prob_reached,prob_reached_se,p10_year,median_year,p90_year,expected_path_year";
pub const FIRST_PASSAGE_HEADER: &str = "year,prob_first,prob_reached_by,prob_reached_by_se";
pub const TRAJECTORY_HEADER: &str = "year,mean,p05,p25,p50,p75,p95,prob_at_or_above_target";
pub const SHOCKS_HEADER: &str = "year,shock,kind,prob_started,prob_active";
/// The files of one scenario's folder.
pub const SCENARIO_FILES: [&str; 3] = ["first_passage.csv", "trajectory.csv", "shocks.csv"];

/// The smallest valid scenario: only the required keys (the name comes from the file stem).
pub const MINIMAL_SCENARIO: &str = "\
[trade]
base_year = 2022
base_value = 460.0
target_value = 1000.0
horizon_year = 2050

[growth]
distribution = \"constant\"
mean = 0.4
";

/// A scenario exercising randomness everywhere: persistent lognormal growth with a fade, and
/// shocks of every duration form, with caps, recoveries and repeated occurrences.
pub const SHOCK_SCENARIO: &str = "\
name = \"stress\"

[trade]
base_year = 2022
base_value = 460.0
target_value = 1000.0
horizon_year = 2045

[growth]
distribution = \"lognormal\"
mean = 0.15
sd = 0.2
long_run_mean = 0.05
half_life = 2.5
persistence = 0.4

[[shocks]]
name = \"sanctions\"
kind = \"sanction\"
probability = 0.2
first_year = 2024
last_year = 2035
max_occurrences = 3
duration = { min = 1, max = 3 }
level_change = -0.2
growth_change = -0.03
recovery = 0.5

[[shocks]]
name = \"ferry cap\"
kind = \"route\"
year = 2025
duration = 3
cap_value = 700.0

[[shocks]]
name = \"corridor\"
probability = 0.3
first_year = 2027
duration = \"permanent\"
level_change = 0.05
growth_change = 0.02
";
/// The shock names of [`SHOCK_SCENARIO`], in file order, with their kinds.
pub const SHOCK_SCENARIO_SHOCKS: [(&str, &str); 3] =
    [("sanctions", "sanction"), ("ferry cap", "route"), ("corridor", "other")];
/// Its years.
pub const SHOCK_SCENARIO_YEARS: (i32, i32) = (2022, 2045);

/// A `Command` for the binary under test. A panic would print a backtrace, so tests can tell.
pub fn tradesim() -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("tradesim");
    cmd.env("RUST_BACKTRACE", "1");
    cmd
}

/// What a finished run of the binary gave.
#[derive(Debug)]
pub struct Outcome {
    /// The exit status; `None` when killed by a signal (e.g. an abort).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The stderr lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs the binary with `args` in the folder `cwd`, and captures everything.
pub fn run_in(cwd: &Path, args: &[&str]) -> Outcome {
    let output = tradesim().current_dir(cwd).args(args).output().expect("the tradesim binary starts");
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the binary and asserts it succeeded; returns its outcome.
pub fn run_ok(cwd: &Path, args: &[&str]) -> Outcome {
    let outcome = run_in(cwd, args);
    assert_eq!(outcome.code, Some(0), "tradesim {} failed:\n{outcome}", args.join(" "));
    outcome
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder can be created")
}

/// Writes a scenario text to `dir/file_name` (creating folders) and returns the path.
pub fn write_scenario(dir: &Path, file_name: &str, text: &str) -> PathBuf {
    let path = dir.join(file_name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("the scenario folder can be created");
    }
    fs::write(&path, text).expect("the scenario file can be written");
    path
}

/// `text` with `from` replaced by `to`; panics when `from` is absent, so that a test never
/// silently checks an unchanged (valid) file.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test bug: {from:?} is not in the scenario text");
    text.replacen(from, to, 1)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> usize {
    let offset = text.find(needle).unwrap_or_else(|| panic!("test bug: {needle:?} is not in the scenario text"));
    text[..offset].matches('\n').count() + 1
}

/// The 1-based line of the first assignment to `key` (a line starting with `key =`).
pub fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
        .unwrap_or_else(|| panic!("test bug: no `{key} =` line in the scenario text"))
        + 1
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

/// Reads a CSV file of the output into its lines (header first).
pub fn csv_lines(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(text.ends_with('\n'), "{} does not end with a newline", path.display());
    text.lines().map(str::to_string).collect()
}

/// Splits one CSV line into cells (quoted cells may hold commas; no embedded quotes expected).
pub fn cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// The path of the repository (where `scenarios/` and `results/` live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
