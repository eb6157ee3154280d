//! The light/dark switch. The choice lives in a cookie so the server renders it next time.

use crate::components::icon::{Icon, IconKind};
use leptos::prelude::*;

#[component]
pub fn ThemeToggle() -> impl IntoView {
    view! {
        <button
            class="icon-button theme-toggle"
            data-testid="theme-toggle"
            aria-label="Toggle dark theme"
            title="Toggle dark theme"
            on:click=move |_| toggle_theme(&crate::routes::base_path())
        >
            <Icon kind=IconKind::Moon class="theme-toggle__to-dark" />
            <Icon kind=IconKind::Sun class="theme-toggle__to-light" />
        </button>
    }
}

/// Flips the theme shown now (explicit, or the system's) and remembers the new choice.
fn toggle_theme(base: &str) {
    #[cfg(feature = "hydrate")]
    {
        use crate::domain::theme::Theme;
        use wasm_bindgen::JsCast;

        let document = document();
        let Some(root) = document.document_element() else {
            return;
        };
        let system_dark = window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|query| query.matches());
        let shown = root
            .get_attribute("data-theme")
            .and_then(|value| Theme::parse(&value))
            .unwrap_or(if system_dark {
                Theme::Dark
            } else {
                Theme::Light
            });
        let next = shown.toggled();
        let _ = root.set_attribute("data-theme", next.as_str());
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&next.cookie(base));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = base;
}
