//! Every use of the processor's vector instructions, and the one choice between them.
//!
//! The hot loops of the engine (SPEC §2 for each path and year) run on one of two back ends:
//! portable code, or AVX2 and FMA on x86-64 processors that have them. [`Backend`] is that
//! choice, detected once at start-up and passed explicitly to whatever simulates; nothing else
//! in the crate asks the processor what it can do. The back ends implement the operations in
//! [`Isa`] (standard normals, lognormal growth, the level walk, each year's figures); code
//! generic over an [`Isa`] and run through [`Backend::run`] is compiled once per back end, the
//! AVX2 instance with AVX2 and FMA enabled throughout.
//!
//! Both back ends do the same IEEE-754 operations in the same order, so they give the same
//! bits; the tests hold them to that wherever the processor has AVX2. Every
//! `#[target_feature]`, intrinsic and `unsafe` block of the crate lives under this folder.
//! Formulas written once for any lanes (`exp`, the generator step, the ziggurat's fast path)
//! take their operations from [`lanes`].

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
pub(crate) mod lanes;

use std::slice::ChunksExact;

use crate::engine::walk::SpanWalk;
use crate::model::exp;
use crate::model::growth::Ar1;
use crate::random::normals::{self, State};

/// The instruction set the hot loops run with. The same results whichever it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backend(Choice);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2(avx2::Avx2),
}

impl Backend {
    /// The fastest back end this processor runs: AVX2 and FMA where it has both.
    pub fn detect() -> Self {
        Self::avx2_fma().unwrap_or_else(Self::portable)
    }

    /// Portable code, on any processor.
    pub fn portable() -> Self {
        Backend(Choice::Portable)
    }

    /// AVX2 and FMA, where this processor has both.
    pub fn avx2_fma() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if let Some(token) = avx2::Avx2::detect() {
            return Some(Backend(Choice::Avx2(token)));
        }
        None
    }

    /// The back end's name, for messages.
    pub fn name(self) -> &'static str {
        match self.0 {
            Choice::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Choice::Avx2(_) => "avx2+fma",
        }
    }

    /// Runs `kernel` with this back end's instructions.
    #[inline]
    pub(crate) fn run<K: Kernel>(self, kernel: K) -> K::Output {
        match self.0 {
            Choice::Portable => kernel.run(Portable),
            #[cfg(target_arch = "x86_64")]
            Choice::Avx2(token) => avx2::run(token, kernel),
        }
    }
}

impl Default for Backend {
    fn default() -> Self {
        Self::detect()
    }
}

/// Work compiled once per back end: [`Backend::run`] calls `run` with the back end's [`Isa`].
/// Implementations mark `run` `#[inline(always)]`, so that its whole body is compiled with the
/// back end's instructions.
pub(crate) trait Kernel {
    type Output;
    fn run<I: Isa>(self, isa: I) -> Self::Output;
}

/// The operations whose back ends differ. Each gives the same bits on every back end.
pub(crate) trait Isa: Copy + Send + Sync {
    /// Standard normals of four generators ([`crate::random::normals::NormalLanes::fill`]).
    fn fill_normals(self, state: &mut State, out: &mut [f64]);

    /// Lognormal growth for four lanes: given their standard normals `e(k)` in `gross`
    /// (year-major, four per year), replaces them by `exp(mu(k) + s(k) z(k))`, `z` the AR(1)
    /// surprises of `ar`.
    fn lognormal4(self, ar: Ar1, mu: &[f64], s: &[f64], gross: &mut [f64]);

    /// The year's figures ([`crate::engine`]'s `year_figures`) of as many groups of four
    /// values of `fours` as this back end takes at once: folds value `j` of a group into
    /// `min[j]`, `max[j]` and the count at or above `target`, `above[j]`.
    /// The portable back end takes none (the caller does the rest lane by lane).
    #[allow(clippy::too_many_arguments)]
    fn year_figures4(
        self,
        fours: &mut ChunksExact<f64>,
        target: f64,
        min: &mut [f64; 4],
        max: &mut [f64; 4],
        above: &mut [f64; 4],
    );

    /// The level walk of four lanes with no shock written year by year, where this back end
    /// has one (the portable back end has not: `None`). See [`crate::engine::walk`].
    fn walk4<const R: usize>(
        self,
        walk: &SpanWalk,
        effects: Option<(&[f64], &[u64])>,
        gross: &[f64],
        values: &mut [f64],
    ) -> Option<([f64; 4], [f64; 4])>;
}

/// The portable back end.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable;

impl Isa for Portable {
    #[inline(always)]
    fn fill_normals(self, state: &mut State, out: &mut [f64]) {
        normals::fill_portable(state, out);
    }

    #[inline(always)]
    fn lognormal4(self, ar: Ar1, mu: &[f64], s: &[f64], gross: &mut [f64]) {
        let mut z = [0.0; 4];
        for (i, (year, (&mu, &s))) in gross.chunks_exact_mut(4).zip(mu.iter().zip(s)).enumerate() {
            for lane in 0..4 {
                z[lane] = if i == 0 { year[lane] } else { ar.next(z[lane], year[lane]) };
                year[lane] = s.mul_add(z[lane], mu);
            }
        }
        exp::exp_in_place(gross);
    }

    #[inline(always)]
    fn year_figures4(self, _: &mut ChunksExact<f64>, _: f64, _: &mut [f64; 4], _: &mut [f64; 4], _: &mut [f64; 4]) {}

    #[inline(always)]
    fn walk4<const R: usize>(
        self,
        _: &SpanWalk,
        _: Option<(&[f64], &[u64])>,
        _: &[f64],
        _: &mut [f64],
    ) -> Option<([f64; 4], [f64; 4])> {
        None
    }
}
