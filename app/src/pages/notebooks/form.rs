//! The spawner: a form driven by the cluster's `spawner_ui_config.yaml`. Fields the
//! administrator locked show their value and can't be changed (the server refuses them too);
//! every field is checked as you type with the same code the server runs.

use crate::api::{create_notebook, notebook_details, notebook_spawner, update_notebook};
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::use_links;
use crate::domain::nav::ALL_NAMESPACES;
use crate::domain::spawner;
use crate::model::{
    AppError, FieldError, GpuForm, NotebookForm, ServerType, SpawnerConfig, SpawnerData,
    VolumeForm, VolumeSource, WorkspaceChoice,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const ACCESS_MODES: &[(&str, &str)] = &[
    ("ReadWriteOnce", "ReadWriteOnce: one node reads and writes"),
    ("ReadWriteMany", "ReadWriteMany: many nodes read and write"),
    ("ReadOnlyMany", "ReadOnlyMany: many nodes read"),
    (
        "ReadWriteOncePod",
        "ReadWriteOncePod: one pod reads and writes",
    ),
];

const GPU_COUNTS: &[&str] = &["none", "1", "2", "4", "8"];

/// Leaves out what the administrator locked: the server fills those in and refuses them if sent.
fn without_locked(mut form: NotebookForm, config: &SpawnerConfig) -> NotebookForm {
    let image_locked = match form.server_type {
        ServerType::Jupyter => config.image.read_only,
        ServerType::GroupOne => config.image_group_one.read_only,
        ServerType::GroupTwo => config.image_group_two.read_only,
    };
    if image_locked {
        form.image = None;
    }
    if config.image_pull_policy.read_only {
        form.image_pull_policy = None;
    }
    if config.cpu.read_only {
        form.cpu = None;
        form.cpu_limit = None;
    }
    if config.memory.read_only {
        form.memory = None;
        form.memory_limit = None;
    }
    if config.gpus.read_only {
        form.gpus = None;
    }
    if config.workspace_volume.read_only {
        form.workspace = None;
    }
    if config.data_volumes.read_only {
        form.data_volumes = None;
    }
    if config.configurations.read_only {
        form.configurations = None;
    }
    if config.affinity_config.read_only {
        form.affinity = None;
    }
    if config.toleration_group.read_only {
        form.tolerations = None;
    }
    if config.shm.read_only {
        form.shm = None;
    }
    if config.environment.read_only {
        form.environment = None;
    }
    form
}

/// What the spawner page opens with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Opening {
    /// No single namespace is selected.
    NoNamespace,
    /// The notebook to edit is running; it changes only while stopped.
    Running,
    Form(Box<(SpawnerData, NotebookForm)>),
}

/// The notebook being edited neither takes its own name nor keeps its own volumes busy.
fn for_editing(data: &mut SpawnerData, name: &str) {
    data.notebook_names.retain(|taken| taken != name);
    for claim in &mut data.claims {
        claim.used_by.retain(|user| user != name);
    }
}

/// `/notebooks/new` creates a notebook; `?clone=<name>` starts from a copy of one, and
/// `?edit=<name>` changes a stopped one.
#[component]
pub fn NewNotebookPage() -> impl IntoView {
    let links = use_links();
    let query = use_query_map();
    let namespace = Memo::new(move |_| {
        links
            .read()
            .namespace
            .clone()
            .filter(|ns| ns != ALL_NAMESPACES)
    });
    let clone_of = Memo::new(move |_| query.read().get("clone"));
    let edit_of = Memo::new(move |_| query.read().get("edit"));
    let data = Resource::new(
        move || (namespace.get(), clone_of.get(), edit_of.get()),
        |(namespace, clone_of, edit_of)| async move {
            let Some(namespace) = namespace else {
                return Ok(Opening::NoNamespace);
            };
            let mut data = notebook_spawner(namespace.clone()).await?;
            let form = match (edit_of, clone_of) {
                (Some(name), _) => {
                    let details = notebook_details(namespace, name.clone()).await?;
                    if !details.row.stopped {
                        return Ok(Opening::Running);
                    }
                    for_editing(&mut data, &name);
                    without_locked(details.form, &data.config)
                }
                (None, Some(name)) => {
                    let mut form = notebook_details(namespace, name.clone()).await?.form;
                    form.name = format!("{name}-copy");
                    without_locked(form, &data.config)
                }
                (None, None) => spawner::default_form(&data.config),
            };
            Ok::<_, AppError>(Opening::Form(Box::new((data, form))))
        },
    );
    let title = move |new: &'static str| {
        Signal::derive(move || match edit_of.get() {
            Some(name) => format!("Edit {name}"),
            None => new.to_string(),
        })
    };
    let details_href = move || {
        let (namespace, name) = (
            namespace.get().unwrap_or_default(),
            edit_of.get().unwrap_or_default(),
        );
        links.read().href(&format!("/notebooks/{namespace}/{name}"))
    };
    view! {
        <Title text=title("New notebook") />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=move || links.read().href("/notebooks")>"Notebooks"</A>
            <span aria-hidden="true">" / "</span>
            {move || match edit_of.get() {
                Some(name) => view! { <A href=details_href>{name}</A><span aria-hidden="true">" / "</span><span>"Edit"</span> }.into_any(),
                None => view! { <span>"New"</span> }.into_any(),
            }}
        </nav>
        <div class="page-heading">
            <h1 data-testid="page-title">{title("New notebook server")}</h1>
            <p class="muted">{move || match (namespace.get(), edit_of.get().is_some()) {
                (Some(ns), true) => format!("In {ns}. The new settings apply when you start the notebook again."),
                (Some(ns), false) => format!("In {ns}. Defaults come from your cluster's spawner configuration."),
                (None, _) => "Choose a namespace first.".into(),
            }}</p>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading the form…"</p> }>
            {move || data.get().map(|result| match result {
                Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                Ok(Opening::NoNamespace) => view! { <section class="card panel"><p>"Choose one namespace in the selector above; a notebook lives in one namespace."</p></section> }.into_any(),
                Ok(Opening::Running) => view! {
                    <section class="card panel" data-testid="edit-running">
                        <p>"Stop the notebook to edit it: its image, resources and volumes change only while it is stopped."</p>
                        <A href=details_href attr:class="button">"Back to the notebook"</A>
                    </section>
                }.into_any(),
                Ok(Opening::Form(opening)) => {
                    let (data, form) = *opening;
                    view! {
                        <SpawnerForm data form namespace=namespace.get().unwrap_or_default() editing=edit_of.get() />
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// Scrolls the first field error into view once it is drawn, so a long form never fails
/// silently below the fold.
fn reveal_first_error() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        if let Some(first) = document().query_selector(".field__error").ok().flatten() {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            first.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
}

/// The error for `field`, if any.
fn error_of(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|error| error.field == field)
        .map(|error| error.message.clone())
}

#[component]
fn FieldMessage(
    errors: RwSignal<Vec<FieldError>>,
    field: String,
    /// Also show errors of the field's parts (`environment.NAME`).
    #[prop(optional)]
    nested: bool,
) -> impl IntoView {
    let testid = format!("error-{}", field.replace(['[', ']', '.'], "-"));
    move || {
        errors
            .with(|errors| {
                error_of(errors, &field).or_else(|| {
                    nested
                        .then(|| {
                            errors
                                .iter()
                                .find(|error| error.field.starts_with(&format!("{field}.")))
                                .map(|error| format!("{}: {}", &error.field[field.len() + 1..], error.message))
                        })
                        .flatten()
                })
            })
            .map(|message| {
            view! { <span class="field__error" role="alert" data-testid=testid.clone()>{message}</span> }
        })
    }
}

#[component]
fn Locked(locked: bool) -> impl IntoView {
    locked.then(|| view! { <span class="locked" title="Set by your administrator">"locked"</span> })
}

#[component]
fn SpawnerForm(
    data: SpawnerData,
    form: NotebookForm,
    namespace: String,
    /// The stopped notebook being changed (its name stays); None creates a new one.
    editing: Option<String>,
) -> impl IntoView {
    let links = use_links();
    let navigate = crate::components::layout::use_href_navigate();
    let config = StoredValue::new(data.config.clone());
    let data = StoredValue::new(data);
    let form = RwSignal::new(form);
    let errors: RwSignal<Vec<FieldError>> = RwSignal::new(Vec::new());
    let touched = RwSignal::new(false);
    let submitting = RwSignal::new(false);
    let server_error: RwSignal<Option<String>> = RwSignal::new(None);

    // Checked as the user types (after the first submit attempt, or once a field has text).
    let check = move || {
        let taken = data.with_value(|d| d.notebook_names.clone());
        let found = config.with_value(|config| {
            spawner::validate(&form.get_untracked(), config, &taken)
                .err()
                .unwrap_or_default()
        });
        errors.set(found);
    };
    Effect::new(move |_| {
        form.track();
        if touched.get_untracked() {
            check();
        }
    });

    let namespace_for_submit = namespace.clone();
    let editing_for_submit = editing.clone();
    // Leaving goes back where the user came from: the notebook they edit, or the list.
    let leave_path = match &editing {
        Some(name) => format!("/notebooks/{namespace}/{name}"),
        None => "/notebooks".into(),
    };
    let is_edit = editing.is_some();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        touched.set(true);
        check();
        if !errors.get_untracked().is_empty() {
            reveal_first_error();
            return;
        }
        submitting.set(true);
        server_error.set(None);
        let namespace = namespace_for_submit.clone();
        let editing = editing_for_submit.clone();
        let navigate = navigate.clone();
        let sent = form.get_untracked();
        spawn_local(async move {
            let saved = match editing {
                Some(name) => update_notebook(namespace.clone(), name.clone(), sent)
                    .await
                    .map(|_| format!("/notebooks/{namespace}/{name}")),
                None => create_notebook(namespace, sent)
                    .await
                    .map(|_| "/notebooks".to_string()),
            };
            match saved {
                Ok(next) => navigate(&links.get_untracked().href(&next), Default::default()),
                Err(AppError::Invalid { field, message }) => {
                    errors.set(vec![FieldError { field, message }]);
                    submitting.set(false);
                    reveal_first_error();
                }
                Err(error) => {
                    server_error.set(Some(error.to_string()));
                    submitting.set(false);
                }
            }
        });
    };

    let cfg = config.get_value();
    let image_group = move |server_type: ServerType| {
        config.with_value(|config| match server_type {
            ServerType::Jupyter => config.image.clone(),
            ServerType::GroupOne => config.image_group_one.clone(),
            ServerType::GroupTwo => config.image_group_two.clone(),
        })
    };
    let short = move |image: &str| -> String {
        let hide_registry = config.with_value(|c| c.hide_registry);
        let hide_tag = config.with_value(|c| c.hide_tag);
        let mut shown = image;
        if hide_registry {
            shown = shown.rsplit('/').next().unwrap_or(shown);
        }
        let shown = if hide_tag {
            shown.split(':').next().unwrap_or(shown)
        } else {
            shown
        };
        shown.to_string()
    };

    // Text inputs bound to optional fields of the form.
    let text = move |get: fn(&NotebookForm) -> Option<String>,
                     set: fn(&mut NotebookForm, Option<String>),
                     empty_is_none: bool| {
        (
            move || form.with(|f| get(f).unwrap_or_default()),
            move |event: leptos::ev::Event| {
                let value = event_target_value(&event);
                form.update(|f| {
                    set(
                        f,
                        if empty_is_none && value.trim().is_empty() {
                            None
                        } else {
                            Some(value)
                        },
                    )
                });
            },
        )
    };

    let (name_value, name_input) = (
        move || form.with(|f| f.name.clone()),
        move |event: leptos::ev::Event| {
            let value = event_target_value(&event);
            form.update(|f| f.name = value);
        },
    );
    let (cpu_value, cpu_input) = text(|f| f.cpu.clone(), |f, v| f.cpu = v, false);
    let (cpu_limit_value, cpu_limit_input) =
        text(|f| f.cpu_limit.clone(), |f, v| f.cpu_limit = v, true);
    let (memory_value, memory_input) = text(|f| f.memory.clone(), |f, v| f.memory = v, false);
    let (memory_limit_value, memory_limit_input) =
        text(|f| f.memory_limit.clone(), |f, v| f.memory_limit = v, true);

    let limit_hint =
        move |request: Option<String>, factor: Option<String>, memory: bool| -> String {
            let factor = factor.unwrap_or_else(|| "none".into());
            if factor == "none" {
                return "No limit unless you set one".into();
            }
            let computed = request
                .as_deref()
                .and_then(|r| crate::domain::quantity::Quantity::parse(r).ok())
                .and_then(|q| q.checked_mul_factor(&factor).ok())
                .map(|q| {
                    if memory {
                        q.format_memory()
                    } else {
                        q.format_cpu()
                    }
                });
            match computed {
                Some(limit) => format!("Automatic: {limit} (request × {factor})"),
                None => format!("Automatic: request × {factor}"),
            }
        };

    // Each section is type-erased: one view type for the whole form is too deep for rustc.
    let name_section = view! {
            <section class="card panel spawner__section">
                <h2 class="section-title">"Name and type"</h2>
                <label class="field field--wide">
                    <span>"Name"</span>
                    <input type="text" name="name" autocomplete="off" spellcheck="false" maxlength="63"
                        placeholder="my-notebook" data-testid="field-name" disabled=is_edit
                        prop:value=name_value on:input=name_input />
                    <span class="field__hint">{if is_edit {
                        "A notebook keeps its name; clone it to get a copy with another."
                    } else {
                        "Lowercase letters, digits and '-'; it becomes part of the URL."
                    }}</span>
                    <FieldMessage errors field="name".into() />
                </label>
                <fieldset class="choice-cards" data-testid="field-server-type">
                    <legend class="visually-hidden">"Server type"</legend>
                    {ServerType::ALL.into_iter().filter(|t| !image_group(*t).options.is_empty() || !image_group(*t).value.is_empty()).map(|server_type| {
                        let description = match server_type {
                            ServerType::Jupyter => "Notebooks in JupyterLab",
                            ServerType::GroupOne => "Visual Studio Code in the browser",
                            ServerType::GroupTwo => "RStudio with the tidyverse",
                        };
                        view! {
                            <label class="choice-card" class:choice-card--selected=move || form.with(|f| f.server_type == server_type)>
                                <input type="radio" name="server_type" value=server_type.annotation()
                                    prop:checked=move || form.with(|f| f.server_type == server_type)
                                    on:change=move |_| form.update(|f| {
                                        f.server_type = server_type;
                                        let group = image_group(server_type);
                                        f.image = (!group.read_only).then_some(group.value);
                                    }) />
                                <span class="choice-card__title">{server_type.label()}</span>
                                <span class="choice-card__text">{description}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            </section>
    }
    .into_any();
    let image_section = view! {
            <section class="card panel spawner__section">
                <h2 class="section-title">"Image"</h2>
                {move || {
                    let server_type = form.with(|f| f.server_type);
                    let group = image_group(server_type);
                    let current = form.with(|f| f.image.clone()).unwrap_or_else(|| group.value.clone());
                    let listed = group.options.contains(&current);
                    let allow_custom = config.with_value(|c| c.allow_custom_image) && !group.read_only;
                    let custom = !listed && allow_custom;
                    view! {
                        <div class="field-row">
                            <label class="field field--wide">
                                <span>"Image" <Locked locked=group.read_only /></span>
                                {if custom {
                                    view! {
                                        <input type="text" data-testid="field-image-custom" spellcheck="false"
                                            placeholder="registry.example.com/team/image:tag"
                                            prop:value=current.clone()
                                            on:input=move |event| { let value = event_target_value(&event); form.update(|f| f.image = Some(value)); } />
                                    }.into_any()
                                } else {
                                    view! {
                                        <select data-testid="field-image" disabled=group.read_only
                                            on:change=move |event| { let value = event_target_value(&event); form.update(|f| f.image = Some(value)); }>
                                            {group.options.iter().map(|option| view! {
                                                <option value=option.clone() selected=*option == current title=option.clone()>{short(option)}</option>
                                            }).collect_view()}
                                        </select>
                                    }.into_any()
                                }}
                                <FieldMessage errors field="image".into() />
                            </label>
                        </div>
                        {allow_custom.then(|| view! {
                            <label class="check">
                                <input type="checkbox" data-testid="field-custom-image" prop:checked=custom
                                    on:change=move |event| {
                                        let on = event_target_checked(&event);
                                        let fallback = image_group(form.with_untracked(|f| f.server_type)).value;
                                        form.update(|f| f.image = Some(if on { String::new() } else { fallback }));
                                    } />
                                <span>"Use a custom image"</span>
                            </label>
                        })}
                    }
                }}
                <label class="field">
                    <span>"Pull policy" <Locked locked=cfg.image_pull_policy.read_only /></span>
                    <select data-testid="field-pull-policy" disabled=cfg.image_pull_policy.read_only
                        on:change=move |event| { let value = event_target_value(&event); form.update(|f| f.image_pull_policy = Some(value)); }>
                        {["IfNotPresent", "Always", "Never"].into_iter().map(|policy| {
                            let selected = move || form.with(|f| f.image_pull_policy.clone()).unwrap_or_else(|| config.with_value(|c| c.image_pull_policy.value.clone())) == policy;
                            view! { <option value=policy selected=selected>{policy}</option> }
                        }).collect_view()}
                    </select>
                    <FieldMessage errors field="image_pull_policy".into() />
                </label>
            </section>
    }
    .into_any();
    let resources_section = view! {
            <section class="card panel spawner__section">
                <h2 class="section-title">"Resources"</h2>
                <div class="field-grid">
                    <label class="field">
                        <span>"CPU request" <Locked locked=cfg.cpu.read_only /></span>
                        <input type="text" inputmode="decimal" data-testid="field-cpu" disabled=cfg.cpu.read_only
                            placeholder=cfg.cpu.value.clone()
                            prop:value=move || if config.with_value(|c| c.cpu.read_only) { config.with_value(|c| c.cpu.value.clone()) } else { cpu_value() }
                            on:input=cpu_input />
                        <span class="field__hint">"Cores: 0.5, 500m, 2"</span>
                        <FieldMessage errors field="cpu".into() />
                    </label>
                    <label class="field">
                        <span>"CPU limit"</span>
                        <input type="text" inputmode="decimal" data-testid="field-cpu-limit" disabled=cfg.cpu.read_only
                            prop:value=cpu_limit_value on:input=cpu_limit_input />
                        <span class="field__hint">{move || limit_hint(form.with(|f| f.cpu.clone()).or_else(|| Some(config.with_value(|c| c.cpu.value.clone()))), config.with_value(|c| c.cpu.limit_factor.clone()), false)}</span>
                        <FieldMessage errors field="cpu_limit".into() />
                    </label>
                    <label class="field">
                        <span>"Memory request" <Locked locked=cfg.memory.read_only /></span>
                        <input type="text" data-testid="field-memory" disabled=cfg.memory.read_only
                            placeholder=cfg.memory.value.clone()
                            prop:value=move || if config.with_value(|c| c.memory.read_only) { config.with_value(|c| c.memory.value.clone()) } else { memory_value() }
                            on:input=memory_input />
                        <span class="field__hint">"Bytes: 1Gi, 1536Mi, 2G"</span>
                        <FieldMessage errors field="memory".into() />
                    </label>
                    <label class="field">
                        <span>"Memory limit"</span>
                        <input type="text" data-testid="field-memory-limit" disabled=cfg.memory.read_only
                            prop:value=memory_limit_value on:input=memory_limit_input />
                        <span class="field__hint">{move || limit_hint(form.with(|f| f.memory.clone()).or_else(|| Some(config.with_value(|c| c.memory.value.clone()))), config.with_value(|c| c.memory.limit_factor.clone()), true)}</span>
                        <FieldMessage errors field="memory_limit".into() />
                    </label>
                </div>
                <div class="field-grid">
                    <label class="field">
                        <span>"GPUs" <Locked locked=cfg.gpus.read_only /></span>
                        <select data-testid="field-gpus" disabled=cfg.gpus.read_only
                            on:change=move |event| {
                                let num = event_target_value(&event);
                                form.update(|f| {
                                    let vendor = f.gpus.as_ref().map(|g| g.vendor.clone()).filter(|v| !v.is_empty())
                                        .or_else(|| config.with_value(|c| c.gpus.value.vendors.first().map(|v| v.limits_key.clone())))
                                        .unwrap_or_default();
                                    f.gpus = Some(GpuForm { num, vendor });
                                });
                            }>
                            {GPU_COUNTS.iter().map(|count| {
                                let selected = move || form.with(|f| f.gpus.as_ref().map(|g| g.num.clone())).unwrap_or_else(|| config.with_value(|c| c.gpus.value.num.clone())) == *count;
                                view! { <option value=*count selected=selected>{if *count == "none" { "None".to_string() } else { count.to_string() }}</option> }
                            }).collect_view()}
                        </select>
                        <FieldMessage errors field="gpus".into() />
                    </label>
                    <label class="field">
                        <span>"GPU vendor"</span>
                        <select data-testid="field-gpu-vendor"
                            disabled=move || config.with_value(|c| c.gpus.read_only) || form.with(|f| f.gpus.as_ref().is_none_or(|g| g.num == "none"))
                            on:change=move |event| {
                                let vendor = event_target_value(&event);
                                form.update(|f| {
                                    let num = f.gpus.as_ref().map(|g| g.num.clone()).unwrap_or_else(|| "none".into());
                                    f.gpus = Some(GpuForm { num, vendor });
                                });
                            }>
                            {cfg.gpus.value.vendors.iter().map(|vendor| {
                                let key = vendor.limits_key.clone();
                                let selected = {
                                    let key = key.clone();
                                    move || form.with(|f| f.gpus.as_ref().map(|g| g.vendor.clone())).unwrap_or_default() == key
                                };
                                view! { <option value=key selected=selected>{vendor.ui_name.clone()}</option> }
                            }).collect_view()}
                        </select>
                        <FieldMessage errors field="gpus.vendor".into() />
                    </label>
                </div>
            </section>
    }
    .into_any();
    view! {
        <form class="spawner" novalidate on:submit=submit data-testid="spawner-form">
            {name_section}
            {image_section}
            {resources_section}
                        <VolumesSection form errors config data />
            <ConfigurationsSection form errors config data />
            <AdvancedSection form errors config />

            {move || server_error.get().map(|message| view! { <p class="form-error" role="alert" data-testid="spawner-error">{message}</p> })}
            {move || (!errors.get().is_empty()).then(|| view! {
                <p class="form-error" role="alert" data-testid="spawner-invalid">
                    {move || {
                        let count = errors.get().len();
                        if count == 1 { "One field needs fixing.".to_string() } else { format!("{count} fields need fixing.") }
                    }}
                </p>
            })}
            <div class="spawner__submit">
                <A href=move || links.read().href(&leave_path) attr:class="button">"Cancel"</A>
                <button type="submit" class="button button--primary" data-testid="spawner-submit" disabled=move || submitting.get()>
                    {move || match (is_edit, submitting.get()) {
                        (true, true) => "Saving…",
                        (true, false) => "Save",
                        (false, true) => "Launching…",
                        (false, false) => "Launch",
                    }}
                </button>
            </div>
        </form>
    }
}

/// Reads one volume out of the form (the workspace, or a data volume by index).
type ReadVolume = std::sync::Arc<dyn Fn(&NotebookForm) -> Option<VolumeForm> + Send + Sync>;
/// Writes it back.
type WriteVolume = std::sync::Arc<dyn Fn(&mut NotebookForm, VolumeForm) + Send + Sync>;

/// One volume's fields: new (name, size, class, access mode) or existing (claim), and where.
#[component]
fn VolumeFields(
    form: RwSignal<NotebookForm>,
    errors: RwSignal<Vec<FieldError>>,
    data: StoredValue<SpawnerData>,
    /// "workspace" or "data_volumes[i]"
    field: String,
    get: ReadVolume,
    set: WriteVolume,
    locked: bool,
) -> impl IntoView {
    let current = {
        let get = get.clone();
        move || form.with(|f| get(f))
    };
    let update = move |change: Box<dyn Fn(&mut VolumeForm)>| {
        if let Some(mut volume) = form.with_untracked(|f| get(f)) {
            change(&mut volume);
            form.update(|f| set(f, volume));
        }
    };
    let update = StoredValue::new_local(update);
    let testid = field.replace(['[', ']'], "-");
    let sub = move |name: &str| format!("{field}.{name}");
    view! {
        {move || current().map(|volume| {
            let is_new = matches!(volume.source, VolumeSource::New { .. });
            let mount = volume.mount.clone();
            let claims = data.with_value(|d| d.claims.clone());
            let classes = data.with_value(|d| d.storage_classes.clone());
            let default_class = data.with_value(|d| d.default_storage_class.clone());
            view! {
                <div class="volume">
                    <div class="segmented" role="radiogroup">
                        <button type="button" class="segmented__option" aria-pressed=is_new.to_string() disabled=locked
                            data-testid=format!("{testid}-new")
                            on:click=move |_| update.with_value(|update| update(Box::new(|v| if !matches!(v.source, VolumeSource::New { .. }) {
                                v.source = VolumeSource::New { name: "{notebook-name}-volume".into(), size: "5Gi".into(), storage_class: None, access_mode: "ReadWriteOnce".into() };
                            })))>"New volume"</button>
                        <button type="button" class="segmented__option" aria-pressed=(!is_new).to_string() disabled=locked
                            data-testid=format!("{testid}-existing")
                            on:click=move |_| update.with_value(|update| update(Box::new(|v| if matches!(v.source, VolumeSource::New { .. }) {
                                v.source = VolumeSource::Existing { claim: String::new() };
                            })))>"Existing volume"</button>
                    </div>
                    {match volume.source.clone() {
                        VolumeSource::New { name, size, storage_class, access_mode } => view! {
                            <div class="field-grid">
                                <label class="field">
                                    <span>"Volume name"</span>
                                    <input type="text" spellcheck="false" disabled=locked data-testid=format!("{testid}-name") prop:value=name
                                        on:change=move |event| { let value = event_target_value(&event); update.with_value(|update| update(Box::new(move |v| if let VolumeSource::New { name, .. } = &mut v.source { *name = value.clone(); }))) } />
                                    <span class="field__hint">"{notebook-name} becomes the notebook's name"</span>
                                    <FieldMessage errors field=sub("source.name") />
                                </label>
                                <label class="field">
                                    <span>"Size"</span>
                                    <input type="text" disabled=locked data-testid=format!("{testid}-size") prop:value=size
                                        on:change=move |event| { let value = event_target_value(&event); update.with_value(|update| update(Box::new(move |v| if let VolumeSource::New { size, .. } = &mut v.source { *size = value.clone(); }))) } />
                                    <FieldMessage errors field=sub("source.size") />
                                </label>
                                <label class="field">
                                    <span>"Storage class"</span>
                                    <select disabled=locked data-testid=format!("{testid}-class")
                                        on:change=move |event| { let value = event_target_value(&event); update.with_value(|update| update(Box::new(move |v| if let VolumeSource::New { storage_class, .. } = &mut v.source { *storage_class = (!value.is_empty()).then(|| value.clone()); }))) }>
                                        <option value="" selected=storage_class.is_none()>{match default_class { Some(class) => format!("Default ({class})"), None => "Cluster default".into() }}</option>
                                        {classes.into_iter().map(|class| view! { <option value=class.clone() selected=storage_class.as_ref() == Some(&class)>{class.clone()}</option> }).collect_view()}
                                    </select>
                                    <FieldMessage errors field=sub("source.storage_class") />
                                </label>
                                <label class="field">
                                    <span>"Access mode"</span>
                                    <select disabled=locked data-testid=format!("{testid}-access")
                                        on:change=move |event| { let value = event_target_value(&event); update.with_value(|update| update(Box::new(move |v| if let VolumeSource::New { access_mode, .. } = &mut v.source { *access_mode = value.clone(); }))) }>
                                        {ACCESS_MODES.iter().map(|(mode, label)| view! { <option value=*mode selected=access_mode == *mode>{*label}</option> }).collect_view()}
                                    </select>
                                    <FieldMessage errors field=sub("source.access_mode") />
                                </label>
                            </div>
                        }.into_any(),
                        VolumeSource::Existing { claim } => view! {
                            <label class="field field--wide">
                                <span>"Volume"</span>
                                <select disabled=locked data-testid=format!("{testid}-claim")
                                    on:change=move |event| { let value = event_target_value(&event); update.with_value(|update| update(Box::new(move |v| v.source = VolumeSource::Existing { claim: value.clone() }))) }>
                                    <option value="" selected=claim.is_empty()>"Choose a volume…"</option>
                                    {claims.into_iter().map(|option| {
                                        let busy = !option.used_by.is_empty() && option.access_modes.iter().all(|m| m == "ReadWriteOnce" || m == "ReadWriteOncePod");
                                        let label = if option.used_by.is_empty() {
                                            format!("{} ({})", option.name, option.size)
                                        } else {
                                            format!("{} ({}, used by {})", option.name, option.size, option.used_by.join(", "))
                                        };
                                        view! { <option value=option.name.clone() selected=claim == option.name disabled=busy>{label}</option> }
                                    }).collect_view()}
                                </select>
                                <FieldMessage errors field=sub("source.claim") />
                            </label>
                        }.into_any(),
                    }}
                    <label class="field field--wide">
                        <span>"Mount path"</span>
                        <input type="text" spellcheck="false" disabled=locked data-testid=format!("{testid}-mount") prop:value=mount
                            on:change=move |event| { let value = event_target_value(&event); update.with_value(|update| update(Box::new(move |v| v.mount = value.clone()))) } />
                        <FieldMessage errors field=sub("mount") />
                    </label>
                </div>
            }
        })}
    }
}

#[component]
fn VolumesSection(
    form: RwSignal<NotebookForm>,
    errors: RwSignal<Vec<FieldError>>,
    config: StoredValue<SpawnerConfig>,
    data: StoredValue<SpawnerData>,
) -> impl IntoView {
    use std::sync::Arc;
    let workspace_locked = config.with_value(|c| c.workspace_volume.read_only);
    let data_locked = config.with_value(|c| c.data_volumes.read_only);
    let workspace_default = move || {
        config.with_value(|c| {
            let mount = c
                .workspace_volume
                .value
                .as_ref()
                .map(|v| v.mount.clone())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "/home/jovyan".into());
            VolumeForm {
                source: VolumeSource::New {
                    name: "{notebook-name}-workspace".into(),
                    size: "5Gi".into(),
                    storage_class: None,
                    access_mode: "ReadWriteOnce".into(),
                },
                mount,
            }
        })
    };
    let has_workspace =
        move || form.with(|f| matches!(f.workspace, Some(WorkspaceChoice::Volume(_))));
    let data_count = move || form.with(|f| f.data_volumes.as_ref().map_or(0, Vec::len));
    view! {
        <section class="card panel spawner__section">
            <h2 class="section-title">"Workspace volume" <Locked locked=workspace_locked /></h2>
            <p class="muted">"Your home folder: it keeps your files when the server stops or restarts."</p>
            {if workspace_locked {
                view! { <p data-testid="workspace-locked">"Your administrator sets up the workspace volume."</p> }.into_any()
            } else {
                view! {
                    <label class="check">
                        <input type="checkbox" data-testid="field-workspace" prop:checked=has_workspace
                            on:change=move |event| {
                                let on = event_target_checked(&event);
                                form.update(|f| f.workspace = Some(if on { WorkspaceChoice::Volume(workspace_default()) } else { WorkspaceChoice::None }));
                            } />
                        <span>"Keep a workspace volume"</span>
                    </label>
                    <VolumeFields form errors data field="workspace".into() locked=false
                        get=Arc::new(|f: &NotebookForm| match &f.workspace { Some(WorkspaceChoice::Volume(v)) => Some(v.clone()), _ => None })
                        set=Arc::new(|f: &mut NotebookForm, v: VolumeForm| f.workspace = Some(WorkspaceChoice::Volume(v))) />
                    <FieldMessage errors field="workspace".into() />
                }.into_any()
            }}
        </section>
        <section class="card panel spawner__section">
            <h2 class="section-title">"Data volumes" <Locked locked=data_locked /></h2>
            {move || (data_count() == 0).then(|| view! { <p class="muted">"None. Add one to share datasets between servers."</p> })}
            {move || (0..data_count()).map(|index| view! {
                <div class="volume-item" data-testid="data-volume">
                    <VolumeFields form errors data field=format!("data_volumes[{index}]") locked=data_locked
                        get=Arc::new(move |f: &NotebookForm| f.data_volumes.as_ref().and_then(|v| v.get(index).cloned()))
                        set=Arc::new(move |f: &mut NotebookForm, v: VolumeForm| if let Some(slot) = f.data_volumes.as_mut().and_then(|all| all.get_mut(index)) { *slot = v; }) />
                    {(!data_locked).then(|| view! {
                        <button type="button" class="button button--small button--quiet-danger" data-testid="remove-data-volume"
                            on:click=move |_| form.update(|f| if let Some(all) = f.data_volumes.as_mut() && index < all.len() { all.remove(index); })>
                            <Icon kind=IconKind::Trash />"Remove"
                        </button>
                    })}
                </div>
            }).collect_view()}
            {(!data_locked).then(|| view! {
                <button type="button" class="button button--small" data-testid="add-data-volume"
                    on:click=move |_| form.update(|f| {
                        let all = f.data_volumes.get_or_insert_with(Vec::new);
                        let n = all.len() + 1;
                        all.push(VolumeForm {
                            source: VolumeSource::New { name: format!("{{notebook-name}}-data-{n}"), size: "5Gi".into(), storage_class: None, access_mode: "ReadWriteOnce".into() },
                            mount: format!("/home/jovyan/data-{n}"),
                        });
                    })>
                    <Icon kind=IconKind::Plus />"Add a data volume"
                </button>
            })}
            <FieldMessage errors field="data_volumes".into() />
        </section>
    }
}

#[component]
fn ConfigurationsSection(
    form: RwSignal<NotebookForm>,
    errors: RwSignal<Vec<FieldError>>,
    config: StoredValue<SpawnerConfig>,
    data: StoredValue<SpawnerData>,
) -> impl IntoView {
    let locked = config.with_value(|c| c.configurations.read_only);
    let options = data.with_value(|d| d.pod_defaults.clone());
    view! {
        <section class="card panel spawner__section">
            <h2 class="section-title">"Configurations" <Locked locked /></h2>
            <p class="muted">"PodDefaults of this namespace: credentials, environment and volumes added to the server."</p>
            {if options.is_empty() {
                view! { <p class="muted">"This namespace has none."</p> }.into_any()
            } else {
                view! {
                    <div class="checks" data-testid="field-configurations">
                        {options.into_iter().map(|option| {
                            let label = option.label.clone();
                            let checked = {
                                let label = label.clone();
                                move || form.with(|f| f.configurations.clone()).unwrap_or_else(|| config.with_value(|c| c.configurations.value.clone())).contains(&label)
                            };
                            view! {
                                <label class="check">
                                    <input type="checkbox" disabled=locked prop:checked=checked
                                        on:change=move |event| {
                                            let on = event_target_checked(&event);
                                            let label = label.clone();
                                            form.update(|f| {
                                                let all = f.configurations.get_or_insert_with(Vec::new);
                                                all.retain(|known| *known != label);
                                                if on { all.push(label); }
                                            });
                                        } />
                                    <span>{option.description}<span class="muted mono">{format!(" {}", option.label)}</span></span>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
            <FieldMessage errors field="configurations".into() />
        </section>
    }
}

#[component]
fn AdvancedSection(
    form: RwSignal<NotebookForm>,
    errors: RwSignal<Vec<FieldError>>,
    config: StoredValue<SpawnerConfig>,
) -> impl IntoView {
    let cfg = config.get_value();
    let env_rows = move || {
        form.with_untracked(|f| f.environment.clone())
            .unwrap_or_default()
            .into_iter()
            .collect::<Vec<_>>()
    };
    // Environment rows are edited as a list so a half-typed key doesn't lose its value.
    let env_draft: RwSignal<Vec<(String, String)>> = RwSignal::new(env_rows());
    let sync_env = move || {
        let map: BTreeMap<String, String> = env_draft
            .get_untracked()
            .into_iter()
            .filter(|(key, _)| !key.is_empty())
            .collect();
        form.update(|f| f.environment = Some(map));
    };
    view! {
        <details class="card panel spawner__section advanced">
            <summary class="section-title">"Advanced: scheduling, shared memory, environment"</summary>
            <div class="field-grid">
                <label class="field">
                    <span>"Affinity" <Locked locked=cfg.affinity_config.read_only /></span>
                    <select data-testid="field-affinity" disabled=cfg.affinity_config.read_only
                        on:change=move |event| { let value = event_target_value(&event); form.update(|f| f.affinity = Some(value)); }>
                        <option value="">"None"</option>
                        {cfg.affinity_config.options.iter().map(|option| {
                            let key = option.config_key.clone();
                            let selected = { let key = key.clone(); move || form.with(|f| f.affinity.clone()).unwrap_or_else(|| config.with_value(|c| c.affinity_config.value.clone())) == key };
                            view! { <option value=key selected=selected>{option.display_name.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <FieldMessage errors field="affinity".into() />
                </label>
                <label class="field">
                    <span>"Tolerations" <Locked locked=cfg.toleration_group.read_only /></span>
                    <select data-testid="field-tolerations" disabled=cfg.toleration_group.read_only
                        on:change=move |event| { let value = event_target_value(&event); form.update(|f| f.tolerations = Some(value)); }>
                        <option value="">"None"</option>
                        {cfg.toleration_group.options.iter().map(|option| {
                            let key = option.group_key.clone();
                            let selected = { let key = key.clone(); move || form.with(|f| f.tolerations.clone()).unwrap_or_else(|| config.with_value(|c| c.toleration_group.value.clone())) == key };
                            view! { <option value=key selected=selected>{option.display_name.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <FieldMessage errors field="tolerations".into() />
                </label>
            </div>
            <label class="check">
                <input type="checkbox" data-testid="field-shm" disabled=cfg.shm.read_only
                    prop:checked=move || form.with(|f| f.shm).unwrap_or_else(|| config.with_value(|c| c.shm.value))
                    on:change=move |event| { let on = event_target_checked(&event); form.update(|f| f.shm = Some(on)); } />
                <span>"Enable shared memory (/dev/shm in RAM; PyTorch data loaders need it)" <Locked locked=cfg.shm.read_only /></span>
            </label>
            <h3 class="subheading">"Environment variables" <Locked locked=cfg.environment.read_only /></h3>
            {move || env_draft.get().into_iter().enumerate().map(|(index, (key, value))| view! {
                <div class="env-row">
                    <input type="text" placeholder="NAME" spellcheck="false" disabled=cfg.environment.read_only data-testid="env-key" prop:value=key
                        on:change=move |event| { let key = event_target_value(&event); env_draft.update(|rows| rows[index].0 = key); sync_env(); } />
                    <input type="text" placeholder="value" spellcheck="false" disabled=cfg.environment.read_only data-testid="env-value" prop:value=value
                        on:change=move |event| { let value = event_target_value(&event); env_draft.update(|rows| rows[index].1 = value); sync_env(); } />
                    <button type="button" class="button button--small button--quiet-danger" aria-label="Remove variable"
                        on:click=move |_| { env_draft.update(|rows| { rows.remove(index); }); sync_env(); }>
                        <Icon kind=IconKind::Trash />
                    </button>
                </div>
            }).collect_view()}
            {(!cfg.environment.read_only).then(|| view! {
                <button type="button" class="button button--small" data-testid="add-env"
                    on:click=move |_| env_draft.update(|rows| rows.push((String::new(), String::new())))>
                    <Icon kind=IconKind::Plus />"Add a variable"
                </button>
            })}
            <FieldMessage errors field="environment".into() nested=true />
        </details>
    }
}
