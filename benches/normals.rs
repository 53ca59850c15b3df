//! Standard normals for four paths in lockstep (`cargo bench --bench normals`), the engine's
//! growth surprises: `scalar` draws `rng.sample(StandardNormal)` from four `Xoshiro256PlusPlus`
//! one lane at a time, as the engine did; `lanes` draws the same numbers (bit for bit) with
//! `tradesim::random::normals::NormalLanes`. Each group of four generators is seeded afresh
//! (`seed_from_u64`, in both) and draws 28 normals per lane, one bench path's years; throughput
//! is in normals. On a busy machine, `TRADESIM_BENCH_CLOCK=cpu` times CPU time instead of wall
//! time (see benches/common/mod.rs).

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
use tradesim::engine::Backend;
use tradesim::random::normals::{LANES, NormalLanes};

/// Groups of four generators per iteration.
const GROUPS: u64 = 100_000;
/// Draws per generator: the bench scenario's simulated years.
const YEARS: usize = 28;

fn generators(group: u64) -> [Xoshiro256PlusPlus; LANES] {
    std::array::from_fn(|lane| Xoshiro256PlusPlus::seed_from_u64(group * LANES as u64 + lane as u64))
}

fn scalar(groups: u64) -> f64 {
    let mut out = [0.0; YEARS * LANES];
    let mut sum = 0.0;
    for group in 0..groups {
        let mut rngs = generators(group);
        for year in out.chunks_exact_mut(LANES) {
            for (e, rng) in year.iter_mut().zip(&mut rngs) {
                *e = rng.sample(StandardNormal);
            }
        }
        sum += black_box(&out)[0];
    }
    sum
}

fn lanes(groups: u64) -> f64 {
    let backend = Backend::detect();
    let mut out = [0.0; YEARS * LANES];
    let mut sum = 0.0;
    for group in 0..groups {
        NormalLanes::new(&generators(group)).fill(backend, &mut out);
        sum += black_box(&out)[0];
    }
    sum
}

fn normals<M: Measurement>(c: &mut Criterion<M>) {
    let mut group = common::group(c, "normals", 20, 3, GROUPS * (YEARS * LANES) as u64);
    group.bench_function("scalar", |b| b.iter(|| black_box(scalar(black_box(GROUPS)))));
    group.bench_function("lanes", |b| b.iter(|| black_box(lanes(black_box(GROUPS)))));
    group.finish();
}

fn main() {
    common::main(normals, normals);
}
