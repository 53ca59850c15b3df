//! The command line of SPEC §4: `tradesim run` and `tradesim validate`, their options, and the
//! pipeline behind them: load and validate every scenario, simulate, write, report.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};

use crate::engine::{self, Interrupted};
use crate::error::InputError;
use crate::export::terminal as report;
use crate::export::{self, RunResult};
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
    #[arg(short = 'n', long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..), allow_negative_numbers = true)]
    pub runs: u64,
    /// Seed of every random stream; the same seed gives the same files
    #[arg(long, default_value_t = 2022, allow_negative_numbers = true)]
    pub seed: u64,
    /// Folder for the CSV files
    #[arg(short, long, default_value = "results")]
    pub out: PathBuf,
    /// Worker threads (default: all cores); never changes the results
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..), allow_negative_numbers = true)]
    pub threads: Option<u64>,
    /// Print nothing on success
    #[arg(short, long)]
    pub quiet: bool,
    /// Go ahead with a run estimated to take more than two minutes, without asking
    #[arg(short = 'y', long)]
    pub yes: bool,
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
            Failure::Interrupted => crate::interrupt::exit_status(),
            Failure::Other(_) => 1,
        }
    }

    /// The lines to print on stderr.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Failure::Input(errors) => errors.iter().map(|e| format!("error: {e}")).collect(),
            Failure::Interrupted => {
                vec!["error: interrupted; files already written are whole, the rest were not written".into()]
            }
            Failure::Other(e) => vec![format!("error: {}", crate::error::one_line(&format!("{e:#}")))],
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
        let message = match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => e.exit(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
                "a command is required: tradesim run [SCENARIO]... or tradesim validate SCENARIO...".to_string()
            }
            // clap spreads one error over several lines (the message, the missing arguments,
            // the usage): keep everything before the usage, on one line.
            _ => {
                let rendered = e.to_string();
                let before_usage: Vec<&str> = rendered
                    .lines()
                    .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
                    .collect();
                let text = before_usage.join(" ");
                text.strip_prefix("error: ").unwrap_or(&text).to_string()
            }
        };
        Failure::Input(vec![InputError::usage(format!("{message} (see tradesim --help)"))])
    })
}

/// Runs a parsed command. `stop` is set by the signal handler to end a run early.
pub fn execute(cli: Cli, stop: &AtomicBool) -> Result<(), Failure> {
    match cli.command {
        Command::Validate { scenarios } => {
            let mut text = String::new();
            for s in scenario::load_all(&scenarios).map_err(Failure::Input)? {
                let (name, shocks) = (s.name(), s.shocks().len());
                text += &format!("ok: {name} ({shocks} shocks, {}-{})\n", s.base_year(), s.horizon_year());
            }
            print_out(&text)
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

fn run(args: &RunArgs, stop: &AtomicBool) -> Result<(), Failure> {
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

/// Writes to standard output without `print!`'s panic on failure: a closed pipe (`| head`)
/// is not an error, since the results are already written; any other failure is (exit 1).
fn print_out(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Other(anyhow::Error::new(e).context("cannot write to standard output")))
        }
        _ => Ok(()),
    }
}
