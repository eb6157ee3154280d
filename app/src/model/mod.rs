//! Types that cross the wire between server and browser: small serde structs shaped for the
//! views, never Kubernetes types.

mod activity;
mod error;
pub mod katib;
pub mod kfp;
mod links;
mod notebook;
pub mod pipeline;
mod session;
mod tenancy;

pub use activity::{ActivityEvent, NotebookSummary};
pub use error::AppError;
pub use links::{LinksConfig, MenuLink, QuickLink};
pub use notebook::{
    AffinityOption, Choice, ClaimOption, ConditionRow, FieldError, GpuDefaults, GpuForm, GpuLimit,
    GpuVendor, ImageGroup, Locked, NotebookChange, NotebookDetails, NotebookEvent, NotebookForm,
    NotebookRow, NotebookStatus, PodDefaultOption, ResourceDefaults, ServerType, SpawnerConfig,
    SpawnerData, StatusPhase, TolerationOption, VolumeDefaults, VolumeForm, VolumeSource,
    WorkspaceChoice,
};
pub use session::{ClusterKind, Session};
pub use tenancy::{Contributor, ContributorRole, NamespaceRow, WorkspaceRole, Workspaces};
