//! Sandbox throughput, through the same kube::Client kfdash uses: listing 5,000 objects, and
//! one write fanned out to 50 watchers. Prints numbers; run with `cargo bench -p server --bench sandbox`.

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, WatchEvent, WatchParams};
use serde_json::json;
use server::sandbox::{Sandbox, SandboxOptions, registry, store::WriteOptions};
use std::time::{Duration, Instant};

const OBJECTS: usize = 5_000;
const WATCHERS: usize = 50;
const WRITES: usize = 200;
const LIST_ROUNDS: usize = 20;

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    format!(
        "min {:?}  p50 {:?}  mean {:?}  p99 {:?}  max {:?}",
        samples[0],
        at(0.5),
        mean,
        at(0.99),
        samples[samples.len() - 1]
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = SandboxOptions::new(dir.path(), "user@example.com");
    options.save_interval = Duration::from_secs(3600);
    let sandbox = Sandbox::start(options).await.unwrap();
    let store = sandbox.store().clone();
    let namespaces = registry::find("", "v1", "namespaces").unwrap();
    let configmaps = registry::find("", "v1", "configmaps").unwrap();
    store
        .create(
            namespaces,
            "",
            json!({ "metadata": { "name": "bench" } }),
            &WriteOptions::default(),
        )
        .unwrap();
    let started = Instant::now();
    for i in 0..OBJECTS {
        let object = json!({ "metadata": { "name": format!("cm-{i:05}"), "labels": { "shard": (i % 10).to_string() } }, "data": { "payload": "x".repeat(200) } });
        store
            .create(configmaps, "bench", object, &WriteOptions::default())
            .unwrap();
    }
    println!(
        "created {OBJECTS} config maps in the store in {:?}",
        started.elapsed()
    );

    let api: Api<ConfigMap> = Api::namespaced(sandbox.admin_client(), "bench");
    let mut full = Vec::new();
    let mut selected = Vec::new();
    let mut paged = Vec::new();
    for _ in 0..LIST_ROUNDS {
        let t = Instant::now();
        let list = api.list(&ListParams::default()).await.unwrap();
        full.push(t.elapsed());
        assert_eq!(list.items.len(), OBJECTS);
        let t = Instant::now();
        let list = api
            .list(&ListParams::default().labels("shard=3"))
            .await
            .unwrap();
        selected.push(t.elapsed());
        assert_eq!(list.items.len(), OBJECTS / 10);
        let t = Instant::now();
        let list = api.list(&ListParams::default().limit(500)).await.unwrap();
        paged.push(t.elapsed());
        assert_eq!(list.items.len(), 500);
    }
    println!(
        "list {OBJECTS} (kube-rs, typed, {LIST_ROUNDS} rounds):   {}",
        summary(full)
    );
    println!(
        "list shard=3 ({} of {OBJECTS}):            {}",
        OBJECTS / 10,
        summary(selected)
    );
    println!(
        "list first page of 500:                    {}",
        summary(paged)
    );

    // 50 watchers on the namespace; each write must reach all of them.
    let version = api
        .list(&ListParams::default().limit(1))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    for _ in 0..WATCHERS {
        let stream = api
            .watch(&WatchParams::default().timeout(290), &version)
            .await
            .unwrap();
        let sender = sender.clone();
        tokio::spawn(async move {
            let mut stream = stream.boxed();
            let mut seen = 0;
            while let Some(Ok(event)) = stream.next().await {
                if let WatchEvent::Modified(_) = event {
                    let _ = sender.send((seen, Instant::now()));
                    seen += 1;
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut sent = Vec::with_capacity(WRITES);
    let mut latencies = Vec::with_capacity(WRITES);
    let fan_out_started = Instant::now();
    for write in 0..WRITES {
        sent.push(Instant::now());
        api.patch(
            "cm-00000",
            &PatchParams::default(),
            &Patch::Merge(json!({ "data": { "n": write.to_string() } })),
        )
        .await
        .unwrap();
        // Wait until every watcher has this write before the next, to measure delivery latency.
        let mut arrived = 0;
        let mut last = Instant::now();
        while arrived < WATCHERS {
            let (index, at) = received.recv().await.unwrap();
            assert_eq!(index, write, "watchers see writes in order");
            arrived += 1;
            last = last.max(at);
        }
        latencies.push(last.duration_since(sent[write]));
    }
    let elapsed = fan_out_started.elapsed();
    println!(
        "write → all {WATCHERS} watchers ({WRITES} writes):  {}",
        summary(latencies)
    );
    println!(
        "fan-out throughput: {} events delivered in {elapsed:?} = {:.0} events/s",
        WRITES * WATCHERS,
        (WRITES * WATCHERS) as f64 / elapsed.as_secs_f64()
    );
}
