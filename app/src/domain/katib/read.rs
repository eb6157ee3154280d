//! Experiments and trials (as the API returns them) read into rows and views.

use super::EXPERIMENT_LABEL;
use super::metrics::{metric_columns, metric_value, number, pick};
use super::yaml::object_yaml;
use crate::domain::pick::Pick;
use crate::model::katib::{
    AlgorithmView, ExperimentKind, ExperimentRow, ExperimentState, ExperimentView, KatibCondition,
    MetricColumn, MetricValue, ObjectiveType, OptimalTrial, ParameterKind, ParameterSpec,
    TrialCounts, TrialMetric, TrialRow, TrialState, TrialView,
};
use serde_json::Value;
use std::collections::HashMap;

static NULL: Value = Value::Null;

/// `value[key]`, or null.
fn at<'a>(value: &'a Value, key: &str) -> &'a Value {
    value.get(key).unwrap_or(&NULL)
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    at(value, key).as_str().unwrap_or_default()
}

fn owned(value: &Value, key: &str) -> Option<String> {
    at(value, key)
        .as_str()
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

fn items<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    at(value, key).as_array().map_or(&[], Vec::as_slice)
}

/// A counter: absent (Katib omits zeros), negative or not a number reads as 0.
fn count(value: &Value, key: &str) -> u32 {
    positive(value, key).unwrap_or(0)
}

/// A count that is a non-negative whole number.
fn positive(value: &Value, key: &str) -> Option<u32> {
    at(value, key)
        .as_u64()
        .map(|count| u32::try_from(count).unwrap_or(u32::MAX))
}

/// The type and message of the last condition whose status is "True".
fn last_true(object: &Value) -> Option<(&str, &str)> {
    items(at(object, "status"), "conditions")
        .iter()
        .rev()
        .find(|condition| text(condition, "status") == "True")
        .map(|condition| (text(condition, "type"), text(condition, "message")))
}

fn has_conditions(object: &Value) -> bool {
    !items(at(object, "status"), "conditions").is_empty()
}

/// An experiment's state and message: its last true condition. One without conditions yet
/// has just been created (the controller has not seen it); unknown types read as Unknown.
pub fn experiment_state(experiment: &Value) -> (ExperimentState, String) {
    let Some((kind, message)) = last_true(experiment) else {
        let state = if has_conditions(experiment) {
            ExperimentState::Unknown
        } else {
            ExperimentState::Created
        };
        return (state, String::new());
    };
    let state = match kind {
        "Created" => ExperimentState::Created,
        "Running" => ExperimentState::Running,
        "Restarting" => ExperimentState::Restarting,
        "Succeeded" => ExperimentState::Succeeded,
        "Failed" => ExperimentState::Failed,
        _ => ExperimentState::Unknown,
    };
    (state, message.to_string())
}

/// A trial's state and message: its last true condition. A trial without conditions, or only
/// Created, waits for its run (Pending); unknown types read as Unknown.
pub fn trial_state(trial: &Value) -> (TrialState, String) {
    let Some((kind, message)) = last_true(trial) else {
        let state = if has_conditions(trial) {
            TrialState::Unknown
        } else {
            TrialState::Pending
        };
        return (state, String::new());
    };
    let state = match kind {
        "Created" => TrialState::Pending,
        "Running" => TrialState::Running,
        "Succeeded" => TrialState::Succeeded,
        "EarlyStopped" => TrialState::EarlyStopped,
        "MetricsUnavailable" => TrialState::MetricsUnavailable,
        "Killed" => TrialState::Killed,
        "Failed" => TrialState::Failed,
        _ => TrialState::Unknown,
    };
    (state, message.to_string())
}

fn conditions(object: &Value) -> Vec<KatibCondition> {
    items(at(object, "status"), "conditions")
        .iter()
        .map(|condition| KatibCondition {
            kind: text(condition, "type").to_string(),
            status: text(condition, "status").to_string(),
            reason: text(condition, "reason").to_string(),
            message: text(condition, "message").to_string(),
            last_transition: owned(condition, "lastTransitionTime"),
        })
        .collect()
}

/// `spec.objective.type`; Katib refuses experiments without a valid one, so anything else only
/// comes from a broken object and reads as minimize.
fn objective_type(objective: &Value) -> ObjectiveType {
    match text(objective, "type") {
        "maximize" => ObjectiveType::Maximize,
        _ => ObjectiveType::Minimize,
    }
}

/// Reads `status.currentOptimalTrial` (also in the Python SDK's snake_case shape); None until
/// Katib has named a best trial.
pub fn optimal_trial(current: &Value) -> Option<OptimalTrial> {
    let either = |camel: &str, snake: &str| current.get(camel).unwrap_or(at(current, snake));
    let name = either("bestTrialName", "best_trial_name").as_str()?;
    if name.is_empty() {
        return None;
    }
    let parameters = either("parameterAssignments", "parameter_assignments")
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|assignment| {
            (
                text(assignment, "name").to_string(),
                text(assignment, "value").to_string(),
            )
        })
        .collect();
    Some(OptimalTrial {
        name: name.to_string(),
        parameters,
        metrics: observed_metrics(at(current, "observation")),
    })
}

/// `observation.metrics[]` of a trial or of the optimal trial.
fn observed_metrics(observation: &Value) -> Vec<TrialMetric> {
    items(observation, "metrics")
        .iter()
        .map(|metric| TrialMetric {
            name: text(metric, "name").to_string(),
            min: metric_value(text(metric, "min")),
            max: metric_value(text(metric, "max")),
            latest: metric_value(text(metric, "latest")),
        })
        .collect()
}

/// One row of the experiments list.
pub fn experiment_row(experiment: &Value) -> ExperimentRow {
    let metadata = at(experiment, "metadata");
    let spec = at(experiment, "spec");
    let status = at(experiment, "status");
    let objective = at(spec, "objective");
    let objective_type = objective_type(objective);
    let objective_metric = text(objective, "objectiveMetricName");
    let (state, message) = experiment_state(experiment);
    let optimal = at(status, "currentOptimalTrial");
    let best_trial = owned(optimal, "bestTrialName");
    let best = best_trial.as_ref().and_then(|_| {
        let strategy = super::metrics::strategy_for(objective, objective_metric, objective_type);
        let metric = items(at(optimal, "observation"), "metrics")
            .iter()
            .find(|metric| text(metric, "name") == objective_metric)?;
        let (min, max, latest) = (
            text(metric, "min"),
            text(metric, "max"),
            text(metric, "latest"),
        );
        number(pick(min, max, latest, strategy, |text| text))
    });
    ExperimentRow {
        namespace: text(metadata, "namespace").to_string(),
        name: text(metadata, "name").to_string(),
        kind: if at(spec, "nasConfig").is_null() {
            ExperimentKind::Hp
        } else {
            ExperimentKind::Nas
        },
        state,
        message,
        created: owned(metadata, "creationTimestamp"),
        algorithm: text(at(spec, "algorithm"), "algorithmName").to_string(),
        objective_metric: objective_metric.to_string(),
        objective_type,
        counts: TrialCounts {
            total: count(status, "trials"),
            pending: count(status, "trialsPending"),
            running: count(status, "trialsRunning"),
            succeeded: count(status, "trialsSucceeded"),
            failed: count(status, "trialsFailed"),
            killed: count(status, "trialsKilled"),
            early_stopped: count(status, "trialsEarlyStopped"),
            metrics_unavailable: count(status, "trialMetricsUnavailable"),
        },
        max_trials: positive(spec, "maxTrialCount"),
        best,
        best_trial,
    }
}

fn algorithm(spec: &Value) -> Option<AlgorithmView> {
    let name = spec.get("algorithmName")?.as_str()?;
    Some(AlgorithmView {
        name: name.to_string(),
        settings: items(spec, "algorithmSettings")
            .iter()
            .map(|setting| {
                (
                    text(setting, "name").to_string(),
                    scalar(at(setting, "value")),
                )
            })
            .collect(),
    })
}

/// A scalar as Katib means it (text), whether the YAML quoted it or not.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn parameter_spec(parameter: &Value) -> ParameterSpec {
    let space = at(parameter, "feasibleSpace");
    let optional = |key: &str| space.get(key).filter(|value| !value.is_null()).map(scalar);
    ParameterSpec {
        name: text(parameter, "name").to_string(),
        kind: match text(parameter, "parameterType") {
            "int" => ParameterKind::Int,
            "discrete" => ParameterKind::Discrete,
            "categorical" => ParameterKind::Categorical,
            _ => ParameterKind::Double,
        },
        min: optional("min"),
        max: optional("max"),
        step: optional("step"),
        list: items(space, "list").iter().map(scalar).collect(),
        distribution: optional("distribution").filter(|text| !text.is_empty()),
    }
}

/// Whether a trial is one of `experiment`'s: Katib labels each trial with its experiment.
fn belongs(trial: &Value, namespace: &str, name: &str) -> bool {
    let metadata = at(trial, "metadata");
    let labelled = at(metadata, "labels")
        .get(EXPERIMENT_LABEL)
        .and_then(Value::as_str)
        == Some(name);
    let trial_namespace = text(metadata, "namespace");
    labelled && (trial_namespace.is_empty() || namespace.is_empty() || trial_namespace == namespace)
}

/// The parameter columns of a NAS experiment, which has no `spec.parameters`: what its trials
/// were assigned, in first-seen order, each listing its distinct values in first-seen order.
fn reported_parameters(trials: &[&Value]) -> Vec<ParameterSpec> {
    let mut columns: Vec<ParameterSpec> = Vec::new();
    let mut seen: HashMap<&str, (usize, std::collections::HashSet<&str>)> = HashMap::new();
    for trial in trials {
        for assignment in items(at(trial, "spec"), "parameterAssignments") {
            let name = text(assignment, "name");
            if name.is_empty() {
                continue;
            }
            let (index, values) = seen.entry(name).or_insert_with(|| {
                columns.push(ParameterSpec {
                    name: name.to_string(),
                    kind: ParameterKind::Categorical,
                    min: None,
                    max: None,
                    step: None,
                    list: Vec::new(),
                    distribution: None,
                });
                (columns.len() - 1, Default::default())
            });
            let value = text(assignment, "value");
            if values.insert(value) {
                columns[*index].list.push(value.to_string());
            }
        }
    }
    columns
}

/// Where each column of a trial table is, by name; built once per experiment.
struct Columns<'a> {
    parameters: HashMap<&'a str, usize>,
    metrics: HashMap<&'a str, usize>,
    strategies: Vec<crate::model::katib::MetricStrategy>,
}

impl<'a> Columns<'a> {
    fn new(parameters: &'a [ParameterSpec], metrics: &'a [MetricColumn]) -> Self {
        Columns {
            parameters: parameters
                .iter()
                .enumerate()
                .map(|(index, parameter)| (parameter.name.as_str(), index))
                .collect(),
            metrics: metrics
                .iter()
                .enumerate()
                .map(|(index, metric)| (metric.name.as_str(), index))
                .collect(),
            strategies: metrics.iter().map(|metric| metric.strategy).collect(),
        }
    }

    fn row(&self, trial: &Value, parameter_count: usize) -> TrialRow {
        let metadata = at(trial, "metadata");
        let status = at(trial, "status");
        let (state, message) = trial_state(trial);
        let mut parameters = vec![None; parameter_count];
        for assignment in items(at(trial, "spec"), "parameterAssignments") {
            if let Some(&index) = self.parameters.get(text(assignment, "name")) {
                parameters[index] = Some(scalar(at(assignment, "value")));
            }
        }
        let mut metrics: Vec<Option<MetricValue>> = vec![None; self.strategies.len()];
        for metric in items(at(status, "observation"), "metrics") {
            if let Some(&index) = self.metrics.get(text(metric, "name")) {
                let (min, max, latest) = (
                    text(metric, "min"),
                    text(metric, "max"),
                    text(metric, "latest"),
                );
                let chosen = pick(min, max, latest, self.strategies[index], |text| text);
                metrics[index] = Some(metric_value(chosen));
            }
        }
        TrialRow {
            name: text(metadata, "name").to_string(),
            state,
            message,
            parameters,
            metrics,
            created: owned(metadata, "creationTimestamp"),
            started: owned(status, "startTime"),
            completed: owned(status, "completionTime"),
        }
    }
}

/// The part of a listed trial that [`experiment_view`] reads, and nothing else. A trial as the
/// API lists it also carries its whole `runSpec` (the job Katib runs), the metrics collector
/// and `managedFields`, which at 10,000 trials are most of the list's bytes; deserialized
/// straight from the list response into this, those are skipped by the parser instead of
/// built into values and dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedTrial(Value);

const LISTED_TRIAL: Pick = Pick::Fields(&[
    (
        "metadata",
        Pick::Fields(&[
            ("name", Pick::All),
            ("namespace", Pick::All),
            ("labels", Pick::All),
            ("creationTimestamp", Pick::All),
        ]),
    ),
    ("spec", Pick::Fields(&[("parameterAssignments", Pick::All)])),
    ("status", Pick::All),
]);

impl<'de> serde::Deserialize<'de> for ListedTrial {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::DeserializeSeed::deserialize(LISTED_TRIAL, deserializer).map(ListedTrial)
    }
}

impl ListedTrial {
    /// The kept fields as a trial object, for [`experiment_view`].
    pub fn into_value(self) -> Value {
        self.0
    }
}

/// Everything the experiment page shows. `trials` are the experiment's trials (others, should
/// the caller pass any, are left out); the table lists them by creation time, then name.
pub fn experiment_view(experiment: &Value, trials: &[Value]) -> ExperimentView {
    let row = experiment_row(experiment);
    let spec = at(experiment, "spec");
    let status = at(experiment, "status");
    let objective = at(spec, "objective");
    let own: Vec<&Value> = trials
        .iter()
        .filter(|trial| belongs(trial, &row.namespace, &row.name))
        .collect();
    let parameters: Vec<ParameterSpec> = match row.kind {
        ExperimentKind::Hp => items(spec, "parameters")
            .iter()
            .map(parameter_spec)
            .collect(),
        ExperimentKind::Nas => reported_parameters(&own),
    };
    let metrics = metric_columns(objective, row.objective_type);
    let columns = Columns::new(&parameters, &metrics);
    let mut rows: Vec<TrialRow> = own
        .iter()
        .map(|trial| columns.row(trial, parameters.len()))
        .collect();
    // RFC 3339 times from one API server sort as text; trials without one go last.
    rows.sort_by(|a, b| {
        (a.created.is_none(), &a.created, &a.name).cmp(&(b.created.is_none(), &b.created, &b.name))
    });
    ExperimentView {
        goal: at(objective, "goal").as_f64(),
        algorithm: algorithm(at(spec, "algorithm")).unwrap_or(AlgorithmView {
            name: String::new(),
            settings: Vec::new(),
        }),
        early_stopping: algorithm(at(spec, "earlyStopping")),
        parallel_trials: positive(spec, "parallelTrialCount"),
        max_failed_trials: positive(spec, "maxFailedTrialCount"),
        optimal: optimal_trial(at(status, "currentOptimalTrial")),
        conditions: conditions(experiment),
        started: owned(status, "startTime"),
        completed: owned(status, "completionTime"),
        yaml: object_yaml(experiment),
        trials: rows,
        parameters,
        metrics,
        row,
    }
}

/// A trial's own page, read with its own copy of the experiment's objective
/// (`spec.objective`). `pods` is left empty: the backend lists them.
pub fn trial_view(trial: &Value) -> TrialView {
    let metadata = at(trial, "metadata");
    let spec = at(trial, "spec");
    let status = at(trial, "status");
    let objective = at(spec, "objective");
    let (state, _) = trial_state(trial);
    TrialView {
        namespace: text(metadata, "namespace").to_string(),
        experiment: at(metadata, "labels")
            .get(EXPERIMENT_LABEL)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        name: text(metadata, "name").to_string(),
        state,
        objective_metric: text(objective, "objectiveMetricName").to_string(),
        objective_type: objective_type(objective),
        parameters: items(spec, "parameterAssignments")
            .iter()
            .map(|assignment| {
                (
                    text(assignment, "name").to_string(),
                    scalar(at(assignment, "value")),
                )
            })
            .collect(),
        metrics: observed_metrics(at(status, "observation")),
        conditions: conditions(trial),
        created: owned(metadata, "creationTimestamp"),
        started: owned(status, "startTime"),
        completed: owned(status, "completionTime"),
        pods: Vec::new(),
        yaml: object_yaml(trial),
    }
}
