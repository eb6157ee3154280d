//! Experiment → its Suggestion and Trials, as Katib's experiment controller runs them: Created,
//! then Running while it keeps `min(parallelTrialCount, maxTrialCount − completed)` trials
//! active, its status summing up the trials, until the goal is reached, too many trials failed,
//! enough completed, or a grid ran out.

use super::conditions;
use super::model;
use super::nas;
use super::prng::{self, SplitMix};
use super::space;
use super::spec::{self, Search, Spec, Strategy};
use super::template;
use super::trial::State;
use super::{EXPERIMENT_LABEL, experiments, suggestions, trials as trial_kind};
use crate::sandbox::controllers::{
    Controllers, options, owner_reference, record_event, write_status,
};
use crate::sandbox::store::{self, DeleteOptions, Part, Store};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The Suggestion annotation counting the assignments ever drawn, so a trial deleted and
/// replaced never gives its successor the same name.
const DRAWN_ANNOTATION: &str = "sandbox.kfdash.io/assignments-drawn";

const SUMMARY_KEYS: [&str; 16] = [
    "trials",
    "trialsPending",
    "trialsRunning",
    "trialsSucceeded",
    "trialsFailed",
    "trialsKilled",
    "trialsEarlyStopped",
    "trialMetricsUnavailable",
    "pendingTrialList",
    "runningTrialList",
    "succeededTrialList",
    "failedTrialList",
    "killedTrialList",
    "earlyStoppedTrialList",
    "metricsUnavailableTrialList",
    "currentOptimalTrial",
];

fn is_completed(conditions: &[Value]) -> bool {
    conditions::is_true(conditions, "Succeeded") || conditions::is_true(conditions, "Failed")
}

/// The experiment's trials (by Katib's label), in name order as the API lists them.
pub fn list_trials(store: &Store, namespace: &str, experiment: &str) -> Vec<Value> {
    let pointer = format!("/metadata/labels/{}", EXPERIMENT_LABEL.replace('/', "~1"));
    store
        .list(
            trial_kind(),
            Some(namespace),
            &|trial| trial.pointer(&pointer).and_then(Value::as_str) == Some(experiment),
            None,
            None,
        )
        .items
}

pub fn reconcile(controllers: &Arc<Controllers>, namespace: &str, name: &str) {
    reconcile_at(&controllers.store, namespace, name, &store::now_rfc3339());
}

/// One reconcile of the experiment at `now`.
fn reconcile_at(store: &Store, namespace: &str, name: &str, now: &str) {
    let Ok(experiment) = store.get(experiments(), namespace, name) else {
        return;
    };
    if experiment.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    let mut conditions = conditions::of(&experiment);
    let mut status = experiment
        .get("status")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if !conditions::is_true(&conditions, "Created") {
        create(store, &experiment, status, conditions, now);
        return;
    }
    let completed = is_completed(&conditions);
    let spec = match spec::read(store, &experiment) {
        Ok(spec) => spec,
        Err(why) if !completed => {
            refuse(store, &experiment, status, conditions, &why, now);
            return;
        }
        Err(_) => return,
    };
    // A finished experiment is looked at on every change of its trials; listing them all
    // (10,000 in the benchmark) only to return is what made it cost, so they are listed only
    // where they are used.
    if completed {
        let restartable = conditions::find(&conditions, "Succeeded")
            .is_some_and(|c| c["reason"] == "ExperimentMaxTrialsReached")
            && ["LongRunning", "FromVolume"].contains(&spec.resume_policy.as_str())
            && spec
                .max_trials
                .is_some_and(|max| max > status["trials"].as_u64().unwrap_or(0) as usize);
        if restartable {
            conditions::remove(&mut conditions, "Succeeded");
            conditions::remove(&mut conditions, "Failed");
            conditions::set(
                &mut conditions,
                "Restarting",
                "True",
                "ExperimentRestarting",
                "Experiment is restarted",
                now,
            );
            if let Some(map) = status.as_object_mut() {
                map.remove("completionTime");
            }
            if spec.resume_policy == "FromVolume" {
                restart_suggestion(store, namespace, name, now);
            }
        } else {
            if spec.resume_policy != "LongRunning" {
                finish_suggestion(store, namespace, name, now);
            }
            // Katib stops looking at a finished experiment once nothing of it runs.
            let active = ["trialsPending", "trialsRunning"]
                .iter()
                .map(|key| status[*key].as_u64().unwrap_or(0))
                .sum::<u64>();
            if active == 0 {
                return;
            }
            summarize(&spec, &list_trials(store, namespace, name)).write_into(&mut status);
            let _ = write_status(store, experiments(), namespace, name, status);
            return;
        }
    }
    let trials = trim(
        store,
        &experiment,
        &spec,
        list_trials(store, namespace, name),
    );
    let summary = summarize(&spec, &trials);
    summary.write_into(&mut status);
    let exhausted = store
        .get(suggestions(), namespace, name)
        .is_ok_and(|suggestion| conditions::is_true(&conditions::of(&suggestion), "Exhausted"));
    let ending = ending(&spec, &summary, exhausted);
    match ending {
        Some((kind, reason, message)) => {
            conditions::finish(&mut conditions, kind, reason, message, now);
            status["completionTime"] = json!(now);
            if spec.resume_policy != "LongRunning" {
                finish_suggestion(store, namespace, name, now);
            }
        }
        None => {
            let message = match spec.fallback_note() {
                Some(note) => format!("Experiment is running; {note}"),
                None => "Experiment is running".to_string(),
            };
            conditions::set(
                &mut conditions,
                "Running",
                "True",
                "ExperimentRunning",
                &message,
                now,
            );
            let wanted = match spec.max_trials {
                Some(max) => spec.parallel.min(max.saturating_sub(summary.completed())),
                None => spec.parallel,
            };
            let add = wanted.saturating_sub(summary.active());
            if add > 0 && !exhausted {
                create_trials(store, &experiment, &spec, &trials, add, now);
            }
        }
    }
    status["conditions"] = json!(conditions);
    let _ = write_status(store, experiments(), namespace, name, status);
}

/// How an experiment ends, as Katib writes it: the condition, its reason and its message.
type Ending = (&'static str, &'static str, &'static str);

const GOAL_REACHED: Ending = (
    "Succeeded",
    "ExperimentGoalReached",
    "Experiment has succeeded because Objective goal has reached",
);
const TOO_MANY_FAILED: Ending = (
    "Failed",
    "ExperimentFailed",
    "Experiment has failed because max failed count has reached",
);
const MAX_TRIALS_REACHED: Ending = (
    "Succeeded",
    "ExperimentMaxTrialsReached",
    "Experiment has succeeded because max trial count has reached",
);
const SUGGESTIONS_EXHAUSTED: Ending = (
    "Succeeded",
    "ExperimentSuggestionEndReached",
    "Experiment has succeeded because suggestion service has reached the end",
);

/// Whether the experiment ends now, and how; Katib checks in this order.
fn ending(spec: &Spec, summary: &Summary, exhausted: bool) -> Option<Ending> {
    let failed = summary.count(State::Failed) + summary.count(State::MetricsUnavailable);
    if summary.goal_reached {
        Some(GOAL_REACHED)
    } else if spec
        .max_failed
        .is_some_and(|most| failed != 0 && failed >= most)
    {
        Some(TOO_MANY_FAILED)
    } else if spec
        .max_trials
        .is_some_and(|max| summary.completed() >= max)
    {
        Some(MAX_TRIALS_REACHED)
    } else if exhausted && summary.active() == 0 {
        Some(SUGGESTIONS_EXHAUSTED)
    } else {
        None
    }
}

/// First sight of an experiment: the defaults Katib's webhook would have written, then
/// Created and the start time.
fn create(
    store: &Store,
    experiment: &Value,
    mut status: Value,
    mut conditions: Vec<Value>,
    now: &str,
) {
    let namespace = store::meta_str(experiment, "namespace").unwrap_or_default();
    let name = store::meta_str(experiment, "name").unwrap_or_default();
    let spec = experiment.get("spec").cloned().unwrap_or_default();
    let defaulted = spec::with_defaults(&spec);
    if defaulted != spec {
        let written = store.modify(
            experiments(),
            namespace,
            name,
            Part::Main,
            &options(),
            |current| {
                let mut next = current.clone();
                next["spec"] = defaulted.clone();
                Ok(next)
            },
        );
        if written.is_err() {
            return;
        }
    }
    conditions::set(
        &mut conditions,
        "Created",
        "True",
        "ExperimentCreated",
        "Experiment is created",
        now,
    );
    status["conditions"] = json!(conditions);
    if status.get("startTime").is_none_or(Value::is_null) {
        status["startTime"] = json!(now);
    }
    let _ = write_status(store, experiments(), namespace, name, status);
}

/// An experiment Katib's webhook would have refused: Failed, saying why.
fn refuse(
    store: &Store,
    experiment: &Value,
    mut status: Value,
    mut conditions: Vec<Value>,
    why: &str,
    now: &str,
) {
    let namespace = store::meta_str(experiment, "namespace").unwrap_or_default();
    let name = store::meta_str(experiment, "name").unwrap_or_default();
    let message = format!("The sandbox cannot run this experiment: {why}");
    conditions::finish(&mut conditions, "Failed", "ExperimentFailed", &message, now);
    status["conditions"] = json!(conditions);
    status["completionTime"] = json!(now);
    record_event(
        store,
        experiment,
        "Experiment",
        "Warning",
        "ReconcileFailed",
        &format!("Failed to reconcile: {why}"),
    );
    let _ = write_status(store, experiments(), namespace, name, status);
}

/// What an experiment's trials add up to, as Katib's status reports it.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    lists: HashMap<&'static str, Vec<String>>,
    best: Option<Value>,
    pub goal_reached: bool,
}

const LISTS: [(State, &str, &str); 7] = [
    (State::Pending, "pendingTrialList", "trialsPending"),
    (State::Running, "runningTrialList", "trialsRunning"),
    (State::Succeeded, "succeededTrialList", "trialsSucceeded"),
    (State::Failed, "failedTrialList", "trialsFailed"),
    (State::Killed, "killedTrialList", "trialsKilled"),
    (
        State::EarlyStopped,
        "earlyStoppedTrialList",
        "trialsEarlyStopped",
    ),
    (
        State::MetricsUnavailable,
        "metricsUnavailableTrialList",
        "trialMetricsUnavailable",
    ),
];

impl Summary {
    pub fn count(&self, state: State) -> usize {
        LISTS
            .iter()
            .find(|(s, _, _)| *s == state)
            .and_then(|(_, list, _)| self.lists.get(list))
            .map_or(0, Vec::len)
    }

    pub fn active(&self) -> usize {
        self.count(State::Pending) + self.count(State::Running)
    }

    pub fn completed(&self) -> usize {
        self.lists.values().map(Vec::len).sum::<usize>() - self.active()
    }

    /// Puts the counts (left out when zero), the lists (left out when empty) and the best
    /// trial into an experiment status.
    pub fn write_into(&self, status: &mut Value) {
        let Some(map) = status.as_object_mut() else {
            return;
        };
        for key in SUMMARY_KEYS {
            map.remove(key);
        }
        let total: usize = self.lists.values().map(Vec::len).sum();
        if total > 0 {
            map.insert("trials".into(), json!(total));
        }
        for (_, list, counter) in LISTS {
            if let Some(names) = self.lists.get(list).filter(|names| !names.is_empty()) {
                map.insert(counter.into(), json!(names.len()));
                map.insert(list.into(), json!(names));
            }
        }
        map.insert(
            "currentOptimalTrial".into(),
            self.best
                .clone()
                .unwrap_or_else(|| json!({ "observation": {} })),
        );
    }
}

/// The objective's value of a trial as its strategy takes it: None when unavailable; Err with
/// the text for a value that isn't a number.
fn objective_value(spec: &Spec, trial: &Value) -> Option<Result<f64, String>> {
    let metric = trial
        .pointer("/status/observation/metrics")
        .and_then(Value::as_array)?
        .iter()
        .find(|m| m["name"] == spec.metric.as_str())?;
    let field = |key: &str| metric[key].as_str().unwrap_or(model::UNAVAILABLE);
    let text = match spec.strategy {
        Strategy::Min if field("min") != model::UNAVAILABLE => field("min"),
        Strategy::Max if field("max") != model::UNAVAILABLE => field("max"),
        _ => field("latest"),
    };
    if text == model::UNAVAILABLE {
        return None;
    }
    Some(text.parse::<f64>().map_err(|_| text.to_string()))
}

/// Sums up the trials: who is where, the best of those that completed with metrics (by the
/// objective's strategy; for a metric that isn't a number, the latest such trial), and whether
/// the goal is reached.
pub fn summarize(spec: &Spec, trials: &[Value]) -> Summary {
    let mut summary = Summary::default();
    let mut best: Option<(usize, Option<f64>)> = None;
    for (index, trial) in trials.iter().enumerate() {
        let state = State::of(trial);
        let list = LISTS
            .iter()
            .find(|(s, _, _)| *s == state)
            .map(|(_, list, _)| *list)
            .expect("every state has a list");
        let name = store::meta_str(trial, "name")
            .unwrap_or_default()
            .to_string();
        summary.lists.entry(list).or_default().push(name);
        if !matches!(state, State::Succeeded | State::EarlyStopped) {
            continue;
        }
        match objective_value(spec, trial) {
            None => {}
            Some(Err(_)) => best = Some((index, None)),
            Some(Ok(value)) => {
                let better = match best {
                    Some((_, Some(known))) => {
                        if spec.maximize {
                            value > known
                        } else {
                            value < known
                        }
                    }
                    _ => true,
                };
                if better {
                    best = Some((index, Some(value)));
                }
                if let (Some(goal), Some((_, Some(best)))) = (spec.goal, best) {
                    let reached = if spec.maximize {
                        best >= goal
                    } else {
                        best <= goal
                    };
                    summary.goal_reached |= reached;
                }
            }
        }
    }
    summary.best = best.map(|(index, _)| {
        let trial = &trials[index];
        json!({
            "bestTrialName": store::meta_str(trial, "name"),
            "parameterAssignments": trial.pointer("/spec/parameterAssignments").cloned().unwrap_or(json!([])),
            "observation": { "metrics": trial.pointer("/status/observation/metrics").cloned().unwrap_or(json!([])) },
        })
    });
    summary
}

/// Where each trial came in the suggestion's list (later is newer).
fn suggestion_order(suggestion: Option<&Value>) -> HashMap<String, usize> {
    suggestion
        .and_then(|s| s.pointer("/status/suggestions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, entry)| Some((entry["name"].as_str()?.to_string(), index)))
        .collect()
}

/// Deletes the newest active trials beyond what may run now: more than `parallelTrialCount`
/// (as Katib does when it is lowered), or more than `maxTrialCount` leaves room for (the
/// sandbox's way to stop an experiment whose budget was lowered). Returns the trials left.
fn trim(store: &Store, experiment: &Value, spec: &Spec, trials: Vec<Value>) -> Vec<Value> {
    let namespace = store::meta_str(experiment, "namespace").unwrap_or_default();
    let name = store::meta_str(experiment, "name").unwrap_or_default();
    let states: Vec<State> = trials.iter().map(State::of).collect();
    let active = states.iter().filter(|s| s.is_active()).count();
    let completed = states.len() - active;
    let allowed = match spec.max_trials {
        Some(max) => spec.parallel.min(max.saturating_sub(completed)),
        None => spec.parallel,
    };
    if active <= allowed {
        return trials;
    }
    let suggestion = store.get(suggestions(), namespace, name).ok();
    let order = suggestion_order(suggestion.as_ref());
    let mut candidates: Vec<(usize, &Value)> = trials
        .iter()
        .zip(&states)
        .filter(|(_, state)| state.is_active())
        .map(|(trial, _)| {
            let trial_name = store::meta_str(trial, "name").unwrap_or_default();
            (order.get(trial_name).copied().unwrap_or(0), trial)
        })
        .collect();
    candidates.sort_by_key(|(order, _)| std::cmp::Reverse(*order));
    let mut deleted: HashSet<String> = HashSet::new();
    for (_, trial) in candidates.into_iter().take(active - allowed) {
        let trial_name = store::meta_str(trial, "name").unwrap_or_default();
        if store
            .delete(
                trial_kind(),
                namespace,
                trial_name,
                &DeleteOptions::default(),
            )
            .is_ok()
        {
            deleted.insert(trial_name.to_string());
        }
    }
    if suggestion.is_some() && !deleted.is_empty() {
        let _ = store.modify(
            suggestions(),
            namespace,
            name,
            Part::Status,
            &options(),
            |current| {
                let mut next = current.clone();
                let kept: Vec<Value> = current
                    .pointer("/status/suggestions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|entry| !entry["name"].as_str().is_some_and(|n| deleted.contains(n)))
                    .cloned()
                    .collect();
                next["status"]["suggestionCount"] = json!(kept.len());
                next["status"]["suggestions"] = json!(kept);
                Ok(next)
            },
        );
        let _ = store.modify(
            suggestions(),
            namespace,
            name,
            Part::Main,
            &options(),
            |current| {
                let mut next = current.clone();
                let requests = current["spec"]["requests"].as_u64().unwrap_or(0);
                next["spec"]["requests"] = json!(requests.saturating_sub(deleted.len() as u64));
                Ok(next)
            },
        );
    }
    trials
        .into_iter()
        .filter(|trial| !deleted.contains(store::meta_str(trial, "name").unwrap_or_default()))
        .collect()
}

/// The Suggestion Katib makes for an experiment (same name), made if missing.
fn ensure_suggestion(store: &Store, experiment: &Value, spec: &Spec, now: &str) -> Option<Value> {
    let namespace = store::meta_str(experiment, "namespace").unwrap_or_default();
    let name = store::meta_str(experiment, "name").unwrap_or_default();
    if let Ok(existing) = store.get(suggestions(), namespace, name) {
        return Some(existing);
    }
    let mut conditions = Vec::new();
    conditions::set(
        &mut conditions,
        "Created",
        "True",
        "SuggestionCreated",
        "Suggestion is created",
        now,
    );
    conditions::set(
        &mut conditions,
        "DeploymentReady",
        "True",
        "DeploymentReady",
        "Deployment is ready",
        now,
    );
    let message = match spec.fallback_note() {
        Some(note) => format!("Suggestion is running; {note}"),
        None => "Suggestion is running".to_string(),
    };
    conditions::set(
        &mut conditions,
        "Running",
        "True",
        "SuggestionRunning",
        &message,
        now,
    );
    let mut suggestion_spec = json!({
        "algorithm": experiment.pointer("/spec/algorithm").cloned().unwrap_or(json!({})),
        "requests": 0,
        "resumePolicy": spec.resume_policy,
    });
    if let Some(early) = experiment.pointer("/spec/earlyStopping") {
        suggestion_spec["earlyStopping"] = early.clone();
    }
    let suggestion = json!({
        "metadata": {
            "name": name,
            "labels": { EXPERIMENT_LABEL: name },
            "annotations": { DRAWN_ANNOTATION: "0" },
            "ownerReferences": owner_reference(experiment),
        },
        "spec": suggestion_spec,
        "status": { "conditions": conditions, "startTime": now, "suggestionCount": 0 },
    });
    store
        .create(suggestions(), namespace, suggestion, &options())
        .ok()
}

fn finish_suggestion(store: &Store, namespace: &str, name: &str, now: &str) {
    let _ = store.modify(
        suggestions(),
        namespace,
        name,
        Part::Status,
        &options(),
        |current| {
            let mut next = current.clone();
            let mut conditions = conditions::of(current);
            if !conditions::is_true(&conditions, "Succeeded") {
                conditions::finish(
                    &mut conditions,
                    "Succeeded",
                    "SuggestionSucceeded",
                    "Suggestion is succeeded",
                    now,
                );
                next["status"]["conditions"] = json!(conditions);
                next["status"]["completionTime"] = json!(now);
            }
            Ok(next)
        },
    );
}

fn restart_suggestion(store: &Store, namespace: &str, name: &str, now: &str) {
    let _ = store.modify(
        suggestions(),
        namespace,
        name,
        Part::Status,
        &options(),
        |current| {
            let mut next = current.clone();
            let mut conditions = conditions::of(current);
            conditions::remove(&mut conditions, "Succeeded");
            conditions::set(
                &mut conditions,
                "Running",
                "True",
                "SuggestionRunning",
                "Suggestion is running",
                now,
            );
            next["status"]["conditions"] = json!(conditions);
            if let Some(status) = next["status"].as_object_mut() {
                status.remove("completionTime");
            }
            Ok(next)
        },
    );
}

/// A succeeded trial's running average of its objective up to the median stop's start step,
/// from which the median stopping rule is made.
pub fn running_average(spec: &Spec, trial: &Value) -> Option<f64> {
    let start = spec.median_stop?.start_step as usize;
    if State::of(trial) != State::Succeeded {
        return None;
    }
    let values: Vec<f64> = model::points(trial)
        .into_iter()
        .filter(|point| point.metric == spec.metric)
        .take(start)
        .map(|point| point.value.parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The median stopping rule for new trials: once `min_trials_required` trials succeeded, a
/// trial stops when, from `start_step` on, its objective is worse than the median of those
/// trials' running averages (`averages`, see [`running_average`]).
pub fn median_rule(spec: &Spec, averages: &[f64]) -> Vec<Value> {
    let Some(median_stop) = spec.median_stop else {
        return Vec::new();
    };
    if averages.is_empty() || averages.len() < median_stop.min_trials {
        return Vec::new();
    }
    let mut sorted = averages.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    };
    vec![json!({
        "name": spec.metric,
        "value": format!("{median:.6}"),
        "comparison": if spec.maximize { "less" } else { "greater" },
        "startStep": median_stop.start_step,
    })]
}

fn median_rules(spec: &Spec, trials: &[Value]) -> Vec<Value> {
    if spec.median_stop.is_none() {
        return Vec::new();
    }
    let averages: Vec<f64> = trials
        .iter()
        .filter_map(|trial| running_average(spec, trial))
        .collect();
    median_rule(spec, &averages)
}

/// What the search gives the trial drawn `index`-th: (name, value) in parameter order.
pub fn assignment(spec: &Spec, uid: &str, index: u64) -> Vec<(String, String)> {
    let mut stream = SplitMix::new(prng::hash(&[uid, "assignment", &index.to_string()]));
    match &spec.search {
        Search::Random | Search::Grid => spec
            .parameters
            .iter()
            .map(|parameter| (parameter.name.clone(), parameter.draw(&mut stream)))
            .collect(),
        Search::Enas(config) => vec![
            ("architecture".into(), config.enas_architecture(&mut stream)),
            ("nn_config".into(), config.enas_nn_config()),
        ],
        Search::Darts(config) => vec![
            (
                "algorithm-settings".into(),
                nas::darts_settings(&spec.settings),
            ),
            ("search-space".into(), config.darts_search_space()),
            ("num-layers".into(), config.num_layers.to_string()),
        ],
    }
}

/// The name of the trial drawn `index`-th: `<experiment>-<8 characters>`.
pub fn trial_name(experiment: &str, uid: &str, index: u64) -> String {
    format!(
        "{experiment}-{}",
        prng::name_suffix(&[uid, &index.to_string()], 8)
    )
}

/// A new Trial, as Katib's experiment controller makes one from its template.
pub fn new_trial(
    experiment: &Value,
    spec: &Spec,
    name: &str,
    assignments: &[(String, String)],
    rules: &[Value],
) -> Value {
    let namespace = store::meta_str(experiment, "namespace").unwrap_or_default();
    let experiment_name = store::meta_str(experiment, "name").unwrap_or_default();
    let values: HashMap<String, String> = spec
        .template
        .parameters
        .iter()
        .map(|(parameter, reference)| {
            let value = template::meta_value(reference, name, namespace, &spec.template.trial_spec)
                .or_else(|| {
                    assignments
                        .iter()
                        .find(|(assigned, _)| assigned == reference)
                        .map(|(_, value)| value.clone())
                })
                .unwrap_or_default();
            (parameter.clone(), value)
        })
        .collect();
    let mut run_spec = template::substitute(&spec.template.trial_spec, &values);
    run_spec["metadata"]["name"] = json!(name);
    run_spec["metadata"]["namespace"] = json!(namespace);
    let quality = match &spec.search {
        Search::Enas(_) => {
            model::architecture_quality(assignments.first().map_or("", |(_, value)| value.as_str()))
        }
        Search::Darts(_) => 0.5,
        _ => model::quality(&spec.parameters, assignments),
    };
    let record = model::plan(name, quality, spec.failure_rate, spec.unavailable_rate);
    let template = experiment
        .pointer("/spec/trialTemplate")
        .cloned()
        .unwrap_or_default();
    let mut trial_spec = Map::new();
    trial_spec.insert("objective".into(), spec.objective.clone());
    trial_spec.insert(
        "parameterAssignments".into(),
        json!(
            assignments
                .iter()
                .map(|(n, v)| json!({ "name": n, "value": v }))
                .collect::<Vec<_>>()
        ),
    );
    trial_spec.insert("runSpec".into(), run_spec);
    trial_spec.insert(
        "metricsCollector".into(),
        experiment
            .pointer("/spec/metricsCollectorSpec")
            .cloned()
            .unwrap_or_else(|| json!({ "collector": { "kind": "StdOut" } })),
    );
    if !rules.is_empty() {
        trial_spec.insert("earlyStoppingRules".into(), json!(rules));
    }
    for (from, to) in [
        ("primaryContainerName", "primaryContainerName"),
        ("primaryPodLabels", "primaryPodLabels"),
        ("successCondition", "successCondition"),
        ("failureCondition", "failureCondition"),
        ("retain", "retainRun"),
    ] {
        if let Some(value) = template.get(from).filter(|v| !v.is_null()) {
            trial_spec.insert(to.into(), value.clone());
        }
    }
    json!({
        "apiVersion": "kubeflow.org/v1beta1",
        "kind": "Trial",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": { EXPERIMENT_LABEL: experiment_name },
            "annotations": { model::RECORD_ANNOTATION: record.to_annotation() },
            "ownerReferences": owner_reference(experiment),
        },
        "spec": Value::Object(trial_spec),
    })
}

/// Draws `add` assignments from the suggestion and creates their trials. A grid that runs out
/// marks the suggestion Exhausted.
fn create_trials(
    store: &Store,
    experiment: &Value,
    spec: &Spec,
    trials: &[Value],
    add: usize,
    now: &str,
) {
    let namespace = store::meta_str(experiment, "namespace").unwrap_or_default();
    let name = store::meta_str(experiment, "name").unwrap_or_default();
    let uid = store::meta_str(experiment, "uid").unwrap_or_default();
    let Some(suggestion) = ensure_suggestion(store, experiment, spec, now) else {
        return;
    };
    let mut drawn: u64 = suggestion
        .pointer(&format!(
            "/metadata/annotations/{}",
            DRAWN_ANNOTATION.replace('/', "~1")
        ))
        .and_then(Value::as_str)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut taken: HashSet<String> = trials
        .iter()
        .filter_map(|t| store::meta_str(t, "name").map(str::to_owned))
        .collect();
    taken.extend(suggestion_order(Some(&suggestion)).into_keys());
    let grid_points = match spec.search {
        Search::Grid => {
            let tried: HashSet<Vec<String>> = trials
                .iter()
                .map(|trial| {
                    let assigned = model::assignments(trial);
                    spec.parameters
                        .iter()
                        .map(|p| {
                            assigned
                                .iter()
                                .find(|(n, _)| *n == p.name)
                                .map(|(_, v)| v.clone())
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect();
            Some(space::next_grid_points(&spec.parameters, &tried, add))
        }
        _ => None,
    };
    let exhausted = grid_points
        .as_ref()
        .is_some_and(|points| points.len() < add);
    let count = grid_points.as_ref().map_or(add, Vec::len);
    let rules = median_rules(spec, trials);
    let mut made: Vec<Value> = Vec::new();
    for slot in 0..count {
        let mut trial_name = trial_name(name, uid, drawn);
        while taken.contains(&trial_name) {
            drawn += 1;
            trial_name = self::trial_name(name, uid, drawn);
        }
        let assignments = match &grid_points {
            Some(points) => spec
                .parameters
                .iter()
                .map(|p| p.name.clone())
                .zip(points[slot].iter().cloned())
                .collect(),
            None => assignment(spec, uid, drawn),
        };
        drawn += 1;
        let trial = new_trial(experiment, spec, &trial_name, &assignments, &rules);
        if store
            .create(trial_kind(), namespace, trial, &options())
            .is_ok()
        {
            taken.insert(trial_name.clone());
            let mut entry = json!({
                "name": trial_name,
                "parameterAssignments": assignments.iter().map(|(n, v)| json!({ "name": n, "value": v })).collect::<Vec<_>>(),
            });
            if !rules.is_empty() {
                entry["earlyStoppingRules"] = json!(rules);
            }
            made.push(entry);
        }
    }
    let _ = store.modify(
        suggestions(),
        namespace,
        name,
        Part::Main,
        &options(),
        |current| {
            let mut next = current.clone();
            next["metadata"]["annotations"][DRAWN_ANNOTATION] = json!(drawn.to_string());
            next["spec"]["requests"] = json!(trials.len() + made.len());
            Ok(next)
        },
    );
    let _ = store.modify(
        suggestions(),
        namespace,
        name,
        Part::Status,
        &options(),
        |current| {
            let mut next = current.clone();
            let mut list: Vec<Value> = current
                .pointer("/status/suggestions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            list.extend(made.iter().cloned());
            next["status"]["suggestionCount"] = json!(list.len());
            next["status"]["suggestions"] = json!(list);
            if exhausted {
                let mut conditions = conditions::of(current);
                conditions::set(
                    &mut conditions,
                    "Exhausted",
                    "True",
                    "SuggestionExhausted",
                    "Suggestion is exhausted: every point of the grid has been tried",
                    now,
                );
                next["status"]["conditions"] = json!(conditions);
            }
            Ok(next)
        },
    );
}
