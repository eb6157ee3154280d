//! Checks of an experiment's spec: objective, algorithms, trial budget and search space.

use super::metrics::{number, parse_strategy};
use super::source::Path;
use super::validate::{Check, kind_of};
use serde_json::Value;
use std::collections::HashSet;

const SPEC_FIELDS: [&str; 11] = [
    "algorithm",
    "earlyStopping",
    "maxFailedTrialCount",
    "maxTrialCount",
    "metricsCollectorSpec",
    "nasConfig",
    "objective",
    "parallelTrialCount",
    "parameters",
    "resumePolicy",
    "trialTemplate",
];
const PARAMETER_TYPES: [&str; 4] = ["double", "int", "discrete", "categorical"];
const DISTRIBUTIONS: [&str; 4] = ["uniform", "logUniform", "normal", "logNormal"];
const RESUME_POLICIES: [&str; 3] = ["Never", "LongRunning", "FromVolume"];
/// Metrics collectors Katib's webhook accepts.
const COLLECTORS: [&str; 6] = [
    "StdOut",
    "File",
    "TensorFlowEvent",
    "PrometheusMetric",
    "Custom",
    "Push",
];

/// Everything in `spec` but the trial template.
pub(super) fn spec(spec: &Value, path: &Path, check: &mut Check) {
    check.unknown_fields(spec, path, &SPEC_FIELDS);
    objective(spec, path, check);
    algorithm(spec, path, "algorithm", true, check);
    algorithm(spec, path, "earlyStopping", false, check);
    budget(spec, path, check);
    if let Some(policy) = check.text(spec, path, "resumePolicy", false)
        && !RESUME_POLICIES.contains(&policy)
    {
        check.problem(
            &path.key("resumePolicy"),
            format!("must be Never, LongRunning or FromVolume (it is {policy:?})"),
        );
    }
    collector(spec, path, check);
    search_space(spec, path, check);
}

fn objective(spec: &Value, path: &Path, check: &mut Check) {
    let Some(objective) = check.mapping(spec, path, "objective", true) else {
        return;
    };
    let path = path.key("objective");
    check.unknown_fields(
        objective,
        &path,
        &[
            "additionalMetricNames",
            "goal",
            "metricStrategies",
            "objectiveMetricName",
            "type",
        ],
    );
    if let Some(kind) = check.text(objective, &path, "type", true)
        && kind != "minimize"
        && kind != "maximize"
    {
        check.problem(
            &path.key("type"),
            format!("must be minimize or maximize (it is {kind:?})"),
        );
    }
    let mut metrics: Vec<&str> = Vec::new();
    let objective_metric = check.text(objective, &path, "objectiveMetricName", true);
    metrics.extend(objective_metric);
    let mut known: HashSet<&str> = metrics.iter().copied().collect();
    match objective.get("goal") {
        None | Some(Value::Null) | Some(Value::Number(_)) => {}
        Some(Value::String(text)) if number(text).is_some() => check.problem(
            &path.key("goal"),
            format!("must be a number, not text: write {text} without quotes"),
        ),
        Some(other) => check.problem(
            &path.key("goal"),
            format!("must be a number, not {}", kind_of(other)),
        ),
    }
    let additional_path = path.key("additionalMetricNames");
    for (index, name) in check
        .list(objective, &path, "additionalMetricNames")
        .iter()
        .enumerate()
    {
        let item = additional_path.index(index);
        match name.as_str() {
            Some("") | None => check.problem(&item, "must be a metric name (text)"),
            Some(name) if Some(name) == objective_metric => check.problem(
                &item,
                format!("{name:?} is the objective metric already; list only the others"),
            ),
            Some(name) if !known.insert(name) => {
                check.problem(&item, format!("{name:?} is listed twice"))
            }
            Some(name) => metrics.push(name),
        }
    }
    let strategies_path = path.key("metricStrategies");
    let mut named: HashSet<&str> = HashSet::new();
    for (index, strategy) in check
        .list(objective, &path, "metricStrategies")
        .iter()
        .enumerate()
    {
        let item = strategies_path.index(index);
        if let Some(name) = check.text(strategy, &item, "name", true) {
            if !known.contains(name) {
                check.problem(
                    &item.key("name"),
                    format!(
                        "{name:?} is not a metric of the experiment ({})",
                        metrics.join(", ")
                    ),
                );
            } else if !named.insert(name) {
                check.problem(
                    &item.key("name"),
                    format!("{name:?} has a strategy already"),
                );
            }
        }
        if let Some(value) = check.text(strategy, &item, "value", true)
            && parse_strategy(value).is_none()
        {
            check.problem(
                &item.key("value"),
                format!("must be min, max or latest (it is {value:?})"),
            );
        }
    }
}

/// `algorithm` or `earlyStopping`: a name and settings of text.
fn algorithm(spec: &Value, path: &Path, key: &str, required: bool, check: &mut Check) {
    let Some(algorithm) = check.mapping(spec, path, key, required) else {
        return;
    };
    let path = path.key(key);
    check.unknown_fields(algorithm, &path, &["algorithmName", "algorithmSettings"]);
    check.text(algorithm, &path, "algorithmName", true);
    let settings_path = path.key("algorithmSettings");
    let mut names: HashSet<&str> = HashSet::new();
    for (index, setting) in check
        .list(algorithm, &path, "algorithmSettings")
        .iter()
        .enumerate()
    {
        let item = settings_path.index(index);
        if let Some(name) = check.text(setting, &item, "name", true)
            && !names.insert(name)
        {
            check.problem(&item.key("name"), format!("{name:?} is set twice"));
        }
        check.text(setting, &item, "value", false);
    }
}

/// How many trials: in parallel, in all, failed before the experiment fails.
fn budget(spec: &Value, path: &Path, check: &mut Check) {
    let parallel = check.count(spec, path, "parallelTrialCount");
    let max = check.count(spec, path, "maxTrialCount");
    let max_failed = check.count(spec, path, "maxFailedTrialCount");
    if let Some(parallel) = parallel.filter(|&count| count < 1) {
        check.problem(
            &path.key("parallelTrialCount"),
            format!("must be at least 1 (it is {parallel})"),
        );
    }
    if let Some(max) = max.filter(|&count| count < 1) {
        check.problem(
            &path.key("maxTrialCount"),
            format!("must be at least 1 (it is {max})"),
        );
    }
    if let Some(failed) = max_failed.filter(|&count| count < 0) {
        check.problem(
            &path.key("maxFailedTrialCount"),
            format!("must not be negative (it is {failed})"),
        );
    }
    let Some(max) = max.filter(|&count| count >= 1) else {
        return;
    };
    if let Some(parallel) = parallel.filter(|&count| count > max) {
        check.problem(
            &path.key("parallelTrialCount"),
            format!("must be at most maxTrialCount ({max}); it is {parallel}"),
        );
    }
    if let Some(failed) = max_failed.filter(|&count| count > max) {
        check.problem(
            &path.key("maxFailedTrialCount"),
            format!("must be at most maxTrialCount ({max}); it is {failed}"),
        );
    }
}

fn collector(spec: &Value, path: &Path, check: &mut Check) {
    let Some(collector_spec) = check.mapping(spec, path, "metricsCollectorSpec", false) else {
        return;
    };
    let path = path.key("metricsCollectorSpec");
    let Some(collector) = check.mapping(collector_spec, &path, "collector", false) else {
        return;
    };
    let path = path.key("collector");
    if let Some(kind) = check.text(collector, &path, "kind", true)
        && !COLLECTORS.contains(&kind)
    {
        check.problem(
            &path.key("kind"),
            format!("must be one of {} (it is {kind:?})", COLLECTORS.join(", ")),
        );
    }
}

/// `parameters` (hyperparameter tuning) or `nasConfig` (architecture search): one of them.
fn search_space(spec: &Value, path: &Path, check: &mut Check) {
    let has = |key: &str| spec.get(key).is_some_and(|value| !value.is_null());
    match (has("parameters"), has("nasConfig")) {
        (true, true) => check.problem(
            &path.key("nasConfig"),
            "an experiment searches either parameters (hyperparameter tuning) or a nasConfig \
             (architecture search), not both",
        ),
        (false, false) => check.problem(
            &path.key("parameters"),
            "is required: the hyperparameters to tune (or a nasConfig for an architecture search)",
        ),
        (true, false) => {
            let parameters = check.list(spec, path, "parameters");
            if parameters.is_empty() && spec["parameters"].is_array() {
                check.problem(&path.key("parameters"), "must list at least one parameter");
            }
            parameter_list(parameters, &path.key("parameters"), check);
        }
        (false, true) => nas_config(spec, path, check),
    }
}

fn nas_config(spec: &Value, path: &Path, check: &mut Check) {
    let Some(nas) = check.mapping(spec, path, "nasConfig", true) else {
        return;
    };
    let path = path.key("nasConfig");
    check.unknown_fields(nas, &path, &["graphConfig", "operations"]);
    let operations = check.list(nas, &path, "operations");
    if operations.is_empty() {
        check.problem(
            &path.key("operations"),
            "is required: the operations the search may place in the network",
        );
    }
    for (index, operation) in operations.iter().enumerate() {
        let item = path.key("operations").index(index);
        check.text(operation, &item, "operationType", true);
        let parameters = check.list(operation, &item, "parameters");
        parameter_list(parameters, &item.key("parameters"), check);
    }
}

fn parameter_list(parameters: &[Value], path: &Path, check: &mut Check) {
    let mut names: HashSet<&str> = HashSet::new();
    for (index, parameter) in parameters.iter().enumerate() {
        let item = path.index(index);
        if !parameter.is_object() {
            check.problem(
                &item,
                format!(
                    "must be a mapping (name, parameterType, feasibleSpace), not {}",
                    kind_of(parameter)
                ),
            );
            continue;
        }
        if let Some(name) = check.text(parameter, &item, "name", true)
            && !names.insert(name)
        {
            check.problem(
                &item.key("name"),
                format!("{name:?} is used by another parameter"),
            );
        }
        one_parameter(parameter, &item, check);
    }
}

fn one_parameter(parameter: &Value, path: &Path, check: &mut Check) {
    check.unknown_fields(parameter, path, &["feasibleSpace", "name", "parameterType"]);
    let kind = check.text(parameter, path, "parameterType", true);
    if let Some(kind) = kind.filter(|kind| !PARAMETER_TYPES.contains(kind)) {
        check.problem(
            &path.key("parameterType"),
            format!("must be double, int, discrete or categorical (it is {kind:?})"),
        );
    }
    let Some(space) = check.mapping(parameter, path, "feasibleSpace", true) else {
        return;
    };
    let path = path.key("feasibleSpace");
    check.unknown_fields(
        space,
        &path,
        &["distribution", "list", "max", "min", "step"],
    );
    if space.as_object().is_some_and(|space| space.is_empty()) {
        check.problem(&path, "must give min and max, or a list");
        return;
    }
    if let Some(distribution) = check.text(space, &path, "distribution", false)
        && !DISTRIBUTIONS.contains(&distribution)
    {
        check.problem(
            &path.key("distribution"),
            format!("must be uniform, logUniform, normal or logNormal (it is {distribution:?})"),
        );
    }
    match kind {
        Some(kind @ ("double" | "int")) => range(space, &path, kind == "int", check),
        Some(kind @ ("discrete" | "categorical")) => listed(space, &path, kind, check),
        _ => {}
    }
}

/// A double or int parameter: min ≤ max (equal fixes the value, as Hyperband's resource
/// parameter does), an optional positive step, no list.
fn range(space: &Value, path: &Path, whole: bool, check: &mut Check) {
    let what = if whole { "an int" } else { "a double" };
    if space.get("list").is_some_and(|list| !list.is_null()) {
        check.problem(
            &path.key("list"),
            format!(
                "is for discrete and categorical parameters; {what} parameter takes min and max"
            ),
        );
    }
    let min = bound(space, path, "min", whole, true, check);
    let max = bound(space, path, "max", whole, true, check);
    if let (Some((min, min_text)), Some((max, max_text))) = (min, max)
        && min > max
    {
        check.problem(
            path,
            format!("min ({min_text}) must not be greater than max ({max_text})"),
        );
    }
    if let Some((step, step_text)) = bound(space, path, "step", whole, false, check)
        && step <= 0.0
    {
        check.problem(
            &path.key("step"),
            format!("must be greater than 0 (it is {step_text})"),
        );
    }
}

/// A number written as text; whole for int parameters.
fn bound<'v>(
    space: &'v Value,
    path: &Path,
    key: &str,
    whole: bool,
    required: bool,
    check: &mut Check,
) -> Option<(f64, &'v str)> {
    let text = check.text(space, path, key, required)?;
    let value = if whole {
        text.parse::<i64>().ok().map(|value| value as f64)
    } else {
        number(text)
    };
    if value.is_none() {
        let wanted = if whole { "a whole number" } else { "a number" };
        check.problem(&path.key(key), format!("must be {wanted} (it is {text:?})"));
    }
    value.map(|value| (value, text))
}

/// A discrete (numbers) or categorical parameter: a non-empty list without repeats, and no
/// range.
fn listed(space: &Value, path: &Path, kind: &str, check: &mut Check) {
    let ranged: Vec<&str> = ["min", "max", "step"]
        .into_iter()
        .filter(|key| space.get(*key).is_some_and(|value| !value.is_null()))
        .collect();
    if !ranged.is_empty() {
        check.problem(
            path,
            format!(
                "{} {} for double and int parameters; a {kind} parameter takes a list",
                ranged.join(", "),
                if ranged.len() == 1 { "is" } else { "are" }
            ),
        );
    }
    let list = check.list(space, path, "list");
    if list.is_empty() {
        check.problem(&path.key("list"), "is required: the values to try");
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for (index, item) in list.iter().enumerate() {
        let item_path = path.key("list").index(index);
        let Some(text) = item.as_str() else {
            check.problem(&item_path, format!("must be text, not {}", kind_of(item)));
            continue;
        };
        if kind == "discrete" && number(text).is_none() {
            check.problem(
                &item_path,
                format!("must be a number, as discrete values are (it is {text:?})"),
            );
        }
        if !seen.insert(text) {
            check.problem(&item_path, format!("{text:?} is listed twice"));
        }
    }
}
