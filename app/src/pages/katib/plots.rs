//! The experiment's plots, drawn in the browser from the page's data with the same pure
//! functions the snapshot tests check (`crate::charts`), each downloadable as SVG and as CSV.
//! The SVG is plotters' output, in which every text (parameter and metric names, trial names)
//! is escaped; nothing a user typed becomes markup.

use crate::api::katib::katib_observation_logs;
use crate::charts;
use crate::components::download::{download, file_name};
use crate::model::katib::{ExperimentView, ObservationLogs};
use leptos::prelude::*;
use std::sync::Arc;

const WIDE: (u32, u32) = (1100, 440);
const HISTORY: (u32, u32) = (1100, 380);
const CURVES: (u32, u32) = (1100, 400);

/// One plot with its title, what it shows, and its downloads.
#[component]
fn PlotCard(
    title: &'static str,
    caption: &'static str,
    testid: &'static str,
    stem: Signal<String>,
    svg: Signal<String>,
    csv: Callback<(), String>,
) -> impl IntoView {
    let save_svg = move |_| {
        download(
            &file_name(&[&stem.get_untracked(), testid], "svg"),
            "image/svg+xml",
            &svg.get_untracked(),
        )
    };
    let save_csv = move |_| {
        download(
            &file_name(&[&stem.get_untracked(), testid], "csv"),
            "text/csv",
            &csv.run(()),
        )
    };
    view! {
        <section class="card panel plot-card" data-testid=testid>
            <div class="plot-card__heading">
                <div>
                    <h2 class="section-title">{title}</h2>
                    <p class="muted plot-card__caption">{caption}</p>
                </div>
                <div class="plot-card__downloads">
                    <button type="button" class="button button--small" data-testid=format!("{testid}-svg") on:click=save_svg>"SVG"</button>
                    <button type="button" class="button button--small" data-testid=format!("{testid}-csv") on:click=save_csv>"CSV"</button>
                </div>
            </div>
            <div class="plot" role="img" aria-label=title inner_html=move || svg.get()></div>
        </section>
    }
}

#[component]
pub fn Plots(
    view: Signal<Option<Arc<ExperimentView>>>,
    selected: RwSignal<Option<String>>,
    curves: RwSignal<Vec<String>>,
) -> impl IntoView {
    let stem = Signal::derive(move || {
        view.with(|v| v.as_ref().map(|v| v.row.name.clone()).unwrap_or_default())
    });
    let with_view = move |draw: fn(&ExperimentView) -> String| {
        let drawn = Memo::new(move |_| view.with(|v| v.as_deref().map(draw).unwrap_or_default()));
        Signal::derive(move || drawn.get())
    };
    let parallel = Memo::new(move |_| {
        let highlight = selected.get();
        view.with(|v| {
            v.as_deref()
                .map(|v| charts::parallel_coordinates(v, highlight.as_deref(), WIDE))
                .unwrap_or_default()
        })
    });
    let csv_of = move |make: fn(&ExperimentView) -> String| {
        Callback::new(move |()| view.with_untracked(|v| v.as_deref().map(make).unwrap_or_default()))
    };
    view! {
        <div class="plots">
            <PlotCard title="Parallel coordinates" testid="plot-parallel" stem
                caption="One line per trial across its parameters and metrics, coloured by the objective: the best values are the strongest. Click a trial in the Trials tab to pick it out."
                svg=Signal::derive(move || parallel.get())
                csv=csv_of(charts::parallel_coordinates_csv) />
            <PlotCard title="Objective per trial" testid="plot-history" stem
                caption="Each finished trial's objective in the order trials completed, the best so far, and the goal."
                svg=with_view(|v| charts::objective_history(v, HISTORY))
                csv=csv_of(charts::objective_history_csv) />
            <PlotCard title="Objective against each parameter" testid="plot-parameters" stem
                caption="Where in each parameter's range the good trials are."
                svg=with_view(|v| charts::objective_vs_parameters(v, WIDE))
                csv=csv_of(charts::objective_vs_parameters_csv) />
            <LearningCurves view curves />
        </div>
    }
}

/// Metric over time for the trials ticked in the table, from katib-db-manager. Reading the
/// view subscribes: each new view of the experiment (a trial progressed) asks again, so running
/// trials' curves grow.
#[component]
fn LearningCurves(
    view: Signal<Option<Arc<ExperimentView>>>,
    curves: RwSignal<Vec<String>>,
) -> impl IntoView {
    let metric = RwSignal::new(String::new());
    let metrics = Memo::new(move |_| {
        view.with(|v| {
            v.as_ref()
                .map(|v| v.metrics.iter().map(|m| m.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let chosen = Memo::new(move |_| {
        let wanted = metric.get();
        let metrics = metrics.get();
        if metrics.contains(&wanted) {
            wanted
        } else {
            metrics.first().cloned().unwrap_or_default()
        }
    });
    let logs = LocalResource::new(move || {
        let trials = curves.get();
        let metric = chosen.get();
        let (namespace, experiment) = view.with(|v| {
            v.as_ref()
                .map(|v| (v.row.namespace.clone(), v.row.name.clone()))
                .unwrap_or_default()
        });
        async move {
            if trials.is_empty() || metric.is_empty() || experiment.is_empty() {
                return None;
            }
            Some(katib_observation_logs(namespace, experiment, trials, metric).await)
        }
    });
    let stem = Signal::derive(move || {
        view.with(|v| v.as_ref().map(|v| v.row.name.clone()).unwrap_or_default())
    });
    let drawn = Memo::new(move |_| match logs.get() {
        Some(Some(Ok(ObservationLogs::Available(logs)))) => Ok(Some(logs)),
        Some(Some(Ok(ObservationLogs::Unavailable(reason)))) => {
            Err(format!("Learning curves unavailable: {reason}"))
        }
        Some(Some(Err(error))) => Err(error.to_string()),
        _ => Ok(None),
    });
    let svg = Memo::new(move |_| match drawn.get() {
        Ok(Some(logs)) => charts::learning_curves(&logs, &chosen.get(), CURVES),
        _ => String::new(),
    });
    let csv = move || match drawn.get_untracked() {
        Ok(Some(logs)) => charts::learning_curves_csv(&logs),
        _ => String::new(),
    };
    let save_svg = move |_| {
        download(
            &file_name(
                &[&stem.get_untracked(), &chosen.get_untracked(), "curves"],
                "svg",
            ),
            "image/svg+xml",
            &svg.get_untracked(),
        )
    };
    let save_csv = move |_| {
        download(
            &file_name(
                &[&stem.get_untracked(), &chosen.get_untracked(), "curves"],
                "csv",
            ),
            "text/csv",
            &csv(),
        )
    };
    view! {
        <section class="card panel plot-card" data-testid="plot-curves">
            <div class="plot-card__heading">
                <div>
                    <h2 class="section-title">"Learning curves"</h2>
                    <p class="muted plot-card__caption">"A metric over each trial's time, as its metrics collector reported it; running trials' curves grow. Tick trials in the Trials tab to add them (up to 20)."</p>
                </div>
                <div class="plot-card__downloads">
                    <label class="toolbar__select">
                        <span class="visually-hidden">"Metric"</span>
                        <select data-testid="curve-metric" on:change=move |event| metric.set(event_target_value(&event))>
                            {move || metrics.get().into_iter().map(|name| {
                                let selected = name == chosen.get_untracked();
                                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <button type="button" class="button button--small" data-testid="plot-curves-svg" on:click=save_svg>"SVG"</button>
                    <button type="button" class="button button--small" data-testid="plot-curves-csv" on:click=save_csv>"CSV"</button>
                </div>
            </div>
            {move || match drawn.get() {
                Err(message) => view! { <p class="notice notice--warning" role="status" data-testid="curves-unavailable">{message}</p> }.into_any(),
                Ok(None) if curves.with(Vec::is_empty) => view! { <p class="muted" data-testid="curves-empty">"Tick trials in the Trials tab to draw their learning curves."</p> }.into_any(),
                Ok(None) => view! { <p class="muted">"Loading observations…"</p> }.into_any(),
                Ok(Some(_)) => view! { <div class="plot" role="img" aria-label="Learning curves" data-testid="curves-plot" inner_html=move || svg.get()></div> }.into_any(),
            }}
        </section>
    }
}
