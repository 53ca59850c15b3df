//! The bounded growth distributions of SPEC §1 `[growth]` (triangular, pert, uniform) as quantile
//! functions: `X = Q(u)` for the `X` of SPEC §2 step 4 (`r = X - m1 + m(k)`), from one uniform
//! `u` per path and year ([`unit_open`] of one word of the path's generator).
//!
//! Drawing by inverse CDF serves two ends. Speed: one word and a few operations per draw, where
//! rand_distr's PERT takes two gamma variates (a Beta) per draw. Common random numbers (SPEC
//! §6): path `i` in year `k` uses the same `u` whatever min, mode and max are, so two points of a
//! sweep differ path by path only through `Q`, and `Q` is monotone in `u`.
//!
//! Uniform and triangular quantiles are closed forms. PERT is Beta(a, b) on [min, max] with
//! `a = 1 + 4 (mode - min) / (max - min)`, `b = 6 - a`; its quantile has no closed form, so
//! [`PertQuantile::new`] tabulates it once, in about 1 ms (some 5,800 Newton solves of the
//! regularized incomplete beta; `cargo bench --bench bounded`). Where `a > 1` the quantile
//! behaves like `u^(1/a)` at 0 (infinite slope), and where `b > 1` like `1 - (1 - u)^(1/b)` at
//! 1, so no grid uniform in `u` can follow it. The table is split in two halves, `u <= 1/2` (the
//! lower tail of Beta(a, b) at `w = u`) and `u > 1/2` (the lower tail of Beta(b, a) at `w = 1 -
//! u`, which is exact), and each half is cut by binades of `w`, `[2^-(j+1), 2^-j)` for `j = 1
//! ..= 52`, each in [`SUBINTERVALS`] equal parts, with one polynomial of degree [`DEGREE`] per
//! part. The binade and the part come straight from the bits of `w` (exponent and top mantissa
//! bits), the position inside the part from the remaining mantissa bits, exactly: no logarithm,
//! no search, one cache line of coefficients. Relative to its size, a power law is as smooth on
//! one binade as on any other, so every part is approximated about equally well, down to `w =
//! 2^-53`, the smallest `w` that [`unit_open`] gives (below it, reached only by other callers,
//! one more polynomial in `(w 2^53)^(1/a)` takes over).
//!
//! Accuracy (shown by the tests `pert_table_error_certificate` and `pert_quantile_at_points`):
//! `|Q_table(u) - Q(u)| <= 1e-13 (max - min)` for every `u` in (0, 1), plus the rounding of the
//! result (a few ulps of the larger of |min| and |max|); the largest error measured is 2.7e-14
//! (max - min), where `Q` is largest, in the top binade. The polynomials interpolate `Q` at
//! Chebyshev–Lobatto points of each part. `Q` is analytic in `w` but for its branch point at `w
//! = 0`, and the first part of a binade `[2^-(j+1), ..)` starts `SUBINTERVALS` part widths from
//! it, `2 SUBINTERVALS + 1` half-widths from its centre, so on every part the interpolation
//! error decays like `rho^-DEGREE` with `rho = 17 + sqrt(17^2 - 1) = 34`.

use std::f64::consts::PI;
use std::hint::select_unpredictable;

/// `2^53`: [`unit_open`] returns odd multiples of its inverse.
const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// A uniform draw in the open interval (0, 1) from one 64-bit word: the top 52 bits `k` give
/// `(k + 1/2) 2^-52 = (2k + 1) 2^-53`, an odd multiple of `2^-53`.
///
/// - Never 0 or 1: the smallest value is `2^-53`, the largest `1 - 2^-53`, so `ln(u)`,
///   `ln(1 - u)` and a quantile's infinite ends are never reached.
/// - Exact: `2k + 1 < 2^53` is an integer that a double holds exactly, scaled by a power of two.
///   So are `1 - u` (also an odd multiple of `2^-53`: `unit_open(!bits) == 1 - unit_open(bits)`
///   exactly) and the mean over all `2^52` values, exactly 1/2.
/// - The top bits: they are the best bits of xoshiro256++, and they order the values, so a larger
///   word never gives a smaller `u`.
#[inline]
pub fn unit_open(bits: u64) -> f64 {
    ((bits >> 11) | 1) as f64 * (1.0 / TWO_POW_53)
}

/// The quantile function of one bounded growth distribution (SPEC §1 `[growth]`), built from
/// validated parameters. The variants are public so that a caller may specialize its hot loop
/// on one of them.
#[derive(Debug, Clone)]
pub enum BoundedQuantile {
    Uniform(UniformQuantile),
    Triangular(TriangularQuantile),
    Pert(PertQuantile),
}

impl BoundedQuantile {
    /// Uniform on `[min, max]`; requires `min < max`, both finite.
    pub fn uniform(min: f64, max: f64) -> Self {
        Self::Uniform(UniformQuantile::new(min, max))
    }

    /// Triangular on `[min, max]` with its peak at `mode`; requires `min <= mode <= max`,
    /// `min < max`, all finite.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Self {
        Self::Triangular(TriangularQuantile::new(min, mode, max))
    }

    /// PERT on `[min, max]` with mode `mode`; requires `min <= mode <= max`, `min < max`, all
    /// finite. Builds a table (see [`PertQuantile::new`]).
    pub fn pert(min: f64, mode: f64, max: f64) -> Self {
        Self::Pert(PertQuantile::new(min, mode, max))
    }

    /// `X = Q(u)` for `u` in (0, 1): non-decreasing in `u`.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Self::Uniform(q) => q.quantile(u),
            Self::Triangular(q) => q.quantile(u),
            Self::Pert(q) => q.quantile(u),
        }
    }

    /// The distribution's mean, the `m1` of SPEC §2 step 2.
    pub fn mean(&self) -> f64 {
        match self {
            Self::Uniform(q) => q.mean(),
            Self::Triangular(q) => q.mean(),
            Self::Pert(q) => q.mean(),
        }
    }
}

/// Uniform on `[min, max]`: `Q(u) = min + (max - min) u`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UniformQuantile {
    min: f64,
    max: f64,
    span: f64,
}

impl UniformQuantile {
    /// Requires `min < max`, both finite (validated by the scenario).
    pub fn new(min: f64, max: f64) -> Self {
        debug_assert!(min.is_finite() && max.is_finite() && min < max, "uniform({min}, {max})");
        Self { min, max, span: max - min }
    }

    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        self.min + self.span * u
    }

    /// `(min + max) / 2` (SPEC §2 step 2).
    pub fn mean(&self) -> f64 {
        (self.min + self.max) / 2.0
    }
}

/// Triangular on `[min, max]` with peak `mode`. With `c = (mode - min) / (max - min)`:
/// `Q(u) = min + sqrt(u (max - min) (mode - min))` for `u < c`, and
/// `Q(u) = max - sqrt((1 - u) (max - min) (max - mode))` otherwise (both give `mode` at `c`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriangularQuantile {
    min: f64,
    mode: f64,
    max: f64,
    /// `c`, the CDF at the mode.
    mode_share: f64,
    /// `(max - min) (mode - min)` and `(max - min) (max - mode)`.
    scales: [f64; 2],
    /// `[min, max]`, the signs of the square root from them, and `[0, 1]`, whose distance to
    /// `u` is the probability to the nearer end.
    ends: [f64; 2],
    signs: [f64; 2],
    flips: [f64; 2],
}

impl TriangularQuantile {
    /// Requires `min <= mode <= max`, `min < max`, all finite (validated by the scenario).
    pub fn new(min: f64, mode: f64, max: f64) -> Self {
        debug_assert!(valid(min, mode, max), "triangular({min}, {mode}, {max})");
        let span = max - min;
        Self {
            min,
            mode,
            max,
            mode_share: (mode - min) / span,
            scales: [span * (mode - min), span * (max - mode)],
            ends: [min, max],
            signs: [1.0, -1.0],
            flips: [0.0, 1.0],
        }
    }

    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        // One square root whichever side. The side is a coin toss per draw, so it selects and
        // indexes pairs of constants rather than taking a branch the processor would mispredict
        // half the time.
        let upper = usize::from(u >= self.mode_share);
        // w = u or 1 - u, as |u - 0| or |u - 1| (the same rounding as 1 - u): compilers turn
        // even an explicit select of the two into a branch here.
        let w = (u - self.flips[upper]).abs();
        let root = (w * self.scales[upper]).sqrt();
        self.ends[upper] + self.signs[upper] * root
    }

    /// `(min + mode + max) / 3` (SPEC §2 step 2).
    pub fn mean(&self) -> f64 {
        (self.min + self.mode + self.max) / 3.0
    }
}

fn valid(min: f64, mode: f64, max: f64) -> bool {
    [min, mode, max].iter().all(|x| x.is_finite()) && min <= mode && mode <= max && min < max
}

/// Parts per binade of `w`, as a power of two: the top bits of the mantissa pick the part.
const SUBINTERVAL_BITS: u32 = 3;
/// Parts per binade.
pub const SUBINTERVALS: usize = 1 << SUBINTERVAL_BITS;
/// The degree of each part's polynomial: its 8 coefficients fill one cache line.
pub const DEGREE: usize = 7;
const NODES: usize = DEGREE + 1;
/// Binades of `w` tabulated: `[2^-53, 2^-52)` up to `[2^-2, 2^-1)`.
const BINADES: usize = 52;
/// The biased exponent of the lowest tabulated binade, `2^-53`.
const FIRST_EXPONENT: u64 = 1023 - 53;
/// Rows of one half: the parts, then one for `w = 1/2` exactly (the median; its exponent is
/// the next binade's, its mantissa bits all 0, so it lands right after the last part).
const ROWS_PER_HALF: usize = BINADES * SUBINTERVALS + 1;
const MANTISSA_BITS: u32 = 52;
const MANTISSA_MASK: u64 = (1 << MANTISSA_BITS) - 1;
/// Mantissa bits below the part's: the position inside the part.
const POSITION_BITS: u32 = MANTISSA_BITS - SUBINTERVAL_BITS;
const POSITION_MASK: u64 = (1 << POSITION_BITS) - 1;
/// Maps the position bits onto [0, 2), exactly (a power of two).
const POSITION_SCALE: f64 = 2.0 / (1u64 << POSITION_BITS) as f64;

/// One part's polynomial in `s` in [-1, 1], lowest degree first, in one cache line.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
struct Row([f64; NODES]);

impl Row {
    /// Horner's scheme, plain products and sums: the same bits on every processor (a fused
    /// multiply-add would differ without FMA hardware, or be a slow library call).
    #[inline(always)]
    fn eval(&self, s: f64) -> f64 {
        let c = &self.0;
        let mut x = c[DEGREE];
        for k in (0..DEGREE).rev() {
            x = x * s + c[k];
        }
        x
    }
}

/// PERT on `[min, max]` with mode `mode`: Beta(a, b) scaled, `a = 1 + 4 (mode - min) / (max -
/// min)`, `b = 6 - a`, its quantile tabulated as the module header describes.
#[derive(Clone)]
pub struct PertQuantile {
    min: f64,
    mode: f64,
    max: f64,
    /// `2 ROWS_PER_HALF` rows of `X` (not of the unit Beta: min, max and the sign are folded
    /// into the coefficients): the lower half (`u <= 1/2`), then the upper (`u > 1/2`, by `w =
    /// 1 - u`).
    rows: Box<[Row]>,
    /// `X` for `w < 2^-53` in the lower half, in `s = 2 t - 1`, `t = (w 2^53)^(1/a)`. (In the
    /// upper half `w = 1 - u >= 2^-53` for every double `u < 1`.)
    tail: Row,
    /// `1/a`.
    tail_exponent: f64,
}

impl std::fmt::Debug for PertQuantile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PertQuantile")
            .field("min", &self.min)
            .field("mode", &self.mode)
            .field("max", &self.max)
            .finish()
    }
}

impl PertQuantile {
    /// Requires `min <= mode <= max`, `min < max`, all finite (validated by the scenario).
    /// Tabulates the quantile: about 1 ms (`2 (52 * 8 * 7 + 1 + 6)` Newton solves of the
    /// incomplete beta, two evaluations each).
    pub fn new(min: f64, mode: f64, max: f64) -> Self {
        debug_assert!(valid(min, mode, max), "pert({min}, {mode}, {max})");
        let span = max - min;
        let a = 1.0 + 4.0 * ((mode - min) / span);
        let (mut rows, tail) = half_rows(&BetaLaw::new(a), min, span);
        rows.extend(half_rows(&BetaLaw::new(6.0 - a), max, -span).0);
        let mut table = Self { min, mode, max, rows: rows.into_boxed_slice(), tail, tail_exponent: 1.0 / a };
        table.join();
        table
    }

    /// Makes the table non-decreasing in `u` where one polynomial hands over to the next.
    /// Within a part the order holds by itself: two positions are at least `2^-48` apart, so the
    /// exact change, at least `|c_1| 2^-48`, outweighs Horner's rounding of the varying terms
    /// (about `|c_1| 2^-52`), and rounding the final sum is monotone. At a boundary it need not:
    /// both polynomials give the shared node's value, but each with the rounding of its own
    /// fitted coefficients (a few ulps of the part's variation, up to some 1e-17 (max - min)),
    /// which the true step to the next double need not outweigh. So each part, in increasing
    /// `u`, is raised until its first value is at least the previous part's last, a change far
    /// below the bound (the certificate test measures the rows after it). In `w` within each
    /// half, the last position of a part is `s = 1 - 2^-48` (the `w` just below a boundary has
    /// all position bits set), the first `s = -1`; the upper half runs the other way in `u` (`w =
    /// 1 - u`), so there a part's first value in `u` is at its last position in `w`. The checks
    /// hold for every double `w`, hence for every double `u`.
    fn join(&mut self) {
        let last = 1.0 - POSITION_SCALE;
        let mut previous = self.quantile_outside((1.0 / TWO_POW_53).next_down());
        for row in &mut self.rows[..ROWS_PER_HALF] {
            raise(row, -1.0, previous);
            previous = row.eval(last);
        }
        // The upper half, from w just below 1/2 down to 2^-53.
        for row in self.rows[ROWS_PER_HALF..2 * ROWS_PER_HALF - 1].iter_mut().rev() {
            raise(row, last, previous);
            previous = row.eval(-1.0);
        }
    }

    /// `X = Q(u)` for `u` in (0, 1), to within `1e-13 (max - min)` and a few ulps of `X`;
    /// non-decreasing in `u`. (`u <= 0` gives min, `u >= 1` max, NaN NaN.)
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        let upper = u > 0.5;
        // Exact: for u in [1/2, 1], 1 - u is a double (Sterbenz). A select, not a branch: the
        // side is a coin toss per draw.
        let w = select_unpredictable(upper, 1.0 - u, u);
        let bits = w.to_bits();
        // Wraps to a huge number for w below 2^-53, zero, negative or NaN: all outside.
        let binade = (bits >> MANTISSA_BITS).wrapping_sub(FIRST_EXPONENT);
        if binade > BINADES as u64 {
            return self.quantile_outside(u);
        }
        let mantissa = bits & MANTISSA_MASK;
        let part = (mantissa >> POSITION_BITS) as usize;
        // Exact: at most 49 bits, times a power of two, minus 1.
        let s = (mantissa & POSITION_MASK) as f64 * POSITION_SCALE - 1.0;
        let row = upper as usize * ROWS_PER_HALF + ((binade as usize) << SUBINTERVAL_BITS) + part;
        self.rows[row].eval(s)
    }

    /// `u` below `2^-53` (never from [`unit_open`]), or outside (0, 1).
    #[cold]
    #[inline(never)]
    fn quantile_outside(&self, u: f64) -> f64 {
        if u.is_nan() {
            u
        } else if u <= 0.0 {
            self.min
        } else if u >= 1.0 {
            self.max
        } else {
            let t = (u * TWO_POW_53).powf(self.tail_exponent);
            self.tail.eval(2.0 * t - 1.0)
        }
    }

    /// `(min + 4 mode + max) / 6` (SPEC §2 step 2).
    pub fn mean(&self) -> f64 {
        (self.min + 4.0 * self.mode + self.max) / 6.0
    }
}

/// The Chebyshev–Lobatto points of degree [`DEGREE`], `s_k = cos(pi k / 7)` rounded, from 1
/// down to -1, where each part's polynomial interpolates `Q`. They include both ends, so the
/// polynomials of two neighbouring parts meet at the same value.
const LOBATTO: [f64; NODES] = [
    1.0,
    0.9009688679024191,
    0.6234898018587335,
    0.2225209339563144,
    -0.2225209339563144,
    -0.6234898018587335,
    -0.9009688679024191,
    -1.0,
];

/// `FIT[i][k]`: the `s^i` coefficient of the Lagrange polynomial of node `k` of [`LOBATTO`],
/// that is the inverse of the Vandermonde matrix `V[k][i] = LOBATTO[k]^i`: values at the
/// nodes to coefficients. Computed at 60 digits (mpmath, `V**-1` at the rounded nodes) and
/// rounded, so every entry is within half an ulp; the test `fit_matrix_inverts_the_nodes`
/// checks it against the discrete cosine transform.
const FIT: [[f64; NODES]; NODES] = [
    [
        -0.07142857142857142,
        0.15855946631067744,
        -0.22912506737281088,
        0.6419941724907049,
        0.6419941724907049,
        -0.22912506737281088,
        0.15855946631067744,
        -0.07142857142857142,
    ],
    [
        -0.07142857142857142,
        0.17598773049708802,
        -0.367488075490166,
        2.8850956225841746,
        -2.8850956225841746,
        0.367488075490166,
        -0.17598773049708802,
        0.07142857142857142,
    ],
    [
        1.7142857142857142,
        -3.768655013393017,
        5.13872157393255,
        -3.0843522748252474,
        -3.0843522748252474,
        5.13872157393255,
        -3.768655013393017,
        1.7142857142857142,
    ],
    [
        1.7142857142857142,
        -4.182891493428591,
        8.241869487861889,
        -13.860953304423806,
        13.860953304423806,
        -8.241869487861889,
        4.182891493428591,
        -1.7142857142857142,
    ],
    [
        -5.714285714285714,
        11.847525196475885,
        -10.610074694982444,
        4.476835212792275,
        4.476835212792275,
        -10.610074694982444,
        11.847525196475885,
        -5.714285714285714,
    ],
    [
        -5.714285714285714,
        13.149760905788645,
        -17.017238555228865,
        20.118714824696777,
        -20.118714824696777,
        17.017238555228865,
        -13.149760905788645,
        5.714285714285714,
    ],
    [
        4.571428571428572,
        -8.237429649393546,
        5.700478188422705,
        -2.0344771104577317,
        -2.0344771104577317,
        5.700478188422705,
        -8.237429649393546,
        4.571428571428572,
    ],
    [
        4.571428571428572,
        -9.142857142857142,
        9.142857142857142,
        -9.142857142857144,
        9.142857142857144,
        -9.142857142857142,
        9.142857142857142,
        -4.571428571428572,
    ],
];

/// The `w` of position `s` in part `part` of binade `binade` (`[2^(binade - 53), 2^(binade -
/// 52))`), as [`PertQuantile::quantile`] reads it from the bits.
fn part_w(binade: usize, part: usize, s: f64) -> f64 {
    let low = 2f64.powi(binade as i32 - 53);
    low * (1.0 + (part as f64 + (s + 1.0) / 2.0) / SUBINTERVALS as f64)
}

/// The tail's `w` for `s` in [-1, 1]: `2^-53 t^a`, `t = (s + 1) / 2`.
fn tail_w(law: &BetaLaw, s: f64) -> f64 {
    ((s + 1.0) / 2.0).powf(law.a) / TWO_POW_53
}

/// The rows of one half, `X = base + scale Q(w)` with `Q` the lower-tail quantile of `law`,
/// and the tail row below `2^-53`. The quantiles are solved from `w = 1/2` downwards, each
/// Newton solve starting from the previous point.
fn half_rows(law: &BetaLaw, base: f64, scale: f64) -> (Vec<Row>, Row) {
    let mut rows = vec![Row([0.0; NODES]); ROWS_PER_HALF];
    let mut solver = Descent::new(law);
    let median = solver.next(0.5);
    rows[ROWS_PER_HALF - 1] = fit_row(&[median; NODES], base, scale);
    let mut values = [0.0; NODES];
    let mut top = median;
    for index in (0..BINADES * SUBINTERVALS).rev() {
        let (binade, part) = (index / SUBINTERVALS, index % SUBINTERVALS);
        values[0] = top;
        for (value, &s) in values.iter_mut().zip(&LOBATTO).skip(1) {
            *value = solver.next(part_w(binade, part, s));
        }
        top = values[DEGREE];
        rows[index] = fit_row(&values, base, scale);
    }
    values[0] = top;
    for (value, &s) in values.iter_mut().zip(&LOBATTO).skip(1).take(DEGREE - 1) {
        *value = solver.next(tail_w(law, s));
    }
    values[DEGREE] = 0.0;
    (rows, fit_row(&values, base, scale))
}

/// The row of `base + scale p(s)`, `p` through `values` at [`LOBATTO`]. The coefficients are
/// taken from differences to the first value (each row of [`FIT`] but the first sums to 0),
/// so their rounding is relative to the variation within the part, not to its level.
fn fit_row(values: &[f64; NODES], base: f64, scale: f64) -> Row {
    let level = values[0];
    let mut row = [0.0; NODES];
    for (coefficient, weights) in row.iter_mut().zip(&FIT) {
        *coefficient = scale * weights.iter().zip(values).map(|(w, v)| w * (v - level)).sum::<f64>();
    }
    row[0] = base + (scale * level + row[0]);
    Row(row)
}

/// Raises `row`'s constant term until its value at `s` is at least `floor`: by the shortfall,
/// then by whole ulps for the rounding of the sum.
fn raise(row: &mut Row, s: f64, floor: f64) {
    let shortfall = floor - row.eval(s);
    if shortfall > 0.0 {
        row.0[0] += shortfall;
    }
    for _ in 0..64 {
        if row.eval(s) >= floor {
            return;
        }
        row.0[0] = row.0[0].next_up();
    }
}

/// Newton solves of `I_x(a, b) = w` for decreasing `w`, each from a guess extrapolated from the
/// previous solution along its local power law `x ~ w^e`, `e = F / (x f)`.
struct Descent<'a> {
    law: &'a BetaLaw,
    /// The previous solution, its `w` and its elasticity `e`.
    last: Option<(f64, f64, f64)>,
}

impl<'a> Descent<'a> {
    fn new(law: &'a BetaLaw) -> Self {
        Self { law, last: None }
    }

    fn next(&mut self, w: f64) -> f64 {
        let guess = match self.last {
            Some((x, last_w, elasticity)) => x * (w / last_w).powf(elasticity),
            // The median of Beta(a, b) is close to (a - 1/3) / (a + b - 2/3).
            None => (self.law.a - 1.0 / 3.0) / (6.0 - 2.0 / 3.0),
        };
        let (x, elasticity) = self.law.quantile(w, guess);
        self.last = Some((x, w, elasticity));
        x
    }
}

/// Beta(a, 6 - a), `1 <= a <= 5`: the unit PERT. Private; the tests check it against
/// independent values.
#[derive(Debug, Clone, Copy)]
struct BetaLaw {
    a: f64,
    b: f64,
    /// The beta function B(a, b).
    beta: f64,
}

impl BetaLaw {
    fn new(a: f64) -> Self {
        Self { a, b: 6.0 - a, beta: beta_sum_six(a) }
    }

    /// `I_x(a, b)`, with `f(x) = x^(a-1) (1-x)^(b-1) / B(a, b)`.
    fn cdf_and_density(&self, x: f64) -> (f64, f64) {
        if x <= 0.0 {
            return (0.0, if self.a == 1.0 { 1.0 / self.beta } else { 0.0 });
        }
        if x >= 1.0 {
            return (1.0, if self.b == 1.0 { 1.0 / self.beta } else { 0.0 });
        }
        let (a, b) = (self.a, self.b);
        let complement = 1.0 - x;
        let front = x.powf(a) * complement.powf(b) / self.beta;
        let density = front / (x * complement);
        // The continued fraction converges fast below the mean-like point (a + 1) / (a + b + 2);
        // above it, I_x(a, b) = 1 - I_(1-x)(b, a).
        let cdf = if x < (a + 1.0) / (a + b + 2.0) {
            front * continued_fraction(a, b, x) / a
        } else {
            1.0 - front * continued_fraction(b, a, complement) / b
        };
        (cdf, density)
    }

    #[cfg(test)]
    fn cdf(&self, x: f64) -> f64 {
        self.cdf_and_density(x).0
    }

    /// The `x` with `I_x(a, b) = w`, `0 < w <= 1/2`, and the elasticity `d ln x / d ln w = F /
    /// (x f)` there: Newton's method on `ln I_x - ln w` (a power law near 0 is almost linear
    /// there), kept inside a bracket, from `guess`. It stops after a step below `1e-8 x`: the
    /// convergence is quadratic with a constant near 1 (a step of `5e-5 x` leaves `2e-9 x`), so
    /// the error left is about `1e-16 x`. From the guesses of [`Descent`] that is two
    /// evaluations of `I_x`.
    fn quantile(&self, w: f64, guess: f64) -> (f64, f64) {
        let (mut low, mut high) = (0.0, 1.0);
        let mut x = if guess > 0.0 && guess < 1.0 { guess } else { 0.5 };
        let target = w.ln();
        for _ in 0..2000 {
            let (cdf, density) = self.cdf_and_density(x);
            let elasticity = if density > 0.0 { cdf / (x * density) } else { 1.0 / self.a };
            let step = (target - cdf.ln()) * cdf / density;
            if step.abs() <= 1e-8 * x {
                return (x + step, elasticity);
            }
            if cdf < w {
                low = x;
            } else {
                high = x;
            }
            let next = x + step;
            // Outside the bracket (or not a number, where I_x underflowed): bisect instead.
            x = if next > low && next < high {
                next
            } else if low > 0.0 {
                0.5 * (low + high)
            } else {
                0.5 * high
            };
        }
        (x, 1.0 / self.a)
    }
}

/// B(a, 6 - a) = Γ(a) Γ(6 - a) / 5! for `1 <= a <= 5`, by reflection: `Γ(6 - a) = (5 - a) ... (1
/// - a) Γ(1 - a)` and `Γ(a) Γ(1 - a) = pi / sin(pi a)`. The factor `n - a` for the integer `n`
/// nearest `a` cancels with the sine's zero there: with `d = a - n` (exact),
/// `(n - a) / sin(pi a) = (-1)^(n+1) d / sin(pi d)`, which is `(-1)^(n+1) / pi` at `d = 0`.
fn beta_sum_six(a: f64) -> f64 {
    let n = a.round();
    let d = a - n;
    let product: f64 = (1..=5).map(f64::from).filter(|&k| k != n).map(|k| k - a).product();
    let sign = if (n as i64) % 2 == 0 { -1.0 } else { 1.0 };
    let ratio = if d == 0.0 { 1.0 } else { PI * d / (PI * d).sin() };
    product * sign * ratio / 120.0
}

/// The continued fraction of `I_x(a, b)` (Numerical Recipes §6.4, modified Lentz), for `x <
/// (a + 1) / (a + b + 2)`: `I_x(a, b) = x^a (1-x)^b / (a B(a, b)) * this`.
fn continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (sum, above, below) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - sum * x / above);
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((below + m2) * (a + m2));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (sum + m) * x / ((a + m2) * (above + m2));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    //! Tolerances: deterministic checks are exact or bounded by the rounding they involve;
    //! random ones (a seeded generator) allow `Z` standard errors, the standard error derived
    //! next to each from the distribution's closed-form moments.

    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;

    /// Standard errors allowed (as in tests/statistics.rs).
    const Z: f64 = 5.0;
    /// Draws per statistical check.
    const DRAWS: usize = 1_000_000;
    /// The accuracy this module claims for the PERT table, in units of `max - min`.
    const BOUND: f64 = 1e-13;
    /// The target of issue 19, which [`BOUND`] must meet.
    const TARGET: f64 = 1e-9;

    /// PERT parameters: mode at min (a = 1), at max (a = 5), in the middle (a = b = 3), off
    /// centre, lopsided both ways (a = 1.004, a = 4.996), a realistic growth range, and the
    /// widest inputs allowed (|x| <= 1e6); then every `a` from 1 to 5 in steps of 1/4 (the
    /// error varies smoothly with `a`, and the bound holds with a margin of 3 over this grid).
    fn perts() -> Vec<(f64, f64, f64)> {
        let mut perts = vec![
            (0.0, 0.0, 1.0),
            (0.0, 1.0, 1.0),
            (0.0, 0.5, 1.0),
            (-0.1, 0.2, 0.5),
            (0.0, 0.001, 1.0),
            (-0.05, 0.899, 0.9),
            (0.1, 0.35, 0.6),
            (-1e6, 5e5, 1e6),
        ];
        perts.extend((1..16).map(|i| (0.0, f64::from(i) / 16.0, 1.0)));
        perts
    }

    fn shape(min: f64, mode: f64, max: f64) -> f64 {
        1.0 + 4.0 * ((mode - min) / (max - min))
    }

    /// The lower-tail quantile of `law` at `w`, independently of the table and of Newton: the
    /// double `x` in [0, 1] whose `I_x` is nearest `w`, by bisection over the bit patterns
    /// (ordered like the numbers), so within an ulp of the root of the computed `I_x`.
    fn reference_lower(law: &BetaLaw, w: f64) -> f64 {
        let (mut low, mut high) = (0u64, 1f64.to_bits());
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if law.cdf(f64::from_bits(mid)) <= w {
                low = mid;
            } else {
                high = mid;
            }
        }
        let (x0, x1) = (f64::from_bits(low), f64::from_bits(high));
        if w - law.cdf(x0) <= law.cdf(x1) - w { x0 } else { x1 }
    }

    /// `Q(u)` of PERT(min, mode, max), through `Q_(a,b)(u) = 1 - Q_(b,a)(1 - u)` above 1/2 (the
    /// identity `I_x(a, b) = 1 - I_(1-x)(b, a)`), which keeps the precision near `u = 1`.
    fn reference((min, mode, max): (f64, f64, f64), u: f64) -> f64 {
        let (span, a) = (max - min, shape(min, mode, max));
        if u <= 0.5 {
            min + span * reference_lower(&BetaLaw::new(a), u)
        } else {
            max - span * reference_lower(&BetaLaw::new(6.0 - a), 1.0 - u)
        }
    }

    /// The allowed `|Q_table - Q|` at PERT(min, mode, max): the bound, and the rounding of `X`
    /// (Horner's sums near `base = min or max`, a few ulps of the largest end).
    fn tolerance((min, _, max): (f64, f64, f64)) -> f64 {
        BOUND * (max - min) + 8.0 * f64::EPSILON * min.abs().max(max.abs())
    }

    #[test]
    fn unit_open_is_open_exact_and_symmetric() {
        assert_eq!(unit_open(0), 2f64.powi(-53));
        assert_eq!(unit_open(u64::MAX), 1.0 - 2f64.powi(-53));
        assert_eq!(unit_open(1 << 63), 0.5 + 2f64.powi(-53));
        assert_eq!(unit_open((1 << 63) - 1), 0.5 - 2f64.powi(-53));
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut words: Vec<u64> = (0..10_000).map(|_| rng.next_u64()).collect();
        words.extend([0, 1, 2047, 2048, 4095, 4096, u64::MAX - 4096, u64::MAX]);
        for bits in words {
            let u = unit_open(bits);
            assert!(u > 0.0 && u < 1.0, "{bits:#x}: {u}");
            // An odd multiple of 2^-53, held exactly: k = u 2^53 is an odd integer, and the top
            // 52 bits of the word.
            let k = u * TWO_POW_53;
            assert_eq!(k.fract(), 0.0);
            assert_eq!(k as u64, ((bits >> 12) << 1) | 1, "{bits:#x}");
            assert_eq!(unit_open(!bits), 1.0 - u, "{bits:#x}: antithetic");
        }
    }

    /// B(a, 6 - a) at integers (exact fractions) and against values computed by mpmath at 40
    /// digits, `mp.beta(a, 6 - a)` at the double `a`.
    #[test]
    fn beta_function() {
        for (a, want) in [(1.0, 1.0 / 5.0), (2.0, 1.0 / 20.0), (3.0, 1.0 / 30.0), (4.0, 1.0 / 20.0), (5.0, 1.0 / 5.0)] {
            assert!((beta_sum_six(a) - want).abs() <= f64::EPSILON * want, "B({a})");
        }
        for (a, want) in [
            (1.3, 0.11541033094736108),
            (2.5, 0.03681553890925539),
            (3.7, 0.04054957573826201),
            (4.9, 0.16384944621624403),
            (1.0001, 0.1999583395390995),
            (4.99999, 0.19999583339539806),
        ] {
            let got = beta_sum_six(a);
            assert!((got - want).abs() <= 8.0 * f64::EPSILON * want, "B({a}): {got} against {want}");
        }
    }

    /// I_x(a, 6 - a) against mpmath at 40 digits (`mp.betainc(a, 6 - a, 0, x, regularized=True)`
    /// at the doubles `a`, `6 - a` and `x`: a change of `a` by an ulp moves `x^a` at `x = 1e-12`
    /// by 1e-14), relative error; and at integer `a` against the binomial sum `I_x(a, b) = sum_(j >= a)
    /// C(5, j) x^j (1 - x)^(5 - j)`, an independent closed form.
    #[test]
    fn incomplete_beta() {
        let xs = [1e-12, 0.001, 0.2, 0.5, 0.8, 0.999];
        let table: [(f64, [f64; 6]); 6] = [
            (
                1.3,
                [
                    1.6742178244057657e-15,
                    0.0008373434439328477,
                    0.5377681455535008,
                    0.9396193005694163,
                    0.9990943450231562,
                    0.9999999999999853,
                ],
            ),
            (
                2.5,
                [
                    1.0864977448387319e-29,
                    3.4296757541926315e-07,
                    0.13281730977804912,
                    0.669765272631355,
                    0.9784400592936358,
                    0.9999999997548714,
                ],
            ),
            (
                3.7,
                [
                    2.653456432600577e-44,
                    5.288924042922891e-11,
                    0.013836887717032653,
                    0.268667612232398,
                    0.8224651967212091,
                    0.9999986526874656,
                ],
            ),
            (
                4.9,
                [
                    1.974053606939135e-59,
                    2.4849797737338148e-15,
                    0.0004597215165224998,
                    0.03951270730770169,
                    0.3724478947453707,
                    0.9972249225989043,
                ],
            ),
            (
                1.0001,
                [
                    4.9867437384116305e-12,
                    0.004987104177533252,
                    0.6722755219264719,
                    0.9687424033850975,
                    0.9996798812643254,
                    0.999999999999999,
                ],
            ),
            (
                4.99999,
                [
                    1.0002991882010334e-60,
                    1.0000919066810635e-15,
                    0.00032001187184631805,
                    0.03125075960327386,
                    0.3276844477735216,
                    0.9950102806609783,
                ],
            ),
        ];
        let mut worst: f64 = 0.0;
        for (a, wants) in table {
            let law = BetaLaw::new(a);
            for (x, want) in xs.into_iter().zip(wants) {
                let error = (law.cdf(x) - want).abs() / want;
                worst = worst.max(error);
                assert!(error <= 1e-14, "I_{x}({a}, {}): relative error {error:e}", 6.0 - a);
            }
        }
        eprintln!("incomplete beta against mpmath: largest relative error {worst:.1e}");
        let choose = [1.0, 5.0, 10.0, 10.0, 5.0, 1.0];
        for a in 1..=5 {
            let law = BetaLaw::new(f64::from(a));
            for i in 1..1000 {
                let x = f64::from(i) / 1000.0;
                let want: f64 = (a..=5).map(|j| choose[j as usize] * x.powi(j) * (1.0 - x).powi(5 - j)).sum();
                assert!((law.cdf(x) - want).abs() <= 1e-15, "I_{x}({a}, {})", 6 - a);
            }
        }
    }

    /// The Chebyshev–Lobatto points of degree `n`, `cos(pi m / n)`, `m = 0 ..= n`.
    fn lobatto(n: usize) -> Vec<f64> {
        (0..=n).map(|m| (PI * m as f64 / n as f64).cos()).collect()
    }

    /// The Chebyshev coefficients `c_0 ..= c_n` of the degree-`n` polynomial through `values`
    /// at the Lobatto points of degree `n`: the discrete cosine transform `c_j = (2 / n) sum''
    /// v_m cos(pi j m / n)` (the end terms halved, and `c_0`, `c_n` halved).
    fn chebyshev(values: &[f64], cosines: &[Vec<f64>]) -> Vec<f64> {
        let n = values.len() - 1;
        let half = |k: usize| if k == 0 || k == n { 0.5 } else { 1.0 };
        (0..=n)
            .map(|j| half(j) * 2.0 / n as f64 * (0..=n).map(|m| half(m) * values[m] * cosines[j][m]).sum::<f64>())
            .collect()
    }

    fn cosines(n: usize) -> Vec<Vec<f64>> {
        (0..=n).map(|j| (0..=n).map(|m| (PI * (j * m) as f64 / n as f64).cos()).collect()).collect()
    }

    /// [`LOBATTO`] are the rounded cosines, and [`FIT`] the inverse of their Vandermonde matrix:
    /// `FIT V` is the identity (to the rounding of a sum of 8 products), and `FIT` agrees with
    /// an independent construction, the cosine transform followed by the power coefficients of
    /// `T_0 ..= T_7`, to the latter's rounding.
    #[test]
    fn fit_matrix_inverts_the_nodes() {
        // libm's cosine of the rounded pi k / 7 is within an ulp or two of the rounded cosine.
        for (k, (node, cosine)) in LOBATTO.iter().zip(lobatto(DEGREE)).enumerate() {
            assert!((node - cosine).abs() <= 2.0 * f64::EPSILON, "node {k}: {node} against {cosine}");
            assert_eq!(*node, -LOBATTO[DEGREE - k], "node {k}: symmetric");
        }
        for (i, weights) in FIT.iter().enumerate() {
            for j in 0..NODES {
                let product: f64 = weights.iter().zip(&LOBATTO).map(|(w, s)| w * s.powi(j as i32)).sum();
                let scale: f64 = weights.iter().map(|w| w.abs()).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!(
                    (product - want).abs() <= 2.0 * NODES as f64 * f64::EPSILON * scale,
                    "(FIT V)[{i}][{j}] = {product}"
                );
            }
        }
        let mut power = [[0.0; NODES]; NODES]; // power[j][i]: the s^i coefficient of T_j
        power[0][0] = 1.0;
        power[1][1] = 1.0;
        for j in 2..NODES {
            for i in 0..=j {
                power[j][i] = if i > 0 { 2.0 * power[j - 1][i - 1] } else { 0.0 } - power[j - 2][i];
            }
        }
        let cosines = cosines(DEGREE);
        for k in 0..NODES {
            let unit: Vec<f64> = (0..NODES).map(|m| if m == k { 1.0 } else { 0.0 }).collect();
            let c = chebyshev(&unit, &cosines);
            for (i, weights) in FIT.iter().enumerate() {
                let entry: f64 = (0..NODES).map(|j| power[j][i] * c[j]).sum();
                let scale: f64 = (0..NODES).map(|j| (power[j][i] * c[j]).abs()).sum();
                assert!(
                    (entry - weights[k]).abs() <= 4.0 * NODES as f64 * f64::EPSILON * scale,
                    "FIT[{i}][{k}]: {entry}"
                );
            }
        }
    }

    /// The fit reproduces a polynomial of degree 7 from its values at the nodes, to the
    /// rounding of its sums: each coefficient a sum of 8 products of differences (an error of
    /// at most about `10 eps` times the sum of their sizes), then scaled and shifted.
    #[test]
    fn fit_reproduces_polynomials() {
        let coefficients = [0.3, -1.0, 0.5, 0.25, -0.125, 2.0, -0.75, 0.0625];
        let p = |s: f64| coefficients.iter().rev().fold(0.0, |x, c| x * s + c);
        let values: [f64; NODES] = std::array::from_fn(|k| p(LOBATTO[k]));
        let row = fit_row(&values, 0.0, 1.0);
        for (i, (got, want)) in row.0.iter().zip(coefficients).enumerate() {
            let size: f64 = (0..NODES).map(|k| (FIT[i][k] * (values[k] - values[0])).abs()).sum();
            let allowed = 10.0 * f64::EPSILON * size + 2.0 * f64::EPSILON * want.abs() + f64::EPSILON * values[0].abs();
            assert!((got - want).abs() <= allowed, "coefficient {i}: {got} against {want} (allowed {allowed:e})");
        }
    }

    #[test]
    fn uniform_closed_form() {
        let q = UniformQuantile::new(-0.25, 0.75);
        assert_eq!(q.quantile(0.5), 0.25);
        assert_eq!(q.quantile(0.25), 0.0);
        assert_eq!(q.quantile(2f64.powi(-53)), -0.25 + 2f64.powi(-53));
        assert_eq!(q.mean(), 0.25);
        let q = UniformQuantile::new(-0.1, 0.5);
        for i in 1..1000 {
            let u = f64::from(i) / 1000.0;
            let cdf = (q.quantile(u) + 0.1) / 0.6;
            assert!((cdf - u).abs() <= 4.0 * f64::EPSILON, "F(Q({u})) = {cdf}");
        }
    }

    /// The triangular CDF, written apart from the quantile.
    fn triangular_cdf((min, mode, max): (f64, f64, f64), x: f64) -> f64 {
        if x <= min {
            0.0
        } else if x >= max {
            1.0
        } else if x <= mode {
            (x - min).powi(2) / ((max - min) * (mode - min))
        } else {
            1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
        }
    }

    #[test]
    fn triangular_closed_form() {
        // Dyadic parameters: every step exact. c = 1/4.
        let q = TriangularQuantile::new(0.0, 0.25, 1.0);
        assert_eq!(q.quantile(0.25), 0.25);
        assert_eq!(q.quantile(1.0 / 16.0), 0.125); // sqrt(1/16 * 1/4)
        assert_eq!(q.quantile(0.8125), 0.625); // 1 - sqrt(3/16 * 3/4)
        assert_eq!(q.mean(), 1.25 / 3.0);
        for params in [(-0.1, 0.1, 0.5), (-0.1, -0.1, 0.5), (-0.1, 0.5, 0.5), (0.0, 0.999, 1.0)] {
            let q = TriangularQuantile::new(params.0, params.1, params.2);
            let span = params.2 - params.0;
            for i in 1..1000 {
                let u = f64::from(i) / 1000.0;
                let x = q.quantile(u);
                // F(Q(u)) = u, up to the rounding of x (an ulp of the largest end, times the
                // density, at most 2 / span) and of F itself.
                let allowed = 4.0 * f64::EPSILON + 2.0 / span * 4.0 * f64::EPSILON * params.0.abs().max(params.2.abs());
                let cdf = triangular_cdf(params, x);
                assert!((cdf - u).abs() <= allowed, "{params:?}: F(Q({u})) = {cdf}");
            }
        }
    }

    /// Certifies the table's error bound on every part of every half (and the tail) of each
    /// PERT of [`perts`], for every `s` in the part, not just at sample points:
    ///
    /// The error `e(s) = p(s) - Q(w(s))` of a part's polynomial is sampled at the 33
    /// Chebyshev–Lobatto points of degree 32 against the bisection reference, and expanded in
    /// Chebyshev polynomials. As `|T_j| <= 1` on [-1, 1], the interpolant of `e` of degree 32 is
    /// everywhere at most `sum |c_j|`. It differs from `e` by `Q`'s own interpolation remainder
    /// at degree 32 (`p` has degree 7), which is at most `4 K rho^-32 / (rho - 1)` (Trefethen,
    /// ATAP Thm 8.2) for `Q` analytic and bounded by `K` on a Bernstein ellipse of parameter
    /// `rho` around the part. `Q`'s only singularity near the real segment is its branch point
    /// at `w = 0`, 17 half-widths of the first part of a binade away; on the ellipse `rho = 17`
    /// (reaching 8.5 half-widths) `|Q| <= 2` (a power law `|w|^p`, `p <= 1`, at most doubles), so
    /// the remainder is below `1e-39`. The test also checks that the coefficients past degree 24
    /// have decayed to rounding level, as that analysis predicts. The sum includes the
    /// reference's own rounding (about an ulp per point), so the bound is conservative.
    #[test]
    fn pert_table_error_certificate() {
        const CHECK: usize = 32;
        let points = lobatto(CHECK);
        let cosines = cosines(CHECK);
        for params in perts() {
            let (min, mode, max) = params;
            let (span, a) = (max - min, shape(min, mode, max));
            let table = PertQuantile::new(min, mode, max);
            let (mut worst, mut worst_at, mut noise): (f64, String, f64) = (0.0, String::new(), 0.0);
            let mut certify =
                |row: &Row, law: &BetaLaw, base: f64, scale: f64, w_of: &dyn Fn(f64) -> f64, at: String| {
                    let errors: Vec<f64> =
                        points.iter().map(|&s| (row.eval(s) - base) / scale - reference_lower(law, w_of(s))).collect();
                    let coefficients = chebyshev(&errors, &cosines);
                    let bound: f64 = coefficients.iter().map(|c| c.abs()).sum();
                    noise = coefficients[24..].iter().fold(noise, |n, c| n.max(c.abs()));
                    if bound > worst {
                        (worst, worst_at) = (bound, at);
                    }
                };
            for (half, law, base, scale) in [(0, BetaLaw::new(a), min, span), (1, BetaLaw::new(6.0 - a), max, -span)] {
                for index in 0..BINADES * SUBINTERVALS {
                    let (binade, part) = (index / SUBINTERVALS, index % SUBINTERVALS);
                    let row = &table.rows[half * ROWS_PER_HALF + index];
                    let at = format!("half {half}, w in binade 2^{}, part {part}", binade as i32 - 53);
                    certify(row, &law, base, scale, &|s| part_w(binade, part, s), at);
                }
            }
            let law = BetaLaw::new(a);
            certify(&table.tail, &law, min, span, &|s| tail_w(&law, s), "tail".into());
            eprintln!(
                "PERT{params:?}: |Q_table - Q| <= {worst:.2e} (max - min), worst at {worst_at}; noise {noise:.1e}"
            );
            assert!(worst <= BOUND && BOUND <= TARGET, "PERT{params:?}: {worst:e} at {worst_at}");
            assert!(noise <= 1e-15, "PERT{params:?}: the Chebyshev coefficients have not decayed ({noise:e})");
        }
    }

    /// `quantile` itself (bits to row, evaluation, rounding) against the reference at the ends
    /// (`u = 2^-53, 1e-12, 1 - 2^-53`), below the table (`u < 2^-53`), at `1/2`, on both sides of
    /// every part boundary, and at random points.
    #[test]
    fn pert_quantile_at_points() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(19);
        for params in perts() {
            let table = PertQuantile::new(params.0, params.1, params.2);
            let mut us = vec![2f64.powi(-53), 1e-12, 1.0 - 2f64.powi(-53), 0.5, 0.25, 0.75, 1e-300, 5e-324, 1e-20];
            us.extend(boundaries());
            us.extend((0..2000).map(|_| unit_open(rng.next_u64())));
            let mut worst: f64 = 0.0;
            for u in us {
                let error = (table.quantile(u) - reference(params, u)).abs();
                worst = worst.max(error / (params.2 - params.0));
                assert!(error <= tolerance(params), "PERT{params:?} at u = {u:e}: error {error:e}");
            }
            eprintln!("PERT{params:?}: largest error at the points {worst:.2e} (max - min)");
            assert_eq!(table.quantile(0.0), params.0);
            assert_eq!(table.quantile(1.0), params.2);
            assert!(table.quantile(f64::NAN).is_nan());
        }
        // The symmetric PERT's median is the midpoint.
        assert!((PertQuantile::new(0.0, 0.5, 1.0).quantile(0.5) - 0.5).abs() <= BOUND);
    }

    /// Every part boundary of both halves, as a `u`, with its neighbouring doubles.
    fn boundaries() -> Vec<f64> {
        let mut us = Vec::new();
        for index in 0..=BINADES * SUBINTERVALS {
            let w = part_w(index / SUBINTERVALS, index % SUBINTERVALS, -1.0);
            for u in [w, 1.0 - w] {
                us.extend([u.next_down(), u, u.next_up()]);
            }
        }
        us
    }

    /// `Q` is non-decreasing: across every part boundary (with its neighbouring doubles), over
    /// sorted random points, and from random points to the next double, for each family.
    #[test]
    fn quantiles_are_monotone() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(20);
        let mut us = boundaries();
        us.extend((0..200_000).map(|_| unit_open(rng.next_u64())));
        us.extend([2f64.powi(-53), 1.0 - 2f64.powi(-53), 1e-300, 1e-20]);
        us.sort_by(f64::total_cmp);
        let mut quantiles: Vec<(String, BoundedQuantile)> = perts()
            .into_iter()
            .map(|(min, mode, max)| (format!("pert({min}, {mode}, {max})"), BoundedQuantile::pert(min, mode, max)))
            .collect();
        for (min, mode, max) in [(-0.1, 0.1, 0.5), (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (-1e6, 0.3, 1e6)] {
            quantiles.push((format!("triangular({min}, {mode}, {max})"), BoundedQuantile::triangular(min, mode, max)));
        }
        quantiles.push(("uniform".into(), BoundedQuantile::uniform(-0.1, 0.5)));
        // Next to each, its neighbouring double: consecutive positions within a part.
        let neighbours: Vec<f64> = us.iter().step_by(16).map(|u| u.next_up()).collect();
        for (name, q) in &quantiles {
            for pair in us.windows(2) {
                let (x0, x1) = (q.quantile(pair[0]), q.quantile(pair[1]));
                assert!(x0 <= x1, "{name}: Q({:e}) = {x0} > Q({:e}) = {x1}", pair[0], pair[1]);
            }
            for (&u, &next) in us.iter().step_by(16).zip(&neighbours) {
                let (x0, x1) = (q.quantile(u), q.quantile(next));
                assert!(x0 <= x1, "{name}: Q({u:e}) = {x0} > Q({next:e}) = {x1}");
            }
        }
    }

    /// Mean and variance of `DRAWS` draws `Q(unit_open(word))` from a seeded xoshiro256++
    /// against the closed forms (se of the mean `sd / sqrt(n)`, of the variance `sqrt((mu4 -
    /// sd^4) / n)`), and the Kolmogorov–Smirnov distance to the exact CDF against `(Z / 2) /
    /// sqrt(n)`: its asymptotic tail `2 exp(-2 c^2)` at `c = Z / 2` is `2 exp(-Z^2 / 2)`, about
    /// the normal tail beyond `Z` standard errors.
    #[test]
    fn draws_match_the_distributions() {
        type Cdf = Box<dyn Fn(f64) -> f64>;
        let mut cases: Vec<(String, BoundedQuantile, f64, f64, f64, Cdf)> = Vec::new();
        let (min, max) = (-0.1, 0.5);
        let span: f64 = max - min;
        cases.push((
            "uniform".into(),
            BoundedQuantile::uniform(min, max),
            (min + max) / 2.0,
            span.powi(2) / 12.0,
            span.powi(4) / 80.0,
            Box::new(move |x| ((x - min) / span).clamp(0.0, 1.0)),
        ));
        for mode in [0.1, -0.1, 0.45] {
            let variance = (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0;
            cases.push((
                format!("triangular mode {mode}"),
                BoundedQuantile::triangular(min, mode, max),
                (min + mode + max) / 3.0,
                variance,
                2.4 * variance * variance, // excess kurtosis -3/5
                Box::new(move |x| triangular_cdf((min, mode, max), x)),
            ));
        }
        for mode in [0.2, -0.1, 0.5, -0.099] {
            let a = shape(min, mode, max);
            let b = 6.0 - a;
            let variance = a * b / (36.0 * 7.0) * span * span;
            let excess = 6.0 * ((a - b).powi(2) * 7.0 - a * b * 8.0) / (a * b * 8.0 * 9.0);
            let law = BetaLaw::new(a);
            cases.push((
                format!("pert mode {mode}"),
                BoundedQuantile::pert(min, mode, max),
                (min + 4.0 * mode + max) / 6.0,
                variance,
                (3.0 + excess) * variance * variance,
                Box::new(move |x| law.cdf((x - min) / span)),
            ));
        }
        let n = DRAWS as f64;
        for (name, q, mean, variance, fourth, cdf) in cases {
            assert!((q.mean() - mean).abs() <= 4.0 * f64::EPSILON, "{name}: mean() {}", q.mean());
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(2022);
            let mut xs: Vec<f64> = (0..DRAWS).map(|_| q.quantile(unit_open(rng.next_u64()))).collect();
            let sample_mean = xs.iter().sum::<f64>() / n;
            let sample_variance = xs.iter().map(|x| (x - sample_mean).powi(2)).sum::<f64>() / (n - 1.0);
            let (mean_se, variance_se) = ((variance / n).sqrt(), ((fourth - variance * variance) / n).sqrt());
            xs.sort_by(f64::total_cmp);
            let distance = xs.iter().enumerate().fold(0.0f64, |d, (i, &x)| {
                let f = cdf(x);
                d.max((i as f64 + 1.0) / n - f).max(f - i as f64 / n)
            });
            let critical = Z / 2.0 / n.sqrt();
            eprintln!(
                "{name}: mean {:+.2} se, variance {:+.2} se, KS {distance:.2e} (critical {critical:.2e})",
                (sample_mean - mean) / mean_se,
                (sample_variance - variance) / variance_se
            );
            assert!((sample_mean - mean).abs() <= Z * mean_se, "{name}: mean {sample_mean} against {mean}");
            assert!(
                (sample_variance - variance).abs() <= Z * variance_se,
                "{name}: variance {sample_variance} against {variance}"
            );
            assert!(distance <= critical, "{name}: KS distance {distance} > {critical}");
        }
    }
}
