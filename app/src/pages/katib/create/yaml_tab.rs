//! The YAML tab: the experiment as text (typed, pasted, read from a file or written by the
//! form), its problems as the user types, and the button that creates it.

use super::Draft;
use super::file::FileChooser;
use super::form_tab::example_form;
use super::problems::line_span;
use crate::api::katib::create_katib_experiment;
use crate::components::layout::{use_href_navigate, use_links};
use crate::domain::katib::{Problem, Validated, form_yaml, validate_experiment};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How long typing pauses before the text is checked again.
const CHECK_DELAY: Duration = Duration::from_millis(300);

const EMPTY_HINT: &str = "Paste an experiment, read one from a file, start from the example, or \
                          fill in the form and review its YAML.";

/// The name the checked experiment will have.
fn experiment_name(validated: &Validated) -> String {
    validated
        .object
        .pointer("/metadata/name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[component]
pub(super) fn YamlTab(draft: Draft, namespace: String) -> impl IntoView {
    let namespace = StoredValue::new(namespace);
    let outcome = Memo::new(move |_| {
        let text = draft.checked.read();
        (!text.trim().is_empty())
            .then(|| namespace.with_value(|namespace| validate_experiment(&text, namespace)))
    });
    let area: NodeRef<leptos::html::Textarea> = NodeRef::new();
    let server_error: RwSignal<Option<String>> = RwSignal::new(None);
    // Each keystroke gets a number; only the last one's timer checks the text.
    let keystrokes = StoredValue::new(0u64);
    let on_input = move |event| {
        draft.text.set(event_target_value(&event));
        server_error.set(None);
        keystrokes.update_value(|n| *n += 1);
        let mine = keystrokes.get_value();
        set_timeout(
            move || {
                if keystrokes.try_get_value() == Some(mine) {
                    draft.checked.set(draft.text.get_untracked());
                }
            },
            CHECK_DELAY,
        );
    };
    // Puts the caret on the problem's line, selected, and scrolls it into view.
    let show_line = move |line: usize| {
        #[cfg(feature = "hydrate")]
        if let Some(area) = area.get_untracked() {
            let text = draft.text.get_untracked();
            if let Some((start, end)) = line_span(&text, line) {
                let _ = area.focus();
                let _ = area.set_selection_range(start, end);
                // Lines don't wrap, so they are all as tall.
                let lines = text.split('\n').count().max(1) as i32;
                let height = area.scroll_height() / lines;
                let above = height * (line as i32 - 1) - area.client_height() / 3;
                area.set_scroll_top(above.max(0));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (line, area, line_span);
    };
    let example = move |_| {
        let form = example_form(&namespace.get_value());
        draft.put_text(form_yaml(&form), true);
        server_error.set(None);
    };
    let take_back = move |_| {
        if let Some(previous) = draft.replaced.get_untracked() {
            draft.replaced.set(None);
            draft.put_text(previous, false);
        }
    };

    let toolbar = view! {
        <div class="experiment-new__toolbar">
            <FileChooser draft on_read=Callback::new(move |()| server_error.set(None)) />
            <button type="button" class="button" data-testid="experiment-example" on:click=example>
                "Start from the example"
            </button>
            {move || draft.replaced.read().is_some().then(|| view! {
                <button type="button" class="button" data-testid="experiment-restore" on:click=take_back
                    title="Put back the text that was there before">
                    "Take back the previous text"
                </button>
            })}
        </div>
    }
    .into_any();
    let invalid = move || matches!(*outcome.read(), Some(Err(_))).to_string();
    let editor = view! {
        <label class="field field--wide experiment-new__editor">
            <span>"Experiment (YAML or JSON)"</span>
            <textarea node_ref=area class="mono experiment-new__yaml" data-testid="experiment-yaml" rows="24"
                spellcheck="false" autocomplete="off" wrap="off" aria-invalid=invalid
                aria-describedby="experiment-yaml-status"
                placeholder="apiVersion: kubeflow.org/v1beta1\nkind: Experiment\n…"
                prop:value=move || draft.text.get() on:input=on_input></textarea>
        </label>
    }
    .into_any();
    let status = move || match outcome.get() {
        None => view! { <p class="muted">{EMPTY_HINT}</p> }.into_any(),
        Some(Ok(validated)) => {
            view! { <Ready validated namespace=namespace.get_value() /> }.into_any()
        }
        Some(Err(problems)) => {
            view! { <ProblemList problems on_line=Callback::new(show_line) /> }.into_any()
        }
    };
    view! {
        <section class="card panel experiment-new__section" data-testid="experiment-yaml-form">
            {toolbar}
            {editor}
            <div id="experiment-yaml-status" class="experiment-new__status" aria-live="polite">{status}</div>
            <CreateButton draft namespace server_error ready=Signal::derive(move || matches!(*outcome.read(), Some(Ok(_)))) />
        </section>
    }
}

/// The problems of the text, top to bottom; one with a line moves the caret there.
#[component]
fn ProblemList(problems: Vec<Problem>, on_line: Callback<usize>) -> impl IntoView {
    let count = problems.len();
    let heading = if count == 1 {
        "1 problem to fix before creating:".to_string()
    } else {
        format!("{count} problems to fix before creating:")
    };
    view! {
        <div class="experiment-new__problems">
            <strong>{heading}</strong>
            <ul data-testid="experiment-problems">
                {problems.into_iter().map(|problem| {
                    let text = problem.to_string();
                    match problem.line {
                        Some(line) => view! {
                            <li>
                                <button type="button" class="experiment-new__problem" data-testid="experiment-problem"
                                    data-line=line title="Show this line" on:click=move |_| on_line.run(line)>
                                    {text}
                                </button>
                            </li>
                        }
                        .into_any(),
                        None => view! {
                            <li><span class="experiment-new__problem" data-testid="experiment-problem">{text}</span></li>
                        }
                        .into_any(),
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The checked experiment: its name and what was changed on the way.
#[component]
fn Ready(validated: Validated, namespace: String) -> impl IntoView {
    let name = experiment_name(&validated);
    view! {
        <p class="experiment-new__ready" data-testid="experiment-valid">
            {format!("Ready to create {name} in {namespace}.")}
        </p>
        {(!validated.notes.is_empty()).then(|| view! {
            <ul class="experiment-new__notes" data-testid="experiment-notes" aria-label="Notes">
                {validated.notes.into_iter().map(|note| view! { <li>{note}</li> }).collect_view()}
            </ul>
        })}
    }
}

/// Creates the experiment from the text as it is now (checked again first, as the last check
/// may be a pause behind), then opens its page. On failure the text stays as it was.
#[component]
fn CreateButton(
    draft: Draft,
    namespace: StoredValue<String>,
    server_error: RwSignal<Option<String>>,
    /// The last check found nothing to fix.
    ready: Signal<bool>,
) -> impl IntoView {
    let links = use_links();
    let navigate = use_href_navigate();
    let sending = RwSignal::new(false);
    let create = move |_| {
        if sending.get_untracked() {
            return;
        }
        let text = draft.text.get_untracked();
        draft.checked.set(text.clone());
        let namespace = namespace.get_value();
        if validate_experiment(&text, &namespace).is_err() {
            return;
        }
        sending.set(true);
        server_error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match create_katib_experiment(namespace, text).await {
                Ok(row) => {
                    let path = super::super::experiment_path(&row.namespace, &row.name);
                    navigate(&links.get_untracked().href(&path), Default::default());
                }
                Err(error) => {
                    server_error.set(Some(error.to_string()));
                    sending.set(false);
                }
            }
        });
    };
    view! {
        {move || server_error.get().map(|error| view! {
            <p class="form-error experiment-new__server-error" role="alert" data-testid="experiment-error">{error}</p>
        })}
        <div class="experiment-new__actions">
            <button type="button" class="button button--primary" data-testid="experiment-create"
                disabled=move || sending.get() || !ready.get() on:click=create>
                {move || if sending.get() { "Creating…" } else { "Create" }}
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(line: Option<usize>, path: &str, message: &str) -> Problem {
        Problem {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    #[test]
    fn problems_show_as_text_with_their_line() {
        let problems = vec![
            problem(None, "", "an experiment is a mapping, not a list"),
            problem(
                Some(14),
                "spec.parameters[1].name",
                "\"<b>lr</b>\" is used twice",
            ),
        ];
        let html = Owner::new()
            .with(|| view! { <ProblemList problems on_line=Callback::new(|_| {}) /> }.to_html());
        assert!(html.contains("2 problems to fix"), "{html}");
        assert!(html.contains("data-line=\"14\""), "{html}");
        assert!(
            html.contains("line 14: spec.parameters[1].name: &quot;&lt;b&gt;lr&lt;/b&gt;&quot;")
                || html.contains("line 14: spec.parameters[1].name: \"&lt;b&gt;lr&lt;/b&gt;\""),
            "{html}"
        );
        assert!(!html.contains("<b>"), "{html}");
        // Without a line there is nothing to move to.
        assert_eq!(html.matches("<button").count(), 1, "{html}");
    }

    #[test]
    fn a_ready_experiment_shows_its_name_and_notes() {
        // Written for another namespace: it is created in the one chosen, and says so.
        let text = form_yaml(&example_form("other"));
        let validated = validate_experiment(&text, "team-ml").expect("valid");
        assert!(!validated.notes.is_empty());
        let html = Owner::new()
            .with(|| view! { <Ready validated namespace="team-ml".to_string() /> }.to_html());
        assert!(
            html.contains("Ready to create mnist-random in team-ml."),
            "{html}"
        );
        assert!(html.contains("data-testid=\"experiment-notes\""), "{html}");
        assert!(html.contains("replaced by team-ml"), "{html}");
    }
}
