//! The upload on the wire: the query string `server/src/uploads.rs` reads, and in the browser,
//! reading the chosen file and POSTing its raw bytes with the CSRF header.

/// The upload query string, as `server/src/uploads.rs` reads it.
pub(super) fn upload_query(
    namespace: &str,
    file_name: &str,
    name: &str,
    description: &str,
    shared: bool,
    pipeline_id: Option<&str>,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("ns", namespace)
        .append_pair("file_name", file_name)
        .append_pair("name", name.trim())
        .append_pair("description", description.trim())
        .append_pair("shared", if shared { "true" } else { "false" });
    if let Some(id) = pipeline_id {
        query.append_pair("pipeline_id", id);
    }
    query.finish()
}

/// The file's bytes. A fetch `Response` reads a `Blob` as a promise, which gloo-net (the fetch
/// wrapper server functions already use) awaits: no extra dependency for one read.
#[cfg(feature = "hydrate")]
pub(super) async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let response =
        web_sys::Response::new_with_opt_blob(Some(file)).map_err(|error| format!("{error:?}"))?;
    server_fn::response::browser::Response::from(response)
        .binary()
        .await
        .map_err(|error| error.to_string())
}

/// POSTs the raw file; the server's `AppError` message on refusal.
#[cfg(feature = "hydrate")]
pub(super) async fn send(url: &str, bytes: &[u8]) -> Result<crate::model::kfp::Uploaded, String> {
    use crate::model::AppError;
    let body = js_sys::Uint8Array::from(bytes);
    let response = server_fn::request::browser::Request::post(url)
        .header(crate::api::CSRF_HEADER, "1")
        .header("content-type", "application/octet-stream")
        .body(body)
        .map_err(|error| error.to_string())?
        .send()
        .await
        .map_err(|error| format!("the upload did not reach the server: {error}"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if (200..300).contains(&status) {
        return serde_json::from_str(&text)
            .map_err(|error| format!("the server's answer could not be read: {error}"));
    }
    Err(match serde_json::from_str::<AppError>(&text) {
        Ok(error) => error.to_string(),
        Err(_) => format!("the server answered {status}: {}", text.trim()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_carries_what_the_server_reads() {
        assert_eq!(
            upload_query("team a", "p.yaml", " Train ", "", false, None),
            "ns=team+a&file_name=p.yaml&name=Train&description=&shared=false"
        );
        assert!(
            upload_query("t", "p.yaml", "v2", "", false, Some("abc")).ends_with("&pipeline_id=abc")
        );
    }
}
