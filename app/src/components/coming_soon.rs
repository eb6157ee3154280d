//! The honest state of a page whose feature has not landed yet: what it will do, no fake data.

use crate::components::icon::{Icon, IconKind};
use leptos::prelude::*;

#[component]
pub fn ComingSoon(
    /// The icon of the section.
    icon: IconKind,
    /// What the page will be for, in a sentence.
    summary: &'static str,
    /// What users will be able to do here.
    planned: &'static [&'static str],
) -> impl IntoView {
    view! {
        <section class="card empty-state" data-testid="coming-soon">
            <div class="empty-state__icon">
                <Icon kind=icon />
            </div>
            <div>
                <p class="pill pill--muted">"Coming soon"</p>
                <p class="empty-state__summary">{summary}</p>
                <ul class="empty-state__list">
                    {planned.iter().map(|item| view! { <li>{*item}</li> }).collect_view()}
                </ul>
            </div>
        </section>
    }
}
