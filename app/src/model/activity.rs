use serde::{Deserialize, Serialize};

/// One Kubernetes event in a namespace, as the activity feed shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEvent {
    /// RFC 3339, UTC.
    pub time: String,
    pub warning: bool,
    pub reason: String,
    /// `pod/scipy-explore-0`
    pub object: String,
    pub message: String,
}

/// A notebook server in the home page's "recent" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookSummary {
    pub name: String,
    /// Running, Stopped or Starting.
    pub status: String,
    pub image: String,
    pub created: String,
}
