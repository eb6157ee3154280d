//! The run page's summary cards: where the run comes from (pipeline, version, experiment),
//! its times, and the parameters it was started with.

use super::format::{duration_between, timestamp_text};
use crate::api::pipelines::{get_pipeline, list_experiments};
use crate::components::layout::use_links;
use crate::model::kfp::RunRow;
use leptos::prelude::*;
use leptos_router::components::A;

/// The first part of a KFP id (a UUID), when its name can't be had.
fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

#[component]
pub fn RunFacts(
    /// The run as last read.
    #[prop(into)]
    run: Signal<RunRow>,
    /// What an unfinished run's duration runs up to (seconds since the epoch).
    #[prop(into)]
    now: Signal<i64>,
    /// The run's namespace (its experiments are listed there).
    namespace: String,
) -> impl IntoView {
    let links = use_links();
    let pipeline_id = Memo::new(move |_| run.read().pipeline_id.clone());
    let experiment_id = Memo::new(move |_| run.read().experiment_id.clone());
    // Names are a courtesy: when they can't be read the ids stand in.
    let pipeline = Resource::new(
        move || pipeline_id.get(),
        |id| async move {
            match id {
                Some(id) => get_pipeline(id).await.ok(),
                None => None,
            }
        },
    );
    let experiment = Resource::new(
        move || (namespace.clone(), experiment_id.get()),
        |(namespace, id)| async move {
            let id = id?;
            let experiments = list_experiments(namespace).await.ok()?;
            experiments.into_iter().find(|e| e.id == id)
        },
    );

    let pipeline_link = move || -> AnyView {
        let Some(id) = pipeline_id.get() else {
            return "—".into_any();
        };
        let name = pipeline
            .get()
            .flatten()
            .map(|details| details.pipeline.name)
            .unwrap_or_else(|| short_id(&id));
        let path = format!("/pipelines/{id}");
        view! { <A href=move || links.read().href(&path) attr:class="runs-link" attr:data-testid="run-pipeline">{name}</A> }
            .into_any()
    };
    let version = move || {
        let Some(id) = run.read().version_id.clone() else {
            return "—".to_string();
        };
        pipeline
            .get()
            .flatten()
            .and_then(|details| details.versions.into_iter().find(|v| v.id == id))
            .map(|version| version.name)
            .unwrap_or_else(|| short_id(&id))
    };
    let experiment_link = move || -> AnyView {
        let Some(id) = experiment_id.get() else {
            return "—".into_any();
        };
        let name = experiment
            .get()
            .flatten()
            .map(|e| e.name)
            .unwrap_or_else(|| short_id(&id));
        let href = move || {
            let runs = links.read().href("/runs");
            let separator = if runs.contains('?') { '&' } else { '?' };
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("experiment", &id)
                .finish();
            format!("{runs}{separator}{query}")
        };
        view! { <A href=href attr:class="runs-link" attr:data-testid="run-experiment">{name}</A> }
            .into_any()
    };
    let time = move |pick: fn(&RunRow) -> Option<String>| {
        move || {
            run.with(pick)
                .map(|time| timestamp_text(&time))
                .unwrap_or_else(|| "—".into())
        }
    };
    let duration = move || {
        run.with(|run| {
            if run.state.is_finished() && run.finished_at.is_none() {
                return None;
            }
            duration_between(
                run.created_at.as_deref(),
                run.finished_at.as_deref(),
                now.get(),
            )
        })
        .unwrap_or_else(|| "—".into())
    };

    view! {
        <section class="card panel" data-testid="run-facts">
            <h2 class="section-title">"Run"</h2>
            <dl class="facts">
                <dt>"Pipeline"</dt>
                <dd><Suspense fallback=|| "…">{pipeline_link}</Suspense></dd>
                <dt>"Version"</dt>
                <dd><Suspense fallback=|| "…">{version}</Suspense></dd>
                <dt>"Experiment"</dt>
                <dd><Suspense fallback=|| "…">{experiment_link}</Suspense></dd>
                <dt>"Created"</dt>
                <dd>{time(|run| run.created_at.clone())}</dd>
                <dt>"Finished"</dt>
                <dd data-testid="run-finished">{time(|run| run.finished_at.clone())}</dd>
                <dt>"Duration"</dt>
                <dd data-testid="run-duration">{duration}</dd>
                <dt>"Run ID"</dt>
                <dd class="mono">{move || run.read().id.clone()}</dd>
            </dl>
        </section>
    }
}

#[component]
pub fn RunParameters(
    /// The run as last read.
    #[prop(into)]
    run: Signal<RunRow>,
) -> impl IntoView {
    view! {
        <section class="card panel" data-testid="run-parameters">
            <h2 class="section-title">"Parameters"</h2>
            {move || {
                let parameters = run.read().parameters.clone();
                if parameters.is_empty() {
                    view! { <p class="muted">"Started without parameters."</p> }.into_any()
                } else {
                    view! {
                        <dl class="facts">
                            {parameters.into_iter().map(|(name, value)| view! {
                                <dt class="mono">{name}</dt>
                                <dd class="mono">{value}</dd>
                            }).collect_view()}
                        </dl>
                    }.into_any()
                }
            }}
        </section>
    }
}
