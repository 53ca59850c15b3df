//! The command line (SPEC §4, §6–8): the commands and their options (clap), how a failure
//! becomes one `error:` line per problem and an exit status, and one module per command
//! pipeline ([`run`]: load and validate every scenario, simulate, write, report).

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};

mod run;

use crate::engine::Interrupted;
use crate::error::InputError;
use crate::scenario;

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
        Command::Run(args) => run::run(&args, stop),
    }
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
