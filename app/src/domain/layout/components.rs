//! Weakly connected components, which are laid out apart and placed side by side.

/// A weakly connected component: its nodes (ascending ids) and its acyclic edges.
pub(super) struct Component {
    pub nodes: Vec<u32>,
    pub edges: Vec<u32>,
}

/// Weakly connected components, ordered by their smallest node id, and each node's index
/// within its component.
pub(super) fn split(n: usize, edges: &[(u32, u32)]) -> (Vec<Component>, Vec<u32>) {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(parent: &mut [u32], mut v: u32) -> u32 {
        while parent[v as usize] != v {
            let up = parent[parent[v as usize] as usize];
            parent[v as usize] = up;
            v = up;
        }
        v
    }
    for &(a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        // The smaller id becomes the root, so a root is its component's smallest node.
        if ra < rb {
            parent[rb as usize] = ra;
        } else if rb < ra {
            parent[ra as usize] = rb;
        }
    }
    let mut slot = vec![u32::MAX; n];
    let mut components: Vec<Component> = Vec::new();
    let mut local = vec![0u32; n];
    for v in 0..n as u32 {
        let root = find(&mut parent, v) as usize;
        if slot[root] == u32::MAX {
            slot[root] = components.len() as u32;
            components.push(Component {
                nodes: Vec::new(),
                edges: Vec::new(),
            });
        }
        let nodes = &mut components[slot[root] as usize].nodes;
        local[v as usize] = nodes.len() as u32;
        nodes.push(v);
    }
    for (e, &(a, _)) in edges.iter().enumerate() {
        let root = find(&mut parent, a) as usize;
        components[slot[root] as usize].edges.push(e as u32);
    }
    (components, local)
}
