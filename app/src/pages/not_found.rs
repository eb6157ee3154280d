use crate::components::layout::use_links;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_location};

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let carried = use_links();
    let path = use_location().pathname;
    view! {
        <Title text="Page not found" />
        <section class="card not-found" data-testid="not-found">
            <p class="not-found__code">"404"</p>
            <h1>"Page not found"</h1>
            <p class="muted">
                "Nothing lives at " <code>{move || path.get()}</code> ". It may have been moved or deleted."
            </p>
            <A href=move || carried.read().href("/") attr:class="button button--primary">"Back to home"</A>
        </section>
    }
}
