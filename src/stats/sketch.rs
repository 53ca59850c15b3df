//! A mergeable quantile sketch for the value quantiles of SPEC §3 (`p05` .. `p95` of `V(y)`).
//!
//! A value's bucket is read straight off its IEEE-754 bits, with no `log` on the hot path: the
//! bits above the top `10 - coarseness` mantissa bits form the bucket key. At full resolution
//! (coarseness 0) a bucket spans a relative width of at most 2^-10, so its middle is within
//! 2^-11 (0.05%) of every value in it. Counts are integers: merging is exact and order-free.
//!
//! Buckets live in pages of 1024; a sketch keeps at most [`MAX_PAGES`] pages (1 MiB), a window
//! that grows with the values and never with the runs. At full resolution that covers values
//! spanning at least 2^127-fold; when a year's values span more, the sketch halves its
//! resolution (coarseness 1: relative error at most 2^-10 = 0.098%, still within the contract's
//! 0.1%, for spans up to 2^254 = 3e76), and so on. Only scenarios whose values in one year span
//! more than 2^254-fold get quantiles coarser than 0.1%: each halving doubles the bound.

const PAGE_BITS: u32 = 10;
const SLOTS: usize = 1 << PAGE_BITS;
/// Bucket keys at full resolution are the float's bits shifted right by this.
const FINE_SHIFT: u32 = 52 - PAGE_BITS;

/// The most pages of 1024 buckets one sketch keeps.
pub const MAX_PAGES: usize = 128;

/// A bucket count: `u64` for totals; `u32` where a sketch is filled in the hot loop, where it
/// halves the memory each increment touches (its owner keeps it below 2^32 values, see
/// [`Sketch::count`], and merges it into a `u64` one).
pub trait Count: Copy + Default + PartialEq + std::fmt::Debug + std::ops::AddAssign + Into<u64> {
    const ONE: Self;
    /// `n` as a count; `n` must fit.
    fn from_u64(n: u64) -> Self;
}

impl Count for u32 {
    const ONE: Self = 1;
    fn from_u64(n: u64) -> Self {
        u32::try_from(n).expect("a u32 sketch holds fewer than 2^32 values")
    }
}

impl Count for u64 {
    const ONE: Self = 1;
    fn from_u64(n: u64) -> Self {
        n
    }
}

/// Counts of non-negative values by logarithmic bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sketch<C: Count = u64> {
    /// Each level halves the resolution: bucket keys are `bits >> (FINE_SHIFT + coarseness)`.
    coarseness: u32,
    /// The page number (`key >> PAGE_BITS`) of the first page of `counts`.
    first_page: u64,
    /// Whole pages of `SLOTS` counts, contiguous: bucket `key` is at `key - first_page * SLOTS`.
    counts: Vec<C>,
    count: u64,
}

impl<C: Count> Sketch<C> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The bound on the relative error of [`Sketch::quantile`]: 2^-11 at full resolution.
    pub fn relative_error(&self) -> f64 {
        (2.0f64).powi(-(11 - self.coarseness as i32))
    }

    fn pages(&self) -> u64 {
        (self.counts.len() / SLOTS) as u64
    }

    #[inline(always)]
    fn key(&self, value: f64) -> u64 {
        value.to_bits() >> (FINE_SHIFT + self.coarseness)
    }

    /// The index in `counts` of bucket `key`, if the window holds it.
    #[inline(always)]
    fn index(&self, key: u64) -> Option<usize> {
        let index = key.wrapping_sub(self.first_page << PAGE_BITS) as usize;
        (index < self.counts.len()).then_some(index)
    }

    /// Adds one value. Values must be non-negative and not NaN (trade levels always are).
    pub fn add(&mut self, value: f64) {
        debug_assert!(value >= 0.0, "sketch takes non-negative values, got {value}");
        self.cover(self.key(value));
        let index = self.index(self.key(value)).expect("cover made room");
        self.counts[index] += C::ONE;
        self.count += 1;
    }

    /// Adds every value of a slice whose smallest and largest are `min` and `max`: the hot
    /// path. The window is sized once for the whole slice, so the loop is a plain increment
    /// into one contiguous array.
    pub fn add_all(&mut self, values: &[f64], min: f64, max: f64) {
        if values.is_empty() {
            return;
        }
        self.cover(self.key(min));
        self.cover(self.key(max));
        debug_assert!(values.iter().all(|v| (min..=max).contains(v)), "a value outside [{min}, {max}]");
        // Eight buckets found before any is counted, so that the loads and the index arithmetic
        // run ahead of the increments; and the common resolution (coarseness 0) with its shift
        // a constant (`cargo bench --bench sketch` times it).
        #[inline(always)]
        fn add<C: Count>(counts: &mut [C], values: &[f64], shift: u32, first_key: u64) {
            let index = |v: f64| ((v.to_bits() >> shift) - first_key) as usize;
            let mut eights = values.chunks_exact(8);
            for eight in &mut eights {
                let indices: [usize; 8] = std::array::from_fn(|j| index(eight[j]));
                for i in indices {
                    counts[i] += C::ONE;
                }
            }
            for &v in eights.remainder() {
                counts[index(v)] += C::ONE;
            }
        }
        let first_key = self.first_page << PAGE_BITS;
        if self.coarseness == 0 {
            add(&mut self.counts, values, FINE_SHIFT, first_key);
        } else {
            add(&mut self.counts, values, FINE_SHIFT + self.coarseness, first_key);
        }
        self.count += values.len() as u64;
    }

    /// Grows the window to hold bucket `key` (at the current resolution), halving the
    /// resolution as often as needed to stay within `MAX_PAGES`.
    fn cover(&mut self, mut key: u64) {
        let mut page = key >> PAGE_BITS;
        if self.counts.is_empty() {
            self.first_page = page;
            self.counts = vec![C::default(); SLOTS];
            return;
        }
        loop {
            let first = self.first_page.min(page);
            let last = (self.first_page + self.pages() - 1).max(page);
            if (last - first + 1) as usize <= MAX_PAGES {
                if page < self.first_page {
                    let extra = (self.first_page - page) as usize * SLOTS;
                    self.counts.splice(0..0, std::iter::repeat_n(C::default(), extra));
                    self.first_page = page;
                } else if page >= self.first_page + self.pages() {
                    self.counts.resize((page - self.first_page + 1) as usize * SLOTS, C::default());
                }
                return;
            }
            self.coarsen();
            key >>= 1;
            page = key >> PAGE_BITS;
        }
    }

    /// Halves the resolution: bucket `key` becomes `key >> 1`.
    fn coarsen(&mut self) {
        let first_key = self.first_page << PAGE_BITS;
        let new_first_page = self.first_page >> 1;
        let new_last_page = ((first_key + self.counts.len() as u64 - 1) >> 1) >> PAGE_BITS;
        let mut counts = vec![C::default(); (new_last_page - new_first_page + 1) as usize * SLOTS];
        for (offset, &count) in self.counts.iter().enumerate().filter(|(_, c)| **c != C::default()) {
            let key = (first_key + offset as u64) >> 1;
            counts[(key - (new_first_page << PAGE_BITS)) as usize] += count;
        }
        self.counts = counts;
        self.first_page = new_first_page;
        self.coarseness += 1;
    }

    /// Adds every count of `other` (exact and independent of order). The total must fit `C`.
    pub fn merge<D: Count>(&mut self, other: &Sketch<D>) {
        if other.count == 0 {
            return;
        }
        if self.counts.is_empty() {
            self.coarseness = self.coarseness.max(other.coarseness);
        }
        while self.coarseness < other.coarseness {
            self.coarsen();
        }
        let other_first_key = other.first_page << PAGE_BITS;
        // Cover both ends of `other` first (this may lower the resolution), then add.
        self.cover(other_first_key >> (self.coarseness - other.coarseness));
        self.cover((other_first_key + other.counts.len() as u64 - 1) >> (self.coarseness - other.coarseness));
        let drop = self.coarseness - other.coarseness;
        if drop == 0 {
            // The same resolution: `other`'s buckets are a contiguous run of `self`'s, added
            // slice to slice (vector code; most of a run's merging is this).
            let start = self.index(other_first_key).expect("both ends covered");
            let counts = &mut self.counts[start..start + other.counts.len()];
            for (total, &count) in counts.iter_mut().zip(&other.counts) {
                *total += C::from_u64(count.into());
            }
            self.count += other.count;
            return;
        }
        for (offset, &count) in other.counts.iter().enumerate().filter(|(_, c)| **c != D::default()) {
            let key = (other_first_key + offset as u64) >> drop;
            let index = self.index(key).expect("both ends covered");
            self.counts[index] += C::from_u64(count.into());
        }
        self.count += other.count;
    }

    /// What [`Sketch::from_parts`] needs to rebuild this sketch exactly (for a shard's partial
    /// statistics, `crate::stats::partial`): its coarseness, its first page and its counts, whole
    /// pages from the first.
    pub(crate) fn parts(&self) -> (u32, u64, &[C]) {
        (self.coarseness, self.first_page, &self.counts)
    }

    /// The sketch that [`Sketch::parts`] described, or `None` when they cannot be a sketch's: not
    /// whole pages, more than [`MAX_PAGES`] of them, buckets beyond the non-negative doubles at
    /// that coarseness, or counts whose total overflows. Anything accepted is safe to merge and
    /// to read quantiles from.
    pub(crate) fn from_parts(coarseness: u32, first_page: u64, counts: Vec<C>) -> Option<Self> {
        // Non-negative doubles have bits below 2^63, so keys below 2^(63 - FINE_SHIFT - coarseness)
        // and pages below 2^(63 - 52 - coarseness): at most 2^11 pages at full resolution.
        const MAX_COARSENESS: u32 = 63 - FINE_SHIFT - PAGE_BITS;
        if coarseness > MAX_COARSENESS || !counts.len().is_multiple_of(SLOTS) || counts.len() / SLOTS > MAX_PAGES {
            return None;
        }
        let pages = (counts.len() / SLOTS) as u64;
        if pages > 0 && first_page.checked_add(pages)? > 1 << (MAX_COARSENESS - coarseness) {
            return None;
        }
        let count = counts.iter().try_fold(0u64, |total, &c| total.checked_add(c.into()))?;
        Some(Sketch { coarseness, first_page, counts, count })
    }

    /// The value at 0-based rank `floor(q * (count - 1))`, to within [`Sketch::relative_error`]:
    /// the middle of its bucket. `None` when the sketch is empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        let shift = FINE_SHIFT + self.coarseness;
        let mut seen = 0u64;
        for (offset, &c) in self.counts.iter().enumerate() {
            seen += c.into();
            if seen > rank {
                let key = (self.first_page << PAGE_BITS) + offset as u64;
                let low = f64::from_bits(key << shift);
                let high = f64::from_bits((key + 1) << shift);
                return Some(if high.is_finite() { low + (high - low) / 2.0 } else { low });
            }
        }
        unreachable!("ranks below count always fall in a bucket")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(values: &[f64], q: f64) -> f64 {
        values[(q * (values.len() - 1) as f64).floor() as usize]
    }

    #[test]
    fn quantiles_are_within_relative_error_of_exact_order_statistics() {
        let values: Vec<f64> = (1..=10_000).map(|i| 0.37 * 1.0007f64.powi(i)).collect();
        let mut sketch = Sketch::<u64>::new();
        values.iter().for_each(|&v| sketch.add(v));
        assert_eq!(sketch.relative_error(), 1.0 / 2048.0);
        for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
            let (got, want) = (sketch.quantile(q).unwrap(), exact(&values, q));
            assert!(((got - want) / want).abs() <= 1.0 / 2048.0, "q={q}: {got} vs {want}");
        }
    }

    #[test]
    fn merge_equals_adding_everything_to_one_sketch() {
        let (mut a, mut b, mut all) = (Sketch::<u64>::new(), Sketch::<u64>::new(), Sketch::<u64>::new());
        for i in 0..5000 {
            let v = 1e-3 * 1.01f64.powi(i % 1500);
            if i % 3 == 0 {
                a.add(v)
            } else {
                b.add(v)
            }
            all.add(v);
        }
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        for q in [0.05, 0.5, 0.95] {
            assert_eq!(ab.quantile(q), all.quantile(q));
            assert_eq!(ba.quantile(q), all.quantile(q));
        }
        assert_eq!(ab.count(), 5000);
        // Narrow counts, as the engine fills them, merge into the same total.
        let mut narrow = Sketch::<u32>::new();
        (0..5000).for_each(|i| narrow.add(1e-3 * 1.01f64.powi(i % 1500)));
        let mut wide = Sketch::<u64>::new();
        wide.merge(&narrow);
        assert_eq!(wide, all);
        // Windows that overlap at an offset, either way round (the window grows at the front,
        // at the back, or not at all), narrow counts into wide ones, as the engine merges.
        let (mut outer, mut inner, mut both) = (Sketch::<u32>::new(), Sketch::<u32>::new(), Sketch::<u64>::new());
        for i in 0..3000 {
            let (wide_value, narrow_value) = (1.01f64.powi(i % 1400), 100.0 * 1.001f64.powi(i));
            outer.add(wide_value);
            inner.add(narrow_value);
            both.add(wide_value);
            both.add(narrow_value);
        }
        let (mut into_outer, mut into_inner) = (Sketch::<u64>::new(), Sketch::<u64>::new());
        into_outer.merge(&outer);
        into_outer.merge(&inner);
        into_inner.merge(&inner);
        into_inner.merge(&outer);
        assert_eq!(into_outer, both);
        assert_eq!(into_inner, both);
    }

    #[test]
    fn wide_spans_halve_the_resolution_and_keep_memory_bounded() {
        // 1e-300 .. 1e300 spans about 2^1993: four halvings bring it within 128 pages.
        let values: Vec<f64> = (0..=6000).map(|i| 10f64.powf(-300.0 + f64::from(i) * 0.1)).collect();
        let mut sketch = Sketch::<u64>::new();
        sketch.add_all(&values, values[0], values[6000]);
        assert!(sketch.pages() as usize <= MAX_PAGES);
        assert_eq!(sketch.count(), 6001);
        for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
            let (got, want) = (sketch.quantile(q).unwrap(), exact(&values, q));
            assert!(((got - want) / want).abs() <= sketch.relative_error(), "q={q}: {got} vs {want}");
        }
        // Spans up to 2^252 keep the contract's 0.1% (a page boundary may cost one page).
        let values: Vec<f64> = (0..=2520).map(|i| 2f64.powf(f64::from(i) * 0.1)).collect();
        let mut sketch = Sketch::<u64>::new();
        values.iter().for_each(|&v| sketch.add(v));
        assert!(sketch.relative_error() <= 0.001);
        for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
            let (got, want) = (sketch.quantile(q).unwrap(), exact(&values, q));
            assert!(((got - want) / want).abs() <= 0.001, "q={q}: {got} vs {want}");
        }
    }

    #[test]
    fn merging_sketches_of_different_resolution() {
        let narrow: Vec<f64> = (0..1000).map(|i| 100.0 + f64::from(i)).collect();
        let (mut fine, mut coarse) = (Sketch::<u64>::new(), Sketch::<u64>::new());
        narrow.iter().for_each(|&v| fine.add(v));
        coarse.add_all(&[1e-200, 1e200], 1e-200, 1e200);
        assert!(coarse.coarseness > 0);
        let mut a = fine.clone();
        a.merge(&coarse);
        let mut b = coarse.clone();
        b.merge(&fine);
        assert_eq!(a, b);
        assert_eq!(a.count(), 1002);
        let median = a.quantile(0.5).unwrap();
        assert!((median / 600.0 - 1.0).abs() <= a.relative_error() + 0.001, "{median}");
    }

    #[test]
    fn extremes_and_empty() {
        assert_eq!(Sketch::<u64>::new().quantile(0.5), None);
        let mut s = Sketch::<u64>::new();
        for v in [0.0, 1e-300, 1e300, f64::MAX] {
            s.add(v);
        }
        assert!(s.quantile(0.0).unwrap() < 1e-300);
        assert!(s.quantile(1.0).unwrap().is_finite());
        assert!(s.pages() as usize <= MAX_PAGES);
    }
}
