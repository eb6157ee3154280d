//! The HTML document around the app, rendered on the server only.

use crate::App;
use crate::backend::{CSP_NONCE_HEADER, ServerContext};
use crate::domain::theme::Theme;
use leptos::nonce::{provide_nonce, use_nonce};
use leptos::prelude::*;
use leptos_meta::MetaTags;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    provide_nonce();
    hand_nonce_to_security_layer();
    let server = use_context::<ServerContext>();
    let base = server
        .as_ref()
        .map(|server| server.base_path.clone())
        .unwrap_or_default();
    // The hosts that may talk to kfdash when it is framed (`--embed-origins`).
    let embed_origins = server
        .map(|server| server.embed_origins.join(" "))
        .unwrap_or_default();
    let theme = chosen_theme().map(Theme::as_str);
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="kfdash-base-path" content=base.clone() />
                <meta name=crate::components::embed::ORIGINS_META content=embed_origins />
                <link rel="icon" type="image/svg+xml" href=format!("{base}/favicon.svg") />
                <link rel="stylesheet" href=format!("{base}/pkg/kfdash.css") />
                <HydrationScripts options root=base />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The security layer builds the CSP (it knows `frame-ancestors`); it only needs our nonce.
fn hand_nonce_to_security_layer() {
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&nonce) {
        response.insert_header(http::HeaderName::from_static(CSP_NONCE_HEADER), value);
    }
}

fn chosen_theme() -> Option<Theme> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(Theme::from_cookie_header)
}
