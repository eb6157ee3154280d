//! Live lists: a watch opened with the user's impersonated client, streamed to the page as
//! server-sent events. The first message is the whole list; then one message per row that
//! changed. kube's watcher resumes a dropped watch from its last resourceVersion and re-lists
//! on 410 Gone; every re-list is sent as a new snapshot.

use crate::router::AppState;
use app::backend::notebooks::notebooks_resource;
use app::backend::{Scope, SignedInUser};
use app::domain::notebook_index::{Key, NotebookIndex};
use app::model::{AppError, NotebookChange, NotebookRow};
use axum::{
    Extension, Json,
    extract::{Query, State},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{StreamExt, stream::BoxStream};
use http::StatusCode;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::Value;
use std::collections::HashMap;
use std::convert::Infallible;
use tokio_stream::wrappers::ReceiverStream;

pub mod katib;

#[derive(serde::Deserialize)]
pub struct WatchQuery {
    ns: String,
}

fn refuse(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}

/// `GET {base}/api/watch/notebooks?ns=<namespace or *>`: the notebooks list, live.
pub async fn notebooks(
    State(state): State<AppState>,
    Extension(user): Extension<SignedInUser>,
    Query(query): Query<WatchQuery>,
) -> Response {
    let scope = match Scope::parse(&query.ns) {
        Ok(scope) => scope,
        Err(error) => return refuse(error),
    };
    let client = match state.cluster.as_user(&user) {
        Ok(client) => client,
        Err(error) => return refuse(error),
    };
    // Ask once before streaming, so a user without access gets a plain 403, not a stream.
    if let Err(error) = scope
        .api_with(client.clone(), &notebooks_resource())
        .list(&ListParams::default().limit(1))
        .await
    {
        return refuse(error.into());
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<NotebookChange>(64);
    tokio::spawn(follow(client, scope, sender));
    stream(receiver)
}

/// What a watch's task sends, as server-sent events: one JSON message per item, kept alive.
fn stream<T: serde::Serialize + Send + 'static>(
    receiver: tokio::sync::mpsc::Receiver<T>,
) -> Response {
    let events = ReceiverStream::new(receiver).map(|item| {
        Ok::<_, Infallible>(
            Event::default()
                .json_data(&item)
                .unwrap_or_else(|_| Event::default().comment("unencodable message")),
        )
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    // Proxies (nginx, some Istio setups) must not buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    response
}

enum Kind {
    Notebook,
    Pod,
    Event,
}

type Change = (Kind, Result<watcher::Event<DynamicObject>, watcher::Error>);

fn watch(
    api: kube::Api<DynamicObject>,
    config: watcher::Config,
    kind: fn() -> Kind,
) -> BoxStream<'static, Change> {
    watcher(api, config)
        .default_backoff()
        .map(move |event| (kind(), event))
        .boxed()
}

fn value(object: DynamicObject) -> Value {
    serde_json::to_value(object).unwrap_or_default()
}

/// Watches notebooks, their pods and events until the page goes away (the channel closes).
async fn follow(
    client: kube::Client,
    scope: Scope,
    sender: tokio::sync::mpsc::Sender<NotebookChange>,
) {
    let pods = ApiResource::erase::<Pod>(&());
    let events = ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "Event"));
    let mut changes = futures::stream::select_all([
        watch(
            scope.api_with(client.clone(), &notebooks_resource()),
            watcher::Config::default(),
            || Kind::Notebook,
        ),
        watch(
            scope.api_with(client.clone(), &pods),
            watcher::Config::default().labels("notebook-name"),
            || Kind::Pod,
        ),
        watch(
            scope.api_with(client, &events),
            watcher::Config::default(),
            || Kind::Event,
        ),
    ]);
    let mut index = NotebookIndex::default();
    // Objects of a (re-)list in progress, per kind; the index takes them at InitDone.
    let mut listing: [Option<Vec<Value>>; 3] = [None, None, None];
    let mut listed = [false; 3];
    let mut sent: HashMap<Key, NotebookRow> = HashMap::new();

    loop {
        // Stop watching as soon as the page goes away, even if nothing changes.
        let next = tokio::select! {
            next = changes.next() => next,
            _ = sender.closed() => return,
        };
        let Some((kind, event)) = next else {
            return;
        };
        let slot = kind as usize;
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(%error, "a notebooks watch failed; retrying");
                continue;
            }
        };
        let touched: Option<Key> = match event {
            watcher::Event::Init => {
                listing[slot] = Some(Vec::new());
                None
            }
            watcher::Event::InitApply(object) => {
                if let Some(objects) = listing[slot].as_mut() {
                    objects.push(value(object));
                }
                None
            }
            watcher::Event::InitDone => {
                let objects = listing[slot].take().unwrap_or_default();
                match slot {
                    0 => index.replace_notebooks(objects),
                    1 => index.replace_pods(objects),
                    _ => index.replace_events(objects),
                }
                listed[slot] = true;
                if listed.iter().all(|done| *done) {
                    let rows = index.rows();
                    sent = rows
                        .iter()
                        .map(|row| ((row.namespace.clone(), row.name.clone()), row.clone()))
                        .collect();
                    if sender
                        .send(NotebookChange::Snapshot { rows })
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                None
            }
            watcher::Event::Apply(object) => {
                let object = value(object);
                match slot {
                    0 => index.put_notebook(object),
                    1 => index.put_pod(object),
                    _ => index.put_event(object),
                }
            }
            watcher::Event::Delete(object) => {
                let object = value(object);
                match slot {
                    0 => {
                        if let Some(key) = index.remove_notebook(&object) {
                            sent.remove(&key);
                            let (namespace, name) = key;
                            if sender
                                .send(NotebookChange::Remove { namespace, name })
                                .await
                                .is_err()
                            {
                                return;
                            }
                        }
                        None
                    }
                    1 => index.remove_pod(&object),
                    _ => None,
                }
            }
        };
        // Until every kind has been listed once, the snapshot isn't out; nothing to update.
        let Some(key) = touched.filter(|_| listed.iter().all(|done| *done)) else {
            continue;
        };
        let Some(row) = index.row(&key) else {
            continue;
        };
        if sent.get(&key) == Some(&row) {
            continue;
        }
        sent.insert(key, row.clone());
        if sender
            .send(NotebookChange::Upsert { row: Box::new(row) })
            .await
            .is_err()
        {
            return;
        }
    }
}

#[derive(serde::Deserialize)]
pub struct RunWatchQuery {
    ns: String,
    run: String,
}

/// What the run page hears: the run's graph each time its workflow changes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunGraphUpdate {
    /// None while the run has no workflow yet, or once it is gone.
    pub graph: Option<app::model::pipeline::PipelineGraph>,
    /// The workflow's phase (`Running`, `Succeeded`…), if any.
    pub phase: Option<String>,
}

/// `GET {base}/api/watch/runs?ns=<namespace>&run=<run id>`: the run's graph, live. A watch on
/// the run's workflow (label `pipeline/runid`) as the user; every change is sent whole, which
/// for a run's node status is a few KiB and keeps the page free of merge logic.
pub async fn runs(
    State(state): State<AppState>,
    Extension(user): Extension<SignedInUser>,
    Query(query): Query<RunWatchQuery>,
) -> Response {
    let namespace = match Scope::parse(&query.ns).and_then(|scope| scope.one("A run")) {
        Ok(namespace) => namespace,
        Err(error) => return refuse(error),
    };
    if let Err(error) = app::backend::kfp::check_id("run", &query.run) {
        return refuse(error);
    }
    let client = match state.cluster.as_user(&user) {
        Ok(client) => client,
        Err(error) => return refuse(error),
    };
    let api = kube::Api::<DynamicObject>::namespaced_with(
        client,
        &namespace,
        &app::backend::pipelines::workflows(),
    );
    let selector = format!("{}={}", app::backend::pipelines::RUN_ID_LABEL, query.run);
    if let Err(error) = api
        .list(&ListParams::default().labels(&selector).limit(1))
        .await
    {
        return refuse(error.into());
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<RunGraphUpdate>(16);
    tokio::spawn(follow_run(api, selector, sender));
    stream(receiver)
}

fn run_update(object: Option<DynamicObject>) -> RunGraphUpdate {
    let Some(object) = object else {
        return RunGraphUpdate {
            graph: None,
            phase: None,
        };
    };
    let workflow = value(object);
    let phase = workflow
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let graph = match app::backend::pipelines::workflow_graph(&workflow) {
        Ok(graph) => graph,
        Err(error) => {
            tracing::warn!(%error, "a run's workflow could not be read");
            None
        }
    };
    RunGraphUpdate { graph, phase }
}

async fn follow_run(
    api: kube::Api<DynamicObject>,
    selector: String,
    sender: tokio::sync::mpsc::Sender<RunGraphUpdate>,
) {
    let mut changes = watcher(api, watcher::Config::default().labels(&selector))
        .default_backoff()
        .boxed();
    let mut listing: Option<DynamicObject> = None;
    loop {
        let next = tokio::select! {
            next = changes.next() => next,
            _ = sender.closed() => return,
        };
        let Some(event) = next else {
            return;
        };
        let update = match event {
            Ok(watcher::Event::Init) => {
                listing = None;
                continue;
            }
            Ok(watcher::Event::InitApply(object)) => {
                listing = Some(object);
                continue;
            }
            Ok(watcher::Event::InitDone) => run_update(listing.take()),
            Ok(watcher::Event::Apply(object)) => run_update(Some(object)),
            Ok(watcher::Event::Delete(_)) => run_update(None),
            Err(error) => {
                tracing::warn!(%error, "a run watch failed; retrying");
                continue;
            }
        };
        if sender.send(update).await.is_err() {
            return;
        }
    }
}
