//! The search space in the form: one row per parameter, added and removed by the user, each
//! showing a range (double, int) or a list of values (discrete, categorical).

use super::form_tab::{FieldProblem, FormFields, problem_id};
use crate::domain::katib::ParameterForm;
use crate::model::katib::ParameterKind;
use leptos::prelude::*;

const KINDS: [ParameterKind; 4] = [
    ParameterKind::Double,
    ParameterKind::Int,
    ParameterKind::Discrete,
    ParameterKind::Categorical,
];

fn kind_named(label: &str) -> ParameterKind {
    KINDS
        .into_iter()
        .find(|kind| kind.label() == label)
        .unwrap_or(ParameterKind::Double)
}

/// A new row: empty, so that no name is taken twice by default.
fn blank_parameter() -> ParameterForm {
    ParameterForm {
        name: String::new(),
        min: String::new(),
        max: String::new(),
        ..ParameterForm::default()
    }
}

#[component]
pub(super) fn ParameterList(fields: FormFields) -> impl IntoView {
    let form = fields.draft.form;
    let rows = Memo::new(move |_| form.read().parameters.len());
    let add = move |_| form.update(|form| form.parameters.push(blank_parameter()));
    view! {
        <fieldset class="experiment-new__parameters" data-testid="form-parameters"
            aria-describedby=problem_id("parameters")>
            <legend class="subheading">"Parameters"</legend>
            <p class="muted experiment-new__hint">
                "What the trials try. Each is passed to the trial as ${trialParameters.<name>}."
            </p>
            {move || (0..rows.get()).map(|row| view! { <ParameterRow fields row /> }).collect_view()}
            <FieldProblem fields key="parameters" />
            <div>
                <button type="button" class="button button--small" data-testid="form-add-parameter" on:click=add>
                    "Add a parameter"
                </button>
            </div>
        </fieldset>
    }
}

/// One parameter, at `row` of the form's list.
#[component]
fn ParameterRow(fields: FormFields, row: usize) -> impl IntoView {
    let form = fields.draft.form;
    let value = move |read: fn(&ParameterForm) -> String| {
        move || {
            form.read()
                .parameters
                .get(row)
                .map(read)
                .unwrap_or_default()
        }
    };
    let kind = Memo::new(move |_| {
        form.read()
            .parameters
            .get(row)
            .map_or(ParameterKind::Double, |parameter| parameter.kind)
    });
    // Each input is named `param-<part>-<row>` for its problems and tests; a change also marks
    // the row, whose own problems (min above max…) show under it.
    let edit = move |part: &'static str, write: fn(&mut ParameterForm, String)| {
        move |event: leptos::ev::Event| {
            let text = event_target_value(&event);
            let key = format!("param-{part}-{row}");
            let whole = format!("param-{row}");
            fields.edit(&[&key, &whole], |form| {
                if let Some(parameter) = form.parameters.get_mut(row) {
                    write(parameter, text);
                }
            });
        }
    };
    let input = move |part: &'static str,
                      label: &'static str,
                      read: fn(&ParameterForm) -> String,
                      write: fn(&mut ParameterForm, String)| {
        let key = format!("param-{part}-{row}");
        let error_key = key.clone();
        view! {
            <label class="field">
                <span>{label}</span>
                <input type="text" autocomplete="off" spellcheck="false" data-testid=key.clone()
                    aria-invalid=move || fields.error(&error_key).is_some().to_string()
                    aria-describedby=problem_id(&key)
                    prop:value=value(read) on:input=edit(part, write) />
                <FieldProblem fields key=key.clone() />
            </label>
        }
    };
    let remove = move |_| {
        fields.edit(&["parameters"], |form| {
            if row < form.parameters.len() {
                form.parameters.remove(row);
            }
        });
    };
    let space = move || {
        if kind.get().is_listed() {
            input(
                "list",
                "Values, separated by commas",
                |p| p.list.clone(),
                |p, text| p.list = text,
            )
            .into_any()
        } else {
            view! {
                {input("min", "Min", |p| p.min.clone(), |p, text| p.min = text)}
                {input("max", "Max", |p| p.max.clone(), |p, text| p.max = text)}
                {input("step", "Step (optional)", |p| p.step.clone(), |p, text| p.step = text)}
            }
            .into_any()
        }
    };
    let type_key = format!("param-type-{row}");
    view! {
        <fieldset class="experiment-new__parameter" data-testid=format!("param-row-{row}")>
            <legend class="visually-hidden">{format!("Parameter {}", row + 1)}</legend>
            <div class="experiment-new__parameter-fields">
                {input("name", "Name", |p| p.name.clone(), |p, text| p.name = text)}
                <label class="field">
                    <span>"Type"</span>
                    <select data-testid=type_key.clone() aria-describedby=problem_id(&type_key)
                        on:change=edit("type", |p, text| p.kind = kind_named(&text))>
                        {KINDS.into_iter().map(|option| view! {
                            <option value=option.label() selected=move || kind.get() == option>{option.label()}</option>
                        }).collect_view()}
                    </select>
                    <FieldProblem fields key=type_key.clone() />
                </label>
                {space}
                <button type="button" class="button button--small button--quiet-danger experiment-new__remove"
                    data-testid=format!("param-remove-{row}") aria-label=format!("Remove parameter {}", row + 1)
                    on:click=remove>
                    "Remove"
                </button>
            </div>
            <FieldProblem fields key=format!("param-{row}") />
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_labels() {
        for kind in KINDS {
            assert_eq!(kind_named(kind.label()), kind);
        }
        assert_eq!(kind_named("bogus"), ParameterKind::Double);
    }

    #[test]
    fn a_new_row_takes_no_name() {
        let blank = blank_parameter();
        assert!(blank.name.is_empty() && blank.min.is_empty() && blank.max.is_empty());
        assert_eq!(blank.kind, ParameterKind::Double);
    }
}
