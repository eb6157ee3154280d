//! Reading an experiment from a file, in the browser: refused before reading when it is larger
//! than the server accepts, then put in the editor as text.

use super::Draft;
use leptos::prelude::*;

/// The state of the file the user chose, if any.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum FileRead {
    Reading(String),
    Read(String),
    Refused(String),
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn size_text(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KiB", (bytes / 1024.0).ceil())
    }
}

/// The text of a chosen file, read by the browser. A fetch `Response` reads a `Blob` as text
/// (as UTF-8) through gloo-net, which server functions already bring: no extra dependency.
#[cfg(feature = "hydrate")]
async fn read_text(file: &web_sys::File) -> Result<String, String> {
    let response =
        web_sys::Response::new_with_opt_blob(Some(file)).map_err(|error| format!("{error:?}"))?;
    server_fn::response::browser::Response::from(response)
        .text()
        .await
        .map_err(|error| error.to_string())
}

/// The file input: refuses files too large before reading them, then puts the text in.
#[component]
pub(super) fn FileChooser(draft: Draft, on_read: Callback<()>) -> impl IntoView {
    let state: RwSignal<Option<FileRead>> = RwSignal::new(None);
    // Reads finish out of order when the user picks again quickly: only the last one counts.
    let generation = StoredValue::new(0u32);
    let on_change = move |event: leptos::ev::Event| {
        generation.update_value(|n| *n += 1);
        #[cfg(feature = "hydrate")]
        {
            let current = generation.get_value();
            let input: web_sys::HtmlInputElement = event_target(&event);
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            // Choosing the same file again (after editing its text) reads it again.
            input.set_value("");
            let name = file.name();
            let limit = crate::domain::katib::MAX_EXPERIMENT_BYTES as f64;
            if file.size() > limit {
                state.set(Some(FileRead::Refused(format!(
                    "{name} is {}: experiments up to {} are accepted",
                    size_text(file.size()),
                    size_text(limit)
                ))));
                return;
            }
            state.set(Some(FileRead::Reading(name.clone())));
            leptos::task::spawn_local(async move {
                let read = read_text(&file).await;
                if generation.try_get_value() != Some(current) {
                    return;
                }
                match read {
                    Ok(text) => {
                        // Line numbers count "\n" as the textarea does.
                        draft.put_text(text.replace("\r\n", "\n"), false);
                        state.set(Some(FileRead::Read(name)));
                        on_read.run(());
                    }
                    Err(why) => state.set(Some(FileRead::Refused(format!(
                        "{name} could not be read: {why}"
                    )))),
                }
            });
        }
        // No file is chosen while rendering on the server.
        #[cfg(not(feature = "hydrate"))]
        let _ = (event, draft, on_read);
    };
    view! {
        <label class="field experiment-new__file">
            <span>"Read from a file"</span>
            <input type="file" accept=".yaml,.yml,.json" data-testid="experiment-file" on:change=on_change />
        </label>
        {move || state.get().map(|read| match read {
            FileRead::Reading(name) => view! {
                <span class="muted" data-testid="experiment-file-status">{format!("Reading {name}…")}</span>
            }
            .into_any(),
            FileRead::Read(name) => view! {
                <span class="muted" data-testid="experiment-file-status">{format!("Read {name}")}</span>
            }
            .into_any(),
            FileRead::Refused(message) => view! {
                <p class="form-error" role="alert" data-testid="experiment-file-error">{message}</p>
            }
            .into_any(),
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_kib_or_mib() {
        assert_eq!(size_text(2.0 * 1024.0 * 1024.0), "2.0 MiB");
        assert_eq!(size_text(1500.0), "2 KiB");
    }
}
