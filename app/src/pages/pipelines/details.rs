//! One pipeline: its versions (newest first, `?version=` picks one), the chosen version's
//! graph with a panel for the selected step, and the way to a new version or a run.

use super::node_panel::{node_facts, parameters};
use super::upload::UploadDialog;
use super::{created_text, for_navigate, pipeline_href, with_query};
use crate::api::pipelines::{get_pipeline, pipeline_version};
use crate::components::graph::GraphView;
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::use_links;
use crate::domain::nav::ALL_NAMESPACES;
use crate::model::kfp::{PipelineDetails, VersionRow};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[component]
pub fn PipelinePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let asked_version = Memo::new(move |_| query.read().get("version"));
    // Bumped after a new version is uploaded, so the version list has it.
    let reload = RwSignal::new(0u32);
    let details = Resource::new(move || (id.get(), reload.get()), |(id, _)| get_pipeline(id));

    view! {
        <Transition fallback=|| view! {
            <Crumbs name="…".into() />
            <p class="muted">"Loading the pipeline…"</p>
        }>
            {move || details.get().map(|result| match result {
                Err(error) => view! {
                    <Title text="Pipeline" />
                    <Crumbs name="Pipeline".into() />
                    <div class="page-heading"><h1 data-testid="page-title">"Pipeline"</h1></div>
                    <p class="form-error" role="alert" data-testid="pipeline-error">{error.to_string()}</p>
                }.into_any(),
                Ok(details) => {
                    // The asked version if it exists, else the newest.
                    let versions = details.versions.clone();
                    let version = Memo::new(move |_| {
                        let asked = asked_version.get();
                        versions
                            .iter()
                            .find(|v| Some(&v.id) == asked.as_ref())
                            .or(versions.first())
                            .map(|v| v.id.clone())
                    });
                    view! { <PipelineView details version reload /> }.into_any()
                }
            })}
        </Transition>
    }
}

/// "Pipelines / <name>".
#[component]
fn Crumbs(name: String) -> impl IntoView {
    let links = use_links();
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=move || links.read().href("/pipelines")>"Pipelines"</A>
            <span aria-hidden="true">" / "</span>
            <span>{name}</span>
        </nav>
    }
}

#[component]
fn PipelineView(
    details: PipelineDetails,
    /// The version shown; None when the pipeline has none.
    version: Memo<Option<String>>,
    /// Bumped when a new version was uploaded.
    reload: RwSignal<u32>,
) -> impl IntoView {
    let links = use_links();
    let uploading = RwSignal::new(false);
    let namespace = Memo::new(move |_| {
        links
            .read()
            .namespace
            .clone()
            .filter(|ns| ns != ALL_NAMESPACES)
    });
    let navigate = use_navigate();
    let pipeline = details.pipeline.clone();
    let pipeline_id = StoredValue::new(pipeline.id.clone());
    let versions = details.versions.clone();
    let choose = move |event: leptos::ev::Event| {
        let href = pipeline_href(
            &for_navigate(&links.get_untracked()),
            &pipeline_id.get_value(),
            Some(&event_target_value(&event)),
        );
        navigate(
            &href,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let run_href = move || {
        let href = links
            .read()
            .href(&format!("/pipelines/{}/run", pipeline_id.get_value()));
        match version.get() {
            Some(version) => with_query(href, "version", &version),
            None => href,
        }
    };
    let meta = format!(
        "{} · created {}",
        pipeline
            .namespace
            .clone()
            .map(|ns| format!("In {ns}"))
            .unwrap_or_else(|| "Shared with everyone".into()),
        created_text(pipeline.created_at.as_deref())
    );
    let for_upload = (pipeline.id.clone(), pipeline.name.clone());
    view! {
        <Title text=pipeline.name.clone() />
        <Crumbs name=pipeline.name.clone() />
        <div class="page-heading page-heading--actions">
            <div>
                <h1 data-testid="page-title">{pipeline.name.clone()}</h1>
                <p class="muted">{meta}</p>
                {(!pipeline.description.is_empty()).then(|| view! {
                    <p class="pipeline__description" data-testid="pipeline-description">{pipeline.description.clone()}</p>
                })}
            </div>
            <div class="row-actions">
                <button type="button" class="button" data-testid="upload-version" on:click=move |_| uploading.set(true)>
                    <Icon kind=IconKind::Plus />"Upload version"
                </button>
                <Show when=move || version.get().is_some()>
                    <A href=run_href attr:class="button button--primary" attr:data-testid="create-run">
                        <Icon kind=IconKind::Play />"Create run"
                    </A>
                </Show>
            </div>
        </div>
        {if versions.is_empty() {
            view! {
                <section class="card panel empty" data-testid="pipeline-no-versions">
                    <p>"This pipeline has no versions yet. Upload one to see its graph."</p>
                </section>
            }.into_any()
        } else {
            view! {
                <div class="toolbar">
                    <label class="field pipeline__version">
                        <span>{format!("Version ({} in all, newest first)", versions.len())}</span>
                        <select data-testid="version-select" on:change=choose>
                            {versions.iter().map(|row| {
                                let id = row.id.clone();
                                let selected = move || version.get().as_deref() == Some(id.as_str());
                                view! {
                                    <option value=row.id.clone() selected=selected>{version_label(row)}</option>
                                }
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <VersionGraph pipeline_id=pipeline.id.clone() version />
            }.into_any()
        }}
        {move || uploading.get().then(|| view! {
            <UploadDialog
                namespace=namespace.get().unwrap_or_default()
                pipeline=Some(for_upload.clone())
                on_close=Callback::new(move |()| uploading.set(false))
                on_uploaded=Callback::new(move |()| reload.update(|n| *n += 1))
            />
        })}
    }
}

fn version_label(row: &VersionRow) -> String {
    format!("{} ({})", row.name, created_text(row.created_at.as_deref()))
}

/// The graph of the shown version, and what is known about its selected step.
#[component]
fn VersionGraph(pipeline_id: String, version: Memo<Option<String>>) -> impl IntoView {
    let graph = Resource::new(
        move || version.get(),
        move |version| {
            let pipeline_id = pipeline_id.clone();
            async move {
                match version {
                    Some(version) => pipeline_version(pipeline_id, version).await.map(Some),
                    None => Ok(None),
                }
            }
        },
    );
    let selected: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        version.track();
        selected.set(None);
    });
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the graph…"</p> }>
            {move || graph.get().map(|result| match result {
                Err(error) => view! {
                    <p class="form-error" role="alert" data-testid="version-error">{error.to_string()}</p>
                }.into_any(),
                Ok(None) => ().into_any(),
                Ok(Some(shown)) => {
                    let drawn = shown.graph.clone();
                    let graph = StoredValue::new(shown.graph);
                    view! {
                        <div class="pipeline-layout">
                            <section class="card panel pipeline-layout__graph">
                                <GraphView graph=Signal::stored(drawn) selected testid="pipeline-graph" />
                            </section>
                            <aside class="card panel pipeline-step" data-testid="step-panel">
                                {move || {
                                    let id = selected.get();
                                    graph.with_value(|graph| match id.and_then(|id| graph.nodes.iter().find(|n| n.id == id)) {
                                        Some(node) => node_facts(graph, node).into_any(),
                                        None => parameters(&graph.inputs).into_any(),
                                    })
                                }}
                            </aside>
                        </div>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
