//! The runs table: state, name, experiment, pipeline, created, duration, parameters and the
//! run's actions. Rows are keyed by what they show, so a refresh redraws only runs that moved.

use super::RunStateBadge;
use super::actions::RunActions;
use super::format::{duration_between, parameters_summary, parameters_text, timestamp_text};
use crate::components::layout::use_links;
use crate::components::sort_header::SortableHeader;
use crate::domain::notebook_list::ago;
use crate::model::kfp::{RunAction, RunList, RunRow, RunSort, RunState};
use leptos::prelude::*;
use leptos_router::components::A;
use std::collections::{HashMap, HashSet};

/// Experiment and pipeline names by id; an id not in them is shown shortened.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub experiments: HashMap<String, String>,
    pub pipelines: HashMap<String, String>,
}

/// The first part of a KFP id (a UUID), when its name is unknown.
fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

type RowKey = (String, RunState, bool, Option<String>, String);

fn row_key(row: &RunRow) -> RowKey {
    (
        row.id.clone(),
        row.state,
        row.archived,
        row.finished_at.clone(),
        row.name.clone(),
    )
}

#[component]
pub fn RunsTable(
    /// The runs loaded so far.
    #[prop(into)]
    rows: Signal<RunList>,
    /// Experiment and pipeline names by id.
    names: Names,
    /// When unfinished runs' durations run up to (seconds since the epoch).
    #[prop(into)]
    now: Signal<i64>,
    /// The order KFP lists in; the Name and Created headers set it.
    sort: RwSignal<RunSort>,
    /// Runs with an action under way.
    busy: RwSignal<HashSet<String>>,
    /// The action chosen on a row.
    #[prop(into)]
    on_action: Callback<(RunRow, RunAction)>,
) -> impl IntoView {
    let names = StoredValue::new(names);
    // A header sorts by its column (`first`: names A→Z, dates newest first), then reverses.
    let header = move |label: &'static str, testid: &'static str, first: RunSort, then: RunSort| {
        let aria = Signal::derive(move || match sort.get() {
            current if current != first && current != then => "none",
            RunSort::NameAscending | RunSort::OldestFirst => "ascending",
            RunSort::NameDescending | RunSort::NewestFirst => "descending",
        });
        let on_click = Callback::new(move |()| {
            sort.update(|current| *current = if *current == first { then } else { first })
        });
        view! {
            <SortableHeader label=label.to_string() aria on_click testid=Some(testid.to_string()) />
        }
    };
    view! {
        <Show when=move || rows.with(|list| !list.rows.is_empty())>
            <div class="card table-card">
                <table class="table table--runs" data-testid="runs-table">
                    <thead>
                        <tr>
                            <th>"State"</th>
                            {header("Name", "sort-name", RunSort::NameAscending, RunSort::NameDescending)}
                            <th>"Experiment"</th>
                            <th>"Pipeline"</th>
                            {header("Created", "sort-created", RunSort::NewestFirst, RunSort::OldestFirst)}
                            <th>"Duration"</th>
                            <th>"Parameters"</th>
                            <th><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get().rows
                            key=row_key
                            children=move |row| view! { <RunTableRow row names now busy on_action /> }
                        />
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

#[component]
fn RunTableRow(
    row: RunRow,
    names: StoredValue<Names>,
    now: Signal<i64>,
    busy: RwSignal<HashSet<String>>,
    on_action: Callback<(RunRow, RunAction)>,
) -> impl IntoView {
    let links = use_links();
    let href = |path: String| move || links.read().href(&path);
    let experiment = row.experiment_id.as_ref().map(|id| {
        names.with_value(|names| {
            names
                .experiments
                .get(id)
                .cloned()
                .unwrap_or_else(|| short_id(id))
        })
    });
    let pipeline = row.pipeline_id.clone().map(|id| {
        let name = names.with_value(|names| {
            names
                .pipelines
                .get(&id)
                .cloned()
                .unwrap_or_else(|| short_id(&id))
        });
        let title = name.clone();
        view! {
            <A href=href(format!("/pipelines/{id}")) attr:class="runs-link" attr:title=title attr:data-testid="run-pipeline">
                {name}
            </A>
        }
    });
    let duration = {
        let (created, finished) = (row.created_at.clone(), row.finished_at.clone());
        let finished_without_time = row.state.is_finished() && finished.is_none();
        move || {
            if finished_without_time {
                return "—".to_string();
            }
            duration_between(created.as_deref(), finished.as_deref(), now.get())
                .unwrap_or_else(|| "—".into())
        }
    };
    let created = row.created_at.clone().unwrap_or_default();
    let created_at = timestamp_text(&created);
    let is_busy = {
        let id = row.id.clone();
        Signal::derive(move || busy.read().contains(&id))
    };
    let details = href(format!("/runs/{}", row.id));
    let (parameters, summary) = (
        parameters_text(&row.parameters),
        parameters_summary(&row.parameters),
    );
    let state = row.state;
    let row_name = row.name.clone();
    let (id, name, description, error) = (
        row.id.clone(),
        row.name.clone(),
        row.description.clone(),
        row.error.clone().unwrap_or_default(),
    );
    view! {
        <tr data-testid="run-row" data-id=id data-name=row_name data-state=super::format::state_slug(state)>
            <td class="table__status" title=error>
                <RunStateBadge state />
            </td>
            <td class="table__name">
                <A href=details attr:data-testid="run-link">{name}</A>
                {(!description.is_empty()).then(|| view! { <span class="table__sub">{description}</span> })}
            </td>
            <td>{experiment.unwrap_or_else(|| "—".into())}</td>
            <td class="runs-pipeline">{pipeline.map(IntoAny::into_any).unwrap_or_else(|| "—".into_any())}</td>
            <td class="table__time" title=created_at>{move || ago(&created, now.get())}</td>
            <td class="table__time" data-testid="run-duration">{duration}</td>
            <td class="runs-params mono" title=parameters>{summary}</td>
            <td class="table__actions">
                <RunActions row=row.clone() busy=is_busy small=true
                    on_action=move |action| on_action.run((row.clone(), action)) />
            </td>
        </tr>
    }
}
