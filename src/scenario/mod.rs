//! Scenario files (SPEC §1): TOML in, a validated [`Scenario`] out.
//!
//! Parsing and validation are two steps. The TOML deserializes into plain `Raw*` structs that
//! deny unknown keys and keep every key's position; one validation pass then builds the model
//! objects (`Growth::new`, `Shock::new`), which cannot be invalid, so the engine never re-checks.
//! Every error is one line naming the file, the line and column, the key and the rule to follow.

pub mod template;

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{InputError, Invalid};
use crate::model::growth::{DistributionKind, Growth, GrowthParams};
use crate::model::shock::{Duration, Shock, ShockKind, ShockParams};

/// The scenario run when `./scenarios` does not exist (SPEC §4).
pub const BUILTIN_BASELINE: &str = include_str!("../../scenarios/baseline.toml");

/// The furthest horizon SPEC §1 allows, in years after the base year.
pub const MAX_YEARS: i64 = 200;

/// The range of `base_value`, `target_value` and `cap_value`: wide enough for any unit, and
/// far enough inside the range of a float that no figure can overflow (see
/// [`crate::model::LEVEL_CEILING`] and [`crate::model::LEVEL_FLOOR`]).
pub const MIN_VALUE: f64 = 1e-200;
pub const MAX_VALUE: f64 = 1e200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<Spanned<String>>,
    #[allow(dead_code)]
    description: Option<String>,
    trade: Spanned<RawTrade>,
    growth: Spanned<RawGrowth>,
    #[serde(default)]
    shocks: Vec<Spanned<RawShock>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrade {
    base_year: Spanned<i64>,
    base_value: Spanned<f64>,
    target_value: Spanned<f64>,
    horizon_year: Spanned<i64>,
    unit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrowth {
    distribution: Option<Spanned<String>>,
    mean: Option<Spanned<f64>>,
    sd: Option<Spanned<f64>>,
    min: Option<Spanned<f64>>,
    mode: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
    long_run_mean: Option<Spanned<f64>>,
    half_life: Option<Spanned<f64>>,
    persistence: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShock {
    name: Spanned<String>,
    kind: Option<Spanned<String>>,
    probability: Option<Spanned<f64>>,
    first_year: Option<Spanned<i64>>,
    last_year: Option<Spanned<i64>>,
    year: Option<Spanned<i64>>,
    max_occurrences: Option<Spanned<i64>>,
    duration: Option<Spanned<toml::Value>>,
    level_change: Option<Spanned<f64>>,
    growth_change: Option<Spanned<f64>>,
    recovery: Option<Spanned<f64>>,
    cap_value: Option<Spanned<f64>>,
}

fn value<T: Clone>(field: &Option<Spanned<T>>) -> Option<T> {
    field.as_ref().map(|s| s.get_ref().clone())
}

fn span<T>(field: &Option<Spanned<T>>) -> Option<Range<usize>> {
    field.as_ref().map(Spanned::span)
}

impl RawGrowth {
    fn span_of(&self, key: &str) -> Option<Range<usize>> {
        match key {
            "distribution" => span(&self.distribution),
            "mean" => span(&self.mean),
            "sd" => span(&self.sd),
            "min" => span(&self.min),
            "mode" => span(&self.mode),
            "max" => span(&self.max),
            "long_run_mean" => span(&self.long_run_mean),
            "half_life" => span(&self.half_life),
            "persistence" => span(&self.persistence),
            _ => None,
        }
    }
}

impl RawShock {
    fn span_of(&self, key: &str) -> Option<Range<usize>> {
        match key {
            "name" => Some(self.name.span()),
            "kind" => span(&self.kind),
            "probability" => span(&self.probability),
            "first_year" => span(&self.first_year),
            "last_year" => span(&self.last_year),
            "year" => span(&self.year),
            "max_occurrences" => span(&self.max_occurrences),
            "level_change" => span(&self.level_change),
            "growth_change" => span(&self.growth_change),
            "recovery" => span(&self.recovery),
            "cap_value" => span(&self.cap_value),
            k if k.starts_with("duration") => span(&self.duration),
            _ => None,
        }
    }
}

/// A validated scenario: everything the engine needs, nothing it must check.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    name: String,
    description: Option<String>,
    unit: String,
    base_year: i32,
    base_value: f64,
    target_value: f64,
    horizon_year: i32,
    growth: Growth,
    shocks: Vec<Shock>,
}

/// Turns a byte offset into a 1-based (line, column), counting columns in characters.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The key a `key = value` line at `offset` sets, qualified by its table (`shocks[1].year`).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line.split_once('=')?.0.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    let mut table = String::new();
    let mut shocks = 0usize;
    for header in text[..line_start].lines().map(str::trim).filter(|l| l.starts_with('[')) {
        let name = header.trim_matches(|c| c == '[' || c == ']').trim();
        if header.starts_with("[[") && name == "shocks" {
            shocks += 1;
            table = format!("shocks[{}]", shocks - 1);
        } else {
            table = name.to_string();
        }
    }
    Some(if table.is_empty() { key.to_string() } else { format!("{table}.{key}") })
}

/// Makes the TOML parser's message name the key it is about and say what was expected in
/// the words of SPEC §1.
fn explain_toml_error(text: &str, span: Option<Range<usize>>, message: &str) -> String {
    // SPEC §4 quotes names with ' (serde uses backquotes).
    let message = message
        .replace("expected f64", "expected a number")
        .replace("expected i64", "expected a whole number")
        .replace('`', "'");
    match span.and_then(|s| key_at(text, s.start)) {
        Some(key) => {
            let last = key.rsplit('.').next().unwrap_or(&key);
            if message.contains(&format!("'{last}'")) {
                let table = key.rsplit_once('.').map_or("the top level", |(t, _)| t);
                format!("{message} (in {table})")
            } else {
                format!("{key}: {message}")
            }
        }
        None => message,
    }
}

fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Scenario {
    /// Parses and validates a scenario file's text. `origin` names it in errors; `default_name`
    /// is used when the file has no `name` key (SPEC §1: the file's stem).
    pub fn from_toml(text: &str, origin: &str, default_name: &str) -> Result<Self, InputError> {
        let at = |range: Option<Range<usize>>, message: String| {
            InputError::in_file(origin, range.map(|r| position(text, r.start)), message)
        };
        let raw: RawScenario = toml::from_str(text).map_err(|e| {
            let message = explain_toml_error(text, e.span(), e.message());
            at(e.span(), message)
        })?;

        let name = match &raw.name {
            Some(n) if is_valid_name(n.get_ref()) => n.get_ref().clone(),
            Some(n) => {
                return Err(at(Some(n.span()), Invalid::BadName { got: n.get_ref().clone() }.to_string()));
            }
            None if is_valid_name(default_name) => default_name.to_string(),
            None => {
                return Err(at(
                    None,
                    format!(
                        "the file name '{default_name}' cannot name the output folder; add name = \"...\" \
                         with 1 to 64 letters, digits, '_' or '-'"
                    ),
                ));
            }
        };

        let trade = raw.trade.get_ref();
        let trade_error = |key: &str, rule: &str, got: String, range: Range<usize>| {
            at(Some(range), format!("trade.{key} must be {rule}, got {got}"))
        };
        let base_year = *trade.base_year.get_ref();
        if !(-1_000_000..=1_000_000).contains(&base_year) {
            return Err(trade_error("base_year", "a calendar year", base_year.to_string(), trade.base_year.span()));
        }
        let horizon_year = *trade.horizon_year.get_ref();
        if horizon_year <= base_year || horizon_year > base_year + MAX_YEARS {
            return Err(trade_error(
                "horizon_year",
                &format!(
                    "within [{}, {}] (after base_year, at most {MAX_YEARS} years on)",
                    base_year + 1,
                    base_year + MAX_YEARS
                ),
                horizon_year.to_string(),
                trade.horizon_year.span(),
            ));
        }
        for (key, field) in [("base_value", &trade.base_value), ("target_value", &trade.target_value)] {
            let v = *field.get_ref();
            if !(v.is_finite() && v > 0.0) {
                return Err(trade_error(key, "a finite number greater than 0", v.to_string(), field.span()));
            }
            if !(MIN_VALUE..=MAX_VALUE).contains(&v) {
                let rule = format!("within [{MIN_VALUE:e}, {MAX_VALUE:e}] (change the unit to bring it into range)");
                return Err(trade_error(key, &rule, format!("{v:e}"), field.span()));
            }
        }

        let growth_raw = raw.growth.get_ref();
        let growth_error =
            |e: Invalid| at(growth_raw.span_of(e.key()).or(Some(raw.growth.span())), e.message_in("growth"));
        let distribution = match &growth_raw.distribution {
            Some(d) => DistributionKind::parse(d.get_ref()).map_err(growth_error)?,
            None => DistributionKind::default(),
        };
        let growth = Growth::new(GrowthParams {
            distribution,
            mean: value(&growth_raw.mean),
            sd: value(&growth_raw.sd),
            min: value(&growth_raw.min),
            mode: value(&growth_raw.mode),
            max: value(&growth_raw.max),
            long_run_mean: value(&growth_raw.long_run_mean),
            half_life: value(&growth_raw.half_life),
            persistence: value(&growth_raw.persistence),
        })
        .map_err(growth_error)?;

        let mut shocks = Vec::with_capacity(raw.shocks.len());
        let mut names = HashSet::new();
        for (i, spanned) in raw.shocks.iter().enumerate() {
            let s = spanned.get_ref();
            let table = format!("shocks[{i}]");
            let shock_error = |e: Invalid| at(s.span_of(e.key()).or(Some(spanned.span())), e.message_in(&table));
            if !names.insert(s.name.get_ref().as_str()) {
                return Err(shock_error(Invalid::DuplicateShock { name: s.name.get_ref().clone() }));
            }
            let kind = match &s.kind {
                Some(k) => ShockKind::parse(k.get_ref()).map_err(shock_error)?,
                None => ShockKind::Other,
            };
            let duration = match &s.duration {
                Some(d) => Some(Duration::from_toml(d.get_ref()).map_err(shock_error)?),
                None => None,
            };
            let params = ShockParams {
                name: s.name.get_ref().clone(),
                kind,
                probability: value(&s.probability),
                first_year: value(&s.first_year),
                last_year: value(&s.last_year),
                year: value(&s.year),
                max_occurrences: value(&s.max_occurrences),
                duration,
                level_change: value(&s.level_change),
                growth_change: value(&s.growth_change),
                recovery: value(&s.recovery),
                cap_value: value(&s.cap_value),
            };
            shocks.push(Shock::new(params, base_year as i32, horizon_year as i32).map_err(shock_error)?);
        }

        Ok(Scenario {
            name,
            description: raw.description.clone(),
            unit: trade.unit.clone().unwrap_or_else(|| "USD million".to_string()),
            base_year: base_year as i32,
            base_value: *trade.base_value.get_ref(),
            target_value: *trade.target_value.get_ref(),
            horizon_year: horizon_year as i32,
            growth,
            shocks,
        })
    }

    /// Reads and validates one scenario file.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::in_file(&origin, None, format!("cannot read the scenario file: {e}")))?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Self::from_toml(&text, &origin, &stem)
    }

    /// The baseline built into the binary.
    pub fn builtin_baseline() -> Self {
        Self::from_toml(BUILTIN_BASELINE, "built-in baseline", "baseline").expect("the built-in baseline is valid")
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    pub fn unit(&self) -> &str {
        &self.unit
    }
    pub fn base_year(&self) -> i32 {
        self.base_year
    }
    pub fn base_value(&self) -> f64 {
        self.base_value
    }
    pub fn target_value(&self) -> f64 {
        self.target_value
    }
    pub fn horizon_year(&self) -> i32 {
        self.horizon_year
    }
    pub fn growth(&self) -> &Growth {
        &self.growth
    }
    pub fn shocks(&self) -> &[Shock] {
        &self.shocks
    }

    /// Simulated years, `horizon_year - base_year`.
    pub fn years(&self) -> u32 {
        (self.horizon_year - self.base_year) as u32
    }

    /// The first-passage year of the single path with `r(k) = m(k)` and no shocks (SPEC §3).
    pub fn expected_path_year(&self) -> Option<i32> {
        crate::model::reference::expected_path(self).first_passage_year
    }
}

/// The scenario files `run` takes when none are named: every `*.toml` directly in `dir`,
/// sorted by file name; `None` when `dir` does not exist.
pub fn library_files(dir: &Path) -> Result<Option<Vec<PathBuf>>, InputError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(InputError::in_file(dir.display().to_string(), None, format!("cannot list scenarios: {e}")));
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    Ok(Some(files))
}

/// Loads and validates every file before anything runs; two scenarios may not share a name
/// (they would write to the same folder). Returns every error found, one per file.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, Vec<InputError>> {
    let mut scenarios: Vec<Scenario> = Vec::with_capacity(paths.len());
    let mut errors = Vec::new();
    for path in paths {
        match Scenario::load(path) {
            Ok(s) => {
                if let Some(other) = scenarios.iter().position(|o| o.name == s.name) {
                    errors.push(InputError::in_file(
                        path.display().to_string(),
                        None,
                        format!(
                            "scenario name '{}' is already used by {}; names must differ (they name the output folders)",
                            s.name,
                            paths[other].display()
                        ),
                    ));
                } else {
                    scenarios.push(s);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(scenarios) } else { Err(errors) }
}

/// Scenarios for the crate's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Scenario;

    /// The `[trade]` table of the reference case: 460 in 2022, a target of 1000 by 2050.
    macro_rules! trade {
        () => {
            "[trade]\nbase_year = 2022\nbase_value = 460.0\ntarget_value = 1000.0\nhorizon_year = 2050\n"
        };
    }
    pub(crate) const TRADE: &str = trade!();

    /// The smallest valid scenario: the reference case at a constant 40% a year.
    pub(crate) const MINIMAL: &str = concat!(trade!(), "\n[growth]\ndistribution = \"constant\"\nmean = 0.4\n");

    /// The reference case's `[trade]` with `rest` (the `[growth]` table and any shocks).
    pub(crate) fn scenario(rest: &str) -> Scenario {
        Scenario::from_toml(&format!("{TRADE}{rest}"), "test.toml", "test").expect("a valid scenario")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::MINIMAL;
    use super::*;

    fn error(text: &str) -> String {
        Scenario::from_toml(text, "x.toml", "x").unwrap_err().to_string()
    }

    #[test]
    fn minimal_file_takes_defaults() {
        let s = Scenario::from_toml(MINIMAL, "x.toml", "naive").unwrap();
        assert_eq!((s.name(), s.unit(), s.years()), ("naive", "USD million", 28));
        assert_eq!(s.expected_path_year(), Some(2025));
    }

    #[test]
    fn builtin_baseline_is_valid() {
        assert_eq!(Scenario::builtin_baseline().name(), "baseline");
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let text = MINIMAL.replace("mean = 0.4", "mean = 0.4\nmaen = 0.3");
        let e = error(&text);
        assert!(e.starts_with("x.toml:10:1: unknown field 'maen'"), "{e}");
    }

    #[test]
    fn range_errors_name_the_key_and_line() {
        let e = error(&MINIMAL.replace("base_value = 460.0", "base_value = -5.0"));
        assert_eq!(e, "x.toml:3:14: trade.base_value must be a finite number greater than 0, got -5");
        let e = error(&MINIMAL.replace("mean = 0.4", "mean = 0.4\nsd = 0.1"));
        assert!(e.starts_with("x.toml:10:6: growth.sd does not apply to the 'constant' distribution"), "{e}");
        let shock = "\n[[shocks]]\nname = \"a\"\nprobability = 1.5\n";
        let e = error(&format!("{MINIMAL}{shock}"));
        assert_eq!(e, "x.toml:13:15: shocks[0].probability must be within [0, 1] (a chance per year), got 1.5");
    }

    #[test]
    fn duplicate_shock_names_and_bad_names() {
        let shock = "\n[[shocks]]\nname = \"a\"\nprobability = 0.5\n";
        let e = error(&format!("{MINIMAL}{shock}{shock}"));
        assert!(e.contains("shocks[1]: duplicate shock name 'a'"), "{e}");
        let e = error(&format!("name = \"../etc\"\n{MINIMAL}"));
        assert!(e.starts_with("x.toml:1:8: name '../etc' must be"), "{e}");
    }

    #[test]
    fn nan_and_infinity_are_refused() {
        let e = error(&MINIMAL.replace("mean = 0.4", "mean = nan"));
        assert!(e.contains("growth.mean must be a finite number, got NaN"), "{e}");
        let e = error(&MINIMAL.replace("target_value = 1000.0", "target_value = inf"));
        assert!(e.contains("trade.target_value must be a finite number greater than 0, got inf"), "{e}");
    }

    #[test]
    fn values_beyond_the_safe_range_are_refused() {
        let e = error(&MINIMAL.replace("base_value = 460.0", "base_value = 1e308"));
        assert_eq!(
            e,
            "x.toml:3:14: trade.base_value must be within [1e-200, 1e200] (change the unit to bring it into range), got 1e308"
        );
        let e = error(&MINIMAL.replace("target_value = 1000.0", "target_value = 1e-300"));
        assert!(e.contains("trade.target_value must be within [1e-200, 1e200]"), "{e}");
    }

    #[test]
    fn parser_errors_name_the_key() {
        let e = error(&MINIMAL.replace("base_value = 460.0", "base_value = \"460\""));
        assert_eq!(e, "x.toml:3:14: trade.base_value: invalid type: string \"460\", expected a number");
        let e = error(&MINIMAL.replace("mean = 0.4", "mean = 0.4\nmean = 0.5"));
        assert!(e.starts_with("x.toml:10:1: growth.mean: duplicate key"), "{e}");
        let shock = "\n[[shocks]]\nname = \"a\"\nprobability = 0.5\n\n[[shocks]]\nname = \"b\"\nyear = 2024.5\n";
        let e = error(&format!("{MINIMAL}{shock}"));
        assert!(e.contains("shocks[1].year: invalid type: floating point '2024.5', expected a whole number"), "{e}");
    }

    #[test]
    fn position_counts_lines_and_characters() {
        assert_eq!(position("ab\ncd", 4), (2, 2));
        assert_eq!(position("é\nx", 3), (2, 1));
    }
}
