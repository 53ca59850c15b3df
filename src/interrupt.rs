//! Stopping cleanly on SIGINT or SIGTERM (SPEC §4's exit statuses, extended: 130 and 143).
//!
//! The handlers only record the signal; the engine checks between rounds of batches (a few
//! hundred milliseconds at most) and the writer between files, so a run stops within a second
//! and leaves only whole files behind. Nothing else is done inside the handler.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::signal::{SIGINT, SIGTERM};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static SIGNAL: AtomicUsize = AtomicUsize::new(0);

/// Installs the handlers for SIGINT and SIGTERM.
pub fn install() -> std::io::Result<()> {
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_usize(signal, &SIGNAL, signal as usize)?;
        signal_hook::flag::register(signal, &REQUESTED)?;
    }
    Ok(())
}

/// The flag the engine and the writer poll: set once a signal has arrived.
pub fn flag() -> &'static AtomicBool {
    &REQUESTED
}

/// The exit status for a run stopped by a signal: 128 + the signal's number (130, 143).
pub fn exit_status() -> u8 {
    let signal = SIGNAL.load(Ordering::SeqCst);
    128 + u8::try_from(signal).unwrap_or(2).min(127)
}
