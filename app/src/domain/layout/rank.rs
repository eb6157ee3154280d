//! Cycle breaking and rank assignment: which layer each node goes in.

/// The input's edges, cleaned: self-loops and bad indices dropped, duplicates merged, and back
/// edges reversed so the graph is acyclic.
pub(super) struct Edges {
    /// Unique edges, sorted, oriented so that the graph has no cycle.
    pub acyclic: Vec<(u32, u32)>,
    /// For each input edge, the acyclic edge that draws it and whether it runs against it.
    pub of_input: Vec<Option<(u32, bool)>>,
}

impl Edges {
    pub fn new(n: usize, input: &[(usize, usize)]) -> Self {
        let usable = |&(a, b): &(usize, usize)| a < n && b < n && a != b;
        let mut pairs: Vec<(u32, u32)> = input
            .iter()
            .filter(|edge| usable(edge))
            .map(|&(a, b)| (a as u32, b as u32))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let reversed = back_edges(n, &pairs);
        let mut acyclic: Vec<(u32, u32)> = pairs
            .iter()
            .zip(&reversed)
            .map(|(&(a, b), &back)| if back { (b, a) } else { (a, b) })
            .collect();
        // A reversed edge can land on an existing one (a 2-cycle): they share a route.
        acyclic.sort_unstable();
        acyclic.dedup();
        let of_input = input
            .iter()
            .map(|&(a, b)| {
                if !usable(&(a, b)) {
                    return None;
                }
                let (a, b) = (a as u32, b as u32);
                match acyclic.binary_search(&(a, b)) {
                    Ok(e) => Some((e as u32, false)),
                    Err(_) => acyclic
                        .binary_search(&(b, a))
                        .ok()
                        .map(|e| (e as u32, true)),
                }
            })
            .collect();
        Edges { acyclic, of_input }
    }
}

/// Marks the edges (sorted by source) that close a cycle in a depth-first search from each node
/// in id order; reversing them leaves the graph acyclic.
fn back_edges(n: usize, pairs: &[(u32, u32)]) -> Vec<bool> {
    let start = offsets(n, pairs.iter().map(|&(a, _)| a));
    let mut reversed = vec![false; pairs.len()];
    // 0: not seen, 1: on the DFS path, 2: finished.
    let mut state = vec![0u8; n];
    let mut stack: Vec<(u32, u32)> = Vec::new();
    for root in 0..n as u32 {
        if state[root as usize] != 0 {
            continue;
        }
        state[root as usize] = 1;
        stack.push((root, start[root as usize]));
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            if next < start[v as usize + 1] {
                top.1 += 1;
                let w = pairs[next as usize].1;
                match state[w as usize] {
                    0 => {
                        state[w as usize] = 1;
                        stack.push((w, start[w as usize]));
                    }
                    1 => reversed[next as usize] = true,
                    _ => {}
                }
            } else {
                state[v as usize] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// `start[v]..start[v + 1]` indexes the items keyed `v` in a list sorted by key.
pub(super) fn offsets(n: usize, keys: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut start = vec![0u32; n + 1];
    for key in keys {
        start[key as usize + 1] += 1;
    }
    for v in 0..n {
        start[v + 1] += start[v];
    }
    start
}

/// At most this many rounds of sliding nodes towards their neighbours.
const SLIDE_ROUNDS: usize = 8;

/// Ranks for an acyclic graph: every edge goes from a lower to a strictly higher rank.
///
/// Longest path first (sources at 0), then nodes whose edges are mostly outgoing slide down
/// towards their successors and those mostly incoming slide up towards their predecessors,
/// which shortens edges such as a source consumed only near the end.
pub(super) fn assign(n: usize, edges: &[(u32, u32)]) -> Vec<u32> {
    let out_start = offsets(n, edges.iter().map(|&(a, _)| a));
    let succ = |v: usize| &edges[out_start[v] as usize..out_start[v + 1] as usize];
    let mut by_target: Vec<(u32, u32)> = edges.iter().map(|&(a, b)| (b, a)).collect();
    by_target.sort_unstable();
    let in_start = offsets(n, by_target.iter().map(|&(b, _)| b));
    let pred = |v: usize| &by_target[in_start[v] as usize..in_start[v + 1] as usize];

    // Kahn's algorithm; the graph is acyclic, so every node gets an order.
    let mut missing: Vec<u32> = (0..n).map(|v| pred(v).len() as u32).collect();
    let mut topo: Vec<u32> = (0..n as u32)
        .filter(|&v| missing[v as usize] == 0)
        .collect();
    let mut rank = vec![0u32; n];
    let mut i = 0;
    while i < topo.len() {
        let v = topo[i] as usize;
        i += 1;
        for &(_, w) in succ(v) {
            let w = w as usize;
            rank[w] = rank[w].max(rank[v] + 1);
            missing[w] -= 1;
            if missing[w] == 0 {
                topo.push(w as u32);
            }
        }
    }
    debug_assert_eq!(topo.len(), n, "cycle left after cycle breaking");

    for _ in 0..SLIDE_ROUNDS {
        let mut moved = false;
        for &v in topo.iter().rev() {
            let v = v as usize;
            if succ(v).len() > pred(v).len() {
                let lowest = succ(v).iter().map(|&(_, w)| rank[w as usize]).min();
                if let Some(lowest) = lowest
                    && lowest - 1 > rank[v]
                {
                    rank[v] = lowest - 1;
                    moved = true;
                }
            }
        }
        for &v in &topo {
            let v = v as usize;
            if pred(v).len() > succ(v).len() {
                let highest = pred(v).iter().map(|&(_, u)| rank[u as usize]).max();
                if let Some(highest) = highest
                    && highest + 1 < rank[v]
                {
                    rank[v] = highest + 1;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    rank
}
