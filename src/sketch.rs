//! A mergeable quantile sketch for the value quantiles of SPEC §3 (`p05` .. `p95` of `V(y)`),
//! whose relative error is at most 2^-11 (0.05%), inside the 0.1% the contract allows.
//!
//! A value's bucket is read straight off its IEEE-754 bits: the exponent picks a page and the
//! top ten mantissa bits a slot, so every bucket spans a relative width of at most 2^-10 and no
//! `log` is taken on the hot path. Counts are integers, so merging is exact and order-free.
//! Memory grows with the number of octaves the values span (8 KiB each), never with the runs,
//! and is bounded: a sketch keeps at most [`MAX_PAGES`] octaves (values spanning up to
//! 2^48 = 2.8e14-fold). Values beyond that window, which only absurd scenarios produce, are
//! counted below or above it; a quantile that falls among them is reported as the year's
//! minimum or maximum, exact, by the caller.

const SLOT_BITS: u32 = 10;
const SLOTS: usize = 1 << SLOT_BITS;
const MANTISSA_BITS: u32 = 52;

/// The most octaves (pages of 8 KiB) one sketch keeps.
pub const MAX_PAGES: usize = 48;

/// Counts of non-negative values by logarithmic bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sketch {
    /// The exponent field of `pages[0]`.
    first_page: u32,
    pages: Vec<Box<[u64; SLOTS]>>,
    count: u64,
    /// Values below / above the window of pages, once it has reached `MAX_PAGES`.
    below: u64,
    above: u64,
}

#[inline(always)]
fn split(value: f64) -> (u32, usize) {
    let bits = value.to_bits();
    ((bits >> MANTISSA_BITS) as u32, ((bits >> (MANTISSA_BITS - SLOT_BITS)) as usize) & (SLOTS - 1))
}

fn empty_page() -> Box<[u64; SLOTS]> {
    Box::new([0; SLOTS])
}

impl Sketch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Adds one value. Values must be non-negative and not NaN (trade levels always are).
    #[inline]
    pub fn add(&mut self, value: f64) {
        debug_assert!(value >= 0.0, "sketch takes non-negative values, got {value}");
        let (page, slot) = split(value);
        let index = page.wrapping_sub(self.first_page) as usize;
        if index < self.pages.len() {
            self.pages[index][slot] += 1;
        } else if let Some(page) = self.grow_to(page) {
            page[slot] += 1;
        }
        self.count += 1;
    }

    /// Adds every value of a slice whose smallest and largest are `min` and `max`. On an empty
    /// sketch the window is first placed over the bulk of the values: all of them when they
    /// span at most `MAX_PAGES` octaves, else the `MAX_PAGES` octaves around their median's,
    /// so that a rare outlier arriving first cannot push the bulk out of the window.
    pub fn add_all(&mut self, values: &[f64], min: f64, max: f64) {
        if self.pages.is_empty() && !values.is_empty() {
            let (low, high) = (split(min).0, split(max).0);
            let first = if ((high - low) as usize) < MAX_PAGES {
                low
            } else {
                let mut octaves = vec![0u32; 1 << 11];
                for &v in values {
                    octaves[split(v).0 as usize] += 1;
                }
                let half = values.len() / 2;
                let mut seen = 0;
                let median = octaves.iter().position(|&c| {
                    seen += c as usize;
                    seen > half
                });
                let median = median.unwrap_or(low as usize) as u32;
                median.saturating_sub(MAX_PAGES as u32 / 2).max(low).min(high + 1 - MAX_PAGES as u32)
            };
            let last = high.min(first + MAX_PAGES as u32 - 1);
            self.first_page = first;
            self.pages = (first..=last).map(|_| empty_page()).collect();
        }
        for &v in values {
            self.add(v);
        }
    }

    /// Extends the window to `page`, or counts the value below or above it when the window
    /// would exceed `MAX_PAGES` (then returns `None`).
    #[cold]
    fn grow_to(&mut self, page: u32) -> Option<&mut [u64; SLOTS]> {
        let first = self.first_page;
        let last = first + self.pages.len() as u32;
        if !self.pages.is_empty() && (page.max(last) - page.min(first)) as usize >= MAX_PAGES {
            if page < first {
                self.below += 1
            } else {
                self.above += 1
            }
            return None;
        }
        if self.pages.is_empty() {
            self.first_page = page;
            self.pages.push(empty_page());
        } else if page < self.first_page {
            let extra = (self.first_page - page) as usize;
            self.pages.splice(0..0, (0..extra).map(|_| empty_page()));
            self.first_page = page;
        } else {
            let needed = (page - self.first_page) as usize + 1;
            self.pages.resize_with(needed, empty_page);
        }
        Some(&mut self.pages[(page - self.first_page) as usize])
    }

    /// Adds every count of `other` (exact and independent of order).
    pub fn merge(&mut self, other: &Sketch) {
        for (offset, page) in other.pages.iter().enumerate() {
            let number = other.first_page + offset as u32;
            if page.iter().all(|&c| c == 0) {
                continue;
            }
            let index = number.wrapping_sub(self.first_page) as usize;
            let in_window = index < self.pages.len();
            match if in_window { Some(&mut *self.pages[index]) } else { self.grow_to(number) } {
                Some(target) => target.iter_mut().zip(page.iter()).for_each(|(t, c)| *t += c),
                // grow_to counted one value out of the window; count the whole page.
                None => {
                    let n: u64 = page.iter().sum();
                    if number < self.first_page { self.below += n - 1 } else { self.above += n - 1 }
                }
            }
        }
        self.below += other.below;
        self.above += other.above;
        self.count += other.count;
    }

    /// The value at 0-based rank `floor(q * (count - 1))`, to within a relative 2^-11: the
    /// middle of its bucket; 0 or `f64::MAX` when that rank lies below or above the window.
    /// `None` when the sketch is empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        if rank < self.below {
            return Some(0.0);
        }
        if rank >= self.count - self.above {
            return Some(f64::MAX);
        }
        let mut seen = self.below;
        for (offset, page) in self.pages.iter().enumerate() {
            for (slot, &c) in page.iter().enumerate() {
                seen += c;
                if seen > rank {
                    let bits = ((u64::from(self.first_page) + offset as u64) << MANTISSA_BITS)
                        | ((slot as u64) << (MANTISSA_BITS - SLOT_BITS));
                    let low = f64::from_bits(bits);
                    let high = f64::from_bits(bits + (1 << (MANTISSA_BITS - SLOT_BITS)));
                    return Some(if high.is_finite() { low + (high - low) / 2.0 } else { low });
                }
            }
        }
        unreachable!("ranks below count always fall in a bucket")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_relative_error_of_exact_order_statistics() {
        let values: Vec<f64> = (1..=10_000).map(|i| 0.37 * 1.0007f64.powi(i)).collect();
        let mut sketch = Sketch::new();
        values.iter().for_each(|&v| sketch.add(v));
        for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
            let exact = values[(q * (values.len() - 1) as f64).floor() as usize];
            let got = sketch.quantile(q).unwrap();
            assert!(((got - exact) / exact).abs() <= 1.0 / 2048.0, "q={q}: {got} vs {exact}");
        }
    }

    #[test]
    fn merge_equals_adding_everything_to_one_sketch() {
        let (mut a, mut b, mut all) = (Sketch::new(), Sketch::new(), Sketch::new());
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
    }

    #[test]
    fn memory_is_bounded_and_outliers_fall_to_the_ends() {
        let mut s = Sketch::new();
        for i in 0..1000 {
            s.add(1.0 + f64::from(i) / 1000.0);
        }
        for e in [-300, -200, 100, 200, 300] {
            s.add(10f64.powi(e));
        }
        assert!(s.pages.len() <= MAX_PAGES);
        assert_eq!(s.quantile(0.0), Some(0.0));
        assert_eq!(s.quantile(1.0), Some(f64::MAX));
        let median = s.quantile(0.5).unwrap();
        assert!((median - 1.5).abs() < 0.01, "{median}");
        let mut merged = Sketch::new();
        merged.add(1e-250);
        merged.merge(&s);
        assert_eq!(merged.count(), 1006);
        assert!(merged.pages.len() <= MAX_PAGES);
    }

    #[test]
    fn an_outlier_first_does_not_push_the_bulk_out_of_the_window() {
        let mut values = vec![1e-300];
        values.extend((0..1000).map(|i| 500.0 + f64::from(i)));
        values.push(1e300);
        let mut s = Sketch::new();
        s.add_all(&values, 1e-300, 1e300);
        assert_eq!(s.count(), 1002);
        assert_eq!(s.quantile(0.0), Some(0.0));
        assert_eq!(s.quantile(1.0), Some(f64::MAX));
        let median = s.quantile(0.5).unwrap();
        assert!((median / 1000.0 - 1.0).abs() < 0.002, "{median}");
        let mut narrow = Sketch::new();
        narrow.add_all(&values[1..1001], 500.0, 1499.0);
        assert_eq!(narrow.quantile(0.0).map(|q| (q / 500.0 - 1.0).abs() < 1e-3), Some(true));
    }

    #[test]
    fn extremes_and_empty() {
        assert_eq!(Sketch::new().quantile(0.5), None);
        let mut s = Sketch::new();
        for v in [0.0, 1e-300, 1e300, f64::MAX] {
            s.add(v);
        }
        assert!(s.quantile(0.0).unwrap() < 1e-300);
        assert!(s.quantile(1.0).unwrap().is_finite());
        assert!(s.pages.len() <= MAX_PAGES);
    }
}
