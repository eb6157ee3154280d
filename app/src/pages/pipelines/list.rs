//! The pipelines of a namespace, or those shared with everyone: KFP's pages, one request
//! each ("Load more"), newest first.

use super::upload::UploadDialog;
use super::{created_text, pipeline_href};
use crate::api::pipelines::list_pipelines;
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::use_links;
use crate::domain::nav::ALL_NAMESPACES;
use crate::model::kfp::PipelineRow;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn PipelinesPage() -> impl IntoView {
    let links = use_links();
    // Only one namespace at a time: KFP lists pipelines per namespace.
    let namespace = Memo::new(move |_| {
        links
            .read()
            .namespace
            .clone()
            .filter(|ns| ns != ALL_NAMESPACES)
    });
    let shared = RwSignal::new(false);
    let first_page = Resource::new(
        move || (namespace.get(), shared.get()),
        |(namespace, shared)| async move {
            match namespace {
                Some(namespace) => list_pipelines(namespace, shared, None).await.map(Some),
                None => Ok(None),
            }
        },
    );
    // Pages after the first, as the user asks for them.
    let more: RwSignal<Vec<PipelineRow>> = RwSignal::new(Vec::new());
    // None: the first page's token still holds.
    let next_token: RwSignal<Option<Option<String>>> = RwSignal::new(None);
    let loading_more = RwSignal::new(false);
    let more_error: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        namespace.track();
        shared.track();
        more.set(Vec::new());
        next_token.set(None);
        more_error.set(None);
    });
    let load_more = move |token: String| {
        let Some(asked) = namespace.get_untracked() else {
            return;
        };
        let tab = shared.get_untracked();
        loading_more.set(true);
        more_error.set(None);
        spawn_local(async move {
            let page = list_pipelines(asked.clone(), tab, Some(token)).await;
            loading_more.set(false);
            // The user may have switched namespace or tab meanwhile.
            if namespace.get_untracked().as_deref() != Some(asked.as_str())
                || shared.get_untracked() != tab
            {
                return;
            }
            match page {
                Ok(page) => {
                    more.update(|rows| rows.extend(page.rows));
                    next_token.set(Some(page.next_page_token));
                }
                Err(error) => more_error.set(Some(error.to_string())),
            }
        });
    };
    let uploading = RwSignal::new(false);

    let tab = move |label: Signal<String>, is_shared: bool, testid: &'static str| {
        view! {
            <button type="button" role="tab" class="tabs__tab" data-testid=testid
                aria-selected=move || (shared.get() == is_shared).to_string()
                on:click=move |_| shared.set(is_shared)>
                {label}
            </button>
        }
    };

    // Type-erased in parts: as one view the page's type is too deep for rustc's query limit.
    let heading = view! {
        <Title text="Pipelines" />
        <div class="page-heading page-heading--actions">
            <div>
                <h1 data-testid="page-title">"Pipelines"</h1>
                <p class="muted">"Kubeflow Pipelines in your namespace and shared with everyone."</p>
            </div>
            <Show when=move || namespace.get().is_some()>
                <button type="button" class="button button--primary" data-testid="upload-pipeline"
                    on:click=move |_| uploading.set(true)>
                    <Icon kind=IconKind::Plus />
                    "Upload pipeline"
                </button>
            </Show>
        </div>
    }
    .into_any();
    let tabs = view! {
        <div class="tabs" role="tablist">
            {tab(
                Signal::derive(move || format!("In {}", namespace.get().unwrap_or_else(|| "your namespace".into()))),
                false,
                "tab-namespace",
            )}
            {tab(Signal::stored("Shared".into()), true, "tab-shared")}
        </div>
    }
    .into_any();
    let body = view! {
        <Transition fallback=|| view! { <p class="muted">"Loading pipelines…"</p> }>
            {move || first_page.get().map(|result| match result {
                Err(error) => view! {
                    <p class="form-error" role="alert" data-testid="pipelines-error">{error.to_string()}</p>
                }.into_any(),
                Ok(None) => view! {
                    <section class="card panel"><p>"Choose one namespace in the selector above to see its pipelines."</p></section>
                }.into_any(),
                Ok(Some(page)) => {
                    let token = next_token.get().unwrap_or(page.next_page_token);
                    let total = page.total;
                    let rows: Vec<PipelineRow> = page.rows.into_iter().chain(more.get()).collect();
                    if rows.is_empty() {
                        return view! {
                            <section class="card panel empty" data-testid="pipelines-empty">
                                <Icon kind=IconKind::Pipeline class="empty__icon" />
                                {if shared.get() {
                                    view! { <p>"No pipeline is shared with everyone yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <p>"No pipelines in this namespace yet."</p>
                                        <button type="button" class="button button--primary" on:click=move |_| uploading.set(true)>
                                            "Upload the first one"
                                        </button>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any();
                    }
                    let shown = rows.len();
                    view! {
                        <div class="card table-card">
                            <table class="table table--pipelines" data-testid="pipeline-table">
                                <thead>
                                    <tr><th>"Name"</th><th>"Description"</th><th>"Created"</th><th>"Namespace"</th></tr>
                                </thead>
                                <tbody>
                                    {rows.into_iter().map(|row| {
                                        let href = {
                                            let id = row.id.clone();
                                            move || pipeline_href(&links.read(), &id, None)
                                        };
                                        let name = row.name.clone();
                                        view! {
                                            <tr data-testid="pipeline-row" data-name=row.name.clone()>
                                                <td class="table__name">
                                                    <A href=href attr:data-testid="pipeline-link">{name}</A>
                                                </td>
                                                <td class="pipelines__description" class:pipelines__none=row.description.is_empty() title=row.description.clone()>
                                                    {if row.description.is_empty() { "—".to_string() } else { row.description.clone() }}
                                                </td>
                                                <td class="table__time" title=row.created_at.clone().unwrap_or_default()>
                                                    {created_text(row.created_at.as_deref())}
                                                </td>
                                                <td>{row.namespace.clone().unwrap_or_else(|| "shared".into())}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages" data-testid="pipelines-pager">
                                <span class="muted">{format!("{shown} of {total}")}</span>
                                {more_error.get().map(|error| view! { <span class="field__error" role="alert">{error}</span> })}
                                {token.map(|token| view! {
                                    <button type="button" class="button button--small" data-testid="pipelines-more"
                                        disabled=move || loading_more.get()
                                        on:click=move |_| load_more(token.clone())>
                                        {move || if loading_more.get() { "Loading…" } else { "Load more" }}
                                    </button>
                                })}
                            </nav>
                        </div>
                    }.into_any()
                }
            })}
        </Transition>
    }
    .into_any();
    view! {
        {heading}
        {tabs}
        {body}
        {move || (uploading.get()).then(|| namespace.get().map(|namespace| view! {
            <UploadDialog namespace pipeline=None on_close=Callback::new(move |()| uploading.set(false)) />
        }))}
    }
}
