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

/// The table of headline figures, one row per scenario, columns aligned.
pub fn table(results: &[RunResult]) -> String {
    let header = ["scenario", "target", "horizon", "P(reached)", "median", "10-90% years", "expected path"];
    let rows: Vec<[String; 7]> = results
        .iter()
        .map(|r| {
            let (s, f) = (r.scenario, r.summary);
            let after = format!("after {}", s.horizon_year());
            let range = match (f.p10_year, f.p90_year) {
                (None, _) => "-".to_string(),
                (Some(lo), hi) => format!("{lo}-{}", year_or(hi, &after)),
            };
            [
                s.name().to_string(),
                human_number(s.target_value()),
                s.horizon_year().to_string(),
                percent(f.prob_reached),
                year_or(f.median_year, &after),
                range,
                year_or(f.expected_path_year, &after),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            // The scenario name is text (left-aligned); the figures are right-aligned.
            if i == 0 {
                write!(text, "{cell:<w$}").unwrap();
            } else {
                write!(text, "  {cell:>w$}").unwrap();
            }
        }
        writeln!(out, "{}", text.trim_end()).unwrap();
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    out
}

/// The whole report: a heading, the table, and where the files are.
pub fn render(results: &[RunResult], runs: u64, seed: u64, out: &Path) -> String {
    let count = results.len();
    let plural = if count == 1 { "" } else { "s" };
    format!(
        "tradesim: {count} scenario{plural}, {runs} runs each, seed {seed}\n\n{}\nP(reached): share of paths that reach the target by the horizon. Years: first year at or above the target.\n\
         Results: {}/summary.csv and {}/<scenario>/{{first_passage,trajectory,shocks}}.csv\n",
        table(results),
        out.display(),
        out.display()
    )
}
