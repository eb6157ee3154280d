//! Katib experiments and trials as the pages use them. Built by `domain::katib` from the
//! `kubeflow.org/v1beta1` objects (whose values are all strings, and may be "unavailable").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectiveType {
    Minimize,
    Maximize,
}

impl ObjectiveType {
    /// Whether `a` is a better objective value than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Self::Minimize => a < b,
            Self::Maximize => a > b,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Minimize => "minimize",
            Self::Maximize => "maximize",
        }
    }
}

/// Which of a metric's observed values stands for the trial (Katib's `metricStrategies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricStrategy {
    Min,
    Max,
    Latest,
}

impl MetricStrategy {
    pub fn label(self) -> &'static str {
        match self {
            Self::Min => "min",
            Self::Max => "max",
            Self::Latest => "latest",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExperimentKind {
    /// Hyperparameter tuning.
    Hp,
    /// Neural architecture search (`spec.nasConfig`).
    Nas,
}

impl ExperimentKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Hp => "Hyperparameter tuning",
            Self::Nas => "Neural architecture search",
        }
    }
}

/// An experiment's state: the type of its last condition whose status is "True".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ExperimentState {
    Created,
    Running,
    Restarting,
    Succeeded,
    Failed,
    Unknown,
}

impl ExperimentState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::Running => "Running",
            Self::Restarting => "Restarting",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Unknown => "Unknown",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// A trial's state, from its last true condition. Early-stopped trials are not failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TrialState {
    /// Created, not yet running.
    Pending,
    Running,
    Succeeded,
    EarlyStopped,
    MetricsUnavailable,
    Killed,
    Failed,
    Unknown,
}

impl TrialState {
    pub const ALL: [TrialState; 8] = [
        Self::Pending,
        Self::Running,
        Self::Succeeded,
        Self::EarlyStopped,
        Self::MetricsUnavailable,
        Self::Killed,
        Self::Failed,
        Self::Unknown,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::EarlyStopped => "Early stopped",
            Self::MetricsUnavailable => "Metrics unavailable",
            Self::Killed => "Killed",
            Self::Failed => "Failed",
            Self::Unknown => "Unknown",
        }
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, Self::Pending | Self::Running | Self::Unknown)
    }
}

/// Trial counts by state, from the experiment's status (counters Katib leaves out at zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialCounts {
    pub total: u32,
    pub pending: u32,
    pub running: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub killed: u32,
    pub early_stopped: u32,
    pub metrics_unavailable: u32,
}

/// One condition of an experiment or trial, as `kubectl describe` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KatibCondition {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    /// RFC 3339.
    pub last_transition: Option<String>,
}

/// One row of the experiments list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentRow {
    pub namespace: String,
    pub name: String,
    pub kind: ExperimentKind,
    pub state: ExperimentState,
    /// The last condition's message ("Experiment has succeeded because max trial count has
    /// reached").
    pub message: String,
    /// RFC 3339.
    pub created: Option<String>,
    pub algorithm: String,
    pub objective_metric: String,
    pub objective_type: ObjectiveType,
    pub counts: TrialCounts,
    pub max_trials: Option<u32>,
    /// The objective value of `status.currentOptimalTrial`, when it is a number.
    pub best: Option<f64>,
    pub best_trial: Option<String>,
}

/// What the live experiments list receives: the whole list first, then one change at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExperimentChange {
    Snapshot(Vec<ExperimentRow>),
    Upsert(ExperimentRow),
    Removed {
        namespace: String,
        name: String,
    },
    /// The watch failed for a reason the page should show (e.g. access withdrawn).
    Failed(crate::model::AppError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParameterKind {
    Double,
    Int,
    Discrete,
    Categorical,
}

impl ParameterKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Double => "double",
            Self::Int => "int",
            Self::Discrete => "discrete",
            Self::Categorical => "categorical",
        }
    }

    /// Discrete and categorical parameters take values from a list (drawn on categorical axes).
    pub fn is_listed(self) -> bool {
        matches!(self, Self::Discrete | Self::Categorical)
    }
}

/// A search-space parameter (`spec.parameters[]`), or for NAS one the trials report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterSpec {
    pub name: String,
    pub kind: ParameterKind,
    pub min: Option<String>,
    pub max: Option<String>,
    pub step: Option<String>,
    pub list: Vec<String>,
    /// `feasibleSpace.distribution` (uniform, logUniform, normal, logNormal), if set.
    pub distribution: Option<String>,
}

/// A metric column: the objective first, then the additional metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricColumn {
    pub name: String,
    pub strategy: MetricStrategy,
}

/// A metric value as Katib reports it (a string) with its number when it is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    pub text: String,
    pub value: Option<f64>,
}

/// A metric of one trial: what was observed, and the value its strategy picks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialMetric {
    pub name: String,
    pub min: MetricValue,
    pub max: MetricValue,
    pub latest: MetricValue,
}

/// One trial of an experiment's table. `parameters` and `metrics` follow the experiment's
/// `parameters` and `metrics` columns; a missing value is None.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRow {
    pub name: String,
    pub state: TrialState,
    pub message: String,
    pub parameters: Vec<Option<String>>,
    /// The value each metric's strategy chooses.
    pub metrics: Vec<Option<MetricValue>>,
    /// RFC 3339.
    pub created: Option<String>,
    pub started: Option<String>,
    pub completed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlgorithmView {
    pub name: String,
    pub settings: Vec<(String, String)>,
}

/// The best trial so far (`status.currentOptimalTrial`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimalTrial {
    pub name: String,
    pub parameters: Vec<(String, String)>,
    pub metrics: Vec<TrialMetric>,
}

/// Everything the experiment page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentView {
    pub row: ExperimentRow,
    pub goal: Option<f64>,
    pub metrics: Vec<MetricColumn>,
    pub algorithm: AlgorithmView,
    pub early_stopping: Option<AlgorithmView>,
    pub parallel_trials: Option<u32>,
    pub max_failed_trials: Option<u32>,
    pub parameters: Vec<ParameterSpec>,
    pub optimal: Option<OptimalTrial>,
    pub conditions: Vec<KatibCondition>,
    pub trials: Vec<TrialRow>,
    pub started: Option<String>,
    pub completed: Option<String>,
    /// The experiment as YAML (metadata trimmed of managedFields).
    pub yaml: String,
}

/// A trial's own page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialView {
    pub namespace: String,
    pub experiment: String,
    pub name: String,
    pub state: TrialState,
    pub objective_metric: String,
    pub objective_type: ObjectiveType,
    pub parameters: Vec<(String, String)>,
    pub metrics: Vec<TrialMetric>,
    pub conditions: Vec<KatibCondition>,
    pub created: Option<String>,
    pub started: Option<String>,
    pub completed: Option<String>,
    /// The pods the trial ran (its job's), newest first, for their logs.
    pub pods: Vec<String>,
    pub yaml: String,
}

/// One reported metric value of a trial, in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// RFC 3339, as the metrics collector reported it.
    pub time: String,
    pub value: f64,
}

/// One metric's log for one trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricLog {
    pub trial: String,
    pub metric: String,
    pub points: Vec<MetricPoint>,
    /// Values that were not numbers ("unavailable", a genotype string…), left out of `points`.
    pub skipped: u32,
}

/// Learning curves, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ObservationLogs {
    Available(Vec<MetricLog>),
    /// katib-db-manager could not be reached or answered with an error.
    Unavailable(String),
}

/// Most trials an experiment's budget may be raised to.
pub const MAX_TRIAL_BUDGET: u32 = 100_000;

/// What the experiment page can do to an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExperimentAction {
    Delete,
    /// No new trials; running ones are stopped (maxTrialCount lowered to the completed count).
    Stop,
    /// Raise `maxTrialCount` of a running experiment.
    SetMaxTrials(u32),
}
