//! Parallel coordinates: one vertical axis per parameter, then the other metrics, then the
//! objective; one line per trial, coloured by how good its objective is.
//!
//! A trial with no usable value on some axis (a metric Katib reported as "unavailable") is
//! drawn with a gap there rather than left out: its line stops before that axis and resumes
//! after it, and a value with no neighbour on either side is drawn as a short tick on its
//! axis. The footnote counts these trials.

use super::axes::{AxisScale, Tick};
use super::canvas::{Anchor, Canvas, LABEL_PX, TICK_PX, empty_state, render};
use super::data::{
    Objective, Scored, ValueAxis, goodness, metric_value, nothing_to_plot, objective,
    parameter_axis, scored_trials,
};
use super::legend::{Marker, draw_marker};
use super::palette::{ACCENT, INK, crowd_alpha, ramp};
use super::scale::Scale;
use super::text::{text_width, trim_end, trim_start};
use crate::model::katib::{ExperimentView, ObjectiveType, TrialRow};
use plotters::style::Color;

/// Where an axis reads its values from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Parameter(usize),
    Metric(usize),
}

struct Axis {
    value: ValueAxis,
    source: Source,
}

impl Axis {
    /// The trial's position on this axis, 0 (bottom) to 1 (top).
    fn fraction(&self, trial: &TrialRow) -> Option<f64> {
        let at = match self.source {
            Source::Parameter(i) => self.value.locate(trial.parameters.get(i)?.as_deref()?)?,
            Source::Metric(column) => metric_value(trial, column)?,
        };
        Some(self.value.fraction(at))
    }
}

/// The parallel-coordinates plot of `view`'s trials that have a numeric objective, with the
/// trial named `highlight` (if it is one of them) drawn on top in the accent colour.
pub fn parallel_coordinates(
    view: &ExperimentView,
    highlight: Option<&str>,
    size: (u32, u32),
) -> String {
    let Some(objective) = objective(view) else {
        return empty_state(size, &nothing_to_plot(view));
    };
    let scored = scored_trials(view, objective);
    if scored.is_empty() {
        return empty_state(size, &nothing_to_plot(view));
    }
    let axes = axes(view, objective, &scored);
    render(size, |canvas| {
        draw(canvas, view, objective, &axes, &scored, highlight)
    })
}

fn axes(view: &ExperimentView, objective: Objective, scored: &[Scored]) -> Vec<Axis> {
    let rows = || scored.iter().map(|s| &view.trials[s.trial]);
    let mut axes: Vec<Axis> = view
        .parameters
        .iter()
        .enumerate()
        .map(|(i, spec)| Axis {
            value: parameter_axis(
                spec,
                rows().filter_map(move |row| row.parameters.get(i)?.as_deref()),
            ),
            source: Source::Parameter(i),
        })
        .collect();
    let metric_axis = |column: usize, caption: String| Axis {
        value: ValueAxis::numeric(
            &view.metrics[column].name,
            caption,
            rows().filter_map(|row| metric_value(row, column)),
        ),
        source: Source::Metric(column),
    };
    for (column, metric) in view.metrics.iter().enumerate() {
        if column != objective.column {
            axes.push(metric_axis(
                column,
                format!("strategy: {}", metric.strategy.label()),
            ));
        }
    }
    axes.push(metric_axis(
        objective.column,
        objective.direction.label().to_string(),
    ));
    axes
}

/// Pixel geometry: axis positions and the vertical span.
struct Layout {
    xs: Vec<f64>,
    top: f64,
    bottom: f64,
    /// Room for tick labels left of each axis.
    label_room: Vec<f64>,
    /// Room for each axis title, and whether odd axes' titles sit a row lower.
    title_room: f64,
    staggered: bool,
}

impl Layout {
    fn y(&self, fraction: f64) -> f64 {
        self.bottom - fraction * (self.bottom - self.top)
    }
}

fn layout(canvas: &Canvas, axes: &[Axis]) -> Layout {
    let (w, h) = (canvas.width, canvas.height);
    let n = axes.len();
    let widest_title = |i: usize| text_width(&axes[i].value.title, LABEL_PX);
    // Left of the first axis: its tick labels; right of the last: the colour bar and "best".
    let first_labels = widest_tick_label(&axes[0].value.scale).min(w * 0.2);
    let left = (first_labels + 14.0)
        .max(widest_title(0).min(w * 0.3) / 2.0 + 4.0)
        .max(28.0);
    let right = (widest_title(n - 1).min(w * 0.3) / 2.0 + 4.0).max(44.0);
    let spacing = if n > 1 {
        (w - left - right) / (n - 1) as f64
    } else {
        0.0
    };
    let xs: Vec<f64> = if n > 1 {
        (0..n).map(|i| left + spacing * i as f64).collect()
    } else {
        vec![w / 2.0]
    };
    let single_row = (0..n).all(|i| widest_title(i) <= spacing - 8.0);
    let staggered = n > 2 && !single_row;
    let title_room = if n == 1 {
        w - 16.0
    } else if staggered {
        2.0 * spacing - 8.0
    } else {
        spacing - 8.0
    };
    let top = if staggered { 84.0 } else { 56.0 };
    let mut label_room = vec![spacing * 0.42; n];
    label_room[0] = left - 14.0;
    Layout {
        xs,
        top,
        bottom: h - 34.0,
        label_room,
        title_room,
        staggered,
    }
}

fn widest_tick_label(scale: &AxisScale) -> f64 {
    let labels: Vec<String> = match scale {
        AxisScale::Categories(names) => names.clone(),
        AxisScale::Numeric { scale, integer } => {
            let values = if *integer {
                scale.integer_ticks(10)
            } else {
                scale.ticks(10)
            };
            scale.labels(&values)
        }
    };
    labels
        .iter()
        .map(|l| text_width(l, TICK_PX))
        .fold(0.0, f64::max)
}

fn draw(
    canvas: &Canvas,
    view: &ExperimentView,
    objective: Objective,
    axes: &[Axis],
    scored: &[Scored],
    highlight: Option<&str>,
) {
    let layout = layout(canvas, axes);
    let objective_scale = match axes.last().map(|a| &a.value.scale) {
        Some(AxisScale::Numeric { scale, .. }) => *scale,
        _ => Scale::linear(0.0, 1.0),
    };
    let good = |value: f64| goodness(&objective_scale, objective.direction, value);
    let highlighted =
        highlight.and_then(|name| scored.iter().find(|s| view.trials[s.trial].name == name));

    // Worst first, so the best lines end up on top; ties keep the view's order.
    let mut order: Vec<&Scored> = scored
        .iter()
        .filter(|s| Some(s.trial) != highlighted.map(|h| h.trial))
        .collect();
    order.sort_by(|a, b| good(a.objective).total_cmp(&good(b.objective)));
    let width = if scored.len() <= 20 { 2 } else { 1 };
    let crowd = crowd_alpha(scored.len(), 0.85, 0.08);
    let mut with_gaps = 0;
    for s in order {
        let t = good(s.objective);
        // Poor trials fainter still, so the good ones read through a crowd.
        let alpha = (crowd * (0.3 + 0.7 * t) * 100.0).round() / 100.0;
        let row = &view.trials[s.trial];
        with_gaps += usize::from(draw_trial(
            canvas,
            &layout,
            axes,
            row,
            ramp(t).mix(alpha),
            width,
        ));
    }

    // The highlighted line over the others but under the axes' labels; its dots on top.
    let highlighted = highlighted.map(|s| &view.trials[s.trial]);
    if let Some(row) = highlighted {
        with_gaps += usize::from(draw_trial(canvas, &layout, axes, row, ACCENT.mix(1.0), 3));
    }
    draw_axes(canvas, &layout, axes, objective);
    if let Some(row) = highlighted {
        draw_highlight_marks(canvas, &layout, axes, row);
    }

    let trials = if scored.len() == 1 { "trial" } else { "trials" };
    let mut note = format!(
        "{} {trials} with a numeric {}",
        scored.len(),
        objective.name
    );
    if with_gaps > 0 {
        note.push_str(&format!(
            "; {with_gaps} with missing values, drawn with gaps"
        ));
    }
    // The highlighted trial's name takes the bottom right; the note has the rest.
    let name_room = highlighted.map_or(0.0, |row| highlight_name_width(canvas, row) + 40.0);
    let note = trim_end(&note, TICK_PX, canvas.width - name_room - 16.0);
    let at = (8.0, canvas.height - 12.0);
    canvas.text(&note, at, Anchor::Start, TICK_PX, INK.mix(0.7));
}

/// The highlighted trial's name as its legend shows it: the end of it when long.
fn highlight_name(canvas: &Canvas, row: &TrialRow) -> String {
    trim_start(&row.name, TICK_PX, canvas.width * 0.4)
}

fn highlight_name_width(canvas: &Canvas, row: &TrialRow) -> f64 {
    text_width(&highlight_name(canvas, row), TICK_PX)
}

/// The highlighted trial's value on each axis, and its name bottom right as the legend.
fn draw_highlight_marks(canvas: &Canvas, layout: &Layout, axes: &[Axis], row: &TrialRow) {
    for (axis, x) in axes.iter().zip(&layout.xs) {
        if let Some(f) = axis.fraction(row) {
            canvas.circle((*x, layout.y(f)), 4, ACCENT.mix(1.0), true);
        }
    }
    let (w, h) = (canvas.width, canvas.height);
    let name = highlight_name(canvas, row);
    let name_x = w - 8.0 - text_width(&name, TICK_PX);
    draw_marker(canvas, Marker::Line, ACCENT, (name_x - 14.0, h - 12.0));
    canvas.text(
        &name,
        (w - 8.0, h - 12.0),
        Anchor::End,
        TICK_PX,
        ACCENT.mix(1.0),
    );
}

/// One trial's line, split where it has no value. Returns whether it had a gap.
fn draw_trial(
    canvas: &Canvas,
    layout: &Layout,
    axes: &[Axis],
    row: &TrialRow,
    color: plotters::style::RGBAColor,
    width: u32,
) -> bool {
    let mut run: Vec<(i32, i32)> = Vec::with_capacity(axes.len());
    let mut gap = false;
    for (axis, x) in axes.iter().zip(&layout.xs) {
        match axis.fraction(row) {
            Some(f) => run.push((x.round() as i32, layout.y(f).round() as i32)),
            None => {
                gap = true;
                flush(canvas, &mut run, color, width);
            }
        }
    }
    flush(canvas, &mut run, color, width);
    gap
}

fn flush(
    canvas: &Canvas,
    run: &mut Vec<(i32, i32)>,
    color: plotters::style::RGBAColor,
    width: u32,
) {
    match run.len() {
        0 => {}
        // A lone value: a short tick across its axis, so it is still seen.
        1 => {
            let (x, y) = run[0];
            canvas.path(vec![(x - 5, y), (x + 5, y)], color, width);
        }
        _ => canvas.path(std::mem::take(run), color, width),
    }
    run.clear();
}

fn draw_axes(canvas: &Canvas, layout: &Layout, axes: &[Axis], objective: Objective) {
    let axis_color = INK.mix(0.6);
    let label = INK.mix(0.85);
    let last = axes.len() - 1;
    for (i, (axis, &x)) in axes.iter().zip(&layout.xs).enumerate() {
        let length = layout.bottom - layout.top;
        if i == last {
            draw_colour_bar(canvas, layout, x, axis, objective);
        } else {
            canvas.line((x, layout.top), (x, layout.bottom), axis_color, 1);
        }
        let ticks: Vec<Tick> = axis.value.scale.ticks(length, true, layout.label_room[i]);
        for tick in &ticks {
            let y = layout.y(axis.value.fraction(tick.at));
            let tick_x = if i == last { x - 5.0 } else { x };
            canvas.line((tick_x - 4.0, y), (tick_x, y), axis_color, 1);
            canvas.boxed_text(&tick.label, (tick_x - 7.0, y), Anchor::End, TICK_PX, label);
        }
        // Titles centre on their axis: the outer ones may only reach the canvas edge.
        let row = if layout.staggered && i % 2 == 1 {
            28.0
        } else {
            0.0
        };
        let to_edge = x.min(canvas.width - x);
        let room = layout.title_room.min(2.0 * to_edge - 4.0);
        let title = trim_end(&axis.value.title, LABEL_PX, room);
        let ink = INK.mix(1.0);
        canvas.bold_text(&title, (x, 16.0 + row), Anchor::Middle, LABEL_PX, ink);
        let caption = trim_end(&axis.value.caption, TICK_PX, room);
        canvas.text(
            &caption,
            (x, 31.0 + row),
            Anchor::Middle,
            TICK_PX,
            INK.mix(0.6),
        );
    }
}

/// The objective axis drawn as the colour scale it sets: the line colours along its length,
/// "best" at the end the objective's direction favours.
fn draw_colour_bar(canvas: &Canvas, layout: &Layout, x: f64, axis: &Axis, objective: Objective) {
    const STEPS: usize = 48;
    let scale = match &axis.value.scale {
        AxisScale::Numeric { scale, .. } => *scale,
        AxisScale::Categories(_) => return,
    };
    let height = layout.bottom - layout.top;
    for step in 0..STEPS {
        let (f0, f1) = (step as f64 / STEPS as f64, (step + 1) as f64 / STEPS as f64);
        let value = match scale {
            Scale::Linear { lo, hi } => lo + (hi - lo) * (f0 + f1) / 2.0,
            Scale::Log { lo, hi } => lo * (hi / lo).powf((f0 + f1) / 2.0),
        };
        let color = ramp(goodness(&scale, objective.direction, value)).mix(1.0);
        let (y0, y1) = (layout.bottom - f1 * height, layout.bottom - f0 * height);
        canvas.rect((x - 5.0, y0.floor()), (x + 5.0, y1.ceil()), color, true);
    }
    canvas.rect(
        (x - 5.0, layout.top),
        (x + 5.0, layout.bottom),
        INK.mix(0.5),
        false,
    );
    let best_y = match objective.direction {
        ObjectiveType::Maximize => layout.top + 6.0,
        ObjectiveType::Minimize => layout.bottom - 6.0,
    };
    canvas.text(
        "best",
        (x + 9.0, best_y),
        Anchor::Start,
        TICK_PX,
        INK.mix(0.85),
    );
}
