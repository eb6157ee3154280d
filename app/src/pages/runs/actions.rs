//! What a user can do to a run (terminate, retry, archive, restore), as buttons for the list
//! and the run page, with a confirmation before terminating.

use super::format::available_actions;
use crate::api::pipelines::run_action;
use crate::components::icon::{Icon, IconKind};
use crate::components::toast::Toaster;
use crate::model::kfp::{RunAction, RunRow};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Asks KFP to `action` the run; says what went wrong in a toast. `done` learns whether it
/// worked.
pub fn perform(
    toaster: Toaster,
    run_id: String,
    action: RunAction,
    done: impl FnOnce(bool) + 'static,
) {
    spawn_local(async move {
        match run_action(run_id, action).await {
            Ok(()) => done(true),
            Err(error) => {
                toaster.error(format!("{} failed: {error}", action.label()));
                done(false);
            }
        }
    });
}

/// The buttons for what the run allows now. Terminate is handed on unconfirmed: the page
/// asks (with `TerminateDialog`), so that a refresh of the row doesn't close the question.
#[component]
pub fn RunActions(
    /// The run as last seen.
    row: RunRow,
    /// An action on the run is under way: the buttons wait for it.
    #[prop(into)]
    busy: Signal<bool>,
    /// Small buttons, for table rows.
    #[prop(optional)]
    small: bool,
    /// The action the user chose.
    #[prop(into)]
    on_action: Callback<RunAction>,
) -> impl IntoView {
    let buttons = available_actions(&row)
        .into_iter()
        .map(|action| {
            let terminate = action == RunAction::Terminate;
            let class = format!(
                "button{}{}",
                if small { " button--small" } else { "" },
                if terminate {
                    " button--quiet-danger"
                } else {
                    ""
                },
            );
            let word = action.label().to_ascii_lowercase();
            view! {
                <button
                    type="button"
                    class=class
                    disabled=move || busy.get()
                    data-testid=format!("run-{word}")
                    aria-label=format!("{} {}", action.label(), row.name)
                    on:click=move |_| on_action.run(action)
                >
                    {terminate.then(|| view! { <Icon kind=IconKind::Stop /> })}
                    {action.label()}
                </button>
            }
        })
        .collect_view();
    view! { <div class="row-actions">{buttons}</div> }
}

/// Asks before terminating: the run's running steps are stopped and nothing more starts.
#[component]
pub fn TerminateDialog(
    /// The run's name.
    name: String,
    /// The user confirmed.
    #[prop(into)]
    on_confirm: Callback<()>,
    /// The user changed their mind.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="dialog-backdrop run-dialog" on:click=move |_| on_cancel.run(())>
            <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="terminate-title" data-testid="terminate-dialog"
                on:click=|event| event.stop_propagation()>
                <h2 id="terminate-title">{format!("Terminate {name}?")}</h2>
                <p>"Its running steps are stopped and no further step starts. This can't be undone."</p>
                <div class="dialog__actions">
                    <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    <button type="button" class="button button--danger-solid" data-testid="terminate-confirm"
                        on:click=move |_| on_confirm.run(())>"Terminate"</button>
                </div>
            </div>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::model::kfp::RunState;

    fn row(state: RunState, archived: bool) -> RunRow {
        RunRow {
            id: "r1".into(),
            name: "<b>train</b>".into(),
            description: String::new(),
            experiment_id: None,
            pipeline_id: None,
            version_id: None,
            state,
            created_at: None,
            finished_at: None,
            archived,
            error: None,
            parameters: Vec::new(),
        }
    }

    fn buttons(row: RunRow) -> String {
        Owner::new().with(|| {
            view! { <RunActions row busy=Signal::stored(false) on_action=|_| {} /> }.to_html()
        })
    }

    #[test]
    fn a_running_run_can_be_terminated_and_a_failed_archived_one_retried_or_restored() {
        let running = buttons(row(RunState::Running, false));
        assert!(
            running.contains("data-testid=\"run-terminate\""),
            "{running}"
        );
        assert!(running.contains("data-testid=\"run-archive\""), "{running}");
        assert!(!running.contains("run-retry"), "{running}");
        // The run's name is text, never markup.
        assert!(
            running.contains("Terminate &lt;b&gt;train&lt;/b&gt;"),
            "{running}"
        );

        let failed = buttons(row(RunState::Failed, true));
        assert!(failed.contains("data-testid=\"run-retry\""), "{failed}");
        assert!(failed.contains("data-testid=\"run-restore\""), "{failed}");
        assert!(!failed.contains("run-terminate"), "{failed}");
    }
}
