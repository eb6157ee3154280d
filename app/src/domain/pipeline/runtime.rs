//! A run's graph from its Argo Workflow's `status.nodes` (or `compressedNodes`), as KFP's v1
//! run page draws it: Argo's bookkeeping nodes (step groups, inner DAGs, retries) are spliced
//! out, and a placeholder follows every step still going.

use super::archive::gunzip;
use super::argo;
use super::error::Source;
use super::tree::Tree;
use super::{MAX_DECOMPRESSED_BYTES, MAX_FILE_BYTES, text};
use crate::model::pipeline::{
    GraphEdge, GraphNode, NodeKind, NodePhase, NodeRun, PipelineFormat, PipelineGraph,
    PipelineParseError, RunValue, RunValueKind,
};
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// The template annotation KFP sets to a task's display name.
const TASK_DISPLAY_NAME_ANNOTATION: &str = "pipelines.kubeflow.org/task_display_name";
const PLACEHOLDER_SUFFIX: &str = "-running-placeholder";
/// Argo node types that only organise other nodes (when inside another node).
const VIRTUAL_TYPES: [&str; 4] = ["StepGroup", "DAG", "TaskGroup", "Retry"];

/// One entry of `status.nodes`, with the fields the graph reads.
struct ArgoNode<'a> {
    id: String,
    name: String,
    display_name: Option<String>,
    node_type: String,
    template_name: Option<String>,
    phase: NodePhase,
    boundary_id: Option<String>,
    children: Vec<String>,
    outbound_nodes: Vec<String>,
    status: &'a Tree,
}

impl<'a> ArgoNode<'a> {
    /// Argo keys `status.nodes` by node id; the id inside wins when set.
    fn read(key: &str, node: &'a Tree) -> Self {
        Self {
            id: node.text_at("id").unwrap_or_else(|| key.to_owned()),
            name: node.text_at("name").unwrap_or_default(),
            display_name: node.text_at("displayName"),
            node_type: node.text_at("type").unwrap_or_default(),
            template_name: node.text_at("templateName"),
            phase: NodePhase::from_argo(&node.text_at("phase").unwrap_or_default()),
            boundary_id: node.text_at("boundaryID"),
            children: node.get("children").texts(),
            outbound_nodes: node.get("outboundNodes").texts(),
            status: node,
        }
    }

    fn is_virtual(&self) -> bool {
        VIRTUAL_TYPES.contains(&self.node_type.as_str()) && self.boundary_id.is_some()
    }
}

/// The graph of a run, from its Workflow as the Kubernetes API returns it.
pub fn run_graph(workflow: &Value) -> Result<PipelineGraph, PipelineParseError> {
    let name = workflow
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("workflow");
    let source = Source::new(name);
    let workflow = Tree::deserialize(workflow)
        .map_err(|error| source.syntax(None, format!("not an Argo Workflow: {error}")))?;
    graph(&source, &workflow)
}

/// The graph of a run from a Workflow's JSON text.
pub(super) fn run_graph_of_json(
    source: &Source,
    bytes: &[u8],
) -> Result<PipelineGraph, PipelineParseError> {
    graph(source, &text::json(source, bytes)?)
}

fn graph(source: &Source, workflow: &Tree) -> Result<PipelineGraph, PipelineParseError> {
    let name = argo::workflow_name(workflow);
    let status = workflow.get("status");
    let decompressed = match status.text_at("compressedNodes") {
        Some(compressed) => decompress_nodes(source, &compressed)?,
        None => Tree::Null,
    };
    let nodes_map = match &decompressed {
        Tree::Null => status.get("nodes"),
        decompressed => decompressed,
    };
    let nodes: Vec<ArgoNode> = (nodes_map.entries().iter())
        .map(|(key, node)| ArgoNode::read(&key.text, node))
        .collect();
    let spec = workflow.get("spec");
    let templates = argo::templates(spec);
    let drawing = Drawing::new(&nodes, &name);
    let on_exit = format!("{name}.onExit");
    let mut graph_nodes = Vec::with_capacity(drawing.kept.len());
    for &index in &drawing.kept {
        graph_nodes.push(match index.checked_sub(nodes.len()) {
            Some(of) => placeholder(&nodes[drawing.placeholders[of]]),
            None => {
                let node = &nodes[index];
                let template = node.template_name.as_deref().and_then(|t| templates.get(t));
                let is_exit = node.name == on_exit;
                let display_name = template.and_then(|template| {
                    (template.get("metadata").get("annotations"))
                        .text_at(TASK_DISPLAY_NAME_ANNOTATION)
                });
                let label = match (display_name, is_exit) {
                    (Some(display_name), _) => display_name,
                    (None, true) => {
                        format!(
                            "onExit - {}",
                            node.template_name.as_deref().unwrap_or_default()
                        )
                    }
                    (None, false) => node.display_name.clone().unwrap_or_else(|| node.id.clone()),
                };
                GraphNode {
                    id: node.id.clone(),
                    task: node
                        .display_name
                        .clone()
                        .unwrap_or_else(|| node.name.clone()),
                    label,
                    parent: None,
                    kind: if is_exit {
                        NodeKind::ExitHook
                    } else {
                        NodeKind::Task
                    },
                    component: node.template_name.clone(),
                    executor: template.and_then(|template| argo::executor(template)),
                    condition: None,
                    run: Some(node_run(node)),
                }
            }
        });
    }
    let id = |index: usize| &graph_nodes[drawing.position[&index]].id;
    let edges = (drawing.edges.iter())
        .map(|&(from, to)| GraphEdge::new(id(from), id(to)))
        .collect();
    Ok(PipelineGraph {
        format: PipelineFormat::ArgoRun,
        inputs: argo::inputs(spec, &Tree::Null),
        name,
        display_name: None,
        description: None,
        nodes: graph_nodes,
        edges,
    })
}

/// Which Argo nodes are drawn and how they connect. Indices below `nodes.len()` are Argo
/// nodes; above, placeholders.
struct Drawing {
    kept: Vec<usize>,
    /// The Argo node each placeholder follows.
    placeholders: Vec<usize>,
    edges: Vec<(usize, usize)>,
    /// Where each kept index is in `kept`.
    position: HashMap<usize, usize>,
}

impl Drawing {
    fn new(nodes: &[ArgoNode<'_>], workflow: &str) -> Self {
        let count = nodes.len();
        let index: HashMap<&str, usize> = (nodes.iter().enumerate())
            .map(|(i, node)| (node.id.as_str(), i))
            .collect();
        let mut links = Links::new(count * 2);
        let root = index.get(workflow).copied();
        let on_exit = format!("{workflow}.onExit");
        if let (Some(exit), Some(root)) = (nodes.iter().position(|n| n.name == on_exit), root) {
            for pod in outbound_pods(nodes, &index, root) {
                links.add(pod, exit);
            }
        }
        // Argo's root node only holds the others; drawn only when it is all there is.
        let mut present = vec![true; count];
        if let Some(root) = root.filter(|_| count > 1) {
            present[root] = false;
        }
        let mut kept = Vec::new();
        let mut placeholders = Vec::new();
        for (i, node) in nodes.iter().enumerate().filter(|&(i, _)| present[i]) {
            kept.push(i);
            if !node.phase.is_finished() && !node.is_virtual() {
                let placeholder = count + placeholders.len();
                placeholders.push(i);
                kept.push(placeholder);
                links.add(i, placeholder);
            }
        }
        let lookup = |id: &str| index.get(id).copied().filter(|&i| present[i]);
        for (i, node) in nodes.iter().enumerate().filter(|&(i, _)| present[i]) {
            for child in node.children.iter().filter_map(|child| lookup(child)) {
                links.add(i, child);
            }
        }
        // A node nothing leads to hangs from the node that encloses it.
        for (i, node) in nodes.iter().enumerate().filter(|&(i, _)| present[i]) {
            let boundary = node.boundary_id.as_deref().filter(|&id| id != workflow);
            if let Some(boundary) = boundary.and_then(lookup)
                && links.into[i].is_empty()
            {
                links.add(boundary, i);
            }
        }
        let spliced: Vec<usize> = (0..count)
            .filter(|&i| present[i] && nodes[i].is_virtual())
            .collect();
        for i in spliced {
            links.splice_out(i);
            present[i] = false;
        }
        kept.retain(|&i| i >= count || present[i]);
        let position: HashMap<usize, usize> =
            kept.iter().enumerate().map(|(at, &i)| (i, at)).collect();
        let edges = (kept.iter())
            .flat_map(|&from| links.out[from].iter().map(move |&to| (from, to)))
            .filter(|(_, to)| position.contains_key(to))
            .collect();
        Self {
            kept,
            placeholders,
            edges,
            position,
        }
    }
}

/// A directed graph without duplicate edges, in both directions.
struct Links {
    out: Vec<BTreeSet<usize>>,
    into: Vec<BTreeSet<usize>>,
}

impl Links {
    fn new(count: usize) -> Self {
        Self {
            out: vec![BTreeSet::new(); count],
            into: vec![BTreeSet::new(); count],
        }
    }

    fn add(&mut self, from: usize, to: usize) {
        self.out[from].insert(to);
        self.into[to].insert(from);
    }

    /// Removes `node`, connecting each of its parents to each of its children.
    fn splice_out(&mut self, node: usize) {
        let parents = std::mem::take(&mut self.into[node]);
        let children = std::mem::take(&mut self.out[node]);
        for &parent in &parents {
            self.out[parent].remove(&node);
        }
        for &child in &children {
            self.into[child].remove(&node);
            for &parent in &parents {
                self.add(parent, child);
            }
        }
    }
}

/// The pods a node finishes with (Argo's `outboundNodes`, followed down to pods).
fn outbound_pods(nodes: &[ArgoNode<'_>], index: &HashMap<&str, usize>, from: usize) -> Vec<usize> {
    let mut pods = Vec::new();
    let mut visited = vec![false; nodes.len()];
    let mut stack = vec![from];
    while let Some(node) = stack.pop() {
        if std::mem::replace(&mut visited[node], true) {
            continue;
        }
        if nodes[node].node_type == "Pod" {
            pods.push(node);
            continue;
        }
        let outbound = nodes[node].outbound_nodes.iter().rev();
        stack.extend(outbound.filter_map(|id| index.get(id.as_str()).copied()));
    }
    pods
}

fn placeholder(running: &ArgoNode<'_>) -> GraphNode {
    GraphNode {
        id: format!("{}{PLACEHOLDER_SUFFIX}", running.id),
        task: String::new(),
        label: String::new(),
        parent: None,
        kind: NodeKind::Placeholder,
        component: None,
        executor: None,
        condition: None,
        run: None,
    }
}

fn node_run(node: &ArgoNode<'_>) -> NodeRun {
    let values = |io: &Tree| -> Vec<RunValue> {
        let parameters = io
            .get("parameters")
            .items()
            .iter()
            .map(|parameter| RunValue {
                name: parameter.text_at("name").unwrap_or_default(),
                kind: RunValueKind::Parameter,
                value: match parameter.get("value") {
                    Tree::Null => None,
                    value => Some(value.text().unwrap_or_else(|| value.to_json().to_string())),
                },
            });
        let artifacts = io.get("artifacts").items().iter().map(|artifact| RunValue {
            name: artifact.text_at("name").unwrap_or_default(),
            kind: RunValueKind::Artifact,
            value: artifact_uri(artifact),
        });
        parameters.chain(artifacts).collect()
    };
    let status = node.status;
    NodeRun {
        phase: node.phase,
        node_type: node.node_type.clone(),
        display_name: node
            .display_name
            .clone()
            .unwrap_or_else(|| node.name.clone()),
        template: node.template_name.clone(),
        started_at: status.text_at("startedAt"),
        finished_at: status.text_at("finishedAt"),
        message: status.text_at("message"),
        inputs: values(status.get("inputs")),
        outputs: values(status.get("outputs")),
    }
}

/// Where an artifact is stored, as a URI (`s3://bucket/key`); the key alone when the bucket
/// is the workflow's default.
fn artifact_uri(artifact: &Tree) -> Option<String> {
    for (field, scheme) in [("s3", "s3"), ("gcs", "gs"), ("oss", "oss")] {
        let location = artifact.get(field);
        if let Some(key) = location.text_at("key") {
            return Some(match location.text_at("bucket") {
                Some(bucket) => format!("{scheme}://{bucket}/{key}"),
                None => key,
            });
        }
    }
    let azure = artifact.get("azure");
    (artifact.get("http").text_at("url")).or_else(|| {
        Some(format!(
            "azure://{}/{}",
            azure.text_at("container")?,
            azure.text_at("blob")?
        ))
    })
}

/// `status.compressedNodes`: the nodes map as gzip'd JSON in base64, as Argo offloads it.
fn decompress_nodes(source: &Source, compressed: &str) -> Result<Tree, PipelineParseError> {
    let field = "status.compressedNodes";
    if compressed.len() > MAX_FILE_BYTES / 3 * 4 + 4 {
        return Err(source.too_large(format!("{field} is larger than the file limit")));
    }
    let gzipped = base64::engine::general_purpose::STANDARD
        .decode(compressed.trim())
        .map_err(|error| source.field(None, field, format!("not base64: {error}")))?;
    let json = gunzip(&gzipped, MAX_DECOMPRESSED_BYTES).map_err(|error| match error {
        Some(limit) => source.too_large(format!("{field} decompresses to more than {limit}")),
        None => source.field(None, field, "not gzip-compressed"),
    })?;
    text::json(&source.member(field), &json)
}
