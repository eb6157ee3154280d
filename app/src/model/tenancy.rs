use serde::{Deserialize, Serialize};

/// What the signed-in user may do in a namespace, as Kubeflow names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceRole {
    Owner,
    Contributor,
    Viewer,
}

impl WorkspaceRole {
    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Contributor => "contributor",
            Self::Viewer => "viewer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceRow {
    pub name: String,
    pub role: WorkspaceRole,
}

/// The namespaces the user works in, and what the installation lets them do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspaces {
    pub namespaces: Vec<NamespaceRow>,
    /// May pick "all namespaces" (decided by the cluster's RBAC, never by a header).
    pub cluster_admin: bool,
    /// New users may create their own profile.
    pub registration_open: bool,
    /// A namespace name to suggest at registration.
    pub suggested_namespace: String,
}

/// A contributor role as Kubeflow's access management records it (`role` annotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributorRole {
    Edit,
    View,
}

impl ContributorRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::View => "view",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "edit" => Some(Self::Edit),
            "view" => Some(Self::View),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributor {
    pub email: String,
    pub role: ContributorRole,
}
