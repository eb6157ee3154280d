//! A run's Argo Workflow, made as KFP's API server makes one: a v1 pipeline's own Workflow with
//! the run's parameters, or a v2 pipeline's graph as DAG templates (one per group) and one
//! container template per task, with `dependencies`, `when` and loop items.

use crate::sandbox::controllers::argo::RUN_ID_LABEL;
use app::model::pipeline::{GraphNode, GroupKind, LoopSource, NodeKind, PipelineGraph};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The template the whole pipeline starts from, as KFP's v2 compiler names it.
const ENTRYPOINT: &str = "entrypoint";
/// The input through which a loop body gets its item.
const LOOP_ITEM: &str = "loop-item";
/// Annotations are limited to 256 KiB in all; a bigger spec is summarised.
const MAX_SPEC_ANNOTATION: usize = 128 * 1024;
const SPEC_ANNOTATION: &str = "pipelines.kubeflow.org/pipeline_spec";
/// The image of steps whose file doesn't say (importers, resolvers).
const DEFAULT_IMAGE: &str = "python:3.11";

/// What the run adds to the workflow.
pub struct RunInfo<'a> {
    pub run_id: &'a str,
    pub run_name: &'a str,
    pub workflow_name: &'a str,
    pub namespace: &'a str,
}

/// A parameter's value as Argo passes it: text, or compact JSON for anything else.
fn argo_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The workflow for a run of `graph` (read from `spec`, the version's stored pipeline spec).
pub fn workflow(
    graph: &PipelineGraph,
    spec: &Value,
    parameters: &Map<String, Value>,
    run: &RunInfo,
) -> Value {
    let mut workflow_spec = match graph.format {
        app::model::pipeline::PipelineFormat::V2Ir => compile_graph(graph),
        _ => spec.get("spec").cloned().unwrap_or_else(|| json!({})),
    };
    let mut arguments: Vec<Value> = workflow_spec
        .pointer("/arguments/parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (name, value) in parameters {
        let text = argo_text(value);
        match arguments
            .iter_mut()
            .find(|argument| argument["name"] == name.as_str())
        {
            Some(argument) => argument["value"] = json!(text),
            None => arguments.push(json!({ "name": name, "value": text })),
        }
    }
    workflow_spec["arguments"] = json!({ "parameters": arguments });
    if workflow_spec.get("serviceAccountName").is_none() {
        workflow_spec["serviceAccountName"] = json!("default-editor");
    }
    let annotation = {
        let full = spec.to_string();
        if full.len() <= MAX_SPEC_ANNOTATION {
            full
        } else {
            let inputs: Vec<Value> = graph
                .inputs
                .iter()
                .map(|input| json!({ "name": input.name, "default": input.default }))
                .collect();
            json!({ "name": graph.name, "description": graph.description, "inputs": inputs })
                .to_string()
        }
    };
    let mut labels = json!({ RUN_ID_LABEL: run.run_id });
    if graph.format == app::model::pipeline::PipelineFormat::V2Ir {
        labels["pipelines.kubeflow.org/v2_component"] = json!("true");
    }
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": run.workflow_name,
            "namespace": run.namespace,
            "labels": labels,
            "annotations": {
                SPEC_ANNOTATION: annotation,
                "pipelines.kubeflow.org/run_name": run.run_name,
                "workflows.argoproj.io/pod-name-format": "v1",
            },
        },
        "spec": workflow_spec,
    })
}

/// A workflow name from a pipeline's: a DNS label of at most 63 characters with a suffix.
pub fn workflow_name(pipeline: &str, suffix: &str) -> String {
    let mut name: String = pipeline
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    name = name.trim_matches('-').to_string();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    name.truncate(50);
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        format!("pipeline-{suffix}")
    } else {
        format!("{name}-{suffix}")
    }
}

struct Compiler<'a> {
    children: HashMap<Option<&'a str>, Vec<&'a GraphNode>>,
    /// The nodes each node waits for (its siblings).
    waits_for: HashMap<&'a str, Vec<&'a GraphNode>>,
    inputs: HashSet<&'a str>,
    templates: Vec<Value>,
    /// Template names by what they were made for (a group's component, a task's component
    /// and label).
    names: HashMap<String, String>,
    used: HashSet<String>,
    /// Outputs each template must declare, because a sibling reads them.
    outputs: BTreeMap<String, BTreeSet<String>>,
}

fn compile_graph(graph: &PipelineGraph) -> Value {
    let mut children: HashMap<Option<&str>, Vec<&GraphNode>> = HashMap::new();
    for node in &graph.nodes {
        children
            .entry(node.parent.as_deref())
            .or_default()
            .push(node);
    }
    let by_id: HashMap<&str, &GraphNode> = graph.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let mut waits_for: HashMap<&str, Vec<&GraphNode>> = HashMap::new();
    for edge in &graph.edges {
        if let Some(from) = by_id.get(edge.from.as_str()) {
            waits_for.entry(edge.to.as_str()).or_default().push(from);
        }
    }
    let mut compiler = Compiler {
        children,
        waits_for,
        inputs: graph
            .inputs
            .iter()
            .map(|input| input.name.as_str())
            .collect(),
        templates: Vec::new(),
        names: HashMap::new(),
        used: HashSet::from([ENTRYPOINT.to_string()]),
        outputs: BTreeMap::new(),
    };
    let tasks = compiler.dag_tasks(None);
    compiler
        .templates
        .insert(0, json!({ "name": ENTRYPOINT, "dag": { "tasks": tasks } }));
    for (template, outputs) in &compiler.outputs {
        if let Some(found) = compiler
            .templates
            .iter_mut()
            .find(|t| t["name"] == template.as_str())
        {
            let parameters: Vec<Value> = outputs
                .iter()
                .map(|name| json!({ "name": name, "valueFrom": { "path": format!("/tmp/outputs/{name}/data") } }))
                .collect();
            found["outputs"] = json!({ "parameters": parameters });
        }
    }
    json!({ "entrypoint": ENTRYPOINT, "templates": compiler.templates })
}

impl<'a> Compiler<'a> {
    fn unique(&mut self, wanted: &str) -> String {
        let base = wanted.strip_prefix("comp-").unwrap_or(wanted).to_string();
        let mut name = base.clone();
        let mut counter = 2;
        while !self.used.insert(name.clone()) {
            name = format!("{base}-{counter}");
            counter += 1;
        }
        name
    }

    /// The template a node runs, made the first time it is needed.
    fn template(&mut self, node: &'a GraphNode) -> String {
        let component = node.component.clone().unwrap_or_else(|| node.task.clone());
        let is_group = matches!(node.kind, NodeKind::Group { .. });
        let key = if is_group {
            format!("dag/{component}")
        } else {
            format!("task/{component}/{}", node.label)
        };
        if let Some(name) = self.names.get(&key) {
            return name.clone();
        }
        let name = self.unique(&component);
        self.names.insert(key, name.clone());
        if is_group {
            // Reserve the place first: a group's tasks may add templates of their own.
            let at = self.templates.len();
            self.templates.push(Value::Null);
            let tasks = self.dag_tasks(Some(&node.id));
            self.templates[at] = json!({ "name": name, "dag": { "tasks": tasks } });
        } else {
            let container = match &node.executor {
                Some(app::model::pipeline::Executor::Container {
                    image,
                    command,
                    args,
                }) => {
                    json!({ "image": image, "command": command, "args": args })
                }
                _ => {
                    json!({ "image": DEFAULT_IMAGE, "command": ["sh", "-c"], "args": [format!("echo {}", node.task)] })
                }
            };
            self.templates.push(json!({
                "name": name,
                "metadata": { "annotations": { "pipelines.kubeflow.org/task_display_name": node.label } },
                "container": container,
            }));
        }
        name
    }

    fn dag_tasks(&mut self, parent: Option<&str>) -> Vec<Value> {
        let children = self.children.get(&parent).cloned().unwrap_or_default();
        let templates: Vec<String> = children.iter().map(|child| self.template(child)).collect();
        let siblings: Vec<(&str, &str)> = children
            .iter()
            .zip(&templates)
            .map(|(child, template)| (child.task.as_str(), template.as_str()))
            .collect();
        let mut outputs: Vec<(String, String)> = Vec::new();
        let mut tasks = Vec::new();
        for (child, template) in children.iter().zip(&templates) {
            let mut task = json!({ "name": child.task, "template": template });
            let waits = self
                .waits_for
                .get(child.id.as_str())
                .cloned()
                .unwrap_or_default();
            let exit_groups = waits.iter().filter(|w| {
                matches!(
                    &w.kind,
                    NodeKind::Group {
                        group: GroupKind::ExitHandler
                    }
                )
            });
            if exit_groups.clone().count() > 0 {
                // The exit task runs whatever happened inside the exit handler.
                let terms: Vec<String> = waits
                    .iter()
                    .map(|w| match &w.kind {
                        NodeKind::Group {
                            group: GroupKind::ExitHandler,
                        } => format!("({0}.Succeeded || {0}.Failed || {0}.Errored)", w.task),
                        _ => w.task.clone(),
                    })
                    .collect();
                task["depends"] = json!(terms.join(" && "));
            } else if !waits.is_empty() {
                task["dependencies"] =
                    json!(waits.iter().map(|w| w.task.as_str()).collect::<Vec<_>>());
            }
            if let Some(condition) = &child.condition {
                task["when"] = json!(self.translate(condition, &siblings, &mut outputs));
            }
            if let NodeKind::Group {
                group: GroupKind::ParallelFor { iterator },
            } = &child.kind
            {
                let raw = (iterator.source == LoopSource::Raw)
                    .then(|| serde_json::from_str::<Vec<Value>>(&iterator.items).ok())
                    .flatten();
                match raw {
                    Some(items) => task["withItems"] = json!(items),
                    None => {
                        let reference = self.reference(&iterator.items, &siblings, &mut outputs);
                        task["withParam"] = json!(format!("{{{{{reference}}}}}"));
                    }
                }
                task["arguments"] =
                    json!({ "parameters": [{ "name": LOOP_ITEM, "value": "{{item}}" }] });
            }
            tasks.push(task);
        }
        for (template, output) in outputs {
            self.outputs.entry(template).or_default().insert(output);
        }
        tasks
    }

    /// An Argo reference for a v2 input (`pipelinechannel--train-accuracy`): a run
    /// parameter, a sibling's output, the loop item, or the enclosing group's input.
    fn reference(
        &self,
        key: &str,
        siblings: &[(&str, &str)],
        outputs: &mut Vec<(String, String)>,
    ) -> String {
        let key = key.trim();
        let key = key.strip_prefix("pipelinechannel--").unwrap_or(key);
        if key.starts_with("loop-item-param") {
            return format!("inputs.parameters.{LOOP_ITEM}");
        }
        if self.inputs.contains(key) {
            return format!("workflow.parameters.{key}");
        }
        let producer = siblings
            .iter()
            .filter(|(task, _)| key.len() > task.len() + 1 && key.starts_with(&format!("{task}-")))
            .max_by_key(|(task, _)| task.len());
        match producer {
            Some((task, template)) => {
                let output = &key[task.len() + 1..];
                outputs.push((template.to_string(), output.to_string()));
                format!("tasks.{task}.outputs.parameters.{output}")
            }
            None => format!("inputs.parameters.{key}"),
        }
    }

    /// A v2 condition (`inputs.parameter_values['pipelinechannel--flip-Output'] == 'heads'`)
    /// in Argo's words (`"{{tasks.flip.outputs.parameters.Output}}" == 'heads'`).
    fn translate(
        &self,
        condition: &str,
        siblings: &[(&str, &str)],
        outputs: &mut Vec<(String, String)>,
    ) -> String {
        const READ: &str = "inputs.parameter_values[";
        let mut out = String::with_capacity(condition.len());
        let mut rest = condition;
        while let Some(start) = rest.find(READ) {
            let after = &rest[start + READ.len()..];
            let Some(close) = after.find(']') else {
                break;
            };
            let key = after[..close]
                .trim()
                .trim_matches(|c| c == '\'' || c == '"');
            out.push_str(&rest[..start]);
            out.push_str(&format!(
                "\"{{{{{}}}}}\"",
                self.reference(key, siblings, outputs)
            ));
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::pipeline::parse_pipeline_file;

    const CONDITION: &str = include_str!("../seed/pipelines/pipeline_with_condition.yaml");
    const LOOP: &str = include_str!("../seed/pipelines/parallel_for_after_dependency.yaml");

    fn task<'a>(spec: &'a Value, template: &str, task: &str) -> &'a Value {
        spec["templates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == template)
            .and_then(|t| t["dag"]["tasks"].as_array())
            .and_then(|tasks| tasks.iter().find(|t| t["name"] == task))
            .unwrap_or_else(|| panic!("{template}/{task} in {spec:#}"))
    }

    #[test]
    fn conditions_read_sibling_outputs_that_the_producer_declares() {
        let graph = parse_pipeline_file("c.yaml", CONDITION.as_bytes()).unwrap();
        let spec = compile_graph(&graph);
        let condition = task(&spec, ENTRYPOINT, "condition-1");
        assert_eq!(
            condition["when"],
            "\"{{tasks.flip-coin-op.outputs.parameters.Output}}\" == 'heads'"
        );
        assert_eq!(condition["dependencies"], json!(["flip-coin-op"]));
        let flip = spec["templates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "flip-coin-op")
            .unwrap();
        assert_eq!(flip["outputs"]["parameters"][0]["name"], "Output");
    }

    #[test]
    fn loops_get_their_items_and_fan_out_after() {
        let graph = parse_pipeline_file("l.yaml", LOOP.as_bytes()).unwrap();
        let spec = compile_graph(&graph);
        let for_loop = task(&spec, ENTRYPOINT, "for-loop-2");
        assert_eq!(for_loop["withItems"], json!([1, 2, 3]));
        assert_eq!(
            task(&spec, ENTRYPOINT, "print-op-2")["dependencies"],
            json!(["for-loop-2"])
        );
    }

    /// The workflow of a run of `file`, run by the sandbox's Argo to its end.
    fn run_to_end(file: &str, text: &[u8], parameters: Value) -> Value {
        let graph = parse_pipeline_file(file, text).unwrap();
        let run = RunInfo {
            run_id: "run-1",
            run_name: "a run",
            workflow_name: "wf",
            namespace: "ns",
        };
        let mut workflow = workflow(&graph, &json!({}), parameters.as_object().unwrap(), &run);
        workflow["metadata"]["uid"] = json!(format!("uid-of-{file}"));
        for step in 0..200 {
            let now = format!("2026-03-01T10:{:02}:{:02}Z", step / 60, step % 60);
            workflow["status"] = crate::sandbox::controllers::argo::advance(&workflow, &now);
            if crate::sandbox::controllers::argo::is_finished(
                workflow["status"]["phase"].as_str().unwrap(),
            ) {
                return workflow;
            }
        }
        panic!("{file} did not finish: {:#}", workflow["status"]);
    }

    fn phases(workflow: &Value) -> BTreeMap<String, String> {
        crate::sandbox::controllers::argo::read_nodes(&workflow["status"])
            .into_values()
            .filter(|node| node.node_type == "Pod" || node.node_type == "Skipped")
            .map(|node| (node.display_name, node.phase))
            .collect()
    }

    #[test]
    fn compiled_samples_run_to_their_end() {
        let hello = run_to_end(
            "h.yaml",
            include_bytes!("../seed/pipelines/hello_world.yaml"),
            json!({}),
        );
        assert_eq!(hello["status"]["phase"], "Succeeded");
        assert_eq!(hello["status"]["progress"], "1/1");

        let condition = run_to_end("c.yaml", CONDITION.as_bytes(), json!({ "text": "hi" }));
        assert_eq!(condition["status"]["phase"], "Succeeded");
        let steps = phases(&condition);
        assert_eq!(steps["flip-coin-op"], "Succeeded");
        let skipped = steps.get("condition-1").map(String::as_str) == Some("Skipped");
        assert!(skipped != steps.contains_key("flip-coin-op-2"), "{steps:?}");
        assert_eq!(
            condition["spec"]["arguments"]["parameters"],
            json!([{ "name": "text", "value": "hi" }])
        );

        let looped = run_to_end("l.yaml", LOOP.as_bytes(), json!({}));
        assert_eq!(looped["status"]["phase"], "Succeeded");
        let nodes = crate::sandbox::controllers::argo::read_nodes(&looped["status"]);
        let iterations = nodes
            .values()
            .filter(|n| n.display_name.starts_with("for-loop-2("))
            .count();
        assert_eq!(iterations, 3);

        let nested = run_to_end(
            "n.yaml",
            include_bytes!("../seed/pipelines/pipeline_in_pipeline_complex.yaml"),
            json!({}),
        );
        assert_eq!(nested["status"]["phase"], "Succeeded");
        // Inside each item's sub-pipeline exactly one of the two opposite conditions runs.
        let nodes = crate::sandbox::controllers::argo::read_nodes(&nested["status"]);
        let ran = nodes
            .values()
            .filter(|n| n.display_name.starts_with("condition-") && n.phase == "Succeeded")
            .count();
        let skipped = nodes
            .values()
            .filter(|n| n.display_name.starts_with("condition-") && n.phase == "Skipped")
            .count();
        assert_eq!((ran, skipped), (2, 2));

        let failing = run_to_end(
            "l.yaml",
            LOOP.as_bytes(),
            json!({ "fail_step": "print-op-2" }),
        );
        assert_eq!(failing["status"]["phase"], "Failed");
        assert_eq!(phases(&failing)["print-op-2"], "Failed");
        assert_eq!(phases(&failing)["print-op-3"], "Succeeded");
    }

    #[test]
    fn exit_handlers_run_after_a_failure() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/conformance/pipelines/pipeline_with_exit_handler.yaml"
        );
        let done = run_to_end("e.yaml", &std::fs::read(path).unwrap(), json!({}));
        assert_eq!(done["status"]["phase"], "Failed");
        let steps = phases(&done);
        assert_eq!(steps["fail-op"], "Failed");
        assert_eq!(steps["print-op-2"], "Succeeded");
        assert_eq!(steps["print-op"], "Succeeded", "{steps:?}");
    }

    #[test]
    fn workflow_names_are_dns_labels() {
        assert_eq!(
            workflow_name("My Pipeline!! v2", "abcde"),
            "my-pipeline-v2-abcde"
        );
        assert_eq!(workflow_name("???", "abcde"), "pipeline-abcde");
        assert!(workflow_name(&"x".repeat(100), "abcde").len() <= 63);
    }
}
