//! The create-run form: name, description, experiment (chosen or new), and one typed field per
//! run parameter, all checked as the user types; a refusal from the server lands on its field.

use super::fields::{ErrorText, ParameterField, error_for};
use super::new_run::RunFormData;
use super::{for_navigate, stamp};
use crate::api::pipelines::create_run;
use crate::components::layout::use_links;
use crate::components::live::now_seconds;
use crate::domain::run_params::{check, default_text};
use crate::model::kfp::{ExperimentRow, NewRun};
use crate::model::pipeline::PipelineInput;
use crate::model::{AppError, FieldError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use std::collections::{BTreeMap, BTreeSet};

/// The experiment select's value for "a new experiment".
const NEW_EXPERIMENT: &str = "";

/// The experiment a run goes to by default: "Default" when it exists, else the newest.
fn default_experiment(experiments: &[ExperimentRow]) -> String {
    let active = || experiments.iter().filter(|e| !e.archived);
    active()
        .find(|e| e.name == "Default")
        .or_else(|| active().next())
        .map(|e| e.id.clone())
        .unwrap_or_else(|| NEW_EXPERIMENT.into())
}

/// The form's own checks (name, experiment) and the parameters', as field errors.
fn form_errors(
    name: &str,
    experiment: &str,
    new_experiment: &str,
    inputs: &[PipelineInput],
    values: &BTreeMap<String, String>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        errors.push(FieldError::new(
            "name",
            "give the run a name of 1 to 128 characters",
        ));
    }
    if experiment == NEW_EXPERIMENT && new_experiment.trim().is_empty() {
        errors.push(FieldError::new("experiment", "name the new experiment"));
    }
    if let Err(found) = check(inputs, values) {
        errors.extend(found);
    }
    errors
}

#[component]
pub(super) fn RunForm(data: RunFormData) -> impl IntoView {
    let links = use_links();
    let navigate = use_navigate();
    let inputs = StoredValue::new(data.version.graph.inputs.clone());
    let pipeline = data.details.pipeline.clone();
    let name = RwSignal::new(format!("{} {}", pipeline.name, stamp(now_seconds())));
    let description = RwSignal::new(String::new());
    let experiment = RwSignal::new(default_experiment(&data.experiments));
    let new_experiment = RwSignal::new("Default".to_string());
    let values = RwSignal::new(
        data.version
            .graph
            .inputs
            .iter()
            .map(|input| (input.name.clone(), default_text(input)))
            .collect::<BTreeMap<_, _>>(),
    );
    // Errors show for fields the user changed, and for all once they try to start the run.
    let touched: RwSignal<BTreeSet<String>> = RwSignal::new(BTreeSet::new());
    let submitted = RwSignal::new(false);
    let errors = Memo::new(move |_| {
        inputs.with_value(|inputs| {
            form_errors(
                &name.read(),
                &experiment.read(),
                &new_experiment.read(),
                inputs,
                &values.read(),
            )
        })
    });
    // An answer from the server about one field, until that field changes.
    let server_field: RwSignal<Option<FieldError>> = RwSignal::new(None);
    let server_error: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        name.track();
        experiment.track();
        new_experiment.track();
        values.track();
        server_field.set(None);
    });
    let sending = RwSignal::new(false);
    let error_of = move |field: &'static str| {
        Signal::derive(move || {
            let field = field.to_string();
            error_for(errors, touched, submitted, server_field, &field)
        })
    };

    let shows_field = move |field: &str| {
        field == "name"
            || field == "experiment"
            || field.strip_prefix("parameters.").is_some_and(|name| {
                inputs.with_value(|inputs| inputs.iter().any(|input| input.name == name))
            })
    };
    let version = data.version.version.clone();
    let namespace = data.namespace.clone();
    let pipeline_id = pipeline.id.clone();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        submitted.set(true);
        if !errors.read_untracked().is_empty() {
            return;
        }
        let new_name = new_experiment.get_untracked().trim().to_string();
        let chosen = experiment.get_untracked();
        let run = NewRun {
            namespace: namespace.clone(),
            pipeline_id: pipeline_id.clone(),
            version_id: version.id.clone(),
            experiment_id: (chosen != NEW_EXPERIMENT).then_some(chosen.clone()),
            new_experiment: (chosen == NEW_EXPERIMENT).then_some(new_name),
            name: name.get_untracked().trim().to_string(),
            description: description.get_untracked().trim().to_string(),
            // Empty values are "not given": the pipeline's defaults apply.
            parameters: values
                .get_untracked()
                .into_iter()
                .filter(|(_, value)| !value.is_empty())
                .collect(),
        };
        sending.set(true);
        server_error.set(None);
        server_field.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match create_run(run).await {
                Ok(run) => {
                    let href =
                        for_navigate(&links.get_untracked()).href(&format!("/runs/{}", run.id));
                    navigate(&href, Default::default());
                }
                // Under its field when the form has one, else with the other errors.
                Err(AppError::Invalid { field, message }) if shows_field(&field) => {
                    server_field.set(Some(FieldError { field, message }));
                    sending.set(false);
                }
                Err(error) => {
                    server_error.set(Some(error.to_string()));
                    sending.set(false);
                }
            }
        });
    };

    let experiments = data.experiments.clone();
    let version_row = data.version.version.clone();
    let parameter_fields = data
        .version
        .graph
        .inputs
        .iter()
        .cloned()
        .map(
            |input| view! { <ParameterField input values touched errors submitted server_field /> },
        )
        .collect_view();
    let no_parameters = data.version.graph.inputs.is_empty();

    view! {
        <form class="run-form" data-testid="run-form" on:submit=submit novalidate>
            <section class="card panel run-form__section">
                <h2 class="section-title">"Run"</h2>
                <p class="muted run-form__version" data-testid="run-version">
                    {format!("{} · version {}", pipeline.name, version_row.name)}
                </p>
                <label class="field field--wide">
                    <span>"Name"</span>
                    <input type="text" maxlength="128" autocomplete="off" data-testid="run-name"
                        prop:value=move || name.get()
                        on:input=move |event| {
                            touched.update(|t| { t.insert("name".into()); });
                            name.set(event_target_value(&event));
                        } />
                    <ErrorText error=error_of("name") testid="error-name" />
                </label>
                <label class="field field--wide">
                    <span>"Description"</span>
                    <textarea rows="2" data-testid="run-description" prop:value=move || description.get()
                        on:input=move |event| description.set(event_target_value(&event))></textarea>
                </label>
                <div class="field-row">
                    <label class="field">
                        <span>"Experiment"</span>
                        <select data-testid="run-experiment"
                            on:change=move |event| {
                                touched.update(|t| { t.insert("experiment".into()); });
                                experiment.set(event_target_value(&event));
                            }>
                            {experiments.into_iter().filter(|e| !e.archived).map(|e| {
                                let id = e.id.clone();
                                view! { <option value=e.id.clone() selected=move || experiment.get() == id>{e.name}</option> }
                            }).collect_view()}
                            <option value=NEW_EXPERIMENT selected=move || experiment.get() == NEW_EXPERIMENT>"New experiment…"</option>
                        </select>
                    </label>
                    <Show when=move || experiment.get() == NEW_EXPERIMENT>
                        <label class="field">
                            <span>"New experiment's name"</span>
                            <input type="text" maxlength="128" data-testid="run-new-experiment"
                                prop:value=move || new_experiment.get()
                                on:input=move |event| {
                                    touched.update(|t| { t.insert("experiment".into()); });
                                    new_experiment.set(event_target_value(&event));
                                } />
                        </label>
                    </Show>
                </div>
                <ErrorText error=error_of("experiment") testid="error-experiment" />
            </section>
            <section class="card panel run-form__section" data-testid="run-parameters">
                <h2 class="section-title">"Parameters"</h2>
                {if no_parameters {
                    view! { <p class="muted">"This pipeline takes no parameters."</p> }.into_any()
                } else {
                    view! {
                        <p class="muted run-form__hint">"Defaults come from the pipeline. Leave a field empty to use its default."</p>
                        <div class="run-form__parameters">{parameter_fields}</div>
                    }.into_any()
                }}
            </section>
            {move || server_error.get().map(|error| view! {
                <p class="form-error" role="alert" data-testid="run-server-error">{error}</p>
            })}
            {move || (submitted.get() && !errors.read().is_empty()).then(|| view! {
                <p class="form-error" role="alert" data-testid="run-invalid">"Fix the fields marked above to start the run."</p>
            })}
            <div class="run-form__actions">
                <button type="submit" class="button button--primary" data-testid="run-submit" disabled=move || sending.get()>
                    {move || if sending.get() { "Starting…" } else { "Start run" }}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pipeline::ParameterType;

    fn experiment(id: &str, name: &str, archived: bool) -> ExperimentRow {
        ExperimentRow {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            created_at: None,
            namespace: Some("team".into()),
            archived,
        }
    }

    #[test]
    fn runs_go_to_the_default_experiment_else_the_first_active_one() {
        let listed = [
            experiment("1", "old", true),
            experiment("2", "mine", false),
            experiment("3", "Default", false),
        ];
        assert_eq!(default_experiment(&listed), "3");
        assert_eq!(default_experiment(&listed[..2]), "2");
        assert_eq!(default_experiment(&listed[..1]), NEW_EXPERIMENT);
    }

    #[test]
    fn the_form_checks_its_own_fields_and_the_parameters() {
        let inputs = [PipelineInput {
            name: "epochs".into(),
            parameter_type: ParameterType::NumberInteger,
            default: None,
            optional: false,
            description: None,
        }];
        let values: BTreeMap<String, String> = [("epochs".to_string(), "1.5".to_string())].into();
        let fields: Vec<String> = form_errors(" ", NEW_EXPERIMENT, "", &inputs, &values)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "experiment", "parameters.epochs"]);
        let fine: BTreeMap<String, String> = [("epochs".to_string(), "3".to_string())].into();
        assert!(form_errors("run", "exp-1", "", &inputs, &fine).is_empty());
    }
}
