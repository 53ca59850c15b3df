//! `tradesim run` (SPEC §4, §5, §7): which scenarios, then simulate each (to `--runs` paths or a
//! `--precision` target), write its files (CSV, `run.json`, charts and `report.html`) and print
//! the summary table.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::simulate::{Runner, check_out_folder, check_size};
use super::{Failure, RunArgs, note, print_out};
use crate::engine::{self, Interrupted};
use crate::error::InputError;
use crate::export::terminal as report;
use crate::export::{self, RunResult};
use crate::scenario::{self, Scenario};
use crate::stats::Summary;

/// The scenarios a `run` names, or the library in `./scenarios`, or the built-in baseline (which
/// is said, unless `quiet`: a run in the wrong folder should not pass for the library's).
fn scenarios_to_run(named: &[PathBuf], quiet: bool) -> Result<Vec<Scenario>, Failure> {
    if !named.is_empty() {
        return scenario::load_all(named).map_err(Failure::Input);
    }
    let library = Path::new("scenarios");
    match scenario::library_files(library)? {
        None => {
            if !quiet {
                note("note: there is no ./scenarios folder here; running the built-in baseline scenario");
            }
            Ok(vec![Scenario::builtin_baseline()])
        }
        Some(files) if files.is_empty() => Err(InputError::in_file(
            "scenarios",
            None,
            "the folder holds no *.toml scenario files; add one or name files on the command line",
        )
        .into()),
        Some(files) => scenario::load_all(&files).map_err(Failure::Input),
    }
}

pub(super) fn run(args: &RunArgs, stop: &AtomicBool) -> Result<(), Failure> {
    let sim = &args.simulation;
    let scenarios = scenarios_to_run(&args.scenarios, sim.quiet)?;
    if !sim.quiet {
        scenarios.iter().flat_map(Scenario::warnings).for_each(|w| note(&format!("warning: {w}")));
    }
    let out = sim.out_or("results");
    check_out_folder(&out)?;
    let runner = Runner::new(sim, stop)?;
    check_size(&runner, "run", &scenarios.iter().collect::<Vec<_>>(), 1)?;
    let summaries = scenarios
        .iter()
        .map(|s| {
            let runs = sim.most_runs();
            let path_years = runs as f64 * f64::from(s.years());
            let stats = runner.with_progress(s.name(), engine::batch_count(runs), path_years, |done| {
                runner.simulate(s, sim.size(), done)
            })?;
            Ok(Summary::new(s, &stats))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let results: Vec<RunResult> = scenarios
        .iter()
        .zip(&summaries)
        .map(|(scenario, summary)| RunResult { scenario, summary, seed: sim.seed })
        .collect();
    let files = export::run_files(&out, &results, &sim.invocation("run"), !sim.no_charts);
    written(export::write_files(&files, stop))?;
    if sim.quiet { Ok(()) } else { print_out(&report::render(&results, sim.seed, &out, !sim.no_charts)) }
}

/// A failure to write the files: interrupted by a signal, or I/O (exit 1).
pub(super) fn written(outcome: anyhow::Result<()>) -> Result<(), Failure> {
    outcome.map_err(|e| match e.downcast_ref::<Interrupted>() {
        Some(_) => Failure::Interrupted,
        None => Failure::Other(e),
    })
}
