//! The sweep chart (SPEC §7 `sweep.svg`, for `tradesim sweep`, SPEC §6.1): the median
//! first-passage year against the first swept key, with the p10–p90 range of the year as a bar,
//! one line per value of the other keys. A year beyond the horizon is drawn in a grey zone
//! labelled "after <horizon>" above the years, with a hollow marker, and the line breaks there:
//! such a point has no year to join.

use super::axis::{self, Rect, Scale, YearAxis};
use super::format;
use super::layout::{self, LegendItem, MARGIN, Marker, SHAPES, Swatch};
use super::style::{self, HORIZON, INK, LABEL_SIZE, MUTED, NOT_REACHED_FILL, Stroke, TICK_SIZE};
use super::svg::{Anchor, Font, Svg};
use super::{Sweep, SweepPoint};

const WIDTH: f64 = 760.0;
const PLOT_HEIGHT: f64 = 320.0;

/// The points of a sweep grouped by the values of every key but the first, in order of first
/// appearance; each group's points sorted by the first key.
pub(crate) fn series(sweep: &Sweep) -> Vec<(Vec<f64>, Vec<&SweepPoint>)> {
    let mut groups: Vec<(Vec<f64>, Vec<&SweepPoint>)> = Vec::new();
    for point in &sweep.points {
        let rest: Vec<f64> = point.values.iter().skip(1).copied().collect();
        let same = |g: &(Vec<f64>, Vec<&SweepPoint>)| {
            g.0.len() == rest.len() && g.0.iter().zip(&rest).all(|(a, b)| a.to_bits() == b.to_bits())
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(group) => group.1.push(point),
            None => groups.push((rest, vec![point])),
        }
    }
    for (_, points) in &mut groups {
        points.sort_by(|a, b| first_value(a).total_cmp(&first_value(b)));
    }
    groups
}

fn first_value(point: &SweepPoint) -> f64 {
    point.values.first().copied().unwrap_or(0.0)
}

/// The label of a group of points: `growth.sd = 0.1, growth.mean = 0.3`.
pub(crate) fn group_label(keys: &[String], values: &[f64]) -> String {
    let parts: Vec<String> =
        keys.iter().skip(1).zip(values).map(|(k, v)| format!("{k} = {}", format::value(*v))).collect();
    parts.join(", ")
}

/// The most lines drawn with their 10–90% ranges: beyond, the bars side by side hide each
/// other and the medians.
const MAX_RANGED_LINES: usize = 3;

/// The most lines drawn: beyond, colours and markers repeat and the lines cannot be told apart
/// (every point is in the heat map and in `sweep.csv`).
const MAX_LINES: usize = 6;

/// `n` indices spread evenly over `0..len`, first and last included (all when `len <= n`).
pub(super) fn spread(len: usize, n: usize) -> Vec<usize> {
    if len <= n || n < 2 {
        return (0..len.min(n)).collect();
    }
    // Rounded to the nearest index: distinct, since the step (len - 1) / (n - 1) is over 1.
    (0..n).map(|i| (i * (len - 1) + (n - 1) / 2) / (n - 1)).collect()
}

/// The paths per point as the subtitles say it: `100,000`, or `8,192–65,536` when the points
/// were run to a precision target and differ.
pub(crate) fn runs_per_point(sweep: &Sweep) -> String {
    let fewest = format::grouped(sweep.runs as f64, 0);
    if sweep.runs_most > sweep.runs {
        format!("{fewest}–{}", format::grouped(sweep.runs_most as f64, 0))
    } else {
        fewest
    }
}

/// `sweep.svg`.
pub fn sweep(sweep: &Sweep) -> String {
    let key = sweep.keys.first().map_or("value", String::as_str);
    let all_groups = series(sweep);
    let groups: Vec<_> = spread(all_groups.len(), MAX_LINES).into_iter().map(|i| all_groups[i].clone()).collect();
    let ranged = groups.len() <= MAX_RANGED_LINES;
    let title = format!("{}: median year of reaching the target by {key}", sweep.scenario);
    let by = match &sweep.keys[..] {
        [] | [_] => String::new(),
        [_, rest @ ..] if groups.len() < all_groups.len() => {
            format!("; one line per {} ({} of {})", rest.join(", "), groups.len(), all_groups.len())
        }
        [_, rest @ ..] => format!("; one line per {}", rest.join(", ")),
    };
    let subtitle = if ranged {
        format!("first-passage year, median and 10–90% of paths, {} runs per point{by}", runs_per_point(sweep))
    } else {
        // Too many lines for their ranges to be told apart: the medians alone (sweep.csv has all).
        format!("median first-passage year, {} runs per point{by}", runs_per_point(sweep))
    };
    let mut legend: Vec<LegendItem> = groups
        .iter()
        .enumerate()
        .map(|(i, (values, _))| {
            let label = if sweep.keys.len() > 1 { group_label(&sweep.keys, values) } else { "median year".to_string() };
            LegendItem::new(Swatch::LineMarker(style::series_stroke(i), series_marker(i, true)), label)
        })
        .collect();
    // Ranges that all collapse onto their medians (no uncertainty) draw nothing to explain.
    if ranged && groups.iter().flat_map(|(_, points)| points).any(|p| p.p10_year != p.p90_year) {
        legend.push(LegendItem::new(Swatch::Range(INK), "10–90% of paths"));
    }
    if groups.iter().flat_map(|(_, points)| points).any(|p| p.median_year.is_none()) {
        legend.push(LegendItem::new(
            Swatch::Marker(Marker { shape: SHAPES[0], color: MUTED, filled: false }),
            format!("median after {}", sweep.horizon_year),
        ));
    }
    let mut svg = Svg::new(WIDTH, &title);
    let top = layout::header(&mut svg, WIDTH, &title, &subtitle, &legend);

    let shown = groups.iter().flat_map(|(_, points)| points.iter().copied());
    let years =
        shown.flat_map(|p| if ranged { vec![p.p10_year, p.median_year, p.p90_year] } else { vec![p.median_year] });
    let year_axis = YearAxis::new(years, sweep.base_year, sweep.horizon_year, 4.0);
    let y = year_axis.scale(0.0, -PLOT_HEIGHT);
    let y_ticks = year_axis.ticks(y.px_per_year, 20.0);
    let labels: Vec<String> = y_ticks.iter().map(|(_, l)| l.clone()).collect();
    let left = MARGIN + LABEL_SIZE + 10.0 + axis::widest(&labels, TICK_SIZE) + 10.0;
    let plot = Rect { x: left, y: top, width: WIDTH - left - MARGIN - 8.0, height: PLOT_HEIGHT };
    let y = year_axis.scale(plot.bottom(), plot.y);

    // The first key's axis: its values padded by half the smallest gap between them.
    let mut xs: Vec<f64> = sweep.points.iter().map(first_value).filter(|v| v.is_finite()).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| a.to_bits() == b.to_bits());
    let (lo, hi) = match (xs.first(), xs.last()) {
        (Some(lo), Some(hi)) => (*lo, *hi),
        _ => (0.0, 1.0),
    };
    let gap = xs.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
    let pad = if gap.is_finite() && gap > 0.0 {
        gap / 2.0
    } else if lo != 0.0 {
        lo.abs() / 2.0
    } else {
        0.5
    };
    let x = Scale::linear(lo - pad, hi + pad, plot.x, plot.right());
    let x_ticks: Vec<(f64, String)> = if xs.len() <= 12 {
        xs.iter().map(|v| (x.px(*v), format::value(*v))).collect()
    } else {
        let (_, _, ticks, step) = axis::linear_ticks(lo - pad, hi + pad, 6);
        ticks
            .into_iter()
            .filter(|v| *v >= lo - pad && *v <= hi + pad)
            .map(|v| (x.px(v), format::tick(v, step)))
            .collect()
    };
    let x_ticks = axis::spaced_labels(x_ticks, TICK_SIZE);

    axis::x_grid(&mut svg, plot, &x_ticks.iter().map(|(px, _)| *px).collect::<Vec<_>>());
    if let Some((from, to, horizon)) = y.zone() {
        svg.rect(plot.x, to, plot.width, from - to, NOT_REACHED_FILL, 1.0);
        svg.line(plot.x, horizon, plot.right(), horizon, HORIZON);
    }
    let y_px: Vec<(f64, String)> = y_ticks.into_iter().map(|(v, l)| (y.px(v), l)).collect();
    let axis_title = format!("first-passage year{}", year_axis.horizon_note());
    axis::y_axis(&mut svg, plot, &y_px, &axis_title, MARGIN + LABEL_SIZE * 0.8, true);

    // Lines side by side at one x are set apart a little, so their ranges do not hide each other.
    let gap_px = if gap.is_finite() { gap / (hi - lo + 2.0 * pad) * plot.width } else { plot.width };
    let dodge = if ranged { (gap_px / (groups.len() as f64 + 1.0)).min(8.0) } else { 0.0 };
    for (i, (_, points)) in groups.iter().enumerate() {
        let offset = (i as f64 - (groups.len() as f64 - 1.0) / 2.0) * dodge;
        let stroke = style::series_stroke(i);
        let at = |p: &SweepPoint| x.px(first_value(p)) + offset;
        // Runs of consecutive reached medians, joined.
        let mut run: Vec<(f64, f64)> = Vec::new();
        for p in points {
            match p.median_year {
                Some(m) => run.push((at(p), y.px(f64::from(m)))),
                None => svg.polyline(&std::mem::take(&mut run), stroke),
            }
        }
        svg.polyline(&run, stroke);
        for p in points {
            if ranged && p.p10_year.is_some() {
                let (from, to) = (y.px(year_axis.value(p.p10_year)), y.px(year_axis.value(p.p90_year)));
                let range = Stroke::new(stroke.color, 1.5);
                let cx = at(p);
                svg.line(cx, from, cx, to, range);
                svg.line(cx - 4.0, from, cx + 4.0, from, range);
                if p.p90_year.is_some() {
                    svg.line(cx - 4.0, to, cx + 4.0, to, range);
                }
            }
            let filled = p.median_year.is_some();
            layout::marker(&mut svg, at(p), y.px(year_axis.value(p.median_year)), series_marker(i, filled));
        }
    }
    if sweep.points.is_empty() {
        let font = Font::new(LABEL_SIZE, MUTED);
        svg.text(plot.x + plot.width / 2.0, plot.y + plot.height / 2.0, Anchor::Middle, font, "no points");
    }
    axis::x_axis(&mut svg, plot, &x_ticks, Some(key));
    svg.finish(plot.bottom() + axis::X_AXIS_ROOM)
}

fn series_marker(i: usize, filled: bool) -> Marker {
    Marker { shape: SHAPES[i % SHAPES.len()], color: style::SERIES[i % style::SERIES.len()], filled }
}
