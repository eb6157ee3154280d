//! One component as a proper layered graph: ranks compacted from 0, and zero-size dummy nodes
//! on every edge that spans more than one rank, so all links join adjacent layers.

use std::collections::HashMap;

use super::Spacing;
use super::components::Component;
use super::rank::offsets;

/// Adjacency lists packed into one array: the neighbours of `v` are `items[start[v]..start[v+1]]`.
pub(super) struct Adjacency {
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Adjacency {
    /// From `(key, neighbour)` pairs in any order, repeats ignored.
    fn new(n: usize, mut pairs: Vec<(u32, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let start = offsets(n, pairs.iter().map(|&(key, _)| key));
        let items = pairs.into_iter().map(|(_, item)| item).collect();
        Adjacency { start, items }
    }

    pub fn of(&self, v: u32) -> &[u32] {
        &self.items[self.start[v as usize] as usize..self.start[v as usize + 1] as usize]
    }

    /// Sorts every list by `key`.
    pub fn sort_by_key(&mut self, key: impl Fn(u32) -> u32) {
        for v in 0..self.start.len() - 1 {
            let (from, to) = (self.start[v] as usize, self.start[v + 1] as usize);
            self.items[from..to].sort_unstable_by_key(|&w| key(w));
        }
    }
}

/// The whole graph once ranked, in top-to-bottom terms, indexed by global node id.
pub(super) struct Ranked<'a> {
    pub acyclic: &'a [(u32, u32)],
    pub ranks: &'a [u32],
    /// Each node's index within its component.
    pub local: &'a [u32],
    pub widths: &'a [f64],
    pub heights: &'a [f64],
    pub spacing: Spacing,
}

pub(super) struct Layered {
    /// Nodes `0..real` are the component's nodes (in its order); the rest are dummies.
    pub real: usize,
    pub width: Vec<f64>,
    pub height: Vec<f64>,
    pub rank: Vec<u32>,
    /// Nodes of each rank, left to right once ordered.
    pub layers: Vec<Vec<u32>>,
    /// Index of each node in its layer.
    pub pos: Vec<u32>,
    pub preds: Adjacency,
    pub succs: Adjacency,
    /// For each of the component's edges, `chain[chain_start[e]..chain_start[e + 1]]` is the
    /// source, its dummies and the target.
    chain: Vec<u32>,
    chain_start: Vec<u32>,
}

impl Layered {
    pub fn new(component: &Component, graph: &Ranked) -> Self {
        let Ranked {
            acyclic,
            ranks,
            local,
            widths,
            heights,
            ..
        } = *graph;
        let real = component.nodes.len();
        // Ranks without any of this component's nodes are dropped, so ranks run 0, 1, 2...
        let mut used: Vec<u32> = component.nodes.iter().map(|&v| ranks[v as usize]).collect();
        used.sort_unstable();
        used.dedup();
        let compact = |v: u32| used.binary_search(&ranks[v as usize]).unwrap_or(0) as u32;
        let mut rank: Vec<u32> = component.nodes.iter().map(|&v| compact(v)).collect();
        let mut width: Vec<f64> = component
            .nodes
            .iter()
            .map(|&v| widths[v as usize])
            .collect();
        let mut height: Vec<f64> = component
            .nodes
            .iter()
            .map(|&v| heights[v as usize])
            .collect();

        let ends: Vec<(u32, u32)> = component
            .edges
            .iter()
            .map(|&e| {
                let (a, b) = acyclic[e as usize];
                (local[a as usize], local[b as usize])
            })
            .collect();
        let is_long = |(a, b): (u32, u32)| rank[b as usize] > rank[a as usize] + 1;
        let (mut long_out, mut long_in) = (vec![0u32; real], vec![0u32; real]);
        for &(a, b) in ends.iter().filter(|&&edge| is_long(edge)) {
            long_out[a as usize] += 1;
            long_in[b as usize] += 1;
        }

        // Long edges share dummies: those of a source with several long edges run down one
        // trunk that branches off at each target; otherwise those into a target with several
        // join one trunk into it. A task consumed all the way down a deep pipeline then costs
        // one dummy per layer, not one per edge per layer.
        let mut trunks: HashMap<(u32, u32), u32> = HashMap::new();
        let mut chain = Vec::with_capacity(ends.len() * 2);
        let mut chain_start = Vec::with_capacity(ends.len() + 1);
        let mut links = Vec::with_capacity(ends.len());
        chain_start.push(0);
        for &(a, b) in &ends {
            let owner = if long_out[a as usize] < 2 && long_in[b as usize] >= 2 {
                b
            } else {
                a
            };
            let mut previous = a;
            chain.push(a);
            for r in rank[a as usize] + 1..rank[b as usize] {
                let dummy = *trunks.entry((owner, r)).or_insert_with(|| {
                    rank.push(r);
                    width.push(0.0);
                    height.push(0.0);
                    rank.len() as u32 - 1
                });
                links.push((previous, dummy));
                chain.push(dummy);
                previous = dummy;
            }
            links.push((previous, b));
            chain.push(b);
            chain_start.push(chain.len() as u32);
        }

        let n = rank.len();
        let layer_count = used.len();
        let preds = Adjacency::new(n, links.iter().map(|&(a, b)| (b, a)).collect());
        let succs = Adjacency::new(n, links);
        Layered {
            real,
            width,
            height,
            rank,
            layers: vec![Vec::new(); layer_count],
            pos: vec![0; n],
            preds,
            succs,
            chain,
            chain_start,
        }
    }

    pub fn len(&self) -> usize {
        self.rank.len()
    }

    pub fn is_dummy(&self, v: u32) -> bool {
        v as usize >= self.real
    }

    /// Source, dummies and target of the component's edge `e`.
    pub fn chain(&self, e: usize) -> &[u32] {
        &self.chain[self.chain_start[e] as usize..self.chain_start[e + 1] as usize]
    }

    /// Sets `pos` from `layers`.
    pub fn index_layers(&mut self) {
        for layer in &self.layers {
            for (i, &v) in layer.iter().enumerate() {
                self.pos[v as usize] = i as u32;
            }
        }
    }
}
