//! The sections' pages, as they stand before their features land.

use crate::components::coming_soon::ComingSoon;
use crate::components::icon::IconKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
fn PageHeading(title: Signal<String>, subtitle: &'static str) -> impl IntoView {
    view! {
        <Title text=title />
        <div class="page-heading">
            <h1 data-testid="page-title">{title}</h1>
            <p class="muted">{subtitle}</p>
        </div>
    }
}

/// A route parameter as text; it is only ever rendered escaped.
fn param(name: &'static str) -> Signal<String> {
    let params = use_params_map();
    Signal::derive(move || params.read().get(name).unwrap_or_default())
}

#[component]
pub fn ExperimentsPage() -> impl IntoView {
    view! {
        <PageHeading title=Signal::stored("Experiments (Katib)".into()) subtitle="Hyperparameter tuning and neural architecture search." />
        <ComingSoon
            icon=IconKind::Experiment
            summary="Katib experiments with their trials and the plots of their results."
            planned=&[
                "Trial counts by state and the best objective at a glance",
                "Parallel coordinates, objective per trial and learning curves",
                "Create experiments from YAML or a form",
            ]
        />
    }
}

#[component]
pub fn ExperimentPage() -> impl IntoView {
    view! {
        <PageHeading title=param("name") subtitle="Katib experiment" />
        <ComingSoon
            icon=IconKind::Experiment
            summary="One experiment: overview, trials and plots."
            planned=&["Trials table for thousands of trials", "Plots downloadable as SVG and CSV"]
        />
    }
}
