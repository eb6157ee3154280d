use crate::components::icon::{Icon, IconKind};
use crate::domain::embed::navigation_href;
use crate::domain::nav::LinkContext;
use crate::model::MenuLink;
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
    let links_config = expect_context::<super::LinksResource>();
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
            <Transition fallback=|| ()>
                {move || links_config.get().and_then(Result::ok).map(|config| {
                    let extra = crate::domain::links::extra_menu(&config.menu_links);
                    (!extra.is_empty()).then(|| view! {
                        <div class="sidebar__group" data-testid="sidebar-apps">
                            <h2 class="sidebar__heading">"More apps"</h2>
                            <ul class="sidebar__list">
                                {extra.into_iter().map(|link| menu_entry(link, carried)).collect_view()}
                            </ul>
                        </div>
                    })
                })}
            </Transition>
            <div class="sidebar__footer">
                <a class="sidebar__link sidebar__link--muted" href="https://www.kubeflow.org/docs/" target="_blank" rel="noopener noreferrer">
                    <Icon kind=IconKind::Book />
                    <span>"Kubeflow docs"</span>
                    <Icon kind=IconKind::External class="icon--small" />
                </a>
                <Transition fallback=|| ()>
                    {move || links_config.get().and_then(Result::ok).map(|config| {
                        config.external_links.into_iter().map(external_entry).collect_view()
                    })}
                </Transition>
            </div>
        </nav>
    }
    .into_any()
}

/// A configured menu entry: an upstream app served by the same gateway (Volumes,
/// TensorBoards…), or a section of them. Text only: the config's strings are never markup.
/// Apps marked `iframe: true` open inside kfdash, under `/_/`.
fn menu_entry(link: MenuLink, carried: Memo<LinkContext>) -> AnyView {
    if link.kind == "section" {
        return view! {
            <li class="sidebar__section">
                <span class="sidebar__section-title">{link.text}</span>
                <ul class="sidebar__list">
                    {link.items.into_iter().map(|item| menu_entry(item, carried)).collect_view()}
                </ul>
            </li>
        }
        .into_any();
    }
    if let Some(route) = crate::domain::links::hosted_route(&link) {
        return view! {
            <li>
                <A href=move || navigation_href(&carried.read(), &route) attr:class="sidebar__link">
                    <Icon kind=IconKind::Cube />
                    <span>{link.text}</span>
                </A>
            </li>
        }
        .into_any();
    }
    view! {
        <li>
            <a class="sidebar__link" href=link.link>
                <Icon kind=IconKind::Cube />
                <span>{link.text}</span>
            </a>
        </li>
    }
    .into_any()
}

/// A configured external link, opened in a new tab.
fn external_entry(link: MenuLink) -> AnyView {
    view! {
        <a class="sidebar__link sidebar__link--muted" href=link.link target="_blank" rel="noopener noreferrer">
            <Icon kind=IconKind::External />
            <span>{link.text}</span>
        </a>
    }
    .into_any()
}
