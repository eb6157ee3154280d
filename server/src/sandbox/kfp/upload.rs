//! An uploaded pipeline file: the `uploadfile` part of a multipart form, read as KFP reads it
//! (v2 IR or v1 Argo YAML/JSON, or an archive holding one), kept as text and as JSON.

use app::domain::pipeline::{
    MAX_ALIAS_EXPANSION, MAX_FILE_BYTES, MAX_NESTING_DEPTH, MAX_YAML_ALIASES, MAX_YAML_DOCUMENTS,
    archive_member, parse_pipeline_file,
};
use app::model::pipeline::{PipelineFormat, PipelineGraph};
use serde_json::{Value, json};

/// A file sent in a multipart form.
#[derive(Debug)]
pub struct FormFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The part named `field` of a `multipart/form-data` body.
pub fn form_file(content_type: &str, body: &[u8], field: &str) -> Result<FormFile, String> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|parameter| parameter.strip_prefix("boundary="))
        .map(|boundary| boundary.trim_matches('"'))
        .filter(|_| content_type.trim_start().starts_with("multipart/form-data"))
        .filter(|boundary| !boundary.is_empty())
        .ok_or("the upload must be a multipart/form-data request with the file in the field \"uploadfile\"")?;
    let first = format!("--{boundary}");
    // Every delimiter after the first starts on a new line, which is not part of the content.
    let delimiter = format!("\r\n--{boundary}");
    let mut at =
        find(body, first.as_bytes(), 0).ok_or("the multipart body has no parts")? + first.len();
    loop {
        if body[at..].starts_with(b"--") {
            break;
        }
        let headers_end =
            find(body, b"\r\n\r\n", at).ok_or("a multipart part has no end of headers")?;
        let headers = String::from_utf8_lossy(&body[at..headers_end]);
        let content_start = headers_end + 4;
        let next = find(body, delimiter.as_bytes(), content_start)
            .ok_or("the multipart body is cut short")?;
        let content_end = next;
        let disposition = headers
            .lines()
            .find(|line| {
                line.to_ascii_lowercase()
                    .starts_with("content-disposition:")
            })
            .unwrap_or_default();
        let parameter = |key: &str| {
            disposition.split(';').map(str::trim).find_map(|part| {
                part.strip_prefix(key)
                    .and_then(|rest| rest.strip_prefix('='))
                    .map(|value| value.trim_matches('"').to_string())
            })
        };
        if parameter("name").as_deref() == Some(field) {
            return Ok(FormFile {
                file_name: parameter("filename").unwrap_or_else(|| "pipeline.yaml".into()),
                bytes: body[content_start..content_end].to_vec(),
            });
        }
        at = next + delimiter.len();
    }
    Err(format!("the form has no file in the field {field:?}"))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|position| position + from)
}

/// A pipeline file read: its graph (and run parameters), the text KFP keeps, and that text as
/// the JSON `pipeline_spec` the API returns.
#[derive(Debug)]
pub struct PipelineFile {
    pub graph: PipelineGraph,
    pub manifest: String,
    pub spec: Value,
}

impl PipelineFile {
    pub fn format(&self) -> &'static str {
        match self.graph.format {
            PipelineFormat::V2Ir => "v2_ir",
            _ => "v1_argo",
        }
    }
}

/// Reads an uploaded file; the error is the parser's, naming the file, line and field.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<PipelineFile, String> {
    let graph = parse_pipeline_file(file_name, bytes).map_err(|error| error.to_string())?;
    let text = match archive_member(file_name, bytes).map_err(|error| error.to_string())? {
        Some((_, member)) => member,
        None => bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(bytes)
            .to_vec(),
    };
    let manifest = String::from_utf8(text)
        .map_err(|_| format!("{file_name}: the pipeline file is not UTF-8 text"))?;
    let documents = documents(&manifest).map_err(|error| format!("{file_name}: {error}"))?;
    let spec = match graph.format {
        PipelineFormat::V2Ir => {
            let is_spec = |d: &&Value| d.get("root").is_some() || d.get("pipelineInfo").is_some();
            let pipeline = documents.iter().find(is_spec).cloned().unwrap_or_default();
            // KFP returns a spec with platform settings as the pair.
            match documents.iter().find(|d| d.get("platforms").is_some()) {
                Some(platform) => json!({ "pipeline_spec": pipeline, "platform_spec": platform }),
                None => pipeline,
            }
        }
        // A Workflow, or one saved without its type (read by its entrypoint and templates).
        _ => documents
            .into_iter()
            .find(|d| match d.get("kind") {
                Some(kind) => kind.as_str() == Some("Workflow"),
                None => d.pointer("/spec/templates").is_some(),
            })
            .unwrap_or_default(),
    };
    Ok(PipelineFile {
        graph,
        manifest,
        spec,
    })
}

/// The documents of a YAML (or JSON) text, inside the limits the parser checked it against.
fn documents(text: &str) -> Result<Vec<Value>, String> {
    if text.trim_start().starts_with('{')
        && let Ok(document) = serde_json::from_str(text)
    {
        return Ok(vec![document]);
    }
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_NESTING_DEPTH,
            flow_nesting_limit: MAX_NESTING_DEPTH,
            max_documents: MAX_YAML_DOCUMENTS,
            max_aliases: MAX_YAML_ALIASES,
            max_events: MAX_FILE_BYTES,
            max_nodes: MAX_FILE_BYTES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EXPANSION,
        },
    };
    let documents: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|error| format!("cannot keep the pipeline as JSON: {error}"))?;
    Ok(documents.into_iter().filter(|d| !d.is_null()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uploadfile_part_is_found_among_others() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nnot this\r\n--XyZ\r\nContent-Disposition: form-data; name=\"uploadfile\"; filename=\"hello.yaml\"\r\nContent-Type: application/octet-stream\r\n\r\nline one\r\nline two\r\n--XyZ--\r\n";
        let file = form_file("multipart/form-data; boundary=XyZ", body, "uploadfile").unwrap();
        assert_eq!(file.file_name, "hello.yaml");
        assert_eq!(file.bytes, b"line one\r\nline two");
        assert!(
            form_file("multipart/form-data; boundary=XyZ", body, "missing")
                .unwrap_err()
                .contains("\"missing\"")
        );
        assert!(
            form_file("application/json", body, "uploadfile")
                .unwrap_err()
                .contains("multipart/form-data")
        );
        assert!(
            form_file(
                "multipart/form-data; boundary=XyZ",
                b"--XyZ\r\nbroken",
                "uploadfile"
            )
            .is_err()
        );
    }
}
