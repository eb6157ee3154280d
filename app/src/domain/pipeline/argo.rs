//! KFP v1 pipelines (compiled Argo Workflows) to a static graph, as KFP's v1 UI draws them:
//! every DAG task is a node (`/<task>/<child-task>…`), DAG templates are groups, the top-level
//! `exit-handler-*` wrapper is folded away and `spec.onExit` is a node of its own. Steps and
//! script templates are leaves.

use super::error::Source;
use super::graph::find_cycle;
use super::tree::{Key, Tree};
use super::{MAX_GRAPH_NODES, MAX_NESTING_DEPTH};
use crate::model::pipeline::{
    Executor, GraphEdge, GraphNode, GroupKind, LoopIterator, LoopSource, NodeKind, ParameterType,
    PipelineFormat, PipelineGraph, PipelineInput, PipelineParseError,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// The annotation where the v1 SDK writes the pipeline's name, description and inputs.
const PIPELINE_SPEC_ANNOTATION: &str = "pipelines.kubeflow.org/pipeline_spec";

/// What a task running this template runs; None for DAG and steps templates.
pub(super) fn executor(template: &Tree) -> Option<Executor> {
    let (container, script, resource) = (
        template.get("container"),
        template.get("script"),
        template.get("resource"),
    );
    if container.is_map() {
        Some(Executor::Container {
            image: container.text_at("image").unwrap_or_default(),
            command: container.get("command").texts(),
            args: container.get("args").texts(),
        })
    } else if script.is_map() {
        Some(Executor::Container {
            image: script.text_at("image").unwrap_or_default(),
            command: script.get("command").texts(),
            args: script.get("source").texts(),
        })
    } else {
        resource.is_map().then(|| Executor::Resource {
            action: resource.text_at("action").unwrap_or_default(),
        })
    }
}

/// The templates by name.
pub(super) fn templates(spec: &Tree) -> HashMap<&str, &Tree> {
    (spec.get("templates").items().iter())
        .filter_map(|template| Some((template_name(template)?, template)))
        .collect()
}

/// `metadata.name`, or `generateName` without its trailing dash.
pub(super) fn workflow_name(workflow: &Tree) -> String {
    let meta = workflow.get("metadata");
    meta.text_at("name")
        .or_else(|| (meta.text_at("generateName")).map(|name| name.trim_end_matches('-').into()))
        .unwrap_or_default()
}

/// The static graph of a v1 pipeline.
pub(super) fn static_graph(
    source: &Source,
    workflow: &Tree,
) -> Result<PipelineGraph, PipelineParseError> {
    let spec = workflow.get("spec");
    if !spec.is_map() {
        return Err(source.field(None, "spec", "missing; a Workflow has templates"));
    }
    let mut seen = HashSet::new();
    for template in spec.get("templates").items() {
        if let Some((key, name)) = template.entry("name")
            && !seen.insert(name.text().unwrap_or_default())
        {
            return Err(source.field(
                Some(key),
                "spec.templates",
                format!(
                    "two templates are named {}",
                    name.text().unwrap_or_default()
                ),
            ));
        }
    }
    let mut builder = Builder {
        source,
        templates: templates(spec),
        nodes: Vec::new(),
        edges: Vec::new(),
        open: Vec::new(),
    };
    // KFP accepts a workflow without entrypoint: it may be given when the run is submitted.
    let entrypoint = match spec.entry("entrypoint") {
        Some((key, name)) => Some(builder.template(key, name, "spec.entrypoint")?),
        None => None,
    };
    if let Some((name, template)) = entrypoint.filter(|(_, template)| is_dag(template)) {
        builder.open.push(name);
        builder.dag(name, template, "", None)?;
    }
    if builder.nodes.is_empty()
        && let Some((name, template)) = entrypoint
    {
        // A pipeline without a DAG: its entrypoint is the one thing it runs.
        builder.nodes.push(GraphNode {
            id: name.to_owned(),
            task: name.to_owned(),
            label: name.to_owned(),
            parent: None,
            kind: NodeKind::Task,
            component: Some(name.to_owned()),
            executor: executor(template),
            condition: None,
            run: None,
        });
    }
    if let Some((key, name)) = spec.entry("onExit") {
        let (name, template) = builder.template(key, name, "spec.onExit")?;
        builder.nodes.push(GraphNode {
            id: name.to_owned(),
            task: name.to_owned(),
            label: format!("onExit - {name}"),
            parent: None,
            kind: NodeKind::ExitHook,
            component: Some(name.to_owned()),
            executor: executor(template),
            condition: None,
            run: None,
        });
    }
    let annotation = (workflow.get("metadata").get("annotations"))
        .text_at(PIPELINE_SPEC_ANNOTATION)
        .and_then(|text| serde_json::from_str::<Tree>(&text).ok())
        .unwrap_or_default();
    Ok(PipelineGraph {
        format: PipelineFormat::V1Argo,
        name: workflow_name(workflow),
        display_name: annotation.text_at("name"),
        description: annotation.text_at("description"),
        inputs: inputs(spec, annotation.get("inputs")),
        nodes: builder.nodes,
        edges: builder.edges,
    })
}

/// The run parameters (`spec.arguments`), typed and described by the SDK's annotation.
pub(super) fn inputs(spec: &Tree, described: &Tree) -> Vec<PipelineInput> {
    let arguments = spec.get("arguments").get("parameters").items();
    (arguments.iter())
        .filter_map(|parameter| {
            let name = parameter.text_at("name")?;
            let described = (described.items().iter())
                .find(|input| input.text_at("name").as_deref() == Some(name.as_str()))
                .unwrap_or(&Tree::Null);
            let default = parameter.get("value").text().map(Value::String);
            Some(PipelineInput {
                parameter_type: v1_parameter_type(described.get("type")),
                optional: default.is_some() || described.get("optional") == &Tree::Bool(true),
                default,
                description: described.text_at("description"),
                name,
            })
        })
        .collect()
}

/// The v1 SDK's type names; its structured types (`{GCSPath: …}`) are paths, hence text.
fn v1_parameter_type(name: &Tree) -> ParameterType {
    match name.text().unwrap_or_default().as_str() {
        "Integer" | "int" => ParameterType::NumberInteger,
        "Float" | "float" => ParameterType::NumberDouble,
        "Bool" | "Boolean" | "bool" => ParameterType::Boolean,
        "List" | "JsonArray" | "list" => ParameterType::List,
        "Dict" | "JsonObject" | "dict" => ParameterType::Struct,
        _ => ParameterType::String,
    }
}

fn is_dag(template: &Tree) -> bool {
    template.get("dag").is_map()
}

struct Builder<'a> {
    source: &'a Source,
    templates: HashMap<&'a str, &'a Tree>,
    nodes: Vec<GraphNode>,
    edges: Vec<GraphEdge>,
    /// DAG templates being walked: a recursive DAG is drawn once, as a leaf the second time.
    open: Vec<&'a str>,
}

impl<'a> Builder<'a> {
    /// The template `name` (written at `key`) names.
    fn template(
        &self,
        key: &Key,
        name: &Tree,
        field: &str,
    ) -> Result<(&'a str, &'a Tree), PipelineParseError> {
        let name = name.text().unwrap_or_default();
        match self.templates.get_key_value(name.as_str()) {
            Some((&name, &template)) => Ok((name, template)),
            None => Err(self
                .source
                .field(Some(key), field, format!("no template named {name}"))),
        }
    }

    /// Adds the tasks of a DAG template under the node `prefix` (empty at the top).
    fn dag(
        &mut self,
        name: &str,
        template: &'a Tree,
        prefix: &str,
        parent: Option<&str>,
    ) -> Result<(), PipelineParseError> {
        let field = format!("spec.templates.{name}.dag.tasks");
        let tasks = template.get("dag").get("tasks").items();
        let mut names = Vec::with_capacity(tasks.len());
        let mut ids: Vec<Option<String>> = Vec::with_capacity(tasks.len());
        for (index, task) in tasks.iter().enumerate() {
            let Some(task_name) = task.text_at("name") else {
                return Err(self.source.field(
                    task.entries().first().map(|(key, _)| key),
                    format!("{field}[{index}].name"),
                    "missing; every task has a name",
                ));
            };
            let task_field = format!("{field}.{task_name}");
            let child = match (task.entry("template"), task.get("templateRef").is_null()) {
                (Some((key, child)), _) => {
                    Some(self.template(key, child, &format!("{task_field}.template"))?)
                }
                // A WorkflowTemplate's template: nothing to look into here.
                (None, false) => None,
                (None, true) => {
                    return Err(self.source.field(
                        task.entry("name").map(|(key, _)| key),
                        format!("{task_field}.template"),
                        "missing; a task names its template",
                    ));
                }
            };
            let expands = child
                .filter(|(child_name, child)| is_dag(child) && !self.open.contains(child_name));
            names.push(task_name.clone());
            // The v1 compiler wraps the whole pipeline in `exit-handler-N`; KFP draws its
            // tasks in its place.
            if let Some((child_name, child)) =
                expands.filter(|_| task_name.starts_with("exit-handler"))
            {
                ids.push(None);
                self.nested(child_name, child, prefix, parent)?;
                continue;
            }
            if self.nodes.len() >= MAX_GRAPH_NODES {
                return Err(self.source.too_large(format!(
                    "the pipeline has more than {MAX_GRAPH_NODES} tasks once its DAGs are expanded"
                )));
            }
            let id = format!("{prefix}/{task_name}");
            self.nodes.push(GraphNode {
                id: id.clone(),
                task: task_name.clone(),
                label: task_name,
                parent: parent.map(str::to_owned),
                kind: match expands {
                    Some((_, child)) => NodeKind::Group {
                        group: group_kind(task, child),
                    },
                    None => NodeKind::Task,
                },
                component: child.map(|(name, _)| name.to_owned()),
                executor: child.and_then(|(_, child)| executor(child)),
                condition: task.text_at("when"),
                run: None,
            });
            if let Some((child_name, child)) = expands {
                self.nested(child_name, child, &id, Some(&id))?;
            }
            ids.push(Some(id));
        }
        self.dependencies(tasks, &names, &field, &ids)
    }

    fn nested(
        &mut self,
        name: &'a str,
        template: &'a Tree,
        prefix: &str,
        parent: Option<&str>,
    ) -> Result<(), PipelineParseError> {
        if self.open.len() >= MAX_NESTING_DEPTH {
            return Err(self.source.too_large(format!(
                "DAGs nested deeper than {MAX_NESTING_DEPTH} levels"
            )));
        }
        self.open.push(name);
        self.dag(name, template, prefix, parent)?;
        self.open.pop();
        Ok(())
    }

    /// Edges from `dependencies` and the task names in `depends` expressions, between the
    /// DAG's tasks (`ids`, None for a folded exit handler).
    fn dependencies(
        &mut self,
        tasks: &[Tree],
        names: &[String],
        field: &str,
        ids: &[Option<String>],
    ) -> Result<(), PipelineParseError> {
        let siblings: HashMap<&str, usize> = (names.iter().enumerate())
            .map(|(index, name)| (name.as_str(), index))
            .collect();
        let mut pairs = Vec::new();
        let mut seen = HashSet::new();
        for (consumer, task) in tasks.iter().enumerate() {
            let mut named: Vec<(&Key, String, &str)> = Vec::new();
            if let Some((key, list)) = task.entry("dependencies") {
                named.extend(
                    list.texts()
                        .into_iter()
                        .map(|name| (key, name, "dependencies")),
                );
            }
            if let Some((key, expression)) = task.entry("depends") {
                let expression = expression.text().unwrap_or_default();
                named.extend(
                    depends_names(&expression).map(|name| (key, name.to_owned(), "depends")),
                );
            }
            for (key, name, which) in named {
                let Some(&producer) = siblings.get(name.as_str()) else {
                    return Err(self.source.field(
                        Some(key),
                        format!("{field}.{}.{which}", names[consumer]),
                        format!("no task named {name} in this DAG"),
                    ));
                };
                if seen.insert((producer, consumer)) {
                    pairs.push((producer, consumer));
                }
            }
        }
        if let Some(cycle) = find_cycle(tasks.len(), &pairs) {
            let path: Vec<&str> = (cycle.iter().chain(cycle.first()))
                .map(|&index| names[index].as_str())
                .collect();
            return Err(self.source.field(
                tasks[cycle[0]].entry("name").map(|(key, _)| key),
                field.to_owned(),
                format!(
                    "the tasks depend on each other in a cycle: {}",
                    path.join(" → ")
                ),
            ));
        }
        for (producer, consumer) in pairs {
            if let (Some(from), Some(to)) = (&ids[producer], &ids[consumer]) {
                self.edges.push(GraphEdge::new(from, to));
            }
        }
        Ok(())
    }
}

fn template_name(template: &Tree) -> Option<&str> {
    match template.get("name") {
        Tree::Text(name) => Some(name),
        _ => None,
    }
}

/// The task names in an Argo `depends` expression (`(a.Succeeded || b) && !c.Failed`).
fn depends_names(expression: &str) -> impl Iterator<Item = &str> {
    let mut seen = HashSet::new();
    expression
        .split(|c: char| matches!(c, '&' | '|' | '!' | '(' | ')') || c.is_whitespace())
        .filter(|token| !token.is_empty())
        .map(|token| token.split('.').next().unwrap_or(token))
        .filter(move |name| seen.insert(*name))
}

fn group_kind(task: &Tree, template: &Tree) -> GroupKind {
    let parallelism = (template.get("parallelism").text()).and_then(|limit| limit.parse().ok());
    if let Tree::List(items) = task.get("withItems") {
        return GroupKind::ParallelFor {
            iterator: LoopIterator {
                iterations: Some(items.len()),
                items: task.get("withItems").to_json().to_string(),
                source: LoopSource::Raw,
                parallelism,
            },
        };
    }
    if let Some(parameter) = task.text_at("withParam") {
        return GroupKind::ParallelFor {
            iterator: LoopIterator {
                iterations: None,
                items: parameter,
                source: LoopSource::Parameter,
                parallelism,
            },
        };
    }
    let is_condition = task.text_at("when").is_some()
        || task
            .text_at("name")
            .is_some_and(|name| name.starts_with("condition-"));
    match is_condition {
        true => GroupKind::Condition,
        false => GroupKind::SubPipeline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_expressions_name_their_tasks_once() {
        let names: Vec<&str> =
            depends_names("(train.Succeeded || train.Failed) && !clean && (a||b.Skipped)")
                .collect();
        assert_eq!(names, ["train", "clean", "a", "b"]);
    }
}
