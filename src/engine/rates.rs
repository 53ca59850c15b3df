//! The gross growth rates `1 + r(k)` of SPEC §2 steps 2–4 for a group of paths, one
//! implementation per distribution so that the hot loop is compiled for each. The per-year
//! parameters (`1 + m(k)`, the lognormal `mu(k)` and `s(k)`, the bounded shift) come from
//! [`crate::model::growth::Growth`], tabulated once per run.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::engine::walk::LANES;
use crate::model::bounded::{BoundedQuantile, PertQuantile, TriangularQuantile, UniformQuantile, unit_open};
use crate::model::exp;
use crate::model::growth::{Ar1, Growth, Shape};
use crate::random::normals::{self, NormalLanes};
use crate::random::streams;
use crate::simd::Isa;

/// The gross growth factor `1 + r(k)` for every simulated year of `L` paths.
pub(crate) trait Rates: Sync {
    /// Fills `gross[(k - 1) * L + lane] = 1 + r(k)` for `k = 1 ..= gross.len() / L`, drawing
    /// lane `lane`'s surprises from the generator seeded with `seeds[lane]`
    /// ([`streams::xoshiro`]).
    fn fill<const L: usize, I: Isa>(&self, isa: I, seeds: &[[u64; 4]; L], gross: &mut [f64]);
}

/// The rates of one scenario, whichever its distribution: a match per group of paths, each arm
/// compiled for its distribution.
pub(crate) enum GrowthRates {
    Constant(Constant),
    Normal(Normal),
    Lognormal(Lognormal),
    Triangular(Bounded<TriangularQuantile>),
    Pert(Bounded<PertQuantile>),
    Uniform(Bounded<UniformQuantile>),
}

impl GrowthRates {
    /// The rates of `growth` over `years` simulated years.
    pub(crate) fn new(growth: &Growth, years: u32) -> Self {
        let per_year = |f: &dyn Fn(u32) -> f64| (1..=years).map(f).collect::<Vec<f64>>();
        if growth.is_certain() {
            return GrowthRates::Constant(Constant { gross: per_year(&|k| growth.gross_mean(k)) });
        }
        let ar = Ar1::new(growth.persistence());
        let gross_shift = || per_year(&|k| growth.bounded_shift(k));
        match (growth.shape(), growth.bounded_quantile()) {
            (Shape::Normal { sd }, _) => {
                GrowthRates::Normal(Normal { ar, gross_mean: per_year(&|k| growth.gross_mean(k)), sd })
            }
            (Shape::Lognormal { sd }, _) => {
                let (mu, s) = (1..=years).map(|k| growth.lognormal_parameters(k, sd)).unzip();
                GrowthRates::Lognormal(Lognormal { ar, mu, s })
            }
            (_, Some(BoundedQuantile::Triangular(quantile))) => {
                GrowthRates::Triangular(Bounded { quantile, gross_shift: gross_shift() })
            }
            (_, Some(BoundedQuantile::Pert(quantile))) => {
                GrowthRates::Pert(Bounded { quantile, gross_shift: gross_shift() })
            }
            (_, Some(BoundedQuantile::Uniform(quantile))) => {
                GrowthRates::Uniform(Bounded { quantile, gross_shift: gross_shift() })
            }
            (Shape::Constant | Shape::Triangular { .. } | Shape::Pert { .. } | Shape::Uniform { .. }, None) => {
                unreachable!("constant growth is certain; bounded growth has a quantile function")
            }
        }
    }
}

impl Rates for GrowthRates {
    #[inline(always)]
    fn fill<const L: usize, I: Isa>(&self, isa: I, seeds: &[[u64; 4]; L], gross: &mut [f64]) {
        match self {
            GrowthRates::Constant(rates) => rates.fill::<L, I>(isa, seeds, gross),
            GrowthRates::Normal(rates) => rates.fill::<L, I>(isa, seeds, gross),
            GrowthRates::Lognormal(rates) => rates.fill::<L, I>(isa, seeds, gross),
            GrowthRates::Triangular(rates) => rates.fill::<L, I>(isa, seeds, gross),
            GrowthRates::Pert(rates) => rates.fill::<L, I>(isa, seeds, gross),
            GrowthRates::Uniform(rates) => rates.fill::<L, I>(isa, seeds, gross),
        }
    }
}

/// Calls `each((k - 1) * L + lane, z(k))` for every year in order, lanes interleaved, with
/// `z(k)` lane `lane`'s AR(1) surprise (SPEC §2 step 3), and stores what it returns there.
/// Four lanes draw their normals together ([`NormalLanes`]: the same draws, faster).
#[inline(always)]
fn surprises<const L: usize, I: Isa>(
    ar: Ar1,
    isa: I,
    seeds: &[[u64; 4]; L],
    gross: &mut [f64],
    mut each: impl FnMut(usize, f64) -> f64,
) {
    let years = gross.len() / L;
    if let Ok(seeds) = <&[[u64; 4]; normals::LANES]>::try_from(&seeds[..]) {
        // The normals first, into `gross`, then the recurrence over them in place.
        NormalLanes::from_seeds(seeds).fill_with(isa, gross);
        let mut z = [0.0; L];
        for (i, year) in gross.chunks_exact_mut(L).enumerate() {
            for lane in 0..L {
                let e = year[lane];
                z[lane] = if i == 0 { e } else { ar.next(z[lane], e) };
                year[lane] = each(i * L + lane, z[lane]);
            }
        }
        return;
    }
    let mut rngs = seeds.map(streams::xoshiro);
    let mut z = [0.0; L];
    for lane in 0..L {
        z[lane] = rngs[lane].sample(StandardNormal);
        gross[lane] = each(lane, z[lane]);
    }
    for i in 1..years {
        for lane in 0..L {
            let e: f64 = rngs[lane].sample(StandardNormal);
            z[lane] = ar.next(z[lane], e);
            gross[i * L + lane] = each(i * L + lane, z[lane]);
        }
    }
}

/// `1 + m(k)`, the same every path.
pub(crate) struct Constant {
    gross: Vec<f64>,
}

impl Rates for Constant {
    #[inline(always)]
    fn fill<const L: usize, I: Isa>(&self, _: I, _: &[[u64; 4]; L], gross: &mut [f64]) {
        for (year, &g) in gross.chunks_exact_mut(L).zip(&self.gross) {
            year.fill(g);
        }
    }
}

/// `(1 + m(k)) + sd * z(k)`.
pub(crate) struct Normal {
    ar: Ar1,
    gross_mean: Vec<f64>,
    sd: f64,
}

impl Rates for Normal {
    #[inline(always)]
    fn fill<const L: usize, I: Isa>(&self, isa: I, seeds: &[[u64; 4]; L], gross: &mut [f64]) {
        surprises(self.ar, isa, seeds, gross, |j, z| self.gross_mean[j / L] + self.sd * z);
    }
}

/// `exp(mu(k) + s(k) * z(k))` (the exponent a `mul_add`): the exponents first, then one
/// vectorised pass of `exp`.
pub(crate) struct Lognormal {
    ar: Ar1,
    mu: Vec<f64>,
    s: Vec<f64>,
}

impl Rates for Lognormal {
    #[inline(always)]
    fn fill<const L: usize, I: Isa>(&self, isa: I, seeds: &[[u64; 4]; L], gross: &mut [f64]) {
        if let Ok(seeds) = <&[[u64; 4]; LANES]>::try_from(&seeds[..]) {
            NormalLanes::from_seeds(seeds).fill_with(isa, gross);
            isa.lognormal4(self.ar, &self.mu, &self.s, gross);
            return;
        }
        surprises(self.ar, isa, seeds, gross, |j, z| self.s[j / L].mul_add(z, self.mu[j / L]));
        exp::exp_in_place(gross);
    }
}

/// A bounded distribution's quantile function, specialised per family so that the hot loop is
/// compiled for each.
pub(crate) trait Quantile: Sync {
    fn quantile(&self, u: f64) -> f64;
}

impl Quantile for TriangularQuantile {
    #[inline(always)]
    fn quantile(&self, u: f64) -> f64 {
        TriangularQuantile::quantile(self, u)
    }
}

impl Quantile for PertQuantile {
    #[inline(always)]
    fn quantile(&self, u: f64) -> f64 {
        PertQuantile::quantile(self, u)
    }
}

impl Quantile for UniformQuantile {
    #[inline(always)]
    fn quantile(&self, u: f64) -> f64 {
        UniformQuantile::quantile(self, u)
    }
}

/// Triangular, PERT and uniform: `Q(u) + (1 + m(k) - m1)`, one uniform `u` per path and year
/// from the path's generator ([`unit_open`] of its next word).
pub(crate) struct Bounded<Q> {
    quantile: Q,
    gross_shift: Vec<f64>,
}

impl<Q: Quantile> Rates for Bounded<Q> {
    #[inline(always)]
    fn fill<const L: usize, I: Isa>(&self, _: I, seeds: &[[u64; 4]; L], gross: &mut [f64]) {
        let mut rngs = seeds.map(streams::xoshiro);
        for (year, shift) in gross.chunks_exact_mut(L).zip(&self.gross_shift) {
            for (g, rng) in year.iter_mut().zip(rngs.iter_mut()) {
                *g = self.quantile.quantile(unit_open(rng.next_u64())) + shift;
            }
        }
    }
}
