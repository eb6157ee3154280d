//! A pipeline or run graph as SVG: laid out by `domain::graph_drawing`, with pan (drag), zoom
//! (wheel, buttons), fit to screen, groups that open and close on click, nodes coloured and
//! iconed by phase, and a legend. The server renders the whole drawing fitted; the browser
//! makes it interactive.

use crate::domain::graph_drawing::{DrawnNode, Shape, draw};
use crate::domain::pipeline::default_expanded;
use crate::model::pipeline::{NodePhase, PipelineGraph};
use leptos::prelude::*;

/// The part of the drawing in view: an SVG viewBox.
#[derive(Debug, Clone, Copy, PartialEq)]
struct View {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

impl View {
    fn attribute(self) -> String {
        format!(
            "{:.1} {:.1} {:.1} {:.1}",
            self.x, self.y, self.width, self.height
        )
    }

    /// Zoomed by `factor` (< 1 zooms in) around the drawing point (`cx`, `cy`).
    fn zoomed(self, factor: f64, cx: f64, cy: f64) -> Self {
        let factor = factor.clamp(0.2, 5.0);
        let width = (self.width * factor).clamp(40.0, 200_000.0);
        let factor = width / self.width;
        Self {
            x: cx - (cx - self.x) * factor,
            y: cy - (cy - self.y) * factor,
            width,
            height: self.height * factor,
        }
    }
}

/// The whole drawing in a frame of `frame` pixels: at natural size if it fits, else shrunk
/// to fit, centred either way. Without the frame's size (on the server), just the drawing.
fn fitted(width: f64, height: f64, frame: Option<(f64, f64)>) -> View {
    let (width, height) = (width.max(1.0), height.max(1.0));
    let Some((frame_width, frame_height)) =
        frame.filter(|(w, h)| w.is_finite() && h.is_finite() && *w > 0.0 && *h > 0.0)
    else {
        return View {
            x: 0.0,
            y: 0.0,
            width,
            height,
        };
    };
    let (view_width, view_height) = if width <= frame_width && height <= frame_height {
        (frame_width, frame_height)
    } else if width / height > frame_width / frame_height {
        (width, width * frame_height / frame_width)
    } else {
        (height * frame_width / frame_height, height)
    };
    View {
        x: -(view_width - width) / 2.0,
        y: -(view_height - height) / 2.0,
        width: view_width,
        height: view_height,
    }
}

fn group_ids(graph: &PipelineGraph) -> std::collections::BTreeSet<String> {
    graph
        .nodes
        .iter()
        .filter(|node| crate::domain::pipeline::is_group(&node.kind))
        .map(|node| node.id.clone())
        .collect()
}

fn phase_class(phase: Option<NodePhase>) -> &'static str {
    match phase {
        None => "static",
        Some(NodePhase::Pending) => "pending",
        Some(NodePhase::Running) => "running",
        Some(NodePhase::Succeeded) => "succeeded",
        Some(NodePhase::Cached) => "cached",
        Some(NodePhase::Skipped | NodePhase::Omitted) => "skipped",
        Some(NodePhase::Failed | NodePhase::Error) => "failed",
        Some(NodePhase::Terminated) => "terminated",
        Some(NodePhase::Unknown) => "unknown",
    }
}

/// The glyph in the node's badge: its phase, or what kind of node it is.
fn glyph(node: &DrawnNode) -> &'static str {
    match (node.phase, node.shape) {
        (Some(NodePhase::Succeeded), _) => "✓",
        (Some(NodePhase::Cached), _) => "↺",
        (Some(NodePhase::Failed | NodePhase::Error), _) => "✕",
        (Some(NodePhase::Terminated), _) => "■",
        (Some(NodePhase::Skipped | NodePhase::Omitted), _) => "–",
        (Some(NodePhase::Running), _) => "▶",
        (Some(NodePhase::Pending), _) => "…",
        (_, Shape::OpenGroup) => "▾",
        (_, Shape::ClosedGroup) => "▸",
        (_, Shape::ExitHook) => "⏻",
        (_, Shape::Placeholder) => "…",
        _ => "●",
    }
}

fn shape_class(shape: Shape) -> &'static str {
    match shape {
        Shape::Task => "task",
        Shape::OpenGroup => "group group--open",
        Shape::ClosedGroup => "group",
        Shape::ExitHook => "exit",
        Shape::Placeholder => "placeholder",
    }
}

/// Phases in the legend, for run graphs.
const LEGEND: &[(&str, &str)] = &[
    ("pending", "Pending"),
    ("running", "Running"),
    ("succeeded", "Succeeded"),
    ("cached", "Cached"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
    ("terminated", "Terminated"),
];

/// Draws `graph`. Clicking a group opens or closes it; clicking a task selects it in
/// `selected` (by node id).
#[component]
pub fn GraphView(
    #[prop(into)] graph: Signal<PipelineGraph>,
    #[prop(optional)] selected: Option<RwSignal<Option<String>>>,
    /// A test id for the frame, for pages with several graphs.
    #[prop(optional, into)]
    testid: Option<String>,
) -> impl IntoView {
    let selected = selected.unwrap_or_else(|| RwSignal::new(None));
    // Groups open by default. Another pipeline starts afresh; the same one growing (a run's
    // new steps) keeps what the user opened and closed, and opens only groups new to it.
    let expanded = RwSignal::new(graph.with_untracked(default_expanded));
    let shown = StoredValue::new(graph.with_untracked(|g| g.name.clone()));
    let known_groups = StoredValue::new(graph.with_untracked(group_ids));
    // The user panned or zoomed: stop fitting the drawing by ourselves.
    let moved = StoredValue::new(false);
    Effect::new(move |_| {
        let (name, groups, open) =
            graph.with(|g| (g.name.clone(), group_ids(g), default_expanded(g)));
        if name != shown.get_value() {
            shown.set_value(name);
            moved.set_value(false);
            expanded.set(open);
        } else {
            let known = known_groups.get_value();
            let new: Vec<String> = open.into_iter().filter(|id| !known.contains(id)).collect();
            if !new.is_empty() {
                expanded.update(|expanded| expanded.extend(new));
            }
        }
        known_groups.set_value(groups);
    });
    let drawing = Memo::new(move |_| graph.with(|g| expanded.with(|open| draw(g, open))));
    let is_run = Memo::new(move |_| graph.with(|g| g.nodes.iter().any(|n| n.run.is_some())));

    let frame = NodeRef::<leptos::html::Div>::new();
    let frame_size = move || -> Option<(f64, f64)> {
        let frame = frame.get_untracked()?;
        Some((
            f64::from(frame.client_width()),
            f64::from(frame.client_height()),
        ))
    };
    let view = RwSignal::new(drawing.with_untracked(|d| fitted(d.width, d.height, None)));
    let fit = move || {
        let (width, height) = drawing.with_untracked(|d| (d.width, d.height));
        view.set(fitted(width, height, frame_size()));
    };
    // Fit whenever the drawing changes size (another graph, a group opened or closed, a run's
    // new steps), unless the user has moved the view since.
    Effect::new(move |_| {
        drawing.with(|d| (d.width, d.height));
        if !moved.get_value() {
            fit();
        }
    });

    // Drag to pan; a drag that moved is not a click on the node under it.
    let drag = StoredValue::new(None::<(f64, f64, View)>);
    let dragged = StoredValue::new(false);
    let scale = move || -> f64 {
        frame
            .get_untracked()
            .map(|f| f64::from(f.client_width().max(1)))
            .map_or(1.0, |width| view.get_untracked().width / width)
    };
    let on_pointer_down = move |event: leptos::ev::PointerEvent| {
        if event.button() != 0 {
            return;
        }
        dragged.set_value(false);
        drag.set_value(Some((
            f64::from(event.client_x()),
            f64::from(event.client_y()),
            view.get_untracked(),
        )));
    };
    let on_pointer_move = move |event: leptos::ev::PointerEvent| {
        let Some((x0, y0, start)) = drag.get_value() else {
            return;
        };
        let (dx, dy) = (
            f64::from(event.client_x()) - x0,
            f64::from(event.client_y()) - y0,
        );
        if dx.abs() + dy.abs() > 3.0 {
            dragged.set_value(true);
            moved.set_value(true);
        }
        let scale = scale();
        view.set(View {
            x: start.x - dx * scale,
            y: start.y - dy * scale,
            ..start
        });
    };
    let end_drag = move |_| drag.set_value(None);
    let on_wheel = move |event: leptos::ev::WheelEvent| {
        event.prevent_default();
        // Zoom around the pointer: where it is in the frame, as a fraction of each side.
        #[cfg(feature = "hydrate")]
        let (fx, fy) = frame.get_untracked().map_or((0.5, 0.5), |frame| {
            let rect = frame.get_bounding_client_rect();
            (
                (f64::from(event.client_x()) - rect.left()) / rect.width().max(1.0),
                (f64::from(event.client_y()) - rect.top()) / rect.height().max(1.0),
            )
        });
        #[cfg(not(feature = "hydrate"))]
        let (fx, fy) = (0.5, 0.5);
        let current = view.get_untracked();
        let (cx, cy) = (
            current.x + fx * current.width,
            current.y + fy * current.height,
        );
        moved.set_value(true);
        view.set(current.zoomed((event.delta_y() * 0.0015).exp(), cx, cy));
    };
    let zoom_by = move |factor: f64| {
        moved.set_value(true);
        let current = view.get_untracked();
        view.set(current.zoomed(
            factor,
            current.x + current.width / 2.0,
            current.y + current.height / 2.0,
        ));
    };

    let activate = move |node: &DrawnNode| {
        if matches!(node.shape, Shape::OpenGroup | Shape::ClosedGroup) {
            let id = node.id.clone();
            expanded.update(|open| {
                if !open.remove(&id) {
                    open.insert(id);
                }
            });
        } else {
            selected.set(Some(node.id.clone()));
        }
    };

    let nodes = move || {
        drawing.with(|d| {
            d.nodes
                .iter()
                .map(|node| {
                    let class = format!(
                        "graph-node graph-node--{} graph-node--{}{}",
                        shape_class(node.shape).replace(' ', " graph-node--"),
                        phase_class(node.phase),
                        if node.conditional { " graph-node--conditional" } else { "" },
                    );
                    let id = node.id.clone();
                    let is_selected = move || selected.read().as_deref() == Some(id.as_str());
                    let (clicked, pressed) = (node.clone(), node.clone());
                    let label = format!("{} ({})", node.label, node.detail);
                    view! {
                        <g
                            class=class
                            class:graph-node--selected=is_selected
                            transform=format!("translate({:.1} {:.1})", node.x, node.y)
                            tabindex="0"
                            role="button"
                            aria-label=label
                            data-node=node.id.clone()
                            on:click=move |_| {
                                if !dragged.get_value() {
                                    activate(&clicked);
                                }
                            }
                            on:keydown=move |event: leptos::ev::KeyboardEvent| {
                                if event.key() == "Enter" || event.key() == " " {
                                    event.prevent_default();
                                    activate(&pressed);
                                }
                            }
                        >
                            <rect class="graph-node__box" width=node.width height=node.height rx="8" />
                            <circle class="graph-node__badge" cx="20" cy=node.height / 2.0 r="10" />
                            <text class="graph-node__glyph" x="20" y=node.height / 2.0 + 4.0 text-anchor="middle">{glyph(node)}</text>
                            <text class="graph-node__label" x="38" y="19">{node.label.clone()}</text>
                            <text class="graph-node__detail" x="38" y="34">{node.detail.clone()}</text>
                        </g>
                    }
                })
                .collect_view()
        })
    };
    let edges = move || {
        drawing.with(|d| {
            d.edges
                .iter()
                .map(|edge| {
                    if edge.containment {
                        view! { <path class="graph-edge graph-edge--contains" d=edge.path.clone() /> }.into_any()
                    } else {
                        view! { <path class="graph-edge" d=edge.path.clone() marker-end="url(#graph-arrow)" /> }.into_any()
                    }
                })
                .collect_view()
        })
    };

    view! {
        <div class="graph" data-testid=testid.unwrap_or_else(|| "graph".into())>
            <div class="graph__toolbar" role="toolbar" aria-label="Graph view">
                <span class="muted graph__count" data-testid="graph-count">
                    {move || drawing.with(|d| {
                        let plural = if d.nodes.len() == 1 { "" } else { "s" };
                        format!("{} node{plural} shown", d.nodes.len())
                    })}
                </span>
                <button type="button" class="button button--small" on:click=move |_| zoom_by(0.8) aria-label="Zoom in">"+"</button>
                <button type="button" class="button button--small" on:click=move |_| zoom_by(1.25) aria-label="Zoom out">"−"</button>
                <button type="button" class="button button--small" data-testid="graph-fit" on:click=move |_| {
                    moved.set_value(false);
                    fit();
                }>"Fit"</button>
            </div>
            <div
                class="graph__frame"
                node_ref=frame
                on:pointerdown=on_pointer_down
                on:pointermove=on_pointer_move
                on:pointerup=end_drag
                on:pointerleave=end_drag
                on:wheel=on_wheel
            >
                <svg
                    class="graph__svg"
                    viewBox=move || view.get().attribute()
                    preserveAspectRatio="xMidYMid meet"
                    role="img"
                    aria-label="Pipeline graph"
                >
                    <defs>
                        <marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path class="graph-arrow" d="M0 0L10 5L0 10z" />
                        </marker>
                    </defs>
                    <g class="graph__edges">{edges}</g>
                    <g class="graph__nodes">{nodes}</g>
                </svg>
            </div>
            <ul class="graph__legend" aria-label="Legend">
                {move || is_run.get().then(|| LEGEND.iter().map(|&(class, label)| view! {
                    <li><span class=format!("graph__swatch graph-node--{class}")></span>{label}</li>
                }).collect_view())}
                <li><span class="graph__swatch graph__swatch--group"></span>"Group: click to open or close"</li>
                <li><span class="graph__swatch graph__swatch--contains"></span>"Contains"</li>
                <li><span class="graph__swatch graph__swatch--conditional"></span>"Runs on a condition"</li>
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_shrinks_big_drawings_and_centres_small_ones_at_natural_size() {
        let wide = fitted(1000.0, 100.0, Some((400.0, 200.0)));
        assert_eq!((wide.width, wide.height, wide.y), (1000.0, 500.0, -200.0));
        let tall = fitted(100.0, 1000.0, Some((400.0, 200.0)));
        assert_eq!((tall.width, tall.height, tall.x), (2000.0, 1000.0, -950.0));
        let small = fitted(100.0, 50.0, Some((400.0, 200.0)));
        assert_eq!(
            (small.x, small.y, small.width, small.height),
            (-150.0, -75.0, 400.0, 200.0)
        );
        assert_eq!(fitted(10.0, 10.0, None).width, 10.0);
    }

    #[test]
    fn zoom_keeps_the_point_under_the_pointer_in_place() {
        let view = View {
            x: 0.0,
            y: 0.0,
            width: 1000.0,
            height: 500.0,
        };
        let zoomed = view.zoomed(0.5, 250.0, 100.0);
        assert_eq!(zoomed.width, 500.0);
        // (250, 100) was at 25% / 20% of the view and still is.
        assert!(((250.0 - zoomed.x) / zoomed.width - 0.25).abs() < 1e-9);
        assert!(((100.0 - zoomed.y) / zoomed.height - 0.2).abs() < 1e-9);
        // Bounded both ways.
        assert_eq!(view.zoomed(0.0001, 0.0, 0.0).width, 200.0);
    }
}
