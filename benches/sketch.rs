//! The quantile sketch's hot loop (`cargo bench --bench sketch`): `Sketch::add_all` of a block of
//! values into each year's sketch, as the engine records a block of paths (src/engine.rs): 28
//! years of 4096 values each, lognormal around 460 and spreading with the years like the bench
//! scenario's levels, into `u32` sketches. Throughput is in values. On a busy machine,
//! `TRADESIM_BENCH_CLOCK=cpu` times CPU time instead of wall time (see benches/common/mod.rs).

// Only the clock and group helpers are used here; the scenario and pool helpers are for the
// other benches.
#[allow(dead_code)]
mod common;

use std::hint::black_box;

use criterion::Criterion;
use criterion::measurement::Measurement;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use tradesim::stats::sketch::Sketch;

/// Years of values, and values per year: a block of the engine.
const YEARS: usize = 28;
const BLOCK: usize = 4096;

/// Year `k`'s values: `460 exp(0.1 k + 0.15 sqrt(k) z)`.
fn blocks() -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    (1..=YEARS)
        .map(|k| {
            let k = k as f64;
            (0..BLOCK)
                .map(|_| {
                    let z: f64 = rng.sample(StandardNormal);
                    460.0 * (0.1 * k + 0.15 * k.sqrt() * z).exp()
                })
                .collect()
        })
        .collect()
}

fn sketch<M: Measurement>(c: &mut Criterion<M>) {
    let blocks = blocks();
    let extremes: Vec<(f64, f64)> = blocks
        .iter()
        .map(|b| (b.iter().copied().fold(f64::INFINITY, f64::min), b.iter().copied().fold(0.0, f64::max)))
        .collect();
    let mut sketches = vec![Sketch::<u32>::new(); YEARS];
    let mut group = common::group(c, "sketch", 50, 3, (YEARS * BLOCK) as u64);
    group.bench_function("add_all", |b| {
        b.iter(|| {
            for ((sketch, values), &(min, max)) in sketches.iter_mut().zip(&blocks).zip(&extremes) {
                sketch.add_all(black_box(values), min, max);
            }
        })
    });
    group.finish();
    // Far fewer than 2^32 values in any bucket: the u32 counts cannot overflow.
    black_box(&sketches);
}

fn main() {
    common::main(sketch, sketch);
}
