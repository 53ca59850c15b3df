//! The exact sum's hot path (`cargo bench --bench exact_sum`): `ExactSum::add_all` of a block's
//! values for each year, as the engine would record a block of paths (src/engine.rs): 28 years of
//! 4096 values each, lognormal around 460 and spreading with the years like the bench scenario's
//! levels. `add_all` as compiled for the baseline x86-64 (SSE2), as inlined into a caller compiled
//! for AVX2 (as the engine's AVX2 path would), and through its bins alone (the path for values
//! spread too widely for the split). Beside them, the float sums it replaces: one running sum in
//! order (plain `sum()`), and four running sums a lane apart (what src/engine.rs does today).
//! Throughput is in values. On a busy machine, `TRADESIM_BENCH_CLOCK=cpu` times CPU time instead
//! of wall time (see benches/common/mod.rs).

// Only the clock, group and block helpers are used here; the scenario and pool helpers are for
// the other benches.
#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::{BLOCK, YEARS};
use criterion::Criterion;
use criterion::measurement::Measurement;
use tradesim::stats::exact_sum::{Binned, ExactSum};

fn exact_sum<M: Measurement>(c: &mut Criterion<M>) {
    let (blocks, extremes) = common::blocks();
    let mut sums = vec![ExactSum::new(); YEARS];
    let mut scratch = Binned::new();
    let mut group = common::group(c, "exact_sum", 50, 3, (YEARS * BLOCK) as u64);
    group.bench_function("add_all", |b| {
        b.iter(|| {
            for ((sum, values), &(min, max)) in sums.iter_mut().zip(&blocks).zip(&extremes) {
                sum.add_all(black_box(values), min, max, &mut scratch);
            }
        })
    });
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        group.bench_function("add_all_avx2", |b| {
            // SAFETY: AVX2 was detected.
            b.iter(|| unsafe { add_all_avx2(&mut sums, &blocks, &extremes, &mut scratch) })
        });
    }
    // A spread too wide for the split: every block's first value times 2^-60 instead.
    let wide: Vec<Vec<f64>> = blocks.iter().map(|b| [&[b[0] * 2f64.powi(-60)], &b[1..]].concat()).collect();
    group.bench_function("add_all_bins", |b| {
        b.iter(|| {
            for ((sum, values), &(min, max)) in sums.iter_mut().zip(&wide).zip(&extremes) {
                sum.add_all(black_box(values), values[0].min(min), max, &mut scratch);
            }
        })
    });
    let mut floats = vec![0.0; YEARS];
    group.bench_function("float_sum", |b| {
        b.iter(|| {
            for (sum, values) in floats.iter_mut().zip(&blocks) {
                *sum += black_box(values).iter().sum::<f64>();
            }
        })
    });
    let mut fours = vec![[0.0; 4]; YEARS];
    group.bench_function("float_sum_4_lanes", |b| {
        b.iter(|| {
            for (sum, values) in fours.iter_mut().zip(&blocks) {
                for four in black_box(values).chunks_exact(4) {
                    for lane in 0..4 {
                        sum[lane] += four[lane];
                    }
                }
            }
        })
    });
    group.finish();
    black_box((&sums, &floats, &fours));
}

/// `add_all` inlined into a function compiled for AVX2, as into the engine's `run_batch_avx2`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn add_all_avx2(sums: &mut [ExactSum], blocks: &[Vec<f64>], extremes: &[(f64, f64)], scratch: &mut Binned) {
    for ((sum, values), &(min, max)) in sums.iter_mut().zip(blocks).zip(extremes) {
        sum.add_all(black_box(values), min, max, scratch);
    }
}

fn main() {
    common::main(exact_sum, exact_sum);
}
