//! Saving text the page made (a plot's SVG, its data as CSV) as a file, without a round trip:
//! a Blob, an object URL and a click on a temporary link.

/// Offers `text` as a download named `file_name`. Does nothing outside the browser.
#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
pub fn download(file_name: &str, mime: &str, text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return;
        };
        let document = leptos::prelude::document();
        if let Some(link) = document
            .create_element("a")
            .ok()
            .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            link.set_href(&url);
            link.set_download(file_name);
            link.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// A file name made of safe characters from names a user chose: "mnist_random-loss.csv".
pub fn file_name(parts: &[&str], extension: &str) -> String {
    let stem: String = parts
        .iter()
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-");
    let stem = stem.trim_matches('.');
    let stem = if stem.is_empty() { "download" } else { stem };
    format!("{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(
            file_name(&["mnist", "Validation accuracy"], "csv"),
            "mnist-Validation_accuracy.csv"
        );
        assert_eq!(file_name(&["../etc/passwd"], "svg"), "_etc_passwd.svg");
        assert_eq!(file_name(&[""], "svg"), "download.svg");
    }
}
