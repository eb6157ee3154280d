use crate::components::activity_feed::ActivityFeed;
use crate::components::layout::use_links;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ActivityPage() -> impl IntoView {
    let links = use_links();
    let namespace = Signal::derive(move || links.read().namespace.clone());
    view! {
        <Title text="Activity" />
        <div class="page-heading">
            <h1 data-testid="page-title">"Activity"</h1>
            <p class="muted">{move || match namespace.get() {
                Some(ns) => format!("What happened in {ns}, newest first."),
                None => "What happened in your namespace, newest first.".to_string(),
            }}</p>
        </div>
        <section class="card panel">
            <ActivityFeed namespace />
        </section>
    }
}
