//! Runs: started from a pipeline version with checked parameters, each becoming an Argo
//! Workflow in the experiment's namespace; listed with KFP's filters; terminated, retried,
//! archived.

use super::compile::{self, RunInfo};
use super::experiments::{self, ARCHIVED, AVAILABLE, set_storage_state};
use super::objects::{self, EXPERIMENT_ID_LABEL, id, namespace, spec_str};
use super::{Kfp, KfpError, json_body, list, params, query_text, report_workflow, text};
use crate::sandbox::controllers::argo::{self, workflows};
use crate::sandbox::controllers::{options, owner_reference};
use crate::sandbox::store::{self, DeleteOptions, Part, Store};
use app::domain::pipeline::parse_pipeline_file;
use app::model::pipeline::PipelineInput;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

type Answer = Result<Json<Value>, KfpError>;

/// The service account runs' pods use in a Kubeflow profile.
const RUN_SERVICE_ACCOUNT: &str = "default-editor";

/// A run to start, all its parts found and allowed.
pub(crate) struct RunRequest<'a> {
    pub display_name: &'a str,
    pub description: &'a str,
    pub experiment: &'a Value,
    pub pipeline: &'a Value,
    pub version: &'a Value,
    pub parameters: Map<String, Value>,
    /// When the run was made: now, unless the seed backdates it.
    pub created_at: Option<String>,
}

/// Checks the parameters, records the run and creates its workflow (which the Argo controller
/// then runs).
pub(crate) fn start_run(store: &Store, request: &RunRequest) -> Result<Value, KfpError> {
    if request.display_name.trim().is_empty() {
        return Err(KfpError::invalid(
            "Invalid input error: the run's display_name is empty",
        ));
    }
    let inputs: Vec<PipelineInput> = request
        .version
        .pointer("/spec/inputs")
        .cloned()
        .and_then(|inputs| serde_json::from_value(inputs).ok())
        .unwrap_or_default();
    let effective = params::validate(&inputs, &request.parameters)
        .map_err(|message| KfpError::invalid(format!("Invalid input error: {message}")))?;
    let manifest = spec_str(request.version, "manifest");
    let graph = parse_pipeline_file("pipeline.yaml", manifest.as_bytes()).map_err(|error| {
        KfpError::internal(format!("the stored pipeline no longer parses: {error}"))
    })?;
    let namespace = namespace(request.experiment).to_string();
    let run_id = uuid::Uuid::new_v4().to_string();
    let suffix: String = uuid::Uuid::new_v4().simple().to_string()[..5].to_string();
    let pipeline_name = match spec_str(request.pipeline, "name") {
        "" => graph.name.as_str(),
        name => name,
    };
    let workflow_name = compile::workflow_name(pipeline_name, &suffix);
    let created = (request.created_at.clone()).unwrap_or_else(store::now_rfc3339);
    let run = json!({
        "metadata": {
            "name": run_id,
            "labels": { EXPERIMENT_ID_LABEL: id(request.experiment) },
        },
        "spec": {
            "displayName": request.display_name,
            "description": request.description,
            "experimentId": id(request.experiment),
            "pipelineId": id(request.pipeline),
            "pipelineVersionId": id(request.version),
            "runtimeConfig": { "parameters": request.parameters },
            "serviceAccount": RUN_SERVICE_ACCOUNT,
            "storageState": AVAILABLE,
            "workflowName": workflow_name,
            "createdAt": created,
        },
        "status": {
            "state": "PENDING",
            "stateHistory": [{ "update_time": created, "state": "PENDING" }],
        },
    });
    let run = store.create(objects::runs(), &namespace, run, &options())?;
    let mut workflow = compile::workflow(
        &graph,
        request
            .version
            .pointer("/spec/pipelineSpec")
            .unwrap_or(&Value::Null),
        &effective,
        &RunInfo {
            run_id: &run_id,
            run_name: request.display_name,
            workflow_name: &workflow_name,
            namespace: &namespace,
        },
    );
    workflow["metadata"]["ownerReferences"] = owner_reference(&run);
    if let Err(error) = store.create(workflows(), &namespace, workflow, &options()) {
        let _ = store.delete(
            objects::runs(),
            &namespace,
            &run_id,
            &DeleteOptions::default(),
        );
        return Err(error.into());
    }
    let _ = store.modify(
        objects::experiments(),
        &namespace,
        id(request.experiment),
        Part::Main,
        &options(),
        |experiment| {
            let mut next = experiment.clone();
            next["spec"]["lastRunCreatedAt"] = json!(created);
            Ok(next)
        },
    );
    Ok(store.get(objects::runs(), &namespace, &run_id)?)
}

fn run(kfp: &Kfp, run_id: &str) -> Result<Value, KfpError> {
    objects::find(&kfp.store, objects::runs(), run_id)
        .ok_or_else(|| KfpError::not_found("Run", run_id))
}

pub(super) async fn list(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let experiment_id = query_text(&query, "experiment_id");
    let experiment_namespace = match experiment_id {
        Some(experiment_id) => {
            Some(namespace(&experiments::experiment(&kfp, experiment_id)?).to_string())
        }
        None => None,
    };
    let namespace = match (
        query_text(&query, "namespace"),
        experiment_namespace.as_deref(),
    ) {
        (Some(asked), Some(found)) if asked != found => {
            return Err(KfpError::invalid(format!(
                "Invalid input error: experiment {} is in namespace {found}, not {asked}",
                experiment_id.unwrap_or_default()
            )));
        }
        (Some(namespace), _) | (None, Some(namespace)) => namespace.to_string(),
        (None, None) => {
            return Err(KfpError::invalid(
                "Invalid input error: In multi-user mode, ListRuns must filter by namespace or by experiment_id",
            ));
        }
    };
    kfp.authorize(&user, "list", "runs", &namespace)?;
    let in_experiment = |run: &Value| {
        experiment_id.is_none_or(|experiment_id| spec_str(run, "experimentId") == experiment_id)
    };
    let items = kfp
        .store
        .list(
            objects::runs(),
            Some(&namespace),
            &in_experiment,
            None,
            None,
        )
        .items
        .iter()
        .map(|run| objects::run_json(run, None))
        .collect();
    let page = list::page(items, &query, &list::RUNS).map_err(KfpError::invalid)?;
    Ok(Json(page.response("runs")))
}

pub(super) async fn create(State(kfp): State<Kfp>, headers: HeaderMap, body: Bytes) -> Answer {
    let user = kfp.caller(&headers)?;
    let body = json_body(&body)?;
    let experiment_id = text(&body, "experiment_id");
    if experiment_id.is_empty() {
        return Err(KfpError::invalid(
            "Invalid input error: In multi-user mode, a run needs an experiment_id (its namespace is the experiment's)",
        ));
    }
    let experiment = experiments::experiment(&kfp, experiment_id)?;
    let namespace = namespace(&experiment).to_string();
    kfp.authorize(&user, "create", "runs", &namespace)?;
    if spec_str(&experiment, "storageState") == ARCHIVED {
        return Err(KfpError::precondition(format!(
            "Failed to create a run: experiment {experiment_id} is archived; unarchive it first"
        )));
    }
    let reference = body
        .get("pipeline_version_reference")
        .cloned()
        .unwrap_or_default();
    let pipeline_id = text(&reference, "pipeline_id");
    if pipeline_id.is_empty() {
        return Err(KfpError::invalid(
            "Invalid input error: the run needs pipeline_version_reference.pipeline_id (the sandbox runs uploaded pipelines)",
        ));
    }
    let pipeline = kfp
        .store
        .get(objects::pipelines(), "", pipeline_id)
        .map_err(|_| KfpError::not_found("Pipeline", pipeline_id))?;
    let pipeline_namespace = spec_str(&pipeline, "namespace");
    if !pipeline_namespace.is_empty() && pipeline_namespace != namespace {
        return Err(KfpError::invalid(format!(
            "Invalid input error: pipeline {pipeline_id} belongs to namespace {pipeline_namespace}, not to the experiment's {namespace}"
        )));
    }
    let version = match text(&reference, "pipeline_version_id") {
        "" => super::pipelines::latest_version(&kfp.store, pipeline_id),
        version_id => kfp
            .store
            .get(objects::versions(), "", version_id)
            .ok()
            .filter(|version| spec_str(version, "pipelineId") == pipeline_id),
    }
    .ok_or_else(|| {
        KfpError::not_found("PipelineVersion", text(&reference, "pipeline_version_id"))
    })?;
    let parameters = match body.pointer("/runtime_config/parameters") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(parameters)) => parameters.clone(),
        Some(_) => {
            return Err(KfpError::invalid(
                "Invalid input error: runtime_config.parameters must be an object of name: value",
            ));
        }
    };
    let run = start_run(
        &kfp.store,
        &RunRequest {
            display_name: text(&body, "display_name"),
            description: text(&body, "description"),
            experiment: &experiment,
            pipeline: &pipeline,
            version: &version,
            parameters,
            created_at: None,
        },
    )?;
    Ok(Json(objects::run_json(&run, None)))
}

fn workflow_of(kfp: &Kfp, run: &Value) -> Option<Value> {
    kfp.store
        .get(workflows(), namespace(run), spec_str(run, "workflowName"))
        .ok()
}

pub(super) async fn get(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path(run_id): Path<String>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let run = run(&kfp, &run_id)?;
    kfp.authorize(&user, "get", "runs", namespace(&run))?;
    let workflow = workflow_of(&kfp, &run);
    Ok(Json(objects::run_json(&run, workflow.as_ref())))
}

pub(super) async fn delete(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path(run_id): Path<String>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let run = run(&kfp, &run_id)?;
    kfp.authorize(&user, "delete", "runs", namespace(&run))?;
    // The workflow and its pods are owned by the run and go with it.
    kfp.store.delete(
        objects::runs(),
        namespace(&run),
        &run_id,
        &DeleteOptions::default(),
    )?;
    Ok(Json(json!({})))
}

/// `POST runs/{id}:terminate`, `:retry`, `:archive` and `:unarchive`.
pub(super) async fn act(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path(target): Path<String>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let (run_id, verb) = match target.rsplit_once(':') {
        Some((run_id, verb @ ("terminate" | "retry" | "archive" | "unarchive"))) => (run_id, verb),
        _ => {
            return Err(KfpError::no_endpoint(&format!(
                "/apis/v2beta1/runs/{target}"
            )));
        }
    };
    let run = run(&kfp, run_id)?;
    let namespace = namespace(&run).to_string();
    kfp.authorize(&user, verb, "runs", &namespace)?;
    let state = run
        .pointer("/status/state")
        .and_then(Value::as_str)
        .unwrap_or("PENDING");
    let workflow_name = spec_str(&run, "workflowName");
    match verb {
        "terminate" => {
            if matches!(state, "SUCCEEDED" | "FAILED" | "CANCELED") {
                return Err(KfpError::precondition(format!(
                    "Failed to terminate run {run_id}: it has already finished ({state})"
                )));
            }
            argo::terminate(&kfp.store, &namespace, workflow_name)?;
        }
        "retry" => {
            if state != "FAILED" {
                return Err(KfpError::precondition(format!(
                    "Failed to retry run {run_id}: only a FAILED run can be retried, and it is {state}"
                )));
            }
            argo::retry(&kfp.store, &namespace, workflow_name)?;
        }
        "archive" => set_storage_state(&kfp.store, objects::runs(), &namespace, run_id, ARCHIVED)?,
        _ => {
            let experiment = experiments::experiment(&kfp, spec_str(&run, "experimentId")).ok();
            if experiment.is_some_and(|e| spec_str(&e, "storageState") == ARCHIVED) {
                return Err(KfpError::precondition(format!(
                    "Failed to unarchive run {run_id}: its experiment is archived; unarchive the experiment first"
                )));
            }
            set_storage_state(&kfp.store, objects::runs(), &namespace, run_id, AVAILABLE)?;
        }
    }
    if let Some(workflow) = workflow_of(&kfp, &run) {
        report_workflow(&kfp.store, &workflow);
    }
    Ok(Json(json!({})))
}
