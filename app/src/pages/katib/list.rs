//! The experiments table: live through the server's watch stream (a snapshot, then one row
//! per change), filtered and sorted in the browser.

use super::{ExperimentStateBadge, experiment_path};
use crate::api::katib::list_katib_experiments;
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::use_links;
use crate::components::live::{LiveBadge, follow, now_seconds};
use crate::components::sort_header::SortHeader;
use crate::domain::experiment_list::{self, SortKey, format_value};
use crate::domain::nav::ALL_NAMESPACES;
use crate::domain::notebook_list::ago;
use crate::model::katib::{ExperimentChange, ExperimentRow, ExperimentState, TrialCounts};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

const PAGE_SIZE: usize = 100;

#[component]
pub fn ExperimentsPage() -> impl IntoView {
    let links = use_links();
    let namespace = Memo::new(move |_| links.read().namespace.clone());
    let all = Memo::new(move |_| namespace.get().as_deref() == Some(ALL_NAMESPACES));
    let initial = Resource::new(
        move || namespace.get(),
        |namespace| async move {
            match namespace {
                Some(namespace) => list_katib_experiments(namespace).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let streamed: RwSignal<Option<Vec<ExperimentRow>>> = RwSignal::new(None);
    let stream_error: RwSignal<Option<String>> = RwSignal::new(None);
    let stream_url = Signal::derive(move || {
        let namespace = namespace.get()?;
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("ns", &namespace)
            .finish();
        Some(format!(
            "{}/api/watch/experiments?{query}",
            links.read().base
        ))
    });
    Effect::new(move |_| {
        namespace.track();
        streamed.set(None);
        stream_error.set(None);
    });
    let live = follow::<ExperimentChange, _>(stream_url, move |change| {
        if let ExperimentChange::Failed(error) = &change {
            stream_error.set(Some(error.to_string()));
        }
        streamed.update(|rows| {
            experiment_list::apply(rows.get_or_insert_with(Vec::new), change);
        });
    });
    let filter = RwSignal::new(String::new());
    let state_filter: RwSignal<Option<ExperimentState>> = RwSignal::new(None);
    let sort = RwSignal::new((SortKey::Created, true));
    let page = RwSignal::new(0usize);
    Effect::new(move |_| {
        filter.track();
        state_filter.track();
        sort.track();
        namespace.track();
        page.set(0);
    });

    let shown = move |loaded: Vec<ExperimentRow>| -> Vec<ExperimentRow> {
        let query = filter.get();
        let state = state_filter.get();
        let (key, descending) = sort.get();
        let mut rows: Vec<ExperimentRow> = streamed
            .get()
            .unwrap_or(loaded)
            .into_iter()
            .filter(|row| state.is_none_or(|state| row.state == state))
            .filter(|row| experiment_list::matches(row, &query))
            .collect();
        experiment_list::sort(&mut rows, key, descending);
        rows
    };

    let header = move |label: &'static str, key: SortKey| {
        let testid = format!("sort-{}", label.to_lowercase());
        view! { <SortHeader label=label.to_string() key sort testid=Some(testid) /> }
    };

    view! {
        <Title text="Experiments (Katib)" />
        <div class="page-heading page-heading--actions">
            <div>
                <h1 data-testid="page-title">"Experiments (Katib)"</h1>
                <p class="muted">"Hyperparameter tuning and neural architecture search, updated as trials finish."</p>
            </div>
            <Show when=move || namespace.get().is_some() && !all.get()>
                <A href=move || links.read().href("/experiments/new") attr:class="button button--primary" attr:data-testid="new-experiment">
                    <Icon kind=IconKind::Plus />
                    "New experiment"
                </A>
            </Show>
        </div>
        <div class="toolbar">
            <label class="toolbar__filter">
                <span class="visually-hidden">"Filter experiments"</span>
                <input type="search" placeholder="Filter by name, algorithm, metric…" data-testid="experiment-filter"
                    prop:value=move || filter.get()
                    on:input=move |event| filter.set(event_target_value(&event)) />
            </label>
            <label class="toolbar__select">
                <span class="visually-hidden">"Status"</span>
                <select data-testid="experiment-state-filter" on:change=move |event| {
                    let value = event_target_value(&event);
                    state_filter.set([ExperimentState::Created, ExperimentState::Running, ExperimentState::Restarting, ExperimentState::Succeeded, ExperimentState::Failed, ExperimentState::Unknown]
                        .into_iter().find(|state| state.label() == value));
                }>
                    <option value="">"Any status"</option>
                    {[ExperimentState::Running, ExperimentState::Succeeded, ExperimentState::Failed, ExperimentState::Created, ExperimentState::Restarting]
                        .into_iter().map(|state| view! { <option value=state.label()>{state.label()}</option> }).collect_view()}
                </select>
            </label>
            <LiveBadge live />
        </div>
        {move || stream_error.get().map(|error| view! { <p class="form-error" role="alert">{error}</p> })}
        <Transition fallback=|| view! { <p class="muted">"Loading experiments…"</p> }>
            {move || initial.get().map(|result| match result {
                Err(error) => view! { <p class="form-error" role="alert" data-testid="experiments-error">{error.to_string()}</p> }.into_any(),
                Ok(None) => view! {
                    <section class="card panel"><p>"Choose a namespace in the selector above to see its experiments."</p></section>
                }.into_any(),
                Ok(Some(loaded)) => {
                    let rows = shown(loaded);
                    let total = rows.len();
                    let pages = total.div_ceil(PAGE_SIZE).max(1);
                    let current = page.get().min(pages - 1);
                    let first = current * PAGE_SIZE;
                    let rows: Vec<ExperimentRow> = rows.into_iter().skip(first).take(PAGE_SIZE).collect();
                    let last = first + rows.len();
                    if rows.is_empty() {
                        let filtered = !filter.get().trim().is_empty() || state_filter.get().is_some();
                        return view! {
                            <section class="card panel empty" data-testid="experiments-empty">
                                <Icon kind=IconKind::Experiment class="empty__icon" />
                                {if filtered {
                                    view! { <p>"No experiment matches the filter."</p> }.into_any()
                                } else {
                                    view! {
                                        <p>"No Katib experiments here yet."</p>
                                        <Show when=move || !all.get()>
                                            <A href=move || links.read().href("/experiments/new") attr:class="button button--primary">"Create the first one"</A>
                                        </Show>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any();
                    }
                    let now = now_seconds();
                    view! {
                        <div class="card table-card">
                            <table class="table table--experiments" data-testid="experiment-table">
                                <thead>
                                    <tr>
                                        {header("Status", SortKey::Status)}
                                        {header("Name", SortKey::Name)}
                                        {move || all.get().then(|| header("Namespace", SortKey::Namespace))}
                                        {header("Trials", SortKey::Trials)}
                                        {header("Best", SortKey::Best)}
                                        {header("Created", SortKey::Created)}
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows.into_iter().map(|row| experiment_row(row, all, now)).collect_view()}
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
    }
}

fn experiment_row(row: ExperimentRow, all: Memo<bool>, now: i64) -> AnyView {
    let links = use_links();
    let path = experiment_path(&row.namespace, &row.name);
    let href = move || links.read().href(&path);
    let namespace = row.namespace.clone();
    let best = match row.best {
        Some(best) => format!("{} {}", row.objective_metric, format_value(best)),
        None => "—".into(),
    };
    let budget = match row.max_trials {
        Some(max) => format!("{} of {max}", row.counts.total),
        None => row.counts.total.to_string(),
    };
    let data_name = row.name.clone();
    view! {
        <tr data-testid="experiment-row" data-name=data_name data-state=row.state.label()>
            <td class="table__status"><ExperimentStateBadge state=row.state message=row.message.clone() /></td>
            <td class="table__name">
                <A href=href attr:data-testid="experiment-link">{row.name.clone()}</A>
                <span class="table__sub">{format!("{} · {} · {} {}", row.kind.label(), row.algorithm, row.objective_type.label(), row.objective_metric)}</span>
            </td>
            {move || all.get().then(|| view! { <td>{namespace.clone()}</td> })}
            <td class="table__trials">
                <span class="table__number" data-testid="experiment-trials">{budget}</span>
                <TrialCountChips counts=row.counts />
            </td>
            <td class="table__number" data-testid="experiment-best" title=row.best_trial.clone().unwrap_or_default()>{best}</td>
            <td class="table__time" title=row.created.clone().unwrap_or_default()>{row.created.as_deref().map(|time| ago(time, now)).unwrap_or_default()}</td>
        </tr>
    }
    .into_any()
}

/// Trial counts by state, zeroes left out: "12 succeeded · 3 running · 1 early stopped".
#[component]
pub(super) fn TrialCountChips(counts: TrialCounts) -> impl IntoView {
    let parts = [
        (counts.succeeded, "succeeded", "chip--ready"),
        (counts.running, "running", "chip--waiting"),
        (counts.pending, "pending", "chip--waiting"),
        (counts.early_stopped, "early stopped", "chip--warning"),
        (
            counts.metrics_unavailable,
            "metrics unavailable",
            "chip--warning",
        ),
        (counts.failed, "failed", "chip--error"),
        (counts.killed, "killed", "chip--muted"),
    ];
    view! {
        <span class="chips" data-testid="trial-counts">
            {parts.into_iter().filter(|(count, _, _)| *count > 0).map(|(count, label, class)| view! {
                <span class=format!("chip {class}") data-kind=label>{format!("{count} {label}")}</span>
            }).collect_view()}
        </span>
    }
}
