//! Files KFP refuses, and the message each gets; the smaller paths through the parsers.

use super::*;
use crate::model::AppError;
use crate::model::pipeline::{NodeKind, ParseErrorKind};
use std::io::{Cursor, Write};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/pipelines"
);
const MIB: usize = 1024 * 1024;

fn corpus(file: &str) -> String {
    std::fs::read_to_string(format!("{CORPUS}/{file}")).unwrap()
}

fn refused(file: &str, bytes: impl AsRef<[u8]>) -> PipelineParseError {
    match parse_pipeline_file(file, bytes.as_ref()) {
        Ok(graph) => panic!("{file} was accepted: {graph:?}"),
        Err(error) => error,
    }
}

/// A v2 pipeline whose root DAG has `tasks` (YAML at the tasks' indentation), all running
/// the one component `comp-a`.
fn v2_spec(tasks: &str) -> String {
    format!(
        "components:\n  comp-a:\n    executorLabel: exec-a\ndeploymentSpec:\n  executors:\n    \
         exec-a:\n      container:\n        image: alpine\npipelineInfo:\n  name: p\nroot:\n  \
         dag:\n    tasks:\n{tasks}schemaVersion: 2.1.0\n"
    )
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A ustar header for a regular file.
fn tar_header(name: &str, size: usize) -> Vec<u8> {
    let mut header = vec![0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    header[100..108].copy_from_slice(b"0000644\0");
    header[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&byte| u32::from(byte)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    header
}

fn tar_gz_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = Vec::new();
    for (name, bytes) in members {
        tar.extend(tar_header(name, bytes.len()));
        tar.extend(*bytes);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.extend([0u8; 1024]);
    gzip(&tar)
}

#[test]
fn truncated_yaml_names_its_line() {
    let text = corpus("two_step_pipeline.yaml");
    let cut = text.find("'set -e -x").unwrap() + 5;
    let error = refused("two_step_pipeline.yaml", &text[..cut]);
    assert_eq!(error.kind, ParseErrorKind::Syntax);
    assert!(error.message.starts_with("not valid YAML: "), "{error}");
    assert!(error.line.is_some_and(|line| line >= 30), "{error}");
}

#[test]
fn wrong_schema_version_is_refused_at_its_line() {
    let text = corpus("hello_world.yaml").replace("schemaVersion: 2.1.0", "schemaVersion: 2.0.0");
    let error = refused("hello_world.yaml", text);
    assert_eq!(
        error.to_string(),
        "hello_world.yaml:27:1: schemaVersion: KFP runs schema version 2.1.0, this file has \
         2.0.0; compile it with KFP SDK 2.x"
    );
}

#[test]
fn a_dangling_component_reference_names_field_line_and_likely_fix() {
    let text = corpus("hello_world.yaml").replace("name: comp-echo", "name: comp-ecoh");
    let error = refused("hello_world.yaml", text);
    assert_eq!(
        error.to_string(),
        "hello_world.yaml:24:11: root.dag.tasks.echo.componentRef.name: no component named \
         comp-ecoh (did you mean comp-echo?)"
    );
    assert_eq!(error.kind, ParseErrorKind::Invalid);
    assert!(matches!(AppError::from(error), AppError::BadRequest(_)));
}

#[test]
fn a_dangling_reference_inside_a_sub_dag_names_the_component() {
    let text = corpus("pipeline_in_pipeline.yaml")
        .replace("producerTask: print-op1", "producerTask: print-op0");
    let error = refused("pipeline_in_pipeline.yaml", text);
    assert_eq!(
        error.field.as_deref(),
        Some(
            "components.comp-inner-pipeline.dag.tasks.print-op2.inputs.parameters.msg\
             .taskOutputParameter.producerTask"
        )
    );
    assert_eq!(error.message, "no task named print-op0 in this DAG");
    assert!(error.line.is_some());
}

#[test]
fn a_cycle_names_the_tasks_in_it() {
    let tasks = "      a:\n        componentRef:\n          name: comp-a\n        dependentTasks:\n        \
                 - c\n      b:\n        componentRef:\n          name: comp-a\n        \
                 dependentTasks:\n        - a\n      c:\n        componentRef:\n          name: comp-a\n        \
                 dependentTasks:\n        - b\n      d:\n        componentRef:\n          name: comp-a\n";
    let error = refused("cycle.yaml", v2_spec(tasks));
    assert!(
        error
            .message
            .starts_with("the tasks depend on each other in a cycle: "),
        "{error}"
    );
    let cycle = error.message.rsplit(": ").next().unwrap();
    let names: Vec<&str> = cycle.split(" → ").collect();
    assert_eq!(names.len(), 4, "{cycle}");
    assert_eq!(names.first(), names.last());
    let mut members = names[..3].to_vec();
    members.sort();
    assert_eq!(members, ["a", "b", "c"]);
    assert!(error.line.is_some() && error.field.unwrap().contains(".dependentTasks["));
}

#[test]
fn a_task_waiting_for_itself_is_a_cycle() {
    let tasks = "      a:\n        componentRef:\n          name: comp-a\n        dependentTasks:\n        - a\n";
    let error = refused("self.yaml", v2_spec(tasks));
    assert!(error.message.ends_with("cycle: a → a"), "{error}");
}

#[test]
fn a_yaml_bomb_stops_at_the_alias_budget() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (level, name) in "bcdefghi".chars().enumerate() {
        let previous = (b'a' + level as u8) as char;
        let refs = vec![format!("*{previous}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    bomb.push_str("pipelineInfo:\n  name: *i\n");
    let error = refused("bomb.yaml", &bomb);
    assert_eq!(error.kind, ParseErrorKind::TooLarge);
    assert!(
        error.message.contains("aliases expand to more than"),
        "{error}"
    );
    assert!(matches!(AppError::from(error), AppError::TooLarge(_)));
}

#[test]
fn a_zip_bomb_stops_at_the_member_limit() {
    let zeros = vec![0u8; 40 * MIB];
    let bomb = zip_of(&[("pipeline.yaml", &zeros)]);
    assert!(bomb.len() < MIB, "the bomb is small: {} bytes", bomb.len());
    let error = refused("bomb.zip", &bomb);
    assert_eq!(error.kind, ParseErrorKind::TooLarge);
    assert_eq!(
        error.to_string(),
        "bomb.zip: pipeline.yaml decompresses to more than 32 MiB"
    );
}

#[test]
fn a_zip_bomb_that_lies_about_its_size_stops_at_the_limit_too() {
    let zeros = vec![0u8; 40 * MIB];
    let mut bomb = zip_of(&[("pipeline.yaml", &zeros)]);
    // Claim 100 bytes in the local header and the central directory. They held the zip64
    // marker, so the real sizes in the zip64 extra field are no longer read either.
    let claim = 100u32.to_le_bytes();
    bomb[22..26].copy_from_slice(&claim);
    let central = bomb.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bomb[central + 24..central + 28].copy_from_slice(&claim);
    let error = refused("liar.zip", &bomb);
    assert_eq!(
        error.to_string(),
        "liar.zip: pipeline.yaml decompresses to more than 32 MiB"
    );
}

#[test]
fn a_gzip_bomb_stops_at_the_decompression_limit() {
    // One tar header, then 70 MiB of zeros as concatenated gzip members.
    let mut bomb = gzip(&tar_header("pipeline.yaml", 70 * MIB));
    let chunk = gzip(&vec![0u8; MIB]);
    for _ in 0..70 {
        bomb.extend(&chunk);
    }
    let error = refused("bomb.tgz", &bomb);
    assert_eq!(error.kind, ParseErrorKind::TooLarge);
    assert_eq!(
        error.message,
        "pipeline.yaml decompresses to more than 32 MiB"
    );

    // Members before the pipeline are read through, up to the total.
    let mut bomb = gzip(&tar_header("padding.bin", 70 * MIB));
    for _ in 0..70 {
        bomb.extend(&chunk);
    }
    let error = refused("bomb.tgz", &bomb);
    assert_eq!(
        error.message,
        "the archive decompresses to more than 64 MiB"
    );
}

#[test]
fn a_40_mib_file_is_refused_before_it_is_read() {
    let error = refused("big.yaml", vec![b'#'; 40 * MIB]);
    assert_eq!(
        error.to_string(),
        "big.yaml: the file is 40 MiB; the limit is 32 MiB"
    );
    let AppError::TooLarge(message) = AppError::from(error) else {
        panic!("413");
    };
    assert_eq!(
        message,
        "big.yaml (the file is 40 MiB; the limit is 32 MiB)"
    );
}

#[test]
fn binary_garbage_is_not_text() {
    let mut state = 0x1234_5678u32;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    let error = refused("model.bin", garbage);
    assert_eq!(error.kind, ParseErrorKind::Syntax);
    assert!(error.message.starts_with("not a text file"), "{error}");
    let error = refused("nul.yaml", b"a: b\n\0\0\0");
    assert!(
        error
            .message
            .starts_with("not a text file (it holds NUL bytes)"),
        "{error}"
    );
    assert_eq!(error.line, Some(2));
}

#[test]
fn archives_without_yaml_say_what_they_hold() {
    let zip = zip_of(&[("README.md", b"# hi"), ("data.json", b"{}")]);
    let error = refused("no-yaml.zip", zip);
    assert_eq!(
        error.message,
        "the archive has no pipeline.yaml and no other .yaml or .yml file (it holds README.md, \
         data.json)"
    );
    let tgz = tar_gz_of(&[("notes.txt", b"hello")]);
    let error = refused("no-yaml.tar.gz", tgz);
    assert!(error.message.ends_with("(it holds notes.txt)"), "{error}");
    let error = refused("empty.zip", zip_of(&[]));
    assert!(error.message.ends_with("(it has no files)"), "{error}");
}

#[test]
fn archive_members_are_chosen_and_named_in_errors() {
    let hello = corpus("hello_world.yaml");
    let zip = zip_of(&[
        ("a.yml", b"not: [a pipeline"),
        ("dir/pipeline.yaml", hello.as_bytes()),
    ]);
    let graph = parse_pipeline_file("p.zip", &zip).expect("pipeline.yaml wins over a.yml");
    assert_eq!(graph.name, "echo");
    let tgz = tar_gz_of(&[
        ("first.yaml", b"kind: ConfigMap\napiVersion: v1\n"),
        ("x.yaml", b"{}"),
    ]);
    let error = refused("p.tgz", tgz);
    assert_eq!(error.file, "p.tgz (first.yaml)");
    assert!(
        error
            .message
            .starts_with("a ConfigMap (v1) is not a pipeline"),
        "{error}"
    );
    let error = refused("p.tar.gz", gzip(b"apiVersion: v1\n"));
    assert!(error.message.contains("not a tar archive"), "{error}");
}

#[test]
fn deep_json_is_refused_before_parsing() {
    let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let error = refused("deep.json", deep);
    assert_eq!(error.kind, ParseErrorKind::TooLarge);
    assert_eq!(
        error.to_string(),
        "deep.json:1:321: nested deeper than 64 levels"
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(refused("deep.json", deep).kind, ParseErrorKind::TooLarge);
}

#[test]
fn deep_yaml_is_refused() {
    let mut deep = String::new();
    for level in 0..100 {
        deep.push_str(&format!("{}k{level}:\n", " ".repeat(level)));
    }
    let error = refused("deep.yaml", deep);
    assert_eq!(error.kind, ParseErrorKind::TooLarge);
    assert_eq!(error.message, "nested deeper than 64 levels");
    let flow = format!("a: {}{}", "[".repeat(1000), "]".repeat(1000));
    assert_eq!(
        refused("flow.yaml", flow).message,
        "nested deeper than 64 levels"
    );
}

#[test]
fn empty_files_are_refused() {
    for empty in ["", "  \n\n", "# only a comment\n", "---\n"] {
        let error = refused("empty.yaml", empty);
        assert_eq!(error.message, "the file is empty", "{empty:?}");
    }
}

#[test]
fn other_yaml_is_not_a_pipeline() {
    let error = refused(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    assert!(
        error
            .message
            .starts_with("a ConfigMap (v1) is not a pipeline: expected"),
        "{error}"
    );
    let error = refused("list.yaml", "- a\n- b\n");
    assert_eq!(
        error.message,
        "not a pipeline: the file holds a list, not a mapping"
    );
    let two = format!("{}---\n{}", v2_spec(""), v2_spec(""));
    assert!(
        refused("two.yaml", two)
            .message
            .contains("more than one pipeline spec")
    );
    let error = refused(
        "noroot.yaml",
        "pipelineInfo:\n  name: p\nschemaVersion: 2.1.0\n",
    );
    assert_eq!(error.field.as_deref(), Some("root"));
}

#[test]
fn json_pipeline_specs_read_like_yaml() {
    let yaml = corpus("pipeline_with_condition.yaml");
    let value: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
    let from_json = parse_pipeline_file("p.json", value.to_string().as_bytes()).unwrap();
    let from_yaml = parse_pipeline_file("p.yaml", yaml.as_bytes()).unwrap();
    assert_eq!(from_json, from_yaml);

    let broken =
        (value.to_string()).replace("{\"name\":\"comp-print-op-2\"}", "{\"name\":\"comp-nope\"}");
    let error = refused("p.json", broken);
    assert_eq!(error.message, "no component named comp-nope");
    assert_eq!(error.line, None, "JSON values carry no line");
    let error = refused("t.json", "{\"pipelineInfo\": {\"name\": \"p\"}, \"root\": ");
    assert!(error.message.starts_with("not valid JSON: EOF"), "{error}");
    assert_eq!(error.line, Some(1));
}

#[test]
fn unknown_dependencies_name_their_field() {
    let tasks = "      a:\n        componentRef:\n          name: comp-a\n        dependentTasks:\n        - zz\n";
    let error = refused("dep.yaml", v2_spec(tasks));
    assert_eq!(
        error.to_string(),
        "dep.yaml:17:9: root.dag.tasks.a.dependentTasks[0]: no task named zz in this DAG"
    );
}

#[test]
fn argo_depends_expressions_become_edges() {
    let workflow = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: d-\n\
                    spec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag:\n      tasks:\n      \
                    - name: a\n        template: step\n      - name: b\n        template: step\n      \
                    - name: c\n        template: step\n        depends: \"a.Succeeded && (b || b.Failed)\"\n  \
                    - name: step\n    script:\n      image: python\n      source: print(1)\n";
    let graph = parse_pipeline_file("d.yaml", workflow.as_bytes()).unwrap();
    assert_eq!(graph.name, "d");
    let edges: Vec<(&str, &str)> = graph
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    assert_eq!(edges, [("/a", "/c"), ("/b", "/c")]);
    assert_eq!(flat_edges(&graph).len(), 2, "no group, no containment");

    let typo = workflow.replace("b || b.Failed", "bb");
    let error = refused("d.yaml", typo);
    assert_eq!(
        error.field.as_deref(),
        Some("spec.templates.main.dag.tasks.c.depends")
    );
    assert_eq!(error.message, "no task named bb in this DAG");
    let missing = workflow.replace(
        "template: step\n        depends",
        "template: stpe\n        depends",
    );
    assert_eq!(refused("d.yaml", missing).message, "no template named stpe");
}

#[test]
fn argo_steps_and_recursion_are_leaves() {
    let workflow = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: r\nspec:\n  \
                    entrypoint: main\n  templates:\n  - name: main\n    dag:\n      tasks:\n      \
                    - name: again\n        template: main\n      - name: s\n        template: steps\n  \
                    - name: steps\n    steps:\n    - - name: x\n        template: main\n";
    let graph = parse_pipeline_file("r.yaml", workflow.as_bytes()).unwrap();
    let ids: Vec<&str> = graph.nodes.iter().map(|node| node.id.as_str()).collect();
    assert_eq!(ids, ["/again", "/s"]);
    assert!(graph.nodes.iter().all(|node| node.kind == NodeKind::Task));
}

#[test]
fn compressed_run_nodes_read_like_plain_ones() {
    use base64::Engine;
    let plain = corpus("mock-coinflip-runtime.json");
    let mut workflow: serde_json::Value = serde_json::from_str(&plain).unwrap();
    let nodes = workflow["status"]["nodes"].take();
    workflow["status"].as_object_mut().unwrap().remove("nodes");
    workflow["status"]["compressedNodes"] = base64::engine::general_purpose::STANDARD
        .encode(gzip(nodes.to_string().as_bytes()))
        .into();
    let compressed = run_graph(&workflow).unwrap();
    let expected = parse_run_workflow("run.json", plain.as_bytes()).unwrap();
    assert_eq!(compressed.nodes.len(), 6);
    let ids = |graph: &PipelineGraph| {
        let mut ids: Vec<String> = graph.nodes.iter().map(|node| node.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&compressed), ids(&expected));
    assert_eq!(compressed.edges.len(), expected.edges.len());

    workflow["status"]["compressedNodes"] = "not base64!".into();
    let error = run_graph(&workflow).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("status.compressedNodes"));
}

#[test]
fn synthetic_pipelines_parse_to_their_size() {
    for tasks in [1, 10, 1000] {
        let yaml = synthetic::v2_pipeline_yaml(tasks);
        let graph = parse_pipeline_file("synthetic.yaml", yaml.as_bytes())
            .unwrap_or_else(|error| panic!("{tasks} tasks: {error}"));
        let groups = synthetic::v2_pipeline_groups(tasks);
        assert_eq!(graph.nodes.len(), tasks + groups, "{tasks} tasks");
        let grouped = graph
            .nodes
            .iter()
            .filter(|node| is_group(&node.kind))
            .count();
        assert_eq!(grouped, groups);
        if tasks == 1000 {
            assert!(
                groups >= 8 && graph.edges.len() > 1000,
                "{groups} groups, {} edges",
                graph.edges.len()
            );
            assert!(transitive_reduction(&graph.edges).len() < graph.edges.len());
            assert_eq!(nesting_depth(&graph), 2);
            let view = visible_graph(&graph, &default_expanded(&graph));
            assert!(view.nodes.len() < graph.nodes.len(), "loops start closed");
        }
    }
}
