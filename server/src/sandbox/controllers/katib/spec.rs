//! An Experiment's spec as the simulated Katib reads it: the defaults Katib's mutating webhook
//! would have written, and the checks its validating webhook would have made (the sandbox has
//! no admission webhooks, so an experiment that Katib would refuse is marked Failed instead,
//! with the reason).

use super::nas::{self, NasConfig};
use super::space::{self, Parameter};
use super::template::{self, Template};
use crate::sandbox::store::Store;
use serde_json::{Value, json};

/// An experiment annotation with the share (0 to 1) of its trials that fail; 5% by default.
pub const FAILURE_RATE_ANNOTATION: &str = "sandbox.kfdash.io/trial-failure-rate";
/// An experiment annotation with the share (0 to 1) of its trials whose metrics are never
/// collected (they end MetricsUnavailable); 2% by default.
pub const UNAVAILABLE_RATE_ANNOTATION: &str = "sandbox.kfdash.io/metrics-unavailable-rate";
pub const DEFAULT_FAILURE_RATE: f64 = 0.05;
pub const DEFAULT_UNAVAILABLE_RATE: f64 = 0.02;

/// Katib's default success and failure conditions for a batch Job, and for the Kubeflow
/// training operator's jobs.
const JOB_SUCCESS: &str = "status.conditions.#(type==\"Complete\")#|#(status==\"True\")#";
const JOB_FAILURE: &str = "status.conditions.#(type==\"Failed\")#|#(status==\"True\")#";
const KUBEFLOW_SUCCESS: &str = "status.conditions.#(type==\"Succeeded\")#|#(status==\"True\")#";
const KUBEFLOW_FAILURE: &str = "status.conditions.#(type==\"Failed\")#|#(status==\"True\")#";
const KUBEFLOW_JOBS: [&str; 6] = [
    "TFJob",
    "PyTorchJob",
    "XGBoostJob",
    "MXJob",
    "MPIJob",
    "PaddleJob",
];

/// How the objective's value is taken from a trial's metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Min,
    Max,
    Latest,
}

/// How trials' assignments are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    Random,
    Grid,
    /// Random architectures in ENAS' format (for `enas` and any other NAS algorithm).
    Enas(NasConfig),
    Darts(NasConfig),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MedianStop {
    pub min_trials: usize,
    pub start_step: u32,
}

/// An experiment's spec, checked.
#[derive(Debug, Clone)]
pub struct Spec {
    /// `spec.objective`, with its metric strategies.
    pub objective: Value,
    pub maximize: bool,
    pub metric: String,
    pub goal: Option<f64>,
    pub strategy: Strategy,
    pub algorithm: String,
    pub search: Search,
    pub settings: Vec<(String, String)>,
    pub parameters: Vec<Parameter>,
    pub parallel: usize,
    pub max_trials: Option<usize>,
    pub max_failed: Option<usize>,
    pub resume_policy: String,
    pub median_stop: Option<MedianStop>,
    pub template: Template,
    pub failure_rate: f64,
    pub unavailable_rate: f64,
}

impl Spec {
    /// What the condition messages add when the sandbox doesn't run the named algorithm: it
    /// has only random search, grid search and DARTS' settings.
    pub fn fallback_note(&self) -> Option<String> {
        match (&self.search, self.algorithm.as_str()) {
            (Search::Random, "random") | (Search::Grid, _) | (Search::Darts(_), _) => None,
            (Search::Enas(_), algorithm) => Some(format!(
                "the sandbox has no {algorithm} controller, so it draws each architecture at random"
            )),
            (_, algorithm) => Some(format!(
                "the sandbox has no {algorithm} suggestion service, so it draws random trials"
            )),
        }
    }

    /// The assignment names suggestions give, which trial templates may refer to.
    pub fn assignment_names(&self) -> Vec<String> {
        match &self.search {
            Search::Enas(_) => nas::ENAS_ASSIGNMENTS.map(str::to_owned).to_vec(),
            Search::Darts(_) => nas::DARTS_ASSIGNMENTS.map(str::to_owned).to_vec(),
            _ => self.parameters.iter().map(|p| p.name.clone()).collect(),
        }
    }
}

fn count(spec: &Value, key: &str) -> Result<Option<usize>, String> {
    match spec.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .map(|n| Some(n as usize))
            .ok_or_else(|| format!("spec.{key}: {value} is not a whole number of trials")),
    }
}

fn read_settings(list: Option<&Value>) -> Vec<(String, String)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|setting| {
            Some((
                setting.get("name")?.as_str()?.to_string(),
                setting
                    .get("value")
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .unwrap_or_default(),
            ))
        })
        .collect()
}

fn rate(experiment: &Value, annotation: &str, default: f64) -> Result<f64, String> {
    let pointer = format!("/metadata/annotations/{}", annotation.replace('/', "~1"));
    match experiment.pointer(&pointer).and_then(Value::as_str) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|rate| (0.0..=1.0).contains(rate))
            .ok_or_else(|| {
                format!(
                    "metadata.annotations[{annotation}]: {text:?} is not a share between 0 and 1"
                )
            }),
    }
}

/// The spec with the defaults Katib's webhook writes: `parallelTrialCount` 3, `resumePolicy`
/// Never, the objective's metric strategies, the StdOut metrics collector, and the success and
/// failure conditions of known job kinds.
pub fn with_defaults(spec: &Value) -> Value {
    let mut spec = spec.clone();
    if !spec.is_object() {
        return spec;
    }
    if spec.get("parallelTrialCount").is_none_or(Value::is_null) {
        spec["parallelTrialCount"] = json!(3);
    }
    if spec
        .get("resumePolicy")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        spec["resumePolicy"] = json!("Never");
    }
    if spec
        .pointer("/metricsCollectorSpec/collector/kind")
        .is_none()
    {
        let mut collector = spec
            .get("metricsCollectorSpec")
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        collector["collector"] = json!({ "kind": "StdOut" });
        spec["metricsCollectorSpec"] = collector;
    }
    if let Some(objective) = spec.get_mut("objective").filter(|o| o.is_object()) {
        let maximize = objective.get("type").and_then(Value::as_str) == Some("maximize");
        let mut names: Vec<String> = objective
            .get("objectiveMetricName")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect();
        names.extend(
            objective
                .get("additionalMetricNames")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
        let mut strategies: Vec<Value> = objective
            .get("metricStrategies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for name in names {
            if !strategies.iter().any(|s| s["name"] == name.as_str()) {
                strategies
                    .push(json!({ "name": name, "value": if maximize { "max" } else { "min" } }));
            }
        }
        objective["metricStrategies"] = Value::Array(strategies);
    }
    let kind = spec
        .pointer("/trialTemplate/trialSpec/kind")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let (Some(template), Some(kind)) = (spec.get_mut("trialTemplate"), kind) {
        let conditions = match kind.as_str() {
            "Job" => Some((JOB_SUCCESS, JOB_FAILURE)),
            kind if KUBEFLOW_JOBS.contains(&kind) => Some((KUBEFLOW_SUCCESS, KUBEFLOW_FAILURE)),
            _ => None,
        };
        if let Some((success, failure)) = conditions {
            if template.get("successCondition").is_none() {
                template["successCondition"] = json!(success);
            }
            if template.get("failureCondition").is_none() {
                template["failureCondition"] = json!(failure);
            }
            if kind != "Job" && template.get("primaryPodLabels").is_none() {
                template["primaryPodLabels"] =
                    json!({ "training.kubeflow.org/job-role": "master" });
            }
        }
    }
    spec
}

/// Reads and checks an experiment, its spec already defaulted.
pub fn read(store: &Store, experiment: &Value) -> Result<Spec, String> {
    let namespace = experiment
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let spec = experiment
        .get("spec")
        .filter(|s| s.is_object())
        .ok_or("spec: the experiment has no spec")?;
    let objective = spec
        .get("objective")
        .filter(|o| o.is_object())
        .ok_or(
            "spec.objective: say which metric to optimise and whether to minimize or maximize it",
        )?
        .clone();
    let maximize = match objective.get("type").and_then(Value::as_str) {
        Some("maximize") => true,
        Some("minimize") => false,
        other => {
            return Err(format!(
                "spec.objective.type: {} is not minimize or maximize",
                other.map_or("nothing".to_string(), |t| format!("{t:?}"))
            ));
        }
    };
    let metric = objective
        .get("objectiveMetricName")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .ok_or("spec.objective.objectiveMetricName: name the metric to optimise")?
        .to_string();
    let goal = match objective.get("goal") {
        None | Some(Value::Null) => None,
        Some(goal) => Some(
            goal.as_f64()
                .or_else(|| goal.as_str().and_then(|g| g.trim().parse().ok()))
                .ok_or_else(|| format!("spec.objective.goal: {goal} is not a number"))?,
        ),
    };
    let additional: Vec<&str> = objective
        .get("additionalMetricNames")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if additional.contains(&metric.as_str()) {
        return Err(format!(
            "spec.objective.additionalMetricNames: {metric:?} is the objective metric already"
        ));
    }
    let mut strategy = if maximize {
        Strategy::Max
    } else {
        Strategy::Min
    };
    for (index, entry) in objective
        .get("metricStrategies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = entry["name"].as_str().unwrap_or_default();
        if name != metric && !additional.contains(&name) {
            return Err(format!(
                "spec.objective.metricStrategies[{index}].name: {name:?} is neither the objective metric nor an additional one"
            ));
        }
        let parsed = match entry["value"].as_str() {
            Some("min") => Strategy::Min,
            Some("max") => Strategy::Max,
            Some("latest") => Strategy::Latest,
            _ => {
                return Err(format!(
                    "spec.objective.metricStrategies[{index}].value: {} is not min, max or latest",
                    entry["value"]
                ));
            }
        };
        if name == metric {
            strategy = parsed;
        }
    }
    let algorithm = spec
        .pointer("/algorithm/algorithmName")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
        .ok_or("spec.algorithm.algorithmName: name the search algorithm (random, grid, tpe…)")?
        .to_string();
    let settings = read_settings(spec.pointer("/algorithm/algorithmSettings"));
    let nas = match spec.get("nasConfig") {
        None | Some(Value::Null) => None,
        Some(config) => Some(nas::parse(config)?),
    };
    let parameters = space::parse_parameters(spec.get("parameters"))?;
    let search = match (nas, algorithm.as_str()) {
        (Some(config), "darts") => Search::Darts(config),
        (Some(config), _) => Search::Enas(config),
        (None, "enas" | "darts") => {
            return Err(format!(
                "spec.nasConfig: {algorithm} searches architectures; give the graph and its operations"
            ));
        }
        (None, _) if parameters.is_empty() => {
            return Err("spec.parameters: give at least one parameter to search".into());
        }
        (None, "grid") => Search::Grid,
        (None, _) => Search::Random,
    };
    let parallel = count(spec, "parallelTrialCount")?.unwrap_or(3);
    if parallel == 0 {
        return Err("spec.parallelTrialCount: run at least one trial at a time".into());
    }
    let max_trials = count(spec, "maxTrialCount")?;
    if max_trials == Some(0) {
        return Err("spec.maxTrialCount: allow at least one trial".into());
    }
    let max_failed = count(spec, "maxFailedTrialCount")?;
    let resume_policy = spec
        .get("resumePolicy")
        .and_then(Value::as_str)
        .unwrap_or("Never")
        .to_string();
    if !["Never", "LongRunning", "FromVolume"].contains(&resume_policy.as_str()) {
        return Err(format!(
            "spec.resumePolicy: {resume_policy:?} is not Never, LongRunning or FromVolume"
        ));
    }
    let median_stop = match spec.get("earlyStopping") {
        None | Some(Value::Null) => None,
        Some(early) => {
            let name = early
                .get("algorithmName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if name != "medianstop" {
                return Err(format!(
                    "spec.earlyStopping.algorithmName: {name:?} is unknown; Katib's early stopping algorithm is medianstop"
                ));
            }
            let given = read_settings(early.get("algorithmSettings"));
            let setting = |key: &str, default: u64| -> Result<u64, String> {
                match given.iter().find(|(name, _)| name == key) {
                    None => Ok(default),
                    Some((_, value)) => value.trim().parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(
                        || format!("spec.earlyStopping.algorithmSettings[{key}]: {value:?} is not a whole number of at least 1"),
                    ),
                }
            };
            Some(MedianStop {
                min_trials: setting("min_trials_required", 3)? as usize,
                start_step: setting("start_step", 4)? as u32,
            })
        }
    };
    let mut read = Spec {
        objective,
        maximize,
        metric,
        goal,
        strategy,
        algorithm,
        search,
        settings,
        parameters,
        parallel,
        max_trials,
        max_failed,
        resume_policy,
        median_stop,
        template: Template {
            trial_spec: Value::Null,
            parameters: Vec::new(),
        },
        failure_rate: rate(experiment, FAILURE_RATE_ANNOTATION, DEFAULT_FAILURE_RATE)?,
        unavailable_rate: rate(
            experiment,
            UNAVAILABLE_RATE_ANNOTATION,
            DEFAULT_UNAVAILABLE_RATE,
        )?,
    };
    read.template = template::read(
        store,
        namespace,
        spec.get("trialTemplate"),
        &read.assignment_names(),
    )?;
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn experiment(spec: Value) -> Value {
        json!({ "metadata": { "name": "e", "namespace": "ns" }, "spec": with_defaults(&spec) })
    }

    fn random() -> Value {
        json!({
            "objective": { "type": "minimize", "objectiveMetricName": "loss", "additionalMetricNames": ["accuracy"] },
            "algorithm": { "algorithmName": "random" },
            "maxTrialCount": 4,
            "parameters": [{ "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0.01", "max": "0.1" } }],
            "trialTemplate": {
                "trialParameters": [{ "name": "lr", "reference": "lr" }],
                "trialSpec": { "apiVersion": "batch/v1", "kind": "Job", "spec": { "template": { "spec": { "containers": [{ "name": "c", "args": ["${trialParameters.lr}"] }] } } } },
            },
        })
    }

    #[test]
    fn defaults_are_those_of_katibs_webhook() {
        let spec = with_defaults(&random());
        assert_eq!(spec["parallelTrialCount"], 3);
        assert_eq!(spec["resumePolicy"], "Never");
        assert_eq!(
            spec["metricsCollectorSpec"],
            json!({ "collector": { "kind": "StdOut" } })
        );
        assert_eq!(
            spec["objective"]["metricStrategies"],
            json!([{ "name": "loss", "value": "min" }, { "name": "accuracy", "value": "min" }])
        );
        assert_eq!(spec["trialTemplate"]["successCondition"], JOB_SUCCESS);
        assert_eq!(
            with_defaults(&spec),
            spec,
            "defaulting twice changes nothing"
        );
    }

    #[test]
    fn a_good_spec_reads_and_says_nothing_of_fallbacks() {
        let store = Store::new(10);
        let spec = read(&store, &experiment(random())).unwrap();
        assert_eq!(spec.parallel, 3);
        assert_eq!(spec.max_trials, Some(4));
        assert_eq!(spec.strategy, Strategy::Min);
        assert_eq!(spec.search, Search::Random);
        assert!(spec.fallback_note().is_none());
        let mut tpe = random();
        tpe["algorithm"]["algorithmName"] = json!("tpe");
        let note = read(&store, &experiment(tpe))
            .unwrap()
            .fallback_note()
            .unwrap();
        assert!(note.contains("no tpe suggestion service"), "{note}");
    }

    #[test]
    fn specs_katib_would_refuse_say_why() {
        let store = Store::new(10);
        let problem = |change: &dyn Fn(&mut Value)| {
            let mut spec = random();
            change(&mut spec);
            read(&store, &experiment(spec)).unwrap_err()
        };
        assert!(
            problem(&|s| s["objective"]["type"] = json!("smallest"))
                .contains("spec.objective.type")
        );
        assert!(problem(&|s| s["parallelTrialCount"] = json!(0)).contains("parallelTrialCount"));
        assert!(problem(&|s| s["maxTrialCount"] = json!("ten")).contains("maxTrialCount"));
        assert!(problem(&|s| s["parameters"] = json!([])).contains("at least one parameter"));
        assert!(
            problem(&|s| s["algorithm"]["algorithmName"] = json!("enas")).contains("nasConfig")
        );
        assert!(
            problem(&|s| s["earlyStopping"] = json!({ "algorithmName": "hyperband" }))
                .contains("medianstop")
        );
        assert!(
            problem(&|s| {
                s["objective"]["metricStrategies"] = json!([{ "name": "loss", "value": "median" }])
            })
            .contains("metricStrategies[0].value")
        );
        let mut annotated = experiment(random());
        annotated["metadata"]["annotations"] = json!({ FAILURE_RATE_ANNOTATION: "2" });
        assert!(
            read(&store, &annotated)
                .unwrap_err()
                .contains("between 0 and 1")
        );
    }
}
