//! Speed of the engine (`cargo bench --bench engine`): `engine::simulate` on
//! benches/bench_scenario.toml at 100,000 runs on 1 and 2 threads, and the cost of deriving the
//! figures (`Summary::new`) from its merged statistics.
//!
//! Throughput is in path-years (runs × simulated years), the unit of benches/floor.rs too, so
//! `engine/simulate/T` and `floor/every_year/T` compare directly: their ratio is what the model
//! and the statistics cost on top of drawing the random numbers (scripts/bench.sh prints it).
//! Samples are few and short so that the whole file runs in well under a minute.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tradesim::engine;
use tradesim::scenario::Scenario;
use tradesim::stats::Summary;

const RUNS: u64 = 100_000;
const SEED: u64 = 1;
const THREADS: [usize; 2] = [1, 2];

fn bench_scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench_scenario.toml");
    Scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a rayon pool")
}

fn engine(c: &mut Criterion) {
    let scenario = bench_scenario();
    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(RUNS * u64::from(scenario.years())));
    for threads in THREADS {
        let pool = pool(threads);
        group.bench_with_input(BenchmarkId::new("simulate", threads), &threads, |b, _| {
            b.iter(|| pool.install(|| engine::simulate(&scenario, black_box(RUNS), SEED)))
        });
    }
    group.finish();

    let stats = engine::simulate(&scenario, RUNS, SEED);
    let mut group = c.benchmark_group("summary");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    group.bench_function("new", |b| b.iter(|| Summary::new(&scenario, black_box(&stats))));
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
