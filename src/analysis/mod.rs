//! The analyst commands of SPEC §6 beyond a plain run: sweeps over a grid of parameter values
//! ([`vary`], [`sweep`]), comparisons path by path, one-at-a-time sensitivity, and runs that
//! stop when precise enough (§7), all on common random numbers.

pub mod compare;
pub mod sensitivity;
pub mod sweep;
pub mod vary;
