//! The `--vary KEY=VALUES` options of `tradesim sweep` (SPEC §6.1): which keys a sweep may set,
//! how their values are written (a list or a range), and a scenario with some of its keys set
//! as if they had been written in its file, then validated as a file would be.

use std::fmt;

use crate::error::InputError;
use crate::scenario::Scenario;

/// A numeric key of a scenario in dotted form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// `trade.<field>`.
    Trade(&'static str),
    /// `growth.<field>`.
    Growth(&'static str),
    /// `shocks.<name>.<field>`.
    Shock { name: String, field: &'static str },
}

const TRADE_KEYS: [&str; 3] = ["base_value", "target_value", "horizon_year"];
const GROWTH_KEYS: [&str; 8] = ["mean", "sd", "min", "mode", "max", "long_run_mean", "half_life", "persistence"];
const SHOCK_KEYS: [&str; 10] = [
    "probability",
    "first_year",
    "last_year",
    "year",
    "max_occurrences",
    "duration",
    "level_change",
    "growth_change",
    "recovery",
    "cap_value",
];

impl Key {
    /// Reads a dotted key (`growth.mean`, `shocks.EU sanctions.probability`).
    pub fn parse(text: &str) -> Result<Key, String> {
        let known = || {
            format!(
                "the keys are trade.{{{}}}, growth.{{{}}} and shocks.<name>.{{{}}}",
                TRADE_KEYS.join(","),
                GROWTH_KEYS.join(","),
                SHOCK_KEYS.join(",")
            )
        };
        let find = |keys: &[&'static str], field: &str| keys.iter().copied().find(|k| *k == field);
        if let Some(rest) = text.strip_prefix("shocks.") {
            let (name, field) = rest.rsplit_once('.').ok_or_else(|| format!("'{text}' names no field; {}", known()))?;
            let field = find(&SHOCK_KEYS, field)
                .ok_or_else(|| format!("'{text}' is not a key a sweep can set; {}", known()))?;
            if name.is_empty() {
                return Err(format!("'{text}' names no shock; write shocks.<name>.{field}"));
            }
            return Ok(Key::Shock { name: name.to_string(), field });
        }
        let (table, field) = text.split_once('.').unwrap_or((text, ""));
        let key = match table {
            "trade" => find(&TRADE_KEYS, field).map(Key::Trade),
            "growth" => find(&GROWTH_KEYS, field).map(Key::Growth),
            _ => None,
        };
        key.ok_or_else(|| format!("'{text}' is not a key a sweep can set; {}", known()))
    }

    /// Whether the key takes whole numbers (years, counts, a duration in years).
    pub fn is_integer(&self) -> bool {
        match self {
            Key::Trade(field) => *field == "horizon_year",
            Key::Growth(_) => false,
            Key::Shock { field, .. } => {
                matches!(*field, "first_year" | "last_year" | "year" | "max_occurrences" | "duration")
            }
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Trade(field) => write!(f, "trade.{field}"),
            Key::Growth(field) => write!(f, "growth.{field}"),
            Key::Shock { name, field } => write!(f, "shocks.{name}.{field}"),
        }
    }
}

/// One `--vary KEY=VALUES` option: a key and the values it takes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    pub key: Key,
    pub values: Vec<f64>,
}

impl Vary {
    /// Reads `KEY=VALUES`: a comma-separated list (`0.2,0.3,0.4`) or a range `FROM:TO:STEP`
    /// (`0.1:0.5:0.05`), inclusive of `TO` when it falls on the grid within a millionth of
    /// `STEP`, listed as `FROM + i * STEP` worked out in decimal (no accumulated rounding: the
    /// values are what a person would type).
    pub fn parse(text: &str) -> Result<Vary, InputError> {
        let fail = |message: String| InputError::usage(format!("--vary {text}: {message}"));
        let (key, values) =
            text.split_once('=').ok_or_else(|| fail("write KEY=VALUES, e.g. growth.mean=0.2,0.3".into()))?;
        let key = Key::parse(key.trim()).map_err(fail)?;
        let values = values.trim();
        let values = if values.contains(':') { range(values) } else { list(values) }.map_err(fail)?;
        // Whole numbers, and only those a float holds exactly (beyond, `as i64` would saturate and
        // the point's error would show another number than the one typed).
        if key.is_integer()
            && let Some(v) = values.iter().find(|v| v.fract() != 0.0 || v.abs() > MAX_WHOLE)
        {
            return Err(fail(format!("{key} takes whole numbers of at most {MAX_WHOLE} in size, got {v}")));
        }
        Ok(Vary { key, values })
    }
}

/// The largest whole number a key may take: every integer up to 2^53 is exact as a float.
const MAX_WHOLE: f64 = 9_007_199_254_740_992.0;

/// The values of a comma-separated list.
fn list(text: &str) -> Result<Vec<f64>, String> {
    if text.is_empty() {
        return Err("the list of values is empty; write e.g. 0.2,0.3,0.4 or a range 0.1:0.5:0.05".into());
    }
    text.split(',').map(|v| number(v.trim())).collect()
}

/// A finite number as written.
fn number(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ if text.is_empty() => Err("an empty value in the list; remove the extra comma".into()),
        _ => Err(format!("'{text}' is not a finite number")),
    }
}

/// The most points one range may give.
const MAX_RANGE_POINTS: u64 = 100_000;

/// The values of a range `FROM:TO:STEP`.
fn range(text: &str) -> Result<Vec<f64>, String> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    let [from, to, step] = parts[..] else {
        return Err(format!("'{text}' is not a range; write FROM:TO:STEP, e.g. 0.1:0.5:0.05"));
    };
    let (from, to, step) = (Decimal::parse(from)?, Decimal::parse(to)?, Decimal::parse(step)?);
    let scale = from.scale.max(to.scale).max(step.scale);
    // Numbers of thirty digits at thirty decimals apart do not fit 128 bits: refused, not wrapped.
    let too_long = || format!("'{text}' has too many digits for a range; write fewer decimals");
    let (Some(from), Some(to), Some(step)) = (from.at(scale), to.at(scale), step.at(scale)) else {
        return Err(too_long());
    };
    if step == 0 {
        return Err("the step of a range must not be 0".into());
    }
    let span = to.checked_sub(from).ok_or_else(too_long)?;
    if span.signum() * step.signum() < 0 {
        return Err(format!(
            "a range from {} to {} never gets there by steps of {}",
            show(from, scale),
            show(to, scale),
            show(step, scale)
        ));
    }
    // The points `from + i * step` up to `to`, and `to` itself within a millionth of a step
    // (`span` and `step` have the same sign, so `last` is not negative). Past 128 bits, the
    // range has far more points than allowed.
    let too_many = || format!("the range has more than {MAX_RANGE_POINTS} points; use a larger step");
    let last = span
        .checked_mul(1_000_000)
        .and_then(|s| s.checked_add(step))
        .zip(step.checked_mul(1_000_000))
        .map(|(a, b)| a / b)
        .ok_or_else(too_many)?;
    let points = u64::try_from(last).ok().and_then(|l| l.checked_add(1)).ok_or_else(too_many)?;
    if points > MAX_RANGE_POINTS {
        return Err(format!("the range has {points} points, more than {MAX_RANGE_POINTS}; use a larger step"));
    }
    (0..points as i128)
        .map(|i| {
            let value = i.checked_mul(step).and_then(|d| from.checked_add(d)).ok_or_else(too_long)?;
            number(&show(value, scale))
        })
        .collect()
}

/// A decimal number as written: `mantissa * 10^-scale`.
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    fn parse(text: &str) -> Result<Decimal, String> {
        let bad = || format!("'{text}' is not a decimal number (a range takes plain decimals like 0.05)");
        let (sign, digits) = match text.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all = format!("{whole}{fraction}");
        if all.is_empty() || !all.bytes().all(|b| b.is_ascii_digit()) || all.len() > 30 {
            return Err(bad());
        }
        let mantissa: i128 = all.parse().map_err(|_| bad())?;
        Ok(Decimal { mantissa: sign * mantissa, scale: fraction.len() as u32 })
    }

    /// The mantissa at a larger scale; `None` when it does not fit.
    fn at(&self, scale: u32) -> Option<i128> {
        10i128.checked_pow(scale - self.scale).and_then(|factor| self.mantissa.checked_mul(factor))
    }
}

/// `mantissa * 10^-scale` as a decimal string.
fn show(mantissa: i128, scale: u32) -> String {
    let digits = format!("{:0width$}", mantissa.unsigned_abs(), width = scale as usize + 1);
    let (whole, fraction) = digits.split_at(digits.len() - scale as usize);
    let sign = if mantissa < 0 { "-" } else { "" };
    if fraction.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") }
}

/// The scenario of the file `text` with each `(key, value)` set as if written in the file (a key
/// the file leaves out is added), validated as a file would be. The error of a point that breaks
/// a rule names the point: `sweep growth.sd=-0.1: growth.sd must be at least 0, got -0.1`.
pub fn scenario_with(
    text: &str,
    origin: &str,
    default_name: &str,
    settings: &[(&Key, f64)],
) -> Result<Scenario, InputError> {
    // `+ 0.0` shows `-0` as `0`, as the CSV files do.
    let point = settings.iter().map(|(key, value)| format!("{key}={}", value + 0.0)).collect::<Vec<_>>().join(" ");
    let fail = |message: &str| InputError::usage(format!("sweep {point}: {message}"));
    let mut table: toml::Table = text.trim_start_matches('\u{feff}').parse().map_err(|_| {
        // The file itself was validated before; this cannot fail for a file that loaded.
        fail(&format!("{origin} is not valid TOML"))
    })?;
    for &(key, value) in settings {
        let value = if key.is_integer() { toml::Value::Integer(value as i64) } else { toml::Value::Float(value) };
        let target = match key {
            Key::Trade(field) | Key::Growth(field) => {
                let name = if matches!(key, Key::Trade(_)) { "trade" } else { "growth" };
                table.get_mut(name).and_then(toml::Value::as_table_mut).map(|t| (t, *field))
            }
            Key::Shock { name, field } => table
                .get_mut("shocks")
                .and_then(toml::Value::as_array_mut)
                .and_then(|shocks| {
                    shocks
                        .iter_mut()
                        .filter_map(toml::Value::as_table_mut)
                        .find(|s| s.get("name").and_then(toml::Value::as_str) == Some(name))
                })
                .map(|t| (t, *field)),
        };
        let Some((table, field)) = target else {
            return Err(fail(&match key {
                Key::Shock { name, .. } => format!("{origin} has no shock named '{name}'"),
                _ => format!("{origin} has no table for {key}"),
            }));
        };
        table.insert(field.to_string(), value);
    }
    let text = toml::to_string(&table).map_err(|e| fail(&e.to_string()))?;
    Scenario::from_toml(&text, origin, default_name).map_err(|e| fail(&e.message))
}

/// The points of the grid the `--vary` options span: their cartesian product, the first option
/// varying slowest. Each point has one value per option, in the options' order.
pub fn grid(varies: &[Vary]) -> Vec<Vec<f64>> {
    varies.iter().fold(vec![Vec::new()], |points, vary| {
        points.iter().flat_map(|point| vary.values.iter().map(move |&v| [point.clone(), vec![v]].concat())).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::MINIMAL;

    fn values(text: &str) -> Vec<f64> {
        Vary::parse(text).unwrap().values
    }

    #[test]
    fn keys_in_dotted_form() {
        assert_eq!(Key::parse("growth.mean"), Ok(Key::Growth("mean")));
        assert_eq!(Key::parse("trade.horizon_year"), Ok(Key::Trade("horizon_year")));
        assert_eq!(
            Key::parse("shocks.EU sanctions. 2024.probability"),
            Ok(Key::Shock { name: "EU sanctions. 2024".into(), field: "probability" })
        );
        assert!(Key::parse("growth.distribution").unwrap_err().contains("not a key a sweep can set"));
        assert!(Key::parse("trade.unit").is_err());
        assert!(Key::parse("shocks..probability").unwrap_err().contains("names no shock"));
        assert!(Key::parse("name").is_err());
        assert!(Key::Trade("horizon_year").is_integer() && !Key::Growth("mean").is_integer());
    }

    #[test]
    fn lists_and_ranges() {
        assert_eq!(values("growth.mean=0.2,0.3, 0.4,0.5"), [0.2, 0.3, 0.4, 0.5]);
        // FROM + i * STEP in decimal: 0.25 and 0.35, not 0.25000000000000006.
        assert_eq!(values("growth.mean=0.1:0.5:0.05"), [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]);
        // TO within a millionth of a step of the grid is included; off the grid it is not.
        assert_eq!(values("growth.mean=0:0.3000001:0.1"), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(values("growth.mean=0:0.35:0.1"), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(values("growth.mean=0.5:0.3:-0.1"), [0.5, 0.4, 0.3]);
        assert_eq!(values("trade.horizon_year=2030:2050:10"), [2030.0, 2040.0, 2050.0]);
        assert_eq!(values("growth.mean=0.4:0.4:0.1"), [0.4]);
    }

    #[test]
    fn bad_values_say_what_to_write() {
        let err = |text: &str| Vary::parse(text).unwrap_err().to_string();
        assert!(err("growth.mean=").contains("empty"), "{}", err("growth.mean="));
        assert!(err("growth.mean=0.2,,0.3").contains("empty value"));
        assert!(err("growth.mean=0.2,x").contains("'x' is not a finite number"));
        assert!(err("growth.mean=0.1:0.5").contains("FROM:TO:STEP"));
        assert!(err("growth.mean=0.1:0.5:0").contains("must not be 0"));
        assert!(err("growth.mean=0.5:0.1:0.1").contains("never gets there"));
        assert!(err("growth.mean=1e-3:1:0.1").contains("not a decimal number"));
        assert!(err("growth.mean=0:1:0.000001").contains("more than"));
        assert!(err("trade.horizon_year=2030.5").contains("whole numbers"));
        assert!(err("trade.horizon_year=1e20").contains("at most 9007199254740992"));
        // Digits beyond 128 bits, and counts beyond 64, are refused, never wrapped.
        let digits = "999999999999999999999999999999";
        let tiny = "0.00000000000000000000000000001";
        assert!(err(&format!("growth.mean={tiny}:{digits}:1")).contains("too many digits"));
        assert!(err(&format!("growth.mean={digits}:0:-1")).contains("more than 100000 points"));
        assert!(err(&format!("growth.mean=-{digits}:{digits}:{tiny}")).contains("too many digits"));
        assert!(err("growth.mean=1:1000000000000000000000000000:1").contains("more than 100000 points"));
        assert!(err("growth.mean").contains("KEY=VALUES"));
        assert!(err("growth.meen=0.1").contains("not a key"));
    }

    #[test]
    fn grids_vary_the_first_key_slowest() {
        let a = Vary { key: Key::Growth("mean"), values: vec![1.0, 2.0] };
        let b = Vary { key: Key::Growth("sd"), values: vec![3.0, 4.0, 5.0] };
        assert_eq!(grid(&[a, b]).len(), 6);
        let a = Vary { key: Key::Growth("mean"), values: vec![1.0, 2.0] };
        let b = Vary { key: Key::Growth("sd"), values: vec![3.0, 4.0] };
        assert_eq!(grid(&[a, b]), [[1.0, 3.0], [1.0, 4.0], [2.0, 3.0], [2.0, 4.0]]);
        assert_eq!(grid(&[]), [Vec::<f64>::new()]);
    }

    #[test]
    fn settings_are_applied_as_if_written_in_the_file() {
        let mean = Key::Growth("mean");
        let s = scenario_with(MINIMAL, "x.toml", "x", &[(&mean, 0.3)]).unwrap();
        assert_eq!(s.growth().first_year_mean(), 0.3);
        let horizon = Key::Trade("horizon_year");
        assert_eq!(scenario_with(MINIMAL, "x.toml", "x", &[(&horizon, 2030.0)]).unwrap().horizon_year(), 2030);
        // A key the file leaves out is added, and the point is validated as a file would be.
        let sd = Key::Growth("sd");
        let e = scenario_with(MINIMAL, "x.toml", "x", &[(&sd, 0.1)]).unwrap_err().to_string();
        assert!(e.starts_with("sweep growth.sd=0.1: growth.sd does not apply to the 'constant' distribution"), "{e}");
        let e = scenario_with(MINIMAL, "x.toml", "x", &[(&mean, -1.5)]).unwrap_err().to_string();
        assert!(e.starts_with("sweep growth.mean=-1.5: growth.mean must be greater than -1"), "{e}");
        let shock = Key::Shock { name: "a".into(), field: "probability" };
        let e = scenario_with(MINIMAL, "x.toml", "x", &[(&shock, 0.5)]).unwrap_err().to_string();
        assert!(e.contains("x.toml has no shock named 'a'"), "{e}");
        let with_shock = format!("{MINIMAL}\n[[shocks]]\nname = \"a\"\nprobability = 0.1\n");
        let s = scenario_with(&with_shock, "x.toml", "x", &[(&shock, 0.5)]).unwrap();
        assert_eq!(s.shocks()[0].probability(), 0.5);
    }
}
