//! Pipelines on the wire: the graph of a pipeline file or of a run (nodes, dependency edges,
//! groups), the pipeline's run parameters, and why a file was refused.

use crate::model::AppError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// What a graph was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PipelineFormat {
    /// A KFP v2 `PipelineSpec` (the SDK's compiled IR).
    V2Ir,
    /// A KFP v1 pipeline: a compiled Argo Workflow.
    V1Argo,
    /// A run: an Argo Workflow with its `status.nodes`.
    ArgoRun,
}

/// A pipeline or run as a graph. Node ids are unique paths; `edges` are dependencies between
/// siblings (never containment, which `GraphNode::parent` carries).
///
/// Id conventions: v2 IR `root/<task>/<child-task>…` (a group's id is also its DAG's path);
/// v1 Argo `/<task>/<child-task>…` (`<template>` for the `onExit` hook and for a pipeline with
/// no DAG); runs use Argo's node ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineGraph {
    pub format: PipelineFormat,
    /// `pipelineInfo.name`, the v1 pipeline spec annotation's name, or the workflow's name.
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// The run parameters the pipeline declares, in file order.
    pub inputs: Vec<PipelineInput>,
    /// Parents come before their children.
    pub nodes: Vec<GraphNode>,
    /// Deduplicated, in file order.
    pub edges: Vec<GraphEdge>,
}

/// One run parameter of a pipeline, as the create-run form shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineInput {
    pub name: String,
    pub parameter_type: ParameterType,
    pub default: Option<Value>,
    /// The run may leave it out (it has a default, or the pipeline says so).
    pub optional: bool,
    pub description: Option<String>,
}

/// KFP's parameter types (`parameterType` in v2 IR; v1 type names are mapped onto them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParameterType {
    String,
    NumberInteger,
    NumberDouble,
    Boolean,
    List,
    Struct,
    TaskFinalStatus,
    /// Not stated, or a type this dashboard doesn't know; edited as text.
    Unspecified,
}

/// A task, a group of tasks, or a run's step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub id: String,
    /// The task's key in its DAG (v2 IR, v1 Argo) or the step's name (runs).
    pub task: String,
    /// What the user reads: `taskInfo.name`, the display-name annotation, or the task key.
    pub label: String,
    /// The enclosing group's id; None at the top level.
    pub parent: Option<String>,
    pub kind: NodeKind,
    /// The component (v2 IR) or template (Argo) the task runs.
    pub component: Option<String>,
    pub executor: Option<Executor>,
    /// The task runs only when this holds (`triggerPolicy.condition` or Argo `when`).
    pub condition: Option<String>,
    /// The step's state in a run; None in a pipeline's static graph.
    pub run: Option<NodeRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeKind {
    /// Runs one container (or resource, importer…).
    Task,
    /// Holds other nodes, whose `parent` is this node's id.
    Group { group: GroupKind },
    /// The v1 workflow's `onExit` template: runs last, whatever happened.
    ExitHook,
    /// Stands for steps a running run has not created yet.
    Placeholder,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "group", rename_all = "snake_case")]
pub enum GroupKind {
    /// A pipeline used as a component.
    SubPipeline,
    /// `dsl.If` / `dsl.Condition`: the children run only when `GraphNode::condition` holds.
    Condition,
    /// `dsl.If`/`Elif`/`Else` together: exactly one branch runs.
    ConditionBranches,
    /// `dsl.ParallelFor`: the children run once per item.
    ParallelFor { iterator: LoopIterator },
    /// `dsl.ExitHandler`: the exit task that depends on it runs whatever happened inside.
    ExitHandler,
}

/// What a ParallelFor iterates over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopIterator {
    /// Known when the items are written in the file.
    pub iterations: Option<usize>,
    /// The items as written (a JSON list), or the parameter or artifact they come from.
    pub items: String,
    pub source: LoopSource,
    /// How many iterations may run at once; None when unlimited.
    pub parallelism: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoopSource {
    Raw,
    Parameter,
    Artifact,
}

/// What a task runs, when the file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Executor {
    Container {
        image: String,
        command: Vec<String>,
        args: Vec<String>,
    },
    /// A Kubernetes resource the task creates, patches or deletes (`resource.action`).
    Resource {
        action: String,
    },
    /// `dsl.importer`: brings an existing artifact into the pipeline.
    Importer {
        artifact_uri: Option<String>,
    },
    Resolver,
}

/// A dependency: `to` waits for `from`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
}

impl GraphEdge {
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self {
            from: from.into(),
            to: to.into(),
        }
    }
}

/// A run's step as the graph and its side panel show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRun {
    pub phase: NodePhase,
    /// Argo's node type: `Pod`, `Steps`, `DAG`, `Skipped`…
    pub node_type: String,
    pub display_name: String,
    pub template: Option<String>,
    /// RFC 3339, as Argo writes it.
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub message: Option<String>,
    pub inputs: Vec<RunValue>,
    pub outputs: Vec<RunValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodePhase {
    Pending,
    Running,
    Succeeded,
    Skipped,
    Failed,
    Error,
    Omitted,
    Terminated,
    Cached,
    Unknown,
}

impl NodePhase {
    /// Argo's phase name (KFP's `Cached` and `Terminated` too); anything else is Unknown.
    pub fn from_argo(phase: &str) -> Self {
        match phase {
            "Pending" => Self::Pending,
            "Running" => Self::Running,
            "Succeeded" => Self::Succeeded,
            "Skipped" => Self::Skipped,
            "Failed" => Self::Failed,
            "Error" => Self::Error,
            "Omitted" => Self::Omitted,
            "Terminated" => Self::Terminated,
            "Cached" => Self::Cached,
            _ => Self::Unknown,
        }
    }

    /// Nothing more will happen to the step.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            Self::Succeeded
                | Self::Failed
                | Self::Error
                | Self::Skipped
                | Self::Omitted
                | Self::Terminated
                | Self::Cached
        )
    }
}

/// A parameter's value or an artifact's location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunValue {
    pub name: String,
    pub kind: RunValueKind,
    /// The parameter's value, or the artifact's URI (`s3://bucket/key`).
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunValueKind {
    Parameter,
    Artifact,
}

/// Why a pipeline file was refused, pointing at the place to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineParseError {
    /// The uploaded file's name; `archive.zip (member.yaml)` for an archive's member.
    pub file: String,
    /// 1-based, when known.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Dotted path of the offending field (`root.dag.tasks.train.componentRef.name`).
    pub field: Option<String>,
    pub kind: ParseErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseErrorKind {
    /// Over one of the size, depth or alias limits.
    TooLarge,
    /// Not YAML or JSON text, or not valid YAML or JSON.
    Syntax,
    /// Valid YAML or JSON, but not a pipeline KFP accepts.
    Invalid,
}

impl PipelineParseError {
    /// `file:line:column: field`, as much of it as is known.
    pub fn place(&self) -> String {
        let mut place = self.file.clone();
        if let Some(line) = self.line {
            place.push_str(&format!(":{line}"));
            if let Some(column) = self.column {
                place.push_str(&format!(":{column}"));
            }
        }
        if let Some(field) = &self.field {
            place.push_str(": ");
            place.push_str(field);
        }
        place
    }
}

impl fmt::Display for PipelineParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place(), self.message)
    }
}

impl std::error::Error for PipelineParseError {}

impl From<PipelineParseError> for AppError {
    fn from(error: PipelineParseError) -> Self {
        match error.kind {
            ParseErrorKind::TooLarge => {
                AppError::TooLarge(format!("{} ({})", error.place(), error.message))
            }
            ParseErrorKind::Syntax | ParseErrorKind::Invalid => {
                AppError::BadRequest(error.to_string())
            }
        }
    }
}
