//! x coordinates within layers by Brandes–Köpf ("Fast and Simple Horizontal Coordinate
//! Assignment", 2001, with the fixes dagre uses): four alignments of nodes with their median
//! neighbours, each packed as tightly as its blocks allow, then balanced. Chains of dummies
//! (long edges) stay straight; boxes keep their gap whatever their widths.

use super::layered::Layered;

/// Centre x of every node of `g`, which must be ordered (neighbour lists sorted by position).
pub(super) fn x_coordinates(g: &Layered, node_gap: f64) -> Vec<f64> {
    let conflicts = type1_conflicts(g);
    let separation = |u: u32, v: u32| {
        let gap = if g.is_dummy(u) || g.is_dummy(v) {
            node_gap / 2.0
        } else {
            node_gap
        };
        (g.width[u as usize] + g.width[v as usize]) / 2.0 + gap
    };
    let mut candidates: Vec<(bool, Vec<f64>)> = Vec::with_capacity(4);
    for down in [false, true] {
        for right in [false, true] {
            let root = vertical_alignment(g, &conflicts, down, right);
            let xs = horizontal_compaction(g, &root, right, &separation);
            candidates.push((right, xs));
        }
    }

    // Line the four up on the narrowest: left-packed ones by their leftmost centre,
    // right-packed ones by their rightmost.
    let extent = |xs: &[f64]| {
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    };
    let width = |xs: &[f64]| {
        let lo = (0..xs.len()).map(|v| xs[v] - g.width[v] / 2.0);
        let hi = (0..xs.len()).map(|v| xs[v] + g.width[v] / 2.0);
        hi.fold(f64::NEG_INFINITY, f64::max) - lo.fold(f64::INFINITY, f64::min)
    };
    let narrowest = (0..4)
        .min_by(|&a, &b| width(&candidates[a].1).total_cmp(&width(&candidates[b].1)))
        .unwrap_or(0);
    let (target_lo, target_hi) = extent(&candidates[narrowest].1);
    for (right, xs) in &mut candidates {
        let (lo, hi) = extent(xs);
        let delta = if *right {
            target_hi - hi
        } else {
            target_lo - lo
        };
        xs.iter_mut().for_each(|x| *x += delta);
    }

    // The mean of the two middle candidates. Order statistics keep each candidate's gaps, so
    // this never overlaps boxes.
    (0..g.len())
        .map(|v| {
            let mut four = [
                candidates[0].1[v],
                candidates[1].1[v],
                candidates[2].1[v],
                candidates[3].1[v],
            ];
            four.sort_by(f64::total_cmp);
            (four[1] + four[2]) / 2.0
        })
        .collect()
}

fn conflict_key(u: u32, v: u32) -> u64 {
    (u64::from(u.min(v)) << 32) | u64::from(u.max(v))
}

/// Edges that cross an inner segment (dummy to dummy), sorted: alignment skips them so that
/// long edges win and stay straight.
fn type1_conflicts(g: &Layered) -> Vec<u64> {
    let mut conflicts = Vec::new();
    for r in 1..g.layers.len() {
        let (above, layer) = (&g.layers[r - 1], &g.layers[r]);
        let (mut k0, mut scan) = (0usize, 0usize);
        for (i, &v) in layer.iter().enumerate() {
            let inner = if g.is_dummy(v) {
                g.preds.of(v).iter().copied().find(|&u| g.is_dummy(u))
            } else {
                None
            };
            let k1 = inner.map_or(above.len(), |u| g.pos[u as usize] as usize);
            if inner.is_some() || i + 1 == layer.len() {
                for &s in &layer[scan..=i] {
                    for &u in g.preds.of(s) {
                        let p = g.pos[u as usize] as usize;
                        if (p < k0 || k1 < p) && !(g.is_dummy(u) && g.is_dummy(s)) {
                            conflicts.push(conflict_key(u, s));
                        }
                    }
                }
                scan = i + 1;
                k0 = k1;
            }
        }
    }
    conflicts.sort_unstable();
    conflicts.dedup();
    conflicts
}

/// Blocks of nodes aligned with a median neighbour: above (or below, `down`), scanning layers
/// from the left (or the right). Returns each node's block root.
fn vertical_alignment(g: &Layered, conflicts: &[u64], down: bool, right: bool) -> Vec<u32> {
    let n = g.len();
    let mut root: Vec<u32> = (0..n as u32).collect();
    let mut align = root.clone();
    let scanned_pos = |w: u32| {
        let pos = g.pos[w as usize] as usize;
        if right {
            g.layers[g.rank[w as usize] as usize].len() - 1 - pos
        } else {
            pos
        }
    };
    let layer_count = g.layers.len();
    for k in 0..layer_count {
        let layer = &g.layers[if down { layer_count - 1 - k } else { k }];
        let mut previous: Option<usize> = None;
        for j in 0..layer.len() {
            let v = layer[if right { layer.len() - 1 - j } else { j }];
            let neighbours = if down { g.succs.of(v) } else { g.preds.of(v) };
            let m = neighbours.len();
            if m == 0 {
                continue;
            }
            for i in (m - 1) / 2..=m / 2 {
                let w = neighbours[if right { m - 1 - i } else { i }];
                let p = scanned_pos(w);
                if align[v as usize] == v
                    && previous.is_none_or(|prev| prev < p)
                    && conflicts.binary_search(&conflict_key(v, w)).is_err()
                {
                    align[w as usize] = v;
                    root[v as usize] = root[w as usize];
                    align[v as usize] = root[v as usize];
                    previous = Some(p);
                }
            }
        }
    }
    root
}

/// Places blocks as far left as their separations allow, then pulls each towards its right
/// neighbours to close slack. `right` scans mirrored and negates, giving a right-packed layout.
fn horizontal_compaction(
    g: &Layered,
    root: &[u32],
    right: bool,
    separation: &impl Fn(u32, u32) -> f64,
) -> Vec<f64> {
    let n = g.len();
    // Block graph: an edge from the block on the left to the block on the right, weighted by
    // the largest separation any of their adjacent node pairs needs.
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    for layer in &g.layers {
        for pair in layer.windows(2) {
            // Mirrored, the right-hand node of each pair is the one on the left.
            let (u, v) = if right {
                (pair[1], pair[0])
            } else {
                (pair[0], pair[1])
            };
            edges.push((root[u as usize], root[v as usize], separation(u, v)));
        }
    }
    edges.sort_unstable_by_key(|&(a, b, _)| (a, b));
    edges.dedup_by(|later, kept| {
        let same = later.0 == kept.0 && later.1 == kept.1;
        if same {
            kept.2 = kept.2.max(later.2);
        }
        same
    });
    let out_start = super::rank::offsets(n, edges.iter().map(|&(a, _, _)| a));
    let mut incoming: Vec<(u32, u32, f64)> = edges.iter().map(|&(a, b, s)| (b, a, s)).collect();
    incoming.sort_unstable_by_key(|&(b, a, _)| (b, a));
    let in_start = super::rank::offsets(n, incoming.iter().map(|&(b, _, _)| b));
    let outs = |v: usize| &edges[out_start[v] as usize..out_start[v + 1] as usize];
    let ins = |v: usize| &incoming[in_start[v] as usize..in_start[v + 1] as usize];

    let roots: Vec<u32> = (0..n as u32).filter(|&v| root[v as usize] == v).collect();
    let mut missing: Vec<u32> = (0..n).map(|v| ins(v).len() as u32).collect();
    let mut topo: Vec<u32> = roots
        .iter()
        .copied()
        .filter(|&v| missing[v as usize] == 0)
        .collect();
    let mut i = 0;
    while i < topo.len() {
        let v = topo[i] as usize;
        i += 1;
        for &(_, w, _) in outs(v) {
            missing[w as usize] -= 1;
            if missing[w as usize] == 0 {
                topo.push(w);
            }
        }
    }
    debug_assert_eq!(topo.len(), roots.len(), "block graph has a cycle");

    let mut xs = vec![0.0f64; n];
    for &v in &topo {
        let v = v as usize;
        xs[v] = ins(v)
            .iter()
            .map(|&(_, u, s)| xs[u as usize] + s)
            .fold(0.0, f64::max);
    }
    for &v in topo.iter().rev() {
        let v = v as usize;
        let limit = outs(v)
            .iter()
            .map(|&(_, w, s)| xs[w as usize] - s)
            .fold(f64::INFINITY, f64::min);
        if limit.is_finite() {
            xs[v] = xs[v].max(limit);
        }
    }
    (0..n)
        .map(|v| {
            let x = xs[root[v] as usize];
            if right { -x } else { x }
        })
        .collect()
}
