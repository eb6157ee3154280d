//! Every file of the Katib conformance corpus (upstream examples and real statuses) reads and
//! validates: the examples pass the create checks with problems placed on the right lines, and
//! the statuses (NAS genotypes, "unavailable", counters left out at zero, the SDK's snake_case)
//! read into rows and views.

use app::domain::katib::{
    EXPERIMENT_LABEL, best_trial, experiment_row, experiment_view, object_yaml, optimal_trial,
    validate_experiment,
};
use app::model::katib::{ExperimentKind, ExperimentState, MetricStrategy, ObjectiveType};
use serde_json::{Value, json};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/katib"
);

/// An example, with what its row must say.
struct Example {
    file: &'static str,
    kind: ExperimentKind,
    algorithm: &'static str,
    metric: &'static str,
    objective: ObjectiveType,
    /// The parameter columns (none for NAS before any trial ran).
    parameters: &'static [&'static str],
}

const EXAMPLES: [Example; 9] = [
    Example {
        file: "early-stopping_median-stop.yaml",
        kind: ExperimentKind::Hp,
        algorithm: "random",
        metric: "loss",
        objective: ObjectiveType::Minimize,
        parameters: &["lr", "momentum"],
    },
    Example {
        file: "hp-tuning_bayesian-optimization.yaml",
        kind: ExperimentKind::Hp,
        algorithm: "bayesianoptimization",
        metric: "loss",
        objective: ObjectiveType::Minimize,
        parameters: &["lr", "momentum"],
    },
    Example {
        file: "hp-tuning_cma-es.yaml",
        kind: ExperimentKind::Hp,
        algorithm: "cmaes",
        metric: "loss",
        objective: ObjectiveType::Minimize,
        parameters: &["lr", "momentum"],
    },
    Example {
        file: "hp-tuning_grid.yaml",
        kind: ExperimentKind::Hp,
        algorithm: "grid",
        metric: "loss",
        objective: ObjectiveType::Minimize,
        parameters: &["lr", "momentum"],
    },
    Example {
        file: "hp-tuning_hyperband.yaml",
        kind: ExperimentKind::Hp,
        algorithm: "hyperband",
        metric: "loss",
        objective: ObjectiveType::Minimize,
        parameters: &["lr", "momentum", "num-epochs"],
    },
    Example {
        file: "hp-tuning_random.yaml",
        kind: ExperimentKind::Hp,
        algorithm: "random",
        metric: "loss",
        objective: ObjectiveType::Minimize,
        parameters: &["lr", "momentum"],
    },
    Example {
        file: "hp-tuning_tpe.yaml",
        kind: ExperimentKind::Hp,
        algorithm: "tpe",
        metric: "loss",
        objective: ObjectiveType::Minimize,
        parameters: &["lr", "momentum"],
    },
    Example {
        file: "nas_darts-cpu.yaml",
        kind: ExperimentKind::Nas,
        algorithm: "darts",
        metric: "Best-Genotype",
        objective: ObjectiveType::Maximize,
        parameters: &[],
    },
    Example {
        file: "nas_enas-cpu.yaml",
        kind: ExperimentKind::Nas,
        algorithm: "enas",
        metric: "Validation-Accuracy",
        objective: ObjectiveType::Maximize,
        parameters: &[],
    },
];

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{CORPUS}/{file}"))
        .unwrap_or_else(|error| panic!("{file}: {error}"))
}

fn json(file: &str) -> Value {
    serde_json::from_str(&read(file)).unwrap_or_else(|error| panic!("{file}: {error}"))
}

/// The 1-based line of the `n`th (0-based) line of `text` that starts, after spaces, with
/// `start`.
fn line_starting(text: &str, start: &str, n: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.trim_start()
                .trim_start_matches("- ")
                .starts_with(start)
        })
        .nth(n)
        .unwrap_or_else(|| panic!("no line {n} starting with {start}"))
        .0
        + 1
}

#[test]
fn every_example_passes_the_create_checks_in_the_given_namespace() {
    for Example { file, .. } in EXAMPLES {
        let text = read(&format!("examples/{file}"));
        let validated = validate_experiment(&text, "team-ml")
            .unwrap_or_else(|problems| panic!("{file}: {problems:#?}"));
        assert_eq!(
            validated.object["metadata"]["namespace"], "team-ml",
            "{file}"
        );
        let line = line_starting(&text, "namespace: kubeflow", 0);
        assert_eq!(
            validated.notes,
            [format!(
                "line {line}: metadata.namespace: kubeflow is replaced by team-ml: the \
                 experiment is created in the namespace you work in"
            )],
            "{file}"
        );
        // Apart from the namespace, the experiment is created as written.
        let mut written: Value = serde_saphyr::from_str(&text).unwrap();
        written["metadata"]["namespace"] = json!("team-ml");
        assert_eq!(validated.object, written, "{file}");
    }
}

#[test]
fn problems_in_the_examples_point_at_their_lines() {
    for Example { file, .. } in EXAMPLES {
        let text = read(&format!("examples/{file}"));
        let broken = text.replacen("maxTrialCount: ", "maxTrialCount: -", 1);
        let problems = validate_experiment(&broken, "team-ml").unwrap_err();
        let line = line_starting(&text, "maxTrialCount:", 0);
        assert_eq!(problems[0].line, Some(line), "{file}: {problems:#?}");
        assert_eq!(problems[0].path, "spec.maxTrialCount", "{file}");

        // The second trial parameter (a list item deep in the file) references nothing known.
        let reference = line_starting(&text, "reference:", 1);
        let mut lines: Vec<&str> = text.lines().collect();
        let renamed = lines[reference - 1].replace("reference: ", "reference: missing-");
        lines[reference - 1] = &renamed;
        let broken = lines.join("\n");
        match validate_experiment(&broken, "team-ml") {
            // NAS experiments reference settings Katib makes up; Katib doesn't check them.
            Ok(_) => assert!(file.starts_with("nas_"), "{file}"),
            Err(problems) => {
                assert_eq!(problems.len(), 1, "{file}: {problems:#?}");
                assert_eq!(problems[0].line, Some(reference), "{file}");
                assert_eq!(
                    problems[0].path,
                    "spec.trialTemplate.trialParameters[1].reference"
                );
            }
        }

        // The last argument placing a trial parameter loses it.
        let placed = text
            .lines()
            .enumerate()
            .filter(|(_, line)| line.contains("${trialParameters."))
            .last()
            .unwrap()
            .0;
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[placed] = lines[placed].replace("${trialParameters.", "${trialParameter.");
        let problems = validate_experiment(&lines.join("\n"), "team-ml").unwrap_err();
        assert_eq!(problems.len(), 1, "{file}: {problems:#?}");
        assert!(
            problems[0]
                .path
                .starts_with("spec.trialTemplate.trialParameters["),
            "{file}: {problems:#?}"
        );
        assert!(problems[0].message.contains("is not used in trialSpec"));
    }
}

#[test]
fn every_example_reads_as_a_new_experiment() {
    for Example {
        file,
        kind,
        algorithm,
        metric,
        objective,
        parameters,
    } in EXAMPLES
    {
        let object: Value = serde_saphyr::from_str(&read(&format!("examples/{file}"))).unwrap();
        let row = experiment_row(&object);
        assert_eq!(row.kind, kind, "{file}");
        assert_eq!(row.algorithm, algorithm, "{file}");
        assert_eq!(
            (row.objective_metric.as_str(), row.objective_type),
            (metric, objective),
            "{file}"
        );
        assert_eq!(row.state, ExperimentState::Created, "{file}");
        assert_eq!((row.best, row.best_trial.as_ref()), (None, None), "{file}");
        assert_eq!(row.counts.total, 0);
        assert_eq!(
            row.max_trials,
            object["spec"]["maxTrialCount"].as_u64().map(|n| n as u32)
        );

        let view = experiment_view(&object, &[]);
        let names: Vec<&str> = view.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, parameters, "{file}");
        assert_eq!(view.metrics.len(), 1, "{file}");
        let default = match objective {
            ObjectiveType::Minimize => MetricStrategy::Min,
            ObjectiveType::Maximize => MetricStrategy::Max,
        };
        assert_eq!(view.metrics[0].strategy, default, "{file}");
        let back: Value = serde_saphyr::from_str(&view.yaml).unwrap();
        assert_eq!(
            back, object,
            "{file}: the YAML tab reads back as the object"
        );
    }
}

#[test]
fn a_running_darts_experiment_reads_as_running_nas_without_a_best_trial() {
    let object = json("fixtures/experiment-darts-running.from-notebook.json");
    let row = experiment_row(&object);
    assert_eq!(row.kind, ExperimentKind::Nas);
    assert_eq!(
        (row.state, row.message.as_str()),
        (ExperimentState::Running, "Experiment is running")
    );
    assert_eq!((row.counts.total, row.counts.running), (1, 1));
    assert_eq!(row.counts.succeeded, 0, "left out at zero");
    assert_eq!(
        (row.best, row.best_trial),
        (None, None),
        "bestTrialName is empty"
    );
    let view = experiment_view(&object, &[]);
    assert_eq!(view.optimal, None);
    assert_eq!(view.metrics[0].name, "Best-Genotype");
    assert_eq!(view.metrics[0].strategy, MetricStrategy::Max);
    assert_eq!(view.started.as_deref(), Some("2021-10-05T23:49:49Z"));
    assert_eq!(view.conditions.len(), 2);
}

#[test]
fn a_succeeded_darts_experiment_keeps_its_genotype_as_text() {
    let object = json("fixtures/experiment-darts-succeeded.from-notebook.json");
    let row = experiment_row(&object);
    assert_eq!(row.kind, ExperimentKind::Nas);
    assert_eq!(row.state, ExperimentState::Succeeded);
    assert_eq!(
        row.message,
        "Experiment has succeeded because max trial count has reached"
    );
    assert_eq!((row.counts.total, row.counts.succeeded), (1, 1));
    assert_eq!(row.best_trial.as_deref(), Some("darts-example-n4fpnxlm"));
    assert_eq!(row.best, None, "a genotype is no number");

    // Its one trial, as Katib would have listed it.
    let trial = json!({
        "metadata": {
            "name": "darts-example-n4fpnxlm",
            "namespace": "kubeflow-user-example-com",
            "creationTimestamp": "2021-10-05T23:49:50Z",
            "labels": {EXPERIMENT_LABEL: "darts-example"},
        },
        "spec": {"parameterAssignments": object["status"]["currentOptimalTrial"]["parameterAssignments"]},
        "status": {
            "conditions": [{"type": "Succeeded", "status": "True", "message": "Trial has succeeded"}],
            "observation": object["status"]["currentOptimalTrial"]["observation"],
        },
    });
    let view = experiment_view(&object, &[trial]);
    let optimal = view.optimal.as_ref().unwrap();
    assert_eq!(optimal.metrics[0].name, "Best-Genotype");
    assert!(
        optimal.metrics[0]
            .latest
            .text
            .starts_with("Genotype(normal=")
    );
    assert_eq!(optimal.metrics[0].max.text, "unavailable");
    assert_eq!(optimal.metrics[0].max.value, None);
    // NAS columns come from what the trial was assigned.
    let names: Vec<&str> = view.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["algorithm-settings", "search-space", "num-layers"]);
    assert_eq!(view.parameters[2].list, ["2"]);
    let chosen = view.trials[0].metrics[0].as_ref().unwrap();
    assert!(
        chosen.text.starts_with("Genotype("),
        "max is unavailable: latest stands"
    );
    assert_eq!(chosen.value, None);
    assert_eq!(best_trial(&view), Some(0), "Katib named it");
    assert!(!view.yaml.contains("managedFields"));
    assert!(view.yaml.contains("deletionTimestamp"));
    assert_eq!(view.yaml, object_yaml(&object));
}

#[test]
fn the_sdk_snake_case_optimal_trial_reads_too() {
    let optimal = optimal_trial(&json(
        "fixtures/cmaes-optimal-trial.sdk-snake_case.from-notebook.json",
    ))
    .unwrap();
    assert_eq!(optimal.name, "cmaes-example-l6zkx5jx");
    assert_eq!(optimal.parameters.len(), 3);
    assert_eq!(
        optimal.parameters[2],
        ("optimizer".to_string(), "sgd".to_string())
    );
    assert_eq!(optimal.metrics[0].name, "Validation-accuracy");
    assert_eq!(optimal.metrics[0].max.value, Some(0.955613));
    assert_eq!(optimal.metrics[1].latest.value, Some(0.922775));
}

#[test]
fn katib_ui_experiment_statuses_read_into_rows() {
    // The UI's list flattens each status next to name and namespace; put it back in place.
    let listed = json("fixtures/ui-fetch_experiments.cypress.json");
    let listed = listed.as_array().unwrap();
    assert!(!listed.is_empty());
    for entry in listed {
        let mut status = entry.clone();
        let status_map = status.as_object_mut().unwrap();
        for key in ["name", "namespace", "type", "status"] {
            status_map.remove(key);
        }
        let optimal = &entry["currentOptimalTrial"];
        let metric = optimal["observation"]["metrics"][0]["name"]
            .as_str()
            .unwrap();
        let object = json!({
            "metadata": {"name": entry["name"], "namespace": entry["namespace"]},
            "spec": {"objective": {"type": "minimize", "objectiveMetricName": metric}},
            "status": status,
        });
        let row = experiment_row(&object);
        assert_eq!(row.state.label(), entry["status"].as_str().unwrap());
        assert_eq!(row.kind, ExperimentKind::Hp);
        assert_eq!(
            u64::from(row.counts.total),
            entry["trials"].as_u64().unwrap()
        );
        assert_eq!(
            u64::from(row.counts.succeeded),
            entry["trialsSucceeded"].as_u64().unwrap_or(0)
        );
        assert_eq!(row.best_trial.as_deref(), optimal["bestTrialName"].as_str());
        let expected: f64 = optimal["observation"]["metrics"][0]["min"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(row.best, Some(expected), "{}", row.name);
    }
}
