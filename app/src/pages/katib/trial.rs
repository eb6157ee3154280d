//! A trial's page: its parameters, metrics (min, max, latest), conditions, learning curves
//! for every metric, and its pods' logs. Reloaded when the experiment's trials change.

use super::{ConditionsTable, MetricsTable, TrialStateBadge, experiment_changes, experiment_path};
use crate::api::katib::{get_katib_trial, katib_observation_logs, katib_trial_log};
use crate::charts;
use crate::components::layout::use_links;
use crate::model::katib::{ObservationLogs, TrialView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

const CURVE: (u32, u32) = (1000, 340);

#[component]
pub fn TrialPage() -> impl IntoView {
    let links = use_links();
    let params = use_params_map();
    let namespace = Memo::new(move |_| params.read().get("namespace").unwrap_or_default());
    let experiment = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let trial = Memo::new(move |_| params.read().get("trial").unwrap_or_default());
    let changes = experiment_changes(namespace, experiment);
    let data = Resource::new(
        move || (namespace.get(), trial.get(), changes.get()),
        |(namespace, trial, _)| get_katib_trial(namespace, trial),
    );
    let current: RwSignal<Option<TrialView>> = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(Ok(view)) = data.get() {
            current.set(Some(view));
        }
    });
    view! {
        <Title text=move || trial.get() />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=move || links.read().href("/experiments")>"Experiments"</A>
            <span aria-hidden="true">" / "</span>
            <A href=move || links.read().href(&experiment_path(&namespace.get(), &experiment.get()))>{move || experiment.get()}</A>
            <span aria-hidden="true">" / "</span>
            <span>{move || trial.get()}</span>
        </nav>
        <Transition fallback=|| view! { <p class="muted">"Loading the trial…"</p> }>
            {move || {
                let first = data.get();
                match (current.get(), first) {
                    (Some(view), _) | (None, Some(Ok(view))) => trial_page(view, changes).into_any(),
                    (None, Some(Err(error))) => view! { <p class="form-error" role="alert" data-testid="trial-error">{error.to_string()}</p> }.into_any(),
                    (None, None) => ().into_any(),
                }
            }}
        </Transition>
    }
}

fn trial_page(view: TrialView, changes: ReadSignal<u64>) -> impl IntoView {
    let metric_names: Vec<String> = view.metrics.iter().map(|m| m.name.clone()).collect();
    let metric_names = if metric_names.is_empty() {
        vec![view.objective_metric.clone()]
    } else {
        metric_names
    };
    let curves = metric_names
        .into_iter()
        .map(|metric| {
            view! {
                <TrialCurve namespace=view.namespace.clone() experiment=view.experiment.clone() trial=view.name.clone() metric changes />
            }
        })
        .collect_view()
        .into_any();
    view! {
        <div class="page-heading">
            <h1 data-testid="page-title">{view.name.clone()}</h1>
            <p class="muted">{format!("Trial of {} · {} {}", view.experiment, view.objective_type.label(), view.objective_metric)}</p>
            <TrialStateBadge state=view.state />
        </div>
        <div class="overview-grid">
            <section class="card panel" data-testid="trial-parameters">
                <h2 class="section-title">"Parameters"</h2>
                <dl class="facts">
                    {view.parameters.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                    <dt>"Started"</dt><dd>{view.started.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Completed"</dt><dd>{view.completed.clone().unwrap_or_else(|| "—".into())}</dd>
                </dl>
            </section>
            <section class="card panel" data-testid="trial-metrics">
                <h2 class="section-title">"Metrics"</h2>
                <MetricsTable metrics=view.metrics.clone() objective=view.objective_metric.clone() />
            </section>
            <section class="card panel overview-grid__wide">
                <h2 class="section-title">"Learning curves"</h2>
                {curves}
            </section>
            <section class="card panel overview-grid__wide">
                <h2 class="section-title">"Conditions"</h2>
                <ConditionsTable conditions=view.conditions.clone() />
            </section>
            <section class="card panel overview-grid__wide">
                <h2 class="section-title">"Logs"</h2>
                <PodLogs namespace=view.namespace.clone() trial=view.name.clone() pods=view.pods.clone() changes />
            </section>
        </div>
    }
}

#[component]
fn TrialCurve(
    namespace: String,
    experiment: String,
    trial: String,
    metric: String,
    changes: ReadSignal<u64>,
) -> impl IntoView {
    let logs = LocalResource::new({
        let metric = metric.clone();
        move || {
            changes.track();
            let (namespace, experiment, trial, metric) = (
                namespace.clone(),
                experiment.clone(),
                trial.clone(),
                metric.clone(),
            );
            async move { katib_observation_logs(namespace, experiment, vec![trial], metric).await }
        }
    });
    let label = metric.clone();
    view! {
        <div class="trial-curve" data-testid="trial-curve" data-metric=label>
            {move || match logs.get() {
                None => view! { <p class="muted">"Loading observations…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                Some(Ok(ObservationLogs::Unavailable(reason))) => view! {
                    <p class="notice notice--warning" role="status" data-testid="curves-unavailable">{format!("Learning curves unavailable: {reason}")}</p>
                }.into_any(),
                Some(Ok(ObservationLogs::Available(logs))) => {
                    let svg = charts::learning_curves(&logs, &metric, CURVE);
                    view! { <div class="plot" role="img" aria-label=format!("{metric} over time") data-testid="curves-plot" inner_html=svg></div> }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn PodLogs(
    namespace: String,
    trial: String,
    pods: Vec<String>,
    changes: ReadSignal<u64>,
) -> impl IntoView {
    if pods.is_empty() {
        return view! { <p class="muted" data-testid="trial-no-pods">"This trial has no pods now: they have not started yet, or were cleaned up when the trial finished."</p> }.into_any();
    }
    let pod = RwSignal::new(pods[0].clone());
    let log = LocalResource::new(move || {
        changes.track();
        let (namespace, trial, pod) = (namespace.clone(), trial.clone(), pod.get());
        async move { katib_trial_log(namespace, trial, pod).await }
    });
    view! {
        {(pods.len() > 1).then(|| view! {
            <label class="toolbar__select">
                <span>"Pod "</span>
                <select on:change=move |event| pod.set(event_target_value(&event))>
                    {pods.iter().map(|name| view! { <option value=name.clone()>{name.clone()}</option> }).collect_view()}
                </select>
            </label>
        })}
        {move || match log.get() {
            None => view! { <p class="muted">"Loading the log…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
            Some(Ok(text)) if text.is_empty() => view! { <p class="muted">"The log is empty."</p> }.into_any(),
            Some(Ok(text)) => view! { <pre class="code-block log" data-testid="trial-log">{text}</pre> }.into_any(),
        }}
    }
    .into_any()
}
