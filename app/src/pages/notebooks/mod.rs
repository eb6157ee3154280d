//! Notebook servers: the live list, the spawner form, and one notebook's details.

mod details;
mod form;
mod list;

pub use details::NotebookPage;
pub use form::NewNotebookPage;
pub use list::NotebooksPage;

use crate::model::{NotebookRow, NotebookStatus, StatusPhase};
use leptos::prelude::*;

/// Where Kubeflow's gateway serves a notebook (outside kfdash's base path).
pub fn connect_href(row: &NotebookRow) -> String {
    format!("/notebook/{}/{}/", row.namespace, row.name)
}

/// "500m" or "500m – 600m" (request – limit), "—" when unset.
pub fn resources_text(request: &Option<String>, limit: &Option<String>) -> String {
    match (request, limit) {
        (Some(request), Some(limit)) if request != limit => format!("{request} – {limit}"),
        (Some(request), _) => request.clone(),
        (None, Some(limit)) => format!("≤ {limit}"),
        (None, None) => "—".into(),
    }
}

fn phase_class(phase: StatusPhase) -> &'static str {
    match phase {
        StatusPhase::Ready => "state--ready",
        StatusPhase::Waiting => "state--waiting",
        StatusPhase::Warning => "state--warning",
        StatusPhase::Error => "state--error",
        StatusPhase::Stopped => "state--stopped",
        StatusPhase::Terminating => "state--terminating",
    }
}

/// The status as a coloured label, with the reason underneath.
#[component]
pub fn StatusBadge(status: NotebookStatus) -> impl IntoView {
    let spinning = matches!(
        status.phase,
        StatusPhase::Waiting | StatusPhase::Terminating
    );
    view! {
        <div class=format!("state {}", phase_class(status.phase)) data-testid="notebook-status">
            <span class="state__label">
                <span class="state__dot" class:state__dot--pulse=spinning aria-hidden="true"></span>
                {status.phase.label()}
            </span>
            // "Running" under "Running" says nothing; show only a message that adds something.
            {(!status.message.is_empty() && !status.message.eq_ignore_ascii_case(status.phase.label())).then(|| view! {
                <span class="state__message" data-testid="notebook-status-message">{status.message.clone()}</span>
            })}
        </div>
    }
}
