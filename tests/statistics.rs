//! Statistical checks of the Monte Carlo output (SPEC §2, §3) against closed forms and against
//! independent computations written here, never against the program's own output.
//!
//! # Tolerances
//!
//! Every random figure is compared with its expected value using the standard error (se) of the
//! estimate, derived next to each check, and fails beyond `Z = 5` se. A run uses a fixed seed, so
//! the tests are deterministic; with some 400 checks, the chance that a correct program fails
//! one by bad luck is about 400 * 5.7e-7 = 2e-4 whatever the seed or RNG.
//!
//! - A sample mean of N independent paths: se = sd / sqrt(N), with sd from the closed form.
//! - A share (binomial count / N) with true value p: se = sqrt(p (1 - p) / N). When the expected
//!   count is small (N p (1 - p) < 25) the normal approximation understates the tail, so the
//!   share is checked with Bernstein's inequality at the same two-sided tail probability
//!   (2 * (1 - Phi(5)) = 5.7e-7): |X/N - p| <= t with t = b L/3 + sqrt((b L/3)^2 + 2 L var),
//!   L = ln(2 / 5.7e-7), b = 1/N the largest single term. The deviation is still reported in se.
//! - A sample q-quantile of N paths from a density f: se = sqrt(q (1 - q) / N) / f(x_q). On the
//!   log scale, where log V is normal with sd S, f(x_q) = phi(z_q) / S. The program's quantiles
//!   come from a sketch with relative error at most 2^-11 (src/sketch.rs), a deterministic
//!   error added to the tolerance explicitly: ln(1 + 2^-11) on the log scale.
//!
//! All checks of a test go through [`Checks`], which prints (eprintln, shown with
//! `--nocapture`) the largest deviation in se, and fails listing every check beyond its bound.

mod common;

use std::collections::BTreeMap;
use std::f64::consts::PI;

use common::{SEED, shock, simulate_text, trade_scenario};
use tradesim::scenario::Scenario;
use tradesim::stats::Summary;

/// Standard errors allowed.
const Z: f64 = 5.0;
/// Paths per simulated scenario.
const N: u64 = 200_000;
/// The sketch's relative error bound (src/sketch.rs: bucket width 2^-10, midpoint returned).
const SKETCH_RELATIVE: f64 = 1.0 / 2048.0;
/// z-values of the value quantiles reported per year (p05, p25, p50, p75, p95).
const QUANTILES: [(f64, f64); 5] = [
    (0.05, -1.644_853_626_951_472_2),
    (0.25, -0.674_489_750_196_081_7),
    (0.50, 0.0),
    (0.75, 0.674_489_750_196_081_7),
    (0.95, 1.644_853_626_951_472_2),
];

// ---------------------------------------------------------------------------------------------
// The check collector.

struct Checks {
    test: &'static str,
    count: usize,
    /// Checks of exact figures (se = 0), which allow only rounding or the sketch's error.
    exact: usize,
    /// Largest deviation in se of a random check, beyond its deterministic allowance, and its
    /// label.
    worst: (f64, String),
    failures: Vec<String>,
}

impl Checks {
    fn new(test: &'static str) -> Self {
        Checks { test, count: 0, exact: 0, worst: (0.0, String::new()), failures: Vec::new() }
    }

    /// Fails when |got - want| > deterministic + random. The deviation reported is
    /// (|got - want| - deterministic) / se, at least 0: the part the sampling error must explain.
    fn record(&mut self, label: String, (got, want): (f64, f64), se: f64, deterministic: f64, random: f64) {
        self.count += 1;
        let diff = (got - want).abs();
        // Exact figures may still differ by float rounding.
        let deterministic = deterministic.max(1e-12 * want.abs());
        let excess = (diff - deterministic).max(0.0);
        if se > 0.0 {
            let deviation = excess / se;
            if deviation > self.worst.0 || self.worst.1.is_empty() {
                self.worst = (deviation, label.clone());
            }
        } else {
            self.exact += 1;
        }
        if diff.is_nan() || diff > deterministic + random {
            self.failures.push(format!(
                "{label}: got {got}, want {want}, difference {diff:.3e}, se {se:.3e}, \
                 deviation {:.2} se beyond the deterministic allowance {deterministic:.3e} \
                 (allowed {:.3e})",
                excess / se,
                deterministic + random
            ));
        }
    }

    /// An asymptotically normal estimate: |got - want| <= Z se + `deterministic` (a bounded
    /// non-random error such as the sketch's).
    fn normal(&mut self, label: String, got: f64, want: f64, se: f64, deterministic: f64) {
        self.record(label, (got, want), se, deterministic, Z * se);
    }

    /// A share of paths (or a difference of shares): `variance` of `got - want` and `unit` the
    /// largest contribution of one path (1/N). Normal bound for counts of at least 25, Bernstein
    /// below (see the module comment).
    fn share(&mut self, label: String, got: f64, want: f64, variance: f64, unit: f64) {
        let se = variance.sqrt();
        let allowed = if variance >= 25.0 * unit * unit {
            Z * se
        } else {
            let tail = 2.0 * (1.0 - phi_cdf(Z));
            let l = (2.0 / tail).ln();
            let a = unit * l / 3.0;
            a + (a * a + 2.0 * l * variance).sqrt()
        };
        self.record(label, (got, want), se, 0.0, allowed);
    }

    /// A share estimated from N paths, with true value p.
    fn binomial(&mut self, label: String, got: f64, p: f64, n: u64) {
        let n = n as f64;
        self.share(label, got, p, p * (1.0 - p) / n, 1.0 / n);
    }

    fn finish(self) {
        eprintln!(
            "{}: {} checks ({} exact), largest deviation {:.2} se ({})",
            self.test, self.count, self.exact, self.worst.0, self.worst.1
        );
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} checks failed:\n{}",
            self.test,
            self.failures.len(),
            self.count,
            self.failures.join("\n")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Numerical helpers, independent of the program.

/// Standard normal density.
fn phi_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Standard normal CDF by Marsaglia's series (J. Stat. Software 11(4), 2004):
/// Phi(x) = 1/2 + phi(x) (x + x^3/3 + x^5/(3*5) + ...), every term of one sign, so it is
/// accurate to about 1e-15 absolute for |x| < 8; beyond, Phi is within 1e-15 of 0 or 1.
fn phi_cdf(x: f64) -> f64 {
    if x < -8.0 {
        return 0.0;
    }
    if x > 8.0 {
        return 1.0;
    }
    let (mut sum, mut term, q) = (x, x, x * x);
    let mut i = 1.0;
    loop {
        i += 2.0;
        term *= q / i;
        let next = sum + term;
        if next == sum {
            break;
        }
        sum = next;
    }
    0.5 + sum * phi_pdf(x)
}

/// A small generator for the independent simulations: SplitMix64 (Steele, Lea & Flood 2014)
/// and Box–Muller normals.
struct SplitMix(u64, Option<f64>);

impl SplitMix {
    fn new(seed: u64) -> Self {
        SplitMix(seed, None)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        if let Some(z) = self.1.take() {
            return z;
        }
        let radius = (-2.0 * self.uniform().ln()).sqrt();
        let angle = 2.0 * PI * self.uniform();
        self.1 = Some(radius * angle.sin());
        radius * angle.cos()
    }
}

/// Simulates `N` paths of `text`.
fn run(text: &str) -> (Scenario, Summary) {
    simulate_text(text, N, SEED)
}

/// A constant 5% a year, under which the shock tests work out their expectations.
const CONSTANT_5: &str = "[growth]\ndistribution = \"constant\"\nmean = 0.05\n";

/// The year quantiles are the smallest years with prob_reached_by >= q (SPEC §3): a
/// deterministic consistency check of the summary against its own first_passage rows.
fn check_year_quantiles(summary: &Summary) {
    let smallest = |q: f64| summary.first_passage.iter().find(|r| r.prob_reached_by >= q).map(|r| r.year);
    assert_eq!(summary.p10_year, smallest(0.1), "p10_year");
    assert_eq!(summary.median_year, smallest(0.5), "median_year");
    assert_eq!(summary.p90_year, smallest(0.9), "p90_year");
    let last = summary.first_passage.last().unwrap();
    assert_eq!(summary.prob_reached, last.prob_reached_by);
    let mut cumulative = 0.0;
    for row in &summary.first_passage {
        cumulative += row.prob_first;
        assert!((cumulative - row.prob_reached_by).abs() < 1e-9, "{row:?}");
        let se = (row.prob_reached_by * (1.0 - row.prob_reached_by) / N as f64).sqrt();
        assert!((row.prob_reached_by_se - se).abs() <= 1e-15, "{row:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// a, b. Lognormal growth without shocks.

struct LognormalCase {
    base_value: f64,
    target: f64,
    years: usize,
    mean: f64,
    sd: f64,
    long_run_mean: f64,
    half_life: f64,
    persistence: f64,
}

impl LognormalCase {
    fn toml(&self) -> String {
        let mut growth = format!(
            "[growth]\ndistribution = \"lognormal\"\nmean = {:?}\nsd = {:?}\npersistence = {:?}\n",
            self.mean, self.sd, self.persistence
        );
        if self.long_run_mean != self.mean {
            growth += &format!("long_run_mean = {:?}\nhalf_life = {:?}\n", self.long_run_mean, self.half_life);
        }
        trade_scenario(self.base_value, self.target, 2022 + self.years as i32, &growth, "")
    }

    /// SPEC §2 step 2: m(k) = L + (m1 - L) 2^(-(k-1)/h).
    fn m(&self, k: usize) -> f64 {
        self.long_run_mean + (self.mean - self.long_run_mean) * 2f64.powf(-((k - 1) as f64) / self.half_life)
    }

    /// SPEC §2 step 4: s^2 = ln(1 + sd^2/(1+m)^2), mu = ln(1+m) - s^2/2. Returns (mu, s) for
    /// k = 1 ..= years (index k - 1).
    fn parameters(&self) -> Vec<(f64, f64)> {
        (1..=self.years)
            .map(|k| {
                let gross = 1.0 + self.m(k);
                let s2 = (1.0 + self.sd * self.sd / (gross * gross)).ln();
                (gross.ln() - s2 / 2.0, s2.sqrt())
            })
            .collect()
    }

    /// ln V(k) - ln V0 = sum_j (mu_j + s_j z_j) is normal with mean M_k = sum_j mu_j and
    /// variance S_k^2 = sum_i sum_j s_i s_j Cov(z_i, z_j). For the AR(1) surprise
    /// z(1) = e(1), z(k) = phi z(k-1) + sqrt(1-phi^2) e(k): Var z(1) = 1 and by induction
    /// Var z(k) = phi^2 + (1 - phi^2) = 1; Cov(z_j, z_k) = phi Cov(z_j, z_{k-1}) for k > j, so
    /// Cov(z_j, z_k) = phi^|j-k|. Returns (M_k, S_k) for k = 1 ..= years.
    fn log_moments(&self) -> Vec<(f64, f64)> {
        let p = self.parameters();
        (1..=self.years)
            .map(|k| {
                let m: f64 = p[..k].iter().map(|&(mu, _)| mu).sum();
                let mut var = 0.0;
                for (i, &(_, si)) in p[..k].iter().enumerate() {
                    for (j, &(_, sj)) in p[..k].iter().enumerate() {
                        var += si * sj * self.persistence.powi((i as i32 - j as i32).abs());
                    }
                }
                (m, var.sqrt())
            })
            .collect()
    }

    /// An independent Monte Carlo of the first-passage year (SPEC §2 step 8) with its own RNG:
    /// paths of the log-growth sum, reaching the target when the sum is >= ln(T/V0). Returns
    /// the share of `n` paths reached by simulated year k, k = 0 ..= years.
    fn independent_reached_by(&self, n: u64, seed: u64) -> Vec<f64> {
        let p = self.parameters();
        let barrier = (self.target / self.base_value).ln();
        let fresh = (1.0 - self.persistence * self.persistence).sqrt();
        let mut first = vec![0u64; self.years + 1];
        let mut rng = SplitMix::new(seed);
        for _ in 0..n {
            if barrier <= 0.0 {
                first[0] += 1;
                continue;
            }
            let (mut sum, mut z) = (0.0, 0.0);
            for (k, &(mu, s)) in p.iter().enumerate() {
                let e = rng.normal();
                z = if k == 0 { e } else { self.persistence * z + fresh * e };
                sum += mu + s * z;
                if sum >= barrier {
                    first[k + 1] += 1;
                    break;
                }
            }
        }
        let mut reached = 0;
        first
            .iter()
            .map(|&c| {
                reached += c;
                reached as f64 / n as f64
            })
            .collect()
    }

    fn check(&self, checks: &mut Checks) {
        let (scenario, summary) = run(&self.toml());
        let n = N as f64;

        // The program's lognormal parameters agree with SPEC §2 step 4 as computed here.
        for (k, &(mu, s)) in self.parameters().iter().enumerate() {
            let (pm, ps) = scenario.growth().lognormal_parameters(k as u32 + 1, self.sd);
            assert!((pm - mu).abs() < 1e-14 && (ps - s).abs() < 1e-14, "k={k}");
        }

        let ln_v0 = self.base_value.ln();
        let ln_target = self.target.ln();
        for (k, &(m, s)) in self.log_moments().iter().enumerate() {
            let row = &summary.trajectory[k + 1];
            let year = row.year;
            assert_eq!(year, 2023 + k as i32);

            // Quantiles of ln V(k): ln V0 + M + z_q S; se of the sample q-quantile of a normal
            // with sd S is sqrt(q(1-q)/N) S / phi(z_q); the sketch adds up to ln(1 + 2^-11).
            for (&(q, zq), &got) in QUANTILES.iter().zip(row.quantiles.iter()) {
                let se = (q * (1.0 - q) / n).sqrt() * s / phi_pdf(zq);
                checks.normal(
                    format!("ln p{:02.0} {year}", q * 100.0),
                    got.ln(),
                    ln_v0 + m + zq * s,
                    se,
                    SKETCH_RELATIVE.ln_1p(),
                );
            }

            // Mean: E[V] = V0 exp(M + S^2/2) (= V0 prod(1 + m_j) when phi = 0, since each
            // exp(mu_j + s_j^2/2) = 1 + m_j); Var V = E[V]^2 (exp(S^2) - 1); se = sd / sqrt(N).
            let mean = (ln_v0 + m + s * s / 2.0).exp();
            let sd = mean * (s * s).exp_m1().sqrt();
            checks.normal(format!("mean {year}"), row.mean, mean, sd / n.sqrt(), 0.0);
            if self.persistence == 0.0 {
                let product: f64 = (1..=k + 1).map(|j| 1.0 + self.m(j)).product();
                assert!((mean / (self.base_value * product) - 1.0).abs() < 1e-12);
            }

            // P(V(k) >= T) = 1 - Phi((ln(T/V0) - M) / S); binomial se.
            let p = 1.0 - phi_cdf((ln_target - ln_v0 - m) / s);
            checks.binomial(format!("prob_at_or_above {year}"), row.prob_at_or_above_target, p, N);
        }

        // P(reached by year): no closed form (the maximum of a random walk); compare with an
        // independent simulation of n2 paths. The difference of two independent shares has
        // variance p(1-p)(1/N + 1/n2), p estimated by pooling both.
        let n2 = 200_000;
        let independent = self.independent_reached_by(n2, 0x5eed_0000 + self.years as u64);
        for (row, &mine) in summary.first_passage.iter().zip(&independent) {
            let pooled = (row.prob_reached_by * n + mine * n2 as f64) / (n + n2 as f64);
            let variance = pooled * (1.0 - pooled) * (1.0 / n + 1.0 / n2 as f64);
            checks.share(
                format!("prob_reached_by {}", row.year),
                row.prob_reached_by,
                mine,
                variance,
                1.0 / n.min(n2 as f64),
            );
        }
        check_year_quantiles(&summary);
        assert!(summary.shocks.is_empty());
    }
}

/// a + b. Lognormal, no shocks, persistence 0, no fade: quantiles, mean and
/// prob_at_or_above_target against closed forms, prob_reached_by against an independent
/// simulation.
#[test]
fn lognormal_without_fade_or_persistence() {
    let mut checks = Checks::new("lognormal, phi = 0, no fade");
    LognormalCase {
        base_value: 460.0,
        target: 1000.0,
        years: 10,
        mean: 0.40,
        sd: 0.25,
        long_run_mean: 0.40,
        half_life: 1.0,
        persistence: 0.0,
    }
    .check(&mut checks);
    checks.finish();
}

/// a + b with a fade and persistent surprises: the variance of ln V(k) is the double sum
/// sum_i sum_j s_i s_j phi^|i-j|.
#[test]
fn lognormal_with_fade_and_persistence() {
    let mut checks = Checks::new("lognormal, phi = 0.6, fade");
    LognormalCase {
        base_value: 460.0,
        target: 1000.0,
        years: 15,
        mean: 0.40,
        sd: 0.20,
        long_run_mean: 0.06,
        half_life: 3.0,
        persistence: 0.6,
    }
    .check(&mut checks);
    checks.finish();
}

// ---------------------------------------------------------------------------------------------
// c. Shock occurrences.

/// A shock's duration law given the simulated year k it starts in: (years, probability) pairs.
type DurationLaw = Box<dyn Fn(u32) -> Vec<(u32, f64)>>;

/// A shock's name, start window (simulated years k), probability, max_occurrences and duration.
type ShockLaw = (&'static str, (u32, u32), f64, u32, DurationLaw);

/// Exact probabilities of SPEC §2 step 1 for one shock, by dynamic programming over the state
/// (occurrences so far, active years left from this year on). Returns (prob_started,
/// prob_active) for k = 1 ..= years.
fn shock_exact(
    years: u32,
    window: (u32, u32),
    probability: f64,
    max_occurrences: u32,
    duration: &DurationLaw,
) -> (Vec<f64>, Vec<f64>) {
    let mut states: BTreeMap<(u32, u32), f64> = BTreeMap::from([((0, 0), 1.0)]);
    let (mut started, mut active) = (Vec::new(), Vec::new());
    for k in 1..=years {
        let (mut s, mut a) = (0.0, 0.0);
        let mut next: BTreeMap<(u32, u32), f64> = BTreeMap::new();
        for (&(count, left), &p) in &states {
            if left > 0 {
                // Active from an earlier start: it cannot start again.
                a += p;
                *next.entry((count, left - 1)).or_default() += p;
            } else if count < max_occurrences && (window.0..=window.1).contains(&k) {
                let p_start = p * probability;
                s += p_start;
                a += p_start;
                for (d, q) in duration(k) {
                    // Active in k .. k + d - 1: d - 1 more years after this one.
                    *next.entry((count + 1, d - 1)).or_default() += p_start * q;
                }
                *next.entry((count, 0)).or_default() += p - p_start;
            } else {
                *next.entry((count, 0)).or_default() += p;
            }
        }
        started.push(s);
        active.push(a);
        states = next;
    }
    (started, active)
}

/// c. Bernoulli shocks of several kinds against the exact occurrence probabilities:
/// prob_started and prob_active per year, binomial se sqrt(p(1-p)/N).
///
/// Closed forms for the first two (also what the dynamic programme gives):
/// - "repeat" (p, duration 1, max 100): never active at the start of a year, so it starts each
///   year independently: prob_started = prob_active = p every year.
/// - "once" (p, duration 1, max 1): prob_started(n-th year) = (1-p)^(n-1) p, and the share
///   started by the n-th year is 1 - (1-p)^n (checked on the cumulated rows, a share of paths
///   too since a path starts at most once).
#[test]
fn shock_occurrences() {
    let years = 10u32;
    let shocks = [
        shock("repeat", "probability = 0.2\nmax_occurrences = 100"),
        shock("once", "probability = 0.2"),
        shock("long", "probability = 0.3\nduration = 3\nmax_occurrences = 100"),
        shock(
            "range",
            "probability = 0.25\nfirst_year = 2024\nlast_year = 2029\nduration = { min = 1, max = 3 }\nmax_occurrences = 2",
        ),
        shock("forever", "probability = 0.1\nfirst_year = 2025\nduration = \"permanent\"\nmax_occurrences = 3"),
    ]
    .concat();
    let (scenario, summary) = run(&trade_scenario(100.0, 1000.0, 2022 + years as i32, CONSTANT_5, &shocks));
    let mut checks = Checks::new("shock occurrences");
    let fixed = |d: u32| -> DurationLaw { Box::new(move |_| vec![(d, 1.0)]) };
    let laws: [ShockLaw; 5] = [
        ("repeat", (1, years), 0.2, 100, fixed(1)),
        ("once", (1, years), 0.2, 1, fixed(1)),
        ("long", (1, years), 0.3, 100, fixed(3)),
        ("range", (2, 7), 0.25, 2, Box::new(|_| vec![(1, 1.0 / 3.0), (2, 1.0 / 3.0), (3, 1.0 / 3.0)])),
        ("forever", (3, years), 0.1, 3, Box::new(move |k| vec![(years - k + 1, 1.0)])),
    ];
    for (name, window, p, max, law) in &laws {
        let (started, active) = shock_exact(years, *window, *p, *max, law);
        let rows: Vec<_> = summary.shocks.iter().filter(|r| r.shock == *name).collect();
        assert_eq!(rows.len(), years as usize);
        let mut cumulative = 0.0;
        for (i, row) in rows.iter().enumerate() {
            let year = 2023 + i as i32;
            assert_eq!(row.year, year);
            checks.binomial(format!("{name} started {year}"), row.prob_started, started[i], N);
            checks.binomial(format!("{name} active {year}"), row.prob_active, active[i], N);
            // The closed forms of the doc comment, independent of the dynamic programme.
            let n_years = (i + 1) as i32;
            match *name {
                "repeat" => {
                    assert!((started[i] - 0.2).abs() < 1e-15 && (active[i] - 0.2).abs() < 1e-15)
                }
                "once" => {
                    assert!((started[i] - 0.8f64.powi(n_years - 1) * 0.2).abs() < 1e-15);
                    cumulative += row.prob_started;
                    checks.binomial(format!("once started by {year}"), cumulative, 1.0 - 0.8f64.powi(n_years), N);
                }
                _ => {}
            }
        }
    }
    assert_eq!(scenario.shocks().len(), 5);
    checks.finish();
}

/// c (levels). A Bernoulli level shock under constant growth, m = 0.05, V0 = 100:
/// - no recovery (p = 0.3, level_change -0.2, duration 1, max 100): V(k) = V0 1.05^k 0.8^B with
///   B ~ Binomial(k, 0.3), so E[V] = V0 1.05^k (1 - 0.3*0.2)^k = V0 1.05^k 0.94^k and
///   E[V^2] = V0^2 1.05^2k (0.7 + 0.3*0.64)^k; se = sqrt(E[V^2] - E[V]^2) / sqrt(N).
/// - full recovery (same, recovery 1): each occurrence is undone the next year, so
///   V(k) = V0 1.05^k 0.8^(started in year k): two values, the low one with probability 0.3.
///   E[V] = V0 1.05^k 0.94, E[V^2] = V0^2 1.05^2k (0.7 + 0.3*0.64). p05 and p25 (< 0.3) are
///   the low value and p50..p95 the high one (the share of low paths is 0.3 +- 0.001, 50 se from
///   0.25); compared with the sketch's relative error 2^-11 as allowance.
#[test]
fn level_shocks_in_expectation() {
    let text = |recovery: f64| {
        let hit = format!("probability = 0.3\nmax_occurrences = 100\nlevel_change = -0.2\nrecovery = {recovery:?}");
        trade_scenario(100.0, 1000.0, 2030, CONSTANT_5, &shock("hit", &hit))
    };
    let mut checks = Checks::new("level shocks");
    let n = N as f64;
    for recovery in [0.0, 1.0] {
        let (_, summary) = run(&text(recovery));
        for k in 1..=8 {
            let row = &summary.trajectory[k];
            let growth = 1.05f64.powi(k as i32);
            let (mean, second) = if recovery == 0.0 {
                (100.0 * growth * 0.94f64.powi(k as i32), 1e4 * growth * growth * (0.7f64 + 0.3 * 0.64).powi(k as i32))
            } else {
                (100.0 * growth * 0.94, 1e4 * growth * growth * (0.7 + 0.3 * 0.64))
            };
            let se = ((second - mean * mean) / n).sqrt();
            checks.normal(format!("recovery {recovery}: mean {}", row.year), row.mean, mean, se, 0.0);
            checks.binomial(
                format!("recovery {recovery}: hit started {}", row.year),
                summary.shocks[k - 1].prob_started,
                0.3,
                N,
            );
            if recovery == 1.0 {
                let (low, high) = (100.0 * growth * 0.8, 100.0 * growth);
                for (&(q, _), &got) in QUANTILES.iter().zip(row.quantiles.iter()) {
                    let want = if q < 0.3 { low } else { high };
                    checks.normal(
                        format!("recovery 1: p{:02.0} {}", q * 100.0, row.year),
                        got,
                        want,
                        0.0,
                        SKETCH_RELATIVE * want,
                    );
                }
            }
        }
    }
    checks.finish();
}

// ---------------------------------------------------------------------------------------------
// d. The other distributions.

/// Mean and quantiles of V(1) and V(2) for the given `[growth]` table, V0 = 100.
///
/// r(1) = X has mean m1 and variance var; r(2) = X' - m1 + m2 with X' independent of X
/// (bounded distributions) so E[V(2)] = V0 (1+m1)(1+m2) and
/// E[V(2)^2] = V0^2 ((1+m1)^2 + var) ((1+m2)^2 + var). se = sd(V) / sqrt(N).
/// `quantile(q) -> (x_q, f(x_q))` of X gives the V(1) quantiles V0 (1 + x_q), with se
/// sqrt(q(1-q)/N) V0 / f(x_q) and the sketch's relative error 2^-11 as allowance.
fn bounded_case(
    checks: &mut Checks,
    label: &str,
    growth: &str,
    (m1, m2, var): (f64, f64, f64),
    quantile: &dyn Fn(f64) -> (f64, f64),
) {
    let (scenario, summary) = run(&trade_scenario(100.0, 1000.0, 2024, growth, ""));
    assert!((scenario.growth().expected_rate(1) - m1).abs() < 1e-15);
    assert!((scenario.growth().expected_rate(2) - m2).abs() < 1e-15);
    let n = N as f64;
    let row1 = &summary.trajectory[1];
    checks.normal(format!("{label}: mean V(1)"), row1.mean, 100.0 * (1.0 + m1), 100.0 * var.sqrt() / n.sqrt(), 0.0);
    for (&(q, _), &got) in QUANTILES.iter().zip(row1.quantiles.iter()) {
        let (x, density) = quantile(q);
        let want = 100.0 * (1.0 + x);
        let se = (q * (1.0 - q) / n).sqrt() * 100.0 / density;
        checks.normal(format!("{label}: p{:02.0} V(1)", q * 100.0), got, want, se, SKETCH_RELATIVE * want);
    }
    let (g1, g2) = (1.0 + m1, 1.0 + m2);
    let mean2 = 1e2 * g1 * g2;
    let second2 = 1e4 * (g1 * g1 + var) * (g2 * g2 + var);
    checks.normal(
        format!("{label}: mean V(2)"),
        summary.trajectory[2].mean,
        mean2,
        ((second2 - mean2 * mean2) / n).sqrt(),
        0.0,
    );
}

/// d. Normal growth: r(k) = m(k) + sd z(k).
/// V(1) = V0 (1 + m1 + sd z1): mean V0 (1+m1), sd V0 sd, quantiles V0 (1 + m1 + sd z_q) with se
/// sqrt(q(1-q)/N) V0 sd / phi(z_q).
/// V(2) with persistence phi: a = 1+m1 + sd X, b = 1+m2 + sd Y, corr(X, Y) = phi:
/// E[ab] = (1+m1)(1+m2) + sd^2 phi; by Isserlis (odd moments vanish),
/// E[a^2 b^2] = A^2 B^2 + sd^2 (A^2 + B^2) + 4 A B sd^2 phi + sd^4 (1 + 2 phi^2), A = 1+m1, B = 1+m2.
/// (The -0.99 floor needs z < -7.3: probability 1e-13, ignored.)
#[test]
fn normal_distribution() {
    let mut checks = Checks::new("normal");
    let (m1, long_run, half_life, sd, phi) = (0.10, 0.04, 2.0, 0.15, 0.5);
    let growth = format!(
        "[growth]\ndistribution = \"normal\"\nmean = {m1:?}\nsd = {sd:?}\nlong_run_mean = {long_run:?}\n\
         half_life = {half_life:?}\npersistence = {phi:?}\n"
    );
    let (_, summary) = run(&trade_scenario(100.0, 1000.0, 2024, &growth, ""));
    let n = N as f64;
    // m(2) = L + (m1 - L) 2^(-1/h)
    let m2 = long_run + (m1 - long_run) * 2f64.powf(-1.0 / half_life);
    let row1 = &summary.trajectory[1];
    checks.normal("normal: mean V(1)".into(), row1.mean, 100.0 * (1.0 + m1), 100.0 * sd / n.sqrt(), 0.0);
    for (&(q, zq), &got) in QUANTILES.iter().zip(row1.quantiles.iter()) {
        let want = 100.0 * (1.0 + m1 + sd * zq);
        let se = (q * (1.0 - q) / n).sqrt() * 100.0 * sd / phi_pdf(zq);
        checks.normal(format!("normal: p{:02.0} V(1)", q * 100.0), got, want, se, SKETCH_RELATIVE * want);
    }
    let (a, b) = (1.0 + m1, 1.0 + m2);
    let mean2 = 100.0 * (a * b + sd * sd * phi);
    let second2 = 1e4
        * (a * a * b * b
            + sd * sd * (a * a + b * b)
            + 4.0 * a * b * sd * sd * phi
            + sd.powi(4) * (1.0 + 2.0 * phi * phi));
    checks.normal(
        "normal: mean V(2)".into(),
        summary.trajectory[2].mean,
        mean2,
        ((second2 - mean2 * mean2) / n).sqrt(),
        0.0,
    );
    checks.finish();
}

/// d. Uniform, triangular and PERT growth, each with a fade (so the shift X - m1 + m(k) is
/// exercised in year 2).
#[test]
fn bounded_distributions() {
    let mut checks = Checks::new("uniform/triangular/pert");

    // Uniform on [a, b] = [0, 0.3]: m1 = 0.15, var = (b-a)^2/12 = 0.0075; x_q = a + q (b-a),
    // density 1/(b-a). Fade to 0.05 with half-life 1: m2 = 0.05 + 0.10/2 = 0.10.
    let (a, b): (f64, f64) = (0.0, 0.3);
    bounded_case(
        &mut checks,
        "uniform",
        "[growth]\ndistribution = \"uniform\"\nmin = 0.0\nmax = 0.3\nlong_run_mean = 0.05\nhalf_life = 1.0\n",
        (0.15, 0.10, (b - a) * (b - a) / 12.0),
        &|q| (a + q * (b - a), 1.0 / (b - a)),
    );

    // Triangular (a, c, b) = (0, 0.15, 0.45): m1 = (a+b+c)/3 = 0.2,
    // var = (a^2+b^2+c^2-ab-ac-bc)/18 = (0.2025 + 0.0225 - 0.0675)/18 = 0.00875.
    // CDF at the mode F_c = (c-a)/(b-a) = 1/3; x_q = a + sqrt(q (b-a)(c-a)) below it,
    // b - sqrt((1-q)(b-a)(b-c)) above; density 2(x-a)/((b-a)(c-a)) or 2(b-x)/((b-a)(b-c)).
    // Fade to 0.0 with half-life 1: m2 = 0.1.
    let (a, c, b): (f64, f64, f64) = (0.0, 0.15, 0.45);
    let var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    assert!((var - 0.00875).abs() < 1e-15);
    bounded_case(
        &mut checks,
        "triangular",
        "[growth]\ndistribution = \"triangular\"\nmin = 0.0\nmode = 0.15\nmax = 0.45\nlong_run_mean = 0.0\nhalf_life = 1.0\n",
        (0.2, 0.1, var),
        &|q| {
            if q < (c - a) / (b - a) {
                let x = a + (q * (b - a) * (c - a)).sqrt();
                (x, 2.0 * (x - a) / ((b - a) * (c - a)))
            } else {
                let x = b - ((1.0 - q) * (b - a) * (b - c)).sqrt();
                (x, 2.0 * (b - x) / ((b - a) * (b - c)))
            }
        },
    );

    // PERT (a, c, b) = (0, 0.15, 0.45), lambda 4: m1 = (a + 4c + b)/6 = 0.175,
    // var = (m1 - a)(b - m1)/7 = 0.175 * 0.275 / 7. It is a + (b-a) Beta(alpha, beta) with
    // alpha = 1 + 4(c-a)/(b-a) = 7/3, beta = 1 + 4(b-c)/(b-a) = 11/3; the quantiles come from
    // the Beta density integrated numerically here (Simpson on 2^16 intervals).
    // Fade to 0.075 with half-life 1: m2 = 0.075 + 0.1/2 = 0.125.
    let (a, c, b): (f64, f64, f64) = (0.0, 0.15, 0.45);
    let m1 = (a + 4.0 * c + b) / 6.0;
    let (alpha, beta) = (1.0 + 4.0 * (c - a) / (b - a), 1.0 + 4.0 * (b - c) / (b - a));
    let beta_quantile = beta_quantiles(alpha, beta);
    bounded_case(
        &mut checks,
        "pert",
        "[growth]\ndistribution = \"pert\"\nmin = 0.0\nmode = 0.15\nmax = 0.45\nlong_run_mean = 0.075\nhalf_life = 1.0\n",
        (m1, 0.125, (m1 - a) * (b - m1) / 7.0),
        &|q| {
            let (u, density) = beta_quantile(q);
            (a + (b - a) * u, density / (b - a))
        },
    );
    checks.finish();
}

/// Quantile function of Beta(alpha, beta) (alpha, beta > 1) by numerical integration: returns
/// q -> (u_q, density at u_q). The CDF is tabulated by Simpson's rule on 2^16 intervals
/// (normalised by the total, so no Beta function is needed) and inverted by linear
/// interpolation; the error is far below the sampling error of the checks (~1e-3 relative).
fn beta_quantiles(alpha: f64, beta: f64) -> impl Fn(f64) -> (f64, f64) {
    let intervals = 1usize << 16;
    let h = 1.0 / intervals as f64;
    let f = move |u: f64| u.powf(alpha - 1.0) * (1.0 - u).powf(beta - 1.0);
    // cdf[i] = integral of f over [0, 2 i h] (Simpson on pairs of intervals).
    let mut cdf = vec![0.0];
    let mut total = 0.0;
    for i in (0..intervals).step_by(2) {
        let (u0, u1, u2) = (i as f64 * h, (i + 1) as f64 * h, (i + 2) as f64 * h);
        total += h / 3.0 * (f(u0) + 4.0 * f(u1) + f(u2));
        cdf.push(total);
    }
    move |q: f64| {
        let target = q * total;
        let i = cdf.partition_point(|&c| c < target).max(1);
        let (lo, hi) = (cdf[i - 1], cdf[i]);
        let u = 2.0 * h * ((i - 1) as f64 + (target - lo) / (hi - lo));
        (u, f(u) / total)
    }
}
