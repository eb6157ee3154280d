//! KFP pipeline files and runs as graphs: reads v2 IR, v1 Argo Workflows and their archives,
//! refuses anything else with a message that points at the place to fix. Pure code, so the
//! browser can show the graph of a file before uploading it.

mod archive;
mod argo;
mod error;
pub mod graph;
mod ir;
mod runtime;
pub mod synthetic;
#[cfg(test)]
mod tests;
mod text;
pub(crate) mod tree;
pub mod view;

use crate::model::pipeline::{PipelineGraph, PipelineParseError};
use error::Source;
use tree::Tree;

pub use graph::{containment_edges, flat_edges, is_group, nesting_depth, transitive_reduction};
pub use ir::SCHEMA_VERSION;
pub use runtime::run_graph;
pub use view::{GraphView, VisibleNode, default_expanded, visible_graph};

/// The largest pipeline file (or archive) accepted, as KFP's upload limit.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// How deep YAML or JSON may nest (mappings and sequences); KFP files need about 12.
pub const MAX_NESTING_DEPTH: usize = 64;
/// How many `*alias` references one YAML file may use; compiled pipelines use none.
pub const MAX_YAML_ALIASES: usize = 1_000;
/// How many YAML events aliases may replay in total: what stops a "billion laughs" file.
pub const MAX_ALIAS_EXPANSION: usize = 100_000;
/// YAML documents in one file: KFP writes one, or two with platform settings.
pub const MAX_YAML_DOCUMENTS: usize = 16;
/// Members an archive may list.
pub const MAX_ARCHIVE_MEMBERS: usize = 1_000;
/// What one archive member may decompress to.
pub const MAX_MEMBER_BYTES: u64 = MAX_FILE_BYTES as u64;
/// What an archive, or a run's `compressedNodes`, may decompress to in total.
pub const MAX_DECOMPRESSED_BYTES: u64 = 64 * 1024 * 1024;
/// Nodes in one graph: sub-pipelines used many times multiply.
pub const MAX_GRAPH_NODES: usize = 100_000;

/// Reads an uploaded pipeline file (v2 IR YAML or JSON, v1 Argo Workflow YAML, or a .zip /
/// .tar.gz / .tgz holding one) into its graph. The kind is told from the content, not the name.
pub fn parse_pipeline_file(file: &str, bytes: &[u8]) -> Result<PipelineGraph, PipelineParseError> {
    let source = Source::new(file);
    text::check_size(&source, bytes.len())?;
    match archive::pipeline_member(&source, bytes)? {
        Some(member) => parse_text(&source.member(&member.name), &member.bytes),
        None => parse_text(&source, bytes),
    }
}

/// The pipeline member of an uploaded archive (its name and bytes), chosen as KFP does and
/// within the same limits as `parse_pipeline_file`; None when `bytes` is not an archive.
pub fn archive_member(
    file: &str,
    bytes: &[u8],
) -> Result<Option<(String, Vec<u8>)>, PipelineParseError> {
    let source = Source::new(file);
    text::check_size(&source, bytes.len())?;
    Ok(archive::pipeline_member(&source, bytes)?.map(|member| (member.name, member.bytes)))
}

/// Reads a run's Argo Workflow (JSON, as the Kubernetes API returns it) into the run's graph.
pub fn parse_run_workflow(file: &str, bytes: &[u8]) -> Result<PipelineGraph, PipelineParseError> {
    let source = Source::new(file);
    text::check_size(&source, bytes.len())?;
    runtime::run_graph_of_json(&source, bytes)
}

fn parse_text(source: &Source, bytes: &[u8]) -> Result<PipelineGraph, PipelineParseError> {
    let text = text::decode(source, bytes)?;
    let documents: Vec<Tree> = text::documents(source, text)?;
    if let Some(document) = documents.iter().find(|document| !document.is_map()) {
        return Err(source.invalid(
            None,
            None,
            format!(
                "not a pipeline: the file holds {}, not a mapping",
                document.kind()
            ),
        ));
    }
    if let Some(workflow) = documents.iter().find(|document| is_argo_workflow(document)) {
        return argo::static_graph(source, workflow);
    }
    let mut specs = documents
        .iter()
        .filter(|document| is_pipeline_spec(document));
    let Some(spec) = specs.next() else {
        return Err(source.invalid(None, None, not_a_pipeline(&documents)));
    };
    if specs.next().is_some() {
        return Err(source.invalid(
            None,
            None,
            "the file holds more than one pipeline spec; KFP takes one per file",
        ));
    }
    // The platform-settings document only tunes executors; it adds no tasks or dependencies.
    ir::graph(source, spec)
}

fn not_a_pipeline(documents: &[Tree]) -> String {
    const EXPECTED: &str = "expected a KFP v2 pipeline spec (pipelineInfo, root, schemaVersion) \
                            or a v1 Argo Workflow (apiVersion argoproj.io/v1alpha1, kind Workflow)";
    let kinds: Vec<String> = documents
        .iter()
        .filter_map(|document| {
            let kind = document.text_at("kind")?;
            let api_version = document.text_at("apiVersion").unwrap_or_else(|| "?".into());
            Some(format!("{kind} ({api_version})"))
        })
        .collect();
    match (documents.is_empty(), kinds.is_empty()) {
        (true, _) => "the file is empty".into(),
        (false, true) => format!("not a pipeline: {EXPECTED}"),
        (false, false) => format!("a {} is not a pipeline: {EXPECTED}", kinds.join(", ")),
    }
}

/// Has any of a PipelineSpec's own fields: then it must be a valid one, and the errors say
/// what is missing (KFP silently skips a document without `pipelineInfo.name` and `root`).
fn is_pipeline_spec(document: &Tree) -> bool {
    [
        "root",
        "pipelineInfo",
        "schemaVersion",
        "deploymentSpec",
        "components",
    ]
    .iter()
    .any(|key| document.entry(key).is_some())
}

fn is_argo_workflow(document: &Tree) -> bool {
    let declared = document.text_at("kind").as_deref() == Some("Workflow")
        && document
            .text_at("apiVersion")
            .is_some_and(|version| version.starts_with("argoproj.io/"));
    // A workflow saved without its type, as Argo's and KFP's UIs export runs: an Argo spec with
    // an entrypoint and templates, and no kind claiming to be anything else.
    let spec = document.get("spec");
    let bare = document.entry("kind").is_none()
        && document.entry("apiVersion").is_none()
        && spec.entry("entrypoint").is_some()
        && spec.entry("templates").is_some();
    declared || bare
}
