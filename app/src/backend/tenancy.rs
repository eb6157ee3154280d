//! Which namespaces a user works in, and registration of a new user's own namespace, the way
//! Kubeflow records them: Profiles (owner) and annotated RoleBindings (contributors).

use super::{Cluster, SignedInUser};
use crate::model::{AppError, NamespaceRow, WorkspaceRole, Workspaces};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;

pub fn profiles_resource() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Profile"))
}

/// Namespaces no user may claim: the platform's own.
const RESERVED: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "kubeflow",
    "istio-system",
    "cert-manager",
    "auth",
    "knative-serving",
    "knative-eventing",
    "oauth2-proxy",
];

/// Owner of a Profile, compared case-insensitively as emails are.
fn owner_of(profile: &DynamicObject) -> Option<&str> {
    profile
        .data
        .pointer("/spec/owner/name")
        .and_then(|v| v.as_str())
}

pub fn same_user(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The namespace Kubeflow's registration suggests: kubeflow-<email with non-alphanumerics as ->.
pub fn suggested_namespace(email: &str) -> String {
    let local: String = email
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut name = format!("kubeflow-{}", local.trim_matches('-'));
    name.truncate(63);
    name.trim_end_matches('-').to_string()
}

/// Why `name` cannot be a new user namespace, or None.
pub fn namespace_problem(name: &str) -> Option<String> {
    if let Some(problem) = crate::domain::names::label_problem(name) {
        return Some(problem);
    }
    if RESERVED.contains(&name) || name.starts_with("kube-") || name.starts_with("openshift") {
        return Some(format!("{name} is reserved for the platform"));
    }
    None
}

/// May `user` act on the whole cluster? Asked of the cluster, as the user.
pub async fn is_cluster_admin(
    cluster: &dyn Cluster,
    user: &SignedInUser,
) -> Result<bool, AppError> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some("list".into()),
                resource: Some("namespaces".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = Api::<SelfSubjectAccessReview>::all(cluster.as_user(user)?)
        .create(&PostParams::default(), &review)
        .await?;
    Ok(answer.status.is_some_and(|status| status.allowed))
}

/// Every namespace the user owns or contributes to, with their role. The platform read is
/// filtered to the caller before it leaves this function.
pub async fn workspaces(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    registration_open: bool,
) -> Result<Workspaces, AppError> {
    let dashboard = cluster.as_dashboard();
    let profiles = Api::<DynamicObject>::all_with(dashboard.clone(), &profiles_resource())
        .list(&ListParams::default())
        .await?;
    let mut namespaces: Vec<NamespaceRow> = profiles
        .items
        .iter()
        .filter(|profile| owner_of(profile).is_some_and(|owner| same_user(owner, &user.email)))
        .filter_map(|profile| profile.metadata.name.clone())
        .map(|name| NamespaceRow {
            name,
            role: WorkspaceRole::Owner,
        })
        .collect();
    let bindings = Api::<RoleBinding>::all(dashboard)
        .list(&ListParams::default())
        .await?;
    for binding in bindings.items {
        let annotations = binding.metadata.annotations.unwrap_or_default();
        let (Some(member), Some(role), Some(namespace)) = (
            annotations.get("user"),
            annotations.get("role"),
            binding.metadata.namespace,
        ) else {
            continue;
        };
        if !same_user(member, &user.email) || namespaces.iter().any(|row| row.name == namespace) {
            continue;
        }
        let role = match role.as_str() {
            "admin" | "edit" => WorkspaceRole::Contributor,
            "view" => WorkspaceRole::Viewer,
            _ => continue,
        };
        namespaces.push(NamespaceRow {
            name: namespace,
            role,
        });
    }
    namespaces.sort_by(|a, b| a.role.cmp(&b.role).then_with(|| a.name.cmp(&b.name)));
    Ok(Workspaces {
        namespaces,
        cluster_admin: is_cluster_admin(cluster, user).await?,
        registration_open,
        suggested_namespace: suggested_namespace(&user.email),
    })
}

/// Creates the user's own Profile. The owner is the verified user, whatever the client sent;
/// the namespace appears once the profile controller has made it.
pub async fn register(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    registration_open: bool,
) -> Result<NamespaceRow, AppError> {
    if !registration_open {
        return Err(AppError::Forbidden("registration: it is turned off on this installation; ask an administrator for a namespace".into()));
    }
    if let Some(problem) = namespace_problem(namespace) {
        return Err(AppError::invalid("namespace", problem));
    }
    let dashboard = cluster.as_dashboard();
    let profiles = Api::<DynamicObject>::all_with(dashboard.clone(), &profiles_resource());
    let existing = profiles.list(&ListParams::default()).await?;
    if let Some(own) = existing
        .items
        .iter()
        .find(|profile| owner_of(profile).is_some_and(|owner| same_user(owner, &user.email)))
    {
        return Err(AppError::Conflict(format!(
            "you already own the namespace {}",
            own.metadata.name.clone().unwrap_or_default()
        )));
    }
    if Api::<Namespace>::all(dashboard)
        .get_opt(namespace)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "the namespace {namespace} is taken; choose another name"
        )));
    }
    let profile = DynamicObject::new(namespace, &profiles_resource()).data(json!({
        "spec": { "owner": { "kind": "User", "name": user.email } }
    }));
    match profiles.create(&PostParams::default(), &profile).await {
        Ok(_) => Ok(NamespaceRow {
            name: namespace.to_string(),
            role: WorkspaceRole::Owner,
        }),
        Err(kube::Error::Api(status)) if status.code == 409 => Err(AppError::Conflict(format!(
            "the namespace {namespace} is taken; choose another name"
        ))),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names_are_checked_before_the_cluster_is_asked() {
        assert_eq!(namespace_problem("team-a"), None);
        for bad in [
            "",
            "Team",
            "-a",
            "a-",
            "a_b",
            "a.b",
            "kube-system",
            "kubeflow",
            "kube-anything",
            &"a".repeat(64),
        ] {
            assert!(namespace_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn suggestions_follow_kubeflow() {
        assert_eq!(
            suggested_namespace("user@example.com"),
            "kubeflow-user-example-com"
        );
        assert_eq!(
            suggested_namespace("Ada.L@Corp.io"),
            "kubeflow-ada-l-corp-io"
        );
    }
}
