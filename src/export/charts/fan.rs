//! The fan chart of a scenario's trade level by year (SPEC §7 `fan.svg`): the bands holding
//! 90% (p05–p95) and 50% (p25–p75) of the paths, the median and the mean of `V(y)` from
//! `trajectory.csv` (SPEC §3), the target as a line and the horizon marked.
//!
//! The level axis turns logarithmic when the plotted values span more than a factor of ten.
//! Trade compounds, so on a log axis equal vertical distances are equal growth rates, the
//! lognormal fan is about symmetric around its median, and the years around the target stay
//! readable: on a linear axis a wide fan (the naive 40% a year ends near 6 million against a
//! target of 1,000) squeezes everything below the target into a few pixels. A narrow fan (a
//! short horizon, little uncertainty) keeps the plainer linear axis.

use super::axis::{self, Rect, Scale};
use super::format;
use super::layout::{self, LegendItem, MARGIN, Swatch};
use super::style::{BLUE, LABEL_SIZE, LineStyle, ORANGE, Stroke, TARGET, TICK_SIZE};
use super::svg::Svg;
use crate::scenario::Scenario;
use crate::stats::Summary;

const WIDTH: f64 = 760.0;
const PLOT_HEIGHT: f64 = 300.0;
const OUTER_BAND: f64 = 0.16;
const INNER_BAND: f64 = 0.34;

/// `fan.svg` for `scenario`'s run summarised in `summary`.
pub fn fan(scenario: &Scenario, summary: &Summary) -> String {
    let unit = scenario.unit();
    let target = scenario.target_value();
    let rows = &summary.trajectory;
    let plotted = rows.iter().flat_map(|r| r.quantiles.iter().copied().chain([r.mean])).chain([target]);
    let (lo, hi) = axis::finite_range(plotted, true).unwrap_or((target, target));
    let log = hi / lo > 10.0;

    let title = format!("{}: trade by year", scenario.name());
    let scale_note = if log { "; log scale" } else { "" };
    let subtitle = format!(
        "{unit}, {} runs; shaded: where the middle 90% and 50% of paths lie{scale_note}",
        format::grouped(summary.runs as f64, 0)
    );
    let legend = [
        LegendItem::new(Swatch::Band(BLUE, OUTER_BAND), "5–95% of paths"),
        LegendItem::new(Swatch::Band(BLUE, INNER_BAND), "25–75%"),
        LegendItem::new(Swatch::Line(median_stroke()), "median"),
        LegendItem::new(Swatch::Line(mean_stroke()), "mean"),
        LegendItem::new(Swatch::Line(TARGET), format!("target {}", format::value(target))),
    ];
    let mut svg = Svg::new(WIDTH, &title);
    let top = layout::header(&mut svg, WIDTH, &title, &subtitle, &legend);

    // The level axis: its domain, ticks and labels, before the plot's left edge is known.
    let (domain, ticks): ((f64, f64), Vec<(f64, String)>) = if log {
        let pad = (hi / lo).powf(0.04);
        let (lo, hi) = (lo / pad, hi * pad);
        ((lo, hi), axis::log_ticks(lo, hi).into_iter().map(|v| (v, axis::log_tick_label(v))).collect())
    } else {
        let (start, end, ticks, step) = axis::linear_ticks(0.0, hi * 1.04, 5);
        ((start, end), ticks.into_iter().map(|v| (v, format::tick(v, step))).collect())
    };
    let labels: Vec<String> = ticks.iter().map(|(_, l)| l.clone()).collect();
    let left = MARGIN + LABEL_SIZE + 10.0 + axis::widest(&labels, TICK_SIZE) + 10.0;
    let plot = Rect { x: left, y: top, width: WIDTH - left - MARGIN - 8.0, height: PLOT_HEIGHT };
    let y = if log {
        Scale::log(domain.0, domain.1, plot.bottom(), plot.y)
    } else {
        Scale::linear(domain.0, domain.1, plot.bottom(), plot.y)
    };
    let (first, last) = (scenario.base_year(), scenario.horizon_year());
    let x = Scale::linear(f64::from(first), f64::from(last), plot.x, plot.right());

    let year_ticks = axis::year_ticks(first, last, plot.width / f64::from((last - first).max(1)));
    let xs: Vec<f64> = year_ticks.iter().map(|t| x.px(f64::from(*t))).collect();
    axis::x_grid(&mut svg, plot, &xs);
    let y_ticks: Vec<(f64, String)> = ticks.into_iter().map(|(v, l)| (y.px(v), l)).collect();
    let axis_title = format!("trade ({unit}{})", if log { ", log scale" } else { "" });
    axis::y_axis(&mut svg, plot, &y_ticks, &axis_title, MARGIN + LABEL_SIZE * 0.8, true);

    let point = |year: i32, v: f64| (x.px(f64::from(year)), y.px(v));
    let band = |low: usize, high: usize| -> Vec<(f64, f64)> {
        let upper = rows.iter().map(|r| point(r.year, r.quantiles[high]));
        let lower = rows.iter().rev().map(|r| point(r.year, r.quantiles[low]));
        upper.chain(lower).collect()
    };
    svg.polygon(&band(0, 4), BLUE, OUTER_BAND);
    svg.polygon(&band(1, 3), BLUE, INNER_BAND);
    let target_y = y.px(target);
    svg.line(plot.x, target_y, plot.right(), target_y, TARGET);
    let median: Vec<(f64, f64)> = rows.iter().map(|r| point(r.year, r.quantiles[2])).collect();
    svg.polyline(&median, median_stroke());
    let mean: Vec<(f64, f64)> = rows.iter().map(|r| point(r.year, r.mean)).collect();
    svg.polyline(&mean, mean_stroke());

    let x_labels: Vec<(f64, String)> = year_ticks.iter().zip(&xs).map(|(t, px)| (*px, t.to_string())).collect();
    axis::x_axis(&mut svg, plot, &x_labels, Some("year"));
    axis::horizon_line(&mut svg, plot, x.px(f64::from(last)), last, true);
    svg.finish(plot.bottom() + axis::X_AXIS_ROOM)
}

fn median_stroke() -> Stroke {
    Stroke::new(BLUE, 2.5)
}

fn mean_stroke() -> Stroke {
    Stroke::new(ORANGE, 2.0).dashed(LineStyle::Dashed)
}
