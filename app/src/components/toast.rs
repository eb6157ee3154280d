//! Global notifications: any component can report an error, and it shows in one place until
//! the user dismisses it.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Error,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub kind: ToastKind,
    pub message: String,
}

/// The handle components use to show toasts; `Copy`, so closures can hold it.
#[derive(Debug, Clone, Copy)]
pub struct Toaster {
    toasts: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toaster {
    pub fn error(&self, message: impl Into<String>) {
        self.push(ToastKind::Error, message.into());
    }

    pub fn info(&self, message: impl Into<String>) {
        self.push(ToastKind::Info, message.into());
    }

    pub fn dismiss(&self, id: u64) {
        self.toasts
            .update(|toasts| toasts.retain(|toast| toast.id != id));
    }

    fn push(&self, kind: ToastKind, message: String) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.toasts.update(|toasts| {
            // The same error twice in a row (a retry loop, say) shows once.
            if toasts.last().is_none_or(|last| last.message != message) {
                toasts.push(Toast { id, kind, message });
            }
        });
    }
}

pub fn provide_toaster() -> Toaster {
    let toaster = Toaster {
        toasts: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    };
    provide_context(toaster);
    toaster
}

pub fn use_toaster() -> Toaster {
    use_context::<Toaster>().unwrap_or_else(provide_toaster)
}

/// Where toasts appear; rendered once by the layout.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toaster = use_toaster();
    view! {
        <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
            <For each=move || toaster.toasts.get() key=|toast| toast.id let:toast>
                <div
                    class="toast"
                    class:toast--error=toast.kind == ToastKind::Error
                    data-testid="toast"
                >
                    <span class="toast__message">{toast.message}</span>
                    <button
                        class="icon-button"
                        aria-label="Dismiss"
                        on:click=move |_| toaster.dismiss(toast.id)
                    >
                        <crate::components::icon::Icon kind=crate::components::icon::IconKind::Close />
                    </button>
                </div>
            </For>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn errors_render_as_text_never_as_markup() {
        let owner = Owner::new();
        owner.with(|| {
            let toaster = provide_toaster();
            toaster.error("<img src=x onerror=alert(1)>");
            toaster.error("<img src=x onerror=alert(1)>");
            toaster.info("saved");
            let html = view! { <ToastRegion /> }.to_html();
            assert!(
                html.contains("&lt;img src=x onerror=alert(1)&gt;"),
                "{html}"
            );
            assert!(!html.contains("<img"), "{html}");
            assert_eq!(
                html.matches("data-testid=\"toast\"").count(),
                2,
                "duplicates collapse: {html}"
            );
            assert_eq!(html.matches("toast--error").count(), 1, "{html}");
        });
    }
}
