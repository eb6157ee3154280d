//! Where the dashboard's links come from: built-in defaults, a file (re-read when it changes),
//! or a ConfigMap (re-read at most every 30 s). A bad new version keeps the last good one.

use super::Cluster;
use crate::domain::links;
use crate::model::{AppError, LinksConfig};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

const MAX_BYTES: u64 = 1024 * 1024;
const CONFIGMAP_REFRESH: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinksSource {
    Defaults,
    File(PathBuf),
    /// Upstream's `centraldashboard-config`, key `links`.
    ConfigMap {
        namespace: String,
        name: String,
    },
}

pub struct LinksProvider {
    source: LinksSource,
    cached: Mutex<Option<(Stamp, LinksConfig)>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stamp {
    Modified(SystemTime),
    Fetched(Instant),
}

impl LinksProvider {
    pub fn new(source: LinksSource) -> Self {
        Self {
            source,
            cached: Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<(Stamp, LinksConfig)> {
        self.cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn keep(&self, stamp: Stamp, config: LinksConfig) -> LinksConfig {
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some((stamp, config.clone()));
        config
    }

    /// The links now. A source that fails falls back to the last good links, then to defaults.
    pub async fn get(&self, cluster: &dyn Cluster) -> Result<LinksConfig, AppError> {
        let fallback = |why: String, cached: Option<(Stamp, LinksConfig)>| {
            tracing::warn!(source = ?self.source, %why, "cannot load the links configuration; keeping the last good one");
            Ok(cached
                .map(|(_, config)| config)
                .unwrap_or_else(links::defaults))
        };
        match &self.source {
            LinksSource::Defaults => Ok(links::defaults()),
            LinksSource::File(path) => {
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
                if let Some((Stamp::Modified(at), config)) = &cached
                    && *at == modified
                {
                    return Ok(config.clone());
                }
                match std::fs::read_to_string(path)
                    .map_err(|e| e.to_string())
                    .and_then(|text| links::parse(&text))
                {
                    Ok(config) => Ok(self.keep(Stamp::Modified(modified), config)),
                    Err(why) => fallback(why, cached),
                }
            }
            LinksSource::ConfigMap { namespace, name } => {
                let cached = self.cached();
                if let Some((Stamp::Fetched(at), config)) = &cached
                    && at.elapsed() < CONFIGMAP_REFRESH
                {
                    return Ok(config.clone());
                }
                let fetched = Api::<ConfigMap>::namespaced(cluster.as_dashboard(), namespace)
                    .get(name)
                    .await;
                let text = fetched.map_err(|e| e.to_string()).and_then(|map| {
                    map.data
                        .and_then(|mut data| data.remove("links"))
                        .ok_or_else(|| format!("{namespace}/{name} has no key \"links\""))
                });
                match text.and_then(|text| links::parse(&text)) {
                    Ok(config) => Ok(self.keep(Stamp::Fetched(Instant::now()), config)),
                    Err(why) => fallback(why, cached),
                }
            }
        }
    }
}
