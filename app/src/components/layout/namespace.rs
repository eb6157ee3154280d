//! The namespace selector: the user's namespaces with their role, kept in `?ns=` and
//! remembered per user in the browser.

use super::{SessionResource, WorkspacesResource, use_links};
use crate::domain::nav::ALL_NAMESPACES;
use leptos::prelude::*;
use leptos_router::{NavigateOptions, hooks::use_location};

fn storage_key(user: &str) -> String {
    format!("kfdash-namespace:{user}")
}

/// The namespace this user last picked, if the browser remembers one.
fn remembered(user: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        window()
            .local_storage()
            .ok()
            .flatten()?
            .get_item(&storage_key(user))
            .ok()
            .flatten()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = storage_key(user);
        None
    }
}

fn remember(user: &str, namespace: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(&storage_key(user), namespace);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (storage_key(user), namespace);
}

fn user_of(session: SessionResource) -> String {
    session
        .get()
        .and_then(Result::ok)
        .map(|session| session.user)
        .unwrap_or_default()
}

/// With no `?ns=` yet, opens the remembered namespace (if still theirs) or their first one.
/// Runs with or without the selector on screen (embedded pages have none).
pub fn choose_default_namespace(session: SessionResource, workspaces: WorkspacesResource) {
    let links = use_links();
    let location = use_location();
    let choose = crate::components::layout::use_href_navigate();
    let user = move || user_of(session);
    Effect::new(move |_| {
        let Some(Ok(workspaces)) = workspaces.get() else {
            return;
        };
        if links.read().namespace.is_some() || workspaces.namespaces.is_empty() {
            return;
        }
        let remembered = remembered(&user()).filter(|ns| {
            workspaces.namespaces.iter().any(|row| &row.name == ns)
                || (workspaces.cluster_admin && ns == ALL_NAMESPACES)
        });
        let namespace = remembered.unwrap_or_else(|| workspaces.namespaces[0].name.clone());
        let mut next = links.get_untracked();
        next.namespace = Some(namespace);
        choose(
            &next.at(&location.pathname.get_untracked()),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    });
}

#[component]
pub fn NamespaceSelector(
    session: SessionResource,
    workspaces: WorkspacesResource,
) -> impl IntoView {
    let links = use_links();
    let location = use_location();
    let navigate = crate::components::layout::use_href_navigate();
    let user = move || user_of(session);

    let on_change = move |event: leptos::ev::Event| {
        let namespace = event_target_value(&event);
        remember(&user(), &namespace);
        let mut next = links.get_untracked();
        next.namespace = Some(namespace);
        navigate(
            &next.at(&location.pathname.get_untracked()),
            NavigateOptions::default(),
        );
    };

    view! {
        <label class="namespace">
            <span class="visually-hidden">"Namespace"</span>
            <Transition fallback=|| view! { <select class="namespace__select" disabled><option>"Loading…"</option></select> }>
                {move || {
                    let selected = links.read().namespace.clone().unwrap_or_default();
                    let loaded = workspaces.get().and_then(Result::ok);
                    let admin = loaded.as_ref().is_some_and(|w| w.cluster_admin);
                    let rows = loaded.map(|w| w.namespaces).unwrap_or_default();
                    if rows.is_empty() && !admin {
                        return view! {
                            <select class="namespace__select" data-testid="namespace-select" disabled>
                                <option>"No namespace yet"</option>
                            </select>
                        }
                        .into_any();
                    }
                    view! {
                        <select class="namespace__select" data-testid="namespace-select" on:change=on_change.clone()>
                            // Cluster admins may look across namespaces; RBAC still decides.
                            {admin.then(|| view! {
                                <option value=ALL_NAMESPACES selected=selected == ALL_NAMESPACES>"All namespaces"</option>
                            })}
                            {rows
                                .into_iter()
                                .map(|row| {
                                    let is_selected = row.name == selected;
                                    let label = format!("{} · {}", row.name, row.role.label());
                                    view! { <option value=row.name selected=is_selected>{label}</option> }
                                })
                                .collect_view()}
                        </select>
                    }
                    .into_any()
                }}
            </Transition>
        </label>
    }
}
