//! The heat map of a two-key sweep (SPEC §7 `heatmap.svg`, SPEC §6.1): the median
//! first-passage year of each grid point as a cell, the first key across, the second up, each
//! cell labelled with its year (or `>2050` when the median is not reached by the horizon, drawn
//! in grey). Colours run along viridis, dark for early years and light for late ones: ordered
//! in lightness, so the order survives grey print and colour-vision deficiencies.

use super::axis::{self, Rect};
use super::format;
use super::layout::{self, LegendItem, MARGIN, Swatch};
use super::style::{INK, LABEL_SIZE, MUTED, NOT_REACHED_FILL, TICK_SIZE, text_width};
use super::svg::{Anchor, Font, Svg};
use super::sweep::runs_per_point;
use super::{Sweep, SweepPoint};

const MIN_WIDTH: f64 = 760.0;
const MIN_CELL_WIDTH: f64 = 46.0;
const MAX_CELL_HEIGHT: f64 = 40.0;
const MAX_PLOT_HEIGHT: f64 = 360.0;

/// Viridis at eleven even steps (matplotlib's), and whether text on each needs to be white.
const VIRIDIS: [(&str, bool); 11] = [
    ("#440154", true),
    ("#482475", true),
    ("#414487", true),
    ("#355F8D", true),
    ("#2A788E", true),
    ("#21918C", true),
    ("#22A884", false),
    ("#44BF70", false),
    ("#7AD151", false),
    ("#BDDF26", false),
    ("#FDE725", false),
];

/// The viridis step for `year` between the earliest and latest median years.
fn colour(year: i32, earliest: i32, latest: i32) -> (&'static str, bool) {
    if latest <= earliest {
        return VIRIDIS[5];
    }
    let t = f64::from(year - earliest) / f64::from(latest - earliest);
    VIRIDIS[(t * 10.0).round().clamp(0.0, 10.0) as usize]
}

/// The distinct values of key `k` over the points, ascending.
fn distinct(points: &[SweepPoint], k: usize) -> Vec<f64> {
    let mut values: Vec<f64> = points.iter().filter_map(|p| p.values.get(k).copied()).collect();
    values.sort_by(f64::total_cmp);
    values.dedup_by(|a, b| a.to_bits() == b.to_bits());
    values
}

/// `heatmap.svg` for a sweep of two keys. Points carrying more keys are drawn by their first
/// two (the first point of the grid wins a cell); with fewer, the chart says it needs two.
pub fn heatmap(sweep: &Sweep) -> String {
    let (cols, rows) = (distinct(&sweep.points, 0), distinct(&sweep.points, 1));
    let key_x = sweep.keys.first().map_or("first key", String::as_str);
    let key_y = sweep.keys.get(1).map_or("second key", String::as_str);
    let horizon = sweep.horizon_year;
    let not_reached = format!(">{horizon}");

    let reached: Vec<i32> = sweep.points.iter().filter_map(|p| p.median_year).collect();
    let (earliest, latest) =
        (reached.iter().copied().min().unwrap_or(horizon), reached.iter().copied().max().unwrap_or(horizon));
    let title = format!("{}: median year of reaching the target by {key_x} and {key_y}", sweep.scenario);
    // More keys: each cell is the grid's first point with its two values, where every other
    // key has its first value.
    let others: Vec<String> = match sweep.points.first() {
        Some(first) if sweep.keys.len() > 2 => sweep.keys[2..]
            .iter()
            .zip(first.values.iter().skip(2))
            .map(|(k, v)| format!("{k} = {}", format::value(*v)))
            .collect(),
        _ => Vec::new(),
    };
    let at = if others.is_empty() { String::new() } else { format!("; at {}", others.join(", ")) };
    let subtitle = format!("first-passage year reached by half of {} paths per cell{at}", runs_per_point(sweep));
    let mut legend: Vec<LegendItem> = Vec::new();
    let mut shown: Vec<&str> = Vec::new();
    let samples = [0.0, 0.25, 0.5, 0.75, 1.0].map(|t| earliest + (f64::from(latest - earliest) * t).round() as i32);
    for year in samples {
        let (fill, _) = colour(year, earliest, latest);
        if !reached.is_empty() && !shown.contains(&fill) {
            shown.push(fill);
            legend.push(LegendItem::new(Swatch::Band(fill, 1.0), year.to_string()));
        }
    }
    legend.push(LegendItem::new(
        Swatch::Band(NOT_REACHED_FILL, 1.0),
        format!("{not_reached}: not reached by the horizon"),
    ));

    let width_needed = |left: f64| left + cols.len() as f64 * MIN_CELL_WIDTH + MARGIN + 8.0;
    let row_labels: Vec<String> = rows.iter().map(|v| format::value(*v)).collect();
    let left = MARGIN + LABEL_SIZE + 10.0 + axis::widest(&row_labels, TICK_SIZE) + 10.0;
    let width = width_needed(left).max(MIN_WIDTH);
    let mut svg = Svg::new(width, &title);
    let top = layout::header(&mut svg, width, &title, &subtitle, &legend);

    if sweep.keys.len() < 2 || cols.is_empty() || rows.is_empty() {
        let font = Font::new(LABEL_SIZE, MUTED);
        svg.text(width / 2.0, top + 40.0, Anchor::Middle, font, "a heat map needs a sweep of two keys");
        return svg.finish(top + 80.0);
    }
    let plot_width = width - left - MARGIN - 8.0;
    let cell_width = plot_width / cols.len() as f64;
    let cell_height = (MAX_PLOT_HEIGHT / rows.len() as f64).min(MAX_CELL_HEIGHT);
    let plot = Rect { x: left, y: top, width: plot_width, height: cell_height * rows.len() as f64 };
    let index = |values: &[f64], v: f64| values.iter().position(|c| c.to_bits() == v.to_bits());

    let mut filled = vec![false; cols.len() * rows.len()];
    let label_size = fitting_size(&not_reached, cell_width - 6.0, cell_height - 4.0);
    for p in &sweep.points {
        let (Some(&vx), Some(&vy)) = (p.values.first(), p.values.get(1)) else { continue };
        let (Some(c), Some(r)) = (index(&cols, vx), index(&rows, vy)) else { continue };
        let cell = r * cols.len() + c;
        if std::mem::replace(&mut filled[cell], true) {
            continue;
        }
        let x = plot.x + c as f64 * cell_width;
        // The first row at the bottom, as on any y axis.
        let y = plot.bottom() - (r + 1) as f64 * cell_height;
        let (fill, white, label) = match p.median_year {
            Some(year) => {
                let (fill, white) = colour(year, earliest, latest);
                (fill, white, year.to_string())
            }
            None => (NOT_REACHED_FILL, false, not_reached.clone()),
        };
        svg.rect(x + 0.5, y + 0.5, cell_width - 1.0, cell_height - 1.0, fill, 1.0);
        let font = Font::new(label_size, if white { "#ffffff" } else { INK });
        svg.text(x + cell_width / 2.0, y + cell_height / 2.0 + label_size * 0.35, Anchor::Middle, font, &label);
    }
    let y_ticks: Vec<(f64, String)> =
        row_labels.into_iter().enumerate().map(|(r, l)| (plot.bottom() - (r as f64 + 0.5) * cell_height, l)).collect();
    axis::y_axis(&mut svg, plot, &y_ticks, key_y, MARGIN + LABEL_SIZE * 0.8, false);
    let x_ticks: Vec<(f64, String)> =
        cols.iter().enumerate().map(|(c, v)| (plot.x + (c as f64 + 0.5) * cell_width, format::value(*v))).collect();
    let x_ticks = axis::spaced_labels(x_ticks, TICK_SIZE);
    axis::x_axis(&mut svg, plot, &x_ticks, Some(key_x));
    svg.finish(plot.bottom() + axis::X_AXIS_ROOM)
}

/// The largest label size up to the tick size at which `text` fits a cell.
fn fitting_size(text: &str, width: f64, height: f64) -> f64 {
    let mut size = TICK_SIZE.min(height);
    while size > 7.0 && text_width(text, size, false) > width {
        size -= 0.5;
    }
    size
}
