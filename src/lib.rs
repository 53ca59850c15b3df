//! tradesim: a Monte Carlo simulator of bilateral trade scenarios. Given a base year's trade, a
//! target and a model of growth and shocks (SPEC.md §1–2), it estimates when the target is
//! reached and how sure we can be (§3), from the command line (§4) into CSV files (§5).
//!
//! The data flow, one module per stage:
//!
//! - [`scenario`]: TOML in, a validated [`scenario::Scenario`] out (§1);
//! - [`model`]: growth, shocks and the plain reference path of one path (§2);
//! - [`random`]: every random number, from streams keyed by seed, name and path;
//! - [`engine`]: all paths, fast, in parallel batches (§2), on the instructions of [`simd`];
//! - [`stats`]: mergeable statistics and the figures of §3;
//! - [`export`]: the CSV files (§5) and the terminal summary;
//! - [`calibrate`]: a `[growth]` table fitted to a history of trade (§6.4);
//! - [`cli`]: the command line (§4), tying them together; [`error`] says what users got wrong
//!   and [`interrupt`] stops cleanly on a signal.

pub mod analysis;
pub mod calibrate;
pub mod cli;
pub mod engine;
pub mod error;
// The exact sum behind the per-year mean (SPEC §3, §8); moves under `stats` when that becomes a folder.
pub mod export;
pub mod interrupt;
pub mod model;
pub mod random;
pub mod scenario;
pub mod simd;
pub mod stats;
