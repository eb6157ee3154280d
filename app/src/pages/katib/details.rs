//! An experiment's page: overview, trials, plots and spec. Reloaded each time the experiment
//! or one of its trials changes (the server's watch says when, at most once a second).

use super::plots::Plots;
use super::trials_table::TrialsTable;
use super::{ConditionsTable, ExperimentStateBadge, MetricsTable, experiment_changes, trial_path};
use crate::api::katib::{
    get_katib_experiment, get_katib_experiment_overview, katib_experiment_action,
};
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::{use_href_navigate, use_links};
use crate::components::toast::use_toaster;
use crate::domain::experiment_list::format_value;
use crate::model::katib::{
    ExperimentAction, ExperimentState, ExperimentView, MAX_TRIAL_BUDGET, TrialState,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use std::sync::Arc;

/// Learning curves drawn at first: the best trial and a few running ones.
const FIRST_CURVES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Overview,
    Trials,
    Plots,
    Yaml,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Overview, Tab::Trials, Tab::Plots, Tab::Yaml];

    fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Trials => "Trials",
            Tab::Plots => "Plots",
            Tab::Yaml => "YAML",
        }
    }
}

#[component]
pub fn ExperimentPage() -> impl IntoView {
    let links = use_links();
    let params = use_params_map();
    let namespace = Memo::new(move |_| params.read().get("namespace").unwrap_or_default());
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    // Whether `current` holds the trials (the full view), or only the overview.
    let listed = RwSignal::new(false);
    let load_error: RwSignal<Option<String>> = RwSignal::new(None);
    let changes = experiment_changes(namespace, name);
    // The server renders the overview from the experiment alone (a few KiB, however many
    // trials it has), so the page is interactive at once; the browser then fetches the view
    // with every trial, again each time the experiment or one of its trials changes.
    let overview = Resource::new(
        move || (namespace.get(), name.get()),
        |(namespace, name)| get_katib_experiment_overview(namespace, name),
    );
    // A memo, as a `Resource`'s source is: only a new experiment or a new change refetches.
    let key = Memo::new(move |_| (namespace.get(), name.get(), changes.get()));
    let full = LocalResource::new(move || {
        let (namespace, name, _) = key.get();
        get_katib_experiment(namespace, name)
    });
    // The last good answer stays on screen while a newer one loads or if a reload fails.
    let current: RwSignal<Option<Arc<ExperimentView>>> = RwSignal::new(None);
    Effect::new(move |_| {
        let Some(Ok(view)) = overview.get() else {
            return;
        };
        // Only until the trials of this same experiment are in (the page is reused when the
        // user follows a link to another experiment).
        let same = current.with_untracked(|shown| {
            shown.as_ref().is_some_and(|shown| {
                (&shown.row.namespace, &shown.row.name) == (&view.row.namespace, &view.row.name)
            })
        });
        if !(same && listed.get_untracked()) {
            listed.set(false);
            current.set(Some(Arc::new(view)));
        }
    });
    Effect::new(move |_| match full.get() {
        Some(Ok(view)) => {
            current.set(Some(Arc::new(view)));
            listed.set(true);
            load_error.set(None);
        }
        Some(Err(error)) => load_error.set(Some(error.to_string())),
        None => {}
    });
    // The overview as the server sent it until an effect (which the server never runs) has put
    // it in `current`: so the server renders the overview tab, and hydration finds it there.
    let view_signal = Signal::derive(move || {
        current
            .get()
            .or_else(|| overview.get().and_then(Result::ok).map(Arc::new))
    });
    let best = Signal::derive(move || {
        current.with(|view| {
            let view = view.as_ref()?;
            crate::domain::katib::best_trial(view).map(|index| view.trials[index].name.clone())
        })
    });
    let selected: RwSignal<Option<String>> = RwSignal::new(None);
    let curves: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    // The first curves: the best trial and a few running ones, as soon as there are any (a new
    // experiment has none at first); after that the user's ticks decide.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !curves.with_untracked(Vec::is_empty) {
            return true;
        }
        current.with(|view| {
            let Some(view) = view.as_ref() else {
                return false;
            };
            let mut first: Vec<String> = best.get_untracked().into_iter().collect();
            first.extend(
                view.trials
                    .iter()
                    .rev()
                    .filter(|trial| trial.state == TrialState::Running)
                    .map(|trial| trial.name.clone())
                    .take(FIRST_CURVES.saturating_sub(first.len())),
            );
            let found = !first.is_empty();
            curves.set(first);
            found
        })
    });
    let tab = RwSignal::new(Tab::Overview);
    let state = PageState {
        view: view_signal,
        best,
        selected,
        curves,
        tab,
        load_error,
    };

    view! {
        <Title text=move || name.get() />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=move || links.read().href("/experiments")>"Experiments"</A>
            <span aria-hidden="true">" / "</span>
            <span>{move || name.get()}</span>
        </nav>
        <Transition fallback=|| view! { <p class="muted">"Loading the experiment…"</p> }>
            {move || {
                // Read the resource here so the server waits for it when rendering.
                let first = overview.get();
                let listed = listed.get();
                match (view_signal.get(), first) {
                    (Some(view), _) => page(view, listed, state).into_any(),
                    (None, Some(Err(error))) => view! {
                        <p class="form-error" role="alert" data-testid="experiment-error">{error.to_string()}</p>
                    }.into_any(),
                    (None, _) => ().into_any(),
                }
            }}
        </Transition>
    }
}

/// What the page keeps across its redraws (each reload draws it again).
#[derive(Clone, Copy)]
struct PageState {
    view: Signal<Option<Arc<ExperimentView>>>,
    best: Signal<Option<String>>,
    selected: RwSignal<Option<String>>,
    curves: RwSignal<Vec<String>>,
    tab: RwSignal<Tab>,
    load_error: RwSignal<Option<String>>,
}

fn page(view: Arc<ExperimentView>, listed: bool, state: PageState) -> impl IntoView {
    let PageState {
        view: view_signal,
        best,
        selected,
        curves,
        tab,
        load_error,
    } = state;
    let row = view.row.clone();
    // Until the trials are listed, the count the experiment's status keeps.
    let trial_count = if listed {
        view.trials.len()
    } else {
        row.counts.total as usize
    };
    let heading = view! {
        <div class="page-heading page-heading--actions">
            <div>
                <h1 data-testid="page-title">{row.name.clone()}</h1>
                <p class="muted">{format!("{} in {} · {} {} with {}", row.kind.label(), row.namespace, row.objective_type.label(), row.objective_metric, row.algorithm)}</p>
                <ExperimentStateBadge state=row.state message=row.message.clone() />
            </div>
            <Actions view=view.clone() />
        </div>
        {move || load_error.get().map(|error| view! { <p class="form-error" role="alert">{format!("Reloading failed: {error}")}</p> })}
        <div class="tabs" role="tablist">
            {Tab::ALL.into_iter().map(|each| view! {
                <button type="button" role="tab" class="tabs__tab"
                    aria-selected=move || (tab.get() == each).to_string()
                    data-testid=format!("tab-{}", each.label().to_lowercase())
                    on:click=move |_| tab.set(each)>
                    {each.label()}
                    {(each == Tab::Trials).then(|| view! { <span class="tabs__count">{trial_count}</span> })}
                </button>
            }).collect_view()}
        </div>
    }
    .into_any();
    let body = move || {
        match tab.get() {
        Tab::Overview => view_signal
            .get()
            .map(|view| overview(view, best.get()).into_any())
            .unwrap_or_else(|| ().into_any()),
        Tab::Trials | Tab::Plots if !listed => view! {
            <p class="muted" data-testid="trials-loading" role="status">{format!("Loading {trial_count} trials…")}</p>
        }.into_any(),
        Tab::Trials => view! { <TrialsTable view=view_signal best selected curves /> }.into_any(),
        Tab::Plots => view! { <Plots view=view_signal selected curves /> }.into_any(),
        Tab::Yaml => view! {
            <section class="card panel">
                <pre class="code-block" data-testid="experiment-yaml-view">{move || view_signal.get().map(|v| v.yaml.clone()).unwrap_or_default()}</pre>
            </section>
        }
        .into_any(),
    }
    };
    let trials = if listed { "listed" } else { "loading" };
    view! { {heading} <div role="tabpanel" data-trials=trials>{body}</div> }
}

fn overview(view: Arc<ExperimentView>, best: Option<String>) -> impl IntoView {
    let links = use_links();
    let row = &view.row;
    let goal = view.goal.map(format_value).unwrap_or_else(|| "none".into());
    let metrics = view
        .metrics
        .iter()
        .map(|m| format!("{} ({})", m.name, m.strategy.label()))
        .collect::<Vec<_>>()
        .join(", ");
    let settings = |settings: &[(String, String)]| {
        if settings.is_empty() {
            return view! { <span class="muted">"defaults"</span> }.into_any();
        }
        view! {
            <ul class="plain-list">
                {settings.iter().map(|(k, v)| view! { <li><code>{k.clone()}</code>" = "<code>{v.clone()}</code></li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let budget = format!(
        "{} trials of {} · {} at a time · {} failures allowed",
        row.counts.total,
        row.max_trials
            .map_or("no limit".to_string(), |m| m.to_string()),
        view.parallel_trials
            .map_or("?".to_string(), |p| p.to_string()),
        view.max_failed_trials
            .map_or("any number of".to_string(), |m| m.to_string()),
    );
    let optimal = view.optimal.clone();
    let best_name = optimal.as_ref().map(|o| o.name.clone()).or(best);
    let namespace = row.namespace.clone();
    let experiment = row.name.clone();
    let best_card = match (best_name, optimal) {
        (Some(name), Some(optimal)) => {
            let path = trial_path(&namespace, &experiment, &name);
            view! {
                <section class="card panel" data-testid="best-trial-card">
                    <h2 class="section-title">"Best trial"</h2>
                    <p><A href=move || links.read().href(&path) attr:data-testid="best-trial-link">{name.clone()}</A></p>
                    <dl class="facts">
                        {optimal.parameters.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                    </dl>
                    <MetricsTable metrics=optimal.metrics.clone() objective=row.objective_metric.clone() />
                </section>
            }
            .into_any()
        }
        _ => view! {
            <section class="card panel" data-testid="best-trial-card">
                <h2 class="section-title">"Best trial"</h2>
                <p class="muted">"No trial has reported the objective yet."</p>
            </section>
        }
        .into_any(),
    };
    let conditions = view.conditions.clone();
    view! {
        <div class="overview-grid">
            <section class="card panel" data-testid="experiment-overview">
                <h2 class="section-title">"Objective"</h2>
                <dl class="facts">
                    <dt>"Goal"</dt><dd data-testid="objective">{format!("{} {} to {goal}", row.objective_type.label(), row.objective_metric)}</dd>
                    <dt>"Metrics"</dt><dd>{metrics}</dd>
                    <dt>"Best value"</dt><dd data-testid="best-value">{row.best.map(format_value).unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Budget"</dt><dd data-testid="budget">{budget}</dd>
                    <dt>"Started"</dt><dd>{view.started.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Completed"</dt><dd>{view.completed.clone().unwrap_or_else(|| "—".into())}</dd>
                </dl>
            </section>
            <section class="card panel">
                <h2 class="section-title">"Algorithm"</h2>
                <dl class="facts">
                    <dt>"Search"</dt><dd data-testid="algorithm">{view.algorithm.name.clone()}</dd>
                    <dt>"Settings"</dt><dd>{settings(&view.algorithm.settings)}</dd>
                    <dt>"Early stopping"</dt>
                    <dd>{match &view.early_stopping {
                        Some(early) => view! { <span>{early.name.clone()}</span>{settings(&early.settings)} }.into_any(),
                        None => view! { <span class="muted">"none"</span> }.into_any(),
                    }}</dd>
                </dl>
                <h3 class="section-subtitle">"Search space"</h3>
                <ul class="plain-list" data-testid="search-space">
                    {view.parameters.iter().map(|p| {
                        let range = if p.kind.is_listed() {
                            p.list.join(", ")
                        } else {
                            let mut range = format!("{} … {}", p.min.clone().unwrap_or_default(), p.max.clone().unwrap_or_default());
                            if let Some(step) = &p.step { range.push_str(&format!(" step {step}")); }
                            if let Some(d) = &p.distribution { range.push_str(&format!(" ({d})")); }
                            range
                        };
                        view! { <li><code>{p.name.clone()}</code>{format!(" {}: {range}", p.kind.label())}</li> }
                    }).collect_view()}
                </ul>
            </section>
            {best_card}
            <section class="card panel overview-grid__wide">
                <h2 class="section-title">"Conditions"</h2>
                <ConditionsTable conditions />
            </section>
        </div>
    }
}

/// Stop, raise the budget, delete.
#[component]
fn Actions(view: Arc<ExperimentView>) -> impl IntoView {
    let toaster = use_toaster();
    let navigate = use_href_navigate();
    let links = use_links();
    let name = view.row.name.clone();
    let running = matches!(
        view.row.state,
        ExperimentState::Running | ExperimentState::Created
    );
    let current_max = view.row.max_trials.unwrap_or(view.row.counts.total);
    let busy = RwSignal::new(false);
    let confirming: RwSignal<Option<ExperimentAction>> = RwSignal::new(None);
    let budget = RwSignal::new((current_max + 10).to_string());
    let act = {
        let (namespace, name) = (view.row.namespace.clone(), name.clone());
        move |action: ExperimentAction| {
            let (namespace, name) = (namespace.clone(), name.clone());
            let navigate = navigate.clone();
            busy.set(true);
            spawn_local(async move {
                let result = katib_experiment_action(namespace, name.clone(), action).await;
                busy.set(false);
                confirming.set(None);
                match result {
                    Ok(()) => match action {
                        ExperimentAction::Delete => {
                            toaster.info(format!("Experiment {name} is being deleted"));
                            navigate(
                                &links.get_untracked().href("/experiments"),
                                Default::default(),
                            );
                        }
                        ExperimentAction::Stop => toaster.info(format!(
                            "Experiment {name} is stopping: no new trials, running ones end"
                        )),
                        ExperimentAction::SetMaxTrials(max) => {
                            toaster.info(format!("Experiment {name} may now run {max} trials"))
                        }
                    },
                    Err(error) => toaster.error(error.to_string()),
                }
            });
        }
    };
    let raise = {
        let act = act.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            match budget.get_untracked().trim().parse::<u32>() {
                Ok(max) if max > current_max && max <= MAX_TRIAL_BUDGET => {
                    act(ExperimentAction::SetMaxTrials(max))
                }
                _ => toaster.error(format!(
                    "Give a whole number of trials above {current_max}, up to {MAX_TRIAL_BUDGET}"
                )),
            }
        }
    };
    let confirm_act = act.clone();
    view! {
        <div class="page-actions">
            {running.then(|| view! {
                <form class="inline-form" on:submit=raise data-testid="raise-budget">
                    <label>
                        <span class="inline-form__label">"Max trials"</span>
                        <input type="number" min=current_max + 1 max=MAX_TRIAL_BUDGET step="1" class="input--narrow"
                            data-testid="max-trials-input" prop:value=move || budget.get()
                            on:input=move |event| budget.set(event_target_value(&event)) />
                    </label>
                    <button type="submit" class="button" data-testid="raise-budget-submit" disabled=move || busy.get()>"Raise budget"</button>
                </form>
                <button type="button" class="button" data-testid="experiment-stop" disabled=move || busy.get()
                    on:click=move |_| confirming.set(Some(ExperimentAction::Stop))>
                    <Icon kind=IconKind::Stop />"Stop"
                </button>
            })}
            <button type="button" class="button button--quiet-danger" data-testid="experiment-delete" disabled=move || busy.get()
                on:click=move |_| confirming.set(Some(ExperimentAction::Delete))>
                <Icon kind=IconKind::Trash />"Delete"
            </button>
        </div>
        {move || confirming.get().map(|action| {
            let act = confirm_act.clone();
            let (title, text, button) = match action {
                ExperimentAction::Stop => (
                    format!("Stop {name}?"),
                    "No new trials start. Trials that are running now are stopped and removed; finished trials and their results stay.",
                    "Stop",
                ),
                _ => (
                    format!("Delete {name}?"),
                    "The experiment, its trials and their jobs are deleted. Results in katib-db-manager stay, but nothing here links to them any more.",
                    "Delete",
                ),
            };
            view! {
                <div class="dialog-backdrop" on:click=move |_| confirming.set(None)>
                    <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="experiment-action-title" data-testid="experiment-dialog"
                        on:click=|event| event.stop_propagation()>
                        <h2 id="experiment-action-title">{title}</h2>
                        <p>{text}</p>
                        <div class="dialog__actions">
                            <button type="button" class="button" on:click=move |_| confirming.set(None)>"Cancel"</button>
                            <button type="button" class="button button--danger-solid" data-testid="experiment-confirm" disabled=move || busy.get()
                                on:click=move |_| act(action)>{button}</button>
                        </div>
                    </div>
                </div>
            }
        })}
    }
}
