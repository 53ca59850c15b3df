//! SPEC §2 step 1 for every shock of a group of paths, and what its occurrences do to each year
//! (steps 5–7): when each occurrence starts and ends, drawn from the shock's stream
//! ([`crate::random::streams::ShockStream`]), recorded in the statistics and written as the
//! group's [`Effects`].
//!
//! Shocks do not depend on the level, so they are drawn before it is computed. A shock that can
//! occur only a few times has all its window's start decisions drawn at once, then as many
//! rounds as it has occurrences, each finding the next start in those bits; any other shock is
//! drawn the general way, occurrence by occurrence. An occurrence writes two years whatever its
//! length: its start and the year after its end.

use crate::engine::plan::{Plan, ShockPlan, SpanKind};
use crate::model::LEVEL_CEILING;
use crate::model::shock::Duration;
use crate::random::streams::{self, PathKey, ShockStream};
use crate::stats::{Occurrences, Stats};

/// The per-year effects of all shocks (SPEC §2 steps 5–7) on a group of `L` paths, indexed
/// like the rates: `(k - 1) * L + lane`.
///
/// An occurrence writes two years whatever its length: its start and the year after its last.
/// There it multiplies the level factor (the level change, then the recovery), and flips its
/// shock's toggle in `toggles`, so that XOR-ing the toggles year by year gives the set of shocks
/// active in each year (the plan's span table has its growth change and cap). Shocks that are
/// [`SpanKind::Written`] write every active year, into `growth_change` and `cap`.
pub(crate) struct Effects {
    pub(crate) factor: Vec<f64>,
    pub(crate) toggles: Vec<u64>,
    pub(crate) growth_change: Vec<f64>,
    pub(crate) cap: Vec<f64>,
    /// Whether `growth_change` or `cap` were written since they were last cleared.
    written: bool,
}

impl Effects {
    pub(crate) fn new(len: usize) -> Self {
        Effects {
            factor: vec![1.0; len],
            toggles: vec![0; len],
            growth_change: vec![0.0; len],
            cap: vec![LEVEL_CEILING; len],
            written: false,
        }
    }

    pub(crate) fn clear(&mut self) {
        self.factor.fill(1.0);
        self.toggles.fill(0);
        if self.written {
            self.growth_change.fill(0.0);
            self.cap.fill(LEVEL_CEILING);
            self.written = false;
        }
    }
}

impl Plan {
    /// SPEC §2 step 1 for every shock of a group of `L` paths, in file order: when its
    /// occurrences start and end, and what they do to each year (`effects`, steps 5–7). Shocks
    /// do not depend on the level, so they are drawn before it is computed. A shock's start
    /// decisions are drawn for the `L` paths together ([`ShockStream::start_masks`]); the
    /// paths' effects do not share a cell, so the order in which they are written is the same
    /// for each path as one at a time.
    #[inline(always)]
    pub(crate) fn shock_effects<const L: usize>(&self, paths: &[PathKey; L], effects: &mut Effects, stats: &mut Stats) {
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
    /// none (running every round whatever was drawn, with no branch, was slower: see
    /// docs/PERFORMANCE.md). A round's duration is drawn by its number, not its start year
    /// ([`ShockStream::duration_draw`]), so that the processor draws it while the round before
    /// is still finding its start.
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
}
