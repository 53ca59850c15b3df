//! A scenario in the hot loop's terms, fixed for a run: years as simulated-year indices, each
//! shock's factors worked out once, how its occurrences are drawn (in rounds, or one by one)
//! and how its active years reach the walk (as toggles of a table of growth changes and caps,
//! or written year by year).

use crate::engine::walk::{SpanTable, SpanWalk, span_toggle};
use crate::model::LEVEL_CEILING;
use crate::model::shock::Duration;
use crate::random::streams::{self, StreamKey};
use crate::scenario::Scenario;

/// A shock as the hot loop wants it.
pub(crate) struct ShockPlan {
    /// Its place in the file: its index in the statistics.
    pub(crate) index: usize,
    pub(crate) key: StreamKey,
    pub(crate) probability: f64,
    /// `probability` for [`crate::random::streams::ShockStream::start_mask`].
    pub(crate) digits: u64,
    /// Whether the start decision takes a draw (a probability strictly between 0 and 1).
    pub(crate) start_draws: bool,
    /// Whether any draw comes from the shock's stream (start or duration).
    pub(crate) draws: bool,
    pub(crate) first_k: u32,
    pub(crate) last_k: u32,
    pub(crate) max_occurrences: u32,
    pub(crate) duration: Duration,
    pub(crate) start_factor: f64,
    pub(crate) recovery_factor: f64,
    pub(crate) growth_change: f64,
    pub(crate) cap: f64,
    /// How the years it is active reach the walk, if it changes growth or caps the level.
    pub(crate) span: SpanKind,
    /// The most occurrences a path can have, when few enough (at most [`MAX_ROUNDS`]) for
    /// the rounds of `crate::engine::occurrences`; 0 otherwise.
    pub(crate) rounds: u32,
}

/// The most occurrences of a shock that are drawn in rounds.
const MAX_ROUNDS: u32 = 4;

/// How a shock's active years reach the walk.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum SpanKind {
    /// It neither changes growth nor caps the level: only its start and recovery matter.
    None,
    /// A toggle of the effects' `toggles` ([`span_toggle`]): the walk looks up the growth change
    /// and cap of each set of such shocks active at once in a table ([`SpanTable`]).
    Toggled(u64),
    /// Its growth change and cap are written into every active year.
    Written,
}

/// How many shocks' active years can be tracked as toggles: the table has `2^MAX_SPANS`
/// entries, four in a 256-bit vector. A scenario with more shocks that change growth or cap
/// the level writes them all year by year, so that their growth changes are added in file
/// order either way.
pub(crate) const MAX_SPANS: usize = 4;

/// Everything fixed for a run: the scenario in the hot loop's terms.
pub(crate) struct Plan {
    pub(crate) runs: u64,
    pub(crate) years: u32,
    pub(crate) growth_key: StreamKey,
    pub(crate) shocks: Vec<ShockPlan>,
    /// The base and target levels and the table of what each set of toggled shocks does.
    pub(crate) walk: SpanWalk,
    /// Whether any shock is [`SpanKind::Written`].
    pub(crate) written: bool,
}

impl Plan {
    /// The plan of `runs` paths of `scenario` with `seed`. `general`: draw every shock's
    /// occurrences one by one and write every active year (the general way, which the fast
    /// ways are tested against).
    pub(crate) fn new(scenario: &Scenario, runs: u64, seed: u64, general: bool) -> Self {
        let base_year = scenario.base_year();
        let has_span = |s: &crate::model::shock::Shock| {
            s.probability() > 0.0 && (s.growth_change() != 0.0 || s.cap_value().is_some())
        };
        let toggled = !general && scenario.shocks().iter().filter(|s| has_span(s)).count() <= MAX_SPANS;
        let mut spans = Vec::new();
        let shocks: Vec<ShockPlan> = scenario
            .shocks()
            .iter()
            .enumerate()
            .map(|(index, s)| {
                let start_draws = s.probability() > 0.0 && s.probability() < 1.0;
                let cap = s.cap_value().unwrap_or(f64::INFINITY);
                let (first_k, last_k) = ((s.first_year() - base_year) as u32, (s.last_year() - base_year) as u32);
                let span = if !has_span(s) {
                    SpanKind::None
                } else if toggled {
                    let toggle = span_toggle(spans.len());
                    spans.push((s.growth_change(), cap.min(LEVEL_CEILING)));
                    SpanKind::Toggled(toggle)
                } else {
                    SpanKind::Written
                };
                // Each occurrence lasts at least `shortest` years, and starts in the window.
                let window = (last_k + 1).saturating_sub(first_k);
                let most = match s.duration() {
                    Duration::Permanent => 1,
                    Duration::Years(shortest) | Duration::Between { min: shortest, .. } => {
                        s.max_occurrences().min(window.div_ceil(shortest))
                    }
                };
                let in_rounds =
                    scenario.years() < 64 && window > 0 && most <= MAX_ROUNDS && span != SpanKind::Written && !general;
                ShockPlan {
                    index,
                    key: streams::shock_key(seed, s.name()),
                    probability: s.probability(),
                    digits: if start_draws { streams::start_digits(s.probability()) } else { 0 },
                    start_draws,
                    draws: start_draws || matches!(s.duration(), Duration::Between { .. }),
                    first_k,
                    last_k,
                    max_occurrences: s.max_occurrences(),
                    duration: s.duration(),
                    start_factor: 1.0 + s.level_change(),
                    recovery_factor: s.recovery_factor(),
                    growth_change: s.growth_change(),
                    cap,
                    span,
                    rounds: if in_rounds { most } else { 0 },
                }
            })
            .collect();
        Plan {
            runs,
            years: scenario.years(),
            growth_key: streams::growth_key(seed),
            written: shocks.iter().any(|s| s.span == SpanKind::Written),
            shocks,
            walk: SpanWalk {
                base_value: scenario.base_value(),
                target: scenario.target_value(),
                spans: SpanTable::new(&spans),
            },
        }
    }
}
