//! Checks of an experiment's trial template: what each trial runs, and the `trialParameters`
//! Katib substitutes into it.

use super::source::Path;
use super::validate::{Check, kind_of};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

const TEMPLATE_FIELDS: [&str; 8] = [
    "configMap",
    "failureCondition",
    "primaryContainerName",
    "primaryPodLabels",
    "retain",
    "successCondition",
    "trialParameters",
    "trialSpec",
];
/// Kinds whose success and failure conditions Katib fills in itself.
const DEFAULTED_KINDS: [&str; 6] = [
    "Job",
    "TFJob",
    "PyTorchJob",
    "XGBoostJob",
    "MXJob",
    "MPIJob",
];
const PLACEHOLDER: &str = "${trialParameters.";

/// Checks `spec.trialTemplate`.
pub(super) fn trial_template(spec: &Value, path: &Path, check: &mut Check) {
    let Some(template) = check.mapping(spec, path, "trialTemplate", true) else {
        return;
    };
    let path = path.key("trialTemplate");
    check.unknown_fields(template, &path, &TEMPLATE_FIELDS);
    check.text(template, &path, "primaryContainerName", true);
    let present = |key: &str| template.get(key).is_some_and(|value| !value.is_null());
    let inline = match (present("trialSpec"), present("configMap")) {
        (false, false) => {
            check.problem(
                &path,
                "needs trialSpec (the resource each trial runs) or configMap (where a template \
                 of it is stored)",
            );
            None
        }
        (true, true) => {
            check.problem(
                &path.key("configMap"),
                "trialSpec and configMap exclude each other: keep one",
            );
            None
        }
        (false, true) => {
            config_map(template, &path, check);
            None
        }
        (true, false) => trial_spec(template, &path, check),
    };
    let declared = trial_parameters(spec, template, &path, check);
    if let Some(trial_spec) = inline {
        placeholders_match(trial_spec, &declared, &path, check);
        containers_check(template, trial_spec, &path, check);
    }
}

/// The containers of the inline resource: each needs a name and an image, and
/// `primaryContainerName` (where Katib collects the metrics) must be one of them. Otherwise
/// the experiment is accepted and its first trial fails. Resources with no `containers` list
/// anywhere (a kind kfdash can't see into) are left to Katib.
fn containers_check(template: &Value, trial_spec: &Value, path: &Path, check: &mut Check) {
    let mut found = Vec::new();
    containers(trial_spec, path.key("trialSpec"), &mut found);
    if found.is_empty() {
        return;
    }
    let mut names = Vec::new();
    for (container_path, container) in &found {
        if !container.is_object() {
            check.problem(
                container_path,
                format!("must be a container, not {}", kind_of(container)),
            );
            continue;
        }
        names.extend(check.text(container, container_path, "name", true));
        check.text(container, container_path, "image", true);
    }
    let Some(primary) = template.get("primaryContainerName").and_then(Value::as_str) else {
        return;
    };
    if !primary.is_empty() && !names.is_empty() && !names.contains(&primary) {
        check.problem(
            &path.key("primaryContainerName"),
            format!(
                "{primary:?} is not a container of trialSpec ({}): Katib reads the metrics from \
                 this container",
                names.join(", ")
            ),
        );
    }
}

/// Every entry of a `containers` list anywhere under `value` (a Job's pod template, each
/// replica of a training job), with its path.
fn containers<'v>(value: &'v Value, path: Path, found: &mut Vec<(Path, &'v Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("containers", Value::Array(items)) => {
                        let list = path.key(key);
                        found.extend(
                            items
                                .iter()
                                .enumerate()
                                .map(|(index, item)| (list.index(index), item)),
                        );
                    }
                    _ => containers(child, path.key(key), found),
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                containers(item, path.index(index), found);
            }
        }
        _ => {}
    }
}

fn config_map(template: &Value, path: &Path, check: &mut Check) {
    let Some(config_map) = check.mapping(template, path, "configMap", true) else {
        return;
    };
    let path = path.key("configMap");
    for key in ["configMapName", "configMapNamespace", "templatePath"] {
        check.text(config_map, &path, key, true);
    }
}

/// The inline resource each trial runs; returned when it is a mapping.
fn trial_spec<'v>(template: &'v Value, path: &Path, check: &mut Check) -> Option<&'v Value> {
    let trial_spec = check.mapping(template, path, "trialSpec", true)?;
    let spec_path = path.key("trialSpec");
    check.text(trial_spec, &spec_path, "apiVersion", true);
    let kind = check.text(trial_spec, &spec_path, "kind", true);
    if let Some(metadata) = trial_spec.get("metadata") {
        for key in ["name", "namespace"] {
            if metadata.get(key).is_some_and(|value| !value.is_null()) {
                check.problem(
                    &spec_path.key("metadata").key(key),
                    "must be left out: Katib names each trial's resource and puts it in the \
                     experiment's namespace",
                );
            }
        }
    }
    if let Some(kind) = kind.filter(|kind| !DEFAULTED_KINDS.contains(kind)) {
        for key in ["successCondition", "failureCondition"] {
            if check.text(template, path, key, false).is_none() {
                check.problem(
                    &path.key(key),
                    format!(
                        "is required for a {kind} trial: Katib knows when Jobs and Kubeflow \
                         training jobs end, not other kinds"
                    ),
                );
            }
        }
    }
    Some(trial_spec)
}

/// Checks `trialParameters`; returns the declared names with their index.
fn trial_parameters<'v>(
    spec: &'v Value,
    template: &'v Value,
    path: &Path,
    check: &mut Check,
) -> Vec<(usize, &'v str)> {
    let list_path = path.key("trialParameters");
    if template.get("trialParameters").is_none_or(Value::is_null) {
        check.problem(
            &list_path,
            "is required: the values Katib substitutes into each trial's resource",
        );
        return Vec::new();
    }
    // Architecture searches pass settings Katib makes up itself (search-space, …): only a
    // hyperparameter search has a list to check references against, as Katib does.
    let searched: HashSet<&str> = spec
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|parameter| parameter.get("name").and_then(Value::as_str))
        .collect();
    let mut declared: Vec<(usize, &str)> = Vec::new();
    let mut references: HashSet<&str> = HashSet::new();
    for (index, parameter) in check
        .list(template, path, "trialParameters")
        .iter()
        .enumerate()
    {
        let item = list_path.index(index);
        if !parameter.is_object() {
            check.problem(
                &item,
                format!(
                    "must be a mapping (name, reference), not {}",
                    kind_of(parameter)
                ),
            );
            continue;
        }
        check.unknown_fields(parameter, &item, &["description", "name", "reference"]);
        if let Some(name) = check.text(parameter, &item, "name", true) {
            if name.contains(['{', '}']) {
                check.problem(
                    &item.key("name"),
                    format!("{name:?} must not hold '{{' or '}}'"),
                );
            } else if declared.iter().any(|(_, known)| *known == name) {
                check.problem(&item.key("name"), format!("{name:?} is declared twice"));
            } else {
                declared.push((index, name));
            }
        }
        let Some(reference) = check.text(parameter, &item, "reference", true) else {
            continue;
        };
        if !references.insert(reference) {
            check.problem(
                &item.key("reference"),
                format!("{reference:?} is referenced by another trial parameter"),
            );
        } else if !searched.is_empty() && !searched.contains(reference) && !is_metadata(reference) {
            let mut names: Vec<&str> = searched.iter().copied().collect();
            names.sort_unstable();
            check.problem(
                &item.key("reference"),
                format!(
                    "{reference:?} is not a parameter of spec.parameters ({}) nor trial \
                     metadata such as ${{trialSpec.Name}}",
                    names.join(", ")
                ),
            );
        }
    }
    declared
}

/// `${trialSpec.Name}`, `${trialSpec.Labels[key]}`…: the trial's own metadata, which Katib
/// substitutes too.
fn is_metadata(reference: &str) -> bool {
    let Some(key) = reference
        .strip_prefix("${trialSpec.")
        .and_then(|rest| rest.strip_suffix('}'))
    else {
        return false;
    };
    match key.split_once('[') {
        None => ["Name", "Namespace", "Kind", "APIVersion"].contains(&key),
        Some((map, index)) => {
            ["Labels", "Annotations"].contains(&map) && index.len() > 1 && index.ends_with(']')
        }
    }
}

/// Every `${trialParameters.x}` in the trial spec must be declared, and every declared
/// parameter used somewhere (Katib refuses both).
fn placeholders_match(
    trial_spec: &Value,
    declared: &[(usize, &str)],
    path: &Path,
    check: &mut Check,
) {
    let mut used: HashMap<String, Path> = HashMap::new();
    let mut undeclared: Vec<(Path, String)> = Vec::new();
    let names: HashSet<&str> = declared.iter().map(|(_, name)| *name).collect();
    let mut at = path.key("trialSpec");
    visit_texts(trial_spec, &mut at, &mut |text, place| {
        for name in placeholders(text) {
            if !names.contains(name) {
                undeclared.push((place.clone(), name.to_string()));
            }
            used.entry(name.to_string())
                .or_insert_with(|| place.clone());
        }
    });
    for (place, name) in undeclared {
        check.problem(
            &place,
            format!(
                "uses ${{trialParameters.{name}}}, which spec.trialTemplate.trialParameters does \
                 not declare"
            ),
        );
    }
    for (index, name) in declared {
        if !used.contains_key(*name) {
            check.problem(
                &path.key("trialParameters").index(*index).key("name"),
                format!(
                    "{name:?} is not used in trialSpec: write ${{trialParameters.{name}}} where \
                     its value goes"
                ),
            );
        }
    }
}

/// Calls `found` with every text (keys too) of `value` and its place.
fn visit_texts(value: &Value, at: &mut Path, found: &mut impl FnMut(&str, &Path)) {
    match value {
        Value::String(text) => found(text, at),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                at.push_index(index);
                visit_texts(item, at, found);
                at.pop();
            }
        }
        Value::Object(entries) => {
            for (key, item) in entries {
                at.push_key(key);
                found(key, at);
                visit_texts(item, at, found);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The names in `${trialParameters.name}` placeholders of `text`, as Katib's pattern finds them
/// (up to the first `}` on the same line).
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(PLACEHOLDER)? + PLACEHOLDER.len();
            rest = &rest[start..];
            let end = rest.find(['}', '\n']);
            match end {
                Some(end) if end > 0 && rest[end..].starts_with('}') => {
                    let name = &rest[..end];
                    rest = &rest[end + 1..];
                    return Some(name);
                }
                _ => continue,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_as_katib_finds_them() {
        let found: Vec<&str> = placeholders(
            "--lr=${trialParameters.lr} ${trialParameters.} ${trialParameters.a\nb} \
             ${trialParameters.x-y}${trialParameters.z}",
        )
        .collect();
        assert_eq!(found, ["lr", "x-y", "z"]);
        assert_eq!(placeholders("${trialParameters.open").count(), 0);
    }

    #[test]
    fn metadata_references() {
        for good in [
            "${trialSpec.Name}",
            "${trialSpec.Namespace}",
            "${trialSpec.Kind}",
            "${trialSpec.APIVersion}",
            "${trialSpec.Labels[app]}",
            "${trialSpec.Annotations[team/x]}",
        ] {
            assert!(is_metadata(good), "{good}");
        }
        for bad in [
            "${trialSpec.Uid}",
            "${trialSpec.Labels[]}",
            "trialSpec.Name",
            "${trialSpec.Name",
        ] {
            assert!(!is_metadata(bad), "{bad}");
        }
    }
}
