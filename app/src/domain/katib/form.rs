//! The create form for the common case (a Job per trial, or a template from a ConfigMap),
//! turned into a complete Experiment YAML that `validate_experiment` then checks.

use super::API_VERSION;
use super::metrics::number;
use super::yaml::to_yaml;
use crate::model::katib::{ObjectiveType, ParameterKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// What the user typed, as typed: numbers stay text until the YAML is made, so a typo reaches
/// the checks (and their message) instead of vanishing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentForm {
    pub name: String,
    pub namespace: String,
    pub objective_type: ObjectiveType,
    pub objective_metric: String,
    /// Empty for none.
    pub goal: String,
    /// Names separated by commas, spaces or new lines.
    pub additional_metrics: String,
    pub algorithm: String,
    pub parameters: Vec<ParameterForm>,
    pub parallel: String,
    pub max_trials: String,
    pub max_failed: String,
    pub template: TemplateForm,
    /// The container whose output holds the metrics.
    pub primary_container: String,
}

impl Default for ExperimentForm {
    fn default() -> Self {
        ExperimentForm {
            name: String::new(),
            namespace: String::new(),
            objective_type: ObjectiveType::Minimize,
            objective_metric: "loss".into(),
            goal: String::new(),
            additional_metrics: String::new(),
            algorithm: "random".into(),
            parameters: vec![ParameterForm::default()],
            parallel: "3".into(),
            max_trials: "12".into(),
            max_failed: "3".into(),
            template: TemplateForm::default(),
            primary_container: "training-container".into(),
        }
    }
}

/// One search-space parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterForm {
    pub name: String,
    pub kind: ParameterKind,
    /// For double and int.
    pub min: String,
    pub max: String,
    /// Optional.
    pub step: String,
    /// For discrete and categorical: values separated by commas or new lines.
    pub list: String,
}

impl Default for ParameterForm {
    fn default() -> Self {
        ParameterForm {
            name: "lr".into(),
            kind: ParameterKind::Double,
            min: "0.01".into(),
            max: "0.05".into(),
            step: String::new(),
            list: String::new(),
        }
    }
}

/// What each trial runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TemplateForm {
    /// A Job running `image`; `command` holds one argument per line (empty: the image's own).
    /// Each parameter is passed as `--name=value`, unless a line places
    /// `${trialParameters.…}` itself.
    Inline { image: String, command: String },
    /// A trial template kept in a ConfigMap (Katib's own live in its namespace).
    ConfigMap {
        name: String,
        namespace: String,
        path: String,
    },
}

impl Default for TemplateForm {
    fn default() -> Self {
        TemplateForm::Inline {
            image: String::new(),
            command: String::new(),
        }
    }
}

/// The form as a complete Experiment, written by the YAML serializer (never by pasting text
/// together), so whatever a field holds stays that field's value.
pub fn form_yaml(form: &ExperimentForm) -> String {
    to_yaml(&form_object(form))
}

fn form_object(form: &ExperimentForm) -> Value {
    let mut objective = Map::new();
    objective.insert("type".into(), form.objective_type.label().into());
    objective.insert(
        "objectiveMetricName".into(),
        form.objective_metric.trim().into(),
    );
    if !form.goal.trim().is_empty() {
        objective.insert("goal".into(), typed_number(&form.goal));
    }
    let additional = split(&form.additional_metrics, &[',', ' ', '\t', '\n', '\r']);
    if !additional.is_empty() {
        objective.insert("additionalMetricNames".into(), additional.into());
    }
    let parameters: Vec<Value> = form.parameters.iter().map(parameter).collect();
    let trial_parameters: Vec<Value> = form
        .parameters
        .iter()
        .map(|parameter| {
            json!({
                "name": parameter.name.trim(),
                "description": format!("{} of the trial", parameter.name.trim()),
                "reference": parameter.name.trim(),
            })
        })
        .collect();
    let mut trial_template = Map::new();
    trial_template.insert(
        "primaryContainerName".into(),
        form.primary_container.trim().into(),
    );
    trial_template.insert("trialParameters".into(), trial_parameters.into());
    match &form.template {
        TemplateForm::Inline { image, command } => {
            trial_template.insert("trialSpec".into(), job(form, image, command));
        }
        TemplateForm::ConfigMap {
            name,
            namespace,
            path,
        } => {
            trial_template.insert(
                "configMap".into(),
                json!({
                    "configMapName": name.trim(),
                    "configMapNamespace": namespace.trim(),
                    "templatePath": path.trim(),
                }),
            );
        }
    }
    let mut spec = Map::new();
    spec.insert("objective".into(), objective.into());
    spec.insert(
        "algorithm".into(),
        json!({"algorithmName": form.algorithm.trim()}),
    );
    // Left empty, a count is left out and Katib's default applies.
    for (key, text) in [
        ("parallelTrialCount", &form.parallel),
        ("maxTrialCount", &form.max_trials),
        ("maxFailedTrialCount", &form.max_failed),
    ] {
        if !text.trim().is_empty() {
            spec.insert(key.into(), typed_number(text));
        }
    }
    spec.insert("parameters".into(), parameters.into());
    spec.insert("trialTemplate".into(), trial_template.into());
    json!({
        "apiVersion": API_VERSION,
        "kind": "Experiment",
        "metadata": {"name": form.name.trim(), "namespace": form.namespace.trim()},
        "spec": spec,
    })
}

fn parameter(parameter: &ParameterForm) -> Value {
    let mut space = Map::new();
    if parameter.kind.is_listed() {
        let list = split(&parameter.list, &[',', '\n', '\r']);
        space.insert("list".into(), list.into());
    } else {
        space.insert("min".into(), parameter.min.trim().into());
        space.insert("max".into(), parameter.max.trim().into());
        if !parameter.step.trim().is_empty() {
            space.insert("step".into(), parameter.step.trim().into());
        }
    }
    json!({
        "name": parameter.name.trim(),
        "parameterType": parameter.kind.label(),
        "feasibleSpace": space,
    })
}

/// A Job running the image, with the parameters as arguments.
fn job(form: &ExperimentForm, image: &str, command: &str) -> Value {
    let command: Vec<&str> = command
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let mut container = Map::new();
    container.insert("name".into(), form.primary_container.trim().into());
    container.insert("image".into(), image.trim().into());
    let placed = command
        .iter()
        .any(|line| line.contains("${trialParameters."));
    if !command.is_empty() {
        container.insert("command".into(), command.into());
    }
    if !placed && !form.parameters.is_empty() {
        let args: Vec<String> = form
            .parameters
            .iter()
            .map(|parameter| {
                let name = parameter.name.trim();
                format!("--{name}=${{trialParameters.{name}}}")
            })
            .collect();
        container.insert("args".into(), args.into());
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "spec": {
            "template": {
                "spec": {
                    "containers": [container],
                    "restartPolicy": "Never",
                },
            },
        },
    })
}

/// A number when the text is one (whole numbers as integers), else the text itself, so the
/// checks name the field that is not a number.
fn typed_number(text: &str) -> Value {
    let text = text.trim();
    if let Ok(whole) = text.parse::<i64>() {
        return whole.into();
    }
    match number(text).and_then(serde_json::Number::from_f64) {
        Some(value) => Value::Number(value),
        None => text.into(),
    }
}

fn split(text: &str, separators: &[char]) -> Vec<String> {
    text.split(separators)
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_string)
        .collect()
}
