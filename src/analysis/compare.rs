//! Comparing scenarios path by path (SPEC §6.2, `tradesim compare`): the baseline and every
//! other scenario are simulated on the same paths (common random numbers, SPEC §6), batch by
//! batch, and each path's first-passage years `b` (baseline) and `o` (other) are compared as
//! soon as a batch of both is done. What is kept is integer counts: the paths reaching in both
//! by delay `o - b`, and those reaching in only one or in neither ([`Outcomes`]), beside each
//! scenario's own statistics ([`Stats`]) of the same paths. So memory does not grow with the
//! number of runs (a batch of first-passage years per scenario and thread, and counts of at
//! most `2 * years + 4` cells per other scenario), and since counts add up exactly in any
//! order, the result does not depend on the thread count.
//!
//! [`Versus`] turns the counts and the scenarios' summaries into the figures of
//! `comparison.csv` and `delay.csv` (SPEC §6.2): P(reached), the median year and their
//! differences, the mean delay, and the shares of paths delayed, the same, or advanced.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::engine::{self, BATCH_PATHS, Interrupted, Options, Simulation};
use crate::error::InputError;
use crate::scenario::Scenario;
use crate::stats::{Stats, Summary};

/// How the paths of one other scenario compare with the baseline's: counts of paths, which
/// add up exactly in any order ([`Outcomes::merge`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcomes {
    /// Simulated years: a delay lies in `-years ..= years`.
    years: u32,
    /// Paths reaching the target in both, by delay `o - b`, at index `o - b + years`.
    by_delay: Vec<u64>,
    /// Paths reaching it only in the baseline, only in the other, in neither.
    pub baseline_only: u64,
    pub other_only: u64,
    pub neither: u64,
}

impl Outcomes {
    /// No paths yet, for scenarios of `years` simulated years.
    pub fn new(years: u32) -> Self {
        Outcomes { years, by_delay: vec![0; 2 * years as usize + 1], baseline_only: 0, other_only: 0, neither: 0 }
    }

    /// Adds paths: `baseline[i]` and `other[i]` are the first-passage year indices (0 = the
    /// base year; `None`: not reached by the horizon) of the same path in the two scenarios.
    pub fn add(&mut self, baseline: &[Option<u32>], other: &[Option<u32>]) {
        assert_eq!(baseline.len(), other.len(), "the same paths in both scenarios");
        let years = self.years as usize;
        for (b, o) in baseline.iter().zip(other) {
            match (*b, *o) {
                (Some(b), Some(o)) => self.by_delay[o as usize + years - b as usize] += 1,
                (Some(_), None) => self.baseline_only += 1,
                (None, Some(_)) => self.other_only += 1,
                (None, None) => self.neither += 1,
            }
        }
    }

    /// Adds the paths counted in `other` (other paths of the same comparison).
    pub fn merge(&mut self, other: &Outcomes) {
        assert_eq!(self.years, other.years, "outcomes of scenarios with the same years");
        for (a, b) in self.by_delay.iter_mut().zip(&other.by_delay) {
            *a += b;
        }
        self.baseline_only += other.baseline_only;
        self.other_only += other.other_only;
        self.neither += other.neither;
    }

    /// The paths counted.
    pub fn runs(&self) -> u64 {
        self.both() + self.baseline_only + self.other_only + self.neither
    }

    /// The paths reaching the target in both scenarios.
    pub fn both(&self) -> u64 {
        self.by_delay.iter().sum()
    }

    /// `(delay o - b, paths)` for the delays of paths reaching in both, ascending; only the
    /// delays that some path has.
    pub fn delays(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        let years = self.years as i32;
        self.by_delay.iter().enumerate().filter(|(_, n)| **n > 0).map(move |(i, n)| (i as i32 - years, *n))
    }

    /// Paths where the other scenario reaches the target later than the baseline, or only the
    /// baseline reaches it.
    pub fn delayed(&self) -> u64 {
        let zero = self.years as usize;
        self.by_delay[zero + 1..].iter().sum::<u64>() + self.baseline_only
    }

    /// Paths where both reach it in the same year, or neither reaches it.
    pub fn same(&self) -> u64 {
        self.by_delay[self.years as usize] + self.neither
    }

    /// Paths where the other scenario reaches it earlier, or only the other reaches it.
    pub fn advanced(&self) -> u64 {
        let zero = self.years as usize;
        self.by_delay[..zero].iter().sum::<u64>() + self.other_only
    }

    /// The sum of the delays `o - b` over the paths reaching in both (exact).
    pub fn delay_sum(&self) -> i128 {
        self.delays().map(|(d, n)| i128::from(d) * i128::from(n)).sum()
    }

    /// The mean delay over the paths reaching in both; `None` when there are none.
    pub fn mean_delay(&self) -> Option<f64> {
        match self.both() {
            0 => None,
            both => Some(self.delay_sum() as f64 / both as f64),
        }
    }
}

/// What a comparison gives: each scenario's statistics and each other scenario's outcomes
/// against the baseline, all over the same paths.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The baseline's statistics, then each other scenario's, in the order given.
    pub stats: Vec<Stats>,
    /// Each other scenario's outcomes against the baseline, in the order given.
    pub outcomes: Vec<Outcomes>,
}

/// Checks that every other scenario can be compared with `baseline` path by path (SPEC §6.2):
/// the same base year and horizon, so that the same year index is the same year. One error per
/// scenario that cannot, naming its file.
pub fn check_comparable(baseline: &Scenario, others: &[&Scenario]) -> Result<(), Vec<InputError>> {
    let years = |s: &Scenario| (s.base_year(), s.horizon_year());
    let errors: Vec<InputError> = others
        .iter()
        .filter(|other| years(other) != years(baseline))
        .map(|other| {
            // (key, this scenario's year, the baseline's), for the keys that differ.
            let differences: Vec<(&str, i32, i32)> = [
                ("base_year", other.base_year(), baseline.base_year()),
                ("horizon_year", other.horizon_year(), baseline.horizon_year()),
            ]
            .into_iter()
            .filter(|(_, ours, theirs)| ours != theirs)
            .collect();
            let keys: Vec<String> = differences.iter().map(|(key, ours, _)| format!("{key} {ours}")).collect();
            let theirs: Vec<String> = differences.iter().map(|(_, _, theirs)| theirs.to_string()).collect();
            let verb = if keys.len() == 1 { "differs" } else { "differ" };
            InputError::in_file(
                other.source().origin(),
                None,
                format!(
                    "{} {verb} from the baseline's {} ({}); compared scenarios must share base_year and horizon_year",
                    keys.join(" and "),
                    theirs.join(" and "),
                    baseline.source().origin()
                ),
            )
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Whether two scenarios' paths share their growth surprises (SPEC §6: normal and lognormal
/// growth draw the same normals, triangular, PERT and uniform the same uniforms; constant growth
/// draws nothing, so it pairs with any). Where they do not, a comparison still pairs each path's
/// shocks, but its growth in the two scenarios is independent, and the shares of paths delayed,
/// the same or advanced say less about the scenarios' difference than about chance.
pub fn growth_draws_shared(a: &Scenario, b: &Scenario) -> bool {
    use crate::model::growth::DistributionKind::{Constant, Lognormal, Normal, Pert, Triangular, Uniform};
    let family = |s: &Scenario| match s.growth().kind() {
        Constant => None,
        Normal | Lognormal => Some(0),
        Triangular | Pert | Uniform => Some(1),
    };
    match (family(a), family(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Simulates `runs` paths of each scenario with `seed` on the current rayon pool, the first
/// being the baseline, and compares each other one with it path by path. Every thread takes the
/// next batch and simulates it in every scenario (the same batch index is the same paths),
/// compares the batch's first-passage years, and keeps its counts and statistics; those of the
/// threads are added at the end. `done` counts the batches finished (in every scenario).
///
/// The scenarios must share their base year and horizon ([`check_comparable`]).
pub fn compare(
    scenarios: &[&Scenario],
    runs: u64,
    seed: u64,
    options: &Options,
    stop: &AtomicBool,
    done: &AtomicU64,
) -> Result<Comparison, Interrupted> {
    let years = scenarios.first().expect("a baseline").years();
    assert!(scenarios.iter().all(|s| s.years() == years), "compared scenarios share their years");
    let simulations: Vec<Simulation> = scenarios.iter().map(|s| Simulation::new(s, runs, seed, options)).collect();
    let batches = engine::batch_count(runs);
    let claimed = AtomicU64::new(0);
    let total: Mutex<Option<Comparison>> = Mutex::new(None);
    // One set of workers per thread (not per piece of work, as rayon's fold would make), so
    // that memory is a fixed amount per thread whatever the number of batches.
    let work = || {
        let mut workers: Vec<_> = simulations.iter().map(Simulation::worker).collect();
        let mut passages = vec![Vec::with_capacity(BATCH_PATHS as usize); workers.len()];
        let mut outcomes = vec![Outcomes::new(years); workers.len() - 1];
        loop {
            let batch = claimed.fetch_add(1, Ordering::Relaxed);
            if batch >= batches {
                break;
            }
            for (worker, passages) in workers.iter_mut().zip(&mut passages) {
                if worker.batch_passages(batch, stop, passages).is_err() {
                    return;
                }
            }
            let (baseline, others) = passages.split_first().expect("a baseline");
            for (outcomes, other) in outcomes.iter_mut().zip(others) {
                outcomes.add(baseline, other);
            }
            done.fetch_add(1, Ordering::Relaxed);
        }
        let part = Comparison { stats: workers.iter_mut().map(|w| w.take()).collect(), outcomes };
        let mut total = total.lock().expect("no worker panics");
        match total.as_mut() {
            None => *total = Some(part),
            Some(total) => {
                total.stats.iter_mut().zip(&part.stats).for_each(|(t, p)| t.merge(p));
                total.outcomes.iter_mut().zip(&part.outcomes).for_each(|(t, p)| t.merge(p));
            }
        }
    };
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| work());
        }
    });
    if stop.load(Ordering::Relaxed) {
        return Err(Interrupted);
    }
    Ok(total.into_inner().expect("no worker panics").expect("at least one thread"))
}

/// One other scenario against the baseline, as `comparison.csv` (one row) and `delay.csv` (its
/// rows) show it. Probabilities are shares of all paths.
#[derive(Debug, Clone, PartialEq)]
pub struct Versus {
    pub scenario: String,
    pub baseline: String,
    pub runs: u64,
    /// The other scenario's P(reached by the horizon).
    pub prob_reached: f64,
    /// The baseline's.
    pub baseline_prob_reached: f64,
    /// Other minus baseline: the share of paths reaching only in the other less the share
    /// reaching only in the baseline (one rounding).
    pub prob_reached_diff: f64,
    pub median_year: Option<i32>,
    pub baseline_median_year: Option<i32>,
    /// Other minus baseline; `None` where either median is (not reached by the horizon).
    pub median_year_diff: Option<i32>,
    /// The mean of `o - b` over the paths reaching in both; `None` when there are none.
    pub mean_delay_years: Option<f64>,
    pub prob_delayed: f64,
    pub prob_same: f64,
    pub prob_advanced: f64,
    /// `(o - b, share of all paths)` for paths reaching in both, ascending by delay.
    pub delays: Vec<(i32, f64)>,
    pub prob_baseline_only: f64,
    pub prob_other_only: f64,
    pub prob_neither: f64,
}

impl Versus {
    /// The figures of `other` against `baseline` (names and summaries of the same paths) from
    /// their outcomes.
    pub fn new(baseline: (&str, &Summary), other: (&str, &Summary), outcomes: &Outcomes) -> Self {
        let runs = outcomes.runs();
        let share = |n: u64| n as f64 / runs as f64;
        let (baseline_name, b) = baseline;
        let (name, o) = other;
        let diff = outcomes.other_only as f64 - outcomes.baseline_only as f64;
        Versus {
            scenario: name.to_string(),
            baseline: baseline_name.to_string(),
            runs,
            prob_reached: o.prob_reached,
            baseline_prob_reached: b.prob_reached,
            prob_reached_diff: diff / runs as f64,
            median_year: o.median_year,
            baseline_median_year: b.median_year,
            median_year_diff: o.median_year.zip(b.median_year).map(|(o, b)| o - b),
            mean_delay_years: outcomes.mean_delay(),
            prob_delayed: share(outcomes.delayed()),
            prob_same: share(outcomes.same()),
            prob_advanced: share(outcomes.advanced()),
            delays: outcomes.delays().map(|(d, n)| (d, share(n))).collect(),
            prob_baseline_only: share(outcomes.baseline_only),
            prob_other_only: share(outcomes.other_only),
            prob_neither: share(outcomes.neither),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::{MINIMAL, scenario};

    /// A path's first passages in the two scenarios, as year indices.
    fn outcomes(pairs: &[(Option<u32>, Option<u32>)]) -> Outcomes {
        let mut outcomes = Outcomes::new(28);
        let (b, o): (Vec<_>, Vec<_>) = pairs.iter().copied().unzip();
        outcomes.add(&b, &o);
        outcomes
    }

    #[test]
    fn each_path_is_delayed_the_same_or_advanced() {
        let o = outcomes(&[
            (Some(3), Some(5)),  // delayed by 2
            (Some(3), Some(3)),  // the same
            (Some(4), Some(1)),  // advanced by 3
            (Some(2), None),     // delayed: only the baseline reaches
            (None, Some(7)),     // advanced: only the other reaches
            (None, None),        // the same: neither
            (Some(0), Some(28)), // the widest delays
            (Some(28), Some(0)),
        ]);
        assert_eq!(o.runs(), 8);
        assert_eq!((o.delayed(), o.same(), o.advanced()), (3, 2, 3));
        assert_eq!((o.baseline_only, o.other_only, o.neither), (1, 1, 1));
        assert_eq!(o.delays().collect::<Vec<_>>(), [(-28, 1), (-3, 1), (0, 1), (2, 1), (28, 1)]);
        assert_eq!(o.delay_sum(), -1);
        assert_eq!(o.mean_delay(), Some(-1.0 / 5.0));
        assert_eq!(outcomes(&[(None, None)]).mean_delay(), None);
    }

    #[test]
    fn outcomes_merge_exactly_in_any_order() {
        let pairs: Vec<(Option<u32>, Option<u32>)> =
            (0..200u32).map(|i| ((i % 7 != 0).then_some(i % 11), (i % 5 != 0).then_some(i % 13))).collect();
        let whole = outcomes(&pairs);
        for cut in [0, 1, 77, 199, 200] {
            let (mut a, b) = (outcomes(&pairs[..cut]), outcomes(&pairs[cut..]));
            let mut reversed = b.clone();
            reversed.merge(&a);
            a.merge(&b);
            assert_eq!(a, whole);
            assert_eq!(reversed, whole);
        }
    }

    /// Memory does not grow with the number of paths: the counts have a fixed size.
    #[test]
    fn outcomes_have_a_fixed_size() {
        let mut o = Outcomes::new(28);
        let cells = o.by_delay.len();
        for _ in 0..1000 {
            o.add(&[Some(1); 64], &[Some(2); 64]);
        }
        assert_eq!(o.by_delay.len(), cells);
        assert_eq!(o.delays().collect::<Vec<_>>(), [(1, 64_000)]);
    }

    #[test]
    fn a_comparison_does_not_depend_on_the_thread_count() {
        let a = scenario("[growth]\nmean = 0.1\nsd = 0.15\n");
        let b = scenario(
            "[growth]\nmean = 0.1\nsd = 0.15\n[[shocks]]\nname = \"s\"\nprobability = 0.2\nlevel_change = -0.3\n",
        );
        let runs = 3 * BATCH_PATHS + 11;
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (stop, done) = (AtomicBool::new(false), AtomicU64::new(0));
            let c = pool.install(|| compare(&[&a, &b], runs, 9, &Options::default(), &stop, &done)).unwrap();
            assert_eq!(done.into_inner(), 4);
            c
        };
        let one = on(1);
        assert_eq!(one, on(3));
        assert_eq!(one.outcomes[0].runs(), runs);
        // Each scenario's statistics are those of a plain run of the same paths.
        assert_eq!(one.stats[0], engine::simulate(&a, runs, 9));
        assert_eq!(one.stats[1], engine::simulate(&b, runs, 9));
    }

    #[test]
    fn growth_draws_are_shared_within_a_family() {
        let growth = |g: &str| scenario(&format!("[growth]\n{g}\n"));
        let lognormal = growth("mean = 0.1\nsd = 0.1");
        let normal = growth("distribution = \"normal\"\nmean = 0.2\nsd = 0.3");
        let pert = growth("distribution = \"pert\"\nmin = 0.0\nmode = 0.1\nmax = 0.3");
        let uniform = growth("distribution = \"uniform\"\nmin = 0.0\nmax = 0.3");
        let constant = growth("distribution = \"constant\"\nmean = 0.1");
        assert!(growth_draws_shared(&lognormal, &normal));
        assert!(growth_draws_shared(&pert, &uniform));
        assert!(!growth_draws_shared(&lognormal, &pert));
        assert!(!growth_draws_shared(&uniform, &normal));
        assert!(growth_draws_shared(&constant, &pert) && growth_draws_shared(&lognormal, &constant));
    }

    #[test]
    fn scenarios_of_other_years_cannot_be_compared() {
        let base = Scenario::from_toml(MINIMAL, "a.toml", "a").unwrap();
        let later = MINIMAL.replace("horizon_year = 2050", "horizon_year = 2040");
        let later = Scenario::from_toml(&later, "b.toml", "b").unwrap();
        let both = MINIMAL.replace("horizon_year = 2050", "horizon_year = 2040").replace("2022", "2021");
        let both = Scenario::from_toml(&both, "c.toml", "c").unwrap();
        assert!(check_comparable(&base, &[&base]).is_ok());
        let errors = check_comparable(&base, &[&later, &base, &both]).unwrap_err();
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "b.toml: horizon_year 2040 differs from the baseline's 2050 (a.toml); \
                 compared scenarios must share base_year and horizon_year",
                "c.toml: base_year 2021 and horizon_year 2040 differ from the baseline's 2022 and 2050 (a.toml); \
                 compared scenarios must share base_year and horizon_year",
            ]
        );
    }
}
