//! Sanctions and trade-route events (SPEC §1 `[[shocks]]`, §2 steps 1, 5–7): when an occurrence
//! may start, how long it lasts, and what it does to the level, the growth rate and the ceiling
//! of trade. A [`Shock`] is valid by construction; the engine reads its fields without checks.

use crate::error::Invalid;
use crate::model::growth::{finite, rate};
use crate::scenario::{MAX_VALUE, MIN_VALUE};

/// Whether `text` can stand as a label in a CSV cell or a table: not empty or blank (SPEC §5
/// keeps an empty cell for an undefined figure), and one line: no control characters (among them
/// `\n`, `\r` and U+0085) and neither of Unicode's line and paragraph separators.
pub fn is_one_line_label(text: &str) -> bool {
    !text.trim().is_empty() && !text.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// The rule [`is_one_line_label`] checks, in words.
pub const ONE_LINE_LABEL: &str = "one line of text (not empty, no newline or control characters)";

/// `kind`: a label carried into `shocks.csv`; the model treats all kinds alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShockKind {
    Sanction,
    Route,
    Other,
}

impl ShockKind {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text {
            "sanction" => Ok(Self::Sanction),
            "route" => Ok(Self::Route),
            "other" => Ok(Self::Other),
            other => Err(Invalid::UnknownChoice {
                key: "kind",
                expected: "sanction, route, other",
                got: format!("'{other}'"),
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sanction => "sanction",
            Self::Route => "route",
            Self::Other => "other",
        }
    }
}

/// How long an occurrence stays active, counted in years from its start year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duration {
    Years(u32),
    /// A whole number of years drawn uniformly from `min..=max` when the occurrence starts.
    Between {
        min: u32,
        max: u32,
    },
    /// Active until the horizon.
    Permanent,
}

const DURATION_FORMS: &str = "an integer >= 1, { min = 1, max = 3 } or \"permanent\"";

impl Duration {
    /// Reads the three forms SPEC §1 allows for `duration`.
    pub fn from_toml(value: &toml::Value) -> Result<Self, Invalid> {
        let years = |v: &toml::Value, key: &'static str| -> Result<u32, Invalid> {
            match v.as_integer() {
                Some(n) if (1..=i64::from(u32::MAX)).contains(&n) => Ok(n as u32),
                Some(n) => {
                    Err(Invalid::OutOfRange { key, rule: "a whole number of years >= 1".into(), got: n.to_string() })
                }
                None => Err(Invalid::OutOfRange { key, rule: DURATION_FORMS.into(), got: v.to_string() }),
            }
        };
        match value {
            toml::Value::String(s) if s == "permanent" => Ok(Duration::Permanent),
            toml::Value::Integer(_) => Ok(Duration::Years(years(value, "duration")?)),
            toml::Value::Table(t) => {
                if let Some(extra) = t.keys().find(|k| *k != "min" && *k != "max") {
                    return Err(Invalid::OutOfRange {
                        key: "duration",
                        rule: "a table with only min and max".into(),
                        got: format!("key '{extra}'"),
                    });
                }
                let get = |key: &'static str| {
                    t.get(key.strip_prefix("duration.").unwrap_or(key)).ok_or(Invalid::Missing {
                        key,
                        when: "in a duration range, e.g. duration = { min = 1, max = 3 }",
                    })
                };
                let min = years(get("duration.min")?, "duration.min")?;
                let max = years(get("duration.max")?, "duration.max")?;
                if min > max {
                    return Err(Invalid::OutOfRange {
                        key: "duration.max",
                        rule: format!("at least duration.min ({min})"),
                        got: max.to_string(),
                    });
                }
                Ok(Duration::Between { min, max })
            }
            other => Err(Invalid::OutOfRange { key: "duration", rule: DURATION_FORMS.into(), got: other.to_string() }),
        }
    }
}

/// One `[[shocks]]` entry as written, before validation. Absent keys are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShockParams {
    pub name: String,
    pub kind: ShockKind,
    pub probability: Option<f64>,
    pub first_year: Option<i64>,
    pub last_year: Option<i64>,
    pub year: Option<i64>,
    pub max_occurrences: Option<i64>,
    pub duration: Option<Duration>,
    pub level_change: Option<f64>,
    pub growth_change: Option<f64>,
    pub recovery: Option<f64>,
    pub cap_value: Option<f64>,
}

impl ShockParams {
    /// A shock with every optional key absent.
    pub fn named(name: &str) -> Self {
        ShockParams {
            name: name.to_string(),
            kind: ShockKind::Other,
            probability: None,
            first_year: None,
            last_year: None,
            year: None,
            max_occurrences: None,
            duration: None,
            level_change: None,
            growth_change: None,
            recovery: None,
            cap_value: None,
        }
    }
}

/// A validated shock (SPEC §1, §2).
#[derive(Debug, Clone, PartialEq)]
pub struct Shock {
    name: String,
    kind: ShockKind,
    probability: f64,
    first_year: i32,
    last_year: i32,
    max_occurrences: u32,
    duration: Duration,
    level_change: f64,
    growth_change: f64,
    recovery: f64,
    cap_value: Option<f64>,
}

impl Shock {
    /// Validates one shock against SPEC §1, for a scenario simulating `base_year + 1 ..= horizon_year`.
    pub fn new(p: ShockParams, base_year: i32, horizon_year: i32) -> Result<Self, Invalid> {
        // The name is a cell of shocks.csv: a newline would break the row, an empty name would
        // read as an undefined figure.
        if !is_one_line_label(&p.name) {
            return Err(Invalid::OutOfRange { key: "name", rule: ONE_LINE_LABEL.into(), got: format!("{:?}", p.name) });
        }
        let probability = finite("probability", p.probability)?;
        let level_change = rate("level_change", p.level_change)?.unwrap_or(0.0);
        let growth_change = rate("growth_change", p.growth_change)?.unwrap_or(0.0);
        let recovery = finite("recovery", p.recovery)?.unwrap_or(0.0);
        let cap_value = finite("cap_value", p.cap_value)?;

        let (first, last, probability) = match p.year {
            Some(_) if p.first_year.is_some() => {
                return Err(Invalid::Conflict {
                    key: "year",
                    other: "first_year",
                    hint: "use year for a single start year, or first_year/last_year for a window",
                });
            }
            Some(_) if p.last_year.is_some() => {
                return Err(Invalid::Conflict {
                    key: "year",
                    other: "last_year",
                    hint: "use year for a single start year, or first_year/last_year for a window",
                });
            }
            Some(year) => (year, year, probability.unwrap_or(1.0)),
            None => {
                let probability = probability.ok_or(Invalid::Missing {
                    key: "probability",
                    when: "unless year is given (the chance per year that an occurrence starts, e.g. 0.1)",
                })?;
                // Only a window written out in full can be the wrong way round; one with a
                // default end (first_year after the horizon, last_year before the base year)
                // simply lies outside the simulated years.
                if let (Some(first), Some(last)) = (p.first_year, p.last_year)
                    && last < first
                {
                    return Err(Invalid::OutOfRange {
                        key: "last_year",
                        rule: format!("at least first_year ({first})"),
                        got: last.to_string(),
                    });
                }
                (
                    p.first_year.unwrap_or(i64::from(base_year) + 1),
                    p.last_year.unwrap_or(i64::from(horizon_year)),
                    probability,
                )
            }
        };
        // SPEC §1 sets no range for the window: years outside the simulation simply never come,
        // so the window is cut to the simulated years (it may end up empty: the shock never
        // starts, [`Shock::can_start`] is false, and the scenario loader warns).
        let (simulated_first, simulated_last) = (i64::from(base_year) + 1, i64::from(horizon_year));
        let (first, last) = (first.max(simulated_first), last.min(simulated_last));
        let (first, last) = if first <= last { (first, last) } else { (simulated_last + 1, simulated_last) };
        if !(0.0..=1.0).contains(&probability) {
            return Err(Invalid::OutOfRange {
                key: "probability",
                rule: "within [0, 1] (a chance per year)".into(),
                got: probability.to_string(),
            });
        }
        let max_occurrences = match p.max_occurrences {
            None => 1,
            Some(n) if n >= 1 => u32::try_from(n).unwrap_or(u32::MAX),
            Some(n) => {
                return Err(Invalid::OutOfRange {
                    key: "max_occurrences",
                    rule: "a whole number >= 1".into(),
                    got: n.to_string(),
                });
            }
        };
        if level_change <= -1.0 {
            return Err(Invalid::OutOfRange {
                key: "level_change",
                rule: "greater than -1 (-0.20 = a 20% drop)".into(),
                got: level_change.to_string(),
            });
        }
        if !(0.0..=1.0).contains(&recovery) {
            return Err(Invalid::OutOfRange {
                key: "recovery",
                rule: "within [0, 1] (the share of the level change undone at the end)".into(),
                got: recovery.to_string(),
            });
        }
        // The range of base_value and target_value: a smaller cap could not be applied, since
        // levels are held at or above LEVEL_FLOOR (SPEC §2 step 7).
        if let Some(cap) = cap_value {
            if cap <= 0.0 {
                return Err(Invalid::OutOfRange {
                    key: "cap_value",
                    rule: "greater than 0".into(),
                    got: cap.to_string(),
                });
            }
            if !(MIN_VALUE..=MAX_VALUE).contains(&cap) {
                return Err(Invalid::OutOfRange {
                    key: "cap_value",
                    rule: format!("within [{MIN_VALUE:e}, {MAX_VALUE:e}] (change the unit to bring it into range)"),
                    got: format!("{cap:e}"),
                });
            }
        }
        Ok(Shock {
            name: p.name,
            kind: p.kind,
            probability,
            first_year: first as i32,
            last_year: last as i32,
            max_occurrences,
            duration: p.duration.unwrap_or(Duration::Years(1)),
            level_change,
            growth_change,
            recovery,
            cap_value,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn kind(&self) -> ShockKind {
        self.kind
    }
    pub fn probability(&self) -> f64 {
        self.probability
    }
    pub fn first_year(&self) -> i32 {
        self.first_year
    }
    pub fn last_year(&self) -> i32 {
        self.last_year
    }
    pub fn max_occurrences(&self) -> u32 {
        self.max_occurrences
    }
    pub fn duration(&self) -> Duration {
        self.duration
    }
    pub fn level_change(&self) -> f64 {
        self.level_change
    }
    pub fn growth_change(&self) -> f64 {
        self.growth_change
    }
    pub fn recovery(&self) -> f64 {
        self.recovery
    }
    pub fn cap_value(&self) -> Option<f64> {
        self.cap_value
    }

    /// Whether an occurrence can start at all: false when the window lies wholly outside the
    /// simulated years.
    pub fn can_start(&self) -> bool {
        self.first_year <= self.last_year
    }

    /// The factor applied to the level in the year after an occurrence's last active year:
    /// `1 + recovery * (1 / (1 + level_change) - 1)` (SPEC §2 step 6).
    pub fn recovery_factor(&self) -> f64 {
        1.0 + self.recovery * (1.0 / (1.0 + self.level_change) - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shock() -> ShockParams {
        ShockParams { probability: Some(0.1), ..ShockParams::named("s") }
    }

    #[test]
    fn year_shorthand_fixes_window_and_defaults_probability_to_one() {
        let s = Shock::new(ShockParams { year: Some(2024), probability: None, ..shock() }, 2022, 2050).unwrap();
        assert_eq!((s.first_year(), s.last_year(), s.probability()), (2024, 2024, 1.0));
    }

    #[test]
    fn windows_are_cut_to_the_simulated_years() {
        let s =
            Shock::new(ShockParams { first_year: Some(2000), last_year: Some(2100), ..shock() }, 2022, 2050).unwrap();
        assert_eq!((s.first_year(), s.last_year()), (2023, 2050));
        let never = Shock::new(ShockParams { year: Some(2060), probability: None, ..shock() }, 2022, 2050).unwrap();
        assert!(never.first_year() > never.last_year());
        let before = Shock::new(ShockParams { year: Some(2020), probability: None, ..shock() }, 2022, 2050).unwrap();
        assert!(before.first_year() > before.last_year());
    }

    #[test]
    fn defaults_follow_spec() {
        let s = Shock::new(shock(), 2022, 2050).unwrap();
        assert_eq!((s.first_year(), s.last_year(), s.max_occurrences()), (2023, 2050, 1));
        assert_eq!(s.duration(), Duration::Years(1));
        assert_eq!((s.level_change(), s.growth_change(), s.recovery(), s.cap_value()), (0.0, 0.0, 0.0, None));
    }

    #[test]
    fn recovery_factor_undoes_a_share_of_the_level_change() {
        let s =
            Shock::new(ShockParams { level_change: Some(-0.2), recovery: Some(1.0), ..shock() }, 2022, 2050).unwrap();
        assert!((s.recovery_factor() * 0.8 - 1.0).abs() < 1e-15);
        let half =
            Shock::new(ShockParams { level_change: Some(-0.2), recovery: Some(0.5), ..shock() }, 2022, 2050).unwrap();
        assert!((half.recovery_factor() - 1.125).abs() < 1e-15);
    }

    #[test]
    fn rejects_what_spec_section_1_forbids() {
        let err = |p: ShockParams| Shock::new(p, 2022, 2050).unwrap_err().key();
        assert_eq!(err(ShockParams { probability: Some(1.5), ..shock() }), "probability");
        assert_eq!(err(ShockParams { probability: None, ..shock() }), "probability");
        assert_eq!(err(ShockParams { year: Some(2024), first_year: Some(2024), ..shock() }), "year");
        assert_eq!(err(ShockParams { year: Some(2024), last_year: Some(2030), ..shock() }), "year");
        assert_eq!(err(ShockParams { last_year: Some(2021), first_year: Some(2023), ..shock() }), "last_year");
        assert_eq!(err(ShockParams { first_year: Some(2030), last_year: Some(2025), ..shock() }), "last_year");
        assert_eq!(err(ShockParams { max_occurrences: Some(0), ..shock() }), "max_occurrences");
        assert_eq!(err(ShockParams { level_change: Some(-1.0), ..shock() }), "level_change");
        assert_eq!(err(ShockParams { recovery: Some(1.1), ..shock() }), "recovery");
        assert_eq!(err(ShockParams { cap_value: Some(0.0), ..shock() }), "cap_value");
        assert_eq!(err(ShockParams { cap_value: Some(1e-201), ..shock() }), "cap_value");
        assert_eq!(err(ShockParams { cap_value: Some(1e201), ..shock() }), "cap_value");
        assert_eq!(err(ShockParams { growth_change: Some(f64::INFINITY), ..shock() }), "growth_change");
    }

    #[test]
    fn a_window_with_a_default_end_outside_the_simulated_years_is_valid_but_never_starts() {
        let after = Shock::new(ShockParams { first_year: Some(2060), ..shock() }, 2022, 2050).unwrap();
        let before = Shock::new(ShockParams { last_year: Some(2010), ..shock() }, 2022, 2050).unwrap();
        assert!(!after.can_start() && !before.can_start());
        assert!(Shock::new(shock(), 2022, 2050).unwrap().can_start());
    }

    #[test]
    fn names_are_one_line_of_text() {
        for bad in ["", " ", "a\nb", "a\rb", "a\tb", "a\u{7}b", "a\u{85}b", "a\u{2028}b", "a\u{2029}b"] {
            let e = Shock::new(ShockParams { name: bad.into(), ..shock() }, 2022, 2050).unwrap_err();
            assert_eq!(e.key(), "name", "{bad:?}");
        }
        for good in ["a", "EU sanctions, 2024", "Санкции", "ferry cap (\"soft\")"] {
            assert!(Shock::new(ShockParams { name: good.into(), ..shock() }, 2022, 2050).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn duration_forms() {
        let parse = |text: &str| Duration::from_toml(&text.parse::<toml::Table>().unwrap()["d"]);
        assert_eq!(parse("d = 2"), Ok(Duration::Years(2)));
        assert_eq!(parse("d = \"permanent\""), Ok(Duration::Permanent));
        assert_eq!(parse("d = { min = 1, max = 3 }"), Ok(Duration::Between { min: 1, max: 3 }));
        assert_eq!(parse("d = 0").unwrap_err().key(), "duration");
        assert_eq!(parse("d = 1.5").unwrap_err().key(), "duration");
        assert_eq!(parse("d = \"forever\"").unwrap_err().key(), "duration");
        assert_eq!(parse("d = { min = 3, max = 1 }").unwrap_err().key(), "duration.max");
        assert_eq!(parse("d = { min = 1 }").unwrap_err().key(), "duration.max");
        assert_eq!(parse("d = { min = 1, max = 2, mean = 1 }").unwrap_err().key(), "duration");
    }
}
