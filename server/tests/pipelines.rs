//! Pipelines and runs through kfdash's own routes (upload, server functions, the live run
//! stream), against the sandbox's emulated KFP and Argo: every conformance file uploads and
//! lists, bad files are refused with their place and nothing stored, versions, runs with
//! typed parameters, filters, live graphs, and other tenants refused.

use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::time::Duration;

mod common;
#[path = "common/dashboard.rs"]
mod shared;
use shared::{Dashboard, call, call_json, signed};

const OWNER: &str = "user@example.com";
const NS: &str = "kubeflow-user-example-com";
const OTHER: &str = "other@example.com";
const OTHER_NS: &str = "kubeflow-other-example-com";

async fn dashboard() -> Dashboard {
    shared::dashboard(&[], OWNER, |options| {
        options.pace.step = Duration::from_millis(40)
    })
    .await
}

fn conformance(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/pipelines")
            .join(name),
    )
    .unwrap()
}

async fn upload(
    dashboard: &Dashboard,
    user: &str,
    query: &[(&str, &str)],
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let request = signed(
        Request::post(format!("/api/pipelines/upload?{query}")),
        user,
    )
    .header(header::CONTENT_TYPE, "application/octet-stream")
    .body(Body::from(bytes))
    .unwrap();
    dashboard.answer(request).await
}

async fn pipeline_names(dashboard: &Dashboard, shared: bool) -> Vec<String> {
    let shared = shared.to_string();
    let (status, body) = call(
        dashboard,
        OWNER,
        "pipelines/list",
        &[("namespace", NS), ("shared", &shared)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut names = Vec::new();
    let mut page = body;
    loop {
        names.extend(
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["name"].as_str().unwrap().to_string()),
        );
        let Some(token) = page["next_page_token"].as_str().map(str::to_owned) else {
            return names;
        };
        let (status, next) = call(
            dashboard,
            OWNER,
            "pipelines/list",
            &[
                ("namespace", NS),
                ("shared", &shared),
                ("page_token", &token),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{next}");
        page = next;
    }
}

const FILES: &[&str] = &[
    "hello_world.yaml",
    "two_step_pipeline.yaml",
    "pipeline_with_after.yaml",
    "pipeline_with_volume.yaml",
    "lightweight_python_functions_v2_pipeline_rev.yaml",
    "pipeline_in_pipeline.yaml",
    "pipeline_with_condition.yaml",
    "parallel_for_after_dependency.yaml",
    "pipeline_with_exit_handler.yaml",
    "pipeline_in_pipeline_complex.yaml",
    "basic.yaml",
    "coin.yaml",
    "arguments_parameters.zip",
    "pipeline_plus_component.tar.gz",
    "mock-coinflip-runtime.json",
    "mock-retry-runtime.json",
    "mock-xgboost-small-runtime.json",
];

#[tokio::test]
async fn every_conformance_file_uploads_lists_and_shows_its_graph() {
    let dashboard = dashboard().await;
    let corpus = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/pipelines"),
    )
    .unwrap()
    .filter(|entry| {
        let name = entry.as_ref().unwrap().file_name();
        let name = name.to_string_lossy();
        !name.ends_with(".md") && name != "expected_counts.json"
    })
    .count();
    assert_eq!(
        FILES.len(),
        corpus,
        "every pipeline file of the corpus is uploaded"
    );
    for (at, file) in FILES.iter().enumerate() {
        let name = format!("conformance {at} {file}");
        let (status, body) = upload(
            &dashboard,
            OWNER,
            &[("ns", NS), ("file_name", file), ("name", &name)],
            conformance(file),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{file}: {body}");
        let id = body["pipeline_id"].as_str().unwrap().to_string();
        let (status, details) = call(&dashboard, OWNER, "pipelines/get", &[("id", &id)]).await;
        assert_eq!(status, StatusCode::OK, "{file}: {details}");
        let version = details["versions"][0]["id"].as_str().unwrap().to_string();
        let (status, graph) = call(
            &dashboard,
            OWNER,
            "pipelines/version",
            &[("pipeline_id", &id), ("version_id", &version)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{file}: {graph}");
        assert!(
            !graph["graph"]["nodes"].as_array().unwrap().is_empty(),
            "{file}: {graph}"
        );
    }
    let names = pipeline_names(&dashboard, false).await;
    for (at, file) in FILES.iter().enumerate() {
        assert!(
            names.contains(&format!("conformance {at} {file}")),
            "{file} not listed in {names:?}"
        );
    }
}

#[tokio::test]
async fn bad_files_are_refused_with_their_place_and_nothing_is_stored() {
    let dashboard = dashboard().await;
    let before = pipeline_names(&dashboard, false).await;
    let hello = String::from_utf8(conformance("hello_world.yaml")).unwrap();
    let bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n\
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
                f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.yaml",
            hello.as_bytes()[..hello.len() / 2].to_vec(),
            "truncated.yaml",
        ),
        (
            "old.yaml",
            hello.replace("2.1.0", "1.0.0").into_bytes(),
            "schemaVersion",
        ),
        (
            "dangling.yaml",
            hello
                .replace("name: comp-echo", "name: comp-ehco")
                .into_bytes(),
            "comp-ehco",
        ),
        ("bomb.yaml", bomb.as_bytes().to_vec(), "bomb.yaml"),
        (
            "garbage.yaml",
            vec![0, 159, 146, 150, 255, 0, 1],
            "garbage.yaml",
        ),
        ("empty.yaml", Vec::new(), "empty"),
        ("notes.zip", zip_of(&[("notes.txt", b"hello")]), "notes.zip"),
    ];
    for (file, bytes, expected) in cases {
        let (status, body) = upload(
            &dashboard,
            OWNER,
            &[("ns", NS), ("file_name", file), ("name", file)],
            bytes,
        )
        .await;
        assert!(status.is_client_error(), "{file}: {status} {body}");
        let message = body.to_string();
        assert!(
            message.contains(expected),
            "{file}: {message} should mention {expected}"
        );
    }
    // A body over the limit is refused before it is read.
    let (status, _) = upload(
        &dashboard,
        OWNER,
        &[("ns", NS), ("file_name", "huge.yaml"), ("name", "huge")],
        vec![b'#'; 40 * 1024 * 1024],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(pipeline_names(&dashboard, false).await, before);
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        for (name, bytes) in members {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    buffer.into_inner()
}

async fn upload_hello(dashboard: &Dashboard, name: &str) -> String {
    let (status, body) = upload(
        dashboard,
        OWNER,
        &[
            ("ns", NS),
            ("file_name", "arguments_parameters.zip"),
            ("name", name),
        ],
        conformance("arguments_parameters.zip"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["pipeline_id"].as_str().unwrap().to_string()
}

async fn versions(dashboard: &Dashboard, pipeline: &str) -> Vec<String> {
    let (status, details) = call(dashboard, OWNER, "pipelines/get", &[("id", pipeline)]).await;
    assert_eq!(status, StatusCode::OK, "{details}");
    details["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

async fn run_state(dashboard: &Dashboard, run: &str) -> (String, Value) {
    let (status, view) = call(
        dashboard,
        OWNER,
        "runs/get",
        &[("namespace", NS), ("id", run)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    (view["run"]["state"].as_str().unwrap().to_string(), view)
}

#[tokio::test]
async fn a_run_with_typed_parameters_runs_to_the_end_with_a_live_graph() {
    let dashboard = dashboard().await;
    let pipeline = upload_hello(&dashboard, "echo").await;
    let (status, body) = upload(
        &dashboard,
        OWNER,
        &[
            ("ns", NS),
            ("file_name", "arguments_parameters.zip"),
            ("name", "echo v2"),
            ("pipeline_id", &pipeline),
        ],
        conformance("arguments_parameters.zip"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let versions = versions(&dashboard, &pipeline).await;
    assert_eq!(versions.len(), 2);
    let version = versions[0].clone();

    // Bad parameters name the parameter; nothing starts.
    let new_run = |parameters: Value| {
        json!({"new": {
            "namespace": NS, "pipeline_id": pipeline, "version_id": version,
            "experiment_id": null, "new_experiment": "tests", "name": "echo run",
            "description": "", "parameters": parameters,
        }})
    };
    let (status, body) = call_json(
        &dashboard,
        OWNER,
        "runs/create",
        new_run(json!({"param1": "hi", "nope": "1"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("parameters.nope"), "{body}");

    let (status, run) = call_json(
        &dashboard,
        OWNER,
        "runs/create",
        new_run(json!({"param1": "hello", "param2": "world"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let run_id = run["id"].as_str().unwrap().to_string();

    // The live stream sends the graph of the run's workflow.
    let request = signed(
        Request::get(format!("/api/watch/runs?ns={NS}&run={run_id}")),
        OWNER,
    )
    .body(Body::empty())
    .unwrap();
    let response = tower::ServiceExt::oneshot(dashboard.app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let first = tokio::time::timeout(Duration::from_secs(10), body.frame())
        .await
        .expect("a first graph within 10 s")
        .unwrap()
        .unwrap();
    let text = String::from_utf8(first.into_data().unwrap().to_vec()).unwrap();
    assert!(text.starts_with("data: "), "{text}");
    let update: Value = serde_json::from_str(text.trim_start_matches("data: ").trim()).unwrap();
    assert!(update.get("graph").is_some(), "{update}");

    let mut state = String::new();
    for _ in 0..200 {
        (state, _) = run_state(&dashboard, &run_id).await;
        if state == "SUCCEEDED" || state == "FAILED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, "SUCCEEDED");
    let (_, view) = run_state(&dashboard, &run_id).await;
    assert_eq!(view["source"]["source"], "workflow", "{view}");
    let nodes = view["graph"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    assert!(
        nodes
            .iter()
            .filter(|n| n["kind"]["kind"] == "task")
            .all(|n| n["run"]["phase"] == "succeeded"),
        "{view}"
    );

    // Filters: the run is among the succeeded ones and not among the failed.
    let list = |state: &'static str| {
        json!({"query": {
            "namespace": NS, "experiment_id": null, "state": state, "name": "echo",
            "sort": "newest_first", "archived": false, "page_token": null, "page_size": 10,
        }})
    };
    let (status, succeeded) = call_json(&dashboard, OWNER, "runs/list", list("SUCCEEDED")).await;
    assert_eq!(status, StatusCode::OK, "{succeeded}");
    assert!(succeeded.to_string().contains(&run_id), "{succeeded}");
    let (_, failed) = call_json(&dashboard, OWNER, "runs/list", list("FAILED")).await;
    assert!(!failed.to_string().contains(&run_id), "{failed}");

    // The run is an Argo Workflow in the user's namespace, found by KFP's run-id label.
    let workflows = kube::Api::<kube::api::DynamicObject>::namespaced_with(
        dashboard.sandbox.admin_client(),
        NS,
        &app::backend::pipelines::workflows(),
    );
    let found = workflows
        .list(&kube::api::ListParams::default().labels(&format!("pipeline/runid={run_id}")))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);

    // A step's log.
    let pod = nodes
        .iter()
        .find(|n| n["kind"]["kind"] == "task")
        .and_then(|n| n["id"].as_str())
        .unwrap();
    let (status, log) = call(
        &dashboard,
        OWNER,
        "runs/log",
        &[("namespace", NS), ("pod", pod)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert!(
        !log.as_str().unwrap_or_default().is_empty(),
        "{pod}: empty log"
    );
}

#[tokio::test]
async fn other_tenants_are_refused() {
    let dashboard = dashboard().await;
    let pipeline = upload_hello(&dashboard, "mine").await;
    let (status, _) = call(
        &dashboard,
        OTHER,
        "pipelines/list",
        &[("namespace", NS), ("shared", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&dashboard, OTHER, "pipelines/get", &[("id", &pipeline)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(
        &dashboard,
        OTHER,
        &[
            ("ns", NS),
            ("file_name", "hello_world.yaml"),
            ("name", "intruder"),
        ],
        conformance("hello_world.yaml"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Their own namespace works.
    let (status, body) = call(
        &dashboard,
        OTHER,
        "pipelines/list",
        &[("namespace", OTHER_NS), ("shared", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Names that are no namespace never reach KFP.
    let (status, _) = call(
        &dashboard,
        OWNER,
        "pipelines/list",
        &[("namespace", "../etc"), ("shared", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(&dashboard, OWNER, "pipelines/get", &[("id", "../../x")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
