//! Pipeline runs: the filtered, sorted list that refreshes while runs are going, and one run
//! drawn as a live graph with a side panel for each step.

mod actions;
mod details;
mod facts;
mod filters;
mod format;
mod list;
mod listing;
mod node_panel;
mod table;

pub use details::RunPage;
pub use list::RunsPage;

use crate::model::kfp::RunState;
use crate::model::pipeline::NodePhase;
use leptos::prelude::*;

/// A run's state as a coloured label.
#[component]
fn RunStateBadge(state: RunState) -> impl IntoView {
    view! {
        <span class=format!("state {}", format::state_class(state)) data-testid="run-state" data-state=format::state_slug(state)>
            <span class="state__label">
                <span class="state__dot" class:state__dot--pulse=!state.is_finished() aria-hidden="true"></span>
                {state.label()}
            </span>
        </span>
    }
}

/// A step's phase as a coloured label, in the colours of its node in the graph.
#[component]
fn PhaseBadge(phase: NodePhase) -> impl IntoView {
    let going = matches!(phase, NodePhase::Pending | NodePhase::Running);
    view! {
        <span class=format!("state {}", format::phase_class(phase)) data-testid="node-phase" data-phase=format::phase_label(phase).to_ascii_lowercase()>
            <span class="state__label">
                <span class="state__dot" class:state__dot--pulse=going aria-hidden="true"></span>
                {format::phase_label(phase)}
            </span>
        </span>
    }
}
