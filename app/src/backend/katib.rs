//! Katib experiments and trials, read and changed as the signed-in user, so the cluster's RBAC
//! decides. An experiment's trials come from one list call (label
//! `katib.kubeflow.org/experiment`), never one request per trial. Learning curves come from
//! katib-db-manager over gRPC, after the user was allowed to read the trial.

use super::{Cluster, Scope, SignedInUser, list_json, list_of};
use crate::domain::katib as katib_domain;
use crate::model::AppError;
use crate::model::katib::{
    ExperimentAction, ExperimentRow, ExperimentState, ExperimentView, MAX_TRIAL_BUDGET, MetricLog,
    MetricPoint, ObservationLogs, TrialView,
};
use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, LogParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use std::sync::Arc;

/// The label Katib's pod webhook puts on a trial's pods.
pub const TRIAL_POD_LABEL: &str = "katib.kubeflow.org/trial";
/// Most trials one learning-curve request may ask for.
pub const MAX_CURVES: usize = 20;
const LOG_LINES: i64 = 1_000;

pub fn experiments_resource() -> ApiResource {
    katib_resource("Experiment")
}

pub fn trials_resource() -> ApiResource {
    katib_resource("Trial")
}

fn katib_resource(kind: &str) -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1beta1", kind))
}

/// One reported value, as katib-db-manager keeps it: strings throughout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedValue {
    pub time: String,
    pub metric: String,
    pub value: String,
}

/// Where observation logs come from: katib-db-manager's `GetObservationLog` (the sandbox runs
/// one too). Keyed by trial name only, as Katib's database is.
pub trait ObservationLogSource: Send + Sync + 'static {
    /// Every value reported for `metric` of `trial` (every metric when `metric` is empty).
    fn observation_log(
        &self,
        trial: String,
        metric: String,
    ) -> BoxFuture<'static, Result<Vec<ReportedValue>, String>>;
}

fn label_selector(experiment: &str) -> String {
    format!("{}={experiment}", katib_domain::EXPERIMENT_LABEL)
}

fn check_name(what: &str, name: &str) -> Result<(), AppError> {
    match crate::domain::names::subdomain_problem(name) {
        None => Ok(()),
        Some(problem) => Err(AppError::invalid(what, problem)),
    }
}

/// The experiments of a namespace (or all of them), one row each.
pub async fn list(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    scope: &Scope,
) -> Result<Vec<ExperimentRow>, AppError> {
    let client = cluster.as_user(user)?;
    let experiments = list_json(
        &client,
        scope,
        &experiments_resource(),
        &ListParams::default(),
    )
    .await?;
    let mut rows: Vec<ExperimentRow> = experiments
        .iter()
        .map(katib_domain::experiment_row)
        .collect();
    rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(rows)
}

async fn get_experiment(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Value, AppError> {
    let api =
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &experiments_resource());
    let object = api
        .get(name)
        .await
        .map_err(|error| match AppError::from(error) {
            AppError::NotFound(_) => AppError::NotFound(format!("experiment {namespace}/{name}")),
            other => other,
        })?;
    serde_json::to_value(object).map_err(|error| AppError::Internal(format!("experiment: {error}")))
}

/// An experiment with all its trials: two calls whatever the number of trials.
pub async fn view(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    name: &str,
) -> Result<ExperimentView, AppError> {
    check_name("experiment", name)?;
    let client = cluster.as_user(user)?;
    let (experiment, trials) = futures::try_join!(
        get_experiment(&client, namespace, name),
        list_trials(&client, namespace, name)
    )?;
    Ok(katib_domain::experiment_view(&experiment, &trials))
}

/// The experiment alone, without listing its trials: what the page's overview needs (counts and
/// the best trial come from its status), so the page is drawn and usable while the trials,
/// thousands perhaps, are fetched with [`view`].
pub async fn overview(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    name: &str,
) -> Result<ExperimentView, AppError> {
    check_name("experiment", name)?;
    let client = cluster.as_user(user)?;
    let experiment = get_experiment(&client, namespace, name).await?;
    Ok(katib_domain::experiment_view(&experiment, &[]))
}

/// The experiment's trials in one list call (its label), each cut down to what the pages read
/// ([`katib_domain::ListedTrial`]).
async fn list_trials(
    client: &kube::Client,
    namespace: &str,
    experiment: &str,
) -> Result<Vec<Value>, AppError> {
    let trials = list_of::<katib_domain::ListedTrial>(
        client,
        &Scope::One(namespace.to_string()),
        &trials_resource(),
        &ListParams::default().labels(&label_selector(experiment)),
    )
    .await?;
    Ok(trials
        .into_iter()
        .map(katib_domain::ListedTrial::into_value)
        .collect())
}

/// A trial's page: the trial, and the names of its pods for their logs.
pub async fn trial(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    name: &str,
) -> Result<TrialView, AppError> {
    check_name("trial", name)?;
    let client = cluster.as_user(user)?;
    let trial = get_trial(&client, namespace, name).await?;
    let experiment_name = trial
        .pointer(&format!(
            "/metadata/labels/{}",
            katib_domain::EXPERIMENT_LABEL.replace('/', "~1")
        ))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut view = katib_domain::trial_view(&trial);
    let pods = Api::<Pod>::namespaced(client, namespace)
        .list(&ListParams::default().labels(&format!("{TRIAL_POD_LABEL}={name}")))
        .await;
    // Pods may be gone or unreadable (a viewer without pods access); the trial still shows.
    if let Ok(pods) = pods {
        let mut pods: Vec<(Option<String>, String)> = pods
            .items
            .into_iter()
            .filter_map(|pod| {
                let created = pod
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|time| time.0.to_string());
                pod.metadata.name.map(|name| (created, name))
            })
            .collect();
        pods.sort();
        pods.reverse();
        view.pods = pods.into_iter().map(|(_, name)| name).collect();
    }
    if view.experiment.is_empty() {
        view.experiment = experiment_name;
    }
    Ok(view)
}

async fn get_trial(client: &kube::Client, namespace: &str, name: &str) -> Result<Value, AppError> {
    let api = Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &trials_resource());
    let object = api
        .get(name)
        .await
        .map_err(|error| match AppError::from(error) {
            AppError::NotFound(_) => AppError::NotFound(format!("trial {namespace}/{name}")),
            other => other,
        })?;
    serde_json::to_value(object).map_err(|error| AppError::Internal(format!("trial: {error}")))
}

/// The log of one of a trial's pods (its primary container when it has several).
pub async fn trial_log(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    trial: &str,
    pod: &str,
) -> Result<String, AppError> {
    check_name("trial", trial)?;
    check_name("pod", pod)?;
    let client = cluster.as_user(user)?;
    let pods = Api::<Pod>::namespaced(client, namespace);
    let found = pods.get(pod).await?;
    let belongs = found
        .metadata
        .labels
        .as_ref()
        .and_then(|labels| labels.get(TRIAL_POD_LABEL))
        .is_some_and(|owner| owner == trial);
    if !belongs {
        return Err(AppError::NotFound(format!("pod {pod} of trial {trial}")));
    }
    let containers: Vec<String> = found
        .spec
        .map(|spec| spec.containers.into_iter().map(|c| c.name).collect())
        .unwrap_or_default();
    // Katib's metrics collector runs as a sidecar; the training container is the other one.
    let container = containers
        .iter()
        .find(|name| name.as_str() != "metrics-logger-and-collector")
        .cloned();
    let params = LogParams {
        container,
        tail_lines: Some(LOG_LINES),
        ..LogParams::default()
    };
    Ok(pods.logs(pod, &params).await?)
}

/// Creates an experiment from YAML or JSON, checked first; its namespace is always `namespace`.
pub async fn create(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    text: &str,
) -> Result<ExperimentRow, AppError> {
    let validated = katib_domain::validate_experiment(text, namespace).map_err(|problems| {
        AppError::invalid(
            "experiment",
            problems
                .iter()
                .take(10)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let object: DynamicObject = serde_json::from_value(validated.object)
        .map_err(|error| AppError::Internal(format!("experiment: {error}")))?;
    let client = cluster.as_user(user)?;
    let api = Api::<DynamicObject>::namespaced_with(client, namespace, &experiments_resource());
    let created = api
        .create(&Default::default(), &object)
        .await
        .map_err(|error| match AppError::from(error) {
            AppError::Conflict(_) => AppError::Conflict(format!(
                "an experiment named {} exists already in {namespace}",
                object.metadata.name.clone().unwrap_or_default()
            )),
            other => other,
        })?;
    let created = serde_json::to_value(created)
        .map_err(|error| AppError::Internal(format!("experiment: {error}")))?;
    Ok(katib_domain::experiment_row(&created))
}

/// Deletes, stops or raises the budget of an experiment.
pub async fn act(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    name: &str,
    action: ExperimentAction,
) -> Result<(), AppError> {
    check_name("experiment", name)?;
    let client = cluster.as_user(user)?;
    let api =
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &experiments_resource());
    match action {
        ExperimentAction::Delete => {
            api.delete(name, &DeleteParams::foreground()).await?;
            Ok(())
        }
        ExperimentAction::Stop => {
            let experiment = get_experiment(&client, namespace, name).await?;
            let row = katib_domain::experiment_row(&experiment);
            if row.state.is_finished() {
                return Err(AppError::Conflict(format!(
                    "experiment {name} has finished already"
                )));
            }
            let counts = row.counts;
            let completed = counts.succeeded
                + counts.failed
                + counts.killed
                + counts.early_stopped
                + counts.metrics_unavailable;
            if completed == 0 {
                return Err(AppError::Conflict(format!(
                    "no trial of {name} has finished yet, so there is nothing to keep: delete \
                     the experiment instead"
                )));
            }
            // No new trials: the budget becomes what is done, and Katib finishes the
            // experiment (max trials reached). Katib lets trials that are running run to their
            // end, so they are deleted here, as the user.
            set_max_trials(&api, &experiment, completed).await?;
            delete_active_trials(&client, namespace, name).await
        }
        ExperimentAction::SetMaxTrials(max) => {
            let experiment = get_experiment(&client, namespace, name).await?;
            let row = katib_domain::experiment_row(&experiment);
            if row.state != ExperimentState::Running && row.state != ExperimentState::Created {
                return Err(AppError::Conflict(format!(
                    "experiment {name} is {}: only a running experiment's budget can be raised",
                    row.state.label().to_lowercase()
                )));
            }
            let current = row.max_trials.unwrap_or(0);
            if max <= current {
                return Err(AppError::invalid(
                    "maxTrialCount",
                    format!("give more than the current {current} trials"),
                ));
            }
            if max > MAX_TRIAL_BUDGET {
                return Err(AppError::invalid(
                    "maxTrialCount",
                    format!("at most {MAX_TRIAL_BUDGET} trials"),
                ));
            }
            set_max_trials(&api, &experiment, max).await
        }
    }
}

/// Patches `spec.maxTrialCount`, guarded by a test of the value that was read: someone else's
/// change of the budget in between is a conflict rather than lost, while Katib's own status
/// writes (which change the resourceVersion every few seconds) don't get in the way.
async fn set_max_trials(
    api: &Api<DynamicObject>,
    experiment: &Value,
    max: u32,
) -> Result<(), AppError> {
    let name = experiment
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let read = experiment.pointer("/spec/maxTrialCount").cloned();
    let operations = match read {
        Some(value) => json!([
            { "op": "test", "path": "/spec/maxTrialCount", "value": value },
            { "op": "replace", "path": "/spec/maxTrialCount", "value": max },
        ]),
        None => json!([{ "op": "add", "path": "/spec/maxTrialCount", "value": max }]),
    };
    let patch: json_patch::Patch = serde_json::from_value(operations)
        .map_err(|error| AppError::Internal(format!("a budget patch: {error}")))?;
    api.patch(name, &PatchParams::default(), &Patch::<()>::Json(patch))
        .await
        .map_err(|error| match AppError::from(error) {
            AppError::Conflict(_) | AppError::BadRequest(_) | AppError::Unavailable(_) => {
                AppError::Conflict(format!(
                    "the trial budget of {name} changed meanwhile; reload and try again"
                ))
            }
            other => other,
        })?;
    Ok(())
}

/// Deletes the experiment's pending and running trials (one list call, then one delete each;
/// at most `parallelTrialCount` of them). One already gone is fine.
async fn delete_active_trials(
    client: &kube::Client,
    namespace: &str,
    experiment: &str,
) -> Result<(), AppError> {
    let trials = list_trials(client, namespace, experiment).await?;
    let api = Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &trials_resource());
    for trial in &trials {
        let (state, _) = katib_domain::trial_state(trial);
        if state.is_finished() {
            continue;
        }
        let Some(name) = trial.pointer("/metadata/name").and_then(Value::as_str) else {
            continue;
        };
        match api.delete(name, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(error) => match AppError::from(error) {
                AppError::NotFound(_) => {}
                other => return Err(other),
            },
        }
    }
    Ok(())
}

/// Learning curves of some trials of one experiment: each trial is read as the user first
/// (katib-db-manager knows nothing of namespaces or users), then its log is asked for.
pub async fn observation_logs(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    source: &Arc<dyn ObservationLogSource>,
    namespace: &str,
    experiment: &str,
    trials: &[String],
    metric: &str,
) -> Result<ObservationLogs, AppError> {
    check_name("experiment", experiment)?;
    if trials.is_empty() || trials.len() > MAX_CURVES {
        return Err(AppError::invalid(
            "trials",
            format!("ask for 1 to {MAX_CURVES} trials at a time"),
        ));
    }
    for trial in trials {
        check_name("trial", trial)?;
    }
    if metric.is_empty() || metric.len() > 253 || metric.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "metric",
            "name a metric of the experiment",
        ));
    }
    // One list call tells which of the asked trials are this experiment's and readable.
    let client = cluster.as_user(user)?;
    let owned: std::collections::HashSet<String> = list_trials(&client, namespace, experiment)
        .await?
        .iter()
        .filter_map(|trial| trial.pointer("/metadata/name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    if let Some(stranger) = trials.iter().find(|trial| !owned.contains(*trial)) {
        return Err(AppError::NotFound(format!(
            "trial {stranger} of experiment {namespace}/{experiment}"
        )));
    }
    let asks = trials.iter().map(|trial| {
        let source = source.clone();
        let trial = trial.clone();
        let metric = metric.to_string();
        async move {
            let reported = source
                .observation_log(trial.clone(), metric.clone())
                .await?;
            Ok::<_, String>(metric_log(trial, metric, reported))
        }
    });
    match futures::future::try_join_all(asks).await {
        Ok(logs) => Ok(ObservationLogs::Available(logs)),
        Err(reason) => Ok(ObservationLogs::Unavailable(reason)),
    }
}

/// A trial's reported values as a curve: numbers in time order; the rest only counted.
pub fn metric_log(trial: String, metric: String, reported: Vec<ReportedValue>) -> MetricLog {
    let mut skipped = 0;
    let mut points: Vec<MetricPoint> = reported
        .into_iter()
        .filter(|value| value.metric == metric)
        .filter_map(|value| match value.value.trim().parse::<f64>() {
            Ok(number) if number.is_finite() => Some(MetricPoint {
                time: value.time,
                value: number,
            }),
            _ => {
                skipped += 1;
                None
            }
        })
        .collect();
    // RFC 3339 times of one collector sort as text; a stable sort keeps equal times in order.
    points.sort_by(|a, b| a.time.cmp(&b.time));
    MetricLog {
        trial,
        metric,
        points,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported(time: &str, metric: &str, value: &str) -> ReportedValue {
        ReportedValue {
            time: time.into(),
            metric: metric.into(),
            value: value.into(),
        }
    }

    #[test]
    fn a_curve_keeps_numbers_of_its_metric_in_time_order_and_counts_the_rest() {
        let log = metric_log(
            "t1".into(),
            "loss".into(),
            vec![
                reported("2026-01-01T00:00:02Z", "loss", "0.5"),
                reported("2026-01-01T00:00:01Z", "loss", "0.9"),
                reported("2026-01-01T00:00:01Z", "accuracy", "0.1"),
                reported("2026-01-01T00:00:03Z", "loss", "unavailable"),
                reported("2026-01-01T00:00:04Z", "loss", "NaN"),
            ],
        );
        let values: Vec<f64> = log.points.iter().map(|p| p.value).collect();
        assert_eq!(values, vec![0.9, 0.5]);
        assert_eq!(log.skipped, 2);
    }
}
