//! An experiment's trial template: where it comes from (inline `trialSpec`, or a ConfigMap as
//! `trialTemplate.configMap` says), the checks Katib's webhook makes of its
//! `${trialParameters.X}` placeholders, and their substitution into a trial's run spec.

use crate::sandbox::controllers::resource;
use crate::sandbox::store::Store;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

const PLACEHOLDER: &str = "${trialParameters.";

/// A trial template, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub trial_spec: Value,
    /// (name in the template, what it refers to: a parameter, or `${trialSpec.Name}`…)
    pub parameters: Vec<(String, String)>,
}

/// The `${trialParameters.X}` names used in `value`, in order of first use.
pub fn placeholders(value: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    walk_strings(value, &mut |text| {
        let mut rest = text;
        while let Some(start) = rest.find(PLACEHOLDER) {
            let after = &rest[start + PLACEHOLDER.len()..];
            match after.find('}') {
                Some(end) => {
                    found.insert(after[..end].to_string());
                    rest = &after[end..];
                }
                None => break,
            }
        }
    });
    found
}

fn walk_strings(value: &Value, visit: &mut dyn FnMut(&str)) {
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter().for_each(|item| walk_strings(item, visit)),
        Value::Object(map) => map.values().for_each(|item| walk_strings(item, visit)),
        _ => {}
    }
}

/// `value` with every `${trialParameters.X}` replaced by `values[X]` (string by string, so a
/// value with quotes can't break the structure).
pub fn substitute(value: &Value, values: &HashMap<String, String>) -> Value {
    match value {
        Value::String(text) if text.contains(PLACEHOLDER) => {
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(start) = rest.find(PLACEHOLDER) {
                out.push_str(&rest[..start]);
                let after = &rest[start + PLACEHOLDER.len()..];
                match after.find('}') {
                    Some(end) => {
                        let name = &after[..end];
                        match values.get(name) {
                            Some(replacement) => out.push_str(replacement),
                            None => out.push_str(&rest[start..start + PLACEHOLDER.len() + end + 1]),
                        }
                        rest = &after[end + 1..];
                    }
                    None => {
                        out.push_str(&rest[start..]);
                        rest = "";
                    }
                }
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, values)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), substitute(item, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether `reference` names the trial's own metadata, as Katib allows:
/// `${trialSpec.Name}`, `.Namespace`, `.Kind`, `.APIVersion`, `.Labels[key]`,
/// `.Annotations[key]`.
fn meta_reference(reference: &str) -> bool {
    let Some(inner) = reference
        .strip_prefix("${trialSpec.")
        .and_then(|r| r.strip_suffix('}'))
    else {
        return false;
    };
    matches!(inner, "Name" | "Namespace" | "Kind" | "APIVersion")
        || (inner.starts_with("Labels[") || inner.starts_with("Annotations["))
            && inner.ends_with(']')
}

/// The value of a metadata reference for a trial of `trial_spec` named `trial`.
pub fn meta_value(
    reference: &str,
    trial: &str,
    namespace: &str,
    trial_spec: &Value,
) -> Option<String> {
    let inner = reference.strip_prefix("${trialSpec.")?.strip_suffix('}')?;
    let text = |pointer: &str| {
        trial_spec
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match inner {
        "Name" => Some(trial.to_string()),
        "Namespace" => Some(namespace.to_string()),
        "Kind" => text("/kind"),
        "APIVersion" => text("/apiVersion"),
        _ => {
            let (map, key) = if let Some(key) = inner.strip_prefix("Labels[") {
                ("labels", key)
            } else {
                ("annotations", inner.strip_prefix("Annotations[")?)
            };
            let key = key.strip_suffix(']')?;
            trial_spec
                .get("metadata")?
                .get(map)?
                .get(key)?
                .as_str()
                .map(str::to_owned)
        }
    }
}

/// Reads `spec.trialTemplate` of an experiment in `namespace`: `available` are the assignment
/// names its suggestions will give (parameters, or what a NAS algorithm produces).
pub fn read(
    store: &Store,
    namespace: &str,
    template: Option<&Value>,
    available: &[String],
) -> Result<Template, String> {
    let template = template
        .filter(|t| t.is_object())
        .ok_or("spec.trialTemplate: an experiment needs a trial template")?;
    let trial_spec = match (template.get("trialSpec"), template.get("configMap")) {
        (Some(spec), _) if !spec.is_null() => spec.clone(),
        (_, Some(source)) if !source.is_null() => from_config_map(store, namespace, source)?,
        _ => {
            return Err(
                "spec.trialTemplate: give the trial's job as trialSpec, or a configMap to read it from"
                    .into(),
            );
        }
    };
    if !trial_spec.is_object()
        || trial_spec.get("kind").and_then(Value::as_str).is_none()
        || trial_spec
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_none()
    {
        return Err(
            "spec.trialTemplate.trialSpec: the trial's job must be an object with apiVersion and kind"
                .into(),
        );
    }
    let mut parameters: Vec<(String, String)> = Vec::new();
    for (index, parameter) in template
        .get("trialParameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let field = format!("spec.trialTemplate.trialParameters[{index}]");
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| format!("{field}.name: a trial parameter needs a name"))?;
        let reference = parameter
            .get("reference")
            .and_then(Value::as_str)
            .unwrap_or(name);
        if parameters.iter().any(|(known, _)| known == name) {
            return Err(format!("{field}.name: {name:?} is given twice"));
        }
        if !available.iter().any(|known| known == reference) && !meta_reference(reference) {
            return Err(format!(
                "{field}.reference: {reference:?} is not a parameter of the experiment (it has {})",
                if available.is_empty() {
                    "none".to_string()
                } else {
                    available.join(", ")
                }
            ));
        }
        parameters.push((name.to_string(), reference.to_string()));
    }
    let used = placeholders(&trial_spec);
    if let Some(unknown) = used
        .iter()
        .find(|name| !parameters.iter().any(|(known, _)| known == *name))
    {
        return Err(format!(
            "spec.trialTemplate.trialSpec uses ${{trialParameters.{unknown}}}, which spec.trialTemplate.trialParameters does not define"
        ));
    }
    if let Some((unused, _)) = parameters.iter().find(|(name, _)| !used.contains(name)) {
        return Err(format!(
            "spec.trialTemplate.trialParameters: {unused:?} is never used as ${{trialParameters.{unused}}} in the trial spec"
        ));
    }
    Ok(Template {
        trial_spec,
        parameters,
    })
}

fn from_config_map(store: &Store, namespace: &str, source: &Value) -> Result<Value, String> {
    let field = |key: &str| {
        source
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let name = field("configMapName")
        .ok_or("spec.trialTemplate.configMap.configMapName: name the ConfigMap")?;
    let config_namespace = field("configMapNamespace").unwrap_or(namespace);
    let path = field("templatePath")
        .ok_or("spec.trialTemplate.configMap.templatePath: name the key that holds the template")?;
    let config_map = store
        .get(resource("", "v1", "configmaps"), config_namespace, name)
        .map_err(|_| {
            format!("spec.trialTemplate.configMap: ConfigMap {config_namespace}/{name} not found")
        })?;
    let text = config_map
        .get("data")
        .and_then(|data| data.get(path))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            format!("spec.trialTemplate.configMap: ConfigMap {config_namespace}/{name} has no key {path:?}")
        })?;
    serde_saphyr::from_str::<Value>(text).map_err(|error| {
        format!("spec.trialTemplate.configMap: {path:?} in ConfigMap {config_namespace}/{name} is not valid YAML: {error}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": { "labels": { "team": "vision" } },
            "spec": { "template": { "spec": { "containers": [{
                "name": "main",
                "command": ["python", "--lr=${trialParameters.learningRate}", "--name=${trialParameters.self} ${trialParameters.team}"],
            }] } } },
        })
    }

    fn template() -> Value {
        json!({
            "trialSpec": spec(),
            "trialParameters": [
                { "name": "learningRate", "reference": "lr" },
                { "name": "self", "reference": "${trialSpec.Name}" },
                { "name": "team", "reference": "${trialSpec.Labels[team]}" },
            ],
        })
    }

    #[test]
    fn placeholders_are_found_and_substituted() {
        let store = Store::new(10);
        let read = read(&store, "ns", Some(&template()), &["lr".into()]).unwrap();
        assert_eq!(
            placeholders(&read.trial_spec),
            BTreeSet::from(["learningRate".into(), "self".into(), "team".into()])
        );
        let values = HashMap::from([
            ("learningRate".to_string(), "0.01".to_string()),
            (
                "self".to_string(),
                meta_value("${trialSpec.Name}", "t-1", "ns", &spec()).unwrap(),
            ),
            (
                "team".to_string(),
                meta_value("${trialSpec.Labels[team]}", "t-1", "ns", &spec()).unwrap(),
            ),
        ]);
        let done = substitute(&read.trial_spec, &values);
        assert_eq!(
            done.pointer("/spec/template/spec/containers/0/command"),
            Some(&json!(["python", "--lr=0.01", "--name=t-1 vision"]))
        );
        assert!(placeholders(&done).is_empty());
    }

    #[test]
    fn templates_that_do_not_add_up_are_refused() {
        let store = Store::new(10);
        let mut unknown_reference = template();
        unknown_reference["trialParameters"][0]["reference"] = json!("learning_rate");
        let why = read(&store, "ns", Some(&unknown_reference), &["lr".into()]).unwrap_err();
        assert!(
            why.contains("\"learning_rate\" is not a parameter"),
            "{why}"
        );

        let mut undefined = template();
        undefined["trialParameters"]
            .as_array_mut()
            .unwrap()
            .remove(2);
        let why = read(&store, "ns", Some(&undefined), &["lr".into()]).unwrap_err();
        assert!(why.contains("${trialParameters.team}"), "{why}");

        let mut unused = template();
        unused["trialParameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "name": "spare", "reference": "lr" }));
        let why = read(&store, "ns", Some(&unused), &["lr".into()]).unwrap_err();
        assert!(why.contains("\"spare\" is never used"), "{why}");

        let why = read(&store, "ns", Some(&json!({ "trialParameters": [] })), &[]).unwrap_err();
        assert!(why.contains("trialSpec"), "{why}");
    }

    #[test]
    fn a_template_can_live_in_a_config_map() {
        let store = Store::new(10);
        let namespaces = resource("", "v1", "namespaces");
        store
            .create(
                namespaces,
                "",
                json!({ "metadata": { "name": "ns" } }),
                &Default::default(),
            )
            .unwrap();
        let yaml = "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        args: [\"--lr=${trialParameters.learningRate}\"]\n";
        store
            .create(
                resource("", "v1", "configmaps"),
                "ns",
                json!({ "metadata": { "name": "templates" }, "data": { "job.yaml": yaml } }),
                &Default::default(),
            )
            .unwrap();
        let source = json!({
            "configMap": { "configMapName": "templates", "templatePath": "job.yaml" },
            "trialParameters": [{ "name": "learningRate", "reference": "lr" }],
        });
        let read = read(&store, "ns", Some(&source), &["lr".into()]).unwrap();
        assert_eq!(read.trial_spec["kind"], "Job");
        let missing = json!({
            "configMap": { "configMapName": "templates", "templatePath": "other.yaml" },
            "trialParameters": [],
        });
        let why = super::read(&store, "ns", Some(&missing), &[]).unwrap_err();
        assert!(why.contains("has no key \"other.yaml\""), "{why}");
    }
}
