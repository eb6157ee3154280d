//! The frame around every page: header, sidebar, toasts. `?embed=1` hides the chrome so a
//! host portal can frame kfdash.

mod header;
mod namespace;
mod sidebar;

use crate::api::{get_links, get_session, list_workspaces};
use crate::components::toast::{ToastRegion, use_toaster};
use crate::domain::nav::LinkContext;
use crate::model::{AppError, LinksConfig, Session, Workspaces};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The signed-in session, loaded once per page load and shared by context.
pub type SessionResource = Resource<Result<Session, AppError>>;

/// The user's namespaces; refetch it (`.refetch()`) after registering or changing access.
pub type WorkspacesResource = Resource<Result<Workspaces, AppError>>;

/// The dashboard's links config (menu entries, quick links, docs), loaded once per page load.
pub type LinksResource = Resource<Result<LinksConfig, AppError>>;

/// What internal links are built from: `use_links().read().href("/notebooks")`.
pub fn use_links() -> Memo<LinkContext> {
    use_context::<Memo<LinkContext>>().unwrap_or_else(|| {
        let query = use_query_map();
        let base = crate::routes::base_path();
        Memo::new(move |_| LinkContext::from_lookup(&base, |key| query.read().get(key)))
    })
}

/// Navigates to an href that already carries the base path, as `LinkContext` builds them.
/// leptos_router's own `use_navigate` would put the base path in front a second time
/// (`/kubeflow/kubeflow/notebooks`).
pub fn use_href_navigate() -> impl Fn(&str, leptos_router::NavigateOptions) + Clone {
    let navigate = leptos_router::hooks::use_navigate();
    move |href: &str, options: leptos_router::NavigateOptions| {
        navigate(
            href,
            leptos_router::NavigateOptions {
                resolve: false,
                ..options
            },
        )
    }
}

#[component]
pub fn AppLayout(children: Children) -> AnyView {
    let carried = use_links();
    provide_context(carried);
    let embed = Memo::new(move |_| carried.read().embed);

    let session: SessionResource = Resource::new(|| (), |_| get_session());
    provide_context(session);
    let workspaces: WorkspacesResource = Resource::new(|| (), |_| list_workspaces());
    provide_context(workspaces);
    let links_config: LinksResource = Resource::new(|| (), |_| get_links());
    provide_context(links_config);
    namespace::choose_default_namespace(session, workspaces);
    let toaster = use_toaster();
    Effect::new(move |_| {
        if let Some(Err(error)) = session.get() {
            toaster.error(error.to_string());
        }
        if let Some(Err(error)) = workspaces.get() {
            toaster.error(error.to_string());
        }
    });

    // The navigation drawer of narrow screens.
    let nav_open = RwSignal::new(false);
    let main = NodeRef::<leptos::html::Main>::new();

    // Effects run only in the browser: this marks the moment the page became interactive.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <div
            class="app"
            data-testid="app"
            data-hydrated=move || hydrated.get().then_some("true")
            class:app--embed=move || embed.get() class:app--nav-open=move || nav_open.get()>
            // The router would treat "#main" as a navigation; move focus ourselves.
            <a
                class="skip-link"
                href="#main"
                on:click=move |event| {
                    if let Some(main) = main.get() {
                        event.prevent_default();
                        let _ = main.focus();
                    }
                }
            >
                "Skip to content"
            </a>
            <Show when=move || !embed.get()>
                <header::Header session workspaces nav_open />
                <sidebar::Sidebar nav_open />
                <div class="scrim" on:click=move |_| nav_open.set(false) aria-hidden="true"></div>
            </Show>
            <main id="main" class="main" tabindex="-1" node_ref=main>
                {children()}
            </main>
            <ToastRegion />
            <crate::components::embed::EmbedBridge carried />
        </div>
    }
    .into_any()
}
