//! kfdash in a host portal's frame: it tells the host where it is, and takes the host's
//! requests. Messages are read only from the parent window and only from an origin listed in
//! `--embed-origins`; kfdash posts to each listed origin by name, never to `*`, so a page that
//! frames kfdash without being listed hears nothing. The protocol itself is `domain::embed`.

use crate::domain::nav::LinkContext;
use leptos::prelude::*;

/// The origins the server allows to talk to kfdash, from the shell's `<meta>`.
pub const ORIGINS_META: &str = "kfdash-embed-origins";

/// Starts the bridge once the page is interactive, if kfdash is framed by an allowed host.
#[component]
pub fn EmbedBridge(carried: Memo<LinkContext>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::start(carried);
    #[cfg(not(feature = "hydrate"))]
    let _ = carried;
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::domain::embed::{FrameMessage, HostMessage, navigation_href, parse_host_message};
    use crate::domain::nav::LinkContext;
    use leptos::prelude::*;
    use leptos_router::hooks::use_location;
    use std::{cell::Cell, rc::Rc, time::Duration};
    use wasm_bindgen::{JsCast, closure::Closure};

    fn allowed_origins() -> Vec<String> {
        document()
            .query_selector(&format!("meta[name={}]", super::ORIGINS_META))
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
            .map(|content| content.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// The parent window, when kfdash is framed.
    fn parent() -> Option<web_sys::Window> {
        let own = window();
        let parent = own.parent().ok().flatten()?;
        (!js_sys::Object::is(&own, &parent)).then_some(parent)
    }

    fn post(origins: &[String], message: &FrameMessage) {
        let (Some(parent), Ok(data)) = (parent(), js_sys::JSON::parse(&message.to_json())) else {
            return;
        };
        // Delivered only if the parent's origin is the one named; the others are dropped.
        for origin in origins {
            let _ = parent.post_message(&data, origin);
        }
    }

    pub fn start(carried: Memo<LinkContext>) {
        let origins = allowed_origins();
        if origins.is_empty() || parent().is_none() {
            return;
        }
        let location = use_location();
        let navigate = crate::components::layout::use_href_navigate();

        // Host → kfdash.
        let accepted = origins.clone();
        let handle = window_event_listener(leptos::ev::message, move |event| {
            let from_parent = parent()
                .zip(event.source())
                .is_some_and(|(parent, source)| js_sys::Object::is(&parent, &source));
            if !from_parent || !accepted.contains(&event.origin()) {
                return;
            }
            let Some(text) = js_sys::JSON::stringify(&event.data())
                .ok()
                .and_then(|text| text.as_string())
            else {
                return;
            };
            match parse_host_message(&text) {
                Ok(HostMessage::Navigate { path }) => {
                    navigate(
                        &navigation_href(&carried.get_untracked(), &path),
                        Default::default(),
                    );
                }
                Ok(HostMessage::SetNamespace { namespace }) => {
                    let mut next = carried.get_untracked();
                    next.namespace = Some(namespace);
                    navigate(
                        &next.at(&location.pathname.get_untracked()),
                        Default::default(),
                    );
                }
                Ok(HostMessage::SetTheme { properties }) => set_theme(&properties),
                Err(why) => {
                    leptos::logging::warn!("kfdash ignored a message from its host: {why}");
                }
            }
        });
        on_cleanup(move || handle.remove());

        // kfdash → host.
        post(&origins, &FrameMessage::Ready { version: 1 });

        let navigated = origins.clone();
        Effect::new(move |_| {
            let base = carried.read().base.clone();
            let pathname = location.pathname.get();
            let search = location.search.get();
            let path = pathname.strip_prefix(&base).unwrap_or(&pathname);
            let path = match (path.is_empty(), search.is_empty()) {
                (true, _) => "/".to_string(),
                (false, true) => path.to_string(),
                (false, false) => format!("{path}?{search}"),
            };
            // The title is set by the page's own effects; read it once they have run.
            let origins = navigated.clone();
            set_timeout(
                move || {
                    let title = document().title();
                    post(&origins, &FrameMessage::Navigated { path, title });
                },
                Duration::ZERO,
            );
        });

        let namespaced = origins.clone();
        Effect::new(move |_| {
            let namespace = carried.read().namespace.clone();
            post(&namespaced, &FrameMessage::NamespaceChanged { namespace });
        });

        observe_height(origins);
    }

    /// Posts the content's height whenever it changes, for hosts that size the frame to it.
    fn observe_height(origins: Vec<String>) {
        let Some(main) = document().get_element_by_id("main") else {
            return;
        };
        let last = Rc::new(Cell::new(0u32));
        let measured = main.clone();
        let on_resize = Closure::<dyn Fn()>::new(move || {
            let height = measured.get_bounding_client_rect().height().ceil().max(0.0) as u32;
            if height != last.replace(height) {
                post(&origins, &FrameMessage::Height { height });
            }
        });
        let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) else {
            return;
        };
        observer.observe(&main);
        // Lives as long as the page: the layout is never unmounted.
        on_resize.forget();
    }

    fn set_theme(properties: &[(String, String)]) {
        let Some(root) = document()
            .document_element()
            .and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return;
        };
        let style = root.style();
        for (name, value) in properties {
            let _ = style.set_property(name, value);
        }
    }
}
