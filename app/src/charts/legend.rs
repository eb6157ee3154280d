//! A row of legend entries (marker and label) above a plot, wrapped to the width available.

use super::canvas::{Anchor, Canvas, TICK_PX};
use super::data::has_final_value;
use super::palette::{EARLY_STOPPED, INK, OTHER_STATE, SUCCEEDED};
use super::text::{text_width, trim_end};
use crate::model::katib::TrialState;
use plotters::style::{Color, RGBColor};

/// Height of one legend row.
pub(crate) const ROW: f64 = 16.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Marker {
    Dot,
    Triangle,
    Ring,
    Line,
    Dashed,
    /// No marker: a note such as "+3 more".
    Blank,
}

pub(crate) struct Entry {
    pub marker: Marker,
    pub color: RGBColor,
    pub label: String,
}

/// Each entry's label (trimmed to the width) and its offset from the legend's origin.
fn layout(entries: &[Entry], width: f64) -> Vec<(String, (f64, f64))> {
    let (mut x, mut y) = (0.0, 0.0);
    entries
        .iter()
        .map(|entry| {
            let label = trim_end(&entry.label, TICK_PX, (width - 30.0).max(40.0));
            let advance = 22.0 + text_width(&label, TICK_PX) + 16.0;
            if x > 0.0 && x + advance > width {
                (x, y) = (0.0, y + ROW);
            }
            let at = (x, y);
            x += advance;
            (label, at)
        })
        .collect()
}

/// How many rows `entries` take in `width` pixels.
pub(crate) fn legend_rows(entries: &[Entry], width: f64) -> usize {
    layout(entries, width)
        .last()
        .map_or(0, |(_, (_, y))| (y / ROW) as usize + 1)
}

/// Draws `entries` in rows from `(x, y)` (the first row's centre line), `width` pixels wide.
pub(crate) fn draw_legend(canvas: &Canvas, entries: &[Entry], (x, y): (f64, f64), width: f64) {
    for (entry, (label, (dx, dy))) in entries.iter().zip(layout(entries, width)) {
        draw_marker(canvas, entry.marker, entry.color, (x + dx + 8.0, y + dy));
        canvas.text(
            &label,
            (x + dx + 20.0, y + dy),
            Anchor::Start,
            TICK_PX,
            INK.mix(0.85),
        );
    }
}

pub(crate) fn draw_marker(canvas: &Canvas, marker: Marker, color: RGBColor, (x, y): (f64, f64)) {
    match marker {
        Marker::Dot => canvas.circle((x, y), 4, color.mix(1.0), true),
        Marker::Triangle => canvas.triangle((x, y), 5.0, color.mix(1.0)),
        Marker::Ring => canvas.circle((x, y), 4, color.mix(1.0), false),
        // A swatch rather than a stroke, so legends never add lines to the plot's own.
        Marker::Line => canvas.rect((x - 8.0, y - 1.0), (x + 8.0, y + 2.0), color.mix(1.0), true),
        Marker::Dashed => canvas.dashed((x - 9.0, y), (x + 9.0, y), color.mix(1.0), 2),
        Marker::Blank => {}
    }
}

/// A trial's point, marked by state: succeeded a dot, early stopped a triangle, anything else
/// (a running trial's latest value, a failed trial that reported) a ring.
pub(crate) fn draw_trial_point(
    canvas: &Canvas,
    state: TrialState,
    at: (f64, f64),
    radius: u32,
    alpha: f64,
) {
    match state {
        TrialState::Succeeded => canvas.circle(at, radius, SUCCEEDED.mix(alpha), true),
        TrialState::EarlyStopped => {
            canvas.triangle(at, radius as f64 + 1.5, EARLY_STOPPED.mix(alpha))
        }
        _ => canvas.circle(at, radius, OTHER_STATE.mix(alpha), false),
    }
}

/// Point radius for `count` points: smaller when crowded.
pub(crate) fn point_radius(count: usize) -> u32 {
    match count {
        0..=200 => 4,
        201..=2000 => 3,
        _ => 2,
    }
}

/// Legend entries for the trial states among `states`, in a fixed order.
pub(crate) fn state_entries(states: impl Iterator<Item = TrialState> + Clone) -> Vec<Entry> {
    let has = |f: &dyn Fn(TrialState) -> bool| states.clone().any(f);
    let mut entries = Vec::new();
    if has(&|s| s == TrialState::Succeeded) {
        entries.push(Entry {
            marker: Marker::Dot,
            color: SUCCEEDED,
            label: "Succeeded".into(),
        });
    }
    if has(&|s| s == TrialState::EarlyStopped) {
        let label = "Early stopped".into();
        entries.push(Entry {
            marker: Marker::Triangle,
            color: EARLY_STOPPED,
            label,
        });
    }
    if has(&|s| !has_final_value(s)) {
        let label = "Other states".into();
        entries.push(Entry {
            marker: Marker::Ring,
            color: OTHER_STATE,
            label,
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_wrap_to_the_width() {
        let entries: Vec<Entry> = ["Succeeded", "Early stopped", "Other states", "Best so far"]
            .iter()
            .map(|l| Entry {
                marker: Marker::Dot,
                color: INK,
                label: l.to_string(),
            })
            .collect();
        assert_eq!(legend_rows(&entries, 2000.0), 1);
        assert!(legend_rows(&entries, 200.0) >= 3);
        assert_eq!(legend_rows(&[], 200.0), 0);
    }
}
