//! Runs as graphs: from the run's Argo Workflow, read with the user's own client (label
//! `pipeline/runid`), including `status.compressedNodes`; from KFP's task details when the
//! workflow is gone or its node status was offloaded. And a step's pod log.

use super::{Cluster, Scope, SignedInUser, kfp::Kfp};
use crate::model::AppError;
use crate::model::kfp::{GraphSource, RunView};
use crate::model::pipeline::{
    GraphNode, NodeKind, NodePhase, NodeRun, PipelineFormat, PipelineGraph, RunValue, RunValueKind,
};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use serde_json::Value;

/// The label KFP puts on a run's workflow.
pub const RUN_ID_LABEL: &str = "pipeline/runid";
const LOG_LINES: i64 = 2_000;

pub fn workflows() -> kube::core::ApiResource {
    kube::core::ApiResource {
        group: "argoproj.io".into(),
        version: "v1alpha1".into(),
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "Workflow".into(),
        plural: "workflows".into(),
    }
}

/// The run's graph from a workflow object; None when its node status is not in the object.
pub fn workflow_graph(workflow: &Value) -> Result<Option<PipelineGraph>, AppError> {
    let status = workflow.get("status");
    let has_nodes = status.is_some_and(|s| {
        s.get("nodes")
            .is_some_and(|n| n.as_object().is_some_and(|n| !n.is_empty()))
            || s.get("compressedNodes")
                .and_then(Value::as_str)
                .is_some_and(|c| !c.is_empty())
    });
    if !has_nodes {
        return Ok(None);
    }
    let bytes = serde_json::to_vec(workflow)
        .map_err(|error| AppError::Internal(format!("workflow: {error}")))?;
    crate::domain::pipeline::parse_run_workflow("workflow", &bytes)
        .map(Some)
        .map_err(|error| AppError::Internal(format!("the run's workflow can't be read: {error}")))
}

/// The run's workflow as JSON, if the user may read it and it exists.
pub async fn find_workflow(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    run_id: &str,
) -> Result<Option<Value>, AppError> {
    super::kfp::check_id("run", run_id)?;
    let scope = Scope::One(namespace.to_string());
    let client = cluster.as_user(user)?;
    let found = super::list_json(
        &client,
        &scope,
        &workflows(),
        &ListParams::default().labels(&format!("{RUN_ID_LABEL}={run_id}")),
    )
    .await?;
    Ok(found.into_iter().next())
}

/// A graph from KFP's `run_details.task_details`: steps and their nesting, no dependencies
/// (KFP doesn't report them there).
pub fn task_details_graph(name: &str, details: &Value) -> Option<PipelineGraph> {
    let tasks = details.get("task_details")?.as_array()?;
    if tasks.is_empty() {
        return None;
    }
    let text = |task: &Value, key: &str| {
        task.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && !s.starts_with("1970-01-01"))
            .map(str::to_owned)
    };
    let ids: Vec<String> = tasks
        .iter()
        .filter_map(|task| text(task, "task_id"))
        .collect();
    let nodes = tasks
        .iter()
        .filter_map(|task| {
            let id = text(task, "task_id")?;
            let label = text(task, "display_name").unwrap_or_else(|| id.clone());
            let phase = match text(task, "state").as_deref() {
                Some("RUNNING") => NodePhase::Running,
                Some("SUCCEEDED") => NodePhase::Succeeded,
                Some("SKIPPED") => NodePhase::Skipped,
                Some("FAILED") => NodePhase::Failed,
                Some("CANCELED" | "CANCELING") => NodePhase::Terminated,
                Some("CACHED") => NodePhase::Cached,
                Some("PENDING") => NodePhase::Pending,
                _ => NodePhase::Unknown,
            };
            let values = |key: &str, kind: RunValueKind| -> Vec<RunValue> {
                task.get(key)
                    .and_then(|io| io.get("parameters"))
                    .and_then(Value::as_object)
                    .map(|parameters| {
                        parameters
                            .iter()
                            .map(|(name, value)| RunValue {
                                name: name.clone(),
                                kind,
                                value: Some(match value {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                }),
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            Some(GraphNode {
                parent: text(task, "parent_task_id").filter(|p| ids.contains(p)),
                task: label.clone(),
                label: label.clone(),
                kind: NodeKind::Task,
                component: None,
                executor: None,
                condition: None,
                run: Some(NodeRun {
                    phase,
                    node_type: "Pod".into(),
                    display_name: label,
                    template: None,
                    started_at: text(task, "start_time"),
                    finished_at: text(task, "end_time"),
                    message: task
                        .get("error")
                        .and_then(|e| e.get("message"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    inputs: values("inputs", RunValueKind::Parameter),
                    outputs: values("outputs", RunValueKind::Parameter),
                }),
                id,
            })
        })
        .collect();
    Some(PipelineGraph {
        format: PipelineFormat::ArgoRun,
        name: name.to_string(),
        display_name: None,
        description: None,
        inputs: Vec::new(),
        nodes,
        edges: Vec::new(),
    })
}

/// A run with its graph, from the workflow if the user can read it, else from KFP.
pub async fn run_view(
    cluster: &dyn Cluster,
    kfp: &Kfp,
    user: &SignedInUser,
    namespace: &str,
    run_id: &str,
) -> Result<RunView, AppError> {
    let namespace = Scope::parse(namespace)?.one("A run")?;
    let (run, details) = kfp.run(user, run_id).await?;
    let from_workflow = match find_workflow(cluster, user, &namespace, run_id).await {
        Ok(Some(workflow)) => workflow_graph(&workflow),
        Ok(None) => Ok(None),
        Err(error) => Err(error),
    };
    let (graph, source) = match from_workflow {
        Ok(Some(graph)) => (Some(graph), GraphSource::Workflow),
        other => {
            let why = match other {
                Err(error) => format!("the run's workflow can't be read: {error}"),
                _ => "the run's workflow is gone or keeps its node status elsewhere".into(),
            };
            match details
                .as_ref()
                .and_then(|d| task_details_graph(&run.name, d))
            {
                Some(graph) => (Some(graph), GraphSource::TaskDetails),
                None => (None, GraphSource::Missing(why)),
            }
        }
    };
    Ok(RunView {
        run,
        namespace,
        graph,
        source,
    })
}

/// The annotation Argo puts on a step's pod naming its node.
const NODE_ID_ANNOTATION: &str = "workflows.argoproj.io/node-id";

/// The pod of a step. Argo names it after the node id (`POD_NAMES=v1`), or
/// `<workflow>-<template>-<hash>` (v2, the default since Argo 3.4); then it is the workflow pod
/// whose node-id annotation names the node.
async fn step_pod(pods: &Api<Pod>, node: &str) -> Result<Option<String>, AppError> {
    match pods.get_opt(node).await? {
        Some(_) => Ok(Some(node.to_string())),
        None => {
            let workflow_pods = pods
                .list(&ListParams::default().labels("workflows.argoproj.io/workflow"))
                .await?;
            Ok(workflow_pods.items.into_iter().find_map(|pod| {
                let named = pod
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(NODE_ID_ANNOTATION))
                    .is_some_and(|id| id == node);
                named.then_some(pod.metadata.name).flatten()
            }))
        }
    }
}

/// The last lines of a step's log (`node`: the run graph's node id): its pod's `main`
/// container (Argo's), or its only one. Empty while the pod doesn't exist or hasn't started.
pub async fn step_log(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    node: &str,
) -> Result<String, AppError> {
    let namespace = Scope::parse(namespace)?.one("A step's log")?;
    if let Some(why) = crate::domain::names::subdomain_problem(node) {
        return Err(AppError::invalid("pod", why));
    }
    let pods = Api::<Pod>::namespaced(cluster.as_user(user)?, &namespace);
    let Some(pod) = step_pod(&pods, node).await? else {
        return Ok(String::new());
    };
    let pod = pod.as_str();
    let params = |container: Option<&str>| LogParams {
        container: container.map(str::to_owned),
        tail_lines: Some(LOG_LINES),
        ..LogParams::default()
    };
    match pods.logs(pod, &params(Some("main"))).await {
        Ok(text) => Ok(text),
        // No `main` container (not an Argo pod), or not started yet.
        Err(kube::Error::Api(status)) if status.code == 400 => {
            match pods.logs(pod, &params(None)).await {
                Ok(text) => Ok(text),
                Err(kube::Error::Api(status)) if status.code == 400 => Ok(String::new()),
                Err(error) => Err(error.into()),
            }
        }
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime(name: &str) -> Value {
        let path = format!(
            "{}/../../shared/conformance/pipelines/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn workflows_with_nodes_give_the_runtime_graph() {
        let graph = workflow_graph(&runtime("mock-retry-runtime.json"))
            .unwrap()
            .unwrap();
        assert_eq!(graph.nodes.len(), 3);
        assert!(
            graph
                .nodes
                .iter()
                .all(|n| n.run.as_ref().unwrap().phase == NodePhase::Succeeded)
        );
    }

    #[test]
    fn compressed_nodes_are_read_like_plain_ones() {
        use base64::Engine;
        use std::io::Write;
        let mut workflow = runtime("mock-retry-runtime.json");
        let nodes = workflow["status"]["nodes"].take();
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(nodes.to_string().as_bytes()).unwrap();
        let compressed = base64::engine::general_purpose::STANDARD.encode(gzip.finish().unwrap());
        workflow["status"].as_object_mut().unwrap().remove("nodes");
        workflow["status"]["compressedNodes"] = Value::String(compressed);
        let graph = workflow_graph(&workflow).unwrap().unwrap();
        assert_eq!(graph.nodes.len(), 3);
    }

    #[test]
    fn offloaded_node_status_means_no_graph_from_the_workflow() {
        let mut workflow = runtime("mock-retry-runtime.json");
        workflow["status"].as_object_mut().unwrap().remove("nodes");
        workflow["status"]["offloadNodeStatusVersion"] = Value::from("fnv:123");
        assert_eq!(workflow_graph(&workflow).unwrap(), None);
    }

    #[test]
    fn task_details_give_a_graph_of_steps() {
        let details = serde_json::json!({"task_details": [
            {"task_id": "t1", "display_name": "root", "state": "RUNNING", "start_time": "2026-11-22T10:00:00Z", "end_time": "1970-01-01T00:00:00Z"},
            {"task_id": "t2", "display_name": "train", "state": "FAILED", "parent_task_id": "t1",
             "error": {"message": "OOMKilled"}, "inputs": {"parameters": {"epochs": 3}}},
            {"task_id": "t3", "display_name": "other", "state": "CACHED", "parent_task_id": "gone"},
        ]});
        let graph = task_details_graph("run-1", &details).unwrap();
        assert_eq!(graph.nodes.len(), 3);
        let train = &graph.nodes[1];
        assert_eq!(train.parent.as_deref(), Some("t1"));
        let run = train.run.as_ref().unwrap();
        assert_eq!(run.phase, NodePhase::Failed);
        assert_eq!(run.message.as_deref(), Some("OOMKilled"));
        assert_eq!(run.inputs[0].value.as_deref(), Some("3"));
        assert_eq!(graph.nodes[0].run.as_ref().unwrap().finished_at, None);
        assert_eq!(
            graph.nodes[2].parent, None,
            "a parent KFP didn't list is dropped"
        );
        assert_eq!(
            task_details_graph("r", &serde_json::json!({"task_details": []})),
            None
        );
    }
}
