//! The SVG charts of SPEC §7: pure functions from results to the text of an SVG file, for each
//! scenario of a `run` ([`fan`], [`first_passage`]) and for the analyst commands of SPEC §6
//! ([`sweep`] and [`heatmap`] for `sweep`, [`compare`], [`tornado`] for `sensitivity`), whose
//! results come in the plain input structs below.
//!
//! Every chart has a title naming the scenario, axes labelled with their units (years, the
//! scenario's unit, probabilities in %), a legend above the plot (never on the data), the target
//! as a line wherever a level is plotted and the horizon marked wherever years are, in the
//! Okabe–Ito colours with distinct line styles, so that it reads in colour, in grey print and
//! for colour-blind readers.
//!
//! The bytes depend on the input alone: the drawing is written by our own small SVG writer
//! ([`svg`]) with numbers formatted by our own code ([`format`]), and text widths are estimated
//! from a built-in table of font metrics ([`style`]), not measured with the fonts of the
//! machine. (plotters with only its SVG backend is deterministic too, but it places legends
//! inside the plot, estimates text width from the byte count, rounds every coordinate to a
//! whole pixel and leaves the heat-map labels, the "not reached" zones and the tornado to
//! hand-written drawing anyway.)

mod axis;
pub mod format;
mod layout;
mod style;
mod svg;

mod compare;
mod fan;
mod first_passage;
mod heatmap;
mod sweep;
mod tornado;

pub use compare::compare;
pub use fan::fan;
pub use first_passage::first_passage;
pub use heatmap::heatmap;
pub use sweep::sweep;
pub use tornado::tornado;

/// The results of `tradesim sweep` (SPEC §6.1), as [`sweep`] and [`heatmap`] draw them.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The swept scenario's name.
    pub scenario: String,
    /// The `--vary` keys in the order given (`growth.mean`, ...): the first is the x axis of the
    /// sweep chart (the heat map's columns), the others tell the lines (its rows) apart.
    pub keys: Vec<String>,
    pub base_year: i32,
    pub horizon_year: i32,
    /// Paths per point; with `--precision`, where points may differ, the fewest of any point.
    pub runs: u64,
    /// The most paths of any point (equal to `runs` unless the points differ).
    pub runs_most: u64,
    /// One per grid point, in `sweep.csv` order.
    pub points: Vec<SweepPoint>,
}

/// One grid point of a sweep: a row of `sweep.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// The value of each key, in the order of [`Sweep::keys`].
    pub values: Vec<f64>,
    pub prob_reached: f64,
    /// `None`: not reached by the horizon.
    pub p10_year: Option<i32>,
    pub median_year: Option<i32>,
    pub p90_year: Option<i32>,
}

/// The results of `tradesim compare` (SPEC §6.2), as [`compare`] draws them.
#[derive(Debug, Clone, PartialEq)]
pub struct Compare {
    pub base_year: i32,
    pub horizon_year: i32,
    pub runs: u64,
    pub baseline: Curve,
    /// Each OTHER, in the order given.
    pub others: Vec<CompareOther>,
}

/// One scenario's `prob_reached_by`, one value per year from `base_year` to `horizon_year`.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub scenario: String,
    pub prob_reached_by: Vec<f64>,
}

/// One OTHER of a comparison: its curve and its rows of `delay.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOther {
    pub curve: Curve,
    /// `(o - b, share of paths)` for paths reaching in both, ascending by delay.
    pub delays: Vec<(i32, f64)>,
    /// Shares of paths that reach only in the baseline, only in OTHER, in neither.
    pub baseline_only: f64,
    pub other_only: f64,
    pub neither: f64,
}

/// The results of `tradesim sensitivity` (SPEC §6.3), as [`tornado`] draws them.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub scenario: String,
    pub base_year: i32,
    pub horizon_year: i32,
    pub runs: u64,
    /// The relative swing `S` (0.2 for ±20%).
    pub swing: f64,
    /// The median year of the scenario as written; `None`: not reached by the horizon.
    pub median_year_base: Option<i32>,
    /// One per parameter, in any order (the chart sorts them by swing).
    pub params: Vec<TornadoParam>,
}

/// One row of `sensitivity.csv`, as far as the tornado needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoParam {
    /// The dotted key (`growth.sd`, `shocks.CPC pipeline outage.probability`).
    pub param: String,
    pub low_value: f64,
    pub high_value: f64,
    pub median_year_low: Option<i32>,
    pub median_year_high: Option<i32>,
}

#[cfg(test)]
mod tests;
