//! Colours chosen to read on both the light and the dark theme: text and axes are drawn in
//! the page's own text colour (`currentColor`), data colours sit at mid luminance.

use plotters::style::RGBColor;

/// Text, axes and grid. Written into the SVG as `currentColor` (see `canvas::render`), so an
/// inlined chart follows the theme without being redrawn; a standalone file draws it black.
pub(crate) const INK: RGBColor = RGBColor(0x01, 0x02, 0x03);
/// The spelling of `INK` in plotters' output, swapped for `currentColor`.
pub(crate) const INK_HEX: &str = "#010203";

/// The page's background behind a label: written as white with the class `kf-surface`, which
/// the page's stylesheet paints in the theme's surface colour (`canvas::render`).
pub(crate) const SURFACE: RGBColor = RGBColor(0x01, 0x02, 0x04);
pub(crate) const SURFACE_HEX: &str = "#010204";

/// A highlighted trial or the best one: vermilion, away from the blue objective scale.
pub(crate) const ACCENT: RGBColor = RGBColor(0xE8, 0x4E, 0x1B);
/// The goal line.
pub(crate) const GOAL: RGBColor = RGBColor(0x0E, 0x9F, 0x6E);
pub(crate) const SUCCEEDED: RGBColor = RGBColor(0x2F, 0x74, 0xD0);
pub(crate) const EARLY_STOPPED: RGBColor = RGBColor(0xE0, 0x9A, 0x00);
/// Any other state (a running trial's partial value, a failed one that reported).
pub(crate) const OTHER_STATE: RGBColor = RGBColor(0x8E, 0x95, 0x9F);

/// The objective scale, worst to best: from a quiet grey to a saturated blue, so the best trials
/// stand out by saturation on white and on black alike (a viridis-like scale loses one end on
/// each background).
const RAMP: [(f64, RGBColor); 3] = [
    (0.0, RGBColor(0xB4, 0xBA, 0xC4)),
    (0.55, RGBColor(0x7A, 0xA0, 0xDA)),
    (1.0, RGBColor(0x2A, 0x6C, 0xEB)),
];

/// The objective scale's colour at `t` (0 worst, 1 best; clamped).
pub(crate) fn ramp(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let i = RAMP
        .iter()
        .rposition(|(at, _)| *at <= t)
        .unwrap_or(0)
        .min(RAMP.len() - 2);
    let ((t0, a), (t1, b)) = (RAMP[i], RAMP[i + 1]);
    let f = (t - t0) / (t1 - t0);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Trial colours for overlaid curves (Tableau 10, mid luminance: visible on both themes).
pub(crate) const QUALITATIVE: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xED, 0xC9, 0x48),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0xBA, 0xB0, 0xAC),
];

/// Opacity for one of `count` overlapping marks: opaque for a handful, faint for thousands so
/// dense regions show as density instead of a solid block. Rounded to two decimals to keep
/// the SVG short.
pub(crate) fn crowd_alpha(count: usize, few: f64, many: f64) -> f64 {
    let alpha = (5.0 / (count.max(1) as f64).sqrt()).clamp(many, few);
    (alpha * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_runs_from_grey_to_blue_and_never_hits_the_ink_sentinel() {
        assert_eq!(ramp(0.0), RAMP[0].1);
        assert_eq!(ramp(1.0), RAMP[2].1);
        assert_eq!(ramp(7.0), RAMP[2].1);
        assert_eq!(ramp(f64::NAN), RAMP[0].1);
        for i in 0..=100 {
            let c = ramp(i as f64 / 100.0);
            assert_ne!(c, INK);
            assert_ne!(c, SURFACE);
            // Stronger towards the best end: the blue channel dominates more and more.
            assert!(c.2 as i32 - c.0 as i32 >= RAMP[0].1.2 as i32 - RAMP[0].1.0 as i32);
        }
    }

    #[test]
    fn crowds_are_drawn_fainter() {
        assert_eq!(crowd_alpha(4, 0.85, 0.1), 0.85);
        assert!(crowd_alpha(10_000, 0.85, 0.1) < crowd_alpha(100, 0.85, 0.1));
        assert_eq!(crowd_alpha(1_000_000, 0.85, 0.1), 0.1);
    }
}
