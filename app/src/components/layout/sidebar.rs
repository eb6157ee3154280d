use crate::components::icon::{Icon, IconKind};
use leptos::prelude::*;
use leptos_router::components::A;

/// The sections of kfdash, in sidebar order: (path, label, icon, test id).
const SECTIONS: &[(&str, &str, IconKind, &str)] = &[
    ("/", "Home", IconKind::Home, "nav-home"),
    (
        "/notebooks",
        "Notebooks",
        IconKind::Notebook,
        "nav-notebooks",
    ),
    (
        "/pipelines",
        "Pipelines",
        IconKind::Pipeline,
        "nav-pipelines",
    ),
    ("/runs", "Runs", IconKind::Run, "nav-runs"),
    (
        "/experiments",
        "Experiments (Katib)",
        IconKind::Experiment,
        "nav-experiments",
    ),
    (
        "/contributors",
        "Contributors",
        IconKind::Contributors,
        "nav-contributors",
    ),
    ("/activity", "Activity", IconKind::Activity, "nav-activity"),
];

#[component]
pub fn Sidebar(nav_open: RwSignal<bool>) -> AnyView {
    let carried = super::use_links();
    view! {
        <nav class="sidebar" aria-label="Sections" data-testid="sidebar">
            // Choosing a section closes the drawer on narrow screens.
            <ul class="sidebar__list" on:click=move |_| nav_open.set(false)>
                {SECTIONS
                    .iter()
                    .map(|&(path, label, icon, testid)| {
                        view! {
                            <li>
                                <A
                                    href=move || carried.read().href(path)
                                    exact=path == "/"
                                    attr:class="sidebar__link"
                                    attr:data-testid=testid
                                >
                                    <Icon kind=icon />
                                    <span>{label}</span>
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <div class="sidebar__footer">
                <a class="sidebar__link sidebar__link--muted" href="https://www.kubeflow.org/docs/" target="_blank" rel="noopener noreferrer">
                    <Icon kind=IconKind::Book />
                    <span>"Kubeflow docs"</span>
                    <Icon kind=IconKind::External class="icon--small" />
                </a>
            </div>
        </nav>
    }
    .into_any()
}
