//! KFP v2 IR (`PipelineSpec`, schema 2.1.0) to a graph: every task of every DAG reachable from
//! `root`, sub-DAGs as groups, dependencies from `dependentTasks` and the producers of every
//! consumed output.

use super::error::Source;
use super::graph::find_cycle;
use super::tree::{Key, Tree};
use super::{MAX_GRAPH_NODES, MAX_NESTING_DEPTH};
use crate::model::pipeline::{
    Executor, GraphEdge, GraphNode, GroupKind, LoopIterator, LoopSource, NodeKind, ParameterType,
    PipelineFormat, PipelineGraph, PipelineInput, PipelineParseError,
};
use std::collections::{HashMap, HashSet};

/// The only schema version KFP runs.
pub const SCHEMA_VERSION: &str = "2.1.0";

/// The graph of a PipelineSpec document.
pub(super) fn graph(source: &Source, spec: &Tree) -> Result<PipelineGraph, PipelineParseError> {
    match spec.entry("schemaVersion") {
        Some((_, version)) if version.text().as_deref() == Some(SCHEMA_VERSION) => {}
        Some((key, version)) => {
            let found = version.text().unwrap_or_else(|| version.kind().into());
            return Err(source.field(
                Some(key),
                "schemaVersion",
                format!(
                    "KFP runs schema version {SCHEMA_VERSION}, this file has {found}; \
                     compile it with KFP SDK 2.x"
                ),
            ));
        }
        None => {
            return Err(source.field(
                None,
                "schemaVersion",
                format!("missing; KFP runs schema version {SCHEMA_VERSION}"),
            ));
        }
    }
    let info = spec.get("pipelineInfo");
    let Some(name) = info.text_at("name") else {
        return Err(source.field(
            None,
            "pipelineInfo.name",
            "missing; a pipeline needs a name",
        ));
    };
    let root = spec.get("root");
    if root.is_null() {
        return Err(source.field(None, "root", "missing; it is the pipeline's DAG"));
    }
    let root_dag = root.get("dag");
    if !root_dag.is_map() {
        return Err(source.field(
            spec.entry("root").map(|(key, _)| key),
            "root.dag",
            "missing; the root component must be a DAG",
        ));
    }
    let named = |tree| -> HashMap<&str, &Tree> {
        Tree::entries(tree)
            .iter()
            .map(|(key, value)| (key.text.as_str(), value))
            .collect()
    };
    let mut builder = Builder {
        source,
        components: named(spec.get("components")),
        executors: named(spec.get("deploymentSpec").get("executors")),
        nodes: Vec::new(),
        edges: Vec::new(),
        open: Vec::new(),
    };
    builder.dag(root_dag, "root.dag", "root", None)?;
    Ok(PipelineGraph {
        format: PipelineFormat::V2Ir,
        name,
        display_name: info.text_at("displayName"),
        description: info.text_at("description"),
        inputs: root_inputs(root),
        nodes: builder.nodes,
        edges: builder.edges,
    })
}

fn root_inputs(root: &Tree) -> Vec<PipelineInput> {
    let parameters = root.get("inputDefinitions").get("parameters");
    (parameters.entries().iter())
        .map(|(name, spec)| {
            let declared = spec
                .text_at("parameterType")
                .or_else(|| spec.text_at("type"));
            let default = Some(spec.get("defaultValue"))
                .filter(|value| !value.is_null())
                .map(Tree::to_json);
            PipelineInput {
                name: name.text.clone(),
                parameter_type: parameter_type(declared.as_deref().unwrap_or_default()),
                optional: spec.get("isOptional") == &Tree::Bool(true) || default.is_some(),
                default,
                description: spec.text_at("description"),
            }
        })
        .collect()
}

/// `parameterType`, or schema 2.0's `type` (`INT`, `DOUBLE`, `STRING`).
fn parameter_type(name: &str) -> ParameterType {
    match name {
        "STRING" => ParameterType::String,
        "NUMBER_INTEGER" | "INT" => ParameterType::NumberInteger,
        "NUMBER_DOUBLE" | "DOUBLE" => ParameterType::NumberDouble,
        "BOOLEAN" => ParameterType::Boolean,
        "LIST" => ParameterType::List,
        "STRUCT" => ParameterType::Struct,
        "TASK_FINAL_STATUS" => ParameterType::TaskFinalStatus,
        _ => ParameterType::Unspecified,
    }
}

struct Builder<'a> {
    source: &'a Source,
    components: HashMap<&'a str, &'a Tree>,
    executors: HashMap<&'a str, &'a Tree>,
    nodes: Vec<GraphNode>,
    edges: Vec<GraphEdge>,
    /// Components whose DAG is being walked, to refuse a component that contains itself.
    open: Vec<&'a str>,
}

/// A task waits for its sibling `producer`, as `field` says (`at` is where).
struct Dependency<'a> {
    producer: usize,
    at: &'a Key,
    field: String,
}

impl<'a> Builder<'a> {
    /// Adds the tasks of `dag` (written at `field`, e.g. `components.comp-x.dag`) under the
    /// group whose id is `path`, then their dependencies.
    fn dag(
        &mut self,
        dag: &'a Tree,
        field: &str,
        path: &str,
        parent: Option<&str>,
    ) -> Result<(), PipelineParseError> {
        let tasks = match dag.entry("tasks") {
            Some((key, tasks)) if !tasks.is_map() && !tasks.is_null() => {
                return Err(self.source.field(
                    Some(key),
                    format!("{field}.tasks"),
                    format!("expected a mapping of tasks, found {}", tasks.kind()),
                ));
            }
            Some((_, tasks)) => tasks.entries(),
            None => &[],
        };
        let siblings: HashMap<&str, usize> = (tasks.iter().enumerate())
            .map(|(index, (key, _))| (key.text.as_str(), index))
            .collect();
        let dependencies = (tasks.iter())
            .map(|(key, task)| {
                self.dependencies(&siblings, &format!("{field}.tasks.{}", key.text), task)
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.check_acyclic(tasks, field, &dependencies)?;
        // `ALL_UPSTREAM_TASKS_COMPLETED` on a task that waits for a group makes it an exit
        // handler's exit task.
        let exit_handlers: HashSet<usize> = (tasks.iter().zip(&dependencies))
            .filter(|((_, task), _)| {
                task.get("triggerPolicy").text_at("strategy").as_deref()
                    == Some("ALL_UPSTREAM_TASKS_COMPLETED")
            })
            .flat_map(|(_, producers)| producers.iter().map(|dependency| dependency.producer))
            .collect();
        for (index, (key, task)) in tasks.iter().enumerate() {
            let task_field = format!("{field}.tasks.{}", key.text);
            let id = format!("{path}/{}", key.text);
            let (component_name, component) = self.component(&task_field, key, task)?;
            if self.nodes.len() >= MAX_GRAPH_NODES {
                return Err(self.source.too_large(format!(
                    "the pipeline has more than {MAX_GRAPH_NODES} tasks once its sub-pipelines \
                     are expanded"
                )));
            }
            let child_dag = Some(component.get("dag")).filter(|dag| dag.is_map());
            self.nodes.push(GraphNode {
                id: id.clone(),
                task: key.text.clone(),
                label: task
                    .get("taskInfo")
                    .text_at("name")
                    .unwrap_or_else(|| key.text.clone()),
                parent: parent.map(str::to_owned),
                kind: match child_dag {
                    Some(_) => NodeKind::Group {
                        group: group_kind(&key.text, task, exit_handlers.contains(&index)),
                    },
                    None => NodeKind::Task,
                },
                component: Some(component_name.to_owned()),
                executor: self.executor(component_name, component)?,
                condition: task.get("triggerPolicy").text_at("condition"),
                run: None,
            });
            if let Some(child_dag) = child_dag {
                let reference = task.get("componentRef").entry("name").map(|(key, _)| key);
                if self.open.contains(&component_name) {
                    return Err(self.source.field(
                        reference,
                        format!("{task_field}.componentRef.name"),
                        format!("component {component_name} contains itself"),
                    ));
                }
                if self.open.len() >= MAX_NESTING_DEPTH {
                    return Err(self.source.too_large(format!(
                        "sub-pipelines nested deeper than {MAX_NESTING_DEPTH} levels"
                    )));
                }
                self.open.push(component_name);
                let child_field = format!("components.{component_name}.dag");
                self.dag(child_dag, &child_field, &id, Some(&id))?;
                self.open.pop();
            }
        }
        let ids: Vec<String> = (tasks.iter())
            .map(|(key, _)| format!("{path}/{}", key.text))
            .collect();
        let mut seen = HashSet::new();
        for (consumer, producers) in dependencies.iter().enumerate() {
            for &Dependency { producer, .. } in producers {
                if seen.insert((producer, consumer)) {
                    self.edges
                        .push(GraphEdge::new(&ids[producer], &ids[consumer]));
                }
            }
        }
        Ok(())
    }

    /// The sibling tasks `task` waits for, in file order, each with the field that names it.
    fn dependencies(
        &self,
        siblings: &HashMap<&str, usize>,
        field: &str,
        task: &'a Tree,
    ) -> Result<Vec<Dependency<'a>>, PipelineParseError> {
        let mut named: Vec<(String, &Key, String)> = Vec::new();
        if let Some((key, list)) = task.entry("dependentTasks") {
            if !matches!(list, Tree::List(_) | Tree::Null) {
                return Err(self.source.field(
                    Some(key),
                    format!("{field}.dependentTasks"),
                    format!("expected a list of task names, found {}", list.kind()),
                ));
            }
            for (index, name) in list.texts().into_iter().enumerate() {
                named.push((format!("{field}.dependentTasks[{index}]"), key, name));
            }
        }
        let inputs = task.get("inputs");
        let producers = [
            ("parameters", "taskOutputParameter"),
            ("parameters", "taskFinalStatus"),
            ("artifacts", "taskOutputArtifact"),
        ];
        for (group, reference) in producers {
            for (input, spec) in inputs.get(group).entries() {
                if let Some((key, name)) = spec.get(reference).entry("producerTask") {
                    let at = format!(
                        "{field}.inputs.{group}.{}.{reference}.producerTask",
                        input.text
                    );
                    named.push((at, key, name.text().unwrap_or_default()));
                }
            }
        }
        named
            .into_iter()
            .map(|(field, at, name)| match siblings.get(name.as_str()) {
                Some(&producer) => Ok(Dependency {
                    producer,
                    at,
                    field,
                }),
                None => Err(self.source.field(
                    Some(at),
                    field,
                    format!("no task named {name} in this DAG"),
                )),
            })
            .collect()
    }

    fn check_acyclic(
        &self,
        tasks: &[(Key, Tree)],
        field: &str,
        dependencies: &[Vec<Dependency>],
    ) -> Result<(), PipelineParseError> {
        let edges: Vec<(usize, usize)> = (dependencies.iter().enumerate())
            .flat_map(|(consumer, producers)| {
                producers
                    .iter()
                    .map(move |dependency| (dependency.producer, consumer))
            })
            .collect();
        let Some(cycle) = find_cycle(tasks.len(), &edges) else {
            return Ok(());
        };
        let names: Vec<&str> = (cycle.iter().chain(cycle.first()))
            .map(|&index| tasks[index].0.text.as_str())
            .collect();
        let message = format!(
            "the tasks depend on each other in a cycle: {}",
            names.join(" → ")
        );
        // Point at the dependency that closes the cycle: the second task naming the first.
        let (first, second) = (cycle[0], cycle[1 % cycle.len()]);
        Err(
            match dependencies[second]
                .iter()
                .find(|dependency| dependency.producer == first)
            {
                Some(closing) => {
                    self.source
                        .field(Some(closing.at), closing.field.clone(), message)
                }
                None => self.source.field(None, format!("{field}.tasks"), message),
            },
        )
    }

    /// The component a task runs, by name.
    fn component(
        &self,
        task_field: &str,
        task_key: &Key,
        task: &Tree,
    ) -> Result<(&'a str, &'a Tree), PipelineParseError> {
        let field = format!("{task_field}.componentRef.name");
        let Some((key, name)) = task.get("componentRef").entry("name") else {
            return Err(self.source.field(
                Some(task_key),
                field,
                "missing; a task names its component",
            ));
        };
        let name = name.text().unwrap_or_default();
        match self.components.get_key_value(name.as_str()) {
            Some((&name, &component)) => Ok((name, component)),
            None => Err(self.source.field(
                Some(key),
                field,
                format!("no component named {name}{}", self.suggestion(&name)),
            )),
        }
    }

    /// ` (did you mean comp-train?)` when a component's name is one typo away.
    fn suggestion(&self, name: &str) -> String {
        (self.components.keys())
            .filter(|candidate| one_typo_apart(name, candidate))
            .min()
            .map(|candidate| format!(" (did you mean {candidate}?)"))
            .unwrap_or_default()
    }

    fn executor(
        &self,
        component_name: &str,
        component: &Tree,
    ) -> Result<Option<Executor>, PipelineParseError> {
        let Some((key, label)) = component.entry("executorLabel") else {
            return Ok(None);
        };
        let label = label.text().unwrap_or_default();
        let Some(executor) = self.executors.get(label.as_str()) else {
            return Err(self.source.field(
                Some(key),
                format!("components.{component_name}.executorLabel"),
                format!("no executor named {label} in deploymentSpec.executors"),
            ));
        };
        let container = executor.get("container");
        let importer = executor.get("importer");
        Ok(if container.is_map() {
            Some(Executor::Container {
                image: container.text_at("image").unwrap_or_default(),
                command: container.get("command").texts(),
                args: container.get("args").texts(),
            })
        } else if importer.is_map() {
            let uri = importer.get("artifactUri");
            Some(Executor::Importer {
                artifact_uri: (uri.text())
                    .or_else(|| uri.text_at("constant"))
                    .or_else(|| uri.get("constantValue").text_at("stringValue")),
            })
        } else {
            executor
                .get("resolver")
                .is_map()
                .then_some(Executor::Resolver)
        })
    }
}

fn group_kind(key: &str, task: &Tree, is_exit_handler: bool) -> GroupKind {
    let parallelism = (task.get("iteratorPolicy").get("parallelismLimit").text())
        .and_then(|limit| limit.parse::<u32>().ok())
        .filter(|&limit| limit > 0);
    let parameters = task.get("parameterIterator");
    let artifacts = task.get("artifactIterator");
    if !parameters.is_null() {
        let items = parameters.get("items");
        let (items, source) = match items.text_at("raw") {
            Some(raw) => (raw, LoopSource::Raw),
            None => (
                items.text_at("inputParameter").unwrap_or_default(),
                LoopSource::Parameter,
            ),
        };
        let iterations = (source == LoopSource::Raw)
            .then(|| serde_json::from_str::<Tree>(&items).ok())
            .flatten()
            .and_then(|list| matches!(list, Tree::List(_)).then(|| list.items().len()));
        return GroupKind::ParallelFor {
            iterator: LoopIterator {
                iterations,
                items,
                source,
                parallelism,
            },
        };
    }
    if !artifacts.is_null() {
        return GroupKind::ParallelFor {
            iterator: LoopIterator {
                iterations: None,
                items: artifacts
                    .get("items")
                    .text_at("inputArtifact")
                    .unwrap_or_default(),
                source: LoopSource::Artifact,
                parallelism,
            },
        };
    }
    let has_condition = task.get("triggerPolicy").text_at("condition").is_some();
    if is_exit_handler || key.starts_with("exit-handler-") {
        GroupKind::ExitHandler
    } else if key.starts_with("condition-branches-") {
        GroupKind::ConditionBranches
    } else if has_condition || key.starts_with("condition-") {
        GroupKind::Condition
    } else {
        GroupKind::SubPipeline
    }
}

/// Same length with one letter changed, or two neighbours swapped, or one letter more or less.
fn one_typo_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = (a[prefix..].iter().rev())
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    match (a.len() - prefix - suffix, b.len() - prefix - suffix) {
        (0, 1) | (1, 0) | (1, 1) => true,
        (2, 2) => a[prefix] == b[prefix + 1] && a[prefix + 1] == b[prefix],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_one_edit_or_one_swap() {
        assert!(one_typo_apart("comp-trian", "comp-train"));
        assert!(one_typo_apart("comp-trai", "comp-train"));
        assert!(one_typo_apart("comp-trainn", "comp-train"));
        assert!(one_typo_apart("comp-trbin", "comp-train"));
        assert!(!one_typo_apart("comp-test", "comp-train"));
        assert!(!one_typo_apart("comp-train", "comp-train"));
    }

    #[test]
    fn legacy_and_current_parameter_types_map_alike() {
        assert_eq!(
            parameter_type("NUMBER_INTEGER"),
            ParameterType::NumberInteger
        );
        assert_eq!(parameter_type("INT"), ParameterType::NumberInteger);
        assert_eq!(parameter_type("DOUBLE"), ParameterType::NumberDouble);
        assert_eq!(parameter_type("whatever"), ParameterType::Unspecified);
    }
}
