//! `/experiments/new`: creates a Katib experiment from YAML (pasted, or read from a file) or
//! from a form for the common case. The form only writes YAML for review, so both ways end in
//! the same text, checked as the user types by the checks the server runs again.

mod file;
mod form_tab;
mod parameters;
mod problems;
mod template;
mod yaml_tab;

use crate::components::layout::use_links;
use crate::domain::katib::ExperimentForm;
use crate::domain::nav::ALL_NAMESPACES;
use form_tab::ExperimentFormTab;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use std::collections::BTreeSet;
use yaml_tab::YamlTab;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Form,
    Yaml,
}

/// What the user wrote, kept by the page so that it survives switching tabs, and switching
/// namespaces (the editors are rebuilt for the new one).
#[derive(Clone, Copy)]
struct Draft {
    tab: RwSignal<Tab>,
    /// The YAML (or JSON) text as typed.
    text: RwSignal<String>,
    /// The text as of the user's last pause in typing: what the problems shown are about.
    checked: RwSignal<String>,
    /// Text that the form's YAML or the example replaced, for the user to take back.
    replaced: RwSignal<Option<String>>,
    /// The last text the page wrote itself: replacing it loses nothing the user typed.
    written: RwSignal<String>,
    form: RwSignal<ExperimentForm>,
    /// Form fields the user changed: their problems show as they type.
    touched: RwSignal<BTreeSet<String>>,
    /// The user asked for the YAML once: every field's problem shows.
    reviewed: RwSignal<bool>,
    /// The trial template of the kind not chosen, kept while the user tries the other one.
    other_template: RwSignal<Option<crate::domain::katib::TemplateForm>>,
}

impl Draft {
    fn new() -> Self {
        Draft {
            tab: RwSignal::new(Tab::Form),
            text: RwSignal::new(String::new()),
            checked: RwSignal::new(String::new()),
            replaced: RwSignal::new(None),
            written: RwSignal::new(String::new()),
            form: RwSignal::new(ExperimentForm::default()),
            touched: RwSignal::new(BTreeSet::new()),
            reviewed: RwSignal::new(false),
            other_template: RwSignal::new(None),
        }
    }

    /// Puts `text` in the editor and checks it at once. What it replaces is kept for "take
    /// back" unless the page wrote it. `ours` marks text the page wrote (the form's YAML, the
    /// example), which a later replacement may drop.
    fn put_text(self, text: String, ours: bool) {
        let current = self.text.get_untracked();
        if !current.trim().is_empty() && current != text && current != self.written.get_untracked()
        {
            self.replaced.set(Some(current));
        }
        if ours {
            self.written.set(text.clone());
        }
        self.text.set(text.clone());
        self.checked.set(text);
    }
}

#[component]
pub fn NewExperimentPage() -> impl IntoView {
    let links = use_links();
    let namespace = Memo::new(move |_| {
        links
            .read()
            .namespace
            .clone()
            .filter(|ns| ns != ALL_NAMESPACES)
    });
    let draft = Draft::new();
    let tab = move |which: Tab, label: &'static str, testid: &'static str, id: &'static str| {
        let panel = format!("{id}-panel");
        view! {
            <button type="button" role="tab" class="tabs__tab" id=id aria-controls=panel data-testid=testid
                aria-selected=move || (draft.tab.get() == which).to_string()
                on:click=move |_| draft.tab.set(which)>
                {label}
            </button>
        }
    };
    let heading = view! {
        <Title text="New experiment" />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=move || links.read().href("/experiments")>"Experiments"</A>
            <span aria-hidden="true">" / "</span>
            <span>"New experiment"</span>
        </nav>
        <div class="page-heading">
            <h1 data-testid="page-title">"New experiment"</h1>
            <p class="muted">{move || match namespace.get() {
                Some(ns) => format!("A hyperparameter search with Katib, created in {ns}."),
                None => "A hyperparameter search with Katib.".into(),
            }}</p>
        </div>
    }
    .into_any();
    let editors = move |namespace: String| {
        view! {
            <div class="tabs" role="tablist" aria-label="How to write the experiment">
                {tab(Tab::Form, "Form", "tab-form", "experiment-tab-form")}
                {tab(Tab::Yaml, "YAML", "tab-yaml", "experiment-tab-yaml")}
            </div>
            <div role="tabpanel" id="experiment-tab-form-panel" aria-labelledby="experiment-tab-form"
                hidden=move || draft.tab.get() != Tab::Form>
                <ExperimentFormTab draft namespace=namespace.clone() />
            </div>
            <div role="tabpanel" id="experiment-tab-yaml-panel" aria-labelledby="experiment-tab-yaml"
                hidden=move || draft.tab.get() != Tab::Yaml>
                <YamlTab draft namespace />
            </div>
        }
        .into_any()
    };
    view! {
        {heading}
        <div class="experiment-new" data-testid="experiment-new">
            {move || match namespace.get() {
                Some(ns) => editors(ns),
                None => view! {
                    <section class="card panel" data-testid="experiment-choose-namespace">
                        <p>"Choose one namespace in the selector above: an experiment belongs to one namespace."</p>
                    </section>
                }
                .into_any(),
            }}
        </div>
    }
}
