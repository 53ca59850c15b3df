//! The look shared by every chart: the Okabe–Ito colours (told apart by readers with any common
//! colour-vision deficiency, and in grey print thanks to distinct line styles), the fonts, and
//! an estimate of how wide a text will be. SVG gives no way to measure text before a browser
//! lays it out, so the estimate uses Helvetica's published advance widths (shared by Arial and
//! Liberation Sans, the first faces of our font list) with a margin for wider fallbacks such as
//! DejaVu Sans: the same estimate on every machine, whatever fonts it has installed.

/// The fonts a chart asks for, metric-compatible faces first (see [`text_width`]).
pub(crate) const FONT_FAMILY: &str = "Arial, Helvetica, 'Liberation Sans', system-ui, sans-serif";

/// Okabe & Ito (2008), "Color Universal Design".
pub(crate) const BLACK: &str = "#000000";
pub(crate) const ORANGE: &str = "#E69F00";
pub(crate) const SKY_BLUE: &str = "#56B4E9";
pub(crate) const GREEN: &str = "#009E73";
pub(crate) const BLUE: &str = "#0072B2";
pub(crate) const VERMILLION: &str = "#D55E00";
pub(crate) const PURPLE: &str = "#CC79A7";

/// Text, axes and grid.
pub(crate) const INK: &str = "#222222";
pub(crate) const MUTED: &str = "#555555";
pub(crate) const AXIS: &str = "#444444";
pub(crate) const GRID: &str = "#e3e3e3";
/// The band of "not reached by the horizon" on a year axis.
pub(crate) const NOT_REACHED_FILL: &str = "#efefef";

/// Colours for series told apart by colour and dash together (Okabe–Ito's yellow, #F0E442, is
/// left out: too faint on white for a line).
pub(crate) const SERIES: [&str; 7] = [BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY_BLUE, BLACK];
pub(crate) const SERIES_DASHES: [LineStyle; 5] =
    [LineStyle::Solid, LineStyle::Dashed, LineStyle::DashDot, LineStyle::Dotted, LineStyle::LongDash];

/// The `i`-th series' line.
pub(crate) fn series_stroke(i: usize) -> Stroke {
    Stroke::new(SERIES[i % SERIES.len()], 2.0).dashed(SERIES_DASHES[i % SERIES_DASHES.len()])
}

/// Font sizes, in px of the drawing (a chart is shown at about its own size on a laptop).
pub(crate) const TITLE_SIZE: f64 = 16.0;
pub(crate) const SUBTITLE_SIZE: f64 = 12.5;
pub(crate) const LABEL_SIZE: f64 = 13.5;
pub(crate) const TICK_SIZE: f64 = 12.5;
pub(crate) const LEGEND_SIZE: f64 = 13.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum LineStyle {
    Solid,
    Dashed,
    Dotted,
    DashDot,
    LongDash,
}

impl LineStyle {
    /// The `stroke-dasharray`, if any.
    pub fn pattern(self) -> Option<&'static str> {
        match self {
            LineStyle::Solid => None,
            LineStyle::Dashed => Some("7 4"),
            LineStyle::Dotted => Some("1 4"),
            LineStyle::DashDot => Some("8 3 2 3"),
            LineStyle::LongDash => Some("14 5"),
        }
    }
}

/// A line's colour, width and dash.
#[derive(Clone, Copy)]
pub(crate) struct Stroke {
    pub color: &'static str,
    pub width: f64,
    pub dash: LineStyle,
}

impl Stroke {
    pub const fn new(color: &'static str, width: f64) -> Self {
        Stroke { color, width, dash: LineStyle::Solid }
    }
    pub const fn dashed(self, dash: LineStyle) -> Self {
        Stroke { dash, ..self }
    }
}

/// The target line: wherever a level axis is drawn.
pub(crate) const TARGET: Stroke = Stroke { color: VERMILLION, width: 2.0, dash: LineStyle::LongDash };
/// The horizon line: wherever a year axis is drawn.
pub(crate) const HORIZON: Stroke = Stroke { color: MUTED, width: 1.5, dash: LineStyle::Dotted };

/// Helvetica's advance widths (thousandths of an em) for ASCII 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// Wider fallback faces (DejaVu Sans is about 12% wider than Helvetica) must still fit.
const FALLBACK_MARGIN: f64 = 1.14;

/// The estimated width in px of `text` at `size` px, bold or not.
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let thousandths: u32 = text
        .chars()
        .map(|c| match c as u32 {
            code @ 32..=126 => u32::from(HELVETICA[(code - 32) as usize]),
            // En dash, minus sign, "≥", "≤", "→", "±": about a digit wide; em dash an em.
            0x2013 | 0x2212 | 0x2265 | 0x2264 | 0x2192 | 0x00B1 => 584,
            0x2014 => 1000,
            _ => 667,
        })
        .sum();
    // Bold DejaVu Sans (the fallback of a machine without Arial or Liberation Sans, such as
    // Debian's headless Chromium) is 13% wider than its regular face, Helvetica Bold only 7%.
    let bold_factor = if bold { 1.13 } else { 1.0 };
    f64::from(thousandths) / 1000.0 * size * bold_factor * FALLBACK_MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_table() {
        let digit = 0.556 * 10.0 * FALLBACK_MARGIN;
        assert!((text_width("2030", 10.0, false) - 4.0 * digit).abs() < 1e-9);
        assert!(text_width("W", 12.0, false) > text_width("i", 12.0, false));
        assert!(text_width("abc", 12.0, true) > text_width("abc", 12.0, false));
        assert_eq!(text_width("", 12.0, false), 0.0);
    }
}
