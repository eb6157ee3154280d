use super::{SessionResource, WorkspacesResource};
use crate::components::icon::{Icon, IconKind};
use crate::components::theme_toggle::ThemeToggle;
use crate::model::ClusterKind;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header(
    session: SessionResource,
    workspaces: WorkspacesResource,
    nav_open: RwSignal<bool>,
) -> AnyView {
    let carried = super::use_links();
    view! {
        <header class="header">
            <button
                class="icon-button header__menu"
                data-testid="menu-toggle"
                aria-label="Open navigation"
                aria-expanded=move || nav_open.get().to_string()
                on:click=move |_| nav_open.update(|open| *open = !*open)
            >
                <Icon kind=IconKind::Menu />
            </button>
            <A href=move || carried.read().href("/") attr:class="brand" attr:aria-label="kfdash home">
                <Icon kind=IconKind::Logo class="brand__logo" />
                <span class="brand__name">"kfdash"</span>
            </A>
            <super::namespace::NamespaceSelector session workspaces />
            <div class="header__spacer"></div>
            <Transition fallback=|| ()>
                {move || session.get().and_then(Result::ok).map(|session| view! {
                    <Show when=move || session.cluster == ClusterKind::Sandbox>
                        <span
                            class="badge badge--sandbox"
                            data-testid="sandbox-badge"
                            title="kfdash is running on its built-in sandbox cluster with demo data"
                        >
                            <Icon kind=IconKind::Cube />
                            "Sandbox"
                        </span>
                    </Show>
                })}
            </Transition>
            <ThemeToggle />
            <Transition fallback=|| view! { <span class="user user--loading"></span> }>
                {move || session.get().and_then(Result::ok).map(|session| {
                    let avatar = initial(&session.user);
                    let title = session.user.clone();
                    view! {
                        <span class="user" data-testid="user" title=title>
                            <span class="user__avatar" aria-hidden="true">{avatar}</span>
                            <span class="user__email">{session.user}</span>
                        </span>
                    }
                })}
            </Transition>
        </header>
    }
    .into_any()
}

fn initial(email: &str) -> String {
    email
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}
