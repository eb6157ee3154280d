//! What can be asked of a pipeline graph: its groups' containment, a flat drawing, its depth,
//! the dependencies that remain once implied ones are dropped, and cycles.

use crate::model::pipeline::{GraphEdge, NodeKind, PipelineGraph};
use std::collections::{HashMap, HashSet};

/// One edge per group and child: the containment that `GraphNode::parent` records.
pub fn containment_edges(graph: &PipelineGraph) -> Vec<GraphEdge> {
    graph
        .nodes
        .iter()
        .filter_map(|node| Some(GraphEdge::new(node.parent.as_deref()?, &node.id)))
        .collect()
}

/// The graph drawn flat, groups as ordinary nodes (KFP v1's static graph): the dependencies,
/// plus an edge from each group to each child that waits for nothing inside it.
pub fn flat_edges(graph: &PipelineGraph) -> Vec<GraphEdge> {
    let waiting: HashSet<&str> = graph.edges.iter().map(|edge| edge.to.as_str()).collect();
    let entries = graph.nodes.iter().filter_map(|node| {
        let parent = node.parent.as_deref()?;
        (!waiting.contains(node.id.as_str())).then(|| GraphEdge::new(parent, &node.id))
    });
    graph.edges.iter().cloned().chain(entries).collect()
}

/// How many levels of groups the graph has: 1 when it has no groups, 0 when it is empty.
pub fn nesting_depth(graph: &PipelineGraph) -> usize {
    let mut depth: HashMap<&str, usize> = HashMap::with_capacity(graph.nodes.len());
    let mut deepest = 0;
    // Parents come before their children.
    for node in &graph.nodes {
        let level = node
            .parent
            .as_deref()
            .and_then(|parent| depth.get(parent))
            .map_or(1, |parent| parent + 1);
        depth.insert(&node.id, level);
        deepest = deepest.max(level);
    }
    deepest
}

/// Whether the node holds other nodes.
pub fn is_group(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Group { .. })
}

/// The edges left when every edge implied by a longer path is dropped (the "simplify graph"
/// switch), in their original order. Duplicates go too. A graph with a cycle has no unique
/// reduction and comes back deduplicated only.
pub fn transitive_reduction(edges: &[GraphEdge]) -> Vec<GraphEdge> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut pairs = Vec::with_capacity(edges.len());
    let mut seen = HashSet::with_capacity(edges.len());
    for edge in edges {
        let next = ids.len();
        let from = *ids.entry(edge.from.as_str()).or_insert(next);
        let next = ids.len();
        let to = *ids.entry(edge.to.as_str()).or_insert(next);
        if seen.insert((from, to)) {
            pairs.push((from, to, edge));
        }
    }
    let simple: Vec<(usize, usize)> = pairs.iter().map(|&(from, to, _)| (from, to)).collect();
    let Some(redundant) = implied_edges(ids.len(), &simple) else {
        return pairs.into_iter().map(|(_, _, edge)| edge.clone()).collect();
    };
    pairs
        .into_iter()
        .filter(|&(from, to, _)| !redundant.contains(&(from, to)))
        .map(|(_, _, edge)| edge.clone())
        .collect()
}

/// The edges `u → v` that some longer path from `u` also reaches `v` by; None with a cycle.
fn implied_edges(count: usize, edges: &[(usize, usize)]) -> Option<HashSet<(usize, usize)>> {
    let order = topological_order(count, edges)?;
    let mut successors = vec![Vec::new(); count];
    for &(from, to) in edges {
        successors[from].push(to);
    }
    // Bitsets take n²/8 bytes: 8 MiB at this size. Bigger graphs search instead.
    Some(if count <= 8192 {
        implied_by_bitsets(&successors, &order)
    } else {
        implied_by_search(&successors)
    })
}

/// What each node reaches, filled in reverse topological order, one bitset per node.
fn implied_by_bitsets(successors: &[Vec<usize>], order: &[usize]) -> HashSet<(usize, usize)> {
    let words = successors.len().div_ceil(64);
    let mut reach = vec![0u64; successors.len() * words];
    let mut redundant = HashSet::new();
    let reaches = |reach: &[u64], from: usize, to: usize| {
        reach[from * words + to / 64] & (1 << (to % 64)) != 0
    };
    for &node in order.iter().rev() {
        let mut row = vec![0u64; words];
        for &next in &successors[node] {
            row[next / 64] |= 1 << (next % 64);
            for (word, bits) in row.iter_mut().zip(&reach[next * words..(next + 1) * words]) {
                *word |= bits;
            }
        }
        for &next in &successors[node] {
            if successors[node]
                .iter()
                .any(|&other| other != next && reaches(&reach, other, next))
            {
                redundant.insert((node, next));
            }
        }
        reach[node * words..(node + 1) * words].copy_from_slice(&row);
    }
    redundant
}

/// A search from each node's successors, marking what they reach through one edge or more.
fn implied_by_search(successors: &[Vec<usize>]) -> HashSet<(usize, usize)> {
    let mut redundant = HashSet::new();
    let mut stamp = vec![usize::MAX; successors.len()];
    let mut stack = Vec::new();
    for (node, nexts) in successors.iter().enumerate() {
        if nexts.len() < 2 {
            continue;
        }
        for &next in nexts {
            stack.extend(successors[next].iter().copied());
        }
        while let Some(reached) = stack.pop() {
            if stamp[reached] != node {
                stamp[reached] = node;
                stack.extend(successors[reached].iter().copied());
            }
        }
        for &next in nexts {
            if stamp[next] == node {
                redundant.insert((node, next));
            }
        }
    }
    redundant
}

/// Kahn's order of the nodes, or None when they form a cycle.
fn topological_order(count: usize, edges: &[(usize, usize)]) -> Option<Vec<usize>> {
    let mut successors = vec![Vec::new(); count];
    let mut waiting_for = vec![0usize; count];
    for &(from, to) in edges {
        successors[from].push(to);
        waiting_for[to] += 1;
    }
    let mut order: Vec<usize> = (0..count).filter(|&node| waiting_for[node] == 0).collect();
    let mut next = 0;
    while next < order.len() {
        for &to in &successors[order[next]] {
            waiting_for[to] -= 1;
            if waiting_for[to] == 0 {
                order.push(to);
            }
        }
        next += 1;
    }
    (order.len() == count).then_some(order)
}

/// Some cycle among `count` nodes, as the nodes along it (`c0 → c1 → … → c0`), if any.
pub(super) fn find_cycle(count: usize, edges: &[(usize, usize)]) -> Option<Vec<usize>> {
    let mut predecessors = vec![Vec::new(); count];
    let mut successors = vec![Vec::new(); count];
    let mut waiting_for = vec![0usize; count];
    for &(from, to) in edges {
        predecessors[to].push(from);
        successors[from].push(to);
        waiting_for[to] += 1;
    }
    let mut ready: Vec<usize> = (0..count).filter(|&node| waiting_for[node] == 0).collect();
    while let Some(node) = ready.pop() {
        for &to in &successors[node] {
            waiting_for[to] -= 1;
            if waiting_for[to] == 0 {
                ready.push(to);
            }
        }
    }
    // Every node left waits for another node left: walk back until a node repeats.
    let start = (0..count).find(|&node| waiting_for[node] > 0)?;
    let mut walked = vec![start];
    let mut position = HashMap::from([(start, 0)]);
    let mut node = start;
    loop {
        node = *predecessors[node]
            .iter()
            .find(|&&previous| waiting_for[previous] > 0)?;
        if let Some(&first) = position.get(&node) {
            let mut cycle = walked[first..].to_vec();
            cycle.reverse();
            return Some(cycle);
        }
        position.insert(node, walked.len());
        walked.push(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(pairs: &[(&str, &str)]) -> Vec<GraphEdge> {
        pairs
            .iter()
            .map(|(from, to)| GraphEdge::new(*from, *to))
            .collect()
    }

    #[test]
    fn reduction_drops_implied_edges_and_duplicates() {
        let input = edges(&[
            ("a", "b"),
            ("a", "c"),
            ("b", "c"),
            ("a", "b"),
            ("c", "d"),
            ("a", "d"),
        ]);
        assert_eq!(
            transitive_reduction(&input),
            edges(&[("a", "b"), ("b", "c"), ("c", "d")])
        );
    }

    #[test]
    fn reduction_keeps_a_cyclic_graph_whole() {
        let input = edges(&[("a", "b"), ("b", "a"), ("a", "b")]);
        assert_eq!(
            transitive_reduction(&input),
            edges(&[("a", "b"), ("b", "a")])
        );
    }

    #[test]
    fn bitsets_and_search_find_the_same_implied_edges() {
        // Every node also reaches two and seven steps ahead directly: both are implied.
        let pairs: Vec<(usize, usize)> = (0..300)
            .flat_map(|node| [(node, node + 1), (node, node + 2), (node, node + 7)])
            .collect();
        let mut successors = vec![Vec::new(); 310];
        for &(from, to) in &pairs {
            successors[from].push(to);
        }
        let order = topological_order(310, &pairs).unwrap();
        let bitsets = implied_by_bitsets(&successors, &order);
        assert_eq!(bitsets, implied_by_search(&successors));
        // Nodes from 300 on lead nowhere: only direct edges reach 302…306 (from 295…299)
        // and 301 from 299.
        assert_eq!(bitsets.len(), 600 - 6);
        assert!(bitsets.contains(&(294, 301)) && !bitsets.contains(&(295, 302)));
        assert!(!bitsets.contains(&(299, 301)));
        assert!(!bitsets.contains(&(5, 6)));
    }

    #[test]
    fn cycles_are_found_in_dependency_order() {
        assert_eq!(find_cycle(3, &[(0, 1), (1, 2)]), None);
        let cycle = find_cycle(4, &[(0, 1), (1, 2), (2, 3), (3, 1)]).unwrap();
        assert_eq!(cycle.len(), 3);
        for (i, &node) in cycle.iter().enumerate() {
            let next = cycle[(i + 1) % cycle.len()];
            assert!([(1, 2), (2, 3), (3, 1)].contains(&(node, next)));
        }
        assert_eq!(find_cycle(2, &[(1, 1)]), Some(vec![1]));
    }
}
