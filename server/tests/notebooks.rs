//! Notebook servers through the server functions and the live stream, against the sandbox:
//! create / list / stop / start / edit / delete, every bad input refused with the field it is about
//! and nothing created, other tenants refused, and status changes streamed.

use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
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

async fn dashboard(extra: &[&str]) -> Dashboard {
    shared::dashboard(extra, OWNER, |options| {
        options.pace.step = Duration::from_millis(40)
    })
    .await
}

async fn answer(dashboard: &Dashboard, request: Request<Body>) -> (StatusCode, Value) {
    dashboard.answer(request).await
}

async fn create(
    dashboard: &Dashboard,
    user: &str,
    namespace: &str,
    form: Value,
) -> (StatusCode, Value) {
    let body = json!({ "namespace": namespace, "form": form });
    call_json(dashboard, user, "notebooks/create", body).await
}

fn notebooks_resource() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Notebook"))
}

async fn notebook_names(dashboard: &Dashboard, namespace: &str) -> Vec<String> {
    Api::<DynamicObject>::namespaced_with(
        dashboard.sandbox.admin_client(),
        namespace,
        &notebooks_resource(),
    )
    .list(&ListParams::default())
    .await
    .unwrap()
    .items
    .into_iter()
    .filter_map(|n| n.metadata.name)
    .collect()
}

async fn claim_names(dashboard: &Dashboard, namespace: &str) -> Vec<String> {
    Api::<PersistentVolumeClaim>::namespaced(dashboard.sandbox.admin_client(), namespace)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect()
}

async fn row_of(dashboard: &Dashboard, name: &str) -> Option<Value> {
    let (status, rows) = call(dashboard, OWNER, "notebooks/list", &[("namespace", NS)]).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    rows.as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == name)
        .cloned()
}

async fn wait_for_phase(dashboard: &Dashboard, name: &str, phase: &str) -> Value {
    for _ in 0..100 {
        if let Some(row) = row_of(dashboard, name).await
            && row["status"]["phase"] == phase
        {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{name} never reached {phase}: {:?}",
        row_of(dashboard, name).await
    );
}

async fn notebook_object(dashboard: &Dashboard, name: &str) -> Value {
    let notebook = Api::<DynamicObject>::namespaced_with(
        dashboard.sandbox.admin_client(),
        NS,
        &notebooks_resource(),
    )
    .get(name)
    .await
    .unwrap();
    serde_json::to_value(notebook).unwrap()
}

fn good_form(name: &str) -> Value {
    json!({
        "name": name,
        "cpu": "2",
        "memory": "4Gi",
        "gpus": { "num": "1", "vendor": "nvidia.com/gpu" },
    })
}

#[tokio::test]
async fn a_notebook_is_created_listed_stopped_started_and_deleted() {
    let dashboard = dashboard(&[]).await;
    let (status, row) = create(&dashboard, OWNER, NS, good_form("trainer")).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(row["name"], "trainer");

    // The object is what Kubeflow's controller expects.
    let data = notebook_object(&dashboard, "trainer").await;
    assert_eq!(
        data.pointer("/metadata/annotations/notebooks.kubeflow.org~1creator"),
        Some(&json!(OWNER))
    );
    assert_eq!(
        data.pointer("/spec/template/spec/serviceAccountName"),
        Some(&json!("default-editor"))
    );
    let container = data.pointer("/spec/template/spec/containers/0").unwrap();
    assert_eq!(
        container.pointer("/resources/requests/cpu"),
        Some(&json!("2"))
    );
    assert_eq!(
        container.pointer("/resources/requests/memory"),
        Some(&json!("4Gi"))
    );
    assert_eq!(
        container.pointer("/resources/limits/nvidia.com~1gpu"),
        Some(&json!("1"))
    );
    assert!(
        claim_names(&dashboard, NS)
            .await
            .contains(&"trainer-workspace".to_string())
    );

    let ready = wait_for_phase(&dashboard, "trainer", "ready").await;
    assert_eq!(ready["gpus"]["count"], 1);
    assert_eq!(ready["cpu"], "2");

    let (status, stopped) = call(
        &dashboard,
        OWNER,
        "notebooks/stop",
        &[("namespace", NS), ("name", "trainer"), ("stopped", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{stopped}");
    assert_eq!(stopped["stopped"], true);
    wait_for_phase(&dashboard, "trainer", "stopped").await;

    let (status, _) = call(
        &dashboard,
        OWNER,
        "notebooks/stop",
        &[("namespace", NS), ("name", "trainer"), ("stopped", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    wait_for_phase(&dashboard, "trainer", "ready").await;

    let (status, details) = call(
        &dashboard,
        OWNER,
        "notebooks/details",
        &[("namespace", NS), ("name", "trainer")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{details}");
    assert!(
        details["yaml"].as_str().unwrap().contains("kind: Notebook"),
        "{details}"
    );
    assert!(!details["yaml"].as_str().unwrap().contains("managedFields"));
    assert_eq!(details["form"]["name"], "trainer");
    assert!(!details["events"].as_array().unwrap().is_empty());
    let (status, logs) = call(
        &dashboard,
        OWNER,
        "notebooks/logs",
        &[("namespace", NS), ("name", "trainer")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{logs}");
    assert!(
        logs.as_str().unwrap().contains("Jupyter Server is running"),
        "{logs}"
    );

    let (status, volumes) = call(
        &dashboard,
        OWNER,
        "notebooks/volumes",
        &[("namespace", NS), ("name", "trainer")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(volumes, json!(["trainer-workspace"]));
    let (status, deleted) = call(
        &dashboard,
        OWNER,
        "notebooks/delete",
        &[
            ("namespace", NS),
            ("name", "trainer"),
            ("delete_volumes", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted, json!(["trainer-workspace"]));
    assert!(
        !claim_names(&dashboard, NS)
            .await
            .contains(&"trainer-workspace".to_string())
    );
}

#[tokio::test]
async fn every_bad_input_names_its_field_and_creates_nothing() {
    let dashboard = dashboard(&[]).await;
    let notebooks_before = notebook_names(&dashboard, NS).await;
    let claims_before = claim_names(&dashboard, NS).await;
    let with = |patch: Value| {
        let mut form = good_form("bad-one");
        for (key, value) in patch.as_object().unwrap() {
            form[key] = value.clone();
        }
        form
    };
    let existing = notebooks_before
        .first()
        .cloned()
        .expect("the seed has notebooks");
    let cases: Vec<(Value, &str)> = vec![
        (with(json!({ "name": "Bad_Name" })), "name"),
        (with(json!({ "name": "" })), "name"),
        (with(json!({ "name": "a".repeat(64) })), "name"),
        (with(json!({ "name": existing })), "name"),
        (with(json!({ "cpu": "abc" })), "cpu"),
        (with(json!({ "cpu": "-1" })), "cpu"),
        (with(json!({ "cpu": "0" })), "cpu"),
        (with(json!({ "cpu": "1e400" })), "cpu"),
        (with(json!({ "cpu": "2", "cpu_limit": "1" })), "cpu_limit"),
        (with(json!({ "memory": "lots" })), "memory"),
        (
            with(json!({ "memory": "4Gi", "memory_limit": "1Gi" })),
            "memory_limit",
        ),
        (
            with(json!({ "gpus": { "num": "3x", "vendor": "nvidia.com/gpu" } })),
            "gpus.num",
        ),
        (
            with(json!({ "gpus": { "num": "1", "vendor": "example.com/tpu" } })),
            "gpus.vendor",
        ),
        (
            with(json!({ "image_pull_policy": "Sometimes" })),
            "image_pull_policy",
        ),
        (with(json!({ "image": "has spaces in it" })), "image"),
        (
            with(json!({ "data_volumes": [
                { "source": { "kind": "new", "name": "{notebook-name}-a", "size": "1Gi", "access_mode": "ReadWriteOnce" }, "mount": "/data" },
                { "source": { "kind": "new", "name": "{notebook-name}-b", "size": "1Gi", "access_mode": "ReadWriteOnce" }, "mount": "/data" },
            ] })),
            "data_volumes[1].mount",
        ),
        (
            with(json!({ "data_volumes": [
                { "source": { "kind": "new", "name": "{notebook-name}-a", "size": "-1Gi", "access_mode": "ReadWriteOnce" }, "mount": "/data" },
            ] })),
            "data_volumes[0].source.size",
        ),
        (
            with(json!({ "data_volumes": [
                { "source": { "kind": "existing", "claim": "no-such-claim" }, "mount": "/data" },
            ] })),
            "data_volumes",
        ),
        (
            with(json!({ "configurations": ["no-such-poddefault"] })),
            "configurations",
        ),
        (
            with(json!({ "environment": { "1BAD": "x" } })),
            "environment.1BAD",
        ),
    ];
    for (form, field) in cases {
        let (status, error) = create(&dashboard, OWNER, NS, form.clone()).await;
        assert!(status.is_client_error(), "{form}: {status} {error}");
        assert_eq!(error["kind"], "invalid", "{form}: {error}");
        assert_eq!(error["detail"]["field"], field, "{form}: {error}");
        assert!(!error["detail"]["message"].as_str().unwrap().is_empty());
    }
    // Not JSON at all, and a body that isn't a form.
    let request = signed(Request::post("/api/notebooks/create"), OWNER)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{ not json"))
        .unwrap();
    let (status, _) = answer(&dashboard, request).await;
    assert!(status.is_client_error(), "{status}");
    // A huge body is refused before it is read.
    let huge = json!({ "namespace": NS, "form": { "name": "huge", "environment": { "BIG": "x".repeat(2 * 1024 * 1024) } } }).to_string();
    let request = signed(Request::post("/api/notebooks/create"), OWNER)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, huge.len())
        .body(Body::from(huge.clone()))
        .unwrap();
    let (status, _) = answer(&dashboard, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Streamed without a length, it is cut off at the limit and refused as too large.
    let request = signed(Request::post("/api/notebooks/create"), OWNER)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(huge))
        .unwrap();
    let (status, error) = answer(&dashboard, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    assert_eq!(error["kind"], "too_large", "{error}");
    assert_eq!(notebook_names(&dashboard, NS).await, notebooks_before);
    assert_eq!(claim_names(&dashboard, NS).await, claims_before);
}

#[tokio::test]
async fn other_tenants_namespaces_are_refused() {
    let dashboard = dashboard(&[]).await;
    let before = notebook_names(&dashboard, OTHER_NS).await;
    let (status, error) = create(&dashboard, OWNER, OTHER_NS, good_form("intruder")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert_eq!(notebook_names(&dashboard, OTHER_NS).await, before);
    assert!(
        claim_names(&dashboard, OTHER_NS)
            .await
            .iter()
            .all(|c| !c.starts_with("intruder"))
    );

    let (status, _) = call(
        &dashboard,
        OWNER,
        "notebooks/list",
        &[("namespace", OTHER_NS)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&dashboard, OWNER, "notebooks/list", &[("namespace", "*")]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only cluster admins list every namespace"
    );
    let (status, _) = call(
        &dashboard,
        OWNER,
        "notebooks/list",
        &[("namespace", "../../etc")],
    )
    .await;
    assert_eq!(status.as_u16(), 422);
    if let Some(victim) = before.first() {
        for endpoint in [
            "notebooks/stop",
            "notebooks/delete",
            "notebooks/details",
            "notebooks/logs",
        ] {
            let (status, body) = call(
                &dashboard,
                OWNER,
                endpoint,
                &[
                    ("namespace", OTHER_NS),
                    ("name", victim),
                    ("stopped", "true"),
                    ("delete_volumes", "true"),
                ],
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {body}");
        }
    }
    assert_eq!(notebook_names(&dashboard, OTHER_NS).await, before);

    // A cluster admin sees every namespace's notebooks in one list.
    let request = Request::post("/api/notebooks/list")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("x-kfdash-csrf", "1")
        .header("kubeflow-userid", "admin@example.com")
        .header("kubeflow-groups", "platform-admins")
        .body(Body::from("namespace=*"))
        .unwrap();
    let (status, rows) = answer(&dashboard, request).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let namespaces: std::collections::BTreeSet<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["namespace"].as_str().unwrap())
        .collect();
    assert!(
        namespaces.contains(NS) && namespaces.contains(OTHER_NS),
        "{namespaces:?}"
    );
    let _ = OTHER;
}

#[tokio::test]
async fn a_stopped_notebook_is_edited_in_place_and_a_running_one_is_refused() {
    let dashboard = dashboard(&[]).await;
    let name = "scipy-explore";
    let edit = |namespace: &str, name: &str, form: &Value| {
        let body = json!({ "namespace": namespace, "name": name, "form": form });
        call_json(&dashboard, OWNER, "notebooks/update", body)
    };
    let (status, details) = call(
        &dashboard,
        OWNER,
        "notebooks/details",
        &[("namespace", NS), ("name", name)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{details}");
    let mut form = details["form"].clone();
    form["image"] =
        json!("ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-pytorch-full:v1.11.0");
    form["cpu"] = json!("2");
    form["cpu_limit"] = Value::Null;
    form["memory"] = json!("3Gi");
    form["memory_limit"] = json!("4Gi");
    form["data_volumes"] = json!([{
        "source": { "kind": "new", "name": "{notebook-name}-datasets", "size": "2Gi", "access_mode": "ReadWriteOnce" },
        "mount": "/home/jovyan/datasets",
    }]);
    let new_claim = format!("{name}-datasets");

    // A running notebook is left alone: its pod would restart under the user.
    let (status, error) = edit(NS, name, &form).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(
        error["detail"]
            .as_str()
            .unwrap()
            .contains("stop the notebook"),
        "{error}"
    );
    assert!(!claim_names(&dashboard, NS).await.contains(&new_claim));

    let (status, _) = call(
        &dashboard,
        OWNER,
        "notebooks/stop",
        &[("namespace", NS), ("name", name), ("stopped", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let stopped = notebook_object(&dashboard, name).await;

    // Refused edits change nothing: not the object, not the volumes.
    let claims_before = claim_names(&dashboard, NS).await;
    let mut renamed = form.clone();
    renamed["name"] = json!("renamed");
    let mut bad_cpu = form.clone();
    bad_cpu["cpu"] = json!("lots");
    for (refused, field) in [(renamed, "name"), (bad_cpu, "cpu")] {
        let (status, error) = edit(NS, name, &refused).await;
        assert_eq!(status.as_u16(), 422, "{error}");
        assert_eq!(error["detail"]["field"], field, "{error}");
    }
    let unchanged = notebook_object(&dashboard, name).await;
    assert_eq!(unchanged["spec"], stopped["spec"]);
    assert_eq!(
        unchanged["metadata"]["annotations"],
        stopped["metadata"]["annotations"]
    );
    assert_eq!(claim_names(&dashboard, NS).await, claims_before);
    assert!(
        !notebook_names(&dashboard, NS)
            .await
            .contains(&"renamed".to_string())
    );

    let (status, row) = edit(NS, name, &form).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(row["cpu"], "2");
    assert_eq!(row["memory_limit"], "4Gi");
    assert_eq!(row["stopped"], true);
    let edited = notebook_object(&dashboard, name).await;
    let container = edited.pointer("/spec/template/spec/containers/0").unwrap();
    assert_eq!(container["image"], form["image"]);
    assert_eq!(container["name"], name);
    assert_eq!(
        container.pointer("/resources/requests/cpu"),
        Some(&json!("2"))
    );
    assert_eq!(
        container.pointer("/resources/limits/cpu"),
        Some(&json!("2400m"))
    );
    assert_eq!(
        container.pointer("/resources/requests/memory"),
        Some(&json!("3Gi"))
    );
    let annotations = &edited["metadata"]["annotations"];
    assert_eq!(
        annotations["kubeflow-resource-stopped"],
        stopped["metadata"]["annotations"]["kubeflow-resource-stopped"],
        "it stays stopped"
    );
    assert_eq!(annotations["notebooks.kubeflow.org/creator"], OWNER);
    let claims: Vec<&str> = edited
        .pointer("/spec/template/spec/volumes")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .filter_map(|volume| volume.pointer("/persistentVolumeClaim/claimName")?.as_str())
        .collect();
    assert_eq!(claims, [format!("{name}-workspace"), new_claim.clone()]);
    assert!(claim_names(&dashboard, NS).await.contains(&new_claim));
    // The new volume is the notebook's, offered when it is deleted.
    let (status, volumes) = call(
        &dashboard,
        OWNER,
        "notebooks/volumes",
        &[("namespace", NS), ("name", name)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        volumes.as_array().unwrap().contains(&json!(new_claim)),
        "{volumes}"
    );

    // Another tenant's notebook, even one that exists.
    let victim = "private-research";
    let mut theirs = form.clone();
    theirs["name"] = json!(victim);
    theirs["data_volumes"] = json!([]);
    let (status, error) = edit(OTHER_NS, victim, &theirs).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
}

#[tokio::test]
async fn locked_fields_are_refused_and_missing_ones_take_the_config_value() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("spawner_ui_config.yaml");
    let defaults = include_str!("../../app/src/backend/spawner_defaults.yaml");
    let locked = defaults.replace(
        "cpu: { readOnly: false, value: \"0.5\", limitFactor: \"1.2\" }",
        "cpu: { readOnly: true, value: \"1.5\", limitFactor: \"none\" }",
    );
    assert_ne!(
        locked, defaults,
        "the defaults file changed shape; update this test"
    );
    std::fs::write(&config, locked).unwrap();
    let dashboard = dashboard(&["--spawner-config", config.to_str().unwrap()]).await;

    let (status, error) = create(
        &dashboard,
        OWNER,
        NS,
        json!({ "name": "locked-cpu", "cpu": "4" }),
    )
    .await;
    assert!(status.is_client_error(), "{error}");
    assert_eq!(error["detail"]["field"], "cpu", "{error}");
    assert!(
        !notebook_names(&dashboard, NS)
            .await
            .contains(&"locked-cpu".to_string())
    );

    let (status, row) = create(&dashboard, OWNER, NS, json!({ "name": "locked-cpu" })).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(row["cpu"], "1500m");
    assert_eq!(row["cpu_limit"], Value::Null);
    // The form the browser gets says so.
    let (status, data) = call(&dashboard, OWNER, "notebooks/spawner", &[("namespace", NS)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(data["config"]["cpu"]["readOnly"], true);
}

/// Reads server-sent events from a streaming body until `done` says so or time runs out.
async fn read_events(
    body: &mut Body,
    deadline: Duration,
    mut done: impl FnMut(&Value) -> bool,
) -> Vec<Value> {
    let mut buffer = String::new();
    let mut seen = Vec::new();
    let until = tokio::time::Instant::now() + deadline;
    loop {
        let frame = tokio::time::timeout_at(until, body.frame()).await;
        let Ok(Some(Ok(frame))) = frame else {
            return seen;
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buffer.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            for line in message.lines() {
                if let Some(json) = line
                    .strip_prefix("data: ")
                    .or_else(|| line.strip_prefix("data:"))
                {
                    let value: Value = serde_json::from_str(json).unwrap();
                    let finished = done(&value);
                    seen.push(value);
                    if finished {
                        return seen;
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn the_live_stream_starts_with_a_snapshot_and_follows_status_changes() {
    let dashboard = dashboard(&[]).await;
    let request = |user: &str, ns: &str| {
        Request::get(format!("/api/watch/notebooks?ns={ns}"))
            .header("sec-fetch-site", "same-origin")
            .header("kubeflow-userid", user)
            .body(Body::empty())
            .unwrap()
    };
    let response = tower::ServiceExt::oneshot(dashboard.app.clone(), request(OWNER, NS))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    let first = read_events(&mut body, Duration::from_secs(5), |_| true).await;
    assert_eq!(first[0]["type"], "snapshot", "{first:?}");
    let seeded = first[0]["rows"].as_array().unwrap();
    assert!(!seeded.is_empty());
    assert!(
        seeded.iter().all(|row| row["namespace"] == NS),
        "no other tenant's rows"
    );

    // A notebook made by someone else (kubectl, say) shows up, then becomes ready.
    let (status, _) = create(
        &dashboard,
        OWNER,
        NS,
        json!({ "name": "streamed", "cpu": "1", "memory": "1Gi" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let started = std::time::Instant::now();
    let seen = read_events(&mut body, Duration::from_secs(10), |change| {
        change["type"] == "upsert"
            && change["row"]["name"] == "streamed"
            && change["row"]["status"]["phase"] == "ready"
    })
    .await;
    assert!(
        seen.iter().any(|c| c["type"] == "upsert"
            && c["row"]["name"] == "streamed"
            && c["row"]["status"]["phase"] == "ready"),
        "{seen:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let (status, _) = call(
        &dashboard,
        OWNER,
        "notebooks/delete",
        &[
            ("namespace", NS),
            ("name", "streamed"),
            ("delete_volumes", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let seen = read_events(&mut body, Duration::from_secs(10), |change| {
        change["type"] == "remove"
    })
    .await;
    assert!(
        seen.iter()
            .any(|c| c["type"] == "remove" && c["name"] == "streamed"),
        "{seen:?}"
    );

    // Other tenants' namespaces, bad names, and cross-site requests are refused up front.
    let response = tower::ServiceExt::oneshot(dashboard.app.clone(), request(OWNER, OTHER_NS))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response =
        tower::ServiceExt::oneshot(dashboard.app.clone(), request(OWNER, "Not_A_Namespace"))
            .await
            .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let cross_site = Request::get(format!("/api/watch/notebooks?ns={NS}"))
        .header("sec-fetch-site", "cross-site")
        .header("kubeflow-userid", OWNER)
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(dashboard.app.clone(), cross_site)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let no_identity = Request::get(format!("/api/watch/notebooks?ns={NS}"))
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(dashboard.app.clone(), no_identity)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
