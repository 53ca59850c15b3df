//! A mergeable quantile sketch for the value quantiles of SPEC §3 (`p05` .. `p95` of `V(y)`),
//! whose relative error is at most 2^-11 (0.05%), inside the 0.1% the contract allows.
//!
//! A value's bucket is read straight off its IEEE-754 bits: the exponent picks a page and the
//! top ten mantissa bits a slot, so every bucket spans a relative width of at most 2^-10 and no
//! `log` is taken on the hot path. Counts are integers, so merging is exact and order-free.
//! Memory grows with the number of octaves the values span (8 KiB each), never with the runs.

const SLOT_BITS: u32 = 10;
const SLOTS: usize = 1 << SLOT_BITS;
const MANTISSA_BITS: u32 = 52;

/// Counts of non-negative values by logarithmic bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sketch {
    /// The exponent field of `pages[0]`.
    first_page: u32,
    pages: Vec<Box<[u64; SLOTS]>>,
    count: u64,
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
        } else {
            self.grow_to(page)[slot] += 1;
        }
        self.count += 1;
    }

    #[cold]
    fn grow_to(&mut self, page: u32) -> &mut [u64; SLOTS] {
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
        &mut self.pages[(page - self.first_page) as usize]
    }

    /// Adds every count of `other` (exact and independent of order).
    pub fn merge(&mut self, other: &Sketch) {
        for (offset, page) in other.pages.iter().enumerate() {
            let number = other.first_page + offset as u32;
            if page.iter().all(|&c| c == 0) {
                continue;
            }
            let index = number.wrapping_sub(self.first_page) as usize;
            let target = if index < self.pages.len() { &mut self.pages[index] } else { self.grow_to(number) };
            for (t, c) in target.iter_mut().zip(page.iter()) {
                *t += c;
            }
        }
        self.count += other.count;
    }

    /// The value at 0-based rank `floor(q * (count - 1))`, to within a relative 2^-11: the
    /// middle of its bucket. `None` when the sketch is empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        let mut seen = 0u64;
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
    fn extremes_and_empty() {
        assert_eq!(Sketch::new().quantile(0.5), None);
        let mut s = Sketch::new();
        for v in [0.0, 1e-300, 1e300, f64::MAX] {
            s.add(v);
        }
        assert!(s.quantile(0.0).unwrap() < 1e-300);
        assert!(s.quantile(1.0).unwrap().is_finite());
    }
}
