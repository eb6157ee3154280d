//! The notebooks page at scale: a namespace with 2,000 notebooks (with their pods and events,
//! made by the sandbox's controllers), listed through the `notebooks/list` server function and
//! rendered on the server as the user would get it. Prints times and sizes; run with
//! `cargo bench -p server --bench notebooks`.

use axum::body::Body;
use clap::Parser;
use http::{Request, header};
use http_body_util::BodyExt;
use serde_json::json;
use server::cluster::SandboxCluster;
use server::config::Cli;
use server::sandbox::{Sandbox, SandboxOptions, registry, store::WriteOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NOTEBOOKS: usize = 2_000;
const ROUNDS: usize = 20;
const USER: &str = "user@example.com";
const NS: &str = "bench-team";

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    format!(
        "min {:?}  p50 {:?}  p90 {:?}  max {:?}",
        samples[0],
        at(0.5),
        at(0.9),
        samples[samples.len() - 1]
    )
}

async fn send(app: &axum::Router, request: Request<Body>) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let response = tower::ServiceExt::oneshot(app.clone(), request)
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (started.elapsed(), bytes.to_vec())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let mut options = SandboxOptions::new(dir.path().join("data"), USER);
    options.save_interval = Duration::from_secs(3600);
    options.pace.step = Duration::from_millis(5);
    let sandbox = Arc::new(Sandbox::start(options).await.unwrap());
    let store = sandbox.store().clone();
    let write = WriteOptions::default();

    // A team namespace without a quota, owned by the user.
    store
        .create(
            registry::find("kubeflow.org", "v1", "profiles").unwrap(),
            "",
            json!({ "apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": { "name": NS }, "spec": { "owner": { "kind": "User", "name": USER } } }),
            &write,
        )
        .unwrap();
    while store
        .get(registry::find("", "v1", "namespaces").unwrap(), "", NS)
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Notebooks as the spawner makes them, with a mix of types, sizes and GPUs.
    let config = <app::model::SpawnerConfig as app::backend::reloading::Document>::defaults();
    let notebooks = registry::find("kubeflow.org", "v1", "notebooks").unwrap();
    let started = Instant::now();
    for i in 0..NOTEBOOKS {
        let mut form = app::domain::spawner::default_form(&config);
        form.name = format!("nb-{i:04}");
        form.cpu = Some(["500m", "1", "2"][i % 3].into());
        form.memory = Some(["1Gi", "2Gi", "4Gi"][i % 3].into());
        if i % 10 == 0 {
            form.gpus = Some(app::model::GpuForm {
                num: "1".into(),
                vendor: "nvidia.com/gpu".into(),
            });
        }
        let valid = app::domain::spawner::validate(&form, &config, &[]).unwrap();
        let object = app::domain::spawner::notebook_object(&valid, &config, NS, USER);
        store.create(notebooks, NS, object, &write).unwrap();
    }
    println!("created {NOTEBOOKS} notebooks in {:?}", started.elapsed());
    let pods = registry::find("", "v1", "pods").unwrap();
    let settle = Instant::now();
    loop {
        let running = store
            .list(
                pods,
                Some(NS),
                &|pod| pod.pointer("/status/phase") == Some(&json!("Running")),
                None,
                None,
            )
            .items
            .len();
        if running == NOTEBOOKS || settle.elapsed() > Duration::from_secs(120) {
            println!("{running} pods running after {:?}", settle.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let events = store
        .list(
            registry::find("", "v1", "events").unwrap(),
            Some(NS),
            &|_| true,
            None,
            None,
        )
        .items
        .len();
    println!("{events} events in the namespace");
    // Let the controllers finish the last status writes, so lists don't wait on them.
    let mut revision = store.revision();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = store.revision();
        if now == revision {
            break;
        }
        revision = now;
    }

    // Where the time goes: the store itself, the sandbox's HTTP answer, the three list calls as
    // the user, then building the rows.
    let mut samples = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let listed = store.list(pods, Some(NS), &|_| true, None, None);
        assert_eq!(listed.items.len(), NOTEBOOKS);
        samples.push(started.elapsed());
    }
    println!("  the store lists {NOTEBOOKS} pods: {}", summary(samples));
    let mut samples = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let _: serde_json::Value = sandbox
            .admin_client()
            .request(
                http::Request::get(format!("/api/v1/namespaces/{NS}/pods"))
                    .body(Vec::new())
                    .unwrap(),
            )
            .await
            .unwrap();
        samples.push(started.elapsed());
    }
    println!(
        "  the sandbox answers a pod list (as admin): {}",
        summary(samples)
    );

    let user = app::backend::SignedInUser {
        email: USER.into(),
        groups: vec![],
    };
    let cluster = SandboxCluster(sandbox.clone());
    let scope = app::backend::Scope::One(NS.into());
    let client = sandbox.client_as(USER, &[]);
    for (label, resource) in [
        ("notebooks", app::backend::notebooks::notebooks_resource()),
        (
            "pods",
            kube::core::ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()),
        ),
        (
            "events",
            kube::core::ApiResource::erase::<k8s_openapi::api::core::v1::Event>(&()),
        ),
    ] {
        let mut samples = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            app::backend::list_json(&client, &scope, &resource, &Default::default())
                .await
                .unwrap();
            samples.push(started.elapsed());
        }
        println!("  list {label} as the user: {}", summary(samples));
    }
    let mut fetch = Vec::new();
    let mut build = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let index = app::backend::notebooks::index(&cluster, &user, &scope)
            .await
            .unwrap();
        fetch.push(started.elapsed());
        let started = Instant::now();
        assert_eq!(index.rows().len(), NOTEBOOKS);
        build.push(started.elapsed());
    }
    println!("  three lists and the index: {}", summary(fetch));
    println!("  rows from the index: {}", summary(build));

    let root = site.to_string_lossy().to_string();
    let settings = Cli::try_parse_from(["kfdash", "--site-root", &root, "--auth", "header"])
        .unwrap()
        .into_settings()
        .unwrap();
    let app = server::router::build(&settings, Arc::new(SandboxCluster(sandbox.clone()))).unwrap();

    let list = || {
        Request::post("/api/notebooks/list")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header("x-kfdash-csrf", "1")
            .header("kubeflow-userid", USER)
            .body(Body::from(format!("namespace={NS}")))
            .unwrap()
    };
    let (_, body) = send(&app, list()).await;
    let rows: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), NOTEBOOKS);
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        samples.push(send(&app, list()).await.0);
    }
    println!(
        "notebooks/list, {NOTEBOOKS} rows: {}  ({} KiB of JSON)",
        summary(samples),
        body.len() / 1024
    );

    let page = || {
        Request::get(format!("/notebooks?ns={NS}"))
            .header("kubeflow-userid", USER)
            .body(Body::empty())
            .unwrap()
    };
    let (_, html) = send(&app, page()).await;
    let text = String::from_utf8_lossy(&html);
    assert_eq!(
        text.matches("data-testid=\"notebook-row\"").count(),
        100,
        "one page of rows"
    );
    let mut samples = Vec::new();
    for _ in 0..ROUNDS / 2 {
        samples.push(send(&app, page()).await.0);
    }
    println!(
        "server-rendered /notebooks page, {NOTEBOOKS} notebooks, first 100 rows drawn: {}  ({} KiB of HTML)",
        summary(samples),
        html.len() / 1024
    );
}
