//! Server functions for Katib: experiments, trials, learning curves. Each checks what the page
//! sent, then calls the cluster (and katib-db-manager) as the signed-in user.

use super::KfdashClient;
use crate::model::AppError;
use crate::model::katib::{
    ExperimentAction, ExperimentRow, ExperimentView, ObservationLogs, TrialView,
};
use leptos::prelude::*;

/// The experiments of a namespace, or of all namespaces (`*`) for those allowed to list them.
#[server(endpoint = "katib/experiments/list", client = KfdashClient)]
pub async fn list_katib_experiments(namespace: String) -> Result<Vec<ExperimentRow>, AppError> {
    let (user, server) = crate::backend::caller()?;
    let scope = crate::backend::Scope::parse(&namespace)?;
    crate::backend::katib::list(server.kube.as_ref(), &user, &scope).await
}

/// An experiment with all its trials, shaped for its page.
#[server(endpoint = "katib/experiments/get", client = KfdashClient)]
pub async fn get_katib_experiment(
    namespace: String,
    name: String,
) -> Result<ExperimentView, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("An experiment")?;
    crate::backend::katib::view(server.kube.as_ref(), &user, &namespace, &name).await
}

/// An experiment without its trials (`trials` is empty): the first thing its page draws.
#[server(endpoint = "katib/experiments/overview", client = KfdashClient)]
pub async fn get_katib_experiment_overview(
    namespace: String,
    name: String,
) -> Result<ExperimentView, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("An experiment")?;
    crate::backend::katib::overview(server.kube.as_ref(), &user, &namespace, &name).await
}

/// Creates an experiment from YAML or JSON (checked again here, whatever the page did); it is
/// created in `namespace` whatever the text says.
#[server(endpoint = "katib/experiments/create", client = KfdashClient)]
pub async fn create_katib_experiment(
    namespace: String,
    text: String,
) -> Result<ExperimentRow, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("An experiment")?;
    if text.len() > crate::domain::katib::MAX_EXPERIMENT_BYTES {
        return Err(AppError::TooLarge(format!(
            "an experiment of {} KiB (at most {} KiB)",
            text.len() / 1024,
            crate::domain::katib::MAX_EXPERIMENT_BYTES / 1024
        )));
    }
    crate::backend::katib::create(server.kube.as_ref(), &user, &namespace, &text).await
}

#[server(endpoint = "katib/experiments/action", client = KfdashClient, input = server_fn::codec::Json)]
pub async fn katib_experiment_action(
    namespace: String,
    name: String,
    action: ExperimentAction,
) -> Result<(), AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("An experiment")?;
    crate::backend::katib::act(server.kube.as_ref(), &user, &namespace, &name, action).await
}

#[server(endpoint = "katib/trials/get", client = KfdashClient)]
pub async fn get_katib_trial(namespace: String, name: String) -> Result<TrialView, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("A trial")?;
    crate::backend::katib::trial(server.kube.as_ref(), &user, &namespace, &name).await
}

/// The log of one of a trial's pods.
#[server(endpoint = "katib/trials/log", client = KfdashClient)]
pub async fn katib_trial_log(
    namespace: String,
    trial: String,
    pod: String,
) -> Result<String, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("A trial")?;
    crate::backend::katib::trial_log(server.kube.as_ref(), &user, &namespace, &trial, &pod).await
}

/// Learning curves: `metric` over time for some trials of one experiment.
#[server(endpoint = "katib/observation-logs", client = KfdashClient, input = server_fn::codec::Json)]
pub async fn katib_observation_logs(
    namespace: String,
    experiment: String,
    trials: Vec<String>,
    metric: String,
) -> Result<ObservationLogs, AppError> {
    let (user, server) = crate::backend::caller()?;
    let namespace = crate::backend::Scope::parse(&namespace)?.one("A learning curve")?;
    crate::backend::katib::observation_logs(
        server.kube.as_ref(),
        &user,
        &server.katib_db,
        &namespace,
        &experiment,
        &trials,
        &metric,
    )
    .await
}
