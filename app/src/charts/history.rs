//! The objective of each trial in the order trials finished, with the best value so far and
//! the goal: how the search is converging.

use super::axes::{AxisScale, Frame, Titles, draw_frame, y_label_room};
use super::canvas::{Anchor, Canvas, TICK_PX, empty_state, render};
use super::data::{Objective, Scored, has_final_value, nothing_to_plot, objective, scored_trials};
use super::legend::{
    Entry, Marker, ROW, draw_legend, draw_trial_point, legend_rows, point_radius, state_entries,
};
use super::palette::{GOAL, INK, crowd_alpha};
use super::scale::{Scale, format_number};
use super::text::text_width;
use super::time::parse_rfc3339;
use crate::model::katib::{ExperimentView, TrialRow};
use plotters::style::Color;

/// One point of the history: a trial, its objective, and the best so far after it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HistoryPoint<'a> {
    pub trial: &'a TrialRow,
    pub objective: f64,
    /// Best objective among finished (succeeded or early-stopped) trials up to this one.
    pub best_so_far: Option<f64>,
}

/// The trials with a numeric objective in the order they completed; those not completed (or
/// with an unreadable time) follow, by creation time, then as listed.
pub(crate) fn history<'a>(view: &'a ExperimentView, objective: Objective) -> Vec<HistoryPoint<'a>> {
    let time = |t: &Option<String>| t.as_deref().and_then(parse_rfc3339);
    let mut scored: Vec<(Scored, Option<f64>, Option<f64>)> = scored_trials(view, objective)
        .into_iter()
        .map(|s| {
            let row = &view.trials[s.trial];
            (s, time(&row.completed), time(&row.created))
        })
        .collect();
    let key = |t: Option<f64>| (t.is_none(), t.unwrap_or(0.0));
    scored.sort_by(|a, b| {
        let (ka, kb) = (key(a.1), key(b.1));
        ka.0.cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(key(a.2).0.cmp(&key(b.2).0))
            .then(key(a.2).1.total_cmp(&key(b.2).1))
            .then(a.0.trial.cmp(&b.0.trial))
    });
    let mut best: Option<f64> = None;
    scored
        .into_iter()
        .map(|(s, _, _)| {
            let trial = &view.trials[s.trial];
            if has_final_value(trial.state)
                && best.is_none_or(|b| objective.direction.better(s.objective, b))
            {
                best = Some(s.objective);
            }
            HistoryPoint {
                trial,
                objective: s.objective,
                best_so_far: best,
            }
        })
        .collect()
}

/// The objective of every trial with a numeric value, in completion order, coloured by state,
/// with the best-so-far step line and the goal (when the experiment sets one) dashed.
pub fn objective_history(view: &ExperimentView, size: (u32, u32)) -> String {
    let Some(objective) = objective(view) else {
        return empty_state(size, &nothing_to_plot(view));
    };
    let points = history(view, objective);
    if points.is_empty() {
        return empty_state(size, &nothing_to_plot(view));
    }
    render(size, |canvas| draw(canvas, view, objective, &points))
}

fn draw(canvas: &Canvas, view: &ExperimentView, objective: Objective, points: &[HistoryPoint]) {
    let n = points.len();
    let values = points
        .iter()
        .map(|p| p.objective)
        .chain(view.goal.filter(|g| g.is_finite()));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let y_axis = AxisScale::Numeric {
        scale: Scale::linear(lo, hi).padded(0.06),
        integer: false,
    };
    let x_axis = AxisScale::Numeric {
        scale: Scale::linear(0.5, n as f64 + 0.5),
        integer: true,
    };

    let entries = legend_entries(view, points);
    let legend_width = canvas.width - 24.0;
    let rows = legend_rows(&entries, legend_width).max(1);
    let top = 14.0 + ROW * rows as f64 + 14.0;
    let bottom = canvas.height - 48.0;
    let y_ticks = y_axis.ticks(bottom - top, true, 0.0);
    let goal_room = view.goal.filter(|g| g.is_finite()).map_or(20.0, |g| {
        text_width(&format!("goal {}", format_number(g)), TICK_PX) + 14.0
    });
    let right = canvas.width - goal_room;
    let frame = Frame {
        left: y_label_room(&y_ticks) + 10.0,
        top,
        right,
        bottom,
    };
    let x_ticks = x_axis.ticks(frame.width(), false, 0.0);
    let direction = objective.direction.label();
    let y_title = format!("{} ({direction})", objective.name);
    let titles = Titles {
        x: Some("Trial, in order of completion"),
        y: Some(&y_title),
    };
    draw_frame(
        canvas,
        &frame,
        (&x_axis, &x_ticks),
        (&y_axis, &y_ticks),
        true,
        titles,
    );

    let at = |i: usize, v: f64| {
        (
            frame.x(x_axis.fraction(i as f64 + 1.0)),
            frame.y(y_axis.fraction(v)),
        )
    };

    if let Some(goal) = view.goal.filter(|g| g.is_finite()) {
        let y = frame.y(y_axis.fraction(goal));
        canvas.dashed((frame.left, y), (frame.right, y), GOAL.mix(0.9), 2);
        // In the right margin, where no point can sit on it.
        let label = format!("goal {}", format_number(goal));
        canvas.text(
            &label,
            (frame.right + 6.0, y),
            Anchor::Start,
            TICK_PX,
            GOAL.mix(1.0),
        );
    }

    let pixel = |(x, y): (f64, f64)| (x.round() as i32, y.round() as i32);
    let step = best_so_far_step(points);
    if !step.is_empty() {
        canvas.path(
            step.iter().map(|&(i, v)| pixel(at(i, v))).collect(),
            INK.mix(0.85),
            2,
        );
    }
    let alpha = crowd_alpha(n, 0.9, 0.3);
    let radius = point_radius(n);
    for (i, point) in points.iter().enumerate() {
        draw_trial_point(
            canvas,
            point.trial.state,
            at(i, point.objective),
            radius,
            alpha,
        );
    }
    draw_legend(canvas, &entries, (12.0, 14.0), legend_width);
}

/// The best-so-far step line as (position, value) corners: flat until a better trial, then
/// straight up (or down) to it, and on to the last trial.
fn best_so_far_step(points: &[HistoryPoint]) -> Vec<(usize, f64)> {
    let mut step = Vec::new();
    let mut last: Option<f64> = None;
    for (i, point) in points.iter().enumerate() {
        if let Some(best) = point.best_so_far.filter(|b| last != Some(*b)) {
            if let Some(previous) = last {
                step.push((i, previous));
            }
            step.push((i, best));
            last = Some(best);
        }
    }
    if let Some(best) = last {
        step.push((points.len() - 1, best));
    }
    step
}

/// One legend entry per state present, then the lines.
fn legend_entries(view: &ExperimentView, points: &[HistoryPoint]) -> Vec<Entry> {
    let mut entries = state_entries(points.iter().map(|p| p.trial.state));
    if points.iter().any(|p| p.best_so_far.is_some()) {
        entries.push(Entry {
            marker: Marker::Line,
            color: INK,
            label: "Best so far".into(),
        });
    }
    if view.goal.is_some_and(f64::is_finite) {
        entries.push(Entry {
            marker: Marker::Dashed,
            color: GOAL,
            label: "Goal".into(),
        });
    }
    entries
}
