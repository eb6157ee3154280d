//! Pipeline graphs at scale, two ways. First the layout alone, on generated pipeline-like DAGs
//! of 100, 1,000 and 5,000 tasks (fan-in, fan-out, one edge in ten skipping layers). Then the
//! whole path from a file to a drawing: a generated KFP v2 YAML file of that many tasks parsed,
//! built into a graph, its groups opened and laid out (what the upload preview and the
//! pipeline page do). Prints median times; run with `cargo bench -p server --bench layout`.

use app::domain::layout::{Direction, LayoutInput, LayoutNode, layout};
use std::time::{Duration, Instant};

/// Deterministic xorshift, so every run lays out the same graphs.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Layers of 1 to 12 tasks; each task has one or two parents, one in ten from two to five
/// layers up; boxes the size the pipeline view draws (160×40) give or take.
fn pipeline(tasks: usize, seed: u64) -> LayoutInput {
    let mut rng = Rng(seed);
    let mut layers: Vec<Vec<usize>> = Vec::new();
    let mut next = 0;
    while next < tasks {
        let width = (1 + rng.below(12)).min(tasks - next);
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
    LayoutInput {
        nodes: (0..tasks)
            .map(|_| LayoutNode {
                width: 120.0 + rng.below(80) as f64,
                height: 40.0,
            })
            .collect(),
        edges,
        direction: Direction::TopToBottom,
        node_gap: 24.0,
        rank_gap: 48.0,
    }
}

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:.2} ms  (min {:.2}, max {:.2}, {} rounds)",
        ms(samples[samples.len() / 2]),
        ms(samples[0]),
        ms(samples[samples.len() - 1]),
        samples.len()
    )
}

fn main() {
    layout_alone();
    file_to_drawing();
}

fn file_to_drawing() {
    use app::domain::graph_drawing::draw;
    use app::domain::pipeline::{is_group, parse_pipeline_file, synthetic};
    for (tasks, rounds) in [(100, 100), (1_000, 15), (5_000, 5)] {
        let yaml = synthetic::v2_pipeline_yaml(tasks);
        let mut parse = Vec::with_capacity(rounds);
        let mut total = Vec::with_capacity(rounds);
        let mut shown = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let graph = parse_pipeline_file("synthetic.yaml", yaml.as_bytes()).expect("parses");
            parse.push(started.elapsed());
            let open = (graph.nodes.iter())
                .filter(|node| is_group(&node.kind))
                .map(|node| node.id.clone())
                .collect();
            let drawing = std::hint::black_box(draw(&graph, &open));
            total.push(started.elapsed());
            shown = drawing.nodes.len();
        }
        println!(
            "file → drawing {tasks:>5} tasks ({} KiB of YAML, {shown} nodes drawn): parse+build {}; parse+build+layout {}",
            yaml.len() / 1024,
            summary(parse),
            summary(total)
        );
    }
}

fn layout_alone() {
    for (tasks, rounds) in [(100, 200), (1_000, 30), (5_000, 7)] {
        let input = pipeline(tasks, 42);
        let mut samples = Vec::with_capacity(rounds);
        let mut drawn = None;
        for _ in 0..rounds {
            let started = Instant::now();
            drawn = Some(std::hint::black_box(layout(&input)));
            samples.push(started.elapsed());
        }
        let drawn = drawn.expect("at least one round");
        let bends: usize = drawn.edges.iter().map(|line| line.len() - 2).sum();
        println!(
            "layout {tasks:>5} tasks, {:>5} edges: {}; drawing {:.0}x{:.0}, {bends} bends",
            input.edges.len(),
            summary(samples),
            drawn.width,
            drawn.height
        );
    }
}
