//! The comparison chart (SPEC §7 `compare.svg`, for `tradesim compare`, SPEC §6.2), in two
//! panels: above, each scenario's `prob_reached_by` curve on the years (the baseline black);
//! below, each OTHER's delay distribution from `delay.csv` as bars in that OTHER's colour: the
//! delay `o - b` in years for paths reaching in both, then the paths reaching in only one of the
//! two scenarios or in neither, apart at the right since they have no delay in years.

use super::axis::{self, Rect, Scale};
use super::format;
use super::layout::{self, LegendItem, MARGIN, Swatch};
use super::style::{self, BLACK, LABEL_SIZE, MUTED, Stroke, TICK_SIZE};
use super::svg::{Anchor, Font, Svg};
use super::{Compare, Curve};

const WIDTH: f64 = 760.0;
const UPPER_HEIGHT: f64 = 220.0;
const LOWER_HEIGHT: f64 = 170.0;
const PANEL_GAP: f64 = 64.0;
/// Width of each of the three outcome slots without a delay.
const OUTCOME_WIDTH: f64 = 96.0;
const OUTCOME_GAP: f64 = 18.0;

fn baseline_stroke() -> Stroke {
    Stroke::new(BLACK, 2.5)
}

fn other_stroke(i: usize) -> Stroke {
    // The baseline is black; the others take the coloured series, skipping black.
    let mut stroke = style::series_stroke(i % (style::SERIES.len() - 1));
    stroke.dash = style::SERIES_DASHES[(i + 1) % style::SERIES_DASHES.len()];
    stroke
}

/// `compare.svg`.
pub fn compare(compare: &Compare) -> String {
    let names: Vec<&str> = compare.others.iter().map(|o| o.curve.scenario.as_str()).collect();
    let title = format!("{} vs {}: when is the target reached?", compare.baseline.scenario, names.join(", "));
    let subtitle = format!(
        "{} paths each on common random numbers; delay: a path's first-passage year in the other scenario minus in the baseline",
        format::grouped(compare.runs as f64, 0)
    );
    // "baseline (baseline)" would stutter: the role is said only where the name does not say it.
    let baseline = &compare.baseline.scenario;
    let baseline = if baseline.contains("baseline") { baseline.clone() } else { format!("{baseline} (baseline)") };
    let mut legend = vec![LegendItem::new(Swatch::Line(baseline_stroke()), baseline)];
    legend.extend(names.iter().enumerate().map(|(i, n)| LegendItem::new(Swatch::Line(other_stroke(i)), *n)));
    let mut svg = Svg::new(WIDTH, &title);
    let top = layout::header(&mut svg, WIDTH, &title, &subtitle, &legend);

    // The delay panel's y axis decides the left margin together with the upper one.
    let outcome = |o: &super::CompareOther| [o.baseline_only, o.other_only, o.neither];
    let most = compare
        .others
        .iter()
        .flat_map(|o| o.delays.iter().map(|d| d.1).chain(outcome(o)))
        .filter(|p| p.is_finite())
        .fold(0.0, f64::max);
    let (_, bar_top, bar_ticks, bar_step) = axis::linear_ticks(0.0, (most * 100.0).max(1.0), 4);
    let upper_ticks: Vec<(f64, String)> = [0.0, 25.0, 50.0, 75.0, 100.0].map(|v| (v, format!("{v}%"))).to_vec();
    let lower_ticks: Vec<(f64, String)> =
        bar_ticks.iter().map(|v| (*v, format!("{}%", format::tick(*v, bar_step)))).collect();
    let labels: Vec<String> = upper_ticks.iter().chain(&lower_ticks).map(|(_, l)| l.clone()).collect();
    let left = MARGIN + LABEL_SIZE + 10.0 + axis::widest(&labels, TICK_SIZE) + 10.0;
    let width = WIDTH - left - MARGIN - 8.0;
    let upper = Rect { x: left, y: top, width, height: UPPER_HEIGHT };
    let lower = Rect { x: left, y: upper.bottom() + PANEL_GAP, width, height: LOWER_HEIGHT };

    // Upper panel: the curves.
    let (first, last) = (compare.base_year, compare.horizon_year);
    let x = Scale::linear(f64::from(first), f64::from(last), upper.x, upper.right());
    let y = Scale::linear(0.0, 100.0, upper.bottom(), upper.y);
    let year_ticks = axis::year_ticks(first, last, width / f64::from((last - first).max(1)));
    let xs: Vec<f64> = year_ticks.iter().map(|t| x.px(f64::from(*t))).collect();
    axis::x_grid(&mut svg, upper, &xs);
    let ticks: Vec<(f64, String)> = upper_ticks.into_iter().map(|(v, l)| (y.px(v), l)).collect();
    axis::y_axis(&mut svg, upper, &ticks, "reached by the year (%)", MARGIN + LABEL_SIZE * 0.8, true);
    let curve = |c: &Curve| -> Vec<(f64, f64)> {
        c.prob_reached_by
            .iter()
            .enumerate()
            .map(|(i, p)| (x.px(f64::from(first) + i as f64), y.px(p * 100.0)))
            .collect()
    };
    for (i, other) in compare.others.iter().enumerate() {
        svg.polyline(&curve(&other.curve), other_stroke(i));
    }
    svg.polyline(&curve(&compare.baseline), baseline_stroke());
    let x_labels: Vec<(f64, String)> = year_ticks.iter().zip(&xs).map(|(t, px)| (*px, t.to_string())).collect();
    axis::x_axis(&mut svg, upper, &x_labels, Some("year"));
    axis::horizon_line(&mut svg, upper, upper.right(), last, true);

    // Lower panel: the delays, then the three outcomes without one.
    let delays = compare.others.iter().flat_map(|o| o.delays.iter().map(|d| d.0));
    let (dmin, dmax) = delays.fold((0, 0), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let slots = f64::from(dmax - dmin + 1);
    let delay_width = width - 3.0 * OUTCOME_WIDTH - OUTCOME_GAP;
    let slot = delay_width / slots;
    let delay_x = |d: i32| lower.x + (f64::from(d - dmin) + 0.5) * slot;
    let outcome_x = |k: usize| lower.x + delay_width + OUTCOME_GAP + (k as f64 + 0.5) * OUTCOME_WIDTH;
    let y = Scale::linear(0.0, bar_top, lower.bottom(), lower.y);
    let ticks: Vec<(f64, String)> = lower_ticks.into_iter().map(|(v, l)| (y.px(v), l)).collect();
    axis::y_axis(&mut svg, lower, &ticks, "paths (%)", MARGIN + LABEL_SIZE * 0.8, true);
    // Behind the bars: the zero delay, and the border between delays and outcomes.
    svg.line(delay_x(0), lower.y, delay_x(0), lower.bottom(), Stroke::new(MUTED, 1.0).dashed(style::LineStyle::Dashed));
    let border = lower.x + delay_width + OUTCOME_GAP / 2.0;
    svg.line(border, lower.y, border, lower.bottom(), Stroke::new(MUTED, 1.0));
    let n = compare.others.len().max(1) as f64;
    let bar = |svg: &mut Svg, centre: f64, group: f64, i: usize, p: f64| {
        if p > 0.0 && p.is_finite() {
            let w = group / n;
            let top = y.px(p * 100.0);
            let left = centre - group / 2.0 + i as f64 * w;
            svg.rect(left, top, (w - 0.5).max(0.5), lower.bottom() - top, other_stroke(i).color, 1.0);
        }
    };
    for (i, other) in compare.others.iter().enumerate() {
        for (d, p) in &other.delays {
            bar(&mut svg, delay_x(*d), slot * 0.8, i, *p);
        }
        for (k, p) in outcome(other).into_iter().enumerate() {
            bar(&mut svg, outcome_x(k), OUTCOME_WIDTH * 0.6, i, p);
        }
    }

    let step = [1, 2, 5, 10, 20, 50].into_iter().find(|s| f64::from(*s) * slot >= 34.0).unwrap_or(100);
    let mut delay_ticks: Vec<(f64, String)> = (dmin..=dmax)
        .filter(|d| d % step == 0)
        .map(|d| (delay_x(d), if d > 0 { format!("+{d}") } else { d.to_string() }))
        .collect();
    delay_ticks.extend(
        ["baseline only", "other only", "neither"].iter().enumerate().map(|(k, l)| (outcome_x(k), l.to_string())),
    );
    axis::x_axis(&mut svg, lower, &delay_ticks, None);
    let font = Font::new(LABEL_SIZE, style::INK);
    let title_y = lower.bottom() + axis::X_TITLE_OFFSET;
    svg.text(lower.x + delay_width / 2.0, title_y, Anchor::Middle, font, "delay (years)");
    svg.text(
        lower.x + delay_width + OUTCOME_GAP + 1.5 * OUTCOME_WIDTH,
        title_y,
        Anchor::Middle,
        font,
        "reaching the target in",
    );
    if compare.others.is_empty() {
        let font = Font::new(LABEL_SIZE, MUTED);
        svg.text(lower.x + width / 2.0, lower.y + lower.height / 2.0, Anchor::Middle, font, "nothing to compare");
    }
    svg.finish(lower.bottom() + axis::X_AXIS_ROOM)
}
