//! Katib, live: the experiments list (a snapshot, then one row per change), and an
//! experiment's page (a signal to reload each time the experiment or one of its trials
//! changes, at most once a second, so a busy experiment doesn't flood the page).

use super::{WatchQuery, refuse, stream, value};
use crate::router::AppState;
use app::backend::katib::{experiments_resource, trials_resource};
use app::backend::{Scope, SignedInUser};
use app::domain::katib::{EXPERIMENT_LABEL, experiment_row};
use app::model::katib::{ExperimentChange, ExperimentRow};
use axum::{
    Extension,
    extract::{Query, State},
    response::Response,
};
use futures::StreamExt;
use kube::api::{DynamicObject, ListParams};
use kube::runtime::{WatchStreamExt, watcher};
use std::collections::HashMap;
use std::time::Duration;

/// `GET {base}/api/watch/experiments?ns=<namespace or *>`: the experiments list, live.
pub async fn experiments(
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
    let api = scope.api_with(client, &experiments_resource());
    // Ask once before streaming, so a user without access gets a plain 403, not a stream.
    if let Err(error) = api.list(&ListParams::default().limit(1)).await {
        return refuse(error.into());
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<ExperimentChange>(64);
    tokio::spawn(follow_experiments(api, sender));
    stream(receiver)
}

type Key = (String, String);

fn key(row: &ExperimentRow) -> Key {
    (row.namespace.clone(), row.name.clone())
}

async fn follow_experiments(
    api: kube::Api<DynamicObject>,
    sender: tokio::sync::mpsc::Sender<ExperimentChange>,
) {
    let mut changes = watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut listing: Option<Vec<ExperimentRow>> = None;
    let mut sent: HashMap<Key, ExperimentRow> = HashMap::new();
    loop {
        let next = tokio::select! {
            next = changes.next() => next,
            _ = sender.closed() => return,
        };
        let Some(event) = next else {
            return;
        };
        let change = match event {
            Ok(watcher::Event::Init) => {
                listing = Some(Vec::new());
                continue;
            }
            Ok(watcher::Event::InitApply(object)) => {
                if let Some(rows) = listing.as_mut() {
                    rows.push(experiment_row(&value(object)));
                }
                continue;
            }
            Ok(watcher::Event::InitDone) => {
                let mut rows = listing.take().unwrap_or_default();
                rows.sort_by_key(key);
                sent = rows.iter().map(|row| (key(row), row.clone())).collect();
                ExperimentChange::Snapshot(rows)
            }
            Ok(watcher::Event::Apply(object)) => {
                let row = experiment_row(&value(object));
                if sent.get(&key(&row)) == Some(&row) {
                    continue;
                }
                sent.insert(key(&row), row.clone());
                ExperimentChange::Upsert(row)
            }
            Ok(watcher::Event::Delete(object)) => {
                let row = experiment_row(&value(object));
                sent.remove(&key(&row));
                ExperimentChange::Removed {
                    namespace: row.namespace,
                    name: row.name,
                }
            }
            Err(error) => {
                tracing::warn!(%error, "an experiments watch failed; retrying");
                continue;
            }
        };
        if sender.send(change).await.is_err() {
            return;
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ExperimentWatchQuery {
    ns: String,
    name: String,
}

/// The least time between two reload signals of one experiment page.
const SETTLE: Duration = Duration::from_secs(1);

/// `GET {base}/api/watch/experiment?ns=<namespace>&name=<experiment>`: a counter that goes up
/// each time the experiment or its trials change; the page reloads its data when it does.
pub async fn experiment(
    State(state): State<AppState>,
    Extension(user): Extension<SignedInUser>,
    Query(query): Query<ExperimentWatchQuery>,
) -> Response {
    let namespace = match Scope::parse(&query.ns).and_then(|scope| scope.one("An experiment")) {
        Ok(namespace) => namespace,
        Err(error) => return refuse(error),
    };
    if let Some(problem) = app::domain::names::subdomain_problem(&query.name) {
        return refuse(app::model::AppError::invalid("experiment", problem));
    }
    let client = match state.cluster.as_user(&user) {
        Ok(client) => client,
        Err(error) => return refuse(error),
    };
    let experiments = kube::Api::<DynamicObject>::namespaced_with(
        client.clone(),
        &namespace,
        &experiments_resource(),
    );
    let trials =
        kube::Api::<DynamicObject>::namespaced_with(client, &namespace, &trials_resource());
    if let Err(error) = experiments.get(&query.name).await {
        return refuse(error.into());
    }
    let selector = format!("{EXPERIMENT_LABEL}={}", query.name);
    let (sender, receiver) = tokio::sync::mpsc::channel::<u64>(4);
    let watches = futures::stream::select(
        watcher(
            experiments,
            watcher::Config::default().fields(&format!("metadata.name={}", query.name)),
        )
        .default_backoff()
        .map(classify)
        .boxed(),
        watcher(trials, watcher::Config::default().labels(&selector))
            .default_backoff()
            .map(classify)
            .boxed(),
    );
    tokio::spawn(signal_changes(watches, sender));
    stream(receiver)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// A (re-)list finished.
    Listed,
    Changed,
    Nothing,
}

fn classify(event: Result<watcher::Event<DynamicObject>, watcher::Error>) -> Seen {
    match event {
        Ok(watcher::Event::InitDone) => Seen::Listed,
        Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_)) => Seen::Changed,
        Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => Seen::Nothing,
        Err(error) => {
            tracing::warn!(%error, "an experiment watch failed; retrying");
            Seen::Nothing
        }
    }
}

/// Sends 1, 2, 3… after changes, no more than once per `SETTLE`. The first list of each of the
/// two watches is what the page loaded already; a later re-list may hide changes, so it counts.
async fn signal_changes(
    mut changes: impl futures::Stream<Item = Seen> + Unpin,
    sender: tokio::sync::mpsc::Sender<u64>,
) {
    let mut count = 0u64;
    let mut pending = false;
    let mut initial = 0;
    let mut tick = tokio::time::interval(SETTLE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            next = changes.next() => match next {
                Some(Seen::Listed) if initial < 2 => initial += 1,
                Some(Seen::Listed | Seen::Changed) => pending = true,
                Some(Seen::Nothing) => {}
                None => return,
            },
            _ = tick.tick() => {
                if pending {
                    pending = false;
                    count += 1;
                    if sender.send(count).await.is_err() {
                        return;
                    }
                }
            }
            _ = sender.closed() => return,
        }
    }
}
