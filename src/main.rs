//! `tradesim`: parse the command line, run it, and turn the outcome into one `error:` line per
//! problem and the exit status of SPEC §4 (0 success, 1 I/O failure, 2 bad input; 130 or 143
//! when stopped by SIGINT or SIGTERM). The lines go through [`cli::note`], so that an
//! unwritable stderr changes nothing but what is seen.

use std::process::ExitCode;

use tradesim::{cli, interrupt};

fn main() -> ExitCode {
    if let Err(e) = interrupt::install() {
        cli::note(&format!("error: cannot install the SIGINT/SIGTERM handlers: {e}"));
        return ExitCode::from(1);
    }
    let outcome = cli::parse(std::env::args_os()).and_then(|parsed| match parsed {
        Some(cli) => cli::execute(cli, interrupt::flag()),
        None => Ok(()),
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            for line in failure.lines() {
                cli::note(&line);
            }
            ExitCode::from(failure.exit_code())
        }
    }
}
