//! Pipelines and their versions: upload (a new pipeline, or a new version of one), list, get,
//! delete. Shared pipelines (no namespace) are readable by everyone; writing them takes
//! permission in KFP's own namespace.

use super::objects::{self, PIPELINE_ID_LABEL, id, spec_str};
use super::upload::{self, FormFile, PipelineFile};
use super::{Kfp, KfpError, SHARED_NAMESPACE, list, query_text};
use crate::sandbox::controllers::{options, owner_reference};
use crate::sandbox::store::{self, DeleteOptions, Store};
use app::domain::pipeline::MAX_FILE_BYTES;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The upload body's limit: the file's 32 MiB and room for the form around it.
const MAX_UPLOAD_BODY: usize = MAX_FILE_BYTES + 64 * 1024;
/// KFP keeps names in a 255-character column.
const MAX_NAME: usize = 255;

type Answer = Result<Json<Value>, KfpError>;

/// Where writing a pipeline of `namespace` is authorized: there, or for shared pipelines in
/// KFP's namespace.
fn written_in(namespace: &str) -> &str {
    if namespace.is_empty() {
        SHARED_NAMESPACE
    } else {
        namespace
    }
}

fn too_large() -> KfpError {
    KfpError::too_large(format!(
        "the upload is larger than KFP's limit of {} MiB",
        MAX_FILE_BYTES / (1024 * 1024)
    ))
}

/// The `uploadfile` of a multipart body, read no further than the limit.
async fn form_file(headers: &HeaderMap, body: Body) -> Result<FormFile, KfpError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_UPLOAD_BODY) {
        return Err(too_large());
    }
    let bytes = http_body_util::Limited::new(body, MAX_UPLOAD_BODY)
        .collect()
        .await
        .map_err(|_| too_large())?
        .to_bytes();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    upload::form_file(content_type, &bytes, "uploadfile").map_err(KfpError::invalid)
}

fn check_name(what: &str, name: &str) -> Result<(), KfpError> {
    if name.trim().is_empty() {
        return Err(KfpError::invalid(format!(
            "the {what} name is empty; give one"
        )));
    }
    if name.chars().count() > MAX_NAME {
        return Err(KfpError::invalid(format!(
            "the {what} name is longer than {MAX_NAME} characters"
        )));
    }
    Ok(())
}

/// Records a new pipeline (no version yet); its name must be new in its namespace.
pub(crate) fn store_pipeline(
    store: &Store,
    namespace: &str,
    name: &str,
    display_name: &str,
    description: &str,
) -> Result<Value, KfpError> {
    check_name("pipeline", name)?;
    let same = |pipeline: &Value| {
        spec_str(pipeline, "namespace") == namespace && spec_str(pipeline, "name") == name
    };
    if !store
        .list(objects::pipelines(), None, &same, Some(1), None)
        .items
        .is_empty()
    {
        return Err(KfpError::already_exists(format!(
            "Failed to create a new pipeline. The name {name} already exists{}. Please specify a new name",
            if namespace.is_empty() {
                " among shared pipelines".to_string()
            } else {
                format!(" in namespace {namespace}")
            }
        )));
    }
    let pipeline = json!({
        "metadata": { "name": uuid::Uuid::new_v4().to_string() },
        "spec": { "name": name, "displayName": display_name, "description": description, "namespace": namespace },
    });
    Ok(store.create(objects::pipelines(), "", pipeline, &options())?)
}

/// Records a version of `pipeline` from an uploaded file; its name must be new in the pipeline.
pub(crate) fn store_version(
    store: &Store,
    pipeline: &Value,
    name: &str,
    display_name: &str,
    description: &str,
    file: &PipelineFile,
) -> Result<Value, KfpError> {
    check_name("pipeline version", name)?;
    let pipeline_id = id(pipeline);
    let same = |version: &Value| {
        spec_str(version, "pipelineId") == pipeline_id && spec_str(version, "name") == name
    };
    if !store
        .list(objects::versions(), None, &same, Some(1), None)
        .items
        .is_empty()
    {
        return Err(KfpError::already_exists(format!(
            "Failed to create a new pipeline version. The name {name} already exists in pipeline {pipeline_id}. Please specify a new name"
        )));
    }
    let version = json!({
        "metadata": {
            "name": uuid::Uuid::new_v4().to_string(),
            "labels": { PIPELINE_ID_LABEL: pipeline_id },
            "ownerReferences": owner_reference(pipeline),
        },
        "spec": {
            "pipelineId": pipeline_id,
            "name": name,
            "displayName": display_name,
            "description": description,
            "format": file.format(),
            "pipelineSpec": file.spec,
            "manifest": file.manifest,
            "inputs": file.graph.inputs,
        },
    });
    Ok(store.create(objects::versions(), "", version, &options())?)
}

fn versions_of(store: &Store, pipeline_id: &str) -> Vec<Value> {
    store
        .list(
            objects::versions(),
            None,
            &|version| spec_str(version, "pipelineId") == pipeline_id,
            None,
            None,
        )
        .items
}

/// The newest version of a pipeline (by creation, then by write order).
pub(crate) fn latest_version(store: &Store, pipeline_id: &str) -> Option<Value> {
    versions_of(store, pipeline_id)
        .into_iter()
        .max_by_key(|version| {
            (
                store::meta_str(version, "creationTimestamp")
                    .unwrap_or_default()
                    .to_string(),
                store::meta_str(version, "resourceVersion")
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or_default(),
            )
        })
}

fn pipeline(kfp: &Kfp, pipeline_id: &str) -> Result<Value, KfpError> {
    kfp.store
        .get(objects::pipelines(), "", pipeline_id)
        .map_err(|_| KfpError::not_found("Pipeline", pipeline_id))
}

/// Reading a pipeline takes `verb` permission in its namespace; shared ones are open to all.
fn authorize_read(kfp: &Kfp, user: &str, verb: &str, pipeline: &Value) -> Result<(), KfpError> {
    let namespace = spec_str(pipeline, "namespace");
    if namespace.is_empty() {
        return Ok(());
    }
    kfp.authorize(user, verb, "pipelines", namespace)
}

pub(super) async fn upload(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let namespace = query_text(&query, "namespace").unwrap_or_default();
    kfp.authorize(&user, "create", "pipelines", written_in(namespace))?;
    let form = form_file(&headers, body).await?;
    let file = upload::read(&form.file_name, &form.bytes).map_err(KfpError::invalid)?;
    let name = query_text(&query, "name")
        .or_else(|| query_text(&query, "display_name"))
        .unwrap_or(&form.file_name);
    let display_name = query_text(&query, "display_name").unwrap_or(name);
    let description = query_text(&query, "description")
        .or(file.graph.description.as_deref())
        .unwrap_or_default();
    let pipeline = store_pipeline(&kfp.store, namespace, name, display_name, description)?;
    if let Err(error) = store_version(
        &kfp.store,
        &pipeline,
        name,
        display_name,
        description,
        &file,
    ) {
        let _ = kfp.store.delete(
            objects::pipelines(),
            "",
            id(&pipeline),
            &DeleteOptions::default(),
        );
        return Err(error);
    }
    Ok(Json(objects::pipeline_json(&pipeline)))
}

pub(super) async fn upload_version(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let pipeline_id = query_text(&query, "pipelineid")
        .or_else(|| query_text(&query, "pipeline_id"))
        .ok_or_else(|| {
            KfpError::invalid("Failed to upload a pipeline version: the query names no pipelineid")
        })?;
    let pipeline = pipeline(&kfp, pipeline_id)?;
    kfp.authorize(
        &user,
        "create",
        "pipelines",
        written_in(spec_str(&pipeline, "namespace")),
    )?;
    let form = form_file(&headers, body).await?;
    let file = upload::read(&form.file_name, &form.bytes).map_err(KfpError::invalid)?;
    let name = query_text(&query, "name")
        .or_else(|| query_text(&query, "display_name"))
        .unwrap_or(&form.file_name);
    let display_name = query_text(&query, "display_name").unwrap_or(name);
    let description = query_text(&query, "description")
        .or(file.graph.description.as_deref())
        .unwrap_or_default();
    let version = store_version(
        &kfp.store,
        &pipeline,
        name,
        display_name,
        description,
        &file,
    )?;
    Ok(Json(objects::version_json(&version)))
}

pub(super) async fn list(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let namespace = query_text(&query, "namespace").unwrap_or_default();
    if !namespace.is_empty() {
        kfp.authorize(&user, "list", "pipelines", namespace)?;
    }
    let items = kfp
        .store
        .list(
            objects::pipelines(),
            None,
            &|pipeline| spec_str(pipeline, "namespace") == namespace,
            None,
            None,
        )
        .items
        .iter()
        .map(objects::pipeline_json)
        .collect();
    let page = list::page(items, &query, &list::PIPELINES).map_err(KfpError::invalid)?;
    Ok(Json(page.response("pipelines")))
}

pub(super) async fn get(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path(pipeline_id): Path<String>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let pipeline = pipeline(&kfp, &pipeline_id)?;
    authorize_read(&kfp, &user, "get", &pipeline)?;
    Ok(Json(objects::pipeline_json(&pipeline)))
}

pub(super) async fn delete(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path(pipeline_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let pipeline = pipeline(&kfp, &pipeline_id)?;
    kfp.authorize(
        &user,
        "delete",
        "pipelines",
        written_in(spec_str(&pipeline, "namespace")),
    )?;
    let versions = versions_of(&kfp.store, &pipeline_id).len();
    if versions > 0 && query_text(&query, "cascade") != Some("true") {
        return Err(KfpError::precondition(format!(
            "Failed to delete pipeline {pipeline_id}: it has {versions} pipeline version(s); delete them first, or pass cascade=true"
        )));
    }
    // Its versions go with it: they are owned by it.
    kfp.store.delete(
        objects::pipelines(),
        "",
        &pipeline_id,
        &DeleteOptions::default(),
    )?;
    Ok(Json(json!({})))
}

pub(super) async fn list_versions(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path(pipeline_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let pipeline = pipeline(&kfp, &pipeline_id)?;
    authorize_read(&kfp, &user, "list", &pipeline)?;
    let items = versions_of(&kfp.store, &pipeline_id)
        .iter()
        .map(objects::version_json)
        .collect();
    let page = list::page(items, &query, &list::PIPELINE_VERSIONS).map_err(KfpError::invalid)?;
    Ok(Json(page.response("pipeline_versions")))
}

fn version(kfp: &Kfp, pipeline_id: &str, version_id: &str) -> Result<Value, KfpError> {
    kfp.store
        .get(objects::versions(), "", version_id)
        .ok()
        .filter(|version| spec_str(version, "pipelineId") == pipeline_id)
        .ok_or_else(|| KfpError::not_found("PipelineVersion", version_id))
}

pub(super) async fn get_version(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path((pipeline_id, version_id)): Path<(String, String)>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let pipeline = pipeline(&kfp, &pipeline_id)?;
    authorize_read(&kfp, &user, "get", &pipeline)?;
    let version = version(&kfp, &pipeline_id, &version_id)?;
    Ok(Json(objects::version_json(&version)))
}

pub(super) async fn delete_version(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path((pipeline_id, version_id)): Path<(String, String)>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let pipeline = pipeline(&kfp, &pipeline_id)?;
    kfp.authorize(
        &user,
        "delete",
        "pipelines",
        written_in(spec_str(&pipeline, "namespace")),
    )?;
    version(&kfp, &pipeline_id, &version_id)?;
    kfp.store.delete(
        objects::versions(),
        "",
        &version_id,
        &DeleteOptions::default(),
    )?;
    Ok(Json(json!({})))
}
