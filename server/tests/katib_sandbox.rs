//! The sandbox's simulated Katib through kube-rs and gRPC, as kfdash reads it: every
//! conformance example runs to the end, the budgets (parallel, max, max failed) hold, grid search
//! runs out, goals stop experiments, stopping and raising budgets, observation logs from
//! katib-db-manager that grow and agree with the trials, trial pods with logs, persistence,
//! and the seeded experiments.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{
    Api, DynamicObject, ListParams, LogParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use server::katib_grpc::GetObservationLogRequest;
use server::katib_grpc::db_manager_client::DbManagerClient;
use server::sandbox::controllers::katib::{
    EXPERIMENT_LABEL, FAILURE_RATE_ANNOTATION, TRIAL_LABEL, UNAVAILABLE_RATE_ANNOTATION,
};
use server::sandbox::{Sandbox, SandboxOptions, controllers::Pace};
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

const DEV_USER: &str = "user@example.com";
const DEV_NS: &str = "kubeflow-user-example-com";
const EXAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/katib/examples"
);
const PACE: Duration = Duration::from_millis(25);

async fn sandbox_in(dir: &std::path::Path) -> Sandbox {
    let mut options = SandboxOptions::new(dir, DEV_USER);
    options.pace = Pace { step: PACE };
    Sandbox::start(options).await.unwrap()
}

fn resource(kind: &str) -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1beta1", kind))
}

fn api(sandbox: &Sandbox, kind: &str) -> Api<DynamicObject> {
    Api::namespaced_with(sandbox.admin_client(), DEV_NS, &resource(kind))
}

fn value(object: &DynamicObject) -> Value {
    serde_json::to_value(object).unwrap()
}

async fn get(sandbox: &Sandbox, kind: &str, name: &str) -> Value {
    value(&api(sandbox, kind).get(name).await.unwrap())
}

async fn trials_of(sandbox: &Sandbox, experiment: &str) -> Vec<Value> {
    api(sandbox, "Trial")
        .list(&ListParams::default().labels(&format!("{EXPERIMENT_LABEL}={experiment}")))
        .await
        .unwrap()
        .items
        .iter()
        .map(value)
        .collect()
}

async fn create(sandbox: &Sandbox, experiment: Value) -> String {
    let object: DynamicObject = serde_json::from_value(experiment).unwrap();
    let created = api(sandbox, "Experiment")
        .create(&PostParams::default(), &object)
        .await
        .unwrap();
    created.metadata.name.unwrap()
}

async fn set_max_trials(sandbox: &Sandbox, name: &str, max: u64) {
    api(sandbox, "Experiment")
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": { "maxTrialCount": max } })),
        )
        .await
        .unwrap();
}

/// Polls `check` every few milliseconds for up to `seconds`.
async fn eventually<T>(what: &str, seconds: u64, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

fn last_condition(object: &Value) -> (String, String) {
    let last = object["status"]["conditions"]
        .as_array()
        .and_then(|c| c.last())
        .cloned()
        .unwrap_or_default();
    (
        last["type"].as_str().unwrap_or_default().to_string(),
        last["reason"].as_str().unwrap_or_default().to_string(),
    )
}

fn finished(experiment: &Value) -> bool {
    matches!(
        last_condition(experiment).0.as_str(),
        "Succeeded" | "Failed"
    )
}

async fn until_finished(sandbox: &Sandbox, name: &str, seconds: u64) -> Value {
    eventually(
        &format!("experiment {name} to finish"),
        seconds,
        async || {
            let experiment = get(sandbox, "Experiment", name).await;
            finished(&experiment).then_some(experiment)
        },
    )
    .await
}

/// A trial's state as the last of its conditions says.
fn trial_state(trial: &Value) -> String {
    last_condition(trial).0
}

fn is_active(trial: &Value) -> bool {
    matches!(trial_state(trial).as_str(), "" | "Created" | "Running")
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

fn count(status: &Value, key: &str) -> usize {
    status[key].as_u64().unwrap_or(0) as usize
}

/// The counters agree with the lists, the lists with the trials, and zero counters and empty
/// lists are left out, as Katib writes them.
fn assert_consistent(experiment: &Value, trials: &[Value]) {
    let status = &experiment["status"];
    let pairs = [
        ("trialsPending", "pendingTrialList", "Created"),
        ("trialsRunning", "runningTrialList", "Running"),
        ("trialsSucceeded", "succeededTrialList", "Succeeded"),
        ("trialsFailed", "failedTrialList", "Failed"),
        ("trialsKilled", "killedTrialList", "Killed"),
        (
            "trialsEarlyStopped",
            "earlyStoppedTrialList",
            "EarlyStopped",
        ),
        (
            "trialMetricsUnavailable",
            "metricsUnavailableTrialList",
            "MetricsUnavailable",
        ),
    ];
    let mut total = 0;
    for (counter, list, state) in pairs {
        let listed = names(&status[list]);
        assert_eq!(count(status, counter), listed.len(), "{counter} vs {list}");
        if listed.is_empty() {
            assert!(
                status.get(counter).is_none(),
                "{counter} is left out when zero"
            );
            assert!(status.get(list).is_none(), "{list} is left out when empty");
        }
        let of_state: HashSet<String> = trials
            .iter()
            .filter(|t| trial_state(t) == state)
            .map(|t| t["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            listed.iter().cloned().collect::<HashSet<_>>(),
            of_state,
            "{list}"
        );
        total += listed.len();
    }
    assert_eq!(count(status, "trials"), total);
    assert_eq!(total, trials.len());
}

fn example(file: &str) -> Value {
    let text = std::fs::read_to_string(format!("{EXAMPLES}/{file}"))
        .unwrap_or_else(|error| panic!("{file}: {error}"));
    let mut experiment: Value = serde_saphyr::from_str(&text).unwrap();
    experiment["metadata"]["namespace"] = json!(DEV_NS);
    experiment
}

/// An experiment that Katib's random example would run: `loss` of lr and momentum.
fn random(name: &str, parallel: u64, max: u64) -> Value {
    let mut experiment = example("hp-tuning_random.yaml");
    experiment["metadata"]["name"] = json!(name);
    experiment["spec"]["parallelTrialCount"] = json!(parallel);
    experiment["spec"]["maxTrialCount"] = json!(max);
    no_accidents(&mut experiment);
    experiment
}

/// No randomly failing trials: the test decides what fails.
fn no_accidents(experiment: &mut Value) {
    experiment["metadata"]["annotations"] =
        json!({ FAILURE_RATE_ANNOTATION: "0", UNAVAILABLE_RATE_ANNOTATION: "0" });
}

#[tokio::test]
async fn every_conformance_example_runs_to_success() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let files = [
        "hp-tuning_random.yaml",
        "hp-tuning_grid.yaml",
        "hp-tuning_bayesian-optimization.yaml",
        "hp-tuning_tpe.yaml",
        "hp-tuning_hyperband.yaml",
        "hp-tuning_cma-es.yaml",
        "early-stopping_median-stop.yaml",
        "nas_enas-cpu.yaml",
        "nas_darts-cpu.yaml",
    ];
    let mut experiments = Vec::new();
    for file in files {
        let mut experiment = example(file);
        // The examples' budgets allow one failure or none; the sandbox's failures are by chance.
        no_accidents(&mut experiment);
        let parallel = experiment["spec"]["parallelTrialCount"].as_u64().unwrap() as usize;
        let max = experiment["spec"]["maxTrialCount"].as_u64().unwrap() as usize;
        let name = create(&sandbox, experiment).await;
        experiments.push((file, name, parallel, max));
    }
    // While they run, no experiment has more trials active than it allows.
    let mut most_active: BTreeMap<String, usize> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut all_done = true;
        for (_, name, _, _) in &experiments {
            let active = trials_of(&sandbox, name)
                .await
                .iter()
                .filter(|t| is_active(t))
                .count();
            let most = most_active.entry(name.clone()).or_default();
            *most = (*most).max(active);
            all_done &= finished(&get(&sandbox, "Experiment", name).await);
        }
        if all_done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the examples did not finish: {most_active:?}"
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    for (file, name, parallel, max) in &experiments {
        let experiment = get(&sandbox, "Experiment", name).await;
        let trials = trials_of(&sandbox, name).await;
        assert_eq!(
            last_condition(&experiment),
            (
                "Succeeded".to_string(),
                "ExperimentMaxTrialsReached".to_string()
            ),
            "{file}: {}",
            experiment["status"]
        );
        assert!(
            most_active[name] <= *parallel,
            "{file}: {} active",
            most_active[name]
        );
        assert_eq!(trials.len(), *max, "{file}");
        assert_consistent(&experiment, &trials);
        assert!(experiment["status"]["startTime"].is_string());
        assert!(experiment["status"]["completionTime"].is_string());
        assert_eq!(
            experiment["spec"]["resumePolicy"], "Never",
            "{file}: defaulted"
        );
        let best = experiment["status"]["currentOptimalTrial"]["bestTrialName"]
            .as_str()
            .unwrap_or_else(|| panic!("{file}: no best trial"));
        assert!(trials.iter().any(|t| t["metadata"]["name"] == best));
        for trial in &trials {
            let run = trial["spec"]["runSpec"].to_string();
            assert!(!run.contains("${trialParameters"), "{file}: {run}");
            assert_eq!(
                trial["spec"]["runSpec"]["metadata"]["name"],
                trial["metadata"]["name"]
            );
            let trial_name = trial["metadata"]["name"].as_str().unwrap();
            let suffix = trial_name.strip_prefix(&format!("{name}-")).unwrap();
            assert_eq!(suffix.len(), 8, "{trial_name}");
            assert!(
                suffix
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
            assert_eq!(
                trial["metadata"]["ownerReferences"][0]["kind"],
                "Experiment"
            );
            assert!(trial["status"]["completionTime"].is_string());
        }
        let suggestion = get(&sandbox, "Suggestion", name).await;
        assert_eq!(
            count(&suggestion["status"], "suggestionCount"),
            *max,
            "{file}"
        );
        let running = experiment["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Running")
            .unwrap();
        assert_eq!(running["status"], "False");
        let algorithm = experiment["spec"]["algorithm"]["algorithmName"]
            .as_str()
            .unwrap();
        let message = running["message"].as_str().unwrap();
        match algorithm {
            "random" | "grid" | "darts" => assert_eq!(message, "Experiment is running"),
            other => assert!(
                message.contains(&format!("no {other} ")),
                "{file}: {message}"
            ),
        }
    }
    let by_file = |file: &str| {
        experiments
            .iter()
            .find(|(f, ..)| *f == file)
            .map(|(_, name, ..)| name.clone())
            .unwrap()
    };
    // The grid tries distinct points of its steps.
    let grid = trials_of(&sandbox, &by_file("hp-tuning_grid.yaml")).await;
    let points: HashSet<String> = grid
        .iter()
        .map(|t| t["spec"]["parameterAssignments"].to_string())
        .collect();
    assert_eq!(points.len(), grid.len());
    for trial in &grid {
        let lr: f64 = trial["spec"]["parameterAssignments"][0]["value"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let steps = (lr - 0.01) / 0.005;
        assert!((steps - steps.round()).abs() < 1e-9, "{lr} is on the grid");
    }
    // NAS trials get what their templates refer to.
    let enas = trials_of(&sandbox, &by_file("nas_enas-cpu.yaml")).await;
    let command =
        enas[0]["spec"]["runSpec"]["spec"]["template"]["spec"]["containers"][0]["command"]
            .to_string();
    assert!(command.contains("--architecture=\\\"[["), "{command}");
    assert!(command.contains("'embedding'"), "{command}");
    let darts_name = by_file("nas_darts-cpu.yaml");
    let darts = get(&sandbox, "Experiment", &darts_name).await;
    let genotype = &darts["status"]["currentOptimalTrial"]["observation"]["metrics"][0];
    assert_eq!(genotype["name"], "Best-Genotype");
    assert!(
        genotype["latest"]
            .as_str()
            .unwrap()
            .starts_with("Genotype(normal=[[")
    );
    assert_eq!(genotype["min"], "unavailable");
    assert_eq!(genotype["max"], "unavailable");
    // Median stopping: after the first trial succeeded, new trials carry the rule.
    let median = trials_of(&sandbox, &by_file("early-stopping_median-stop.yaml")).await;
    let ruled: Vec<&Value> = median
        .iter()
        .filter(|t| t["spec"]["earlyStoppingRules"].is_array())
        .collect();
    assert!(!ruled.is_empty());
    let rule = &ruled[0]["spec"]["earlyStoppingRules"][0];
    assert_eq!(
        (rule["name"].as_str(), rule["comparison"].as_str()),
        (Some("loss"), Some("greater"))
    );
    assert_eq!(rule["startStep"], 2);
    for trial in median.iter().filter(|t| trial_state(t) == "EarlyStopped") {
        let last = &trial["status"]["conditions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["reason"], "TrialEarlyStopped");
        let latest: f64 = trial["status"]["observation"]["metrics"][0]["latest"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let threshold: f64 = trial["spec"]["earlyStoppingRules"][0]["value"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            latest > threshold,
            "stopped because {latest} is worse than {threshold}"
        );
    }
}

#[tokio::test]
async fn random_search_keeps_to_its_parallel_and_max_counts() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let trials = api(&sandbox, "Trial");
    let start = trials
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let name = create(&sandbox, random("bounded", 2, 7)).await;
    let mut events = trials
        .watch(
            &WatchParams::default()
                .labels(&format!("{EXPERIMENT_LABEL}={name}"))
                .timeout(30),
            &start,
        )
        .await
        .unwrap()
        .boxed();
    let mut seen: BTreeMap<String, Value> = BTreeMap::new();
    let mut most_active = 0;
    while let Some(event) = events.try_next().await.unwrap() {
        match event {
            WatchEvent::Added(trial) | WatchEvent::Modified(trial) => {
                seen.insert(trial.metadata.name.clone().unwrap(), value(&trial));
            }
            WatchEvent::Deleted(trial) => panic!("{:?} was deleted", trial.metadata.name),
            _ => {}
        }
        let active = seen.values().filter(|t| is_active(t)).count();
        most_active = most_active.max(active);
        assert!(active <= 2, "{active} trials active at once");
        if seen.len() == 7 && active == 0 {
            break;
        }
    }
    assert_eq!(most_active, 2, "it ran trials side by side");
    let experiment = until_finished(&sandbox, &name, 20).await;
    assert_eq!(last_condition(&experiment).1, "ExperimentMaxTrialsReached");
    let all = trials_of(&sandbox, &name).await;
    assert_eq!(all.len(), 7);
    for trial in &all {
        for assignment in trial["spec"]["parameterAssignments"].as_array().unwrap() {
            let value: f64 = assignment["value"].as_str().unwrap().parse().unwrap();
            let range = if assignment["name"] == "lr" {
                0.01..=0.05
            } else {
                0.5..=0.9
            };
            assert!(range.contains(&value), "{assignment}");
        }
        // Metrics were reported while it ran, and the last one is where it ended.
        let loss = &trial["status"]["observation"]["metrics"][0];
        assert_eq!(loss["name"], "loss");
        let min: f64 = loss["min"].as_str().unwrap().parse().unwrap();
        assert!(min > 0.0);
        let conditions: Vec<&str> = trial["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        assert_eq!(conditions, ["Created", "Running", "Succeeded"]);
        assert_eq!(
            trial["status"]["conditions"][2]["message"],
            "Trial has succeeded"
        );
        assert_eq!(trial["status"]["conditions"][2]["reason"], "TrialSucceeded");
    }
}

#[tokio::test]
async fn a_grid_tries_each_point_once_and_ends_when_it_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let mut experiment = random("small-grid", 2, 20);
    experiment["spec"]["algorithm"]["algorithmName"] = json!("grid");
    experiment["spec"]["parameters"] = json!([
        { "name": "lr", "parameterType": "int", "feasibleSpace": { "min": "1", "max": "3" } },
        { "name": "momentum", "parameterType": "categorical", "feasibleSpace": { "list": ["0.5", "0.9"] } },
    ]);
    let name = create(&sandbox, experiment).await;
    let experiment = until_finished(&sandbox, &name, 20).await;
    assert_eq!(
        last_condition(&experiment),
        ("Succeeded".into(), "ExperimentSuggestionEndReached".into())
    );
    let trials = trials_of(&sandbox, &name).await;
    assert_eq!(trials.len(), 6, "three by two points");
    assert_consistent(&experiment, &trials);
    let points: HashSet<(String, String)> = trials
        .iter()
        .map(|t| {
            let a = &t["spec"]["parameterAssignments"];
            (
                a[0]["value"].as_str().unwrap().into(),
                a[1]["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(points.len(), 6);
    let suggestion = get(&sandbox, "Suggestion", &name).await;
    let exhausted = suggestion["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "Exhausted" && c["status"] == "True");
    assert!(exhausted, "{}", suggestion["status"]);
}

#[tokio::test]
async fn an_algorithm_the_sandbox_lacks_falls_back_to_random_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let mut experiment = random("made-up", 2, 3);
    experiment["spec"]["algorithm"]["algorithmName"] = json!("simulated-annealing");
    let name = create(&sandbox, experiment).await;
    let message = eventually("a Running condition", 10, async || {
        let experiment = get(&sandbox, "Experiment", &name).await;
        let (kind, _) = last_condition(&experiment);
        (kind == "Running").then(|| {
            experiment["status"]["conditions"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()["message"]
                .as_str()
                .unwrap()
                .to_string()
        })
    })
    .await;
    assert!(message.starts_with("Experiment is running"), "{message}");
    assert!(
        message.contains("no simulated-annealing suggestion service, so it draws random trials"),
        "{message}"
    );
    let experiment = until_finished(&sandbox, &name, 20).await;
    assert_eq!(last_condition(&experiment).1, "ExperimentMaxTrialsReached");
}

#[tokio::test]
async fn reaching_the_goal_ends_the_experiment_early() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let mut experiment = random("goal", 2, 60);
    experiment["spec"]["objective"]["goal"] = json!(0.6);
    let name = create(&sandbox, experiment).await;
    let experiment = until_finished(&sandbox, &name, 40).await;
    assert_eq!(
        last_condition(&experiment),
        ("Succeeded".into(), "ExperimentGoalReached".into()),
        "{}",
        experiment["status"]
    );
    let best = &experiment["status"]["currentOptimalTrial"]["observation"]["metrics"][0];
    let value: f64 = best["min"].as_str().unwrap().parse().unwrap();
    assert!(value <= 0.6, "the best loss {value} reached the goal");
    // No trial is made after the goal; those running finish on their own, as in Katib.
    let made = trials_of(&sandbox, &name).await.len();
    assert!(made < 60);
    let after = eventually("the last trials to finish", 10, async || {
        let trials = trials_of(&sandbox, &name).await;
        trials.iter().all(|t| !is_active(t)).then_some(trials)
    })
    .await;
    assert_eq!(after.len(), made);
    tokio::time::sleep(PACE * 4).await;
    let experiment = get(&sandbox, "Experiment", &name).await;
    assert_consistent(&experiment, &trials_of(&sandbox, &name).await);
}

#[tokio::test]
async fn too_many_failed_trials_fail_the_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let mut failing = random("failing", 1, 10);
    failing["metadata"]["annotations"][FAILURE_RATE_ANNOTATION] = json!("1");
    failing["spec"]["maxFailedTrialCount"] = json!(2);
    let mut silent = random("silent", 1, 10);
    silent["metadata"]["annotations"][UNAVAILABLE_RATE_ANNOTATION] = json!("1");
    silent["spec"]["maxFailedTrialCount"] = json!(3);
    let failing = create(&sandbox, failing).await;
    let silent = create(&sandbox, silent).await;

    let experiment = until_finished(&sandbox, &failing, 20).await;
    assert_eq!(
        last_condition(&experiment),
        ("Failed".into(), "ExperimentFailed".into())
    );
    let message = experiment["status"]["conditions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["message"]
        .clone();
    assert_eq!(
        message,
        "Experiment has failed because max failed count has reached"
    );
    let trials = trials_of(&sandbox, &failing).await;
    assert_eq!(
        trials.len(),
        2,
        "one at a time, and none after the second failure"
    );
    assert_consistent(&experiment, &trials);
    for trial in &trials {
        let last = trial["status"]["conditions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["type"], "Failed");
        assert!(last["reason"].as_str().unwrap().starts_with("TrialFailed"));
    }

    let experiment = until_finished(&sandbox, &silent, 20).await;
    assert_eq!(last_condition(&experiment).0, "Failed");
    assert_eq!(count(&experiment["status"], "trialMetricsUnavailable"), 3);
    for trial in trials_of(&sandbox, &silent).await {
        assert_eq!(
            last_condition(&trial),
            ("MetricsUnavailable".into(), "MetricsUnavailable".into())
        );
        assert_eq!(
            trial["status"]["observation"]["metrics"][0],
            json!({ "name": "loss", "min": "unavailable", "max": "unavailable", "latest": "unavailable" })
        );
    }
    // Nothing succeeded, so there is no best trial, and Katib writes an empty one.
    assert_eq!(
        experiment["status"]["currentOptimalTrial"],
        json!({ "observation": {} })
    );
}

#[tokio::test]
async fn lowering_max_trials_stops_a_running_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let name = create(&sandbox, random("to-stop", 3, 40)).await;
    // Once one trial has finished and others run, stop as the dashboard does: the budget
    // becomes what has completed.
    let completed = eventually("a finished trial among running ones", 20, async || {
        let trials = trials_of(&sandbox, &name).await;
        let done = trials.iter().filter(|t| !is_active(t)).count();
        let active = trials.len() - done;
        (done >= 1 && active >= 2).then_some(done)
    })
    .await;
    set_max_trials(&sandbox, &name, completed as u64).await;
    let experiment = until_finished(&sandbox, &name, 10).await;
    assert_eq!(last_condition(&experiment).1, "ExperimentMaxTrialsReached");
    let trials = trials_of(&sandbox, &name).await;
    assert!(
        trials.iter().all(|t| !is_active(t)),
        "the active trials are gone"
    );
    // What completed meanwhile counts; nothing new started.
    assert!(
        trials.len() >= completed && trials.len() < completed + 3,
        "{}",
        trials.len()
    );
    assert_consistent(&experiment, &trials);
    let suggestion = get(&sandbox, "Suggestion", &name).await;
    assert_eq!(
        count(&suggestion["status"], "suggestionCount"),
        trials.len()
    );
    assert_eq!(
        suggestion["spec"]["requests"].as_u64().unwrap() as usize,
        trials.len()
    );
    // Stopped means stopped.
    tokio::time::sleep(PACE * 6).await;
    assert_eq!(trials_of(&sandbox, &name).await.len(), trials.len());
}

#[tokio::test]
async fn lowering_parallel_trials_deletes_the_newest_active_ones() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let name = create(&sandbox, random("narrowed", 3, 8)).await;
    let suggested = async || -> Vec<String> {
        let suggestion = get(&sandbox, "Suggestion", &name).await;
        suggestion["status"]["suggestions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    let newest = eventually("three trials side by side", 10, async || {
        let trials = trials_of(&sandbox, &name).await;
        let active: HashSet<String> = trials
            .iter()
            .filter(|t| is_active(t))
            .map(|t| t["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        let order = suggested().await;
        (active.len() == 3).then(|| order.into_iter().rev().find(|n| active.contains(n)))?
    })
    .await;
    api(&sandbox, "Experiment")
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": { "parallelTrialCount": 1 } })),
        )
        .await
        .unwrap();
    eventually("one trial active", 5, async || {
        let active = trials_of(&sandbox, &name)
            .await
            .iter()
            .filter(|t| is_active(t))
            .count();
        (active <= 1).then_some(())
    })
    .await;
    let remaining: HashSet<String> = trials_of(&sandbox, &name)
        .await
        .iter()
        .map(|t| t["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !remaining.contains(&newest),
        "the newest active trial {newest} was deleted"
    );
    let experiment = until_finished(&sandbox, &name, 30).await;
    assert_eq!(last_condition(&experiment).1, "ExperimentMaxTrialsReached");
    let trials: HashSet<String> = trials_of(&sandbox, &name)
        .await
        .iter()
        .map(|t| t["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(trials.len(), 8);
    assert_eq!(
        suggested().await.into_iter().collect::<HashSet<_>>(),
        trials,
        "deleted trials leave the suggestion too"
    );
}

#[tokio::test]
async fn raising_max_trials_keeps_a_running_experiment_going() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let name = create(&sandbox, random("to-raise", 2, 3)).await;
    eventually("the first trials", 10, async || {
        (!trials_of(&sandbox, &name).await.is_empty()).then_some(())
    })
    .await;
    set_max_trials(&sandbox, &name, 6).await;
    let experiment = until_finished(&sandbox, &name, 20).await;
    assert_eq!(last_condition(&experiment).1, "ExperimentMaxTrialsReached");
    assert_eq!(trials_of(&sandbox, &name).await.len(), 6);
}

#[tokio::test]
async fn a_finished_experiment_restarts_only_if_its_resume_policy_allows() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let never = create(&sandbox, random("never", 2, 2)).await;
    let mut long_running = random("long-running", 2, 2);
    long_running["spec"]["resumePolicy"] = json!("LongRunning");
    let long_running = create(&sandbox, long_running).await;
    until_finished(&sandbox, &never, 20).await;
    until_finished(&sandbox, &long_running, 20).await;
    let suggestion = get(&sandbox, "Suggestion", &never).await;
    assert_eq!(
        last_condition(&suggestion).0,
        "Succeeded",
        "Never: the suggestion is done"
    );
    let suggestion = get(&sandbox, "Suggestion", &long_running).await;
    assert_eq!(
        last_condition(&suggestion).0,
        "Running",
        "LongRunning: it stays up"
    );

    set_max_trials(&sandbox, &never, 4).await;
    set_max_trials(&sandbox, &long_running, 4).await;
    let restarted = eventually("the restarted experiment to finish again", 20, async || {
        let experiment = get(&sandbox, "Experiment", &long_running).await;
        (finished(&experiment) && count(&experiment["status"], "trials") == 4).then_some(experiment)
    })
    .await;
    let kinds: Vec<&str> = restarted["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Created", "Restarting", "Running", "Succeeded"]);
    tokio::time::sleep(PACE * 8).await;
    let never = get(&sandbox, "Experiment", &never).await;
    assert_eq!(
        count(&never["status"], "trials"),
        2,
        "Never: it stays finished"
    );
    assert_eq!(last_condition(&never).1, "ExperimentMaxTrialsReached");
}

#[tokio::test]
async fn observation_logs_over_grpc_grow_and_agree_with_the_trial() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let mut experiment = random("logged", 1, 2);
    experiment["spec"]["objective"]["additionalMetricNames"] = json!(["accuracy"]);
    let name = create(&sandbox, experiment).await;
    let mut client = DbManagerClient::connect(sandbox.katib_db_url())
        .await
        .unwrap();
    let trial = eventually("a running trial", 10, async || {
        trials_of(&sandbox, &name)
            .await
            .into_iter()
            .find(|t| trial_state(t) == "Running")
            .map(|t| t["metadata"]["name"].as_str().unwrap().to_string())
    })
    .await;
    let request = |metric: &str, start: &str, end: &str| GetObservationLogRequest {
        trial_name: trial.clone(),
        metric_name: metric.into(),
        start_time: start.into(),
        end_time: end.into(),
    };
    let mut sizes = Vec::new();
    let final_trial = loop {
        let log = client
            .get_observation_log(request("", "", ""))
            .await
            .unwrap()
            .into_inner()
            .observation_log
            .unwrap();
        sizes.push(log.metric_logs.len());
        let current = get(&sandbox, "Trial", &trial).await;
        if !is_active(&current) {
            break current;
        }
        tokio::time::sleep(PACE / 2).await;
    };
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    assert!(
        sizes.iter().any(|n| *n > 0 && *n < *sizes.last().unwrap()),
        "it grew: {sizes:?}"
    );
    let log = client
        .get_observation_log(request("", "", ""))
        .await
        .unwrap()
        .into_inner()
        .observation_log
        .unwrap()
        .metric_logs;
    // The log folds to the trial's observation, as Katib's trial controller folds it.
    for metric in final_trial["status"]["observation"]["metrics"]
        .as_array()
        .unwrap()
    {
        let values: Vec<(&str, f64)> = log
            .iter()
            .filter(|l| l.metric.as_ref().unwrap().name == metric["name"].as_str().unwrap())
            .map(|l| {
                let v = &l.metric.as_ref().unwrap().value;
                (v.as_str(), v.parse::<f64>().unwrap())
            })
            .collect();
        assert!(!values.is_empty(), "{metric}");
        let min = values.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
        let max = values.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
        assert_eq!(metric["min"], min);
        assert_eq!(metric["max"], max);
        assert_eq!(metric["latest"], values.last().unwrap().0);
    }
    // One metric, and a time range.
    let losses = client
        .get_observation_log(request("loss", "", ""))
        .await
        .unwrap()
        .into_inner()
        .observation_log
        .unwrap()
        .metric_logs;
    assert_eq!(losses.len() * 2, log.len());
    assert!(
        losses
            .iter()
            .all(|l| l.metric.as_ref().unwrap().name == "loss")
    );
    let second = losses[1].time_stamp.clone();
    let from_second = client
        .get_observation_log(request("loss", &second, ""))
        .await
        .unwrap()
        .into_inner()
        .observation_log
        .unwrap()
        .metric_logs;
    assert_eq!(from_second.len(), losses.len() - 1);
    let up_to_second = client
        .get_observation_log(request("loss", "", &second))
        .await
        .unwrap()
        .into_inner()
        .observation_log
        .unwrap()
        .metric_logs;
    assert_eq!(up_to_second.len(), 2);
    // A trial nobody knows has an empty log, as in Katib's database.
    let unknown = client
        .get_observation_log(GetObservationLogRequest {
            trial_name: "no-such-trial".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(unknown.observation_log.unwrap().metric_logs.is_empty());
    // Bad requests say what to fix.
    let empty = client
        .get_observation_log(GetObservationLogRequest::default())
        .await
        .unwrap_err();
    assert_eq!(empty.code(), tonic::Code::InvalidArgument);
    assert!(
        empty.message().contains("trial_name"),
        "{}",
        empty.message()
    );
    let bad_time = client
        .get_observation_log(request("", "yesterday", ""))
        .await
        .unwrap_err();
    assert_eq!(bad_time.code(), tonic::Code::InvalidArgument);
    assert!(
        bad_time.message().contains("start_time \"yesterday\""),
        "{}",
        bad_time.message()
    );
}

#[tokio::test]
async fn trial_pods_print_their_metrics_and_go_unless_retained() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let mut retained = random("retained", 1, 1);
    retained["spec"]["trialTemplate"]["retain"] = json!(true);
    let retained = create(&sandbox, retained).await;
    let dropped = create(&sandbox, random("dropped", 1, 1)).await;
    let pods: Api<Pod> = Api::namespaced(sandbox.admin_client(), DEV_NS);
    // While it runs, the trial's pod is found by Katib's trial label and prints metrics.
    let (pod, trial) = eventually("a trial pod that printed a metric", 10, async || {
        let trial = trials_of(&sandbox, &dropped).await.into_iter().next()?;
        let trial_name = trial["metadata"]["name"].as_str()?.to_string();
        let pod = pods
            .list(&ListParams::default().labels(&format!("{TRIAL_LABEL}={trial_name}")))
            .await
            .ok()?
            .items
            .into_iter()
            .next()?;
        let log = pods
            .logs(pod.metadata.name.as_deref()?, &LogParams::default())
            .await
            .ok()?;
        log.contains("loss=").then_some((pod, trial_name))
    })
    .await;
    let labels = pod.metadata.labels.clone().unwrap();
    assert_eq!(labels[EXPERIMENT_LABEL], dropped);
    assert_eq!(labels["batch.kubernetes.io/job-name"], trial);
    assert!(pod.metadata.name.unwrap().starts_with(&format!("{trial}-")));
    until_finished(&sandbox, &dropped, 10).await;
    let left = pods
        .list(&ListParams::default().labels(&format!("{TRIAL_LABEL}={trial}")))
        .await
        .unwrap();
    assert!(
        left.items.is_empty(),
        "Katib deletes a finished trial's job unless retained"
    );

    until_finished(&sandbox, &retained, 10).await;
    let trial = trials_of(&sandbox, &retained).await.remove(0);
    let trial_name = trial["metadata"]["name"].as_str().unwrap();
    let kept = pods
        .list(&ListParams::default().labels(&format!("{TRIAL_LABEL}={trial_name}")))
        .await
        .unwrap()
        .items;
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].status.as_ref().unwrap().phase.as_deref(),
        Some("Succeeded")
    );
    let log = pods
        .logs(
            kept[0].metadata.name.as_deref().unwrap(),
            &LogParams::default(),
        )
        .await
        .unwrap();
    let steps = log.lines().filter(|l| l.contains(" epoch ")).count();
    assert!((4..=6).contains(&steps), "{log}");
    let latest = trial["status"]["observation"]["metrics"][0]["latest"]
        .as_str()
        .unwrap();
    assert!(
        log.contains(&format!("loss={latest}")),
        "the log ends where the status does:\n{log}"
    );
    assert!(log.contains("--lr="), "{log}");
}

#[tokio::test]
async fn an_experiment_katib_would_refuse_fails_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let mut experiment = random("refused", 1, 2);
    experiment["spec"]["trialTemplate"]["trialParameters"][0]["reference"] = json!("learning-rate");
    let name = create(&sandbox, experiment).await;
    let experiment = until_finished(&sandbox, &name, 10).await;
    assert_eq!(
        last_condition(&experiment),
        ("Failed".into(), "ExperimentFailed".into())
    );
    let message = experiment["status"]["conditions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains(
            "\"learning-rate\" is not a parameter of the experiment (it has lr, momentum)"
        ),
        "{message}"
    );
    tokio::time::sleep(PACE * 4).await;
    assert!(trials_of(&sandbox, &name).await.is_empty());
}

#[tokio::test]
async fn experiments_survive_a_restart_and_finished_ones_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (name, before, seeded_before) = {
        let sandbox = sandbox_in(dir.path()).await;
        let name = create(&sandbox, random("kept", 2, 3)).await;
        until_finished(&sandbox, &name, 20).await;
        tokio::time::sleep(PACE * 4).await;
        let before = get(&sandbox, "Experiment", &name).await;
        let seeded = get(&sandbox, "Experiment", "mnist-random").await;
        sandbox.save_now().unwrap();
        (name, before, seeded)
    };
    let sandbox = sandbox_in(dir.path()).await;
    tokio::time::sleep(PACE * 8).await;
    let after = get(&sandbox, "Experiment", &name).await;
    assert_eq!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    assert_eq!(after["status"], before["status"]);
    assert_eq!(trials_of(&sandbox, &name).await.len(), 3);
    let seeded = get(&sandbox, "Experiment", "mnist-random").await;
    assert_eq!(
        seeded["metadata"]["resourceVersion"],
        seeded_before["metadata"]["resourceVersion"]
    );

    // One caught running by the restart carries on.
    let running = create(&sandbox, random("interrupted", 1, 3)).await;
    eventually("a running trial", 10, async || {
        trials_of(&sandbox, &running)
            .await
            .iter()
            .any(|t| trial_state(t) == "Running")
            .then_some(())
    })
    .await;
    sandbox.save_now().unwrap();
    drop(sandbox);
    let sandbox = sandbox_in(dir.path()).await;
    let experiment = until_finished(&sandbox, &running, 20).await;
    assert_eq!(last_condition(&experiment).1, "ExperimentMaxTrialsReached");
}

#[tokio::test]
async fn the_seed_has_a_finished_experiment_of_200_trials_and_a_running_one() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_in(dir.path()).await;
    let experiment = get(&sandbox, "Experiment", "mnist-random").await;
    assert_eq!(
        last_condition(&experiment),
        ("Succeeded".into(), "ExperimentMaxTrialsReached".into())
    );
    let trials = trials_of(&sandbox, "mnist-random").await;
    assert_eq!(trials.len(), 200);
    assert_consistent(&experiment, &trials);
    let status = &experiment["status"];
    assert!(count(status, "trialsFailed") > 0, "{status}");
    assert!(count(status, "trialsEarlyStopped") > 0);
    assert_eq!(count(status, "trialsKilled"), 2);
    assert!(count(status, "trialsSucceeded") > 100);
    let best = status["currentOptimalTrial"]["bestTrialName"]
        .as_str()
        .unwrap();
    let optimizer = status["currentOptimalTrial"]["parameterAssignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "optimizer")
        .unwrap();
    assert!(["sgd", "adam", "ftrl"].contains(&optimizer["value"].as_str().unwrap()));
    let started: jiff::Timestamp = status["startTime"].as_str().unwrap().parse().unwrap();
    let ended: jiff::Timestamp = status["completionTime"].as_str().unwrap().parse().unwrap();
    assert!(ended < jiff::Timestamp::now() && started < ended);
    // The best trial's observation log agrees with it.
    let mut client = DbManagerClient::connect(sandbox.katib_db_url())
        .await
        .unwrap();
    let log = client
        .get_observation_log(GetObservationLogRequest {
            trial_name: best.into(),
            metric_name: "Validation-accuracy".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .observation_log
        .unwrap()
        .metric_logs;
    let max = log
        .iter()
        .map(|l| l.metric.as_ref().unwrap().value.clone())
        .max_by(|a, b| {
            a.parse::<f64>()
                .unwrap()
                .total_cmp(&b.parse::<f64>().unwrap())
        })
        .unwrap();
    assert_eq!(
        status["currentOptimalTrial"]["observation"]["metrics"][0]["max"],
        max.as_str()
    );
    // Trials that ran after a few succeeded carry the median stopping rule.
    assert!(
        trials
            .iter()
            .any(|t| t["spec"]["earlyStoppingRules"].is_array())
    );
    // The running example gets going.
    let live = eventually("the seeded running experiment", 10, async || {
        let experiment = get(&sandbox, "Experiment", "pytorch-mnist-random").await;
        (last_condition(&experiment).0 == "Running" && count(&experiment["status"], "trials") > 0)
            .then_some(experiment)
    })
    .await;
    assert_eq!(live["spec"]["parallelTrialCount"], 2);
}

#[tokio::test]
async fn seeding_200_trials_is_quick() {
    let store = server::sandbox::store::Store::new(100_000);
    let namespaces = server::sandbox::registry::find("", "v1", "namespaces").unwrap();
    store
        .create(
            namespaces,
            "",
            json!({ "metadata": { "name": "ns" } }),
            &Default::default(),
        )
        .unwrap();
    let started = Instant::now();
    server::sandbox::seed::katib::seed(&store, "ns");
    let took = started.elapsed();
    let trials = server::sandbox::registry::find("kubeflow.org", "v1beta1", "trials").unwrap();
    assert_eq!(
        store
            .list(trials, Some("ns"), &|_| true, None, None)
            .items
            .len(),
        200
    );
    eprintln!("seeding Katib's 200 trials took {took:?}");
    // 200 ms in a release build; debug builds are several times slower.
    let budget = if cfg!(debug_assertions) { 2_000 } else { 200 };
    assert!(
        took < Duration::from_millis(budget),
        "seeding took {took:?}"
    );
}
