//! Layered (Sugiyama-style) layout of directed graphs, such as pipeline DAGs: node centres plus,
//! for every edge, a polyline that runs between layers and never through a node box.
//!
//! Written here rather than taken from a crate. On generated pipeline-like DAGs (layers of 1–12
//! tasks, one or two parents each, one edge in ten skipping 2–5 layers; release build):
//!
//! | crate               | 1,000 nodes | 5,000 nodes | why not                                   |
//! |---------------------|-------------|-------------|-------------------------------------------|
//! | `dagre` 0.1.2       | 1,545 ms    | not run     | string-keyed port of dagre.js: 8.2 s at 2,000 nodes |
//! | `rust-sugiyama` 0.4 | 28 ms       | 419 ms      | node centres only: no edge points or dummy positions, so no routing; components come back apart |
//! | `layout-rs` 0.1.3   | over 5 min  | not run     | a Graphviz renderer: sizes from its own labels, edges only as drawn Béziers |
//! | this module         | 2.6 ms      | 26 ms       | wasm32 (opt-level z, in V8): 9.4 ms and 77 ms |
//!
//! The steps: cycles broken by reversing DFS back edges; ranks by longest path, then nodes with
//! more edges out than in (or the reverse) slid towards their neighbours to shorten edges;
//! zero-size dummy nodes on edges that span several ranks, shared along a trunk by the long
//! edges of one source (or into one target); crossing reduction by barycenter sweeps from a DFS
//! order, each followed by neighbour swaps, keeping the best of a bounded number; x by
//! Brandes–Köpf (straight long edges, no overlaps whatever the widths); edges routed straight
//! down through each layer they cross and bent only in the empty gaps between layers.
//! Connected components are laid out apart and placed side by side.

mod components;
mod draw;
mod layered;
mod order;
mod position;
mod rank;
#[cfg(test)]
mod tests;

/// A point in layout coordinates: x grows rightwards, y downwards, origin at the top-left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// The box a node is drawn in; its index in [`LayoutInput::nodes`] is its id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutNode {
    pub width: f64,
    pub height: f64,
}

/// Which way edges flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    TopToBottom,
    LeftToRight,
}

/// A graph to lay out.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutInput {
    pub nodes: Vec<LayoutNode>,
    /// `(source, target)` indices into `nodes`. Self-loops and out-of-range ends are ignored
    /// (they get an empty polyline); duplicates share one route; cycles are allowed.
    pub edges: Vec<(usize, usize)>,
    pub direction: Direction,
    /// Space between the boxes of two nodes in the same layer (half of it next to an edge).
    pub node_gap: f64,
    /// Space between consecutive layers, where edges bend.
    pub rank_gap: f64,
}

/// Where everything goes. The drawing spans `(0, 0)` to `(width, height)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// Centre of each input node.
    pub nodes: Vec<Point>,
    /// One polyline per input edge, from the source's border to the target's border (the
    /// source end first even when the edge had to be reversed to break a cycle).
    pub edges: Vec<Vec<Point>>,
    pub width: f64,
    pub height: f64,
}

/// Lays out `input`. Deterministic: the same input gives the same output.
pub fn layout(input: &LayoutInput) -> Layout {
    let n = input.nodes.len();
    let transpose = input.direction == Direction::LeftToRight;
    let gap = |g: f64| if g.is_finite() { g.max(0.0) } else { 0.0 };
    let size = |s: f64| if s.is_finite() { s.max(0.0) } else { 0.0 };
    // Everything below lays out top to bottom; left to right is the same drawing transposed.
    let (widths, heights): (Vec<f64>, Vec<f64>) = input
        .nodes
        .iter()
        .map(|node| {
            let (w, h) = (size(node.width), size(node.height));
            if transpose { (h, w) } else { (w, h) }
        })
        .unzip();
    let spacing = Spacing {
        node: gap(input.node_gap),
        rank: gap(input.rank_gap),
    };

    let edges = rank::Edges::new(n, &input.edges);
    let ranks = rank::assign(n, &edges.acyclic);
    let (components, local) = components::split(n, &edges.acyclic);
    let graph = layered::Ranked {
        acyclic: &edges.acyclic,
        ranks: &ranks,
        local: &local,
        widths: &widths,
        heights: &heights,
        spacing,
    };

    let mut nodes = vec![Point { x: 0.0, y: 0.0 }; n];
    let mut routes: Vec<Vec<Point>> = vec![Vec::new(); edges.acyclic.len()];
    let (mut width, mut height) = (0.0f64, 0.0f64);
    for (i, component) in components.iter().enumerate() {
        let drawn = draw::component(component, &graph);
        // Side by side, in the order of each component's smallest node id.
        let dx = if i == 0 { 0.0 } else { width + spacing.node };
        for (&v, p) in component.nodes.iter().zip(&drawn.nodes) {
            nodes[v as usize] = Point {
                x: p.x + dx,
                y: p.y,
            };
        }
        for (&e, route) in component.edges.iter().zip(drawn.routes) {
            routes[e as usize] = route
                .into_iter()
                .map(|p| Point {
                    x: p.x + dx,
                    y: p.y,
                })
                .collect();
        }
        width = dx + drawn.width;
        height = height.max(drawn.height);
    }

    let flip = |p: Point| {
        if transpose {
            Point { x: p.y, y: p.x }
        } else {
            p
        }
    };
    let edges = edges
        .of_input
        .iter()
        .map(|slot| match *slot {
            None => Vec::new(),
            Some((e, reversed)) => {
                let route = routes[e as usize].iter().copied().map(flip);
                if reversed {
                    route.rev().collect()
                } else {
                    route.collect()
                }
            }
        })
        .collect();
    let nodes = nodes.into_iter().map(flip).collect();
    let (width, height) = if transpose {
        (height, width)
    } else {
        (width, height)
    };
    Layout {
        nodes,
        edges,
        width,
        height,
    }
}

/// Gaps after sanitising, in top-to-bottom terms.
#[derive(Debug, Clone, Copy)]
struct Spacing {
    node: f64,
    rank: f64,
}
