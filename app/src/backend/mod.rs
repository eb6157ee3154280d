//! Server-only code: the request's identity and the server's context, read from what the
//! server crate provides, and the cluster calls made for the signed-in user.

pub mod activity;
pub mod contributors;
pub mod katib;
pub mod kfp;
pub mod links;
pub mod notebooks;
pub mod pipelines;
pub mod reloading;
pub mod tenancy;

use crate::model::{AppError, ClusterKind, Session};
use leptos::prelude::*;
use std::sync::Arc;

/// How the server reaches the cluster. Every call made for a user goes through `as_user`, so
/// the cluster's RBAC decides; `as_dashboard` is only for the platform reads Kubeflow also
/// does as itself (which namespaces a user belongs to), and for creating a new user's Profile.
pub trait Cluster: Send + Sync + 'static {
    /// A client that impersonates `user`. Never falls back to the dashboard's own identity.
    fn as_user(&self, user: &SignedInUser) -> Result<kube::Client, AppError>;
    fn as_dashboard(&self) -> kube::Client;
    /// A Kubeflow Pipelines API that comes with the cluster (the sandbox's); None for a real
    /// cluster, whose ml-pipeline is reached at `--kfp-url`.
    fn kfp(&self) -> Option<std::sync::Arc<dyn kfp::KfpTransport>> {
        None
    }
    /// A katib-db-manager that comes with the cluster (the sandbox's), as a gRPC URL; None for
    /// a real cluster, whose service is reached at `--katib-db-manager`.
    fn katib_db_url(&self) -> Option<String> {
        None
    }
}

/// A user whose identity the server's identity layer verified; inserted into every request's
/// extensions before any page or server function runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    pub email: String,
    pub groups: Vec<String>,
}

/// What the server tells the app about itself; provided as context to every render and
/// server function.
#[derive(Clone)]
pub struct ServerContext {
    pub cluster: ClusterKind,
    /// "" or a prefix like "/kubeflow", never with a trailing slash.
    pub base_path: String,
    pub kube: Arc<dyn Cluster>,
    /// New users may create their own profile (`--registration-flow`).
    pub registration_open: bool,
    pub links: Arc<links::LinksProvider>,
    pub spawner: Arc<notebooks::SpawnerProvider>,
    /// Origins of host pages that may talk to kfdash in a frame (`--embed-origins`).
    pub embed_origins: Arc<[String]>,
    /// The Kubeflow Pipelines API (`--kfp-url`, or the sandbox's).
    pub kfp: kfp::Kfp,
    /// katib-db-manager (`--katib-db-manager`, or the sandbox's), for learning curves.
    pub katib_db: Arc<dyn katib::ObservationLogSource>,
}

/// Name of the private response header through which the shell hands its CSP nonce to the
/// server's security layer, which removes it before the response leaves.
pub const CSP_NONCE_HEADER: &str = "x-kfdash-csp-nonce";

pub fn current_user() -> Result<SignedInUser, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<SignedInUser>().cloned())
        .ok_or(AppError::Unauthenticated)
}

pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>()
        .ok_or_else(|| AppError::Internal("the server context is missing".into()))
}

/// The signed-in user and the server's context: what every server function starts from.
pub fn caller() -> Result<(SignedInUser, ServerContext), AppError> {
    Ok((current_user()?, server_context()?))
}

/// Which namespaces a request is about: one, or all of them (`?ns=*`, offered to cluster
/// admins; the cluster's RBAC still decides whether a cluster-wide list is allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    One(String),
}

impl Scope {
    /// Reads what the page sent, refusing anything that is not a namespace name before any
    /// cluster call is made.
    pub fn parse(namespace: &str) -> Result<Self, AppError> {
        if namespace == crate::domain::nav::ALL_NAMESPACES {
            return Ok(Self::All);
        }
        crate::domain::names::label_problem(namespace).map_or_else(
            || Ok(Self::One(namespace.to_string())),
            |problem| Err(AppError::invalid("namespace", problem)),
        )
    }

    /// The one namespace, for calls that make no sense across all of them.
    pub fn one(self, what: &str) -> Result<String, AppError> {
        match self {
            Self::One(namespace) => Ok(namespace),
            Self::All => Err(AppError::BadRequest(format!(
                "{what} works in one namespace at a time; pick one in the namespace selector"
            ))),
        }
    }

    /// A typed API over this scope.
    pub fn api<K>(&self, client: kube::Client) -> kube::Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        match self {
            Self::All => kube::Api::all(client),
            Self::One(namespace) => kube::Api::namespaced(client, namespace),
        }
    }

    /// A dynamic API over this scope.
    pub fn api_with(
        &self,
        client: kube::Client,
        resource: &kube::core::ApiResource,
    ) -> kube::Api<kube::api::DynamicObject> {
        match self {
            Self::All => kube::Api::all_with(client, resource),
            Self::One(namespace) => kube::Api::namespaced_with(client, namespace, resource),
        }
    }
}

/// Lists objects as plain JSON. `Api<DynamicObject>` goes through serde's `flatten`, which
/// costs ~0.1 ms per object: 240 ms for 2,000 notebooks, against ~25 ms this way.
pub async fn list_json(
    client: &kube::Client,
    scope: &Scope,
    resource: &kube::core::ApiResource,
    params: &kube::api::ListParams,
) -> Result<Vec<serde_json::Value>, AppError> {
    list_of(client, scope, resource, params).await
}

/// [`list_json`], each item deserialized as `T`: a type that keeps only what its caller reads
/// skips the rest of every object instead of building it.
pub async fn list_of<T: serde::de::DeserializeOwned>(
    client: &kube::Client,
    scope: &Scope,
    resource: &kube::core::ApiResource,
    params: &kube::api::ListParams,
) -> Result<Vec<T>, AppError> {
    #[derive(serde::Deserialize)]
    #[serde(bound = "T: serde::de::DeserializeOwned")]
    struct List<T> {
        #[serde(default = "Vec::new")]
        items: Vec<T>,
    }
    let namespace = match scope {
        Scope::All => None,
        Scope::One(namespace) => Some(namespace.as_str()),
    };
    let url = <kube::api::DynamicObject as kube::Resource>::url_path(resource, namespace);
    let request = kube::core::Request::new(url)
        .list(params)
        .map_err(|error| AppError::Internal(format!("a list request: {error}")))?;
    let list: List<T> = client.request(request).await?;
    Ok(list.items)
}

pub fn describe_session(user: &SignedInUser, server: &ServerContext) -> Session {
    Session {
        user: user.email.clone(),
        cluster: server.cluster,
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_identity_in_the_request_is_unauthenticated() {
        let owner = Owner::new();
        owner.with(|| {
            assert_eq!(current_user(), Err(AppError::Unauthenticated));
            let (mut parts, _) = http::Request::new(()).into_parts();
            let user = SignedInUser {
                email: "ada@example.com".into(),
                groups: vec![],
            };
            parts.extensions.insert(user.clone());
            provide_context(parts);
            assert_eq!(current_user(), Ok(user));
        });
    }
}
