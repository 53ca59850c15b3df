//! The growth model of SPEC §2 steps 2–4: a first-year mean fading to a long-run mean with a
//! half-life, surprises that may persist from year to year (AR(1)), and the six distributions
//! of the yearly rate. A [`Growth`] is valid by construction (SPEC §1 `[growth]` rules); the
//! engine turns it into per-year tables once per run and never re-checks.

use crate::error::Invalid;
use crate::model::bounded::BoundedQuantile;

/// The `growth.distribution` choices of SPEC §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DistributionKind {
    Constant,
    Normal,
    #[default]
    Lognormal,
    Triangular,
    Pert,
    Uniform,
}

impl DistributionKind {
    pub const CHOICES: &'static str = "constant, normal, lognormal, triangular, pert, uniform";

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Ok(match text {
            "constant" => Self::Constant,
            "normal" => Self::Normal,
            "lognormal" => Self::Lognormal,
            "triangular" => Self::Triangular,
            "pert" => Self::Pert,
            "uniform" => Self::Uniform,
            other => {
                return Err(Invalid::UnknownChoice {
                    key: "distribution",
                    expected: Self::CHOICES,
                    got: format!("'{other}'"),
                });
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Constant => "constant",
            Self::Normal => "normal",
            Self::Lognormal => "lognormal",
            Self::Triangular => "triangular",
            Self::Pert => "pert",
            Self::Uniform => "uniform",
        }
    }

    /// The parameter keys this distribution takes, and the hint shown when another one is given.
    fn keys(self) -> (&'static [&'static str], &'static str) {
        match self {
            Self::Constant => (&["mean"], "constant growth takes only mean"),
            Self::Normal | Self::Lognormal => (&["mean", "sd", "persistence"], "it takes mean, sd and persistence"),
            Self::Triangular | Self::Pert => (&["min", "mode", "max"], "it takes min, mode and max"),
            Self::Uniform => (&["min", "max"], "uniform takes min and max"),
        }
    }
}

/// The `[growth]` table as written, before validation. Absent keys are `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GrowthParams {
    pub distribution: DistributionKind,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub min: Option<f64>,
    pub mode: Option<f64>,
    pub max: Option<f64>,
    pub long_run_mean: Option<f64>,
    pub half_life: Option<f64>,
    pub persistence: Option<f64>,
}

/// The distribution of the yearly rate, with its validated parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Constant,
    Normal { sd: f64 },
    Lognormal { sd: f64 },
    Triangular { min: f64, mode: f64, max: f64 },
    Pert { min: f64, mode: f64, max: f64 },
    Uniform { min: f64, max: f64 },
}

/// A validated growth model (SPEC §2 steps 2–4).
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    shape: Shape,
    first_year_mean: f64,
    long_run_mean: f64,
    half_life: f64,
    persistence: f64,
}

/// The largest size of a rate parameter (mean, sd, min, mode, max, long_run_mean,
/// growth_change, level_change): +100,000,000% a year, far beyond any trade series, and small
/// enough that no sum or difference of parameters can overflow.
pub const MAX_RATE: f64 = 1e6;

/// A parameter that, when given, is a finite number.
pub(crate) fn finite(key: &'static str, value: Option<f64>) -> Result<Option<f64>, Invalid> {
    match value {
        Some(v) if !v.is_finite() => Err(Invalid::NotFinite { key, value: v }),
        other => Ok(other),
    }
}

/// A finite rate parameter no larger than [`MAX_RATE`] in size.
pub(crate) fn rate(key: &'static str, value: Option<f64>) -> Result<Option<f64>, Invalid> {
    match finite(key, value)? {
        Some(v) if v.abs() > MAX_RATE => Err(out_of_range(key, "within [-1e6, 1e6] (a rate: 0.40 = +40%)", v)),
        other => Ok(other),
    }
}

fn required(key: &'static str, value: Option<f64>, when: &'static str) -> Result<f64, Invalid> {
    value.ok_or(Invalid::Missing { key, when })
}

fn out_of_range(key: &'static str, rule: &str, got: f64) -> Invalid {
    Invalid::OutOfRange { key, rule: rule.to_string(), got: got.to_string() }
}

impl Growth {
    pub fn new(p: GrowthParams) -> Result<Self, Invalid> {
        let kind = p.distribution;
        let (allowed, hint) = kind.keys();
        let given = [
            ("mean", p.mean),
            ("sd", p.sd),
            ("min", p.min),
            ("mode", p.mode),
            ("max", p.max),
            ("persistence", p.persistence),
        ];
        for (key, value) in given {
            if value.is_some() && !allowed.contains(&key) {
                return Err(Invalid::NotForDistribution { key, distribution: kind.as_str(), hint });
            }
        }
        let mean = rate("mean", p.mean)?;
        let sd = rate("sd", p.sd)?;
        let min = rate("min", p.min)?;
        let mode = rate("mode", p.mode)?;
        let max = rate("max", p.max)?;
        let long_run = rate("long_run_mean", p.long_run_mean)?;
        let half_life = finite("half_life", p.half_life)?;
        let persistence = finite("persistence", p.persistence)?.unwrap_or(0.0);

        let mean_needed = "for the constant, normal and lognormal distributions";
        let checked_mean = |m: Option<f64>| -> Result<f64, Invalid> {
            let m = required("mean", m, mean_needed)?;
            if m > -1.0 { Ok(m) } else { Err(out_of_range("mean", "greater than -1 (a rate, 0.40 = +40%)", m)) }
        };
        let checked_sd = |s: Option<f64>| -> Result<f64, Invalid> {
            let s = required("sd", s, "for the normal and lognormal distributions")?;
            if s >= 0.0 { Ok(s) } else { Err(out_of_range("sd", "at least 0", s)) }
        };
        let three_point = |min: Option<f64>, mode: Option<f64>, max: Option<f64>| -> Result<(f64, f64, f64), Invalid> {
            let when = "for the triangular and pert distributions";
            let (lo, mo, hi) =
                (required("min", min, when)?, required("mode", mode, when)?, required("max", max, when)?);
            if lo >= hi {
                return Err(out_of_range("max", &format!("greater than min ({lo})"), hi));
            }
            if mo < lo || mo > hi {
                return Err(out_of_range("mode", &format!("within [min, max] = [{lo}, {hi}]"), mo));
            }
            Ok((lo, mo, hi))
        };

        let (shape, first_year_mean) = match kind {
            DistributionKind::Constant => (Shape::Constant, checked_mean(mean)?),
            DistributionKind::Normal => (Shape::Normal { sd: checked_sd(sd)? }, checked_mean(mean)?),
            DistributionKind::Lognormal => (Shape::Lognormal { sd: checked_sd(sd)? }, checked_mean(mean)?),
            DistributionKind::Triangular => {
                let (min, mode, max) = three_point(min, mode, max)?;
                (Shape::Triangular { min, mode, max }, (min + mode + max) / 3.0)
            }
            DistributionKind::Pert => {
                let (min, mode, max) = three_point(min, mode, max)?;
                (Shape::Pert { min, mode, max }, (min + 4.0 * mode + max) / 6.0)
            }
            DistributionKind::Uniform => {
                let when = "for the uniform distribution";
                let (lo, hi) = (required("min", min, when)?, required("max", max, when)?);
                if lo >= hi {
                    return Err(out_of_range("max", &format!("greater than min ({lo})"), hi));
                }
                (Shape::Uniform { min: lo, max: hi }, (lo + hi) / 2.0)
            }
        };

        if !(0.0..1.0).contains(&persistence) {
            return Err(out_of_range("persistence", "within [0, 1)", persistence));
        }
        let long_run_mean = long_run.unwrap_or(first_year_mean);
        // Lognormal growth takes ln(1 + m(k)), so every expected rate must stay above -1; the
        // other distributions' rates are floored at -0.99 (SPEC §2 step 5) whatever they are.
        if kind == DistributionKind::Lognormal && long_run_mean <= -1.0 {
            return Err(out_of_range("long_run_mean", "greater than -1 for lognormal growth", long_run_mean));
        }
        if let Some(h) = half_life
            && h <= 0.0
        {
            return Err(out_of_range("half_life", "greater than 0 (years)", h));
        }
        let half_life = match half_life {
            Some(h) => h,
            None if long_run_mean != first_year_mean => {
                return Err(Invalid::Missing {
                    key: "half_life",
                    when: "when long_run_mean differs from the first-year mean (years for the gap to halve, e.g. 3.0)",
                });
            }
            None => 1.0,
        };
        Ok(Growth { shape, first_year_mean, long_run_mean, half_life, persistence })
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn kind(&self) -> DistributionKind {
        match self.shape {
            Shape::Constant => DistributionKind::Constant,
            Shape::Normal { .. } => DistributionKind::Normal,
            Shape::Lognormal { .. } => DistributionKind::Lognormal,
            Shape::Triangular { .. } => DistributionKind::Triangular,
            Shape::Pert { .. } => DistributionKind::Pert,
            Shape::Uniform { .. } => DistributionKind::Uniform,
        }
    }

    /// `m1`: the expected rate in the first simulated year.
    pub fn first_year_mean(&self) -> f64 {
        self.first_year_mean
    }

    /// `L`: the rate expected growth fades to.
    pub fn long_run_mean(&self) -> f64 {
        self.long_run_mean
    }

    pub fn persistence(&self) -> f64 {
        self.persistence
    }

    /// Years for the gap between expected growth and the long-run mean to halve; 1 (unused)
    /// when there is no fade.
    pub fn half_life(&self) -> f64 {
        self.half_life
    }

    /// `m(k) = L + (m1 - L) * 2^(-(k-1)/half_life)` for simulated year `k >= 1` (SPEC §2 step 2).
    pub fn expected_rate(&self, k: u32) -> f64 {
        let (m1, long_run) = (self.first_year_mean, self.long_run_mean);
        if m1 == long_run {
            return m1;
        }
        long_run + (m1 - long_run) * (-(f64::from(k) - 1.0) / self.half_life).exp2()
    }

    /// `1 + m(k)`: the gross rate of constant growth, and the centre of normal growth's
    /// `1 + r(k) = (1 + m(k)) + sd * z(k)` (SPEC §2 step 4, in the gross form the engine uses).
    pub fn gross_mean(&self, k: u32) -> f64 {
        1.0 + self.expected_rate(k)
    }

    /// `1 + m(k) - m1`: what bounded growth adds to a draw `X` of its distribution, so that
    /// `1 + r(k) = X + (1 + m(k) - m1)` (SPEC §2 step 4, triangular / pert / uniform).
    pub fn bounded_shift(&self, k: u32) -> f64 {
        1.0 + self.expected_rate(k) - self.first_year_mean
    }

    /// Lognormal parameters for year `k`: `1 + r = exp(mu + s * z)` has mean `1 + m(k)` and
    /// standard deviation `sd` (SPEC §2 step 4). Returns `(mu, s)`.
    pub fn lognormal_parameters(&self, k: u32, sd: f64) -> (f64, f64) {
        let gross = self.gross_mean(k);
        let s2 = (sd * sd / (gross * gross)).ln_1p();
        (gross.ln() - s2 / 2.0, s2.sqrt())
    }

    /// The quantile function of bounded growth's distribution (triangular, pert, uniform):
    /// `X = Q(u)` from one uniform `u` per path and year (SPEC §2 step 4; inverse CDF, so that
    /// sweeps of `min`, `mode` and `max` move every draw smoothly: common random numbers).
    /// `None` for the other distributions. (A PERT table takes about a millisecond to build.)
    pub fn bounded_quantile(&self) -> Option<BoundedQuantile> {
        match self.shape {
            Shape::Triangular { min, mode, max } => Some(BoundedQuantile::triangular(min, mode, max)),
            Shape::Pert { min, mode, max } => Some(BoundedQuantile::pert(min, mode, max)),
            Shape::Uniform { min, max } => Some(BoundedQuantile::uniform(min, max)),
            Shape::Constant | Shape::Normal { .. } | Shape::Lognormal { .. } => None,
        }
    }

    /// Whether every path grows the same: constant growth, or normal or lognormal growth with
    /// no spread. (`exp(ln(1 + m))` need not give back `1 + m` to the last bit, and a target
    /// reached exactly must be reached, so these take `1 + m(k)` as it is.)
    pub fn is_certain(&self) -> bool {
        matches!(self.shape, Shape::Constant | Shape::Normal { sd: 0.0 } | Shape::Lognormal { sd: 0.0 })
    }
}

/// The AR(1) surprise of SPEC §2 step 3: `z(1) = e(1)`, `z(k) = phi z(k-1) + sqrt(1-phi^2) e(k)`
/// (with `phi = 0` this is `0 * z + 1 * e = e` exactly), the first product fused with the sum
/// (`mul_add`: one rounding, the same bits with or without FMA instructions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ar1 {
    pub(crate) persistence: f64,
    /// `sqrt(1 - persistence^2)`: the weight of the fresh normal.
    pub(crate) fresh: f64,
}

impl Ar1 {
    pub fn new(persistence: f64) -> Self {
        Ar1 { persistence, fresh: (1.0 - persistence * persistence).sqrt() }
    }

    /// `z(k)` from `z(k - 1)` and the year's standard normal `e(k)`, for `k >= 2`.
    #[inline(always)]
    pub fn next(self, previous: f64, e: f64) -> f64 {
        self.persistence.mul_add(previous, self.fresh * e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lognormal(mean: f64, sd: f64) -> GrowthParams {
        GrowthParams { mean: Some(mean), sd: Some(sd), ..GrowthParams::default() }
    }

    #[test]
    fn fade_halves_the_gap_every_half_life() {
        let g = Growth::new(GrowthParams { long_run_mean: Some(0.06), half_life: Some(2.0), ..lognormal(0.40, 0.1) })
            .unwrap();
        assert_eq!(g.expected_rate(1), 0.40);
        assert!((g.expected_rate(3) - (0.06 + 0.34 / 2.0)).abs() < 1e-15);
        assert!((g.expected_rate(5) - (0.06 + 0.34 / 4.0)).abs() < 1e-15);
    }

    #[test]
    fn lognormal_parameters_reproduce_mean_and_sd() {
        let g = Growth::new(lognormal(0.4, 0.15)).unwrap();
        let (mu, s) = g.lognormal_parameters(1, 0.15);
        let mean = (mu + s * s / 2.0).exp();
        let var = (s * s).exp_m1() * (2.0 * mu + s * s).exp();
        assert!((mean - 1.4).abs() < 1e-12);
        assert!((var.sqrt() - 0.15).abs() < 1e-12);
    }

    #[test]
    fn bounded_distributions_use_their_own_mean() {
        let tri = Growth::new(GrowthParams {
            distribution: DistributionKind::Triangular,
            min: Some(0.0),
            mode: Some(0.15),
            max: Some(0.45),
            ..GrowthParams::default()
        })
        .unwrap();
        assert!((tri.first_year_mean() - 0.2).abs() < 1e-15);
        let pert = Growth::new(GrowthParams {
            distribution: DistributionKind::Pert,
            min: Some(0.0),
            mode: Some(0.15),
            max: Some(0.3),
            ..GrowthParams::default()
        })
        .unwrap();
        assert!((pert.first_year_mean() - 0.15).abs() < 1e-15);
    }

    #[test]
    fn rejects_what_spec_section_1_forbids() {
        let err = |p: GrowthParams| Growth::new(p).unwrap_err();
        assert_eq!(err(lognormal(0.4, -0.1)).key(), "sd");
        assert_eq!(err(lognormal(-1.0, 0.1)).key(), "mean");
        assert_eq!(err(lognormal(f64::NAN, 0.1)).key(), "mean");
        assert_eq!(err(lognormal(0.4, 1e7)).key(), "sd");
        let uniform_too_wide = GrowthParams {
            distribution: DistributionKind::Uniform,
            min: Some(-1e308),
            max: Some(1e308),
            ..GrowthParams::default()
        };
        assert_eq!(err(uniform_too_wide).key(), "min");
        assert_eq!(err(GrowthParams { sd: None, ..lognormal(0.4, 0.0) }).key(), "sd");
        assert_eq!(err(GrowthParams { persistence: Some(1.0), ..lognormal(0.4, 0.1) }).key(), "persistence");
        assert_eq!(err(GrowthParams { long_run_mean: Some(0.06), ..lognormal(0.4, 0.1) }).key(), "half_life");
        assert_eq!(err(GrowthParams { half_life: Some(0.0), ..lognormal(0.4, 0.1) }).key(), "half_life");
        let constant_with_sd = GrowthParams { distribution: DistributionKind::Constant, ..lognormal(0.4, 0.1) };
        assert!(matches!(err(constant_with_sd), Invalid::NotForDistribution { key: "sd", .. }));
        let bounded_below_minus_one = GrowthParams {
            distribution: DistributionKind::Uniform,
            min: Some(-3.0),
            max: Some(0.5),
            ..GrowthParams::default()
        };
        assert!(Growth::new(bounded_below_minus_one).is_ok());
        let uniform_backwards = GrowthParams {
            distribution: DistributionKind::Uniform,
            min: Some(0.3),
            max: Some(0.1),
            ..GrowthParams::default()
        };
        assert_eq!(err(uniform_backwards).key(), "max");
        let pert_mode_outside = GrowthParams {
            distribution: DistributionKind::Pert,
            min: Some(0.0),
            mode: Some(0.5),
            max: Some(0.3),
            ..GrowthParams::default()
        };
        assert_eq!(err(pert_mode_outside).key(), "mode");
    }
}
