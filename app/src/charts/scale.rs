//! Axis scales: where a value goes, which ticks to label, and how to print numbers so a column
//! of tick labels reads evenly (`0.0 0.5 1.0`, `1e-4 1e-3 1e-2`).

/// How values map onto an axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scale {
    Linear {
        lo: f64,
        hi: f64,
    },
    /// Base 10; `lo > 0`. Used for parameters searched on a log distribution.
    Log {
        lo: f64,
        hi: f64,
    },
}

impl Scale {
    /// A linear scale from `lo` to `hi`, widened when the range is empty so a single value
    /// still sits mid-axis.
    pub fn linear(lo: f64, hi: f64) -> Scale {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        if !lo.is_finite() || !hi.is_finite() {
            return Scale::Linear { lo: 0.0, hi: 1.0 };
        }
        let span = hi - lo;
        if span <= f64::EPSILON * lo.abs().max(hi.abs()) || span == 0.0 {
            let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            return Scale::Linear {
                lo: lo - half,
                hi: hi + half,
            };
        }
        Scale::Linear { lo, hi }
    }

    /// A log scale, or None when the range includes zero or negatives.
    pub fn log(lo: f64, hi: f64) -> Option<Scale> {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        if !(lo > 0.0 && hi.is_finite()) {
            return None;
        }
        if hi / lo < 1.000_001 {
            return Some(Scale::Log {
                lo: lo / 2.0,
                hi: hi * 2.0,
            });
        }
        Some(Scale::Log { lo, hi })
    }

    /// The same scale with `fraction` of its span added at both ends, so extreme points do not
    /// sit on the frame.
    pub fn padded(self, fraction: f64) -> Scale {
        match self {
            Scale::Linear { lo, hi } => {
                let pad = (hi - lo) * fraction;
                Scale::Linear {
                    lo: lo - pad,
                    hi: hi + pad,
                }
            }
            Scale::Log { lo, hi } => {
                let factor = (hi / lo).powf(fraction);
                Scale::Log {
                    lo: lo / factor,
                    hi: hi * factor,
                }
            }
        }
    }

    /// Where `value` lies: 0 at the low end, 1 at the high end (outside for values outside).
    pub fn fraction(&self, value: f64) -> f64 {
        match *self {
            Scale::Linear { lo, hi } => (value - lo) / (hi - lo),
            Scale::Log { lo, hi } => (value.max(f64::MIN_POSITIVE).ln() - lo.ln()) / (hi / lo).ln(),
        }
    }

    pub fn is_log(&self) -> bool {
        matches!(self, Scale::Log { .. })
    }

    /// Tick values inside the scale, at most `max_count` of them (at least one when possible).
    pub fn ticks(&self, max_count: usize) -> Vec<f64> {
        let max_count = max_count.max(2);
        match *self {
            Scale::Linear { lo, hi } => linear_ticks(lo, hi, nice_step(hi - lo, max_count)),
            Scale::Log { lo, hi } => log_ticks(lo, hi, max_count),
        }
    }

    /// Like `ticks`, but only whole numbers (trial numbers, integer parameters).
    pub fn integer_ticks(&self, max_count: usize) -> Vec<f64> {
        match *self {
            Scale::Linear { lo, hi } => {
                linear_ticks(lo, hi, nice_step(hi - lo, max_count.max(2)).max(1.0))
            }
            Scale::Log { .. } => self.ticks(max_count),
        }
    }

    /// Labels for `ticks`, printed alike (same decimals) where the scale is linear.
    pub fn labels(&self, ticks: &[f64]) -> Vec<String> {
        match *self {
            Scale::Linear { .. } if ticks.len() >= 2 => {
                let step = (ticks[1] - ticks[0]).abs();
                let largest = ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
                if largest >= 1e6 || step < 1e-4 {
                    distinct_labels(ticks)
                } else {
                    let decimals = (-step.log10().floor()).max(0.0) as usize;
                    ticks.iter().map(|&t| fixed(t, decimals)).collect()
                }
            }
            Scale::Log { .. } if ticks.len() >= 2 && ticks.iter().all(|t| is_decade(*t)) => {
                let (small, large) = (ticks[0], ticks[ticks.len() - 1]);
                if small < 0.01 || large >= 1e4 {
                    // One style down the whole axis: 1e-4 … 1e-1, not 1e-4 0.001 0.01 0.1.
                    ticks
                        .iter()
                        .map(|t| format!("1e{}", t.log10().round() as i32))
                        .collect()
                } else {
                    distinct_labels(ticks)
                }
            }
            _ => distinct_labels(ticks),
        }
    }
}

fn is_decade(value: f64) -> bool {
    let exponent = value.log10().round();
    (value / 10f64.powf(exponent) - 1.0).abs() < 1e-9
}

/// The 1-2-5 step that gives at most `max_count` ticks over `span`.
pub(crate) fn nice_step(span: f64, max_count: usize) -> f64 {
    let raw = span / max_count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

fn linear_ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(step.is_finite() && step > 0.0) {
        return vec![lo];
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| {
            let value = k as f64 * step;
            if value.abs() < step * 1e-9 {
                0.0
            } else {
                value
            }
        })
        .collect()
}

fn log_ticks(lo: f64, hi: f64, max_count: usize) -> Vec<f64> {
    let first = (lo.log10() - 1e-9).ceil() as i32;
    let last = (hi.log10() + 1e-9).floor() as i32;
    let decades = (last - first + 1).max(0) as usize;
    if decades < 2 {
        // Less than a decade or two apart: 1-2-5 steps within the decades read better.
        let ticks: Vec<f64> = (first - 1..=last)
            .flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)))
            .filter(|v| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9))
            .collect();
        if ticks.len() >= 2 && ticks.len() <= max_count {
            return ticks;
        }
        return linear_ticks(lo, hi, nice_step(hi - lo, max_count));
    }
    let every = decades.div_ceil(max_count);
    (first..=last)
        .filter(|e| ((e - first) as usize).is_multiple_of(every))
        .map(|e| 10f64.powi(e))
        .collect()
}

/// `value` with `decimals` decimals, never "-0".
fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_string()
    } else {
        text
    }
}

/// The fewest significant digits that print every value differently.
fn distinct_labels(values: &[f64]) -> Vec<String> {
    for digits in 1..=15 {
        let labels: Vec<String> = values.iter().map(|&v| significant(v, digits)).collect();
        if labels.windows(2).all(|w| w[0] != w[1]) {
            return labels;
        }
    }
    values.iter().map(|v| v.to_string()).collect()
}

/// A number for people: four significant digits, exponent notation when very large or small.
pub(crate) fn format_number(value: f64) -> String {
    significant(value, 4)
}

/// `value` rounded to `digits` significant digits, without trailing zeros.
pub(crate) fn significant(value: f64, digits: usize) -> String {
    if value == 0.0 || !value.is_finite() {
        return if value.is_nan() {
            "NaN".into()
        } else if value == 0.0 {
            "0".into()
        } else {
            value.to_string()
        };
    }
    let digits = digits.max(1);
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        let text = format!("{:.*e}", digits - 1, value);
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", strip_zeros(mantissa));
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    let text = strip_zeros(&fixed(value, decimals)).to_string();
    if text == "-0" { "0".into() } else { text }
}

fn strip_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_inside() {
        let scale = Scale::linear(0.03, 0.97);
        let ticks = scale.ticks(6);
        assert_eq!(scale.labels(&ticks), ["0.2", "0.4", "0.6", "0.8"]);
        let scale = Scale::linear(-3.0, 12.0);
        assert_eq!(scale.labels(&scale.ticks(4)), ["0", "5", "10"]);
        let ticks = Scale::linear(0.0, 1.0).ticks(5);
        assert_eq!(
            Scale::linear(0.0, 1.0).labels(&ticks),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
    }

    #[test]
    fn integer_ticks_never_fall_between_whole_numbers() {
        let scale = Scale::linear(1.0, 3.0);
        assert_eq!(scale.integer_ticks(10), [1.0, 2.0, 3.0]);
        assert_eq!(scale.labels(&scale.integer_ticks(10)), ["1", "2", "3"]);
        assert!(Scale::linear(1.0, 10_000.0).integer_ticks(6).len() <= 6);
    }

    #[test]
    fn a_single_value_gets_a_usable_range() {
        let scale = Scale::linear(5.0, 5.0);
        assert!((scale.fraction(5.0) - 0.5).abs() < 1e-12);
        let scale = Scale::linear(0.0, 0.0);
        assert!((scale.fraction(0.0) - 0.5).abs() < 1e-12);
        assert!(!scale.ticks(5).is_empty());
        assert_eq!(
            Scale::linear(f64::NAN, 1.0),
            Scale::Linear { lo: 0.0, hi: 1.0 }
        );
    }

    #[test]
    fn log_ticks_are_decades_and_refuse_non_positive_ranges() {
        let scale = Scale::log(1e-4, 1e-1).unwrap();
        let ticks = scale.ticks(8);
        assert_eq!(scale.labels(&ticks), ["1e-4", "1e-3", "1e-2", "1e-1"]);
        assert!((scale.fraction(1e-2) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(Scale::log(0.0, 1.0), None);
        assert_eq!(Scale::log(-1.0, 1.0), None);
        // Many decades: thinned to the count asked for.
        assert!(Scale::log(1e-12, 1e12).unwrap().ticks(6).len() <= 6);
        // Within one decade: 1-2-5 ticks.
        let scale = Scale::log(1.0, 9.0).unwrap();
        assert_eq!(scale.ticks(8), [1.0, 2.0, 5.0]);
    }

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(format_number(0.95), "0.95");
        assert_eq!(format_number(0.123456), "0.1235");
        assert_eq!(format_number(1234.5678), "1235");
        assert_eq!(format_number(-0.00001234), "-1.234e-5");
        assert_eq!(format_number(2.5e9), "2.5e9");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(-0.00000), "0");
        assert_eq!(format_number(-1e-20 * 0.0), "0");
    }

    #[test]
    fn labels_of_close_large_ticks_stay_distinct() {
        let ticks = [1_000_100.0, 1_000_200.0, 1_000_300.0];
        let labels = Scale::linear(1_000_000.0, 1_000_400.0).labels(&ticks);
        assert_eq!(labels, ["1.0001e6", "1.0002e6", "1.0003e6"]);
        assert_eq!(fixed(-0.0001, 2), "0.00");
    }
}
