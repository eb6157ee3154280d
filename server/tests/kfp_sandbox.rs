//! The sandbox's emulated KFP API over HTTP, as ml-pipeline answers it: every conformance file
//! uploads and lists, bad files are refused with a reason and nothing stored, versions, runs
//! with checked parameters that the simulated Argo runs to the end (or to a failure, or to a
//! terminate), KFP's filters and paging, and tenants kept apart.

use axum::body::Body;
use http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use serde_json::{Value, json};
use server::sandbox::registry;
use server::sandbox::{Sandbox, SandboxOptions, controllers::Pace};
use std::io::Write;
use std::time::Duration;
use tower::ServiceExt;

const DEV_USER: &str = "user@example.com";
const DEV_NS: &str = "kubeflow-user-example-com";
const OTHER_USER: &str = "other@example.com";
const OTHER_NS: &str = "kubeflow-other-example-com";
const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/pipelines"
);
const BOUNDARY: &str = "kfp-sandbox-test-boundary-7f3a";

struct Kfp {
    sandbox: Sandbox,
    router: axum::Router,
    _dir: tempfile::TempDir,
}

async fn kfp() -> Kfp {
    let dir = tempfile::tempdir().unwrap();
    let mut options = SandboxOptions::new(dir.path(), DEV_USER);
    options.pace = Pace {
        step: Duration::from_millis(30),
    };
    let sandbox = Sandbox::start(options).await.unwrap();
    let router = sandbox.kfp_router();
    Kfp {
        sandbox,
        router,
        _dir: dir,
    }
}

impl Kfp {
    async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON ({status}): {}", String::from_utf8_lossy(&bytes)));
        (status, body)
    }

    async fn call(
        &self,
        method: Method,
        user: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/apis/v2beta1/{path}"));
        if let Some(user) = user {
            request = request.header("kubeflow-userid", user);
        }
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    async fn get(&self, user: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, Some(user), path, None).await
    }

    async fn post(&self, user: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, Some(user), path, Some(body)).await
    }

    async fn upload(
        &self,
        user: &str,
        path_and_query: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> (StatusCode, Value) {
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"uploadfile\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let request = Request::post(format!("/apis/v2beta1/{path_and_query}"))
            .header("kubeflow-userid", user)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Uploads a file as a pipeline of the dev user's namespace; returns its id.
    async fn pipeline(&self, name: &str, file_name: &str, bytes: &[u8]) -> String {
        let (status, body) = self
            .upload(
                DEV_USER,
                &format!(
                    "pipelines/upload?{}",
                    query(&[("name", name), ("namespace", DEV_NS)])
                ),
                file_name,
                bytes,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["pipeline_id"].as_str().unwrap().to_string()
    }

    async fn experiment(&self, namespace: &str, name: &str) -> String {
        let (status, body) = self
            .post(
                DEV_USER,
                "experiments",
                json!({ "display_name": name, "namespace": namespace }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["experiment_id"].as_str().unwrap().to_string()
    }

    async fn start(
        &self,
        experiment: &str,
        pipeline: &str,
        name: &str,
        parameters: Value,
    ) -> (StatusCode, Value) {
        self.post(
            DEV_USER,
            "runs",
            json!({
                "display_name": name,
                "experiment_id": experiment,
                "pipeline_version_reference": { "pipeline_id": pipeline },
                "runtime_config": { "parameters": parameters },
            }),
        )
        .await
    }

    async fn run_until(&self, run_id: &str, states: &[&str]) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let (status, run) = self.get(DEV_USER, &format!("runs/{run_id}")).await;
            assert_eq!(status, StatusCode::OK, "{run}");
            if states.contains(&run["state"].as_str().unwrap_or_default()) {
                return run;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run {run_id} never reached {states:?}: {}",
                run["state"]
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn workflow(&self, run_id: &str) -> Value {
        let workflows = registry::find("argoproj.io", "v1alpha1", "workflows").unwrap();
        let found = self.sandbox.store().list(
            workflows,
            None,
            &|workflow| {
                workflow
                    .pointer("/metadata/labels/pipeline~1runid")
                    .and_then(Value::as_str)
                    == Some(run_id)
            },
            None,
            None,
        );
        found
            .items
            .into_iter()
            .next()
            .expect("the run has a workflow")
    }
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn corpus(file: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/{file}")).unwrap_or_else(|error| panic!("{file}: {error}"))
}

fn corpus_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(CORPUS)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !matches!(name.as_str(), "SOURCES.md" | "expected_counts.json"))
        .collect();
    files.sort();
    files
}

fn nodes(workflow: &Value) -> Vec<Value> {
    workflow["status"]["nodes"]
        .as_object()
        .map(|nodes| nodes.values().cloned().collect())
        .unwrap_or_default()
}

fn names(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| item[field].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn every_conformance_file_uploads_and_lists() {
    let kfp = kfp().await;
    let files = corpus_files();
    assert_eq!(files.len(), 17, "{files:?}");
    // Two runtime records carry no apiVersion and kind: they are read as the Argo workflows
    // they are (an entrypoint and templates), as the dashboard's preview shows them.
    let records: [&str; 0] = [];
    let mut uploaded = Vec::new();
    for file in &files {
        let (status, body) = kfp
            .upload(
                DEV_USER,
                &format!(
                    "pipelines/upload?{}",
                    query(&[("namespace", DEV_NS), ("display_name", file)])
                ),
                file,
                &corpus(file),
            )
            .await;
        if records.contains(&file.as_str()) {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{file}: {body}");
            let message = body["error_message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!("{file}: not a pipeline")),
                "{message}"
            );
            continue;
        }
        uploaded.push(file.clone());
        assert_eq!(status, StatusCode::OK, "{file}: {body}");
        assert_eq!(body["name"], file.as_str());
        assert_eq!(body["namespace"], DEV_NS);
        assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
        let id = body["pipeline_id"].as_str().unwrap();
        let (status, versions) = kfp.get(DEV_USER, &format!("pipelines/{id}/versions")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(versions["total_size"], 1, "{file}");
        let spec = &versions["pipeline_versions"][0]["pipeline_spec"];
        let described = spec
            .get("pipelineInfo")
            .or_else(|| spec.pointer("/pipeline_spec/pipelineInfo"))
            .or_else(|| spec.get("kind"))
            .or_else(|| spec.pointer("/spec/entrypoint"));
        assert!(
            described.is_some(),
            "{file}: the spec is kept as JSON: {spec}"
        );
    }
    let (status, listed) = kfp
        .get(
            DEV_USER,
            &format!(
                "pipelines?{}",
                query(&[
                    ("namespace", DEV_NS),
                    ("page_size", "100"),
                    ("sort_by", "name")
                ])
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed = names(&listed, "pipelines", "name");
    assert_eq!(uploaded.len(), 17);
    for file in &uploaded {
        assert!(listed.contains(file), "{file} is listed: {listed:?}");
    }
    // The archives keep their member's text, not the archive.
    let (_, zip) = kfp
        .get(DEV_USER, &format!("pipelines?{}", query(&[("namespace", DEV_NS), ("filter", r#"{"predicates":[{"key":"name","operation":"EQUALS","string_value":"arguments_parameters.zip"}]}"#)])))
        .await;
    let id = zip["pipelines"][0]["pipeline_id"].as_str().unwrap();
    let (_, versions) = kfp.get(DEV_USER, &format!("pipelines/{id}/versions")).await;
    assert_eq!(
        versions["pipeline_versions"][0]["pipeline_spec"]["pipelineInfo"]["name"],
        "echo"
    );
    // Shared pipelines: the seeded samples, for everyone.
    let (status, shared) = kfp.get(OTHER_USER, "pipelines?sort_by=name").await;
    assert_eq!(status, StatusCode::OK);
    let shared = names(&shared, "pipelines", "name");
    assert_eq!(
        shared,
        [
            "hello_world",
            "parallel_for_after_dependency",
            "pipeline_with_condition"
        ]
    );
}

/// A zip with one member, deflated.
fn zip(name: &str, contents: &mut dyn FnMut(&mut dyn Write)) -> Vec<u8> {
    struct Counting<'a> {
        crc: flate2::Crc,
        inner: &'a mut flate2::write::DeflateEncoder<Vec<u8>>,
    }
    impl Write for Counting<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.crc.update(buf);
            self.inner.write_all(buf)?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut counting = Counting {
        crc: flate2::Crc::new(),
        inner: &mut encoder,
    };
    contents(&mut counting);
    let (crc, size) = (counting.crc.sum(), counting.crc.amount());
    let data = encoder.finish().unwrap();
    let mut out = Vec::new();
    let header = |out: &mut Vec<u8>, signature: &[u8], central: bool| {
        out.extend_from_slice(signature);
        if central {
            out.extend_from_slice(&20u16.to_le_bytes());
        }
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&8u16.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        if central {
            // comment length, disk, internal and external attributes; the local header at 0
            out.extend_from_slice(&[0; 10]);
            out.extend_from_slice(&0u32.to_le_bytes());
        }
        out.extend_from_slice(name.as_bytes());
    };
    header(&mut out, b"PK\x03\x04", false);
    out.extend_from_slice(&data);
    let central_at = out.len();
    header(&mut out, b"PK\x01\x02", true);
    let central_size = out.len() - central_at;
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&(central_size as u32).to_le_bytes());
    out.extend_from_slice(&(central_at as u32).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const CYCLE: &str = "components:
  comp-echo:
    executorLabel: exec-echo
deploymentSpec:
  executors:
    exec-echo:
      container: {image: alpine, command: [echo]}
pipelineInfo:
  name: cycle
root:
  dag:
    tasks:
      a: {componentRef: {name: comp-echo}, dependentTasks: [b], taskInfo: {name: a}}
      b: {componentRef: {name: comp-echo}, dependentTasks: [a], taskInfo: {name: b}}
schemaVersion: 2.1.0
";

#[tokio::test]
async fn malformed_uploads_are_refused_with_a_reason_and_nothing_is_stored() {
    let kfp = kfp().await;
    let count = |kfp: &Kfp| {
        let pipelines = registry::find("sandbox.kfdash.io", "v1alpha1", "kfppipelines").unwrap();
        let versions =
            registry::find("sandbox.kfdash.io", "v1alpha1", "kfppipelineversions").unwrap();
        let store = kfp.sandbox.store();
        (
            store
                .list(pipelines, None, &|_| true, None, None)
                .items
                .len(),
            store
                .list(versions, None, &|_| true, None, None)
                .items
                .len(),
        )
    };
    let before = count(&kfp);
    let condition = String::from_utf8(corpus("pipeline_with_condition.yaml")).unwrap();
    let hello = String::from_utf8(corpus("hello_world.yaml")).unwrap();
    // A "billion laughs": each level nine times the one before.
    let mut bomb = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for pair in ["a", "b", "c", "d", "e", "f", "g", "h", "i"].windows(2) {
        let nine = vec![format!("*{}", pair[0]); 9].join(", ");
        bomb.push_str(&format!("{0}: &{0} [{nine}]\n", pair[1]));
    }
    let zip_bomb = zip("pipeline.yaml", &mut |out| {
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..40 {
            out.write_all(&chunk).unwrap();
        }
    });
    assert!(
        zip_bomb.len() < 1024 * 1024,
        "a bomb is small: {}",
        zip_bomb.len()
    );
    let no_yaml = zip("README.md", &mut |out| {
        out.write_all(b"# just a readme\n").unwrap()
    });
    let mut garbage = vec![0u8; 4096];
    let mut seed = 0x2545_f491_u32;
    for byte in &mut garbage {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        *byte = seed as u8;
    }
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "truncated.yaml",
            condition.as_bytes()[..condition.len() / 2].to_vec(),
            StatusCode::BAD_REQUEST,
            "truncated.yaml",
        ),
        (
            "schema.yaml",
            hello
                .replace("schemaVersion: 2.1.0", "schemaVersion: 9.9.9")
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "schema version 2.1.0",
        ),
        (
            "dangling.yaml",
            hello
                .replace(
                    "name: comp-echo\n        taskInfo",
                    "name: comp-ehco\n        taskInfo",
                )
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "comp-ehco",
        ),
        (
            "cycle.yaml",
            CYCLE.as_bytes().to_vec(),
            StatusCode::BAD_REQUEST,
            "cycle",
        ),
        (
            "bomb.yaml",
            bomb.into_bytes(),
            StatusCode::BAD_REQUEST,
            "alias",
        ),
        (
            "bomb.zip",
            zip_bomb,
            StatusCode::BAD_REQUEST,
            "decompresses to more than",
        ),
        (
            "huge.yaml",
            vec![b'#'; 40 * 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "32 MiB",
        ),
        (
            "garbage.bin",
            garbage,
            StatusCode::BAD_REQUEST,
            "not a text file",
        ),
        (
            "readme.zip",
            no_yaml,
            StatusCode::BAD_REQUEST,
            "no pipeline.yaml",
        ),
    ];
    for (file, bytes, expected, says) in cases {
        let path = format!("pipelines/upload?{}", query(&[("namespace", DEV_NS)]));
        let (status, body) = kfp.upload(DEV_USER, &path, file, &bytes).await;
        assert_eq!(status, expected, "{file}: {body}");
        let message = body["error_message"].as_str().unwrap();
        assert!(message.contains(says), "{file}: {message}");
        assert_eq!(body["message"], message);
        assert!(body["code"].as_u64().is_some_and(|code| code > 0));
    }
    let (status, body) = kfp
        .send(
            Request::post("/apis/v2beta1/pipelines/upload")
                .header("kubeflow-userid", DEV_USER)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "shared pipelines are written in KFP's namespace: {body}"
    );
    let (status, body) = kfp
        .send(
            Request::post(format!("/apis/v2beta1/pipelines/upload?namespace={DEV_NS}"))
                .header("kubeflow-userid", DEV_USER)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error_message"]
            .as_str()
            .unwrap()
            .contains("uploadfile")
    );
    assert_eq!(count(&kfp), before, "nothing was stored");
}

#[tokio::test]
async fn versions_upload_list_and_delete() {
    let kfp = kfp().await;
    let pipeline = kfp
        .pipeline("greeter", "hello_world.yaml", &corpus("hello_world.yaml"))
        .await;
    let (status, body) = kfp
        .upload(
            DEV_USER,
            &format!(
                "pipelines/upload?{}",
                query(&[("name", "greeter"), ("namespace", DEV_NS)])
            ),
            "x.yaml",
            &corpus("hello_world.yaml"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let path = format!(
        "pipelines/upload_version?{}",
        query(&[
            ("pipelineid", &pipeline),
            ("name", "v2"),
            ("description", "with a coin")
        ])
    );
    let (status, version) = kfp
        .upload(
            DEV_USER,
            &path,
            "c.yaml",
            &corpus("pipeline_with_condition.yaml"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{version}");
    assert_eq!(version["pipeline_id"], pipeline.as_str());
    assert_eq!(version["name"], "v2");
    assert_eq!(version["description"], "with a coin");
    let (status, again) = kfp
        .upload(
            DEV_USER,
            &path,
            "c.yaml",
            &corpus("pipeline_with_condition.yaml"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, versions) = kfp
        .get(
            DEV_USER,
            &format!("pipelines/{pipeline}/versions?sort_by=created_at%20desc"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(versions["total_size"], 2);
    let version_id = version["pipeline_version_id"].as_str().unwrap();
    let (status, got) = kfp
        .get(
            DEV_USER,
            &format!("pipelines/{pipeline}/versions/{version_id}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        got["pipeline_spec"]["pipelineInfo"]["name"],
        "single-condition-pipeline"
    );
    let (status, _) = kfp
        .get(
            DEV_USER,
            &format!("pipelines/{pipeline}/versions/not-a-version"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A run of the pipeline without a version takes the newest.
    let experiment = kfp.experiment(DEV_NS, "versions").await;
    let (status, run) = kfp.start(&experiment, &pipeline, "newest", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(
        run["pipeline_version_reference"]["pipeline_version_id"],
        version_id
    );
    let (status, refused) = kfp
        .call(
            Method::DELETE,
            Some(DEV_USER),
            &format!("pipelines/{pipeline}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(
        refused["error_message"]
            .as_str()
            .unwrap()
            .contains("cascade")
    );
    let (status, _) = kfp
        .call(
            Method::DELETE,
            Some(DEV_USER),
            &format!("pipelines/{pipeline}?cascade=true"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, gone) = kfp.get(DEV_USER, &format!("pipelines/{pipeline}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["code"], 5);
}

const TYPED: &str = "components:
  comp-echo:
    executorLabel: exec-echo
deploymentSpec:
  executors:
    exec-echo:
      container: {image: alpine, command: [echo]}
pipelineInfo:
  name: typed
root:
  dag:
    tasks:
      train: {componentRef: {name: comp-echo}, taskInfo: {name: train}}
      report: {componentRef: {name: comp-echo}, dependentTasks: [train], taskInfo: {name: report}}
  inputDefinitions:
    parameters:
      epochs: {parameterType: NUMBER_INTEGER}
      rate: {parameterType: NUMBER_DOUBLE, defaultValue: 0.1, isOptional: true}
      shuffle: {parameterType: BOOLEAN, defaultValue: true, isOptional: true}
schemaVersion: 2.1.0
";

#[tokio::test]
async fn runs_check_their_parameters_and_run_to_success_with_pods_and_logs() {
    let kfp = kfp().await;
    let pipeline = kfp.pipeline("typed", "typed.yaml", TYPED.as_bytes()).await;
    let experiment = kfp.experiment(DEV_NS, "typed runs").await;
    for (parameters, says) in [
        (json!({}), "\"epochs\" is required"),
        (json!({ "epochs": "ten" }), "\"epochs\" must be an integer"),
        (
            json!({ "epochs": 3, "rate": "fast" }),
            "\"rate\" must be a number",
        ),
        (
            json!({ "epochs": 3, "colour": "red" }),
            "\"colour\" is not one of the pipeline's",
        ),
    ] {
        let (status, body) = kfp
            .start(&experiment, &pipeline, "bad", parameters.clone())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{parameters}: {body}");
        assert!(
            body["error_message"].as_str().unwrap().contains(says),
            "{body}"
        );
    }
    let (status, run) = kfp
        .start(
            &experiment,
            &pipeline,
            "good",
            json!({ "epochs": 3, "shuffle": false }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(
        run["runtime_config"]["parameters"],
        json!({ "epochs": 3, "shuffle": false })
    );
    assert_eq!(run["experiment_id"], experiment.as_str());
    assert_eq!(run["storage_state"], "AVAILABLE");
    assert_eq!(run["finished_at"], "1970-01-01T00:00:00Z");
    let run_id = run["run_id"].as_str().unwrap();
    let done = kfp.run_until(run_id, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    assert_ne!(done["finished_at"], "1970-01-01T00:00:00Z");
    let history: Vec<&str> = done["state_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(history.first(), Some(&"PENDING"));
    assert_eq!(history.last(), Some(&"SUCCEEDED"));
    let tasks = done["run_details"]["task_details"].as_array().unwrap();
    assert!(tasks.iter().any(|task| task["display_name"] == "train"
        && task["state"] == "SUCCEEDED"
        && task["pod_name"].is_string()));

    let workflow = kfp.workflow(run_id);
    assert_eq!(workflow["metadata"]["namespace"], DEV_NS);
    assert_eq!(workflow["status"]["phase"], "Succeeded");
    assert_eq!(workflow["status"]["progress"], "2/2");
    assert_eq!(
        workflow["metadata"]["labels"]["workflows.argoproj.io/completed"],
        "true"
    );
    let arguments = &workflow["spec"]["arguments"]["parameters"];
    assert!(
        arguments
            .as_array()
            .unwrap()
            .contains(&json!({ "name": "rate", "value": "0.1" }))
    );
    let all = nodes(&workflow);
    assert_eq!(all.len(), 3);
    assert!(
        all.iter().all(|node| node["phase"] == "Succeeded"),
        "{all:?}"
    );
    let root = all
        .iter()
        .find(|node| node["id"] == workflow["metadata"]["name"])
        .unwrap();
    assert_eq!(root["type"], "DAG");

    let pods: Api<Pod> = Api::namespaced(kfp.sandbox.admin_client(), DEV_NS);
    let listed = pods
        .list(&ListParams::default().labels(&format!("pipeline/runid={run_id}")))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    let train = all
        .iter()
        .find(|node| node["displayName"] == "train")
        .unwrap();
    let log = pods
        .logs(train["id"].as_str().unwrap(), &LogParams::default())
        .await
        .unwrap();
    assert!(
        log.contains("step ") && log.contains("train") && log.contains("succeeded"),
        "{log}"
    );
    assert!(
        listed
            .items
            .iter()
            .all(|pod| pod.status.as_ref().unwrap().phase.as_deref() == Some("Succeeded"))
    );

    // Deleting the run takes its workflow and pods with it.
    let (status, _) = kfp
        .call(
            Method::DELETE,
            Some(DEV_USER),
            &format!("runs/{run_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = kfp.get(DEV_USER, &format!("runs/{run_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let left = pods
        .list(&ListParams::default().labels(&format!("pipeline/runid={run_id}")))
        .await
        .unwrap();
    assert!(left.items.is_empty());
}

#[tokio::test]
async fn a_failing_step_fails_the_run_and_retry_runs_it_again() {
    let kfp = kfp().await;
    let pipeline = kfp
        .pipeline(
            "fan-out",
            "p.yaml",
            &corpus("parallel_for_after_dependency.yaml"),
        )
        .await;
    let experiment = kfp.experiment(DEV_NS, "failures").await;
    let (status, run) = kfp
        .start(
            &experiment,
            &pipeline,
            "fails",
            json!({ "fail_step": "print-op-2" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let run_id = run["run_id"].as_str().unwrap();
    let failed = kfp.run_until(run_id, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(failed["state"], "FAILED");
    assert!(failed["error"]["message"].is_string(), "{failed}");
    let tasks = failed["run_details"]["task_details"].as_array().unwrap();
    let step = tasks
        .iter()
        .find(|task| task["display_name"] == "print-op-2")
        .unwrap();
    assert_eq!(step["state"], "FAILED");
    let pods: Api<Pod> = Api::namespaced(kfp.sandbox.admin_client(), DEV_NS);
    let log = pods
        .logs(step["pod_name"].as_str().unwrap(), &LogParams::default())
        .await
        .unwrap();
    assert!(log.contains("fail_step"), "the log says why: {log}");
    let workflow = kfp.workflow(run_id);
    let loop_items = nodes(&workflow)
        .iter()
        .filter(|node| {
            node["displayName"]
                .as_str()
                .unwrap()
                .starts_with("for-loop-2(")
        })
        .count();
    assert_eq!(loop_items, 3);

    let (status, body) = kfp
        .post(DEV_USER, &format!("runs/{run_id}:retry"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again = kfp.run_until(run_id, &["RUNNING", "PENDING"]).await;
    assert_eq!(again["finished_at"], "1970-01-01T00:00:00Z");
    let failed_again = kfp.run_until(run_id, &["FAILED"]).await;
    let states: Vec<&str> = failed_again["state_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert!(
        states.ends_with(&["FAILED", "RUNNING", "FAILED"]),
        "{states:?}"
    );
    let (status, body) = kfp
        .post(DEV_USER, &format!("runs/{run_id}:terminate"), json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a finished run can't be terminated: {body}"
    );
}

#[tokio::test]
async fn terminate_stops_a_running_run() {
    let kfp = kfp().await;
    let pipeline = kfp
        .pipeline(
            "nested",
            "n.yaml",
            &corpus("pipeline_in_pipeline_complex.yaml"),
        )
        .await;
    let experiment = kfp.experiment(DEV_NS, "stops").await;
    let (_, run) = kfp
        .start(&experiment, &pipeline, "stopped", json!({}))
        .await;
    let run_id = run["run_id"].as_str().unwrap();
    kfp.run_until(run_id, &["RUNNING"]).await;
    let (status, body) = kfp
        .post(DEV_USER, &format!("runs/{run_id}:retry"), json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "only failed runs are retried: {body}"
    );
    let (status, body) = kfp
        .post(DEV_USER, &format!("runs/{run_id}:terminate"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let canceled = kfp
        .run_until(run_id, &["CANCELED", "SUCCEEDED", "FAILED"])
        .await;
    assert_eq!(canceled["state"], "CANCELED");
    let workflow = kfp.workflow(run_id);
    assert_eq!(workflow["spec"]["activeDeadlineSeconds"], 0);
    assert_eq!(workflow["status"]["phase"], "Failed");
    let terminated = nodes(&workflow)
        .into_iter()
        .filter(|node| node["message"] == "terminated")
        .count();
    assert!(terminated > 0, "{:#}", workflow["status"]);
}

#[tokio::test]
async fn runs_list_with_filters_sorting_and_pages() {
    let kfp = kfp().await;
    let pipeline = kfp
        .pipeline("hello", "h.yaml", &corpus("hello_world.yaml"))
        .await;
    let experiment = kfp.experiment(DEV_NS, "listing").await;
    let mut ids = Vec::new();
    for (name, parameters) in [
        ("train small", json!({})),
        ("train big", json!({ "fail_step": "echo" })),
        ("evaluate", json!({})),
        ("train again", json!({ "fail_step": "echo" })),
    ] {
        let (status, run) = kfp.start(&experiment, &pipeline, name, parameters).await;
        assert_eq!(status, StatusCode::OK, "{run}");
        ids.push(run["run_id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        kfp.run_until(id, &["SUCCEEDED", "FAILED"]).await;
    }
    let list = |pairs: Vec<(&str, &str)>| {
        let path = format!("runs?{}", query(&pairs));
        let kfp = &kfp;
        async move {
            let (status, body) = kfp.get(DEV_USER, &path).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    let filter = r#"{"predicates":[{"key":"state","operation":"EQUALS","string_value":"FAILED"},{"key":"display_name","operation":"IS_SUBSTRING","string_value":"train"}]}"#;
    let failed = list(vec![
        ("experiment_id", &experiment),
        ("filter", filter),
        ("sort_by", "display_name"),
    ])
    .await;
    assert_eq!(
        names(&failed, "runs", "display_name"),
        ["train again", "train big"]
    );
    assert_eq!(failed["total_size"], 2);
    let not_archived = r#"{"predicates":[{"key":"storage_state","operation":"NOT_EQUALS","string_value":"ARCHIVED"}]}"#;
    let first = list(vec![
        ("namespace", DEV_NS),
        ("experiment_id", &experiment),
        ("page_size", "3"),
        ("sort_by", "display_name desc"),
        ("filter", not_archived),
    ])
    .await;
    assert_eq!(
        names(&first, "runs", "display_name"),
        ["train small", "train big", "train again"]
    );
    assert_eq!(first["total_size"], 4);
    let token = first["next_page_token"].as_str().unwrap();
    let second = list(vec![
        ("experiment_id", &experiment),
        ("page_size", "3"),
        ("page_token", token),
    ])
    .await;
    assert_eq!(names(&second, "runs", "display_name"), ["evaluate"]);
    assert!(second.get("next_page_token").is_none());
    let in_states = r#"{"predicates":[{"key":"state","operation":"IN","string_values":{"values":["SUCCEEDED"]}},{"key":"created_at","operation":"GREATER_THAN","timestamp_value":"2000-01-01T00:00:00Z"}]}"#;
    let succeeded = list(vec![
        ("experiment_id", &experiment),
        ("filter", in_states),
        ("sort_by", "created_at desc"),
    ])
    .await;
    assert_eq!(succeeded["total_size"], 2);
    // Archived runs stay listable, and filter out as the KFP UI filters them.
    let (status, _) = kfp
        .post(DEV_USER, &format!("runs/{}:archive", ids[0]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let active = list(vec![
        ("experiment_id", &experiment),
        ("filter", not_archived),
    ])
    .await;
    assert_eq!(active["total_size"], 3);
    for (pairs, says) in [
        (
            vec![
                ("experiment_id", experiment.as_str()),
                ("sort_by", "colour"),
            ],
            "Invalid sorting field",
        ),
        (
            vec![("experiment_id", experiment.as_str()), ("filter", "{oops")],
            "not valid JSON",
        ),
        (
            vec![("experiment_id", experiment.as_str()), ("page_size", "-3")],
            "greater than 0",
        ),
        (vec![], "must filter by namespace"),
    ] {
        let (status, body) = kfp.get(DEV_USER, &format!("runs?{}", query(&pairs))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{pairs:?}");
        assert!(
            body["error_message"].as_str().unwrap().contains(says),
            "{body}"
        );
    }
}

#[tokio::test]
async fn experiments_archive_with_their_runs() {
    let kfp = kfp().await;
    let pipeline = kfp
        .pipeline("hello", "h.yaml", &corpus("hello_world.yaml"))
        .await;
    let experiment = kfp.experiment(DEV_NS, "to archive").await;
    let (status, body) = kfp
        .post(
            DEV_USER,
            "experiments",
            json!({ "display_name": "to archive", "namespace": DEV_NS }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, run) = kfp.start(&experiment, &pipeline, "one", json!({})).await;
    let run_id = run["run_id"].as_str().unwrap();
    let (status, _) = kfp
        .post(
            DEV_USER,
            &format!("experiments/{experiment}:archive"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, got) = kfp
        .get(DEV_USER, &format!("experiments/{experiment}"))
        .await;
    assert_eq!(got["storage_state"], "ARCHIVED");
    let (_, run) = kfp.get(DEV_USER, &format!("runs/{run_id}")).await;
    assert_eq!(run["storage_state"], "ARCHIVED");
    let (status, refused) = kfp.start(&experiment, &pipeline, "two", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let (status, _) = kfp
        .post(DEV_USER, &format!("runs/{run_id}:unarchive"), json!({}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = kfp
        .post(
            DEV_USER,
            &format!("experiments/{experiment}:unarchive"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = kfp
        .post(DEV_USER, &format!("runs/{run_id}:unarchive"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, listed) = kfp
        .get(
            DEV_USER,
            &format!("experiments?namespace={DEV_NS}&sort_by=name"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        names(&listed, "experiments", "display_name"),
        ["Default", "to archive"]
    );
}

#[tokio::test]
async fn other_tenants_get_403_and_no_identity_401() {
    let kfp = kfp().await;
    let pipeline = kfp
        .pipeline("private", "h.yaml", &corpus("hello_world.yaml"))
        .await;
    let experiment = kfp.experiment(DEV_NS, "mine").await;
    let (_, run) = kfp.start(&experiment, &pipeline, "mine", json!({})).await;
    let run_id = run["run_id"].as_str().unwrap();
    for path in [
        format!("runs?namespace={DEV_NS}"),
        format!("runs/{run_id}"),
        format!("experiments?namespace={DEV_NS}"),
        format!("experiments/{experiment}"),
        format!("pipelines?namespace={DEV_NS}"),
        format!("pipelines/{pipeline}"),
        format!("pipelines/{pipeline}/versions"),
    ] {
        let (status, body) = kfp.get(OTHER_USER, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(body["code"], 7);
        let message = body["error_message"].as_str().unwrap();
        assert!(
            message.contains(&format!("User '{OTHER_USER}' is not authorized")),
            "{message}"
        );
        assert!(
            message.contains("Group:pipelines.kubeflow.org"),
            "{message}"
        );
    }
    for (path, body) in [
        (format!("runs/{run_id}:terminate"), json!({})),
        (
            "experiments".to_string(),
            json!({ "display_name": "intruder", "namespace": DEV_NS }),
        ),
        (
            "runs".to_string(),
            json!({ "display_name": "x", "experiment_id": experiment, "pipeline_version_reference": { "pipeline_id": pipeline } }),
        ),
    ] {
        let (status, answer) = kfp.post(OTHER_USER, &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
    let (status, _) = kfp
        .call(
            Method::DELETE,
            Some(OTHER_USER),
            &format!("runs/{run_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Their own namespace works, and shared pipelines are theirs to read and run.
    let (status, theirs) = kfp
        .get(OTHER_USER, &format!("experiments?namespace={OTHER_NS}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let their_experiment = theirs["experiments"][0]["experiment_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, shared) = kfp.get(OTHER_USER, "pipelines").await;
    let shared_id = shared["pipelines"][0]["pipeline_id"].as_str().unwrap();
    let (status, body) = kfp
        .post(OTHER_USER, "runs", json!({ "display_name": "theirs", "experiment_id": their_experiment, "pipeline_version_reference": { "pipeline_id": shared_id } }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A private pipeline can't be run from another namespace.
    let (status, body) = kfp
        .post(OTHER_USER, "runs", json!({ "display_name": "x", "experiment_id": their_experiment, "pipeline_version_reference": { "pipeline_id": pipeline } }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // The team's contributors may work there.
    let team = kfp.experiment("team-ml", "team work").await;
    assert!(!team.is_empty());
    for user in [None, Some("")] {
        let (status, body) = kfp
            .call(Method::GET, user, &format!("runs?namespace={DEV_NS}"), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["code"], 16);
    }
}

#[tokio::test]
async fn the_seeded_runs_succeeded_failed_and_the_running_one_finishes() {
    let kfp = kfp().await;
    let (status, experiments) = kfp
        .get(DEV_USER, &format!("experiments?namespace={DEV_NS}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        names(&experiments, "experiments", "display_name"),
        ["Default"]
    );
    let (status, runs) = kfp
        .get(
            DEV_USER,
            &format!("runs?namespace={DEV_NS}&sort_by=created_at"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let states: Vec<(String, String)> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            (
                run["display_name"].as_str().unwrap().to_string(),
                run["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(states.len(), 3, "{states:?}");
    let state_of = |name: &str| {
        states
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap()
    };
    assert_eq!(state_of("Coin flip"), "SUCCEEDED");
    assert_eq!(state_of("Fan-out after a loop"), "FAILED");
    let running = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["display_name"] == "Nested loops and conditions")
        .unwrap();
    let done = kfp
        .run_until(
            running["run_id"].as_str().unwrap(),
            &["SUCCEEDED", "FAILED"],
        )
        .await;
    assert_eq!(done["state"], "SUCCEEDED");
    let (_, mine) = kfp
        .get(DEV_USER, &format!("pipelines?namespace={DEV_NS}"))
        .await;
    assert_eq!(
        names(&mine, "pipelines", "name"),
        ["pipeline_in_pipeline_complex"]
    );
    for namespace in ["team-ml", OTHER_NS] {
        let user = if namespace == OTHER_NS {
            OTHER_USER
        } else {
            DEV_USER
        };
        let (_, experiments) = kfp
            .get(user, &format!("experiments?namespace={namespace}"))
            .await;
        assert_eq!(
            names(&experiments, "experiments", "display_name"),
            ["Default"],
            "{namespace}"
        );
    }
}

#[tokio::test]
async fn kfp_records_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let options = || {
        let mut options = SandboxOptions::new(dir.path(), DEV_USER);
        options.pace = Pace {
            step: Duration::from_millis(30),
        };
        options
    };
    let sandbox = Sandbox::start(options()).await.unwrap();
    let kfp = Kfp {
        router: sandbox.kfp_router(),
        sandbox,
        _dir: tempfile::tempdir().unwrap(),
    };
    let pipeline = kfp
        .pipeline("kept", "h.yaml", &corpus("hello_world.yaml"))
        .await;
    kfp.sandbox.save_now().unwrap();
    drop(kfp);
    let sandbox = Sandbox::start(options()).await.unwrap();
    let router = sandbox.kfp_router();
    let again = Kfp {
        sandbox,
        router,
        _dir: tempfile::tempdir().unwrap(),
    };
    let (status, body) = again.get(DEV_USER, &format!("pipelines/{pipeline}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "kept");
    let (_, runs) = again
        .get(DEV_USER, &format!("runs?namespace={DEV_NS}"))
        .await;
    assert_eq!(runs["total_size"], 3);
}

#[tokio::test]
async fn a_big_run_offloads_its_nodes_as_compressed_nodes() {
    let kfp = kfp().await;
    let items: Vec<String> = (0..400).map(|i| format!("{i}")).collect();
    let big = String::from_utf8(corpus("parallel_for_after_dependency.yaml"))
        .unwrap()
        .replace(
            "raw: '[1, 2, 3]'",
            &format!("raw: '[{}]'", items.join(", ")),
        );
    assert!(big.contains("399"), "the loop's items were replaced");
    let pipeline = kfp.pipeline("big", "big.yaml", big.as_bytes()).await;
    let experiment = kfp.experiment(DEV_NS, "big").await;
    let (_, run) = kfp.start(&experiment, &pipeline, "big", json!({})).await;
    let run_id = run["run_id"].as_str().unwrap();
    let done = kfp.run_until(run_id, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(done["state"], "SUCCEEDED");
    let workflow = kfp.workflow(run_id);
    assert!(workflow["status"].get("nodes").is_none());
    assert!(workflow["status"]["compressedNodes"].is_string());
    let graph = app::domain::pipeline::run_graph(&workflow).unwrap();
    assert_eq!(
        graph.nodes.len(),
        402,
        "400 loop steps and the two after it"
    );
    assert!(
        done["run_details"]["task_details"]
            .as_array()
            .unwrap()
            .len()
            > 800
    );
}
