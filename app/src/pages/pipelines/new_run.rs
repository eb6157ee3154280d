//! `/pipelines/:id/run?version=`: starts a run of a pipeline version. One field per run
//! parameter, typed by its declaration, checked as the user types with the code the server
//! runs (`domain::run_params`); the experiment is chosen or created; the new run opens.

use super::pipeline_href;
use super::run_form::RunForm;
use crate::api::pipelines::{get_pipeline, list_experiments, pipeline_version};
use crate::components::layout::use_links;
use crate::domain::nav::ALL_NAMESPACES;
use crate::model::AppError;
use crate::model::kfp::{ExperimentRow, PipelineDetails, VersionGraph};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// What the form opens with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct RunFormData {
    pub namespace: String,
    pub details: PipelineDetails,
    pub version: VersionGraph,
    pub experiments: Vec<ExperimentRow>,
}

async fn load(
    namespace: Option<String>,
    pipeline_id: String,
    version: Option<String>,
) -> Result<Option<RunFormData>, AppError> {
    let Some(namespace) = namespace else {
        return Ok(None);
    };
    let details = get_pipeline(pipeline_id.clone()).await?;
    let version_id = version
        .filter(|asked| details.versions.iter().any(|v| &v.id == asked))
        .or_else(|| details.versions.first().map(|v| v.id.clone()))
        .ok_or_else(|| AppError::NotFound("a version of this pipeline".into()))?;
    let (version, experiments) = futures::future::try_join(
        pipeline_version(pipeline_id, version_id),
        list_experiments(namespace.clone()),
    )
    .await?;
    Ok(Some(RunFormData {
        namespace,
        details,
        version,
        experiments,
    }))
}

#[component]
pub fn CreateRunPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let links = use_links();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let version = Memo::new(move |_| query.read().get("version"));
    let namespace = Memo::new(move |_| {
        links
            .read()
            .namespace
            .clone()
            .filter(|ns| ns != ALL_NAMESPACES)
    });
    let data = Resource::new(
        move || (namespace.get(), id.get(), version.get()),
        |(namespace, id, version)| load(namespace, id, version),
    );
    let crumbs = move |pipeline: String| {
        view! {
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href=move || links.read().href("/pipelines")>"Pipelines"</A>
                <span aria-hidden="true">" / "</span>
                <A href=move || pipeline_href(&links.read(), &id.get(), version.get().as_deref())>{pipeline}</A>
                <span aria-hidden="true">" / "</span>
                <span>"Create run"</span>
            </nav>
        }
    };
    let heading = move || {
        view! {
            <div class="page-heading">
                <h1 data-testid="page-title">"Create run"</h1>
                <p class="muted">{move || match namespace.get() {
                    Some(ns) => format!("The run starts in {ns}."),
                    None => "Choose a namespace first.".into(),
                }}</p>
            </div>
        }
    };
    view! {
        <Title text="Create run" />
        <Transition fallback=move || view! { {heading()} <p class="muted">"Loading the pipeline…"</p> }>
            {move || data.get().map(|result| match result {
                Err(error) => view! {
                    {heading()}
                    <p class="form-error" role="alert" data-testid="run-form-error">{error.to_string()}</p>
                }.into_any(),
                Ok(None) => view! {
                    {heading()}
                    <section class="card panel"><p>"Choose one namespace in the selector above: a run belongs to one namespace."</p></section>
                }.into_any(),
                Ok(Some(data)) => view! {
                    {crumbs(data.details.pipeline.name.clone())}
                    {heading()}
                    <RunForm data />
                }.into_any(),
            })}
        </Transition>
    }
}
