//! Server functions for pipelines, experiments and runs. Each checks what the page sent, then
//! calls KFP (and the cluster) as the signed-in user. Uploads don't come through here: they
//! are multipart and up to 32 MiB, see `POST {base}/api/pipelines/upload` in the server.

use super::KfdashClient;
use crate::model::AppError;
use crate::model::kfp::{
    ExperimentRow, NewRun, PipelineDetails, PipelineList, RunList, RunQuery, RunRow, RunView,
    VersionGraph,
};
use leptos::prelude::*;

/// One page of the namespace's pipelines (`shared`: the ones shared with everyone).
#[server(endpoint = "pipelines/list", client = KfdashClient)]
pub async fn list_pipelines(
    namespace: String,
    shared: bool,
    page_token: Option<String>,
) -> Result<PipelineList, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("Pipelines")?;
    let scope = (!shared).then_some(namespace.as_str());
    server
        .kfp
        .list_pipelines(&user, scope, page_token.as_deref())
        .await
}

/// A pipeline and its versions, newest first.
#[server(endpoint = "pipelines/get", client = KfdashClient)]
pub async fn get_pipeline(id: String) -> Result<PipelineDetails, AppError> {
    let (user, server) = crate::backend::caller()?;
    server.kfp.pipeline(&user, &id).await
}

/// The graph and run parameters of one version.
#[server(endpoint = "pipelines/version", client = KfdashClient)]
pub async fn pipeline_version(
    pipeline_id: String,
    version_id: String,
) -> Result<VersionGraph, AppError> {
    let (user, server) = crate::backend::caller()?;
    server
        .kfp
        .version_graph(&user, &pipeline_id, &version_id)
        .await
}

#[server(endpoint = "experiments/list", client = KfdashClient)]
pub async fn list_experiments(namespace: String) -> Result<Vec<ExperimentRow>, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("Experiments")?;
    server.kfp.experiments(&user, &namespace).await
}

/// One page of runs, filtered and sorted by KFP.
#[server(endpoint = "runs/list", client = KfdashClient, input = server_fn::codec::Json)]
pub async fn list_runs(query: RunQuery) -> Result<RunList, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&query.namespace)?.one("Runs")?;
    server
        .kfp
        .runs(&user, &RunQuery { namespace, ..query })
        .await
}

/// Starts a run: parameters checked against the version's inputs, the experiment created first
/// if the user named a new one.
#[server(endpoint = "runs/create", client = KfdashClient, input = server_fn::codec::Json)]
pub async fn create_run(new: NewRun) -> Result<RunRow, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&new.namespace)?.one("A run")?;
    let name = new.name.trim();
    if name.is_empty() || name.len() > 128 {
        return Err(AppError::invalid(
            "name",
            "give the run a name of 1 to 128 characters",
        ));
    }
    let version = server
        .kfp
        .version_graph(&user, &new.pipeline_id, &new.version_id)
        .await?;
    let parameters = crate::domain::run_params::check(&version.graph.inputs, &new.parameters)
        .map_err(|errors| {
            let first = &errors[0];
            AppError::invalid(first.field.clone(), first.message.clone())
        })?;
    let experiment_id = match (&new.experiment_id, &new.new_experiment) {
        (Some(id), _) if !id.is_empty() => id.clone(),
        (_, Some(name)) => {
            server
                .kfp
                .create_experiment(&user, &namespace, name)
                .await?
                .id
        }
        _ => {
            return Err(AppError::invalid(
                "experiment",
                "choose an experiment or name a new one",
            ));
        }
    };
    server
        .kfp
        .create_run(&user, &new, &experiment_id, &parameters)
        .await
}

/// A run with its graph (from its workflow, else from KFP's task details).
#[server(endpoint = "runs/get", client = KfdashClient)]
pub async fn get_run(namespace: String, id: String) -> Result<RunView, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::pipelines::run_view(server.kube.as_ref(), &server.kfp, &user, &namespace, &id)
        .await
}

/// Terminates, retries, archives or restores a run.
#[server(endpoint = "runs/action", client = KfdashClient)]
pub async fn run_action(id: String, action: crate::model::kfp::RunAction) -> Result<(), AppError> {
    let (user, server) = crate::backend::caller()?;
    server.kfp.run_action(&user, &id, action).await
}

/// The last lines of a step's log.
#[server(endpoint = "runs/log", client = KfdashClient)]
pub async fn step_log(namespace: String, pod: String) -> Result<String, AppError> {
    let (user, server) = crate::backend::caller()?;
    crate::backend::pipelines::step_log(server.kube.as_ref(), &user, &namespace, &pod).await
}
