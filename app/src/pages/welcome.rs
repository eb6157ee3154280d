//! First visit: a user with no namespace creates their own (their Profile), then lands in it.

use crate::api::RegisterNamespace;
use crate::components::layout::{WorkspacesResource, use_links};
use crate::model::Workspaces;
use leptos::prelude::*;
use leptos_router::NavigateOptions;

#[component]
pub fn Welcome(workspaces: Workspaces) -> impl IntoView {
    let resource = expect_context::<WorkspacesResource>();
    let links = use_links();
    let navigate = crate::components::layout::use_href_navigate();
    let register = ServerAction::<RegisterNamespace>::new();
    Effect::new(move |_| {
        if let Some(Ok(row)) = register.value().get() {
            resource.refetch();
            let mut next = links.get_untracked();
            next.namespace = Some(row.name);
            navigate(&next.href("/"), NavigateOptions::default());
        }
    });
    if !workspaces.registration_open {
        return view! {
            <section class="card panel welcome" data-testid="welcome">
                <h2>"You have no namespace yet"</h2>
                <p class="muted">"Ask an administrator of this Kubeflow installation to give you one, or to add you to a team's."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card panel welcome" data-testid="welcome">
            <h2>"Create your namespace"</h2>
            <p class="muted">
                "Your namespace holds your notebooks, pipelines and experiments. You will be its owner, and can invite others later."
            </p>
            <ActionForm action=register attr:class="inline-form" attr:data-testid="register-form">
                <label class="field field--wide">
                    <span>"Namespace name"</span>
                    <input
                        name="namespace"
                        value=workspaces.suggested_namespace
                        required
                        maxlength="63"
                        pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?"
                        title="lowercase letters, digits and '-', starting and ending with a letter or digit"
                        data-testid="register-name"
                    />
                </label>
                <button type="submit" class="button button--primary" data-testid="register-submit">"Create namespace"</button>
            </ActionForm>
            {move || register.value().get().and_then(Result::err).map(|error| view! {
                <p class="form-error" role="alert" data-testid="register-error">{error.to_string()}</p>
            })}
        </section>
    }
    .into_any()
}
