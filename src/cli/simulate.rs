//! What every simulating command (`run`, `sweep`, `compare`, `sensitivity`) shares: its options
//! (SPEC §4, §6, §7: runs or a precision target, seed, output folder, threads, quiet, yes, no
//! charts) and a [`Runner`] that holds the thread pool and the back end, simulates a scenario to
//! a number of paths or to a precision target, and shows a progress bar on a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::{Failure, note};
use crate::engine::{self, Options, Simulation};
use crate::error::InputError;
use crate::export::provenance::Invocation;
use crate::scenario::Scenario;
use crate::stats::Stats;

/// The paths per scenario when neither `--runs` nor `--precision` is given (SPEC §4).
pub(crate) const DEFAULT_RUNS: u64 = 100_000;

/// The most paths `--precision` spends on one scenario by default (SPEC §7).
pub(crate) const DEFAULT_MAX_RUNS: u64 = 100_000_000;

/// The options of every simulating command.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulationArgs {
    /// Monte Carlo paths per scenario [default: 100000]
    #[arg(short = 'n', long, value_parser = super::whole_number_at_least_one, allow_negative_numbers = true)]
    pub runs: Option<u64>,
    /// Simulate whole batches of paths until every year's 95% half-width of P(reached by year) is
    /// at most P (0 < P < 0.5), instead of a fixed --runs
    #[arg(long, value_name = "P", value_parser = precision_target, conflicts_with = "runs", allow_negative_numbers = true)]
    pub precision: Option<f64>,
    /// The most paths --precision may spend on one scenario
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RUNS, value_parser = super::whole_number_at_least_one, allow_negative_numbers = true)]
    pub max_runs: u64,
    /// Seed of every random stream; the same seed gives the same files
    #[arg(long, default_value_t = 2022, allow_negative_numbers = true)]
    pub seed: u64,
    /// Output folder
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default and at most: all cores); never changes the results
    #[arg(short = 'j', long, value_parser = super::whole_number_at_least_one, allow_negative_numbers = true)]
    pub threads: Option<u64>,
    /// Print nothing on success
    #[arg(short, long)]
    pub quiet: bool,
    /// Go ahead with a run estimated to take more than two minutes, without asking
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Write no charts and no report.html, only the CSV files and run.json
    #[arg(long)]
    pub no_charts: bool,
}

/// Reads `--precision P`: a number with 0 < P < 0.5 (a half-width of a probability).
fn precision_target(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 0.5 => Ok(p),
        _ => Err("must be a number greater than 0 and less than 0.5 (a 95% half-width, e.g. 0.01)".to_string()),
    }
}

/// How many paths each scenario gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RunSize {
    Runs(u64),
    Precision(engine::Precision),
}

impl SimulationArgs {
    /// `--runs`, or `--precision` with `--max-runs`.
    pub fn size(&self) -> RunSize {
        match self.precision {
            Some(half_width) => RunSize::Precision(engine::Precision { half_width, max_runs: self.max_runs }),
            None => RunSize::Runs(self.runs.unwrap_or(DEFAULT_RUNS)),
        }
    }

    /// The most paths one scenario may take. A precision target is always met by `N >= (1.96 *
    /// 0.5 / P)^2` paths, since `se = sqrt(p (1 - p) / N) <= 0.5 / sqrt(N)`: so no run to a target
    /// takes more whole batches than that, whatever `--max-runs` allows.
    pub fn most_runs(&self) -> u64 {
        match self.size() {
            RunSize::Runs(n) => n,
            RunSize::Precision(p) => {
                let enough = (engine::Z95 * 0.5 / p.half_width).powi(2).ceil() as u64;
                p.max_runs.min(engine::batch_count(enough) * engine::BATCH_PATHS)
            }
        }
    }

    /// `command` with the options that can change a result (SPEC §7), for `run.json`.
    pub fn invocation(&self, command: &str) -> Invocation {
        let invocation = Invocation::new(command);
        let invocation = match self.size() {
            RunSize::Runs(n) => invocation.with("runs", n),
            RunSize::Precision(p) => invocation.with("precision", p.half_width).with("max_runs", p.max_runs),
        };
        invocation.with("seed", self.seed)
    }

    /// The output folder: `--out`, or `default`.
    pub fn out_or(&self, default: impl Into<PathBuf>) -> PathBuf {
        self.out.clone().unwrap_or_else(|| default.into())
    }
}

/// The thread pool, the back end and the options of one command, for all its simulations.
pub struct Runner<'a> {
    pool: rayon::ThreadPool,
    pub threads: usize,
    options: Options,
    pub args: &'a SimulationArgs,
    stop: &'a AtomicBool,
}

impl<'a> Runner<'a> {
    /// A runner for `args`, with at most as many threads as help a run of `most_runs` paths (a
    /// capped `--threads` is said once, unless `--quiet`).
    pub fn new(args: &'a SimulationArgs, stop: &'a AtomicBool) -> Result<Self, Failure> {
        Self::for_runs(args, stop, args.most_runs())
    }

    /// A runner for work of `runs` paths in all (a sweep: all its points together), with at most
    /// as many threads as help it.
    pub fn for_runs(args: &'a SimulationArgs, stop: &'a AtomicBool, runs: u64) -> Result<Self, Failure> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let (threads, capped) = thread_count(args.threads, runs, cores);
        if let Some(capped) = capped.filter(|_| !args.quiet) {
            note(&capped);
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Failure::Other(anyhow::Error::new(e).context("cannot start worker threads")))?;
        // The processor's instructions, detected once for the whole command.
        let options = Options { backend: engine::Backend::detect(), general_shocks: false };
        Ok(Runner { pool, threads, options, args, stop })
    }

    pub fn stop(&self) -> &AtomicBool {
        self.stop
    }

    /// Runs `work` on the command's thread pool.
    pub fn install<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        self.pool.install(work)
    }

    /// The engine's options: the back end detected once.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Simulates `scenario` with the command's seed: `size`'s number of paths, or whole batches
    /// to its precision target (which is said on stderr when it is not met within `--max-runs`;
    /// the statistics have the paths used: [`Stats::runs`]).
    /// `done` counts the batches simulated (for a progress bar).
    pub fn simulate(&self, scenario: &Scenario, size: RunSize, done: &AtomicU64) -> Result<Stats, Failure> {
        let seed = self.args.seed;
        match size {
            RunSize::Runs(runs) => {
                let simulation = Simulation::new(scenario, runs, seed, &self.options);
                Ok(self.install(|| simulation.run(0..simulation.batches(), self.stop, done))?)
            }
            RunSize::Precision(precision) => {
                let simulation = Simulation::new(scenario, precision.max_runs, seed, &self.options);
                let precise = self.install(|| simulation.run_until_precise(precision.half_width, self.stop, done))?;
                if precise.capped && !self.args.quiet {
                    note(&format!(
                        "note: {}: --precision {} not reached within --max-runs {} (the widest 95% half-width is {:.4})",
                        scenario.name(),
                        precision.half_width,
                        precision.max_runs,
                        precise.stats.widest_half_width(engine::Z95),
                    ));
                }
                Ok(precise.stats)
            }
        }
    }

    /// Runs `work` with a progress bar on stderr for `batches` batches (counted in the
    /// `AtomicU64` it is given) when the work is expected to take over a second, stderr is a
    /// terminal and `--quiet` is not given; with no bar otherwise.
    pub fn with_progress<T>(&self, what: &str, batches: u64, path_years: f64, work: impl FnOnce(&AtomicU64) -> T) -> T {
        let done = AtomicU64::new(0);
        let expected_seconds = path_years / (PATH_YEARS_PER_SECOND * self.threads as f64);
        let show = !self.args.quiet && expected_seconds > 1.0 && std::io::stderr().is_terminal();
        if !show {
            return work(&done);
        }
        let bar = indicatif::ProgressBar::new(batches);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% {elapsed_precise} (eta {eta})")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar.set_message(what.to_string());
        let finished = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !finished.load(Ordering::Relaxed) {
                    bar.set_position(done.load(Ordering::Relaxed).min(batches));
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
            let result = work(&done);
            finished.store(true, Ordering::Relaxed);
            bar.finish_and_clear();
            result
        })
    }
}

/// A conservative speed of the engine on one thread, for deciding whether work will take long
/// enough for a progress bar (the bench scenario runs at about 130 million on this machine).
const PATH_YEARS_PER_SECOND: f64 = 60e6;

/// The worker threads of a run of `runs` paths on `cores` cores: as many as asked for (by
/// default, one per core), but never more than can help: more than the cores only take turns,
/// and more than the batches of paths (each a thread's unit of work) have nothing to do. When
/// a request is capped, also the note that says so.
pub(crate) fn thread_count(requested: Option<u64>, runs: u64, cores: usize) -> (usize, Option<String>) {
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

/// Fails before anything is simulated when `out`, or the first folder above it that exists, is
/// not a folder: the files could not be written, and the message says why.
pub(crate) fn check_out_folder(out: &Path) -> Result<(), Failure> {
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

/// Work smaller than this many path-years is never timed in advance (well under a minute).
const ESTIMATE_ABOVE_PATH_YEARS: f64 = 2e9;

/// For large work (`what`: `scenarios`, each to be simulated `times` times with up to `runs` paths),
/// times one batch of each scenario and says how long the whole will take on the threads that
/// will really run; asks for `--yes` when that is over two minutes and stdin is a terminal.
pub(crate) fn check_size(runner: &Runner, what: &str, scenarios: &[&Scenario], times: u64) -> Result<(), Failure> {
    let args = runner.args;
    let runs = args.most_runs();
    let path_years: f64 = scenarios.iter().map(|s| (runs * times) as f64 * f64::from(s.years())).sum();
    if path_years < ESTIMATE_ABOVE_PATH_YEARS {
        return Ok(());
    }
    let threads = runner.threads;
    let mut seconds = 0.0;
    for s in scenarios {
        let sample = runs.min(engine::BATCH_PATHS);
        let started = std::time::Instant::now();
        engine::simulate_batches(s, sample, args.seed, 0..1, runner.stop(), runner.options())?;
        seconds += started.elapsed().as_secs_f64() / sample as f64 * (runs * times) as f64 / threads as f64;
    }
    if seconds < ASK_ABOVE_SECONDS {
        return Ok(());
    }
    let estimate = if seconds < 3600.0 {
        format!("about {:.0} minutes", seconds / 60.0)
    } else {
        format!("about {:.1} hours", seconds / 3600.0)
    };
    let at_most = if args.precision.is_some() { "at most " } else { "" };
    if args.yes || !std::io::stdin().is_terminal() {
        if !args.quiet {
            note(&format!("note: this {what} will take {at_most}{estimate} on {threads} threads"));
        }
        return Ok(());
    }
    Err(InputError::usage(format!(
        "this {what} would take {at_most}{estimate} on {threads} threads ({runs} runs x {} scenarios); \
         run again with --yes to go ahead, or lower --runs",
        scenarios.len() as u64 * times
    ))
    .into())
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

    #[test]
    fn a_precision_target_needs_at_most_the_paths_of_the_widest_case() {
        let args = |precision: f64, max_runs: u64| SimulationArgs {
            runs: None,
            precision: Some(precision),
            max_runs,
            seed: 1,
            out: None,
            threads: None,
            quiet: true,
            yes: false,
            no_charts: false,
        };
        // (0.98 / 0.01)^2 = 9604 paths: two batches.
        assert_eq!(args(0.01, DEFAULT_MAX_RUNS).most_runs(), 2 * engine::BATCH_PATHS);
        assert_eq!(args(0.01, 5000).most_runs(), 5000);
        assert_eq!(args(0.001, DEFAULT_MAX_RUNS).most_runs(), engine::batch_count(960_400) * engine::BATCH_PATHS);
    }

    #[test]
    fn precision_targets_lie_between_0_and_one_half() {
        assert_eq!(precision_target("0.01"), Ok(0.01));
        for bad in ["0", "0.5", "-0.1", "x", "nan", "inf"] {
            assert!(precision_target(bad).is_err(), "{bad}");
        }
    }
}
