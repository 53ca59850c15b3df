//! One-at-a-time sensitivity (SPEC §6.3): which parameters of a scenario `tradesim sensitivity`
//! swings, the values it swings each one to (clipped to the parameter's valid range), the
//! scenario with one parameter swung, and the order of the results by effect. The simulation is
//! the command's (`cli::sensitivity`): every run has the same seed, so a swung scenario differs
//! from the base path by path only through the parameter swung (common random numbers, SPEC §6).
//!
//! **Which parameters** (by default; `--params` picks among the same): every numeric parameter
//! of SPEC §1 that is neither a year nor a whole number and that the scenario, as resolved, sets
//! to a value other than 0, in this order (the order of ties in the ranking):
//!
//! - `trade.base_value`, `trade.target_value`;
//! - `growth.mean` and `growth.sd` (constant: `mean` only), or `growth.min`, `growth.mode` and
//!   `growth.max` (triangular, pert; uniform: `min` and `max`);
//! - `growth.long_run_mean` and `growth.half_life`, only when the scenario fades (its
//!   `long_run_mean` differs from the first-year mean): without a fade the long-run mean *is* the
//!   first-year mean, which moves with `growth.mean`, and the half-life is unused;
//! - `growth.persistence` (normal, lognormal);
//! - for each shock, in file order: `probability` (1 for the `year` shorthand), `level_change`,
//!   `growth_change`, `recovery`, and `cap_value` when it has one.
//!
//! Left out: the years (`trade.horizon_year`, a shock's `first_year`, `last_year`, `year`), since
//! a share of a calendar year means nothing, and the whole numbers `max_occurrences` (a count)
//! and `duration` (whole years, a range or "permanent"): a share of them must be rounded, and
//! ±20% of the small counts scenarios use (1 to 3) rounds to the count itself or jumps by a third
//! or more, so their rows would not be comparable with the others. `tradesim sweep` tries such
//! values one by one.
//!
//! **The values**: `value * (1 - S)` (the "low" side) and `value * (1 + S)` (the "high" side),
//! rounded to 12 significant digits (0.4 * 0.8 is 0.32, not 0.32000000000000006), then clipped
//! to the parameter's valid range given the scenario's other parameters, so that every swung
//! scenario is valid: to a closed bound itself (a probability or a recovery to [0, 1], `mode` to
//! [`min`, `max`], `min` up to `mode`, values and caps to SPEC §1's range), and short of an open
//! bound, halfway from the value as written to the bound (`persistence` below 1, a mean or a
//! `level_change` above -1, `min` below `max`). For a negative parameter (`level_change =
//! -0.2`) the low side is the smaller size (-0.16), the high side the larger (-0.24).

use std::cmp::Reverse;

use super::vary::{self, Key};
use crate::error::InputError;
use crate::model::growth::{MAX_RATE, Shape};
use crate::scenario::{MAX_VALUE, MIN_VALUE, Scenario};

/// The relative swing when `--swing` is not given: ±20%.
pub const DEFAULT_SWING: f64 = 0.2;

/// A parameter that can be swung, with its value in the scenario as resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub key: Key,
    pub value: f64,
}

/// Every parameter of `scenario` that sensitivity can swing, zeros included, in the order of the
/// module's list.
pub fn parameters(scenario: &Scenario) -> Vec<Param> {
    let mut params = Vec::new();
    let mut add = |key: Key, value: f64| params.push(Param { key, value });
    add(Key::Trade("base_value"), scenario.base_value());
    add(Key::Trade("target_value"), scenario.target_value());
    let growth = scenario.growth();
    match growth.shape() {
        Shape::Constant => add(Key::Growth("mean"), growth.first_year_mean()),
        Shape::Normal { sd } | Shape::Lognormal { sd } => {
            add(Key::Growth("mean"), growth.first_year_mean());
            add(Key::Growth("sd"), sd);
        }
        Shape::Triangular { min, mode, max } | Shape::Pert { min, mode, max } => {
            add(Key::Growth("min"), min);
            add(Key::Growth("mode"), mode);
            add(Key::Growth("max"), max);
        }
        Shape::Uniform { min, max } => {
            add(Key::Growth("min"), min);
            add(Key::Growth("max"), max);
        }
    }
    if fades(scenario) {
        add(Key::Growth("long_run_mean"), growth.long_run_mean());
        add(Key::Growth("half_life"), growth.half_life());
    }
    if matches!(growth.shape(), Shape::Normal { .. } | Shape::Lognormal { .. }) {
        add(Key::Growth("persistence"), growth.persistence());
    }
    for shock in scenario.shocks() {
        let key = |field| Key::Shock { name: shock.name().to_string(), field };
        add(key("probability"), shock.probability());
        add(key("level_change"), shock.level_change());
        add(key("growth_change"), shock.growth_change());
        add(key("recovery"), shock.recovery());
        if let Some(cap) = shock.cap_value() {
            add(key("cap_value"), cap);
        }
    }
    params
}

/// Whether expected growth fades from the first-year mean to a long-run mean.
fn fades(scenario: &Scenario) -> bool {
    scenario.growth().long_run_mean() != scenario.growth().first_year_mean()
}

/// The parameters swung by default: those of [`parameters`] that are not 0.
pub fn default_params(scenario: &Scenario) -> Vec<Param> {
    parameters(scenario).into_iter().filter(|p| p.value != 0.0).collect()
}

/// The parameters named by `--params` (each option a comma-separated list of dotted keys), in
/// the order given. A shock name may itself hold a comma: the pieces between commas are joined
/// again until they name a shock of the scenario. Bad input: a key the scenario does not have, a
/// year or a whole number, a parameter that is 0, a key listed twice, an empty list.
pub fn listed_params(scenario: &Scenario, lists: &[String]) -> Result<Vec<Param>, InputError> {
    let origin = scenario.source().origin();
    let all = parameters(scenario);
    let has_key = |key: &Key| match key {
        Key::Trade(_) | Key::Growth(_) => true,
        Key::Shock { name, .. } => scenario.shocks().iter().any(|s| s.name() == name),
    };
    // Those worth listing: the ones that are not 0.
    let its_parameters = || {
        let names: Vec<String> = all.iter().filter(|p| p.value != 0.0).map(|p| p.key.to_string()).collect();
        format!("sensitivity can swing {}", names.join(", "))
    };
    let mut params: Vec<Param> = Vec::new();
    for list in lists {
        let pieces: Vec<&str> = list.split(',').collect();
        let mut i = 0;
        while i < pieces.len() {
            let first = pieces[i].trim();
            if first.is_empty() {
                let why =
                    if pieces.len() == 1 { "names no parameter" } else { "has an empty name; remove the extra comma" };
                return Err(InputError::usage(format!("--params '{list}' {why}; {}", its_parameters())));
            }
            let found = (i..pieces.len()).find_map(|j| {
                let text = pieces[i..=j].join(",");
                Key::parse(text.trim()).ok().filter(has_key).map(|key| (j, key))
            });
            let Some((last, key)) = found else {
                return Err(InputError::usage(format!(
                    "--params {first}: {origin} has no parameter {first}; {}",
                    its_parameters()
                )));
            };
            i = last + 1;
            let fail = |why: String| InputError::usage(format!("--params {key}: {why}"));
            if params.iter().any(|p| p.key == key) {
                return Err(fail("listed twice; list each parameter once".into()));
            }
            let param = match all.iter().find(|p| p.key == key) {
                Some(param) => param.clone(),
                None => return Err(fail(not_swung(scenario, &key, &its_parameters()))),
            };
            if param.value == 0.0 {
                return Err(fail(format!(
                    "{key} is 0 in {origin}, and a share of 0 is 0: there is nothing to swing; \
                     try other values with tradesim sweep --vary '{key}=...'"
                )));
            }
            params.push(param);
        }
    }
    Ok(params)
}

/// Why `key`, a key of SPEC §6.1 for a table or shock that `scenario` has, is not one of its
/// parameters that can be swung.
fn not_swung(scenario: &Scenario, key: &Key, its_parameters: &str) -> String {
    let origin = scenario.source().origin();
    let sweep = format!("try values with tradesim sweep --vary '{key}=...'");
    match key {
        Key::Trade(_) | Key::Shock { field: "first_year" | "last_year" | "year", .. } => {
            format!("a year is not swung by a share (20% of 2030 is 406 years); {sweep}")
        }
        Key::Shock { field: field @ ("max_occurrences" | "duration"), .. } => {
            let what = if *field == "duration" { "a duration in whole years" } else { "a count" };
            format!(
                "{key} is {what}, not swung by a share: a share of it must be rounded, and 20% of 1 to 3 \
                 rounds to the same number or jumps by a third or more; {sweep}"
            )
        }
        Key::Growth(field @ ("long_run_mean" | "half_life")) => format!(
            "{origin} has no fade (its long_run_mean is the first-year mean, which moves with the mean), \
             so growth.{field} is not one of its parameters; {its_parameters}"
        ),
        Key::Growth(field) => format!(
            "{origin}'s growth is {}, which takes no {field}; {its_parameters}",
            scenario.growth().kind().as_str()
        ),
        Key::Shock { name, field } => format!("the shock '{name}' of {origin} has no {field}; {its_parameters}"),
    }
}

/// One bound of a parameter's valid range: the value itself allowed (closed) or not (open).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    Closed(f64),
    Open(f64),
}

/// The valid range of `key` in `scenario` with its other parameters as they are (SPEC §1).
fn valid_range(scenario: &Scenario, key: &Key) -> (Bound, Bound) {
    use Bound::{Closed, Open};
    let rate = (Closed(-MAX_RATE), Closed(MAX_RATE));
    let growth = scenario.growth();
    match key {
        Key::Trade(_) | Key::Shock { field: "cap_value", .. } => (Closed(MIN_VALUE), Closed(MAX_VALUE)),
        Key::Growth("mean") => (Open(-1.0), Closed(MAX_RATE)),
        Key::Growth("sd") => (Closed(0.0), Closed(MAX_RATE)),
        Key::Growth("long_run_mean") if matches!(growth.shape(), Shape::Lognormal { .. }) => {
            (Open(-1.0), Closed(MAX_RATE))
        }
        Key::Growth("half_life") => (Open(0.0), Closed(f64::MAX)),
        Key::Growth("persistence") => (Closed(0.0), Open(1.0)),
        Key::Growth(field @ ("min" | "mode" | "max")) => match (growth.shape(), *field) {
            // min <= mode <= max, and min < max.
            (Shape::Triangular { mode, max, .. } | Shape::Pert { mode, max, .. }, "min") => {
                (Closed(-MAX_RATE), if mode < max { Closed(mode) } else { Open(max) })
            }
            (Shape::Triangular { min, max, .. } | Shape::Pert { min, max, .. }, "mode") => (Closed(min), Closed(max)),
            (Shape::Triangular { min, mode, .. } | Shape::Pert { min, mode, .. }, _) => {
                (if mode > min { Closed(mode) } else { Open(min) }, Closed(MAX_RATE))
            }
            (Shape::Uniform { max, .. }, "min") => (Closed(-MAX_RATE), Open(max)),
            (Shape::Uniform { min, .. }, _) => (Open(min), Closed(MAX_RATE)),
            _ => rate,
        },
        Key::Shock { field: "probability" | "recovery", .. } => (Closed(0.0), Closed(1.0)),
        Key::Shock { field: "level_change", .. } => (Open(-1.0), Closed(MAX_RATE)),
        _ => rate,
    }
}

/// `x` rounded to 12 significant digits: the float noise of `value * (1 ± S)` removed.
fn round_significant(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// `swung` brought into `(low, high)` (`value`, as written, lies inside): a closed bound clips to
/// itself, an open one to halfway from `value` to it.
fn clip(value: f64, swung: f64, (low, high): (Bound, Bound)) -> f64 {
    let short_of = |bound: f64| {
        let halfway = value + (bound - value) / 2.0;
        let rounded = round_significant(halfway);
        // Rounding must not carry it onto the bound or back past the value.
        if (rounded - bound).abs() < (value - bound).abs() && rounded != bound { rounded } else { halfway }
    };
    let swung = match low {
        Bound::Closed(b) if swung < b => b,
        Bound::Open(b) if swung <= b => short_of(b),
        _ => swung,
    };
    match high {
        Bound::Closed(b) if swung > b => b,
        Bound::Open(b) if swung >= b => short_of(b),
        _ => swung,
    }
}

/// A parameter swung both ways: its value as written and the two values used.
#[derive(Debug, Clone, PartialEq)]
pub struct Swing {
    pub key: Key,
    pub value: f64,
    /// `value * (1 - S)`, clipped.
    pub low: f64,
    /// `value * (1 + S)`, clipped.
    pub high: f64,
    /// Whether each side was clipped to the valid range.
    pub low_clipped: bool,
    pub high_clipped: bool,
}

/// `param` swung by the share `swing` (0 < S < 1) both ways, each clipped to its valid range.
pub fn swing(scenario: &Scenario, param: &Param, swing: f64) -> Swing {
    let range = valid_range(scenario, &param.key);
    let side = |factor: f64| {
        let unclipped = round_significant(param.value * factor);
        let used = clip(param.value, unclipped, range);
        (used, used != unclipped)
    };
    let ((low, low_clipped), (high, high_clipped)) = (side(1.0 - swing), side(1.0 + swing));
    Swing { key: param.key.clone(), value: param.value, low, high, low_clipped, high_clipped }
}

/// `scenario` with `key` set to `value` as if written in its file, validated as a file would be,
/// and keeping the file's provenance.
pub fn scenario_with(scenario: &Scenario, key: &Key, value: f64) -> Result<Scenario, InputError> {
    let source = scenario.source();
    vary::scenario_with(source.text(), source.origin(), scenario.name(), &[(key, value)])
        .map(|swung| swung.with_source(source.clone()))
        .map_err(|e| {
            // The clipping keeps every swing valid; should one not be, say which, in this
            // command's words rather than a sweep's.
            let point = format!("sweep {key}={value}: ");
            let message = e.message.strip_prefix(&point).unwrap_or(&e.message);
            InputError::usage(format!("sensitivity {key}={value}: {message}"))
        })
}

/// What one run gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub runs: u64,
    pub prob_reached: f64,
    /// `None`: not reached by the horizon.
    pub median_year: Option<i32>,
}

/// A parameter's effect: the runs with it swung low and high, and the base run.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub swing: Swing,
    pub low: Outcome,
    pub base: Outcome,
    pub high: Outcome,
}

impl Effect {
    fn outcomes(&self) -> [Outcome; 3] {
        [self.low, self.base, self.high]
    }

    /// How far apart the median years of the three runs are (latest minus earliest), a median
    /// beyond the horizon counted as `horizon_year + 1` (SPEC §6.3).
    pub fn median_year_swing(&self, horizon_year: i32) -> i32 {
        let years = self.outcomes().map(|o| o.median_year.unwrap_or(horizon_year + 1));
        years.iter().max().unwrap_or(&0) - years.iter().min().unwrap_or(&0)
    }

    /// How far apart `prob_reached` of the three runs is (largest minus smallest).
    pub fn prob_reached_swing(&self) -> f64 {
        let probs = self.outcomes().map(|o| o.prob_reached);
        probs.iter().copied().fold(f64::MIN, f64::max) - probs.iter().copied().fold(f64::MAX, f64::min)
    }
}

/// The effects largest first (SPEC §6.3): by the swing of the median year, then by that of
/// `prob_reached`; ties keep the order given (the parameters' order: as listed in `--params`, or
/// that of [`parameters`]). The swing spans the base run too, so that a parameter that delays
/// the median both ways ranks by how far it moves it.
pub fn ranked(mut effects: Vec<Effect>, horizon_year: i32) -> Vec<Effect> {
    // A stable sort: equal keys keep their order.
    effects.sort_by(|a, b| {
        let key = |e: &Effect| (Reverse(e.median_year_swing(horizon_year)), Reverse(e.prob_reached_swing()));
        let ((ay, ap), (by, bp)) = (key(a), key(b));
        ay.cmp(&by).then(bp.0.total_cmp(&ap.0))
    });
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::{MINIMAL, scenario};

    fn minimal() -> Scenario {
        Scenario::from_toml(MINIMAL, "x.toml", "x").unwrap()
    }

    fn keys(params: &[Param]) -> Vec<String> {
        params.iter().map(|p| p.key.to_string()).collect()
    }

    const SHOCKS: &str = "[growth]\nmean = 0.15\nsd = 0.15\nlong_run_mean = 0.06\nhalf_life = 3.0\n\
        [[shocks]]\nname = \"a, b\"\nprobability = 0.9\nmax_occurrences = 3\nlevel_change = -0.2\nrecovery = 0.5\n\
        [[shocks]]\nname = \"cap\"\nyear = 2025\nduration = 4\ncap_value = 775.0\n";

    #[test]
    fn the_parameters_are_the_non_zero_numbers_that_are_not_years_or_counts() {
        assert_eq!(keys(&default_params(&minimal())), ["trade.base_value", "trade.target_value", "growth.mean"]);
        let s = scenario(SHOCKS);
        // persistence 0 and the shocks' zeros are parameters, but not swung by default.
        assert_eq!(
            keys(&parameters(&s)),
            [
                "trade.base_value",
                "trade.target_value",
                "growth.mean",
                "growth.sd",
                "growth.long_run_mean",
                "growth.half_life",
                "growth.persistence",
                "shocks.a, b.probability",
                "shocks.a, b.level_change",
                "shocks.a, b.growth_change",
                "shocks.a, b.recovery",
                "shocks.cap.probability",
                "shocks.cap.level_change",
                "shocks.cap.growth_change",
                "shocks.cap.recovery",
                "shocks.cap.cap_value",
            ]
        );
        assert_eq!(
            keys(&default_params(&s)),
            [
                "trade.base_value",
                "trade.target_value",
                "growth.mean",
                "growth.sd",
                "growth.long_run_mean",
                "growth.half_life",
                "shocks.a, b.probability",
                "shocks.a, b.level_change",
                "shocks.a, b.recovery",
                "shocks.cap.probability",
                "shocks.cap.cap_value",
            ]
        );
        // The year shorthand's probability is 1.
        assert_eq!(default_params(&s)[9].value, 1.0);
        let pert = scenario("[growth]\ndistribution = \"pert\"\nmin = 0.0\nmode = 0.14\nmax = 0.4\n");
        assert_eq!(
            keys(&default_params(&pert)),
            ["trade.base_value", "trade.target_value", "growth.mode", "growth.max"]
        );
    }

    #[test]
    fn listed_parameters_keep_their_order_and_may_have_commas_in_shock_names() {
        let s = scenario(SHOCKS);
        let listed = |lists: &[&str]| listed_params(&s, &lists.iter().map(|l| l.to_string()).collect::<Vec<_>>());
        let params = listed(&["growth.sd, shocks.a, b.level_change", "trade.base_value"]).unwrap();
        assert_eq!(keys(&params), ["growth.sd", "shocks.a, b.level_change", "trade.base_value"]);
        assert_eq!(params[1].value, -0.2);
        let error = |lists: &[&str]| listed(lists).unwrap_err().to_string();
        let e = error(&["growth.persistence"]);
        assert!(e.starts_with("--params growth.persistence: growth.persistence is 0 in test.toml"), "{e}");
        let e = error(&["growth.mean,growth.meen"]);
        assert!(
            e.starts_with(
                "--params growth.meen: test.toml has no parameter growth.meen; sensitivity can swing trade.base_value"
            ),
            "{e}"
        );
        let e = error(&["shocks.nope.probability"]);
        assert!(e.contains("has no parameter shocks.nope.probability"), "{e}");
        assert!(error(&["growth.min"]).contains("test.toml's growth is lognormal, which takes no min"));
        assert!(error(&["trade.horizon_year"]).contains("a year is not swung"));
        assert!(error(&["shocks.cap.year"]).contains("a year is not swung"));
        assert!(error(&["shocks.a, b.max_occurrences"]).contains("is a count, not swung"));
        assert!(error(&["shocks.cap.duration"]).contains("a duration in whole years"));
        assert!(error(&["shocks.a, b.cap_value"]).contains("the shock 'a, b' of test.toml has no cap_value"));
        assert!(error(&["growth.mean", "growth.mean"]).contains("listed twice"));
        assert!(error(&[""]).contains("names no parameter"));
        assert!(error(&["growth.mean,"]).contains("empty name"));
        let no_fade = listed_params(&minimal(), &["growth.half_life".to_string()]).unwrap_err().to_string();
        assert!(no_fade.contains("x.toml has no fade"), "{no_fade}");
    }

    fn swung(s: &Scenario, key: &str, by: f64) -> (f64, f64) {
        let param = parameters(s).into_iter().find(|p| p.key.to_string() == key).expect(key);
        let swing = swing(s, &param, by);
        assert_eq!(swing.low_clipped, swing.low != round_significant(param.value * (1.0 - by)));
        assert_eq!(swing.high_clipped, swing.high != round_significant(param.value * (1.0 + by)));
        // Every swing gives a valid scenario.
        for value in [swing.low, swing.high] {
            scenario_with(s, &param.key, value).unwrap_or_else(|e| panic!("{key}={value}: {e}"));
        }
        (swing.low, swing.high)
    }

    #[test]
    fn swings_are_shares_of_the_value_clipped_to_the_valid_range() {
        let s = minimal();
        // 0.4 * 0.8 and 0.4 * 1.2 without float noise.
        assert_eq!(swung(&s, "growth.mean", 0.2), (0.32, 0.48));
        assert_eq!(swung(&s, "trade.target_value", 0.2), (800.0, 1200.0));
        let s = scenario(SHOCKS);
        // A probability is clipped to 1.
        assert_eq!(swung(&s, "shocks.a, b.probability", 0.2), (0.72, 1.0));
        assert_eq!(swung(&s, "shocks.cap.probability", 0.2), (0.8, 1.0));
        // A negative value: the low side is the smaller size.
        assert_eq!(swung(&s, "shocks.a, b.level_change", 0.2), (-0.16, -0.24));
        // A level change of -90% swung by 20% stops halfway to -1.
        let deep = scenario(&SHOCKS.replace("level_change = -0.2", "level_change = -0.9"));
        assert_eq!(swung(&deep, "shocks.a, b.level_change", 0.2), (-0.72, -0.95));
        let s = scenario("[growth]\nmean = 0.15\nsd = 0.15\npersistence = 0.9\n");
        assert_eq!(swung(&s, "growth.persistence", 0.5), (0.45, 0.95));
        let s = scenario("[growth]\nmean = -0.9\nsd = 0.1\n");
        assert_eq!(swung(&s, "growth.mean", 0.5), (-0.45, -0.95));
        // The three points keep min <= mode <= max, min < max.
        let s = scenario("[growth]\ndistribution = \"triangular\"\nmin = 0.1\nmode = 0.11\nmax = 0.3\n");
        assert_eq!(swung(&s, "growth.min", 0.2), (0.08, 0.11));
        assert_eq!(swung(&s, "growth.mode", 0.2), (0.1, 0.132));
        assert_eq!(swung(&s, "growth.max", 0.9), (0.11, 0.57));
        let s = scenario("[growth]\ndistribution = \"pert\"\nmin = 0.2\nmode = 0.3\nmax = 0.3\n");
        assert_eq!(swung(&s, "growth.min", 0.6), (0.08, 0.25));
        let s = scenario("[growth]\ndistribution = \"uniform\"\nmin = 0.1\nmax = 0.11\n");
        assert_eq!(swung(&s, "growth.min", 0.2), (0.08, 0.105));
        assert_eq!(swung(&s, "growth.max", 0.2), (0.105, 0.132));
        // Values and caps stay within SPEC §1's range.
        let big = scenario(&SHOCKS.replace("cap_value = 775.0", "cap_value = 1e200"));
        assert_eq!(swung(&big, "shocks.cap.cap_value", 0.2), (8e199, 1e200));
    }

    fn effect(low: Option<i32>, base: Option<i32>, high: Option<i32>, probs: [f64; 3], name: &'static str) -> Effect {
        let outcome = |median_year, prob_reached| Outcome { runs: 1, prob_reached, median_year };
        Effect {
            swing: Swing {
                key: Key::Trade(name),
                value: 1.0,
                low: 0.8,
                high: 1.2,
                low_clipped: false,
                high_clipped: false,
            },
            low: outcome(low, probs[0]),
            base: outcome(base, probs[1]),
            high: outcome(high, probs[2]),
        }
    }

    #[test]
    fn effects_are_ranked_by_the_median_year_then_the_probability_then_kept_in_order() {
        let effects = vec![
            effect(Some(2030), Some(2030), Some(2030), [0.5, 0.6, 0.7], "a"),
            effect(Some(2031), Some(2030), Some(2029), [0.6, 0.6, 0.6], "b"),
            // Beyond the horizon counts as 2051: a swing of 3.
            effect(None, Some(2050), Some(2048), [0.4, 0.6, 0.8], "c"),
            effect(Some(2030), Some(2030), Some(2029), [0.6, 0.6, 0.61], "d"),
            effect(Some(2029), Some(2030), Some(2031), [0.6, 0.6, 0.6], "e"),
            // Later both ways: the swing spans the base.
            effect(Some(2032), Some(2030), Some(2031), [0.6, 0.6, 0.6], "f"),
            effect(Some(2030), Some(2030), Some(2030), [0.5, 0.6, 0.6], "g"),
        ];
        assert_eq!(effects[2].median_year_swing(2050), 3);
        let order: Vec<String> = ranked(effects, 2050).iter().map(|e| e.swing.key.to_string()).collect();
        assert_eq!(
            order,
            ["trade.c", "trade.b", "trade.e", "trade.f", "trade.d", "trade.a", "trade.g"].map(String::from)
        );
    }
}
