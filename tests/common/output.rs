//! The output of a run as SPEC §5 fixes it: the CSV headers, the files a run writes, and
//! reading and checking CSV cells.

use std::fs;
use std::path::{Path, PathBuf};

/// The exact headers of SPEC §5.
pub const SUMMARY_HEADER: &str = "scenario,runs,seed,base_year,base_value,target_value,horizon_year,prob_reached,prob_reached_se,p10_year,median_year,p90_year,expected_path_year";
pub const FIRST_PASSAGE_HEADER: &str = "year,prob_first,prob_reached_by,prob_reached_by_se";
pub const TRAJECTORY_HEADER: &str = "year,mean,p05,p25,p50,p75,p95,prob_at_or_above_target";
pub const SHOCKS_HEADER: &str = "year,shock,kind,prob_started,prob_active";
/// The CSV files of one scenario's folder (SPEC §5).
pub const SCENARIO_FILES: [&str; 3] = ["first_passage.csv", "trajectory.csv", "shocks.csv"];
/// The provenance beside them (SPEC §7).
pub const PROVENANCE_FILE: &str = "run.json";
/// The charts beside them, unless `--no-charts` (SPEC §7).
pub const CHART_FILES: [&str; 2] = ["fan.svg", "first_passage.svg"];
/// The file of the whole run, beside the scenario folders.
pub const SUMMARY_FILE: &str = "summary.csv";
/// The report of the whole run, unless `--no-charts`.
pub const REPORT_FILE: &str = "report.html";

/// The files a finished run of `scenarios` writes, relative to its output folder, sorted (as
/// [`files_in`](super::files_in) lists them).
pub fn run_files(scenarios: &[&str]) -> Vec<PathBuf> {
    let mut files = run_files_without_charts(scenarios);
    files.push(PathBuf::from(REPORT_FILE));
    for scenario in scenarios {
        files.extend(CHART_FILES.iter().map(|file| Path::new(scenario).join(file)));
    }
    files.sort();
    files
}

/// The files a finished run of `scenarios` with `--no-charts` writes.
pub fn run_files_without_charts(scenarios: &[&str]) -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from(SUMMARY_FILE)];
    for scenario in scenarios {
        files.extend(SCENARIO_FILES.iter().chain([&PROVENANCE_FILE]).map(|file| Path::new(scenario).join(file)));
    }
    files.sort();
    files
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

/// A number as SPEC §5 writes it: a finite plain decimal (digits, at most one '.' with digits on
/// both sides, an optional leading '-'; no exponent, NaN or infinity).
pub fn is_plain_decimal(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        && cell.parse::<f64>().is_ok_and(f64::is_finite)
}
