//! An experiment's trials: one column per parameter and per metric (the value its strategy
//! picks), sortable, filterable, a page of rows at a time so thousands of trials stay quick.
//! Clicking a row selects the trial (its line stands out in the parallel coordinates); the
//! check box adds it to the learning curves.

use super::{TrialStateBadge, trial_path, value_text};
use crate::components::layout::use_links;
use crate::components::sort_header::SortHeader;
use crate::domain::trial_table::{Column, ordered};
use crate::model::katib::{ExperimentView, ObjectiveType, TrialState};
use leptos::prelude::*;
use leptos_router::components::A;
use std::sync::Arc;

const PAGE_SIZE: usize = 50;

#[component]
pub fn TrialsTable(
    view: Signal<Option<Arc<ExperimentView>>>,
    best: Signal<Option<String>>,
    selected: RwSignal<Option<String>>,
    curves: RwSignal<Vec<String>>,
) -> impl IntoView {
    let links = use_links();
    let query = RwSignal::new(String::new());
    let state: RwSignal<Option<TrialState>> = RwSignal::new(None);
    // The objective's best values first.
    let descending = view.with_untracked(|view| {
        view.as_ref()
            .is_some_and(|view| view.row.objective_type == ObjectiveType::Maximize)
    });
    let sort = RwSignal::new((Column::Metric(0), descending));
    let page = RwSignal::new(0usize);
    Effect::new(move |_| {
        query.track();
        state.track();
        sort.track();
        page.set(0);
    });
    let order = Memo::new(move |_| {
        let (column, descending) = sort.get();
        view.with(|view| {
            view.as_ref()
                .map(|view| ordered(&view.trials, &query.get(), state.get(), column, descending))
                .unwrap_or_default()
        })
    });

    let header = move |label: String, title: String, column: Column| {
        let title = (!title.is_empty()).then_some(title);
        view! { <SortHeader label key=column sort title /> }
    };

    let body = move || {
        let Some(view) = view.get() else {
            return ().into_any();
        };
        let order = order.get();
        let total = order.len();
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let current = page.get().min(pages - 1);
        let first = current * PAGE_SIZE;
        let best = best.get();
        let namespace = view.row.namespace.clone();
        let experiment = view.row.name.clone();
        let headers = view! {
            <th class="table__check"><span class="visually-hidden">"Learning curve"</span></th>
            {header("Trial".into(), String::new(), Column::Name)}
            {header("Status".into(), String::new(), Column::State)}
            {view.parameters.iter().enumerate().map(|(i, p)| header(p.name.clone(), format!("parameter ({})", p.kind.label()), Column::Parameter(i))).collect_view()}
            {view.metrics.iter().enumerate().map(|(i, m)| header(
                format!("{} ({})", m.name, m.strategy.label()),
                if i == 0 { format!("objective: {}; the {} value of each trial", view.row.objective_type.label(), m.strategy.label()) } else { format!("the {} value of each trial", m.strategy.label()) },
                Column::Metric(i),
            )).collect_view()}
            {header("Completed".into(), String::new(), Column::Completed)}
        }.into_any();
        let rows = order[first..(first + PAGE_SIZE).min(total)]
            .iter()
            .map(|&index| {
                let trial = &view.trials[index];
                let name = trial.name.clone();
                let is_best = best.as_deref() == Some(name.as_str());
                let path = trial_path(&namespace, &experiment, &name);
                let href = move || links.read().href(&path);
                let select_name = name.clone();
                let check_name = name.clone();
                let checked_name = name.clone();
                let row_name = name.clone();
                let data_name = name.clone();
                let link_text = name.clone();
                let aria = format!("Learning curve of {name}");
                view! {
                    <tr data-testid="trial-row" data-name=data_name data-state=trial.state.label()
                        class:trial-row--best=is_best
                        class:trial-row--selected=move || selected.read().as_deref() == Some(row_name.as_str())
                        on:click=move |_| selected.update(|current| {
                            *current = if current.as_deref() == Some(select_name.as_str()) { None } else { Some(select_name.clone()) };
                        })>
                        <td class="table__check" on:click=|event| event.stop_propagation()>
                            <input type="checkbox" aria-label=aria data-testid="trial-curve"
                                prop:checked=move || curves.read().contains(&checked_name)
                                on:change=move |event| {
                                    let on = event_target_checked(&event);
                                    curves.update(|curves| {
                                        curves.retain(|c| c != &check_name);
                                        if on { curves.push(check_name.clone()); }
                                    });
                                } />
                        </td>
                        <td class="table__name">
                            <A href=href attr:data-testid="trial-link">{link_text}</A>
                            {is_best.then(|| view! { <span class="tag tag--best" data-testid="best-trial" title="the best trial so far">"best"</span> })}
                        </td>
                        <td title=trial.message.clone()><TrialStateBadge state=trial.state /></td>
                        {trial.parameters.iter().map(|value| view! {
                            <td class="table__number">{value.clone().unwrap_or_else(|| "—".into())}</td>
                        }).collect_view()}
                        {trial.metrics.iter().map(|value| view! {
                            <td class="table__number" title=value.as_ref().map(|v| v.text.clone()).unwrap_or_default()>
                                {value.as_ref().map(value_text).unwrap_or_else(|| "—".into())}
                            </td>
                        }).collect_view()}
                        <td class="table__time">{trial.completed.clone().unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any();
        view! {
            <div class="table-scroll">
                <table class="table table--trials" data-testid="trial-table">
                    <thead><tr>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <nav class="pager" aria-label="Pages of trials" data-testid="trial-pager">
                <span class="muted" data-testid="trial-range">{if total == 0 { "No trial matches".to_string() } else { format!("{}–{} of {total}", first + 1, (first + PAGE_SIZE).min(total)) }}</span>
                <button type="button" class="button button--small" disabled={current == 0}
                    on:click=move |_| page.update(|page| *page = page.saturating_sub(1))>"Previous"</button>
                <button type="button" class="button button--small" disabled={current + 1 >= pages} data-testid="trial-pager-next"
                    on:click=move |_| page.update(|page| *page += 1)>"Next"</button>
            </nav>
        }
        .into_any()
    };

    view! {
        <div class="toolbar">
            <label class="toolbar__filter">
                <span class="visually-hidden">"Filter trials"</span>
                <input type="search" placeholder="Filter by name or parameter value…" data-testid="trial-filter"
                    prop:value=move || query.get()
                    on:input=move |event| query.set(event_target_value(&event)) />
            </label>
            <label class="toolbar__select">
                <span class="visually-hidden">"Trial status"</span>
                <select data-testid="trial-state-filter" on:change=move |event| {
                    let value = event_target_value(&event);
                    state.set(TrialState::ALL.into_iter().find(|s| s.label() == value));
                }>
                    <option value="">"Any status"</option>
                    {TrialState::ALL.into_iter().map(|s| view! { <option value=s.label()>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <span class="muted">"Click a row to pick it out in the plots; tick it to draw its learning curve."</span>
        </div>
        <div class="card table-card">{body}</div>
    }
}
