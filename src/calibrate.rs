//! `tradesim calibrate` (SPEC §6.4): fits a `[growth]` table to a history of yearly values, so
//! that a scenario's growth rests on the series it describes rather than on a guess.
//!
//! A history is a small CSV file: a header row `year,value`, then one row per year, the years
//! consecutive and ascending, every value a finite number above 0, at least two rows. Beyond
//! SPEC §6.4, and so that a file can cite a source for each figure, blank lines and lines whose
//! first non-blank character is `#` are skipped anywhere (before the header too), spaces and
//! tabs around a field are ignored, the header's words may be in any case (`Year,Value`), and a
//! UTF-8 byte-order mark (as some spreadsheets write) is dropped. Nothing else: no quoting, no
//! comment after a value on the same line, no thousands separators.
//!
//! The fit is by moments of the yearly rates `r(y) = value(y) / value(y-1) - 1`: `mean` is
//! their mean and `sd` their sample standard deviation, which are exactly the two parameters
//! the normal and the lognormal growth of SPEC §2 step 4 take (both are parametrized by the
//! rate's mean and standard deviation). With at least five rates, `persistence` is their lag-1
//! autocorrelation (see [`lag1_autocorrelation`]) clipped to `[0, 0.95]`.
//!
//! A validated [`History`] always gives a table that passes scenario validation (SPEC §1):
//! every rate lies in `(-1, 1e6]`, so `mean` does too and `sd` is below 1e6; the only way the
//! mean could still reach -1 (rounding, when every year loses all but a 1e-16 part of the level)
//! is refused when the history is read.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::InputError;
use crate::model::growth::MAX_RATE;

/// Below this many rates the fit is rough (SPEC §6.4) and `persistence` is not estimated.
pub const MIN_RATES_FOR_PERSISTENCE: usize = 5;

/// The range `persistence` is clipped to (SPEC §6.4): a model with persistence near 1 would
/// carry one surprise for decades, which a short history cannot support.
pub const PERSISTENCE_RANGE: (f64, f64) = (0.0, 0.95);

/// Rates whose standard deviation is below this share of their size (`1 + max |r|`) differ
/// only by the rounding of `value(y) / value(y-1)` (about 1e-16 of it), not by anything in the
/// data: a history published to 7 digits varies by 1e-7 at least. Their autocorrelation would
/// be the correlation of rounding errors, so it is reported as undefined.
const ROUNDING_SPREAD: f64 = 1e-12;

/// The growth distributions `calibrate` can fit (SPEC §6.4); both take `mean` and `sd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Distribution {
    #[default]
    Lognormal,
    Normal,
}

impl Distribution {
    /// The `growth.distribution` value of SPEC §1.
    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::Lognormal => "lognormal",
            Distribution::Normal => "normal",
        }
    }
}

/// A validated history: consecutive years from `first_year`, each value finite and above 0,
/// at least two of them, and every yearly rate within `(-1, 1e6]`.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    origin: String,
    first_year: i64,
    values: Vec<f64>,
}

/// One year's growth: `rate = value / previous - 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearlyRate {
    pub year: i64,
    pub previous: f64,
    pub value: f64,
    pub rate: f64,
}

impl History {
    /// The file the history came from, as the user named it.
    pub fn origin(&self) -> &str {
        &self.origin
    }
    pub fn first_year(&self) -> i64 {
        self.first_year
    }
    pub fn last_year(&self) -> i64 {
        self.first_year + self.values.len() as i64 - 1
    }
    /// The values, one per year from `first_year`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// The yearly rates, from `first_year + 1` on: one fewer than the values.
    pub fn rates(&self) -> Vec<YearlyRate> {
        (self.first_year + 1..)
            .zip(self.values.windows(2))
            .map(|(year, pair)| YearlyRate { year, previous: pair[0], value: pair[1], rate: rate(pair[0], pair[1]) })
            .collect()
    }
}

/// `value / previous - 1`, computed as `(value - previous) / previous`: the same number, but
/// rounded once rather than twice (the difference is exact when the values are within a factor
/// of two), so that a small rate keeps all its digits and 150 -> 120 gives -0.2, not
/// -0.19999999999999996.
fn rate(previous: f64, value: f64) -> f64 {
    (value - previous) / previous
}

/// What `calibrate` fitted, with what it was fitted to.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The history's file, as the user named it.
    pub origin: String,
    pub first_year: i64,
    pub last_year: i64,
    pub distribution: Distribution,
    pub rates: Vec<YearlyRate>,
    /// The mean of the rates.
    pub mean: f64,
    /// Their sample standard deviation (divisor `n - 1`; 0 with one rate).
    pub sd: f64,
    /// Their lag-1 autocorrelation; `None` with fewer than five rates, or when the rates do not
    /// vary (beyond rounding) and it is undefined.
    pub autocorrelation: Option<f64>,
    /// `persistence` to write: the autocorrelation clipped to `[0, 0.95]`, 0 when it is
    /// undefined; `None` (the key left out) with fewer than five rates.
    pub persistence: Option<f64>,
}

/// Reads a history file. A file that cannot be read is bad input, as for scenario files.
pub fn load_history(path: &Path) -> Result<History, InputError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::in_file(&origin, None, format!("cannot read the history file: {e}")))?;
    parse_history(&text, &origin)
}

/// The fields of one line split at commas, each trimmed, with the 1-based column (in
/// characters) where its text starts.
fn fields(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut column = 1;
    for field in line.split(',') {
        let leading = field.chars().take_while(|c| c.is_whitespace()).count();
        out.push((column + leading, field.trim()));
        column += field.chars().count() + 1;
    }
    out
}

struct Row<'a> {
    line: usize,
    year: i64,
    /// The value as written, to quote it in errors.
    value: &'a str,
}

/// Parses and validates a history (SPEC §6.4). `origin` names the file in errors, each of which
/// is `FILE:LINE:COLUMN: what is wrong; how to fix it`.
pub fn parse_history(text: &str, origin: &str) -> Result<History, InputError> {
    let at = |line: usize, column: usize, message: String| InputError::in_file(origin, Some((line, column)), message);
    // Spreadsheets may start a UTF-8 file with a byte-order mark; editors do not count it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut header_line = None;
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields = fields(raw);
        if header_line.is_none() {
            let is_header = fields.len() == 2
                && fields[0].1.eq_ignore_ascii_case("year")
                && fields[1].1.eq_ignore_ascii_case("value");
            if !is_header {
                let hint = if fields[0].1.parse::<i64>().is_ok() {
                    "add the header line year,value above the first row"
                } else {
                    "the first row that is not a # comment must be exactly year,value"
                };
                return Err(at(line, 1, format!("the header must be year,value, got '{trimmed}'; {hint}")));
            }
            header_line = Some(line);
            continue;
        }

        if fields.len() != 2 {
            let column = fields.get(2).map_or(fields[0].0, |f| f.0);
            return Err(at(
                line,
                column,
                format!(
                    "expected 2 fields, year,value, got {}: separate them with one comma, write numbers without \
                     thousands separators, and put comments on their own line starting with #",
                    fields.len()
                ),
            ));
        }
        let ((year_column, year_text), (value_column, value_text)) = (fields[0], fields[1]);
        let year: i64 = year_text.parse().map_err(|_| {
            at(line, year_column, format!("year '{year_text}' is not a whole number; write it like 2022"))
        })?;
        if value_text.is_empty() {
            return Err(at(
                line,
                value_column,
                format!("the value for {year} is missing; write year,value like 2022,461.9"),
            ));
        }
        let value: f64 = value_text.parse().map_err(|_| {
            at(
                line,
                value_column,
                format!(
                    "value '{value_text}' is not a number; write a plain decimal like 461.9 \
                     (no unit, currency sign or thousands separator)"
                ),
            )
        })?;
        if !value.is_finite() {
            return Err(at(line, value_column, format!("value must be a finite number, got {value_text}")));
        }
        if value <= 0.0 {
            return Err(at(
                line,
                value_column,
                format!(
                    "value must be greater than 0, got {value_text}: a growth rate needs a positive level every year \
                     (start the history after the years without one)"
                ),
            ));
        }

        if let Some(previous) = rows.last() {
            let expected = previous.year.checked_add(1);
            if year == previous.year {
                return Err(at(
                    line,
                    year_column,
                    format!("year {year} is repeated (also on line {}); keep one row per year", previous.line),
                ));
            }
            if year < previous.year {
                return Err(at(
                    line,
                    year_column,
                    format!(
                        "year {year} comes after {} (line {}); the years must ascend, one row per year",
                        previous.year, previous.line
                    ),
                ));
            }
            if Some(year) != expected {
                let missing = if year - previous.year == 2 {
                    format!("{} is missing", previous.year + 1)
                } else {
                    format!("{} to {} are missing", previous.year + 1, year - 1)
                };
                return Err(at(
                    line,
                    year_column,
                    format!(
                        "year {year} follows {} (line {}), so {missing}; the years must be consecutive: add the \
                         missing years, or start the history after the gap",
                        previous.year, previous.line
                    ),
                ));
            }
            let rate = rate(values[values.len() - 1], value);
            // Both bounds are those of a scenario's growth.mean (SPEC §1 and MAX_RATE); beyond
            // them the values are surely in the wrong unit or mistyped. Both values are finite
            // and positive, so the rate is a number (an overflow is +inf, caught as too large).
            if rate <= -1.0 {
                return Err(at(
                    line,
                    value_column,
                    format!(
                        "{year}'s value {value_text} is so far below {}'s {} that the yearly rate rounds to \
                         -100%, which no growth rate can be; check the value and its unit",
                        previous.year, previous.value
                    ),
                ));
            }
            if rate > MAX_RATE {
                return Err(at(
                    line,
                    value_column,
                    format!(
                        "{year}'s value {value_text} is more than a million times {}'s {} (a yearly rate \
                         above 1e6, the most a scenario accepts); check the value and its unit",
                        previous.year, previous.value
                    ),
                ));
            }
        }
        rows.push(Row { line, year, value: value_text });
        values.push(value);
    }

    let Some(header_line) = header_line else {
        return Err(at(
            1,
            1,
            "the history is empty: write a header row year,value, then one row per year like 2022,461.9".into(),
        ));
    };
    match rows.as_slice() {
        [] => {
            return Err(at(
                header_line,
                1,
                "the history has no rows after its header; a growth rate needs at least two consecutive years".into(),
            ));
        }
        [only] => {
            return Err(at(
                only.line,
                1,
                format!(
                    "the history has only one year ({}); a growth rate needs at least two consecutive years",
                    only.year
                ),
            ));
        }
        _ => {}
    }
    let history = History { origin: origin.to_string(), first_year: rows[0].year, values };
    let rates: Vec<f64> = history.rates().iter().map(|r| r.rate).collect();
    let mean = mean(&rates);
    // Every rate is above -1, so their mean is too, and floating-point rounding of the sum
    // cannot seem to take it to -1 (each partial sum keeps at least half a step above -k); this
    // check is there so that a table that fails validation cannot be printed even if it did.
    if mean <= -1.0 {
        return Err(at(
            rows[1].line,
            1,
            format!(
                "the yearly rates from {} to {} average -100% (their mean rounds to -1), which no growth.mean can be; \
                 check the values and their unit",
                history.first_year + 1,
                history.last_year()
            ),
        ));
    }
    Ok(history)
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// The sample standard deviation, divisor `n - 1`; 0 for fewer than two values.
pub fn sample_sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// The lag-1 autocorrelation of `x_1 .. x_n`, the standard estimator
///
/// ```text
///         sum over t = 1 .. n-1 of (x_t - m) (x_{t+1} - m)
/// rho  =  ------------------------------------------------       m = the mean of all n values
///              sum over t = 1 .. n of (x_t - m)^2
/// ```
///
/// (both sums around the mean of the whole series, the denominator over all `n` terms, so that
/// `|rho| < 1`). `None` when the values do not vary beyond the rounding of the rates (see
/// `ROUNDING_SPREAD`), where it is undefined, or when there are fewer than two values.
pub fn lag1_autocorrelation(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x);
    let size = 1.0 + x.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    if sample_sd(x) <= ROUNDING_SPREAD * size {
        return None;
    }
    let numerator: f64 = x.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum();
    let denominator: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    Some(numerator / denominator)
}

/// Fits `distribution` to the history's yearly rates (SPEC §6.4).
pub fn calibrate(history: &History, distribution: Distribution) -> Calibration {
    let rates = history.rates();
    let x: Vec<f64> = rates.iter().map(|r| r.rate).collect();
    let (autocorrelation, persistence) = if x.len() >= MIN_RATES_FOR_PERSISTENCE {
        let rho = lag1_autocorrelation(&x);
        let (low, high) = PERSISTENCE_RANGE;
        (rho, Some(rho.map_or(0.0, |r| r.clamp(low, high))))
    } else {
        (None, None)
    };
    Calibration {
        origin: history.origin.clone(),
        first_year: history.first_year(),
        last_year: history.last_year(),
        distribution,
        mean: mean(&x),
        sd: sample_sd(&x),
        autocorrelation,
        persistence,
        rates,
    }
}

/// A number as TOML reads it back to the same `f64`: Rust's shortest round-trip form, always
/// with a `.` or an exponent so that TOML sees a float (`2.0`, `0.1`, `1e-7`).
fn exact(x: f64) -> String {
    format!("{x:?}")
}

/// A `key = value   # comment` line of the `[growth]` table, the comments aligned.
fn key_line(out: &mut String, key: &str, value: &str, comment: &str) {
    let assignment = format!("{key:<12} = {value}");
    let _ = writeln!(out, "{assignment:<36}  # {comment}");
}

/// Turns a path into text that cannot break a `#` comment line.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// The `[growth]` table for stdout (with the file, the years and each year's rate as
/// comments), and the warnings for stderr (each one line, without a `warning: ` prefix).
/// Numbers are written in full, so that the pasted table gives back exactly the fitted
/// figures, with a rounded reading in the comment beside them.
pub fn render(calibration: &Calibration) -> (String, Vec<String>) {
    let c = calibration;
    let n = c.rates.len();
    let origin = printable(&c.origin);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Fitted by tradesim calibrate to {origin}, {}-{} ({n} yearly rate{}).",
        c.first_year,
        c.last_year,
        if n == 1 { "" } else { "s" }
    );
    out.push_str("# Paste over a scenario's [growth] table; add long_run_mean and half_life for growth that fades.\n");
    out.push_str("# Yearly rates, value(y) / value(y-1) - 1:\n");
    let previous: Vec<String> = c.rates.iter().map(|r| r.previous.to_string()).collect();
    let current: Vec<String> = c.rates.iter().map(|r| r.value.to_string()).collect();
    let percent: Vec<String> = c.rates.iter().map(|r| format!("{:+.2}%", r.rate * 100.0)).collect();
    let width = |v: &[String]| v.iter().map(String::len).max().unwrap_or(0);
    let (wp, wc, wr) = (width(&previous), width(&current), width(&percent));
    for (i, r) in c.rates.iter().enumerate() {
        let _ = writeln!(out, "#   {}  {:>wp$} -> {:<wc$}  {:>wr$}", r.year, previous[i], current[i], percent[i]);
    }

    let mut warnings = Vec::new();
    if n < MIN_RATES_FOR_PERSISTENCE {
        let _ = writeln!(
            out,
            "# Rough: {n} rate{} only; persistence needs at least {MIN_RATES_FOR_PERSISTENCE} and is left at its default, 0.",
            if n == 1 { "" } else { "s" }
        );
        warnings.push(format!(
            "{origin}: only {n} yearly rate{} ({}-{}), so the estimate is rough; persistence needs at least \
             {MIN_RATES_FOR_PERSISTENCE} rates and is left out (default 0)",
            if n == 1 { "" } else { "s" },
            c.first_year,
            c.last_year
        ));
    }

    out.push_str("[growth]\n");
    key_line(&mut out, "distribution", &format!("\"{}\"", c.distribution.as_str()), "fitted by moments of the rates");
    let of = if n == 1 { "the one rate".to_string() } else { format!("the mean of the {n} rates") };
    key_line(&mut out, "mean", &exact(c.mean), &format!("{:+.2}% a year: {of}", c.mean * 100.0));
    let sd_comment = if n == 1 {
        "0: one rate has no spread".to_string()
    } else {
        format!("{:.2} percentage points: their sample standard deviation (n - 1)", c.sd * 100.0)
    };
    key_line(&mut out, "sd", &exact(c.sd), &sd_comment);
    if let Some(persistence) = c.persistence {
        let comment = match c.autocorrelation {
            None => "the rates do not vary, so their autocorrelation is undefined: 0".to_string(),
            Some(rho) if rho == persistence => format!("{rho:.3}: their lag-1 autocorrelation"),
            Some(rho) => format!(
                "their lag-1 autocorrelation, {rho:.3}, clipped to [{}, {}]",
                PERSISTENCE_RANGE.0, PERSISTENCE_RANGE.1
            ),
        };
        key_line(&mut out, "persistence", &exact(persistence), &comment);
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::growth::Shape;
    use crate::scenario::Scenario;

    fn history(text: &str) -> History {
        parse_history(text, "h.csv").unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(text: &str) -> String {
        parse_history(text, "h.csv").unwrap_err().to_string()
    }

    /// The rendered table pasted into a minimal scenario, validated as `tradesim validate` would.
    fn pasted(c: &Calibration) -> Scenario {
        let (table, _) = render(c);
        let text = format!(
            "[trade]\nbase_year = 2022\nbase_value = 460.0\ntarget_value = 1000.0\nhorizon_year = 2050\n\n{table}"
        );
        Scenario::from_toml(&text, "pasted.toml", "pasted").unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    /// The pasted scenario holds exactly the fitted figures (the printing round-trips).
    fn assert_round_trips(c: &Calibration) {
        let growth = pasted(c).growth().clone();
        assert_eq!(growth.first_year_mean().to_bits(), c.mean.to_bits());
        assert_eq!(growth.persistence(), c.persistence.unwrap_or(0.0));
        let sd = match (c.distribution, growth.shape()) {
            (Distribution::Lognormal, Shape::Lognormal { sd }) | (Distribution::Normal, Shape::Normal { sd }) => sd,
            (d, shape) => panic!("{d:?} came back as {shape:?}"),
        };
        assert_eq!(sd.to_bits(), c.sd.to_bits());
    }

    /// Rates 0, 1, 2, 3, 4 (each value is the previous times 1, 2, 3, 4, 5). By hand: mean 2;
    /// deviations -2, -1, 0, 1, 2, whose squares sum to 10, so sd = sqrt(10 / 4) = sqrt(2.5);
    /// lag-1 products (-2)(-1) + (-1)(0) + (0)(1) + (1)(2) = 4, so rho = 4 / 10 = 0.4. Every
    /// step is exact in binary floating point, so the figures are too.
    const FACTORIAL: &str = "year,value\n2000,1\n2001,1\n2002,2\n2003,6\n2004,24\n2005,120\n";

    #[test]
    fn hand_computed_estimates() {
        let c = calibrate(&history(FACTORIAL), Distribution::default());
        let rates: Vec<f64> = c.rates.iter().map(|r| r.rate).collect();
        assert_eq!(rates, [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(c.mean, 2.0);
        assert_eq!(c.sd, 2.5_f64.sqrt());
        assert_eq!(c.autocorrelation, Some(0.4));
        assert_eq!(c.persistence, Some(0.4));
        assert_eq!((c.first_year, c.last_year, c.distribution), (2000, 2005, Distribution::Lognormal));
        assert_round_trips(&c);
    }

    #[test]
    fn lag1_autocorrelation_by_hand() {
        // Rates 0, 0, 1, 1, 1: mean 0.6, deviations -0.6, -0.6, 0.4, 0.4, 0.4; squares sum to
        // 2(0.36) + 3(0.16) = 1.2; lag-1 products 0.36 - 0.24 + 0.16 + 0.16 = 0.44: rho = 11/30.
        let rho = lag1_autocorrelation(&[0.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
        assert!((rho - 11.0 / 30.0).abs() < 1e-15, "{rho}");
        // Alternating 1, 0, 1, 0, 1: mean 0.6, products four times (0.4)(-0.6): -0.96 / 1.2 = -0.8.
        let rho = lag1_autocorrelation(&[1.0, 0.0, 1.0, 0.0, 1.0]).unwrap();
        assert!((rho + 0.8).abs() < 1e-15, "{rho}");
        assert_eq!(lag1_autocorrelation(&[0.1; 6]), None);
        assert_eq!(lag1_autocorrelation(&[0.5]), None);
    }

    #[test]
    fn sample_sd_divides_by_n_minus_one() {
        assert_eq!(sample_sd(&[1.0, 3.0]), 2.0_f64.sqrt());
        assert_eq!(sample_sd(&[0.4]), 0.0);
    }

    #[test]
    fn persistence_is_clipped_to_its_range() {
        // Forty rates of 0, then forty of 1: deviations -0.5 then 0.5, squares sum to 80/4 = 20,
        // lag-1 products 78 times +0.25 and once -0.25 = 19.25: rho = 0.9625, clipped to 0.95.
        let mut text = String::from("year,value\n");
        let mut value = 1.0_f64;
        for year in 1900..=1980 {
            text += &format!("{year},{value}\n");
            if year >= 1940 {
                value *= 2.0;
            }
        }
        let c = calibrate(&history(&text), Distribution::Normal);
        assert_eq!(c.rates.len(), 80);
        assert_eq!(c.autocorrelation, Some(0.9625));
        assert_eq!(c.persistence, Some(0.95));
        let (table, warnings) = render(&c);
        assert!(table.contains("persistence  = 0.95"), "{table}");
        assert!(table.contains("# their lag-1 autocorrelation, 0.963, clipped to [0, 0.95]"), "{table}");
        assert!(warnings.is_empty());
        assert_round_trips(&c);

        // Alternating rates: negative autocorrelation, clipped to 0.
        let c = calibrate(&history("year,value\n1,1\n2,2\n3,2\n4,4\n5,4\n6,8\n"), Distribution::Lognormal);
        assert!((c.autocorrelation.unwrap() + 0.8).abs() < 1e-15);
        assert_eq!(c.persistence, Some(0.0));
        assert_round_trips(&c);
    }

    #[test]
    fn constant_growth_has_no_autocorrelation() {
        // 10% a year: the computed rates differ only by rounding.
        let mut text = String::from("year,value\n");
        let mut value = 100.0_f64;
        for year in 2000..2010 {
            text += &format!("{year},{value:?}\n");
            value *= 1.1;
        }
        let c = calibrate(&history(&text), Distribution::Lognormal);
        assert_eq!(c.autocorrelation, None);
        assert_eq!(c.persistence, Some(0.0));
        assert!((c.mean - 0.1).abs() < 1e-12 && c.sd < 1e-12);
        let (table, _) = render(&c);
        assert!(table.contains("# the rates do not vary, so their autocorrelation is undefined: 0"), "{table}");
        assert_round_trips(&c);
    }

    #[test]
    fn renders_a_table_that_pastes_into_a_scenario() {
        let c = calibrate(&history("year,value\n2021,100\n2022,150\n2023,120\n"), Distribution::Normal);
        let (table, warnings) = render(&c);
        let expected = "\
# Fitted by tradesim calibrate to h.csv, 2021-2023 (2 yearly rates).
# Paste over a scenario's [growth] table; add long_run_mean and half_life for growth that fades.
# Yearly rates, value(y) / value(y-1) - 1:
#   2022  100 -> 150  +50.00%
#   2023  150 -> 120  -20.00%
# Rough: 2 rates only; persistence needs at least 5 and is left at its default, 0.
[growth]
distribution = \"normal\"               # fitted by moments of the rates
mean         = 0.15                   # +15.00% a year: the mean of the 2 rates
sd           = 0.49497474683058323    # 49.50 percentage points: their sample standard deviation (n - 1)
";
        assert_eq!(table, expected);
        assert_eq!(
            warnings,
            ["h.csv: only 2 yearly rates (2021-2023), so the estimate is rough; persistence needs at least 5 \
              rates and is left out (default 0)"]
        );
        assert_round_trips(&c);
    }

    #[test]
    fn one_rate_has_sd_zero() {
        let c = calibrate(&history("year,value\n2022,460\n2023,529.4\n"), Distribution::Lognormal);
        assert_eq!(c.sd, 0.0);
        assert_eq!((c.autocorrelation, c.persistence), (None, None));
        let (table, warnings) = render(&c);
        assert!(table.contains("sd           = 0.0                    # 0: one rate has no spread\n"), "{table}");
        assert!(warnings[0].starts_with("h.csv: only 1 yearly rate (2022-2023)"), "{warnings:?}");
        assert_round_trips(&c);
    }

    #[test]
    fn five_rates_estimate_persistence_without_a_warning() {
        let c = calibrate(&history(FACTORIAL), Distribution::Normal);
        let (table, warnings) = render(&c);
        assert!(warnings.is_empty());
        assert!(
            table.ends_with("persistence  = 0.4                    # 0.400: their lag-1 autocorrelation\n"),
            "{table}"
        );
        assert!(!table.contains("Rough"));
    }

    #[test]
    fn comments_whitespace_case_and_bom_are_allowed() {
        let text =
            "\u{feff}# Source: somewhere\n\n  Year , Value \r\n# 2020 left out\n2021 ,\t330\r\n\n  2022,461.9\n# end\n";
        let h = history(text);
        assert_eq!((h.first_year(), h.last_year(), h.values()), (2021, 2022, &[330.0, 461.9][..]));
        assert_eq!(h.origin(), "h.csv");
    }

    #[test]
    fn extreme_rates_still_validate() {
        // A fall to just above -100% and a rise to the largest rate a scenario accepts.
        for text in ["year,value\n1,1e16\n2,1.2\n3,1e-15\n", "year,value\n1,1\n2,1000001\n3,1\n"] {
            for d in [Distribution::Lognormal, Distribution::Normal] {
                assert_round_trips(&calibrate(&history(text), d));
            }
        }
    }

    #[test]
    fn shipped_history_pastes_into_a_scenario() {
        let text = include_str!("../history/kz_az_turnover.csv");
        let h = parse_history(text, "history/kz_az_turnover.csv").unwrap();
        assert_eq!((h.first_year(), h.last_year()), (2021, 2023));
        let c = calibrate(&h, Distribution::default());
        assert_round_trips(&c);
        assert!((c.mean - (461.9 / 330.0 + 529.4 / 461.9 - 2.0) / 2.0).abs() < 1e-15);
    }

    #[test]
    fn bad_headers() {
        assert_eq!(
            error("year;value\n2021;1\n"),
            "h.csv:1:1: the header must be year,value, got 'year;value'; the first row that is not a # comment \
             must be exactly year,value"
        );
        assert_eq!(
            error("# sources\n2021,330\n2022,461.9\n"),
            "h.csv:2:1: the header must be year,value, got '2021,330'; add the header line year,value above the \
             first row"
        );
        assert!(error("year,value,source\n").starts_with("h.csv:1:1: the header must be year,value"));
        assert_eq!(
            error("# only comments\n\n"),
            "h.csv:1:1: the history is empty: write a header row year,value, then one row per year like 2022,461.9"
        );
        assert!(error("").starts_with("h.csv:1:1: the history is empty"));
    }

    #[test]
    fn too_few_rows() {
        assert_eq!(
            error("# x\nyear,value\n\n"),
            "h.csv:2:1: the history has no rows after its header; a growth rate needs at least two consecutive years"
        );
        assert_eq!(
            error("year,value\n2022,460\n"),
            "h.csv:2:1: the history has only one year (2022); a growth rate needs at least two consecutive years"
        );
    }

    #[test]
    fn bad_values() {
        assert_eq!(
            error("year,value\n2021,330\n2022,0\n"),
            "h.csv:3:6: value must be greater than 0, got 0: a growth rate needs a positive level every year \
             (start the history after the years without one)"
        );
        assert!(error("year,value\n2021,-5\n2022,1\n").starts_with("h.csv:2:6: value must be greater than 0, got -5"));
        assert_eq!(
            error("year,value\n2021,330\n2022, 461.9 M\n"),
            "h.csv:3:7: value '461.9 M' is not a number; write a plain decimal like 461.9 (no unit, currency sign \
             or thousands separator)"
        );
        assert_eq!(error("year,value\n2021,inf\n2022,1\n"), "h.csv:2:6: value must be a finite number, got inf");
        assert!(error("year,value\n2021,NaN\n2022,1\n").contains("value must be a finite number, got NaN"));
        assert_eq!(
            error("year,value\n2021,\n2022,1\n"),
            "h.csv:2:6: the value for 2021 is missing; write year,value like 2022,461.9"
        );
        assert_eq!(
            error("year,value\n2021,1,234.5\n"),
            "h.csv:2:8: expected 2 fields, year,value, got 3: separate them with one comma, write numbers without \
             thousands separators, and put comments on their own line starting with #"
        );
        assert!(error("year,value\n2021,330 # implied\n").starts_with("h.csv:2:6: value '330 # implied' is not a"));
        assert!(error("year,value\n2021\n").starts_with("h.csv:2:1: expected 2 fields, year,value, got 1"));
        assert_eq!(
            error("year,value\n2021.5,330\n"),
            "h.csv:2:1: year '2021.5' is not a whole number; write it like 2022"
        );
    }

    #[test]
    fn bad_year_sequences() {
        assert_eq!(
            error("year,value\n2021,330\n2023,529.4\n"),
            "h.csv:3:1: year 2023 follows 2021 (line 2), so 2022 is missing; the years must be consecutive: add the \
             missing years, or start the history after the gap"
        );
        assert!(error("year,value\n2016,1\n2021,2\n").contains("so 2017 to 2020 are missing"));
        assert_eq!(
            error("year,value\n2021,330\n2022,461.9\n2022,463.3\n"),
            "h.csv:4:1: year 2022 is repeated (also on line 3); keep one row per year"
        );
        assert_eq!(
            error("year,value\n2022,461.9\n# note\n2021,330\n"),
            "h.csv:4:1: year 2021 comes after 2022 (line 2); the years must ascend, one row per year"
        );
        assert!(error(&format!("year,value\n{},1\n{},2\n", i64::MAX, i64::MAX)).contains("is repeated"));
        assert!(error(&format!("year,value\n{},1\n{},2\n", i64::MAX - 2, i64::MAX)).contains("is missing"));
    }

    #[test]
    fn rates_beyond_what_a_scenario_accepts() {
        assert_eq!(
            error("year,value\n2021,1e300\n2022,1e-300\n"),
            "h.csv:3:6: 2022's value 1e-300 is so far below 2021's 1e300 that the yearly rate rounds to -100%, \
             which no growth rate can be; check the value and its unit"
        );
        // 2^-54 - 1 rounds to -1 (a tie, to even).
        let tiny = f64::EPSILON / 4.0;
        assert!(error(&format!("year,value\n1,1\n2,{tiny:e}\n")).contains("rounds to -100%"));
        assert_eq!(
            error("year,value\n2021,1\n2022,1000002\n"),
            "h.csv:3:6: 2022's value 1000002 is more than a million times 2021's 1 (a yearly rate above 1e6, the \
             most a scenario accepts); check the value and its unit"
        );
        assert!(error("year,value\n2021,1e-300\n2022,1e300\n").contains("more than a million times"));
    }

    #[test]
    fn rates_just_above_minus_one_keep_the_mean_above_minus_one() {
        // Each year keeps 2^-52 or 2^-53 of the level: rates -1 + 2^-52 and -1 + 2^-53, the
        // closest a rate can come to -1. Their mean must stay above -1 and validate.
        for step in [52, 53] {
            let mut text = String::from("year,value\n");
            for k in 0..19 {
                text += &format!("{},{:e}\n", 2000 + k, 2f64.powi(-step * k));
            }
            let c = calibrate(&history(&text), Distribution::Lognormal);
            assert!(c.mean > -1.0 && c.mean < -0.999_999_999_999_99, "{}", c.mean);
            assert_round_trips(&c);
        }
    }

    proptest::proptest! {
        /// Any history with rates in the range a scenario accepts gives a table that validates
        /// and reads back as exactly the fitted figures.
        #[test]
        fn any_valid_history_pastes_exactly(
            factors in proptest::collection::vec(1e-6_f64..1e5, 1..20),
            normal in proptest::bool::ANY,
        ) {
            let mut text = String::from("year,value\n1990,1.0\n");
            let mut value = 1.0_f64;
            for (k, f) in factors.iter().enumerate() {
                value *= f;
                text += &format!("{},{value:?}\n", 1991 + k);
            }
            let d = if normal { Distribution::Normal } else { Distribution::Lognormal };
            let c = calibrate(&history(&text), d);
            assert_eq!(c.rates.len(), factors.len());
            assert_round_trips(&c);
        }
    }
}
