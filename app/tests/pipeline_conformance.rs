//! Every file of the KFP conformance corpus parses and gives exactly the graph that
//! `expected_counts.json` records, in the convention its SOURCES.md names for it: F for v2 IR,
//! U1 for v1 Argo Workflows, R for runs.

use app::domain::pipeline::{
    containment_edges, default_expanded, flat_edges, nesting_depth, parse_pipeline_file,
    parse_run_workflow, transitive_reduction, visible_graph,
};
use app::model::pipeline::{
    Executor, GraphEdge, GroupKind, LoopSource, NodeKind, NodePhase, ParameterType, PipelineFormat,
    PipelineGraph,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/pipelines"
);

fn read(file: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/{file}")).unwrap_or_else(|error| panic!("{file}: {error}"))
}

fn expected() -> BTreeMap<String, Value> {
    let counts: Value = serde_json::from_slice(&read("expected_counts.json")).unwrap();
    serde_json::from_value(counts["files"].clone()).unwrap()
}

fn parse(file: &str) -> PipelineGraph {
    parse_pipeline_file(file, &read(file)).unwrap_or_else(|error| panic!("{error}"))
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item.as_str().unwrap().to_owned())
        .collect()
}

fn pairs(value: &Value) -> BTreeSet<(String, String)> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().into(),
                pair[1].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn edge_pairs(edges: &[GraphEdge]) -> BTreeSet<(String, String)> {
    edges
        .iter()
        .map(|edge| (edge.from.clone(), edge.to.clone()))
        .collect()
}

fn ids(graph: &PipelineGraph) -> BTreeSet<String> {
    graph.nodes.iter().map(|node| node.id.clone()).collect()
}

fn count(n: &Value) -> usize {
    n.as_u64().unwrap() as usize
}

/// F: path-qualified ids, dependency edges per DAG, containment, depth.
fn check_flattened(file: &str, graph: &PipelineGraph, f: &Value, layers: &Value) {
    assert_eq!(graph.format, PipelineFormat::V2Ir, "{file}");
    let groups = graph
        .nodes
        .iter()
        .filter(|node| matches!(node.kind, NodeKind::Group { .. }))
        .count();
    assert_eq!(graph.nodes.len(), count(&f["nodes"]), "{file}: nodes");
    assert_eq!(groups, count(&f["groups"]), "{file}: groups");
    assert_eq!(
        graph.nodes.len() - groups,
        count(&f["exec"]),
        "{file}: exec nodes"
    );
    assert_eq!(
        graph.edges.len(),
        count(&f["dep_edges"]),
        "{file}: dependency edges"
    );
    assert_eq!(
        transitive_reduction(&graph.edges).len(),
        count(&f["dep_edges_reduced"]),
        "{file}: reduced edges"
    );
    assert_eq!(
        containment_edges(graph).len(),
        count(&f["containment_edges"]),
        "{file}: containment edges"
    );
    assert_eq!(
        nesting_depth(graph),
        count(&f["max_depth"]),
        "{file}: depth"
    );

    let by_id: BTreeMap<&str, _> = graph
        .nodes
        .iter()
        .map(|node| (node.id.as_str(), node))
        .collect();
    let mut by_dag: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for edge in &graph.edges {
        let (from, to) = (by_id[edge.from.as_str()], by_id[edge.to.as_str()]);
        assert_eq!(from.parent, to.parent, "{file}: edges stay inside one DAG");
        let dag = from.parent.clone().unwrap_or_else(|| "root".into());
        by_dag
            .entry(dag)
            .or_default()
            .insert((from.task.clone(), to.task.clone()));
    }
    let expected_dags = f["edges_by_dag"].as_object().unwrap();
    for (dag, edges) in expected_dags {
        let found = by_dag.remove(dag).unwrap_or_default();
        assert_eq!(found, pairs(edges), "{file}: edges of {dag}");
    }
    assert!(
        by_dag.is_empty(),
        "{file}: edges in unexpected DAGs {by_dag:?}"
    );

    // The U layers list each DAG's tasks: `task.<key>` in layer `<path>` is node `<path>/<key>`.
    let expected_ids: BTreeSet<String> = layers
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(layer, content)| {
            strings(&content["nodes"])
                .into_iter()
                .filter_map(|node| Some(format!("{layer}/{}", node.strip_prefix("task.")?)))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(ids(graph), expected_ids, "{file}: node ids");
}

/// U1: KFP v1's static graph, drawn flat.
fn check_v1_static(file: &str, graph: &PipelineGraph, u1: &Value) {
    assert_eq!(graph.format, PipelineFormat::V1Argo, "{file}");
    let edges = flat_edges(graph);
    assert_eq!(graph.nodes.len(), count(&u1["nodes"]), "{file}: nodes");
    assert_eq!(edges.len(), count(&u1["edges"]), "{file}: edges");
    if let Some(node_ids) = u1.get("node_ids") {
        assert_eq!(ids(graph), strings(node_ids), "{file}: node ids");
    }
    if let Some(edge_list) = u1.get("edge_list") {
        assert_eq!(edge_pairs(&edges), pairs(edge_list), "{file}: edges");
    }
    if let Some(reduced) = u1.get("edges_reduced") {
        assert_eq!(
            transitive_reduction(&edges).len(),
            count(reduced),
            "{file}: reduced"
        );
    }
}

/// R: KFP v1's run graph.
fn check_run(file: &str, graph: &PipelineGraph, r: &Value) {
    assert_eq!(graph.format, PipelineFormat::ArgoRun, "{file}");
    let placeholders = graph
        .nodes
        .iter()
        .filter(|node| node.kind == NodeKind::Placeholder)
        .count();
    assert_eq!(graph.nodes.len(), count(&r["nodes"]), "{file}: nodes");
    assert_eq!(
        placeholders,
        count(&r["placeholders"]),
        "{file}: placeholders"
    );
    assert_eq!(graph.edges.len(), count(&r["edges"]), "{file}: edges");
    assert_eq!(ids(graph), strings(&r["node_ids"]), "{file}: node ids");
    assert_eq!(
        edge_pairs(&graph.edges),
        pairs(&r["edge_list"]),
        "{file}: edges"
    );
    assert_eq!(
        transitive_reduction(&graph.edges).len(),
        count(&r["edges_reduced"]),
        "{file}: reduced"
    );
}

#[test]
fn every_corpus_file_gives_its_expected_graph() {
    let expected = expected();
    assert_eq!(expected.len(), 17, "the corpus has 17 files");
    for (file, want) in &expected {
        match want["kind"].as_str().unwrap() {
            "v2-ir" => check_flattened(file, &parse(file), &want["F"], &want["U_layers"]),
            "v1-argo" => check_v1_static(file, &parse(file), &want["U1"]),
            "argo-runtime" => {
                let run = parse_run_workflow(file, &read(file)).unwrap_or_else(|e| panic!("{e}"));
                check_run(file, &run, &want["R"]);
                // Its spec, uploaded as a v1 pipeline: as it is (some mocks lack apiVersion and
                // kind, and are read by their entrypoint and templates) and with them added.
                let spec = &want["U1_embedded_spec"];
                let as_is = parse_pipeline_file(file, &read(file))
                    .unwrap_or_else(|error| panic!("{file} as is: {error}"));
                let mut workflow: Value = serde_json::from_slice(&read(file)).unwrap();
                workflow["apiVersion"] = json!("argoproj.io/v1alpha1");
                workflow["kind"] = json!("Workflow");
                let graph = parse_pipeline_file(file, workflow.to_string().as_bytes())
                    .unwrap_or_else(|error| panic!("{error}"));
                assert_eq!(
                    as_is.nodes, graph.nodes,
                    "{file}: typed or not, the same graph"
                );
                assert_eq!(
                    graph.nodes.len(),
                    count(&spec["nodes"]),
                    "{file}: spec nodes"
                );
                assert_eq!(
                    flat_edges(&graph).len(),
                    count(&spec["edges"]),
                    "{file}: spec edges"
                );
            }
            "archive" => {
                let graph = parse(file);
                if let Some(f) = want.get("F") {
                    assert_eq!(graph.format, PipelineFormat::V2Ir, "{file}");
                    assert_eq!(graph.nodes.len(), count(&f["nodes"]), "{file}: nodes");
                    assert_eq!(graph.edges.len(), count(&f["dep_edges"]), "{file}: edges");
                } else {
                    check_v1_static(file, &graph, &want["U1"]);
                }
            }
            kind => panic!("{file}: unknown kind {kind}"),
        }
    }
}

#[test]
fn labels_come_from_task_info() {
    let graph = parse("two_step_pipeline.yaml");
    let labels: BTreeMap<&str, &str> = graph
        .nodes
        .iter()
        .map(|node| (node.id.as_str(), node.label.as_str()))
        .collect();
    assert_eq!(labels["root/write-to-gcs"], "Producer");
    assert_eq!(labels["root/read-from-gcs"], "Consumer");
    assert_eq!(
        graph.edges,
        [GraphEdge::new("root/write-to-gcs", "root/read-from-gcs")],
        "dependentTasks and the artifact's producer make one edge"
    );
}

#[test]
fn pipeline_name_inputs_and_executors_are_read() {
    let graph = parse("hello_world.yaml");
    assert_eq!(graph.name, "echo");
    assert!(graph.inputs.is_empty());
    assert_eq!(
        graph.nodes[0].executor,
        Some(Executor::Container {
            image: "registry.access.redhat.com/ubi9/python-311:latest".into(),
            command: vec!["echo".into()],
            args: vec!["hello world".into()],
        })
    );

    let graph = parse("lightweight_python_functions_v2_pipeline_rev.yaml");
    let inputs: BTreeMap<&str, _> = graph
        .inputs
        .iter()
        .map(|input| (input.name.as_str(), input))
        .collect();
    assert_eq!(inputs["message"].parameter_type, ParameterType::String);
    assert!(!inputs["message"].optional);
    assert_eq!(inputs["input_dict"].parameter_type, ParameterType::Struct);
    assert_eq!(
        inputs["input_dict"].default,
        Some(json!({"A": 1.0, "B": 2.0}))
    );
    assert!(inputs["input_dict"].optional);

    let graph = parse("arguments_parameters.zip");
    assert_eq!(graph.name, "echo");
    let inputs: Vec<_> = graph
        .inputs
        .iter()
        .map(|input| input.name.as_str())
        .collect();
    assert_eq!(inputs, ["param1", "param2"]);
    assert_eq!(graph.inputs[0].default, Some(json!("hello")));

    let graph = parse("basic.yaml");
    assert_eq!(graph.name, "save-most-frequent");
    assert_eq!(graph.display_name.as_deref(), Some("Save Most Frequent"));
    let inputs: Vec<_> = graph
        .inputs
        .iter()
        .map(|input| input.name.as_str())
        .collect();
    assert_eq!(inputs, ["message", "outputpath"]);
    let exit = graph
        .nodes
        .iter()
        .find(|node| node.id == "exiting")
        .unwrap();
    assert_eq!(
        (exit.kind.clone(), exit.label.as_str()),
        (NodeKind::ExitHook, "onExit - exiting")
    );

    let graph = parse("pipeline_plus_component.tar.gz");
    assert_eq!(
        graph.nodes[0].id, "whalesay",
        "pipeline.yaml, not component.yaml"
    );
}

#[test]
fn groups_know_their_kind_condition_and_loop() {
    let kind = |graph: &PipelineGraph, id: &str| {
        graph
            .nodes
            .iter()
            .find(|node| node.id == id)
            .unwrap()
            .clone()
    };
    let graph = parse("pipeline_with_condition.yaml");
    let condition = kind(&graph, "root/condition-1");
    assert_eq!(
        condition.kind,
        NodeKind::Group {
            group: GroupKind::Condition
        }
    );
    assert_eq!(
        condition.condition.as_deref(),
        Some("inputs.parameter_values['pipelinechannel--flip-coin-op-Output'] == 'heads'")
    );

    let graph = parse("pipeline_with_exit_handler.yaml");
    let handler = kind(&graph, "root/exit-handler-1");
    assert_eq!(
        handler.kind,
        NodeKind::Group {
            group: GroupKind::ExitHandler
        }
    );

    let graph = parse("pipeline_in_pipeline.yaml");
    let inner = kind(&graph, "root/inner-pipeline");
    assert_eq!(
        inner.kind,
        NodeKind::Group {
            group: GroupKind::SubPipeline
        }
    );
    assert_eq!(inner.component.as_deref(), Some("comp-inner-pipeline"));

    let graph = parse("parallel_for_after_dependency.yaml");
    let NodeKind::Group {
        group: GroupKind::ParallelFor { iterator },
    } = kind(&graph, "root/for-loop-2").kind
    else {
        panic!("for-loop-2 is a ParallelFor");
    };
    assert_eq!(
        (iterator.iterations, iterator.source),
        (Some(3), LoopSource::Raw)
    );
    assert_eq!(iterator.items, "[1, 2, 3]");

    let coin = parse("coin.yaml");
    let condition = kind(&coin, "/condition-1");
    assert_eq!(
        condition.kind,
        NodeKind::Group {
            group: GroupKind::Condition
        }
    );
    assert!(condition.condition.unwrap().ends_with("== \"heads\""));
}

#[test]
fn the_view_collapses_loops_and_moves_their_edges() {
    let graph = parse("parallel_for_after_dependency.yaml");
    let expanded = default_expanded(&graph);
    assert!(expanded.is_empty(), "a ParallelFor starts closed");
    let view = visible_graph(&graph, &expanded);
    let shown: Vec<_> = view.nodes.iter().map(|node| node.id.as_str()).collect();
    assert_eq!(
        shown,
        ["root/for-loop-2", "root/print-op-2", "root/print-op-3"]
    );
    let the_loop = &view.nodes[0];
    assert_eq!(
        (the_loop.expanded, the_loop.hidden, the_loop.iterations),
        (false, 1, Some(3))
    );

    let graph = parse("pipeline_in_pipeline_complex.yaml");
    let closed = visible_graph(&graph, &default_expanded(&graph));
    let shown: Vec<_> = closed
        .nodes
        .iter()
        .map(|node| (node.id.as_str(), node.hidden))
        .collect();
    assert_eq!(shown, [("root/for-loop-2", 6), ("root/print-op1", 0)]);
    assert!(closed.edges.is_empty());
    let open: BTreeSet<String> = graph.nodes.iter().map(|node| node.id.clone()).collect();
    let view = visible_graph(&graph, &open);
    assert_eq!(view.nodes.len(), 8);
    assert_eq!(view.edges.len(), 2);
    // Closing only the inner pipeline hides its five nodes and their edges.
    let mut some = open.clone();
    some.remove("root/for-loop-2/inner-pipeline");
    let view = visible_graph(&graph, &some);
    assert_eq!(view.nodes.len(), 3);
    assert!(view.edges.is_empty());
}

#[test]
fn runs_carry_phases_times_and_outputs() {
    let run = parse_run_workflow(
        "mock-xgboost-small-runtime.json",
        &read("mock-xgboost-small-runtime.json"),
    )
    .unwrap();
    let pod = &run.nodes[0];
    assert_eq!(pod.label, "create-cluster");
    let state = pod.run.as_ref().unwrap();
    assert_eq!(state.phase, NodePhase::Pending);
    assert_eq!(state.template.as_deref(), Some("create-cluster"));
    assert_eq!(state.started_at.as_deref(), Some("2018-10-12T07:19:47Z"));
    assert_eq!(state.finished_at, None);
    assert!(
        state
            .message
            .as_deref()
            .unwrap()
            .starts_with("ImagePullBackOff")
    );
    assert_eq!(state.inputs.len(), 2);
    assert_eq!(run.nodes[1].kind, NodeKind::Placeholder);

    let run = parse_run_workflow(
        "mock-coinflip-runtime.json",
        &read("mock-coinflip-runtime.json"),
    )
    .unwrap();
    let flip = run
        .nodes
        .iter()
        .find(|node| node.id.ends_with("-311338607"))
        .unwrap();
    let state = flip.run.as_ref().unwrap();
    assert_eq!(state.phase, NodePhase::Succeeded);
    let outputs: Vec<_> = (state.outputs.iter())
        .map(|output| (output.name.as_str(), output.value.as_deref()))
        .collect();
    assert_eq!(
        outputs,
        [
            ("result", Some("tails")),
            ("mlpipeline-ui-metadata", Some("s3://somebucket/model2"))
        ]
    );
}
