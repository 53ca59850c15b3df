//! `tradesim run` (SPEC §4, §5): which scenarios, how many threads, whether to ask before a long
//! run, then simulate each scenario, write its files and print the summary table.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{Failure, RunArgs, print_out};
use crate::engine::{self, Interrupted};
use crate::error::InputError;
use crate::export::terminal as report;
use crate::export::{self, RunResult};
use crate::scenario::{self, Scenario};
use crate::stats::Summary;

/// The scenarios a `run` names, or the library in `./scenarios`, or the built-in baseline.
fn scenarios_to_run(named: &[PathBuf]) -> Result<Vec<Scenario>, Failure> {
    if !named.is_empty() {
        return scenario::load_all(named).map_err(Failure::Input);
    }
    let library = Path::new("scenarios");
    match scenario::library_files(library)? {
        None => Ok(vec![Scenario::builtin_baseline()]),
        Some(files) if files.is_empty() => Err(InputError::in_file(
            "scenarios",
            None,
            "the folder holds no *.toml scenario files; add one or name files on the command line",
        )
        .into()),
        Some(files) => scenario::load_all(&files).map_err(Failure::Input),
    }
}

/// Runs longer than this (estimated) need `--yes` when a person is at the terminal.
const ASK_ABOVE_SECONDS: f64 = 120.0;

/// Runs smaller than this many path-years are never timed in advance (well under a minute).
const ESTIMATE_ABOVE_PATH_YEARS: f64 = 2e9;

/// For a large run, times one batch of each scenario and says how long the whole run will
/// take; asks for `--yes` when that is over two minutes and stdin is a terminal.
fn check_size(
    scenarios: &[Scenario],
    args: &RunArgs,
    pool: &rayon::ThreadPool,
    stop: &AtomicBool,
    options: &engine::Options,
) -> Result<(), Failure> {
    let path_years: f64 = scenarios.iter().map(|s| args.runs as f64 * f64::from(s.years())).sum();
    if path_years < ESTIMATE_ABOVE_PATH_YEARS {
        return Ok(());
    }
    let threads = pool.current_num_threads();
    let mut seconds = 0.0;
    for s in scenarios {
        let sample = args.runs.min(engine::BATCH_PATHS);
        let started = std::time::Instant::now();
        engine::simulate_batches(s, sample, args.seed, 0..1, stop, options)?;
        seconds += started.elapsed().as_secs_f64() / sample as f64 * args.runs as f64 / threads as f64;
    }
    if seconds < ASK_ABOVE_SECONDS {
        return Ok(());
    }
    let estimate = if seconds < 3600.0 {
        format!("about {:.0} minutes", seconds / 60.0)
    } else {
        format!("about {:.1} hours", seconds / 3600.0)
    };
    if args.yes || !std::io::stdin().is_terminal() {
        if !args.quiet {
            eprintln!("note: this run will take {estimate} on {threads} threads");
        }
        return Ok(());
    }
    Err(InputError::usage(format!(
        "this run would take {estimate} on {threads} threads ({} runs x {} scenarios); \
         run again with --yes to go ahead, or lower --runs",
        args.runs,
        scenarios.len()
    ))
    .into())
}

pub(super) fn run(args: &RunArgs, stop: &AtomicBool) -> Result<(), Failure> {
    let scenarios = scenarios_to_run(&args.scenarios)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0) as usize)
        .build()
        .map_err(|e| Failure::Other(anyhow::Error::new(e).context("cannot start worker threads")))?;
    // The processor's instructions, detected once for the whole run.
    let options = engine::Options { backend: engine::Backend::detect(), general_shocks: false };
    check_size(&scenarios, args, &pool, stop, &options)?;
    let batches = 0..engine::batch_count(args.runs);
    let summaries = scenarios
        .iter()
        .map(|s| {
            let stats =
                pool.install(|| engine::simulate_batches(s, args.runs, args.seed, batches.clone(), stop, &options))?;
            Ok(Summary::new(s, &stats))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let results: Vec<RunResult> = scenarios
        .iter()
        .zip(&summaries)
        .map(|(scenario, summary)| RunResult { scenario, summary, seed: args.seed })
        .collect();
    export::write_run(&args.out, &results, stop).map_err(|e| match e.downcast_ref::<Interrupted>() {
        Some(_) => Failure::Interrupted,
        None => Failure::Other(e),
    })?;
    if args.quiet { Ok(()) } else { print_out(&report::render(&results, args.runs, args.seed, &args.out)) }
}
