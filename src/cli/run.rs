//! `tradesim run` (SPEC §4, §5, §7): which scenarios, then simulate each (to `--runs` paths or a
//! `--precision` target), write its files (CSV, `run.json`, charts and `report.html`) and print
//! the summary table. With `--shard K/M` (SPEC §8), only the shard's slice of each scenario's
//! batches, written as `<name>/partial.tsp` for `tradesim merge`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::simulate::{Runner, check_out_folder, check_size};
use super::{Failure, RunArgs, note, print_out};
use crate::engine::Simulation;
use crate::engine::{self, Interrupted};
use crate::error::InputError;
use crate::export::partial::{self, Partial, Shard};
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
    if let Some(shard) = args.shard {
        return run_shard(&runner, &scenarios, shard, &out);
    }
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

/// `run --shard K/M`: simulates the shard's slice of every scenario's batches, exactly as the
/// whole run draws them, and writes each scenario's partial statistics with the run's
/// provenance (`<name>/partial.tsp`), for `merge` to combine.
///
/// With more shards than the run has batches, some slices are empty: such a shard writes
/// partial statistics of no paths (said on stderr), which the merge counts like any other, so
/// that a script can keep M fixed whatever `--runs` is. The size check before a long run is
/// left out: shards are for schedulers, with no one at a terminal to answer it.
fn run_shard(runner: &Runner, scenarios: &[Scenario], shard: Shard, out: &Path) -> Result<(), Failure> {
    let sim = runner.args;
    let runs = sim.most_runs();
    let batches = shard.batches(runs);
    if batches.is_empty() && !sim.quiet {
        note(&format!(
            "note: shard {shard} has no paths to simulate (a run of {runs} paths is {} batches of {}); \
             it writes empty partial statistics, which the merge needs all the same",
            engine::batch_count(runs),
            engine::BATCH_PATHS
        ));
    }
    let invocation = sim.invocation("run");
    let scenario_count = u32::try_from(scenarios.len())
        .map_err(|_| InputError::usage("too many scenarios for one run (at most 2^32)"))?;
    let mut files = Vec::with_capacity(scenarios.len());
    let mut lines = String::new();
    for (index, s) in scenarios.iter().enumerate() {
        let simulation = Simulation::new(s, runs, sim.seed, runner.options());
        let path_years = shard.paths(runs) as f64 * f64::from(s.years());
        let slice = batches.clone();
        let stats = runner.with_progress(s.name(), slice.end - slice.start, path_years, |done| {
            runner.install(|| simulation.run(slice, runner.stop(), done))
        })?;
        let path = out.join(s.name()).join(partial::FILE_NAME);
        lines += &format!("shard {shard} of {}: {} paths -> {}\n", s.name(), stats.runs(), path.display());
        let partial = Partial {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            seed: sim.seed,
            runs,
            shard,
            scenario_index: index as u32,
            scenario_count,
            charts: !sim.no_charts,
            invocation: invocation.clone(),
            scenario_name: s.name().to_string(),
            scenario_origin: s.source().origin().to_string(),
            scenario_sha256: s.source().sha256().to_string(),
            scenario_text: s.source().text().to_string(),
            stats,
        };
        files.push((path, partial::to_bytes(&partial)));
    }
    written(export::write_files(&files, runner.stop()))?;
    if sim.quiet { Ok(()) } else { print_out(&lines) }
}

/// A failure to write the files: interrupted by a signal, or I/O (exit 1).
pub(super) fn written(outcome: anyhow::Result<()>) -> Result<(), Failure> {
    outcome.map_err(|e| match e.downcast_ref::<Interrupted>() {
        Some(_) => Failure::Interrupted,
        None => Failure::Other(e),
    })
}
