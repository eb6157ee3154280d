//! Server functions: stable endpoints, each a few lines that pull context and delegate to
//! `backend`.

mod client;
pub mod katib;
pub mod pipelines;

pub use client::{CSRF_HEADER, KfdashClient};

use crate::model::{AppError, Session};
use leptos::prelude::*;

/// The signed-in user and the cluster kind, for the header.
#[server(endpoint = "session", client = KfdashClient)]
pub async fn get_session() -> Result<Session, AppError> {
    let (user, server) = crate::backend::caller()?;
    Ok(crate::backend::describe_session(&user, &server))
}

/// The namespaces the signed-in user works in, with their role in each.
#[server(endpoint = "workspaces", client = KfdashClient)]
pub async fn list_workspaces() -> Result<crate::model::Workspaces, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::tenancy::workspaces(server.kube.as_ref(), &user, server.registration_open).await
}

/// Creates the signed-in user's own namespace (their Profile); they are its owner.
#[server(endpoint = "workspaces/register", client = KfdashClient)]
pub async fn register_namespace(namespace: String) -> Result<crate::model::NamespaceRow, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::tenancy::register(
        server.kube.as_ref(),
        &user,
        &namespace,
        server.registration_open,
    )
    .await
}

#[server(endpoint = "contributors/list", client = KfdashClient)]
pub async fn list_contributors(
    namespace: String,
) -> Result<Vec<crate::model::Contributor>, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::contributors::list(server.kube.as_ref(), &user, &namespace).await
}

#[server(endpoint = "contributors/add", client = KfdashClient)]
pub async fn add_contributor(
    namespace: String,
    email: String,
    role: crate::model::ContributorRole,
) -> Result<crate::model::Contributor, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::contributors::add(server.kube.as_ref(), &user, &namespace, &email, role).await
}

#[server(endpoint = "contributors/remove", client = KfdashClient)]
pub async fn remove_contributor(namespace: String, email: String) -> Result<(), AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::contributors::remove(server.kube.as_ref(), &user, &namespace, &email).await
}

/// The namespace's recent events, newest first, as far as the user may see them.
#[server(endpoint = "activity/list", client = KfdashClient)]
pub async fn list_activity(
    namespace: String,
) -> Result<Vec<crate::model::ActivityEvent>, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::activity::events(server.kube.as_ref(), &user, &namespace).await
}

/// The namespace's five newest notebook servers, for the home page.
#[server(endpoint = "notebooks/recent", client = KfdashClient)]
pub async fn recent_notebooks(
    namespace: String,
) -> Result<Vec<crate::model::NotebookSummary>, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::activity::recent_notebooks(server.kube.as_ref(), &user, &namespace).await
}

/// Quick links, documentation and extra menu entries, from the dashboard's links config.
#[server(endpoint = "links", client = KfdashClient)]
pub async fn get_links() -> Result<crate::model::LinksConfig, AppError> {
    let (_, server) = crate::backend::caller()?;
    server.links.get(server.kube.as_ref()).await
}

/// Notebook servers of a namespace (`*`: every namespace the user may list).
#[server(endpoint = "notebooks/list", client = KfdashClient)]
pub async fn list_notebooks(namespace: String) -> Result<Vec<crate::model::NotebookRow>, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::notebooks::list(server.kube.as_ref(), &user, &namespace).await
}

/// The spawner's config and what the namespace offers to mount and apply.
#[server(endpoint = "notebooks/spawner", client = KfdashClient)]
pub async fn notebook_spawner(namespace: String) -> Result<crate::model::SpawnerData, AppError> {
    let (user, server) = crate::backend::caller()?;
    let config = server.spawner.get(server.kube.as_ref()).await?;
    crate::backend::notebooks::spawner_data(server.kube.as_ref(), &user, config, &namespace).await
}

/// Creates a notebook server (and its new volumes) from the spawner form.
#[server(endpoint = "notebooks/create", client = KfdashClient, input = server_fn::codec::Json)]
pub async fn create_notebook(
    namespace: String,
    form: crate::model::NotebookForm,
) -> Result<crate::model::NotebookRow, AppError> {
    let (user, server) = crate::backend::caller()?;
    let config = server.spawner.get(server.kube.as_ref()).await?;
    crate::backend::notebooks::create(server.kube.as_ref(), &user, &config, &namespace, &form).await
}

/// Changes a stopped notebook server to what the spawner form says (its name stays).
#[server(endpoint = "notebooks/update", client = KfdashClient, input = server_fn::codec::Json)]
pub async fn update_notebook(
    namespace: String,
    name: String,
    form: crate::model::NotebookForm,
) -> Result<crate::model::NotebookRow, AppError> {
    let (user, server) = crate::backend::caller()?;
    let config = server.spawner.get(server.kube.as_ref()).await?;
    crate::backend::notebooks::update(
        server.kube.as_ref(),
        &user,
        &config,
        &namespace,
        &name,
        &form,
    )
    .await
}

/// Stops (`stopped = true`) or starts a notebook server.
#[server(endpoint = "notebooks/stop", client = KfdashClient)]
pub async fn set_notebook_stopped(
    namespace: String,
    name: String,
    stopped: bool,
) -> Result<crate::model::NotebookRow, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::notebooks::set_stopped(server.kube.as_ref(), &user, &namespace, &name, stopped)
        .await
}

/// Deletes a notebook server, and the volumes kfdash made for it when asked.
#[server(endpoint = "notebooks/delete", client = KfdashClient)]
pub async fn delete_notebook(
    namespace: String,
    name: String,
    delete_volumes: bool,
) -> Result<Vec<String>, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::notebooks::delete(
        server.kube.as_ref(),
        &user,
        &namespace,
        &name,
        delete_volumes,
    )
    .await
}

/// The volumes kfdash made for a notebook (offered when deleting it).
#[server(endpoint = "notebooks/volumes", client = KfdashClient)]
pub async fn notebook_volumes(namespace: String, name: String) -> Result<Vec<String>, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::notebooks::owned_volumes(server.kube.as_ref(), &user, &namespace, &name).await
}

#[server(endpoint = "notebooks/details", client = KfdashClient)]
pub async fn notebook_details(
    namespace: String,
    name: String,
) -> Result<crate::model::NotebookDetails, AppError> {
    let (user, server) = crate::backend::caller()?;
    let config = server.spawner.get(server.kube.as_ref()).await?;
    crate::backend::notebooks::details(server.kube.as_ref(), &user, &config, &namespace, &name)
        .await
}

#[server(endpoint = "notebooks/logs", client = KfdashClient)]
pub async fn notebook_logs(namespace: String, name: String) -> Result<String, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::notebooks::logs(server.kube.as_ref(), &user, &namespace, &name).await
}
