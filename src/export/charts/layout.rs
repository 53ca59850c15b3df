//! The parts around a chart's plot: the title and subtitle at the top and the legend under them,
//! laid out in rows from estimated text widths so that the legend never sits on the data, and
//! the small glyphs (line, band, bar, marker) that the legend and the plots share.

use super::style::{INK, LEGEND_SIZE, MUTED, SUBTITLE_SIZE, Stroke, TITLE_SIZE, text_width};
use super::svg::{Anchor, Font, Svg, num};

/// Left and right margin of the drawing.
pub(crate) const MARGIN: f64 = 16.0;
const LEGEND_ROW: f64 = 20.0;
const SWATCH: f64 = 26.0;

/// A point marker's shape; hollow markers mean "not reached".
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

pub(crate) const SHAPES: [Shape; 4] = [Shape::Circle, Shape::Square, Shape::Triangle, Shape::Diamond];

#[derive(Clone, Copy)]
pub(crate) struct Marker {
    pub shape: Shape,
    pub color: &'static str,
    pub filled: bool,
}

/// Draws `marker` centred on (x, y).
pub(crate) fn marker(svg: &mut Svg, x: f64, y: f64, m: Marker) {
    let r = 4.5;
    let fill = if m.filled { m.color } else { "#ffffff" };
    let stroke = Some(Stroke::new(m.color, 1.6));
    let d = match m.shape {
        Shape::Circle => {
            format!("M{} {}a{r} {r} 0 1 0 {} 0a{r} {r} 0 1 0 {} 0z", num(x - r), num(y), num(2.0 * r), num(-2.0 * r))
        }
        Shape::Square => {
            format!("M{} {}h{}v{}h{}z", num(x - r * 0.9), num(y - r * 0.9), num(1.8 * r), num(1.8 * r), num(-1.8 * r))
        }
        Shape::Triangle => format!(
            "M{} {}L{} {}L{} {}z",
            num(x),
            num(y - r * 1.1),
            num(x + r),
            num(y + r * 0.8),
            num(x - r),
            num(y + r * 0.8)
        ),
        Shape::Diamond => format!(
            "M{} {}L{} {}L{} {}L{} {}z",
            num(x),
            num(y - r * 1.2),
            num(x + r),
            num(y),
            num(x),
            num(y + r * 1.2),
            num(x - r),
            num(y)
        ),
    };
    svg.path(&d, Some(fill), stroke);
}

/// What a legend entry shows beside its label.
#[derive(Clone, Copy)]
pub(crate) enum Swatch {
    Line(Stroke),
    /// A line with a marker on it.
    LineMarker(Stroke, Marker),
    Band(&'static str, f64),
    Bar(&'static str),
    Marker(Marker),
    /// A vertical range with caps (p10–p90).
    Range(&'static str),
}

pub(crate) struct LegendItem {
    pub swatch: Swatch,
    pub label: String,
}

impl LegendItem {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        LegendItem { swatch, label: label.into() }
    }
}

fn draw_swatch(svg: &mut Svg, x: f64, y: f64, swatch: Swatch) {
    match swatch {
        Swatch::Line(stroke) => svg.line(x, y, x + SWATCH, y, stroke),
        Swatch::LineMarker(stroke, m) => {
            svg.line(x, y, x + SWATCH, y, stroke);
            marker(svg, x + SWATCH / 2.0, y, m);
        }
        Swatch::Band(fill, opacity) => svg.rect(x, y - 6.0, SWATCH, 12.0, fill, opacity),
        Swatch::Bar(fill) => svg.rect(x + 4.0, y - 6.0, SWATCH - 8.0, 12.0, fill, 1.0),
        Swatch::Marker(m) => marker(svg, x + SWATCH / 2.0, y, m),
        Swatch::Range(color) => {
            let c = x + SWATCH / 2.0;
            let stroke = Stroke::new(color, 1.5);
            svg.line(c, y - 7.0, c, y + 7.0, stroke);
            svg.line(c - 4.0, y - 7.0, c + 4.0, y - 7.0, stroke);
            svg.line(c - 4.0, y + 7.0, c + 4.0, y + 7.0, stroke);
        }
    }
}

/// The largest font size (down to 11 px) at which `text` fits in `width`, and the text,
/// shortened with an ellipsis if even that is too wide.
pub(crate) fn fit(text: &str, width: f64, size: f64, bold: bool) -> (String, f64) {
    let mut s = size;
    while s > 11.0 && text_width(text, s, bold) > width {
        s -= 0.5;
    }
    if text_width(text, s, bold) <= width {
        return (text.to_string(), s);
    }
    let mut shortened: String = text.to_string();
    while !shortened.is_empty() && text_width(&format!("{shortened}…"), s, bold) > width {
        shortened.pop();
    }
    (format!("{}…", shortened.trim_end()), s)
}

/// `text` shortened in the middle with an ellipsis to fit `width` at `size`, keeping both ends:
/// a dotted key's last part (`shocks.US secondary sa…probability`) says as much as its first.
pub(crate) fn fit_middle(text: &str, width: f64, size: f64, bold: bool) -> String {
    if text_width(text, size, bold) <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut keep = chars.len();
    while keep > 2 {
        keep -= 1;
        let (head, tail) = (keep.div_ceil(2), keep / 2);
        let candidate: String = chars[..head].iter().chain(['…'].iter()).chain(&chars[chars.len() - tail..]).collect();
        if text_width(&candidate, size, bold) <= width {
            return candidate;
        }
    }
    "…".to_string()
}

/// Draws the title, an optional subtitle and the legend (wrapped into rows) across a drawing
/// `width` px wide; returns the y below them, where the plot may start.
pub(crate) fn header(svg: &mut Svg, width: f64, title: &str, subtitle: &str, legend: &[LegendItem]) -> f64 {
    let inner = width - 2.0 * MARGIN;
    let (title, size) = fit(title, inner, TITLE_SIZE, true);
    let mut y = MARGIN + size;
    svg.text(MARGIN, y, Anchor::Start, Font::new(size, INK).bold(), &title);
    if !subtitle.is_empty() {
        let (subtitle, size) = fit(subtitle, inner, SUBTITLE_SIZE, false);
        y += size + 7.0;
        svg.text(MARGIN, y, Anchor::Start, Font::new(size, MUTED), &subtitle);
    }
    y += 10.0;
    y + draw_legend(svg, MARGIN, y, inner, legend) + 8.0
}

/// Draws `items` in rows from (x, y) within `width`; returns the height used.
pub(crate) fn draw_legend(svg: &mut Svg, x: f64, y: f64, width: f64, items: &[LegendItem]) -> f64 {
    if items.is_empty() {
        return 0.0;
    }
    let font = Font::new(LEGEND_SIZE, INK);
    let (mut cx, mut row) = (x, 0usize);
    for item in items {
        let label_width = text_width(&item.label, LEGEND_SIZE, false).min(width - SWATCH - 6.0);
        let item_width = SWATCH + 6.0 + label_width;
        if cx > x && cx + item_width > x + width {
            cx = x;
            row += 1;
        }
        let cy = y + LEGEND_ROW * row as f64 + LEGEND_ROW / 2.0;
        draw_swatch(svg, cx, cy, item.swatch);
        svg.text(cx + SWATCH + 6.0, cy + LEGEND_SIZE * 0.35, Anchor::Start, font, &item.label);
        cx += item_width + 20.0;
    }
    LEGEND_ROW * (row + 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_shrink_then_shorten() {
        let (text, size) = fit("short", 500.0, 16.0, true);
        assert_eq!((text.as_str(), size), ("short", 16.0));
        let long = "x".repeat(200);
        let (text, size) = fit(&long, 300.0, 16.0, true);
        assert_eq!(size, 11.0);
        assert!(text.ends_with('…') && text_width(&text, size, true) <= 300.0);
    }

    #[test]
    fn middle_ellipsis_keeps_both_ends() {
        let key = "shocks.US secondary sanctions on banks.probability";
        let short = fit_middle(key, 200.0, 12.0, false);
        assert!(short.starts_with("shocks.") && short.ends_with(".probability") && short.contains('…'), "{short}");
        assert!(text_width(&short, 12.0, false) <= 200.0);
        assert_eq!(fit_middle("growth.sd", 200.0, 12.0, false), "growth.sd");
    }

    #[test]
    fn legend_wraps_into_rows() {
        let mut svg = Svg::new(400.0, "t");
        let items: Vec<LegendItem> =
            (0..6).map(|i| LegendItem::new(Swatch::Bar("#000000"), format!("a fairly long label {i}"))).collect();
        let height = draw_legend(&mut svg, 16.0, 0.0, 368.0, &items);
        assert!(height >= 3.0 * LEGEND_ROW, "{height}");
    }
}
