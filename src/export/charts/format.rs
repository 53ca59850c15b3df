//! Numbers as the charts and the report print them, formatted by our own code so that no locale,
//! platform or library version can change a byte: `1,000` with a comma between thousands, `.`
//! before decimals, `91.8%` for probabilities, `1.5e12` beyond a billion, years as plain integers.

/// Groups the digits of a non-negative integer string in threes: `1234567` -> `1,234,567`.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `x` with `decimals` decimals and thousands separators, `-` for negatives (never `-0`).
pub fn grouped(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return non_finite(x);
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let zero = text.bytes().all(|b| b == b'0' || b == b'.');
    let mut out = String::new();
    if x < 0.0 && !zero {
        out.push('-');
    }
    out.push_str(&group_digits(int));
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn non_finite(x: f64) -> String {
    if x.is_nan() {
        "n/a".to_string()
    } else if x > 0.0 {
        "inf".to_string()
    } else {
        "-inf".to_string()
    }
}

/// Removes trailing zeros after a decimal point, and the point if nothing follows it.
fn trim_zeros(text: &str) -> &str {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text }
}

/// Scientific form with `digits` digits after the mantissa's point, zeros trimmed: `1.5e12`.
fn scientific(x: f64, digits: usize) -> String {
    let text = format!("{:.*e}", digits, x);
    match text.split_once('e') {
        Some((mantissa, exponent)) => format!("{}e{}", trim_zeros(mantissa), exponent),
        None => text,
    }
}

/// Whether `x` is printed in scientific form: beyond a billion, or a tiny non-zero fraction.
fn needs_scientific(x: f64) -> bool {
    let a = x.abs();
    a >= 1e9 || (a > 0.0 && a < 1e-4)
}

/// A value as written by a person: up to six significant digits, trailing zeros dropped,
/// thousands grouped (`460`, `1,000`, `0.3` for 0.30000000000000004, `1e200`).
pub fn value(x: f64) -> String {
    if !x.is_finite() {
        return non_finite(x);
    }
    if x == 0.0 {
        return "0".to_string();
    }
    if needs_scientific(x) {
        return scientific(x, 5);
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (5 - magnitude).clamp(0, 9) as usize;
    let text = grouped(x, decimals);
    trim_zeros(&text).to_string()
}

/// A tick label on an axis whose ticks are `step` apart: just enough decimals to tell
/// neighbouring ticks apart.
pub fn tick(x: f64, step: f64) -> String {
    if !x.is_finite() {
        return non_finite(x);
    }
    if x.abs() < step.abs() * 1e-9 {
        return "0".to_string();
    }
    if needs_scientific(x) || needs_scientific(step) && step.abs() < 1.0 {
        let digits = (x.abs().log10().floor() - step.abs().log10().floor()).clamp(0.0, 15.0) as usize;
        return scientific(x, digits);
    }
    let decimals = if step >= 1.0 { 0 } else { (-step.log10() - 1e-9).ceil().clamp(0.0, 9.0) as usize };
    let text = grouped(x, decimals);
    if decimals > 0 { trim_zeros(&text).to_string() } else { text }
}

/// A probability in percent with one decimal; never rounded to a certainty it is not:
/// `0%` and `100%` only when exact, `<0.1%` and `>99.9%` next to them.
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        return non_finite(p);
    }
    if p <= 0.0 {
        "0%".to_string()
    } else if p >= 1.0 {
        "100%".to_string()
    } else if p < 0.0005 {
        "<0.1%".to_string()
    } else if p >= 0.9995 {
        ">99.9%".to_string()
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// A rate as a signed percentage with up to two decimals: `+15%`, `-20%`, `+5.5%`, `0%`.
pub fn rate(r: f64) -> String {
    if !r.is_finite() {
        return non_finite(r);
    }
    let text = grouped(r * 100.0, 2);
    let text = trim_zeros(&text);
    match text {
        "0" => "0%".to_string(),
        t if t.starts_with('-') => format!("{t}%"),
        t => format!("+{t}%"),
    }
}

/// A share as a percentage with up to two decimals, no sign: `50%`, `12.5%`.
pub fn share(p: f64) -> String {
    if !p.is_finite() {
        return non_finite(p);
    }
    let text = grouped(p * 100.0, 2);
    format!("{}%", trim_zeros(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_written() {
        assert_eq!(value(460.0), "460");
        assert_eq!(value(1000.0), "1,000");
        assert_eq!(value(775.5), "775.5");
        assert_eq!(value(0.1 + 0.2), "0.3");
        assert_eq!(value(1234567.0), "1,234,567");
        assert_eq!(value(-0.04), "-0.04");
        assert_eq!(value(1e200), "1e200");
        assert_eq!(value(2.5e12), "2.5e12");
        assert_eq!(value(0.0), "0");
        assert_eq!(value(f64::INFINITY), "inf");
    }

    #[test]
    fn ticks_show_the_step() {
        assert_eq!(tick(0.0, 200.0), "0");
        assert_eq!(tick(1000.0, 200.0), "1,000");
        assert_eq!(tick(0.25, 0.05), "0.25");
        assert_eq!(tick(0.3, 0.1), "0.3");
        assert_eq!(tick(2.0, 0.5), "2");
        assert_eq!(tick(1.2e10, 2e9), "1.2e10");
        assert_eq!(tick(1e200, 1e199), "1e200");
        assert_eq!(tick(-1e-12, 0.2), "0");
    }

    #[test]
    fn probabilities_never_round_to_certainty() {
        assert_eq!(percent(0.918), "91.8%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.99999), ">99.9%");
        assert_eq!(percent(0.00001), "<0.1%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn rates_and_shares() {
        assert_eq!(rate(0.15), "+15%");
        assert_eq!(rate(-0.2), "-20%");
        assert_eq!(rate(0.055), "+5.5%");
        assert_eq!(rate(0.0), "0%");
        assert_eq!(rate(-0.0), "0%");
        assert_eq!(share(0.5), "50%");
        assert_eq!(share(0.125), "12.5%");
        assert_eq!(grouped(-0.0001, 2), "0.00");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
    }
}
