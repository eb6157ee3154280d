//! Notebook → its pod, whose status moves through the phases a real one shows, with events
//! along the way; and the notebook's status mirrored from the pod.

use super::{Controllers, options, owner_reference, record_event, resource, write_status};
use crate::sandbox::store::{self, DeleteOptions};
use serde_json::{Value, json};
use std::sync::Arc;

/// Kubeflow's annotation that scales a notebook to zero.
pub use app::domain::notebook_status::STOPPED_ANNOTATION;

/// The accelerator keys the simulated node offers (`node_gpus` of each): asking for more of
/// one leaves the pod unschedulable.
const GPU_KEYS: [&str; 3] = ["nvidia.com/gpu", "amd.com/gpu", "habana.ai/gaudi"];

/// Images whose name holds this can't be pulled, to show what a typo in an image looks like.
const MISSING_IMAGE: &str = "doesnotexist";

/// The StatefulSet label that says which template a pod was made from.
const REVISION_LABEL: &str = "controller-revision-hash";

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
    let deleting = notebook.pointer("/metadata/deletionTimestamp").is_some();
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
        // A changed template makes a new pod, as the StatefulSet's rolling update does; that
        // is also how a pod stuck unschedulable or on a missing image gets another chance.
        (Some(pod), false) if !deleting && outdated(pod, &notebook) => {
            let _ = store.delete(pods, namespace, &pod_name, &DeleteOptions::default());
            create_pod(controllers, &notebook, &pod_name);
        }
        (None, false) if !deleting => create_pod(controllers, &notebook, &pod_name),
        (Some(pod), false) => advance_later(controllers, pod),
        _ => {}
    }
    mirror_status(controllers, namespace, name);
}

/// Creates the notebook's pod unless a ResourceQuota refuses it; then the refusal is a
/// FailedCreate event on the notebook, retried when the notebook or a quota changes.
fn create_pod(controllers: &Arc<Controllers>, notebook: &Value, pod_name: &str) {
    let store = &controllers.store;
    let namespace = store::meta_str(notebook, "namespace").unwrap_or_default();
    let pod = new_pod(notebook, pod_name);
    if let Err(refusal) = super::quota::admit(store, namespace, &pod) {
        record_event(
            store,
            notebook,
            "Notebook",
            "Warning",
            "FailedCreate",
            &refusal,
        );
        return;
    }
    if let Ok(created) = store.create(resource("", "v1", "pods"), namespace, pod, &options()) {
        advance_later(controllers, &created);
    }
}

/// A short, stable digest of the notebook's pod template (FNV-1a of its JSON, keys sorted so
/// that only a change of content changes it).
fn revision(notebook: &Value) -> String {
    fn canonical(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for key in keys {
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    canonical(&map[key], out);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for item in items {
                    canonical(item, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut template = String::new();
    if let Some(value) = notebook.pointer("/spec/template") {
        canonical(value, &mut template);
    }
    let hash = template
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    let name = store::meta_str(notebook, "name").unwrap_or_default();
    format!("{name}-{:010x}", hash & 0xff_ffff_ffff)
}

/// Made from an older template. Pods saved by an older sandbox carry no revision: left alone.
fn outdated(pod: &Value, notebook: &Value) -> bool {
    pod.pointer(&format!("/metadata/labels/{REVISION_LABEL}"))
        .and_then(Value::as_str)
        .is_some_and(|made_from| made_from != revision(notebook))
}

/// GPUs the pod asks for, per accelerator key the node offers (limits, or requests when only
/// those are set).
fn gpu_requests(pod: &Value) -> Vec<(&'static str, u64)> {
    let containers = pod.pointer("/spec/containers").and_then(Value::as_array);
    GPU_KEYS
        .into_iter()
        .map(|key| {
            let count = |container: &Value, kind: &str| {
                let value = container.get("resources")?.get(kind)?.get(key)?;
                value
                    .as_u64()
                    .or_else(|| value.as_str()?.trim().parse().ok())
            };
            let wanted = containers
                .into_iter()
                .flatten()
                .filter_map(|c| count(c, "limits").or_else(|| count(c, "requests")))
                .sum();
            (key, wanted)
        })
        .filter(|(_, wanted)| *wanted > 0)
        .collect()
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
            "labels": {
                "notebook-name": name,
                "statefulset": name,
                "statefulset.kubernetes.io/pod-name": pod_name,
                REVISION_LABEL: revision(notebook),
            },
            "ownerReferences": owner_reference(notebook),
        },
        "spec": spec,
        "status": { "phase": "Pending", "conditions": [] },
    })
}

/// A pod the scheduler gave up on, or whose image can't be pulled, stays so until its notebook
/// changes and the pod is made anew; stepping it again would repeat its events forever.
fn stuck(pod: &Value) -> bool {
    let unschedulable = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c["type"] == "PodScheduled" && c["reason"] == "Unschedulable")
        });
    unschedulable || waiting(pod, "ImagePullBackOff")
}

/// Whether a container of the pod waits for this reason, as the kubelet reports it.
fn waiting(pod: &Value, reason: &str) -> bool {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|status| {
            status
                .pointer("/state/waiting/reason")
                .and_then(Value::as_str)
                == Some(reason)
        })
}

/// Schedules the pod's next phase, unless one is already scheduled.
fn advance_later(controllers: &Arc<Controllers>, pod: &Value) {
    if pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running") || stuck(pod) {
        return;
    }
    controllers.after_a_pace(pod, step);
}

/// One phase forward: scheduled (or unschedulable) → creating → running; or, for an image
/// that doesn't exist, creating → ErrImagePull → ImagePullBackOff, where it stays.
fn step(controllers: &Arc<Controllers>, namespace: &str, name: &str, uid: &str) {
    let store = &controllers.store;
    let pods = resource("", "v1", "pods");
    let Ok(pod) = store.get(pods, namespace, name) else {
        return;
    };
    if store::meta_str(&pod, "uid") != Some(uid) {
        return;
    }
    let now = store::now_rfc3339();
    let containers: Vec<Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let event = |kind: &str, reason: &str, message: &str| {
        record_event(store, &pod, "Pod", kind, reason, message);
    };
    // The kubelet's view of each container: `state_of` says what state it is in.
    let container_statuses = |state_of: &dyn Fn(&Value) -> Value, ready: bool| -> Value {
        containers
            .iter()
            .map(|container| {
                json!({
                    "name": container["name"],
                    "image": container["image"],
                    "imageID": "",
                    "ready": ready,
                    "started": ready,
                    "restartCount": 0,
                    "lastState": {},
                    "state": state_of(container),
                })
            })
            .collect()
    };
    let names: Vec<&str> = containers
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let unready = format!("containers with unready status: [{}]", names.join(" "));
    let pending = |statuses: Value| {
        json!({
            "phase": "Pending",
            "hostIP": "10.0.0.2",
            "podIP": "10.0.0.10",
            "startTime": now,
            "qosClass": "Burstable",
            "conditions": [
                { "type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": now },
                { "type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": now },
                { "type": "Ready", "status": "False", "lastProbeTime": null, "lastTransitionTime": now, "reason": "ContainersNotReady", "message": unready },
                { "type": "ContainersReady", "status": "False", "lastProbeTime": null, "lastTransitionTime": now, "reason": "ContainersNotReady", "message": unready },
                { "type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now },
            ],
            "containerStatuses": statuses,
        })
    };
    let missing = |container: &Value| {
        container["image"]
            .as_str()
            .is_some_and(|image| image.contains(MISSING_IMAGE))
    };
    let creating = || json!({ "waiting": { "reason": "ContainerCreating" } });
    let scheduled = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c["type"] == "PodScheduled" && c["status"] == "True")
        });
    let status = if !scheduled {
        let insufficient: Vec<&str> = gpu_requests(&pod)
            .into_iter()
            .filter(|(_, wanted)| *wanted > u64::from(controllers.node_gpus))
            .map(|(key, _)| key)
            .collect();
        if insufficient.is_empty() {
            event(
                "Normal",
                "Scheduled",
                &format!("Successfully assigned {namespace}/{name} to sandbox-node"),
            );
            let image = containers
                .first()
                .and_then(|c| c["image"].as_str())
                .unwrap_or("unknown");
            event("Normal", "Pulling", &format!("Pulling image \"{image}\""));
            pending(container_statuses(&|_| creating(), false))
        } else {
            // The scheduler's own wording, reasons sorted, for the one node there is.
            let mut reasons: Vec<String> = insufficient
                .iter()
                .map(|key| format!("1 Insufficient {key}"))
                .collect();
            reasons.sort();
            let message = format!(
                "0/1 nodes are available: {}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
                reasons.join(", ")
            );
            event("Warning", "FailedScheduling", &message);
            json!({
                "phase": "Pending",
                "qosClass": "Burstable",
                "conditions": [{ "type": "PodScheduled", "status": "False", "lastProbeTime": null, "lastTransitionTime": now, "reason": "Unschedulable", "message": message }],
            })
        }
    } else if waiting(&pod, "ErrImagePull") {
        for container in containers.iter().filter(|c| missing(c)) {
            let image = container["image"].as_str().unwrap_or_default();
            event(
                "Normal",
                "BackOff",
                &format!("Back-off pulling image \"{image}\""),
            );
            event("Warning", "Failed", "Error: ImagePullBackOff");
        }
        pending(container_statuses(
            &|container| {
                if missing(container) {
                    let image = container["image"].as_str().unwrap_or_default();
                    json!({ "waiting": { "reason": "ImagePullBackOff", "message": format!("Back-off pulling image \"{image}\"") } })
                } else {
                    creating()
                }
            },
            false,
        ))
    } else if containers.iter().any(missing) {
        for container in containers.iter().filter(|c| missing(c)) {
            let image = container["image"].as_str().unwrap_or_default();
            event(
                "Warning",
                "Failed",
                &format!("Failed to pull image \"{image}\": {}", pull_error(image)),
            );
            event("Warning", "Failed", "Error: ErrImagePull");
        }
        pending(container_statuses(
            &|container| {
                if missing(container) {
                    let image = container["image"].as_str().unwrap_or_default();
                    json!({ "waiting": { "reason": "ErrImagePull", "message": pull_error(image) } })
                } else {
                    creating()
                }
            },
            false,
        ))
    } else {
        event("Normal", "Started", "Started container");
        json!({
            "phase": "Running",
            "hostIP": "10.0.0.2",
            "startTime": now,
            "podIP": "10.0.0.10",
            "qosClass": "Burstable",
            "conditions": [
                { "type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": now },
                { "type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": now },
                { "type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": now },
                { "type": "ContainersReady", "status": "True", "lastProbeTime": null, "lastTransitionTime": now },
                { "type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now },
            ],
            "containerStatuses": container_statuses(&|_| json!({ "running": { "startedAt": now } }), true),
        })
    };
    if let Ok(updated) = write_status(store, pods, namespace, name, status) {
        advance_later(controllers, &updated);
    }
}

/// What containerd answers for an image no registry has.
fn pull_error(image: &str) -> String {
    let reference = normalized_reference(image);
    format!(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": {reference}: not found"
    )
}

/// An image reference as containerd spells it in full: `jupyter` is
/// `docker.io/library/jupyter:latest`.
fn normalized_reference(image: &str) -> String {
    let (first, _) = image.split_once('/').unwrap_or(("", image));
    let registry_given = first.contains(['.', ':']) || first == "localhost";
    let mut reference = match (registry_given, image.contains('/')) {
        (true, _) => image.to_string(),
        (false, true) => format!("docker.io/{image}"),
        (false, false) => format!("docker.io/library/{image}"),
    };
    let last = reference.rsplit('/').next().unwrap_or_default();
    if !last.contains([':', '@']) {
        reference.push_str(":latest");
    }
    reference
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
    let _ = write_status(store, notebooks, namespace, name, status);
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
