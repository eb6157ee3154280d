//! Katib: the experiments list, an experiment's page (overview, trials, plots, spec), a
//! trial's page, and creating an experiment from YAML or a form.

mod create;
mod details;
mod list;
mod plots;
mod trial;
mod trials_table;

pub use create::NewExperimentPage;
pub use details::ExperimentPage;
pub use list::ExperimentsPage;
pub use trial::TrialPage;

use crate::domain::experiment_list::format_value;
use crate::model::katib::{ExperimentState, KatibCondition, MetricValue, TrialMetric, TrialState};
use leptos::prelude::*;

fn state_class(state: ExperimentState) -> &'static str {
    match state {
        ExperimentState::Succeeded => "state--ready",
        ExperimentState::Created | ExperimentState::Running | ExperimentState::Restarting => {
            "state--waiting"
        }
        ExperimentState::Failed => "state--error",
        ExperimentState::Unknown => "state--stopped",
    }
}

fn trial_state_class(state: TrialState) -> &'static str {
    match state {
        TrialState::Succeeded => "state--ready",
        TrialState::Pending | TrialState::Running => "state--waiting",
        // Stopped early on purpose, or without metrics: not errors.
        TrialState::EarlyStopped | TrialState::MetricsUnavailable => "state--warning",
        TrialState::Failed => "state--error",
        TrialState::Killed | TrialState::Unknown => "state--stopped",
    }
}

/// An experiment's state with the last condition's message underneath.
#[component]
fn ExperimentStateBadge(state: ExperimentState, message: String) -> impl IntoView {
    let running = matches!(state, ExperimentState::Running | ExperimentState::Created);
    view! {
        <div class=format!("state {}", state_class(state)) data-testid="experiment-state" data-state=state.label()>
            <span class="state__label">
                <span class="state__dot" class:state__dot--pulse=running aria-hidden="true"></span>
                {state.label()}
            </span>
            {(!message.is_empty()).then(|| view! { <span class="state__message">{message}</span> })}
        </div>
    }
}

#[component]
fn TrialStateBadge(state: TrialState) -> impl IntoView {
    view! {
        <span class=format!("state {}", trial_state_class(state)) data-testid="trial-state" data-state=state.label()>
            <span class="state__label">
                <span class="state__dot" class:state__dot--pulse=state == TrialState::Running aria-hidden="true"></span>
                {state.label()}
            </span>
        </span>
    }
}

/// A metric value as text: its number formatted, or what Katib said ("unavailable").
fn value_text(value: &MetricValue) -> String {
    match value.value {
        Some(number) => format_value(number),
        None if value.text.is_empty() => "—".into(),
        None => value.text.clone(),
    }
}

/// Conditions, oldest first, as `kubectl describe` lists them.
#[component]
fn ConditionsTable(conditions: Vec<KatibCondition>) -> impl IntoView {
    if conditions.is_empty() {
        return view! { <p class="muted">"No conditions reported yet."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="table table--compact" data-testid="conditions">
                <thead><tr><th>"Type"</th><th>"Status"</th><th>"Reason"</th><th>"Message"</th><th>"Since"</th></tr></thead>
                <tbody>
                    {conditions.into_iter().map(|c| view! {
                        <tr>
                            <td>{c.kind}</td>
                            <td>{c.status}</td>
                            <td>{c.reason}</td>
                            <td>{c.message}</td>
                            <td class="table__time">{c.last_transition.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A trial's metrics with min, max and latest.
#[component]
fn MetricsTable(
    metrics: Vec<TrialMetric>,
    #[prop(optional)] objective: Option<String>,
) -> impl IntoView {
    if metrics.is_empty() {
        return view! { <p class="muted">"No metrics reported yet."</p> }.into_any();
    }
    view! {
        <table class="table table--compact" data-testid="metrics">
            <thead><tr><th>"Metric"</th><th class="table__number">"Min"</th><th class="table__number">"Max"</th><th class="table__number">"Latest"</th></tr></thead>
            <tbody>
                {metrics.into_iter().map(|m| {
                    let is_objective = objective.as_deref() == Some(m.name.as_str());
                    view! {
                        <tr>
                            <td>{m.name.clone()}{is_objective.then(|| view! { <span class="tag">"objective"</span> })}</td>
                            <td class="table__number">{value_text(&m.min)}</td>
                            <td class="table__number">{value_text(&m.max)}</td>
                            <td class="table__number">{value_text(&m.latest)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// `/experiments/<namespace>/<name>` and its trials' paths.
fn experiment_path(namespace: &str, name: &str) -> String {
    format!("/experiments/{namespace}/{name}")
}

fn trial_path(namespace: &str, experiment: &str, trial: &str) -> String {
    format!("/experiments/{namespace}/{experiment}/trials/{trial}")
}

/// How many times the experiment or its trials changed since the page opened, from the
/// server's `/api/watch/experiment` stream (at most one tick a second): the experiment and
/// trial pages reload their data when it moves.
fn experiment_changes(namespace: Memo<String>, name: Memo<String>) -> ReadSignal<u64> {
    let links = crate::components::layout::use_links();
    let (changes, set_changes) = signal(0u64);
    let url = Signal::derive(move || {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("ns", &namespace.get())
            .append_pair("name", &name.get())
            .finish();
        Some(format!(
            "{}/api/watch/experiment?{query}",
            links.read().base
        ))
    });
    let _live = crate::components::live::follow::<u64, _>(url, move |count| set_changes.set(count));
    changes
}
