//! The engine's per-year loops in AVX2 vectors of four paths: lognormal growth (the AR(1)
//! surprises, their exponents and `exp`), the level walk with the active shocks' growth change
//! and cap looked up in a table, and each year's figures. The same operations in the same order
//! as the portable code of `crate::engine` (`max`/`min` are its selects: `vmaxpd(a, b)` is
//! `a > b ? a : b`), so the same bits.

use std::arch::x86_64::*;
use std::slice::ChunksExact;

use super::lanes::F64x4;
use super::{load, store};
use crate::engine::walk::{NO_SPAN_ACTIVE, SpanWalk, VALUES_STRIDE};
use crate::model::exp::exp_lanes;
use crate::model::growth::Ar1;
use crate::model::{GROSS_FLOOR, LEVEL_CEILING, LEVEL_FLOOR};

/// Four lanes.
const LANES: usize = 4;

/// `exp(mu(k) + s(k) z(k))` for four lanes, given their normals `e(k)` in `gross` (year-major,
/// four per year): the AR(1) surprises and exponents in one pass, then their `exp`s in another.
#[target_feature(enable = "avx2,fma")]
pub(super) fn lognormal4(ar: Ar1, mu: &[f64], s: &[f64], gross: &mut [f64]) {
    // First the exponents, a short dependency chain from year to year (the AR(1) recurrence)...
    let (persistence, fresh) = (_mm256_set1_pd(ar.persistence), _mm256_set1_pd(ar.fresh));
    // (The first year peeled off and no `enumerate`: with them in the loop, the compiler kept
    // the iterators' state on the stack.)
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
    let exp4 = |v: __m256d| exp_lanes(F64x4(v)).0;
    let mut pairs = gross.chunks_exact_mut(2 * LANES);
    for pair in &mut pairs {
        let (a, b) = pair.split_at_mut(LANES);
        let (x, y) = (exp4(load(a)), exp4(load(b)));
        store(a, x);
        store(b, y);
    }
    let rest = pairs.into_remainder();
    if !rest.is_empty() {
        let x = exp4(load(rest));
        store(rest, x);
    }
}

/// The year's figures of every group of four values `fours` has left: folds value `j` of a
/// group into `min[j]` and `max[j]`, and counts it in `above[j]` when at or above `target`.
#[target_feature(enable = "avx2")]
pub(super) fn year_figures4(
    fours: &mut ChunksExact<f64>,
    target: f64,
    min: &mut [f64; LANES],
    max: &mut [f64; LANES],
    above: &mut [f64; LANES],
) {
    let (target, one) = (_mm256_set1_pd(target), _mm256_set1_pd(1.0));
    let (mut low, mut high, mut count) = (load(min), load(max), load(above));
    for four in fours {
        let v = load(four);
        low = _mm256_min_pd(v, low);
        high = _mm256_max_pd(v, high);
        count = _mm256_add_pd(count, _mm256_and_pd(_mm256_cmp_pd::<_CMP_GE_OQ>(v, target), one));
    }
    store(min, low);
    store(max, high);
    store(above, count);
}

/// The level walk of four lanes (see `crate::engine::walk`), when no shock is written year by
/// year, and the span table of `walk` fills `R` vectors (0: no spans, nothing looked up; 1, 2 or
/// 4). Returns the lanes' peaks and years below the target.
#[target_feature(enable = "avx2")]
pub(super) fn walk4<const R: usize>(
    walk: &SpanWalk,
    effects: Option<(&[f64], &[u64])>,
    gross: &[f64],
    values: &mut [f64],
) -> ([f64; LANES], [f64; LANES]) {
    let years = gross.len() / LANES;
    let target = _mm256_set1_pd(walk.target);
    let one = _mm256_set1_pd(1.0);
    let (gross_floor, level_floor, ceiling) =
        (_mm256_set1_pd(GROSS_FLOOR), _mm256_set1_pd(LEVEL_FLOOR), _mm256_set1_pd(LEVEL_CEILING));
    let mut value = _mm256_set1_pd(walk.base_value);
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
        Some((factor, toggles)) => {
            let effects = factor.chunks_exact(LANES).zip(toggles.chunks_exact(LANES));
            // The table's vectors, and the shocks of the span table active in the year
            // (`NO_SPAN_ACTIVE`'s form: four lanes' 32-bit indices into a vector of entries).
            let vectors = |table: &[f64]| -> [__m256i; R] {
                std::array::from_fn(|i| _mm256_castpd_si256(load(&table[LANES * i..][..LANES])))
            };
            let (changes, caps) = (vectors(&walk.spans.change), vectors(&walk.spans.cap));
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
