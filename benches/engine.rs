//! Speed of the engine (`cargo bench --bench engine`): `engine::simulate` on
//! benches/bench_scenario.toml at 100,000 runs on 1 and 2 threads, and the cost of deriving the
//! figures (`Summary::new`) from its merged statistics.
//!
//! Throughput is in path-years (runs × simulated years), the unit of benches/floor.rs too, so
//! `engine/simulate/T` and `floor/every_year/T` compare directly: their ratio is what the model
//! and the statistics cost on top of drawing the random numbers (scripts/bench.sh prints it).
//! Samples are few so that the whole file runs in well under a minute. On a busy machine,
//! `TRADESIM_BENCH_CLOCK=cpu` times CPU time instead of wall time (see benches/common/mod.rs).

// The block helpers are for the benches of what records values (sketch, exact_sum).
#[allow(dead_code)]
mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{RUNS, SEED, THREADS, bench_scenario, group_name, pool};
use criterion::measurement::Measurement;
use criterion::{BenchmarkId, Criterion};
use tradesim::engine;
use tradesim::stats::Summary;

fn engine<M: Measurement>(c: &mut Criterion<M>) {
    let scenario = bench_scenario();
    let mut group = common::group(c, "engine", 10, 4, RUNS * u64::from(scenario.years()));
    for threads in THREADS {
        let pool = pool(threads);
        group.bench_with_input(BenchmarkId::new("simulate", threads), &threads, |b, _| {
            b.iter(|| pool.install(|| engine::simulate(&scenario, black_box(RUNS), SEED)))
        });
    }
    group.finish();

    let stats = engine::simulate(&scenario, RUNS, SEED);
    let mut group = c.benchmark_group(group_name("summary"));
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    group.bench_function("new", |b| b.iter(|| Summary::new(&scenario, black_box(&stats))));
    group.finish();
}

fn main() {
    common::main(engine, engine);
}
