//! A pipeline or run graph, ready to draw: the visible nodes (groups opened or closed) placed
//! by the layered layout, with box sizes, labels and edge paths. Pure, so the server can render
//! it, the browser can redraw it when a group opens, and the benchmark can time it.

use crate::domain::layout::{Direction, LayoutInput, LayoutNode, Point, layout};
use crate::domain::pipeline::{is_group, visible_graph};
use crate::model::pipeline::{GroupKind, NodeKind, NodePhase, PipelineGraph};
use std::collections::{BTreeSet, HashMap};

pub const NODE_HEIGHT: f64 = 44.0;
const MIN_WIDTH: f64 = 150.0;
const MAX_WIDTH: f64 = 260.0;
/// Roughly the advance of one character of the node font (13px sans-serif).
const CHAR_WIDTH: f64 = 7.2;
/// The same for the second line (11px).
const DETAIL_CHAR_WIDTH: f64 = 6.2;
/// Room for the icon on the left and the padding on the right.
const CHROME: f64 = 48.0;
/// Margin around the drawing.
pub const MARGIN: f64 = 16.0;

/// What a node looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Task,
    /// A group shown open: its children are drawn below it, tied by dashed lines.
    OpenGroup,
    /// A group shown closed: one node standing for everything inside.
    ClosedGroup,
    ExitHook,
    Placeholder,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrawnNode {
    /// Index into `PipelineGraph::nodes`.
    pub index: usize,
    pub id: String,
    /// The label as drawn: cut to fit the box, with an ellipsis.
    pub label: String,
    /// Second line: the component, the group's kind and size, or the loop's count.
    pub detail: String,
    pub shape: Shape,
    /// The run phase; None in a pipeline's static graph.
    pub phase: Option<NodePhase>,
    pub conditional: bool,
    /// Top-left corner and size.
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrawnEdge {
    /// SVG path data.
    pub path: String,
    /// From an open group to a child it contains (not a dependency).
    pub containment: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Drawing {
    pub nodes: Vec<DrawnNode>,
    pub edges: Vec<DrawnEdge>,
    pub width: f64,
    pub height: f64,
}

/// Wide enough for the label and the smaller second line, within bounds.
fn box_width(label: &str, detail: &str) -> f64 {
    let label = label.chars().count() as f64 * CHAR_WIDTH;
    let detail = detail.chars().count() as f64 * DETAIL_CHAR_WIDTH;
    (label.max(detail) + CHROME).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// `label` cut to what fits in `width` at `char_width`, with an ellipsis when cut.
fn fit(label: &str, width: f64, char_width: f64) -> String {
    let room = ((width - CHROME) / char_width).floor().max(4.0) as usize;
    if label.chars().count() <= room {
        return label.to_string();
    }
    let mut cut: String = label.chars().take(room - 1).collect();
    cut.push('…');
    cut
}

fn detail(graph: &PipelineGraph, index: usize, hidden: usize, open: bool) -> String {
    let node = &graph.nodes[index];
    match &node.kind {
        NodeKind::Group { group } => {
            let kind = match group {
                GroupKind::SubPipeline => "sub-pipeline".to_string(),
                GroupKind::Condition => "condition".to_string(),
                GroupKind::ConditionBranches => "branches".to_string(),
                GroupKind::ExitHandler => "exit handler".to_string(),
                GroupKind::ParallelFor { iterator } => match iterator.iterations {
                    Some(count) => format!("loop × {count}"),
                    None => "loop".to_string(),
                },
            };
            if open {
                kind
            } else {
                let plural = if hidden == 1 { "" } else { "s" };
                format!("{kind} · {hidden} step{plural}")
            }
        }
        NodeKind::ExitHook => "runs on exit".to_string(),
        NodeKind::Placeholder => "not started".to_string(),
        NodeKind::Task => node
            .run
            .as_ref()
            .and_then(|run| run.template.clone())
            .or_else(|| node.component.clone())
            .unwrap_or_default()
            .trim_start_matches("comp-")
            .to_string(),
    }
}

fn path_data(points: &[Point]) -> String {
    let mut data = String::with_capacity(points.len() * 16);
    for (at, point) in points.iter().enumerate() {
        let command = if at == 0 { 'M' } else { 'L' };
        data.push_str(&format!(
            "{command}{:.1} {:.1}",
            point.x + MARGIN,
            point.y + MARGIN
        ));
    }
    data
}

/// Lays out the graph with the groups in `expanded` open.
pub fn draw(graph: &PipelineGraph, expanded: &BTreeSet<String>) -> Drawing {
    let view = visible_graph(graph, expanded);
    let position: HashMap<&str, usize> = (view.nodes.iter().enumerate())
        .map(|(at, node)| (node.id.as_str(), at))
        .collect();
    let details: Vec<String> = (view.nodes.iter())
        .map(|node| detail(graph, node.index, node.hidden, node.expanded))
        .collect();
    let widths: Vec<f64> = (view.nodes.iter().zip(&details))
        .map(|(node, detail)| box_width(&graph.nodes[node.index].label, detail))
        .collect();

    // Dependencies, then the ties from each open group to its children that wait for nothing
    // else in the group (the others hang below their siblings anyway).
    let mut edges: Vec<(usize, usize)> = (view.edges.iter())
        .filter_map(|edge| {
            Some((
                *position.get(edge.from.as_str())?,
                *position.get(edge.to.as_str())?,
            ))
        })
        .collect();
    let dependencies = edges.len();
    let has_sibling_input: BTreeSet<usize> = edges.iter().map(|&(_, to)| to).collect();
    for (at, node) in view.nodes.iter().enumerate() {
        let parent = graph.nodes[node.index].parent.as_deref();
        if let Some(&group) = parent.and_then(|id| position.get(id))
            && view.nodes[group].expanded
            && !has_sibling_input.contains(&at)
        {
            edges.push((group, at));
        }
    }

    let drawn = layout(&LayoutInput {
        nodes: widths
            .iter()
            .map(|&width| LayoutNode {
                width,
                height: NODE_HEIGHT,
            })
            .collect(),
        edges: edges.clone(),
        direction: Direction::TopToBottom,
        node_gap: 28.0,
        rank_gap: 48.0,
    });

    let nodes = (view.nodes.iter().enumerate())
        .map(|(at, visible)| {
            let node = &graph.nodes[visible.index];
            let width = widths[at];
            let centre = drawn.nodes[at];
            let shape = match &node.kind {
                NodeKind::Task => Shape::Task,
                NodeKind::ExitHook => Shape::ExitHook,
                NodeKind::Placeholder => Shape::Placeholder,
                kind if is_group(kind) && visible.expanded => Shape::OpenGroup,
                _ => Shape::ClosedGroup,
            };
            DrawnNode {
                index: visible.index,
                id: node.id.clone(),
                label: fit(&node.label, width, CHAR_WIDTH),
                detail: fit(&details[at], width, DETAIL_CHAR_WIDTH),
                shape,
                phase: node.run.as_ref().map(|run| run.phase),
                conditional: node.condition.is_some(),
                x: centre.x - width / 2.0 + MARGIN,
                y: centre.y - NODE_HEIGHT / 2.0 + MARGIN,
                width,
                height: NODE_HEIGHT,
            }
        })
        .collect();
    let edges = (drawn.edges.iter().enumerate())
        .filter(|(_, points)| points.len() >= 2)
        .map(|(at, points)| DrawnEdge {
            path: path_data(points),
            containment: at >= dependencies,
        })
        .collect();
    Drawing {
        nodes,
        edges,
        width: drawn.width + 2.0 * MARGIN,
        height: drawn.height + 2.0 * MARGIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pipeline::{default_expanded, parse_pipeline_file, synthetic};

    fn conformance(name: &str) -> PipelineGraph {
        let path = format!(
            "{}/../../shared/conformance/pipelines/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        parse_pipeline_file(name, &std::fs::read(path).unwrap()).unwrap()
    }

    fn overlaps(a: &DrawnNode, b: &DrawnNode) -> bool {
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
    }

    #[test]
    fn open_groups_show_their_children_tied_by_containment_edges() {
        let graph = conformance("pipeline_with_condition.yaml");
        let open = draw(&graph, &default_expanded(&graph));
        // 6 nodes: flip-coin-op, print-op, condition-1 and its three children.
        assert_eq!(open.nodes.len(), 6);
        let containment = open.edges.iter().filter(|e| e.containment).count();
        // condition-1 → flip-coin-op-2 and → print-op-3 (print-op-2 waits for flip-coin-op-2).
        assert_eq!(containment, 2);
        assert_eq!(open.edges.len() - containment, 3);
        let group = open
            .nodes
            .iter()
            .find(|n| n.id == "root/condition-1")
            .unwrap();
        assert_eq!(group.shape, Shape::OpenGroup);

        let closed = draw(&graph, &BTreeSet::new());
        assert_eq!(closed.nodes.len(), 3);
        let group = closed
            .nodes
            .iter()
            .find(|n| n.id == "root/condition-1")
            .unwrap();
        assert_eq!(group.shape, Shape::ClosedGroup);
        assert_eq!(group.detail, "condition · 3 steps");
        assert!(closed.edges.iter().all(|e| !e.containment));
    }

    #[test]
    fn loops_start_closed_with_their_count() {
        let graph = conformance("parallel_for_after_dependency.yaml");
        let drawing = draw(&graph, &default_expanded(&graph));
        let lp = drawing
            .nodes
            .iter()
            .find(|n| n.id == "root/for-loop-2")
            .unwrap();
        assert_eq!(lp.shape, Shape::ClosedGroup);
        assert_eq!(lp.detail, "loop × 3 · 1 step");
        assert_eq!(drawing.nodes.len(), 3);
    }

    #[test]
    fn labels_are_display_names_cut_to_fit() {
        let graph = conformance("two_step_pipeline.yaml");
        let drawing = draw(&graph, &BTreeSet::new());
        let mut labels: Vec<&str> = drawing.nodes.iter().map(|n| n.label.as_str()).collect();
        labels.sort();
        assert_eq!(labels, ["Consumer", "Producer"]);
        let long = "a-very-long-task-name-that-goes-on-and-on-and-on";
        assert_eq!(fit(long, 150.0, CHAR_WIDTH).chars().count(), 14);
        assert!(fit(long, 150.0, CHAR_WIDTH).ends_with('…'));
    }

    #[test]
    fn a_thousand_tasks_draw_without_overlaps_inside_the_bounds() {
        let yaml = synthetic::v2_pipeline_yaml(1_000);
        let graph = parse_pipeline_file("synthetic.yaml", yaml.as_bytes()).unwrap();
        let mut expanded = default_expanded(&graph);
        expanded.extend(
            graph
                .nodes
                .iter()
                .filter(|n| is_group(&n.kind))
                .map(|n| n.id.clone()),
        );
        let drawing = draw(&graph, &expanded);
        assert!(drawing.nodes.len() >= 1_000, "{}", drawing.nodes.len());
        for node in &drawing.nodes {
            assert!(node.x >= 0.0 && node.y >= 0.0);
            assert!(node.x + node.width <= drawing.width + 0.5);
            assert!(node.y + node.height <= drawing.height + 0.5);
        }
        // Same layer, neighbours: sorting by (y, x) makes overlap checks linear.
        let mut sorted: Vec<&DrawnNode> = drawing.nodes.iter().collect();
        sorted.sort_by(|a, b| (a.y, a.x).partial_cmp(&(b.y, b.x)).unwrap());
        for pair in sorted.windows(2) {
            assert!(
                !overlaps(pair[0], pair[1]),
                "{} overlaps {}",
                pair[0].id,
                pair[1].id
            );
        }
    }
}
