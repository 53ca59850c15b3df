//! `tradesim`: parse the command line, run it, and turn the outcome into one `error:` line per
//! problem and the exit status of SPEC §4 (0 success, 1 I/O failure, 2 bad input).

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

static STOP: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    let outcome = tradesim::cli::parse(std::env::args_os())
        .and_then(|cli| tradesim::cli::execute(cli, &STOP));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            for line in failure.lines() {
                eprintln!("{line}");
            }
            ExitCode::from(failure.exit_code())
        }
    }
}
