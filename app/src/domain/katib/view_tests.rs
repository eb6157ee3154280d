//! Views, rows and the best trial, from small synthetic experiments and trials.

use super::*;
use crate::model::katib::{
    ExperimentKind, ExperimentState, MetricStrategy, ObjectiveType, ParameterKind, TrialState,
};
use serde_json::{Value, json};

fn experiment(objective: Value, status: Value) -> Value {
    json!({
        "apiVersion": "kubeflow.org/v1beta1",
        "kind": "Experiment",
        "metadata": {
            "name": "exp", "namespace": "team", "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "kubectl"}],
        },
        "spec": {
            "objective": objective,
            "algorithm": {"algorithmName": "random", "algorithmSettings": [{"name": "seed", "value": "7"}]},
            "parallelTrialCount": 2,
            "maxTrialCount": 10,
            "parameters": [
                {"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.01", "max": "0.1"}},
                {"name": "optimizer", "parameterType": "categorical", "feasibleSpace": {"list": ["sgd", "adam"]}},
            ],
        },
        "status": status,
    })
}

fn trial(name: &str, created: &str, state: &str, lr: &str, loss: (&str, &str, &str)) -> Value {
    json!({
        "metadata": {
            "name": name, "namespace": "team", "creationTimestamp": created,
            "labels": {EXPERIMENT_LABEL: "exp"},
        },
        "spec": {"parameterAssignments": [
            {"name": "optimizer", "value": "adam"},
            {"name": "lr", "value": lr},
            {"name": "unknown", "value": "x"},
        ]},
        "status": {
            "conditions": [
                {"type": "Created", "status": "True"},
                {"type": "Running", "status": "False"},
                {"type": state, "status": "True", "message": format!("{name} is {state}")},
            ],
            "observation": {"metrics": [
                {"name": "accuracy", "min": "0.1", "max": "0.9", "latest": "0.8"},
                {"name": "loss", "min": loss.0, "max": loss.1, "latest": loss.2},
            ]},
        },
    })
}

fn minimize() -> Value {
    json!({"type": "minimize", "objectiveMetricName": "loss", "additionalMetricNames": ["accuracy"],
           "metricStrategies": [{"name": "accuracy", "value": "latest"}]})
}

#[test]
fn a_view_aligns_trials_with_columns_in_creation_order() {
    let trials = [
        trial(
            "exp-b",
            "2026-01-01T00:00:02Z",
            "Succeeded",
            "0.02",
            ("0.3", "0.9", "0.4"),
        ),
        trial(
            "exp-a",
            "2026-01-01T00:00:02Z",
            "EarlyStopped",
            "0.05",
            ("0.2", "0.9", "0.2"),
        ),
        trial(
            "exp-c",
            "2026-01-01T00:00:01Z",
            "Failed",
            "0.07",
            ("unavailable", "unavailable", "unavailable"),
        ),
        json!({"metadata": {"name": "stranger", "labels": {EXPERIMENT_LABEL: "other"}}}),
        json!({"metadata": {"name": "elsewhere", "namespace": "other", "labels": {EXPERIMENT_LABEL: "exp"}}}),
    ];
    let view = experiment_view(&experiment(minimize(), json!({})), &trials);
    let names: Vec<&str> = view
        .trials
        .iter()
        .map(|trial| trial.name.as_str())
        .collect();
    assert_eq!(names, ["exp-c", "exp-a", "exp-b"]);
    let columns: Vec<(&str, MetricStrategy)> = view
        .metrics
        .iter()
        .map(|column| (column.name.as_str(), column.strategy))
        .collect();
    assert_eq!(
        columns,
        [
            ("loss", MetricStrategy::Min),
            ("accuracy", MetricStrategy::Latest)
        ]
    );
    let b = &view.trials[2];
    assert_eq!(
        b.parameters,
        [Some("0.02".to_string()), Some("adam".to_string())]
    );
    assert_eq!(b.metrics[0].as_ref().unwrap().value, Some(0.3));
    assert_eq!(b.metrics[1].as_ref().unwrap().value, Some(0.8));
    assert_eq!(
        (b.state, b.message.as_str()),
        (TrialState::Succeeded, "exp-b is Succeeded")
    );
    let c = &view.trials[0];
    assert_eq!(c.state, TrialState::Failed);
    assert_eq!(c.metrics[0].as_ref().unwrap().text, "unavailable");
    assert_eq!(c.metrics[0].as_ref().unwrap().value, None);
    assert_eq!(view.parameters[1].kind, ParameterKind::Categorical);
    assert_eq!(view.parameters[1].list, ["sgd", "adam"]);
    assert_eq!(
        view.algorithm.settings,
        [("seed".to_string(), "7".to_string())]
    );
    assert_eq!(
        (view.parallel_trials, view.max_failed_trials),
        (Some(2), None)
    );
    assert!(!view.yaml.contains("managedFields") && view.yaml.contains("name: exp"));
    assert_eq!(
        view.row.state,
        ExperimentState::Created,
        "no conditions yet"
    );
    // No optimal trial named: the lowest loss wins (the early-stopped one).
    assert_eq!(best_trial(&view), Some(1));
}

/// A trial as a real cluster lists it: the parts the page reads, plus the run spec, the metrics
/// collector, owner references and managed fields that [`ListedTrial`] leaves out.
fn heavy(mut trial: Value) -> Value {
    trial["apiVersion"] = json!("kubeflow.org/v1beta1");
    trial["kind"] = json!("Trial");
    trial["metadata"]["managedFields"] =
        json!([{"manager": "katib-controller", "fieldsV1": {"f:spec": {}}}]);
    trial["metadata"]["ownerReferences"] =
        json!([{"kind": "Experiment", "name": "exp", "uid": "u"}]);
    trial["metadata"]["uid"] = json!("trial-uid");
    trial["spec"]["runSpec"] = json!({"apiVersion": "batch/v1", "kind": "Job",
        "spec": {"template": {"spec": {"containers": [{"name": "training", "image": "busybox"}]}}}});
    trial["spec"]["metricsCollector"] = json!({"collector": {"kind": "StdOut"}});
    trial["spec"]["objective"] = minimize();
    trial
}

fn listed(trial: &Value) -> Value {
    serde_json::from_value::<ListedTrial>(trial.clone())
        .unwrap()
        .into_value()
}

#[test]
fn a_listed_trial_keeps_what_the_view_reads_and_drops_the_rest() {
    let trials = vec![
        heavy(trial(
            "exp-a",
            "2026-01-01T00:00:01Z",
            "Succeeded",
            "0.02",
            ("0.3", "0.9", "0.4"),
        )),
        heavy(trial(
            "exp-b",
            "2026-01-01T00:00:02Z",
            "Running",
            "0.05",
            ("0.2", "0.9", "0.2"),
        )),
        // Odd shapes read the same both ways: no status, no spec, no namespace, another
        // experiment's label.
        json!({"metadata": {"name": "exp-new", "labels": {EXPERIMENT_LABEL: "exp"}}}),
        json!({"metadata": {"name": "exp-bare", "namespace": "team", "labels": {EXPERIMENT_LABEL: "exp"}}, "spec": null, "status": "odd"}),
        json!({"metadata": {"name": "stranger", "labels": {EXPERIMENT_LABEL: "other"}}}),
    ];
    let cut: Vec<Value> = trials.iter().map(listed).collect();
    let kept = &cut[0];
    for dropped in [
        "/metadata/managedFields",
        "/metadata/ownerReferences",
        "/spec/runSpec",
        "/spec/metricsCollector",
        "/kind",
    ] {
        assert!(kept.pointer(dropped).is_none(), "{dropped} is left out");
    }
    assert_eq!(kept["metadata"]["labels"][EXPERIMENT_LABEL], "exp");
    assert_eq!(
        kept["status"]["observation"],
        trials[0]["status"]["observation"]
    );
    assert!(cut[2].get("status").is_none() && cut[2]["metadata"].get("namespace").is_none());
    assert_eq!(cut[3]["spec"], Value::Null, "a null spec is no error");
    let experiment = experiment(minimize(), json!({}));
    let full = experiment_view(&experiment, &trials);
    assert_eq!(full.trials.len(), 4);
    assert_eq!(experiment_view(&experiment, &cut), full);
}

#[test]
fn a_listed_nas_trial_keeps_its_reported_architecture() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/katib/fixtures/experiment-darts-succeeded.from-notebook.json"
    ))
    .unwrap();
    let experiment: Value = serde_json::from_str(&text).unwrap();
    let name = experiment["metadata"]["name"].as_str().unwrap();
    let trial = heavy(json!({
        "metadata": {"name": format!("{name}-t1"), "namespace": experiment["metadata"]["namespace"],
                     "labels": {EXPERIMENT_LABEL: name}, "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"parameterAssignments": [{"name": "algorithm-settings", "value": "{'num_epochs': 1}"},
                                          {"name": "search-space", "value": "['separable_convolution_3x3']"}]},
        "status": {"conditions": [{"type": "Succeeded", "status": "True"}]},
    }));
    let full = experiment_view(&experiment, std::slice::from_ref(&trial));
    assert_eq!(
        full.parameters.len(),
        2,
        "NAS columns come from what trials were assigned"
    );
    assert_eq!(experiment_view(&experiment, &[listed(&trial)]), full);
}

#[test]
fn the_best_trial_follows_katib_then_the_objective_with_ties_to_the_earliest() {
    let trials = vec![
        trial(
            "t1",
            "2026-01-01T00:00:01Z",
            "Succeeded",
            "0.01",
            ("0.5", "0.9", "0.5"),
        ),
        trial(
            "t2",
            "2026-01-01T00:00:02Z",
            "Succeeded",
            "0.02",
            ("0.2", "0.9", "0.6"),
        ),
        trial(
            "t3",
            "2026-01-01T00:00:03Z",
            "Succeeded",
            "0.03",
            ("0.2", "0.9", "0.2"),
        ),
        trial(
            "t4",
            "2026-01-01T00:00:04Z",
            "MetricsUnavailable",
            "0.04",
            ("unavailable", "unavailable", "unavailable"),
        ),
    ];
    let view = experiment_view(&experiment(minimize(), json!({})), &trials);
    assert_eq!(best_trial(&view), Some(1), "0.2 twice: the earlier trial");

    let maximize = json!({"type": "maximize", "objectiveMetricName": "loss"});
    let view = experiment_view(&experiment(maximize, json!({})), &trials);
    assert_eq!(view.metrics[0].strategy, MetricStrategy::Max);
    assert_eq!(best_trial(&view), Some(0), "max 0.9 everywhere: the first");

    let latest = json!({"type": "maximize", "objectiveMetricName": "loss",
                        "metricStrategies": [{"name": "loss", "value": "latest"}]});
    let view = experiment_view(&experiment(latest, json!({})), &trials);
    assert_eq!(best_trial(&view), Some(1), "latest 0.6 is the highest");

    let named = json!({"currentOptimalTrial": {"bestTrialName": "t3", "observation": {"metrics": [
        {"name": "loss", "min": "0.2", "max": "0.9", "latest": "0.2"}]}}});
    let view = experiment_view(&experiment(minimize(), named), &trials);
    assert_eq!(best_trial(&view), Some(2), "Katib's choice wins");
    assert_eq!(view.row.best, Some(0.2));
    assert_eq!(view.row.best_trial.as_deref(), Some("t3"));

    let gone = json!({"currentOptimalTrial": {"bestTrialName": "deleted"}});
    let view = experiment_view(&experiment(minimize(), gone), &trials);
    assert_eq!(
        best_trial(&view),
        Some(1),
        "a name not listed falls back to ranking"
    );

    let unavailable = vec![trials[3].clone()];
    let view = experiment_view(&experiment(minimize(), json!({})), &unavailable);
    assert_eq!(best_trial(&view), None);
    let view = experiment_view(&experiment(minimize(), json!({})), &[]);
    assert_eq!(best_trial(&view), None);
}

#[test]
fn rows_read_counters_states_and_the_best_value_by_strategy() {
    let status = json!({
        "conditions": [
            {"type": "Created", "status": "True", "message": "created"},
            {"type": "Running", "status": "False", "message": "running"},
            {"type": "Failed", "status": "True", "message": "too many failures"},
        ],
        "trials": 5, "trialsFailed": 3, "trialsSucceeded": 2,
        "currentOptimalTrial": {"bestTrialName": "t1", "observation": {"metrics": [
            {"name": "loss", "min": "0.1", "max": "0.7", "latest": "0.3"}]}},
    });
    let row = experiment_row(&experiment(minimize(), status.clone()));
    assert_eq!(
        (row.state, row.message.as_str()),
        (ExperimentState::Failed, "too many failures")
    );
    assert_eq!(
        (row.counts.total, row.counts.failed, row.counts.succeeded),
        (5, 3, 2)
    );
    assert_eq!(
        (row.counts.running, row.counts.killed),
        (0, 0),
        "absent counters are 0"
    );
    assert_eq!((row.kind, row.max_trials), (ExperimentKind::Hp, Some(10)));
    assert_eq!(row.best, Some(0.1));
    assert_eq!(row.created.as_deref(), Some("2026-01-01T00:00:00Z"));
    let maximize = json!({"type": "maximize", "objectiveMetricName": "loss"});
    let row = experiment_row(&experiment(maximize, status));
    assert_eq!(
        (row.objective_type, row.best),
        (ObjectiveType::Maximize, Some(0.7))
    );

    let odd = json!({"conditions": [{"type": "Paused", "status": "True"}]});
    assert_eq!(
        experiment_row(&experiment(minimize(), odd)).state,
        ExperimentState::Unknown
    );
    let none_true = json!({"conditions": [{"type": "Running", "status": "False"}]});
    assert_eq!(
        experiment_row(&experiment(minimize(), none_true)).state,
        ExperimentState::Unknown
    );
}

#[test]
fn trial_states_come_from_the_last_true_condition() {
    let with = |conditions: Value| json!({"status": {"conditions": conditions}});
    let cases = [
        (json!(null), TrialState::Pending),
        (
            json!([{"type": "Created", "status": "True"}]),
            TrialState::Pending,
        ),
        (
            json!([{"type": "Created", "status": "True"}, {"type": "Running", "status": "True"}]),
            TrialState::Running,
        ),
        (
            json!([{"type": "Running", "status": "False"}, {"type": "Killed", "status": "True"}]),
            TrialState::Killed,
        ),
        (
            json!([{"type": "MetricsUnavailable", "status": "True"}]),
            TrialState::MetricsUnavailable,
        ),
        (
            json!([{"type": "EarlyStopped", "status": "True"}, {"type": "Running", "status": "False"}]),
            TrialState::EarlyStopped,
        ),
        (
            json!([{"type": "Succeeded", "status": "Unknown"}]),
            TrialState::Unknown,
        ),
        (
            json!([{"type": "Exploded", "status": "True"}]),
            TrialState::Unknown,
        ),
    ];
    for (conditions, state) in cases {
        assert_eq!(
            trial_state(&with(conditions.clone())).0,
            state,
            "{conditions}"
        );
    }
}

#[test]
fn a_trial_view_reads_its_own_objective() {
    let mut one = trial(
        "exp-x",
        "2026-01-01T00:00:01Z",
        "Succeeded",
        "0.02",
        ("0.3", "0.9", "0.4"),
    );
    one["spec"]["objective"] = json!({"type": "maximize", "objectiveMetricName": "accuracy"});
    one["status"]["startTime"] = json!("2026-01-01T00:00:05Z");
    let view = trial_view(&one);
    assert_eq!(
        (view.experiment.as_str(), view.name.as_str()),
        ("exp", "exp-x")
    );
    assert_eq!(
        (view.objective_metric.as_str(), view.objective_type),
        ("accuracy", ObjectiveType::Maximize)
    );
    assert_eq!(view.state, TrialState::Succeeded);
    assert_eq!(view.parameters[1], ("lr".to_string(), "0.02".to_string()));
    assert_eq!(view.metrics[1].min.value, Some(0.3));
    assert_eq!(view.conditions.len(), 3);
    assert_eq!(view.started.as_deref(), Some("2026-01-01T00:00:05Z"));
    assert!(view.pods.is_empty());
    assert!(view.yaml.contains("exp-x"));
}

#[test]
#[ignore = "timing: cargo test --release -p app --features ssr --lib katib::view_tests::timing -- --ignored --nocapture"]
fn timing_of_a_view_of_ten_thousand_trials() {
    let trials: Vec<Value> = (0..10_000)
        .map(|index| {
            let loss = format!("{:.4}", 1.0 / f64::from(index + 1));
            trial(
                &format!("exp-{index:05}"),
                &format!(
                    "2026-01-01T{:02}:{:02}:{:02}Z",
                    index / 3600 % 24,
                    index / 60 % 60,
                    index % 60
                ),
                if index % 7 == 0 {
                    "Failed"
                } else {
                    "Succeeded"
                },
                &format!("0.0{}", index % 10),
                (&loss, &loss, &loss),
            )
        })
        .collect();
    let experiment = experiment(minimize(), json!({}));
    let started = std::time::Instant::now();
    let view = experiment_view(&experiment, &trials);
    let elapsed = started.elapsed();
    assert_eq!(view.trials.len(), 10_000);
    println!("experiment_view of 10,000 trials: {elapsed:?}");
}
