//! The model of SPEC §2, as plain values and formulas: how growth is drawn ([`growth`]), what
//! sanctions and route events do ([`shock`]), the `exp` of lognormal growth ([`exp`]), and one
//! path simulated year by year in the most obvious way ([`reference`]), the oracle the fast
//! engine ([`crate::engine`]) is held to, bit for bit.
//!
//! Everything here is valid by construction (the scenario loader builds it) and the formulas
//! are written once: the engine and the reference path call the same functions, so that they
//! can differ only in how they organise the work.

pub mod bounded;
pub mod exp;
pub mod growth;
pub mod reference;
pub mod shock;

/// `1 +` the lowest effective growth rate, -0.99 (SPEC §2 step 5). The model works with gross
/// rates `1 + r`: a scenario's growth comes out of its distribution in that form (lognormal
/// growth is `exp(..)`), so the floor applies to it there.
pub const GROSS_FLOOR: f64 = 0.01;

/// The highest level a path can take: a ceiling far above any trade series (inputs are at
/// most [`crate::scenario::MAX_VALUE`]) that keeps every value, sum and figure finite even
/// when a scenario's growth would overflow a float.
pub const LEVEL_CEILING: f64 = 1e250;

/// The lowest level a path can take: 50 orders of magnitude below any target (inputs are at
/// least [`crate::scenario::MIN_VALUE`]), so it never changes a first passage, and far above
/// the subnormal floats, whose few digits would defeat the quantile sketch's precision.
pub const LEVEL_FLOOR: f64 = 1e-250;

/// The effective gross growth `1 + g` of SPEC §2 step 5, from the gross base rate plus the
/// active shocks' growth changes: `max(1 + r + changes, 1 - 0.99)`. (A select rather than
/// `f64::max`, as the vector code takes it: no NaN can occur.)
#[inline(always)]
pub fn floored_gross(gross: f64) -> f64 {
    if gross > GROSS_FLOOR { gross } else { GROSS_FLOOR }
}

/// A level held within [[`LEVEL_FLOOR`], `cap`] (SPEC §2 step 7; `cap` is at most
/// [`LEVEL_CEILING`]), as the walk takes it: first the cap, then the floor.
#[inline(always)]
pub fn held_level(level: f64, cap: f64) -> f64 {
    let capped = if level < cap { level } else { cap };
    if capped > LEVEL_FLOOR { capped } else { LEVEL_FLOOR }
}
