//! From bytes to YAML/JSON documents, inside the size, depth and alias limits.

use super::error::{Source, mebibytes};
use super::{
    MAX_ALIAS_EXPANSION, MAX_FILE_BYTES, MAX_NESTING_DEPTH, MAX_YAML_ALIASES, MAX_YAML_DOCUMENTS,
};
use crate::model::pipeline::{ParseErrorKind, PipelineParseError};
use serde::de::DeserializeOwned;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{MessageFormatter, UserMessageFormatter};

const NOT_TEXT: &str = "pipeline files are YAML or JSON text, or a .zip / .tar.gz archive of one";

pub(super) fn check_size(source: &Source, bytes: usize) -> Result<(), PipelineParseError> {
    if bytes > MAX_FILE_BYTES {
        return Err(source.too_large(format!(
            "the file is {}; the limit is {}",
            mebibytes(bytes as u64),
            mebibytes(MAX_FILE_BYTES as u64)
        )));
    }
    Ok(())
}

/// The file as UTF-8 text (without a byte-order mark), or why it isn't text. Callers have
/// checked the size.
pub(super) fn decode<'a>(source: &Source, bytes: &'a [u8]) -> Result<&'a str, PipelineParseError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(source.syntax(None, "the file is UTF-16 text; save it as UTF-8"));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let at = error.valid_up_to();
        source.syntax(
            Some(place_of(bytes, at)),
            format!("not a text file (byte {at} is not UTF-8): {NOT_TEXT}"),
        )
    })?;
    if let Some(at) = text.find('\0') {
        return Err(source.syntax(
            Some(place_of(bytes, at)),
            format!("not a text file (it holds NUL bytes): {NOT_TEXT}"),
        ));
    }
    if text.trim().is_empty() {
        return Err(source.invalid(None, None, "the file is empty"));
    }
    Ok(text)
}

/// The documents of a YAML stream, or the one document of a JSON file.
pub(super) fn documents<T: DeserializeOwned>(
    source: &Source,
    text: &str,
) -> Result<Vec<T>, PipelineParseError> {
    if looks_like_json(text) {
        check_json_depth(source, text)?;
        match serde_json::from_str(text) {
            Ok(document) => return Ok(vec![document]),
            // JSON-looking YAML (`{a: b}`) is still YAML; report as JSON only if it isn't.
            Err(error) if error.is_data() => return Err(json_error(source, &error)),
            Err(error) => {
                return serde_saphyr::from_multiple_with_options(text, yaml_options())
                    .map_err(|_| json_error(source, &error));
            }
        }
    }
    serde_saphyr::from_multiple_with_options(text, yaml_options())
        .map_err(|error| yaml_error(source, &error))
}

/// One JSON document (a run's workflow), inside the depth limit.
pub(super) fn json<T: DeserializeOwned>(
    source: &Source,
    bytes: &[u8],
) -> Result<T, PipelineParseError> {
    let text = decode(source, bytes)?;
    check_json_depth(source, text)?;
    serde_json::from_str(text).map_err(|error| json_error(source, &error))
}

fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with(['{', '['])
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_NESTING_DEPTH,
            flow_nesting_limit: MAX_NESTING_DEPTH,
            max_documents: MAX_YAML_DOCUMENTS,
            max_aliases: MAX_YAML_ALIASES,
            // The input size bounds these; only aliases amplify, and they have their own budget.
            max_events: MAX_FILE_BYTES,
            max_nodes: MAX_FILE_BYTES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EXPANSION,
        },
        emit_comments: false,
        with_snippet: false,
    }
}

fn yaml_error(source: &Source, error: &serde_saphyr::Error) -> PipelineParseError {
    let place = error
        .location()
        .filter(|location| location.line() > 0)
        .map(|location| (location.line() as u32, location.column() as u32));
    let too_large = |message: String| source.error(ParseErrorKind::TooLarge, place, None, message);
    let deeper = || format!("nested deeper than {MAX_NESTING_DEPTH} levels");
    let aliases = || {
        format!(
            "the YAML aliases expand to more than {MAX_ALIAS_EXPANSION} values \
             (a \"billion laughs\" file?)"
        )
    };
    match error {
        serde_saphyr::Error::AliasError { error, .. } => yaml_error(source, error),
        serde_saphyr::Error::Budget { breach, .. } => too_large(match breach {
            BudgetBreach::Depth { .. } => deeper(),
            BudgetBreach::Aliases { .. } => {
                format!("more than {MAX_YAML_ALIASES} YAML aliases")
            }
            BudgetBreach::Documents { .. } => {
                format!("more than {MAX_YAML_DOCUMENTS} YAML documents")
            }
            _ => format!("the YAML is too large or too complex ({breach:?})"),
        }),
        serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. } => too_large(aliases()),
        _ => {
            let message = UserMessageFormatter.format_message(error);
            if message.contains("recursion limit exceeded") {
                too_large(deeper())
            } else {
                source.syntax(place, format!("not valid YAML: {message}"))
            }
        }
    }
}

fn json_error(source: &Source, error: &serde_json::Error) -> PipelineParseError {
    let place = (error.line() > 0).then(|| (error.line() as u32, error.column() as u32));
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    source.syntax(place, format!("not valid JSON: {message}"))
}

/// Refuses JSON nested deeper than the limit before any parser recurses into it.
fn check_json_depth(source: &Source, text: &str) -> Result<(), PipelineParseError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, byte) in text.bytes().enumerate() {
        match (in_string, byte) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') => in_string = false,
            (true, _) => {}
            (false, b'"') => in_string = true,
            (false, b'{' | b'[') => {
                depth += 1;
                if depth > MAX_NESTING_DEPTH {
                    return Err(source.error(
                        ParseErrorKind::TooLarge,
                        Some(place_of(text.as_bytes(), at)),
                        None,
                        format!("nested deeper than {MAX_NESTING_DEPTH} levels"),
                    ));
                }
            }
            (false, b'}' | b']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// 1-based line and column of a byte offset.
fn place_of(bytes: &[u8], at: usize) -> (u32, u32) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let column = at
        - before
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line as u32, column as u32)
}
