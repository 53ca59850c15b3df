//! The tornado chart of one-at-a-time sensitivity (SPEC §7 `tornado.svg`, for `tradesim
//! sensitivity`, SPEC §6.3): for each parameter, the median first-passage year with the
//! parameter lowered (upper half of its row) and raised (lower half), as bars from the base
//! case's median year, largest swing on top. A median beyond the horizon is drawn in a grey zone
//! labelled "after <horizon>" and counts as `horizon + 1` for the order, as in `sensitivity.csv`.

use super::axis::{self, Rect, YearAxis};
use super::format;
use super::layout::{self, LegendItem, MARGIN, Swatch, fit_middle};
use super::style::{
    BLACK, BLUE, HORIZON, INK, LABEL_SIZE, MUTED, NOT_REACHED_FILL, ORANGE, Stroke, TICK_SIZE, text_width,
};
use super::svg::{Anchor, Font, Svg};
use super::{Tornado, TornadoParam};

const WIDTH: f64 = 760.0;
const ROW: f64 = 44.0;
const NAME_SIZE: f64 = 12.5;
const VALUES_SIZE: f64 = 11.5;
const MAX_LABEL_WIDTH: f64 = 280.0;

/// The parameters, largest swing of the median year first (ties keep their order).
fn sorted(tornado: &Tornado) -> Vec<&TornadoParam> {
    let as_year = |y: Option<i32>| y.unwrap_or(tornado.horizon_year + 1);
    let swing = |p: &TornadoParam| (as_year(p.median_year_high) - as_year(p.median_year_low)).abs();
    let mut params: Vec<&TornadoParam> = tornado.params.iter().collect();
    params.sort_by_key(|p| std::cmp::Reverse(swing(p)));
    params
}

fn year_label(year: Option<i32>, horizon: i32) -> String {
    year.map_or(format!(">{horizon}"), |y| y.to_string())
}

/// `tornado.svg`.
pub fn tornado(tornado: &Tornado) -> String {
    let horizon = tornado.horizon_year;
    let percent = format::share(tornado.swing);
    let title = format!("{}: median year with each parameter {percent} lower or higher", tornado.scenario);
    let base = year_label(tornado.median_year_base, horizon);
    let subtitle = format!(
        "one parameter at a time, {} runs each on common random numbers; values clipped to their valid range",
        format::grouped(tornado.runs as f64, 0)
    );
    let legend = [
        LegendItem::new(Swatch::Bar(BLUE), format!("parameter -{percent}")),
        LegendItem::new(Swatch::Bar(ORANGE), format!("parameter +{percent}")),
        LegendItem::new(Swatch::Line(base_stroke()), format!("base case: {base}")),
    ];
    let mut svg = Svg::new(WIDTH, &title);
    let top = layout::header(&mut svg, WIDTH, &title, &subtitle, &legend);

    let params = sorted(tornado);
    let names: Vec<(String, String)> = params
        .iter()
        .map(|p| {
            let name = fit_middle(&p.param, MAX_LABEL_WIDTH, NAME_SIZE, true);
            (name, format!("{} / {}", format::value(p.low_value), format::value(p.high_value)))
        })
        .collect();
    let label_width = names
        .iter()
        .map(|(n, v)| text_width(n, NAME_SIZE, true).max(text_width(v, VALUES_SIZE, false)))
        .fold(text_width("low / high value", VALUES_SIZE, false), f64::max)
        .min(MAX_LABEL_WIDTH);
    let left = MARGIN + label_width + 14.0;
    let plot =
        Rect { x: left, y: top + 16.0, width: WIDTH - left - MARGIN - 24.0, height: ROW * params.len().max(1) as f64 };
    svg.text(MARGIN, top + 10.0, Anchor::Start, Font::new(VALUES_SIZE, MUTED), "parameter: low / high value");

    let years = params.iter().flat_map(|p| [p.median_year_low, p.median_year_high]).chain([tornado.median_year_base]);
    let year_axis = YearAxis::new(years, tornado.base_year, horizon, 6.0);
    let x = year_axis.scale(plot.x, plot.right());
    let ticks = year_axis.ticks(x.px_per_year, text_width("2050", TICK_SIZE, false) + 14.0);
    let ticks: Vec<(f64, String)> = ticks.into_iter().map(|(v, l)| (x.px(v), l)).collect();
    // The zone's label goes first, so that a crowding year gives way to it.
    let ticks = axis::spaced_labels(ticks.into_iter().rev().collect(), TICK_SIZE);
    axis::x_grid(&mut svg, plot, &ticks.iter().map(|(px, _)| *px).collect::<Vec<_>>());
    if let Some((from, to, horizon)) = x.zone() {
        svg.rect(from, plot.y, to - from, plot.height, NOT_REACHED_FILL, 1.0);
        svg.line(horizon, plot.y, horizon, plot.bottom(), HORIZON);
    }

    let base_x = x.px(year_axis.value(tornado.median_year_base));
    let bar_font = Font::new(VALUES_SIZE, INK);
    for (i, (p, (name, values))) in params.iter().zip(&names).enumerate() {
        let row_y = plot.y + i as f64 * ROW;
        svg.text(MARGIN, row_y + ROW / 2.0 - 2.0, Anchor::Start, Font::new(NAME_SIZE, INK).bold(), name);
        svg.text(MARGIN, row_y + ROW / 2.0 + VALUES_SIZE + 1.0, Anchor::Start, Font::new(VALUES_SIZE, MUTED), values);
        for (half, (year, colour)) in [(p.median_year_low, BLUE), (p.median_year_high, ORANGE)].into_iter().enumerate()
        {
            let end = x.px(year_axis.value(year));
            let bar_top = row_y + 5.0 + half as f64 * (ROW / 2.0 - 5.0);
            let height = ROW / 2.0 - 5.0;
            let (from, to) = if end < base_x { (end, base_x) } else { (base_x, end) };
            // A bar of no length still shows, as a sliver, that the parameter was tried.
            let (from, to) = if to - from < 2.0 { (base_x - 1.0, base_x + 1.0) } else { (from, to) };
            svg.rect(from, bar_top, to - from, height, colour, 1.0);
            let label = year_label(year, horizon);
            let text_y = bar_top + height / 2.0 + VALUES_SIZE * 0.35;
            if end < base_x - 1.0 {
                svg.text(from - 4.0, text_y, Anchor::End, bar_font, &label);
            } else {
                svg.text(to + 4.0, text_y, Anchor::Start, bar_font, &label);
            }
        }
    }
    svg.line(base_x, plot.y - 4.0, base_x, plot.bottom(), base_stroke());
    if params.is_empty() {
        let font = Font::new(LABEL_SIZE, MUTED);
        svg.text(plot.x + plot.width / 2.0, plot.y + ROW / 2.0, Anchor::Middle, font, "no parameter was varied");
    }
    let title = format!("median first-passage year{}", year_axis.horizon_note());
    axis::x_axis(&mut svg, plot, &ticks, Some(&title));
    svg.finish(plot.bottom() + axis::X_AXIS_ROOM)
}

fn base_stroke() -> Stroke {
    Stroke::new(BLACK, 2.0)
}
