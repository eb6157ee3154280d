//! Building `PipelineParseError`s that name the file, the line and the field.

use super::tree::Key;
use crate::model::pipeline::{ParseErrorKind, PipelineParseError};

/// The file being read, for error messages.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub file: String,
}

impl Source {
    pub fn new(file: &str) -> Self {
        Self { file: file.into() }
    }

    /// An archive's member, named after the archive it came from.
    pub fn member(&self, member: &str) -> Self {
        Self {
            file: format!("{} ({member})", self.file),
        }
    }

    pub fn error(
        &self,
        kind: ParseErrorKind,
        place: Option<(u32, u32)>,
        field: Option<String>,
        message: impl Into<String>,
    ) -> PipelineParseError {
        PipelineParseError {
            file: self.file.clone(),
            line: place.map(|(line, _)| line),
            column: place.map(|(_, column)| column),
            field,
            kind,
            message: message.into(),
        }
    }

    /// Valid YAML/JSON that isn't a pipeline KFP accepts; `at` is the offending field's key.
    pub fn invalid(
        &self,
        at: Option<&Key>,
        field: Option<String>,
        message: impl Into<String>,
    ) -> PipelineParseError {
        self.error(
            ParseErrorKind::Invalid,
            at.and_then(Key::place),
            field,
            message,
        )
    }

    /// `invalid` for a field path.
    pub fn field(
        &self,
        at: Option<&Key>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> PipelineParseError {
        self.invalid(at, Some(field.into()), message)
    }

    pub fn too_large(&self, message: impl Into<String>) -> PipelineParseError {
        self.error(ParseErrorKind::TooLarge, None, None, message)
    }

    pub fn syntax(
        &self,
        place: Option<(u32, u32)>,
        message: impl Into<String>,
    ) -> PipelineParseError {
        self.error(ParseErrorKind::Syntax, place, None, message)
    }
}

/// `1.5 MiB`, for limits and sizes in messages.
pub(super) fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib.fract() == 0.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}
