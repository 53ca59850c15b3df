//! The Monte Carlo engine: SPEC §2 for every path, in parallel batches, merged so that the
//! thread count cannot change a byte (SPEC §4).
//!
//! Paths are cut into fixed-size batches of [`BATCH_PATHS`]. Each worker thread records the
//! batches it takes into statistics of its own ([`Stats`]: counts, extremes and sketches, exact
//! in any order), merged at the end; the one order-dependent figure, the float sum of each
//! year's values, is added batch by batch in batch order. Randomness is per path (see
//! [`crate::streams`]), so a path's draws do not depend on its batch either.
//!
//! Within a batch, paths are simulated four at a time in lockstep: their normals drawn together
//! ([`crate::normals`]), their shocks' start decisions drawn together (a whole window at once
//! where a shock can occur only a few times), each occurrence writing two years whatever its
//! length ([`Effects`]), their levels walked as one vector of four (AVX2 and FMA where the CPU
//! has them, the same bits either way), and their values buffered year-major in blocks of 4096
//! paths so that each year's figures and sketch are then taken in passes over a contiguous
//! slice. Memory is a few blocks per thread, whatever the number of runs.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use rand::RngExt;
use rand_distr::{Distribution, Pert, StandardNormal, Triangular, Uniform};

use crate::fastexp;
use crate::growth::Shape;
use crate::normals::{self, NormalLanes};
use crate::scenario::Scenario;
use crate::shock::Duration;
use crate::sketch::Sketch;
use crate::stats::{Occurrences, Stats};
use crate::streams::{self, PathKey, ShockStream, StreamKey};

/// Paths per batch: the unit of merging. Fixed, so results never depend on the thread count.
/// Small enough that the threads finish close together (the last batch of a run is on average
/// half a batch of one thread's time, here about 1 ms, when the other has none left); 8192
/// ran 1,000,000 paths about 3% faster on 2 threads than 16,384 did.
pub const BATCH_PATHS: u64 = 8_192;

/// Paths simulated before their values are recorded, year by year: a block's values (years ×
/// paths) wait in the processor's caches between being written and being read. A multiple of
/// [`LANES`], so that blocks do not change how a batch's sums are added up. Larger blocks visit
/// each year's sketch less often, and its scattered counters are what the caches lose first:
/// 4096 paths ran the bench scenario 2% faster than 1024 (0.9 MB of values per thread over 28
/// years; 256 to 16,384 were measured).
const BLOCK_PATHS: usize = 4096;

/// The distance between two years' rows of values: a block and one cache line, so that the
/// rows of one path do not all fall in the same cache set.
const VALUES_STRIDE: usize = BLOCK_PATHS + 8;

/// `1 +` the lowest effective growth rate, -0.99 (SPEC §2 step 5).
const GROSS_FLOOR: f64 = 0.01;

/// The highest level a path can take: a ceiling far above any trade series (inputs are at
/// most [`crate::scenario::MAX_VALUE`]) that keeps every value, sum and figure finite even
/// when a scenario's growth would overflow a float.
pub const LEVEL_CEILING: f64 = 1e250;

/// The lowest level a path can take: 50 orders of magnitude below any target (inputs are at
/// least [`crate::scenario::MIN_VALUE`]), so it never changes a first passage, and far above
/// the subnormal floats, whose few digits would defeat the quantile sketch's precision.
pub const LEVEL_FLOOR: f64 = 1e-250;

/// The run was stopped by a signal before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// The number of batches a run of `runs` paths is cut into.
pub fn batch_count(runs: u64) -> u64 {
    runs.div_ceil(BATCH_PATHS)
}

/// Simulates `runs` paths of `scenario` on the current rayon pool.
pub fn simulate(scenario: &Scenario, runs: u64, seed: u64) -> Stats {
    simulate_batches(scenario, runs, seed, 0..batch_count(runs), &AtomicBool::new(false))
        .expect("nothing can interrupt this run")
}

/// Simulates the given batches of a run of `runs` paths (a shard: any contiguous range of
/// batches gives the same statistics as in the whole run). Checks `stop` between rounds of
/// batches and returns [`Interrupted`] once it is set.
pub fn simulate_batches(
    scenario: &Scenario,
    runs: u64,
    seed: u64,
    batches: Range<u64>,
    stop: &AtomicBool,
) -> Result<Stats, Interrupted> {
    let plan = Plan::new(scenario, runs, seed);
    let g = scenario.growth();
    let per_year = |f: &dyn Fn(u32) -> f64| (1..=plan.years).map(f).collect::<Vec<f64>>();
    let gross_mean = per_year(&|k| 1.0 + g.expected_rate(k));
    let gross_shift = per_year(&|k| 1.0 + g.expected_rate(k) - g.first_year_mean());
    let invalid = "validated by Growth::new";
    match g.shape() {
        // With no spread, normal and lognormal growth are constant growth: `exp(ln(1 + m))` need
        // not give back `1 + m` to the last bit, and a target reached exactly must be reached.
        Shape::Constant | Shape::Normal { sd: 0.0 } | Shape::Lognormal { sd: 0.0 } => {
            plan.run(&Constant { gross: gross_mean }, batches, stop)
        }
        Shape::Normal { sd } => {
            let ar = Ar1::new(g.persistence());
            plan.run(&Normal { ar, gross_mean, sd }, batches, stop)
        }
        Shape::Lognormal { sd } => {
            let ar = Ar1::new(g.persistence());
            let (mu, s) = (1..=plan.years).map(|k| g.lognormal_parameters(k, sd)).unzip();
            plan.run(&Lognormal { ar, mu, s }, batches, stop)
        }
        Shape::Triangular { min, mode, max } => {
            let distribution = Triangular::new(min, max, mode).expect(invalid);
            plan.run(&Bounded { distribution, gross_shift }, batches, stop)
        }
        Shape::Pert { min, mode, max } => {
            let distribution = Pert::new(min, max).with_mode(mode).expect(invalid);
            plan.run(&Bounded { distribution, gross_shift }, batches, stop)
        }
        Shape::Uniform { min, max } => {
            let distribution = Uniform::new(min, max).expect(invalid);
            plan.run(&Bounded { distribution, gross_shift }, batches, stop)
        }
    }
}

/// Paths simulated in lockstep. Each path is a chain of dependent steps (its generator, its
/// AR(1) surprise, its level); interleaving a few independent paths lets the processor overlap
/// their latencies. Every path still takes exactly its own operations, so the results are the
/// same bits as one at a time.
const LANES: usize = 4;

/// The gross growth factor `1 + r(k)` of SPEC §2 steps 2–4 for every simulated year of `L`
/// paths, one implementation per distribution so the hot loop is compiled for each.
trait Rates: Sync {
    /// Fills `gross[(k - 1) * L + lane] = 1 + r(k)` for `k = 1 ..= gross.len() / L`, drawing
    /// lane `lane`'s surprises from the generator seeded with `seeds[lane]`
    /// ([`streams::xoshiro`]). `AVX2`: whether the caller runs with AVX2 and FMA (so that four
    /// lanes may use 256-bit vectors).
    fn fill<const L: usize, const AVX2: bool>(&self, seeds: &[[u64; 4]; L], gross: &mut [f64]);
}

/// The AR(1) surprise of SPEC §2 step 3: `z(1) = e(1)`, `z(k) = phi z(k-1) + sqrt(1-phi^2) e(k)`
/// (with `phi = 0` this is `0 * z + 1 * e = e` exactly), the first product fused with the sum
/// (`mul_add`, as everywhere in the engine: one rounding, the same bits with or without FMA
/// instructions; see [`crate::fastexp`]).
struct Ar1 {
    persistence: f64,
    fresh: f64,
}

impl Ar1 {
    fn new(persistence: f64) -> Self {
        Ar1 { persistence, fresh: (1.0 - persistence * persistence).sqrt() }
    }

    /// Calls `each((k - 1) * L + lane, z(k))` for every year in order, lanes interleaved.
    /// Four lanes draw their normals together ([`NormalLanes`]: the same draws, faster).
    #[inline(always)]
    fn for_each<const L: usize>(
        &self,
        seeds: &[[u64; 4]; L],
        gross: &mut [f64],
        mut each: impl FnMut(usize, f64) -> f64,
    ) {
        let years = gross.len() / L;
        if let Ok(seeds) = <&[[u64; 4]; normals::LANES]>::try_from(&seeds[..]) {
            // The normals first, into `gross`, then the recurrence over them in place.
            NormalLanes::from_seeds(seeds).fill(gross);
            let mut z = [0.0; L];
            for (i, year) in gross.chunks_exact_mut(L).enumerate() {
                for lane in 0..L {
                    let e = year[lane];
                    z[lane] = if i == 0 { e } else { self.persistence.mul_add(z[lane], self.fresh * e) };
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
                z[lane] = self.persistence.mul_add(z[lane], self.fresh * e);
                gross[i * L + lane] = each(i * L + lane, z[lane]);
            }
        }
    }
}

/// `1 + m(k)`, the same every path.
struct Constant {
    gross: Vec<f64>,
}

impl Rates for Constant {
    #[inline(always)]
    fn fill<const L: usize, const AVX2: bool>(&self, _: &[[u64; 4]; L], gross: &mut [f64]) {
        for (year, &g) in gross.chunks_exact_mut(L).zip(&self.gross) {
            year.fill(g);
        }
    }
}

/// `1 + m(k) + sd * z(k)`.
struct Normal {
    ar: Ar1,
    gross_mean: Vec<f64>,
    sd: f64,
}

impl Rates for Normal {
    #[inline(always)]
    fn fill<const L: usize, const AVX2: bool>(&self, seeds: &[[u64; 4]; L], gross: &mut [f64]) {
        self.ar.for_each(seeds, gross, |j, z| self.gross_mean[j / L] + self.sd * z);
    }
}

/// `exp(mu(k) + s(k) * z(k))` (the exponent a `mul_add`): the exponents first, then one
/// vectorised pass of `exp`.
struct Lognormal {
    ar: Ar1,
    mu: Vec<f64>,
    s: Vec<f64>,
}

impl Rates for Lognormal {
    #[inline(always)]
    fn fill<const L: usize, const AVX2: bool>(&self, seeds: &[[u64; 4]; L], gross: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if AVX2 && let Ok(seeds) = <&[[u64; 4]; LANES]>::try_from(&seeds[..]) {
            NormalLanes::from_seeds(seeds).fill(gross);
            // SAFETY: `AVX2` is true only in `run_batch_avx2`, called once AVX2 and FMA were
            // detected.
            unsafe { lognormal4_avx2(&self.ar, &self.mu, &self.s, gross) };
            return;
        }
        self.ar.for_each(seeds, gross, |j, z| self.s[j / L].mul_add(z, self.mu[j / L]));
        fastexp::exp_in_place(gross);
    }
}

/// Four lanes' `f64`s to and from a 256-bit vector, for the AVX2 code of this module.
#[cfg(target_arch = "x86_64")]
mod vector {
    use std::arch::x86_64::{__m256d, _mm256_loadu_pd, _mm256_storeu_pd};

    use super::LANES;

    /// The four elements of `v` (which must have four) as a vector. Needs AVX2 (inlined into
    /// its callers, which have it).
    #[inline(always)]
    pub(super) fn load(v: &[f64]) -> __m256d {
        let v: &[f64; LANES] = v.try_into().expect("four lanes");
        // SAFETY: reads the four elements of `v` (the caller has AVX2).
        unsafe { _mm256_loadu_pd(v.as_ptr()) }
    }

    /// Writes `v` to the four elements of `to` (which must have four).
    #[inline(always)]
    pub(super) fn store(to: &mut [f64], v: __m256d) {
        let to: &mut [f64; LANES] = to.try_into().expect("four lanes");
        // SAFETY: writes the four elements of `to` (the caller has AVX2).
        unsafe { _mm256_storeu_pd(to.as_mut_ptr(), v) }
    }
}

/// [`Lognormal::fill`] for four lanes in 256-bit vectors, given their normals `e(k)` in `gross`
/// (year-major, four per year): the AR(1) surprises and exponents in one pass, then their
/// `exp`s in another, the same operations in the same order as the portable code, so the same
/// bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn lognormal4_avx2(ar: &Ar1, mu: &[f64], s: &[f64], gross: &mut [f64]) {
    use std::arch::x86_64::*;
    use vector::{load, store};
    // First the exponents, a short dependency chain from year to year (the AR(1) recurrence)...
    let (persistence, fresh) = (_mm256_set1_pd(ar.persistence), _mm256_set1_pd(ar.fresh));
    // (The first year peeled off and no `enumerate`: with them in the loop, the compiler kept
    // the iterators' state on the stack, some 20 instructions a year for 8 of work.)
    let mut years = gross.chunks_exact_mut(LANES).zip(mu.iter().zip(s));
    let Some((year, (&mu, &s))) = years.next() else { return };
    let mut z = load(year);
    store(year, _mm256_fmadd_pd(_mm256_set1_pd(s), z, _mm256_set1_pd(mu)));
    for (year, (&mu, &s)) in years {
        z = _mm256_fmadd_pd(persistence, z, _mm256_mul_pd(fresh, load(year)));
        store(year, _mm256_fmadd_pd(_mm256_set1_pd(s), z, _mm256_set1_pd(mu)));
    }
    // ...then their exps, independent of each other: two years per iteration, so that the
    // processor interleaves two of exp's long chains of dependent operations.
    let mut pairs = gross.chunks_exact_mut(2 * LANES);
    for pair in &mut pairs {
        let (a, b) = pair.split_at_mut(LANES);
        let (x, y) = (fastexp::exp4_avx2(load(a)), fastexp::exp4_avx2(load(b)));
        store(a, x);
        store(b, y);
    }
    let rest = pairs.into_remainder();
    if !rest.is_empty() {
        let x = fastexp::exp4_avx2(load(rest));
        store(rest, x);
    }
}

/// Triangular, PERT and uniform: `1 + X - m1 + m(k)`.
struct Bounded<D> {
    distribution: D,
    gross_shift: Vec<f64>,
}

impl<D: Distribution<f64> + Sync> Rates for Bounded<D> {
    #[inline(always)]
    fn fill<const L: usize, const AVX2: bool>(&self, seeds: &[[u64; 4]; L], gross: &mut [f64]) {
        let mut rngs = seeds.map(streams::xoshiro);
        for (year, shift) in gross.chunks_exact_mut(L).zip(&self.gross_shift) {
            for (g, rng) in year.iter_mut().zip(rngs.iter_mut()) {
                *g = self.distribution.sample(rng) + shift;
            }
        }
    }
}

/// A shock as the hot loop wants it: years as simulated-year indices, factors precomputed.
struct ShockPlan {
    /// Its place in the file: its index in the statistics.
    index: usize,
    key: StreamKey,
    probability: f64,
    /// `probability` for [`ShockStream::start_mask`].
    digits: u64,
    /// Whether the start decision takes a draw (a probability strictly between 0 and 1).
    start_draws: bool,
    /// Whether any draw comes from the shock's stream (start or duration).
    draws: bool,
    first_k: u32,
    last_k: u32,
    max_occurrences: u32,
    duration: Duration,
    start_factor: f64,
    recovery_factor: f64,
    growth_change: f64,
    cap: f64,
    /// How the years it is active reach the walk, if it changes growth or caps the level.
    span: SpanKind,
    /// The most occurrences a path can have, when few enough (at most [`MAX_ROUNDS`]) for
    /// [`Plan::occurrences_in_rounds`]; 0 otherwise.
    rounds: u32,
}

/// The most occurrences of a shock [`Plan::occurrences_in_rounds`] takes on.
const MAX_ROUNDS: u32 = 4;

/// How a shock's active years reach the walk.
#[derive(Clone, Copy, PartialEq)]
enum SpanKind {
    /// It neither changes growth nor caps the level: only its start and recovery matter.
    None,
    /// One of the first [`MAX_SPANS`] shocks that do: this toggle of [`Effects::toggles`]
    /// ([`span_toggle`]).
    Toggled(u64),
    /// Any further one: its growth change and cap are written into every active year.
    Written,
}

/// How many shocks' active years are tracked as toggles ([`Effects::toggles`]): the walk looks
/// up the growth change and cap of each set of them that can be active at once in a table
/// ([`SpanTable`]) of `2^MAX_SPANS` entries, four in a 256-bit vector.
const MAX_SPANS: usize = 4;

/// The set of spans active in a year, as the walk keeps it: `c` (bit `s` set when span `s` is
/// active) as the two 32-bit indices `2c` (low half) and `2c + 1` (high half) of the table
/// entry `c`'s halves, so that `vpermd` looks up four lanes' entries at once with no
/// arithmetic on the set. No span active: `c = 0`.
const NO_SPAN_ACTIVE: u64 = 1 << 32;

/// What an occurrence of span `s` XORs into [`Effects::toggles`] where it starts and after it
/// ends: bit `s` of `c`, in both halves of [`NO_SPAN_ACTIVE`]'s form.
fn span_toggle(s: usize) -> u64 {
    (2 << s) * (1 + (1 << 32))
}

/// The set of spans `c` of an active set in [`NO_SPAN_ACTIVE`]'s form.
#[inline(always)]
fn active_set(active: u64) -> usize {
    (active as u32 >> 1) as usize
}

/// The growth change (SPEC §2 step 5) and cap (step 7; [`LEVEL_CEILING`] when none) that each set
/// of active spans `c` applies: the active spans' growth changes added up in file order from
/// `0.0`, and the smallest of their caps. At least four entries (the sets repeat), so that the
/// AVX2 walk loads whole vectors.
struct SpanTable {
    spans: usize,
    change: Vec<f64>,
    cap: Vec<f64>,
}

impl SpanTable {
    /// The table of `spans`, (growth change, cap) in file order.
    fn new(spans: &[(f64, f64)]) -> Self {
        let sets = 1usize << spans.len();
        let entry = |c: usize| {
            let active = || spans.iter().enumerate().filter(|&(s, _)| (c % sets) >> s & 1 == 1).map(|(_, span)| span);
            (active().fold(0.0, |sum, &(g, _)| sum + g), active().fold(LEVEL_CEILING, |low, &(_, cap)| low.min(cap)))
        };
        let (change, cap) = (0..sets.max(LANES)).map(entry).unzip();
        SpanTable { spans: spans.len(), change, cap }
    }
}

/// The per-year effects of all shocks (SPEC §2 steps 5–7) on a group of `L` paths, indexed
/// like the rates: `(k - 1) * L + lane`.
///
/// An occurrence writes two years whatever its length: its start and the year after its last.
/// There it multiplies the level factor (the level change, then the recovery), and flips its
/// shock's toggle in `toggles`, so that XOR-ing the toggles year by year gives the set of shocks
/// active in each year ([`Plan::spans`] has its growth change and cap). Only shocks past the
/// first [`MAX_SPANS`] that change growth or cap the level write every active year, into
/// `growth_change` and `cap`.
struct Effects {
    factor: Vec<f64>,
    toggles: Vec<u64>,
    growth_change: Vec<f64>,
    cap: Vec<f64>,
    /// Whether `growth_change` or `cap` were written since they were last cleared.
    written: bool,
}

impl Effects {
    fn new(len: usize) -> Self {
        Effects {
            factor: vec![1.0; len],
            toggles: vec![0; len],
            growth_change: vec![0.0; len],
            cap: vec![LEVEL_CEILING; len],
            written: false,
        }
    }

    fn clear(&mut self) {
        self.factor.fill(1.0);
        self.toggles.fill(0);
        if self.written {
            self.growth_change.fill(0.0);
            self.cap.fill(LEVEL_CEILING);
            self.written = false;
        }
    }
}

/// Everything fixed for a run: the scenario in the hot loop's terms.
struct Plan {
    runs: u64,
    years: u32,
    base_value: f64,
    target: f64,
    growth_key: StreamKey,
    shocks: Vec<ShockPlan>,
    /// The shocks tracked as toggles of [`Effects::toggles`], in file order (the order in which
    /// their growth changes are added up), as a table of what each set of them does.
    spans: SpanTable,
    /// Whether any shock is [`SpanKind::Written`].
    written: bool,
}

impl Plan {
    fn new(scenario: &Scenario, runs: u64, seed: u64) -> Self {
        let base_year = scenario.base_year();
        let general_only = test_switch(&GENERAL_ONLY);
        let mut spans = Vec::new();
        let shocks: Vec<ShockPlan> = scenario
            .shocks()
            .iter()
            .enumerate()
            .map(|(index, s)| {
                let start_draws = s.probability() > 0.0 && s.probability() < 1.0;
                let cap = s.cap_value().unwrap_or(f64::INFINITY);
                let (first_k, last_k) = ((s.first_year() - base_year) as u32, (s.last_year() - base_year) as u32);
                let span = if s.probability() <= 0.0 || (s.growth_change() == 0.0 && cap.is_infinite()) {
                    SpanKind::None
                } else if spans.len() < MAX_SPANS && !general_only {
                    let toggle = span_toggle(spans.len());
                    spans.push((s.growth_change(), cap.min(LEVEL_CEILING)));
                    SpanKind::Toggled(toggle)
                } else {
                    SpanKind::Written
                };
                // Each occurrence lasts at least `shortest` years, and starts in the window.
                let window = (last_k + 1).saturating_sub(first_k);
                let most = match s.duration() {
                    Duration::Permanent => 1,
                    Duration::Years(shortest) | Duration::Between { min: shortest, .. } => {
                        s.max_occurrences().min(window.div_ceil(shortest))
                    }
                };
                let in_rounds = scenario.years() < 64
                    && window > 0
                    && most <= MAX_ROUNDS
                    && span != SpanKind::Written
                    && !general_only;
                ShockPlan {
                    index,
                    key: StreamKey::new(seed, &format!("shock:{}", s.name())),
                    probability: s.probability(),
                    digits: if start_draws { streams::start_digits(s.probability()) } else { 0 },
                    start_draws,
                    draws: start_draws || matches!(s.duration(), Duration::Between { .. }),
                    first_k,
                    last_k,
                    max_occurrences: s.max_occurrences(),
                    duration: s.duration(),
                    start_factor: 1.0 + s.level_change(),
                    recovery_factor: s.recovery_factor(),
                    growth_change: s.growth_change(),
                    cap,
                    span,
                    rounds: if in_rounds { most } else { 0 },
                }
            })
            .collect();
        Plan {
            runs,
            years: scenario.years(),
            base_value: scenario.base_value(),
            target: scenario.target_value(),
            growth_key: StreamKey::new(seed, "growth"),
            written: shocks.iter().any(|s| s.span == SpanKind::Written),
            shocks,
            spans: SpanTable::new(&spans),
        }
    }

    /// Runs `batches` on every thread of the current rayon pool. Each worker takes the next
    /// batch and records it into statistics of its own: every figure there is a count, an
    /// extreme or a sketch, exact whatever the order, so the workers' statistics are merged
    /// once at the end. The one exception, the float sums of `V(y)`, each batch returns apart,
    /// and they are added strictly in batch order as batches finish (whoever completes the
    /// batch that is next in order adds it and any waiting behind it). A worker does not start a
    /// batch more than `4 * threads` ahead of that (some 15 ms of work, so that a thread
    /// the system pauses for a moment holds up no other), so memory stays bounded whatever the
    /// runs.
    fn run<R: Rates>(&self, rates: &R, batches: Range<u64>, stop: &AtomicBool) -> Result<Stats, Interrupted> {
        struct Merge {
            sums: Vec<f64>,
            next: u64,
            waiting: BTreeMap<u64, Vec<f64>>,
        }
        let years = self.years as usize;
        let threads = rayon::current_num_threads();
        let ahead = 4 * threads as u64;
        let claimed = AtomicU64::new(batches.start);
        let merge = Mutex::new(Merge { sums: vec![0.0; years], next: batches.start, waiting: BTreeMap::new() });
        let merged = Condvar::new();
        let total = Mutex::new(Stats::new(years, self.shocks.len()));
        let worker = || {
            let mut stats = Stats::new(years, self.shocks.len());
            let mut sketches = vec![Sketch::<u32>::new(); years];
            let mut scratch = Scratch::new(years);
            loop {
                let batch = claimed.fetch_add(1, Ordering::Relaxed);
                if batch >= batches.end {
                    break;
                }
                {
                    let mut state = merge.lock().expect("no worker panics");
                    while batch >= state.next + ahead && !stop.load(Ordering::Relaxed) {
                        state = merged.wait(state).expect("no worker panics");
                    }
                }
                // A u32 bucket cannot overflow while the sketches hold fewer than 2^32 values.
                if sketches[0].count() + BATCH_PATHS > u64::from(u32::MAX) {
                    stats.merge_sketches(&sketches);
                    sketches.fill(Sketch::new());
                }
                let recorded = Recorded { stats: &mut stats, sketches: &mut sketches };
                let Some(sums) = self.run_batch_dispatch(rates, batch, stop, recorded, &mut scratch) else {
                    merged.notify_all();
                    return;
                };
                let mut state = merge.lock().expect("no worker panics");
                state.waiting.insert(batch, sums);
                loop {
                    let next = state.next;
                    let Some(ready) = state.waiting.remove(&next) else { break };
                    state.sums.iter_mut().zip(&ready).for_each(|(total, batch)| *total += batch);
                    state.next += 1;
                }
                merged.notify_all();
            }
            // Straight into the totals: the first worker's sketches become the totals' (no
            // copy into fresh memory, whose page faults would cost as much as the merging),
            // the others' are added to them.
            let mut total = total.lock().expect("no worker panics");
            total.merge(&stats);
            total.adopt_sketches(sketches);
        };
        rayon::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|_| worker());
            }
        });
        if stop.load(Ordering::Relaxed) {
            return Err(Interrupted);
        }
        let state = merge.into_inner().expect("no worker panics");
        debug_assert_eq!(state.next, batches.end);
        let mut total = total.into_inner().expect("no worker panics");
        total.add_value_sums(&state.sums);
        Ok(total)
    }

    /// [`Plan::run_batch`], compiled for AVX2 and FMA where the CPU has them (256-bit vectors
    /// for the four lanes, one instruction per `mul_add`). The same operations either way, so
    /// the same bits.
    fn run_batch_dispatch<R: Rates>(
        &self,
        rates: &R,
        batch: u64,
        stop: &AtomicBool,
        recorded: Recorded,
        scratch: &mut Scratch,
    ) -> Option<Vec<f64>> {
        #[cfg(target_arch = "x86_64")]
        if fastexp::avx2_fma() && !test_switch(&PORTABLE_ONLY) {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { self.run_batch_avx2(rates, batch, stop, recorded, scratch) };
        }
        self.run_batch::<R, false>(rates, batch, stop, recorded, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn run_batch_avx2<R: Rates>(
        &self,
        rates: &R,
        batch: u64,
        stop: &AtomicBool,
        recorded: Recorded,
        scratch: &mut Scratch,
    ) -> Option<Vec<f64>> {
        self.run_batch::<R, true>(rates, batch, stop, recorded, scratch)
    }

    /// Simulates one batch into `stats`, and returns its sum of `V(y)` for each year (added
    /// four running sums at a time in path order, so that the sum is the same bits whatever
    /// the blocks). Returns `None` once `stop` is set (checked every block of [`BLOCK_PATHS`]
    /// paths, so a signal is answered within milliseconds); `stats` are then partial.
    #[inline(always)]
    fn run_batch<R: Rates, const AVX2: bool>(
        &self,
        rates: &R,
        batch: u64,
        stop: &AtomicBool,
        recorded: Recorded,
        scratch: &mut Scratch,
    ) -> Option<Vec<f64>> {
        let Recorded { stats, sketches } = recorded;
        let years = self.years as usize;
        let paths = batch * BATCH_PATHS..self.runs.min((batch + 1) * BATCH_PATHS);
        let mut sums = vec![[0.0; LANES]; years];
        let mut block = paths.start;
        while block < paths.end {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let n = paths.end.min(block + BLOCK_PATHS as u64) - block;
            let mut values = std::mem::take(&mut scratch.values);
            let mut i = 0;
            while i < n {
                let path = block + i;
                let row = &mut values[i as usize..];
                if i + LANES as u64 <= n {
                    self.group::<R, LANES, AVX2>(rates, path, row, scratch, stats);
                    i += LANES as u64;
                } else {
                    // The last paths of a batch, one at a time.
                    self.group::<R, 1, AVX2>(rates, path, row, scratch, stats);
                    i += 1;
                }
            }
            let years = values.chunks_exact(VALUES_STRIDE).zip(sketches.iter_mut()).zip(sums.iter_mut());
            for (k, ((year_values, sketch), sum)) in years.enumerate() {
                let year_values = &year_values[..n as usize];
                let (min, max, above) = self.year_figures::<AVX2>(year_values, sum);
                sketch.add_all(year_values, min, max);
                stats.record_extremes(k + 1, min, max, above);
            }
            scratch.values = values;
            block += n;
        }
        Some(sums.iter().map(|s| (s[0] + s[1]) + (s[2] + s[3])).collect())
    }

    /// One year's values of a block (paths in order): adds path `i`'s value to `sum[i % 4]`,
    /// in order, so that the sums are the same bits whatever the blocks (a block starts at a
    /// multiple of 4), and returns the smallest and largest value and the number at or above
    /// the target. Four lanes at a time, so that it compiles to vector code.
    #[inline(always)]
    fn year_figures<const AVX2: bool>(&self, values: &[f64], sum: &mut [f64; LANES]) -> (f64, f64, u64) {
        let target = self.target;
        let (mut min, mut max, mut above) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES], [0.0; LANES]);
        let mut fours = values.chunks_exact(LANES);
        #[cfg(target_arch = "x86_64")]
        if AVX2 {
            // SAFETY: `AVX2` is true only in `run_batch_avx2`, called once AVX2 was detected.
            unsafe { year_figures4_avx2(&mut fours, target, sum, &mut min, &mut max, &mut above) };
        }
        // Whatever the AVX2 code left (all of it without AVX2), then the last values: lane by
        // lane. `above` counts in floats (exact for any block), in the same vectors as the values.
        let last = fours.remainder();
        let rest = fours.flat_map(|four| four.iter().enumerate()).chain(last.iter().enumerate());
        for (lane, &v) in rest {
            sum[lane] += v;
            min[lane] = if v < min[lane] { v } else { min[lane] };
            max[lane] = if v > max[lane] { v } else { max[lane] };
            above[lane] += if v >= target { 1.0 } else { 0.0 };
        }
        let min = min.iter().fold(f64::INFINITY, |a, &b| a.min(b));
        let max = max.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        (min, max, above.iter().sum::<f64>() as u64)
    }

    /// Simulates paths `first ..first + L` in lockstep; path `first + lane`'s level in year `k`
    /// goes to `values[(k - 1) * VALUES_STRIDE + lane]`.
    #[inline(always)]
    fn group<R: Rates, const L: usize, const AVX2: bool>(
        &self,
        rates: &R,
        first: u64,
        values: &mut [f64],
        scratch: &mut Scratch,
        stats: &mut Stats,
    ) {
        let years = self.years as usize;
        let gross = &mut scratch.gross[..years * L];
        let paths: [PathKey; L] = std::array::from_fn(|lane| PathKey::new(first + lane as u64));
        rates.fill::<L, AVX2>(&paths.map(|path| self.growth_key.growth_seed(path)), gross);
        let effects = if self.shocks.is_empty() {
            None
        } else {
            scratch.effects.clear();
            self.shock_effects::<L>(&paths, &mut scratch.effects, stats);
            Some(&scratch.effects)
        };
        for reached in self.walk::<L, AVX2>(gross, effects, values) {
            stats.record_path(reached);
        }
    }

    /// SPEC §2 step 1 for every shock of a group of `L` paths, in file order: when its
    /// occurrences start and end, and what they do to each year (`effects`, steps 5–7). Shocks
    /// do not depend on the level, so they are drawn before it is computed. A shock's start
    /// decisions are drawn for the `L` paths together ([`ShockStream::start_masks`]); the
    /// paths' effects do not share a cell, so the order in which they are written is the same
    /// for each path as one at a time.
    #[inline(always)]
    fn shock_effects<const L: usize>(&self, paths: &[PathKey; L], effects: &mut Effects, stats: &mut Stats) {
        for shock in &self.shocks {
            if shock.probability <= 0.0 {
                continue;
            }
            let streams =
                paths.map(|path| if shock.draws { shock.key.shock_stream(path) } else { ShockStream::default() });
            let counts = &mut stats.occurrences_of(shock.index);
            if shock.rounds > 0 {
                let masks = if shock.start_draws {
                    ShockStream::start_masks(streams, shock.first_k, shock.last_k, shock.digits)
                } else {
                    // Every year of the window starts an occurrence if it can.
                    [streams::year_bits(shock.first_k, shock.last_k); L]
                };
                for lane in 0..L {
                    self.occurrences_in_rounds::<L>(shock, streams[lane], masks[lane], lane, effects, counts);
                }
            } else {
                for (lane, &stream) in streams.iter().enumerate() {
                    self.occurrences::<L>(shock, stream, lane, effects, counts);
                }
            }
        }
    }

    /// [`Plan::shock_effects`] for one shock of lane `lane`, in general: occurrence by
    /// occurrence, drawing start decisions a chunk of 64 years at a time as the search reaches
    /// it.
    #[inline(always)]
    fn occurrences<const L: usize>(
        &self,
        shock: &ShockPlan,
        stream: ShockStream,
        lane: usize,
        effects: &mut Effects,
        counts: &mut Occurrences,
    ) {
        let years = self.years;
        let mut k = shock.first_k;
        let mut count = 0;
        // The start decisions of years `..= mask_last` of `k`'s chunk of 64 years, bit `k % 64`,
        // drawn when the search first reaches the chunk (`mask_last = 0`: none yet, since
        // simulated years count from 1).
        let (mut mask, mut mask_last) = (0u64, 0);
        while k <= shock.last_k && count < shock.max_occurrences {
            if shock.start_draws {
                if k > mask_last {
                    mask_last = shock.last_k.min(k | 63);
                    mask = stream.start_mask(k, mask_last, shock.digits);
                }
                let ahead = mask >> (k % 64);
                if ahead == 0 {
                    k = mask_last + 1;
                    continue;
                }
                k += ahead.trailing_zeros();
            }
            let duration = match shock.duration {
                Duration::Years(d) => d,
                Duration::Between { min, max } => stream.duration_draw(count, min, max),
                Duration::Permanent => years - k + 1,
            };
            let last = k.saturating_add(duration - 1).min(years);
            count += 1;
            counts.record(k as usize, last as usize);
            // Effects of simulated year j sit at (j - 1) * L + lane.
            let at = |j: u32| (j as usize - 1) * L + lane;
            effects.factor[at(k)] *= shock.start_factor;
            if last < years && shock.recovery_factor != 1.0 {
                effects.factor[at(last + 1)] *= shock.recovery_factor;
            }
            match shock.span {
                SpanKind::None => {}
                SpanKind::Toggled(toggle) => {
                    effects.toggles[at(k)] ^= toggle;
                    if last < years {
                        effects.toggles[at(last + 1)] ^= toggle;
                    }
                }
                SpanKind::Written => {
                    // The active years: every L-th element from `at(k)` to `at(last)`.
                    let active = at(k)..at(last) + 1;
                    effects.written = true;
                    for change in effects.growth_change[active.clone()].iter_mut().step_by(L) {
                        *change += shock.growth_change;
                    }
                    for cap in effects.cap[active].iter_mut().step_by(L) {
                        *cap = cap.min(shock.cap);
                    }
                }
            }
            if last >= years {
                break;
            }
            // A new occurrence may start the year after this one's last active year.
            k = last + 1;
        }
    }

    /// [`Plan::shock_effects`] for one shock of lane `lane`, given its start decisions `mask`,
    /// when its years all lie in the first chunk of 64 and it can occur at most `shock.rounds`
    /// times: the general loop's work with every start decision already drawn, at most that
    /// many rounds, each finding the next start and writing what it does, until a round finds
    /// none. (Running all `shock.rounds` rounds whatever was drawn, with no branch on it, was
    /// 5% slower on the bench scenario: the compiler made branches of most of its selects, and
    /// the rounds after the last occurrence were work for nothing.) A round's duration is drawn
    /// by its number, not its start year ([`ShockStream::duration_draw`]), so the processor
    /// draws it while the round before is still finding its start (4% faster).
    #[inline(always)]
    fn occurrences_in_rounds<const L: usize>(
        &self,
        shock: &ShockPlan,
        stream: ShockStream,
        mask: u64,
        lane: usize,
        effects: &mut Effects,
        counts: &mut Occurrences,
    ) {
        let years = self.years;
        let at = |j: u32| (j as usize - 1) * L + lane;
        // The first year the next occurrence may start: at most `years`, as `years < 64`.
        let mut from = shock.first_k;
        for round in 0..shock.rounds {
            let ahead = mask & (u64::MAX << from);
            if ahead == 0 {
                break;
            }
            let k = ahead.trailing_zeros();
            let last = match shock.duration {
                Duration::Years(d) => k.saturating_add(d - 1).min(years),
                Duration::Between { min, max } => {
                    k.saturating_add(stream.duration_draw(round, min, max) - 1).min(years)
                }
                Duration::Permanent => years,
            };
            counts.record(k as usize, last as usize);
            effects.factor[at(k)] *= shock.start_factor;
            if let SpanKind::Toggled(toggle) = shock.span {
                effects.toggles[at(k)] ^= toggle;
            }
            if last == years {
                break;
            }
            // A new occurrence may start the year after this one's last active year.
            effects.factor[at(last + 1)] *= shock.recovery_factor;
            if let SpanKind::Toggled(toggle) = shock.span {
                effects.toggles[at(last + 1)] ^= toggle;
            }
            from = last + 1;
        }
    }

    /// SPEC §2 steps 5–8 for `L` paths in lockstep: the levels year by year, written to
    /// `values[(k - 1) * VALUES_STRIDE + lane]`; returns each path's first-passage year index
    /// (0 = base year). Branch-free, so the lanes compile to vector instructions: comparisons
    /// are selects (`a > b` rather than f64::max/min: no NaN can occur here), and the first
    /// passage is counted rather than branched on: a path's first passage comes right after
    /// the years in which its running peak is still below the target.
    #[inline(always)]
    fn walk<const L: usize, const AVX2: bool>(
        &self,
        gross: &[f64],
        effects: Option<&Effects>,
        values: &mut [f64],
    ) -> [Option<usize>; L] {
        let target = self.target;
        #[cfg(target_arch = "x86_64")]
        if AVX2 && L == LANES && !self.written {
            // The span table in as many vectors as it has entries: 0 when no shock has a span
            // (or no shock at all), so that nothing is looked up. (The AVX2 code does not read
            // the written growth changes and caps of `SpanKind::Written`: the portable code has
            // them.)
            // SAFETY (each call): `AVX2` is true only in `run_batch_avx2`, called once AVX2 was
            // detected.
            let (peak, below) = match if effects.is_some() { self.spans.spans } else { 0 } {
                0 => unsafe { walk4_avx2::<0>(self, effects, gross, values) },
                1 | 2 => unsafe { walk4_avx2::<1>(self, effects, gross, values) },
                3 => unsafe { walk4_avx2::<2>(self, effects, gross, values) },
                _ => unsafe { walk4_avx2::<4>(self, effects, gross, values) },
            };
            return std::array::from_fn(|lane| self.first_passage(peak[lane], below[lane]));
        }
        let mut value = [self.base_value; L];
        let mut peak = [self.base_value; L];
        // Counted in floats (exact for any number of years) so the lanes stay in one vector.
        let mut below = [0.0f64; L];
        let years = gross.len() / L;
        fn lanes<const L: usize>(v: &[f64]) -> &[f64; L] {
            v.try_into().expect("chunks of L")
        }
        // One year of L lanes; arrays of exactly L, so the lane loop has no bounds checks and
        // becomes vector code.
        let (none, one, ceiling) = ([0.0; L], [1.0; L], [LEVEL_CEILING; L]);
        // The shocks of `self.spans` active in the year ([`NO_SPAN_ACTIVE`]'s form).
        let mut active = [NO_SPAN_ACTIVE; L];
        for index in 0..years {
            let at = index * L..(index + 1) * L;
            let (g, change, factor, cap): (&[f64; L], &[f64; L], &[f64; L], &[f64; L]) = match effects {
                None => (lanes(&gross[at]), &none, &one, &ceiling),
                Some(e) => (
                    lanes(&gross[at.clone()]),
                    lanes(&e.growth_change[at.clone()]),
                    lanes(&e.factor[at.clone()]),
                    lanes(&e.cap[at]),
                ),
            };
            let row: &mut [f64; L] = (&mut values[index * VALUES_STRIDE..][..L]).try_into().expect("L lanes");
            // The growth change and cap of the active spans, in file order.
            let (mut span_change, mut span_cap) = ([0.0; L], [LEVEL_CEILING; L]);
            if let Some(e) = effects {
                for (active, toggles) in active.iter_mut().zip(&e.toggles[index * L..][..L]) {
                    *active ^= toggles;
                }
                for lane in 0..L {
                    let set = active_set(active[lane]);
                    (span_change[lane], span_cap[lane]) = (self.spans.change[set], self.spans.cap[set]);
                }
            }
            for lane in 0..L {
                let g = g[lane] + (span_change[lane] + change[lane]);
                let next = value[lane] * (if g > GROSS_FLOOR { g } else { GROSS_FLOOR }) * factor[lane];
                let cap = if span_cap[lane] < cap[lane] { span_cap[lane] } else { cap[lane] };
                let next = if next < cap { next } else { cap };
                let v = if next > LEVEL_FLOOR { next } else { LEVEL_FLOOR };
                value[lane] = v;
                peak[lane] = if v > peak[lane] { v } else { peak[lane] };
                below[lane] += if peak[lane] < target { 1.0 } else { 0.0 };
                row[lane] = v;
            }
        }
        std::array::from_fn(|lane| self.first_passage(peak[lane], below[lane]))
    }

    /// A path's first-passage year index from its peak level and the number of years its
    /// running peak stayed below the target.
    #[inline(always)]
    fn first_passage(&self, peak: f64, below: f64) -> Option<usize> {
        if self.base_value >= self.target {
            Some(0)
        } else if peak >= self.target {
            Some(below as usize + 1)
        } else {
            None
        }
    }
}
/// [`Plan::year_figures`] of every group of four values `fours` has left, in 256-bit vectors:
/// the same operations in the same order, so the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn year_figures4_avx2(
    fours: &mut std::slice::ChunksExact<f64>,
    target: f64,
    sum: &mut [f64; LANES],
    min: &mut [f64; LANES],
    max: &mut [f64; LANES],
    above: &mut [f64; LANES],
) {
    use std::arch::x86_64::*;
    use vector::{load, store};
    let (target, one) = (_mm256_set1_pd(target), _mm256_set1_pd(1.0));
    let (mut total, mut low, mut high, mut count) = (load(sum), load(min), load(max), load(above));
    for four in fours {
        let v = load(four);
        total = _mm256_add_pd(total, v);
        low = _mm256_min_pd(v, low);
        high = _mm256_max_pd(v, high);
        count = _mm256_add_pd(count, _mm256_and_pd(_mm256_cmp_pd::<_CMP_GE_OQ>(v, target), one));
    }
    store(sum, total);
    store(min, low);
    store(max, high);
    store(above, count);
}

/// [`Plan::walk`] for four lanes in 256-bit vectors: the same operations in the same order
/// (`max`/`min` are the walk's selects: `vmaxpd(a, b)` is `a > b ? a : b`), so the same bits.
/// No shock is [`SpanKind::Written`], and `plan.spans`' table fills `R` vectors (0: no spans,
/// nothing looked up; 1, 2 or 4). Returns the lanes' peaks and years below the target.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn walk4_avx2<const R: usize>(
    plan: &Plan,
    effects: Option<&Effects>,
    gross: &[f64],
    values: &mut [f64],
) -> ([f64; LANES], [f64; LANES]) {
    use std::arch::x86_64::*;
    use vector::{load, store};
    let years = gross.len() / LANES;
    let target = _mm256_set1_pd(plan.target);
    let one = _mm256_set1_pd(1.0);
    let (gross_floor, level_floor, ceiling) =
        (_mm256_set1_pd(GROSS_FLOOR), _mm256_set1_pd(LEVEL_FLOOR), _mm256_set1_pd(LEVEL_CEILING));
    let mut value = _mm256_set1_pd(plan.base_value);
    let mut peak = value;
    let mut below = _mm256_setzero_pd();
    // One year, given the next level before the floor: returns the level.
    let mut year = |next: __m256d, row: &mut [f64]| {
        let v = _mm256_max_pd(next, level_floor);
        peak = _mm256_max_pd(v, peak);
        below = _mm256_add_pd(below, _mm256_and_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(peak, target), one));
        store(&mut row[..LANES], v);
        v
    };
    // Iterators rather than indices, and whole rows (the values buffer has room for them
    // after a group's last row): no bounds checks in the loop.
    let rows = values.chunks_exact_mut(VALUES_STRIDE).take(years);
    match effects {
        None => {
            for (g, row) in gross.chunks_exact(LANES).zip(rows) {
                let next = _mm256_min_pd(_mm256_mul_pd(value, _mm256_max_pd(load(g), gross_floor)), ceiling);
                value = year(next, row);
            }
        }
        Some(e) => {
            let effects = e.factor.chunks_exact(LANES).zip(e.toggles.chunks_exact(LANES));
            // The table's vectors, and the shocks of `spans` active in the year
            // ([`NO_SPAN_ACTIVE`]'s form: four lanes' 32-bit indices into a vector of entries).
            let vectors = |table: &[f64]| -> [__m256i; R] {
                std::array::from_fn(|i| _mm256_castpd_si256(load(&table[LANES * i..][..LANES])))
            };
            let (changes, caps) = (vectors(&plan.spans.change), vectors(&plan.spans.cap));
            let mut active = _mm256_set1_epi64x(NO_SPAN_ACTIVE as i64);
            for ((g, (factor, toggles)), row) in gross.chunks_exact(LANES).zip(effects).zip(rows) {
                let toggles: &[u64; LANES] = toggles.try_into().expect("four lanes");
                // SAFETY: reads the four elements of `toggles`.
                active = _mm256_xor_si256(active, unsafe { _mm256_loadu_si256(toggles.as_ptr().cast()) });
                // The growth change and cap of the active spans, looked up: entry `c % 4` of each
                // vector, then, for a table of more than one vector, the vector that holds entry
                // `c` (bit 2 of `c`, then bit 3, moved to where `blendv` reads them: bits 35 and
                // 36 of the index in `active`, the high half's bits 3 and 4).
                let lookup = |table: &[__m256i; R]| -> __m256d {
                    let entry = |i: usize| _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(table[i], active));
                    let pick = |a: __m256d, b: __m256d, bit: __m256i| _mm256_blendv_pd(a, b, _mm256_castsi256_pd(bit));
                    let (bit2, bit3) = (_mm256_slli_epi64::<28>(active), _mm256_slli_epi64::<27>(active));
                    match R {
                        0 => unreachable!("no lookups without spans"),
                        1 => entry(0),
                        2 => pick(entry(0), entry(1), bit2),
                        _ => pick(pick(entry(0), entry(1), bit2), pick(entry(2), entry(3), bit2), bit3),
                    }
                };
                let (change, cap) =
                    if R == 0 { (_mm256_setzero_pd(), ceiling) } else { (lookup(&changes), lookup(&caps)) };
                let g = _mm256_add_pd(load(g), change);
                let next = _mm256_mul_pd(_mm256_mul_pd(value, _mm256_max_pd(g, gross_floor)), load(factor));
                value = year(_mm256_min_pd(next, cap), row);
            }
        }
    }
    let (mut peaks, mut belows) = ([0.0; LANES], [0.0; LANES]);
    store(&mut peaks, peak);
    store(&mut belows, below);
    (peaks, belows)
}

/// Where a worker records its batches: statistics, and each year's sketch of values with
/// `u32` counts (half the cache footprint of the totals' `u64`), merged into the statistics
/// before any count could overflow and when the worker is done.
struct Recorded<'a> {
    stats: &'a mut Stats,
    sketches: &'a mut [Sketch<u32>],
}

/// Per-thread working memory: one block's values, one group's rates and shock effects.
struct Scratch {
    /// Year-major: the values of one year are contiguous (row `k - 1` at `(k - 1) *
    /// VALUES_STRIDE`), so recording them touches one year's sketch at a time.
    values: Vec<f64>,
    gross: Vec<f64>,
    effects: Effects,
}

impl Scratch {
    fn new(years: usize) -> Self {
        Scratch {
            // And room for a group's rows to start anywhere in the block (see `walk4_avx2`).
            values: vec![0.0; years * VALUES_STRIDE + BLOCK_PATHS],
            gross: vec![0.0; years * LANES],
            effects: Effects::new(years * LANES),
        }
    }
}

/// Set by a test to draw and write every shock's occurrences the general way: one by one
/// ([`Plan::occurrences`]), each writing every year it is active ([`SpanKind::Written`]).
static GENERAL_ONLY: AtomicBool = AtomicBool::new(false);

/// Set by a test to run the portable code even where the CPU has AVX2.
static PORTABLE_ONLY: AtomicBool = AtomicBool::new(false);

/// Whether a test has set `switch` (always false outside the unit tests).
#[inline(always)]
fn test_switch(switch: &AtomicBool) -> bool {
    cfg!(test) && switch.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 and the portable code give the same statistics, bit for bit. (Other tests
    /// running meanwhile may see the portable code too: by this very property, no matter.)
    #[test]
    fn avx2_and_portable_code_agree() {
        for (growth, with_shocks) in growth_cases().into_iter().flat_map(|g| [(g, false), (g, true)]) {
            let scenario = test_scenario(growth, if with_shocks { TEST_SHOCKS } else { "" });
            // Not a multiple of 4 or of a block: the last paths run one at a time.
            let runs = 2 * BLOCK_PATHS as u64 + 7;
            let portable = switched(&PORTABLE_ONLY, || simulate(&scenario, runs, 5));
            let dispatched = simulate(&scenario, runs, 5);
            assert_eq!(portable, dispatched, "{growth}, shocks: {with_shocks}");
        }
    }

    /// Any set of spans toggled on, in any order, reads back as that set, in the form `vpermd`
    /// takes (32-bit indices `2c` and `2c + 1`); and the table holds each set's growth change,
    /// added in file order, and smallest cap.
    #[test]
    fn toggled_spans_index_their_set_in_the_table() {
        for c in 0..1usize << MAX_SPANS {
            let active =
                (0..MAX_SPANS).rev().filter(|s| c >> s & 1 == 1).fold(NO_SPAN_ACTIVE, |a, s| a ^ span_toggle(s));
            assert_eq!(active_set(active), c);
            assert_eq!((active as u32, (active >> 32) as u32), (2 * c as u32, 2 * c as u32 + 1));
        }
        let table = SpanTable::new(&[(0.1, LEVEL_CEILING), (0.2, 900.0), (-0.3, 500.0)]);
        assert_eq!(table.change.len(), 8);
        assert_eq!(table.change[0b000], 0.0);
        assert_eq!(table.change[0b011], 0.0 + 0.1 + 0.2);
        assert_eq!(table.change[0b111], 0.0 + 0.1 + 0.2 + -0.3);
        assert_eq!(table.cap[0b001], LEVEL_CEILING);
        assert_eq!(table.cap[0b010], 900.0);
        assert_eq!(table.cap[0b110], 500.0);
        // Fewer than four sets repeat, so that the AVX2 walk loads a whole vector.
        let one = SpanTable::new(&[(0.05, 700.0)]);
        assert_eq!(
            (one.change, one.cap),
            (vec![0.0, 0.05, 0.0, 0.05], vec![LEVEL_CEILING, 700.0, LEVEL_CEILING, 700.0])
        );
    }

    /// The fast ways of drawing and writing occurrences (in rounds; as toggles)
    /// give the same statistics, bit for bit, as the general way, for shocks that overlap,
    /// follow one another, change growth and cap the level: with 4 spans (the AVX2 walk, where
    /// the CPU has it) and with 5 (the portable walk). (As above, other tests may see the
    /// general way meanwhile: no matter.)
    #[test]
    fn rounds_and_toggles_agree_with_the_general_way() {
        for certain_growth_change in [0.0, -0.011] {
            let shocks = format!(
                "{TEST_SHOCKS}{}growth_change = {certain_growth_change}\n",
                r#"
            [[shocks]]
            name = "a permanent corridor"
            probability = 0.1
            first_year = 2024
            last_year = 2034
            duration = "permanent"
            growth_change = 0.013
            cap_value = 2500.0
            [[shocks]]
            name = "a yearly hazard"
            probability = 0.15
            duration = 1
            max_occurrences = 4
            level_change = 0.1
            growth_change = 0.027
            recovery = 0.3
            [[shocks]]
            name = "certain"
            probability = 1.0
            first_year = 2030
            last_year = 2031
            duration = 1
            max_occurrences = 2
            level_change = -0.05
            "#
            );
            let scenario = test_scenario(growth_cases()[0], &shocks);
            let runs = BLOCK_PATHS as u64 + 3;
            let fast = simulate(&scenario, runs, 9);
            let general = switched(&GENERAL_ONLY, || simulate(&scenario, runs, 9));
            assert_eq!(fast, general, "growth change of the certain shock: {certain_growth_change}");
        }
    }

    /// One generated shock, as TOML: any probability, window, duration form, occurrence limit
    /// and effect (so spans, rounds and the general loop all come up).
    /// Its name is `NAME`, for the caller to make unique.
    fn shock_toml() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let duration = prop_oneof![
            (1u32..=5).prop_map(|d| d.to_string()),
            (1u32..=3, 0u32..=3).prop_map(|(a, extra)| format!("{{ min = {a}, max = {} }}", a + extra)),
            Just("\"permanent\"".to_string()),
        ];
        (
            prop_oneof![3 => 0.0f64..=1.0, 1 => Just(1.0), 1 => Just(0.0)],
            (2023i32..=2050, 0i32..=30),
            duration,
            prop_oneof![1u32..=5, Just(1000)],
            prop_oneof![Just(0.0), -0.5f64..0.5],
            prop_oneof![Just(0.0), -0.2f64..0.2],
            prop_oneof![Just(None), (300.0f64..3000.0).prop_map(Some)],
            0.0f64..=1.0,
        )
            .prop_map(|(p, (first, span), duration, most, level, growth, cap, recovery)| {
                let cap = cap.map(|c| format!("cap_value = {c}\n")).unwrap_or_default();
                format!(
                    "[[shocks]]\nname = \"NAME\"\nprobability = {p:?}\nfirst_year = {first}\n\
                     last_year = {}\nduration = {duration}\nmax_occurrences = {most}\n\
                     level_change = {level:?}\ngrowth_change = {growth:?}\nrecovery = {recovery:?}\n{cap}",
                    (first + span).min(2050)
                )
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Generated shocks (up to six, so up to six spans: both walks) give the same
        /// statistics the fast ways and the general way.
        #[test]
        fn generated_shocks_agree_with_the_general_way(
            shocks in proptest::collection::vec(shock_toml(), 1..=6),
            seed in 0u64..1000,
        ) {
            use proptest::prelude::*;
            let shocks: String =
                shocks.iter().enumerate().map(|(i, shock)| shock.replace("NAME", &format!("s{i}"))).collect();
            let scenario = test_scenario(growth_cases()[0], &shocks);
            let runs = 203;
            let fast = simulate(&scenario, runs, seed);
            let general = switched(&GENERAL_ONLY, || simulate(&scenario, runs, seed));
            prop_assert_eq!(fast, general);
        }
    }

    const TEST_SHOCKS: &str = r#"
        [[shocks]]
        name = "sanctions"
        probability = 0.2
        first_year = 2024
        last_year = 2040
        max_occurrences = 3
        duration = { min = 1, max = 3 }
        level_change = -0.2
        growth_change = -0.05
        recovery = 0.5
        [[shocks]]
        name = "route"
        probability = 0.3
        first_year = 2025
        last_year = 2035
        duration = 2
        cap_value = 700.0
    "#;

    /// `f()` with a test switch set (see [`test_switch`]).
    fn switched<T>(switch: &AtomicBool, f: impl FnOnce() -> T) -> T {
        switch.store(true, Ordering::Relaxed);
        let result = f();
        switch.store(false, Ordering::Relaxed);
        result
    }

    fn test_scenario(growth: &str, shocks: &str) -> Scenario {
        let text = format!(
            "[trade]\nbase_year = 2022\nbase_value = 460.0\ntarget_value = 1000.0\nhorizon_year = 2050\n\
             [growth]\n{growth}\n{shocks}"
        );
        Scenario::from_toml(&text, "test.toml", "test").expect("a valid scenario")
    }

    fn growth_cases() -> [&'static str; 3] {
        [
            r#"distribution = "lognormal"
            mean = 0.2
            sd = 0.15
            long_run_mean = 0.05
            half_life = 3.0
            persistence = 0.4"#,
            r#"distribution = "normal"
            mean = 0.1
            sd = 0.2"#,
            r#"distribution = "triangular"
            min = -0.1
            mode = 0.1
            max = 0.4"#,
        ]
    }
}
