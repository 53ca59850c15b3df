//! A small SVG writer: the handful of elements the charts draw (rectangles, lines, paths, text),
//! written straight into a `String`. Coordinates are rounded to a tenth of a pixel and printed by
//! Rust's shortest decimal form, so the bytes depend only on the input; a coordinate that is not
//! finite (which the scales never produce) is written as 0 rather than as `NaN`. Text is escaped
//! here, once. No element carries an `id` or a `<style>`, so charts can be inlined side by side
//! in one HTML page without one chart's names or rules leaking into another.

use std::fmt::Write;

use super::style::{FONT_FAMILY, LineStyle, Stroke};

/// A coordinate or length, rounded to 0.1 px.
pub(crate) fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 { "0".to_string() } else { format!("{r}") }
}

/// Escapes text for an XML text node or a double-quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Horizontal text alignment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// How a piece of text looks.
#[derive(Clone, Copy)]
pub(crate) struct Font {
    pub size: f64,
    pub bold: bool,
    pub color: &'static str,
}

impl Font {
    pub const fn new(size: f64, color: &'static str) -> Self {
        Font { size, bold: false, color }
    }
    pub const fn bold(self) -> Self {
        Font { bold: true, ..self }
    }
}

/// An SVG document being written.
pub(crate) struct Svg {
    out: String,
    width: f64,
    title: String,
}

impl Svg {
    /// Starts a drawing `width` px wide whose accessible name is `title`; its height is given
    /// when it is finished, once the chart knows how much room its parts took.
    pub fn new(width: f64, title: &str) -> Self {
        Svg { out: String::with_capacity(16 * 1024), width, title: title.to_string() }
    }

    /// Closes the document, `height` px high, and returns its text.
    pub fn finish(self, height: f64) -> String {
        let (w, h) = (num(self.width), num(height));
        let mut out = String::with_capacity(self.out.len() + 512);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             role=\"img\" font-family=\"{FONT_FAMILY}\">\n<title>{}</title>\n",
            escape(&self.title)
        );
        // A white ground, so the chart reads the same on a dark page or in a transparent viewer.
        let _ = writeln!(out, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
        out.push_str(&self.out);
        out.push_str("</svg>\n");
        out
    }

    fn stroke_attributes(&mut self, stroke: Stroke) {
        let _ = write!(self.out, " stroke=\"{}\" stroke-width=\"{}\"", stroke.color, num(stroke.width));
        if let Some(pattern) = stroke.dash.pattern() {
            let _ = write!(self.out, " stroke-dasharray=\"{pattern}\"");
        }
        if stroke.dash == LineStyle::Dotted {
            self.out.push_str(" stroke-linecap=\"round\"");
        }
    }

    pub fn rect(&mut self, x: f64, y: f64, width: f64, height: f64, fill: &str, opacity: f64) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"",
            num(x),
            num(y),
            num(width.max(0.0)),
            num(height.max(0.0))
        );
        if opacity < 1.0 {
            let _ = write!(self.out, " fill-opacity=\"{}\"", opacity_text(opacity));
        }
        self.out.push_str("/>\n");
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: Stroke) {
        let _ = write!(self.out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"", num(x1), num(y1), num(x2), num(y2));
        self.stroke_attributes(stroke);
        self.out.push_str("/>\n");
    }

    /// An open line through `points` (nothing for fewer than two).
    pub fn polyline(&mut self, points: &[(f64, f64)], stroke: Stroke) {
        if points.len() < 2 {
            return;
        }
        self.out.push_str("<polyline points=\"");
        push_points(&mut self.out, points);
        self.out.push_str("\" fill=\"none\" stroke-linejoin=\"round\"");
        self.stroke_attributes(stroke);
        self.out.push_str("/>\n");
    }

    /// A filled shape through `points` (nothing for fewer than three).
    pub fn polygon(&mut self, points: &[(f64, f64)], fill: &str, opacity: f64) {
        if points.len() < 3 {
            return;
        }
        self.out.push_str("<polygon points=\"");
        push_points(&mut self.out, points);
        let _ = write!(self.out, "\" fill=\"{fill}\"");
        if opacity < 1.0 {
            let _ = write!(self.out, " fill-opacity=\"{}\"", opacity_text(opacity));
        }
        self.out.push_str("/>\n");
    }

    /// A path given by its `d` data (built with [`num`]), filled and/or stroked.
    pub fn path(&mut self, d: &str, fill: Option<&str>, stroke: Option<Stroke>) {
        let _ = write!(self.out, "<path d=\"{d}\" fill=\"{}\"", fill.unwrap_or("none"));
        if let Some(stroke) = stroke {
            self.stroke_attributes(stroke);
        }
        self.out.push_str("/>\n");
    }

    pub fn text(&mut self, x: f64, y: f64, anchor: Anchor, font: Font, content: &str) {
        self.text_rotated(x, y, anchor, font, content, false);
    }

    /// Text turned a quarter anticlockwise about its anchor point, for a vertical axis title.
    pub fn vertical_text(&mut self, x: f64, y: f64, font: Font, content: &str) {
        self.text_rotated(x, y, Anchor::Middle, font, content, true);
    }

    fn text_rotated(&mut self, x: f64, y: f64, anchor: Anchor, font: Font, content: &str, vertical: bool) {
        let (x, y) = (num(x), num(y));
        let _ = write!(self.out, "<text x=\"{x}\" y=\"{y}\" font-size=\"{}\" fill=\"{}\"", num(font.size), font.color);
        if anchor != Anchor::Start {
            let _ = write!(self.out, " text-anchor=\"{}\"", anchor.as_str());
        }
        if font.bold {
            self.out.push_str(" font-weight=\"bold\"");
        }
        if vertical {
            let _ = write!(self.out, " transform=\"rotate(-90 {x} {y})\"");
        }
        let _ = writeln!(self.out, ">{}</text>", escape(content));
    }
}

fn push_points(out: &mut String, points: &[(f64, f64)]) {
    for (i, (x, y)) in points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&num(*x));
        out.push(',');
        out.push_str(&num(*y));
    }
}

fn opacity_text(opacity: f64) -> String {
    let r = (opacity.clamp(0.0, 1.0) * 100.0).round() / 100.0;
    format!("{r}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_short_and_finite() {
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
        assert_eq!(num(-3.25), "-3.3");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
        assert_eq!(escape("x\u{1}y"), "x y");
    }
}
