//! Types that cross the wire between server and browser: small serde structs shaped for the
//! views, never Kubernetes types.

mod activity;
mod error;
mod links;
mod session;
mod tenancy;

pub use activity::{ActivityEvent, NotebookSummary};
pub use error::AppError;
pub use links::{LinksConfig, MenuLink, QuickLink};
pub use session::{ClusterKind, Session};
pub use tenancy::{Contributor, ContributorRole, NamespaceRow, WorkspaceRole, Workspaces};
