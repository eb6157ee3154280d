//! Notebook servers, read and changed as the signed-in user: the cluster's RBAC decides what
//! they may see and do. The spawner's form is checked here again, whatever the browser did.

use super::reloading::{Document, Reloading};
use super::{Cluster, Scope, SignedInUser};
use crate::domain::notebook_index::NotebookIndex;
use crate::domain::{notebook_edit, spawner};
use crate::model::{
    AppError, ClaimOption, ConditionRow, NotebookDetails, NotebookEvent, NotebookForm, NotebookRow,
    PodDefaultOption, SpawnerConfig, SpawnerData,
};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, LogParams, Patch, PatchParams, PostParams,
};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

use crate::domain::notebook_status::STOPPED_ANNOTATION;

/// The label kfdash puts on the PVCs it creates for a notebook, so deleting the notebook can
/// offer to delete them too.
use crate::domain::spawner::PVC_NOTEBOOK_LABEL as VOLUME_OWNER_LABEL;

/// Log lines a details page shows.
const LOG_LINES: i64 = 500;

pub fn notebooks_resource() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Notebook"))
}

fn pod_defaults_resource() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk(
        "kubeflow.org",
        "v1alpha1",
        "PodDefault",
    ))
}

impl Document for SpawnerConfig {
    const KEY: &'static str = "spawner_ui_config.yaml";

    fn parse(text: &str) -> Result<Self, String> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct File {
            spawner_form_defaults: SpawnerConfig,
        }
        serde_saphyr::from_str::<File>(text)
            .map(|file| file.spawner_form_defaults)
            .map_err(|error| format!("the spawner config is not valid: {error}"))
    }

    fn defaults() -> Self {
        Self::parse(include_str!("spawner_defaults.yaml"))
            .expect("the built-in spawner defaults parse")
    }
}

pub type SpawnerProvider = Reloading<SpawnerConfig>;

/// Notebooks, their pods and their events, listed with three calls whatever their number.
pub async fn index(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    scope: &Scope,
) -> Result<NotebookIndex, AppError> {
    let client = cluster.as_user(user)?;
    let notebooks = notebooks_resource();
    let pods = ApiResource::erase::<Pod>(&());
    let events = ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "Event"));
    let (everything, notebook_pods) = (
        ListParams::default(),
        ListParams::default().labels("notebook-name"),
    );
    let (notebooks, pods, events) = futures::try_join!(
        super::list_json(&client, scope, &notebooks, &everything),
        super::list_json(&client, scope, &pods, &notebook_pods),
        super::list_json(&client, scope, &events, &everything),
    )?;
    Ok(NotebookIndex::new(notebooks, pods, events))
}

pub async fn list(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
) -> Result<Vec<NotebookRow>, AppError> {
    Ok(index(cluster, user, &Scope::parse(namespace)?)
        .await?
        .rows())
}

/// What the spawner form needs: the config, and what exists in the namespace to pick from.
pub async fn spawner_data(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    config: SpawnerConfig,
    namespace: &str,
) -> Result<SpawnerData, AppError> {
    let namespace = Scope::parse(namespace)?.one("creating a notebook")?;
    let client = cluster.as_user(user)?;
    let pod_default_api =
        Api::<DynamicObject>::namespaced_with(client.clone(), &namespace, &pod_defaults_resource());
    let claim_api = Api::<PersistentVolumeClaim>::namespaced(client.clone(), &namespace);
    let notebook_api =
        Api::<DynamicObject>::namespaced_with(client.clone(), &namespace, &notebooks_resource());
    let pod_api = Api::<Pod>::namespaced(client, &namespace);
    let everything = ListParams::default();
    let (pod_defaults, claims, notebooks, pods) = futures::try_join!(
        pod_default_api.list(&everything),
        claim_api.list(&everything),
        notebook_api.list(&everything),
        pod_api.list(&everything),
    )?;
    // Storage classes are cluster-wide and users seldom may list them; like the upstream
    // spawner, the dashboard reads them as itself. They say nothing about any tenant.
    let classes = Api::<StorageClass>::all(cluster.as_dashboard())
        .list(&ListParams::default())
        .await
        .map(|list| list.items)
        .unwrap_or_default();
    let default_storage_class = classes
        .iter()
        .find(|class| {
            class.metadata.annotations.as_ref().is_some_and(|a| {
                a.get("storageclass.kubernetes.io/is-default-class")
                    .is_some_and(|v| v == "true")
            })
        })
        .and_then(|class| class.metadata.name.clone());
    let used_by = |claim: &str| -> Vec<String> {
        let mut users: Vec<String> = notebooks
            .items
            .iter()
            .filter(|notebook| mounts_claim(&notebook.data, claim))
            .filter_map(|notebook| notebook.metadata.name.clone())
            .collect();
        users.extend(
            pods.items
                .iter()
                .filter(|pod| {
                    pod.metadata
                        .labels
                        .as_ref()
                        .is_none_or(|labels| !labels.contains_key("notebook-name"))
                })
                .filter(|pod| {
                    pod.spec.as_ref().is_some_and(|spec| {
                        spec.volumes.iter().flatten().any(|volume| {
                            volume
                                .persistent_volume_claim
                                .as_ref()
                                .is_some_and(|source| source.claim_name == claim)
                        })
                    })
                })
                .filter_map(|pod| pod.metadata.name.clone()),
        );
        users
    };
    let mut claims: Vec<ClaimOption> = claims
        .items
        .iter()
        .filter_map(|claim| {
            let name = claim.metadata.name.clone()?;
            let spec = claim.spec.clone().unwrap_or_default();
            Some(ClaimOption {
                used_by: used_by(&name),
                size: spec
                    .resources
                    .and_then(|r| r.requests)
                    .and_then(|mut r| r.remove("storage"))
                    .map(|q| q.0)
                    .unwrap_or_default(),
                access_modes: spec.access_modes.unwrap_or_default(),
                name,
            })
        })
        .collect();
    claims.sort_by(|a, b| a.name.cmp(&b.name));
    let mut pod_defaults: Vec<PodDefaultOption> = pod_defaults
        .items
        .iter()
        .filter_map(pod_default_option)
        .collect();
    pod_defaults.sort_by(|a, b| a.label.cmp(&b.label));
    let mut notebook_names: Vec<String> = notebooks
        .items
        .into_iter()
        .filter_map(|notebook| notebook.metadata.name)
        .collect();
    notebook_names.sort();
    let mut storage_classes: Vec<String> = classes
        .into_iter()
        .filter_map(|class| class.metadata.name)
        .collect();
    storage_classes.sort();
    Ok(SpawnerData {
        config,
        pod_defaults,
        claims,
        storage_classes,
        default_storage_class,
        notebook_names,
    })
}

/// A PodDefault as a choice: the label its selector matches, and its description.
fn pod_default_option(pod_default: &DynamicObject) -> Option<PodDefaultOption> {
    let labels = pod_default
        .data
        .pointer("/spec/selector/matchLabels")?
        .as_object()?;
    let (label, _) = labels.iter().next()?;
    Some(PodDefaultOption {
        label: label.clone(),
        description: pod_default
            .data
            .pointer("/spec/desc")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| pod_default.metadata.name.clone())
            .unwrap_or_default(),
    })
}

fn mounts_claim(notebook: &Value, claim: &str) -> bool {
    notebook
        .pointer("/spec/template/spec/volumes")
        .and_then(Value::as_array)
        .is_some_and(|volumes| {
            volumes.iter().any(|volume| {
                volume.pointer("/persistentVolumeClaim/claimName") == Some(&json!(claim))
            })
        })
}

/// Claims the notebook object mounts.
fn claims_of(notebook: &Value) -> Vec<String> {
    notebook
        .pointer("/spec/template/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|volume| volume.pointer("/persistentVolumeClaim/claimName"))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Creates the notebook and its new volumes. Everything is checked first (the form, then a dry
/// run of every object), so a refused notebook leaves nothing behind.
pub async fn create(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    config: &SpawnerConfig,
    namespace: &str,
    form: &NotebookForm,
) -> Result<NotebookRow, AppError> {
    let namespace = Scope::parse(namespace)?.one("creating a notebook")?;
    let (notebook, new_claims) =
        checked_objects(cluster, user, config, &namespace, form, None).await?;
    let notebook = dynamic(notebook, "the notebook object")?;
    let writes = NotebookWrites::new(cluster, user, &namespace)?;
    let (api, object) = (&writes.notebooks, &notebook);
    let made = writes
        .with_new_claims(&new_claims, move |params| async move {
            api.create(&params, object).await
        })
        .await?;
    row_of(made, &form.name)
}

/// Changes a stopped notebook to what the form says and creates its new volumes, checked like
/// [`create`]. A running notebook is refused: its pod would restart under the user.
pub async fn update(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    config: &SpawnerConfig,
    namespace: &str,
    name: &str,
    form: &NotebookForm,
) -> Result<NotebookRow, AppError> {
    let namespace = one_notebook(namespace, name)?;
    if form.name != name {
        return Err(AppError::invalid(
            "name",
            "a notebook can't be renamed; clone it to get a copy with another name",
        ));
    }
    let writes = NotebookWrites::new(cluster, user, &namespace)?;
    let existing = writes.notebooks.get(name).await?;
    let stopped = existing
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|annotations| annotations.contains_key(STOPPED_ANNOTATION));
    if !stopped {
        return Err(AppError::Conflict(
            "stop the notebook before editing it".into(),
        ));
    }
    let (edited, new_claims) =
        checked_objects(cluster, user, config, &namespace, form, Some(name)).await?;
    let existing = serde_json::to_value(existing)
        .map_err(|error| AppError::Internal(format!("the notebook object: {error}")))?;
    let notebook = dynamic(
        notebook_edit::apply_edit(&existing, &edited, config),
        "the edited notebook object",
    )?;
    let (api, object) = (&writes.notebooks, &notebook);
    let made = writes
        .with_new_claims(&new_claims, move |params| async move {
            api.replace(name, &params, object).await
        })
        .await?;
    row_of(made, name)
}

/// The form checked against the config and what the namespace holds, as the notebook object
/// and the new volumes' objects. `editing` is the notebook being edited: its name isn't taken.
async fn checked_objects(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    config: &SpawnerConfig,
    namespace: &str,
    form: &NotebookForm,
    editing: Option<&str>,
) -> Result<(Value, Vec<Value>), AppError> {
    let data = spawner_data(cluster, user, config.clone(), namespace).await?;
    let taken: Vec<String> = data
        .notebook_names
        .iter()
        .filter(|taken| Some(taken.as_str()) != editing)
        .cloned()
        .collect();
    let valid = spawner::validate(form, config, &taken).map_err(first_problem)?;
    let notebook = spawner::notebook_object(&valid, config, namespace, &user.email);
    let new_claims = spawner::pvc_objects(&valid, namespace);
    check_references(&notebook, &new_claims, &data)?;
    Ok((notebook, new_claims))
}

fn dynamic(object: Value, what: &str) -> Result<DynamicObject, AppError> {
    serde_json::from_value(object).map_err(|error| AppError::Internal(format!("{what}: {error}")))
}

/// The notebook as a row of the list.
fn row_of(notebook: DynamicObject, name: &str) -> Result<NotebookRow, AppError> {
    let notebook = serde_json::to_value(notebook).unwrap_or_default();
    NotebookIndex::new(vec![notebook], vec![], vec![])
        .rows()
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("notebook {name}")))
}

/// A namespace's notebooks and volumes, as the signed-in user.
struct NotebookWrites {
    namespace: String,
    notebooks: Api<DynamicObject>,
    claims: Api<DynamicObject>,
}

impl NotebookWrites {
    fn new(cluster: &dyn Cluster, user: &SignedInUser, namespace: &str) -> Result<Self, AppError> {
        let client = cluster.as_user(user)?;
        Ok(Self {
            namespace: namespace.to_string(),
            notebooks: Api::namespaced_with(client.clone(), namespace, &notebooks_resource()),
            claims: Api::namespaced_with(
                client,
                namespace,
                &ApiResource::erase::<PersistentVolumeClaim>(&()),
            ),
        })
    }

    /// Writes the notebook with `write` and creates the new volumes it mounts, all or nothing:
    /// a dry run of every object first, then the volumes, then the notebook. Volumes made for
    /// a notebook that could not be written are deleted again.
    async fn with_new_claims<Write, Written>(
        &self,
        new_claims: &[Value],
        write: Write,
    ) -> Result<DynamicObject, AppError>
    where
        Write: Fn(PostParams) -> Written,
        Written: Future<Output = Result<DynamicObject, kube::Error>>,
    {
        let new_claims: Vec<DynamicObject> = new_claims
            .iter()
            .map(|claim| dynamic(claim.clone(), "a volume object"))
            .collect::<Result<_, _>>()?;
        let params = |dry_run: bool| PostParams {
            dry_run,
            field_manager: Some("kfdash".into()),
        };
        write(params(true)).await?;
        for claim in &new_claims {
            self.claims.create(&params(true), claim).await?;
        }

        let mut created: Vec<String> = Vec::new();
        let mut outcome = Ok(());
        for claim in &new_claims {
            match self.claims.create(&params(false), claim).await {
                Ok(made) => created.push(made.metadata.name.unwrap_or_default()),
                Err(error) => {
                    outcome = Err(error);
                    break;
                }
            }
        }
        let written = match outcome {
            Ok(()) => write(params(false)).await,
            Err(error) => Err(error),
        };
        if written.is_err() {
            // Don't leave volumes behind for a notebook that isn't there.
            for name in created {
                if let Err(cleanup) = self.claims.delete(&name, &DeleteParams::default()).await {
                    let namespace = &self.namespace;
                    tracing::warn!(%namespace, claim = %name, error = %cleanup, "could not remove a volume of a notebook that failed to be written");
                }
            }
        }
        written.map_err(AppError::from)
    }
}

fn first_problem(problems: Vec<crate::model::FieldError>) -> AppError {
    problems
        .into_iter()
        .next()
        .map(|problem| AppError::invalid(problem.field, problem.message))
        .unwrap_or_else(|| AppError::BadRequest("the form is not valid".into()))
}

/// Existing claims must exist and configurations must be PodDefaults of the namespace.
fn check_references(
    notebook: &Value,
    new_claims: &[Value],
    data: &SpawnerData,
) -> Result<(), AppError> {
    let new_names: Vec<&str> = new_claims
        .iter()
        .filter_map(|claim| claim.pointer("/metadata/name").and_then(Value::as_str))
        .collect();
    for claim in claims_of(notebook) {
        let exists = data.claims.iter().any(|known| known.name == claim);
        if new_names.contains(&claim.as_str()) {
            if exists {
                return Err(AppError::invalid(
                    "workspace",
                    format!(
                        "a volume named {claim} exists already; mount it as an existing volume or choose another name"
                    ),
                ));
            }
        } else if !exists {
            return Err(AppError::invalid(
                "data_volumes",
                format!("there is no volume named {claim} in this namespace"),
            ));
        }
    }
    let labels = notebook
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (label, value) in labels {
        if value == "true" && !data.pod_defaults.iter().any(|known| known.label == label) {
            return Err(AppError::invalid(
                "configurations",
                format!("there is no configuration (PodDefault) for {label} in this namespace"),
            ));
        }
    }
    Ok(())
}

fn one_notebook(namespace: &str, name: &str) -> Result<String, AppError> {
    if let Some(problem) = crate::domain::names::label_problem(name) {
        return Err(AppError::invalid("name", problem));
    }
    Scope::parse(namespace)?.one("a notebook")
}

/// Stops (scales to zero) or starts a notebook, as Kubeflow's culler and web app do.
pub async fn set_stopped(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    name: &str,
    stopped: bool,
) -> Result<NotebookRow, AppError> {
    let namespace = one_notebook(namespace, name)?;
    let value = stopped.then(|| {
        k8s_openapi::jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    });
    let patch = json!({ "metadata": { "annotations": { STOPPED_ANNOTATION: value } } });
    let made = Api::<DynamicObject>::namespaced_with(
        cluster.as_user(user)?,
        &namespace,
        &notebooks_resource(),
    )
    .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
    .await?;
    row_of(made, name)
}

/// Deletes a notebook and, when asked, the volumes kfdash created for it (never others).
pub async fn delete(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    name: &str,
    delete_volumes: bool,
) -> Result<Vec<String>, AppError> {
    let namespace = one_notebook(namespace, name)?;
    let client = cluster.as_user(user)?;
    Api::<DynamicObject>::namespaced_with(client.clone(), &namespace, &notebooks_resource())
        .delete(name, &DeleteParams::foreground())
        .await?;
    if !delete_volumes {
        return Ok(Vec::new());
    }
    let claims = Api::<PersistentVolumeClaim>::namespaced(client, &namespace);
    let owned = claims
        .list(&ListParams::default().labels(&format!("{VOLUME_OWNER_LABEL}={name}")))
        .await?;
    let mut deleted = Vec::new();
    for claim in owned.items {
        let Some(claim) = claim.metadata.name else {
            continue;
        };
        claims.delete(&claim, &DeleteParams::default()).await?;
        deleted.push(claim);
    }
    Ok(deleted)
}

/// Volumes kfdash created for the notebook, which deleting it can take along.
pub async fn owned_volumes(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    name: &str,
) -> Result<Vec<String>, AppError> {
    let namespace = one_notebook(namespace, name)?;
    let owned = Api::<PersistentVolumeClaim>::namespaced(cluster.as_user(user)?, &namespace)
        .list(&ListParams::default().labels(&format!("{VOLUME_OWNER_LABEL}={name}")))
        .await?;
    Ok(owned
        .items
        .into_iter()
        .filter_map(|claim| claim.metadata.name)
        .collect())
}

/// Everything the details page shows.
pub async fn details(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    config: &SpawnerConfig,
    namespace: &str,
    name: &str,
) -> Result<NotebookDetails, AppError> {
    let namespace = one_notebook(namespace, name)?;
    let client = cluster.as_user(user)?;
    let notebook =
        Api::<DynamicObject>::namespaced_with(client.clone(), &namespace, &notebooks_resource())
            .get(name)
            .await?;
    let scope = Scope::One(namespace.clone());
    let pods = super::list_json(
        &client,
        &scope,
        &ApiResource::erase::<Pod>(&()),
        &ListParams::default().labels(&format!("notebook-name={name}")),
    )
    .await?;
    let events = super::list_json(
        &client,
        &scope,
        &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "Event")),
        &ListParams::default(),
    )
    .await?;
    let mut notebook = serde_json::to_value(notebook).unwrap_or_default();
    if let Some(metadata) = notebook.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    let key = (namespace.clone(), name.to_string());
    let about_it: Vec<Value> = events
        .into_iter()
        .filter(|event| crate::domain::notebook_index::event_subject(event).as_ref() == Some(&key))
        .collect();
    let index = NotebookIndex::new(vec![notebook.clone()], pods, about_it.clone());
    let row = index
        .row(&key)
        .ok_or_else(|| AppError::NotFound(format!("notebook {name}")))?;
    let yaml = serde_saphyr::to_string(&notebook)
        .map_err(|error| AppError::Internal(format!("the notebook as YAML: {error}")))?;
    Ok(NotebookDetails {
        row,
        mounts: mounts(&notebook),
        configurations: notebook
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, value)| *value == "true")
            .map(|(label, _)| label.clone())
            .collect(),
        environment: notebook
            .pointer("/spec/template/spec/containers/0/env")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|env| {
                (
                    env["name"].as_str().unwrap_or_default().to_string(),
                    env["value"]
                        .as_str()
                        .unwrap_or("(from a reference)")
                        .to_string(),
                )
            })
            .collect(),
        conditions: conditions(&notebook),
        events: event_rows(&about_it),
        form: spawner::form_from_notebook(&notebook, config),
        yaml,
    })
}

fn mounts(notebook: &Value) -> Vec<(String, String)> {
    let volumes = notebook
        .pointer("/spec/template/spec/volumes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let source_of = |volume_name: &str| -> String {
        let Some(volume) = volumes.iter().find(|v| v["name"] == volume_name) else {
            return volume_name.to_string();
        };
        if let Some(claim) = volume
            .pointer("/persistentVolumeClaim/claimName")
            .and_then(Value::as_str)
        {
            return format!("volume {claim}");
        }
        if volume.get("emptyDir").is_some() {
            return "shared memory (in RAM)".into();
        }
        for kind in ["configMap", "secret"] {
            if let Some(source) = volume.get(kind) {
                let name = source["name"]
                    .as_str()
                    .or(source["secretName"].as_str())
                    .unwrap_or_default();
                return format!("{kind} {name}");
            }
        }
        volume_name.to_string()
    };
    notebook
        .pointer("/spec/template/spec/containers/0/volumeMounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|mount| {
            (
                mount["mountPath"].as_str().unwrap_or_default().to_string(),
                source_of(mount["name"].as_str().unwrap_or_default()),
            )
        })
        .collect()
}

fn conditions(notebook: &Value) -> Vec<ConditionRow> {
    notebook
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|condition| {
            let text = |key: &str| condition[key].as_str().unwrap_or_default().to_string();
            ConditionRow {
                kind: text("type"),
                status: text("status"),
                reason: text("reason"),
                message: text("message"),
                time: condition["lastTransitionTime"]
                    .as_str()
                    .or(condition["lastProbeTime"].as_str())
                    .unwrap_or_default()
                    .to_string(),
            }
        })
        .collect()
}

fn event_rows(events: &[Value]) -> Vec<NotebookEvent> {
    let mut rows: Vec<NotebookEvent> = events
        .iter()
        .map(|event| {
            let text = |pointer: &str| {
                event
                    .pointer(pointer)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            NotebookEvent {
                time: event
                    .pointer("/lastTimestamp")
                    .or_else(|| event.pointer("/eventTime"))
                    .or_else(|| event.pointer("/metadata/creationTimestamp"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                warning: event["type"] == "Warning",
                reason: text("/reason"),
                object: format!(
                    "{}/{}",
                    text("/involvedObject/kind").to_lowercase(),
                    text("/involvedObject/name")
                ),
                message: text("/message"),
                count: event["count"]
                    .as_u64()
                    .unwrap_or(1)
                    .min(u64::from(u32::MAX)) as u32,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.time.cmp(&a.time));
    rows
}

/// The notebook server's log: its pod's main container, the last lines.
pub async fn logs(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    name: &str,
) -> Result<String, AppError> {
    let namespace = one_notebook(namespace, name)?;
    let pods = Api::<Pod>::namespaced(cluster.as_user(user)?, &namespace);
    let found = pods
        .list(&ListParams::default().labels(&format!("notebook-name={name}")))
        .await?;
    let Some(pod) = found
        .items
        .into_iter()
        .next()
        .and_then(|pod| pod.metadata.name)
    else {
        return Ok(String::new());
    };
    let params = LogParams {
        container: Some(name.to_string()),
        tail_lines: Some(LOG_LINES),
        ..LogParams::default()
    };
    match pods.logs(&pod, &params).await {
        Ok(text) => Ok(text),
        // A pod that hasn't started has no log yet; that's not an error to show.
        Err(kube::Error::Api(status)) if status.code == 400 => Ok(String::new()),
        Err(error) => Err(error.into()),
    }
}
