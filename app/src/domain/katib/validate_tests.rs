//! Whole experiments through the checks: each bad input names its field and line, and the
//! form's YAML passes them.

use super::*;
use crate::model::katib::ParameterKind;
use serde_json::{Value, json};

/// A valid experiment; the tests below break one thing at a time. Line numbers matter.
const BASE: &str = r#"apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: demo
  namespace: kubeflow
spec:
  objective:
    type: minimize
    goal: 0.001
    objectiveMetricName: loss
    additionalMetricNames: [accuracy]
  algorithm:
    algorithmName: random
  parallelTrialCount: 3
  maxTrialCount: 12
  maxFailedTrialCount: 3
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace:
        min: "0.01"
        max: "0.05"
    - name: momentum
      parameterType: double
      feasibleSpace:
        min: "0.5"
        max: "0.9"
  trialTemplate:
    primaryContainerName: training-container
    trialParameters:
      - name: learningRate
        reference: lr
      - name: momentum
        reference: momentum
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training-container
                image: docker.io/example/mnist:1
                command:
                  - python3
                  - --lr=${trialParameters.learningRate}
                  - --momentum=${trialParameters.momentum}
            restartPolicy: Never
"#;

/// BASE with `from` replaced by `to` (which must be there exactly once).
fn edited(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "{from:?} must be in BASE once"
    );
    BASE.replacen(from, to, 1)
}

fn problems(text: &str) -> Vec<String> {
    match validate_experiment(text, "team-ml") {
        Ok(validated) => panic!("expected problems, got {:#}", validated.object),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_good_experiment_is_placed_in_the_given_namespace_and_says_so() {
    let validated = validate_experiment(BASE, "team-ml").unwrap();
    assert_eq!(validated.object["metadata"]["namespace"], "team-ml");
    assert_eq!(validated.object["spec"]["maxTrialCount"], 12);
    assert_eq!(
        validated.notes,
        [
            "line 5: metadata.namespace: kubeflow is replaced by team-ml: the experiment is created \
          in the namespace you work in"
        ]
    );
    let same = validate_experiment(&edited("  namespace: kubeflow\n", ""), "team-ml").unwrap();
    assert_eq!(same.object["metadata"]["namespace"], "team-ml");
    assert_eq!(same.notes, Vec::<String>::new());
}

#[test]
fn problems_display_with_line_and_path() {
    let problem = Problem {
        path: "spec.parameters[1].feasibleSpace".into(),
        line: Some(12),
        message: "min (0.9) must not be greater than max (0.5)".into(),
    };
    assert_eq!(
        problem.to_string(),
        "line 12: spec.parameters[1].feasibleSpace: min (0.9) must not be greater than max (0.5)"
    );
    let whole = Problem {
        path: String::new(),
        line: None,
        message: "the text is empty".into(),
    };
    assert_eq!(whole.to_string(), "the text is empty");
    let wire: Problem = serde_json::from_value(serde_json::to_value(&problem).unwrap()).unwrap();
    assert_eq!(wire, problem);
}

#[test]
fn min_above_max_is_refused_at_the_feasible_space() {
    assert_eq!(
        problems(&edited("min: \"0.5\"", "min: \"0.95\"")),
        [
            "line 25: spec.parameters[1].feasibleSpace: min (0.95) must not be greater than max (0.9)"
        ]
    );
}

#[test]
fn more_parallel_trials_than_trials_is_refused() {
    assert_eq!(
        problems(&edited("parallelTrialCount: 3", "parallelTrialCount: 20")),
        ["line 14: spec.parallelTrialCount: must be at most maxTrialCount (12); it is 20"]
    );
    assert_eq!(
        problems(&edited("maxFailedTrialCount: 3", "maxFailedTrialCount: 13")),
        ["line 16: spec.maxFailedTrialCount: must be at most maxTrialCount (12); it is 13"]
    );
    assert_eq!(
        problems(&edited("maxTrialCount: 12", "maxTrialCount: 0")),
        ["line 15: spec.maxTrialCount: must be at least 1 (it is 0)"]
    );
    assert_eq!(
        problems(&edited("maxFailedTrialCount: 3", "maxFailedTrialCount: -1")),
        ["line 16: spec.maxFailedTrialCount: must not be negative (it is -1)"]
    );
    assert_eq!(
        problems(&edited(
            "parallelTrialCount: 3",
            "parallelTrialCount: \"3\""
        )),
        ["line 14: spec.parallelTrialCount: must be a number, not text: write 3 without quotes"]
    );
    assert_eq!(
        problems(&edited("parallelTrialCount: 3", "parallelTrialCount: 2.5")),
        ["line 14: spec.parallelTrialCount: must be a whole number (it is 2.5)"]
    );
    assert_eq!(
        problems(&edited("maxTrialCount: 12", "maxTrialCount: 3000000000")),
        ["line 15: spec.maxTrialCount: 3000000000 is too large (at most 2147483647)"]
    );
    assert_eq!(
        problems(&edited(
            "maxTrialCount: 12",
            "maxTrialCount: 18446744073709551615"
        )),
        ["line 15: spec.maxTrialCount: 18446744073709551615 is too large (at most 2147483647)"]
    );
}

#[test]
fn names_must_be_dns_labels_starting_with_a_letter_and_short_enough_for_trials() {
    assert_eq!(
        problems(&edited("name: demo", "name: My_Exp")),
        [
            "line 4: metadata.name: \"My_Exp\" may only use lowercase letters, digits and '-', and \
          must start and end with a letter or digit"
        ]
    );
    assert_eq!(
        problems(&edited("name: demo", "name: 1demo")),
        ["line 4: metadata.name: \"1demo\" must start with a lowercase letter"]
    );
    let long = "a".repeat(55);
    assert_eq!(
        problems(&edited("name: demo", &format!("name: {long}"))),
        [
            "line 4: metadata.name: must be at most 54 characters (it has 55): trials are named \
          after their experiment plus 9 characters, and must fit in 63"
        ]
    );
    let longest = "a".repeat(54);
    assert!(validate_experiment(&edited("name: demo", &format!("name: {longest}")), "x").is_ok());
    assert_eq!(
        problems(&edited("  name: demo\n", "")),
        ["line 3: metadata.name: is required"]
    );
}

#[test]
fn unknown_parameter_types_and_bad_spaces_are_refused() {
    assert_eq!(
        problems(&edited(
            "parameterType: double\n      feasibleSpace:\n        min: \"0.01\"",
            "parameterType: float\n      feasibleSpace:\n        min: \"0.01\""
        )),
        [
            "line 19: spec.parameters[0].parameterType: must be double, int, discrete or categorical \
          (it is \"float\")"
        ]
    );
    assert_eq!(
        problems(&edited(
            "min: \"0.5\"\n        max: \"0.9\"",
            "min: \"0.5\"\n        max: \"0.9\"\n        step: \"0\""
        )),
        ["line 28: spec.parameters[1].feasibleSpace.step: must be greater than 0 (it is 0)"]
    );
    assert_eq!(
        problems(&edited("min: \"0.01\"", "min: \"abc\"")),
        ["line 21: spec.parameters[0].feasibleSpace.min: must be a number (it is \"abc\")"]
    );
    let int = edited(
        "parameterType: double\n      feasibleSpace:\n        min: \"0.5\"",
        "parameterType: int\n      feasibleSpace:\n        min: \"1.5\"",
    );
    assert_eq!(
        problems(&int),
        [
            "line 26: spec.parameters[1].feasibleSpace.min: must be a whole number (it is \"1.5\")",
            "line 27: spec.parameters[1].feasibleSpace.max: must be a whole number (it is \"0.9\")",
        ]
    );
    let listed = edited(
        "parameterType: double\n      feasibleSpace:\n        min: \"0.5\"\n        max: \"0.9\"",
        "parameterType: discrete\n      feasibleSpace:\n        list: [\"0.5\", \"x\", \"0.5\"]",
    );
    assert_eq!(
        problems(&listed),
        [
            "line 26: spec.parameters[1].feasibleSpace.list[1]: must be a number, as discrete \
             values are (it is \"x\")",
            "line 26: spec.parameters[1].feasibleSpace.list[2]: \"0.5\" is listed twice",
        ]
    );
    let empty = edited(
        "parameterType: double\n      feasibleSpace:\n        min: \"0.5\"\n        max: \"0.9\"",
        "parameterType: categorical\n      feasibleSpace:\n        list: []\n        max: \"1\"",
    );
    assert_eq!(
        problems(&empty),
        [
            "line 25: spec.parameters[1].feasibleSpace: max is for double and int parameters; a \
             categorical parameter takes a list",
            "line 26: spec.parameters[1].feasibleSpace.list: is required: the values to try",
        ]
    );
    assert_eq!(
        problems(&edited(
            "- name: momentum\n      parameterType",
            "- name: lr\n      parameterType"
        )),
        [
            "line 23: spec.parameters[1].name: \"lr\" is used by another parameter",
            "line 34: spec.trialTemplate.trialParameters[1].reference: \"momentum\" is not a \
             parameter of spec.parameters (lr) nor trial metadata such as ${trialSpec.Name}",
        ]
    );
}

#[test]
fn the_objective_needs_a_metric_a_direction_and_a_numeric_goal() {
    assert_eq!(
        problems(&edited("    objectiveMetricName: loss\n", "")),
        [
            "line 7: spec.objective.objectiveMetricName: is required",
            // metricStrategies and the template can't be checked against a missing metric, but
            // additional metrics still can.
        ]
    );
    assert_eq!(
        problems(&edited("type: minimize", "type: minimise")),
        ["line 8: spec.objective.type: must be minimize or maximize (it is \"minimise\")"]
    );
    assert_eq!(
        problems(&edited("goal: 0.001", "goal: \"0.001\"")),
        ["line 9: spec.objective.goal: must be a number, not text: write 0.001 without quotes"]
    );
    assert_eq!(
        problems(&edited("[accuracy]", "[accuracy, loss, accuracy]")),
        [
            "line 11: spec.objective.additionalMetricNames[1]: \"loss\" is the objective metric \
             already; list only the others",
            "line 11: spec.objective.additionalMetricNames[2]: \"accuracy\" is listed twice",
        ]
    );
    let strategies = edited(
        "additionalMetricNames: [accuracy]",
        "additionalMetricNames: [accuracy]\n    metricStrategies:\n      - name: accuracy\n        value: latest\n      - name: speed\n        value: fastest",
    );
    assert_eq!(
        problems(&strategies),
        [
            "line 15: spec.objective.metricStrategies[1].name: \"speed\" is not a metric of the \
             experiment (loss, accuracy)",
            "line 16: spec.objective.metricStrategies[1].value: must be min, max or latest (it \
             is \"fastest\")",
        ]
    );
}

#[test]
fn type_and_version_must_be_katibs() {
    assert_eq!(
        problems(&edited("kind: Experiment", "kind: Job")),
        ["line 2: kind: must be Experiment (it is \"Job\"): only experiments are created here"]
    );
    assert_eq!(
        problems(&edited("kubeflow.org/v1beta1", "kubeflow.org/v1alpha3")),
        ["line 1: apiVersion: must be kubeflow.org/v1beta1 (it is \"kubeflow.org/v1alpha3\")"]
    );
    assert_eq!(
        problems("- just\n- a list\n"),
        ["an experiment is a mapping (apiVersion, kind, metadata, spec), not a list"]
    );
    assert_eq!(
        problems(&edited("    algorithmName: random\n", "")),
        ["line 12: spec.algorithm: is required"]
    );
}

#[test]
fn malformed_yaml_is_refused_at_its_line() {
    let broken = edited("max: \"0.05\"", "max: [\"0.05\"");
    let problems = validate_experiment(&broken, "team-ml").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, Some(23), "{}", problems[0]);
    assert!(
        problems[0].message.starts_with("not valid YAML: "),
        "{}",
        problems[0]
    );
    let tabbed = edited("  algorithm:\n", "  algorithm:\n\t");
    let problems = validate_experiment(&tabbed, "team-ml").unwrap_err();
    assert_eq!(problems[0].line, Some(13), "{}", problems[0]);
}

#[test]
fn more_than_a_mebibyte_is_refused() {
    let big = format!("{BASE}# {}\n", "x".repeat(2 * 1024 * 1024));
    assert_eq!(
        problems(&big),
        ["the text is 2.0 MiB; an experiment may be at most 1024 KiB"]
    );
}

#[test]
fn trial_parameters_must_reference_parameters_and_match_the_template() {
    assert_eq!(
        problems(&edited("reference: lr", "reference: learning_rate")),
        [
            "line 32: spec.trialTemplate.trialParameters[0].reference: \"learning_rate\" is not a \
          parameter of spec.parameters (lr, momentum) nor trial metadata such as \
          ${trialSpec.Name}"
        ]
    );
    let metadata = edited(
        "      - name: momentum\n        reference: momentum\n",
        "      - name: momentum\n        reference: momentum\n      - name: trialName\n        reference: ${trialSpec.Name}\n",
    );
    let metadata = metadata.replace(
        "                  - python3\n",
        "                  - python3\n                  - --name=${trialParameters.trialName}\n",
    );
    assert!(validate_experiment(&metadata, "x").is_ok());
    assert_eq!(
        problems(&edited(
            "- --momentum=${trialParameters.momentum}",
            "- --momentum=${trialParameters.momentum}\n                  - --epochs=${trialParameters.epochs}"
        )),
        [
            "line 48: spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command[3]: uses \
          ${trialParameters.epochs}, which spec.trialTemplate.trialParameters does not declare"
        ]
    );
    assert_eq!(
        problems(&edited(
            "- --momentum=${trialParameters.momentum}",
            "- --momentum=0.9"
        )),
        [
            "line 33: spec.trialTemplate.trialParameters[1].name: \"momentum\" is not used in \
          trialSpec: write ${trialParameters.momentum} where its value goes"
        ]
    );
    assert_eq!(
        problems(&edited(
            "- name: momentum\n        reference",
            "- name: learningRate\n        reference"
        )),
        [
            "line 33: spec.trialTemplate.trialParameters[1].name: \"learningRate\" is declared twice",
            "line 47: spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command[2]: \
             uses ${trialParameters.momentum}, which spec.trialTemplate.trialParameters does not \
             declare",
        ]
    );
}

#[test]
fn the_trial_template_needs_one_source_and_a_job_without_name() {
    let config_map = "    configMap:\n      configMapName: templates\n      configMapNamespace: kubeflow\n      templatePath: mnist.yaml\n";
    let both = edited("    trialSpec:\n", &format!("{config_map}    trialSpec:\n"));
    assert_eq!(
        problems(&both),
        [
            "line 35: spec.trialTemplate.configMap: trialSpec and configMap exclude each other: keep one"
        ]
    );
    let start = BASE.find("    trialSpec:\n").unwrap();
    let only_config_map = format!("{}{config_map}", &BASE[..start]);
    assert!(validate_experiment(&only_config_map, "x").is_ok());
    let neither = &BASE[..start];
    assert_eq!(
        problems(neither),
        [
            "line 28: spec.trialTemplate: needs trialSpec (the resource each trial runs) or \
          configMap (where a template of it is stored)"
        ]
    );
    let half = format!(
        "{}    configMap:\n      configMapName: templates\n",
        &BASE[..start]
    );
    assert_eq!(
        problems(&half),
        [
            "line 35: spec.trialTemplate.configMap.configMapNamespace: is required",
            "line 35: spec.trialTemplate.configMap.templatePath: is required",
        ]
    );
    assert_eq!(
        problems(&edited(
            "      kind: Job\n",
            "      kind: Job\n      metadata:\n        name: fixed\n"
        )),
        [
            "line 39: spec.trialTemplate.trialSpec.metadata.name: must be left out: Katib names \
          each trial's resource and puts it in the experiment's namespace"
        ]
    );
    assert_eq!(
        problems(&edited("      kind: Job\n", "      kind: RayJob\n")),
        [
            "line 28: spec.trialTemplate.successCondition: is required for a RayJob trial: Katib \
             knows when Jobs and Kubeflow training jobs end, not other kinds",
            "line 28: spec.trialTemplate.failureCondition: is required for a RayJob trial: Katib \
             knows when Jobs and Kubeflow training jobs end, not other kinds",
        ]
    );
    assert_eq!(
        problems(&edited(
            "    primaryContainerName: training-container\n",
            ""
        )),
        ["line 28: spec.trialTemplate.primaryContainerName: is required"]
    );
}

#[test]
fn parameters_or_nas_config_but_not_both() {
    let start = BASE.find("  parameters:\n").unwrap();
    let end = BASE.find("  trialTemplate:\n").unwrap();
    let without = format!("{}{}", &BASE[..start], &BASE[end..]);
    assert_eq!(
        problems(&without),
        [
            "line 6: spec.parameters: is required: the hyperparameters to tune (or a nasConfig \
             for an architecture search)"
        ]
    );
    let both = edited(
        "  parameters:\n",
        "  nasConfig:\n    operations:\n      - operationType: convolution\n  parameters:\n",
    );
    assert_eq!(
        problems(&both),
        [
            "line 17: spec.nasConfig: an experiment searches either parameters (hyperparameter \
          tuning) or a nasConfig (architecture search), not both"
        ]
    );
}

#[test]
fn unquoted_numbers_become_text_and_server_fields_go_with_notes() {
    let text = edited("min: \"0.01\"", "min: 0.01")
        .replace(
            "  namespace: kubeflow\n",
            "  resourceVersion: \"42\"\n  uid: abc\n",
        )
        .replace("  parallelTrialCount: 3\n", "  parallelTrialcount: 3\n")
        + "status:\n  trials: 3\n";
    let validated = validate_experiment(&text, "team-ml").unwrap();
    assert_eq!(
        validated.object["spec"]["parameters"][0]["feasibleSpace"]["min"],
        "0.01"
    );
    assert_eq!(validated.object.get("status"), None);
    assert_eq!(validated.object["metadata"].get("uid"), None);
    assert_eq!(
        validated.notes,
        [
            "written as text, as Katib reads them: spec.parameters[0].feasibleSpace.min (0.01)",
            "left out what the cluster sets itself: status, uid, resourceVersion",
            "line 15: spec.parallelTrialcount: is not a field Katib knows; it will be ignored \
             (did you mean parallelTrialCount?)",
        ]
    );
}

#[test]
fn json_is_checked_with_lines_too() {
    let object: Value = serde_saphyr::from_str(BASE).unwrap();
    let mut json = serde_json::to_string_pretty(&object).unwrap();
    assert!(validate_experiment(&json, "x").is_ok());
    json = json.replace("\"maxTrialCount\": 12", "\"maxTrialCount\": 1");
    let problems = validate_experiment(&json, "x").unwrap_err();
    let line_of = |key: &str| json.lines().position(|line| line.contains(key)).unwrap() + 1;
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            format!(
                "line {}: spec.maxFailedTrialCount: must be at most maxTrialCount (1); it is 3",
                line_of("\"maxFailedTrialCount\"")
            ),
            format!(
                "line {}: spec.parallelTrialCount: must be at most maxTrialCount (1); it is 3",
                line_of("\"parallelTrialCount\"")
            ),
        ]
    );
}

fn filled_form() -> ExperimentForm {
    ExperimentForm {
        name: "mnist-tune".into(),
        namespace: "team-ml".into(),
        goal: "0.05".into(),
        additional_metrics: "accuracy, f1".into(),
        parameters: vec![
            ParameterForm::default(),
            ParameterForm {
                name: "layers".into(),
                kind: ParameterKind::Int,
                min: "1".into(),
                max: "4".into(),
                step: "1".into(),
                list: String::new(),
            },
            ParameterForm {
                name: "optimizer".into(),
                kind: ParameterKind::Categorical,
                list: "sgd, adam\nrmsprop".into(),
                ..ParameterForm::default()
            },
        ],
        template: TemplateForm::Inline {
            image: "docker.io/example/mnist:1".into(),
            command: "python3\n/opt/mnist.py\n".into(),
        },
        ..ExperimentForm::default()
    }
}

#[test]
fn a_filled_form_makes_an_experiment_that_passes_the_checks() {
    let yaml = form_yaml(&filled_form());
    let validated = validate_experiment(&yaml, "team-ml").unwrap_or_else(|problems| {
        panic!("{yaml}\n{problems:#?}");
    });
    assert_eq!(validated.notes, Vec::<String>::new());
    let spec = &validated.object["spec"];
    assert_eq!(spec["objective"]["goal"], 0.05);
    assert_eq!(
        spec["objective"]["additionalMetricNames"],
        json!(["accuracy", "f1"])
    );
    assert_eq!(spec["maxTrialCount"], 12);
    assert_eq!(
        spec["parameters"][2]["feasibleSpace"]["list"],
        json!(["sgd", "adam", "rmsprop"])
    );
    assert_eq!(spec["parameters"][1]["feasibleSpace"]["step"], "1");
    let container =
        &spec["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["command"], json!(["python3", "/opt/mnist.py"]));
    assert_eq!(
        container["args"],
        json!([
            "--lr=${trialParameters.lr}",
            "--layers=${trialParameters.layers}",
            "--optimizer=${trialParameters.optimizer}",
        ])
    );
    assert_eq!(
        spec["trialTemplate"]["trialParameters"][1]["reference"],
        "layers"
    );

    let mut placed = filled_form();
    placed.template = TemplateForm::Inline {
        image: "img".into(),
        command: "train\n--lr=${trialParameters.lr}\n--n=${trialParameters.layers}\n--o=${trialParameters.optimizer}".into(),
    };
    let object = validate_experiment(&form_yaml(&placed), "team-ml")
        .unwrap()
        .object;
    let container =
        &object["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container.get("args"),
        None,
        "the command places the parameters itself"
    );

    let mut stored = filled_form();
    stored.template = TemplateForm::ConfigMap {
        name: "trial-templates".into(),
        namespace: "kubeflow".into(),
        path: "defaultTrialTemplate.yaml".into(),
    };
    let object = validate_experiment(&form_yaml(&stored), "team-ml")
        .unwrap()
        .object;
    assert_eq!(
        object["spec"]["trialTemplate"]["configMap"]["templatePath"],
        "defaultTrialTemplate.yaml"
    );
    assert_eq!(object["spec"]["trialTemplate"].get("trialSpec"), None);
}

#[test]
fn form_typos_reach_the_checks_by_field() {
    let mut form = filled_form();
    form.max_trials = "twelve".into();
    form.goal = "high".into();
    form.parameters[0].max = "0.001".into();
    let problems: Vec<String> = validate_experiment(&form_yaml(&form), "team-ml")
        .unwrap_err()
        .into_iter()
        .map(|problem| format!("{}: {}", problem.path, problem.message))
        .collect();
    assert_eq!(
        problems,
        [
            // In the YAML's order: the serializer sorts keys.
            "spec.maxTrialCount: must be a whole number (it is \"twelve\")",
            "spec.objective.goal: must be a number, not text",
            "spec.parameters[0].feasibleSpace: min (0.01) must not be greater than max (0.001)",
        ]
    );
}

#[test]
fn nasty_names_stay_values_and_are_refused_by_the_checks() {
    let mut form = filled_form();
    form.name = "evil\nkind: Pod\n".into();
    form.parameters[0].name = "lr: 1\nspec: {}".into();
    form.primary_container = "c # comment".into();
    form.objective_metric = "loss\"}, \"kind\": \"Pod".into();
    let yaml = form_yaml(&form);
    let object: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(object["kind"], "Experiment");
    assert_eq!(object["metadata"]["name"], "evil\nkind: Pod");
    assert_eq!(object["spec"]["parameters"][0]["name"], "lr: 1\nspec: {}");
    assert_eq!(
        object["spec"]["objective"]["objectiveMetricName"],
        "loss\"}, \"kind\": \"Pod"
    );
    assert_eq!(
        object["spec"]["trialTemplate"]["primaryContainerName"],
        "c # comment"
    );
    assert_eq!(object.as_object().unwrap().len(), 4, "no key was injected");
    let paths: Vec<String> = validate_experiment(&yaml, "team-ml")
        .unwrap_err()
        .into_iter()
        .map(|problem| problem.path)
        .collect();
    assert_eq!(
        paths,
        [
            "metadata.name",
            "spec.trialTemplate.trialParameters[0].name",
        ],
        "a placeholder broken by a new line is not Katib's: the parameter goes unused"
    );
}

#[test]
fn a_container_without_an_image_is_refused_at_its_line() {
    assert_eq!(
        problems(&edited(
            "                image: docker.io/example/mnist:1\n",
            ""
        )),
        [
            "line 42: spec.trialTemplate.trialSpec.spec.template.spec.containers[0].image: is required"
        ]
    );
    assert_eq!(
        problems(&edited("image: docker.io/example/mnist:1", "image: \"\"")),
        [
            "line 43: spec.trialTemplate.trialSpec.spec.template.spec.containers[0].image: must not be empty"
        ]
    );
}

#[test]
fn the_primary_container_must_be_one_of_the_trial_containers() {
    assert_eq!(
        problems(&edited(
            "primaryContainerName: training-container",
            "primaryContainerName: trainer"
        )),
        [
            "line 29: spec.trialTemplate.primaryContainerName: \"trainer\" is not a container of \
          trialSpec (training-container): Katib reads the metrics from this container"
        ]
    );
    // A second container may be the primary one.
    let two = edited(
        "            restartPolicy: Never\n",
        "              - name: trainer\n                image: busybox\n            restartPolicy: Never\n",
    )
    .replace("primaryContainerName: training-container", "primaryContainerName: trainer");
    validate_experiment(&two, "team-ml").unwrap();
}
