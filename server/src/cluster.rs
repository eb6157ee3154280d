//! The two ways kfdash reaches a cluster: the embedded sandbox, or a real one through a
//! kubeconfig or service account. Either way, user calls impersonate the user.

use app::backend::{Cluster, SignedInUser};
use app::model::AppError;
use std::sync::Arc;

pub struct SandboxCluster(pub Arc<crate::sandbox::Sandbox>);

impl Cluster for SandboxCluster {
    fn as_user(&self, user: &SignedInUser) -> Result<kube::Client, AppError> {
        let groups: Vec<&str> = user.groups.iter().map(String::as_str).collect();
        Ok(self.0.client_as(&user.email, &groups))
    }

    fn as_dashboard(&self) -> kube::Client {
        self.0.dashboard_client()
    }
}

/// A real cluster. Impersonating clients are made from the dashboard's own configuration with
/// the user (and verified groups) set as `Impersonate-*`.
pub struct KubeCluster {
    config: kube::Config,
    dashboard: kube::Client,
}

impl KubeCluster {
    pub async fn connect() -> Result<Self, kube::Error> {
        let config = kube::Config::infer()
            .await
            .map_err(kube::Error::InferConfig)?;
        let dashboard = kube::Client::try_from(config.clone())?;
        Ok(Self { config, dashboard })
    }
}

impl Cluster for KubeCluster {
    fn as_user(&self, user: &SignedInUser) -> Result<kube::Client, AppError> {
        let mut config = self.config.clone();
        config.auth_info.impersonate = Some(user.email.clone());
        config.auth_info.impersonate_groups =
            (!user.groups.is_empty()).then(|| user.groups.clone());
        kube::Client::try_from(config).map_err(|error| {
            AppError::Unavailable(format!("cannot make a client for {}: {error}", user.email))
        })
    }

    fn as_dashboard(&self) -> kube::Client {
        self.dashboard.clone()
    }
}
