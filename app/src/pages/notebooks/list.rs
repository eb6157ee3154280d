//! The notebooks table: live through the server's watch stream, filtered and sorted in the
//! browser, with start, stop and delete applied optimistically.

use super::{StatusBadge, connect_href, resources_text};
use crate::api::{delete_notebook, list_notebooks, notebook_volumes, set_notebook_stopped};
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::use_links;
use crate::components::live::{LiveBadge, LiveState, follow, now_seconds};
use crate::components::sort_header::SortHeader;
use crate::components::toast::use_toaster;
use crate::domain::nav::ALL_NAMESPACES;
use crate::domain::notebook_list::{self, SortKey};
use crate::model::{NotebookChange, NotebookRow, NotebookStatus, StatusPhase};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use std::collections::HashMap;

type Key = (String, String);

/// Rows per page of the table.
const PAGE_SIZE: usize = 100;

fn key_of(row: &NotebookRow) -> Key {
    (row.namespace.clone(), row.name.clone())
}

#[component]
pub fn NotebooksPage() -> impl IntoView {
    let links = use_links();
    let namespace = Memo::new(move |_| links.read().namespace.clone());
    let all = Memo::new(move |_| namespace.get().as_deref() == Some(ALL_NAMESPACES));
    let toaster = use_toaster();

    // The first list comes with the page (rendered on the server); the live stream then
    // replaces it with its own snapshot and keeps it current.
    let initial = Resource::new(
        move || namespace.get(),
        |namespace| async move {
            match namespace {
                Some(namespace) => list_notebooks(namespace).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let streamed: RwSignal<Option<Vec<NotebookRow>>> = RwSignal::new(None);
    let stream_url = Signal::derive(move || {
        let namespace = namespace.get()?;
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("ns", &namespace)
            .finish();
        Some(format!("{}/api/watch/notebooks?{query}", links.read().base))
    });
    Effect::new(move |_| {
        namespace.track();
        streamed.set(None);
    });
    // What the user just asked for, shown until the stream brings the cluster's word on it.
    let pending: RwSignal<HashMap<Key, NotebookStatus>> = RwSignal::new(HashMap::new());
    let live = follow::<NotebookChange, _>(stream_url, move |change| {
        pending.update(|pending| match &change {
            NotebookChange::Snapshot { .. } => pending.clear(),
            NotebookChange::Upsert { row } => {
                pending.remove(&key_of(row));
            }
            NotebookChange::Remove { namespace, name } => {
                pending.remove(&(namespace.clone(), name.clone()));
            }
        });
        streamed.update(|rows| {
            let rows = rows.get_or_insert_with(Vec::new);
            notebook_list::apply(rows, change);
        });
    });
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new((SortKey::Name, false));
    // Pages of PAGE_SIZE rows: a namespace with thousands of notebooks stays quick to draw.
    let page = RwSignal::new(0usize);
    Effect::new(move |_| {
        filter.track();
        sort.track();
        namespace.track();
        page.set(0);
    });
    let deleting: RwSignal<Option<NotebookRow>> = RwSignal::new(None);

    let apply_answer = move |row: NotebookRow| {
        // While the stream is live its update is the truth, and may have come first: the
        // answer (made from the notebook alone, without its pod) would overwrite it.
        if live.get_untracked() == LiveState::Live {
            return;
        }
        pending.update(|pending| {
            pending.remove(&key_of(&row));
        });
        streamed.update(|rows| {
            if let Some(rows) = rows {
                notebook_list::apply(rows, NotebookChange::Upsert { row: Box::new(row) });
            }
        });
    };
    let set_stopped = move |row: NotebookRow, stopped: bool| {
        let key = key_of(&row);
        pending.update(|pending| {
            pending.insert(
                key.clone(),
                NotebookStatus {
                    phase: if stopped {
                        StatusPhase::Stopped
                    } else {
                        StatusPhase::Waiting
                    },
                    message: if stopped {
                        "Stopping…"
                    } else {
                        "Starting…"
                    }
                    .into(),
                },
            );
        });
        spawn_local(async move {
            match set_notebook_stopped(key.0.clone(), key.1.clone(), stopped).await {
                Ok(row) => apply_answer(row),
                Err(error) => {
                    pending.update(|pending| {
                        pending.remove(&key);
                    });
                    toaster.error(error.to_string());
                }
            }
        });
    };

    let shown = move |loaded: Vec<NotebookRow>| -> Vec<NotebookRow> {
        let query = filter.get();
        let (key, descending) = sort.get();
        let pending = pending.get();
        let mut rows: Vec<NotebookRow> = streamed
            .get()
            .unwrap_or(loaded)
            .into_iter()
            .filter(|row| notebook_list::matches(row, &query))
            .map(|mut row| {
                if let Some(status) = pending.get(&key_of(&row)) {
                    row.status = status.clone();
                }
                row
            })
            .collect();
        notebook_list::sort(&mut rows, key, descending);
        rows
    };

    let header = move |label: &'static str, key: SortKey| {
        view! { <SortHeader label=label.to_string() key sort /> }
    };

    view! {
        <Title text="Notebooks" />
        <div class="page-heading page-heading--actions">
            <div>
                <h1 data-testid="page-title">"Notebooks"</h1>
                <p class="muted">"Jupyter, VS Code and RStudio servers, updated as they change."</p>
            </div>
            <Show when=move || namespace.get().is_some() && !all.get()>
                <A href=move || links.read().href("/notebooks/new") attr:class="button button--primary" attr:data-testid="new-notebook">
                    <Icon kind=IconKind::Plus />
                    "New notebook"
                </A>
            </Show>
        </div>
        <div class="toolbar">
            <label class="toolbar__filter">
                <span class="visually-hidden">"Filter notebooks"</span>
                <input
                    type="search"
                    placeholder="Filter by name, image, status…"
                    data-testid="notebook-filter"
                    prop:value=move || filter.get()
                    on:input=move |event| filter.set(event_target_value(&event))
                />
            </label>
            <LiveBadge live />
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading notebooks…"</p> }>
            {move || initial.get().map(|result| match result {
                Err(error) => view! { <p class="form-error" role="alert" data-testid="notebooks-error">{error.to_string()}</p> }.into_any(),
                Ok(None) => view! {
                    <section class="card panel"><p>"Choose a namespace in the selector above to see its notebooks."</p></section>
                }.into_any(),
                Ok(Some(loaded)) => {
                    let now = now_seconds();
                    let rows = shown(loaded);
                    let total = rows.len();
                    let pages = total.div_ceil(PAGE_SIZE).max(1);
                    let current = page.get().min(pages - 1);
                    let first = current * PAGE_SIZE;
                    let rows: Vec<NotebookRow> = rows.into_iter().skip(first).take(PAGE_SIZE).collect();
                    let last = first + rows.len();
                    if rows.is_empty() {
                        let filtered = !filter.get().trim().is_empty();
                        return view! {
                            <section class="card panel empty" data-testid="notebooks-empty">
                                <Icon kind=IconKind::Notebook class="empty__icon" />
                                {if filtered {
                                    view! { <p>"No notebook matches the filter."</p> }.into_any()
                                } else {
                                    view! {
                                        <p>"No notebook servers here yet."</p>
                                        <Show when=move || !all.get()>
                                            <A href=move || links.read().href("/notebooks/new") attr:class="button button--primary">"Create the first one"</A>
                                        </Show>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any();
                    }
                    view! {
                        <div class="card table-card">
                            <table class="table table--notebooks" data-testid="notebook-table">
                                <thead>
                                    <tr>
                                        {header("Status", SortKey::Status)}
                                        {header("Name", SortKey::Name)}
                                        {move || all.get().then(|| header("Namespace", SortKey::Namespace))}
                                        {header("CPU", SortKey::Cpu)}
                                        {header("Memory", SortKey::Memory)}
                                        {header("GPUs", SortKey::Gpus)}
                                        <th>"Volumes"</th>
                                        {header("Age", SortKey::Age)}
                                        {header("Active", SortKey::LastActivity)}
                                        <th><span class="visually-hidden">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows.into_iter().map(|row| {
                                        let details = {
                                            let path = format!("/notebooks/{}/{}", row.namespace, row.name);
                                            move || links.read().href(&path)
                                        };
                                        let ready = row.status.phase == StatusPhase::Ready;
                                        let busy = matches!(row.status.phase, StatusPhase::Terminating);
                                        let stop_row = row.clone();
                                        let start_row = row.clone();
                                        let delete_row = row.clone();
                                        let row_namespace = row.namespace.clone();
                                        let row_name = row.name.clone();
                                        let gpus = row.gpus.as_ref().map(|g| g.count.to_string()).unwrap_or_else(|| "—".into());
                                        view! {
                                            <tr data-testid="notebook-row" data-name=row.name.clone() data-phase=format!("{:?}", row.status.phase).to_lowercase()>
                                                <td class="table__status"><StatusBadge status=row.status.clone() /></td>
                                                <td class="table__name">
                                                    <A href=details attr:data-testid="notebook-link">{row_name.clone()}</A>
                                                    <span class="table__sub" title=row.image.clone()>
                                                        {format!("{} · {}", row.server_type.label(), notebook_list::short_image(&row.image))}
                                                    </span>
                                                </td>
                                                {move || all.get().then(|| view! { <td>{row_namespace.clone()}</td> })}
                                                <td class="table__number">{resources_text(&row.cpu, &row.cpu_limit)}</td>
                                                <td class="table__number">{resources_text(&row.memory, &row.memory_limit)}</td>
                                                <td class="table__number">{gpus}</td>
                                                <td class="table__volumes" title=row.volumes.join(", ")>{if row.volumes.is_empty() { "—".to_string() } else { row.volumes.join(", ") }}</td>
                                                <td class="table__time" title=row.created.clone()>{notebook_list::ago(&row.created, now)}</td>
                                                <td class="table__time">{row.last_activity.as_deref().map(|time| notebook_list::ago(time, now)).unwrap_or_else(|| "—".into())}</td>
                                                <td class="table__actions">
                                                    <div class="row-actions">
                                                        {ready.then(|| view! {
                                                            <a class="button button--small" href=connect_href(&row) target="_blank" rel="noopener" data-testid="notebook-connect">
                                                                <Icon kind=IconKind::Connect />"Connect"
                                                            </a>
                                                        })}
                                                        {if row.stopped {
                                                            view! {
                                                                <button type="button" class="button button--small button--icon" disabled=busy data-testid="notebook-start"
                                                                    aria-label=format!("Start {}", row.name) title="Start"
                                                                    on:click=move |_| set_stopped(start_row.clone(), false)>
                                                                    <Icon kind=IconKind::Play />
                                                                </button>
                                                            }.into_any()
                                                        } else {
                                                            view! {
                                                                <button type="button" class="button button--small button--icon" disabled=busy data-testid="notebook-stop"
                                                                    aria-label=format!("Stop {}", row.name) title="Stop"
                                                                    on:click=move |_| set_stopped(stop_row.clone(), true)>
                                                                    <Icon kind=IconKind::Stop />
                                                                </button>
                                                            }.into_any()
                                                        }}
                                                        <button type="button" class="button button--small button--icon button--quiet-danger" disabled=busy data-testid="notebook-delete"
                                                            aria-label=format!("Delete {}", row.name) title="Delete"
                                                            on:click=move |_| deleting.set(Some(delete_row.clone()))>
                                                            <Icon kind=IconKind::Trash />
                                                        </button>
                                                    </div>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {(pages > 1).then(|| view! {
                                <nav class="pager" aria-label="Pages" data-testid="pager">
                                    <span class="muted">{format!("{}–{} of {total}", first + 1, last)}</span>
                                    <button type="button" class="button button--small" disabled={current == 0}
                                        on:click=move |_| page.update(|page| *page = page.saturating_sub(1))>"Previous"</button>
                                    <button type="button" class="button button--small" disabled={current + 1 >= pages} data-testid="pager-next"
                                        on:click=move |_| page.update(|page| *page += 1)>"Next"</button>
                                </nav>
                            })}
                        </div>
                    }.into_any()
                }
            })}
        </Transition>
        {move || deleting.get().map(|row| view! {
            <DeleteDialog row pending on_close=move || deleting.set(None) />
        })}
    }
}

/// Asks before deleting, and offers the volumes kfdash made for the notebook.
#[component]
fn DeleteDialog(
    row: NotebookRow,
    pending: RwSignal<HashMap<Key, NotebookStatus>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let toaster = use_toaster();
    let (namespace, name) = key_of(&row);
    let volumes = LocalResource::new({
        let (namespace, name) = (namespace.clone(), name.clone());
        move || notebook_volumes(namespace.clone(), name.clone())
    });
    let with_volumes = RwSignal::new(false);
    let confirm = {
        let on_close = on_close.clone();
        move |_| {
            let key = (namespace.clone(), name.clone());
            pending.update(|pending| {
                pending.insert(
                    key.clone(),
                    NotebookStatus {
                        phase: StatusPhase::Terminating,
                        message: "Deleting…".into(),
                    },
                );
            });
            let delete_volumes = with_volumes.get_untracked();
            spawn_local(async move {
                if let Err(error) =
                    delete_notebook(key.0.clone(), key.1.clone(), delete_volumes).await
                {
                    pending.update(|pending| {
                        pending.remove(&key);
                    });
                    toaster.error(error.to_string());
                }
            });
            on_close();
        }
    };
    let cancel = on_close.clone();
    view! {
        <div class="dialog-backdrop" on:click=move |_| cancel()>
            <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="delete-title" data-testid="delete-dialog"
                on:click=|event| event.stop_propagation()>
                <h2 id="delete-title">{format!("Delete {}?", row.name)}</h2>
                <p>"The server stops and its pod is removed. Files outside its volumes are lost."</p>
                <Suspense fallback=|| ()>
                    {move || volumes.get().map(|result| match result {
                        Ok(names) if !names.is_empty() => view! {
                            <label class="check">
                                <input type="checkbox" data-testid="delete-volumes"
                                    prop:checked=move || with_volumes.get()
                                    on:change=move |event| with_volumes.set(event_target_checked(&event)) />
                                <span>{format!("Also delete its volumes: {}", names.join(", "))}</span>
                            </label>
                        }.into_any(),
                        _ => ().into_any(),
                    })}
                </Suspense>
                <div class="dialog__actions">
                    <button type="button" class="button" on:click=move |_| on_close()>"Cancel"</button>
                    <button type="button" class="button button--danger-solid" data-testid="delete-confirm" on:click=confirm>"Delete"</button>
                </div>
            </div>
        </div>
    }
}
