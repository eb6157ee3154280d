//! One notebook: overview (resources, volumes, configurations, conditions), events, logs and
//! the object as YAML. Its status follows the namespace's live stream.

use super::{StatusBadge, connect_href, resources_text};
use crate::api::{notebook_details, notebook_logs, set_notebook_stopped};
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::use_links;
use crate::components::live::{LiveState, follow, now_seconds};
use crate::components::toast::use_toaster;
use crate::domain::nav::LinkContext;
use crate::domain::notebook_list;
use crate::model::{NotebookChange, NotebookDetails, NotebookRow, StatusPhase};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Overview,
    Events,
    Logs,
    Yaml,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Overview, Tab::Events, Tab::Logs, Tab::Yaml];

    fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Events => "Events",
            Tab::Logs => "Logs",
            Tab::Yaml => "YAML",
        }
    }
}

#[component]
pub fn NotebookPage() -> impl IntoView {
    let params = use_params_map();
    let links = use_links();
    let toaster = use_toaster();
    let target = Memo::new(move |_| {
        let params = params.read();
        (
            params.get("namespace").unwrap_or_default(),
            params.get("name").unwrap_or_default(),
        )
    });
    let name = Signal::derive(move || target.get().1);
    let details = Resource::new(
        move || target.get(),
        |(namespace, name)| notebook_details(namespace, name),
    );
    let tab = RwSignal::new(Tab::Overview);

    // The status, live: the namespace's stream, this notebook's row.
    let live_row: RwSignal<Option<NotebookRow>> = RwSignal::new(None);
    let stream_url = Signal::derive(move || {
        let (namespace, _) = target.get();
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("ns", &namespace)
            .finish();
        Some(format!("{}/api/watch/notebooks?{query}", links.read().base))
    });
    let live = follow::<NotebookChange, _>(stream_url, move |change| {
        let (namespace, name) = target.get_untracked();
        let mine = |row: &NotebookRow| row.namespace == namespace && row.name == name;
        match change {
            NotebookChange::Snapshot { rows } => {
                live_row.set(rows.into_iter().find(|row| mine(row)));
            }
            NotebookChange::Upsert { row } if mine(&row) => live_row.set(Some(*row)),
            NotebookChange::Remove {
                namespace: ns,
                name: gone,
            } if ns == namespace && gone == name => {
                live_row.set(None);
            }
            _ => {}
        }
    });

    let toggle = move |row: NotebookRow| {
        spawn_local(async move {
            match set_notebook_stopped(row.namespace.clone(), row.name.clone(), !row.stopped).await
            {
                // The stream's update is the truth when it is live (and may come first).
                Ok(row) if live.get_untracked() != LiveState::Live => live_row.set(Some(row)),
                Ok(_) => {}
                Err(error) => toaster.error(error.to_string()),
            }
        });
    };

    view! {
        <Title text=name />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=move || links.read().href("/notebooks")>"Notebooks"</A>
            <span aria-hidden="true">" / "</span>
            <span>{name}</span>
        </nav>
        <div class="page-heading page-heading--actions">
            <div>
                <h1 data-testid="page-title">{name}</h1>
                <p class="muted">{move || format!("Notebook server in {}", target.get().0)}</p>
            </div>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || details.get().map(|result| match result {
                Err(error) => view! { <p class="form-error" role="alert" data-testid="notebook-error">{error.to_string()}</p> }.into_any(),
                Ok(details) => {
                    let fallback_row = details.row.clone();
                    let row = move || live_row.get().unwrap_or_else(|| fallback_row.clone());
                    let clone_href = spawner_href(links, "clone", details.row.name.clone());
                    let edit_href = spawner_href(links, "edit", details.row.name.clone());
                    view! {
                        <div class="detail-actions">
                            {move || {
                                let row = row();
                                let toggled = row.clone();
                                view! {
                                    <StatusBadge status=row.status.clone() />
                                    <div class="row-actions">
                                        {(row.status.phase == StatusPhase::Ready).then(|| view! {
                                            <a class="button button--primary" href=connect_href(&row) target="_blank" rel="noopener" data-testid="notebook-connect">
                                                <Icon kind=IconKind::Connect />"Connect"
                                            </a>
                                        })}
                                        <button type="button" class="button" data-testid="notebook-toggle" on:click=move |_| toggle(toggled.clone())>
                                            {if row.stopped { view! { <Icon kind=IconKind::Play />"Start" }.into_any() } else { view! { <Icon kind=IconKind::Stop />"Stop" }.into_any() }}
                                        </button>
                                        {row.stopped.then(|| view! {
                                            <a class="button" href=edit_href.clone() data-testid="notebook-edit"><Icon kind=IconKind::Edit />"Edit"</a>
                                        })}
                                        <a class="button" href=clone_href.clone() data-testid="notebook-clone"><Icon kind=IconKind::Copy />"Clone"</a>
                                    </div>
                                }
                            }}
                        </div>
                        <div class="tabs" role="tablist">
                            {Tab::ALL.into_iter().map(|each| view! {
                                <button type="button" role="tab" class="tabs__tab"
                                    aria-selected=move || (tab.get() == each).to_string()
                                    data-testid=format!("tab-{}", each.label().to_lowercase())
                                    on:click=move |_| tab.set(each)>
                                    {each.label()}
                                </button>
                            }).collect_view()}
                        </div>
                        <DetailsTab tab details target />
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// The spawner page that clones (`key` = "clone") or edits ("edit") the notebook, keeping
/// the carried `?ns=`.
fn spawner_href(
    links: Memo<LinkContext>,
    key: &'static str,
    name: String,
) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    move || {
        let base = links.read().href("/notebooks/new");
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair(key, &name)
            .finish();
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}{query}")
    }
}

#[component]
fn DetailsTab(
    tab: RwSignal<Tab>,
    details: NotebookDetails,
    target: Memo<(String, String)>,
) -> impl IntoView {
    let details = StoredValue::new(details);
    move || {
        match tab.get() {
        Tab::Overview => details.with_value(overview).into_any(),
        Tab::Events => details.with_value(events).into_any(),
        Tab::Logs => view! { <Logs target /> }.into_any(),
        Tab::Yaml => view! {
            <pre class="card code-block" data-testid="notebook-yaml">{details.with_value(|d| d.yaml.clone())}</pre>
        }
        .into_any(),
    }
    }
}

fn overview(details: &NotebookDetails) -> impl IntoView + use<> {
    let row = &details.row;
    let gpus = row
        .gpus
        .as_ref()
        .map(|g| format!("{} × {}", g.count, g.vendor))
        .unwrap_or_else(|| "none".into());
    let facts = vec![
        ("Type", row.server_type.label().to_string()),
        ("Image", row.image.clone()),
        ("CPU", resources_text(&row.cpu, &row.cpu_limit)),
        ("Memory", resources_text(&row.memory, &row.memory_limit)),
        ("GPUs", gpus),
        ("Created", row.created.clone()),
        (
            "Last activity",
            row.last_activity.clone().unwrap_or_else(|| "—".into()),
        ),
    ];
    let mounts = details.mounts.clone();
    let configurations = details.configurations.clone();
    let environment = details.environment.clone();
    let conditions = details.conditions.clone();
    view! {
        <div class="detail-grid" data-testid="notebook-overview">
            <section class="card panel">
                <h2 class="section-title">"Server"</h2>
                <dl class="facts">
                    {facts.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
                </dl>
            </section>
            <section class="card panel">
                <h2 class="section-title">"Volumes"</h2>
                {if mounts.is_empty() {
                    view! { <p class="muted">"No volumes."</p> }.into_any()
                } else {
                    view! {
                        <dl class="facts">
                            {mounts.into_iter().map(|(path, source)| view! { <dt class="mono">{path}</dt><dd>{source}</dd> }).collect_view()}
                        </dl>
                    }.into_any()
                }}
                <h2 class="section-title section-title--spaced">"Configurations"</h2>
                {if configurations.is_empty() {
                    view! { <p class="muted">"None applied."</p> }.into_any()
                } else {
                    view! { <ul class="chips">{configurations.into_iter().map(|c| view! { <li class="chip">{c}</li> }).collect_view()}</ul> }.into_any()
                }}
                {(!environment.is_empty()).then(|| view! {
                    <h2 class="section-title section-title--spaced">"Environment"</h2>
                    <dl class="facts">
                        {environment.into_iter().map(|(key, value)| view! { <dt class="mono">{key}</dt><dd class="mono">{value}</dd> }).collect_view()}
                    </dl>
                })}
            </section>
            <section class="card panel detail-grid__wide">
                <h2 class="section-title">"Conditions"</h2>
                {if conditions.is_empty() {
                    view! { <p class="muted">"None reported yet."</p> }.into_any()
                } else {
                    view! {
                        <table class="table">
                            <thead><tr><th>"Type"</th><th>"Status"</th><th>"Reason"</th><th>"Message"</th><th>"Since"</th></tr></thead>
                            <tbody>
                                {conditions.into_iter().map(|c| view! {
                                    <tr><td>{c.kind}</td><td>{c.status}</td><td>{c.reason}</td><td>{c.message}</td><td class="table__time">{c.time}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        </div>
    }
}

fn events(details: &NotebookDetails) -> impl IntoView + use<> {
    let now = now_seconds();
    let events = details.events.clone();
    if events.is_empty() {
        return view! { <section class="card panel"><p class="muted">"No events about this notebook."</p></section> }
            .into_any();
    }
    view! {
        <div class="card table-card">
            <table class="table" data-testid="notebook-events">
                <thead><tr><th>"When"</th><th>"Type"</th><th>"Reason"</th><th>"Object"</th><th>"Message"</th></tr></thead>
                <tbody>
                    {events.into_iter().map(|event| view! {
                        <tr class:row--warning=event.warning>
                            <td class="table__time" title=event.time.clone()>{notebook_list::ago(&event.time, now)}</td>
                            <td>{if event.warning { "Warning" } else { "Normal" }}</td>
                            <td>{event.reason}{(event.count > 1).then(|| format!(" ×{}", event.count))}</td>
                            <td class="mono">{event.object}</td>
                            <td>{event.message}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Logs(target: Memo<(String, String)>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let logs = LocalResource::new(move || {
        refresh.track();
        let (namespace, name) = target.get();
        notebook_logs(namespace, name)
    });
    view! {
        <div class="logs-toolbar">
            <button type="button" class="button button--small" on:click=move |_| refresh.update(|n| *n += 1)>"Reload"</button>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading the log…"</p> }>
            {move || logs.get().map(|result| match result {
                Ok(text) if text.is_empty() => view! { <p class="muted card panel">"No log yet: the server hasn't started."</p> }.into_any(),
                Ok(text) => view! { <pre class="card code-block" data-testid="notebook-logs">{text}</pre> }.into_any(),
                Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </Suspense>
    }
}
