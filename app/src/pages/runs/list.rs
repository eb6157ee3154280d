//! The runs page: one KFP request per page (filtered and sorted by KFP), "Load more" for the
//! next, and one request every few seconds while a run on screen is still going.

use super::actions::{TerminateDialog, perform};
use super::filters::{Filters, RunFilters};
use super::listing::{after_action, append_page, merge_refresh};
use super::table::{Names, RunsTable};
use crate::api::pipelines::{list_experiments, list_pipelines, list_runs};
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::use_links;
use crate::components::live::now_seconds;
use crate::components::toast::use_toaster;
use crate::domain::nav::ALL_NAMESPACES;
use crate::model::kfp::{RunAction, RunList, RunRow};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const PAGE_SIZE: u32 = 50;
/// KFP's largest page: a refresh asks for every row on screen in one request, up to this many.
const MAX_PAGE_SIZE: u32 = 200;
const REFRESH_EVERY: Duration = Duration::from_secs(5);

#[component]
pub fn RunsPage() -> impl IntoView {
    let links = use_links();
    let toaster = use_toaster();
    let url_query = use_query_map();
    let chosen = Memo::new(move |_| links.read().namespace.clone());
    let namespace = Memo::new(move |_| chosen.get().filter(|ns| ns != ALL_NAMESPACES));
    let wanted_experiment = Memo::new(move |_| {
        url_query
            .read()
            .get("experiment")
            .filter(|id| !id.is_empty())
    });
    let filters = Filters::new(wanted_experiment.get_untracked());
    // A link to one experiment's runs, or another namespace (whose experiments differ),
    // sets the experiment filter afresh.
    Effect::new(move |_| {
        namespace.track();
        filters.experiment.set(wanted_experiment.get());
    });
    let query = Memo::new(move |_| Some(filters.query(namespace.get()?, PAGE_SIZE)));

    // The first page comes with the page (rendered on the server); "Load more" and refreshes
    // then keep the rows in `listing`.
    let first = Resource::new(
        move || query.get(),
        |query| async move {
            match query {
                Some(query) => list_runs(query).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let experiments = Resource::new(
        move || namespace.get(),
        |namespace| async move {
            match namespace {
                Some(namespace) => list_experiments(namespace).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let pipelines = Resource::new(move || namespace.get(), pipeline_names);

    let listing: RwSignal<Option<RunList>> = RwSignal::new(None);
    let refresh_error: RwSignal<Option<String>> = RwSignal::new(None);
    let now = RwSignal::new(now_seconds());
    // Answers to a refresh that a newer refresh (or another query) overtook are dropped.
    let generation = StoredValue::new(0u64);
    let in_flight = StoredValue::new(0u32);
    Effect::new(move |_| {
        query.track();
        generation.update_value(|g| *g += 1);
        listing.set(None);
        refresh_error.set(None);
    });
    // Also called when an answer arrives after the page has gone: then there are no rows.
    let current = move || {
        listing.try_get_untracked().flatten().or_else(|| {
            first
                .try_get_untracked()
                .flatten()
                .and_then(Result::ok)
                .flatten()
        })
    };

    let refresh = move || {
        let Some(mut ask) = query.try_get_untracked().flatten() else {
            return;
        };
        let loaded = current().map_or(0, |list| list.rows.len());
        let size = u32::try_from(loaded)
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(PAGE_SIZE, MAX_PAGE_SIZE);
        ask.page_size = Some(size);
        let Some(mine) = generation.try_update_value(|g| {
            *g += 1;
            *g
        }) else {
            return;
        };
        in_flight.update_value(|n| *n += 1);
        spawn_local(async move {
            let answer = list_runs(ask).await;
            in_flight.update_value(|n| *n = n.saturating_sub(1));
            if generation.try_get_value() != Some(mine) {
                return;
            }
            now.set(now_seconds());
            match answer {
                Ok(fresh) => {
                    refresh_error.set(None);
                    listing.set(Some(merge_refresh(current(), fresh, size as usize)));
                }
                Err(error) => refresh_error.set(Some(error.to_string())),
            }
        });
    };
    Effect::new(move |_| {
        let tick = move || {
            let going =
                current().is_some_and(|list| list.rows.iter().any(|r| !r.state.is_finished()));
            if going && in_flight.try_get_value() == Some(0) {
                refresh();
            }
        };
        if let Ok(interval) = set_interval_with_handle(tick, REFRESH_EVERY) {
            on_cleanup(move || interval.clear());
        }
    });

    let loading_more = RwSignal::new(false);
    let load_more = Callback::new(move |()| {
        let (Some(shown), Some(mut ask)) = (current(), query.get_untracked()) else {
            return;
        };
        let Some(token) = shown.next_page_token else {
            return;
        };
        let asked_for = ask.clone();
        ask.page_token = Some(token);
        loading_more.set(true);
        spawn_local(async move {
            let answer = list_runs(ask).await;
            loading_more.set(false);
            if query.try_get_untracked().flatten() != Some(asked_for) {
                return;
            }
            match answer {
                Ok(page) => listing.set(Some(append_page(current(), page))),
                Err(error) => toaster.error(format!("More runs could not be loaded: {error}")),
            }
        });
    });

    let busy: RwSignal<HashSet<String>> = RwSignal::new(HashSet::new());
    let terminating: RwSignal<Option<RunRow>> = RwSignal::new(None);
    let act = move |id: String, action: RunAction| {
        busy.update(|busy| {
            busy.insert(id.clone());
        });
        perform(toaster, id.clone(), action, move |worked| {
            busy.update(|busy| {
                busy.remove(&id);
            });
            if worked {
                listing.set(after_action(current(), &id, action));
                refresh();
            }
        });
    };
    let on_action = Callback::new(move |(row, action): (RunRow, RunAction)| {
        if action == RunAction::Terminate {
            terminating.set(Some(row));
        } else {
            act(row.id, action);
        }
    });

    view! {
        <Title text="Runs" />
        <div class="page-heading">
            <h1 data-testid="page-title">"Runs"</h1>
            <p class="muted">"Pipeline runs in your namespace, filtered and sorted by Kubeflow Pipelines."</p>
        </div>
        <RunFilters filters experiments />
        {move || refresh_error.get().map(|error| view! {
            <p class="form-error" role="status" data-testid="runs-refresh-error">{format!("The list could not be refreshed: {error}")}</p>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading runs…"</p> }>
            {move || first.get().map(|result| match result {
                Err(error) => view! { <p class="form-error" role="alert" data-testid="runs-error">{error.to_string()}</p> }.into_any(),
                Ok(None) => view! {
                    <section class="card panel">
                        <p>{if chosen.get().is_some() {
                            "Kubeflow Pipelines lists runs one namespace at a time: choose one in the selector above."
                        } else {
                            "Choose a namespace in the selector above to see its runs."
                        }}</p>
                    </section>
                }.into_any(),
                Ok(Some(loaded)) => {
                    let names = Names {
                        experiments: experiments.get().and_then(Result::ok).unwrap_or_default()
                            .into_iter().map(|e| (e.id, e.name)).collect(),
                        pipelines: pipelines.get().unwrap_or_default(),
                    };
                    let rows = Signal::derive(move || listing.get().unwrap_or_else(|| loaded.clone()));
                    view! {
                        <RunsTable rows names now sort=filters.sort busy on_action />
                        {move || rows.with(|list| list.next_page_token.is_some().then(|| {
                            let shown = list.rows.len();
                            let total = list.total;
                            view! {
                                <div class="runs-more">
                                    <span class="muted">{format!("{shown} of {total} runs")}</span>
                                    <button type="button" class="button" data-testid="runs-load-more"
                                        disabled=move || loading_more.get()
                                        on:click=move |_| load_more.run(())>
                                        {move || if loading_more.get() { "Loading…" } else { "Load more" }}
                                    </button>
                                </div>
                            }
                        }))}
                        {move || (rows.with(|list| list.rows.is_empty())).then(|| view! {
                            <section class="card panel empty" data-testid="runs-empty">
                                <Icon kind=IconKind::Run class="empty__icon" />
                                <p>{if filters.narrowed() {
                                    "No run matches these filters."
                                } else if filters.archived.get() {
                                    "No archived runs."
                                } else {
                                    "No runs here yet: start one from a pipeline."
                                }}</p>
                            </section>
                        })}
                    }.into_any()
                }
            })}
        </Transition>
        {move || terminating.get().map(|row| {
            let id = row.id.clone();
            view! {
                <TerminateDialog
                    name=row.name
                    on_confirm=move || {
                        terminating.set(None);
                        act(id.clone(), RunAction::Terminate);
                    }
                    on_cancel=move || terminating.set(None)
                />
            }
        })}
    }
}

/// Pipeline names by id, for the table's links: the namespace's and the shared ones, first
/// page of each. A name that isn't there shows as the pipeline's id.
async fn pipeline_names(namespace: Option<String>) -> HashMap<String, String> {
    let Some(namespace) = namespace else {
        return HashMap::new();
    };
    let own = list_pipelines(namespace.clone(), false, None).await;
    let shared = list_pipelines(namespace, true, None).await;
    own.into_iter()
        .chain(shared)
        .flat_map(|list| list.rows)
        .map(|pipeline| (pipeline.id, pipeline.name))
        .collect()
}
