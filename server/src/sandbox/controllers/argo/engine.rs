//! Argo's workflow controller in miniature: [`advance`] moves a Workflow one step (new pods
//! Pending, Pending → Running → Succeeded or Failed; DAGs, steps and loops settle when their
//! tasks have), so tests drive it with whatever clock they like.

use super::expr::{self, Expr};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};

/// Argo offloads node status past this: `status.compressedNodes` instead of `status.nodes`.
pub(crate) const INLINE_NODES_LIMIT: usize = 256 * 1024;
/// Nodes one workflow may have; loops over huge lists stop here with an error.
pub(crate) const MAX_NODES: usize = 5_000;
/// How deep templates may call templates (recursive pipelines end here).
const MAX_NESTING: usize = 24;
/// A run parameter naming the steps that fail (comma-separated task or template names).
pub(crate) const FAIL_STEP_PARAMETER: &str = "fail_step";
/// A task (or template) of this name always fails, as KFP's samples' `fail-op` does.
pub(crate) const FAILING_TASK: &str = "fail-op";
/// The message of nodes stopped by a terminate.
pub(crate) const TERMINATED: &str = "terminated";
const STOPPED: &str = "Stopped with strategy 'Terminate'";

/// One entry of `status.nodes`, in Argo's shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Node {
    pub id: String,
    pub name: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub node_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template_scope: String,
    pub phase: String,
    #[serde(rename = "boundaryID", skip_serializing_if = "Option::is_none")]
    pub boundary_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outbound_nodes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_node_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Io>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Io>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Io {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<String>,
}

impl Io {
    fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|parameter| parameter.name == name)
            .and_then(|parameter| parameter.value.as_deref())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Parameter {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Nothing more will happen to a node (or workflow) in this phase.
pub(crate) fn is_finished(phase: &str) -> bool {
    matches!(
        phase,
        "Succeeded" | "Failed" | "Error" | "Skipped" | "Omitted"
    )
}

fn failed(phase: &str) -> bool {
    matches!(phase, "Failed" | "Error")
}

/// 32-bit FNV-1a, the hash Argo names nodes with.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Argo's node id: the workflow name and the hash of the node's name (the root's is the
/// workflow name itself).
pub(crate) fn node_id(workflow: &str, node_name: &str) -> String {
    if node_name == workflow {
        return workflow.to_string();
    }
    format!("{workflow}-{}", fnv1a(node_name))
}

/// A value's text as Argo substitutes it: strings bare, anything else as compact JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The workflow's nodes, from `status.nodes` or the gzip'd `status.compressedNodes`.
pub(crate) fn read_nodes(status: &Value) -> BTreeMap<String, Node> {
    let from_map = |nodes: &Value| {
        serde_json::from_value::<BTreeMap<String, Node>>(nodes.clone()).unwrap_or_default()
    };
    if let Some(compressed) = status.get("compressedNodes").and_then(Value::as_str) {
        let Ok(gzipped) = base64::engine::general_purpose::STANDARD.decode(compressed.trim())
        else {
            return BTreeMap::new();
        };
        let limit = app::domain::pipeline::MAX_DECOMPRESSED_BYTES;
        let mut json = Vec::new();
        let decoder = flate2::read::GzDecoder::new(gzipped.as_slice());
        if decoder.take(limit).read_to_end(&mut json).is_err() {
            return BTreeMap::new();
        }
        return serde_json::from_slice(&json)
            .map(|nodes: Value| from_map(&nodes))
            .unwrap_or_default();
    }
    status.get("nodes").map(from_map).unwrap_or_default()
}

/// Puts the nodes in `status`: inline, or compressed when they are larger than Argo keeps
/// inline.
pub(crate) fn write_nodes(status: &mut Value, nodes: &BTreeMap<String, Node>) {
    let json = serde_json::to_vec(nodes).unwrap_or_default();
    let Some(map) = status.as_object_mut() else {
        return;
    };
    if json.len() > INLINE_NODES_LIMIT {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gzipped = encoder
            .write_all(&json)
            .and_then(|()| encoder.finish())
            .unwrap_or_default();
        map.remove("nodes");
        map.insert(
            "compressedNodes".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(gzipped)),
        );
    } else {
        map.remove("compressedNodes");
        map.insert(
            "nodes".into(),
            serde_json::to_value(nodes).unwrap_or_default(),
        );
    }
}

/// The workflow was told to stop: `spec.shutdown`, or KFP's terminate
/// (`activeDeadlineSeconds: 0`).
pub(crate) fn stopping(workflow: &Value) -> bool {
    let shutdown = workflow
        .pointer("/spec/shutdown")
        .and_then(Value::as_str)
        .is_some_and(|strategy| !strategy.is_empty());
    shutdown || workflow.pointer("/spec/activeDeadlineSeconds") == Some(&json!(0))
}

/// The workflow's parameters as its steps see them (`{{workflow.parameters.x}}`).
pub(crate) fn parameters(workflow: &Value) -> HashMap<String, String> {
    workflow
        .pointer("/spec/arguments/parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|parameter| {
            let name = parameter.get("name")?.as_str()?.to_string();
            let value = parameter.get("value").or_else(|| parameter.get("default"));
            Some((name, value.map(plain).unwrap_or_default()))
        })
        .collect()
}

/// Why a step fails in the sandbox, or None: its task or template is `fail-op`, or the
/// `fail_step` parameter names it.
pub(crate) fn failure_reason(
    parameters: &HashMap<String, String>,
    names: &[&str],
) -> Option<String> {
    if names.contains(&FAILING_TASK) {
        return Some(format!(
            "{FAILING_TASK} always fails in the sandbox, as in KFP's samples"
        ));
    }
    let listed = parameters.get(FAIL_STEP_PARAMETER)?;
    listed
        .split(',')
        .map(str::trim)
        .find(|step| !step.is_empty() && names.contains(step))
        .map(|step| format!("the run's {FAIL_STEP_PARAMETER} parameter names {step}, so it fails"))
}

/// The workflow's status one step later at `now` (RFC 3339). A finished workflow is returned
/// as it is.
pub(crate) fn advance(workflow: &Value, now: &str) -> Value {
    let mut status = workflow
        .get("status")
        .filter(|status| status.is_object())
        .cloned()
        .unwrap_or_else(|| json!({}));
    let phase = status["phase"].as_str().unwrap_or_default().to_string();
    if is_finished(&phase) {
        return status;
    }
    let name = workflow
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("workflow");
    let templates: HashMap<&str, &Value> = workflow
        .pointer("/spec/templates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|template| Some((template.get("name")?.as_str()?, template)))
        .collect();
    let entrypoint = workflow
        .pointer("/spec/entrypoint")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if status["startedAt"].is_null() {
        status["startedAt"] = json!(now);
    }
    if !templates.contains_key(entrypoint) {
        status["phase"] = json!("Error");
        status["message"] = json!(format!(
            "spec.entrypoint: template {entrypoint:?} is not one of spec.templates"
        ));
        status["finishedAt"] = json!(now);
        return status;
    }
    let mut run = Run {
        name,
        uid: workflow
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or(name),
        namespace: workflow
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        templates,
        parameters: parameters(workflow),
        nodes: read_nodes(&status),
        now,
        stopping: stopping(workflow),
        conditions: Default::default(),
    };
    let before = run.nodes.clone();
    // A node made in this step waits for the next before it moves.
    if run.nodes.contains_key(name) {
        run.visit(name, 0);
    } else {
        run.create(name, name, entrypoint, None, Vec::new(), 0);
    }
    let root = run.nodes[name].clone();
    let on_exit = workflow
        .pointer("/spec/onExit")
        .and_then(Value::as_str)
        .filter(|template| !template.is_empty());
    let mut exit = None;
    // An exit handler runs whatever happened, unless the workflow was terminated.
    if is_finished(&root.phase)
        && let Some(template) = on_exit
        && !run.stopping
    {
        let exit_name = format!("{name}.onExit");
        let id = node_id(name, &exit_name);
        if !run.nodes.contains_key(&id) {
            run.create(&exit_name, &exit_name, template, None, Vec::new(), 0);
        } else {
            run.visit(&id, 0);
        }
        exit = Some(run.nodes[&id].clone());
    }
    let done = is_finished(&root.phase) && exit.as_ref().is_none_or(|e| is_finished(&e.phase));
    if done {
        let exit_failed = exit.as_ref().is_some_and(|e| failed(&e.phase));
        let (phase, message) = if run.stopping {
            ("Failed", Some(STOPPED.to_string()))
        } else if root.phase == "Succeeded" && !exit_failed {
            ("Succeeded", None)
        } else if root.phase == "Error" {
            ("Error", root.message.clone())
        } else {
            let culprit = if failed(&root.phase) {
                &root
            } else {
                exit.as_ref().unwrap_or(&root)
            };
            let message = culprit
                .message
                .clone()
                .unwrap_or_else(|| format!("child '{}' failed", culprit.id));
            ("Failed", Some(message))
        };
        status["phase"] = json!(phase);
        status["finishedAt"] = json!(now);
        match message {
            Some(message) => status["message"] = json!(message),
            None => {
                status.as_object_mut().map(|s| s.remove("message"));
            }
        }
    } else if run.nodes == before && !run.nodes.is_empty() {
        // Nothing moved and nothing will: a dependency that can never be met.
        status["phase"] = json!("Error");
        status["message"] = json!("the workflow can make no progress: a dependency cycle?");
        status["finishedAt"] = json!(now);
    } else {
        status["phase"] = json!("Running");
        status.as_object_mut().map(|s| s.remove("finishedAt"));
    }
    let pods: Vec<&Node> = run
        .nodes
        .values()
        .filter(|node| node.node_type == "Pod")
        .collect();
    let succeeded = pods.iter().filter(|node| node.phase == "Succeeded").count();
    status["progress"] = json!(format!("{succeeded}/{}", pods.len()));
    let running = pods.iter().any(|node| node.phase == "Running");
    status["conditions"] = if done {
        json!([{ "type": "PodRunning", "status": "False" }, { "type": "Completed", "status": "True" }])
    } else {
        json!([{ "type": "PodRunning", "status": if running { "True" } else { "False" } }])
    };
    write_nodes(&mut status, &run.nodes);
    status
}

/// The status of a finished workflow made ready to run its failed parts again, as
/// `argo retry` does: failed and omitted steps (and the exit handler) are forgotten, the
/// groups around them run again. Also the pods to delete (their nodes' ids).
pub(crate) fn retry(workflow: &Value) -> (Value, Vec<String>) {
    let mut status = workflow.get("status").cloned().unwrap_or_else(|| json!({}));
    let name = workflow
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut nodes = read_nodes(&status);
    let exit_prefix = format!("{name}.onExit");
    let removed: Vec<String> = nodes
        .values()
        .filter(|node| {
            let leaf = !matches!(
                node.node_type.as_str(),
                "DAG" | "Steps" | "TaskGroup" | "StepGroup"
            );
            (leaf && matches!(node.phase.as_str(), "Failed" | "Error" | "Omitted"))
                || node.name.starts_with(&exit_prefix)
        })
        .map(|node| node.id.clone())
        .collect();
    for id in &removed {
        nodes.remove(id);
    }
    for node in nodes.values_mut() {
        node.children.retain(|child| !removed.contains(child));
        if failed(&node.phase) {
            node.phase = "Running".into();
            node.finished_at = None;
            node.message = None;
            node.outbound_nodes.clear();
        }
    }
    if let Some(map) = status.as_object_mut() {
        map.insert("phase".into(), json!("Running"));
        map.remove("finishedAt");
        map.remove("message");
    }
    write_nodes(&mut status, &nodes);
    let pods = removed
        .into_iter()
        .filter(|id| id.as_str() != name)
        .collect();
    (status, pods)
}

struct Run<'a> {
    name: &'a str,
    uid: &'a str,
    namespace: &'a str,
    templates: HashMap<&'a str, &'a Value>,
    parameters: HashMap<String, String>,
    nodes: BTreeMap<String, Node>,
    now: &'a str,
    stopping: bool,
    /// The `when`s of each DAG or steps template, read once a step.
    conditions: std::cell::RefCell<HashMap<String, std::rc::Rc<Vec<Expr>>>>,
}

/// Where references are resolved: the DAG or steps node whose tasks are being started, and
/// the loop item of the task, if any.
#[derive(Clone, Copy)]
struct Scope<'s> {
    holder: &'s str,
    item: Option<&'s Value>,
}

fn template_type(template: &Value) -> &'static str {
    if template.get("dag").is_some() {
        "DAG"
    } else if template.get("steps").is_some() {
        "Steps"
    } else if template.get("suspend").is_some() {
        "Suspend"
    } else {
        "Pod"
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

impl Run<'_> {
    fn node(&self, id: &str) -> &Node {
        &self.nodes[id]
    }

    fn node_mut(&mut self, id: &str) -> &mut Node {
        self.nodes
            .get_mut(id)
            .expect("nodes are looked up by ids made here")
    }

    fn finish(&mut self, id: &str, phase: &str, message: Option<String>) {
        let now = self.now.to_string();
        let node = self.node_mut(id);
        node.phase = phase.into();
        node.finished_at = Some(now);
        if message.is_some() {
            node.message = message;
        }
    }

    /// Adds a node running `template`; returns its id.
    fn create(
        &mut self,
        name: &str,
        display_name: &str,
        template: &str,
        boundary: Option<&str>,
        arguments: Vec<Parameter>,
        depth: usize,
    ) -> String {
        let id = node_id(self.name, name);
        let found = self.templates.get(template).copied();
        let mut node = Node {
            id: id.clone(),
            name: name.into(),
            display_name: display_name.into(),
            template_name: template.into(),
            template_scope: format!("local/{}", self.name),
            boundary_id: boundary.map(str::to_owned),
            started_at: Some(self.now.into()),
            ..Node::default()
        };
        let problem = if self.nodes.len() >= MAX_NODES {
            Some(format!(
                "the sandbox runs at most {MAX_NODES} steps per workflow"
            ))
        } else if depth > MAX_NESTING {
            Some(format!("templates nest deeper than {MAX_NESTING} levels"))
        } else if found.is_none() {
            Some(format!(
                "template {template:?} is not one of spec.templates"
            ))
        } else {
            None
        };
        match (found, problem) {
            (Some(template), None) => {
                node.node_type = template_type(template).into();
                node.phase = if node.node_type == "Pod" {
                    "Pending"
                } else {
                    "Running"
                }
                .into();
                let mut inputs: Vec<Parameter> = template
                    .pointer("/inputs/parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|declared| {
                        let name = declared.get("name")?.as_str()?.to_string();
                        let value = declared.get("value").or_else(|| declared.get("default"));
                        Some(Parameter {
                            name,
                            value: value.map(plain),
                        })
                    })
                    .collect();
                for argument in arguments {
                    match inputs.iter_mut().find(|input| input.name == argument.name) {
                        Some(input) => input.value = argument.value,
                        None => inputs.push(argument),
                    }
                }
                if !inputs.is_empty() {
                    node.inputs = Some(Io {
                        parameters: inputs,
                        ..Io::default()
                    });
                }
            }
            (_, problem) => {
                node.node_type = "Pod".into();
                node.phase = "Error".into();
                node.message = problem;
                node.finished_at = Some(self.now.into());
            }
        }
        let visit_now = node.node_type != "Pod" && !is_finished(&node.phase);
        self.nodes.insert(id.clone(), node);
        // Groups start their own first steps at once; pods wait for the next step.
        if visit_now {
            self.visit(&id, depth);
        }
        id
    }

    fn visit(&mut self, id: &str, depth: usize) {
        let node = self.node(id);
        if is_finished(&node.phase) {
            return;
        }
        match node.node_type.as_str() {
            "Pod" => self.advance_pod(id),
            "DAG" => self.visit_dag(id, depth),
            "Steps" => self.visit_steps(id, depth),
            "TaskGroup" | "StepGroup" => self.visit_group(id, depth),
            "Suspend" => self.finish(id, "Succeeded", None),
            _ => {}
        }
    }

    fn advance_pod(&mut self, id: &str) {
        if self.stopping {
            self.finish(id, "Failed", Some(TERMINATED.into()));
            return;
        }
        match self.node(id).phase.as_str() {
            "Pending" => {
                let node = self.node_mut(id);
                node.phase = "Running".into();
                node.host_node_name = Some("sandbox-node".into());
            }
            _ => {
                let node = self.node(id);
                let task = self.task_name(node);
                let names = [
                    task.as_str(),
                    node.template_name.as_str(),
                    node.display_name.as_str(),
                ];
                let failure = failure_reason(&self.parameters, &names);
                let mut outputs = self.simulated_outputs(id);
                outputs.exit_code = Some(if failure.is_some() { "1" } else { "0" }.into());
                self.node_mut(id).outputs = Some(outputs);
                match failure {
                    Some(_) => self.finish(id, "Failed", Some("Error (exit code 1)".into())),
                    None => self.finish(id, "Succeeded", None),
                }
            }
        }
    }

    /// The task (or step) name a node was made for, without its loop suffix.
    fn task_name(&self, node: &Node) -> String {
        let holder = node
            .boundary_id
            .as_deref()
            .and_then(|boundary| self.nodes.get(boundary))
            .map(|holder| holder.name.as_str())
            .unwrap_or(self.name);
        let rest = node.name.strip_prefix(holder).unwrap_or(&node.name);
        let rest = match rest.strip_prefix('[') {
            Some(group) => group.split_once("].").map_or(group, |(_, step)| step),
            None => rest.strip_prefix('.').unwrap_or(rest),
        };
        let task = rest.split('(').next().unwrap_or(rest);
        if task.is_empty() {
            node.name.clone()
        } else {
            task.to_string()
        }
    }

    /// The `when` expressions of the tasks (or steps) beside a node: where its outputs are
    /// compared with the values they may take.
    fn sibling_conditions(&self, holder: &Node) -> std::rc::Rc<Vec<Expr>> {
        let name = holder.template_name.as_str();
        if let Some(known) = self.conditions.borrow().get(name) {
            return known.clone();
        }
        let Some(template) = self.templates.get(name) else {
            return Default::default();
        };
        let tasks: Vec<&Value> = match template.pointer("/dag/tasks").and_then(Value::as_array) {
            Some(tasks) => tasks.iter().collect(),
            None => template
                .get("steps")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_array)
                .flatten()
                .collect(),
        };
        let conditions: std::rc::Rc<Vec<Expr>> = std::rc::Rc::new(
            tasks
                .iter()
                .filter_map(|task| task.get("when")?.as_str())
                .filter_map(expr::parse)
                .collect(),
        );
        (self.conditions.borrow_mut()).insert(name.to_string(), conditions.clone());
        conditions
    }

    /// What a finished pod outputs: its declared parameters (and `result` for scripts), each
    /// one of the values its siblings compare it with, chosen by a hash of the run and step,
    /// so a run is repeatable and different runs take different branches.
    fn simulated_outputs(&self, id: &str) -> Io {
        let node = self.node(id);
        let template = self.templates.get(node.template_name.as_str()).copied();
        let task = self.task_name(node);
        let holder = node.boundary_id.as_deref().and_then(|b| self.nodes.get(b));
        let prefix = match holder {
            Some(holder) if holder.node_type == "Steps" => "steps",
            _ => "tasks",
        };
        let conditions = holder
            .map(|h| self.sibling_conditions(h))
            .unwrap_or_default();
        let choose = |reference: String, fallback: String| {
            let mut literals = Vec::new();
            for condition in conditions.iter() {
                expr::compared_literals(condition, &reference, &mut literals);
            }
            // Compared with one value only: it may or may not be that value.
            if literals.len() == 1 && !literals.contains(&fallback) {
                literals.push(fallback.clone());
            }
            if literals.is_empty() {
                return fallback;
            }
            let hash = fnv1a(&format!("{}/{}/{reference}", self.uid, node.name));
            literals[hash as usize % literals.len()].clone()
        };
        let parameters = template
            .and_then(|t| t.pointer("/outputs/parameters"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|declared| {
                let name = declared.get("name")?.as_str()?;
                let fallback = declared
                    .pointer("/valueFrom/default")
                    .or_else(|| declared.get("value"))
                    .map(plain)
                    .unwrap_or_else(|| format!("{task}-{name}"));
                Some(Parameter {
                    name: name.into(),
                    value: Some(choose(
                        format!("{prefix}.{task}.outputs.parameters.{name}"),
                        fallback,
                    )),
                })
            })
            .collect();
        let result = template.filter(|t| t.get("script").is_some()).map(|_| {
            choose(
                format!("{prefix}.{task}.outputs.result"),
                format!("{task} done"),
            )
        });
        Io {
            parameters,
            result,
            exit_code: None,
        }
    }

    /// `{{…}}` references in `text` replaced by their values where known.
    fn resolve(&self, text: &str, scope: Scope) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let Some(length) = rest[start..].find("}}") else {
                break;
            };
            out.push_str(&rest[..start]);
            let whole = &rest[start..start + length + 2];
            match self.lookup(whole[2..whole.len() - 2].trim(), scope) {
                Some(value) => out.push_str(&value),
                None => out.push_str(whole),
            }
            rest = &rest[start + length + 2..];
        }
        out.push_str(rest);
        out
    }

    fn lookup(&self, reference: &str, scope: Scope) -> Option<String> {
        if reference == "item" {
            return scope.item.map(plain);
        }
        if let Some(key) = reference.strip_prefix("item.") {
            return scope.item?.get(key).map(plain);
        }
        if let Some(name) = reference.strip_prefix("workflow.parameters.") {
            return self.parameters.get(name).cloned();
        }
        match reference {
            "workflow.name" => return Some(self.name.into()),
            "workflow.namespace" => return Some(self.namespace.into()),
            "workflow.uid" => return Some(self.uid.into()),
            _ => {}
        }
        let holder = self.nodes.get(scope.holder)?;
        if let Some(name) = reference.strip_prefix("inputs.parameters.") {
            // The nearest enclosing group that was given it.
            let mut at = Some(holder);
            for _ in 0..=MAX_NESTING * 2 {
                let node = at?;
                if let Some(value) = node.inputs.as_ref().and_then(|io| io.parameter(name)) {
                    return Some(value.to_string());
                }
                at = node.boundary_id.as_deref().and_then(|b| self.nodes.get(b));
            }
            return None;
        }
        let (task, field) = if let Some(rest) = reference.strip_prefix("tasks.") {
            let (task, field) = rest.split_once('.')?;
            (
                self.nodes
                    .get(&node_id(self.name, &format!("{}.{task}", holder.name)))?,
                field,
            )
        } else if let Some(rest) = reference.strip_prefix("steps.") {
            let (step, field) = rest.split_once('.')?;
            let found = (0..).map_while(|group| {
                let group_name = format!("{}[{group}]", holder.name);
                self.nodes
                    .contains_key(&node_id(self.name, &group_name))
                    .then(|| node_id(self.name, &format!("{group_name}.{step}")))
            });
            let id = found.filter(|id| self.nodes.contains_key(id)).last()?;
            (&self.nodes[&id], field)
        } else {
            return None;
        };
        self.output(task, field)
    }

    /// `outputs.result`, `outputs.parameters.x`, `status`… of a node; a loop gives the list of
    /// its iterations' values, as Argo aggregates them.
    fn output(&self, node: &Node, field: &str) -> Option<String> {
        if node.node_type == "TaskGroup" {
            let values: Vec<Value> = node
                .children
                .iter()
                .filter_map(|child| self.output(self.nodes.get(child)?, field))
                .map(|value| serde_json::from_str(&value).unwrap_or(Value::String(value)))
                .collect();
            return Some(Value::Array(values).to_string());
        }
        match field {
            "status" => Some(node.phase.clone()),
            "id" => Some(node.id.clone()),
            "startedAt" => node.started_at.clone(),
            "finishedAt" => node.finished_at.clone(),
            "outputs.result" => node.outputs.as_ref()?.result.clone(),
            _ => {
                let name = field.strip_prefix("outputs.parameters.")?;
                node.outputs.as_ref()?.parameter(name).map(str::to_owned)
            }
        }
    }

    fn arguments(&self, task: &Value, scope: Scope) -> Vec<Parameter> {
        task.pointer("/arguments/parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|argument| {
                let name = argument.get("name")?.as_str()?.to_string();
                let value = argument
                    .get("value")
                    .map(|v| self.resolve(&plain(v), scope));
                Some(Parameter { name, value })
            })
            .collect()
    }

    /// The loop items of a task (`withItems`, or `withParam` once resolved to a JSON list).
    /// A list that can't be known yet is two made-up items.
    fn loop_items(&self, task: &Value, scope: Scope) -> Option<Vec<Value>> {
        if let Some(items) = task.get("withItems").and_then(Value::as_array) {
            return Some(items.clone());
        }
        let parameter = task.get("withParam")?;
        let text = self.resolve(&plain(parameter), scope);
        Some(match serde_json::from_str::<Value>(&text) {
            Ok(Value::Array(items)) => items,
            _ => vec![json!(1), json!(2)],
        })
    }

    /// A stable made-up outcome for a condition the sandbox can't evaluate.
    fn guess(&self, comparison: &str) -> bool {
        fnv1a(&format!("{}/{comparison}", self.uid)).is_multiple_of(2)
    }

    /// Whether a task's `when` lets it run, and the message of a skip.
    fn condition_holds(&self, task: &Value, scope: Scope) -> (bool, String) {
        let Some(when) = task.get("when").and_then(Value::as_str) else {
            return (true, String::new());
        };
        let resolved = self.resolve(when, scope);
        let holds = match expr::parse(&resolved) {
            Some(condition) => expr::holds(&condition, &|text| self.guess(text)),
            None => self.guess(&resolved),
        };
        (holds, format!("when '{resolved}' evaluated false"))
    }

    /// Starts a task of a DAG or steps group: a skipped node, a loop, or the node itself.
    /// Returns the id other nodes link to.
    fn start(
        &mut self,
        task: &Value,
        name: &str,
        boundary: &str,
        scope: Scope,
        depth: usize,
    ) -> String {
        let task_name = task.get("name").and_then(Value::as_str).unwrap_or_default();
        let template = task
            .get("template")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (runs, why_not) = self.condition_holds(task, scope);
        if !runs {
            return self.leaf(name, task_name, "Skipped", boundary, why_not);
        }
        match self.loop_items(task, scope) {
            Some(items) => {
                let group = node_id(self.name, name);
                self.nodes.insert(
                    group.clone(),
                    Node {
                        id: group.clone(),
                        name: name.into(),
                        display_name: task_name.into(),
                        node_type: "TaskGroup".into(),
                        template_name: template.into(),
                        template_scope: format!("local/{}", self.name),
                        phase: "Running".into(),
                        boundary_id: Some(boundary.into()),
                        started_at: Some(self.now.into()),
                        ..Node::default()
                    },
                );
                for (index, item) in items.iter().enumerate() {
                    if self.nodes.len() >= MAX_NODES {
                        break;
                    }
                    let suffix = format!("({index}:{})", plain(item));
                    let item_scope = Scope {
                        holder: scope.holder,
                        item: Some(item),
                    };
                    let arguments = self.arguments(task, item_scope);
                    let child = self.create(
                        &format!("{name}{suffix}"),
                        &format!("{task_name}{suffix}"),
                        template,
                        Some(boundary),
                        arguments,
                        depth + 1,
                    );
                    self.node_mut(&group).children.push(child);
                }
                group
            }
            None => {
                let arguments = self.arguments(task, scope);
                self.create(
                    name,
                    task_name,
                    template,
                    Some(boundary),
                    arguments,
                    depth + 1,
                )
            }
        }
    }

    /// A node that will not run (Skipped by its `when`, or Omitted after a failed dependency).
    fn leaf(
        &mut self,
        name: &str,
        display: &str,
        phase: &str,
        boundary: &str,
        message: String,
    ) -> String {
        let id = node_id(self.name, name);
        self.nodes.insert(
            id.clone(),
            Node {
                id: id.clone(),
                name: name.into(),
                display_name: display.into(),
                node_type: "Skipped".into(),
                phase: phase.into(),
                boundary_id: Some(boundary.into()),
                started_at: Some(self.now.into()),
                finished_at: Some(self.now.into()),
                message: Some(message),
                ..Node::default()
            },
        );
        id
    }

    /// The nodes a node ends with, which the tasks after it hang from.
    fn outbound(&self, id: &str) -> Vec<String> {
        let Some(node) = self.nodes.get(id) else {
            return Vec::new();
        };
        match node.node_type.as_str() {
            "DAG" | "Steps" | "TaskGroup" | "StepGroup" if !node.outbound_nodes.is_empty() => {
                node.outbound_nodes.clone()
            }
            _ => vec![id.to_string()],
        }
    }

    fn visit_dag(&mut self, id: &str, depth: usize) {
        let node = self.node(id).clone();
        let tasks: Vec<Value> = self
            .templates
            .get(node.template_name.as_str())
            .and_then(|template| template.pointer("/dag/tasks"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // What each task waits for, read once: its `dependencies` and the names in `depends`.
        let known: HashSet<&str> = tasks
            .iter()
            .filter_map(|task| task.get("name")?.as_str())
            .collect();
        let plans: Vec<(&Value, &str, Option<Expr>, Vec<String>)> = tasks
            .iter()
            .filter_map(|task| {
                let name = task.get("name")?.as_str()?;
                let depends = (task.get("depends").and_then(Value::as_str)).and_then(expr::parse);
                let mut waits_for = strings(task.get("dependencies"));
                if let Some(depends) = &depends {
                    expr::depends_tasks(depends, &mut waits_for);
                }
                // Argo refuses unknown names when the workflow is submitted; here they're ignored.
                waits_for.retain(|dependency| known.contains(dependency.as_str()));
                Some((task, name, depends, waits_for))
            })
            .collect();
        let workflow = self.name;
        let child_id = |task: &str| node_id(workflow, &format!("{}.{task}", node.name));
        let scope_holder = id.to_string();
        // First what runs moves on; then whatever that made ready starts, in any task order
        // (a skipped or omitted task is done at once, so its dependents may start too).
        for (_, task, _, _) in &plans {
            let child = child_id(task);
            if self.nodes.contains_key(&child) {
                self.visit(&child, depth + 1);
            }
        }
        let mut started_any = !self.stopping;
        while started_any {
            started_any = false;
            for (task, task_name, depends, waits_for) in &plans {
                if self.nodes.contains_key(&child_id(task_name)) {
                    continue;
                }
                let phases: Option<HashMap<&str, String>> = waits_for
                    .iter()
                    .map(|dependency| {
                        let phase = &self.nodes.get(&child_id(dependency))?.phase;
                        is_finished(phase).then(|| (dependency.as_str(), phase.clone()))
                    })
                    .collect();
                let Some(phases) = phases else {
                    continue;
                };
                let ready = match depends {
                    Some(depends) => expr::depends_holds(depends, &|task| {
                        phases
                            .get(task)
                            .cloned()
                            .unwrap_or_else(|| "Succeeded".into())
                    }),
                    None => phases
                        .values()
                        .all(|phase| matches!(phase.as_str(), "Succeeded" | "Skipped")),
                };
                let name = format!("{}.{task_name}", node.name);
                let scope = Scope {
                    holder: &scope_holder,
                    item: None,
                };
                let started = if ready {
                    self.start(task, &name, id, scope, depth)
                } else {
                    self.leaf(
                        &name,
                        task_name,
                        "Omitted",
                        id,
                        "omitted: depends condition not met".into(),
                    )
                };
                if waits_for.is_empty() {
                    self.node_mut(id).children.push(started);
                } else {
                    for dependency in waits_for {
                        for outbound in self.outbound(&child_id(dependency)) {
                            if let Some(before) = self.nodes.get_mut(&outbound)
                                && !before.children.contains(&started)
                            {
                                before.children.push(started.clone());
                            }
                        }
                    }
                }
                started_any = true;
            }
        }
        let children: Vec<Option<&Node>> = plans
            .iter()
            .map(|(_, task, _, _)| self.nodes.get(&child_id(task)))
            .collect();
        let all_done = children
            .iter()
            .all(|c| c.is_some_and(|c| is_finished(&c.phase)));
        let started_done = children.iter().flatten().all(|c| is_finished(&c.phase));
        if !(all_done || (self.stopping && started_done)) {
            return;
        }
        let failure = children
            .iter()
            .flatten()
            .find(|c| failed(&c.phase))
            .map(|c| c.id.clone());
        // The tasks no other task waits for are what the DAG ends with.
        let depended_on: HashSet<&str> = plans
            .iter()
            .flat_map(|(_, _, _, waits_for)| waits_for.iter().map(String::as_str))
            .collect();
        let outbound: Vec<String> = plans
            .iter()
            .filter(|(_, task, _, _)| !depended_on.contains(task))
            .flat_map(|(_, task, _, _)| self.outbound(&child_id(task)))
            .filter(|id| self.nodes.contains_key(id))
            .collect();
        let outputs = self.group_outputs(id);
        let node = self.node_mut(id);
        node.outbound_nodes = outbound;
        if outputs.is_some() {
            node.outputs = outputs;
        }
        match failure {
            _ if self.stopping => self.finish(id, "Failed", Some(STOPPED.into())),
            Some(child) => self.finish(id, "Failed", Some(format!("child '{child}' failed"))),
            None => self.finish(id, "Succeeded", None),
        }
    }

    /// A DAG or steps template's declared outputs (`valueFrom.parameter`), once it is done.
    fn group_outputs(&self, id: &str) -> Option<Io> {
        let node = self.node(id);
        let declared = self
            .templates
            .get(node.template_name.as_str())?
            .pointer("/outputs/parameters")?
            .as_array()?;
        let scope = Scope {
            holder: id,
            item: None,
        };
        let parameters = declared
            .iter()
            .filter_map(|parameter| {
                let name = parameter.get("name")?.as_str()?.to_string();
                let from = parameter.pointer("/valueFrom/parameter")?.as_str()?;
                Some(Parameter {
                    name,
                    value: Some(self.resolve(from, scope)),
                })
            })
            .collect();
        Some(Io {
            parameters,
            ..Io::default()
        })
    }

    /// A loop, or one group of parallel steps: done when all its children are.
    fn visit_group(&mut self, id: &str, depth: usize) {
        for child in self.node(id).children.clone() {
            self.visit(&child, depth + 1);
        }
        let node = self.node(id);
        let children: Vec<&Node> = node
            .children
            .iter()
            .filter_map(|c| self.nodes.get(c))
            .collect();
        if !children.iter().all(|child| is_finished(&child.phase)) {
            return;
        }
        let failure = children
            .iter()
            .find(|c| failed(&c.phase))
            .map(|c| c.id.clone());
        let outbound: Vec<String> = node
            .children
            .iter()
            .flat_map(|c| self.outbound(c))
            .collect();
        self.node_mut(id).outbound_nodes = outbound;
        match failure {
            Some(child) => self.finish(id, "Failed", Some(format!("child '{child}' failed"))),
            None => self.finish(id, "Succeeded", None),
        }
    }

    fn visit_steps(&mut self, id: &str, depth: usize) {
        let node = self.node(id).clone();
        let groups: Vec<Vec<Value>> = self
            .templates
            .get(node.template_name.as_str())
            .and_then(|template| template.get("steps"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|group| group.as_array().cloned().unwrap_or_default())
            .collect();
        let scope_holder = id.to_string();
        let mut previous: Option<String> = None;
        for (index, steps) in groups.iter().enumerate() {
            let group_name = format!("{}[{index}]", node.name);
            let group = node_id(self.name, &group_name);
            if !self.nodes.contains_key(&group) {
                if self.stopping {
                    self.finish(id, "Failed", Some(STOPPED.into()));
                } else {
                    self.start_step_group(
                        id,
                        &group_name,
                        steps,
                        previous.as_deref(),
                        &scope_holder,
                        depth,
                    );
                }
                return;
            }
            self.visit_group(&group, depth);
            let phase = self.node(&group).phase.clone();
            if !is_finished(&phase) {
                return;
            }
            if failed(&phase) {
                let message = format!("child '{group}' failed");
                self.finish(id, "Failed", Some(message));
                return;
            }
            previous = Some(group);
        }
        let outbound = previous
            .map(|group| self.outbound(&group))
            .unwrap_or_default();
        let outputs = self.group_outputs(id);
        let node = self.node_mut(id);
        node.outbound_nodes = outbound;
        if outputs.is_some() {
            node.outputs = outputs;
        }
        self.finish(id, "Succeeded", None);
    }

    /// Starts one group of parallel steps, after the group before it (if any).
    fn start_step_group(
        &mut self,
        steps_node: &str,
        group_name: &str,
        steps: &[Value],
        previous: Option<&str>,
        scope_holder: &str,
        depth: usize,
    ) {
        let group = node_id(self.name, group_name);
        let index = group_name
            .rsplit('[')
            .next()
            .unwrap_or_default()
            .trim_end_matches(']');
        self.nodes.insert(
            group.clone(),
            Node {
                id: group.clone(),
                name: group_name.into(),
                display_name: format!("[{index}]"),
                node_type: "StepGroup".into(),
                template_scope: format!("local/{}", self.name),
                phase: "Running".into(),
                boundary_id: Some(steps_node.into()),
                started_at: Some(self.now.into()),
                ..Node::default()
            },
        );
        match previous {
            None => self.node_mut(steps_node).children.push(group.clone()),
            Some(before) => {
                for outbound in self.outbound(before) {
                    if let Some(node) = self.nodes.get_mut(&outbound) {
                        node.children.push(group.clone());
                    }
                }
            }
        }
        for step in steps {
            let Some(step_name) = step.get("name").and_then(Value::as_str) else {
                continue;
            };
            let scope = Scope {
                holder: scope_holder,
                item: None,
            };
            let started = self.start(
                step,
                &format!("{group_name}.{step_name}"),
                steps_node,
                scope,
                depth,
            );
            self.node_mut(&group).children.push(started);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clock of step `n`: a second apart.
    fn at(step: usize) -> String {
        format!("2026-03-01T10:{:02}:{:02}Z", step / 60, step % 60)
    }

    fn workflow(spec: Value) -> Value {
        json!({
            "metadata": { "name": "wf", "namespace": "ns", "uid": "uid-1" },
            "spec": spec,
        })
    }

    fn container(name: &str) -> Value {
        json!({ "name": name, "container": { "image": "alpine", "command": ["echo", name] } })
    }

    /// Advances until finished (or `limit` steps), returning the workflow after each step.
    fn run(mut workflow: Value, limit: usize) -> Vec<Value> {
        let mut history = Vec::new();
        for step in 1..=limit {
            workflow["status"] = advance(&workflow, &at(step));
            history.push(workflow.clone());
            if is_finished(workflow["status"]["phase"].as_str().unwrap_or_default()) {
                break;
            }
        }
        history
    }

    fn nodes(workflow: &Value) -> BTreeMap<String, Node> {
        read_nodes(&workflow["status"])
    }

    /// Phase of the node with this display name.
    fn phase_of(workflow: &Value, display: &str) -> String {
        nodes(workflow)
            .values()
            .find(|node| node.display_name == display)
            .map(|node| node.phase.clone())
            .unwrap_or_else(|| "absent".into())
    }

    fn two_steps() -> Value {
        workflow(json!({
            "entrypoint": "main",
            "templates": [
                { "name": "main", "dag": { "tasks": [
                    { "name": "second", "template": "echo", "dependencies": ["first"] },
                    { "name": "first", "template": "echo" },
                ] } },
                container("echo"),
            ],
        }))
    }

    #[test]
    fn steps_go_pending_running_succeeded_in_dependency_order() {
        let history = run(two_steps(), 20);
        let phases: Vec<(String, String, String)> = history
            .iter()
            .map(|wf| {
                (
                    wf["status"]["phase"].as_str().unwrap().to_string(),
                    phase_of(wf, "first"),
                    phase_of(wf, "second"),
                )
            })
            .collect();
        let expected = [
            ("Running", "Pending", "absent"),
            ("Running", "Running", "absent"),
            ("Running", "Succeeded", "Pending"),
            ("Running", "Succeeded", "Running"),
            ("Succeeded", "Succeeded", "Succeeded"),
        ];
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(phases, expected);
        let done = history.last().unwrap();
        assert_eq!(done["status"]["startedAt"], at(1));
        assert_eq!(done["status"]["finishedAt"], at(5));
        assert_eq!(done["status"]["progress"], "2/2");
        let nodes = nodes(done);
        let root = &nodes["wf"];
        assert_eq!(
            (root.node_type.as_str(), root.phase.as_str()),
            ("DAG", "Succeeded")
        );
        let first = nodes.values().find(|n| n.display_name == "first").unwrap();
        let second = nodes.values().find(|n| n.display_name == "second").unwrap();
        assert_eq!(first.id, node_id("wf", "wf.first"));
        assert_eq!(root.children, [first.id.as_str()]);
        assert_eq!(first.children, [second.id.as_str()]);
        assert_eq!(root.outbound_nodes, [second.id.as_str()]);
        assert_eq!(second.boundary_id.as_deref(), Some("wf"));
        assert_eq!(first.started_at.as_deref(), Some(at(1).as_str()));
        assert_eq!(first.finished_at.as_deref(), Some(at(3).as_str()));
        // A finished workflow stays as it is.
        assert_eq!(advance(done, &at(99)), done["status"]);
    }

    #[test]
    fn node_ids_are_argos() {
        // Argo: fmt.Sprintf("%s-%v", wf.Name, fnv32a(nodeName)).
        assert_eq!(node_id("wf", "wf"), "wf");
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_eq!(node_id("wf", "a"), format!("wf-{}", 0xe40c_292c_u32));
    }

    #[test]
    fn conditions_on_parameters_skip_and_dependents_still_run() {
        let spec = |flag: &str| {
            workflow(json!({
                "entrypoint": "main",
                "arguments": { "parameters": [{ "name": "flag", "value": flag }] },
                "templates": [
                    { "name": "main", "dag": { "tasks": [
                        { "name": "maybe", "template": "echo", "when": "'{{workflow.parameters.flag}}' == 'yes'" },
                        { "name": "after", "template": "echo", "dependencies": ["maybe"] },
                    ] } },
                    container("echo"),
                ],
            }))
        };
        let skipped = run(spec("no"), 20).pop().unwrap();
        assert_eq!(skipped["status"]["phase"], "Succeeded");
        let maybe = nodes(&skipped)
            .into_values()
            .find(|n| n.display_name == "maybe")
            .unwrap();
        assert_eq!(
            (maybe.node_type.as_str(), maybe.phase.as_str()),
            ("Skipped", "Skipped")
        );
        assert_eq!(
            maybe.message.as_deref(),
            Some("when ''no' == 'yes'' evaluated false")
        );
        assert_eq!(phase_of(&skipped, "after"), "Succeeded");
        let ran = run(spec("yes"), 20).pop().unwrap();
        assert_eq!(phase_of(&ran, "maybe"), "Succeeded");
    }

    #[test]
    fn loops_expand_their_items_and_what_follows_waits_for_all() {
        let history = run(
            workflow(json!({
                "entrypoint": "main",
                "templates": [
                    { "name": "main", "dag": { "tasks": [
                        { "name": "each", "template": "body", "withItems": [1, 2, 3], "arguments": { "parameters": [{ "name": "n", "value": "{{item}}" }] } },
                        { "name": "after", "template": "echo", "dependencies": ["each"] },
                    ] } },
                    { "name": "body", "inputs": { "parameters": [{ "name": "n" }] }, "dag": { "tasks": [
                        { "name": "work", "template": "echo", "when": "{{inputs.parameters.n}} != 2" },
                    ] } },
                    container("echo"),
                ],
            })),
            30,
        );
        let done = history.last().unwrap();
        assert_eq!(done["status"]["phase"], "Succeeded");
        let nodes = nodes(done);
        let group = nodes.values().find(|n| n.display_name == "each").unwrap();
        assert_eq!(group.node_type, "TaskGroup");
        let iterations: Vec<&str> = group
            .children
            .iter()
            .map(|c| nodes[c].display_name.as_str())
            .collect();
        assert_eq!(iterations, ["each(0:1)", "each(1:2)", "each(2:3)"]);
        assert_eq!(
            nodes[&group.children[1]]
                .inputs
                .as_ref()
                .unwrap()
                .parameter("n"),
            Some("2")
        );
        let works: Vec<&str> = nodes
            .values()
            .filter(|n| n.display_name == "work")
            .map(|n| n.phase.as_str())
            .collect();
        assert_eq!(works.iter().filter(|p| **p == "Skipped").count(), 1);
        assert_eq!(works.iter().filter(|p| **p == "Succeeded").count(), 2);
        // `after` started only when the last iteration was done.
        let after = nodes.values().find(|n| n.display_name == "after").unwrap();
        let last_work = nodes
            .values()
            .filter(|n| n.display_name == "work")
            .filter_map(|n| n.finished_at.clone())
            .max()
            .unwrap();
        assert!(after.started_at.clone().unwrap() >= last_work);
        assert_eq!(done["status"]["progress"], "3/3");
    }

    fn failing(parameters: Value) -> Value {
        workflow(json!({
            "entrypoint": "main",
            "onExit": "cleanup",
            "arguments": { "parameters": parameters },
            "templates": [
                { "name": "main", "dag": { "tasks": [
                    { "name": "train", "template": "echo" },
                    { "name": "evaluate", "template": "echo", "dependencies": ["train"] },
                    { "name": "side", "template": "echo" },
                ] } },
                container("echo"),
                container("cleanup"),
            ],
        }))
    }

    #[test]
    fn a_step_named_by_fail_step_fails_what_follows_is_omitted_and_the_exit_handler_runs() {
        let done = run(
            failing(json!([{ "name": "fail_step", "value": "train" }])),
            30,
        )
        .pop()
        .unwrap();
        assert_eq!(done["status"]["phase"], "Failed");
        assert_eq!(phase_of(&done, "train"), "Failed");
        assert_eq!(phase_of(&done, "evaluate"), "Omitted");
        assert_eq!(phase_of(&done, "side"), "Succeeded");
        assert_eq!(phase_of(&done, "wf.onExit"), "Succeeded");
        let train = nodes(&done)
            .into_values()
            .find(|n| n.display_name == "train")
            .unwrap();
        assert_eq!(train.message.as_deref(), Some("Error (exit code 1)"));
        assert_eq!(train.outputs.unwrap().exit_code.as_deref(), Some("1"));
        assert!(
            done["status"]["message"]
                .as_str()
                .unwrap()
                .contains("failed")
        );
        assert_eq!(done["status"]["progress"], "2/3");
        let passing = run(failing(json!([])), 30).pop().unwrap();
        assert_eq!(passing["status"]["phase"], "Succeeded");
    }

    #[test]
    fn fail_op_always_fails() {
        let params = HashMap::new();
        assert!(failure_reason(&params, &["fail-op"]).is_some());
        assert!(failure_reason(&params, &["train"]).is_none());
        let named = HashMap::from([(FAIL_STEP_PARAMETER.to_string(), "a, train".to_string())]);
        assert!(
            failure_reason(&named, &["train", "echo"])
                .unwrap()
                .contains("train")
        );
    }

    #[test]
    fn terminate_fails_running_steps_and_starts_nothing_more() {
        let history = run(failing(json!([])), 2);
        let mut running = history.last().unwrap().clone();
        assert_eq!(phase_of(&running, "train"), "Running");
        running["spec"]["activeDeadlineSeconds"] = json!(0);
        let done = run(running, 10).pop().unwrap();
        assert_eq!(done["status"]["phase"], "Failed");
        assert_eq!(done["status"]["message"], STOPPED);
        let train = nodes(&done)
            .into_values()
            .find(|n| n.display_name == "train")
            .unwrap();
        assert_eq!(
            (train.phase.as_str(), train.message.as_deref()),
            ("Failed", Some(TERMINATED))
        );
        assert_eq!(phase_of(&done, "evaluate"), "absent");
        assert_eq!(phase_of(&done, "wf.onExit"), "absent");
    }

    #[test]
    fn retry_runs_the_failed_steps_again() {
        let mut done = run(
            failing(json!([{ "name": "fail_step", "value": "train" }])),
            30,
        )
        .pop()
        .unwrap();
        let train_id = nodes(&done)
            .into_values()
            .find(|n| n.display_name == "train")
            .unwrap()
            .id;
        let (status, pods) = retry(&done);
        assert!(pods.contains(&train_id));
        assert!(!pods.iter().any(|id| {
            *id == nodes(&done)
                .into_values()
                .find(|n| n.display_name == "side")
                .unwrap()
                .id
        }));
        done["status"] = status;
        assert_eq!(done["status"]["phase"], "Running");
        assert_eq!(phase_of(&done, "train"), "absent");
        assert_eq!(phase_of(&done, "side"), "Succeeded");
        assert_eq!(phase_of(&done, "wf"), "Running");
        // It fails again (the parameter still names it), but only after running anew.
        let again = run(done, 30);
        assert_eq!(phase_of(&again[0], "train"), "Pending");
        assert_eq!(again.last().unwrap()["status"]["phase"], "Failed");
    }

    #[test]
    fn outputs_take_one_of_the_compared_values_so_branches_agree() {
        let coin = |uid: &str| {
            let mut wf = workflow(json!({
                "entrypoint": "main",
                "templates": [
                    { "name": "main", "dag": { "tasks": [
                        { "name": "flip", "template": "flip" },
                        { "name": "heads", "template": "echo", "dependencies": ["flip"], "when": "\"{{tasks.flip.outputs.parameters.side}}\" == \"heads\"" },
                        { "name": "tails", "template": "echo", "dependencies": ["flip"], "when": "\"{{tasks.flip.outputs.parameters.side}}\" == \"tails\"" },
                    ] } },
                    { "name": "flip", "container": { "image": "python" }, "outputs": { "parameters": [{ "name": "side", "valueFrom": { "path": "/tmp/side" } }] } },
                    container("echo"),
                ],
            }));
            wf["metadata"]["uid"] = json!(uid);
            run(wf, 20).pop().unwrap()
        };
        let mut seen = std::collections::BTreeSet::new();
        for uid in ["a", "b", "c", "d", "e", "f", "g", "h"] {
            let done = coin(uid);
            let heads = phase_of(&done, "heads");
            let tails = phase_of(&done, "tails");
            assert_ne!(heads, tails, "exactly one branch runs ({uid})");
            let flip = nodes(&done)
                .into_values()
                .find(|n| n.display_name == "flip")
                .unwrap();
            let side = flip.outputs.unwrap().parameter("side").unwrap().to_string();
            assert_eq!(phase_of(&done, &side), "Succeeded");
            seen.insert(side);
            assert_eq!(
                coin(uid)["status"]["nodes"],
                done["status"]["nodes"],
                "repeatable"
            );
        }
        assert_eq!(seen.len(), 2, "different runs take different branches");
    }

    #[test]
    fn steps_run_group_after_group() {
        let done = run(
            workflow(json!({
                "entrypoint": "main",
                "templates": [
                    { "name": "main", "steps": [
                        [{ "name": "one", "template": "echo" }, { "name": "two", "template": "echo" }],
                        [{ "name": "three", "template": "echo" }],
                    ] },
                    container("echo"),
                ],
            })),
            30,
        )
        .pop()
        .unwrap();
        assert_eq!(done["status"]["phase"], "Succeeded");
        let nodes = nodes(&done);
        let three = nodes.values().find(|n| n.display_name == "three").unwrap();
        let one = nodes.values().find(|n| n.display_name == "one").unwrap();
        assert!(three.started_at >= one.finished_at);
        assert_eq!(
            nodes
                .values()
                .filter(|n| n.node_type == "StepGroup")
                .count(),
            2
        );
    }

    #[test]
    fn cycles_and_missing_templates_end_in_error_not_forever() {
        let cycle = workflow(json!({
            "entrypoint": "main",
            "templates": [
                { "name": "main", "dag": { "tasks": [
                    { "name": "a", "template": "echo", "dependencies": ["b"] },
                    { "name": "b", "template": "echo", "dependencies": ["a"] },
                ] } },
                container("echo"),
            ],
        }));
        let done = run(cycle, 10).pop().unwrap();
        assert_eq!(done["status"]["phase"], "Error");
        let missing = workflow(json!({ "entrypoint": "nope", "templates": [] }));
        assert_eq!(run(missing, 3).pop().unwrap()["status"]["phase"], "Error");
        let recursive = workflow(json!({
            "entrypoint": "main",
            "templates": [{ "name": "main", "dag": { "tasks": [{ "name": "again", "template": "main" }] } }],
        }));
        let done = run(recursive, 200).pop().unwrap();
        assert_eq!(done["status"]["phase"], "Failed");
    }

    #[test]
    fn big_node_maps_are_compressed_as_argo_offloads_them() {
        let items: Vec<Value> = (0..1200).map(|i| json!(format!("item-{i:04}"))).collect();
        let wf = workflow(json!({
            "entrypoint": "main",
            "templates": [
                { "name": "main", "dag": { "tasks": [{ "name": "each", "template": "echo", "withItems": items }] } },
                container("echo"),
            ],
        }));
        let done = run(wf, 10).pop().unwrap();
        let status = &done["status"];
        assert_eq!(status["phase"], "Succeeded");
        assert!(status.get("nodes").is_none());
        let compressed = status["compressedNodes"].as_str().unwrap();
        assert!(compressed.len() < INLINE_NODES_LIMIT);
        let nodes = read_nodes(status);
        assert_eq!(nodes.len(), 1202);
        assert!(serde_json::to_vec(&nodes).unwrap().len() > INLINE_NODES_LIMIT);
        // The dashboard's reader decodes it too.
        let graph = app::domain::pipeline::run_graph(&done).unwrap();
        assert_eq!(graph.nodes.len(), 1200);
    }
}
