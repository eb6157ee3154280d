//! An experiment with 10,000 trials: the server's time to load and shape the page's data
//! (through the `katib/experiments/get` server function, against the sandbox), the pure
//! shaping alone, the size of what the page receives, and the time to draw each plot. Prints
//! medians; run with `cargo bench -p server --bench katib`.
//!
//! With `KFDASH_BENCH_SERVE=127.0.0.1:3391` it then serves the whole dashboard (site from
//! `target/site`, so build it with `cargo leptos build --release` first) on that address until
//! stopped, for `end2end/bench/katib.mjs` to time the page in Chromium.

use axum::body::Body;
use clap::Parser;
use http::{Request, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::cluster::SandboxCluster;
use server::config::Cli;
use server::sandbox::{Sandbox, SandboxOptions, registry, store::WriteOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TRIALS: usize = 10_000;
const ROUNDS: usize = 7;
const USER: &str = "user@example.com";
const NS: &str = "kubeflow-user-example-com";
const NAME: &str = "ten-thousand";

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(rounds: usize, mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut samples = Vec::new();
    let mut last = None;
    for _ in 0..rounds {
        let started = Instant::now();
        last = Some(work());
        samples.push(started.elapsed());
    }
    (median(samples), last.unwrap())
}

/// A deterministic number in [0, 1) from two integers.
/// A server function call as the page makes it, asking for `encoding` if any.
fn server_fn_request(endpoint: &str, body: &str, encoding: Option<&str>) -> Request<Body> {
    let mut request = Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("x-kfdash-csrf", "1");
    if let Some(encoding) = encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

/// Sends `request()` through the router `rounds` times, reading each answer to its end: the
/// median time and the size of the answer as sent.
async fn answer_time(
    app: &axum::Router,
    rounds: usize,
    request: impl Fn() -> Request<Body>,
) -> (Duration, usize) {
    let mut samples = Vec::new();
    let mut bytes = 0;
    for _ in 0..rounds {
        let request = request();
        let started = Instant::now();
        let response = tower::ServiceExt::oneshot(app.clone(), request)
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        bytes = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .len();
        samples.push(started.elapsed());
    }
    (median(samples), bytes)
}

fn noise(a: usize, b: usize) -> f64 {
    let mut x = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (b as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn experiment() -> Value {
    json!({
        "apiVersion": "kubeflow.org/v1beta1",
        "kind": "Experiment",
        "metadata": { "name": NAME, "namespace": NS, "creationTimestamp": "2026-11-01T00:00:00Z" },
        "spec": {
            "objective": { "type": "maximize", "goal": 0.999, "objectiveMetricName": "accuracy", "additionalMetricNames": ["loss"] },
            "algorithm": { "algorithmName": "random" },
            "parallelTrialCount": 50,
            "maxTrialCount": TRIALS,
            "maxFailedTrialCount": TRIALS,
            "parameters": [
                { "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0.0001", "max": "0.1" } },
                { "name": "momentum", "parameterType": "double", "feasibleSpace": { "min": "0.5", "max": "0.99" } },
                { "name": "layers", "parameterType": "int", "feasibleSpace": { "min": "2", "max": "8" } },
                { "name": "optimizer", "parameterType": "categorical", "feasibleSpace": { "list": ["sgd", "adam", "ftrl"] } }
            ],
            "trialTemplate": {
                "primaryContainerName": "training",
                "trialParameters": [{ "name": "lr", "reference": "lr" }],
                "trialSpec": { "apiVersion": "batch/v1", "kind": "Job", "spec": { "template": { "spec": { "containers": [{ "name": "training", "image": "busybox", "command": ["echo", "${trialParameters.lr}"] }], "restartPolicy": "Never" } } } }
            }
        },
        "status": {
            "conditions": [
                { "type": "Created", "status": "True", "reason": "ExperimentCreated", "message": "Experiment is created", "lastTransitionTime": "2026-11-01T00:00:00Z" },
                { "type": "Running", "status": "False", "reason": "ExperimentRunning", "message": "Experiment is running", "lastTransitionTime": "2026-11-01T00:00:01Z" },
                { "type": "Succeeded", "status": "True", "reason": "ExperimentMaxTrialsReached", "message": "Experiment has succeeded because max trial count has reached", "lastTransitionTime": "2026-11-09T00:00:00Z" }
            ],
            "trials": TRIALS,
            "trialsSucceeded": TRIALS - TRIALS / 20,
            "trialsFailed": TRIALS / 20,
            "currentOptimalTrial": { "bestTrialName": format!("{NAME}-t00042"), "parameterAssignments": [], "observation": { "metrics": [] } }
        }
    })
}

fn trial(i: usize) -> Value {
    let lr = 0.0001 + noise(i, 1) * (0.1 - 0.0001);
    let momentum = 0.5 + noise(i, 2) * 0.49;
    let layers = 2 + (noise(i, 3) * 7.0) as usize;
    let optimizer = ["sgd", "adam", "ftrl"][(noise(i, 4) * 3.0) as usize];
    let accuracy =
        0.98 - (lr - 0.02).abs() * 2.0 - (momentum - 0.9).abs() * 0.3 - noise(i, 5) * 0.05;
    let failed = i % 20 == 19;
    let (kind, reason) = if failed {
        ("Failed", "TrialFailed")
    } else {
        ("Succeeded", "TrialSucceeded")
    };
    let minute = |m: usize| {
        format!(
            "2026-11-{:02}T{:02}:{:02}:00Z",
            1 + m / 1440,
            (m / 60) % 24,
            m % 60
        )
    };
    let value = |v: f64| {
        if failed {
            "unavailable".to_string()
        } else {
            format!("{v:.6}")
        }
    };
    let name = format!("{NAME}-t{i:05}");
    // What a real API server lists for a trial, not only what the page reads: the job it runs
    // (Katib copies the template in, parameters substituted), the metrics collector, the
    // conditions that tell its end, the owner and the managed fields (about 3 KB in all).
    json!({
        "apiVersion": "kubeflow.org/v1beta1",
        "kind": "Trial",
        "metadata": {
            "name": name,
            "namespace": NS,
            "uid": format!("6c0e1c5e-0000-4000-8000-{i:012}"),
            "generation": 1,
            "labels": { "katib.kubeflow.org/experiment": NAME },
            "creationTimestamp": minute(i),
            "ownerReferences": [{
                "apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment", "name": NAME,
                "uid": "6c0e1c5e-0000-4000-8000-ffffffffffff", "controller": true, "blockOwnerDeletion": true
            }],
            "managedFields": [
                { "manager": "katib-controller", "operation": "Update", "apiVersion": "kubeflow.org/v1beta1", "time": minute(i), "fieldsType": "FieldsV1",
                  "fieldsV1": { "f:metadata": { "f:labels": { ".": {}, "f:katib.kubeflow.org/experiment": {} }, "f:ownerReferences": { ".": {}, "k:{\"uid\":\"6c0e1c5e-0000-4000-8000-ffffffffffff\"}": {} } },
                                "f:spec": { ".": {}, "f:metricsCollector": { ".": {}, "f:collector": { ".": {}, "f:kind": {} } }, "f:objective": { ".": {}, "f:additionalMetricNames": {}, "f:objectiveMetricName": {}, "f:type": {} }, "f:parameterAssignments": {}, "f:primaryContainerName": {}, "f:runSpec": {}, "f:successCondition": {}, "f:failureCondition": {} } } },
                { "manager": "katib-controller", "operation": "Update", "apiVersion": "kubeflow.org/v1beta1", "time": minute(i + 7), "fieldsType": "FieldsV1", "subresource": "status",
                  "fieldsV1": { "f:status": { ".": {}, "f:completionTime": {}, "f:conditions": {}, "f:observation": { ".": {}, "f:metrics": {} }, "f:startTime": {} } } }
            ]
        },
        "spec": {
            "objective": { "type": "maximize", "objectiveMetricName": "accuracy", "additionalMetricNames": ["loss"], "metricStrategies": [{ "name": "accuracy", "value": "max" }, { "name": "loss", "value": "min" }] },
            "parameterAssignments": [
                { "name": "lr", "value": format!("{lr:.6}") },
                { "name": "momentum", "value": format!("{momentum:.4}") },
                { "name": "layers", "value": layers.to_string() },
                { "name": "optimizer", "value": optimizer }
            ],
            "metricsCollector": { "collector": { "kind": "StdOut" } },
            "primaryContainerName": "training",
            "successCondition": "status.conditions.#(type==\"Complete\")#|#(status==\"True\")#",
            "failureCondition": "status.conditions.#(type==\"Failed\")#|#(status==\"True\")#",
            "runSpec": {
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": { "name": name, "namespace": NS },
                "spec": { "template": {
                    "metadata": { "annotations": { "sidecar.istio.io/inject": "false" } },
                    "spec": {
                        "containers": [{
                            "name": "training",
                            "image": "docker.io/kubeflowkatib/pytorch-mnist-cpu:v0.17.0",
                            "command": ["python3", "/opt/pytorch-mnist/mnist.py", "--epochs=1", "--batch-size=16",
                                        format!("--lr={lr:.6}"), format!("--momentum={momentum:.4}"),
                                        format!("--layers={layers}"), format!("--optimizer={optimizer}")],
                            "resources": { "limits": { "cpu": "500m", "memory": "1Gi" } }
                        }],
                        "restartPolicy": "Never"
                    }
                } }
            }
        },
        "status": {
            "startTime": minute(i),
            "completionTime": minute(i + 7),
            "conditions": [
                { "type": "Created", "status": "True", "reason": "TrialCreated", "message": "Trial is created", "lastTransitionTime": minute(i) },
                { "type": "Running", "status": "False", "reason": "TrialRunning", "message": "Trial is running", "lastTransitionTime": minute(i) },
                { "type": kind, "status": "True", "reason": reason, "message": format!("Trial has {}", kind.to_lowercase()), "lastTransitionTime": minute(i + 7) }
            ],
            "observation": { "metrics": [
                { "name": "accuracy", "min": value(accuracy * 0.5), "max": value(accuracy), "latest": value(accuracy) },
                { "name": "loss", "min": value(1.0 - accuracy), "max": value(2.0), "latest": value(1.0 - accuracy) }
            ] }
        }
    })
}

fn curves() -> Vec<app::model::katib::MetricLog> {
    (0..20)
        .map(|t| app::model::katib::MetricLog {
            trial: format!("{NAME}-t{t:05}"),
            metric: "accuracy".into(),
            points: (0..100)
                .map(|s| app::model::katib::MetricPoint {
                    time: format!("2026-11-01T00:{:02}:{:02}Z", s / 60, s % 60),
                    value: 0.9 * (1.0 - (-(s as f64) / 20.0).exp()) + noise(t, s) * 0.02,
                })
                .collect(),
            skipped: 0,
        })
        .collect()
}

/// CPU time this process has used, from /proc (Linux), in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15; 11 and 12 after the name and state.
    [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum()
}

/// Waits until the process is idle (under a tenth of a core for two seconds running), at most
/// three minutes; returns how long that took.
async fn settle() -> Duration {
    let started = Instant::now();
    let mut quiet = 0;
    let mut before = cpu_ticks();
    while quiet < 2 && started.elapsed() < Duration::from_secs(180) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = cpu_ticks();
        quiet = if now - before < 10 { quiet + 1 } else { 0 };
        before = now;
    }
    started.elapsed()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let experiment = experiment();
    let trials: Vec<Value> = (0..TRIALS).map(trial).collect();

    println!(
        "Katib experiment with {TRIALS} trials (4 parameters, 2 metrics); medians of {ROUNDS}\n"
    );
    let (shape, view) = time(ROUNDS, || {
        app::domain::katib::experiment_view(&experiment, &trials)
    });
    assert_eq!(view.trials.len(), TRIALS);
    let (encode, wire) = time(ROUNDS, || serde_json::to_vec(&view).unwrap());
    let (decode, _) = time(ROUNDS, || {
        serde_json::from_slice::<app::model::katib::ExperimentView>(&wire).unwrap()
    });
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gzip, &wire).unwrap();
    let gzipped = gzip.finish().unwrap().len();
    println!("shape (experiment_view)            {shape:>10.1?}");
    println!(
        "encode the page data (JSON)        {encode:>10.1?}   {:.1} MiB, {:.0} KiB gzip",
        wire.len() as f64 / 1048576.0,
        gzipped as f64 / 1024.0
    );
    println!("decode it (what the browser does)  {decode:>10.1?}");
    let (best, _) = time(ROUNDS, || app::domain::katib::best_trial(&view));
    println!("best trial                         {best:>10.1?}");

    let size = (1100, 440);
    let (parallel, svg) = time(ROUNDS, || {
        app::charts::parallel_coordinates(&view, Some(&format!("{NAME}-t00042")), size)
    });
    println!(
        "plot: parallel coordinates         {parallel:>10.1?}   {:.0} KiB SVG",
        svg.len() as f64 / 1024.0
    );
    let (history, svg) = time(ROUNDS, || {
        app::charts::objective_history(&view, (1100, 380))
    });
    println!(
        "plot: objective per trial          {history:>10.1?}   {:.0} KiB SVG",
        svg.len() as f64 / 1024.0
    );
    let (scatter, svg) = time(ROUNDS, || app::charts::objective_vs_parameters(&view, size));
    println!(
        "plot: objective vs each parameter  {scatter:>10.1?}   {:.0} KiB SVG",
        svg.len() as f64 / 1024.0
    );
    let logs = curves();
    let (curve, svg) = time(ROUNDS, || {
        app::charts::learning_curves(&logs, "accuracy", (1100, 400))
    });
    println!(
        "plot: 20 learning curves × 100     {curve:>10.1?}   {:.0} KiB SVG",
        svg.len() as f64 / 1024.0
    );
    let (table_csv, csv) = time(ROUNDS, || app::charts::trials_csv(&view));
    println!(
        "trials as CSV                      {table_csv:>10.1?}   {:.0} KiB",
        csv.len() as f64 / 1024.0
    );

    // Through the server: the sandbox's API, the user's impersonated client, one list call.
    let dir = tempfile::tempdir().unwrap();
    let site = std::env::var("KFDASH_BENCH_SITE")
        .unwrap_or_else(|_| dir.path().join("site").to_string_lossy().to_string());
    std::fs::create_dir_all(&site).unwrap();
    let mut options = SandboxOptions::new(dir.path().join("data"), USER);
    options.save_interval = Duration::from_secs(3600);
    let sandbox = Arc::new(Sandbox::start(options).await.unwrap());
    let store = sandbox.store().clone();
    let experiments = registry::find("kubeflow.org", "v1beta1", "experiments").unwrap();
    // The seed's running experiment would keep the controllers busy (scanning this
    // namespace's 10,000 trials at every step) through the timings; it goes.
    store
        .delete(
            experiments,
            NS,
            "pytorch-mnist-random",
            &server::sandbox::store::DeleteOptions::default(),
        )
        .unwrap();
    let write = WriteOptions::default();
    let trial_kind = registry::find("kubeflow.org", "v1beta1", "trials").unwrap();
    let status_of = |mut object: Value| {
        let status = object.as_object_mut().unwrap().remove("status");
        (object, status)
    };
    let (object, status) = status_of(experiment.clone());
    store.create(experiments, NS, object, &write).unwrap();
    store
        .modify(
            experiments,
            NS,
            NAME,
            server::sandbox::store::Part::Status,
            &write,
            |current| {
                let mut next = current.clone();
                next["status"] = status.clone().unwrap();
                Ok(next)
            },
        )
        .unwrap();
    for trial in &trials {
        let (object, _) = status_of(trial.clone());
        let name = object["metadata"]["name"].as_str().unwrap().to_string();
        store.create(trial_kind, NS, object, &write).unwrap();
        store
            .modify(
                trial_kind,
                NS,
                &name,
                server::sandbox::store::Part::Status,
                &write,
                |current| {
                    let mut next = current.clone();
                    next["status"] = trial["status"].clone();
                    Ok(next)
                },
            )
            .unwrap();
    }
    let settings = Cli::try_parse_from(["kfdash", "--site-root", &site])
        .unwrap()
        .into_settings()
        .unwrap();
    let app = server::router::build(&settings, Arc::new(SandboxCluster(sandbox.clone()))).unwrap();
    // The sandbox's controllers see the 20,000 writes above; let them settle so what follows
    // is timed alone.
    let settled = settle().await;
    println!("\n(the sandbox's controllers settled after {settled:.0?})");

    // The list call alone: the sandbox's API serving 10,000 trials to the user's client. On a
    // real cluster this is the API server's work, elsewhere.
    let client = sandbox.client_as(USER, &[]);
    let list = || {
        let url = <kube::api::DynamicObject as kube::Resource>::url_path(
            &app::backend::katib::trials_resource(),
            Some(NS),
        );
        kube::core::Request::new(url)
            .list(
                &kube::api::ListParams::default()
                    .labels(&format!("katib.kubeflow.org/experiment={NAME}")),
            )
            .unwrap()
    };
    let mut samples = Vec::new();
    let mut listed = String::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        listed = client.request_text(list()).await.unwrap();
        samples.push(started.elapsed());
    }
    println!(
        "\nsandbox API: list the trials as the user {:>7.1?}   {:.1} MiB",
        median(samples),
        listed.len() as f64 / 1048576.0
    );
    #[derive(serde::Deserialize)]
    struct List<T> {
        items: Vec<T>,
    }
    let (whole, parsed) = time(ROUNDS, || {
        serde_json::from_str::<List<Value>>(&listed)
            .unwrap()
            .items
            .len()
    });
    assert_eq!(parsed, TRIALS);
    let (picked, parsed) = time(ROUNDS, || {
        serde_json::from_str::<List<app::domain::katib::ListedTrial>>(&listed)
            .unwrap()
            .items
            .len()
    });
    assert_eq!(parsed, TRIALS);
    println!("parse it whole (serde_json::Value)  {whole:>10.1?}");
    println!("parse what the page reads (kfdash)  {picked:>10.1?}");

    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("namespace", NS)
        .append_pair("name", NAME)
        .finish();
    for (encoding, what) in [
        (None, "uncompressed"),
        (Some("br"), "brotli"),
        (Some("gzip"), "gzip"),
    ] {
        let (took, bytes) = answer_time(&app, ROUNDS, || {
            server_fn_request("katib/experiments/get", &body, encoding)
        })
        .await;
        println!(
            "server: katib/experiments/get, {what:<12} {took:>7.1?}   {:.0} KiB answer",
            bytes as f64 / 1024.0
        );
    }
    println!("  (the list call above + parse + shape + encode [+ compress])");

    // What the page needs before it is usable: the overview (the experiment alone), and the
    // page the server renders from it.
    let (took, bytes) = answer_time(&app, ROUNDS, || {
        server_fn_request("katib/experiments/overview", &body, None)
    })
    .await;
    println!(
        "server: katib/experiments/overview       {took:>7.1?}   {:.0} KiB answer",
        bytes as f64 / 1024.0
    );
    let (took, bytes) = answer_time(&app, ROUNDS, || {
        Request::get(format!("/experiments/{NS}/{NAME}"))
            .header(header::ACCEPT_ENCODING, "br")
            .body(Body::empty())
            .unwrap()
    })
    .await;
    println!(
        "server: the rendered page, brotli        {took:>7.1?}   {:.0} KiB as sent",
        bytes as f64 / 1024.0
    );

    if let Ok(addr) = std::env::var("KFDASH_BENCH_SERVE") {
        let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
        println!(
            "\nserving the dashboard at http://{addr}/experiments/{NS}/{NAME} (Ctrl-C to stop)"
        );
        axum::serve(listener, app).await.unwrap();
    }
}
