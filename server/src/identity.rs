//! Who is asking: every request except probes and static assets gets a verified
//! `SignedInUser` before any page or server function runs, or a 401 and no cluster call.

pub mod iap;
pub mod jwks;

use crate::config::Auth;
use app::backend::SignedInUser;
use app::model::AppError;
use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, StatusCode, header};
use iap::{IapVerifier, Rejection};
use std::sync::Arc;

enum Verifier {
    Dev(SignedInUser),
    Header {
        user_header: String,
        prefix: String,
        groups_header: String,
    },
    Iap(Box<IapVerifier>),
}

#[derive(Clone)]
pub struct Identity {
    verifier: Arc<Verifier>,
    /// Static assets under here need no identity: `{base}/pkg/`.
    assets_prefix: Arc<str>,
    /// Server functions under here answer JSON, not the sign-in page.
    api_prefix: Arc<str>,
}

/// Longest user name or group accepted from a header.
const MAX_NAME: usize = 320;
const MAX_GROUPS: usize = 64;

fn plausible_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Kubernetes reserves `system:` names for itself (`system:masters` is every permission,
/// `system:serviceaccount:…` a pod's identity). A proxy's header names people and their
/// teams: a reserved name there is refused for a user and dropped for a group, so no identity
/// provider's group can make kfdash impersonate the cluster's own identities.
fn reserved_name(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("system:")
}

impl Identity {
    pub fn new(auth: &Auth, base_path: &str) -> Result<Self, String> {
        let verifier = match auth {
            Auth::Dev { user } => Verifier::Dev(SignedInUser {
                email: user.clone(),
                groups: Vec::new(),
            }),
            Auth::Header {
                user_header,
                prefix,
                groups_header,
            } => {
                tracing::warn!(
                    header = %user_header,
                    "--auth header trusts the {user_header} header: only run it behind a proxy that sets it and strips it from clients"
                );
                Verifier::Header {
                    user_header: user_header.clone(),
                    prefix: prefix.clone(),
                    groups_header: groups_header.clone(),
                }
            }
            Auth::Iap {
                audiences,
                jwks_url,
                hosted_domains,
            } => {
                let keys = jwks::KeySet::new(jwks_url, jwks::KeyPolicy::default())?;
                Verifier::Iap(Box::new(IapVerifier::new(
                    audiences.clone(),
                    hosted_domains.clone(),
                    keys,
                )))
            }
        };
        Ok(Self {
            verifier: Arc::new(verifier),
            assets_prefix: format!("{base_path}/pkg/").into(),
            api_prefix: format!("{base_path}/api/").into(),
        })
    }

    async fn identify(&self, headers: &HeaderMap) -> Result<SignedInUser, Rejection> {
        let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        match self.verifier.as_ref() {
            Verifier::Dev(user) => Ok(user.clone()),
            Verifier::Header {
                user_header,
                prefix,
                groups_header,
            } => {
                let user = text(user_header)
                    .and_then(|value| value.trim().strip_prefix(prefix.as_str()))
                    .filter(|user| plausible_name(user) && !reserved_name(user))
                    .ok_or_else(|| Rejection::Header(user_header.clone()))?;
                let groups = text(groups_header)
                    .map(|value| {
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|group| plausible_name(group) && !reserved_name(group))
                            .take(MAX_GROUPS)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(SignedInUser {
                    email: user.to_string(),
                    groups,
                })
            }
            Verifier::Iap(verifier) => {
                verifier
                    .verify(text(iap::JWT_HEADER), text(iap::EMAIL_HEADER))
                    .await
            }
        }
    }
}

pub async fn attach(
    axum::extract::State(identity): axum::extract::State<Identity>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with(identity.assets_prefix.as_ref()) {
        return next.run(request).await;
    }
    let is_api = path.starts_with(identity.api_prefix.as_ref());
    match identity.identify(request.headers()).await {
        Ok(user) => {
            tracing::Span::current().record("user", user.email.as_str());
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        Err(rejection) => {
            // The reason is for the operator; the token itself is never logged.
            tracing::warn!(reason = %rejection, path = %request.uri().path(), "request refused: no verified identity");
            unauthenticated(is_api)
        }
    }
}

/// 401: JSON for server functions, a short page for browsers.
fn unauthenticated(is_api: bool) -> Response {
    if is_api {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(AppError::Unauthenticated),
        )
            .into_response();
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in required · kfdash</title></head>\
         <body><h1>Sign-in required</h1><p>kfdash could not verify who you are. Sign in through your organisation's \
         login and reload this page.</p></body></html>",
    )
        .into_response()
}

/// CSRF defence for server functions: POST only, from kfdash's own pages (Fetch Metadata, or
/// an Origin equal to the Host), carrying the header the app's client adds.
pub fn csrf_refusal(request: &Request, read_only: bool) -> Option<&'static str> {
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let from_our_pages = match text("sec-fetch-site") {
        Some(site) => site == "same-origin",
        None => match (text(header::ORIGIN.as_str()), text(header::HOST.as_str())) {
            (Some(origin), Some(host)) => origin
                .split_once("://")
                .is_some_and(|(_, origin_host)| origin_host == host),
            _ => false,
        },
    };
    let refusal = if read_only {
        if request.method() != http::Method::GET {
            "live lists are read with GET"
        } else if !from_our_pages {
            "this request did not come from kfdash's own pages"
        } else {
            return None;
        }
    } else if request.method() != http::Method::POST {
        "server functions are called with POST"
    } else if !from_our_pages {
        "this request did not come from kfdash's own pages"
    } else if text(app::api::CSRF_HEADER) != Some("1") {
        "this request did not come from kfdash's client"
    } else {
        return None;
    };
    tracing::warn!(path = %request.uri().path(), why = refusal, "server function call refused (CSRF)");
    Some(refusal)
}
