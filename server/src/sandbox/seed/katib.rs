//! Katib demo data for the dev user: `mnist-random`, an experiment that finished a day ago with
//! 200 trials (some failed, early stopped, killed or without metrics), and
//! `pytorch-mnist-random`, Katib's random-search example, which the simulated controller runs
//! for a few minutes once the sandbox starts.
//!
//! The finished one is not simulated at start-up: its trials are run through the same trial
//! steps as live ones, on a clock set in the past, and written in their final state, so their
//! statuses, observation logs and the experiment's summary agree as if Katib had run them.

use crate::sandbox::controllers::katib::model::RECORD_ANNOTATION;
use crate::sandbox::controllers::katib::{conditions, experiment, spec, trial};
use crate::sandbox::controllers::{self, katib};
use crate::sandbox::store::{self, Store, WriteOptions};
use serde_json::{Value, json};

const FINISHED: &str = "mnist-random";
const RUNNING: &str = "pytorch-mnist-random";
/// Where the finished experiment had trials stopped by hand (the first trial from each of these
/// still running at its third pace), to show what a killed trial looks like.
const KILLED: [u64; 2] = [57, 133];
/// The seed's clock: a pace of the finished experiment's trials.
const TICK_SECONDS: i64 = 75;

fn seed_options() -> WriteOptions {
    WriteOptions {
        field_manager: Some("kfdash-sandbox-seed".into()),
        ..WriteOptions::default()
    }
}

fn seconds(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn later(at: jiff::Timestamp, seconds: i64) -> jiff::Timestamp {
    at.checked_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap_or(at)
}

fn mnist_job(arguments: &[&str]) -> Value {
    let mut command = vec![
        "python3".to_string(),
        "/opt/pytorch-mnist/mnist.py".to_string(),
    ];
    command.extend(arguments.iter().map(|a| (*a).to_string()));
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "spec": { "template": {
            "metadata": { "annotations": { "sidecar.istio.io/inject": "false" } },
            "spec": {
                "containers": [{
                    "name": "training-container",
                    "image": "ghcr.io/kubeflow/katib/pytorch-mnist-cpu:latest",
                    "command": command,
                    "resources": { "limits": { "memory": "1Gi", "cpu": "0.5" } },
                }],
                "restartPolicy": "Never",
            },
        } },
    })
}

fn finished_spec() -> Value {
    json!({
        "objective": {
            "type": "maximize",
            "goal": 0.99,
            "objectiveMetricName": "Validation-accuracy",
            "additionalMetricNames": ["Train-accuracy"],
        },
        "algorithm": { "algorithmName": "random" },
        "earlyStopping": {
            "algorithmName": "medianstop",
            "algorithmSettings": [
                { "name": "min_trials_required", "value": "5" },
                { "name": "start_step", "value": "3" },
            ],
        },
        "parallelTrialCount": 5,
        "maxTrialCount": 200,
        "maxFailedTrialCount": 40,
        "parameters": [
            { "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0.0001", "max": "0.1", "distribution": "logUniform" } },
            { "name": "momentum", "parameterType": "double", "feasibleSpace": { "min": "0.5", "max": "0.99" } },
            { "name": "num-layers", "parameterType": "int", "feasibleSpace": { "min": "2", "max": "5" } },
            { "name": "optimizer", "parameterType": "categorical", "feasibleSpace": { "list": ["sgd", "adam", "ftrl"] } },
        ],
        "trialTemplate": {
            "primaryContainerName": "training-container",
            "trialParameters": [
                { "name": "learningRate", "description": "Learning rate for the training model", "reference": "lr" },
                { "name": "momentum", "description": "Momentum for the training model", "reference": "momentum" },
                { "name": "numberLayers", "description": "Number of layers of the model", "reference": "num-layers" },
                { "name": "optimizer", "description": "Training model optimizer (sgd, adam or ftrl)", "reference": "optimizer" },
            ],
            "trialSpec": mnist_job(&[
                "--epochs=6",
                "--batch-size=64",
                "--lr=${trialParameters.learningRate}",
                "--momentum=${trialParameters.momentum}",
                "--num-layers=${trialParameters.numberLayers}",
                "--optimizer=${trialParameters.optimizer}",
            ]),
        },
    })
}

/// Katib's random-search example, run live: two trials at a time, sixty in all.
fn running_spec() -> Value {
    json!({
        "objective": { "type": "minimize", "goal": 0.001, "objectiveMetricName": "loss" },
        "algorithm": { "algorithmName": "random" },
        "parallelTrialCount": 2,
        "maxTrialCount": 60,
        "maxFailedTrialCount": 10,
        "parameters": [
            { "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0.01", "max": "0.05" } },
            { "name": "momentum", "parameterType": "double", "feasibleSpace": { "min": "0.5", "max": "0.9" } },
        ],
        "trialTemplate": {
            "retain": true,
            "primaryContainerName": "training-container",
            "trialParameters": [
                { "name": "learningRate", "description": "Learning rate for the training model", "reference": "lr" },
                { "name": "momentum", "description": "Momentum for the training model", "reference": "momentum" },
            ],
            "trialSpec": mnist_job(&[
                "--epochs=1",
                "--batch-size=16",
                "--lr=${trialParameters.learningRate}",
                "--momentum=${trialParameters.momentum}",
            ]),
        },
    })
}

/// Both experiments, in `namespace` (which must exist).
pub fn seed(store: &Store, namespace: &str) {
    let now = jiff::Timestamp::now();
    if let Err(why) = finished(store, namespace, later(now, -30 * 3600)) {
        tracing::warn!(experiment = FINISHED, %why, "a seed experiment was not made");
    }
    let running = json!({
        "metadata": { "name": RUNNING },
        "spec": spec::with_defaults(&running_spec()),
    });
    if let Err(error) = store.create(katib::experiments(), namespace, running, &seed_options()) {
        tracing::warn!(experiment = RUNNING, message = %error.message, "a seed experiment was not made");
    }
}

/// The finished experiment, started at `start`: its trials run on the seed's clock, five at a
/// time, then everything written as Katib would have left it.
fn finished(store: &Store, namespace: &str, start: jiff::Timestamp) -> Result<(), String> {
    let experiment = json!({
        "metadata": { "name": FINISHED },
        "spec": spec::with_defaults(&finished_spec()),
    });
    let created = store
        .create(katib::experiments(), namespace, experiment, &seed_options())
        .map_err(|error| error.message)?;
    let spec = spec::read(store, &created)?;
    let uid = store::meta_str(&created, "uid")
        .unwrap_or_default()
        .to_string();
    let max = spec.max_trials.unwrap_or(0) as u64;
    let mut slots = vec![later(start, 5); spec.parallel];
    // When each finished trial ended, and its running average for the median stopping rule.
    let mut ended: Vec<(jiff::Timestamp, Option<f64>)> = Vec::new();
    let mut trials: Vec<Value> = Vec::new();
    let mut suggestions: Vec<Value> = Vec::new();
    let mut kills = KILLED.iter().peekable();
    for index in 0..max {
        let to_kill = kills.peek().is_some_and(|from| index >= **from);
        let (slot, begin) = slots
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|(_, free)| *free)
            .expect("an experiment runs at least one trial at a time");
        let averages: Vec<f64> = ended
            .iter()
            .filter(|(end, _)| *end <= begin)
            .filter_map(|(_, average)| *average)
            .collect();
        let rules = experiment::median_rule(&spec, &averages);
        let name = experiment::trial_name(FINISHED, &uid, index);
        let assignments = experiment::assignment(&spec, &uid, index);
        let mut made = experiment::new_trial(&created, &spec, &name, &assignments, &rules);
        made["status"] = trial::created_status(&seconds(begin));
        let mut clock = begin;
        let mut running_ticks = 0;
        while trial::State::of(&made).is_active() {
            let next = later(clock, TICK_SECONDS);
            let Some((record, status)) =
                trial::advance(&made, &seconds(next), &trial::millis(next))
            else {
                break;
            };
            clock = next;
            made["metadata"]["annotations"][RECORD_ANNOTATION] = json!(record.to_annotation());
            made["status"] = status;
            running_ticks += 1;
            if to_kill && running_ticks == 3 && trial::State::of(&made).is_active() {
                made["status"] = trial::kill(&made, &seconds(later(clock, 20)));
                clock = later(clock, 20);
                kills.next();
                break;
            }
        }
        slots[slot] = later(clock, 8);
        ended.push((clock, experiment::running_average(&spec, &made)));
        let mut entry = json!({
            "name": name,
            "parameterAssignments": made["spec"]["parameterAssignments"],
        });
        if !rules.is_empty() {
            entry["earlyStoppingRules"] = json!(rules);
        }
        suggestions.push(entry);
        trials.push(made);
    }
    let end = ended.iter().map(|(end, _)| *end).max().unwrap_or(start);
    for made in &trials {
        store
            .create(
                katib::trials(),
                namespace,
                made.clone(),
                &controllers::options(),
            )
            .map_err(|error| error.message)?;
    }
    let mut suggestion_conditions = Vec::new();
    let at = |moment: jiff::Timestamp| seconds(moment);
    conditions::set(
        &mut suggestion_conditions,
        "Created",
        "True",
        "SuggestionCreated",
        "Suggestion is created",
        &at(start),
    );
    conditions::set(
        &mut suggestion_conditions,
        "DeploymentReady",
        "True",
        "DeploymentReady",
        "Deployment is ready",
        &at(later(start, 3)),
    );
    conditions::set(
        &mut suggestion_conditions,
        "Running",
        "True",
        "SuggestionRunning",
        "Suggestion is running",
        &at(later(start, 3)),
    );
    conditions::finish(
        &mut suggestion_conditions,
        "Succeeded",
        "SuggestionSucceeded",
        "Suggestion is succeeded",
        &at(end),
    );
    let suggestion = json!({
        "metadata": {
            "name": FINISHED,
            "labels": { katib::EXPERIMENT_LABEL: FINISHED },
            "annotations": { "sandbox.kfdash.io/assignments-drawn": max.to_string() },
            "ownerReferences": controllers::owner_reference(&created),
        },
        "spec": { "algorithm": created["spec"]["algorithm"], "earlyStopping": created["spec"]["earlyStopping"], "requests": max, "resumePolicy": spec.resume_policy },
        "status": {
            "conditions": suggestion_conditions,
            "startTime": at(start),
            "completionTime": at(end),
            "suggestionCount": suggestions.len(),
            "suggestions": suggestions,
        },
    });
    store
        .create(
            katib::suggestions(),
            namespace,
            suggestion,
            &controllers::options(),
        )
        .map_err(|error| error.message)?;
    let mut experiment_conditions = Vec::new();
    conditions::set(
        &mut experiment_conditions,
        "Created",
        "True",
        "ExperimentCreated",
        "Experiment is created",
        &at(start),
    );
    conditions::set(
        &mut experiment_conditions,
        "Running",
        "True",
        "ExperimentRunning",
        "Experiment is running",
        &at(later(start, 2)),
    );
    conditions::finish(
        &mut experiment_conditions,
        "Succeeded",
        "ExperimentMaxTrialsReached",
        "Experiment has succeeded because max trial count has reached",
        &at(end),
    );
    // Katib lists trials as the API returns them: by name.
    trials.sort_by(|a, b| store::meta_str(a, "name").cmp(&store::meta_str(b, "name")));
    let mut status = json!({
        "startTime": at(start),
        "completionTime": at(end),
        "conditions": experiment_conditions,
    });
    experiment::summarize(&spec, &trials).write_into(&mut status);
    controllers::write_status(store, katib::experiments(), namespace, FINISHED, status)
        .map_err(|error| error.message)?;
    Ok(())
}
