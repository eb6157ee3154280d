//! The two ways kfdash reaches a cluster: the embedded sandbox, or a real one through a
//! kubeconfig or service account. Either way, user calls impersonate the user.

use app::backend::{Cluster, SignedInUser};
use app::model::AppError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct SandboxCluster(pub Arc<crate::sandbox::Sandbox>);

impl Cluster for SandboxCluster {
    fn as_user(&self, user: &SignedInUser) -> Result<kube::Client, AppError> {
        let groups: Vec<&str> = user.groups.iter().map(String::as_str).collect();
        Ok(self.0.client_as(&user.email, &groups))
    }

    fn as_dashboard(&self) -> kube::Client {
        self.0.dashboard_client()
    }

    fn kfp(&self) -> Option<std::sync::Arc<dyn app::backend::kfp::KfpTransport>> {
        Some(std::sync::Arc::new(crate::kfp::RouterKfp(
            self.0.kfp_router(),
        )))
    }

    fn katib_db_url(&self) -> Option<String> {
        Some(self.0.katib_db_url())
    }
}

/// A real cluster. Impersonating clients are made from the dashboard's own configuration with
/// the user (and verified groups) set as `Impersonate-*`.
pub struct KubeCluster {
    config: kube::Config,
    dashboard: kube::Client,
    /// Impersonating clients by (user, groups), each with its own connection pool, so a page's
    /// calls reuse TLS connections instead of opening new ones per request.
    users: Mutex<HashMap<Impersonated, (kube::Client, Instant)>>,
}

/// A user and their verified groups: who a client acts as.
type Impersonated = (String, Vec<String>);

/// How long an idle user's client is kept, and how many users at most.
const USER_CLIENT_IDLE: Duration = Duration::from_secs(600);
const USER_CLIENTS: usize = 1000;

impl KubeCluster {
    pub async fn connect() -> Result<Self, kube::Error> {
        let config = kube::Config::infer()
            .await
            .map_err(kube::Error::InferConfig)?;
        Self::from_config(config)
    }

    /// A cluster from an explicit configuration (tests use the sandbox's kubeconfig).
    pub fn from_config(config: kube::Config) -> Result<Self, kube::Error> {
        let dashboard = kube::Client::try_from(config.clone())?;
        Ok(Self {
            config,
            dashboard,
            users: Mutex::new(HashMap::new()),
        })
    }

    /// How many users' clients are kept right now.
    pub fn cached_users(&self) -> usize {
        self.users.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Cluster for KubeCluster {
    fn as_user(&self, user: &SignedInUser) -> Result<kube::Client, AppError> {
        let key = (user.email.clone(), user.groups.clone());
        let now = Instant::now();
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((client, used)) = users.get_mut(&key) {
            *used = now;
            return Ok(client.clone());
        }
        users.retain(|_, (_, used)| now.duration_since(*used) < USER_CLIENT_IDLE);
        if users.len() >= USER_CLIENTS
            && let Some(oldest) = users
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| key.clone())
        {
            users.remove(&oldest);
        }
        let client = self.impersonating(user)?;
        users.insert(key, (client.clone(), now));
        Ok(client)
    }

    fn as_dashboard(&self) -> kube::Client {
        self.dashboard.clone()
    }
}

impl KubeCluster {
    fn impersonating(&self, user: &SignedInUser) -> Result<kube::Client, AppError> {
        let mut config = self.config.clone();
        config.auth_info.impersonate = Some(user.email.clone());
        config.auth_info.impersonate_groups =
            (!user.groups.is_empty()).then(|| user.groups.clone());
        kube::Client::try_from(config).map_err(|error| {
            AppError::Unavailable(format!("cannot make a client for {}: {error}", user.email))
        })
    }
}
