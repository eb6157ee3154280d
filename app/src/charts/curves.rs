//! Learning curves: one metric as trials reported it over time, several trials overlaid.

use super::axes::{AxisScale, Frame, Titles, draw_frame, y_label_room};
use super::canvas::{Anchor, Canvas, TICK_PX, empty_state, render};
use super::legend::{Entry, Marker, ROW, draw_legend, draw_marker, legend_rows};
use super::palette::{INK, QUALITATIVE, crowd_alpha};
use super::scale::Scale;
use super::text::trim_start;
use super::time::parse_rfc3339;
use crate::model::katib::MetricLog;
use plotters::style::{Color, RGBColor};

/// Narrowest chart that keeps its legend in a column on the right.
const SIDE_LEGEND_MIN_WIDTH: f64 = 560.0;

/// What the x axis counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Progress {
    /// Seconds since the trial's first report.
    Seconds,
    /// The report's number (1, 2, …): used when some report's time is not RFC 3339.
    Report,
}

/// One trial's points: x (seconds since its first report, or report number) and value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Curve<'a> {
    pub log: &'a MetricLog,
    pub points: Vec<(f64, f64)>,
}

/// The curves of `metric` in `logs` (in the given order, empty logs left out), and what
/// their x means: seconds when every time parses, else report numbers for all of them, so
/// that curves on one chart are always measured alike.
pub(crate) fn curves<'a>(logs: &'a [MetricLog], metric: &str) -> (Vec<Curve<'a>>, Progress) {
    let chosen: Vec<&MetricLog> = logs
        .iter()
        .filter(|l| l.metric == metric && !l.points.is_empty())
        .collect();
    let times: Option<Vec<Vec<f64>>> = chosen
        .iter()
        .map(|log| log.points.iter().map(|p| parse_rfc3339(&p.time)).collect())
        .collect();
    let progress = if times.is_some() {
        Progress::Seconds
    } else {
        Progress::Report
    };
    let curves = chosen
        .iter()
        .enumerate()
        .map(|(i, log)| {
            let xs: Vec<f64> = match &times {
                Some(times) => {
                    let first = times[i].iter().copied().fold(f64::INFINITY, f64::min);
                    times[i].iter().map(|t| t - first).collect()
                }
                None => (1..=log.points.len()).map(|n| n as f64).collect(),
            };
            let mut points: Vec<(f64, f64)> = xs
                .into_iter()
                .zip(&log.points)
                .filter(|(_, p)| p.value.is_finite())
                .map(|(x, p)| (x, p.value))
                .collect();
            // Reports can arrive out of order; a curve is drawn left to right.
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Curve { log, points }
        })
        .filter(|c| !c.points.is_empty())
        .collect();
    (curves, progress)
}

/// `metric` over time for each trial in `logs` that reported it, one colour per trial, with a
/// legend of trial names. A running trial's curve simply stops at its latest report (marked
/// with a dot, as every curve's end is).
pub fn learning_curves(logs: &[MetricLog], metric: &str, size: (u32, u32)) -> String {
    let (curves, progress) = curves(logs, metric);
    if curves.is_empty() {
        let message = if metric.is_empty() {
            "No observations yet".to_string()
        } else {
            format!("No observations of {metric} yet")
        };
        return empty_state(size, &message);
    }
    render(size, |canvas| draw(canvas, &curves, progress, metric))
}

/// The x unit for spans up to `longest` seconds, and seconds per unit.
fn time_unit(longest: f64) -> (&'static str, f64) {
    if longest < 180.0 {
        ("s", 1.0)
    } else if longest < 3.0 * 3600.0 {
        ("min", 60.0)
    } else {
        ("h", 3600.0)
    }
}

fn color(i: usize) -> RGBColor {
    QUALITATIVE[i % QUALITATIVE.len()]
}

fn draw(canvas: &Canvas, curves: &[Curve], progress: Progress, metric: &str) {
    let (w, h) = (canvas.width, canvas.height);
    let all = || curves.iter().flat_map(|c| c.points.iter());
    let longest = all().fold(0.0f64, |m, p| m.max(p.0));
    let (x_title, per_unit) = match progress {
        Progress::Seconds => {
            let (unit, per_unit) = time_unit(longest);
            (format!("Time since first report ({unit})"), per_unit)
        }
        Progress::Report => ("Report number".to_string(), 1.0),
    };
    let (lo, hi) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let y_axis = AxisScale::Numeric {
        scale: Scale::linear(lo, hi).padded(0.05),
        integer: false,
    };
    let x_scale = match progress {
        Progress::Seconds => Scale::Linear {
            lo: 0.0,
            hi: (longest / per_unit).max(1e-9),
        },
        Progress::Report => Scale::linear(1.0, longest.max(2.0)),
    };
    let x_axis = AxisScale::Numeric {
        scale: x_scale,
        integer: progress == Progress::Report,
    };

    let side_legend = w >= SIDE_LEGEND_MIN_WIDTH;
    let names: Vec<&str> = curves.iter().map(|c| c.log.trial.as_str()).collect();
    let legend_width = if side_legend {
        (w * 0.25).min(190.0)
    } else {
        w - 24.0
    };
    let top_entries = if side_legend {
        Vec::new()
    } else {
        fit_top_legend(&names, legend_width)
    };
    let skipped: u32 = curves.iter().map(|c| c.log.skipped).sum();
    let top = 16.0
        + ROW * legend_rows(&top_entries, legend_width).max(usize::from(skipped > 0)) as f64
        + 12.0;
    let bottom = h - 48.0;
    let y_ticks = y_axis.ticks(bottom - top, true, 0.0);
    let right = if side_legend {
        w - legend_width - 16.0
    } else {
        w - 20.0
    };
    let frame = Frame {
        left: y_label_room(&y_ticks) + 10.0,
        top,
        right,
        bottom,
    };
    let x_ticks = x_axis.ticks(frame.width(), false, 0.0);
    let titles = Titles {
        x: Some(&x_title),
        y: Some(metric),
    };
    draw_frame(
        canvas,
        &frame,
        (&x_axis, &x_ticks),
        (&y_axis, &y_ticks),
        true,
        titles,
    );

    let alpha = crowd_alpha(curves.len(), 1.0, 0.3);
    let width = if curves.len() <= 12 { 2 } else { 1 };
    for (i, curve) in curves.iter().enumerate() {
        let pixel = |&(x, y): &(f64, f64)| {
            let px = frame.x(x_axis.fraction(x / per_unit));
            (
                px.round() as i32,
                frame.y(y_axis.fraction(y)).round() as i32,
            )
        };
        let points: Vec<(i32, i32)> = curve.points.iter().map(pixel).collect();
        let end = *points.last().expect("curves are not empty");
        if points.len() > 1 {
            canvas.path(points, color(i).mix(alpha), width);
        }
        canvas.circle(
            (end.0 as f64, end.1 as f64),
            3,
            color(i).mix(alpha.max(0.6)),
            true,
        );
    }

    if side_legend {
        draw_side_legend(
            canvas,
            &names,
            (frame.right + 16.0, frame.top),
            legend_width,
            frame.height(),
        );
    } else {
        draw_legend(canvas, &top_entries, (12.0, 16.0), legend_width);
    }
    if skipped > 0 {
        let note = format!("{skipped} non-numeric reports left out");
        let at = if side_legend {
            (frame.left, 16.0)
        } else {
            (12.0, top - 12.0)
        };
        canvas.text(&note, at, Anchor::Start, TICK_PX, INK.mix(0.7));
    }
}

/// Legend entries for a legend above the plot: at most two rows, the rest counted.
fn fit_top_legend(names: &[&str], width: f64) -> Vec<Entry> {
    let entries = |shown: usize| -> Vec<Entry> {
        let mut entries: Vec<Entry> = names[..shown]
            .iter()
            .enumerate()
            .map(|(i, name)| Entry {
                marker: Marker::Line,
                color: color(i),
                label: trim_start(name, TICK_PX, 140.0),
            })
            .collect();
        if shown < names.len() {
            let label = format!("+{} more", names.len() - shown);
            entries.push(Entry {
                marker: Marker::Blank,
                color: INK,
                label,
            });
        }
        entries
    };
    // Two rows never hold more than one entry per 40 pixels.
    let most = names.len().min((2.0 * width / 40.0) as usize);
    (0..=most)
        .rev()
        .map(entries)
        .find(|e| legend_rows(e, width) <= 2)
        .unwrap_or_else(|| entries(0))
}

/// Trial names in a column right of the plot; what does not fit is counted on the last row.
fn draw_side_legend(canvas: &Canvas, names: &[&str], (x, y): (f64, f64), width: f64, height: f64) {
    let rows = ((height / ROW) as usize).max(1);
    let shown = if names.len() <= rows {
        names.len()
    } else {
        rows - 1
    };
    for (i, name) in names.iter().take(shown).enumerate() {
        let row_y = y + 6.0 + i as f64 * ROW;
        draw_marker(canvas, Marker::Line, color(i), (x + 8.0, row_y));
        let label = trim_start(name, TICK_PX, width - 22.0);
        canvas.text(
            &label,
            (x + 22.0, row_y),
            Anchor::Start,
            TICK_PX,
            INK.mix(0.85),
        );
    }
    if shown < names.len() {
        let row_y = y + 6.0 + shown as f64 * ROW;
        let more = format!("+{} more trials", names.len() - shown);
        canvas.text(
            &more,
            (x + 22.0, row_y),
            Anchor::Start,
            TICK_PX,
            INK.mix(0.6),
        );
    }
}
