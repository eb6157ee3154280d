//! The emulated API's records (internal kinds in the store, persisted with everything else)
//! and their wire form: v2beta1 messages as KFP's gateway writes them, snake_case, RFC 3339,
//! empty fields left out.

use crate::sandbox::controllers::argo::read_nodes;
use crate::sandbox::registry::{self, ResourceType, SANDBOX_GROUP};
use crate::sandbox::store::{self, Store};
use serde_json::{Map, Value, json};

/// What KFP writes for a time that hasn't come (a run's `finished_at` while it runs).
pub const EPOCH: &str = "1970-01-01T00:00:00Z";
pub const PIPELINE_ID_LABEL: &str = "sandbox.kfdash.io/pipeline-id";
pub const EXPERIMENT_ID_LABEL: &str = "sandbox.kfdash.io/experiment-id";

fn kind(plural: &str) -> &'static ResourceType {
    registry::find(SANDBOX_GROUP, "v1alpha1", plural).expect("the KFP kinds are registered")
}

pub fn pipelines() -> &'static ResourceType {
    kind("kfppipelines")
}

pub fn versions() -> &'static ResourceType {
    kind("kfppipelineversions")
}

pub fn experiments() -> &'static ResourceType {
    kind("kfpexperiments")
}

pub fn runs() -> &'static ResourceType {
    kind("kfpruns")
}

pub fn id(object: &Value) -> &str {
    store::meta_str(object, "name").unwrap_or_default()
}

pub fn namespace(object: &Value) -> &str {
    store::meta_str(object, "namespace")
        .or_else(|| object.pointer("/spec/namespace").and_then(Value::as_str))
        .unwrap_or_default()
}

pub fn spec_str<'a>(object: &'a Value, field: &str) -> &'a str {
    object
        .get("spec")
        .and_then(|spec| spec.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn created(object: &Value) -> &str {
    store::meta_str(object, "creationTimestamp").unwrap_or(EPOCH)
}

/// Leaves out what protojson leaves out: empty text, nulls.
fn compact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

/// A namespaced record found by its id alone, as KFP's ids are global.
pub fn find(store: &Store, kind: &'static ResourceType, id: &str) -> Option<Value> {
    if !kind.namespaced {
        return store.get(kind, "", id).ok();
    }
    store
        .list(
            kind,
            None,
            &|object| store::meta_str(object, "name") == Some(id),
            Some(1),
            None,
        )
        .items
        .into_iter()
        .next()
}

pub fn pipeline_json(object: &Value) -> Value {
    compact(json!({
        "pipeline_id": id(object),
        "name": spec_str(object, "name"),
        "display_name": spec_str(object, "displayName"),
        "description": spec_str(object, "description"),
        "created_at": created(object),
        "namespace": spec_str(object, "namespace"),
    }))
}

pub fn version_json(object: &Value) -> Value {
    compact(json!({
        "pipeline_id": spec_str(object, "pipelineId"),
        "pipeline_version_id": id(object),
        "name": spec_str(object, "name"),
        "display_name": spec_str(object, "displayName"),
        "description": spec_str(object, "description"),
        "created_at": created(object),
        "pipeline_spec": object.pointer("/spec/pipelineSpec"),
    }))
}

pub fn experiment_json(object: &Value) -> Value {
    compact(json!({
        "experiment_id": id(object),
        "display_name": spec_str(object, "displayName"),
        "description": spec_str(object, "description"),
        "created_at": created(object),
        "namespace": namespace(object),
        "storage_state": spec_str(object, "storageState"),
        "last_run_created_at": object.pointer("/spec/lastRunCreatedAt").cloned().unwrap_or(json!(EPOCH)),
    }))
}

/// A run; with its workflow, also `run_details` with one task per workflow node.
pub fn run_json(object: &Value, workflow: Option<&Value>) -> Value {
    let status = object.get("status").cloned().unwrap_or_default();
    // KFP's own record of when, which the seed may set in the past.
    let created = match spec_str(object, "createdAt") {
        "" => created(object),
        at => at,
    };
    let mut run = json!({
        "experiment_id": spec_str(object, "experimentId"),
        "run_id": id(object),
        "display_name": spec_str(object, "displayName"),
        "storage_state": spec_str(object, "storageState"),
        "description": spec_str(object, "description"),
        "pipeline_version_reference": {
            "pipeline_id": spec_str(object, "pipelineId"),
            "pipeline_version_id": spec_str(object, "pipelineVersionId"),
        },
        "runtime_config": object.pointer("/spec/runtimeConfig").cloned().unwrap_or(json!({})),
        "service_account": spec_str(object, "serviceAccount"),
        "created_at": created,
        "scheduled_at": created,
        "finished_at": status.get("finishedAt").and_then(Value::as_str).unwrap_or(EPOCH),
        "state": status.get("state").and_then(Value::as_str).unwrap_or("PENDING"),
        "state_history": status.get("stateHistory").cloned().unwrap_or(json!([])),
    });
    if let Some(message) = status.get("error").and_then(Value::as_str) {
        run["error"] = json!({ "code": 2, "message": message });
    }
    if let Some(workflow) = workflow {
        run["run_details"] = json!({ "task_details": task_details(id(object), workflow) });
    }
    compact(run)
}

/// KFP's state of a workflow node.
fn task_state(node: &crate::sandbox::controllers::argo::Node) -> &'static str {
    match node.phase.as_str() {
        "Pending" => "PENDING",
        "Running" => "RUNNING",
        "Succeeded" => "SUCCEEDED",
        "Skipped" | "Omitted" => "SKIPPED",
        "Failed" | "Error" if node.message.as_deref() == Some("terminated") => "CANCELED",
        "Failed" | "Error" => "FAILED",
        _ => "RUNTIME_STATE_UNSPECIFIED",
    }
}

fn task_details(run_id: &str, workflow: &Value) -> Vec<Value> {
    let status = workflow.get("status").cloned().unwrap_or_default();
    let nodes = read_nodes(&status);
    nodes
        .values()
        .map(|node| {
            let pod = |id: &str| {
                nodes
                    .get(id)
                    .filter(|node| node.node_type == "Pod")
                    .map(|node| node.id.clone())
            };
            let children: Vec<Value> = node
                .children
                .iter()
                .map(|child| compact(json!({ "task_id": child, "pod_name": pod(child) })))
                .collect();
            let started = node.started_at.clone().unwrap_or_else(|| EPOCH.into());
            let mut task = json!({
                "run_id": run_id,
                "task_id": node.id,
                "display_name": node.display_name,
                "create_time": started,
                "start_time": started,
                "end_time": node.finished_at.clone().unwrap_or_else(|| EPOCH.into()),
                "state": task_state(node),
                "pod_name": pod(&node.id),
                "parent_task_id": node.boundary_id,
                "child_tasks": children,
                "state_history": [{ "update_time": node.finished_at.clone().unwrap_or(started), "state": task_state(node) }],
            });
            if task_state(node) == "FAILED" {
                task["error"] = json!({ "code": 2, "message": node.message.clone().unwrap_or_default() });
            }
            if task["child_tasks"].as_array().is_some_and(Vec::is_empty) {
                task.as_object_mut().map(|t| t.remove("child_tasks"));
            }
            compact(task)
        })
        .collect()
}
