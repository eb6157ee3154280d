//! Contributors: owners add and remove who works in their namespace; everyone sees the
//! namespaces they contribute to.

use crate::api::{AddContributor, RemoveContributor, list_contributors};
use crate::components::layout::{WorkspacesResource, use_links};
use crate::components::toast::use_toaster;
use crate::model::{ContributorRole, WorkspaceRole};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ContributorsPage() -> impl IntoView {
    let links = use_links();
    let workspaces = expect_context::<WorkspacesResource>();
    // Contributors are managed one namespace at a time, so "all namespaces" picks none.
    let namespace = Memo::new(move |_| {
        links
            .read()
            .namespace
            .clone()
            .filter(|ns| ns != crate::domain::nav::ALL_NAMESPACES)
    });
    let add = ServerAction::<AddContributor>::new();
    let remove = ServerAction::<RemoveContributor>::new();
    let toaster = use_toaster();
    Effect::new(move |_| {
        if let Some(Err(error)) = remove.value().get() {
            toaster.error(error.to_string());
        }
    });
    // Only owners (and cluster admins) get the list; the server checks again. The fetcher
    // awaits the workspaces itself, so server and browser decide from the same data.
    let contributors = Resource::new(
        move || (namespace.get(), add.version().get(), remove.version().get()),
        move |(namespace, _, _)| async move {
            let Some(namespace) = namespace else {
                return Ok(None);
            };
            let manages = workspaces.await.is_ok_and(|workspaces| {
                workspaces.cluster_admin
                    || workspaces
                        .namespaces
                        .iter()
                        .any(|row| row.name == namespace && row.role == WorkspaceRole::Owner)
            });
            if !manages {
                return Ok(None);
            }
            list_contributors(namespace).await.map(Some)
        },
    );

    view! {
        <Title text="Contributors" />
        <div class="page-heading">
            <h1 data-testid="page-title">"Contributors"</h1>
            <p class="muted">"Who can work in your namespace, and where you work."</p>
        </div>
        <div class="stack">
            // Inside a Transition so the server waits for the workspaces before choosing.
            <Transition fallback=|| ()>
                {move || {
                    // Read here (not only in the memo) so the boundary waits for it on the server.
                    let loaded = workspaces.get().and_then(Result::ok);
                    let current = namespace.get();
                    let may_manage = loaded.is_some_and(|workspaces| {
                        workspaces.cluster_admin
                            || workspaces.namespaces.iter().any(|row| Some(&row.name) == current.as_ref() && row.role == WorkspaceRole::Owner)
                    });
                    if !may_manage {
                        return view! {
                            <section class="card panel" data-testid="not-owner">
                                <p>
                                    {move || match namespace.get() {
                                        Some(ns) => format!("Only the owner of {ns} manages its contributors."),
                                        None => "Choose a namespace you own to manage its contributors.".to_string(),
                                    }}
                                </p>
                            </section>
                        }
                        .into_any();
                    }
                    view! {
                <section class="card panel" data-testid="contributors">
                    <h2 class="section-title">{move || format!("Contributors of {}", namespace.get().unwrap_or_default())}</h2>
                    <ActionForm action=add attr:class="inline-form" attr:data-testid="add-contributor">
                        <input type="hidden" name="namespace" prop:value=move || namespace.get().unwrap_or_default() />
                        <label class="field">
                            <span>"Email"</span>
                            <input type="email" name="email" required placeholder="ada@example.com" autocomplete="off" data-testid="contributor-email" />
                        </label>
                        <label class="field">
                            <span>"Role"</span>
                            <select name="role" data-testid="contributor-role">
                                <option value=ContributorRole::Edit.as_str()>"Editor: create and change"</option>
                                <option value=ContributorRole::View.as_str()>"Viewer: read only"</option>
                            </select>
                        </label>
                        <button type="submit" class="button button--primary" data-testid="contributor-add">"Add"</button>
                    </ActionForm>
                    {move || add.value().get().and_then(Result::err).map(|error| view! {
                        <p class="form-error" role="alert" data-testid="contributor-error">{error.to_string()}</p>
                    })}
                    <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                        {move || contributors.get().map(|result| match result {
                            Ok(Some(rows)) if rows.is_empty() => view! {
                                <p class="muted" data-testid="no-contributors">"No contributors yet: only you work here."</p>
                            }.into_any(),
                            Ok(Some(rows)) => view! {
                                <table class="table" data-testid="contributor-table">
                                    <thead><tr><th>"Email"</th><th>"Role"</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|row| {
                                            let email = row.email.clone();
                                            view! {
                                                <tr data-testid="contributor-row">
                                                    <td>{row.email}</td>
                                                    <td>{if row.role == ContributorRole::Edit { "Editor" } else { "Viewer" }}</td>
                                                    <td class="table__actions">
                                                        <ActionForm action=remove>
                                                            <input type="hidden" name="namespace" prop:value=move || namespace.get().unwrap_or_default() />
                                                            <input type="hidden" name="email" value=email.clone() />
                                                            <button type="submit" class="button button--danger" aria-label=format!("Remove {email}")>"Remove"</button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                            Ok(None) => ().into_any(),
                            Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                        })}
                    </Transition>
                </section>
                    }
                    .into_any()
                }}
            </Transition>
            <section class="card panel" data-testid="memberships">
                <h2 class="section-title">"Namespaces you contribute to"</h2>
                <Transition fallback=|| ()>
                    {move || {
                        let rows: Vec<_> = workspaces.get().and_then(Result::ok).map(|w| w.namespaces).unwrap_or_default()
                            .into_iter().filter(|row| row.role != WorkspaceRole::Owner).collect();
                        if rows.is_empty() {
                            view! { <p class="muted">"None yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list">
                                    {rows.into_iter().map(|row| view! { <li><strong>{row.name}</strong>" · "{row.role.label()}</li> }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </Transition>
            </section>
        </div>
    }
    .into_any()
}
