//! tradesim: a Monte Carlo simulator of bilateral trade scenarios. Given a base year's trade, a
//! target and a model of growth and shocks (SPEC.md §1–2), it estimates when the target is
//! reached and how sure we can be (§3), from the command line (§4) into CSV files (§5).
//!
//! The pipeline, one module per concern: [`scenario`] parses and validates TOML into model
//! objects ([`growth`], [`shock`]); [`engine`] simulates paths with randomness from [`streams`]
//! (four paths' normals at once through [`normals`], lognormal growth through [`fastexp`]) into
//! mergeable [`stats`] (value quantiles via [`sketch`]); [`export`] writes the CSV files and
//! [`report`] the terminal summary; [`cli`] ties them together, [`error`] says what users got
//! wrong and [`interrupt`] stops cleanly on a signal.

#[path = "model/bounded.rs"]
pub mod bounded;
pub mod cli;
pub mod engine;
pub mod error;
pub mod export;
pub mod fastexp;
pub mod growth;
pub mod interrupt;
pub mod normals;
pub mod report;
pub mod scenario;
pub mod shock;
pub mod sketch;
pub mod stats;
pub mod streams;
