//! The runs list's filters: state, experiment, name (searched once the user pauses typing),
//! active or archived runs, and the sort order the table header sets. KFP applies them all.

use crate::model::AppError;
use crate::model::kfp::{ExperimentRow, RunQuery, RunSort, RunState};
use leptos::prelude::*;
use std::time::Duration;

/// How long typing must pause before the name is searched for.
const SEARCH_DELAY: Duration = Duration::from_millis(300);

/// What the user filters and sorts by; each change is a new first page from KFP.
#[derive(Debug, Clone, Copy)]
pub struct Filters {
    pub state: RwSignal<Option<RunState>>,
    pub experiment: RwSignal<Option<String>>,
    /// The name searched for (typing settles here after `SEARCH_DELAY`).
    pub name: RwSignal<String>,
    pub archived: RwSignal<bool>,
    pub sort: RwSignal<RunSort>,
}

impl Filters {
    pub fn new(experiment: Option<String>) -> Self {
        Self {
            state: RwSignal::new(None),
            experiment: RwSignal::new(experiment.filter(|id| !id.is_empty())),
            name: RwSignal::new(String::new()),
            archived: RwSignal::new(false),
            sort: RwSignal::new(RunSort::default()),
        }
    }

    /// The first page's query, tracking every filter.
    pub fn query(self, namespace: String, page_size: u32) -> RunQuery {
        let name = self.name.get();
        RunQuery {
            namespace,
            experiment_id: self.experiment.get(),
            state: self.state.get(),
            name: Some(name.trim().to_string()).filter(|name| !name.is_empty()),
            sort: self.sort.get(),
            archived: self.archived.get(),
            page_token: None,
            page_size: Some(page_size),
        }
    }

    /// Anything narrower than every active run.
    pub fn narrowed(self) -> bool {
        self.state.read().is_some()
            || self.experiment.read().is_some()
            || !self.name.read().trim().is_empty()
    }
}

/// The filter bar. The experiment choices come from `experiments` (one request).
#[component]
pub fn RunFilters(
    filters: Filters,
    experiments: Resource<Result<Vec<ExperimentRow>, AppError>>,
) -> impl IntoView {
    let typed = RwSignal::new(filters.name.get_untracked());
    // Each keystroke gets a number; only the last one's timer searches.
    let keystrokes = StoredValue::new(0u64);
    let search_now = move || filters.name.set(typed.get_untracked());
    let on_input = move |event| {
        typed.set(event_target_value(&event));
        keystrokes.update_value(|n| *n += 1);
        let mine = keystrokes.get_value();
        set_timeout(
            move || {
                if keystrokes.try_get_value() == Some(mine) {
                    search_now();
                }
            },
            SEARCH_DELAY,
        );
    };
    let state_value = move || filters.state.get().map(|s| s.as_kfp()).unwrap_or_default();
    let experiment_value = move || filters.experiment.get().unwrap_or_default();

    view! {
        <div class="toolbar runs-filters" role="search" aria-label="Filter runs">
            <label class="toolbar__filter">
                <span class="visually-hidden">"Search runs by name"</span>
                <input
                    type="search"
                    placeholder="Search by name…"
                    data-testid="runs-search"
                    prop:value=move || typed.get()
                    on:input=on_input
                    on:keydown=move |event: leptos::ev::KeyboardEvent| {
                        if event.key() == "Enter" {
                            keystrokes.update_value(|n| *n += 1);
                            search_now();
                        }
                    }
                />
            </label>
            <label class="runs-filters__select">
                <span class="visually-hidden">"State"</span>
                <select
                    data-testid="runs-state"
                    prop:value=state_value
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        filters.state.set((!value.is_empty()).then(|| RunState::from_kfp(&value)));
                    }
                >
                    <option value="">"All states"</option>
                    {RunState::ALL.into_iter().map(|state| view! {
                        <option value=state.as_kfp() selected=move || filters.state.get() == Some(state)>{state.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="runs-filters__select">
                <span class="visually-hidden">"Experiment"</span>
                <Transition fallback=move || view! {
                    <select disabled=true><option>"All experiments"</option></select>
                }>
                    {move || experiments.get().map(|result| {
                        let choices = result.unwrap_or_default();
                        view! {
                            <select
                                data-testid="runs-experiment"
                                prop:value=experiment_value
                                on:change=move |event| {
                                    let value = event_target_value(&event);
                                    filters.experiment.set(Some(value).filter(|id| !id.is_empty()));
                                }
                            >
                                <option value="">"All experiments"</option>
                                {choices.into_iter().map(|experiment| {
                                    let id = experiment.id.clone();
                                    view! {
                                        <option value=experiment.id.clone() selected=move || filters.experiment.read().as_deref() == Some(id.as_str())>
                                            {experiment.name}
                                        </option>
                                    }
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
            </label>
            <div class="segmented" role="group" aria-label="Which runs">
                <button type="button" class="segmented__option" data-testid="runs-active"
                    aria-pressed=move || (!filters.archived.get()).to_string()
                    on:click=move |_| filters.archived.set(false)>"Active"</button>
                <button type="button" class="segmented__option" data-testid="runs-archived"
                    aria-pressed=move || filters.archived.get().to_string()
                    on:click=move |_| filters.archived.set(true)>"Archived"</button>
            </div>
        </div>
    }
}
