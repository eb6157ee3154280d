//! Pieces of the create-run form: a field's error message, and the editor of one run parameter.

use super::type_text;
use crate::model::FieldError;
use crate::model::pipeline::{ParameterType, PipelineInput};
use leptos::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The message for `field`: the server's word on it, else the form's own check once the user
/// touched the field or tried to submit.
pub(super) fn error_for(
    errors: Memo<Vec<FieldError>>,
    touched: RwSignal<BTreeSet<String>>,
    submitted: RwSignal<bool>,
    server_field: RwSignal<Option<FieldError>>,
    field: &str,
) -> Option<String> {
    if let Some(error) = server_field.read().as_ref().filter(|e| e.field == field) {
        return Some(error.message.clone());
    }
    if !submitted.get() && !touched.read().contains(field) {
        return None;
    }
    errors
        .read()
        .iter()
        .find(|error| error.field == field)
        .map(|error| error.message.clone())
}

#[component]
pub(super) fn ErrorText(
    error: Signal<Option<String>>,
    #[prop(into)] testid: String,
) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! { <span class="field__error" role="alert" data-testid=testid.clone()>{message}</span> }
        })
    }
}

/// One run parameter, edited the way its type reads best.
#[component]
pub(super) fn ParameterField(
    input: PipelineInput,
    values: RwSignal<BTreeMap<String, String>>,
    touched: RwSignal<BTreeSet<String>>,
    errors: Memo<Vec<FieldError>>,
    submitted: RwSignal<bool>,
    server_field: RwSignal<Option<FieldError>>,
) -> impl IntoView {
    let key = StoredValue::new(input.name.clone());
    let field = format!("parameters.{}", input.name);
    let value = move || values.with(|v| key.with_value(|k| v.get(k).cloned().unwrap_or_default()));
    let set = move |text: String| {
        touched.update(|t| {
            t.insert(format!("parameters.{}", key.get_value()));
        });
        values.update(|v| {
            v.insert(key.get_value(), text);
        });
    };
    let error = Signal::derive(move || error_for(errors, touched, submitted, server_field, &field));
    let invalid = move || error.read().is_some().to_string();
    let testid = format!("param-{}", input.name);
    let editor = match input.parameter_type {
        ParameterType::Boolean => view! {
            <select data-testid=testid.clone() aria-invalid=invalid on:change=move |event| set(event_target_value(&event))>
                {(input.optional || input.default.is_none()).then(|| view! {
                    <option value="" selected=move || value().is_empty()>"—"</option>
                })}
                <option value="true" selected=move || value() == "true">"true"</option>
                <option value="false" selected=move || value() == "false">"false"</option>
            </select>
        }
        .into_any(),
        ParameterType::NumberInteger | ParameterType::NumberDouble => {
            let step = if input.parameter_type == ParameterType::NumberInteger { "1" } else { "any" };
            view! {
                <input type="number" step=step inputmode="decimal" data-testid=testid.clone() aria-invalid=invalid
                    prop:value=value on:input=move |event| set(event_target_value(&event)) />
            }
            .into_any()
        }
        ParameterType::List | ParameterType::Struct => view! {
            <textarea rows="3" spellcheck="false" class="mono" data-testid=testid.clone() aria-invalid=invalid
                prop:value=value on:input=move |event| set(event_target_value(&event))></textarea>
        }
        .into_any(),
        _ => view! {
            <input type="text" spellcheck="false" autocomplete="off" data-testid=testid.clone() aria-invalid=invalid
                prop:value=value on:input=move |event| set(event_target_value(&event)) />
        }
        .into_any(),
    };
    let required = !input.optional && input.default.is_none();
    view! {
        <label class="field field--wide run-form__parameter">
            <span>
                <span class="mono run-form__parameter-name">{input.name.clone()}</span>
                <span class="run-form__type">{type_text(input.parameter_type)}</span>
                {required.then(|| view! { <span class="run-form__required">"required"</span> })}
            </span>
            {editor}
            {input.description.clone().filter(|d| !d.is_empty()).map(|d| view! { <span class="field__hint">{d}</span> })}
            <ErrorText error testid=format!("error-param-{}", input.name) />
        </label>
    }
}
