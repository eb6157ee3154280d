//! One run: its state, facts, parameters and actions, and its graph, live from the run's Argo
//! Workflow through the server's watch stream, with a side panel for the chosen step.

use super::RunStateBadge;
use super::actions::{RunActions, TerminateDialog, perform};
use super::facts::{RunFacts, RunParameters};
use super::listing::after_action_on;
use super::node_panel::NodePanel;
use crate::api::pipelines::get_run;
use crate::components::graph::GraphView;
use crate::components::layout::use_links;
use crate::components::live::{LiveBadge, follow, now_seconds};
use crate::components::toast::use_toaster;
use crate::model::kfp::{GraphSource, RunAction, RunView};
use crate::model::pipeline::{PipelineFormat, PipelineGraph};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde::Deserialize;
use std::time::Duration;

/// A message of `GET {base}/api/watch/runs`: the run's graph and its workflow's phase, sent
/// whole on every change of the workflow.
#[derive(Debug, Clone, Deserialize)]
struct RunGraphUpdate {
    /// None while the run has no workflow yet, or once it is gone.
    graph: Option<PipelineGraph>,
    phase: Option<String>,
}

/// How often the page ticks (durations) while the run goes.
const TICK: Duration = Duration::from_secs(1);
/// Every this many ticks the run is read again: KFP's state can trail its workflow's.
const TICKS_PER_RELOAD: u32 = 5;

#[component]
pub fn RunPage() -> impl IntoView {
    let params = use_params_map();
    let links = use_links();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let namespace = Memo::new(move |_| links.read().namespace.clone());
    let opened = Resource::new(
        move || (namespace.get(), id.get()),
        |(namespace, id)| async move {
            match namespace {
                Some(namespace) => get_run(namespace, id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Transition fallback=move || view! {
            <Breadcrumbs name=id />
            <p class="muted">"Loading the run…"</p>
        }>
            {move || opened.get().map(|result| match result {
                Ok(Some(opened)) => view! { <RunDetails opened /> }.into_any(),
                Ok(None) => view! {
                    <Breadcrumbs name=id />
                    <section class="card panel"><p>"Choose the run's namespace in the selector above."</p></section>
                }.into_any(),
                Err(error) => view! {
                    <Title text=id />
                    <Breadcrumbs name=id />
                    <div class="page-heading"><h1 data-testid="page-title">{id}</h1></div>
                    <p class="form-error" role="alert" data-testid="run-load-error">{error.to_string()}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Breadcrumbs(#[prop(into)] name: Signal<String>) -> impl IntoView {
    let links = use_links();
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=move || links.read().href("/runs")>"Runs"</A>
            <span aria-hidden="true">" / "</span>
            <span>{name}</span>
        </nav>
    }
}

fn no_graph() -> PipelineGraph {
    PipelineGraph {
        format: PipelineFormat::ArgoRun,
        name: String::new(),
        display_name: None,
        description: None,
        inputs: Vec::new(),
        nodes: Vec::new(),
        edges: Vec::new(),
    }
}

#[component]
fn RunDetails(opened: RunView) -> impl IntoView {
    let links = use_links();
    let toaster = use_toaster();
    let target = StoredValue::new((opened.namespace.clone(), opened.run.id.clone()));
    let latest = RwSignal::new(opened.run);
    // Only what the page shows: a reload that changed nothing redraws nothing.
    let run = Memo::new(move |_| latest.get());
    let graph = RwSignal::new(opened.graph);
    let source = RwSignal::new(opened.source);
    let selected: RwSignal<Option<String>> = RwSignal::new(None);
    let now = RwSignal::new(now_seconds());
    let busy = RwSignal::new(false);
    let terminating = RwSignal::new(false);
    let reload_error: RwSignal<Option<String>> = RwSignal::new(None);
    // Once the stream has sent a graph, it is the graph's only source.
    let streamed = StoredValue::new(false);
    let generation = StoredValue::new(0u64);

    let reload = move || {
        // An action's answer may come after the page has gone.
        let (Some(mine), Some((namespace, id))) = (
            generation.try_update_value(|g| {
                *g += 1;
                *g
            }),
            target.try_get_value(),
        ) else {
            return;
        };
        spawn_local(async move {
            let answer = get_run(namespace, id).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            now.set(now_seconds());
            match answer {
                Ok(view) => {
                    reload_error.set(None);
                    latest.set(view.run);
                    if streamed.try_get_value() == Some(false) && view.graph.is_some() {
                        graph.set(view.graph);
                        source.set(view.source);
                    }
                }
                Err(error) => reload_error.set(Some(error.to_string())),
            }
        });
    };

    let stream_url = Signal::derive(move || {
        let (namespace, id) = target.get_value();
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("ns", &namespace)
            .append_pair("run", &id)
            .finish();
        Some(format!("{}/api/watch/runs?{query}", links.read().base))
    });
    let phase = StoredValue::new(None::<String>);
    let live = follow::<RunGraphUpdate, _>(stream_url, move |update| {
        if let Some(update_graph) = update.graph {
            streamed.set_value(true);
            graph.set(Some(update_graph));
            source.set(GraphSource::Workflow);
        }
        // The workflow moved on (started, finished, was stopped): so did the run, in KFP.
        if update.phase != phase.get_value() {
            phase.set_value(update.phase);
            reload();
        }
    });

    Effect::new(move |_| {
        let ticks = StoredValue::new(0u32);
        let tick = move || {
            if latest.with_untracked(|run| run.state.is_finished()) {
                return;
            }
            now.set(now_seconds());
            ticks.update_value(|n| *n += 1);
            if ticks.get_value().is_multiple_of(TICKS_PER_RELOAD) {
                reload();
            }
        };
        if let Ok(interval) = set_interval_with_handle(tick, TICK) {
            on_cleanup(move || interval.clear());
        }
    });

    let act = move |action: RunAction| {
        busy.set(true);
        perform(toaster, target.get_value().1, action, move |worked| {
            busy.set(false);
            if worked {
                latest.update(|run| after_action_on(run, action));
                reload();
            }
        });
    };
    let on_action = Callback::new(move |action| {
        if action == RunAction::Terminate {
            terminating.set(true);
        } else {
            act(action);
        }
    });

    let name = Signal::derive(move || run.read().name.clone());
    let has_graph = Memo::new(move |_| graph.with(Option::is_some));
    let shown_graph = Signal::derive(move || graph.get().unwrap_or_else(no_graph));
    let node = Memo::new(move |_| {
        let id = selected.get()?;
        graph.with(|graph| graph.as_ref()?.nodes.iter().find(|n| n.id == id).cloned())
    });
    let has_pods = Signal::derive(move || source.with(|s| *s == GraphSource::Workflow));
    let namespace = target.with_value(|(namespace, _)| namespace.clone());

    view! {
        <Title text=name />
        <Breadcrumbs name />
        <div class="page-heading">
            <h1 data-testid="page-title">{name}</h1>
            <p class="muted">{move || {
                let description = run.read().description.clone();
                if description.is_empty() { "Pipeline run".to_string() } else { description }
            }}</p>
        </div>
        <div class="detail-actions">
            <div class="run-status">
                {move || view! { <RunStateBadge state=run.get().state /> }}
                {move || run.get().archived.then(|| view! { <span class="chip" data-testid="run-archived">"Archived"</span> })}
            </div>
            {move || view! { <RunActions row=run.get() busy on_action /> }}
        </div>
        {move || run.get().error.map(|error| view! {
            <p class="form-error run-error" role="alert" data-testid="run-error">{error}</p>
        })}
        {move || reload_error.get().map(|error| view! {
            <p class="form-error" role="status">{format!("The run could not be read again: {error}")}</p>
        })}
        <div class="detail-grid run-summary">
            <RunFacts run now namespace=namespace.clone() />
            <RunParameters run />
        </div>
        <section class="run-graph-section" aria-labelledby="run-graph-title">
            <div class="run-graph-section__head">
                <h2 class="section-title" id="run-graph-title">"Graph"</h2>
                <LiveBadge live />
            </div>
            {move || match source.get() {
                GraphSource::Workflow => None,
                GraphSource::TaskDetails => Some(view! {
                    <p class="run-notice" data-testid="graph-source" data-source="task_details">
                        "Drawn from Kubeflow Pipelines' task details: the run's workflow is gone or keeps its node status elsewhere. Dependencies between steps aren't known there, and step logs can't be read."
                    </p>
                }.into_any()),
                GraphSource::Missing(why) => Some(view! {
                    <p class="run-notice" data-testid="graph-source" data-source="missing">
                        {format!("No graph to show: {why}.")}
                        {move || (!run.read().state.is_finished()).then_some(
                            " It appears here as soon as the run's workflow reports its steps."
                        )}
                    </p>
                }.into_any()),
            }}
            <div class="run-layout" class:run-layout--panel=move || node.with(Option::is_some)>
                <Show when=move || has_graph.get()>
                    <GraphView graph=shown_graph selected testid="run-graph" />
                </Show>
                <NodePanel node namespace has_pods now on_close=move || selected.set(None) />
            </div>
        </section>
        <Show when=move || terminating.get()>
            <TerminateDialog
                name=name.get_untracked()
                on_confirm=move || {
                    terminating.set(false);
                    act(RunAction::Terminate);
                }
                on_cancel=move || terminating.set(false)
            />
        </Show>
    }
}
