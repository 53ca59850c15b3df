//! Scales, ticks and axes shared by the charts: linear and logarithmic value scales, year scales
//! with the horizon marked, tick values at round numbers, and the drawing of the axes, their
//! labels and the grid. Every mapping is total: a value outside the domain (or not finite) lands
//! on the domain's edge, never at an infinite or `NaN` coordinate.

use super::format;
use super::style::{self, AXIS, GRID, HORIZON, LABEL_SIZE, MUTED, Stroke, TICK_SIZE, text_width};
use super::svg::{Anchor, Font, Svg};

/// A rectangle of the drawing, in px.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
}

/// Maps values of `[lo, hi]` onto px `[from, to]`, linearly or on a log scale.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    from: f64,
    to: f64,
}

impl Scale {
    /// A linear scale; a degenerate or non-finite domain is widened so the mapping stays total.
    pub fn linear(lo: f64, hi: f64, from: f64, to: f64) -> Self {
        let (lo, hi) = sane_domain(lo, hi, false);
        Scale { lo, hi, log: false, from, to }
    }

    /// A log-10 scale over positive values.
    pub fn log(lo: f64, hi: f64, from: f64, to: f64) -> Self {
        let (lo, hi) = sane_domain(lo, hi, true);
        Scale { lo: lo.log10(), hi: hi.log10(), log: true, from, to }
    }

    /// The px position of `v`, clamped to the domain.
    pub fn px(&self, v: f64) -> f64 {
        let v = if self.log { if v > 0.0 { v.log10() } else { self.lo } } else { v };
        let t = (v - self.lo) / (self.hi - self.lo);
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        self.from + t * (self.to - self.from)
    }
}

/// A finite domain with `lo < hi` (and `lo > 0` for a log scale).
fn sane_domain(lo: f64, hi: f64, log: bool) -> (f64, f64) {
    let floor = if log { f64::MIN_POSITIVE } else { -f64::MAX / 4.0 };
    let ceiling = f64::MAX / 4.0;
    let mut lo = if lo.is_finite() { lo.clamp(floor, ceiling) } else { floor.max(if log { 1.0 } else { 0.0 }) };
    let mut hi = if hi.is_finite() { hi.clamp(floor, ceiling) } else { ceiling.min(lo.abs().max(1.0) * 10.0) };
    if hi < lo {
        std::mem::swap(&mut lo, &mut hi);
    }
    if hi <= lo {
        if log {
            (lo / 2.0, lo * 2.0)
        } else {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo - pad, hi + pad)
        }
    } else {
        (lo, hi)
    }
}

/// The smallest and largest finite values of `values` (for a log axis, positive ones only).
pub(crate) fn finite_range(values: impl IntoIterator<Item = f64>, positive: bool) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite() && (!positive || *v > 0.0)).fold(None, |range, v| match range {
        None => Some((v, v)),
        Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
    })
}

/// A round step giving at most about `count` intervals over `range`: 1, 2, 2.5 or 5 times a
/// power of ten.
pub(crate) fn nice_step(range: f64, count: usize) -> f64 {
    let raw = range / count.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw * (1.0 - 1e-9));
    step.unwrap_or(10.0 * magnitude)
}

/// Round tick values covering `[lo, hi]` with about `count` intervals: the domain widened to
/// whole steps, the ticks, and the step.
pub(crate) fn linear_ticks(lo: f64, hi: f64, count: usize) -> (f64, f64, Vec<f64>, f64) {
    let (lo, hi) = sane_domain(lo, hi, false);
    let step = nice_step(hi - lo, count);
    let first = (lo / step + 1e-9).floor();
    let last = (hi / step - 1e-9).ceil();
    let ticks: Vec<f64> = (0..=((last - first) as usize).min(1000)).map(|i| (first + i as f64) * step).collect();
    let (start, end) = (first * step, last * step);
    (start, end, ticks, step)
}

/// Tick values for a log axis over `[lo, hi]`: 1-2-5 in each decade when few decades are shown,
/// whole decades (every second, fifth, ...) when many are, at most about eight in all.
pub(crate) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (lo, hi) = sane_domain(lo, hi, true);
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    for multiples in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0][..], &[1.0][..]] {
        let ticks: Vec<f64> = (first..=last)
            .flat_map(|e| multiples.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|v| inside(*v))
            .collect();
        if ticks.len() <= 8 && ticks.len() >= 2 {
            return ticks;
        }
        if ticks.len() < 2 && multiples.len() == 3 {
            // Less than a decade shown: round linear ticks read better.
            let (_, _, linear, _) = linear_ticks(lo, hi, 4);
            return linear.into_iter().filter(|v| inside(*v) && *v > 0.0).collect();
        }
    }
    let decades = (last - first).max(1);
    let every = (decades as f64 / 7.0).ceil() as i32;
    (first..=last).filter(|e| (e - first) % every == 0).map(|e| 10f64.powi(e)).filter(|v| inside(*v)).collect()
}

/// A tick label for a value on a log axis.
pub(crate) fn log_tick_label(v: f64) -> String {
    format::value(v)
}

/// Years to label on an axis of `px_per_year` px a year: multiples of a round step whose labels
/// do not crowd each other.
pub(crate) fn year_ticks(first: i32, last: i32, px_per_year: f64) -> Vec<i32> {
    let label = text_width("2050", TICK_SIZE, false) + 22.0;
    let step =
        [1, 2, 5, 10, 20, 25, 50, 100, 200].into_iter().find(|s| f64::from(*s) * px_per_year >= label).unwrap_or(500);
    let start = first.div_euclid(step) * step;
    (0..).map(|i| start + i * step).take_while(|y| *y <= last).filter(|y| *y >= first).collect()
}

/// Width of the widest label, for sizing a margin.
pub(crate) fn widest(labels: &[String], size: f64) -> f64 {
    labels.iter().map(|l| text_width(l, size, false)).fold(0.0, f64::max)
}

const TICK_FONT: Font = Font::new(TICK_SIZE, style::INK);
const LABEL_FONT: Font = Font::new(LABEL_SIZE, style::INK);

/// Draws the left axis of `plot`: grid lines across at each tick (when `grid`), tick labels,
/// and the axis title turned upright, `title_x` px from the left edge of the drawing.
pub(crate) fn y_axis(svg: &mut Svg, plot: Rect, ticks: &[(f64, String)], title: &str, title_x: f64, grid: bool) {
    for (y, label) in ticks {
        if grid {
            svg.line(plot.x, *y, plot.right(), *y, Stroke::new(GRID, 1.0));
        }
        svg.line(plot.x - 5.0, *y, plot.x, *y, Stroke::new(AXIS, 1.0));
        svg.text(plot.x - 8.0, y + TICK_SIZE * 0.35, Anchor::End, TICK_FONT, label);
    }
    svg.line(plot.x, plot.y, plot.x, plot.bottom(), Stroke::new(AXIS, 1.0));
    svg.vertical_text(title_x, plot.y + plot.height / 2.0, LABEL_FONT, title);
}

/// Draws the bottom axis of `plot` with its tick labels; the axis title (if any) goes under them.
pub(crate) fn x_axis(svg: &mut Svg, plot: Rect, ticks: &[(f64, String)], title: Option<&str>) {
    let y = plot.bottom();
    svg.line(plot.x, y, plot.right(), y, Stroke::new(AXIS, 1.0));
    for (x, label) in ticks {
        svg.line(*x, y, *x, y + 5.0, Stroke::new(AXIS, 1.0));
        svg.text(*x, y + 8.0 + TICK_SIZE, Anchor::Middle, TICK_FONT, label);
    }
    if let Some(title) = title {
        svg.text(plot.x + plot.width / 2.0, y + X_TITLE_OFFSET, Anchor::Middle, LABEL_FONT, title);
    }
}

/// Vertical grid lines at `xs`, across `plot`.
pub(crate) fn x_grid(svg: &mut Svg, plot: Rect, xs: &[f64]) {
    for x in xs {
        svg.line(*x, plot.y, *x, plot.bottom(), Stroke::new(GRID, 1.0));
    }
}

/// From the bottom of a plot to the baseline of its x-axis title.
pub(crate) const X_TITLE_OFFSET: f64 = 40.0;
/// Room under a plot for its x tick labels and title.
pub(crate) const X_AXIS_ROOM: f64 = 50.0;

/// Marks the horizon as a dotted vertical line at `x` across `plot`; when `label_below`, names it
/// under the axis, in the row of the axis title, aligned to end at the line.
pub(crate) fn horizon_line(svg: &mut Svg, plot: Rect, x: f64, horizon_year: i32, label_below: bool) {
    svg.line(x, plot.y, x, plot.bottom(), HORIZON);
    if label_below {
        let font = Font::new(TICK_SIZE, MUTED);
        svg.text(x, plot.bottom() + X_TITLE_OFFSET, Anchor::End, font, &format!("horizon {horizon_year}"));
    }
}

/// Drops labels (later ones first) that would overlap an earlier kept one on a horizontal axis.
pub(crate) fn spaced_labels(ticks: Vec<(f64, String)>, size: f64) -> Vec<(f64, String)> {
    let mut kept: Vec<(f64, String)> = Vec::with_capacity(ticks.len());
    for (x, label) in ticks {
        let half = text_width(&label, size, false) / 2.0;
        let clear = kept.iter().all(|(kx, kl)| (kx - x).abs() >= half + text_width(kl, size, false) / 2.0 + 6.0);
        if clear {
            kept.push((x, label));
        }
    }
    kept
}

/// The size of the "not reached" zone along a year axis, and its gap from the years.
pub(crate) const ZONE_PX: f64 = 30.0;
const ZONE_GAP: f64 = 8.0;

/// A [`YearAxis`] mapped onto px.
#[derive(Clone, Copy, Debug)]
pub(crate) struct YearScale {
    years: Scale,
    zone: Option<Scale>,
    /// Values beyond this are in the zone.
    horizon: f64,
    pub px_per_year: f64,
}

impl YearScale {
    pub fn px(&self, v: f64) -> f64 {
        match self.zone {
            Some(zone) if v > self.horizon => zone.px(v),
            _ => self.years.px(v),
        }
    }

    /// The zone's edges in px, when shown, and where the years end (the horizon line).
    pub fn zone(&self) -> Option<(f64, f64, f64)> {
        self.zone.map(|z| (z.px(self.horizon), z.px(self.horizon + 1.0), self.years.px(self.horizon)))
    }
}

/// A year axis for first-passage years that may be "not reached": the reached years, and,
/// when some are not, a zone one year wide beyond the horizon where those are drawn.
#[derive(Clone, Copy, Debug)]
pub(crate) struct YearAxis {
    pub lo: f64,
    pub hi: f64,
    pub horizon: i32,
    /// Whether the "not reached" zone is shown.
    pub zone: bool,
}

impl YearAxis {
    /// The axis for `years` (`None`: not reached by `horizon`), at least `span` years long and
    /// not before `base_year`.
    pub fn new(years: impl IntoIterator<Item = Option<i32>>, base_year: i32, horizon: i32, span: f64) -> Self {
        let (mut first, mut last, mut zone) = (i32::MAX, i32::MIN, false);
        for year in years {
            match year {
                Some(y) => {
                    first = first.min(y);
                    last = last.max(y);
                }
                None => zone = true,
            }
        }
        if first > last {
            // Nothing reached: the zone and the years just before it.
            (first, last) = (horizon, horizon);
        }
        let mut lo = f64::from(first) - 0.5;
        let mut hi = if zone { f64::from(horizon) + 1.5 } else { f64::from(last) + 0.5 };
        if hi - lo < span {
            lo = (hi - span).max(f64::from(base_year) - 0.5);
            hi = hi.max(lo + span);
        }
        YearAxis { lo, hi, horizon, zone }
    }

    /// Where a year is drawn: not reached in the middle of the zone.
    pub fn value(&self, year: Option<i32>) -> f64 {
        year.map_or(f64::from(self.horizon) + 1.0, f64::from)
    }

    /// Maps the axis onto px `from..to`: the years on all but the last [`ZONE_PX`] (and a gap),
    /// the zone, when shown, on those, so it stays wide enough for its markers and label
    /// however many years the axis spans.
    pub fn scale(&self, from: f64, to: f64) -> YearScale {
        let direction = if to >= from { 1.0 } else { -1.0 };
        if self.zone {
            let years_end = to - direction * (ZONE_PX + ZONE_GAP);
            let years = Scale::linear(self.lo, f64::from(self.horizon) + 0.5, from, years_end);
            let zone = Scale::linear(
                f64::from(self.horizon) + 0.5,
                f64::from(self.horizon) + 1.5,
                to - direction * ZONE_PX,
                to,
            );
            YearScale {
                years,
                zone: Some(zone),
                horizon: f64::from(self.horizon) + 0.5,
                px_per_year: (years_end - from).abs() / (f64::from(self.horizon) + 0.5 - self.lo),
            }
        } else {
            let years = Scale::linear(self.lo, self.hi, from, to);
            YearScale {
                years,
                zone: None,
                horizon: f64::INFINITY,
                px_per_year: (to - from).abs() / (self.hi - self.lo),
            }
        }
    }

    /// Labelled years, `px_per_year` px apart and labels at least `spacing` px apart, then the
    /// zone's label ("after 2050").
    pub fn ticks(&self, px_per_year: f64, spacing: f64) -> Vec<(f64, String)> {
        let step = [1, 2, 5, 10, 20, 25, 50, 100, 200]
            .into_iter()
            .find(|s| f64::from(*s) * px_per_year >= spacing)
            .unwrap_or(500);
        let (first, last) = (self.lo.ceil() as i32, (self.hi.min(f64::from(self.horizon) + 0.5)).floor() as i32);
        let mut ticks: Vec<(f64, String)> = (first.div_euclid(step) * step..=last)
            .step_by(step as usize)
            .filter(|y| *y >= first)
            .map(|y| (f64::from(y), y.to_string()))
            .collect();
        if self.zone {
            let zone = f64::from(self.horizon) + 1.0;
            ticks.retain(|(v, _)| (zone - v) * px_per_year >= spacing);
            ticks.push((zone, format!("after {}", self.horizon)));
        }
        ticks
    }

    /// The axis title's note on the horizon when neither the zone nor the horizon is in view.
    pub fn horizon_note(&self) -> String {
        if self.zone || self.hi >= f64::from(self.horizon) {
            String::new()
        } else {
            format!(" (horizon {})", self.horizon)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_total() {
        let s = Scale::linear(0.0, 10.0, 100.0, 200.0);
        assert_eq!(s.px(5.0), 150.0);
        assert_eq!(s.px(f64::NAN), 100.0);
        assert_eq!(s.px(f64::INFINITY), 200.0);
        let l = Scale::log(1.0, 100.0, 0.0, 100.0);
        assert_eq!(l.px(10.0), 50.0);
        assert_eq!(l.px(0.0), 0.0);
        assert_eq!(l.px(-1.0), 0.0);
        let flat = Scale::linear(3.0, 3.0, 0.0, 10.0);
        assert!(flat.px(3.0).is_finite());
        let wild = Scale::linear(f64::NEG_INFINITY, f64::NAN, 0.0, 10.0);
        assert!(wild.px(1e300).is_finite() && wild.px(-1e300).is_finite());
        let huge = Scale::log(1e-300, 1e300, 0.0, 600.0);
        assert_eq!(huge.px(1.0), 300.0);
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(100.0, 5), 20.0);
        assert_eq!(nice_step(1.0, 4), 0.25);
        assert_eq!(nice_step(7.0, 5), 2.0);
        assert_eq!(nice_step(0.0, 5), 1.0);
        let (lo, hi, ticks, step) = linear_ticks(0.0, 93.0, 5);
        assert_eq!((lo, hi, step), (0.0, 100.0, 20.0));
        assert_eq!(ticks, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
    }

    #[test]
    fn log_ticks_fit_the_span() {
        assert_eq!(log_ticks(300.0, 6000.0), vec![500.0, 1000.0, 2000.0, 5000.0]);
        let wide = log_ticks(100.0, 1e7);
        assert_eq!(wide, vec![100.0, 1e3, 1e4, 1e5, 1e6, 1e7]);
        let huge = log_ticks(1.0, 1e200);
        assert!(huge.len() <= 8 && huge.len() >= 2, "{huge:?}");
        let narrow = log_ticks(460.0, 480.0);
        assert!(!narrow.is_empty() && narrow.iter().all(|v| (460.0..=480.0).contains(v)), "{narrow:?}");
    }

    #[test]
    fn year_ticks_do_not_crowd() {
        assert_eq!(year_ticks(2022, 2050, 22.0), vec![2025, 2030, 2035, 2040, 2045, 2050]);
        assert_eq!(year_ticks(2022, 2023, 300.0), vec![2022, 2023]);
        let axis = YearAxis::new([Some(2030), None, Some(2026)], 2022, 2050, 4.0);
        assert_eq!((axis.lo, axis.hi, axis.zone), (2025.5, 2051.5, true));
        let ticks = axis.ticks(10.0, 20.0);
        assert_eq!(ticks.last().unwrap(), &(2051.0, "after 2050".to_string()));
        assert_eq!(ticks[0].0, 2026.0);
        let short = YearAxis::new([Some(2030)], 2029, 2050, 4.0);
        assert_eq!((short.lo, short.hi, short.zone), (2028.5, 2032.5, false));
        assert_eq!(short.horizon_note(), " (horizon 2050)");
        let none = YearAxis::new([None, None], 2022, 2050, 4.0);
        assert_eq!((none.lo, none.hi), (2047.5, 2051.5));
        let long = year_ticks(2022, 2222, 3.0);
        assert_eq!((long[0], long[1] - long[0]), (2040, 20));
    }
}
