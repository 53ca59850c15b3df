//! The terminal summary printed after a run (unless `--quiet`): one aligned row per scenario
//! with the headline figures of SPEC §3, then where the CSV files went.

use std::fmt::Write;
use std::path::Path;

use crate::export::RunResult;

fn year_or(y: Option<i32>, otherwise: &str) -> String {
    y.map_or_else(|| otherwise.to_string(), |y| y.to_string())
}

/// A number as people read it in a table: plain up to a trillion, scientific beyond.
fn human_number(x: f64) -> String {
    if (1e-3..1e12).contains(&x.abs()) { format!("{x}") } else { format!("{x:e}") }
}

/// A probability as a percentage with one decimal, never rounding a small chance to 0% or
/// a near-certainty to 100%.
fn percent(p: f64) -> String {
    match 100.0 * p {
        x if x > 0.0 && x < 0.05 => "<0.1%".to_string(),
        x if (99.95..100.0).contains(&x) => ">99.9%".to_string(),
        x => format!("{x:.1}%"),
    }
}

/// The width of each column of `rows`: its widest cell, in characters.
pub fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let width = cell.chars().count();
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(width),
                None => widths.push(width),
            }
        }
    }
    widths
}

/// `rows` (the header first) as lines of aligned columns, each as wide as its widest cell, two
/// spaces apart: left-aligned where `left` says so (text), right-aligned otherwise (figures, and
/// any column past `left`'s end). Each line ends with a newline and no trailing space.
pub fn aligned(rows: &[Vec<String>], left: &[bool]) -> String {
    let widths = widths(rows);
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (cell, &w)) in row.iter().zip(&widths).enumerate() {
            let gap = if i == 0 { "" } else { "  " };
            if left.get(i).copied().unwrap_or(false) {
                let _ = write!(line, "{gap}{cell:<w$}");
            } else {
                let _ = write!(line, "{gap}{cell:>w$}");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// The table of headline figures, one row per scenario, columns aligned. The target's unit is
/// in its header when every scenario has the same one, in a column of its own otherwise.
pub fn table(results: &[RunResult]) -> String {
    let units: Vec<&str> = results.iter().map(|r| r.scenario.unit()).collect();
    let shared_unit = units.first().filter(|first| units.iter().all(|u| u == *first));
    let target = shared_unit.map_or_else(|| "target".to_string(), |unit| format!("target ({unit})"));
    let mut header: Vec<String> =
        ["scenario", &target, "horizon", "P(reached)", "median", "10-90% years", "expected path"]
            .map(String::from)
            .into();
    // Text columns (the scenario, the unit) are left-aligned; the figures are right-aligned.
    let mut left = vec![true, false, false, false, false, false, false];
    if shared_unit.is_none() {
        header.insert(2, "unit".to_string());
        left.insert(2, true);
    }
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let (s, f) = (r.scenario, r.summary);
            let after = format!("after {}", s.horizon_year());
            let range = match (f.p10_year, f.p90_year) {
                (None, _) => "-".to_string(),
                (Some(lo), hi) => format!("{lo}-{}", year_or(hi, &after)),
            };
            let mut row = vec![
                s.name().to_string(),
                human_number(s.target_value()),
                s.horizon_year().to_string(),
                percent(f.prob_reached),
                year_or(f.median_year, &after),
                range,
                year_or(f.expected_path_year, &after),
            ];
            if shared_unit.is_none() {
                row.insert(2, s.unit().to_string());
            }
            row
        })
        .collect();
    aligned(&std::iter::once(header).chain(rows).collect::<Vec<_>>(), &left)
}

/// The whole report: a heading, the table, and where the files are.
pub fn render(results: &[RunResult], seed: u64, out: &Path, charts: bool) -> String {
    let count = results.len();
    let plural = if count == 1 { "" } else { "s" };
    let runs: Vec<u64> = results.iter().map(|r| r.summary.runs).collect();
    let runs = match (runs.iter().min(), runs.iter().max()) {
        (Some(low), Some(high)) if low != high => format!("{low} to {high} runs"),
        (Some(n), _) if count > 1 => format!("{n} runs each"),
        (Some(n), _) => format!("{n} runs"),
        _ => "no runs".to_string(),
    };
    let (report, files) = if charts {
        (format!(", {}", out.join("report.html").display()), "CSV files, charts, run.json")
    } else {
        (String::new(), "CSV files, run.json")
    };
    format!(
        "tradesim: {count} scenario{plural}, {runs}, seed {seed}\n\n{}\nP(reached): share of paths that reach the target by the horizon. Years: first year at or above the target.\n\
         Results: {}{report} and {} ({files})\n",
        table(results),
        // Joined, not glued with '/': `-o out/` gives out/summary.csv, not out//summary.csv.
        out.join("summary.csv").display(),
        out.join("<scenario>").display()
    )
}
