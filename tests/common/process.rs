//! Running the `tradesim` binary the way a user does (SPEC §4): one command builder, running it
//! to completion and capturing everything, the shape of its error lines, and the controls that
//! the fault tests need over a running child (timeouts, signals, reaping on failure, reading
//! its output as it comes, a pseudo-terminal on stdin).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The path of the binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tradesim")
}

/// A `Command` for the binary under test. Stdin is closed (so the binary never sees a terminal,
/// unless run [`under_terminal`]), and a panic prints a backtrace, so tests can tell.
pub fn tradesim() -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("RUST_BACKTRACE", "1").stdin(Stdio::null());
    cmd
}

/// What a finished run of the binary gave.
#[derive(Debug)]
pub struct Outcome {
    /// The exit status; `None` when killed by a signal (e.g. an abort).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The stderr lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

impl From<Output> for Outcome {
    fn from(output: Output) -> Self {
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs `cmd` to the end and captures everything.
pub fn capture(cmd: &mut Command) -> Outcome {
    cmd.output().expect("the command starts").into()
}

/// Runs the binary with `args` in the folder `cwd`, and captures everything.
pub fn run_in(cwd: &Path, args: &[&str]) -> Outcome {
    capture(tradesim().current_dir(cwd).args(args))
}

/// Runs the binary and asserts it succeeded; returns its outcome.
pub fn run_ok(cwd: &Path, args: &[&str]) -> Outcome {
    let outcome = run_in(cwd, args);
    assert_eq!(outcome.code, Some(0), "tradesim {} failed:\n{outcome}", args.join(" "));
    outcome
}

/// Asserts that stderr shows no panic (SPEC §4: errors are lines, never a panic).
pub fn assert_no_panic(outcome: &Outcome, what: &str) {
    for sign in ["panicked", "backtrace", "RUST_BACKTRACE", "thread '"] {
        assert!(!outcome.stderr.contains(sign), "{what}: stderr shows a panic ({sign:?})\n{outcome}");
    }
}

/// Asserts that a run failed as SPEC §4 says: exit status `code`, no panic, and exactly one
/// stderr line, starting with `error: `. Returns the line.
pub fn assert_one_error_line(outcome: &Outcome, code: i32, what: &str) -> String {
    assert_eq!(outcome.code, Some(code), "{what}: expected exit status {code}\n{outcome}");
    assert_no_panic(outcome, what);
    let lines = outcome.stderr_lines();
    assert_eq!(lines.len(), 1, "{what}: expected exactly one error line on stderr\n{outcome}");
    assert!(lines[0].starts_with("error: "), "{what}: the error line must start with 'error: '\n{outcome}");
    lines[0].to_string()
}

/// Starts a command with stdout and stderr piped, to be read and reaped by the test.
pub trait SpawnPiped {
    fn spawn_piped(&mut self) -> Child;
}

impl SpawnPiped for Command {
    fn spawn_piped(&mut self) -> Child {
        self.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
    }
}

/// Sends `signal` (a name such as `INT` or `TERM`) to the process `pid`, with kill(1).
pub fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status().expect("run kill");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// Waits for `child` up to `limit`; `None` if it is still running then.
pub fn wait_for(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Kills a child that a failed assertion would otherwise leave running.
pub struct Reaper(pub Option<Child>);

impl Reaper {
    pub fn child(&mut self) -> &mut Child {
        self.0.as_mut().unwrap()
    }

    /// Waits for the child to end and captures what it wrote to the pipes it was given.
    pub fn output(&mut self) -> Outcome {
        self.0
            .take()
            .expect("the child is waited for once")
            .wait_with_output()
            .expect("the child can be waited for")
            .into()
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut()
            && child.try_wait().ok().flatten().is_none()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads lines from `reader` on a thread; they arrive on the returned channel.
pub fn line_reader(reader: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// `s` quoted for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Whether `script` (util-linux), which provides a pseudo-terminal, is available.
pub fn have_script() -> bool {
    Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Runs `tradesim ARGS` with a terminal on stdin, via `script`. The shell `exec`s tradesim, so
/// it is `script`'s child. The terminal merges stdout and stderr into script's stdout, with
/// CRLF line ends.
pub fn under_terminal(args: &[impl AsRef<str>]) -> Command {
    let command =
        std::iter::once(bin()).chain(args.iter().map(AsRef::as_ref)).map(shell_quote).collect::<Vec<_>>().join(" ");
    let mut c = Command::new("script");
    c.args(["-qec", &format!("exec {command}"), "/dev/null"]).stdin(Stdio::null());
    c
}

/// The pid of `parent`'s only child (Linux /proc).
pub fn child_of(parent: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Runs `cmd` with stdout and stderr piped, for at most `limit`: its outcome, or `Err` saying
/// how long it ran (the child is then killed), so that a hanging binary fails a test instead of
/// stalling it.
pub fn capture_within(cmd: &mut Command, limit: Duration) -> Result<Outcome, String> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the command starts");
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let mut reaper = Reaper(Some(child));
    let status = wait_for(reaper.child(), limit).ok_or_else(|| format!("still running after {limit:?}"))?;
    drop(reaper);
    Ok(Outcome { code: status.code(), stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() })
}

/// `/dev/full` opened for writing (every write fails with "No space left on device"), to hand a
/// child as its stdout or stderr; `None`, with a note on stderr, where there is none.
pub fn dev_full() -> Option<Stdio> {
    match std::fs::OpenOptions::new().write(true).open("/dev/full") {
        Ok(file) => Some(Stdio::from(file)),
        Err(e) => {
            eprintln!("skipped: cannot open /dev/full ({e})");
            None
        }
    }
}
