//! Live lists: the browser side of the server's `/api/watch/*` streams (server-sent events).
//! The EventSource reconnects by itself after a drop; the server then starts with a fresh
//! snapshot, so the page never shows a stale list.

use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// Whether the page is receiving live updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    Connecting,
    Live,
    /// Dropped; the browser is reconnecting.
    Reconnecting,
}

/// Whether the page is following its stream: a dot and a word, for lists, graphs and tables
/// that update live.
#[component]
pub fn LiveBadge(live: ReadSignal<LiveState>) -> impl IntoView {
    let state = move || match live.get() {
        LiveState::Live => ("live", "Live"),
        LiveState::Connecting => ("connecting", "Connecting…"),
        LiveState::Reconnecting => ("reconnecting", "Reconnecting…"),
    };
    view! {
        <span class="live" data-testid="live-state" data-state=move || state().0>
            <span class="live__dot" aria-hidden="true"></span>
            {move || state().1}
        </span>
    }
}

/// Follows the stream at `url` (None: nothing to follow), handing each message to `on_change`.
/// Reopens when the URL changes; closes when the component goes away.
pub fn follow<T, F>(url: Signal<Option<String>>, on_change: F) -> ReadSignal<LiveState>
where
    T: DeserializeOwned + 'static,
    F: Fn(T) + Clone + 'static,
{
    let (state, set_state) = signal(LiveState::Connecting);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, closure::Closure};
        use web_sys::{EventSource, MessageEvent};

        struct Open {
            source: EventSource,
            _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
        }
        let open: StoredValue<Option<Open>, LocalStorage> = StoredValue::new_local(None);
        let close = move || {
            if let Some(previous) = open.try_update_value(Option::take).flatten() {
                previous.source.close();
            }
        };
        Effect::new(move |_| {
            close();
            let Some(url) = url.get() else {
                return;
            };
            set_state.set(LiveState::Connecting);
            let Ok(source) = EventSource::new(&url) else {
                set_state.set(LiveState::Reconnecting);
                return;
            };
            let on_change = on_change.clone();
            let on_message =
                Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                    let Some(text) = event
                        .dyn_ref::<MessageEvent>()
                        .and_then(|message| message.data().as_string())
                    else {
                        return;
                    };
                    match serde_json::from_str::<T>(&text) {
                        Ok(change) => {
                            set_state.set(LiveState::Live);
                            on_change(change);
                        }
                        Err(error) => {
                            leptos::logging::warn!("a live update could not be read: {error}")
                        }
                    }
                });
            let on_open =
                Closure::<dyn FnMut(web_sys::Event)>::new(move |_| set_state.set(LiveState::Live));
            let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                set_state.set(LiveState::Reconnecting)
            });
            source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            open.set_value(Some(Open {
                source,
                _handlers: vec![on_message, on_open, on_error],
            }));
        });
        on_cleanup(close);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, on_change, set_state);
    state
}

/// Seconds since the Unix epoch, now: in the browser from its clock, on the server from the
/// system's.
pub fn now_seconds() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}
