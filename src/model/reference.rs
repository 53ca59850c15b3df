//! One path of SPEC §2, year by year, in the plainest form there is: no lanes, no tables, no
//! vector instructions. It is the oracle: the fast engine ([`crate::engine`]) must give every
//! path exactly the levels and first-passage year this gives it on the same draws (the tests
//! hold it to that, bit for bit), and SPEC §3's expected path is this path with the expected
//! rate every year and no shocks ([`expected_path`]).
//!
//! The arithmetic is the engine's, operation for operation: gross rates `1 + r` as the growth
//! model gives them, growth changes added in file order from 0, the level multiplied by the
//! floored gross rate and then by the year's factors (for each shock in file order: the
//! recovery of an occurrence that ended last year, then the level change of one starting now),
//! then held under the active caps and above the floor.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::model::bounded::{BoundedQuantile, unit_open};
use crate::model::growth::{Ar1, Shape};
use crate::model::shock::{Duration, Shock};
use crate::model::{LEVEL_CEILING, exp, floored_gross, held_level};
use crate::random::streams::{self, PathKey};
use crate::scenario::Scenario;

/// One path: its level in each simulated year and its first-passage year (SPEC §2 step 8).
#[derive(Debug, Clone, PartialEq)]
pub struct PathTrace {
    /// The path's index in its run.
    pub path: u64,
    /// The first year (from the base year on) with a level at or above the target.
    pub first_passage_year: Option<i32>,
    /// `levels[k - 1]` is the level in simulated year `k` (`base_year + k`).
    pub levels: Vec<f64>,
}

/// Path `path` of a run of `scenario` with `seed`, drawing from the path's own streams
/// ([`crate::random::streams`]). (For many paths of one scenario, [`Paths`] builds a bounded
/// distribution's quantile table once.)
pub fn path(scenario: &Scenario, seed: u64, path: u64) -> PathTrace {
    Paths::new(scenario, seed).path(path)
}

/// The paths of a run of one scenario with one seed.
pub struct Paths<'a> {
    scenario: &'a Scenario,
    seed: u64,
    /// The quantile function of bounded growth.
    quantile: Option<BoundedQuantile>,
}

impl<'a> Paths<'a> {
    pub fn new(scenario: &'a Scenario, seed: u64) -> Self {
        Paths { scenario, seed, quantile: scenario.growth().bounded_quantile() }
    }

    /// Path `path`.
    pub fn path(&self, path: u64) -> PathTrace {
        let (scenario, seed) = (self.scenario, self.seed);
        let growth = scenario.growth();
        let key = PathKey::new(path);
        let mut rng = streams::growth_key(seed).growth_rng(key);
        let ar = Ar1::new(growth.persistence());
        // The AR(1) surprise z(k) (step 3): drawn in year order, one normal a year.
        let mut z = 0.0;
        let mut surprise = |k: u32, rng: &mut rand_xoshiro::Xoshiro256PlusPlus| {
            let e: f64 = rng.sample(StandardNormal);
            z = if k == 1 { e } else { ar.next(z, e) };
            z
        };
        // The gross base rate 1 + r(k) (step 4).
        let gross = |k: u32| -> f64 {
            if growth.is_certain() {
                return growth.gross_mean(k);
            }
            match (growth.shape(), &self.quantile) {
                (Shape::Normal { sd }, _) => growth.gross_mean(k) + sd * surprise(k, &mut rng),
                (Shape::Lognormal { sd }, _) => {
                    let (mu, s) = growth.lognormal_parameters(k, sd);
                    exp::exp(s.mul_add(surprise(k, &mut rng), mu))
                }
                (_, Some(quantile)) => quantile.quantile(unit_open(rng.next_u64())) + growth.bounded_shift(k),
                (_, None) => unreachable!("constant growth is certain; bounded growth has a quantile"),
            }
        };
        let trace = walk(scenario, scenario.shocks(), gross, |shock, k, occurrence| {
            let stream = streams::shock_key(seed, shock.name()).shock_stream(key);
            let p = shock.probability();
            let starts = p >= 1.0 || (p > 0.0 && stream.starts(k, streams::start_digits(p)));
            starts.then(|| match shock.duration() {
                Duration::Years(d) => d,
                Duration::Between { min, max } => stream.duration_draw(occurrence, min, max),
                Duration::Permanent => u32::MAX,
            })
        });
        PathTrace { path, ..trace }
    }
}

/// The path of SPEC §3's `expected_path_year`: `r(k) = m(k)` every year, and no shocks.
pub fn expected_path(scenario: &Scenario) -> PathTrace {
    walk(scenario, &[], |k| scenario.growth().gross_mean(k), |_, _, _| None)
}

/// Walks a path of `scenario` with `shocks`, given its gross base rate for each simulated year `k`, and whether an
/// occurrence of a shock that may start in year `k` does, by its number (from 0) among the
/// path's occurrences of that shock: its duration in years if so (`u32::MAX`: permanent).
fn walk(
    scenario: &Scenario,
    shocks: &[Shock],
    mut gross: impl FnMut(u32) -> f64,
    mut starts: impl FnMut(&Shock, u32, u32) -> Option<u32>,
) -> PathTrace {
    /// A shock's state on this path: how many occurrences it has had, and the last year of the
    /// current one.
    #[derive(Clone, Copy)]
    struct State {
        occurrences: u32,
        active_until: Option<u32>,
    }
    let (base_year, years, target) = (scenario.base_year(), scenario.years(), scenario.target_value());
    let mut states = vec![State { occurrences: 0, active_until: None }; shocks.len()];
    let mut level = scenario.base_value();
    let mut first_passage_year = (level >= target).then_some(base_year);
    let mut levels = Vec::with_capacity(years as usize);
    for k in 1..=years {
        let year = base_year + k as i32;
        let (mut factor, mut change, mut cap) = (1.0, 0.0, LEVEL_CEILING);
        for (shock, state) in shocks.iter().zip(&mut states) {
            // An occurrence whose last active year was last year ends: its recovery (step 6).
            if state.active_until == Some(k - 1) {
                factor *= shock.recovery_factor();
                state.active_until = None;
            }
            // Step 1: an occurrence may start.
            let window = shock.first_year() <= year && year <= shock.last_year();
            let may_start = state.active_until.is_none() && state.occurrences < shock.max_occurrences() && window;
            if may_start && let Some(duration) = starts(shock, k, state.occurrences) {
                state.occurrences += 1;
                state.active_until = Some(k.saturating_add(duration - 1).min(years));
                factor *= 1.0 + shock.level_change();
            }
            // Steps 5 and 7: what an active occurrence does this year.
            if state.active_until.is_some() {
                change += shock.growth_change();
                if let Some(c) = shock.cap_value() {
                    cap = if c < cap { c } else { cap };
                }
            }
        }
        level = held_level(level * floored_gross(gross(k) + change) * factor, cap);
        levels.push(level);
        if first_passage_year.is_none() && level >= target {
            first_passage_year = Some(year);
        }
    }
    PathTrace { path: 0, first_passage_year, levels }
}
