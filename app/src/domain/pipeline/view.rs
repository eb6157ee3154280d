//! What the graph shows with some groups opened: a closed group stands for everything inside
//! it, and the edges of hidden nodes move to the closed group that hides them.

use super::graph::is_group;
use crate::model::pipeline::{GraphEdge, GroupKind, NodeKind, PipelineGraph};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The visible part of a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphView {
    /// In the graph's order, so parents still come before their children.
    pub nodes: Vec<VisibleNode>,
    /// Deduplicated; never from a node to itself.
    pub edges: Vec<GraphEdge>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleNode {
    /// Where the node is in `PipelineGraph::nodes`.
    pub index: usize,
    pub id: String,
    /// A group shown open, with its visible children inside it.
    pub expanded: bool,
    /// How many nodes a closed group hides.
    pub hidden: usize,
    /// A ParallelFor's iteration count, when the file says.
    pub iterations: Option<usize>,
}

/// The groups open when a graph is first shown: all but the ParallelFor loops.
pub fn default_expanded(graph: &PipelineGraph) -> BTreeSet<String> {
    graph
        .nodes
        .iter()
        .filter(|node| is_group(&node.kind) && loop_iterations(&node.kind).is_none())
        .map(|node| node.id.clone())
        .collect()
}

/// The nodes inside open groups (and the top level), with edges re-targeted to what is shown.
pub fn visible_graph(graph: &PipelineGraph, expanded: &BTreeSet<String>) -> GraphView {
    let index: HashMap<&str, usize> = (graph.nodes.iter().enumerate())
        .map(|(at, node)| (node.id.as_str(), at))
        .collect();
    // The visible node that stands for each node: itself, or the closed group hiding it.
    let mut shown_as: Vec<usize> = Vec::with_capacity(graph.nodes.len());
    let mut hidden = vec![0usize; graph.nodes.len()];
    for (at, node) in graph.nodes.iter().enumerate() {
        let parent = node.parent.as_deref().and_then(|id| index.get(id).copied());
        let stand_in = match parent {
            Some(parent) if parent < at => {
                let parent_shown = shown_as[parent] == parent;
                if parent_shown && expanded.contains(&graph.nodes[parent].id) {
                    at
                } else {
                    shown_as[parent]
                }
            }
            _ => at,
        };
        if stand_in != at {
            hidden[stand_in] += 1;
        }
        shown_as.push(stand_in);
    }
    let nodes = (graph.nodes.iter().enumerate())
        .filter(|&(at, _)| shown_as[at] == at)
        .map(|(at, node)| VisibleNode {
            index: at,
            id: node.id.clone(),
            expanded: is_group(&node.kind) && expanded.contains(&node.id),
            hidden: hidden[at],
            iterations: loop_iterations(&node.kind).flatten(),
        })
        .collect();
    let mut seen = HashSet::new();
    let edges = (graph.edges.iter())
        .filter_map(|edge| {
            let from = shown_as[*index.get(edge.from.as_str())?];
            let to = shown_as[*index.get(edge.to.as_str())?];
            (from != to && seen.insert((from, to)))
                .then(|| GraphEdge::new(&graph.nodes[from].id, &graph.nodes[to].id))
        })
        .collect();
    GraphView { nodes, edges }
}

/// For a ParallelFor, its iteration count if known; None for anything else.
fn loop_iterations(kind: &NodeKind) -> Option<Option<usize>> {
    match kind {
        NodeKind::Group {
            group: GroupKind::ParallelFor { iterator },
        } => Some(iterator.iterations),
        _ => None,
    }
}
