//! `tradesim run` (SPEC §4, §5): which scenarios, how many threads, whether to ask before a long
//! run, then simulate each scenario, write its files and print the summary table.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

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

/// The worker threads of a run of `runs` paths on `cores` cores: as many as asked for (by
/// default, one per core), but never more than can help: more than the cores only take turns,
/// and more than the batches of paths (each a thread's unit of work) have nothing to do. When
/// a request is capped, also the note that says so.
fn thread_count(requested: Option<u64>, runs: u64, cores: usize) -> (usize, Option<String>) {
    let count = |n: u64, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
    let cores = cores.max(1) as u64;
    let batches = engine::batch_count(runs).max(1);
    let limit = cores.min(batches);
    match requested {
        Some(n) if n > limit => {
            let reason = if batches < cores {
                format!("a run of {runs} paths is {}", count(batches, "batch", "batches"))
            } else {
                count(cores, "core", "cores")
            };
            (limit as usize, Some(format!("note: -j {n} capped at {} ({reason})", count(limit, "thread", "threads"))))
        }
        Some(n) => (n as usize, None),
        None => (limit as usize, None),
    }
}

/// Fails before anything is simulated when `--out`, or the first folder above it that exists,
/// is not a folder: the files could not be written, and the message says why.
fn check_out_folder(out: &Path) -> Result<(), Failure> {
    for dir in out.ancestors().filter(|d| !d.as_os_str().is_empty()) {
        // A path that is not there yet (or not reachable) is left to the writer.
        let Ok(metadata) = std::fs::metadata(dir) else { continue };
        if metadata.is_dir() {
            return Ok(());
        }
        let what = if metadata.is_file() { "is a file, not a folder" } else { "is not a folder" };
        return Err(Failure::Other(anyhow::anyhow!(
            "cannot write the results into {}: {} {what}",
            out.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// Runs longer than this (estimated) need `--yes` when a person is at the terminal.
const ASK_ABOVE_SECONDS: f64 = 120.0;

/// Runs smaller than this many path-years are never timed in advance (well under a minute).
const ESTIMATE_ABOVE_PATH_YEARS: f64 = 2e9;

/// For a large run, times one batch of each scenario and says how long the whole run will
/// take on `threads` threads (those that will really run); asks for `--yes` when that is over
/// two minutes and stdin is a terminal.
fn check_size(
    scenarios: &[Scenario],
    args: &RunArgs,
    threads: usize,
    stop: &AtomicBool,
    options: &engine::Options,
) -> Result<(), Failure> {
    let path_years: f64 = scenarios.iter().map(|s| args.runs as f64 * f64::from(s.years())).sum();
    if path_years < ESTIMATE_ABOVE_PATH_YEARS {
        return Ok(());
    }
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
            note(&format!("note: this run will take {estimate} on {threads} threads"));
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
    let scenarios = scenarios_to_run(&args.scenarios, args.quiet)?;
    if !args.quiet {
        scenarios.iter().flat_map(Scenario::warnings).for_each(|w| note(&format!("warning: {w}")));
    }
    check_out_folder(&args.out)?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let (threads, capped) = thread_count(args.threads, args.runs, cores);
    if let Some(capped) = capped.filter(|_| !args.quiet) {
        note(&capped);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Failure::Other(anyhow::Error::new(e).context("cannot start worker threads")))?;
    // The processor's instructions, detected once for the whole run.
    let options = engine::Options { backend: engine::Backend::detect(), general_shocks: false };
    check_size(&scenarios, args, threads, stop, &options)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_capped_at_the_cores_and_the_batches() {
        let batch = engine::BATCH_PATHS;
        // By default: every core, unless the run has fewer batches; never a note.
        assert_eq!(thread_count(None, 100 * batch, 4), (4, None));
        assert_eq!(thread_count(None, 2 * batch, 4), (2, None));
        assert_eq!(thread_count(None, 1, 4), (1, None));
        // A request within both limits is taken as it is.
        assert_eq!(thread_count(Some(3), 100 * batch, 4), (3, None));
        // Beyond them: capped, with a note naming the limit that binds.
        let capped = |n, runs, cores| thread_count(Some(n), runs, cores);
        assert_eq!(capped(64, 100 * batch, 2), (2, Some("note: -j 64 capped at 2 threads (2 cores)".into())));
        assert_eq!(capped(5, 100 * batch, 1), (1, Some("note: -j 5 capped at 1 thread (1 core)".into())));
        assert_eq!(
            capped(u64::MAX, 10, 2),
            (1, Some(format!("note: -j {} capped at 1 thread (a run of 10 paths is 1 batch)", u64::MAX)))
        );
        assert_eq!(
            capped(8, 3 * batch, 4),
            (3, Some(format!("note: -j 8 capped at 3 threads (a run of {} paths is 3 batches)", 3 * batch)))
        );
        // No cores reported: one thread.
        assert_eq!(thread_count(None, 100 * batch, 0), (1, None));
    }

    #[test]
    fn out_must_be_a_folder_or_not_there_yet() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(check_out_folder(dir.path()).is_ok());
        assert!(check_out_folder(&dir.path().join("new/deeper")).is_ok());
        for out in [file.clone(), file.join("sub")] {
            let Err(Failure::Other(e)) = check_out_folder(&out) else { panic!("{} accepted", out.display()) };
            let expected = format!("{}: {} is a file, not a folder", out.display(), file.display());
            assert!(e.to_string().ends_with(&expected), "{e}");
        }
    }
}
