//! The first-passage chart of a scenario (SPEC §7 `first_passage.svg`), in two panels sharing
//! the year axis: above, `prob_reached_by(y)` with its 95% confidence band (±1.96 standard
//! errors, clipped to [0, 1]); below, `prob_first(y)` as bars (SPEC §3). Two panels rather than
//! two y axes on one: the yearly shares are a few percent where the cumulative share climbs to
//! 100%, and a second axis would leave the reader to work out which bars belong to which scale.

use super::axis::{self, Rect, Scale};
use super::format;
use super::layout::{self, LegendItem, MARGIN, Swatch};
use super::style::{BLUE, LABEL_SIZE, MUTED, SKY_BLUE, Stroke, TICK_SIZE};
use super::svg::{Anchor, Font, Svg};
use crate::scenario::Scenario;
use crate::stats::Summary;

const WIDTH: f64 = 760.0;
const UPPER_HEIGHT: f64 = 220.0;
const LOWER_HEIGHT: f64 = 120.0;
const PANEL_GAP: f64 = 28.0;
const BAND: f64 = 0.25;

/// `first_passage.svg` for `scenario`'s run summarised in `summary`.
pub fn first_passage(scenario: &Scenario, summary: &Summary) -> String {
    let target = format!("{} {}", format::value(scenario.target_value()), scenario.unit());
    let title = format!("{}: when is {target} first reached?", scenario.name());
    let subtitle = format!(
        "share of {} paths reaching the target by each year (above) and for the first time in it (below)",
        format::grouped(summary.runs as f64, 0)
    );
    let line = Stroke::new(BLUE, 2.5);
    let legend = [
        LegendItem::new(Swatch::Line(line), "reached by the year"),
        LegendItem::new(Swatch::Band(BLUE, BAND), "95% confidence band"),
        LegendItem::new(Swatch::Bar(SKY_BLUE), "first reached in the year"),
    ];
    let mut svg = Svg::new(WIDTH, &title);
    let top = layout::header(&mut svg, WIDTH, &title, &subtitle, &legend);

    let rows = &summary.first_passage;
    let most_in_a_year = rows.iter().map(|r| r.prob_first).filter(|p| p.is_finite()).fold(0.0, f64::max);
    let (_, bar_top, bar_ticks, bar_step) = axis::linear_ticks(0.0, (most_in_a_year * 100.0).max(1.0), 3);
    let upper_ticks: Vec<(f64, String)> = [0.0, 25.0, 50.0, 75.0, 100.0].map(|v| (v, format!("{v}%"))).to_vec();
    let lower_ticks: Vec<(f64, String)> =
        bar_ticks.iter().map(|v| (*v, format!("{}%", format::tick(*v, bar_step)))).collect();
    let labels: Vec<String> = upper_ticks.iter().chain(&lower_ticks).map(|(_, l)| l.clone()).collect();
    let left = MARGIN + LABEL_SIZE + 10.0 + axis::widest(&labels, TICK_SIZE) + 10.0;
    let width = WIDTH - left - MARGIN - 8.0;
    let upper = Rect { x: left, y: top, width, height: UPPER_HEIGHT };
    let lower = Rect { x: left, y: upper.bottom() + PANEL_GAP, width, height: LOWER_HEIGHT };

    let (first, last) = (scenario.base_year(), scenario.horizon_year());
    // Each year owns a slot one year wide, so that its bar and its point share a centre.
    let x = Scale::linear(f64::from(first) - 0.5, f64::from(last) + 0.5, left, left + width);
    let slot = width / f64::from(last - first + 1);
    let year_ticks = axis::year_ticks(first, last, slot);
    let xs: Vec<f64> = year_ticks.iter().map(|t| x.px(f64::from(*t))).collect();

    // Upper panel: the cumulative share and its band.
    let y = Scale::linear(0.0, 100.0, upper.bottom(), upper.y);
    axis::x_grid(&mut svg, upper, &xs);
    let ticks: Vec<(f64, String)> = upper_ticks.into_iter().map(|(v, l)| (y.px(v), l)).collect();
    axis::y_axis(&mut svg, upper, &ticks, "reached by the year (%)", MARGIN + LABEL_SIZE * 0.8, true);
    let point = |year: i32, p: f64| (x.px(f64::from(year)), y.px(p * 100.0));
    let half_width = |r: &crate::stats::FirstPassageRow| 1.96 * r.prob_reached_by_se;
    let band: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| point(r.year, (r.prob_reached_by + half_width(r)).clamp(0.0, 1.0)))
        .chain(rows.iter().rev().map(|r| point(r.year, (r.prob_reached_by - half_width(r)).clamp(0.0, 1.0))))
        .collect();
    svg.polygon(&band, BLUE, BAND);
    let curve: Vec<(f64, f64)> = rows.iter().map(|r| point(r.year, r.prob_reached_by)).collect();
    svg.polyline(&curve, line);
    axis::x_axis(&mut svg, upper, &[], None);
    axis::horizon_line(&mut svg, upper, upper.right(), last, false);

    // Lower panel: the share first reaching in each year.
    let y = Scale::linear(0.0, bar_top, lower.bottom(), lower.y);
    axis::x_grid(&mut svg, lower, &xs);
    let ticks: Vec<(f64, String)> = lower_ticks.into_iter().map(|(v, l)| (y.px(v), l)).collect();
    axis::y_axis(&mut svg, lower, &ticks, "first reached (%)", MARGIN + LABEL_SIZE * 0.8, true);
    let bar_width = (slot * 0.75).max(0.5);
    for r in rows {
        if r.prob_first > 0.0 {
            let top = y.px(r.prob_first * 100.0);
            svg.rect(x.px(f64::from(r.year)) - bar_width / 2.0, top, bar_width, lower.bottom() - top, SKY_BLUE, 1.0);
        }
    }
    if most_in_a_year <= 0.0 {
        let note = format!("no path reaches {target} by {last}");
        let font = Font::new(LABEL_SIZE, MUTED);
        svg.text(lower.x + lower.width / 2.0, lower.y + lower.height / 2.0, Anchor::Middle, font, &note);
    }
    let x_labels: Vec<(f64, String)> = year_ticks.iter().zip(&xs).map(|(t, px)| (*px, t.to_string())).collect();
    axis::x_axis(&mut svg, lower, &x_labels, Some("year"));
    axis::horizon_line(&mut svg, lower, lower.right(), last, true);
    svg.finish(lower.bottom() + axis::X_AXIS_ROOM)
}
