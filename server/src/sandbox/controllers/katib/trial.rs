//! Trial → its run, one pace at a time: Created (with a pod, Pending) → Running → a step
//! reported every pace (`status.observation` follows) → Succeeded, Failed, EarlyStopped or
//! MetricsUnavailable, as the trial's record planned and its early stopping rules decide.
//!
//! The run's pod (`<trial>-<5 characters>`, labelled `katib.kubeflow.org/trial`) prints the
//! metrics like a training script. As Katib deletes a finished trial's job unless the template
//! says `retain: true`, the pod goes when the trial ends, unless retained.

use super::conditions;
use super::model::{self, Fate, Record};
use super::prng;
use super::{EXPERIMENT_LABEL, TRIAL_LABEL, trials};
use crate::sandbox::controllers::{
    Controllers, options, owner_reference, record_event, resource, write_status,
};
use crate::sandbox::store::{self, DeleteOptions, Part, Store};
use serde_json::{Value, json};
use std::sync::Arc;

/// The pod annotation holding what the run has printed so far.
const LOG_ANNOTATION: &str = "sandbox.kfdash.io/katib-log";
/// Katib's metrics collector, the sidecar of every trial pod with a StdOut collector.
const COLLECTOR_IMAGE: &str = "ghcr.io/kubeflow/katib/file-metrics-collector:v0.18.0";

/// Where a trial is, from its conditions in Katib's order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Running,
    Succeeded,
    Failed,
    Killed,
    EarlyStopped,
    MetricsUnavailable,
}

impl State {
    pub fn of(trial: &Value) -> Self {
        let conditions = conditions::of(trial);
        let has = |kind: &str| conditions::is_true(&conditions, kind);
        if has("Killed") {
            Self::Killed
        } else if has("Failed") {
            Self::Failed
        } else if has("Succeeded") {
            Self::Succeeded
        } else if has("EarlyStopped") {
            Self::EarlyStopped
        } else if has("Running") {
            Self::Running
        } else if has("MetricsUnavailable") {
            Self::MetricsUnavailable
        } else {
            Self::Pending
        }
    }

    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }
}

fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .pointer(&format!("/metadata/annotations/{}", key.replace('/', "~1")))
        .and_then(Value::as_str)
}

/// The name of a trial's pod, as a Job would name it.
pub fn pod_name(trial: &str) -> String {
    format!("{trial}-{}", prng::name_suffix(&[trial, "pod"], 5))
}

/// Makes a new trial Created (with its pod), and keeps an active one moving.
pub fn reconcile(controllers: &Arc<Controllers>, namespace: &str, name: &str) {
    let store = &controllers.store;
    let Ok(mut trial) = store.get(trials(), namespace, name) else {
        return;
    };
    if trial.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    // A trial made by hand (not by an experiment) gets a plan of middling quality.
    if Record::of(&trial).is_none() {
        let record = model::plan(name, 0.5, 0.0, 0.0);
        match store.modify(
            trials(),
            namespace,
            name,
            Part::Main,
            &options(),
            |current| {
                let mut next = current.clone();
                next["metadata"]["annotations"][model::RECORD_ANNOTATION] =
                    json!(record.to_annotation());
                Ok(next)
            },
        ) {
            Ok(updated) => trial = updated,
            Err(_) => return,
        }
    }
    let state = State::of(&trial);
    let conditions = conditions::of(&trial);
    if !conditions::is_true(&conditions, "Created") {
        let now = store::now_rfc3339();
        let mut status = trial
            .get("status")
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        let mut conditions = conditions;
        conditions::set(
            &mut conditions,
            "Created",
            "True",
            "TrialCreated",
            "Trial is created",
            &now,
        );
        status["conditions"] = json!(conditions);
        status["startTime"] = json!(now);
        let Ok(updated) = write_status(store, trials(), namespace, name, status) else {
            return;
        };
        trial = updated;
    }
    if state.is_active() {
        if sync_pod(store, &trial) {
            record_event(
                store,
                &trial,
                "Trial",
                "Normal",
                "JobCreated",
                &format!("Job {name} has been created"),
            );
        }
        tick_later(controllers, &trial);
    } else {
        sync_pod(store, &trial);
    }
}

/// Schedules the trial's next step, unless one is already scheduled; after a step that
/// leaves it active, the next.
fn tick_later(controllers: &Arc<Controllers>, trial: &Value) {
    controllers.after_a_pace(trial, |controllers, namespace, name, uid| {
        if let Some(trial) = tick(controllers, namespace, name, uid) {
            tick_later(controllers, &trial);
        }
    });
}

/// One step of the trial; returns it when it is still active.
fn tick(controllers: &Arc<Controllers>, namespace: &str, name: &str, uid: &str) -> Option<Value> {
    let store = &controllers.store;
    let trial = store.get(trials(), namespace, name).ok()?;
    if store::meta_str(&trial, "uid") != Some(uid) || !State::of(&trial).is_active() {
        return None;
    }
    let (record, status) = advance(&trial, &store::now_rfc3339(), &now_millis())?;
    let recorded = store.modify(
        trials(),
        namespace,
        name,
        Part::Main,
        &options(),
        |current| {
            let mut next = current.clone();
            next["metadata"]["annotations"][model::RECORD_ANNOTATION] =
                json!(record.to_annotation());
            Ok(next)
        },
    );
    recorded.ok()?;
    let updated = write_status(store, trials(), namespace, name, status).ok()?;
    let state = State::of(&updated);
    match state {
        State::Failed => record_event(
            store,
            &updated,
            "Trial",
            "Normal",
            "JobFailed",
            &format!("Job {name} has failed"),
        ),
        State::Succeeded | State::EarlyStopped => record_event(
            store,
            &updated,
            "Trial",
            "Normal",
            "JobSucceeded",
            &format!("Job {name} has succeeded"),
        ),
        State::MetricsUnavailable => record_event(
            store,
            &updated,
            "Trial",
            "Warning",
            "MetricsUnavailable",
            &format!("Metrics are not available for Job {name}"),
        ),
        _ => {}
    }
    sync_pod(store, &updated);
    state.is_active().then_some(updated)
}

/// Now, to the millisecond, as observation logs stamp values.
pub fn now_millis() -> String {
    millis(jiff::Timestamp::now())
}

pub fn millis(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The trial one pace on, at `now` (`now_ms` stamps a reported value): its record and status.
/// None when it has finished. Pure, so the seed runs trials with its own clock.
pub fn advance(trial: &Value, now: &str, now_ms: &str) -> Option<(Record, Value)> {
    if !State::of(trial).is_active() {
        return None;
    }
    let mut record = Record::of(trial)?;
    let mut status = trial
        .get("status")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let mut conditions = conditions::of(trial);
    let job_kind = trial
        .pointer("/spec/runSpec/kind")
        .and_then(Value::as_str)
        .unwrap_or("Job");
    if !conditions::is_true(&conditions, "Running") {
        conditions::set(
            &mut conditions,
            "Running",
            "True",
            "TrialRunning",
            "Trial is running",
            now,
        );
        status["conditions"] = json!(conditions);
        return Some((record, status));
    }
    record.ticks += 1;
    let metrics: Vec<String> =
        model::metric_specs(trial.pointer("/spec/objective").unwrap_or(&Value::Null))
            .into_iter()
            .map(|spec| spec.name)
            .collect();
    let mut end: Option<(&str, String, String)> = None;
    match record.fate {
        Fate::Fail { step } if record.ticks >= step => {
            let (reason, message) = if job_kind == "Job" {
                (
                    "TrialFailed. Job reason: BackoffLimitExceeded".to_string(),
                    "Trial has failed. Job message: Job has reached the specified backoff limit"
                        .to_string(),
                )
            } else {
                ("TrialFailed".to_string(), "Trial has failed".to_string())
            };
            end = Some(("Failed", reason, message));
        }
        Fate::MetricsUnavailable => {
            if record.ticks >= record.steps {
                status["observation"] = model::observation(&metrics, &[]);
                end = Some((
                    "MetricsUnavailable",
                    "MetricsUnavailable".into(),
                    "Metrics are not available".into(),
                ));
            }
        }
        _ => {
            record.reported.push(now_ms.to_string());
            let mut reported = trial.clone();
            reported["metadata"]["annotations"][model::RECORD_ANNOTATION] =
                json!(record.to_annotation());
            let points = model::points(&reported);
            status["observation"] = model::observation(&metrics, &points);
            let step = record.reported.len() as u32;
            if early_stopped(trial, &points, step) {
                end = Some((
                    "EarlyStopped",
                    "TrialEarlyStopped".into(),
                    "Trial is early stopped".into(),
                ));
            } else if step >= record.steps {
                end = Some((
                    "Succeeded",
                    "TrialSucceeded".into(),
                    "Trial has succeeded".into(),
                ));
            }
        }
    }
    if let Some((kind, reason, message)) = end {
        conditions::finish(&mut conditions, kind, &reason, &message, now);
        status["completionTime"] = json!(now);
    }
    status["conditions"] = json!(conditions);
    Some((record, status))
}

/// A trial's status when its controller has first seen it, at `now`.
pub fn created_status(now: &str) -> Value {
    let mut conditions = Vec::new();
    conditions::set(
        &mut conditions,
        "Created",
        "True",
        "TrialCreated",
        "Trial is created",
        now,
    );
    json!({ "startTime": now, "conditions": conditions })
}

/// Stops an active trial as Killed at `now` (the seed uses it to show what a killed trial is).
pub fn kill(trial: &Value, now: &str) -> Value {
    let mut status = trial.get("status").cloned().unwrap_or_else(|| json!({}));
    let mut conditions = conditions::of(trial);
    conditions::finish(
        &mut conditions,
        "Killed",
        "TrialKilled",
        "Trial is killed",
        now,
    );
    status["conditions"] = json!(conditions);
    status["completionTime"] = json!(now);
    status
}

/// Whether every early stopping rule of the trial holds at `step` (Katib stops a trial when all
/// of its rules are met, each from its start step on).
fn early_stopped(trial: &Value, points: &[model::Point], step: u32) -> bool {
    let rules: Vec<&Value> = trial
        .pointer("/spec/earlyStoppingRules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    !rules.is_empty()
        && rules.iter().all(|rule| {
            let start = rule.get("startStep").and_then(Value::as_u64).unwrap_or(0) as u32;
            let (Some(name), Some(threshold)) = (
                rule.get("name").and_then(Value::as_str),
                rule.get("value")
                    .and_then(Value::as_str)
                    .and_then(|v| v.parse::<f64>().ok()),
            ) else {
                return false;
            };
            let Some(latest) = points
                .iter()
                .rev()
                .find(|point| point.metric == name)
                .and_then(|point| point.value.parse::<f64>().ok())
            else {
                return false;
            };
            step >= start
                && match rule.get("comparison").and_then(Value::as_str) {
                    Some("less") => latest < threshold,
                    Some("greater") => latest > threshold,
                    Some("equal") => latest == threshold,
                    _ => false,
                }
        })
}

/// The pod's template in a trial's run spec: a Job's, or the first replica's of a training
/// operator job; a bare container named after the primary container otherwise.
fn pod_template(trial: &Value) -> Value {
    fn find(value: &Value) -> Option<&Value> {
        let map = value.as_object()?;
        if let Some(template) = map.get("template")
            && template.pointer("/spec/containers").is_some()
        {
            return Some(template);
        }
        map.values().find_map(find)
    }
    trial
        .pointer("/spec/runSpec")
        .and_then(find)
        .cloned()
        .unwrap_or_else(|| {
            let name = trial
                .pointer("/spec/primaryContainerName")
                .and_then(Value::as_str)
                .unwrap_or("training-container");
            json!({ "spec": { "containers": [{ "name": name, "image": "unknown" }] } })
        })
}

fn new_pod(trial: &Value) -> Value {
    let name = store::meta_str(trial, "name").unwrap_or_default();
    let experiment = trial
        .pointer(&format!(
            "/metadata/labels/{}",
            EXPERIMENT_LABEL.replace('/', "~1")
        ))
        .cloned()
        .unwrap_or(Value::Null);
    let template = pod_template(trial);
    let mut labels = template
        .pointer("/metadata/labels")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    labels[TRIAL_LABEL] = json!(name);
    labels[EXPERIMENT_LABEL] = experiment;
    match trial.pointer("/spec/runSpec/kind").and_then(Value::as_str) {
        Some("Job") | None => {
            labels["batch.kubernetes.io/job-name"] = json!(name);
            labels["job-name"] = json!(name);
        }
        Some(_) => {
            labels["training.kubeflow.org/job-name"] = json!(name);
            labels["training.kubeflow.org/job-role"] = json!("master");
        }
    }
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    let objective_type = trial
        .pointer("/spec/objective/type")
        .and_then(Value::as_str)
        .unwrap_or("minimize");
    if let Some(containers) = spec.get_mut("containers").and_then(Value::as_array_mut) {
        containers.push(json!({
            "name": "metrics-logger-and-collector",
            "image": COLLECTOR_IMAGE,
            "args": ["-t", name, "-m", metric_names(trial).join(";"), "-o-type", objective_type, "-s-db", "katib-db-manager.kubeflow:6789", "-path", "/var/log/katib/metrics.log"],
        }));
    }
    spec["nodeName"] = json!("sandbox-node");
    let pod_name = pod_name(name);
    json!({
        "metadata": {
            "name": pod_name,
            "labels": labels,
            "annotations": { "kubectl.kubernetes.io/default-container": primary_container(trial) },
            "ownerReferences": owner_reference(trial),
        },
        "spec": spec,
        "status": pod_status(trial),
    })
}

fn metric_names(trial: &Value) -> Vec<String> {
    model::metric_specs(trial.pointer("/spec/objective").unwrap_or(&Value::Null))
        .into_iter()
        .map(|spec| spec.name)
        .collect()
}

/// The pod's status for the trial's state, as the kubelet would report it.
fn pod_status(trial: &Value) -> Value {
    let started = trial
        .pointer("/status/startTime")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let finished = trial
        .pointer("/status/completionTime")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let terminated = |code: i64, reason: &str| json!({ "terminated": { "exitCode": code, "reason": reason, "startedAt": started, "finishedAt": finished } });
    let (phase, state) = match State::of(trial) {
        State::Pending => (
            "Pending",
            json!({ "waiting": { "reason": "ContainerCreating" } }),
        ),
        State::Running => ("Running", json!({ "running": { "startedAt": started } })),
        State::Failed => ("Failed", terminated(1, "Error")),
        State::Killed => ("Failed", terminated(137, "Error")),
        _ => ("Succeeded", terminated(0, "Completed")),
    };
    json!({
        "phase": phase,
        "hostIP": "10.0.0.2",
        "podIP": "10.0.0.30",
        "startTime": started,
        "qosClass": "Burstable",
        "containerStatuses": [{ "name": primary_container(trial), "ready": phase == "Running", "started": phase == "Running", "restartCount": 0, "image": "", "imageID": "", "state": state }],
    })
}

fn primary_container(trial: &Value) -> String {
    trial
        .pointer("/spec/primaryContainerName")
        .and_then(Value::as_str)
        .unwrap_or("training-container")
        .to_string()
}

/// What the run has printed, step by step: metrics as `name=value`, as Katib's StdOut
/// collector reads them.
fn log_text(trial: &Value) -> String {
    let record = Record::of(trial);
    let steps = record.as_ref().map_or(0, |r| r.steps);
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    let points = model::points(trial);
    for point in &points {
        match &mut current {
            Some((time, values)) if *time == point.time => {
                values.push(format!("{}={}", point.metric, point.value));
            }
            _ => {
                if let Some((time, values)) = current.take() {
                    lines.push(format!(
                        "{time} epoch {}/{steps}: {}",
                        lines.len() + 1,
                        values.join(" ")
                    ));
                }
                current = Some((
                    point.time.clone(),
                    vec![format!("{}={}", point.metric, point.value)],
                ));
            }
        }
    }
    if let Some((time, values)) = current {
        lines.push(format!(
            "{time} epoch {}/{steps}: {}",
            lines.len() + 1,
            values.join(" ")
        ));
    }
    lines.join("\n")
}

/// Creates the trial's pod if it should have one, brings its status and log along, and deletes
/// it once the trial has finished unless the run is retained. Returns whether it was created.
fn sync_pod(store: &Store, trial: &Value) -> bool {
    let pods = resource("", "v1", "pods");
    let namespace = store::meta_str(trial, "namespace").unwrap_or_default();
    let name = pod_name(store::meta_str(trial, "name").unwrap_or_default());
    let state = State::of(trial);
    let retain = trial.pointer("/spec/retainRun").and_then(Value::as_bool) == Some(true);
    let existing = store.get(pods, namespace, &name).ok();
    if !state.is_active() && !retain {
        if existing.is_some() {
            let _ = store.delete(pods, namespace, &name, &DeleteOptions::default());
        }
        return false;
    }
    let log = log_text(trial);
    match existing {
        None => {
            if !state.is_active() {
                return false;
            }
            let mut pod = new_pod(trial);
            pod["metadata"]["annotations"][LOG_ANNOTATION] = json!(log);
            store.create(pods, namespace, pod, &options()).is_ok()
        }
        Some(pod) => {
            if annotation(&pod, LOG_ANNOTATION) != Some(log.as_str()) {
                let _ = store.modify(pods, namespace, &name, Part::Main, &options(), |current| {
                    let mut next = current.clone();
                    next["metadata"]["annotations"][LOG_ANNOTATION] = json!(log);
                    Ok(next)
                });
            }
            let _ = write_status(store, pods, namespace, &name, pod_status(trial));
            false
        }
    }
}

/// The log of a trial's pod: the command it ran, the metrics it printed, how it ended.
pub fn pod_log(pod: &Value) -> String {
    let Some(started) = pod.pointer("/status/startTime").and_then(Value::as_str) else {
        return String::new();
    };
    let primary = annotation(pod, "kubectl.kubernetes.io/default-container").unwrap_or_default();
    let main = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .and_then(|containers| {
            containers
                .iter()
                .find(|c| c["name"] == primary)
                .or_else(|| containers.first())
        })
        .cloned()
        .unwrap_or_default();
    let words = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect()
    };
    let mut command = words(&main["command"]);
    command.extend(words(&main["args"]));
    let mut lines = vec![format!(
        "{started} [sandbox] {}: {}",
        main["image"].as_str().unwrap_or("unknown"),
        command.join(" ")
    )];
    if let Some(printed) = annotation(pod, LOG_ANNOTATION).filter(|text| !text.is_empty()) {
        lines.push(printed.to_string());
    }
    let terminated = pod.pointer("/status/containerStatuses/0/state/terminated");
    let finished = terminated
        .and_then(|t| t.get("finishedAt"))
        .and_then(Value::as_str)
        .unwrap_or(started);
    match pod.pointer("/status/phase").and_then(Value::as_str) {
        Some("Succeeded") => lines.push(format!("{finished} [sandbox] training finished")),
        Some("Failed") => {
            let code = terminated
                .and_then(|t| t.get("exitCode"))
                .and_then(Value::as_i64)
                .unwrap_or(1);
            if code == 137 {
                lines.push(format!("{finished} [sandbox] killed"));
            } else {
                lines.push(format!(
                    "{finished} RuntimeError: the training diverged (loss is nan)"
                ));
            }
            lines.push(format!("{finished} Error: exit status {code}"));
        }
        _ => {}
    }
    lines.join("\n") + "\n"
}
