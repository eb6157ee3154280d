#![recursion_limit = "256"]
//! kfdash's Leptos app, compiled twice: natively with `ssr` for the server, and to WASM with
//! `hydrate` for the browser. Server-only code lives under `backend` and never reaches WASM.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod charts;
pub mod components;
pub mod domain;
pub mod model;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod shell;

pub use routes::App;

/// The browser entry point: called by the hydration script that the shell emits.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server functions live under the same base path as the pages.
    let base = routes::base_path();
    if !base.is_empty() {
        server_fn::client::set_server_url(Box::leak(base.into_boxed_str()));
    }
    leptos::mount::hydrate_body(App);
}
