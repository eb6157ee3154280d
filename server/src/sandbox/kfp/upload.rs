//! An uploaded pipeline file: the `uploadfile` part of a multipart form, read as KFP reads it
//! (v2 IR or v1 Argo YAML/JSON, or an archive holding one), kept as text and as JSON.

use app::domain::pipeline::{
    MAX_ALIAS_EXPANSION, MAX_ARCHIVE_MEMBERS, MAX_DECOMPRESSED_BYTES, MAX_FILE_BYTES,
    MAX_MEMBER_BYTES, MAX_NESTING_DEPTH, MAX_YAML_ALIASES, MAX_YAML_DOCUMENTS, parse_pipeline_file,
};
use app::model::pipeline::{PipelineFormat, PipelineGraph};
use serde_json::{Value, json};
use std::io::Read;

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
    let text = match archive_member(bytes)? {
        Some(member) => member,
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

/// KFP's choice of member: `pipeline.yaml`, else the first `.yaml`/`.yml`.
fn chosen(names: &[String]) -> Option<usize> {
    let yaml = |name: &str| {
        let name = name.to_ascii_lowercase();
        !name.ends_with('/') && (name.ends_with(".yaml") || name.ends_with(".yml"))
    };
    names
        .iter()
        .position(|name| name.rsplit('/').next() == Some("pipeline.yaml"))
        .or_else(|| names.iter().position(|name| yaml(name)))
}

fn bounded(reader: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|error| format!("cannot decompress the archive: {error}"))?;
    if out.len() as u64 > limit {
        return Err("the archive decompresses past the upload limits".into());
    }
    Ok(out)
}

/// The pipeline member's bytes when `bytes` is a .zip or .tar.gz; the parser has already
/// accepted the archive, so this only finds the same member again.
fn archive_member(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    if bytes.starts_with(b"PK") {
        return zip_member(bytes).map(Some);
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let tar = bounded(
            flate2::read::MultiGzDecoder::new(bytes),
            MAX_DECOMPRESSED_BYTES,
        )?;
        return tar_member(&tar).map(Some);
    }
    Ok(None)
}

fn tar_member(tar: &[u8]) -> Result<Vec<u8>, String> {
    let mut entries: Vec<(String, usize, usize)> = Vec::new();
    let mut at = 0;
    while at + 512 <= tar.len() && entries.len() <= MAX_ARCHIVE_MEMBERS {
        let header = &tar[at..at + 512];
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let text = |range: std::ops::Range<usize>| {
            let field = &header[range];
            let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
            String::from_utf8_lossy(&field[..end]).trim().to_string()
        };
        let size = usize::from_str_radix(&text(124..136), 8).unwrap_or(0);
        let prefix = text(345..500);
        let name = match prefix.is_empty() {
            true => text(0..100),
            false => format!("{prefix}/{}", text(0..100)),
        };
        let regular = matches!(header[156], 0 | b'0');
        if regular {
            entries.push((name, at + 512, size));
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    let names: Vec<String> = entries.iter().map(|(name, ..)| name.clone()).collect();
    let (_, start, size) = chosen(&names)
        .map(|index| entries[index].clone())
        .ok_or("the archive has no pipeline.yaml and no other .yaml or .yml file")?;
    tar.get(start..start + size)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| "the archive is cut short".into())
}

fn zip_member(zip: &[u8]) -> Result<Vec<u8>, String> {
    let u16_at = |at: usize| {
        zip.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u32_at = |at: usize| {
        zip.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let broken = || "the .zip archive is malformed".to_string();
    let end = (0..zip.len().saturating_sub(21))
        .rev()
        .take(65_557)
        .find(|&at| zip[at..].starts_with(b"PK\x05\x06"))
        .ok_or_else(broken)?;
    let count = u16_at(end + 10)
        .ok_or_else(broken)?
        .min(MAX_ARCHIVE_MEMBERS);
    let mut at = u32_at(end + 16).ok_or_else(broken)?;
    let mut entries = Vec::new();
    for _ in 0..count {
        if !zip
            .get(at..)
            .is_some_and(|rest| rest.starts_with(b"PK\x01\x02"))
        {
            return Err(broken());
        }
        let method = u16_at(at + 10).ok_or_else(broken)?;
        let compressed = u32_at(at + 20).ok_or_else(broken)?;
        let name_length = u16_at(at + 28).ok_or_else(broken)?;
        let extra = u16_at(at + 30).ok_or_else(broken)?;
        let comment = u16_at(at + 32).ok_or_else(broken)?;
        let local = u32_at(at + 42).ok_or_else(broken)?;
        let name = zip.get(at + 46..at + 46 + name_length).ok_or_else(broken)?;
        entries.push((
            String::from_utf8_lossy(name).into_owned(),
            method,
            compressed,
            local,
        ));
        at += 46 + name_length + extra + comment;
    }
    let names: Vec<String> = entries.iter().map(|(name, ..)| name.clone()).collect();
    let (_, method, compressed, local) = chosen(&names)
        .map(|index| entries[index].clone())
        .ok_or("the archive has no pipeline.yaml and no other .yaml or .yml file")?;
    let data_start = local
        + 30
        + u16_at(local + 26).ok_or_else(broken)?
        + u16_at(local + 28).ok_or_else(broken)?;
    let data = zip
        .get(data_start..data_start + compressed)
        .ok_or_else(broken)?;
    match method {
        0 => Ok(data.to_vec()),
        8 => bounded(flate2::read::DeflateDecoder::new(data), MAX_MEMBER_BYTES),
        other => Err(format!(
            "the .zip member uses compression method {other}, which KFP doesn't read"
        )),
    }
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

    #[test]
    fn pipeline_member_of_archives_is_the_one_kfp_picks() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            chosen(&names(&["component.yaml", "dir/pipeline.yaml"])),
            Some(1)
        );
        assert_eq!(
            chosen(&names(&["README.md", "dir/", "a.YML", "b.yaml"])),
            Some(2)
        );
        assert_eq!(chosen(&names(&["README.md"])), None);
    }
}
