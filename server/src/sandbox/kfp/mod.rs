//! An emulated Kubeflow Pipelines REST API (v2beta1) in multi-user mode, over the sandbox's
//! store: pipelines and versions from uploaded files, experiments, runs that become Argo
//! Workflows in the user's namespace (the Argo controller runs them), each request
//! authorized by the sandbox's RBAC as KFP asks a SubjectAccessReview.
//!
//! Endpoints (all under `/apis/v2beta1`):
//! - `POST pipelines/upload`, `POST pipelines/upload_version` (multipart `uploadfile`);
//!   `GET pipelines`, `GET|DELETE pipelines/{id}`, `GET pipelines/{id}/versions`,
//!   `GET|DELETE pipelines/{id}/versions/{version_id}`;
//! - `GET|POST experiments`, `GET experiments/{id}`, `POST experiments/{id}:archive|:unarchive`;
//! - `GET|POST runs`, `GET|DELETE runs/{id}`,
//!   `POST runs/{id}:terminate|:retry|:archive|:unarchive`.

mod compile;
mod error;
mod experiments;
mod list;
mod objects;
mod params;
mod pipelines;
mod runs;
mod upload;

pub use error::KfpError;
// What the seed uses to upload samples and start runs without a request.
pub(crate) use experiments::store_experiment;
pub(crate) use pipelines::{store_pipeline, store_version};
pub(crate) use runs::{RunRequest, start_run};
pub(crate) use upload::read as read_pipeline_file;

use crate::sandbox::controllers::argo::{self, RUN_ID_LABEL};
use crate::sandbox::controllers::write_status;
use crate::sandbox::rbac::Attributes;
use crate::sandbox::rest::ApiServer;
use crate::sandbox::store::{self, Store};
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The header KFP's multi-user mode reads the user from (set by Istio from the verified
/// identity).
pub const USER_HEADER: &str = "kubeflow-userid";
/// The API group KFP asks SubjectAccessReviews about.
pub const RBAC_GROUP: &str = "pipelines.kubeflow.org";
/// Writes to shared pipelines are authorized in KFP's own namespace, as upstream does.
pub const SHARED_NAMESPACE: &str = "kubeflow";

/// The router's state: the store, and an RBAC evaluator over it.
#[derive(Clone)]
pub(crate) struct Kfp {
    store: Arc<Store>,
    api: Arc<ApiServer>,
}

/// The emulated KFP API over `store`.
pub fn router(store: Arc<Store>) -> Router {
    let api = Arc::new(ApiServer::new(store.clone(), HashMap::new()));
    let kfp = Kfp { store, api };
    Router::new()
        .route("/apis/v2beta1/pipelines", get(pipelines::list))
        .route("/apis/v2beta1/pipelines/upload", post(pipelines::upload))
        .route(
            "/apis/v2beta1/pipelines/upload_version",
            post(pipelines::upload_version),
        )
        .route(
            "/apis/v2beta1/pipelines/{id}",
            get(pipelines::get).delete(pipelines::delete),
        )
        .route(
            "/apis/v2beta1/pipelines/{id}/versions",
            get(pipelines::list_versions),
        )
        .route(
            "/apis/v2beta1/pipelines/{id}/versions/{version_id}",
            get(pipelines::get_version).delete(pipelines::delete_version),
        )
        .route(
            "/apis/v2beta1/experiments",
            get(experiments::list).post(experiments::create),
        )
        .route(
            "/apis/v2beta1/experiments/{id}",
            get(experiments::get).post(experiments::act),
        )
        .route("/apis/v2beta1/runs", get(runs::list).post(runs::create))
        .route(
            "/apis/v2beta1/runs/{id}",
            get(runs::get).delete(runs::delete).post(runs::act),
        )
        .fallback(|uri: axum::http::Uri| async move { KfpError::no_endpoint(uri.path()) })
        .with_state(kfp)
}

impl Kfp {
    /// The caller, from the user header KFP's multi-user mode trusts.
    fn caller(&self, headers: &HeaderMap) -> Result<String, KfpError> {
        let user = headers
            .get(USER_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|user| !user.is_empty());
        user.map(str::to_owned).ok_or_else(|| {
            KfpError::unauthenticated(format!(
                "Request header error: there is no user identity header ({USER_HEADER})"
            ))
        })
    }

    /// Whether `user` may `verb` KFP `resource`s in `namespace`, as KFP's
    /// SubjectAccessReview asks it.
    fn authorize(
        &self,
        user: &str,
        verb: &str,
        resource: &str,
        namespace: &str,
    ) -> Result<(), KfpError> {
        let attributes = Attributes {
            user: user.into(),
            groups: Vec::new(),
            verb: verb.into(),
            api_group: RBAC_GROUP.into(),
            resource: resource.into(),
            subresource: String::new(),
            namespace: namespace.into(),
            name: String::new(),
            path: String::new(),
        };
        match self.api.rbac().authorize(&attributes) {
            crate::sandbox::rbac::Decision::Allow { .. } => Ok(()),
            crate::sandbox::rbac::Decision::Deny { reason } => Err(KfpError::forbidden(format!(
                "Failed to authorize with API: PermissionDenied: User '{user}' is not authorized with reason: {reason} \
                 (request: &ResourceAttributes{{Namespace:{namespace},Verb:{verb},Group:{RBAC_GROUP},Version:v1beta1,Resource:{resource},Subresource:,Name:,}})"
            ))),
        }
    }
}

/// The body of a JSON request, or a KFP error saying what is wrong with it.
fn json_body(bytes: &[u8]) -> Result<Value, KfpError> {
    let body: Value = serde_json::from_slice(bytes).map_err(|error| {
        KfpError::invalid(format!("the request body is not valid JSON: {error}"))
    })?;
    if !body.is_object() {
        return Err(KfpError::invalid("the request body must be a JSON object"));
    }
    Ok(body)
}

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn query_text<'a>(query: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A run's state from its workflow, as KFP's persistence agent reports it.
fn run_state(workflow: &Value) -> &'static str {
    let phase = workflow
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let stopping = argo::stopping(workflow);
    match phase {
        "" | "Pending" if stopping => "CANCELING",
        "" | "Pending" => "PENDING",
        "Running" if stopping => "CANCELING",
        "Running" => "RUNNING",
        "Succeeded" => "SUCCEEDED",
        "Failed" | "Error" if stopping => "CANCELED",
        "Failed" | "Error" => "FAILED",
        _ => "RUNTIME_STATE_UNSPECIFIED",
    }
}

/// Brings a run's record up to date with its workflow (state, history, finish time, error), as
/// KFP's persistence agent does. Workflows without a run are left alone.
pub(crate) fn report_workflow(store: &Store, workflow: &Value) {
    let Some(run_id) = workflow
        .pointer(&format!(
            "/metadata/labels/{}",
            RUN_ID_LABEL.replace('/', "~1")
        ))
        .and_then(Value::as_str)
    else {
        return;
    };
    let namespace = store::meta_str(workflow, "namespace").unwrap_or_default();
    let Ok(run) = store.get(objects::runs(), namespace, run_id) else {
        return;
    };
    let state = run_state(workflow);
    let mut status = run.get("status").cloned().unwrap_or_else(|| json!({}));
    if status["state"].as_str() != Some(state) {
        // When it happened by the workflow's clock (a seeded run's is in the past).
        let at = |field: &str| {
            workflow
                .pointer(&format!("/status/{field}"))
                .and_then(Value::as_str)
        };
        let when = match state {
            "RUNNING" => at("startedAt"),
            "SUCCEEDED" | "FAILED" | "CANCELED" => at("finishedAt"),
            _ => None,
        }
        .map_or_else(store::now_rfc3339, str::to_owned);
        let mut history = status["stateHistory"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        history.push(json!({ "update_time": when, "state": state }));
        status["stateHistory"] = json!(history);
        status["state"] = json!(state);
    }
    let finished = workflow
        .pointer("/status/finishedAt")
        .and_then(Value::as_str);
    let finished_state = matches!(state, "SUCCEEDED" | "FAILED" | "CANCELED");
    match finished.filter(|_| finished_state) {
        Some(at) => status["finishedAt"] = json!(at),
        None => {
            status.as_object_mut().map(|s| s.remove("finishedAt"));
        }
    }
    match workflow.pointer("/status/message").and_then(Value::as_str) {
        Some(message) if state == "FAILED" => status["error"] = json!(message),
        _ => {
            status.as_object_mut().map(|s| s.remove("error"));
        }
    }
    let _ = write_status(store, objects::runs(), namespace, run_id, status);
}
