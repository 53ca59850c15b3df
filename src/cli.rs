//! The command line of SPEC §4: `tradesim run` and `tradesim validate`, their options, and the
//! pipeline behind them: load and validate every scenario, simulate, write, report.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};

use crate::engine::{self, Interrupted};
use crate::error::InputError;
use crate::export::{self, RunResult};
use crate::report;
use crate::scenario::{self, Scenario};
use crate::stats::Summary;

#[derive(Debug, Parser)]
#[command(
    name = "tradesim",
    version,
    about = "Monte Carlo simulator of bilateral trade: how many years until trade reaches a target, and how sure we can be"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate scenarios and write CSV results (with no SCENARIO: every *.toml in ./scenarios)
    Run(RunArgs),
    /// Check scenario files without simulating them
    Validate {
        /// Scenario files (TOML)
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario files (TOML); default: every *.toml in ./scenarios, or the built-in baseline
    pub scenarios: Vec<PathBuf>,
    /// Monte Carlo paths per scenario
    #[arg(short = 'n', long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
    /// Seed of every random stream; the same seed gives the same files
    #[arg(long, default_value_t = 2022)]
    pub seed: u64,
    /// Folder for the CSV files
    #[arg(short, long, default_value = "results")]
    pub out: PathBuf,
    /// Worker threads (default: all cores); never changes the results
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub threads: Option<u64>,
    /// Print nothing on success
    #[arg(short, long)]
    pub quiet: bool,
}

/// Why a command failed, and so its exit status.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or scenario files: exit 2, one line per error.
    Input(Vec<InputError>),
    /// Stopped by a signal: exit 128 + the signal number.
    Interrupted,
    /// Anything else (I/O): exit 1.
    Other(anyhow::Error),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Input(_) => 2,
            Failure::Interrupted => 130,
            Failure::Other(_) => 1,
        }
    }

    /// The lines to print on stderr.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Failure::Input(errors) => errors.iter().map(|e| format!("error: {e}")).collect(),
            Failure::Interrupted => {
                vec!["error: interrupted; no results were written for unfinished scenarios".into()]
            }
            Failure::Other(e) => vec![format!(
                "error: {}",
                crate::error::one_line(&format!("{e:#}"))
            )],
        }
    }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(vec![e])
    }
}

impl From<Interrupted> for Failure {
    fn from(_: Interrupted) -> Self {
        Failure::Interrupted
    }
}

/// Parses the arguments; help and version are printed here and end the process with status 0.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, Failure> {
    Cli::try_parse_from(args).map_err(|e| {
        use clap::error::ErrorKind;
        match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => e.exit(),
            _ => {
                let rendered = e.to_string();
                let first = rendered.lines().next().unwrap_or("invalid arguments");
                let message = first.strip_prefix("error: ").unwrap_or(first);
                Failure::Input(vec![InputError::usage(format!(
                    "{message} (see tradesim --help)"
                ))])
            }
        }
    })
}

/// Runs a parsed command. `stop` is set by the signal handler to end a run early.
pub fn execute(cli: Cli, stop: &AtomicBool) -> Result<(), Failure> {
    match cli.command {
        Command::Validate { scenarios } => {
            for s in scenario::load_all(&scenarios).map_err(Failure::Input)? {
                println!(
                    "ok: {} ({} shocks, {}-{})",
                    s.name(),
                    s.shocks().len(),
                    s.base_year(),
                    s.horizon_year()
                );
            }
            Ok(())
        }
        Command::Run(args) => run(&args, stop),
    }
}

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

fn run(args: &RunArgs, stop: &AtomicBool) -> Result<(), Failure> {
    let scenarios = scenarios_to_run(&args.scenarios)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0) as usize)
        .build()
        .map_err(|e| {
            Failure::Other(anyhow::Error::new(e).context("cannot start worker threads"))
        })?;
    let summaries = scenarios
        .iter()
        .map(|s| {
            let stats = pool.install(|| {
                engine::simulate_batches(
                    s,
                    args.runs,
                    args.seed,
                    0..engine::batch_count(args.runs),
                    stop,
                )
            })?;
            Ok(Summary::new(s, &stats))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let results: Vec<RunResult> = scenarios
        .iter()
        .zip(&summaries)
        .map(|(scenario, summary)| RunResult {
            scenario,
            summary,
            seed: args.seed,
        })
        .collect();
    export::write_run(&args.out, &results).map_err(Failure::Other)?;
    if !args.quiet {
        print!(
            "{}",
            report::render(&results, args.runs, args.seed, &args.out)
        );
    }
    Ok(())
}
