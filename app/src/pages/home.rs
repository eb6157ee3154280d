use crate::components::icon::{Icon, IconKind};
use crate::components::layout::{SessionResource, WorkspacesResource, use_links};
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

const DOCS: &[(&str, &str)] = &[
    (
        "https://www.kubeflow.org/docs/started/introduction/",
        "Getting started with Kubeflow",
    ),
    (
        "https://www.kubeflow.org/docs/components/notebooks/",
        "Kubeflow Notebooks",
    ),
    (
        "https://www.kubeflow.org/docs/components/pipelines/",
        "Kubeflow Pipelines",
    ),
    ("https://www.kubeflow.org/docs/components/katib/", "Katib"),
];

#[component]
pub fn HomePage() -> AnyView {
    let session = expect_context::<SessionResource>();
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
            <aside class="card docs" aria-labelledby="docs-title">
                <h2 id="docs-title" class="section-title">"Documentation"</h2>
                <ul class="docs__list">
                    {DOCS.iter().map(|&(href, label)| view! {
                        <li>
                            <a href=href target="_blank" rel="noopener noreferrer">
                                <Icon kind=IconKind::Book />
                                <span>{label}</span>
                                <Icon kind=IconKind::External class="icon--small" />
                            </a>
                        </li>
                    }).collect_view()}
                </ul>
            </aside>
        </div>
    }
    .into_any()
}
