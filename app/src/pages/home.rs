use crate::api::recent_notebooks;
use crate::components::activity_feed::ActivityFeed;
use crate::components::icon::{Icon, IconKind};
use crate::components::layout::{LinksResource, SessionResource, WorkspacesResource, use_links};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The home page's tiles: (path, title, what it is for, icon).
const AREAS: &[(&str, &str, &str, IconKind)] = &[
    (
        "/notebooks",
        "Notebooks",
        "Jupyter, VS Code and RStudio servers with the CPU, GPU and memory you ask for.",
        IconKind::Notebook,
    ),
    (
        "/pipelines",
        "Pipelines",
        "Upload KFP pipelines, see their graphs and start runs.",
        IconKind::Pipeline,
    ),
    (
        "/runs",
        "Runs",
        "Follow pipeline runs step by step as they happen.",
        IconKind::Run,
    ),
    (
        "/experiments",
        "Experiments (Katib)",
        "Tune hyperparameters and compare trials on plots.",
        IconKind::Experiment,
    ),
    (
        "/contributors",
        "Contributors",
        "Share your workspace with your team.",
        IconKind::Contributors,
    ),
    (
        "/activity",
        "Activity",
        "Recent events in your namespace.",
        IconKind::Activity,
    ),
];

#[component]
pub fn HomePage() -> AnyView {
    let session = expect_context::<SessionResource>();
    let links_config = expect_context::<LinksResource>();
    let workspaces = expect_context::<WorkspacesResource>();
    let carried = use_links();
    view! {
        <Title text="Home" />
        <section class="hero" data-testid="home">
            <div>
                <h1 class="hero__title">
                    "Welcome"
                    <Transition fallback=|| ()>
                        {move || session.get().and_then(Result::ok).map(|session| view! {
                            ", " <span data-testid="home-user">{session.user}</span>
                        })}
                    </Transition>
                </h1>
                <p class="hero__lead">"Your notebooks, pipelines and experiments on Kubeflow, in one place."</p>
            </div>
        </section>
        <Transition fallback=|| ()>
            {move || workspaces.get().and_then(Result::ok).filter(|w| w.namespaces.is_empty()).map(|w| view! {
                <super::welcome::Welcome workspaces=w />
            })}
        </Transition>
        <div class="home-grid">
            <section aria-labelledby="areas-title">
                <h2 id="areas-title" class="section-title">"Get to work"</h2>
                <ul class="tiles">
                    {AREAS.iter().map(|&(path, title, text, icon)| view! {
                        <li>
                            <A href=move || carried.read().href(path) attr:class="tile card" attr:data-testid=format!("tile{}", path.replace('/', "-"))>
                                <span class="tile__icon"><Icon kind=icon /></span>
                                <span class="tile__body">
                                    <span class="tile__title">{title}</span>
                                    <span class="tile__text">{text}</span>
                                </span>
                            </A>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            <div class="home-side">
            <section class="card docs" aria-labelledby="quick-title">
                <h2 id="quick-title" class="section-title">"Quick links"</h2>
                <Transition fallback=|| ()>
                    {move || links_config.get().and_then(Result::ok).map(|links| view! {
                        <ul class="docs__list" data-testid="quick-links">
                            {links.quick_links.into_iter().map(|item| {
                                let link = item.link.clone();
                                // Reactive: the selector may add ?ns= after the first render.
                                let href = move || if link.starts_with('/') { carried.read().href(&link) } else { link.clone() };
                                view! {
                                    <li>
                                        <a href=href>
                                            <Icon kind=IconKind::External class="icon--small" />
                                            <span>{item.text}</span>
                                            <span class="status">{item.desc}</span>
                                        </a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })}
                </Transition>
            </section>
            <section class="card docs" aria-labelledby="recent-title" data-testid="recent-notebooks">
                <h2 id="recent-title" class="section-title">"Recent notebooks"</h2>
                <RecentNotebooks />
            </section>
            <aside class="card docs" aria-labelledby="docs-title">
                <h2 id="docs-title" class="section-title">"Documentation"</h2>
                <Transition fallback=|| ()>
                    {move || links_config.get().and_then(Result::ok).map(|links| view! {
                        <ul class="docs__list" data-testid="documentation">
                            {links.documentation_items.into_iter().map(|item| view! {
                                <li>
                                    <a href=item.link target="_blank" rel="noopener noreferrer" title=item.desc>
                                        <Icon kind=IconKind::Book />
                                        <span>{item.text}</span>
                                        <Icon kind=IconKind::External class="icon--small" />
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                </Transition>
            </aside>
            </div>
        </div>
        <section class="card panel home-activity" aria-labelledby="activity-title">
            <h2 id="activity-title" class="section-title">"Activity"</h2>
            <ActivityFeed namespace=Signal::derive(move || carried.read().namespace.clone()) limit=20 />
        </section>
    }
    .into_any()
}

#[component]
fn RecentNotebooks() -> impl IntoView {
    let links = use_links();
    let notebooks = Resource::new(
        move || links.read().namespace.clone(),
        |namespace| async move {
            match namespace {
                Some(namespace) => recent_notebooks(namespace).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || notebooks.get().map(|result| match result {
                Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                Ok(None) => view! { <p class="muted">"No namespace chosen."</p> }.into_any(),
                Ok(Some(rows)) if rows.is_empty() => view! { <p class="muted">"No notebook servers yet."</p> }.into_any(),
                Ok(Some(rows)) => view! {
                    <ul class="docs__list">
                        {rows.into_iter().map(|row| {
                            let path = format!("/notebooks/{}", row.name);
                            let href = move || links.read().href(&path);
                            let status = row.status.to_lowercase();
                            view! {
                                <li>
                                    <a href=href data-testid="recent-notebook">
                                        <Icon kind=IconKind::Notebook />
                                        <span>{row.name}</span>
                                        <span class=format!("status status--{status}")>{row.status}</span>
                                    </a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </Transition>
    }
}
