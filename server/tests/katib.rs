//! Katib through kfdash's own routes, against the sandbox's simulated Katib: the seeded
//! experiments list and shape, every real example is created (in the caller's namespace,
//! whatever the YAML says), bad experiments are refused with their line, an experiment runs to
//! completion with learning curves over gRPC, stop / raise the budget / delete, the live
//! streams, other tenants refused, and a katib-db-manager that can't be reached.

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::sandbox::controllers::katib::{FAILURE_RATE_ANNOTATION, UNAVAILABLE_RATE_ANNOTATION};
use std::time::Duration;

mod common;
#[path = "common/dashboard.rs"]
mod shared;
use shared::{Dashboard, call, call_json, signed};

const OWNER: &str = "user@example.com";
const NS: &str = "kubeflow-user-example-com";
const OTHER: &str = "other@example.com";

async fn dashboard(extra: &[&str]) -> Dashboard {
    shared::dashboard(extra, OWNER, |options| {
        options.pace.step = Duration::from_millis(20)
    })
    .await
}

fn example(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/katib/examples")
            .join(name),
    )
    .unwrap()
}

async fn view(dashboard: &Dashboard, user: &str, name: &str) -> (StatusCode, Value) {
    call(
        dashboard,
        user,
        "katib/experiments/get",
        &[("namespace", NS), ("name", name)],
    )
    .await
}

async fn create(dashboard: &Dashboard, user: &str, text: &str) -> (StatusCode, Value) {
    call(
        dashboard,
        user,
        "katib/experiments/create",
        &[("namespace", NS), ("text", text)],
    )
    .await
}

/// Polls the experiment until `done` says so (or 30 s pass), returning the last view.
async fn until(dashboard: &Dashboard, name: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        let (status, body) = view(dashboard, OWNER, name).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if done(&body) {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} did not get there: {}", last["row"]);
}

fn state(view: &Value) -> &str {
    view["row"]["state"].as_str().unwrap_or_default()
}

/// The first server-sent event of a stream, as JSON.
async fn first_event(dashboard: &Dashboard, path: &str, user: &str) -> (StatusCode, Value) {
    let request = signed(Request::get(path), user)
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(dashboard.app.clone(), request)
        .await
        .unwrap();
    let status = response.status();
    if status != StatusCode::OK {
        return (status, Value::Null);
    }
    let mut body = response.into_body();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .unwrap();
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let text = String::from_utf8(data.to_vec()).unwrap();
        if let Some(json) = text.strip_prefix("data: ") {
            return (status, serde_json::from_str(json.trim()).unwrap());
        }
    }
}

#[tokio::test]
async fn the_seeded_experiments_list_live_and_shape_for_their_page() {
    let dashboard = dashboard(&[]).await;
    let (status, rows) = call(
        &dashboard,
        OWNER,
        "katib/experiments/list",
        &[("namespace", NS)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let rows = rows.as_array().unwrap();
    let finished = rows
        .iter()
        .find(|r| r["name"] == "mnist-random")
        .expect("the finished seed");
    assert_eq!(finished["state"], "Succeeded", "{finished}");
    let total = finished["counts"]["total"].as_u64().unwrap();
    assert!((180..=220).contains(&total), "{finished}");
    assert!(finished["best"].as_f64().is_some(), "{finished}");
    let running = rows
        .iter()
        .find(|r| r["name"] == "pytorch-mnist-random")
        .expect("the running seed");
    assert_eq!(running["state"], "Running", "{running}");

    // The page's data: one row per trial, aligned with the columns, and the best trial.
    let (status, page) = view(&dashboard, OWNER, "mnist-random").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let trials = page["trials"].as_array().unwrap();
    assert_eq!(trials.len() as u64, total);
    let parameters = page["parameters"].as_array().unwrap().len();
    let metrics = page["metrics"].as_array().unwrap().len();
    assert_eq!(parameters, 4);
    assert!(metrics >= 2, "{}", page["metrics"]);
    for trial in trials {
        assert_eq!(trial["parameters"].as_array().unwrap().len(), parameters);
        assert_eq!(trial["metrics"].as_array().unwrap().len(), metrics);
    }
    let best = page["optimal"]["name"].as_str().expect("an optimal trial");
    assert!(trials.iter().any(|t| t["name"] == best));
    assert!(
        page["yaml"]
            .as_str()
            .unwrap()
            .contains("objectiveMetricName")
    );
    assert!(!page["yaml"].as_str().unwrap().contains("managedFields"));

    // What the server renders first: the same experiment without listing its trials.
    let (status, overview) = call(
        &dashboard,
        OWNER,
        "katib/experiments/overview",
        &[("namespace", NS), ("name", "mnist-random")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["trials"], json!([]));
    let mut without_trials = page.clone();
    without_trials["trials"] = json!([]);
    assert_eq!(overview, without_trials);
    // The page as the server renders it carries that overview: its tab drawn, and data
    // without a trial row for the browser to read before the page is usable.
    let request = signed(
        Request::get(format!("/experiments/{NS}/mnist-random")),
        OWNER,
    )
    .body(Body::empty())
    .unwrap();
    let response = tower::ServiceExt::oneshot(dashboard.app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.into_body().collect().await.unwrap().to_bytes();
    let html = String::from_utf8(html.to_vec()).unwrap();
    assert!(html.contains("data-testid=\"best-trial-link\""), "{html}");
    assert!(html.contains(r#"\"trials\":[]"#), "{html}");
    assert!(!html.contains(r#"\"trials\":[{"#), "{html}");

    // The live list starts with a snapshot of the same experiments.
    let (status, first) = first_event(
        &dashboard,
        &format!("/api/watch/experiments?ns={NS}"),
        OWNER,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let snapshot = first["Snapshot"].as_array().expect("a snapshot first");
    assert!(snapshot.iter().any(|r| r["name"] == "mnist-random"));
    assert!(snapshot.iter().any(|r| r["name"] == "pytorch-mnist-random"));

    // The trial page: parameters, metrics and the pods' log when it has pods.
    let (status, trial) = call(
        &dashboard,
        OWNER,
        "katib/trials/get",
        &[("namespace", NS), ("name", best)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{trial}");
    assert_eq!(trial["experiment"], "mnist-random");
    assert_eq!(trial["parameters"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn every_real_example_is_created_in_the_callers_namespace() {
    let dashboard = dashboard(&[]).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/katib/examples");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("namespace: kubeflow"), "{path:?}");
        let (status, row) = create(&dashboard, OWNER, &text).await;
        assert_eq!(status, StatusCode::OK, "{path:?}: {row}");
        assert_eq!(row["namespace"], NS, "{row}");
        names.push(row["name"].as_str().unwrap().to_string());
    }
    assert_eq!(names.len(), 9);
    // Creating the same one again is a conflict, said as such.
    let (status, error) = create(&dashboard, OWNER, &example("hp-tuning_random.yaml")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(error.to_string().contains("exists already"), "{error}");
}

#[tokio::test]
async fn bad_experiments_are_refused_with_their_line_and_nothing_is_created() {
    let dashboard = dashboard(&[]).await;
    let random = example("hp-tuning_random.yaml");
    let cases: Vec<(String, &str)> = vec![
        (
            random.replace("  parallelTrialCount: 3", "  parallelTrialCount: [3"),
            "line 15: not valid YAML",
        ),
        (
            random.replace("min: \"0.01\"", "min: \"0.09\""),
            "line 20: spec.parameters[0].feasibleSpace: min (0.09) must not be greater than max",
        ),
        (
            random.replace("parallelTrialCount: 3", "parallelTrialCount: 30"),
            "line 14: spec.parallelTrialCount: must be at most maxTrialCount (12)",
        ),
        (
            random.replace("name: random", "name: Random_Experiment"),
            "line 6: metadata.name",
        ),
        (
            random.replace("parameterType: double", "parameterType: float"),
            "line 19: spec.parameters[0].parameterType",
        ),
        (
            random.replace("objectiveMetricName: loss", "objectiveMetricName: \"\""),
            "line 11: spec.objective.objectiveMetricName: must not be empty",
        ),
        (
            random.replace("reference: lr", "reference: learning_rate"),
            "line 33: spec.trialTemplate.trialParameters[0].reference",
        ),
        ("just: text".to_string(), "kind: is required"),
    ];
    for (text, mentions) in cases {
        let (status, error) = create(&dashboard, OWNER, &text).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}\n{error}");
        assert!(
            error.to_string().contains(mentions),
            "expected {mentions:?} in {error}"
        );
    }
    let huge = format!("{random}\n#{}", "x".repeat(1024 * 1024));
    let (status, error) = create(&dashboard, OWNER, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    let (_, rows) = call(
        &dashboard,
        OWNER,
        "katib/experiments/list",
        &[("namespace", NS)],
    )
    .await;
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["name"] != "random"),
        "{rows}"
    );
}

#[tokio::test]
async fn an_experiment_runs_to_completion_with_learning_curves_over_grpc() {
    let dashboard = dashboard(&[]).await;
    // The sandbox fails a share of trials, drawn from their random names: with the example's
    // maxFailedTrialCount of 3, about one run in twenty would end Failed. This test is about
    // a run to its end, so no trial fails here (failures have their own tests).
    let text = example("hp-tuning_random.yaml").replacen(
        "metadata:\n",
        &format!(
            "metadata:\n  annotations:\n    {FAILURE_RATE_ANNOTATION}: \"0\"\n    \
             {UNAVAILABLE_RATE_ANNOTATION}: \"0\"\n"
        ),
        1,
    );
    let (status, row) = create(&dashboard, OWNER, &text).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    let done = until(&dashboard, "random", |v| {
        state(v) == "Succeeded" || state(v) == "Failed"
    })
    .await;
    assert_eq!(state(&done), "Succeeded", "{}", done["row"]);
    let counts = &done["row"]["counts"];
    assert_eq!(
        (&counts["failed"], &counts["metrics_unavailable"]),
        (&json!(0), &json!(0))
    );
    let trials = done["trials"].as_array().unwrap();
    assert!(!trials.is_empty() && trials.len() <= 12);
    let best = done["optimal"]["name"]
        .as_str()
        .expect("an optimal trial")
        .to_string();

    let (status, logs) = call_json(
        &dashboard,
        OWNER,
        "katib/observation-logs",
        json!({ "namespace": NS, "experiment": "random", "trials": [best], "metric": "loss" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{logs}");
    let curves = logs["Available"]
        .as_array()
        .expect("curves from the sandbox's katib-db-manager");
    let points = curves[0]["points"].as_array().unwrap();
    assert!(points.len() >= 2, "{logs}");
    // The curve ends where the trial's latest loss is.
    let (_, trial) = call(
        &dashboard,
        OWNER,
        "katib/trials/get",
        &[("namespace", NS), ("name", &best)],
    )
    .await;
    let loss = trial["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "loss")
        .unwrap();
    let latest = loss["latest"]["value"].as_f64().unwrap();
    let last = points.last().unwrap()["value"].as_f64().unwrap();
    assert!((latest - last).abs() < 1e-9, "{latest} vs {last}");

    // The dashboard passed on what the sandbox's katib-db-manager holds, point for point.
    let mut grpc = server::katib_grpc::db_manager_client::DbManagerClient::connect(
        dashboard.sandbox.katib_db_url(),
    )
    .await
    .unwrap();
    let direct = grpc
        .get_observation_log(server::katib_grpc::GetObservationLogRequest {
            trial_name: best.clone(),
            metric_name: "loss".into(),
            start_time: String::new(),
            end_time: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .observation_log
        .unwrap()
        .metric_logs;
    assert_eq!(direct.len(), points.len());

    // A trial that isn't this experiment's is not asked for.
    let (status, error) = call_json(
        &dashboard,
        OWNER,
        "katib/observation-logs",
        json!({ "namespace": NS, "experiment": "random", "trials": ["mnist-random-nothere"], "metric": "loss" }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
}

#[tokio::test]
async fn stop_raise_the_budget_and_delete() {
    let dashboard = dashboard(&[]).await;
    let long = example("hp-tuning_random.yaml")
        .replace("name: random", "name: long")
        .replace("maxTrialCount: 12", "maxTrialCount: 40")
        .replace("goal: 0.001", "goal: 0.0000001")
        .replace("maxFailedTrialCount: 3", "maxFailedTrialCount: 40");
    let (status, row) = create(&dashboard, OWNER, &long).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    // Stop keeps what finished, so wait for a finished trial.
    until(&dashboard, "long", |v| {
        state(v) == "Running" && v["row"]["counts"]["succeeded"].as_u64().unwrap_or(0) >= 1
    })
    .await;

    let act = |action: Value| {
        call_json(
            &dashboard,
            OWNER,
            "katib/experiments/action",
            json!({ "namespace": NS, "name": "long", "action": action }),
        )
    };
    let (status, error) = act(json!({ "SetMaxTrials": 10 })).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "lowering is not raising: {error}"
    );
    let (status, body) = act(json!({ "SetMaxTrials": 60 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, raised) = view(&dashboard, OWNER, "long").await;
    assert_eq!(raised["row"]["max_trials"], 60);

    let (status, body) = act(json!("Stop")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stopped = until(&dashboard, "long", |v| state(v) == "Succeeded").await;
    let total = stopped["row"]["counts"]["total"].as_u64().unwrap();
    assert!(total < 60, "{}", stopped["row"]);
    assert!(
        stopped["trials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["state"] != "Running" && t["state"] != "Pending")
    );
    let (status, error) = act(json!("Stop")).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a finished experiment can't stop again: {error}"
    );

    let (status, body) = act(json!("Delete")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for _ in 0..100 {
        if view(&dashboard, OWNER, "long").await.0 == StatusCode::NOT_FOUND {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the deleted experiment is still there");
}

#[tokio::test]
async fn other_tenants_and_bad_names_are_refused() {
    let dashboard = dashboard(&[]).await;
    let (status, _) = view(&dashboard, OTHER, "mnist-random").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &dashboard,
        OTHER,
        "katib/experiments/overview",
        &[("namespace", NS), ("name", "mnist-random")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &dashboard,
        OTHER,
        "katib/experiments/list",
        &[("namespace", NS)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = create(&dashboard, OTHER, &example("hp-tuning_random.yaml")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call_json(
        &dashboard,
        OTHER,
        "katib/experiments/action",
        json!({ "namespace": NS, "name": "mnist-random", "action": "Delete" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = first_event(
        &dashboard,
        &format!("/api/watch/experiments?ns={NS}"),
        OTHER,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = first_event(
        &dashboard,
        &format!("/api/watch/experiment?ns={NS}&name=mnist-random"),
        OTHER,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call_json(
        &dashboard,
        OTHER,
        "katib/observation-logs",
        json!({ "namespace": NS, "experiment": "mnist-random", "trials": ["x"], "metric": "loss" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    for endpoint in ["katib/experiments/get", "katib/experiments/overview"] {
        for (namespace, name) in [("Bad_NS", "mnist-random"), (NS, "../etc"), (NS, "")] {
            let (status, _) = call(
                &dashboard,
                OWNER,
                endpoint,
                &[("namespace", namespace), ("name", name)],
            )
            .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{endpoint} {namespace}/{name}"
            );
        }
    }
    let (status, _) = call(
        &dashboard,
        OWNER,
        "katib/trials/log",
        &[("namespace", NS), ("trial", "a"), ("pod", "a/../b")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let (status, _) = call_json(
        &dashboard,
        OWNER,
        "katib/observation-logs",
        json!({ "namespace": NS, "experiment": "mnist-random", "trials": many, "metric": "loss" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn learning_curves_say_why_when_katib_db_manager_cannot_be_reached() {
    let dashboard = dashboard(&["--katib-db-manager", "http://127.0.0.1:9"]).await;
    let (_, page) = view(&dashboard, OWNER, "mnist-random").await;
    let best = page["optimal"]["name"].as_str().unwrap();
    let (status, logs) = call_json(
        &dashboard,
        OWNER,
        "katib/observation-logs",
        json!({ "namespace": NS, "experiment": "mnist-random", "trials": [best], "metric": "loss" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{logs}");
    let reason = logs["Unavailable"]
        .as_str()
        .expect("an unavailable state, not an error");
    assert!(reason.contains("127.0.0.1:9"), "{reason}");
}
