//! Scenario files (SPEC §1): TOML in, a validated [`Scenario`] out.
//!
//! Parsing and validation are two steps. The TOML deserializes into plain `Raw*` structs that
//! deny unknown keys and keep every key's position; one validation pass then builds the model
//! objects (`Growth::new`, `Shock::new`), which cannot be invalid, so the engine never re-checks.
//! Every error is one line naming the file, the line and column, the key and the rule to follow.
//! What is valid but surely not meant (a shock that can never start) is kept as a warning.

pub mod template;

use std::collections::HashSet;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{InputError, Invalid};
use crate::model::growth::{DistributionKind, Growth, GrowthParams};
use crate::model::shock::{Duration, ONE_LINE_LABEL, Shock, ShockKind, ShockParams, is_one_line_label};

/// The scenario run when `./scenarios` does not exist (SPEC §4).
pub const BUILTIN_BASELINE: &str = include_str!("../../scenarios/baseline.toml");

/// The furthest horizon SPEC §1 allows, in years after the base year.
pub const MAX_YEARS: i64 = 200;

/// The range of `base_value`, `target_value` and `cap_value`: wide enough for any unit, and
/// far enough inside the range of a float that no figure can overflow (see
/// [`crate::model::LEVEL_CEILING`] and [`crate::model::LEVEL_FLOOR`]).
pub const MIN_VALUE: f64 = 1e-200;
pub const MAX_VALUE: f64 = 1e200;

/// The largest scenario file read: real ones are a few kilobytes, and a larger one (a wrong
/// file, `/dev/zero`) is refused without reading it all.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Where the keys of every table are listed, for messages that point there.
const REFERENCE: &str = "docs/SCENARIO_FILE.md";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<Spanned<String>>,
    #[allow(dead_code)]
    description: Option<String>,
    // Optional here only so that a missing table is named as a table (serde would say
    // "missing field"); both are required.
    trade: Option<Spanned<RawTrade>>,
    growth: Option<Spanned<RawGrowth>>,
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
    unit: Option<Spanned<String>>,
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
#[derive(Debug, Clone)]
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
    /// What is valid but surely not meant, one line each naming the file (printed as
    /// `warning: ...`).
    warnings: Vec<String>,
    source: Source,
}

/// Two scenarios are equal when they model the same thing, whichever file (or bytes of it) they
/// were read from.
impl PartialEq for Scenario {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, &self.description, &self.unit, self.base_year, self.base_value, self.target_value)
            == (&other.name, &other.description, &other.unit, other.base_year, other.base_value, other.target_value)
            && (self.horizon_year, &self.growth, &self.shocks) == (other.horizon_year, &other.growth, &other.shocks)
    }
}

/// Where a scenario came from, for the provenance of its results (SPEC §7): the file's path as
/// the user gave it (never made absolute), its text and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    origin: String,
    text: String,
    sha256: String,
}

impl Source {
    fn new(origin: &str, text: &str) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(text.as_bytes());
        let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
        Source { origin: origin.to_string(), text: text.to_string(), sha256 }
    }

    /// The file's path as given (or "built-in baseline").
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The file's text, as read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The SHA-256 of the file's bytes, in hexadecimal.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Turns a byte offset into a 1-based (line, column), counting columns in characters.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The line around `offset`: where it starts, and its text.
fn line_at(text: &str, offset: usize) -> (usize, &str) {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line_start, text[line_start..].lines().next().unwrap_or(""))
}

/// The table the last header in `text` opens (`trade`, `shocks[1]`), "" before any header.
fn table_after(text: &str) -> String {
    let mut table = String::new();
    let mut shocks = 0usize;
    for header in text.lines().map(str::trim).filter(|l| l.starts_with('[')) {
        let name = header.trim_start_matches('[').split(']').next().unwrap_or("").trim();
        if header.starts_with("[[") && name == "shocks" {
            shocks += 1;
            table = format!("shocks[{}]", shocks - 1);
        } else {
            table = name.to_string();
        }
    }
    table
}

/// The key a `key = value` line at `offset` sets, qualified by its table (`shocks[1].year`).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let (line_start, line) = line_at(text, offset);
    let key = line.split_once('=')?.0.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    let table = table_after(&text[..line_start]);
    Some(if table.is_empty() { key.to_string() } else { format!("{table}.{key}") })
}

/// The table that starts at `offset`: a header line (`[trade]`, `[[shocks]]`), or an inline
/// table (`trade = { ... }`).
fn table_at(text: &str, offset: usize) -> Option<String> {
    let (line_start, line) = line_at(text, offset);
    if line.trim_start().starts_with('[') {
        Some(table_after(&text[..line_start + line.len()])).filter(|t| !t.is_empty())
    } else {
        key_at(text, offset)
    }
}

/// Makes the TOML parser's message name the key it is about and say what was expected in
/// the words of SPEC §1.
fn explain_toml_error(text: &str, span: Option<Range<usize>>, message: &str) -> String {
    // SPEC §4 quotes names with ' (serde uses backquotes).
    let message = message
        .replace("expected f64", "expected a number")
        .replace("expected i64", "expected a whole number")
        .replace('`', "'");
    // serde's "missing field 'x'" points at the table that lacks the key: name the key with
    // its table, as every other message does.
    if let Some(field) = message.strip_prefix("missing field '").and_then(|m| m.strip_suffix('\'')) {
        let key = match span.as_ref().and_then(|s| table_at(text, s.start)) {
            Some(table) => format!("{table}.{field}"),
            None => field.to_string(),
        };
        return format!("{key} is required; add it (see {REFERENCE})");
    }
    // `[shocks]` (one table) where `[[shocks]]` (an array of them) was meant.
    if message.contains("expected a sequence")
        && span.as_ref().and_then(|s| table_at(text, s.start)).as_deref() == Some("shocks")
    {
        return "[shocks] is a single table: write [[shocks]] (an array of tables), one per shock".to_string();
    }
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
        let source = Source::new(origin, text);
        // Editors on Windows may start a UTF-8 file with a byte-order mark; it is not TOML, and
        // columns are counted without it.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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
                         with 1 to 64 ASCII letters, digits, '_' and '-'"
                    ),
                ));
            }
        };

        let missing_table = |table: &str| at(None, format!("the table [{table}] is missing; add it (see {REFERENCE})"));
        let trade_table = raw.trade.as_ref().ok_or_else(|| missing_table("trade"))?;
        let growth_table = raw.growth.as_ref().ok_or_else(|| missing_table("growth"))?;
        let trade = trade_table.get_ref();
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
        // The unit is printed in the summary table.
        let unit = match &trade.unit {
            Some(unit) if !is_one_line_label(unit.get_ref()) => {
                return Err(trade_error("unit", ONE_LINE_LABEL, format!("{:?}", unit.get_ref()), unit.span()));
            }
            Some(unit) => unit.get_ref().clone(),
            None => "USD million".to_string(),
        };

        let growth_raw = growth_table.get_ref();
        let growth_error =
            |e: Invalid| at(growth_raw.span_of(e.key()).or(Some(growth_table.span())), e.message_in("growth"));
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
        let mut warnings = Vec::new();
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
            let shock = Shock::new(params, base_year as i32, horizon_year as i32).map_err(shock_error)?;
            if !shock.can_start() {
                // The window as written (Shock::new cuts it to the simulated years).
                let window = match (value(&s.year), value(&s.first_year), value(&s.last_year)) {
                    (Some(year), _, _) => format!("{year}-{year}"),
                    (None, Some(first), Some(last)) => format!("{first}-{last}"),
                    (None, Some(first), None) => format!("(from {first})"),
                    (None, None, Some(last)) => format!("(up to {last})"),
                    (None, None, None) => format!("{}-{horizon_year}", base_year + 1),
                };
                warnings.push(format!(
                    "{origin}: {table} '{}' can never start: its window {window} lies outside the simulated years {}-{}",
                    shock.name(),
                    base_year + 1,
                    horizon_year
                ));
            }
            shocks.push(shock);
        }

        Ok(Scenario {
            name,
            description: raw.description.clone(),
            unit,
            base_year: base_year as i32,
            base_value: *trade.base_value.get_ref(),
            target_value: *trade.target_value.get_ref(),
            horizon_year: horizon_year as i32,
            growth,
            shocks,
            warnings,
            source,
        })
    }

    /// Reads and validates one scenario file (at most [`MAX_FILE_BYTES`] of it).
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let origin = path.display().to_string();
        let cannot_read =
            |why: String| InputError::in_file(&origin, None, format!("cannot read the scenario file: {why}"));
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| cannot_read(e.to_string()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(InputError::in_file(
                &origin,
                None,
                "the file is larger than 4 MiB, too large for a scenario file (a few kilobytes)",
            ));
        }
        let text = String::from_utf8(bytes)
            .map_err(|e| cannot_read(format!("it is not UTF-8 text (from byte {})", e.utf8_error().valid_up_to())))?;
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
    /// The file this scenario was read from.
    pub fn source(&self) -> &Source {
        &self.source
    }
    /// The same scenario, taken as read from `source` (a variant of a file, such as a point of a
    /// sweep, keeps the file's provenance).
    pub fn with_source(self, source: Source) -> Self {
        Scenario { source, ..self }
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
    /// What is valid but surely not meant, one line each, naming the file.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
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
/// sorted by file name, but not hidden ones (`.x.toml`: editors' and systems' files); `None`
/// when `dir` does not exist.
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
        .filter(|p| p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    Ok(Some(files))
}

/// Whether two paths name the same file (`a.toml` and `./a.toml`).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Loads and validates each file on its own: its scenario, or the error in it. A file is also
/// refused when it was given before, or when an earlier file's scenario has its name (they
/// would write to the same folder).
pub fn load_each(paths: &[PathBuf]) -> Vec<Result<Scenario, InputError>> {
    let mut results: Vec<Result<Scenario, InputError>> = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        let origin = path.display().to_string();
        if let Some(first) = paths[..i].iter().find(|earlier| same_file(earlier, path)) {
            let message = format!("this file is given twice (first as {}); name each file once", first.display());
            results.push(Err(InputError::in_file(origin, None, message)));
            continue;
        }
        let result = Scenario::load(path).and_then(|s| {
            let earlier = results.iter().zip(paths).find(|(r, _)| r.as_ref().is_ok_and(|o| o.name == s.name));
            match earlier {
                Some((_, other)) => Err(InputError::in_file(
                    origin,
                    None,
                    format!(
                        "scenario name '{}' is already used by {}; names must differ (they name the output folders)",
                        s.name,
                        other.display()
                    ),
                )),
                None => Ok(s),
            }
        });
        results.push(result);
    }
    results
}

/// Loads and validates every file before anything runs ([`load_each`]): every scenario, or
/// every error found, one per file.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, Vec<InputError>> {
    let mut scenarios = Vec::with_capacity(paths.len());
    let mut errors = Vec::new();
    for result in load_each(paths) {
        match result {
            Ok(s) => scenarios.push(s),
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
    fn a_missing_table_or_key_is_named_with_its_table() {
        let e = error(&format!("name = \"x\"\n{}", MINIMAL.split("\n[growth]").next().unwrap()));
        assert_eq!(e, "x.toml: the table [growth] is missing; add it (see docs/SCENARIO_FILE.md)");
        let e = error(&format!("\n{}", MINIMAL.replace("target_value = 1000.0\n", "")));
        assert_eq!(e, "x.toml:2:1: trade.target_value is required; add it (see docs/SCENARIO_FILE.md)");
        let e = error(&format!("{MINIMAL}\n[[shocks]]\nname = \"a\"\nyear = 2030\n\n[[shocks]]\nyear = 2031\n"));
        assert_eq!(e, "x.toml:15:1: shocks[1].name is required; add it (see docs/SCENARIO_FILE.md)");
        let e = error(&format!("{MINIMAL}\n[shocks]\nname = \"a\"\nyear = 2030\n"));
        assert!(e.starts_with("x.toml:11:1: [shocks] is a single table: write [[shocks]]"), "{e}");
    }

    #[test]
    fn a_byte_order_mark_is_not_counted() {
        let e = error(&format!("\u{feff}name = 5\n{MINIMAL}"));
        assert_eq!(e, "x.toml:1:8: name: invalid type: integer '5', expected a string");
    }

    #[test]
    fn shocks_that_can_never_start_are_kept_with_a_warning() {
        let shocks = "\n[[shocks]]\nname = \"late\"\nyear = 2204\n\n[[shocks]]\nname = \"on\"\nyear = 2050\n";
        let s = Scenario::from_toml(&format!("{MINIMAL}{shocks}"), "x.toml", "x").unwrap();
        assert_eq!(s.shocks().len(), 2);
        assert_eq!(
            s.warnings(),
            [
                "x.toml: shocks[0] 'late' can never start: its window 2204-2204 lies outside the simulated years 2023-2050"
            ]
        );
        assert!(Scenario::builtin_baseline().warnings().is_empty());
    }

    #[test]
    fn the_same_file_twice_is_refused_the_second_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, MINIMAL).unwrap();
        let again = dir.path().join(".").join("a.toml");
        let results = load_each(&[path.clone(), again]);
        assert!(results[0].is_ok());
        let e = results[1].as_ref().unwrap_err().to_string();
        assert!(e.contains(&format!("this file is given twice (first as {})", path.display())), "{e}");
    }

    #[test]
    fn hidden_files_are_not_in_the_library() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.toml", ".hidden.toml", "a.toml", "notes.txt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let files = library_files(dir.path()).unwrap().unwrap();
        assert_eq!(files, [dir.path().join("a.toml"), dir.path().join("b.toml")]);
    }

    #[test]
    fn position_counts_lines_and_characters() {
        assert_eq!(position("ab\ncd", 4), (2, 2));
        assert_eq!(position("é\nx", 3), (2, 1));
    }
}
