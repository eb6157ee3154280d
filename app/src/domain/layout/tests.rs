use super::*;

const NODE_GAP: f64 = 20.0;
const RANK_GAP: f64 = 40.0;
const EPS: f64 = 1e-6;

fn input(sizes: &[(f64, f64)], edges: &[(usize, usize)]) -> LayoutInput {
    LayoutInput {
        nodes: sizes
            .iter()
            .map(|&(width, height)| LayoutNode { width, height })
            .collect(),
        edges: edges.to_vec(),
        direction: Direction::TopToBottom,
        node_gap: NODE_GAP,
        rank_gap: RANK_GAP,
    }
}

fn boxes(n: usize) -> Vec<(f64, f64)> {
    vec![(100.0, 40.0); n]
}

/// Deterministic xorshift, so generated graphs are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A pipeline-like DAG: layers of 1 to 12 tasks, each with one or two parents, one in ten from
/// two to five layers up; boxes of varied sizes. `back` extra edges point upwards (cycles).
fn generated(n: usize, seed: u64, back: usize) -> LayoutInput {
    let mut rng = Rng(seed);
    let mut layers: Vec<Vec<usize>> = Vec::new();
    let mut next = 0;
    while next < n {
        let width = (1 + rng.below(12)).min(n - next);
        layers.push((next..next + width).collect());
        next += width;
    }
    let mut edges = Vec::new();
    for l in 1..layers.len() {
        for &v in &layers[l] {
            for _ in 0..1 + rng.below(2) {
                let from = if rng.below(10) == 0 {
                    l.saturating_sub(2 + rng.below(4))
                } else {
                    l - 1
                };
                edges.push((layers[from][rng.below(layers[from].len())], v));
            }
        }
    }
    for _ in 0..back {
        let (a, b) = (rng.below(n), rng.below(n));
        edges.push((a.max(b), a.min(b)));
    }
    let sizes: Vec<(f64, f64)> = (0..n)
        .map(|_| (60.0 + rng.below(140) as f64, 24.0 + rng.below(40) as f64))
        .collect();
    input(&sizes, &edges)
}

fn rect(input: &LayoutInput, layout: &Layout, v: usize) -> (f64, f64, f64, f64) {
    let (c, node) = (layout.nodes[v], input.nodes[v]);
    (
        c.x - node.width / 2.0,
        c.y - node.height / 2.0,
        c.x + node.width / 2.0,
        c.y + node.height / 2.0,
    )
}

fn on_border(p: Point, (x0, y0, x1, y1): (f64, f64, f64, f64)) -> bool {
    let inside = p.x >= x0 - EPS && p.x <= x1 + EPS && p.y >= y0 - EPS && p.y <= y1 + EPS;
    let edge = [p.x - x0, x1 - p.x, p.y - y0, y1 - p.y]
        .iter()
        .any(|d| d.abs() < EPS);
    inside && edge
}

/// Whether segment `a`-`b` has any point strictly inside the box (Liang–Barsky clipping).
fn enters(a: Point, b: Point, (x0, y0, x1, y1): (f64, f64, f64, f64)) -> bool {
    let (x0, y0, x1, y1) = (x0 + EPS, y0 + EPS, x1 - EPS, y1 - EPS);
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.x - x0),
        (dx, x1 - a.x),
        (-dy, a.y - y0),
        (dy, y1 - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else if p < 0.0 {
            t0 = t0.max(q / p);
        } else {
            t1 = t1.min(q / p);
        }
    }
    t0 <= t1
}

/// Along the flow axis: y top to bottom, x left to right.
fn along(direction: Direction, p: Point) -> f64 {
    match direction {
        Direction::TopToBottom => p.y,
        Direction::LeftToRight => p.x,
    }
}

/// Everything a layout promises, checked pair by pair. `acyclic`: edges must all flow forward.
fn check(input: &LayoutInput, layout: &Layout, acyclic: bool) {
    let n = input.nodes.len();
    assert_eq!(layout.nodes.len(), n);
    assert_eq!(layout.edges.len(), input.edges.len());
    let rects: Vec<_> = (0..n).map(|v| rect(input, layout, v)).collect();
    for (v, r) in rects.iter().enumerate() {
        assert!(
            r.0 >= -EPS && r.1 >= -EPS && r.2 <= layout.width + EPS && r.3 <= layout.height + EPS,
            "node {v} at {r:?} outside {}x{}",
            layout.width,
            layout.height
        );
    }
    // Boxes never overlap: apart by the node gap across, or by the rank gap along the flow.
    let (across_gap, along_gap) = (NODE_GAP, RANK_GAP);
    for u in 0..n {
        for v in u + 1..n {
            let (a, b) = (rects[u], rects[v]);
            let gap_x = (b.0 - a.2).max(a.0 - b.2);
            let gap_y = (b.1 - a.3).max(a.1 - b.3);
            let (across, flow) = match input.direction {
                Direction::TopToBottom => (gap_x, gap_y),
                Direction::LeftToRight => (gap_y, gap_x),
            };
            assert!(
                across >= across_gap - EPS || flow >= along_gap - EPS,
                "nodes {u} {a:?} and {v} {b:?} too close"
            );
        }
    }
    for (e, &(s, t)) in input.edges.iter().enumerate() {
        let line = &layout.edges[e];
        if s == t || s >= n || t >= n {
            assert!(line.is_empty(), "edge {e} ({s}->{t}) should not be drawn");
            continue;
        }
        assert!(line.len() >= 2, "edge {e} has {} points", line.len());
        assert!(
            on_border(line[0], rects[s]),
            "edge {e} starts off its source"
        );
        assert!(
            on_border(line[line.len() - 1], rects[t]),
            "edge {e} ends off its target"
        );
        let flow = |p: Point| along(input.direction, p);
        let forward = line.windows(2).all(|w| flow(w[1]) >= flow(w[0]) - EPS);
        let backward = line.windows(2).all(|w| flow(w[1]) <= flow(w[0]) + EPS);
        let (cs, ct) = (flow(layout.nodes[s]), flow(layout.nodes[t]));
        if acyclic {
            assert!(
                forward && ct > cs,
                "edge {e} ({s}->{t}) does not flow forward"
            );
        } else {
            assert!(
                (forward && ct > cs) || (backward && ct < cs),
                "edge {e} ({s}->{t}) is not monotone between ranks"
            );
        }
        for w in line.windows(2) {
            for (v, &r) in rects.iter().enumerate() {
                assert!(
                    !enters(w[0], w[1], r),
                    "edge {e} ({s}->{t}) segment {:?}-{:?} goes through node {v} {r:?}",
                    w[0],
                    w[1]
                );
            }
        }
    }
}

/// Proper crossings between segments of different edges.
fn crossings(layout: &Layout) -> usize {
    let orient = |a: Point, b: Point, c: Point| {
        let v = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
        if v > EPS {
            1
        } else if v < -EPS {
            -1
        } else {
            0
        }
    };
    let segments: Vec<(usize, Point, Point)> = layout
        .edges
        .iter()
        .enumerate()
        .flat_map(|(e, line)| line.windows(2).map(move |w| (e, w[0], w[1])))
        .collect();
    let mut count = 0;
    for (i, &(e, a, b)) in segments.iter().enumerate() {
        for &(f, c, d) in &segments[i + 1..] {
            if e != f
                && orient(a, b, c) * orient(a, b, d) < 0
                && orient(c, d, a) * orient(c, d, b) < 0
            {
                count += 1;
            }
        }
    }
    count
}

#[test]
fn empty_graph_is_an_empty_drawing() {
    let layout = layout(&input(&[], &[(0, 1)]));
    assert_eq!(layout.nodes, vec![]);
    assert_eq!(layout.edges, vec![Vec::<Point>::new()]);
    assert_eq!((layout.width, layout.height), (0.0, 0.0));
}

#[test]
fn single_node_sits_at_the_origin() {
    let layout = layout(&input(&[(120.0, 30.0)], &[]));
    assert_eq!(layout.nodes, vec![Point { x: 60.0, y: 15.0 }]);
    assert_eq!((layout.width, layout.height), (120.0, 30.0));
}

#[test]
fn chain_is_a_straight_column() {
    let graph = input(&boxes(4), &[(0, 1), (1, 2), (2, 3)]);
    let layout = layout(&graph);
    check(&graph, &layout, true);
    for v in 1..4 {
        assert_eq!(layout.nodes[v].x, layout.nodes[0].x);
        assert_eq!(layout.nodes[v].y, layout.nodes[v - 1].y + 40.0 + RANK_GAP);
        assert_eq!(layout.edges[v - 1].len(), 2, "straight edge");
    }
    assert_eq!(
        (layout.width, layout.height),
        (100.0, 4.0 * 40.0 + 3.0 * RANK_GAP)
    );
}

#[test]
fn left_to_right_is_the_transposed_drawing() {
    let mut graph = input(
        &[(100.0, 40.0), (60.0, 30.0), (80.0, 50.0)],
        &[(0, 1), (0, 2)],
    );
    graph.direction = Direction::LeftToRight;
    let layout = layout(&graph);
    check(&graph, &layout, true);
    assert!(layout.nodes[1].x > layout.nodes[0].x);
    assert_eq!(layout.nodes[1].x, layout.nodes[2].x);
    // The second rank is as wide as its widest box.
    assert_eq!(layout.width, 100.0 + RANK_GAP + 80.0);
    assert_eq!(layout.height, 30.0 + NODE_GAP + 50.0);
}

#[test]
fn generated_graphs_keep_every_promise_both_ways() {
    for (n, seed) in [(12, 1), (40, 2), (150, 3), (400, 4)] {
        let mut graph = generated(n, seed, 0);
        check(&graph, &layout(&graph), true);
        graph.direction = Direction::LeftToRight;
        check(&graph, &layout(&graph), true);
    }
}

#[test]
fn cycles_are_broken_and_drawn() {
    let graph = input(&boxes(3), &[(0, 1), (1, 2), (2, 0)]);
    let drawn = layout(&graph);
    check(&graph, &drawn, false);
    // The back edge is drawn from its own source, upwards.
    let back = &drawn.edges[2];
    assert_eq!(back[0].y, drawn.nodes[2].y - 20.0);
    assert_eq!(back[back.len() - 1].y, drawn.nodes[0].y + 20.0);

    for (n, seed) in [(30, 5), (300, 6)] {
        let graph = generated(n, seed, n / 5);
        check(&graph, &layout(&graph), false);
    }
    // Every node in one big cycle, and a complete digraph.
    let ring: Vec<_> = (0..50).map(|v| (v, (v + 1) % 50)).collect();
    let graph = input(&boxes(50), &ring);
    check(&graph, &layout(&graph), false);
    let complete: Vec<_> = (0..8).flat_map(|a| (0..8).map(move |b| (a, b))).collect();
    let graph = input(&boxes(8), &complete);
    check(&graph, &layout(&graph), false);
}

#[test]
fn self_loops_bad_ends_and_duplicates() {
    let graph = input(
        &boxes(3),
        &[(0, 0), (0, 1), (0, 1), (1, 9), (9, 1), (1, 2), (2, 1)],
    );
    let layout = layout(&graph);
    check(&graph, &layout, false);
    assert_eq!(layout.edges[1], layout.edges[2], "duplicates share a route");
    let mut back = layout.edges[6].clone();
    back.reverse();
    assert_eq!(layout.edges[5], back, "a 2-cycle's edges share a route");
}

#[test]
fn components_sit_side_by_side_in_id_order() {
    // {0, 2} and {1, 3} are chains; 4 is alone.
    let graph = input(&boxes(5), &[(0, 2), (3, 1)]);
    let layout = layout(&graph);
    check(&graph, &layout, true);
    let right_of = |a: usize, b: usize| rect(&graph, &layout, a).0 >= rect(&graph, &layout, b).2;
    assert!(right_of(3, 0) && right_of(3, 2) && right_of(1, 0));
    assert!(right_of(4, 1) && right_of(4, 3));
    assert_eq!(
        layout.nodes[0].y, layout.nodes[3].y,
        "each component starts at the top"
    );
    assert_eq!(layout.width, 3.0 * 100.0 + 2.0 * NODE_GAP);
}

#[test]
fn a_source_consumed_late_sits_just_above_its_consumer() {
    let graph = input(&boxes(6), &[(0, 1), (1, 2), (2, 3), (3, 4), (5, 4)]);
    let layout = layout(&graph);
    check(&graph, &layout, true);
    assert_eq!(layout.nodes[5].y, layout.nodes[3].y);
}

#[test]
fn long_edges_run_beside_the_nodes_they_skip() {
    let graph = input(&boxes(4), &[(0, 1), (1, 2), (2, 3), (0, 3)]);
    let layout = layout(&graph);
    check(&graph, &layout, true);
    assert_eq!(crossings(&layout), 0);
    let long = &layout.edges[3];
    assert!(
        long.iter()
            .any(|p| (p.x - layout.nodes[1].x).abs() >= 50.0 + NODE_GAP / 2.0 - EPS)
    );
}

#[test]
fn long_edges_run_straight_through_the_layers_they_skip() {
    for (n, seed) in [(400, 4), (1_000, 9)] {
        let graph = generated(n, seed, 0);
        let layout = layout(&graph);
        let (mut long, mut straight) = (0, 0);
        for (e, &(s, t)) in graph.edges.iter().enumerate() {
            // Past the source's half band and gap and the target's, all is the dummies' bands.
            let inner = layout.nodes[t].y - layout.nodes[s].y - 2.0 * RANK_GAP - 64.0;
            if inner > 0.0 {
                long += 1;
                let vertical = |w: &[Point]| w[0].x == w[1].x && w[1].y - w[0].y >= inner;
                straight += usize::from(layout.edges[e].windows(2).any(vertical));
            }
        }
        // Only long edges that cross each other can't all be straight.
        assert!(
            straight * 10 >= long * 9,
            "{n} nodes: {straight} of {long} straight"
        );
    }
}

#[test]
fn a_task_consumed_by_every_later_task_costs_one_trunk() {
    // 0 feeds every step of the chain 1 -> 2 -> ... -> 59, and 60 consumes them all.
    let mut edges: Vec<_> = (1..59).map(|v| (v, v + 1)).collect();
    edges.extend((1..60).map(|v| (0, v)));
    edges.extend((1..60).map(|v| (v, 60)));
    let graph = input(&boxes(61), &edges);
    let layout = layout(&graph);
    check(&graph, &layout, true);
    assert!(
        layout.width <= 3.0 * 100.0 + 2.0 * NODE_GAP,
        "width {}",
        layout.width
    );
}

/// `edges` under a scrambled numbering, so input order gives no hint of a good drawing.
fn scrambled(n: usize, edges: &[(usize, usize)]) -> LayoutInput {
    let id = |v: usize| (v * 7 + 3) % n;
    let edges: Vec<_> = edges.iter().rev().map(|&(a, b)| (id(a), id(b))).collect();
    input(&boxes(n), &edges)
}

#[test]
fn planar_graphs_are_drawn_without_crossings() {
    // A complete binary tree of 31 nodes.
    let tree: Vec<_> = (1..31).map(|v| ((v - 1) / 2, v)).collect();
    // A 5x5 grid, every cell pointing right and down.
    let cell = |i: usize, j: usize| i * 5 + j;
    let mut grid = Vec::new();
    for i in 0..5 {
        for j in 0..5 {
            if i + 1 < 5 {
                grid.push((cell(i, j), cell(i + 1, j)));
            }
            if j + 1 < 5 {
                grid.push((cell(i, j), cell(i, j + 1)));
            }
        }
    }
    // Two diamonds in a row with an edge skipping both.
    let diamonds = [
        (0, 1),
        (0, 2),
        (1, 3),
        (2, 3),
        (3, 4),
        (3, 5),
        (4, 6),
        (5, 6),
        (0, 6),
    ];
    for (n, edges) in [(31, &tree[..]), (25, &grid[..]), (7, &diamonds[..])] {
        let graph = scrambled(n, edges);
        let layout = layout(&graph);
        check(&graph, &layout, true);
        assert_eq!(crossings(&layout), 0, "{n} nodes: {:?}", layout.nodes);
    }
}

#[test]
fn complete_bipartite_two_by_two_has_its_one_crossing() {
    let graph = input(&boxes(4), &[(0, 2), (0, 3), (1, 2), (1, 3)]);
    let layout = layout(&graph);
    check(&graph, &layout, true);
    assert_eq!(crossings(&layout), 1);
}

#[test]
fn wide_and_tall_nodes_get_their_room() {
    let sizes = [
        (300.0, 20.0),
        (40.0, 120.0),
        (40.0, 20.0),
        (200.0, 60.0),
        (10.0, 10.0),
    ];
    let graph = input(&sizes, &[(0, 1), (0, 2), (0, 3), (1, 4), (2, 4), (3, 4)]);
    let layout = layout(&graph);
    check(&graph, &layout, true);
    // Rank 1 is as tall as its tallest box, and the short ones are centred in it.
    assert_eq!(layout.nodes[2].y, layout.nodes[1].y);
    assert_eq!(layout.height, 20.0 + 120.0 + 10.0 + 2.0 * RANK_GAP);
}

#[test]
fn same_input_same_layout() {
    let graph = generated(300, 7, 10);
    assert_eq!(layout(&graph), layout(&graph));
}

#[test]
fn five_thousand_nodes_complete() {
    let graph = generated(5_000, 8, 0);
    let layout = layout(&graph);
    assert_eq!(layout.nodes.len(), 5_000);
    assert!(layout.width.is_finite() && layout.height.is_finite());
    // Neighbours within a rank never overlap.
    let mut centres: Vec<(f64, f64, usize)> = layout
        .nodes
        .iter()
        .enumerate()
        .map(|(v, p)| (p.y, p.x, v))
        .collect();
    centres.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    for pair in centres.windows(2) {
        let ((ya, _, a), (yb, _, b)) = (pair[0], pair[1]);
        if ya == yb {
            assert!(rect(&graph, &layout, b).0 >= rect(&graph, &layout, a).2 + NODE_GAP - EPS);
        }
    }
}
