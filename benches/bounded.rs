//! Bounded growth draws (`cargo bench --bench bounded`), SPEC §2 step 4: 4096 draws of `X` per
//! iteration from one `Xoshiro256PlusPlus`, throughput in draws. `rand_distr_*` sample
//! rand_distr's distributions as the engine does today; `*_quantile` are
//! `tradesim::bounded`'s inverse CDFs of `unit_open(rng.next_u64())`; `standard_normal` is
//! rand_distr's `StandardNormal`, the scalar draw behind lognormal growth, for reference. The
//! `bounded_build` group times building one PERT table (a sweep builds one per point). On a
//! busy machine, `TRADESIM_BENCH_CLOCK=cpu` times CPU time instead of wall time (see
//! benches/common/mod.rs).

// Only the clock and group helpers are used here; the scenario and pool helpers are for the
// other benches.
#[allow(dead_code)]
mod common;

use std::hint::black_box;

use criterion::Criterion;
use criterion::measurement::Measurement;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Pert, StandardNormal, Triangular, Uniform};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradesim::model::bounded::{PertQuantile, TriangularQuantile, UniformQuantile, unit_open};

/// Draws per iteration: a block of the engine's paths.
const DRAWS: usize = 4096;
/// A growth range like the scenarios': min, mode, max.
const MIN: f64 = -0.1;
const MODE: f64 = 0.25;
const MAX: f64 = 0.6;

fn bench_draws<M: Measurement>(
    group: &mut criterion::BenchmarkGroup<'_, M>,
    name: &str,
    draw: impl Fn(&mut Xoshiro256PlusPlus) -> f64,
) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(common::SEED);
    let mut out = vec![0.0; DRAWS];
    group.bench_function(name, |b| {
        b.iter(|| {
            for x in out.iter_mut() {
                *x = draw(&mut rng);
            }
            black_box(&out);
        })
    });
}

fn bounded<M: Measurement>(c: &mut Criterion<M>) {
    let mut group = common::group(c, "bounded", 20, 3, DRAWS as u64);
    let pert = Pert::new(MIN, MAX).with_mode(MODE).expect("a valid PERT");
    bench_draws(&mut group, "rand_distr_pert", |rng| rng.sample(pert));
    let pert = PertQuantile::new(MIN, MODE, MAX);
    bench_draws(&mut group, "pert_quantile", |rng| pert.quantile(unit_open(rng.next_u64())));
    let triangular = Triangular::new(MIN, MAX, MODE).expect("a valid triangular");
    bench_draws(&mut group, "rand_distr_triangular", |rng| rng.sample(triangular));
    let triangular = TriangularQuantile::new(MIN, MODE, MAX);
    bench_draws(&mut group, "triangular_quantile", |rng| triangular.quantile(unit_open(rng.next_u64())));
    let uniform = Uniform::new(MIN, MAX).expect("a valid uniform");
    bench_draws(&mut group, "rand_distr_uniform", |rng| rng.sample(uniform));
    let uniform = UniformQuantile::new(MIN, MAX);
    bench_draws(&mut group, "uniform_quantile", |rng| uniform.quantile(unit_open(rng.next_u64())));
    bench_draws(&mut group, "standard_normal", |rng| rng.sample(StandardNormal));
    group.finish();

    let mut group = common::group(c, "bounded_build", 20, 3, 1);
    group.bench_function("pert_table", |b| b.iter(|| black_box(PertQuantile::new(MIN, black_box(MODE), MAX))));
    group.finish();
}

fn main() {
    common::main(bounded, bounded);
}
