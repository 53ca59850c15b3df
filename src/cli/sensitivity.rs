//! `tradesim sensitivity SCENARIO [--swing S] [--params KEY,...]` (SPEC §6.3, §7): load the
//! scenario, pick its parameters and swing each one both ways ([`crate::analysis::sensitivity`]),
//! simulate the base and every swung scenario with the same seed (common random numbers), all
//! runs in parallel on one pool under one progress bar, rank the parameters by effect, and
//! write `sensitivity.csv`, `tornado.svg`, `report.html` and `run.json` into the output folder
//! (default `results/sensitivity_<name>/`), then print the table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};

use rayon::prelude::*;
use serde_json::json;

use super::run::written;
use super::simulate::{RunSize, Runner, SimulationArgs, check_out_folder, check_size};
use super::{Failure, note, print_out};
use crate::analysis::sensitivity::{self, Effect, Outcome, Param, Swing};
use crate::analysis::vary::Key;
use crate::engine::{self, Simulation};
use crate::export::charts::{self, Tornado, TornadoParam, format};
use crate::export::html::{self, Figure, Report, Section, Table};
use crate::export::{self, csv, provenance, terminal};
use crate::model::shock::Duration;
use crate::scenario::Scenario;
use crate::stats::Summary;

#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML)
    pub scenario: PathBuf,
    /// The share S (0 < S < 1) by which each parameter is swung: it is run at its value times
    /// 1 - S and times 1 + S, each clipped to its valid range
    #[arg(long, value_name = "S", default_value_t = sensitivity::DEFAULT_SWING, value_parser = swing_share, allow_negative_numbers = true)]
    pub swing: f64,
    /// The parameters to swing, as dotted keys separated by commas (growth.mean,trade.target_value);
    /// default: every number of the scenario that is not 0, a year or a whole number
    #[arg(long, value_name = "KEY,...")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
}

/// Reads `--swing S`: a number with 0 < S < 1.
fn swing_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s < 1.0 => Ok(s),
        _ => Err("must be a number greater than 0 and less than 1 (0.2 swings each parameter by ±20%)".to_string()),
    }
}

/// One simulation of the command: the base scenario, or one parameter swung to one side.
struct Run<'a> {
    scenario: &'a Scenario,
    /// `None` for the base run; else the parameter and the value it is set to.
    setting: Option<(&'a Swing, f64)>,
}

pub(super) fn sensitivity(args: &SensitivityArgs, stop: &AtomicBool) -> Result<(), Failure> {
    let sim = &args.simulation;
    let scenario = Scenario::load(&args.scenario)?;
    if !sim.quiet {
        scenario.warnings().iter().for_each(|w| note(&format!("warning: {w}")));
    }
    let params: Vec<Param> = if args.params.is_empty() {
        sensitivity::default_params(&scenario)
    } else {
        sensitivity::listed_params(&scenario, &args.params)?
    };
    let swings: Vec<Swing> = params.iter().map(|p| sensitivity::swing(&scenario, p, args.swing)).collect();
    // Each swung scenario, validated before anything runs. A side clipped back to the value as
    // written is the base run itself, and is not simulated again.
    let mut swung = Vec::new();
    for swing in &swings {
        for value in [swing.low, swing.high] {
            if value != swing.value {
                swung.push((swing, value, sensitivity::scenario_with(&scenario, &swing.key, value)?));
            }
        }
    }
    let out = sim.out_or(Path::new("results").join(format!("sensitivity_{}", scenario.name())));
    check_out_folder(&out)?;
    let runner = Runner::new(sim, stop)?;
    let runs: Vec<Run> = std::iter::once(Run { scenario: &scenario, setting: None })
        .chain(swung.iter().map(|(swing, value, s)| Run { scenario: s, setting: Some((swing, *value)) }))
        .collect();
    check_size(&runner, "sensitivity analysis", &[&scenario], runs.len() as u64)?;

    let summaries = simulate_all(&runner, &runs)?;
    let base = &summaries[0];
    let outcome = |s: &Summary| Outcome { runs: s.runs, prob_reached: s.prob_reached, median_year: s.median_year };
    // The run of `swing` set to `value`; the base run where that side was clipped back to it.
    let outcome_at = |swing: &Swing, value: f64| {
        let i = runs.iter().position(|r| r.setting.is_some_and(|(s, v)| std::ptr::eq(s, swing) && v == value));
        outcome(i.map_or(base, |i| &summaries[i]))
    };
    let effects: Vec<Effect> = swings
        .iter()
        .map(|swing| Effect {
            swing: swing.clone(),
            low: outcome_at(swing, swing.low),
            base: outcome(base),
            high: outcome_at(swing, swing.high),
        })
        .collect();
    let effects = sensitivity::ranked(effects, scenario.horizon_year());

    let mut invocation = sim.invocation("sensitivity").with("swing", args.swing);
    if !args.params.is_empty() {
        // The keys as parsed, one per option, whatever the spelling (`a,b` or `--params a
        // --params b`): the same analysis records the same bytes.
        let keys: Vec<String> = params.iter().map(|p| p.key.to_string()).collect();
        invocation = invocation.with("params", json!(keys));
    }
    let details = vec![
        ("runs".to_string(), json!(base.runs)),
        (
            "parameters".to_string(),
            json!(
                effects
                    .iter()
                    .map(|e| json!({
                        "param": e.swing.key.to_string(),
                        "value": e.swing.value,
                        "low_value": e.swing.low,
                        "high_value": e.swing.high,
                        "low_runs": e.low.runs,
                        "high_runs": e.high.runs,
                    }))
                    .collect::<Vec<_>>()
            ),
        ),
    ];
    let mut files = vec![
        (out.join("sensitivity.csv"), csv::sensitivity(&effects)),
        (out.join("run.json"), provenance::analysis(&invocation, &[&scenario], details)),
    ];
    if !sim.no_charts {
        let tornado = charts::tornado(&tornado_input(&scenario, base, &effects, args.swing));
        let provenance = export::report_provenance(&invocation, &[&scenario]);
        let report = report(&scenario, base, &effects, &params, args, tornado.clone(), provenance);
        files.push((out.join("tornado.svg"), tornado.into_bytes()));
        files.push((out.join("report.html"), report.to_html().into_bytes()));
    }
    written(export::write_files(&files, stop))?;
    if sim.quiet {
        return Ok(());
    }
    print_out(&terminal(&scenario, &effects, args.swing, sim.seed, &out, !sim.no_charts))
}

/// Simulates every run with the command's seed, all in parallel on the command's pool (each
/// run's batches spread over the threads as well), under one progress bar. With `--precision`,
/// each run goes to the target on its own; a run that does not reach it is said on stderr.
fn simulate_all(runner: &Runner, runs: &[Run]) -> Result<Vec<Summary>, Failure> {
    let args = runner.args;
    let most_runs = args.most_runs();
    let path_years: f64 = runs.iter().map(|r| most_runs as f64 * f64::from(r.scenario.years())).sum();
    let batches = engine::batch_count(most_runs) * runs.len() as u64;
    let name = runs[0].scenario.name();
    let simulated = runner.with_progress(&format!("sensitivity {name}"), batches, path_years, |done| {
        runner.install(|| runs.par_iter().map(|run| simulate_one(runner, run.scenario, done)).collect::<Vec<_>>())
    });
    let mut summaries = Vec::with_capacity(runs.len());
    for (run, result) in runs.iter().zip(simulated) {
        let (stats, capped) = result?;
        if capped && !args.quiet {
            let what = match run.setting {
                Some((swing, value)) => format!("{name} with {}={value}", swing.key),
                None => name.to_string(),
            };
            if let RunSize::Precision(p) = args.size() {
                note(&format!(
                    "note: {what}: --precision {} not reached within --max-runs {} (the widest 95% half-width is {:.4})",
                    p.half_width,
                    p.max_runs,
                    stats.widest_half_width(engine::Z95),
                ));
            }
        }
        summaries.push(Summary::new(run.scenario, &stats));
    }
    Ok(summaries)
}

/// One run: its statistics, and whether it stopped at `--max-runs` short of `--precision`.
fn simulate_one(
    runner: &Runner,
    scenario: &Scenario,
    done: &AtomicU64,
) -> Result<(crate::stats::Stats, bool), Failure> {
    let args = runner.args;
    match args.size() {
        RunSize::Runs(runs) => {
            let simulation = Simulation::new(scenario, runs, args.seed, runner.options());
            Ok((simulation.run(0..simulation.batches(), runner.stop(), done)?, false))
        }
        RunSize::Precision(precision) => {
            let simulation = Simulation::new(scenario, precision.max_runs, args.seed, runner.options());
            let precise = simulation.run_until_precise(precision.half_width, runner.stop(), done)?;
            Ok((precise.stats, precise.capped))
        }
    }
}

/// A year, or `after <horizon>`.
fn year_or_after(year: Option<i32>, horizon: i32) -> String {
    year.map_or(format!("after {horizon}"), |y| y.to_string())
}

/// A year, or `>horizon` (in tables).
fn year_cell(year: Option<i32>, horizon: i32) -> String {
    year.map_or(format!(">{horizon}"), |y| y.to_string())
}

fn years(n: i32) -> String {
    if n == 1 { "1 year".to_string() } else { format!("{n} years") }
}

/// The question the command answers, for the report.
fn question(scenario: &Scenario, swing: f64, count: usize, runs: u64) -> String {
    format!(
        "Which parameter of {} matters most for when trade reaches {} {}? {} set {} lower, then {} higher, one \
         at a time, on the same {} paths (common random numbers).",
        scenario.name(),
        format::value(scenario.target_value()),
        scenario.unit(),
        if count == 1 { "Its one parameter swung was".to_string() } else { format!("Each of {count} parameters was") },
        format::share(swing),
        format::share(swing),
        format::grouped(runs as f64, 0),
    )
}

/// The answer in one sentence: the parameter that moves the median year most and by how much
/// (or, when none moves it, the one that moves `prob_reached` most); then, when another one
/// moves `prob_reached` most, a sentence on that one too.
fn answer(scenario: &Scenario, effects: &[Effect], swing: f64) -> String {
    let horizon = scenario.horizon_year();
    let by = format!("±{}", format::share(swing));
    let Some(top) = effects.first() else {
        return "No parameter was swung.".to_string();
    };
    // The first of the largest swings of prob_reached, in the ranked order.
    let top_prob =
        effects.iter().fold(top, |best, e| if e.prob_reached_swing() > best.prob_reached_swing() { e } else { best });
    let prob_sentence = |e: &Effect| {
        format!(
            "{} moves P(reached by {horizon}) the most: {} at {} and {} at {}, against {} at {} as written.",
            e.swing.key,
            format::percent(e.low.prob_reached),
            format::value(e.swing.low),
            format::percent(e.high.prob_reached),
            format::value(e.swing.high),
            format::percent(e.base.prob_reached),
            format::value(e.swing.value),
        )
    };
    let moved = top.median_year_swing(horizon);
    let median = year_or_after(top.base.median_year, horizon);
    if moved > 0 {
        let mut text = format!(
            "With each parameter swung by {by}, {} moves the median year the most, by {}: {} at {} and {} at {}, \
             against {median} at {} as written.",
            top.swing.key,
            years(moved),
            year_or_after(top.low.median_year, horizon),
            format::value(top.swing.low),
            year_or_after(top.high.median_year, horizon),
            format::value(top.swing.high),
            format::value(top.swing.value),
        );
        if !std::ptr::eq(top_prob, top) {
            text = format!("{text} {}", prob_sentence(top_prob));
        }
        text
    } else if top_prob.prob_reached_swing() > 0.0 {
        format!("With each parameter swung by {by}, none moves the median year ({median}); {}", prob_sentence(top_prob))
    } else {
        format!("With each parameter swung by {by}, none moves the median year ({median}) or P(reached by {horizon}).")
    }
}

/// The sides clipped to their valid range, for the caption of the table: `growth.persistence
/// high (0.95)`.
fn clipped(effects: &[Effect]) -> Vec<String> {
    let mut sides = Vec::new();
    for e in effects {
        let s = &e.swing;
        for (clipped, side, value) in [(s.low_clipped, "low", s.low), (s.high_clipped, "high", s.high)] {
            if clipped {
                sides.push(format!("{} {side} ({})", s.key, format::value(value)));
            }
        }
    }
    sides
}

/// The table of results, ranked: `sensitivity.csv` as a person reads it. The base run's figures,
/// the same on every row, are said once in the caption.
fn results_table(scenario: &Scenario, effects: &[Effect], swing: f64) -> Table {
    let horizon = scenario.horizon_year();
    let by_runs = effects.iter().any(|e| e.low.runs != e.base.runs || e.high.runs != e.base.runs);
    let mut header = vec![
        "parameter",
        "low",
        "base",
        "high",
        "median year (low)",
        "median year (high)",
        "swing (years)",
        "P(reached) (low)",
        "P(reached) (high)",
    ];
    if by_runs {
        header.push("runs (low / base / high)");
    }
    let clipped = match clipped(effects)[..] {
        [] => String::new(),
        ref sides => format!(" (clipped: {})", sides.join(", ")),
    };
    let as_written = effects.first().map_or(String::new(), |e| {
        format!(
            " As written: median year {}, P(reached by {horizon}) {}.",
            year_or_after(e.base.median_year, horizon),
            format::percent(e.base.prob_reached)
        )
    });
    let mut table = Table::new(
        format!(
            "Sensitivity (sensitivity.csv), largest swing of the median year first.{as_written} Low, base, high: \
             the parameter times {}, as written, times {}, each clipped to its valid range{clipped}. Swing: the \
             latest minus the earliest median year of the three runs. >{horizon}: not reached by the horizon \
             (counted as {}).",
            format::value(1.0 - swing),
            format::value(1.0 + swing),
            horizon + 1,
        ),
        &header,
    );
    for e in effects {
        let mut row = vec![
            e.swing.key.to_string(),
            format::value(e.swing.low),
            format::value(e.swing.value),
            format::value(e.swing.high),
            year_cell(e.low.median_year, horizon),
            year_cell(e.high.median_year, horizon),
            e.median_year_swing(horizon).to_string(),
            format::percent(e.low.prob_reached),
            format::percent(e.high.prob_reached),
        ];
        if by_runs {
            let runs = [e.low.runs, e.base.runs, e.high.runs].map(|n| format::grouped(n as f64, 0));
            row.push(runs.join(" / "));
        }
        table.rows.push(row);
    }
    table
}

/// The scenario's parameters that were not swung, and why, in the order of the file's tables
/// (each shock's together).
fn left_out_table(scenario: &Scenario, swung: &[Param]) -> Table {
    let mut table = Table::new(
        "Not swung: sensitivity swings every number of the scenario other than 0 that is neither a year nor a \
         whole number (or those listed in --params)",
        &["parameter", "value", "why"],
    );
    let year = "a year: a share of it means nothing";
    let whole = "a whole number: a share of it would have to be rounded";
    let mut rows = vec![["trade.horizon_year".to_string(), scenario.horizon_year().to_string(), year.to_string()]];
    let not_swung = |key: &Key| -> Vec<[String; 3]> {
        sensitivity::parameters(scenario)
            .into_iter()
            .filter(|p| &p.key == key && !swung.iter().any(|s| s.key == p.key))
            .map(|p| {
                let why = if p.value == 0.0 { "0: a share of 0 is 0" } else { "not listed in --params" };
                [p.key.to_string(), format::value(p.value), why.to_string()]
            })
            .collect()
    };
    for key in sensitivity::parameters(scenario).iter().map(|p| &p.key).filter(|k| !matches!(k, Key::Shock { .. })) {
        rows.extend(not_swung(key));
    }
    for shock in scenario.shocks() {
        let key = |field: &str| format!("shocks.{}.{field}", shock.name());
        let shock_key = |field: &'static str| Key::Shock { name: shock.name().to_string(), field };
        rows.extend(not_swung(&shock_key("probability")));
        let starts = if shock.first_year() == shock.last_year() {
            shock.first_year().to_string()
        } else {
            format!("{}–{}", shock.first_year(), shock.last_year())
        };
        rows.push([key("first_year, last_year"), starts, year.to_string()]);
        rows.push([key("max_occurrences"), shock.max_occurrences().to_string(), whole.to_string()]);
        let duration = match shock.duration() {
            Duration::Years(n) => n.to_string(),
            Duration::Between { min, max } => format!("{min}–{max}"),
            Duration::Permanent => "permanent".to_string(),
        };
        rows.push([key("duration"), duration, whole.to_string()]);
        for field in ["level_change", "growth_change", "recovery", "cap_value"] {
            rows.extend(not_swung(&shock_key(field)));
        }
    }
    table.rows = rows.into_iter().map(Vec::from).collect();
    table
}

/// `report.html`: the question and the answer, the ranked table, the tornado, the scenario as
/// written (description, parameters, shocks, what was not swung) and the provenance.
fn report(
    scenario: &Scenario,
    base: &Summary,
    effects: &[Effect],
    params: &[Param],
    args: &SensitivityArgs,
    tornado: String,
    provenance: html::Provenance,
) -> Report {
    let name = scenario.name();
    let mut tables = vec![html::parameters_table(scenario)];
    tables.extend(html::shocks_table(scenario));
    tables.push(left_out_table(scenario, params));
    Report {
        title: format!("tradesim sensitivity: {name}"),
        intro: vec![question(scenario, args.swing, effects.len(), base.runs), answer(scenario, effects, args.swing)],
        tables: vec![results_table(scenario, effects, args.swing)],
        figures: vec![Figure {
            caption: format!(
                "{name}: the median year with each parameter {} lower (blue, upper bar) and higher (orange, lower \
                 bar) than written, largest swing on top (tornado.svg)",
                format::share(args.swing)
            ),
            svg: tornado,
        }],
        sections: vec![Section {
            id: name.to_string(),
            heading: format!("{name}, as written"),
            answer: Some(format!("{}.", html::answer(scenario, base))),
            description: scenario.description().map(str::to_string),
            figures: Vec::new(),
            tables,
        }],
        provenance,
    }
}

/// What the tornado chart draws.
fn tornado_input(scenario: &Scenario, base: &Summary, effects: &[Effect], swing: f64) -> Tornado {
    Tornado {
        scenario: scenario.name().to_string(),
        base_year: scenario.base_year(),
        horizon_year: scenario.horizon_year(),
        runs: base.runs,
        swing,
        median_year_base: base.median_year,
        params: effects
            .iter()
            .map(|e| TornadoParam {
                param: e.swing.key.to_string(),
                low_value: e.swing.low,
                high_value: e.swing.high,
                median_year_low: e.low.median_year,
                median_year_high: e.high.median_year,
            })
            .collect(),
    }
}

/// The table printed on stdout: a heading, a row per parameter (ranked), the answer, and where
/// the files are.
fn terminal(scenario: &Scenario, effects: &[Effect], swing: f64, seed: u64, out: &Path, charts: bool) -> String {
    let horizon = scenario.horizon_year();
    let runs = effects.first().map_or(0, |e| e.base.runs);
    let same_runs = effects.iter().all(|e| e.low.runs == runs && e.high.runs == runs);
    let runs = if same_runs { format!("{runs} runs each") } else { format!("{runs} runs as written") };
    let by = format::share(swing);
    let mut text = format!(
        "tradesim sensitivity: {}, each parameter -{by} (low) and +{by} (high), one at a time; {runs}, seed {seed}\n\n",
        scenario.name()
    );
    let header = ["parameter", "low", "base", "high", "low", "base", "high", "low", "base", "high"];
    let rows: Vec<Vec<String>> = effects
        .iter()
        .map(|e| {
            vec![
                e.swing.key.to_string(),
                format::value(e.swing.low),
                format::value(e.swing.value),
                format::value(e.swing.high),
                year_cell(e.low.median_year, horizon),
                year_cell(e.base.median_year, horizon),
                year_cell(e.high.median_year, horizon),
                format::percent(e.low.prob_reached),
                format::percent(e.base.prob_reached),
                format::percent(e.high.prob_reached),
            ]
        })
        .collect();
    let all: Vec<Vec<String>> = std::iter::once(header.map(String::from).to_vec()).chain(rows).collect();
    let widths = terminal::widths(&all);
    // Group headings over the median years and the probabilities.
    let span = |from: usize, to: usize| widths[from..to].iter().sum::<usize>() + 2 * (to - from - 1);
    let start = |column: usize| widths[..column].iter().sum::<usize>() + 2 * column;
    let mut groups = " ".repeat(start(1));
    let _ = write!(groups, "{:^w$}  ", "value", w = span(1, 4));
    let _ = write!(groups, "{:^w$}  ", "median year", w = span(4, 7));
    let _ = write!(groups, "{:^w$}", format!("P(reached by {horizon})"), w = span(7, 10));
    text += groups.trim_end();
    text += "\n";
    // The parameter is left-aligned, the figures right-aligned.
    text += &terminal::aligned(&all, &[true]);
    let files =
        if charts { "sensitivity.csv, tornado.svg, report.html, run.json" } else { "sensitivity.csv, run.json" };
    let _ = write!(
        text,
        "\n{}\nMedian year: the first year at least half the paths reach {} {}; >{horizon}: not by the horizon.\n\
         Results: {} ({files})\n",
        answer(scenario, effects, swing),
        format::value(scenario.target_value()),
        scenario.unit(),
        out.display(),
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swings_lie_strictly_between_0_and_1() {
        assert_eq!(swing_share("0.2"), Ok(0.2));
        for bad in ["0", "1", "-0.2", "1.5", "x", "nan", "inf"] {
            assert!(swing_share(bad).is_err(), "{bad}");
        }
    }
}
