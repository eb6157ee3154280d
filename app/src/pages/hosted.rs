//! `/_/<app path>`: an upstream Kubeflow app (Volumes, TensorBoards, KServe…) framed inside
//! kfdash, for menu links with `iframe: true`.
//!
//! - The address bar follows the frame: when the app navigates, kfdash replaces its own URL
//!   (never pushes, so history holds only the app's own entries and Back steps through them);
//!   when kfdash's URL names another page of the app, the frame loads it.
//! - The upstream namespace protocol: an app that posts `iframe-connected` is answered with
//!   `parent-connected`, then gets `namespace-selected` (or `all-namespaces` with the list)
//!   now and on every change. `/dashboard_lib.bundle.js` is the app side of it.
//! - Only paths under a configured app are framed, and only on this site.

use crate::components::layout::{LinksResource, use_links};
use crate::domain::nav::LinkContext;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// The app path of a `/_/…` location: `/volumes/x` of `/kubeflow/_/volumes/x`.
fn app_path(base: &str, pathname: &str) -> String {
    let path = pathname.strip_prefix(base).unwrap_or(pathname);
    path.strip_prefix("/_").unwrap_or(path).to_string()
}

/// The frame's address for the app path and kfdash's query (kfdash's embed flag left out).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn frame_src(path: &str, search: &str) -> String {
    let query: Vec<(String, String)> = form_urlencoded::parse(search.as_bytes())
        .filter(|(key, _)| key != "embed")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if query.is_empty() {
        return path.to_string();
    }
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    serializer.extend_pairs(query);
    format!("{path}?{}", serializer.finish())
}

#[component]
pub fn HostedAppPage() -> impl IntoView {
    let carried = use_links();
    let location = use_location();
    let links = expect_context::<LinksResource>();

    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let config = links.get()?.ok()?;
                let base = carried.read_untracked().base.clone();
                let path = app_path(&base, &location.pathname.get_untracked());
                let Some(app) = crate::domain::links::hosted_app(&config.menu_links, &path) else {
                    return Some(view! {
                        <Title text="App not found" />
                        <div class="card empty" data-testid="hosted-unknown">
                            <h1>"This app isn't part of this dashboard"</h1>
                            <p class="muted">
                                "kfdash shows only the apps its links configuration marks with "
                                <code>"iframe: true"</code> "."
                            </p>
                        </div>
                    }
                    .into_any());
                };
                let title = app.text.clone();
                Some(view! {
                    <Title text=title.clone() />
                    <HostedFrame title carried />
                }
                .into_any())
            }}
        </Transition>
    }
}

/// The frame gets its address only in the browser, once kfdash listens: an app that loaded
/// first would say `iframe-connected` to nobody.
#[component]
fn HostedFrame(title: String, carried: Memo<LinkContext>) -> impl IntoView {
    let frame = NodeRef::<leptos::html::Iframe>::new();
    #[cfg(feature = "hydrate")]
    browser::sync(frame, carried);
    #[cfg(not(feature = "hydrate"))]
    let _ = carried;
    view! {
        <iframe
            class="hosted-app"
            data-testid="hosted-app"
            title=title
            node_ref=frame
        ></iframe>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{app_path, frame_src};
    use crate::components::layout::WorkspacesResource;
    use crate::domain::embed::navigation_href;
    use crate::domain::nav::{ALL_NAMESPACES, LinkContext};
    use leptos::prelude::*;
    use leptos_router::{NavigateOptions, hooks::use_location};
    use std::time::Duration;
    use wasm_bindgen::{JsCast, JsValue};

    /// How often the frame's address is compared with kfdash's: apps navigate with
    /// `history.pushState`, which fires no event the parent can hear.
    const FOLLOW_EVERY: Duration = Duration::from_millis(250);

    /// The frame's address (path, query, fragment), if it is an app on this site.
    fn frame_location(frame: &web_sys::HtmlIFrameElement) -> Option<(String, String)> {
        let location = frame.content_window()?.location();
        // A page of another site throws here: it is then left alone.
        let pathname = location.pathname().ok()?;
        let full = format!(
            "{pathname}{}{}",
            location.search().ok()?,
            location.hash().ok()?
        );
        Some((pathname, full))
    }

    pub fn sync(frame: NodeRef<leptos::html::Iframe>, carried: Memo<LinkContext>) {
        let location = use_location();
        let navigate = crate::components::layout::use_href_navigate();
        // The app path the frame shows (or was last told to load); none at first.
        let shown = StoredValue::new(String::new());

        // kfdash's address → the frame, when it names another page than the frame shows.
        Effect::new(move |_| {
            let base = carried.read().base.clone();
            let path = app_path(&base, &location.pathname.get());
            let search = location.search.get();
            if path != shown.get_value()
                && let Some(frame) = frame.get()
            {
                shown.set_value(path.clone());
                frame.set_src(&frame_src(&path, &search));
            }
        });

        // The frame's address → kfdash's, replacing the current entry.
        let follow = move || {
            let Some((pathname, full)) = frame.get_untracked().and_then(|f| frame_location(&f))
            else {
                return;
            };
            if pathname == "blank" || pathname.is_empty() {
                return;
            }
            let wanted = navigation_href(&carried.get_untracked(), &format!("/_{full}"));
            let current = format!(
                "{}{}{}",
                location.pathname.get_untracked(),
                match location.search.get_untracked() {
                    search if search.is_empty() => String::new(),
                    search => format!("?{search}"),
                },
                location.hash.get_untracked()
            );
            if wanted != current {
                shown.set_value(pathname);
                navigate(
                    &wanted,
                    NavigateOptions {
                        replace: true,
                        scroll: false,
                        ..Default::default()
                    },
                );
            }
        };
        if let Ok(interval) = set_interval_with_handle(follow, FOLLOW_EVERY) {
            on_cleanup(move || interval.clear());
        }

        namespace_protocol(frame, carried);
    }

    /// The upstream apps' side of the namespace protocol, answered for the framed app and for
    /// windows it opened, when they are pages of this site.
    fn namespace_protocol(frame: NodeRef<leptos::html::Iframe>, carried: Memo<LinkContext>) {
        let workspaces = expect_context::<WorkspacesResource>();
        // The windows that connected; a signal so the effect below re-runs when one joins.
        let connected = RwSignal::new_local(Vec::<web_sys::Window>::new());
        let own_origin = window().location().origin().unwrap_or_default();

        let message = move || -> Option<JsValue> {
            let namespace = carried.read().namespace.clone()?;
            let data = if namespace == ALL_NAMESPACES {
                let names: Vec<String> = workspaces
                    .get()
                    .and_then(Result::ok)
                    .map(|w| w.namespaces.into_iter().map(|row| row.name).collect())
                    .unwrap_or_default();
                serde_json::json!({"type": "all-namespaces", "value": names})
            } else {
                serde_json::json!({"type": "namespace-selected", "value": namespace})
            };
            js_sys::JSON::parse(&data.to_string()).ok()
        };

        let target = own_origin.clone();
        let handle = window_event_listener(leptos::ev::message, move |event| {
            let Some(frame_window) = frame.get_untracked().and_then(|f| f.content_window()) else {
                return;
            };
            // `instanceof Window` is false for another document's window: no checked cast.
            let Some(source) = event
                .source()
                .map(|source| source.unchecked_into::<web_sys::Window>())
            else {
                return;
            };
            let ours = js_sys::Object::is(&source, &frame_window)
                || source
                    .opener()
                    .is_ok_and(|opener| js_sys::Object::is(&opener, &frame_window));
            if !ours || event.origin() != target {
                return;
            }
            let kind = js_sys::Reflect::get(&event.data(), &JsValue::from_str("type"))
                .ok()
                .and_then(|kind| kind.as_string());
            if kind.as_deref() != Some("iframe-connected") {
                return;
            }
            if let Ok(hello) = js_sys::JSON::parse(r#"{"type":"parent-connected","value":null}"#) {
                let _ = source.post_message(&hello, &target);
            }
            connected.update(|windows| {
                windows.retain(|window| !window.closed().unwrap_or(true));
                if !windows
                    .iter()
                    .any(|known| js_sys::Object::is(known, &source))
                {
                    windows.push(source);
                }
            });
        });
        on_cleanup(move || handle.remove());

        // The current namespace reaches every connected window now and on every change.
        Effect::new(move |_| {
            let Some(data) = message() else {
                return;
            };
            connected.with(|windows| {
                for window in windows {
                    let _ = window.post_message(&data, &own_origin);
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_path_is_what_follows_the_hosting_prefix() {
        assert_eq!(app_path("", "/_/volumes/"), "/volumes/");
        assert_eq!(app_path("/kubeflow", "/kubeflow/_/volumes/x"), "/volumes/x");
        assert_eq!(app_path("", "/_/tensorboards"), "/tensorboards");
    }

    #[test]
    fn the_frame_keeps_the_apps_query_but_not_kfdash_embed_mode() {
        assert_eq!(frame_src("/volumes/", ""), "/volumes/");
        assert_eq!(
            frame_src("/volumes/", "ns=team-a&embed=1&tab=2"),
            "/volumes/?ns=team-a&tab=2"
        );
    }
}
