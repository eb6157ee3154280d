//! Configuration documents an administrator edits while kfdash runs (the links, the spawner
//! config): built-in defaults, a file (re-read when it changes), or a ConfigMap key (re-read at
//! most every 30 s). A bad new version keeps the last good one and says why in the log.

use super::Cluster;
use crate::model::AppError;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

const MAX_BYTES: u64 = 1024 * 1024;
const CONFIGMAP_REFRESH: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    Defaults,
    File(PathBuf),
    ConfigMap { namespace: String, name: String },
}

/// What a document is: its ConfigMap key, how it parses, and what stands in when there is none.
pub trait Document: Clone + Send + Sync + 'static {
    /// The ConfigMap key upstream keeps it under.
    const KEY: &'static str;
    fn parse(text: &str) -> Result<Self, String>;
    fn defaults() -> Self;
}

pub struct Reloading<T> {
    source: ConfigSource,
    cached: Mutex<Option<(Stamp, T)>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stamp {
    Modified(SystemTime),
    Fetched(Instant),
}

impl<T: Document> Reloading<T> {
    pub fn new(source: ConfigSource) -> Self {
        Self {
            source,
            cached: Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<(Stamp, T)> {
        self.cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn keep(&self, stamp: Stamp, document: T) -> T {
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some((stamp, document.clone()));
        document
    }

    /// The document now. A source that fails falls back to the last good one, then to defaults.
    pub async fn get(&self, cluster: &dyn Cluster) -> Result<T, AppError> {
        let fallback = |why: String, cached: Option<(Stamp, T)>| {
            tracing::warn!(source = ?self.source, key = T::KEY, %why, "cannot load a configuration document; keeping the last good one");
            Ok(cached
                .map(|(_, document)| document)
                .unwrap_or_else(T::defaults))
        };
        match &self.source {
            ConfigSource::Defaults => Ok(T::defaults()),
            ConfigSource::File(path) => {
                let cached = self.cached();
                let modified = match std::fs::metadata(path) {
                    Ok(meta) if meta.len() > MAX_BYTES => {
                        return fallback(
                            format!("{} is larger than 1 MiB", path.display()),
                            cached,
                        );
                    }
                    Ok(meta) => meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    Err(error) => return fallback(error.to_string(), cached),
                };
                if let Some((Stamp::Modified(at), document)) = &cached
                    && *at == modified
                {
                    return Ok(document.clone());
                }
                match std::fs::read_to_string(path)
                    .map_err(|e| e.to_string())
                    .and_then(|text| T::parse(&text))
                {
                    Ok(document) => Ok(self.keep(Stamp::Modified(modified), document)),
                    Err(why) => fallback(why, cached),
                }
            }
            ConfigSource::ConfigMap { namespace, name } => {
                let cached = self.cached();
                if let Some((Stamp::Fetched(at), document)) = &cached
                    && at.elapsed() < CONFIGMAP_REFRESH
                {
                    return Ok(document.clone());
                }
                let fetched = Api::<ConfigMap>::namespaced(cluster.as_dashboard(), namespace)
                    .get(name)
                    .await;
                let text = fetched.map_err(|e| e.to_string()).and_then(|map| {
                    map.data
                        .and_then(|mut data| data.remove(T::KEY))
                        .ok_or_else(|| format!("{namespace}/{name} has no key {:?}", T::KEY))
                });
                match text.and_then(|text| {
                    if text.len() as u64 > MAX_BYTES {
                        Err(format!(
                            "{namespace}/{name} key {} is larger than 1 MiB",
                            T::KEY
                        ))
                    } else {
                        T::parse(&text)
                    }
                }) {
                    Ok(document) => Ok(self.keep(Stamp::Fetched(Instant::now()), document)),
                    Err(why) => fallback(why, cached),
                }
            }
        }
    }
}
