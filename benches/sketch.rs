//! The quantile sketch's hot loop (`cargo bench --bench sketch`): `Sketch::add_all` of a block of
//! values into each year's sketch, as the engine records a block of paths (src/engine.rs): 28
//! years of 4096 values each, lognormal around 460 and spreading with the years like the bench
//! scenario's levels, into `u32` sketches. Throughput is in values. On a busy machine,
//! `TRADESIM_BENCH_CLOCK=cpu` times CPU time instead of wall time (see benches/common/mod.rs).

// Only the clock, group and block helpers are used here; the scenario and pool helpers are for
// the other benches.
#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::{BLOCK, YEARS};
use criterion::Criterion;
use criterion::measurement::Measurement;
use tradesim::stats::sketch::Sketch;

fn sketch<M: Measurement>(c: &mut Criterion<M>) {
    let (blocks, extremes) = common::blocks();
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
