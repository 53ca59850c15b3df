//! The statistics of SPEC §3, in two layers:
//!
//! - [`Stats`] (this file): what a set of paths accumulates (counts, sums, sketches). A plain
//!   value with [`Stats::merge`], so threads, shards and separate machines combine the same
//!   way. Every figure merges exactly in any order: counts, extremes, sketches, and the sums
//!   of `V(y)`, which are exact ([`exact_sum`]), so that the mean is rounded once.
//! - [`Summary`] ([`summary`]): the figures the CSV files and the terminal show, derived from
//!   merged `Stats`, with the value quantiles read off the [`sketch`]es.
//!
//! [`partial`] writes `Stats` as bytes and reads them back exactly, for the shards of §8.

pub mod exact_sum;
pub mod partial;
pub mod sketch;
pub mod summary;

pub use self::summary::{FirstPassageRow, ShockRow, Summary, TrajectoryRow, VALUE_QUANTILES};

use self::exact_sum::{Binned, ExactSum};
use self::sketch::{Count, Sketch};

/// What a set of paths accumulates. Year index `k` counts simulated years from 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    years: usize,
    shocks: usize,
    runs: u64,
    /// Paths by first-passage year, index `year - base_year` (0 = the base year).
    first_passage: Vec<u64>,
    /// The exact sum of `V(y)` over the paths, by simulated year.
    value_sum: Vec<ExactSum>,
    value_min: Vec<f64>,
    value_max: Vec<f64>,
    at_or_above: Vec<u64>,
    sketches: Sketches,
    /// Occurrences started in / whose last active year is year `k`, index `shock * years + k -
    /// 1`; the number active in year `k` is those started by `k` less those ended before it.
    started: Vec<u64>,
    ended: Vec<u64>,
}

/// The counts of one shock's occurrences by year ([`Stats::occurrences_of`]).
pub(crate) struct Occurrences<'a> {
    started: &'a mut [u64],
    ended: &'a mut [u64],
}

impl Occurrences<'_> {
    /// Records an occurrence active from simulated year `first` to `last`.
    #[inline(always)]
    pub(crate) fn record(&mut self, first: usize, last: usize) {
        self.started[first - 1] += 1;
        self.ended[last - 1] += 1;
    }
}

impl Stats {
    /// Empty statistics for `years` simulated years and `shocks` shocks.
    pub fn new(years: usize, shocks: usize) -> Self {
        Stats {
            years,
            shocks,
            runs: 0,
            first_passage: vec![0; years + 1],
            value_sum: vec![ExactSum::new(); years],
            value_min: vec![f64::INFINITY; years],
            value_max: vec![f64::NEG_INFINITY; years],
            at_or_above: vec![0; years],
            sketches: Sketches::Narrow(vec![Sketch::new(); years]),
            started: vec![0; years * shocks],
            ended: vec![0; years * shocks],
        }
    }

    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Records one finished path and its first-passage year index (`None`: never reached).
    #[inline]
    pub(crate) fn record_path(&mut self, first_passage: Option<u32>) {
        self.runs += 1;
        if let Some(j) = first_passage {
            self.first_passage[j as usize] += 1;
        }
    }

    /// Where to record the occurrences of shock `shock`: the counts of those started in, and of
    /// those whose last active year is, simulated year `k`, at index `k - 1` of each. (Taken
    /// once for a shock's occurrences, so that recording one is an increment of each.)
    #[inline]
    pub(crate) fn occurrences_of(&mut self, shock: usize) -> Occurrences<'_> {
        let cells = shock * self.years..(shock + 1) * self.years;
        Occurrences { started: &mut self.started[cells.clone()], ended: &mut self.ended[cells] }
    }

    /// Records several paths' values `V(y)` in simulated year `k`, whose smallest and largest
    /// are `min` and `max` and of which `above` are at or above the target: their exact sum
    /// (with `binned` for scratch) and their extremes. Their sketch the engine keeps apart (the
    /// hot loop's sketches have narrower counts) and adds with [`Stats::merge_sketches`].
    #[inline(always)]
    pub(crate) fn record_values(
        &mut self,
        k: usize,
        values: &[f64],
        (min, max, above): (f64, f64, u64),
        binned: &mut Binned,
    ) {
        let i = k - 1;
        self.value_sum[i].add_all(values, min, max, binned);
        self.value_min[i] = self.value_min[i].min(min);
        self.value_max[i] = self.value_max[i].max(max);
        self.at_or_above[i] += above;
    }

    /// Adds one sketch of values per simulated year, in year order.
    pub(crate) fn merge_sketches<C: Count>(&mut self, sketches: &[Sketch<C>]) {
        assert_eq!(sketches.len(), self.years, "one sketch per simulated year");
        self.sketches.merge(sketches);
    }

    /// [`Stats::merge_sketches`] of sketches this takes over: where it holds no values yet, they
    /// become its own, with no copy.
    pub(crate) fn adopt_sketches(&mut self, sketches: Vec<Sketch<u32>>) {
        assert_eq!(sketches.len(), self.years, "one sketch per simulated year");
        match &mut self.sketches {
            Sketches::Narrow(own) if own.iter().all(|s| s.count() == 0) => *own = sketches,
            _ => self.sketches.merge(&sketches),
        }
    }

    /// The widest `z`-standard-error half-width of `prob_reached_by` over the years (SPEC §3:
    /// `se = sqrt(p (1 - p) / N)`, as `first_passage.csv` has it).
    pub fn widest_half_width(&self, z: f64) -> f64 {
        let mut reached = 0;
        let mut widest: f64 = 0.0;
        for &count in &self.first_passage {
            reached += count;
            let p = summary::share(reached, self.runs);
            widest = widest.max(z * summary::standard_error(p, self.runs));
        }
        widest
    }

    /// Adds `other` into `self`: exact, and independent of the order of merging.
    pub fn merge(&mut self, other: &Stats) {
        assert_eq!((self.years, self.shocks), (other.years, other.shocks), "merging stats of different scenarios");
        self.runs += other.runs;
        add_counts(&mut self.first_passage, &other.first_passage);
        add_counts(&mut self.at_or_above, &other.at_or_above);
        add_counts(&mut self.started, &other.started);
        add_counts(&mut self.ended, &other.ended);
        for i in 0..self.years {
            self.value_sum[i].merge(&other.value_sum[i]);
            self.value_min[i] = self.value_min[i].min(other.value_min[i]);
            self.value_max[i] = self.value_max[i].max(other.value_max[i]);
        }
        match &other.sketches {
            Sketches::Narrow(sketches) => self.sketches.merge(sketches),
            Sketches::Wide(sketches) => self.sketches.merge(sketches),
        }
    }
}

/// The sketches of `V(y)`, one per simulated year: `u32` counts while the counts fit (fewer
/// than 2^32 values in a year, any run a machine can finish), so that the engine's own `u32`
/// sketches are taken over as they are, rather than copied into fresh memory twice their size
/// (which on a virtual machine costs milliseconds of page faults at the end of a run); `u64`
/// counts beyond.
#[derive(Debug, Clone)]
enum Sketches {
    Narrow(Vec<Sketch<u32>>),
    Wide(Vec<Sketch<u64>>),
}

impl Sketches {
    /// Adds `others`, one per year, widening first if a count could outgrow `u32`.
    fn merge<C: Count>(&mut self, others: &[Sketch<C>]) {
        self.merge_within(others, u64::from(u32::MAX));
    }

    /// [`Sketches::merge`], staying narrow while a year holds at most `limit` values (no bucket
    /// can hold more than its year).
    fn merge_within<C: Count>(&mut self, others: &[Sketch<C>], limit: u64) {
        if let Sketches::Narrow(narrow) = self {
            let fits = narrow.iter().zip(others).all(|(a, b)| a.count() + b.count() <= limit);
            if fits {
                narrow.iter_mut().zip(others).for_each(|(a, b)| a.merge(b));
                return;
            }
            *self = Sketches::Wide(narrow.iter().map(widen).collect());
        }
        if let Sketches::Wide(wide) = self {
            wide.iter_mut().zip(others).for_each(|(a, b)| a.merge(b));
        }
    }

    /// Year index `i`'s quantile `q` (see [`Sketch::quantile`]).
    fn quantile(&self, i: usize, q: f64) -> Option<f64> {
        match self {
            Sketches::Narrow(s) => s[i].quantile(q),
            Sketches::Wide(s) => s[i].quantile(q),
        }
    }

    fn wide(&self) -> Vec<Sketch<u64>> {
        match self {
            Sketches::Narrow(s) => s.iter().map(widen).collect(),
            Sketches::Wide(s) => s.clone(),
        }
    }
}

/// Equal when they hold the same counts, whatever their width.
impl PartialEq for Sketches {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Sketches::Narrow(a), Sketches::Narrow(b)) => a == b,
            (Sketches::Wide(a), Sketches::Wide(b)) => a == b,
            _ => self.wide() == other.wide(),
        }
    }
}

fn widen(narrow: &Sketch<u32>) -> Sketch<u64> {
    let mut wide = Sketch::new();
    wide.merge(narrow);
    wide
}

fn add_counts(into: &mut [u64], from: &[u64]) {
    into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two years of sketches, `n` values each from `first` on.
    fn sketches(first: u32, n: u32) -> Vec<Sketch<u32>> {
        (0..2)
            .map(|year| {
                let mut s = Sketch::new();
                (first..first + n).for_each(|i| s.add(f64::from(i) * (1.0 + f64::from(year))));
                s
            })
            .collect()
    }

    /// Narrow totals take a worker's sketches over, add more while they fit, widen when they
    /// might not, and give the same quantiles and equality either way.
    #[test]
    fn sketches_stay_narrow_while_they_fit_and_widen_after() {
        let (a, b, c) = (sketches(1, 500), sketches(300, 700), sketches(2_000, 100));
        let mut stats = Stats::new(2, 0);
        stats.adopt_sketches(a.clone());
        assert!(matches!(&stats.sketches, Sketches::Narrow(s) if *s == a), "taken over as they were");
        stats.adopt_sketches(b.clone());
        assert!(matches!(stats.sketches, Sketches::Narrow(_)));
        // Past the limit (here 1,250 values a year), the next merge widens first.
        let mut narrow = stats.sketches.clone();
        stats.sketches.merge_within(&c, 1_250);
        assert!(matches!(stats.sketches, Sketches::Wide(_)));
        narrow.merge(&c);
        assert!(matches!(narrow, Sketches::Narrow(_)));
        assert_eq!(stats.sketches, narrow, "the same counts, whatever the width");
        let mut all = Sketches::Wide(vec![Sketch::new(), Sketch::new()]);
        for part in [&a, &b, &c] {
            all.merge(part);
        }
        assert_eq!(all, narrow);
        for i in 0..2 {
            for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
                assert_eq!(stats.sketches.quantile(i, q), all.quantile(i, q), "year {i}, q {q}");
            }
        }
        // Stats merged with stats, narrow into wide and wide into narrow.
        let mut wide_total = stats.clone();
        let mut narrow_total = Stats::new(2, 0);
        narrow_total.adopt_sketches(a);
        wide_total.merge(&narrow_total);
        narrow_total.merge(&stats);
        assert_eq!(wide_total.sketches, narrow_total.sketches);
    }
}
