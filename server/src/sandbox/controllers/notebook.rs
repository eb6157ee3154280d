//! Notebook → its pod, whose status moves through the phases a real one shows, with events
//! along the way; and the notebook's status mirrored from the pod.

use super::{Controllers, options, owner_reference, record_event, resource};
use crate::sandbox::store::{self, DeleteOptions, Part};
use serde_json::{Value, json};
use std::sync::Arc;

/// Kubeflow's annotation that scales a notebook to zero.
pub const STOPPED_ANNOTATION: &str = "kubeflow-resource-stopped";

/// GPUs the sandbox's one simulated node has: asking for more leaves the pod unschedulable.
const NODE_GPUS: i64 = 1;

fn pod_name(notebook: &str) -> String {
    format!("{notebook}-0")
}

pub fn reconcile(controllers: &Arc<Controllers>, namespace: &str, name: &str) {
    let store = &controllers.store;
    let notebooks = resource("kubeflow.org", "v1", "notebooks");
    let pods = resource("", "v1", "pods");
    let pod_name = pod_name(name);
    let Ok(notebook) = store.get(notebooks, namespace, name) else {
        return;
    };
    let stopped = notebook
        .pointer(&format!("/metadata/annotations/{STOPPED_ANNOTATION}"))
        .is_some();
    let pod = store.get(pods, namespace, &pod_name).ok();
    match (&pod, stopped) {
        (Some(_), true) => {
            let _ = store.delete(pods, namespace, &pod_name, &DeleteOptions::default());
            record_event(
                store,
                &notebook,
                "Notebook",
                "Normal",
                "Stopped",
                "the notebook server was stopped; its pod was deleted",
            );
        }
        (None, false) if notebook.pointer("/metadata/deletionTimestamp").is_none() => {
            if let Ok(created) =
                store.create(pods, namespace, new_pod(&notebook, &pod_name), &options())
            {
                advance_later(controllers, &created);
            }
        }
        (Some(pod), false) => advance_later(controllers, pod),
        _ => {}
    }
    mirror_status(controllers, namespace, name);
}

fn gpu_request(notebook: &Value) -> i64 {
    let containers = notebook
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array);
    containers
        .into_iter()
        .flatten()
        .filter_map(|container| container.pointer("/resources/limits"))
        .filter_map(Value::as_object)
        .flat_map(|limits| limits.iter().filter(|(key, _)| key.ends_with("/gpu")))
        .filter_map(|(_, value)| {
            value
                .as_str()
                .and_then(|v| v.parse::<i64>().ok())
                .or_else(|| value.as_i64())
        })
        .sum()
}

fn new_pod(notebook: &Value, pod_name: &str) -> Value {
    let name = store::meta_str(notebook, "name").unwrap_or_default();
    let mut spec = notebook
        .pointer("/spec/template/spec")
        .cloned()
        .unwrap_or_else(|| json!({ "containers": [] }));
    if spec
        .get("containers")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        spec["containers"] = json!([{ "name": name, "image": "unknown" }]);
    }
    spec["hostname"] = json!(pod_name);
    json!({
        "metadata": {
            "name": pod_name,
            "labels": { "notebook-name": name, "statefulset": name, "statefulset.kubernetes.io/pod-name": pod_name },
            "ownerReferences": owner_reference(notebook),
        },
        "spec": spec,
        "status": { "phase": "Pending", "conditions": [] },
    })
}

/// A pod the scheduler gave up on stays Pending until its notebook changes and the pod is
/// made anew; re-stepping it would repeat the FailedScheduling event forever.
fn unschedulable(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c["type"] == "PodScheduled" && c["reason"] == "Unschedulable")
        })
}

/// Schedules the pod's next phase once (timers are keyed by pod uid).
fn advance_later(controllers: &Arc<Controllers>, pod: &Value) {
    let Some(uid) = store::meta_str(pod, "uid").map(str::to_owned) else {
        return;
    };
    if pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running") || unschedulable(pod)
    {
        return;
    }
    if !controllers
        .timers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(uid.clone())
    {
        return;
    }
    let controllers = controllers.clone();
    let namespace = store::meta_str(pod, "namespace")
        .unwrap_or_default()
        .to_string();
    let name = store::meta_str(pod, "name").unwrap_or_default().to_string();
    tokio::spawn(async move {
        tokio::time::sleep(controllers.pace.step).await;
        controllers
            .timers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&uid);
        step(&controllers, &namespace, &name, &uid);
    });
}

/// One phase forward: scheduled (or unschedulable) → creating → running.
fn step(controllers: &Arc<Controllers>, namespace: &str, name: &str, uid: &str) {
    let store = &controllers.store;
    let pods = resource("", "v1", "pods");
    let Ok(pod) = store.get(pods, namespace, name) else {
        return;
    };
    if store::meta_str(&pod, "uid") != Some(uid) {
        return;
    }
    let notebook_name = pod
        .pointer("/metadata/labels/notebook-name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let notebook = store
        .get(
            resource("kubeflow.org", "v1", "notebooks"),
            namespace,
            &notebook_name,
        )
        .ok();
    let now = store::now_rfc3339();
    let containers: Vec<Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let container_status = |state: Value, ready: bool| -> Value {
        Value::Array(
            containers
                .iter()
                .map(|container| {
                    json!({
                        "name": container["name"],
                        "image": container["image"],
                        "ready": ready,
                        "started": ready,
                        "restartCount": 0,
                        "state": state,
                    })
                })
                .collect(),
        )
    };
    let scheduled = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c["type"] == "PodScheduled" && c["status"] == "True")
        });
    let status = if !scheduled {
        let wanted = notebook.as_ref().map_or(0, gpu_request);
        if wanted > NODE_GPUS {
            let message = format!(
                "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. (requested {wanted}, the sandbox node has {NODE_GPUS})"
            );
            record_event(store, &pod, "Pod", "Warning", "FailedScheduling", &message);
            json!({
                "phase": "Pending",
                "conditions": [{ "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message, "lastTransitionTime": now }],
            })
        } else {
            record_event(
                store,
                &pod,
                "Pod",
                "Normal",
                "Scheduled",
                &format!("Successfully assigned {namespace}/{name} to sandbox-node"),
            );
            let image = containers
                .first()
                .and_then(|c| c["image"].as_str())
                .unwrap_or("unknown");
            record_event(
                store,
                &pod,
                "Pod",
                "Normal",
                "Pulling",
                &format!("Pulling image \"{image}\""),
            );
            json!({
                "phase": "Pending",
                "conditions": [{ "type": "PodScheduled", "status": "True", "lastTransitionTime": now }],
                "containerStatuses": container_status(json!({ "waiting": { "reason": "ContainerCreating" } }), false),
            })
        }
    } else {
        record_event(store, &pod, "Pod", "Normal", "Started", "Started container");
        json!({
            "phase": "Running",
            "startTime": now,
            "podIP": "10.0.0.10",
            "conditions": [
                { "type": "PodScheduled", "status": "True", "lastTransitionTime": now },
                { "type": "Initialized", "status": "True", "lastTransitionTime": now },
                { "type": "ContainersReady", "status": "True", "lastTransitionTime": now },
                { "type": "Ready", "status": "True", "lastTransitionTime": now },
            ],
            "containerStatuses": container_status(json!({ "running": { "startedAt": now } }), true),
        })
    };
    let unschedulable = status["conditions"][0]["reason"] == "Unschedulable";
    if let Ok(updated) = store.modify(pods, namespace, name, Part::Status, &options(), |current| {
        let mut next = current.clone();
        next["status"] = status;
        Ok(next)
    }) {
        // Unschedulable stays so until the notebook changes (its pod is then recreated).
        if !unschedulable {
            advance_later(controllers, &updated);
        }
    }
}

/// Notebook status as Kubeflow's controller reports it: ready replicas, container state and
/// the pod's conditions.
fn mirror_status(controllers: &Arc<Controllers>, namespace: &str, name: &str) {
    let store = &controllers.store;
    let pod = store
        .get(resource("", "v1", "pods"), namespace, &pod_name(name))
        .ok();
    let ready = pod
        .as_ref()
        .is_some_and(|pod| pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running"));
    let status = json!({
        "readyReplicas": i32::from(ready),
        "containerState": pod.as_ref().and_then(|pod| pod.pointer("/status/containerStatuses/0/state")).cloned().unwrap_or_else(|| json!({})),
        "conditions": pod.as_ref().and_then(|pod| pod.pointer("/status/conditions")).cloned().unwrap_or_else(|| json!([])),
    });
    let notebooks = resource("kubeflow.org", "v1", "notebooks");
    let Ok(current) = store.get(notebooks, namespace, name) else {
        return;
    };
    if current.get("status") == Some(&status) {
        return;
    }
    let _ = store.modify(
        notebooks,
        namespace,
        name,
        Part::Status,
        &options(),
        |current| {
            let mut next = current.clone();
            next["status"] = status;
            Ok(next)
        },
    );
}

/// The log of a simulated notebook pod: what Jupyter prints when it starts.
pub fn pod_log(pod: &Value) -> String {
    let name = pod
        .pointer("/metadata/labels/notebook-name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let namespace = store::meta_str(pod, "namespace").unwrap_or_default();
    let Some(started) = pod.pointer("/status/startTime").and_then(Value::as_str) else {
        return String::new();
    };
    [
        format!("{started} [I ServerApp] jupyter_lsp | extension was successfully linked."),
        format!("{started} [I ServerApp] Serving notebooks from local directory: /home/jovyan"),
        format!("{started} [I ServerApp] Jupyter Server is running at:"),
        format!("{started} [I ServerApp] http://{name}-0:8888/notebook/{namespace}/{name}/lab"),
        format!(
            "{started} [I ServerApp] Use Control-C to stop this server and shut down all kernels."
        ),
    ]
    .join("\n")
        + "\n"
}
