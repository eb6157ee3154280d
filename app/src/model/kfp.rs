//! Kubeflow Pipelines objects as the pages use them: pipelines and their versions, experiments,
//! runs, and the queries that list them. Built by `backend::kfp` from KFP's v2beta1 API.

use crate::model::pipeline::PipelineGraph;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineRow {
    pub id: String,
    pub name: String,
    pub description: String,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// None: shared with every namespace.
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineList {
    pub rows: Vec<PipelineRow>,
    /// Ask for the next page with this; None on the last page.
    pub next_page_token: Option<String>,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRow {
    pub id: String,
    pub pipeline_id: String,
    pub name: String,
    pub description: String,
    pub created_at: Option<String>,
}

/// A pipeline with its versions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineDetails {
    pub pipeline: PipelineRow,
    pub versions: Vec<VersionRow>,
}

/// One version's graph and run parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionGraph {
    pub version: VersionRow,
    pub graph: PipelineGraph,
}

/// What an upload created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    pub pipeline_id: String,
    pub version_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExperimentRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: Option<String>,
    pub namespace: Option<String>,
    pub archived: bool,
}

/// KFP's run states (`V2beta1RuntimeState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    Pending,
    Running,
    Succeeded,
    Skipped,
    Failed,
    Canceling,
    Canceled,
    Paused,
    Unknown,
}

impl RunState {
    pub const ALL: [RunState; 8] = [
        Self::Pending,
        Self::Running,
        Self::Succeeded,
        Self::Skipped,
        Self::Failed,
        Self::Canceling,
        Self::Canceled,
        Self::Paused,
    ];

    /// KFP's name for the state (`RUNNING`); unknown names are `Unknown`.
    pub fn from_kfp(state: &str) -> Self {
        match state {
            "PENDING" => Self::Pending,
            "RUNNING" => Self::Running,
            "SUCCEEDED" => Self::Succeeded,
            "SKIPPED" => Self::Skipped,
            "FAILED" => Self::Failed,
            "CANCELING" => Self::Canceling,
            "CANCELED" => Self::Canceled,
            "PAUSED" => Self::Paused,
            _ => Self::Unknown,
        }
    }

    pub fn as_kfp(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Skipped => "SKIPPED",
            Self::Failed => "FAILED",
            Self::Canceling => "CANCELING",
            Self::Canceled => "CANCELED",
            Self::Paused => "PAUSED",
            Self::Unknown => "RUNTIME_STATE_UNSPECIFIED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Skipped => "Skipped",
            Self::Failed => "Failed",
            Self::Canceling => "Canceling",
            Self::Canceled => "Canceled",
            Self::Paused => "Paused",
            Self::Unknown => "Unknown",
        }
    }

    /// Nothing more will happen to the run.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Skipped | Self::Failed | Self::Canceled
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub experiment_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub version_id: Option<String>,
    pub state: RunState,
    pub created_at: Option<String>,
    pub finished_at: Option<String>,
    pub archived: bool,
    /// Why the run failed, when KFP says.
    pub error: Option<String>,
    /// The run parameters as given, values as JSON text.
    pub parameters: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunList {
    pub rows: Vec<RunRow>,
    pub next_page_token: Option<String>,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunSort {
    #[default]
    NewestFirst,
    OldestFirst,
    NameAscending,
    NameDescending,
}

impl RunSort {
    /// KFP's `sort_by`.
    pub fn as_kfp(self) -> &'static str {
        match self {
            Self::NewestFirst => "created_at desc",
            Self::OldestFirst => "created_at",
            Self::NameAscending => "display_name",
            Self::NameDescending => "display_name desc",
        }
    }
}

/// Which runs to list: one page, one request to KFP.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunQuery {
    pub namespace: String,
    pub experiment_id: Option<String>,
    pub state: Option<RunState>,
    /// Runs whose name contains this.
    pub name: Option<String>,
    pub sort: RunSort,
    /// Archived runs instead of active ones.
    pub archived: bool,
    pub page_token: Option<String>,
    pub page_size: Option<u32>,
}

/// A run to start.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewRun {
    pub namespace: String,
    pub pipeline_id: String,
    pub version_id: String,
    /// An existing experiment, or None with `new_experiment` set.
    pub experiment_id: Option<String>,
    pub new_experiment: Option<String>,
    pub name: String,
    pub description: String,
    /// Values as the form holds them (text); checked and typed against the pipeline's inputs.
    pub parameters: BTreeMap<String, String>,
}

/// What can be done to a run once it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunAction {
    Terminate,
    Retry,
    Archive,
    Unarchive,
}

impl RunAction {
    /// The verb in KFP's `POST /runs/{id}:<verb>`.
    pub fn as_kfp(self) -> &'static str {
        match self {
            Self::Terminate => "terminate",
            Self::Retry => "retry",
            Self::Archive => "archive",
            Self::Unarchive => "unarchive",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Terminate => "Terminate",
            Self::Retry => "Retry",
            Self::Archive => "Archive",
            Self::Unarchive => "Restore",
        }
    }
}

/// Where a run's graph came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", content = "detail", rename_all = "snake_case")]
pub enum GraphSource {
    /// The run's Argo Workflow, read as the user.
    Workflow,
    /// KFP's task details (the workflow is gone or its node status was offloaded).
    TaskDetails,
    /// No graph: why.
    Missing(String),
}

/// A run with its graph, as the run page opens it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub run: RunRow,
    pub namespace: String,
    pub graph: Option<PipelineGraph>,
    pub source: GraphSource,
}
