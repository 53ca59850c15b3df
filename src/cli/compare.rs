//! `tradesim compare BASELINE OTHER...` (SPEC §6.2, §7): load the scenarios and check that they
//! share their years, find the runs (`--runs`, or with `--precision` the most that any scenario
//! needs on its own), compare every OTHER with BASELINE path by path on common random numbers
//! ([`crate::analysis::compare`]), then write `comparison.csv`, `delay.csv`, `run.json` and,
//! unless `--no-charts`, `compare.svg` and `report.html`, and print a table of the differences.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde_json::json;

use super::run::written;
use super::simulate::{RunSize, Runner, check_out_folder, check_size};
use super::{Failure, SimulationArgs, note, print_out};
use crate::analysis::compare::{self, Versus};
use crate::engine;
use crate::export::charts::{self, format};
use crate::export::html::{self, Figure, Report, Section, Table};
use crate::export::provenance;
use crate::export::{self, csv, terminal};
use crate::scenario::{self, Scenario};
use crate::stats::Summary;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The scenario the others are measured against (TOML)
    #[arg(value_name = "BASELINE")]
    pub baseline: PathBuf,
    /// Scenarios to compare with BASELINE path by path, on the same random draws (TOML; the same
    /// base_year and horizon_year as BASELINE)
    #[arg(required = true, value_name = "OTHER")]
    pub others: Vec<PathBuf>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
}

pub(super) fn compare(args: &CompareArgs, stop: &AtomicBool) -> Result<(), Failure> {
    let sim = &args.simulation;
    let paths: Vec<PathBuf> = std::iter::once(&args.baseline).chain(&args.others).cloned().collect();
    let scenarios = scenario::load_all(&paths).map_err(Failure::Input)?;
    let scenarios: Vec<&Scenario> = scenarios.iter().collect();
    let (baseline, others) = scenarios.split_first().expect("clap requires a baseline");
    compare::check_comparable(baseline, others).map_err(Failure::Input)?;
    if !sim.quiet {
        scenarios.iter().flat_map(|s| s.warnings()).for_each(|w| note(&format!("warning: {w}")));
        others.iter().filter_map(|o| unshared_growth(baseline, o)).for_each(|w| note(&format!("warning: {w}")));
    }
    let out = sim.out_or(Path::new("results").join(format!("compare_{}", baseline.name())));
    check_out_folder(&out)?;
    let runner = Runner::new(sim, stop)?;
    let size = sim.size();
    // With --precision, each scenario is first run on its own to find the paths it needs.
    let times = if matches!(size, RunSize::Precision(_)) { 2 } else { 1 };
    check_size(&runner, "comparison", &scenarios, times)?;
    let runs = runs_needed(&runner, &scenarios, size)?;

    let path_years = (runs * scenarios.len() as u64) as f64 * f64::from(baseline.years());
    let comparison = runner.with_progress("compare", engine::batch_count(runs), path_years, |done| {
        runner.install(|| compare::compare(&scenarios, runs, sim.seed, runner.options(), stop, done))
    })?;
    let summaries: Vec<Summary> = scenarios.iter().zip(&comparison.stats).map(|(s, st)| Summary::new(s, st)).collect();
    let versus: Vec<Versus> = others
        .iter()
        .zip(&summaries[1..])
        .zip(&comparison.outcomes)
        .map(|((other, summary), outcomes)| {
            Versus::new((baseline.name(), &summaries[0]), (other.name(), summary), outcomes)
        })
        .collect();

    let invocation = sim.invocation("compare");
    let details = vec![("runs".to_string(), json!(runs)), ("baseline".to_string(), json!(baseline.name()))];
    let mut files = vec![
        (out.join("comparison.csv"), csv::comparison(&versus)),
        (out.join("delay.csv"), csv::delay(&versus)),
        (out.join("run.json"), provenance::analysis(&invocation, &scenarios, details)),
    ];
    if !sim.no_charts {
        let chart = charts::compare(&chart_input(&scenarios, &summaries, &versus, runs));
        let mut provenance = export::report_provenance(&invocation, &scenarios);
        if sim.precision.is_some() {
            provenance.fields.push(("runs used".to_string(), runs.to_string()));
        }
        let report = report(&scenarios, &summaries, &versus, chart.clone(), provenance);
        files.push((out.join("compare.svg"), chart.into_bytes()));
        files.push((out.join("report.html"), report.to_html().into_bytes()));
    }
    written(export::write_files(&files, stop))?;
    if sim.quiet { Ok(()) } else { print_out(&terminal(&versus, runs, sim.seed, &out, !sim.no_charts)) }
}

/// Where `other` does not share the baseline's growth draws ([`compare::growth_draws_shared`]),
/// what a reader of its shares should know.
fn unshared_growth(baseline: &Scenario, other: &Scenario) -> Option<String> {
    (!compare::growth_draws_shared(baseline, other)).then(|| {
        format!(
            "{} ({} growth) and {} ({} growth) draw their growth differently, so their paths do not share growth \
             surprises: the shares of paths delayed, the same or advanced also reflect chance",
            other.name(),
            other.growth().kind().as_str(),
            baseline.name(),
            baseline.growth().kind().as_str()
        )
    })
}

/// The paths every scenario is simulated with: `--runs`, or with `--precision` the most that
/// any of them needs on its own (SPEC §7), each found as `run --precision` finds it.
fn runs_needed(runner: &Runner, scenarios: &[&Scenario], size: RunSize) -> Result<u64, Failure> {
    match size {
        RunSize::Runs(runs) => Ok(runs),
        RunSize::Precision(precision) => {
            let mut most = 0;
            for s in scenarios {
                let path_years = precision.max_runs as f64 * f64::from(s.years());
                let batches = engine::batch_count(precision.max_runs);
                let what = format!("{} (precision)", s.name());
                let stats = runner.with_progress(&what, batches, path_years, |done| runner.simulate(s, size, done))?;
                most = most.max(stats.runs());
            }
            Ok(most)
        }
    }
}

/// `compare.svg`'s input: the curves of P(reached by year) and each OTHER's delays.
fn chart_input(scenarios: &[&Scenario], summaries: &[Summary], versus: &[Versus], runs: u64) -> charts::Compare {
    let curve = |s: &Scenario, summary: &Summary| charts::Curve {
        scenario: s.name().to_string(),
        prob_reached_by: summary.first_passage.iter().map(|r| r.prob_reached_by).collect(),
    };
    charts::Compare {
        base_year: scenarios[0].base_year(),
        horizon_year: scenarios[0].horizon_year(),
        runs,
        baseline: curve(scenarios[0], &summaries[0]),
        others: scenarios[1..]
            .iter()
            .zip(&summaries[1..])
            .zip(versus)
            .map(|((s, summary), v)| charts::CompareOther {
                curve: curve(s, summary),
                delays: v.delays.clone(),
                baseline_only: v.prob_baseline_only,
                other_only: v.prob_other_only,
                neither: v.prob_neither,
            })
            .collect(),
    }
}

/// A difference with its sign, `decimals` decimals: `+1.5`, `-3`, `0`.
fn signed(x: f64, decimals: usize) -> String {
    let text = format::grouped(x, decimals);
    if text.starts_with('-') || text.bytes().all(|b| b == b'0' || b == b'.') { text } else { format!("+{text}") }
}

/// A mean delay in years: two decimals, signed.
fn years(delay: f64) -> String {
    signed(delay, 2)
}

/// The answer for one OTHER in a sentence: how often it delays or advances the target, by how
/// much on average where both reach it, and the headline figures side by side.
pub fn sentence(v: &Versus, horizon: i32) -> String {
    let (o, b) = (&v.scenario, &v.baseline);
    let year = |y: Option<i32>| y.map_or(format!("after {horizon}"), |y| y.to_string());
    let figures = format!(
        "P(reached by {horizon}) {} against {}, median year {} against {}",
        format::percent(v.prob_reached),
        format::percent(v.baseline_prob_reached),
        year(v.median_year),
        year(v.baseline_median_year)
    );
    let (delayed, advanced) = (format::percent(v.prob_delayed), format::percent(v.prob_advanced));
    let which_way = match (v.prob_delayed > 0.0, v.prob_advanced > 0.0) {
        (false, false) => {
            return format!("{o} against {b}: the target is reached in the same year on every path; {figures}.");
        }
        (true, true) => format!("delays the target on {delayed} of paths and advances it on {advanced}"),
        (true, false) => format!("delays the target on {delayed} of paths and never advances it"),
        (false, true) => format!("advances the target on {advanced} of paths and never delays it"),
    };
    let mean = match v.mean_delay_years {
        None => "no path reaches it in both".to_string(),
        Some(d) if d > 0.0 => {
            format!("{} years later on average where both reach it", years(d).trim_start_matches('+'))
        }
        Some(d) if d < 0.0 => {
            format!("{} years earlier on average where both reach it", years(-d).trim_start_matches('+'))
        }
        Some(_) => "the same year on average where both reach it".to_string(),
    };
    format!("{o} against {b}: {which_way}; {mean}; {figures}.")
}

/// The name of the baseline in a table or a heading: marked as such, unless its name says so.
fn baseline_label(name: &str) -> String {
    if name.contains("baseline") { name.to_string() } else { format!("{name} (baseline)") }
}

/// The comparison table of the report: the baseline, then a row per OTHER.
fn comparison_table(baseline: (&Scenario, &Summary), versus: &[Versus]) -> Table {
    let (s, summary) = baseline;
    let horizon = s.horizon_year();
    let mut table = Table::new(
        format!(
            "Each scenario against {}, path by path (comparison.csv). Mean delay: the first-passage year minus \
             the baseline's, over the paths reaching in both; delayed, same, advanced: shares of all paths; \
             >{horizon}: not reached by the horizon",
            s.name()
        ),
        &[
            "scenario",
            "P(reached)",
            "difference (pp)",
            "median year",
            "difference (years)",
            "mean delay (years)",
            "delayed",
            "same",
            "advanced",
        ],
    );
    let year = |y: Option<i32>| y.map_or(format!(">{horizon}"), |y| y.to_string());
    let mut row =
        vec![baseline_label(s.name()), format::percent(summary.prob_reached), String::new(), year(summary.median_year)];
    row.resize(table.header.len(), String::new());
    table.rows.push(row);
    for v in versus {
        table.rows.push(vec![
            v.scenario.clone(),
            format::percent(v.prob_reached),
            signed(v.prob_reached_diff * 100.0, 1),
            year(v.median_year),
            v.median_year_diff.map(|d| signed(f64::from(d), 0)).unwrap_or_default(),
            v.mean_delay_years.map(years).unwrap_or_default(),
            format::percent(v.prob_delayed),
            format::percent(v.prob_same),
            format::percent(v.prob_advanced),
        ]);
    }
    table
}

/// `report.html`: the answers, the comparison table, the chart, and each scenario's answer,
/// description and parameters, then the provenance.
fn report(
    scenarios: &[&Scenario],
    summaries: &[Summary],
    versus: &[Versus],
    chart: String,
    provenance: html::Provenance,
) -> Report {
    let baseline = scenarios[0];
    let names: Vec<&str> = scenarios[1..].iter().map(|s| s.name()).collect();
    let sections = scenarios
        .iter()
        .zip(summaries)
        .enumerate()
        .map(|(i, (s, summary))| {
            let mut tables = vec![html::parameters_table(s)];
            tables.extend(html::shocks_table(s));
            Section {
                id: s.name().to_string(),
                heading: if i == 0 { baseline_label(s.name()) } else { s.name().to_string() },
                answer: Some(format!("{}.", html::answer(s, summary))),
                description: s.description().map(str::to_string),
                figures: Vec::new(),
                tables,
            }
        })
        .collect();
    Report {
        // More than two names would fill the heading; the sentences below name each.
        title: match names.as_slice() {
            [one] => format!("tradesim: {one} against {}", baseline.name()),
            [a, b] => format!("tradesim: {a} and {b} against {}", baseline.name()),
            _ => format!("tradesim: {} scenarios against {}", names.len(), baseline.name()),
        },
        intro: versus
            .iter()
            .zip(&scenarios[1..])
            .map(|(v, other)| match unshared_growth(baseline, other) {
                Some(warning) => format!("{} Note: {warning}.", sentence(v, baseline.horizon_year())),
                None => sentence(v, baseline.horizon_year()),
            })
            .collect(),
        tables: vec![comparison_table((baseline, &summaries[0]), versus)],
        figures: vec![Figure {
            caption: format!(
                "When each scenario reaches the target, and by how many years each path is delayed against {} \
                 (compare.svg)",
                baseline.name()
            ),
            svg: chart,
        }],
        sections,
        provenance,
    }
}

/// What is printed after a comparison: a row per scenario, then where the files are.
fn terminal(versus: &[Versus], runs: u64, seed: u64, out: &Path, charts: bool) -> String {
    let Some(first) = versus.first() else { return String::new() };
    let header = ["scenario", "P(reached)", "diff (pp)", "median", "diff", "mean delay", "delayed", "same", "advanced"];
    let year = |y: Option<i32>| y.map_or("not reached".to_string(), |y| y.to_string());
    let mut rows = vec![vec![
        baseline_label(&first.baseline),
        format::percent(first.baseline_prob_reached),
        String::new(),
        year(first.baseline_median_year),
    ]];
    for v in versus {
        rows.push(vec![
            v.scenario.clone(),
            format::percent(v.prob_reached),
            signed(v.prob_reached_diff * 100.0, 1),
            year(v.median_year),
            v.median_year_diff.map_or("-".to_string(), |d| signed(f64::from(d), 0)),
            v.mean_delay_years.map_or("-".to_string(), years),
            format::percent(v.prob_delayed),
            format::percent(v.prob_same),
            format::percent(v.prob_advanced),
        ]);
    }
    // The scenario is left-aligned, the figures right-aligned.
    let table =
        terminal::aligned(&std::iter::once(header.map(String::from).to_vec()).chain(rows).collect::<Vec<_>>(), &[true]);
    let files = if charts {
        "comparison.csv, delay.csv, report.html, compare.svg, run.json"
    } else {
        "comparison.csv, delay.csv, run.json"
    };
    format!(
        "tradesim: compare against {}, {} runs each on the same paths, seed {seed}\n\n{table}\n\
         Per path: delayed = reaches the target later than in the baseline, or only the baseline reaches it;\n\
         advanced = earlier, or only this scenario reaches it. Mean delay: years later, over paths reaching in both.\n\
         Results in {}: {files}\n",
        first.baseline,
        runs,
        out.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versus(delayed: f64, same: f64, advanced: f64, mean: Option<f64>) -> Versus {
        Versus {
            scenario: "other".into(),
            baseline: "base".into(),
            runs: 1000,
            prob_reached: 0.9,
            baseline_prob_reached: 0.95,
            prob_reached_diff: -0.05,
            median_year: Some(2031),
            baseline_median_year: Some(2030),
            median_year_diff: Some(1),
            mean_delay_years: mean,
            prob_delayed: delayed,
            prob_same: same,
            prob_advanced: advanced,
            delays: Vec::new(),
            prob_baseline_only: 0.0,
            prob_other_only: 0.0,
            prob_neither: 0.0,
        }
    }

    #[test]
    fn sentences_say_which_way_and_by_how_much() {
        assert_eq!(
            sentence(&versus(0.234, 0.764, 0.002, Some(0.734)), 2050),
            "other against base: delays the target on 23.4% of paths and advances it on 0.2%; 0.73 years later \
             on average where both reach it; P(reached by 2050) 90.0% against 95.0%, median year 2031 against 2030."
        );
        assert!(
            sentence(&versus(0.3, 0.7, 0.0, Some(2.0)), 2050)
                .contains(": delays the target on 30.0% of paths and never advances it; 2.00 years later on")
        );
        assert!(
            sentence(&versus(0.0, 0.2, 0.8, Some(-1.5)), 2050)
                .contains(": advances the target on 80.0% of paths and never delays it; 1.50 years earlier on")
        );
        assert!(sentence(&versus(0.5, 0.5, 0.0, None), 2050).contains("; no path reaches it in both; P(reached"));
        assert!(
            sentence(&versus(0.0, 1.0, 0.0, Some(0.0)), 2050)
                .starts_with("other against base: the target is reached in the same year on every path; P(")
        );
    }

    #[test]
    fn the_baseline_is_marked_unless_its_name_says_so() {
        assert_eq!(baseline_label("baseline"), "baseline");
        assert_eq!(baseline_label("central"), "central (baseline)");
    }

    #[test]
    fn differences_carry_their_sign() {
        assert_eq!(signed(1.0, 0), "+1");
        assert_eq!(signed(-3.64, 1), "-3.6");
        assert_eq!(signed(0.0, 1), "0.0");
        assert_eq!(signed(-0.01, 1), "0.0");
        assert_eq!(years(0.734), "+0.73");
    }
}
