//! One component from ranks to drawing: layers, order, coordinates, and edge polylines.
//!
//! Each layer is a horizontal band as tall as its tallest node. An edge runs straight down
//! through every band it crosses, at its dummy's x, which Brandes–Köpf keeps clear of boxes, and
//! bends only in the empty gaps between bands; so no segment can enter a box.

use super::components::Component;
use super::layered::{Layered, Ranked};
use super::{Point, order, position};

pub(super) struct DrawnComponent {
    /// Centres, in the component's node order.
    pub nodes: Vec<Point>,
    /// Polylines, in the component's edge order, from source to target.
    pub routes: Vec<Vec<Point>>,
    pub width: f64,
    pub height: f64,
}

pub(super) fn component(component: &Component, graph: &Ranked) -> DrawnComponent {
    if let ([v], []) = (component.nodes.as_slice(), component.edges.as_slice()) {
        let (w, h) = (graph.widths[*v as usize], graph.heights[*v as usize]);
        return DrawnComponent {
            nodes: vec![Point {
                x: w / 2.0,
                y: h / 2.0,
            }],
            routes: Vec::new(),
            width: w,
            height: h,
        };
    }
    let mut g = Layered::new(component, graph);
    order::order(&mut g);
    let mut x = position::x_coordinates(&g, graph.spacing.node);
    let left = (0..g.len())
        .map(|v| x[v] - g.width[v] / 2.0)
        .fold(f64::INFINITY, f64::min);
    x.iter_mut().for_each(|x| *x -= left);
    let width = (0..g.len())
        .map(|v| x[v] + g.width[v] / 2.0)
        .fold(0.0, f64::max);

    let mut bands = Vec::with_capacity(g.layers.len());
    let mut top = 0.0;
    for layer in &g.layers {
        let height = layer
            .iter()
            .map(|&v| g.height[v as usize])
            .fold(0.0, f64::max);
        bands.push(Band { top, height });
        top += height + graph.spacing.rank;
    }
    let height = bands.last().map_or(0.0, |band| band.top + band.height);

    let drawing = Drawing {
        g: &g,
        x: &x,
        bands: &bands,
    };
    DrawnComponent {
        nodes: (0..g.real as u32).map(|v| drawing.centre(v)).collect(),
        routes: (0..component.edges.len())
            .map(|e| drawing.route(e))
            .collect(),
        width,
        height,
    }
}

#[derive(Debug, Clone, Copy)]
struct Band {
    top: f64,
    height: f64,
}

impl Band {
    fn bottom(self) -> f64 {
        self.top + self.height
    }
}

struct Drawing<'a> {
    g: &'a Layered,
    x: &'a [f64],
    bands: &'a [Band],
}

impl Drawing<'_> {
    fn band(&self, v: u32) -> Band {
        self.bands[self.g.rank[v as usize] as usize]
    }

    fn centre(&self, v: u32) -> Point {
        let band = self.band(v);
        Point {
            x: self.x[v as usize],
            y: band.top + band.height / 2.0,
        }
    }

    /// Where the line from `v`'s centre towards `towards` crosses the horizontal line `y`,
    /// kept within `v`'s box.
    fn port_x(&self, v: u32, towards: Point, y: f64) -> f64 {
        let centre = self.centre(v);
        let half = self.g.width[v as usize] / 2.0;
        let dy = towards.y - centre.y;
        let x = if dy.abs() > f64::EPSILON {
            centre.x + (towards.x - centre.x) * (y - centre.y) / dy
        } else {
            centre.x
        };
        x.clamp(centre.x - half, centre.x + half)
    }

    fn route(&self, e: usize) -> Vec<Point> {
        let chain = self.g.chain(e);
        let (source, target) = (chain[0], chain[chain.len() - 1]);
        let next = chain[1];
        let aim = Point {
            x: self.x[next as usize],
            y: self.band(next).top,
        };
        let mut points = Vec::with_capacity(2 * chain.len() + 2);

        // Leave through the bottom of the source box, then straight down to the band's bottom.
        let box_bottom = self.centre(source).y + self.g.height[source as usize] / 2.0;
        let x = self.port_x(source, aim, box_bottom);
        points.push(Point { x, y: box_bottom });
        points.push(Point {
            x,
            y: self.band(source).bottom(),
        });
        // Straight down through every band the edge crosses.
        for &dummy in &chain[1..chain.len() - 1] {
            let band = self.band(dummy);
            let x = self.x[dummy as usize];
            points.push(Point { x, y: band.top });
            points.push(Point {
                x,
                y: band.bottom(),
            });
        }
        // Into the target band above the target box, aiming at its centre, then down to it.
        let from = points[points.len() - 1];
        let band_top = self.band(target).top;
        let x = self.port_x(target, from, band_top);
        points.push(Point { x, y: band_top });
        points.push(Point {
            x,
            y: self.centre(target).y - self.g.height[target as usize] / 2.0,
        });
        simplify(points)
    }
}

/// Drops repeated points and the middle of straight runs, keeping both ends.
fn simplify(points: Vec<Point>) -> Vec<Point> {
    const EPS: f64 = 1e-9;
    let last = points.len() - 1;
    let mut kept: Vec<Point> = Vec::with_capacity(points.len());
    for (i, p) in points.into_iter().enumerate() {
        if let Some(&q) = kept.last()
            && (q.x - p.x).abs() < EPS
            && (q.y - p.y).abs() < EPS
            && i != last
        {
            continue;
        }
        if let [.., a, b] = kept[..] {
            let cross = (b.x - a.x) * (p.y - b.y) - (b.y - a.y) * (p.x - b.x);
            let dot = (b.x - a.x) * (p.x - b.x) + (b.y - a.y) * (p.y - b.y);
            if cross.abs() < EPS && dot >= 0.0 {
                kept.pop();
            }
        }
        kept.push(p);
    }
    kept
}
