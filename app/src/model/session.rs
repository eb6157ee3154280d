use serde::{Deserialize, Serialize};

/// Which Kubernetes API kfdash is talking to; the UI badges the sandbox so nobody mistakes it
/// for a real cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterKind {
    Sandbox,
    Kube,
}

/// Who is signed in and where: what the header shows on every page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user: String,
    pub cluster: ClusterKind,
    pub version: String,
}
