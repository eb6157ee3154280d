//! Editing a stopped notebook: the spawner's object for the edited form laid onto the existing
//! object, so what the form controls changes and everything else stays as it was.

use crate::domain::spawner::{
    HEADERS_ANNOTATION, RESERVED_ENV, REWRITE_URI_ANNOTATION, SERVER_TYPE_ANNOTATION, SHM_MOUNT,
};
use crate::model::SpawnerConfig;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Annotations the spawner derives from the server type; the others (creator, stopped, last
/// activity…) are the existing object's.
const SERVER_TYPE_ANNOTATIONS: [&str; 3] = [
    SERVER_TYPE_ANNOTATION,
    REWRITE_URI_ANNOTATION,
    HEADERS_ANNOTATION,
];

/// `existing` with what `edited` (a [`crate::domain::spawner::notebook_object`]) sets: the
/// first container's image, pull policy, resources, environment and mounts, the pod's volumes,
/// affinity and tolerations, the configuration labels and the server-type annotations.
///
/// What the form can't express is kept rather than lost: volumes other than claims and shared
/// memory (with their mounts), variables from references, resources other than CPU, memory and
/// the config's GPUs, and an affinity or tolerations that match no preset while the form picks
/// none. The resourceVersion stays, so a concurrent change makes the write a conflict.
pub fn apply_edit(existing: &Value, edited: &Value, config: &SpawnerConfig) -> Value {
    let mut merged = existing.clone();
    let metadata = object_at(&mut merged, &["metadata"]);
    // Sending managedFields back would overwrite the server's record of who owns what.
    metadata.remove("managedFields");
    let labels = object_at(&mut merged, &["metadata", "labels"]);
    labels.retain(|key, value| !is_configuration(key, value));
    labels.extend(
        entries(edited, "/metadata/labels").filter(|(key, value)| is_configuration(key, value)),
    );
    let annotations = object_at(&mut merged, &["metadata", "annotations"]);
    annotations.retain(|key, _| !SERVER_TYPE_ANNOTATIONS.contains(&key.as_str()));
    annotations.extend(
        entries(edited, "/metadata/annotations")
            .filter(|(key, _)| SERVER_TYPE_ANNOTATIONS.contains(&key.as_str())),
    );

    let old_pod = existing
        .pointer("/spec/template/spec")
        .cloned()
        .unwrap_or_default();
    let new_pod = edited
        .pointer("/spec/template/spec")
        .cloned()
        .unwrap_or_default();
    let pod = object_at(&mut merged, &["spec", "template", "spec"]);
    let old_container = old_pod.pointer("/containers/0").cloned();
    let new_container = new_pod
        .pointer("/containers/0")
        .cloned()
        .unwrap_or_default();
    let container = match old_container {
        Some(old) => edit_container(&old, &new_container, &old_pod, &new_pod, config),
        None => new_container,
    };
    let containers = pod
        .entry("containers")
        .or_insert_with(|| Value::Array(Vec::new()));
    match containers.as_array_mut() {
        Some(all) if !all.is_empty() => all[0] = container,
        _ => *containers = Value::Array(vec![container]),
    }
    pod.insert(
        "volumes".into(),
        Value::Array(
            list(&new_pod, "volumes")
                .into_iter()
                .chain(kept_volumes(&old_pod, &new_pod))
                .collect(),
        ),
    );
    let affinity_presets: Vec<Value> = config
        .affinity_config
        .options
        .iter()
        .map(|option| option.affinity.clone())
        .collect();
    let toleration_presets: Vec<Value> = config
        .toleration_group
        .options
        .iter()
        .map(|option| Value::Array(option.tolerations.clone()))
        .collect();
    for (key, presets) in [
        ("affinity", affinity_presets),
        ("tolerations", toleration_presets),
    ] {
        let old = old_pod.get(key).filter(|value| !is_empty(value));
        let custom = old.is_some_and(|old| !presets.contains(old));
        match new_pod.get(key).filter(|value| !is_empty(value)) {
            Some(value) => {
                pod.insert(key.into(), value.clone());
            }
            None if custom => {}
            None => {
                pod.remove(key);
            }
        }
    }
    merged
}

/// A PodDefault label, as [`crate::domain::spawner::form_from_notebook`] reads them.
fn is_configuration(key: &str, value: &Value) -> bool {
    key != "app" && value.as_str() == Some("true")
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

fn entries(value: &Value, pointer: &str) -> impl Iterator<Item = (String, Value)> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
        .into_iter()
}

fn list(value: &Value, key: &str) -> Vec<Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The object at `path`, made an empty one when it is missing or not an object.
fn object_at<'a>(value: &'a mut Value, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut here = value;
    for key in path {
        if !here.is_object() {
            *here = Value::Object(Map::new());
        }
        here = here
            .as_object_mut()
            .expect("made an object above")
            .entry(*key)
            .or_insert(Value::Null);
    }
    if !here.is_object() {
        *here = Value::Object(Map::new());
    }
    here.as_object_mut().expect("made an object above")
}

/// Whether the form owns a pod volume: a claim, or the in-memory volume at /dev/shm.
fn form_owns(volume: &Value, pod: &Value) -> bool {
    if volume.get("persistentVolumeClaim").is_some() {
        return true;
    }
    let in_memory = volume.pointer("/emptyDir/medium").and_then(Value::as_str) == Some("Memory");
    in_memory
        && pod
            .pointer("/containers/0/volumeMounts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|mount| mount["name"] == volume["name"] && text(mount, "mountPath") == SHM_MOUNT)
}

/// The existing volumes the form doesn't own, unless an edited volume took their name.
fn kept_volumes(old_pod: &Value, new_pod: &Value) -> Vec<Value> {
    let taken: BTreeSet<String> = list(new_pod, "volumes")
        .iter()
        .map(|volume| text(volume, "name").to_string())
        .collect();
    list(old_pod, "volumes")
        .into_iter()
        .filter(|volume| !form_owns(volume, old_pod) && !taken.contains(text(volume, "name")))
        .collect()
}

fn edit_container(
    old: &Value,
    new: &Value,
    old_pod: &Value,
    new_pod: &Value,
    config: &SpawnerConfig,
) -> Value {
    let mut container = old.clone();
    let fields = object_at(&mut container, &[]);
    for key in ["image", "imagePullPolicy"] {
        match new.get(key) {
            Some(value) => fields.insert(key.into(), value.clone()),
            None => fields.remove(key),
        };
    }

    let owned_resource = |key: &str| {
        key == "cpu"
            || key == "memory"
            || config
                .gpus
                .value
                .vendors
                .iter()
                .any(|vendor| vendor.limits_key == key)
    };
    let resources = object_at(fields.entry("resources").or_insert(Value::Null), &[]);
    for part in ["requests", "limits"] {
        let mut values = entries(old, &format!("/resources/{part}"))
            .filter(|(key, _)| !owned_resource(key))
            .collect::<Map<_, _>>();
        values.extend(entries(new, &format!("/resources/{part}")));
        if values.is_empty() {
            resources.remove(part);
        } else {
            resources.insert(part.into(), Value::Object(values));
        }
    }

    // Variables the form can't show (from a reference, or the controller's own) stay.
    let env = list(new, "env");
    let named: BTreeSet<&str> = env.iter().map(|variable| text(variable, "name")).collect();
    let kept_env: Vec<Value> = list(old, "env")
        .into_iter()
        .filter(|variable| {
            let expressible = variable.get("value").is_some_and(Value::is_string)
                && text(variable, "name") != RESERVED_ENV;
            !expressible && !named.contains(text(variable, "name"))
        })
        .collect();
    fields.insert("env".into(), env.into_iter().chain(kept_env).collect());

    // Mounts of kept volumes stay, unless an edited mount took their path.
    let mounts = list(new, "volumeMounts");
    let kept: BTreeSet<String> = kept_volumes(old_pod, new_pod)
        .iter()
        .map(|volume| text(volume, "name").to_string())
        .collect();
    let paths: BTreeSet<&str> = mounts
        .iter()
        .map(|mount| text(mount, "mountPath"))
        .collect();
    let kept_mounts: Vec<Value> = list(old, "volumeMounts")
        .into_iter()
        .filter(|mount| {
            kept.contains(text(mount, "name")) && !paths.contains(text(mount, "mountPath"))
        })
        .collect();
    fields.insert(
        "volumeMounts".into(),
        mounts.into_iter().chain(kept_mounts).collect(),
    );
    container
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notebook_status::STOPPED_ANNOTATION;
    use crate::domain::spawner::{form_from_notebook, notebook_object, validate};
    use serde_json::json;

    fn config() -> SpawnerConfig {
        serde_json::from_value(json!({
            "allowCustomImage": true,
            "image": { "value": "jupyter:1", "options": ["jupyter:1", "jupyter:2"] },
            "cpu": { "value": "0.5", "limitFactor": "none" },
            "memory": { "value": "1Gi", "limitFactor": "none" },
            "gpus": { "value": { "vendors": [{ "limitsKey": "nvidia.com/gpu", "uiName": "NVIDIA" }] } },
            "affinityConfig": { "value": "", "options": [
                { "configKey": "big", "displayName": "Big nodes", "affinity": { "nodeAffinity": { "size": "big" } } }
            ] },
            "shm": { "value": true },
        }))
        .expect("test config parses")
    }

    /// A stopped notebook as kubectl might have left it: a sidecar, a configMap mount, a
    /// variable from a secret, an ephemeral-storage limit, a custom toleration.
    fn existing() -> Value {
        json!({
            "apiVersion": "kubeflow.org/v1",
            "kind": "Notebook",
            "metadata": {
                "name": "lab",
                "namespace": "team",
                "resourceVersion": "42",
                "managedFields": [{ "manager": "kubectl" }],
                "labels": { "app": "lab", "old-poddefault": "true", "team": "ml" },
                "annotations": {
                    STOPPED_ANNOTATION: "2026-11-01T09:00:00Z",
                    "notebooks.kubeflow.org/creator": "first@example.com",
                    "notebooks.kubeflow.org/server-type": "jupyter",
                    "example.com/note": "keep me",
                },
            },
            "spec": { "template": { "spec": {
                "serviceAccountName": "default-editor",
                "containers": [
                    {
                        "name": "lab",
                        "image": "jupyter:1",
                        "imagePullPolicy": "IfNotPresent",
                        "resources": {
                            "requests": { "cpu": "500m", "memory": "1Gi" },
                            "limits": { "cpu": "500m", "nvidia.com/gpu": "1", "ephemeral-storage": "2Gi" },
                        },
                        "env": [
                            { "name": "OLD", "value": "x" },
                            { "name": "TOKEN", "valueFrom": { "secretKeyRef": { "name": "s", "key": "k" } } },
                        ],
                        "volumeMounts": [
                            { "name": "dshm", "mountPath": "/dev/shm" },
                            { "name": "lab-workspace", "mountPath": "/home/jovyan" },
                            { "name": "settings", "mountPath": "/etc/lab" },
                        ],
                    },
                    { "name": "sidecar", "image": "proxy:1", "volumeMounts": [{ "name": "settings", "mountPath": "/etc/lab" }] },
                ],
                "volumes": [
                    { "name": "dshm", "emptyDir": { "medium": "Memory" } },
                    { "name": "lab-workspace", "persistentVolumeClaim": { "claimName": "lab-workspace" } },
                    { "name": "settings", "configMap": { "name": "lab-settings" } },
                ],
                "tolerations": [{ "key": "custom", "operator": "Exists" }],
            } } },
            "status": { "readyReplicas": 0 },
        })
    }

    fn edited(change: impl FnOnce(&mut crate::model::NotebookForm)) -> Value {
        let config = config();
        let mut form = form_from_notebook(&existing(), &config);
        change(&mut form);
        let valid = validate(&form, &config, &[]).expect("the edited form is valid");
        notebook_object(&valid, &config, "team", "editor@example.com")
    }

    #[test]
    fn what_the_form_sets_changes() {
        let new = edited(|form| {
            form.image = Some("jupyter:2".into());
            form.cpu = Some("2".into());
            form.cpu_limit = None;
            form.gpus = None;
            form.configurations = Some(vec!["new-poddefault".into()]);
            form.shm = Some(false);
            form.affinity = Some("big".into());
        });
        let merged = apply_edit(&existing(), &new, &config());
        let container = &merged["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["image"], "jupyter:2");
        assert_eq!(container["resources"]["requests"]["cpu"], "2");
        assert_eq!(
            container["resources"]["limits"],
            json!({ "ephemeral-storage": "2Gi" }),
            "CPU and GPU limits are the form's, the rest stays"
        );
        let labels = &merged["metadata"]["labels"];
        assert_eq!(labels["new-poddefault"], "true");
        assert!(labels.get("old-poddefault").is_none());
        assert_eq!(labels["team"], "ml");
        let pod = &merged["spec"]["template"]["spec"];
        assert!(
            !pod["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["name"] == "dshm"),
            "shared memory turned off: {pod}"
        );
        assert_eq!(
            pod["affinity"],
            json!({ "nodeAffinity": { "size": "big" } })
        );
    }

    #[test]
    fn what_the_form_cannot_express_is_kept() {
        let merged = apply_edit(&existing(), &edited(|_| {}), &config());
        let metadata = &merged["metadata"];
        assert_eq!(metadata["resourceVersion"], "42");
        assert!(metadata.get("managedFields").is_none());
        assert_eq!(
            metadata["annotations"][STOPPED_ANNOTATION],
            "2026-11-01T09:00:00Z"
        );
        assert_eq!(
            metadata["annotations"]["notebooks.kubeflow.org/creator"],
            "first@example.com"
        );
        assert_eq!(metadata["annotations"]["example.com/note"], "keep me");
        let pod = &merged["spec"]["template"]["spec"];
        assert_eq!(pod["containers"][1]["name"], "sidecar");
        assert_eq!(pod["containers"][0]["name"], "lab");
        assert_eq!(
            pod["tolerations"],
            existing()["spec"]["template"]["spec"]["tolerations"]
        );
        let names = |key: &str| -> Vec<String> {
            pod[key]
                .as_array()
                .or_else(|| pod["containers"][0][key].as_array())
                .unwrap()
                .iter()
                .map(|item| item["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names("volumes"), ["lab-workspace", "dshm", "settings"]);
        assert_eq!(names("volumeMounts"), ["lab-workspace", "dshm", "settings"]);
        assert_eq!(names("env"), ["OLD", "TOKEN"]);
        // Nothing changed, so editing again gives the same object.
        let again = apply_edit(&merged, &edited(|_| {}), &config());
        assert_eq!(again, merged);
    }

    #[test]
    fn a_new_server_type_brings_its_annotations() {
        let new = edited(|form| {
            form.server_type = crate::model::ServerType::GroupTwo;
            form.image = Some("rstudio:1".into());
        });
        let merged = apply_edit(&existing(), &new, &config());
        let annotations = &merged["metadata"]["annotations"];
        assert_eq!(annotations[SERVER_TYPE_ANNOTATION], "group-two");
        assert_eq!(annotations[REWRITE_URI_ANNOTATION], "/");
        assert!(annotations[HEADERS_ANNOTATION].is_string());
        assert_eq!(annotations[STOPPED_ANNOTATION], "2026-11-01T09:00:00Z");
    }
}
