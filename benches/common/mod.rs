//! What the criterion benchmarks share: the bench scenario and fixed-size rayon pools
//! (benches/engine.rs and benches/floor.rs), the choice of clock and the group set-up (all four).
//!
//! By default criterion times wall-clock time. On a busy machine (other builds on the same cores)
//! wall time counts the time a benchmark waited for a core; `TRADESIM_BENCH_CLOCK=cpu` times the
//! process's CPU time (user + system, all threads) instead, which waiting does not inflate. CPU
//! time is the figure to trust for the 1-thread benchmarks on a shared machine; for 2 threads it
//! is the work of both threads (and rayon's idle spinning), not the elapsed time. Results under
//! the CPU clock go to groups named `<group>_cpu`, apart from the wall-clock ones.

use std::path::Path;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use tradesim::scenario::Scenario;

pub const RUNS: u64 = 100_000;
pub const SEED: u64 = 1;
pub const THREADS: [usize; 2] = [1, 2];

pub fn bench_scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench_scenario.toml");
    Scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a rayon pool")
}

fn cpu_clock() -> bool {
    std::env::var("TRADESIM_BENCH_CLOCK").is_ok_and(|v| v == "cpu")
}

/// The name of a benchmark group under the clock in use.
pub fn group_name(name: &str) -> String {
    if cpu_clock() { format!("{name}_cpu") } else { name.to_string() }
}

/// A group of whole-run benchmarks (named under the clock in use, see [`group_name`]): `samples`
/// samples of one or more iterations each (flat sampling), after a second's warm-up, over about
/// `seconds`, with throughput in `elements` per iteration.
pub fn group<'a, M: Measurement>(
    c: &'a mut Criterion<M>,
    name: &str,
    samples: usize,
    seconds: u64,
    elements: u64,
) -> BenchmarkGroup<'a, M> {
    let mut group = c.benchmark_group(group_name(name));
    group
        .sample_size(samples)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(seconds))
        .throughput(Throughput::Elements(elements));
    group
}

/// Runs the benchmarks with the clock that `TRADESIM_BENCH_CLOCK` asks for (criterion's
/// `criterion_main!`, with a choice of measurement).
pub fn main(wall: fn(&mut Criterion<WallTime>), cpu: fn(&mut Criterion<CpuTime>)) {
    if cpu_clock() {
        let mut c = Criterion::default().with_measurement(CpuTime).configure_from_args();
        cpu(&mut c);
        c.final_summary();
    } else {
        let mut c = Criterion::default().configure_from_args();
        wall(&mut c);
        c.final_summary();
    }
}

/// The CPU time of the whole process (`CLOCK_PROCESS_CPUTIME_ID`).
pub struct CpuTime;

fn process_cpu_time() -> Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to write.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Durations print the same under either clock.
static DURATIONS: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        process_cpu_time()
    }
    fn end(&self, start: Duration) -> Duration {
        process_cpu_time().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        DURATIONS.formatter()
    }
}

/// Years of values, and values per year: a block of the engine.
pub const YEARS: usize = 28;
pub const BLOCK: usize = 4096;

/// A block of values as the engine records it, for the benchmarks of what records them (the
/// sketch, the exact sum): year `k`'s values are `460 exp(0.1 k + 0.15 sqrt(k) z)`, lognormal
/// around 460 and spreading with the years like the bench scenario's levels. With each year's
/// smallest and largest value.
pub fn blocks() -> (Vec<Vec<f64>>, Vec<(f64, f64)>) {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    let blocks: Vec<Vec<f64>> = (1..=YEARS)
        .map(|k| {
            let k = k as f64;
            (0..BLOCK)
                .map(|_| {
                    let z: f64 = rng.sample(rand_distr::StandardNormal);
                    460.0 * (0.1 * k + 0.15 * k.sqrt() * z).exp()
                })
                .collect()
        })
        .collect();
    let extremes = blocks
        .iter()
        .map(|b| (b.iter().copied().fold(f64::INFINITY, f64::min), b.iter().copied().fold(0.0, f64::max)))
        .collect();
    (blocks, extremes)
}
