//! The objective against each parameter, one small panel per parameter sharing the y axis:
//! which parameters matter, and where the good values lie.

use super::axes::{AxisScale, Frame, Tick, Titles, draw_frame, y_label_room};
use super::canvas::{Anchor, Canvas, LABEL_PX, TICK_PX, empty_state, render};
use super::data::{
    Objective, Scored, ValueAxis, best, has_final_value, nothing_to_plot, objective,
    parameter_axis, scored_trials,
};
use super::legend::{
    Entry, Marker, ROW, draw_legend, draw_trial_point, legend_rows, point_radius, state_entries,
};
use super::palette::{ACCENT, INK, crowd_alpha};
use super::scale::{Scale, format_number};
use super::text::{trim_end, trim_start};
use crate::model::katib::ExperimentView;
use plotters::style::Color;

/// Panels side by side at most.
const MAX_COLUMNS: usize = 3;
/// Narrowest a panel gets before the grid drops a column.
const MIN_PANEL_WIDTH: f64 = 220.0;

/// One panel per parameter (up to three to a row), x the parameter's value (categories spread
/// by a small fixed jitter so equal values do not hide each other), y the objective on one
/// scale shared by all panels; the best finished trial ringed in the accent colour.
pub fn objective_vs_parameters(view: &ExperimentView, size: (u32, u32)) -> String {
    let Some(objective) = objective(view) else {
        return empty_state(size, &nothing_to_plot(view));
    };
    let scored = scored_trials(view, objective);
    if scored.is_empty() {
        return empty_state(size, &nothing_to_plot(view));
    }
    if view.parameters.is_empty() {
        return empty_state(size, "This experiment has no parameters to plot against");
    }
    render(size, |canvas| draw(canvas, view, objective, &scored))
}

/// A category trial's offset from its category's centre, -0.3 to 0.3 of the spacing: fixed
/// per trial name (FNV-1a), so a redraw does not shuffle the points.
pub(crate) fn jitter(name: &str) -> f64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    });
    ((hash >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.6
}

/// What every panel shares: the trials, the y axis, and how points look.
struct Shared<'a> {
    view: &'a ExperimentView,
    scored: &'a [Scored],
    best: Option<Scored>,
    y_axis: AxisScale,
    y_ticks: Vec<Tick>,
    radius: u32,
    alpha: f64,
}

fn draw(canvas: &Canvas, view: &ExperimentView, objective: Objective, scored: &[Scored]) {
    let (w, h) = (canvas.width, canvas.height);
    let finished: Vec<Scored> = scored
        .iter()
        .copied()
        .filter(|s| has_final_value(view.trials[s.trial].state))
        .collect();
    let best = best(&finished, objective.direction);
    let entries = legend_entries(view, scored, best);
    let legend_width = w - 24.0;
    let top = 14.0 + ROW * legend_rows(&entries, legend_width).max(1) as f64 + 6.0;

    let count = view.parameters.len();
    let columns = count
        .min(MAX_COLUMNS)
        .min(((w - 60.0) / MIN_PANEL_WIDTH).max(1.0) as usize);
    let rows = count.div_ceil(columns);
    let (lo, hi) = scored
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
            (lo.min(s.objective), hi.max(s.objective))
        });
    let y_axis = AxisScale::Numeric {
        scale: Scale::linear(lo, hi).padded(0.06),
        integer: false,
    };
    let panel_height = (h - top - 8.0) / rows as f64;
    let y_ticks = y_axis.ticks(panel_height - PANEL_TITLE - PANEL_TICKS, true, 0.0);
    let left = y_label_room(&y_ticks) + 10.0;
    let gap = 18.0;
    let panel_width = (w - left - 12.0 - gap * (columns - 1) as f64) / columns as f64;
    let shared = Shared {
        view,
        scored,
        best,
        y_axis,
        y_ticks,
        radius: point_radius(scored.len()),
        alpha: crowd_alpha(scored.len(), 0.85, 0.25),
    };
    for p in 0..count {
        let (row, column) = (p / columns, p % columns);
        let (x, y) = (
            left + column as f64 * (panel_width + gap),
            top + row as f64 * panel_height,
        );
        let panel = Frame {
            left: x,
            top: y,
            right: x + panel_width,
            bottom: y + panel_height,
        };
        draw_panel(canvas, &shared, p, panel, column == 0);
    }
    let y_title = format!("{} ({})", objective.name, objective.direction.label());
    let y_title = trim_end(&y_title, LABEL_PX, h - top - 8.0);
    canvas.vertical_text(
        &y_title,
        (14.0, (top + h - 8.0) / 2.0),
        LABEL_PX,
        INK.mix(1.0),
    );
    draw_legend(canvas, &entries, (12.0, 14.0), legend_width);
}

/// Room in a panel above its plot (the title) and below it (the x tick labels).
const PANEL_TITLE: f64 = 22.0;
const PANEL_TICKS: f64 = 30.0;

/// Parameter `p`'s panel in the box `panel`; y tick labels only when `first_column`.
fn draw_panel(canvas: &Canvas, shared: &Shared, p: usize, panel: Frame, first_column: bool) {
    let view = shared.view;
    let frame = Frame {
        top: panel.top + PANEL_TITLE,
        bottom: panel.bottom - PANEL_TICKS,
        ..panel
    };
    let values = shared
        .scored
        .iter()
        .filter_map(|s| view.trials[s.trial].parameters.get(p)?.as_deref());
    let mut axis = parameter_axis(&view.parameters[p], values);
    pad(&mut axis);
    let categorical = matches!(axis.scale, AxisScale::Categories(_));
    let x_ticks = axis.scale.ticks(frame.width(), false, frame.width());
    let (y_axis, y_ticks) = (&shared.y_axis, shared.y_ticks.as_slice());
    let titles = Titles { x: None, y: None };
    draw_frame(
        canvas,
        &frame,
        (&axis.scale, &x_ticks),
        (y_axis, y_ticks),
        first_column,
        titles,
    );
    let title = if axis.caption.is_empty() || categorical {
        axis.title.clone()
    } else {
        format!("{} ({})", axis.title, axis.caption)
    };
    let title = trim_end(&title, LABEL_PX, frame.width());
    let title_at = ((frame.left + frame.right) / 2.0, panel.top + 10.0);
    canvas.bold_text(&title, title_at, Anchor::Middle, LABEL_PX, INK.mix(1.0));

    let position = |s: &Scored| -> Option<(f64, f64)> {
        let row = &view.trials[s.trial];
        let mut at = axis.locate(row.parameters.get(p)?.as_deref()?)?;
        if categorical {
            at += jitter(&row.name);
        }
        Some((
            frame.x(axis.fraction(at)),
            frame.y(y_axis.fraction(s.objective)),
        ))
    };
    for s in shared.scored {
        if let Some(center) = position(s) {
            let state = view.trials[s.trial].state;
            draw_trial_point(canvas, state, center, shared.radius, shared.alpha);
        }
    }
    if let Some(center) = shared.best.as_ref().and_then(position) {
        canvas.circle(center, 8, ACCENT.mix(1.0), false);
    }
}

/// Numeric axes get a little room at both ends so points at the bounds are not cut by the frame.
fn pad(axis: &mut ValueAxis) {
    if let AxisScale::Numeric { scale, .. } = &mut axis.scale {
        *scale = scale.padded(0.04);
    }
}

fn legend_entries(view: &ExperimentView, scored: &[Scored], best: Option<Scored>) -> Vec<Entry> {
    let mut entries = state_entries(scored.iter().map(|s| view.trials[s.trial].state));
    if let Some(best) = best {
        let name = trim_start(&view.trials[best.trial].name, TICK_PX, 220.0);
        let label = format!("Best: {name} ({})", format_number(best.objective));
        entries.push(Entry {
            marker: Marker::Ring,
            color: ACCENT,
            label,
        });
    }
    entries
}
