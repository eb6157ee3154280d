//! Text measured without a font: plotters measures text through the platform (a canvas in the
//! browser), so every layout decision here uses one estimate instead and the same data gives
//! byte-identical SVG natively and in WASM.

/// Advance of `c` in em for a typical sans-serif (Helvetica/Arial/DejaVu): erring wide, so
/// labels judged not to overlap really don't.
fn advance_em(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 0.3,
        ' ' | 'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' => 0.38,
        '0'..='9' | '+' | '=' | '<' | '>' | '_' | '$' | '?' | '#' | '*' => 0.58,
        'm' | 'w' | 'M' | 'W' | '@' | '%' | '…' => 0.9,
        'A'..='Z' => 0.7,
        c if c.is_ascii() => 0.58,
        // CJK and other wide scripts
        c if c >= '\u{1100}' => 1.0,
        _ => 0.62,
    }
}

/// Estimated width in pixels of `text` at font size `px`.
pub(crate) fn text_width(text: &str, px: f64) -> f64 {
    text.chars().map(advance_em).sum::<f64>() * px
}

/// `text` cut at the end with an ellipsis so it fits in `max_width` pixels.
pub(crate) fn trim_end(text: &str, px: f64, max_width: f64) -> String {
    if text_width(text, px) <= max_width {
        return text.to_string();
    }
    let budget = max_width - advance_em('…') * px;
    let mut width = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        width += advance_em(c) * px;
        if width > budget {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` cut at the start with an ellipsis, for names whose end tells them apart: Katib names
/// trials `<experiment>-<random suffix>`, so the prefix is the same on every trial.
pub(crate) fn trim_start(text: &str, px: f64, max_width: f64) -> String {
    if text_width(text, px) <= max_width {
        return text.to_string();
    }
    let budget = max_width - advance_em('…') * px;
    let mut width = 0.0;
    let mut kept = Vec::new();
    for c in text.chars().rev() {
        width += advance_em(c) * px;
        if width > budget {
            break;
        }
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_measures_wider() {
        assert!(text_width("WWWW", 12.0) > text_width("iiii", 12.0));
        assert_eq!(text_width("", 12.0), 0.0);
        assert!((text_width("0.25", 10.0) - 20.4).abs() < 1e-9);
    }

    #[test]
    fn trimming_keeps_short_text_and_cuts_long_text_to_fit() {
        assert_eq!(trim_end("lr", 12.0, 100.0), "lr");
        let cut = trim_end("learning_rate_of_the_optimizer", 12.0, 80.0);
        assert!(cut.ends_with('…') && cut.starts_with("learn"), "{cut}");
        assert!(text_width(&cut, 12.0) <= 80.0);
        let cut = trim_start("random-experiment-x7k2pq9d", 12.0, 80.0);
        assert!(cut.starts_with('…') && cut.ends_with("x7k2pq9d"), "{cut}");
        assert!(text_width(&cut, 12.0) <= 80.0);
    }

    #[test]
    fn trimming_respects_multibyte_characters() {
        let cut = trim_end("学习率学习率学习率学习率", 12.0, 50.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 12.0) <= 50.0);
        // Nothing fits: only the ellipsis remains, never a panic.
        assert_eq!(trim_start("abcdef", 12.0, 1.0), "…");
    }
}
