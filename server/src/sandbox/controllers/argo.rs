//! Argo Workflow → its steps run one pace at a time, as Argo's controller runs a KFP run:
//! nodes in `status.nodes` (compressed past 256 KiB, as Argo does), one sandbox Pod per step
//! with a log that says what the step did, `phase`, `progress`, `startedAt`/`finishedAt`.
//!
//! What the simulation decides for itself, so runs are repeatable:
//! - a step **fails** when its task or template is named `fail-op` (as KFP's exit-handler
//!   sample's step does), or when the workflow parameter `fail_step` names it (a task,
//!   template or display name; several comma-separated); it fails again when retried;
//! - a `when` is evaluated on what is known (run parameters, loop items, outputs); an
//!   output is one of the values the pipeline compares it with (`== 'heads'`, `== 'tails'`),
//!   chosen by a hash of the workflow's uid and the step, and a condition on a value nothing
//!   says gets a made-up outcome from the same hash;
//! - a loop over a list known only at run time runs two made-up items;
//! - a terminated workflow (`spec.shutdown`, or KFP's `activeDeadlineSeconds: 0`) fails its
//!   unfinished steps with the message "terminated" and starts nothing more, not even the
//!   exit handler.

mod engine;
mod expr;

#[cfg(test)]
pub(crate) use engine::advance;
pub(crate) use engine::{FAIL_STEP_PARAMETER, Node, is_finished, parameters, read_nodes, stopping};

use super::{Controllers, options, owner_reference, resource, write_status};
use crate::sandbox::registry::ResourceType;
use crate::sandbox::status::ApiError;
use crate::sandbox::store::{self, DeleteOptions, Part, Store};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The label KFP puts on a run's workflow (and Argo copies to its pods).
pub const RUN_ID_LABEL: &str = "pipeline/runid";
const WORKFLOW_LABEL: &str = "workflows.argoproj.io/workflow";
const COMPLETED_LABEL: &str = "workflows.argoproj.io/completed";
const PHASE_LABEL: &str = "workflows.argoproj.io/phase";
const NODE_NAME_ANNOTATION: &str = "workflows.argoproj.io/node-name";
const NODE_ID_ANNOTATION: &str = "workflows.argoproj.io/node-id";
const OUTPUTS_ANNOTATION: &str = "workflows.argoproj.io/outputs";
/// Argo's executor, the sidecar of every step's pod.
const EXECUTOR_IMAGE: &str = "quay.io/argoproj/argoexec:v3.5.14";

pub(crate) fn workflows() -> &'static ResourceType {
    resource("argoproj.io", "v1alpha1", "workflows")
}

fn phase(workflow: &Value) -> &str {
    workflow
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Starts a new workflow at once, schedules the next step of a running one, and reports a
/// finished one to KFP.
pub fn reconcile(controllers: &Arc<Controllers>, namespace: &str, name: &str) {
    let store = &controllers.store;
    let Ok(workflow) = store.get(workflows(), namespace, name) else {
        return;
    };
    if workflow.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    match phase(&workflow) {
        "" | "Pending" => {
            step(store, namespace, name, &store::now_rfc3339());
        }
        phase if is_finished(phase) => settle(store, &workflow),
        _ => step_later(controllers, &workflow),
    }
}

/// Schedules the workflow's next step, unless one is already scheduled.
fn step_later(controllers: &Arc<Controllers>, workflow: &Value) {
    controllers.after_a_pace(workflow, |controllers, namespace, name, uid| {
        let still_there = controllers
            .store
            .get(workflows(), namespace, name)
            .is_ok_and(|current| store::meta_str(&current, "uid") == Some(uid));
        if still_there {
            step(&controllers.store, namespace, name, &store::now_rfc3339());
        }
    });
}

/// Moves the workflow one step at `now` and brings its pods, labels and KFP run along.
/// Returns whether it has finished.
pub(crate) fn step(store: &Store, namespace: &str, name: &str, now: &str) -> bool {
    let Ok(workflow) = store.get(workflows(), namespace, name) else {
        return true;
    };
    let status = engine::advance(&workflow, now);
    let Ok(updated) = write_status(store, workflows(), namespace, name, status) else {
        return true;
    };
    sync_pods(store, &updated);
    settle(store, &updated);
    is_finished(phase(&updated))
}

/// Runs a workflow to its end at once, its clock starting at `start` and moving
/// `seconds_per_step` a step: how the seed makes runs that finished before the sandbox started.
pub(crate) fn run_to_end(
    store: &Store,
    namespace: &str,
    name: &str,
    start: jiff::Timestamp,
    seconds_per_step: i64,
) {
    for index in 0..engine::MAX_NODES as i64 {
        let now = start
            .checked_add(jiff::SignedDuration::from_secs(index * seconds_per_step))
            .unwrap_or(start);
        if step(
            store,
            namespace,
            name,
            &now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ) {
            return;
        }
    }
}

/// Argo's phase labels, then the KFP run (as KFP's persistence agent reports workflows).
fn settle(store: &Store, workflow: &Value) {
    let phase = phase(workflow).to_string();
    let completed = if is_finished(&phase) { "true" } else { "false" };
    let labels = workflow.pointer("/metadata/labels");
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    let mut current = workflow.clone();
    if label(PHASE_LABEL) != Some(phase.as_str()) || label(COMPLETED_LABEL) != Some(completed) {
        let namespace = store::meta_str(workflow, "namespace").unwrap_or_default();
        let name = store::meta_str(workflow, "name").unwrap_or_default();
        let labelled = store.modify(workflows(), namespace, name, Part::Main, &options(), |wf| {
            let mut next = wf.clone();
            next["metadata"]["labels"][PHASE_LABEL] = json!(phase);
            next["metadata"]["labels"][COMPLETED_LABEL] = json!(completed);
            Ok(next)
        });
        if let Ok(labelled) = labelled {
            current = labelled;
        }
    }
    crate::sandbox::kfp::report_workflow(store, &current);
}

/// Stops a workflow as KFP's terminate does (`activeDeadlineSeconds: 0`).
pub(crate) fn terminate(store: &Store, namespace: &str, name: &str) -> Result<(), ApiError> {
    store.modify(
        workflows(),
        namespace,
        name,
        Part::Main,
        &options(),
        |workflow| {
            let mut next = workflow.clone();
            next["spec"]["activeDeadlineSeconds"] = json!(0);
            Ok(next)
        },
    )?;
    Ok(())
}

/// Runs a finished workflow's failed steps again, as `argo retry` (and KFP's retry) do.
pub(crate) fn retry(store: &Store, namespace: &str, name: &str) -> Result<(), ApiError> {
    let workflow = store.get(workflows(), namespace, name)?;
    let (status, pods) = engine::retry(&workflow);
    for pod in pods {
        let _ = store.delete(
            resource("", "v1", "pods"),
            namespace,
            &pod,
            &DeleteOptions::default(),
        );
    }
    write_status(store, workflows(), namespace, name, status)?;
    store.modify(
        workflows(),
        namespace,
        name,
        Part::Main,
        &options(),
        |workflow| {
            let mut next = workflow.clone();
            if let Some(spec) = next.get_mut("spec").and_then(Value::as_object_mut) {
                spec.remove("activeDeadlineSeconds");
                spec.remove("shutdown");
            }
            Ok(next)
        },
    )?;
    Ok(())
}

/// One pod per step: made when the step starts, its status following the step's phase.
fn sync_pods(store: &Store, workflow: &Value) {
    let pods = resource("", "v1", "pods");
    let namespace = store::meta_str(workflow, "namespace").unwrap_or_default();
    let status = workflow.get("status").cloned().unwrap_or_default();
    let parameters = parameters(workflow);
    for node in read_nodes(&status).values() {
        // A step that never started (a template that doesn't exist) has no pod.
        if node.node_type != "Pod" || node.phase == "Error" {
            continue;
        }
        let desired = pod_status(node, &parameters);
        match store.get(pods, namespace, &node.id) {
            Err(_) => {
                let pod = new_pod(workflow, node, desired);
                let _ = store.create(pods, namespace, pod, &options());
            }
            Ok(pod) => {
                let _ = write_status(store, pods, namespace, &node.id, desired);
                let outputs = node
                    .outputs
                    .as_ref()
                    .map(|outputs| json!(outputs).to_string());
                let recorded = pod
                    .pointer(&format!(
                        "/metadata/annotations/{}",
                        OUTPUTS_ANNOTATION.replace('/', "~1")
                    ))
                    .and_then(Value::as_str);
                if let Some(outputs) = outputs.filter(|outputs| Some(outputs.as_str()) != recorded)
                {
                    let _ =
                        store.modify(pods, namespace, &node.id, Part::Main, &options(), |pod| {
                            let mut next = pod.clone();
                            next["metadata"]["annotations"][OUTPUTS_ANNOTATION] = json!(outputs);
                            Ok(next)
                        });
                }
            }
        }
    }
}

fn new_pod(workflow: &Value, node: &engine::Node, status: Value) -> Value {
    let workflow_name = store::meta_str(workflow, "name").unwrap_or_default();
    let template = workflow
        .pointer("/spec/templates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|template| template["name"] == node.template_name.as_str())
        .cloned()
        .unwrap_or_else(|| json!({ "name": node.template_name }));
    let program = template
        .get("container")
        .or_else(|| template.get("script"))
        .cloned()
        .unwrap_or_else(|| json!({ "image": EXECUTOR_IMAGE, "args": ["resource"] }));
    // The executor reads its step from ARGO_TEMPLATE; the inputs there are the resolved ones.
    let mut resolved = template.clone();
    if let Some(inputs) = &node.inputs {
        resolved["inputs"] = json!(inputs);
    }
    let mut labels = json!({ WORKFLOW_LABEL: workflow_name, COMPLETED_LABEL: "false" });
    if let Some(run_id) = workflow
        .pointer(&format!(
            "/metadata/labels/{}",
            RUN_ID_LABEL.replace('/', "~1")
        ))
        .and_then(Value::as_str)
    {
        labels[RUN_ID_LABEL] = json!(run_id);
    }
    let mut annotations = json!({
        NODE_NAME_ANNOTATION: node.name,
        NODE_ID_ANNOTATION: node.id,
        "kubectl.kubernetes.io/default-container": "main",
    });
    if let Some(outputs) = &node.outputs {
        annotations[OUTPUTS_ANNOTATION] = json!(json!(outputs).to_string());
    }
    json!({
        "metadata": {
            "name": node.id,
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": owner_reference(workflow),
        },
        "spec": {
            "serviceAccountName": workflow.pointer("/spec/serviceAccountName").and_then(Value::as_str).unwrap_or("default-editor"),
            "restartPolicy": "Never",
            "nodeName": "sandbox-node",
            "containers": [
                { "name": "wait", "image": EXECUTOR_IMAGE, "command": ["argoexec", "wait", "--loglevel", "info"] },
                {
                    "name": "main",
                    "image": program.get("image").cloned().unwrap_or(json!(EXECUTOR_IMAGE)),
                    "command": program.get("command").cloned().unwrap_or(json!([])),
                    "args": program.get("args").cloned().unwrap_or(json!([])),
                    "env": [{ "name": "ARGO_TEMPLATE", "value": resolved.to_string() }],
                },
            ],
        },
        "status": status,
    })
}

/// The pod's status for its step's phase, as the kubelet would report it.
fn pod_status(node: &engine::Node, parameters: &HashMap<String, String>) -> Value {
    let started = node.started_at.clone().unwrap_or_default();
    let finished = node.finished_at.clone().unwrap_or_default();
    let container = |name: &str, state: Value, ready: bool| json!({ "name": name, "ready": ready, "started": ready, "restartCount": 0, "image": "", "imageID": "", "state": state });
    let terminated = |code: i64, reason: &str, message: Option<&str>| {
        let mut state = json!({ "exitCode": code, "reason": reason, "startedAt": started, "finishedAt": finished });
        if let Some(message) = message {
            state["message"] = json!(message);
        }
        json!({ "terminated": state })
    };
    match node.phase.as_str() {
        "Pending" => json!({
            "phase": "Pending",
            "conditions": [{ "type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": started }],
            "containerStatuses": [
                container("main", json!({ "waiting": { "reason": "ContainerCreating" } }), false),
                container("wait", json!({ "waiting": { "reason": "ContainerCreating" } }), false),
            ],
        }),
        "Running" => json!({
            "phase": "Running",
            "hostIP": "10.0.0.2",
            "podIP": "10.0.0.20",
            "startTime": started,
            "containerStatuses": [
                container("main", json!({ "running": { "startedAt": started } }), true),
                container("wait", json!({ "running": { "startedAt": started } }), true),
            ],
        }),
        "Succeeded" => json!({
            "phase": "Succeeded",
            "hostIP": "10.0.0.2",
            "startTime": started,
            "containerStatuses": [
                container("main", terminated(0, "Completed", None), false),
                container("wait", terminated(0, "Completed", None), false),
            ],
        }),
        _ => {
            let (code, message) = match node.message.as_deref() {
                Some(engine::TERMINATED) => (143, engine::TERMINATED.to_string()),
                _ => (1, failure_message(node, parameters)),
            };
            json!({
                "phase": "Failed",
                "hostIP": "10.0.0.2",
                "startTime": started,
                "message": message,
                "containerStatuses": [
                    container("main", terminated(code, "Error", Some(&message)), false),
                    container("wait", terminated(0, "Completed", None), false),
                ],
            })
        }
    }
}

/// Why a step failed, for its container's termination message and log.
fn failure_message(node: &engine::Node, parameters: &HashMap<String, String>) -> String {
    let task = node.display_name.split('(').next().unwrap_or_default();
    let names = [
        task,
        node.template_name.as_str(),
        node.display_name.as_str(),
    ];
    engine::failure_reason(parameters, &names)
        .or_else(|| node.message.clone())
        .unwrap_or_else(|| "Error (exit code 1)".into())
}

/// The log of a workflow step's pod: what the step ran, with which inputs, and how it ended.
pub fn pod_log(pod: &Value) -> String {
    let Some(started) = pod.pointer("/status/startTime").and_then(Value::as_str) else {
        return String::new();
    };
    let main = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .and_then(|containers| containers.iter().find(|c| c["name"] == "main"))
        .cloned()
        .unwrap_or_default();
    let template: Value = main
        .pointer("/env/0/value")
        .and_then(Value::as_str)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let annotation = |key: &str| {
        pod.pointer(&format!("/metadata/annotations/{}", key.replace('/', "~1")))
            .and_then(Value::as_str)
    };
    let step = annotation(NODE_NAME_ANNOTATION).unwrap_or_default();
    let words = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect()
    };
    let mut command = words(&main["command"]);
    command.extend(words(&main["args"]));
    let mut lines = vec![format!(
        "{started} [sandbox] step {step}: {} {}",
        main["image"].as_str().unwrap_or_default(),
        command.join(" ")
    )];
    for parameter in template
        .pointer("/inputs/parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        lines.push(format!(
            "{started} [sandbox] input {} = {}",
            parameter["name"].as_str().unwrap_or_default(),
            parameter["value"].as_str().unwrap_or_default()
        ));
    }
    let terminated = pod.pointer("/status/containerStatuses/0/state/terminated");
    let finished = terminated
        .and_then(|t| t.get("finishedAt"))
        .and_then(Value::as_str)
        .unwrap_or(started);
    match pod.pointer("/status/phase").and_then(Value::as_str) {
        Some("Succeeded") => {
            let outputs: Value = annotation(OUTPUTS_ANNOTATION)
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_default();
            for parameter in outputs
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                lines.push(format!(
                    "{finished} [sandbox] output {} = {}",
                    parameter["name"].as_str().unwrap_or_default(),
                    parameter["value"].as_str().unwrap_or_default()
                ));
            }
            if let Some(result) = outputs.get("result").and_then(Value::as_str) {
                lines.push(format!("{finished} {result}"));
            }
            lines.push(format!("{finished} [sandbox] step {step} succeeded"));
        }
        Some("Failed") => {
            let message = terminated
                .and_then(|t| t.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("failed");
            let code = terminated
                .and_then(|t| t.get("exitCode"))
                .and_then(Value::as_i64)
                .unwrap_or(1);
            lines.push(format!(
                "{finished} [sandbox] step {step} failed: {message}"
            ));
            lines.push(format!("{finished} Error: exit status {code}"));
        }
        _ => lines.push(format!("{started} [sandbox] step {step} is running…")),
    }
    lines.join("\n") + "\n"
}
