//! The command line (SPEC §4, §6–8): the commands and their options (clap), how a failure
//! becomes one `error:` line per problem and an exit status, and one module per command
//! pipeline ([`run`]: load and validate every scenario, simulate, write, report).
//!
//! Nothing here writes with `print!` or `eprintln!`, which panic when the stream cannot be
//! written (a panic aborts the release build): results go through [`print_out`], which reports
//! a failure, and notes, warnings and errors through [`note`], which cannot fail.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};

mod compare;
mod merge;
mod run;
mod sensitivity;
mod simulate;
mod sweep;

pub use self::compare::CompareArgs;
pub use self::simulate::SimulationArgs;
pub use self::sweep::SweepArgs;

use crate::calibrate;
use crate::engine::Interrupted;
use crate::error::InputError;
use crate::export::partial::Shard;
use crate::scenario::{self, template};

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
    /// Simulate scenarios and write their results: CSV files, charts, report.html, run.json (with
    /// no SCENARIO: every *.toml in ./scenarios)
    Run(RunArgs),
    /// Check scenario files without simulating them
    Validate {
        /// Scenario files (TOML)
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run a scenario at every point of a grid of parameter values, on common random numbers:
    /// sweep.csv, sweep_first_passage.csv, charts, report.html, run.json
    Sweep(SweepArgs),
    /// Compare scenarios with a baseline path by path, on the same random draws: how often and by
    /// how much each delays or advances the target (comparison.csv, delay.csv, compare.svg,
    /// report.html, run.json)
    Compare(CompareArgs),
    /// Swing each parameter of a scenario down and up by a share, one at a time on common random
    /// numbers, and rank the parameters by how far they move the median year (sensitivity.csv,
    /// tornado.svg, report.html, run.json)
    Sensitivity(sensitivity::SensitivityArgs),
    /// Fit a [growth] table to a history of trade (a year,value CSV) and print it
    Calibrate {
        /// The history: a header row year,value, then consecutive years ascending
        history: PathBuf,
        /// The distribution of the yearly rate to fit
        #[arg(long, value_enum, default_value_t = calibrate::Distribution::Lognormal)]
        distribution: calibrate::Distribution,
    },
    /// Write a commented template scenario to start from (never overwrites a file)
    Init {
        /// Where to write it
        #[arg(default_value = template::DEFAULT_PATH)]
        path: PathBuf,
    },
    /// Combine the partial statistics of a sharded run (each DIR the --out of one `run --shard
    /// K/M`) into the files the whole run writes on one machine
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario files (TOML); default: every *.toml in ./scenarios, or the built-in baseline
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// Simulate only the K-th of M near-equal slices of the run's batches and write
    /// <name>/partial.tsp per scenario for `tradesim merge`, instead of the CSV files (1 <= K <= M)
    #[arg(long, value_name = "K/M", value_parser = shard_of, conflicts_with = "precision", allow_hyphen_values = true)]
    pub shard: Option<Shard>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard folders, each the --out of one `tradesim run --shard K/M` (in any order)
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output folder: the whole run's files
    #[arg(short, long, required = true)]
    pub out: PathBuf,
    /// Print nothing on success
    #[arg(short, long)]
    pub quiet: bool,
    /// Write no charts and no report.html (nor does a merge of shards run with --no-charts)
    #[arg(long)]
    pub no_charts: bool,
}

/// Reads `--shard K/M`: whole numbers with 1 <= K <= M.
fn shard_of(text: &str) -> Result<Shard, String> {
    let bad = || "must be K/M with whole numbers 1 <= K <= M (shard K of M), e.g. 2/8".to_string();
    let (k, m) = text.split_once('/').ok_or_else(bad)?;
    let number = |s: &str| s.parse::<u64>().ok().filter(|_| s.bytes().all(|b| b.is_ascii_digit()));
    match (number(k), number(m)) {
        (Some(k), Some(m)) => Shard::new(k, m).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// Reads a count (`--runs`, `--threads`): SPEC §4 wants an integer >= 1, and the message says so
/// whatever was wrong with the text (`-1`, `0`, `1.5`, `abc`).
pub(crate) fn whole_number_at_least_one(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
            Err(format!("must be a whole number >= 1, at most {}", u64::MAX))
        }
        _ => Err("must be a whole number >= 1".to_string()),
    }
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

/// Parses the arguments. Help and version are printed here, and give `Ok(None)`: nothing more
/// to do (or a failure, when they cannot be written: not a success).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<Cli>, Failure> {
    use clap::error::ErrorKind;
    let e = match Cli::try_parse_from(args) {
        Ok(cli) => return Ok(Some(cli)),
        Err(e) => e,
    };
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // Not `e.exit()`, which ignores a failed write and exits 0.
        return print_out(&e.render().to_string()).map(|()| None);
    }
    Err({
        let message = match e.kind() {
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
                "a command is required: run, validate, sweep, compare, sensitivity, calibrate, init or merge"
                    .to_string()
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
            // Every file gets its line: `ok:` on stdout, or its error on stderr (exit 2).
            let mut text = String::new();
            let mut errors = Vec::new();
            for result in scenario::load_each(&scenarios) {
                match result {
                    Ok(s) => {
                        s.warnings().iter().for_each(|w| note(&format!("warning: {w}")));
                        let shocks = match s.shocks().len() {
                            1 => "1 shock".to_string(),
                            n => format!("{n} shocks"),
                        };
                        text += &format!("ok: {} ({shocks}, {}-{})\n", s.name(), s.base_year(), s.horizon_year());
                    }
                    Err(e) => errors.push(e),
                }
            }
            let written = print_out(&text);
            if errors.is_empty() { written } else { Err(Failure::Input(errors)) }
        }
        Command::Run(args) => run::run(&args, stop),
        Command::Calibrate { history, distribution } => {
            let history = calibrate::load_history(&history)?;
            let (table, warnings) = calibrate::render(&calibrate::calibrate(&history, distribution));
            warnings.iter().for_each(|w| note(&format!("warning: {w}")));
            print_out(&table)
        }
        Command::Init { path } => match template::write_template(&path) {
            Ok(()) => print_out(&format!(
                "wrote {}: edit it, then check it with tradesim validate {} and run it with tradesim run {}\n",
                path.display(),
                path.display(),
                path.display()
            )),
            Err(e @ template::InitError::Io { .. }) => Err(Failure::Other(anyhow::Error::new(e))),
            Err(e) => Err(InputError::usage(e.to_string()).into()),
        },
        Command::Compare(args) => compare::compare(&args, stop),
        Command::Sensitivity(args) => sensitivity::sensitivity(&args, stop),
        Command::Merge(args) => merge::merge(&args, stop),
        Command::Sweep(args) => sweep::sweep(&args, stop),
    }
}

/// Writes one line to standard error, for notes, warnings and errors. A failure is ignored:
/// there is nowhere left to report it, and it must not change what the command does or its exit
/// status.
pub fn note(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}").and_then(|()| stderr.flush());
}

/// Writes to standard output without `print!`'s panic on failure: a closed pipe (`| head`)
/// is not an error, since the results are already written; any other failure is (exit 1).
pub(crate) fn print_out(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Other(anyhow::Error::new(e).context("cannot write to standard output")))
        }
        _ => Ok(()),
    }
}
