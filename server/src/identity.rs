//! Who is asking: every request except health, metrics and static assets gets a
//! `SignedInUser` before any page or server function runs, or is refused.

use crate::config::Auth;
use app::backend::SignedInUser;
use axum::{extract::Request, middleware::Next, response::Response};
use std::sync::Arc;

#[derive(Clone)]
pub struct Identity {
    auth: Arc<Auth>,
    /// Static assets under here need no identity: `{base}/pkg/`.
    assets_prefix: Arc<str>,
}

impl Identity {
    pub fn new(auth: Auth, base_path: &str) -> Self {
        Self {
            auth: Arc::new(auth),
            assets_prefix: format!("{base_path}/pkg/").into(),
        }
    }

    fn identify(&self, _request: &Request) -> SignedInUser {
        match self.auth.as_ref() {
            Auth::Dev { user } => SignedInUser {
                email: user.clone(),
                groups: Vec::new(),
            },
        }
    }
}

pub async fn attach(
    axum::extract::State(identity): axum::extract::State<Identity>,
    mut request: Request,
    next: Next,
) -> Response {
    if request
        .uri()
        .path()
        .starts_with(identity.assets_prefix.as_ref())
    {
        return next.run(request).await;
    }
    let user = identity.identify(&request);
    tracing::Span::current().record("user", user.email.as_str());
    request.extensions_mut().insert(user);
    next.run(request).await
}
