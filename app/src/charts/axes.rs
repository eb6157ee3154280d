//! Axes: which ticks to label so labels never overlap, and the frame of an x/y plot.

use super::canvas::{Anchor, Canvas, LABEL_PX, TICK_PX};
use super::palette::INK;
use super::scale::Scale;
use super::text::{text_width, trim_end};
use plotters::style::Color;

/// Room a tick label needs above and below it on a vertical axis.
const TICK_ROW: f64 = 16.0;
/// The least clear space between two tick labels side by side.
const TICK_GAP: f64 = 10.0;

/// What runs along an axis: numbers, or categories evenly spaced.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AxisScale {
    Numeric {
        scale: Scale,
        integer: bool,
    },
    /// Category `i` of `n` sits at `(i + 0.5) / n`.
    Categories(Vec<String>),
}

impl AxisScale {
    /// Where axis coordinate `at` (a value, or a category index) lies, 0 to 1 along the axis.
    pub fn fraction(&self, at: f64) -> f64 {
        match self {
            AxisScale::Numeric { scale, .. } => scale.fraction(at),
            AxisScale::Categories(names) => (at + 0.5) / names.len().max(1) as f64,
        }
    }

    /// Ticks for this axis drawn `length` pixels long, vertically or horizontally, with
    /// category names cut to `label_room` pixels.
    pub fn ticks(&self, length: f64, vertical: bool, label_room: f64) -> Vec<Tick> {
        match self {
            AxisScale::Numeric { scale, integer } if vertical => {
                let values = tick_values(scale, *integer, (length / (TICK_ROW * 1.75)) as usize);
                with_labels(scale, values)
            }
            AxisScale::Numeric { scale, integer } => horizontal_ticks(scale, *integer, length),
            AxisScale::Categories(names) => {
                let spacing = length / names.len().max(1) as f64;
                if vertical {
                    category_ticks(names, spacing, TICK_ROW, |_| label_room)
                } else {
                    // Side by side: thin out until each shown label has room for a few letters.
                    let widest = names
                        .iter()
                        .map(|n| text_width(n, TICK_PX))
                        .fold(0.0, f64::max);
                    let need = (widest + TICK_GAP).min(64.0);
                    category_ticks(names, spacing, need, |every| {
                        (every as f64 * spacing - TICK_GAP).min(label_room)
                    })
                }
            }
        }
    }
}

/// A labelled position on an axis (in axis coordinates).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    pub at: f64,
    pub label: String,
}

fn tick_values(scale: &Scale, integer: bool, max_count: usize) -> Vec<f64> {
    if integer {
        scale.integer_ticks(max_count)
    } else {
        scale.ticks(max_count)
    }
}

fn with_labels(scale: &Scale, values: Vec<f64>) -> Vec<Tick> {
    let labels = scale.labels(&values);
    values
        .into_iter()
        .zip(labels)
        .map(|(at, label)| Tick { at, label })
        .collect()
}

/// As many numeric ticks as fit side by side along `length` pixels without touching.
fn horizontal_ticks(scale: &Scale, integer: bool, length: f64) -> Vec<Tick> {
    let most = ((length / 40.0) as usize).max(2);
    for count in (2..=most).rev() {
        let ticks = with_labels(scale, tick_values(scale, integer, count));
        let fits = ticks.windows(2).all(|pair| {
            let room = (scale.fraction(pair[1].at) - scale.fraction(pair[0].at)) * length;
            let half_widths =
                (text_width(&pair[0].label, TICK_PX) + text_width(&pair[1].label, TICK_PX)) / 2.0;
            room >= half_widths + TICK_GAP
        });
        if fits {
            return ticks;
        }
    }
    // Not even two fit: label the ends of the data range only.
    let ticks = tick_values(scale, integer, 2);
    match (ticks.first(), ticks.last()) {
        (Some(&first), Some(&last)) if ticks.len() > 1 => with_labels(scale, vec![first, last]),
        _ => with_labels(scale, ticks),
    }
}

/// Every `k`-th category labelled, `k` the smallest that leaves `need` pixels per label.
fn category_ticks(
    names: &[String],
    spacing: f64,
    need: f64,
    room: impl Fn(usize) -> f64,
) -> Vec<Tick> {
    let every = if spacing <= 0.0 {
        names.len().max(1)
    } else {
        (need / spacing).ceil().max(1.0) as usize
    };
    let room = room(every);
    names
        .iter()
        .enumerate()
        .step_by(every)
        .map(|(i, name)| Tick {
            at: i as f64,
            label: trim_end(name, TICK_PX, room),
        })
        .collect()
}

/// The plotting box of an x/y chart, in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Frame {
    pub fn x(&self, fraction: f64) -> f64 {
        self.left + fraction * (self.right - self.left)
    }

    pub fn y(&self, fraction: f64) -> f64 {
        self.bottom - fraction * (self.bottom - self.top)
    }

    pub fn width(&self) -> f64 {
        self.right - self.left
    }

    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }
}

/// Titles of an x/y chart's axes; None leaves an axis untitled (a panel sharing its neighbour's).
pub(crate) struct Titles<'a> {
    pub x: Option<&'a str>,
    pub y: Option<&'a str>,
}

/// The grid, axis lines, ticks, tick labels and titles of an x/y chart. `y_labels` false
/// draws the ticks without labels (small multiples sharing a y axis).
pub(crate) fn draw_frame(
    canvas: &Canvas,
    frame: &Frame,
    (x_axis, x_ticks): (&AxisScale, &[Tick]),
    (y_axis, y_ticks): (&AxisScale, &[Tick]),
    y_labels: bool,
    titles: Titles,
) {
    let grid = INK.mix(0.1);
    let axis = INK.mix(0.55);
    let label = INK.mix(0.85);
    for tick in y_ticks {
        let y = frame.y(y_axis.fraction(tick.at));
        canvas.line((frame.left, y), (frame.right, y), grid, 1);
        canvas.line((frame.left - 4.0, y), (frame.left, y), axis, 1);
        if y_labels {
            canvas.text(
                &tick.label,
                (frame.left - 7.0, y),
                Anchor::End,
                TICK_PX,
                label,
            );
        }
    }
    for tick in x_ticks {
        let x = frame.x(x_axis.fraction(tick.at));
        canvas.line((x, frame.bottom), (x, frame.bottom + 4.0), axis, 1);
        canvas.text(
            &tick.label,
            (x, frame.bottom + 14.0),
            Anchor::Middle,
            TICK_PX,
            label,
        );
    }
    canvas.line((frame.left, frame.top), (frame.left, frame.bottom), axis, 1);
    canvas.line(
        (frame.left, frame.bottom),
        (frame.right, frame.bottom),
        axis,
        1,
    );
    if let Some(title) = titles.x {
        let title = trim_end(title, LABEL_PX, frame.width());
        let at = ((frame.left + frame.right) / 2.0, frame.bottom + 34.0);
        canvas.text(&title, at, Anchor::Middle, LABEL_PX, INK.mix(1.0));
    }
    if let Some(title) = titles.y {
        let title = trim_end(title, LABEL_PX, frame.height());
        let widest = y_ticks
            .iter()
            .map(|t| text_width(&t.label, TICK_PX))
            .fold(0.0, f64::max);
        let at = (frame.left - 16.0 - widest, (frame.top + frame.bottom) / 2.0);
        canvas.vertical_text(&title, at, LABEL_PX, INK.mix(1.0));
    }
}

/// Pixels left of the frame needed by y tick labels and a y title.
pub(crate) fn y_label_room(ticks: &[Tick]) -> f64 {
    let widest = ticks
        .iter()
        .map(|t| text_width(&t.label, TICK_PX))
        .fold(0.0, f64::max);
    widest + 16.0 + LABEL_PX
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("category-{i}")).collect()
    }

    #[test]
    fn horizontal_numeric_labels_never_overlap() {
        for length in [60.0, 120.0, 300.0, 900.0] {
            let scale = Scale::linear(-123_456.0, 987_654.0);
            let ticks = horizontal_ticks(&scale, false, length);
            assert!(!ticks.is_empty(), "{length}");
            assert!(length < 100.0 || ticks.len() >= 2, "{length}");
            for pair in ticks.windows(2) {
                let room = (scale.fraction(pair[1].at) - scale.fraction(pair[0].at)) * length;
                let need = (text_width(&pair[0].label, TICK_PX)
                    + text_width(&pair[1].label, TICK_PX))
                    / 2.0;
                if ticks.len() > 2 {
                    assert!(room >= need + TICK_GAP, "{length}: {ticks:?}");
                }
            }
        }
    }

    #[test]
    fn crowded_categories_are_thinned_and_trimmed() {
        let axis = AxisScale::Categories(names(40));
        let ticks = axis.ticks(400.0, true, 50.0);
        // 10 px per category on a vertical axis: every second label.
        assert_eq!(ticks.len(), 20);
        assert_eq!(ticks[1].at, 2.0);
        assert!(ticks.iter().all(|t| text_width(&t.label, TICK_PX) <= 50.0));
        let ticks = axis.ticks(400.0, false, 200.0);
        assert!(ticks.len() < 40 && ticks.len() >= 5, "{}", ticks.len());
        let few = AxisScale::Categories(names(3));
        assert_eq!(few.ticks(300.0, false, 200.0).len(), 3);
        assert!((few.fraction(1.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn vertical_ticks_scale_with_length() {
        let axis = AxisScale::Numeric {
            scale: Scale::linear(0.0, 1.0),
            integer: false,
        };
        assert!(axis.ticks(100.0, true, 0.0).len() < axis.ticks(600.0, true, 0.0).len());
        let axis = AxisScale::Numeric {
            scale: Scale::linear(2.0, 8.0),
            integer: true,
        };
        assert!(
            axis.ticks(600.0, true, 0.0)
                .iter()
                .all(|t| t.at.fract() == 0.0)
        );
    }
}
