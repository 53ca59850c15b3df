//! Property tests of the model and its statistics (SPEC §1–3) on generated scenarios.
//!
//! Scenario *texts* are generated (every distribution, fades, persistence, shocks with every
//! field form, horizons of 1 to 200 years, values across [1e-200, 1e200]), parsed through the
//! public loader, simulated through the public engine, and checked for:
//!
//! - sanity of every figure (finite, probabilities in [0, 1], ordered quantiles, ...);
//! - monotonicity in the growth mean, where it holds path by path (see [`raised`]);
//! - reproducibility, and independence from the size of the thread pool;
//! - common random numbers path by path (SPEC §6): a renamed copy, an added shock that never
//!   starts and a raised growth mean (never a later first passage).
//!
//! Cases and paths are kept small so the whole file runs in a few seconds.

mod common;

use std::fmt::Write as _;

use proptest::prelude::*;

use common::{proptest_rng_seed, scenario, summarize, trade_scenario};
use tradesim::engine::{self, Backend, Options};
use tradesim::model::reference;
use tradesim::scenario::{MAX_VALUE, MIN_VALUE, Scenario};
use tradesim::stats::Summary;

// ---------------------------------------------------------------------------------------------
// Scenario descriptions and their TOML text
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Dist {
    Constant { mean: f64 },
    Normal { mean: f64, sd: f64, persistence: Option<f64> },
    Lognormal { mean: f64, sd: f64, persistence: Option<f64> },
    Triangular { min: f64, mode: f64, max: f64 },
    Pert { min: f64, mode: f64, max: f64 },
    Uniform { min: f64, max: f64 },
}

#[derive(Debug, Clone)]
enum Timing {
    /// `probability`, with optional `first_year` / `last_year` (as offsets from the base year).
    Window { probability: f64, first: Option<i64>, last: Option<i64> },
    /// `year` shorthand (offset from the base year), with an optional `probability`.
    Year { year: i64, probability: Option<f64> },
}

#[derive(Debug, Clone)]
enum DurationForm {
    Years(i64),
    Between(i64, i64),
    Permanent,
}

#[derive(Debug, Clone)]
struct ShockSpec {
    kind: Option<&'static str>,
    timing: Timing,
    max_occurrences: Option<i64>,
    duration: Option<DurationForm>,
    level_change: Option<f64>,
    growth_change: Option<f64>,
    recovery: Option<f64>,
    /// A multiple of the base value.
    cap_factor: Option<f64>,
}

#[derive(Debug, Clone)]
struct Spec {
    base_year: i64,
    years: i64,
    /// As written in the file (a decimal with an exponent), so the value is exactly that text.
    base_value: String,
    target_value: String,
    dist: Dist,
    long_run_mean: Option<f64>,
    half_life: Option<f64>,
    shocks: Vec<ShockSpec>,
}

/// A float as TOML: Rust's `{:?}` is the shortest round-trip form and always a valid TOML float
/// (`0.5`, `3.0`, `1e-7`, `1e200`).
fn f(x: f64) -> String {
    assert!(x.is_finite());
    format!("{x:?}")
}

impl Spec {
    fn base(&self) -> f64 {
        self.base_value.parse().unwrap()
    }

    fn toml(&self) -> String {
        let mut t = String::new();
        writeln!(t, "name = \"prop\"\ndescription = \"generated\"\n").unwrap();
        writeln!(t, "[trade]").unwrap();
        writeln!(t, "base_year = {}", self.base_year).unwrap();
        writeln!(t, "base_value = {}", self.base_value).unwrap();
        writeln!(t, "target_value = {}", self.target_value).unwrap();
        writeln!(t, "horizon_year = {}", self.base_year + self.years).unwrap();
        writeln!(t, "unit = \"units\"\n").unwrap();
        writeln!(t, "[growth]").unwrap();
        let persistence = |t: &mut String, p: &Option<f64>| {
            if let Some(p) = p {
                writeln!(t, "persistence = {}", f(*p)).unwrap();
            }
        };
        match &self.dist {
            Dist::Constant { mean } => writeln!(t, "distribution = \"constant\"\nmean = {}", f(*mean)).unwrap(),
            Dist::Normal { mean, sd, persistence: p } => {
                writeln!(t, "distribution = \"normal\"\nmean = {}\nsd = {}", f(*mean), f(*sd)).unwrap();
                persistence(&mut t, p);
            }
            Dist::Lognormal { mean, sd, persistence: p } => {
                // Half the time rely on the default distribution (lognormal).
                if mean.to_bits() % 2 == 0 {
                    writeln!(t, "distribution = \"lognormal\"").unwrap();
                }
                writeln!(t, "mean = {}\nsd = {}", f(*mean), f(*sd)).unwrap();
                persistence(&mut t, p);
            }
            Dist::Triangular { min, mode, max } => {
                writeln!(t, "distribution = \"triangular\"\nmin = {}\nmode = {}\nmax = {}", f(*min), f(*mode), f(*max))
                    .unwrap()
            }
            Dist::Pert { min, mode, max } => {
                writeln!(t, "distribution = \"pert\"\nmin = {}\nmode = {}\nmax = {}", f(*min), f(*mode), f(*max))
                    .unwrap()
            }
            Dist::Uniform { min, max } => {
                writeln!(t, "distribution = \"uniform\"\nmin = {}\nmax = {}", f(*min), f(*max)).unwrap()
            }
        }
        if let Some(l) = self.long_run_mean {
            writeln!(t, "long_run_mean = {}", f(l)).unwrap();
        }
        if let Some(h) = self.half_life {
            writeln!(t, "half_life = {}", f(h)).unwrap();
        }
        for (i, s) in self.shocks.iter().enumerate() {
            // Names with spaces and punctuation: they are CSV cells and stream keys.
            writeln!(t, "\n[[shocks]]\nname = \"shock {i}, \\\"quoted\\\"\"").unwrap();
            if let Some(k) = s.kind {
                writeln!(t, "kind = \"{k}\"").unwrap();
            }
            match &s.timing {
                Timing::Window { probability, first, last } => {
                    writeln!(t, "probability = {}", f(*probability)).unwrap();
                    if let Some(a) = first {
                        writeln!(t, "first_year = {}", self.base_year + a).unwrap();
                    }
                    if let Some(b) = last {
                        writeln!(t, "last_year = {}", self.base_year + b).unwrap();
                    }
                }
                Timing::Year { year, probability } => {
                    writeln!(t, "year = {}", self.base_year + year).unwrap();
                    if let Some(p) = probability {
                        writeln!(t, "probability = {}", f(*p)).unwrap();
                    }
                }
            }
            if let Some(n) = s.max_occurrences {
                writeln!(t, "max_occurrences = {n}").unwrap();
            }
            match &s.duration {
                None => {}
                Some(DurationForm::Years(d)) => writeln!(t, "duration = {d}").unwrap(),
                Some(DurationForm::Between(a, b)) => writeln!(t, "duration = {{ min = {a}, max = {b} }}").unwrap(),
                Some(DurationForm::Permanent) => writeln!(t, "duration = \"permanent\"").unwrap(),
            }
            if let Some(x) = s.level_change {
                writeln!(t, "level_change = {}", f(x)).unwrap();
            }
            if let Some(x) = s.growth_change {
                writeln!(t, "growth_change = {}", f(x)).unwrap();
            }
            if let Some(x) = s.recovery {
                writeln!(t, "recovery = {}", f(x)).unwrap();
            }
            if let Some(c) = s.cap_factor {
                let cap = self.base() * c;
                if (MIN_VALUE..=MAX_VALUE).contains(&cap) {
                    writeln!(t, "cap_value = {}", f(cap)).unwrap();
                }
            }
        }
        t
    }

    fn scenario(&self) -> Scenario {
        scenario(&self.toml(), "generated.toml")
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// A value `m e x` with `m` in [1, 10) (three decimals) and `x` chosen so that the value lies
/// in [1e-200, 1e200]; returned as text and exponent.
fn value_text(exponent: i32, mantissa_thousandths: u32) -> String {
    let m = 1.0 + f64::from(mantissa_thousandths) / 1000.0;
    format!("{m:?}e{exponent}")
}

/// Base value and target value texts. Mostly the target sits within a few orders of magnitude
/// of the base (so that reaching it is uncertain); sometimes both are anywhere in range.
fn values() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        3 => (-200i32..=199, 0u32..9000, -2i32..=4, 0u32..9000).prop_map(|(e, m, gap, m2)| {
            let te = (e + gap).clamp(-200, 199);
            (value_text(e, m), value_text(te, m2))
        }),
        1 => (-200i32..=199, 0u32..9000, -200i32..=199, 0u32..9000)
            .prop_map(|(e, m, e2, m2)| (value_text(e, m), value_text(e2, m2))),
        1 => Just(("1e-200".to_string(), "1e200".to_string())),
        1 => Just(("1e200".to_string(), "1e-200".to_string())),
    ]
}

/// A growth mean: mostly ordinary rates, sometimes extreme ones (near -1, or huge).
fn mean() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -0.5f64..1.0,
        1 => -0.999_999f64..-0.9,
        1 => 1.0f64..50.0,
        1 => Just(-0.98),
    ]
}

fn sd() -> impl Strategy<Value = f64> {
    prop_oneof![4 => 0.0f64..0.6, 1 => Just(0.0), 1 => 0.6f64..20.0]
}

fn persistence() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![2 => Just(None), 1 => Just(Some(0.0)), 2 => (0.0f64..0.99).prop_map(Some)]
}

/// A dyadic rational `i / 1024`: sums and differences of these (and of the shifts in
/// [`raised`]) are exact in floating point.
fn dyadic(lo: i32, hi: i32) -> impl Strategy<Value = f64> {
    (lo..hi).prop_map(|i| f64::from(i) / 1024.0)
}

/// min < max and min <= mode <= max, dyadic, rates mostly between -0.9 and +1.
fn three_point() -> impl Strategy<Value = (f64, f64, f64)> {
    (dyadic(-900, 900), 1i32..1200, 0u32..=1000).prop_map(|(min, width, at)| {
        let max = min + f64::from(width) / 1024.0;
        // mode at a dyadic point of [min, max] (including both ends).
        let steps = width as u32;
        let mode = min + f64::from(at * steps / 1000) / 1024.0;
        (min, mode, max)
    })
}

fn dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        mean().prop_map(|mean| Dist::Constant { mean }),
        (mean(), sd(), persistence()).prop_map(|(mean, sd, persistence)| Dist::Normal { mean, sd, persistence }),
        (mean(), sd(), persistence()).prop_map(|(mean, sd, persistence)| Dist::Lognormal { mean, sd, persistence }),
        three_point().prop_map(|(min, mode, max)| Dist::Triangular { min, mode, max }),
        three_point().prop_map(|(min, mode, max)| Dist::Pert { min, mode, max }),
        three_point().prop_map(|(min, _, max)| Dist::Uniform { min, max }),
    ]
}

/// `(long_run_mean, half_life)`: no fade, a half-life alone (allowed, no effect), or a fade.
fn fade() -> impl Strategy<Value = (Option<f64>, Option<f64>)> {
    prop_oneof![
        2 => Just((None, None)),
        1 => (0.05f64..40.0).prop_map(|h| (None, Some(h))),
        3 => (dyadic(-900, 1024), prop_oneof![0.05f64..40.0, Just(1.0), Just(1e-3)])
            .prop_map(|(l, h)| (Some(l), Some(h))),
    ]
}

fn shock(years: i64) -> impl Strategy<Value = ShockSpec> {
    let probability = prop_oneof![3 => 0.0f64..=1.0, 1 => Just(0.0), 1 => Just(1.0), 1 => 0.0f64..0.05];
    let timing = prop_oneof![
        2 => (probability.clone(), proptest::option::of(1..=years), proptest::option::of(1..=years)).prop_map(
            move |(probability, a, b)| {
                // first <= last, both within the simulated years; absent keys take the defaults.
                let (first, last) = match (a, b) {
                    (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                    other => other,
                };
                Timing::Window { probability, first, last }
            }
        ),
        1 => (1..=years, proptest::option::of(probability)).prop_map(|(year, probability)| Timing::Year { year, probability }),
    ];
    let duration = proptest::option::of(prop_oneof![
        (1i64..=12).prop_map(DurationForm::Years),
        Just(DurationForm::Years(4_294_967_295)),
        (1i64..=6, 0i64..=10).prop_map(|(a, extra)| DurationForm::Between(a, a + extra)),
        Just(DurationForm::Permanent),
    ]);
    let level_change = proptest::option::of(prop_oneof![
        4 => -0.9f64..2.0,
        1 => Just(-0.999_999),
        1 => Just(1e6),
    ]);
    (
        proptest::option::of(prop_oneof![Just("sanction"), Just("route"), Just("other")]),
        timing,
        proptest::option::of(prop_oneof![1i64..=4, Just(1_000_000)]),
        duration,
        level_change,
        proptest::option::of(-0.6f64..0.6),
        proptest::option::of(0.0f64..=1.0),
        proptest::option::of(prop_oneof![0.1f64..20.0, Just(1.0)]),
    )
        .prop_map(
            |(kind, timing, max_occurrences, duration, level_change, growth_change, recovery, cap_factor)| ShockSpec {
                kind,
                timing,
                max_occurrences,
                duration,
                level_change,
                growth_change,
                recovery,
                cap_factor,
            },
        )
}

fn horizon() -> impl Strategy<Value = i64> {
    prop_oneof![3 => 1i64..=40, 1 => 41i64..=200, 1 => Just(1i64), 1 => Just(200i64)]
}

fn base_year() -> impl Strategy<Value = i64> {
    prop_oneof![4 => 1990i64..=2030, 1 => -1_000_000i64..=999_800]
}

/// Assembles a spec from its parts, with up to three shocks; shocks depend on the horizon.
fn spec_with(dist: impl Strategy<Value = Dist>) -> impl Strategy<Value = Spec> {
    spec_with_shocks(dist, 3)
}

/// [`spec_with`], with up to `most` shocks.
fn spec_with_shocks(dist: impl Strategy<Value = Dist>, most: usize) -> impl Strategy<Value = Spec> {
    (base_year(), horizon(), values(), dist, fade()).prop_flat_map(move |(base_year, years, (bv, tv), dist, fade)| {
        proptest::collection::vec(shock(years), 0..=most).prop_map(move |shocks| Spec {
            base_year,
            years,
            base_value: bv.clone(),
            target_value: tv.clone(),
            dist: dist.clone(),
            long_run_mean: fade.0,
            half_life: fade.1,
            shocks,
        })
    })
}

fn spec() -> impl Strategy<Value = Spec> {
    spec_with(dist())
}

fn runs() -> impl Strategy<Value = u64> {
    prop_oneof![500u64..=2000, Just(1u64), Just(2u64)]
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

fn prob(name: &str, year: i32, p: f64) -> Result<(), TestCaseError> {
    prop_assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{name} in {year} is {p}, not a probability");
    Ok(())
}

/// SPEC §3: a value quantile is within 0.1% of an order statistic of the year's values. Tested
/// against the exact figures of the same year, whatever rank convention is used (the slack
/// `1/n` covers the difference between conventions):
///
/// - at least a share `1 - q` of the values are >= the q-quantile, and values are >= 0, so
///   `mean >= (1 - q) * quantile` (Markov's inequality on the sample);
/// - a quantile clearly at or above the target means at least `1 - q` of the paths are there,
///   and one clearly below it means at most `1 - q` are (`prob_at_or_above_target` is exact).
fn check_quantiles_against_exact_figures(
    row: &tradesim::stats::TrajectoryRow,
    runs: u64,
    target: f64,
) -> Result<(), TestCaseError> {
    let n = runs as f64;
    for (&q, &value) in [0.05, 0.25, 0.5, 0.75, 0.95].iter().zip(&row.quantiles) {
        let share_above = 1.0 - q - 1.0 / n;
        prop_assert!(
            row.mean * 1.0011 >= share_above * value,
            "in {} the p{:02} value {:e} cannot be within 0.1% of the sample quantile: the mean is only {:e} \
             (so fewer than {:.1}% of the paths can be that high); quantiles {:?}",
            row.year,
            (q * 100.0) as u32,
            value,
            row.mean,
            100.0 * share_above,
            row.quantiles
        );
        let p = row.prob_at_or_above_target;
        if value >= target * 1.0011 {
            prop_assert!(
                p >= share_above - 1e-12,
                "in {} p{:02} = {:e} is above the target {:e} but only {} of the paths are at or above it",
                row.year,
                (q * 100.0) as u32,
                value,
                target,
                p
            );
        }
        if value <= target * 0.9989 {
            prop_assert!(
                p <= 1.0 - q + 1.0 / n + 1e-12,
                "in {} p{:02} = {:e} is below the target {:e} but {} of the paths are at or above it",
                row.year,
                (q * 100.0) as u32,
                value,
                target,
                p
            );
        }
    }
    Ok(())
}

/// Property (a): every figure is finite and consistent with the others.
fn check_sane(spec: &Spec, scenario: &Scenario, s: &Summary, runs: u64) -> Result<(), TestCaseError> {
    let years = spec.years as usize;
    let base_year = spec.base_year as i32;
    prop_assert_eq!(s.runs, runs);
    prop_assert_eq!(s.first_passage.len(), years + 1);
    prop_assert_eq!(s.trajectory.len(), years + 1);
    prop_assert_eq!(s.shocks.len(), years * spec.shocks.len());
    prob("prob_reached", base_year, s.prob_reached)?;
    prop_assert!(s.prob_reached_se.is_finite() && s.prob_reached_se >= 0.0);

    // First passage: probabilities, monotone cumulative share, sums.
    let mut previous = 0.0;
    let mut sum_first = 0.0;
    for (j, row) in s.first_passage.iter().enumerate() {
        prop_assert_eq!(row.year, base_year + j as i32);
        prob("prob_first", row.year, row.prob_first)?;
        prob("prob_reached_by", row.year, row.prob_reached_by)?;
        prop_assert!(row.prob_reached_by_se.is_finite() && row.prob_reached_by_se >= 0.0);
        prop_assert!(
            row.prob_reached_by >= previous,
            "prob_reached_by falls from {} to {} in {}",
            previous,
            row.prob_reached_by,
            row.year
        );
        previous = row.prob_reached_by;
        sum_first += row.prob_first;
        prop_assert!(
            (sum_first - row.prob_reached_by).abs() <= 1e-9,
            "prob_first summed to {} is {sum_first}, prob_reached_by is {}",
            row.year,
            row.prob_reached_by
        );
    }
    prop_assert!(
        (sum_first - s.prob_reached).abs() <= 1e-9,
        "prob_first sums to {sum_first}, prob_reached is {}",
        s.prob_reached
    );
    prop_assert_eq!(s.first_passage.last().unwrap().prob_reached_by, s.prob_reached);
    // The base year: reached there exactly when base_value >= target_value.
    let base_reached = if spec.base() >= spec.target_value.parse::<f64>().unwrap() { 1.0 } else { 0.0 };
    prop_assert_eq!(s.first_passage[0].prob_first, base_reached);

    // Year quantiles: the smallest year with prob_reached_by >= q (counts compared exactly).
    let count = |p: f64| (p * runs as f64).round() as u64;
    for (q_num, q_den, got) in [(1u64, 10u64, s.p10_year), (1, 2, s.median_year), (9, 10, s.p90_year)] {
        let expected = s
            .first_passage
            .iter()
            .find(|r| u128::from(count(r.prob_reached_by)) * u128::from(q_den) >= u128::from(runs) * u128::from(q_num))
            .map(|r| r.year);
        prop_assert_eq!(got, expected, "year quantile {}/{}", q_num, q_den);
    }
    if let (Some(a), Some(b)) = (s.p10_year, s.median_year) {
        prop_assert!(a <= b);
    }
    if let (Some(a), Some(b)) = (s.median_year, s.p90_year) {
        prop_assert!(a <= b);
    }
    prop_assert_eq!(s.expected_path_year, scenario.expected_path_year());

    // Trajectory.
    for (j, row) in s.trajectory.iter().enumerate() {
        prop_assert_eq!(row.year, base_year + j as i32);
        prop_assert!(row.mean.is_finite() && row.mean >= 0.0, "mean {} in {}", row.mean, row.year);
        for q in row.quantiles {
            prop_assert!(q.is_finite() && q >= 0.0, "quantile {} in {}", q, row.year);
        }
        let q = row.quantiles;
        prop_assert!(
            q[0] <= q[1] && q[1] <= q[2] && q[2] <= q[3] && q[3] <= q[4],
            "quantiles out of order in {}: {:?}",
            row.year,
            q
        );
        prob("prob_at_or_above_target", row.year, row.prob_at_or_above_target)?;
        if j > 0 {
            check_quantiles_against_exact_figures(row, s.runs, spec.target_value.parse().unwrap())?;
        }
        // A path at or above the target in year y has reached it by y.
        prop_assert!(
            row.prob_at_or_above_target <= s.first_passage[j].prob_reached_by,
            "in {} prob_at_or_above_target {} > prob_reached_by {}",
            row.year,
            row.prob_at_or_above_target,
            s.first_passage[j].prob_reached_by
        );
    }
    let first = &s.trajectory[0];
    prop_assert_eq!(first.mean, spec.base());
    prop_assert_eq!(first.quantiles, [spec.base(); 5]);

    // Shocks: year-major, file order; started implies active; windows and occurrence limits.
    let n = spec.shocks.len();
    let mut started_total = vec![0.0; n];
    for (i, row) in s.shocks.iter().enumerate() {
        let (k, index) = (i / n.max(1), i % n.max(1));
        let shock = &scenario.shocks()[index];
        prop_assert_eq!(row.year, base_year + 1 + k as i32);
        prop_assert_eq!(&row.shock, shock.name());
        prob("prob_started", row.year, row.prob_started)?;
        prob("prob_active", row.year, row.prob_active)?;
        prop_assert!(
            row.prob_active >= row.prob_started,
            "{}: prob_active {} < prob_started {} in {}",
            row.shock,
            row.prob_active,
            row.prob_started,
            row.year
        );
        if row.year < shock.first_year() || row.year > shock.last_year() || shock.probability() == 0.0 {
            prop_assert_eq!(row.prob_started, 0.0, "{} starts outside its window in {}", &row.shock, row.year);
        }
        if row.year < shock.first_year() {
            prop_assert_eq!(row.prob_active, 0.0, "{} active before its window in {}", &row.shock, row.year);
        }
        if row.year == shock.first_year() && shock.probability() == 1.0 {
            prop_assert_eq!(row.prob_started, 1.0);
        }
        started_total[index] += row.prob_started;
    }
    for (index, total) in started_total.iter().enumerate() {
        let limit = f64::from(scenario.shocks()[index].max_occurrences());
        prop_assert!(*total <= limit + 1e-9, "shock {index} starts {total} times per path on average, limit {limit}");
    }
    Ok(())
}

/// The same scenario with a higher growth mean, where that raises every path's growth rate in
/// every year, draw for draw (the engine uses the same random numbers for the same seed).
///
/// - constant and normal: `r = m(k) + sd * z` with the same `z`. Only the first-year mean moves;
///   an explicit `long_run_mean` stays, so `m(k) = L + (m1 - L) 2^(-(k-1)/h)` rises with `m1`
///   in floating point too (every operation is monotone), and every rate rises or stays.
/// - triangular / pert / uniform: `r = X - m1 + m(k)`. min, mode and max move up by the same
///   dyadic amount, which leaves every width (`max - min`, `mode - min`) bit-identical, so the
///   draws `X` consume the same random numbers and move up by the shift; `long_run_mean`
///   moves up by the same amount so that `m(k) - m1` barely changes. (Keeping `L` fixed would
///   also be monotone in exact arithmetic, but then the rise is `d * 2^(-(k-1)/h)`, which for a
///   short half-life and a late year falls below rounding noise.)
/// - lognormal only with sd = 0: raising the mean also lowers `s^2 = ln(1 + sd^2 / (1 + m)^2)`,
///   so `1 + r = exp(mu + s z)` falls for large `z` when `sd > 0`; monotonicity in the mean
///   does not hold path by path there (only for the expected rate). With sd = 0 the rate is
///   `exp(ln(1 + m(k)))`; `long_run_mean` moves with the mean so the rise is never negligible
///   against the rounding of `exp` and `ln`.
///
/// Shocks are untouched: their draws come from streams keyed by the shock's name, independent
/// of growth, and growth_change, level factors, caps, the floor at -0.99 and the level ceiling
/// are all monotone in the rate.
fn raised(spec: &Spec, d: f64) -> Spec {
    let mut up = spec.clone();
    let shift_long_run = |up: &mut Spec| up.long_run_mean = up.long_run_mean.map(|l| l + d);
    match &mut up.dist {
        Dist::Constant { mean } | Dist::Normal { mean, .. } => *mean += d,
        Dist::Lognormal { mean, sd, .. } => {
            assert_eq!(*sd, 0.0, "lognormal growth is only monotone path by path when sd = 0");
            *mean += d;
            shift_long_run(&mut up);
        }
        Dist::Triangular { min, mode, max } | Dist::Pert { min, mode, max } => {
            *min += d;
            *mode += d;
            *max += d;
            shift_long_run(&mut up);
        }
        Dist::Uniform { min, max } => {
            *min += d;
            *max += d;
            shift_long_run(&mut up);
        }
    }
    up
}

/// Distributions for which [`raised`] is monotone path by path.
fn monotone_dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        mean().prop_map(|mean| Dist::Constant { mean }),
        (mean(), sd(), persistence()).prop_map(|(mean, sd, persistence)| Dist::Normal { mean, sd, persistence }),
        (mean(), persistence()).prop_map(|(mean, persistence)| Dist::Lognormal { mean, sd: 0.0, persistence }),
        three_point().prop_map(|(min, mode, max)| Dist::Triangular { min, mode, max }),
        three_point().prop_map(|(min, mode, max)| Dist::Pert { min, mode, max }),
        three_point().prop_map(|(min, _, max)| Dist::Uniform { min, max }),
    ]
}

fn check_monotone(low: &Summary, high: &Summary) -> Result<(), TestCaseError> {
    for (a, b) in low.first_passage.iter().zip(&high.first_passage) {
        prop_assert!(
            b.prob_reached_by >= a.prob_reached_by,
            "raising the mean lowered prob_reached_by in {}: {} -> {}",
            a.year,
            a.prob_reached_by,
            b.prob_reached_by
        );
    }
    prop_assert!(high.prob_reached >= low.prob_reached);
    for (a, b) in low.trajectory.iter().zip(&high.trajectory) {
        prop_assert!(
            b.prob_at_or_above_target >= a.prob_at_or_above_target,
            "raising the mean lowered prob_at_or_above_target in {}: {} -> {}",
            a.year,
            a.prob_at_or_above_target,
            b.prob_at_or_above_target
        );
        prop_assert!(
            b.mean >= a.mean,
            "raising the mean lowered the mean level in {}: {} -> {}",
            a.year,
            a.mean,
            b.mean
        );
        // The exact order statistics are monotone; each reported quantile is within the sketch's
        // relative error (SPEC §3: at most 0.1%) of one, and the two runs' sketches may differ in
        // resolution (a wider spread of values coarsens the buckets), so allow that error twice.
        const SKETCH_ERROR: f64 = 0.001;
        for (i, (qa, qb)) in a.quantiles.iter().zip(&b.quantiles).enumerate() {
            prop_assert!(
                *qb >= qa * (1.0 - SKETCH_ERROR) / (1.0 + SKETCH_ERROR),
                "raising the mean lowered quantile #{} in {}: {} -> {}",
                i,
                a.year,
                qa,
                qb
            );
        }
    }
    // Shocks do not depend on growth at all.
    prop_assert_eq!(&low.shocks, &high.shocks);
    Ok(())
}

/// Cases per property: 48, or `PROPTEST_CASES` when set (for a longer search).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    // 48 cases each (PROPTEST_CASES overrides), and no regression files written into tests/
    // (a failure prints its input and seed instead).
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, rng_seed: proptest_rng_seed(), ..ProptestConfig::default() })]

    /// (a) Any valid scenario runs, and every figure is finite and consistent.
    #[test]
    fn every_valid_scenario_gives_sane_figures(spec in spec(), runs in runs(), seed in any::<u64>()) {
        let scenario = spec.scenario();
        let summary = summarize(&scenario, runs, seed);
        check_sane(&spec, &scenario, &summary, runs)?;
    }

    /// (b) With the same seed and runs, a higher growth mean never lowers the chance of having
    /// reached the target by any year, nor any value statistic.
    #[test]
    fn raising_the_growth_mean_never_lowers_the_outcome(
        spec in spec_with(monotone_dist()),
        d in (1i32..=256).prop_map(|i| f64::from(i) / 1024.0),
        runs in 500u64..=1500,
        seed in any::<u64>(),
    ) {
        let up = raised(&spec, d);
        let (low_scenario, high_scenario) = (spec.scenario(), up.scenario());
        let low = summarize(&low_scenario, runs, seed);
        let high = summarize(&high_scenario, runs, seed);
        check_sane(&up, &high_scenario, &high, runs)?;
        check_monotone(&low, &high)?;
    }

    /// (c) The same scenario, runs and seed give the same figures, whatever the pool size.
    #[test]
    fn results_are_reproducible_at_any_thread_count(spec in spec(), runs in prop_oneof![500u64..=2000, 16_380u64..=16_390], seed in any::<u64>()) {
        let scenario = spec.scenario();
        let first = summarize(&scenario, runs, seed);
        let again = summarize(&scenario, runs, seed);
        prop_assert_eq!(&first, &again);
        let one = pool(1).install(|| summarize(&scenario, runs, seed));
        let three = pool(3).install(|| summarize(&scenario, runs, seed));
        prop_assert_eq!(&first, &one);
        prop_assert_eq!(&one, &three);
    }
}

/// Every way the engine can run: each back end this processor has, each way of drawing shocks.
fn engine_options() -> Vec<Options> {
    let mut backends = vec![Backend::portable()];
    match Backend::avx2_fma() {
        Some(avx2) => backends.push(avx2),
        None => eprintln!("the AVX2 back end: SKIPPED, this CPU has no AVX2 and FMA (the portable one is tested)"),
    }
    backends
        .into_iter()
        .flat_map(|backend| [false, true].map(|general_shocks| Options { backend, general_shocks }))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, rng_seed: proptest_rng_seed(), ..ProptestConfig::default() })]

    /// (d) The engine is the reference path (SPEC §2 written plainly, `model::reference`), path
    /// by path and bit for bit: every path's level in every year and its first-passage year, on
    /// every back end and both ways of drawing shocks, for generated scenarios of every form
    /// with up to six shocks (so that shocks are tracked as toggles and written year by year).
    /// The runs are not a multiple of four, so the last paths of the batch run one at a time.
    #[test]
    fn the_engine_is_the_reference_path_path_by_path(
        spec in spec_with_shocks(dist(), 6),
        runs in prop_oneof![1u64..=9, 90u64..=110],
        seed in any::<u64>(),
    ) {
        let scenario = spec.scenario();
        let paths = reference::Paths::new(&scenario, seed);
        let expected: Vec<_> = (0..runs).map(|path| paths.path(path)).collect();
        for options in engine_options() {
            let (_, traces) = engine::trace_batch(&scenario, runs, seed, 0, &options);
            prop_assert_eq!(traces.len(), expected.len());
            for (got, want) in traces.iter().zip(&expected) {
                prop_assert_eq!(got.path, want.path);
                prop_assert_eq!(got.first_passage_year, want.first_passage_year, "path {} ({:?})", got.path, options);
                let bits = |levels: &[f64]| levels.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&got.levels), bits(&want.levels), "path {} ({:?})", got.path, options);
            }
        }
    }
}

/// The generator covers what it claims: every distribution, every timing and duration form.
#[test]
fn generated_texts_cover_every_form() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = spec();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..2000 {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let text = spec.toml();
        for needle in [
            "\"constant\"",
            "\"normal\"",
            "\"lognormal\"",
            "\"triangular\"",
            "\"pert\"",
            "\"uniform\"",
            "persistence",
            "long_run_mean",
            "half_life",
            "[[shocks]]",
            "first_year",
            "last_year",
            "\nyear = ",
            "max_occurrences",
            "duration = {",
            "duration = \"permanent\"",
            "level_change",
            "growth_change",
            "recovery",
            "cap_value",
            "kind",
            "horizon_year",
        ] {
            if text.contains(needle) {
                seen.insert(needle);
            }
        }
        // lognormal through the default distribution
        if text.contains("sd = ") && !text.contains("distribution = ") {
            seen.insert("default lognormal");
        }
        // Every generated text is valid.
        spec.scenario();
    }
    assert_eq!(seen.len(), 23, "forms seen: {seen:?}");
}

/// A hand-made sanity anchor for [`raised`]: a deterministic scenario whose reach year is known.
#[test]
fn raising_the_mean_moves_a_known_first_passage_earlier() {
    let text = |mean: f64| {
        trade_scenario(100.0, 200.0, 2050, &format!("[growth]\ndistribution = \"constant\"\nmean = {mean:?}\n"), "")
    };
    let low = scenario(&text(0.10), "low.toml");
    let high = scenario(&text(0.20), "high.toml");
    // 1.1^7 = 1.95, 1.1^8 = 2.14; 1.2^3 = 1.73, 1.2^4 = 2.07.
    assert_eq!(summarize(&low, 10, 1).median_year, Some(2030));
    assert_eq!(summarize(&high, 10, 1).median_year, Some(2026));
}

// ---------------------------------------------------------------------------------------------
// Common random numbers (SPEC §6), path by path
// ---------------------------------------------------------------------------------------------

/// The paths of batch `batch` of a run, on every engine option.
fn traces(scenario: &Scenario, runs: u64, seed: u64, batch: u64) -> Vec<(Options, Vec<reference::PathTrace>)> {
    engine_options()
        .into_iter()
        .map(|options| (options, engine::trace_batch(scenario, runs, seed, batch, &options).1))
        .collect()
}

/// A run's size and the batch to look at: the first batch of a small run, or the partial last
/// batch of a run of two (paths past the first batch must share draws too).
fn run_and_batch() -> impl Strategy<Value = (u64, u64)> {
    prop_oneof![(1u64..=120).prop_map(|runs| (runs, 0)), (1u64..=120).prop_map(|extra| (BATCH + extra, 1))]
}

const BATCH: u64 = engine::BATCH_PATHS;

/// Asserts that two runs drew the same paths: every path's first-passage year and levels.
fn same_paths(
    a: &[(Options, Vec<reference::PathTrace>)],
    b: &[(Options, Vec<reference::PathTrace>)],
    what: &str,
) -> Result<(), TestCaseError> {
    for ((options, a), (_, b)) in a.iter().zip(b) {
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            prop_assert_eq!(x.first_passage_year, y.first_passage_year, "{}: path {} ({:?})", what, x.path, options);
            let bits = |levels: &[f64]| levels.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&x.levels), bits(&y.levels), "{}: path {} ({:?})", what, x.path, options);
        }
    }
    Ok(())
}

/// A `[[shocks]]` table that can never start (probability 0, in a window or a single year), with
/// effects of every kind that would change a path if it did.
fn never_shock(years: i64) -> impl Strategy<Value = String> {
    (
        // Names near the generated ones (`shock 0, "quoted"`): draws are keyed by the whole name.
        prop_oneof![Just("never"), Just("shock 0, \\\"quoted\\\" "), Just("shock 0")],
        prop_oneof![
            Just(String::new()),
            (1..=years).prop_map(|k| format!("first_year_offset = {k}\n")),
            (1..=years).prop_map(|k| format!("year_offset = {k}\n")),
        ],
        prop_oneof![Just("duration = \"permanent\"\n"), Just("duration = { min = 1, max = 5 }\n"), Just("")],
        -0.9f64..2.0,
        -0.5f64..0.5,
        proptest::option::of(0.5f64..2.0),
    )
        .prop_map(|(name, timing, duration, level, growth, cap)| {
            let mut t = format!("\n[[shocks]]\nname = \"{name}\"\nprobability = 0.0\n{timing}{duration}");
            writeln!(t, "level_change = {}\ngrowth_change = {}\nrecovery = 0.5", f(level), f(growth)).unwrap();
            if let Some(c) = cap {
                writeln!(t, "cap_factor = {}", f(c)).unwrap();
            }
            t
        })
}

/// `spec`'s text with `shock` (from [`never_shock`]) as its `at`-th shock; the placeholders of
/// years and caps resolved against the spec.
fn with_shock_at(spec: &Spec, shock: &str, at: usize) -> String {
    let text = spec.toml();
    let mut shock = shock.to_string();
    for (placeholder, key) in [("first_year_offset = ", "first_year = "), ("year_offset = ", "year = ")] {
        if let Some(rest) = shock.clone().split(placeholder).nth(1) {
            let offset: i64 = rest.lines().next().unwrap().parse().unwrap();
            shock = shock.replace(&format!("{placeholder}{offset}"), &format!("{key}{}", spec.base_year + offset));
        }
    }
    if let Some(rest) = shock.clone().split("cap_factor = ").nth(1) {
        let factor_text = rest.lines().next().unwrap();
        let cap = spec.base() * factor_text.parse::<f64>().unwrap();
        let cap_line =
            if (MIN_VALUE..=MAX_VALUE).contains(&cap) { format!("cap_value = {}", f(cap)) } else { String::new() };
        shock = shock.replace(&format!("cap_factor = {factor_text}"), &cap_line);
    }
    // Before the `at`-th existing `[[shocks]]` table, or at the end.
    match text.match_indices("\n[[shocks]]").nth(at) {
        Some((i, _)) => format!("{}{shock}{}", &text[..i], &text[i..]),
        None => format!("{text}{shock}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, rng_seed: proptest_rng_seed(), ..ProptestConfig::default() })]

    /// (e) SPEC §6: a copy of a scenario under another name (in the file, or by the file's
    /// name) draws the same paths: every path's first-passage year, and its levels bit for bit.
    #[test]
    fn a_copy_under_another_name_draws_the_same_paths(
        spec in spec_with_shocks(dist(), 5),
        (runs, batch) in run_and_batch(),
        seed in any::<u64>(),
    ) {
        let original = spec.scenario();
        let text = spec.toml();
        let renamed = scenario(&text.replacen("name = \"prop\"", "name = \"other-name\"", 1), "generated.toml");
        let unnamed = scenario(&text.replacen("name = \"prop\"\n", "", 1), "copy_of_it.toml");
        prop_assert_eq!(renamed.name(), "other-name");
        prop_assert_eq!(unnamed.name(), "copy_of_it");
        let expected = traces(&original, runs, seed, batch);
        same_paths(&expected, &traces(&renamed, runs, seed, batch), "renamed in the file")?;
        same_paths(&expected, &traces(&unnamed, runs, seed, batch), "named by another file")?;
    }

    /// (f) SPEC §6: a shock with probability 0 added to a scenario, anywhere among its shocks,
    /// changes no path.
    #[test]
    fn a_shock_that_never_starts_changes_no_path(
        (spec, shock) in spec_with_shocks(dist(), 5).prop_flat_map(|spec| {
            let years = spec.years;
            (Just(spec), never_shock(years))
        }),
        at in 0usize..=5,
        (runs, batch) in run_and_batch(),
        seed in any::<u64>(),
    ) {
        let text = with_shock_at(&spec, &shock, at);
        let with = scenario(&text, "generated.toml");
        prop_assert_eq!(with.shocks().len(), spec.shocks.len() + 1);
        same_paths(&traces(&spec.scenario(), runs, seed, batch), &traces(&with, runs, seed, batch), "with the shock")?;
    }

    /// (g) SPEC §6: raising `growth.mean` never delays a path (normal growth, with and without
    /// shocks, and the other distributions for which [`raised`] is monotone), and never lowers
    /// its level in any year.
    #[test]
    fn raising_the_growth_mean_never_delays_a_path(
        spec in spec_with(monotone_dist()),
        d in (1i32..=256).prop_map(|i| f64::from(i) / 1024.0),
        (runs, batch) in run_and_batch(),
        seed in any::<u64>(),
    ) {
        let low = traces(&spec.scenario(), runs, seed, batch);
        let high = traces(&raised(&spec, d).scenario(), runs, seed, batch);
        for ((options, low), (_, high)) in low.iter().zip(&high) {
            for (a, b) in low.iter().zip(high) {
                let delayed = match (a.first_passage_year, b.first_passage_year) {
                    (Some(a), Some(b)) => b > a,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                prop_assert!(!delayed, "path {}: {:?} -> {:?} ({:?})", a.path, a.first_passage_year, b.first_passage_year, options);
                for (k, (x, y)) in a.levels.iter().zip(&b.levels).enumerate() {
                    prop_assert!(y >= x, "path {} year {}: level {} -> {} ({:?})", a.path, k + 1, x, y, options);
                }
            }
        }
    }
}

/// (g) on normal growth alone, with the library's shocks: the case SPEC §6 and issue 19 name.
#[test]
fn raising_a_normal_mean_never_delays_a_path_of_the_library_shocks() {
    let text = std::fs::read_to_string(common::repo_root().join("scenarios/secondary_sanctions.toml")).unwrap();
    let normal = text.replacen("distribution  = \"lognormal\"", "distribution  = \"normal\"", 1);
    assert_ne!(normal, text);
    let at = |mean: &str| scenario(&normal.replacen("mean          = 0.15", &format!("mean = {mean}"), 1), "s.toml");
    let (runs, seed) = (3 * BATCH, 2022);
    let means = ["0.05", "0.1", "0.15", "0.2", "0.4"];
    let passages: Vec<Vec<Option<i32>>> = means
        .iter()
        .map(|m| {
            (0..3)
                .flat_map(|b| engine::trace_batch(&at(m), runs, seed, b, &Options::default()).1)
                .map(|t| t.first_passage_year)
                .collect()
        })
        .collect();
    let mut moved = 0;
    for pair in passages.windows(2) {
        for (path, (a, b)) in pair[0].iter().zip(&pair[1]).enumerate() {
            let later = match (a, b) {
                (Some(a), Some(b)) => b > a,
                (Some(_), None) => true,
                (None, _) => false,
            };
            assert!(!later, "path {path}: {a:?} -> {b:?}");
            moved += usize::from(a != b);
        }
    }
    // The check has teeth: raising the mean moves many paths earlier.
    assert!(moved > 1000, "only {moved} paths moved");
}
