//! The upload dialog: the chosen file is read and parsed in the browser (the same parser the
//! server runs), so its graph or the place of its error shows before anything is sent. Then
//! the raw file goes to `POST {base}/api/pipelines/upload`, as a new pipeline or a new version.

use super::stamp;
use super::upload_request::upload_query;
use crate::components::graph::GraphView;
use crate::components::layout::use_links;
use crate::components::live::now_seconds;
use crate::model::pipeline::{PipelineFormat, PipelineGraph};
use leptos::prelude::*;
use std::sync::Arc;

/// What the dialog knows about the chosen file. Files are read only in the browser.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Chosen {
    Nothing,
    Reading(String),
    /// Refused before sending: too large, unreadable, or not a pipeline KFP accepts.
    Refused {
        place: String,
        message: String,
    },
    Ready {
        file_name: String,
        bytes: Arc<Vec<u8>>,
        graph: Arc<PipelineGraph>,
    },
}

fn format_label(format: PipelineFormat) -> &'static str {
    match format {
        PipelineFormat::V2Ir => "KFP v2 pipeline",
        PipelineFormat::V1Argo => "KFP v1 pipeline (Argo Workflow)",
        PipelineFormat::ArgoRun => "Argo Workflow run",
    }
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn size_text(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KiB", (bytes / 1024.0).ceil())
    }
}

/// The name a pipeline (or version) gets unless the user types another.
fn suggested_name(graph: &PipelineGraph, version: bool) -> String {
    let name = graph
        .display_name
        .clone()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| graph.name.clone());
    // A version's name must differ from the pipeline's other versions.
    if version {
        format!("{name} {}", stamp(now_seconds()))
    } else {
        name
    }
}

/// Chooses, previews and uploads a pipeline file. With `pipeline` (id and name) it uploads a
/// new version of that pipeline instead of a new pipeline.
#[component]
pub fn UploadDialog(
    /// The namespace a new pipeline belongs to (unless shared).
    namespace: String,
    /// `(id, name)` of the pipeline that gets a new version; None uploads a new pipeline.
    pipeline: Option<(String, String)>,
    /// Closes the dialog (after an upload too, before going to the pipeline's page).
    on_close: Callback<()>,
    /// Told when the upload succeeded, before navigating.
    #[prop(optional)]
    on_uploaded: Option<Callback<()>>,
) -> impl IntoView {
    let links = use_links();
    let navigate = leptos_router::hooks::use_navigate();
    let chosen = RwSignal::new(Chosen::Nothing);
    let name = RwSignal::new(String::new());
    // Once the user typed a name, a newly chosen file doesn't replace it.
    let name_typed = StoredValue::new(false);
    let description = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let server_error: RwSignal<Option<String>> = RwSignal::new(None);
    // Reads finish out of order when the user picks again quickly: only the last one counts.
    let generation = StoredValue::new(0u32);
    let is_version = pipeline.is_some();
    let pipeline_id = pipeline.as_ref().map(|(id, _)| id.clone());

    let show = move |result: Chosen| {
        if let Chosen::Ready { graph, .. } = &result
            && !name_typed.get_value()
        {
            name.set(suggested_name(graph, is_version));
        }
        chosen.set(result);
    };
    let on_file = move |event: leptos::ev::Event| {
        server_error.set(None);
        generation.update_value(|n| *n += 1);
        let current = generation.get_value();
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&event);
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                chosen.set(Chosen::Nothing);
                return;
            };
            let file_name = file.name();
            let limit = crate::domain::pipeline::MAX_FILE_BYTES as f64;
            if file.size() > limit {
                chosen.set(Chosen::Refused {
                    place: file_name,
                    message: format!(
                        "the file is {}; pipelines up to {} are accepted",
                        size_text(file.size()),
                        size_text(limit)
                    ),
                });
                return;
            }
            chosen.set(Chosen::Reading(file_name.clone()));
            leptos::task::spawn_local(async move {
                let read = super::upload_request::read_file(&file).await;
                if generation.get_value() != current {
                    return;
                }
                let result = match read {
                    Err(why) => Chosen::Refused {
                        place: file_name,
                        message: format!("the file could not be read: {why}"),
                    },
                    Ok(bytes) => {
                        match crate::domain::pipeline::parse_pipeline_file(&file_name, &bytes) {
                            Ok(graph) => Chosen::Ready {
                                file_name,
                                bytes: Arc::new(bytes),
                                graph: Arc::new(graph),
                            },
                            Err(error) => Chosen::Refused {
                                place: error.place(),
                                message: error.message,
                            },
                        }
                    }
                };
                show(result);
            });
        }
        // No file is chosen while rendering on the server.
        #[cfg(not(feature = "hydrate"))]
        let _ = (event, current, show);
    };

    let upload = {
        let namespace = namespace.clone();
        let pipeline_id = pipeline_id.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let Chosen::Ready {
                file_name, bytes, ..
            } = chosen.get_untracked()
            else {
                return;
            };
            let query = upload_query(
                &namespace,
                &file_name,
                &name.get_untracked(),
                &description.get_untracked(),
                shared.get_untracked(),
                pipeline_id.as_deref(),
            );
            let url = format!(
                "{}/api/pipelines/upload?{query}",
                links.read_untracked().base
            );
            sending.set(true);
            server_error.set(None);
            #[cfg(feature = "hydrate")]
            {
                let navigate = navigate.clone();
                leptos::task::spawn_local(async move {
                    match super::upload_request::send(&url, &bytes).await {
                        Ok(uploaded) => {
                            let href = super::pipeline_href(
                                &super::for_navigate(&links.get_untracked()),
                                &uploaded.pipeline_id,
                                uploaded.version_id.as_deref(),
                            );
                            if let Some(on_uploaded) = on_uploaded {
                                on_uploaded.run(());
                            }
                            on_close.run(());
                            navigate(&href, Default::default());
                        }
                        Err(why) => {
                            server_error.set(Some(why));
                            sending.set(false);
                        }
                    }
                });
            }
            // Nothing is uploaded while rendering on the server.
            #[cfg(not(feature = "hydrate"))]
            let _ = (url, bytes, &navigate, on_uploaded);
        }
    };

    let title = match &pipeline {
        Some((_, pipeline_name)) => format!("Upload a new version of {pipeline_name}"),
        None => "Upload a pipeline".to_string(),
    };
    let close = move || {
        if !sending.get_untracked() {
            on_close.run(());
        }
    };
    let graph_of = move || match &*chosen.read() {
        Chosen::Ready {
            graph, file_name, ..
        } => Some((graph.clone(), file_name.clone())),
        _ => None,
    };

    view! {
        <div class="dialog-backdrop"
            on:keydown=move |event: leptos::ev::KeyboardEvent| if event.key() == "Escape" { close() }>
            <form class="dialog dialog--wide card upload" role="dialog" aria-modal="true" aria-labelledby="upload-title"
                data-testid="upload-dialog" on:submit=upload>
                <h2 id="upload-title">{title}</h2>
                <p class="muted upload__intro">
                    "A KFP v2 pipeline (YAML or JSON), a v1 pipeline (Argo Workflow YAML), or a .zip, .tar.gz or .tgz holding one. "
                    "It is checked here first: nothing is sent until it reads as a pipeline."
                </p>
                <label class="field field--wide">
                    <span>"Pipeline file"</span>
                    <input type="file" name="file" data-testid="upload-file" accept=".yaml,.yml,.json,.zip,.tar.gz,.tgz"
                        disabled=move || sending.get() on:change=on_file />
                </label>
                <div class="upload__preview" data-testid="upload-preview">
                    {move || match chosen.get() {
                        Chosen::Nothing => view! {
                            <p class="muted upload__placeholder">"Choose a file to see its graph."</p>
                        }.into_any(),
                        Chosen::Reading(file_name) => view! {
                            <p class="muted upload__placeholder">{format!("Reading {file_name}…")}</p>
                        }.into_any(),
                        Chosen::Refused { place, message } => view! {
                            <div class="form-error upload__refused" role="alert" data-testid="upload-parse-error">
                                <strong>"This file can't be uploaded"</strong>
                                <code class="upload__place" data-testid="upload-error-place">{place}</code>
                                <span>{message}</span>
                            </div>
                        }.into_any(),
                        Chosen::Ready { .. } => ().into_any(),
                    }}
                    {move || graph_of().map(|(graph, file_name)| {
                        let summary = format!(
                            "{} · {} node{} · {} edge{} · {} run parameter{}",
                            format_label(graph.format),
                            graph.nodes.len(),
                            if graph.nodes.len() == 1 { "" } else { "s" },
                            graph.edges.len(),
                            if graph.edges.len() == 1 { "" } else { "s" },
                            graph.inputs.len(),
                            if graph.inputs.len() == 1 { "" } else { "s" },
                        );
                        let nodes = graph.nodes.len();
                        let edges = graph.edges.len();
                        view! {
                            <p class="upload__summary" data-testid="upload-summary" data-file=file_name data-nodes=nodes data-edges=edges>{summary}</p>
                            <GraphView graph=Signal::stored((*graph).clone()) testid="upload-graph" />
                        }
                    })}
                </div>
                <div class="field-row">
                    <label class="field">
                        <span>{if is_version { "Version name" } else { "Pipeline name" }}</span>
                        <input type="text" name="name" maxlength="128" autocomplete="off" data-testid="upload-name"
                            prop:value=move || name.get()
                            on:input=move |event| {
                                name_typed.set_value(true);
                                name.set(event_target_value(&event));
                            } />
                    </label>
                </div>
                <label class="field field--wide">
                    <span>"Description"</span>
                    <textarea name="description" rows="2" maxlength="2048" data-testid="upload-description"
                        prop:value=move || description.get()
                        on:input=move |event| description.set(event_target_value(&event))></textarea>
                </label>
                {(!is_version).then(|| view! {
                    <label class="check">
                        <input type="checkbox" data-testid="upload-shared"
                            prop:checked=move || shared.get()
                            on:change=move |event| shared.set(event_target_checked(&event)) />
                        <span>"Shared with everyone: every namespace can see and run it"</span>
                    </label>
                })}
                {move || server_error.get().map(|error| view! {
                    <p class="form-error" role="alert" data-testid="upload-server-error">{error}</p>
                })}
                <div class="dialog__actions">
                    <button type="button" class="button" data-testid="upload-cancel"
                        disabled=move || sending.get() on:click=move |_| close()>"Cancel"</button>
                    <button type="submit" class="button button--primary" data-testid="upload-submit"
                        disabled=move || sending.get() || graph_of().is_none() || name.read().trim().is_empty()>
                        {move || if sending.get() { "Uploading…" } else { "Upload" }}
                    </button>
                </div>
            </form>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_kib_or_mib() {
        assert_eq!(size_text(40.0 * 1024.0 * 1024.0), "40.0 MiB");
        assert_eq!(size_text(1500.0), "2 KiB");
    }
}
