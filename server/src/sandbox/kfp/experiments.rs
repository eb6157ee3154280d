//! Experiments: a namespace's folders of runs. Archiving one archives its runs, as KFP does.

use super::objects::{self, EXPERIMENT_ID_LABEL, id, namespace, spec_str};
use super::{Kfp, KfpError, json_body, list, query_text, text};
use crate::sandbox::controllers::options;
use crate::sandbox::store::{Part, Store};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};
use std::collections::HashMap;

type Answer = Result<Json<Value>, KfpError>;

pub const AVAILABLE: &str = "AVAILABLE";
pub const ARCHIVED: &str = "ARCHIVED";

/// Records a new experiment; its name must be new in the namespace.
pub(crate) fn store_experiment(
    store: &Store,
    namespace: &str,
    display_name: &str,
    description: &str,
) -> Result<Value, KfpError> {
    if display_name.trim().is_empty() {
        return Err(KfpError::invalid(
            "Experiment display name is empty. Please specify a valid experiment name",
        ));
    }
    let same = |experiment: &Value| spec_str(experiment, "displayName") == display_name;
    if !store
        .list(
            objects::experiments(),
            Some(namespace),
            &same,
            Some(1),
            None,
        )
        .items
        .is_empty()
    {
        return Err(KfpError::already_exists(format!(
            "Failed to create a new experiment. The name {display_name} already exists in namespace {namespace}. Please specify a new name"
        )));
    }
    let experiment = json!({
        "metadata": { "name": uuid::Uuid::new_v4().to_string() },
        "spec": { "displayName": display_name, "description": description, "storageState": AVAILABLE },
    });
    Ok(store.create(objects::experiments(), namespace, experiment, &options())?)
}

pub(super) fn experiment(kfp: &Kfp, experiment_id: &str) -> Result<Value, KfpError> {
    objects::find(&kfp.store, objects::experiments(), experiment_id)
        .ok_or_else(|| KfpError::not_found("Experiment", experiment_id))
}

pub(super) async fn list(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let namespace = query_text(&query, "namespace").ok_or_else(|| {
        KfpError::invalid(
            "Invalid input error: In multi-user mode, ListExperiments must filter by namespace",
        )
    })?;
    kfp.authorize(&user, "list", "experiments", namespace)?;
    let items = kfp
        .store
        .list(
            objects::experiments(),
            Some(namespace),
            &|_| true,
            None,
            None,
        )
        .items
        .iter()
        .map(objects::experiment_json)
        .collect();
    let page = list::page(items, &query, &list::EXPERIMENTS).map_err(KfpError::invalid)?;
    Ok(Json(page.response("experiments")))
}

pub(super) async fn create(State(kfp): State<Kfp>, headers: HeaderMap, body: Bytes) -> Answer {
    let user = kfp.caller(&headers)?;
    let body = json_body(&body)?;
    let namespace = text(&body, "namespace");
    if namespace.is_empty() {
        return Err(KfpError::invalid(
            "Invalid input error: In multi-user mode, an experiment needs a namespace",
        ));
    }
    kfp.authorize(&user, "create", "experiments", namespace)?;
    let experiment = store_experiment(
        &kfp.store,
        namespace,
        text(&body, "display_name"),
        text(&body, "description"),
    )?;
    Ok(Json(objects::experiment_json(&experiment)))
}

pub(super) async fn get(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path(experiment_id): Path<String>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let experiment = experiment(&kfp, &experiment_id)?;
    kfp.authorize(&user, "get", "experiments", namespace(&experiment))?;
    Ok(Json(objects::experiment_json(&experiment)))
}

/// `POST experiments/{id}:archive` and `:unarchive`.
pub(super) async fn act(
    State(kfp): State<Kfp>,
    headers: HeaderMap,
    Path(target): Path<String>,
) -> Answer {
    let user = kfp.caller(&headers)?;
    let (experiment_id, verb) = match target.rsplit_once(':') {
        Some((experiment_id, verb @ ("archive" | "unarchive"))) => (experiment_id, verb),
        _ => {
            return Err(KfpError::no_endpoint(&format!(
                "/apis/v2beta1/experiments/{target}"
            )));
        }
    };
    let experiment = experiment(&kfp, experiment_id)?;
    let namespace = namespace(&experiment).to_string();
    kfp.authorize(&user, verb, "experiments", &namespace)?;
    let state = if verb == "archive" {
        ARCHIVED
    } else {
        AVAILABLE
    };
    set_storage_state(
        &kfp.store,
        objects::experiments(),
        &namespace,
        experiment_id,
        state,
    )?;
    if verb == "archive" {
        let runs = kfp
            .store
            .list(
                objects::runs(),
                Some(&namespace),
                &|run| {
                    run.pointer(&format!(
                        "/metadata/labels/{}",
                        EXPERIMENT_ID_LABEL.replace('/', "~1")
                    ))
                    .and_then(Value::as_str)
                        == Some(experiment_id)
                },
                None,
                None,
            )
            .items;
        for run in runs {
            set_storage_state(&kfp.store, objects::runs(), &namespace, id(&run), ARCHIVED)?;
        }
    }
    Ok(Json(json!({})))
}

pub(super) fn set_storage_state(
    store: &Store,
    kind: &'static crate::sandbox::registry::ResourceType,
    namespace: &str,
    object_id: &str,
    state: &str,
) -> Result<(), KfpError> {
    store.modify(
        kind,
        namespace,
        object_id,
        Part::Main,
        &options(),
        |current| {
            let mut next = current.clone();
            next["spec"]["storageState"] = json!(state);
            Ok(next)
        },
    )?;
    Ok(())
}
