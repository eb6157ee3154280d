//! The namespace's recent Kubernetes events and notebooks, read as the signed-in user: what
//! they may not see, the cluster refuses.

use super::{Cluster, Scope, SignedInUser};
use crate::model::{ActivityEvent, AppError, NotebookSummary};
use k8s_openapi::api::core::v1::Event;
use kube::api::ListParams;
use kube::core::{ApiResource, GroupVersionKind};

const MAX_EVENTS: usize = 200;

fn time_of(event: &Event) -> String {
    event
        .last_timestamp
        .as_ref()
        .map(|t| t.0.to_string())
        .or_else(|| event.event_time.as_ref().map(|t| t.0.to_string()))
        .or_else(|| {
            event
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string())
        })
        .unwrap_or_default()
}

pub async fn events(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
) -> Result<Vec<ActivityEvent>, AppError> {
    let list = Scope::parse(namespace)?
        .api::<Event>(cluster.as_user(user)?)
        .list(&ListParams::default())
        .await?;
    let mut events: Vec<ActivityEvent> = list
        .items
        .iter()
        .map(|event| ActivityEvent {
            time: time_of(event),
            warning: event.type_.as_deref() == Some("Warning"),
            reason: event.reason.clone().unwrap_or_default(),
            object: format!(
                "{}/{}",
                event
                    .involved_object
                    .kind
                    .clone()
                    .unwrap_or_default()
                    .to_lowercase(),
                event.involved_object.name.clone().unwrap_or_default()
            ),
            message: event.message.clone().unwrap_or_default(),
        })
        .collect();
    events.sort_by(|a, b| b.time.cmp(&a.time));
    events.truncate(MAX_EVENTS);
    Ok(events)
}

pub async fn recent_notebooks(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
) -> Result<Vec<NotebookSummary>, AppError> {
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Notebook"));
    let list = Scope::parse(namespace)?
        .api_with(cluster.as_user(user)?, &resource)
        .list(&ListParams::default())
        .await?;
    let mut notebooks: Vec<NotebookSummary> = list
        .items
        .iter()
        .map(|notebook| {
            let stopped = notebook
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key("kubeflow-resource-stopped"));
            let ready = notebook
                .data
                .pointer("/status/readyReplicas")
                .and_then(|v| v.as_i64())
                .unwrap_or(0)
                > 0;
            NotebookSummary {
                name: notebook.metadata.name.clone().unwrap_or_default(),
                status: if stopped {
                    "Stopped"
                } else if ready {
                    "Running"
                } else {
                    "Starting"
                }
                .to_string(),
                image: notebook
                    .data
                    .pointer("/spec/template/spec/containers/0/image")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
                created: notebook
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    notebooks.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.name.cmp(&b.name)));
    notebooks.truncate(5);
    Ok(notebooks)
}
