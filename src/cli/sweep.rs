//! `tradesim sweep SCENARIO --vary KEY=VALUES...` (SPEC §6.1, §7): read the scenario and the
//! `--vary` options, build and validate every point of the grid before anything runs, simulate
//! all points on common random numbers in one pool of work (to `--runs` paths each, or each to
//! its own `--precision`), then write `sweep.csv`, `sweep_first_passage.csv`, `run.json` and,
//! unless `--no-charts`, `sweep.svg`, `heatmap.svg` (two keys or more) and `report.html`, and
//! print one row per point.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};

use super::run::written;
use super::simulate::{Runner, SimulationArgs, check_out_folder, check_size};
use super::{Failure, note, print_out};
use crate::analysis::sweep::{self, Outcome, Point};
use crate::analysis::vary::{Key, Vary};
use crate::engine::{self, Z95};
use crate::export::charts::{self, Sweep, SweepPoint, format};
use crate::export::csv::{self, SweepRow};
use crate::export::html::{self, Figure, Report, Section, Table};
use crate::export::provenance::{self, Invocation};
use crate::export::{self, report_provenance, terminal};
use crate::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML)
    pub scenario: PathBuf,
    /// A key and its values: a list (growth.mean=0.2,0.3,0.4) or a range FROM:TO:STEP
    /// (growth.mean=0.1:0.5:0.05). Repeat for a grid (the first varies slowest). Keys:
    /// trade.{base_value,target_value,horizon_year},
    /// growth.{mean,sd,min,mode,max,long_run_mean,half_life,persistence},
    /// shocks.<name>.{probability,first_year,last_year,year,max_occurrences,duration,level_change,growth_change,recovery,cap_value}
    #[arg(long = "vary", value_name = "KEY=VALUES", required = true)]
    pub vary: Vec<String>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
}

pub(super) fn sweep(args: &SweepArgs, stop: &AtomicBool) -> Result<(), Failure> {
    let sim = &args.simulation;
    let base = Scenario::load(&args.scenario)?;
    let varies = parse_varies(&args.vary)?;
    let points = sweep::points(&base, &varies)?;
    if !sim.quiet {
        warnings(&base, &varies, &points).iter().for_each(|w| note(&format!("warning: {w}")));
    }
    let out = sim.out_or(Path::new("results").join(format!("sweep_{}", base.name())));
    check_out_folder(&out)?;
    let runs = sim.most_runs();
    // Threads are capped by the work of all points together, not of one.
    let runner = Runner::for_runs(sim, stop, runs.saturating_mul(points.len() as u64))?;
    check_size(&runner, "sweep", &[&base], points.len() as u64)?;
    let batches = engine::batch_count(runs) * points.len() as u64;
    let path_years: f64 = points.iter().map(|p| runs as f64 * f64::from(p.scenario.years())).sum();
    let outcomes = runner.with_progress(&format!("sweep {}", base.name()), batches, path_years, |done| {
        runner.install(|| sweep::simulate(&points, runs, sim.precision, sim.seed, runner.options(), stop, done))
    })?;
    if let (Some(half_width), false) = (sim.precision, sim.quiet) {
        for (point, outcome) in points.iter().zip(&outcomes).filter(|(_, o)| o.capped) {
            note(&format!(
                "note: sweep {}: --precision {half_width} not reached within --max-runs {runs} (the widest 95% half-width is {:.4})",
                sweep::label(&varies, &point.values),
                widest_half_width(outcome),
            ));
        }
    }
    let invocation = sim.invocation("sweep").with("vary", json!(args.vary));
    let files = files(&out, &base, &varies, &points, &outcomes, &invocation, !sim.no_charts);
    written(export::write_files(&files, stop))?;
    if sim.quiet {
        Ok(())
    } else {
        print_out(&render(&base, &varies, &points, &outcomes, sim.seed, &out, !sim.no_charts))
    }
}

/// Reads every `--vary` option; all their errors, one line each.
fn parse_varies(texts: &[String]) -> Result<Vec<Vary>, Failure> {
    let (mut varies, mut errors) = (Vec::new(), Vec::new());
    for text in texts {
        match Vary::parse(text) {
            Ok(vary) => varies.push(vary),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(varies) } else { Err(Failure::Input(errors)) }
}

/// The base scenario's warnings, then each warning a point has that the base has not, once,
/// naming the first point that has it.
fn warnings(base: &Scenario, varies: &[Vary], points: &[Point]) -> Vec<String> {
    let mut lines: Vec<String> = base.warnings().to_vec();
    let mut seen: Vec<&String> = base.warnings().iter().collect();
    for point in points {
        for w in point.scenario.warnings() {
            if !seen.contains(&w) {
                seen.push(w);
                lines.push(format!("sweep {}: {w}", sweep::label(varies, &point.values)));
            }
        }
    }
    lines
}

/// The widest 95% half-width of a point's `prob_reached_by`.
fn widest_half_width(outcome: &Outcome) -> f64 {
    outcome.summary.first_passage.iter().map(|r| Z95 * r.prob_reached_by_se).fold(0.0, f64::max)
}

/// The keys as they head the columns: `growth.mean`, `shocks.EU sanctions.probability`.
fn key_names(varies: &[Vary]) -> Vec<String> {
    varies.iter().map(|v| v.key.to_string()).collect()
}

/// The files of a sweep, as bytes (pure: nothing is written).
fn files(
    out: &Path,
    base: &Scenario,
    varies: &[Vary],
    points: &[Point],
    outcomes: &[Outcome],
    invocation: &Invocation,
    charts: bool,
) -> Vec<(PathBuf, Vec<u8>)> {
    let keys = key_names(varies);
    let rows: Vec<SweepRow> =
        points.iter().zip(outcomes).map(|(p, o)| SweepRow { values: &p.values, summary: &o.summary }).collect();
    let details: Vec<Value> = points
        .iter()
        .zip(outcomes)
        .map(|(p, o)| {
            let values: serde_json::Map<String, Value> =
                keys.iter().cloned().zip(p.values.iter().map(|&v| json!(v))).collect();
            json!({ "values": values, "runs": o.summary.runs })
        })
        .collect();
    let mut files = vec![
        (out.join("sweep.csv"), csv::sweep(&keys, &rows)),
        (out.join("sweep_first_passage.csv"), csv::sweep_first_passage(&keys, &rows)),
        (
            out.join("run.json"),
            provenance::analysis(invocation, &[base], vec![("points".into(), Value::Array(details))]),
        ),
    ];
    if charts {
        let chart_input = chart_input(base, &keys, points, outcomes);
        let sweep_svg = charts::sweep(&chart_input);
        let heatmap_svg = (keys.len() >= 2).then(|| charts::heatmap(&chart_input));
        files.push((out.join("sweep.svg"), sweep_svg.clone().into_bytes()));
        if let Some(svg) = &heatmap_svg {
            files.push((out.join("heatmap.svg"), svg.clone().into_bytes()));
        }
        let report = report(base, varies, points, outcomes, invocation, sweep_svg, heatmap_svg);
        files.push((out.join("report.html"), report.to_html().into_bytes()));
    }
    files
}

/// What the sweep and heat-map charts draw.
fn chart_input(base: &Scenario, keys: &[String], points: &[Point], outcomes: &[Outcome]) -> Sweep {
    Sweep {
        scenario: base.name().to_string(),
        keys: keys.to_vec(),
        base_year: base.base_year(),
        // A swept horizon: the latest, so that every point's years fit.
        horizon_year: points.iter().map(|p| p.scenario.horizon_year()).max().unwrap_or(base.horizon_year()),
        runs: outcomes.iter().map(|o| o.summary.runs).min().unwrap_or(0),
        runs_most: outcomes.iter().map(|o| o.summary.runs).max().unwrap_or(0),
        points: points
            .iter()
            .zip(outcomes)
            .map(|(p, o)| SweepPoint {
                values: p.values.clone(),
                prob_reached: o.summary.prob_reached,
                p10_year: o.summary.p10_year,
                median_year: o.summary.median_year,
                p90_year: o.summary.p90_year,
            })
            .collect(),
    }
}

/// A key's value as the user wrote it (`0.2`, `2030`; `0` for `-0`, as in the CSV files).
fn value(v: f64) -> String {
    if v == 0.0 { "0".to_string() } else { format!("{v}") }
}

/// `report.html`: the sweep's question and answer, its table, its charts, the base scenario's
/// description and parameters, and the provenance.
fn report(
    base: &Scenario,
    varies: &[Vary],
    points: &[Point],
    outcomes: &[Outcome],
    invocation: &Invocation,
    sweep_svg: String,
    heatmap_svg: Option<String>,
) -> Report {
    let keys = key_names(varies);
    let mut table_header: Vec<&str> = keys.iter().map(String::as_str).collect();
    table_header.extend([
        "runs",
        "P(reached)",
        "s.e. (pp)",
        "10% year",
        "median year",
        "90% year",
        "expected path year",
    ]);
    let mut table = Table::new("The sweep (sweep.csv); >year: not reached by the point's horizon", &table_header);
    for (p, o) in points.iter().zip(outcomes) {
        let f = &o.summary;
        let year = |y: Option<i32>| y.map_or(format!(">{}", p.scenario.horizon_year()), |y| y.to_string());
        let mut row: Vec<String> = p.values.iter().map(|&v| value(v)).collect();
        row.extend([
            format::grouped(f.runs as f64, 0),
            format::percent(f.prob_reached),
            format::grouped(f.prob_reached_se * 100.0, 2),
            year(f.p10_year),
            year(f.median_year),
            year(f.p90_year),
            year(f.expected_path_year),
        ]);
        table.rows.push(row);
    }
    let mut figures = vec![Figure {
        caption: format!("{}: median year and 10–90% range at each point (sweep.svg)", base.name()),
        svg: sweep_svg,
    }];
    if let Some(svg) = heatmap_svg {
        let others =
            if keys.len() > 2 { format!("; at the first value of {}", keys[2..].join(", ")) } else { String::new() };
        figures.push(Figure {
            caption: format!("{}: median year by {} and {} (heatmap.svg){others}", base.name(), keys[0], keys[1]),
            svg,
        });
    }
    // The file's values; each point replaces the swept ones.
    let mut parameters = html::parameters_table(base);
    parameters.caption =
        format!("Trade and growth, as resolved from the file (each point sets {})", keys.join(" and "));
    let mut tables = vec![parameters];
    tables.extend(html::shocks_table(base));
    let section = Section {
        id: base.name().to_string(),
        heading: format!("The base scenario: {}", base.name()),
        answer: None,
        description: base.description().map(str::to_string),
        figures: Vec::new(),
        tables,
    };
    Report {
        title: format!("tradesim sweep: {}", base.name()),
        intro: vec![format!("{} {}", question(base, varies), answer(varies, points, outcomes))],
        tables: vec![table],
        figures,
        sections: vec![section],
        provenance: report_provenance(invocation, &[base]),
    }
}

/// The sweep's question: `When does naive_constant_40 reach 1,000 USD million, for growth.mean
/// from 0.2 to 0.5 (4 values)?`
fn question(base: &Scenario, varies: &[Vary]) -> String {
    let ranges: Vec<String> = varies
        .iter()
        .map(|v| {
            let (lo, hi) =
                v.values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            match v.values.len() {
                1 => format!("{} = {}", v.key, value(lo)),
                n => format!("{} from {} to {} ({n} values)", v.key, value(lo), value(hi)),
            }
        })
        .collect();
    format!("When does {} reach {}, for {}?", base.name(), target(base, varies), ranges.join(" and "))
}

/// The target in words: `1,000 USD million`, or `its target` when the sweep sets it.
fn target(base: &Scenario, varies: &[Vary]) -> String {
    if varies.iter().any(|v| v.key == Key::Trade("target_value")) {
        "its target".to_string()
    } else {
        format!("{} {}", format::value(base.target_value()), base.unit())
    }
}

/// The horizon in words: `2050`, or `its horizon` when the sweep sets it.
fn horizon(base: &Scenario, varies: &[Vary]) -> String {
    if varies.iter().any(|v| v.key == Key::Trade("horizon_year")) {
        "its horizon".to_string()
    } else {
        base.horizon_year().to_string()
    }
}

/// A point as a phrase: `growth.mean = 0.2, growth.sd = 0.1`.
fn phrase(varies: &[Vary], values: &[f64]) -> String {
    varies.iter().zip(values).map(|(v, &x)| format!("{} = {}", v.key, value(x))).collect::<Vec<_>>().join(", ")
}

/// The sweep's answer: the earliest and latest median years and where they are, how many
/// points do not reach it by the horizon, and the range of P(reached).
fn answer(varies: &[Vary], points: &[Point], outcomes: &[Outcome]) -> String {
    let medians: Vec<(usize, i32)> =
        outcomes.iter().enumerate().filter_map(|(i, o)| o.summary.median_year.map(|m| (i, m))).collect();
    // The first point of the grid with the earliest median, and the first with the latest.
    let earliest = medians.iter().min_by_key(|&&(i, m)| (m, i));
    let latest = medians.iter().min_by_key(|&&(i, m)| (-m, i));
    let mut text = match (earliest, latest) {
        (Some(&(_, early)), Some(&(_, late))) if early == late => format!("Median year {early}"),
        (Some(&(i, early)), Some(&(j, late))) => format!(
            "Median year from {early} (at {}) to {late} (at {})",
            phrase(varies, &points[i].values),
            phrase(varies, &points[j].values)
        ),
        _ => "The median year is after the horizon at every point".to_string(),
    };
    let not_reached = outcomes.len() - medians.len();
    if not_reached > 0 && !medians.is_empty() {
        let _ = write!(text, "; after the horizon at {not_reached} of the {} points", outcomes.len());
    }
    let (lo, hi) = outcomes.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), o| {
        (lo.min(o.summary.prob_reached), hi.max(o.summary.prob_reached))
    });
    if lo == hi {
        let _ = write!(text, "; P(reached by the horizon) = {} at every point.", format::percent(lo));
    } else {
        let _ = write!(text, "; P(reached by the horizon) from {} to {}.", format::percent(lo), format::percent(hi));
    }
    text
}

/// What the terminal shows: a heading, one row per point, and where the files are.
fn render(
    base: &Scenario,
    varies: &[Vary],
    points: &[Point],
    outcomes: &[Outcome],
    seed: u64,
    out: &Path,
    charts: bool,
) -> String {
    let runs: Vec<u64> = outcomes.iter().map(|o| o.summary.runs).collect();
    let (fewest, most) = (runs.iter().min().copied().unwrap_or(0), runs.iter().max().copied().unwrap_or(0));
    let runs_text = if fewest == most { format!("{fewest} runs each") } else { format!("{fewest} to {most} runs") };
    let count = points.len();
    let plural = if count == 1 { "" } else { "s" };
    let files = if charts {
        "sweep.csv, sweep_first_passage.csv, sweep.svg, heatmap.svg, report.html, run.json"
    } else {
        "sweep.csv, sweep_first_passage.csv, run.json"
    };
    let files = if varies.len() < 2 { files.replace(" heatmap.svg,", "") } else { files.to_string() };
    format!(
        "tradesim sweep: {}, {count} point{plural}, {runs_text}, seed {seed}\n\n{}\n\
         P(reached): share of paths that reach {} by {}. Years: first year at or above the target.\n\
         Results: {} ({files})\n",
        base.name(),
        table(varies, points, outcomes, fewest != most),
        target(base, varies),
        horizon(base, varies),
        out.display()
    )
}

/// The terminal table, in the style of `run`'s: one row per point with the keys' values, then
/// the headline figures; `runs` too when the points used different numbers of paths.
fn table(varies: &[Vary], points: &[Point], outcomes: &[Outcome], with_runs: bool) -> String {
    let mut header: Vec<String> = key_names(varies);
    if with_runs {
        header.push("runs".into());
    }
    header.extend(["P(reached)", "median", "10-90% years", "expected path"].map(String::from));
    let rows: Vec<Vec<String>> = points
        .iter()
        .zip(outcomes)
        .map(|(p, o)| {
            let f = &o.summary;
            let after = format!("after {}", p.scenario.horizon_year());
            let year_or = |y: Option<i32>| y.map_or_else(|| after.clone(), |y| y.to_string());
            let range = match (f.p10_year, f.p90_year) {
                (None, _) => "-".to_string(),
                (Some(lo), hi) => format!("{lo}-{}", year_or(hi)),
            };
            let mut row: Vec<String> = p.values.iter().map(|&v| value(v)).collect();
            if with_runs {
                row.push(f.runs.to_string());
            }
            row.extend([format::percent(f.prob_reached), year_or(f.median_year), range, year_or(f.expected_path_year)]);
            row
        })
        .collect();
    // Every column holds figures: right-aligned.
    terminal::aligned(&std::iter::once(header).chain(rows).collect::<Vec<_>>(), &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_vary_is_said() {
        let texts = ["growth.mean=0.2".to_string(), "growth.meen=1".to_string(), "trade.base_value=".to_string()];
        let Err(Failure::Input(errors)) = parse_varies(&texts) else { panic!("accepted") };
        assert_eq!(errors.len(), 2);
    }
}
