//! Contributors of a namespace, managed exactly as Kubeflow's access management (KFAM) does:
//! a RoleBinding named `user-<email>-clusterrole-<role>` annotated with `user` and `role`, to
//! ClusterRole `kubeflow-<role>`, plus an Istio AuthorizationPolicy of the same name.

use super::tenancy::{is_cluster_admin, profiles_resource, same_user};
use super::{Cluster, SignedInUser};
use crate::model::{AppError, Contributor, ContributorRole};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;

fn authorization_policies() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk(
        "security.istio.io",
        "v1",
        "AuthorizationPolicy",
    ))
}

/// KFAM's binding name for a user and role.
pub fn binding_name(email: &str, role: ContributorRole) -> String {
    let safe: String = email
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("user-{safe}-clusterrole-{}", role.as_str())
}

/// Why `email` is not an address to grant access to, or None.
pub fn email_problem(email: &str) -> Option<&'static str> {
    let Some((local, domain)) = email.split_once('@') else {
        return Some("must be an email address like ada@example.com");
    };
    if email.len() > 254
        || local.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Some("must be an email address like ada@example.com");
    }
    if email
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';'))
    {
        return Some("may not contain spaces or the characters < > \" , ;");
    }
    None
}

/// The owner of `namespace`, read as the platform; Err(Forbidden) unless the caller owns it
/// or is a cluster admin.
async fn require_owner(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
) -> Result<String, AppError> {
    super::Scope::parse(namespace)?.one("managing contributors")?;
    let profile = Api::<DynamicObject>::all_with(cluster.as_dashboard(), &profiles_resource())
        .get_opt(namespace)
        .await?;
    let owner = profile
        .as_ref()
        .and_then(|profile| profile.data.pointer("/spec/owner/name"))
        .and_then(|owner| owner.as_str())
        .map(str::to_owned);
    match owner {
        Some(owner) if same_user(&owner, &user.email) => Ok(owner),
        Some(owner) if is_cluster_admin(cluster, user).await? => Ok(owner),
        _ => Err(AppError::Forbidden(format!(
            "the contributors of namespace {namespace} (only its owner manages them)"
        ))),
    }
}

pub async fn list(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
) -> Result<Vec<Contributor>, AppError> {
    require_owner(cluster, user, namespace).await?;
    read(cluster, user, namespace).await
}

/// The contributors recorded in `namespace`, read as `user`; callers check ownership first.
async fn read(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
) -> Result<Vec<Contributor>, AppError> {
    let bindings = Api::<RoleBinding>::namespaced(cluster.as_user(user)?, namespace)
        .list(&ListParams::default())
        .await?;
    let mut contributors: Vec<Contributor> = bindings
        .items
        .into_iter()
        .filter_map(|binding| {
            let annotations = binding.metadata.annotations?;
            let role = ContributorRole::parse(annotations.get("role")?)?;
            Some(Contributor {
                email: annotations.get("user")?.clone(),
                role,
            })
        })
        .collect();
    contributors.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(contributors)
}

pub async fn add(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    email: &str,
    role: ContributorRole,
) -> Result<Contributor, AppError> {
    let email = email.trim();
    if let Some(problem) = email_problem(email) {
        return Err(AppError::invalid("email", problem));
    }
    let owner = require_owner(cluster, user, namespace).await?;
    if same_user(&owner, email) {
        return Err(AppError::invalid(
            "email",
            format!("{email} owns {namespace} and already has full access"),
        ));
    }
    if read(cluster, user, namespace)
        .await?
        .iter()
        .any(|existing| same_user(&existing.email, email))
    {
        return Err(AppError::Conflict(format!(
            "{email} is already a contributor of {namespace}; remove them first to change their role"
        )));
    }
    // As the owner: the cluster's RBAC must agree that they may grant access here.
    let client = cluster.as_user(user)?;
    let name = binding_name(email, role);
    let annotations = json!({ "user": email, "role": role.as_str() });
    let binding: RoleBinding = serde_json::from_value(json!({
        "metadata": { "name": name, "namespace": namespace, "annotations": annotations },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("kubeflow-{}", role.as_str()) },
        "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": email }],
    }))
    .map_err(|error| AppError::Internal(error.to_string()))?;
    let bindings = Api::<RoleBinding>::namespaced(client.clone(), namespace);
    bindings.create(&PostParams::default(), &binding).await?;
    let mut policy = DynamicObject::new(&name, &authorization_policies()).data(json!({
        "spec": { "rules": [{ "when": [{ "key": "request.headers[kubeflow-userid]", "values": [email] }] }] },
    }));
    policy.metadata.annotations = Some(
        [
            ("user".to_string(), email.to_string()),
            ("role".to_string(), role.as_str().to_string()),
        ]
        .into(),
    );
    let policies =
        Api::<DynamicObject>::namespaced_with(client, namespace, &authorization_policies());
    if let Err(error) = policies.create(&PostParams::default(), &policy).await {
        // Half a grant is worse than none: take the binding back so the user can retry.
        let _ = bindings.delete(&name, &DeleteParams::default()).await;
        return Err(error.into());
    }
    Ok(Contributor {
        email: email.to_string(),
        role,
    })
}

pub async fn remove(
    cluster: &dyn Cluster,
    user: &SignedInUser,
    namespace: &str,
    email: &str,
) -> Result<(), AppError> {
    require_owner(cluster, user, namespace).await?;
    let existing = read(cluster, user, namespace).await?;
    let Some(contributor) = existing.iter().find(|c| same_user(&c.email, email.trim())) else {
        return Err(AppError::NotFound(format!(
            "contributor {} in {namespace}",
            email.trim()
        )));
    };
    let client = cluster.as_user(user)?;
    let name = binding_name(&contributor.email, contributor.role);
    Api::<RoleBinding>::namespaced(client.clone(), namespace)
        .delete(&name, &DeleteParams::default())
        .await?;
    // The policy may already be gone (removed by hand): the binding is what grants access.
    match Api::<DynamicObject>::namespaced_with(client, namespace, &authorization_policies())
        .delete(&name, &DeleteParams::default())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_names_match_kfam() {
        assert_eq!(
            binding_name("user@example.com", ContributorRole::Edit),
            "user-user-example-com-clusterrole-edit"
        );
        assert_eq!(
            binding_name("Ada.L+x@Corp.io", ContributorRole::View),
            "user-ada-l-x-corp-io-clusterrole-view"
        );
    }

    #[test]
    fn emails_are_checked() {
        assert_eq!(email_problem("ada@example.com"), None);
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@localhost",
            "ada @example.com",
            "ada@example.com,eve@example.com",
            "<ada@example.com>",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
