//! What each trial runs, in the form: an image with its command, or a template kept in a
//! ConfigMap. Switching between the two keeps what was typed for the other.

use super::form_tab::{FieldProblem, FormFields, TextField, problem_id};
use crate::domain::katib::TemplateForm;
use leptos::prelude::*;

/// Whether the trials run an image typed in the form (else a ConfigMap template).
fn is_inline(template: &TemplateForm) -> bool {
    matches!(template, TemplateForm::Inline { .. })
}

fn empty_template(inline: bool) -> TemplateForm {
    if inline {
        TemplateForm::default()
    } else {
        TemplateForm::ConfigMap {
            name: String::new(),
            namespace: String::new(),
            path: String::new(),
        }
    }
}

/// Switches to the kind of template asked: the one kept from before when it is of that kind,
/// else an empty one. Returns it and what to keep instead.
fn switch_template(
    current: TemplateForm,
    kept: Option<TemplateForm>,
    inline: bool,
) -> (TemplateForm, Option<TemplateForm>) {
    if is_inline(&current) == inline {
        return (current, kept);
    }
    let chosen = kept
        .filter(|kept| is_inline(kept) == inline)
        .unwrap_or_else(|| empty_template(inline));
    (chosen, Some(current))
}

#[component]
pub(super) fn TrialTemplate(fields: FormFields) -> impl IntoView {
    let draft = fields.draft;
    let inline = Memo::new(move |_| is_inline(&draft.form.read().template));
    // Switching back finds what was typed for that kind.
    let choose = move |wanted: bool| {
        if inline.get_untracked() == wanted {
            return;
        }
        let current = draft.form.read_untracked().template.clone();
        let (chosen, kept) = switch_template(current, draft.other_template.get_untracked(), wanted);
        draft.form.update(|form| form.template = chosen);
        draft.other_template.set(kept);
    };
    let inline_fields = view! {
        <TextField fields key="image" label="Image" placeholder="e.g. registry.example.com/team/train:1.0"
            read=|form| match &form.template { TemplateForm::Inline { image, .. } => image.clone(), _ => String::new() }
            write=|form, text| if let TemplateForm::Inline { image, .. } = &mut form.template { *image = text } />
        <CommandField fields />
    }
    .into_any();
    let config_map_fields = view! {
        <div class="field-row">
            <TextField fields key="configmap-name" label="ConfigMap" placeholder="e.g. trial-templates"
                read=|form| match &form.template { TemplateForm::ConfigMap { name, .. } => name.clone(), _ => String::new() }
                write=|form, text| if let TemplateForm::ConfigMap { name, .. } = &mut form.template { *name = text } />
            <TextField fields key="configmap-namespace" label="Its namespace" placeholder="e.g. kubeflow"
                read=|form| match &form.template { TemplateForm::ConfigMap { namespace, .. } => namespace.clone(), _ => String::new() }
                write=|form, text| if let TemplateForm::ConfigMap { namespace, .. } = &mut form.template { *namespace = text } />
            <TextField fields key="configmap-path" label="Template key" placeholder="e.g. defaultTrialTemplate.yaml"
                read=|form| match &form.template { TemplateForm::ConfigMap { path, .. } => path.clone(), _ => String::new() }
                write=|form, text| if let TemplateForm::ConfigMap { path, .. } = &mut form.template { *path = text } />
        </div>
        <p class="muted experiment-new__hint">
            "The template's ${trialParameters.…} placeholders must use the parameter names above."
        </p>
    }
    .into_any();
    view! {
        <section class="card panel experiment-new__section">
            <h2 class="section-title">"Trials"</h2>
            <div class="segmented" role="group" aria-label="What each trial runs">
                <button type="button" class="segmented__option" data-testid="form-template-inline"
                    aria-pressed=move || inline.get().to_string() on:click=move |_| choose(true)>
                    "An image"
                </button>
                <button type="button" class="segmented__option" data-testid="form-template-configmap"
                    aria-pressed=move || (!inline.get()).to_string() on:click=move |_| choose(false)>
                    "A template in a ConfigMap"
                </button>
            </div>
            <div hidden=move || !inline.get()>{inline_fields}</div>
            <div hidden=move || inline.get()>{config_map_fields}</div>
            <TextField fields key="primary-container" label="Container reporting the metrics"
                hint="The container whose output holds the metrics."
                read=|form| form.primary_container.clone() write=|form, text| form.primary_container = text />
            <FieldProblem fields key="template" />
        </section>
    }
}

/// The trial's command, one argument per line.
#[component]
fn CommandField(fields: FormFields) -> impl IntoView {
    let draft = fields.draft;
    let command = move || match &draft.form.read().template {
        TemplateForm::Inline { command, .. } => command.clone(),
        TemplateForm::ConfigMap { .. } => String::new(),
    };
    view! {
        <label class="field field--wide">
            <span>"Command (optional)"</span>
            <textarea rows="4" class="mono" spellcheck="false" data-testid="form-command"
                placeholder="python3\ntrain.py\n--epochs=5"
                aria-invalid=move || fields.error("command").is_some().to_string()
                aria-describedby=format!("{} experiment-command-hint", problem_id("command"))
                prop:value=command
                on:input=move |event| {
                    let text = event_target_value(&event);
                    fields.edit(&["command"], |form| {
                        if let TemplateForm::Inline { command, .. } = &mut form.template {
                            *command = text;
                        }
                    });
                }></textarea>
            <span class="field__hint" id="experiment-command-hint">
                "One argument per line; empty runs the image's own command. Each parameter is \
                 passed as --name=${trialParameters.name}, unless a line places \
                 ${trialParameters.name} itself."
            </span>
            <FieldProblem fields key="command" />
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_kinds_keeps_what_was_typed_for_the_other() {
        let image = TemplateForm::Inline {
            image: "train:1".into(),
            command: "python3".into(),
        };
        let (chosen, kept) = switch_template(image.clone(), None, false);
        assert_eq!(chosen, empty_template(false));
        assert!(!is_inline(&chosen));
        assert_eq!(kept.as_ref(), Some(&image));

        let typed = TemplateForm::ConfigMap {
            name: "templates".into(),
            namespace: String::new(),
            path: String::new(),
        };
        let (back, kept) = switch_template(typed.clone(), kept, true);
        assert_eq!(back, image);
        assert_eq!(kept, Some(typed.clone()));

        // Asking for the kind shown changes nothing.
        assert_eq!(
            switch_template(typed.clone(), Some(image.clone()), false),
            (typed, Some(image))
        );
        assert_eq!(empty_template(true), TemplateForm::default());
    }
}
